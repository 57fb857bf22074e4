# doctest.sh — docs that cannot drift.
#   - every command sample of README.md and docs/*.md is run, and its
#     output compared when the page shows it (tests/doctest.py says how,
#     and how a sample is skipped); the runner itself is run on a doctored
#     page, whose mistakes it must report;
#   - docs/language.md's keyword list is grammar/lexer.re's keywords, and
#     it documents every builtin, monoid, operator (compiler/ops.h) and
#     source and sink format (compiler/ast.c);
# Sourced by tests/run.sh (uses its TMP, FPIPEC, ok, bad).

echo "# doctest"
DT=$TMP/doctest
mkdir -p "$DT"

# doctest_lines FILE: the runner's "ok - " / "FAIL - " lines into ok/bad,
# each failure with the diff lines under it.
doctest_lines() {
    local l name="" body="$DT/failure"
    : > "$body"
    while IFS= read -r l; do
        case $l in
            "ok - "*) ok "${l#ok - }" ;;
            "FAIL - "*) [ -n "$name" ] && bad "$name" "$body"; name=${l#FAIL - }; : > "$body" ;;
            "    "*) [ -n "$name" ] && printf '%s\n' "$l" >> "$body" ;;
            *) [ -n "$name" ] && bad "$name" "$body"; name=""; echo "    $l" ;;
        esac
    done < "$1"
    [ -n "$name" ] && bad "$name" "$body"
    return 0
}

python3 tests/doctest.py --fpipec "$FPIPEC" > "$DT/out" 2>&1
dtrc=$?
doctest_lines "$DT/out"
grep -q '^doctest: [1-9][0-9]* samples run, 0 failed' "$DT/out" && [ $dtrc = 0 ] ||
    bad "doctest: the runner ran no sample or exited $dtrc" "$DT/out"

# The runner can fail: a page whose sample shows other output, one whose
# "..." hides too little, a setup that fails, a command showing no output
# that fails; and it passes a page whose times and memory differ (rule 2)
# and whose "..." stands for lines.
cat > "$DT/page.md" <<'EOF'
# a page

<!-- doctest: setup printf 'pipeline p\nsource lines = text(input)\nflatmap words = split_w(lines)\nsink out = tsv(output)\n' > p.fpipe -->
```
$ fpipec check p.fpipe
p.fpipe:3:17: error: unknown function 'split_x'
    3 | flatmap words = split_w(lines)
...
1 error generated.
```

```
$ printf 'stats: 1 thread, stage 1 9.999 s, peak RSS 1.0 MB (peak RSS 3.0x that), 2.5M records/s, 80 MB/s\n'
stats: 1 thread, stage 1 0.006 s, peak RSS 4.4 MB (peak RSS 7723.7x that), 4.21M records/s, 516 MB/s
$ printf 'a\nb\nc\n'
a
...
```

```
$ printf '{"seconds":0.5,"n":3}\n'
{"seconds":0.25,"n":4}
```

<!-- doctest: setup false -->
```
$ echo x
x
```

<!-- doctest: skip shown only -->
```
$ echo x
y
```

```
$ true
$ ls no-such-file
```

```
$ echo z
```
EOF
python3 tests/doctest.py --fpipec "$FPIPEC" "$DT/page.md" > "$DT/page.out" 2>&1
dtrc=$?
if [ $dtrc = 1 ] && grep -qx 'doctest: 6 samples run, 4 failed, 1 skipped, 2 without output' "$DT/page.out" &&
    grep -qx 'FAIL - doctest: page.md:5 fpipec check p.fpipe' "$DT/page.out" &&
    grep -qx "    -p.fpipe:3:17: error: unknown function 'split_x'" "$DT/page.out" &&
    grep -qx "    +p.fpipe:3:17: error: unknown function 'split_w'" "$DT/page.out" &&
    grep -qx 'ok - doctest: page.md:13 printf .*' "$DT/page.out" &&
    grep -qx '    -{"seconds":0.25,"n":4}' "$DT/page.out" &&
    grep -qx "    setup 'false' exited 1:" "$DT/page.out" &&
    grep -qx 'skip - doctest: page.md:33 echo x (shown only)' "$DT/page.out" &&
    grep -qx '    $ ls no-such-file: exited 2 (a sample showing no output must succeed):' "$DT/page.out" &&
    grep -qx 'ok - doctest: page.md:43 echo z' "$DT/page.out"; then
    ok "doctest: the runner reports a wrong sample with a diff, a failing setup or command, and counts a skip"
