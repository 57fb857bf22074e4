#!/usr/bin/env bash
# bench/regex.sh — a filter on a regex match (runtime/regex.c, PCRE2 with
# JIT) against `LC_ALL=C grep -cE` with the same pattern: the lines of the
# word-count corpus (bench/gen_corpus.c, BENCH_MB megabytes, default 100;
# BENCH_CORPUS=FILE uses a ready one) that match, counted:
#
#   source lines = text(input)
#   filter hits  = matches(lines, PATTERN)
#   combine n : i64 = count
#
# at 1 and 2 threads, the program and grep alternating run by run,
# BENCH_RUNS runs each (default 5): the median wall seconds.  Each count is
# checked against grep's first.  Usage: bench/regex.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
MB=${BENCH_MB:-100}
RUNS=${BENCH_RUNS:-5}
OUT=$B/bench
mkdir -p "$OUT"
export LC_ALL=C

CORPUS=${BENCH_CORPUS:-$OUT/corpus-$MB.txt}
if [ ! -s "$CORPUS" ]; then
    cc -std=c11 -O2 -Wall -Wextra -o "$OUT/gen_corpus" bench/gen_corpus.c
    "$OUT/gen_corpus" "$MB" 42 > "$CORPUS.tmp" && mv "$CORPUS.tmp" "$CORPUS"
fi
cat "$CORPUS" > /dev/null   # into the page cache
BYTES=$(stat -c %s "$CORPUS")

# wall OUT CMD...: the wall seconds of CMD writing to OUT.  Never to
# /dev/null: GNU grep notices it and stops at the first match.
wall() { local o=$1 t; shift; t=$( { TIMEFORMAT=%R; time "$@" > "$o" 2> /dev/null; } 2>&1 ); echo "$t"; }
med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "regex filter: fpipe matches() against LC_ALL=C grep -cE, $((BYTES / 1000000)) MB, median of $RUNS"
printf '%-34s %8s %10s %10s %10s\n' pattern threads fpipe_s grep_s lines
# Patterns ERE and PCRE2 read alike: a bounded class, an alternation in
# words, a rare literal among classes.
for pat in '[0-9]{4}' '(^| )(ab|cd)[a-z]*(ing|ed)( |$)' '[a-z]+qz[a-z]*'; do
    esc=${pat//\\/\\\\}
    printf 'pipeline rxbench\nsource lines = text(input)\nfilter hits = matches(lines, "%s")\ncombine n : i64 = count\nsink out = tsv(output)\n' \
        "$esc" > "$OUT/rx.fpipe"
    "$B/fpipec" build "$OUT/rx.fpipe" -o "$OUT/rx"
    want=$(grep -cE "$pat" "$CORPUS" || true)
    for t in 1 2; do
        got=$("$OUT/rx" --threads "$t" "$CORPUS")
        [ "$got" = "$want" ] || { echo "regex bench: '$pat' counts $got lines at $t threads, grep $want" >&2; exit 1; }
        a=() g=()
        for _ in $(seq "$RUNS"); do
            a+=("$(wall "$OUT/rx.out" "$OUT/rx" --threads "$t" "$CORPUS")")
            g+=("$(wall "$OUT/rx.grep" grep -cE "$pat" "$CORPUS")")
        done
        [ "$(cat "$OUT/rx.out")" = "$want" ] && [ "$(cat "$OUT/rx.grep")" = "$want" ] ||
            { echo "regex bench: '$pat': a timed run counted differently" >&2; exit 1; }
        printf '%-34s %8d %10s %10s %10s\n' "$pat" "$t" "$(med "${a[@]}")" "$(med "${g[@]}")" "$want"
    done
done
