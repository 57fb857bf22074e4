/* ktab.c — the keyed-combine hash table: the cold paths.
 *
 * Lookup is inline in libfpipe.h (it runs once per element); here are
 * creation, insertion with doubling, sorting a table into a run, and the
 * k-way merge of sorted runs that gives keyed output its ascending byte
 * order.
 *
 * A slot's index is the top bits of its hash, which its tag keeps, so
 * doubling moves slots without reading a key again.
 */
#include "internal.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>


#define INITIAL_BITS 12

/* ---- the seed of the keys' hash ------------------------------------- */

uint64_t fp_key_seed;    /* the run's; 0 until fp_key_seed_init */
static bool seeded;

/* The seed, once per process (fp_main may run again, and under MPI rank
 * 0's seed is broadcast first and kept): FPIPE_HASH_SEED if set (a number,
 * to replay a run's table layout, e.g. its hot-key report), else 8 bytes
 * from the kernel's random source. */
void fp_key_seed_init(void)
{
    if (seeded)
        return;
    seeded = true;
    const char *v = getenv("FPIPE_HASH_SEED");
    if (v && *v) {
        fp_key_seed = strtoull(v, NULL, 0);
        return;
    }
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) {
        /* No kernel randomness (before Linux 3.17): the clock and the
         * process id, still unknown to whoever prepared the input. */
        s = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15u ^ (uint64_t)getpid() << 32 ^
            (uint64_t)(uintptr_t)&s;
    }
    fp_key_seed = s;
}

int fp_key_seed_check(char *err, size_t errlen)
{
    const char *v = getenv("FPIPE_HASH_SEED");
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    (void)strtoull(v, &end, 0);
    if (errno || end == v || *end || v[0] == '-') {
        snprintf(err, errlen, "FPIPE_HASH_SEED wants a number (e.g. 1 or 0x5eed), not '%s'", v);
        return -1;
    }
    return 0;
}

/* ---- the memory cap ------------------------------------------------- */

/* FPIPE_MAX_TABLE_BYTES caps the keyed state: the slots of every table,
 * the long keys they copy and the pool of promoted f64 sums (fsum.c),
 * over all threads together (a number of bytes, with an optional K, M or
 * G suffix for KiB, MiB, GiB; unset or 0: no cap).  A run that would go over stops with a message and exit code 5
 * instead of being killed by the kernel's OOM killer.  Read once, by the
 * first table (made on the main thread before stage 1). */
static size_t cap_bytes;     /* 0: no cap */
static int cap_read;
static size_t used_bytes;    /* atomic: charged by every thread */

int fp_ktab_cap_init(char *err, size_t errlen)
{
    const char *v = getenv("FPIPE_MAX_TABLE_BYTES");
    cap_read = 1;
    used_bytes = fp_xsum_big_bytes();   /* the pool of promoted sums, held already */
    cap_bytes = 0;
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (errno || end == v || *end || v[0] == '-' || n > (SIZE_MAX >> shift)) {
        snprintf(err, errlen, "FPIPE_MAX_TABLE_BYTES wants a number of bytes (e.g. 512M), "
                              "not '%s'", v);
        return -1;
    }
    cap_bytes = (size_t)n << shift;
    return 0;
}

/* A table made without fp_main (the unit tests): the cap read now. */
static void read_cap(void)
{
    char err[256];
    if (fp_ktab_cap_init(err, sizeof err) != 0) {
        fprintf(stderr, "%s: error: %s\n", fp_prog, err);
        fp_exit(FP_EXIT_USAGE);
    }
}

static void over_cap(void)
{
    fprintf(stderr, "%s: error: the keyed combine's tables need more than %zu bytes, "
                    "the cap FPIPE_MAX_TABLE_BYTES sets; no output was written\n"
                    "  = hint: raise the cap, or unset FPIPE_MAX_TABLE_BYTES for none\n",
            fp_prog, cap_bytes);
    fp_exit(FP_EXIT_INTERNAL);
}

static void charge(fp_ktab *t, size_t n)
{
    if (!cap_read)
        read_cap();
    if (!cap_bytes)
        return;
    t->charged += n;
    size_t now = __atomic_add_fetch(&used_bytes, n, __ATOMIC_RELAXED);
    if (now > cap_bytes)
        over_cap();
}

