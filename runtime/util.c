/* util.c — arenas, output buffers, TSV field writers and string builtins.
 *
 * Everything here is called from generated code or from the driver; all of
 * it is allocation-light and has no global mutable state.
 */
#define _GNU_SOURCE   /* mremap (fp_big_grow) */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Out of memory is not recoverable in a pipeline run: say so and leave with
 * the internal-error code.  Sinks are temp files, so nothing partial stays;
 * the temporary itself is removed. */
/* The program's name in messages: argv[0] without its folder (fp_main
 * sets it; "fpipe" for a runtime used outside a program's main). */
const char *fp_prog = "fpipe";

_Noreturn void fp_oom(void)
{
    fprintf(stderr, "%s: out of memory\n", fp_prog);
    fp_exit(FP_EXIT_INTERNAL);
}

/* ---- arenas -------------------------------------------------------- */

typedef struct fp_chunk {
    struct fp_chunk *next;
    size_t used, cap;
    max_align_t data[];   /* cap bytes */
} fp_chunk;

struct fp_arena {
    fp_chunk *head;
};

fp_arena *fp_arena_new(void)
{
    fp_arena *a = calloc(1, sizeof *a);
    if (!a)
        fp_oom();
    return a;
}

/* n bytes, 16-aligned, from the arena: the current chunk, or a new one
 * of at least 1 MiB.  Freed all at once by fp_arena_reset/free. */
