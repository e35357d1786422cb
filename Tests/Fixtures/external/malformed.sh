#!/bin/sh
# Test scorer that answers every request with a line that breaks the protocol, expecting
# one completion per request. Usage: malformed.sh MODE
#   not-json      a log line of 300+ characters instead of JSON
#   not-object    a JSON array
#   wrong-batch   the batch number plus 5
#   string-score  a string where a number belongs
#   not-finite    NaN as a score (what Python's json.dumps writes by default)
#   no-scores     an object without "scores"
. "$(dirname "$0")/common.sh"
mode=$1
while IFS= read -r line; do
    batch=$(request_batch "$line")
    echo "malformed: answering batch $batch in mode $mode" >&2
    case $mode in
    not-json)
        printf 'Loading scorer model... done. '
        awk 'BEGIN { for (i = 0; i < 300; i++) printf "x"; printf "\n" }' ;;
    not-object) echo "[1, 2, 3]" ;;
    wrong-batch) echo "{\"batch\":$((batch + 5)),\"scores\":[1]}" ;;
    string-score) echo "{\"batch\":$batch,\"scores\":[\"high\"]}" ;;
    not-finite) echo "{\"batch\":$batch,\"scores\":[NaN]}" ;;
    no-scores) echo "{\"batch\":$batch,\"score\":[1]}" ;;
    *) echo "malformed.sh: unknown mode '$mode'" >&2; exit 64 ;;
    esac
done
