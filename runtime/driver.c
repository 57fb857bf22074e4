/* driver.c — the generated executable's main loop: command line, inputs,
 * partitions, sequential and OpenMP execution, merging, and the sink.
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
#include "libfpipe.h"
#include "dist.h"   /* distributed-mode hooks: no-ops without FP_MPI */

#include <errno.h>
#include <fcntl.h>
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
#endif
#ifdef FP_MPI
#define fp_main fp_main_local   /* mpi.c's fp_main wraps it */
#endif

fp_top *fp_top_new(const fp_pipeline *pl);
void fp_top_free(fp_top *t);
size_t fp_top_sorted(fp_top *t, char **items);
void fp_sink_remove_live(void);

#define DEFAULT_PART_SIZE ((size_t)4 << 20)
/* materialize: where checkpoints go without --checkpoint-dir. */
#define DEFAULT_CKPT_DIR ".fpipe-checkpoints"
#define FLUSH_AT ((size_t)1 << 20)
/* A CSV input is read whole before stage 1 (the quote count that places
 * the cuts).  Up to this size it is mapped pre-faulted (MAP_POPULATE) and
 * kept whole, as before inputs streamed: one fault pass, not two (the
 * second costs 5 to 10% of a group-by on this VM).  Larger ones are
 * counted 4 MiB at a time and given back, then stream, so memory stays
 * bounded. */
#define CSV_RESIDENT_MAX ((size_t)256 << 20)

typedef struct fp_input {
    const char *path;   /* as given; "-" is standard input */
    char *data;         /* mapped or read bytes, then FP_PAD zero bytes */
    size_t len;
    size_t maplen;      /* bytes mapped (file and zero tail), if mapped */
    bool mapped;
    bool resident;      /* mapped pre-faulted and kept whole (CSV_RESIDENT_MAX) */
    fp_csv_cols csv;    /* CSV sources: the header's columns */
} fp_input;

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
} fp_run;

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        fp_oom();
    return p;
}

/* ---- partitions ---------------------------------------------------- */

static size_t partition_text(const char *data, size_t len, size_t part_size, int file,
                             size_t first_index, bool mapped, fp_part **out)
{
    size_t cap = 16, n = 0;
    fp_part *v = xcalloc(cap, sizeof *v);
    if (part_size == 0)
        part_size = 1;
    size_t start = 0;
    while (start < len) {
        size_t end = len;
        if (len - start > part_size) {
            /* End after the first newline at or past start+part_size-1. */
            const char *nl = memchr(data + start + part_size - 1, '\n',
                                    len - (start + part_size - 1));
            end = nl ? (size_t)(nl - data) + 1 : len;
            if (mapped)
                fp_release_cut(data, len, data + start + part_size - 1, data + end);
        }
        if (n == cap) {
            cap *= 2;
            fp_part *nv = realloc(v, cap * sizeof *v);
            if (!nv)
                fp_oom();
            v = nv;
        }
        v[n] = (fp_part){.begin = data + start, .end = data + end, .file = file,
                         .index = first_index + n};   /* .csv NULL: a text input */
        n++;
        start = end;
    }
    *out = v;
    return n;
}

size_t fp_partition(const char *data, size_t len, size_t part_size, int file,
                    size_t first_index, fp_part **out)
{
    return partition_text(data, len, part_size, file, first_index, false, out);
}

size_t fp_partition_mapped(const char *data, size_t len, size_t part_size, int file,
                           size_t first_index, fp_part **out)
{
    return partition_text(data, len, part_size, file, first_index, true, out);
}

/* ---- inputs -------------------------------------------------------- */

/* Read a whole stream (stdin, a FIFO) into memory. */
static int read_all(int fd, fp_input *in)
{
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap + FP_PAD);
    if (!p)
        fp_oom();
    for (;;) {
        if (n == cap)
            p = fp_grow_padded(p, &cap);
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(p);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    memset(p + n, 0, FP_PAD);   /* the padding contract */
    in->data = p;
    in->len = n;
    in->mapped = false;
    return 0;
}

/* gzip data (inputs.c): the decompressed bytes replace the input's. */
static int maybe_gunzip(fp_run *run, fp_input *in)
{
    if (!fp_is_gzip(in->data, in->len))
        return 0;
    char *p, err[256];
    size_t n;
    if (fp_gunzip(in->data, in->len, &p, &n, err, sizeof err) != 0) {
        fprintf(stderr, "%s: error: cannot read input '%s': %s\n", run->prog, in->path, err);
        return -1;
    }
    if (in->mapped)
        munmap(in->data, in->maplen);
    else
        free(in->data);
    in->data = p;
    in->len = n;
    in->mapped = false;
    return 0;
}

/* Every pipeline streams: once a partition is done nothing refers to its
 * bytes (rows are formatted, keyed tables copy keys over 16 bytes, a top
 * copies the strings of the elements it keeps, error messages are
 * formatted when they happen), so its pages are given back, and memory
 * stays bounded by the partitions in flight, not by the input.  A page
 * touched again (a line number counted for an error message) is read
 * again from the file: MAP_PRIVATE, never written. */
static void release_pages(const fp_run *run, const fp_part *part)
{
    if (run->resume_elems)
        return;   /* a checkpoint's partition: no input pages */
    const fp_input *in = &run->in[part->file];
    if (!in->mapped || in->resident)
        return;   /* a read buffer: its bytes are the only copy */
    fp_release_range(part->begin, part->end);   /* re-read from the file if touched */
}

/* Fault a partition's pages in as it starts, in one call: page by page,
 * first touches cost a fault each (a few microseconds in a virtual
 * machine).  Instead of mapping the whole input with MAP_POPULATE, which
 * would make it all resident at once. */
static void populate_pages(const fp_run *run, const fp_part *part)
{
    if (run->resume_elems)
        return;   /* a checkpoint's partition: no input pages */
    const fp_input *in = &run->in[part->file];
    if (!in->mapped || in->resident || part->end <= part->begin)
        return;
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t b = (uintptr_t)part->begin / pg * pg, e = (uintptr_t)part->end;
#ifdef MADV_POPULATE_READ
    if (madvise((void *)b, e - b, MADV_POPULATE_READ) == 0)
        return;
#endif
    madvise((void *)b, e - b, MADV_WILLNEED);   /* older kernels: read ahead at least */
}

/* Give back the pages of every mapped input, before stage 1. */
static void release_inputs(const fp_run *run)
{
    for (int i = 0; i < run->nin; i++)
        if (run->in[i].mapped && !run->in[i].resident && run->in[i].len)
            madvise(run->in[i].data, run->in[i].len, MADV_DONTNEED);
}

