/* fsum.c — exactly rounded sums of doubles: the f64 sum and mean monoids.
 *
 * A sum of doubles rounded after every addition depends on the order of
 * the additions, so a result would depend on how the input was cut into
 * partitions.  fp_fsum instead keeps the exact sum: every finite double is
 * an integer multiple of 2^-1074 below 2^1024, so the sum of any of them is
 * such an integer too, held here in 41 signed 64-bit chunks of 52-bit
 * digits (a superaccumulator, an idea of Neal 2015; this code is our own).
 * A double's 53-bit significand lands in two neighbouring chunks, added
 * without carrying; the chunks have 11 spare bits, so carries are
 * propagated once every FP_FSUM_MAX_ADDS additions.  Merging two
 * accumulators adds their chunks: exact, hence associative and
 * commutative.  The result is the exact sum rounded once to the nearest
 * double (ties to even).
 *
 * Specials follow IEEE addition in any order: a NaN anywhere gives NaN,
 * +inf and -inf together give NaN, otherwise an infinity gives itself.  An
 * exact sum beyond the largest double rounds to +-inf (it is rounded like
 * any other value, so 1e308 + 1e308 - 1e308 is 1e308, not inf).  The sum
 * of -0.0 values alone is -0.0; an exact zero otherwise is +0.0.
 *
 * The accumulator is plain bytes (no pointers): checkpoints and the MPI
 * shuffle carry it as they carry every accumulator, in host byte order.
 *
 * A keyed table's slots hold fp_xsum instead (below): the exact sum in a
 * 127-bit window, 24 bytes, promoted to an fp_fsum of its own, out of
 * line, when a value or a merge does not fit.  Promoted sums hold an
 * address, so the keyed checkpoint and the MPI shuffle pack them
 * (fp_acc_pack, fp_acc_unpack, fp_acc_fix).
 */
#include "internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TOP (FP_FSUM_CHUNKS - 1)

/* Propagate carries: chunks 0..TOP-1 end in [0, 2^52), the top chunk
 * keeps the sign. */
void fp_fsum_normalize(fp_fsum *a)
{
    int64_t carry = 0;
    for (int i = 0; i < TOP; i++) {
        int64_t x = a->chunk[i] + carry;
        carry = x >> FP_FSUM_DIGIT;   /* arithmetic shift: floor(x / 2^52) */
        a->chunk[i] = x & FP_FSUM_MASK;
    }
    a->chunk[TOP] += carry;
    a->adds = 0;
}

void fp_fsum_merge(fp_fsum *dst, const fp_fsum *src)
{
    fp_fsum s = *src;
    fp_fsum_normalize(&s);
    fp_fsum_normalize(dst);
    for (int i = 0; i < FP_FSUM_CHUNKS; i++)
        dst->chunk[i] += s.chunk[i];
    dst->adds = 1;   /* each digit now below 2 * 2^52: one addition's worth */
    dst->flags |= s.flags;
}

/* Bit p of a normalized, non-negative accumulator (bit 0: 2^-1074). */
static unsigned bit_at(const fp_fsum *a, int p)
{
    int d = p / FP_FSUM_DIGIT;
    if (d > TOP)
        d = TOP;
    int o = p - d * FP_FSUM_DIGIT;
    return o < 64 ? (unsigned)((uint64_t)a->chunk[d] >> o) & 1u : 0u;
}

/* Whether any bit below p is set. */
static bool any_below(const fp_fsum *a, int p)
{
    int d = p / FP_FSUM_DIGIT;
    for (int i = 0; i < d; i++)
        if (a->chunk[i])
            return true;
    int o = p - d * FP_FSUM_DIGIT;
    return ((uint64_t)a->chunk[d] & ((UINT64_C(1) << o) - 1)) != 0;
}

double fp_fsum_value(const fp_fsum *acc)
{
    unsigned f = acc->flags;
    if ((f & FP_FSUM_NAN) || ((f & FP_FSUM_POS_INF) && (f & FP_FSUM_NEG_INF)))
        return NAN;
    if (f & FP_FSUM_POS_INF)
        return INFINITY;
    if (f & FP_FSUM_NEG_INF)
        return -INFINITY;
    fp_fsum a = *acc;
    fp_fsum_normalize(&a);
    bool neg = a.chunk[TOP] < 0;
    if (neg) {   /* the magnitude: negate every digit and carry again */
        for (int i = 0; i < FP_FSUM_CHUNKS; i++)
            a.chunk[i] = -a.chunk[i];
        fp_fsum_normalize(&a);
    }
    int k = TOP;
    while (k >= 0 && a.chunk[k] == 0)
        k--;
    if (k < 0)   /* an exact zero */
        return (f & FP_FSUM_ANY) && !(f & FP_FSUM_NONNEG) ? -0.0 : 0.0;
    /* b: the position of the highest set bit. */
    int b = k * FP_FSUM_DIGIT + 63 - __builtin_clzll((unsigned long long)a.chunk[k]);
    uint64_t m = 0;
    int lo = b < 53 ? 0 : b - 52;   /* the 53 bits [lo, b] */
    for (int p = b; p >= lo; p--)
        m = m << 1 | bit_at(&a, p);
    if (lo > 0 && bit_at(&a, lo - 1) && ((m & 1) || any_below(&a, lo - 1))) {
        m++;   /* round half to even; 2^53 stays exact as a double */
    }
    /* Below 2^53 units the sum is exact (subnormals included); above, m
     * has 53 or 54 bits and ldexp overflows to inf past the range. */
    double r = ldexp((double)m, lo - 1074);
    return neg ? -r : r;
}

