/* mpi.c — distributed mode on MPI (libfpipe_mpi.a only; docs/distributed.md).
 *
 * The generated stage functions and the single-process driver are the same
 * as in libfpipe.a; this file supplies fp_main (MPI_Init_thread around the
 * driver) and the hooks of dist.h:
 *   - every rank maps the same inputs and cuts the same partitions; rank r
 *     runs the contiguous block [lo_r, hi_r) (OpenMP threads inside);
 *   - element-wise rows and global accumulators go to rank 0 in partition
 *     order;
 *   - keyed tables are shuffled by key hash in bounded MPI_Alltoallv rounds,
 *     folded on the owning rank (in partition order when the monoid needs
 *     it), sorted there, and the sorted runs are gathered to rank 0, whose
 *     k-way merge runs stage 2 exactly as in one process.
 * MPI is called from the main thread only (MPI_THREAD_FUNNELED).
 */
#include "internal.h"
#include "dist.h"

#include <errno.h>
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>


static int rank, nranks = 1;
static int err_fd = 2;            /* rank > 0: the real stderr (2 is /dev/null) */
static size_t g_nparts;           /* the partition count fp_dist_parts saw */
static bool g_distributable = true;
static fp_buf captured;           /* rank > 0: element-wise rows for rank 0 */
/* Rank > 0: rows held in memory beyond this many bytes go to a temporary
 * file (FPIPE_MPI_HOLD_BYTES; docs/distributed.md, "Element-wise rows"). */
static size_t hold_bytes = (size_t)64 << 20;
static int spill_fd = -1;         /* the unlinked temporary file, or -1 */
static unsigned long long spilled;   /* bytes in it: the rows before `captured` */
static size_t round_bytes = (size_t)4 << 20;   /* per destination and round */
/* --stats: bytes this rank sent to and received from the others after
 * stage 1 (the keyed shuffle's rounds; rows, runs, accumulators and error
 * lines gathered to rank 0). */
static uint64_t shuffle_sent, shuffle_received, gather_sent, gather_received;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        fp_oom();
    return p;
}

/* FPIPE_TIMES=1: every rank's shuffle phases, on its own stderr. */
static double mark(const char *what, double t)
{
    static int on = -1;
    if (on < 0) {
        const char *e = getenv("FPIPE_TIMES");
        on = e && *e && strcmp(e, "0") != 0;
    }
    double n = MPI_Wtime();
    if (on && what) {
        char msg[160];
        int len = snprintf(msg, sizeof msg, "%s: rank %d: %-24s %8.1f ms\n", fp_prog, rank, what,
                           (n - t) * 1e3);
        if (len > 0 && write(err_fd, msg, (size_t)len) < 0) {
            /* nothing to do */
        }
    }
    return n;
}

/* Seconds on a monotonic clock (MPI_Wtime is not there before MPI_Init
 * nor after MPI_Finalize). */
static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* FPIPE_TIMES=1: one of MPI's own phases on this rank's stderr. */
static void times_line(const char *what, double secs)
{
    const char *e = getenv("FPIPE_TIMES");
    if (!(e && *e && strcmp(e, "0") != 0))
        return;
    char msg[160];
    int len = snprintf(msg, sizeof msg, "%s: rank %d: %-24s %8.1f ms\n", fp_prog, rank, what, secs * 1e3);
    if (len > 0 && write(err_fd, msg, (size_t)len) < 0) {
        /* nothing to do */
    }
}

/* An MPI failure on this rank: the message on stderr (write: no stdio
 * locks), this rank's temporaries removed, every rank aborted with code. */
static void die(const char *what, int code)
{
    char msg[MPI_MAX_ERROR_STRING + 128];
    int n = snprintf(msg, sizeof msg, "%s: error: MPI rank %d: %s\n", fp_prog, rank, what);
    if (n > 0 && write(err_fd, msg, (size_t)n) < 0) {
        /* nothing more to do */
    }
    fp_run_guard_end();   /* the temporaries go; MPI_Abort's exit is not a library's */
    MPI_Abort(MPI_COMM_WORLD, code);
}

/* All ranks on this machine (mpirun tells each rank before MPI_Init:
 * OMPI_COMM_WORLD_LOCAL_SIZE = OMPI_COMM_WORLD_SIZE): use shared memory
 * through the ob1 layer instead of Open MPI's default UCX layer, whose
 * start probes for network devices (0.15-0.25 s of every run here).
 * Nothing changes when the ranks span machines, when the user chose a
 * pml or btl (mpirun --mca, or OMPI_MCA_*), or with FPIPE_MPI_SHM=0.
 * Returns true when it chose. */
static bool prefer_shared_memory(void)
{
    const char *opt = getenv("FPIPE_MPI_SHM");
    if (opt && strcmp(opt, "0") == 0)
        return false;
    const char *n = getenv("OMPI_COMM_WORLD_SIZE"), *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (!n || !local || strcmp(n, local) != 0 || getenv("OMPI_MCA_pml") || getenv("OMPI_MCA_btl"))
        return false;
    setenv("OMPI_MCA_pml", "ob1", 1);
    setenv("OMPI_MCA_btl", "self,vader", 1);
    return true;
}

/* No TCP_NODELAY on the PMIx client's socket, though Nagle's algorithm
 * costs 40-45 ms in MPI_Finalize's fence (docs/distributed.md): Open MPI
 * 4.1's MPI_Finalize unloads its PMIx component before it stops the
 * progress thread that runs the component's event callbacks, and the
 * faster finalize let a late callback run there — from unmapped code (a
 * segfault at exit, 1 run in 60 under load), or, with the library kept
 * mapped, on freed memory (heap corruption).  Without it: 0 in 1000. */

