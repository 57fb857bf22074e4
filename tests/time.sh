# time.sh — sourced by tests/run.sh (uses its B, FPIPEC, TMP, ok, bad):
# the date and time builtins (runtime/time.c).
#
# tests/unit/test_time.c: the edges (leap days, 1970 and before, offsets
# across a day, 24:00, :60, fractions) and every day of 0000..9999 against
# a calendar walk.  End to end: tests/ref/time.py writes 40,000 timestamps
# in every ISO 8601 form parse_time reads, 1 in 20 bad, and says with
# Python's datetime what each good line gives (parse_time, parse_time_us,
# format_time with and without a format and offset, the parts, trunc_time)
# and which lines fail; fpipe must match it at 1 (sequential), 2 and 4
# threads, at partition sizes that cut lines everywhere, and under MPI.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
T=$TMP/time
mkdir -p "$T"
if ${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -fopenmp ${FPIPE_CFLAGS:-} -Iruntime \
    tests/unit/test_time.c "$B/libfpipe.a" -lcsv -ljansson -lsimdjson -lyaml -lz -lstdc++ -lm \
    -o "$T/unit" 2> "$T/unit.cc"; then
    "$T/unit" > "$T/unit.out" 2>&1
    urc=$?
    while IFS= read -r l; do
        case "$l" in
            "ok - "*) ok "${l#ok - }" ;;
            "FAIL - "*) bad "${l#FAIL - }" ;;
            *) echo "    $l" ;;
        esac
    done < "$T/unit.out"
    grep -q '^ok - ' "$T/unit.out" || bad "time: the unit test program ran no test" "$T/unit.out"
    [ $urc -eq 0 ] || grep -q '^FAIL' "$T/unit.out" || bad "time: the unit tests exited $urc" "$T/unit.out"
else
    bad "time: tests/unit/test_time.c does not compile" "$T/unit.cc"
fi

cat > "$T/tt.fpipe" <<'EOF2'
pipeline tt
source lines : str = text(input)
map row : (i64, i64, str, str, i64, i64, i64, i64, i64, i64, i64, i64, i64) =
    let t = parse_time(lines) in
    (t, parse_time_us(lines), format_time(t), format_time(t, "%a %d/%b/%Y %H-%M-%S %z", "+05:30"),
     year(t), month(t), day(t), hour(t, "-03:00"), minute(t), second(t), weekday(t),
     trunc_time(t, "week"), trunc_time(t, "month", "+01:00"))
    on_error collect
sink out = tsv(output)
EOF2
# The numbers of the lines an error file names, and whether every message
# is parse_time's (they name the reason, the byte and the text).
errlines() {
    python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    assert e["message"].startswith("parse_time: ") and " at byte " in e["message"], e
    print(e["line"])' "$1"
}
if python3 tests/ref/time.py gen "$T/in.txt" 40000 && python3 tests/ref/time.py ref "$T/in.txt" "$T/ref.tsv" "$T/ref.err" &&
    "$FPIPEC" build "$T/tt.fpipe" -o "$T/tt" > "$T/build.out" 2>&1; then
    good=1
    for tp in "--threads 1 --partition-size 4194304" "--threads 1 --partition-size 4096" "--threads 2 --partition-size 4096" \
              "--threads 4 --partition-size 1000" "--threads 2 --partition-size 61"; do
        rm -f "$T/o.tsv" "$T/o.tsv.errors.jsonl"
        # shellcheck disable=SC2086
        "$T/tt" $tp -o "$T/o.tsv" "$T/in.txt" 2> "$T/run.err" ||
            { bad "time: $tp failed" "$T/run.err"; good=0; break; }
        if ! errlines "$T/o.tsv.errors.jsonl" > "$T/o.err" 2>> "$T/run.err" ||
            ! cmp -s "$T/ref.tsv" "$T/o.tsv" || ! cmp -s "$T/ref.err" "$T/o.err"; then
            { cat "$T/run.err"; diff "$T/ref.tsv" "$T/o.tsv" | head -20; diff "$T/ref.err" "$T/o.err" | head -20; } > "$T/diff" 2>&1
            bad "time: $tp differs from tests/ref/time.py" "$T/diff"; good=0; break
        fi
    done
    [ $good = 1 ] && ok "time: parse, format, parts and trunc as Python's datetime says ($(wc -l < "$T/ref.tsv") rows, $(wc -l < "$T/ref.err") bad lines), threads 1 (sequential)/2/4, partitions 4M/4096/1000/61"
    if ! command -v mpirun > /dev/null || [ ! -f "$B/libfpipe_mpi.a" ]; then
        :   # no MPI here: tests/mpi.sh says so once
    elif ! "$FPIPEC" build --backend mpi "$T/tt.fpipe" -o "$T/tt.mpi" > "$T/build.out" 2>&1; then
        bad "time: fpipec build --backend mpi" "$T/build.out"
    else
        case "${FPIPE_CFLAGS:-}" in   # MPI's own allocations are never freed
            *sanitize=address*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ;;
        esac
        [ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        good=1
        for r in 2 3; do
            rm -f "$T/m.tsv" "$T/m.tsv.errors.jsonl"
            mpirun --oversubscribe --allow-run-as-root -n $r "$T/tt.mpi" --threads 2 --partition-size 4096 \
                -o "$T/m.tsv" "$T/in.txt" > "$T/run.err" 2>&1 &&
                errlines "$T/m.tsv.errors.jsonl" > "$T/m.err" && cmp -s "$T/ref.tsv" "$T/m.tsv" &&
                cmp -s "$T/ref.err" "$T/m.err" || { bad "time: mpirun -n $r differs from tests/ref/time.py" "$T/run.err"; good=0; break; }
        done
        [ $good = 1 ] && ok "time: mpirun -n 2 and 3 give tests/ref/time.py's rows and error lines"
    fi
else bad "time: the test input, its reference or the program" "$T/build.out"; fi

# fpipec verify: the laws of every format_time and trunc_time call.
"$FPIPEC" verify tests/verify/time.fpipe > "$T/v.out" 2>&1; rc=$?
if [ $rc = 0 ] && [ "$(grep -c '^ok - format_time (line 7): parse_time reads back every t (3000 cases)$' "$T/v.out")" = 2 ] &&
    grep -q '^ok - format_time (line 7): its format leaves part of t out' "$T/v.out" &&
    [ "$(grep -c '^ok - trunc_time (line 8): at most t and idempotent (3000 cases)$' "$T/v.out")" = 2 ] &&
    grep -q '^all 5 checked: every law holds (seed 1)$' "$T/v.out"; then
    ok "time: fpipec verify checks format_time's read-back and trunc_time's laws"
else bad "time: fpipec verify tests/verify/time.fpipe (rc=$rc)" "$T/v.out"; fi
