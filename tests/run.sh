#!/usr/bin/env bash
# run.sh — fpipe's test suite.  Usage: tests/run.sh [BUILD_DIR]
#
# Sections, in order:
#   unit     runtime unit tests (tests/unit/test_runtime.c)
#   golden   `fpipec explain`, `emit-c` and `dot` of every example against
#            tests/golden/ (UPDATE_GOLDEN=1 rewrites them), the generated C
#            compiled by gcc and clang with -Wall -Wextra -Werror, the dot
#            rendered by graphviz
#   codestyle the generated C of every example (tests/golden/*.c and a
#            fresh emit-c) reads like its .fpipe (tests/codestyle.py)
#   errors   every tests/errors/*.fpipe must fail `fpipec check` with exit 1
#            and exactly the diagnostics in its .err file
#   e2e      the examples, built and run on generated inputs, against
#            independent references computed with coreutils and awk; every
#            output byte-identical for --threads 1, 2, 4 and several
#            partition sizes
#   cli      the executables' and fpipec's behaviour on bad command lines,
#            missing inputs, element failures
#   install  tests/install.sh: make install (PREFIX, DESTDIR, LIBDIR...),
#            uninstall, pkg-config, CMake, the Make rule of docs/running.md,
#            a program's NEEDED libraries (readelf -d), one version
#   codegen  hostile strings, names and paths in the generated C
#            (tests/codegen/run.sh)
#   bad-data hostile inputs for the runtime (tests/bad-data/run.sh)
#   fuzz     the fuzz targets (tests/fuzz/) replayed on their seeds and
#            regression inputs, without libFuzzer (tests/fuzz/replay.sh)
#   runtime  tests/runtime.sh: on_error collect, --stats, --config, ...
#   memory   tests/memory.sh: keys and top strings over 16 bytes in every
#            mode, --stats' key bytes, a keyed combine's peak RSS
#   checkpoint tests/checkpoint.sh: materialize, --resume, stale and
#            corrupt checkpoints, a run killed after its checkpoint
#   opcfg    tests/opcfg.sh: per-operator settings in --config, their errors
#   fsum     tests/fsum.sh: exact f64 sums and means against math.fsum, one
#            md5 for every partition size, thread count, file split, MPI
#   jsonl    tests/jsonl.sh: the JSON-lines source against Python's json
#            with jansson's rules, every thread count, partition size, MPI
#   jsonl nested tests/jsonl_nested.sh: records, tuples and lists read from
#            JSON and written back, against Python's json; every mismatch's
#            message (golden)
#   docs     tests/docs.sh: docs/architecture.md and README's layout
#            table name every source file, and only real ones
#   doctest  tests/doctest.sh: the command samples of README.md and
#            docs/*.md run and compared (tests/doctest.py); language.md and
#            the man pages against the compiler's tables and --help
#   diag     tests/diag.sh: keywords used as names, diagnostics in source
#            order with summary lines, long lines clipped, --color
#   cli-conventions tests/cli.sh: getopt_long command lines of fpipec and
#            of programs, help, exit codes, --stats-file, -MD, completion
#   fmt      tests/fmt.sh: fpipec fmt (the examples are formatted; fmt
#            keeps the meaning, is idempotent, -i/--check), editor/ files
#   num      tests/num.sh: numeric builtins against Python's math, provenance
#            against awk, expressions 100 deep in every form
#   csvopts  tests/csvopts.sh: the csv options (header, delimiter, quote)
#            against Python's csv module both ways, every mode
#   params   tests/params.sh: param / --param / --config params: against
#            awk, usage errors, --help and explain (golden), every mode
#   opt      tests/opt.sh: optional values (T?) from CSV and JSON lines
#            against Python's None, every mode, read back from fpipe's output
#   limits   tests/limits.sh: promoted f64 sums count against
#            FPIPE_MAX_TABLE_BYTES, symlink chains and PATH_MAX at the sink,
#            fpipec's outputs when a write fails
#   regex    tests/regex.sh: the regex builtins against Python's re, every
#            thread count, mpirun -n 2 and 3
#   ustr     tests/ustr.sh: the UTF-8 and string builtins against Python,
#            every thread count and partition size, invalid UTF-8 counted
#   time     tests/time.sh: the time builtins' edges, and against Python's
#            datetime in every mode and partition size
#   mpi      distributed mode (tests/mpi.sh): every mode byte-identical,
#            faults on one rank; skipped without mpirun
#
# FPIPE_CFLAGS (e.g. sanitizers) applies to every program built here.
# Prints one line per test and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
FPIPEC=$B/fpipec
TMP=$(mktemp -d /tmp/fpipe-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export LC_ALL=C
export NO_COLOR=1
# materialize: checkpoints of the examples go here, not into the worktree
# (tests/checkpoint.sh tests the default folder in its own).
export FPIPE_CHECKPOINT_DIR=$TMP/checkpoints
# The keyed tables' hash seed, random per run otherwise: fixed, so that the
# hot-key report (its sketch buckets by the hash) is the same in every run
# compared.  tests/runtime.sh checks output does not depend on the seed.
export FPIPE_HASH_SEED=1

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() {
    fail=$((fail + 1))
    echo "FAIL - $1"
    if [ -n "${2:-}" ] && [ -f "$2" ]; then sed -n '1,60p' "$2" | sed 's/^/    /'; fi
}
# same NAME FILE1 FILE2: pass when the files are byte-identical.
same() {
    if cmp -s "$2" "$3"; then ok "$1"; else
        diff <(od -c "$2" | head -200) <(od -c "$3" | head -200) > "$TMP/diff" 2>&1
        bad "$1" "$TMP/diff"
    fi
}

# ---------------------------------------------------------------------------
echo "# unit"
# Twice: as built, and with FP_NO_SIMD (the portable code of the inline
# scanners, which this x86-64 machine would otherwise never run).
for uflags in "" "-DFP_NO_SIMD"; do
if ${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -fopenmp ${FPIPE_CFLAGS:-} $uflags \
    -Iruntime tests/unit/test_runtime.c "$B/libfpipe.a" -lcsv -ljansson -lsimdjson -lyaml -lpcre2-8 -lz -lstdc++ -lm -o "$TMP/unit" 2> "$TMP/unit.cc"; then
    "$TMP/unit" > "$TMP/unit.out" 2>&1
    urc=$?
    sfx=${uflags:+ ($uflags)}
    while IFS= read -r l; do
        case "$l" in
            "ok - "*) ok "${l#ok - }$sfx" ;;
            "FAIL - "*) bad "${l#FAIL - }$sfx" ;;
            *) echo "    $l" ;;
        esac
    done < "$TMP/unit.out"
    grep -q '^ok - ' "$TMP/unit.out" || bad "unit: the unit test program ran no test$sfx" "$TMP/unit.out"
    [ $urc -eq 0 ] || grep -q '^FAIL' "$TMP/unit.out" || bad "unit: exited $urc$sfx" "$TMP/unit.out"
else
    bad "unit: test_runtime.c does not compile${uflags:+ with $uflags}" "$TMP/unit.cc"
fi
done

# ---------------------------------------------------------------------------
echo "# golden"
mkdir -p tests/golden
for f in examples/*.fpipe; do
    n=$(basename "$f" .fpipe)
    for kind in explain c dot; do
        case $kind in
            explain) "$FPIPEC" explain "$f" > "$TMP/$n.$kind" 2>&1 ;;
            c) "$FPIPEC" emit-c "$f" > "$TMP/$n.$kind" 2>&1 ;;
            dot) "$FPIPEC" dot "$f" > "$TMP/$n.$kind" 2>&1 ;;
        esac
        g=tests/golden/$n.$kind
        if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$TMP/$n.$kind" "$g"; fi
        if [ ! -f "$g" ]; then bad "golden: $g is missing (make golden)"; continue; fi
        if cmp -s "$g" "$TMP/$n.$kind"; then ok "golden: $kind of $n"; else
            diff -u "$g" "$TMP/$n.$kind" > "$TMP/diff"; bad "golden: $kind of $n" "$TMP/diff"
        fi
    done
    if dot -Tsvg "$TMP/$n.dot" -o "$TMP/$n.svg" 2> "$TMP/dot.err" && grep -q '<svg' "$TMP/$n.svg"; then
        ok "golden: graphviz renders the dot of $n"
    else bad "golden: graphviz rejects the dot of $n" "$TMP/dot.err"; fi
    for cc in gcc clang; do
        command -v $cc > /dev/null || continue
        if $cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c \
            "$TMP/$n.c" -o "$TMP/$n.$cc.o" 2> "$TMP/cc.err"; then
            ok "golden: generated C of $n compiles warning-free with $cc"
        else bad "golden: generated C of $n has $cc warnings" "$TMP/cc.err"; fi
    done
done

# ---------------------------------------------------------------------------
echo "# codestyle"
# Instrumentation, line lengths and exact operator quotes in the generated C:
# the goldens and the fresh emit-c of the golden section.
cs_args=()
for f in examples/*.fpipe; do
    n=$(basename "$f" .fpipe)
    cs_args+=("$f" "tests/golden/$n.c" "$f" "$TMP/$n.c")
done
python3 tests/codestyle.py "${cs_args[@]}" > "$TMP/codestyle.out" 2>&1
while IFS= read -r l; do
    case "$l" in
        "ok - "*) ok "${l#ok - }" ;;
        "FAIL - "*) bad "${l#FAIL - }" ;;
        *) echo "$l" ;;
    esac
done < "$TMP/codestyle.out"
grep -q '^ok - ' "$TMP/codestyle.out" || bad "codestyle: tests/codestyle.py checked nothing" "$TMP/codestyle.out"
# It must be able to fail: a stage function with the old inline timing.
printf '%s\n' 'pipeline p' 'source lines = text(input)' 'sink out = tsv(output)' > "$TMP/cs.fpipe"
{ echo 'static void stage1_lines_to_out(fp_worker *w)'; echo '{'
  echo '    /* source lines = text(input)  (cs.fpipe:2) */'; echo '    fp_str lines;'
  echo '    if (FP_UNLIKELY(fp_t))'; echo '        fp_t = fp_tick(w, fp_t, &fp_timed_op, 1);'
  echo '    /* sink out = tsv(output)  (cs.fpipe:3) */'; echo '    fp_out_tsv_str(w->out, lines);'
  echo '}'; } > "$TMP/cs.c"
if python3 tests/codestyle.py "$TMP/cs.fpipe" "$TMP/cs.c" > "$TMP/cs.out" 2>&1; then
    bad "codestyle: inline --stats timing in a stage function passes the check" "$TMP/cs.out"
else ok "codestyle: inline --stats timing in a stage function fails the check"; fi
# ... and an operator quoted as fpipec used to, an escape misquoted.
printf '%s\n' 'pipeline p' 'source lines = text(input)' 'map q : str = "\""' 'sink out = tsv(output)' > "$TMP/cs.fpipe"
sed -e '/fp_tick/d' -e '/FP_UNLIKELY(fp_t)/d' \
    -e 's|^    /\* sink|    /* map q : str = "\\ ""  (cs.fpipe:3) */\n    fp_str q = FP_LIT("\\"");\n    /* sink|' \
    "$TMP/cs.c" > "$TMP/cs2.c"
if python3 tests/codestyle.py "$TMP/cs.fpipe" "$TMP/cs2.c" > "$TMP/cs.out" 2>&1; then
    bad "codestyle: a misquoted operator passes the check" "$TMP/cs.out"
elif grep -q 'not quoted exactly.*map q' "$TMP/cs.out"; then
    ok "codestyle: a misquoted operator fails the check"
else bad "codestyle: a misquoted operator fails the check for another reason" "$TMP/cs.out"; fi

