/* driver.c — the generated executable's main loop: fp_main, a list of
 * phases over one fp_run (command line, inputs opened and cut by inputs.c,
 * sequential and OpenMP execution, merging, the sink's commit).
 *
 * The order of work is fixed by the partitions, not by the threads:
 *   1. every input file is mapped and cut into partitions at line starts;
 *   2. stage 1 (generated) runs once per partition, on any thread;
 *   3. partial results are merged — per-thread tables for exact commutative
 *      monoids, otherwise in partition order — and element-wise rows are
 *      written in partition order;
 *   4. stage 2 (generated) runs over the merged result in key order and
 *      formats the sink's rows; the sink commits atomically.
 * So --threads 1, 2 or 64 produce the same bytes.
 */
#include "internal.h"
#include "dist.h"   /* distributed-mode hooks: no-ops without FP_MPI */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#include <pthread.h>
#endif

/* --version: the top heading of NEWS, passed by the Makefile. */
#ifndef FP_VERSION
#error "FP_VERSION is not defined: build the runtime with the Makefile"
#endif

/* source.c's CSV header check, referenced weakly: the archive member that
 * defines it (and needs libcsv) is then linked only into programs whose
 * generated loop reads CSV (fp_csv_row calls fp_csv_row_slow, defined
 * beside it), so a word count links no libcsv (docs/running.md, "Linking"). */
#pragma weak fp_csv_header_with
#ifdef FP_MPI
#define fp_main fp_main_local   /* mpi.c's fp_main wraps it */
#endif


#define DEFAULT_PART_SIZE ((size_t)4 << 20)
/* materialize: where checkpoints go without --checkpoint-dir. */
#define DEFAULT_CKPT_DIR ".fpipe-checkpoints"
#define FLUSH_AT ((size_t)1 << 20)
typedef struct fp_run {
    const fp_pipeline *pl;
    const char *prog;
    fp_input *in;
    int nin;
    fp_part *parts;
    size_t nparts;
    size_t part_lo, part_hi;   /* the partitions this process runs (all but under MPI) */
    int threads;
    /* fail_fast: the error of the earliest failing partition */
    size_t fail_part;       /* SIZE_MAX while nothing failed */
    char *fail_msg;
    /* element-wise output, flushed in partition order */
    fp_buf *bufs;
    bool *done;
    size_t next_flush;
    fp_sink *sink;
    int write_failed;
    bool header_due;           /* a csv sink's header is not written yet */
    fp_errsink *errs;       /* on_error collect: the error file */
    int stats;              /* --stats: 1 a table, 2 JSON */
    bool count_lines;       /* materialize: a text source's lines, for the checkpoint */
    /* materialize on an element-wise operator: each partition's payload
     * (NULL: no checkpoint written); --resume: stage 1 runs from it */
    fp_buf *ckbufs;
    bool resume_elems;
    fp_progress *progress;  /* the progress line, or NULL */
    /* --stats, keyed: distinct keys handed to stage 2, and their key plus
     * accumulator bytes (what they need, however they are held) */
    uint64_t keys, key_bytes;

    /* The options: the command line's, then --config's for what it left
     * unsaid. */
    const char *out_path, *errors_path, *config_path;
    const char *ckpt_dir;      /* --checkpoint-dir */
    const char *stats_file;    /* --stats-file: the JSON statistics go there */
    fp_sink *stats_sink;       /* its temporary, from open_outputs to the report */
    bool explain, resume;      /* --explain, --resume */
    int progress_opt;          /* --progress 1, --no-progress 0, -1: not given */
    size_t part_size;          /* --partition-size; 0: not given */
    size_t threads_opt;        /* --threads; 0: not given */
    fp_config cfg;             /* --config FILE (its strings are options') */
    const char **param_args;   /* --param NAME=VALUE, in order (argv's strings) */
    int nparam_args;
    const char **paths;        /* the inputs: the arguments, then the files */
    int npaths;
    char **expanded;           /* the files folders stand for (owned) */
    int nexpanded;
    fp_opcfg *saved_cfgs;      /* the operators' settings as the .fpipe has them */
    bool times;                /* FPIPE_TIMES: phase times on stderr */
    double t0, t_start, t_stage1;
    /* outputs */
    bool collect;              /* some operator has on_error collect */
    const char *dest;          /* the output file, NULL: standard output */
    char *errors_own;          /* the error file's path when made here */
    /* materialize */
    fp_ckpt ck;
    bool ck_on, resumed, resumed_combine;
    /* stage 1 and later */
    fp_worker *workers;
    int nw;
    stage1_targets tg;
    size_t ntabs;              /* keyed: tg.tabs' count */
    uint64_t table_bytes;      /* --stats: the tables' slots after stage 1 */
    bool drops_summed;         /* MPI: the drops were summed by ckpt_commit */
    /* --resume from an element-wise checkpoint of a CSV source: no header
     * columns (a record ends as a CSV record does) */
    fp_csv_cols no_cols;
} fp_run;

/* --stats or --stats-file: the counters, times and hot keys a report
 * needs are kept. */
static bool wants_stats(const fp_run *run)
{
    return run->stats || run->stats_file;
}

/* calloc that never returns NULL (out of memory ends the run, exit 5),
 * and never asks for 0 bytes. */
static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        fp_oom();
    return p;
}

/* csv(input, header = false): column i of every record is field i. */
static void csv_positional(fp_csv_cols *cols, int nfields)
{
    cols->ncols = nfields;
    cols->map = xcalloc((size_t)nfields, sizeof *cols->map);
    for (int i = 0; i < nfields; i++)
        cols->map[i] = i;
    cols->last = nfields - 1;
    cols->positional = true;
}

/* ---- element errors ------------------------------------------------ */

/* "file:line" of a byte inside a partition: counted only when reporting. */
static size_t line_of(const fp_run *run, int file, const char *pos)
{
    const char *p = run->in[file].data;
    size_t line = 1;
    while (p && p < pos) {
        const char *nl = memchr(p, '\n', (size_t)(pos - p));
        if (!nl)
            break;
        line++;
        p = nl + 1;
    }
    return line;
}

/* on_error fail_fast: the worker's pending error (w->err_site, err_msg)
 * becomes the run's failure when its partition comes before every
 * failure so far (the first in input order wins, whatever the threads);
 * the message is formatted here, with the input file and line. */
void fp_fail(fp_worker *w)
{
    fp_run *run = w->run;
    const fp_site *site = w->err_site;
    const char *msg = w->err_msg;
    w->failed = 1;
    w->halted = 1;
    const fp_part *part = w->part;
    char *text = NULL;
    if (part) {
        const char *pos = w->pos ? w->pos : part->begin;
        while (pos > part->begin && pos[-1] != '\n')
            pos--;   /* the whole record, when pos is inside it (a word) */
        const char *eol = memchr(pos, '\n', (size_t)(part->end - pos));
        size_t n = eol ? (size_t)(eol - pos) : (size_t)(part->end - pos);
        fp_buf b = {0};
        fp_out_tsv_str(&b, fp_str_lit(pos, n > 200 ? 200 : n));
        size_t need = b.n + strlen(msg) + strlen(site->op) + strlen(site->file) +
                      strlen(run->in[part->file].path) + 160;
        text = xcalloc(1, need);
        snprintf(text, need,
                 "error: operator '%s' (%s:%d:%d) failed: %s\n"
                 "  input: %s:%zu\n  record: %.*s%s\n",
                 site->op, site->file, site->line, site->col, msg,
                 run->in[part->file].path,
                 run->in[part->file].data ? line_of(run, part->file, pos)
                                          : (size_t)part->line0,   /* --resume: the record */
                 (int)b.n,
                 b.p, n > 200 ? "..." : "");
        fp_buf_free(&b);
    } else {
        size_t need = strlen(msg) + strlen(site->op) + strlen(site->file) + 80;
        text = xcalloc(1, need);
        snprintf(text, need, "error: operator '%s' (%s:%d:%d) failed: %s\n", site->op,
                 site->file, site->line, site->col, msg);
    }
    size_t idx = part ? part->index : w->order;
#ifdef _OPENMP
#pragma omp critical(fp_fail)
#endif
    {
        if (idx < run->fail_part || (idx == run->fail_part && !run->fail_msg)) {
            free(run->fail_msg);
            run->fail_msg = text;
            text = NULL;
            /* read by other threads with atomic reads: write atomically */
#ifdef _OPENMP
#pragma omp atomic write
#endif
            run->fail_part = idx;
        }
    }
    free(text);
}

/* fp_fail for a failure that no operator site names (a C function's). */
void fp_fail_message(fp_worker *w, const char *msg)
{
    fp_site *site = fp_arena_alloc(w->arena, sizeof *site);
    *site = (fp_site){"(a C function)", w->run->pl->fpipe_file, 0, 0, -1};
    w->err_site = site;
    w->err_msg = msg;
    fp_fail(w);
}

/* The earliest failing partition so far (SIZE_MAX: none); any thread. */
static size_t fail_part(fp_run *run)
{
    size_t v;
#ifdef _OPENMP
#pragma omp atomic read
#endif
    v = run->fail_part;
    return v;
}

/* ---- stage 1 over the partitions ----------------------------------- */

/* Partition-order folds with threads: a thread does not start a partition
 * more than FOLD_WINDOW per thread ahead of the next fold (stage1_targets). */
#define FOLD_WINDOW 4

static double now(void);   /* seconds on the monotonic clock */

/* A csv sink's header line, once, before its first rows (or at the
 * commit of an output without rows). */
static void write_header(fp_run *run)
{
    if (!run->header_due)
        return;
    run->header_due = false;
    const char *h = run->pl->sink_header;
    if (!run->write_failed && fp_sink_write(run->sink, h, strlen(h)) != 0)
        run->write_failed = errno ? errno : EIO;
}

/* Rows to the sink (under MPI on a rank > 0: kept for rank 0); the first
 * write error is kept in run->write_failed and later rows are dropped
 * (the run then fails with exit 3, nothing committed).  Empties b. */
static void write_out(fp_run *run, fp_buf *b)
{
    if (fp_dist_capture(b->p, b->n)) {   /* MPI, rank > 0: rows go to rank 0 */
        b->n = 0;
        return;
    }
    if (b->n)
        write_header(run);
    if (b->n && !run->write_failed && fp_sink_write(run->sink, b->p, b->n) != 0)
        run->write_failed = errno ? errno : EIO;
    b->n = 0;
}

/* Partition order with threads: wait until partition k is within the
 * window of the next fold (or can no longer matter). */
static void fold_wait(fp_run *run, stage1_targets *tg, size_t k)
{
#ifdef _OPENMP
    if (run->threads < 2 || run->pl->shape != FP_SHAPE_KEYED ||
        run->pl->merge != FP_MERGE_PARTITION_ORDER)
        return;
    size_t window = FOLD_WINDOW * (size_t)run->threads, next;
    pthread_mutex_lock(&tg->fold_mu);
    for (;;) {
#pragma omp atomic read
        next = tg->next_fold;
        if (next > k || k - next < window || k > fail_part(run))
            break;
        pthread_cond_wait(&tg->fold_cv, &tg->fold_mu);
    }
    pthread_mutex_unlock(&tg->fold_mu);
#else
    (void)run, (void)tg, (void)k;
#endif
}

