# mpi.sh — distributed mode (fpipec build --backend mpi), sourced by
# tests/run.sh after the other sections: it uses their ok/bad/same, $TMP,
# $IN (the generated inputs) and $FPIPEC.  Skipped, with a message, when
# mpirun or build/libfpipe_mpi.a is missing.
#
#   - equivalence: every example x {sequential, OpenMP 2 threads,
#     the MPI binary without mpirun, mpirun -n 1, 2, 3, 2 ranks x 2
#     threads, 3 ranks with 4 KiB shuffle rounds} byte-identical (f64 too:
#     the partition size is fixed, so the f64 folds must match exactly);
#   - fail_fast on records only ranks 1 and 2 read: exit 4, the earlier
#     one reported once, no output; a missing input, a directory, stdin;
#   - on_error drop and retry counts summed over ranks;
#   - --stats: counts summed over ranks equal one process's, the ranks
#     section, hot keys; on_error collect: one error file from all ranks.
#   - CSV inputs cut on every rank's share (quoted newlines, tiny
#     partitions: same partitions as one process; bytes scanned per rank);
#   - element-wise rows of ranks > 0 spilled past FPIPE_MPI_HOLD_BYTES
#     (rank 1's peak RSS, stdout, fail_fast);
#   - ob1/vader chosen by the program when all ranks are local.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
echo "# mpi"
if ! command -v mpirun > /dev/null; then
    echo "# mpi: skipped: mpirun not found (scripts/install-deps.sh installs openmpi-bin)"
elif [ ! -f "$B/libfpipe_mpi.a" ]; then
    echo "# mpi: skipped: $B/libfpipe_mpi.a was not built (no mpicc when make ran)"
