# checkpoint.sh — materialize and --resume (issue 5): checkpoints of a
# keyed and of a global combine, and of element-wise operators (section
# 12), a run killed after its checkpoint, stale and corrupt checkpoints,
# MPI.  Sourced by tests/run.sh (uses its FPIPEC,
# TMP, ok, bad, same).  No test depends on timing: a kill waits for the
# checkpoint file to appear, and whatever the kill hit, the resumed output
# must be the uninterrupted run's.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# checkpoint"
K=$TMP/ckpt
ROOT=$PWD
KF=$ROOT/$FPIPEC
case $FPIPEC in /*) KF=$FPIPEC ;; esac
mkdir -p "$K/src"
cp tests/checkpoint/*.fpipe tests/checkpoint/*.c examples/rag.c "$K/src/"
for p in wc slow global f64 fails collects em_map em_flat em_filter em_fail em_collect em_drop em_slow em_batch em_csv topk; do
    "$FPIPEC" build "$K/src/$p.fpipe" -o "$K/$p" > "$K/build.err" 2>&1 ||
        bad "checkpoint: build $p" "$K/build.err"
done
"$FPIPEC" build examples/wordcount_resumable.fpipe -o "$K/top" > "$K/build.err" 2>&1 ||
    bad "checkpoint: build wordcount_resumable" "$K/build.err"
for p in wc slow global f64 fails collects em_map em_flat em_filter em_fail em_collect em_drop em_slow em_batch em_csv topk; do
    for cc in gcc clang; do
        command -v $cc > /dev/null || continue
        "$FPIPEC" emit-c "$K/src/$p.fpipe" > "$K/$p.c" 2> /dev/null &&
            $cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$K/$p.c" -o "$K/$p.o" 2> "$K/cc.err" &&
            ok "checkpoint: generated C of $p compiles warning-free with $cc" || bad "checkpoint: generated C of $p with $cc" "$K/cc.err"
    done
done

# Inputs: 60000 distinct words (w1..w60000, word i (i % 3) + 1 times), in
# two files; numbers with bad lines; "key value" lines with f64 values.
awk 'BEGIN { for (i = 1; i <= 60000; i++) for (k = 0; k <= i % 3; k++) printf "w%d%s", i, (i % 7 ? " " : "\n"); printf "\n" }' > "$K/a.txt"
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "w%d z%d\n", i * 3, i % 101 }' > "$K/b.txt"
awk 'BEGIN { for (i = 1; i <= 30000; i++) if (i % 9 == 0) print "x" i; else print (i * 7919) % 100003 - 50000 }' > "$K/n.txt"
awk 'BEGIN { for (i = 1; i <= 30000; i++) printf "k%d %.6f\n", i % 97, (i * 0.37) / (1 + i % 13) }' > "$K/f.txt"
# References: coreutils/awk for the word count, the pipeline without a
# checkpoint folder for the rest.
words_of "$K/a.txt" "$K/b.txt" | sort | uniq -c | sed -E 's/^ *([0-9]+) (.*)$/\2\t\1/' > "$K/ref.slow"
awk '/^-?[0-9]+$/ { n++; s += $1; if (n == 1 || $1 + 0 > m) m = $1 + 0 } END { printf "%d\t%d\t%d\n", n, s, m }' "$K/n.txt" > "$K/ref.global"

cd "$K"   # the default checkpoint folder is ./.fpipe-checkpoints
unset FPIPE_CHECKPOINT_DIR
CK=.fpipe-checkpoints/wc.counts.ckpt

# 1. An uninterrupted run writes the checkpoint and the right output.
rm -rf .fpipe-checkpoints
if ./wc -o out.full a.txt b.txt 2> err && [ -f $CK ]; then
    same "checkpoint: a run with materialize writes the checkpoint and the word counts (vs coreutils)" ref.slow out.full
else bad "checkpoint: the first run of slow" err; fi

# 2. --resume from it, for every thread count and partition size: the same
# bytes, the input not read (a note says so; --stats=json marks the counts).
good=1
for t in 1 2 4; do
    for p in 4194304 1024 61; do
        ./wc --resume --threads $t --partition-size $p -o out.r a.txt b.txt 2> err ||
            { bad "checkpoint: --resume --threads $t --partition-size $p failed" err; good=0; break 2; }
        cmp -s out.full out.r || { bad "checkpoint: --resume --threads $t --partition-size $p differs" err; good=0; break 2; }
        grep -q "resuming from the checkpoint '$CK' of 'counts' ($K/src/wc.fpipe:8:1, 60101 keys)" err ||
            { bad "checkpoint: --resume --threads $t: no note" err; good=0; break 2; }
    done
done
[ $good = 1 ] && ok "checkpoint: --resume gives the same bytes for threads 1/2/4 x 4M/1K/61 and says where it starts"
nwords=$(words_of a.txt b.txt | wc -l)
nlines=$(cat a.txt b.txt | wc -l)
./wc --resume --stats=json -o out.r a.txt b.txt 2> err
if grep -q '"resumed_from":".fpipe-checkpoints/wc.counts.ckpt","operators"' err &&
   grep -q "\"name\":\"lines\",\"kind\":\"source\",[^}]*\"in\":$nlines,\"out\":$nlines,[^}]*\"from_checkpoint\":true" err &&
   grep -q "\"name\":\"ones\",\"kind\":\"map\",[^}]*\"in\":$nwords,\"out\":$nwords,[^}]*\"from_checkpoint\":true" err &&
   grep -q '"name":"counts","kind":"combine_per_key",[^}]*"out":60101,[^}]*"from_checkpoint":false' err; then
    ok "checkpoint: --stats=json after --resume: the source's and map's counts come from the checkpoint and reconcile"
else bad "checkpoint: --stats=json after --resume" err; fi
./wc --resume --stats -o out.r a.txt b.txt 2> err
grep -q "resumed from the checkpoint '$CK'" err && grep -q 'lines *source.*\* from the checkpoint' err &&
    ok "checkpoint: the --stats table marks the counts of the checkpoint" || bad "checkpoint: --stats table after --resume" err
# The resumed run does not read the input: an edit in place that keeps the
# size and the modification time (the fingerprint is stat()'s; documented)
# does not change what it writes.
cp -p a.txt a.orig
printf 'ZZ' | dd of=a.txt bs=1 seek=0 conv=notrunc 2> /dev/null
touch -r a.orig a.txt
./wc --resume -o out.r a.txt b.txt 2> err && cmp -s out.full out.r && ! grep -q warning err &&
    ok "checkpoint: --resume does not read the input (an edit that keeps size and mtime is not seen)" ||
    bad "checkpoint: --resume read the input" err
cp -p a.orig a.txt

# 4. Stale checkpoints: a changed input, a changed program, another input
# list.  A one-line warning says which and why; the run starts over.
stale() {   # stale NAME REFERENCE PATTERN CMD...
    local name=$1 ref=$2 pat=$3; shift 3
    if "$@" -o out.s 2> err && cmp -s "$ref" out.s && grep -q "warning: checkpoint '[^']*' is stale ($pat" err &&
       [ "$(grep -c warning err)" = 1 ] && ! grep -q resuming err; then
        ok "checkpoint: $name: warned as stale, the full run's bytes"
    else bad "checkpoint: $name" err; fi
}
./wc -o out.full a.txt b.txt 2> /dev/null
cp -p b.txt b.keep
touch -d '2001-01-01' b.txt
stale "a touched input" out.full "input 'b.txt' changed: modified since)" ./wc --resume a.txt b.txt
echo "w1 w1 extra" >> b.txt
words_of a.txt b.txt | sort | uniq -c | sed -E 's/^ *([0-9]+) (.*)$/\2\t\1/' > ref.grown
stale "a grown input" ref.grown "input 'b.txt' changed: [0-9]* bytes then, [0-9]* now)" ./wc --resume a.txt b.txt
cp -p b.keep b.txt
./wc -o out.a a.txt 2> /dev/null
./wc -o /dev/null a.txt b.txt 2> /dev/null
stale "fewer inputs" out.a "it was made from 2 inputs, this run reads 1)" ./wc --resume a.txt
./wc -o /dev/null a.txt b.txt 2> /dev/null
cp -p b.keep b.new && mv b.new b.txt   # the same bytes and mtime, another file
stale "an input replaced by a copy" out.full "input 'b.txt' is another file: its inode changed)" ./wc --resume a.txt b.txt
# A changed program: the same pipeline with another stage 2.
sed 's/(words, 1)/(words, 1 + 0)/' "$K/src/wc.fpipe" > "$K/src/wc2.fpipe"
if "$KF" build "$K/src/wc2.fpipe" -o wc2 > err 2>&1; then
    stale "a changed program" out.full "written by another build of the pipeline, or with other operator settings: the program changed)" ./wc2 --resume a.txt b.txt
else bad "checkpoint: build wc2" err; fi

# 5. Corrupt checkpoints: truncated, a byte flipped in the payload, in the
# header, in the magic.  The same: a warning saying why, the full run.
corrupt() {   # corrupt NAME PATTERN: CK was damaged
    local name=$1 pat=$2
    if ./wc --resume -o out.c a.txt b.txt 2> err && cmp -s out.full out.c &&
       grep -q "warning: checkpoint '$CK' is corrupt ($pat): ignored, running from the start" err &&
       [ "$(grep -c warning err)" = 1 ]; then
        ok "checkpoint: $name: warned as corrupt, the full run's bytes"
    else bad "checkpoint: $name" err; fi
}
flip() {   # flip OFFSET: one byte of CK inverted
    local b
    b=$(od -An -tu1 -j "$1" -N1 $CK | tr -d ' ')
    printf "$(printf '\\%03o' $((255 - b)))" | dd of=$CK bs=1 seek="$1" conv=notrunc 2> /dev/null
}
./wc -o /dev/null a.txt b.txt 2> /dev/null
size=$(wc -c < $CK)
truncate -s $((size / 2)) $CK
corrupt "a truncated checkpoint" "short file: the payload has [0-9]* bytes of [0-9]*"
./wc -o /dev/null a.txt b.txt 2> /dev/null
truncate -s 10 $CK
corrupt "a checkpoint cut in its header" "short file: 10 bytes"
./wc -o /dev/null a.txt b.txt 2> /dev/null
flip $((size - 100))
corrupt "a byte flipped in the payload" "payload checksum mismatch"
./wc -o /dev/null a.txt b.txt 2> /dev/null
flip 20
corrupt "a byte flipped in the header" "header checksum mismatch"
./wc -o /dev/null a.txt b.txt 2> /dev/null
flip 0
corrupt "a bad magic number" "not a checkpoint file: bad magic"
# Lies with valid checksums (tests/checkpoint/forge.py recomputes both):
# every length and count in the payload is checked against its end
# (before, these read past it: a crash, or heap bytes in the output).
./wc -o /dev/null a.txt b.txt 2> /dev/null
python3 "$ROOT/tests/checkpoint/forge.py" $CK keylen
corrupt "a key length past the payload, checksums recomputed" "key 1 of the payload is cut short"
rm -rf .fpipe-checkpoints
./topk -o out.t n.txt 2> /dev/null
python3 "$ROOT/tests/checkpoint/forge.py" .fpipe-checkpoints/topk.best.ckpt topk
./topk --resume -o out.tr n.txt 2> err && cmp -s out.t out.tr &&
    [ "$(cat out.t)" = "$(grep -E '^-?[0-9]+$' n.txt | sort -n | tail -3 | sort -rn | paste -sd, | sed 's/.*/[&]/')" ] &&
    grep -q "warning: checkpoint '.fpipe-checkpoints/topk.best.ckpt' is corrupt (the accumulator's counts are out of range): ignored, running from the start" err &&
    ok "checkpoint: a topk(3) count of 1000000, checksums recomputed: warned as corrupt, the full run (vs sort)" ||
    bad "checkpoint: a topk count past its array" err