# ---------------------------------------------------------------------------
echo "# errors"
nerr=0
for f in tests/errors/*.fpipe; do
    n=${f%.fpipe}
    "$FPIPEC" check "$f" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$TMP/err" "$n.err"; fi
    nerr=$((nerr + 1))
    if [ $rc -ne 1 ]; then bad "errors: $f: exit $rc, want 1" "$TMP/err"; continue; fi
    if [ -s "$TMP/out" ]; then bad "errors: $f: wrote to stdout" "$TMP/out"; continue; fi
    if cmp -s "$n.err" "$TMP/err"; then ok "errors: $(basename "$f")"; else
        diff -u "$n.err" "$TMP/err" > "$TMP/diff" 2>&1; bad "errors: $(basename "$f")" "$TMP/diff"
    fi
done
[ $nerr -ge 15 ] || bad "errors: only $nerr invalid programs (want at least 15)"

# ---------------------------------------------------------------------------
echo "# e2e"
mkdir -p "$TMP/bin" "$TMP/in"
for f in examples/*.fpipe; do
    n=$(basename "$f" .fpipe)
    if "$FPIPEC" build "$f" -o "$TMP/bin/$n" > "$TMP/build.err" 2>&1; then
        ok "e2e: build $n"
    else bad "e2e: build $n" "$TMP/build.err"; fi
done

# Inputs: the edge cases, then a generated Zipf corpus.
IN=$TMP/in
: > "$IN/empty.txt"
printf '\n\n\n' > "$IN/newlines.txt"
printf 'no trailing newline here' > "$IN/no_newline.txt"
printf ' \t lead and trail \t \n\v\f\r\nA\tb\vc\fd\re  f\n  \n' > "$IN/mixed_ws.txt"
printf 'caf\xc3\xa9 na\xc3\xafve \x80\xff caf\xc3\xa9\n\xe6\x97\xa5\xe6\x9c\xac \xe6\x97\xa5\xe6\x9c\xac\n' > "$IN/high_bytes.txt"
printf 'back\\slash back\\slash \\ \\\\\n' > "$IN/backslash.txt"
# One line of 3 MB (longer than a partition in the small-partition runs).
awk 'BEGIN { for (i = 0; i < 300000; i++) printf "w%d ", i % 977; printf "\n" }' > "$IN/long_line.txt"
if cc -std=c11 -O2 bench/gen_corpus.c -o "$TMP/gen_corpus" 2> "$TMP/gen.err"; then
    "$TMP/gen_corpus" 2 7 > "$IN/zipf.txt"
else bad "e2e: bench/gen_corpus.c does not compile" "$TMP/gen.err"; : > "$IN/zipf.txt"; fi
# Upper-case words over 16 bytes: lower() makes them in the partition's
# arena, so a keyed combine must copy them before the arena is reset.
awk 'BEGIN { for (i = 0; i < 4000; i++) printf "Supercalifragilistic-%d EXPIALIDOCIOUS-WORD-%d x\n", i % 37, i % 11 }' > "$IN/upper_long.txt"
# Exactly one page, and exactly 64 KiB, ending inside a word: the scanner
# reads past the end in blocks and must stop at the end of the file.
awk 'BEGIN { s = ""; while (length(s) < 4096) s = s "pagewords "; printf "%s", substr(s, 1, 4096) }' > "$IN/page.txt"
awk 'BEGIN { s = ""; while (length(s) < 65536) s = s "sixty-four-k "; printf "%s", substr(s, 1, 65536) }' > "$IN/k64.txt"
CASES="empty newlines no_newline mixed_ws high_bytes backslash long_line zipf upper_long page k64"

# References, from coreutils and awk only.  Each file ends its own lines.
words_of() { for f in "$@"; do cat "$f"; echo; done | tr '\t\v\f\r' '    ' | tr -s ' ' '\n' | grep -a -v '^$'; }
ref_wordcount() { words_of "$@" | sort | uniq -c | sed -E 's/\\/\\\\/g; s/^ *([0-9]+) (.*)$/\2\t\1/'; }

# run_modes NAME EXE ARGS...: runs with --threads 1, 2, 4 and partition
# sizes 4 MiB, 1 KiB and 61 bytes; every output must be identical to the
# first (--threads 1, 4 MiB), which is left in $TMP/out.1.  With
# PER_PARTITION_SIZE=1 (a declared monoid doing f64 arithmetic, whose
# rounding depends on where the partitions are cut) outputs are compared per partition size instead:
# the thread count must never matter.
run_modes() {
    local name=$1 exe=$2; shift 2
    local t p base
    for p in 4194304 1024 61; do
        for t in 1 2 4; do
            "$exe" --threads $t --partition-size $p -o "$TMP/out.$t.$p" "$@" 2> "$TMP/run.err" ||
                { bad "$name: --threads $t --partition-size $p failed" "$TMP/run.err"; return 1; }
            base=$TMP/out.1.4194304
            [ "${PER_PARTITION_SIZE:-0}" = 1 ] && base=$TMP/out.1.$p
            if ! cmp -s "$base" "$TMP/out.$t.$p"; then
                bad "$name: --threads $t --partition-size $p differs from $(basename "$base")"; return 1
            fi
        done
    done
    cp "$TMP/out.1.4194304" "$TMP/out.1"
    ok "$name: identical for threads 1/2/4 x partition sizes 4M/1K/61"
}

for c in $CASES; do
    run_modes "e2e: wordcount $c modes" "$TMP/bin/wordcount" "$IN/$c.txt" &&
        { ref_wordcount "$IN/$c.txt" > "$TMP/ref"; same "e2e: wordcount $c vs coreutils" "$TMP/ref" "$TMP/out.1"; }
done
# Several inputs at once, a file given twice included.
all_in=""; for c in $CASES; do all_in="$all_in $IN/$c.txt"; done
run_modes "e2e: wordcount all inputs modes" "$TMP/bin/wordcount" $all_in "$IN/backslash.txt" &&
    { ref_wordcount $all_in "$IN/backslash.txt" > "$TMP/ref"; same "e2e: wordcount all inputs vs coreutils" "$TMP/ref" "$TMP/out.1"; }
# Standard input, and stdout without -o.
"$TMP/bin/wordcount" - < "$IN/zipf.txt" > "$TMP/out.stdin" 2> "$TMP/run.err"
ref_wordcount "$IN/zipf.txt" > "$TMP/ref"
same "e2e: wordcount reads - and writes stdout" "$TMP/ref" "$TMP/out.stdin"
# Standard input of exactly 64 KiB (the read buffer's first size).
"$TMP/bin/wordcount" - < "$IN/k64.txt" > "$TMP/out.stdin" 2> "$TMP/run.err"
ref_wordcount "$IN/k64.txt" > "$TMP/ref"
same "e2e: wordcount reads 64 KiB from standard input" "$TMP/ref" "$TMP/out.stdin"
# A NUL byte is an ordinary word byte.
printf 'a\0b a\0b c\n' > "$IN/nul.txt"
"$TMP/bin/wordcount" -o "$TMP/out" "$IN/nul.txt"
printf 'a\0b\t2\nc\t1\n' > "$TMP/ref"
same "e2e: wordcount keeps NUL bytes inside words" "$TMP/ref" "$TMP/out"

# longwords: lower, len >= 7, count, keep >= 2.
for c in mixed_ws high_bytes zipf upper_long; do
    run_modes "e2e: longwords $c modes" "$TMP/bin/longwords" "$IN/$c.txt" && {
        words_of "$IN/$c.txt" | awk '{ w = tolower($0); if (length(w) >= 7) print w }' | sort | uniq -c |
            awk '$1 >= 2' | sed -E 's/\\/\\\\/g; s/^ *([0-9]+) (.*)$/\2\t\1/' > "$TMP/ref"
        same "e2e: longwords $c vs awk" "$TMP/ref" "$TMP/out.1"
    }
done

# wordlengths: i64 keys in numeric order, a post-combine map.
for c in high_bytes long_line zipf; do
    run_modes "e2e: wordlengths $c modes" "$TMP/bin/wordlengths" "$IN/$c.txt" && {
        words_of "$IN/$c.txt" | awk '{ n[length($0)]++ } END { for (l in n) printf "%d\t%d\t%s\n", l, n[l], (l + 0 > 10 ? "true" : "false") }' |
            sort -n > "$TMP/ref"
        same "e2e: wordlengths $c vs awk" "$TMP/ref" "$TMP/out.1"
    }
done

# totals: a global combine; an empty input still has a total (0).
for c in empty zipf; do
    run_modes "e2e: totals $c modes" "$TMP/bin/totals" "$IN/$c.txt" && {
        echo "$(words_of "$IN/$c.txt" | wc -l)" > "$TMP/ref"
        same "e2e: totals $c vs wc" "$TMP/ref" "$TMP/out.1"
    }
done

# linelen: element-wise, input order kept, TSV escaping of \t \r \\.
awk_esc='function esc(s,  o, i, c) { o = ""; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1);
    if (c == "\\") o = o "\\\\"; else if (c == "\t") o = o "\\t"; else if (c == "\r") o = o "\\r"; else o = o c }
    return o }'
for c in mixed_ws backslash high_bytes zipf; do
    run_modes "e2e: linelen $c modes" "$TMP/bin/linelen" "$IN/$c.txt" && {
        awk -v ws=" $(printf '\t\v\f\r')" "$awk_esc"'
            { t = $0; while (t != "" && index(ws, substr(t, 1, 1))) t = substr(t, 2);
              while (t != "" && index(ws, substr(t, length(t), 1))) t = substr(t, 1, length(t) - 1);
              if (t != "") printf "%d\t%s\n", length($0), esc(toupper(t)) }' "$IN/$c.txt" > "$TMP/ref"
        same "e2e: linelen $c vs awk" "$TMP/ref" "$TMP/out.1"
    }
done

# if/then/else and let: a let is evaluated only where it stands, so the
# division under "if n == 0" never fails; an unused let still compiles
# warning-free.
cat > "$TMP/iflet.fpipe" <<'EOF'
pipeline iflet
source lines = text(input)
flatmap words = split_ws(lines)
map sized : (str, i64) = let n = len(words) in (if n > 4 then "long" else "short", if n == 0 then 0 else 100 / n)
map kept = let unused = 0 in sized
combine_per_key total = sum
sink out = tsv(output)
EOF
if "$FPIPEC" emit-c "$TMP/iflet.fpipe" -o "$TMP/iflet.c" 2> /dev/null &&
    cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$TMP/iflet.c" -o "$TMP/iflet.o" 2> "$TMP/out" &&
    "$FPIPEC" build "$TMP/iflet.fpipe" -o "$TMP/bin/iflet" >> "$TMP/out" 2>&1; then
    run_modes "e2e: if/let modes" "$TMP/bin/iflet" "$IN/zipf.txt" "$IN/empty.txt" && {
        words_of "$IN/zipf.txt" | awk '{ n = length($0); s[n > 4 ? "long" : "short"] += int(100 / n) }
            END { print "long\t" s["long"]; print "short\t" s["short"] }' > "$TMP/ref"
        same "e2e: if/let vs awk" "$TMP/ref" "$TMP/out.1"
    }
else bad "e2e: if/let program does not compile warning-free" "$TMP/out"; fi

# String builtins: split, contains, substr, upper, parse_i64 (failures
# dropped and counted), str, ends_with, hash; replace, parse_f64.
cat > "$TMP/kv.fpipe" <<'EOF'
pipeline kv
source lines = text(input)
flatmap pairs = split(lines, ";")
filter has_eq = contains(pairs, "=")
map kv : (str, i64) = let k = substr(has_eq, 0, 1) in (upper(k), parse_i64(substr(has_eq, 2, len(has_eq) - 2))) on_error drop
combine_per_key total = sum
map row = (total.0, total.1, str(total.1 * 2), ends_with(str(total.1), "0"), hash(total.0) == hash(upper(lower(total.0))))
sink out = tsv(output)
EOF
awk 'BEGIN { for (i = 0; i < 5000; i++) { k = substr("abcdefg", i % 7 + 1, 1); v = (i * 7919) % 2001 - 1000;
    bad = (i % 13 == 0) ? "x" : ""; printf "%s=%s%d;;noeq;%s=+%d\n", k, bad, v, k, i % 10 } }' > "$IN/kv.txt"
if "$FPIPEC" build "$TMP/kv.fpipe" -o "$TMP/bin/kv" > "$TMP/out" 2>&1; then
    run_modes "e2e: string builtins modes" "$TMP/bin/kv" "$IN/kv.txt" && {
        awk -F';' '{ for (i = 1; i <= NF; i++) if (index($i, "=")) { v = substr($i, 3)
            if (v ~ /^[-+]?[0-9]+$/) s[toupper(substr($i, 1, 1))] += v + 0 } }
            END { for (k in s) printf "%s\t%d\t%d\t%s\ttrue\n", k, s[k], 2 * s[k], (s[k] % 10 == 0 ? "true" : "false") }' "$IN/kv.txt" |
            sort > "$TMP/ref"
        same "e2e: string builtins vs awk" "$TMP/ref" "$TMP/out.1"
    }
    nbad=$(grep -o '=x' "$IN/kv.txt" | wc -l)
    "$TMP/bin/kv" -o "$TMP/o.tsv" "$IN/kv.txt" > "$TMP/out" 2>&1
    grep -q "operator 'kv' ($TMP/kv.fpipe:5:1) dropped $nbad elements" "$TMP/out" &&
        ok "e2e: parse_i64 failures dropped and counted ($nbad)" || bad "e2e: parse_i64 drop count (want $nbad)" "$TMP/out"
else bad "e2e: build kv.fpipe" "$TMP/out"; fi
cat > "$TMP/fl.fpipe" <<'EOF'
pipeline fl
source lines = text(input)
map cleaned = replace(trim(lines), ",", ".")
map value : f64 = parse_f64(cleaned) on_error drop
combine total = sum
map shown = (total, str(total), str(true))
sink out = tsv(output)
EOF
printf '1,5\n 2,25 \nbad\n3e2\n-0,5\n1e\n.\n\n0,125\n' > "$IN/fl.txt"
if "$FPIPEC" build "$TMP/fl.fpipe" -o "$TMP/bin/fl" > "$TMP/out" 2>&1 &&
    "$TMP/bin/fl" -o "$TMP/o.tsv" "$IN/fl.txt" > "$TMP/out" 2>&1 &&
    grep -q "dropped 4 elements" "$TMP/out"; then
    printf '303.375\t303.375\ttrue\n' > "$TMP/ref"
    same "e2e: replace, parse_f64 (bad ones dropped: 4), str" "$TMP/ref" "$TMP/o.tsv"
else bad "e2e: replace/parse_f64 program" "$TMP/out"; fi

# Tuples of monoids in one pass (count, sum, min, max, mean per key), and
# and/or with their identities on empty input; mean of nothing is no row.
cat > "$TMP/stats.fpipe" <<'EOF'
pipeline stats
source lines = text(input)
flatmap words = split_ws(lines)
map by_first : (str, i64) = (substr(words, 0, 1), len(words))
combine_per_key stats = (count, sum, min, max, mean)
sink out = tsv(output)
EOF
cat > "$TMP/flags.fpipe" <<'EOF'
pipeline flags
source lines = text(input)
flatmap words = split_ws(lines)
map long = len(words) > 1
combine all = (and, or, count)
sink out = tsv(output)
EOF
cat > "$TMP/avg.fpipe" <<'EOF'
pipeline avg
source lines = text(input)
map n = len(lines)
combine average = mean
sink out = tsv(output)
EOF
if "$FPIPEC" build "$TMP/stats.fpipe" -o "$TMP/bin/stats" > "$TMP/out" 2>&1 &&
    "$FPIPEC" build "$TMP/flags.fpipe" -o "$TMP/bin/flags" >> "$TMP/out" 2>&1 &&
    "$FPIPEC" build "$TMP/avg.fpipe" -o "$TMP/bin/avg" >> "$TMP/out" 2>&1; then
    run_modes "e2e: (count, sum, min, max, mean) modes" "$TMP/bin/stats" "$IN/zipf.txt" "$IN/high_bytes.txt" && {
        words_of "$IN/zipf.txt" "$IN/high_bytes.txt" | awk '
            function shortest(v,  p, s) { for (p = 15; p <= 17; p++) { s = sprintf("%." p "g", v); if (s + 0 == v) return s } return s }
            { k = substr($0, 1, 1); l = length($0); if (!(k in n)) { mn[k] = l; mx[k] = l }
              n[k]++; s[k] += l; if (l < mn[k]) mn[k] = l; if (l > mx[k]) mx[k] = l }
            END { for (k in n) printf "%s\t%d\t%d\t%d\t%d\t%s\n", k, n[k], s[k], mn[k], mx[k], shortest(s[k] / n[k]) }' |
            sort -t "$(printf '\t')" -k1,1 | sed 's/\\/\\\\/g' > "$TMP/ref"
        same "e2e: (count, sum, min, max, mean) per key vs awk" "$TMP/ref" "$TMP/out.1"
    }
    run_modes "e2e: (and, or, count) modes" "$TMP/bin/flags" "$IN/zipf.txt" &&
        { echo "false	true	$(words_of "$IN/zipf.txt" | wc -l)" > "$TMP/ref"
          same "e2e: (and, or, count) vs wc" "$TMP/ref" "$TMP/out.1"; }
    "$TMP/bin/flags" -o "$TMP/o.tsv" "$IN/empty.txt" && printf 'true\tfalse\t0\n' > "$TMP/ref" &&
        same "e2e: and, or, count of no elements are their identities" "$TMP/ref" "$TMP/o.tsv"
    "$TMP/bin/avg" -o "$TMP/o.tsv" "$IN/empty.txt" && [ -f "$TMP/o.tsv" ] && [ ! -s "$TMP/o.tsv" ] &&
        ok "e2e: mean of no elements writes no row" || bad "e2e: mean of no elements"
    "$TMP/bin/avg" -o "$TMP/o.tsv" "$IN/kv.txt" && awk '{ s += length($0) } END { printf "%.17g\n", s / NR }' "$IN/kv.txt" > "$TMP/ref" &&
        [ "$(awk '{ printf "%.17g\n", $1 }' "$TMP/o.tsv")" = "$(cat "$TMP/ref")" ] &&
        ok "e2e: global mean of i64 vs awk" || bad "e2e: global mean" "$TMP/o.tsv"
else bad "e2e: build the monoid programs" "$TMP/out"; fi

# From a review: a let holding a record; tuples of records whose C names
# could read two ways; parse_f64 of long text; the mean of i64 values whose
# sum overflows i64 (kept in 128 bits).
cat > "$TMP/l1.fpipe" <<'EOF'
pipeline l1
type P = { s: str, n: i64 }
type A = { x: i64 }
type B_str = { y: i64 }
type A_rec_B = { z: str }
source lines : str = text(input)
map a = let r = P { s: lines, n: len(lines) } in (r.s, r.n, A { x: 1 }, B_str { y: 2 }, (A_rec_B { z: "q" }, "s"))
sink out = tsv(output)
EOF
printf 'abc\n' > "$IN/abc.txt"
"$FPIPEC" emit-c "$TMP/l1.fpipe" -o "$TMP/l1.c" > "$TMP/out" 2>&1 &&
    cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$TMP/l1.c" -o "$TMP/l1.o" 2>> "$TMP/out" &&
    [ "$("$FPIPEC" run "$TMP/l1.fpipe" -- "$IN/abc.txt" 2>> "$TMP/out")" = "$(printf 'abc\t3\t1\t2\tq\ts')" ] &&
    ok "e2e: a let holding a record, tuples of records with look-alike names" || bad "e2e: let of a record / record tuple names" "$TMP/out"
printf 'pipeline e2\nsource lines = text(input)\nmap b = parse_f64(lines)\ncombine s = (count, sum)\nsink out = tsv(output)\n' > "$TMP/pf.fpipe"
{ printf '0.'; printf '0%.0s' $(seq 130); printf '1\n1'; printf '0%.0s' $(seq 130); printf '\n'; } > "$IN/longnum.txt"
[ "$("$FPIPEC" run "$TMP/pf.fpipe" -- "$IN/longnum.txt" 2> "$TMP/out")" = "$(printf '2\t1e+130')" ] &&
    ok "e2e: parse_f64 reads numbers longer than 128 bytes" || bad "e2e: parse_f64 of long numbers" "$TMP/out"
printf 'pipeline e2\nsource lines = text(input)\nmap b = parse_i64(lines)\ncombine s = (count, sum, mean)\nsink out = csv(output, header = false)\n' > "$TMP/mean128.fpipe"
printf '9223372036854775807\n9223372036854775807\n-5\n' > "$IN/big.txt"
[ "$("$FPIPEC" run "$TMP/mean128.fpipe" -- "$IN/big.txt" 2> "$TMP/out")" = "3,-7,6.148914691236517e+18" ] &&
    ok "e2e: mean of i64 is exact past the i64 range (sum wraps, as documented)" || bad "e2e: mean of large i64" "$TMP/out"

# CSV and JSON-lines sinks: quoting and escaping, nested tuples, a byte
# that is not UTF-8, infinities (null in JSON).
printf 'a,b\n"q"\n\tx\\y\n\342\202\254\377\n\n' > "$IN/sinks.txt"
for fmt in csv jsonl; do
    printf 'pipeline sinks\nsource lines = text(input)\nmap row = (lines, len(lines), (len(lines) > 3, 1.0 / 0.0), 0.1)\nsink out = %s(output)\n' "$fmt" > "$TMP/sinks_$fmt.fpipe"
done
printf '_0,_1,_2_0,_2_1,_3\n"a,b",3,false,inf,0.1\n"""q""",3,false,inf,0.1\n\tx\\y,4,true,inf,0.1\n\342\202\254\377,4,true,inf,0.1\n"",0,false,inf,0.1\n' > "$TMP/ref.csv"
printf '["a,b",3,[false,null],0.1]\n["\\"q\\"",3,[false,null],0.1]\n["\\tx\\\\y",4,[true,null],0.1]\n["\342\202\254\\u00ff",4,[true,null],0.1]\n["",0,[false,null],0.1]\n' > "$TMP/ref.jsonl"
for fmt in csv jsonl; do
    if "$FPIPEC" build "$TMP/sinks_$fmt.fpipe" -o "$TMP/bin/sinks_$fmt" > "$TMP/out" 2>&1 &&
        "$TMP/bin/sinks_$fmt" -o "$TMP/o.$fmt" "$IN/sinks.txt" >> "$TMP/out" 2>&1; then
        same "e2e: $fmt sink quoting and escaping" "$TMP/ref.$fmt" "$TMP/o.$fmt"
    else bad "e2e: $fmt sink" "$TMP/out"; fi
done

# Records: declarations, construction, nested field access, and the three
# sinks (TSV/CSV flatten fields, JSON lines writes objects).  The operator
# named `w` must not capture the generated code's worker.
for fmt in tsv jsonl; do
    cat > "$TMP/rec_$fmt.fpipe" <<EOF
pipeline rec
type Word = { text: str, size: i64 }
type Tagged = { word: Word, long: bool }
source lines = text(input)
flatmap words = split_ws(lines)
map w : Word = Word { size: len(words), text: words }
map t = Tagged { word: w, long: w.size > 3 }
filter keep = t.word.text != "the"
sink out = $fmt(output)
EOF
done
words_of examples/data/fields.txt | grep -v '^the$' |
    awk '{ printf "%s\t%d\t%s\n", $0, length($0), (length($0) > 3 ? "true" : "false") }' > "$TMP/ref.tsv"
awk -F '\t' '{ printf "{\"word\":{\"text\":\"%s\",\"size\":%d},\"long\":%s}\n", $1, $2, $3 }' "$TMP/ref.tsv" > "$TMP/ref.jsonl"
for fmt in tsv jsonl; do
    if "$FPIPEC" build "$TMP/rec_$fmt.fpipe" -o "$TMP/bin/rec_$fmt" > "$TMP/out" 2>&1; then
        run_modes "e2e: records ($fmt) modes" "$TMP/bin/rec_$fmt" examples/data/fields.txt &&
            same "e2e: records ($fmt) vs awk" "$TMP/ref.$fmt" "$TMP/out.1"
    else bad "e2e: build records ($fmt)" "$TMP/out"; fi
done

# weights: exact f64 sums, the same bits in every mode and at every
# partition size; n copies of 0.1 sum exactly to n * 0.1, which one IEEE
# multiplication in awk rounds once, as fp_fsum does.
run_modes "e2e: weights zipf modes (f64 bits)" "$TMP/bin/weights" "$IN/zipf.txt"
"$TMP/bin/weights" --threads 1 -o "$TMP/out" "$IN/high_bytes.txt" "$IN/backslash.txt"
words_of "$IN/high_bytes.txt" "$IN/backslash.txt" | sort | awk "$awk_esc"'
    function shortest(v,  p, s) { for (p = 15; p <= 17; p++) { s = sprintf("%." p "g", v); if (s + 0 == v) return s } return s }
    { if ($0 != prev && NR > 1) { print esc(prev) "\t" shortest(n * 0.1); n = 0 } n++; prev = $0 }
    END { if (NR) print esc(prev) "\t" shortest(n * 0.1) }' > "$TMP/ref"
same "e2e: weights vs awk (exact f64 sums: n * 0.1)" "$TMP/ref" "$TMP/out"

# ---------------------------------------------------------------------------
# Access logs: examples/logs.fpipe (extract, parse_time, hour, format,
# on_error drop) against tests/ref/logs.sh (grep -E, sed, sort, uniq: no
# fpipe, the timestamp spelled out byte by byte), byte for byte, and its
# drop count against the reference's count of the lines it does not match.
# same_logs NAME FILE...: rows and drop count of logs on FILE... vs the reference.
same_logs() {
    local name=$1 want; shift
    run_modes "logs: $name modes" "$TMP/bin/logs" "$@" || return
    bash tests/ref/logs.sh "$@" > "$TMP/ref"
    same "logs: $name vs grep/sed" "$TMP/ref" "$TMP/out.1"
    want=$(bash tests/ref/logs.sh --dropped "$@")
    "$TMP/bin/logs" -o /dev/null "$@" 2> "$TMP/err"
    if [ "$want" = 0 ]; then
        if [ ! -s "$TMP/err" ]; then ok "logs: $name drops nothing"; else bad "logs: $name drops nothing" "$TMP/err"; fi
    elif grep -q "^logs: operator 'entry' (examples/logs.fpipe:[0-9]*:1) dropped $want elements (on_error drop)\$" "$TMP/err"
    then ok "logs: $name drop count ($want)"
    else bad "logs: $name drop count (want $want)" "$TMP/err"; fi
}
same_logs "examples/data/access.log" examples/data/access.log
awk -v lines=20000 -v seed=5 -f tests/ref/gen_logs.awk > "$IN/access.log"
[ -n "$(tail -c 1 "$IN/access.log")" ] || bad "logs: the generated log should end without a newline"
same_logs "generated log with malformed lines" "$IN/access.log"
same_logs "several files, empty ones among them" examples/data/access.log "$IN/empty.txt" "$IN/newlines.txt" "$IN/access.log"
# Without on_error drop, the first malformed line stops the run (exit 4)
# and says what was wrong with it: extract found no well-formed line, or
# parse_time no real time.
sed 's/^    on_error drop$//' examples/logs.fpipe > "$TMP/logs_ff.fpipe"
if "$FPIPEC" build "$TMP/logs_ff.fpipe" -o "$TMP/bin/logs_ff" > "$TMP/out" 2>&1; then
    good='203.0.113.7 - - [21/Nov/2026:13:05:42 +0000] "GET / HTTP/1.1" 200 5123'
    while IFS='|' read -r line msg; do
        printf '%s\n%s\n%s\n' "$good" "$line" "$good" > "$IN/one_bad.log"
        "$TMP/bin/logs_ff" -o "$TMP/none.out" "$IN/one_bad.log" 2> "$TMP/err"; rc=$?
        if [ $rc -eq 4 ] && grep -qF "failed: $msg" "$TMP/err" && grep -q "one_bad.log:2\$" "$TMP/err" &&
            [ ! -e "$TMP/none.out" ]; then ok "logs: fail_fast says '$msg'"
        else bad "logs: fail_fast on '$line' (rc $rc, want '$msg')" "$TMP/err"; fi
    done <<'EOF'
garbage|extract: no match
203.0.113.7 - - [21/Nov/2026:13:05:42 +0000] "GET / "HTTP/1.1" 200 5|extract: no match
203.0.113.7 - - [21/Nov/2026:13:05:42 +0000] "GET / HTTP/1.1" 200|extract: no match
203.0.113.7 - - [21/Nov/2026:13:05:42 +0000] "GET / HTTP/1.1" 600 5|extract: no match
203.0.113.7 - - [21/Nov/2026:13:05:42 +0000] "GET / HTTP/1.1" 200 +5|extract: no match
203.0.113.7 - - [21/Nov/2026:24:05:42 +0000] "GET / HTTP/1.1" 200 5|parse_time: hour 24 is allowed only as 24:00:00
203.0.113.7 - - [30/Feb/2026:13:05:42 +0000] "GET / HTTP/1.1" 200 5|parse_time: day out of range for its month
203.0.113.7 - - [21/Nov/2026:13:05:42 0000] "GET / HTTP/1.1" 200 5|parse_time:
EOF
else bad "logs: build without on_error drop" "$TMP/out"; fi

# ---------------------------------------------------------------------------
# Orders: examples/orders.fpipe (a parameter, nested JSON records and lists,
# optional members, parse_time) against tests/ref/orders.py (Python's json
# and datetime), byte for byte, with the default and with --param since.
python3 tests/ref/gen_orders.py 20000 3 > "$IN/orders.jsonl"
for since in default 2026-06-01 2026-03-15T12:00:00Z; do
    if [ $since = default ]; then args=(); want=2026-01-01; else args=(--param "since=$since"); want=$since; fi
    run_modes "orders: since $since modes" "$TMP/bin/orders" "${args[@]}" "$IN/orders.jsonl" || continue
    python3 tests/ref/orders.py "$want" "$IN/orders.jsonl" > "$TMP/ref"
    same "orders: since $since vs Python" "$TMP/ref" "$TMP/out.1"
done
"$TMP/bin/orders" --param since=yesterday -o /dev/null "$IN/orders.jsonl" 2> "$TMP/err"; rc=$?
if [ $rc -eq 4 ] && grep -q "parse_time" "$TMP/err"; then ok "orders: a since that is not a time fails the run (exit 4)"
else bad "orders: --param since=yesterday (rc $rc)" "$TMP/err"; fi

# ---------------------------------------------------------------------------
# Record sources: CSV (RFC 4180, header onto a record) and JSON lines.

# sql_groupby CSV: the group-by of examples/groupby.fpipe, by sqlite3, as
# city<TAB>count<TAB>sum<TAB>avg<TAB>max.
sql_groupby() {
    sqlite3 -batch :memory: \
        "CREATE TABLE sales(id INTEGER, city TEXT, product TEXT, qty INTEGER, price REAL);" \
        ".mode csv" ".import --skip 1 $1 sales" ".mode tabs" \
        "SELECT city, count(*), sum(qty), avg(qty), max(qty) FROM sales GROUP BY city ORDER BY city;"
}
# same_groupby NAME REF OUT: equal rows, the mean within 1e-12 relative
# (sqlite3 prints 15 digits; fpipe the shortest exact text).
same_groupby() {
    if awk -F '\t' 'NR == FNR { r[FNR] = $0; n = FNR; next }
        { split(r[FNR], a, "\t"); d = a[4] - $4; if (d < 0) d = -d; m = $4 < 0 ? -$4 : $4
          if (a[1] != $1 || a[2] != $2 || a[3] != $3 || a[5] != $5 || d > 1e-12 * m) { print "row " FNR ": " r[FNR] " vs " $0; bad = 1 } }
        END { if (FNR != n) { print "rows: " n " vs " FNR; bad = 1 } exit bad }' "$2" "$3" > "$TMP/diff" 2>&1 &&
        [ -s "$2" ]; then ok "$1"; else bad "$1" "$TMP/diff"; fi
}
awk -v rows=30000 -v seed=11 -f tests/ref/gen_sales.awk > "$IN/sales.csv"
run_modes "sources: groupby generated CSV modes" "$TMP/bin/groupby" "$IN/sales.csv" && {
    sql_groupby "$IN/sales.csv" > "$TMP/ref"
    same_groupby "sources: groupby generated CSV vs sqlite3" "$TMP/ref" "$TMP/out.1"
}
"$TMP/bin/groupby" -o "$TMP/out" examples/data/sales.csv 2> "$TMP/run.err" || bad "sources: groupby bundled data" "$TMP/run.err"
sql_groupby examples/data/sales.csv > "$TMP/ref"
same_groupby "sources: groupby examples/data/sales.csv vs sqlite3" "$TMP/ref" "$TMP/out"

# Every quoting form, by hand: the expected rows are written out below.
printf '\xef\xbb\xbfextra,b,"a"\r\nx,1,plain\r\n\ny,2,"with, comma"\nz,3,"say ""hi"""\nw,4,"two\nlines"\n\r\nv,5,""\nu,6,\nt,7, spaced \n' > "$IN/quoting.csv"
printf 'a,b\nlast,8\n' > "$IN/quoting2.csv"   # a second file, other column order
cat > "$TMP/csvq.fpipe" <<'EOF'
pipeline csvq
type Row = { a: str, b: i64 }
source rows : Row = csv(input)
map out_row = (rows.b, rows.a)
sink out = jsonl(output)
EOF
printf '[1,"plain"]\n[2,"with, comma"]\n[3,"say \\"hi\\""]\n[4,"two\\nlines"]\n[5,""]\n[6,""]\n[7," spaced "]\n[8,"last"]\n' > "$TMP/ref"
if "$FPIPEC" build "$TMP/csvq.fpipe" -o "$TMP/bin/csvq" > "$TMP/out" 2>&1; then
    run_modes "sources: CSV quoting modes" "$TMP/bin/csvq" "$IN/quoting.csv" "$IN/quoting2.csv" &&
        same "sources: CSV quoting, BOM, CRLF, empty lines, column order" "$TMP/ref" "$TMP/out.1"
else bad "sources: build csvq" "$TMP/out"; fi

# Malformed records: each is one element error, with its line; drop counts
# them all, fail_fast names the first (line 4: the record before it spans
# two lines).
printf 'a,b\n"multi\nline",1\nok,x\nok,2,3\nstray"quote,4\nfine,5\n"open,6\n' > "$IN/bad.csv"
"$TMP/bin/csvq" -o "$TMP/none.out" "$IN/bad.csv" > /dev/null 2> "$TMP/err"; rc=$?
if [ $rc -eq 4 ] && grep -q "failed: column 'b': not an integer" "$TMP/err" &&
   grep -q "input: $IN/bad.csv:4$" "$TMP/err" && [ ! -e "$TMP/none.out" ]; then
    ok "sources: CSV fail_fast names the column and the line"
else bad "sources: CSV fail_fast names the column and the line (rc $rc)" "$TMP/err"; fi
sed 's/= csv(input)$/= csv(input) on_error drop/' "$TMP/csvq.fpipe" > "$TMP/csvd.fpipe"
if "$FPIPEC" build "$TMP/csvd.fpipe" -o "$TMP/bin/csvd" > "$TMP/out" 2>&1; then
    run_modes "sources: CSV malformed records dropped modes" "$TMP/bin/csvd" "$IN/bad.csv" &&
        { printf '[1,"multi\\nline"]\n' > "$TMP/ref"; same "sources: CSV malformed records dropped" "$TMP/ref" "$TMP/out.1"; }
    "$TMP/bin/csvd" -o /dev/null "$IN/bad.csv" 2> "$TMP/err"
    # ok,x (not an integer) ok,2,3 (3 fields) stray"quote,... (runs to the end: one record)
    grep -q "operator 'rows' (.*csvd.fpipe:3:1) dropped 3 elements" "$TMP/err" &&
        ok "sources: CSV drop count" || bad "sources: CSV drop count" "$TMP/err"
else bad "sources: build csvd" "$TMP/out"; fi

# Header problems stop the run before anything is written (exit 3).
printf 'a,c\n1,2\n' > "$IN/nohdr.csv"
"$TMP/bin/csvq" -o "$TMP/none.out" "$IN/nohdr.csv" 2> "$TMP/err"; rc=$?
if [ $rc -eq 3 ] && grep -q "input '$IN/nohdr.csv':1: the header has no column 'b' (it has: 'a', 'c')" "$TMP/err" && [ ! -e "$TMP/none.out" ]
then ok "sources: CSV header without a column"; else bad "sources: CSV header without a column (rc $rc)" "$TMP/err"; fi
"$TMP/bin/csvq" -o "$TMP/out" "$IN/empty.txt" 2> "$TMP/err"; rc=$?
[ $rc -eq 3 ] && grep -q "the file is empty" "$TMP/err" && ok "sources: CSV empty file" ||
    bad "sources: CSV empty file (rc $rc)" "$TMP/err"

# JSON lines: members by name, in any order, extra ones ignored; every
# kind of bad line is one dropped element.
cat > "$TMP/js.fpipe" <<'EOF'
pipeline js
type Doc = { id: str, n: i64, w: f64, ok: bool }
source docs : Doc = jsonl(input) on_error drop
filter good = docs.ok
map row = (good.id, good.n, good.w)
sink out = tsv(output)
EOF
printf '%s\n' '{"id":"a","n":1,"w":1.5,"ok":true}' '{"ok":true,"w":2,"n":-2,"id":"tab\there","x":[1,{}]}' '' \
    '{"id":"c","n":1.5,"w":1,"ok":true}' '[1]' '{"id":"d"}' '{bad' '{"id":"e","n":5,"w":1e3,"ok":false}' \
    '{"id":"\u00e9\u0000","n":9223372036854775807,"w":0.1,"ok":true}' '{"id":"x","id":"y","n":1,"w":1,"ok":true}' \
    '{"id":null,"n":1,"w":1,"ok":true}' '"just a string"' > "$IN/docs.jsonl"
printf 'a\t1\t1.5\ntab\\there\t-2\t2\n\xc3\xa9\x00\t9223372036854775807\t0.1\n' > "$TMP/ref"
if "$FPIPEC" build "$TMP/js.fpipe" -o "$TMP/bin/js" > "$TMP/out" 2>&1; then
    run_modes "sources: JSON lines modes" "$TMP/bin/js" "$IN/docs.jsonl" &&
        same "sources: JSON lines members, types, escapes" "$TMP/ref" "$TMP/out.1"
    "$TMP/bin/js" -o /dev/null "$IN/docs.jsonl" 2> "$TMP/err"
    grep -q "operator 'docs' (.*js.fpipe:3:1) dropped 7 elements" "$TMP/err" &&
        ok "sources: JSON lines drop count" || bad "sources: JSON lines drop count" "$TMP/err"
    sed 's/ on_error drop//' "$TMP/js.fpipe" > "$TMP/jf.fpipe"
    "$FPIPEC" build "$TMP/jf.fpipe" -o "$TMP/bin/jf" > /dev/null 2>&1
    "$TMP/bin/jf" -o /dev/null "$IN/docs.jsonl" 2> "$TMP/err"; rc=$?
    [ $rc -eq 4 ] && grep -q "member \"n\" is a non-integer number, not an integer" "$TMP/err" &&
        grep -q "docs.jsonl:4$" "$TMP/err" && ok "sources: JSON lines fail_fast" ||
        bad "sources: JSON lines fail_fast (rc $rc)" "$TMP/err"
else bad "sources: build js" "$TMP/out"; fi

# ---------------------------------------------------------------------------
# The rest of the language: extern C functions, batch_map, top, topk,
# declared monoids, lists.

# rag_ingest and rag_chunks against tests/ref/rag.py (the same cleaning,
# chunking and feature hashing, in Python), on the bundled documents and on
# a generated set (long words, empty documents, bad lines, many batches).
python3 - "$IN/docs.jsonl" <<'PYEOF'
import json, random, sys
r = random.Random(3)
ws = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        n = r.choice([0, 1, 3, 30, 80, 300])
        body = " ".join(r.choice(ws) if r.random() > 0.01 else "W" * r.randint(150, 700) for _ in range(n))
        d = {"id": "d%05d" % i, "title": r.choice(["", "Title %d" % i, "  A  B  "]), "body": body}
        if i % 97 == 5: f.write('{"id": "bad", "title": 1, "body": "x"}\n'); continue
        if i % 89 == 7: f.write('{ cut short\n'); continue
        f.write(json.dumps(d) + "\n")
PYEOF
for f in examples/data/docs.jsonl "$IN/docs.jsonl"; do
    n=$(basename "$f")
    python3 tests/ref/rag.py "$f" > "$TMP/ref.rag"
    run_modes "lang: rag_ingest $n modes" "$TMP/bin/rag_ingest" "$f" &&
        same "lang: rag_ingest $n vs tests/ref/rag.py" "$TMP/ref.rag" "$TMP/out.1"
    python3 tests/ref/rag.py --counts "$f" > "$TMP/ref.cnt"
    run_modes "lang: rag_chunks $n modes" "$TMP/bin/rag_chunks" "$f" &&
        same "lang: rag_chunks $n vs tests/ref/rag.py --counts" "$TMP/ref.cnt" "$TMP/out.1"
    read -r bl bd < <(python3 tests/ref/rag.py --dropped "$f")
    "$TMP/bin/rag_ingest" -o /dev/null "$f" 2> "$TMP/err"
    if { [ "$bl" = 0 ] || grep -q "operator 'docs' (examples/rag_ingest.fpipe:[0-9]*:1) dropped $bl element" "$TMP/err"; } &&
       { [ "$bd" = 0 ] || grep -q "operator 'clean' (examples/rag_ingest.fpipe:[0-9]*:1) dropped $bd element" "$TMP/err"; }; then
        ok "lang: rag_ingest $n counts what it drops ($bl lines, $bd documents)"
    else bad "lang: rag_ingest $n drop counts (want $bl, $bd)" "$TMP/err"; fi
done

# topwords against coreutils: count, then sort by count desc and word asc.
ref_top() { ref_wordcount "$@" | sort -t "$(printf '\t')" -k2,2nr -k1,1 | head -20; }
for c in zipf mixed_ws high_bytes empty; do
    run_modes "lang: topwords $c modes" "$TMP/bin/topwords" "$IN/$c.txt" &&
        { ref_top "$IN/$c.txt" > "$TMP/ref"; same "lang: topwords $c vs coreutils" "$TMP/ref" "$TMP/out.1"; }
done
# Ties at the cut: 30 words of one count, the 20 first in byte order.
awk 'BEGIN { for (i = 0; i < 30; i++) printf "w%02d w%02d\n", 29 - i, 29 - i; print "solo" }' > "$IN/ties.txt"
run_modes "lang: topwords ties modes" "$TMP/bin/topwords" "$IN/ties.txt" &&
    { ref_top "$IN/ties.txt" > "$TMP/ref"; same "lang: topwords breaks ties by word" "$TMP/ref" "$TMP/out.1"; }

# topk and a declared, non-commutative monoid, per key, against awk.
cat > "$TMP/mon.fpipe" <<'EOF'
pipeline mon
monoid first_longest : (i64, i64) {
    empty = (0, -1)
    combine(a, b) = if b.0 > a.0 then b else a
    associative
}
source lines : str = text(input)
flatmap words = split_ws(lines)
map kv = (len(words) % 7, (len(words), hash(words) % 1000000))
combine_per_key per_len = (count, first_longest)
sink out = tsv(output)
EOF
cat > "$TMP/topk.fpipe" <<'EOF'
pipeline tk
source lines : str = text(input)
flatmap words = split_ws(lines)
map kv = (substr(words, 0, 1), len(words))
combine_per_key best = (count, topk(3))
sink out = jsonl(output)
EOF
if "$FPIPEC" build "$TMP/mon.fpipe" -o "$TMP/bin/mon" > "$TMP/out" 2>&1; then
    run_modes "lang: declared monoid modes" "$TMP/bin/mon" "$IN/zipf.txt" &&
    words_of "$IN/zipf.txt" | awk '{ k = length($0) % 7; c[k]++; if (length($0) > best[k]) { best[k] = length($0); w[k] = $0 } }
        END { for (k in c) print k "\t" c[k] "\t" best[k] "\t" w[k] }' | sort -n > "$TMP/ref.mon"
    # Key, count and the longest length; which of equal-length words wins
    # (input order) is the next test's.
    cut -f1-3 "$TMP/ref.mon" > "$TMP/ref"; cut -f1-3 "$TMP/out.1" > "$TMP/got"
    same "lang: declared monoid with count per key vs awk (count, longest length)" "$TMP/ref" "$TMP/got"
else bad "lang: build a declared monoid" "$TMP/out"; fi
# Non-commutative: the first of equal lengths must win, whatever the threads.
printf 'bb aa\ncc dd\n' > "$IN/order.txt"
cat > "$TMP/first.fpipe" <<'EOF'
pipeline first
monoid first : (i64, i64) {
    empty = (0, 0)
    combine(a, b) = if a.0 == 0 then b else a
    associative
}
source lines : str = text(input)
flatmap words = split_ws(lines)
map kv = (len(words), (1, hash(words)))
combine_per_key f = first
map row = (f.0, f.1.1)
sink out = tsv(output)
EOF
if "$FPIPEC" build "$TMP/first.fpipe" -o "$TMP/bin/first" > "$TMP/out" 2>&1 &&
   "$FPIPEC" explain "$TMP/first.fpipe" | grep -q "not declared commutative: one table per partition"; then
    run_modes "lang: non-commutative monoid modes" "$TMP/bin/first" "$IN/order.txt" &&
    printf 'pipeline h\nsource l : str = text(input)\nmap h = hash(l)\nsink out = tsv(output)\n' > "$TMP/h.fpipe" &&
    "$FPIPEC" build "$TMP/h.fpipe" -o "$TMP/bin/h" > /dev/null 2>&1 &&
    printf '2\t%s\n' "$(echo bb | "$TMP/bin/h" -)" > "$TMP/ref" &&
    same "lang: non-commutative monoid keeps input order across partitions" "$TMP/ref" "$TMP/out.1"
else bad "lang: non-commutative monoid is merged in partition order" "$TMP/out"; fi
if "$FPIPEC" build "$TMP/topk.fpipe" -o "$TMP/bin/topk" > "$TMP/out" 2>&1; then
    run_modes "lang: topk modes" "$TMP/bin/topk" "$IN/zipf.txt"
    python3 -c '
import sys, re, json
g = {}
for w in re.split(rb"[ \t\n\v\f\r]+", open(sys.argv[1], "rb").read()):
    if w:
        g.setdefault(w[:1], []).append(len(w))
for k in sorted(g):
    v = sorted(g[k], reverse=True)[:3]
    # the sink writes a byte that is not UTF-8 as \u00XX: its Latin-1 letter
    print("[%s,[%d,[%s]]]" % (json.dumps(k.decode("latin-1")), len(g[k]), ",".join(map(str, v))))
' "$IN/zipf.txt" > "$TMP/ref" || bad "lang: topk(3) reference failed"
    same "lang: topk(3) per key vs Python" "$TMP/ref" "$TMP/out.1"
else bad "lang: build topk" "$TMP/out"; fi

# A batch function's errors: one element (fp_error_item), the whole batch
# (fp_error), the wrong number of results.
mkdir -p "$TMP/bx"
cat > "$TMP/bx/b.c" <<'EOF'
#include "b.fpipe.h"
list_i64 sq(fp_ctx *cx, list_i64 xs)
{
    list_i64 r = {fp_alloc(cx, (size_t)xs.n * sizeof *r.items), xs.n};
    for (int64_t i = 0; i < xs.n; i++) {
        if (xs.items[i] == 13)
            fp_error_item(cx, i, "13 is unlucky");
        if (xs.items[i] == 666)
            fp_error(cx, "the whole batch fails");
        if (xs.items[i] == 777)
            r.n = i;
        r.items[i] = xs.items[i] * xs.items[i];
    }
    return r;
}
EOF
cat > "$TMP/bx/b.fpipe" <<'EOF'
pipeline b
link "b.c"
extern sq(xs: [i64]) -> [i64] pure fallible
source lines : str = text(input)
map n = parse_i64(lines)
batch_map s = sq(n) max_batch 4 on_error drop
sink out = tsv(output)
EOF
seq 1 20 > "$IN/b1.txt"; printf '1\n2\n3\n4\n5\n666\n7\n8\n9\n' > "$IN/b2.txt"; printf '1\n2\n777\n4\n5\n' > "$IN/b3.txt"
if "$FPIPEC" build "$TMP/bx/b.fpipe" -o "$TMP/bin/b" > "$TMP/out" 2>&1; then
    "$TMP/bin/b" "$IN/b1.txt" > "$TMP/out" 2> "$TMP/err"
    seq 1 20 | awk '$1 != 13 { print $1 * $1 }' > "$TMP/ref"
    same "lang: batch_map drops the one element fp_error_item fails" "$TMP/ref" "$TMP/out"
    grep -q "operator 's' (.*b.fpipe:6:1) dropped 1 element " "$TMP/err" && ok "lang: batch_map counts it" ||
        bad "lang: batch_map counts it" "$TMP/err"
    "$TMP/bin/b" "$IN/b2.txt" > "$TMP/out" 2> "$TMP/err"
    printf '1\n4\n9\n16\n81\n' > "$TMP/ref"
    same "lang: fp_error fails the whole batch (4 dropped)" "$TMP/ref" "$TMP/out"
    "$TMP/bin/b" "$IN/b3.txt" > "$TMP/out" 2> "$TMP/err"
    printf '25\n' > "$TMP/ref"
    same "lang: a wrong result count fails the batch" "$TMP/ref" "$TMP/out"
    sed 's/ on_error drop//' "$TMP/bx/b.fpipe" > "$TMP/bx/bf.fpipe"
    cp "$TMP/bx/b.c" "$TMP/bx/bf.c"; sed -i 's/b.fpipe.h/bf.fpipe.h/; s/"b.c"/"bf.c"/' "$TMP/bx/bf.c" "$TMP/bx/bf.fpipe"
    "$FPIPEC" build "$TMP/bx/bf.fpipe" -o "$TMP/bin/bf" > "$TMP/out" 2>&1
    "$TMP/bin/bf" -o "$TMP/none.out" "$IN/b3.txt" 2> "$TMP/err"; rc=$?
    if [ $rc -eq 4 ] && grep -q "failed: the batch function returned 2 results for a batch of 4" "$TMP/err" &&
       grep -q "input: $IN/b3.txt:1$" "$TMP/err" && [ ! -e "$TMP/none.out" ]; then
        ok "lang: batch_map fail_fast names the first element, no output"
    else bad "lang: batch_map fail_fast (rc $rc)" "$TMP/err"; fi
else bad "lang: build batch test" "$TMP/out"; fi

# retry N: a C function's transient errors (fp_error_transient) call it
# again; fp_attempt says which call it is, so the failures do not depend
# on threads or partitions.  A permanent fp_error is never retried.
cat > "$TMP/bx/r.c" <<'EOF'
#include "r.fpipe.h"
/* x fails transiently on its first x % 4 calls; x % 10 == 7 fails for good. */
int64_t flaky(fp_ctx *cx, int64_t x)
{
    if (x % 10 == 7) {
        fp_error(cx, "%lld fails for good", (long long)x);
        return 0;
    }
    if (fp_attempt(cx) < x % 4) {
        fp_error_transient(cx, "%lld timed out (attempt %d)", (long long)x, fp_attempt(cx));
        return 0;
    }
    return x * 10;
}
/* Every batch call fails transiently twice. */
list_i64 flakyb(fp_ctx *cx, list_i64 xs)
{
    list_i64 r = {fp_alloc(cx, (size_t)xs.n * sizeof *r.items), xs.n};
    if (fp_attempt(cx) < 2) {
        fp_error_transient(cx, "the service is busy (attempt %d)", fp_attempt(cx));
        return r;
    }
    for (int64_t i = 0; i < xs.n; i++)
        r.items[i] = xs.items[i] + 1;
    return r;
}
EOF
cat > "$TMP/bx/r.fpipe" <<'EOF'
pipeline r
link "r.c"
extern flaky(x: i64) -> i64 pure fallible
extern flakyb(xs: [i64]) -> [i64] pure fallible
source lines : str = text(input)
map n = parse_i64(lines)
map m = flaky(n) retry 3 on_error drop
batch_map b = flakyb(m) max_batch 4 retry 2 on_error drop
sink out = tsv(output)
EOF
# rv NAME SEDEXPR: r.fpipe changed by SEDEXPR, built as $TMP/bin/NAME.
rv() {
    mkdir -p "$TMP/bx/$1"
    sed "$2" "$TMP/bx/r.fpipe" > "$TMP/bx/$1/r.fpipe"
    cp "$TMP/bx/r.c" "$TMP/bx/$1/r.c"
    "$FPIPEC" build "$TMP/bx/$1/r.fpipe" -o "$TMP/bin/$1" > "$TMP/out" 2>&1 ||
        { bad "lang: retry: build $1" "$TMP/out"; return 1; }
}
seq 1 20 > "$IN/r1.txt"
if rv r3 ''; then
    run_modes "lang: retry 3 (map) and retry 2 (batch_map)" "$TMP/bin/r3" "$IN/r1.txt" &&
        { seq 1 20 | awk '$1 % 10 != 7 { print $1 * 10 + 1 }' > "$TMP/ref"
          same "lang: retry 3 recovers every transient error" "$TMP/ref" "$TMP/out.1"; }
    "$TMP/bin/r3" -o /dev/null "$IN/r1.txt" 2> "$TMP/err"
    # 26 = the sum of x % 4 without 7 and 17 (permanent: never retried);
    # 10 = 5 batches of the 18 left, each called again twice.
    grep -q "operator 'm' (.*r.fpipe:7:1) retried 26 times (retry)$" "$TMP/err" &&
        grep -q "operator 'm' (.*r.fpipe:7:1) dropped 2 elements (on_error drop)$" "$TMP/err" &&
        grep -q "operator 'b' (.*r.fpipe:8:1) retried 10 times (retry)$" "$TMP/err" &&
        ! grep -q "operator 'b'.*dropped" "$TMP/err" &&
        ok "lang: retries are counted on stderr; a permanent fp_error is not retried" ||
        bad "lang: retry counts" "$TMP/err"
    "$TMP/bin/r3" --stats -o /dev/null "$IN/r1.txt" 2> "$TMP/err"
    grep -Eq "^  m +map +20 +18 +0 +2 +0 +[0-9.]+ s  retried 26 times$" "$TMP/err" &&
        grep -Eq "^  b +batch_map +18 +18 +0 +0 +0 +[0-9.]+ s  retried 10 times$" "$TMP/err" &&
        ok "lang: --stats notes the retries per operator" || bad "lang: --stats retries" "$TMP/err"
    "$TMP/bin/r3" --stats=json -o /dev/null "$IN/r1.txt" 2> "$TMP/err"
    python3 -c 'import json, sys
st = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit([o["retried"] for o in st["operators"]] != [0, 0, 26, 10, 0])' "$TMP/err" &&
        ok "lang: --stats=json counts the retries" || bad "lang: --stats=json retries" "$TMP/err"
    printf '7\n17\n' > "$IN/r2.txt"
    "$TMP/bin/r3" -o "$TMP/out" "$IN/r2.txt" 2> "$TMP/err"
    [ ! -s "$TMP/out" ] && ! grep -q retried "$TMP/err" && grep -q "dropped 2 elements" "$TMP/err" &&
        ok "lang: retry: fp_error alone is dropped without a retry" || bad "lang: retry: fp_error alone" "$TMP/err"
fi
if rv r1 's/retry 3/retry 1/'; then
    run_modes "lang: retry 1" "$TMP/bin/r1" "$IN/r1.txt" &&
        { seq 1 20 | awk '$1 % 10 != 7 && $1 % 4 < 2 { print $1 * 10 + 1 }' > "$TMP/ref"
          same "lang: retry 1: what still fails is dropped by on_error" "$TMP/ref" "$TMP/out.1"; }
fi
if rv rb1 's/retry 2 on_error/retry 1 on_error/'; then
    run_modes "lang: retry 1 on a batch_map" "$TMP/bin/rb1" "$IN/r1.txt" &&
        { [ ! -s "$TMP/out.1" ] && ok "lang: retry 1 on a batch_map: every batch is dropped" ||
              bad "lang: retry 1 on a batch_map: every batch is dropped" "$TMP/out.1"; }
