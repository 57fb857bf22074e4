# params.sh — sourced by tests/run.sh (uses its B, FPIPEC, TMP, ok, bad,
# same): parameters (param NAME : T = DEFAULT, --param NAME=VALUE,
# --config's params:).
#
# tests/params/params.fpipe has one parameter of each type, one of them
# required.  Its output is checked against awk with the defaults, with
# --param, with --config and with both (--param wins over --config, which
# wins over the default), and is the same bytes at 1 and 4 threads, 4 KiB
# partitions and under mpirun.  Usage errors (an unknown name, values
# that are not of the type, a missing required one, a bad config) exit 2
# with the messages of tests/params/usage.err, before any input is read;
# the program's --help and fpipec explain are golden.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
P=$TMP/params
mkdir -p "$P"
case "${FPIPE_CFLAGS:-}" in   # MPI's own allocations are never freed
    *sanitize=address*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ;;
esac
awk 'BEGIN { for (i = 0; i < 20000; i++) { s = ""; for (k = 0; k < i % 23; k++) s = s sprintf("%c", 97 + (i * 7 + k) % 26); print s } }' > "$P/in.txt"
# ref LIMIT CITY LOUD SCALE2: what the pipeline writes (SCALE2: scale * 2.0 as fpipe prints it)
ref() {
    awk -v limit="$1" -v city="$2" -v loud="$3" -v s2="$4" \
        'length($0) <= limit { print (loud == "true" ? toupper($0) : $0) "\t" city "\t" length($0) * limit "\t" s2 }' "$P/in.txt"
}
if "$FPIPEC" build tests/params/params.fpipe -o "$P/params" > "$P/out" 2>&1; then
    # name | options | limit city loud scale*2
    while IFS='|' read -r name opts want; do
        printf 'threads: 2\nparams: {limit: 5, city: "Oslo", loud: true}\n' > "$P/run.yaml"
        eval "set -- $want"
        ref "$@" > "$P/ref"
        eval "\"$P/params\" $opts -o \"$P/o.tsv\" \"$P/in.txt\"" 2> "$P/out" &&
            same "params: $name vs awk" "$P/ref" "$P/o.tsv" || bad "params: $name failed" "$P/out"
    done <<'LIST'
defaults and the required one|--param city=Paris|12 Paris false -1
--param over the defaults|--param city=Lyon --param limit=3 --param loud=true --param scale=1e3|3 Lyon true 2000
the last --param of a name wins|--param city=A --param limit=3 --param city=B --param limit=4|4 B false -1
--config params: over the defaults|--config "$P/run.yaml"|5 Oslo true -1
--param over --config|--config "$P/run.yaml" --param limit=7 --param scale=0.125|7 Oslo true 0.25
a str with '=', spaces and quotes|--param 'city=a = "b"'|12 'a = "b"' false -1
LIST
    good=1
    "$P/params" --param city=X --param limit=15 -o "$P/m1" "$P/in.txt" 2> "$P/out" || good=0
    "$P/params" --threads 4 --partition-size 4096 --param city=X --param limit=15 -o "$P/m4" "$P/in.txt" 2>> "$P/out" &&
        cmp -s "$P/m1" "$P/m4" || good=0
    if command -v mpirun > /dev/null && [ -f "$B/libfpipe_mpi.a" ] && [ $good = 1 ]; then
        "$FPIPEC" build --backend mpi tests/params/params.fpipe -o "$P/params.mpi" >> "$P/out" 2>&1 &&
            mpirun --oversubscribe --allow-run-as-root -n 2 "$P/params.mpi" --threads 2 --partition-size 4096 \
                --param city=X --param limit=15 -o "$P/mm" "$P/in.txt" >> "$P/out" 2>&1 < /dev/null &&
            cmp -s "$P/m1" "$P/mm" || good=0
    fi
    [ $good = 1 ] && ok "params: the same bytes at 1 and 4 threads, 4 KiB partitions and under mpirun" ||
        bad "params: the modes differ" "$P/out"
    # Usage errors: exit 2, nothing written, the messages of usage.err.
    : > "$P/usage.got"
    printf 'params: {limit: 5, town: x}\n' > "$P/unknown.yaml"
    printf 'params:\n  limit: "5x"\n' > "$P/badval.yaml"
    printf 'params: [limit]\n' > "$P/notmap.yaml"
    while IFS= read -r opts; do
        rm -f "$P/u.tsv"
        (cd "$P" && eval "./params $opts -o u.tsv in.txt") > "$P/u.out" 2>&1; rc=$?
        { echo "== $opts (exit $rc)"; cat "$P/u.out"; } >> "$P/usage.got"
        [ $rc = 2 ] && [ ! -e "$P/u.tsv" ] || bad "params: '$opts' exits $rc or writes output" "$P/u.out"
    done <<'LIST'
--param limit=3
--param city=x --param limit=abc
--param city=x --param limit=99999999999999999999
--param city=x --param limit=
--param city=x --param scale=1.5x
--param city=x --param loud=yes
--param city=x --param town=Paris
--param city
--param =x
--config unknown.yaml --param city=x
--config badval.yaml --param city=x
--config notmap.yaml
LIST
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$P/usage.got" tests/params/usage.err; fi
    if cmp -s tests/params/usage.err "$P/usage.got"; then ok "params: usage errors (golden, exit 2, no output)"
    else diff -u tests/params/usage.err "$P/usage.got" > "$P/diff"; bad "params: usage errors (golden)" "$P/diff"; fi
    (cd "$P" && ./params --help) > "$P/help.got" 2>&1
    "$FPIPEC" explain tests/params/params.fpipe > "$P/explain.got" 2>&1
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$P/help.got" tests/params/help.txt; cp "$P/explain.got" tests/params/explain.txt; fi
    same "params: the program's --help lists them (golden)" tests/params/help.txt "$P/help.got"
    same "params: fpipec explain lists them (golden)" tests/params/explain.txt "$P/explain.got"
    # The generated C reads a parameter as a plain variable.
    "$FPIPEC" emit-c tests/params/params.fpipe 2> /dev/null | grep -q 'len(short) <= param_limit\|<= param_limit' &&
        ok "params: the generated C reads param_limit" || bad "params: no param_limit in the generated C"
else bad "params: build tests/params/params.fpipe" "$P/out"; fi
