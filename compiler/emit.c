/* emit.c — the plan as C for libfpipe, written to be read in review.
 *
 * One function per fused stage, named after the operators it spans; each
 * operator's block starts with a comment quoting the operator and its
 * .fpipe line; C variables carry the operators' names.  Element types are
 * plain structs (tup2_str_i64 for (str, i64)), so the C compiler sees
 * through everything and the fused loop costs what a hand-written one does.
 */
#include "fpipec.h"

#include <stdarg.h>
#include <string.h>

typedef struct Emitter {
    Str *out;
    const Plan *plan;
    const Ir *ir;
    const EmitOpts *opts;
    int indent;
    int loops;               /* loops open in the current stage function */
    PtrVec names;            /* C names in use in the current function */
    Arena *arena;
    const char *queue;       /* stage 1's keyed-combine queue and its length */
    const char *queued;
    const char *batch_fn;    /* stage 1's batch function, if a batch_map */
    const char *batch_in, *batch_pos, *batch_n;   /* its buffer in stage 1 */
    bool in_segment_a;       /* emitting the operators before the batch_map */
    bool local_counts;       /* --stats counters are locals (stage 1) */
    const char **cnt;        /* the local counter of each stat slot, or NULL */
    bool *cnt_alias;         /* ... the previous operator's: no increment of its own */
    bool timed;              /* --stats: operator times in this loop (stage 1's timed variant) */
    int loop_op[64];         /* the operator of each open loop (its index) */
} Emitter;

/* ---- text helpers -------------------------------------------------- */

enum { MAX_COLS = 120 };   /* generated lines stay within this, comments aside */

/* Where a statement too long for one line may break: after ", " "; " or before
 * " || ", " && ", " ? ", " : ", outside string and character literals.
 * Returns the last such place before column `room` with the shallowest
 * parenthesis depth, or 0 for none. */
static size_t wrap_point(const char *p, size_t n, size_t room)
{
    size_t best = 0;
    int best_depth = 1 << 30, depth = 0;
    char quote = 0;
    for (size_t i = 0; i < n && i < room; i++) {
        char c = p[i];
        if (quote) {
            if (c == '\\')
                i++;
            else if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '(' || c == '{' || c == '[') {
            depth++;
        } else if (c == ')' || c == '}' || c == ']') {
            depth--;
        } else if (i > 0 && (((c == ',' || c == ';') && p[i + 1] == ' ') ||
                             (c == ' ' && (!strncmp(p + i, " || ", 4) || !strncmp(p + i, " && ", 4) ||
                                           !strncmp(p + i, " ? ", 3) || !strncmp(p + i, " : ", 3))))) {
            size_t at = c == ',' || c == ';' ? i + 1 : i;
            if (depth <= best_depth) {
                best = at;
                best_depth = depth;
            }
        }
    }
    return best;
}

/* One line of generated C at the current indentation.  A statement longer
 * than MAX_COLS is broken at wrap_point, its continuation lines indented
 * two levels deeper, and a trailing comment that does not fit goes on its
 * own line above; comments are never broken. */
static void line(Emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(Emitter *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(e->arena, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n;
    bool comment = len > 1 && ((p[0] == '/' && p[1] == '*') || (p[0] == ' ' && p[1] == '*'));
    const char *code_end = comment ? NULL : strstr(p, "   /* ");   /* a trailing comment */
    size_t code = code_end ? (size_t)(code_end - p) : len;
    int ind = e->indent;
    if (code_end && (size_t)ind * 4 + len > MAX_COLS) {
        /* A trailing comment that does not fit goes on its own line above. */
        for (int i = 0; i < ind; i++)
            str_add(e->out, "    ");
        str_addn(e->out, p, strspn(p, " "));
        str_add(e->out, "%s\n", code_end + 3);
        len = code;
        code_end = NULL;
    }
    while (!comment && (size_t)ind * 4 + len > MAX_COLS) {
        size_t room = MAX_COLS - (size_t)ind * 4;
        size_t at = wrap_point(p, code, room < code ? room : code);
        if (at == 0 || at >= code)
            break;
        for (int i = 0; i < ind; i++)
            str_add(e->out, "    ");
        while (at > 0 && p[at - 1] == ' ')
            at--;
        str_addn(e->out, p, at);
        str_add(e->out, "\n");
        while (p[at] == ' ')
            at++;
        p += at;
        len -= at;
        code -= at;
        if (ind == e->indent)
            ind += 2;
    }
    for (int i = 0; i < ind; i++)
        str_add(e->out, "    ");
    str_addn(e->out, p, len);
    str_add(e->out, "\n");
}

static void blank(Emitter *e)
{
    str_add(e->out, "\n");
}

/* A C string literal for any bytes (see fpipec.h). */
void emit_c_string(Str *s, const char *p, size_t n)
{
    str_add(s, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '"': str_add(s, "\\\""); break;
        case '\\': str_add(s, "\\\\"); break;
        case '\n': str_add(s, "\\n"); break;
        case '\t': str_add(s, "\\t"); break;
        case '?':
            /* Never write "??": a trigraph in older dialects. */
            str_add(s, (i + 1 < n && p[i + 1] == '?') ? "?\\" : "?");
            break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                /* Octal, three digits: a following digit can't extend it. */
                str_add(s, "\\%03o", c);
            } else {
                str_add(s, "%c", c);
            }
        }
    }
    str_add(s, "\"");
}

/* A comment's text must not close the comment or splice lines: used for
 * anything that comes from the .fpipe file. */
static const char *comment_safe(Emitter *e, const char *s)
{
    Str o = {0};
    for (const char *p = s; *p; p++) {
        /* One byte at a time, never skipping: "/ * /" stays apart. */
        if (p[0] == '*' && p[1] == '/')
            str_add(&o, "* ");
        else if (p[0] == '/' && p[1] == '*')
            str_add(&o, "/ ");
        else if (*p == '\n' || *p == '\r')
            str_add(&o, " ");
        else if (*p == '\\')
            str_add(&o, "\\ ");
        else if (p[0] == '?' && p[1] == '?')
            str_add(&o, "? ");
        else if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            str_add(&o, "?");
        else
            str_addn(&o, p, 1);
    }
    const char *r = arena_strndup(e->arena, o.p ? o.p : "", o.n);
    str_free(&o);
    return r;
}

/* ---- names --------------------------------------------------------- */

static bool name_used(Emitter *e, const char *n)
{
    for (int i = 0; i < e->names.n; i++)
        if (strcmp(e->names.v[i], n) == 0)
            return true;
    return false;
}

/* A fresh local name for a helper variable, never one of the operators',
 * an extern's or a generated file-level name (a combine's n_pending).  A
 * generated name takes v_ (no family starts so; a number would not leave
 * a family by prefix: list_i64_it2, tup2), a taken one a number. */
static const char *helper(Emitter *e, const char *base)
{
    const char *n = base;
    for (int k = 2; name_used(e, n) || names_generated(e->ir, n); k++) {
        if (names_generated(e->ir, n) && strncmp(base, "v_", 2) != 0) {
            base = arena_printf(e->arena, "v_%s", base);
            n = base;
            k = 1;
            continue;
        }
        n = arena_printf(e->arena, "%s%d", base, k);
    }
    vec_push(e->arena, &e->names, (void *)n);
    return n;
}

/* A new function: only the fixed locals, the operators' C names and the
 * extern functions are taken. */
static void names_reset(Emitter *e)
{
    e->names.n = 0;
    static const char *const fixed[] = {"w", "cur", "end", "key", "acc", "fresh", "state",
                                        "elem"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        vec_push(e->arena, &e->names, (void *)fixed[i]);
    for (int i = 0; i < e->ir->nops; i++)
        vec_push(e->arena, &e->names, (void *)e->ir->ops[i].cname);
    /* A local named like a C function would hide it. */
    for (int i = 0; i < e->ir->nexterns; i++)
        vec_push(e->arena, &e->names, (void *)e->ir->externs[i]->name);
}

/* ---- types --------------------------------------------------------- */

/* The part of a C type name that spells a type: "tup2_str_i64". */
static void ctype_tag(Str *s, const Type *t)
{
    switch (t->kind) {
    case TY_I64: str_add(s, "i64"); break;
    case TY_F64: str_add(s, "f64"); break;
    case TY_BOOL: str_add(s, "bool"); break;
    case TY_STR: str_add(s, "str"); break;
    case TY_TUPLE:
        str_add(s, "tup%d", t->n);
        for (int i = 0; i < t->n; i++) {
            str_add(s, "_");
            ctype_tag(s, t->elems[i]);
        }
        break;
    case TY_RECORD:   /* the length makes tuple tags read back one way */
        str_add(s, "rec%zu_%s", strlen(t->name), t->name);
        break;
    case TY_LIST:
        str_add(s, "list_");
        ctype_tag(s, t->elem);
        break;
    case TY_OPT:
        str_add(s, "opt_");
        ctype_tag(s, t->elem);
        break;
    default: str_add(s, "bad"); break;
    }
}

/* The C type of an fpipe type (int64_t, fp_str, rec_Doc, list_..., tup2_...). */
static const char *ctype(Emitter *e, const Type *t)
{
    switch (t->kind) {
    case TY_I64: return "int64_t";
    case TY_F64: return "double";
    case TY_BOOL: return "bool";
    case TY_STR: return "fp_str";
    case TY_RECORD: return arena_printf(e->arena, "rec_%s", t->name);
    case TY_OPT: {   /* fp_opt_i64, ...: libfpipe's (fpipe.h) */
        Str s = {0};
        ctype_tag(&s, t);
        const char *r = arena_printf(e->arena, "fp_%.*s", (int)s.n, s.p);
        str_free(&s);
        return r;
    }
    case TY_LIST: {   /* list_i64, list_rec_Doc, list_tup2_str_i64 */
        Str s = {0};
        str_add(&s, "list_");
        if (t->elem->kind == TY_RECORD)
            str_add(&s, "rec_%s", t->elem->name);
        else
            ctype_tag(&s, t->elem);
        const char *r = arena_strndup(e->arena, s.p, s.n);
        str_free(&s);
        return r;
    }
    default: {
        Str s = {0};
        ctype_tag(&s, t);
        const char *r = arena_strndup(e->arena, s.p, s.n);
        str_free(&s);
        return r;
    }
    }
}

/* Typedefs for the tuple types used, inner ones first. */
static void emit_tuple_type(Emitter *e, const Type *t, PtrVec *done)
{
    for (int i = 0; i < done->n; i++)
        if (done->v[i] == t)
            return;
    if (t->kind == TY_LIST) {
        emit_tuple_type(e, t->elem, done);
        vec_push(e->arena, done, (void *)t);
        Str tn = {0};
        type_str(&tn, t);
        const char *name = ctype(e, t);
        line(e, "typedef struct %s { %s *items; int64_t n; } %s;   /* %s */", name,
             ctype(e, t->elem), name, tn.p);
        str_free(&tn);
        return;
    }
    if (t->kind != TY_TUPLE && t->kind != TY_RECORD)
        return;
    for (int i = 0; i < t->n; i++)
        emit_tuple_type(e, t->elems[i], done);
    vec_push(e->arena, done, (void *)t);
    Str fields = {0};
    for (int i = 0; i < t->n; i++) {
        if (t->kind == TY_RECORD)
            str_add(&fields, "%s%s %s;", i ? " " : "", ctype(e, t->elems[i]), t->cfields[i]);
        else
            str_add(&fields, "%s%s f%d;", i ? " " : "", ctype(e, t->elems[i]), i);
    }
    Str tn = {0};
    type_str(&tn, t);
    const char *name = ctype(e, t);
    line(e, "typedef struct %s { %s } %s;   /* %s */", name, fields.p, name, tn.p);
    str_free(&fields);
    str_free(&tn);
}

/* The typedefs of the tuple, record and list types inside an expression. */
static void collect_expr_types(Emitter *e, const Expr *x, PtrVec *done)
{
    if (!x)
        return;
    /* split and split_ws are only iterated: their list type is never made. */
    bool iterated = x->kind == EX_CALL && x->builtin >= 0 && x->type &&
                    x->type->kind == TY_LIST;
    if (x->type && !iterated)
        emit_tuple_type(e, x->type, done);
    for (int i = 0; i < x->nargs; i++)
        collect_expr_types(e, x->args[i], done);
}

/* ---- expressions --------------------------------------------------- */

typedef struct ExprCtx {
    Emitter *e;
    const IrOp *op;      /* the operator whose body this is */
    const char *input;   /* C name of the element coming in */
} ExprCtx;

static void emit_expr(ExprCtx *x, Str *s, const Expr *ex);

/* An expression's arguments, separated by sep. */
static void emit_args(ExprCtx *x, Str *s, const Expr *ex, const char *sep)
{
    for (int i = 0; i < ex->nargs; i++) {
        if (i)
            str_add(s, "%s", sep);
        emit_expr(x, s, ex->args[i]);
    }
}

/* A regex builtin's arguments: its pattern is the static re_N (the
 * literal's number, from the checker), the others as they are. */
static void emit_regex_args(ExprCtx *x, Str *s, const Expr *ex)
{
    /* The literal as written in the .fpipe, made safe for a comment: no
     * comment ends or starts, no trigraphs, no control bytes. */
    const Expr *lit = ex->args[1];
    const Source *src = x->e->ir->src;
    Str pat = {0};
    for (uint32_t i = 0; i < lit->span.len && lit->span.off + i < src->len; i++) {
        char c = src->text[lit->span.off + i], prev = i ? src->text[lit->span.off + i - 1] : 0;
        if ((c == '/' && prev == '*') || (c == '*' && prev == '/') || (c == '?' && prev == '?'))
            str_add(&pat, " ");
        str_add(&pat, "%c", (unsigned char)c < 0x20 || c == 0x7f ? ' ' : c);
    }
    str_add(s, "&re_%lld /* %s */", (long long)lit->ival, pat.p ? pat.p : "");
    str_free(&pat);
    for (int i = 0; i < ex->nargs; i++) {
        if (i == 1)
            continue;
        str_add(s, ", ");
        emit_expr(x, s, ex->args[i]);
    }
}

/* A binary operator: i64 arithmetic through the wrapping (and, for / and
 * %, failing) fp_*_i64 functions, str comparisons through fp_str_*, the
 * rest as C operators, parenthesised. */
static void emit_binary(ExprCtx *x, Str *s, const Expr *ex)
{
    const Type *t = ex->args[0]->type;
    const Expr *l = ex->args[0], *r = ex->args[1];
    static const char *const cops[] = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=",
                                       ">", ">=", "&&", "||"};
    if (t == &ty_i64 && ex->op <= B_REM) {
        static const char *const fn[] = {"fp_add_i64", "fp_sub_i64", "fp_mul_i64",
                                         "fp_div_i64", "fp_rem_i64"};
        str_add(s, "%s(", fn[ex->op]);
        if (ex->op == B_DIV || ex->op == B_REM)
            str_add(s, "w, &site_%s, ", x->op->cname);
        emit_expr(x, s, l);
        str_add(s, ", ");
        emit_expr(x, s, r);
        str_add(s, ")");
        return;
    }
    if (t == &ty_str && ex->op >= B_EQ && ex->op <= B_GE) {
        if (ex->op == B_EQ || ex->op == B_NE) {
            str_add(s, "%sfp_str_eq(", ex->op == B_NE ? "!" : "");
            emit_expr(x, s, l);
            str_add(s, ", ");
            emit_expr(x, s, r);
            str_add(s, ")");
        } else {
            str_add(s, "(fp_str_cmp(");
            emit_expr(x, s, l);
            str_add(s, ", ");
            emit_expr(x, s, r);
            str_add(s, ") %s 0)", cops[ex->op]);
        }
        return;
    }
    str_add(s, "(");
    emit_expr(x, s, l);
    str_add(s, " %s ", cops[ex->op]);
    emit_expr(x, s, r);
    str_add(s, ")");
}

/* The parts of a chain a + b + c of str, left to right. */
static void cat_parts(ExprCtx *x, Str *s, const Expr *ex, int *n)
{
    if (ex->kind == EX_BINARY && ex->op == B_ADD && ex->type == &ty_str) {
        cat_parts(x, s, ex->args[0], n);
        cat_parts(x, s, ex->args[1], n);
        return;
    }
    if ((*n)++)
        str_add(s, ", ");
    emit_expr(x, s, ex);
}

/* a + b + ... of str: one fp_cat of all the parts, one copy. */
static void emit_concat(ExprCtx *x, Str *s, const Expr *ex)
{
    Str parts = {0};
    int n = 0;
    cat_parts(x, &parts, ex, &n);
    if (n == 2)
        str_add(s, "fp_cat2(w->arena, %s)", parts.p);
    else
        str_add(s, "fp_cat(w->arena, %d, (fp_str[]){%s})", n, parts.p);
    str_free(&parts);
}

/* format("...", args): the literal pieces and each argument formatted by
 * its placeholder, concatenated (the string was checked: it parses). */
static void emit_format(ExprCtx *x, Str *s, const Expr *ex)
{
    const Expr *f = ex->args[0];
    FmtPiece *pc = NULL;
    const char *why = NULL;
    size_t at = 0;
    int n = check_format(x->e->arena, f->sval, f->slen, &pc, &why, &at);
    Str parts = {0};
    int arg = 1;
    for (int i = 0; i < n; i++) {
        if (i)
            str_add(&parts, ", ");
        if (!pc[i].hole) {
            str_add(&parts, "FP_LIT(");
            emit_c_string(&parts, pc[i].text, pc[i].n);
            str_add(&parts, ")");
            continue;
        }
        const Expr *a = ex->args[arg++];
        const Type *t = a->type;
        const char *tn = t == &ty_i64 ? "i64" : t == &ty_f64 ? "f64" : t == &ty_bool ? "bool" : "str";
        if (!pc[i].width && pc[i].prec < 0 && !pc[i].hex) {   /* {}: as str prints it */
            if (t == &ty_str)
                emit_expr(x, &parts, a);
            else {
                str_add(&parts, "fp_str_of_%s(w->arena, ", tn);
                emit_expr(x, &parts, a);
                str_add(&parts, ")");
            }
            continue;
        }
        str_add(&parts, "fp_fmt_%s(w->arena, ", tn);
        emit_expr(x, &parts, a);
        str_add(&parts, ", (fp_fmt){.width = %lld, .prec = %d", (long long)pc[i].width, pc[i].prec);
        if (pc[i].fill)
            str_add(&parts, ", .fill = '%s%c'", pc[i].fill == '\'' || pc[i].fill == '\\' ? "\\" : "",
                    pc[i].fill);
        if (pc[i].align)
            str_add(&parts, ", .align = '%c'", pc[i].align);
        if (pc[i].hex)
            str_add(&parts, ", .hex = true");
        str_add(&parts, "})");
    }
    if (n == 0)
        str_add(s, "FP_LIT(\"\")");
    else if (n == 1)
        str_add(s, "%s", parts.p);
    else
        str_add(s, "fp_cat(w->arena, %d, (fp_str[]){%s})", n, parts.p);
    str_free(&parts);
}

