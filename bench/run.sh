#!/usr/bin/env bash
# bench/run.sh — throughput of the compiled word count against a hand-written
# C program, mawk and sort | uniq -c, then the CSV group-by of
# bench/groupby.sh, then both under MPI (bench/mpi.sh), then peak memory
# (bench/memory.sh).  Usage: bench/run.sh [BUILD_DIR]
#
# Generates a deterministic corpus (BENCH_MB megabytes, default 100; Zipf
# word frequencies over ~300,000 distinct words) once, keeps it in the page
# cache with a warm-up read, and reports the median wall time of BENCH_RUNS
# runs (default 9; the compiled and hand-written programs alternate run by
# run; the slow reference tools run 3 times) as MB/s.  Every
# program's output is checked against the hand-written one's, so a fast but
# wrong result can't pass unnoticed.  Timings are only ever printed, never
# asserted: this machine is shared and noisy.  BENCH_MB and BENCH_RUNS,
# when set, apply to the group-by too (its defaults: 200 MB, 5 runs).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
MB=${BENCH_MB:-100}
RUNS=${BENCH_RUNS:-9}
OUT=$B/bench
mkdir -p "$OUT"
export LC_ALL=C
NPROC=$(nproc)

cc -std=c11 -O2 -Wall -Wextra -o "$OUT/gen_corpus" bench/gen_corpus.c
cc -std=c11 -O2 -fopenmp -Wall -Wextra -o "$OUT/wc_hand" bench/wc_hand.c
"$B/fpipec" build examples/wordcount.fpipe -o "$OUT/wordcount"

CORPUS=$OUT/corpus-$MB.txt
if [ ! -s "$CORPUS" ]; then
    echo "generating a $MB MB corpus ..."
    "$OUT/gen_corpus" "$MB" 42 > "$CORPUS.tmp" && mv "$CORPUS.tmp" "$CORPUS"
fi
BYTES=$(stat -c %s "$CORPUS")
cat "$CORPUS" > /dev/null   # into the page cache

# median_time N CMD...: the median wall-clock seconds of N runs.
median_time() {
    local n=$1; shift
    local times=() t
    for _ in $(seq "$n"); do
        t=$( { TIMEFORMAT=%R; time "$@" > /dev/null 2>&1; } 2>&1 )
        times+=("$t")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
# pair_times N THREADS: runs the compiled and the hand-written program
# alternately N times each (so that drifting load hits both alike) and
# prints the two medians.
pair_times() {
    local n=$1 t=$2 a=() b=() x
    for _ in $(seq "$n"); do
        x=$( { TIMEFORMAT=%R; time "$OUT/wordcount" --threads "$t" -o "$OUT/c.tsv" "$CORPUS" > /dev/null 2>&1; } 2>&1 )
        a+=("$x")
        x=$( { TIMEFORMAT=%R; time "$OUT/wc_hand" --threads "$t" -o "$OUT/h.tsv" "$CORPUS" > /dev/null 2>&1; } 2>&1 )
        b+=("$x")
    done
    med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
    echo "$(med "${a[@]}") $(med "${b[@]}")"
}
mbps() { awk -v b="$BYTES" -v t="$1" 'BEGIN { printf "%.1f", b / 1e6 / t }'; }

# Correctness first: every contender must count the same words.
"$OUT/wc_hand" --threads 1 -o "$OUT/hand.tsv" "$CORPUS"
"$OUT/wordcount" --threads 1 -o "$OUT/compiled.tsv" "$CORPUS"
"$OUT/wordcount" --threads "$NPROC" -o "$OUT/compiled-all.tsv" "$CORPUS"
cmp "$OUT/hand.tsv" "$OUT/compiled.tsv"
cmp "$OUT/hand.tsv" "$OUT/compiled-all.tsv"
MAWK_PROG='{ for (i = 1; i <= NF; i++) c[$i]++ } END { for (w in c) print w "\t" c[w] }'
# mawk splits on blanks and newlines only (the corpus has no \v \f \r) and
# does not escape backslashes (the corpus has a few): double them to compare.
mawk "$MAWK_PROG" "$CORPUS" | sort -t "$(printf '\t')" -k1,1 | sed 's/\\/\\\\/g' > "$OUT/mawk.tsv"
cmp "$OUT/hand.tsv" "$OUT/mawk.tsv"

echo
echo "word count of $CORPUS ($BYTES bytes), median of $RUNS runs"
printf '%-40s %10s %10s\n' "program" "seconds" "MB/s"
row() { printf '%-40s %10s %10s\n' "$1" "$2" "$(mbps "$2")"; }

read -r t_c1 t_h1 < <(pair_times "$RUNS" 1)
read -r t_cn t_hn < <(pair_times "$RUNS" "$NPROC")
row "fpipe wordcount, 1 thread" "$t_c1"
row "fpipe wordcount, $NPROC threads" "$t_cn"
row "hand-written C (bench/wc_hand.c), 1 thread" "$t_h1"
row "hand-written C, $NPROC threads" "$t_hn"
t_mawk=$(median_time 3 mawk "$MAWK_PROG" "$CORPUS")
row "LC_ALL=C mawk" "$t_mawk"
t_sort=$(median_time 3 sh -c "tr -s ' \t\v\f\r' '\n' < '$CORPUS' | sort | uniq -c")
row "LC_ALL=C tr | sort | uniq -c" "$t_sort"

echo
awk -v c1="$t_c1" -v cn="$t_cn" -v h1="$t_h1" -v hn="$t_hn" -v m="$t_mawk" -v n="$NPROC" 'BEGIN {
    printf "compiled / hand-written throughput: %.2fx at 1 thread, %.2fx at %d threads (target >= 0.9x)\n", h1 / c1, hn / cn, n
    printf "compiled / mawk throughput: %.1fx at 1 thread, %.1fx at %d threads (target >= 5x)\n", m / c1, m / cn, n
    printf "compiled scaling 1 -> %d threads: %.2fx\n", n, c1 / cn
}'

# The CSV group-by: examples/groupby.fpipe against bench/groupby_hand.c,
# mawk and sqlite3 (about a minute).
echo
bash bench/groupby.sh "$B"

# JSON lines: a group-by against DuckDB and the same rows as CSV
# (bench/jsonl.sh); writing f64 against writing i64 (bench/f64.sh).
bash bench/jsonl.sh "$B"
bash bench/f64.sh "$B"
# ISO 8601 parsing: runtime/time.c against strptime + timegm (bench/time.sh).
bash bench/time.sh "$B"

# Distributed mode: the same two programs under mpirun -n 2 (bench/mpi.sh).
bash bench/mpi.sh "$B"

# Peak memory: element-wise over 1 GB, the word count against its keys'
# bytes (bench/memory.sh).
bash bench/memory.sh "$B"

# Exact f64 sums against the plain double sum of 0f0fa1a: weights at 1 and
# 2 threads, bytes per key, peak RSS (bench/fsum.sh).
bash bench/fsum.sh "$B"

# A filter on a regex match (PCRE2, JIT) against grep -cE with the same
# pattern, at 1 and 2 threads (bench/regex.sh).
bash bench/regex.sh "$B"
