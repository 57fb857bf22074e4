/* test_runtime.c — unit tests for libfpipe: the hash table, the line
 * splitter at partition edges, split_ws, the TSV writers, key encodings,
 * wrapping arithmetic, find/field/fail, sink atomicity, and the inline CSV
 * record scanner against fp_csv_next.
 *
 * Prints one "ok - NAME" or "FAIL - NAME: why" line per test; tests/run.sh
 * counts them.  Exit status 1 if anything failed.
 */
#include "internal.h"

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

/* A deterministic PRNG for the tests' data. */
static uint64_t rng = 0x243f6a8885a308d3u;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---- hash table ---------------------------------------------------- */

static bool ktab_counts_and_grows(void)
{
    enum { N = 50000 };
    static char keys[N][12 + FP_PAD];   /* the padding contract */
    fp_ktab *t = fp_ktab_new(sizeof(int64_t));
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            int n = snprintf(keys[i], sizeof keys[i], "k%d", i);
            bool fresh;
            int64_t *v = fp_ktab_upsert(t, fp_str_lit(keys[i], (size_t)n), false, &fresh);
            CHECK(fresh == (round == 0), "key %d round %d: fresh=%d", i, round, fresh);
            if (fresh)
                *v = 1;
            else
                *v += 1;
        }
    }
    CHECK(t->count == N, "count %zu, want %d", t->count, N);
    CHECK(t->mask + 1 >= 2 * (size_t)N, "capacity %zu did not grow", t->mask + 1);
    fp_kentry *s;
    size_t n;
    fp_ktab_sort(t, &s, &n);
    CHECK(n == N, "sorted %zu entries", n);
    for (size_t i = 0; i < n; i++) {
        CHECK(*(int64_t *)(s[i].slot + 1) == 3, "value %lld", (long long)*(int64_t *)(s[i].slot + 1));
        if (i)
            CHECK(fp_str_cmp(fp_kslot_key(s[i - 1].slot), fp_kslot_key(s[i].slot)) < 0,
                  "not sorted at %zu", i);
    }
    fp_big_free(s, n * sizeof *s);
    fp_ktab_free(t);
    return true;
}

/* Growth in place (the slot array's pages move, old slots are rehashed
 * where they lie) from 16 slots to 2^20, big tables (mremap) and small
 * (calloc) alike: every key is found with its value after every doubling.
 * Then the packed sort gives the order and values of the plain sort, and
 * leaves the slots packed at the front with an empty rest. */
static bool ktab_grows_in_place_and_sorts_packed(void)
{
    enum { N = 400000 };
    char (*keys)[40 + FP_PAD] = calloc(N, sizeof *keys);
    size_t *len = calloc(N, sizeof *len);
    CHECK(keys && len, "calloc");
    fp_ktab *t[2] = {fp_ktab_new_sized(sizeof(int64_t), 4), fp_ktab_new_sized(sizeof(int64_t), 4)};
    size_t last_cap = 16;
    for (int i = 0; i < N; i++) {
        len[i] = (size_t)snprintf(keys[i], 40, i % 7 ? "w%x" : "a-long-key-past-sixteen-%d", i);
        for (int k = 0; k < 2; k++) {
            bool fresh;
            *(int64_t *)fp_ktab_upsert(t[k], fp_str_lit(keys[i], len[i]), false, &fresh) = i;
            CHECK(fresh, "key %d fresh", i);
        }
        if (t[0]->mask + 1 != last_cap) {   /* it just doubled: every key so far is there */
            last_cap = t[0]->mask + 1;
            for (int j = 0; j <= i; j++) {
                bool fresh;
                int64_t *v = fp_ktab_upsert(t[0], fp_str_lit(keys[j], len[j]), false, &fresh);
                CHECK(!fresh && *v == j, "cap %zu: key %d lost (fresh %d, value %lld)", last_cap,
                      j, fresh, (long long)*v);
            }
        }
    }
    CHECK(t[0]->mask + 1 == ((size_t)1 << 20), "capacity %zu", t[0]->mask + 1);
    fp_kentry *a, *b;
    size_t na, nb;
    fp_ktab_sort(t[0], &a, &na);
    fp_ktab_sort_packed(t[1], &b, &nb);
    CHECK(na == N && nb == N, "sorted %zu and %zu", na, nb);
    for (size_t i = 0; i < na; i++) {
        CHECK(fp_str_eq(fp_kslot_key(a[i].slot), fp_kslot_key(b[i].slot)) &&
                  *(int64_t *)(a[i].slot + 1) == *(int64_t *)(b[i].slot + 1),
              "entry %zu differs", i);
        CHECK(i == 0 || fp_str_cmp(fp_kslot_key(b[i - 1].slot), fp_kslot_key(b[i].slot)) < 0,
              "not sorted at %zu", i);
    }
    size_t cap = t[1]->mask + 1;
    for (size_t i = 0; i < cap; i++)
        CHECK((((const fp_kslot *)(t[1]->slots + i * t[1]->stride))->tag != 0) == (i < nb),
              "slot %zu: not packed", i);
    fp_big_free(a, na * sizeof *a);
    fp_big_free(b, nb * sizeof *b);
    fp_ktab_free(t[0]);
    fp_ktab_free(t[1]);
    free(keys);
    free(len);
    return true;
}

static bool ktab_copied_keys_and_empty_key(void)
{
    fp_ktab *t = fp_ktab_new(sizeof(int64_t));
    bool fresh;
    char buf[FP_KEYBUF] = {0};
    for (int64_t k = -5; k <= 5; k++) {
        int64_t *v = fp_ktab_upsert(t, fp_key_i64(buf, k), true, &fresh);
        *v = k * 10;
        memset(buf, 0x55, 8);   /* the table must not depend on the buffer */
    }
    int64_t *e = fp_ktab_upsert(t, fp_str_lit("" FP_LIT_PAD, 0), false, &fresh);
    CHECK(fresh, "empty key not fresh");
    *e = 99;
    CHECK(t->count == 12, "count %zu", t->count);
    fp_kentry *s;
    size_t n;
    fp_ktab_sort(t, &s, &n);
    /* The empty key sorts first, then -5..5 in numeric order. */
    CHECK(n == 12 && fp_kslot_key(s[0].slot).n == 0, "empty key not first");
    for (int i = 1; i < 12; i++) {
        int64_t k = fp_unkey_i64(fp_kslot_key(s[i].slot));
        CHECK(k == i - 6, "slot %d holds key %lld", i, (long long)k);
        CHECK(*(int64_t *)(s[i].slot + 1) == k * 10, "value of %lld", (long long)k);
    }
    fp_big_free(s, n * sizeof *s);
    fp_ktab_free(t);
    return true;
}

/* Collects what fp_kruns_merge emits. */
typedef struct emitted {
    char keys[16][24];
    double vals[16];
    int n;
} emitted;

static void collect(void *ctx, fp_str key, const void *acc)
{
    emitted *e = ctx;
    if (e->n < 16) {
        memcpy(e->keys[e->n], key.p, key.n);
        e->keys[e->n][key.n] = 0;
        e->vals[e->n] = *(const double *)acc;
    }
    e->n++;
}

static void fold_f64(void *dst, const void *src)
{
    *(double *)dst += *(const double *)src;
}

/* Sorted runs merge into ascending keys, equal keys folded in run order:
 * ((1e16 + 1) + 1) and (1e16 + (1 + 1)) differ in f64, so the order shows. */
static bool kruns_merge_in_run_order(void)
{
    fp_ktab *t[3];
    static const char *const words[3][3] = {{"b", "a", "a-very-long-key-over-16"},
                                            {"a", "c", "a-very-long-key-over-16"},
                                            {"a", "a-very-long-key-over-16", NULL}};
    static const double vals[3] = {1e16, 1, 1};
    char buf[3][3][40];
    for (int r = 0; r < 3; r++) {
        t[r] = fp_ktab_new(sizeof(double));
        for (int i = 0; i < 3 && words[r][i]; i++) {
            bool fresh;
            memset(buf[r][i], 0, sizeof buf[r][i]);
            strcpy(buf[r][i], words[r][i]);
            double *v = fp_ktab_upsert(t[r], fp_str_lit(buf[r][i], strlen(buf[r][i])), false, &fresh);
            CHECK(fresh, "fresh");
            *v = vals[r];
        }
    }
    fp_kentry *runs[3];
    size_t ns[3];
    for (int r = 0; r < 3; r++)
        fp_ktab_sort(t[r], &runs[r], &ns[r]);
    emitted e = {0};
    fp_kruns_merge(runs, ns, 3, sizeof(double), fold_f64, NULL, collect, &e);
    CHECK(e.n == 4, "%d keys, want 4", e.n);
    CHECK(!strcmp(e.keys[0], "a") && !strcmp(e.keys[1], "a-very-long-key-over-16") &&
              !strcmp(e.keys[2], "b") && !strcmp(e.keys[3], "c"),
          "order %s %s %s %s", e.keys[0], e.keys[1], e.keys[2], e.keys[3]);
    CHECK(e.vals[0] == (1e16 + 1) + 1, "a = %.17g: not folded in run order", e.vals[0]);
    CHECK(e.vals[2] == 1e16 && e.vals[3] == 1, "b, c");
    for (int r = 0; r < 3; r++) {
        fp_big_free(runs[r], ns[r] * sizeof *runs[r]);
        fp_ktab_free(t[r]);
    }
    return true;
}

static bool hash_spreads_similar_keys(void)
{
    /* Keys differing in one byte anywhere must hash apart (the tail loads
     * overlap; make sure no byte is ignored). */
    char k[20 + FP_PAD] = {0};
    for (size_t n = 1; n <= 20; n++) {
        memset(k, 'a', n);
        uint64_t base = fp_hash(k, n);
        for (size_t i = 0; i < n; i++) {
            k[i] = 'b';
            CHECK(fp_hash(k, n) != base, "len %zu: byte %zu ignored", n, i);
            k[i] = 'a';
        }
        CHECK(fp_hash(k, n) != fp_hash(k, n - 1) || n == 1, "len %zu vs %zu", n, n - 1);
    }
    return true;
}

/* Keys crafted to collide under the old fixed hash (now only hash()'s):
 * h = (k0 ^ C0) * M1 + (k1 ^ n) * M2 is invertible in k0, so 80,000 8-byte
 * keys with one top half of h took the table quadratic time (issue 19).
 * The table's seeded hash must keep them near their home slots: the total
 * displacement stays linear (random keys: about 0.5 per key at the
 * table's load; the old hash gave n(n-1)/2, 3.2e9). */
