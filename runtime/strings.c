/* strings.c — the UTF-8 builtins (utf8proc) and the string builders:
 * concatenation, format's pieces, pad, join, case-insensitive compare.
 *
 * Every result is made in the worker's arena (no malloc per element).  A
 * UTF-8 builtin given bytes that are not UTF-8 fails the element with a
 * message naming the builtin and the byte offset of the first bad byte;
 * it never reads past the string and never returns mangled text. */
#include "internal.h"

#include <stdio.h>
#include <utf8proc.h>

/* ---- UTF-8 validation ------------------------------------------------ */

/* The byte offset of the first invalid UTF-8 sequence in s, or -1. */
static int64_t bad_utf8(fp_str s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s.p;
    size_t i = 0;
    while (i < s.n) {
        if (p[i] < 0x80) {   /* ASCII: the common case, no call */
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(s.n - i), &cp);
        if (k <= 0)
            return (int64_t)i;
        i += (size_t)k;
    }
    return -1;
}

/* Fails the element for invalid UTF-8 in s (true), naming fn and the offset. */
static bool reject_bad(fp_worker *w, const fp_site *site, const char *fn, fp_str s)
{
    int64_t at = bad_utf8(s);
    if (at < 0)
        return false;
    fp_elem_error(w, site, fp_arena_printf(w->arena, 0, "%s: invalid UTF-8 at byte %lld", fn,
                                           (long long)at));
    return true;
}

/* The code point at p (valid UTF-8, checked before) and its length. */
static size_t next_cp(const char *p, size_t n, utf8proc_int32_t *cp)
{
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, cp);
    return k > 0 ? (size_t)k : 1;
}

/* ---- case mapping and normalization ---------------------------------- */

enum { MAP_LOWER, MAP_UPPER, MAP_FOLD };

/* s with every code point mapped (one to one for lower/upper, full case
 * folding for casefold, which may lengthen: ß -> ss). */
static fp_str map_utf8(fp_worker *w, const fp_site *site, const char *fn, fp_str s, int how)
{
    if (reject_bad(w, site, fn, s))
        return fp_str_lit(s.p, 0);
    /* Full case folding at most triples the bytes (Unicode 15: U+0390). */
    size_t cap = how == MAP_FOLD ? s.n * 3 + 12 : s.n;
    if (how != MAP_FOLD) {
        cap = 0;   /* one to one, but the encoding may grow (ı -> I is shorter, ɐ -> Ɐ longer) */
        for (size_t i = 0; i < s.n;) {
            utf8proc_int32_t cp;
            i += next_cp(s.p + i, s.n - i, &cp);
            cp = how == MAP_LOWER ? utf8proc_tolower(cp) : utf8proc_toupper(cp);
            cap += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        }
    }
    char *o = fp_arena_alloc(w->arena, cap ? cap : 1);
    size_t n = 0;
    for (size_t i = 0; i < s.n;) {
        utf8proc_int32_t cp, buf[8];
        i += next_cp(s.p + i, s.n - i, &cp);
        if (how == MAP_FOLD) {
            utf8proc_ssize_t k = utf8proc_decompose_char(cp, buf, 8, UTF8PROC_CASEFOLD, NULL);
            if (k > 8 || n + 4 * (size_t)(k > 0 ? k : 0) > cap) {
                /* Past Unicode's bound (3 times the bytes): a bigger buffer. */
                char *bigger = fp_arena_alloc(w->arena, cap * 2 + 64);
                memcpy(bigger, o, n);
                o = bigger;
                cap = cap * 2 + 64;
            }
            for (utf8proc_ssize_t j = 0; j < k && j < 8; j++)
                n += (size_t)utf8proc_encode_char(buf[j], (utf8proc_uint8_t *)o + n);
        } else {
            cp = how == MAP_LOWER ? utf8proc_tolower(cp) : utf8proc_toupper(cp);
            n += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)o + n);
        }
    }
    return fp_str_lit(o, n);
}

fp_str fp_lower_utf8(fp_arena *a, fp_worker *w, const fp_site *site, fp_str s)
{
    (void)a;   /* w->arena */
    return map_utf8(w, site, "lower_utf8", s, MAP_LOWER);
}

fp_str fp_upper_utf8(fp_arena *a, fp_worker *w, const fp_site *site, fp_str s)
{
    (void)a;
    return map_utf8(w, site, "upper_utf8", s, MAP_UPPER);
}

