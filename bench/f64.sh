#!/usr/bin/env bash
# bench/f64.sh — the cost of writing f64 (issue 19): one value per input
# line, the same map writing an f64 and an i64.  Usage: bench/f64.sh [BUILD_DIR]
#
#   f64: parse_f64(str(len(lines))) / 7.0      e.g. 10.571428571428571
#   i64: parse_i64(str(len(lines))) * 7        e.g. 518
#
# over the word-count corpus (bench/gen_corpus.c, BENCH_MB megabytes,
# default 120), at 1 and 2 threads, BENCH_RUNS runs each in turn (default
# 5): the median wall and CPU (user + system) seconds.  The f64 output is
# checked against python3: every line must read back as the same double as
# len / 7 and be the shortest repr (python's repr is the shortest
# round-trip too; its layout differs, so the digits are compared).  The
# 100,000,000-double check of the printer against the %.Ng search and
# strtod: FPIPE_F64_CHECKS=100000000 on the unit test (docs/design-notes.md).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
MB=${BENCH_MB:-120}
RUNS=${BENCH_RUNS:-5}
OUT=$B/bench
mkdir -p "$OUT"
export LC_ALL=C

cc -std=c11 -O2 -Wall -Wextra -o "$OUT/gen_corpus" bench/gen_corpus.c
CORPUS=$OUT/corpus-$MB.txt
if [ ! -s "$CORPUS" ]; then
    "$OUT/gen_corpus" "$MB" 42 > "$CORPUS.tmp" && mv "$CORPUS.tmp" "$CORPUS"
fi
cat "$CORPUS" > /dev/null
for t in f64 i64; do
    if [ $t = f64 ]; then e='parse_f64(str(len(lines))) / 7.0'; else e='parse_i64(str(len(lines))) * 7'; fi
    printf 'pipeline out_%s\nsource lines : str = text(input)\nmap x : %s = %s\nsink out = tsv(output)\n' \
        $t $t "$e" > "$OUT/out_$t.fpipe"
    "$B/fpipec" build "$OUT/out_$t.fpipe" -o "$OUT/out_$t"
done
run() {
    local name=$1; shift
    /usr/bin/time -f "%e %U %S" -o "$OUT/t.one" "$@" > "$OUT/o.$name" 2> /dev/null
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$OUT/t.one" >> "$OUT/t.$name"
}
names=(f64_t1 i64_t1 f64_t2 i64_t2)
for n in "${names[@]}"; do rm -f "$OUT/t.$n"; done
for _ in $(seq "$RUNS"); do
    for th in 1 2; do
        run f64_t$th "$OUT/out_f64" --threads $th "$CORPUS"
        run i64_t$th "$OUT/out_i64" --threads $th "$CORPUS"
    done
done
cmp "$OUT/o.f64_t1" "$OUT/o.f64_t2" || { echo "f64.sh: thread counts differ"; exit 1; }
python3 - "$CORPUS" "$OUT/o.f64_t1" <<'PY' || { echo "f64.sh: f64 output is wrong"; exit 1; }
import sys
with open(sys.argv[1], 'rb') as f, open(sys.argv[2]) as g:
    lines = f.read().split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    out = g.read().split('\n')[:-1]
assert len(out) == len(lines), (len(out), len(lines))
digits = lambda s: s.split('e')[0].replace('-', '').replace('.', '').strip('0')
for l, o in zip(lines, out):
    v = len(l) / 7.0
    assert float(o) == v and len(digits(o)) == len(digits(repr(v))), (o, repr(v))
PY
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "one f64 vs one i64 per line, $(wc -l < "$CORPUS") lines ($MB MB), median of $RUNS:"
printf '  %-8s %8s %8s\n' "" "wall s" "cpu s"
for n in "${names[@]}"; do
    printf '  %-8s %8s %8s\n' "$n" "$(cut -d' ' -f1 "$OUT/t.$n" | med)" "$(cut -d' ' -f2 "$OUT/t.$n" | med)"
done
