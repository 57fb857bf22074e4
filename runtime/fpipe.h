/* fpipe.h — what a C file linked into a pipeline (`link "NAME.c"`) may
 * use: string views, the opaque context its functions get, memory that
 * lives as long as the element, and errors.  The header fpipec writes for
 * the C file (`fpipec header`, or `fpipec build`: NAME.fpipe.h, with the
 * pipeline's record and list types and the functions' prototypes) includes
 * this one, and nothing more of the runtime: the rest of libfpipe is the
 * interface of generated code (libfpipe.h) and may change.
 *
 * A C function's contract (docs/language.md): pure — its result depends
 * only on its arguments; no I/O, clock, randomness or writable static
 * data (fpipec audits the object file).  Every function below takes the
 * context the function was called with.
 */
#ifndef FPIPE_H
#define FPIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Strings: byte views, never NUL-terminated, usually into the input.  */
/* ------------------------------------------------------------------ */

typedef struct fp_str {
    const char *p;   /* first byte */
    size_t n;        /* length in bytes */
} fp_str;

/* A string view of n bytes at p (no copy). */
static inline fp_str fp_str_lit(const char *p, size_t n)
{
    fp_str s = {p, n};
    return s;
}

static inline bool fp_str_eq(fp_str a, fp_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* Byte-wise comparison: the order of keys in keyed output. */
static inline int fp_str_cmp(fp_str a, fp_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c != 0)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

/* ------------------------------------------------------------------ */
/* Optional values: an fpipe T? is a flag and a T (zero when none).     */
/* ------------------------------------------------------------------ */

typedef struct fp_opt_i64 { bool has; int64_t v; } fp_opt_i64;   /* i64? */
typedef struct fp_opt_f64 { bool has; double v; } fp_opt_f64;    /* f64? */
typedef struct fp_opt_bool { bool has; bool v; } fp_opt_bool;    /* bool? */
typedef struct fp_opt_str { bool has; fp_str v; } fp_opt_str;    /* str? */

/* ------------------------------------------------------------------ */
/* For extern C functions.                                            */
/* ------------------------------------------------------------------ */

/* What a C function gets as its first argument: the calling worker, opaque
 * (only the functions below look inside it). */
typedef struct fp_worker fp_ctx;

/* Memory that lives until the input partition is done (results, strings). */
void *fp_alloc(fp_ctx *cx, size_t n);
/* A copy of n bytes as a string, in the same memory. */
fp_str fp_str_copy(fp_ctx *cx, const char *p, size_t n);
/* Fail the element (a batch function: every element of the batch) with a
 * message; the operator's on_error decides what happens.  Only a function
 * declared fallible may call it. */
void fp_error(fp_ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for an error that may go away (a timeout, a busy service): an
 * operator with `retry N` calls the function again, up to N times, and
 * only then handles the error by its on_error.  In a batch function it
 * fails the whole call, which is retried as a whole. */
void fp_error_transient(fp_ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Which call this is for the element (or batch) under retry N: 0 the
 * first, 1 the first retry, ... (always 0 without retry). */
int fp_attempt(const fp_ctx *cx);
/* A batch function: fail element i of the batch only. */
void fp_error_item(fp_ctx *cx, int64_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* FPIPE_H */