else
    if [ "$(id -u)" = 0 ]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi
    case "${FPIPE_CFLAGS:-}" in   # MPI's own allocations are never freed
        *sanitize=address*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ;;
    esac
    # One machine: shared memory and the ob1 layer start in 0.1 s (the
    # default UCX layer probes network devices for 0.3 s, per process).
    export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
    mkdir -p "$TMP/mpi"
    M=$TMP/mpi
    # Each launch gets its own session folder (TMPDIR): Open MPI's
    # $TMPDIR/ompi.HOST.UID is shared by concurrent runs, and the helper a
    # run without mpirun starts may still be removing it when the next
    # mpirun creates it.
    mpir() {
        local d rc
        d=$(mktemp -d "$M/ompi.XXXXXX")
        TMPDIR=$d mpirun --oversubscribe --bind-to none "$@"
        rc=$?
        rm -rf "$d"
        return $rc
    }
    # A run without mpirun starts a helper that outlives it: its folder
    # stays (until $TMP goes).
    alone() {
        TMPDIR=$(mktemp -d "$M/ompi.XXXXXX") "$@"
    }
    MPIRUN=mpir
    # mpi_matrix NAME PSIZE INPUT...: NAME's OpenMP and MPI builds in every
    # mode, all against the sequential output.
    mpi_matrix() {
        local n=$1 p=$2; shift 2
        local omp=$TMP/bin/$n mpi=$M/$n.mpi
        if ! "$FPIPEC" build --backend mpi "examples/$n.fpipe" -o "$mpi" > "$M/build.err" 2>&1; then
            bad "mpi: build --backend mpi $n" "$M/build.err"; return
        fi
        "$omp" --threads 1 --partition-size $p -o "$M/$n.seq" "$@" 2> "$M/err" ||
            { bad "mpi: $n sequential run" "$M/err"; return; }
        local modes="omp2 single mpi1 mpi2 mpi3 mpi2x2 mpi3r" m failed=
        for m in $modes; do
            local out=$M/$n.$m
            rm -f "$out"
            case $m in
                omp2) "$omp" --threads 2 --partition-size $p -o "$out" "$@" ;;
                single) alone "$mpi" --threads 1 --partition-size $p -o "$out" "$@" ;;
                mpi1) $MPIRUN -n 1 "$mpi" --threads 1 --partition-size $p -o "$out" "$@" ;;
                mpi2) $MPIRUN -n 2 "$mpi" --threads 1 --partition-size $p -o "$out" "$@" ;;
                mpi3) $MPIRUN -n 3 "$mpi" --threads 1 --partition-size $p -o "$out" "$@" ;;
                mpi2x2) $MPIRUN -n 2 "$mpi" --threads 2 --partition-size $p -o "$out" "$@" ;;
                mpi3r) FPIPE_MPI_ROUND_BYTES=4096 $MPIRUN -n 3 "$mpi" --threads 1 \
                           --partition-size $p -o "$out" "$@" ;;
            esac > "$M/err" 2>&1
            if [ $? != 0 ]; then bad "mpi: $n $m failed" "$M/err"; failed=1; break; fi
            if ! cmp -s "$M/$n.seq" "$out"; then bad "mpi: $n $m differs from sequential"; failed=1; break; fi
        done
        [ -z "$failed" ] && ok "mpi: $n identical: seq, OpenMP 2, MPI binary alone, mpirun -n 1/2/3, 2x2 threads, 3 ranks x 4 KiB rounds"
    }
    TEXT_IN="$IN/zipf.txt $IN/upper_long.txt $IN/high_bytes.txt $IN/empty.txt $IN/no_newline.txt"
    for n in wordcount topwords weights totals linelen longwords wordlengths; do
        # shellcheck disable=SC2086
        mpi_matrix $n 65536 $TEXT_IN
    done
    mpi_matrix groupby 65536 "$IN/sales.csv"
    mpi_matrix logs 65536 "$IN/access.log"
    # JSON lines and linked C functions (batch_map).
    mpi_matrix rag_ingest 4096 examples/data/docs.jsonl
    mpi_matrix rag_chunks 4096 examples/data/docs.jsonl
    # a parameter, nested JSON and optional members
    mpi_matrix orders 4096 "$IN/orders.jsonl" --param since=2026-06-01
    # weights' f64 sums are exact (runtime/fsum.c): another partition size
    # gives the same bytes too (tests/fsum.sh has the adversarial data).
    if [ -f "$M/weights.seq" ]; then
        "$TMP/bin/weights" --threads 1 --partition-size 4194304 -o "$M/w4m" $TEXT_IN 2> /dev/null
        same "mpi: weights' exact f64 sums: the same bytes at 4 MiB partitions" "$M/weights.seq" "$M/w4m"
    fi

    # CSV partitions are cut on every rank's share: each rank counts the
    # quotes of its slice, walks the cuts in its range, and the ranks share
    # them.  Quoted fields with newlines, commas and doubled quotes, CRLF
    # records, a field of 200 KB spanning many parity blocks, and tiny
    # partition sizes (cuts land next to quotes): the keyed f64 sums (a
    # declared monoid, rounded in partition order: the built-in sum is
    # exact) show any partition that differs from one process's; the
    # element-wise rows show any record read differently.
    printf '%s\n' 'pipeline csvf' 'type Row = { city: str, qty: f64 }' \
        'monoid fadd : f64 { empty = 0.0 combine(a, b) = a + b associative commutative }' \
        'source rows : Row = csv(input)' \
        'map w : (str, f64) = (rows.city, 0.1 * rows.qty + 0.001)' 'combine_per_key total = fadd' \
        'sink out = tsv(output)' > "$M/csvf.fpipe"
    printf '%s\n' 'pipeline csvrows' 'type Row = { id: i64, city: str, note: str }' \
        'source rows : Row = csv(input)' 'map r = (rows.id, rows.city, len(rows.note))' \
        'sink out = tsv(output)' > "$M/csvrows.fpipe"
    awk 'BEGIN { srand(7); print "id,city,qty,note"; for (i = 0; i < 6000; i++) { c = "c" int(rand() * 50); r = rand()
        if (r < 0.2) c = "\"" c "\nline\""; else if (r < 0.3) c = "\"" c " \"\"q\"\"\""; else if (r < 0.35) c = "\"" c ",x\""
        n = rand() < 0.1 ? "\"a \"\"long\"\"\n\nnote\"" : "n"
        if (i == 3000) { n = "\""; for (j = 0; j < 40000; j++) n = n (j % 7 ? "x\"\"" : "\n,"); n = n "\"" }
        printf "%d,%s,%d,%s%s", i, c, int(rand() * 100), n, (rand() < 0.1 ? "\r\n" : "\n") } }' > "$M/q.csv"
    csv_ok=1
    for n in csvf csvrows; do
        if ! "$FPIPEC" build --backend mpi "$M/$n.fpipe" -o "$M/$n.mpi" > "$M/err" 2>&1 ||
           ! "$FPIPEC" build "$M/$n.fpipe" -o "$M/$n.omp" > "$M/err" 2>&1; then
            bad "mpi: build $n.fpipe" "$M/err"; csv_ok=; continue
        fi
        for p in 1 333 4096 70000; do
            "$M/$n.omp" --threads 1 --partition-size $p -o "$M/$n.$p.seq" "$M/q.csv" 2> "$M/err" ||
                { bad "mpi: $n sequential, partitions of $p" "$M/err"; csv_ok=; continue; }
            "$M/$n.omp" --threads 1 --partition-size $p -o "$M/$n.$p.seq2" "$M/q.csv" "$M/q.csv" 2> /dev/null
            for m in omp2 mpi2 mpi3 mpi2x2; do
                ref=$M/$n.$p.seq
                case $m in
                    omp2) "$M/$n.omp" --threads 2 --partition-size $p -o "$M/csv.out" "$M/q.csv" ;;
                    mpi2) $MPIRUN -n 2 "$M/$n.mpi" --threads 1 --partition-size $p -o "$M/csv.out" "$M/q.csv" ;;
                    mpi3) ref=$M/$n.$p.seq2
                          $MPIRUN -n 3 "$M/$n.mpi" --threads 1 --partition-size $p -o "$M/csv.out" "$M/q.csv" "$M/q.csv" ;;
                    mpi2x2) $MPIRUN -n 2 "$M/$n.mpi" --threads 2 --partition-size $p -o "$M/csv.out" "$M/q.csv" ;;
                esac > "$M/err" 2>&1
                cmp -s "$ref" "$M/csv.out" ||
                    { bad "mpi: CSV with quoted newlines: $n $m, partitions of $p, differs from one process" "$M/err"; csv_ok=; }
            done
        done
    done
    [ -n "$csv_ok" ] && ok "mpi: CSV with quoted newlines and quotes at the cuts, partitions of 1 to 70000 bytes: same partitions and rows on 2 and 3 ranks as in one process"
    if [ -f "$M/csvf.1.seq" ] && cmp -s "$M/csvf.4096.seq" "$M/csvf.70000.seq"; then
        bad "mpi: the CSV f64 sums should depend on the partition size (the CSV test has no teeth)"
    fi
    # Each rank scans about its share of a CSV input to cut it (FPIPE_TIMES
    # prints the bytes): at most 70% of the file on each of 2 ranks, and
    # all of it between them.
    awk 'BEGIN { print "id,city,qty,note"; for (i = 0; i < 60000; i++) printf "%d,\"c%d\nx\",%d,note %d\n", i, i % 77, i % 100, i }' > "$M/scan.csv"
    if [ -f "$M/csvf.mpi" ]; then
        FPIPE_TIMES=1 $MPIRUN -n 2 "$M/csvf.mpi" --threads 1 --partition-size 65536 -o "$M/scan.out" "$M/scan.csv" 2> "$M/err"
        size=$(wc -c < "$M/scan.csv")
        if awk -v size="$size" '/bytes scanned to cut CSV partitions/ { n++; s += $4; if ($4 > 0.7 * size) big = 1 }
               END { exit !(n == 2 && !big && s >= 0.98 * size) }' "$M/err"; then
            ok "mpi: each of 2 ranks scans about half of a CSV input to cut its partitions"
        else
            bad "mpi: bytes scanned per rank to cut a CSV input (file: $size bytes)" "$M/err"
        fi
    fi

    # All ranks on one machine and no pml/btl chosen: the program picks
    # ob1 and shared memory itself before MPI_Init (FPIPE_TIMES says so);
    # a user's choice, or FPIPE_MPI_SHM=0, is left alone.
    if [ -f "$M/wordcount.mpi" ]; then
        alone "$M/wordcount.mpi" -o "$M/shm.seq" "$IN/zipf.txt" 2> /dev/null
        (unset OMPI_MCA_pml OMPI_MCA_btl
         FPIPE_TIMES=1 $MPIRUN -n 2 "$M/wordcount.mpi" -o "$M/shm.auto" "$IN/zipf.txt" 2> "$M/shm.err1"
         FPIPE_TIMES=1 $MPIRUN -n 2 --mca pml ob1 "$M/wordcount.mpi" -o "$M/shm.user" "$IN/zipf.txt" 2> "$M/shm.err2"
         FPIPE_MPI_SHM=0 FPIPE_TIMES=1 $MPIRUN -n 2 -x FPIPE_MPI_SHM "$M/wordcount.mpi" -o "$M/shm.off" \
             "$IN/zipf.txt" 2> "$M/shm.err3")
        cat "$M/shm.err1" "$M/shm.err2" "$M/shm.err3" > "$M/err"
        [ -s "$M/shm.seq" ] && cmp -s "$M/shm.seq" "$M/shm.auto" && cmp -s "$M/shm.seq" "$M/shm.user" &&
            cmp -s "$M/shm.seq" "$M/shm.off" &&
            grep -q "rank 0: MPI_Init_thread (ob1/vader)" "$M/shm.err1" &&
            grep -q "rank 0: MPI_Init_thread " "$M/shm.err2" && ! grep -q "ob1/vader" "$M/shm.err2" &&
            grep -q "rank 0: MPI_Init_thread " "$M/shm.err3" && ! grep -q "ob1/vader" "$M/shm.err3" &&
            ok "mpi: ranks all on one machine use ob1 and shared memory unless the user chose (or FPIPE_MPI_SHM=0)" ||
            bad "mpi: the automatic ob1/vader choice" "$M/err"
    fi

    # Element-wise rows of ranks > 0 beyond FPIPE_MPI_HOLD_BYTES go to a
    # temporary file: rank 1's peak memory does not grow with its share of
    # the output (about 20 MB here).  The comparison is with the same run
    # holding every row (no timing; wide margins for ASan).
    printf '%s\n' 'pipeline wide' 'source lines = text(input)' \
        'map w = (lines, lines, lines, lines, lines, lines, lines, lines)' 'sink out = tsv(output)' > "$M/wide.fpipe"
    awk 'BEGIN { for (i = 0; i < 100000; i++) printf "line %d of the input, some words to widen it\n", i }' > "$M/wide.txt"
    if "$FPIPEC" build --backend mpi "$M/wide.fpipe" -o "$M/wide" > "$M/err" 2>&1; then
        alone "$M/wide" --partition-size 65536 -o "$M/wide.seq" "$M/wide.txt" 2> /dev/null
        rss1() { sed -n 's/^wide: rank 1: peak RSS \([0-9.]*\) MB.*/\1/p' "$1"; }
        FPIPE_MPI_HOLD_BYTES=1000000000 FPIPE_TIMES=1 $MPIRUN -n 2 "$M/wide" --threads 1 --partition-size 65536 \
            -o "$M/wide.held" "$M/wide.txt" 2> "$M/err.held"
        FPIPE_MPI_HOLD_BYTES=1048576 FPIPE_TIMES=1 $MPIRUN -n 2 "$M/wide" --threads 1 --partition-size 65536 \
            -o "$M/wide.spilled" "$M/wide.txt" 2> "$M/err.spilled"
        held=$(rss1 "$M/err.held"); spilled=$(rss1 "$M/err.spilled")
        if [ -s "$M/wide.seq" ] && cmp -s "$M/wide.seq" "$M/wide.held" && cmp -s "$M/wide.seq" "$M/wide.spilled" &&
           grep -q "rank 1: rows for rank 0: [0-9]* bytes held, [1-9][0-9]* spilled" "$M/err.spilled" &&
           awk -v h="$held" -v s="$spilled" 'BEGIN { exit !(h != "" && s != "" && s + 10 < h) }'; then
            ok "mpi: rank 1 spills its rows past FPIPE_MPI_HOLD_BYTES (peak RSS $spilled MB, holding them $held MB), same output"
        else
            cat "$M/err.held" "$M/err.spilled" > "$M/err"
            bad "mpi: rank 1's rows spilled to a file (peak RSS $spilled MB vs $held MB held)" "$M/err"
        fi
        FPIPE_MPI_HOLD_BYTES=4096 $MPIRUN -n 3 "$M/wide" --threads 2 --partition-size 10000 "$M/wide.txt" > "$M/wide.out" 2> "$M/err" &&
            cmp -s "$M/wide.seq" "$M/wide.out" && ok "mpi: rows spilled by ranks 1 and 2 (4 KiB bound) to standard output: same bytes" ||
            bad "mpi: spilled rows to stdout" "$M/err"
    else bad "mpi: build wide.fpipe" "$M/err"; fi

    # A non-commutative declared monoid (the first word of each length in
    # input order) and a hot key (one word is 90% of the records), over
    # many small partitions, 3 ranks, small rounds.
    awk 'BEGIN { for (i = 0; i < 20000; i++) printf "%s%s", (i % 10 ? "hot" : "w" (i * 7919 % 5003)), (i % 13 ? " " : "\n") }' > "$M/hot.txt"
    if "$FPIPEC" build --backend mpi "$TMP/first.fpipe" -o "$M/first" > "$M/err" 2>&1; then
        alone "$M/first" --partition-size 4096 -o "$M/first.seq" "$IN/zipf.txt" "$M/hot.txt" 2> "$M/err"
        FPIPE_MPI_ROUND_BYTES=256 $MPIRUN -n 3 "$M/first" --threads 2 --partition-size 4096 -o "$M/first.mpi" \
            "$IN/zipf.txt" "$M/hot.txt" >> "$M/err" 2>&1 && [ -s "$M/first.seq" ] &&
            cmp -s "$M/first.seq" "$M/first.mpi" &&
            ok "mpi: a non-commutative monoid folds in partition order across 3 ranks" ||
            bad "mpi: non-commutative monoid across ranks" "$M/err"
    else bad "mpi: build first.fpipe --backend mpi" "$M/err"; fi
    if [ -f "$M/wordcount.mpi" ]; then
        alone "$M/wordcount.mpi" --partition-size 4096 -o "$M/hot.seq" "$M/hot.txt" 2> "$M/err"
        FPIPE_MPI_ROUND_BYTES=256 $MPIRUN -n 3 "$M/wordcount.mpi" --threads 1 --partition-size 4096 \
            -o "$M/hot.mpi" "$M/hot.txt" >> "$M/err" 2>&1 && grep -q "^hot	18000\$" "$M/hot.seq" &&
            cmp -s "$M/hot.seq" "$M/hot.mpi" && ok "mpi: a hot key (90% of the records) across 3 ranks" ||
            bad "mpi: hot key" "$M/err"
    fi

    # Random inputs (seeded: reproducible), random partition sizes, rank
    # and thread counts and round sizes: one process and MPI must agree.
    prop_ok=1
    for seed in 1 2 3 4 5 6; do
        awk -v seed=$seed 'BEGIN { srand(seed); n = 2000 + int(rand() * 4000)
            for (i = 0; i < n; i++) { w = int(rand() ^ 3 * 500); l = 1 + int(rand() * 30)
                s = "k" w; if (rand() < 0.05) s = s "-a-rather-long-key-over-sixteen-bytes"
                printf "%s%s", s, (rand() < 0.15 ? "\n" : (rand() < 0.5 ? " " : "\t")) } }' > "$M/rand.txt"
        p=$((61 + seed * 997 % 4000)); r=$((2 + seed % 2)); t=$((1 + seed % 2)); rb=$((256 << (seed % 4)))
        for n in wordcount weights linelen totals; do
            [ -f "$M/$n.mpi" ] || continue
            "$TMP/bin/$n" --threads 1 --partition-size $p -o "$M/prop.seq" "$M/rand.txt" 2> /dev/null
            FPIPE_MPI_ROUND_BYTES=$rb $MPIRUN -n $r "$M/$n.mpi" --threads $t --partition-size $p \
                -o "$M/prop.mpi" "$M/rand.txt" 2> "$M/err" && cmp -s "$M/prop.seq" "$M/prop.mpi" ||
                { prop_ok=; bad "mpi: random input $seed: $n, $r ranks x $t threads, partitions of $p, rounds of $rb" "$M/err"; }
        done
    done
    [ -n "$prop_ok" ] && ok "mpi: 6 random inputs x 4 pipelines, random partition sizes, ranks, threads and rounds: same output"

    # More ranks than partitions (one line, an empty file), and a top over
    # elements (which runs on rank 0 alone, with a note).
    printf 'one line\n' > "$M/one.txt"
    : > "$M/empty.txt"
    edge_ok=1
    for n in wordcount totals linelen weights; do
        for f in one empty; do
            [ -f "$M/$n.mpi" ] || continue
            "$TMP/bin/$n" --threads 1 "$M/$f.txt" > "$M/edge.seq" 2>&1
            $MPIRUN -n 3 "$M/$n.mpi" "$M/$f.txt" > "$M/edge.mpi" 2> "$M/err" &&
                cmp -s "$M/edge.seq" "$M/edge.mpi" || { edge_ok=; bad "mpi: $n on $f.txt with 3 ranks" "$M/err"; }
        done
    done
    [ -n "$edge_ok" ] && ok "mpi: more ranks than partitions (one line, an empty file): same output"
    printf '%s\n' 'pipeline etop' 'source lines = text(input)' 'map l = (len(lines), lines)' \
        'top t3 = 3 by l.0 desc, l.1 asc' 'sink out = tsv(output)' > "$M/etop.fpipe"
    if "$FPIPEC" build --backend mpi "$M/etop.fpipe" -o "$M/etop" > "$M/err" 2>&1; then
        alone "$M/etop" --partition-size 65536 "$IN/zipf.txt" > "$M/etop.seq" 2> /dev/null
        $MPIRUN -n 2 "$M/etop" --partition-size 65536 "$IN/zipf.txt" > "$M/etop.mpi" 2> "$M/err" &&
            [ "$(wc -l < "$M/etop.seq")" = 3 ] && cmp -s "$M/etop.seq" "$M/etop.mpi" &&
            grep -q "runs on rank 0 only" "$M/err" &&
            ok "mpi: a top over elements runs on rank 0 alone, same output" || bad "mpi: top over elements" "$M/err"
    else bad "mpi: build etop.fpipe" "$M/err"; fi
    # fpipec run --backend mpi: one process, no mpirun.
    TMPDIR=$(mktemp -d "$M/ompi.XXXXXX") "$FPIPEC" run --backend mpi examples/totals.fpipe -- "$IN/zipf.txt" > "$M/out" 2> "$M/err" &&
        [ "$(cat "$M/out")" = "$(words_of "$IN/zipf.txt" | wc -l)" ] && ok "mpi: fpipec run --backend mpi runs as one process" ||
        bad "mpi: fpipec run --backend mpi" "$M/err"

    # on_error drop: the counts of all ranks, printed once by rank 0.
    if [ -f "$M/logs.mpi" ]; then
        alone "$M/logs.mpi" --partition-size 65536 -o /dev/null "$IN/access.log" 2> "$M/drop.seq"
        $MPIRUN -n 3 "$M/logs.mpi" --partition-size 65536 -o /dev/null "$IN/access.log" 2> "$M/drop.mpi"
        grep -c 'dropped' "$M/drop.mpi" | grep -qx 1 && [ -s "$M/drop.seq" ] &&
            grep -F -f "$M/drop.seq" "$M/drop.mpi" > /dev/null &&
            ok "mpi: on_error drop counts summed over 3 ranks, printed once" ||
            bad "mpi: on_error drop counts" "$M/drop.mpi"
    fi
    # retry N: the retries of all ranks, printed once (tests/run.sh wrote
    # the pipeline and its C file; 26 retries of 'm' whatever the split).
    if [ -f "$TMP/bx/r3/r.fpipe" ] &&
       "$FPIPEC" build --backend mpi "$TMP/bx/r3/r.fpipe" -o "$M/retry" > "$M/err" 2>&1; then
        $MPIRUN -n 3 "$M/retry" --partition-size 16 -o "$M/retry.out" "$IN/r1.txt" 2> "$M/retry.err"
        "$TMP/bin/r3" --partition-size 16 -o "$M/retry.seq" "$IN/r1.txt" 2> "$M/retry.seqerr"
        cmp -s "$M/retry.seq" "$M/retry.out" && cmp -s <(sed 's/^[^:]*://' "$M/retry.seqerr") \
            <(sed 's/^[^:]*://' "$M/retry.err") &&
            grep -c "operator 'm' .* retried 26 times" "$M/retry.err" | grep -qx 1 &&
            ok "mpi: retry counts summed over 3 ranks, printed once, as in one process" ||
            bad "mpi: retry counts" "$M/retry.err"
    else bad "mpi: build the retry pipeline" "$M/err"; fi

    # fail_fast: records that fail at line 120 (rank 1's block of 3) and
    # line 180 (rank 2's): the first in input order is reported, once,
    # with the same text as one process; exit 4; the old output stays.
    if "$FPIPEC" build --backend mpi "$TMP/ratio.fpipe" -o "$M/ratio" > "$M/err" 2>&1; then
        awk 'BEGIN { for (i = 1; i <= 200; i++) print (i == 120 ? "aaaa the bb" : i == 180 ? "xyz cccc" : "aaaa bbbbb cc") }' > "$M/r.txt"
        awk 'BEGIN { for (i = 1; i <= 9000; i++) print (i == 7000 ? "aaaa the bb" : "aaaa bbbbb cc") }' > "$M/r2.txt"
        # The reference message: the OpenMP build, under the same name.
        mkdir -p "$M/omp"
        "$FPIPEC" build "$TMP/ratio.fpipe" -o "$M/omp/ratio" > /dev/null 2>&1
        "$M/omp/ratio" --threads 1 --partition-size 64 -o "$M/o.tsv" "$M/r.txt" 2> "$M/err.seq"
        grep -q 'input: .*r.txt:120$' "$M/err.seq" || bad "mpi: fail_fast reference run" "$M/err.seq"
        for n in 2 3; do
            echo previous > "$M/o.tsv"
            $MPIRUN -n $n "$M/ratio" --threads 1 --partition-size 64 -o "$M/o.tsv" "$M/r.txt" > "$M/err" 2>&1; rc=$?
            grep -v -e '^---' -e '^ *$' "$M/err" | grep -F -f "$M/err.seq" > "$M/err.ours"
            [ $rc = 4 ] && [ "$(grep -c 'failed: division by zero' "$M/err")" = 1 ] &&
                cmp -s "$M/err.seq" "$M/err.ours" && [ "$(cat "$M/o.tsv")" = previous ] &&
                ! ls -a "$M" | grep -q 'fpipe-' &&
                ok "mpi: fail_fast on rank 1's record ($n ranks): exit 4, reported once as in one process, no output" ||
                { { cat "$M/err"; echo "== one process:"; cat "$M/err.seq"; echo "== ours:"; cat "$M/err.ours";
                    echo "== output: $(cat "$M/o.tsv")"; ls -a "$M"; } > "$M/diag"
                  bad "mpi: fail_fast on rank 1's record ($n ranks, rc=$rc)" "$M/diag"; }
        done
        # Element-wise rows to stdout stop before the failing record, as
        # in one process.
        cat > "$M/inv.fpipe" <<'EOF'