# Without --resume a checkpoint is never read (no warning), and rewritten.
./wc -o out.c a.txt b.txt 2> err && cmp -s out.full out.c && ! grep -q warning err &&
    ./wc --resume -o out.c a.txt b.txt 2> err && grep -q resuming err &&
    ok "checkpoint: without --resume a corrupt checkpoint is not read, and is rewritten" ||
    bad "checkpoint: without --resume" err
rm -rf .fpipe-checkpoints
./wc --resume -o out.c a.txt b.txt 2> err && cmp -s out.full out.c &&
    grep -q "warning: no checkpoint '$CK' to resume from (missing): running from the start" err &&
    ok "checkpoint: --resume without a checkpoint warns and runs from the start" ||
    bad "checkpoint: --resume without a checkpoint" err
# Standard input cannot be fingerprinted: no checkpoint, a warning.
rm -rf .fpipe-checkpoints
cat a.txt b.txt | ./wc --resume -o out.c - 2> err && cmp -s out.full out.c &&
    grep -q "warning: materialize 'counts' writes no checkpoint: input '-' is not a regular file" err &&
    [ ! -e $CK ] && ok "checkpoint: standard input: no checkpoint, a warning, the right output" ||
    bad "checkpoint: standard input" err

# 6. --checkpoint-dir and --config's checkpoint_dir.
./wc --checkpoint-dir ck1 -o /dev/null a.txt b.txt 2> err && [ -f ck1/wc.counts.ckpt ] &&
    ./wc --checkpoint-dir ck1 --resume -o out.c a.txt b.txt 2> err && cmp -s out.full out.c &&
    grep -q "checkpoint 'ck1/wc.counts.ckpt'" err &&
    ok "checkpoint: --checkpoint-dir DIR" || bad "checkpoint: --checkpoint-dir" err
