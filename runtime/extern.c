/* extern.c — what extern C functions, batch_map, topk and top rely on.
 *
 * A C function named in a .fpipe file gets the calling worker as its
 * fp_ctx: memory from the worker's arena (alive until the partition is
 * done), and fp_error to fail the element it was called for.  A batch
 * function may instead fail single elements of its batch (fp_error_item),
 * as the seed's BatchMap returns one result per element.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>


void *fp_arena_copy(fp_arena *a, const void *p, size_t n)
{
    void *d = fp_arena_alloc(a, n ? n : 1);
    if (n)
        memcpy(d, p, n);
    return d;
}

void *fp_alloc(fp_ctx *cx, size_t n)
{
    if (n > SIZE_MAX / 2)
        fp_oom();
    void *p = fp_arena_alloc(cx->arena, n ? n : 1);
    memset(p, 0, n ? n : 1);
    return p;
}

fp_str fp_str_copy(fp_ctx *cx, const char *p, size_t n)
{
    return fp_str_lit(fp_arena_copy(cx->arena, p, n), n);
}


/* A C function that is not declared fallible failed: its operator does not
 * check for errors, so the run fails (first in input order, exit 4, no
 * output) with a message that says what to change. */
static void not_fallible(fp_ctx *cx, const char *what)
{
    fp_fail_message(cx, fp_arena_printf(cx->arena, 0, "%s was called by a C function that is "
                                        "not declared fallible (add 'fallible' to its extern)",
                                        what));
}

/* fp_error and fp_error_transient: the first error of the element (or
 * the batch call) is the one reported, and says whether it is transient. */
static void elem_error(fp_ctx *cx, const char *what, int transient, const char *fmt, va_list ap)
{
    if (!cx->ext_site) {
        not_fallible(cx, what);
        return;
    }
    const char *m = fp_arena_vprintf(cx->arena, 0, fmt, ap);
    if (cx->in_batch) {
        if (!cx->batch_all) {
            cx->batch_all = m;
            cx->transient = transient;
        }
        return;
    }
    if (!cx->failed) {
        fp_elem_error(cx, cx->ext_site, m);
        cx->transient = transient;
    }
}

void fp_error(fp_ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    elem_error(cx, "fp_error", 0, fmt, ap);
    va_end(ap);
}

void fp_error_transient(fp_ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    elem_error(cx, "fp_error_transient", 1, fmt, ap);
    va_end(ap);
}

int fp_attempt(const fp_ctx *cx)
{
    return cx->attempt;
}

int fp_batch_retry(fp_worker *w, const fp_site *site, int attempt, const fp_opcfg *cfg)
{
    if (!w->batch_all || !w->transient || attempt >= cfg->retry) {
        w->attempt = 0;
        return 0;
    }
    w->retried[site->id]++;
    if (cfg->backoff_ms)
        fp_backoff(w, cfg, attempt, site->id);
    w->attempt = attempt + 1;
    return 1;
}

/* backoff_ms before retry number attempt + 1: backoff_ms << attempt, at
 * most backoff_max_ms; the time waited is counted for --stats.  Only the
 * calling thread waits (the others go on with their partitions). */
void fp_backoff(fp_worker *w, const fp_opcfg *cfg, int attempt, int site)
{
    long long cap = cfg->backoff_max_ms > cfg->backoff_ms ? cfg->backoff_max_ms : cfg->backoff_ms;
    long long ms = cfg->backoff_ms;
    for (int k = 0; k < attempt && ms < cap; k++)
        ms *= 2;
    if (ms > cap)
        ms = cap;
    struct timespec t0, t1, d = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (nanosleep(&d, &d) != 0 && errno == EINTR)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t ns = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
    w->backoff_ns[site] += ns > 0 ? (uint64_t)ns : 0;
}

