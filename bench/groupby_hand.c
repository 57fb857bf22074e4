/*
 * groupby_hand.c -- hand-written CSV group-by, the baseline for
 * bench/groupby.sh.
 *
 *   groupby_hand [--threads N] [-o OUT] [-v] FILE
 *
 * Reads a CSV file ("-" or no FILE reads stdin) whose first line names the
 * columns, groups the rows by the column "city" and writes, for each city,
 *
 *   city<TAB>count<TAB>sum(qty)<TAB>mean(qty)<TAB>max(qty)\n
 *
 * to OUT or stdout, sorted by the bytes of the city (memcmp order, a proper
 * prefix first).  count, sum and max are integers; the mean is the double
 * sum / count printed with "%.17g".  In the city a tab, newline, carriage
 * return and backslash are written as \t \n \r \\ (as fpipe's tsv sink does).
 * --threads defaults to the number of processors; -v prints phase timings on
 * stderr.
 *
 * The input must not use quoted fields (the program checks and refuses such
 * input).  The columns are found by name in the header.  qty must be an
 * integer ([+-]digits, at most 18 digits); lines may end in \n or \r\n; empty
 * lines are skipped; a row too short to hold both columns is an error.
 *
 * How it works:
 *   1. The file is mmap'ed into a reservation one page longer than the file,
 *      so the scanner may read up to 64 bytes past the end (zeros) without
 *      bounds checks.  Pipes are read into memory (with the same padding).
 *   2. The rows after the header are cut into chunks of about 4 MiB that end
 *      just after a '\n'; the OpenMP threads take chunks dynamically.
 *   3. The scanner looks at 64 bytes at a time: SSE2 compares (a SWAR
 *      fallback elsewhere) give 64-bit masks of the commas, the newlines and
 *      the quotes.  It walks the set bits of commas|newlines, counting fields
 *      in the row; it only looks at the bytes of the key field (hashed from
 *      two masked 8-byte loads) and the qty field (parsed in place).
 *   4. Each thread has its own open-addressing table: power-of-two capacity,
 *      linear probing, index from the top bits of a multiplicative hash, a
 *      64-byte slot holding the first 16 key bytes (compared as two words),
 *      length + hash, a pointer to the key in the input, and the count, sum
 *      and max.  No allocation per row or per key.
 *   5. The thread tables are folded into one, the groups sorted with qsort
 *      (there are few of them) and written with one buffer.
 *
 * Build: cc -std=c11 -O2 -fopenmp -Wall -Wextra -o groupby_hand groupby_hand.c
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
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define KEY_COLUMN      "city"
#define VALUE_COLUMN    "qty"
#define CHUNK_SIZE      ((size_t)4 << 20)
#define INIT_TAB_BITS   12
#define PAD             64          /* readable zero bytes after the input */

/* ------------------------------------------------------------------ utils */

static const char *in_name = "standard input";

static void die(const char *what, const char *name)
{
    fprintf(stderr, "groupby_hand: %s %s: %s\n", what, name, strerror(errno));
    exit(1);
}

static void fail(const char *msg)
{
    fprintf(stderr, "groupby_hand: %s: %s\n", in_name, msg);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "groupby_hand: out of memory\n");
        exit(1);
    }
    return p;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "groupby_hand: out of memory\n");
        exit(1);
    }
    return p;
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

static inline unsigned ctz64(uint64_t x)
{
    return (unsigned)__builtin_ctzll(x);
}

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

/* ------------------------------------------------------------------ bitmaps */

/*
 * For the 64 bytes at b: bit i of *delim is set when b[i] is ',' or '\n',
 * bit i of *nl when b[i] is '\n'; returns the mask of the '"' bytes.
 */
