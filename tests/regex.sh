# regex.sh — the regex builtins (runtime/regex.c, PCRE2) end to end:
# matches, find_re, replace_re (group references, empty matches), extract
# (its drops counted) and split_re against Python's re on 40,000 generated
# lines (1.2 MB: about 300 partitions of 4 KiB) with the edge cases first
# (empty lines, separators only, a match at the end, bytes >= 0x80); every
# output byte-identical for --threads 1, 2 and 4 and under mpirun -n 2 and
# 3.  Sourced by tests/run.sh (uses its FPIPEC, B, TMP, ok, bad, same).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# regex"
RX=$TMP/regex
mkdir -p "$RX"
python3 tests/regex/gen.py 40000 1 > "$RX/in.txt"
rx_mpi=
if command -v mpirun > /dev/null && [ -f "$B/libfpipe_mpi.a" ]; then rx_mpi=1; fi
for rxp in rows extract split; do
    if ! "$FPIPEC" build "tests/regex/$rxp.fpipe" -o "$RX/$rxp" > "$RX/build.err" 2>&1; then
        bad "regex: build $rxp" "$RX/build.err"; continue
    fi
    python3 tests/regex/ref.py $rxp "$RX/in.txt" > "$RX/$rxp.ref" 2> "$RX/$rxp.refdrop"
    [ -s "$RX/$rxp.ref" ] || bad "regex: $rxp: the Python reference is empty"
    "$RX/$rxp" --threads 1 --partition-size 4096 -o "$RX/$rxp.seq" "$RX/in.txt" 2> "$RX/$rxp.err" ||
        { bad "regex: $rxp sequential run" "$RX/$rxp.err"; continue; }
    same "regex: $rxp equals Python's re" "$RX/$rxp.ref" "$RX/$rxp.seq"
    if [ $rxp = extract ]; then   # every element without the group is counted
        rxwant=$(cat "$RX/$rxp.refdrop")
        grep -q "dropped $rxwant elements (on_error drop)" "$RX/$rxp.err" &&
            ok "regex: extract drops and counts the $rxwant lines without group 2" ||
            bad "regex: extract's drop count, want $rxwant" "$RX/$rxp.err"
    fi
    for rxt in 2 4; do
        "$RX/$rxp" --threads $rxt --partition-size 4096 -o "$RX/$rxp.t$rxt" "$RX/in.txt" 2> "$RX/$rxp.err" ||
            bad "regex: $rxp --threads $rxt" "$RX/$rxp.err"
        same "regex: $rxp --threads $rxt equals --threads 1" "$RX/$rxp.seq" "$RX/$rxp.t$rxt"
    done
    if [ -n "$rx_mpi" ]; then
        if [ "$(id -u)" = 0 ]; then
            export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        fi
        if "$FPIPEC" build --backend mpi "tests/regex/$rxp.fpipe" -o "$RX/$rxp.mpi" > "$RX/build.err" 2>&1; then
            for rxn in 2 3; do
                rxd=$(mktemp -d "$RX/ompi.XXXXXX")
                TMPDIR=$rxd OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader mpirun --oversubscribe \
                    --bind-to none -n $rxn "$RX/$rxp.mpi" --threads 2 --partition-size 4096 \
                    -o "$RX/$rxp.mpi$rxn" "$RX/in.txt" > "$RX/$rxp.err" 2>&1 ||
                    bad "regex: $rxp mpirun -n $rxn" "$RX/$rxp.err"
                rm -rf "$rxd"
                same "regex: $rxp under mpirun -n $rxn (2 threads) equals --threads 1" "$RX/$rxp.seq" "$RX/$rxp.mpi$rxn"
            done
        else bad "regex: build --backend mpi $rxp" "$RX/build.err"; fi
    fi
done

# The generated C: a pattern is one static, named, quoted where it is used.
"$FPIPEC" emit-c tests/regex/rows.fpipe > "$RX/rows.c" 2> "$RX/err"
grep -q '^static fp_regex re_1 = {.pattern = "\[0-9\]{2,}"' "$RX/rows.c" &&
    grep -q 'fp_find_re(w, &site_row, &re_1 /\* "\[0-9\]{2,}" \*/, lines)' "$RX/rows.c" &&
    ok "regex: emit-c names each pattern re_N, quoted at its use" ||
    bad "regex: emit-c's patterns" "$RX/rows.c"
# A program without regex builtins needs no PCRE2.
"$FPIPEC" build examples/wordcount.fpipe -o "$RX/wc" > "$RX/build.err" 2>&1 || bad "regex: build wordcount" "$RX/build.err"
if readelf -d "$RX/rows" | grep -q 'libpcre2-8' && readelf -d "$RX/wc" > "$RX/wc.dyn" &&
    ! grep -q 'libpcre2' "$RX/wc.dyn"; then
    ok "regex: programs with regex builtins link libpcre2-8, the word count does not"
else bad "regex: libpcre2-8 linked where it is needed only"; fi

# Match errors are element errors, located, never a crash or a hang:
# catastrophic backtracking hits PCRE2's match limit; a replacement naming
# a group the pattern lacks fails only where there is a match.
printf 'pipeline rx_limit\nsource lines = text(input)\nfilter r = matches(lines, "^(a+)+$")\nsink out = tsv(output)\n' > "$RX/limit.fpipe"
printf 'pipeline rx_subst\nsource lines = text(input)\nmap r = replace_re(lines, "(a)", "<$2>") on_error drop\nsink out = tsv(output)\n' > "$RX/subst.fpipe"
{ echo aaa; python3 -c "print('a' * 60 + 'b')"; echo b; } > "$RX/limit.txt"
printf 'bbb\nxa\n\nccc\n' > "$RX/subst.txt"
if "$FPIPEC" build "$RX/limit.fpipe" -o "$RX/limit" > "$RX/build.err" 2>&1 &&
    "$FPIPEC" build "$RX/subst.fpipe" -o "$RX/subst" >> "$RX/build.err" 2>&1; then
    "$RX/limit" -o "$RX/limit.out" "$RX/limit.txt" 2> "$RX/limit.err"
    rxrc=$?
    [ $rxrc = 4 ] && grep -q "failed: regex match limit exceeded" "$RX/limit.err" &&
        grep -q "input: .*limit.txt:2" "$RX/limit.err" && [ ! -e "$RX/limit.out" ] &&
        ok "regex: catastrophic backtracking is an element error at its line (exit 4, no output)" ||
        bad "regex: catastrophic backtracking (exit $rxrc)" "$RX/limit.err"
    "$RX/subst" -o "$RX/subst.out" "$RX/subst.txt" 2> "$RX/subst.err" &&
        printf 'bbb\n\nccc\n' | cmp -s - "$RX/subst.out" && grep -q "dropped 1 element" "$RX/subst.err" &&
        ok "regex: a replacement naming a missing group fails the lines that match, counted" ||
        bad "regex: replace_re with \$2 of one group" "$RX/subst.err"
else bad "regex: build the match-error programs" "$RX/build.err"; fi