else bad "doctest: the runner on a doctored page (rc=$dtrc)" "$DT/page.out"; fi

# ---- docs/language.md against the compiler's tables ----------------------
# lang_names KIND: the names of one table, one a line:
#   keywords  grammar/lexer.re's keyword rules ("map" { kind = TK_MAP; ...)
#   builtins, monoids, operators  compiler/ops.h's X-macro rows
#   formats   compiler/ast.c's format_names (sources and sinks)
lang_names() {
    case $1 in
        keywords) grep -oE '^ *"[a-z_]+" +\{ *kind = TK_' grammar/lexer.re | grep -oE '"[a-z_]+"' ;;
        builtins) sed -n '/define FP_BUILTINS/,/^$/p' compiler/ops.h | grep -oE 'X\([A-Z_0-9]+, *"[a-z_0-9]+"' | grep -oE '"[a-z_0-9]+"' ;;
        monoids) sed -n '/define FP_MONOIDS/,/^$/p' compiler/ops.h | grep -oE 'X\([A-Z_0-9]+, *"[a-z_0-9]+"' | grep -oE '"[a-z_0-9]+"' ;;
        operators) sed -n '/define FP_OPS/,/^$/p' compiler/ops.h | grep -oE 'X\([A-Z_0-9]+, *"[a-z_0-9]+"' | grep -oE '"[a-z_0-9]+"' ;;
        formats) grep -E 'format_names\[\] *=' compiler/ast.c | grep -oE '"[a-z]+"' ;;
    esac | tr -d '"' | sort -u
}

# lang_problems DOC: one line per name of the tables DOC does not document.
# Its "Keywords (reserved ...)" list must be the lexer's keywords exactly;
# every builtin is written `NAME(...)`, every monoid, operator and format
# `NAME` somewhere (a format also as `NAME(input)` or `NAME(output)`).
lang_problems() {
    local doc=$1 n listed
    listed=$(sed -n '/Keywords (reserved/,/`\./p' "$doc" | sed "s/.*Keywords ([^)]*)://" |
             tr -d '`.' | tr -s ' \n' '\n\n' | grep . | sort -u)
    [ -n "$listed" ] || echo "${doc##*/} has no 'Keywords (reserved ...): \`...\`.' list"
    comm -23 <(lang_names keywords) <(printf '%s\n' "$listed") | sed "s/^/${doc##*/}'s keyword list misses /"
    comm -13 <(lang_names keywords) <(printf '%s\n' "$listed") | sed "s/^/${doc##*/}'s keyword list has /;s/\$/, not a keyword of grammar\/lexer.re/"
    for n in $(lang_names builtins); do
        grep -qF "\`$n(" "$doc" || echo "${doc##*/} does not document the builtin $n"
    done
    for n in $(lang_names monoids) $(lang_names operators); do
        grep -qE "\`$n[\`(]" "$doc" || echo "${doc##*/} does not document $n"
    done
    for n in $(lang_names formats); do
        grep -qE "(^|[^a-z_])$n\((input|output)\)" "$doc" || echo "${doc##*/} does not document the format $n"
    done
}

lang_problems docs/language.md > "$DT/lang"
[ "$(lang_names keywords | wc -l)" -ge 25 ] && [ "$(lang_names builtins | wc -l)" -ge 18 ] &&
    [ "$(lang_names monoids | wc -l)" -ge 8 ] && [ "$(lang_names formats | wc -l)" -ge 4 ] ||
    echo "the tables were not found: $(lang_names keywords | wc -l) keywords, $(lang_names builtins | wc -l) builtins" >> "$DT/lang"