fi
if rv rf 's/retry 3 on_error drop/retry 1/'; then
    "$TMP/bin/rf" -o "$TMP/none.out" "$IN/r1.txt" 2> "$TMP/err"; rc=$?
    [ $rc -eq 4 ] && grep -q "failed: 2 timed out (attempt 1)" "$TMP/err" && [ ! -e "$TMP/none.out" ] &&
        ok "lang: retry 1 then fail_fast: the last attempt's error, exit 4" ||
        bad "lang: retry then fail_fast (rc $rc)" "$TMP/err"
fi

# retry in every form of statement (filter, tuple map, list and split
# flatmaps, a list-valued C function): the same elements come out, every
# retry counted, and the generated C is warning-free with gcc and clang.
mkdir -p "$TMP/bx/rall"
cat > "$TMP/bx/rall/f.c" <<'EOF'
#include "f.fpipe.h"
int64_t flaky(fp_ctx *cx, int64_t x)
{
    if (fp_attempt(cx) < x % 3) {
        fp_error_transient(cx, "%lld timed out", (long long)x);
        return 0;
    }
    return x;
}
fp_str word(fp_ctx *cx, int64_t x)
{
    if (fp_attempt(cx) < x % 2) {
        fp_error_transient(cx, "busy");
        return fp_str_copy(cx, "", 0);
    }
    return fp_str_copy(cx, "a,b", 3);
}
list_i64 many(fp_ctx *cx, int64_t x)
{
    list_i64 r = {fp_alloc(cx, 2 * sizeof *r.items), 2};
    if (fp_attempt(cx) < x % 2) {
        fp_error_transient(cx, "busy");
        return r;
    }
    r.items[0] = x;
    r.items[1] = -x;
    return r;
}
EOF
cat > "$TMP/bx/rall/f.fpipe" <<'EOF'
pipeline f
link "f.c"
extern flaky(x: i64) -> i64 pure fallible
extern word(x: i64) -> str pure fallible
extern many(x: i64) -> [i64] pure fallible
source lines : str = text(input)
map n = parse_i64(lines)
filter keep = flaky(n) >= 0 retry 2
map t = (keep, flaky(keep)) retry 2
flatmap l = [t.0, flaky(t.1)] retry 2
flatmap s = split(word(l), ",") retry 1
map k = len(s)
flatmap z = many(k) retry 1
sink out = tsv(output)
EOF
if "$FPIPEC" build "$TMP/bx/rall/f.fpipe" -o "$TMP/bin/rall" > "$TMP/out" 2>&1; then
    run_modes "lang: retry in every statement form" "$TMP/bin/rall" "$IN/r1.txt" &&
        { for i in $(seq 1 80); do printf '1\n-1\n'; done > "$TMP/ref"
          same "lang: retry in every statement form: every element recovers" "$TMP/ref" "$TMP/out.1"; }
    "$TMP/bin/rall" -o /dev/null "$IN/r1.txt" 2> "$TMP/err"
    grep -q "operator 'keep' .* retried 21 times" "$TMP/err" && grep -q "operator 't' .* retried 21 times" "$TMP/err" &&
        grep -q "operator 'l' .* retried 21 times" "$TMP/err" && grep -q "operator 's' .* retried 20 times" "$TMP/err" &&
        grep -q "operator 'z' .* retried 80 times" "$TMP/err" && ! grep -q dropped "$TMP/err" &&
        ok "lang: retry in every statement form: counted per operator" || bad "lang: retry counts per form" "$TMP/err"
    "$FPIPEC" emit-c "$TMP/bx/rall/f.fpipe" > "$TMP/rall.c" 2> "$TMP/out"
    for cc in gcc clang; do
        command -v $cc > /dev/null || continue
        $cc -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$TMP/rall.c" \
            -o "$TMP/rall.$cc.o" 2> "$TMP/cc.err" &&
            ok "lang: retry's generated C compiles warning-free with $cc" ||
            bad "lang: retry's generated C has $cc warnings" "$TMP/cc.err"
    done
