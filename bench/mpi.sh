#!/usr/bin/env bash
# bench/mpi.sh — distributed mode against one machine: the word count and
# the CSV group-by built with --backend mpi under `mpirun -n 2` (one thread
# per rank) next to the OpenMP build with --threads 2, on the corpora of
# bench/run.sh and bench/groupby.sh.  Usage: bench/mpi.sh [BUILD_DIR]
#
# First the fixed cost (an empty input), then two figures per program,
# medians of BENCH_RUNS runs (default 5; OpenMP and MPI alternate run by
# run), the last on a BENCH_BIG_MB (default 500) corpus where the fixed
# cost amortises:
#   wall      the whole command, mpirun's start of the ranks included
#   in-run    the sum of rank 0's FPIPE_TIMES phases (from after the command
#             line to the committed output; for MPI it includes waiting for
#             the other rank, the shuffle and the gathers, not MPI_Init)
# The outputs are checked byte for byte against the OpenMP build's.  Timings
# are printed, never asserted: the machine is shared and noisy.  Skipped
# (exit 0) without mpirun or libfpipe_mpi.a.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
RUNS=${BENCH_RUNS:-5}
WC_MB=${BENCH_MB:-100}
GB_MB=${BENCH_MB:-200}
OUT=$B/bench
mkdir -p "$OUT"
export LC_ALL=C
if ! command -v mpirun > /dev/null || [ ! -f "$B/libfpipe_mpi.a" ]; then
    echo "mpi.sh: skipped: no mpirun or no $B/libfpipe_mpi.a (scripts/install-deps.sh, make)"
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Both ranks on this machine: the program itself picks shared memory
# (vader) and the ob1 layer before MPI_Init (Open MPI's default UCX layer
# probes for network devices at start-up, about 0.2 s here); see
# docs/distributed.md.  Unbound, like OpenMP's threads: on this shared VM
# a rank bound to a busy core cannot move.
MPIRUN=(mpirun -n 2 --bind-to none)
BIG_MB=${BENCH_BIG_MB:-500}   # the word count again on a corpus this large (0: skip)
echo "load before: $(uptime)"

CORPUS=$OUT/corpus-$WC_MB.txt
DATA=$OUT/sales-$GB_MB.csv
if [ ! -s "$CORPUS" ]; then
    cc -std=c11 -O2 -o "$OUT/gen_corpus" bench/gen_corpus.c
    echo "generating a $WC_MB MB corpus ..."
    "$OUT/gen_corpus" "$WC_MB" 42 > "$CORPUS.tmp" && mv "$CORPUS.tmp" "$CORPUS"
fi
if [ ! -s "$DATA" ]; then
    cc -std=c11 -O2 -o "$OUT/gen_sales" bench/gen_sales.c
    echo "generating a $GB_MB MB sales CSV ..."
    "$OUT/gen_sales" "$GB_MB" 42 > "$DATA.tmp" && mv "$DATA.tmp" "$DATA"
fi

med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# phases FILE: the sum of the FPIPE_TIMES lines of rank 0, in seconds.
phases() { awk '/^[^ ]+: .* ms$/ && !/rank [0-9]/ { s += $(NF - 1) } END { printf "%.3f", s / 1000 }' "$1"; }

