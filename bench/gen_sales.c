/*
 * gen_sales.c -- deterministic sales CSV generator for the fpipe group-by
 * benchmark (bench/groupby.sh).
 *
 *   gen_sales MB SEED > sales.csv
 *
 * Writes the header "id,city,product,qty,price" and then rows until the
 * output holds at least MB * 1,000,000 bytes (whole lines; MB may be a
 * fraction such as 0.01).  The output depends only on the arguments: every
 * random decision comes from a splitmix64 generator and only integer
 * arithmetic influences the bytes, so the same arguments give the same file
 * on any machine.
 *
 * Columns:
 *   id       1, 2, 3, ...
 *   city     one of NCITY (2000) distinct city-like names made from the seed:
 *            ASCII letters, capitalised, 3..31 bytes; about a fifth hold a
 *            space ("New Varbo", "Tessel Springs", "Mora Keldan"), and some
 *            are a proper prefix of another ("Lund" / "Lundville"), so the
 *            sort order of the group-by output is exercised.  Cities follow
 *            a Zipf law (exponent 1) over their ranks: weights
 *            floor(2^40 / (rank + 1)), a cumulative table, binary search.
 *   product  one of NPRODUCT (400) lowercase words, uniform.
 *   qty      an integer, uniform in [-50, 1000].
 *   price    a decimal with two digits, uniform in [0.01, 999.99].
 * No field is quoted and none holds a comma, quote or newline.
 *
 * Build: cc -std=c11 -O2 -Wall -Wextra -o gen_sales gen_sales.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCITY       2000u
#define NPRODUCT    400u
#define NAME_MAX_   32              /* buffer size of a generated name */
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

