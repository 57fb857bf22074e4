# memory.sh — bounded memory for keyed combines and top (issue 5, "Memory").
# Sourced by tests/run.sh after tests/runtime.sh (uses its FPIPEC, TMP, ok,
# bad, same, and the examples built into $TMP/bin by the e2e section).
#
# Every pipeline gives an input partition's pages back when it is done, so
# whatever outlives its partition (a keyed table's long keys, the strings
# of a top) must be copied: these tests check the output stays exact with
# keys and strings over 16 bytes, and that a keyed combine's peak RSS stays
# far below its input.

: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# memory"
Y=$TMP/mem
mkdir -p "$Y"
WC=$TMP/bin/wordcount
if [ ! -x "$WC" ]; then
    WC=$Y/wordcount
    "$FPIPEC" build examples/wordcount.fpipe -o "$WC" > "$Y/build.err" 2>&1 || bad "memory: build wordcount" "$Y/build.err"
fi

# Words of 20 to 40 bytes (only their first 16 bytes are inline in a
# slot), 40,000 distinct, a few of them sharing their first 16 bytes.
awk 'BEGIN { srand(7); for (i = 0; i < 200000; i++) {
        k = int(rand() ^ 2 * 40000)
        printf "%s-%d%s", (k % 3 ? "a-rather-long-word-number" : "a-rather-long-word-n"), k,
               (i % 9 == 8 ? "\n" : " ") } print "" }' > "$Y/long.txt"
# The reference: counted by mawk, sorted in byte order.
mawk '{ for (i = 1; i <= NF; i++) c[$i]++ } END { for (w in c) print w "\t" c[w] }' "$Y/long.txt" |
    LC_ALL=C sort -t "$(printf '\t')" -k1,1 > "$Y/long.ref"
good=1
for t in 1 2 4; do
    for p in 1000 65536 4194304; do
        "$WC" --threads $t --partition-size $p -o "$Y/long.out" "$Y/long.txt" 2> "$Y/err" &&
            cmp -s "$Y/long.ref" "$Y/long.out" ||
            { bad "memory: keys over 16 bytes, --threads $t --partition-size $p" "$Y/err"; good=0; break 2; }
    done
done
[ $good = 1 ] && ok "memory: keyed combine over keys of 20-40 bytes = mawk (threads 1/2/4 x partitions 1000/64K/4M)"

# --stats: the distinct keys and what they need (key bytes + the 8-byte
# count of each), against the reference's rows.
"$WC" --threads 2 --partition-size 65536 --stats=json -o "$Y/long.out" "$Y/long.txt" 2> "$Y/stats"
want=$(awk -F '\t' '{ n++; b += length($1) + 8 } END { printf "\"distinct_keys\":%d,\"key_bytes\":%d", n, b }' "$Y/long.ref")
grep -q "\"table_bytes\":[0-9]*,$want,\"promoted_sum_bytes\":0}" "$Y/stats" &&
    ok "memory: --stats=json reports distinct_keys and key_bytes (sum of key + accumulator bytes)" ||
    bad "memory: --stats=json distinct_keys/key_bytes (want $want)" "$Y/stats"
"$WC" --threads 1 --stats -o "$Y/long.out" "$Y/long.txt" 2> "$Y/stats"
head -1 "$Y/stats" | grep -Eq ', keyed tables [0-9.]+ MB, keys and accumulators [0-9.]+ [kM]B \(peak RSS [0-9.]+x that\)$' &&
    ok "memory: --stats prints the keys' bytes next to the tables and the peak RSS" ||
    bad "memory: --stats table header" "$Y/stats"

# A top over strings of 100 to 300 bytes: the heap copies the strings it
# keeps, their partitions' pages are given back.  Ties (equal lengths) go
# by the whole line, ascending.
cat > "$Y/toplong.fpipe" <<'EOF'
pipeline toplong
source lines : str = text(input)
top best = 25 by len(lines) desc
sink out = tsv(output)
EOF
awk 'BEGIN { srand(11); for (i = 0; i < 30000; i++) { n = 100 + int(rand() * 200); s = ""
        while (length(s) < n) s = s sprintf("%x", int(rand() * 65536))
        print substr(s, 1, n) } }' > "$Y/lines.txt"
awk '{ print length($0) "\t" $0 }' "$Y/lines.txt" | LC_ALL=C sort -t "$(printf '\t')" -k1,1nr -k2,2 |
    head -25 | cut -f2 > "$Y/top.ref"
if "$FPIPEC" build "$Y/toplong.fpipe" -o "$Y/toplong" > "$Y/build.err" 2>&1; then
    good=1
    for t in 1 2 4; do
        for p in 4096 65536 4194304; do
            "$Y/toplong" --threads $t --partition-size $p -o "$Y/top.out" "$Y/lines.txt" 2> "$Y/err" &&
                cmp -s "$Y/top.ref" "$Y/top.out" ||
                { bad "memory: top over long strings, --threads $t --partition-size $p" "$Y/err"; good=0; break 2; }
        done
    done
    [ $good = 1 ] && ok "memory: top over strings of 100-300 bytes = sort (threads 1/2/4 x partitions 4K/64K/4M)"
else bad "memory: build toplong" "$Y/build.err"; fi

# A keyed combine streams too: over a 120 MB input (the long-key file
# above, repeated) its peak RSS stays under 64 MB at 2 threads and 4 MiB
# partitions, while a mapped, pre-faulted input alone would be 120 MB; the
# counts are the reference's times the repeats.  Not under the sanitizers,
# whose shadow memory is most of the RSS.
case "${FPIPE_CFLAGS:-}" in
*sanitize*) ;;
*)
    sz=$(stat -c %s "$Y/long.txt")
    reps=$(( (120000000 + sz - 1) / sz ))
    for i in $(seq $reps); do cat "$Y/long.txt"; done > "$Y/big.txt"
    awk -F '\t' -v r=$reps '{ print $1 "\t" $2 * r }' "$Y/long.ref" > "$Y/big.ref"
    "$WC" --threads 2 --stats=json -o "$Y/big.out" "$Y/big.txt" 2> "$Y/big.err"
    rss=$(grep -o '"peak_rss_bytes":[0-9]*' "$Y/big.err" | sed 's/.*://')
    [ -n "$rss" ] && [ "$rss" -lt 67108864 ] && cmp -s "$Y/big.ref" "$Y/big.out" &&
        ok "memory: a keyed combine over $((reps * sz / 1000000)) MB peaks under 64 MB RSS ($((rss / 1048576)) MiB)" ||
        bad "memory: keyed combine peak RSS ${rss:-?} bytes over $((reps * sz)) bytes" "$Y/big.err"
    rm -f "$Y/big.txt" "$Y/big.out"
    ;;
esac