if [ -s "$DT/lang" ]; then bad "doctest: language.md lists every keyword and documents every builtin, monoid, operator and format" "$DT/lang"
else ok "doctest: language.md lists every keyword and documents every builtin, monoid, operator and format"; fi
# The check can fail: a keyword left out of the list, one added, a builtin
# and a format not documented.
sed -e '/Keywords (reserved/,/`\./{s/ batch_map / /;s/ materialize / materialize frobnicate /}' \
    -e 's/`hash(/`hush(/g' -e "s/jsonl(input)/jsonl(x)/g" docs/language.md > "$DT/language.md"
lang_problems "$DT/language.md" > "$DT/out"
if grep -qx "language.md's keyword list misses batch_map" "$DT/out" &&
    grep -qx "language.md's keyword list has frobnicate, not a keyword of grammar/lexer.re" "$DT/out" &&
    grep -qx "language.md does not document the builtin hash" "$DT/out" &&
    grep -qx "language.md does not document the format jsonl" "$DT/out" && [ "$(wc -l < "$DT/out")" -eq 4 ]; then
    ok "doctest: a keyword, builtin and format missing from language.md are reported"
else bad "doctest: doctored language.md not rejected as it should be" "$DT/out"; fi

# ---- the man pages ---------------------------------------------------------
# Built by make (build/man/, from man/*.scd); each renders without a
# warning; fpipec(1) names every command and option `fpipec --help` and
# `fpipec COMMAND --help` list and every variable compiler/ reads;
# fpipe-program(1) every option a generated program's --help lists and
# every variable runtime/ reads; fpipe(5) every keyword, builtin, monoid,
# operator and format.

# help_options FILE: the options a --help text mentions, one a line.
help_options() {
    grep -oE '(^|[][ ,|(])--?[a-zA-Z][a-zA-Z0-9-]*' "$1" | sed -E 's/^[][ ,|(]//' | sort -u
}
# env_names FILE...: the variables C files read with getenv("NAME").
env_names() {
    grep -ohE 'getenv\("[A-Z_][A-Z0-9_]*"\)' "$@" | grep -oE '"[A-Z0-9_]+"' | tr -d '"' | sort -u
}
# man_problems PAGE.scd HELP ENVFILES...: what PAGE does not document of
# the options in the --help text HELP and the variables ENVFILES read.
man_problems() {
    local page=$1 help=$2 o
    shift 2
    for o in $(help_options "$help"); do
        grep -qE -- "\*$o[*=]" "$page" || echo "${page##*/} does not document the option $o"
    done
    for o in $(env_names "$@"); do
        grep -qE -- "\*$o\*" "$page" || echo "${page##*/} does not document the variable $o"
    done
}

MP=$DT/man
mkdir -p "$MP"
for p in fpipec.1 fpipe-program.1 fpipe.5; do
    if [ ! -s "$B/man/$p" ]; then bad "doctest: make builds $B/man/$p (scdoc)"; continue; fi
    if groff -man -Tutf8 -ww -z "$B/man/$p" > "$MP/$p.warn" 2>&1 && [ ! -s "$MP/$p.warn" ] &&
        MANWIDTH=80 man -l "$B/man/$p" 2> "$MP/$p.warn" | grep -q '^NAME'; then
        ok "doctest: man page $p renders without a warning (groff -ww, man -l)"
    else bad "doctest: man page $p renders with warnings" "$MP/$p.warn"; fi
done

# fpipec: the general help, then each command's own (where there is one).
"$FPIPEC" --help > "$MP/help" 2>&1
cmds=$(sed -n '/^commands:/,/^$/p' "$MP/help" | grep -oE '^  [a-z][a-z-]*' | tr -d ' ')
for c in $cmds; do
    "$FPIPEC" "$c" --help >> "$MP/help" 2> /dev/null || true