/* ---- fp_xsum: the window inline, the full form out of line ----------- */

/* Promoted sums live in blocks of one pool, carved from chunks that stay
 * listed (so reachable) until the process ends; a released block goes on
 * the pool's free list, for any thread to take again.  Promotion is rare
 * (values 2^74 apart in one key's sum), so one lock guards the pool.  A
 * chunk's bytes count against the tables' cap (FPIPE_MAX_TABLE_BYTES):
 * the promoted sums are the keyed state too. */
#define POOL_CHUNK 64   /* fp_fsums per chunk */
typedef struct pool_chunk {
    struct pool_chunk *next;
    fp_fsum sums[POOL_CHUNK];
} pool_chunk;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pool_chunk *all_chunks;   /* every chunk, newest first */
static int cur_used;             /* blocks taken from all_chunks' first */
static fp_fsum *free_sums;       /* released: the first chunk word links them */
static size_t big_bytes;         /* atomic: bytes of chunks */

static fp_fsum *big_new(void)
{
    fp_fsum *b;
    pthread_mutex_lock(&pool_lock);
    if (free_sums) {
        b = free_sums;
        memcpy(&free_sums, b->chunk, sizeof free_sums);
    } else {
        if (!all_chunks || cur_used == POOL_CHUNK) {
            /* Charged first: over the cap, the run stops here. */
            fp_ktab_charge_sums(sizeof(pool_chunk));
            pool_chunk *c = malloc(sizeof *c);
            if (!c)
                fp_oom();
            c->next = all_chunks;
            all_chunks = c;
            cur_used = 0;
            __atomic_add_fetch(&big_bytes, sizeof *c, __ATOMIC_RELAXED);
        }
        b = &all_chunks->sums[cur_used++];
    }
    pthread_mutex_unlock(&pool_lock);
    memset(b, 0, sizeof *b);
    return b;
}

static void big_release(fp_fsum *b)
{
    pthread_mutex_lock(&pool_lock);
    memcpy(b->chunk, &free_sums, sizeof free_sums);
    free_sums = b;
    pthread_mutex_unlock(&pool_lock);
}

size_t fp_xsum_big_bytes(void)
{
    return __atomic_load_n(&big_bytes, __ATOMIC_RELAXED);
}

static fp_fsum *big_of(const fp_xsum *a)
{
    return (fp_fsum *)(uintptr_t)a->lo;
}

static fp_i128 x_of(const fp_xsum *a)
{
    return (fp_i128)((fp_u128)(uint64_t)a->hi << 64 | a->lo);
}

static void set_x(fp_xsum *a, fp_i128 x)
{
    a->lo = (uint64_t)x;
    a->hi = (int64_t)(x >> 64);
}

/* Add x units of 2^(e - 1074) into the full form: x's magnitude in three
 * 52-bit digits, each into two neighbouring chunks (bits past the top
 * chunk's weight go into it, as fp_fsum_add's would). */
static void big_add_window(fp_fsum *a, fp_i128 x, int e)
{
    bool neg = x < 0;
    fp_u128 mag = neg ? -(fp_u128)x : (fp_u128)x;
    for (int j = 0; j < 3 && mag >> (52 * j); j++) {
        uint64_t g = (uint64_t)(mag >> (52 * j)) & (uint64_t)FP_FSUM_MASK;
        int p = e + 52 * j, i = p / FP_FSUM_DIGIT, sh = p % FP_FSUM_DIGIT;
        int64_t lo, hi;
        if (i >= TOP) {   /* near the top of the range, where it rounds to inf */
            int s = p - TOP * FP_FSUM_DIGIT;
            lo = s < 60 && g < UINT64_C(1) << (60 - s) ? (int64_t)(g << s) : INT64_C(1) << 60;
            hi = 0;
            i = TOP;
        } else {
            lo = (int64_t)((g << sh) & (uint64_t)FP_FSUM_MASK);
            hi = (int64_t)(g >> (FP_FSUM_DIGIT - sh));
        }
        a->chunk[i] += neg ? -lo : lo;
        if (hi)
            a->chunk[i + 1] += neg ? -hi : hi;
    }
    fp_fsum_normalize(a);
}