static bool ktab_crafted_keys_stay_linear(void)
{
    enum { N = 80000 };
    const uint64_t c0 = 0x243f6a8885a308d3u, m1 = 0x9e3779b97f4a7c15u, m2 = 0xc2b2ae3d27d4eb4fu;
    uint64_t inv = m1;   /* m1's inverse mod 2^64, by Newton's iteration */
    for (int i = 0; i < 6; i++)
        inv *= 2 - m1 * inv;
    char *keys = calloc(N * 8 + FP_PAD, 1);
    CHECK(keys, "out of memory");
    for (uint64_t i = 0; i < N; i++) {
        uint64_t h = 0x5eed000000000000u + i * 7919;   /* one top half */
        uint64_t k0 = ((h - 8 * m2) * inv) ^ c0;
        memcpy(keys + i * 8, &k0, 8);
    }
    for (size_t i = 0; i < N; i++)
        CHECK(fp_hash(keys + i * 8, 8) >> 32 == 0x5eed0000u, "key %zu: not crafted", i);
    fp_ktab *t = fp_ktab_new(sizeof(int64_t));
    for (size_t i = 0; i < N; i++) {
        bool fresh;
        *(int64_t *)fp_ktab_upsert(t, fp_str_lit(keys + i * 8, 8), false, &fresh) = 1;
        CHECK(fresh, "key %zu: not new", i);
    }
    size_t d = fp_ktab_displacement(t);
    CHECK(t->count == N, "%zu keys", t->count);
    CHECK(d < 4 * (size_t)N, "displacement %zu for %d keys (seed %#llx)", d, N,
          (unsigned long long)fp_key_seed);
    fp_ktab_free(t);
    free(keys);
    return true;
}

/* Keys of little entropy, the shapes real keys have (decimal numbers,
 * fixed-width ids, every 2-byte string, binary integers), spread as well
 * as random keys under the tables' short-key hash, whatever the seed: the
 * mean displacement stays under 1 a key (random keys: about 0.5 at the
 * table's load).  The hash's 128-bit product alone, without its final
 * multiply, gave binary integers 2.8 times the expected collisions. */
static bool ktab_structured_keys_spread(void)
{
    enum { N = 200000 };
    const uint64_t seeds[] = {0, 1, 0x5eed, 0x9e3779b97f4a7c15u};
    uint64_t saved = fp_key_seed;
    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
        fp_key_seed = seeds[si];
        for (int shape = 0; shape < 4; shape++) {
            fp_ktab *t = fp_ktab_new(sizeof(int64_t));
            size_t nk = shape == 2 ? 65536 : N;
            for (size_t i = 0; i < nk; i++) {
                char k[16 + FP_PAD] = {0};
                size_t n = 0;
                uint64_t x = i;
                switch (shape) {
                case 0: n = (size_t)snprintf(k, 16, "%zu", i); break;
                case 1: n = (size_t)snprintf(k, 17, "user_%011zu", i); break;
                case 2: k[0] = (char)(i & 255); k[1] = (char)(i >> 8); n = 2; break;
                default: memcpy(k, &x, 8); n = 8; break;
                }
                bool fresh;
                *(int64_t *)fp_ktab_upsert(t, fp_str_lit(k, n), false, &fresh) = 1;
                CHECK(fresh, "shape %d key %zu: not new", shape, i);
            }
            size_t d = fp_ktab_displacement(t);
            CHECK(t->count == nk, "shape %d: %zu keys", shape, t->count);
            CHECK(d < nk, "shape %d, seed %#llx: displacement %zu for %zu keys", shape,
                  (unsigned long long)fp_key_seed, d, nk);
            fp_ktab_free(t);
        }
    }
    fp_key_seed = saved;
    return true;
}

/* A short key is read in place, from its slot, with loads past its end
 * (the padding contract): even in the table's last slot that must stay
 * inside the allocation (ASan checks it). */
static bool last_slot_key_is_padded(void)
{
    fp_ktab *t = fp_ktab_new(sizeof(int64_t));
    char buf[32 + FP_PAD];
    fp_kslot *last = (fp_kslot *)(t->slots + t->mask * t->stride);
    for (int i = 0; i < 1000000 && !last->tag; i++) {
        memset(buf, 0, sizeof buf);
        int n = snprintf(buf, 32, "k%d", i);
        bool fresh;
        fp_ktab_upsert(t, fp_str_lit(buf, (size_t)n), false, &fresh);
        if (t->mask + 1 > 4096) {   /* grew: start over on the new last slot */
            last = (fp_kslot *)(t->slots + t->mask * t->stride);
        }
    }
    CHECK(last->tag, "no key landed in the last slot");
    fp_ws_iter it = fp_ws_begin(fp_kslot_key(last));
    fp_str word;
    CHECK(fp_ws_next(&it, &word) && word.n == fp_kslot_key(last).n, "split of the last key");
    fp_ktab_free(t);
    return true;
}

/* ---- partitions and lines ------------------------------------------ */

/* Lines of data, by walking all its partitions, must be exactly the lines
 * of the whole, for every partition size. */
static bool partition_edges(void)
{
    for (int trial = 0; trial < 200; trial++) {
        size_t len = next_rand() % 300;
        char *d = malloc(len + 1);
        for (size_t i = 0; i < len; i++) {
            uint64_t r = next_rand() % 10;
            d[i] = r < 3 ? '\n' : (char)('a' + r);
        }
        size_t psize = 1 + next_rand() % 40;
        fp_part *parts;
        size_t np = fp_partition(d, len, psize, 0, 5, &parts);
        const char *whole = d;
        size_t expect_begin = 0;
        for (size_t k = 0; k < np; k++) {
            CHECK(parts[k].index == 5 + k, "index");
            CHECK(parts[k].begin == d + expect_begin, "trial %d: gap before partition %zu",
                  trial, k);
            CHECK(parts[k].begin == d || parts[k].begin[-1] == '\n',
                  "trial %d: partition %zu starts mid-line", trial, k);
            CHECK(parts[k].end > parts[k].begin, "empty partition");
            expect_begin = (size_t)(parts[k].end - d);
            const char *cur = parts[k].begin;
            fp_str a, b;
            while (fp_next_line(&cur, parts[k].end, &a)) {
                CHECK(fp_next_line(&whole, d + len, &b), "trial %d: extra line", trial);
                CHECK(a.p == b.p && a.n == b.n, "trial %d: line differs", trial);
            }
        }
        CHECK(expect_begin == len, "trial %d: partitions cover %zu of %zu", trial,
              expect_begin, len);
        fp_str rest;
        CHECK(!fp_next_line(&whole, d + len, &rest), "trial %d: lost a line", trial);
        free(parts);
        free(d);
    }
    return true;
}

static bool lines_without_trailing_newline(void)
{
    const char *d = "a\n\nbc";
    const char *cur = d;
    fp_str l;
    CHECK(fp_next_line(&cur, d + 5, &l) && l.n == 1 && l.p[0] == 'a', "line 1");
    CHECK(fp_next_line(&cur, d + 5, &l) && l.n == 0, "line 2 (empty)");
    CHECK(fp_next_line(&cur, d + 5, &l) && l.n == 2 && l.p[0] == 'b', "line 3");
    CHECK(!fp_next_line(&cur, d + 5, &l), "no line 4");
    const char *e = "";
    cur = e;
    CHECK(!fp_next_line(&cur, e, &l), "empty input has no line");
    return true;
}

/* ---- split_ws -------------------------------------------------------- */

static bool split_ws_exact(void)
{
    const char s[64] = " \t\vone\ftwo\r\n \xc3\xa9t\xc3\xa9 x\x01y  \x80\xff";
    fp_ws_iter it = fp_ws_begin(fp_str_lit(s, strlen(s)));
    const char *want[] = {"one", "two", "\xc3\xa9t\xc3\xa9", "x\x01y", "\x80\xff"};
    fp_str w;
    for (size_t i = 0; i < 5; i++) {
        CHECK(fp_ws_next(&it, &w), "missing word %zu", i);
        CHECK(w.n == strlen(want[i]) && memcmp(w.p, want[i], w.n) == 0, "word %zu: '%.*s'", i,
              (int)w.n, w.p);
    }
    CHECK(!fp_ws_next(&it, &w), "extra word");
    for (int c = 0; c < 256; c++) {
        bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
        CHECK(fp_ws_class[c] == ws, "byte 0x%02x classified wrong", c);
    }
    return true;
}

/* fp_ws_next (8 bytes at a time) against a byte-at-a-time splitter, on
 * random bytes biased towards whitespace and high bytes. */
static bool split_ws_matches_naive(void)
{
    static const unsigned char pick[] = {' ', '\t', '\n', '\v', '\f', '\r', 'a', 'Z',
                                         0x80, 0xff, 0x89, 0xa0, 0x08, 0x0e, 0x1f, 0x21, 0};
    char buf[300 + FP_PAD];
    for (int trial = 0; trial < 3000; trial++) {
        size_t len = next_rand() % 300;
        memset(buf, 0, sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)(next_rand() % 3 ? pick[next_rand() % sizeof pick] : next_rand() & 0xff);
        /* Garbage after the end must not matter. */
        for (size_t i = len; i < len + FP_PAD; i++)
            buf[i] = 'x';
        fp_ws_iter it = fp_ws_begin(fp_str_lit(buf, len));
        size_t i = 0;
        for (;;) {
            while (i < len && fp_ws_class[(unsigned char)buf[i]])
                i++;
            fp_str w;
            bool got = fp_ws_next(&it, &w);
            if (i == len) {
                CHECK(!got, "trial %d: extra word", trial);
                break;
            }
            size_t j = i;
            while (j < len && !fp_ws_class[(unsigned char)buf[j]])
                j++;
            CHECK(got && w.p == buf + i && w.n == j - i, "trial %d: word at %zu", trial, i);
            i = j;
        }
    }
    return true;
}

/* ---- writers and builtins ------------------------------------------ */

static bool tsv_escapes(void)
{
    fp_buf b = {0};
    fp_out_tsv_str(&b, fp_str_lit("a\tb\nc\rd\\e", 9));
    CHECK(b.n == 13 && memcmp(b.p, "a\\tb\\nc\\rd\\\\e", 13) == 0, "got '%.*s'", (int)b.n, b.p);
    fp_buf_free(&b);
    return true;
}

/* The %.Ng search fp_out_f64 used before Dragonbox (issue 19): the
 * smallest N of 15..17 (1..17 for subnormals) whose %.Ng reads back. */