/* join(list, sep): a split, split_ws or words call is joined as it is
 * cut (no list made); a list literal from its items; a named list from
 * its items and count. */
static void emit_join(ExprCtx *x, Str *s, const Expr *ex)
{
    const Expr *l = ex->args[0];
    if (l->kind == EX_CALL && !l->ext && l->builtin == BI_SPLIT) {
        str_add(s, "fp_join_split(w->arena, w, &site_%s, ", x->op->cname);
        emit_args(x, s, l, ", ");
    } else if (l->kind == EX_CALL && !l->ext && l->builtin == BI_WORDS) {
        str_add(s, "fp_join_words(w->arena, w, &site_%s, ", x->op->cname);
        emit_args(x, s, l, ", ");
    } else if (l->kind == EX_CALL && !l->ext && l->builtin == BI_SPLIT_WS) {
        str_add(s, "fp_join_ws(w->arena, ");
        emit_args(x, s, l, ", ");
    } else if (l->kind == EX_LIST) {
        str_add(s, "fp_join(w->arena, (fp_str[]){");
        emit_args(x, s, l, ", ");
        str_add(s, "}, %d", l->nargs);
    } else {
        str_add(s, "fp_join(w->arena, ");
        emit_expr(x, s, l);
        str_add(s, ".items, ");
        emit_expr(x, s, l);
        str_add(s, ".n");
    }
    str_add(s, ", ");
    emit_expr(x, s, ex->args[1]);
    str_add(s, ")");
}

/* An expression as one C expression (lets through the comma operator, ifs
 * as ?:).  Operator bodies that start with let or if are lowered to
 * statements first (emit_value); this handles everything inside. */
static void emit_expr(ExprCtx *x, Str *s, const Expr *ex)
{
    switch (ex->kind) {
    case EX_INT:
        if (ex->ival > INT32_MAX)
            str_add(s, "INT64_C(%lld)", (long long)ex->ival);
        else
            str_add(s, "%lld", (long long)ex->ival);
        break;
    case EX_FLOAT: {
        char buf[40];
        snprintf(buf, sizeof buf, "%.17g", ex->fval);
        str_add(s, "%s%s", buf, strpbrk(buf, ".en") ? "" : ".0");
        break;
    }
    case EX_BOOL: str_add(s, ex->ival ? "true" : "false"); break;
    case EX_STR:
        str_add(s, "FP_LIT(");
        emit_c_string(s, ex->sval, ex->slen);
        str_add(s, ")");
        break;
    case EX_NAME:
        if (ex->ival == 1 && !ex->bound && !ex->param)   /* none */
            str_add(s, "(%s){.has = false}", ctype(x->e, ex->type));
        else
            str_add(s, "%s", ex->bound ? ex->bound->cname : ex->param ? ex->param->cname : x->input);
        break;
    case EX_IF:
        /* An else-if chain is one flat ?: chain (C's ?: groups to the
         * right), so its length adds no brackets: (a ? x : b ? y : z). */
        str_add(s, "(");
        for (;;) {
            emit_expr(x, s, ex->args[0]);
            str_add(s, " ? ");
            emit_expr(x, s, ex->args[1]);
            str_add(s, " : ");
            if (ex->args[2]->kind != EX_IF)
                break;
            ex = ex->args[2];
        }
        emit_expr(x, s, ex->args[2]);
        str_add(s, ")");
        break;
    case EX_LET:
        /* (x = value, body): evaluated only where the let is, so an if
         * around it still decides whether value runs.  A let chain is one
         * comma list: (x = v, y = w, body). */
        str_add(s, "(");
        for (;;) {
            str_add(s, "%s = ", ex->cname);
            emit_expr(x, s, ex->args[0]);
            str_add(s, ", ");
            if (ex->args[1]->kind != EX_LET)
                break;
            ex = ex->args[1];
        }
        emit_expr(x, s, ex->args[1]);
        str_add(s, ")");
        break;
    case EX_UNARY:
        if (ex->op == U_NEG && ex->type == &ty_i64) {
            str_add(s, "fp_neg_i64(");
            emit_expr(x, s, ex->args[0]);
            str_add(s, ")");
        } else {
            str_add(s, "(%s", ex->op == U_NEG ? "-" : "!");
            emit_expr(x, s, ex->args[0]);
            str_add(s, ")");
        }
        break;
    case EX_BINARY:
        if (ex->op == B_ADD && ex->type == &ty_str)
            emit_concat(x, s, ex);
        else
            emit_binary(x, s, ex);
        break;
    case EX_CALL: {
        if (ex->ext) {
            /* A C function of a linked file: the worker is its fp_ctx; a
             * fallible one reports through the operator's site. */
            if (ex->ext->fallible)
                str_add(s, "fp_call_%s(w, &site_%s", ex->ext->name, x->op->cname);
            else
                str_add(s, "fp_call_%s(w, NULL", ex->ext->name);
            for (int i = 0; i < ex->nargs; i++) {
                str_add(s, ", ");
                emit_expr(x, s, ex->args[i]);
            }
            str_add(s, ")");
            break;
        }
        const BuiltinInfo *bi = &builtin_info[ex->builtin];
        const char *fn = bi->cfn;
        if (ex->builtin == BI_STR) {
            const Type *a = ex->args[0]->type;
            if (a == &ty_str) {   /* str of a str is itself */
                emit_expr(x, s, ex->args[0]);
                break;
            }
            fn = a == &ty_i64 ? "fp_str_of_i64" : a == &ty_f64 ? "fp_str_of_f64" : "fp_str_of_bool";
        }
        if (ex->builtin == BI_SOME) {   /* a T? that holds the value */
            str_add(s, "(%s){.has = true, .v = ", ctype(x->e, ex->type));
            emit_expr(x, s, ex->args[0]);
            str_add(s, "}");
            break;
        }
        if (ex->builtin == BI_IS_NONE || ex->builtin == BI_IS_SOME) {
            str_add(s, "%s(", ex->builtin == BI_IS_NONE ? "!" : "");
            emit_expr(x, s, ex->args[0]);
            str_add(s, ").has");
            break;
        }
        if (ex->builtin == BI_COALESCE) {   /* fp_coalesce_i64 or, to a T?, fp_coalesce_opt_i64 */
            Str tag = {0};
            ctype_tag(&tag, ex->type);
            fn = arena_printf(x->e->arena, "fp_coalesce_%s", tag.p);
            str_free(&tag);
        }
        if (ex->builtin == BI_FORMAT) {
            emit_format(x, s, ex);
            break;
        }
        if (ex->builtin == BI_JOIN) {
            emit_join(x, s, ex);
            break;
        }
        if (ex->builtin == BI_FAIL) {   /* (fail, a zero of the if's type) */
            str_add(s, "(%s(w, &site_%s, ", fn, x->op->cname);
            emit_args(x, s, ex, ", ");
            str_add(s, "), (%s){0})", ctype(x->e, ex->type));
            break;
        }
        if (strchr(bi->params, 'n'))   /* fp_abs_i64, fp_min_f64, ... */
            fn = arena_printf(x->e->arena, "%s_%s", fn,
                              ex->args[0]->type == &ty_i64 ? "i64" : "f64");
        str_add(s, "%s(", *fn ? fn : "/* flatmap only */");
        if (strchr(bi->flags, 'W'))
            str_add(s, ex->nargs ? "w, " : "w");
        if (strchr(bi->flags, 'A'))
            str_add(s, "w->arena, ");
        if (strchr(bi->flags, 'F'))
            str_add(s, "w, &site_%s, ", x->op->cname);
        if (strchr(bi->flags, 'R'))
            emit_regex_args(x, s, ex);
        else
            emit_args(x, s, ex, ", ");
        /* the optional arguments left out (after ops.h's '|'): "" */
        int all = (int)strlen(bi->params) - (strchr(bi->params, '|') != NULL);
        for (int k = ex->nargs; k < all; k++)
            str_add(s, ", FP_LIT(\"\")");
        str_add(s, ")");
        break;
    }
    case EX_TUPLE:
        str_add(s, "(%s){", ctype(x->e, ex->type));
        emit_args(x, s, ex, ", ");
        str_add(s, "}");
        break;
    case EX_LIST: {
        /* A list value: its items copied into the worker's arena. */
        const char *it = ctype(x->e, ex->type->elem);
        str_add(s, "(%s){fp_arena_copy(w->arena, (%s[]){", ctype(x->e, ex->type), it);
        emit_args(x, s, ex, ", ");
        str_add(s, "}, sizeof(%s[%d])), %d}", it, ex->nargs, ex->nargs);
        break;
    }
    case EX_FIELD:
        emit_expr(x, s, ex->args[0]);
        if (ex->sval)
            str_add(s, ".%s", ex->args[0]->type->cfields[ex->ival]);
        else
            str_add(s, ".f%d", (int)ex->ival);
        break;
    case EX_RECORD:
        str_add(s, "(%s){", ctype(x->e, ex->type));
        for (int i = 0; i < ex->nargs; i++) {
            str_add(s, "%s.%s = ", i ? ", " : "", ex->type->cfields[ex->args[i]->ival]);
            emit_expr(x, s, ex->args[i]->args[0]);
        }
        str_add(s, "}");
        break;
    case EX_FIELD_INIT: break;
    }
}

/* The C variables of an operator body's lets, declared before its
 * statement and assigned where the let is evaluated. */
static void declare_lets(Emitter *e, Expr *ex)
{
    for (int i = 0; i < ex->nargs; i++)
        declare_lets(e, ex->args[i]);
    if (ex->kind != EX_LET)
        return;
    ex->cname = helper(e, arena_printf(e->arena, "let_%s", ex->sval));
    const Type *t = ex->args[0]->type;
    line(e, "%s %s = %s;", ctype(e, t), ex->cname,
         type_is_scalar(t) && t->kind != TY_STR ? "0"
                                                : arena_printf(e->arena, "(%s){0}", ctype(e, t)));
    if (!ex->uses)
        line(e, "(void)%s;", ex->cname);
}

/* ---- expressions as statements --------------------------------------- */

/* Whether a body is lowered to statements (emit_value): it starts with a
 * let or an if, so its lets become named declarations and its ifs if
 * blocks.  Lets and ifs deeper inside an expression stay expressions. */
static bool lowered(const Expr *ex)
{
    return ex->kind == EX_LET || ex->kind == EX_IF;
}

/* The lets of a lowered body that stay inside expressions: declared up
 * front (declare_lets); those on its spine are declared where they are. */
static void declare_inner_lets(Emitter *e, Expr *ex)
{
    if (ex->kind == EX_LET) {
        if (lowered(ex->args[0]))
            declare_inner_lets(e, ex->args[0]);
        else
            declare_lets(e, ex->args[0]);
        declare_inner_lets(e, ex->args[1]);
    } else if (ex->kind == EX_IF) {
        declare_lets(e, ex->args[0]);
        declare_inner_lets(e, ex->args[1]);
        declare_inner_lets(e, ex->args[2]);
    } else {
        declare_lets(e, ex);
    }
}

/* The zero of a C type, for a declaration. */
static const char *ctype_zero(Emitter *e, const Type *t)
{
    return type_is_scalar(t) && t->kind != TY_STR ? "0"
                                                  : arena_printf(e->arena, "(%s){0}", ctype(e, t));
}

/* Statements giving `target` (declared, zero) the value of ex, in the
 * order the expression evaluates: `let x = v in b` declares let_x = v and
 * goes on with b; `if c then a else b` is an if block (else if chains
 * stay flat); `fail(msg)` reports and leaves target zero, as the
 * expression's (fail, zero) does; anything else is one assignment. */
static void emit_value(ExprCtx *x, Expr *ex, const char *target)
{
    Emitter *e = x->e;
    Str s = {0};
    if (ex->kind == EX_LET) {
        const Type *t = ex->args[0]->type;
        ex->cname = helper(e, arena_printf(e->arena, "let_%s", ex->sval));
        if (lowered(ex->args[0])) {
            line(e, "%s %s = %s;", ctype(e, t), ex->cname, ctype_zero(e, t));
            emit_value(x, ex->args[0], ex->cname);
        } else {
            emit_expr(x, &s, ex->args[0]);
            line(e, "%s %s = %s;", ctype(e, t), ex->cname, s.p);
        }
        if (!ex->uses)
            line(e, "(void)%s;", ex->cname);
        emit_value(x, ex->args[1], target);
    } else if (ex->kind == EX_IF) {
        const char *kw = "if";
        for (;;) {
            s.n = 0;
            emit_expr(x, &s, ex->args[0]);
            /* The condition without the parentheses emit_expr puts around it. */
            const char *c = s.p;
            size_t n = s.n;
            if (n > 1 && c[0] == '(' && c[n - 1] == ')') {
                int depth = 0;
                size_t i = 0;
                for (; i < n; i++) {
                    depth += c[i] == '(' ? 1 : c[i] == ')' ? -1 : 0;
                    if (depth == 0)
                        break;
                }
                if (i == n - 1)
                    c = arena_strndup(e->arena, c + 1, n - 2);
            }
            line(e, "%s (%s) {", kw, c);
            e->indent++;
            emit_value(x, ex->args[1], target);
            e->indent--;
            if (ex->args[2]->kind != EX_IF)
                break;
            ex = ex->args[2];
            kw = "} else if";
        }
        line(e, "} else {");
        e->indent++;
        emit_value(x, ex->args[2], target);
        e->indent--;
        line(e, "}");
    } else if (ex->kind == EX_CALL && !ex->ext && ex->builtin == BI_FAIL) {
        emit_args(x, &s, ex, ", ");
        line(e, "%s(w, &site_%s, %s);   /* %s stays zero */", builtin_info[ex->builtin].cfn,
             x->op->cname, s.p, target);
    } else if (ex->kind == EX_TUPLE || ex->kind == EX_RECORD) {
        emit_expr(x, &s, ex);
        line(e, "%s = %s;", target, s.p);
    } else {
        emit_expr(x, &s, ex);
        line(e, "%s = %s;", target, s.p);
    }
    str_free(&s);
}

/* ---- operators ----------------------------------------------------- */

static const char *fpipe_path(Emitter *e)
{
    return comment_safe(e, e->ir->src->path);
}

/* One line of .fpipe text as it can stand in a C block comment: exact,
 * except that the few sequences C would read inside a comment are broken
 * with a backslash ("*\/" for a comment's end, "/\*" for a nested start,
 * "?\?" for a trigraph), control bytes other than a tab become '?' and
 * bytes over 0x7f \xHH (the generated C is ASCII). */
static void quote_line(Str *o, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i], d = i + 1 < n ? p[i + 1] : 0;
        if ((c == '*' && d == '/') || (c == '/' && d == '*') || (c == '?' && d == '?'))
            str_add(o, "%c\\", c);
        else if ((unsigned char)c < 0x20 && c != '\t')
            str_add(o, "?");
        else if ((unsigned char)c == 0x7f)
            str_add(o, "?");
        else if ((unsigned char)c >= 0x80)   /* the C stays ASCII: such bytes as \xHH */
            str_add(o, "\\x%02x", (unsigned char)c);
        else
            str_addn(o, &p[i], 1);
    }
}

/* Whether a source line is blank or only a # comment. */
static bool line_is_comment(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p == end || *p == '#';
}

/* The operator's lines in the .fpipe, exactly as written: from its keyword
 * to the end of its line, then the lines after it that are indented (a
 * multi-line body), up to the next operator; trailing blank and comment
 * lines are left out.  Returns how many lines were appended to `lines`
 * (0 when the text at the operator's place is not its keyword: a YAML
 * pipeline). */
static int op_source_lines(Emitter *e, const IrOp *op, PtrVec *lines)
{
    const Source *src = e->ir->src;
    const char *kw = op_info[op->kind].keyword;
    size_t off = op->kw_span.off;
    if (!src->text || off + strlen(kw) > src->len || strncmp(src->text + off, kw, strlen(kw)))
        return 0;
    const char *text = src->text, *end = text + src->len;
    const IrOp *next = op + 1 < e->ir->ops + e->ir->nops ? op + 1 : NULL;
    const char *stop = next && next->kw_span.off > off ? text + next->kw_span.off : end;
    const char *p = text + off;
    int n = 0, keep = 0;
    while (p < stop) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (n > 0 && !line_is_comment(p, le) && *p != ' ' && *p != '\t')
            break;   /* not indented: not the operator's */
        size_t len = (size_t)(le - p);
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
            len--;
        Str q = {0};
        quote_line(&q, p, len);
        vec_push(e->arena, lines, (void *)arena_strndup(e->arena, q.p ? q.p : "", q.n));
        str_free(&q);
        n++;
        if (!line_is_comment(p, le) || n == 1)
            keep = n;
        if (!nl)
            break;
        p = nl + 1;
    }
    lines->n -= n - keep;
    return keep;
}

/* The comment that opens an operator's block: its .fpipe text quoted
 * exactly (op_source_lines) with file:line and an optional note; then
 * the declarations of the lets its body keeps inside expressions. */
