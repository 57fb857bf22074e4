/* test_strings.c — unit tests for runtime/strings.c on edge values: empty
 * strings, multibyte characters at a cut, invalid UTF-8 (the builtin and
 * the offset in the message, an empty result), widths smaller than the
 * text, NaN, infinities and negative zero in format's placeholders.
 *
 * Prints one "ok - NAME" or "FAIL - NAME: why" line per test, like
 * test_runtime.c; tests/ustr.sh counts them.  Exit status 1 on a failure.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>

#include "unit.h"
static fp_arena *A;

/* A C string as an fp_str, padded (the padding contract). */
static fp_str S(const char *s)
{
    size_t n = strlen(s);
    char *p = fp_arena_alloc(A, n + 1);
    memcpy(p, s, n);
    return fp_str_lit(p, n);
}

static bool is(fp_str got, const char *want)
{
    return got.n == strlen(want) && (got.n == 0 || memcmp(got.p, want, got.n) == 0);
}

static fp_worker W;
static const fp_site site = {"t", "t.fpipe", 1, 1, 0};

typedef fp_str (*map_fn)(fp_arena *, fp_worker *, const fp_site *, fp_str);

/* f(in) is want, without an element error. */
static bool maps(map_fn f, const char *name, const char *in, const char *want)
{
    W.failed = 0;
    fp_str got = f(A, &W, &site, S(in));
    CHECK(!W.failed, "%s(\"%s\") failed: %s", name, in, W.err_msg);
    CHECK(is(got, want), "%s(\"%s\") is \"%.*s\", want \"%s\"", name, in, (int)got.n, got.p, want);
    return true;
}

/* f(in) fails with "NAME: invalid UTF-8 at byte AT" and gives "". */
static bool rejects(map_fn f, const char *name, const char *in, int at)
{
    W.failed = 0;
    fp_str got = f(A, &W, &site, S(in));
    char msg[80];
    snprintf(msg, sizeof msg, "%s: invalid UTF-8 at byte %d", name, at);
    CHECK(W.failed && W.err_site == &site, "%s of invalid UTF-8: no element error", name);
    CHECK(!strcmp(W.err_msg, msg), "%s: message '%s', want '%s'", name, W.err_msg, msg);
    CHECK(got.n == 0, "%s of invalid UTF-8 gave %zu bytes, want none", name, got.n);
    W.failed = 0;
    return true;
}

static bool case_mapping(void)
{
    return maps(fp_casefold, "casefold", "", "") &&
           maps(fp_casefold, "casefold", "Straße ΣΑΣ", "strasse σασ") &&
           maps(fp_casefold, "casefold", "\xef\xac\x81", "fi") &&   /* the ligature ﬁ */
           maps(fp_lower_utf8, "lower_utf8", "ÉCOLE Ж ΣΑΣ", "école ж σασ") &&
           maps(fp_upper_utf8, "upper_utf8", "école ж ǅ", "ÉCOLE Ж Ǆ") &&
           maps(fp_lower_utf8, "lower_utf8", "abc 123", "abc 123") &&
           maps(fp_upper_utf8, "upper_utf8", "\xc9\x90", "\xe2\xb1\xaf");   /* ɐ (2 bytes) -> Ɐ (3) */
}

static bool normalization(void)
{
    return maps(fp_nfc, "nfc", "", "") && maps(fp_nfc, "nfc", "ascii", "ascii") &&
           maps(fp_nfc, "nfc", "e\xcc\x81", "\xc3\xa9") &&             /* e + U+0301 -> é */
           maps(fp_nfc, "nfc", "\xe1\x84\x80\xe1\x85\xa1", "\xea\xb0\x80") &&   /* jamo -> 가 */
           maps(fp_nfc, "nfc", "\xe2\x84\xab", "\xc3\x85") &&          /* Å (angstrom) -> Å */
           maps(fp_nfc, "nfc", "q\xcc\xa3\xcc\x87", "q\xcc\xa3\xcc\x87") &&   /* ordered marks */
           maps(fp_nfc, "nfc", "q\xcc\x87\xcc\xa3", "q\xcc\xa3\xcc\x87");     /* reordered */
}

static bool invalid_utf8(void)
{
    return rejects(fp_casefold, "casefold", "ab\xff", 2) &&
           rejects(fp_nfc, "nfc", "\xc3", 0) &&                      /* a lead byte at the end */
           rejects(fp_lower_utf8, "lower_utf8", "é\x80", 2) &&        /* a stray continuation */
           rejects(fp_upper_utf8, "upper_utf8", "\xed\xa0\x80", 0) && /* a surrogate */
           rejects(fp_nfc, "nfc", "\xc0\xaf", 0) &&                   /* overlong */
           rejects(fp_casefold, "casefold", "abc\xe2\x82", 3);        /* cut in a character */
}