void *fp_arena_alloc(fp_arena *a, size_t n)
{
    if (n > SIZE_MAX - 15)   /* the rounding below must not wrap to 0 */
        fp_oom();
    n = (n + 15) & ~(size_t)15;
    fp_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        if (cap > SIZE_MAX - sizeof *c - FP_PAD)
            fp_oom();
        /* FP_PAD bytes of slack: the padding contract for the last string. */
        c = calloc(1, sizeof *c + cap + FP_PAD);
        if (!c)
            fp_oom();
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

void fp_arena_trim(fp_arena *a, void *p, size_t n)
{
    fp_chunk *c = a->head;
    size_t at = (size_t)((char *)p - (char *)c->data);
    c->used = at + ((n + 15) & ~(size_t)15);
}

void fp_arena_reset(fp_arena *a)
{
    fp_chunk *keep = a->head;
    if (!keep)
        return;
    for (fp_chunk *c = keep->next, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    keep->next = NULL;
    keep->used = 0;
}

void fp_arena_free(fp_arena *a)
{
    if (!a)
        return;
    for (fp_chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

/* ---- mapped inputs' pages ------------------------------------------------ */

void fp_release_range(const char *lo, const char *hi)
{
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t b = ((uintptr_t)lo + pg - 1) / pg * pg, e = (uintptr_t)hi / pg * pg;
    if (e > b)
        madvise((void *)b, e - b, MADV_DONTNEED);
}

/* The kernel maps a whole large folio of the page cache around a touched
 * page (up to 2 MiB): give back 2 MiB either side of what a cut read. */
#define CUT_SLACK ((size_t)2 << 20)

void fp_release_cut(const char *data, size_t len, const char *from, const char *to)
{
    const char *lo = (size_t)(from - data) > CUT_SLACK ? from - CUT_SLACK : data;
    const char *hi = (size_t)(data + len - to) > CUT_SLACK ? to + CUT_SLACK : data + len;
    fp_release_range(lo, hi);
}

/* ---- big zeroed arrays --------------------------------------------- */

#define HUGE_PAGE ((size_t)2 << 20)

/* A large zeroed block for tables: 2 MiB-aligned anonymous memory with
 * huge pages advised when it is that large, else calloc. */
void *fp_big_alloc(size_t bytes)
{
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
    if (bytes >= HUGE_PAGE) {
        /* Map 2 MiB more and trim, so that the block is 2 MiB aligned and
         * every part of it can be a huge page. */
        if (bytes > SIZE_MAX - HUGE_PAGE)
            fp_oom();
        char *m = mmap(NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            fp_oom();
        uintptr_t a = ((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        size_t head = (size_t)(a - (uintptr_t)m);
        if (head)
            munmap(m, head);
        /* The tail from the page after the block's end (munmap wants a
         * page-aligned address: bytes need not be a number of pages). */
        size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = (bytes + pg - 1) / pg * pg;
        munmap((char *)a + len, HUGE_PAGE - head);
        madvise((void *)a, bytes, MADV_HUGEPAGE);
        return (void *)a;
    }
#endif
    void *p = calloc(1, bytes ? bytes : 1);
    if (!p)
        fp_oom();
    return p;
}

/* Free a block of fp_big_alloc; bytes must be its size. */
void fp_big_free(void *p, size_t bytes)
{
    if (!p)
        return;
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
    if (bytes >= HUGE_PAGE) {
        munmap(p, bytes);
        return;
    }
#endif
    free(p);
}

void *fp_big_grow(void *p, size_t bytes, size_t nbytes)
{
    if (nbytes < bytes)
        fp_oom();
    void *np = fp_big_alloc(nbytes);
#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE) && defined(MREMAP_FIXED)
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), keep = bytes / pg * pg;
    if (bytes >= HUGE_PAGE) {
        /* Move the old whole pages over the start of the new block: the
         * kernel moves page table entries (huge pages stay huge: both are
         * 2 MiB aligned), nothing is copied and the old bytes are never
         * there twice; the last partial page is copied, so that the moved
         * range ends on a page and does not split a huge page of the new
         * block.  The rest of the block stays zero. */
        if (mremap(p, keep, keep, MREMAP_MAYMOVE | MREMAP_FIXED, np) == np) {
            if (bytes > keep) {
                memcpy((char *)np + keep, (char *)p + keep, bytes - keep);
                munmap((char *)p + keep, bytes - keep);
            }
            return np;
        }
    }
#endif
    memcpy(np, p, bytes);
    fp_big_free(p, bytes);
    return np;
}

/* Bytes a TSV field escapes. */
static const unsigned char tsv_special[256] = {['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\\'] = 1};

/* ---- output buffers ------------------------------------------------ */

void fp_buf_grow(fp_buf *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->n <= extra) {   /* as fp_buf_reserve: more than extra */
        if (cap > SIZE_MAX / 2)
            fp_oom();
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p)
        fp_oom();
    b->p = p;
    b->cap = cap;
}

void fp_buf_free(fp_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

void fp_out_tsv_str(fp_buf *b, fp_str s)
{
    size_t i = 0;
    while (i < s.n && !tsv_special[(unsigned char)s.p[i]])
        i++;
    if (i == s.n) {   /* nothing to escape: the common case */
        fp_buf_reserve(b, s.n);
        memcpy(b->p + b->n, s.p, s.n);
        b->n += s.n;
        return;
    }
    /* Worst case every byte doubles. */
    if (s.n > (SIZE_MAX - 1) / 2)
        fp_oom();
    fp_buf_reserve(b, 2 * s.n);
    char *o = b->p + b->n;
    memcpy(o, s.p, i);   /* the clean prefix */
    o += i;
    for (; i < s.n; i++) {
        char c = s.p[i];
        switch (c) {
        case '\t': *o++ = '\\'; *o++ = 't'; break;
        case '\n': *o++ = '\\'; *o++ = 'n'; break;
        case '\r': *o++ = '\\'; *o++ = 'r'; break;
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        default: *o++ = c;
        }
    }
    b->n = (size_t)(o - b->p);
}

void fp_out_csv_str(fp_buf *b, fp_str s)
{
    fp_out_csv_str_with(b, s, ',', '"');
}

void fp_out_csv_str_with(fp_buf *b, fp_str s, char delim, char qc)
{
    bool quote = s.n == 0;
    for (size_t i = 0; i < s.n && !quote; i++)
        quote = s.p[i] == delim || s.p[i] == qc || s.p[i] == '\n' || s.p[i] == '\r';
    if (!quote) {
        fp_buf_reserve(b, s.n);
        memcpy(b->p + b->n, s.p, s.n);
        b->n += s.n;
        return;
    }
    if (s.n > (SIZE_MAX - 2) / 2)
        fp_oom();
    fp_buf_reserve(b, 2 * s.n + 2);
    char *o = b->p + b->n;
    *o++ = qc;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == qc)
            *o++ = qc;
        *o++ = s.p[i];
    }
    *o++ = qc;
    b->n = (size_t)(o - b->p);
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    unsigned cp = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;   /* overlong, out of range, or a surrogate */
    return len;
}

void fp_out_json_str(fp_buf *b, fp_str s)
{
    static const char hex[] = "0123456789abcdef";
    if (s.n > (SIZE_MAX - 2) / 6)
        fp_oom();
    fp_buf_reserve(b, 6 * s.n + 2);
    char *o = b->p + b->n;
    const unsigned char *p = (const unsigned char *)s.p;
    *o++ = '"';
    for (size_t i = 0; i < s.n;) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
            i++;
        } else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f') {
            *o++ = '\\';
            *o++ = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c == '\b' ? 'b' : 'f';
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
            i++;
        } else {
            size_t len = utf8_len(p + i, s.n - i);
            if (len) {
                memcpy(o, p + i, len);
                o += len;
                i += len;
            } else {   /* not UTF-8: the byte as a Latin-1 code point */
                memcpy(o, "\\u00", 4);
                o[4] = hex[c >> 4];
                o[5] = hex[c & 15];
                o += 6;
                i++;
            }
        }
    }
    *o++ = '"';
    b->n = (size_t)(o - b->p);
}

/* v's decimal digits written at o (20 bytes at most); returns how many. */
static size_t i64_text(char *o, int64_t v)
{
    char tmp[24];
    char *e = tmp + sizeof tmp, *p = e;
    uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    size_t n = (size_t)(e - p);
    memcpy(o, p, n);
    return n;
}

void fp_out_i64(fp_buf *b, int64_t v)
{
    fp_buf_reserve(b, 20);
    b->n += i64_text(b->p + b->n, v);
}

void fp_out_bool(fp_buf *b, bool v)
{
    const char *s = v ? "true" : "false";
    size_t n = strlen(s);
    fp_buf_reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* ---- string builtins ----------------------------------------------- */

/* The shift counts stay in 0..56 even in the branch not taken: clang warns
 * about a negative or too wide count there (-Wshift-count-negative). */
#define LOW_BYTES(n) ((n) >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * ((n) & 7))) - 1))
#define KEY_MASK(n) {LOW_BYTES(n), LOW_BYTES((n) <= 8 ? 0 : (n) - 8)}
const uint64_t fp_key_mask[17][2] = {
    KEY_MASK(0),  KEY_MASK(1),  KEY_MASK(2),  KEY_MASK(3),  KEY_MASK(4),  KEY_MASK(5),
    KEY_MASK(6),  KEY_MASK(7),  KEY_MASK(8),  KEY_MASK(9),  KEY_MASK(10), KEY_MASK(11),
    KEY_MASK(12), KEY_MASK(13), KEY_MASK(14), KEY_MASK(15), KEY_MASK(16),
};



const unsigned char fp_ws_class[256] = {
    [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
};

/* s with the bytes from..to shifted by delta (ASCII case mapping), in
 * the arena. */
static fp_str map_ascii(fp_arena *a, fp_str s, char from, char to, int delta)
{
    char *o = fp_arena_alloc(a, s.n ? s.n : 1);
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        o[i] = (c >= from && c <= to) ? (char)(c + delta) : c;
    }
    return fp_str_lit(o, s.n);
}

fp_str fp_lower(fp_arena *a, fp_str s)
{
    /* Leave the input untouched when there is nothing to lower: no copy. */
    size_t i = 0;
    while (i < s.n && !(s.p[i] >= 'A' && s.p[i] <= 'Z'))
        i++;
    if (i == s.n)
        return s;
    return map_ascii(a, s, 'A', 'Z', 'a' - 'A');
}

fp_str fp_upper(fp_arena *a, fp_str s)
{
    size_t i = 0;
    while (i < s.n && !(s.p[i] >= 'a' && s.p[i] <= 'z'))
        i++;
    if (i == s.n)
        return s;
    return map_ascii(a, s, 'a', 'z', 'A' - 'a');
}

fp_str fp_trim(fp_str s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t b = 0, e = s.n;
    while (b < e && fp_ws_class[p[b]])
        b++;
    while (e > b && fp_ws_class[p[e - 1]])
        e--;
    return fp_str_lit(s.p + b, e - b);
}

/* ---- fallible arithmetic ------------------------------------------- */

int64_t fp_div_i64(fp_worker *w, const fp_site *site, int64_t a, int64_t b)
{
    if (b == 0) {
        fp_elem_error(w, site, "division by zero");
        return 0;
    }
    if (b == -1)
        return fp_neg_i64(a);   /* INT64_MIN / -1 wraps like the other ops */
    return a / b;
}

/* a % b, the i64 remainder: by zero an element error, by -1 zero (no
 * trap on INT64_MIN % -1). */
int64_t fp_rem_i64(fp_worker *w, const fp_site *site, int64_t a, int64_t b)
{
    if (b == 0) {
        fp_elem_error(w, site, "remainder by zero");
        return 0;
    }
    if (b == -1)
        return 0;
    return a % b;
}

/* ---- more string builtins ------------------------------------------ */

/* The first occurrence of t in s, or NULL. */
static const char *find(fp_str s, fp_str t)
{
    if (t.n == 0)
        return s.p;
    if (t.n > s.n)
        return NULL;
    const char *p = s.p, *last = s.p + (s.n - t.n);
    while (p <= last) {
        p = memchr(p, t.p[0], (size_t)(last - p) + 1);
        if (!p)
            return NULL;
        if (memcmp(p, t.p, t.n) == 0)
            return p;
        p++;
    }
    return NULL;
}

bool fp_contains(fp_str s, fp_str t)
{
    return find(s, t) != NULL;
}

bool fp_starts_with(fp_str s, fp_str t)
{
    return t.n <= s.n && (t.n == 0 || memcmp(s.p, t.p, t.n) == 0);
}

bool fp_ends_with(fp_str s, fp_str t)
{
    return t.n <= s.n && (t.n == 0 || memcmp(s.p + s.n - t.n, t.p, t.n) == 0);
}

int64_t fp_find(fp_str s, fp_str t)
{
    const char *hit = find(s, t);
    return hit ? (int64_t)(hit - s.p) : -1;
}

int64_t fp_hash_str(fp_str s)
{
    return (int64_t)fp_hash(s.p, s.n);
}

fp_str fp_substr(fp_worker *w, const fp_site *site, fp_str s, int64_t start, int64_t n)
{
    if (start < 0 || n < 0 || (uint64_t)start > s.n || (uint64_t)n > s.n - (uint64_t)start) {
        fp_elem_error(w, site, "substr out of range");
        return fp_str_lit(s.p, 0);
    }
    return fp_str_lit(s.p + start, (size_t)n);
}

/* s with every from replaced by to, in the arena; s itself (no copy)
 * when from does not occur.  An empty from is an element error. */
fp_str fp_replace(fp_arena *a, fp_worker *w, const fp_site *site, fp_str s, fp_str from,
                  fp_str to)
{
    if (from.n == 0) {
        fp_elem_error(w, site, "replace of an empty string");
        return s;
    }
    const char *hit = find(s, from);
    if (!hit)
        return s;   /* nothing to replace: the same view, no copy */
    /* Count first, so the result is allocated once (checked arithmetic). */
    size_t count = 0;
    for (fp_str rest = s; (hit = find(rest, from)) != NULL;) {
        count++;
        size_t skip = (size_t)(hit - rest.p) + from.n;
        rest = fp_str_lit(rest.p + skip, rest.n - skip);
    }
    size_t n = s.n - count * from.n;
    if (to.n && count > (SIZE_MAX - n) / to.n)
        fp_oom();
    n += count * to.n;
    char *o = fp_arena_alloc(a, n ? n : 1), *q = o;
    for (fp_str rest = s;;) {
        hit = find(rest, from);
        size_t keep = hit ? (size_t)(hit - rest.p) : rest.n;
        memcpy(q, rest.p, keep);
        q += keep;
        if (!hit)
            break;
        memcpy(q, to.p, to.n);
        q += to.n;
        rest = fp_str_lit(hit + from.n, rest.n - keep - from.n);
    }
    return fp_str_lit(o, n);
}

/* The whole of s as a decimal i64 (an optional sign, digits only) into
 * *out: NULL, or why not (*out is then 0). */
static const char *read_i64(fp_str s, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    *out = 0;
    if (i < s.n && (s.p[i] == '-' || s.p[i] == '+'))
        neg = s.p[i++] == '-';
    if (i == s.n)
        return "parse_i64: not an integer";
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.n; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9)
            return "parse_i64: not an integer";
        if (v > (limit - d) / 10)
            return "parse_i64: out of the i64 range";
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0u - v) : (int64_t)v;
    return NULL;
}