printf 'checkpoint_dir: ck2\n' > run.yaml
./wc --config run.yaml -o /dev/null a.txt b.txt 2> err && [ -f ck2/wc.counts.ckpt ] &&
    ./wc --config run.yaml --checkpoint-dir ck1 --resume -o out.c a.txt b.txt 2> err &&
    grep -q "checkpoint 'ck1/wc.counts.ckpt'" err &&
    ok "checkpoint: --config checkpoint_dir (the command line overrides it)" || bad "checkpoint: config checkpoint_dir" err
./wc --help | grep -q -- '--resume' && ./wc --help | grep -q -- '--checkpoint-dir DIR' &&
    ok "checkpoint: --help names --resume and --checkpoint-dir" || bad "checkpoint: --help"

# 3. Killed after the checkpoint appears (stage 2 spins per key): --resume
# finishes with the bytes of the uninterrupted run.
rm -rf .fpipe-checkpoints out.k
./slow --threads 2 -o out.k a.txt b.txt 2> err.k &
pid=$!
for i in $(seq 1 6000); do [ -f .fpipe-checkpoints/slow.counts.ckpt ] && break; kill -0 $pid 2> /dev/null || break; sleep 0.05; done
kill -9 $pid 2> /dev/null && killed="killed in stage 2" || killed="finished before the kill"
wait $pid 2> /dev/null
if [ -f .fpipe-checkpoints/slow.counts.ckpt ]; then
    [ "$killed" = "killed in stage 2" ] && [ -e out.k ] && bad "checkpoint: a killed run left an output file"
    ./slow --resume -o out.k a.txt b.txt 2> err &&
        cmp -s ref.slow out.k && grep -q "resuming from the checkpoint" err &&
        ok "checkpoint: a run kill -9'd after its checkpoint ($killed): --resume writes the same bytes" ||
        bad "checkpoint: resume after kill -9" err