void fp_error_item(fp_ctx *cx, int64_t i, const char *fmt, ...)
{
    if (!cx->in_batch) {
        not_fallible(cx, "fp_error_item, outside a batch function,");
        return;
    }
    if (i < 0 || i >= cx->batch_n) {
        if (!cx->batch_all)
            cx->batch_all = fp_arena_printf(cx->arena, 0, "the batch function called "
                                            "fp_error_item(%lld) in a batch of %d",
                                            (long long)i, cx->batch_n);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    const char *m = fp_arena_vprintf(cx->arena, 0, fmt, ap);
    va_end(ap);
    if (!cx->batch_msg[i])
        cx->batch_msg[i] = m;
}

void fp_batch_begin(fp_worker *w, const fp_site *site, int n)
{
    if (n > w->batch_cap) {
        free(w->batch_msg);
        w->batch_msg = malloc((size_t)n * sizeof *w->batch_msg);
        if (!w->batch_msg)
            fp_oom();
        w->batch_cap = n;
    }
    memset(w->batch_msg, 0, (size_t)n * sizeof *w->batch_msg);
    w->batch_n = n;
    w->batch_all = NULL;
    w->transient = 0;
    w->in_batch = 1;
    w->ext_site = site;
}

/* After a batch function returned got results for n elements: a wrong
 * count, or a failure of the whole batch, marks every element of it
 * failed with that message; otherwise the elements fp_error_item failed
 * stay marked.  fp_batch_failed then reports each through site. */
void fp_batch_end(fp_worker *w, const fp_site *site, int n, int64_t got)
{
    w->in_batch = 0;
    w->ext_site = site;   /* fp_batch_failed reports through it */
    const char *all = w->batch_all;
    if (!all && got != n) {
        all = fp_arena_printf(w->arena, 0, "the batch function returned %lld results for a "
                              "batch of %d", (long long)got, n);
    }
    if (all)
        for (int i = 0; i < n; i++)
            w->batch_msg[i] = all;
}

void fp_batch_failed(fp_worker *w, const fp_site *site, int i)
{
    if (w->batch_msg[i])
        fp_elem_error(w, site, w->batch_msg[i]);
}

void fp_error_save(fp_worker *w)
{
    w->saved_site = w->err_site;
    w->saved_msg = w->err_msg;
    w->saved_pos = w->pos;
    w->failed = 0;
}

void fp_error_restore(fp_worker *w)
{
    w->err_site = w->saved_site;
    w->err_msg = w->saved_msg;
    w->pos = w->saved_pos;
    w->failed = 1;
}

void *fp_worker_buf(fp_worker *w, int which, size_t bytes)
{
    if (bytes > w->wbuf_cap[which]) {
        free(w->wbuf[which]);
        w->wbuf[which] = malloc(bytes ? bytes : 1);
        if (!w->wbuf[which])
            fp_oom();
        w->wbuf_cap[which] = bytes;
    }
    return w->wbuf[which];
}

/* ---- topk ---------------------------------------------------------------- */

/* The place of x among v[0..n) kept largest first: after equal values. */
#define TOPK_IMPL(T, SFX, GREATER)                                                      \
    void fp_topk_##SFX##_push(T *v, int64_t *n, int k, T x)                              \
    {                                                                                    \
        int64_t m = *n;                                                                  \
        if (m == k && !GREATER(x, v[m - 1]))                                             \
            return;                                                                      \
        int64_t i = m < k ? m : m - 1;                                                   \
        while (i > 0 && GREATER(x, v[i - 1])) {                                          \
            v[i] = v[i - 1];                                                             \
            i--;                                                                         \
        }                                                                                \
        v[i] = x;                                                                        \
        if (m < k)                                                                       \
            *n = m + 1;                                                                  \
    }                                                                                    \
    void fp_topk_##SFX##_merge(T *v, int64_t *n, int k, const T *sv, int64_t sn)         \
    {                                                                                    \
        T out[1000];                                                                     \
        int64_t i = 0, j = 0, o = 0, dn = *n;                                            \
        while (o < k && (i < dn || j < sn)) {                                            \
            if (j >= sn || (i < dn && !GREATER(sv[j], v[i])))                            \
                out[o++] = v[i++];                                                       \
            else                                                                         \
                out[o++] = sv[j++];                                                      \
        }                                                                                \
        memcpy(v, out, (size_t)o * sizeof *v);                                           \
        *n = o;                                                                          \
    }

#define GT_I64(a, b) ((a) > (b))
#define GT_F64(a, b) (fp_f64_cmp_total((a), (b)) > 0)
TOPK_IMPL(int64_t, i64, GT_I64)
TOPK_IMPL(double, f64, GT_F64)

/* ---- kept strings -------------------------------------------------------- */

void fp_str_keep(fp_str *s)
{
    char *p = malloc(s->n + FP_PAD);
    if (!p)
        fp_oom();
    if (s->n)
        memcpy(p, s->p, s->n);
    memset(p + s->n, 0, FP_PAD);
    s->p = p;
}

void fp_str_release(fp_str *s)
{
    free((void *)s->p);
    s->p = NULL;
}

/* ---- top: a max-heap by the pipeline's order (the root is the element
 * that goes first when a better one comes) ------------------------------- */

struct fp_top {
    const fp_pipeline *pl;
    size_t n, cap;
    char *v;
    char *tmp;
};


fp_top *fp_top_new(const fp_pipeline *pl)
{
    fp_top *t = calloc(1, sizeof *t);
    if (!t)
        fp_oom();
    t->pl = pl;
    t->cap = (size_t)pl->top_n;
    t->tmp = malloc(pl->top_size);
    if (!t->tmp)
        fp_oom();
    return t;
}

static char *at(fp_top *t, size_t i)
{
    return t->v + i * t->pl->top_size;
}

static void swap(fp_top *t, size_t i, size_t j)
{
    size_t sz = t->pl->top_size;
    memcpy(t->tmp, at(t, i), sz);
    memcpy(at(t, i), at(t, j), sz);
    memcpy(at(t, j), t->tmp, sz);
}

/* Restore the heap below i: the root is the worst element kept (the
 * one a better element replaces). */
static void sift_down(fp_top *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && t->pl->top_order(at(t, l), at(t, m)) > 0)
            m = l;
        if (r < t->n && t->pl->top_order(at(t, r), at(t, m)) > 0)
            m = r;
        if (m == i)
            return;
        swap(t, i, m);
        i = m;
    }
}

