/*
 * wc_hand.c -- hand-written word count, the baseline for the fpipe benchmarks.
 *
 *   wc_hand [--threads N] [-o OUT] [-v] FILE...
 *
 * Counts the words of all FILEs together ("-" or no FILE reads stdin) and
 * writes one line "word<TAB>count\n" per distinct word, sorted by the bytes of
 * the word (memcmp order, a proper prefix first).  Words are maximal runs of
 * bytes other than ASCII whitespace (space, \t, \n, \v, \f, \r); every other
 * byte, including NUL and bytes >= 0x80, is part of a word and is kept as is.
 * In the output a backslash is written as two backslashes (a word cannot hold
 * a tab, newline or CR).  -v prints phase timings on stderr.
 *
 * How it works:
 *   1. Each input is mmap'ed into a reservation one page longer than the
 *      file, so the scanner may read up to 8 bytes past the end (they read as
 *      zero) and never needs a bounds check inside a word.
 *   2. The inputs are cut into chunks of about 4 MiB that end just after a
 *      '\n'; OpenMP threads take chunks dynamically.
 *   3. The scanner is fused: it loads a word 8 bytes at a time, finds the
 *      whitespace in the 8 bytes with exact SWAR byte tests, and feeds the same
 *      64-bit blocks to the hash.  A 256-entry class table skips the
 *      separators between words.  Words of up to 7 bytes (most of them) cost
 *      one load, one mask and two multiplies.
 *   4. Each thread has its own open-addressing table (power-of-two capacity,
 *      linear probing, grows at 62.5% load).  A slot holds a view into the
 *      mapping (pointer + length), the first 8 bytes of the word, the hash and
 *      the count, 32 bytes; a hit on a word of <= 8 bytes never touches the
 *      input again.
 *   5. Each thread compacts and sorts its own table: an LSD radix sort on the
 *      first 8 bytes taken big-endian, then a comparison sort inside the runs
 *      that share those 8 bytes.
 *   6. The sorted runs are merged (k-way heap), equal words summed, and the
 *      lines are written through a 1 MiB buffer with write(2).
 *
 * Build: gcc -std=c11 -O2 -fopenmp -Wall -Wextra -Werror -o wc_hand wc_hand.c
 */
#define _DEFAULT_SOURCE 1
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CHUNK   ((size_t)4 << 20)
#define OUT_BUF_SIZE    ((size_t)1 << 20)
#define INIT_TAB_BITS   16
#define READ_PAD        64          /* zero bytes after a read() input */

/* ------------------------------------------------------------------ utils */

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "wc_hand: ");
    fprintf(stderr, fmt, arg, strerror(errno));
    fputc('\n', stderr);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "wc_hand: out of memory\n");
        exit(1);
    }
    return p;
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) {
        fprintf(stderr, "wc_hand: out of memory\n");
        exit(1);
    }
    return p;
}

/* Little-endian 8-byte load: byte i of the word is bits 8i..8i+7. */
static inline uint64_t load64(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
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

/* Mask of the low n bytes, 0 <= n <= 8. */
static inline uint64_t low_bytes(unsigned n)
{
    return n >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * n)) - 1);
}

/* ------------------------------------------------------------------ bytes */

/* The ASCII whitespace class: space, \t, \n, \v, \f, \r. */
static const unsigned char is_ws[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
};

/*
 * Exact per-byte whitespace test on 8 bytes at once: returns 0x80 in every
 * byte that is 0x20 or in 0x09..0x0D, 0 in every other byte.  All additions
 * are done on 7-bit values so no carry crosses a byte boundary.
 */
static inline uint64_t ws_mask(uint64_t x)
{
    const uint64_t L7 = 0x7F7F7F7F7F7F7F7FULL, HI = 0x8080808080808080ULL;
    uint64_t y = x ^ 0x2020202020202020ULL;
    uint64_t space = ~(((y & L7) + L7) | y) & HI;         /* byte == 0x20 */
    uint64_t lo = x & L7;
    uint64_t ge09 = lo + 0x7777777777777777ULL;           /* low7 >= 0x09 */
    uint64_t ge0e = lo + 0x7272727272727272ULL;           /* low7 >= 0x0E */
    return space | (ge09 & ~ge0e & ~x & HI);
}