int fp_main(const fp_pipeline *pl, int argc, char **argv)
{
    int provided;
    if (argc > 0 && argv[0])   /* messages before fp_main_local's own */
        fp_prog = fp_prog_name(argv[0]);
    /* Open MPI: a rank waiting in a collective yields its core instead of
     * spinning (unless the user chose otherwise).  The waits here are
     * short, and on a busy or oversubscribed node the spinning rank takes
     * the core from the one it waits for (measured: shuffle 80-125 ms
     * instead of 120-150 ms on this 2-core VM under load). */
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
    bool shm = prefer_shared_memory();
    /* hwloc (Open MPI's topology library) would load its GL and OpenCL
     * plugins — libX11, libOpenCL — and probe X displays in MPI_Init;
     * fpipe binds to cores and never looks at GPUs (a user's own
     * HWLOC_COMPONENTS wins). */
    setenv("HWLOC_COMPONENTS", "-gl,-opencl", 0);
    double t_init = wall_now();
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "%s: error: MPI_Init_thread failed\n", fp_prog);
        return FP_EXIT_INTERNAL;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    if (provided < MPI_THREAD_FUNNELED && rank == 0)
        fprintf(stderr, "%s: warning: MPI gives no MPI_THREAD_FUNNELED; use --threads 1\n", fp_prog);
    const char *hb = getenv("FPIPE_MPI_HOLD_BYTES");
    if (hb && *hb) {
        long long v = atoll(hb);
        if (v >= 4096)
            hold_bytes = (size_t)v;
    }
    const char *rb = getenv("FPIPE_MPI_ROUND_BYTES");
    if (rb && *rb) {
        long long v = atoll(rb);
        if (v >= 64 && v < ((long long)1 << 30))
            round_bytes = (size_t)v;
    }
    /* Rank 0's value for all: both ends of a chunked send must agree, and
     * remote ranks may not see the same environment. */
    unsigned long long rbv = round_bytes;
    MPI_Bcast(&rbv, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    round_bytes = (size_t)rbv;
    /* One hash seed for all ranks: a key's owner and its tag must be the
     * same wherever it is hashed (fp_key_owner, the shuffled slots). */
    fp_key_seed_init();
    unsigned long long seed = fp_key_seed;
    MPI_Bcast(&seed, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    fp_key_seed = seed;
    /* Rank 0 speaks for the run: the others' standard output and error
     * (help, messages, the same error again) go to /dev/null.  A rank's
     * own fatal trouble is written to the saved stderr. */
    const char *keep = getenv("FPIPE_MPI_STDERR");   /* debugging: every rank's stderr */
    if (rank > 0) {
        fflush(stdout);
        fflush(stderr);
        err_fd = dup(2);
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0) {
            dup2(nul, 1);
            if (!(keep && *keep && strcmp(keep, "0") != 0))
                dup2(nul, 2);
            close(nul);
        }
        if (err_fd < 0)
            err_fd = 2;
    }
    t_init = wall_now() - t_init;
    times_line(shm ? "MPI_Init_thread (ob1/vader)" : "MPI_Init_thread", t_init);
    int rc = fp_main_local(pl, argc, argv);
    /* Rank 0 leaves with the run's status: the maximum over the ranks
     * (rank 0's decision, or another rank's internal error).  The other
     * ranks leave with 0: mpirun aborts the job when the first process
     * exits non-zero, and rank 0 — the one writing the output and the
     * message — must not be killed before it is done. */
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    fp_buf_free(&captured);
    if (spill_fd >= 0)
        close(spill_fd);
    fflush(stdout);
    fflush(stderr);
    double t_fin = wall_now();
    MPI_Finalize();
    times_line("MPI_Finalize", wall_now() - t_fin);
    return rank == 0 ? all : 0;
}

int fp_dist_rank(void)
{
    return rank;
}

bool fp_dist_on(void)
{
    return nranks > 1;
}

