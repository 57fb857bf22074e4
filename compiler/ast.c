/* ast.c — the builders the grammar's actions call, and the tables of ops.h.
 *
 * Literals are decoded here, where their exact spans are known, so a bad
 * escape or an integer that does not fit is reported at the spot.
 */
#include "fpipec.h"

#include "fpipe.h"   /* TK_* */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The source text of each binary operator, by BinOp (the checker's
 * messages and the IR printer). */
const char *const ast_binop_text[] = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=",
                                      ">", ">=", "&&", "||"};

/* The error policies' keywords, by Policy. */
static const char *const policy_names[] = {"fail_fast", "drop", "collect"};

const char *policy_name(Policy p)
{
    return policy_names[p];
}

/* The Policy named name in *p; false (and *p unchanged) when none is. */
bool policy_parse(const char *name, Policy *p)
{
    for (int i = POLICY_FAIL_FAST; i <= POLICY_COLLECT; i++)
        if (!strcmp(name, policy_names[i])) {
            *p = (Policy)i;
            return true;
        }
    return false;
}

/* The formats' keywords, by Format. */
const char *const format_names[] = {"", "text", "csv", "jsonl", "tsv"};

/* The Format named name, or FMT_NONE. */
Format format_of(const char *name)
{
    for (int f = FMT_TEXT; f <= FMT_TSV; f++)
        if (!strcmp(name, format_names[f]))
            return (Format)f;
    return FMT_NONE;
}

const OpInfo op_info[OP__COUNT] = {
#define X(E, kw, role, what) {kw, role, what},
    FP_OPS(X)
#undef X
};

const char *const monoid_names[MONOID__COUNT] = {
#define X(E, name, what) name,
    FP_MONOIDS(X)
#undef X
};

const BuiltinInfo builtin_info[BI__COUNT] = {
#define X(E, name, params, result, flags, cfn, what) {name, params, result, flags, cfn, what},
    FP_BUILTINS(X)
#undef X
};

const char *tok_text(ParseCtx *c, Token t)
{
    return arena_strndup(c->arena, c->src->text + t.span.off, t.span.len);
}

Expr *ast_expr(ParseCtx *c, ExprKind k, Span sp)
{
    Expr *e = arena_alloc(c->arena, sizeof *e);
    e->kind = k;
    e->span = sp;
    e->builtin = -1;
    return e;
}

/* An integer literal (digits only: a minus is a unary operator); one
 * over INT64_MAX is reported at its span. */
Expr *ast_int(ParseCtx *c, Token t)
{
    Expr *e = ast_expr(c, EX_INT, t.span);
    const char *s = tok_text(c, t);
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE || v > INT64_MAX) {
        diag_at(c->diags, DIAG_ERROR, t.span, "integer literal %s does not fit in i64", s);
        diag_hint(c->diags, "the largest i64 is 9223372036854775807");
        v = 0;
    }
    e->ival = (int64_t)v;
    return e;
}

/* A float literal; one too large for f64 is reported at its span. */
Expr *ast_float(ParseCtx *c, Token t)
{
    Expr *e = ast_expr(c, EX_FLOAT, t.span);
    const char *s = tok_text(c, t);
    errno = 0;
    e->fval = strtod(s, NULL);
    if (errno == ERANGE && (e->fval > 1.0 || e->fval < -1.0)) {
        diag_at(c->diags, DIAG_ERROR, t.span, "number %s is too large for f64", s);
        e->fval = 0;
    }
    return e;
}