/* Uniform in [0, n), n < 2^32 (multiply-shift). */
static uint32_t rng_below(uint32_t n)
{
    return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

#define PICK(arr) ((arr)[rng_below((uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

/* ---------------------------------------------------------------- names */

static const char *const onsets[] = {
    "b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "kl", "l", "m",
    "n", "p", "pr", "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "z", "",
};
static const char *const vowels[] = {
    "a", "a", "e", "e", "i", "o", "o", "u", "ai", "ea", "ou", "y",
};
static const char *const codas[] = {
    "", "", "", "n", "r", "s", "l", "m", "nd", "rt", "ck", "st",
};
static const char *const endings[] = {
    "ton", "ville", "burg", "field", "ford", "port", "stad", "holm", "by",
    "mouth", "wick", "dale",
};
static const char *const prefixes[] = {
    "New ", "San ", "Port ", "Lake ", "Fort ", "Saint ", "East ", "West ",
    "North ", "South ", "Mount ", "Las ",
};
static const char *const second_words[] = {
    " Springs", " City", " Heights", " Falls", " Harbor", " Junction",
    " Valley", " Beach",
};

/* Appends src to the name in buf (length *n), if it fits. */
static void put(char *buf, size_t *n, const char *src)
{
    size_t l = strlen(src);
    if (*n + l < NAME_MAX_) {
        memcpy(buf + *n, src, l);
        *n += l;
        buf[*n] = '\0';
    }
}

/* A pronounceable lowercase word of `syl` syllables. */
static void word(char *buf, size_t *n, unsigned syl)
{
    for (unsigned i = 0; i < syl; i++) {
        put(buf, n, PICK(onsets));
        put(buf, n, PICK(vowels));
        if (i + 1 == syl || rng_below(3) == 0)
            put(buf, n, PICK(codas));
    }
}

/* A capitalised single-word place name, at least 3 bytes. */
static void place(char *buf, size_t *n)
{
    size_t start = *n;
    do {
        *n = start;
        buf[start] = '\0';
        word(buf, n, 1 + rng_below(3));
        if (rng_below(4) == 0)
            put(buf, n, PICK(endings));
    } while (*n - start < 3);
    if (buf[start] >= 'a' && buf[start] <= 'z')
        buf[start] = (char)(buf[start] - 'a' + 'A');
}

typedef struct {
    char s[NAME_MAX_];
    size_t len;
} Name;

static int name_seen(const Name *names, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (names[i].len == len && memcmp(names[i].s, s, len) == 0)
            return 1;
    return 0;
}

/* Fills names[0..count) with distinct names; city = 1 for city names,
 * 0 for lowercase product words. */
static void make_names(Name *names, size_t count, int city)
{
    size_t made = 0;
    while (made < count) {
        char buf[NAME_MAX_];
        size_t n = 0;
        buf[0] = '\0';
        if (!city) {
            word(buf, &n, 1 + rng_below(3));
            if (n < 3)
                continue;
        } else {
            uint32_t kind = rng_below(100);
            if (kind < 10) {                    /* "New Varbo" */
                put(buf, &n, PICK(prefixes));
                place(buf, &n);
            } else if (kind < 16) {             /* "Tessel Springs" */
                place(buf, &n);
                put(buf, &n, PICK(second_words));
            } else if (kind < 21) {             /* "Mora Keldan" */
                place(buf, &n);
                put(buf, &n, " ");
                place(buf, &n);
            } else if (kind < 27 && made > 0) { /* an extension of a city */
                const Name *base = &names[rng_below((uint32_t)made)];
                put(buf, &n, base->s);
                put(buf, &n, PICK(endings));
            } else {
                place(buf, &n);
            }
        }
        if (name_seen(names, made, buf, n))
            continue;
        memcpy(names[made].s, buf, n + 1);
        names[made].len = n;
        made++;
    }
}

/* ---------------------------------------------------------------- output */

static char outbuf[OUTBUF + 256];
static size_t outlen;

static void flush_out(void)
{
    if (outlen && fwrite(outbuf, 1, outlen, stdout) != outlen) {
        fprintf(stderr, "gen_sales: write error: %s\n", strerror(errno));
        exit(1);
    }
    outlen = 0;
}

static void out_bytes(const char *s, size_t n)
{
    memcpy(outbuf + outlen, s, n);
    outlen += n;
}

static void out_uint(uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_bytes(tmp + i, sizeof tmp - i);
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr, "usage: gen_sales MB SEED > file.csv\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        usage();
    char *end;
    errno = 0;
    double mb = strtod(argv[1], &end);
    if (errno || *end || end == argv[1] || !(mb >= 0) || mb > 1e6)
        usage();
    uint64_t seed = strtoull(argv[2], &end, 10);
    if (errno || *end || end == argv[2])
        usage();
    uint64_t target = (uint64_t)(mb * 1e6 + 0.5);

    rng_state = seed;
    static Name cities[NCITY], products[NPRODUCT];
    make_names(cities, NCITY, 1);
    make_names(products, NPRODUCT, 0);

    /* Zipf(1) over city ranks: cumulative integer weights. */
    static uint64_t cdf[NCITY];
    uint64_t total = 0;
    for (uint32_t r = 0; r < NCITY; r++) {
        total += ((uint64_t)1 << 40) / (r + 1);
        cdf[r] = total;
    }

    static const char header[] = "id,city,product,qty,price\n";
    out_bytes(header, sizeof header - 1);
    uint64_t written = sizeof header - 1;
    for (uint64_t id = 1; written < target; id++) {
        /* first rank whose cumulative weight exceeds u */
        uint64_t u = rng_next() % total;
        size_t lo = 0, hi = NCITY - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cdf[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        const Name *c = &cities[lo];
        const Name *p = &products[rng_below(NPRODUCT)];
        int64_t qty = (int64_t)rng_below(1051) - 50;
        uint32_t cents = 1 + rng_below(99999);

        size_t before = outlen;
        out_uint(id);
        out_bytes(",", 1);
        out_bytes(c->s, c->len);
        out_bytes(",", 1);
        out_bytes(p->s, p->len);
        out_bytes(",", 1);
        if (qty < 0) {
            out_bytes("-", 1);
            out_uint((uint64_t)-qty);
        } else {
            out_uint((uint64_t)qty);
        }
        out_bytes(",", 1);
        out_uint(cents / 100);
        char frac[4] = { '.', (char)('0' + cents / 10 % 10), (char)('0' + cents % 10), '\n' };
        out_bytes(frac, 4);
        written += outlen - before;
        if (outlen >= OUTBUF)
            flush_out();
    }
    flush_out();
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "gen_sales: write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
