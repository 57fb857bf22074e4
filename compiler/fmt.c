/* fmt.c — fpipec fmt: every .fpipe file in one canonical layout.
 *
 *   fpipec fmt FILE...        the formatted text on standard output
 *   fpipec fmt -i FILE...     rewrite the files (temp file + rename)
 *   fpipec fmt --check FILE...  exit 1, listing them, if any is not formatted
 *
 * The file must parse (parse.c; errors are reported as `check` reports
 * them).  The formatter then works on the token stream, not the AST: it
 * re-lexes the file with lex_next and reads the gaps between tokens,
 * which hold only whitespace and `#` comments (the lexer skips nothing
 * else in a file that parses).  So every comment is kept where it was,
 * and the author's line breaks inside a body are kept; what is
 * canonical is the rest (docs/formatting.md):
 *
 *   - every item (pipeline, operator, type, extern, link, monoid) starts
 *     a line at column 0; an operator's head `KIND NAME : TYPE =` is one
 *     line, and the heads of a file are in columns: keyword, name,
 *     `: type`, `=` (combine_per_key is too long for the keyword column
 *     and spans the keyword and name columns);
 *   - one space between tokens, none inside ( ) [ ], before , . : or a
 *     call's (, after . or a unary - !; `x : T` after an operator's or a
 *     monoid's name, `x: T` elsewhere;
 *   - lines of a body are indented by structure: 4 for a line that starts
 *     a clause (the body's first token, let, if, else, on_error and the
 *     other options), 8 for one that continues it; inside brackets, 4
 *     more than the line that opened the innermost one, and a line
 *     starting with a closing bracket as that line;
 *   - one blank line where the author left one or more, none at the
 *     start or the end, in a head, or before a line it would not start;
 *   - a comment on its own line takes the indentation of the next line of
 *     code; trailing comments of consecutive lines are aligned, two spaces
 *     after the longest line; a comment inside an operator's head moves
 *     above the operator.
 *
 * It cannot change the meaning: the result is lexed again and must give
 * the same tokens and the same comments, and formatting it again must
 * change nothing; otherwise fmt stops with an internal error and writes
 * nothing.
 */
#include "fpipec.h"
#include "fpipe.h"   /* TK_* from lemon */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FMT_COMMENT (-1)   /* an element that is a comment, not a token */

/* A token or a comment of the source, in order. */
typedef struct Elem {
    int kind;                /* TK_*, or FMT_COMMENT */
    Span span;               /* a comment: '#' to the end of the line, less trailing blanks */
    int nl;                  /* newlines in the source since the previous element */
} Elem;

/* One line of the output. */
typedef struct Line {
    int indent;              /* -1: an own-line comment that takes the next line's */
    bool rel;                /* indent counts from the column after the heads' "= " */
    bool blank_before;
    bool is_comment;         /* the line is a comment (in code) */
    Str code;                /* an operator's head: what follows its '=' */
    Span comment;            /* a trailing comment (len 0: none) */
    int op;                  /* an operator's head: its index in ops, else -1 */
    int ntok;                /* tokens on the line */
    int let_name_end;        /* `let NAME = ...`: where NAME ends in code, else 0 */
} Line;

/* An operator's head, laid out in columns once all are known. */
typedef struct OpHead {
    int kw;                  /* TK_* of its keyword */
    Span name;
    Str type;                /* as formatted; empty when not declared */
} OpHead;

/* An open bracket: where the lines inside it and a line starting with
 * its closing bracket go.  A bracket followed by a token on its line is
 * "visual": the lines inside align one column right of it; one that ends
 * its line is a block: the lines inside are indented by 4. */
typedef struct Open {
    int inside, close;
    bool rel;                /* columns after an operator head's '=' (see Line) */
} Open;

typedef struct Fmt {
    const Source *src;
    Elem *e;
    int ne;
    Line *lines;
    int nlines, lcap;
    OpHead *ops;
    int nops, ocap;
    Open *open;              /* the brackets open at this point, innermost last */
    int nopen, opcap;
} Fmt;

