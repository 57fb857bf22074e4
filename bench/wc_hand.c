/*
 * wc_hand.c -- hand-written word count, the baseline for the fpipe benchmarks.
 *
 *   wc_hand [--threads N] [-o OUT] [-v] FILE...
 *
 * Counts the words of all FILEs together ("-" or no FILE reads stdin) and
 * writes one line "word<TAB>count\n" per distinct word, sorted by the bytes of
 * the word (memcmp order, a proper prefix first), to OUT or stdout.  Words are
 * maximal runs of bytes other than ASCII whitespace (space, \t, \n, \v, \f,
 * \r); every other byte, NUL and bytes >= 0x80 included, belongs to a word and
 * is kept as is.  In the output a backslash is written as two backslashes (a
 * word cannot hold a tab, newline or CR).  --threads defaults to the number of
 * processors; -v prints phase timings on stderr.
 *
 * How it works:
 *   1. Each input is mmap'ed (pre-faulted with MAP_POPULATE when it is small
 *      next to the RAM) into a reservation one page longer than the file, so
 *      the scanner may load up to 64 bytes past the end (it reads zeros) and
 *      needs no bounds checks inside a word.  Pipes are read into memory.
 *   2. The inputs are cut into chunks of about 4 MiB that end just after a
 *      '\n'; the OpenMP threads take chunks dynamically.
 *   3. The scan is fused with the hashing and nearly branch-free.  For each
 *      64-byte block an exact SWAR test (8 bytes at a time, no per-byte loop
 *      and no byte-class table lookups) makes a 64-bit whitespace bitmap;
 *      from it come the start and length of every word in the block.  Each
 *      word is then loaded as two 8-byte words, masked to its length, and
 *      those 16 bytes are both the table key and the hash input (two
 *      multiplies).  Words of more than 16 bytes hash their remaining 8-byte
 *      blocks; a word crossing the block end restarts the next block at it.
 *   4. Each thread has its own open-addressing table: power-of-two capacity,
 *      linear probing, index from the top bits of the hash, grows at 62.5%
 *      load.  A 32-byte slot holds the first 16 bytes of the word (for a
 *      longer word: the first 8 bytes and a pointer to the word in the
 *      mapping; no per-word allocation), length + hash, and the count, so a
 *      lookup touches one cache line and, for words of up to 16 bytes, never
 *      the input.  Words are collected in batches of 32 and their slots
 *      prefetched before the updates, so the cache misses of rare words
 *      overlap.  Big arrays ask for transparent huge pages.
 *   5. Each thread compacts its table and sorts it: an MSD sort on 8-byte
 *      digits (the word's bytes taken big-endian), each digit sorted by an
 *      LSD radix sort with 11-bit digits; small groups by insertion.
 *   6. The sorted per-thread runs are merged, equal words summed.  With
 *      several threads the key space is cut at splitter words and the pieces
 *      are merged and formatted in parallel, then written in order with large
 *      write(2) calls.
 *
 * Build: gcc -std=c11 -O2 -fopenmp -Wall -Wextra -Werror -o wc_hand wc_hand.c
 */
#define _DEFAULT_SOURCE 1
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CHUNK_SIZE
#define CHUNK_SIZE      ((size_t)4 << 20)   /* bytes per work unit (about) */
#endif
#define OUT_BUF_SIZE    ((size_t)1 << 20)
#define INIT_TAB_BITS   16
#define READ_PAD        64          /* zero bytes after an input read() */
#ifndef BATCH
#define BATCH           32          /* words scanned ahead of their updates */
#endif

/* ------------------------------------------------------------------ utils */

static void die(const char *what, const char *name)
{
    fprintf(stderr, "wc_hand: %s %s: %s\n", what, name, strerror(errno));
    exit(1);
}

