#!/usr/bin/env bash
# bench/jsonl.sh — a group-by over JSON lines (issue 19): per country, the
# row count and mean elo of FIDE-like rating rows (bench/gen_fide.c),
# fpipe on JSON lines at 1 and 2 threads against DuckDB's read_json, and
# fpipe on the same rows as CSV.  Usage: bench/jsonl.sh [BUILD_DIR]
#
# BENCH_ROWS rows (default 5,000,000: ~610 MB of JSON, ~220 MB of CSV),
# made once under $B/bench and read into the page cache.  Each contender
# runs BENCH_RUNS times (default 5), in turn, so drifting load hits all
# alike; the best and the median wall time, the best user time and the
# median CPU time (user + system: the steadier figure on a shared machine)
# are printed, then the issue's two ratios at 2 threads: DuckDB's time over
# fpipe's on JSON lines (target: at least 3) and fpipe's JSON lines over
# the same rows as CSV (target: at most 3), from the best wall times and
# from the best user times; and what simdjson alone takes to read the
# JSON lines, by DOM and by ondemand (bench/jsonl_floor.cc).  DuckDB comes from npm
# (@duckdb/node-api, installed once into $B/bench/duckdb; never needed by
# make test): without npm or node it is skipped with a message.  Every
# output is compared: fpipe's JSON, CSV and thread counts byte for byte,
# DuckDB's counts exactly and means to 1e-9.  Timings are printed, never
# asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
ROWS=${BENCH_ROWS:-5000000}
RUNS=${BENCH_RUNS:-5}
OUT=$B/bench
mkdir -p "$OUT"
export LC_ALL=C

cc -std=c11 -O2 -Wall -Wextra -o "$OUT/gen_fide" bench/gen_fide.c
${CXX:-g++} -std=c++17 -O2 -Wall -Wextra -o "$OUT/jsonl_floor" bench/jsonl_floor.cc -lsimdjson
cat > "$OUT/fide_json.fpipe" <<'P'
pipeline fide_json
type Player = { country: str, elo: i64 }
source  players : Player = jsonl(input)
map     by_country       = (players.country, players.elo)
combine_per_key per      = (count, mean)
sink    out              = tsv(output)
P
sed 's/jsonl(input)/csv(input)/; s/fide_json/fide_csv/' "$OUT/fide_json.fpipe" > "$OUT/fide_csv.fpipe"
"$B/fpipec" build "$OUT/fide_json.fpipe" -o "$OUT/fide_json"
"$B/fpipec" build "$OUT/fide_csv.fpipe" -o "$OUT/fide_csv"
J=$OUT/fide-$ROWS.jsonl
C=$OUT/fide-$ROWS.csv
if [ ! -s "$J" ] || [ ! -s "$C" ]; then
    echo "generating $ROWS rows ..."
    "$OUT/gen_fide" "$ROWS" 7 json > "$J.tmp" && mv "$J.tmp" "$J"
    "$OUT/gen_fide" "$ROWS" 7 csv > "$C.tmp" && mv "$C.tmp" "$C"
fi
cat "$J" "$C" > /dev/null

DUCK=""
if command -v npm > /dev/null && command -v node > /dev/null; then
    if [ ! -d "$OUT/duckdb/node_modules/@duckdb/node-api" ]; then
        mkdir -p "$OUT/duckdb"
        (cd "$OUT/duckdb" && npm install --silent @duckdb/node-api > npm.log 2>&1) ||
            echo "jsonl.sh: npm install @duckdb/node-api failed ($OUT/duckdb/npm.log): DuckDB skipped"
    fi
    if [ -d "$OUT/duckdb/node_modules/@duckdb/node-api" ]; then
        cat > "$OUT/duckdb/q.mjs" <<'Q'
import { DuckDBInstance } from '@duckdb/node-api';
const [file, threads] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await db.connect();
const r = await con.runAndReadAll(`SELECT country, count(*), avg(elo) FROM read_json('${file}',
  format = 'newline_delimited', columns = {country: 'VARCHAR', elo: 'BIGINT'})
  GROUP BY country ORDER BY country`);
for (const row of r.getRows()) console.log(row.join('\t'));
Q
        DUCK=$OUT/duckdb/q.mjs
    fi
