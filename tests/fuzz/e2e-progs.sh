#!/usr/bin/env bash
# e2e-progs.sh FPIPEC OUTDIR CC [CFLAGS...] — the programs fuzz_e2e.c links:
# each pipeline's C from `FPIPEC emit-c`, compiled by CC with CFLAGS and
# main renamed NAME_main, to OUTDIR/NAME.o.  Prints the object files.  The
# list must match PROGRAMS in fuzz_e2e.c.
set -eu
cd "$(dirname "$0")/../.."
FPIPEC=$1 OUT=$2 CC=$3
shift 3
mkdir -p "$OUT"
for f in examples/wordcount.fpipe examples/linelen.fpipe examples/groupby.fpipe \
         examples/logs.fpipe examples/topwords.fpipe examples/totals.fpipe \
         examples/weights.fpipe tests/bad-data/docsd.fpipe tests/bad-data/rowsd.fpipe \
         examples/wordlengths.fpipe; do
    n=$(basename "$f" .fpipe)
    "$FPIPEC" emit-c "$f" -o "$OUT/$n.c"
    $CC -std=c11 "$@" -fopenmp -Iruntime "-Dmain=${n}_main" -c "$OUT/$n.c" -o "$OUT/$n.o"
    printf '%s ' "$OUT/$n.o"
done
echo