static void oom(void)
{
    fprintf(stderr, "wc_hand: out of memory\n");
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

/*
 * Zeroed memory for the big arrays (tables, sort buffers, output).  Blocks of
 * 2 MiB or more get their own mapping, 2 MiB aligned, with transparent huge
 * pages requested where the system has them: fewer page faults (costly in
 * virtual machines) and fewer TLB misses on random accesses.
 */
#define HUGE_PAGE ((size_t)2 << 20)

static void *big_alloc(size_t bytes)
{
#if defined(MAP_ANONYMOUS)
    if (bytes >= HUGE_PAGE) {
        unsigned char *m = mmap(NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            oom();
        uintptr_t a = ((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        size_t head = (size_t)(a - (uintptr_t)m);
        if (head)
            munmap(m, head);
        if (HUGE_PAGE - head)
            munmap((unsigned char *)a + bytes, HUGE_PAGE - head);
#if defined(MADV_HUGEPAGE)
        madvise((void *)a, bytes, MADV_HUGEPAGE);
#endif
        return (void *)a;
    }
#endif
    void *p = calloc(1, bytes ? bytes : 1);
    if (!p)
        oom();
    return p;
}

static void big_free(void *p, size_t bytes)
{
#if defined(MAP_ANONYMOUS)
    if (bytes >= HUGE_PAGE) {
        munmap(p, bytes);
        return;
    }
#endif
    free(p);
}

/* Little-endian 8-byte load: byte i of memory is bits 8i..8i+7. */
static inline uint64_t load64(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

static inline void store64(unsigned char *p, uint64_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    memcpy(p, &x, 8);
}

static inline uint64_t bswap64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_bswap64(x);
#else
    x = ((x & 0x00FF00FF00FF00FFULL) << 8) | ((x >> 8) & 0x00FF00FF00FF00FFULL);
    x = ((x & 0x0000FFFF0000FFFFULL) << 16) | ((x >> 16) & 0x0000FFFF0000FFFFULL);
    return (x << 32) | (x >> 32);
#endif
}

/* Index of the lowest set bit, x != 0. */
static inline unsigned ctz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(x);
#else
    unsigned n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

/* Mask of the low n bytes, for any n (n >= 8 gives all ones). */
static inline uint64_t low_bytes(size_t n)
{
    return n >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * n)) - 1);
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(a) __builtin_prefetch((a), 1, 3)
#else
#define PREFETCH(a) ((void)0)
#endif

/* ------------------------------------------------------------------ bytes */

#define L7 0x7F7F7F7F7F7F7F7FULL
#define HI 0x8080808080808080ULL
#define ONES 0x0101010101010101ULL

/* 0x80 in every byte of x equal to c, 0 elsewhere (exact: the additions are
 * on 7-bit values, no carry crosses a byte). */
static inline uint64_t eq_bytes(uint64_t x, unsigned char c)
{
    uint64_t y = x ^ (ONES * c);
    return ~(((y & L7) + L7) | y) & HI;
}

/* 0x80 in every byte that is whitespace: 0x20, or 0x09..0x0D. */
static inline uint64_t ws_mask(uint64_t x)
{
    uint64_t lo = x & L7;
    uint64_t ge09 = lo + 0x7777777777777777ULL;   /* low 7 bits >= 0x09 */
    uint64_t ge0e = lo + 0x7272727272727272ULL;   /* low 7 bits >= 0x0E */
    return eq_bytes(x, ' ') | (ge09 & ~ge0e & ~x & HI);
}

/* The same as 8 bits, bit i for byte i (gathers bits 7, 15, ... 63). */
static inline unsigned ws_bits(uint64_t x)
{
    return (unsigned)(((ws_mask(x) >> 7) * 0x0102040810204080ULL) >> 56);
}

/* ------------------------------------------------------------------ hash */

#define HK1 0x9E3779B97F4A7C15ULL
#define HK2 0xC2B2AE3D27D4EB4FULL
#define HK3 0xFF51AFD7ED558CCDULL

/*
 * The hash of a word is a function of k0 = bytes 0..7, k1 = bytes 8..15
 * (zero padded), the length, and for words longer than 16 bytes the further
 * 8-byte blocks (the last one zero padded).  Multiplicative hashing: the top
 * bits of the products depend on all the input bits, so the table index is
 * taken from the top bits.
 */
static inline uint64_t hash_head(uint64_t k0, uint64_t k1, uint64_t len)
{
    return (k0 ^ 0x243F6A8885A308D3ULL) * HK1 + (k1 ^ len) * HK2;
}

static inline uint64_t hash_more(uint64_t h, uint64_t blk)
{
    return (rotl64(h, 29) ^ blk) * HK3;
}

static inline uint32_t hash_final(uint64_t h)
{
    return (uint32_t)(h >> 32);
}

/* Masks for the bytes 0..7 and 8..15 of a word of len <= 16 bytes. */
static uint64_t mask_lo[17], mask_hi[17];

static void init_masks(void)
{
    for (size_t n = 0; n <= 16; n++) {
        mask_lo[n] = low_bytes(n);
        mask_hi[n] = n > 8 ? low_bytes(n - 8) : 0;
    }
}

/* ------------------------------------------------------------------ table */

typedef struct {
    uint64_t k0;                /* bytes 0..7 of the word, zero padded */
    uint64_t k1;                /* bytes 8..15, or if len > 16 the address */
    uint64_t hl;                /* len << 32 | hash; 0 = empty slot */
    uint64_t cnt;
} Slot;

/* A word found by the scanner, waiting for its table update. */
typedef struct {
    uint64_t k0, k1;            /* as in Slot, k1 always bytes 8..15 */
    uint64_t hl;
    const unsigned char *w;
} Word;

typedef struct {
    Slot *slots;
    size_t mask;                /* capacity - 1 */
    unsigned shift;             /* index of hash h: h >> shift */
    size_t used;
    size_t limit;
    Slot *sorted;               /* after counting: the words, sorted */
    size_t n;
    char pad[64];               /* keep the tables of threads apart */
} Table;

static inline size_t slot_len(const Slot *s)
{
    return (size_t)(s->hl >> 32);
}

static inline const unsigned char *slot_ptr(const Slot *s)
{
    return (const unsigned char *)(uintptr_t)s->k1;
}

static Slot *alloc_slots(size_t n)
{
    return big_alloc(n * sizeof(Slot));
}

static void free_slots(Slot *s, size_t n)
{
    big_free(s, n * sizeof(Slot));
}

static void table_init(Table *t, unsigned bits)
{
    size_t cap = (size_t)1 << bits;
    t->slots = alloc_slots(cap);
    t->mask = cap - 1;
    t->shift = 32 - bits;
    t->used = 0;
    t->limit = cap / 8 * 5;
}

static void table_grow(Table *t)
{
    if (t->shift == 0) {
        fprintf(stderr, "wc_hand: too many distinct words\n");
        exit(1);
    }
    size_t ocap = t->mask + 1, ncap = ocap * 2, nmask = ncap - 1;
    unsigned nshift = t->shift - 1;
    Slot *ns = alloc_slots(ncap);
    Slot *os = t->slots;
    for (size_t i = 0; i < ocap; i++) {
        if (!os[i].hl)
            continue;
        size_t j = (uint32_t)os[i].hl >> nshift;
        while (ns[j].hl)
            j = (j + 1) & nmask;
        ns[j] = os[i];
    }
    free_slots(os, ocap);
    t->slots = ns;
    t->mask = nmask;
    t->shift = nshift;
    t->limit = ncap / 8 * 5;
}

/* Are bytes from..n-1 of a and b equal?  Uses 8-byte loads; reading up to 7
 * bytes past the end of a word is safe (the buffers are padded). */
static inline int tail_equal(const unsigned char *a, const unsigned char *b,
                             size_t from, size_t n)
{
    size_t i = from;
    for (; i + 8 <= n; i += 8)
        if (load64(a + i) != load64(b + i))
            return 0;
    return i == n ||
           ((load64(a + i) ^ load64(b + i)) & low_bytes(n - i)) == 0;
}

static inline void table_add(Table *t, const Word *wd)
{
    uint64_t hl = wd->hl;
    size_t len = (size_t)(hl >> 32);
    size_t i = (uint32_t)hl >> t->shift;
    for (;;) {
        Slot *s = &t->slots[i];
        if (s->hl == hl && s->k0 == wd->k0 &&
            (len <= 16 ? s->k1 == wd->k1 : tail_equal(slot_ptr(s), wd->w, 8, len))) {
            s->cnt++;
            return;
        }
        if (!s->hl) {
            s->k0 = wd->k0;
            s->k1 = len <= 16 ? wd->k1 : (uint64_t)(uintptr_t)wd->w;
            s->hl = hl;
            s->cnt = 1;
            if (++t->used > t->limit)
                table_grow(t);
            return;
        }
        i = (i + 1) & t->mask;
    }
}

/* ------------------------------------------------------------------ scan */

/* Fills *wd for the word of len bytes at w. */
static inline void make_word(const unsigned char *w, size_t len, Word *wd)
{
    wd->w = w;
    if (len <= 16) {
        wd->k0 = load64(w) & mask_lo[len];
        wd->k1 = load64(w + 8) & mask_hi[len];
        wd->hl = (uint64_t)len << 32 | hash_final(hash_head(wd->k0, wd->k1, len));
        return;
    }
    if (len > UINT32_MAX) {
        fprintf(stderr, "wc_hand: a word longer than 4 GiB\n");
        exit(1);
    }
    wd->k0 = load64(w);
    wd->k1 = load64(w + 8);
    uint64_t h = hash_head(wd->k0, wd->k1, len);
    for (size_t i = 16; i < len; i += 8)
        h = hash_more(h, load64(w + i) & low_bytes(len - i));
    wd->hl = (uint64_t)len << 32 | hash_final(h);
}

/* The end of the word starting at p, a word byte before e: the first
 * whitespace byte, or e. */
static const unsigned char *word_end(const unsigned char *p, const unsigned char *e)
{
    for (;;) {
        uint64_t m = ws_mask(load64(p));
        if (m) {
            p += ctz64(m) >> 3;
            return p < e ? p : e;
        }
        if (e - p <= 8)
            return e;
        p += 8;
    }
}

/* Whitespace bitmap of the 64 bytes at p: bit i set if p[i] is whitespace. */
static inline uint64_t ws_bits64(const unsigned char *p)
{
    uint64_t r = 0;
    for (int i = 0; i < 8; i++)
        r |= (uint64_t)ws_bits(load64(p + 8 * i)) << (8 * i);
    return r;
}

/*
 * Counts the words in [p, e).  p is at the start of a line, e just after a
 * '\n' or at the end of an input buffer; the buffer can be read up to 64
 * bytes past e (input bytes, or zeros past the end of the input).
 *
 * The scanner works on 64-byte blocks: one whitespace bitmap per block gives
 * the start and the length of every word that starts and ends inside it, so
 * the words can be keyed and hashed independently of each other.  A word
 * that crosses the end of the block makes the next block start at the word.
 * The words are collected in batches, their slots prefetched, and the table
 * updated batch by batch so that the cache misses overlap.
 */
static void count_chunk(Table *t, const unsigned char *p, const unsigned char *e)
{
    Word batch[BATCH];
    int nb = 0;
    Slot *slots = t->slots;
    unsigned shift = t->shift;
    while (p < e) {
        /* Invariant: p is at a line start, a whitespace byte, or the first
         * byte of a word. */
        uint64_t ws = ws_bits64(p);
        uint64_t starts = ~ws & (ws << 1 | 1);
        if (e - p < 64)
            starts &= ((uint64_t)1 << (e - p)) - 1;
        const unsigned char *next = p + 64;
        while (starts) {
            unsigned s = ctz64(starts);
            uint64_t rest = ws >> s;
            Word *wd = &batch[nb];
            if (rest) {
                /* The whitespace after the word is before e: a chunk ends
                 * with '\n', past the end of a buffer there are only zeros. */
                make_word(p + s, ctz64(rest), wd);
                starts &= starts - 1;
            } else if (s) {
                next = p + s;           /* the word crosses the block end */
                break;
            } else {                    /* a word of 64 bytes or more */
                next = word_end(p, e);
                make_word(p, (size_t)(next - p), wd);
                starts = 0;
            }
            PREFETCH(&slots[(uint32_t)wd->hl >> shift]);
            if (++nb == BATCH) {
                for (int i = 0; i < nb; i++)
                    table_add(t, &batch[i]);
                nb = 0;
                slots = t->slots;
                shift = t->shift;
            }
        }
        p = next;
    }
    for (int i = 0; i < nb; i++)
        table_add(t, &batch[i]);
}

/* ------------------------------------------------------------------ sort */

/* A word's bytes: from the slot if it has them all, else from the input. */
static inline const unsigned char *slot_bytes(const Slot *s, unsigned char tmp[16])
{
    if (slot_len(s) > 16)
        return slot_ptr(s);
    store64(tmp, s->k0);
    store64(tmp + 8, s->k1);
    return tmp;
}

/* memcmp order, a proper prefix first. */
static int word_cmp_slow(const Slot *a, const Slot *b)
{
    unsigned char ta[16], tb[16];
    size_t la = slot_len(a), lb = slot_len(b);
    int r = memcmp(slot_bytes(a, ta), slot_bytes(b, tb), la < lb ? la : lb);
    if (r)
        return r;
    return (la > lb) - (la < lb);
}

static inline int word_cmp(const Slot *a, const Slot *b)
{
    if (a->k0 != b->k0)
        return bswap64(a->k0) < bswap64(b->k0) ? -1 : 1;
    return word_cmp_slow(a, b);
}

static inline int same_word(const Slot *a, const Slot *b)
{
    if (a->hl != b->hl || a->k0 != b->k0)
        return 0;
    size_t len = slot_len(a);
    return len <= 16 ? a->k1 == b->k1 : tail_equal(slot_ptr(a), slot_ptr(b), 8, len);
}

typedef struct {
    uint64_t key;               /* 8 bytes of the word, big-endian */
    uint32_t idx;               /* the slot */
    uint32_t len;               /* the word's length */
} Rec;

/* Bytes 8d .. 8d+7 of the word, zero padded, as a big-endian number:
 * numbers compare like memcmp of the bytes. */
static inline uint64_t word_digit(const Slot *s, size_t d)
{
    size_t len = slot_len(s), off = 8 * d;
    if (d == 0)
        return bswap64(s->k0);
    if (len <= 16)
        return d == 1 ? bswap64(s->k1) : 0;
    if (len <= off)
        return 0;
    return bswap64(load64(slot_ptr(s) + off) & low_bytes(len - off));
}

/* LSD radix sort of a[0..n) by key, 11-bit digits; tmp has room for n. */
static void radix_sort(Rec *a, Rec *tmp, size_t n)
{
    enum { DB = 11, NB = 1 << DB, ND = (64 + DB - 1) / DB };
    size_t (*hist)[NB] = calloc(ND, sizeof *hist);
    if (!hist)
        oom();
    for (size_t i = 0; i < n; i++) {
        uint64_t k = a[i].key;
        for (unsigned d = 0; d < ND; d++)
            hist[d][(k >> (DB * d)) & (NB - 1)]++;
    }
    Rec *src = a, *dst = tmp;
    for (unsigned d = 0; d < ND; d++) {
        size_t *h = hist[d], sum = 0;
        int trivial = 0;
        for (unsigned v = 0; v < NB; v++) {
            size_t c = h[v];
            trivial |= c == n;
            h[v] = sum;
            sum += c;
        }
        if (trivial)
            continue;                   /* all keys have this digit */
        for (size_t i = 0; i < n; i++)
            dst[h[(src[i].key >> (DB * d)) & (NB - 1)]++] = src[i];
        Rec *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, sizeof(Rec) * n);
    free(hist);
}

/*
 * Sorts the records a[0..n) of words that agree on their first 8d bytes
 * (and are all longer than 8d bytes): radix sort on bytes 8d..8d+7, then
 * within each group of equal such bytes, the words that end there come
 * first, by length (they are prefixes of one another and of the rest), and
 * the longer ones are sorted on their next 8 bytes.  Small sets are sorted
 * by insertion with the full comparison.
 */
static void sort_recs(Rec *a, Rec *tmp, size_t n, const Slot *s, size_t d)
{
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            Rec v = a[i];
            size_t j = i;
            while (j > 0 && word_cmp(&s[v.idx], &s[a[j - 1].idx]) < 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return;
    }
    if (d > 0)
        for (size_t i = 0; i < n; i++)
            a[i].key = word_digit(&s[a[i].idx], d);
    radix_sort(a, tmp, n);
    size_t end = 8 * (d + 1);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && a[j].key == a[i].key)
            j++;
        if (j - i > 1) {
            /* The words that end within these 8 bytes, by length, first. */
            size_t k = i;
            for (size_t m = i; m < j; m++) {
                if (a[m].len <= end) {
                    Rec v = a[m];
                    a[m] = a[k];
                    a[k] = v;
                    k++;
                }
            }
            for (size_t m = i + 1; m < k; m++) {
                Rec v = a[m];
                size_t q = m;
                while (q > i && a[q - 1].len > v.len) {
                    a[q] = a[q - 1];
                    q--;
                }
                a[q] = v;
            }
            if (j - k > 1)
                sort_recs(a + k, tmp, j - k, s, d + 1);
        }
        i = j;
    }
}