static void *grow(void *p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return p;
    int n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(p, (size_t)n * size);
    if (!q) {
        fputs("fpipec: out of memory\n", stderr);
        exit(2);
    }
    *cap = n;
    return q;
}

static const char *text_of(const Fmt *f, Span s)
{
    return f->src->text + s.off;
}

/* ---- the elements: tokens from lex_next, comments from the gaps ---- */

/* Split the gap [from, to) of src into comments; count its newlines.
 * False if it holds anything else (the lexer and this scan disagree). */
static bool scan_gap(const Source *src, uint32_t from, uint32_t to, Elem **e, int *ne, int *cap,
                     int *nl)
{
    const char *t = src->text;
    uint32_t i = from;
    while (i < to) {
        char c = t[i];
        if (c == '\n') {
            (*nl)++;
            i++;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            i++;
        } else if (c == '#') {
            uint32_t j = i;
            while (j < to && t[j] != '\n')
                j++;
            uint32_t end = j;
            while (end > i && (t[end - 1] == ' ' || t[end - 1] == '\t' || t[end - 1] == '\r'))
                end--;
            *e = grow(*e, cap, *ne + 1, sizeof **e);
            (*e)[(*ne)++] = (Elem){FMT_COMMENT, {i, end - i}, *nl};
            *nl = 0;
            i = j;
        } else {
            return false;
        }
    }
    return true;
}

/* Every token and comment of src, in order (into *out).  False if the gap
 * scan meets a byte the lexer skipped but is no whitespace or comment. */
static bool elements(const Source *src, Elem **out, int *n)
{
    Diags d;
    diag_init(&d, src, stderr);
    Lexer lx;
    lex_init(&lx, src, &d);
    Elem *e = NULL;
    int ne = 0, cap = 0;
    uint32_t prev_end = 0;
    for (;;) {
        Token t;
        int kind = lex_next(&lx, &t);
        int nl = 0;
        if (!scan_gap(src, prev_end, kind ? t.span.off : (uint32_t)src->len, &e, &ne, &cap, &nl)) {
            free(e);
            return false;
        }
        if (!kind)
            break;
        e = grow(e, &cap, ne + 1, sizeof *e);
        e[ne++] = (Elem){kind, t.span, nl};
        prev_end = t.span.off + t.span.len;
    }
    diag_finish(&d);
    *out = e;
    *n = ne;
    return d.nerrors == 0;
}

/* ---- spacing between two tokens on one line -------------------------- */

static bool is_item_kw(int k)
{
    return k == TK_PIPELINE || (k >= TK_SOURCE && k <= TK_MONOID);
}

static bool is_op_kw(int k)
{
    return k >= TK_SOURCE && k <= TK_SINK;
}

static bool is_opener(int k)
{
    return k == TK_LPAREN || k == TK_LBRACKET || k == TK_LBRACE;
}

static bool is_closer(int k)
{
    return k == TK_RPAREN || k == TK_RBRACKET || k == TK_RBRACE;
}

/* Does a token of this kind end an operand (so a '-' after it is binary)? */
static bool ends_operand(int k)
{
    return k == TK_IDENT || k == TK_INT || k == TK_FLOAT || k == TK_STRING || k == TK_TRUE ||
           k == TK_FALSE || is_closer(k);
}

/* The kinds of the two tokens before the current one, and whether the
 * current one is the colon after a declared name. */
typedef struct Ctx {
    int prev, prev2;
    bool decl_colon;
} Ctx;

/* Whether to put a space between the previous token and one of kind k. */
static bool space_before(const Ctx *c, int k)
{
    int p = c->prev;
    if (p == TK_LPAREN || p == TK_LBRACKET || p == TK_DOT)
        return false;
    if (k == TK_RPAREN || k == TK_RBRACKET || k == TK_COMMA || k == TK_QUESTION)
        return false;   /* ..., i64? */
    if (k == TK_COLON)
        return c->decl_colon;
    if (k == TK_DOT)   /* "1 .5" is an integer's field, "1.5" a number */
        return p == TK_INT && c->prev2 != TK_DOT;
    if (k == TK_LPAREN && (p == TK_IDENT || p == TK_COMBINE))
        return false;   /* a call, an extern's parameters, a monoid's combine(a, b) */
    if ((p == TK_MINUS && !ends_operand(c->prev2)) || p == TK_NOT)
        return false;   /* unary */
    return true;
}