/* Wake the workers fold_wait keeps waiting: a fold has moved on. */
static void fold_wake(fp_run *run, stage1_targets *tg)
{
#ifdef _OPENMP
    if (run->threads < 2 || run->pl->shape != FP_SHAPE_KEYED ||
        run->pl->merge != FP_MERGE_PARTITION_ORDER)
        return;
    pthread_mutex_lock(&tg->fold_mu);
    pthread_cond_broadcast(&tg->fold_cv);
    pthread_mutex_unlock(&tg->fold_mu);
#else
    (void)run, (void)tg;
#endif
}

/* Stage 1 over partition k on worker w (any thread): its pages faulted
 * in, the generated stage run into the partition's targets, its rows or
 * error lines handed on in partition order, its pages given back.  A
 * partition after the earliest failure is skipped. */
static void process_partition(fp_run *run, fp_worker *w, stage1_targets *tg, size_t k)
{
    const fp_pipeline *pl = run->pl;
    if (fp_dist_on() && w->thread == 0) {
        /* MPI (main thread only): tell later ranks about a failure here,
         * and stop early when an earlier rank failed. */
        size_t hint = fp_dist_poll(fail_part(run));
        if (hint < fail_part(run)) {
#ifdef _OPENMP
#pragma omp critical(fp_fail)
#endif
            if (hint < run->fail_part) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
                run->fail_part = hint;
            }
        }
    }
    if (k > fail_part(run)) {
        fold_wake(run, tg);
        return;   /* an earlier partition failed: this one can't matter */
    }
    fold_wait(run, tg, k);
    if (k > fail_part(run)) {
        fold_wake(run, tg);
        return;
    }
    w->part = &run->parts[k];
    w->pos = NULL;
    w->failed = 0;
    w->halted = 0;
    if (run->errs) {
        w->errs = fp_errsink_part(run->errs, k);
        w->in_path = run->in[w->part->file].path;
        w->in_base = run->in[w->part->file].data;
        w->lc_pos = NULL;
    } else if (run->pl->input_lines) {   /* input_file(), input_line() */
        w->in_path = run->in[w->part->file].path;
        w->in_base = run->in[w->part->file].data;
        w->lc_pos = NULL;
    }
    if (run->ckbufs || run->resume_elems) {
        /* materialize on an element-wise operator: this partition's
         * payload, its elements' records counted from the start */
        w->ckpt = run->ckbufs ? &run->ckbufs[k] : NULL;
        w->in_path = run->in[w->part->file].path;
        w->in_base = run->in[w->part->file].data;
        w->ck_rec = w->ck_rec_end = w->ck_lc_pos = NULL;
        w->ck_part = *w->part;
        w->ck_end = w->part->end;   /* (read back whole before: fp_ckpt_load) */
        w->ck_bad = false;
    }
    switch (pl->shape) {
    case FP_SHAPE_KEYED:
        if (pl->merge == FP_MERGE_PARTITION_ORDER) {
            tg->tabs[k] = fp_ktab_new_sized(pl->acc_size, 10);
            tg->tabs[k]->hot = w->hot;   /* --stats: hot keys */
        }
        w->tab = pl->merge == FP_MERGE_PER_THREAD ? tg->tabs[w->thread] : tg->tabs[k];
        break;
    case FP_SHAPE_GLOBAL:
        w->acc = tg->accs + k * pl->acc_size;
        break;
    case FP_SHAPE_ELEMENTWISE:
        w->out = &run->bufs[k];
        break;
    }
    uint64_t read0 = w->stat[pl->nops];   /* csv/jsonl records read so far */
    if (!run->resume_elems)   /* a checkpoint's partition: no input pages */
        fp_input_populate_part(&run->in[w->part->file], w->part);
    double t_part = w->optime ? now() : 0;   /* --stats: operator times */
    if (run->resume_elems) {
        pl->resume1(w);   /* the operators after the checkpoint, over its elements */
        w->part = &run->parts[k];
    } else if (w->optime && pl->stage1_timed) {
        pl->stage1_timed(w);   /* --stats: the variant that times its operators */
    } else {
        pl->stage1(w);
    }
    if (w->optime)
        w->stage1_ns += (uint64_t)((now() - t_part) * 1e9);
    if ((wants_stats(run) || run->progress || run->count_lines) && pl->source == FP_SOURCE_TEXT &&
        !run->resume_elems)
        w->stat[0] += fp_count_lines(w->part->begin, w->part->end);
    if (run->progress && !run->resume_elems)
        fp_progress_add(run->progress, (uint64_t)(w->part->end - w->part->begin),
                        pl->source == FP_SOURCE_TEXT
                            ? fp_count_lines(w->part->begin, w->part->end)
                            : w->stat[pl->nops] - read0);
    if (run->errs)
        fp_errsink_done(run->errs, k);
    /* The partition's rows are formatted and its keys are in the table
     * (copied if they were made in the arena): its strings are dead. */
    fp_arena_reset(w->arena);
    if (!run->resume_elems)
        fp_input_release_part(&run->in[w->part->file], w->part);
    if (pl->shape == FP_SHAPE_KEYED && pl->merge == FP_MERGE_PARTITION_ORDER) {
#ifdef _OPENMP
#pragma omp critical(fp_fold)
#endif
        {
            tg->fdone[k] = true;
            while (tg->next_fold < run->nparts && tg->fdone[tg->next_fold] &&
                   tg->next_fold < fail_part(run)) {
                fp_ktab_fold(tg->folded, tg->tabs[tg->next_fold], pl);
                fp_ktab_free(tg->tabs[tg->next_fold]);
                tg->tabs[tg->next_fold] = NULL;
#ifdef _OPENMP
#pragma omp atomic update
#endif
                tg->next_fold++;
            }
        }
        fold_wake(run, tg);
    }
    if (pl->shape == FP_SHAPE_ELEMENTWISE) {
        /* Write finished partitions in input order as soon as all earlier
         * ones are written: memory stays bounded by the threads' lag. */
#ifdef _OPENMP
#pragma omp critical(fp_flush)
#endif
        {
            run->done[k] = true;
            while (run->next_flush < run->nparts && run->done[run->next_flush] &&
                   run->next_flush < fail_part(run)) {
                fp_buf *b = &run->bufs[run->next_flush];
                write_out(run, b);
                fp_buf_free(b);
                run->next_flush++;
            }
        }
    }
}

/* Every partition of this process through process_partition: on
 * run->threads OpenMP threads taking partitions in order, or on the main
 * thread alone. */
static void run_stage1(fp_run *run, fp_worker *workers, stage1_targets *tg)
{
#ifdef _OPENMP
    if (run->threads > 1) {
#pragma omp parallel num_threads(run->threads)
        {
            fp_worker *w = &workers[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
            for (size_t k = run->part_lo; k < run->part_hi; k++)
                process_partition(run, w, tg, k);
        }
        return;
    }
#endif
    for (size_t k = run->part_lo; k < run->part_hi; k++)
        process_partition(run, &workers[0], tg, k);
}

/* ---- after a keyed combine ------------------------------------------ */

static void sort_tables(fp_run *run, fp_ktab **tabs, size_t n, fp_kentry **runs, size_t *ns)
{
#ifdef _OPENMP
    if (run->threads > 1 && n > 1) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(run->threads)
        for (size_t i = 0; i < n; i++)
            fp_ktab_sort_packed(tabs[i], &runs[i], &ns[i]);
        return;
    }
#endif
    (void)run;
    for (size_t i = 0; i < n; i++)   /* the tables are read through the runs from now on */
        fp_ktab_sort_packed(tabs[i], &runs[i], &ns[i]);
}

typedef struct stage2_ctx {
    fp_run *run;
    fp_worker *w;
    fp_buf *out;
    bool flush;          /* write the buffer out as it fills (one range only) */
    uint64_t keys, key_bytes;   /* --stats: the keys seen, their bytes + accumulators' */
    int op;              /* the combine_per_key: its keys counted in w->stat[op] */
} stage2_ctx;

/* The index of the keyed combine, whose stat the driver counts (the
 * generated stage 2 counts what comes after it). */
static int keyed_op(const fp_pipeline *pl)
{
    for (int i = 0; i < pl->nops; i++)
        if (!strcmp(pl->ops[i].kind, "combine_per_key"))
            return i;
    return 0;
}

/* One merged key (in key order) into stage 2; the rows flushed as the
 * buffer fills when this is the only range. */
static void emit_key(void *p, fp_str key, const void *acc)
{
    stage2_ctx *c = p;
    c->keys++;
    c->key_bytes += key.n + c->run->pl->acc_size;
    if (c->w->failed)
        return;
    c->w->stat[c->op]++;
    c->run->pl->stage2_keyed(c->w, key, acc);
    if (c->flush && c->out->n >= FLUSH_AT)
        write_out(c->run, c->out);
}

/* Merge the sorted partial tables and run stage 2 over the keys.  With
 * several threads and enough keys, the key space is cut into ranges at
 * keys of the largest run; each range is merged and formatted on its own
 * (by any thread, into its own buffer) and the buffers are written in key
 * order.  Equal keys always fall in one range, so every fold is the same
 * as in one merge. */
