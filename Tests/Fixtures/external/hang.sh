#!/bin/sh
# Test scorer that never answers. Usage: hang.sh [MODE]
#   reads      (default) reads each request, starts `sleep 30` in the background,
#              reports the sleeper's process id on standard error, and waits for it
#   ignore-term  the same, but the script and its sleeper ignore SIGTERM, so only
#              SIGKILL ends them
#   no-read    never reads its input (a large request fills the pipe)
mode=${1:-reads}
if [ "$mode" = no-read ]; then
    echo "hang: not reading anything" >&2
    exec sleep 30
fi
if [ "$mode" = ignore-term ]; then
    trap '' TERM
fi
while IFS= read -r line; do
    sleep 30 &
    echo "hang: sleeper pid $!" >&2
    wait $!
done