/* ---- building the lines ------------------------------------------- */

/* Display width: UTF-8 continuation bytes take no column. */
static int width(const char *p, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)p[i] & 0xc0) != 0x80;
    return w;
}


static Line *new_line(Fmt *f, int indent, bool blank, bool rel)
{
    f->lines = grow(f->lines, &f->lcap, f->nlines + 1, sizeof *f->lines);
    Line *l = &f->lines[f->nlines++];
    memset(l, 0, sizeof *l);
    l->indent = indent;
    l->rel = rel;
    l->blank_before = blank && f->nlines > 1;
    l->op = -1;
    /* Own-line comments just before take this line's indentation. */
    for (int i = f->nlines - 2; i >= 0 && f->lines[i].indent < 0; i--) {
        f->lines[i].indent = indent;
        f->lines[i].rel = rel;
    }
    return l;
}

static void add_tok(Fmt *f, Str *s, const Ctx *c, const Elem *e)
{
    if (s->n && space_before(c, e->kind))
        str_addn(s, " ", 1);
    str_addn(s, text_of(f, e->span), e->span.len);
}

/* The indentation of a body line that starts with token kind k, at
 * bracket depth f->nopen (k's own closing bracket not yet popped). */
static int body_indent(const Fmt *f, int k, bool in_op, bool first_of_body, bool *rel)
{
    *rel = false;
    if (f->nopen > 0) {
        const Open *o = &f->open[f->nopen - 1];
        *rel = o->rel;
        return is_closer(k) ? o->close : o->inside;
    }
    if (!in_op)
        return 4;
    bool clause = first_of_body || k == TK_LET || k == TK_IF || k == TK_ELSE ||
                  k == TK_ON_ERROR || k == TK_MAX_BATCH || k == TK_BY || k == TK_RETRY ||
                  k == TK_MATERIALIZE;
    return clause ? 4 : 8;
}

static void push_open(Fmt *f, Open o)
{
    f->open = grow(f->open, &f->opcap, f->nopen + 1, sizeof *f->open);
    f->open[f->nopen++] = o;
}