else bad "lang: build retry in every statement form" "$TMP/out"; fi

# The header: `fpipec header` writes what build uses; a stale copy beside
# the C file is refused.
"$FPIPEC" header "$TMP/bx/b.fpipe" -o "$TMP/bx/b.fpipe.h" &&
    "$FPIPEC" build "$TMP/bx/b.fpipe" -o "$TMP/bin/b2" > "$TMP/out" 2>&1 &&
    ok "lang: fpipec header writes the header build uses" || bad "lang: fpipec header" "$TMP/out"
echo '/* old */' >> "$TMP/bx/b.fpipe.h"
"$FPIPEC" build "$TMP/bx/b.fpipe" -o "$TMP/bin/b2" > "$TMP/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "b.fpipe.h' is out of date" "$TMP/out" && ok "lang: a stale header beside the C file is refused" ||
    bad "lang: a stale header beside the C file is refused (rc $rc)" "$TMP/out"
rm -f "$TMP/bx/b.fpipe.h"
# A C definition that does not match its extern is the C compiler's error.
sed 's/list_i64 sq(fp_ctx \*cx, list_i64 xs)/list_i64 sq(fp_ctx *cx, int64_t xs)/' "$TMP/bx/b.c" > "$TMP/bx/b2.c"
sed 's/"b.c"/"b2.c"/' "$TMP/bx/b.fpipe" > "$TMP/bx/b2.fpipe"
sed -i 's/b.fpipe.h/b2.fpipe.h/' "$TMP/bx/b2.c"
"$FPIPEC" build "$TMP/bx/b2.fpipe" -o "$TMP/bin/b3" > "$TMP/out" 2>&1; rc=$?
[ $rc -eq 3 ] && grep -q "conflicting types for .sq." "$TMP/out" && ok "lang: the C compiler checks definitions against externs" ||
    bad "lang: the C compiler checks definitions against externs (rc $rc)" "$TMP/out"