/* The whole of s as a decimal i64; anything else or out of range is an
 * element error, and 0. */
int64_t fp_parse_i64(fp_worker *w, const fp_site *site, fp_str s)
{
    int64_t v;
    const char *why = read_i64(s, &v);
    if (why)
        fp_elem_error(w, site, why);
    return v;
}

fp_opt_i64 fp_try_parse_i64(fp_str s)
{
    fp_opt_i64 r = {false, 0};
    r.has = read_i64(s, &r.v) == NULL;
    return r;
}

/* The whole of s as a decimal f64 (sign, digits, point, exponent) into
 * *out: false (and 0) for anything else. */
static bool read_f64(fp_str s, double *out)
{
    /* Decimal text only: digits, one point, an exponent; no spaces, no hex,
     * no inf/nan (those print, but data that says "nan" is a mistake). */
    char buf[128];
    size_t i = 0;
    bool digits = false;
    *out = 0;
    if (i < s.n && (s.p[i] == '-' || s.p[i] == '+'))
        i++;
    while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
        i++, digits = true;
    if (i < s.n && s.p[i] == '.') {
        i++;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
            i++, digits = true;
    }
    if (digits && i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
        size_t j = i + 1;
        if (j < s.n && (s.p[j] == '-' || s.p[j] == '+'))
            j++;
        size_t k = j;
        while (k < s.n && s.p[k] >= '0' && s.p[k] <= '9')
            k++;
        i = k > j ? k : s.n + 1;   /* an exponent needs digits */
    }
    if (!digits || i != s.n)
        return false;
    /* strtod wants a terminated string: copy (the heap for long ones). */
    char *text = s.n < sizeof buf ? buf : malloc(s.n + 1);
    if (!text)
        fp_oom();
    memcpy(text, s.p, s.n);
    text[s.n] = 0;
    *out = strtod(text, NULL);   /* overflow gives inf, like the arithmetic */
    if (text != buf)
        free(text);
    return true;
}

