/*
 * gen_corpus.c -- deterministic text corpus generator for the fpipe benchmarks.
 *
 *   gen_corpus SIZE_MB SEED > corpus.txt
 *
 * Writes about SIZE_MB * 1,000,000 bytes (always whole lines, so slightly
 * more) of pseudo-text.  The output depends only on SIZE_MB and SEED: every
 * random decision comes from a splitmix64 generator and every computation that
 * influences the output uses integer arithmetic, so the same arguments give the
 * same bytes on any machine.
 *
 * Model:
 *   - a vocabulary of VOCAB (300,000) distinct words, generated from the seed;
 *     frequent (low-rank) words are short, rare ones long (1..12 letters,
 *     letters drawn with English-like frequencies);
 *   - about 2% of the words are "dirty": capitalised, with digits, pure
 *     numbers, with UTF-8 multi-byte characters, with a lone byte >= 0x80, or
 *     (rarely) with a backslash;
 *   - tokens are drawn from a Zipf distribution with exponent 1.0 over the
 *     ranks, using the integer weights floor(2^40 / (rank + 1)), a cumulative
 *     table and a guide table (O(1) expected lookups);
 *   - tokens are separated by one space (97%), a tab (1.5%) or two spaces
 *     (1.5%); lines hold 8..20 tokens and end with '\n'.
 *
 * Build: gcc -std=c11 -O2 -Wall -Wextra -Werror -o gen_corpus gen_corpus.c
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VOCAB       300000u
#define MAX_WORD    24              /* longest word the generator can build */
#define DEDUP_BITS  20              /* dedup hash set: 2^20 slots > 3 * VOCAB */
#define GUIDE_BITS  18              /* guide table for the CDF search */
#define OUTBUF      (1u << 20)

/* ---------------------------------------------------------------- PRNG */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform integer in [0, n) for n < 2^32 (multiply-shift, no modulo bias
 * worth mentioning, exact integer arithmetic). */
static uint32_t rng_below(uint32_t n)
{
    return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* ---------------------------------------------------------------- letters */

/* Approximate English letter frequencies (per 1003). */
static const unsigned short letter_weight[26] = {
    /* a */ 82, /* b */ 15, /* c */ 28, /* d */ 43, /* e */ 127, /* f */ 22,
    /* g */ 20, /* h */ 61, /* i */ 70, /* j */ 2,  /* k */ 8,   /* l */ 40,
    /* m */ 24, /* n */ 67, /* o */ 75, /* p */ 19, /* q */ 1,   /* r */ 60,
    /* s */ 63, /* t */ 91, /* u */ 28, /* v */ 10, /* w */ 24,  /* x */ 2,
    /* y */ 20, /* z */ 1
};
static unsigned char letter_table[1024];
static uint32_t letter_total;

static void init_letters(void)
{
    uint32_t k = 0;
    for (int c = 0; c < 26; c++)
        for (unsigned w = 0; w < letter_weight[c]; w++)
            letter_table[k++] = (unsigned char)('a' + c);
    letter_total = k;
}

static unsigned char rand_letter(void)
{
    return letter_table[rng_below(letter_total)];
}

/* ---------------------------------------------------------------- vocabulary */

static unsigned char *pool;         /* all word bytes, back to back */
static uint32_t *woff;              /* word i = pool[woff[i] .. woff[i]+wlen[i]) */
static unsigned char *wlen;
static uint32_t pool_used;
static int32_t *dedup;              /* open addressing set of word indices */

static uint32_t bytes_hash(const unsigned char *s, size_t n)
{
    uint32_t h = 2166136261u;       /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 16777619u;
    }
    return h;
}

