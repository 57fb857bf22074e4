/* source.c — the CSV record source: CSV with a header.
 *
 * CSV.  Where a record ends is decided here, by one rule the partitioner
 * and the reader share: a record ends at the first newline outside double
 * quotes.  The rule depends only on the bytes, so partitions cut by it
 * (inputs.c) are
 * the same for every thread count and every record is read the same way.
 * A record without a quote is split at its commas in place (no copy: the
 * common case, and the fast one: fp_csv_row in libfpipe.h finds the commas
 * from bitmasks of 64 bytes at a time, inline in the generated loop); a
 * record with a quote is handed to libcsv in strict mode, which does the
 * RFC 4180 unquoting and rejects stray quotes.  docs/design-notes.md
 * (Speed) describes the fast path.
 *
 * JSON lines live in source_jsonl.c: apart, so that a program links libcsv
 * only when it reads CSV, and jansson and simdjson only when it reads JSON
 * lines (docs/running.md, "Linking").
 */
#include "internal.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The delimiter and quote bytes of an input (0 in cols: the defaults). */
#define COLS_DELIM(cols) ((cols)->delim ? (cols)->delim : ',')
#define COLS_QUOTE(cols) ((cols)->quote ? (cols)->quote : '"')

/* ---- CSV: where records end ------------------------------------------ */

/* The end of the record that starts at p: its newline outside quotes
 * (the byte qc), or end.  *quoted tells whether the record holds a quote
 * at all. */
static const char *csv_record_end(const char *p, const char *end, char qc, bool *quoted)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    const char *q = memchr(p, qc, (size_t)(stop - p));
    *quoted = q != NULL;
    if (!q)
        return stop;
    bool in = false;
    for (const char *s = q; s < end; s++) {
        if (*s == qc)
            in = !in;
        else if (*s == '\n' && !in)
            return s;
    }
    return end;
}

/* The parity of the count of '"' bytes in [p, e).  memchr while quotes
 * are few (libc's is the fastest scan there is: a block without quotes is
 * one call), then the compare masks XORed together. */
/* ---- CSV: quoted records through libcsv ------------------------------ */

static int no_space(unsigned char c)
{
    (void)c;
    return 0;   /* RFC 4180: spaces belong to the field */
}

static int lf_only(unsigned char c)
{
    return c == '\n';   /* a lone '\r' is a byte of the field, as unquoted */
}

typedef struct csv_fields {
    /* Where each field goes: the caller's sink for one record's fields. */
    void (*put)(struct csv_fields *f, int col, const char *p, size_t n);
    int col;      /* fields seen in the first row */
    int rows;     /* rows libcsv saw: more than one means a malformed record */
} csv_fields;

static void on_field(void *s, size_t n, void *data)
{
    csv_fields *f = data;
    if (f->rows == 0)
        f->put(f, f->col++, s ? s : "", n);
}

static void on_row(int term, void *data)
{
    (void)term;
    ((csv_fields *)data)->rows++;
}

/* Parse one record [p, e) with libcsv, with the delimiter and quote of
 * cols.  Returns NULL or what is wrong. */
static const char *csv_parse_record(const char *p, const char *e, const fp_csv_cols *cols,
                                    csv_fields *f)
{
    struct csv_parser cp;
    if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI) != 0)
        fp_oom();
    csv_set_space_func(&cp, no_space);
    csv_set_term_func(&cp, lf_only);
    csv_set_delim(&cp, (unsigned char)COLS_DELIM(cols));
    csv_set_quote(&cp, (unsigned char)COLS_QUOTE(cols));
    const char *why = NULL;
    size_t n = (size_t)(e - p);
    if (csv_parse(&cp, p, n, on_field, on_row, f) != n) {
        why = csv_error(&cp) == CSV_ENOMEM ? NULL : "malformed CSV: a quote inside a field that "
                                                    "does not start with one, or text after a "
                                                    "closing quote (RFC 4180 doubles quotes "
                                                    "inside quoted fields)";
        if (!why)
            fp_oom();
    } else if (csv_fini(&cp, on_field, on_row, f) != 0) {
        why = "malformed CSV: a quoted field is never closed";
    } else if (f->rows != 1) {
        why = "malformed CSV: the record splits into several rows";
    }
    csv_free(&cp);
    return why;
}

typedef struct rec_fields {
    csv_fields base;
    fp_worker *w;
    const fp_csv_cols *cols;
    fp_str *out;
} rec_fields;