else bad "checkpoint: the killed run wrote no checkpoint" err.k; fi

# 7. A global combine after on_error drop: the value and the drop count
# survive a resume.
ndrop=$(grep -c '^x' n.txt)
./global -o out.g n.txt 2> err.g
./global --resume -o out.g2 n.txt 2> err.g2
if cmp -s ref.global out.g && cmp -s out.g out.g2 && grep -q "resuming from the checkpoint '.fpipe-checkpoints/global.total.ckpt' of 'total' ($K/src/global.fpipe:7:1, 1 value)" err.g2 &&
   grep -q "operator 'n' ($K/src/global.fpipe:6:1) dropped $ndrop elements" err.g2; then
    ok "checkpoint: a global combine: --resume gives the value (vs awk) and the drop count"
else bad "checkpoint: global combine" err.g2; fi
# The operators' run settings are part of what a checkpoint was made from:
# the same build with `n` collecting (--config operators:) is stale.
printf 'errors: e.jsonl\noperators:\n  n: {on_error: collect}\n' > other.yaml
stale "other operator settings (--config)" ref.global "written by another build of the pipeline, or with other operator settings" \
    ./global --resume --config other.yaml n.txt
[ "$(wc -l < e.jsonl)" = "$ndrop" ] && ok "checkpoint: the stale run collected what the checkpointed one dropped" ||
    bad "checkpoint: collect after a stale checkpoint" e.jsonl

# 8. f64 sums are exact (runtime/fsum.c): the checkpoint holds the exact
# accumulators, and a resumed run at any partition size and thread count
# gives the uninterrupted run's bytes.
./f64 --partition-size 1024 -o out.f1 f.txt 2> /dev/null
./f64 --partition-size 61 -o out.f2 f.txt 2> /dev/null   # another partition size (and its checkpoint)
same "checkpoint: f64 sums: partition sizes 1024 and 61 give the same bytes" out.f1 out.f2
./f64 --resume --threads 4 --partition-size 1024 -o out.r f.txt 2> err && cmp -s out.f1 out.r && grep -q resuming err &&
    ok "checkpoint: f64 sums: --resume at another partition size and 4 threads, the same bytes" || bad "checkpoint: f64 resume" err

# 9. A top after the checkpointed combine (examples/wordcount_resumable).
./top -o out.t a.txt b.txt 2> /dev/null
sort -t "$(printf '\t')" -k2,2nr -k1,1 ref.slow | head -20 > ref.top
./top --resume --threads 4 -o out.t2 a.txt b.txt 2> err
same "checkpoint: wordcount_resumable --resume: the top 20 (vs coreutils)" ref.top out.t2
cmp -s out.t out.t2 && grep -q "resuming from the checkpoint '.fpipe-checkpoints/topwords_resumable.counts.ckpt'" err &&
    ok "checkpoint: wordcount_resumable resumes" || bad "checkpoint: wordcount_resumable" err

# 10. MPI: rank 0 writes the checkpoint after the shuffle and gather; every
# rank validates it before a resume.  The generated C is the backend's, so
# the program fingerprint is the same and either build resumes the other's.
if command -v mpirun > /dev/null && [ -f "$ROOT/$B/libfpipe_mpi.a" ]; then
    if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
    case "${FPIPE_CFLAGS:-}" in *sanitize=address*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ;; esac
    export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
    mpick() { local d rc; d=$(mktemp -d "$K/ompi.XXXXXX"); TMPDIR=$d mpirun --oversubscribe --bind-to none "$@"; rc=$?; rm -rf "$d"; return $rc; }
    if (cd "$ROOT" && "$FPIPEC" build --backend mpi "$K/src/global.fpipe" -o "$K/global.mpi" &&
        "$FPIPEC" build --backend mpi "$K/src/wc.fpipe" -o "$K/wc.mpi") > err 2>&1; then
        rm -rf .fpipe-checkpoints
        mpick -n 2 ./wc.mpi --partition-size 4096 -o out.m a.txt b.txt 2> err &&
            cmp -s out.full out.m && [ -f $CK ] &&
            mpick -n 3 ./wc.mpi --resume -o out.m2 a.txt b.txt 2> err && cmp -s out.full out.m2 &&
            grep -q "resuming from the checkpoint '$CK'" err &&
            ./wc --resume -o out.m3 a.txt b.txt 2> err && cmp -s out.full out.m3 && grep -q resuming err &&
            ok "checkpoint: mpi: 2 ranks write the checkpoint, 3 ranks and one process resume from it" ||
            bad "checkpoint: mpi keyed" err
        mpick -n 2 ./global.mpi --partition-size 4096 -o out.m n.txt 2> err && cmp -s ref.global out.m &&
            mpick -n 2 ./global.mpi --resume -o out.m2 n.txt 2> err2 && cmp -s ref.global out.m2 &&
            grep -q "dropped $ndrop elements" err && grep -q "dropped $ndrop elements" err2 &&
            ok "checkpoint: mpi: a global combine's checkpoint holds the drops of every rank" ||
            bad "checkpoint: mpi global" err2
        CK=.fpipe-checkpoints/global.total.ckpt
        flip 20
        mpick -n 2 ./global.mpi --resume -o out.m2 n.txt 2> err && cmp -s ref.global out.m2 &&
            [ "$(grep -c 'is corrupt (header checksum mismatch)' err)" = 1 ] &&
            ok "checkpoint: mpi: a corrupt checkpoint: one warning, the full run" || bad "checkpoint: mpi corrupt" err
    else bad "checkpoint: mpi builds" err; fi