/* Sorts the n slots s[0..n) by word into out[0..n). */
static void sort_slots(const Slot *s, size_t n, Slot *out)
{
    Rec *a = big_alloc(sizeof(Rec) * n), *b = big_alloc(sizeof(Rec) * n);
    for (size_t i = 0; i < n; i++) {
        a[i].key = bswap64(s[i].k0);
        a[i].idx = (uint32_t)i;
        a[i].len = (uint32_t)slot_len(&s[i]);
    }
    sort_recs(a, b, n, s, 0);
    /* Gather the slots in order, prefetching ahead. */
    for (size_t i = 0; i < n; i++) {
        if (i + 16 < n)
            PREFETCH(&s[a[i + 16].idx]);
        out[i] = s[a[i].idx];
    }
    big_free(a, sizeof(Rec) * n);
    big_free(b, sizeof(Rec) * n);
}

/* ------------------------------------------------------------------ output */

/* An output buffer: flushed to fd when full, or (fd < 0) grown in memory. */
typedef struct {
    unsigned char *buf;
    size_t len, cap;
    int fd;
    const char *name;
} Out;

static void out_raw(int fd, const char *name, const unsigned char *d, size_t n)
{
    while (n) {
        ssize_t w = write(fd, d, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("cannot write", name);
        }
        d += w;
        n -= (size_t)w;
    }
}

