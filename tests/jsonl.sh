# jsonl.sh — sourced by tests/run.sh (uses its B, FPIPEC, TMP, ok, bad,
# same): the JSON-lines source against an independent reference.
#
# tests/ref/jsonl.py writes 6,000 lines (1.6 MB: records with members in
# any order and extra ones, escapes, CRLF, blank lines, two 1 MB lines,
# nesting 100 and 3,000 deep, a last line without a newline) mixed with
# every kind of bad line: invalid JSON of each kind jansson refuses
# (duplicate keys at any depth, NUL in a key, integers past int64, lone
# surrogates, a byte order mark, two objects on a line, one object over
# two lines, ...), scalars and arrays, missing members, and every JSON
# kind in place of every declared type.  Python's json module with
# jansson's rules added says what each line gives: the rows, and which
# lines fail with which message.  fpipe must match it at 1, 2 and 4
# threads and partition sizes that cut records everywhere (simdjson reads
# a partition in windows of whole lines: runtime/jsonl.cc), and under MPI.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
J=$TMP/jsonl
mkdir -p "$J"
cat > "$J/jt.fpipe" <<'EOF'
pipeline jt
type Rec = { s: str, i: i64, f: f64, b: bool }
source recs : Rec = jsonl(input) on_error collect
map row = (recs.s, recs.i, recs.f, recs.b)
sink out = tsv(output)
EOF
# errs FILE: an error file's lines as "LINE<TAB>MESSAGE", jansson's own
# messages cut to "invalid JSON".
errs() {
    python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    m = "invalid JSON" if e["message"].startswith("invalid JSON at column ") else e["message"]
    print("%d\t%s" % (e["line"], m))' "$1"
}
if python3 tests/ref/jsonl.py gen "$J/in.jsonl" && python3 tests/ref/jsonl.py ref "$J/in.jsonl" "$J/ref.tsv" "$J/ref.err" &&
    "$FPIPEC" build "$J/jt.fpipe" -o "$J/jt" > "$J/build.out" 2>&1; then
    good=1
    for tp in "1 4194304" "2 4194304" "4 4194304" "2 4096" "4 1000" "1 61" "2 61"; do
        set -- $tp
        rm -f "$J/o.tsv" "$J/o.tsv.errors.jsonl"
        "$J/jt" --threads "$1" --partition-size "$2" -o "$J/o.tsv" "$J/in.jsonl" 2> "$J/run.err" ||
            { bad "jsonl: --threads $1 --partition-size $2 failed" "$J/run.err"; good=0; break; }
        errs "$J/o.tsv.errors.jsonl" > "$J/o.err"
        if ! cmp -s "$J/ref.tsv" "$J/o.tsv" || ! cmp -s "$J/ref.err" "$J/o.err"; then
            { diff "$J/ref.tsv" "$J/o.tsv" | head -20; diff "$J/ref.err" "$J/o.err" | head -20; } > "$J/diff" 2>&1
            bad "jsonl: --threads $1 --partition-size $2 differs from tests/ref/jsonl.py" "$J/diff"; good=0; break
        fi
    done
    [ $good = 1 ] && ok "jsonl: rows and error lines as tests/ref/jsonl.py says ($(wc -l < "$J/ref.tsv") rows, $(wc -l < "$J/ref.err") errors), threads 1/2/4, partitions 4M/4096/1000/61"
    # The drop count of on_error drop is the number of error lines.
    sed 's/on_error collect/on_error drop/' "$J/jt.fpipe" > "$J/jd.fpipe"
    if "$FPIPEC" build "$J/jd.fpipe" -o "$J/jd" > "$J/build.out" 2>&1 &&
        "$J/jd" --threads 2 --partition-size 4096 -o "$J/d.tsv" "$J/in.jsonl" 2> "$J/run.err" &&
        cmp -s "$J/ref.tsv" "$J/d.tsv" &&
        grep -q "operator 'recs' (.*jd.fpipe:3:1) dropped $(wc -l < "$J/ref.err") elements" "$J/run.err"; then
        ok "jsonl: on_error drop counts every bad line"
    else bad "jsonl: on_error drop" "$J/run.err"; fi
    # Distributed: each rank reads its partitions in windows of its own.
    if ! command -v mpirun > /dev/null || [ ! -f "$B/libfpipe_mpi.a" ]; then
        :   # no MPI here: tests/mpi.sh says so once
    elif ! "$FPIPEC" build --backend mpi "$J/jt.fpipe" -o "$J/jt.mpi" > "$J/build.out" 2>&1; then
        bad "jsonl: fpipec build --backend mpi" "$J/build.out"
    else
        good=1
        for r in 2 3; do
            rm -f "$J/m.tsv" "$J/m.tsv.errors.jsonl"
            mpirun --oversubscribe --allow-run-as-root -n $r "$J/jt.mpi" --threads 2 --partition-size 4096 \
                -o "$J/m.tsv" "$J/in.jsonl" > "$J/run.err" 2>&1 &&
                errs "$J/m.tsv.errors.jsonl" > "$J/m.err" && cmp -s "$J/ref.tsv" "$J/m.tsv" &&
                cmp -s "$J/ref.err" "$J/m.err" || { bad "jsonl: mpirun -n $r differs from tests/ref/jsonl.py" "$J/run.err"; good=0; break; }
        done
        [ $good = 1 ] && ok "jsonl: mpirun -n 2 and 3 give tests/ref/jsonl.py's rows and error lines"
    fi
else bad "jsonl: the test input, its reference or the program" "$J/build.out"; fi
