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
 */
#include "libfpipe.h"

#include <math.h>
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