void fp_ktab_charge_sums(size_t n)
{
    if (!cap_read)
        read_cap();
    if (!cap_bytes)
        return;
    size_t now = __atomic_add_fetch(&used_bytes, n, __ATOMIC_RELAXED);
    if (now > cap_bytes)
        over_cap();
}

static void uncharge(fp_ktab *t, size_t n)
{
    if (!cap_bytes)
        return;
    t->charged -= n;
    __atomic_sub_fetch(&used_bytes, n, __ATOMIC_RELAXED);
}

/* Slots, plus FP_PAD bytes: a short key is read in place (fp_kslot_key) by
 * code that may load past its end, even from the last slot. */
static size_t slots_bytes(size_t cap, size_t stride)
{
    if (cap > (SIZE_MAX - FP_PAD) / stride)
        fp_oom();
    return cap * stride + FP_PAD;
}

static unsigned char *alloc_slots(size_t cap, size_t stride)
{
    return fp_big_alloc(slots_bytes(cap, stride));
}

fp_ktab *fp_ktab_new_sized(size_t vsize, unsigned bits)
{
    if (bits < 4)
        bits = 4;
    if (bits > 30)
        bits = 30;
    fp_ktab *t = calloc(1, sizeof *t);
    if (!t)
        fp_oom();
    size_t cap = (size_t)1 << bits;
    t->vsize = vsize;
    t->stride = sizeof(fp_kslot) + ((vsize + 7) & ~(size_t)7);
    charge(t, slots_bytes(cap, t->stride));
    t->slots = alloc_slots(cap, t->stride);
    t->mask = cap - 1;
    t->shift = 32 - bits;
    t->grow_at = cap / 8 * 5;
    t->arena = fp_arena_new();
    return t;
}

fp_ktab *fp_ktab_new(size_t vsize)
{
    return fp_ktab_new_sized(vsize, INITIAL_BITS);
}

size_t fp_ktab_displacement(const fp_ktab *t)
{
    size_t d = 0;
    for (size_t i = 0; i <= t->mask; i++) {
        const fp_kslot *s = (const fp_kslot *)(t->slots + i * t->stride);
        if (s->tag)
            d += (i - fp_ktag_index(s->tag, t->shift)) & t->mask;
    }
    return d;
}

void fp_ktab_free(fp_ktab *t)
{
    if (!t)
        return;
    fp_big_free(t->slots, slots_bytes(t->mask + 1, t->stride));
    fp_arena_free(t->arena);
    uncharge(t, t->charged);
    free(t);
}

/* A slot's bytes: a constant size for the common strides, so that the
 * copy is a few moves instead of a call. */
static inline void copy_slot(void *dst, const void *src, size_t stride)
{
    if (stride == 32)
        memcpy(dst, src, 32);
    else
        memcpy(dst, src, stride);
}

#define BIT(v, i) ((v)[(i) / 64] >> ((i) % 64) & 1)
#define SET(v, i) ((v)[(i) / 64] |= (uint64_t)1 << ((i) % 64))

/* Double the capacity in place: the slot array grows (its pages move, they
 * are not copied: fp_big_grow), then every old slot moves to the index its
 * tag names in the doubled table.  Runs of occupied slots (clusters) go
 * from the top of the old array down, each from its start up, as a copy
 * into a new array would take them: the keys that came first (the most
 * frequent, mostly) keep the places nearest their home, where lookups are
 * cheapest.  A slot's new index is about twice its old one, so it mostly
 * lands above the cluster, where every old slot has moved already.  At or
 * below the cluster's top b, an occupied slot has not moved unless `moved`
 * marks it.  A moving slot's probe passes slots that have moved and takes
 * the place of the first one that has not (which then moves in turn), so
 * no probe run ever gets a hole.  The old and the new array are never both
 * resident: otherwise this is the peak of a big table's memory. */
