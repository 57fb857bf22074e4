/* errors.c — on_error collect: failing elements as JSON lines in an error
 * file, and the run goes on.
 *
 * One line per failing element:
 *
 *   {"operator":"age","location":"p.fpipe:5:1","message":"not an integer",
 *    "input":"people.txt","line":12,"offset":345,"record":"bob\tx"}
 *
 * `line` (from 1) and `offset` (bytes from the start of the file) are those
 * of the input record the element came from, `record` its text (JSON
 * escaped; invalid UTF-8 as \u00XX): the line, or for a CSV source the
 * whole record, quoted newlines included.  Errors after a combine have no input
 * record: those four members are null.
 *
 * Order: a worker writes a partition's errors to the partition's own
 * buffer, in input order; buffers are written to the file in partition
 * order as soon as every earlier partition is done, then the errors after
 * a combine (in key order).  Line numbers come from the partition's first
 * line (counted once per partition, in parallel, before stage 1), so the
 * file is the same for every --threads and --partition-size.
 *
 * The file is an fp_sink: a temporary renamed into place when the run
 * succeeds, removed when it fails.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void fp_errors_lines(fp_part *parts, size_t n, const char *const *bases, int threads)
{
    fp_errors_lines_range(parts, n, bases, threads, 0, n, NULL);
}

void fp_errors_lines_range(fp_part *parts, size_t n, const char *const *bases, int threads,
                           size_t lo, size_t hi, void (*sum)(uint64_t *v, size_t n))
{
    /* Newlines before each partition within the partition before it (or,
     * for a file's first, from the file's start: a CSV header).  Partition
     * k of [lo, hi) gives its own newlines to k + 1 (and, if it starts a
     * file, the header's to itself), so only [lo, hi)'s bytes are read;
     * the other entries come from the ranks owning them (sum, under MPI). */
    uint64_t *cnt = calloc(n ? n : 1, sizeof *cnt);
    if (!cnt)
        fp_oom();
    long long l0 = (long long)lo, l1 = (long long)hi, nl = (long long)n;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads > 0 ? threads : 1) if (threads > 1)
    for (long long k = l0; k < l1; k++) {
        const fp_part *p = &parts[k];
        if (k == 0 || parts[k - 1].file != p->file)
            cnt[k] = fp_count_newlines(bases[p->file], p->begin);
        if (k + 1 < nl && parts[k + 1].file == p->file)
            cnt[k + 1] = fp_count_newlines(p->begin, parts[k + 1].begin);
    }
    if (sum)
        sum(cnt, n);
    uint64_t line = 1;
    for (size_t k = 0; k < n; k++) {
        if (k == 0 || parts[k - 1].file != parts[k].file)
            line = 1;
        line += cnt[k];
        parts[k].line0 = line;
    }
    free(cnt);
}

static void put_lit(fp_buf *b, const char *s)
{
    fp_buf_put(b, s, strlen(s));
}

static void put_json_cstr(fp_buf *b, const char *s)
{
    fp_out_json_str(b, fp_str_lit(s, strlen(s)));
}

void fp_collect(fp_worker *w)
{
    const fp_site *site = w->err_site;
    w->collected[site->id]++;
    w->failed = 0;
    fp_buf *b = w->errs;
    put_lit(b, "{\"operator\":");
    put_json_cstr(b, site->op);
    char loc[64];
    snprintf(loc, sizeof loc, ":%d:%d", site->line, site->col);
    put_lit(b, ",\"location\":");
    size_t fl = strlen(site->file), ll = strlen(loc);
    char *l = fp_arena_alloc(w->arena, fl + ll + 1);
    memcpy(l, site->file, fl);
    memcpy(l + fl, loc, ll + 1);
    fp_out_json_str(b, fp_str_lit(l, fl + ll));
    put_lit(b, ",\"message\":");
    put_json_cstr(b, w->err_msg ? w->err_msg : "");
    const fp_part *part = w->part;
    if (!part) {
        put_lit(b, ",\"input\":null,\"line\":null,\"offset\":null,\"record\":null}\n");
        return;
    }
    /* The whole record (line) holding the element's position. */
    const char *pos = w->pos ? w->pos : part->begin;
    if (pos > part->end)
        pos = part->end;
    while (pos > part->begin && pos[-1] != '\n')
        pos--;
    const char *eol = memchr(pos, '\n', (size_t)(part->end - pos));
    if (part->csv) {
        /* A CSV record ends at the first newline outside quotes. */
        bool in = false;
        char qc = part->csv->quote ? part->csv->quote : '"';
        eol = NULL;
        for (const char *s = pos; s < part->end; s++) {
            if (*s == qc)
                in = !in;
            else if (*s == '\n' && !in) {
                eol = s;
                break;
            }
        }
    }
    size_t n = eol ? (size_t)(eol - pos) : (size_t)(part->end - pos);
    /* Its line: counted on from the last error's, in the same partition. */
    if (!w->lc_pos || pos < w->lc_pos) {
        w->lc_pos = part->begin;
        w->lc_line = part->line0;
    }
    w->lc_line += fp_count_newlines(w->lc_pos, pos);
    w->lc_pos = pos;
    w->lc_eol = NULL;   /* input_line()'s: counted again */
    put_lit(b, ",\"input\":");
    put_json_cstr(b, w->in_path ? w->in_path : "");
    put_lit(b, ",\"line\":");
    fp_out_i64(b, (int64_t)w->lc_line);
    put_lit(b, ",\"offset\":");
    fp_out_i64(b, (int64_t)(pos - (w->in_base ? w->in_base : part->begin) + part->off0));
    put_lit(b, ",\"record\":");
    fp_out_json_str(b, fp_str_lit(pos, n));
    put_lit(b, "}\n");
}

