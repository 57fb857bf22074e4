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

# ---- externs named like the runtime's and its libraries' symbols -----
# Each linked file defines the extern NAME and a helper named open: before
# the externs had their own namespace, write gave an empty output, rename
# no output file, mmap a crash, crc32 "corrupt" gzip input.  Now each runs
# and its output is right (the input is gzip: inflate, crc32, read).
for nm in write rename crc32 mmap read fsync inflate omp_get_num_procs; do
    d=$TMP/sym-extern-$nm
    rm -rf "$d"; mkdir -p "$d"
    printf 'pipeline p\nlink "f.c"\nextern %s(s: str) -> i64 pure\nsource lines = text(input)\nmap n = %s(lines)\nsink out = tsv(output)\n' \
        "$nm" "$nm" > "$d/p.fpipe"
    printf '#include "f.fpipe.h"\nint64_t open(int64_t x);\nint64_t open(int64_t x) { return x + 1; }\nint64_t %s(fp_ctx *cx, fp_str s) { (void)cx; return open((int64_t)s.n) - 1; }\n' \
        "$nm" > "$d/f.c"
    seq 1 30000 | sed 's/$/ word/' > "$d/plain"
    awk '{ print length($0) }' "$d/plain" > "$d/want"
    gzip -c "$d/plain" > "$d/in"
    sym_run "symbols: an extern named $nm (and a helper named open) cannot capture the runtime's calls" "$d" p.fpipe
done
# fpipec verify builds its property tests the same way.
if "$FP_ABS" verify "$TMP/sym-extern-write/p.fpipe" > "$TMP/sym.out" 2>&1 &&
    grep -q '^ok - extern write (line 3): deterministic' "$TMP/sym.out"; then
    ok "symbols: fpipec verify tests an extern named write"
else bad "symbols: fpipec verify of an extern named write" "$TMP/sym.out"; fi

# ---- user names and generated names never meet -------------------------
# Operators, externs and types named like every family of file-level names
# the emitter generates (ckpt_put_T, ckpt_get_T, resume1_from_OP,
# COMBINE_step, TOP_keep, TOP_order, SOURCE_columns): check accepts them,
# and the generated C compiles warning-free with gcc and clang.  (Externs
# with the fixed prefixes are refused: tests/errors/extern_generated_names.)
# names_locals: helper locals (counters n_OP, n_q, let_NAME) named like the
# combine's n_pending and n_apply, an extern.  names_params: an extern's
# parameters named like it and like each other once renamed.
for n in names_ops names_csv names_externs names_locals names_params; do
    f=tests/symbols/$n.fpipe
    if ! "$FPIPEC" emit-c "$f" > "$TMP/$n.c" 2> "$TMP/sym.err"; then
        bad "symbols: $n: emit-c fails" "$TMP/sym.err"; continue
    fi
    for cc in gcc clang; do
        command -v $cc > /dev/null || continue
        if $cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c \
            "$TMP/$n.c" -o "$TMP/$n.o" 2> "$TMP/sym.err"; then
            ok "symbols: $n: the C compiles warning-free with $cc"
        else bad "symbols: $n: the C does not compile with $cc" "$TMP/sym.err"; fi
    done
done
# names_ops and names_externs built and run against awk: each line's
# length summed per line (names_ops) or per line plus one (names_externs),
# the two largest.
seq 1 5000 | awk '{ print "w" ($1 % 7) }' > "$TMP/sym-names.in"
for n in names_ops names_externs; do
    plus=0; [ $n = names_externs ] && plus=1
    awk -v p=$plus '{ s[$0] += length($0) + p } END { for (k in s) print k "\t" s[k] }' \
        "$TMP/sym-names.in" | sort -t "$(printf '\t')" -k2,2nr -k1,1 | head -2 > "$TMP/$n.want"
    if "$FPIPEC" build "tests/symbols/$n.fpipe" -o "$TMP/$n" > "$TMP/sym.err" 2>&1 &&
        "$TMP/$n" -o "$TMP/$n.out" "$TMP/sym-names.in" >> "$TMP/sym.err" 2>&1; then
        same "symbols: $n runs and matches awk" "$TMP/$n.want" "$TMP/$n.out"
    else bad "symbols: $n: build or run failed" "$TMP/sym.err"; fi
done
# names_locals built and run against awk: each word longer than one byte,
# its length summed per word, in byte order.
seq 1 20000 | awk '{ print "w" ($1 % 13), "x", "yy" ($1 % 5) }' > "$TMP/sym-locals.in"
awk '{ for (i = 1; i <= NF; i++) if (length($i) > 1) s[$i] += length($i) }
     END { for (k in s) print k "\t" s[k] }' "$TMP/sym-locals.in" | sort > "$TMP/names_locals.want"
if (cd tests/symbols && "$FP_ABS" build names_locals.fpipe -o "$TMP/names_locals") > "$TMP/sym.err" 2>&1 &&
    "$TMP/names_locals" --threads 2 -o "$TMP/names_locals.out" "$TMP/sym-locals.in" >> "$TMP/sym.err" 2>&1; then
    same "symbols: names_locals runs and matches awk" "$TMP/names_locals.want" "$TMP/names_locals.out"
else bad "symbols: names_locals: build or run failed" "$TMP/sym.err"; fi
# names_params built and run against awk: 111 times each line's length.
awk '{ print length($0) * 111 }' "$TMP/sym-locals.in" > "$TMP/names_params.want"
if (cd tests/symbols && "$FP_ABS" build names_params.fpipe -o "$TMP/names_params") > "$TMP/sym.err" 2>&1 &&
    "$TMP/names_params" -o "$TMP/names_params.out" "$TMP/sym-locals.in" >> "$TMP/sym.err" 2>&1; then
    same "symbols: names_params runs and matches awk" "$TMP/names_params.want" "$TMP/names_params.out"
else bad "symbols: names_params: build or run failed" "$TMP/sym.err"; fi