/* The value of a hex digit, or -1. */
static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* "..." with escapes \n \t \r \0 \\ \" \xHH; the result may hold any byte. */
Expr *ast_string(ParseCtx *c, Token t)
{
    Expr *e = ast_expr(c, EX_STR, t.span);
    const char *s = c->src->text + t.span.off + 1;
    size_t n = t.span.len - 2;
    char *out = arena_alloc(c->arena, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }
        Span esc = {(uint32_t)(t.span.off + 1 + i), 2};
        char x = s[++i];
        switch (x) {
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case 'r': out[o++] = '\r'; break;
        case '0': out[o++] = '\0'; break;
        case '\\': out[o++] = '\\'; break;
        case '"': out[o++] = '"'; break;
        case 'x':
            if (i + 2 < n + 1 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
                out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
                i += 2;
                break;
            }
            esc.len = 2;
            diag_at(c->diags, DIAG_ERROR, esc, "\\x needs two hex digits");
            break;
        default:
            diag_at(c->diags, DIAG_ERROR, esc, "unknown escape sequence '\\%c'", x);
            diag_hint(c->diags, "the escapes are \\n \\t \\r \\0 \\\\ \\\" and \\xHH");
        }
    }
    e->sval = out;
    e->slen = o;
    return e;
}

Expr *ast_name(ParseCtx *c, Token t)
{
    Expr *e = ast_expr(c, EX_NAME, t.span);
    e->sval = tok_text(c, t);
    return e;
}

Expr *ast_bool(ParseCtx *c, Token t, bool v)
{
    Expr *e = ast_expr(c, EX_BOOL, t.span);
    e->ival = v;
    return e;
}

/* Expressions at most this deep.  The parser's stack bounds nesting to the
 * right ("(((1)))", "- - 1"), but left-associative chains ("1 + 1 + ..."
 * and "x.0.0.0...") build trees of any depth without growing it, and the
 * checker and the emitter recurse over the tree: 100,000 terms overflowed
 * the C stack (found by tests/fuzz).  The error is reported once, by the
 * node that first goes past the limit. */
#define MAX_EXPR_DEPTH 100

/* An else-if chain ("if a then x else if b then y else z") and a let chain
 * ("let a = .. in let b = .. in body") are one level however long: the
 * emitter writes them flat (if / else if blocks, a declaration per let;
 * inside an expression one ?: chain or one comma list).  Their length is
 * bounded on its own, so that the parser's stack (%stack_size in
 * grammar/fpipe.y) holds a chain of this many links with a body 100 levels
 * deep, and the checker's recursion stays short. */
#define MAX_CHAIN 200

/* Whether argument i of e continues e's else-if or let chain. */
static bool chain_link(const Expr *e, int i)
{
    const Expr *a = e->args[i];
    return a && ((e->kind == EX_IF && i == 2 && a->kind == EX_IF) ||
                 (e->kind == EX_LET && i == 1 && a->kind == EX_LET));
}

/* Set e's depth from its arguments' and report, once, an expression
 * nested deeper than MAX_EXPR_DEPTH or a chain longer than MAX_CHAIN (the
 * checker and emitter recurse). */
static void deepen(ParseCtx *c, Expr *e)
{
    int d = 0;
    e->chain = e->kind == EX_IF || e->kind == EX_LET ? 1 : 0;
    for (int i = 0; i < e->nargs; i++) {
        if (!e->args[i])
            continue;
        int ad = e->args[i]->depth;
        if (chain_link(e, i)) {
            ad--;   /* the next link: the same level */
            e->chain = e->args[i]->chain + 1;
        }
        if (ad > d)
            d = ad;
    }
    e->depth = d + 1;
    if (e->depth == MAX_EXPR_DEPTH + 1) {
        diag_at(c->diags, DIAG_ERROR, e->span, "expression nested too deeply");
        diag_hint(c->diags, "at most %d levels of operators, calls and fields; "
                            "split it over several operators", MAX_EXPR_DEPTH);
    }
    if (e->chain == MAX_CHAIN + 1) {
        bool lets = e->kind == EX_LET;
        diag_at(c->diags, DIAG_ERROR, e->name_span, "%s chain longer than %d %s",
                lets ? "let" : "else-if", MAX_CHAIN, lets ? "lets" : "branches");
        diag_hint(c->diags, "split it over several operators, or look the value up in a "
                            "C function (extern)");
    }
}

static Expr **args_of(ParseCtx *c, int n, Expr *a, Expr *b)
{
    Expr **v = arena_alloc(c->arena, (size_t)n * sizeof *v);
    v[0] = a;
    if (n > 1)
        v[1] = b;
    return v;
}