/* ------------------------------------------------------------------ hash */

#define HK1 0x9E3779B97F4A7C15ULL
#define HK2 0xC2B2AE3D27D4EB4FULL
#define HSEED 0x243F6A8885A308D3ULL

/* The hash of a word: absorb its floor(len/8) full 8-byte blocks, then
 * finish with the remaining len%8 bytes (zero padded) and the length. */
static inline uint64_t h_absorb(uint64_t h, uint64_t blk)
{
    return rotl64((h ^ blk) * HK1, 31);
}

static inline uint32_t h_final(uint64_t h, uint64_t last, uint64_t len)
{
    h = (h ^ last) * HK1;
    h = (h ^ (h >> 29) ^ len) * HK2;
    return (uint32_t)(h >> 32);
}

/* ------------------------------------------------------------------ table */

#ifndef KEYW
#define KEYW 3                  /* 8-byte words of key stored in a slot */
#endif
#define KEYB (8 * KEYW)
#ifndef BATCH
#define BATCH 16                /* words scanned ahead of their table update */
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(a) __builtin_prefetch((a), 1, 3)
#else
#define PREFETCH(a) ((void)0)
#endif

typedef struct {
    uint64_t k[KEYW];           /* first KEYB bytes of the word, 0-padded */
    const unsigned char *p;     /* the word, inside an input buffer */
    uint64_t hl;                /* len << 32 | hash; 0 = empty slot */
    uint64_t cnt;
} Slot;

/* A word found by the scanner, waiting for its table update. */
typedef struct {
    uint64_t k[KEYW];
    const unsigned char *w;
    uint64_t hl;
} Word;

typedef struct {
    Slot *slots;
    size_t mask;
    size_t used;
    size_t limit;
    char pad[64];               /* keep tables of different threads apart */
} Table;

/* Zeroed memory for a table; big tables get transparent huge pages where
 * the system offers them (fewer TLB misses on random probes). */
static Slot *alloc_slots(size_t n)
{
    size_t bytes = n * sizeof(Slot);
#if defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20;
    if (bytes >= huge) {
        void *m = mmap(NULL, bytes + huge, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) {
            uintptr_t a = ((uintptr_t)m + huge - 1) & ~(uintptr_t)(huge - 1);
            size_t head = a - (uintptr_t)m;
            if (head)
                munmap(m, head);
            if (huge - head)
                munmap((char *)a + bytes, huge - head);
            madvise((void *)a, bytes, MADV_HUGEPAGE);
            return (Slot *)a;
        }
    }
#endif
    return xcalloc(n, sizeof(Slot));
}

static void free_slots(Slot *s, size_t n)
{
#if defined(MADV_HUGEPAGE)
    if (n * sizeof(Slot) >= ((size_t)2 << 20)) {
        munmap(s, n * sizeof(Slot));
        return;
    }
#endif
    (void)n;
    free(s);
}

static void table_init(Table *t, unsigned bits)
{
    size_t cap = (size_t)1 << bits;
    t->slots = alloc_slots(cap);
    t->mask = cap - 1;
    t->used = 0;
    t->limit = cap / 8 * 5;
}

static void table_grow(Table *t)
{
    size_t ocap = t->mask + 1, ncap = ocap * 2, nmask = ncap - 1;
    Slot *ns = alloc_slots(ncap);
    Slot *os = t->slots;
    for (size_t i = 0; i < ocap; i++) {
        if (!os[i].hl)
            continue;
        size_t j = (uint32_t)os[i].hl & nmask;
        while (ns[j].hl)
            j = (j + 1) & nmask;
        ns[j] = os[i];
    }
    free_slots(os, ocap);
    t->slots = ns;
    t->mask = nmask;
    t->limit = ncap / 8 * 5;
}

