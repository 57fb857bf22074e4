# limits.sh — limits that must stop a run with a clear error, never pass
# silently, cut something short or leave a file half written: the
# keyed-state cap counts the f64 sums promoted out of the tables' window
# (runtime/fsum.c, ktab.c); symlink chains and paths longer than PATH_MAX
# at the sink (runtime/sink.c); fpipec's outputs when a write fails
# (compiler/files.c).
# Sourced by tests/run.sh (uses its FPIPEC, TMP, ok, bad, same).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# limits"
L=$TMP/limits
mkdir -p "$L"
printf 'pipeline far\nsource lines = text(input)\nmap kv : (str, f64) = (field(lines, " ", 0), parse_f64(field(lines, " ", 1)))\ncombine_per_key s = sum\nsink out = tsv(output)\n' > "$L/far.fpipe"
"$FPIPEC" build "$L/far.fpipe" -o "$L/far" > "$L/build.err" 2>&1 || bad "limits: build far.fpipe" "$L/build.err"

# 30,000 keys, each with 1e300 and 1e-300: too far apart for a slot's
# window, so every key's sum is promoted (336 bytes each, 10 MB in all)
# while the slots stay near 4 MB.  Under an 8 MiB cap the run stops with
# the cap's error and writes nothing; under 64 MiB it passes, its sums
# against Python's, and --stats names the promoted sums' bytes.
awk 'BEGIN { for (i = 0; i < 30000; i++) { print "k" i, "1e300"; print "k" i, "1e-300" } }' > "$L/far.txt"
for t in 1 2; do
    rm -f "$L/far.out"
    FPIPE_MAX_TABLE_BYTES=8M "$L/far" --threads $t -o "$L/far.out" "$L/far.txt" > "$L/out" 2> "$L/err"
    rc=$?
    [ $rc = 5 ] && [ ! -e "$L/far.out" ] &&
        grep -q "error: the keyed combine's tables need more than 8388608 bytes, the cap FPIPE_MAX_TABLE_BYTES sets; no output was written" "$L/err" &&
        ok "limits: promoted f64 sums count against FPIPE_MAX_TABLE_BYTES (--threads $t: exit 5, no output)" ||
        bad "limits: promoted sums under an 8 MiB cap, --threads $t (exit $rc)" "$L/err"
done
python3 -c 'import math, sys
s = {}
for l in open(sys.argv[1]):
    k, v = l.split()
    s.setdefault(k, []).append(float(v))
for k in sorted(s):
    r = repr(math.fsum(s[k]))
    print(k + "\t" + r)' "$L/far.txt" > "$L/far.ref"
if FPIPE_MAX_TABLE_BYTES=64M "$L/far" --threads 2 --stats -o "$L/far.out" "$L/far.txt" 2> "$L/err"; then
    same "limits: 30,000 promoted sums under a 64 MiB cap = math.fsum" "$L/far.ref" "$L/far.out"
    head -1 "$L/err" | grep -Eq ', promoted sums [0-9.]+ MB, ' &&
        ok "limits: --stats prints the promoted sums' bytes" || bad "limits: --stats promoted sums" "$L/err"
else bad "limits: promoted sums under a 64 MiB cap" "$L/err"; fi
"$L/far" --stats=json -o "$L/far.out" "$L/far.txt" 2> "$L/err"
b=$(grep -o '"promoted_sum_bytes":[0-9]*' "$L/err" | cut -d: -f2)
[ -n "$b" ] && [ "$b" -ge $((30000 * 336)) ] &&
    ok "limits: --stats=json promoted_sum_bytes covers 30,000 sums ($b bytes)" ||
    bad "limits: --stats=json promoted_sum_bytes ($b)" "$L/err"

# The sink's one walk over symlinks: a chain of 40 links is written through
# to its end (the links stay); 41 is an error; a link whose target makes a
# path longer than PATH_MAX is an error that says so, not a shorter path.
printf 'a 1\n' > "$L/one.txt"
mkdir -p "$L/chain"
for i in $(seq 0 39); do ln -s "l$((i + 1))" "$L/chain/l$i"; done
"$L/far" -o "$L/chain/l0" "$L/one.txt" 2> "$L/err" && [ -L "$L/chain/l0" ] && [ -L "$L/chain/l39" ] &&
    printf 'a\t1\n' | cmp -s - "$L/chain/l40" &&
    ok "limits: -o through a chain of 40 symlinks writes the file at its end" ||
    bad "limits: a chain of 40 symlinks" "$L/err"