static void out_flush(Out *o)
{
    out_raw(o->fd, o->name, o->buf, o->len);
    o->len = 0;
}

/* Makes room for n more bytes, n <= OUT_BUF_SIZE. */
static inline void out_room(Out *o, size_t n)
{
    if (o->cap - o->len >= n)
        return;
    if (o->fd >= 0) {
        out_flush(o);
    } else {
        size_t ncap = o->cap * 2 > o->len + n ? o->cap * 2 : o->len + n;
        unsigned char *nb = big_alloc(ncap);
        memcpy(nb, o->buf, o->len);
        big_free(o->buf, o->cap);
        o->buf = nb;
        o->cap = ncap;
    }
}

static void out_put(Out *o, const unsigned char *d, size_t n)
{
    while (n) {
        size_t k = n < OUT_BUF_SIZE ? n : OUT_BUF_SIZE;
        out_room(o, k);
        memcpy(o->buf + o->len, d, k);
        o->len += k;
        d += k;
        n -= k;
    }
}

/* Writes the bytes with each backslash doubled. */
static void out_escaped(Out *o, const unsigned char *w, size_t n)
{
    const unsigned char *end = w + n;
    while (w < end) {
        const unsigned char *bs = memchr(w, '\\', (size_t)(end - w));
        if (!bs) {
            out_put(o, w, (size_t)(end - w));
            return;
        }
        out_put(o, w, (size_t)(bs - w) + 1);
        out_put(o, (const unsigned char *)"\\", 1);
        w = bs + 1;
    }
}