static void put_rec_field(csv_fields *f, int col, const char *p, size_t n)
{
    rec_fields *r = (rec_fields *)f;
    if (col >= r->cols->ncols || r->cols->map[col] < 0)
        return;
    char *copy = fp_arena_alloc(r->w->arena, n ? n : 1);
    memcpy(copy, p, n);
    r->out[r->cols->map[col]] = fp_str_lit(copy, n);
}

bool fp_csv_next(fp_worker *w, const fp_site *site, const char **cur, const char *end,
                 fp_str *fields, int nfields)
{
    const char *p = *cur;
    for (;;) {   /* skip empty lines */
        if (p >= end) {
            *cur = end;
            return false;
        }
        if (*p == '\n')
            p++;
        else if (*p == '\r' && (p + 1 == end || p[1] == '\n'))
            p += p + 1 == end ? 1 : 2;
        else
            break;
    }
    const fp_csv_cols *cols = w->part->csv;
    bool quoted;
    const char *e = csv_record_end(p, end, COLS_QUOTE(cols), &quoted);
    *cur = e < end ? e + 1 : end;
    w->pos = p;
    if (e > p && e[-1] == '\r')
        e--;
    for (int i = 0; i < nfields; i++)
        fields[i] = fp_str_lit("", 0);
    int ncols = 0;
    if (!quoted) {
        const char *s = p;
        for (;;) {
            const char *comma = memchr(s, COLS_DELIM(cols), (size_t)(e - s));
            const char *fe = comma ? comma : e;
            if (ncols < cols->ncols && cols->map[ncols] >= 0)
                fields[cols->map[ncols]] = fp_str_lit(s, (size_t)(fe - s));
            ncols++;
            if (!comma)
                break;
            s = comma + 1;
        }
    } else {
        rec_fields r = {{put_rec_field, 0, 0}, w, cols, fields};
        const char *why = csv_parse_record(p, e, cols, &r.base);
        if (why) {
            fp_elem_error(w, site, why);
            return true;
        }
        ncols = r.base.col;
    }
    if (ncols != cols->ncols && cols->positional)
        fp_elem_error(w, site, fp_arena_printf(w->arena, 320, "the record has %d field%s; the "
                                               "record type has %d (a source without header)",
                                               ncols, ncols == 1 ? "" : "s", cols->ncols));
    else if (ncols != cols->ncols)
        fp_elem_error(w, site, fp_arena_printf(w->arena, 320, "the record has %d field%s; the header has %d",
                                        ncols, ncols == 1 ? "" : "s", cols->ncols));
    return true;
}

bool fp_csv_row_slow(fp_csv_iter *it, fp_worker *w, const fp_site *site, fp_str *fields,
                     int nfields)
{
    bool more = fp_csv_next(w, site, &it->cur, it->end, fields, nfields);
    fp_csv_seek(it, it->cur);
    return more;
}

/* "parse_i64: not an integer" -> "not an integer" */
static const char *after_colon(const char *msg)
{
    const char *c = strchr(msg, ':');
    return c ? c + 2 : msg;
}

int64_t fp_col_i64_slow(fp_worker *w, const fp_site *site, fp_str s, const char *name)
{
    if (w->failed)
        return 0;
    int64_t v = fp_parse_i64(w, site, s);
    if (w->failed)
        w->err_msg = fp_arena_printf(w->arena, 320, "column '%s': %s", name,
                              s.n ? after_colon(w->err_msg) : "empty, not an integer");
    return v;
}

double fp_col_f64(fp_worker *w, const fp_site *site, fp_str s, const char *name)
{
    if (w->failed)
        return 0;
    double v = fp_parse_f64(w, site, s);
    if (w->failed)
        w->err_msg = fp_arena_printf(w->arena, 320, "column '%s': %s", name,
                              s.n ? after_colon(w->err_msg) : "empty, not a number");
    return v;
}

bool fp_col_bool(fp_worker *w, const fp_site *site, fp_str s, const char *name)
{
    if (w->failed)
        return false;
    if (s.n == 4 && memcmp(s.p, "true", 4) == 0)
        return true;
    if (!(s.n == 5 && memcmp(s.p, "false", 5) == 0))
        fp_elem_error(w, site, fp_arena_printf(w->arena, 320, "column '%s': not true or false", name));
    return false;
}

/* Optional columns: an empty field is none; any other text is read as
 * the column's type (a bad one is the same element error). */
fp_opt_i64 fp_col_opt_i64(fp_worker *w, const fp_site *site, fp_str s, const char *name)
{
    fp_opt_i64 r = {false, 0};
    if (s.n) {
        r.v = fp_col_i64(w, site, s, name);
        r.has = true;
    }
    return r;
}