fp_str fp_casefold(fp_arena *a, fp_worker *w, const fp_site *site, fp_str s)
{
    (void)a;
    return map_utf8(w, site, "casefold", s, MAP_FOLD);
}

/* nfc(s): canonical decomposition, reordering and composition (NFC), in
 * the arena; ASCII is already NFC and is returned as it is. */
fp_str fp_nfc(fp_arena *a, fp_worker *w, const fp_site *site, fp_str s)
{
    size_t i = 0;
    while (i < s.n && (unsigned char)s.p[i] < 0x80)
        i++;
    if (i == s.n)
        return s;
    if (reject_bad(w, site, "nfc", s))
        return fp_str_lit(s.p, 0);
    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    /* Decomposition grows a code point to at most a few; ask for the size
     * when the first guess is short. */
    utf8proc_ssize_t cap = (utf8proc_ssize_t)s.n + 16;
    for (;;) {
        utf8proc_int32_t *buf = fp_arena_alloc(a, (size_t)cap * sizeof *buf + 1);
        utf8proc_ssize_t k = utf8proc_decompose((const utf8proc_uint8_t *)s.p,
                                                (utf8proc_ssize_t)s.n, buf, cap, opt);
        if (k < 0) {   /* checked above: cannot happen, but never mangle */
            fp_elem_error(w, site, "nfc: utf8proc failed");
            return fp_str_lit(s.p, 0);
        }
        if (k <= cap) {
            utf8proc_ssize_t n = utf8proc_reencode(buf, k, opt);
            if (n < 0) {
                fp_elem_error(w, site, "nfc: utf8proc failed");
                return fp_str_lit(s.p, 0);
            }
            return fp_str_lit((const char *)buf, (size_t)n);
        }
        cap = k;
    }
}

/* len_utf8(s): the number of code points. */
int64_t fp_len_utf8(fp_worker *w, const fp_site *site, fp_str s)
{
    if (reject_bad(w, site, "len_utf8", s))
        return 0;
    int64_t n = 0;
    for (size_t i = 0; i < s.n; i++)
        n += ((unsigned char)s.p[i] & 0xC0) != 0x80;
    return n;
}

/* ---- words --------------------------------------------------------- */

/* Whether cp is part of a word: a letter (L*), a mark (M*: combining
 * accents stay with their letter) or a decimal digit (Nd). */
static bool word_cp(utf8proc_int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: return true;
    default: return false;
    }
}

fp_words_iter fp_words_begin(fp_worker *w, const fp_site *site, fp_str s)
{
    fp_words_iter it = {s.p, s.p + s.n};
    if (reject_bad(w, site, "words", s))
        it.p = it.end;   /* no words from a failed element */
    return it;
}

bool fp_words_next(fp_words_iter *it, fp_str *word)
{
    utf8proc_int32_t cp;
    const char *p = it->p;
    for (;;) {   /* skip the separators */
        if (p >= it->end) {
            it->p = p;
            return false;
        }
        size_t k = next_cp(p, (size_t)(it->end - p), &cp);
        if (word_cp(cp))
            break;
        p += k;
    }
    const char *start = p;
    while (p < it->end) {
        size_t k = next_cp(p, (size_t)(it->end - p), &cp);
        if (!word_cp(cp))
            break;
        p += k;
    }
    *word = fp_str_lit(start, (size_t)(p - start));
    it->p = p;
    return true;
}

/* ---- building strings ---------------------------------------------- */

fp_str fp_cat(fp_arena *a, int n, const fp_str *parts)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        if (parts[i].n > SIZE_MAX / 2 - len)
            fp_oom();
        len += parts[i].n;
    }
    char *o = fp_arena_alloc(a, len ? len : 1), *q = o;
    for (int i = 0; i < n; i++) {
        if (parts[i].n)
            memcpy(q, parts[i].p, parts[i].n);
        q += parts[i].n;
    }
    return fp_str_lit(o, len);
}

fp_str fp_cat2(fp_arena *a, fp_str x, fp_str y)
{
    if (!x.n)
        return y;
    if (!y.n)
        return x;
    fp_str parts[2] = {x, y};
    return fp_cat(a, 2, parts);
}

/* The width of s in code points, counted as its bytes that do not
 * continue a UTF-8 sequence (for invalid UTF-8: a defined count, no error). */
static size_t width_of(fp_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.n; i++)
        n += ((unsigned char)s.p[i] & 0xC0) != 0x80;
    return n;
}

/* s aligned in width code points: '<' text then fill, '>' fill then text,
 * '=' like '>' but after a sign (zero padding), '^' centred (the extra fill
 * on the right, as Python does).  The text is
 * never cut when it is wider. */
