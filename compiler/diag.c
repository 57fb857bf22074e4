/* diag.c — diagnostics that look like a C compiler's.
 *
 *   wc.fpipe:5:17: error: unknown function 'split_w'
 *       5 | flatmap words = split_w(lines)
 *         |                 ^~~~~~~
 *         = hint: did you mean 'split_ws'?
 *
 * Positions are byte offsets until something is reported; the line and
 * column (1-based, in bytes) are computed here.  Every diagnostic is
 * rendered when reported (its notes and hints join it) and held; diag_flush
 * prints them sorted by position, so the checker's passes may report in
 * any order.  Colours (--color) are clang's.
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
    diag_set_color(d, COLOR_AUTO);
    d->max_errors = 50;
}

int diag_color_when(const char *word)
{
    return !strcmp(word, "auto")     ? COLOR_AUTO
           : !strcmp(word, "always") ? COLOR_ALWAYS
           : !strcmp(word, "never")  ? COLOR_NEVER
                                     : -1;
}

/* auto: when the stream is a terminal and NO_COLOR is unset or empty
 * (no-color.org); always and never say it outright. */
void diag_set_color(Diags *d, int when)
{
    if (when == COLOR_AUTO) {
        const char *nc = getenv("NO_COLOR");
        d->color = isatty(fileno(d->out)) && !(nc && *nc);
    } else {
        d->color = when == COLOR_ALWAYS;
    }
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
/* clang's: bold red, bold magenta, bold black; the caret bold green, a
 * hint (clang's fix-it) green. */
static const char *level_color[] = {"\033[1;31m", "\033[1;35m", "\033[1;30m"};
#define COLOR_CARET "\033[1;32m"
#define COLOR_HINT "\033[0;32m"
#define COLOR_BOLD "\033[1m"
#define COLOR_OFF "\033[0m"

/* fmt with ap, malloc'd (NULL when out of memory). */
static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = n < 0 ? NULL : malloc((size_t)n + 1);
    if (msg)
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
    return msg;
}

/* Context lines longer than this many bytes are clipped around the caret,
 * with an ellipsis at each cut. */
enum { CONTEXT_WIDTH = 120 };
static const char ellipsis[] = "\xe2\x80\xa6";   /* U+2026, one column */

/* Is byte c the continuation of a UTF-8 sequence?  (Cuts go between
 * characters.) */
static bool utf8_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/* The source line holding off, printed with a gutter, and a caret range
 * under [off, off+len) clipped to that line.  Tabs are kept in the caret
 * line so that it lines up in a terminal.  A line over CONTEXT_WIDTH
 * bytes shows CONTEXT_WIDTH bytes of it: from its start when the caret
 * is in the first 100, else from 40 before the caret. */
static void show_line(Diags *d, Span sp)
{
    const Source *src = d->src;
    Str *o = &d->cur;
    int line, col;
    diag_line_col(src, sp.off, &line, &col);
    uint32_t bol = sp.off - (uint32_t)(col - 1);
    uint32_t eol = bol;
    while (eol < src->len && src->text[eol] != '\n')
        eol++;
    uint32_t from = bol, to = eol;
    if (eol - bol > CONTEXT_WIDTH) {
        uint32_t at = sp.off < eol ? sp.off : eol;
        /* from the line's start while the caret is well inside the width */
        from = at - bol + CONTEXT_WIDTH / 6 <= CONTEXT_WIDTH ? bol : at - CONTEXT_WIDTH / 3;
        to = from + CONTEXT_WIDTH < eol ? from + CONTEXT_WIDTH : eol;
        if (to == eol)
            from = eol - CONTEXT_WIDTH;
        while (from > bol && from < at && utf8_cont((unsigned char)src->text[from]))
            from++;
        while (to < eol && to > at && utf8_cont((unsigned char)src->text[to]))
            to--;
    }
    str_add(o, "%5d | %s", line, from > bol ? ellipsis : "");
    for (uint32_t i = from; i < to; i++) {
        char c = src->text[i];
        str_addn(o, c == 0 ? " " : &c, 1);   /* a NUL would cut the line */
    }
    str_add(o, "%s\n      | %s", to < eol ? ellipsis : "", from > bol ? " " : "");
    for (uint32_t i = from; i < sp.off && i < to; i++)
        str_add(o, "%c", src->text[i] == '\t' ? '\t' : ' ');
    if (d->color)
        str_add(o, COLOR_CARET);
    uint32_t end = sp.off + sp.len;
    if (end > to)
        end = to;
    str_add(o, "^");
    for (uint32_t i = sp.off + 1; i < end; i++)
        str_add(o, "~");
    if (d->color)
        str_add(o, COLOR_OFF);
    str_add(o, "\n");
}

/* ---- held diagnostics --------------------------------------------- */

/* The diagnostic being built (text and its notes and hints) joins the
 * held ones.  Past 20 times max_errors nothing more is held: those could
 * not be printed anyway (they are still counted). */
