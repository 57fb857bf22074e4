/* fuzz_builtins.c — libFuzzer target: the string builtins and the sinks'
 * writers of the runtime (util.c), each against plain reference code.
 *
 * Input: byte 0 = the length of a pattern t (0..7), byte 1 = the length of
 * a replacement r (0..3) and an index n; then t, r and the subject s.
 * Checked, with no data lost on the way:
 *   - the TSV writer's escapes read back to s, and no raw tab, newline or
 *     carriage return is left; the CSV writer's field reads back (RFC 4180
 *     unquoting) and is quoted exactly when it must be; the JSON writer's
 *     text is one JSON string (jansson) equal to s when s is UTF-8;
 *   - fp_out_i64 / fp_out_f64 read back to the same value (f64: the same
 *     bits, or null/inf/nan text for the rest), for values from the data;
 *   - parse_i64 and parse_f64 accept exactly the decimal forms and agree
 *     with strtoll / strtod; try_parse_i64 and try_parse_f64 are none
 *     exactly where they fail, and otherwise the same value;
 *   - find, contains, starts_with, ends_with, replace, field, split,
 *     substr, lower, upper, trim against naive versions; find_re, matches,
 *     split_re, replace_re and extract (regex.c) with t as a quoted literal
 *     pattern against the same;
 *   - i64 and bool keys: byte order of the keys is the order of the values;
 *   - the numeric builtins: i64(x) is trunc(x) in range and fails outside,
 *     casts round trip below 2^53, floor <= x <= ceil, round's halves,
 *     abs(x) == abs(-x), min and max commutative to the bit.
 *     substr, lower, upper, trim against naive versions;
 *   - i64 and bool keys: byte order of the keys is the order of the values;
 *   - the UTF-8 builtins (strings.c, utf8proc) fail exactly on what a
 *     strict reference decoder rejects, at its offset, with an empty
 *     result; on UTF-8: len_utf8 counts, nfc and casefold are idempotent,
 *     words are non-empty pieces of s in order; +, join(split), pad and
 *     format's f64 decimals against plain code (snprintf).
 *   - the time builtins (check_time).
 */
#include "fuzz_util.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>

#include "timerules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const fp_site site = {"b", "fuzz.fpipe", 1, 1, 0};

static const char *ref_find(const char *s, size_t n, const char *t, size_t m)
{
    if (m == 0)
        return s;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(s + i, t, m) == 0)
            return s + i;
    return NULL;
}