done
{
    [ "$(printf '%s\n' $cmds | wc -l)" -ge 9 ] || echo "fpipec --help lists $(printf '%s\n' $cmds | wc -l) commands"
    for c in $cmds; do
        grep -qE "^\*$c\*" man/fpipec.1.scd || echo "fpipec.1.scd does not document the command $c"
    done
    man_problems man/fpipec.1.scd "$MP/help" compiler/*.c
} > "$MP/fpipec"
if [ -s "$MP/fpipec" ]; then bad "doctest: fpipec(1) documents every command, option (--help) and variable of fpipec" "$MP/fpipec"
else ok "doctest: fpipec(1) documents every command, option (--help) and variable of fpipec"; fi

# a generated program
if "$FPIPEC" build examples/totals.fpipe -o "$MP/prog" > "$MP/out" 2>&1 && "$MP/prog" --help > "$MP/phelp" 2>&1; then
    man_problems man/fpipe-program.1.scd "$MP/phelp" runtime/*.c runtime/*.cc > "$MP/prog.out"
    [ "$(help_options "$MP/phelp" | wc -l)" -ge 12 ] || echo "a program's --help lists only $(help_options "$MP/phelp" | wc -l) options" >> "$MP/prog.out"
    if [ -s "$MP/prog.out" ]; then bad "doctest: fpipe-program(1) documents every option (--help) and variable of a program" "$MP/prog.out"
    else ok "doctest: fpipe-program(1) documents every option (--help) and variable of a program"; fi
    # and docs/running.md's table of options (`--threads N`, `-o PATH`, ...)
    for o in $(help_options "$MP/phelp"); do
        grep -qE -- "^\| .*\`$o[\` =]" docs/running.md || echo "running.md's option table does not name $o"
    done > "$MP/running"
    if [ -s "$MP/running" ]; then bad "doctest: running.md's option table names every option of a program's --help" "$MP/running"
    else ok "doctest: running.md's option table names every option of a program's --help"; fi
else bad "doctest: build a program for its --help" "$MP/out"; fi

# fpipe(5): its keyword list is the lexer's; every table's name is in it.
{
    listed=$(sed -n '/^Keywords (reserved)/,/\*\./p' man/fpipe.5.scd | sed 's/.*://' | tr -d '*.' |
             tr -s ' \n' '\n\n' | grep . | sort -u)
    comm -23 <(lang_names keywords) <(printf '%s\n' "$listed") | sed 's/^/fpipe.5.scd keyword list misses /'
    comm -13 <(lang_names keywords) <(printf '%s\n' "$listed") | sed 's/^/fpipe.5.scd keyword list has /'
    for n in $(lang_names builtins); do
        grep -qF "*$n(" man/fpipe.5.scd || echo "fpipe.5.scd does not document the builtin $n"
    done
    for n in $(lang_names monoids) $(lang_names operators); do
        grep -qE "(^|[^a-z_])$n([^a-z_]|\$)" man/fpipe.5.scd || echo "fpipe.5.scd does not document $n"
    done
    for n in $(lang_names formats); do
        grep -qE "(^|[^a-z_])$n\((input|output)\)" man/fpipe.5.scd || echo "fpipe.5.scd does not document the format $n"
    done
} > "$MP/fpipe5"
if [ -s "$MP/fpipe5" ]; then bad "doctest: fpipe(5) lists every keyword and documents every builtin, monoid, operator and format" "$MP/fpipe5"
else ok "doctest: fpipe(5) lists every keyword and documents every builtin, monoid, operator and format"; fi

# The checks can fail: a command, an option and a variable left out.
sed -e '/^\*verify\*/d' -e 's/\*--seed\*/seed/' -e 's/\*FPIPE_CFLAGS\*/flags/' man/fpipec.1.scd > "$MP/fpipec.1.scd"
printf '  --frobnicate           new\n' >> "$MP/help"
{
    for c in $cmds; do
        grep -qE "^\*$c\*" "$MP/fpipec.1.scd" || echo "fpipec.1.scd does not document the command $c"
    done
    man_problems "$MP/fpipec.1.scd" "$MP/help" compiler/*.c
} > "$MP/out"
if grep -qx 'fpipec.1.scd does not document the command verify' "$MP/out" &&
    grep -qx 'fpipec.1.scd does not document the option --seed' "$MP/out" &&
    grep -qx 'fpipec.1.scd does not document the option --frobnicate' "$MP/out" &&
    grep -qx 'fpipec.1.scd does not document the variable FPIPE_CFLAGS' "$MP/out" && [ "$(wc -l < "$MP/out")" -eq 4 ]; then
    ok "doctest: a command, options and a variable missing from fpipec(1) are reported"
else bad "doctest: doctored fpipec(1) not rejected as it should be" "$MP/out"; fi