static void close_cur(Diags *d)
{
    if (d->json && d->jpending) {
        str_add(&d->cur, "{%.*s, \"hints\": [%.*s], \"notes\": [%.*s]}\n", (int)d->jmain.n,
                d->jmain.p ? d->jmain.p : "", (int)d->jhints.n, d->jhints.p ? d->jhints.p : "",
                (int)d->jnotes.n, d->jnotes.p ? d->jnotes.p : "");
        d->jmain.n = d->jhints.n = d->jnotes.n = 0;
        d->jpending = false;
    }
    if (!d->curopen)
        return;
    d->curopen = false;
    DiagEntry *e = &d->held[d->nheld++];   /* open_cur made room and set its key */
    e->text = d->cur.p;
    e->len = d->cur.n;
    d->cur = (Str){0};
}

/* Start holding a new diagnostic at off; false when it is not held. */
static bool open_cur(Diags *d, DiagLevel lvl, uint32_t off)
{
    close_cur(d);
    if (d->nheld >= 20 * d->max_errors)
        return false;
    d->curopen = true;
    d->cur = (Str){0};
    if (d->nheld == d->capheld) {
        int cap = d->capheld ? 2 * d->capheld : 16;
        DiagEntry *h = realloc(d->held, (size_t)cap * sizeof *h);
        if (!h) {
            d->curopen = false;
            return false;
        }
        d->held = h;
        d->capheld = cap;
    }
    /* the slot's place is taken by close_cur; remember the key here */
    d->held[d->nheld] = (DiagEntry){.off = off, .seq = d->seq++, .lvl = lvl};
    return true;
}

static int entry_cmp(const void *pa, const void *pb)
{
    const DiagEntry *a = pa, *b = pb;
    if (a->off != b->off)
        return a->off < b->off ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

void diag_flush(Diags *d)
{
    close_cur(d);
    if (d->nheld > 1)   /* (qsort wants a real array, even of none) */
        qsort(d->held, (size_t)d->nheld, sizeof *d->held, entry_cmp);
    for (int i = 0; i < d->nheld; i++) {
        DiagEntry *e = &d->held[i];
        if (!d->stopped && e->lvl == DIAG_ERROR && ++d->nprinted_errors > d->max_errors) {
            d->stopped = true;
            if (!d->json)
                fprintf(d->out, "%s: too many errors; stopping here\n", d->src->path);
        }
        if (!d->stopped && e->text)
            fwrite(e->text, 1, e->len, d->out);
        free(e->text);
    }
    d->nheld = 0;
    fflush(d->out);
}

void diag_finish(Diags *d)
{
    diag_flush(d);
    if (d->finished)
        return;
    d->finished = true;
    if (!d->json && (d->nerrors || d->nwarnings)) {
        if (d->nwarnings)
            fprintf(d->out, "%d warning%s%s", d->nwarnings, d->nwarnings == 1 ? "" : "s",
                    d->nerrors ? " and " : "");
        if (d->nerrors)
            fprintf(d->out, "%d error%s", d->nerrors, d->nerrors == 1 ? "" : "s");
        fputs(" generated.\n", d->out);
    }
    free(d->held);
    d->held = NULL;
    d->nheld = d->capheld = 0;
    str_free(&d->cur);
    str_free(&d->jmain);
    str_free(&d->jhints);
    str_free(&d->jnotes);
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

/* One diagnostic as a JSON line; notes and hints are held and attached
 * to the error or warning before them (close_cur writes it). */
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
    if (!open_cur(d, lvl, sp.off))
        return;
    json_place(d, &d->jmain, sp);
    str_add(&d->jmain, ", \"level\": \"%s\", \"message\": ", level_name[lvl]);
    json_str(&d->jmain, msg, strlen(msg));
    d->jpending = true;
}

/* Report a diagnostic at sp (text with the source line and a caret, or
 * JSON); counts errors and warnings.  A note joins the error or warning
 * before it. */
void diag_at(Diags *d, DiagLevel lvl, Span sp, const char *fmt, ...)
{
    if (lvl == DIAG_ERROR)
        d->nerrors++;
    else if (lvl == DIAG_WARNING)
        d->nwarnings++;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg)
        return;
    if (d->json) {
        json_diag(d, lvl, sp, msg);
        free(msg);
        return;
    }
    if ((lvl != DIAG_NOTE || !d->curopen) && !open_cur(d, lvl, sp.off)) {
        free(msg);
        return;
    }
    Str *o = &d->cur;
    int line, col;
    diag_line_col(d->src, sp.off, &line, &col);
    if (d->color)
        str_add(o, COLOR_BOLD);
    str_add(o, "%s:%d:%d: ", d->src->path, line, col);
    if (d->color)
        str_add(o, "%s%s:" COLOR_OFF COLOR_BOLD " %s" COLOR_OFF "\n", level_color[lvl],
                level_name[lvl], msg);
    else
        str_add(o, "%s: %s\n", level_name[lvl], msg);
    free(msg);
    show_line(d, sp);
}

void diag_hint(Diags *d, const char *fmt, ...)
{
    if (!d->curopen)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg)
        return;
    if (d->json) {
        if (d->jpending) {
            str_add(&d->jhints, "%s", d->jhints.n ? ", " : "");
            json_str(&d->jhints, msg, strlen(msg));
        }
    } else if (d->color) {
        str_add(&d->cur, "      = " COLOR_HINT "hint:" COLOR_OFF " %s\n", msg);
    } else {
        str_add(&d->cur, "      = hint: %s\n", msg);
    }
    free(msg);
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
