#!/bin/sh
# Test scorer that is noisy on every channel: before reading each request it writes
# about 1.2 MB to standard error (far more than a pipe holds), and it answers with the
# length scores padded by 300000 spaces (one very long, still valid, line).
. "$(dirname "$0")/common.sh"
while :; do
    awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "flood_stderr: line %05d ........................................\n", i }' >&2
    IFS= read -r line || break
    answer_lengths "$line" 0 0 300000
done
