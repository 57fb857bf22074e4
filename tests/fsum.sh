# fsum.sh — exactly rounded f64 sums and means (issue 20, runtime/fsum.c):
# per-key and global sums against Python's math.fsum on adversarial data
# (tests/fsum/gen.py), bit for bit; one md5 for every partition size,
# thread count, split of the input into files and MPI rank count;
# infinities, NaNs, -0.0 and overflow; a checkpoint resumed; sums promoted
# out of the keyed tables' inline window at every boundary.  Sourced by
# tests/run.sh (uses its FPIPEC, B, TMP, ok, bad, same).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# fsum"
S=$TMP/fsum
mkdir -p "$S"
for p in sums global specials; do
    "$FPIPEC" build "tests/fsum/$p.fpipe" -o "$S/$p" > "$S/build.err" 2>&1 ||
        bad "fsum: build $p" "$S/build.err"
    for cc in gcc clang; do
        command -v $cc > /dev/null || continue
        "$FPIPEC" emit-c "tests/fsum/$p.fpipe" > "$S/$p.c" 2> /dev/null &&
            $cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$S/$p.c" -o "$S/$p.o" 2> "$S/cc.err" &&
            ok "fsum: generated C of $p compiles warning-free with $cc" || bad "fsum: generated C of $p with $cc" "$S/cc.err"
    done
done
# One sum and one mean alone (not in a tuple): the same values as the tuple's.
printf 'pipeline one\nsource lines = text(input)\nmap kv : (str, f64) = (field(lines, " ", 0), parse_f64(field(lines, " ", 1)))\ncombine_per_key s = %s\nsink out = tsv(output)\n' sum > "$S/sum1.fpipe"
printf 'pipeline one\nsource lines = text(input)\nmap kv : (str, f64) = (field(lines, " ", 0), parse_f64(field(lines, " ", 1)))\ncombine_per_key s = %s\nsink out = tsv(output)\n' mean > "$S/mean1.fpipe"
for p in sum1 mean1; do
    "$FPIPEC" build "$S/$p.fpipe" -o "$S/$p" > "$S/build.err" 2>&1 || bad "fsum: build $p" "$S/build.err"
done

# 200,000 lines (4.3 MB), about 5,000 keys; the global sum leaves out the
# values of 1e300 and more, whose exact sum is beyond the doubles.
python3 tests/fsum/gen.py 20 200000 > "$S/in.txt"
python3 -c 'import sys
for l in open(sys.argv[1]):
    if abs(float(l.split()[1])) < 1e300: sys.stdout.write(l)' "$S/in.txt" > "$S/gin.txt"

"$S/sums" -o "$S/ref" "$S/in.txt" 2> "$S/err" || bad "fsum: sums run" "$S/err"
python3 tests/fsum/check.py "$S/in.txt" "$S/ref" > "$S/chk" 2>&1 && [ "$(cat "$S/chk")" -gt 4000 ] &&
    ok "fsum: per-key sums and means equal math.fsum bit for bit ($(cat "$S/chk") keys)" ||
    bad "fsum: per-key sums against math.fsum" "$S/chk"
"$S/global" -o "$S/gref" "$S/gin.txt" 2> "$S/err" || bad "fsum: global run" "$S/err"
python3 tests/fsum/check.py "$S/gin.txt" "$S/gref" global > "$S/chk" 2>&1 &&
    ok "fsum: the global sum and mean equal math.fsum bit for bit" || bad "fsum: global sum against math.fsum" "$S/chk"
"$S/sum1" -o "$S/o1" "$S/in.txt" 2> "$S/err" && "$S/mean1" -o "$S/o2" "$S/in.txt" 2>> "$S/err" &&
    cut -f1,2 "$S/ref" > "$S/r1" && cut -f1,3 "$S/ref" > "$S/r2" &&
    cmp -s "$S/o1" "$S/r1" && cmp -s "$S/o2" "$S/r2" &&
    ok "fsum: sum and mean alone give the tuple's values" || bad "fsum: sum and mean alone" "$S/err"

# The matrix: partition sizes 4 KiB .. 64 MiB x threads 1, 2, 4; the input
# split into 3 and into 7 files; MPI 1, 2 and 3 ranks.  One md5 each for
# the keyed and the global program.
split -n l/3 -d "$S/in.txt" "$S/in3." && split -n l/7 -d "$S/in.txt" "$S/in7." &&
    split -n l/3 -d "$S/gin.txt" "$S/gin3."
