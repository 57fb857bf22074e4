/* dist.h — the hooks driver.c calls for distributed mode (runtime/mpi.c).
 * Internal like internal.h (not installed), kept apart because every hook
 * has a no-op twin below.
 *
 * libfpipe_mpi.a is built from the same sources as libfpipe.a with
 * -DFP_MPI plus mpi.c.  Without FP_MPI every hook below is an inline no-op
 * (one process, all partitions), so the single-machine driver compiles to
 * what it was.  docs/distributed.md describes the design.
 *
 * Rules the hooks rely on: every rank runs the same command line over the
 * same input bytes (a shared file system), so the partitions are the same
 * on every rank; rank r owns the contiguous block [lo_r, hi_r) of them;
 * MPI is called only from the main thread, outside OpenMP regions
 * (MPI_THREAD_FUNNELED).
 */
#ifndef FP_DIST_H
#define FP_DIST_H

#include "internal.h"

#ifdef FP_MPI

/* The driver's fp_main under another name; mpi.c's fp_main wraps it in
 * MPI_Init_thread / MPI_Finalize. */
int fp_main_local(const fp_pipeline *pl, int argc, char **argv);

int fp_dist_rank(void);
bool fp_dist_on(void);   /* more than one rank */
/* true on every rank when `failed` is true on any rank; rank 0 names the
 * ranks that failed when it did not (what: "open an input"). */
bool fp_dist_any(bool failed, const char *what);
/* The block of partitions this rank runs.  Not distributable: rank 0 runs
 * them all. */
void fp_dist_parts(size_t nparts, bool distributable, size_t *lo, size_t *hi);
/* CSV partitioning: the slice [lo, hi) of n equal pieces of work (quote
 * parity blocks) this rank does: [r n / R, (r + 1) n / R). */
void fp_dist_slice(size_t n, size_t *lo, size_t *hi);
/* v[0..n) filled by each rank in its fp_dist_slice(n) slice: every rank's
 * slice to every rank (MPI_Allgatherv).  Collective: every rank calls it
 * for the same n (the inputs are the same bytes on every rank). */
void fp_dist_share_slices(unsigned char *v, size_t n);
/* CSV partitioning's chain of cuts: the record start where this rank's
 * walk begins (rank 0: start; others: where the previous rank stopped),
 * and where it stopped, for the next rank. */
size_t fp_dist_chain_take(size_t start);
void fp_dist_chain_give(size_t at);
/* Every rank's cuts (*ends, *n: malloc'd) concatenated in rank order, on
 * every rank (MPI_Allgatherv). */
void fp_dist_share_cuts(size_t **ends, size_t *n);
/* Fault in this rank's byte ranges (the inputs are mapped lazily). */
void fp_dist_prefault(const fp_part *parts, size_t lo, size_t hi);
/* Element-wise rows of a rank other than 0: kept for rank 0 (true), else
 * false (rank 0 writes its own rows). */
bool fp_dist_capture(const char *p, size_t n);
/* During stage 1, on the main thread between partitions: sends this
 * rank's first failing partition (SIZE_MAX: none yet) to the later ranks
 * once, and returns the earliest failure an earlier rank reported so far
 * (SIZE_MAX: none) — a hint to skip the rest of the block. */
size_t fp_dist_poll(size_t fail_part);
/* After stage 1: the earliest failing partition over all ranks and its
 * message (from the rank that owns it). */
void fp_dist_fail(size_t *fail_part, char **fail_msg);
/* Element-wise: the other ranks' rows, in rank (= partition) order, to
 * rank 0's sink; rows at or after fail_part are not sent. */
void fp_dist_rows(fp_sink *sink, size_t fail_part, int *write_failed);
/* Global combine: every partition's accumulator to rank 0 (in place). */
void fp_dist_global(char *accs, size_t acc_size, size_t nparts);
/* Keyed combine: the rank's tables (in partition order for
 * FP_MERGE_PARTITION_ORDER) shuffled to owners by key hash, folded there,
 * sorted, and the sorted runs gathered to rank 0: *runs / *ns / *nruns
 * (rank 0; the runs are fp_big_alloc'd, the rest is freed by
 * fp_dist_keyed_done).  Other ranks get *nruns = 0. */