# bench NAME FPIPE INPUT: builds both, checks, times, prints one table row pair.
bench() {
    local name=$1 src=$2 in=$3
    "$B/fpipec" build "$src" -o "$OUT/$name.omp"
    "$B/fpipec" build --backend mpi "$src" -o "$OUT/$name.mpi"
    cat "$in" > /dev/null
    "$OUT/$name.omp" --threads 2 -o "$OUT/$name.omp.out" "$in"
    "${MPIRUN[@]}" "$OUT/$name.mpi" --threads 1 -o "$OUT/$name.mpi.out" "$in"
    cmp "$OUT/$name.omp.out" "$OUT/$name.mpi.out"
    local wo=() wm=() io=() im=() t
    for _ in $(seq "$RUNS"); do
        t=$( { TIMEFORMAT=%R; time FPIPE_TIMES=1 "$OUT/$name.omp" --threads 2 -o "$OUT/$name.omp.out" "$in" \
               > /dev/null 2> "$OUT/times.omp"; } 2>&1 )
        wo+=("$t"); io+=("$(phases "$OUT/times.omp")")
        t=$( { TIMEFORMAT=%R; time FPIPE_TIMES=1 "${MPIRUN[@]}" "$OUT/$name.mpi" --threads 1 -o "$OUT/$name.mpi.out" "$in" \
               > /dev/null 2> "$OUT/times.mpi"; } 2>&1 )
        wm+=("$t"); im+=("$(phases "$OUT/times.mpi")")
    done
    local bytes
    bytes=$(stat -c %s "$in")
    awk -v n="$name" -v b="$bytes" -v wo="$(med "${wo[@]}")" -v wm="$(med "${wm[@]}")" \
        -v io="$(med "${io[@]}")" -v im="$(med "${im[@]}")" 'BEGIN {
        printf "%-10s %-22s %8.3f s %8.1f MB/s   in-run %8.3f s %8.1f MB/s\n", n, "OpenMP, 2 threads", wo, b / 1e6 / wo, io, b / 1e6 / io
        printf "%-10s %-22s %8.3f s %8.1f MB/s   in-run %8.3f s %8.1f MB/s\n", n, "mpirun -n 2", wm, b / 1e6 / wm, im, b / 1e6 / im
        printf "%-10s MPI 2 ranks / OpenMP 2 threads throughput: %.2fx wall, %.2fx in-run (target >= 0.85x)\n", n, wo / wm, io / im
    }'
    # The last MPI run's phases per rank: where the time goes.
    grep 'rank [0-9]' "$OUT/times.mpi" | sort | sed 's/^/    /'
}

# The fixed cost: an empty input, so the whole run is starting the
# ranks, MPI_Init and MPI_Finalize (and the same program without mpirun).
fixed() {
    local src=examples/wordcount.fpipe e=$OUT/empty.txt ws=() wm=() wd=() t
    : > "$e"
    "$B/fpipec" build "$src" -o "$OUT/fixed.omp"
    "$B/fpipec" build --backend mpi "$src" -o "$OUT/fixed.mpi"
    for _ in $(seq "$RUNS"); do
        t=$( { TIMEFORMAT=%R; time "$OUT/fixed.omp" --threads 2 "$e" > /dev/null 2>&1; } 2>&1 ); ws+=("$t")
        t=$( { TIMEFORMAT=%R; time "${MPIRUN[@]}" "$OUT/fixed.mpi" "$e" > /dev/null 2>&1; } 2>&1 ); wm+=("$t")
        t=$( { TIMEFORMAT=%R; time FPIPE_MPI_SHM=0 "${MPIRUN[@]}" -x FPIPE_MPI_SHM "$OUT/fixed.mpi" "$e" \
               > /dev/null 2>&1; } 2>&1 ); wd+=("$t")
    done
    printf 'fixed cost, empty input: OpenMP %.3f s; mpirun -n 2 %.3f s (ob1/vader, chosen by the program); %.3f s with FPIPE_MPI_SHM=0 (Open MPI default layers)\n' \
        "$(med "${ws[@]}")" "$(med "${wm[@]}")" "$(med "${wd[@]}")"
    FPIPE_TIMES=1 "${MPIRUN[@]}" "$OUT/fixed.mpi" "$e" 2>&1 > /dev/null | grep 'MPI_' | sort | sed 's/^/    /'
}

echo
echo "distributed mode: mpirun -n 2 against OpenMP --threads 2, median of $RUNS runs"
fixed
bench wordcount examples/wordcount.fpipe "$CORPUS"
bench groupby examples/groupby.fpipe "$DATA"
if [ "$BIG_MB" -gt 0 ]; then
    BIG=$OUT/corpus-$BIG_MB.txt
    if [ ! -s "$BIG" ]; then
        [ -x "$OUT/gen_corpus" ] || cc -std=c11 -O2 -o "$OUT/gen_corpus" bench/gen_corpus.c
        echo "generating a $BIG_MB MB corpus ..."
        "$OUT/gen_corpus" "$BIG_MB" 42 > "$BIG.tmp" && mv "$BIG.tmp" "$BIG"
    fi
    bench "wc-${BIG_MB}MB" examples/wordcount.fpipe "$BIG"
fi
echo "load after: $(uptime)"
