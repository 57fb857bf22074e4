/* diag.c — diagnostics that look like a C compiler's.
 *
 *   wc.fpipe:5:17: error: unknown function 'split_w'
 *       5 | flatmap words = split_w(lines)
 *         |                 ^~~~~~~
 *         = hint: did you mean 'split_ws'?
 *
 * Positions are byte offsets until something is reported; the line and
 * column (1-based, in bytes) are computed here.  Colour only when the
 * stream is a terminal.
 */
#include "fpipec.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void diag_init(Diags *d, const Source *src, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->src = src;
    d->out = out;
    d->color = isatty(fileno(out)) && !getenv("NO_COLOR");
    d->max_errors = 50;
}

/* The 1-based line and byte column of offset off in src; computed
 * only when a diagnostic is printed. */
void diag_line_col(const Source *src, uint32_t off, int *line, int *col)
{
    int l = 1;
    uint32_t bol = 0;
    for (uint32_t i = 0; i < off && i < src->len; i++) {
        if (src->text[i] == '\n') {
            l++;
            bol = i + 1;
        }
    }
    *line = l;
    *col = (int)(off - bol) + 1;
}

Span span_join(Span a, Span b)
{
    uint32_t lo = a.off < b.off ? a.off : b.off;
    uint32_t hi = a.off + a.len > b.off + b.len ? a.off + a.len : b.off + b.len;
    Span s = {lo, hi - lo};
    return s;
}

