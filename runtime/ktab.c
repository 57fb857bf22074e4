/* ktab.c — the keyed-combine hash table: the cold paths.
 *
 * Lookup and insert are inline in fpipe.h (they run once per element); here
 * are creation, doubling, merging two tables and the sorted walk that gives
 * keyed output its ascending byte order.
 */
#include "libfpipe.h"

#include <stdlib.h>

void fp_oom(void);

static unsigned char *alloc_slots(size_t cap, size_t stride)
{
    if (cap > SIZE_MAX / stride)
        fp_oom();
    unsigned char *s = calloc(cap, stride);
    if (!s)
        fp_oom();
    return s;
}

fp_ktab *fp_ktab_new(size_t vsize)
{
    fp_ktab *t = calloc(1, sizeof *t);
    if (!t)
        fp_oom();
    size_t cap = 1024;
    t->vsize = vsize;
    t->stride = sizeof(fp_kslot) + ((vsize + 7) & ~(size_t)7);
    t->slots = alloc_slots(cap, t->stride);
    t->mask = cap - 1;
    t->grow_at = cap / 2;
    t->arena = fp_arena_new();
    return t;
}

void fp_ktab_free(fp_ktab *t)
{
    if (!t)
        return;
    free(t->slots);
    fp_arena_free(t->arena);
    free(t);
}

/* Double the capacity and reinsert every slot; the stored hashes make this
 * a pure move, no key is read again. */
void fp_ktab_grow(fp_ktab *t)
{
    size_t oldcap = t->mask + 1;
    if (oldcap > SIZE_MAX / 2)
        fp_oom();
    size_t cap = oldcap * 2;
    unsigned char *old = t->slots;
    unsigned char *nw = alloc_slots(cap, t->stride);
    size_t mask = cap - 1;
    for (size_t i = 0; i < oldcap; i++) {
        fp_kslot *s = (fp_kslot *)(old + i * t->stride);
        if (!s->hash)
            continue;
        size_t j = (size_t)s->hash & mask;
        while (((fp_kslot *)(nw + j * t->stride))->hash)
            j = (j + 1) & mask;
        memcpy(nw + j * t->stride, s, t->stride);
    }
    free(old);
    t->slots = nw;
    t->mask = mask;
    t->grow_at = cap / 2;
}

void fp_ktab_merge(fp_ktab *dst, const fp_ktab *src,
                   void (*merge)(void *dst, const void *src))
{
    size_t cap = src->mask + 1;
    for (size_t i = 0; i < cap; i++) {
        const fp_kslot *s = (const fp_kslot *)(src->slots + i * src->stride);
        if (!s->hash)
            continue;
        bool fresh;
        /* Key bytes are views into the input, a run arena or src's arena;
         * the driver keeps all of those until the output is written, so the
         * key is not copied again. */
        void *acc = fp_ktab_upsert(dst, fp_str_lit(s->kp, s->kn), false, &fresh);
        if (fresh)
            memcpy(acc, s + 1, src->vsize);
        else
            merge(acc, s + 1);
    }
}

static int cmp_slots(const void *a, const void *b)
{
    const fp_kslot *x = *(const fp_kslot *const *)a;
    const fp_kslot *y = *(const fp_kslot *const *)b;
    return fp_str_cmp(fp_str_lit(x->kp, x->kn), fp_str_lit(y->kp, y->kn));
}

fp_kslot **fp_ktab_sorted(const fp_ktab *t)
{
    fp_kslot **v = malloc((t->count ? t->count : 1) * sizeof *v);
    if (!v)
        fp_oom();
    size_t n = 0, cap = t->mask + 1;
    for (size_t i = 0; i < cap; i++) {
        fp_kslot *s = (fp_kslot *)(t->slots + i * t->stride);
        if (s->hash)
            v[n++] = s;
    }
    qsort(v, n, sizeof *v, cmp_slots);
    return v;
}
