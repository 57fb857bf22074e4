# opt.sh — sourced by tests/run.sh (uses its B, FPIPEC, TMP, ok, bad):
# optional values (T?, none, coalesce, try_parse_i64) end to end.
#
# tests/ref/opt.py writes 20,000 records as CSV (none: an empty field)
# and as JSON lines (none: a missing member or null, at random) and says,
# with Python's None, what two pipelines must write: every record's
# optional fields, coalesce, is_none and try_parse_i64 as TSV (none: an
# empty field), and a per-key count and sum after a filter on
# try_parse_i64.  The CSV and the JSON-lines sources must give the same
# bytes, at 1, 2 and 4 threads, partition sizes that cut records
# everywhere, and under MPI; fpipe's own CSV and JSON-lines output read
# back must give the same rows again.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
O=$TMP/opt
mkdir -p "$O"
# opt_prog FORMAT: the pipelines reading FORMAT (rows, keys) and writing it (copy).
opt_prog() {
    cat > "$O/rows_$1.fpipe" <<EOF2
pipeline rows_$1
type R = { id: i64, n: i64?, x: f64?, name: str?, flag: bool?, raw: str }
source rows : R = $1(input)
map out = (rows.id, rows.n, coalesce(rows.n, -1), is_none(rows.name), rows.name,
           try_parse_i64(rows.raw), rows.flag, rows.x,
           if is_some(rows.n) then rows.n else try_parse_i64(rows.raw))
sink res = tsv(output)
EOF2
    cat > "$O/keys_$1.fpipe" <<EOF2
pipeline keys_$1
type R = { id: i64, n: i64?, x: f64?, name: str?, flag: bool?, raw: str }
source rows : R = $1(input)
filter parsed = is_some(try_parse_i64(rows.raw)) || is_none(rows.n)
map kv = (coalesce(parsed.name, "(none)"), coalesce(parsed.n, 0) + coalesce(try_parse_i64(parsed.raw), 0))
combine_per_key agg = (count, sum)
sink res = tsv(output)
EOF2
    # the records as they were read, written back by fpipe in FORMAT
    cat > "$O/copy_$1.fpipe" <<EOF2
pipeline copy_$1
type R = { id: i64, n: i64?, x: f64?, name: str?, flag: bool?, raw: str }
source rows : R = csv(input)
sink res = $1(output)
EOF2
}
opt_prog csv; opt_prog jsonl
built=1
for p in rows_csv keys_csv rows_jsonl keys_jsonl copy_csv copy_jsonl; do
    "$FPIPEC" build "$O/$p.fpipe" -o "$O/$p" > "$O/build.out" 2>&1 || { built=0; break; }