/* op x; the caret of a type error points at op. */
Expr *ast_unary(ParseCtx *c, Token op, UnOp u, Expr *x)
{
    Expr *e = ast_expr(c, EX_UNARY, span_join(op.span, x->span));
    e->op = u;
    e->name_span = op.span;
    e->args = args_of(c, 1, x, NULL);
    e->nargs = 1;
    deepen(c, e);
    return e;
}

/* l op r; name_span covers the text between the operands. */
Expr *ast_binary(ParseCtx *c, BinOp op, Expr *l, Expr *r)
{
    Expr *e = ast_expr(c, EX_BINARY, span_join(l->span, r->span));
    e->op = op;
    /* The operator itself lies between the operands. */
    e->name_span.off = l->span.off + l->span.len;
    e->name_span.len = r->span.off > e->name_span.off ? r->span.off - e->name_span.off : 1;
    e->args = args_of(c, 2, l, r);
    e->nargs = 2;
    deepen(c, e);
    return e;
}

static void take_items(Expr *e, PtrVec *v)
{
    e->args = (Expr **)v->v;
    e->nargs = v->n;
}

/* name(args...): a builtin, an extern or a format, told apart by check.c. */
Expr *ast_call(ParseCtx *c, Token name, PtrVec *args, Token rparen)
{
    Expr *e = ast_expr(c, EX_CALL, span_join(name.span, rparen.span));
    e->sval = tok_text(c, name);
    e->name_span = name.span;
    take_items(e, args);
    deepen(c, e);
    return e;
}

Expr *ast_tuple(ParseCtx *c, Token lp, PtrVec *items, Token rp)
{
    Expr *e = ast_expr(c, EX_TUPLE, span_join(lp.span, rp.span));
    take_items(e, items);
    deepen(c, e);
    return e;
}

Expr *ast_list(ParseCtx *c, Token lb, PtrVec *items, Token rb)
{
    Expr *e = ast_expr(c, EX_LIST, span_join(lb.span, rb.span));
    take_items(e, items);
    deepen(c, e);
    return e;
}

/* x.N (a tuple's element) or x.name (a record's field); an index too
 * long for atoi becomes one no tuple has, reported by the checker. */
Expr *ast_field(ParseCtx *c, Expr *x, Token index)
{
    Expr *e = ast_expr(c, EX_FIELD, span_join(x->span, index.span));
    e->name_span = index.span;
    const char *s = tok_text(c, index);
    if (index.kind == TK_IDENT)
        e->sval = s;   /* a record field by name */
    e->ival = strlen(s) > 6 ? 999999 : atoi(s);
    e->args = args_of(c, 1, x, NULL);
    e->nargs = 1;
    deepen(c, e);
    return e;
}

Expr *ast_paren(ParseCtx *c, Token lp, Expr *x, Token rp)
{
    /* Parentheses only group: keep the inner node, widen its span so that
     * carets cover what the user wrote. */
    (void)c;
    x->span = span_join(lp.span, rp.span);
    return x;
}

/* if cond then a else b. */
Expr *ast_if(ParseCtx *c, Token kw, Expr *cond, Expr *then, Expr *els)
{
    Expr *e = ast_expr(c, EX_IF, span_join(kw.span, els->span));
    e->name_span = kw.span;
    e->args = arena_alloc(c->arena, 3 * sizeof *e->args);
    e->args[0] = cond;
    e->args[1] = then;
    e->args[2] = els;
    e->nargs = 3;
    deepen(c, e);
    return e;
}

/* let name = value in body. */
Expr *ast_let(ParseCtx *c, Token kw, Token name, Expr *value, Expr *body)
{
    Expr *e = ast_expr(c, EX_LET, span_join(kw.span, body->span));
    e->sval = tok_text(c, name);
    e->name_span = name.span;
    e->args = args_of(c, 2, value, body);
    e->nargs = 2;
    deepen(c, e);
    return e;
}

