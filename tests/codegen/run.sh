# run.sh — sourced by tests/run.sh (uses B, FPIPEC, TMP, ok, bad, same): no
# .fpipe content can change the meaning of the generated C.  Adds to the
# "hostile names" tests of the cli section the cases they do not cover:
#   strings   NUL bytes (\0, \x00), raw bytes that are not UTF-8, a raw
#             carriage return, every trigraph-like ??x (??/ last in a
#             literal too), backslashes, quotes, "*/" and "/*"; a comment
#             holding raw bytes and */;
#   names     record types and fields that are C keywords or macros
#             (_Bool, int, struct, errno, NULL), operators named after
#             runtime and libc names (fp_str, fp_worker, fp_csv_row,
#             fp_ktab, FP_PAD, memchr, size_t, uint64_t, __LINE__,
#             _Static_assert, sizeof, typedef, EOF, exit, omp_*), a
#             pipeline named fp_main;
#   depth     chains of 100,000 operators or fields;
#   paths     a .fpipe path holding '"', '\', a newline, "*/" and "??/",
#             in comments and #line directives.
# Each program's C must compile with gcc and clang at -Wall -Wextra
# -Werror -Wshadow -pedantic -Wtrigraphs, be printable ASCII after its first
# line (every other byte escaped), and the program must write the strings
# byte for byte.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
CG=$TMP/codegen
mkdir -p "$CG"
# cg_check NAME FILE.fpipe [--line-directives]: emit, compile with gcc and
# clang, build; the executable is $CG/NAME.
cg_check() {
    local name=$1 f=$2 cc; shift 2
    if ! "$FPIPEC" emit-c "$@" "$f" -o "$CG/$name.c" > "$CG/err" 2>&1; then
        bad "codegen: $name: fpipec emit-c" "$CG/err"; return 1
    fi
    for cc in gcc clang; do
        command -v $cc > /dev/null || continue
        if ! $cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -Wtrigraphs -fopenmp -Iruntime \
            -c "$CG/$name.c" -o "$CG/$name.$cc.o" 2> "$CG/err"; then
            bad "codegen: $name: the C has $cc warnings" "$CG/err"; return 1
        fi
    done
    if tail -n +2 "$CG/$name.c" | LC_ALL=C grep -n -P '[^\x20-\x7e\t]' > "$CG/err"; then
        bad "codegen: $name: the C holds raw bytes outside printable ASCII" "$CG/err"; return 1
    fi
    if ! "$FPIPEC" build "$@" "$f" -o "$CG/$name" > "$CG/err" 2>&1; then
        bad "codegen: $name: fpipec build" "$CG/err"; return 1
    fi
    return 0
}

# Strings: every literal goes to the output through a CSV sink (which
# quotes, doubling '"', but leaves the bytes alone).
printf 'pipeline strs\n# a comment with raw bytes \xff\xfe\x80, */ and ??/\nsource line = text(input)\nmap row = (line, "nul:\\0:\\x00:end", "raw:\xff\xc3\x28\x80\xe9\xed\xa0\x80:cr\r:??/:??=:??(:??):??<:??>:??!:??-:??'"'"':\\\\:*/:/*:\\"", "trail??/", "bs\\\\")\nsink out = csv(output, header = false)\n' > "$CG/strs.fpipe"
printf 'x,nul:\0:\0:end,"raw:\377\303(\200\351\355\240\200:cr\r:??/:??=:??(:??):??<:??>:??!:??-:??'"'"':\\:*/:/*:""",trail??/,bs\\\n' > "$CG/strs.ref"
if cg_check strs "$CG/strs.fpipe"; then
    printf 'x\n' | "$CG/strs" - > "$CG/strs.out" 2> "$CG/err"
    same "codegen: NUL, non-UTF-8, CR, ??x, \\, \", */ in literals reach the output byte for byte" "$CG/strs.ref" "$CG/strs.out"
fi

# Names: C keywords, macros and libc names as record types and fields
# (the CSV header still names the fields as written).
cat > "$CG/names.fpipe" <<'XEOF'
pipeline fp_main
type _Bool = { int: str, struct: i64, errno: str, NULL: i64 }
source auto : _Bool = csv(input)
map register = (auto.int, auto.struct + auto.NULL, auto.errno)
filter __x = register.1 > 0
map printf = (__x.0, __x.1)
combine_per_key sites = sum
map memcpy = (sites.0, sites.1)
sink pipeline_ = tsv(output)
XEOF
printf 'int,struct,errno,NULL\na,1,e,2\nb,-5,f,1\na,3,g,0\n' > "$CG/names.csv"
if cg_check names "$CG/names.fpipe"; then
    "$CG/names" "$CG/names.csv" > "$CG/names.out" 2> "$CG/err"
    printf 'a\t6\n' > "$CG/names.ref"
    same "codegen: record types and fields named _Bool, int, struct, errno, NULL compile and read their columns" "$CG/names.ref" "$CG/names.out"