/* ---- the error file ------------------------------------------------- */

struct fp_errsink {
    fp_sink *sink;
    fp_buf *bufs;        /* per partition */
    bool *done;
    size_t nparts, next; /* partitions before next are written */
    fp_buf tail;
    int failed;          /* errno of a failed write */
    fp_buf captured;     /* no sink (MPI, ranks > 0): the lines, for rank 0 */
};

/* An error sink with a buffer per partition, writing to s (NULL: the
 * lines are captured). */
static fp_errsink *errsink_new(fp_sink *s, size_t nparts)
{
    fp_errsink *e = calloc(1, sizeof *e);
    if (!e)
        fp_oom();
    e->sink = s;
    e->nparts = nparts;
    e->bufs = calloc(nparts ? nparts : 1, sizeof *e->bufs);
    e->done = calloc(nparts ? nparts : 1, sizeof *e->done);
    if (!e->bufs || !e->done)
        fp_oom();
    return e;
}

fp_errsink *fp_errsink_open(const char *path, size_t nparts, char *err, size_t errlen)
{
    fp_sink *s = fp_sink_open(path, err, errlen);
    return s ? errsink_new(s, nparts) : NULL;
}

fp_buf *fp_errsink_part(fp_errsink *e, size_t k)
{
    return &e->bufs[k];
}

fp_buf *fp_errsink_tail(fp_errsink *e)
{
    return &e->tail;
}

/* Write b to the error file (or keep it, when capturing for rank 0) and
 * free it; the first write error is kept in e->failed. */
static void put(fp_errsink *e, fp_buf *b)
{
    if (!e->sink) {   /* capturing */
        if (b->n)
            fp_buf_put(&e->captured, b->p, b->n);
        fp_buf_free(b);
        return;
    }
    if (b->n && !e->failed && fp_sink_write(e->sink, b->p, b->n) != 0)
        e->failed = errno ? errno : EIO;
    fp_buf_free(b);
}

void fp_errsink_done(fp_errsink *e, size_t k)
{
#ifdef _OPENMP
#pragma omp critical(fp_errflush)
#endif
    {
        e->done[k] = true;
        while (e->next < e->nparts && e->done[e->next])
            put(e, &e->bufs[e->next++]);
    }
}

/* Free the error sink and its buffers (not its file). */
static void errsink_free(fp_errsink *e)
{
    for (size_t k = 0; k < e->nparts; k++)
        fp_buf_free(&e->bufs[k]);
    free(e->bufs);
    free(e->done);
    fp_buf_free(&e->tail);
    fp_buf_free(&e->captured);
    free(e);
}

/* Write the partitions' error lines not yet written, in partition
 * order, and commit the error file atomically.  0, or -1 with a
 * message in err. */
int fp_errsink_commit(fp_errsink *e, char *err, size_t errlen)
{
    while (e->next < e->nparts)   /* skipped partitions: nothing to lose */
        put(e, &e->bufs[e->next++]);
    put(e, &e->tail);
    int rc;
    if (!e->sink) {   /* capturing: rank 0 has the lines */
        rc = 0;
    } else if (e->failed) {
        snprintf(err, errlen, "cannot write the error file: %s", strerror(e->failed));
        fp_sink_abort(e->sink);
        rc = -1;
    } else {
        rc = fp_sink_commit(e->sink, err, errlen);
    }
    errsink_free(e);
    return rc;
}

void fp_errsink_abort(fp_errsink *e)
{
    if (!e)
        return;
    if (e->sink)
        fp_sink_abort(e->sink);
    errsink_free(e);
}

/* ---- MPI: the other ranks' lines (mpi.c) ----------------------------- */

fp_errsink *fp_errsink_open_capture(size_t nparts)
{
    return errsink_new(NULL, nparts);
}

fp_buf *fp_errsink_captured(fp_errsink *e)
{
    /* A rank's block ends where its partitions end: what is not done was
     * skipped (a failure) and has no lines. */
    while (e->next < e->nparts)
        put(e, &e->bufs[e->next++]);
    return &e->captured;
}

int fp_errsink_append(fp_errsink *e, const char *p, size_t n)
{
    /* Rank 0's own partitions are written by now: the others' partitions,
     * all after rank 0's, are not done here and have no lines. */
    while (e->next < e->nparts)
        put(e, &e->bufs[e->next++]);
    if (n && !e->failed && e->sink && fp_sink_write(e->sink, p, n) != 0)
        e->failed = errno ? errno : EIO;
    return e->failed ? -1 : 0;
}