pipeline inv
source lines = text(input)
map q = 1000 / (len(lines) - 11)
sink out = tsv(output)
EOF
        if "$FPIPEC" build --backend mpi "$M/inv.fpipe" -o "$M/inv" > "$M/err" 2>&1; then
            alone "$M/inv" --partition-size 64 "$M/r.txt" > "$M/inv.seq" 2> /dev/null
            $MPIRUN -n 3 "$M/inv" --threads 1 --partition-size 64 "$M/r.txt" > "$M/inv.mpi" 2> "$M/err"; rc=$?
            [ $rc = 4 ] && [ -s "$M/inv.seq" ] && cmp -s "$M/inv.seq" "$M/inv.mpi" &&
                ok "mpi: element-wise fail_fast streams the same rows before the failure as one process" ||
                bad "mpi: element-wise fail_fast to stdout (rc=$rc)" "$M/err"
            # The same with rows spilled to a file on ranks 1 and 2.
            FPIPE_MPI_HOLD_BYTES=4096 $MPIRUN -n 3 "$M/inv" --threads 1 --partition-size 64 "$M/r2.txt" > "$M/inv.mpi" 2> "$M/err"; rc=$?
            alone "$M/inv" --partition-size 64 "$M/r2.txt" > "$M/inv.seq" 2> /dev/null
            [ $rc = 4 ] && [ "$(wc -c < "$M/inv.seq")" -gt 8192 ] && cmp -s "$M/inv.seq" "$M/inv.mpi" &&
                ok "mpi: element-wise fail_fast with spilled rows: the same rows before the failure as one process" ||
                bad "mpi: element-wise fail_fast with spilled rows (rc=$rc)" "$M/err"
        else bad "mpi: build inv.fpipe" "$M/err"; fi
    else bad "mpi: build ratio.fpipe --backend mpi" "$M/err"; fi

    # --stats under MPI: the per-operator counts, summed over ranks, equal
    # one process's exactly (the JSON without times, memory, threads, the
    # ranks section and the hot-key sketch's bounds, which depend on how the
    # records met the sketches); the ranks section covers every partition
    # once, in rank order, and its records add up to the operators'.
    cat > "$M/stats_norm.py" <<'PYEOF'