else echo "# checkpoint: mpi skipped"; fi
# 11. A run that fails in stage 2 keeps its checkpoint; the resumed run
# fails with the same message and exit code, and writes no output.
rm -rf .fpipe-checkpoints out.x
./fails -o out.x a.txt b.txt 2> err.x1; rc1=$?
./fails --resume -o out.x a.txt b.txt 2> err.x2; rc2=$?
if [ $rc1 = 4 ] && [ $rc2 = 4 ] && [ ! -e out.x ] && [ -f .fpipe-checkpoints/fails.counts.ckpt ] &&
   grep -q "division by zero" err.x1 && diff err.x1 <(grep -v '^fails: resuming' err.x2) > /dev/null &&
   grep -q '^fails: resuming' err.x2; then
    ok "checkpoint: a stage 2 failure after a resume: the same message and exit code (4), no output"
else diff err.x1 err.x2 > diff.x 2>&1; bad "checkpoint: stage 2 failure after a resume" diff.x; fi
# on_error collect after the checkpoint: the same error file after a resume.
./collects -o out.y a.txt b.txt 2> /dev/null && cp out.y.errors.jsonl errs.y &&
    ./collects --resume -o out.y2 a.txt b.txt 2> err && cmp -s out.y out.y2 &&
    cmp -s errs.y out.y2.errors.jsonl && [ "$(wc -l < errs.y)" -gt 100 ] && grep -q resuming err &&
    ok "checkpoint: on_error collect after the checkpoint: the same output and error file after a resume" ||
    bad "checkpoint: collect after the checkpoint" err
# A checkpoint that cannot be written is a warning; the run succeeds.
: > notadir
./wc --checkpoint-dir notadir -o out.c a.txt b.txt 2> err && cmp -s out.full out.c &&
    grep -q "^wc: warning: no checkpoint written: cannot create a file in the checkpoint folder 'notadir': Not a directory$" err &&
    ok "checkpoint: a checkpoint folder that cannot be made: a warning, the output" || bad "checkpoint: unwritable folder" err
# fpipec convert keeps materialize both ways.
if (cd "$ROOT" && "$FPIPEC" convert tests/yaml/ok_materialize.yaml -o "$K/rt.fpipe" &&
    "$FPIPEC" convert --to yaml "$K/rt.fpipe" -o "$K/rt.yaml") 2> err &&
   grep -q '^combine_per_key counts : (str, i64) = sum materialize$' rt.fpipe &&
   grep -q '^materialization_points: \[counts\]$' rt.yaml; then
    ok "checkpoint: fpipec convert: materialization_points <-> materialize"
else bad "checkpoint: convert round trip" err; fi
# A folder input is fingerprinted file by file; a gzip input as the
# compressed file.
mkdir -p dir && cp a.txt dir/1.txt && gzip -c b.txt > dir/2.txt.gz
./wc -o out.d dir 2> err && cmp -s out.full out.d && ./wc --resume -o out.d2 dir 2> err &&
    cmp -s out.full out.d2 && grep -q resuming err &&
    ok "checkpoint: a folder with a gzip file: resumed, the same bytes" || bad "checkpoint: folder input" err
printf 'w1\n' > dir/3.txt
./wc --resume -o out.d3 dir 2> err && grep -q "is stale (it was made from 2 inputs, this run reads 3)" err &&
    ./wc -o out.d4 dir 2> /dev/null && cmp -s out.d3 out.d4 &&
    ok "checkpoint: a file added to an input folder makes the checkpoint stale" || bad "checkpoint: folder grew" err
# FPIPE_CHECKPOINT_DIR is the default folder (--checkpoint-dir overrides it).
FPIPE_CHECKPOINT_DIR=ck3 ./wc -o /dev/null a.txt b.txt 2> err && [ -f ck3/wc.counts.ckpt ] &&
    FPIPE_CHECKPOINT_DIR=ck3 ./wc --resume -o out.c a.txt b.txt 2> err && cmp -s out.full out.c &&
    grep -q "checkpoint 'ck3/wc.counts.ckpt'" err &&
    ok "checkpoint: FPIPE_CHECKPOINT_DIR sets the default folder" || bad "checkpoint: FPIPE_CHECKPOINT_DIR" err