/* Lay the elements out into lines (operator heads not yet in columns). */
static void layout(Fmt *f)
{
    Line *cur = NULL;        /* the line being filled (index kept: lines move) */
    int curi = -1;
    int item = 0;            /* TK_* of the item being laid out */
    int head_left = 0;       /* non-op item: head tokens still to join */
    bool in_head = false;    /* op: between its keyword and its '=' */
    bool in_type = false;    /* ... after the ':' */
    bool body_first = false; /* the next token is the op's body's first */
    int head_line = -1;      /* the current item's first line */
    int name_seen = 0;       /* tokens since the item keyword */
    OpHead *op = NULL;
    Ctx c = {0};
    for (int i = 0; i < f->ne; i++) {
        const Elem *e = &f->e[i];
        cur = curi >= 0 ? &f->lines[curi] : NULL;
        if (e->kind == FMT_COMMENT) {
            if ((in_head || head_left > 0) && head_line >= 0) {
                /* In a head: the comment moves above the item. */
                f->lines = grow(f->lines, &f->lcap, f->nlines + 1, sizeof *f->lines);
                memmove(&f->lines[head_line + 1], &f->lines[head_line],
                        (size_t)(f->nlines - head_line) * sizeof *f->lines);
                f->nlines++;
                Line *l = &f->lines[head_line];
                memset(l, 0, sizeof *l);
                l->op = -1;
                l->is_comment = true;
                l->blank_before = f->lines[head_line + 1].blank_before;
                f->lines[head_line + 1].blank_before = false;
                str_addn(&l->code, text_of(f, e->span), e->span.len);
                head_line++;
                curi++;
                continue;
            }
            if (e->nl == 0 && cur && !cur->comment.len && i > 0) {
                cur->comment = e->span;
                continue;
            }
            Line *l = new_line(f, -1, e->nl >= 2, false);
            l->is_comment = true;
            str_addn(&l->code, text_of(f, e->span), e->span.len);
            curi = -1;
            continue;
        }

        int k = e->kind;
        bool starts_item = f->nopen == 0 && is_item_kw(k) && !in_head;
        if (starts_item) {
            cur = new_line(f, 0, e->nl >= 2, false);
            curi = f->nlines - 1;
            head_line = curi;
            item = k;
            name_seen = 0;
            c = (Ctx){0};
            if (is_op_kw(k)) {
                f->ops = grow(f->ops, &f->ocap, f->nops + 1, sizeof *f->ops);
                op = &f->ops[f->nops];
                memset(op, 0, sizeof *op);
                op->kw = k;
                cur->op = f->nops++;
                in_head = true;
                in_type = false;
            } else {
                str_addn(&cur->code, text_of(f, e->span), e->span.len);
                head_left = 1;
            }
        } else if (in_head) {
            name_seen++;
            if (name_seen == 1) {
                op->name = e->span;
            } else if (k == TK_EQ && f->nopen == 0) {
                in_head = false;
                body_first = true;
            } else if (k == TK_COLON && !in_type) {
                in_type = true;
            } else {
                add_tok(f, &op->type, &c, e);
                if (is_opener(k))
                    push_open(f, (Open){0, 0, false});
                else if (is_closer(k) && f->nopen > 0)
                    f->nopen--;
            }
        } else if (head_left > 0) {
            name_seen++;
            head_left--;
            add_tok(f, &cur->code, &c, e);
        } else {
            bool in_op = is_op_kw(item);
            if (e->nl > 0 || !cur || cur->comment.len) {
                bool rel;
                int ind = body_indent(f, k, in_op, body_first, &rel);
                cur = new_line(f, ind, e->nl >= 2, rel);
                curi = f->nlines - 1;
            }
            Ctx cc = c;
            cc.decl_colon = k == TK_COLON && (item == TK_MONOID || item == TK_PARAM) &&
                            name_seen == 1;
            add_tok(f, &cur->code, &cc, e);
            cur->ntok++;
            if (cur->ntok == 2 && k == TK_IDENT && c.prev == TK_LET && cur->op < 0)
                cur->let_name_end = (int)cur->code.n;
            else if (cur->ntok == 3 && k != TK_EQ)
                cur->let_name_end = 0;
            else if (cur->ntok == 2)
                cur->let_name_end = 0;
            name_seen++;
            body_first = false;
            if (is_opener(k)) {
                /* An operator head's rest: columns from after its "= ". */
                bool head = cur->op >= 0;
                int base = head ? 0 : cur->indent;
                bool rel = head || cur->rel;
                int col = base + width(cur->code.p, cur->code.n);
                bool visual = i + 1 < f->ne && f->e[i + 1].kind != FMT_COMMENT &&
                              f->e[i + 1].nl == 0;
                if (visual)   /* ("{ a: str": after the space) */
                    push_open(f, (Open){col + (k == TK_LBRACE), col - 1, rel});
                else if (head)
                    push_open(f, (Open){4, 0, false});
                else
                    push_open(f, (Open){base + 4, base, rel});
            } else if (is_closer(k) && f->nopen > 0)
                f->nopen--;
        }
        /* the kinds seen, for unary '-' and "1 .5", across line breaks */
        c.prev2 = c.prev;
        c.prev = k;
    }
    /* Own-line comments at the end of the file. */
    for (int i = f->nlines - 1; i >= 0 && f->lines[i].indent < 0; i--)
        f->lines[i].indent = 0;
}

/* ---- columns and output -------------------------------------------- */

static void pad_to(Str *s, size_t col)
{
    while (s->n < col)
        str_addn(s, " ", 1);
}