/* a's exact sum moves out of line for good. */
static void promote(fp_xsum *a)
{
    fp_fsum *b = big_new();
    fp_i128 x = x_of(a);
    if (x)
        big_add_window(b, x, a->e);
    a->lo = (uint64_t)(uintptr_t)b;
    a->hi = 0;
    a->e = FP_XSUM_NOWHERE;
    a->flags |= FP_XSUM_BIG;
}

/* x << s, when it does not overflow. */
static bool shl_fits(fp_i128 x, int s, fp_i128 *r)
{
    if (!x) {
        *r = 0;
        return true;
    }
    if (s >= 127)
        return false;
    fp_i128 t = (fp_i128)((fp_u128)x << s);
    if (t >> s != x)
        return false;
    *r = t;
    return true;
}

/* a's window += y units of 2^(ey - 1074), when the sum fits a window. */
static bool window_add(fp_xsum *a, fp_i128 y, int ey)
{
    fp_i128 x = x_of(a), r;
    if (!y)
        return true;
    if (!x) {
        set_x(a, y);
        a->e = ey;
        return true;
    }
    int e = a->e < ey ? a->e : ey;
    if (!shl_fits(x, a->e - e, &x) || !shl_fits(y, ey - e, &y) || __builtin_add_overflow(x, y, &r))
        return false;
    set_x(a, r);
    a->e = e;
    return true;
}

void fp_xsum_add_slow(fp_xsum *a, double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    unsigned e = (unsigned)(b >> 52) & 0x7ff;
    uint64_t m = b & ((UINT64_C(1) << 52) - 1);
    a->flags |= FP_FSUM_ANY | (b != UINT64_C(1) << 63 ? FP_FSUM_NONNEG : 0);
    if (e == 0x7ff) {
        a->flags |= m ? FP_FSUM_NAN : b >> 63 ? FP_FSUM_NEG_INF : FP_FSUM_POS_INF;
        return;
    }
    if (e)
        m |= UINT64_C(1) << 52;
    if (!m)
        return;   /* a zero: its sign is in the flags */
    if (!(a->flags & FP_XSUM_BIG)) {
        int q = (e ? (int)e - 1 : 0) + __builtin_ctzll(m);
        fp_i128 y = (fp_i128)(m >> __builtin_ctzll(m));
        if (window_add(a, b >> 63 ? -y : y, q))
            return;
        promote(a);
    }
    /* the full form's flags stay 0: the specials are kept in a's */
    fp_fsum_add(big_of(a), v);
    big_of(a)->flags = 0;
}

void fp_xsum_merge(fp_xsum *dst, const fp_xsum *src)
{
    unsigned f = src->flags & ~(unsigned)FP_XSUM_BIG;
    if (!(src->flags & FP_XSUM_BIG)) {
        if (!(dst->flags & FP_XSUM_BIG)) {
            if (window_add(dst, x_of(src), src->e)) {
                dst->flags |= f;
                return;
            }
            promote(dst);
        }
        big_add_window(big_of(dst), x_of(src), src->e);
    } else {
        if (!(dst->flags & FP_XSUM_BIG))
            promote(dst);
        fp_fsum_merge(big_of(dst), big_of(src));
    }
    dst->flags |= f;
}

/* The full form's value with the specials and signs of flags f. */
static double round_with(const fp_fsum *a, unsigned f)
{
    fp_fsum t = *a;
    t.flags = f & (FP_FSUM_ANY | FP_FSUM_NONNEG | FP_FSUM_POS_INF | FP_FSUM_NEG_INF |
                   FP_FSUM_NAN);
    return fp_fsum_value(&t);
}

double fp_xsum_value(const fp_xsum *a)
{
    if (a->flags & FP_XSUM_BIG)
        return round_with(big_of(a), a->flags);
    fp_i128 x = x_of(a);
    if (x && !(a->flags & (FP_FSUM_NAN | FP_FSUM_POS_INF | FP_FSUM_NEG_INF))) {
        /* The conversion rounds x to 53 bits once (half to even), and the
         * scaling is exact: a sum below 2^-1022 is a multiple of 2^-1074
         * under 2^52 units, so x converts exactly and scales to a
         * subnormal exactly; above, a normal or the inf of an overflow. */
        return ldexp((double)x, a->e - 1074);
    }
    /* specials and zeros: the full form's rules */
    fp_fsum t;
    memset(&t, 0, sizeof t);
    if (x)
        big_add_window(&t, x, a->e);
    return round_with(&t, a->flags);
}

/* ---- accumulators on the wire ------------------------------------------- */