rm -f "$L/chain/l40"
ln -s l0 "$L/chain/m"
"$L/far" -o "$L/chain/m" "$L/one.txt" 2> "$L/err"
rc=$?
[ $rc = 3 ] && grep -q "cannot open output '$L/chain/m': Too many levels of symbolic links" "$L/err" &&
    [ ! -e "$L/chain/l40" ] &&
    ok "limits: a chain of 41 symlinks is an error (exit 3), nothing written" ||
    bad "limits: a chain of 41 symlinks (exit $rc)" "$L/err"
ln -s "$(python3 -c 'print("d/" * 2045 + "o")')" "$L/long"
"$L/far" -o "$L/long" "$L/one.txt" 2> "$L/err"
rc=$?
[ $rc = 3 ] && grep -q "cannot open output '$L/long': it or a symlink on its way names a path longer than 4095 bytes (PATH_MAX)" "$L/err" &&
    ok "limits: a symlink target past PATH_MAX is a clear error (exit 3)" ||
    bad "limits: a symlink target past PATH_MAX (exit $rc)" "$L/err"

# fpipec's outputs replace a file through a temporary renamed over it: a
# write that fails (here: past a 1 KiB file-size limit, SIGXFSZ ignored so
# that write says EFBIG) leaves the old file whole and no temporary behind.
# A device is written through, never renamed over (/dev/full: ENOSPC).
sed 's/^map \([a-z_]*\) /map   \1   /' examples/logs.fpipe > "$L/un.fpipe"
for v in emit-c convert fmt; do
    printf 'the old file\n' > "$L/old.$v"
    [ $v = fmt ] && cp "$L/un.fpipe" "$L/old.$v"
    cp "$L/old.$v" "$L/keep"
    mkdir -p "$L/w.$v"
    cp "$L/old.$v" "$L/w.$v/out"
    if [ $v = fmt ]; then
        (ulimit -f 1; trap '' XFSZ; exec "$FPIPEC" fmt -i "$L/w.$v/out") > "$L/out" 2> "$L/err"
    else
        args=("$v" examples/logs.fpipe)
        [ $v = convert ] && args=(convert --to yaml examples/rag_chunks.fpipe)   # over 1 KiB of YAML
        (ulimit -f 1; trap '' XFSZ; exec "$FPIPEC" "${args[@]}" -o "$L/w.$v/out") > "$L/out" 2> "$L/err"
    fi
    rc=$?
    [ $rc = 2 ] && grep -q "fpipec: error: cannot write '$L/w.$v/out': File too large" "$L/err" &&
        cmp -s "$L/keep" "$L/w.$v/out" && [ "$(ls -A "$L/w.$v")" = out ] &&
        ok "limits: fpipec $v: a failed write leaves the old file whole, no temporary" ||
        { ls -A "$L/w.$v" >> "$L/err"; bad "limits: fpipec $v: a failed write (exit $rc)" "$L/err"; }
done
"$FPIPEC" emit-c examples/logs.fpipe -o /dev/full 2> "$L/err"
rc=$?
[ $rc = 2 ] && grep -q "cannot write '/dev/full': No space left on device" "$L/err" && [ -c /dev/full ] &&
    ok "limits: fpipec emit-c -o /dev/full writes through the device and says it is full" ||
    bad "limits: fpipec emit-c -o /dev/full (exit $rc)" "$L/err"
# The new file's mode is 0666 less the umask; a replaced file keeps its mode.
rm -f "$L/m.c"
(umask 027; "$FPIPEC" emit-c examples/logs.fpipe -o "$L/m.c") &&
    [ "$(stat -c %a "$L/m.c")" = 640 ] && chmod 604 "$L/m.c" &&
    "$FPIPEC" dot examples/logs.fpipe -o "$L/m.c" && [ "$(stat -c %a "$L/m.c")" = 604 ] &&
    grep -q '^digraph' "$L/m.c" &&
    ok "limits: fpipec -o: a new file 0666 less the umask, a replaced one keeps its mode" ||
    bad "limits: fpipec -o file modes"