/* Render the operator heads in columns (into each head line's code). */
static void columns(Fmt *f)
{
    size_t wk = 7, wn = 0;   /* the keyword column: flatmap, combine, or wider */
    bool typed = false;
    for (int i = 0; i < f->nops; i++) {
        const OpHead *o = &f->ops[i];
        if (o->kw == TK_COMBINE_PER_KEY)
            continue;
        size_t n = strlen(lex_token_desc(o->kw)) - 2;   /* "'map'" */
        if (n > wk)
            wk = n;
        if (o->type.n) {
            typed = true;
            if (o->name.len > wn)
                wn = o->name.len;
        }
    }
    size_t colon = wk + 1 + wn + 1;   /* where a declared type's ':' goes */
    Str *pre = calloc((size_t)(f->nops ? f->nops : 1), sizeof *pre);
    if (!pre) {
        fputs("fpipec: out of memory\n", stderr);
        exit(2);
    }
    size_t eq = 0;
    for (int i = 0; i < f->nops; i++) {
        const OpHead *o = &f->ops[i];
        const char *kw = lex_token_desc(o->kw) + 1;
        size_t kwn = strlen(kw) - 1;
        str_addn(&pre[i], kw, kwn);
        if (o->kw != TK_COMBINE_PER_KEY)
            pad_to(&pre[i], wk);
        str_addn(&pre[i], " ", 1);
        str_addn(&pre[i], text_of(f, o->name), o->name.len);
        if (o->type.n) {
            if (typed && pre[i].n < colon)
                pad_to(&pre[i], colon);
            else
                str_addn(&pre[i], " ", 1);
            str_add(&pre[i], ": %s", o->type.p);
        }
        if (pre[i].n + 1 > eq)
            eq = pre[i].n + 1;
    }
    for (int li = 0; li < f->nlines; li++) {
        Line *l = &f->lines[li];
        if (l->rel) {
            l->indent += (int)eq + 2;
            l->rel = false;
        }
        if (l->op < 0)
            continue;
        Str h = pre[l->op];
        pad_to(&h, eq);
        str_addn(&h, "=", 1);
        if (l->code.n) {
            str_addn(&h, " ", 1);
            str_addn(&h, l->code.p, l->code.n);
        }
        str_free(&l->code);
        l->code = h;
        pre[l->op] = (Str){0};
    }
    free(pre);
}

/* Align the '=' of consecutive `let NAME =` lines of one indentation. */
static void align_lets(Fmt *f)
{
    for (int i = 0; i < f->nlines;) {
        if (f->lines[i].let_name_end <= 0 || f->lines[i].ntok < 3) {
            i++;
            continue;
        }
        int j = i, col = 0;
        while (j < f->nlines && f->lines[j].let_name_end > 0 && f->lines[j].ntok >= 3 &&
               f->lines[j].indent == f->lines[i].indent && (j == i || !f->lines[j].blank_before)) {
            if (f->lines[j].let_name_end > col)
                col = f->lines[j].let_name_end;
            j++;
        }
        for (; i < j; i++) {
            Line *l = &f->lines[i];
            Str s = {0};
            str_addn(&s, l->code.p, (size_t)l->let_name_end);
            pad_to(&s, (size_t)col);
            str_addn(&s, l->code.p + l->let_name_end, l->code.n - (size_t)l->let_name_end);
            str_free(&l->code);
            l->code = s;
        }
    }
}

/* The output text: indentation, blank lines, trailing comments aligned
 * within each run of consecutive lines that have one. */
static void render(Fmt *f, Str *out)
{
    for (int i = 0; i < f->nlines;) {
        int j = i;
        int col = 0;
        if (f->lines[i].comment.len) {
            while (j < f->nlines && f->lines[j].comment.len &&
                   (j == i || !f->lines[j].blank_before)) {
                const Line *l = &f->lines[j];
                int w = l->indent + width(l->code.p, l->code.n);
                if (w > col)
                    col = w;
                j++;
            }
            col += 2;
        } else {
            j = i + 1;
        }
        for (; i < j; i++) {
            const Line *l = &f->lines[i];
            if (l->blank_before)
                str_addn(out, "\n", 1);
            for (int s = 0; s < l->indent; s++)
                str_addn(out, " ", 1);
            if (l->code.n)
                str_addn(out, l->code.p, l->code.n);
            if (l->comment.len) {
                int w = l->indent + width(l->code.p, l->code.n);
                for (; w < col; w++)
                    str_addn(out, " ", 1);
                str_addn(out, text_of(f, l->comment), l->comment.len);
            }
            str_addn(out, "\n", 1);
        }
    }
}