/* Adds the word if it is new; returns 1 if added, 0 if it already exists. */
static int vocab_add(uint32_t idx, const unsigned char *w, size_t n)
{
    uint32_t mask = (1u << DEDUP_BITS) - 1;
    uint32_t h = bytes_hash(w, n) & mask;
    for (;;) {
        int32_t j = dedup[h];
        if (j < 0)
            break;
        if (wlen[j] == n && memcmp(pool + woff[j], w, n) == 0)
            return 0;
        h = (h + 1) & mask;
    }
    dedup[h] = (int32_t)idx;
    woff[idx] = pool_used;
    wlen[idx] = (unsigned char)n;
    memcpy(pool + pool_used, w, n);
    pool_used += (uint32_t)n;
    return 1;
}

static unsigned ilog2_u32(uint32_t x)
{
    unsigned r = 0;
    while (x >>= 1)
        r++;
    return r;
}

/* Makes a word "dirty" in place; returns its new length. */
static size_t dirty(unsigned char *w, size_t n)
{
    uint32_t kind = rng_below(1000);
    if (kind < 350) {                       /* Capitalised */
        w[0] = (unsigned char)(w[0] - 'a' + 'A');
    } else if (kind < 450) {                /* a capital inside (McDonald) */
        size_t i = rng_below((uint32_t)n);
        if (w[i] >= 'a' && w[i] <= 'z')
            w[i] = (unsigned char)(w[i] - 'a' + 'A');
    } else if (kind < 550) {                /* letters then 1-2 digits */
        size_t k = 1 + rng_below(2);
        for (size_t i = 0; i < k; i++)
            w[n++] = (unsigned char)('0' + rng_below(10));
    } else if (kind < 650) {                /* a number */
        n = 1 + rng_below(6);
        for (size_t i = 0; i < n; i++)
            w[i] = (unsigned char)('0' + rng_below(10));
        if (n > 1 && w[0] == '0')
            w[0] = (unsigned char)('1' + rng_below(9));
    } else if (kind < 900) {                /* a Latin-1 letter in UTF-8 */
        size_t i = rng_below((uint32_t)n);  /* replaces w[i] */
        memmove(w + i + 2, w + i + 1, n - i - 1);
        w[i] = 0xC3;
        w[i + 1] = (unsigned char)(0xA0 + rng_below(0x20));
        n++;
    } else if (kind < 960) {                /* a 3-byte UTF-8 char (CJK) */
        size_t i = rng_below((uint32_t)n);
        memmove(w + i + 3, w + i + 1, n - i - 1);
        w[i] = (unsigned char)(0xE4 + rng_below(6));
        w[i + 1] = (unsigned char)(0x80 + rng_below(0x40));
        w[i + 2] = (unsigned char)(0x80 + rng_below(0x40));
        n += 2;
    } else if (kind < 990) {                /* a lone byte >= 0x80 (not UTF-8) */
        size_t i = rng_below((uint32_t)n);
        w[i] = (unsigned char)(0x80 + rng_below(0x80));
    } else {                                /* a backslash */
        size_t i = rng_below((uint32_t)n + 1);
        memmove(w + i + 1, w + i, n - i);
        w[i] = '\\';
        n++;
    }
    return n;
}

static void build_vocab(void)
{
    pool = malloc((size_t)VOCAB * MAX_WORD);
    woff = malloc(sizeof *woff * VOCAB);
    wlen = malloc(VOCAB);
    dedup = malloc(sizeof *dedup << DEDUP_BITS);
    if (!pool || !woff || !wlen || !dedup) {
        fprintf(stderr, "gen_corpus: out of memory\n");
        exit(1);
    }
    memset(dedup, 0xff, sizeof *dedup << DEDUP_BITS);

    for (uint32_t r = 0; r < VOCAB; r++) {
        /* target length grows with log(rank): 1 for the top words, 12 for the
         * rarest */
        unsigned target = 1 + ilog2_u32(r + 1) * 5 / 8;
        for (unsigned attempt = 0;; attempt++) {
            unsigned char w[MAX_WORD];
            int len = (int)target + (int)rng_below(5) - 2 + (int)(attempt / 8);
            if (len < 1)
                len = 1;
            if (len > 12)
                len = 12;
            for (int i = 0; i < len; i++)
                w[i] = rand_letter();
            size_t n = (size_t)len;
            if (r >= 10 && rng_below(1000) < 20)
                n = dirty(w, n);
            if (vocab_add(r, w, n))
                break;
        }
    }
}

