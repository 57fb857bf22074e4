#!/usr/bin/env bash
# bench/fsum.sh — the price of exact f64 sums (issue 20): examples/weights.fpipe
# (a keyed f64 sum) on the BENCH_MB corpus of bench/run.sh (default 100 MB),
# built by this fpipec (exact sums, runtime/fsum.c) and by the fpipec of
# FSUM_BASE (default 0f0fa1a, the last commit with a plain double sum:
# per-partition tables folded in partition order), at 1 and 2 threads.
# Usage: bench/fsum.sh [BUILD_DIR]
#
# The two programs alternate run by run, BENCH_RUNS times (default 5;
# bench/ab.sh): medians and best of wall and user time, with their ratios.
# Also printed: the bytes of one key's accumulator (inline and promoted)
# and table slot, and the peak RSS of each (GNU time %M).  The exact sums are checked against the word counts (n copies of 0.1
# sum exactly to n * 0.1, one IEEE rounding in awk).  Printed, never
# asserted: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
MB=${BENCH_MB:-100}
RUNS=${BENCH_RUNS:-5}
BASE=${FSUM_BASE:-0f0fa1a}
OUT=$B/bench
mkdir -p "$OUT"
export LC_ALL=C

[ -x "$OUT/gen_corpus" ] || cc -std=c11 -O2 -Wall -Wextra -o "$OUT/gen_corpus" bench/gen_corpus.c
CORPUS=$OUT/corpus-$MB.txt
if [ ! -s "$CORPUS" ]; then
    echo "generating a $MB MB corpus ..."
    "$OUT/gen_corpus" "$MB" 42 > "$CORPUS.tmp" && mv "$CORPUS.tmp" "$CORPUS"
fi
cat "$CORPUS" > /dev/null   # into the page cache

# The baseline compiler: FSUM_BASE's sources from git, built once.
BD=$OUT/fsum-base-$BASE
if [ ! -x "$BD/build/fpipec" ]; then
    if ! git rev-parse --verify -q "$BASE^{commit}" > /dev/null; then
        echo "fsum: skipped: commit $BASE is not in this repository (set FSUM_BASE)"; exit 0
    fi
    echo "building the baseline fpipec of $BASE in $BD ..."
    rm -rf "$BD" && mkdir -p "$BD"
    git archive "$BASE" | tar -x -C "$BD"
    make -C "$BD" -j2 build/fpipec build/libfpipe.a > "$BD.log" 2>&1 || { echo "fsum: baseline build failed: $BD.log"; exit 1; }
fi
"$B/fpipec" build examples/weights.fpipe -o "$OUT/weights_exact"
# Its own fpipec finds its own runtime (relative to the fpipec binary).
(cd "$BD" && build/fpipec build examples/weights.fpipe -o weights_plain 2> /dev/null)
cp "$BD/weights_plain" "$OUT/weights_plain"
"$B/fpipec" build examples/wordcount.fpipe -o "$OUT/wordcount"

# Correctness first: exact sums are n * 0.1 for a word seen n times; the
# plain sums differ from them in the last bits only.
"$OUT/wordcount" -o "$OUT/fsum.wc" "$CORPUS"
"$OUT/weights_exact" -o "$OUT/fsum.exact" "$CORPUS"
"$OUT/weights_plain" -o "$OUT/fsum.plain" "$CORPUS"
awk -F'\t' '{ v = $2 * 0.1; for (p = 15; p <= 17; p++) { s = sprintf("%." p "g", v); if (s + 0 == v) break } print $1 "\t" s }' "$OUT/fsum.wc" > "$OUT/fsum.ref"
if cmp -s "$OUT/fsum.ref" "$OUT/fsum.exact"; then echo "exact sums: every key's sum is n * 0.1 rounded once ($(wc -l < "$OUT/fsum.exact") keys)"
else echo "fsum: exact sums differ from n * 0.1"; exit 1; fi
echo "plain sums: $(paste "$OUT/fsum.exact" "$OUT/fsum.plain" | awk -F'\t' '$2 != $4' | wc -l) keys with other last bits"

# Time: bench/ab.sh runs the two alternately (medians and best of wall and
# user seconds, and their ratios, from the same runs).
for t in 1 2; do
    echo "--threads $t, $RUNS runs each (old: plain double sum, new: exact sum):"
    bash bench/ab.sh "$OUT/weights_plain" "$OUT/weights_exact" "$CORPUS" $t "$RUNS" | sed 's/^/  /'
done

# Bytes per key: the accumulator, and the table slot that holds it.  A key
# whose sum leaves the inline window (values 2^74 apart) also has an
# fp_fsum out of line.
printf '#include "libfpipe.h"\n#include <stdio.h>\nint main(void) { printf("%%zu %%zu %%zu\\n", sizeof(fp_xsum), sizeof(fp_fsum), sizeof(fp_kslot)); return 0; }\n' > "$OUT/fsum_size.c"
cc -std=c11 -D_DEFAULT_SOURCE -Iruntime "$OUT/fsum_size.c" -o "$OUT/fsum_size"
read -r acc big slot < <("$OUT/fsum_size")
echo "bytes per key: accumulator $acc inline, $((acc + big)) promoted ($big out of line); table slot $((slot + acc)) (plain double: accumulator 8, slot $((slot + 8))), before the table's empty slots"
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true > /dev/null 2>&1; then
    for t in 1 2; do
        p=$(/usr/bin/time -f %M "$OUT/weights_plain" --threads $t -o "$OUT/fsum.p" "$CORPUS" 2>&1 > /dev/null | tail -1)
        e=$(/usr/bin/time -f %M "$OUT/weights_exact" --threads $t -o "$OUT/fsum.e" "$CORPUS" 2>&1 > /dev/null | tail -1)
        echo "peak RSS --threads $t: plain $((p / 1024)) MB, exact $((e / 1024)) MB"
    done
else echo "peak RSS: skipped (GNU time is not installed)"; fi