/* The whole of s as a decimal f64; anything else is an element error,
 * and 0. */
double fp_parse_f64(fp_worker *w, const fp_site *site, fp_str s)
{
    double v;
    if (!read_f64(s, &v))
        fp_elem_error(w, site, "parse_f64: not a number");
    return v;
}

fp_opt_f64 fp_try_parse_f64(fp_str s)
{
    fp_opt_f64 r = {false, 0};
    r.has = read_f64(s, &r.v);
    return r;
}

static fp_str arena_copy(fp_arena *a, const char *p, size_t n)
{
    char *o = fp_arena_alloc(a, n ? n : 1);
    memcpy(o, p, n);
    return fp_str_lit(o, n);
}


/* What a writer put in b, moved into the arena. */
static fp_str arena_text(fp_arena *a, fp_buf *b)
{
    fp_str r = arena_copy(a, b->p, b->n);
    fp_buf_free(b);
    return r;
}

fp_str fp_str_of_i64(fp_arena *a, int64_t v)
{
    char *o = fp_arena_alloc(a, 20);   /* written in place; the arena keeps what it needs */
    size_t n = i64_text(o, v);
    fp_arena_trim(a, o, n);
    return fp_str_lit(o, n);
}

fp_str fp_str_of_bool(fp_arena *a, bool v)
{
    (void)a;
    return v ? fp_str_lit("true" FP_LIT_PAD, 4) : fp_str_lit("false" FP_LIT_PAD, 5);
}

