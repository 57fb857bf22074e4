# num.sh — issue 16's numbers and casts (part 3), provenance (part 10) and
# expression depth (part 11).  Sourced by tests/run.sh (uses its FPIPEC,
# B, TMP, ok, bad, same).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# num"
N=$TMP/num
mkdir -p "$N"

# --- depth: every form of expression 100 levels deep ------------------------
# tests/num/depth.py writes one operator per form (else-if chain of 100
# branches, let chain of 100 lets, lets in values, ifs in thens, + and -
# chains, unary minus, calls, tuples and fields), each 100 levels deep by
# the compiler's count; its output against the same computation in Python,
# and the generated C warning-free with gcc and clang (clang stops at 256
# nested brackets).  tests/errors/nested_101.fpipe is the same at 101.
python3 tests/num/depth.py fpipe 100 > "$N/depth.fpipe"
python3 -c 'import random
random.seed(16)
for _ in range(5000): print(random.randint(-10**7, 10**7))' > "$N/depth.in"
if "$FPIPEC" build "$N/depth.fpipe" -o "$N/depth" > "$N/build.err" 2>&1; then
    python3 tests/num/depth.py ref 100 < "$N/depth.in" > "$N/depth.ref"
    "$N/depth" "$N/depth.in" > "$N/depth.out" 2> "$N/run.err" || bad "num: depth 100 runs" "$N/run.err"
    same "num: every form at depth 100 computes what Python computes" "$N/depth.out" "$N/depth.ref"
    "$FPIPEC" emit-c "$N/depth.fpipe" > "$N/depth.c"
    for cc in gcc clang; do
        command -v $cc > /dev/null || continue
        $cc -std=c11 -Wall -Wextra -Werror -fopenmp -Iruntime -c "$N/depth.c" -o "$N/depth.o" 2> "$N/cc.err" &&
            ok "num: depth 100 in every form compiles warning-free with $cc" ||
            bad "num: depth 100 with $cc" "$N/cc.err"
    done
    # The limits together: chains of 200 links whose last part nests to
    # the 100th level, in a tuple (one ?: chain, one comma list in the C).
    python3 tests/num/depth.py limits > "$N/limits.fpipe"
    if "$FPIPEC" build "$N/limits.fpipe" -o "$N/limits" > "$N/build.err" 2>&1; then
        printf '5\n-3\n250\n' | "$N/limits" - > "$N/limits.out" 2>&1
        printf '5\t209\n-3\t193\n250\t699\n' > "$N/limits.ref"
        same "num: else-if and let chains of 200 links, 100 levels deep, compute right" "$N/limits.ref" "$N/limits.out"
        "$FPIPEC" emit-c "$N/limits.fpipe" > "$N/limits.c"
        command -v clang > /dev/null &&
            { clang -std=c11 -Wall -Wextra -Werror -fopenmp -Iruntime -c "$N/limits.c" -o "$N/limits.o" 2> "$N/cc.err" &&
                  ok "num: the chains at their limit compile warning-free with clang (256 brackets)" ||
                  bad "num: the chains at their limit with clang" "$N/cc.err"; }
    else
        bad "num: build the chains at their limit" "$N/build.err"
    fi
    grep -c '} else if (' "$N/depth.c" > "$N/elseifs"
    [ "$(cat "$N/elseifs")" -ge 99 ] && ok "num: a 100-branch else-if chain is emitted flat (if / else if)" ||
        bad "num: else-if chain not flat ($(cat "$N/elseifs") else ifs)"
else
    bad "num: build depth 100" "$N/build.err"
fi

# --- numbers: casts and math against Python's math module -------------------
# tests/num/math.py's data (edge values: nan, +-inf, -0.0, halves, 2^53,
# 2^63, INT64_MIN; then random ones, 2.4 MB) through math.fpipe and
# cast.fpipe; every field checked bit for bit, i64 wrapping at the edges;
# the same bytes at 1 and 3 threads with partitions of 5,000 bytes.
python3 tests/num/math.py gen 60000 > "$N/math.in"
for p in math cast; do
    "$FPIPEC" build "tests/num/$p.fpipe" -o "$N/$p" > "$N/build.err" 2>&1 || bad "num: build $p" "$N/build.err"
done
"$N/math" --threads 1 "$N/math.in" > "$N/math.out" 2> "$N/run.err" || bad "num: math runs" "$N/run.err"
python3 tests/num/math.py check "$N/math.in" "$N/math.out" > "$N/check" 2>&1 &&
    ok "num: f64, abs, min, max, wrapping + * -, floor, ceil, round, sqrt, log, exp, pow match Python's math on $(wc -l < "$N/math.in") lines" ||
    bad "num: the numeric builtins against Python" "$N/check"