static void grow(fp_ktab *t)
{
    size_t oldcap = t->mask + 1;
    if (t->shift == 0)
        fp_oom();   /* 2^32 slots */
    size_t cap = oldcap * 2, mask = cap - 1, stride = t->stride;
    unsigned shift = t->shift - 1;
    charge(t, slots_bytes(cap, stride));   /* both arrays may live while moving */
    unsigned char *sl = fp_big_grow(t->slots, slots_bytes(oldcap, stride),
                                    slots_bytes(cap, stride));
    uint64_t *moved = calloc((oldcap + 63) / 64, sizeof *moved);
    unsigned char *cur = malloc(stride), *tmp = malloc(stride);
    if (!moved || !cur || !tmp)
        fp_oom();
#define WAITING(j) (((const fp_kslot *)(sl + (j) * stride))->tag && !BIT(moved, j))
    for (size_t hi = oldcap; hi > 0;) {
        size_t b = hi - 1, a = b;
        if (!WAITING(b)) {
            hi = b;
            continue;
        }
        while (a > 0 && WAITING(a - 1))
            a--;
        for (size_t i = a; i <= b; i++) {
            if (!WAITING(i))
                continue;   /* taken by a swap */
            fp_kslot *si = (fp_kslot *)(sl + i * stride);
            copy_slot(cur, si, stride);
            si->tag = 0;
            size_t j = fp_ktag_index(((const fp_kslot *)cur)->tag, shift);
            for (;;) {
                fp_kslot *s = (fp_kslot *)(sl + j * stride);
                if (!s->tag) {
                    copy_slot(s, cur, stride);
                    if (j <= b)
                        SET(moved, j);
                    break;
                }
                if (j <= b && !BIT(moved, j)) {
                    /* Not moved yet: take its place, move it next. */
                    copy_slot(tmp, s, stride);
                    copy_slot(s, cur, stride);
                    copy_slot(cur, tmp, stride);
                    SET(moved, j);
                    j = fp_ktag_index(((const fp_kslot *)cur)->tag, shift);
                    continue;
                }
                j = (j + 1) & mask;
            }
        }
        hi = a;
    }
#undef WAITING
    free(moved);
    free(cur);
    free(tmp);
    uncharge(t, slots_bytes(oldcap, stride));
    t->slots = sl;
    t->mask = mask;
    t->shift = shift;
    t->grow_at = cap / 8 * 5;
}

#undef BIT
#undef SET

/* Place a key known to be absent; returns its (uninitialised) accumulator. */
static void *place(fp_ktab *t, uint64_t tag, uint64_t k0, uint64_t k1)
{
    size_t i = fp_ktag_index(tag, t->shift);
    for (;;) {
        fp_kslot *s = (fp_kslot *)(t->slots + i * t->stride);
        if (!s->tag) {
            s->tag = tag;
            s->k0 = k0;
            s->k1 = k1;
            t->count++;
            return s + 1;
        }
        i = (i + 1) & t->mask;
    }
}

void fp_key_too_long(void)
{
    fprintf(stderr, "%s: error: a key longer than 2 GiB - 1 bytes\n", fp_prog);
    fp_exit(FP_EXIT_INTERNAL);
}

void *fp_ktab_insert(fp_ktab *t, uint64_t tag, uint64_t k0, uint64_t k1, fp_str key,
                     bool copy_key)
{
    if (t->count >= t->grow_at)
        grow(t);
    /* A long key is copied into the table's arena, whatever copy_key says:
     * a view into the input would keep the input's pages alive after its
     * partition is done (driver.c gives them back), and touching it later
     * would fault them in again.  Only distinct keys pay, once. */
    (void)copy_key;
    if (key.n > 16) {
        charge(t, key.n);
        char *c = fp_arena_alloc(t->arena, key.n);
        memcpy(c, key.p, key.n);
        t->long_bytes += key.n;
        k1 = (uint64_t)(uintptr_t)c;
    }
    return place(t, tag, k0, k1);
}

