#!/usr/bin/env bash
# bench/time.sh — ISO 8601 parsing speed (issue 16: 20 M parses per second
# per thread).  Usage: bench/time.sh [BUILD_DIR]
#
# 1. bench/time_parse.c: fpipe's parser (runtime/time.c) against glibc's
#    strptime + timegm on the same BENCH_TIMES timestamps in memory
#    (default 4,000,000), per second of the thread's CPU time; both must
#    give the same epoch seconds.
# 2. A pipeline over a file of BENCH_TIMES timestamps, at 1 and 2 threads:
#    `filter ... parse_time(lines) ...`, the reading and splitting of lines
#    included, and the same filter on len(lines) for the cost of the rest:
#    median wall and CPU (user + system) seconds of BENCH_RUNS runs
#    (default 5), and lines per CPU second.  The counts are checked
#    against awk.
# Numbers are printed, never asserted: the machine is shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
N=${BENCH_TIMES:-4000000}
RUNS=${BENCH_RUNS:-5}
OUT=$B/bench
mkdir -p "$OUT"
export LC_ALL=C

cc -std=c11 -O2 -Wall -Wextra -fopenmp -Iruntime bench/time_parse.c "$B/libfpipe.a" \
    -lcsv -ljansson -lsimdjson -lyaml -lz -lstdc++ -lm -o "$OUT/time_parse"
"$OUT/time_parse" "$N"

IN=$OUT/times-$N.txt
if [ ! -s "$IN" ]; then
    awk -v n="$N" 'BEGIN { srand(16); for (i = 0; i < n; i++)
        printf "%04d-%02d-%02dT%02d:%02d:%02d%s\n", 1970 + int(rand() * 100), 1 + int(rand() * 12),
            1 + int(rand() * 28), int(rand() * 24), int(rand() * 60), int(rand() * 60),
            (i % 3 == 0) ? "Z" : (i % 3 == 1) ? "+01:00" : "-0530" }' > "$IN.tmp" && mv "$IN.tmp" "$IN"
fi
cat "$IN" > /dev/null
cat > "$OUT/time_filter.fpipe" <<'EOF2'
pipeline time_filter
source lines : str = text(input)
filter after = parse_time(lines) >= 1798761600   # 2027-01-01T00:00:00Z
combine n = count
sink out = tsv(output)
EOF2
sed 's/parse_time(lines) >= 1798761600   # 2027-01-01T00:00:00Z/len(lines) >= 25/; s/time_filter/len_filter/' \
    "$OUT/time_filter.fpipe" > "$OUT/len_filter.fpipe"
"$B/fpipec" build "$OUT/time_filter.fpipe" -o "$OUT/time_filter"
"$B/fpipec" build "$OUT/len_filter.fpipe" -o "$OUT/len_filter"
# The references: the years from 2027 on, with the offsets' effect around
# 2027-01-01T00:00:00Z written out (-05:30 from 2026-12-31T18:30, +01:00
# before 2027-01-01T01:00), and lines of 25 bytes or more.
want_t=$(awk '{ y = substr($0, 1, 4) + 0
    if (y == 2027 && substr($0, 6, 5) == "01-01" && substr($0, 20) == "+01:00" && substr($0, 12, 2) == "00") ;
    else if (y >= 2027) n++;
    else if (y == 2026 && substr($0, 6, 5) == "12-31" && substr($0, 20) == "-0530" &&
             substr($0, 12, 2) * 60 + substr($0, 15, 2) >= 18 * 60 + 30) n++ }
    END { print n + 0 }' "$IN")
want_l=$(awk 'length($0) >= 25 { n++ } END { print n + 0 }' "$IN")
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for t in 1 2; do
    for prog in time_filter len_filter; do
        # each run: wall and CPU (user + system) seconds; the median of each
        runs=$(for _ in $(seq "$RUNS"); do
            { TIMEFORMAT='%R %U %S'; time "$OUT/$prog" --threads "$t" -o "$OUT/$prog.tsv" "$IN" > /dev/null 2>&1; } 2>&1
        done)
        wall=$(echo "$runs" | awk '{ print $1 }' | median)
        cpu=$(echo "$runs" | awk '{ print $2 + $3 }' | median)
        got=$(cat "$OUT/$prog.tsv")
        want=$([ $prog = time_filter ] && echo "$want_t" || echo "$want_l")
        [ "$got" = "$want" ] || { echo "bench/time.sh: $prog counted $got, awk $want" >&2; exit 1; }
        awk -v n="$N" -v w="$wall" -v c="$cpu" -v t="$t" -v p="$prog" \
            'BEGIN { printf "%-12s --threads %d: %6.3f s wall, %6.3f s CPU, %6.1f M lines per CPU second\n", p, t, w, c, n / (c > 0 ? c : 1e-9) / 1e6 }'
    done
done
