#!/bin/sh
# Makes the example prompt files from the shipped corpus (Data/corpora/tinyshakespeare_lines.txt):
# every 125th line of at least 30 characters, split at the space nearest its middle.
#   shakespeare-lines.txt    the whole lines
#   shakespeare-prompts.txt  their first halves (prompts)
#   shakespeare-endings.txt  their second halves (references), aligned with the prompts
# Run from this directory: sh make_shakespeare_examples.sh
set -eu
corpus=../../Data/corpora/tinyshakespeare_lines.txt
awk 'length($0) >= 30 { n++; if (n % 125 == 0) print }' "$corpus" > shakespeare-lines.txt
awk '{
  mid = int(length($0) / 2); cut = 0
  for (d = 0; d < mid && cut == 0; d++) {
    if (substr($0, mid + d, 1) == " ") cut = mid + d
    else if (substr($0, mid - d, 1) == " ") cut = mid - d
  }
  if (cut == 0) cut = mid
  print substr($0, 1, cut - 1) > "shakespeare-prompts.txt"
  print substr($0, cut + 1) > "shakespeare-endings.txt"
}' shakespeare-lines.txt