fi

# Operators named after the runtime's and libc's names.
cat > "$CG/rt.fpipe" <<'XEOF'
pipeline omp_get_num_procs
source fp_str = text(input)
flatmap fp_worker = split_ws(fp_str)
filter uint64_t = len(fp_worker) > 0
map size_t = (uint64_t, 1)
map FP_PAD = size_t
map memchr = FP_PAD
map fp_csv_row = memchr
map stage1_fp_str_to_x = fp_csv_row
map __LINE__ = stage1_fp_str_to_x
map _Static_assert = __LINE__
map sizeof = _Static_assert
map typedef = sizeof
map EOF = typedef
combine_per_key fp_ktab = sum
map main_ = fp_ktab
map w_ = main_
sink exit = tsv(output)
XEOF
if cg_check rt "$CG/rt.fpipe"; then
    printf 'b a b\n' | "$CG/rt" - > "$CG/rt.out" 2> "$CG/err"
    printf 'a\t1\nb\t2\n' > "$CG/rt.ref"
    same "codegen: operators named fp_str, fp_worker, FP_PAD, memchr, size_t, __LINE__, sizeof, EOF, exit ... count right" "$CG/rt.ref" "$CG/rt.out"
fi

# A path with a quote, a backslash, a newline, */ and ??/ in the folder
# name: comments, #line directives and the plan text stay well-formed.
hp="$CG/"$'q"u\\o\nte*/??/'
mkdir -p "$hp"
cp examples/wordcount.fpipe "$hp/w.fpipe"
if cg_check path "$hp/w.fpipe" --line-directives; then
    if grep -qF '#line 12 "'"$CG"'/q\"u\\o\nte*/?\?//w.fpipe"' "$CG/path.c" &&
        [ "$(printf 'b a b\n' | "$CG/path" -)" = "$(printf 'a\t1\nb\t2')" ] &&
        "$CG/path" --explain | head -2 | tail -1 | grep -qF "te*/??//w.fpipe)"; then
        ok "codegen: a .fpipe path holding \", \\, a newline, */ and ??/ is escaped in #line and comments"
    else bad "codegen: hostile path in #line" "$CG/path.c"; fi
fi

# Left-associative chains build expression trees of any depth without
# growing the parser's stack; the checker and the emitter recurse over
# them.  100,000 terms of "+" and 50,000 field accesses overflowed the C
# stack (SIGSEGV); now a chain deeper than 100 is an error (clang refuses
# C nested more than 256 brackets deep, and each level can be a call), and
# one of 100 levels still compiles (gcc and clang) and runs.
awk 'BEGIN { printf "pipeline p\nsource s = text(input)\nmap m = 1"; for (i = 0; i < 100000; i++) printf " + 1"; printf "\nsink o = tsv(output)\n" }' > "$CG/deep_sum.fpipe"
awk 'BEGIN { printf "pipeline p\nsource s = text(input)\nmap t = (s, 1)\nmap m = t"; for (i = 0; i < 50000; i++) printf ".0"; printf "\nsink o = tsv(output)\n" }' > "$CG/deep_field.fpipe"
for f in deep_sum deep_field; do
    "$FPIPEC" check "$CG/$f.fpipe" > /dev/null 2> "$CG/err"; rc=$?
    [ $rc = 1 ] && grep -q "error: expression nested too deeply" "$CG/err" && [ "$(grep -c 'error:' "$CG/err")" = 1 ] &&
        ok "codegen: $f: a left-associative chain tens of thousands deep is one error, not a stack overflow" ||
        bad "codegen: $f (rc $rc)" "$CG/err"
done
awk 'BEGIN { printf "pipeline p\nsource s = text(input)\nmap m = len(s)"; for (i = 0; i < 98; i++) printf " + 1"; printf "\nsink o = tsv(output)\n" }' > "$CG/deep_ok.fpipe"
if cg_check deep_ok "$CG/deep_ok.fpipe"; then
    [ "$(printf 'ab\n' | "$CG/deep_ok" -)" = 100 ] &&
        ok "codegen: a chain of 100 levels compiles warning-free and computes" || bad "codegen: deep_ok result"
fi