/* ---------------------------------------------------------------- Zipf */

static uint64_t *cdf;               /* cdf[i] = sum of weights of ranks 0..i */
static uint32_t *guide;             /* guide[b] = first i with cdf[i] > b<<shift */
static unsigned guide_shift;
static uint64_t cdf_total;

static void build_zipf(void)
{
    cdf = malloc(sizeof *cdf * VOCAB);
    if (!cdf) {
        fprintf(stderr, "gen_corpus: out of memory\n");
        exit(1);
    }
    uint64_t acc = 0;
    for (uint32_t r = 0; r < VOCAB; r++) {
        acc += (UINT64_C(1) << 40) / (r + 1);
        cdf[r] = acc;
    }
    cdf_total = acc;                        /* about 2^43.7 */

    unsigned bits = 0;
    while ((cdf_total >> bits) != 0)
        bits++;
    guide_shift = bits > GUIDE_BITS ? bits - GUIDE_BITS : 0;
    size_t nb = (size_t)(cdf_total >> guide_shift) + 1;
    guide = malloc(sizeof *guide * nb);
    if (!guide) {
        fprintf(stderr, "gen_corpus: out of memory\n");
        exit(1);
    }
    uint32_t i = 0;
    for (size_t b = 0; b < nb; b++) {
        uint64_t lo = (uint64_t)b << guide_shift;
        while (i < VOCAB - 1 && cdf[i] <= lo)
            i++;
        guide[b] = i;
    }
}

static uint32_t zipf_draw(void)
{
    uint64_t u = rng_next() % cdf_total;
    uint32_t i = guide[u >> guide_shift];
    while (cdf[i] <= u)
        i++;
    return i;
}

/* ---------------------------------------------------------------- output */

static unsigned char *obuf;
static size_t olen;

static void flush_out(void)
{
    if (olen && fwrite(obuf, 1, olen, stdout) != olen) {
        fprintf(stderr, "gen_corpus: write error: %s\n", strerror(errno));
        exit(1);
    }
    olen = 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_corpus SIZE_MB SEED > file\n"
                    "  writes about SIZE_MB * 10^6 bytes of deterministic text\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        usage();
    char *end;
    errno = 0;
    double mb = strtod(argv[1], &end);
    if (errno || *end || end == argv[1] || !(mb >= 0) || mb > 1e7)
        usage();
    errno = 0;
    uint64_t seed = strtoull(argv[2], &end, 0);
    if (errno || *end || end == argv[2])
        usage();
    uint64_t target = (uint64_t)(mb * 1e6);

    rng_state = seed ^ 0x6670697065636F72ULL;   /* "fpipecor" */
    init_letters();
    build_vocab();
    build_zipf();

    obuf = malloc(OUTBUF + 1024);
    if (!obuf) {
        fprintf(stderr, "gen_corpus: out of memory\n");
        return 1;
    }

    uint64_t written = 0;
    while (written < target) {
        uint32_t nwords = 8 + rng_below(13);
        size_t start = olen;
        for (uint32_t k = 0; k < nwords; k++) {
            if (k) {
                uint32_t s = rng_below(1000);
                if (s < 970) {
                    obuf[olen++] = ' ';
                } else if (s < 985) {
                    obuf[olen++] = '\t';
                } else {
                    obuf[olen++] = ' ';
                    obuf[olen++] = ' ';
                }
            }
            uint32_t w = zipf_draw();
            memcpy(obuf + olen, pool + woff[w], wlen[w]);
            olen += wlen[w];
        }
        obuf[olen++] = '\n';
        written += olen - start;
        if (olen >= OUTBUF)
            flush_out();
    }
    flush_out();
    if (fflush(stdout) != 0) {
        fprintf(stderr, "gen_corpus: write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
