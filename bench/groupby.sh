#!/usr/bin/env bash
# bench/groupby.sh — throughput of a CSV group-by: the compiled
# examples/groupby.fpipe against a hand-written C program, mawk and sqlite3.
# Usage: bench/groupby.sh [BUILD_DIR]
#
# The query: group the rows of a sales CSV (id,city,product,qty,price) by
# city; per city print city, count, sum(qty), mean(qty), max(qty), sorted by
# city in byte order.
#
# Generates a deterministic CSV (BENCH_MB megabytes, default 200; ~2000
# cities with Zipf frequencies, see bench/gen_sales.c) once, keeps it in the
# page cache with a warm-up read, and reports the median wall time of
# BENCH_RUNS runs (default 5; the compiled and hand-written programs
# alternate run by run; mawk and sqlite3 run 3 times) as MB/s.  sqlite3's time
# includes loading the CSV into an in-memory table (.import), which is most
# of it.  Every program's output is checked against the hand-written one's:
# city, count, sum and max exactly, the mean to 1e-9 relative (the programs
# print doubles differently).  Timings are only ever printed, never asserted:
# this machine is shared and noisy.
#
# If examples/groupby.fpipe is missing or does not build, the other programs
# are still measured, and the script exits with status 1 at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
MB=${BENCH_MB:-200}
RUNS=${BENCH_RUNS:-5}
OUT=$B/bench
mkdir -p "$OUT"
export LC_ALL=C
NPROC=$(nproc)
TAB=$(printf '\t')
STATUS=0

cc -std=c11 -O2 -Wall -Wextra -o "$OUT/gen_sales" bench/gen_sales.c
cc -std=c11 -O2 -fopenmp -Wall -Wextra -o "$OUT/groupby_hand" bench/groupby_hand.c
rm -f "$OUT/groupby"
HAVE_FPIPE=1
if ! "$B/fpipec" build examples/groupby.fpipe -o "$OUT/groupby"; then
    echo "groupby.sh: the fpipe program is missing: '$B/fpipec build examples/groupby.fpipe' failed;" \
         "measuring the other programs only" >&2
    HAVE_FPIPE=0
    STATUS=1
fi

DATA=$OUT/sales-$MB.csv
if [ ! -s "$DATA" ] || [ bench/gen_sales.c -nt "$DATA" ]; then
    echo "generating a $MB MB sales CSV ..."
    "$OUT/gen_sales" "$MB" 42 > "$DATA.tmp" && mv "$DATA.tmp" "$DATA"
fi
BYTES=$(stat -c %s "$DATA")
cat "$DATA" > /dev/null   # into the page cache

# The contenders.  Timed runs write to standard output redirected to a file:
# fpipe's -o writes atomically with an fsync, which costs tens of ms here and
# is no part of the group-by.
run_fpipe() { "$OUT/groupby" --threads "$1" "$DATA"; }
run_hand()  { "$OUT/groupby_hand" --threads "$1" "$DATA"; }
# mawk finds the columns by name, as the others do.  Its printf %d stops at
# 2^31 - 1, so the integers go through %.0f.
MAWK_PROG='
NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "city") kc = i; if ($i == "qty") vc = i }; next }
{ k = $kc; q = $vc + 0; if (!(k in n) || q > mx[k]) mx[k] = q; n[k]++; s[k] += q }
END { for (k in n) printf "%s\t%.0f\t%.0f\t%.17g\t%.0f\n", k, n[k], s[k], s[k] / n[k], mx[k] }'
run_mawk() { mawk -F, "$MAWK_PROG" "$DATA" | sort -t "$TAB" -k1,1; }
# A typed table: imported into the default TEXT columns, max(qty) would
# compare strings ('999' > '1000').
run_sqlite() {
    sqlite3 -batch :memory: \
        "CREATE TABLE sales(id INTEGER, city TEXT, product TEXT, qty INTEGER, price REAL);" \
        ".mode csv" ".import --skip 1 \"$DATA\" sales" ".mode tabs" \
        "SELECT city, count(*), sum(qty), avg(qty), max(qty) FROM sales GROUP BY city ORDER BY city;"
}

# same_groups REF FILE: FILE has REF's rows (city, count, sum and max equal,
# mean within 1e-9 relative); otherwise says where they differ and fails.
same_groups() {
    awk -F '\t' -v name="$2" '
        NR == FNR { c[FNR] = $1 ""; n[FNR] = $2; s[FNR] = $3; m[FNR] = $4; x[FNR] = $5; rows = FNR; next }
        {
            i = FNR
            if (i > rows) { bad = "more rows than the reference"; exit }
            if ($1 "" != c[i] || NF != 5 || $2 != n[i] || $3 != s[i] || $5 != x[i]) {
                bad = "row " i " is \"" $0 "\", expected city, count, sum, max of \"" c[i] "\t" n[i] "\t" s[i] "\t" m[i] "\t" x[i] "\""
                exit
            }
            d = $4 - m[i]; if (d < 0) d = -d
            a = m[i] < 0 ? -m[i] : m[i]
            if (d > 1e-9 * a && d > 1e-300) { bad = "row " i ": mean " $4 ", expected " m[i]; exit }
            seen = i
        }
        END {
            if (bad == "" && seen != rows) bad = "only " seen + 0 " of " rows " rows"
            if (bad != "") { print "groupby.sh: MISMATCH in " name ": " bad > "/dev/stderr"; exit 1 }
        }' "$1" "$2"
}