/* Name { field = value, ... }; the fields are checked against the type. */
Expr *ast_record_lit(ParseCtx *c, Token name, PtrVec *inits, Token rbrace)
{
    Expr *e = ast_expr(c, EX_RECORD, span_join(name.span, rbrace.span));
    e->sval = tok_text(c, name);
    e->name_span = name.span;
    take_items(e, inits);
    deepen(c, e);
    return e;
}

/* One field = value of a record literal. */
Expr *ast_field_init(ParseCtx *c, Token name, Expr *value)
{
    Expr *e = ast_expr(c, EX_FIELD_INIT, span_join(name.span, value->span));
    e->sval = tok_text(c, name);
    e->name_span = name.span;
    e->args = args_of(c, 1, value, NULL);
    e->nargs = 1;
    deepen(c, e);
    return e;
}

FieldDecl *ast_field_decl(ParseCtx *c, Token name, TypeExpr *type)
{
    FieldDecl *f = arena_alloc(c->arena, sizeof *f);
    f->name = tok_text(c, name);
    f->span = name.span;
    f->type = type;
    return f;
}

/* type Name = { field: T, ... }: a record declaration of the program. */
void ast_record(ParseCtx *c, Token name, PtrVec *fields, Token rbrace)
{
    (void)rbrace;
    RecordDecl *r = arena_alloc(c->arena, sizeof *r);
    r->name = tok_text(c, name);
    r->name_span = name.span;
    r->fields = *fields;
    vec_push(c->arena, &c->prog->records, r);
}

PtrVec *ast_vec(ParseCtx *c, PtrVec *v, void *item)
{
    if (!v)
        v = arena_alloc(c->arena, sizeof *v);
    if (item)
        vec_push(c->arena, v, item);
    return v;
}

TypeExpr *ast_type_name(ParseCtx *c, Token t)
{
    TypeExpr *x = arena_alloc(c->arena, sizeof *x);
    x->kind = TX_NAME;
    x->span = t.span;
    x->name = tok_text(c, t);
    return x;
}

/* A tuple type as written, (T1, T2, ...); resolved by check.c. */
TypeExpr *ast_type_tuple(ParseCtx *c, Token lp, PtrVec *items, Token rp)
{
    TypeExpr *x = arena_alloc(c->arena, sizeof *x);
    x->kind = TX_TUPLE;
    x->span = span_join(lp.span, rp.span);
    x->elems = (TypeExpr **)items->v;
    x->n = items->n;
    return x;
}

/* A list type as written, [T]; resolved by check.c. */
TypeExpr *ast_type_list(ParseCtx *c, Token lb, TypeExpr *elem, Token rb)
{
    TypeExpr *x = arena_alloc(c->arena, sizeof *x);
    x->kind = TX_LIST;
    x->span = span_join(lb.span, rb.span);
    x->elems = arena_alloc(c->arena, sizeof *x->elems);
    x->elems[0] = elem;
    x->n = 1;
    return x;
}

/* An optional type as written, T?; resolved by check.c. */
TypeExpr *ast_type_opt(ParseCtx *c, TypeExpr *elem, Token q)
{
    TypeExpr *x = arena_alloc(c->arena, sizeof *x);
    x->kind = TX_OPT;
    x->span = span_join(elem->span, q.span);
    x->elems = arena_alloc(c->arena, sizeof *x->elems);
    x->elems[0] = elem;
    x->n = 1;
    return x;
}

void ast_pipeline(ParseCtx *c, Token name)
{
    c->prog->name = tok_text(c, name);
    c->prog->name_span = name.span;
}

/* An operator: KEYWORD NAME [: TYPE] = BODY OPTIONS.  The options were
 * reduced first into c->opt; they move into the OpDecl. */