void fp_ktab_fold(fp_ktab *dst, fp_ktab *src, const fp_pipeline *pl)
{
    /* Room first: src is walked in hash order, which would pile keys into
     * long probe runs in a table that grows under them. */
    while (dst->count + src->count > dst->grow_at)
        grow(dst);
    size_t cap = src->mask + 1;
    for (size_t i = 0; i < cap; i++) {
        fp_kslot *s = (fp_kslot *)(src->slots + i * src->stride);
        if (!s->tag)
            continue;
        bool fresh;
        fp_kprobe pr;   /* the slot's hash, not recomputed */
        fp_ktab_probe_slot(dst, s, &pr);
        /* src (and its arena) goes away after the fold: copy long keys. */
        void *acc = fp_ktab_upsert_probe(dst, &pr, true, &fresh);
        if (fresh) {
            memcpy(acc, s + 1, src->vsize);   /* its promoted sums are dst's now */
        } else {
            pl->acc_merge(acc, s + 1);
            fp_acc_release(pl, s + 1);   /* merged: for later promotions to reuse */
        }
    }
}

/* ---- sorting ---------------------------------------------------------- */

/* Byte order of two slots' keys whose first 8 bytes are equal. */
static int cmp_rest(const fp_kslot *a, const fp_kslot *b)
{
    size_t na = fp_ktag_len(a->tag), nb = fp_ktag_len(b->tag);
    if (na <= 16 && nb <= 16) {
        /* Both inline and zero-padded: compare bytes 8..15, then lengths
         * ("ab" before "ab\0"). */
        uint64_t x = __builtin_bswap64(a->k1), y = __builtin_bswap64(b->k1);
        if (x != y)
            return x < y ? -1 : 1;
        return na < nb ? -1 : na > nb;
    }
    return fp_str_cmp(fp_kslot_key(a), fp_kslot_key(b));
}

static int cmp_entry(const void *a, const void *b)
{
    const fp_kentry *x = a, *y = b;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    return cmp_rest(x->slot, y->slot);
}

/* LSD radix sort on the 64-bit prefix, 16 bits a pass, then a comparison
 * sort inside each run of equal prefixes (keys sharing 8 bytes, or shorter
 * keys padded with zeros). */
static void sort_entries(fp_kentry *v, size_t n, fp_kentry *spare)
{
    if (n < 256) {
        qsort(v, n, sizeof *v, cmp_entry);
        return;
    }
    /* The radix passes' second array: spare (n entries), or allocated. */
    fp_kentry *tmp = spare ? spare : fp_big_alloc(n * sizeof *tmp);
    size_t *count = malloc(65536 * sizeof *count);
    if (!count)
        fp_oom();
    fp_kentry *a = v, *b = tmp;
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(a[i].prefix >> shift) & 0xffff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            b[count[(a[i].prefix >> shift) & 0xffff]++] = a[i];
        fp_kentry *t = a;
        a = b;
        b = t;
    }
    /* An even number of passes: the result is back in v. */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j].prefix == v[i].prefix)
            j++;
        if (j - i > 1)
            qsort(v + i, j - i, sizeof *v, cmp_entry);
        i = j;
    }
    if (!spare)
        fp_big_free(tmp, n * sizeof *tmp);
    free(count);
}

void fp_ktab_sort(const fp_ktab *t, fp_kentry **out, size_t *nout)
{
    fp_kentry *v = fp_big_alloc(t->count * sizeof *v);
    size_t n = 0, cap = t->mask + 1;
    for (size_t i = 0; i < cap; i++) {
        fp_kslot *s = (fp_kslot *)(t->slots + i * t->stride);
        if (s->tag) {
            v[n].prefix = __builtin_bswap64(s->k0);
            v[n].slot = s;
            n++;
        }
    }
    sort_entries(v, n, NULL);
    *out = v;
    *nout = n;
}

/* Zero bytes [p, p + n) of t's slot array: a big table's whole pages are
 * given back instead (anonymous memory: they read as zeros again). */
static void empty_tail(const fp_ktab *t, unsigned char *p, size_t n)
{
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t b = ((uintptr_t)p + pg - 1) / pg * pg, e = ((uintptr_t)p + n) / pg * pg;
    if (slots_bytes(t->mask + 1, t->stride) < ((size_t)2 << 20) || e <= b) {
        memset(p, 0, n);   /* from calloc: not ours to give back */
        return;
    }
    memset(p, 0, b - (uintptr_t)p);
    memset((void *)e, 0, (uintptr_t)p + n - e);
    madvise((void *)b, e - b, MADV_DONTNEED);
}