static int f64_by_search(char *out, size_t cap, double v)
{
    int lo = 15, hi = 17;
    if (v != 0 && fabs(v) < 2.2250738585072014e-308)
        lo = 1;
    while (lo < hi) {
        int mid = lo == 15 ? 15 : (lo + hi) / 2;
        snprintf(out, cap, "%.*g", mid, v);
        if (strtod(out, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return snprintf(out, cap, "%.*g", lo, v);
}

/* Significant digits of a printed number (zeros at both ends dropped). */
static int sig_digits(const char *s)
{
    const char *first = NULL, *last = NULL;
    for (; *s && *s != 'e'; s++)
        if (*s >= '1' && *s <= '9') {
            if (!first)
                first = s;
            last = s;
        }
    if (!first)
        return 1;
    int n = 0;
    for (const char *q = first; q <= last; q++)
        n += *q >= '0' && *q <= '9';
    return n;
}

/* fp_out_f64 against the search and strtod, on edge cases and
 * FPIPE_F64_CHECKS random doubles (default 1,000,000; bench/f64.sh's
 * note has the 100,000,000 run): every value reads back; where the search
 * found the shortest digits the bytes are the same; elsewhere the new text
 * has fewer digits (the search's closest N digits need not read back when
 * a farther N-digit number does, next to powers of two). */
static bool f64_shortest_matches_search(void)
{
    static const double edge[] = {
        0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 0.1 + 0.2, 1e-5, 1e-4,
        1.5e-5, 123456.0, 1e14, 1e15, 1e16, 1e17, 1e21, 1e22, 1e23, 1e300, 1e-300,
        9007199254740992.0, 9007199254740993.0, 1234567890123456.0, 123456789012345.0,
        12345678901234567.0, 4.9406564584124654e-324, 9.8813129168249309e-324,
        2.2250738585072009e-308, 2.2250738585072014e-308, 1.7976931348623157e308,
        5e-324, 1e-320, 2.5e-310, 0.000123, 100.0, 1e-7, 5e-5, 299792458.0,
        0.30000000000000004, 1.7976931348623157e308 / 3, 4503599627370496.5,
    };
    char want[320];   /* %g of any double */
    fp_buf b = {0};
    const char *env = getenv("FPIPE_F64_CHECKS");
    long long n = env && *env ? atoll(env) : 1000000;
    long long shorter = 0;
    int ne = (int)(sizeof edge / sizeof *edge);
    for (long long i = -ne; i < n; i++) {
        double v;
        if (i < 0) {
            v = edge[i + ne];
        } else if (i % 4 == 3) {   /* short decimals: k / 10^j, k up to 10^9 */
            uint64_t r = next_rand();
            v = (double)(r % 1000000000) / pow(10, (double)(r >> 40 & 31) - 8);
        } else if (i % 4 == 2) {   /* powers of two and their neighbours */
            uint64_t r = next_rand();
            v = ldexp(1.0, (int)(r % 2098) - 1074);
            v = (r >> 20 & 1) ? nextafter(v, 0) : (r >> 21 & 1) ? nextafter(v, 1e308) : v;
        } else {   /* any bit pattern */
            uint64_t bits = next_rand();
            memcpy(&v, &bits, sizeof v);
            if (v != v || v - v != 0)
                continue;
        }
        for (int sign = 0; sign < 2; sign++, v = -v) {
            b.n = 0;
            fp_out_f64(&b, v);
            fp_out_char(&b, 0);
            CHECK(strtod(b.p, NULL) == v && signbit(strtod(b.p, NULL)) == signbit(v),
                  "%s does not read back as %a", b.p, v);
            f64_by_search(want, sizeof want, v);
            if (strcmp(b.p, want) != 0) {
                CHECK(sig_digits(b.p) < sig_digits(want), "%a: '%s', the search '%s'", v, b.p,
                      want);
                shorter++;
            }
        }
    }
    printf("    %lld doubles and their negatives: %lld shorter than the search gave\n",
           n + ne, shorter);
    fp_buf_free(&b);
    return true;
}

static bool numbers_print_exactly(void)
{
    fp_buf b = {0};
    fp_out_i64(&b, INT64_MIN);
    fp_out_char(&b, ' ');
    fp_out_i64(&b, 0);
    fp_out_char(&b, ' ');
    fp_out_f64(&b, 0.1 + 0.2);
    fp_out_char(&b, ' ');
    fp_out_f64(&b, 0.5);
    fp_out_char(&b, ' ');
    fp_out_f64(&b, -1e300);
    fp_out_char(&b, 0);
    CHECK(strcmp(b.p, "-9223372036854775808 0 0.30000000000000004 0.5 -1e+300") == 0,
          "got '%s'", b.p);
    /* Subnormals have fewer digits than %.15g would print. */
    b.n = 0;
    fp_out_f64(&b, 5e-324);
    fp_out_char(&b, ' ');
    fp_out_f64(&b, 1e-320);
    fp_out_char(&b, ' ');
    fp_out_f64(&b, -2.5e-310);
    fp_out_char(&b, 0);
    CHECK(strcmp(b.p, "4.9406564584124654e-324 9.9998886718268301e-321 -2.5e-310") != 0 &&
              strcmp(b.p, "5e-324 1e-320 -2.5e-310") == 0,
          "subnormals: got '%s'", b.p);
    /* Every double printed reads back as itself. */
    for (int i = 0; i < 10000; i++) {
        uint64_t bits = next_rand();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (v != v || v - v != 0)
            continue;
        b.n = 0;
        fp_out_f64(&b, v);
        fp_out_char(&b, 0);
        CHECK(strtod(b.p, NULL) == v, "%s does not read back", b.p);
    }
    fp_buf_free(&b);
    return true;
}

/* str(i64) and str(f64): the sinks' text, written straight into the
 * arena, which keeps only what it needs (16-byte steps): the next
 * allocation starts right after, and overwriting it leaves the text. */
static bool str_of_numbers_in_arena(void)
{
    static const int64_t ints[] = {0, 1, -1, 9, 10, -10, 99999, INT64_MAX, INT64_MIN};
    static const double dbls[] = {0.0, -0.0, 1.0, -1.5, 0.1 + 0.2, 1e-5, 1e15, 1e16,
                                  -2.2250738585072014e-308, 5e-324, 1e300, -1e-300,
                                  1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 123456789012345678.0};
    fp_arena *a = fp_arena_new();
    fp_buf b = {0};
    for (size_t i = 0; i < sizeof ints / sizeof *ints + sizeof dbls / sizeof *dbls; i++) {
        b.n = 0;
        fp_str s;
        if (i < sizeof ints / sizeof *ints) {
            s = fp_str_of_i64(a, ints[i]);
            fp_out_i64(&b, ints[i]);
        } else {
            s = fp_str_of_f64(a, dbls[i - sizeof ints / sizeof *ints]);
            fp_out_f64(&b, dbls[i - sizeof ints / sizeof *ints]);
        }
        char *next = fp_arena_alloc(a, 64);
        CHECK(next == s.p + ((s.n + 15) & ~(size_t)15),
              "value %zu: the next allocation is %td bytes after its %zu-byte text", i,
              next - s.p, s.n);
        memset(next, 'x', 64);
        CHECK(s.n == b.n && memcmp(s.p, b.p, b.n) == 0, "value %zu: '%.*s', want '%.*s'", i,
              (int)s.n, s.p, (int)b.n, b.p);
    }
    fp_buf_free(&b);
    fp_arena_free(a);
    return true;
}

static bool wrapping_arithmetic(void)
{
    CHECK(fp_add_i64(INT64_MAX, 1) == INT64_MIN, "add wraps");
    CHECK(fp_mul_i64(INT64_MIN, -1) == INT64_MIN, "mul wraps");
    CHECK(fp_neg_i64(INT64_MIN) == INT64_MIN, "neg wraps");
    fp_worker w = {0};
    fp_site site = {"t", "t.fpipe", 1, 1, 0};
    CHECK(fp_div_i64(&w, &site, INT64_MIN, -1) == INT64_MIN && !w.failed, "div wraps");
    CHECK(fp_rem_i64(&w, &site, INT64_MIN, -1) == 0 && !w.failed, "rem -1");
    CHECK(fp_div_i64(&w, &site, -7, 2) == -3, "div truncates");
    CHECK(fp_rem_i64(&w, &site, -7, 2) == -1, "rem sign");
    CHECK(fp_div_i64(&w, &site, 1, 0) == 0 && w.failed && w.err_site == &site &&
              !strcmp(w.err_msg, "division by zero"),
          "division by zero is a pending element error");
    CHECK(fp_rem_i64(&w, &site, 1, 0) == 0 && w.failed && !strcmp(w.err_msg, "division by zero"),
          "a second error of the element does not replace the first");
    return true;
}

/* The numeric builtins on edge values: nan, infinities, -0.0, halves,
 * 2^53, 2^63, INT64_MIN (docs/language.md, "Numbers"). */
static bool numeric_edges(void)
{
    fp_worker w = {0};
    w.arena = fp_arena_new();
    fp_site site = {"t", "t.fpipe", 1, 1, 0};
    CHECK(fp_f64_of_i64(INT64_C(9007199254740993)) == 9007199254740992.0, "2^53 + 1 rounds to even");
    CHECK(fp_f64_of_i64(INT64_MIN) == -0x1p63, "f64(INT64_MIN) is exact");
    CHECK(fp_i64_of_f64(&w, &site, -0x1p63) == INT64_MIN && !w.failed, "i64(-2^63)");
    CHECK(fp_i64_of_f64(&w, &site, -2.7) == -2 && fp_i64_of_f64(&w, &site, 2.7) == 2 && !w.failed,
          "i64 truncates toward zero");
    CHECK(fp_i64_of_f64(&w, &site, 0x1p63) == 0 && w.failed &&
              !strcmp(w.err_msg, "i64: 9.223372036854776e+18 is out of the i64 range"),
          "i64(2^63) is an element error: %s", w.err_msg ? w.err_msg : "none");
    w.failed = 0;
    CHECK(fp_i64_of_f64(&w, &site, NAN) == 0 && w.failed && !strcmp(w.err_msg, "i64: nan is not a number"),
          "i64(nan)");
    w.failed = 0;
    CHECK(fp_i64_of_f64(&w, &site, -INFINITY) == 0 && w.failed, "i64(-inf)");
    CHECK(fp_round(2.5) == 3.0 && fp_round(-2.5) == -3.0 && fp_round(0.49999999999999994) == 0.0,
          "round: halves away from zero, not below");
    CHECK(signbit(fp_round(-0.4)) && signbit(fp_ceil(-0.5)) && signbit(fp_floor(-0.0)), "-0 kept");
    CHECK(fp_abs_i64(INT64_MIN) == INT64_MIN && fp_abs_i64(-5) == 5, "abs wraps at INT64_MIN");
    CHECK(!signbit(fp_abs_f64(-0.0)), "abs(-0.0)");
    CHECK(isnan(fp_min_f64(NAN, 1.0)) && isnan(fp_min_f64(1.0, NAN)) && isnan(fp_max_f64(NAN, 1.0)) &&
              isnan(fp_max_f64(1.0, NAN)),
          "min/max of nan are nan");
    CHECK(signbit(fp_min_f64(0.0, -0.0)) && signbit(fp_min_f64(-0.0, 0.0)) &&
              !signbit(fp_max_f64(0.0, -0.0)) && !signbit(fp_max_f64(-0.0, 0.0)),
          "-0 < 0 in either order");
    CHECK(fp_min_i64(INT64_MIN, INT64_MAX) == INT64_MIN && fp_max_i64(INT64_MIN, INT64_MAX) == INT64_MAX,
          "i64 min/max");
    CHECK(isnan(fp_sqrt(-1.0)) && fp_log(0.0) == -INFINITY && isnan(fp_log(-1.0)) &&
              fp_exp(1000.0) == INFINITY && fp_exp(-INFINITY) == 0.0 && fp_pow(NAN, 0.0) == 1.0,
          "IEEE results");
    fp_arena_free(w.arena);
    return true;
}

static bool lower_upper_trim(void)
{
    fp_arena *a = fp_arena_new();
    fp_str in = fp_str_lit("MiXeD \xc3\x89", 8);
    fp_str l = fp_lower(a, in), u = fp_upper(a, in);
    CHECK(l.n == 8 && memcmp(l.p, "mixed \xc3\x89", 8) == 0, "lower");
    CHECK(u.n == 8 && memcmp(u.p, "MIXED \xc3\x89", 8) == 0, "upper");
    fp_str already = fp_str_lit("abc", 3);
    CHECK(fp_lower(a, already).p == already.p, "lower copies needlessly");
    fp_str t = fp_trim(fp_str_lit(" \t x y \r\n", 9));
    CHECK(t.n == 3 && memcmp(t.p, "x y", 3) == 0, "trim");
    CHECK(fp_trim(fp_str_lit("   ", 3)).n == 0, "trim all");
    fp_arena_free(a);
    return true;
}

/* S("...") for a fp_str of a literal (its length without the NUL). */
#define S(lit) fp_str_lit(lit, sizeof lit - 1)

static bool find_first(void)
{
    CHECK(fp_find(S("a,b,c"), S(",")) == 1, "first comma");
    CHECK(fp_find(S("a,b,c"), S("c")) == 4, "at the end");
    CHECK(fp_find(S("a,b,c"), S("a,b,c")) == 0, "the whole string");
    CHECK(fp_find(S("a,b,c"), S(";")) == -1, "absent");
    CHECK(fp_find(S("ab"), S("abc")) == -1, "longer than s");
    CHECK(fp_find(S("abc"), S("")) == 0, "empty t is at 0");
    CHECK(fp_find(S(""), S("")) == 0, "empty in empty");
    CHECK(fp_find(S(""), S("x")) == -1, "in empty");
    CHECK(fp_find(S("aab"), S("ab")) == 1, "after a false start");
    CHECK(fp_find(S("x\0y\0z"), S("\0z")) == 3, "NUL bytes are ordinary");
    return true;
}

/* field(s, sep, n) against want (NULL: must fail with msg). */
static bool field_is(fp_arena *a, fp_str s, fp_str sep, int64_t n, const char *want,
                     const char *msg)
{
    fp_worker w = {0};
    w.arena = a;
    fp_site site = {"t", "t.fpipe", 1, 1, 0};
    fp_str got = fp_field(&w, &site, s, sep, n);
    if (!want) {
        CHECK(w.failed && w.err_site == &site, "field %lld of '%.*s': no error", (long long)n,
              (int)s.n, s.p);
        CHECK(!strcmp(w.err_msg, msg), "field %lld of '%.*s': message '%s', want '%s'",
              (long long)n, (int)s.n, s.p, w.err_msg, msg);
        CHECK(got.n == 0, "a failed field is not empty");
        return true;
    }
    CHECK(!w.failed, "field %lld of '%.*s' failed: %s", (long long)n, (int)s.n, s.p, w.err_msg);
    CHECK(got.n == strlen(want) && memcmp(got.p, want, got.n) == 0,
          "field %lld of '%.*s' is '%.*s', want '%s'", (long long)n, (int)s.n, s.p,
          (int)got.n, got.p, want);
    return true;
}

static bool field_pieces(void)
{
    fp_arena *a = fp_arena_new();
    bool ok = field_is(a, S("a,b,c"), S(","), 0, "a", NULL) &&
              field_is(a, S("a,b,c"), S(","), 2, "c", NULL) &&
              field_is(a, S("a,b,c"), S(","), 3, NULL, "field 3 of 3") &&
              field_is(a, S("a,b,c"), S(","), 5, NULL, "field 5 of 3") &&
              field_is(a, S("a,b,c"), S(","), -1, NULL, "field -1 of 3") &&
              field_is(a, S("a,b,c"), S(","), INT64_MAX, NULL, "field 9223372036854775807 of 3") &&
              /* sep at the ends and twice in a row: empty pieces */
              field_is(a, S(",a,,b,"), S(","), 0, "", NULL) &&
              field_is(a, S(",a,,b,"), S(","), 2, "", NULL) &&
              field_is(a, S(",a,,b,"), S(","), 3, "b", NULL) &&
              field_is(a, S(",a,,b,"), S(","), 4, "", NULL) &&
              field_is(a, S(",a,,b,"), S(","), 5, NULL, "field 5 of 5") &&
              /* the empty string is one empty piece, like split */
              field_is(a, S(""), S(","), 0, "", NULL) &&
              field_is(a, S(""), S(","), 1, NULL, "field 1 of 1") &&
              field_is(a, S("abc"), S(","), 0, "abc", NULL) &&
              /* a longer separator, cut left to right without overlaps */
              field_is(a, S("a::b:::c"), S("::"), 1, "b", NULL) &&
              field_is(a, S("a::b:::c"), S("::"), 2, ":c", NULL) &&
              field_is(a, S("aaa"), S("aa"), 1, "a", NULL) &&
              field_is(a, S("a b"), S(""), 0, NULL, "field on an empty separator");
    fp_arena_free(a);
    return ok;
}

static bool fail_with_message(void)
{
    fp_arena *a = fp_arena_new();
    fp_worker w = {0};
    w.arena = a;
    fp_site site = {"t", "t.fpipe", 1, 1, 0}, other = {"u", "t.fpipe", 2, 1, 1};
    fp_fail_msg(&w, &site, S("bad\thour"));
    CHECK(w.failed && w.err_site == &site && !strcmp(w.err_msg, "bad\\thour"),
          "message '%s'", w.err_msg);
    fp_fail_msg(&w, &other, S("later"));
    CHECK(w.err_site == &site && !strcmp(w.err_msg, "bad\\thour"), "the first error is kept");
    w.failed = 0;
    fp_fail_msg(&w, &site, S(""));
    CHECK(w.failed && !strcmp(w.err_msg, ""), "empty message '%s'", w.err_msg);
    char big[300];
    memset(big, 'x', sizeof big);
    w.failed = 0;
    fp_fail_msg(&w, &site, fp_str_lit(big, sizeof big));
    CHECK(strlen(w.err_msg) == 203 && !strcmp(w.err_msg + 200, "..."), "long message: %zu bytes",
          strlen(w.err_msg));
    fp_arena_free(a);
    return true;
}

/* ---- sinks ------------------------------------------------------------ */

static char dir[] = "/tmp/fpipe-unit-XXXXXX";

static bool read_file(const char *path, char *buf, size_t cap, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    *n = fread(buf, 1, cap, f);
    fclose(f);
    return true;
}

static int entries_in(const char *d)
{
    DIR *dp = opendir(d);
    int n = 0;
    for (struct dirent *e; dp && (e = readdir(dp));)
        if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..")))
            n++;
    if (dp)
        closedir(dp);
    return n;
}

static bool sink_commit_and_abort(void)
{
    char path[128], buf[64], err[256];
    size_t n;
    snprintf(path, sizeof path, "%s/out.tsv", dir);
    fp_sink *s = fp_sink_open(path, err, sizeof err);
    CHECK(s, "open: %s", err);
    CHECK(fp_sink_write(s, "first\n", 6) == 0, "write");
    struct stat st;
    CHECK(stat(path, &st) != 0, "destination visible before commit");
    CHECK(fp_sink_commit(s, err, sizeof err) == 0, "commit: %s", err);
    CHECK(read_file(path, buf, sizeof buf, &n) && n == 6 && !memcmp(buf, "first\n", 6),
          "content after commit");
    /* A second run that aborts leaves the first output untouched and no
     * temporary behind. */
    s = fp_sink_open(path, err, sizeof err);
    CHECK(s, "reopen: %s", err);
    fp_sink_write(s, "partial", 7);
    fp_sink_abort(s);
    CHECK(read_file(path, buf, sizeof buf, &n) && n == 6 && !memcmp(buf, "first\n", 6),
          "abort changed the destination");
    CHECK(entries_in(dir) == 1, "%d files in the folder, want 1", entries_in(dir));
    unlink(path);
    return true;
}

static bool sink_missing_directory(void)
{
    char path[160], err[256];
    snprintf(path, sizeof path, "%s/no/such/dir/out.tsv", dir);
    fp_sink *s = fp_sink_open(path, err, sizeof err);
    CHECK(!s, "opened a sink in a missing folder");
    CHECK(strstr(err, "no/such/dir/out.tsv") != NULL, "message does not name the file: %s", err);
    return true;
}

/* The 128-bit sum of a mean, as a double: one rounding.  -458 once came
 * out as 0 (hi * 2^64 + lo rounded lo to 2^64 first). */
static bool t_sum128_f64(void)
{
    int64_t vs[] = {-458, -1, 0, 1, INT64_MAX, INT64_MIN, -4096, 123456789};
    for (size_t i = 0; i < sizeof vs / sizeof *vs; i++) {
        fp_sum128 s = fp_sum128_of(vs[i]);
        CHECK(fp_sum128_f64(s) == (double)vs[i], "%lld -> %.17g", (long long)vs[i],
              fp_sum128_f64(s));
    }
    fp_sum128 s = fp_sum128_of(INT64_MIN);
    fp_sum128_add(&s, INT64_MIN);   /* -2^64 */
    CHECK(fp_sum128_f64(s) == -18446744073709551616.0, "-2^64 -> %.17g", fp_sum128_f64(s));
    s = fp_sum128_of(INT64_MAX);
    fp_sum128_add(&s, INT64_MAX);
    fp_sum128_add(&s, 2);   /* 2^64 */
    CHECK(fp_sum128_f64(s) == 18446744073709551616.0, "2^64 -> %.17g", fp_sum128_f64(s));
    return true;
}

/* ---- fp_fsum: exactly rounded f64 sums -------------------------------- */

static uint64_t fsum_rng = 0x9e3779b97f4a7c15u;

/* xorshift64*: a fixed sequence, so a failure can be replayed. */
static uint64_t fsum_rand(void)
{
    fsum_rng ^= fsum_rng >> 12;
    fsum_rng ^= fsum_rng << 25;
    fsum_rng ^= fsum_rng >> 27;
    return fsum_rng * 0x2545f4914f6cdd1du;
}

/* Any finite double, subnormals included: random bits, exponent not 0x7ff;
 * one in four has a small exponent (near 1) so that sums cancel. */
static double fsum_any(void)
{
    uint64_t b = fsum_rand();
    if ((b & 0x7ff0000000000000u) == 0x7ff0000000000000u)
        b &= ~UINT64_C(0x0010000000000000);
    if (fsum_rand() % 4 == 0)
        b = (b & 0x800fffffffffffffu) | (uint64_t)(1023 + fsum_rand() % 8 - 4) << 52;
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b);
}

/* The sum of two values rounded once is what IEEE a + b gives: an oracle
 * for every exponent pair, subnormals and overflow to inf included. */
static bool t_fsum_two_values(void)
{
    for (int i = 0; i < 200000; i++) {
        double a = fsum_any(), b = fsum_any();
        fp_fsum s;
        fp_fsum_first(&s, a);
        fp_fsum_add(&s, b);
        CHECK(same_bits(fp_fsum_value(&s), a + b), "%a + %a: %a, want %a", a, b,
              fp_fsum_value(&s), a + b);
    }
    return true;
}

/* Laws of the merge: however values are cut into partials and however
 * the partials are merged, the normalized state is the same (exact, so
 * associative and commutative), and x, -x pairs cancel to nothing. */
static bool t_fsum_merge_laws(void)
{
    enum { N = 6000, P = 7 };
    static double v[2 * N + 1];
    for (int round = 0; round < 20; round++) {
        double y = fsum_any();
        for (int i = 0; i < N; i++)
            v[2 * i] = fsum_any(), v[2 * i + 1] = -v[2 * i];
        v[2 * N] = y;
        for (int i = 2 * N; i > 0; i--) {   /* shuffle */
            int j = (int)(fsum_rand() % (uint64_t)(i + 1));
            double t = v[i];
            v[i] = v[j], v[j] = t;
        }
        /* One accumulator in input order. */
        fp_fsum one = {0};
        for (int i = 0; i <= 2 * N; i++)
            fp_fsum_add(&one, v[i]);
        /* P partials over random cuts, merged in a random order. */
        fp_fsum part[P];
        memset(part, 0, sizeof part);
        for (int i = 0; i <= 2 * N; i++)
            fp_fsum_add(&part[fsum_rand() % P], v[i]);
        int order[P];
        for (int i = 0; i < P; i++)
            order[i] = i;
        for (int i = P - 1; i > 0; i--) {
            int j = (int)(fsum_rand() % (uint64_t)(i + 1)), t = order[i];
            order[i] = order[j], order[j] = t;
        }
        fp_fsum tree = part[order[0]];   /* ((a + b) + (c + d)) + ... */
        for (int i = 1; i + 1 < P; i += 2) {
            fp_fsum pair = part[order[i]];
            fp_fsum_merge(&pair, &part[order[i + 1]]);
            fp_fsum_merge(&tree, &pair);
        }
        if (P % 2 == 0)
            fp_fsum_merge(&tree, &part[order[P - 1]]);
        fp_fsum_normalize(&one);
        fp_fsum_normalize(&tree);
        CHECK(!memcmp(one.chunk, tree.chunk, sizeof one.chunk) && one.flags == tree.flags,
              "round %d: the merged state differs from the one accumulator's", round);
        CHECK(same_bits(fp_fsum_value(&one), y), "round %d: x and -x did not cancel: %a, want %a",
              round, fp_fsum_value(&one), y);
    }
    return true;
}

/* Carries over many additions (past FP_FSUM_MAX_ADDS), sums past the
 * largest double on the way, specials, -0.0, ties to even. */
static bool t_fsum_edges(void)
{
    fp_fsum s = {0};
    CHECK(same_bits(fp_fsum_value(&s), 0.0), "empty: +0");
    for (int i = 0; i < 5000; i++)
        fp_fsum_add(&s, 0x1p-1074);
    CHECK(fp_fsum_value(&s) == 5000 * 0x1p-1074, "5000 x 2^-1074: %a", fp_fsum_value(&s));
    s = (fp_fsum){0};
    for (int i = 0; i < 5000; i++)
        fp_fsum_add(&s, 1e308);
    for (int i = 0; i < 4999; i++)
        fp_fsum_add(&s, -1e308);
    CHECK(fp_fsum_value(&s) == 1e308, "1e308 x 5000 - 1e308 x 4999: %a", fp_fsum_value(&s));
    fp_fsum_add(&s, 1e308);
    CHECK(fp_fsum_value(&s) == INFINITY, "2e308: inf, not %a", fp_fsum_value(&s));
    for (int i = 0; i < 3; i++)   /* 2e308 - 4.5e308 */
        fp_fsum_add(&s, -1.5e308);
    CHECK(fp_fsum_value(&s) == -INFINITY, "-2e308: -inf, not %a", fp_fsum_value(&s));
    s = (fp_fsum){0};
    for (int i = 0; i < 10; i++)
        fp_fsum_add(&s, 0.1);
    CHECK(fp_fsum_value(&s) == 1.0, "ten times 0.1: %a", fp_fsum_value(&s));
    fp_fsum_first(&s, 1.0);   /* 1 + 2^-53: a tie, to even (1); one more 2^-106 rounds up */
    fp_fsum_add(&s, 0x1p-53);
    CHECK(fp_fsum_value(&s) == 1.0, "1 + 2^-53: %a", fp_fsum_value(&s));
    fp_fsum_add(&s, 0x1p-1000);
    CHECK(fp_fsum_value(&s) == 1.0 + 0x1p-52, "1 + 2^-53 + 2^-1000: %a", fp_fsum_value(&s));
    fp_fsum_first(&s, -0.0);
    fp_fsum_add(&s, -0.0);
    CHECK(same_bits(fp_fsum_value(&s), -0.0), "-0.0 + -0.0: -0.0");
    fp_fsum_add(&s, 0.0);
    CHECK(same_bits(fp_fsum_value(&s), 0.0), "-0.0 + 0.0: +0.0");
    fp_fsum_first(&s, 1.0);
    fp_fsum_add(&s, -1.0);
    CHECK(same_bits(fp_fsum_value(&s), 0.0), "1 - 1: +0.0");
    fp_fsum t;
    fp_fsum_first(&s, INFINITY);
    fp_fsum_add(&s, 1.0);
    CHECK(fp_fsum_value(&s) == INFINITY, "inf + 1");
    fp_fsum_first(&t, -INFINITY);
    fp_fsum_merge(&s, &t);
    CHECK(isnan(fp_fsum_value(&s)), "inf merged with -inf: NaN");
    fp_fsum_first(&s, NAN);
    fp_fsum_add(&s, 1.0);
    CHECK(isnan(fp_fsum_value(&s)), "NaN + 1: NaN");
    return true;
}

/* ---- fp_xsum: the keyed tables' sum, inline until promoted ------------- */

/* A value whose biased exponent is within `spread` of b (clamped), or one
 * in `wild` from anywhere: a key's values mostly fit the window, and the
 * far ones force promotion at a random point. */
static int xsum_spread = 80, xsum_wild = 16;
static double xsum_near(int b)
{
    if (fsum_rand() % (uint64_t)xsum_wild == 0)
        return fsum_any();
    int e = b + (int)(fsum_rand() % (uint64_t)(2 * xsum_spread + 1)) - xsum_spread;
    e = e < 0 ? 0 : e > 2046 ? 2046 : e;
    uint64_t bits = (fsum_rand() & 0x800fffffffffffffu) | (uint64_t)e << 52;
    if (fsum_rand() % 4 == 0)   /* a short significand: the window's start moves */
        bits &= ~((UINT64_C(1) << (fsum_rand() % 52)) - 1);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static bool xsum_is_big(const fp_xsum *x)
{
    return (x->flags & FP_XSUM_BIG) != 0;
}

/* Value by value, the inline form and then the promoted one give what the
 * full form gives (the exact sum rounded once); the window moves down for
 * finer values and promotes on a far one or on a carry out of it. */
static bool t_xsum_steps(void)
{
    int promoted = 0;
    for (int round = 0; round < 3000; round++) {
        int b = 1 + (int)(fsum_rand() % 2045);
        xsum_spread = round % 2 ? 80 : 20;
        xsum_wild = round % 2 ? 16 : 1000;
        double v = xsum_near(b);
        fp_xsum x;
        fp_fsum f;
        fp_xsum_first(&x, v);
        fp_fsum_first(&f, v);
        for (int i = 0; i < 60; i++) {
            CHECK(same_bits(fp_xsum_value(&x), fp_fsum_value(&f)),
                  "round %d value %d (%s): %a, want %a", round, i,
                  xsum_is_big(&x) ? "promoted" : "inline", fp_xsum_value(&x), fp_fsum_value(&f));
            v = xsum_near(b);
            fp_xsum_add(&x, v);
            fp_fsum_add(&f, v);
        }
        promoted += xsum_is_big(&x);
    }
    CHECK(promoted > 100 && promoted < 2900, "%d of 3000 sums promoted: the test misses a form",
          promoted);
    /* A carry out of the window: (2^53 - 1) 2^73 three times over 1.0's
     * unit passes 2^127. */
    fp_xsum x;
    fp_fsum f;
    fp_xsum_first(&x, 1.0);
    fp_fsum_first(&f, 1.0);
    double big = 0x1.fffffffffffffp+125;
    for (int i = 0; i < 3; i++) {
        CHECK(!xsum_is_big(&x), "1 + %d (2^53 - 1) 2^73 fits the window", i);
        fp_xsum_add(&x, big);
        fp_fsum_add(&f, big);
    }
    CHECK(xsum_is_big(&x), "a carry out of the window promotes");
    CHECK(same_bits(fp_xsum_value(&x), fp_fsum_value(&f)), "1 + 3 (2^53 - 1) 2^73: %a, want %a",
          fp_xsum_value(&x), fp_fsum_value(&f));
    fp_xsum_first(&x, 1e300);   /* inline, past the largest double: inf */
    for (int i = 0; i < 1000; i++)
        fp_xsum_add(&x, 1e306);
    CHECK(fp_xsum_value(&x) == INFINITY && !xsum_is_big(&x), "1000 x 1e306 inline: inf");
    fp_xsum_first(&x, 0x1p-1074);   /* inline, subnormal: rounded on its own grid */
    for (int i = 0; i < 99; i++)
        fp_xsum_add(&x, 0x1.8p-1060);
    fp_fsum_first(&f, 0x1p-1074);
    for (int i = 0; i < 99; i++)
        fp_fsum_add(&f, 0x1.8p-1060);
    CHECK(same_bits(fp_xsum_value(&x), fp_fsum_value(&f)), "subnormal sum %a, want %a",
          fp_xsum_value(&x), fp_fsum_value(&f));
    return true;
}

/* Merges of inline and promoted partials in both orders, and through the
 * wire form (fp_acc_pack / fp_acc_unpack, as checkpoints and MPI carry
 * them) give the full form's value of all the values. */
static bool t_xsum_merges(void)
{
    typedef struct two { fp_xsum s; int64_t n; fp_xsum m; } two;
    static const uint32_t at[] = {offsetof(two, s), offsetof(two, m)};
    fp_pipeline pl = {.acc_size = sizeof(two), .xsum_at = at, .nxsum = 2};
    int mixed = 0;
    for (int round = 0; round < 2000; round++) {
        int b = 1 + (int)(fsum_rand() % 2045);
        xsum_spread = round % 2 ? 80 : 20;
        xsum_wild = round % 2 ? 40 : 1000;
        enum { P = 4 };
        two part[P];
        fp_fsum all = {0};
        bool has[P] = {false};
        for (int i = 0; i < 40; i++) {
            double v = xsum_near(b);
            int k = (int)(fsum_rand() % P);
            if (!has[k]) {
                fp_xsum_first(&part[k].s, v);
                fp_xsum_first(&part[k].m, -v);
                has[k] = true;
            } else {
                fp_xsum_add(&part[k].s, v);
                fp_xsum_add(&part[k].m, -v);
            }
            fp_fsum_add(&all, v);
        }
        double want = fp_fsum_value(&all);
        for (int i = 0; i < P; i++)
            if (!has[i])   /* an empty partial: the exact 0 */
                memset(&part[i], 0, sizeof part[i]);
        for (int i = 0; i + 1 < P; i++)
            mixed += xsum_is_big(&part[i].s) != xsum_is_big(&part[i + 1].s);
        /* a into b and b into a, for a random pair, through the wire */
        int i = (int)(fsum_rand() % P), j = (i + 1 + (int)(fsum_rand() % (P - 1))) % P;
        char wire[sizeof(two) + 2 * sizeof(fp_fsum) + 8];
        two u[P], w[P];
        for (int k = 0; k < P; k++) {
            size_t n = fp_acc_wire_size(&pl, &part[k]);
            CHECK(n == ((sizeof(two) + 7) & ~(size_t)7) +
                           sizeof(fp_fsum) * (size_t)(xsum_is_big(&part[k].s) + xsum_is_big(&part[k].m)),
                  "wire size %zu", n);
            fp_acc_pack(&pl, &part[k], wire);
            CHECK(fp_acc_unpack(&pl, &u[k], wire, n - 1) == 0, "a cut-short wire form is refused");
            CHECK(fp_acc_unpack(&pl, &u[k], wire, n) == n, "unpack reads what pack wrote");
            fp_acc_copy(&pl, &w[k], &part[k]);
        }
        fp_xsum_merge(&u[i].s, &u[j].s);   /* u: i + j, then the rest in order */
        fp_xsum_merge(&w[j].s, &w[i].s);   /* w: j + i, then the rest backwards */
        fp_xsum_merge(&u[i].m, &u[j].m);
        fp_xsum_merge(&w[j].m, &w[i].m);
        for (int k = 0; k < P; k++) {
            if (k != i && k != j) {
                fp_xsum_merge(&u[i].s, &u[k].s);
                fp_xsum_merge(&u[i].m, &u[k].m);
            }
            int l = P - 1 - k;
            if (l != i && l != j) {
                fp_xsum_merge(&w[j].s, &w[l].s);
                fp_xsum_merge(&w[j].m, &w[l].m);
            }
        }
        CHECK(same_bits(fp_xsum_value(&u[i].s), want) && same_bits(fp_xsum_value(&w[j].s), want),
              "round %d: merged %a and %a, want %a", round, fp_xsum_value(&u[i].s),
              fp_xsum_value(&w[j].s), want);
        CHECK(same_bits(fp_xsum_value(&u[i].m), -want) || (want == 0 && fp_xsum_value(&u[i].m) == 0),
              "round %d: the negated sums: %a, want %a", round, fp_xsum_value(&u[i].m), -want);
        for (int k = 0; k < P; k++) {
            fp_acc_release(&pl, &u[k]);
            fp_acc_release(&pl, &w[k]);
        }
    }
    CHECK(mixed > 200, "only %d inline/promoted neighbours merged", mixed);
    /* The specials and signs of zero travel with a merge, either form. */
    fp_xsum a, b;
    for (int big = 0; big < 2; big++) {
        fp_xsum_first(&a, 1.0);
        if (big)
            fp_xsum_add(&a, 1e300);
        fp_xsum_first(&b, -INFINITY);
        fp_xsum_merge(&a, &b);
        CHECK(fp_xsum_value(&a) == -INFINITY, "merged with -inf (%s): %a",
              big ? "promoted" : "inline", fp_xsum_value(&a));
        fp_xsum_first(&b, NAN);
        fp_xsum_merge(&a, &b);
        CHECK(isnan(fp_xsum_value(&a)), "merged with NaN");
    }
    fp_xsum_first(&a, -0.0);
    fp_xsum_first(&b, -0.0);
    fp_xsum_merge(&a, &b);
    CHECK(same_bits(fp_xsum_value(&a), -0.0), "-0.0 merged with -0.0");
    fp_xsum_first(&b, 0.0);
    fp_xsum_merge(&a, &b);
    CHECK(same_bits(fp_xsum_value(&a), 0.0), "-0.0 merged with 0.0");
    return true;
}

/* CSV partitions end at newlines outside quotes, whatever the size. */
/* A mapped input's cuts give back the pages they read (MADV_DONTNEED on a
 * private file mapping): the cuts are the ones of the unmapped variants,
 * and the bytes read the same afterwards (faulted in from the file). */
static bool t_partition_mapped(void)
{
    char path[] = "/tmp/fpipe-unit-map.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    size_t len = 9u << 20;
    char *src = malloc(len);
    CHECK(src != NULL, "malloc");
    for (size_t i = 0; i < len; i++) {
        uint64_t r = next_rand() % 100;
        src[i] = r < 4 ? '\n' : r < 6 ? '"' : r < 10 ? ',' : (char)('a' + r % 26);
    }
    CHECK(write(fd, src, len) == (ssize_t)len, "write");
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), maplen = (len + pg - 1) / pg * pg + pg;
    char *m = mmap(NULL, maplen, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED && mmap(m, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == m, "mmap");
    for (int round = 0; round < 4; round++) {
        size_t ps = round == 0 ? 1 : round == 1 ? 4096 : 100000 + next_rand() % 3000000;
        fp_part *a, *b;
        size_t na = fp_partition(m, len, ps, 0, 0, &a);
        size_t nb = fp_partition_mapped(m, len, ps, 0, 0, &b);
        CHECK(na == nb, "size %zu: %zu partitions, %zu mapped", ps, na, nb);
        for (size_t k = 0; k < na; k++)
            CHECK(a[k].begin == b[k].begin && a[k].end == b[k].end, "size %zu: cut %zu", ps, k);
        free(a);
        free(b);
        na = fp_partition_csv(m, 3, len, ps, 0, 0, 2, &a);
        nb = fp_partition_csv_mapped(m, 3, len, ps, 0, 0, 2, &b);
        CHECK(na == nb, "csv size %zu: %zu partitions, %zu mapped", ps, na, nb);
        for (size_t k = 0; k < na; k++)
            CHECK(a[k].begin == b[k].begin && a[k].end == b[k].end, "csv size %zu: cut %zu", ps, k);
        free(a);
        free(b);
        CHECK(memcmp(m, src, len) == 0, "size %zu: the bytes changed after release", ps);
        fp_release_range(m + 12345, m + len - 999);
        CHECK(memcmp(m, src, len) == 0, "the bytes changed after fp_release_range");
    }
    munmap(m, maplen);
    close(fd);
    unlink(path);
    free(src);
    return true;
}

/* A key over 16 bytes is copied into the table when first inserted, even
 * when the caller says its bytes outlive the table (copy_key false): the
 * input's pages are given back after each partition. */
static bool t_long_key_copied(void)
{
    fp_ktab *t = fp_ktab_new(8);
    char buf[64];
    strcpy(buf, "a-key-longer-than-sixteen-bytes");
    fp_str k = fp_str_lit(buf, strlen(buf));
    bool fresh;
    *(int64_t *)fp_ktab_upsert(t, k, false, &fresh) = 41;
    CHECK(fresh, "fresh");
    CHECK(t->long_bytes == k.n, "long_bytes %zu", t->long_bytes);
    char copy[64];
    memcpy(copy, buf, sizeof buf);
    memset(buf, 'x', strlen(buf));   /* the caller's bytes change */
    int64_t *v = fp_ktab_upsert(t, fp_str_lit(copy, k.n), false, &fresh);
    CHECK(!fresh && *v == 41, "the key was not kept: fresh %d", fresh);
    fp_kentry *e;
    size_t n;
    fp_ktab_sort(t, &e, &n);
    fp_str got = fp_kslot_key(e[0].slot);
    CHECK(n == 1 && got.p != buf && fp_str_eq(got, fp_str_lit(copy, k.n)),
          "the slot points at the caller's bytes");
    fp_big_free(e, n * sizeof *e);
    fp_ktab_free(t);
    return true;
}

static bool t_partition_csv(void)
{
    const char *d = "a,b\n1,\"x\ny\"\n2,\"\"\"\"\n3,\"p\n\nq\"\n4,z\n";
    size_t len = strlen(d);
    /* the record starts, by hand */
    const char *starts[] = {"1,", "2,", "3,", "4,"};
    for (size_t ps = 1; ps < len + 2; ps++) {
        fp_part *v;
        size_t n = fp_partition_csv(d, 4, len, ps, 0, 0, 1 + (int)(ps % 2), &v);
        for (size_t k = 0; k < n; k++) {
            bool ok = false;
            for (int j = 0; j < 4; j++)
                ok |= strncmp(v[k].begin, starts[j], 2) == 0;
            CHECK(ok, "size %zu: partition %zu starts inside a record: %.6s", ps, k, v[k].begin);
            CHECK(k == 0 || v[k].begin == v[k - 1].end, "size %zu: gap", ps);
        }
        CHECK(v[0].begin == d + 4 && v[n - 1].end == d + len, "size %zu: not covered", ps);
        free(v);
    }
    return true;
}

/* The cuts of a big input with quotes everywhere (across the parity
 * blocks) are the ones a byte-by-byte walk finds: the first newline at or
 * after each boundary with an even count of quotes before it. */
static bool t_partition_csv_big(void)
{
    size_t len = 700000;
    char *d = malloc(len + FP_PAD);
    if (!d)
        return false;
    for (int round = 0; round < 6; round++) {
        for (size_t i = 0; i < len; i++) {
            uint64_t r = next_rand() % 1000;
            d[i] = r < (round < 2 ? 3u : 40u) ? '"' : r < 100 ? '\n' : r < 200 ? ',' : 'a';
        }
        if (round == 5)
            memset(d + 1000, 'a', 300000);   /* long stretches without a newline */
        memset(d + len, 0, FP_PAD);
        size_t ps = round == 0 ? 100 : 1 + next_rand() % 200000;
        fp_part *v, *w;
        size_t n = fp_partition_csv(d, 3, len, ps, 0, 0, 1, &v);
        size_t m = fp_partition_csv(d, 3, len, ps, 0, 0, 2, &w);
        CHECK(n == m, "round %d: %zu partitions with 1 thread, %zu with 2", round, n, m);
        size_t start = 3, k = 0;
        unsigned in = 0;
        size_t i = 3;
        while (start < len) {
            size_t end = len;
            if (len - start > ps) {
                for (; i < start + ps - 1; i++)
                    in ^= d[i] == '"';
                for (; i < len; i++) {
                    if (d[i] == '\n' && !in) {
                        end = i + 1;
                        break;
                    }
                    in ^= d[i] == '"';
                }
            }
            CHECK(k < n && v[k].begin == d + start && v[k].end == d + end &&
                  w[k].begin == v[k].begin && w[k].end == v[k].end,
                  "round %d size %zu: partition %zu is [%td, %td), expected [%zu, %zu)", round, ps,
                  k, k < n ? v[k].begin - d : -1, k < n ? v[k].end - d : -1, start, end);
            for (; i < end; i++)
                in ^= d[i] == '"';
            start = end;
            k++;
        }
        CHECK(k == n, "round %d: %zu partitions, expected %zu", round, n, k);
        free(v);
        free(w);
    }
    free(d);
    return true;
}

/* A CSV header maps columns onto fields by name; what is missing or
 * named twice is an error that says so. */
static bool t_csv_header(void)
{
    const char *fields[] = {"qty", "city"};
    fp_csv_cols c;
    size_t body;
    char err[256];
    const char *h = "\xEF\xBB\xBFid,city,\"qty\"\r\n1,a,2\n";
    CHECK(fp_csv_header(h, strlen(h), fields, 2, &c, &body, err, sizeof err) == 0, "%s", err);
    CHECK(c.ncols == 3 && c.map[0] == -1 && c.map[1] == 1 && c.map[2] == 0, "map %d %d %d",
          c.map[0], c.map[1], c.map[2]);
    CHECK(body == strlen("\xEF\xBB\xBFid,city,\"qty\"\r\n"), "body at %zu", body);
    free(c.map);
    h = "id,city\n";
    CHECK(fp_csv_header(h, strlen(h), fields, 2, &c, &body, err, sizeof err) != 0, "no error");
    CHECK(strstr(err, "no column 'qty'") && strstr(err, "'id', 'city'"), "message: %s", err);
    h = "qty,city,qty\n";
    CHECK(fp_csv_header(h, strlen(h), fields, 2, &c, &body, err, sizeof err) != 0, "no error");
    CHECK(strstr(err, "twice"), "message: %s", err);
    CHECK(fp_csv_header("", 0, fields, 2, &c, &body, err, sizeof err) != 0, "empty accepted");
    return true;
}

/* fp_csv_row (the inline bitmask scan) reads every partition exactly as
 * fp_csv_next does: the same records, fields, errors and positions, on
 * random text full of commas, quotes, CR and LF, with fields that cross
 * 64-byte blocks and partitions of every size. */
static const char *csv_random(size_t *len)
{
    static char buf[8192 + FP_PAD];
    size_t n = 0;
    int mode = (int)(next_rand() % 3);   /* 0: no quotes, 1: some, 2: many */
    while (n < 8000) {
        int nf = 1 + (int)(next_rand() % 6);
        for (int f = 0; f < nf && n < 8000; f++) {
            if (f)
                buf[n++] = ',';
            int k = (int)(next_rand() % 8), flen = (int)(next_rand() % (k == 0 ? 100 : 12));
            bool q = mode && next_rand() % (mode == 1 ? 40 : 4) == 0;
            if (q)
                buf[n++] = '"';
            for (int i = 0; i < flen && n < 8000; i++) {
                uint64_t r = next_rand() % 100;
                buf[n++] = r < 2 ? '\r' : r < 3 && q ? '\n' : r < 4 && q ? ',' :
                           r < 5 && mode == 2 ? '"' : r < 60 ? (char)('0' + r % 10) : 'a';
            }
            if (q && next_rand() % 20)
                buf[n++] = '"';
        }
        uint64_t e = next_rand() % 10;
        if (e < 3)
            buf[n++] = '\r';
        buf[n++] = '\n';
        if (e == 9)
            buf[n++] = '\n';
    }
    if (next_rand() % 2)
        n--;   /* no newline at the end */
    memset(buf + n, 0, FP_PAD);
    *len = n;
    return buf;
}

static bool t_csv_row_matches_next(void)
{
    fp_arena *arena_a = fp_arena_new(), *arena_b = fp_arena_new();
    for (int round = 0; round < 300; round++) {
        size_t len;
        const char *d = csv_random(&len);
        int map[6] = {-1, -1, -1, -1, -1, -1};
        fp_csv_cols cols = {.ncols = 1 + (int)(next_rand() % 6), .map = map, .last = -1};
        int nf = 0;
        for (int c = 0; c < cols.ncols; c++)
            if (next_rand() % 2 && nf < 3) {
                map[c] = nf++;
                cols.last = c;
            }
        fp_part *v;
        size_t np = fp_partition_csv(d, 0, len, 1 + next_rand() % 3000, 0, 0, 1, &v);
        for (size_t k = 0; k < np; k++) {
            v[k].csv = &cols;
            fp_worker a = {0}, b = {0};
            a.arena = arena_a;
            b.arena = arena_b;
            a.part = b.part = &v[k];
            fp_site site = {"rows", "t.fpipe", 1, 1, 0};
            fp_csv_iter it = fp_csv_begin(&a);
            const char *cur = v[k].begin;
            for (int rec = 0;; rec++) {
                fp_str fa[3] = {{"x", 1}, {"x", 1}, {"x", 1}}, fb[3] = {{"y", 1}, {"y", 1}, {"y", 1}};
                bool ra = fp_csv_row(&it, &a, &site, fa, nf);
                bool rb = fp_csv_next(&b, &site, &cur, v[k].end, fb, nf);
                CHECK(ra == rb, "round %d part %zu record %d: more %d vs %d", round, k, rec, ra, rb);
                if (!ra)
                    break;
                CHECK(a.failed == b.failed && a.pos == b.pos, "round %d part %zu record %d "
                      "(offset %td): failed %d vs %d", round, k, rec, b.pos - d, a.failed, b.failed);
                if (a.failed) {
                    CHECK(strcmp(a.err_msg, b.err_msg) == 0, "message %s vs %s", a.err_msg,
                          b.err_msg);
                    a.failed = b.failed = 0;
                    continue;
                }
                for (int f = 0; f < nf; f++)
                    CHECK(fp_str_eq(fa[f], fb[f]), "round %d record %d (offset %td) field %d: "
                          "'%.*s' vs '%.*s'", round, rec, b.pos - d, f, (int)fa[f].n, fa[f].p,
                          (int)fb[f].n, fb[f].p);
            }
        }
        free(v);
    }
    fp_arena_free(arena_a);
    fp_arena_free(arena_b);
    return true;
}

/* The inline integer column reader agrees with the full one. */
static bool t_col_i64_fast(void)
{
    static const char alpha[] = "0123456789-+ x";
    fp_site site = {"rows", "t.fpipe", 1, 1, 0};
    fp_arena *arena = fp_arena_new();
    for (int round = 0; round < 200000; round++) {
        char t[32 + FP_PAD] = {0};
        int n = (int)(next_rand() % 22);
        for (int i = 0; i < n; i++) {
            uint64_t r = next_rand() % 100;
            t[i] = r < 90 ? alpha[r % 10] : alpha[10 + r % 4];
        }
        fp_worker a = {0}, b = {0};
        a.arena = b.arena = arena;
        int64_t x = fp_col_i64(&a, &site, fp_str_lit(t, (size_t)n), "q");
        int64_t y = fp_col_i64_slow(&b, &site, fp_str_lit(t, (size_t)n), "q");
        bool same = x == y && a.failed == b.failed &&
                    (!a.failed || strcmp(a.err_msg, b.err_msg) == 0);
        if (!same)
            fp_arena_free(arena);
        CHECK(same, "'%s': %lld vs %lld", t, (long long)x, (long long)y);
    }
    fp_arena_free(arena);
    return true;
}

/* try_parse_i64 of str(i) is i for edge and random values; none exactly
 * where parse_i64 fails; optional columns: empty is none, a bad value is
 * still the column's error; coalesce takes the default only for none. */
static bool t_optional_values(void)
{
    fp_arena *arena = fp_arena_new();
    int64_t edge[] = {0, 1, -1, 9, 10, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
    for (int k = 0; k < 20000; k++) {
        int64_t i = k < 9 ? edge[k] : (int64_t)next_rand() >> (next_rand() % 64);
        fp_opt_i64 o = fp_try_parse_i64(fp_str_of_i64(arena, i));
        CHECK(o.has && o.v == i && fp_coalesce_i64(o, 0) == i, "try_parse_i64(str(%lld))",
              (long long)i);
    }
    static const char *const bad[] = {"", "-", "+", " 1", "1 ", "1.0", "0x10", "9223372036854775808",
                                      "-9223372036854775809", "99999999999999999999", "1e3"};
    fp_site site = {"rows", "t.fpipe", 1, 1, 0};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        fp_str s = fp_str_lit(bad[k], strlen(bad[k]));
        fp_opt_i64 o = fp_try_parse_i64(s);
        fp_worker w = {0};
        w.arena = arena;
        fp_parse_i64(&w, &site, s);
        CHECK(!o.has && o.v == 0 && w.failed && fp_coalesce_i64(o, 7) == 7,
              "try_parse_i64(\"%s\") is not none", bad[k]);
    }
    fp_opt_f64 f = fp_try_parse_f64(fp_str_lit("-2.5e1", 6));
    CHECK(f.has && f.v == -25.0, "try_parse_f64(-2.5e1)");
    CHECK(!fp_try_parse_f64(fp_str_lit("nan", 3)).has, "try_parse_f64(nan)");
    fp_worker w = {0};
    w.arena = arena;
    CHECK(!fp_col_opt_i64(&w, &site, fp_str_lit("", 0), "n").has && !w.failed, "empty i64?");
    CHECK(!fp_col_opt_str(fp_str_lit("", 0)).has, "empty str?");
    fp_opt_i64 c = fp_col_opt_i64(&w, &site, fp_str_lit("-42", 3), "n");
    CHECK(c.has && c.v == -42 && !w.failed, "i64? -42");
    fp_col_opt_f64(&w, &site, fp_str_lit("x", 1), "q");
    CHECK(w.failed && strcmp(w.err_msg, "column 'q': not a number") == 0, "a bad f64?: %s",
          w.failed ? w.err_msg : "no error");
    fp_opt_str d = {false, fp_str_lit(NULL, 0)}, e = {true, fp_str_lit("e", 1)};
    CHECK(fp_coalesce_opt_str(d, e).has && fp_coalesce_opt_str(e, d).v.p == e.v.p, "coalesce str?");
    fp_arena_free(arena);
    return true;
}

/* ---- regex builtins (regex.c, PCRE2) ---------------------------------- */

/* A pattern set up as a program's start-up does it, for one worker. */
static fp_regex rx(const char *pat)
{
    fp_regex re = {.pattern = pat, .len = strlen(pat), .line = 1, .col = 1};
    fp_regex *res[] = {&re};
    fp_regex_setup(res, 1, 1);
    return re;
}

/* The split_re pieces of s, joined by '|', into out. */
static void split_joined(fp_worker *w, const fp_site *site, const fp_regex *re, fp_str s,
                         char *out, size_t cap)
{
    size_t n = 0;
    fp_resplit_iter it = fp_split_re_begin(w, site, re, s);
    fp_str piece;
    for (bool first = true; fp_split_re_next(&it, &piece); first = false) {
        if (!first && n + 1 < cap)
            out[n++] = '|';
        for (size_t i = 0; i < piece.n && n + 1 < cap; i++)
            out[n++] = piece.p[i];
    }
    out[n] = 0;
}

/* Edge values: the empty subject (also as a NULL view), empty matches in
 * split_re and replace_re, a match at the very end, groups that take no
 * part, bytes >= 0x80 and NUL in the subject. */
static bool regex_edges(void)
{
    fp_arena *a = fp_arena_new();
    fp_worker w = {0};
    w.arena = a;
    fp_site site = {"t", "t.fpipe", 1, 1, 0};
    fp_regex digits = rx("[0-9]+"), xs = rx("x*"), opt = rx("a(b)?(c)"), sep = rx(",");
    fp_regex anch = rx("^$"), end = rx("z$"), any = rx(".");
    fp_str empty = {NULL, 0};
    char buf[256];
    CHECK(!fp_matches(&w, &site, &digits, empty) && fp_find_re(&w, &site, &digits, empty) == -1,
          "digits in the empty subject");
    CHECK(fp_matches(&w, &site, &anch, empty) && fp_find_re(&w, &site, &anch, empty) == 0,
          "^$ matches the empty subject at 0");
    CHECK(fp_find_re(&w, &site, &end, S("abz")) == 2 && fp_find_re(&w, &site, &end, S("zab")) == -1,
          "a match at the end");
    CHECK(fp_find_re(&w, &site, &any, fp_str_lit("\0\xff", 2)) == 0, "NUL is a byte like any other");
    split_joined(&w, &site, &sep, empty, buf, sizeof buf);
    CHECK(!strcmp(buf, ""), "split_re of the empty subject: '%s'", buf);
    split_joined(&w, &site, &sep, S(",a,,b,"), buf, sizeof buf);
    CHECK(!strcmp(buf, "|a||b|"), "split_re at the ends and between: '%s'", buf);
    split_joined(&w, &site, &xs, S("axxbx"), buf, sizeof buf);
    CHECK(!strcmp(buf, "a|b|"), "split_re skips empty matches: '%s'", buf);
    split_joined(&w, &site, &xs, S("ab"), buf, sizeof buf);
    CHECK(!strcmp(buf, "ab"), "split_re with only empty matches: '%s'", buf);
    fp_str r = fp_replace_re(a, &w, &site, &xs, S("abxd"), S("-"));
    CHECK(fp_str_eq(r, S("-a-b--d-")), "replace_re of x* in abxd: '%.*s'", (int)r.n, r.p);
    r = fp_replace_re(a, &w, &site, &xs, empty, S("-"));
    CHECK(fp_str_eq(r, S("-")), "replace_re of x* in the empty subject: '%.*s'", (int)r.n, r.p);
    r = fp_replace_re(a, &w, &site, &opt, S("ac abc"), S("[$1$2]"));
    CHECK(fp_str_eq(r, S("[c] [bc]")), "a group that takes no part is empty: '%.*s'", (int)r.n, r.p);
    r = fp_replace_re(a, &w, &site, &digits, S("no digits"), S("$$"));
    CHECK(r.p && fp_str_eq(r, S("no digits")), "no match: the subject itself");
    /* a replacement longer than the first guess of its length */
    r = fp_replace_re(a, &w, &site, &any, S("abc"), S("0123456789abcdefghij"));
    CHECK(r.n == 60, "a long replacement: %zu bytes", r.n);
    fp_regex_free(&any);
    CHECK(!any.code && !any.md, "fp_regex_free");
    CHECK(!w.failed, "no error so far: %s", w.err_msg);
    fp_str g = fp_extract(&w, &site, &opt, S("xxac"), 2);
    CHECK(!w.failed && fp_str_eq(g, S("c")), "extract group 2");
    g = fp_extract(&w, &site, &opt, S("xxac"), 0);
    CHECK(fp_str_eq(g, S("ac")), "extract group 0 is the whole match");
    g = fp_extract(&w, &site, &opt, S("xxac"), 1);
    CHECK(w.failed && g.n == 0 && !strcmp(w.err_msg, "extract: the group did not take part in the match"),
          "extract of a group that takes no part");
    w.failed = 0;
    g = fp_extract(&w, &site, &opt, empty, 0);
    CHECK(w.failed && !strcmp(w.err_msg, "extract: no match"), "extract without a match");
    w.failed = 0;
    r = fp_replace_re(a, &w, &site, &opt, S("ac"), S("$3"));
    CHECK(w.failed, "replace_re naming a missing group fails");
    fp_regex *all[] = {&digits, &xs, &opt, &sep, &anch, &end};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        fp_regex_free(all[i]);
    fp_arena_free(a);
    return true;
}

/* The law of split_re: the pieces and the matches between them, in order,
 * give back the subject; with a pattern that matches only a literal
 * separator, the pieces joined by it do.  Random subjects over a small
 * alphabet (separators are frequent), from a fixed seed. */
static bool regex_split_law(void)
{
    fp_worker w = {0};
    fp_site site = {"t", "t.fpipe", 1, 1, 0};
    fp_regex lit = rx("ab"), cls = rx("[,;]+|x*"), whole = rx("\\A(?:[,;]+|x*)\\z");
    uint64_t seed = 0x1234567;
    char s[64], back[256];
    for (int round = 0; round < 20000; round++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        size_t n = (seed >> 33) % sizeof s;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            s[i] = "ab,;x\xe9"[(seed >> 35) % 6];
        }
        fp_str subj = fp_str_lit(s, n);
        /* literal: joined by "ab" */
        size_t m = 0;
        fp_resplit_iter it = fp_split_re_begin(&w, &site, &lit, subj);
        fp_str piece;
        for (bool first = true; fp_split_re_next(&it, &piece); first = false) {
            if (!first) {
                memcpy(back + m, "ab", 2);
                m += 2;
            }
            memcpy(back + m, piece.p, piece.n);
            m += piece.n;
        }
        CHECK(m == n && memcmp(back, s, n) == 0, "round %d: join(split_re(s, \"ab\"), \"ab\") != s", round);
        /* any pattern: pieces are in order, and what lies between them is
         * one non-empty match */
        if (n == 0)
            continue;
        it = fp_split_re_begin(&w, &site, &cls, subj);
        size_t at = 0;
        for (bool first = true; fp_split_re_next(&it, &piece); first = false) {
            size_t off = (size_t)(piece.p - s);
            CHECK(off >= at, "round %d: pieces out of order", round);
            if (!first) {
                fp_str gap = fp_str_lit(s + at, off - at);
                CHECK(gap.n > 0 && fp_matches(&w, &site, &whole, gap),
                      "round %d: a gap that is no non-empty match", round);
            }
            at = off + piece.n;
        }
        CHECK(at == n, "round %d: the last piece ends at %zu, not %zu", round, at, n);
    }
    CHECK(!w.failed, "an error: %s", w.err_msg);
    fp_regex_free(&lit);
    fp_regex_free(&cls);
    fp_regex_free(&whole);
    return true;
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    run("ktab counts, grows, sorts", ktab_counts_and_grows);
    run("ktab copied keys and the empty key", ktab_copied_keys_and_empty_key);
    run("sorted runs merge, folding in run order", kruns_merge_in_run_order);
    run("hash reads every key byte", hash_spreads_similar_keys);
    run("keys crafted against the fixed hash stay linear in the table", ktab_crafted_keys_stay_linear);
    run("keys of little entropy spread like random ones in the table", ktab_structured_keys_spread);
    run("a key in the last slot can be read with loads past its end", last_slot_key_is_padded);
    run("partitions cut at line starts, lose nothing", partition_edges);
    run("lines without a trailing newline", lines_without_trailing_newline);
    run("split_ws splits on exactly six bytes", split_ws_exact);
    run("split_ws (8 bytes at a time) matches a naive splitter", split_ws_matches_naive);
    run("tsv escapes tab, newline, CR, backslash", tsv_escapes);
    run("numbers print exactly", numbers_print_exactly);
    run("str() of numbers in the arena: the sinks' text, only the bytes it needs", str_of_numbers_in_arena);
    run("f64: shortest digits, the search's bytes where it was shortest", f64_shortest_matches_search);
    run("i64 arithmetic wraps", wrapping_arithmetic);
    run("numeric builtins on edge values", numeric_edges);
    run("lower, upper, trim", lower_upper_trim);
    run("find: the first occurrence, or -1", find_first);
    run("field: pieces, empty ones, out of range", field_pieces);
    run("fail: the message, the first error kept", fail_with_message);
    run("sink commits atomically and aborts cleanly", sink_commit_and_abort);
    run("sink in a missing folder fails with its name", sink_missing_directory);
    run("sum128 to f64: one rounding", t_sum128_f64);
    run("fsum: two values give IEEE a + b", t_fsum_two_values);
    run("fsum: any cut and merge order gives one state (exact, associative, commutative)",
        t_fsum_merge_laws);
    run("fsum: carries, overflow, specials, -0.0, ties to even", t_fsum_edges);
    run("xsum: inline and promoted sums equal the full form value by value", t_xsum_steps);
    run("xsum: merges in both orders and through the wire form are exact", t_xsum_merges);
    run("a mapped input's cuts give back their pages, same cuts, same bytes", t_partition_mapped);
    run("a key over 16 bytes is copied into the table", t_long_key_copied);
    run("ktab grows in place and sorts packed", ktab_grows_in_place_and_sorts_packed);
    run("CSV partitions at record starts", t_partition_csv);
    run("CSV partitions of a big input: quote parity by blocks", t_partition_csv_big);
    run("CSV header onto fields", t_csv_header);
    run("CSV bitmask scan reads records as fp_csv_next does", t_csv_row_matches_next);
    run("inline i64 columns read as parse_i64 does", t_col_i64_fast);
    run("optional values: try_parse, optional columns, coalesce", t_optional_values);
    run("regex: empty subjects, empty matches, a match at the end, groups", regex_edges);
    run("regex: split_re's pieces and matches give back the subject", regex_split_law);
    rmdir(dir);
    return failures ? 1 : 0;
}