void ast_op(ParseCtx *c, OpKind k, Token kw, Token name, TypeExpr *ty, Expr *body)
{
    OpDecl *d = arena_alloc(c->arena, sizeof *d);
    d->kind = k;
    d->kw_span = kw.span;
    d->name_span = name.span;
    d->name = tok_text(c, name);
    d->decl_type = ty;
    d->body = body;
    d->opt = c->opt;   /* lemon reduces the options before the operator */
    c->opt = (OpOptions){0};
    vec_push(c->arena, &c->prog->ops, d);
}

/* An operator with a syntax error: its options are not the next one's. */
void ast_op_error(ParseCtx *c)
{
    c->opt = (OpOptions){0};
}

/* on_error NAME: kept until the operator is complete (lemon reduces the
 * options before the operator rule). */
void ast_policy(ParseCtx *c, Token name, const Token *path)
{
    if (c->opt.policy) {
        diag_at(c->diags, DIAG_ERROR, name.span, "on_error is given twice");
        return;
    }
    c->opt.policy = tok_text(c, name);
    c->opt.policy_span = name.span;
    if (path) {
        Expr *s = ast_string(c, *path);
        if (s->slen == 0 || memchr(s->sval, 0, s->slen)) {
            diag_at(c->diags, DIAG_ERROR, path->span, "an error file's path must be non-empty "
                                                      "and hold no NUL byte");
            return;
        }
        c->opt.errors_path = s->sval;
        c->opt.errors_span = path->span;
    }
}

/* max_batch N: kept, like on_error, until the operator is complete. */
void ast_max_batch(ParseCtx *c, Token kw, Token n)
{
    Expr *e = ast_int(c, n);
    if (c->opt.max_batch) {
        diag_at(c->diags, DIAG_ERROR, kw.span, "max_batch is given twice");
        return;
    }
    c->opt.max_batch = e->ival > 0 ? e->ival : -1;
    c->opt.max_batch_span = span_join(kw.span, n.span);
}

/* retry N: kept, like max_batch, until the operator is complete. */
void ast_retry(ParseCtx *c, Token kw, Token n)
{
    Expr *e = ast_int(c, n);
    if (c->opt.retry) {
        diag_at(c->diags, DIAG_ERROR, kw.span, "retry is given twice");
        return;
    }
    c->opt.retry = e->ival > 0 ? e->ival : -1;
    c->opt.retry_span = span_join(kw.span, n.span);
}

/* materialize: kept, like retry, until the operator is complete. */
void ast_materialize(ParseCtx *c, Token kw)
{
    if (c->opt.materialize) {
        diag_at(c->diags, DIAG_ERROR, kw.span, "materialize is given twice");
        return;
    }
    c->opt.materialize = true;
    c->opt.materialize_span = kw.span;
}

/* by KEYS (top): kept, like retry, until the operator is complete. */
void ast_by(ParseCtx *c, Token kw, PtrVec *keys)
{
    if (c->opt.has_by) {
        diag_at(c->diags, DIAG_ERROR, kw.span, "by is given twice");
        return;
    }
    c->opt.has_by = true;
    c->opt.by = *keys;
    c->opt.by_span = kw.span;
}

/* A top's sort key: an expression and desc (the default) or asc. */
SortKey *ast_sortkey(ParseCtx *c, Expr *e, Token *dir)
{
    SortKey *k = arena_alloc(c->arena, sizeof *k);
    k->expr = e;
    k->desc = true;
    if (dir) {
        const char *d = tok_text(c, *dir);
        k->dir_span = dir->span;
        if (!strcmp(d, "asc")) {
            k->desc = false;
        } else if (strcmp(d, "desc") != 0) {
            diag_at(c->diags, DIAG_ERROR, dir->span, "expected 'asc' or 'desc', not '%s'", d);
            diag_hint(c->diags, "by KEY desc keeps the largest keys, by KEY asc the smallest");
        }
    }
    return k;
}

/* extern name(params) -> T attrs: a C function declaration; its
 * attributes (pure, fallible, ...) are checked by check.c. */
void ast_extern(ParseCtx *c, Token name, PtrVec *params, TypeExpr *ret, PtrVec *attrs)
{
    ExternDecl *x = arena_alloc(c->arena, sizeof *x);
    x->name = tok_text(c, name);
    x->name_span = name.span;
    x->params = *params;
    x->ret = ret;
    x->attrs = *attrs;
    vec_push(c->arena, &c->prog->externs, x);
}