/* A buffer of cap bytes (and FP_PAD after them) grown to twice cap. */
char *fp_grow_padded(char *p, size_t *cap)
{
    if (*cap > (SIZE_MAX - FP_PAD) / 2)
        fp_oom();
    *cap *= 2;
    char *q = realloc(p, *cap + FP_PAD);
    if (!q)
        fp_oom();
    return q;
}

/* A message made for one element, in the arena (it lives, like the
 * element's strings, until the partition is done): at most max - 1 bytes
 * (0: no limit). */
const char *fp_arena_vprintf(fp_arena *a, size_t max, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (max && len >= max)
        len = max - 1;
    char *o = fp_arena_alloc(a, len + 1);
    char *tmp = n > 0 && len < (size_t)n ? malloc((size_t)n + 1) : NULL;
    if (tmp) {   /* cut short: format whole, keep the start */
        vsnprintf(tmp, (size_t)n + 1, fmt, ap);
        memcpy(o, tmp, len);
        free(tmp);
    } else {
        vsnprintf(o, len + 1, fmt, ap);
    }
    o[len] = '\0';
    return o;
}

const char *fp_arena_printf(fp_arena *a, size_t max, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *r = fp_arena_vprintf(a, max, fmt, ap);
    va_end(ap);
    return r;
}