static void op_comment(Emitter *e, const IrOp *op, const char *extra)
{
    Str body = {0};
    switch (op->kind) {
    case OP_SOURCE: str_add(&body, "%s(input)", op->format); break;
    case OP_SINK:
        str_add(&body, "%s(%s)", op->format,
                op->target == TGT_OUTPUT ? "output" : op->target == TGT_STDOUT ? "stdout"
                                                                              : "\"...\"");
        break;
    case OP_COMBINE:
    case OP_COMBINE_PER_KEY:
    case OP_TOP:
    case OP_BATCH_MAP: explain_op_body_str(&body, op); break;
    default: explain_expr_str(&body, op->body); break;
    }
    Str ty = {0};
    if (op->kind != OP_SINK && op->out)
        type_str(&ty, op->out);
    if (e->opts->line_directives) {
        Str path = {0};
        emit_c_string(&path, e->ir->src->path, strlen(e->ir->src->path));
        str_add(e->out, "#line %d %s\n", op->line, path.p);
        str_free(&path);
    }
    PtrVec src = {0};
    int n = op_source_lines(e, op, &src);
    const char *where = arena_printf(e->arena, "%s:%d", fpipe_path(e), op->line);
    if (n == 0) {   /* no .fpipe text: the operator as fpipec reads it */
        line(e, "/* %s %s%s%s = %s  (%s)%s%s */", op_info[op->kind].keyword,
             comment_safe(e, op->name), ty.n ? " : " : "", ty.n ? ty.p : "",
             comment_safe(e, body.p), where, extra ? ": " : "", extra ? extra : "");
    } else if (n == 1 && 4 * e->indent + strlen(src.v[0]) + strlen(where) + 10 +
                             (extra ? strlen(extra) + 2 : 0) <= 120) {
        line(e, "/* %s  (%s)%s%s */", (const char *)src.v[0], where, extra ? ": " : "",
             extra ? extra : "");
    } else {
        line(e, "/* %s%s%s", where, extra ? ": " : "", extra ? extra : "");
        for (int i = 0; i < n; i++)
            line(e, " * %s", (const char *)src.v[i]);
        line(e, " */");
    }
    str_free(&body);
    str_free(&ty);
    if (op->body && op->kind == OP_MAP && lowered(op->body))
        declare_inner_lets(e, op->body);
    else if (op->body && op->kind != OP_SOURCE && op->kind != OP_SINK && op->kind != OP_BATCH_MAP)
        declare_lets(e, op->body);
}

/* --stats counters, per operator i of n: w->stat[i] counts the elements it
 * passes on (a sink: rows written), w->stat[n + i] the records a csv/jsonl
 * source read.  The driver counts a text source's lines and a keyed
 * combine's keys; --stats derives a filter's rejects and the elements a
 * flatmap expanded from the operator before's count.  In stage 1, the hot
 * loops, they are locals (registers), added to the worker's at the end. */
static bool counted(const IrOp *op, int slot)
{
    switch (op->kind) {
    case OP_SOURCE: return op->fmt != FMT_TEXT;
    case OP_MAP: case OP_BATCH_MAP: case OP_SINK: case OP_FILTER: case OP_FLATMAP:
        return slot == 0;
    default: return false;
    }
}

static void count_from(Emitter *e, const IrOp *op, int k);

/* Whether op passes on every element it gets (an infallible map, a sink):
 * its count is the one of the operator before it. */
static bool passes_on(const IrOp *op)
{
    return !op->fallible && (op->kind == OP_MAP || op->kind == OP_SINK);
}

/* One element more in stat slot `slot` of op: its local counter (none
 * when it shares the previous operator's), or the worker's w->stat. */
static void count(Emitter *e, const IrOp *op, int slot)
{
    int k = (int)(op - e->ir->ops) + (slot ? e->ir->nops : 0);
    if (e->local_counts && e->cnt[k] && e->cnt_alias[k])
        return;   /* derived from other counters when they are added up */
    if (e->local_counts && e->cnt[k]) {
        line(e, "%s++;", e->cnt[k]);
        return;
    }
    bool chain = !e->local_counts && slot == 0;
    if (chain && passes_on(op) && op > e->ir->ops &&
        !(op - 1 == e->ir->ops && op[-1].fmt == FMT_TEXT))
        return;   /* counted on the line of the operator before */
    count_from(e, op, k);
}

/* Stages 2 and 3 run once per element: one line counts it in stat slot k
 * (-1: none) and in the infallible maps and sink right after op, which
 * pass it on too. */
static void count_from(Emitter *e, const IrOp *op, int k)
{
    Str s = {0};
    if (k >= 0)
        str_add(&s, "%d", k);
    for (const IrOp *n = op + 1; (k < 0 || !e->local_counts) && n < e->ir->ops + e->ir->nops &&
                                 passes_on(n); n++)
        str_add(&s, "%s%d", s.n ? ", " : "", (int)(n - e->ir->ops));
    if (s.n)
        line(e, "FP_COUNT(w, %s);", s.p);
    str_free(&s);
}

/* A local counter's name when op's loop (a flatmap's items, a csv/jsonl
 * source's records: stat slot `slot`) counts them in its own header (the
 * loop's increment), or NULL. */
static const char *loop_counter(Emitter *e, const IrOp *op, int slot)
{
    int k = (int)(op - e->ir->ops) + (slot ? e->ir->nops : 0);
    if (!e->local_counts || !e->cnt[k] || e->cnt_alias[k])
        return NULL;
    e->cnt_alias[k] = true;   /* no increment in the loop's body */
    return e->cnt[k];
}

/* What stat slot k of operator op counts, for a counter's name: slot 0
 * the elements it passes on, slot 1 a filter's rejects, the elements a
 * flatmap expanded, a csv/jsonl source's records. */
static const char *slot_word(const IrOp *op, int slot)
{
    if (slot == 0)
        return op->kind == OP_SINK ? "rows" : "out";
    return op->kind == OP_FILTER ? "rejected" : op->kind == OP_FLATMAP ? "expanded" : "read";
}

/* The local counters of ops [first, last]: declared (named n_OP_WHAT, in
 * one declaration) or added to the worker's w->stat at the end. */
static void counters(Emitter *e, int first, int last, bool declare)
{
    int nops = e->ir->nops;
    if (declare) {
        e->cnt = arena_alloc(e->arena, 2 * (size_t)nops * sizeof *e->cnt);
        memset(e->cnt, 0, 2 * (size_t)nops * sizeof *e->cnt);
        e->cnt_alias = arena_alloc(e->arena, 2 * (size_t)nops * sizeof *e->cnt_alias);
        memset(e->cnt_alias, 0, 2 * (size_t)nops * sizeof *e->cnt_alias);
    }
    Str decl = {0};
    int n_own = 0, own = 0;   /* the counters declared; op of the last */
    if (!declare && !e->local_counts)
        return;   /* none declared: w->stat counted where they count */
    for (int i = first; i <= last; i++)
        for (int slot = 0; slot < 2; slot++) {
            if (!counted(&e->ir->ops[i], slot))
                continue;
            if (e->plan->scan_words && i == 1 && slot == 1)
                continue;   /* the fused scan's lines: counted by the driver */
            int k = i + (slot ? nops : 0);
            const IrOp *op = &e->ir->ops[i];
            /* An infallible map or a sink passes on every element it gets:
             * its count is the one of the operator before it here. */
            if (declare && slot == 0 && i > first && e->cnt[i - 1] && passes_on(op)) {
                e->cnt[k] = e->cnt[i - 1];
                e->cnt_alias[k] = true;
                continue;
            }
            if (declare) {
                /* n_ makes a C keyword's name (long_) usable as it is. */
                const char *base = op->cname;
                size_t bn = strlen(base);
                if (bn > 1 && base[bn - 1] == '_' && !strncmp(base, op->name, bn - 1) &&
                    op->name[bn - 1] == 0)
                    base = op->name;
                e->cnt[k] = helper(e, slot ? arena_printf(e->arena, "n_%s_%s", base,
                                                          slot_word(op, slot))
                                           : arena_printf(e->arena, "n_%s", base));
                str_add(&decl, "%s%s = 0", decl.n ? ", " : "", e->cnt[k]);
                n_own++;
                own = i;
            } else {
                str_add(&decl, "%s{%d, %s}", decl.n ? ", " : "", k, e->cnt[k]);
            }
        }
    /* Stage 1 over a text source's lines with one counter: counted in
     * w->stat where it counts (FP_COUNT, one line), not in a local that
     * takes a declaration and a flush besides (3 lines); beside a line's
     * read and its operators, the increment in memory costs nothing
     * measurable (docs/design-notes.md). */
    if (declare && first == 0 && e->ir->ops[0].kind == OP_SOURCE &&
        e->ir->ops[0].fmt == FMT_TEXT && !e->plan->scan_words && n_own == 1 &&
        e->ir->ops[own].kind != OP_FLATMAP) {
        memset(e->cnt, 0, 2 * (size_t)nops * sizeof *e->cnt);
        e->local_counts = false;
    } else if (decl.n && declare)
        line(e, "uint64_t %s;   /* elements counted: --stats, checkpoints, --progress */", decl.p);
    else if (decl.n)   /* {stat slot, count}: added to the worker's w->stat */
        line(e, "FP_FLUSH_COUNTS(w, %s);", decl.p);
    str_free(&decl);
}

/* A flatmap's loop over its items (next: the call that gets the next):
 * its items are counted in the loop's header, when a local counts them. */
static void next_loop(Emitter *e, const IrOp *op, int slot, const char *next)
{
    const char *n = loop_counter(e, op, slot);
    if (n)
        line(e, "for (; %s; %s++) {", next, n);
    else
        line(e, "while (%s) {", next);
}

/* How many regex literals (flag R) an expression has. */
static int count_regexes(const Expr *x)
{
    if (!x)
        return 0;
    int n = x->kind == EX_CALL && !x->ext && x->builtin >= 0 &&
            strchr(builtin_info[x->builtin].flags, 'R');
    for (int i = 0; i < x->nargs; i++)
        n += count_regexes(x->args[i]);
    return n;
}

/* The regex literals of an expression (flag R), by their number. */
static void find_regexes(const Expr *x, const Expr **by, int n)
{
    if (!x)
        return;
    if (x->kind == EX_CALL && !x->ext && x->builtin >= 0 &&
        strchr(builtin_info[x->builtin].flags, 'R') && x->args[1]->ival >= 1 &&
        x->args[1]->ival <= n)
        by[x->args[1]->ival - 1] = x->args[1];
    for (int i = 0; i < x->nargs; i++)
        find_regexes(x->args[i], by, n);
}

/* The regex patterns, one static each (re_1, re_2, ... in source order):
 * the driver compiles them before any element (fp_regex_setup).  Their
 * number: the highest the checker gave. */
static int emit_regexes(Emitter *e)
{
    const Ir *ir = e->ir;
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
        const Expr **by = pass ? arena_alloc(e->arena, (size_t)n * sizeof *by) : NULL;
        for (int i = 0; i < ir->nops; i++) {
            const IrOp *op = &ir->ops[i];
            if (!pass) {
                n += count_regexes(op->body);
                for (int k = 0; k < op->nby; k++)
                    n += count_regexes(op->by[k]->expr);
                continue;
            }
            find_regexes(op->body, by, n);
            for (int k = 0; k < op->nby; k++)
                find_regexes(op->by[k]->expr, by, n);
        }
        if (!pass || !n)
            continue;
        line(e, "/* The regex patterns (PCRE2, on bytes): compiled once, before any element. */");
        for (int i = 0; i < n; i++) {
            Str s = {0};
            emit_c_string(&s, by[i] ? by[i]->sval : "", by[i] ? by[i]->slen : 0);
            int ln = 0, col = 0;
            if (by[i])
                diag_line_col(ir->src, by[i]->span.off, &ln, &col);
            line(e, "static fp_regex re_%d = {.pattern = %s, .len = %zu, .line = %d, .col = %d};", i + 1, s.p,
                 by[i] ? by[i]->slen : 0, ln, col);
            str_free(&s);
        }
        line(e, "static fp_regex *const regexes[] = {");
        for (int i = 0; i < n; i++)
            line(e, "    &re_%d,", i + 1);
        line(e, "};");
        blank(e);
    }
    return n;
}

/* Whether an operator has run settings (an error policy, a batch size,
 * retries) that the generated code reads from its opcfg_NAME. */
static bool has_opcfg(const IrOp *op)
{
    return op->fallible || op->kind == OP_BATCH_MAP || op->retryable;
}

static const char *skip_stmt(Emitter *e)
{
    return e->loops > 0 ? "continue;" : "return;";
}

static const char *policy_word(Policy p)
{
    return p == POLICY_DROP ? "drop" : p == POLICY_COLLECT ? "collect" : "fail_fast";
}

/* Before an error that is reported in input order (fail_fast, collect) in
 * the first half of a stage with a batch_map: the batch still holds
 * earlier elements, so it runs first (their errors come first).  Under
 * drop the batch is left as it is (its boundaries do not move). */
static void flush_batch_first(Emitter *e, const IrOp *op)
{
    if (!e->in_segment_a)
        return;
    line(e, "    if (!%s_first(w, &opcfg_%s, %s, %s, &%s))   /* the batch's elements go first */",
         e->batch_fn, op->cname, e->batch_in, e->batch_pos, e->batch_n);
    line(e, "        return;");
}

/* The helper flush_batch_first calls: the batch function on the elements
 * waiting in the batch, unless the failing operator drops.  Emitted after
 * the batch function (bm: the batch_map's index). */
static void emit_batch_first_fn(Emitter *e, int bm)
{
    const IrOp *op = &e->ir->ops[bm];
    line(e, "/* An element before batch_map %s failed, to be collected or to stop the run:",
         comment_safe(e, op->name));
    line(e, " * the elements waiting in the batch run first, so that their errors come");
    line(e, " * first (under drop the batch stays as it is).  False when the run stopped. */");
    line(e, "static bool %s_first(fp_worker *w, const fp_opcfg *cfg, %s *batch, const char **pos, "
            "int *n)", e->batch_fn, ctype(e, op->in));
    line(e, "{");
    line(e, "    if (cfg->on_error == FP_ON_ERROR_DROP || *n == 0)");
    line(e, "        return true;");
    line(e, "    fp_error_save(w);");
    line(e, "    %s(w, batch, pos, *n);", e->batch_fn);
    line(e, "    *n = 0;");
    line(e, "    if (w->halted)");
    line(e, "        return false;");
    line(e, "    fp_error_restore(w);");
    line(e, "    return true;");
    line(e, "}");
    blank(e);
}

/* After a fallible operator's statement: its error policy, read from its
 * run settings (the .fpipe's, which --config may change). */
static void fail_check(Emitter *e, const IrOp *op)
{
    if (!op->fallible)
        return;
    line(e, "if (FP_UNLIKELY(w->failed)) {   /* on_error: opcfg_%s.on_error (%s in the .fpipe) */",
         op->cname, policy_word(op->policy));
    flush_batch_first(e, op);
    if (e->loops > 0) {
        line(e, "    if (fp_on_error(w, &opcfg_%s))   /* fail_fast: the run stops */", op->cname);
        line(e, "        return;");
        line(e, "    continue;   /* dropped or collected: the next element */");
    } else {
        line(e, "    fp_on_error(w, &opcfg_%s);", op->cname);
        line(e, "    return;");
    }
    line(e, "}");
}

/* A byte as a C character literal: ',' '\t' '\'' '\001'. */
static const char *char_lit(Emitter *e, char ch)
{
    unsigned char u = (unsigned char)ch;
    if (ch == '\'' || ch == '\\')
        return arena_printf(e->arena, "'\\%c'", ch);
    if (ch == '\t')
        return "'\\t'";
    if (u < 0x20 || u >= 0x7f)
        return arena_printf(e->arena, "'\\%03o'", u);
    return arena_printf(e->arena, "'%c'", ch);
}

/* Whether a csv operator has the default delimiter and quote. */
static bool csv_plain(const IrOp *op)
{
    return op->csv_delim == ',' && op->csv_quote == '"';
}

/* The header of a csv sink: its columns' names, as emit_row flattens the
 * element: a record's fields by name, a tuple's components as _0, _1, ...
 * (nested ones after their parent's name and '_': p_0, p_1; a scalar
 * element is one column, _0), each quoted as a field would be. */
static void sink_header(const IrOp *sink, const Type *t, const char *prefix, Str *h, bool *first)
{
    if (t->kind == TY_TUPLE || t->kind == TY_RECORD) {
        for (int i = 0; i < t->n; i++) {
            char name[512];
            if (t->kind == TY_RECORD)
                snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "_" : "", t->fields[i]);
            else
                snprintf(name, sizeof name, "%s_%d", prefix, i);
            sink_header(sink, t->elems[i], name, h, first);
        }
        return;
    }
    if (!*first)
        str_addn(h, &sink->csv_delim, 1);
    *first = false;
    const char *name = *prefix ? prefix : "_0";
    size_t n = strlen(name);
    bool quote = strchr(name, sink->csv_delim) || strchr(name, sink->csv_quote);
    if (quote)
        str_addn(h, &sink->csv_quote, 1);
    for (size_t i = 0; i < n; i++) {
        if (name[i] == sink->csv_quote)
            str_addn(h, &sink->csv_quote, 1);
        str_addn(h, name + i, 1);
    }
    if (quote)
        str_addn(h, &sink->csv_quote, 1);
}

/* One element as a sink row: TSV and CSV flatten tuples into fields,
 * JSON lines writes a tuple as an array (nested tuples nest). */