sed 's/"b.c"/"missing.c"/' "$TMP/bx/b.fpipe" > "$TMP/bx/b4.fpipe"
"$FPIPEC" build "$TMP/bx/b4.fpipe" -o "$TMP/bin/b4" > "$TMP/out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "b4.fpipe:2:6: error: cannot find the linked file" "$TMP/out" && ok "lang: a missing linked file is located" ||
    bad "lang: a missing linked file is located (rc $rc)" "$TMP/out"

# ---------------------------------------------------------------------------
echo "# yaml"
# Every tests/yaml/*.yaml against its expected diagnostics (ok_* are valid:
# exit 0, warnings only; the others exit 1).
ny=0
for f in tests/yaml/*.yaml; do
    n=${f%.yaml}
    "$FPIPEC" check "$f" > "$TMP/out" 2> "$TMP/err"; rc=$?
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$TMP/err" "$n.err"; fi
    ny=$((ny + 1))
    want=1; case $(basename "$f") in ok_*) want=0 ;; esac
    if [ $rc -ne $want ]; then bad "yaml: $f: exit $rc, want $want" "$TMP/err"; continue; fi
    if cmp -s "$n.err" "$TMP/err"; then ok "yaml: $(basename "$f")"; else
        diff -u "$n.err" "$TMP/err" > "$TMP/diff" 2>&1; bad "yaml: $(basename "$f")" "$TMP/diff"; fi
done
[ $ny -ge 20 ] || bad "yaml: only $ny YAML cases (want at least 20)"
# Large and deep files (issue 19): YAML handling is linear.  20,000
# operators (1.2 MB; 1.5 s here, over 200 s when every node's place
# rescanned the file) end with one error, at its line; 100,000 '[' deep
# are refused at the 65th (0.1 s; libyaml alone took 115 s).  The timeout
# only catches a quadratic regression, it measures nothing.
awk 'BEGIN { print "pipeline: big\nsource: {name: lines, format: text}\noperators:"
             for (i = 0; i < 20000; i++) printf "  - type: Filter\n    name: f%d\n    expr: len(lines) > %d\n", i, i % 7
             print "  - type: Sink\n    name: out\n    func: tsv\n    contract: {idempotent: true}\n    typo: 1" }' > "$TMP/big.yaml"
timeout 60 "$FPIPEC" check "$TMP/big.yaml" > /dev/null 2> "$TMP/err"; rc=$?
[ $rc = 1 ] && [ "$(grep -c ': error: ' "$TMP/err")" = 1 ] &&
    grep -q "^$TMP/big.yaml:60008:5: error: unknown key 'typo' in an operator\$" "$TMP/err" &&
    ok "yaml: 20,000 operators: checked, the one error at its line" || bad "yaml: 20,000 operators (rc $rc)" "$TMP/err"
awk 'BEGIN { printf "pipeline: deep\nlink: "; for (i = 0; i < 100000; i++) printf "["; print "" }' > "$TMP/deep.yaml"
timeout 60 "$FPIPEC" check "$TMP/deep.yaml" > /dev/null 2> "$TMP/err"; rc=$?
[ $rc = 1 ] && grep -q "^$TMP/deep.yaml:2:70: error: YAML nested deeper than 64 lists and mappings\$" "$TMP/err" &&
    ok "yaml: 100,000 '[' deep: refused at depth 65, located" || bad "yaml: 100,000 '[' deep (rc $rc)" "$TMP/err"
# The seed's RAG config: the same program as rag_ingest.fpipe, the same bytes.
if "$FPIPEC" build examples/rag_ingest.yaml -o "$TMP/bin/rag_yaml" > "$TMP/out" 2>&1; then
    run_modes "yaml: rag_ingest.yaml modes" "$TMP/bin/rag_yaml" examples/data/docs.jsonl &&
        { python3 tests/ref/rag.py examples/data/docs.jsonl > "$TMP/ref"
          same "yaml: rag_ingest.yaml writes the bytes of rag_ingest.fpipe (vs tests/ref/rag.py)" "$TMP/ref" "$TMP/out.1"; }
else bad "yaml: build rag_ingest.yaml" "$TMP/out"; fi
"$FPIPEC" emit-c examples/rag_ingest.yaml | grep -v 'examples/rag_ingest\.' > "$TMP/c.yaml"
"$FPIPEC" emit-c examples/rag_ingest.fpipe | grep -v 'examples/rag_ingest\.' > "$TMP/c.fpipe"
# The generated C differs only in the lines naming the source file (and
# the .fpipe lines quoted in comments and sites): comment lines are left
# out (a .fpipe operator is quoted as written, a YAML one as fpipec reads it).
cnorm() { grep -Ev '^ *(/\*.*\*/|\*.*)$' "$1" | sed -E 's/[0-9]+, [0-9]+, [0-9]+\};/L};/; s/^( *\{"[a-z_]+", "[a-z_]+"), [0-9]+, [0-9]+,/\1, L, L,/; s/:[0-9]+\)/:L)/g; s/; line [0-9]+/; line L/g; s/:[0-9]+( |$)/:L\1/g; s/\.(yaml|fpipe)//g'; }
if diff <(cnorm "$TMP/c.yaml") <(cnorm "$TMP/c.fpipe") > "$TMP/diff"; then
    ok "yaml: rag_ingest.yaml and rag_ingest.fpipe generate the same C"
else bad "yaml: rag_ingest.yaml and rag_ingest.fpipe generate the same C" "$TMP/diff"; fi
# resources.workers is the program's default --threads.
"$FPIPEC" emit-c tests/yaml/ok_backend_dask.yaml 2> /dev/null | grep -q '\.default_threads = 2,' &&
    ok "yaml: resources.workers sets the default thread count" || bad "yaml: resources.workers"
"$FPIPEC" build tests/yaml/ok_wordcount.yaml -o "$TMP/bin/wc_yaml" > "$TMP/out" 2>&1 &&
    "$TMP/bin/wc_yaml" -o "$TMP/out" "$IN/zipf.txt" && { ref_wordcount "$IN/zipf.txt" > "$TMP/ref"; same "yaml: a word count in YAML vs coreutils" "$TMP/ref" "$TMP/out"; } ||
    bad "yaml: build and run ok_wordcount.yaml" "$TMP/out"