static const char *level_name[] = {"error", "warning", "note"};
static const char *level_color[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m"};

/* The source line holding off, printed with a gutter, and a caret range
 * under [off, off+len) clipped to that line.  Tabs are kept in the caret
 * line so that it lines up in a terminal. */
static void show_line(Diags *d, Span sp)
{
    const Source *src = d->src;
    int line, col;
    diag_line_col(src, sp.off, &line, &col);
    uint32_t bol = sp.off - (uint32_t)(col - 1);
    uint32_t eol = bol;
    while (eol < src->len && src->text[eol] != '\n')
        eol++;
    fprintf(d->out, "%5d | ", line);
    for (uint32_t i = bol; i < eol; i++) {
        unsigned char c = (unsigned char)src->text[i];
        fputc(c == 0 ? ' ' : c, d->out);   /* a NUL would cut the line */
    }
    fputs("\n      | ", d->out);
    for (uint32_t i = bol; i < sp.off && i < eol; i++)
        fputc(src->text[i] == '\t' ? '\t' : ' ', d->out);
    if (d->color)
        fputs("\033[1;32m", d->out);
    uint32_t end = sp.off + sp.len;
    if (end > eol)
        end = eol;
    fputc('^', d->out);
    for (uint32_t i = sp.off + 1; i < end; i++)
        fputc('~', d->out);
    if (d->color)
        fputs("\033[0m", d->out);
    fputc('\n', d->out);
}

/* ---- --diagnostics-format=json ------------------------------------ */

static void json_str(Str *s, const char *p, size_t n)
{
    str_add(s, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\')
            str_add(s, "\\%c", c);
        else if (c == '\n')
            str_add(s, "\\n");
        else if (c == '\t')
            str_add(s, "\\t");
        else if (c < 0x20 || c == 0x7f)
            str_add(s, "\\u%04x", c);
        else
            str_addn(s, (const char *)&c, 1);
    }
    str_add(s, "\"");
}

/* "file": .., "line": .., "col": .., "end": {"line": .., "col": ..} */
static void json_place(Diags *d, Str *s, Span sp)
{
    int line, col, eline, ecol;
    diag_line_col(d->src, sp.off, &line, &col);
    diag_line_col(d->src, sp.off + sp.len, &eline, &ecol);
    str_add(s, "\"file\": ");
    json_str(s, d->src->path, strlen(d->src->path));
    str_add(s, ", \"line\": %d, \"col\": %d, \"end\": {\"line\": %d, \"col\": %d}", line,
            col, eline, ecol);
}

void diag_flush(Diags *d)
{
    if (!d->json || !d->jpending)
        return;
    fprintf(d->out, "{%.*s, \"hints\": [%.*s], \"notes\": [%.*s]}\n", (int)d->jmain.n,
            d->jmain.p ? d->jmain.p : "", (int)d->jhints.n, d->jhints.p ? d->jhints.p : "",
            (int)d->jnotes.n, d->jnotes.p ? d->jnotes.p : "");
    fflush(d->out);
    d->jmain.n = d->jhints.n = d->jnotes.n = 0;
    d->jpending = false;
}

void diag_finish(Diags *d)
{
    diag_flush(d);
    str_free(&d->jmain);
    str_free(&d->jhints);
    str_free(&d->jnotes);
}

/* One diagnostic as a JSON line; notes and hints are held and attached
 * to the error or warning before them (diag_flush writes it). */
static void json_diag(Diags *d, DiagLevel lvl, Span sp, const char *msg)
{
    if (lvl == DIAG_NOTE && d->jpending) {
        str_add(&d->jnotes, "%s{", d->jnotes.n ? ", " : "");
        json_place(d, &d->jnotes, sp);
        str_add(&d->jnotes, ", \"message\": ");
        json_str(&d->jnotes, msg, strlen(msg));
        str_add(&d->jnotes, "}");
        return;
    }
    diag_flush(d);
    json_place(d, &d->jmain, sp);
    str_add(&d->jmain, ", \"level\": \"%s\", \"message\": ", level_name[lvl]);
    json_str(&d->jmain, msg, strlen(msg));
    d->jpending = true;
}

/* Report a diagnostic at sp (text with the source line and a caret, or
 * JSON); counts errors and warnings, and past max_errors stays silent. */
void diag_at(Diags *d, DiagLevel lvl, Span sp, const char *fmt, ...)
{
    if (d->json) {
        if (lvl == DIAG_ERROR && ++d->nerrors > d->max_errors)
            return;
        if (lvl == DIAG_WARNING)
            d->nwarnings++;
        if (lvl != DIAG_ERROR && d->nerrors > d->max_errors)
            return;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        char *msg = malloc((size_t)n + 1);
        if (!msg)
            return;
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
        json_diag(d, lvl, sp, msg);
        free(msg);
        return;
    }
    if (lvl == DIAG_ERROR) {
        d->nerrors++;
        if (d->nerrors == d->max_errors + 1)
            fprintf(d->out, "%s: too many errors; stopping here\n", d->src->path);
        if (d->nerrors > d->max_errors)
            return;
    } else if (lvl == DIAG_WARNING) {
        d->nwarnings++;
    }
    if (lvl != DIAG_ERROR && d->nerrors > d->max_errors)
        return;
    int line, col;
    diag_line_col(d->src, sp.off, &line, &col);
    if (d->color)
        fputs("\033[1m", d->out);
    fprintf(d->out, "%s:%d:%d: ", d->src->path, line, col);
    if (d->color)
        fprintf(d->out, "%s%s:\033[0m\033[1m ", level_color[lvl], level_name[lvl]);
    else
        fprintf(d->out, "%s: ", level_name[lvl]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    if (d->color)
        fputs("\033[0m", d->out);
    fputc('\n', d->out);
    show_line(d, sp);
}

void diag_hint(Diags *d, const char *fmt, ...)
{
    if (d->nerrors > d->max_errors)
        return;
    if (d->json) {
        if (!d->jpending)
            return;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        char *msg = malloc((size_t)n + 1);
        if (!msg)
            return;
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
        str_add(&d->jhints, "%s", d->jhints.n ? ", " : "");
        json_str(&d->jhints, msg, strlen(msg));
        free(msg);
        return;
    }
    fputs("      = hint: ", d->out);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fputc('\n', d->out);
}

/* Edit distance, capped: names are short.  Levenshtein plus swapping two
 * neighbouring bytes as one edit (optimal string alignment), so that
 * 'feild' is one edit from 'field', not two (which 'find' is too). */
static int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return 99;
    int prev2[64], prev[64], cur[64];
    for (size_t j = 0; j <= m; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        memcpy(prev2, prev, sizeof(int) * (m + 1));
        memcpy(prev, cur, sizeof(int) * (m + 1));
    }
    return prev[m];
}

const char *diag_suggest(const char *name, const char *const *cands, int n)
{
    const char *best = NULL;
    int bestd = 99;
    size_t len = strlen(name);
    int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    for (int i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        int dist = edit_distance(name, cands[i]);
        if (dist < bestd && dist <= limit) {
            bestd = dist;
            best = cands[i];
        }
    }
    return best;
}