static void check_writers(fp_str s)
{
    /* TSV */
    fp_buf b = {0};
    fp_out_tsv_str(&b, s);
    blog un = {0};
    for (size_t i = 0; i < b.n; i++) {
        char c = b.p[i];
        CHECK(c != '\t' && c != '\n' && c != '\r');
        if (c == '\\') {
            CHECK(i + 1 < b.n);
            char e = b.p[++i];
            c = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
            CHECK(e == 't' || e == 'n' || e == 'r' || e == '\\');
        }
        blog_put(&un, &c, 1);
    }
    CHECK(un.n == s.n && (s.n == 0 || memcmp(un.p, s.p, s.n) == 0));
    free(un.p);
    fp_buf_free(&b);

    /* CSV */
    fp_out_csv_str(&b, s);
    bool must = s.n == 0;
    for (size_t i = 0; i < s.n; i++)
        must |= s.p[i] == ',' || s.p[i] == '"' || s.p[i] == '\n' || s.p[i] == '\r';
    if (!must) {
        CHECK(b.n == s.n && (s.n == 0 || memcmp(b.p, s.p, s.n) == 0));
    } else {
        CHECK(b.n >= 2 && b.p[0] == '"' && b.p[b.n - 1] == '"');
        blog q = {0};
        for (size_t i = 1; i + 1 < b.n; i++) {
            if (b.p[i] == '"') {
                CHECK(b.p[i + 1] == '"' && i + 2 < b.n);
                i++;
            }
            blog_put(&q, &b.p[i], 1);
        }
        CHECK(q.n == s.n && (s.n == 0 || memcmp(q.p, s.p, s.n) == 0));
        free(q.p);
    }
    fp_buf_free(&b);

    /* JSON */
    fp_out_json_str(&b, s);
    json_error_t je;
    json_t *v = json_loadb(b.p, b.n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    CHECK(v && json_is_string(v));
    json_t *ref = json_stringn(s.p, s.n);   /* NULL: s is not UTF-8 */
    if (ref) {
        CHECK(json_string_length(v) == s.n &&
              memcmp(json_string_value(v), s.p, s.n) == 0);
        json_decref(ref);
    } else {
        CHECK(json_string_length(v) > 0);
    }
    json_decref(v);
    fp_buf_free(&b);
}

static void check_numbers(const uint8_t *d, size_t n)
{
    if (n < 8)
        return;
    int64_t i;
    double f;
    memcpy(&i, d, 8);
    memcpy(&f, d, 8);
    fp_buf b = {0};
    fp_out_i64(&b, i);
    fp_buf_put(&b, "", 1);
    errno = 0;
    CHECK(strtoll(b.p, NULL, 10) == i && errno == 0);
    fp_buf_free(&b);
    fp_out_f64(&b, f);
    fp_buf_put(&b, "", 1);
    if (isfinite(f)) {
        double g = strtod(b.p, NULL);
        CHECK(memcmp(&f, &g, 8) == 0);
    }
    fp_buf_free(&b);
    /* The numeric builtins, on these bits as an i64 and as an f64, and on
     * the next 8 bytes as a second f64. */
    fp_worker w = {0};
    w.arena = fp_arena_new();
    int64_t ci = fp_i64_of_f64(&w, &site, f);
    bool in = f >= -0x1p63 && f < 0x1p63;
    CHECK(in ? !w.failed && (double)ci == trunc(f) : w.failed && ci == 0);
    w.failed = 0;
    if (i >= -(INT64_C(1) << 53) && i <= INT64_C(1) << 53)
        CHECK(fp_i64_of_f64(&w, &site, fp_f64_of_i64(i)) == i && !w.failed);
    fp_arena_free(w.arena);
    if (isfinite(f)) {
        double fl = fp_floor(f), ce = fp_ceil(f), ro = fp_round(f);
        CHECK(fl <= f && f <= ce && ce - fl <= 1.0 && fl == trunc(fl) && ce == trunc(ce));
        CHECK(fabs(ro - f) < 0.5 || (fabs(ro - f) == 0.5 && fabs(ro) > fabs(f)));
    }
    CHECK(fp_abs_i64(i) == fp_abs_i64(fp_neg_i64(i)) && (fp_abs_i64(i) >= 0 || i == INT64_MIN));
    if (n >= 16) {
        double g;
        memcpy(&g, d + 8, 8);
        double mn = fp_min_f64(f, g), mx = fp_max_f64(f, g), mn2 = fp_min_f64(g, f);
        CHECK(isnan(f) || isnan(g) ? isnan(mn) && isnan(mx)
                                   : mn <= mx && (memcmp(&mn, &f, 8) == 0 || memcmp(&mn, &g, 8) == 0));
        CHECK((isnan(mn) && isnan(mn2)) || memcmp(&mn, &mn2, 8) == 0);
    }
    /* i64 keys: byte order is numeric order. */
    if (n >= 16) {
        int64_t j;
        memcpy(&j, d + 8, 8);
        char ka[FP_KEYBUF], kb[FP_KEYBUF];
        fp_str a = fp_key_i64(ka, i), c = fp_key_i64(kb, j);
        int o = fp_str_cmp(a, c);
        CHECK((o < 0) == (i < j) && (o == 0) == (i == j));
        CHECK(fp_unkey_i64(a) == i && fp_unkey_i64(c) == j);
    }
}

static void check_parse(fp_str s)
{
    fp_worker w = {0};
    w.arena = fp_arena_new();
    /* The decimal forms, by hand. */
    size_t i = 0;
    if (i < s.n && (s.p[i] == '-' || s.p[i] == '+'))
        i++;
    size_t d0 = i;
    while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
        i++;
    bool is_int = i == s.n && i > d0;
    char text[64];
    int64_t v = fp_parse_i64(&w, &site, s);
    fp_opt_i64 ov = fp_try_parse_i64(s);
    CHECK(ov.has == !w.failed && (ov.has ? ov.v == v : ov.v == 0));
    if (!is_int || s.n >= sizeof text) {
        CHECK(w.failed || (is_int && s.n >= sizeof text));
    } else {
        memcpy(text, s.p, s.n);
        text[s.n] = 0;
        errno = 0;
        long long r = strtoll(text, NULL, 10);
        CHECK(w.failed ? errno == ERANGE : (errno == 0 && r == v));
    }
    w.failed = 0;
    double f = fp_parse_f64(&w, &site, s);
    fp_opt_f64 of = fp_try_parse_f64(s);
    CHECK(of.has == !w.failed && (!of.has || memcmp(&of.v, &f, 8) == 0));
    if (!w.failed) {
        CHECK(s.n > 0 && !memchr(s.p, ' ', s.n) && !memchr(s.p, 'x', s.n) &&
              !memchr(s.p, 'n', s.n) && !memchr(s.p, 'N', s.n));
        char *t = malloc(s.n + 1);
        memcpy(t, s.p, s.n);
        t[s.n] = 0;
        char *end;
        double g = strtod(t, &end);
        CHECK(end == t + s.n && memcmp(&f, &g, 8) == 0);
        free(t);
    } else if (is_int) {
        CHECK(0);   /* an integer is a number */
    }
    fp_arena_free(w.arena);
}

static void check_strings(fp_str s, fp_str t, fp_str r, int64_t n)
{
    fp_worker w = {0};
    w.arena = fp_arena_new();
    const char *hit = ref_find(s.p, s.n, t.p, t.n);
    CHECK(fp_find(s, t) == (hit ? hit - s.p : -1));
    CHECK(fp_contains(s, t) == (hit != NULL));
    CHECK(fp_starts_with(s, t) == (t.n <= s.n && memcmp(s.p, t.p, t.n) == 0));
    CHECK(fp_ends_with(s, t) == (t.n <= s.n && memcmp(s.p + s.n - t.n, t.p, t.n) == 0));

    /* replace, split and field against one naive walk over the pieces. */
    blog ref_rep = {0}, ref_pieces = {0};
    size_t npieces = 0;
    if (t.n) {
        const char *p = s.p, *e = s.p + s.n;
        for (;;) {
            const char *h = ref_find(p, (size_t)(e - p), t.p, t.n);
            size_t k = h ? (size_t)(h - p) : (size_t)(e - p);
            blog_put(&ref_rep, p, k);
            blog_str(&ref_pieces, p, k);
            npieces++;
            if (!h)
                break;
            blog_put(&ref_rep, r.p, r.n);
            p = h + t.n;
        }
    }
    fp_str rep = fp_replace(w.arena, &w, &site, s, t, r);
    CHECK(w.failed == (t.n == 0));
    if (t.n)
        CHECK(rep.n == ref_rep.n && (rep.n == 0 || memcmp(rep.p, ref_rep.p, rep.n) == 0));
    w.failed = 0;
    fp_split_iter it = fp_split_begin(&w, &site, s, t);
    blog pieces = {0};
    fp_str piece;
    while (fp_split_next(&it, &piece))
        blog_str(&pieces, piece.p, piece.n);
    CHECK(w.failed == (t.n == 0) && blog_same(&pieces, &ref_pieces));
    w.failed = 0;
    fp_str fld = fp_field(&w, &site, s, t, n);
    if (t.n && n >= 0 && (size_t)n < npieces) {
        CHECK(!w.failed);
        /* the n-th logged piece */
        const char *q = ref_pieces.p;
        for (int64_t k = 0; k < n; k++) {
            size_t len;
            memcpy(&len, q, sizeof len);
            q += sizeof len + len;
        }
        size_t len;
        memcpy(&len, q, sizeof len);
        CHECK(fld.n == len && memcmp(fld.p, q + sizeof len, len) == 0);
    } else {
        CHECK(w.failed && w.err_msg);
    }
    w.failed = 0;

    /* substr(s, n, t.n) */
    fp_str sub = fp_substr(&w, &site, s, n, (int64_t)t.n);
    bool in = n >= 0 && (uint64_t)n <= s.n && t.n <= s.n - (uint64_t)n;
    CHECK(w.failed == !in);
    if (in)
        CHECK(sub.p == s.p + n && sub.n == t.n);
    w.failed = 0;

    fp_str lo = fp_lower(w.arena, s), up = fp_upper(w.arena, s);
    CHECK(lo.n == s.n && up.n == s.n);
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        CHECK(lo.p[i] == (c >= 'A' && c <= 'Z' ? c + 32 : c));
        CHECK(up.p[i] == (c >= 'a' && c <= 'z' ? c - 32 : c));
    }
    fp_str tr = fp_trim(s);
    CHECK(tr.p >= s.p && tr.p + tr.n <= s.p + s.n);
    CHECK(tr.n == 0 || (!fp_ws_class[(unsigned char)tr.p[0]] &&
                        !fp_ws_class[(unsigned char)tr.p[tr.n - 1]]));
    for (const char *p = s.p; p < tr.p; p++)
        CHECK(fp_ws_class[(unsigned char)*p]);
    for (const char *p = tr.p + tr.n; p < s.p + s.n; p++)
        CHECK(fp_ws_class[(unsigned char)*p] || tr.n == 0);
    CHECK(fp_len(s) == (int64_t)s.n);

    /* The regex builtins (regex.c) with t quoted as a literal (\Q t \E):
     * find_re, matches, split_re and replace_re (r without $) against the
     * same naive walk. */
    if (t.n && !ref_find(t.p, t.n, "\\E", 2)) {
        char pat[16];
        memcpy(pat, "\\Q", 2);
        memcpy(pat + 2, t.p, t.n);
        memcpy(pat + 2 + t.n, "\\E", 2);
        fp_regex re = {.pattern = pat, .len = t.n + 4};
        fp_regex *res[] = {&re};
        fp_regex_setup(res, 1, 1);
        CHECK(fp_find_re(&w, &site, &re, s) == (hit ? hit - s.p : -1));
        CHECK(fp_matches(&w, &site, &re, s) == (hit != NULL));
        fp_resplit_iter ri = fp_split_re_begin(&w, &site, &re, s);
        blog rpieces = {0};
        while (fp_split_re_next(&ri, &piece))
            blog_str(&rpieces, piece.p, piece.n);
        CHECK(blog_same(&rpieces, &ref_pieces));
        free(rpieces.p);
        if (!memchr(r.p, '$', r.n)) {
            fp_str rr = fp_replace_re(w.arena, &w, &site, &re, s, r);
            CHECK(rr.n == ref_rep.n && (rr.n == 0 || memcmp(rr.p, ref_rep.p, rr.n) == 0));
        }
        if (s.n) {   /* extract of the whole match is t itself */
            fp_str g = fp_extract(&w, &site, &re, s, 0);
            CHECK(hit ? g.p == hit && g.n == t.n : w.failed);
        }
        CHECK(!w.failed || !hit);
        w.failed = 0;
        fp_regex_free(&re);
    }

    free(ref_rep.p);
    free(ref_pieces.p);
    free(pieces.p);
    fp_arena_free(w.arena);
}