# Round trips: .fpipe -> YAML -> explain, and YAML -> .fpipe -> explain,
# give the IR and the plan of the original (lines and paths aside).
norm() { sed -E '1d; s/; line [0-9]+//; s/\((examples|tests|\/tmp)[^)]*:[0-9]+\)//g' "$1"; }
mkdir -p "$TMP/rt"
cp examples/rag.c "$TMP/rt/"
for f in examples/*.fpipe examples/rag_ingest.yaml tests/yaml/ok_wordcount.yaml tests/convert/*.fpipe; do
    n=$(basename "$f"); to=yaml; ext=yaml
    case $f in *.yaml) to=fpipe; ext=fpipe ;; esac
    if "$FPIPEC" convert "$f" --to $to -o "$TMP/rt/$n.$ext" 2> "$TMP/err" &&
       "$FPIPEC" explain "$f" > "$TMP/e1" 2> /dev/null &&
       "$FPIPEC" explain "$TMP/rt/$n.$ext" > "$TMP/e2" 2> "$TMP/err" &&
       diff <(norm "$TMP/e1") <(norm "$TMP/e2") > "$TMP/diff"; then
        ok "yaml: convert $n to $to and back gives the same IR and plan"
    else cat "$TMP/err" >> "$TMP/diff"; bad "yaml: convert $n to $to" "$TMP/diff"; fi
done

# Regressions from a review of the language features (each once a bug).
mkdir -p "$TMP/rv"
cat > "$TMP/rv/bs.c" <<'EOF'
#include "bs.fpipe.h"
list_i64 lens(fp_ctx *cx, list_str xs)
{
    list_i64 r = {fp_alloc(cx, (size_t)xs.n * sizeof *r.items), xs.n};
    for (int64_t k = 0; k < xs.n; k++) {
        r.items[k] = (int64_t)xs.items[k].n;
        if (xs.items[k].n == 7)
            fp_error_item(cx, k, "seven");
        if (xs.items[k].n == 9)
            fp_error_item(cx, k + 1000, "out of range");
    }
    return r;
}
int64_t twice(fp_ctx *cx, int64_t x)
{
    (void)cx;
    return 2 * x;
}
EOF
cat > "$TMP/rv/bs.fpipe" <<'EOF'
pipeline bs
link "bs.c"
extern lens(xs: [str]) -> [i64] pure fallible
extern twice(x: i64) -> i64 pure
source lines : str = text(input)
map m = if len(lines) == 3 then fail("three") else lines
batch_map b = lens(m) max_batch 10
map t = twice(b)
sink out = tsv(output)
EOF
printf 'xx\naaaaaaa\nbbb\ncc\n' > "$IN/ord.txt"
printf 'xx\nyyyy\nnine-nine\n' > "$IN/nine.txt"
if "$FPIPEC" build "$TMP/rv/bs.fpipe" -o "$TMP/bin/bs" > "$TMP/out" 2>&1; then
    for p in 4194304 61; do
        "$TMP/bin/bs" --partition-size $p -o "$TMP/none.out" "$IN/ord.txt" 2> "$TMP/err"; rc=$?
        if [ $rc -eq 4 ] && grep -q "operator 'b' (.*bs.fpipe:7:1) failed: seven" "$TMP/err" &&
           grep -q "input: $IN/ord.txt:2$" "$TMP/err"; then
            ok "review: a pending batch's earlier error is reported first (partition size $p)"
        else bad "review: a pending batch's earlier error is reported first (rc $rc, $p)" "$TMP/err"; fi
    done
    "$TMP/bin/bs" -o "$TMP/none.out" "$IN/nine.txt" 2> "$TMP/err"; rc=$?
    if [ $rc -eq 4 ] && grep -q "fp_error_item(1002) in a batch of 3" "$TMP/err" && [ ! -e "$TMP/none.out" ] &&
       [ -z "$(ls -A "$TMP" | grep fpipe- )" ]; then
        ok "review: fp_error_item out of range fails the batch, no output, no temporary"
    else bad "review: fp_error_item out of range (rc $rc)" "$TMP/err"; fi
else bad "review: build bs" "$TMP/out"; fi
# The header beside the C file, written once, serves both RAG pipelines
# and the YAML, from any folder.
cp examples/rag.c "$TMP/rv/"; cp examples/rag_ingest.fpipe examples/rag_chunks.fpipe examples/rag_ingest.yaml "$TMP/rv/"
"$FPIPEC" header "$TMP/rv/rag_ingest.fpipe" -o "$TMP/rv/rag.fpipe.h" &&
    (cd "$TMP/rv" && "$OLDPWD/$FPIPEC" build rag_ingest.fpipe -o r1 && "$OLDPWD/$FPIPEC" build rag_ingest.yaml -o r2 &&
     "$OLDPWD/$FPIPEC" build rag_chunks.fpipe -o r3) > "$TMP/out" 2>&1 &&
    ok "review: one header serves rag_ingest, rag_ingest.yaml and rag_chunks" || bad "review: shared header" "$TMP/out"
# Generated C that once failed to compile: tuples only in sort keys and in
# a monoid's empty, operators named like generated names, clang's
# -Wunused-function on declared monoids.
cat > "$TMP/rv/names.fpipe" <<'EOF'
pipeline names
monoid mm : (i64, i64) {
    empty = ((0, 1.5).0, 0)
    combine(tup2_i64_i64, b) = if b.0 > tup2_i64_i64.0 then b else tup2_i64_i64
    associative commutative
}
monoid unused : i64 { empty = 0 combine(a, b) = a + b associative }
source lines : str = text(input)
map list_i64 = (lines, (len(lines), 1))
combine_per_key elem = mm
top t = 2 by (elem.1.0, elem.0).0 desc, elem.0 asc
sink out = tsv(output)
EOF
if "$FPIPEC" emit-c "$TMP/rv/names.fpipe" > "$TMP/rv/names.c" 2> "$TMP/out" &&
   clang -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$TMP/rv/names.c" -o "$TMP/rv/names.o" 2>> "$TMP/out" &&
   gcc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$TMP/rv/names.c" -o "$TMP/rv/names.o" 2>> "$TMP/out"; then
    ok "review: generated names, sort-key tuples and monoid functions compile warning-free"
else bad "review: generated names compile" "$TMP/out"; fi

# Valgrind's memcheck over every example on a slice of the corpus, with one
# thread and two and small partitions (not in the sanitizer build: ASan and
# valgrind exclude each other).
case "${FPIPE_CFLAGS:-}" in
    *sanitize*) ;;
    *)
        head -c 200000 "$IN/zipf.txt" > "$IN/slice.txt"
        for f in examples/*.fpipe; do
            n=$(basename "$f" .fpipe)
            # The examples that read records get their own bundled data.
            case $(grep -o '= *[a-z]*(input)' "$f" | head -1) in
                *csv*|*jsonl*) vin=$(grep -o 'examples/data/[A-Za-z0-9_.]*' "$f" | head -1) ;;
                *) vin="$IN/slice.txt $IN/high_bytes.txt" ;;
            esac
            for t in 1 2; do
                # shellcheck disable=SC2086
                if valgrind -q --error-exitcode=9 "$TMP/bin/$n" --threads $t --partition-size 20000 \
                    -o "$TMP/vg.out" $vin > "$TMP/vg.err" 2>&1; then
                    ok "e2e: valgrind clean: $n --threads $t"
                else bad "e2e: valgrind: $n --threads $t" "$TMP/vg.err"; fi
            done
        done
        ;;
esac

# ---------------------------------------------------------------------------
echo "# cli"
WC=$TMP/bin/wordcount
"$WC" --help > "$TMP/out" 2>&1 && grep -q -- '--threads' "$TMP/out" && ok "cli: exe --help" || bad "cli: exe --help" "$TMP/out"
"$WC" --explain > "$TMP/out" 2>&1 && cmp -s "$TMP/out" tests/golden/wordcount.explain &&
    ok "cli: exe --explain prints the plan it was built from" || bad "cli: exe --explain" "$TMP/out"
"$WC" --bogus x > "$TMP/out" 2>&1; [ $? = 2 ] && grep -q "unknown option '--bogus'" "$TMP/out" && ok "cli: exe unknown option exits 2" || bad "cli: exe unknown option" "$TMP/out"
"$WC" > "$TMP/out" 2>&1; [ $? = 2 ] && grep -q "no input files" "$TMP/out" && ok "cli: exe without inputs exits 2" || bad "cli: exe without inputs" "$TMP/out"
"$WC" --threads 0 "$IN/zipf.txt" > "$TMP/out" 2>&1; [ $? = 2 ] && ok "cli: exe --threads 0 exits 2" || bad "cli: exe --threads 0" "$TMP/out"

# A missing input: exit 3, the file is named, no output created.
rm -f "$TMP/o.tsv"
"$WC" -o "$TMP/o.tsv" "$IN/zipf.txt" "$TMP/nope.txt" > "$TMP/out" 2>&1; rc=$?
[ $rc = 3 ] && grep -q "cannot open input '$TMP/nope.txt': No such file or directory" "$TMP/out" && [ ! -e "$TMP/o.tsv" ] &&
    ok "cli: missing input exits 3, names it, creates no output" || bad "cli: missing input (rc=$rc)" "$TMP/out"
# A directory as input stands for the files under it (tests/runtime.sh
# checks the order); an unreadable input: the old output stays untouched.
"$WC" -o "$TMP/o.tsv" "$IN" > "$TMP/out" 2>&1; rc=$?
ref_wordcount $(find "$IN" -type f ! -name '.*' | sort) > "$TMP/ref"
[ $rc = 0 ] && cmp -s "$TMP/ref" "$TMP/o.tsv" &&
    ok "cli: a directory input is read recursively" || bad "cli: directory input (rc=$rc)" "$TMP/out"
echo previous > "$TMP/o.tsv"
if [ "$(id -u)" != 0 ]; then
    cp "$IN/backslash.txt" "$TMP/noperm.txt"; chmod 000 "$TMP/noperm.txt"
    "$WC" -o "$TMP/o.tsv" "$TMP/noperm.txt" > "$TMP/out" 2>&1; rc=$?
    [ $rc = 3 ] && grep -q "Permission denied" "$TMP/out" && ok "cli: unreadable input exits 3" || bad "cli: unreadable input" "$TMP/out"
fi
# An output folder that does not exist.
"$WC" -o "$TMP/no/such/o.tsv" "$IN/zipf.txt" > "$TMP/out" 2>&1; rc=$?
[ $rc = 3 ] && grep -q "cannot create output '$TMP/no/such/o.tsv'" "$TMP/out" &&
    ok "cli: unwritable output exits 3 and names it" || bad "cli: unwritable output (rc=$rc)" "$TMP/out"
# No temporary files left behind by any of the runs above.
ls -a "$TMP" | grep -q 'fpipe-' && bad "cli: a temporary output file was left behind" || ok "cli: no temporary files left behind"

# fail_fast: division by zero stops the run, names operator, file and line,
# exits 4 and leaves the old output untouched — in every mode.
cat > "$TMP/ratio.fpipe" <<'EOF'
pipeline ratio
source lines = text(input)
flatmap words = split_ws(lines)
map ratio : (str, i64) = (words, 100 / (len(words) - 3))
combine_per_key total = sum
sink out = tsv(output)
EOF
if "$FPIPEC" build "$TMP/ratio.fpipe" -o "$TMP/bin/ratio" > "$TMP/out" 2>&1; then
    printf 'aaaa bb\nccccc\nthe end\n' > "$IN/ratio.txt"
    for t in 1 2; do
        echo previous > "$TMP/o.tsv"
        "$TMP/bin/ratio" --threads $t --partition-size 8 -o "$TMP/o.tsv" "$IN/ratio.txt" > "$TMP/out" 2>&1; rc=$?
        [ $rc = 4 ] && grep -q "operator 'ratio' ($TMP/ratio.fpipe:4:1) failed: division by zero" "$TMP/out" &&
            grep -q "input: $IN/ratio.txt:3" "$TMP/out" && grep -q "record: the end" "$TMP/out" &&
            [ "$(cat "$TMP/o.tsv")" = previous ] &&
            ok "cli: fail_fast division by zero (threads $t): exit 4, located, no output" ||
            bad "cli: fail_fast division by zero (threads $t, rc=$rc)" "$TMP/out"
    done
else bad "cli: build ratio.fpipe" "$TMP/out"; fi

# on_error drop: failing elements are skipped and counted, the count is
# printed, the run succeeds, and every mode agrees.
cat > "$TMP/ratio_drop.fpipe" <<'EOF'
pipeline ratio_drop
source lines = text(input)
flatmap words = split_ws(lines)
map ratio : (str, i64) = (words, 100 / (len(words) - 3)) on_error drop
combine_per_key total = sum
sink out = tsv(output)
EOF
if "$FPIPEC" build "$TMP/ratio_drop.fpipe" -o "$TMP/bin/ratio_drop" > "$TMP/out" 2>&1; then
    run_modes "cli: on_error drop modes" "$TMP/bin/ratio_drop" "$IN/zipf.txt" "$IN/high_bytes.txt" && {
        words_of "$IN/zipf.txt" "$IN/high_bytes.txt" |
            awk '{ l = length($0); if (l != 3) s[$0] += int(100 / (l - 3)) } END { for (w in s) print w "\t" s[w] }' |
            sort -t "$(printf '\t')" -k1,1 | sed 's/\\/\\\\/g' > "$TMP/ref"
        same "cli: on_error drop skips exactly the failing elements (vs awk)" "$TMP/ref" "$TMP/out.1"
    }
    n3=$(words_of "$IN/zipf.txt" "$IN/high_bytes.txt" | awk 'length($0) == 3' | wc -l)
    "$TMP/bin/ratio_drop" --threads 2 --partition-size 1000 -o "$TMP/o.tsv" "$IN/zipf.txt" "$IN/high_bytes.txt" > "$TMP/out" 2>&1; rc=$?
    [ $rc = 0 ] && grep -q "operator 'ratio' ($TMP/ratio_drop.fpipe:4:1) dropped $n3 elements (on_error drop)" "$TMP/out" &&
        ok "cli: on_error drop reports the count ($n3), exit 0" || bad "cli: on_error drop count (rc=$rc, want $n3)" "$TMP/out"
else bad "cli: build ratio_drop.fpipe" "$TMP/out"; fi

# Hostile names and strings cannot change the meaning of the generated C:
# operator names that are C keywords or runtime names, string literals
# holding quotes, backslashes, a newline, "*/", "??=", control and high
# bytes.  The C must compile warning-free and the strings act unchanged.
cat > "$TMP/evil.fpipe" <<'EOF'
pipeline evil
source int = text(input)
filter main = int != "a\"b*/c??/d\\e\x01\xff"
map fp_x : (str, str) = (main, "*/ #include <stdio.h> /* ??= \" \\ \x01\xfe\n")
sink long = tsv(output)
EOF
printf 'x\na"b*/c??/d\\e\001\377\nz\n' > "$IN/evil.txt"
lit='*/ #include <stdio.h> /* ??= " \\\\ \001\376\\n'
printf "x\t${lit}\nz\t${lit}\n" > "$TMP/ref"
if "$FPIPEC" emit-c "$TMP/evil.fpipe" -o "$TMP/evil.c" > "$TMP/out" 2>&1 &&
    cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$TMP/evil.c" -o "$TMP/evil.o" 2>> "$TMP/out" &&
    "$FPIPEC" build "$TMP/evil.fpipe" -o "$TMP/bin/evil" >> "$TMP/out" 2>&1 &&
    "$TMP/bin/evil" -o "$TMP/evil.tsv" "$IN/evil.txt" >> "$TMP/out" 2>&1; then
    same "cli: hostile names and string literals compile and act unchanged" "$TMP/ref" "$TMP/evil.tsv"
else bad "cli: hostile names and string literals" "$TMP/out"; fi

# Operator names that clash with the generated code's own names (a
# combine's helpers, the worker, macros, locals) are renamed in C; a .fpipe
# path holding "/*/" cannot end a comment early.
cat > "$TMP/clash.fpipe" <<'EOF'
pipeline clash
source cur = text(input)
flatmap key = split_ws(cur)
map SIZE_MAX = (key, 1)
map counts_apply = SIZE_MAX
combine_per_key counts = sum
map acc = counts
sink end = tsv(output)
EOF
printf 'pipeline p\nsource site_x = text(input)\nmap SIZE_MAX = site_x\nmap stage1_a = SIZE_MAX\nsink out = tsv(output)\n' > "$TMP/clash2.fpipe"
if timeout 10 "$FPIPEC" emit-c "$TMP/clash2.fpipe" -o "$TMP/clash2.c" > "$TMP/out" 2>&1 &&
    cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$TMP/clash2.c" -o "$TMP/clash2.o" 2>> "$TMP/out"; then
    ok "cli: names like site_x, SIZE_MAX, stage1_a are renamed (and renaming ends)"
else bad "cli: renaming prefix/all-caps operator names" "$TMP/out"; fi
mkdir -p "$TMP/inj/*"
cp examples/wordcount.fpipe "$TMP/inj/*/p.fpipe"
if "$FPIPEC" emit-c "$TMP/clash.fpipe" -o "$TMP/clash.c" > "$TMP/out" 2>&1 &&
    cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$TMP/clash.c" -o "$TMP/clash.o" 2>> "$TMP/out" &&
    "$FPIPEC" build "$TMP/clash.fpipe" -o "$TMP/bin/clash" >> "$TMP/out" 2>&1 &&
    "$TMP/bin/clash" -o "$TMP/o.tsv" "$IN/zipf.txt" >> "$TMP/out" 2>&1 && cmp -s "$TMP/o.tsv" <(ref_wordcount "$IN/zipf.txt"); then
    ok "cli: operator names that clash with generated names compile warning-free and count right"
else bad "cli: clashing operator names" "$TMP/out"; fi
"$FPIPEC" emit-c "$TMP/inj/*/p.fpipe" -o "$TMP/inj.c" > "$TMP/out" 2>&1 &&
    cc -std=c11 -Wall -Wextra -Werror -pedantic -fopenmp -Iruntime -c "$TMP/inj.c" -o "$TMP/inj.o" 2>> "$TMP/out" &&
    ok "cli: a path with '/*/' stays inside the generated comments" || bad "cli: comment injection through the path" "$TMP/out"

# A failure in stage 2 writes the same rows to standard output (those
# before the failing key) whatever the thread count: 70,000 keys, so that
# the parallel range merge runs.
cat > "$TMP/s2fail.fpipe" <<'EOF'
pipeline s2fail
source lines = text(input)
map pairs = (lines, 1)
combine_per_key n = count
map ratio = (n.0, 100 / (n.1 - 2))
sink out = tsv(stdout)
EOF
awk 'BEGIN { for (i = 0; i < 70000; i++) { printf "k%05d\n", i; if (i == 40000) printf "k%05d\n", i } }' > "$IN/s2.txt"
if "$FPIPEC" build "$TMP/s2fail.fpipe" -o "$TMP/bin/s2fail" > "$TMP/out" 2>&1; then
    fails=0
    for t in 1 2 4; do
        "$TMP/bin/s2fail" --threads $t "$IN/s2.txt" > "$TMP/s2.$t" 2> "$TMP/s2err.$t"; rc=$?
        [ $rc = 4 ] && grep -q "division by zero" "$TMP/s2err.$t" || fails=1
    done
    [ $fails = 0 ] && cmp -s "$TMP/s2.1" "$TMP/s2.2" && cmp -s "$TMP/s2.1" "$TMP/s2.4" &&
        [ "$(wc -l < "$TMP/s2.1")" = 40000 ] &&
        ok "cli: a stage-2 failure writes the same rows before it for threads 1, 2, 4" ||
        bad "cli: stage-2 failure output ($(wc -l < "$TMP/s2.1") / $(wc -l < "$TMP/s2.2") / $(wc -l < "$TMP/s2.4") rows)" "$TMP/s2err.2"
