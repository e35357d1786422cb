#!/bin/sh
# Test scorer that dies. Usage: crash.sh [MODE]
#   second-request  (default) answers like length_scorer.sh, but on its 2nd request
#                   prints a message on standard error and exits with status 3
#   signal-second   on its 2nd request kills itself with SIGKILL
#   partial-second  on its 2nd request writes half an answer line, then exits 4
#   exit-after-first  answers its first request, then exits 0 (dies between calls)
#   at-start        prints a message on standard error and exits 2 before reading
. "$(dirname "$0")/common.sh"
mode=${1:-second-request}
if [ "$mode" = at-start ]; then
    echo "crash: cannot load model weights (at-start mode)" >&2
    exit 2
fi
count=0
while IFS= read -r line; do
    count=$((count + 1))
    if [ "$count" -eq 2 ]; then
        case $mode in
        second-request)
            echo "crash: giving up on request 2" >&2
            exit 3 ;;
        signal-second)
            echo "crash: killing myself on request 2" >&2
            kill -KILL $$ ;;
        partial-second)
            printf '{"batch":%d,"sco' "$(request_batch "$line")"
            exit 4 ;;
        esac
    fi
    answer_lengths "$line"
    if [ "$mode" = exit-after-first ]; then
        echo "crash: leaving after one answer" >&2
        exit 0
    fi
done