import json, sys
st = json.loads(open(sys.argv[1]).readline())
mode = sys.argv[2]   # seq or the rank count
for k in ("threads", "seconds", "memory", "skew", "ranks"):
    v = st.pop(k, None)
    if k == "ranks":
        ranks = v
for k in st.get("hot_keys", {}).get("keys", []):
    for f in ("records_min", "records_max", "share_min", "share_max", "owner_rank"):
        k.pop(f, None)
for o in st["operators"]:   # sampled times: every run's differ
    o.pop("seconds", None)
    o.pop("backoff_seconds", None)
print(json.dumps(st, sort_keys=True))
if mode != "seq":
    ops = st["operators"]
    end = next((i for i, o in enumerate(ops) if o["kind"] in ("combine_per_key", "combine", "top")), None)
    s1out = ops[end]["in"] if end is not None else ops[-1]["out"]
    lo = 0
    assert len(ranks) == int(mode), "%d ranks reported" % len(ranks)
    for r, l in enumerate(ranks):
        assert l["rank"] == r and l["partitions"][0] == lo, l
        lo = l["partitions"][1]
        assert l["peak_rss_bytes"] > 0 and l["stage1_seconds"] >= 0, l
    assert sum(l["records_in"] for l in ranks) == ops[0]["in"], "records in"
    assert sum(l["records_out"] for l in ranks) == s1out, "records out of stage 1"