static void merge_keyed(fp_run *run, fp_worker *workers, fp_kentry **runs, size_t *ns,
                        size_t k, fp_buf *out)
{
    const fp_pipeline *pl = run->pl;
    size_t total = 0, big = 0;
    for (size_t r = 0; r < k; r++) {
        total += ns[r];
        if (ns[r] > ns[big])
            big = r;
    }
    size_t nr = run->threads > 1 && total >= 65536 ? (size_t)run->threads * 8 : 1;
    if (nr == 1 || ns[big] < nr) {
        stage2_ctx ctx = {run, &workers[0], out, true, 0, 0, keyed_op(pl)};
        fp_kruns_merge(runs, ns, k, pl->acc_size, pl->acc_merge, pl, emit_key, &ctx);
        run->keys += ctx.keys;
        run->key_bytes += ctx.key_bytes;
        return;
    }
    /* starts[j * k + r]: where range j begins in run r. */
    size_t *starts = xcalloc((nr + 1) * k, sizeof *starts);
    for (size_t j = 1; j < nr; j++) {
        const fp_kentry *split = &runs[big][ns[big] * j / nr];
        for (size_t r = 0; r < k; r++)
            starts[j * k + r] = fp_kentry_lower_bound(runs[r], ns[r], split);
    }
    for (size_t r = 0; r < k; r++)
        starts[nr * k + r] = ns[r];
    fp_buf *bufs = xcalloc(nr, sizeof *bufs);
    fp_buf *ebufs = xcalloc(nr, sizeof *ebufs);   /* on_error collect, per range */
#ifdef _OPENMP
#pragma omp parallel num_threads(run->threads)
#endif
    {
#ifdef _OPENMP
        fp_worker *w = &workers[omp_get_thread_num()];
#else
        fp_worker *w = &workers[0];
#endif
        fp_kentry **sub = xcalloc(k, sizeof *sub);
        size_t *subn = xcalloc(k, sizeof *subn);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (size_t j = 0; j < nr; j++) {
            if (j > fail_part(run))
                continue;   /* a range before this one failed */
            for (size_t r = 0; r < k; r++) {
                sub[r] = runs[r] + starts[j * k + r];
                subn[r] = starts[(j + 1) * k + r] - starts[j * k + r];
            }
            w->part = NULL;
            w->pos = NULL;
            w->order = j;
            w->failed = 0;
            w->out = &bufs[j];
            w->errs = &ebufs[j];
            stage2_ctx ctx = {run, w, &bufs[j], false, 0, 0, keyed_op(pl)};
            fp_kruns_merge(sub, subn, k, pl->acc_size, pl->acc_merge, pl, emit_key, &ctx);
#ifdef _OPENMP
#pragma omp atomic
#endif
            run->keys += ctx.keys;
#ifdef _OPENMP
#pragma omp atomic
#endif
            run->key_bytes += ctx.key_bytes;
        }
        free(sub);
        free(subn);
    }
    /* After a failure in range j, only the rows before it (ranges < j and
     * the part of j before the failing key) are written: the same rows a
     * single merge writes, whatever the thread count. */
    for (size_t j = 0; j < nr; j++) {
        if (j <= fail_part(run))
            write_out(run, &bufs[j]);
        fp_buf_free(&bufs[j]);
        if (run->errs && ebufs[j].n)
            fp_buf_put(fp_errsink_tail(run->errs), ebufs[j].p, ebufs[j].n);
        fp_buf_free(&ebufs[j]);
    }
    free(bufs);
    free(ebufs);
    workers[0].errs = run->errs ? fp_errsink_tail(run->errs) : NULL;
    free(starts);
}

/* ---- materialize: checkpoints ---------------------------------------- */

/* A keyed checkpoint's payload, key by key in ascending order: the key's
 * length (u64), the accumulator (acc_size bytes, padded to 8, then any
 * promoted exact sums: fp_acc_pack), the key's bytes (padded to 8) — so
 * accumulators stay 8-aligned in the buffer. */
typedef struct ckpt_fill {
    fp_buf *payload;
    const fp_pipeline *pl;
    uint64_t records;
    char *wire;          /* one packed accumulator */
    size_t wire_cap;
} ckpt_fill;

static const char ckpt_zeros[8];

/* One merged key and its accumulator appended to the checkpoint's payload
 * (length, key, padded to 8 bytes, accumulator). */
static void ckpt_add_key(void *p, fp_str key, const void *acc)
{
    ckpt_fill *f = p;
    uint64_t n = key.n;
    size_t wn = fp_acc_wire_size(f->pl, acc);
    if (wn > f->wire_cap) {
        free(f->wire);
        f->wire = xcalloc(1, wn);
        f->wire_cap = wn;
    }
    fp_acc_pack(f->pl, acc, f->wire);
    fp_buf_put(f->payload, (const char *)&n, 8);
    fp_buf_put(f->payload, f->wire, wn);
    fp_buf_put(f->payload, key.p, key.n);
    fp_buf_put(f->payload, ckpt_zeros, ((key.n + 7) & ~(size_t)7) - key.n);
    f->records++;
}

/* Stage 2 over a keyed payload (made above, or read back by --resume): the
 * keys in order, as one merge hands them to stage 2.  The payload has
 * FP_PAD bytes after its end, so its keys keep the padding contract. */
static void stage2_from_payload(fp_run *run, fp_worker *w, const char *p, size_t n, fp_buf *out)
{
    if (!n)
        return;   /* no keys (and p may be NULL) */
    const fp_pipeline *pl = run->pl;
    stage2_ctx ctx = {run, w, out, true, 0, 0, keyed_op(pl)};
    const char *end = p + n;
    void *acc = xcalloc(1, pl->acc_size ? pl->acc_size : 1);
    while (p < end) {
        /* Built by this process or checked by payload_ok: a payload that
         * does not parse to its end is a bug, never keys left out. */
        uint64_t kn = 0;
        size_t wn = 0;
        if ((size_t)(end - p) >= 8) {
            memcpy(&kn, p, 8);
            wn = fp_acc_unpack(pl, acc, p + 8, (size_t)(end - p) - 8);
        }
        const char *key = p + 8 + wn;
        if (!wn || kn > (uint64_t)(end - key)) {
            fprintf(stderr, "%s: internal error: a merged result's entry %zu bytes into it does not "
                            "parse; no output written\n", fp_prog, (size_t)(p - (end - n)));
            fp_exit(FP_EXIT_INTERNAL);
        }
        emit_key(&ctx, fp_str_lit(key, (size_t)kn), acc);
        fp_acc_release(pl, acc);
        p = key + ((kn + 7) & ~(uint64_t)7);
    }
    free(acc);
    run->keys += ctx.keys;
    run->key_bytes += ctx.key_bytes;
}

/* The checkpoint of the merged result: the counts of the work before it
 * (summed over the MPI ranks first: a collective, every rank calls this),
 * then rank 0 writes the file.  A checkpoint that cannot be written is a
 * warning: the run goes on without one. */
static void ckpt_commit(fp_run *run, fp_worker *workers, int nw, const fp_ckpt *ck,
                        const fp_buf *pieces, size_t npieces, uint64_t records)
{
    const fp_pipeline *pl = run->pl;
    fp_dist_drops(workers, nw, pl->nsites);
    if (fp_dist_rank() != 0)
        return;
    size_t ns = 2 * (size_t)pl->nops + 1;
    uint64_t *stat = xcalloc(ns, sizeof *stat);
    uint64_t *dropped = xcalloc((size_t)pl->nsites + 1, sizeof *dropped);
    uint64_t *retried = xcalloc((size_t)pl->nsites + 1, sizeof *retried);
    for (int t = 0; t < nw; t++) {
        for (size_t i = 0; i < ns; i++)
            stat[i] += workers[t].stat[i];
        for (int i = 0; i < pl->nsites; i++) {
            dropped[i] += workers[t].dropped[i];
            retried[i] += workers[t].retried[i];
        }
    }
    if (pl->resume1) {
        /* An element-wise checkpoint is written after stage 1: the
         * operators after it were counted too, and a resumed run counts
         * them again. */
        for (int i = pl->checkpoint_op + 1; i < pl->nops; i++) {
            stat[i] = stat[pl->nops + i] = 0;
            if (pl->ops[i].site >= 0)
                dropped[pl->ops[i].site] = retried[pl->ops[i].site] = 0;
        }
    }
    char err[1024];
    if (fp_ckpt_save_pieces(ck, pl, pieces, npieces, records, stat, dropped, retried, err,
                            sizeof err) != 0)
        fprintf(stderr, "%s: warning: no checkpoint written: %s\n", run->prog, err);
    free(stat);
    free(dropped);
    free(retried);
}

/* An element-wise checkpoint's payload: a table of the partitions (u64
 * count, then per partition u64 file, u64 index, u64 bytes), then each
 * partition's elements as stage 1 serialised them, in partition order. */
static void ckpt_commit_elems(fp_run *run, fp_worker *workers, int nw, const fp_ckpt *ck)
{
    fp_buf *pieces = xcalloc(run->nparts + 1, sizeof *pieces);
    fp_buf *table = &pieces[0];
    uint64_t n = run->nparts;
    fp_ckpt_put_u64(table, n);
    for (size_t k = 0; k < run->nparts; k++) {
        fp_ckpt_put_u64(table, (uint64_t)run->parts[k].file);
        fp_ckpt_put_u64(table, (uint64_t)run->parts[k].index);
        fp_ckpt_put_u64(table, (uint64_t)run->ckbufs[k].n);
        pieces[k + 1] = run->ckbufs[k];
    }
    uint64_t records = 0;   /* the materialized operator's elements */
    for (int t = 0; t < nw; t++)
        records += workers[t].stat[run->pl->checkpoint_op];
    ckpt_commit(run, workers, nw, ck, pieces, run->nparts + 1, records);
    fp_buf_free(table);
    free(pieces);
}

/* --resume from an element-wise checkpoint: its partitions (each one's
 * begin and end: its elements in the payload).  -1 when the table does not
 * add up. */
static int ckpt_parts(fp_run *run, const fp_ckpt *ck, int npaths)
{
    const char *p = ck->payload, *end = ck->payload + ck->payload_n;
    uint64_t n;
    if (ck->payload_n < 8)
        return -1;
    memcpy(&n, p, 8);
    p += 8;
    if (n > (uint64_t)(end - p) / 24)
        return -1;
    const char *data = p + n * 24;
    run->parts = xcalloc((size_t)n + 1, sizeof *run->parts);
    run->nparts = (size_t)n;
    run->no_cols.delim = run->pl->csv_delim;
    run->no_cols.quote = run->pl->csv_quote;
    for (size_t k = 0; k < run->nparts; k++, p += 24) {
        uint64_t v[3];
        memcpy(v, p, 24);
        if (v[0] >= (uint64_t)npaths || v[2] > (uint64_t)(end - data))
            return -1;
        run->parts[k] = (fp_part){.begin = data, .end = data + v[2], .file = (int)v[0],
                                  .index = (size_t)v[1],
                                  .csv = run->pl->source == FP_SOURCE_CSV ? &run->no_cols : NULL};
        data += v[2];
    }
    return data == end ? 0 : -1;
}

/* ---- phase times (FPIPE_TIMES=1) ----------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* FPIPE_TIMES: the time since the previous phase ended, on stderr. */
static void phase(fp_run *run, const char *name)
{
    double n = now();
    if (run->times)
        fprintf(stderr, "%s: %-22s %8.1f ms\n", run->prog, name, (n - run->t0) * 1e3);
    run->t0 = n;
}

/* ---- command line -------------------------------------------------- */