#if defined(__SSE2__)
static inline uint64_t block_bits(const unsigned char *b, uint64_t *delim, uint64_t *nl)
{
    const __m128i comma = _mm_set1_epi8(','), newline = _mm_set1_epi8('\n');
    const __m128i quote = _mm_set1_epi8('"');
    uint64_t d = 0, n = 0, q = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
        uint64_t mn = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, newline));
        uint64_t mc = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, comma));
        uint64_t mq = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote));
        d |= (mc | mn) << (16 * k);
        n |= mn << (16 * k);
        q |= mq << (16 * k);
    }
    *delim = d;
    *nl = n;
    return q;
}
#else
#define L7 0x7F7F7F7F7F7F7F7FULL
#define HI 0x8080808080808080ULL
#define ONES 0x0101010101010101ULL

/* 0x80 in each byte of x equal to c (exact, no carries between bytes). */
static inline uint64_t eq_bytes(uint64_t x, unsigned char c)
{
    uint64_t y = x ^ (ONES * c);
    return ~(((y & L7) + L7) | y) & HI;
}

/* 0x80-per-byte mask to 8 bits, bit i for byte i. */
static inline uint64_t gather8(uint64_t m)
{
    return ((m >> 7) * 0x0102040810204080ULL) >> 56;
}

static inline uint64_t block_bits(const unsigned char *b, uint64_t *delim, uint64_t *nl)
{
    uint64_t d = 0, n = 0, q = 0;
    for (unsigned k = 0; k < 8; k++) {
        uint64_t x = load64(b + 8 * k);
        uint64_t mn = gather8(eq_bytes(x, '\n'));
        uint64_t mc = gather8(eq_bytes(x, ','));
        uint64_t mq = gather8(eq_bytes(x, '"'));
        d |= (mc | mn) << (8 * k);
        n |= mn << (8 * k);
        q |= mq << (8 * k);
    }
    *delim = d;
    *nl = n;
    return q;
}
#endif

/* ------------------------------------------------------------------ table */

typedef struct {
    uint64_t k0, k1;            /* key bytes 0..7 and 8..15, zero padded */
    uint64_t hl;                /* (len + 1) << 32 | hash; 0 = empty slot */
    const unsigned char *key;   /* the key's bytes (in the input) */
    int64_t cnt, sum, max;
    uint64_t pad_;
} Slot;                         /* 64 bytes: one cache line */

typedef struct {
    Slot *slots;
    size_t mask;                /* capacity - 1 */
    unsigned shift;             /* slot of hash h: h >> shift */
    size_t used, limit;
    char pad_[64];              /* keep the tables of threads apart */
} Table;

static uint64_t mask_lo[17], mask_hi[17];

static void init_masks(void)
{
    for (size_t n = 0; n <= 16; n++) {
        mask_lo[n] = n >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * n)) - 1);
        mask_hi[n] = n >= 16 ? ~(uint64_t)0
                   : n > 8 ? (((uint64_t)1 << (8 * (n - 8))) - 1) : 0;
    }
}

static void table_init(Table *t, unsigned bits)
{
    size_t cap = (size_t)1 << bits;
    t->slots = aligned_alloc(64, cap * sizeof(Slot));
    if (!t->slots) {
        fprintf(stderr, "groupby_hand: out of memory\n");
        exit(1);
    }
    memset(t->slots, 0, cap * sizeof(Slot));
    t->mask = cap - 1;
    t->shift = 32 - bits;
    t->used = 0;
    t->limit = cap / 8 * 5;
}

/* Key words and hash of the key s[0..len), which may be read up to 16
 * bytes past its end. */
static inline uint64_t key_words(const unsigned char *s, size_t len, uint64_t *k0, uint64_t *k1)
{
    size_t m = len < 16 ? len : 16;
    uint64_t a = load64(s) & mask_lo[m];
    uint64_t b = load64(s + 8) & mask_hi[m];
    uint64_t h = (a ^ 0x243F6A8885A308D3ULL) * 0x9E3779B97F4A7C15ULL
               + (b ^ len) * 0xC2B2AE3D27D4EB4FULL;
    for (size_t i = 16; i < len; i += 8) {
        uint64_t blk = load64(s + i);
        if (len - i < 8)
            blk &= ((uint64_t)1 << (8 * (len - i))) - 1;
        h = (rotl64(h, 29) ^ blk) * 0xFF51AFD7ED558CCDULL;
    }
    *k0 = a;
    *k1 = b;
    return ((uint64_t)(len + 1) << 32) | (h >> 32);
}

