/* internal.h — the runtime's own interface between its .c files.
 *
 * Not installed (`make install` copies fpipe.h and libfpipe.h only):
 * nothing here is for generated code or for a linked C file, and any of it
 * may change.  Every function a runtime .c file calls in another one is
 * declared here or in libfpipe.h, never by hand in the .c file.
 * Sections by the file that defines them.
 */
#ifndef FP_INTERNAL_H
#define FP_INTERNAL_H

#include "libfpipe.h"

#ifdef _OPENMP
#include <pthread.h>
#include <stdio.h>
#endif

/* ---- sink.c: temporaries, stop signals, unplanned exits -------------- */

/* The program's name for messages: argv[0] without its folder, set when
 * fp_main starts ("fpipe" before). */
extern const char *fp_prog;

/* Registers the temporary file `path` (the string must live until
 * fp_temp_drop) so that every way out of the run removes it; returns its
 * slot.  Main thread only. */
int fp_temp_add(const char *path);
void fp_temp_drop(int slot);   /* renamed or removed: forget it; -1: nothing */
/* Unlinks every registered temporary; async-signal-safe. */
void fp_temp_remove_all(void);
/* The run starts: SIGTERM, SIGINT and SIGHUP remove the temporaries and
 * exit 128 + signal; an exit() no part of the run asked for (libgomp
 * failing to start its threads) removes them and exits FP_EXIT_INTERNAL
 * with a message naming `prog`. */
void fp_run_guard_begin(const char *prog);
/* The run is over: the default signal actions again. */
void fp_run_guard_end(void);
/* Whether the paths a and b name one file: the same device and inode when
 * both exist, else the same name in the same resolved folder (-o ./x and
 * --errors x). */
bool fp_same_file(const char *a, const char *b);
/* Leaves the process with `code` on purpose (out of memory, the table
 * cap), removing every temporary first. */
_Noreturn void fp_exit(int code);

/* ---- extern.c: the top-n buffers of `topk` -------------------------- */

fp_top *fp_top_new(const fp_pipeline *pl);
void fp_top_free(fp_top *t);
/* Sorts t's items (best first) and points *items at them; returns their
 * count.  The items stay t's. */
size_t fp_top_sorted(fp_top *t, char **items);

/* ---- ktab.c: the memory cap of the keyed tables --------------------- */

/* Reads FPIPE_MAX_TABLE_BYTES (before any temporary exists): 0, or -1
 * with a message in err when it is not a number of bytes. */
int fp_ktab_cap_init(char *err, size_t errlen);
/* FPIPE_HASH_SEED, when set, is a number (decimal, 0x hex or 0 octal); else
 * -1 with a message. */
int fp_key_seed_check(char *err, size_t errlen);

/* ---- source.c: CSV inputs -------------------------------------------- */

/* Parse the header (the first record) of a CSV input against the record's
 * field names.  On success returns 0, fills *cols and sets *body to the
 * first byte after the header; otherwise writes a message to err.
 * fp_csv_header_with: with another delimiter and quote than ',' '"'. */
int fp_csv_header(const char *data, size_t len, const char *const *fields, int nfields,
                  fp_csv_cols *cols, size_t *body, char *err, size_t errlen);
int fp_csv_header_with(const char *data, size_t len, const char *const *fields, int nfields,
                       char delim, char quote, fp_csv_cols *cols, size_t *body, char *err,
                       size_t errlen);
/* Cut a CSV input's records [data+start, data+len) into partitions at
 * record starts (newlines outside quotes), like fp_partition.  The quotes
 * are counted on `threads` threads; the cuts do not depend on it. */
size_t fp_partition_csv(const char *data, size_t start, size_t len, size_t part_size, int file,
                        size_t first_index, int threads, fp_part **out);
/* The same cuts, for a mapped input: the pages the quote count reads are
 * given back as it goes (MADV_DONTNEED), so it never holds the input. */
size_t fp_partition_csv_mapped(const char *data, size_t start, size_t len, size_t part_size,
                               int file, size_t first_index, int threads, fp_part **out);
