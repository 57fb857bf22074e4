/* fuzz_csv.c — libFuzzer target: the CSV reader (runtime/source.c and the
 * inline fast path in libfpipe.h), header and records.
 *
 * Input: byte 0 = the record's field count (1..4, low 2 bits) and the
 * partition size (1 + the high 6 bits times 7); byte 1 = the field types,
 * 2 bits each (str, i64, f64, bool); the rest is the file.  The record's
 * fields are named a, b, c, d, so a file starting "a,b,c,d\n" has a header
 * that fits (the seeds do).
 *
 * Checked:
 *   - a header that does not fit gives an error message, never a crash;
 *   - fp_csv_row (the bitmask fast path) reads every record exactly as
 *     fp_csv_next does: the same fields, element errors and w->pos;
 *   - fp_partition_csv cuts the body into contiguous partitions at record
 *     starts (the same for 1 and 3 threads), and reading them one by one
 *     gives the records of the whole body read as one partition;
 *   - the typed columns (fp_col_i64/f64/bool) behave the same on both;
 *   - the same file with ',' and ';' swapped and '"' and '\'' swapped,
 *     read with delimiter ';' and quote '\'' (csv(input, delimiter = ...,
 *     quote = ...)), has the same header, the same partition cuts and the
 *     same records (their bytes swapped back).
 */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[4] = {"a", "b", "c", "d"};
static const fp_site site = {"rows", "fuzz.fpipe", 1, 1, 0};

typedef bool (*reader)(fp_csv_iter *it, fp_worker *w, const char **cur, fp_str *f, int nf);

static bool read_fast(fp_csv_iter *it, fp_worker *w, const char **cur, fp_str *f, int nf)
{
    (void)cur;
    return fp_csv_row(it, w, &site, f, nf);
}

static bool read_slow(fp_csv_iter *it, fp_worker *w, const char **cur, fp_str *f, int nf)
{
    (void)it;
    return fp_csv_next(w, &site, cur, w->part->end, f, nf);
}

/* A byte of the file with ',' and ';' swapped, and '"' and '\''. */
static char swap(char c)
{
    return c == ',' ? ';' : c == ';' ? ',' : c == '"' ? '\'' : c == '\'' ? '"' : c;
}

/* Read one partition, logging each record: its start, its fields, its
 * typed values and its error (swapped: the file's bytes were swapped, and
 * each field is swapped back first). */
static void read_part_as(blog *b, const char *base, fp_part *pt, int nf, unsigned types, reader rd,
                         bool swapped)
{
    fp_worker w = {0};
    uint64_t dropped[1] = {0};
    w.arena = fp_arena_new();
    w.part = pt;
    w.dropped = dropped;
    fp_csv_iter it = fp_csv_begin(&w);
    const char *cur = pt->begin;
    fp_str f[4];
    int guard = 0;
    while (rd(&it, &w, &cur, f, nf)) {
        CHECK(++guard <= (int)(pt->end - pt->begin) + 1);   /* progress */
        CHECK(w.pos >= pt->begin && w.pos < pt->end);
        blog_u64(b, (uint64_t)(w.pos - base));
        if (!w.failed) {
            for (int i = 0; i < nf; i++) {
                if (swapped) {
                    char *c = fp_arena_alloc(w.arena, f[i].n ? f[i].n : 1);
                    for (size_t k = 0; k < f[i].n; k++)
                        c[k] = swap(f[i].p[k]);
                    f[i].p = c;
                }
                blog_str(b, f[i].p, f[i].n);
                switch ((types >> (2 * i)) & 3) {
                case 1: blog_u64(b, (uint64_t)fp_col_i64(&w, &site, f[i], names[i])); break;
                case 2: {
                    double v = fp_col_f64(&w, &site, f[i], names[i]);
                    blog_put(b, &v, sizeof v);
                    break;
                }
                case 3: blog_u64(b, fp_col_bool(&w, &site, f[i], names[i])); break;
                default: break;
                }
            }
        }
        if (w.failed) {
            CHECK(w.err_msg && w.err_site == &site);
            blog_str(b, "!", 1);
            blog_str(b, w.err_msg, strlen(w.err_msg));
            fp_drop(&w);
        }
    }
    CHECK(dropped[0] <= (uint64_t)guard);
    fp_arena_free(w.arena);
}