static void table_grow(Table *t);

/* Puts the new key (k0, k1, hl, s) into the empty slot i. */
static Slot *table_insert(Table *t, size_t i, uint64_t k0, uint64_t k1, uint64_t hl,
                          const unsigned char *s)
{
    if (t->used >= t->limit) {
        table_grow(t);
        i = (uint32_t)hl >> t->shift;
        while (t->slots[i].hl)
            i = (i + 1) & t->mask;
    }
    Slot *sl = &t->slots[i];
    sl->k0 = k0;
    sl->k1 = k1;
    sl->hl = hl;
    sl->key = s;
    sl->cnt = 0;
    sl->sum = 0;
    sl->max = INT64_MIN;
    t->used++;
    return sl;
}

/* The slot of the key (k0, k1, hl, s), created empty if new. */
static inline Slot *table_slot(Table *t, uint64_t k0, uint64_t k1, uint64_t hl,
                               const unsigned char *s)
{
    size_t i = (uint32_t)hl >> t->shift;
    for (;;) {
        Slot *sl = &t->slots[i];
        if (sl->hl == hl) {
            size_t len = (size_t)(hl >> 32) - 1;
            if (sl->k0 == k0 && sl->k1 == k1
                && (len <= 16 || memcmp(sl->key + 16, s + 16, len - 16) == 0))
                return sl;
        } else if (sl->hl == 0) {
            return table_insert(t, i, k0, k1, hl, s);
        }
        i = (i + 1) & t->mask;
    }
}

static void table_grow(Table *t)
{
    Slot *old = t->slots;
    size_t cap = t->mask + 1;
    unsigned bits = 32 - t->shift + 1;
    if (bits > 31)
        fail("too many groups");
    table_init(t, bits);
    for (size_t i = 0; i < cap; i++) {
        if (!old[i].hl)
            continue;
        size_t j = (uint32_t)old[i].hl >> t->shift;
        while (t->slots[j].hl)
            j = (j + 1) & t->mask;
        t->slots[j] = old[i];
        t->used++;
    }
    free(old);
}

/* ------------------------------------------------------------------ scan */

typedef struct {
    const unsigned char *base;  /* start of the input (for messages) */
    int key_col, val_col, last_col;
} Layout;

static void bad_row(const Layout *L, const unsigned char *at, const char *what)
{
    fprintf(stderr, "groupby_hand: %s: %s at byte %zu\n", in_name, what,
            (size_t)(at - L->base));
    exit(1);
}

