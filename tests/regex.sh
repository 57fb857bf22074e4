# regex.sh — the regex builtins (runtime/regex.c, PCRE2) end to end:
# matches, find_re, replace_re (group references, empty matches), extract
# (its drops counted) and split_re against Python's re on 40,000 generated
# lines (1.2 MB: about 300 partitions of 4 KiB) with the edge cases first
# (empty lines, separators only, a match at the end, bytes >= 0x80); every
# output byte-identical for --threads 1, 2 and 4 and under mpirun -n 2 and
# 3.  Sourced by tests/run.sh (uses its FPIPEC, B, TMP, ok, bad, same).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# regex"
R=$TMP/regex
mkdir -p "$R"
python3 tests/regex/gen.py 40000 1 > "$R/in.txt"
have_mpi=
if command -v mpirun > /dev/null && [ -f "$B/libfpipe_mpi.a" ]; then have_mpi=1; fi
for p in rows extract split; do
    if ! "$FPIPEC" build "tests/regex/$p.fpipe" -o "$R/$p" > "$R/build.err" 2>&1; then
        bad "regex: build $p" "$R/build.err"; continue
    fi
    python3 tests/regex/ref.py $p "$R/in.txt" > "$R/$p.ref" 2> "$R/$p.refdrop"
    [ -s "$R/$p.ref" ] || bad "regex: $p: the Python reference is empty"
    "$R/$p" --threads 1 --partition-size 4096 -o "$R/$p.seq" "$R/in.txt" 2> "$R/$p.err" ||
        { bad "regex: $p sequential run" "$R/$p.err"; continue; }
    same "regex: $p equals Python's re" "$R/$p.ref" "$R/$p.seq"
    if [ $p = extract ]; then   # every element without the group is counted
        want=$(cat "$R/$p.refdrop")
        grep -q "dropped $want elements (on_error drop)" "$R/$p.err" &&
            ok "regex: extract drops and counts the $want lines without group 2" ||
            bad "regex: extract's drop count, want $want" "$R/$p.err"
    fi
    for t in 2 4; do
        "$R/$p" --threads $t --partition-size 4096 -o "$R/$p.t$t" "$R/in.txt" 2> "$R/$p.err" ||
            bad "regex: $p --threads $t" "$R/$p.err"
        same "regex: $p --threads $t equals --threads 1" "$R/$p.seq" "$R/$p.t$t"
    done
    if [ -n "$have_mpi" ]; then
        if [ "$(id -u)" = 0 ]; then
            export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        fi
        if "$FPIPEC" build --backend mpi "tests/regex/$p.fpipe" -o "$R/$p.mpi" > "$R/build.err" 2>&1; then
            for n in 2 3; do
                d=$(mktemp -d "$R/ompi.XXXXXX")
                TMPDIR=$d OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader mpirun --oversubscribe \
                    --bind-to none -n $n "$R/$p.mpi" --threads 2 --partition-size 4096 \
                    -o "$R/$p.mpi$n" "$R/in.txt" > "$R/$p.err" 2>&1 ||
                    bad "regex: $p mpirun -n $n" "$R/$p.err"
                rm -rf "$d"
                same "regex: $p under mpirun -n $n (2 threads) equals --threads 1" "$R/$p.seq" "$R/$p.mpi$n"
            done
        else bad "regex: build --backend mpi $p" "$R/build.err"; fi
    fi
done

# The generated C: a pattern is one static, named, quoted where it is used.
"$FPIPEC" emit-c tests/regex/rows.fpipe > "$R/rows.c" 2> "$R/err"
grep -q '^static fp_regex re_1 = {.pattern = "\[0-9\]{2,}"' "$R/rows.c" &&
    grep -q 'fp_find_re(w, &site_row, &re_1 /\* "\[0-9\]{2,}" \*/, lines)' "$R/rows.c" &&
    ok "regex: emit-c names each pattern re_N, quoted at its use" ||
    bad "regex: emit-c's patterns" "$R/rows.c"
# A program without regex builtins needs no PCRE2.
"$FPIPEC" build examples/wordcount.fpipe -o "$R/wc" > "$R/build.err" 2>&1 || bad "regex: build wordcount" "$R/build.err"
if readelf -d "$R/rows" | grep -q 'libpcre2-8' && readelf -d "$R/wc" > "$R/wc.dyn" &&
    ! grep -q 'libpcre2' "$R/wc.dyn"; then
    ok "regex: programs with regex builtins link libpcre2-8, the word count does not"
else bad "regex: libpcre2-8 linked where it is needed only"; fi

# Match errors are element errors, located, never a crash or a hang:
# catastrophic backtracking hits PCRE2's match limit; a replacement naming
# a group the pattern lacks fails only where there is a match.
printf 'pipeline rx_limit\nsource lines = text(input)\nfilter r = matches(lines, "^(a+)+$")\nsink out = tsv(output)\n' > "$R/limit.fpipe"
printf 'pipeline rx_subst\nsource lines = text(input)\nmap r = replace_re(lines, "(a)", "<$2>") on_error drop\nsink out = tsv(output)\n' > "$R/subst.fpipe"
{ echo aaa; python3 -c "print('a' * 60 + 'b')"; echo b; } > "$R/limit.txt"
printf 'bbb\nxa\n\nccc\n' > "$R/subst.txt"
if "$FPIPEC" build "$R/limit.fpipe" -o "$R/limit" > "$R/build.err" 2>&1 &&
    "$FPIPEC" build "$R/subst.fpipe" -o "$R/subst" >> "$R/build.err" 2>&1; then
    "$R/limit" -o "$R/limit.out" "$R/limit.txt" 2> "$R/limit.err"
    rc=$?
    [ $rc = 4 ] && grep -q "failed: regex match limit exceeded" "$R/limit.err" &&
        grep -q "input: .*limit.txt:2" "$R/limit.err" && [ ! -e "$R/limit.out" ] &&
        ok "regex: catastrophic backtracking is an element error at its line (exit 4, no output)" ||
        bad "regex: catastrophic backtracking (exit $rc)" "$R/limit.err"
    "$R/subst" -o "$R/subst.out" "$R/subst.txt" 2> "$R/subst.err" &&
        printf 'bbb\n\nccc\n' | cmp -s - "$R/subst.out" && grep -q "dropped 1 element" "$R/subst.err" &&
        ok "regex: a replacement naming a missing group fails the lines that match, counted" ||
        bad "regex: replace_re with \$2 of one group" "$R/subst.err"
else bad "regex: build the match-error programs" "$R/build.err"; fi