static void emit_row(Emitter *e, const IrOp *sink, const Type *t, const char *val, bool *first)
{
    Format fmt = sink->fmt;
    bool json = fmt == FMT_JSONL;
    if (t->kind == TY_TUPLE || t->kind == TY_RECORD) {
        bool rec = t->kind == TY_RECORD;
        if (json) {
            if (!*first)
                line(e, "fp_out_char(w->out, ',');");
            line(e, "fp_out_char(w->out, '%c');", rec ? '{' : '[');
            *first = true;
        }
        for (int i = 0; i < t->n; i++) {
            if (json && rec) {
                /* "name": before the value (names are ASCII identifiers) */
                line(e, "fp_buf_put(w->out, \"%s\\\"%s\\\":\", %zu);", *first ? "" : ",",
                     t->fields[i], strlen(t->fields[i]) + 3 + (*first ? 0 : 1));
                *first = true;
            }
            emit_row(e, sink, t->elems[i],
                     rec ? arena_printf(e->arena, "%s.%s", val, t->cfields[i])
                         : arena_printf(e->arena, "%s.f%d", val, i),
                     first);
        }
        if (json) {
            line(e, "fp_out_char(w->out, '%c');", rec ? '}' : ']');
            *first = false;
        }
        return;
    }
    if (t->kind == TY_LIST) {   /* jsonl only (checked): an array */
        if (!*first)
            line(e, "fp_out_char(w->out, ',');");
        *first = false;
        const char *i = helper(e, "i");
        line(e, "fp_out_char(w->out, '[');");
        line(e, "for (int64_t %s = 0; %s < %s.n; %s++) {", i, i, val, i);
        e->indent++;
        line(e, "if (%s)", i);
        line(e, "    fp_out_char(w->out, ',');");
        bool f2 = true;
        emit_row(e, sink, t->elem, arena_printf(e->arena, "%s.items[%s]", val, i), &f2);
        e->indent--;
        line(e, "}");
        line(e, "fp_out_char(w->out, ']');");
        return;
    }
    if (!*first)
        line(e, "fp_out_char(w->out, %s);", fmt == FMT_TSV ? "'\\t'" : char_lit(e, sink->csv_delim));
    *first = false;
    if (t->kind == TY_OPT) {   /* none: an empty field; null in JSON */
        line(e, "if (%s.has) {", val);
        e->indent++;
        bool inner = true;
        emit_row(e, sink, t->elem, arena_printf(e->arena, "%s.v", val), &inner);
        e->indent--;
        if (json) {
            line(e, "} else {");
            line(e, "    fp_buf_put(w->out, \"null\", 4);");
        }
        line(e, "}");
        return;
    }
    switch (t->kind) {
    case TY_STR:
        if (fmt == FMT_CSV && !csv_plain(sink))
            line(e, "fp_out_csv_str_with(w->out, %s, %s, %s);", val, char_lit(e, sink->csv_delim),
                 char_lit(e, sink->csv_quote));
        else
            line(e, "fp_out_%s_str(w->out, %s);", fmt == FMT_CSV ? "csv" : json ? "json" : "tsv", val);
        break;
    case TY_I64: line(e, "fp_out_i64(w->out, %s);", val); break;
    case TY_F64: line(e, "fp_out_%s(w->out, %s);", json ? "json_f64" : "f64", val); break;
    case TY_BOOL: line(e, "fp_out_bool(w->out, %s);", val); break;
    default: break;
    }
}

/* ---- combines -------------------------------------------------------- */

/* The accumulator field of monoid i: "sum" alone, "m1_sum" in a tuple. */
static const char *mon_field(Emitter *e, const IrOp *c, int i)
{
    static const char *const base[] = {"sum", "count", "min", "max", "mean", "all", "any",
                                       "topk", "value"};
    if (!c->mon_tuple)
        return base[c->mons[0]];
    return arena_printf(e->arena, "m%d_%s", i, base[c->mons[i]]);
}

static bool uses_value(const IrOp *c)
{
    for (int i = 0; i < c->nmon; i++)
        if (c->mons[i] != MONOID_COUNT)
            return true;
    return false;
}

/* Whether every monoid has an identity, so that no input still has a
 * result (sum 0, count 0, and true, or false, topk [], a declared
 * monoid's empty). */
static bool has_identity(const IrOp *c)
{
    for (int i = 0; i < c->nmon; i++)
        if (c->mons[i] == MONOID_MIN || c->mons[i] == MONOID_MAX || c->mons[i] == MONOID_MEAN)
            return false;
    return true;
}

/* How many exact f64 sums (sum or mean of f64) a combine keeps. */
static int xsum_count(const IrOp *c)
{
    int n = 0;
    for (int i = 0; i < c->nmon; i++)
        n += c->val == &ty_f64 && (c->mons[i] == MONOID_SUM || c->mons[i] == MONOID_MEAN);
    return n;
}

/* The exact f64 sum of a combine: in a keyed table's slot, fp_xsum (24
 * bytes inline, promoted out of line when a value does not fit); a global
 * combine's few accumulators keep the full fp_fsum. */
static const char *fsum_of(const IrOp *c)
{
    return c->kind == OP_COMBINE_PER_KEY ? "fp_xsum" : "fp_fsum";
}

/* a->f (op)= v for one monoid; `merge` folds another accumulator's field. */
static void monoid_fold(Emitter *e, const IrOp *c, int i, const char *a, const char *v,
                        bool merge)
{
    const char *f = mon_field(e, c, i);
    bool i64 = c->val == &ty_i64;
    const char *add = i64 ? "fp_add_i64" : NULL;
    switch (c->mons[i]) {
    case MONOID_SUM:
        if (add)
            line(e, "%s->%s = %s(%s->%s, %s);", a, f, add, a, f, v);
        else if (merge)   /* f64: an exact sum, rounded once in the result */
            line(e, "%s_merge(&%s->%s, &%s);", fsum_of(c), a, f, v);
        else
            line(e, "%s_add(&%s->%s, %s);", fsum_of(c), a, f, v);
        break;
    case MONOID_COUNT:
        line(e, "%s->%s = fp_add_i64(%s->%s, %s);", a, f, a, f, merge ? v : "1");
        break;
    case MONOID_MIN:
    case MONOID_MAX:
        if (i64) {
            line(e, "if (%s %s %s->%s)", v, c->mons[i] == MONOID_MIN ? "<" : ">", a, f);
            line(e, "    %s->%s = %s;", a, f, v);
        } else {   /* nan wins and -0 < +0, whatever the order (fp_min_f64) */
            line(e, "%s->%s = fp_%s_f64(%s->%s, %s);", a, f,
                 c->mons[i] == MONOID_MIN ? "min" : "max", a, f, v);
        }
        break;
    case MONOID_MEAN:
        if (add && merge)   /* i64: an exact 128-bit sum */
            line(e, "fp_sum128_merge(&%s->%s_sum, %s_sum);", a, f, v);
        else if (add)
            line(e, "fp_sum128_add(&%s->%s_sum, %s);", a, f, v);
        else if (merge)   /* f64: an exact sum */
            line(e, "%s_merge(&%s->%s_sum, &%s_sum);", fsum_of(c), a, f, v);
        else
            line(e, "%s_add(&%s->%s_sum, %s);", fsum_of(c), a, f, v);
        line(e, "%s->%s_n = fp_add_i64(%s->%s_n, %s);", a, f, a, f,
             merge ? arena_printf(e->arena, "%s_n", v) : "1");
        break;
    case MONOID_AND: line(e, "%s->%s = %s->%s && %s;", a, f, a, f, v); break;
    case MONOID_OR: line(e, "%s->%s = %s->%s || %s;", a, f, a, f, v); break;
    case MONOID_TOPK:
        if (merge)
            line(e, "fp_topk_%s_merge(%s->%s_v, &%s->%s_n, %d, %s_v, %s_n);",
                 i64 ? "i64" : "f64", a, f, a, f, c->topk[i], v, v);
        else
            line(e, "fp_topk_%s_push(%s->%s_v, &%s->%s_n, %d, %s);", i64 ? "i64" : "f64", a, f,
                 a, f, c->topk[i], v);
        break;
    case MONOID_USER:
        line(e, "%s->%s = %s_combine(%s->%s, %s);", a, f, c->umon[i]->cname, a, f, v);
        break;
    case MONOID__COUNT: break;
    }
}

/* The accumulator type of a combine and the functions on it: first value,
 * one more value, merge of two partials, the result; for a keyed combine
 * the queue of stage 1, for a global one its per-partition state. */
static void emit_combine_helpers(Emitter *e, const IrOp *c)
{
    const char *n = c->cname;
    const char *vt = ctype(e, c->val);
    Str ms = {0};
    explain_monoids_str(&ms, c);
    const char *where = arena_printf(e->arena, "%s %s = %s  (%s:%d)", op_info[c->kind].keyword,
                                     comment_safe(e, c->name), ms.p, fpipe_path(e), c->line);
    str_free(&ms);

    line(e, "/* %s: the accumulator. */", where);
    Str fields = {0};
    for (int i = 0; i < c->nmon; i++) {
        const char *f = mon_field(e, c, i);
        switch (c->mons[i]) {
        case MONOID_COUNT: str_add(&fields, " int64_t %s;", f); break;
        case MONOID_MEAN:
            str_add(&fields, " %s %s_sum; int64_t %s_n;",
                    c->val == &ty_i64 ? "fp_sum128" : fsum_of(c), f, f);
            break;
        case MONOID_SUM:
            str_add(&fields, " %s %s;", c->val == &ty_i64 ? vt : fsum_of(c), f);
            break;
        case MONOID_AND:
        case MONOID_OR: str_add(&fields, " bool %s;", f); break;
        case MONOID_TOPK:
            str_add(&fields, " int64_t %s_n; %s %s_v[%d];", f, vt, f, c->topk[i]);
            break;
        case MONOID_USER: str_add(&fields, " %s %s;", ctype(e, c->umon[i]->type), f); break;
        default: str_add(&fields, " %s %s;", vt, f); break;
        }
    }
    line(e, "typedef struct %s_acc {%s } %s_acc;", n, fields.p, n);
    str_free(&fields);
    blank(e);
    if (c->kind == OP_COMBINE_PER_KEY && xsum_count(c)) {
        /* A promoted exact sum is out of line: the runtime moves those
         * through checkpoints and the MPI shuffle by these offsets. */
        Str at = {0};
        for (int i = 0; i < c->nmon; i++)
            if (c->val == &ty_f64 && (c->mons[i] == MONOID_SUM || c->mons[i] == MONOID_MEAN))
                str_add(&at, "%soffsetof(%s_acc, %s%s)", at.n ? ", " : "", n, mon_field(e, c, i),
                        c->mons[i] == MONOID_MEAN ? "_sum" : "");
        line(e, "/* Where its exact f64 sums are (fp_xsum): the runtime carries a promoted one");
        line(e, " * through checkpoints and the MPI shuffle. */");
        line(e, "static const uint32_t %s_xsum_at[] = {%s};", n, at.p);
        str_free(&at);
        blank(e);
    }

    bool v_used = uses_value(c);
    line(e, "/* The accumulator of a first value. */");
    line(e, "static inline void %s_first(%s_acc *a, %s v)", n, n, vt);
    line(e, "{");
    e->indent++;
    if (!v_used)
        line(e, "(void)v;");
    for (int i = 0; i < c->nmon; i++) {
        const char *f = mon_field(e, c, i);
        if (c->mons[i] == MONOID_COUNT)
            line(e, "a->%s = 1;", f);
        else if (c->mons[i] == MONOID_TOPK)
            line(e, "a->%s_n = 1;", f), line(e, "a->%s_v[0] = v;", f);
        else if (c->mons[i] == MONOID_MEAN)
            line(e, c->val == &ty_i64 ? "a->%s_sum = fp_sum128_of(v);" : "%s_first(&a->%s_sum, v);",
                 c->val == &ty_i64 ? f : fsum_of(c), f),
                line(e, "a->%s_n = 1;", f);
        else if (c->mons[i] == MONOID_SUM && c->val != &ty_i64)
            line(e, "%s_first(&a->%s, v);", fsum_of(c), f);
        else
            line(e, "a->%s = v;", f);
    }
    e->indent--;
    line(e, "}");
    blank(e);

    line(e, "/* Fold one more value in. */");
    line(e, "static inline void %s_step(%s_acc *a, %s v)", n, n, vt);
    line(e, "{");
    e->indent++;
    if (!v_used)
        line(e, "(void)v;");
    for (int i = 0; i < c->nmon; i++)
        monoid_fold(e, c, i, "a", "v", false);
    e->indent--;
    line(e, "}");
    blank(e);

    line(e, "/* Merge two partial accumulators: *dst = *dst + *src (%s). */",
         c->kind == OP_COMBINE || !combine_is_exact(c) ? "in partition order"
                                                       : "in any order: the fold is exact");
    line(e, "static void %s_merge(void *dst, const void *src)", n);
    line(e, "{");
    e->indent++;
    line(e, "%s_acc *d = dst;", n);
    line(e, "const %s_acc *s = src;", n);
    for (int i = 0; i < c->nmon; i++)
        monoid_fold(e, c, i, "d", arena_printf(e->arena, "s->%s", mon_field(e, c, i)), true);
    e->indent--;
    line(e, "}");
    blank(e);

    const char *rt = ctype(e, c->res);
    line(e, "/* The result of the fold. */");
    line(e, "static inline %s %s_result(const %s_acc *a)", rt, n, n);
    line(e, "{");
    Str r = {0};
    for (int i = 0; i < c->nmon; i++) {
        const char *f = mon_field(e, c, i);
        if (i)
            str_add(&r, ", ");
        if (c->mons[i] == MONOID_MEAN && c->val == &ty_i64)
            str_add(&r, "fp_sum128_f64(a->%s_sum) / (double)a->%s_n", f, f);
        else if (c->mons[i] == MONOID_MEAN)
            str_add(&r, "%s_value(&a->%s_sum) / (double)a->%s_n", fsum_of(c), f, f);
        else if (c->mons[i] == MONOID_SUM && c->val != &ty_i64)
            str_add(&r, "%s_value(&a->%s)", fsum_of(c), f);
        else if (c->mons[i] == MONOID_TOPK)   /* the list points into the accumulator */
            str_add(&r, "(%s){(%s *)a->%s_v, a->%s_n}", ctype(e, type_list(c->val)), vt, f, f);
        else
            str_add(&r, "a->%s", f);
    }
    if (c->mon_tuple)
        line(e, "    return (%s){%s};", rt, r.p);
    else
        line(e, "    return %s;", r.p);
    str_free(&r);
    line(e, "}");
    blank(e);

    if (c->kind == OP_COMBINE_PER_KEY) {
        line(e, "/* An update of %s waiting in stage 1's queue. */", comment_safe(e, c->name));
        line(e, "typedef struct %s_pending { fp_kprobe probe; %s value; } %s_pending;", n, vt, n);
        blank(e);
        line(e, "/* Apply queued updates to this worker's table, in arrival order; their");
        line(e, " * slots were prefetched when they were queued. */");
        line(e, "static void %s_apply(fp_worker *w, %s_pending *q, int n)", n, n);
        line(e, "{");
        e->indent++;
        line(e, "if (FP_UNLIKELY(w->tab->hot != NULL))   /* --stats: the hot-key sketch */");
        line(e, "    fp_hot_add_batch(w->tab->hot, &q[0].probe, n, sizeof *q);");
        line(e, "for (int i = 0; i < n; i++) {");
        e->indent++;
        line(e, "bool fresh;");
        /* Keys made per element (lower, upper) die with the partition's
         * arena: the table copies those over 16 bytes. */
        bool copy = c->key != &ty_str || c->arena_strs;
        line(e, "%s_acc *acc = fp_ktab_upsert_probe(w->tab, &q[i].probe, %s, &fresh);", n,
             copy ? "true" : "false");
        line(e, "if (fresh)");
        line(e, "    %s_first(acc, q[i].value);", n);
        line(e, "else");
        line(e, "    %s_step(acc, q[i].value);", n);
        e->indent--;
        line(e, "}");
        e->indent--;
        line(e, "}");
        blank(e);
        return;
    }

    line(e, "/* The state of %s in one partition: its accumulator, once a value came. */",
         comment_safe(e, c->name));
    line(e, "typedef struct %s_state { %s_acc acc; bool has; } %s_state;", n, n, n);
    blank(e);
    line(e, "static void %s_init(void *state)", n);
    line(e, "{");
    line(e, "    ((%s_state *)state)->has = false;", n);
    line(e, "}");
    blank(e);
    line(e, "/* dst = dst + src, in partition order. */");
    line(e, "static void %s_state_merge(void *dst, const void *src)", n);
    line(e, "{");
    e->indent++;
    line(e, "%s_state *d = dst;", n);
    line(e, "const %s_state *s = src;", n);
    line(e, "if (!s->has)");
    line(e, "    return;");
    line(e, "if (d->has)");
    line(e, "    %s_merge(&d->acc, &s->acc);", n);
    line(e, "else");
    line(e, "    *d = *s;");
    e->indent--;
    line(e, "}");
    blank(e);
    if (has_identity(c)) {
        line(e, "/* The accumulator of no values: the monoids' identities. */");
        line(e, "static inline void %s_empty(%s_acc *a)", n, n);
        line(e, "{");
        for (int i = 0; i < c->nmon; i++) {
            const char *f = mon_field(e, c, i);
            if (c->mons[i] == MONOID_TOPK)
                line(e, "    a->%s_n = 0;", f);
            else if (c->mons[i] == MONOID_USER)
                line(e, "    a->%s = %s_empty();", f, c->umon[i]->cname);
            else if (c->mons[i] == MONOID_SUM && c->val != &ty_i64)
                line(e, "    a->%s = (fp_fsum){0};   /* the exact sum 0 */", f);
            else
                line(e, "    a->%s = %s;", f,
                     c->mons[i] == MONOID_AND ? "true" : c->mons[i] == MONOID_OR ? "false" : "0");
        }
        line(e, "}");
        blank(e);
    }
}

/* retry N around an operator's statement `TYPE VAR = ...;`: VAR is
 * declared first, and the loop assigns it until fp_retry says the pending
 * error is not transient or no retry is left.  Returns the statement's
 * start: "TYPE " without retry (then nothing is emitted), "" with. */
static const char *retry_open(Emitter *e, const IrOp *op, const char *type, const char *var,
                              const char **attempt)
{
    *attempt = NULL;
    if (!op->retryable)
        return arena_printf(e->arena, "%s ", type);
    *attempt = helper(e, arena_printf(e->arena, "%s_attempt", op->cname));
    line(e, "%s %s;", type, var);
    line(e, "for (int %s = 0; ; %s++) {   /* retry opcfg_%s.retry times (%lld in the .fpipe) "
            "after a transient error */", *attempt, *attempt, op->cname, (long long)op->retry);
    e->indent++;
    return "";
}