static int open_input(fp_run *run, fp_input *in)
{
    if (strcmp(in->path, "-") == 0) {
        if (read_all(0, in) != 0) {
            fprintf(stderr, "%s: error: cannot read standard input: %s\n", run->prog,
                    strerror(errno));
            return -1;
        }
        return maybe_gunzip(run, in);
    }
    int fd = open(in->path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "%s: error: cannot open input '%s': %s\n", run->prog, in->path,
                strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "%s: error: cannot stat input '%s': %s\n", run->prog, in->path,
                strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: error: input '%s' is a directory\n", run->prog, in->path);
        close(fd);
        return -1;
    }
    int rc = 0;
    /* A regular file of size 0 may still have bytes (/proc, /sys files
     * report 0): read those to the end instead of mapping nothing. */
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        /* Reserve the file's pages plus one zero page, then map the file
         * over the start: the bytes after the end read as zeros (the
         * padding contract), however the size falls on a page. */
        size_t pg = (size_t)sysconf(_SC_PAGESIZE);
        in->len = (size_t)st.st_size;
        in->mapped = true;
        in->maplen = (in->len + pg - 1) / pg * pg + pg;
        void *res = mmap(NULL, in->maplen, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (res == MAP_FAILED) {
            fprintf(stderr, "%s: error: cannot map input '%s': %s\n", run->prog, in->path,
                    strerror(errno));
            rc = -1;
        } else {
            in->data = res;
            if (in->len > 0) {
                /* Not MAP_POPULATE: each partition is faulted in as it
                 * starts (populate_pages) and given back when it is done;
                 * but a CSV input up to CSV_RESIDENT_MAX (one process). */
                in->resident = run->pl->source == FP_SOURCE_CSV && in->len <= CSV_RESIDENT_MAX &&
                               !fp_dist_on();
                void *m = mmap(res, in->len, PROT_READ,
                               MAP_PRIVATE | MAP_FIXED | (in->resident ? MAP_POPULATE : 0), fd, 0);
                if (m == MAP_FAILED) {
                    fprintf(stderr, "%s: error: cannot map input '%s': %s\n", run->prog,
                            in->path, strerror(errno));
                    rc = -1;
                } else {
                    madvise(m, in->len, MADV_SEQUENTIAL);
                }
            }
        }
    } else if (read_all(fd, in) != 0) {
        fprintf(stderr, "%s: error: cannot read input '%s': %s\n", run->prog, in->path,
                strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc == 0 ? maybe_gunzip(run, in) : rc;
}

/* An input file that shrinks after it was mapped (truncated by another
 * process) leaves pages that raise SIGBUS when read.  That is an input
 * error: say which input, remove the output's temporary file (the old
 * output stays) and exit 3, from the signal handler, with only
 * async-signal-safe calls.  A SIGBUS anywhere else is not ours: the
 * default action runs. */
static fp_run *volatile bus_run;

static void say(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fp_run *run = bus_run;
    const char *addr = si ? (const char *)si->si_addr : NULL;
    for (int i = 0; run && addr && i < run->nin; i++) {
        const fp_input *in = &run->in[i];
        if (in->mapped && in->data && addr >= in->data && addr < in->data + in->maplen) {
            say(run->prog);
            say(": error: input '");
            say(in->path);
            say("' changed while it was read (the file shrank)\n");
            fp_sink_remove_live();
            _exit(FP_EXIT_INPUT);
        }
    }
    signal(sig, SIG_DFL);   /* return: the fault repeats, now fatal */
}

static void catch_sigbus(fp_run *run)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    bus_run = run;
    sigaction(SIGBUS, &sa, NULL);
}

static void close_inputs(fp_run *run)
{
    bus_run = NULL;
    for (int i = 0; i < run->nin; i++) {
        fp_input *in = &run->in[i];
        if (in->mapped && in->data)
            munmap(in->data, in->maplen);
        else if (!in->mapped)
            free(in->data);
        free(in->csv.map);
    }
    free(run->in);
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

void fp_fail_message(fp_worker *w, const char *msg)
{
    fp_site *site = fp_arena_alloc(w->arena, sizeof *site);
    *site = (fp_site){"(a C function)", w->run->pl->fpipe_file, 0, 0, -1};
    w->err_site = site;
    w->err_msg = msg;
    fp_fail(w);
}

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

typedef struct stage1_targets {
    fp_ktab **tabs;   /* per thread, or per partition (made when it starts) */
    char *accs;       /* per partition, for a global combine */
    /* Partition order: each partition's table is folded into `folded` as
     * soon as all earlier ones are, and freed, so memory stays bounded by
     * the partitions in flight, not by the input. */
    fp_ktab *folded;
    bool *fdone;
    size_t next_fold;
} stage1_targets;

static double now(void);   /* seconds on the monotonic clock */

static void write_out(fp_run *run, fp_buf *b)
{
    if (fp_dist_capture(b->p, b->n)) {   /* MPI, rank > 0: rows go to rank 0 */
        b->n = 0;
        return;
    }
    if (b->n && !run->write_failed && fp_sink_write(run->sink, b->p, b->n) != 0)
        run->write_failed = errno ? errno : EIO;
    b->n = 0;
}

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
    if (k > fail_part(run))
        return;   /* an earlier partition failed: this one can't matter */
    w->part = &run->parts[k];
    w->pos = NULL;
    w->failed = 0;
    w->halted = 0;
    if (run->errs) {
        w->errs = fp_errsink_part(run->errs, k);
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
    populate_pages(run, w->part);
    double t_part = w->optime ? now() : 0;   /* --stats: operator times */
    if (run->resume_elems) {
        pl->resume1(w);   /* the operators after the checkpoint, over its elements */
        w->part = &run->parts[k];
    } else {
        pl->stage1(w);
    }
    if (w->optime)
        w->stage1_ns += (uint64_t)((now() - t_part) * 1e9);
    if ((run->stats || run->progress || run->count_lines) && pl->source == FP_SOURCE_TEXT &&
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
    release_pages(run, w->part);
    if (pl->shape == FP_SHAPE_KEYED && pl->merge == FP_MERGE_PARTITION_ORDER) {
#ifdef _OPENMP
#pragma omp critical(fp_fold)
#endif
        {
            tg->fdone[k] = true;
            while (tg->next_fold < run->nparts && tg->fdone[tg->next_fold] &&
                   tg->next_fold < fail_part(run)) {
                fp_ktab_fold(tg->folded, tg->tabs[tg->next_fold], pl->acc_merge);
                fp_ktab_free(tg->tabs[tg->next_fold]);
                tg->tabs[tg->next_fold] = NULL;
                tg->next_fold++;
            }
        }
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
} stage2_ctx;

static void emit_key(void *p, fp_str key, const void *acc)
{
    stage2_ctx *c = p;
    c->keys++;
    c->key_bytes += key.n + c->run->pl->acc_size;
    if (c->w->failed)
        return;
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
        stage2_ctx ctx = {run, &workers[0], out, true, 0, 0};
        fp_kruns_merge(runs, ns, k, pl->acc_size, pl->acc_merge, emit_key, &ctx);
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
            stage2_ctx ctx = {run, w, &bufs[j], false, 0, 0};
            fp_kruns_merge(sub, subn, k, pl->acc_size, pl->acc_merge, emit_key, &ctx);
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
 * length (u64), the accumulator (acc_size bytes, padded to 8), the key's
 * bytes (padded to 8) — so accumulators stay 8-aligned in the buffer. */
typedef struct ckpt_fill {
    fp_buf *payload;
    size_t acc_size;
    uint64_t records;
} ckpt_fill;

static const char ckpt_zeros[8];

static void ckpt_add_key(void *p, fp_str key, const void *acc)
{
    ckpt_fill *f = p;
    uint64_t n = key.n;
    size_t a8 = (f->acc_size + 7) & ~(size_t)7;
    fp_buf_put(f->payload, (const char *)&n, 8);
    fp_buf_put(f->payload, acc, f->acc_size);
    fp_buf_put(f->payload, ckpt_zeros, a8 - f->acc_size);
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
    size_t a8 = (run->pl->acc_size + 7) & ~(size_t)7;
    stage2_ctx ctx = {run, w, out, true, 0, 0};
    const char *end = p + n;
    while ((size_t)(end - p) >= 8 + a8) {
        uint64_t kn;
        memcpy(&kn, p, 8);
        const char *key = p + 8 + a8;
        if (kn > (uint64_t)(end - key))
            break;
        emit_key(&ctx, fp_str_lit(key, (size_t)kn), p + 8);
        p = key + ((kn + 7) & ~(uint64_t)7);
    }
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
    static fp_csv_cols no_cols;   /* a CSV source's record ends as a CSV record does */
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
    for (size_t k = 0; k < run->nparts; k++, p += 24) {
        uint64_t v[3];
        memcpy(v, p, 24);
        if (v[0] >= (uint64_t)npaths || v[2] > (uint64_t)(end - data))
            return -1;
        run->parts[k] = (fp_part){.begin = data, .end = data + v[2], .file = (int)v[0],
                                  .index = (size_t)v[1],
                                  .csv = run->pl->source == FP_SOURCE_CSV ? &no_cols : NULL};
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

static void phase(const char *name, double *t)
{
    static int on = -1;
    if (on < 0) {
        const char *e = getenv("FPIPE_TIMES");
        on = e && *e && strcmp(e, "0") != 0;
    }
    double n = now();
    if (on)
        fprintf(stderr, "fpipe: %-22s %8.1f ms\n", name, (n - *t) * 1e3);
    *t = n;
}

/* ---- command line -------------------------------------------------- */

static void usage(const fp_pipeline *pl, const char *prog, FILE *f)
{
    fprintf(f,
            "usage: %s [options] INPUT... \n"
            "Runs the fpipe pipeline '%s' (compiled from %s) over the INPUT files\n"
            "('-' is standard input).\n"
            "\n"
            "options:\n"
            "  -o, --output PATH      write the sink's rows to PATH (atomically:\n"
            "                         a temporary file renamed into place)\n"
            "  --threads N            worker threads; 1 runs sequentially\n"
            "                         (default: all cores)\n"
            "  --partition-size BYTES input partition size (default 4194304);\n"
            "                         results do not depend on the thread count\n"
            "  --errors PATH          on_error collect: the error file (JSON lines;\n"
            "                         default: the .fpipe's, else OUTPUT.errors.jsonl)\n"
            "  --stats[=json]         print what every operator did on stderr: in, out,\n"
            "                         filtered, dropped, collected (a table, or JSON)\n"
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
            "  -h, --help             this help\n"
            "\n"
            "exit codes: 0 success, 2 usage, 3 input or output error,\n"
            "            4 an element failed (on_error fail_fast), 5 internal error\n",
            prog, pl->name, pl->fpipe_file);
}

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

static const char *prog_name(const char *argv0)
{
    const char *s = strrchr(argv0, '/');
    return s ? s + 1 : argv0;
}

/* ---- the whole run ------------------------------------------------- */

/* The operators' run settings as the .fpipe has them: saved at the first
 * run, put back at every later one (fp_main may run again in one process:
 * tests, fuzzing), so that one run's --config does not leak into the next. */
static void reset_opcfgs(const fp_pipeline *pl)
{
    static const fp_pipeline *saved_pl;
    static fp_opcfg *saved;
    if (saved_pl != pl) {
        free(saved);
        saved = xcalloc((size_t)pl->nops + 1, sizeof *saved);
        for (int i = 0; i < pl->nops; i++)
            if (pl->ops[i].cfg)
                saved[i] = *pl->ops[i].cfg;
        saved_pl = pl;
        return;
    }
    for (int i = 0; i < pl->nops; i++)
        if (pl->ops[i].cfg)
            *pl->ops[i].cfg = saved[i];
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

int fp_main(const fp_pipeline *pl, int argc, char **argv)
{
    fp_run run = {.pl = pl, .prog = prog_name(argv[0]), .fail_part = SIZE_MAX};
    bool explain = false;
    fp_key_seed_init();   /* the keyed tables' hash seed (ktab.c) */
    reset_opcfgs(pl);
    const char *out_path = NULL;
    const char *errors_path = NULL;
    const char *config_path = NULL;
    const char *ckpt_dir = NULL;   /* --checkpoint-dir */
    bool resume = false;           /* --resume */
    int progress = -1;   /* --progress 1, --no-progress 0, -1: not given */
    size_t part_size = 0;   /* 0: not given */
    size_t threads = 0;
    const char **paths = xcalloc((size_t)argc, sizeof *paths);
    int npaths = 0;
    bool opts_done = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (opts_done || a[0] != '-' || strcmp(a, "-") == 0) {
            paths[npaths++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            opts_done = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(pl, run.prog, stdout);
            free(paths);
            return FP_EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            printf("%s (fpipe %s)\n", run.prog, FP_VERSION);
            free(paths);
            return FP_EXIT_OK;
        } else if (strcmp(a, "--stats") == 0 || strcmp(a, "--stats=table") == 0) {
            run.stats = 1;
        } else if (strcmp(a, "--stats=json") == 0) {
            run.stats = 2;
        } else if (strcmp(a, "--progress") == 0 || strcmp(a, "--no-progress") == 0) {
            progress = a[2] == 'p';
        } else if (strcmp(a, "--resume") == 0) {
            resume = true;
        } else if (strcmp(a, "--explain") == 0) {
            explain = true;   /* after --config: with the run's settings */
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ||
                   strcmp(a, "--threads") == 0 || strcmp(a, "--partition-size") == 0 ||
                   strcmp(a, "--errors") == 0 || strcmp(a, "--config") == 0 ||
                   strcmp(a, "--checkpoint-dir") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: error: option '%s' needs a value\n", run.prog, a);
                free(paths);
                return FP_EXIT_USAGE;
            }
            val = argv[++i];
            if (a[1] == 'o' || strcmp(a, "--output") == 0) {
                out_path = val;
            } else if (strcmp(a, "--errors") == 0) {
                errors_path = val;
            } else if (strcmp(a, "--config") == 0) {
                config_path = val;
            } else if (strcmp(a, "--checkpoint-dir") == 0) {
                ckpt_dir = val;
            } else if (strcmp(a, "--threads") == 0) {
                if (parse_size(val, &threads) != 0 || threads > 4096) {
                    fprintf(stderr, "%s: error: --threads wants a number from 1 to 4096, not '%s'\n",
                            run.prog, val);
                    free(paths);
                    return FP_EXIT_USAGE;
                }
            } else if (parse_size(val, &part_size) != 0) {
                fprintf(stderr, "%s: error: --partition-size wants a positive number of bytes, not '%s'\n",
                        run.prog, val);
                free(paths);
                return FP_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "%s: error: unknown option '%s' (see --help)\n", run.prog, a);
            free(paths);
            return FP_EXIT_USAGE;
        }
    }
    /* --config FILE: what the command line leaves unsaid.  Static: its
     * strings are the run's paths until fp_main returns. */
    static fp_config cfg;
    if (config_path) {
        char cerr[1024];
        if (fp_config_load(config_path, &cfg, cerr, sizeof cerr) != 0) {
            fprintf(stderr, "%s: %s\n", run.prog, cerr);
            free(paths);
            return FP_EXIT_USAGE;
        }
        if (!out_path)
            out_path = cfg.output;
        if (!errors_path)
            errors_path = cfg.errors;
        if (!ckpt_dir)
            ckpt_dir = cfg.checkpoint_dir;
        if (!threads)
            threads = cfg.threads;
        if (!part_size)
            part_size = cfg.partition_size;
        if (!run.stats && cfg.stats > 0)
            run.stats = cfg.stats;
        if (progress < 0)
            progress = cfg.progress;
        if (npaths == 0 && cfg.ninputs) {
            free(paths);
            paths = xcalloc((size_t)cfg.ninputs, sizeof *paths);
            for (int i = 0; i < cfg.ninputs; i++)
                paths[npaths++] = cfg.inputs[i];
        }
        /* operators: per-operator settings, into the program's tables */
        if (fp_config_ops(&cfg, pl, errors_path || pl->errors_path, cerr, sizeof cerr) != 0) {
            fprintf(stderr, "%s: %s\n", run.prog, cerr);
            free(paths);
            fp_config_free(&cfg);
            return FP_EXIT_USAGE;
        }
    }
    if (explain) {
        fputs(pl->plan, stdout);
        if (config_path) {   /* the settings this run would have */
            fp_buf b = {0};
            fp_config_explain(pl, &cfg, &b);
            fwrite(b.p, 1, b.n, stdout);
            fp_buf_free(&b);
        }
        free(paths);
        fp_config_free(&cfg);
        return FP_EXIT_OK;
    }
    bool collect = run_collects(pl);
    if (!part_size)
        part_size = DEFAULT_PART_SIZE;
    if (npaths == 0) {
        fprintf(stderr, "%s: error: no input files (see --help)\n", run.prog);
        free(paths);
        fp_config_free(&cfg);
        return FP_EXIT_USAGE;
    }
    /* Folders stand for the files under them, in sorted order.  Static:
     * the paths name the inputs until fp_main returns. */
    static char **expanded;
    static int nexpanded;
    {
        /* fp_main may run again in one process (tests, fuzzing): the
         * previous run's paths are no longer used. */
        for (int i = 0; i < nexpanded; i++)
            free(expanded[i]);
        free(expanded);
        expanded = NULL;
        nexpanded = 0;
        char xerr[1024];
        int xrc = fp_expand_inputs(paths, npaths, &expanded, &nexpanded, xerr, sizeof xerr);
        free(paths);
        if (xrc != 0) {
            fprintf(stderr, "%s: error: %s\n", run.prog, xerr);
            return FP_EXIT_INPUT;
        }
        paths = xcalloc((size_t)nexpanded, sizeof *paths);
        for (int i = 0; i < nexpanded; i++)
            paths[i] = expanded[i];
        npaths = nexpanded;
    }
#ifdef _OPENMP
    run.threads = threads ? (int)threads : pl->default_threads ? pl->default_threads
                                                               : omp_get_num_procs();
#else
    run.threads = 1;
    (void)threads;
#endif

    double t0 = now(), t_start = t0, t_stage1 = 0;
    char err[1024];
    if (pl->resume1 && fp_dist_on()) {
        /* An element-wise checkpoint would need every rank's partitions
         * gathered in order: not built (docs/running.md). */
        if (fp_dist_rank() == 0)
            fprintf(stderr, "%s: error: materialize '%s' is on an element-wise operator, and "
                    "its checkpoint is not supported under MPI with more than one rank: run "
                    "it with one process, or materialize a combine\n", run.prog,
                    pl->checkpoint->name);
        free(paths);
        fp_config_free(&cfg);
        return FP_EXIT_USAGE;
    }
    /* materialize: this run's checkpoint (its inputs' fingerprint), and
     * with --resume the one to start from.  Decided before the inputs are
     * opened: a resumed run does not read them. */
    fp_ckpt ck = {0};
    bool ck_on = false, resumed = false;
    if (pl->checkpoint) {
        char why[1024];
        const char *env = getenv("FPIPE_CHECKPOINT_DIR");
        if (!ckpt_dir)
            ckpt_dir = env && *env ? env : DEFAULT_CKPT_DIR;
        ck_on = fp_ckpt_init(&ck, pl, ckpt_dir, paths, npaths, part_size, why, sizeof why) == 0;
        if (!ck_on && fp_dist_rank() == 0)
            fprintf(stderr, "%s: warning: materialize '%s' writes no checkpoint: %s\n", run.prog,
                    pl->checkpoint->name, why);
        ck_on = !fp_dist_any(!ck_on, "find its inputs for the checkpoint");   /* MPI: all */
        if (ck_on && resume) {
            int lr = fp_ckpt_load(&ck, pl, why, sizeof why);
            if (lr == 0 && pl->resume1 && ckpt_parts(&run, &ck, npaths) != 0) {
                free(run.parts);
                run.parts = NULL;
                run.nparts = 0;
                snprintf(why, sizeof why, "corrupt (its partition table does not add up)");
                lr = 1;
            }
            resumed = !fp_dist_any(lr != 0, "read the checkpoint");
            if (!resumed && fp_dist_rank() == 0) {
                if (lr < 0)
                    fprintf(stderr, "%s: warning: no checkpoint '%s' to resume from (%s): "
                            "running from the start\n", run.prog, ck.path, why);
                else if (lr > 0)
                    fprintf(stderr, "%s: warning: checkpoint '%s' is %s: ignored, running "
                            "from the start\n", run.prog, ck.path, why);
            }
        }
    } else if (resume) {
        fprintf(stderr, "%s: warning: --resume: the pipeline materializes nothing, so there "
                "is no checkpoint: running from the start\n", run.prog);
    }
    run.count_lines = ck_on && !resumed;   /* the checkpoint keeps them for --stats */
    /* A combine's checkpoint skips stage 1; an element-wise one runs the
     * rest of stage 1 from it. */
    bool resumed_combine = resumed && !pl->resume1;
    run.resume_elems = resumed && pl->resume1;
    if (resumed && fp_dist_rank() == 0)
        fprintf(stderr, "%s: resuming from the checkpoint '%s' of '%s' (%s:%d:%d, %llu %s): "
                "the inputs are not read\n", run.prog, ck.path, pl->checkpoint->name,
                pl->fpipe_file, pl->checkpoint->line, pl->checkpoint->col,
                (unsigned long long)ck.records,
                pl->resume1 ? (ck.records == 1 ? "element" : "elements")
                : pl->shape == FP_SHAPE_KEYED ? (ck.records == 1 ? "key" : "keys") : "value");
    /* Inputs first: a missing input must not create or touch the output. */
    run.in = xcalloc((size_t)npaths, sizeof *run.in);
    run.nin = resumed ? 0 : npaths;
    catch_sigbus(&run);   /* opening reads the first bytes (gzip's magic) */
    int rc = FP_EXIT_OK;
    for (int i = 0; i < npaths; i++)
        run.in[i].path = paths[i];   /* (a resumed run's error messages name them) */
    for (int i = 0; i < run.nin; i++) {
        if (fp_dist_on() && strcmp(paths[i], "-") == 0) {
            fprintf(stderr, "%s: error: standard input cannot be read under MPI: give files\n",
                    run.prog);
            rc = FP_EXIT_USAGE;
        } else if (open_input(&run, &run.in[i]) != 0) {
            rc = FP_EXIT_INPUT;
        }
    }
    free(paths);
    if (fp_dist_any(rc != FP_EXIT_OK, "open an input")) {   /* MPI: on any rank */
        if (rc == FP_EXIT_OK)
            rc = FP_EXIT_INPUT;
        close_inputs(&run);
        fp_ckpt_free(&ck);
        return rc;
    }
    for (int i = 0; i < run.nin; i++) {
        fp_input *in = &run.in[i];
        fp_part *v;
        size_t n;
        if (pl->source == FP_SOURCE_CSV) {
            /* The header first: a missing column stops the run before
             * anything is read or written. */
            size_t body;
            if (fp_csv_header(in->data, in->len, pl->fields, pl->nfields, &in->csv, &body, err,
                              sizeof err) != 0) {
                fprintf(stderr, "%s: error: input '%s':%s\n", run.prog, in->path, err);
                close_inputs(&run);
                free(run.parts);
                fp_ckpt_free(&ck);
                return FP_EXIT_INPUT;
            }
            if (in->mapped && !in->resident)   /* gives back the pages it reads */
                n = fp_partition_csv_mapped(in->data, body, in->len, part_size, i, run.nparts,
                                            run.threads, &v);
            else
                n = fp_partition_csv(in->data, body, in->len, part_size, i, run.nparts,
                                     run.threads, &v);
            for (size_t k = 0; k < n; k++)
                v[k].csv = &in->csv;
        } else if (in->mapped) {   /* gives back the pages the cuts read */
            n = fp_partition_mapped(in->data, in->len, part_size, i, run.nparts, &v);
        } else {
            n = fp_partition(in->data, in->len, part_size, i, run.nparts, &v);
        }
        fp_part *all = realloc(run.parts, (run.nparts + n + 1) * sizeof *all);
        if (!all)
            fp_oom();
        memcpy(all + run.nparts, v, n * sizeof *v);
        free(v);
        run.parts = all;
        run.nparts += n;
    }
    /* MPI: this rank's block of partitions (a top over elements is not
     * shipped between ranks: rank 0 runs those pipelines alone). */
    fp_dist_parts(run.nparts, !(pl->top_n && pl->shape == FP_SHAPE_ELEMENTWISE), &run.part_lo,
                  &run.part_hi);
    fp_dist_prefault(run.parts, run.part_lo, run.part_hi);

    const char *dest = out_path;
    if (!dest && pl->target == FP_TARGET_PATH)
        dest = pl->path;
    if (pl->target == FP_TARGET_STDOUT)
        dest = NULL;
    /* on_error collect: --errors PATH, else the path the .fpipe names, else
     * the output file's path + ".errors.jsonl". */
    char *errors_own = NULL;
    if (collect) {
        if (!errors_path)
            errors_path = pl->errors_path;
        if (!errors_path && dest) {
            size_t n = strlen(dest);
            errors_own = xcalloc(1, n + sizeof ".errors.jsonl");
            memcpy(errors_own, dest, n);
            memcpy(errors_own + n, ".errors.jsonl", sizeof ".errors.jsonl");
            errors_path = errors_own;
        }
        if (!errors_path) {
            fprintf(stderr, "%s: error: on_error collect needs an error file: give --errors PATH "
                            "(or -o PATH, which collects into PATH.errors.jsonl)\n", run.prog);
            close_inputs(&run);
            free(run.parts);
            fp_ckpt_free(&ck);
            return FP_EXIT_USAGE;
        }
        if (dest && strcmp(errors_path, dest) == 0) {
            fprintf(stderr, "%s: error: the error file '%s' is the output file\n", run.prog,
                    errors_path);
            close_inputs(&run);
            free(run.parts);
            free(errors_own);
            fp_ckpt_free(&ck);
            return FP_EXIT_USAGE;
        }
    }
    run.sink = fp_sink_open(fp_dist_rank() == 0 ? dest : NULL, err, sizeof err);
    if (fp_dist_any(!run.sink, "open the output")) {
        if (run.sink)
            fp_sink_abort(run.sink);
        else
            fprintf(stderr, "%s: error: %s\n", run.prog, err);
        close_inputs(&run);
        free(run.parts);
        free(errors_own);
        fp_ckpt_free(&ck);
        return FP_EXIT_INPUT;
    }
    if (collect) {
        /* MPI: rank 0 writes the error file; the other ranks keep their
         * lines for it (fp_dist_errors). */
        run.errs = fp_dist_rank() == 0 ? fp_errsink_open(errors_path, run.nparts, err, sizeof err)
                                       : fp_errsink_open_capture(run.nparts);
        if (fp_dist_any(!run.errs, "open the error file")) {
            if (run.errs)
                fp_errsink_abort(run.errs);
            else
                fprintf(stderr, "%s: error: %s\n", run.prog, err);
            fp_sink_abort(run.sink);
            close_inputs(&run);
            free(run.parts);
            free(errors_own);
            fp_ckpt_free(&ck);
            return FP_EXIT_INPUT;
        }
        const char **bases = xcalloc((size_t)run.nin, sizeof *bases);
        for (int i = 0; i < run.nin; i++)
            bases[i] = run.in[i].data;
        /* MPI: each rank counts the lines of its own block only. */
        if (!run.resume_elems)   /* a resumed element's record has its line */
            fp_errors_lines_range(run.parts, run.nparts, bases, run.threads, run.part_lo,
                                  run.part_hi, fp_dist_on() ? fp_dist_sum_u64 : NULL);
        free(bases);
    }
    if (ck_on && !resumed && pl->resume1) {
        /* materialize on an element-wise operator: a payload per partition;
         * its elements' records need the partitions' first lines. */
        run.ckbufs = xcalloc(run.nparts, sizeof *run.ckbufs);
        if (pl->ckpt_records && !collect) {   /* else counted above */
            const char **bases = xcalloc((size_t)run.nin, sizeof *bases);
            for (int i = 0; i < run.nin; i++)
                bases[i] = run.in[i].data;
            fp_errors_lines(run.parts, run.nparts, bases, run.threads);
            free(bases);
        }
    }

    /* Finding the cuts touched a page at each (and the kernel maps a
     * large folio around each touch: about 0.5 MB a cut, 120 MB for a 1 GB
     * input); on_error collect's line counts read every page: give them
     * all back before stage 1 faults each partition in again (the CSV
     * quote pass gives its pages back as it goes). */
    release_inputs(&run);

    /* Workers and the targets of stage 1. */
    int nw = run.threads;
    fp_worker *workers = xcalloc((size_t)nw, sizeof *workers);
    for (int t = 0; t < nw; t++) {
        workers[t].run = &run;
        workers[t].thread = t;
        workers[t].arena = fp_arena_new();
        workers[t].dropped = xcalloc((size_t)pl->nsites, sizeof *workers[t].dropped);
        workers[t].retried = xcalloc((size_t)pl->nsites, sizeof *workers[t].retried);
        workers[t].backoff_ns = xcalloc((size_t)pl->nsites, sizeof *workers[t].backoff_ns);
        workers[t].collected = xcalloc((size_t)pl->nsites, sizeof *workers[t].collected);
        workers[t].stat = xcalloc(2 * (size_t)pl->nops + 1, sizeof *workers[t].stat);
        if (run.stats) {   /* operator times: which elements are timed, per thread */
            workers[t].optime = xcalloc((size_t)pl->nops + 1, sizeof *workers[t].optime);
            workers[t].rng = 0x9e3779b97f4a7c15u * (uint64_t)(t + 1);
            workers[t].clock_cost = t ? workers[0].clock_cost : fp_clock_cost();
        }
        if (pl->top_n)
            workers[t].top = fp_top_new(pl);
        if (run.stats && pl->shape == FP_SHAPE_KEYED)
            workers[t].hot = fp_hot_new();   /* --stats: hot keys of the combine_per_key */
    }
    if (resumed && fp_dist_rank() == 0) {
        /* The counts of the work the checkpoint stands for (an element-wise
         * one: up to its operator; the resumed stage 1 adds the rest). */
        memcpy(workers[0].stat, ck.stat, (2 * (size_t)pl->nops + 1) * sizeof *ck.stat);
        for (int i = 0; i < pl->nsites; i++) {
            workers[0].dropped[i] = ck.dropped[i];
            workers[0].retried[i] = ck.retried[i];
        }
    }
    stage1_targets tg = {0};
    size_t ntabs = 0;
    if (pl->shape == FP_SHAPE_KEYED) {
        ntabs = pl->merge == FP_MERGE_PER_THREAD ? (size_t)nw : run.nparts;
        tg.tabs = xcalloc(ntabs ? ntabs : 1, sizeof *tg.tabs);
        /* A thread's table sees most keys: start it at 64Ki slots (2 MiB,
         * untouched pages cost nothing) instead of doubling up from small.
         * A partition's table sees a partition's keys: start small. */
        if (pl->merge == FP_MERGE_PER_THREAD) {
            for (size_t i = 0; i < ntabs; i++) {
                tg.tabs[i] = fp_ktab_new_sized(pl->acc_size, 16);
                tg.tabs[i]->hot = workers[i].hot;   /* --stats: hot keys */
            }
        } else {
            tg.folded = fp_ktab_new_sized(pl->acc_size, 16);
            tg.fdone = xcalloc(run.nparts ? run.nparts : 1, sizeof *tg.fdone);
            /* MPI: only the first block may be folded before the shuffle
             * (a fold is a left fold over all partitions). */
            tg.next_fold = run.part_lo == 0 ? 0 : run.nparts;
        }
    } else if (pl->shape == FP_SHAPE_GLOBAL) {
        if (run.nparts && pl->acc_size > SIZE_MAX / run.nparts)
            fp_oom();
        tg.accs = xcalloc(run.nparts ? run.nparts : 1, pl->acc_size);
        for (size_t k = 0; k < run.nparts; k++)
            pl->acc_init(tg.accs + k * pl->acc_size);
    } else {
        run.bufs = xcalloc(run.nparts, sizeof *run.bufs);
        run.done = xcalloc(run.nparts, sizeof *run.done);
        run.next_flush = run.part_lo;
    }

    phase("open and partition", &t0);
    /* The progress line: on a terminal, or when forced. */
    bool tty = isatty(2);
    if (progress < 0 ? tty : progress) {
        uint64_t total = 0;
        for (size_t k = 0; k < run.nparts; k++)
            total += (uint64_t)(run.parts[k].end - run.parts[k].begin);
        run.progress = fp_progress_new(total, tty);
    }
    double t1 = now();
    if (!resumed_combine)
        run_stage1(&run, workers, &tg);
    t_stage1 = now() - t1;
    if (run.ckbufs && !run.fail_msg) {
        /* materialize on an element-wise operator: committed once stage 1
         * is done with no failure (fail_fast anywhere leaves none). */
        ckpt_commit_elems(&run, workers, nw, &ck);
        phase("checkpoint", &t0);
    }
    /* --stats: the slots of the tables holding the keys after stage 1. */
    uint64_t table_bytes = 0;
    for (size_t i = 0; i < ntabs && tg.tabs && !resumed_combine; i++)
        if (tg.tabs[i])
            table_bytes += (uint64_t)(tg.tabs[i]->mask + 1) * tg.tabs[i]->stride;
    if (tg.folded && !resumed_combine)
        table_bytes += (uint64_t)(tg.folded->mask + 1) * tg.folded->stride;
    fp_progress_end(run.progress);
    run.progress = NULL;
    if (workers[0].hot) {
        /* --stats: the sketches stop here (the merges below do not feed
         * them) and become worker 0's. */
        for (size_t i = 0; i < ntabs && tg.tabs; i++)
            if (tg.tabs[i])
                tg.tabs[i]->hot = NULL;
        for (int t = 1; t < nw; t++)
            fp_hot_merge(workers[0].hot, workers[t].hot);
    }
    phase("stage 1", &t0);
    if (fp_dist_on() && !resumed_combine) {
        /* MPI: agree on the first failure; element-wise rows and global
         * accumulators go to rank 0 (keyed tables are shuffled below). */
        fp_dist_fail(&run.fail_part, &run.fail_msg);
        if (pl->shape == FP_SHAPE_ELEMENTWISE)
            fp_dist_rows(run.sink, run.fail_part, &run.write_failed);
        else if (pl->shape == FP_SHAPE_GLOBAL && !run.fail_msg)
            fp_dist_global(tg.accs, pl->acc_size, run.nparts);
        if (run.errs && !run.fail_msg)
            fp_dist_errors(run.errs);   /* on_error collect: the others' lines to rank 0 */
        phase("MPI gather", &t0);
    }

    /* Stage 2 runs on worker 0, writing into one buffer flushed as it fills. */
    fp_worker *w0 = &workers[0];
    fp_buf out = {0};
    w0->out = &out;
    w0->part = NULL;
    w0->pos = NULL;
    w0->errs = run.errs ? fp_errsink_tail(run.errs) : NULL;
    bool drops_summed = false;   /* MPI: by ckpt_commit */
    if (run.fail_msg) {
        /* nothing more to compute */
    } else if (pl->shape == FP_SHAPE_KEYED && resumed_combine) {
        if (fp_dist_rank() == 0)
            stage2_from_payload(&run, w0, ck.payload, ck.payload_n, &out);
    } else if (pl->shape == FP_SHAPE_KEYED) {
        /* Every partial table sorted (in parallel), then one k-way merge that
         * folds equal keys in table order and hands each key to stage 2. */
        /* Partition order: everything is folded into one table by now. */
        fp_ktab **tabs = tg.folded ? &tg.folded : tg.tabs;
        size_t nt = tg.folded ? 1 : ntabs;
        fp_kentry **runs;
        size_t *ns;
        if (fp_dist_on()) {
            /* MPI: the first block's folded table, then the unfolded ones
             * in partition order (or the per-thread tables): shuffled by
             * key, and the owners' sorted runs gathered to rank 0. */
            fp_ktab **mine = xcalloc(ntabs + 1, sizeof *mine);
            size_t nm = 0;
            if (tg.folded)
                mine[nm++] = tg.folded;
            for (size_t i = 0; i < ntabs; i++)
                if (tg.tabs[i])
                    mine[nm++] = tg.tabs[i];
            fp_dist_keyed(pl, mine, nm, &runs, &ns, &nt);
            free(mine);
            phase("MPI shuffle and gather", &t0);
        } else {
            runs = xcalloc(nt, sizeof *runs);
            ns = xcalloc(nt, sizeof *ns);
            sort_tables(&run, tabs, nt, runs, ns);
            phase("sort partial tables", &t0);
        }
        if (ck_on && !pl->resume1) {
            /* materialize: the merged keys into the checkpoint, then stage
             * 2 over them, as a resumed run does. */
            fp_buf payload = {0};
            ckpt_fill fill = {&payload, pl->acc_size, 0};
            if (nt)
                fp_kruns_merge(runs, ns, nt, pl->acc_size, pl->acc_merge, ckpt_add_key, &fill);
            ckpt_commit(&run, workers, nw, &ck, &payload, 1, fill.records);
            drops_summed = true;
            phase("checkpoint", &t0);
            stage2_from_payload(&run, w0, payload.p, payload.n, &out);
            fp_buf_free(&payload);
        } else if (nt) {
            merge_keyed(&run, workers, runs, ns, nt, &out);
        }
        for (size_t i = 0; i < nt; i++)
            fp_big_free(runs[i], ns[i] * sizeof(fp_kentry));
        free(runs);
        free(ns);
        fp_dist_keyed_done();
    } else if (pl->shape == FP_SHAPE_GLOBAL) {
        void *acc = xcalloc(1, pl->acc_size);
        if (resumed_combine) {
            memcpy(acc, ck.payload, ck.payload_n < pl->acc_size ? ck.payload_n : pl->acc_size);
        } else if (fp_dist_rank() == 0) {
            pl->acc_init(acc);
            for (size_t k = 0; k < run.nparts; k++)
                pl->acc_merge(acc, tg.accs + k * pl->acc_size);
        }
        if (ck_on && !resumed && !pl->resume1) {   /* materialize: the combined value */
            fp_buf payload = {acc, pl->acc_size, pl->acc_size};
            ckpt_commit(&run, workers, nw, &ck, &payload, 1, 1);
            drops_summed = true;
        }
        if (fp_dist_rank() == 0)
            pl->stage2_global(w0, acc);
        free(acc);
    }
    if (pl->top_n && !run.fail_msg && fp_dist_rank() == 0) {
        /* Every worker's top into worker 0's, then stage 3 in top order. */
        for (int t = 1; t < nw; t++) {
            char *items;
            size_t n = fp_top_sorted(workers[t].top, &items);
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
                write_out(&run, &out);
        }
    }
    write_out(&run, &out);
    fp_buf_free(&out);
    phase("merge, stage 2, write", &t0);

    /* Nothing is lost without a count: what on_error drop skipped. */
    if (!drops_summed)
        fp_dist_drops(workers, nw, pl->nsites);   /* MPI: summed over ranks */
    for (int i = 0; i < pl->nsites && !run.fail_msg; i++) {
        uint64_t n = 0;
        for (int t = 0; t < nw; t++)
            n += workers[t].retried[i];
        uint64_t waited = 0;   /* backoff_ms: the time waited, over the threads */
        for (int t = 0; t < nw; t++)
            waited += workers[t].backoff_ns[i];
        if (n && !waited)
            fprintf(stderr, "%s: operator '%s' (%s:%d:%d) retried %llu time%s (retry)\n",
                    run.prog, pl->sites[i]->op, pl->sites[i]->file, pl->sites[i]->line,
                    pl->sites[i]->col, (unsigned long long)n, n == 1 ? "" : "s");
        else if (n)
            fprintf(stderr, "%s: operator '%s' (%s:%d:%d) retried %llu time%s after %.3f s of "
                            "backoff (retry)\n",
                    run.prog, pl->sites[i]->op, pl->sites[i]->file, pl->sites[i]->line,
                    pl->sites[i]->col, (unsigned long long)n, n == 1 ? "" : "s", waited / 1e9);
        n = 0;
        for (int t = 0; t < nw; t++)
            n += workers[t].dropped[i];
        if (n)
            fprintf(stderr, "%s: operator '%s' (%s:%d:%d) dropped %llu element%s (on_error drop)\n",
                    run.prog, pl->sites[i]->op, pl->sites[i]->file, pl->sites[i]->line,
                    pl->sites[i]->col, (unsigned long long)n, n == 1 ? "" : "s");
        n = 0;
        for (int t = 0; t < nw; t++)
            n += workers[t].collected[i];
        if (n)
            fprintf(stderr, "%s: operator '%s' (%s:%d:%d) collected %llu element%s into '%s' "
                            "(on_error collect)\n",
                    run.prog, pl->sites[i]->op, pl->sites[i]->file, pl->sites[i]->line,
                    pl->sites[i]->col, (unsigned long long)n, n == 1 ? "" : "s", errors_path);
    }
    if (run.fail_msg) {
        fprintf(stderr, "%s: %s", run.prog, run.fail_msg);
        fp_sink_abort(run.sink);
        fp_errsink_abort(run.errs);
        rc = FP_EXIT_ELEMENT;
    } else if (run.write_failed) {
        fprintf(stderr, "%s: error: cannot write output '%s': %s\n", run.prog,
                dest ? dest : "<stdout>", strerror(run.write_failed));
        fp_sink_abort(run.sink);
        fp_errsink_abort(run.errs);
        rc = FP_EXIT_INPUT;
    } else if (run.errs && fp_errsink_commit(run.errs, err, sizeof err) != 0) {
        /* The error file first: an output without its errors is not
         * complete. */
        fprintf(stderr, "%s: error: %s\n", run.prog, err);
        fp_sink_abort(run.sink);
        rc = FP_EXIT_INPUT;
    } else if (fp_sink_commit(run.sink, err, sizeof err) != 0) {
        fprintf(stderr, "%s: error: %s\n", run.prog, err);
        rc = FP_EXIT_INPUT;
    }
    free(errors_own);
    phase("commit (fsync, rename)", &t0);
    if (run.stats)
        fp_dist_stats(pl, workers, nw, t_stage1);   /* MPI: on every rank, whatever rc */
    if (run.stats && rc == FP_EXIT_OK && fp_dist_rank() == 0) {
        fp_stats_resumed(resumed ? pl->checkpoint_op + (pl->resume1 != NULL) : 0,
                         resumed ? ck.path : NULL);
        fp_stats_report(pl, workers, nw, run.threads, run.stats == 2, t_stage1, now() - t_start,
                        table_bytes, run.keys, run.key_bytes);
        fp_stats_resumed(0, NULL);
    }
    fp_ckpt_free(&ck);

    for (size_t i = 0; i < ntabs; i++)
        fp_ktab_free(tg.tabs[i]);   /* NULL once folded */
    free(tg.tabs);
    fp_ktab_free(tg.folded);
    free(tg.fdone);
    free(tg.accs);
    if (run.ckbufs) {
        for (size_t k = 0; k < run.nparts; k++)
            fp_buf_free(&run.ckbufs[k]);
        free(run.ckbufs);
    }
    if (run.bufs) {
        for (size_t k = 0; k < run.nparts; k++)
            fp_buf_free(&run.bufs[k]);
        free(run.bufs);
        free(run.done);
    }
    for (int t = 0; t < nw; t++) {
        fp_arena_free(workers[t].arena);
        free(workers[t].dropped);
        free(workers[t].retried);
        free(workers[t].backoff_ns);
        free(workers[t].collected);
        free(workers[t].stat);
        free(workers[t].optime);
        fp_top_free(workers[t].top);
        free(workers[t].hot);
        free(workers[t].batch_msg);
        free(workers[t].wbuf[0]);
        free(workers[t].wbuf[1]);
    }
    free(workers);
    free(run.fail_msg);
    free(run.parts);
    close_inputs(&run);
    fp_config_free(&cfg);
    for (int i = 0; i < nexpanded; i++)
        free(expanded[i]);
    free(expanded);
    expanded = NULL;
    nexpanded = 0;
    return rc;
}