/* link "FILE.c": the path, which must be non-empty and hold no NUL. */
void ast_param(ParseCtx *c, Token name, TypeExpr *type, Expr *dflt)
{
    ParamDecl *pd = arena_alloc(c->arena, sizeof *pd);
    pd->name = tok_text(c, name);
    pd->name_span = name.span;
    pd->type = type;
    pd->dflt = dflt;
    vec_push(c->arena, &c->prog->params, pd);
}

void ast_link(ParseCtx *c, Token path)
{
    Expr *s = ast_string(c, path);
    LinkDecl *l = arena_alloc(c->arena, sizeof *l);
    l->path = s->sval;
    l->span = path.span;
    if (s->slen == 0 || memchr(s->sval, 0, s->slen)) {
        diag_at(c->diags, DIAG_ERROR, path.span, "a linked file's path must be non-empty and "
                                                 "hold no NUL byte");
        return;
    }
    vec_push(c->arena, &c->prog->links, l);
}

/* The monoid being parsed: its items are reduced before the declaration. */
static MonoidDecl *cur_monoid(ParseCtx *c)
{
    if (!c->monoid)
        c->monoid = arena_alloc(c->arena, sizeof *c->monoid);
    return c->monoid;
}

/* monoid NAME : TYPE { ... }: completes the declaration being parsed
 * (its empty, combine and laws were reduced first). */
void ast_monoid(ParseCtx *c, Token name, TypeExpr *type, Token rbrace)
{
    MonoidDecl *m = cur_monoid(c);
    c->monoid = NULL;
    m->name = tok_text(c, name);
    m->name_span = name.span;
    m->type = type;
    m->end_span = rbrace.span;
    vec_push(c->arena, &c->prog->monoids, m);
}

/* empty = E inside a monoid's braces (once). */
void ast_monoid_empty(ParseCtx *c, Token key, Expr *e)
{
    MonoidDecl *m = cur_monoid(c);
    const char *k = tok_text(c, key);
    if (strcmp(k, "empty") != 0) {
        diag_at(c->diags, DIAG_ERROR, key.span, "a monoid has 'empty = VALUE', not '%s = ...'",
                k);
        diag_hint(c->diags, "write empty = VALUE, combine(a, b) = EXPR and its laws");
        return;
    }
    if (m->empty) {
        diag_at(c->diags, DIAG_ERROR, key.span, "empty is given twice");
        return;
    }
    m->empty = e;
}

/* A parameter of combine(a, b), bound like a let (checked by check.c). */
static Expr *binder(ParseCtx *c, Token t)
{
    Expr *b = ast_expr(c, EX_LET, t.span);
    b->name_span = t.span;
    b->sval = tok_text(c, t);
    b->args = arena_alloc(c->arena, 2 * sizeof *b->args);
    b->args[0] = ast_expr(c, EX_NAME, t.span);   /* typed by the checker */
    b->nargs = 0;   /* not walked as a subexpression */
    return b;
}

/* combine(a, b) = E inside a monoid's braces (once). */
void ast_monoid_combine(ParseCtx *c, Token key, Token a, Token b, Expr *e)
{
    MonoidDecl *m = cur_monoid(c);
    const char *k = tok_text(c, key);
    if (strcmp(k, "combine") != 0) {
        diag_at(c->diags, DIAG_ERROR, key.span, "a monoid has 'combine(a, b) = EXPR', not "
                                                "'%s(...)'", k);
        return;
    }
    if (m->combine) {
        diag_at(c->diags, DIAG_ERROR, key.span, "combine is given twice");
        return;
    }
    m->combine = e;
    m->a = binder(c, a);
    m->b = binder(c, b);
}

void ast_monoid_law(ParseCtx *c, Token law)
{
    vec_push(c->arena, &cur_monoid(c)->laws, ast_name(c, law));
}
