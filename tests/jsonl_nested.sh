# jsonl_nested.sh — sourced by tests/run.sh (uses its B, FPIPEC, TMP, ok,
# bad, same): nested members of the JSON-lines source (runtime/
# jsonl_nested.c).
#
# tests/ref/jsonl_nested.py writes 2,400 orders (1.1 MB: records in
# records, lists of records, lists of lists, empty lists, a tuple, a list
# 70 deep, whose full lines jansson reads; unknown members at every level;
# bad lines of every kind) and says, with Python's json, which records
# come out and which lines fail with which message.  The program reads
# them and writes the records back with a jsonl sink: its output,
# normalized by Python, must be the input's records (the round trip), at
# 1, 2 and 4 threads, partitions of 4 MB, 4096 and 1000 bytes, and under
# MPI.  tests/jsonl_nested/errors.golden holds the message of every kind
# of mismatch, read by simdjson and by jansson (UPDATE_GOLDEN=1 rewrites).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
N=$TMP/jsonl_nested
mkdir -p "$N"
python3 - > "$N/nest.fpipe" <<'PY'
t = "i64"
for _ in range(70):
    t = "[" + t + "]"
print("""pipeline nest
type Addr = { city: str, zip: i64 }
type User = { name: str, vip: bool, addr: Addr }
type Item = { sku: str, qty: i64, price: f64, tags: [str] }
type Order = { id: i64, user: User, items: [Item], grid: [[i64]], at: (str, f64), flags: [bool], deep: %s }
source orders : Order = jsonl(input) on_error collect
sink out = jsonl(output)""" % t)
PY
# nerrs FILE: an error file's lines as "LINE<TAB>MESSAGE", jansson's own
# messages cut to "invalid JSON".
nerrs() {
    python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    m = "invalid JSON" if e["message"].startswith("invalid JSON at column ") else e["message"]
    print("%d\t%s" % (e["line"], m))' "$1"
}
# ncheck LABEL OUT: OUT (and its errors) against the reference.
ncheck() {
    python3 tests/ref/jsonl_nested.py norm "$2" "$N/o.norm" 2> "$N/norm.err" &&
        nerrs "$2.errors.jsonl" > "$N/o.err" && cmp -s "$N/ref.out" "$N/o.norm" &&
        cmp -s "$N/ref.err" "$N/o.err" && return 0
    { cat "$N/norm.err"; diff "$N/ref.out" "$N/o.norm" | head -10; diff "$N/ref.err" "$N/o.err" | head -10; } > "$N/diff" 2>&1
    bad "jsonl nested: $1 differs from tests/ref/jsonl_nested.py" "$N/diff"
    return 1
}
if python3 tests/ref/jsonl_nested.py gen "$N/in.jsonl" &&
    python3 tests/ref/jsonl_nested.py ref "$N/in.jsonl" "$N/ref.out" "$N/ref.err" &&
    "$FPIPEC" build "$N/nest.fpipe" -o "$N/nest" > "$N/build.out" 2>&1; then
    good=1
    for tp in "1 4194304" "2 4096" "4 1000" "1 1000"; do
        set -- $tp
        rm -f "$N/o.jsonl" "$N/o.jsonl.errors.jsonl"
        "$N/nest" --threads "$1" --partition-size "$2" -o "$N/o.jsonl" "$N/in.jsonl" 2> "$N/run.err" ||
            { bad "jsonl nested: --threads $1 --partition-size $2 failed" "$N/run.err"; good=0; break; }
        ncheck "--threads $1 --partition-size $2" "$N/o.jsonl" || { good=0; break; }
        if [ "$tp" = "1 4194304" ]; then cp "$N/o.jsonl" "$N/seq.jsonl"
        elif ! cmp -s "$N/seq.jsonl" "$N/o.jsonl"; then
            bad "jsonl nested: --threads $1 --partition-size $2 not byte-identical to --threads 1"; good=0; break
        fi
    done
    [ $good = 1 ] && ok "jsonl nested: round trip of $(wc -l < "$N/ref.out") records and $(wc -l < "$N/ref.err") error lines as Python's json says, threads 1/2/4, partitions 4M/4096/1000, byte-identical"
    if ! command -v mpirun > /dev/null || [ ! -f "$B/libfpipe_mpi.a" ]; then
        :   # no MPI here: tests/mpi.sh says so once
    elif ! "$FPIPEC" build --backend mpi "$N/nest.fpipe" -o "$N/nest.mpi" > "$N/build.out" 2>&1; then
        bad "jsonl nested: fpipec build --backend mpi" "$N/build.out"
    else
        rm -f "$N/m.jsonl" "$N/m.jsonl.errors.jsonl"
        # Open MPI's own allocations are not ours to report (as tests/mpi.sh).
        case "${FPIPE_CFLAGS:-}" in
            *sanitize=address*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ;;
        esac
        if mpirun --oversubscribe --allow-run-as-root -n 3 "$N/nest.mpi" --threads 2 --partition-size 4096 \
            -o "$N/m.jsonl" "$N/in.jsonl" > "$N/run.err" 2>&1; then
            ncheck "mpirun -n 3" "$N/m.jsonl" && same "jsonl nested: mpirun -n 3 byte-identical to --threads 1" "$N/seq.jsonl" "$N/m.jsonl"
        else bad "jsonl nested: mpirun -n 3 failed" "$N/run.err"; fi
    fi
else bad "jsonl nested: the test input, its reference or the program" "$N/build.out"; fi
# The message of every kind of mismatch, by either reader.
G=tests/jsonl_nested
if python3 $G/errors.py "$N/e.jsonl" && "$FPIPEC" build $G/errors.fpipe -o "$N/nesterr" > "$N/build.out" 2>&1 &&
    "$N/nesterr" -o "$N/e.out" "$N/e.jsonl" 2> "$N/run.err"; then
    python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    print("%d\t%s" % (e["line"], e["message"]))' "$N/e.out.errors.jsonl" > "$N/e.err"
    if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$N/e.err" $G/errors.golden; cp "$N/e.out" $G/errors.out.golden; fi
    same "jsonl nested: the message of every mismatch ($G/errors.golden)" $G/errors.golden "$N/e.err"
    same "jsonl nested: the good record of $G/errors.fpipe" $G/errors.out.golden "$N/e.out"
else bad "jsonl nested: $G/errors.fpipe" "$N/run.err"; fi