static fp_str align(fp_arena *a, fp_str s, int64_t width, fp_str fill, char how)
{
    size_t have = width_of(s);
    if (width <= 0 || (uint64_t)width <= have)
        return s;
    size_t pad = (size_t)width - have;
    if (pad > (SIZE_MAX / 2 - s.n) / (fill.n ? fill.n : 1))
        fp_oom();
    size_t left = how == '<' ? 0 : how == '>' || how == '=' ? pad : pad / 2, right = pad - left;
    char *o = fp_arena_alloc(a, s.n + pad * fill.n), *q = o;
    if (how == '=' && s.n && (s.p[0] == '-' || s.p[0] == '+')) {   /* the sign first */
        *q++ = s.p[0];
        s = fp_str_lit(s.p + 1, s.n - 1);
    }
    for (size_t i = 0; i < left; i++, q += fill.n)
        memcpy(q, fill.p, fill.n);
    memcpy(q, s.p, s.n);
    q += s.n;
    for (size_t i = 0; i < right; i++, q += fill.n)
        memcpy(q, fill.p, fill.n);
    return fp_str_lit(o, (size_t)(q - o));
}

/* pad_left/pad_right's fill must be one code point (as Python's rjust). */
static bool bad_fill(fp_worker *w, const fp_site *site, const char *fn, fp_str fill)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = fill.n ? utf8proc_iterate((const utf8proc_uint8_t *)fill.p,
                                                   (utf8proc_ssize_t)fill.n, &cp)
                                : 0;
    if (k > 0 && (size_t)k == fill.n)
        return false;
    fp_elem_error(w, site, fp_arena_printf(w->arena, 0, "%s: the fill must be one character, "
                                                        "not %zu bytes", fn, fill.n));
    return true;
}

fp_str fp_pad_left(fp_arena *a, fp_worker *w, const fp_site *site, fp_str s, int64_t width,
                   fp_str fill)
{
    if (bad_fill(w, site, "pad_left", fill))
        return s;
    return align(a, s, width, fill, '>');
}

fp_str fp_pad_right(fp_arena *a, fp_worker *w, const fp_site *site, fp_str s, int64_t width,
                    fp_str fill)
{
    if (bad_fill(w, site, "pad_right", fill))
        return s;
    return align(a, s, width, fill, '<');
}

fp_str fp_trim_left(fp_str s)
{
    size_t b = 0;
    while (b < s.n && fp_ws_class[(unsigned char)s.p[b]])
        b++;
    return fp_str_lit(s.p + b, s.n - b);
}

fp_str fp_trim_right(fp_str s)
{
    size_t e = s.n;
    while (e > 0 && fp_ws_class[(unsigned char)s.p[e - 1]])
        e--;
    return fp_str_lit(s.p, e);
}

bool fp_equals_ci(fp_str x, fp_str y)
{
    if (x.n != y.n)
        return false;
    for (size_t i = 0; i < x.n; i++) {
        unsigned char c = (unsigned char)x.p[i], d = (unsigned char)y.p[i];
        c = c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
        d = d >= 'A' && d <= 'Z' ? (unsigned char)(d + 32) : d;
        if (c != d)
            return false;
    }
    return true;
}

bool fp_equals_fold(fp_arena *a, fp_worker *w, const fp_site *site, fp_str x, fp_str y)
{
    (void)a;
    fp_str fx = map_utf8(w, site, "equals_fold", x, MAP_FOLD);
    fp_str fy = map_utf8(w, site, "equals_fold", y, MAP_FOLD);
    return fx.n == fy.n && (fx.n == 0 || memcmp(fx.p, fy.p, fx.n) == 0);
}

fp_str fp_join(fp_arena *a, const fp_str *items, int64_t n, fp_str sep)
{
    if (n <= 0)
        return fp_str_lit(sep.p, 0);
    size_t len = sep.n * (size_t)(n - 1);
    for (int64_t i = 0; i < n; i++)
        len += items[i].n;
    char *o = fp_arena_alloc(a, len ? len : 1), *q = o;
    for (int64_t i = 0; i < n; i++) {
        if (i) {
            memcpy(q, sep.p, sep.n);
            q += sep.n;
        }
        if (items[i].n)
            memcpy(q, items[i].p, items[i].n);
        q += items[i].n;
    }
    return fp_str_lit(o, len);
}