/* The end of retry_open's loop: again while fp_retry allows it. */
static void retry_close(Emitter *e, const IrOp *op, const char *attempt)
{
    if (!attempt)
        return;
    line(e, "if (!fp_retry(w, %s, &opcfg_%s))", attempt, op->cname);
    line(e, "    break;");
    e->indent--;
    line(e, "}");
}

/* --stats, while an element is timed: from here on, the time goes to
 * operator k (see fp_tick). */
static void time_tick(Emitter *e, int k)
{
    if (!e->timed)
        return;
    line(e, "FP_TIME(%d);", k);
}

/* --stats, at the head of stage 1's outer loop: whether this element is
 * timed (fp_sample); its time goes first to operator k. */
static void time_sample(Emitter *e, int k)
{
    if (!e->timed)
        return;
    line(e, "FP_TIME_SAMPLE(%d);", k);
}

/* A loop of operator k was opened: remembered for its end. */
static void loop_opened(Emitter *e, int k)
{
    if (e->loops <= (int)(sizeof e->loop_op / sizeof *e->loop_op))
        e->loop_op[e->loops - 1] = k;
}

/* An element-wise operator, or the first half of a combine, inside a
 * stage's loop nest.  Returns the C name of its output element. */
static const char *emit_op(Emitter *e, const IrOp *op, const char *input)
{
    ExprCtx x = {e, op, input};
    Str s = {0};
    const char *name = op->cname;
    const char *att, *decl;
    if (op->body && !expr_uses_input(op->body))
        line(e, "(void)%s;", input);
    time_tick(e, (int)(op - e->ir->ops));
    switch (op->kind) {
    case OP_MAP:
        op_comment(e, op, NULL);
        if (lowered(op->body) && !op->retryable) {
            line(e, "%s %s = %s;", ctype(e, op->out), name, ctype_zero(e, op->out));
            emit_value(&x, op->body, name);
            fail_check(e, op);
            count(e, op, 0);
            break;
        }
        decl = retry_open(e, op, ctype(e, op->out), name, &att);
        if (lowered(op->body)) {
            line(e, "%s = %s;", name, ctype_zero(e, op->out));
            emit_value(&x, op->body, name);
        } else if (op->body->kind == EX_TUPLE) {
            emit_args(&x, &s, op->body, ", ");
            if (att)
                line(e, "%s = (%s){%s};", name, ctype(e, op->out), s.p);
            else
                line(e, "%s%s = {%s};", decl, name, s.p);
        } else {
            emit_expr(&x, &s, op->body);
            line(e, "%s%s = %s;", decl, name, s.p);
        }
        retry_close(e, op, att);
        fail_check(e, op);
        count(e, op, 0);
        break;
    case OP_FILTER:
        op_comment(e, op, NULL);
        emit_expr(&x, &s, op->body);
        if (op->fallible) {
            const char *keep = helper(e, arena_printf(e->arena, "%s_keep", name));
            decl = retry_open(e, op, "bool", keep, &att);
            line(e, "%s%s = %s;", decl, keep, s.p);
            retry_close(e, op, att);
            fail_check(e, op);
            line(e, "if (!%s) {", keep);
        } else {
            line(e, "if (!%s) {", s.p);
        }
        e->indent++;
        line(e, "%s", skip_stmt(e));
        e->indent--;
        line(e, "}");
        count(e, op, 0);
        line(e, "%s %s = %s;", ctype(e, op->out), name, input);
        break;
    case OP_FLATMAP:
        op_comment(e, op, NULL);
        if (op->body->kind == EX_CALL && op->body->builtin == BI_SPLIT_WS) {
            emit_expr(&x, &s, op->body->args[0]);
            const char *it = helper(e, arena_printf(e->arena, "%s_it", name));
            decl = retry_open(e, op, "fp_ws_iter", it, &att);
            line(e, "%s%s = fp_ws_begin(%s);", decl, it, s.p);
            retry_close(e, op, att);
            fail_check(e, op);
            line(e, "%s %s;", ctype(e, op->out), name);
            next_loop(e, op, 0, arena_printf(e->arena, "fp_ws_next(&%s, &%s)", it, name));
        } else if (op->body->kind == EX_CALL && op->body->builtin == BI_SPLIT) {
            emit_args(&x, &s, op->body, ", ");
            const char *it = helper(e, arena_printf(e->arena, "%s_it", name));
            decl = retry_open(e, op, "fp_split_iter", it, &att);
            line(e, "%s%s = fp_split_begin(w, &site_%s, %s);", decl, it, op->cname, s.p);
            retry_close(e, op, att);
            fail_check(e, op);
            line(e, "%s %s;", ctype(e, op->out), name);
            next_loop(e, op, 0, arena_printf(e->arena, "fp_split_next(&%s, &%s)", it, name));
        } else if (op->body->kind == EX_CALL && op->body->builtin == BI_SPLIT_RE) {
            emit_regex_args(&x, &s, op->body);
            const char *it = helper(e, arena_printf(e->arena, "%s_it", name));
            decl = retry_open(e, op, "fp_resplit_iter", it, &att);
            line(e, "%s%s = fp_split_re_begin(w, &site_%s, %s);", decl, it, op->cname, s.p);
            retry_close(e, op, att);
            fail_check(e, op);
            line(e, "%s %s;", ctype(e, op->out), name);
            next_loop(e, op, 0, arena_printf(e->arena, "fp_split_re_next(&%s, &%s)", it, name));
        } else if (op->body->kind == EX_CALL && op->body->builtin == BI_WORDS) {
            emit_expr(&x, &s, op->body->args[0]);
            const char *it = helper(e, arena_printf(e->arena, "%s_it", name));
            decl = retry_open(e, op, "fp_words_iter", it, &att);
            line(e, "%s%s = fp_words_begin(w, &site_%s, %s);", decl, it, op->cname, s.p);
            retry_close(e, op, att);
            fail_check(e, op);
            line(e, "%s %s;", ctype(e, op->out), name);
            next_loop(e, op, 0, arena_printf(e->arena, "fp_words_next(&%s, &%s)", it, name));
        } else if (op->body->kind != EX_LIST) {   /* any list value */
            emit_expr(&x, &s, op->body);
            const char *items = helper(e, arena_printf(e->arena, "%s_items", name));
            const char *i = helper(e, arena_printf(e->arena, "%s_i", name));
            decl = retry_open(e, op, ctype(e, op->body->type), items, &att);
            line(e, "%s%s = %s;", decl, items, s.p);
            retry_close(e, op, att);
            fail_check(e, op);
            const char *n = loop_counter(e, op, 0);
            line(e, "for (int64_t %s = 0; %s < %s.n; %s++%s%s%s) {", i, i, items, i,
                 n ? ", " : "", n ? n : "", n ? "++" : "");
            e->indent++;
            line(e, "%s %s = %s.items[%s];", ctype(e, op->out), name, items, i);
            e->indent--;
        } else {   /* [a, b, ...] */
            emit_args(&x, &s, op->body, ", ");
            const char *items = helper(e, arena_printf(e->arena, "%s_items", name));
            const char *i = helper(e, arena_printf(e->arena, "%s_i", name));
            if (op->retryable) {
                decl = retry_open(e, op, ctype(e, op->out),
                                  arena_printf(e->arena, "%s[%d]", items, op->body->nargs), &att);
                line(e, "memcpy(%s, (%s[%d]){%s}, sizeof %s);", items, ctype(e, op->out),
                     op->body->nargs, s.p, items);
                retry_close(e, op, att);
            } else {
                line(e, "%s %s[%d] = {%s};", ctype(e, op->out), items, op->body->nargs, s.p);
            }
            fail_check(e, op);
            const char *n = loop_counter(e, op, 0);
            line(e, "for (int %s = 0; %s < %d; %s++%s%s%s) {", i, i, op->body->nargs, i,
                 n ? ", " : "", n ? n : "", n ? "++" : "");
            e->indent++;
            line(e, "%s %s = %s[%s];", ctype(e, op->out), name, items, i);
            e->indent--;
        }
        e->indent++;
        e->loops++;
        loop_opened(e, (int)(op - e->ir->ops));
        count(e, op, 0);
        break;
    case OP_COMBINE_PER_KEY: {
        op_comment(e, op, "queued for this worker's table");
        const char *key = arena_printf(e->arena, "%s.f0", input);
        if (op->key != &ty_str) {
            const char *kb = helper(e, arena_printf(e->arena, "%s_kbuf", name));
            line(e, "char %s[FP_KEYBUF] = {0};", kb);
            key = arena_printf(e->arena, "fp_key_%s(%s, %s)", op->key == &ty_i64 ? "i64" : "bool",
                               kb, key);
        }
        line(e, "fp_ktab_probe(w->tab, %s, &%s[%s].probe);", key, e->queue, e->queued);
        line(e, "%s[%s].value = %s.f1;", e->queue, e->queued, input);
        line(e, "if (++%s == FP_BATCH) {", e->queued);
        line(e, "    %s_apply(w, %s, %s);", op->cname, e->queue, e->queued);
        line(e, "    %s = 0;", e->queued);
        line(e, "}");
        break;
    }
    case OP_COMBINE: {
        op_comment(e, op, "partial, into this partition's state");
        const char *st = helper(e, arena_printf(e->arena, "%s_st", name));
        line(e, "%s_state *%s = w->acc;", name, st);
        line(e, "if (%s->has) {", st);
        line(e, "    %s_step(&%s->acc, %s);", name, st, input);
        line(e, "} else {");
        line(e, "    %s_first(&%s->acc, %s);", name, st, input);
        line(e, "    %s->has = true;", st);
        line(e, "}");
        break;
    }
    case OP_TOP:
        op_comment(e, op, "into this worker's top");
        line(e, "fp_top_push(w->top, &%s);", input);
        break;
    case OP_BATCH_MAP: {
        op_comment(e, op, "into the batch");
        line(e, "%s[%s] = %s;", e->batch_in, e->batch_n, input);
        line(e, "%s[%s] = w->pos;", e->batch_pos, e->batch_n);
        line(e, "if (++%s == opcfg_%s.max_batch) {   /* max_batch (%lld in the .fpipe) */",
             e->batch_n, op->cname, (long long)op->max_batch);
        line(e, "    %s(w, %s, %s, %s);", e->batch_fn, e->batch_in, e->batch_pos, e->batch_n);
        line(e, "    %s = 0;", e->batch_n);
        line(e, "    if (FP_UNLIKELY(w->halted))");
        line(e, "        return;");
        line(e, "}");
        break;
    }
    case OP_SINK: {
        op_comment(e, op, NULL);
        bool first = true;
        emit_row(e, op, op->in, input, &first);
        line(e, "fp_out_char(w->out, '\\n');");
        count(e, op, 0);
        break;
    }
    case OP_SOURCE:
    case OP__COUNT: break;
    }
    str_free(&s);
    return name;
}

/* Close the loops the stage opened (flatmaps, the source's); in the timed
 * variant, time before each loop's next element goes to its operator. */
static void close_loops(Emitter *e)
{
    while (e->loops > 0) {
        if (e->timed && e->loops <= (int)(sizeof e->loop_op / sizeof *e->loop_op))
            time_tick(e, e->loop_op[e->loops - 1]);
        e->indent--;
        e->loops--;
        line(e, "}");
    }
}

/* Whether any operator can fail (then w->pos tracks the element). */
static bool any_fallible(const Ir *ir)
{
    for (int i = 0; i < ir->nops; i++)
        if (ir->ops[i].fallible)
            return true;
    return false;
}

/* The comment over a stage's function: its number in the plan (as
 * explain prints it), when it runs, and the operators it fuses. */
static void stage_header(Emitter *e, const Stage *st, const char *when)
{
    const Ir *ir = e->ir;
    line(e, "/* Stage %d: %s.", (int)(st - e->plan->stages) + 1, when);
    for (int i = st->first; i <= st->last; i++) {
        const IrOp *op = &ir->ops[i];
        line(e, " *   %-15s %-12s %s:%d", op_info[op->kind].keyword, comment_safe(e, op->name),
             fpipe_path(e), op->line);
    }
    line(e, " */");
}

/* How a jsonl source reads a field of type t (a nested one: a record, a
 * tuple or a list), as an fp_jtype the runtime walks (jsonl_nested.c),
 * its parts' first; returns its address as C.  done holds the names made
 * (NULL: make none, the name only). */
static const char *emit_jtype(Emitter *e, const Type *t, PtrVec *done)
{
    switch (t->kind) {
    case TY_STR: return "&fp_jt_str";
    case TY_I64: return "&fp_jt_i64";
    case TY_F64: return "&fp_jt_f64";
    case TY_BOOL: return "&fp_jt_bool";
    default: break;
    }
    Str tag = {0};
    ctype_tag(&tag, t);
    const char *name = arena_printf(e->arena, "jsonl_%s", tag.p);
    str_free(&tag);
    if (!done)   /* the name only: emitted at the top of the file */
        return arena_printf(e->arena, "&%s", name);
    for (int i = 0; i < done->n; i++)
        if (!strcmp(done->v[i], name))
            return arena_printf(e->arena, "&%s", name);
    int n = t->kind == TY_LIST ? 1 : t->n;
    const char **parts = arena_alloc(e->arena, (size_t)n * sizeof *parts);
    for (int i = 0; i < n; i++)
        parts[i] = emit_jtype(e, t->kind == TY_LIST ? t->elem : t->elems[i], done);
    vec_push(e->arena, done, (void *)name);
    const char *c = ctype(e, t);
    Str tn = {0};
    type_str(&tn, t);
    line(e, "static const fp_jtype %s = {   /* %s */", name, tn.p);
    str_free(&tn);
    Str names = {0}, offs = {0}, types = {0};
    for (int i = 0; i < n; i++) {
        if (t->kind == TY_RECORD) {
            str_add(&names, "%s\"%s\"", i ? ", " : "", t->fields[i]);
            str_add(&offs, "%soffsetof(%s, %s)", i ? ", " : "", c, t->cfields[i]);
        } else if (t->kind == TY_TUPLE)
            str_add(&offs, "%soffsetof(%s, f%d)", i ? ", " : "", c, i);
        str_add(&types, "%s%s", i ? ", " : "", parts[i]);
    }
    const char *kind = t->kind == TY_RECORD ? "FP_JT_RECORD"
                     : t->kind == TY_TUPLE ? "FP_JT_TUPLE" : "FP_JT_LIST";
    line(e, "    %s, sizeof(%s), %d,", kind, c, t->kind == TY_LIST ? 0 : n);
    line(e, "    %s%s%s,", names.n ? "(const char *const[]){" : "NULL", names.n ? names.p : "",
         names.n ? "}" : "");
    line(e, "    %s%s%s,", offs.n ? "(const size_t[]){" : "NULL", offs.n ? offs.p : "",
         offs.n ? "}" : "");
    line(e, "    (const fp_jtype *const[]){%s},", types.p);
    line(e, "};");
    str_free(&names);
    str_free(&offs);
    str_free(&types);
    return arena_printf(e->arena, "&%s", name);
}

/* The fp_jtype of every nested field of the jsonl sources. */
static void emit_jtypes(Emitter *e)
{
    PtrVec done = {0};
    for (int i = 0; i < e->ir->nops; i++) {
        const IrOp *op = &e->ir->ops[i];
        if (op->kind != OP_SOURCE || op->fmt != FMT_JSONL || !op->out ||
            op->out->kind != TY_RECORD)
            continue;
        for (int k = 0; k < op->out->n; k++)
            if (!type_is_scalar(op->out->elems[k]) && op->out->elems[k]->kind != TY_OPT) {
                if (!done.n)
                    line(e, "/* How the jsonl source reads its nested fields (a member's path, "
                            "its C layout). */");
                emit_jtype(e, op->out->elems[k], &done);
            }
    }
    if (done.n)
        blank(e);
}

/* A csv or jsonl source: the loop over records, each converted field by
 * field to the declared record (a bad field fails the element). */
static void emit_record_source(Emitter *e, const IrOp *src)
{
    const Type *t = src->out;
    const char *rec = src->cname;
    bool csv = src->fmt == FMT_CSV;
    /* Another delimiter or quote than ',' '"': record by record (the
     * bitmask scan knows only those). */
    bool plain = csv && csv_plain(src);
    if (!plain)
        line(e, "const char *cur = w->part->begin, *end = w->part->end;");
    op_comment(e, src, plain ? "bitmask scan in place; libcsv for quoted records"
                       : csv ? "split at its delimiter; libcsv for quoted records"
                             : "one JSON object per line, parsed by jansson");
    const char *raw = helper(e, arena_printf(e->arena, "%s_%s", rec, csv ? "cols" : "obj"));
    if (csv && !plain) {
        line(e, "fp_str %s[%d];   /* the record's fields as text, in declaration order */", raw,
             t->n);
        next_loop(e, src, 1, arena_printf(e->arena, "fp_csv_next(w, &site_%s, &cur, end, %s, %d)",
                                          src->cname, raw, t->n));
    } else if (csv) {
        const char *it = helper(e, arena_printf(e->arena, "%s_it", rec));
        line(e, "fp_csv_iter %s = fp_csv_begin(w);", it);
        line(e, "fp_str %s[%d];   /* the record's fields as text, in declaration order */", raw,
             t->n);
        next_loop(e, src, 1, arena_printf(e->arena, "fp_csv_row(&%s, w, &site_%s, %s, %d)", it,
                                          src->cname, raw, t->n));
    } else {
        line(e, "fp_json *%s;", raw);
        next_loop(e, src, 1, arena_printf(e->arena, "fp_jsonl_next(w, &site_%s, &cur, end, &%s)",
                                          src->cname, raw));
    }
    e->indent++;
    e->loops++;
    loop_opened(e, 0);
    time_sample(e, 0);
    count(e, src, 1);
    line(e, "%s %s;", ctype(e, t), rec);
    for (int i = 0; i < t->n; i++) {
        const Type *ft = t->elems[i];
        bool opt = ft->kind == TY_OPT;   /* empty, missing or null: none */
        if (opt)
            ft = ft->elem;
        const char *kind = ft == &ty_i64 ? "i64" : ft == &ty_f64 ? "f64"
                         : ft == &ty_bool ? "bool" : "str";
        if (opt)
            kind = arena_printf(e->arena, "opt_%s", kind);
        if (csv && opt && ft == &ty_str)
            line(e, "%s.%s = fp_col_opt_str(%s[%d]);", rec, t->cfields[i], raw, i);
        else if (csv && ft == &ty_str)
            line(e, "%s.%s = %s[%d];", rec, t->cfields[i], raw, i);
        else if (csv)
            line(e, "%s.%s = fp_col_%s(w, &site_%s, %s[%d], \"%s\");", rec, t->cfields[i], kind,
                 src->cname, raw, i, t->fields[i]);
        else if (!type_is_scalar(ft))   /* a record, tuple or list: jsonl_nested.c */
            line(e, "fp_json_nested(w, &site_%s, %s, \"%s\", %s, &%s.%s);", src->cname, raw,
                 t->fields[i], emit_jtype(e, ft, NULL), rec, t->cfields[i]);
        else
            line(e, "%s.%s = fp_json_%s(w, &site_%s, %s, \"%s\");", rec, t->cfields[i], kind,
                 src->cname, raw, t->fields[i]);
    }
    if (!csv)
        line(e, "fp_json_done(%s);", raw);
    fail_check(e, src);
    count(e, src, 0);
}