PYEOF
    if "$FPIPEC" build --backend mpi tests/runtime/stats.fpipe -o "$M/stats.mpi" > "$M/err" 2>&1; then :; else
        bad "mpi: build tests/runtime/stats.fpipe" "$M/err"; fi
    st_ok=1
    # NAME OPENMP-BINARY MPI-BINARY ARGS...
    stats_matrix() {
        local n=$1 omp=$2 mpi=$3; shift 3
        [ -x "$mpi" ] || { st_ok=; bad "mpi: --stats $n: no MPI build"; return; }
        "$omp" --threads 1 --partition-size 4096 --stats=json "$@" 2> "$M/st.seq" > /dev/null ||
            { st_ok=; bad "mpi: --stats $n sequential" "$M/st.seq"; return; }
        grep '^{"pipeline"' "$M/st.seq" > "$M/st.seq.json"
        python3 "$M/stats_norm.py" "$M/st.seq.json" seq > "$M/st.seq.norm" 2> "$M/err" ||
            { st_ok=; bad "mpi: --stats $n: no JSON" "$M/st.seq"; return; }
        local m r t
        for m in 1x1 2x1 3x1 2x2; do
            r=${m%x*}; t=${m#*x}
            FPIPE_MPI_ROUND_BYTES=4096 $MPIRUN -n $r "$mpi" --threads $t --partition-size 4096 --stats=json "$@" \
                2> "$M/st.mpi" > /dev/null || { st_ok=; bad "mpi: --stats $n $m failed" "$M/st.mpi"; return; }
            grep '^{"pipeline"' "$M/st.mpi" > "$M/st.mpi.json"
            [ "$(grep -c '^{"pipeline"' "$M/st.mpi")" = 1 ] ||
                { st_ok=; bad "mpi: --stats $n $m: not printed once" "$M/st.mpi"; return; }
            python3 "$M/stats_norm.py" "$M/st.mpi.json" $r > "$M/st.mpi.norm" 2> "$M/err" ||
                { st_ok=; bad "mpi: --stats $n $m: the ranks section" "$M/err"; return; }
            cmp -s "$M/st.seq.norm" "$M/st.mpi.norm" ||
                { st_ok=; diff "$M/st.seq.norm" "$M/st.mpi.norm" > "$M/diff"; bad "mpi: --stats $n $m counts differ from one process" "$M/diff"; return; }
        done
    }
    # shellcheck disable=SC2086
    stats_matrix wordcount "$TMP/bin/wordcount" "$M/wordcount.mpi" -o /dev/null $TEXT_IN
    # shellcheck disable=SC2086
    stats_matrix weights "$TMP/bin/weights" "$M/weights.mpi" -o /dev/null $TEXT_IN
    # shellcheck disable=SC2086
    stats_matrix totals "$TMP/bin/totals" "$M/totals.mpi" -o /dev/null $TEXT_IN
    # shellcheck disable=SC2086
    stats_matrix linelen "$TMP/bin/linelen" "$M/linelen.mpi" -o /dev/null $TEXT_IN
    stats_matrix logs "$TMP/bin/logs" "$M/logs.mpi" -o /dev/null "$IN/access.log"
    stats_matrix groupby "$TMP/bin/groupby" "$M/groupby.mpi" -o /dev/null "$IN/sales.csv"
    stats_matrix stats "$R/stats" "$M/stats.mpi" --errors "$M/st.errors" -o /dev/null "$R/st.txt"
    [ -n "$st_ok" ] && ok "mpi: --stats=json counts summed over ranks equal one process's (7 pipelines x 1/2/3 ranks, 2x2 threads), the ranks section adds up"
    [ -c /dev/null ] || bad "mpi: /dev/null is no longer a device"

    # The text table under MPI: the ranks section (one row per rank, the
    # skew) and the 90% hot key with its owner; a uniform input has none.
    if [ -f "$M/wordcount.mpi" ]; then
        awk 'BEGIN { for (i = 0; i < 20000; i++) printf "u%d%s", i % 1000, (i % 13 ? " " : "\n") }' > "$M/uniform.txt"
        FPIPE_MPI_ROUND_BYTES=256 $MPIRUN -n 3 "$M/wordcount.mpi" --threads 1 --partition-size 4096 --stats \
            -o "$M/hot.mpi" "$M/hot.txt" 2> "$M/hot.err"
        FPIPE_MPI_ROUND_BYTES=256 $MPIRUN -n 3 "$M/wordcount.mpi" --threads 1 --partition-size 4096 --stats=json \
            -o "$M/hot.mpi" "$M/hot.txt" 2> "$M/hot.jerr"
        owner=$(grep '^{"pipeline"' "$M/hot.jerr" | python3 -c '
import json, sys
h = json.loads(sys.stdin.readline())["hot_keys"]
k = h["keys"]
assert h["operator"] == "counts" and h["records"] == 20000 and len(k) == 1 and k[0]["key"] == "hot", h
assert k[0]["records_min"] <= 18000 <= k[0]["records_max"] and k[0]["records_min"] >= 2000, k
print(k[0]["owner_rank"])' 2> "$M/err")
        [ -n "$owner" ] && grep -q '^  ranks: 3, stage 1 skew (slowest / mean) [0-9.]*$' "$M/hot.err" &&
            [ "$(grep -c -E '^ +[0-2] +1 \[[0-9]+, [0-9]+\) ' "$M/hot.err")" = 3 ] &&
            grep -q '^  hot keys of counts (>= 10% of its 20000 records):$' "$M/hot.err" &&
            grep -q "^    \"hot\"  [0-9]* to [0-9]* records (.*), owner rank $owner\$" "$M/hot.err" &&
            ok "mpi: --stats shows every rank's load, the skew, and the 90% hot key with its owner rank (text and JSON)" ||
            { cat "$M/err" >> "$M/hot.err"; bad "mpi: --stats ranks and hot key" "$M/hot.err"; }
        alone "$M/wordcount.mpi" --stats --partition-size 4096 -o "$M/hot.seq" "$M/hot.txt" 2> "$M/hot.err"
        "$TMP/bin/wordcount" --threads 2 --stats=json --partition-size 4096 -o "$M/hot.seq" "$M/hot.txt" 2> "$M/hot.jerr"
        grep -q '^    "hot"  [0-9]* to [0-9]* records (.*%)$' "$M/hot.err" &&
            grep -q '"hot_keys":{"operator":"counts","min_share":0.10,"records":20000,"keys":\[{"key":"hot","key_bytes":3,' "$M/hot.jerr" &&
            ok "mpi: the hot key in one process too (text and JSON, no owner)" || bad "mpi: hot key in one process" "$M/hot.err"
        $MPIRUN -n 3 "$M/wordcount.mpi" --threads 1 --partition-size 4096 --stats -o "$M/u.mpi" "$M/uniform.txt" 2> "$M/u.err"
        "$TMP/bin/wordcount" --threads 2 --stats=json -o "$M/u.seq" "$M/uniform.txt" 2> "$M/u.jerr"
        grep -q '^  hot keys of counts (>= 10% of its 20000 records): none$' "$M/u.err" &&
            grep -q '"hot_keys":{"operator":"counts","min_share":0.10,"records":20000,"keys":\[\]}' "$M/u.jerr" &&
            ok "mpi: a uniform input reports no hot key (3 ranks, and one process)" || bad "mpi: uniform input hot keys" "$M/u.err"
    fi

    # on_error collect under MPI: the error lines of every rank in the one
    # error file rank 0 commits, in input order, byte-identical to one
    # process's (bad records in every rank's block; many partitions; rounds
    # of 256 bytes), the counts the same and equal to its lines.
    co_ok=1
    for p in collect collect_keyed collect_csv collect_mixed; do
        "$FPIPEC" build --backend mpi tests/runtime/$p.fpipe -o "$M/$p" > "$M/err" 2>&1 ||
            { co_ok=; bad "mpi: build $p --backend mpi" "$M/err"; }
    done
    for ps in 61 1024; do
        "$R/collect" --threads 1 --partition-size $ps -o "$M/c.seq" "$R/in.txt" 2> "$M/c.seq.err"
        for m in 1x1 2x1 3x1 2x2 3r; do
            case $m in
                3r) r=3 t=1 rb=256 ;;
                *) r=${m%x*} t=${m#*x} rb=4096 ;;
            esac
            rm -f "$M/c.mpi" "$M/c.mpi.errors.jsonl"
            FPIPE_MPI_ROUND_BYTES=$rb $MPIRUN -n $r "$M/collect" --threads $t --partition-size $ps --stats=json \
                -o "$M/c.mpi" "$R/in.txt" 2> "$M/c.mpi.err" ||
                { co_ok=; bad "mpi: collect $m, partitions of $ps, failed" "$M/c.mpi.err"; break 2; }
            coll=$(grep '^{"pipeline"' "$M/c.mpi.err" | grep -o '"name":"kv",[^}]*' | sed 's/.*"collected"://')
            if ! cmp -s "$M/c.seq" "$M/c.mpi" || ! cmp -s "$M/c.seq.errors.jsonl" "$M/c.mpi.errors.jsonl" ||
               ! cmp -s "$R/ref.err" "$M/c.mpi.errors.jsonl" ||
               [ "$coll" != "$(wc -l < "$M/c.mpi.errors.jsonl")" ] ||
               ! grep -q "^collect: operator 'kv' (tests/runtime/collect.fpipe:4:1) collected $coll elements into '$M/c.mpi.errors.jsonl' (on_error collect)\$" "$M/c.mpi.err"; then
                { diff "$M/c.seq.errors.jsonl" "$M/c.mpi.errors.jsonl" | head -20; cat "$M/c.mpi.err"; } > "$M/diff"
                co_ok=; bad "mpi: collect $m, partitions of $ps: output, error file or count differ from one process" "$M/diff"; break 2
            fi
        done
    done
    # Errors after a combine (rank 0's stage 2) and CSV records.
    mkdir -p "$M/ck"; cp "$R/keys.txt" "$M/ck/"
    (cd "$M/ck" && FPIPE_MPI_ROUND_BYTES=256 $MPIRUN -n 3 "$M/collect_keyed" --threads 1 --partition-size 4096 -o k.tsv keys.txt 2> err) &&
        cmp -s "$R/kref.out" "$M/ck/k.tsv" && cmp -s "$R/kref.err" "$M/ck/keyed.errors.jsonl" ||
        { co_ok=; bad "mpi: collect after a combine across 3 ranks" "$M/ck/err"; }
    mkdir -p "$M/cv"; cp "$R/csv/s.csv" "$R/csv/ref.err" "$M/cv/"
    (cd "$M/cv" && $MPIRUN -n 3 "$M/collect_csv" --threads 1 --partition-size 8 -o s.tsv s.csv 2> err) &&
        cmp -s "$M/cv/ref.err" "$M/cv/s.tsv.errors.jsonl" || { co_ok=; bad "mpi: collect on CSV records across 3 ranks" "$M/cv/err"; }
    [ -n "$co_ok" ] && ok "mpi: on_error collect: one error file from every rank, byte-identical to one process's (1/2/3 ranks, 2x2, 256-byte rounds; text, after a combine, CSV), counts = its lines"
    # An error file rank 0 cannot create: named once, exit 3 on every rank
    # (no rank waits for the others in a collective), no output.
    rm -f "$M/ce.tsv"
    $MPIRUN -n 3 "$M/collect" --errors "$M/no/such/e.jsonl" -o "$M/ce.tsv" "$R/in.txt" > "$M/err" 2>&1; rc=$?
    [ $rc = 3 ] && [ "$(grep -c "no/such/e.jsonl" "$M/err")" = 1 ] && [ ! -e "$M/ce.tsv" ] &&
        ok "mpi: an error file that cannot be created: exit 3, named once, no output" ||
        bad "mpi: unwritable error file (rc=$rc)" "$M/err"
    # fail_fast in the same run: a failure on rank 2's block writes neither
    # the output nor the error file (3 ranks), as in one process.
    awk 'BEGIN { for (i = 1; i <= 300; i++) print (i == 250 ? 0 : i % 7 ? i : "x") }' > "$M/mixed.txt"
    echo previous > "$M/m.tsv"; echo previous > "$M/m.tsv.errors.jsonl"
    $MPIRUN -n 3 "$M/collect_mixed" --threads 1 --partition-size 64 -o "$M/m.tsv" "$M/mixed.txt" > "$M/err" 2>&1; rc=$?
    [ $rc = 4 ] && [ "$(cat "$M/m.tsv")" = previous ] && [ "$(cat "$M/m.tsv.errors.jsonl")" = previous ] &&
        [ "$(grep -c 'failed: division by zero' "$M/err")" = 1 ] && ! ls -a "$M" | grep -q 'fpipe-' &&
        ok "mpi: collect with a fail_fast failure on rank 2: exit 4, neither output nor error file" ||
        bad "mpi: collect + fail_fast across ranks (rc=$rc)" "$M/err"

    # make install (run by the cli section into $TMP/prefix) installs the MPI
    # runtime too, and the installed fpipec builds with it.
    if [ -x "$TMP/prefix/bin/fpipec" ]; then
        (cd "$M" && "$TMP/prefix/bin/fpipec" build --backend mpi "$OLDPWD/examples/totals.fpipe" -o "$M/t3" > "$M/err" 2>&1) &&
            [ -f "$TMP/prefix/lib/libfpipe_mpi.a" ] && $MPIRUN -n 2 "$M/t3" "$IN/zipf.txt" > "$M/out" 2>> "$M/err" &&
            [ "$(cat "$M/out")" = "$(words_of "$IN/zipf.txt" | wc -l)" ] &&
            ok "mpi: make install gives libfpipe_mpi.a and a working fpipec build --backend mpi" ||
            bad "mpi: installed --backend mpi" "$M/err"
    fi
    "$FPIPEC" build --backend cuda examples/totals.fpipe -o "$M/x" > "$M/err" 2>&1; rc=$?
    [ $rc = 2 ] && grep -q "unknown backend 'cuda'" "$M/err" && ok "mpi: fpipec rejects an unknown --backend (exit 2)" ||
        bad "mpi: unknown backend (rc=$rc)" "$M/err"

    # Inputs that cannot be read: named once, exit 3, no output created.
    if [ -f "$M/wordcount.mpi" ]; then
        rm -f "$M/o2.tsv"
        $MPIRUN -n 2 "$M/wordcount.mpi" -o "$M/o2.tsv" "$IN/zipf.txt" "$M/missing.txt" > "$M/err" 2>&1; rc=$?
        [ $rc = 3 ] && [ "$(grep -c "cannot open input '$M/missing.txt'" "$M/err")" = 1 ] && [ ! -e "$M/o2.tsv" ] &&
            ok "mpi: a missing input: named once, exit 3, no output" || bad "mpi: missing input (rc=$rc)" "$M/err"
        # A folder is read recursively, in sorted order, as in every mode.
        mkdir -p "$M/dir/sub"; cp "$IN/zipf.txt" "$M/dir/b.txt"; cp "$IN/mixed_ws.txt" "$M/dir/sub/a.txt"
        $MPIRUN -n 2 "$M/wordcount.mpi" -o "$M/o2.tsv" "$M/dir" > "$M/err" 2>&1; rc=$?
        "$M/wordcount.mpi" -o "$M/o1.tsv" "$M/dir/b.txt" "$M/dir/sub/a.txt" 2> /dev/null
        [ $rc = 0 ] && cmp -s "$M/o1.tsv" "$M/o2.tsv" &&
            ok "mpi: a directory as input is read like its files, in order" || bad "mpi: directory input (rc=$rc)" "$M/err"
        $MPIRUN -n 2 "$M/wordcount.mpi" - < "$IN/zipf.txt" > "$M/err" 2>&1; rc=$?
        [ $rc = 2 ] && grep -q "standard input cannot be read under MPI" "$M/err" &&
            ok "mpi: standard input is refused with several ranks (exit 2)" || bad "mpi: stdin (rc=$rc)" "$M/err"
        $MPIRUN -n 2 "$M/wordcount.mpi" -o "$M/no/such/o.tsv" "$IN/zipf.txt" > "$M/err" 2>&1; rc=$?
        [ $rc = 3 ] && [ "$(grep -c "cannot create output" "$M/err")" = 1 ] &&
            ok "mpi: an unwritable output: exit 3, named once" || bad "mpi: unwritable output (rc=$rc)" "$M/err"
        $MPIRUN -n 2 "$M/wordcount.mpi" --help > "$M/out" 2>&1
        [ "$(grep -c '^usage:' "$M/out")" = 1 ] && ok "mpi: --help printed once under mpirun -n 2" ||
            bad "mpi: --help under mpirun" "$M/out"
    fi
fi