# 12. materialize on element-wise operators: the elements are written in
# stage 1, and --resume runs the operators after the checkpoint from them.
awk 'BEGIN { for (i = 1; i <= 30000; i++) printf "k%d %.6f%s\n", i % 97, (i * 0.37) / (1 + i % 13) - 2, (i % 11 ? "" : " tail") }' > m.txt
printf 'name,n,score\n' > r.csv
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "%s,%d,%.5f\n", (i % 5 == 0 ? "\"q" i % 31 ",x\"" : "n" i % 41), i, i * 0.113 }' >> r.csv
rm -rf .fpipe-checkpoints
eresume() {   # eresume NAME PARTSIZES INPUT...: full run, then --resume for threads 1/2/4
    local name=$1 sizes=$2 t p good=1; shift 2
    ./$name -o $name.full "$@" 2> err && [ -f .fpipe-checkpoints/$name.*.ckpt ] ||
        { bad "checkpoint: element-wise $name: the first run" err; return; }
    for t in 1 2 4; do
        for p in $sizes; do
            ./$name --resume --threads $t --partition-size $p -o $name.r "$@" 2> err &&
                cmp -s $name.full $name.r && grep -q "^$name: resuming from the checkpoint '.fpipe-checkpoints/$name\.[a-z]*\.ckpt' of '[a-z]*' ($K/src/$name.fpipe:[0-9]*:1, [0-9]* elements): the inputs are not read$" err &&
                ! grep -q warning err || { good=0; break 2; }
        done
    done
    [ $good = 1 ] && ok "checkpoint: element-wise $name: --resume gives the same bytes for threads 1/2/4 x partition sizes $sizes" ||
        bad "checkpoint: element-wise $name --resume --threads $t --partition-size $p" err
}
# A map to (str, f64, bool), a filter and a map after it, rows in stage 1.
eresume em_map "4194304 1024 61" m.txt
awk '{ v = $2 + 0; if (v > 1.0) printf "%s\t%s\t%s\t%d\n", $1, v * 3.0, (length($0) > 12 ? "true" : "false"), length($1) }' m.txt > ref.em_map
cut -f1,3,4 em_map.full > em_map.cut && cut -f1,3,4 ref.em_map > ref.em_map.cut &&
    [ "$(wc -l < em_map.full)" = "$(wc -l < ref.em_map)" ] && cmp -s em_map.cut ref.em_map.cut &&
    ok "checkpoint: element-wise em_map: the rows (vs awk, f64 column aside)" || bad "checkpoint: em_map vs awk"
# A flatmap (the fused word scan), a keyed combine after it.
eresume em_flat "4194304 1024 61" a.txt b.txt
same "checkpoint: element-wise em_flat: the word counts (vs coreutils)" ref.slow em_flat.full
# A filter of CSV records (quoted fields), an exact f64 sum after it: the
# checkpoint holds for another partition size, with the same bytes.
eresume em_filter "4194304" r.csv
./em_filter --resume --partition-size 1024 -o out.r r.csv 2> err && grep -q "resuming from the checkpoint" err &&
    ./em_filter --partition-size 1024 -o out.r2 r.csv 2> /dev/null && cmp -s out.r out.r2 &&
    ok "checkpoint: element-wise em_filter: resumed at another partition size, the same bytes (an exact f64 sum after it)" ||
    bad "checkpoint: em_filter partition size" err
# A batch_map (examples/rag_ingest's): records with a list of f64, drops
# before the checkpoint.
cp "$ROOT/examples/data/docs.jsonl" docs.jsonl
eresume em_batch "4194304 500" docs.jsonl
grep -q "operator 'docs' (.*) dropped 2 elements" err && grep -q "operator 'clean' (.*) dropped 2 elements" err &&
    ok "checkpoint: element-wise em_batch: the drops before the checkpoint are reported after a resume" ||
    bad "checkpoint: em_batch drops after a resume" err
# --stats after a resume: the counts up to the checkpoint come from it.
./em_flat -o /dev/null a.txt b.txt 2> /dev/null
./em_flat --resume --stats=json -o out.r a.txt b.txt 2> err
if grep -q "\"name\":\"lines\",\"kind\":\"source\",[^}]*\"in\":$nlines,\"out\":$nlines,[^}]*\"from_checkpoint\":true" err &&
   grep -q "\"name\":\"words\",\"kind\":\"flatmap\",[^}]*\"out\":$nwords,[^}]*\"from_checkpoint\":true" err &&
   grep -q "\"name\":\"ones\",\"kind\":\"map\",[^}]*\"in\":$nwords,\"out\":$nwords,[^}]*\"from_checkpoint\":false" err &&
   grep -q '"name":"counts","kind":"combine_per_key",[^}]*"out":60101,[^}]*"from_checkpoint":false' err; then
    ok "checkpoint: element-wise --stats=json after --resume: source and flatmap from the checkpoint, the rest counted again, reconciled"
else bad "checkpoint: element-wise --stats after --resume" err; fi
# The resumed run does not read the input (an edit keeping size and mtime).
cp -p a.txt a.orig
printf 'ZZ' | dd of=a.txt bs=1 seek=0 conv=notrunc 2> /dev/null
touch -r a.orig a.txt
./em_flat --resume -o out.r a.txt b.txt 2> err && cmp -s em_flat.full out.r && grep -q resuming err &&
    ok "checkpoint: element-wise --resume does not read the input" || bad "checkpoint: element-wise resume read the input" err