void fp_dist_keyed(const fp_pipeline *pl, fp_ktab **tabs, size_t ntabs, fp_kentry ***runs,
                   size_t **ns, size_t *nruns);
void fp_dist_keyed_done(void);
/* on_error drop, retry and collect counts summed over ranks into
 * workers[0]. */
void fp_dist_drops(fp_worker *workers, int nw, int nsites);
/* on_error collect, after stage 1 without a failure: the other ranks'
 * error lines (captured in partition order) appended to rank 0's error
 * file in rank order, in messages of at most FPIPE_MPI_ROUND_BYTES. */
void fp_dist_errors(fp_errsink *e);
/* v[i] summed over ranks, on every rank. */
void fp_dist_sum_u64(uint64_t *v, size_t n);
/* --stats, on every rank after the commit: the per-operator counts summed
 * into workers[0] over ranks, every rank's load to rank 0's report, the
 * ranks' hot-key sketches (workers[0].hot) merged there. */
void fp_dist_stats(const fp_pipeline *pl, fp_worker *workers, int nw, double stage1_s);

#else /* one process: the hooks do nothing */

static inline int fp_dist_rank(void) { return 0; }
static inline bool fp_dist_on(void) { return false; }
static inline bool fp_dist_any(bool failed, const char *what) { (void)what; return failed; }
static inline void fp_dist_parts(size_t nparts, bool distributable, size_t *lo, size_t *hi)
{
    (void)distributable;
    *lo = 0;
    *hi = nparts;
}
static inline void fp_dist_slice(size_t n, size_t *lo, size_t *hi)
{
    *lo = 0;
    *hi = n;
}
static inline void fp_dist_share_slices(unsigned char *v, size_t n) { (void)v, (void)n; }
static inline size_t fp_dist_chain_take(size_t start) { return start; }
static inline void fp_dist_chain_give(size_t at) { (void)at; }
static inline void fp_dist_share_cuts(size_t **ends, size_t *n) { (void)ends, (void)n; }
static inline void fp_dist_prefault(const fp_part *parts, size_t lo, size_t hi)
{
    (void)parts, (void)lo, (void)hi;
}
static inline bool fp_dist_capture(const char *p, size_t n) { (void)p, (void)n; return false; }
static inline size_t fp_dist_poll(size_t fail_part) { (void)fail_part; return SIZE_MAX; }
static inline void fp_dist_fail(size_t *fail_part, char **fail_msg) { (void)fail_part, (void)fail_msg; }
static inline void fp_dist_rows(fp_sink *sink, size_t fail_part, int *write_failed)
{
    (void)sink, (void)fail_part, (void)write_failed;
}
static inline void fp_dist_global(char *accs, size_t acc_size, size_t nparts)
{
    (void)accs, (void)acc_size, (void)nparts;
}
static inline void fp_dist_keyed(const fp_pipeline *pl, fp_ktab **tabs, size_t ntabs,
                                 fp_kentry ***runs, size_t **ns, size_t *nruns)
{
    (void)pl, (void)tabs, (void)ntabs, (void)runs, (void)ns;
    *nruns = 0;
}
static inline void fp_dist_keyed_done(void) {}
static inline void fp_dist_drops(fp_worker *workers, int nw, int nsites)
{
    (void)workers, (void)nw, (void)nsites;
}
static inline void fp_dist_errors(fp_errsink *e) { (void)e; }
static inline void fp_dist_sum_u64(uint64_t *v, size_t n) { (void)v, (void)n; }
static inline void fp_dist_stats(const fp_pipeline *pl, fp_worker *workers, int nw,
                                 double stage1_s)
{
    (void)pl, (void)nw, (void)stage1_s;
    if (workers[0].hot)   /* one process: no ranks section; the hot keys */
        fp_stats_set_hot(workers[0].hot, 1);
}

#endif
#endif /* FP_DIST_H */