/* The queue of keyed-combine updates, in the function that holds the
 * combine (NULL if the stage does not end in one). */
static const IrOp *open_queue(Emitter *e, const Stage *st)
{
    const IrOp *keyed = e->ir->ops[st->last].kind == OP_COMBINE_PER_KEY ? &e->ir->ops[st->last]
                                                                         : NULL;
    if (keyed) {
        e->queue = helper(e, arena_printf(e->arena, "%s_q", keyed->cname));
        e->queued = helper(e, arena_printf(e->arena, "%s_n", keyed->cname));
        line(e, "%s_pending %s[FP_BATCH];   /* updates of %s, FP_BATCH at a time */",
             keyed->cname, e->queue, comment_safe(e, keyed->name));
        line(e, "int %s = 0;", e->queued);
    }
    return keyed;
}

/* ---- materialize on an element-wise operator ----------------------------- */

/* The name part of a type's checkpoint serialisers. */
static const char *ckpt_tag(Emitter *e, const Type *t)
{
    Str s = {0};
    ctype_tag(&s, t);
    const char *r = arena_strndup(e->arena, s.p, s.n);
    str_free(&s);
    return r;
}

/* The statements writing the value v (an lvalue) of type t to fp_buf *b,
 * or reading it from p. */
static void ckpt_put_value(Emitter *e, const Type *t, const char *v)
{
    switch (t->kind) {
    case TY_I64: line(e, "fp_ckpt_put_u64(b, (uint64_t)%s);", v); break;
    case TY_F64: line(e, "fp_ckpt_put_f64(b, %s);", v); break;
    case TY_BOOL: line(e, "fp_ckpt_put_bool(b, %s);", v); break;
    case TY_STR: line(e, "fp_ckpt_put_str(b, %s);", v); break;
    case TY_OPT:   /* its flag, then its value (zero when none) */
        line(e, "fp_ckpt_put_bool(b, %s.has);", v);
        ckpt_put_value(e, t->elem, arena_printf(e->arena, "%s.v", v));
        break;
    default: line(e, "ckpt_put_%s(b, &%s);", ckpt_tag(e, t), v); break;
    }
}

/* The statement reading the value v of type t back from p (--resume). */
static void ckpt_get_value(Emitter *e, const Type *t, const char *v)
{
    switch (t->kind) {
    case TY_I64: line(e, "p = fp_ckpt_get_i64(w, p, &%s);", v); break;
    case TY_F64: line(e, "p = fp_ckpt_get_f64(w, p, &%s);", v); break;
    case TY_BOOL: line(e, "p = fp_ckpt_get_bool(w, p, &%s);", v); break;
    case TY_STR: line(e, "p = fp_ckpt_get_str(w, p, &%s);", v); break;
    case TY_OPT:
        line(e, "p = fp_ckpt_get_bool(w, p, &%s.has);", v);
        ckpt_get_value(e, t->elem, arena_printf(e->arena, "%s.v", v));
        break;
    default: line(e, "p = ckpt_get_%s(w, p, &%s);", ckpt_tag(e, t), v); break;
    }
}

/* One writer and one reader per type of the checkpointed element, inner
 * types first: fields in order, an f64 as its 8 bytes (bit-exact), a str
 * as its length and bytes (read back as a view into the checkpoint), a
 * list as its length and items (read back into the worker's arena). */
static void emit_ckpt_serialisers(Emitter *e, const Type *t, PtrVec *done, bool top)
{
    if (t->kind != TY_TUPLE && t->kind != TY_RECORD && t->kind != TY_LIST && !top)
        return;   /* a scalar inside a compound: written in place */
    for (int i = 0; i < done->n; i++)
        if (done->v[i] == t)
            return;
    if (t->kind == TY_LIST)
        emit_ckpt_serialisers(e, t->elem, done, false);
    if (t->kind == TY_TUPLE || t->kind == TY_RECORD)
        for (int i = 0; i < t->n; i++)
            emit_ckpt_serialisers(e, t->elems[i], done, false);
    vec_push(e->arena, done, (void *)t);
    const char *tag = ckpt_tag(e, t), *ct = ctype(e, t);
    Str tn = {0};
    type_str(&tn, t);
    line(e, "/* materialize: a %s into the checkpoint. */", comment_safe(e, tn.p));
    line(e, "static void ckpt_put_%s(fp_buf *b, const %s *v)", tag, ct);
    line(e, "{");
    e->indent++;
    if (t->kind == TY_LIST) {
        line(e, "fp_ckpt_put_u64(b, (uint64_t)v->n);");
        line(e, "for (int64_t i = 0; i < v->n; i++) {");
        e->indent++;
        ckpt_put_value(e, t->elem, "v->items[i]");
        e->indent--;
        line(e, "}");
    } else if (t->kind == TY_TUPLE || t->kind == TY_RECORD) {
        for (int i = 0; i < t->n; i++)
            ckpt_put_value(e, t->elems[i], t->kind == TY_RECORD
                                               ? arena_printf(e->arena, "v->%s", t->cfields[i])
                                               : arena_printf(e->arena, "v->f%d", i));
    } else {
        ckpt_put_value(e, t, "*v");
    }
    e->indent--;
    line(e, "}");
    blank(e);
    line(e, "/* ... and back, for --resume. */");
    line(e, "static const char *ckpt_get_%s(fp_worker *w, const char *p, %s *v)", tag, ct);
    line(e, "{");
    e->indent++;
    if (t->kind == TY_LIST) {
        line(e, "p = fp_ckpt_get_len(w, p, &v->n);");
        line(e, "v->items = v->n ? fp_arena_alloc(w->arena, (size_t)v->n * sizeof *v->items) "
                ": NULL;");
        line(e, "for (int64_t i = 0; i < v->n; i++) {");
        e->indent++;
        ckpt_get_value(e, t->elem, "v->items[i]");
        e->indent--;
        line(e, "}");
    } else if (t->kind == TY_TUPLE || t->kind == TY_RECORD) {
        for (int i = 0; i < t->n; i++)
            ckpt_get_value(e, t->elems[i], t->kind == TY_RECORD
                                               ? arena_printf(e->arena, "v->%s", t->cfields[i])
                                               : arena_printf(e->arena, "v->f%d", i));
    } else {
        ckpt_get_value(e, t, "*v");
    }
    line(e, "return p;");
    e->indent--;
    line(e, "}");
    blank(e);
    str_free(&tn);
}

/* In stage 1, right after the materialized operator's statement: its
 * element into this partition's checkpoint payload. */
static void emit_ckpt_hook(Emitter *e, const Stage *st, int i, const char *cur)
{
    if (i != e->plan->ckpt_elem_op)
        return;
    const IrOp *op = &e->ir->ops[i];
    line(e, "/* materialize: %s %s's element into this partition's checkpoint */",
         op_info[op->kind].keyword, comment_safe(e, op->name));
    line(e, "if (w->ckpt) {");
    (void)st;
    if (e->plan->ckpt_records)
        line(e, "    fp_ckpt_record(w);   /* its input record, for later error messages */");
    line(e, "    ckpt_put_%s(w->ckpt, &%s);", ckpt_tag(e, op->out), cur);
    line(e, "}");
}

/* --resume: the operators of stage 1 after the materialized one, over a
 * checkpointed partition's elements (the shape of the batch_map split). */
static void emit_resume_fn(Emitter *e, const Stage *st, int m)
{
    const Ir *ir = e->ir;
    const IrOp *op = &ir->ops[m];
    names_reset(e);
    e->loops = 0;
    line(e, "/* Stage 1 from the checkpoint of %s %s (--resume): once per checkpointed "
            "partition, on any thread; fuses", op_info[op->kind].keyword,
         comment_safe(e, op->name));
    for (int k = m; k <= st->last; k++)
        line(e, " *   %-15s %-12s %s:%d", op_info[ir->ops[k].kind].keyword,
             comment_safe(e, ir->ops[k].name), fpipe_path(e), ir->ops[k].line);
    line(e, " */");
    line(e, "static void %s(fp_worker *w)", e->plan->resume_fname);
    line(e, "{");
    e->indent++;
    const IrOp *keyed = open_queue(e, st);
    e->local_counts = true;
    counters(e, m + 1, st->last, true);
    const char *p = helper(e, "ck"), *end = helper(e, "ck_end");
    line(e, "const char *%s = w->part->begin, *%s = w->part->end;   /* its elements */", p, end);
    line(e, "while (%s < %s) {", p, end);
    e->indent++;
    e->loops++;
    if (e->plan->ckpt_records)
        line(e, "%s = fp_ckpt_next(w, %s);   /* its input record: w->part, w->pos */", p, p);
    op_comment(e, op, "one element, from the checkpoint");
    line(e, "%s %s;", ctype(e, op->out), op->cname);
    line(e, "%s = ckpt_get_%s(w, %s, &%s);", p, ckpt_tag(e, op->out), p, op->cname);
    const char *cur = op->cname;
    for (int k = m + 1; k <= st->last; k++)
        cur = emit_op(e, &ir->ops[k], cur);
    close_loops(e);
    if (keyed)
        line(e, "%s_apply(w, %s, %s);", keyed->cname, e->queue, e->queued);
    counters(e, m + 1, st->last, false);
    e->local_counts = false;
    e->indent--;
    line(e, "}");
    blank(e);
}

/* --resume: every element of a checkpointed partition read back once,
 * before anything runs from the checkpoint (each read checks its length). */
static void emit_ckpt_elems_valid(Emitter *e, int m)
{
    const IrOp *op = &e->ir->ops[m];
    line(e, "/* --resume: whether a partition of the checkpoint of %s reads back. */",
         comment_safe(e, op->name));
    line(e, "static bool ckpt_elems_valid(fp_worker *w, const char *p, const char *end)");
    line(e, "{");
    e->indent++;
    line(e, "w->ck_end = end;");
    line(e, "w->ck_bad = false;");
    line(e, "while (p < end && !w->ck_bad) {");
    e->indent++;
    if (e->plan->ckpt_records)
        line(e, "p = fp_ckpt_next(w, p);");
    line(e, "%s v;", ctype(e, op->out));
    line(e, "p = ckpt_get_%s(w, p, &v);", ckpt_tag(e, op->out));
    line(e, "fp_arena_reset(w->arena);");
    e->indent--;
    line(e, "}");
    line(e, "return !w->ck_bad;");
    e->indent--;
    line(e, "}");
    blank(e);
}

/* The second half of stage 1 when it holds a batch_map: the C function on
 * a whole batch, then the operators after it on each result. */
static void emit_batch_fn(Emitter *e, const Stage *st, int bm)
{
    const Ir *ir = e->ir;
    const IrOp *op = &ir->ops[bm];
    names_reset(e);
    e->loops = 0;
    const char *name = op->cname;
    const char *in = helper(e, "batch");
    const char *pos = helper(e, "batch_pos");
    const char *n = helper(e, "batch_n");
    const char *i = helper(e, "i");
    line(e, "/* Stage 1 from batch_map %s on: once per batch, in input order, of at most",
         comment_safe(e, op->name));
    line(e, " * opcfg_%s.max_batch elements (%lld in the .fpipe); fuses", op->cname,
         (long long)op->max_batch);
    for (int k = bm; k <= st->last; k++)
        line(e, " *   %-15s %-12s %s:%d", op_info[ir->ops[k].kind].keyword,
             comment_safe(e, ir->ops[k].name), fpipe_path(e), ir->ops[k].line);
    line(e, " */");
    line(e, "static void %s(fp_worker *w, %s *%s, const char **%s, int %s)", e->batch_fn,
         ctype(e, op->in), in, pos, n);
    line(e, "{");
    e->indent++;
    const IrOp *keyed = open_queue(e, st);
    e->local_counts = true;
    counters(e, bm, st->last, true);
    op_comment(e, op, "the C function on the whole batch");
    const char *out = helper(e, arena_printf(e->arena, "%s_out", name));
    if (op->retryable) {
        const char *att = helper(e, arena_printf(e->arena, "%s_attempt", name));
        line(e, "%s %s;", ctype(e, op->batch_fn->ret), out);
        line(e, "for (int %s = 0; ; %s++) {   /* retry opcfg_%s.retry times (%lld in the "
                ".fpipe): the whole call again after a transient error */", att, att, name,
             (long long)op->retry);
        line(e, "    fp_batch_begin(w, &site_%s, %s);", name, n);
        line(e, "    %s = %s(w, (%s){%s, %s});", out, op->batch_fn->name,
             ctype(e, op->batch_fn->params[0]), in, n);
        line(e, "    if (!fp_batch_retry(w, &site_%s, %s, &opcfg_%s))", name, att, name);
        line(e, "        break;");
        line(e, "}");
    } else {
        line(e, "fp_batch_begin(w, &site_%s, %s);", name, n);
        line(e, "%s %s = %s(w, (%s){%s, %s});", ctype(e, op->batch_fn->ret), out,
             op->batch_fn->name, ctype(e, op->batch_fn->params[0]), in, n);
    }
    line(e, "fp_batch_end(w, &site_%s, %s, %s.n);   /* a failed call fails every element */",
         name, n, out);
    line(e, "for (int %s = 0; %s < %s; %s++) {", i, i, n, i);
    e->indent++;
    e->loops++;
    line(e, "w->pos = %s[%s];", pos, i);
    line(e, "fp_batch_failed(w, &site_%s, %s);   /* this element's own error, if any */",
         name, i);
    fail_check(e, op);
    count(e, op, 0);
    line(e, "%s %s = %s.items[%s];", ctype(e, op->out), name, out, i);
    const char *cur = name;
    emit_ckpt_hook(e, st, bm, cur);
    for (int k = bm + 1; k <= st->last; k++) {
        cur = emit_op(e, &ir->ops[k], cur);
        emit_ckpt_hook(e, st, k, cur);
    }
    close_loops(e);
    if (keyed)
        line(e, "%s_apply(w, %s, %s);", keyed->cname, e->queue, e->queued);
    counters(e, bm, st->last, false);
    e->local_counts = false;
    e->indent--;
    line(e, "}");
    blank(e);
}

/* Stage 1, over one input partition; with `timed`, its variant for --stats
 * that also times each operator (FP_TIME), named FNAME_timed.  Assumes
 * the batch function, if any, was emitted before (emit_batch_fn). */
static void emit_stage1(Emitter *e, const Stage *st, bool timed)
{
    const Ir *ir = e->ir;
    int bm = e->plan->batch_map;
    names_reset(e);
    if (timed) {
        line(e, "/* Stage 1 with --stats: %s with each operator's time measured on 1 element",
             st->fname);
        line(e, " * in 64 (FP_TIME_SAMPLE, FP_TIME); the runtime runs this one under --stats. */");
        line(e, "static void %s(fp_worker *w)", st->timed_fname);
    } else {
        stage_header(e, st, "once per input partition, on any thread; fuses");
        line(e, "static void %s(fp_worker *w)", st->fname);
    }
    line(e, "{");
    e->indent++;
    e->loops = 0;
    const IrOp *src = &ir->ops[0];
    const char *cur = src->cname;
    int next = st->first + 1;
    const IrOp *keyed = NULL;
    int last_counted = bm >= 0 ? bm - 1 : st->last;
    e->local_counts = true;
    counters(e, st->first, last_counted, true);
    if (timed)
        line(e, "FP_TIMER(w);");
    e->timed = timed;
    if (bm < 0) {
        keyed = open_queue(e, st);
    } else {
        const IrOp *b = &ir->ops[bm];
        e->batch_in = helper(e, arena_printf(e->arena, "%s_in", b->cname));
        e->batch_pos = helper(e, arena_printf(e->arena, "%s_pos", b->cname));
        e->batch_n = helper(e, arena_printf(e->arena, "%s_n", b->cname));
        line(e, "/* The batch of %s: elements and where they start in the input. */",
             comment_safe(e, b->name));
        line(e, "%s *%s = fp_worker_buf(w, 0, (size_t)opcfg_%s.max_batch * sizeof *%s);",
             ctype(e, b->in), e->batch_in, b->cname, e->batch_in);
        line(e, "const char **%s = fp_worker_buf(w, 1, (size_t)opcfg_%s.max_batch * sizeof *%s);",
             e->batch_pos, b->cname, e->batch_pos);
        line(e, "int %s = 0;", e->batch_n);
        line(e, "w->halted = 0;");
        e->in_segment_a = true;
    }
    if (e->plan->scan_words) {
        const IrOp *fm = &ir->ops[1];
        op_comment(e, src, NULL);
        op_comment(e, fm, "one scan over the partition: split_ws never crosses a newline");
        const char *it = helper(e, arena_printf(e->arena, "%s_it", fm->cname));
        line(e, "fp_ws_iter %s = fp_ws_begin(fp_str_lit(w->part->begin, "
                "(size_t)(w->part->end - w->part->begin)));", it);
        line(e, "fp_str %s;", fm->cname);
        next_loop(e, fm, 0, arena_printf(e->arena, "fp_ws_next(&%s, &%s)", it, fm->cname));
        e->indent++;
        e->loops++;
        loop_opened(e, 1);
        time_sample(e, 1);
        count(e, fm, 0);
        if (any_fallible(ir) || e->plan->input_pos)
            line(e, "w->pos = %s.p;   /* for error messages%s */", fm->cname,
                 e->plan->input_pos ? " and input_line()" : "");
        cur = fm->cname;
        next = st->first + 2;
        emit_ckpt_hook(e, st, 1, cur);
    } else if (src->fmt == FMT_TEXT) {
        line(e, "const char *cur = w->part->begin, *end = w->part->end;");
        op_comment(e, src, NULL);
        line(e, "fp_str %s;", src->cname);
        line(e, "while (fp_next_line(&cur, end, &%s)) {", src->cname);
        e->indent++;
        e->loops++;
        loop_opened(e, 0);
        time_sample(e, 0);
        if (any_fallible(ir) || e->plan->input_pos)
            line(e, "w->pos = %s.p;   /* for error messages%s */", src->cname,
                 e->plan->input_pos ? " and input_line()" : "");
    } else {
        emit_record_source(e, src);
    }
    for (int i = next; i <= (bm >= 0 ? bm : st->last); i++) {
        cur = emit_op(e, &ir->ops[i], cur);
        if (i != bm)
            emit_ckpt_hook(e, st, i, cur);
    }
    e->in_segment_a = false;
    close_loops(e);
    if (timed)
        line(e, "FP_TIME_END();");
    e->timed = false;
    if (keyed)
        line(e, "%s_apply(w, %s, %s);", keyed->cname, e->queue, e->queued);
    if (bm >= 0) {
        line(e, "if (%s)   /* the last, partial batch */", e->batch_n);
        line(e, "    %s(w, %s, %s, %s);", e->batch_fn, e->batch_in, e->batch_pos, e->batch_n);
    }
    counters(e, st->first, last_counted, false);
    e->local_counts = false;
    e->indent--;
    line(e, "}");
    blank(e);
}