/* word<TAB>count<LF> */
static inline void out_line(Out *o, const Slot *s, uint64_t cnt)
{
    size_t len = slot_len(s);
    out_room(o, 16 + 24);
    if (len <= 16 && !(eq_bytes(s->k0, '\\') | eq_bytes(s->k1, '\\'))) {
        store64(o->buf + o->len, s->k0);        /* the usual case */
        store64(o->buf + o->len + 8, s->k1);
        o->len += len;
    } else {
        unsigned char tmp[16];
        out_escaped(o, slot_bytes(s, tmp), len);
        out_room(o, 24);
    }
    unsigned char num[24], *q = num + sizeof num;
    *--q = '\n';
    do {
        *--q = (unsigned char)('0' + cnt % 10);
        cnt /= 10;
    } while (cnt);
    *--q = '\t';
    size_t k = (size_t)(num + sizeof num - q);
    memcpy(o->buf + o->len, q, k);
    o->len += k;
}

/* ------------------------------------------------------------------ merge */

typedef struct {
    const Slot *cur, *end;
} Run;

static inline int run_less(const Run *a, const Run *b)
{
    return word_cmp(a->cur, b->cur) < 0;
}

static void heap_down(Run *hp, size_t n, size_t i)
{
    Run v = hp[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && run_less(&hp[c + 1], &hp[c]))
            c++;
        if (!run_less(&hp[c], &v))
            break;
        hp[i] = hp[c];
        i = c;
    }
    hp[i] = v;
}

