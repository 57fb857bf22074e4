# cli.sh — command lines by convention, in fpipec and in the programs it
# builds (getopt_long: --opt=value and --opt value, unique prefixes,
# bundling, "--"), -o -, help for every command, --stats-file, every
# documented exit code and the paths that return it, messages named by
# the program, fpipec build -MD through make, and the bash completion.
# Sourced by tests/run.sh (uses its FPIPEC, TMP, ok, bad).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# cli-conventions"
CL=$TMP/cli
mkdir -p "$CL"
WCF=examples/wordcount.fpipe
printf 'b a\na c a\n' > "$CL/in.txt"
printf 'a\t3\nb\t1\nc\t1\n' > "$CL/ref.tsv"

# ---- fpipec: options --------------------------------------------------------
"$FPIPEC" emit-c -o "$CL/a.c" "$WCF" && "$FPIPEC" emit-c --output="$CL/b.c" "$WCF" &&
    "$FPIPEC" emit-c "$WCF" --output "$CL/c.c" && "$FPIPEC" emit-c --out "$CL/d.c" "$WCF" &&
    "$FPIPEC" emit-c -o- "$WCF" > "$CL/e.c" && "$FPIPEC" emit-c -o - "$WCF" > "$CL/f.c" &&
    (for x in a b c d e f; do cmp -s "$CL/$x.c" tests/golden/wordcount.c || exit 1; done) &&
    [ ! -e ./- ] && ok "cli: fpipec -o X, --output=X, --output X, a prefix, -o- and -o - (standard output)" ||
    bad "cli: fpipec option spellings"
"$FPIPEC" check --diagnostics-format json tests/errors/top_errors.fpipe 2> "$CL/j1" > /dev/null
"$FPIPEC" check --diagnostics-format=json tests/errors/top_errors.fpipe 2> "$CL/j2" > /dev/null
[ -s "$CL/j1" ] && cmp -s "$CL/j1" "$CL/j2" && python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$CL/j1" &&
    ok "cli: --diagnostics-format json and =json" || bad "cli: --diagnostics-format json (space)" "$CL/j1"
cp "$WCF" "$CL/-dash.fpipe"
(cd "$CL" && "$OLDPWD/$FPIPEC" check -- -dash.fpipe) > "$CL/out" 2>&1 &&
    ok "cli: fpipec check -- -dash.fpipe ('--' ends the options)" || bad "cli: fpipec --" "$CL/out"
# Each refusal: exit 2, one clear line naming the option, and the help hint.
fpipec_refuses() {   # NAME PATTERN ARGS...
    local name=$1 pat=$2; shift 2
    "$FPIPEC" "$@" > "$CL/out" 2>&1; local rc=$?
    [ $rc = 2 ] && grep -q -- "$pat" "$CL/out" && ok "cli: fpipec $name: exit 2" || bad "cli: fpipec $name (rc=$rc)" "$CL/out"
}
fpipec_refuses "unknown option" "error: unknown option '--bogus'" build --bogus "$WCF"
fpipec_refuses "unknown short option" "error: unknown option '-x'" check -x "$WCF"
fpipec_refuses "missing value" "error: option '--backend' needs a value" build "$WCF" --backend
fpipec_refuses "value for a flag" "error: option '--line-directives' takes no value" emit-c --line-directives=yes "$WCF"
fpipec_refuses "another command's option" "error: option '--seed' is not for fpipec check" check --seed 3 "$WCF"
fpipec_refuses "bad word" "error: --to takes yaml or fpipe, not 'xml'" convert --to xml "$WCF"
fpipec_refuses "two files" "one .fpipe file at a time" check "$WCF" "$WCF"
fpipec_refuses "no file" "check needs a .fpipe or YAML file" check
fpipec_refuses "-- outside run" "one .fpipe file at a time" check "$WCF" -- x
fpipec_refuses "-MD outside build" "option '-MD' is for fpipec build only" check -MD "$WCF"
fpipec_refuses "unknown command" "unknown command 'frob'" frob "$WCF"
fpipec_refuses "help of an unknown command" "unknown command 'frob'" help frob
fpipec_refuses "build -o -" "build writes an executable file, not standard output" build -o - "$WCF"
[ ! -e ./- ] && ok "cli: fpipec build -o - creates no file named '-'" || bad "cli: build -o - made a file '-'"