static bool code_points(void)
{
    W.failed = 0;
    CHECK(fp_len_utf8(&W, &site, S("")) == 0, "len_utf8(\"\")");
    CHECK(fp_len_utf8(&W, &site, S("aé漢😀")) == 4, "len_utf8 of 1 + 2 + 3 + 4 bytes");
    CHECK(!W.failed, "len_utf8 failed on UTF-8");
    CHECK(fp_len_utf8(&W, &site, S("a\xff")) == 0 && W.failed &&
              !strcmp(W.err_msg, "len_utf8: invalid UTF-8 at byte 1"),
          "len_utf8 of invalid UTF-8");
    W.failed = 0;
    return true;
}

/* words(in) joined with "|" is want. */
static bool words_are(const char *in, const char *want)
{
    W.failed = 0;
    fp_str got = fp_join_words(A, &W, &site, S(in), S("|"));
    CHECK(!W.failed && is(got, want), "words(\"%s\") is \"%.*s\", want \"%s\"", in, (int)got.n,
          got.p, want);
    return true;
}

static bool words_split(void)
{
    if (!(words_are("", "") && words_are(" ,;- ", "") &&
          words_are("don't stop-2", "don|t|stop|2") &&
          words_are("Ünïcode  e\xcc\x81t\xc3\xa9", "Ünïcode|e\xcc\x81t\xc3\xa9") &&   /* marks stay */
          words_are("x²Ⅳ٣漢_a", "x|٣漢|a") && words_are("😀hi😀", "hi")))
        return false;
    W.failed = 0;
    fp_words_iter it = fp_words_begin(&W, &site, S("ok \xff ok"));
    fp_str w;
    CHECK(W.failed && !strcmp(W.err_msg, "words: invalid UTF-8 at byte 3"), "words of invalid UTF-8");
    CHECK(!fp_words_next(&it, &w), "words of invalid UTF-8 gave a word");
    W.failed = 0;
    return true;
}

static bool padding(void)
{
    W.failed = 0;
    CHECK(is(fp_pad_left(A, &W, &site, S("ab"), 5, S("·")), "···ab"), "pad_left with ·");
    CHECK(is(fp_pad_right(A, &W, &site, S("é"), 3, S("-")), "é--"), "pad_right counts é once");
    CHECK(is(fp_pad_left(A, &W, &site, S("abcdef"), 3, S(" ")), "abcdef"), "never cut");
    CHECK(is(fp_pad_left(A, &W, &site, S(""), 0, S(" ")), ""), "width 0");
    CHECK(is(fp_pad_left(A, &W, &site, S("x"), -5, S(" ")), "x"), "negative width");
    CHECK(!W.failed, "pad failed: %s", W.err_msg);
    fp_pad_left(A, &W, &site, S("x"), 3, S(""));
    CHECK(W.failed && !strcmp(W.err_msg, "pad_left: the fill must be one character, not 0 bytes"),
          "empty fill: '%s'", W.failed ? W.err_msg : "no error");
    W.failed = 0;
    fp_pad_right(A, &W, &site, S("x"), 3, S("ab"));
    CHECK(W.failed, "a two-character fill is accepted");
    W.failed = 0;
    CHECK(is(fp_trim_left(S(" \t x \n")), "x \n") && is(fp_trim_right(S(" \t x \n")), " \t x") &&
              is(fp_trim_left(S("   ")), "") && is(fp_trim_right(S("")), ""),
          "trim_left / trim_right");
    return true;
}

static bool concat_join_compare(void)
{
    CHECK(is(fp_cat2(A, S(""), S("")), ""), "\"\" + \"\"");
    CHECK(is(fp_cat2(A, S("\xc3"), S("\xa9")), "é"), "a character cut in two, joined");
    fp_str parts[3] = {S("a"), S(""), S("bc")};
    CHECK(is(fp_cat(A, 3, parts), "abc") && is(fp_cat(A, 0, parts), ""), "fp_cat");
    CHECK(is(fp_join(A, parts, 3, S(", ")), "a, , bc") && is(fp_join(A, parts, 0, S(",")), ""),
          "join of a list");
    W.failed = 0;
    CHECK(is(fp_join_split(A, &W, &site, S("a,,b"), S(","), S(";")), "a;;b") &&
              is(fp_join_split(A, &W, &site, S(""), S(","), S(";")), ""),
          "join(split(...))");
    CHECK(!W.failed, "join(split) failed");
    fp_join_split(A, &W, &site, S("a"), S(""), S(";"));
    CHECK(W.failed && !strcmp(W.err_msg, "split on an empty separator"), "join(split(s, \"\"))");
    W.failed = 0;
    CHECK(is(fp_join_ws(A, S("  a  b\tc "), S("-")), "a-b-c"), "join(split_ws(...))");
    CHECK(fp_equals_ci(S("HeLLo"), S("hello")) && !fp_equals_ci(S("É"), S("é")) &&
              fp_equals_ci(S(""), S("")) && !fp_equals_ci(S("a"), S("ab")) &&
              !fp_equals_ci(S("@"), S("`")),
          "equals_ci: ASCII letters only");
    CHECK(fp_equals_fold(A, &W, &site, S("STRASSE"), S("straße")) &&
              fp_equals_fold(A, &W, &site, S("É"), S("é")) &&
              !fp_equals_fold(A, &W, &site, S("e\xcc\x81"), S("é")),
          "equals_fold: case folded, not normalized");
    CHECK(!W.failed, "equals_fold failed");
    return true;
}