else
    echo "jsonl.sh: no npm/node: DuckDB skipped"
fi

# run NAME CMD...: one timed run; appends "wall cpu user" to $OUT/t.NAME.
run() {
    local name=$1; shift
    /usr/bin/time -f "%e %U %S" -o "$OUT/t.one" "$@" > "$OUT/o.$name" 2> /dev/null
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $2 }' "$OUT/t.one" >> "$OUT/t.$name"
}
names=(json_t1 json_t2 csv_t1 csv_t2)
[ -n "$DUCK" ] && names+=(duckdb_t1 duckdb_t2)
for n in "${names[@]}"; do rm -f "$OUT/t.$n"; done
floors=(dom od-all od-two od-line dom-line)
for m in "${floors[@]}"; do rm -f "$OUT/f.$m"; done
for _ in $(seq "$RUNS"); do
    for m in "${floors[@]}"; do "$OUT/jsonl_floor" "$J" $m | cut -d' ' -f2 >> "$OUT/f.$m"; done
    run json_t1 "$OUT/fide_json" --threads 1 "$J"
    run json_t2 "$OUT/fide_json" --threads 2 "$J"
    run csv_t1 "$OUT/fide_csv" --threads 1 "$C"
    run csv_t2 "$OUT/fide_csv" --threads 2 "$C"
    if [ -n "$DUCK" ]; then
        run duckdb_t1 node "$DUCK" "$(realpath "$J")" 1
        run duckdb_t2 node "$DUCK" "$(realpath "$J")" 2
    fi
done
cmp "$OUT/o.json_t1" "$OUT/o.json_t2" && cmp "$OUT/o.json_t1" "$OUT/o.csv_t1" &&
    cmp "$OUT/o.json_t1" "$OUT/o.csv_t2" || { echo "jsonl.sh: fpipe outputs differ"; exit 1; }
if [ -n "$DUCK" ]; then
    awk -F'\t' 'NR == FNR { n[$1] = $2; m[$1] = $3; next }
        !($1 in n) || n[$1] != $2 || (m[$1] - $3) ^ 2 > 1e-18 * $3 ^ 2 { bad = 1 }
        END { exit bad || FNR != length(n) }' "$OUT/o.json_t1" "$OUT/o.duckdb_t2" ||
        { echo "jsonl.sh: DuckDB's result differs from fpipe's"; exit 1; }
fi
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
best() { sort -n | head -1; }
echo "JSON-lines group-by, $ROWS rows ($(($(stat -c %s "$J") / 1000000)) MB JSON, $(($(stat -c %s "$C") / 1000000)) MB CSV), $RUNS runs each:"
printf '  %-12s %10s %10s %10s %10s\n' "" "best wall" "med. wall" "best user" "med. cpu"
for n in "${names[@]}"; do
    printf '  %-12s %10s %10s %10s %10s\n' "$n" "$(cut -d' ' -f1 "$OUT/t.$n" | best)" \
        "$(cut -d' ' -f1 "$OUT/t.$n" | med)" "$(cut -d' ' -f3 "$OUT/t.$n" | best)" \
        "$(cut -d' ' -f2 "$OUT/t.$n" | med)"
done
# ratio A B FIELD: best of A's column FIELD over best of B's.
ratio() { awk -v a="$(cut -d' ' -f"$3" "$OUT/t.$1" | best)" -v b="$(cut -d' ' -f"$3" "$OUT/t.$2" | best)" \
    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
if [ -n "$DUCK" ]; then
    echo "  DuckDB / fpipe JSON, 2 threads: $(ratio duckdb_t2 json_t2 1)x wall, $(ratio duckdb_t2 json_t2 3)x user (target: at least 3x)"
fi
echo "  simdjson alone, 1 thread, best user s (bench/jsonl_floor.cc): DOM $(best < "$OUT/f.dom")," \
    "ondemand every member $(best < "$OUT/f.od-all"), ondemand two members unchecked" \
    "$(best < "$OUT/f.od-two") (a document a line: $(best < "$OUT/f.od-line")), DOM a line $(best < "$OUT/f.dom-line")"
echo "  fpipe JSON / fpipe CSV, 2 threads: $(ratio json_t2 csv_t2 1)x wall, $(ratio json_t2 csv_t2 3)x user (target: at most 3x)"
