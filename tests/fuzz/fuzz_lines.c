/* fuzz_lines.c — libFuzzer target: the runtime's line splitter.
 *
 * Input: byte 0 picks the partition size (1..256), the rest is the data.
 * Checked against plain reference code on the same bytes:
 *   - fp_partition cuts [0, len) into contiguous partitions, each but the
 *     last ending with '\n' at or past its size;
 *   - fp_next_line over the partitions gives the lines of the whole input
 *     (split at '\n', a last line without one included);
 *   - split_ws (fp_ws_begin/fp_ws_next: 64-byte bitmaps read past the
 *     string under the padding contract) gives the same words as a
 *     byte-by-byte split on the six whitespace bytes, per line and over a
 *     whole partition (the fused scan);
 *   - split(s, sep) with a separator taken from the data gives the pieces
 *     of a naive search.
 */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ref_words(blog *b, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && fp_ws_class[(unsigned char)p[i]])
            i++;
        size_t s = i;
        while (i < n && !fp_ws_class[(unsigned char)p[i]])
            i++;
        if (i > s)
            blog_str(b, p + s, i - s);
    }
}

static void ws_words(blog *b, const char *p, size_t n)
{
    fp_ws_iter it = fp_ws_begin(fp_str_lit(p, n));
    fp_str w;
    while (fp_ws_next(&it, &w)) {
        CHECK(w.p >= p && w.p + w.n <= p + n && w.n > 0);
        blog_str(b, w.p, w.n);
    }
}

static void ref_split(blog *b, const char *p, size_t n, const char *sep, size_t m)
{
    size_t s = 0, i = 0;
    while (m && i + m <= n) {
        if (memcmp(p + i, sep, m) == 0) {
            blog_str(b, p + s, i - s);
            i += m;
            s = i;
        } else {
            i++;
        }
    }
    blog_str(b, p + s, n - s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t part_size = (size_t)data[0] + 1;
    char *d = padded_copy(data + 1, size - 1);
    size_t len = size - 1;

    /* The reference: lines and words of the whole input. */
    blog ref_l = {0}, ref_w = {0};
    for (size_t s = 0; s < len;) {
        const char *nl = memchr(d + s, '\n', len - s);
        size_t e = nl ? (size_t)(nl - d) : len;
        blog_str(&ref_l, d + s, e - s);
        ref_words(&ref_w, d + s, e - s);
        s = nl ? e + 1 : len;
    }

    fp_part *parts;
    size_t np = fp_partition(d, len, part_size, 0, 7, &parts);
    blog got_l = {0}, got_w = {0}, got_pw = {0};
    const char *at = d;
    for (size_t k = 0; k < np; k++) {
        const fp_part *pt = &parts[k];
        CHECK(pt->begin == at && pt->end > pt->begin && pt->end <= d + len);
        CHECK(pt->index == 7 + k && pt->file == 0);
        if (k + 1 < np) {
            CHECK(pt->end[-1] == '\n');
            CHECK((size_t)(pt->end - pt->begin) >= part_size);
        }
        at = pt->end;
        const char *cur = pt->begin;
        fp_str line;
        while (fp_next_line(&cur, pt->end, &line)) {
            CHECK(line.p >= pt->begin && line.p + line.n <= pt->end);
            CHECK(!memchr(line.p, '\n', line.n));
            blog_str(&got_l, line.p, line.n);
            ws_words(&got_w, line.p, line.n);
        }
        ws_words(&got_pw, pt->begin, (size_t)(pt->end - pt->begin));
    }
    CHECK(at == d + len);
    CHECK(blog_same(&ref_l, &got_l));
    CHECK(blog_same(&ref_w, &got_w));
    CHECK(blog_same(&ref_w, &got_pw));
    free(parts);

    /* split(s, sep): the separator is the first 1..4 bytes of the data. */
    if (len > 0) {
        size_t m = 1 + (data[0] & 3);
        if (m > len)
            m = len;
        fp_worker w = {0};
        fp_site site = {"split", "fuzz.fpipe", 1, 1, 0};
        fp_split_iter it = fp_split_begin(&w, &site, fp_str_lit(d + m, len - m),
                                          fp_str_lit(d, m));
        blog a = {0}, b = {0};
        fp_str piece;
        while (fp_split_next(&it, &piece))
            blog_str(&a, piece.p, piece.n);
        ref_split(&b, d + m, len - m, d, m);
        CHECK(!w.failed && blog_same(&a, &b));
        free(a.p);
        free(b.p);
    }
    free(ref_l.p);
    free(ref_w.p);
    free(got_l.p);
    free(got_w.p);
    free(got_pw.p);
    free(d);
    return 0;
}