/* Parses [s, e) as a decimal integer. */
static inline int64_t parse_qty(const Layout *L, const unsigned char *s, const unsigned char *e)
{
    const unsigned char *p = s;
    int neg = 0;
    if (p < e && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    if (p == e || e - p > 18)
        bad_row(L, s, "bad " VALUE_COLUMN " field");
    int64_t v = 0;
    for (; p < e; p++) {
        unsigned d = (unsigned)*p - '0';
        if (d > 9)
            bad_row(L, s, "bad " VALUE_COLUMN " field");
        v = v * 10 + (int64_t)d;
    }
    return neg ? -v : v;
}

static inline void add_row(Table *t, const unsigned char *key, size_t len, int64_t q)
{
    uint64_t k0, k1;
    uint64_t hl = key_words(key, len, &k0, &k1);
    Slot *sl = table_slot(t, k0, k1, hl, key);
    sl->cnt++;
    sl->sum += q;
    if (q > sl->max)
        sl->max = q;
}

/*
 * Groups the rows of [s, e) into t.  s is a line start; e is a line start or
 * the end of the input; at least PAD readable bytes follow e.
 */
static void scan_chunk(Table *t, const Layout *L, const unsigned char *s, const unsigned char *e)
{
    const int kc = L->key_col, vc = L->val_col, lc = L->last_col;
    const unsigned char *start = s;     /* of the current field */
    const unsigned char *key = NULL;
    size_t klen = 0;
    int64_t q = 0;
    int f = 0;                          /* index of the current field */
    uint64_t quotes = 0;

    for (const unsigned char *b = s; b < e; b += 64) {
        uint64_t d, nl;
        uint64_t qb = block_bits(b, &d, &nl);
        if ((size_t)(e - b) < 64) {     /* bytes past e are not ours */
            uint64_t m = ((uint64_t)1 << (e - b)) - 1;
            d &= m;
            qb &= m;
        }
        quotes |= qb;
        while (d) {
            unsigned i = ctz64(d);
            d &= d - 1;
            const unsigned char *p = b + i;
            const unsigned char *fe = p;
            int at_nl = (int)((nl >> i) & 1);
            if (at_nl && fe > start && fe[-1] == '\r')
                fe--;
            if (f == kc) {
                key = start;
                klen = (size_t)(fe - start);
            } else if (f == vc) {
                q = parse_qty(L, start, fe);
            }
            if (at_nl) {
                if (f >= lc)
                    add_row(t, key, klen, q);
                else if (f > 0 || fe > start)
                    bad_row(L, start, "row without the " KEY_COLUMN " or " VALUE_COLUMN " column");
                f = 0;
            } else {
                f++;
            }
            start = p + 1;
        }
    }
    if (start < e) {                    /* a last line without '\n' */
        const unsigned char *fe = e;
        if (fe[-1] == '\r')
            fe--;
        if (f == kc) {
            key = start;
            klen = (size_t)(fe - start);
        } else if (f == vc) {
            q = parse_qty(L, start, fe);
        }
        if (f >= lc)
            add_row(t, key, klen, q);
        else if (f > 0 || fe > start)
            bad_row(L, start, "row without the " KEY_COLUMN " or " VALUE_COLUMN " column");
    }
    if (quotes)
        fail("quoted fields are not supported");
}

/* ------------------------------------------------------------------ input */

/* Maps or reads the whole input; *base = its bytes, followed by at least
 * PAD readable zero bytes.  Returns the size. */
static size_t open_input(const char *path, const unsigned char **base)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
    if (fd < 0)
        die("cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("cannot stat", path);

    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        size_t size = (size_t)st.st_size;
        size_t pg = (size_t)sysconf(_SC_PAGESIZE);
        size_t span = (size + pg - 1) / pg * pg + pg;
        /* An anonymous (zero) reservation one page longer than the file,
         * with the file mapped over its start. */
        unsigned char *res = mmap(NULL, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (res != MAP_FAILED) {
            int flags = MAP_PRIVATE | MAP_FIXED;
#if defined(MAP_POPULATE)
            long phys = sysconf(_SC_PHYS_PAGES);
            if (phys > 0 && size / pg <= (size_t)phys / 4)
                flags |= MAP_POPULATE;     /* fault it in up front */
#endif
            void *m = mmap(res, size, PROT_READ, flags, fd, 0);
            if (m != MAP_FAILED) {
                madvise(m, size, MADV_SEQUENTIAL);
                if (fd != STDIN_FILENO)
                    close(fd);
                *base = m;
                return size;
            }
            munmap(res, span);
        }
    }

    size_t cap = (size_t)1 << 20, len = 0;
    unsigned char *buf = xmalloc(cap + PAD);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + PAD);
            if (!buf) {
                fprintf(stderr, "groupby_hand: out of memory\n");
                exit(1);
            }
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
    memset(buf + len, 0, PAD);
    if (fd != STDIN_FILENO)
        close(fd);
    *base = buf;
    return len;
}