# ---- fpipec: help for every command -------------------------------------------
hbad=0
for v in $("$FPIPEC" --list-options); do
    [ "$v" = help ] && continue
    "$FPIPEC" "$v" --help > "$CL/h1" 2>&1 && "$FPIPEC" help "$v" > "$CL/h2" 2>&1 && "$FPIPEC" "$v" -h > "$CL/h3" 2>&1 &&
        cmp -s "$CL/h1" "$CL/h2" && cmp -s "$CL/h1" "$CL/h3" && head -1 "$CL/h1" | grep -q "^usage: fpipec $v " &&
        grep -q "^exit codes:" "$CL/h1" || { hbad=$((hbad + 1)); echo "$v" >> "$CL/hbad"; }
    # every option --list-options gives is in the command's help, and back
    "$FPIPEC" --list-options "$v" | awk '{ print $1 }' | sort > "$CL/l1"
    grep -oE '^  (-[a-zA-Z], )?-{1,2}[A-Za-z][A-Za-z-]*' "$CL/h1" | sed 's/^  //; s/, /\n/' | sort > "$CL/l2"
    cmp -s "$CL/l1" "$CL/l2" || { hbad=$((hbad + 1)); diff "$CL/l1" "$CL/l2" >> "$CL/hbad"; }
done
[ $hbad = 0 ] && ok "cli: every command has --help, -h and 'fpipec help COMMAND', listing its options" ||
    bad "cli: help of commands" "$CL/hbad"

# ---- fpipec: exit codes, each path ----------------------------------------------
"$FPIPEC" check "$WCF" > "$CL/out" 2>&1; rc0=$?
"$FPIPEC" check tests/errors/several_errors.fpipe > "$CL/out" 2>&1; rc1=$?
[ $rc0 = 0 ] && [ $rc1 = 1 ] && ok "cli: fpipec exit 0 (valid), 1 (errors in the program)" || bad "cli: fpipec exit 0/1 ($rc0/$rc1)"
"$FPIPEC" check "$CL/none.fpipe" > "$CL/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "cannot open '$CL/none.fpipe'" "$CL/out" && ok "cli: fpipec exit 2: a missing file" || bad "cli: missing file (rc=$rc)" "$CL/out"
"$FPIPEC" build -o /nonexistent/dir/wc "$WCF" > "$CL/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "fpipec: error: cannot write '/nonexistent/dir/wc': No such file or directory" "$CL/out" &&
    ! grep -q "C compiler failed" "$CL/out" && ok "cli: fpipec build -o /nonexistent/dir/wc: exit 2, said before compiling" ||
    bad "cli: build into a missing folder (rc=$rc)" "$CL/out"
mkdir -p "$CL/adir"
"$FPIPEC" build -o "$CL/adir" "$WCF" > "$CL/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "cannot write '$CL/adir': it is a directory" "$CL/out" && ok "cli: fpipec build -o FOLDER: exit 2" ||
    bad "cli: build -o a folder (rc=$rc)" "$CL/out"
echo old > "$CL/wc.old"
CC=nosuchcc "$FPIPEC" build -o "$CL/wc.old" "$WCF" > "$CL/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "fpipec: error: cannot run 'nosuchcc': No such file or directory" "$CL/out" &&
    ! grep -q "C compiler failed" "$CL/out" && [ "$(cat "$CL/wc.old")" = old ] &&
    ok "cli: CC=nosuchcc: exit 2 (the environment), the old file kept" || bad "cli: CC=nosuchcc (rc=$rc)" "$CL/out"