/* The same cuts with another quote byte than '"' (csv(input, quote = ...)). */
size_t fp_partition_csv_quoted(const char *data, size_t start, size_t len, size_t part_size,
                               int file, size_t first_index, int threads, bool mapped,
                               char quote, fp_part **out);
/* The bytes fp_partition_csv read so far in this process (FPIPE_TIMES). */
size_t fp_csv_scanned(void);

/* ------------------------------------------------------------------ */
/* Inputs, partitions, sinks, stats, checkpoints, config: the driver  */
/* calls them, generated code does not.                               */
/* ------------------------------------------------------------------ */

/* The program's name for messages: argv[0] without its folder. */
const char *fp_prog_name(const char *argv0);

/* The last allocation p of a shrunk to its first n bytes (n not more than
 * it asked for): the rest goes to the next allocation. */
void fp_arena_trim(fp_arena *a, void *p, size_t n);

/* Cut [data, data+len) into partitions of about part_size bytes, each
 * starting at a line start.  Returns the count; *out is malloc'd. */
size_t fp_partition(const char *data, size_t len, size_t part_size, int file,
                    size_t first_index, fp_part **out);
/* The same cuts in a mapped input, giving back the pages each cut read. */
size_t fp_partition_mapped(const char *data, size_t len, size_t part_size, int file,
                           size_t first_index, fp_part **out);

/* Fold every key of src into dst: dst's accumulator = pl->acc_merge(dst's,
 * src's), or src's for a new key (its promoted sums move with it).  Long
 * keys are copied and src's promoted sums that were merged are released:
 * src is to be freed after. */
void fp_ktab_fold(fp_ktab *dst, fp_ktab *src, const fp_pipeline *pl);

/* The keyed state's cap (FPIPE_MAX_TABLE_BYTES) charged with n bytes of
 * the pool of promoted sums (fsum.c); over the cap the run stops. */
void fp_ktab_charge_sums(size_t n);

/* The promoted sums acc holds that orig (the accumulator acc was copied
 * from) does not: those a merge into the copy made, released. */
void fp_acc_release_new(const fp_pipeline *pl, void *acc, const void *orig);

/* One occupied slot in a sorted run: the key's first 8 bytes big-endian
 * (so that integer order is byte order), and the slot. */
typedef struct fp_kentry {
    uint64_t prefix;
    fp_kslot *slot;
} fp_kentry;

/* The occupied slots of t sorted by key bytes (ascending, a proper prefix
 * first); *n is their number, and *out is freed with
 * fp_big_free(*out, *n * sizeof(fp_kentry)). */
void fp_ktab_sort(const fp_ktab *t, fp_kentry **out, size_t *n);
/* The same, for a table that is only read through the entries from now
 * on (then freed): its occupied slots are packed at the front (it is no
 * longer a hash table) and the empty rest serves as the sort's scratch
 * array, then is given back, so sorting allocates only the entries. */
void fp_ktab_sort_packed(fp_ktab *t, fp_kentry **out, size_t *n);

/* The first entry of the sorted run v[0..n) whose key is not below key's. */
size_t fp_kentry_lower_bound(const fp_kentry *v, size_t n, const fp_kentry *key);

/* Merge k sorted runs: emit(ctx, key, acc) once per distinct key, keys
 * ascending, with the accumulators of equal keys folded in run order
 * (run 0 first) by merge — so per-partition runs give partition order.
 * With pl (not NULL), the sums a fold promoted are released after emit. */
void fp_kruns_merge(fp_kentry *const *runs, const size_t *ns, size_t k, size_t vsize,
                    void (*merge)(void *dst, const void *src), const fp_pipeline *pl,
                    void (*emit)(void *ctx, fp_str key, const void *acc), void *ctx);

/* Zeroed memory for big arrays: 2 MiB and up get their own mapping with
 * transparent huge pages requested (fewer page faults and TLB misses). */
/* Mapped inputs (MAP_PRIVATE, read-only): the whole pages inside [lo, hi)
 * given back (MADV_DONTNEED; a later read faults them in from the file
 * again), and the pages a partition cut read in [from, to), with the
 * large folio the kernel mapped around them. */