/* Finds the key and value columns in the header line [s, e) (no '\n'). */
static void parse_header(Layout *L, const unsigned char *s, const unsigned char *e)
{
    if (e - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;                         /* a UTF-8 byte order mark */
    if (e > s && e[-1] == '\r')
        e--;
    L->key_col = L->val_col = -1;
    int col = 0;
    for (const unsigned char *p = s;; col++) {
        const unsigned char *c = memchr(p, ',', (size_t)(e - p));
        const unsigned char *fe = c ? c : e;
        size_t n = (size_t)(fe - p);
        if (n == strlen(KEY_COLUMN) && memcmp(p, KEY_COLUMN, n) == 0 && L->key_col < 0)
            L->key_col = col;
        if (n == strlen(VALUE_COLUMN) && memcmp(p, VALUE_COLUMN, n) == 0 && L->val_col < 0)
            L->val_col = col;
        if (!c)
            break;
        p = c + 1;
    }
    if (L->key_col < 0)
        fail("no column named \"" KEY_COLUMN "\" in the header");
    if (L->val_col < 0)
        fail("no column named \"" VALUE_COLUMN "\" in the header");
    if (memchr(s, '"', (size_t)(e - s)))
        fail("quoted fields are not supported");
    L->last_col = L->key_col > L->val_col ? L->key_col : L->val_col;
}

/* ------------------------------------------------------------------ output */

typedef struct {
    char *buf;
    size_t len, cap;
} Buf;

static void buf_reserve(Buf *o, size_t n)
{
    if (o->len + n > o->cap) {
        while (o->len + n > o->cap)
            o->cap = o->cap ? o->cap * 2 : 1 << 16;
        o->buf = realloc(o->buf, o->cap);
        if (!o->buf) {
            fprintf(stderr, "groupby_hand: out of memory\n");
            exit(1);
        }
    }
}

static void put_i64(Buf *o, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    memcpy(o->buf + o->len, tmp + i, sizeof tmp - i);
    o->len += sizeof tmp - i;
}

static void put_line(Buf *o, const Slot *sl)
{
    size_t len = (size_t)(sl->hl >> 32) - 1;
    buf_reserve(o, 2 * len + 128);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = sl->key[i];
        char esc = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\\' ? '\\' : 0;
        if (esc) {
            o->buf[o->len++] = '\\';
            o->buf[o->len++] = esc;
        } else {
            o->buf[o->len++] = (char)c;
        }
    }
    o->buf[o->len++] = '\t';
    put_i64(o, sl->cnt);
    o->buf[o->len++] = '\t';
    put_i64(o, sl->sum);
    o->buf[o->len++] = '\t';
    o->len += (size_t)snprintf(o->buf + o->len, 40, "%.17g", (double)sl->sum / (double)sl->cnt);
    o->buf[o->len++] = '\t';
    put_i64(o, sl->max);
    o->buf[o->len++] = '\n';
}

