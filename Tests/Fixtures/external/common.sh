# Shared by the test scorers in this directory (sourced, not run). POSIX sh + awk only.
#
# The test scorers do not parse JSON in general: they rely on the exact request that
# ExternalScorer writes, {"batch":N,"prompts":[...],"completions":["a","b"]}, and on
# the tests sending completions without quotes, backslashes, brackets or non-ASCII text.

# request_batch LINE: prints the batch number of request LINE.
request_batch() {
    printf '%s\n' "$1" | awk '{ start = index($0, "\"batch\":"); print substr($0, start + 8) + 0 }'
}

# answer_lengths LINE [OFFSET] [DROP] [PADDING]: prints the answer to request LINE in
# which each score is the number of characters of the completion plus OFFSET, or null
# for an empty completion. DROP leaves out that many trailing scores (a wrong count);
# PADDING puts that many spaces into the line (valid JSON, just long).
answer_lengths() {
    printf '%s\n' "$1" | awk -v offset="${2:-0}" -v drop="${3:-0}" -v padding="${4:-0}" '
    {
        start = index($0, "\"batch\":")
        batch = substr($0, start + 8) + 0
        rest = substr($0, index($0, "\"completions\":[") + 15)
        list = substr(rest, 1, index(rest, "]") - 1)
        count = 0
        if (list != "") {
            list = substr(list, 2, length(list) - 2)
            count = split(list, items, "\",\"")
        }
        pad = ""
        if (padding > 0) {
            pad = " "
            while (length(pad) < padding) pad = pad pad
            pad = substr(pad, 1, padding)
        }
        printf "{\"batch\":%d,\"scores\":[%s", batch, pad
        for (i = 1; i <= count - drop; i++) {
            if (i > 1) printf ","
            if (items[i] == "") printf "null"
            else printf "%d", length(items[i]) + offset
        }
        printf "]}\n"
    }'
}