static void usage(const fp_pipeline *pl, const char *prog, FILE *f)
{
    fprintf(f,
            "usage: %s [options] INPUT...\n"
            "Runs the fpipe pipeline '%s' (compiled from %s) over the INPUT files\n"
            "('-' is standard input).\n"
            "\n"
            "options:\n"
            "  -o, --output PATH      write the sink's rows to PATH (atomically:\n"
            "                         a temporary file renamed into place; '-':\n"
            "                         standard output)\n"
            "  --threads N            worker threads; 1 runs sequentially\n"
            "                         (default: all cores)\n"
            "  --partition-size BYTES input partition size (default 4194304);\n"
            "                         results do not depend on the thread count\n"
            "  --errors PATH          on_error collect: the error file (JSON lines;\n"
            "                         default: the .fpipe's, else OUTPUT.errors.jsonl)\n"
            "  --stats[=table|json]   print what every operator did on stderr: in, out,\n"
            "                         filtered, dropped, collected (a table, or JSON)\n"
            "  --stats-file PATH      write the JSON statistics to PATH (atomically)\n"
            "  --progress, --no-progress\n"
            "                         a progress line on stderr (default: when stderr\n"
            "                         is a terminal)\n"
            "  --config FILE          read options from a YAML file (threads, partition_size,\n"
            "                         inputs, output, errors, progress, stats,\n"
            "                         checkpoint_dir); options\n"
            "                         given here override it\n"
            "  --resume               start from the checkpoint of the pipeline's\n"
            "                         materialize, if it is valid for these inputs\n"
            "  --checkpoint-dir DIR   where materialize writes checkpoints (default:\n"
            "                         $FPIPE_CHECKPOINT_DIR, else " DEFAULT_CKPT_DIR ")\n"
            "  --explain              print the plan this program was built from\n"
            "  --version              print the fpipe version\n"
            "  -h, --help             this help\n",
            prog, pl->name, pl->fpipe_file);
    if (pl->nparams) {
        fprintf(f, "  --param NAME=VALUE     set a parameter (over --config's params:)\n"
                   "\n"
                   "parameters:\n");
        for (int i = 0; i < pl->nparams; i++) {
            const fp_param *p = &pl->params[i];
            static const char *const tn[] = {"str", "i64", "f64", "bool"};
            int n = fprintf(f, "  %s : %s", p->name, tn[p->type]);
            if (p->dflt && p->type == FP_PARAM_STR)
                fprintf(f, "%*s default '%s'\n", n < 24 ? 24 - n : 1, "", p->dflt);
            else if (p->dflt)
                fprintf(f, "%*s default %s\n", n < 24 ? 24 - n : 1, "", p->dflt);
            else
                fprintf(f, "%*s required\n", n < 24 ? 24 - n : 1, "");
        }
    }
    fprintf(f, "\n"
               "exit codes: 0 success, 2 usage, 3 input or output error,\n"
               "            4 an element failed (on_error fail_fast), 5 internal error;\n"
               "            SIGTERM, SIGINT, SIGHUP: 128 + the signal\n");
}

/* The text of parameter p (from --param, --config or its default) into
 * its variable; false when it is not a value of p's type. */
static bool param_value(const fp_param *p, const char *s)
{
    switch (p->type) {
    case FP_PARAM_STR:
        *(fp_str *)p->var = fp_str_lit(s, strlen(s));
        return true;
    case FP_PARAM_BOOL:
        if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
            return false;
        *(bool *)p->var = s[0] == 't';
        return true;
    case FP_PARAM_I64: {
        const char *d = s + (*s == '-' || *s == '+');
        if (*d < '0' || *d > '9')
            return false;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end)
            return false;
        *(int64_t *)p->var = (int64_t)v;
        return true;
    }
    case FP_PARAM_F64: {
        const char *d = s + (*s == '-' || *s == '+');
        if (!((*d >= '0' && *d <= '9') || *d == '.' || !strncmp(d, "inf", 3) || !strncmp(d, "nan", 3)))
            return false;
        char *end;
        double v = strtod(s, &end);
        if (*end)
            return false;
        *(double *)p->var = v;
        return true;
    }
    }
    return false;
}

/* What a parameter's value must be, for messages. */
static const char *param_wants(const fp_param *p)
{
    switch (p->type) {
    case FP_PARAM_I64: return "an i64 (a decimal integer from -9223372036854775808 to "
                              "9223372036854775807)";
    case FP_PARAM_F64: return "an f64 (a decimal number)";
    case FP_PARAM_BOOL: return "a bool (true or false)";
    default: return "a str";
    }
}

/* The parameters' values, before anything is read: --param NAME=VALUE
 * (the last one of a name), else --config's params:, else the default.
 * An unknown name, a value of another type or a parameter without value
 * is a usage error (its exit code); 0 when all are set. */
static int set_params(fp_run *run)
{
    const fp_pipeline *pl = run->pl;
    char names[512] = "";
    for (int i = 0; i < pl->nparams; i++) {
        size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "", pl->params[i].name);
    }
    for (int k = 0; k < run->nparam_args; k++) {
        const char *a = run->param_args[k];
        size_t n = strcspn(a, "=");
        bool found = false;
        for (int i = 0; i < pl->nparams && !found; i++)
            found = strlen(pl->params[i].name) == n && !strncmp(pl->params[i].name, a, n);
        if (!found) {
            fprintf(stderr, "%s: error: --param %s: no parameter '%.*s' (%s%s)\n", run->prog, a,
                    (int)n, a, pl->nparams ? "the parameters are " : "the pipeline has none",
                    names);
            return FP_EXIT_USAGE;
        }
    }
    for (int c = 0; c < run->cfg.nparams; c++) {
        const fp_paramval *pv = &run->cfg.params[c];
        bool found = false;
        for (int i = 0; i < pl->nparams && !found; i++)
            found = !strcmp(pl->params[i].name, pv->name);
        if (!found) {
            fprintf(stderr, "%s: %s:%d:%d: error: no parameter '%s' (%s%s)\n", run->prog,
                    run->cfg.path, pv->line, pv->col, pv->name,
                    pl->nparams ? "the parameters are " : "the pipeline has none", names);
            return FP_EXIT_USAGE;
        }
    }
    for (int i = 0; i < pl->nparams; i++) {
        const fp_param *p = &pl->params[i];
        const char *arg = NULL;
        size_t n = strlen(p->name);
        for (int k = 0; k < run->nparam_args; k++)
            if (!strncmp(run->param_args[k], p->name, n) && run->param_args[k][n] == '=')
                arg = run->param_args[k];
        const fp_paramval *pv = NULL;
        for (int c = 0; c < run->cfg.nparams && !arg; c++)
            if (!strcmp(run->cfg.params[c].name, p->name))
                pv = &run->cfg.params[c];
        const char *v = arg ? arg + n + 1 : pv ? pv->value : p->dflt;
        if (!v) {
            fprintf(stderr, "%s: error: parameter '%s' (%s) has no default: give --param "
                    "%s=VALUE\n", run->prog, p->name,
                    (const char *const[]){"str", "i64", "f64", "bool"}[p->type], p->name);
            return FP_EXIT_USAGE;
        }
        if (param_value(p, v))
            continue;
        if (arg)
            fprintf(stderr, "%s: error: --param %s: '%s' is not %s\n", run->prog, arg, v,
                    param_wants(p));
        else if (pv)
            fprintf(stderr, "%s: %s:%d:%d: error: parameter '%s': '%s' is not %s\n", run->prog,
                    run->cfg.path, pv->line, pv->col, p->name, v, param_wants(p));
        else   /* the compiler checked the default: a build fault */
            fprintf(stderr, "%s: internal error: parameter '%s': bad default '%s'\n", run->prog,
                    p->name, v);
        return arg || pv ? FP_EXIT_USAGE : FP_EXIT_INTERNAL;
    }
    return 0;
}

/* A positive decimal number into *out; -1 when s is not one. */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v == 0 || s[0] == '-')
        return -1;
    *out = (size_t)v;
    return 0;
}

const char *fp_prog_name(const char *argv0)
{
    const char *s = strrchr(argv0, '/');
    return s ? s + 1 : argv0;
}

/* ---- the whole run ------------------------------------------------- */

/* A run of pl named by argv0, before its options: the operators' run
 * settings saved as the .fpipe has them (run_free puts them back: fp_main
 * may run again in one process — tests, fuzzing — and one run's --config
 * must not leak into the next). */
static void run_init(fp_run *run, const fp_pipeline *pl, const char *argv0)
{
    memset(run, 0, sizeof *run);
    run->pl = pl;
    run->prog = fp_prog_name(argv0);
    fp_prog = run->prog;
    run->fail_part = SIZE_MAX;
    run->progress_opt = -1;
    const char *e = getenv("FPIPE_TIMES");
    run->times = e && *e && strcmp(e, "0") != 0;
    run->t0 = run->t_start = now();
    run->saved_cfgs = xcalloc((size_t)pl->nops + 1, sizeof *run->saved_cfgs);
    for (int i = 0; i < pl->nops; i++)
        if (pl->ops[i].cfg)
            run->saved_cfgs[i] = *pl->ops[i].cfg;
}

/* The operators' run settings back as run_init found them. */
static void restore_opcfgs(fp_run *run)
{
    for (int i = 0; i < run->pl->nops; i++)
        if (run->pl->ops[i].cfg)
            *run->pl->ops[i].cfg = run->saved_cfgs[i];
    free(run->saved_cfgs);
    run->saved_cfgs = NULL;
}

/* on_error collect by some operator, as the run has it (--config may
 * change an operator's policy). */
static bool run_collects(const fp_pipeline *pl)
{
    for (int i = 0; i < pl->nops; i++)
        if (pl->ops[i].site >= 0 && pl->ops[i].cfg &&
            pl->ops[i].cfg->on_error == FP_ON_ERROR_COLLECT)
            return true;
    return false;
}

/* ---- the run, phase by phase ---------------------------------------
 *
 * fp_main is the list of phases below, each a function over the one
 * fp_run that owns every resource of the run; run_free releases them all,
 * whichever phase stopped the run.  A phase returns RUN_ON to go on, or
 * the exit code to stop with. */
enum { RUN_ON = -1 };

/* The program's options, for getopt_long: the long ones, and -o, -h. */
enum { OPT_THREADS = 256, OPT_PART, OPT_ERRORS, OPT_STATS, OPT_STATS_FILE, OPT_PROGRESS,
       OPT_NO_PROGRESS, OPT_CONFIG, OPT_RESUME, OPT_CKPT_DIR, OPT_EXPLAIN, OPT_VERSION,
       OPT_PARAM };
static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"partition-size", required_argument, NULL, OPT_PART},
    {"errors", required_argument, NULL, OPT_ERRORS},
    {"stats", optional_argument, NULL, OPT_STATS},
    {"stats-file", required_argument, NULL, OPT_STATS_FILE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"checkpoint-dir", required_argument, NULL, OPT_CKPT_DIR},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, 'h'},
    {"param", required_argument, NULL, OPT_PARAM},
    {NULL, 0, NULL, 0},
};

/* What getopt_long refused, in the program's words (its own messages
 * would name argv[0] with its folder): arg is the word it stopped at. */