/*
 * Compares bytes from..n of two words, with 8-byte loads.  Reading up to 7
 * bytes past the end of a word is safe: the buffers are padded (see
 * open_input).
 */
static inline int tail_equal(const unsigned char *a, const unsigned char *b,
                             size_t from, size_t n)
{
    size_t i = from;
    for (; i + 8 <= n; i += 8)
        if (load64(a + i) != load64(b + i))
            return 0;
    if (i == n)
        return 1;
    return ((load64(a + i) ^ load64(b + i)) & low_bytes((unsigned)(n - i))) == 0;
}

static inline int key_equal(const uint64_t *a, const uint64_t *b)
{
    int eq = 1;
    for (int j = 0; j < KEYW; j++)
        eq &= a[j] == b[j];
    return eq;
}

static inline void table_add(Table *t, const Word *wd)
{
    uint64_t hl = wd->hl;
    size_t len = (size_t)(hl >> 32);
    size_t i = (uint32_t)hl & t->mask;
    for (;;) {
        Slot *s = &t->slots[i];
        if (s->hl == hl && key_equal(s->k, wd->k) &&
            (len <= KEYB || tail_equal(s->p, wd->w, KEYB, len))) {
            s->cnt++;
            return;
        }
        if (!s->hl) {
            memcpy(s->k, wd->k, sizeof s->k);
            s->p = wd->w;
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

static void too_long(void)
{
    fprintf(stderr, "wc_hand: a word longer than 4 GiB\n");
    exit(1);
}

/*
 * Scans the word starting at p (a non-whitespace byte before e) into *wd and
 * returns the position just after it.  e is just after a '\n' or at the end
 * of an input buffer; the 8 bytes after e can be read (they are input bytes,
 * the zero tail of the last page, or the zero page after the mapping).
 */
static inline const unsigned char *scan_word(const unsigned char *p,
                                             const unsigned char *e, Word *wd)
{
    uint64_t x = load64(p);
    uint64_t m = ws_mask(x);
    wd->w = p;
    for (int j = 1; j < KEYW; j++)
        wd->k[j] = 0;
    if (m) {
        /* The common case: the word ends inside its first 8 bytes.  The
         * whitespace found is before e (a chunk ends with '\n'; past the end
         * of a buffer there are only zero bytes). */
        unsigned n = ctz64(m) >> 3;
        uint64_t key = x & low_bytes(n);
        wd->k[0] = key;
        wd->hl = (uint64_t)n << 32 | h_final(HSEED, key, n);
        return p + n;
    }

    /* A longer word, or one running into the end of the buffer: absorb the
     * full blocks, finish with the last 0..7 bytes. */
    uint64_t h = HSEED, last;
    const unsigned char *q = p, *end;
    size_t j = 0;
    for (;;) {
        if (m) {
            unsigned n = ctz64(m) >> 3;
            last = x & low_bytes(n);
            end = q + n;
            break;
        }
        if (e - q <= 8) {                       /* the buffer ends here */
            unsigned n = (unsigned)(e - q);
            if (n == 8) {
                h = h_absorb(h, x);
                if (j < KEYW)
                    wd->k[j] = x;
                j++;
                last = 0;
            } else {
                last = x & low_bytes(n);
            }
            end = e;
            break;
        }
        h = h_absorb(h, x);
        if (j < KEYW)
            wd->k[j] = x;
        j++;
        q += 8;
        x = load64(q);
        m = ws_mask(x);
    }
    if (j < KEYW)
        wd->k[j] = last;
    size_t len = (size_t)(end - p);
    if (len > UINT32_MAX)
        too_long();
    wd->hl = (uint64_t)len << 32 | h_final(h, last, len);
    return end;
}

/* Counts the words in [p, e), BATCH words at a time: scan them and prefetch
 * their slots, then update the table while the cache lines arrive. */
static void count_chunk(Table *t, const unsigned char *p, const unsigned char *e)
{
    Word batch[BATCH];
    for (;;) {
        int nb = 0;
        while (nb < BATCH) {
            while (p < e && is_ws[*p])
                p++;
            if (p >= e)
                break;
            p = scan_word(p, e, &batch[nb]);
            const Slot *s = &t->slots[(uint32_t)batch[nb].hl & t->mask];
            PREFETCH(s);
            PREFETCH((const char *)s + sizeof(Slot) - 1);
            nb++;
        }
        for (int i = 0; i < nb; i++)
            table_add(t, &batch[i]);
        if (nb < BATCH)
            return;
    }
}

/* ------------------------------------------------------------------ sort */

typedef struct {
    uint64_t key;               /* first 8 bytes, big-endian: memcmp order */
    const Slot *s;
} Rec;

static inline size_t slot_len(const Slot *s)
{
    return (size_t)(s->hl >> 32);
}

static int word_cmp(const Slot *a, const Slot *b)
{
    size_t la = slot_len(a), lb = slot_len(b);
    int r = memcmp(a->p, b->p, la < lb ? la : lb);
    if (r)
        return r;
    return (la > lb) - (la < lb);
}

static int rec_cmp(const void *va, const void *vb)
{
    const Rec *a = va, *b = vb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return word_cmp(a->s, b->s);
}

static inline int rec_less(const Rec *a, const Rec *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    return word_cmp(a->s, b->s) < 0;
}

/* Sorts r[0..n) by word; tmp has room for n records.  Returns r or tmp,
 * whichever holds the result. */
static Rec *sort_recs(Rec *r, Rec *tmp, size_t n)
{
    size_t (*hist)[256] = xcalloc(8, sizeof *hist);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = r[i].key;
        for (unsigned d = 0; d < 8; d++)
            hist[d][(k >> (8 * d)) & 0xFF]++;
    }
    Rec *src = r, *dst = tmp;
    for (unsigned d = 0; d < 8; d++) {
        size_t *h = hist[d];
        int trivial = 0;
        for (unsigned b = 0; b < 256; b++)
            if (h[b] == n)
                trivial = 1;
        if (trivial)
            continue;
        size_t sum = 0;
        for (unsigned b = 0; b < 256; b++) {
            size_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[h[(src[i].key >> (8 * d)) & 0xFF]++] = src[i];
        Rec *t = src;
        src = dst;
        dst = t;
    }
    free(hist);

    /* Words that share their first 8 bytes: order them by the full bytes. */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && src[j].key == src[i].key)
            j++;
        if (j - i > 1) {
            if (j - i <= 16) {
                for (size_t a = i + 1; a < j; a++) {
                    Rec v = src[a];
                    size_t b = a;
                    while (b > i && rec_less(&v, &src[b - 1])) {
                        src[b] = src[b - 1];
                        b--;
                    }
                    src[b] = v;
                }
            } else {
                qsort(src + i, j - i, sizeof(Rec), rec_cmp);
            }
        }
        i = j;
    }
    return src;
}

/* ------------------------------------------------------------------ output */

typedef struct {
    int fd;
    const char *name;
    unsigned char *buf;
    size_t len;
} Out;

static void out_raw(Out *o, const void *data, size_t n)
{
    const unsigned char *d = data;
    while (n) {
        ssize_t w = write(o->fd, d, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("write %s: %s", o->name);
        }
        d += w;
        n -= (size_t)w;
    }
}

static void out_flush(Out *o)
{
    out_raw(o, o->buf, o->len);
    o->len = 0;
}

static void out_bytes(Out *o, const unsigned char *d, size_t n)
{
    if (n > OUT_BUF_SIZE - o->len) {
        out_flush(o);
        if (n >= OUT_BUF_SIZE) {
            out_raw(o, d, n);
            return;
        }
    }
    memcpy(o->buf + o->len, d, n);
    o->len += n;
}

/* word<TAB>count<LF>, backslashes doubled. */
static void out_line(Out *o, const unsigned char *w, size_t n, uint64_t cnt)
{
    if (n + 24 <= OUT_BUF_SIZE - o->len && !memchr(w, '\\', n)) {
        memcpy(o->buf + o->len, w, n);          /* the usual case */
        o->len += n;
    } else {
        const unsigned char *end = w + n;
        while (w < end) {
            const unsigned char *bs = memchr(w, '\\', (size_t)(end - w));
            if (!bs) {
                out_bytes(o, w, (size_t)(end - w));
                break;
            }
            out_bytes(o, w, (size_t)(bs - w) + 1);  /* up to the backslash */
            out_bytes(o, (const unsigned char *)"\\", 1);
            w = bs + 1;
        }
        if (OUT_BUF_SIZE - o->len < 24)
            out_flush(o);
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
    const Rec *cur, *end;
} Run;

static void heap_down(Run *hp, size_t n, size_t i)
{
    Run v = hp[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && rec_less(hp[c + 1].cur, hp[c].cur))
            c++;
        if (!rec_less(hp[c].cur, v.cur))
            break;
        hp[i] = hp[c];
        i = c;
    }
    hp[i] = v;
}

static inline int same_word(const Rec *a, const Rec *b)
{
    if (a->key != b->key || (a->s->hl >> 32) != (b->s->hl >> 32))
        return 0;
    size_t n = slot_len(a->s);
    return n <= 8 || tail_equal(a->s->p, b->s->p, 8, n);
}

/* Merges k sorted runs of distinct words, summing the counts of equal
 * words, and writes the lines. */
static void merge_and_write(Run *hp, size_t k, Out *o)
{
    size_t n = 0;
    for (size_t i = 0; i < k; i++)
        if (hp[i].cur < hp[i].end)
            hp[n++] = hp[i];
    for (size_t i = n / 2; i-- > 0;)
        heap_down(hp, n, i);
    while (n) {
        const Rec *r = hp[0].cur;
        uint64_t cnt = r->s->cnt;
        for (;;) {
            if (++hp[0].cur == hp[0].end) {
                hp[0] = hp[--n];
                if (!n)
                    break;
            }
            heap_down(hp, n, 0);
            if (!same_word(hp[0].cur, r))
                break;
            cnt += hp[0].cur->s->cnt;
        }
        out_line(o, r->s->p, slot_len(r->s), cnt);
    }
}

/* ------------------------------------------------------------------ input */

typedef struct {
    const unsigned char *base;
    size_t size;
} Input;

typedef struct {
    const unsigned char *s, *e;
} Chunk;

static Input open_input(const char *path)
{
    Input in = { NULL, 0 };
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
    if (fd < 0)
        die("cannot open %s: %s", path);
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("cannot stat %s: %s", path);

    if (S_ISREG(st.st_mode)) {
        if (st.st_size == 0) {
            if (fd != STDIN_FILENO)
                close(fd);
            return in;
        }
        size_t size = (size_t)st.st_size;
        size_t pg = (size_t)sysconf(_SC_PAGESIZE);
        size_t span = (size + pg - 1) / pg * pg + pg;
        /* Reserve one zero page more than the file, map the file over the
         * start: reads up to a page past the end are safe and give 0. */
        void *res = mmap(NULL, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (res != MAP_FAILED) {
            void *m = mmap(res, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
            if (m != MAP_FAILED) {
                madvise(m, size, MADV_WILLNEED);
                if (fd != STDIN_FILENO)
                    close(fd);
                in.base = m;
                in.size = size;
                return in;
            }
            munmap(res, span);
        }
    }

    /* Not mappable (a pipe, a terminal...): read it all. */
    size_t cap = 1 << 20, len = 0;
    unsigned char *buf = xmalloc(cap + READ_PAD);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + READ_PAD);
            if (!buf) {
                fprintf(stderr, "wc_hand: out of memory\n");
                exit(1);
            }
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("read %s: %s", path);
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    memset(buf + len, 0, READ_PAD);
    if (fd != STDIN_FILENO)
        close(fd);
    in.base = buf;
    in.size = len;
    return in;
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
    int nthreads = 0, verbose = 0;
    const char *outpath = NULL;
    const char **files = xmalloc(sizeof *files * (size_t)(argc + 1));
    size_t nfiles = 0;
    int opts = 1;

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

    /* Open the output first, so a bad path fails before the work. */
    Out out = { STDOUT_FILENO, "stdout", xmalloc(OUT_BUF_SIZE), 0 };
    if (outpath) {
        out.fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (out.fd < 0)
            die("cannot create %s: %s", outpath);
        out.name = outpath;
    }

    /* Map the inputs and cut them into chunks that end after a '\n'. */
    size_t nchunks = 0, chunk_cap = 64;
    Chunk *chunks = xmalloc(sizeof *chunks * chunk_cap);
    for (size_t f = 0; f < nfiles; f++) {
        Input in = open_input(files[f]);
        size_t pos = 0;
        while (pos < in.size) {
            size_t end;
            if (in.size - pos <= DEFAULT_CHUNK) {
                end = in.size;
            } else {
                const unsigned char *nl =
                    memchr(in.base + pos + DEFAULT_CHUNK - 1, '\n',
                           in.size - (pos + DEFAULT_CHUNK - 1));
                end = nl ? (size_t)(nl - in.base) + 1 : in.size;
            }
            if (nchunks == chunk_cap) {
                chunk_cap *= 2;
                chunks = realloc(chunks, sizeof *chunks * chunk_cap);
                if (!chunks) {
                    fprintf(stderr, "wc_hand: out of memory\n");
                    exit(1);
                }
            }
            chunks[nchunks].s = in.base + pos;
            chunks[nchunks].e = in.base + end;
            nchunks++;
            pos = end;
        }
    }
    if ((size_t)nthreads > nchunks)
        nthreads = nchunks ? (int)nchunks : 1;

    double t1 = omp_get_wtime(), t2 = 0;
    Table *tabs = xcalloc((size_t)nthreads, sizeof(Table));
    Run *runs = xcalloc((size_t)nthreads, sizeof(Run));
    int team = 1;

    /* Count, then each thread sorts its own table. */
#pragma omp parallel num_threads(nthreads)
    {
        int id = omp_get_thread_num();
#pragma omp single
        team = omp_get_num_threads();
        Table *t = &tabs[id];
        table_init(t, INIT_TAB_BITS);

#pragma omp for schedule(dynamic, 1) nowait
        for (size_t c = 0; c < nchunks; c++)
            count_chunk(t, chunks[c].s, chunks[c].e);

#pragma omp barrier
#pragma omp master
        t2 = omp_get_wtime();

        /* Compact the table in place and sort it. */
        size_t n = 0, cap = t->mask + 1;
        Slot *sl = t->slots;
        for (size_t i = 0; i < cap; i++)
            if (sl[i].hl)
                sl[n++] = sl[i];
        Rec *r = xmalloc(sizeof(Rec) * 2 * n);
        for (size_t i = 0; i < n; i++) {
            r[i].key = bswap64(sl[i].k[0]);
            r[i].s = &sl[i];
        }
        Rec *sorted = sort_recs(r, r + n, n);
        runs[id].cur = sorted;
        runs[id].end = sorted + n;
    }

    double t3 = omp_get_wtime();
    merge_and_write(runs, (size_t)team, &out);
    out_flush(&out);
    if (outpath && close(out.fd) != 0)
        die("close %s: %s", outpath);
    double t4 = omp_get_wtime();

    if (verbose) {
        size_t uniq = 0;
        for (int i = 0; i < team; i++)
            uniq += tabs[i].used;
        fprintf(stderr,
                "wc_hand: threads %d, chunks %zu, per-thread uniques %zu\n"
                "  map+split %.1f ms, count %.1f ms, compact+sort %.1f ms,"
                " merge+write %.1f ms, total %.1f ms\n",
                team, nchunks, uniq, (t1 - t0) * 1e3, (t2 - t1) * 1e3,
                (t3 - t2) * 1e3, (t4 - t3) * 1e3, (t4 - t0) * 1e3);
    }
    return 0;
}
