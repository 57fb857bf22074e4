# symbols.sh — sourced by tests/run.sh (uses its FPIPEC, TMP, ok, bad):
# what the C compiler and the linker see of the names and paths a
# pipeline declares.  Issue 19: a `link` path is a file, never an option
# or a response file; an extern cannot capture a symbol the runtime or its
# libraries call; no accepted name makes generated C that does not compile.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# symbols"
FP_ABS=$(cd "$(dirname "$FPIPEC")" && pwd)/$(basename "$FPIPEC")

# sym_run NAME DIR PIPELINE: build DIR/PIPELINE from inside DIR (so a link
# path reaches the C compiler as written), run it on DIR/in, compare with
# DIR/want.
sym_run() {
    local name=$1 dir=$2 p=$3
    if (cd "$dir" && "$FP_ABS" check "$p" && "$FP_ABS" build "$p" -o prog) > "$TMP/sym.err" 2>&1 &&
        (cd "$dir" && ./prog -o out in) >> "$TMP/sym.err" 2>&1; then
        same "$name" "$dir/want" "$dir/out"
    else bad "$name: check, build or run failed" "$TMP/sym.err"; fi
}

# ---- link paths: never an option, never a response file --------------
# '@opts.c' would make gcc read its options from opts.c (here: a compiler
# plugin); '-fplugin=x.c' would be an option.  Both must be compiled as
# the C files they are.
for lp in '@opts.c' '-fplugin=x.c'; do
    for kind in fpipe yaml; do
        d=$TMP/sym-link-$kind-${lp%%[=.]*}
        rm -rf "$d"; mkdir -p "$d"
        echo '-fplugin=./no-such-plugin.so' > "$d/opts.c"
        hn=${lp%.c}.fpipe.h
        printf '#include "%s"\nint64_t slen(fp_ctx *cx, fp_str s) { (void)cx; return (int64_t)s.n * 2; }\n' \
            "$hn" > "$d/$lp"
        if [ $kind = fpipe ]; then
            printf 'pipeline p\nlink "%s"\nextern slen(s: str) -> i64 pure\nsource lines = text(input)\nmap n = slen(lines)\nsink out = tsv(output)\n' \
                "$lp" > "$d/p.fpipe"
        else
            printf 'pipeline: p\nlink: ["%s"]\nexterns:\n  slen: {params: {s: str}, returns: i64, pure: true}\nsource: {name: lines, format: text}\noperators:\n  - {type: Map, name: n, func: slen}\n  - {type: Sink, name: out, func: tsv, path: out, contract: {idempotent: true}}\n' \
                "$lp" > "$d/p.yaml"
        fi
        printf 'ab\ncdef\n\n' > "$d/in"
        printf '4\n8\n0\n' > "$d/want"
        sym_run "symbols: link \"$lp\" in a .$kind file is compiled as a C file" "$d" "p.$kind"
    done
done
