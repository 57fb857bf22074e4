# csvopts.sh — sourced by tests/run.sh (uses its B, FPIPEC, TMP, ok, bad,
# same): the csv source's and sink's options (header, delimiter, quote)
# against Python's csv module, both ways.
#
# For each set of options tests/ref/csvopts.py writes 4,000 records with
# the delimiter, the quote, newlines and empty fields in them; a program
# reads them with csv(input, OPTIONS) and writes them with
# csv(output, OPTIONS); Python reads that back and finds the same records.
# The output is the same bytes at 1, 2 and 4 threads and partitions of
# 4 MiB, 4 KiB and 300 bytes (cut inside quoted fields), under MPI too,
# and the program reading its own output writes it again unchanged.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
C=$TMP/csvopts
mkdir -p "$C"
have_mpi=0
command -v mpirun > /dev/null && [ -f "$B/libfpipe_mpi.a" ] && have_mpi=1
case "${FPIPE_CFLAGS:-}" in   # MPI's own allocations are never freed
    *sanitize=address*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ;;
esac
# csv_case NAME DELIMITER QUOTE HEADER(1/0) OPTIONS-AS-WRITTEN
csv_case() {
    local name=$1 d=$2 quote=$3 header=$4 opts=$5 good tp
    cat > "$C/$name.fpipe" <<XEOF
pipeline csv_$name
type Row = { id: i64, a: str, b: str, ok: bool }
source rows : Row = csv(input$opts)
sink out = csv(output$opts)
XEOF
    if ! python3 tests/ref/csvopts.py gen "$C/$name.csv" "$d" "$quote" "$header" 7 2> "$C/out" ||
        ! "$FPIPEC" build "$C/$name.fpipe" -o "$C/$name" >> "$C/out" 2>&1; then
        bad "csvopts: $name: the input or the program" "$C/out"
        return
    fi
    good=1
    "$C/$name" -o "$C/$name.ref" "$C/$name.csv" 2> "$C/out" ||
        { bad "csvopts: $name: the run failed" "$C/out"; return; }
    for tp in "1 4194304" "2 4096" "4 300"; do
        set -- $tp
        "$C/$name" --threads "$1" --partition-size "$2" -o "$C/$name.o" "$C/$name.csv" 2> "$C/out" &&
            cmp -s "$C/$name.ref" "$C/$name.o" ||
            { bad "csvopts: $name: --threads $1 --partition-size $2 differs" "$C/out"; good=0; break; }
    done
    if [ $have_mpi = 1 ] && [ $good = 1 ]; then
        "$FPIPEC" build --backend mpi "$C/$name.fpipe" -o "$C/$name.mpi" > "$C/out" 2>&1 &&
            mpirun --oversubscribe --allow-run-as-root -n 3 "$C/$name.mpi" --threads 2 \
                --partition-size 4096 -o "$C/$name.m" "$C/$name.csv" >> "$C/out" 2>&1 < /dev/null &&
            cmp -s "$C/$name.ref" "$C/$name.m" || { bad "csvopts: $name: mpirun -n 3 differs" "$C/out"; good=0; }
    fi
    [ $good = 1 ] && ok "csvopts: $name: the same bytes at threads 1/2/4, partitions 4M/4K/300$([ $have_mpi = 1 ] && echo ', mpirun -n 3')"
    python3 tests/ref/csvopts.py check "$C/$name.csv" "$C/$name.ref" "$d" "$quote" "$header" > "$C/out" 2>&1 &&
        ok "csvopts: $name: Python's csv reads the 4,000 records fpipe wrote from Python's" ||
        bad "csvopts: $name: Python's csv reads other records" "$C/out"
    "$C/$name" --partition-size 4096 --threads 2 -o "$C/$name.again" "$C/$name.ref" 2> "$C/out" &&
        cmp -s "$C/$name.ref" "$C/$name.again" &&
        ok "csvopts: $name: fpipe reads its own output back (the same bytes again)" ||
        bad "csvopts: $name: reading its own output gives other bytes" "$C/out"
}
csv_case default , '"' 1 ''
csv_case semicolon ';' '"' 1 ', delimiter = ";"'
csv_case tab_apostrophe "$(printf '\t')" "'" 1 ', delimiter = "\t", quote = "'"'"'"'
csv_case headerless_pipe '|' '"' 0 ', header = false, delimiter = "|"'
# A headerless source: a record with another number of fields than the
# record type is an element error (fail_fast: exit 4, located); with
# on_error drop it is counted and the others are read.
printf 'pipeline hl\ntype Row = { name: str, n: i64 }\nsource rows : Row = csv(input, header = false)%s\nsink out = csv(output, header = false, delimiter = ";")\n' '' > "$C/hl.fpipe"
sed 's/header = false)$/header = false) on_error drop/' "$C/hl.fpipe" > "$C/hld.fpipe"
printf 'a,1\n"b,""c""",2\nd,3,4\ne,5\n' > "$C/hl.csv"
if "$FPIPEC" build "$C/hl.fpipe" -o "$C/hl" > "$C/out" 2>&1 && "$FPIPEC" build "$C/hld.fpipe" -o "$C/hld" >> "$C/out" 2>&1; then
    "$C/hl" -o "$C/hl.out" "$C/hl.csv" > "$C/out" 2>&1; rc=$?
    [ $rc = 4 ] && [ ! -e "$C/hl.out" ] &&
        grep -q "the record has 3 fields; the record type has 2 (a source without header)" "$C/out" &&
        grep -q "input: $C/hl.csv:3" "$C/out" &&
        ok "csvopts: a headerless record with 3 fields for 2 is a located element error (exit 4)" ||
        bad "csvopts: headerless field count (rc=$rc)" "$C/out"
    printf 'a;1\n"b,""c""";2\ne;5\n' > "$C/hld.ref"
    "$C/hld" -o "$C/hld.out" "$C/hl.csv" > "$C/out" 2>&1 && grep -q "dropped 1 element" "$C/out" &&
        same "csvopts: on_error drop skips and counts it; the others are read in field order" "$C/hld.ref" "$C/hld.out" ||
        bad "csvopts: headerless on_error drop" "$C/out"
else bad "csvopts: build the headerless programs" "$C/out"; fi