static void option_error(const fp_run *run, const char *arg, int c)
{
    /* An unknown letter inside a word of short options ("-xyz" after
     * "--threads=2"): getopt_long has not moved past the word, so arg is
     * the one before; optopt (0 for an unknown long name, the option's
     * value for a long one given a value) tells. */
    if (c == '?' && optopt > 0 && optopt < 256 && optopt != 'h' && optopt != 'o') {
        fprintf(stderr, "%s: error: unknown option '-%c' (see --help)\n", run->prog, optopt);
        return;
    }
    if (arg && arg[0] == '-' && arg[1] == '-') {
        const char *name = arg + 2;
        int n = (int)strcspn(name, "=");
        int hits = 0, exact = -1;
        char list[256] = "";
        for (int i = 0; long_options[i].name; i++) {
            if (strncmp(long_options[i].name, name, (size_t)n) != 0)
                continue;
            if ((int)strlen(long_options[i].name) == n)
                exact = i;
            hits++;
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s--%s", l ? ", " : "", long_options[i].name);
        }
        if (hits > 1 && exact < 0)
            fprintf(stderr, "%s: error: option '--%.*s' is ambiguous (%s)\n", run->prog, n, name,
                    list);
        else if (hits == 0)
            fprintf(stderr, "%s: error: unknown option '--%.*s' (see --help)\n", run->prog, n, name);
        else if (c == ':')
            fprintf(stderr, "%s: error: option '--%.*s' needs a value\n", run->prog, n, name);
        else
            fprintf(stderr, "%s: error: option '--%.*s' takes no value\n", run->prog, n, name);
    } else if (c == ':') {
        fprintf(stderr, "%s: error: option '-%c' needs a value\n", run->prog, optopt);
    } else {
        fprintf(stderr, "%s: error: unknown option '-%c' (see --help)\n", run->prog, optopt);
    }
}

/* The command line into run's options (getopt_long: --opt=value or --opt
 * value, unique prefixes, options anywhere, "--" ends them); the input
 * arguments into run->paths (argv's strings).  --help and --version stop
 * the run with 0. */
static int parse_options(fp_run *run, int argc, char **argv)
{
    const fp_pipeline *pl = run->pl;
    run->paths = xcalloc((size_t)argc, sizeof *run->paths);
    run->param_args = xcalloc((size_t)argc, sizeof *run->param_args);
    opterr = 0;   /* option_error speaks instead */
    optind = 0;   /* glibc: start afresh (fp_main may run more than once) */
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(pl, run->prog, stdout);
            return FP_EXIT_OK;
        case OPT_VERSION:
            printf("%s (fpipe %s)\n", run->prog, FP_VERSION);
            return FP_EXIT_OK;
        case OPT_STATS:
            if (!optarg || !strcmp(optarg, "table")) {
                run->stats = 1;
            } else if (!strcmp(optarg, "json")) {
                run->stats = 2;
            } else {
                fprintf(stderr, "%s: error: --stats takes table or json, not '%s'\n", run->prog,
                        optarg);
                return FP_EXIT_USAGE;
            }
            break;
        case OPT_STATS_FILE:
            run->stats_file = optarg;
            break;
        case OPT_PROGRESS:
        case OPT_NO_PROGRESS:
            run->progress_opt = c == OPT_PROGRESS;
            break;
        case OPT_RESUME:
            run->resume = true;
            break;
        case OPT_EXPLAIN:
            run->explain = true;   /* after --config: with the run's settings */
            break;
        case 'o':
            run->out_path = optarg;
            break;
        case OPT_ERRORS:
            run->errors_path = optarg;
            break;
        case OPT_CONFIG:
            run->config_path = optarg;
            break;
        case OPT_CKPT_DIR:
            run->ckpt_dir = optarg;
            break;
        case OPT_PARAM:
            if (!strchr(optarg, '=') || optarg[0] == '=') {
                fprintf(stderr, "%s: error: --param wants NAME=VALUE, not '%s'\n", run->prog,
                        optarg);
                return FP_EXIT_USAGE;
            }
            run->param_args[run->nparam_args++] = optarg;
            break;
        case OPT_THREADS:
            if (parse_size(optarg, &run->threads_opt) != 0 || run->threads_opt > 4096) {
                fprintf(stderr, "%s: error: --threads wants a number from 1 to 4096, not '%s'\n",
                        run->prog, optarg);
                return FP_EXIT_USAGE;
            }
            break;
        case OPT_PART:
            if (parse_size(optarg, &run->part_size) != 0) {
                fprintf(stderr, "%s: error: --partition-size wants a positive number of bytes, not '%s'\n",
                        run->prog, optarg);
                return FP_EXIT_USAGE;
            }
            break;
        default:   /* '?' or ':' */
            option_error(run, argv[optind - 1], c);
            return FP_EXIT_USAGE;
        }
    }
    for (int i = optind; i < argc; i++)
        run->paths[run->npaths++] = argv[i];
    return RUN_ON;
}

/* --config (what the command line leaves unsaid, and the operators'
 * settings), --explain, the environment's settings (before any temporary
 * exists), the folders expanded into their files, the thread count. */
static int settle_options(fp_run *run)
{
    const fp_pipeline *pl = run->pl;
    /* --config FILE: what the command line leaves unsaid (its strings
     * live in run->cfg until run_free). */
    if (run->config_path) {
        char cerr[1024];
        if (fp_config_load(run->config_path, &run->cfg, cerr, sizeof cerr) != 0) {
            fprintf(stderr, "%s: %s\n", run->prog, cerr);
            return FP_EXIT_USAGE;
        }
        if (!run->out_path)
            run->out_path = run->cfg.output;
        if (!run->errors_path)
            run->errors_path = run->cfg.errors;
        if (!run->ckpt_dir)
            run->ckpt_dir = run->cfg.checkpoint_dir;
        if (!run->threads_opt)
            run->threads_opt = run->cfg.threads;
        if (!run->part_size)
            run->part_size = run->cfg.partition_size;
        if (!run->stats && run->cfg.stats > 0)
            run->stats = run->cfg.stats;
        if (run->progress_opt < 0)
            run->progress_opt = run->cfg.progress;
        if (run->npaths == 0 && run->cfg.ninputs) {
            free(run->paths);
            run->paths = xcalloc((size_t)run->cfg.ninputs, sizeof *run->paths);
            for (int i = 0; i < run->cfg.ninputs; i++)
                run->paths[run->npaths++] = run->cfg.inputs[i];
        }
        /* operators: per-operator settings, into the program's tables */
        if (fp_config_ops(&run->cfg, pl, run->errors_path || pl->errors_path, cerr, sizeof cerr) != 0) {
            fprintf(stderr, "%s: %s\n", run->prog, cerr);
            return FP_EXIT_USAGE;
        }
    }
    if (run->explain) {
        fputs(pl->plan, stdout);
        if (run->config_path) {   /* the settings this run would have */
            fp_buf b = {0};
            fp_config_explain(pl, &run->cfg, &b);
            fwrite(b.p, 1, b.n, stdout);
            fp_buf_free(&b);
        }
        return FP_EXIT_OK;
    }
    int prc = set_params(run);   /* before any input is read */
    if (prc != 0)
        return prc;
    {   /* settings from the environment: read before any temporary exists */
        char cerr[256];
        if (fp_ktab_cap_init(cerr, sizeof cerr) != 0 || fp_key_seed_check(cerr, sizeof cerr) != 0) {
            fprintf(stderr, "%s: error: %s\n", run->prog, cerr);
            return FP_EXIT_USAGE;
        }
    }
    run->collect = run_collects(pl);
    if (!run->part_size)
        run->part_size = DEFAULT_PART_SIZE;
    if (run->npaths == 0) {
        fprintf(stderr, "%s: error: no input files (see --help)\n", run->prog);
        return FP_EXIT_USAGE;
    }
    /* Folders stand for the files under them, in sorted order (the
     * strings live in run->expanded until run_free). */
    {
        char xerr[1024];
        int xrc = fp_expand_inputs(run->paths, run->npaths, &run->expanded, &run->nexpanded, xerr, sizeof xerr);
        free(run->paths);   /* the command line's; now the files' */
        run->paths = NULL;
        if (xrc != 0) {
            fprintf(stderr, "%s: error: %s\n", run->prog, xerr);
            return FP_EXIT_INPUT;
        }
        run->paths = xcalloc((size_t)run->nexpanded, sizeof *run->paths);
        for (int i = 0; i < run->nexpanded; i++)
            run->paths[i] = run->expanded[i];
        run->npaths = run->nexpanded;
    }
#ifdef _OPENMP
    run->threads = run->threads_opt ? (int)run->threads_opt : pl->default_threads ? pl->default_threads
                                                               : omp_get_num_procs();
#else
    run->threads = 1;
    (void)run->threads_opt;
#endif

    return RUN_ON;
}

/* materialize: this run's checkpoint, and with --resume the one it starts
 * from (decided before the inputs are opened: a resumed run does not
 * read them). */
static int plan_checkpoint(fp_run *run)
{
    const fp_pipeline *pl = run->pl;
    run->t0 = run->t_start = now();   /* the run's time starts here */
    if (pl->resume1 && fp_dist_on()) {
        /* An element-wise checkpoint would need every rank's partitions
         * gathered in order: not built (docs/running.md). */
        if (fp_dist_rank() == 0)
            fprintf(stderr, "%s: error: materialize '%s' is on an element-wise operator, and "
                    "its checkpoint is not supported under MPI with more than one rank: run "
                    "it with one process, or materialize a combine\n", run->prog,
                    pl->checkpoint->name);
        return FP_EXIT_USAGE;
    }
    /* materialize: this run's checkpoint (its inputs' fingerprint), and
     * with --resume the one to start from.  Decided before the inputs are
     * opened: a resumed run does not read them. */
    if (pl->checkpoint) {
        char why[1024];
        const char *env = getenv("FPIPE_CHECKPOINT_DIR");
        if (!run->ckpt_dir)
            run->ckpt_dir = env && *env ? env : DEFAULT_CKPT_DIR;
        run->ck_on = fp_ckpt_init(&run->ck, pl, run->ckpt_dir, run->paths, run->npaths, run->part_size, why, sizeof why) == 0;
        if (!run->ck_on && fp_dist_rank() == 0)
            fprintf(stderr, "%s: warning: materialize '%s' writes no checkpoint: %s\n", run->prog,
                    pl->checkpoint->name, why);
        run->ck_on = !fp_dist_any(!run->ck_on, "find its inputs for the checkpoint");   /* MPI: all */
        if (run->ck_on && run->resume) {
            int lr = fp_ckpt_load(&run->ck, pl, why, sizeof why);
            if (lr == 0 && pl->resume1 && ckpt_parts(run, &run->ck, run->npaths) != 0) {
                free(run->parts);
                run->parts = NULL;
                run->nparts = 0;
                snprintf(why, sizeof why, "corrupt (its partition table does not add up)");
                lr = 1;
            }
            run->resumed = !fp_dist_any(lr != 0, "read the checkpoint");
            if (!run->resumed && fp_dist_rank() == 0) {
                if (lr < 0)
                    fprintf(stderr, "%s: warning: no checkpoint '%s' to resume from (%s): "
                            "running from the start\n", run->prog, run->ck.path, why);
                else if (lr > 0)
                    fprintf(stderr, "%s: warning: checkpoint '%s' is %s: ignored, running "
                            "from the start\n", run->prog, run->ck.path, why);
            }
        }
    } else if (run->resume) {
        fprintf(stderr, "%s: warning: --resume: the pipeline materializes nothing, so there "
                "is no checkpoint: running from the start\n", run->prog);
    }
    run->count_lines = run->ck_on && !run->resumed;   /* the checkpoint keeps them for --stats */
    /* A combine's checkpoint skips stage 1; an element-wise one runs the
     * rest of stage 1 from it. */
    run->resumed_combine = run->resumed && !pl->resume1;
    run->resume_elems = run->resumed && pl->resume1;
    if (run->resumed && fp_dist_rank() == 0)
        fprintf(stderr, "%s: resuming from the checkpoint '%s' of '%s' (%s:%d:%d, %llu %s): "
                "the inputs are not read\n", run->prog, run->ck.path, pl->checkpoint->name,
                pl->fpipe_file, pl->checkpoint->line, pl->checkpoint->col,
                (unsigned long long)run->ck.records,
                pl->resume1 ? (run->ck.records == 1 ? "element" : "elements")
                : pl->shape == FP_SHAPE_KEYED ? (run->ck.records == 1 ? "key" : "keys") : "value");
    return RUN_ON;
}