static void fmt_free(Fmt *f)
{
    for (int i = 0; i < f->nlines; i++)
        str_free(&f->lines[i].code);
    for (int i = 0; i < f->nops; i++)
        str_free(&f->ops[i].type);
    free(f->lines);
    free(f->ops);
    free(f->open);
    free(f->e);
}

/* Format src (which parses) into out.  False if the gap scan fails. */
static bool format_source(const Source *src, Str *out)
{
    Fmt f = {.src = src};
    if (!elements(src, &f.e, &f.ne)) {
        free(f.e);
        return false;
    }
    layout(&f);
    columns(&f);
    align_lets(&f);
    render(&f, out);
    if (!out->p)
        str_addn(out, "", 0);
    fmt_free(&f);
    return true;
}

/* Do a and b hold the same tokens, and the same comments, each in the
 * same order (a comment may move across tokens: out of a head)?  Else
 * the line in b of the first difference (in *line). */
static bool same_elements(const Source *a, const Source *b, int *line)
{
    Elem *ea = NULL, *eb = NULL;
    int na = 0, nb = 0;
    bool ok = elements(a, &ea, &na) && elements(b, &eb, &nb);
    uint32_t at = 0;   /* in b: where they differ */
    for (int pass = 0; ok && pass < 2; pass++) {
        int i = 0, j = 0;
        for (;;) {
            /* pass 0 compares the tokens, pass 1 the comments */
            while (i < na && (ea[i].kind == FMT_COMMENT) != pass)
                i++;
            while (j < nb && (eb[j].kind == FMT_COMMENT) != pass)
                j++;
            if (i == na || j == nb) {
                ok = i == na && j == nb;
                if (!ok)
                    at = j < nb ? eb[j].span.off : (uint32_t)b->len;
                break;
            }
            if (ea[i].kind != eb[j].kind || ea[i].span.len != eb[j].span.len ||
                memcmp(a->text + ea[i].span.off, b->text + eb[j].span.off, ea[i].span.len)) {
                ok = false;
                at = eb[j].span.off;
                break;
            }
            i++;
            j++;
        }
    }
    if (!ok) {
        int col;
        diag_line_col(b, at, line, &col);
    }
    free(ea);
    free(eb);
    return ok;
}

/* Format src, a file that parses, into out, and check the result: the
 * same tokens and comments, and formatting it again changes nothing.
 * 0, or after a failed check the line of the result near the difference
 * (at least 1). */
int fmt_source(const Source *src, Str *out)
{
    int line = 1;
    Str again = {0};
    bool ok = format_source(src, out);
    if (ok) {
        Source fsrc = {src->path, out->p, out->n};
        ok = same_elements(src, &fsrc, &line) && format_source(&fsrc, &again) &&
             again.n == out->n && memcmp(again.p, out->p, out->n) == 0;
    }
    str_free(&again);
    return ok ? 0 : line > 0 ? line : 1;
}

/* ---- the command ----------------------------------------------------- */

static void fmt_usage(FILE *out)
{
    fputs("usage: fpipec fmt [-i | --check] FILE.fpipe...\n"
          "\n"
          "Print each .fpipe file in the canonical layout (docs/formatting.md);\n"
          "'-' reads standard input.  A file that does not parse is reported as\n"
          "`fpipec check` reports it and left as it is.\n"
          "\n"
          "options:\n"
          "  -i, --in-place   rewrite the files that are not formatted (atomically,\n"
          "                   keeping their mode)\n"
          "  --check          write nothing; list the files that are not formatted\n"
          "                   and exit 1 if there is one\n"
          "  -h, --help       this text\n"
          "\n"
          "exit codes: 0 success (--check: every file is formatted), 1 a file does\n"
          "not parse (--check: or is not formatted), 2 usage or I/O error\n",
          out);
}