/* placeholder(v) is want. */
#define FMT(call, want)                                                              \
    do {                                                                             \
        fp_str g_ = (call);                                                          \
        CHECK(is(g_, want), "%s is \"%.*s\", want \"%s\"", #call, (int)g_.n, g_.p, want); \
    } while (0)

static bool format_placeholders(void)
{
    FMT(fp_fmt_f64(A, 2.675, (fp_fmt){.prec = 2}), "2.67");   /* 2.67499999... */
    FMT(fp_fmt_f64(A, 0.125, (fp_fmt){.prec = 2}), "0.12");   /* ties to even, exactly */
    FMT(fp_fmt_f64(A, -0.0, (fp_fmt){.prec = 2}), "-0.00");
    FMT(fp_fmt_f64(A, -0.0, (fp_fmt){.prec = -1}), "-0");
    FMT(fp_fmt_f64(A, 1e300, (fp_fmt){.prec = 0}).n == 301 ? S("ok") : S("no"), "ok");
    FMT(fp_fmt_f64(A, NAN, (fp_fmt){.prec = 2, .width = 6}), "   nan");
    FMT(fp_fmt_f64(A, INFINITY, (fp_fmt){.prec = 2}), "inf");
    FMT(fp_fmt_f64(A, -INFINITY, (fp_fmt){.prec = 1, .width = 7, .fill = '0', .align = '='}),
        "-000inf");
    FMT(fp_fmt_f64(A, -2.5, (fp_fmt){.prec = 2, .width = 8, .fill = '0', .align = '='}), "-0002.50");
    FMT(fp_fmt_f64(A, 3.14159, (fp_fmt){.prec = 3, .width = 2}), "3.142");   /* width < text */
    FMT(fp_fmt_i64(A, INT64_MIN, (fp_fmt){.prec = -1}), "-9223372036854775808");
    FMT(fp_fmt_i64(A, -1, (fp_fmt){.prec = -1, .hex = true}), "ffffffffffffffff");
    FMT(fp_fmt_i64(A, 255, (fp_fmt){.prec = -1, .hex = true, .width = 4, .fill = '0', .align = '='}),
        "00ff");
    FMT(fp_fmt_i64(A, 7, (fp_fmt){.prec = -1, .width = 3}), "  7");   /* numbers go right */
    FMT(fp_fmt_str(A, S("ab"), (fp_fmt){.prec = -1, .width = 5}), "ab   ");   /* text left */
    FMT(fp_fmt_str(A, S("ab"), (fp_fmt){.prec = -1, .width = 5, .align = '^', .fill = '*'}), "*ab**");
    FMT(fp_fmt_str(A, S("é"), (fp_fmt){.prec = -1, .width = 3, .align = '>'}), "  é");
    FMT(fp_fmt_str(A, S(""), (fp_fmt){.prec = -1}), "");
    FMT(fp_fmt_bool(A, false, (fp_fmt){.prec = -1, .width = 6, .align = '>'}), " false");
    return true;
}

int main(void)
{
    A = fp_arena_new();
    W.arena = A;
    run("strings: casefold, lower_utf8, upper_utf8", case_mapping);
    run("strings: nfc composes and reorders", normalization);
    run("strings: invalid UTF-8 fails with the builtin and the byte offset", invalid_utf8);
    run("strings: len_utf8 counts code points", code_points);
    run("strings: words are runs of letters, marks and digits", words_split);
    run("strings: pad_left, pad_right, trim_left, trim_right", padding);
    run("strings: concatenation, join, equals_ci, equals_fold", concat_join_compare);
    run("strings: format's placeholders on edge values", format_placeholders);
    fp_arena_free(A);
    return failures ? 1 : 0;
}