bool fp_dist_any(bool failed, const char *what)
{
    if (nranks == 1)
        return failed;
    int mine = failed, *all = rank == 0 ? xmalloc((size_t)nranks * sizeof *all) : NULL;
    MPI_Gather(&mine, 1, MPI_INT, all, 1, MPI_INT, 0, MPI_COMM_WORLD);
    int any = 0;
    if (rank == 0) {
        for (int r = 0; r < nranks; r++)
            any |= all[r];
        if (any && !failed) {
            /* Rank 0 could: the others see another file system. */
            for (int r = 1; r < nranks; r++)
                if (all[r])
                    fprintf(stderr,
                            "%s: error: MPI rank %d cannot %s that rank 0 could "
                            "(every rank must see the inputs and the output folder at the same "
                            "paths: a shared file system)\n",
                            fp_prog, r, what);
        }
        free(all);
    }
    MPI_Bcast(&any, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return any != 0;
}

/* Rank r's block: [r * n / R, (r + 1) * n / R). */
static size_t block_lo(int r)
{
    if (!g_distributable)
        return r == 0 ? 0 : g_nparts;
    return (size_t)((unsigned __int128)g_nparts * (unsigned)r / (unsigned)nranks);
}
static size_t block_hi(int r)
{
    if (!g_distributable)
        return g_nparts;
    return block_lo(r + 1);
}
static int owner_of_part(size_t k)
{
    for (int r = 0; r < nranks; r++)
        if (k >= block_lo(r) && k < block_hi(r))
            return r;
    return 0;
}

void fp_dist_parts(size_t nparts, bool distributable, size_t *lo, size_t *hi)
{
    g_nparts = nparts;
    g_distributable = distributable || nranks == 1;
    if (!g_distributable && rank == 0)
        fprintf(stderr, "%s: note: this pipeline (a top over elements) runs on rank 0 only\n", fp_prog);
    *lo = block_lo(rank);
    *hi = block_hi(rank);
}

static size_t slice_lo(size_t n, int r)
{
    return (size_t)((unsigned __int128)n * (unsigned)r / (unsigned)nranks);
}

void fp_dist_slice(size_t n, size_t *lo, size_t *hi)
{
    *lo = slice_lo(n, rank);
    *hi = slice_lo(n, rank + 1);
}

void fp_dist_share_slices(unsigned char *v, size_t n)
{
    if (nranks == 1)
        return;
    if (n > INT32_MAX)
        die("an input has too many quote-parity blocks for one MPI_Allgatherv", FP_EXIT_INTERNAL);
    int *counts = xmalloc((size_t)nranks * sizeof *counts);
    int *displs = xmalloc((size_t)nranks * sizeof *displs);
    for (int r = 0; r < nranks; r++) {
        displs[r] = (int)slice_lo(n, r);
        counts[r] = (int)(slice_lo(n, r + 1) - slice_lo(n, r));
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_BYTE, v, counts, displs, MPI_BYTE, MPI_COMM_WORLD);
    free(counts);
    free(displs);
}

size_t fp_dist_chain_take(size_t start)
{
    if (rank == 0)
        return start;
    unsigned long long at;
    MPI_Recv(&at, 1, MPI_UNSIGNED_LONG_LONG, rank - 1, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return (size_t)at;
}

void fp_dist_chain_give(size_t at)
{
    unsigned long long v = at;
    if (rank + 1 < nranks)
        MPI_Send(&v, 1, MPI_UNSIGNED_LONG_LONG, rank + 1, 4, MPI_COMM_WORLD);
}

void fp_dist_share_cuts(size_t **ends, size_t *n)
{
    if (nranks == 1)
        return;
    int mine = *n > INT32_MAX ? -1 : (int)*n;
    int *counts = xmalloc((size_t)nranks * sizeof *counts);
    int *displs = xmalloc((size_t)nranks * sizeof *displs);
    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
    size_t total = 0;
    for (int r = 0; r < nranks; r++) {
        if (counts[r] < 0 || total + (size_t)counts[r] > INT32_MAX)
            die("an input has too many partitions for one MPI_Allgatherv", FP_EXIT_INTERNAL);
        displs[r] = (int)total;
        total += (size_t)counts[r];
    }
    unsigned long long *mv = xmalloc((*n ? *n : 1) * sizeof *mv);
    unsigned long long *all = xmalloc((total ? total : 1) * sizeof *all);
    for (size_t i = 0; i < *n; i++)
        mv[i] = (*ends)[i];
    MPI_Allgatherv(mv, mine, MPI_UNSIGNED_LONG_LONG, all, counts, displs,
                   MPI_UNSIGNED_LONG_LONG, MPI_COMM_WORLD);
    size_t *v = xmalloc((total ? total : 1) * sizeof *v);
    for (size_t i = 0; i < total; i++)
        v[i] = (size_t)all[i];
    free(*ends);
    *ends = v;
    *n = total;
    free(mv);
    free(all);
    free(counts);
    free(displs);
}

/* This rank's load, for the FPIPE_TIMES report after stage 1. */
static double load_t0, load_bytes;
static size_t load_lo, load_hi;

void fp_dist_prefault(const fp_part *parts, size_t lo, size_t hi)
{
    load_t0 = MPI_Wtime();
    load_lo = lo;
    load_hi = hi;
    load_bytes = 0;
    for (size_t k = lo; k < hi; k++)
        load_bytes += (double)(parts[k].end - parts[k].begin);
    /* The pages themselves are faulted in partition by partition as each
     * starts (driver.c, populate_pages), and given back when it is done:
     * a rank never holds its whole block. */
}

/* A note on this rank's own stderr (the others' fd 2 is /dev/null). */
static void note(const char *what, int err)
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%s: note: MPI rank %d: %s: %s\n", fp_prog, rank, what,
                     strerror(err));
    if (n > 0 && write(err_fd, msg, (size_t)n) < 0) {
        /* nothing more to do */
    }
}

/* Append [p, p + n) to the spill file (made on first use in $TMPDIR or
 * /tmp, unlinked at once: it disappears with the process, however the run
 * ends).  Where that fails the rows stay in memory, as before the bound
 * existed (false): better slower to run out of memory than to fail. */