/* Opens every input (mapped, read, or decompressed) and cuts them into
 * partitions; under MPI, this rank's block of them.  Nothing is written
 * before every input opened: a missing input leaves the output alone. */
static int open_and_partition(fp_run *run)
{
    const fp_pipeline *pl = run->pl;
    /* Inputs first: a missing input must not create or touch the output. */
    run->in = xcalloc((size_t)run->npaths, sizeof *run->in);
    run->nin = run->resumed ? 0 : run->npaths;
    fp_inputs_watch(run->in, run->nin, run->prog);   /* SIGBUS: an input shrank */
    int rc = FP_EXIT_OK;
    char err[1024];
    for (int i = 0; i < run->npaths; i++)
        run->in[i].path = run->paths[i];   /* (a resumed run's error messages name them) */
    for (int i = 0; i < run->nin; i++) {
        if (fp_dist_on() && strcmp(run->paths[i], "-") == 0) {
            fprintf(stderr, "%s: error: standard input cannot be read under MPI: give files\n",
                    run->prog);
            rc = FP_EXIT_USAGE;
        } else if (fp_input_open(&run->in[i], run->prog, pl->source == FP_SOURCE_CSV) != 0) {
            rc = FP_EXIT_INPUT;
        }
    }
    if (fp_dist_any(rc != FP_EXIT_OK, "open an input")) {   /* MPI: on any rank */
        if (rc == FP_EXIT_OK)
            rc = FP_EXIT_INPUT;
        return rc;
    }
    for (int i = 0; i < run->nin; i++) {
        fp_input *in = &run->in[i];
        fp_part *v;
        size_t n;
        if (pl->source == FP_SOURCE_CSV) {
            /* The header first: a missing column stops the run before
             * anything is read or written. */
            size_t body = 0;
            if (!fp_csv_header_with) {   /* a CSV pipeline without the CSV reader: a build fault */
                fprintf(stderr, "%s: internal error: built without the CSV reader (source.o)\n",
                        run->prog);
                return FP_EXIT_INTERNAL;
            }
            char delim = pl->csv_delim ? pl->csv_delim : ',';
            char quote = pl->csv_quote ? pl->csv_quote : '"';
            if (pl->csv_no_header) {
                csv_positional(&in->csv, pl->nfields);
                in->csv.delim = delim;
                in->csv.quote = quote;
                if (in->len >= 3 && memcmp(in->data, "\xEF\xBB\xBF", 3) == 0)
                    body = 3;   /* a UTF-8 byte order mark, as with a header */
            } else if (fp_csv_header_with(in->data, in->len, pl->fields, pl->nfields, delim, quote,
                                          &in->csv, &body, err, sizeof err) != 0) {
                fprintf(stderr, "%s: error: input '%s':%s\n", run->prog, in->path, err);
                return FP_EXIT_INPUT;
            }
            /* mapped: gives back the pages it reads */
            n = fp_partition_csv_quoted(in->data, body, in->len, run->part_size, i, run->nparts,
                                        run->threads, in->mapped && !in->resident,
                                        pl->csv_quote ? pl->csv_quote : '"', &v);
            for (size_t k = 0; k < n; k++)
                v[k].csv = &in->csv;
        } else if (in->mapped) {   /* gives back the pages the cuts read */
            n = fp_partition_mapped(in->data, in->len, run->part_size, i, run->nparts, &v);
        } else {
            n = fp_partition(in->data, in->len, run->part_size, i, run->nparts, &v);
        }
        fp_part *all = realloc(run->parts, (run->nparts + n + 1) * sizeof *all);
        if (!all)
            fp_oom();
        memcpy(all + run->nparts, v, n * sizeof *v);
        free(v);
        run->parts = all;
        run->nparts += n;
    }
    /* MPI: this rank's block of partitions (a top over elements is not
     * shipped between ranks: rank 0 runs those pipelines alone). */
    fp_dist_parts(run->nparts, !(pl->top_n && pl->shape == FP_SHAPE_ELEMENTWISE), &run->part_lo,
                  &run->part_hi);
    fp_dist_prefault(run->parts, run->part_lo, run->part_hi);

    return RUN_ON;
}

/* The output's sink and on_error collect's error file (temporaries next
 * to their destinations), and the line counts error records need. */
static int open_outputs(fp_run *run)
{
    const fp_pipeline *pl = run->pl;
    char err[1024];
    run->dest = run->out_path;
    if (!run->dest && pl->target == FP_TARGET_PATH)
        run->dest = pl->path;
    if (run->dest && !strcmp(run->dest, "-"))
        run->dest = NULL;   /* -o -: standard output, as for any tool */
    if (pl->target == FP_TARGET_STDOUT)
        run->dest = NULL;
    /* on_error collect: --errors PATH, else the path the .fpipe names, else
     * the output file's path + ".errors.jsonl". */
    if (run->collect) {
        if (!run->errors_path)
            run->errors_path = pl->errors_path;
        if (!run->errors_path && run->dest) {
            size_t n = strlen(run->dest);
            run->errors_own = xcalloc(1, n + sizeof ".errors.jsonl");
            memcpy(run->errors_own, run->dest, n);
            memcpy(run->errors_own + n, ".errors.jsonl", sizeof ".errors.jsonl");
            run->errors_path = run->errors_own;
        }
        if (!run->errors_path) {
            fprintf(stderr, "%s: error: on_error collect needs an error file: give --errors PATH "
                            "(or -o PATH, which collects into PATH.errors.jsonl)\n", run->prog);
            return FP_EXIT_USAGE;
        }
        if (run->dest && fp_same_file(run->errors_path, run->dest)) {
            fprintf(stderr, "%s: error: the error file '%s' is the output file\n", run->prog,
                    run->errors_path);
            return FP_EXIT_USAGE;
        }
    }
    if (run->stats_file && strcmp(run->stats_file, "-") != 0 &&
        ((run->dest && fp_same_file(run->stats_file, run->dest)) ||
         (run->collect && fp_same_file(run->stats_file, run->errors_path)))) {
        fprintf(stderr, "%s: error: the statistics file '%s' is the %s file\n", run->prog,
                run->stats_file, run->dest && fp_same_file(run->stats_file, run->dest) ? "output" : "error");
        return FP_EXIT_USAGE;
    }
    run->sink = fp_sink_open(fp_dist_rank() == 0 ? run->dest : NULL, err, sizeof err);
    if (fp_dist_any(!run->sink, "open the output")) {   /* run_free aborts it */
        if (!run->sink)
            fprintf(stderr, "%s: error: %s\n", run->prog, err);
        return FP_EXIT_INPUT;
    }
    /* A csv sink's header: written before the first rows, or at the
     * commit (rank 0 writes the output) */
    run->header_due = run->pl->sink_header && fp_dist_rank() == 0;
    /* --stats-file: its temporary now, so that a folder that cannot take
     * it stops the run before any work (rank 0 writes it). */
    if (run->stats_file && fp_dist_rank() == 0) {
        run->stats_sink = fp_sink_open(strcmp(run->stats_file, "-") ? run->stats_file : NULL, err,
                                       sizeof err);
        if (!run->stats_sink)
            fprintf(stderr, "%s: error: statistics file: %s\n", run->prog, err);
    }
    if (fp_dist_any(run->stats_file && fp_dist_rank() == 0 && !run->stats_sink,
                    "open the statistics file"))
        return FP_EXIT_INPUT;
    if (run->collect) {
        /* MPI: rank 0 writes the error file; the other ranks keep their
         * lines for it (fp_dist_errors). */
        run->errs = fp_dist_rank() == 0 ? fp_errsink_open(run->errors_path, run->nparts, err, sizeof err)
                                       : fp_errsink_open_capture(run->nparts);
        if (fp_dist_any(!run->errs, "open the error file")) {   /* run_free aborts both */
            if (!run->errs)
                fprintf(stderr, "%s: error: %s\n", run->prog, err);
            return FP_EXIT_INPUT;
        }
        const char **bases = xcalloc((size_t)run->nin, sizeof *bases);
        for (int i = 0; i < run->nin; i++)
            bases[i] = run->in[i].data;
        /* MPI: each rank counts the lines of its own block only. */
        if (!run->resume_elems)   /* a resumed element's record has its line */
            fp_errors_lines_range(run->parts, run->nparts, bases, run->threads, run->part_lo,
                                  run->part_hi, fp_dist_on() ? fp_dist_sum_u64 : NULL);
        free(bases);
    } else if (pl->input_lines && !run->resume_elems) {
        /* input_line(): the partitions' first lines, as for collect */
        const char **bases = xcalloc((size_t)run->nin, sizeof *bases);
        for (int i = 0; i < run->nin; i++)
            bases[i] = run->in[i].data;
        fp_errors_lines_range(run->parts, run->nparts, bases, run->threads, run->part_lo,
                              run->part_hi, fp_dist_on() ? fp_dist_sum_u64 : NULL);
        free(bases);
    }
    if (run->ck_on && !run->resumed && pl->resume1) {
        /* materialize on an element-wise operator: a payload per partition;
         * its elements' records need the partitions' first lines. */
        run->ckbufs = xcalloc(run->nparts, sizeof *run->ckbufs);
        if (pl->ckpt_records && !run->collect && !pl->input_lines) {   /* else counted above */
            const char **bases = xcalloc((size_t)run->nin, sizeof *bases);
            for (int i = 0; i < run->nin; i++)
                bases[i] = run->in[i].data;
            fp_errors_lines(run->parts, run->nparts, bases, run->threads);
            free(bases);
        }
    }

    return RUN_ON;
}

/* The workers (one per thread, each with its arena and counters) and the
 * targets stage 1 fills: keyed tables, global accumulators, or the
 * element-wise rows' per-partition buffers. */