CC=false "$FPIPEC" build -o "$CL/wc.old" "$WCF" > "$CL/out" 2>&1; rc=$?
[ $rc = 3 ] && grep -q "the C compiler failed" "$CL/out" && [ "$(cat "$CL/wc.old")" = old ] &&
    ! ls -a "$CL" | grep -q 'fpipec-' && ok "cli: a failing C compiler: exit 3, the old file kept, no temporary left" ||
    bad "cli: CC=false (rc=$rc)" "$CL/out"

# ---- a program's command line ---------------------------------------------------
W=$CL/wordcount
if "$FPIPEC" build "$WCF" -o "$W" > "$CL/out" 2>&1; then
    "$W" -o - "$CL/in.txt" > "$CL/o1" && "$W" --output=- "$CL/in.txt" > "$CL/o2" &&
        "$W" --threads=2 --partition-size=2 "$CL/in.txt" > "$CL/o3" && "$W" --thr 2 --part 2 "$CL/in.txt" > "$CL/o4" &&
        (cd "$CL" && ./wordcount -o- in.txt > o5) && (for x in 1 2 3 4 5; do cmp -s "$CL/o$x" "$CL/ref.tsv" || exit 1; done) &&
        [ ! -e "$CL/-" ] && ok "cli: program: -o -, --output=-, --threads=2, prefixes: standard output, no file '-'" ||
        bad "cli: program option spellings" "$CL/o1"
    cp "$CL/in.txt" "$CL/-in.txt"
    (cd "$CL" && ./wordcount -o o6 -- -in.txt) > "$CL/out" 2>&1 && cmp -s "$CL/o6" "$CL/ref.tsv" &&
        ok "cli: program: '--' ends the options" || bad "cli: program --" "$CL/out"
    prog_refuses() {   # NAME CODE PATTERN ARGS...
        local name=$1 code=$2 pat=$3; shift 3
        "$W" "$@" > "$CL/out" 2>&1; local rc=$?
        [ $rc = "$code" ] && grep -q -- "$pat" "$CL/out" && ok "cli: program $name: exit $code" || bad "cli: program $name (rc=$rc)" "$CL/out"
    }
    prog_refuses "ambiguous prefix" 2 "^wordcount: error: option '--p' is ambiguous (--partition-size, --progress, --param)" --p 2 "$CL/in.txt"
    prog_refuses "unknown option" 2 "^wordcount: error: unknown option '--bogus'" --bogus "$CL/in.txt"
    prog_refuses "unknown short option" 2 "^wordcount: error: unknown option '-x'" -x "$CL/in.txt"
    prog_refuses "unknown short option after a long one" 2 "^wordcount: error: unknown option '-x'" \
        --threads=2 -xyz "$CL/in.txt"
    prog_refuses "missing value" 2 "^wordcount: error: option '--threads' needs a value" "$CL/in.txt" --threads
    prog_refuses "missing -o value" 2 "^wordcount: error: option '-o' needs a value" "$CL/in.txt" -o
    prog_refuses "value for a flag" 2 "^wordcount: error: option '--resume' takes no value" --resume=yes "$CL/in.txt"
    prog_refuses "bad --stats" 2 "^wordcount: error: --stats takes table or json, not 'xml'" --stats=xml "$CL/in.txt"
    prog_refuses "no inputs" 2 "^wordcount: error: no input files" -o "$CL/o.tsv"
    prog_refuses "missing input" 3 "^wordcount: error: cannot open input" "$CL/nope.txt"
    prog_refuses "stats file into a missing folder" 3 "^wordcount: error: statistics file: cannot create output '$CL/no/st.json'" --stats-file "$CL/no/st.json" "$CL/in.txt"
    prog_refuses "stats file = output" 2 "^wordcount: error: the statistics file '$CL/o.tsv' is the output file" --stats-file "$CL/o.tsv" -o "$CL/o.tsv" "$CL/in.txt"
    "$W" --help > "$CL/h" 2>&1 && grep -q -- "--stats-file PATH" "$CL/h" && head -1 "$CL/h" | grep -q "^usage: wordcount " &&
        "$W" --he > "$CL/h2" 2>&1 && cmp -s "$CL/h" "$CL/h2" && "$W" -h > "$CL/h3" && cmp -s "$CL/h" "$CL/h3" &&
        ok "cli: program --help, --he, -h" || bad "cli: program --help" "$CL/h"
    # --stats-file: the JSON alone in the file, atomically; --stats=json on
    # stderr in one piece even with other notices around it.
    rm -f "$CL/st.json"
    "$W" --stats-file "$CL/st.json" -o "$CL/o.tsv" "$CL/in.txt" > "$CL/out" 2> "$CL/err"; rc=$?
    [ $rc = 0 ] && [ ! -s "$CL/err" ] && cmp -s "$CL/o.tsv" "$CL/ref.tsv" && python3 - "$CL/st.json" <<'PY' && ! ls -a "$CL" | grep -q '\.st\.json\.fpipe-' &&