void fp_ktab_sort_packed(fp_ktab *t, fp_kentry **out, size_t *nout)
{
    /* The occupied slots moved to the front, in index order. */
    size_t n = 0, cap = t->mask + 1, stride = t->stride;
    for (size_t i = 0; i < cap; i++) {
        const fp_kslot *s = (const fp_kslot *)(t->slots + i * stride);
        if (!s->tag)
            continue;
        if (i != n)
            memcpy(t->slots + n * stride, s, stride);
        n++;
    }
    fp_kentry *v = fp_big_alloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        fp_kslot *s = (fp_kslot *)(t->slots + i * stride);
        v[i].prefix = __builtin_bswap64(s->k0);
        v[i].slot = s;
    }
    /* The rest of the array is the radix sort's second array when it is
     * big enough: it is, for slots of 32 bytes or more, since a table is
     * at most 5/8 full.  Then it is emptied (given back, for a big one). */
    unsigned char *tail = t->slots + n * stride;
    size_t tail_bytes = (cap - n) * stride;
    sort_entries(v, n, tail_bytes >= n * sizeof *v ? (fp_kentry *)(void *)tail : NULL);
    empty_tail(t, tail, tail_bytes);
    t->count = n;
    *out = v;
    *nout = n;
}

size_t fp_kentry_lower_bound(const fp_kentry *v, size_t n, const fp_kentry *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_entry(&v[mid], key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- merging sorted runs ----------------------------------------------- */

typedef struct head {
    const fp_kentry *e;   /* current entry of the run */
    size_t run;
} head;

/* Order of heads: key, then run number (equal keys fold in run order). */
static bool head_less(const head *a, const head *b)
{
    if (a->e->prefix != b->e->prefix)
        return a->e->prefix < b->e->prefix;
    int c = cmp_rest(a->e->slot, b->e->slot);
    if (c)
        return c < 0;
    return a->run < b->run;
}

static void sift_down(head *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && head_less(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && head_less(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        head t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

void fp_kruns_merge(fp_kentry *const *runs, const size_t *ns, size_t k, size_t vsize,
                    void (*merge)(void *dst, const void *src), const fp_pipeline *pl,
                    void (*emit)(void *ctx, fp_str key, const void *acc), void *ctx)
{
    head *h = malloc((k ? k : 1) * sizeof *h);
    const fp_kentry **end = malloc((k ? k : 1) * sizeof *end);
    void *acc = malloc(vsize ? vsize : 1);
    if (!h || !end || !acc)
        fp_oom();
    if (k == 1) {
        /* One run: its keys are distinct already. */
        const fp_kentry *r = runs[0];
        for (size_t i = 0; i < ns[0]; i++) {
            if (i + 8 < ns[0])
                __builtin_prefetch(r[i + 8].slot);   /* slots lie in hash order */
            emit(ctx, fp_kslot_key(r[i].slot), r[i].slot + 1);
        }
        free(h);
        free(end);
        free(acc);
        return;
    }
    size_t n = 0;
    for (size_t r = 0; r < k; r++) {
        end[r] = runs[r] + ns[r];
        if (ns[r])
            h[n++] = (head){runs[r], r};
    }
    for (size_t i = n / 2; i-- > 0;)
        sift_down(h, n, i);
    while (n) {
        /* The smallest key, from the lowest-numbered run that has it. */
        const fp_kentry *first = h[0].e;
        fp_str key = fp_kslot_key(first->slot);
        memcpy(acc, first->slot + 1, vsize);
        bool started = false;
        for (;;) {
            if (started)
                merge(acc, h[0].e->slot + 1);
            started = true;
            size_t r = h[0].run;
            if (++h[0].e == end[r])
                h[0] = h[--n];
            else if (h[0].e + 4 < end[r])
                __builtin_prefetch(h[0].e[4].slot);
            if (n)
                sift_down(h, n, 0);
            if (!n || h[0].e->prefix != first->prefix || cmp_rest(h[0].e->slot, first->slot))
                break;
        }
        emit(ctx, key, acc);
        /* A sum promoted by a fold into the copy lives in the pool; the
         * first slot's own stay its table's. */
        if (pl && pl->nxsum)
            fp_acc_release_new(pl, acc, first->slot + 1);
    }
    free(h);
    free(end);
    free(acc);
}