# Correctness first: every contender must give the same groups.
"$OUT/groupby_hand" --threads 1 -o "$OUT/gb-hand.tsv" "$DATA"
"$OUT/groupby_hand" --threads "$NPROC" -o "$OUT/gb-hand-all.tsv" "$DATA"
cmp "$OUT/gb-hand.tsv" "$OUT/gb-hand-all.tsv"
if [ "$HAVE_FPIPE" = 1 ]; then
    for t in 1 "$NPROC"; do
        if ! "$OUT/groupby" --threads "$t" -o "$OUT/gb-compiled-$t.tsv" "$DATA" ||
           ! same_groups "$OUT/gb-hand.tsv" "$OUT/gb-compiled-$t.tsv"; then
            echo "groupby.sh: the fpipe program failed or gave wrong groups at --threads $t; not timing it" >&2
            HAVE_FPIPE=0
            STATUS=1
            break
        fi
    done
fi
run_mawk > "$OUT/gb-mawk.tsv"
same_groups "$OUT/gb-hand.tsv" "$OUT/gb-mawk.tsv" || STATUS=1
run_sqlite > "$OUT/gb-sqlite.tsv"
same_groups "$OUT/gb-hand.tsv" "$OUT/gb-sqlite.tsv" || STATUS=1

# secs CMD...: wall-clock seconds of one run, output to $OUT/gb-timed.tsv.
secs() { { TIMEFORMAT=%R; time "$@" > "$OUT/gb-timed.tsv" 2> /dev/null; } 2>&1; }
med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# median_time N CMD...: the median of N runs.
median_time() {
    local n=$1; shift
    local times=()
    for _ in $(seq "$n"); do times+=("$(secs "$@")"); done
    med "${times[@]}"
}
# pair_times N THREADS: the compiled and the hand-written program alternately,
# N runs each (so that drifting load hits both alike); prints the two medians.
pair_times() {
    local n=$1 t=$2 a=() b=()
    for _ in $(seq "$n"); do
        a+=("$(secs run_fpipe "$t")")
        b+=("$(secs run_hand "$t")")
    done
    echo "$(med "${a[@]}") $(med "${b[@]}")"
}
mbps() { awk -v b="$BYTES" -v t="$1" 'BEGIN { printf "%.1f", b / 1e6 / t }'; }
row() { printf '%-50s %10s %10s\n' "$1" "$2" "$(mbps "$2")"; }

echo
echo "group-by city of $DATA ($BYTES bytes, $(($(wc -l < "$DATA") - 1)) rows," \
     "$(wc -l < "$OUT/gb-hand.tsv") cities), median of $RUNS runs"
printf '%-50s %10s %10s\n' "program" "seconds" "MB/s"
if [ "$HAVE_FPIPE" = 1 ]; then
    read -r t_c1 t_h1 < <(pair_times "$RUNS" 1)
    read -r t_cn t_hn < <(pair_times "$RUNS" "$NPROC")
    row "fpipe groupby, 1 thread" "$t_c1"
    row "fpipe groupby, $NPROC threads" "$t_cn"
else
    t_h1=$(median_time "$RUNS" run_hand 1)
    t_hn=$(median_time "$RUNS" run_hand "$NPROC")
    printf '%-50s %10s %10s\n' "fpipe groupby" "missing" "-"
fi
row "hand-written C (bench/groupby_hand.c), 1 thread" "$t_h1"
row "hand-written C, $NPROC threads" "$t_hn"
t_mawk=$(median_time 3 run_mawk)
row "LC_ALL=C mawk -F, | sort" "$t_mawk"
t_sql=$(median_time 3 run_sqlite)
row "sqlite3 :memory: (.import + SELECT)" "$t_sql"
echo "(sqlite3's time includes loading the CSV into its in-memory table)"

echo
if [ "$HAVE_FPIPE" = 1 ]; then
    awk -v c1="$t_c1" -v cn="$t_cn" -v h1="$t_h1" -v hn="$t_hn" -v m="$t_mawk" -v q="$t_sql" -v n="$NPROC" 'BEGIN {
        printf "compiled / hand-written throughput: %.2fx at 1 thread, %.2fx at %d threads\n", h1 / c1, hn / cn, n
        printf "compiled / mawk throughput: %.1fx at 1 thread, %.1fx at %d threads\n", m / c1, m / cn, n
        printf "compiled / sqlite3 throughput: %.1fx at 1 thread, %.1fx at %d threads\n", q / c1, q / cn, n
        printf "compiled scaling 1 -> %d threads: %.2fx\n", n, c1 / cn
    }'
fi
awk -v h1="$t_h1" -v hn="$t_hn" -v m="$t_mawk" -v q="$t_sql" -v n="$NPROC" 'BEGIN {
    printf "hand-written / mawk throughput: %.1fx at 1 thread, %.1fx at %d threads\n", m / h1, m / hn, n
    printf "hand-written / sqlite3 throughput: %.1fx at 1 thread, %.1fx at %d threads\n", q / h1, q / hn, n
    printf "hand-written scaling 1 -> %d threads: %.2fx\n", n, h1 / hn
}'
if [ "$STATUS" != 0 ]; then
    echo "groupby.sh: FAILED (see the messages above)" >&2
fi
exit "$STATUS"