: > "$S/md5s"; : > "$S/gmd5s"
for ps in 4096 65536 1048576 67108864; do
    for t in 1 2 4; do
        "$S/sums" --partition-size $ps --threads $t "$S/in.txt" | md5sum >> "$S/md5s"
        "$S/global" --partition-size $ps --threads $t "$S/gin.txt" | md5sum >> "$S/gmd5s"
    done
    "$S/sums" --partition-size $ps --threads 2 "$S"/in3.* | md5sum >> "$S/md5s"
    "$S/sums" --partition-size $ps --threads 2 "$S"/in7.* | md5sum >> "$S/md5s"
    "$S/global" --partition-size $ps --threads 2 "$S"/gin3.* | md5sum >> "$S/gmd5s"
done
if command -v mpirun > /dev/null && [ -f "$B/libfpipe_mpi.a" ]; then
    [ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    case "${FPIPE_CFLAGS:-}" in   # MPI's own allocations are never freed
        *sanitize=address*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ;;
    esac
    export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
    if "$FPIPEC" build --backend mpi tests/fsum/sums.fpipe -o "$S/sums.mpi" > "$S/build.err" 2>&1 &&
        "$FPIPEC" build --backend mpi tests/fsum/global.fpipe -o "$S/global.mpi" >> "$S/build.err" 2>&1; then
        for n in 1 2 3; do
            d=$(mktemp -d "$S/ompi.XXXXXX")
            TMPDIR=$d mpirun --oversubscribe --bind-to none -n $n "$S/sums.mpi" --threads 1 \
                --partition-size 65536 -o "$S/mpi$n" "$S/in.txt" 2> "$S/err" || bad "fsum: mpirun -n $n" "$S/err"
            md5sum < "$S/mpi$n" >> "$S/md5s"
            TMPDIR=$d mpirun --oversubscribe --bind-to none -n $n "$S/global.mpi" --threads 1 \
                --partition-size 65536 -o "$S/gmpi$n" "$S"/gin3.* 2> "$S/err" || bad "fsum: global mpirun -n $n" "$S/err"
            md5sum < "$S/gmpi$n" >> "$S/gmd5s"
            rm -rf "$d"
        done
    else bad "fsum: build --backend mpi" "$S/build.err"; fi
else
    echo "# fsum: MPI skipped (no mpirun or no $B/libfpipe_mpi.a)"
fi
md5sum < "$S/ref" >> "$S/md5s"
md5sum < "$S/gref" >> "$S/gmd5s"
[ "$(sort -u "$S/md5s" | wc -l)" = 1 ] &&
    ok "fsum: per-key sums: one md5 for partition sizes 4 KiB..64 MiB, threads 1/2/4, 3 and 7 files, MPI ($(wc -l < "$S/md5s") runs)" ||
    bad "fsum: per-key sums differ across the matrix" "$S/md5s"
[ "$(sort -u "$S/gmd5s" | wc -l)" = 1 ] &&
    ok "fsum: global sum: one md5 for partition sizes 4 KiB..64 MiB, threads 1/2/4, 3 files, MPI ($(wc -l < "$S/gmd5s") runs)" ||
    bad "fsum: global sums differ across the matrix" "$S/gmd5s"

# Specials: IEEE addition in any order (inf + -inf and any NaN give NaN),
# the sum of -0.0 alone is -0.0, an exact sum past the largest double is
# inf but one that only passes it on the way is not; small values that a
# running sum would lose.  Compared as doubles parsed back.
printf '%s\n' 'a 1' 'a inf' 'b inf' 'b -inf' 'c nan' 'c 1' 'd -inf' 'd 5' 'e -0.0' 'e -0.0' \
    'f -0.0' 'f 0.0' 'g 1e308' 'g 1e308' 'h 1e308' 'h 1e308' 'h -1e308' 'i 5e-324' 'i 5e-324' \
    'j 1' 'j 1e-16' 'j 1e-16' 'k 0.1' 'k 0.2' 'k -0.3' > "$S/sp.txt"
if "$S/specials" --partition-size 4096 --threads 2 -o "$S/sp.out" "$S/sp.txt" 2> "$S/err" &&
    python3 -c 'import math, struct, sys
want = {"a": (math.inf, math.inf), "b": (math.nan, math.nan), "c": (math.nan, math.nan),
        "d": (-math.inf, -math.inf), "e": (-0.0, -0.0), "f": (0.0, 0.0), "g": (math.inf, math.inf),
        "h": (1e308, 1e308 / 3), "i": (1e-323, 5e-324), "j": (math.fsum([1, 1e-16, 1e-16]), math.fsum([1, 1e-16, 1e-16]) / 3),
        "k": (math.fsum([0.1, 0.2, -0.3]), math.fsum([0.1, 0.2, -0.3]) / 3)}
b = lambda x: "nan" if math.isnan(x) else struct.pack("<d", x)
got = {}
for l in open(sys.argv[1]):
    k, s, m = l.split("\t")
    got[k] = (float(s), float(m))
bad = [k for k in want if k not in got or (b(got[k][0]), b(got[k][1])) != (b(want[k][0]), b(want[k][1]))]
print("differ:", bad, got) if bad or len(got) != len(want) else None
sys.exit(1 if bad or len(got) != len(want) else 0)' "$S/sp.out" > "$S/chk" 2>&1; then
    ok "fsum: infinities, NaNs, -0.0, overflow of the exact sum, small values kept"
else bad "fsum: specials" "$S/chk"; fi

# A checkpoint carries the exact accumulators: a resumed run (another
# partition size and thread count) prints the uninterrupted run's bytes.
sed 's/^combine_per_key stats       = (sum, mean, count)$/combine_per_key stats = (sum, mean, count) materialize/' \
    tests/fsum/sums.fpipe > "$S/ck.fpipe"
grep -q materialize "$S/ck.fpipe" && "$FPIPEC" build "$S/ck.fpipe" -o "$S/ck" > "$S/build.err" 2>&1 ||
    bad "fsum: build the checkpointed program" "$S/build.err"
FPIPE_CHECKPOINT_DIR=$S/ckdir "$S/ck" --partition-size 4096 --threads 2 -o "$S/ck1" "$S/in.txt" 2> "$S/err" &&
    FPIPE_CHECKPOINT_DIR=$S/ckdir "$S/ck" --resume --partition-size 1048576 --threads 1 -o "$S/ck2" "$S/in.txt" 2> "$S/err" &&
    grep -q "resuming from the checkpoint" "$S/err" && cmp -s "$S/ck1" "$S/ref" && cmp -s "$S/ck2" "$S/ref" &&
    ok "fsum: a resumed run (another partition size, 1 thread) prints the same bytes" ||
    bad "fsum: checkpoint resume" "$S/err"

# The keyed tables keep a sum inline until a value does not fit its window,
# then out of line (fp_xsum).  tests/fsum/promo.py makes keys that stay
# inline, that are promoted inside one partition, that are promoted only
# when two partitions' partial sums merge, and that cancel 1e308: against
# math.fsum, then one md5 over partition sizes and threads, a checkpoint
# written with promoted sums and resumed, and 2 and 3 MPI ranks (promoted
# sums in the shuffle and in the gathered runs).
python3 tests/fsum/promo.py 7 > "$S/pr.txt"
"$S/sums" --partition-size 4096 -o "$S/pr.ref" "$S/pr.txt" 2> "$S/err" || bad "fsum: promo run" "$S/err"
python3 tests/fsum/check.py "$S/pr.txt" "$S/pr.ref" > "$S/chk" 2>&1 && [ "$(cat "$S/chk")" = 160 ] &&
    ok "fsum: sums kept inline, promoted in a partition and promoted by a merge equal math.fsum" ||
    bad "fsum: promoted sums against math.fsum" "$S/chk"
: > "$S/prmd5"
for run in "4096 2" "65536 4" "67108864 1"; do
    read -r ps t <<< "$run"
    "$S/sums" --partition-size $ps --threads $t "$S/pr.txt" | md5sum >> "$S/prmd5"
done
rm -rf "$S/ckdir"
FPIPE_CHECKPOINT_DIR=$S/ckdir "$S/ck" --partition-size 4096 --threads 2 "$S/pr.txt" | md5sum >> "$S/prmd5"
FPIPE_CHECKPOINT_DIR=$S/ckdir "$S/ck" --resume --threads 1 "$S/pr.txt" 2> "$S/err" | md5sum >> "$S/prmd5"
grep -q "resuming from the checkpoint" "$S/err" || bad "fsum: promo: the checkpoint was not resumed" "$S/err"
if [ -f "$S/sums.mpi" ]; then
    for n in 2 3; do
        d=$(mktemp -d "$S/ompi.XXXXXX")
        TMPDIR=$d mpirun --oversubscribe --bind-to none -n $n "$S/sums.mpi" --threads 1 \
            --partition-size 4096 "$S/pr.txt" 2> "$S/err" | md5sum >> "$S/prmd5"
        rm -rf "$d"
    done
fi
md5sum < "$S/pr.ref" >> "$S/prmd5"
[ "$(sort -u "$S/prmd5" | wc -l)" = 1 ] &&
    ok "fsum: promoted sums: one md5 for partition sizes, threads, a resumed checkpoint, MPI ($(wc -l < "$S/prmd5") runs)" ||
    bad "fsum: promoted sums differ across runs" "$S/prmd5"

# The contracts: f64 sum and mean are exact and commutative (no warning,
# any --partition-size); a declared monoid doing f64 arithmetic keeps the
# warning and the partition-order fold (tests/warnings/f64_sum.fpipe).
"$FPIPEC" check examples/weights.fpipe > "$S/chk" 2>&1 && [ ! -s "$S/chk" ] &&
    "$FPIPEC" explain examples/weights.fpipe > "$S/ex" 2>&1 &&
    grep -q '^  boundary: combine_per_key total with sum; exact and commutative (f64 sum and mean keep the exact sum, rounded once): one table per thread' "$S/ex" &&
    grep -q '^  determinism: the same bytes in every mode (any --threads, any --partition-size)$' "$S/ex" &&
    "$FPIPEC" explain tests/warnings/f64_sum.fpipe > "$S/ex" 2> /dev/null &&
    "$FPIPEC" check tests/warnings/f64_sum.fpipe > "$S/chk" 2>&1 &&
    grep -q "warning: monoid 'total' does f64 arithmetic: associative only up to rounding" "$S/chk" &&
    [ "$(grep -c 'warning:' "$S/chk")" = 1 ] &&
    grep -q 'sum of f64: associative, commutative, exact (the exact sum, rounded once); mean of f64: associative, commutative, exact' "$S/ex" &&
    grep -q "^  determinism: the same bytes for every --threads; with another --partition-size the f64 fold of 'stats' may round differently" "$S/ex" &&
    ok "fsum: explain says f64 sum and mean are exact and commutative; a declared f64 monoid keeps the partition-size warning" ||
    bad "fsum: the contracts of f64 sums" "$S/chk"

# A promoted sum far into a wide accumulator (nine topk(1000) before it:
# past 64 KiB, where 16-bit offsets of the sums wrapped): a resumed
# checkpoint and MPI ranks carry it whole.
cat > "$S/wide.fpipe" <<'FP'
pipeline wide
source lines : str = text(input)
map kv : (str, f64) = (field(lines, " ", 0), parse_f64(field(lines, " ", 1))) on_error drop
combine_per_key agg = (topk(1000), topk(1000), topk(1000), topk(1000), topk(1000), topk(1000), topk(1000), topk(1000), topk(1000), sum) materialize
map r = (agg.0, agg.1.9)
sink out = tsv(output)
FP
awk 'BEGIN { for (i = 0; i < 3000; i++) print "k" i % 7, i * 0.25; print "b 1e300"; print "b 1"; print "b -1e300" }' > "$S/wide.txt"
printf 'b\t1\n' > "$S/wide.exp"
for i in 0 1 2 3 4 5 6; do
    python3 -c "import math; r = repr(math.fsum(j * 0.25 for j in range($i, 3000, 7))); print('k$i\t' + (r[:-2] if r.endswith('.0') else r))" >> "$S/wide.exp"
done
sort -o "$S/wide.exp" "$S/wide.exp"
if "$FPIPEC" build "$S/wide.fpipe" -o "$S/wide" 2> "$S/err"; then
    rm -rf "$S/wck"
    FPIPE_CHECKPOINT_DIR=$S/wck "$S/wide" --threads 2 --partition-size 4096 -o "$S/wide1" "$S/wide.txt" 2> "$S/err" &&
        FPIPE_CHECKPOINT_DIR=$S/wck "$S/wide" --resume --threads 1 -o "$S/wide2" "$S/wide.txt" 2> "$S/err2" &&
        grep -q "resuming from the checkpoint" "$S/err2" && cmp -s "$S/wide1" "$S/wide.exp" && cmp -s "$S/wide2" "$S/wide.exp" &&
        ok "fsum: a promoted sum past 64 KiB into the accumulator: right, and after --resume" ||
        bad "fsum: a promoted sum past 64 KiB into the accumulator" "$S/err2"
    sed '/materialize/s/ materialize$//' "$S/wide.fpipe" > "$S/widem.fpipe"
    if [ ! -f "$B/libfpipe_mpi.a" ] || ! command -v mpirun > /dev/null; then
        :   # no MPI here: tests/mpi.sh says so once
    elif ! "$FPIPEC" build --backend mpi "$S/widem.fpipe" -o "$S/widem" 2> "$S/err"; then
        bad "fsum: the wide accumulator does not build with --backend mpi" "$S/err"
    else
        d=$(mktemp -d "$S/ompi.XXXXXX")
        TMPDIR=$d mpirun --oversubscribe --bind-to none -n 2 "$S/widem" --threads 1 --partition-size 4096 \
            -o "$S/wide3" "$S/wide.txt" 2> "$S/err" && cmp -s "$S/wide3" "$S/wide.exp" &&
            ok "fsum: a promoted sum past 64 KiB into the accumulator, over 2 MPI ranks" ||
            bad "fsum: a promoted sum past 64 KiB into the accumulator, MPI" "$S/err"
        rm -rf "$d"
    fi
else
    bad "fsum: the wide accumulator does not build" "$S/err"
fi