/* ---- top --------------------------------------------------------------- */

/* Statements comparing two values of type t: ascending, every field in turn
 * (the tie-break after the sort keys, so that the order is total). */
static void emit_cmp_fields(Emitter *e, const Type *t, const char *a, const char *b)
{
    switch (t->kind) {
    case TY_TUPLE:
    case TY_RECORD:
        for (int i = 0; i < t->n; i++) {
            const char *f = t->kind == TY_RECORD ? t->cfields[i]
                                                 : arena_printf(e->arena, "f%d", i);
            emit_cmp_fields(e, t->elems[i], arena_printf(e->arena, "%s.%s", a, f),
                            arena_printf(e->arena, "%s.%s", b, f));
        }
        return;
    case TY_OPT:   /* none first; two nones hold equal zeros */
        emit_cmp_fields(e, &ty_bool, arena_printf(e->arena, "%s.has", a),
                        arena_printf(e->arena, "%s.has", b));
        emit_cmp_fields(e, t->elem, arena_printf(e->arena, "%s.v", a),
                        arena_printf(e->arena, "%s.v", b));
        return;
    case TY_STR: line(e, "if ((c = fp_str_cmp(%s, %s)) != 0)", a, b); break;
    case TY_F64: line(e, "if ((c = fp_f64_cmp_total(%s, %s)) != 0)", a, b); break;
    default: line(e, "if ((c = (%s > %s) - (%s < %s)) != 0)", a, b, a, b); break;
    }
    line(e, "    return c < 0 ? -1 : 1;");
}

/* The strings of a kept element, copied out of their partition (keep) and
 * freed when it is pushed out (release). */
static bool emit_str_walk(Emitter *e, const Type *t, const char *v, const char *fn)
{
    bool any = false;
    if (t->kind == TY_STR) {
        line(e, "%s(&%s);", fn, v);
        return true;
    }
    if (t->kind == TY_OPT)   /* a none str? is empty: nothing to copy */
        return emit_str_walk(e, t->elem, arena_printf(e->arena, "%s.v", v), fn);
    for (int i = 0; i < t->n && (t->kind == TY_TUPLE || t->kind == TY_RECORD); i++) {
        const char *f = t->kind == TY_RECORD ? t->cfields[i] : arena_printf(e->arena, "f%d", i);
        any |= emit_str_walk(e, t->elems[i], arena_printf(e->arena, "%s.%s", v, f), fn);
    }
    return any;
}

/* A top's order function (sort keys, then the whole element), and keep /
 * release for the strings of the elements it holds. */
static void emit_top_helpers(Emitter *e, const IrOp *op)
{
    const char *n = op->cname;
    const char *t = ctype(e, op->in);
    names_reset(e);
    e->loops = 0;
    Str keys = {0};
    explain_sortkeys_str(&keys, op);
    line(e, "/* top %s = %lld by %s  (%s:%d):", comment_safe(e, op->name), (long long)op->top_n,
         comment_safe(e, keys.p), fpipe_path(e), op->line);
    line(e, " * negative when *pa comes before *pb; ties go by the whole element,");
    line(e, " * ascending, so the order is total. */");
    str_free(&keys);
    line(e, "static int %s_order(const void *pa, const void *pb)", n);
    line(e, "{");
    e->indent++;
    line(e, "const %s *a = pa, *b = pb;", t);
    line(e, "int c;");
    for (int i = 0; i < op->nby; i++) {
        const SortKey *k = op->by[i];
        declare_lets(e, k->expr);
        Str sa = {0}, sb = {0};
        ExprCtx xa = {e, op, "(*a)"}, xb = {e, op, "(*b)"};
        emit_expr(&xa, &sa, k->expr);
        emit_expr(&xb, &sb, k->expr);
        const Type *kt = k->expr->type;
        const char *ka = helper(e, arena_printf(e->arena, "ka%d", i));
        const char *kb = helper(e, arena_printf(e->arena, "kb%d", i));
        line(e, "%s %s = %s, %s = %s;", ctype(e, kt), ka, sa.p, kb, sb.p);
        const char *x = k->desc ? kb : ka, *y = k->desc ? ka : kb;
        if (kt == &ty_str)
            line(e, "if ((c = fp_str_cmp(%s, %s)) != 0)   /* %s */", x, y,
                 k->desc ? "desc" : "asc");
        else if (kt == &ty_f64)
            line(e, "if ((c = fp_f64_cmp_total(%s, %s)) != 0)   /* %s */", x, y,
                 k->desc ? "desc" : "asc");
        else
            line(e, "if ((c = (%s > %s) - (%s < %s)) != 0)   /* %s */", x, y, x, y,
                 k->desc ? "desc" : "asc");
        line(e, "    return c < 0 ? -1 : 1;");
        str_free(&sa);
        str_free(&sb);
    }
    emit_cmp_fields(e, op->in, "(*a)", "(*b)");
    line(e, "return 0;");
    e->indent--;
    line(e, "}");
    blank(e);
    const char *fns[2][2] = {{"keep", "fp_str_keep"}, {"release", "fp_str_release"}};
    for (int k = 0; k < 2; k++) {
        line(e, "/* %s */", k == 0 ? "A kept element's strings, copied out of the partition."
                                   : "Free what keep copied.");
        line(e, "static void %s_%s(void *p)", n, fns[k][0]);
        line(e, "{");
        e->indent++;
        line(e, "%s *x = p;", t);
        Str probe = {0};
        Str *save = e->out;
        e->out = &probe;
        bool any = emit_str_walk(e, op->in, "(*x)", fns[k][1]);
        e->out = save;
        if (!any)
            line(e, "(void)x;");
        else
            str_addn(e->out, probe.p, probe.n);
        str_free(&probe);
        e->indent--;
        line(e, "}");
        blank(e);
    }
}

/* The operators after a stage's first, in its loop nest, and the end of
 * its function (stages 2 and 3). */
static void emit_rest_of_stage(Emitter *e, const Stage *st, const char *cur)
{
    for (int i = st->first + 1; i <= st->last; i++)
        cur = emit_op(e, &e->ir->ops[i], cur);
    close_loops(e);
    e->indent--;
    line(e, "}");
    blank(e);
}

/* The stage after a top: once per kept element, in top order. */
static void emit_stage3(Emitter *e, const Stage *st)
{
    const Ir *ir = e->ir;
    const IrOp *top = &ir->ops[st->first];
    names_reset(e);
    e->loops = 0;
    stage_header(e, st, "once per kept element of the top, in its order; fuses");
    line(e, "static void %s(fp_worker *w, const void *elem)", st->fname);
    line(e, "{");
    e->indent++;
    op_comment(e, top, "one kept element");
    line(e, "%s %s = *(const %s *)elem;", ctype(e, top->out), top->cname, ctype(e, top->out));
    count(e, top, 0);
    const char *cur = top->cname;
    emit_rest_of_stage(e, st, cur);
}

/* ---- extern C functions and declared monoids ---------------------------- */

/* The types and prototypes of the extern functions: the same text goes
 * into the generated program and into the header the C file includes. */
static void emit_extern_decls(Emitter *e, PtrVec *done)
{
    const Ir *ir = e->ir;
    for (int i = 0; i < ir->nrecords; i++)
        emit_tuple_type(e, ir->records[i], done);
    for (int i = 0; i < ir->nexterns; i++) {
        const Extern *x = ir->externs[i];
        emit_tuple_type(e, x->ret, done);
        for (int k = 0; k < x->nparams; k++)
            emit_tuple_type(e, x->params[k], done);
    }
    if (!ir->nexterns)
        return;
    blank(e);
    for (int i = 0; i < ir->nexterns; i++) {
        const Extern *x = ir->externs[i];
        Str sig = {0};
        explain_extern_str(&sig, x);
        if (e->opts->header)   /* the same declarations, the same bytes: no paths */
            line(e, "/* extern %s%s */", comment_safe(e, sig.p),
                 x->fallible ? ": may call fp_error" : "");
        else
            line(e, "/* extern %s  (%s:%d)%s */", comment_safe(e, sig.p), fpipe_path(e),
                 x->line, x->fallible ? ": may call fp_error" : "");
        str_free(&sig);
        Str ps = {0};
        for (int k = 0; k < x->nparams; k++)
            str_add(&ps, ", %s %s", ctype(e, x->params[k]), x->pnames[k]);
        line(e, "%s %s(fp_ctx *cx%s);", ctype(e, x->ret), x->name, ps.n ? ps.p : "");
        if (!e->opts->header && x->called) {
            /* The call with the site its errors belong to: a function, so
             * two calls in one expression are sequenced. */
            Str as = {0};
            for (int k = 0; k < x->nparams; k++)
                str_add(&as, ", %s", x->pnames[k]);
            line(e, "static inline %s fp_call_%s(fp_worker *fp_w, const fp_site *fp_at%s)",
                 ctype(e, x->ret), x->name, ps.n ? ps.p : "");
            line(e, "{");
            line(e, "    fp_w->ext_site = fp_at;");
            line(e, "    return %s(fp_w%s);", x->name, as.n ? as.p : "");
            line(e, "}");
            str_free(&as);
        }
        str_free(&ps);
    }
}

/* The declared monoids' C functions; with `used` (a program), only those
 * its combine calls: NAME_combine, and NAME_empty for a global combine's
 * result on no input (no unused static functions: clang warns). */
static void emit_user_monoids(Emitter *e, const IrOp *used)
{
    const Ir *ir = e->ir;
    for (int i = 0; i < ir->nmonoids; i++) {
        UserMonoid *m = ir->monoids[i];
        bool uses = !used;
        for (int k = 0; used && k < used->nmon; k++)
            uses |= used->umon[k] == m;
        if (!uses)
            continue;
        bool want_empty = !used || used->kind == OP_COMBINE;
        const char *t = ctype(e, m->type);
        names_reset(e);
        ExprCtx x = {e, NULL, "?"};
        line(e, "/* monoid %s : %s  (%s:%d)%s%s */", comment_safe(e, m->name),
             comment_safe(e, type_name(e->arena, m->type)), fpipe_path(e), m->line,
             m->associative ? ", associative" : "", m->commutative ? ", commutative" : "");
        Str s = {0};
        if (want_empty) {
            line(e, "static inline %s %s_empty(void)", t, m->cname);
            line(e, "{");
            e->indent++;
            declare_lets(e, m->empty);
            emit_expr(&x, &s, m->empty);
            line(e, "return %s;", s.p);
            e->indent--;
            line(e, "}");
            blank(e);
        }
        names_reset(e);
        const char *an = names_c_ident(e->arena, m->a->sval), *bn = names_c_ident(e->arena, m->b->sval);
        m->a->cname = helper(e, names_type_like(an) ? arena_printf(e->arena, "%s_", an) : an);
        m->b->cname = helper(e, names_type_like(bn) ? arena_printf(e->arena, "%s_", bn) : bn);
        line(e, "static inline %s %s_combine(%s %s, %s %s)", t, m->cname, t, m->a->cname, t,
             m->b->cname);
        line(e, "{");
        e->indent++;
        declare_lets(e, m->combine);
        s.n = 0;
        emit_expr(&x, &s, m->combine);
        line(e, "return %s;", s.p);
        e->indent--;
        line(e, "}");
        blank(e);
        str_free(&s);
    }
}

/* The header of a linked C file (see fpipec.h): no paths, no lines. */
void emit_header(Str *out, const Ir *ir, const char *name)
{
    Arena *a = arena_new();
    EmitOpts o = {.header = true};
    Emitter e = {.out = out, .ir = ir, .opts = &o, .arena = a};
    (void)name;
    /* Nothing here depends on the .fpipe file's name or lines, or on which
     * pipeline it is: pipelines declaring the same types and externs share
     * a C file and its header. */
    line(&e, "/* Generated by fpipec %s: the types and C functions a pipeline declares.",
         FPIPEC_VERSION);
    line(&e, " * Include it in the C file that defines them, so that the C compiler");
    line(&e, " * checks each definition against its extern.  fpipec build writes a");
    line(&e, " * fresh copy into its build folder; do not edit it. */");
    line(&e, "#ifndef FPIPE_EXTERN_DECLS");
    line(&e, "#define FPIPE_EXTERN_DECLS");
    line(&e, "#include \"fpipe.h\"   /* what a C function may call */");
    blank(&e);
    PtrVec done = {0};
    emit_extern_decls(&e, &done);
    blank(&e);
    line(&e, "#endif");
    arena_free(a);
}

/* For fpipec verify: the types, extern prototypes and declared monoids'
 * NAME_empty / NAME_combine functions, exactly as emit_c writes them. */
void emit_support(Str *out, const Ir *ir)
{
    Arena *a = arena_new();
    EmitOpts o = {0};
    Emitter e = {.out = out, .ir = ir, .opts = &o, .arena = a};
    PtrVec done = {0};
    emit_extern_decls(&e, &done);
    for (int i = 0; i < ir->nmonoids; i++)
        emit_tuple_type(&e, ir->monoids[i]->type, &done);
    blank(&e);
    emit_user_monoids(&e, NULL);
    arena_free(a);
}

/* ctype for other passes (verify). */
const char *emit_ctype(Arena *a, const Type *t)
{
    Emitter e = {.arena = a};
    return ctype(&e, t);
}

/* The stage after a combine: once per key of the merged table (keyed) or
 * once on the combined value (global: the identity, or no row, when no
 * element came). */
static void emit_stage2(Emitter *e, const Stage *st)
{
    const Ir *ir = e->ir;
    const IrOp *c = &ir->ops[st->first];
    names_reset(e);
    e->loops = 0;
    if (c->kind == OP_COMBINE_PER_KEY) {
        stage_header(e, st, "once per key, in ascending key order, on the merged table; fuses");
        line(e, "static void %s(fp_worker *w, fp_str key, const void *acc)", st->fname);
        line(e, "{");
        e->indent++;
        op_comment(e, c, "the merged value of one key");
        const char *k = "key";
        if (c->key == &ty_i64)
            k = "fp_unkey_i64(key)";
        else if (c->key == &ty_bool)
            k = "fp_unkey_bool(key)";
        line(e, "%s %s = {%s, %s_result(acc)};", ctype(e, c->out), c->cname, k, c->cname);
        count_from(e, c, -1);   /* the keys themselves: counted by the driver */
    } else {
        stage_header(e, st, "once, on the value combined over all partitions; fuses");
        line(e, "static void %s(fp_worker *w, const void *state)", st->fname);
        line(e, "{");
        e->indent++;
        op_comment(e, c, "the combined value");
        const char *sv = helper(e, "s");
        line(e, "const %s_state *%s = state;", c->cname, sv);
        if (has_identity(c)) {
            const char *a = helper(e, "a");
            line(e, "%s_acc %s = %s->acc;", c->cname, a, sv);
            line(e, "if (!%s->has)", sv);
            line(e, "    %s_empty(&%s);   /* no elements: the identity */", c->cname, a);
            line(e, "%s %s = %s_result(&%s);", ctype(e, c->out), c->cname, c->cname, a);
            count(e, c, 0);
        } else {
            line(e, "if (!%s->has)", sv);
            line(e, "    return;   /* no elements: no %s, no row */",
                 c->nmon == 1 ? monoid_names[c->mons[0]] : "result");
            line(e, "%s %s = %s_result(&%s->acc);", ctype(e, c->out), c->cname, c->cname, sv);
            count(e, c, 0);
        }
    }
    const char *cur = c->cname;
    emit_rest_of_stage(e, st, cur);
}

/* materialize on a combine: a checkpointed accumulator's counts and bools
 * in range (--resume reads it back as it is; a topk count over k would
 * read past its array).  False when there is nothing to check. */