void fp_release_range(const char *lo, const char *hi);
void fp_release_cut(const char *data, size_t len, const char *from, const char *to);
void *fp_big_alloc(size_t bytes);
void fp_big_free(void *p, size_t bytes);
/* A block of `bytes` from fp_big_alloc grown to `nbytes`: the same bytes
 * first, zeros after.  Big blocks move their pages (mremap) instead of
 * copying them, so the old and the new block are never both resident. */
void *fp_big_grow(void *p, size_t bytes, size_t nbytes);

/* Atomic file output: rows go to a temporary file in the destination's
 * directory, which is fsync'd and renamed over the destination on commit and
 * removed on abort.  A crash leaves the previous file untouched. */
typedef struct fp_sink fp_sink;
fp_sink *fp_sink_open(const char *path, char *err, size_t errlen);
int fp_sink_write(fp_sink *s, const void *p, size_t n);
/* All n bytes of p to fd, short writes and EINTR retried: 0, or -1 with
 * errno (sink.c; also the checkpoints and the statistics). */
int fp_write_all(int fd, const void *p, size_t n);
int fp_sink_commit(fp_sink *s, char *err, size_t errlen);
void fp_sink_abort(fp_sink *s);

/* The error file of on_error collect (errors.c): one buffer per input
 * partition, written in partition order as partitions finish, then the
 * tail (errors after a combine, in key order); atomic like fp_sink. */
typedef struct fp_errsink fp_errsink;
fp_errsink *fp_errsink_open(const char *path, size_t nparts, char *err, size_t errlen);
fp_buf *fp_errsink_part(fp_errsink *e, size_t k);
void fp_errsink_done(fp_errsink *e, size_t k);   /* partition k is complete */
fp_buf *fp_errsink_tail(fp_errsink *e);
int fp_errsink_commit(fp_errsink *e, char *err, size_t errlen);
void fp_errsink_abort(fp_errsink *e);
/* MPI (mpi.c): ranks other than 0 keep their error lines in memory for
 * rank 0 (no file; commit and abort only free), rank 0 appends them after
 * its own partitions' and before the tail. */
fp_errsink *fp_errsink_open_capture(size_t nparts);
fp_buf *fp_errsink_captured(fp_errsink *e);   /* the lines written so far */
int fp_errsink_append(fp_errsink *e, const char *p, size_t n);
/* --stats (stats.c): the lines of [p, end) as a text source reads them,
 * and the report (a table, or one line of JSON) from the workers' counts. */
uint64_t fp_count_lines(const char *p, const char *end);
uint64_t fp_count_newlines(const char *p, const char *end);   /* the '\n' bytes */
void fp_stats_report(FILE *f, const fp_pipeline *pl, const fp_worker *ws, int nw, int threads,
                     bool json, double stage1_s, double total_s, uint64_t table_bytes,
                     uint64_t keys, uint64_t key_bytes);
/* After a --resume: the operators before `upto` are counted from the
 * checkpoint at path (the report says so). */
void fp_stats_resumed(int upto, const char *path);
/* materialize (checkpoint.c): a checkpoint's place, this run's input
 * fingerprint, and what a valid checkpoint holds once loaded. */
typedef struct fp_ckpt {
    char *dir, *path;        /* DIR and DIR/PIPELINE.OPERATOR.ckpt */
    fp_buf inputs;           /* the inputs' fingerprint, as recorded */
    size_t part_size;        /* recorded when the result depends on it, else 0 */
    bool usable;             /* every input is a regular file */
    char *data;              /* a loaded file */
    const char *payload;     /* into data, FP_PAD zero bytes after it */
    size_t payload_n;
    uint64_t records;        /* keys (1 for a global combine) */
    uint64_t *stat, *dropped, *retried;   /* the counts of the work skipped */
} fp_ckpt;
/* -1 when no checkpoint can be made (an input is not a regular file: why). */
int fp_ckpt_init(fp_ckpt *ck, const fp_pipeline *pl, const char *dir, const char *const *paths,
                 int npaths, size_t part_size, char *why, size_t len);
