/* fuzz_util.h — what the runtime fuzz targets share: the input copied
 * under the padding contract (exactly FP_PAD zero bytes after it, so that
 * ASan reports a read past the padding), a growable byte log for
 * comparing two readings of the same input, and a check that aborts with a
 * message (libFuzzer and replay.c both report the abort). */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include "internal.h"   /* the runtime's partitioners and readers */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                             \
        }                                                                        \
    } while (0)

static inline char *padded_copy(const uint8_t *data, size_t size)
{
    char *p = malloc(size + FP_PAD);
    if (!p)
        abort();
    memcpy(p, data, size);
    memset(p + size, 0, FP_PAD);
    return p;
}

typedef struct blog {
    char *p;
    size_t n, cap;
} blog;

static inline void blog_put(blog *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            abort();
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

/* A length-prefixed string: the log of two readings is equal exactly when
 * they saw the same sequence of strings. */
static inline void blog_str(blog *b, const char *p, size_t n)
{
    blog_put(b, &n, sizeof n);
    blog_put(b, p, n);
}

static inline void blog_u64(blog *b, uint64_t v)
{
    blog_put(b, &v, sizeof v);
}

static inline int blog_same(const blog *a, const blog *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

#endif