/* Merges k sorted runs of distinct words (hp is clobbered), summing the
 * counts of equal words, and writes the lines to o. */
static void merge_runs(Run *hp, size_t k, Out *o)
{
    size_t n = 0;
    for (size_t i = 0; i < k; i++)
        if (hp[i].cur < hp[i].end)
            hp[n++] = hp[i];
    if (n == 1) {
        for (const Slot *s = hp[0].cur; s < hp[0].end; s++)
            out_line(o, s, s->cnt);
        return;
    }
    if (n == 2) {                       /* two runs: a plain merge */
        const Slot *a = hp[0].cur, *ae = hp[0].end;
        const Slot *b = hp[1].cur, *be = hp[1].end;
        while (a < ae && b < be) {
            int c = word_cmp(a, b);
            if (c < 0) {
                out_line(o, a, a->cnt);
                a++;
            } else if (c > 0) {
                out_line(o, b, b->cnt);
                b++;
            } else {
                out_line(o, a, a->cnt + b->cnt);
                a++;
                b++;
            }
        }
        for (; a < ae; a++)
            out_line(o, a, a->cnt);
        for (; b < be; b++)
            out_line(o, b, b->cnt);
        return;
    }
    for (size_t i = n / 2; i-- > 0;)
        heap_down(hp, n, i);
    while (n) {
        const Slot *s = hp[0].cur;
        uint64_t cnt = s->cnt;
        for (;;) {
            if (++hp[0].cur == hp[0].end) {
                hp[0] = hp[--n];
                if (!n)
                    break;
            }
            heap_down(hp, n, 0);
            if (!same_word(hp[0].cur, s))
                break;
            cnt += hp[0].cur->cnt;
        }
        out_line(o, s, cnt);
    }
}

