# ustr.sh — sourced by tests/run.sh (uses its B, FPIPEC, TMP, ok, bad,
# same): the UTF-8 builtins (utf8proc) and the string builders of
# runtime/strings.c against Python.
#
# tests/ref/ustr.py writes 12,000 lines of mixed scripts (combining marks,
# Hangul jamo, final sigma, ligatures, ß and ẞ, digits of other scripts),
# one in 40 with bytes that are not UTF-8.  One map applies every builtin;
# Python's str.lower/upper/casefold/ljust/rjust, unicodedata.normalize
# ('NFC'), unicodedata.category (words) and format() say what each row
# must be, and which lines fail with which byte offset.  The same at 1, 2
# and 4 threads and partition sizes that cut lines (and characters)
# anywhere; then a word count over words(casefold(...)) against Counter.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
U=$TMP/ustr
mkdir -p "$U"
# The C functions on edge values (tests/unit/test_strings.c).
if ${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -fopenmp ${FPIPE_CFLAGS:-} -Iruntime \
    tests/unit/test_strings.c "$B/libfpipe.a" -lcsv -ljansson -lsimdjson -lyaml -lz -lutf8proc -lstdc++ -lm -o "$U/unit" 2> "$U/unit.cc"; then
    "$U/unit" > "$U/unit.out" 2>&1
    while IFS= read -r l; do
        case "$l" in
            "ok - "*) ok "${l#ok - }" ;;
            "FAIL - "*) bad "${l#FAIL - }" ;;
            *) echo "    $l" ;;
        esac
    done < "$U/unit.out"
    grep -q '^ok - ' "$U/unit.out" || bad "ustr: test_strings.c ran no test" "$U/unit.out"
else bad "ustr: tests/unit/test_strings.c does not compile" "$U/unit.cc"; fi
cat > "$U/us.fpipe" <<'FP'
pipeline us
source lines : str = text(input)
map row =
    let a = field(lines, "#", 0) in
    let b = field(lines, "#", 1) in
    let x = parse_f64(field(lines, "#", 2)) in
    (lower_utf8(a), upper_utf8(a), casefold(b), nfc(b), len_utf8(b), join(words(b), "|"),
     pad_left(a, 12, "·") + "/" + pad_right(b, 9, "*"),
     format("{:>10.3}|{:x}|{:<6}|{:^9}|{:08.2}|{}", x, parse_i64(field(lines, "#", 3)), a, a, x,
            len(b)),
     equals_fold(a, b), equals_fold(a, upper_utf8(a)), equals_ci(a, upper_utf8(a)),
     "[" + trim_left(b) + "|" + trim_right(b) + "]")
    on_error collect
sink out = tsv(output)
FP
cat > "$U/uw.fpipe" <<'FP'
pipeline uw
source lines : str = text(input)
flatmap words : str = words(casefold(lines)) on_error drop
map ones : (str, i64) = (words, 1)
combine_per_key counts = sum
sink out = tsv(output)
FP
# errs FILE: an error file's lines as "LINE<TAB>invalid UTF-8 at byte N"
# (which UTF-8 builtin of the row reports it first is C's order of
# evaluation, so the builtin's name is cut).
uerrs() {
    python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    print("%d\t%s" % (e["line"], e["message"].split(": ", 1)[1]))' "$1"
}
if python3 tests/ref/ustr.py gen "$U/in.txt" && python3 tests/ref/ustr.py ref "$U/in.txt" "$U/ref.tsv" "$U/ref.err" &&
    "$FPIPEC" build "$U/us.fpipe" -o "$U/us" > "$U/build.out" 2>&1; then
    good=1
    for tp in "1 4194304" "2 4096" "4 1000" "2 61"; do
        set -- $tp
        rm -f "$U/o.tsv" "$U/o.tsv.errors.jsonl"
        "$U/us" --threads "$1" --partition-size "$2" -o "$U/o.tsv" "$U/in.txt" 2> "$U/run.err" ||
            { bad "ustr: --threads $1 --partition-size $2 failed" "$U/run.err"; good=0; break; }
        uerrs "$U/o.tsv.errors.jsonl" > "$U/o.err"
        if ! cmp -s "$U/ref.tsv" "$U/o.tsv" || ! cmp -s "$U/ref.err" "$U/o.err"; then
            { diff "$U/ref.tsv" "$U/o.tsv" | head -20; diff "$U/ref.err" "$U/o.err" | head -20; } > "$U/diff" 2>&1
            bad "ustr: --threads $1 --partition-size $2 differs from tests/ref/ustr.py" "$U/diff"; good=0; break
        fi
    done
    [ $good = 1 ] && [ "$(wc -l < "$U/ref.err")" -ge 100 ] &&
        ok "ustr: casefold, nfc, lower/upper_utf8, len_utf8, words, pad, format, equals_*, trim_* as Python ($(wc -l < "$U/ref.tsv") rows, $(wc -l < "$U/ref.err") invalid UTF-8 lines failed), threads 1/2/4, partitions 4M/4096/1000/61"
else bad "ustr: generate, reference or build" "$U/build.out"; fi
if python3 tests/ref/ustr.py words "$U/in.txt" "$U/wref.tsv" &&
    "$FPIPEC" build "$U/uw.fpipe" -o "$U/uw" > "$U/build.out" 2>&1 &&
    "$U/uw" --threads 1 -o "$U/w1.tsv" "$U/in.txt" 2> "$U/run1.err" &&
    "$U/uw" --threads 4 --partition-size 777 -o "$U/w4.tsv" "$U/in.txt" 2> "$U/run.err"; then
    LC_ALL=C sort "$U/w1.tsv" > "$U/w1s.tsv"
    same "ustr: words(casefold(line)) counts as Python's Counter" "$U/wref.tsv" "$U/w1s.tsv"
    same "ustr: the word count at 4 threads, partitions of 777 bytes, byte-identical" "$U/w1.tsv" "$U/w4.tsv"
    grep -q "operator 'words' (.*uw.fpipe:3:1) dropped $(wc -l < "$U/ref.err") elements" "$U/run.err" &&
        ok "ustr: on_error drop counts every line with invalid UTF-8" || bad "ustr: drop count" "$U/run.err"
else bad "ustr: word count build or run" "$U/build.out"; fi
# fpipec verify: the laws of the string builtins hold on generated text.
if "$FPIPEC" verify "$U/us.fpipe" > "$U/verify.out" 2>&1 &&
    grep -q '^ok - the string builtins (.*us.fpipe:3:1): nfc and casefold idempotent' "$U/verify.out"; then
    ok "ustr: fpipec verify checks the string builtins' laws"
else bad "ustr: fpipec verify" "$U/verify.out"; fi
# --as-needed: a program calling a UTF-8 builtin needs libutf8proc, the
# word count (none) does not (docs/running.md, "Linking").
if "$FPIPEC" build examples/wordcount.fpipe -o "$U/wc" > "$U/wc.out" 2>&1 && [ -x "$U/uw" ] &&
    readelf -d "$U/uw" | grep -q 'NEEDED.*libutf8proc' && ! readelf -d "$U/wc" | grep -q 'libutf8proc'; then
    ok "ustr: libutf8proc is NEEDED by a program that calls words(casefold(...)), not by the word count"
else bad "ustr: libutf8proc as needed" "$U/wc.out"; fi
