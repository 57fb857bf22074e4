# doctest.sh — docs that cannot drift.
#   - every command sample of README.md and docs/*.md that shows output is
#     run and its output compared (tests/doctest.py says how, and how a
#     sample is skipped); the runner itself is run on doctored pages, whose
#     mistakes it must report;
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