fp_str fp_field(fp_worker *w, const fp_site *site, fp_str s, fp_str sep, int64_t n)
{
    if (sep.n == 0) {
        fp_elem_error(w, site, "field on an empty separator");
        return fp_str_lit(s.p, 0);
    }
    /* Walk the pieces up to n; when s runs out first, go on counting them
     * all, so that the message says how many there are. */
    int64_t i = 0;
    fp_str rest = s;
    for (;; i++) {
        const char *hit = find(rest, sep);
        if (i == n)
            return fp_str_lit(rest.p, hit ? (size_t)(hit - rest.p) : rest.n);
        if (!hit)
            break;
        size_t skip = (size_t)(hit - rest.p) + sep.n;
        rest = fp_str_lit(rest.p + skip, rest.n - skip);
    }
    fp_elem_error(w, site, fp_arena_printf(w->arena, 160, "field %lld of %lld", (long long)n,
                                     (long long)(i + 1)));
    return fp_str_lit(s.p, 0);
}

void fp_fail_msg(fp_worker *w, const fp_site *site, fp_str msg)
{
    if (w->failed)
        return;
    /* The message as the error report shows text: control bytes escaped,
     * at most 200 bytes. */
    fp_buf b = {0};
    fp_buf_reserve(&b, 4);   /* a buffer even for an empty message */
    fp_out_tsv_str(&b, fp_str_lit(msg.p, msg.n > 200 ? 200 : msg.n));
    fp_buf_put(&b, msg.n > 200 ? "...\0" : "\0", msg.n > 200 ? 4 : 1);
    fp_elem_error(w, site, arena_text(w->arena, &b).p);
}

/* Start cutting s at every sep (split); an empty sep is an element error. */
fp_split_iter fp_split_begin(fp_worker *w, const fp_site *site, fp_str s, fp_str sep)
{
    fp_split_iter it = {s.p, s.p + s.n, sep, false};
    if (sep.n == 0) {
        fp_elem_error(w, site, "split on an empty separator");
        it.done = true;
    }
    return it;
}

/* The next piece of the split into *piece; false after the last. */
bool fp_split_next(fp_split_iter *it, fp_str *piece)
{
    if (it->done)
        return false;
    fp_str rest = fp_str_lit(it->p, (size_t)(it->end - it->p));
    const char *hit = find(rest, it->sep);
    if (!hit) {
        *piece = rest;
        it->done = true;
        return true;
    }
    *piece = fp_str_lit(it->p, (size_t)(hit - it->p));
    it->p = hit + it->sep.n;
    return true;
}

double fp_sum128_f64(fp_sum128 s)
{
    /* hi * 2^64 + lo in two double steps would round twice (-458 came out
     * as 0); the compiler's 128-bit conversion rounds once. */
    __extension__ typedef __int128 i128;
    __extension__ typedef unsigned __int128 u128;
    u128 u = ((u128)(uint64_t)s.hi << 64) | s.lo;
    return (double)(i128)u;
}