cp -p a.orig a.txt
# Stale and corrupt element-wise checkpoints: a warning, the full run.
ECK=.fpipe-checkpoints/em_flat.words.ckpt
./em_flat -o /dev/null a.txt b.txt 2> /dev/null
touch -d '2001-01-01' b.txt
./em_flat --resume -o out.r a.txt b.txt 2> err && cmp -s em_flat.full out.r &&
    grep -q "warning: checkpoint '$ECK' is stale (input 'b.txt' changed: modified since): ignored, running from the start" err &&
    ok "checkpoint: element-wise: a touched input makes it stale" || bad "checkpoint: element-wise stale" err
cp -p b.keep b.txt
ecorrupt() {   # ecorrupt NAME PATTERN: ECK was damaged
    if ./em_flat --resume -o out.c a.txt b.txt 2> err && cmp -s em_flat.full out.c &&
       grep -q "warning: checkpoint '$ECK' is corrupt ($2): ignored, running from the start" err &&
       [ "$(grep -c warning err)" = 1 ]; then
        ok "checkpoint: element-wise: $1: warned as corrupt, the full run's bytes"
    else bad "checkpoint: element-wise $1" err; fi
}
./em_flat -o /dev/null a.txt b.txt 2> /dev/null
esize=$(wc -c < $ECK)
CK=$ECK flip $((esize - 7))
ecorrupt "a byte flipped in the payload" "payload checksum mismatch"
./em_flat -o /dev/null a.txt b.txt 2> /dev/null
truncate -s $((esize - 1000)) $ECK
ecorrupt "a truncated checkpoint" "short file: the payload has [0-9]* bytes of [0-9]*"
./em_flat -o /dev/null a.txt b.txt 2> /dev/null
python3 "$ROOT/tests/checkpoint/forge.py" $ECK elemlen
ecorrupt "a string length past the payload, checksums recomputed" "partition 0 of the payload does not read back as its elements"
# Killed after the checkpoint appears (stage 2 spins per key).
rm -rf .fpipe-checkpoints out.k
./em_slow --threads 2 -o out.k a.txt b.txt 2> err.k &
pid=$!
for i in $(seq 1 6000); do [ -f .fpipe-checkpoints/em_slow.words.ckpt ] && break; kill -0 $pid 2> /dev/null || break; sleep 0.05; done
kill -9 $pid 2> /dev/null && killed="killed in stage 2" || killed="finished before the kill"
wait $pid 2> /dev/null
if [ -f .fpipe-checkpoints/em_slow.words.ckpt ]; then
    [ "$killed" = "killed in stage 2" ] && [ -e out.k ] && bad "checkpoint: element-wise: a killed run left an output file"
    ./em_slow --resume --threads 2 -o out.k a.txt b.txt 2> err && cmp -s ref.slow out.k && grep -q "resuming from the checkpoint" err &&
        ok "checkpoint: element-wise: a run kill -9'd after its checkpoint ($killed): --resume writes the word counts (vs coreutils)" ||
        bad "checkpoint: element-wise resume after kill -9" err
else bad "checkpoint: element-wise: the killed run wrote no checkpoint" err.k; fi
# on_error collect after the checkpoint: each element keeps its input
# record, so the error file after a resume (line, offset, record) is the
# uninterrupted run's, for any thread count and partition size.
rm -rf .fpipe-checkpoints
./em_collect -o out.y a.txt b.txt 2> /dev/null && cp out.y.errors.jsonl errs.y
good=1
for t in 1 2 4; do
    for p in 4194304 1024 61; do
        [ $p = 4194304 ] || ./em_collect --partition-size $p -o junk.y a.txt b.txt 2> /dev/null
        ./em_collect --resume --threads $t --partition-size $p -o out.y2 a.txt b.txt 2> err &&
            cmp -s out.y out.y2 && cmp -s errs.y out.y2.errors.jsonl && grep -q resuming err || { good=0; break 2; }
    done
done
nerr=$(words_of a.txt b.txt | grep -c '77$')
[ $good = 1 ] && [ "$(wc -l < errs.y)" = "$nerr" ] && grep -q '"input":"b.txt","line":[0-9]*,"offset":[0-9]*,"record":"w' errs.y &&
    ok "checkpoint: element-wise: on_error collect after the checkpoint: the same error file ($nerr lines) after a resume, threads 1/2/4 x 4M/1K/61" ||
    bad "checkpoint: element-wise collect after the checkpoint (threads $t, partition size $p)" err
# The same when the .fpipe drops and the run's --config collects: the
# checkpoint keeps the records all the same (a compile-time "drop, no
# records" once gave a resumed run's error file other lines).
printf 'errors: e.jsonl\noperators:\n  checked: {on_error: collect}\n' > drop2collect.yaml
rm -f .fpipe-checkpoints/em_drop.*
./em_drop --config drop2collect.yaml -o out.d a.txt b.txt 2> /dev/null && cp e.jsonl errs.d &&
    ./em_drop --config drop2collect.yaml --resume --threads 2 --partition-size 1024 -o out.d2 a.txt b.txt 2> err &&
    grep -q resuming err && cmp -s out.y out.d2 && cmp -s errs.d e.jsonl && [ "$(wc -l < errs.d)" = "$nerr" ] &&
    ok "checkpoint: element-wise: drop in the .fpipe, collect from --config: the same error file after a resume" ||
    bad "checkpoint: element-wise drop made collect by --config" err