import json, sys
t = open(sys.argv[1]).read()
d = json.loads(t)
ops = {o["name"]: o for o in d["operators"]}
assert t.endswith("}\n") and t.count("\n") == 1, "one JSON line and nothing else"
assert ops["lines"]["in"] == 2 and ops["words"]["out"] == 5 and ops["counts"]["out"] == 3, ops
assert d["memory"]["distinct_keys"] == 3
PY
        ok "cli: --stats-file: only the JSON (2 lines, 5 words, 3 keys), nothing on stderr" || bad "cli: --stats-file (rc=$rc)" "$CL/err"
    "$W" --stats=json --stats-file "$CL/st2.json" --progress -o "$CL/o.tsv" "$CL/in.txt" 2> "$CL/err"; rc=$?
    [ $rc = 0 ] && grep -a '^{"pipeline"' "$CL/err" | python3 -c 'import json,sys; json.loads(sys.stdin.readline())' &&
        [ "$(grep -ac '^{"pipeline"' "$CL/err")" = 1 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$CL/st2.json" &&
        ok "cli: --stats=json on stderr is one whole line beside the progress line, and the file too" || bad "cli: --stats=json with --progress" "$CL/err"
else bad "cli: build wordcount" "$CL/out"; fi

# ---- messages named by the program ------------------------------------------------
"$FPIPEC" run "$WCF" -- --bogus > "$CL/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "^wordcount: error: unknown option '--bogus'" "$CL/out" && ! grep -q "pipeline:" "$CL/out" &&
    ok "cli: fpipec run: the program's messages say 'wordcount:'" || bad "cli: fpipec run names (rc=$rc)" "$CL/out"
if [ -x "$W" ] && command -v script > /dev/null; then
    cp "$W" "$CL/mywc"
    script -qec "'$CL/mywc' --progress -o '$CL/o.tsv' '$CL/in.txt'" /dev/null < /dev/null > "$CL/tty" 2>&1
    FPIPE_TIMES=1 "$CL/mywc" -o "$CL/o.tsv" "$CL/in.txt" 2> "$CL/times"
    grep -aq "mywc: .* MB (100%)" "$CL/tty" && ! grep -aq "fpipe:" "$CL/tty" &&
        grep -q "^mywc: stage 1" "$CL/times" && ! grep -q "^fpipe:" "$CL/times" &&
        ok "cli: the progress line and FPIPE_TIMES say the program's own name" || bad "cli: progress name" "$CL/tty"
fi

# ---- fpipec build -MD through make ----------------------------------------------
M=$CL/make
mkdir -p "$M"
cat > "$M/p.fpipe" <<'PF'
pipeline p
link "f.c"
extern twice(x: i64) -> i64 pure
source lines = text(input)
map n = twice(len(lines))
sink out = tsv(output)
PF
printf '#define FACTOR 2\n' > "$M/factor.h"
printf '#include "f.fpipe.h"\n#include "factor.h"\n\nint64_t twice(fp_ctx *cx, int64_t x)\n{\n    (void)cx;\n    return FACTOR * x;\n}\n' > "$M/f.c"
cat > "$M/Makefile" <<MF
p: p.fpipe
	"$PWD/$FPIPEC" build -MD -MP p.fpipe -o p
-include p.d
MF
printf 'abc\nde\n' > "$M/in.txt"
mtime() { stat -c %Y.%y "$1"; }
if make -s -C "$M" > "$CL/out" 2>&1 && [ "$("$M/p" "$M/in.txt")" = "$(printf '6\n4')" ]; then
    t1=$(mtime "$M/p")
    grep -q '^p: ' "$M/p.d" && grep -q ' p.fpipe ' "$M/p.d" && grep -q ' f.c ' "$M/p.d" && grep -q ' factor.h' "$M/p.d" &&
        grep -q '^f.c:$' "$M/p.d" && ! grep -q 'fpipec-build' "$M/p.d" && ok "cli: -MD -MP: the depfile names p.fpipe, f.c, factor.h (phony targets too)" ||
        bad "cli: -MD depfile" "$M/p.d"
    sleep 1.1; make -s -C "$M" > "$CL/out" 2>&1
    t2=$(mtime "$M/p")
    sleep 1.1; touch "$M/f.c"; make -s -C "$M" >> "$CL/out" 2>&1
    t3=$(mtime "$M/p")
    sleep 1.1; printf '#define FACTOR 3\n' > "$M/factor.h"; make -s -C "$M" >> "$CL/out" 2>&1
    [ "$t1" = "$t2" ] && [ "$t2" != "$t3" ] && [ "$("$M/p" "$M/in.txt")" = "$(printf '9\n6')" ] &&
        ok "cli: make with -MD: up to date, rebuilt after a linked C file or its header changes" ||
        bad "cli: make with -MD ($t1 $t2 $t3)" "$CL/out"
    (cd "$M" && "$OLDPWD/$FPIPEC" build -MF deps.mk p.fpipe -o p2) > "$CL/out" 2>&1 && grep -q '^p2: ' "$M/deps.mk" &&
        [ ! -e "$M/p2.d" ] && ok "cli: -MF FILE alone writes the depfile there" || bad "cli: -MF" "$CL/out"
else bad "cli: make with fpipec build -MD" "$CL/out"; fi

# ---- bash completion ----------------------------------------------------------
mkdir -p "$CL/comp/sub"
touch "$CL/comp/a.fpipe" "$CL/comp/b.yaml" "$CL/comp/c.txt"
ROOT=$PWD
(cd "$CL/comp" && bash -c '
source "$1/completion/fpipec.bash"
F=$1/$2
t() { COMP_WORDS=("$F" "$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _fpipec; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "; echo; }
t ""
t build -
t build --backend ""
t build --backend = ""
t build --color = al
t check ""
t run a.fpipe -- ""
t help ""
' _ "$ROOT" "$FPIPEC") > "$CL/comp.out" 2>&1
verbs=$("$FPIPEC" --list-options | sort | tr '\n' ' ')
python3 - "$CL/comp.out" "$verbs" "$("$FPIPEC" --list-options build | awk '{ print $1 }' | sort | tr '\n' ' ')" > "$CL/comp.check" 2>&1 <<'PY'
import sys
got = open(sys.argv[1]).read().splitlines()
verbs, build_opts = sys.argv[2].split(), sys.argv[3].split()
want = [
    sorted(verbs + ["--help", "--version"]),
    sorted(build_opts),
    ["mpi", "openmp"],
    ["mpi", "openmp"],
    ["always"],
    ["a.fpipe", "b.yaml", "sub"],
    ["a.fpipe", "b.yaml", "c.txt", "sub"],
    sorted(verbs),
]
bad = 0
for g, w in zip(got, want):
    if g.split() != w:
        print("got", g.split(), "want", w); bad += 1
print("bad", bad, "of", len(want), "lines", len(got))
PY
grep -q '^bad 0 of 8 lines 8$' "$CL/comp.check" && ok "cli: bash completion: commands, options of build, their words, .fpipe/.yaml files" ||
    bad "cli: bash completion" "$CL/comp.check"