fp_opt_f64 fp_col_opt_f64(fp_worker *w, const fp_site *site, fp_str s, const char *name)
{
    fp_opt_f64 r = {false, 0};
    if (s.n) {
        r.v = fp_col_f64(w, site, s, name);
        r.has = true;
    }
    return r;
}

fp_opt_bool fp_col_opt_bool(fp_worker *w, const fp_site *site, fp_str s, const char *name)
{
    fp_opt_bool r = {false, false};
    if (s.n) {
        r.v = fp_col_bool(w, site, s, name);
        r.has = true;
    }
    return r;
}

fp_opt_str fp_col_opt_str(fp_str s)
{
    fp_opt_str r = {s.n > 0, s.n ? s : fp_str_lit(NULL, 0)};
    return r;
}

/* ---- CSV: the header ---------------------------------------------------- */

typedef struct header_names {
    csv_fields base;
    char **names;
    size_t *lens;
    int cap;
} header_names;

static void put_name(csv_fields *f, int col, const char *p, size_t n)
{
    header_names *h = (header_names *)f;
    if (col == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        h->names = realloc(h->names, (size_t)h->cap * sizeof *h->names);
        h->lens = realloc(h->lens, (size_t)h->cap * sizeof *h->lens);
        if (!h->names || !h->lens)
            fp_oom();
    }
    h->names[col] = malloc(n + 1);
    if (!h->names[col])
        fp_oom();
    memcpy(h->names[col], p, n);
    h->names[col][n] = '\0';
    h->lens[col] = n;
}

int fp_csv_header(const char *data, size_t len, const char *const *fields, int nfields,
                  fp_csv_cols *cols, size_t *body, char *err, size_t errlen)
{
    return fp_csv_header_with(data, len, fields, nfields, ',', '"', cols, body, err, errlen);
}

int fp_csv_header_with(const char *data, size_t len, const char *const *fields, int nfields,
                       char delim, char quote, fp_csv_cols *cols, size_t *body, char *err,
                       size_t errlen)
{
    cols->delim = delim;
    cols->quote = quote;
    cols->positional = false;
    size_t start = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        start = 3;   /* a UTF-8 byte order mark, as spreadsheets write */
    if (start == len) {
        snprintf(err, errlen, "1: the file is empty, but a CSV input starts with a header "
                              "naming its columns");
        return -1;
    }
    bool quoted;
    const char *p = data + start, *e = csv_record_end(p, data + len, COLS_QUOTE(cols), &quoted);
    *body = e < data + len ? (size_t)(e - data) + 1 : len;
    if (e > p && e[-1] == '\r')
        e--;
    header_names h = {{put_name, 0, 0}, NULL, NULL, 0};
    const char *why = csv_parse_record(p, e, cols, &h.base);
    int rc = 0;
    if (why) {
        snprintf(err, errlen, "1: the header: %s", why);
        rc = -1;
    }
    cols->ncols = h.base.col;
    cols->map = malloc((size_t)(h.base.col ? h.base.col : 1) * sizeof *cols->map);
    if (!cols->map)
        fp_oom();
    for (int i = 0; i < h.base.col; i++)
        cols->map[i] = -1;
    for (int f = 0; f < nfields && rc == 0; f++) {
        int found = -1;
        for (int i = 0; i < h.base.col; i++) {
            if (strlen(fields[f]) != h.lens[i] || memcmp(fields[f], h.names[i], h.lens[i]) != 0)
                continue;
            if (found >= 0) {
                snprintf(err, errlen, "1: the header names column '%s' twice (columns %d and %d)",
                         fields[f], found + 1, i + 1);
                rc = -1;
            }
            found = i;
        }
        if (rc == 0 && found < 0) {
            size_t m = (size_t)snprintf(err, errlen, "1: the header has no column '%s' "
                                        "(it has:", fields[f]);
            for (int i = 0; i < h.base.col && m < errlen; i++)
                m += (size_t)snprintf(err + m, errlen - m, "%s '%s'", i ? "," : "", h.names[i]);
            if (m < errlen)
                snprintf(err + m, errlen - m, ")");
            rc = -1;
        }
        if (rc == 0)
            cols->map[found] = f;
    }
    cols->last = -1;
    for (int i = 0; i < h.base.col; i++)
        if (cols->map[i] >= 0)
            cols->last = i;
    for (int i = 0; i < h.base.col; i++)
        free(h.names[i]);
    free(h.names);
    free(h.lens);
    if (rc != 0) {
        free(cols->map);
        cols->map = NULL;
    }
    return rc;
}