/* First element of the sorted run [lo, hi) that is not less than key. */
static const Slot *lower_bound(const Slot *lo, const Slot *hi, const Slot *key)
{
    while (lo < hi) {
        const Slot *mid = lo + (hi - lo) / 2;
        if (word_cmp(mid, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ------------------------------------------------------------------ input */

typedef struct {
    const unsigned char *s, *e;
} Chunk;

/* Maps or reads a whole input; returns its size, *base = its bytes, which
 * can be read at least READ_PAD bytes past the end. */
static size_t open_input(const char *path, const unsigned char **base)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
    if (fd < 0)
        die("cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("cannot stat", path);
    *base = NULL;

    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        size_t size = (size_t)st.st_size;
        size_t pg = (size_t)sysconf(_SC_PAGESIZE);
        size_t span = (size + pg - 1) / pg * pg + pg;
        /* Reserve one zero page more than the file and map the file over the
         * start: loads up to a page past the end are safe and give 0. */
        void *res = mmap(NULL, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (res != MAP_FAILED) {
            int flags = MAP_PRIVATE | MAP_FIXED;
#if defined(MAP_POPULATE) && defined(_SC_PHYS_PAGES)
            /* Faulting the pages in up front is cheaper than one fault per
             * page run, as long as the file fits comfortably in memory. */
            long phys = sysconf(_SC_PHYS_PAGES);
            if (phys > 0 && size / pg <= (size_t)phys / 4)
                flags |= MAP_POPULATE;
#endif
            void *m = mmap(res, size, PROT_READ, flags, fd, 0);
            if (m != MAP_FAILED) {
                madvise(m, size, MADV_WILLNEED);
                if (fd != STDIN_FILENO)
                    close(fd);
                *base = m;
                return size;
            }
            munmap(res, span);
        }
    }

    /* Not mappable (a pipe, a terminal, ...): read it all. */
    size_t cap = (size_t)1 << 20, len = 0;
    unsigned char *buf = xmalloc(cap + READ_PAD);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap + READ_PAD);
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("cannot read", path);
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    memset(buf + len, 0, READ_PAD);
    if (fd != STDIN_FILENO)
        close(fd);
    *base = buf;
    return len;
}

/* ------------------------------------------------------------------ main */

static void usage(void)
{
    fprintf(stderr, "usage: wc_hand [--threads N] [-o OUT] [-v] FILE...\n");
    exit(2);
}

static int parse_threads(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 1 || v > 4096)
        usage();
    return (int)v;
}

int main(int argc, char **argv)
{
    int nthreads = 0, verbose = 0, opts = 1;
    const char *outpath = NULL;
    const char **files = xmalloc(sizeof *files * (size_t)(argc + 1));
    size_t nfiles = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = 0;
        } else if (opts && (strcmp(a, "--threads") == 0 || strcmp(a, "-t") == 0)) {
            if (++i >= argc)
                usage();
            nthreads = parse_threads(argv[i]);
        } else if (opts && strncmp(a, "--threads=", 10) == 0) {
            nthreads = parse_threads(a + 10);
        } else if (opts && strcmp(a, "-o") == 0) {
            if (++i >= argc)
                usage();
            outpath = argv[i];
        } else if (opts && strcmp(a, "-v") == 0) {
            verbose = 1;
        } else if (opts && a[0] == '-' && a[1] != '\0') {
            usage();
        } else {
            files[nfiles++] = a;
        }
    }
    if (nfiles == 0)
        files[nfiles++] = "-";
    if (nthreads == 0)
        nthreads = omp_get_num_procs();

    double t0 = omp_get_wtime();
    init_masks();

    /* Open the output first, so that a bad path fails before the work. */
    int outfd = STDOUT_FILENO;
    const char *outname = "standard output";
    if (outpath) {
        outfd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (outfd < 0)
            die("cannot create", outpath);
        outname = outpath;
    }

    /* Map the inputs and cut them into chunks that end after a '\n'. */
    size_t nchunks = 0, chunk_cap = 64;
    Chunk *chunks = xmalloc(sizeof *chunks * chunk_cap);
    for (size_t f = 0; f < nfiles; f++) {
        const unsigned char *base;
        size_t size = open_input(files[f], &base);
        for (size_t pos = 0; pos < size;) {
            size_t end = size;
            if (size - pos > CHUNK_SIZE) {
                const unsigned char *nl = memchr(base + pos + CHUNK_SIZE - 1, '\n',
                                                 size - (pos + CHUNK_SIZE - 1));
                if (nl)
                    end = (size_t)(nl - base) + 1;
            }
            if (nchunks == chunk_cap) {
                chunk_cap *= 2;
                chunks = xrealloc(chunks, sizeof *chunks * chunk_cap);
            }
            chunks[nchunks].s = base + pos;
            chunks[nchunks].e = base + end;
            nchunks++;
            pos = end;
        }
    }
    if ((size_t)nthreads > nchunks)
        nthreads = nchunks ? (int)nchunks : 1;

    double t1 = omp_get_wtime(), t2 = 0, t3 = 0, t4 = 0;
    Table *tabs = calloc((size_t)nthreads, sizeof(Table));
    if (!tabs)
        oom();
    int team = 1;
    size_t nparts = 0;
    Out *parts = NULL;

#pragma omp parallel num_threads(nthreads)
    {
        int id = omp_get_thread_num();
        Table *t = &tabs[id];
        table_init(t, INIT_TAB_BITS);
#pragma omp single
        team = omp_get_num_threads();

        /* 1. Count. */
#pragma omp for schedule(dynamic, 1)
        for (size_t c = 0; c < nchunks; c++)
            count_chunk(t, chunks[c].s, chunks[c].e);
#pragma omp master
        t2 = omp_get_wtime();

        /* 2. Each thread sorts its own words. */
        size_t cap = t->mask + 1, n = 0;
        Slot *sl = t->slots;
        for (size_t i = 0; i < cap; i++)
            if (sl[i].hl)
                sl[n++] = sl[i];
        t->sorted = big_alloc(sizeof(Slot) * n);
        t->n = n;
        sort_slots(sl, n, t->sorted);
        free_slots(t->slots, cap);
        t->slots = NULL;
#pragma omp barrier
#pragma omp master
        t3 = omp_get_wtime();

        /* 3. Merge the runs.  With several threads: cut the key space at
         * splitter words taken from the largest run into 4 parts per thread,
         * merge and format the parts in parallel into memory. */
        if (team > 1) {
#pragma omp single
            {
                int big = 0;
                for (int i = 1; i < team; i++)
                    if (tabs[i].n > tabs[big].n)
                        big = i;
                nparts = (size_t)team * 4;
                if (nparts > tabs[big].n)
                    nparts = tabs[big].n ? tabs[big].n : 1;
                parts = calloc(nparts, sizeof(Out));
                if (!parts)
                    oom();
            }
#pragma omp for schedule(dynamic, 1)
            for (size_t pi = 0; pi < nparts; pi++) {
                int big = 0;
                for (int i = 1; i < team; i++)
                    if (tabs[i].n > tabs[big].n)
                        big = i;
                const Slot *lo_key = pi ? &tabs[big].sorted[tabs[big].n * pi / nparts] : NULL;
                const Slot *hi_key = pi + 1 < nparts
                    ? &tabs[big].sorted[tabs[big].n * (pi + 1) / nparts] : NULL;
                Run *runs = xmalloc(sizeof(Run) * (size_t)team);
                size_t total = 0;
                for (int i = 0; i < team; i++) {
                    const Slot *b = tabs[i].sorted, *e = b + tabs[i].n;
                    runs[i].cur = lo_key ? lower_bound(b, e, lo_key) : b;
                    runs[i].end = hi_key ? lower_bound(b, e, hi_key) : e;
                    total += (size_t)(runs[i].end - runs[i].cur);
                }
                Out *o = &parts[pi];
                o->fd = -1;
                o->cap = total * 16 + 64;
                o->buf = big_alloc(o->cap);
                merge_runs(runs, (size_t)team, o);
                free(runs);
            }
        }
    }
    t4 = omp_get_wtime();

    /* 4. Write. */
    if (team > 1) {
        for (size_t pi = 0; pi < nparts; pi++)
            out_raw(outfd, outname, parts[pi].buf, parts[pi].len);
    } else {
        Out o = { big_alloc(OUT_BUF_SIZE), 0, OUT_BUF_SIZE, outfd, outname };
        Run r = { tabs[0].sorted, tabs[0].sorted + tabs[0].n };
        merge_runs(&r, 1, &o);
        out_flush(&o);
    }
    if (outpath && close(outfd) != 0)
        die("cannot close", outpath);
    double t5 = omp_get_wtime();

    if (verbose) {
        size_t sum = 0;
        for (int i = 0; i < team; i++)
            sum += tabs[i].n;
        fprintf(stderr,
                "wc_hand: %d threads, %zu chunks, %zu words in the thread tables\n"
                "  map %.1f ms, count %.1f ms, sort %.1f ms, merge %.1f ms,"
                " write %.1f ms, total %.1f ms\n",
                team, nchunks, sum, (t1 - t0) * 1e3, (t2 - t1) * 1e3,
                (t3 - t2) * 1e3, (t4 - t3) * 1e3, (t5 - t4) * 1e3,
                (t5 - t0) * 1e3);
    }
    return 0;
}