"$N/math" --threads 3 --partition-size 5000 "$N/math.in" > "$N/math3.out" 2> "$N/run.err"
same "num: math, 3 threads and 5,000-byte partitions: the same bytes" "$N/math.out" "$N/math3.out"
"$N/cast" --threads 2 --partition-size 5000 --stats "$N/math.in" > "$N/cast.out" 2> "$N/cast.err"
if python3 tests/num/math.py cast "$N/math.in" "$N/cast.out" > "$N/check" 2>&1; then
    drop=$(awk '$1 == "c" && $2 == "map" { print $6 }' "$N/cast.err")
    [ "$drop" = "$(cat "$N/check")" ] &&
        ok "num: i64(x) truncates like Python's int(x); nan and out of range are $drop counted element errors" ||
        bad "num: i64(x) dropped '$drop', Python says $(cat "$N/check")" "$N/cast.err"
else
    bad "num: i64(x) against Python" "$N/check"
fi
# fail_fast names the value and the input line.
printf 'pipeline ff\nsource lines = text(input)\nmap c = i64(parse_f64(lines))\nsink out = tsv(output)\n' > "$N/ff.fpipe"
printf '1.5\n-9223372036854775808\n9223372036854775808\n' > "$N/big.txt"
if "$FPIPEC" build "$N/ff.fpipe" -o "$N/ff" > "$N/build.err" 2>&1; then
    "$N/ff" "$N/big.txt" > /dev/null 2> "$N/ff.err"
    [ $? = 4 ] && grep -q "failed: i64: 9.223372036854776e+18 is out of the i64 range" "$N/ff.err" &&
        grep -q "input: $N/big.txt:3" "$N/ff.err" &&
        ok "num: i64 of 2^63 stops fail_fast with the value and file:line" || bad "num: i64 fail_fast" "$N/ff.err"
else
    bad "num: build ff" "$N/build.err"
fi
# fpipec verify tests the builtins' laws (casts round trip, floor <= x <= ceil, ...).
"$FPIPEC" verify tests/num/math.fpipe > "$N/verify" 2>&1 &&
    grep -q "^ok - the numeric builtins" "$N/verify" &&
    ok "num: fpipec verify checks the numeric builtins' laws" || bad "num: verify" "$N/verify"

# --- provenance: input_file(), input_line() against awk and Python ---------
# Several inputs (one without a final newline, one empty, empty lines),
# partitions of 4 KiB (the lines are counted from file offsets), lines,
# words (the fused word scan), a CSV with quoted newlines (a record's first
# line) and JSON lines (empty lines skipped but counted); every output the
# same bytes at 1 thread, 3 threads and under mpirun -n 3.
python3 tests/num/prov.py gen "$N"
cat > "$N/prov_lines.fpipe" << 'FP'
pipeline prov_lines
source lines = text(input)
map p = (input_file(), input_line(), lines)
sink out = tsv(output)
FP
cat > "$N/prov_words.fpipe" << 'FP'
pipeline prov_words
source lines = text(input)
flatmap words = split_ws(lines)
map p = (input_file(), input_line(), words)
sink out = tsv(output)
FP
cat > "$N/prov_csv.fpipe" << 'FP'
pipeline prov_csv
type Row = { name: str, n: i64 }
source rows : Row = csv(input)
filter odd = rows.n % 2 == 1
map p = (input_file(), input_line(), odd.n)
sink out = tsv(output)
FP
cat > "$N/prov_jsonl.fpipe" << 'FP'
pipeline prov_jsonl
type Doc = { id: str, n: i64 }
source docs : Doc = jsonl(input)
map p = (input_file(), input_line(), docs.id)
sink out = tsv(output)
FP
T="$N/a.txt $N/b.txt $N/c.txt"
awk '{ print FILENAME "\t" FNR "\t" $0 }' $T > "$N/prov_lines.ref"
awk '{ for (i = 1; i <= NF; i++) print FILENAME "\t" FNR "\t" $i }' $T > "$N/prov_words.ref"
python3 tests/num/prov.py csv "$N/d.csv" | awk -F'\t' '$3 % 2 == 1' > "$N/prov_csv.ref"
awk 'NF { split($0, a, "\""); print FILENAME "\t" FNR "\t" a[4] }' "$N/e.jsonl" > "$N/prov_jsonl.ref"
for p in lines words csv jsonl; do
    case $p in
        lines|words) args=$T ;;
        csv) args=$N/d.csv ;;
        jsonl) args=$N/e.jsonl ;;
    esac
    if ! "$FPIPEC" build "$N/prov_$p.fpipe" -o "$N/prov_$p" > "$N/build.err" 2>&1; then
        bad "num: build prov_$p" "$N/build.err"; continue
    fi
    # shellcheck disable=SC2086
    "$N/prov_$p" --threads 1 --partition-size 4096 $args > "$N/prov_$p.1" 2> "$N/run.err" ||
        bad "num: prov_$p runs" "$N/run.err"
    ref="awk's FILENAME and FNR"
    [ $p = csv ] && ref="Python's csv module"
    same "num: input_file(), input_line() of $p, 4 KiB partitions, against $ref" "$N/prov_$p.ref" "$N/prov_$p.1"
    # shellcheck disable=SC2086
    "$N/prov_$p" --threads 3 --partition-size 4096 $args > "$N/prov_$p.3" 2> "$N/run.err"
    same "num: $p provenance at 3 threads: the same bytes" "$N/prov_$p.1" "$N/prov_$p.3"
    if command -v mpirun > /dev/null && [ -f "$B/libfpipe_mpi.a" ]; then
        if "$FPIPEC" build --backend mpi "$N/prov_$p.fpipe" -o "$N/prov_$p.mpi" > "$N/build.err" 2>&1; then
            [ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
            d=$(mktemp -d "$N/ompi.XXXXXX")
            asan=${ASAN_OPTIONS:-}
            case "${FPIPE_CFLAGS:-}" in   # MPI's own allocations are never freed (as in mpi.sh)
                *sanitize=address*) asan=${asan:+$asan:}detect_leaks=0 ;;
            esac
            # shellcheck disable=SC2086
            ASAN_OPTIONS=$asan TMPDIR=$d OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader mpirun --oversubscribe --bind-to none -n 3 \
                "$N/prov_$p.mpi" --threads 1 --partition-size 4096 -o "$N/prov_$p.m" $args > "$N/run.err" 2>&1 ||
                bad "num: prov_$p under mpirun -n 3" "$N/run.err"
            rm -rf "$d"
            same "num: $p provenance under mpirun -n 3: the same bytes" "$N/prov_$p.1" "$N/prov_$p.m"
        else
            bad "num: build --backend mpi prov_$p" "$N/build.err"
        fi
    fi