static void make_workers(fp_run *run)
{
    const fp_pipeline *pl = run->pl;
    /* Finding the cuts touched a page at each (and the kernel maps a
     * large folio around each touch: about 0.5 MB a cut, 120 MB for a 1 GB
     * input); on_error collect's line counts read every page: give them
     * all back before stage 1 faults each partition in again (the CSV
     * quote pass gives its pages back as it goes). */
    fp_inputs_release(run->in, run->nin);

    /* Workers and the targets of stage 1. */
    run->nw = run->threads;
    run->workers = xcalloc((size_t)run->nw, sizeof *run->workers);
    for (int t = 0; t < run->nw; t++) {
        run->workers[t].run = run;
        run->workers[t].thread = t;
        run->workers[t].arena = fp_arena_new();
        run->workers[t].dropped = xcalloc((size_t)pl->nsites, sizeof *run->workers[t].dropped);
        run->workers[t].retried = xcalloc((size_t)pl->nsites, sizeof *run->workers[t].retried);
        run->workers[t].backoff_ns = xcalloc((size_t)pl->nsites, sizeof *run->workers[t].backoff_ns);
        run->workers[t].collected = xcalloc((size_t)pl->nsites, sizeof *run->workers[t].collected);
        run->workers[t].stat = xcalloc(2 * (size_t)pl->nops + 1, sizeof *run->workers[t].stat);
        if (wants_stats(run)) {   /* operator times: which elements are timed, per thread */
            run->workers[t].optime = xcalloc((size_t)pl->nops + 1, sizeof *run->workers[t].optime);
            run->workers[t].rng = 0x9e3779b97f4a7c15u * (uint64_t)(t + 1);
            run->workers[t].clock_cost = t ? run->workers[0].clock_cost : fp_clock_cost();
        }
        if (pl->top_n)
            run->workers[t].top = fp_top_new(pl);
        if (wants_stats(run) && pl->shape == FP_SHAPE_KEYED)
            run->workers[t].hot = fp_hot_new();   /* --stats: hot keys of the combine_per_key */
    }
    /* The regex patterns: compiled, with a match data per worker, before any element. */
    if (pl->regex_setup)
        pl->regex_setup(pl->regexes, pl->nregexes, run->nw);
    if (run->resumed && fp_dist_rank() == 0) {
        /* The counts of the work the checkpoint stands for (an element-wise
         * one: up to its operator; the resumed stage 1 adds the rest). */
        memcpy(run->workers[0].stat, run->ck.stat, (2 * (size_t)pl->nops + 1) * sizeof *run->ck.stat);
        for (int i = 0; i < pl->nsites; i++) {
            run->workers[0].dropped[i] = run->ck.dropped[i];
            run->workers[0].retried[i] = run->ck.retried[i];
        }
    }
    if (pl->shape == FP_SHAPE_KEYED) {
        run->ntabs = pl->merge == FP_MERGE_PER_THREAD ? (size_t)run->nw : run->nparts;
        run->tg.tabs = xcalloc(run->ntabs ? run->ntabs : 1, sizeof *run->tg.tabs);
        /* A thread's table sees most keys: start it at 64Ki slots (2 MiB,
         * untouched pages cost nothing) instead of doubling up from small.
         * A partition's table sees a partition's keys: start small. */
        if (pl->merge == FP_MERGE_PER_THREAD) {
            for (size_t i = 0; i < run->ntabs; i++) {
                run->tg.tabs[i] = fp_ktab_new_sized(pl->acc_size, 16);
                run->tg.tabs[i]->hot = run->workers[i].hot;   /* --stats: hot keys */
            }
        } else {
            run->tg.folded = fp_ktab_new_sized(pl->acc_size, 16);
            run->tg.fdone = xcalloc(run->nparts ? run->nparts : 1, sizeof *run->tg.fdone);
            /* MPI: only the first block may be folded before the shuffle
             * (a fold is a left fold over all partitions). */
            run->tg.next_fold = run->part_lo == 0 ? 0 : run->nparts;
#ifdef _OPENMP
            pthread_mutex_init(&run->tg.fold_mu, NULL);
            pthread_cond_init(&run->tg.fold_cv, NULL);
#endif
        }
    } else if (pl->shape == FP_SHAPE_GLOBAL) {
        if (run->nparts && pl->acc_size > SIZE_MAX / run->nparts)
            fp_oom();
        run->tg.accs = xcalloc(run->nparts ? run->nparts : 1, pl->acc_size);
        for (size_t k = 0; k < run->nparts; k++)
            pl->acc_init(run->tg.accs + k * pl->acc_size);
    } else {
        run->bufs = xcalloc(run->nparts, sizeof *run->bufs);
        run->done = xcalloc(run->nparts, sizeof *run->done);
        run->next_flush = run->part_lo;
    }

}

/* Stage 1 over every partition of this process, then what follows it:
 * the element-wise checkpoint, the --stats table bytes and hot keys, and
 * under MPI the gathers to rank 0. */
static void stage1(fp_run *run)
{
    const fp_pipeline *pl = run->pl;
    phase(run, "open and partition");
    /* The progress line: on a terminal, or when forced. */
    bool tty = isatty(2);
    if (run->progress_opt < 0 ? tty : run->progress_opt) {
        uint64_t total = 0;
        for (size_t k = 0; k < run->nparts; k++)
            total += (uint64_t)(run->parts[k].end - run->parts[k].begin);
        run->progress = fp_progress_new(total, tty);
    }
    double t1 = now();
    if (!run->resumed_combine)
        run_stage1(run, run->workers, &run->tg);
    run->t_stage1 = now() - t1;
    if (run->ckbufs && !run->fail_msg) {
        /* materialize on an element-wise operator: committed once stage 1
         * is done with no failure (fail_fast anywhere leaves none). */
        ckpt_commit_elems(run, run->workers, run->nw, &run->ck);
        phase(run, "checkpoint");
    }
    /* --stats: the slots of the tables holding the keys after stage 1. */
    for (size_t i = 0; i < run->ntabs && run->tg.tabs && !run->resumed_combine; i++)
        if (run->tg.tabs[i])
            run->table_bytes += (uint64_t)(run->tg.tabs[i]->mask + 1) * run->tg.tabs[i]->stride;
    if (run->tg.folded && !run->resumed_combine)
        run->table_bytes += (uint64_t)(run->tg.folded->mask + 1) * run->tg.folded->stride;
    fp_progress_end(run->progress);
    run->progress = NULL;
    if (run->workers[0].hot) {
        /* --stats: the sketches stop here (the merges below do not feed
         * them) and become worker 0's. */
        for (size_t i = 0; i < run->ntabs && run->tg.tabs; i++)
            if (run->tg.tabs[i])
                run->tg.tabs[i]->hot = NULL;
        for (int t = 1; t < run->nw; t++)
            fp_hot_merge(run->workers[0].hot, run->workers[t].hot);
    }
    phase(run, "stage 1");
    if (fp_dist_on() && !run->resumed_combine) {
        /* MPI: agree on the first failure; element-wise rows and global
         * accumulators go to rank 0 (keyed tables are shuffled below). */
        fp_dist_fail(&run->fail_part, &run->fail_msg);
        if (pl->shape == FP_SHAPE_ELEMENTWISE) {
            if (!run->fail_msg)
                write_header(run);   /* rank 0: before the other ranks' rows */
            fp_dist_rows(run->sink, run->fail_part, &run->write_failed);
        }
        else if (pl->shape == FP_SHAPE_GLOBAL && !run->fail_msg)
            fp_dist_global(run->tg.accs, pl->acc_size, run->nparts);
        if (run->errs && !run->fail_msg)
            fp_dist_errors(run->errs);   /* on_error collect: the others' lines to rank 0 */
        phase(run, "MPI gather");
    }

}

/* The merge and the later stages on worker 0: keyed tables sorted and
 * merged in key order (or shuffled under MPI) into stage 2, a global
 * accumulator into stage 2, tops into stage 3; the rows written. */
static void later_stages(fp_run *run)
{
    const fp_pipeline *pl = run->pl;
    /* Stage 2 runs on worker 0, writing into one buffer flushed as it fills. */
    fp_worker *w0 = &run->workers[0];
    fp_buf out = {0};
    w0->out = &out;
    w0->part = NULL;
    w0->pos = NULL;
    w0->errs = run->errs ? fp_errsink_tail(run->errs) : NULL;
    if (run->fail_msg) {
        /* nothing more to compute */
    } else if (pl->shape == FP_SHAPE_KEYED && run->resumed_combine) {
        if (fp_dist_rank() == 0)
            stage2_from_payload(run, w0, run->ck.payload, run->ck.payload_n, &out);
    } else if (pl->shape == FP_SHAPE_KEYED) {
        /* Every partial table sorted (in parallel), then one k-way merge that
         * folds equal keys in table order and hands each key to stage 2. */
        /* Partition order: everything is folded into one table by now. */
        fp_ktab **tabs = run->tg.folded ? &run->tg.folded : run->tg.tabs;
        size_t nt = run->tg.folded ? 1 : run->ntabs;
        fp_kentry **runs;
        size_t *ns;
        if (fp_dist_on()) {
            /* MPI: the first block's folded table, then the unfolded ones
             * in partition order (or the per-thread tables): shuffled by
             * key, and the owners' sorted runs gathered to rank 0. */
            fp_ktab **mine = xcalloc(run->ntabs + 1, sizeof *mine);
            size_t nm = 0;
            if (run->tg.folded)
                mine[nm++] = run->tg.folded;
            for (size_t i = 0; i < run->ntabs; i++)
                if (run->tg.tabs[i])
                    mine[nm++] = run->tg.tabs[i];
            fp_dist_keyed(pl, mine, nm, &runs, &ns, &nt);
            free(mine);
            phase(run, "MPI shuffle and gather");
        } else {
            runs = xcalloc(nt, sizeof *runs);
            ns = xcalloc(nt, sizeof *ns);
            sort_tables(run, tabs, nt, runs, ns);
            phase(run, "sort partial tables");
        }
        if (run->ck_on && !pl->resume1) {
            /* materialize: the merged keys into the checkpoint, then stage
             * 2 over them, as a resumed run does. */
            fp_buf payload = {0};
            ckpt_fill fill = {&payload, pl, 0, NULL, 0};
            if (nt)
                fp_kruns_merge(runs, ns, nt, pl->acc_size, pl->acc_merge, pl, ckpt_add_key,
                               &fill);
            free(fill.wire);
            ckpt_commit(run, run->workers, run->nw, &run->ck, &payload, 1, fill.records);
            run->drops_summed = true;
            phase(run, "checkpoint");
            stage2_from_payload(run, w0, payload.p, payload.n, &out);
            fp_buf_free(&payload);
        } else if (nt) {
            merge_keyed(run, run->workers, runs, ns, nt, &out);
        }
        for (size_t i = 0; i < nt; i++)
            fp_big_free(runs[i], ns[i] * sizeof(fp_kentry));
        free(runs);
        free(ns);
        fp_dist_keyed_done();
    } else if (pl->shape == FP_SHAPE_GLOBAL) {
        void *acc = xcalloc(1, pl->acc_size);
        if (run->resumed_combine) {
            memcpy(acc, run->ck.payload, run->ck.payload_n < pl->acc_size ? run->ck.payload_n : pl->acc_size);
        } else if (fp_dist_rank() == 0) {
            pl->acc_init(acc);
            for (size_t k = 0; k < run->nparts; k++)
                pl->acc_merge(acc, run->tg.accs + k * pl->acc_size);
        }
        if (run->ck_on && !run->resumed && !pl->resume1) {   /* materialize: the combined value */
            fp_buf payload = {acc, pl->acc_size, pl->acc_size};
            ckpt_commit(run, run->workers, run->nw, &run->ck, &payload, 1, 1);
            run->drops_summed = true;
        }
        if (fp_dist_rank() == 0)
            pl->stage2_global(w0, acc);
        free(acc);
    }
    if (pl->top_n && !run->fail_msg && fp_dist_rank() == 0) {
        /* Every worker's top into worker 0's, then stage 3 in top order. */
        for (int t = 1; t < run->nw; t++) {
            char *items;
            size_t n = fp_top_sorted(run->workers[t].top, &items);
            for (size_t i = 0; i < n; i++)
                fp_top_push(w0->top, items + i * pl->top_size);
        }
        char *items;
        size_t n = fp_top_sorted(w0->top, &items);
        w0->out = &out;   /* a parallel merge pointed it at its range's buffer */
        w0->part = NULL;
        w0->pos = NULL;
        w0->order = 0;
        w0->failed = 0;
        for (size_t i = 0; i < n && !w0->failed; i++) {
            pl->stage3(w0, items + i * pl->top_size);
            if (out.n >= FLUSH_AT)
                write_out(run, &out);
        }
    }
    write_out(run, &out);
    fp_buf_free(&out);
    phase(run, "merge, stage 2, write");

}