static bool spill_write(const char *p, size_t n)
{
    if (spill_fd < 0) {
        const char *dir = getenv("TMPDIR");
        char path[4096];
        snprintf(path, sizeof path, "%s/fpipe-rows-XXXXXX", dir && *dir ? dir : "/tmp");
        spill_fd = mkstemp(path);
        if (spill_fd < 0) {
            note("cannot create a temporary file for its rows (they stay in memory)", errno);
            hold_bytes = SIZE_MAX;
            return false;
        }
        unlink(path);
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = pwrite(spill_fd, p + off, n - off, (off_t)(spilled + off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            note("cannot write its rows to a temporary file (they stay in memory)",
                 w < 0 ? errno : ENOSPC);
            hold_bytes = SIZE_MAX;   /* what was written is ignored: spilled is unchanged */
            return false;
        }
        off += (size_t)w;
    }
    spilled += n;
    return true;
}

bool fp_dist_capture(const char *p, size_t n)
{
    if (rank == 0)
        return false;
    /* Past the bound the held rows go to the file, and so does a buffer
     * as large as the bound itself, without a copy in memory first. */
    if (captured.n + n > hold_bytes && spill_write(captured.p, captured.n)) {
        captured.n = 0;
        if (n >= hold_bytes && spill_write(p, n))
            return true;
    }
    if (n)   /* an empty buffer has no pointer */
        fp_buf_put(&captured, p, n);
    return true;
}

/* Every rank's block, bytes and time from prefault to the end of stage 1,
 * printed by rank 0 under FPIPE_TIMES=1: the skew between ranks. */
static void report_load(void)
{
    struct rusage ru;
    double rss = getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss * 1024 : 0;
    double mine[8] = {(double)load_lo, (double)load_hi, load_bytes, MPI_Wtime() - load_t0,
                      (double)fp_csv_scanned(), rss, (double)spilled, (double)captured.n};
    double *all = rank == 0 ? xmalloc((size_t)nranks * sizeof mine) : NULL;
    MPI_Gather(mine, 8, MPI_DOUBLE, all, 8, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank != 0)
        return;
    const char *e = getenv("FPIPE_TIMES");
    if (e && *e && strcmp(e, "0") != 0) {
        double sum = 0, max = 0;
        for (int r = 0; r < nranks; r++) {
            double *v = all + 8 * r;
            fprintf(stderr,
                    "%s: rank %d: partitions [%.0f, %.0f) (%.0f), %.1f MB, read and stage 1 %.1f ms\n",
                    fp_prog, r, v[0], v[1], v[1] - v[0], v[2] / 1e6, v[3] * 1e3);
            if (v[4] > 0)
                fprintf(stderr, "%s: rank %d: %.0f bytes scanned to cut CSV partitions\n", fp_prog, r,
                        v[4]);
            if (r > 0 && v[6] + v[7] > 0)
                fprintf(stderr, "%s: rank %d: rows for rank 0: %.0f bytes held, %.0f spilled\n",
                        fp_prog, r, v[7], v[6]);
            fprintf(stderr, "%s: rank %d: peak RSS %.1f MB after stage 1\n", fp_prog, r, v[5] / 1e6);
            sum += v[3];
            max = v[3] > max ? v[3] : max;
        }
        fprintf(stderr, "%s: stage 1 skew over %d ranks: slowest / mean %.2f\n", fp_prog, nranks,
                sum > 0 ? max / (sum / nranks) : 1.0);
    }
    free(all);
}

/* Early stop.  Rank s sends its failure to every later rank exactly once:
 * as soon as its main thread sees one, or at the end of stage 1 (SIZE_MAX
 * if none), so every posted receive is matched and nothing is left
 * pending.  Only later ranks care: their partitions all come after. */
static MPI_Request *hint_req;         /* [0, rank): receives; [rank, R): sends */
static unsigned long long *hint_val;  /* received values, then the sent one */
static bool hint_sent;
static size_t hint_min = SIZE_MAX;

/* Post the receives of the earlier ranks' failure hints, once (a no-op
 * for one rank). */
static void hint_start(void)
{
    if (hint_req || nranks == 1)
        return;
    hint_req = xmalloc((size_t)nranks * sizeof *hint_req);
    hint_val = xmalloc((size_t)(nranks + 1) * sizeof *hint_val);
    for (int r = 0; r < nranks; r++)
        hint_req[r] = MPI_REQUEST_NULL;
    for (int s = 0; s < rank; s++)
        MPI_Irecv(&hint_val[s], 1, MPI_UNSIGNED_LONG_LONG, s, 3, MPI_COMM_WORLD, &hint_req[s]);
}

static void hint_send(size_t fail_part)
{
    hint_sent = true;
    hint_val[nranks] = fail_part;
    for (int r = rank + 1; r < nranks; r++)
        MPI_Isend(&hint_val[nranks], 1, MPI_UNSIGNED_LONG_LONG, r, 3, MPI_COMM_WORLD,
                  &hint_req[r]);
}

/* Rank s's first failing partition arrived: the earliest so far bounds
 * what this rank still needs to run (FPIPE_TIMES says so). */
static void hint_take(int s)
{
    if (hint_val[s] < hint_min) {
        hint_min = (size_t)hint_val[s];
        const char *e = getenv("FPIPE_TIMES");
        if (e && *e && strcmp(e, "0") != 0) {
            char msg[128];
            int n = snprintf(msg, sizeof msg,
                             "%s: rank %d: rank %d failed at partition %zu: the rest of "
                             "this block is skipped\n",
                             fp_prog, rank, s, hint_min);
            if (n > 0 && write(err_fd, msg, (size_t)n) < 0) {
                /* nothing to do */
            }
        }
    }
}

size_t fp_dist_poll(size_t fail_part)
{
    hint_start();
    if (!hint_sent && fail_part != SIZE_MAX)
        hint_send(fail_part);
    for (;;) {
        int idx, flag;
        if (rank == 0)
            break;
        MPI_Testany(rank, hint_req, &idx, &flag, MPI_STATUS_IGNORE);
        if (!flag || idx == MPI_UNDEFINED)
            break;
        hint_take(idx);
    }
    return hint_min;
}

/* End of stage 1: send this rank's hint if not yet sent (fail_part,
 * SIZE_MAX for none) and wait for every posted receive. */
static void hint_finish(size_t fail_part)
{
    hint_start();
    if (!hint_sent)
        hint_send(fail_part);
    for (int s = 0; s < rank; s++) {
        if (hint_req[s] != MPI_REQUEST_NULL) {
            MPI_Wait(&hint_req[s], MPI_STATUS_IGNORE);
            hint_take(s);
        }
    }
    MPI_Waitall(nranks - rank, hint_req + rank, MPI_STATUSES_IGNORE);
    free(hint_req);
    free(hint_val);
    hint_req = NULL;
    hint_val = NULL;
}

void fp_dist_fail(size_t *fail_part, char **fail_msg)
{
    hint_finish(*fail_part);
    report_load();
    unsigned long long mine = *fail_part, first = mine;
    MPI_Allreduce(&mine, &first, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
    if (first == (unsigned long long)SIZE_MAX)
        return;
    /* The owner of the first failing partition has its message. */
    int from = owner_of_part((size_t)first);
    unsigned long long len = rank == from && *fail_msg ? strlen(*fail_msg) : 0;
    MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG_LONG, from, MPI_COMM_WORLD);
    char *msg = xmalloc((size_t)len + 1);
    if (rank == from && *fail_msg)
        memcpy(msg, *fail_msg, (size_t)len);
    MPI_Bcast(msg, (int)len, MPI_CHAR, from, MPI_COMM_WORLD);
    msg[len] = 0;
    free(*fail_msg);
    *fail_msg = msg;
    *fail_part = (size_t)first;
}

/* Send n bytes to rank `to` in messages of at most round_bytes (the length
 * first), so that no message, and no receive buffer, is unbounded. */
static void send_chunked(const char *p, size_t n, int to, int tag)
{
    unsigned long long len = n;
    gather_sent += n;
    MPI_Send(&len, 1, MPI_UNSIGNED_LONG_LONG, to, tag, MPI_COMM_WORLD);
    for (size_t off = 0; off < n; off += round_bytes) {
        size_t m = n - off < round_bytes ? n - off : round_bytes;
        MPI_Send(p + off, (int)m, MPI_BYTE, to, tag, MPI_COMM_WORLD);
    }
}

/* Rank > 0: its rows — the spill file's, then the held ones — to rank 0,
 * in the messages send_chunked would make of them in one buffer. */
static void send_rows(void)
{
    unsigned long long len = spilled + captured.n;
    MPI_Send(&len, 1, MPI_UNSIGNED_LONG_LONG, 0, 1, MPI_COMM_WORLD);
    char *chunk = spilled ? xmalloc(round_bytes) : NULL;
    for (unsigned long long off = 0; off < len; off += round_bytes) {
        size_t m = len - off < round_bytes ? (size_t)(len - off) : round_bytes;
        const char *p = chunk;
        if (off >= spilled) {
            p = captured.p + (off - spilled);
        } else {
            size_t from_file = spilled - off < m ? (size_t)(spilled - off) : m, got = 0;
            while (got < from_file) {
                ssize_t r = pread(spill_fd, chunk + got, from_file - got, (off_t)(off + got));
                if (r < 0 && errno == EINTR)
                    continue;
                if (r <= 0)
                    die("cannot read its rows back from its temporary file", FP_EXIT_INTERNAL);
                got += (size_t)r;
            }
            if (m > from_file)
                memcpy(chunk + from_file, captured.p, m - from_file);
        }
        MPI_Send(p, (int)m, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
    }
    free(chunk);
}

void fp_dist_rows(fp_sink *sink, size_t fail_part, int *write_failed)
{
    /* Ranks whose block starts at or after the failure send nothing: their
     * rows come after the failing element in input order. */
    if (rank > 0) {
        if (block_lo(rank) < fail_part)
            send_rows();
        fp_buf_free(&captured);
        if (spill_fd >= 0)
            close(spill_fd);
        spill_fd = -1;
        spilled = 0;
        return;
    }
    char *chunk = xmalloc(round_bytes);
    for (int r = 1; r < nranks; r++) {
        if (block_lo(r) >= fail_part)
            break;
        unsigned long long len;
        MPI_Recv(&len, 1, MPI_UNSIGNED_LONG_LONG, r, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        gather_received += len;
        for (unsigned long long off = 0; off < len; off += round_bytes) {
            size_t m = len - off < round_bytes ? (size_t)(len - off) : round_bytes;
            MPI_Recv(chunk, (int)m, MPI_BYTE, r, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (!*write_failed && fp_sink_write(sink, chunk, m) != 0)
                *write_failed = errno ? errno : EIO;
        }
    }
    free(chunk);
}

void fp_dist_global(char *accs, size_t acc_size, size_t nparts)
{
    (void)nparts;
    int *counts = xmalloc((size_t)nranks * sizeof *counts);
    int *displs = xmalloc((size_t)nranks * sizeof *displs);
    for (int r = 0; r < nranks; r++) {
        size_t lo = block_lo(r), hi = block_hi(r);
        if ((hi - lo) * acc_size > INT32_MAX || hi * acc_size > INT32_MAX)
            die("too many partitions for one gather", FP_EXIT_INTERNAL);
        counts[r] = (int)((hi - lo) * acc_size);
        displs[r] = (int)(lo * acc_size);
    }
    /* Partition k's accumulator lands at k * acc_size on rank 0: rank 0
     * then folds them in partition order, as in one process. */
    if (rank == 0) {
        for (int r = 1; r < nranks; r++)
            gather_received += (uint64_t)counts[r];
    } else {
        gather_sent += (uint64_t)counts[rank];
    }
    if (rank == 0)
        MPI_Gatherv(MPI_IN_PLACE, 0, MPI_BYTE, accs, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    else
        MPI_Gatherv(accs + displs[rank], counts[rank], MPI_BYTE, NULL, NULL, NULL, MPI_BYTE, 0,
                    MPI_COMM_WORLD);
    free(counts);
    free(displs);
}

/* ---- the keyed shuffle ----------------------------------------------- */

/* A serialized entry: an fp_kslot image (tag, k0, k1), the accumulator
 * packed (acc_size rounded up to 8, then its promoted exact sums:
 * fp_acc_pack), and for a key over 16 bytes its bytes (rounded up to 8).
 * k1 of a long key and a promoted sum's address are rewritten where the
 * entry is read. */
static const fp_pipeline *shuffled;   /* the pipeline whose entries these are */

/* The bytes of slot s as an entry (s: a table's slot, or an entry) whose
 * accumulator packs into wn bytes (fp_acc_wire_size). */
static size_t entry_bytes(const fp_kslot *s, size_t wn)
{
    size_t n = fp_ktag_len(s->tag);
    return sizeof(fp_kslot) + wn + (n > 16 ? (n + 7) / 8 * 8 : 0);
}

static size_t entry_size(const fp_kslot *s)
{
    return entry_bytes(s, fp_acc_wire_size(shuffled, s + 1));
}

/* Serialize table slot s into dst: sz bytes (entry_bytes(s, wn)), its
 * accumulator packed into wn. */
static void put_entry(char *dst, const fp_kslot *s, size_t wn, size_t sz)
{
    size_t n = fp_ktag_len(s->tag);
    fp_kslot h = *s;
    if (n > 16)
        h.k1 = 0;
    memcpy(dst, &h, sizeof h);
    fp_acc_pack(shuffled, s + 1, dst + sizeof h);
    if (n > 16) {
        char *k = dst + sizeof h + wn;
        memcpy(k, (const char *)(uintptr_t)s->k1, n);
        memset(k + n, 0, sz - (sizeof h + wn + n));
    }
}

/* The slot of a received entry, its long key and its promoted sums
 * pointed at their bytes in the entry; *sz: the entry's bytes. */
static fp_kslot *entry_slot(char *e, size_t *sz)
{
    fp_kslot *s = (fp_kslot *)(void *)e;
    size_t wn = fp_acc_wire_size(shuffled, s + 1);
    if (fp_ktag_len(s->tag) > 16)
        s->k1 = (uint64_t)(uintptr_t)(e + sizeof *s + wn);
    fp_acc_fix(shuffled, s + 1);
    *sz = entry_bytes(s, wn);
    return s;
}

static int owner_of_tag(uint64_t tag)
{
    /* The hash's low bits of its high half: the tables index by its top
     * bits, so an owner's keys still spread over its whole table. */
    return fp_key_owner(tag, nranks);
}

/* Fold the entries of [p, end) into t, in order: FP_BATCH at a time,
 * each one's slot prefetched first (as stage 1 does), so the cache misses
 * overlap; the folds happen in the entries' order. */
static void fold_entries(fp_ktab *t, char *p, char *end, const fp_pipeline *pl)
{
    fp_kprobe pr[FP_BATCH];
    fp_kslot *src[FP_BATCH];
    while (p < end) {
        int n = 0;
        for (; n < FP_BATCH && p < end; n++) {
            size_t sz;
            src[n] = entry_slot(p, &sz);
            fp_ktab_probe_slot(t, src[n], &pr[n]);
            p += sz;
        }
        for (int i = 0; i < n; i++) {
            bool fresh;
            void *acc = fp_ktab_upsert_probe(t, &pr[i], true, &fresh);
            if (fresh)   /* the buffer is reused: promoted sums are copied out */
                fp_acc_copy(pl, acc, src[i] + 1);
            else
                pl->acc_merge(acc, src[i] + 1);
        }
    }
}

/* Fold n slots of this rank's own tables into t (their probes are made). */
static void fold_slots(fp_ktab *t, const fp_kslot **s, const fp_kprobe *pr, int n,
                       const fp_pipeline *pl)
{
    for (int i = 0; i < n; i++) {
        bool fresh;
        void *acc = fp_ktab_upsert_probe(t, &pr[i], true, &fresh);
        if (fresh) {
            memcpy(acc, s[i] + 1, pl->acc_size);   /* its promoted sums move with it */
        } else {
            pl->acc_merge(acc, s[i] + 1);
            /* the walk does not come back to s[i]: its sums are reused */
            fp_acc_release(pl, (void *)(uintptr_t)(s[i] + 1));
        }
    }
}

typedef struct chunk {
    char *p;
    size_t n;
} chunk;

static fp_ktab *owned;            /* this rank's keys, folded */
static char **gathered;           /* rank 0: the owners' sorted runs, as entries */
static int ngathered;

static void *pad_alloc(size_t n)
{
    /* The padding contract: keys read 64 bytes past their end. */
    char *p = xmalloc(n + 2 * FP_PAD);
    memset(p + n, 0, 2 * FP_PAD);
    return p;
}

void fp_dist_keyed(const fp_pipeline *pl, fp_ktab **tabs, size_t ntabs, fp_kentry ***runs_out,
                   size_t **ns_out, size_t *nruns)
{
    const bool ordered = pl->merge == FP_MERGE_PARTITION_ORDER;
    double tm = mark(NULL, 0), t0 = tm;
    shuffled = pl;
    const size_t R = (size_t)nranks;

    /* Rounds: each rank fills at most round_bytes per destination from
     * where its walk over its tables stopped, then one MPI_Alltoallv.
     * Entries leave in table order, tables are in partition order, and a
     * source's rounds arrive in order: so for each key, the partials of
     * source 0 (in partition order), then source 1, ... is the global
     * partition order.  Exact monoids fold at once; ordered ones keep the
     * received chunks per source until the last round. */
    /* A destination's room per round: round_bytes, or the largest entry
     * (a key longer than a round goes alone). */
    /* A destination's room per round: round_bytes, or the largest entry
     * seen (a key longer than a round goes alone). */
    size_t room = round_bytes;
    /* The owner's table is sized for its share of all entries (keys hash
     * evenly; 3% margin; duplicates across tables make it an upper bound
     * of its keys) before the first one arrives: entries come in
     * the senders' slot order, which is hash order, and keys piled in hash
     * order into a table that grows under them make long probe runs. */
    unsigned long long local = 0, nall = 0;
    for (size_t i = 0; i < ntabs; i++)
        local += tabs[i]->count;
    MPI_Allreduce(&local, &nall, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    unsigned long long incoming = nall / R + nall / (32 * R) + 1024;
    unsigned bits = 4;
    while (bits < 30 && ((unsigned long long)1 << bits) / 8 * 5 < incoming)
        bits++;
    owned = fp_ktab_new_sized(pl->acc_size, bits);
    if (room > INT32_MAX / R)
        die("a shuffle round does not fit an MPI count (fewer ranks or FPIPE_MPI_ROUND_BYTES)",
            FP_EXIT_INTERNAL);
    tm = mark("size the owner table", t0);
    char *sbuf = xmalloc(R * room);
    double t_pack = 0, t_comm = 0, t_fold = 0;
    size_t *fill = xmalloc(R * sizeof *fill);
    int *scount = xmalloc(R * sizeof *scount), *rcount = xmalloc(R * sizeof *rcount);
    int *sdispl = xmalloc(R * sizeof *sdispl), *rdispl = xmalloc(R * sizeof *rdispl);
    chunk **kept = ordered ? calloc(R, sizeof *kept) : NULL;
    size_t *nkept = ordered ? calloc(R, sizeof *nkept) : NULL;
    if (ordered && (!kept || !nkept))
        fp_oom();
    char *rbuf = NULL;
    size_t rcap = 0;
    size_t ti = 0, si = 0;   /* the walk: table, slot */
    /* Exact monoids: this rank's own keys are folded straight from its
     * tables (batched, prefetched), without a trip through the buffers.
     * Ordered folds keep them in line, after the earlier ranks' partials. */
    const fp_kslot *self[FP_BATCH];
    fp_kprobe selfp[FP_BATCH];
    int nself = 0;
    for (;;) {
        memset(fill, 0, R * sizeof *fill);
        bool full = false, empty = true;
        while (ti < ntabs && !full) {
            const fp_ktab *t = tabs[ti];
            size_t cap = t->mask + 1;
            for (; si < cap; si++) {
                const fp_kslot *s = (const fp_kslot *)(t->slots + si * t->stride);
                if (!s->tag)
                    continue;
                int o = owner_of_tag(s->tag);
                if (o == rank && !ordered) {
                    self[nself] = s;
                    fp_ktab_probe_slot(owned, s, &selfp[nself]);
                    if (++nself == FP_BATCH) {
                        fold_slots(owned, self, selfp, nself, pl);
                        nself = 0;
                    }
                    continue;
                }
                size_t wn = fp_acc_wire_size(pl, s + 1), sz = entry_bytes(s, wn);
                if (sz > room && empty) {   /* a key longer than a round */
                    if (sz > INT32_MAX / R)
                        die("a key does not fit an MPI count", FP_EXIT_INTERNAL);
                    free(sbuf);
                    room = sz;
                    sbuf = xmalloc(R * room);
                }
                if (fill[o] + sz > (fill[o] ? round_bytes : room)) {
                    full = true;   /* o's share of this round is full */
                    break;
                }
                put_entry(sbuf + (size_t)o * room + fill[o], s, wn, sz);
                fill[o] += sz;
                empty = false;
            }
            if (!full) {
                ti++;
                si = 0;
            }
        }
        fold_slots(owned, self, selfp, nself, pl);
        nself = 0;
        double t1 = MPI_Wtime();
        t_pack += t1 - tm;
        tm = t1;
        for (size_t r = 0; r < R; r++) {
            scount[r] = (int)fill[r];
            sdispl[r] = (int)(r * room);
        }
        MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, MPI_COMM_WORLD);
        size_t total = 0;
        for (size_t r = 0; r < R; r++) {
            rdispl[r] = (int)total;
            total += (size_t)rcount[r];
        }
        if (total > rcap) {
            free(rbuf);
            rcap = total;
            rbuf = xmalloc(rcap);
        }
        MPI_Alltoallv(sbuf, scount, sdispl, MPI_BYTE, rbuf, rcount, rdispl, MPI_BYTE,
                      MPI_COMM_WORLD);
        for (size_t r = 0; r < R; r++) {
            if ((int)r == rank)
                continue;
            shuffle_sent += (uint64_t)scount[r];
            shuffle_received += (uint64_t)rcount[r];
        }
        t1 = MPI_Wtime();
        t_comm += t1 - tm;
        tm = t1;
        for (size_t r = 0; r < R; r++) {
            char *p = rbuf + rdispl[r], *end = p + rcount[r];
            if (!ordered) {
                fold_entries(owned, p, end, pl);
            } else if (rcount[r]) {
                chunk *v = realloc(kept[r], (nkept[r] + 1) * sizeof *v);
                if (!v)
                    fp_oom();
                kept[r] = v;
                v[nkept[r]].p = xmalloc((size_t)rcount[r]);
                memcpy(v[nkept[r]].p, p, (size_t)rcount[r]);
                v[nkept[r]].n = (size_t)rcount[r];
                nkept[r]++;
            }
        }
        t1 = MPI_Wtime();
        t_fold += t1 - tm;
        tm = t1;
        int more = ti < ntabs, any = 0;
        MPI_Allreduce(&more, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
        if (!any)
            break;
    }
    free(sbuf);
    free(rbuf);
    free(fill);
    free(scount);
    free(rcount);
    free(sdispl);
    free(rdispl);
    if (ordered) {
        for (size_t r = 0; r < R; r++) {
            for (size_t c = 0; c < nkept[r]; c++) {
                fold_entries(owned, kept[r][c].p, kept[r][c].p + kept[r][c].n, pl);
                free(kept[r][c].p);
            }
            free(kept[r]);
        }
        free(kept);
        free(nkept);
    }

    double now = MPI_Wtime();
    mark("shuffle: pack", now - t_pack);
    mark("shuffle: alltoallv rounds", now - t_comm);
    mark("shuffle: fold", now - t_fold);
    tm = mark("shuffle: ordered fold", tm);

    /* The owner's keys sorted; rank 0 gathers every owner's run. */
    fp_kentry *mine;
    size_t nmine;
    fp_ktab_sort_packed(owned, &mine, &nmine);   /* read through mine from now on */
    tm = mark("sort owned keys", tm);
    if (rank != 0) {
        size_t bytes = 0, *wns = xmalloc((nmine ? nmine : 1) * sizeof *wns);
        for (size_t i = 0; i < nmine; i++) {
            wns[i] = fp_acc_wire_size(pl, mine[i].slot + 1);
            bytes += entry_bytes(mine[i].slot, wns[i]);
        }
        char *buf = xmalloc(bytes ? bytes : 1), *p = buf;
        for (size_t i = 0; i < nmine; i++) {
            size_t sz = entry_bytes(mine[i].slot, wns[i]);
            put_entry(p, mine[i].slot, wns[i], sz);
            p += sz;
        }
        free(wns);
        fp_big_free(mine, nmine * sizeof *mine);
        fp_ktab_free(owned);
        owned = NULL;
        tm = mark("serialize run", tm);
        send_chunked(buf, bytes, 0, 2);
        free(buf);
        mark("send run to rank 0", tm);
        *nruns = 0;
        *runs_out = NULL;
        *ns_out = NULL;
        return;
    }
    fp_kentry **runs = xmalloc(R * sizeof *runs);
    size_t *ns = xmalloc(R * sizeof *ns);
    runs[0] = mine;
    ns[0] = nmine;
    gathered = calloc(R, sizeof *gathered);
    if (!gathered)
        fp_oom();
    ngathered = nranks;
    for (int r = 1; r < nranks; r++) {
        unsigned long long len;
        MPI_Recv(&len, 1, MPI_UNSIGNED_LONG_LONG, r, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        gather_received += len;
        char *buf = pad_alloc((size_t)len);
        for (unsigned long long off = 0; off < len; off += round_bytes) {
            size_t m = len - off < round_bytes ? (size_t)(len - off) : round_bytes;
            MPI_Recv(buf + off, (int)m, MPI_BYTE, r, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
        gathered[r] = buf;
        size_t n = 0;   /* counted first: the entries' array is sized once */
        for (char *p = buf; p < buf + len; p += entry_size((fp_kslot *)(void *)p))
            n++;
        fp_kentry *v = fp_big_alloc(n * sizeof *v);
        size_t i = 0;
        for (char *p = buf, *e = buf + len; p < e; i++) {
            size_t sz;
            v[i].slot = entry_slot(p, &sz);
            v[i].prefix = __builtin_bswap64(v[i].slot->k0);
            p += sz;
        }
        runs[r] = v;
        ns[r] = n;
    }
    mark("gather runs", tm);
    *runs_out = runs;
    *ns_out = ns;
    *nruns = R;
}

/* Free the owned table and the gathered runs of fp_dist_keyed. */
void fp_dist_keyed_done(void)
{
    fp_ktab_free(owned);
    owned = NULL;
    for (int r = 0; r < ngathered; r++)
        free(gathered[r]);
    free(gathered);
    gathered = NULL;
    ngathered = 0;
}

void fp_dist_drops(fp_worker *workers, int nw, int nsites)
{
    if (nranks == 1 || nsites == 0)
        return;
    /* [0, nsites) dropped, [nsites, 2 nsites) retried, then collected */
    unsigned long long *loc = xmalloc(3 * (size_t)nsites * sizeof *loc);
    unsigned long long *all = xmalloc(3 * (size_t)nsites * sizeof *all);
    memset(loc, 0, 3 * (size_t)nsites * sizeof *loc);
    for (int i = 0; i < nsites; i++) {
        for (int t = 0; t < nw; t++) {
            loc[i] += workers[t].dropped[i];
            loc[nsites + i] += workers[t].retried[i];
            loc[2 * nsites + i] += workers[t].collected[i];
            workers[t].dropped[i] = 0;
            workers[t].retried[i] = 0;
            workers[t].collected[i] = 0;
        }
    }
    MPI_Allreduce(loc, all, 3 * nsites, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < nsites; i++) {
        workers[0].dropped[i] = all[i];
        workers[0].retried[i] = all[nsites + i];
        workers[0].collected[i] = all[2 * nsites + i];
    }
    free(loc);
    free(all);
}

/* ---- on_error collect: every rank's error lines to rank 0 ------------ */

void fp_dist_sum_u64(uint64_t *v, size_t n)
{
    if (nranks == 1 || n == 0)
        return;
    if (n > INT32_MAX)
        die("too many partitions for one reduction", FP_EXIT_INTERNAL);
    MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
}

void fp_dist_errors(fp_errsink *e)
{
    if (nranks == 1)
        return;
    if (rank > 0) {
        /* Partition order within the block (the capture is in order). */
        const fp_buf *b = fp_errsink_captured(e);
        send_chunked(b->p, b->n, 0, 4);
        return;
    }
    /* Rank 0's lines are written; rank 1's block follows, then rank 2's:
     * input order, as one process writes them. */
    char *piece = xmalloc(round_bytes);
    for (int r = 1; r < nranks; r++) {
        unsigned long long len;
        MPI_Recv(&len, 1, MPI_UNSIGNED_LONG_LONG, r, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        gather_received += len;
        for (unsigned long long off = 0; off < len; off += round_bytes) {
            size_t m = len - off < round_bytes ? (size_t)(len - off) : round_bytes;
            MPI_Recv(piece, (int)m, MPI_BYTE, r, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            fp_errsink_append(e, piece, m);   /* a failed write is reported at commit */
        }
    }
    free(piece);
}

/* ---- --stats: counts summed over ranks, every rank's load, hot keys -- */

void fp_dist_stats(const fp_pipeline *pl, fp_worker *workers, int nw, double stage1_s)
{
    fp_rank_load mine = {.part_lo = load_lo, .part_hi = load_hi,
                         .bytes = (uint64_t)load_bytes, .stage1_s = stage1_s,
                         .shuffle_sent = shuffle_sent, .shuffle_received = shuffle_received,
                         .gather_sent = gather_sent, .gather_received = gather_received,
                         .peak_rss = fp_stats_peak_rss(), .threads = (uint64_t)nw};
    fp_stats_stage1_records(pl, workers, nw, &mine.records_in, &mine.records_out);
    fp_rank_load *all = rank == 0 ? xmalloc((size_t)nranks * sizeof *all) : NULL;
    MPI_Gather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, 0,
               MPI_COMM_WORLD);
    if (rank == 0)
        fp_stats_set_ranks(all, nranks);
    free(all);

    /* Per-operator counts: [i] passed on, [n + i] filtered / expanded /
     * read, summed over threads and ranks into worker 0 (exact integers:
     * the same totals as one process). */
    size_t ns = 2 * (size_t)pl->nops + 1;
    unsigned long long *loc = xmalloc(ns * sizeof *loc), *sum = xmalloc(ns * sizeof *sum);
    for (size_t i = 0; i < ns; i++) {
        loc[i] = 0;
        for (int t = 0; t < nw; t++) {
            loc[i] += workers[t].stat[i];
            workers[t].stat[i] = 0;
        }
    }
    MPI_Allreduce(loc, sum, (int)ns, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    for (size_t i = 0; i < ns; i++)
        workers[0].stat[i] = sum[i];
    free(loc);
    free(sum);

    /* Operator times (sampled, stats.c): each worker's stage-1 time shared
     * out by its samples, summed over threads and ranks into worker 0 as
     * "ns per operator" (its stage1_ns then their sum, so stats.c's share
     * of each is the sum itself); the backoff waited, per site, likewise. */
    if (workers[0].optime) {
        size_t no = (size_t)pl->nops + 1, nb = (size_t)pl->nsites;
        double *tl = xmalloc((no + nb) * sizeof *tl), *ts = xmalloc((no + nb) * sizeof *ts);
        for (size_t i = 0; i < no + nb; i++)
            tl[i] = 0;
        for (int t = 0; t < nw; t++) {
            uint64_t every = 0;
            for (int j = 0; j < pl->timed_ops; j++)
                every += workers[t].optime[j];
            for (int j = 0; j < pl->timed_ops && every; j++)
                tl[j] += (double)workers[t].stage1_ns * ((double)workers[t].optime[j] / (double)every);
            for (size_t b = 0; b < nb; b++)
                tl[no + b] += (double)workers[t].backoff_ns[b];
            memset(workers[t].optime, 0, no * sizeof *workers[t].optime);
            memset(workers[t].backoff_ns, 0, nb * sizeof *workers[t].backoff_ns);
            workers[t].stage1_ns = 0;
        }
        MPI_Allreduce(tl, ts, (int)(no + nb), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        for (int j = 0; j < pl->timed_ops; j++) {
            workers[0].optime[j] = (uint64_t)ts[j];
            workers[0].stage1_ns += (uint64_t)ts[j];
        }
        for (size_t b = 0; b < nb; b++)
            workers[0].backoff_ns[b] = (uint64_t)ts[no + b];
        free(tl);
        free(ts);
    }

    /* Hot keys: the rank's merged sketch (worker 0's), merged on rank 0
     * in rank order. */
    if (!workers[0].hot)
        return;
    fp_hot *hs = rank == 0 ? xmalloc((size_t)nranks * sizeof *hs) : NULL;
    MPI_Gather(workers[0].hot, (int)sizeof(fp_hot), MPI_BYTE, hs, (int)sizeof(fp_hot), MPI_BYTE,
               0, MPI_COMM_WORLD);
    if (rank == 0) {
        for (int r = 1; r < nranks; r++)
            fp_hot_merge(&hs[0], &hs[r]);
        fp_stats_set_hot(&hs[0], nranks);
    }
    free(hs);
}