enum { MODE_PRINT, MODE_IN_PLACE, MODE_CHECK };

/* Format one file; 0, 1 (does not parse; --check: not formatted) or 2. */
static int fmt_file(const char *path, int mode)
{
    size_t len;
    char *text = file_read(path, &len, FILE_STDIN);
    if (!text)
        return 2;
    Source src = {strcmp(path, "-") ? path : "<stdin>", text, len};
    Arena *a = arena_new();
    Diags d;
    diag_init(&d, &src, stderr);
    Program *prog = parse_program(a, &src, &d);
    diag_finish(&d);
    int rc = 0;
    Str out = {0};
    if (!prog) {
        rc = 1;   /* diag_finish said how many errors */
        goto done;
    }
    int line = fmt_source(&src, &out);
    if (line) {
        fprintf(stderr, "fpipec: internal error: fmt would change '%s' (near line %d of the "
                        "result); the file is left as it is\n", src.path, line);
        rc = 2;
        goto done;
    }
    bool same = out.n == len && memcmp(out.p, text, len) == 0;
    if (mode == MODE_CHECK) {
        if (!same) {
            printf("%s\n", src.path);
            rc = 1;
        }
    } else if (mode == MODE_IN_PLACE) {
        if (!same && !write_file(path, &out))
            rc = 2;
    } else {
        rc = fwrite(out.p, 1, out.n, stdout) == out.n ? 0 : 2;
    }
done:
    str_free(&out);
    arena_free(a);
    types_reset();
    free(text);
    return rc;
}

/* fmt's options: -i/--in-place, --check, -h/--help. */
static const struct option longopts[] = {
    {"in-place", no_argument, NULL, 'i'},
    {"check", no_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const char shortopts[] = "+ih";

void fmt_list_options(FILE *f)
{
    for (const struct option *o = longopts; o->name; o++) {
        if (strchr(shortopts + 1, o->val))
            fprintf(f, "-%c \n", o->val);
        fprintf(f, "--%s \n", o->name);
    }
}

/* fpipec fmt [options] FILE...: argv[0] is "fmt". */
int fmt_main(int argc, char **argv)
{
    int mode = MODE_PRINT;
    optind = 0;   /* glibc: start afresh, whatever parsed argv before */
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (ch) {
        case 'i':
        case 'c':
            if (mode != MODE_PRINT && mode != (ch == 'i' ? MODE_IN_PLACE : MODE_CHECK)) {
                fputs("fpipec: error: fmt takes -i or --check, not both\n", stderr);
                return 2;
            }
            mode = ch == 'i' ? MODE_IN_PLACE : MODE_CHECK;
            break;
        case 'h':
            fmt_usage(stdout);
            return 0;
        default:
            fprintf(stderr, "fpipec: error: unknown option '%s' for fmt (see fpipec fmt --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind >= argc) {
        fputs("fpipec: error: fmt needs a .fpipe file ('-' for standard input)\n", stderr);
        fmt_usage(stderr);
        return 2;
    }
    for (int i = optind; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if ((n > 5 && !strcmp(argv[i] + n - 5, ".yaml")) ||
            (n > 4 && !strcmp(argv[i] + n - 4, ".yml"))) {
            fprintf(stderr, "fpipec: error: fmt formats .fpipe files, not YAML ('%s')\n",
                    argv[i]);
            return 2;
        }
        if (mode == MODE_IN_PLACE && !strcmp(argv[i], "-")) {
            fputs("fpipec: error: fmt -i cannot rewrite standard input\n", stderr);
            return 2;
        }
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        int r = fmt_file(argv[i], mode);
        if (r > rc)
            rc = r;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "fpipec: error: cannot write the output: %s\n", strerror(errno));
        rc = 2;
    }
    return rc;
}