/* The offset of the first byte that does not start a valid UTF-8
 * sequence (RFC 3629: no overlong forms, surrogates or values past
 * U+10FFFF), or -1; and the number of code points. */
static int64_t ref_utf8(fp_str s, int64_t *cps)
{
    const unsigned char *p = (const unsigned char *)s.p;
    *cps = 0;
    for (size_t i = 0; i < s.n; (*cps)++) {
        unsigned c = p[i];
        size_t k = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (!k || i + k > s.n)
            return (int64_t)i;
        uint32_t v = k == 1 ? c : k == 2 ? c & 0x1f : k == 3 ? c & 0x0f : c & 0x07;
        for (size_t j = 1; j < k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return (int64_t)i;
            v = v << 6 | (p[i + j] & 0x3f);
        }
        if ((k == 3 && v < 0x800) || (k == 4 && (v < 0x10000 || v > 0x10ffff)) ||
            (v >= 0xd800 && v <= 0xdfff))
            return (int64_t)i;
        i += k;
    }
    return -1;
}

static bool same(fp_str a, fp_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

typedef fp_str (*map_fn)(fp_arena *, fp_worker *, const fp_site *, fp_str);

static void check_unicode(fp_str s, fp_str t, fp_str r, int64_t n)
{
    fp_worker w = {0};
    w.arena = fp_arena_new();
    int64_t cps;
    int64_t bad = ref_utf8(s, &cps);
    static const map_fn fns[] = {fp_casefold, fp_nfc, fp_lower_utf8, fp_upper_utf8};
    static const char *const names[] = {"casefold", "nfc", "lower_utf8", "upper_utf8"};
    for (int k = 0; k < 4; k++) {
        w.failed = 0;
        fp_str o = fns[k](w.arena, &w, &site, s);
        if (bad >= 0) {
            char msg[64];
            snprintf(msg, sizeof msg, "%s: invalid UTF-8 at byte %lld", names[k], (long long)bad);
            CHECK(w.failed && !strcmp(w.err_msg, msg) && o.n == 0);
            continue;
        }
        CHECK(!w.failed);
        int64_t ocps;
        CHECK(ref_utf8(o, &ocps) < 0);   /* UTF-8 in, UTF-8 out */
        if (k < 2) {                     /* casefold and nfc are idempotent */
            fp_str again = fns[k](w.arena, &w, &site, o);
            CHECK(!w.failed && same(again, o));
        }
    }
    w.failed = 0;
    int64_t len = fp_len_utf8(&w, &site, s);
    CHECK(bad >= 0 ? w.failed && len == 0 : !w.failed && len == cps);
    /* words: non-empty, in order, inside s, never across a separator byte. */
    w.failed = 0;
    fp_words_iter it = fp_words_begin(&w, &site, s);
    CHECK(w.failed == (bad >= 0));
    fp_str word;
    const char *after = s.p;
    while (fp_words_next(&it, &word)) {
        CHECK(bad < 0 && word.n > 0 && word.p >= after && word.p + word.n <= s.p + s.n);
        for (size_t i = 0; i < word.n; i++)
            CHECK(!strchr(" ,.;:!?\t\n\r\"'()-_/", word.p[i]) || word.p[i] == 0);
        after = word.p + word.n;
    }
    /* s + t, join(split(s, t), r) against plain code. */
    fp_str st = fp_cat2(w.arena, s, t);
    CHECK(st.n == s.n + t.n && (s.n == 0 || memcmp(st.p, s.p, s.n) == 0) &&
          (t.n == 0 || memcmp(st.p + s.n, t.p, t.n) == 0));
    w.failed = 0;
    fp_str j = fp_join_split(w.arena, &w, &site, s, t, r);
    if (t.n == 0) {
        CHECK(w.failed);
    } else {
        blog want = {0};
        for (fp_str rest = s;;) {
            const char *hit = ref_find(rest.p, rest.n, t.p, t.n);
            size_t keep = hit ? (size_t)(hit - rest.p) : rest.n;
            blog_put(&want, rest.p, keep);
            if (!hit)
                break;
            blog_put(&want, r.p, r.n);
            rest = fp_str_lit(hit + t.n, rest.n - keep - t.n);
        }
        CHECK(!w.failed && j.n == want.n && (j.n == 0 || memcmp(j.p, want.p, j.n) == 0));
        free(want.p);
    }
    /* pad_left(s, n, t): t one character or an error; never cut. */
    w.failed = 0;
    int64_t tc;
    fp_str padded = fp_pad_left(w.arena, &w, &site, s, n, t);
    if (t.n == 0 || ref_utf8(t, &tc) >= 0 || tc != 1) {
        CHECK(w.failed && same(padded, s));
    } else {
        size_t width = 0;
        for (size_t i = 0; i < s.n; i++)
            width += ((unsigned char)s.p[i] & 0xc0) != 0x80;
        size_t pad = n > (int64_t)width ? (size_t)n - width : 0;
        CHECK(!w.failed && padded.n == s.n + pad * t.n &&
              (s.n == 0 || memcmp(padded.p + pad * t.n, s.p, s.n) == 0));
        for (size_t i = 0; i < pad; i++)
            CHECK(memcmp(padded.p + i * t.n, t.p, t.n) == 0);
    }
    /* format's decimals: snprintf's exact rounding, for a double of s. */
    if (s.n >= 8) {
        double f;
        memcpy(&f, s.p, 8);
        int prec = (int)(n & 15);
        fp_str o = fp_fmt_f64(w.arena, f, (fp_fmt){.prec = prec});
        if (isfinite(f)) {
            char *buf = malloc(400);
            if (!buf)
                abort();
            int m = snprintf(buf, 400, "%.*f", prec, f);
            CHECK(m >= 0 && m < 400 && o.n == (size_t)m && memcmp(o.p, buf, o.n) == 0);
            free(buf);
        } else {
            CHECK(o.n >= 3 && o.n <= 4);   /* nan, inf, -inf */
        }
    }
    fp_arena_free(w.arena);
}

/* The time builtins (time.c): parse_time reads only s (an exact-size
 * copy, so ASan sees any overread) and stops at a byte inside it; what it
 * reads, format_time writes back and parse_time reads again to the same
 * second.  t, when fpipec would accept it as a format, is a format for
 * both ways (the output within the room fp_format_time gives).  For the
 * i64 at the front: trunc_time is at most t and idempotent, the parts are
 * in range. */
static void check_time(fp_str s, fp_str t, const uint8_t *d, size_t n)
{
    char *p = malloc(s.n ? s.n : 1);
    if (s.n)
        memcpy(p, s.p, s.n);
    int64_t us, us2;
    size_t at;
    const char *why;
    if (fp_time_parse(p, s.n, fp_str_lit("", 0), &us, &at, &why)) {
        int64_t sec = us / 1000000 - (us % 1000000 < 0);
        char out[64];
        bool ok;
        size_t k = fp_time_format(out, sec, fp_str_lit("", 0), 0, &ok);
        if (ok) {
            CHECK(k == 20 && fp_time_parse(out, k, fp_str_lit("", 0), &us2, &at, &why));
            CHECK(us2 == sec * 1000000);
        }
    } else {
        CHECK(at <= s.n && why && *why);
    }
    if (fp_time_check_format(t.p, t.n, true, &why) < 0 &&
        fp_time_parse(p, s.n, t, &us, &at, &why) && fp_time_check_format(t.p, t.n, false, &why) < 0) {
        size_t room = t.n ? t.n * 20 : 32;   /* what fp_format_time allocates */
        char *out = malloc(room);
        bool ok;
        size_t k = fp_time_format(out, us / 1000000, t, 3600, &ok);
        CHECK(!ok || k <= room);
        free(out);
    }
    free(p);
    if (n < 8)
        return;
    int64_t v;
    memcpy(&v, d, 8);
    static const char *const units[] = {"second", "minute", "hour", "day", "week", "month", "year"};
    fp_str offs[] = {fp_str_lit("", 0), fp_str_lit("-05:30", 6), fp_str_lit("+23:59", 6)};
    for (int u = 0; u < 7; u++) {
        fp_str un = fp_str_lit(units[u], strlen(units[u]));
        for (int o = 0; o < 3; o++) {
            int64_t tr = fp_trunc_time(v, un, offs[o]);
            CHECK(tr <= v && fp_trunc_time(tr, un, offs[o]) == tr);
        }
    }
    CHECK(fp_month(v, offs[1]) >= 1 && fp_month(v, offs[1]) <= 12);
    CHECK(fp_day(v, offs[2]) >= 1 && fp_day(v, offs[2]) <= 31);
    CHECK(fp_weekday(v, offs[0]) >= 1 && fp_weekday(v, offs[0]) <= 7);
    CHECK(fp_hour(v, offs[1]) >= 0 && fp_hour(v, offs[1]) <= 23);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t tn = data[0] & 7, rn = data[1] & 3;
    int64_t n = (int64_t)(data[1] >> 2) - 4;   /* -4 .. 59 */
    size_t len = size - 2;
    char *d = padded_copy(data + 2, len);
    if (tn > len)
        tn = len;
    if (rn > len - tn)
        rn = len - tn;
    fp_str t = fp_str_lit(d, tn), r = fp_str_lit(d + tn, rn);
    fp_str s = fp_str_lit(d + tn + rn, len - tn - rn);
    check_writers(s);
    check_numbers(data + 2, len);
    check_parse(s);
    check_strings(s, t, r, n);
    check_unicode(s, t, r, n);
    check_time(s, t, data + 2, len);
    free(d);
    return 0;
}