done
# Standard input is "-".
printf 'x\n\ny\n' | "$N/prov_lines" - > "$N/stdin.out" 2>&1
printf -- '-\t1\tx\n-\t2\t\n-\t3\ty\n' > "$N/stdin.ref"
same "num: input_file() of standard input is -" "$N/stdin.ref" "$N/stdin.out"
# After a checkpointed operator: --resume reads no input and gives the same
# files and lines (each checkpointed element carries its record's line).
cat > "$N/prov_ck.fpipe" << 'FP'
pipeline prov_ck
source lines = text(input)
map up = upper(lines) materialize
map p = (input_file(), input_line(), len(up))
sink out = tsv(output)
FP
if "$FPIPEC" build "$N/prov_ck.fpipe" -o "$N/prov_ck" > "$N/build.err" 2>&1; then
    awk '{ print FILENAME "\t" FNR "\t" length($0) }' $T > "$N/prov_ck.ref"
    # shellcheck disable=SC2086
    FPIPE_CHECKPOINT_DIR=$N/ck "$N/prov_ck" --partition-size 4096 -o "$N/prov_ck.1" $T 2> "$N/run.err"
    same "num: input_line() after a checkpointed operator against awk" "$N/prov_ck.ref" "$N/prov_ck.1"
    # shellcheck disable=SC2086
    FPIPE_CHECKPOINT_DIR=$N/ck "$N/prov_ck" --partition-size 4096 --resume -o "$N/prov_ck.2" $T 2> "$N/run.err"
    grep -q "resuming from the checkpoint" "$N/run.err" &&
        same "num: input_file(), input_line() after --resume: the same bytes" "$N/prov_ck.1" "$N/prov_ck.2" ||
        bad "num: prov_ck did not resume" "$N/run.err"
else
    bad "num: build prov_ck" "$N/build.err"
fi
"$FPIPEC" explain "$N/prov_lines.fpipe" > "$N/explain" 2>&1
grep -q "input_file(), input_line(): each partition's first line is counted from its file offset" "$N/explain" &&
    ok "num: explain says how input_line() is counted" || bad "num: explain of input_line()" "$N/explain"
# With on_error collect in the same run (both count lines with the
# worker's line counter): the kept words' lines and the error file's lines
# against awk, at 3 threads.
python3 -c 'import random
r = random.Random(5)
for i in range(40000):
    print(" ".join(r.choice(["1", "22", "x", "333", "-4", "y"]) for _ in range(r.randint(0, 5))))' > "$N/mixed.txt"
cat > "$N/prov_collect.fpipe" << 'FP'
pipeline prov_collect
source lines = text(input)
flatmap words = split_ws(lines)
map p = (input_line(), parse_i64(words)) on_error collect
sink out = tsv(output)
FP
if "$FPIPEC" build "$N/prov_collect.fpipe" -o "$N/prov_collect" > "$N/build.err" 2>&1; then
    "$N/prov_collect" --threads 3 --partition-size 4096 --errors "$N/pc.errors.jsonl" -o "$N/pc.out" "$N/mixed.txt" 2> "$N/run.err"
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]+$/) print FNR "\t" $i }' "$N/mixed.txt" > "$N/pc.ref"
    awk '{ for (i = 1; i <= NF; i++) if ($i !~ /^-?[0-9]+$/) print FNR }' "$N/mixed.txt" > "$N/pce.ref"
    python3 -c 'import json, sys
for l in open(sys.argv[1]): print(json.loads(l)["line"])' "$N/pc.errors.jsonl" > "$N/pce.out"
    same "num: input_line() next to on_error collect: the kept words' lines against awk" "$N/pc.ref" "$N/pc.out"
    same "num: ... and the error file's lines against awk" "$N/pce.ref" "$N/pce.out"
else
    bad "num: build prov_collect" "$N/build.err"
fi