done
if [ $built = 1 ] && python3 tests/ref/opt.py gen "$O/in.csv" "$O/in.jsonl" 20000 7 &&
    python3 tests/ref/opt.py ref "$O/in.csv" "$O/rows.ref" "$O/keys.ref"; then
    good=1
    for fmt in csv jsonl; do
        for tp in "1 4194304" "2 4096" "4 97"; do
            set -- $tp
            for p in rows keys; do
                "$O/${p}_$fmt" --threads "$1" --partition-size "$2" -o "$O/$p.out" "$O/in.$fmt" 2> "$O/run.err" &&
                    cmp -s "$O/$p.ref" "$O/$p.out" ||
                    { diff "$O/$p.ref" "$O/$p.out" | head -20 >> "$O/run.err"
                      bad "opt: $p from $fmt at --threads $1 --partition-size $2 differs from tests/ref/opt.py" "$O/run.err"
                      good=0; break 3; }
            done
        done
    done
    [ $good = 1 ] && ok "opt: empty CSV fields and missing/null JSON members read as none; coalesce, is_none, try_parse_i64 as Python's None says ($(wc -l < "$O/keys.ref") keys), threads 1/2/4, partitions 4M/4096/97"
    # fpipe's own output read back: the same rows.
    good=1
    for fmt in csv jsonl; do
        "$O/copy_$fmt" --threads 2 --partition-size 4096 -o "$O/copy.$fmt" "$O/in.csv" 2> "$O/run.err" &&
            # (the csv sink writes no header: the source needs one)
            if [ $fmt = csv ] && ! head -1 "$O/copy.csv" | grep -q '^id,'; then
                { echo id,n,x,name,flag,raw; cat "$O/copy.csv"; } > "$O/copy.h.csv" && mv "$O/copy.h.csv" "$O/copy.csv"
            fi &&
            "$O/rows_$fmt" --threads 2 --partition-size 4096 -o "$O/back.out" "$O/copy.$fmt" 2>> "$O/run.err" &&
            cmp -s "$O/rows.ref" "$O/back.out" ||
            { bad "opt: $fmt written by fpipe and read back differs" "$O/run.err"; good=0; }
    done
    [ $good = 1 ] && grep -q '"n":null' "$O/copy.jsonl" && grep -q '^[0-9]*,,' "$O/copy.csv" &&
        ok "opt: none written as an empty CSV field and as JSON null reads back as none"
    # materialize: optional fields in the checkpoint, and back with --resume.
    sed 's/^sink res/    materialize\nsink res/' "$O/rows_csv.fpipe" > "$O/rows_m.fpipe"
    if "$FPIPEC" build "$O/rows_m.fpipe" -o "$O/rows_m" > "$O/build.out" 2>&1 &&
        FPIPE_CHECKPOINT_DIR=$O/ckpt "$O/rows_m" --threads 2 --partition-size 4096 -o "$O/m1.out" "$O/in.csv" 2> "$O/run.err" &&
        FPIPE_CHECKPOINT_DIR=$O/ckpt "$O/rows_m" --resume --threads 2 -o "$O/m2.out" "$O/in.csv" 2>> "$O/run.err" &&
        grep -q "resuming from the checkpoint" "$O/run.err" &&
        cmp -s "$O/rows.ref" "$O/m1.out" && cmp -s "$O/rows.ref" "$O/m2.out"; then
        ok "opt: optional values through a checkpoint and --resume"
    else bad "opt: materialize and --resume with optional values" "$O/run.err"; fi
    # Open MPI's own allocations are not ours to leak-check (as in tests/mpi.sh).
    case "${FPIPE_CFLAGS:-}" in
        *sanitize=address*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ;;
    esac
    if ! command -v mpirun > /dev/null || [ ! -f "$B/libfpipe_mpi.a" ]; then
        :   # no MPI here: tests/mpi.sh says so once
    elif ! "$FPIPEC" build --backend mpi "$O/keys_jsonl.fpipe" -o "$O/keys.mpi" > "$O/build.out" 2>&1 ||
         ! "$FPIPEC" build --backend mpi "$O/rows_csv.fpipe" -o "$O/rows.mpi" >> "$O/build.out" 2>&1; then
        bad "opt: fpipec build --backend mpi" "$O/build.out"
    elif mpirun --oversubscribe --allow-run-as-root -n 3 "$O/keys.mpi" --threads 2 --partition-size 4096 \
            -o "$O/mk.out" "$O/in.jsonl" > "$O/run.err" 2>&1 && cmp -s "$O/keys.ref" "$O/mk.out" &&
         mpirun --oversubscribe --allow-run-as-root -n 2 "$O/rows.mpi" --threads 2 --partition-size 4096 \
            -o "$O/mr.out" "$O/in.csv" >> "$O/run.err" 2>&1 && cmp -s "$O/rows.ref" "$O/mr.out"; then
        ok "opt: mpirun -n 3 (jsonl, keys) and -n 2 (csv, rows) give tests/ref/opt.py's bytes"
    else bad "opt: under mpirun" "$O/run.err"; fi
else bad "opt: the test input, its reference or the programs" "$O/build.out"; fi
