#!/usr/bin/env bash
# bench/memory.sh — peak memory (issue 5, "Memory").  Usage: bench/memory.sh [BUILD_DIR]
#
# 1. An element-wise pipeline (examples/linelen.fpipe: filter, map, sink)
#    over a 1 GB generated corpus (made once, $B/bench/corpus-1000.txt,
#    when the disk has room): target peak RSS under 64 MB.
# 2. The word count (examples/wordcount.fpipe) over the BENCH_MB corpus of
#    bench/run.sh (default 100 MB): peak RSS against the memory its
#    distinct keys and counts need (--stats' key_bytes: the sum over
#    distinct keys of the key's bytes plus the 8-byte count), target at
#    most 2x, and against its tables' bytes.
# At 1 thread and at all cores.  Peak RSS from GNU time (%M) when it is
# installed, else from --stats=json's peak_rss_bytes.  Printed, never
# asserted: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
MB=${BENCH_MB:-100}
OUT=$B/bench
mkdir -p "$OUT"
export LC_ALL=C
NPROC=$(nproc)

[ -x "$OUT/gen_corpus" ] || cc -std=c11 -O2 -Wall -Wextra -o "$OUT/gen_corpus" bench/gen_corpus.c
"$B/fpipec" build examples/linelen.fpipe -o "$OUT/linelen"
"$B/fpipec" build examples/wordcount.fpipe -o "$OUT/wordcount"
GTIME=
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true > /dev/null 2>&1; then GTIME=/usr/bin/time; fi

# peak PROG ARGS...: runs PROG --stats=json ARGS (output to $OUT/mem.out);
# sets RSS (bytes), KEYS (key_bytes) and TABLE (table_bytes).
peak() {
    local prog=$1; shift
    if [ -n "$GTIME" ]; then
        "$GTIME" -o "$OUT/mem.time" -f %M "$prog" --stats=json -o "$OUT/mem.out" "$@" 2> "$OUT/mem.err"
        RSS=$(( $(tail -1 "$OUT/mem.time") * 1024 ))
    else
        "$prog" --stats=json -o "$OUT/mem.out" "$@" 2> "$OUT/mem.err"
        RSS=$(grep -o '"peak_rss_bytes":[0-9]*' "$OUT/mem.err" | sed 's/.*://')
    fi
    KEYS=$(grep -o '"key_bytes":[0-9]*' "$OUT/mem.err" | sed 's/.*://' || true)
    TABLE=$(grep -o '"table_bytes":[0-9]*' "$OUT/mem.err" | sed 's/.*://' || true)
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

echo
echo "peak memory (RSS from $([ -n "$GTIME" ] && echo "GNU time" || echo "--stats=json"))"

BIG=$OUT/corpus-1000.txt
if [ ! -s "$BIG" ]; then
    avail=$(df -Pk "$OUT" | awk 'NR == 2 { print $4 }')
    if [ "$avail" -gt $((3 * 1024 * 1024)) ]; then   # 1 GB, with 2 GB to spare
        echo "generating a 1000 MB corpus (once) ..."
        "$OUT/gen_corpus" 1000 7 > "$BIG.tmp" && mv "$BIG.tmp" "$BIG"
    else
        echo "skipped the 1 GB element-wise run: only $((avail / 1024)) MB free on $OUT"
    fi
fi
if [ -s "$BIG" ]; then
    for t in 1 "$NPROC"; do
        peak "$OUT/linelen" --threads "$t" "$BIG"
        printf '%-58s %8s MiB  (target < 64 MB)\n' \
            "linelen (map/filter/sink), $(($(stat -c %s "$BIG") / 1000000)) MB, $t thread(s)" "$(mib "$RSS")"
    done
    rm -f "$OUT/mem.out"
fi

CORPUS=$OUT/corpus-$MB.txt
if [ ! -s "$CORPUS" ]; then
    echo "generating a $MB MB corpus ..."
    "$OUT/gen_corpus" "$MB" 42 > "$CORPUS.tmp" && mv "$CORPUS.tmp" "$CORPUS"
fi
for t in 1 "$NPROC"; do
    peak "$OUT/wordcount" --threads "$t" "$CORPUS"
    printf '%-58s %8s MiB  = %.1fx keys+counts (%s MiB; target <= 2x), %.1fx tables (%s MiB)\n' \
        "wordcount, $(($(stat -c %s "$CORPUS") / 1000000)) MB, $t thread(s)" "$(mib "$RSS")" \
        "$(awk -v r="$RSS" -v k="$KEYS" 'BEGIN { print r / k }')" "$(mib "$KEYS")" \
        "$(awk -v r="$RSS" -v k="$TABLE" 'BEGIN { print r / k }')" "$(mib "$TABLE")"
done
rm -f "$OUT/mem.out" "$OUT/mem.err" "$OUT/mem.time"