/* 0: loaded and valid; -1: none there; 1: stale or corrupt (why says). */
int fp_ckpt_load(fp_ckpt *ck, const fp_pipeline *pl, char *why, size_t len);
int fp_ckpt_save(const fp_ckpt *ck, const fp_pipeline *pl, const fp_buf *payload,
                 uint64_t records, const uint64_t *stat, const uint64_t *dropped,
                 const uint64_t *retried, char *err, size_t len);
/* The same with the payload in pieces, written one after another. */
int fp_ckpt_save_pieces(const fp_ckpt *ck, const fp_pipeline *pl, const fp_buf *pieces,
                        size_t npieces, uint64_t records, const uint64_t *stat,
                        const uint64_t *dropped, const uint64_t *retried, char *err,
                        size_t len);
void fp_ckpt_free(fp_ckpt *ck);
/* --stats under MPI: every rank's load, set on rank 0 before the report
 * (which then has a "ranks" section), and the records in and out of this
 * rank's stage 1 from its workers' counts. */
typedef struct fp_rank_load {
    uint64_t part_lo, part_hi, bytes;   /* its block of partitions, their bytes */
    uint64_t records_in, records_out;   /* read by the source; out of stage 1 */
    double stage1_s;
    uint64_t shuffle_sent, shuffle_received;   /* keyed shuffle, to and from other ranks */
    uint64_t gather_sent, gather_received;     /* rows, runs, accumulators, errors to rank 0 */
    uint64_t peak_rss;                         /* bytes */
    uint64_t threads;
} fp_rank_load;
void fp_stats_set_ranks(const fp_rank_load *ranks, int nranks);
void fp_stats_stage1_records(const fp_pipeline *pl, const fp_worker *ws, int nw, uint64_t *in,
                             uint64_t *out);
uint64_t fp_stats_peak_rss(void);
/* --stats, hot keys: a new sketch, b merged into a, and the merged sketch
 * of the run for the report (owners named when nranks > 1). */
fp_hot *fp_hot_new(void);
void fp_hot_merge(fp_hot *a, const fp_hot *b);
void fp_stats_set_hot(const fp_hot *h, int nranks);
/* --config FILE (config.c, libyaml): what the file sets; 0, NULL or -1
 * where it says nothing.  On an error returns -1 with "FILE:L:C: error:
 * ..." in err. */
enum { FP_SET_ON_ERROR, FP_SET_MAX_BATCH, FP_SET_RETRY, FP_SET_BACKOFF_MS,
       FP_SET_BACKOFF_MAX_MS, FP_NSETTINGS };
typedef struct fp_opover {   /* operators: NAME: {...}, type-checked, not yet applied */
    char *name;
    int line, col;              /* of the name in the file */
    int val[FP_NSETTINGS];      /* -1: not given (on_error: FP_ON_ERROR_*) */
    int at[FP_NSETTINGS][2];    /* line, col of each value */
} fp_opover;
/* One parameter of --config's params: (its value read by the driver). */
typedef struct fp_paramval {
    char *name, *value;
    int line, col;   /* of the name, 1-based */
} fp_paramval;

typedef struct fp_config {
    size_t threads, partition_size;
    char **inputs;
    int ninputs;
    char *output, *errors;
    int progress;   /* 0, 1 */
    int stats;      /* 0 none, 1 a table, 2 JSON */
    char *checkpoint_dir;   /* like --checkpoint-dir */
    char *path;     /* the file, for messages */
    fp_opover *ops; /* operators: per-operator settings */
    int nops;
    fp_paramval *params;   /* params: the pipeline's parameters, as text */
    int nparams;
} fp_config;
int fp_config_load(const char *path, fp_config *cfg, char *err, size_t errlen);
/* Apply the file's `operators:` to pl's run settings (fp_op.cfg), after
 * checking names, what each operator allows, and that collect has an
 * error file (have_errors: --errors, the file's errors or the .fpipe's).
 * On an error returns -1 with "FILE:L:C: error: ..." in err. */
int fp_config_ops(const fp_config *cfg, const fp_pipeline *pl, bool have_errors, char *err,
                  size_t errlen);
