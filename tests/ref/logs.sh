#!/usr/bin/env bash
# logs.sh — the expected output of examples/logs.fpipe, computed without
# fpipec (grep, sed, sort, uniq), as an independent reference.
#
#   bash tests/ref/logs.sh FILE...             the TSV rows, byte for byte
#   bash tests/ref/logs.sh --dropped FILE...   the number of lines dropped
#
# A line is well formed when it matches LOG_RE below (the format described
# in examples/logs.fpipe: exactly two quotes, around the request); it then counts once as "hour HH" and once as
# "status SSS".  Every other line, the empty ones included, is dropped.
# Rows: "key<TAB>count", keys in ascending byte order (LC_ALL=C).
# (grep exits 1 when no line matches: that is still an answer, hence || true.)
set -euo pipefail
export LC_ALL=C

LOG_RE='^[^ "]{7,15} - - \[[^"]{11}:([01][0-9]|2[0-3]):[^"]{11}\] "[^"]*" ([1-5][0-9]{2}) (-|[0-9]{1,9})$'

dropped=0
if [ "${1:-}" = --dropped ]; then dropped=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--dropped] FILE..." >&2; exit 2; }

# Each file's lines, a last line without a newline included (the pipeline's
# text(input) reads it as a line too).
lines() { local f; for f in "$@"; do sed '$a\' "$f"; done; }

if [ $dropped = 1 ]; then
    lines "$@" | { grep -a -c -v -E "$LOG_RE" || true; }
else
    lines "$@" | { grep -a -E "$LOG_RE" || true; } |
        sed -E "s#$LOG_RE#"'hour \1\nstatus \2#' |
        sort | uniq -c | sed -E 's/^ *([0-9]+) (.*)$/\2\t\1/'
fi
