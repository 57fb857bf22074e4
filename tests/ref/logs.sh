#!/usr/bin/env bash
# logs.sh — the expected output of examples/logs.fpipe, computed without
# fpipec (grep, sed, sort, uniq), as an independent reference.
#
#   bash tests/ref/logs.sh FILE...             the TSV rows, byte for byte
#   bash tests/ref/logs.sh --dropped FILE...   the number of lines dropped
#
# A line is well formed when it matches LOG_RE below (the format described
# in examples/logs.fpipe, written out byte by byte: exactly two quotes,
# around the request, and a timestamp at +0000 whose fields are in range);
# it then counts once as "hour HH" and once as "status SSS".  The pattern
# checks days only to 31 and offsets only +0000: tests/ref/gen_logs.awk
# writes days 01 to 28 and +0000 (or breaks the timestamp), so on its logs
# this is exactly "a real time", and at +0000 the written hour is UTC's.  Every other line, the empty ones included, is dropped.
# Rows: "key<TAB>count", keys in ascending byte order (LC_ALL=C).
# (grep exits 1 when no line matches: that is still an answer, hence || true.)
set -euo pipefail
export LC_ALL=C

LOG_RE='^[^ "]{7,15} - - \[(0[1-9]|[12][0-9]|3[01])/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/[0-9]{4}:([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] \+0000\] "[^"]*" ([1-5][0-9]{2}) (-|[0-9]{1,9})$'

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
        sed -E "s#$LOG_RE#"'hour \3\nstatus \4#' |
        sort | uniq -c | sed -E 's/^ *([0-9]+) (.*)$/\2\t\1/'
fi