/* Nothing is lost without a count: what retry, on_error drop and collect
 * did, per operator, on stderr. */
static void report_counts(const fp_run *run)
{
    const fp_pipeline *pl = run->pl;
    /* Nothing is lost without a count: what on_error drop skipped. */
    if (!run->drops_summed)
        fp_dist_drops(run->workers, run->nw, pl->nsites);   /* MPI: summed over ranks */
    for (int i = 0; i < pl->nsites && !run->fail_msg; i++) {
        uint64_t n = 0;
        for (int t = 0; t < run->nw; t++)
            n += run->workers[t].retried[i];
        uint64_t waited = 0;   /* backoff_ms: the time waited, over the threads */
        for (int t = 0; t < run->nw; t++)
            waited += run->workers[t].backoff_ns[i];
        if (n && !waited)
            fprintf(stderr, "%s: operator '%s' (%s:%d:%d) retried %llu time%s (retry)\n",
                    run->prog, pl->sites[i]->op, pl->sites[i]->file, pl->sites[i]->line,
                    pl->sites[i]->col, (unsigned long long)n, n == 1 ? "" : "s");
        else if (n)
            fprintf(stderr, "%s: operator '%s' (%s:%d:%d) retried %llu time%s after %.3f s of "
                            "backoff (retry)\n",
                    run->prog, pl->sites[i]->op, pl->sites[i]->file, pl->sites[i]->line,
                    pl->sites[i]->col, (unsigned long long)n, n == 1 ? "" : "s", waited / 1e9);
        n = 0;
        for (int t = 0; t < run->nw; t++)
            n += run->workers[t].dropped[i];
        if (n)
            fprintf(stderr, "%s: operator '%s' (%s:%d:%d) dropped %llu element%s (on_error drop)\n",
                    run->prog, pl->sites[i]->op, pl->sites[i]->file, pl->sites[i]->line,
                    pl->sites[i]->col, (unsigned long long)n, n == 1 ? "" : "s");
        n = 0;
        for (int t = 0; t < run->nw; t++)
            n += run->workers[t].collected[i];
        if (n)
            fprintf(stderr, "%s: operator '%s' (%s:%d:%d) collected %llu element%s into '%s' "
                            "(on_error collect)\n",
                    run->prog, pl->sites[i]->op, pl->sites[i]->file, pl->sites[i]->line,
                    pl->sites[i]->col, (unsigned long long)n, n == 1 ? "" : "s", run->errors_path);
    }
}

/* The error file, then the output, renamed into place; or both removed
 * when the run failed.  Returns the exit code. */
static int commit(fp_run *run)
{
    int rc = FP_EXIT_OK;
    char err[1024];
    if (!run->fail_msg)
        write_header(run);   /* an output without rows */
    if (run->fail_msg) {
        fprintf(stderr, "%s: %s", run->prog, run->fail_msg);
        fp_sink_abort(run->sink);
        fp_errsink_abort(run->errs);
        rc = FP_EXIT_ELEMENT;
    } else if (run->write_failed) {
        fprintf(stderr, "%s: error: cannot write output '%s': %s\n", run->prog,
                run->dest ? run->dest : "<stdout>", strerror(run->write_failed));
        fp_sink_abort(run->sink);
        fp_errsink_abort(run->errs);
        rc = FP_EXIT_INPUT;
    } else if (run->errs && fp_errsink_commit(run->errs, err, sizeof err) != 0) {
        /* The error file first: an output without its errors is not
         * complete. */
        fprintf(stderr, "%s: error: %s\n", run->prog, err);
        fp_sink_abort(run->sink);
        rc = FP_EXIT_INPUT;
    } else if (fp_sink_commit(run->sink, err, sizeof err) != 0) {
        fprintf(stderr, "%s: error: %s\n", run->prog, err);
        rc = FP_EXIT_INPUT;
    }
    run->sink = NULL;   /* committed or aborted, either way freed */
    run->errs = NULL;
    phase(run, "commit (fsync, rename)");
    return rc;
}


/* The statistics report, a table or JSON, into a string (malloc'd; *len
 * its length). */
static char *stats_text(const fp_run *run, bool json, double total_s, size_t *len)
{
    const fp_pipeline *pl = run->pl;
    char *p = NULL;
    FILE *m = open_memstream(&p, len);
    if (!m)
        fp_oom();
    fp_stats_report(m, pl, run->workers, run->nw, run->threads, json, run->t_stage1, total_s,
                    run->table_bytes, run->keys, run->key_bytes);
    if (fclose(m) != 0)
        fp_oom();
    return p;
}

/* --stats and --stats-file: the report (on rank 0, when the run
 * succeeded).  On stderr in one write, so that no other message can land
 * inside it; to the stats file as JSON and nothing else, committed
 * atomically (a temporary renamed into place).  An unwritable stats file
 * makes the run's exit code 3 (its output is committed already). */
static int report_stats(fp_run *run, int rc)
{
    const fp_pipeline *pl = run->pl;
    if (wants_stats(run))
        fp_dist_stats(pl, run->workers, run->nw, run->t_stage1);   /* MPI: on every rank, whatever rc */
    if (wants_stats(run) && rc == FP_EXIT_OK && fp_dist_rank() == 0) {
        fp_stats_resumed(run->resumed ? pl->checkpoint_op + (pl->resume1 != NULL) : 0,
                         run->resumed ? run->ck.path : NULL);
        double total_s = now() - run->t_start;
        size_t n;
        if (run->stats) {
            char *t = stats_text(run, run->stats == 2, total_s, &n);
            fflush(stderr);
            if (fp_write_all(2, t, n) != 0) {
                /* stderr is gone: nobody to tell */
            }
            free(t);
        }
        if (run->stats_sink) {
            char err[1024];
            char *t = stats_text(run, true, total_s, &n);
            int w = fp_sink_write(run->stats_sink, t, n);
            free(t);
            if (w != 0) {
                fprintf(stderr, "%s: error: cannot write the statistics to '%s': %s\n", run->prog,
                        run->stats_file, strerror(errno));
                rc = FP_EXIT_INPUT;
            } else {
                fp_sink *st = run->stats_sink;
                run->stats_sink = NULL;   /* committed or not, freed by the commit */
                if (fp_sink_commit(st, err, sizeof err) != 0) {
                    fprintf(stderr, "%s: error: %s\n", run->prog, err);
                    rc = FP_EXIT_INPUT;
                }
            }
        }
        fp_stats_resumed(0, NULL);
    }
    return rc;
}

/* Releases everything the run owns, in whichever phase it stopped: an
 * output or error file not committed is aborted (its temporary removed),
 * and the operators' settings are put back as the .fpipe has them. */
static void run_free(fp_run *run)
{
    fp_errsink_abort(run->errs);
    if (run->sink)
        fp_sink_abort(run->sink);
    if (run->stats_sink)
        fp_sink_abort(run->stats_sink);

    for (size_t i = 0; i < run->ntabs; i++)
        fp_ktab_free(run->tg.tabs[i]);   /* NULL once folded */
    free(run->tg.tabs);
#ifdef _OPENMP
    if (run->tg.folded) {
        pthread_mutex_destroy(&run->tg.fold_mu);
        pthread_cond_destroy(&run->tg.fold_cv);
    }
#endif
    fp_ktab_free(run->tg.folded);
    free(run->tg.fdone);
    free(run->tg.accs);
    if (run->ckbufs) {
        for (size_t k = 0; k < run->nparts; k++)
            fp_buf_free(&run->ckbufs[k]);
        free(run->ckbufs);
    }
    if (run->bufs) {
        for (size_t k = 0; k < run->nparts; k++)
            fp_buf_free(&run->bufs[k]);
        free(run->bufs);
        free(run->done);
    }
    for (int t = 0; t < run->nw; t++) {
        fp_arena_free(run->workers[t].arena);
        free(run->workers[t].dropped);
        free(run->workers[t].retried);
        free(run->workers[t].backoff_ns);
        free(run->workers[t].collected);
        free(run->workers[t].stat);
        free(run->workers[t].optime);
        fp_top_free(run->workers[t].top);
        free(run->workers[t].hot);
        free(run->workers[t].batch_msg);
        free(run->workers[t].wbuf[0]);
        free(run->workers[t].wbuf[1]);
    }
    free(run->workers);
    free(run->fail_msg);
    free(run->parts);
    fp_inputs_close(run->in, run->nin);
    fp_ckpt_free(&run->ck);
    fp_config_free(&run->cfg);
    free(run->paths);
    free(run->param_args);
    for (int i = 0; i < run->nexpanded; i++)
        free(run->expanded[i]);
    free(run->expanded);
    free(run->errors_own);
    restore_opcfgs(run);

}

/* The generated program's main: the phases in order, inside the guard that
 * removes the temporaries on SIGTERM, SIGINT, SIGHUP and a library's
 * exit. */
int fp_main(const fp_pipeline *pl, int argc, char **argv)
{
    fp_run run;
    run_init(&run, pl, argv[0]);
    fp_run_guard_begin(run.prog);
    fp_key_seed_init();   /* the keyed tables' hash seed (ktab.c) */
    int rc = parse_options(&run, argc, argv);
    if (rc == RUN_ON)
        rc = settle_options(&run);
    if (rc == RUN_ON)
        rc = plan_checkpoint(&run);
    if (rc == RUN_ON)
        rc = open_and_partition(&run);
    if (rc == RUN_ON)
        rc = open_outputs(&run);
    if (rc == RUN_ON) {
        make_workers(&run);
        stage1(&run);
        later_stages(&run);
        report_counts(&run);
        rc = commit(&run);
        rc = report_stats(&run, rc);
    }
    run_free(&run);
    fp_run_guard_end();
    return rc;
}