# The same for CSV records with quoted newlines (the record is the CSV
# record, its line the line it starts on).
printf 'name,n,score\n' > q.csv
awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "%s,%d,%.5f\n", (i % 5 == 0 ? "\"q" i % 31 "\nx\"" : (i % 7 ? i : "n" i)), i, i * 0.113 }' >> q.csv
./em_csv -o out.q q.csv 2> /dev/null && ./em_csv --resume --threads 2 --partition-size 300 -o out.q2 q.csv 2> err &&
    cmp -s out.q out.q2 && cmp -s out.q.errors.jsonl out.q2.errors.jsonl && grep -q resuming err &&
    grep -q '"line":12,"offset":127,"record":"\\"q10\\nx\\",10,1.13000"}' out.q2.errors.jsonl &&
    ok "checkpoint: element-wise: collect after the checkpoint of CSV records: the same error file after a resume (quoted newlines)" ||
    bad "checkpoint: element-wise CSV collect" err
# fail_fast after the checkpoint in stage 1: stage 1 does not end, no
# checkpoint is written; --resume says so and fails the same way.
rm -rf .fpipe-checkpoints out.x
./em_fail -o out.x a.txt b.txt 2> err.x1; rc1=$?
./em_fail --resume -o out.x a.txt b.txt 2> err.x2; rc2=$?
if [ $rc1 = 4 ] && [ $rc2 = 4 ] && [ ! -e out.x ] && [ ! -e .fpipe-checkpoints/em_fail.words.ckpt ] &&
   grep -q "^  record: w71 w71 w71" err.x1 && diff err.x1 <(grep -v '^em_fail: warning: no checkpoint' err.x2) > /dev/null &&
   grep -q "^em_fail: warning: no checkpoint '.fpipe-checkpoints/em_fail.words.ckpt' to resume from (missing)" err.x2; then
    ok "checkpoint: element-wise: fail_fast after the checkpoint: none written, --resume fails with the same message (exit 4)"
else diff err.x1 err.x2 > diff.x 2>&1; bad "checkpoint: element-wise fail_fast" diff.x; fi
# MPI: refused at run time with more than one rank (documented); one rank
# runs as one process does.
if command -v mpirun > /dev/null && [ -f "$ROOT/$B/libfpipe_mpi.a" ]; then
    if (cd "$ROOT" && "$FPIPEC" build --backend mpi "$K/src/em_flat.fpipe" -o "$K/em_flat.mpi") > err 2>&1; then
        rm -rf .fpipe-checkpoints
        rm -f out.me
        mpick -n 2 ./em_flat.mpi -o out.me a.txt b.txt > /dev/null 2> err; rc=$?
        [ $rc = 2 ] && [ ! -e out.me ] && [ ! -e .fpipe-checkpoints ] &&
            [ "$(grep -c "em_flat.mpi: error: materialize 'words' is on an element-wise operator, and its checkpoint is not supported under MPI with more than one rank" err)" = 1 ] &&
            ok "checkpoint: element-wise under mpirun -n 2: refused (exit 2, one message, no output)" || bad "checkpoint: element-wise mpi refusal (rc $rc)" err
        mpick -n 1 ./em_flat.mpi -o out.m a.txt b.txt 2> err && cmp -s ref.slow out.m &&
            mpick -n 1 ./em_flat.mpi --resume -o out.m2 a.txt b.txt 2> err && cmp -s ref.slow out.m2 && grep -q resuming err &&
            ok "checkpoint: element-wise under mpirun -n 1: writes and resumes" || bad "checkpoint: element-wise mpi one rank" err
    else bad "checkpoint: element-wise mpi build" err; fi
fi
# Valgrind over writing and resuming (the sanitizer build checks the rest).
case "${FPIPE_CFLAGS:-}" in
    *sanitize*) ;;
    *)
        if command -v valgrind > /dev/null; then
            valgrind -q --error-exitcode=9 ./wc --threads 2 -o out.v a.txt b.txt > vg.err 2>&1 &&
                valgrind -q --error-exitcode=9 ./wc --resume --stats -o out.v2 a.txt b.txt > vg.err 2>&1 &&
                cmp -s out.full out.v2 && ok "checkpoint: valgrind clean: write and resume" ||
                bad "checkpoint: valgrind" vg.err
            valgrind -q --error-exitcode=9 ./em_collect --threads 2 -o out.v a.txt b.txt > vg.err 2>&1 &&
                valgrind -q --error-exitcode=9 ./em_collect --resume --stats -o out.v2 a.txt b.txt > vg.err 2>&1 &&
                cmp -s out.v out.v2 && cmp -s out.v.errors.jsonl out.v2.errors.jsonl &&
                ok "checkpoint: valgrind clean: an element-wise checkpoint, written and resumed" ||
                bad "checkpoint: valgrind element-wise" vg.err
        fi ;;
esac
export FPIPE_CHECKPOINT_DIR=$TMP/checkpoints
cd "$ROOT"