static fp_xsum *xsum_in(const fp_pipeline *pl, const void *acc, int i)
{
    return (fp_xsum *)(uintptr_t)((const char *)acc + pl->xsum_at[i]);
}

size_t fp_acc_wire_size(const fp_pipeline *pl, const void *acc)
{
    size_t n = (pl->acc_size + 7) & ~(size_t)7;
    for (int i = 0; i < pl->nxsum; i++)
        if (xsum_in(pl, acc, i)->flags & FP_XSUM_BIG)
            n += sizeof(fp_fsum);
    return n;
}

void fp_acc_pack(const fp_pipeline *pl, const void *acc, char *dst)
{
    size_t a8 = (pl->acc_size + 7) & ~(size_t)7, at = a8;
    memcpy(dst, acc, pl->acc_size);
    memset(dst + pl->acc_size, 0, a8 - pl->acc_size);
    for (int i = 0; i < pl->nxsum; i++) {
        const fp_xsum *x = xsum_in(pl, acc, i);
        if (!(x->flags & FP_XSUM_BIG))
            continue;
        memset(dst + pl->xsum_at[i], 0, sizeof x->lo);   /* no address in a file */
        fp_fsum b = *big_of(x);
        fp_fsum_normalize(&b);
        memcpy(dst + at, &b, sizeof b);
        at += sizeof b;
    }
}

size_t fp_acc_unpack(const fp_pipeline *pl, void *dst, const char *src, size_t n)
{
    size_t a8 = (pl->acc_size + 7) & ~(size_t)7, at = a8;
    if (n < a8)
        return 0;
    memcpy(dst, src, pl->acc_size);
    for (int i = 0; i < pl->nxsum; i++) {
        fp_xsum *x = xsum_in(pl, dst, i);
        if (!(x->flags & FP_XSUM_BIG))
            continue;
        if (n - at < sizeof(fp_fsum)) {   /* cut short: no sum is left half made */
            for (int j = 0; j < i; j++)
                if (xsum_in(pl, dst, j)->flags & FP_XSUM_BIG)
                    big_release(big_of(xsum_in(pl, dst, j)));
            return 0;
        }
        fp_fsum *b = big_new();
        memcpy(b, src + at, sizeof *b);
        bool ok = true;   /* packed normalized: every digit but the top one in [0, 2^52) */
        for (int d = 0; d < TOP; d++)
            ok &= (uint64_t)b->chunk[d] <= (uint64_t)FP_FSUM_MASK;
        if (!ok) {
            big_release(b);
            for (int j = 0; j < i; j++)
                if (xsum_in(pl, dst, j)->flags & FP_XSUM_BIG)
                    big_release(big_of(xsum_in(pl, dst, j)));
            return 0;
        }
        b->adds = 0;
        x->lo = (uint64_t)(uintptr_t)b;
        at += sizeof *b;
    }
    return at;
}

void fp_acc_fix(const fp_pipeline *pl, void *wire)
{
    size_t at = (pl->acc_size + 7) & ~(size_t)7;
    for (int i = 0; i < pl->nxsum; i++) {
        fp_xsum *x = xsum_in(pl, wire, i);
        if (x->flags & FP_XSUM_BIG) {
            x->lo = (uint64_t)(uintptr_t)((char *)wire + at);
            at += sizeof(fp_fsum);
        }
    }
}

void fp_acc_copy(const fp_pipeline *pl, void *dst, const void *src)
{
    memcpy(dst, src, pl->acc_size);
    for (int i = 0; i < pl->nxsum; i++) {
        fp_xsum *x = xsum_in(pl, dst, i);
        if (!(x->flags & FP_XSUM_BIG))
            continue;
        fp_fsum *b = big_new();
        *b = *big_of(x);
        x->lo = (uint64_t)(uintptr_t)b;
    }
}

void fp_acc_release_new(const fp_pipeline *pl, void *acc, const void *orig)
{
    for (int i = 0; i < pl->nxsum; i++) {
        fp_xsum *x = xsum_in(pl, acc, i);
        const fp_xsum *o = xsum_in(pl, orig, i);
        if ((x->flags & FP_XSUM_BIG) && !((o->flags & FP_XSUM_BIG) && o->lo == x->lo)) {
            big_release(big_of(x));
            x->flags &= ~(unsigned)FP_XSUM_BIG;
            x->lo = 0;
        }
    }
}

void fp_acc_release(const fp_pipeline *pl, void *acc)
{
    for (int i = 0; i < pl->nxsum; i++) {
        fp_xsum *x = xsum_in(pl, acc, i);
        if (x->flags & FP_XSUM_BIG) {
            big_release(big_of(x));
            x->flags &= ~(unsigned)FP_XSUM_BIG;
            x->lo = 0;
        }
    }
}
