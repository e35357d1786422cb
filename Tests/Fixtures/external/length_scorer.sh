#!/bin/sh
# Well-behaved test scorer: the score of a completion is its length in characters plus
# $SCORE_OFFSET (default 0), null for an empty completion. Reports its working
# directory on standard error at start, exits at end of input.
. "$(dirname "$0")/common.sh"
echo "length_scorer: started in $(pwd -P)" >&2
while IFS= read -r line; do
    answer_lengths "$line" "${SCORE_OFFSET:-0}"
done
echo "length_scorer: end of input, exiting" >&2