static int slot_cmp(const void *pa, const void *pb)
{
    const Slot *a = *(const Slot *const *)pa, *b = *(const Slot *const *)pb;
    size_t la = (size_t)(a->hl >> 32) - 1, lb = (size_t)(b->hl >> 32) - 1;
    int c = memcmp(a->key, b->key, la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

/* ------------------------------------------------------------------ main */

typedef struct {
    const unsigned char *s, *e;
} Chunk;

static void usage(void)
{
    fprintf(stderr, "usage: groupby_hand [--threads N] [-o OUT] [-v] FILE\n");
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
    const char *outpath = NULL, *path = NULL;

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
        } else if (path) {
            usage();
        } else {
            path = a;
        }
    }
    if (!path)
        path = "-";
    if (strcmp(path, "-") != 0)
        in_name = path;
    if (nthreads == 0)
        nthreads = omp_get_num_procs();

    double t0 = omp_get_wtime();
    init_masks();

    int outfd = STDOUT_FILENO;
    if (outpath) {
        outfd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (outfd < 0)
            die("cannot create", outpath);
    }

    const unsigned char *base;
    size_t size = open_input(path, &base);
    const unsigned char *end = base + size;
    const unsigned char *nl = size ? memchr(base, '\n', size) : NULL;
    if (size == 0)
        fail("no header line");
    Layout L = { base, 0, 0, 0 };
    parse_header(&L, base, nl ? nl : end);
    const unsigned char *body = nl ? nl + 1 : end;

    /* Chunks of about CHUNK_SIZE bytes that end after a '\n'. */
    size_t nchunks = 0, cap = (size_t)(end - body) / CHUNK_SIZE + 2;
    Chunk *chunks = xmalloc(cap * sizeof *chunks);
    for (const unsigned char *p = body; p < end;) {
        const unsigned char *ce = end;
        if ((size_t)(end - p) > CHUNK_SIZE) {
            const unsigned char *c = memchr(p + CHUNK_SIZE - 1, '\n',
                                            (size_t)(end - (p + CHUNK_SIZE - 1)));
            if (c)
                ce = c + 1;
        }
        chunks[nchunks].s = p;
        chunks[nchunks].e = ce;
        nchunks++;
        p = ce;
    }
    if ((size_t)nthreads > nchunks)
        nthreads = nchunks ? (int)nchunks : 1;

    double t1 = omp_get_wtime();
    Table *tabs = xcalloc((size_t)nthreads, sizeof(Table));
    int team = 1;
#pragma omp parallel num_threads(nthreads)
    {
        Table *t = &tabs[omp_get_thread_num()];
        table_init(t, INIT_TAB_BITS);
#pragma omp single
        team = omp_get_num_threads();
#pragma omp for schedule(dynamic, 1)
        for (size_t c = 0; c < nchunks; c++)
            scan_chunk(t, &L, chunks[c].s, chunks[c].e);
    }
    double t2 = omp_get_wtime();

    /* Fold the other tables into the first one. */
    Table *t = &tabs[0];
    for (int k = 1; k < team; k++) {
        const Table *u = &tabs[k];
        for (size_t i = 0; i <= u->mask; i++) {
            const Slot *from = &u->slots[i];
            if (!from->hl)
                continue;
            Slot *to = table_slot(t, from->k0, from->k1, from->hl, from->key);
            to->cnt += from->cnt;
            to->sum += from->sum;
            if (from->max > to->max)
                to->max = from->max;
        }
    }

    /* Sort the groups and write them. */
    const Slot **groups = xmalloc((t->used ? t->used : 1) * sizeof *groups);
    size_t ng = 0;
    for (size_t i = 0; i <= t->mask; i++)
        if (t->slots[i].hl)
            groups[ng++] = &t->slots[i];
    qsort(groups, ng, sizeof *groups, slot_cmp);
    Buf o = { NULL, 0, 0 };
    buf_reserve(&o, 1);
    for (size_t i = 0; i < ng; i++)
        put_line(&o, groups[i]);
    for (size_t off = 0; off < o.len;) {
        ssize_t w = write(outfd, o.buf + off, o.len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("cannot write", outpath ? outpath : "standard output");
        }
        off += (size_t)w;
    }
    if (outpath && close(outfd) != 0)
        die("cannot close", outpath);
    double t3 = omp_get_wtime();

    if (verbose)
        fprintf(stderr,
                "groupby_hand: %d threads, %zu chunks, %zu groups\n"
                "  map %.1f ms, scan %.1f ms, merge+sort+write %.1f ms, total %.1f ms\n",
                team, nchunks, ng, (t1 - t0) * 1e3, (t2 - t1) * 1e3,
                (t3 - t2) * 1e3, (t3 - t0) * 1e3);
    return 0;
}
