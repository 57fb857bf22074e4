/* f64out.c — f64 values as text: the sinks' and str()'s shortest digits.
 *
 * Apart from util.c so that only a program that prints an f64 pulls this
 * object out of libfpipe.a, and with it f64.cc (Dragonbox) and the C++
 * runtime (docs/running.md, "Linking"): a word count links neither.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

uint64_t fp_f64_digits(double v, int *exp10);   /* f64.cc: Dragonbox */

/* "00" to "99": an f64's up to 17 digits are written two per division. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The decimal digits of u > 0, written backwards ending at end; returns
 * where they start.  Eight digits at a time come off with one 64-bit
 * division, the rest with 32-bit ones. */
static char *digits_before(char *end, uint64_t u)
{
    while (u >= 100000000) {
        uint32_t lo = (uint32_t)(u % 100000000);
        u /= 100000000;
        for (int i = 0; i < 4; i++, lo /= 100) {
            end -= 2;
            memcpy(end, digit_pairs + 2 * (lo % 100), 2);
        }
    }
    uint32_t v = (uint32_t)u;
    for (; v >= 100; v /= 100) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * (v % 100), 2);
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

/* The shortest digits that read back as v (Dragonbox, f64.cc), laid out
 * as C's %.Pg would with P = max(15, their count): plain decimal for
 * exponents -5 to P-1, else d.ddde+XX (two exponent digits at least).
 * The 15 keeps the layout of the %.15g/16g/17g search this replaced
 * (1e+15, 100000000000000, 1e-05), so every value it printed shortest
 * prints the same bytes (tests/unit: fp_out_f64 against that search).
 * Writes at most F64_TEXT_MAX bytes at o (24 at most: a sign, 17 digits
 * and "0.0000", or d.dddde-308); returns how many. */
#define F64_TEXT_MAX 32
static size_t f64_text(char *o, double v)
{
    char *start = o;
    if (v != v) {
        memcpy(o, "nan", 3);
        return 3;
    }
    if (signbit(v)) {
        *o++ = '-';
        v = -v;
    }
    if (v == 0) {
        *o++ = '0';
        return (size_t)(o - start);
    }
    if (v == 1.0 / 0.0) {
        memcpy(o, "inf", 3);
        return (size_t)(o + 3 - start);
    }
    int e;
    uint64_t sig = fp_f64_digits(v, &e);
    while (sig % 10 == 0) {   /* Dragonbox gives none; cheap to be sure */
        sig /= 10;
        e++;
    }
    char dig[20];   /* the significand's digits, most significant first */
    const char *d = digits_before(dig + sizeof dig, sig);
    int nd = (int)(dig + sizeof dig - d);
    int x = e + nd - 1;   /* the exponent of the first digit */
    int prec = nd > 15 ? nd : 15;
    if (x < -4 || x >= prec) {
        *o++ = d[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100)
            *o++ = (char)('0' + ax / 100);
        *o++ = (char)('0' + ax / 10 % 10);
        *o++ = (char)('0' + ax % 10);
    } else if (x < 0) {   /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (int i = -1; i > x; i--)
            *o++ = '0';
        memcpy(o, d, (size_t)nd);
        o += nd;
    } else if (nd <= x + 1) {   /* an integer: ddd000 */
        memcpy(o, d, (size_t)nd);
        o += nd;
        for (int i = nd; i <= x; i++)
            *o++ = '0';
    } else {   /* ddd.ddd */
        memcpy(o, d, (size_t)x + 1);
        o += x + 1;
        *o++ = '.';
        memcpy(o, d + x + 1, (size_t)(nd - x - 1));
        o += nd - x - 1;
    }
    return (size_t)(o - start);
}

void fp_out_f64(fp_buf *b, double v)
{
    fp_buf_reserve(b, F64_TEXT_MAX);
    b->n += f64_text(b->p + b->n, v);
}

/* An f64 as a JSON number; JSON has none for nan and the infinities. */
void fp_out_json_f64(fp_buf *b, double v)
{
    if (v != v || v - v != 0) {   /* nan, inf */
        fp_buf_reserve(b, 4);
        memcpy(b->p + b->n, "null", 4);
        b->n += 4;
        return;
    }
    fp_out_f64(b, v);
}

/* str(x) of an f64: its text, written in the arena, which keeps what it
 * needs. */
fp_str fp_str_of_f64(fp_arena *a, double v)
{
    char *o = fp_arena_alloc(a, F64_TEXT_MAX);
    size_t n = f64_text(o, v);
    fp_arena_trim(a, o, n);
    return fp_str_lit(o, n);
}

/* i64(x): the range test is on doubles, where -2^63 and 2^63 are exact;
 * nan fails both comparisons.  Here, not in util.c, because its message
 * prints the value: only a program that calls i64() links this file. */
int64_t fp_i64_of_f64(fp_worker *w, const fp_site *site, double x)
{
    if (x >= -9223372036854775808.0 && x < 9223372036854775808.0)
        return (int64_t)x;
    fp_str t = fp_str_of_f64(w->arena, x);
    fp_elem_error(w, site, fp_arena_printf(w->arena, 0, "i64: %.*s is %s", (int)t.n, t.p,
                                           x != x ? "not a number" : "out of the i64 range"));
    return 0;
}