static bool emit_ckpt_acc_valid(Emitter *e, const IrOp *c)
{
    bool global = c->kind == OP_COMBINE, any = global, bools = global;
    for (int i = 0; i < c->nmon; i++) {
        any |= c->mons[i] == MONOID_TOPK || c->mons[i] == MONOID_AND || c->mons[i] == MONOID_OR;
        bools |= c->mons[i] == MONOID_AND || c->mons[i] == MONOID_OR;
    }
    if (op_info[c->kind].role == ROLE_ELEMENT || !any)
        return false;
    line(e, "/* --resume: the checkpointed accumulator's counts and bools in range. */");
    line(e, "static bool ckpt_acc_valid(const void *p)");
    line(e, "{");
    e->indent++;
    if (bools)
        line(e, "unsigned char b;");
    if (global) {
        line(e, "const %s_state *s = p;", c->cname);
        line(e, "memcpy(&b, &s->has, 1);");
        line(e, "if (b > 1)");
        line(e, "    return false;");
        line(e, "const %s_acc *a = &s->acc;", c->cname);
    } else {
        line(e, "const %s_acc *a = p;", c->cname);
    }
    bool used = false;
    for (int i = 0; i < c->nmon; i++) {
        const char *f = mon_field(e, c, i);
        if (c->mons[i] == MONOID_TOPK) {
            line(e, "if (a->%s_n < 0 || a->%s_n > %d)", f, f, c->topk[i]);
            line(e, "    return false;");
            used = true;
        } else if (c->mons[i] == MONOID_AND || c->mons[i] == MONOID_OR) {
            line(e, "memcpy(&b, &a->%s, 1);", f);
            line(e, "if (b > 1)");
            line(e, "    return false;");
            used = true;
        }
    }
    if (!used)
        line(e, "(void)a;");
    line(e, "return true;");
    e->indent--;
    line(e, "}");
    blank(e);
    return true;
}

/* materialize: what a checkpoint's header names.  The program's
 * fingerprint hashes everything emitted so far (types, stages, the plan's
 * text) and the linked C files, so a checkpoint of another version of the
 * pipeline is stale. */
static void emit_checkpoint_info(Emitter *e, const IrOp *op)
{
    const Ir *ir = e->ir;
    uint64_t h = plan_fnv1a(0xcbf29ce484222325u, e->out->p, e->out->n);
    if (ir->nlinks) {   /* the linked C files, hashed by the driver (plan_hash_links) */
        unsigned char lh[8];
        for (int i = 0; i < 8; i++)
            lh[i] = (unsigned char)(e->plan->links_hash >> (8 * i));
        h = plan_fnv1a(h, lh, sizeof lh);
    }
    Str t = {0};
    str_add(&t, "%s %s: ", op_info[op->kind].keyword, op->name);
    type_str(&t, op->in);
    str_add(&t, " -> ");
    type_str(&t, op->out);
    if (op_info[op->kind].role == ROLE_ELEMENT) {
        str_add(&t, ": elements%s", e->plan->ckpt_records ? " with their input records" : "");
    } else {
        str_add(&t, " = ");
        explain_monoids_str(&t, op);
    }
    Str name = {0}, type = {0};
    emit_c_string(&name, op->name, strlen(op->name));
    emit_c_string(&type, t.p, t.n);
    line(e, "/* materialize: %s %s (line %d) is checkpointed; the program's fingerprint",
         op_info[op->kind].keyword, comment_safe(e, op->name), op->line);
    line(e, " * hashes this file above and the linked C files, so that a checkpoint of");
    line(e, " * another version of the pipeline is stale. */");
    line(e, "static const fp_ckpt_info checkpoint = {");
    line(e, "    .name = %s,", name.p);
    line(e, "    .line = %d,", op->line);
    line(e, "    .col = %d,", op->col);
    line(e, "    .program = UINT64_C(0x%016llx),", (unsigned long long)h);
    line(e, "    .type = %s,", type.p);
    line(e, "};");
    blank(e);
    str_free(&t);
    str_free(&name);
    str_free(&type);
}

/* The whole program for a plan: types, sites, run settings, the operator
 * table, the combine's and top's helpers, the stage functions (and their
 * timed, batch and resume variants, as the plan says), the plan text and
 * the descriptor fp_main runs.  Prints only: the plan decided everything
 * and the linked files were hashed before (plan_hash_links). */
void emit_c(Str *out, const Plan *p, const EmitOpts *o, const char *explain_text)
{
    Arena *a = arena_new();
    Emitter e = {.out = out, .plan = p, .ir = p->ir, .opts = o, .arena = a};
    const Ir *ir = p->ir;

    line(&e, "/* %s.c — generated by fpipec %s from %s.", comment_safe(&e, ir->name),
         FPIPEC_VERSION, fpipe_path(&e));
    line(&e, " *");
    line(&e, " * Pipeline '%s' in %d fused stage%s; `fpipec explain %s` prints the plan.",
         comment_safe(&e, ir->name), p->nstages, p->nstages > 1 ? "s" : "", fpipe_path(&e));
    line(&e, " * Edit the .fpipe file, not this one.");
    line(&e, " */");
    line(&e, "#include \"libfpipe.h\"");
    blank(&e);

    /* Element types, those of the extern functions first. */
    PtrVec done = {0};
    size_t mark = out->n;
    emit_extern_decls(&e, &done);
    for (int i = 0; i < ir->nmonoids; i++)
        emit_tuple_type(&e, ir->monoids[i]->type, &done);
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        if (op->out)
            emit_tuple_type(&e, op->out, &done);
        if (op->in)
            emit_tuple_type(&e, op->in, &done);
        collect_expr_types(&e, op->body, &done);
        for (int k = 0; k < op->nby; k++)   /* a top's sort keys */
            collect_expr_types(&e, op->by[k]->expr, &done);
    }
    for (int i = 0; i < ir->nmonoids; i++) {
        collect_expr_types(&e, ir->monoids[i]->empty, &done);
        collect_expr_types(&e, ir->monoids[i]->combine, &done);
    }
    if (out->n != mark)
        blank(&e);
    emit_jtypes(&e);

    /* Where each fallible operator stands, for its error messages and its
     * drop counter. */
    int nsites = 0;
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        if (!op->fallible)
            continue;
        Str s = {0};
        emit_c_string(&s, op->name, strlen(op->name));
        Str f = {0};
        emit_c_string(&f, ir->src->path, strlen(ir->src->path));
        line(&e, "static const fp_site site_%s = {%s, %s, %d, %d, %d};", op->cname, s.p, f.p,
             op->line, op->col, nsites++);
        str_free(&s);
        str_free(&f);
    }
    if (nsites) {
        line(&e, "static const fp_site *const sites[] = {");
        for (int i = 0; i < ir->nops; i++)
            if (ir->ops[i].fallible)
                line(&e, "    &site_%s,", ir->ops[i].cname);
        line(&e, "};");
        blank(&e);
    }
    int nregex = emit_regexes(&e);
    /* The run settings of the operators that have any (an error policy, a
     * batch size, retries): static, so that --config can change them. */
    bool any_cfg = false;
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        if (!has_opcfg(op))
            continue;
        if (!any_cfg)
            line(&e, "/* Operators' run settings, as the .fpipe has them; `operators:` in "
                     "--config may change them (docs/running.md). */");
        any_cfg = true;
        Str s = {0};
        str_add(&s, "static fp_opcfg opcfg_%s = {", op->cname);
        const char *sep = "";
        if (op->fallible) {
            str_add(&s, ".on_error = FP_ON_ERROR_%s", op->policy == POLICY_DROP ? "DROP"
                                                       : op->policy == POLICY_COLLECT ? "COLLECT"
                                                                                      : "FAIL_FAST");
            sep = ", ";
        }
        if (op->kind == OP_BATCH_MAP) {
            str_add(&s, "%s.max_batch = %lld", sep, (long long)op->max_batch);
            sep = ", ";
        }
        if (op->retryable)
            str_add(&s, "%s.retry = %lld, .can_retry = true", sep, (long long)op->retry);
        line(&e, "%s};", s.p);
        str_free(&s);
    }
    if (any_cfg)
        blank(&e);
    /* Every operator, for --stats and --config: kind, name, place, site
     * (-1: cannot fail), run settings. */
    line(&e, "static const fp_op fp_op_table[] = {");
    for (int i = 0, site = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        Str s = {0};
        emit_c_string(&s, op->name, strlen(op->name));
        const char *cfg = has_opcfg(op) ? arena_printf(a, "&opcfg_%s", op->cname) : "NULL";
        line(&e, "    {\"%s\", %s, %d, %d, %d, %s},", op_info[op->kind].keyword, s.p, op->line,
             op->col, op->fallible ? site++ : -1, cfg);
        str_free(&s);
    }
    line(&e, "};");
    blank(&e);
    if (ir->nparams) {
        line(&e, "/* Parameters: set by fp_main before stage 1 from --param NAME=VALUE,");
        line(&e, " * --config's params: or the default; read-only after. */");
        for (int i = 0; i < ir->nparams; i++)
            line(&e, "static %s %s;", ctype(&e, ir->params[i]->type), ir->params[i]->cname);
        line(&e, "static const fp_param fp_param_table[] = {");
        for (int i = 0; i < ir->nparams; i++) {
            const Param *pm = ir->params[i];
            const Type *t = pm->type;
            Str d = {0};
            if (pm->dflt_text)
                emit_c_string(&d, pm->dflt_text, pm->dflt_len);
            else
                str_add(&d, "NULL");
            line(&e, "    {\"%s\", FP_PARAM_%s, %s, &%s},   /* line %d%s */", pm->name,
                 t == &ty_i64 ? "I64" : t == &ty_f64 ? "F64" : t == &ty_bool ? "BOOL" : "STR", d.p,
                 pm->cname, pm->line, pm->dflt_text ? "" : ": required");
            str_free(&d);
        }
        line(&e, "};");
        blank(&e);
    }

    if (p->combine >= 0)   /* a declared monoid is only called by the combine */
        emit_user_monoids(&e, &ir->ops[p->combine]);
    if (p->combine >= 0)
        emit_combine_helpers(&e, &ir->ops[p->combine]);
    if (p->top >= 0)
        emit_top_helpers(&e, &ir->ops[p->top]);
    for (int i = 0; i < p->nstages; i++) {
        const Stage *st = &p->stages[i];
        if (st->kind == STAGE_SOURCE && p->ckpt_elem_op >= 0) {
            /* materialize on an element-wise operator: its element's
             * serialisers, stage 1, and stage 1 from the checkpoint */
            PtrVec sers = {0};
            emit_ckpt_serialisers(&e, ir->ops[p->ckpt_elem_op].out, &sers, true);
        }
        if (st->kind == STAGE_SOURCE) {
            if (p->batch_map >= 0) {
                e.batch_fn = p->batch_fname;
                emit_batch_fn(&e, st, p->batch_map);
                if (p->batch_first)   /* flush_batch_first's helper */
                    emit_batch_first_fn(&e, p->batch_map);
            }
            emit_stage1(&e, st, false);
            emit_stage1(&e, st, true);
            if (p->ckpt_elem_op >= 0) {
                emit_resume_fn(&e, st, p->ckpt_elem_op);
                emit_ckpt_elems_valid(&e, p->ckpt_elem_op);
            }
        } else if (st->kind == STAGE_COMBINED) {
            emit_stage2(&e, st);
        } else {
            emit_stage3(&e, st);
        }
    }

    /* The descriptor the runtime's driver runs. */
    const IrOp *sink = &ir->ops[ir->nops - 1];
    const IrOp *c = p->combine >= 0 ? &ir->ops[p->combine] : NULL;
    Str s = {0};
    const IrOp *src = &ir->ops[0];
    if (src->fmt == FMT_CSV) {
        line(&e, "/* The columns a CSV input's header must name: the fields of %s. */",
             src->out->name);
        line(&e, "static const char *const %s_columns[] = {", src->cname);
        for (int i = 0; i < src->out->n; i++)
            line(&e, "    \"%s\",", src->out->fields[i]);
        line(&e, "};");
        blank(&e);
    }
    line(&e, "/* The plan (fpipec explain), printed by --explain. */");
    line(&e, "static const char plan_text[] =");
    const char *pt = explain_text;
    while (*pt) {
        const char *nl = strchr(pt, '\n');
        size_t n = nl ? (size_t)(nl - pt) + 1 : strlen(pt);
        s.n = 0;
        emit_c_string(&s, pt, n);
        line(&e, "    %s", s.p);
        pt += n;
    }
    line(&e, "    ;");
    blank(&e);
    const IrOp *mat = p->checkpoint_op >= 0 ? &ir->ops[p->checkpoint_op] : NULL;
    bool acc_valid = false;
    if (mat) {
        emit_checkpoint_info(&e, mat);
        acc_valid = emit_ckpt_acc_valid(&e, mat);
    }
    line(&e, "static const fp_pipeline pipeline = {");
    e.indent++;
    s.n = 0;
    emit_c_string(&s, ir->name, strlen(ir->name));
    line(&e, ".name = %s,", s.p);
    s.n = 0;
    emit_c_string(&s, ir->src->path, strlen(ir->src->path));
    line(&e, ".fpipe_file = %s,", s.p);
    line(&e, ".plan = plan_text,");
    if (ir->nparams) {
        line(&e, ".params = fp_param_table,");
        line(&e, ".nparams = %d,", ir->nparams);
    }
    if (src->fmt == FMT_CSV) {
        line(&e, ".source = FP_SOURCE_CSV,");
        line(&e, ".fields = %s_columns,", src->cname);
        line(&e, ".nfields = %d,", src->out->n);
        if (!csv_plain(src)) {
            line(&e, ".csv_delim = %s,", char_lit(&e, src->csv_delim));
            line(&e, ".csv_quote = %s,", char_lit(&e, src->csv_quote));
        }
        if (!src->csv_header)
            line(&e, ".csv_no_header = true,   /* header = false: the columns in field order */");
    } else if (src->fmt == FMT_JSONL) {
        line(&e, ".source = FP_SOURCE_JSONL,");
    }
    line(&e, ".shape = %s,", !c ? "FP_SHAPE_ELEMENTWISE"
                             : c->kind == OP_COMBINE ? "FP_SHAPE_GLOBAL" : "FP_SHAPE_KEYED");
    if (c)
        line(&e, ".merge = %s,", p->merge == MERGE_PER_THREAD ? "FP_MERGE_PER_THREAD"
                                                              : "FP_MERGE_PARTITION_ORDER");
    line(&e, ".target = %s,", sink->target == TGT_OUTPUT ? "FP_TARGET_OUTPUT"
                              : sink->target == TGT_STDOUT ? "FP_TARGET_STDOUT"
                                                           : "FP_TARGET_PATH");
    if (sink->fmt == FMT_CSV && sink->csv_header) {
        Str h = {0};
        bool first = true;
        sink_header(sink, sink->in, "", &h, &first);
        str_addn(&h, "\n", 1);
        s.n = 0;
        emit_c_string(&s, h.p, h.n);
        line(&e, ".sink_header = %s,", s.p);
        str_free(&h);
    }
    if (sink->target == TGT_PATH) {
        s.n = 0;
        emit_c_string(&s, sink->path, sink->path_len);
        line(&e, ".path = %s,", s.p);
    }
    if (ir->default_threads)
        line(&e, ".default_threads = %d,", ir->default_threads);
    line(&e, ".stage1 = %s,", p->stages[0].fname);
    line(&e, ".stage1_timed = %s,", p->stages[0].timed_fname);
    if (c && c->kind == OP_COMBINE) {
        line(&e, ".acc_size = sizeof(%s_state),", c->cname);
        line(&e, ".acc_init = %s_init,", c->cname);
        line(&e, ".acc_merge = %s_state_merge,", c->cname);
        line(&e, ".stage2_global = %s,", p->stages[1].fname);
    } else if (c) {
        line(&e, ".acc_size = sizeof(%s_acc),", c->cname);
        line(&e, ".acc_merge = %s_merge,", c->cname);
        if (xsum_count(c))
            line(&e, ".xsum_at = %s_xsum_at, .nxsum = %d,", c->cname, xsum_count(c));
        line(&e, ".stage2_keyed = %s,", p->stages[1].fname);
        if (c->key == &ty_i64 || c->key == &ty_bool)   /* --stats prints hot keys by type */
            line(&e, ".key = %s,", c->key == &ty_i64 ? "FP_KEY_I64" : "FP_KEY_BOOL");
    }
    if (p->top >= 0) {
        const IrOp *t = &ir->ops[p->top];
        line(&e, ".top_n = %lld,", (long long)t->top_n);
        line(&e, ".top_size = sizeof(%s),", ctype(&e, t->in));
        line(&e, ".top_order = %s_order,", t->cname);
        line(&e, ".top_keep = %s_keep,", t->cname);
        line(&e, ".top_release = %s_release,", t->cname);
        line(&e, ".stage3 = %s,", p->stages[p->nstages - 1].fname);
    }
    if (nsites) {
        line(&e, ".sites = sites,");
        line(&e, ".nsites = %d,", nsites);
    }
    if (nregex) {
        line(&e, ".regexes = regexes,");
        line(&e, ".nregexes = %d,", nregex);
        line(&e, ".regex_setup = fp_regex_setup,");
    }
    line(&e, ".ops = fp_op_table,");
    line(&e, ".nops = %d,", ir->nops);
    if (p->scan_words)
        line(&e, ".words_scan = true,");
    line(&e, ".timed_ops = %d,", p->timed_ops);
    if (p->input_pos)
        line(&e, ".input_lines = true,");
    if (ir->collect) {
        line(&e, ".collect = true,");
        if (ir->errors_path) {
            s.n = 0;
            emit_c_string(&s, ir->errors_path, strlen(ir->errors_path));
            line(&e, ".errors_path = %s,", s.p);
        }
    }
    if (mat) {
        line(&e, ".checkpoint = &checkpoint,");
        line(&e, ".checkpoint_op = %d,", p->checkpoint_op);
    }
    if (acc_valid)
        line(&e, ".ckpt_acc_valid = ckpt_acc_valid,");
    if (p->ckpt_elem_op >= 0) {
        line(&e, ".resume1 = %s,", p->resume_fname);
        line(&e, ".ckpt_records = %s,", p->ckpt_records ? "true" : "false");
        line(&e, ".ckpt_elems_valid = ckpt_elems_valid,");
    }
    e.indent--;
    line(&e, "};");
    blank(&e);
    line(&e, "int main(int argc, char **argv)");
    line(&e, "{");
    line(&e, "    return fp_main(&pipeline, argc, argv);");
    line(&e, "}");
    str_free(&s);
    arena_free(a);
}
