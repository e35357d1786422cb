#!/bin/sh
# Test scorer that answers with one score fewer than there are completions.
. "$(dirname "$0")/common.sh"
while IFS= read -r line; do
    answer_lengths "$line" 0 1
done