/* The pieces of an iterator joined: a first pass counts the bytes. */
fp_str fp_join_split(fp_arena *a, fp_worker *w, const fp_site *site, fp_str s, fp_str cut,
                     fp_str sep)
{
    fp_split_iter it = fp_split_begin(w, site, s, cut);
    size_t len = 0, k = 0;
    fp_str piece;
    for (fp_split_iter c = it; fp_split_next(&c, &piece); k++)
        len += piece.n;
    if (!k)
        return fp_str_lit(s.p, 0);
    len += sep.n * (k - 1);
    char *o = fp_arena_alloc(a, len ? len : 1), *q = o;
    for (size_t i = 0; fp_split_next(&it, &piece); i++) {
        if (i) {
            memcpy(q, sep.p, sep.n);
            q += sep.n;
        }
        memcpy(q, piece.p, piece.n);
        q += piece.n;
    }
    return fp_str_lit(o, len);
}

fp_str fp_join_ws(fp_arena *a, fp_str s, fp_str sep)
{
    fp_ws_iter it = fp_ws_begin(s);
    size_t len = 0, k = 0;
    fp_str word;
    for (fp_ws_iter c = it; fp_ws_next(&c, &word); k++)
        len += word.n;
    if (!k)
        return fp_str_lit(s.p, 0);
    len += sep.n * (k - 1);
    char *o = fp_arena_alloc(a, len ? len : 1), *q = o;
    for (size_t i = 0; fp_ws_next(&it, &word); i++) {
        if (i) {
            memcpy(q, sep.p, sep.n);
            q += sep.n;
        }
        memcpy(q, word.p, word.n);
        q += word.n;
    }
    return fp_str_lit(o, len);
}

fp_str fp_join_words(fp_arena *a, fp_worker *w, const fp_site *site, fp_str s, fp_str sep)
{
    fp_words_iter it = fp_words_begin(w, site, s);
    size_t len = 0, k = 0;
    fp_str word;
    for (fp_words_iter c = it; fp_words_next(&c, &word); k++)
        len += word.n;
    if (!k)
        return fp_str_lit(s.p, 0);
    len += sep.n * (k - 1);
    char *o = fp_arena_alloc(a, len ? len : 1), *q = o;
    for (size_t i = 0; fp_words_next(&it, &word); i++) {
        if (i) {
            memcpy(q, sep.p, sep.n);
            q += sep.n;
        }
        memcpy(q, word.p, word.n);
        q += word.n;
    }
    return fp_str_lit(o, len);
}

/* ---- format's placeholders ----------------------------------------- */

/* A placeholder's text aligned as its spec says (numbers right by default,
 * text left, as Python's format). */
static fp_str place(fp_arena *a, fp_str text, const fp_fmt *f, char dflt)
{
    if (!f->width)
        return text;
    char fillc[4] = {f->fill ? f->fill : ' '};
    return align(a, text, f->width, fp_str_lit(fillc, 1), f->align ? f->align : dflt);
}

fp_str fp_fmt_str(fp_arena *a, fp_str s, fp_fmt f)
{
    return place(a, s, &f, '<');
}

fp_str fp_fmt_i64(fp_arena *a, int64_t v, fp_fmt f)
{
    char buf[32];
    int n;
    if (f.hex)   /* the two's complement bits, as C prints them: -1 is ffff... */
        n = snprintf(buf, sizeof buf, "%llx", (unsigned long long)v);
    else
        n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    return place(a, fp_str_lit(fp_arena_copy(a, buf, (size_t)n + 1), (size_t)n), &f, '>');
}

fp_str fp_fmt_f64(fp_arena *a, double v, fp_fmt f)
{
    fp_str t;
    if (f.prec < 0 || v != v || v - v != 0) {   /* as str prints it (nan, inf too) */
        t = fp_str_of_f64(a, v);
    } else {
        /* snprintf rounds the binary value exactly (glibc); the runtime
         * never calls setlocale, so the point is '.'. */
        int n = snprintf(NULL, 0, "%.*f", f.prec, v);
        char *o = fp_arena_alloc(a, (size_t)n + 1);
        snprintf(o, (size_t)n + 1, "%.*f", f.prec, v);
        t = fp_str_lit(o, (size_t)n);
    }
    return place(a, t, &f, '>');
}

fp_str fp_fmt_bool(fp_arena *a, bool v, fp_fmt f)
{
    return place(a, v ? fp_str_lit("true" FP_LIT_PAD, 4) : fp_str_lit("false" FP_LIT_PAD, 5), &f, '<');
}