static void read_part(blog *b, const char *base, fp_part *pt, int nf, unsigned types, reader rd)
{
    read_part_as(b, base, pt, nf, types, rd, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int nf = 1 + (data[0] & 3);
    size_t part_size = 1 + (size_t)(data[0] >> 2) * 7;
    unsigned types = data[1];
    size_t len = size - 2;
    char *d = padded_copy(data + 2, len);

    fp_csv_cols cols = {0};
    size_t body = 0;
    char err[512];
    err[0] = 0;
    if (fp_csv_header(d, len, names, nf, &cols, &body, err, sizeof err) != 0) {
        CHECK(err[0] != 0 && memchr(err, 0, sizeof err));
        CHECK(cols.map == NULL);
        free(d);
        return 0;
    }
    CHECK(body <= len && cols.ncols >= nf && cols.last < cols.ncols);
    for (int f = 0; f < nf; f++) {
        int seen = 0;
        for (int i = 0; i < cols.ncols; i++)
            seen += cols.map[i] == f;
        CHECK(seen == 1);
    }

    /* The whole body as one partition, read both ways. */
    fp_part whole = {.begin = d + body, .end = d + len, .csv = &cols};
    blog fast = {0}, slow = {0}, parted = {0};
    if (body < len) {
        read_part(&fast, d, &whole, nf, types, read_fast);
        read_part(&slow, d, &whole, nf, types, read_slow);
        CHECK(blog_same(&fast, &slow));
    }

    /* Partitioned: contiguous, thread-independent, the same records. */
    fp_part *p1, *p3;
    size_t n1 = fp_partition_csv(d, body, len, part_size, 0, 0, 1, &p1);
    size_t n3 = fp_partition_csv(d, body, len, part_size, 0, 0, 3, &p3);
    CHECK(n1 == n3);
    const char *at = d + body;
    for (size_t k = 0; k < n1; k++) {
        CHECK(p1[k].begin == p3[k].begin && p1[k].end == p3[k].end);
        CHECK(p1[k].begin == at && p1[k].end > p1[k].begin && p1[k].end <= d + len);
        at = p1[k].end;
        p1[k].csv = &cols;
        read_part(&parted, d, &p1[k], nf, types, read_fast);
    }
    CHECK(n1 == 0 ? body == len : at == d + len);
    CHECK(blog_same(&fast, &parted));

    /* Another delimiter and quote: the swapped file reads the same. */
    char *s = padded_copy(data + 2, len);
    for (size_t i = 0; i < len; i++)
        s[i] = swap(s[i]);
    fp_csv_cols scols = {0};
    size_t sbody = 0;
    CHECK(fp_csv_header_with(s, len, names, nf, ';', '\'', &scols, &sbody, err, sizeof err) == 0);
    CHECK(scols.delim == ';' && scols.quote == '\'');
    CHECK(sbody == body && scols.ncols == cols.ncols && scols.last == cols.last);
    for (int i = 0; i < cols.ncols; i++)
        CHECK(scols.map[i] == cols.map[i]);
    fp_part *ps;
    size_t ns = fp_partition_csv_quoted(s, body, len, part_size, 0, 0, 2, false, '\'', &ps);
    CHECK(ns == n1);
    blog sparted = {0};
    for (size_t k = 0; k < ns; k++) {
        CHECK(ps[k].begin - s == p1[k].begin - d && ps[k].end - s == p1[k].end - d);
        ps[k].csv = &scols;
        read_part_as(&sparted, s, &ps[k], nf, types, read_slow, true);
    }
    CHECK(blog_same(&slow, &sparted) || body == len);
    free(ps);
    free(sparted.p);
    free(scols.map);
    free(s);
    free(p1);
    free(p3);
    free(fast.p);
    free(slow.p);
    free(parted.p);
    free(cols.map);
    free(d);
    return 0;
}
