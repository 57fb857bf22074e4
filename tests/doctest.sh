# doctest.sh — docs that cannot drift.
#   - every command sample of README.md and docs/*.md that shows output is
#     run and its output compared (tests/doctest.py says how, and how a
#     sample is skipped); the runner itself is run on doctored pages, whose
#     mistakes it must report;
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
# "..." hides too little, a setup that fails; and it passes a page whose
# times and memory differ (rule 2) and whose "..." stands for lines.
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
$ printf 'stats: 1 thread, stage 1 9.999 s, peak RSS 1.0 MB (peak RSS 3.0x that)\n'
stats: 1 thread, stage 1 0.006 s, peak RSS 4.4 MB (peak RSS 7723.7x that)
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
EOF
python3 tests/doctest.py --fpipec "$FPIPEC" "$DT/page.md" > "$DT/page.out" 2>&1
dtrc=$?
if [ $dtrc = 1 ] && grep -qx 'doctest: 4 samples run, 3 failed, 1 skipped, 0 without output' "$DT/page.out" &&
    grep -qx 'FAIL - doctest: page.md:5 fpipec check p.fpipe' "$DT/page.out" &&
    grep -qx "    -p.fpipe:3:17: error: unknown function 'split_x'" "$DT/page.out" &&
    grep -qx "    +p.fpipe:3:17: error: unknown function 'split_w'" "$DT/page.out" &&
    grep -qx 'ok - doctest: page.md:13 printf .*' "$DT/page.out" &&
    grep -qx '    -{"seconds":0.25,"n":4}' "$DT/page.out" &&
    grep -qx "    setup 'false' exited 1:" "$DT/page.out" &&
    grep -qx 'skip - doctest: page.md:33 echo x (shown only)' "$DT/page.out"; then
    ok "doctest: the runner reports a wrong sample with a diff, a failing setup, and counts a skip"
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
