#!/bin/sh
# Turns Tiny Shakespeare (karpathy/char-rnn, data/tinyshakespeare/input.txt) into one
# spoken line per line: drops empty lines and the speaker-name line that opens every
# speech (the line right after an empty line, or the first line, when it ends in ':').
# Every other line is copied byte for byte.
#
# usage: sh make_tinyshakespeare_lines.sh input.txt > tinyshakespeare_lines.txt
set -eu
awk '
  BEGIN { previous = "" }
  {
    isBlank = ($0 ~ /^[ \t]*$/)
    opensSpeech = (previous ~ /^[ \t]*$/) && ($0 ~ /:$/)
    if (!isBlank && !opensSpeech) print
    previous = $0
  }
' "$1"