else bad "cli: build s2fail" "$TMP/out"; fi

# A filter passes its input through: strings lower() made stay "per element"
# after a filter whose body does not mention them, so long keys are copied.
cat > "$TMP/uaf.fpipe" <<'EOF'
pipeline uaf
source lines = text(input)
flatmap words = split_ws(lines)
map folded = lower(words)
filter all = true
map pairs = (all, 1)
combine_per_key n = count
sink out = tsv(output)
EOF
if "$FPIPEC" build "$TMP/uaf.fpipe" -o "$TMP/bin/uaf" > "$TMP/out" 2>&1 &&
    "$TMP/bin/uaf" --threads 1 --partition-size 1000 -o "$TMP/o.tsv" "$IN/upper_long.txt" >> "$TMP/out" 2>&1; then
    words_of "$IN/upper_long.txt" | tr 'A-Z' 'a-z' | sort | uniq -c | sed -E 's/^ *([0-9]+) (.*)$/\2\t\1/' > "$TMP/ref"
    same "e2e: lowered keys survive a constant filter and the arena reset" "$TMP/ref" "$TMP/o.tsv"
else bad "e2e: build uaf" "$TMP/out"; fi

# Malformed programs never crash fpipec: every example cut short at many
# points, and with one byte replaced, must give exit 0 or 1 (with an error
# message), never a signal or a sanitizer report.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:exitcode=99" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:exitcode=99"
crashes=0; tried=0
for f in examples/*.fpipe tests/errors/several_errors.fpipe; do
    size=$(stat -c %s "$f")
    for ((off = 1; off < size; off += 5)); do
        head -c "$off" "$f" > "$TMP/cut.fpipe"
        byte=$(printf '\\%03o' $(( (off * 37) % 256 )))
        { head -c "$off" "$f"; printf "$byte"; tail -c +$((off + 2)) "$f"; } > "$TMP/mut.fpipe"
        for g in "$TMP/cut.fpipe" "$TMP/mut.fpipe"; do
            tried=$((tried + 1))
            "$FPIPEC" check "$g" > /dev/null 2> "$TMP/err"; rc=$?
            if [ $rc -gt 1 ] || { [ $rc = 1 ] && ! grep -q 'error:' "$TMP/err"; }; then
                crashes=$((crashes + 1)); cp "$g" "$TMP/crash.fpipe"; cp "$TMP/err" "$TMP/crash.err"
            fi
        done
    done
done
if [ $crashes = 0 ]; then ok "cli: $tried cut and mutated programs: fpipec never crashes"
else bad "cli: fpipec crashed on $crashes of $tried cut/mutated programs (one kept below)" "$TMP/crash.err"; od -c "$TMP/crash.fpipe" | head -20; fi

# fpipec run: builds in a temporary folder, passes the arguments after --,
# exits with the program's status, leaves nothing behind.
# (a TMPDIR of its own: other runs of the suite share /tmp)
mkdir -p "$TMP/runtmp"
TMPDIR=$TMP/runtmp "$FPIPEC" run examples/totals.fpipe -- "$IN/zipf.txt" > "$TMP/out" 2> "$TMP/err" &&
    [ "$(cat "$TMP/out")" = "$(words_of "$IN/zipf.txt" | wc -l)" ] &&
    ok "cli: fpipec run builds and runs with the arguments after --" || bad "cli: fpipec run" "$TMP/err"
TMPDIR=$TMP/runtmp "$FPIPEC" run "$TMP/ratio.fpipe" -- "$IN/ratio.txt" > "$TMP/out" 2>&1; rc=$?
[ $rc = 4 ] && grep -q "division by zero" "$TMP/out" && ok "cli: fpipec run exits with the program's status" || bad "cli: fpipec run status (rc=$rc)" "$TMP/out"
[ -z "$(ls -A "$TMP/runtmp")" ] &&
    ok "cli: fpipec run cleans up its temporary folder" || bad "cli: fpipec run left a temporary folder"

# fpipec itself.
# One version: NEWS's top heading, fpipec's and a program's --version.
v=$(sed -n '1s/^fpipe \([^ ]*\).*/\1/p' NEWS)
[ -n "$v" ] && [ "$("$FPIPEC" --version)" = "fpipec $v" ] &&
    [ "$("$TMP/bin/wordcount" --version)" = "wordcount (fpipe $v)" ] &&
    ok "cli: fpipec --version and a program's --version are NEWS's ($v)" || bad "cli: --version against NEWS ('$v')"
"$FPIPEC" --help | grep -q 'emit-c' && ok "cli: fpipec --help" || bad "cli: fpipec --help"
"$FPIPEC" check "$TMP/none.fpipe" > "$TMP/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "cannot open '$TMP/none.fpipe'" "$TMP/out" && ok "cli: fpipec on a missing file exits 2" || bad "cli: fpipec missing file (rc=$rc)" "$TMP/out"
"$FPIPEC" frobnicate examples/wordcount.fpipe > "$TMP/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "unknown command 'frobnicate'" "$TMP/out" && ok "cli: fpipec unknown command exits 2" || bad "cli: fpipec unknown command" "$TMP/out"
# fpipec build -o LINK, LINK a symlink to a file, does what cc -o does on
# this machine: cc -o replaces the link with the new executable and leaves
# the file it pointed at alone (docs/running.md).  Both are checked here.
mkdir -p "$TMP/blink"
echo 'int main(void) { return 0; }' > "$TMP/blink/m.c"
for who in cc fpipec; do
    echo keep > "$TMP/blink/t_$who"; ln -sfn "t_$who" "$TMP/blink/l_$who"
done
(cd "$TMP/blink" && ${CC:-cc} -o l_cc m.c) > "$TMP/out" 2>&1 &&
    "$FPIPEC" build examples/linelen.fpipe -o "$TMP/blink/l_fpipec" >> "$TMP/out" 2>&1; rc=$?
for who in cc fpipec; do
    [ $rc = 0 ] && [ ! -L "$TMP/blink/l_$who" ] && [ -x "$TMP/blink/l_$who" ] && [ "$(cat "$TMP/blink/t_$who")" = keep ] ||
        { bad "cli: $who -o a symlink (rc=$rc)" "$TMP/out"; ls -l "$TMP/blink"; }
done
[ $rc = 0 ] && "$TMP/blink/l_fpipec" "$TMP/blink/m.c" > "$TMP/out" 2>&1 && [ -s "$TMP/out" ] &&
    ok "cli: fpipec build -o a symlink replaces the link, as cc -o does, and leaves its target alone" ||
    bad "cli: fpipec build -o a symlink: the program does not run" "$TMP/out"
"$FPIPEC" check examples/wordcount.fpipe > "$TMP/out" 2>&1 && [ ! -s "$TMP/out" ] && ok "cli: check of a valid file is silent, exit 0" || bad "cli: check valid" "$TMP/out"
"$FPIPEC" emit-c examples/wordcount.fpipe -o "$TMP/wc.c" && cmp -s "$TMP/wc.c" tests/golden/wordcount.c &&
    ok "cli: emit-c -o writes the same C" || bad "cli: emit-c -o"
"$FPIPEC" emit-c --line-directives examples/wordcount.fpipe > "$TMP/wcl.c" && grep -q '^#line 12 "examples/wordcount.fpipe"' "$TMP/wcl.c" &&
    cc -std=c11 -Wall -Wextra -Werror -fopenmp -Iruntime -c "$TMP/wcl.c" -o "$TMP/wcl.o" 2> "$TMP/out" &&
    ok "cli: --line-directives points at the .fpipe and compiles" || bad "cli: --line-directives" "$TMP/out"

# ---------------------------------------------------------------------------
# make install, pkg-config, CMake, the Make rule, the libraries a program needs.
. tests/install.sh

# ---------------------------------------------------------------------------
echo "# codegen"
. tests/codegen/run.sh

# ---------------------------------------------------------------------------
echo "# bad-data"
. tests/bad-data/run.sh

# ---------------------------------------------------------------------------
echo "# fuzz"
. tests/fuzz/replay.sh

# ---------------------------------------------------------------------------
# fpipec verify, the purity audit, JSON diagnostics.
. tests/contracts.sh
. tests/symbols.sh

# ---------------------------------------------------------------------------
. tests/runtime.sh

# ---------------------------------------------------------------------------
# Bounded memory for keyed combines and top: long keys, long strings, RSS.
. tests/memory.sh

# ---------------------------------------------------------------------------
# materialize and --resume.
. tests/checkpoint.sh
# Per-operator run settings (--config operators:).
. tests/opcfg.sh
# Exact f64 sums and means (runtime/fsum.c).
. tests/fsum.sh
# The JSON-lines source against Python's json (runtime/jsonl.cc).
echo "# jsonl"
. tests/jsonl.sh
# docs/architecture.md and README's layout table against the source files.
. tests/docs.sh
# The docs' command samples, language.md and the man pages.
. tests/doctest.sh
# Diagnostics: keywords as names, order, summaries, long lines, colour.
. tests/diag.sh
# Command lines by convention, exit codes, --stats-file, -MD, completion.
. tests/cli.sh
# fpipec fmt, and the editor files generated from the compiler's tables.
. tests/fmt.sh
# Numbers and casts, input_file()/input_line(), expression depth (issue 16).
. tests/num.sh

# The csv source's and sink's options against Python's csv module.
echo "# csvopts"
. tests/csvopts.sh
# Parameters: param, --param NAME=VALUE, --config's params:.
echo "# params"
. tests/params.sh

# Optional values: none from CSV/JSON lines, coalesce, try_parse_i64.
echo "# opt"
. tests/opt.sh

# ---------------------------------------------------------------------------
# Limits that stop a run clearly: promoted f64 sums under the table cap,
# symlink chains and paths past PATH_MAX at the sink, failed writes.
. tests/limits.sh

# The regex builtins (PCRE2) against Python's re, in every mode.
. tests/regex.sh

# Found by the review of the merged builtins: a repeated group on a long
# line spends PCRE2's JIT stack (the interpreter then matches, as Python's
# re does); (*UTF) would switch off the byte semantics; f64 min and max
# give the same bits in any order; -o /dev/stdout appends to a redirection.
mkdir -p "$TMP/rv"
printf 'pipeline r\nsource lines : str = text(input)\nfilter m = matches(lines, "^(a|b)*c")\nsink out = tsv(output)\n' > "$TMP/rv/r.fpipe"
python3 -c "print('ab' * 5000 + 'c'); print('ab' * 10); print('ab' * 700 + 'c')" > "$TMP/rv/in.txt"
python3 -c "
import re, sys
for l in open(sys.argv[1]).read().split('\n')[:-1]:
    if re.search(r'^(a|b)*c', l): print(l)" "$TMP/rv/in.txt" > "$TMP/rv/want"
if "$FPIPEC" build "$TMP/rv/r.fpipe" -o "$TMP/rv/r" > "$TMP/rv/err" 2>&1 &&
    "$TMP/rv/r" -o "$TMP/rv/out" "$TMP/rv/in.txt" 2> "$TMP/rv/err"; then
    same "regex: a repeated group over 10,000 bytes matches (the JIT's stack spent)" "$TMP/rv/want" "$TMP/rv/out"
else bad "regex: a repeated group over 10,000 bytes" "$TMP/rv/err"; fi
printf 'pipeline r\nsource lines : str = text(input)\nfilter m = matches(lines, "(*UTF)^.$")\nsink out = tsv(output)\n' > "$TMP/rv/u.fpipe"
if ! "$FPIPEC" check "$TMP/rv/u.fpipe" 2> "$TMP/rv/err" && grep -q "using UTF is disabled" "$TMP/rv/err"
then ok "regex: (*UTF) is refused, patterns work on bytes"; else bad "regex: (*UTF) accepted" "$TMP/rv/err"; fi
echo "// KEEP" > "$TMP/rv/k.c"
"$FPIPEC" emit-c "$TMP/rv/r.fpipe" -o /dev/stdout >> "$TMP/rv/k.c"
if [ "$(head -1 "$TMP/rv/k.c")" = "// KEEP" ] && grep -q "generated by fpipec" "$TMP/rv/k.c"
then ok "fpipec: -o /dev/stdout appends to a redirection, never renames over it"
else bad "fpipec: -o /dev/stdout >> file lost the file's start" "$TMP/rv/k.c"; fi
printf 'pipeline r\nsource lines : str = text(input)\nmap p : (str, f64) = ("k", if lines == "nan" then 0.0 / 0.0 else parse_f64(lines))\ncombine_per_key c = (min, max)\nsink out = tsv(output)\n' > "$TMP/rv/mm.fpipe"
if "$FPIPEC" build "$TMP/rv/mm.fpipe" -o "$TMP/rv/mm" > "$TMP/rv/err" 2>&1; then
    printf '1\n-0\n0\n5\n' > "$TMP/rv/c.txt"; printf '0\n5\n-0\n1\n' > "$TMP/rv/d.txt"
    printf '0\n-0\nnan\n5\n' > "$TMP/rv/e.txt"
    printf 'k\t-0\t5\nk\t-0\t5\nk\tnan\tnan\n' > "$TMP/rv/want"
    { "$TMP/rv/mm" "$TMP/rv/c.txt"; "$TMP/rv/mm" --threads 2 --partition-size 2 "$TMP/rv/d.txt"
      "$TMP/rv/mm" --partition-size 3 "$TMP/rv/e.txt"; } > "$TMP/rv/out" 2>&1
    same "monoids: f64 min and max: -0 below 0, nan wins, in any order" "$TMP/rv/want" "$TMP/rv/out"
else bad "monoids: build f64 min/max" "$TMP/rv/err"; fi

# The UTF-8 builtins (utf8proc) and string building against Python.
echo "# ustr"
. tests/ustr.sh

# Dates and times (runtime/time.c): unit tests, Python's datetime, MPI.
echo "# time"
. tests/time.sh

# Nested members of the JSON-lines source (runtime/jsonl_nested.c).
echo "# jsonl nested"
. tests/jsonl_nested.sh

# ---------------------------------------------------------------------------
# Distributed mode (MPI): its own file, skipped without mpirun.
. tests/mpi.sh

echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