/* The run settings of pl's operators, as lines for --explain. */
void fp_config_explain(const fp_pipeline *pl, const fp_config *cfg, fp_buf *b);
void fp_config_free(fp_config *cfg);

/* The progress line on stderr (progress.c): bytes and records of finished
 * partitions (thread-safe), then the last state and a newline. */
typedef struct fp_progress fp_progress;
fp_progress *fp_progress_new(uint64_t total_bytes, bool tty);
void fp_progress_add(fp_progress *p, uint64_t bytes, uint64_t records);
void fp_progress_end(fp_progress *p);   /* NULL is fine */

/* Inputs (inputs.c): the arguments with every folder replaced by the
 * files under it (sorted by name, recursively; names starting with '.'
 * skipped), malloc'd strings; and gzip data (1f 8b) decompressed whole into
 * a buffer with the FP_PAD zero tail. */
int fp_expand_inputs(const char *const *paths, int n, char ***out, int *nout, char *err,
                     size_t errlen);
bool fp_is_gzip(const char *data, size_t len);
int fp_gunzip(const char *data, size_t len, char **out, size_t *outlen, char *err, size_t errlen);

/* The line number (from 1) of every partition's first byte in its file:
 * bases[f] is file f's first byte. */
void fp_errors_lines(fp_part *parts, size_t n, const char *const *bases, int threads);
/* The same, reading only the partitions [lo, hi): sum (MPI) adds up the
 * ranks' counts element by element. */
void fp_errors_lines_range(fp_part *parts, size_t n, const char *const *bases, int threads,
                           size_t lo, size_t hi, void (*sum)(uint64_t *v, size_t n));


/* ---- inputs.c: opening and cutting inputs --------------------------- */

typedef struct fp_input {
    const char *path;   /* as given; "-" is standard input */
    char *data;         /* mapped or read bytes, then FP_PAD zero bytes */
    size_t len;
    size_t maplen;      /* bytes mapped (file and zero tail), if mapped */
    bool mapped;
    bool resident;      /* mapped pre-faulted and kept whole (CSV_RESIDENT_MAX) */
    fp_csv_cols csv;    /* CSV sources: the header's columns */
} fp_input;

typedef struct stage1_targets {
    fp_ktab **tabs;   /* per thread, or per partition (made when it starts) */
    char *accs;       /* per partition, for a global combine */
    /* Partition order: each partition's table is folded into `folded` as
     * soon as all earlier ones are, and freed, so memory stays bounded by
     * the partitions in flight, not by the input. */
    fp_ktab *folded;
    bool *fdone;
    size_t next_fold;
#ifdef _OPENMP
    /* ...and a thread does not start a partition more than FOLD_WINDOW
     * per thread ahead of the next fold: a thread that lags (descheduled
     * on a busy machine) would otherwise let the others pile up tables
     * without bound.  Woken after every partition. */
    pthread_mutex_t fold_mu;
    pthread_cond_t fold_cv;
#endif
} stage1_targets;

/* Opens in->path ("-": standard input): a regular file mapped (a CSV
 * input up to CSV_RESIDENT_MAX pre-faulted and kept whole when `csv`), a
 * stream read whole, gzip data decompressed.  -1 after a message on
 * stderr naming prog. */
int fp_input_open(fp_input *in, const char *prog, bool csv);
/* Unmaps or frees inputs in[0..n) and the array itself. */
void fp_inputs_close(fp_input *in, int n);
/* Gives back every page of the mapped inputs (before stage 1). */
void fp_inputs_release(const fp_input *in, int n);
/* A partition of a mapped input starts: its pages faulted in in one call. */
void fp_input_populate_part(const fp_input *in, const fp_part *part);
/* A partition is done: its pages given back (a later read re-reads them). */
void fp_input_release_part(const fp_input *in, const fp_part *part);
/* SIGBUS in a mapped input of in[0..n) (the file shrank): a message, the
 * temporaries removed, exit 3.  Until fp_inputs_close. */
void fp_inputs_watch(const fp_input *in, int n, const char *prog);

#endif