/* Offer elem to the top: kept while fewer than top_n are, else it
 * replaces the worst kept element if it sorts before it (top_keep
 * copies what it must keep; top_release frees the one dropped). */
void fp_top_push(fp_top *t, const void *elem)
{
    const fp_pipeline *pl = t->pl;
    if (t->n < t->cap) {
        if (!t->v) {
            size_t cap = t->cap < 1024 ? t->cap : 1024;
            t->v = malloc(cap * pl->top_size);
            if (!t->v)
                fp_oom();
            t->cap = cap;   /* grows to top_n below */
        }
        memcpy(at(t, t->n), elem, pl->top_size);
        pl->top_keep(at(t, t->n));
        size_t i = t->n++;
        while (i > 0 && pl->top_order(at(t, i), at(t, (i - 1) / 2)) > 0) {
            swap(t, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        if (t->n == t->cap && t->cap < (size_t)pl->top_n) {
            size_t cap = t->cap * 2 < (size_t)pl->top_n ? t->cap * 2 : (size_t)pl->top_n;
            char *v = realloc(t->v, cap * pl->top_size);
            if (!v)
                fp_oom();
            t->v = v;
            t->cap = cap;
        }
        return;
    }
    if (pl->top_order(elem, at(t, 0)) >= 0)
        return;   /* no better than the last one kept */
    pl->top_release(at(t, 0));
    memcpy(at(t, 0), elem, pl->top_size);
    pl->top_keep(at(t, 0));
    sift_down(t, 0);
}

static const fp_pipeline *sort_pl;
static int sort_cmp(const void *a, const void *b)
{
    return sort_pl->top_order(a, b);
}

/* The kept elements in order, first first (the heap is emptied into it). */
size_t fp_top_sorted(fp_top *t, char **items)
{
    sort_pl = t->pl;
    if (t->n)
        qsort(t->v, t->n, t->pl->top_size, sort_cmp);
    *items = t->v;
    return t->n;
}

/* Free the kept elements and the top; NULL is allowed. */
void fp_top_free(fp_top *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        t->pl->top_release(at(t, i));
    free(t->v);
    free(t->tmp);
    free(t);
}
