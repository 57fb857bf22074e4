/* check.c — from the AST to the typed IR: names, types, operator rules.
 *
 * Every error is reported with its span; the checker keeps going so that
 * one run shows all the mistakes of a file.  An expression whose type could
 * not be found gets ty_error, which never causes a second message: one
 * mistake, one diagnostic.
 */
#include "fpipec.h"
#include "../runtime/timerules.h"   /* the time builtins' literals */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

typedef struct Checker {
    Arena *arena;
    Diags *d;
    Program *prog;
    const OpDecl *cur;       /* the operator being checked */
    const OpDecl *prev;      /* its input, whose name is in scope */
    Type *prev_type;         /* the element type of prev */
    bool fallible;           /* the current body can fail */
    bool calls_fallible;     /* ... because it calls a fallible C function */
    Type *fail_type;         /* set while checking a fail(...) branch of an if:
                                the other branch's type, which it takes */
    Expr *lets[400];         /* let bindings in scope, innermost last: each holds 5
                                entries of the parser's stack (2000, fpipe.y) */
    int nlets;
    PtrVec records;          /* Type* of the records declared so far */
    PtrVec externs;          /* Extern* */
    PtrVec monoids;          /* UserMonoid* */
    PtrVec bad_monoids;      /* names of monoids with errors (reported) */
    const UserMonoid *in_monoid;   /* checking this monoid's body */
    PtrVec params;           /* Param*: the declared parameters */
    int nregex;              /* regex patterns numbered so far (re_1, re_2, ...) */
} Checker;

/* The extern declared as name so far, or NULL. */
static Extern *find_extern(Checker *c, const char *name)
{
    for (int i = 0; i < c->externs.n; i++) {
        Extern *x = c->externs.v[i];
        if (strcmp(x->name, name) == 0)
            return x;
    }
    return NULL;
}

/* The monoid declared as name so far, or NULL. */
static UserMonoid *find_monoid(Checker *c, const char *name)
{
    for (int i = 0; i < c->monoids.n; i++) {
        UserMonoid *m = c->monoids.v[i];
        if (strcmp(m->name, name) == 0)
            return m;
    }
    return NULL;
}

/* The record type declared as name so far, or NULL. */
static Type *find_record(Checker *c, const char *name)
{
    for (int i = 0; i < c->records.n; i++) {
        Type *t = c->records.v[i];
        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

static const char *tname(Checker *c, const Type *t)
{
    return type_name(c->arena, t);
}

/* ---- types written in the source ---------------------------------- */

static Type *resolve_type(Checker *c, const TypeExpr *x)
{
    switch (x->kind) {
    case TX_NAME: {
        static const char *const names[] = {"i64", "f64", "bool", "str"};
        Type *types[] = {&ty_i64, &ty_f64, &ty_bool, &ty_str};
        for (int i = 0; i < 4; i++)
            if (strcmp(x->name, names[i]) == 0)
                return types[i];
        Type *rec = find_record(c, x->name);
        if (rec)
            return rec;
        for (int i = 0; i < c->prog->records.n; i++) {
            RecordDecl *r = c->prog->records.v[i];
            if (strcmp(r->name, x->name) == 0) {
                diag_at(c->d, DIAG_ERROR, x->span, "record '%s' is used before it is complete",
                        x->name);
                diag_hint(c->d, "a record can hold only records declared above it");
                return &ty_error;
            }
        }
        diag_at(c->d, DIAG_ERROR, x->span, "unknown type '%s'", x->name);
        const char *s = diag_suggest(x->name, names, 4);
        if (s)
            diag_hint(c->d, "did you mean '%s'?", s);
        else
            diag_hint(c->d, "the types are i64, f64, bool, str, tuples (T, U) and lists [T]");
        return &ty_error;
    }
    case TX_TUPLE: {
        Type *elems[64];
        if (x->n > 64) {
            diag_at(c->d, DIAG_ERROR, x->span, "a tuple has at most 64 fields");
            return &ty_error;
        }
        for (int i = 0; i < x->n; i++) {
            elems[i] = resolve_type(c, x->elems[i]);
            if (elems[i] == &ty_error)
                return &ty_error;
        }
        return type_tuple(elems, x->n);
    }
    case TX_LIST: {
        Type *e = resolve_type(c, x->elems[0]);
        return e == &ty_error ? e : type_list(e);
    }
    case TX_OPT: {
        Type *e = resolve_type(c, x->elems[0]);
        if (e == &ty_error)
            return e;
        if (!type_is_scalar(e)) {
            diag_at(c->d, DIAG_ERROR, x->span, "%s? is not a type: only i64, f64, bool and str "
                    "can be optional", tname(c, e));
            diag_hint(c->d, "make the fields optional instead, e.g. { n: i64?, name: str? }");
            return &ty_error;
        }
        return type_opt(e);
    }
    }
    return &ty_error;
}

/* ---- expressions --------------------------------------------------- */

static Type *check_expr(Checker *c, Expr *e);

/* The operator named name anywhere in the pipeline, or NULL (for messages
 * about a name used before its operator). */
static const OpDecl *find_op(Checker *c, const char *name)
{
    for (int i = 0; i < c->prog->ops.n; i++) {
        OpDecl *o = c->prog->ops.v[i];
        if (strcmp(o->name, name) == 0)
            return o;
    }
    return NULL;
}

/* The builtin named name (its BuiltinKind), or -1. */
static int find_builtin(const char *name)
{
    for (int i = 0; i < BI__COUNT; i++)
        if (strcmp(builtin_info[i].name, name) == 0)
            return i;
    return -1;
}

/* Is e a call of fail(...), which takes its type from the if around it? */
static bool is_fail(const Expr *e)
{
    return e->kind == EX_CALL && find_builtin(e->sval) == BI_FAIL;
}

/* A name in an expression: the innermost let of that name, else the
 * operator before (the element), else an error that says what the name
 * is (a later operator, a monoid parameter, ...).  Binds e->bound to the
 * let it names. */
static Type *check_name(Checker *c, Expr *e)
{
    for (int i = c->nlets - 1; i >= 0; i--) {
        if (strcmp(e->sval, c->lets[i]->sval) == 0) {
            e->bound = c->lets[i];
            c->lets[i]->uses++;
            return c->lets[i]->args[0]->type ? c->lets[i]->args[0]->type : &ty_error;
        }
    }
    if (c->prev && strcmp(e->sval, c->prev->name) == 0)
        return c->prev_type;
    if (strcmp(e->sval, "none") == 0) {   /* the literal: its context gives it a T? */
        e->ival = 1;
        return &ty_none;
    }
    if (!c->cur) {   /* a monoid's empty or combine */
        diag_at(c->d, DIAG_ERROR, e->span, "unknown name '%s' in monoid '%s'", e->sval,
                c->in_monoid->name);
        bool param = false;
        for (int i = 0; i < c->params.n; i++)
            param |= strcmp(e->sval, ((Param *)c->params.v[i])->name) == 0;
        diag_hint(c->d, param ? "a monoid's laws hold for every run: it cannot read a parameter"
                              : "empty is a constant; combine(a, b) sees only its two parameters");
        return &ty_error;
    }
    for (int i = 0; i < c->params.n; i++) {
        Param *p = c->params.v[i];
        if (strcmp(e->sval, p->name) == 0) {
            e->param = p;
            p->used = true;
            return p->type;
        }
    }
    const OpDecl *o = find_op(c, e->sval);
    if (o == c->cur) {
        diag_at(c->d, DIAG_ERROR, e->span, "'%s' is this operator's own output", e->sval);
        if (c->prev)
            diag_hint(c->d, "the element coming in is called '%s'", c->prev->name);
        return &ty_error;
    }
    if (o) {
        diag_at(c->d, DIAG_ERROR, e->span, "'%s' is not the input of '%s'", e->sval,
                c->cur->name);
        if (c->prev)
            diag_hint(c->d, "an operator sees only the element of the operator before it, '%s'",
                      c->prev->name);
        return &ty_error;
    }
    if (find_builtin(e->sval) >= 0) {
        diag_at(c->d, DIAG_ERROR, e->span, "'%s' is a function, not a value", e->sval);
        diag_hint(c->d, "call it: %s(%s)", e->sval, c->prev ? c->prev->name : "...");
        return &ty_error;
    }
    diag_at(c->d, DIAG_ERROR, e->span, "unknown name '%s'", e->sval);
    if (c->prev) {
        const char *cands[] = {c->prev->name};
        const char *s = diag_suggest(e->sval, cands, 1);
        if (s)
            diag_hint(c->d, "did you mean '%s'?", s);
        else
            diag_hint(c->d, "the element coming in is called '%s'", c->prev->name);
    }
    return &ty_error;
}

/* A type letter of ops.h's builtin table ('s', 'i', 'f', 'b') as a type. */
static Type *code_type(char code)
{
    switch (code) {
    case 's': return &ty_str;
    case 'i': return &ty_i64;
    case 'f': return &ty_f64;
    case 'b': return &ty_bool;
    case 'I': return type_opt(&ty_i64);
    case 'F': return type_opt(&ty_f64);
    case 'l': return type_list(&ty_str);
    default: return &ty_error;
    }
}

/* "name : str, i64 -> str", for hints. */
static const char *builtin_sig(Checker *c, const BuiltinInfo *bi)
{
    Str s = {0};
    str_add(&s, "%s : %s", bi->name, *bi->params ? "" : "()");
    bool opt = false;
    for (const char *p = bi->params; *p; p++) {
        if (*p == '|') {
            opt = true;
            continue;
        }
        if (p > bi->params)
            str_add(&s, ", ");
        if (opt)
            str_add(&s, "[");
        if (*p == 'x')
            str_add(&s, "i64|f64|bool|str");
        else if (*p == 'L')
            str_add(&s, "str literal");
        else if (*p == 'n')
            str_add(&s, "T");
        else if (*p == 't' || *p == 'o')
            str_add(&s, *p == 't' ? "T" : "T?");
        else if (*p == '*')
            str_add(&s, "values...");
        else
            type_str(&s, code_type(*p));
        if (opt)
            str_add(&s, "]");
    }
    str_add(&s, " -> ");
    if (bi->result[0] == '[')
        str_add(&s, "[str]");
    else if (bi->result[0] == '?')
        str_add(&s, "the type of the other branch of its if");
    else if (bi->result[0] == 'n')
        str_add(&s, "T, for T i64 or f64");
    else if (bi->result[0] == 't' || bi->result[0] == 'o')
        str_add(&s, "%s%s", bi->result[0] == 't' ? "T" : "T?",
                bi->params[0] == 't' || bi->params[0] == 'o' ? " (T: i64, f64, bool or str)" : "");
    else
        type_str(&s, code_type(bi->result[0]));
    const char *r = arena_strndup(c->arena, s.p, s.n);
    str_free(&s);
    return r;
}

/* ---- optional values ---------------------------------------------- */

/* The first none in e whose type is still unknown, or NULL. */
static Expr *untyped_none(Expr *e)
{
    if (e->kind == EX_NAME && e->ival == 1 && !e->bound && e->type == &ty_none)
        return e;
    for (int i = 0; i < e->nargs; i++) {
        Expr *n = untyped_none(e->args[i]);
        if (n)
            return n;
    }
    return NULL;
}

/* Report a none in e that no context gave a type; true if there was one. */
static bool none_unknown(Checker *c, Expr *e, const char *hint)
{
    Expr *n = untyped_none(e);
    if (!n)
        return false;
    diag_at(c->d, DIAG_ERROR, n->span, "the type of none is not known here");
    diag_hint(c->d, "%s", hint);
    return true;
}

/* Give e the type want where that changes no value: a none takes want
 * (a T?), a T becomes the T? that holds it (rewritten in place into
 * some(e)), and ifs, lets and tuples pass want on to their parts.  False
 * when e cannot have type want (the caller reports it). */
static bool fit(Checker *c, Expr *e, Type *want)
{
    Type *t = e->type;
    if (t == want || !t || t == &ty_error || want == &ty_error)
        return true;
    switch (e->kind) {
    case EX_IF:
        if (!fit(c, e->args[1], want) || !fit(c, e->args[2], want))
            return false;
        e->type = want;
        return true;
    case EX_LET:
        if (!fit(c, e->args[1], want))
            return false;
        e->type = want;
        return true;
    case EX_LIST:
        if (want->kind != TY_LIST)
            return false;
        for (int i = 0; i < e->nargs; i++)
            if (!fit(c, e->args[i], want->elem))
                return false;
        e->type = want;
        return true;
    case EX_TUPLE:
        if (want->kind != TY_TUPLE || want->n != e->nargs)
            return false;
        for (int i = 0; i < e->nargs; i++)
            if (!fit(c, e->args[i], want->elems[i]))
                return false;
        e->type = want;
        return true;
    default: break;
    }
    if (want->kind != TY_OPT)
        return false;
    if (t == &ty_none || (e->kind == EX_CALL && e->builtin == BI_FAIL && !e->ext)) {
        e->type = want;
        return true;
    }
    if (t != want->elem)
        return false;
    Expr *inner = arena_alloc(c->arena, sizeof *inner);
    *inner = *e;
    memset(e, 0, sizeof *e);
    e->kind = EX_CALL;
    e->span = e->name_span = inner->span;
    e->sval = "some";
    e->builtin = BI_SOME;
    e->args = arena_alloc(c->arena, sizeof *e->args);
    e->args[0] = inner;
    e->nargs = 1;
    e->depth = inner->depth + 1;
    e->type = want;
    return true;
}

/* The type both a and b fit (fit): the same type, or T? of a T and a T?
 * or none; NULL if there is none. */
static Type *join_opt(Type *a, Type *b)
{
    if (a == b)
        return a;
    if (a->kind == TY_OPT && (b == a->elem || b == &ty_none))
        return a;
    if (b->kind == TY_OPT && (a == b->elem || a == &ty_none))
        return b;
    if (a == &ty_none && type_is_scalar(b))
        return type_opt(b);
    if (b == &ty_none && type_is_scalar(a))
        return type_opt(a);
    return NULL;
}

/* A hint for a T? (or none) where a T was needed. */
static void hint_opt(Checker *c, const Expr *e)
{
    const char *d = "0";
    const Type *t = e->type;
    if (t->kind == TY_OPT)
        d = t->elem == &ty_f64 ? "0.0" : t->elem == &ty_str ? "\"\"" : t->elem == &ty_bool
            ? "false" : "0";
    if (t == &ty_none)
        diag_hint(c->d, "none holds no value: there is nothing to use here");
    else
        diag_hint(c->d, "it may be none: coalesce(x, %s) gives its value or a default; "
                        "is_some(x) tests it", d);
}

/* some, is_none, is_some, coalesce: their arguments are a T or a T? of
 * one scalar T (ops.h's t and o). */
static Type *check_opt_call(Checker *c, Expr *e, Type **args)
{
    const BuiltinInfo *bi = &builtin_info[e->builtin];
    for (int i = 0; i < e->nargs; i++)
        if (args[i] == &ty_error)
            return &ty_error;
    Type *a = args[0];
    switch ((BuiltinKind)e->builtin) {
    case BI_SOME:
        if (!type_is_scalar(a)) {
            diag_at(c->d, DIAG_ERROR, e->args[0]->span, "some expects i64, f64, bool or str, "
                    "not %s", tname(c, a));
            diag_hint(c->d, "%s", builtin_sig(c, bi));
            return &ty_error;
        }
        return type_opt(a);
    case BI_IS_NONE:
    case BI_IS_SOME:
        if (a->kind != TY_OPT) {
            diag_at(c->d, DIAG_ERROR, e->args[0]->span, "%s expects an optional value (T?), "
                    "not %s", e->sval, tname(c, a));
            diag_hint(c->d, a == &ty_none ? "none is always none"
                                          : "a value that is not optional is never none");
            return &ty_error;
        }
        return &ty_bool;
    case BI_COALESCE: {
        Type *b = args[1];
        if (a == &ty_none && type_is_scalar(b) && fit(c, e->args[0], type_opt(b)))
            a = e->args[0]->type;
        if (a->kind != TY_OPT) {
            diag_at(c->d, DIAG_ERROR, e->args[0]->span, "coalesce expects an optional value "
                    "(T?) as argument 1, not %s", tname(c, a));
            diag_hint(c->d, a == &ty_none ? "the type of none is not known here"
                                          : "a value that is not optional is never none: use "
                                            "it as it is");
            return &ty_error;
        }
        if (b == a->elem)
            return b;   /* the default is a value: the result is one */
        if (fit(c, e->args[1], a))
            return a;   /* a T? (or none): the result may still be none */
        diag_at(c->d, DIAG_ERROR, e->args[1]->span, "coalesce of %s and %s: the default "
                "must be %s or %s", tname(c, a), tname(c, b), tname(c, a->elem), tname(c, a));
        diag_hint(c->d, "%s", builtin_sig(c, bi));
        return &ty_error;
    }
    default: break;
    }
    return &ty_error;
}

/* A call of an extern C function: its declared signature, exactly. */
static Type *check_extern_call(Checker *c, Expr *e, Extern *x, Type **args)
{
    e->ext = x;
    x->called = true;
    if (c->in_monoid) {
        diag_at(c->d, DIAG_ERROR, e->name_span, "monoid '%s' calls the C function '%s'",
                c->in_monoid->name, x->name);
        diag_hint(c->d, "a monoid's combine is an expression of its parameters; "
                        "builtins that make no strings are allowed");
        return &ty_error;
    }
    if (e->nargs != x->nparams) {
        diag_at(c->d, DIAG_ERROR, e->span, "%s takes %d argument%s, not %d", x->name,
                x->nparams, x->nparams == 1 ? "" : "s", e->nargs);
        diag_at(c->d, DIAG_NOTE, x->span, "'%s' is declared here", x->name);
        return &ty_error;
    }
    bool bad = false;
    for (int i = 0; i < x->nparams && i < 8; i++) {
        if (args[i] == &ty_error || x->params[i] == &ty_error) {
            bad = true;
        } else if (args[i] != x->params[i] && !fit(c, e->args[i], x->params[i])) {
            diag_at(c->d, DIAG_ERROR, e->args[i]->span, "%s expects %s as argument %d (%s), "
                    "not %s", x->name, tname(c, x->params[i]), i + 1, x->pnames[i],
                    tname(c, args[i]));
            diag_at(c->d, DIAG_NOTE, x->span, "'%s' is declared here", x->name);
            bad = true;
        }
    }
    if (x->fallible)
        c->calls_fallible = true;   /* for retry, even when the arguments are wrong */
    if (bad)
        return &ty_error;
    if (x->fallible)
        c->fallible = true;
    return x->ret;
}

/* input_file() and input_line(): only where an element still comes from
 * one input record, stage 1 before any combine or top (a monoid's combine
 * folds many). */
static bool check_provenance(Checker *c, const Expr *e)
{
    if (!c->cur) {
        diag_at(c->d, DIAG_ERROR, e->span, "%s() in monoid '%s'", e->sval, c->in_monoid->name);
        diag_hint(c->d, "a monoid combines values of many input records");
        return false;
    }
    for (int i = 0; i < c->prog->ops.n; i++) {
        const OpDecl *o = c->prog->ops.v[i];
        OpRole role = op_info[o->kind].role;
        if (role == ROLE_COMBINE || role == ROLE_TOP) {
            if (o == c->cur)
                diag_at(c->d, DIAG_ERROR, e->span, "%s() in %s '%s'", e->sval,
                        op_info[o->kind].keyword, o->name);
            else
                diag_at(c->d, DIAG_ERROR, e->span, "%s() after %s '%s'", e->sval,
                        op_info[o->kind].keyword, o->name);
            diag_hint(c->d, "an element has an input position only up to the first combine "
                            "or top; keep %s() in an operator before '%s'",
                      e->sval, o->name);
            if (o != c->cur)
                diag_at(c->d, DIAG_NOTE, o->name_span, "'%s' is here", o->name);
            return false;
        }
        if (o == c->cur)
            return true;
    }
    return true;
}

/* A regex builtin's pattern (flag R in ops.h): a string literal that
 * PCRE2 compiles (with the options of runtime/regex.c: bytes, no UTF), so
 * that a bad one is an error here, located in the literal, never in a
 * run.  extract's group is a literal within the pattern's groups.  The
 * literal gets its number (ival), the re_N of the generated C. */
static bool check_regex(Checker *c, Expr *e)
{
    Expr *lit = e->args[1];
    if (lit->kind != EX_STR) {
        diag_at(c->d, DIAG_ERROR, lit->span, "the pattern of %s must be a string literal",
                e->sval);
        diag_hint(c->d, "a pattern is compiled once, by fpipec, before the run: write it "
                        "in quotes, e.g. %s(s, \"[0-9]+\")", e->sval);
        return false;
    }
    int err;
    PCRE2_SIZE at;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)(lit->sval ? lit->sval : ""), lit->slen,
                                   PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &err,
                                   &at, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        /* The offset in the source when the literal has no escapes (its
         * bytes are the text between its quotes), else the whole literal. */
        Span sp = lit->span;
        const char *src = c->d->src ? c->d->src->text + lit->span.off + 1 : NULL;
        if (src && lit->span.len == lit->slen + 2 && lit->span.off + lit->span.len <=
            c->d->src->len && memcmp(src, lit->sval ? lit->sval : "", lit->slen) == 0) {
            sp.off += 1 + (uint32_t)(at < lit->slen ? at : lit->slen);
            sp.len = 1;
        }
        diag_at(c->d, DIAG_ERROR, sp, "bad regex pattern: %s (at byte %zu of the pattern)",
                (const char *)msg, (size_t)at);
        diag_hint(c->d, "patterns are PCRE2's (Perl syntax) on bytes; docs/language.md, "
                        "\"Regular expressions\"");
        return false;
    }
    uint32_t groups = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
    pcre2_code_free(re);
    lit->ival = ++c->nregex;
    if (e->builtin != BI_EXTRACT)
        return true;
    Expr *g = e->args[2];
    if (g->kind != EX_INT) {
        diag_at(c->d, DIAG_ERROR, g->span, "the group of extract must be an integer literal");
        diag_hint(c->d, "0 (the whole match) to %u, the pattern's groups", groups);
        return false;
    }
    if (g->ival < 0 || (uint64_t)g->ival > groups) {
        diag_at(c->d, DIAG_ERROR, g->span, "extract of group %lld, but the pattern has %u "
                "group%s", (long long)g->ival, groups, groups == 1 ? "" : "s");
        diag_at(c->d, DIAG_NOTE, lit->span, "the pattern");
        diag_hint(c->d, "0 is the whole match; groups are ( ) from the left, 1 first");
        return false;
    }
    return true;
}

/* What join can take: a list literal, a call of split, split_ws or words
 * (joined as they are cut, no list made), or a name or field (read twice
 * by the C code, so nothing with a cost or an effect). */
static bool join_arg_ok(const Expr *x)
{
    if (x->kind == EX_NAME)   /* a let of split(...) has no list to read */
        return !x->bound || x->bound->args[0]->kind != EX_CALL || x->bound->args[0]->ext ||
               x->bound->args[0]->type->kind != TY_LIST;
    if (x->kind == EX_LIST)
        return true;
    if (x->kind == EX_FIELD)
        return join_arg_ok(x->args[0]);
    return x->kind == EX_CALL && !x->ext &&
           (x->builtin == BI_SPLIT || x->builtin == BI_SPLIT_WS || x->builtin == BI_WORDS);
}

/* The pieces of a format string: text, {{ and }} for braces, and
 * placeholders {} or {:spec}, spec = [[fill]align][width][.prec][x] with
 * align one of < > ^ and fill one ASCII character. */
int check_format(Arena *a, const char *s, size_t n, FmtPiece **out, const char **err,
                 size_t *err_at)
{
    FmtPiece *v = arena_alloc(a, (n + 1) * sizeof *v);
    char *text = arena_alloc(a, n + 1);
    int k = 0;
    size_t i = 0;
    while (i < n) {
        if (s[i] != '{' && s[i] != '}') {   /* literal text up to a brace */
            FmtPiece *p = &v[k++];
            p->text = text;
            p->at = i;
            while (i < n) {
                if ((s[i] == '{' || s[i] == '}') && i + 1 < n && s[i + 1] == s[i]) {
                    text[p->n++] = s[i];
                    i += 2;
                } else if (s[i] == '{' || s[i] == '}') {
                    break;
                } else {
                    text[p->n++] = s[i++];
                }
            }
            text += p->n;
            continue;
        }
        if (i + 1 < n && s[i + 1] == s[i]) {   /* {{ or }} alone: literal */
            FmtPiece *p = &v[k++];
            p->text = text;
            p->at = i;
            text[p->n++] = s[i];
            text += 1;
            i += 2;
            continue;
        }
        *err_at = i;
        if (s[i] == '}') {
            *err = "a '}' without its '{' (write }} for a brace)";
            return -1;
        }
        FmtPiece *p = &v[k++];
        memset(p, 0, sizeof *p);
        p->hole = true;
        p->prec = -1;
        p->at = i++;
        if (i < n && s[i] == ':') {
            i++;
            if (i + 1 < n && strchr("<>^", s[i + 1]) && s[i] != '}' && (unsigned char)s[i] < 0x80 &&
                s[i] >= ' ') {
                p->fill = s[i];
                p->align = s[i + 1];
                i += 2;
            } else if (i < n && strchr("<>^", s[i]) && s[i]) {
                p->align = s[i++];
            }
            if (i < n && s[i] == '0' && !p->align) {   /* {:08.2}: zeros after the sign */
                p->fill = '0';
                p->align = '=';
            }
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                p->width = p->width * 10 + (s[i++] - '0');
                if (p->width > 1000000) {
                    *err = "a width over 1000000";
                    return -1;
                }
            }
            if (i < n && s[i] == '.') {
                i++;
                if (i >= n || s[i] < '0' || s[i] > '9') {
                    *err = "'.' must be followed by the number of decimals";
                    return -1;
                }
                p->prec = 0;
                while (i < n && s[i] >= '0' && s[i] <= '9') {
                    p->prec = p->prec * 10 + (s[i++] - '0');
                    if (p->prec > 100) {
                        *err = "more than 100 decimals";
                        return -1;
                    }
                }
            }
            if (i < n && s[i] == 'x') {
                p->hex = true;
                i++;
            }
        }
        if (i >= n || s[i] != '}') {
            *err = i >= n ? "a '{' without its '}' (write {{ for a brace)"
                          : "a bad placeholder: write {} or {:[[fill]align][width][.decimals][x]}";
            return -1;
        }
        i++;
    }
    *out = v;
    return k;
}

/* A span inside string literal e for bytes at..at+len of its value: exact
 * when the literal has no escapes, else the whole literal. */
static Span literal_span(const Expr *e, size_t at, size_t len)
{
    Span sp = e->span;
    if (e->span.len == e->slen + 2 && at + len <= e->slen) {
        sp.off = e->span.off + 1 + (uint32_t)at;
        sp.len = (uint32_t)(len ? len : 1);
    }
    return sp;
}

/* format("...", args...): the string must be a literal, and each
 * placeholder must suit its argument (decimals for f64, x for i64, one
 * argument per placeholder). */
static Type *check_format_call(Checker *c, Expr *e, Type **args)
{
    if (e->nargs == 0 || e->args[0]->kind != EX_STR) {
        diag_at(c->d, DIAG_ERROR, e->nargs ? e->args[0]->span : e->span,
                "format's first argument must be a string literal");
        diag_hint(c->d, "it is checked against the arguments when compiling: "
                        "format(\"{} is {:.2}\", name, value)");
        return &ty_error;
    }
    const Expr *f = e->args[0];
    FmtPiece *pc = NULL;
    const char *why = NULL;
    size_t at = 0;
    int n = check_format(c->arena, f->sval, f->slen, &pc, &why, &at);
    if (n < 0) {
        diag_at(c->d, DIAG_ERROR, literal_span(f, at, 1), "bad format string: %s", why);
        return &ty_error;
    }
    int holes = 0;
    bool bad = false;
    for (int i = 0; i < n; i++) {
        if (!pc[i].hole)
            continue;
        holes++;
        if (holes >= e->nargs)
            continue;
        Type *t = args[holes < 16 ? holes : 15];
        if (holes >= 16 || t == &ty_error)
            continue;
        size_t len = 1;
        while (pc[i].at + len < f->slen && f->sval[pc[i].at + len - 1] != '}')
            len++;
        Span sp = literal_span(f, pc[i].at, len);
        if (!type_is_scalar(t)) {
            diag_at(c->d, DIAG_ERROR, e->args[holes]->span,
                    "format prints i64, f64, bool or str, not %s", tname(c, t));
            bad = true;
        } else if (pc[i].prec >= 0 && t != &ty_f64) {
            diag_at(c->d, DIAG_ERROR, sp, "decimals ('.%d') need an f64, but argument %d is %s",
                    pc[i].prec, holes + 1, tname(c, t));
            diag_hint(c->d, "use {} or a width alone for %s", tname(c, t));
            bad = true;
        } else if (pc[i].align == '=' && t != &ty_i64 && t != &ty_f64) {
            diag_at(c->d, DIAG_ERROR, sp, "zero padding ('0' before the width) needs a number, "
                    "but argument %d is %s", holes + 1, tname(c, t));
            diag_hint(c->d, "to pad text with zeros write {:0>%lld}", (long long)pc[i].width);
            bad = true;
        } else if (pc[i].hex && t != &ty_i64) {
            diag_at(c->d, DIAG_ERROR, sp, "hexadecimal ('x') needs an i64, but argument %d is %s",
                    holes + 1, tname(c, t));
            bad = true;
        }
    }
    if (e->nargs > 16) {
        diag_at(c->d, DIAG_ERROR, e->span, "format takes at most 15 values, not %d", e->nargs - 1);
        return &ty_error;
    }
    if (holes != e->nargs - 1) {
        diag_at(c->d, DIAG_ERROR, e->span, "format string has %d placeholder%s but %d value%s %s given",
                holes, holes == 1 ? "" : "s", e->nargs - 1, e->nargs == 2 ? "" : "s",
                e->nargs == 2 ? "is" : "are");
        diag_hint(c->d, "one value per {} (write {{ and }} for braces)");
        return &ty_error;
    }
    return bad ? &ty_error : &ty_str;
}

/* Argument i of a builtin call, which must be a str literal (an L of
 * ops.h): a literal, and one the runtime can use, checked here with the
 * rules the runtime reads it by (runtime/timerules.h). */
static bool check_literal_arg(Checker *c, Expr *e, int i)
{
    const Expr *a = e->args[i];
    bool unit = e->builtin == BI_TRUNC_TIME && i == 1;
    bool format = (e->builtin == BI_PARSE_TIME || e->builtin == BI_PARSE_TIME_US ||
                   e->builtin == BI_FORMAT_TIME) && i == 1;
    bool offset = !unit && !format;
    if (a->kind != EX_STR) {
        diag_at(c->d, DIAG_ERROR, a->span, "%s expects a str literal as argument %d", e->sval,
                i + 1);
        diag_hint(c->d, "the %s is checked when the pipeline compiles: write it in quotes",
                  unit ? "unit" : format ? "format" : "offset");
        return false;
    }
    const char *why = NULL;
    int at = -1;
    if (unit) {
        if (fp_time_unit(a->sval, a->slen) < 0) {
            diag_at(c->d, DIAG_ERROR, a->span, "unknown unit \"%.*s\" for %s", (int)a->slen,
                    a->sval, e->sval);
            diag_hint(c->d, "the units: " FP_TIME_UNITS);
            return false;
        }
        return true;
    }
    if (offset) {
        size_t k = 0;
        int64_t off;
        if (a->slen == 0)
            return true;   /* UTC */
        if (!fp_time_read_offset(a->sval, a->slen, &k, &off, &why))
            at = (int)k;
        else if (k != a->slen) {
            at = (int)k;
            why = "text after the offset";
        }
        if (at >= 0) {
            diag_at(c->d, DIAG_ERROR, a->span, "bad offset \"%.*s\" for %s: %s", (int)a->slen,
                    a->sval, e->sval, why);
            diag_hint(c->d, "an offset is \"Z\", \"+hh:mm\", \"-hhmm\" or \"+hh\" (east of UTC)");
            return false;
        }
        return true;
    }
    at = fp_time_check_format(a->sval, a->slen, e->builtin != BI_FORMAT_TIME, &why);
    if (at >= 0) {
        diag_at(c->d, DIAG_ERROR, a->span, "bad format \"%.*s\" for %s at byte %d: %s",
                (int)a->slen, a->sval, e->sval, at + 1, why);
        diag_hint(c->d, "\"\" is ISO 8601; docs/language.md lists the directives");
        return false;
    }
    return true;
}

/* A call: a builtin (its argument types from ops.h) or an extern (its
 * declared parameters).  Checks every argument first, so each mistake is
 * reported once; marks the body fallible when the callee can fail. */
static Type *check_call(Checker *c, Expr *e)
{
    int b = find_builtin(e->sval);
    Type *fail_type = c->fail_type;   /* only for this call, not its arguments */
    c->fail_type = NULL;
    Type *args[16] = {0};
    for (int i = 0; i < e->nargs; i++) {
        if (e->args[i]->kind == EX_FIELD_INIT) {   /* NAME = VALUE */
            diag_at(c->d, DIAG_ERROR, e->args[i]->name_span, "'%s = ...' is an option of a "
                    "csv source or sink, not an argument of %s", e->args[i]->sval, e->sval);
            diag_hint(c->d, "options are written csv(input, header = false) or "
                            "csv(output, delimiter = \";\")");
            return &ty_error;
        }
        Type *t = check_expr(c, e->args[i]);
        if (i < 16)
            args[i] = t;
    }
    Extern *ext = b < 0 ? find_extern(c, e->sval) : NULL;
    if (ext)
        return check_extern_call(c, e, ext, args);
    if (b < 0) {
        diag_at(c->d, DIAG_ERROR, e->name_span, "unknown function '%s'", e->sval);
        const char *cands[BI__COUNT];
        for (int i = 0; i < BI__COUNT; i++)
            cands[i] = builtin_info[i].name;
        const char *s = diag_suggest(e->sval, cands, BI__COUNT);
        if (s)
            diag_hint(c->d, "did you mean '%s'?", s);
        else if (format_of(e->sval) != FMT_NONE)
            diag_hint(c->d, "%s(...) is a %s format, not a function", e->sval,
                      format_of(e->sval) == FMT_TEXT ? "source" : "sink");
        else
            diag_hint(c->d, "docs/language.md lists the builtins");
        return &ty_error;
    }
    const BuiltinInfo *bi = &builtin_info[b];
    e->builtin = b;
    if (b == BI_FORMAT)
        return check_format_call(c, e, args);
    /* params: the codes, those after a '|' optional */
    char codes[8] = {0};
    int most = 0, least = -1;
    for (const char *p = bi->params; *p && most < 7; p++) {
        if (*p == '|')
            least = most;
        else
            codes[most++] = *p;
    }
    if (least < 0)
        least = most;
    if (e->nargs < least || e->nargs > most) {
        if (least == most)
            diag_at(c->d, DIAG_ERROR, e->span, "%s takes %d argument%s, not %d", e->sval, most,
                    most == 1 ? "" : "s", e->nargs);
        else
            diag_at(c->d, DIAG_ERROR, e->span, "%s takes %d to %d arguments, not %d", e->sval,
                    least, most, e->nargs);
        diag_hint(c->d, "%s", builtin_sig(c, bi));
        return &ty_error;
    }
    if (b == BI_SOME || b == BI_IS_NONE || b == BI_IS_SOME || b == BI_COALESCE)
        return check_opt_call(c, e, args);
    bool bad = false;
    Type *num = NULL;   /* the type of the 'n' arguments: the first one's */
    for (int i = 0; i < e->nargs; i++) {
        if (args[i] == &ty_error) {
            bad = true;
            continue;
        }
        char code = codes[i];
        if (code == 'n' && type_is_numeric(args[i]) && num && args[i] != num) {
            diag_at(c->d, DIAG_ERROR, e->args[i]->span, "%s of %s and %s", e->sval,
                    tname(c, num), tname(c, args[i]));
            diag_hint(c->d, "both must have one type: there are no implicit conversions "
                            "(f64(i) makes an f64 of an i64)");
            bad = true;
            continue;
        }
        if (code == 'n' && type_is_numeric(args[i]))
            num = args[i];
        bool ok = code == 'x'   ? type_is_scalar(args[i])
                  : code == 'n' ? type_is_numeric(args[i])
                  : code == 'L' ? args[i] == &ty_str
                                : args[i] == code_type(code);
        if (code == 'l' && b == BI_JOIN && ok && !join_arg_ok(e->args[i])) {
            diag_at(c->d, DIAG_ERROR, e->args[i]->span,
                    "join takes a list written here: [a, b], split(...), split_ws(...) or "
                    "words(...), or a name");
            if (e->args[i]->kind == EX_NAME)
                diag_hint(c->d, "a let of split(...) or words(...) holds no list: write "
                                "join(split(s, \",\"), \";\") in place of the name");
            bad = true;
        }
        if (!ok && args[i] == &ty_str && (b == BI_I64 || b == BI_F64)) {
            diag_at(c->d, DIAG_ERROR, e->args[i]->span, "%s expects %s, not str", e->sval,
                    b == BI_I64 ? "f64" : "i64");
            diag_hint(c->d, "to read a number from text: parse_%s(s)", e->sval);
            bad = true;
        } else if (!ok) {
            diag_at(c->d, DIAG_ERROR, e->args[i]->span, "%s expects %s as argument %d, not %s",
                    e->sval, code == 'x'   ? "a scalar"
                             : code == 'n' ? "i64 or f64"
                             : code == 'L' ? "a str literal"
                                           : tname(c, code_type(code)),
                    i + 1, tname(c, args[i]));
            if ((b == BI_I64 || b == BI_F64) && !strcmp(e->sval, tname(c, args[i])))
                diag_hint(c->d, "it is already %s: leave out the %s(...)", e->sval, e->sval);
            else if (args[i]->kind == TY_OPT || args[i] == &ty_none)
                hint_opt(c, e->args[i]);
            else
                diag_hint(c->d, "%s", builtin_sig(c, bi));
            bad = true;
        } else if (code == 'L' && !check_literal_arg(c, e, i)) {
            bad = true;
        }
    }
    if (bad)
        return &ty_error;
    if ((b == BI_INPUT_FILE || b == BI_INPUT_LINE) && !check_provenance(c, e))
        return &ty_error;
    if (strchr(bi->flags, 'R') && !check_regex(c, e))
        return &ty_error;
    if (strchr(bi->flags, 'F'))
        c->fallible = true;
    if (bi->result[0] == '?') {   /* fail: the type of the other branch */
        if (fail_type)
            return fail_type;
        diag_at(c->d, DIAG_ERROR, e->span, "%s(...) must be a branch of an if", e->sval);
        diag_hint(c->d, "it takes the type of the other branch: if ok then value else "
                        "%s(\"why\")", e->sval);
        return &ty_error;
    }
    if (bi->result[0] == '[')
        return type_list(&ty_str);
    if (bi->result[0] == 'n')
        return num;
    return code_type(bi->result[0]);
}

/* A binary operator: and/or on bool, arithmetic on two i64 or two f64
 * (never mixed), comparisons on two values of one scalar type.  Integer
 * division and remainder make the body fallible (by zero). */
static Type *check_binary(Checker *c, Expr *e)
{
    Type *l = check_expr(c, e->args[0]);
    Type *r = check_expr(c, e->args[1]);
    if (l == &ty_error || r == &ty_error)
        return &ty_error;
    const char *op = ast_binop_text[e->op];
    if (l->kind == TY_OPT || l == &ty_none || r->kind == TY_OPT || r == &ty_none) {
        /* never silently its value: the user says what none means */
        Expr *bad = l->kind == TY_OPT || l == &ty_none ? e->args[0] : e->args[1];
        diag_at(c->d, DIAG_ERROR, bad->span, "'%s' on %s, which may be none", op,
                tname(c, bad->type));
        if (e->op == B_EQ || e->op == B_NE)
            diag_hint(c->d, "is_none(x) tests for none; coalesce(x, D) %s v compares its value "
                            "(none never equals a value)", op);
        else
            hint_opt(c, bad);
        return &ty_error;
    }
    switch ((BinOp)e->op) {
    case B_AND:
    case B_OR:
        if (l != &ty_bool || r != &ty_bool) {
            Expr *bad = l != &ty_bool ? e->args[0] : e->args[1];
            diag_at(c->d, DIAG_ERROR, bad->span, "'%s' needs bool operands, not %s", op,
                    tname(c, l != &ty_bool ? l : r));
            return &ty_error;
        }
        return &ty_bool;
    case B_ADD:
    case B_SUB:
    case B_MUL:
    case B_DIV:
    case B_REM:
        if (e->op == B_ADD && (l == &ty_str || r == &ty_str)) {   /* concatenation */
            if (l != r) {
                diag_at(c->d, DIAG_ERROR, e->name_span, "'+' between %s and %s", tname(c, l),
                        tname(c, r));
                diag_hint(c->d, "'+' joins two str: make the other one a str with str(...), or "
                                "use format(\"{}{}\", a, b)");
                return &ty_error;
            }
            return &ty_str;
        }
        if (!type_is_numeric(l) || !type_is_numeric(r)) {
            Expr *bad = !type_is_numeric(l) ? e->args[0] : e->args[1];
            diag_at(c->d, DIAG_ERROR, bad->span, "'%s' needs numbers, not %s", op,
                    tname(c, !type_is_numeric(l) ? l : r));
            return &ty_error;
        }
        if (l != r) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "'%s' between %s and %s", op,
                    tname(c, l), tname(c, r));
            diag_hint(c->d, "both sides must have the same type: there are no implicit "
                            "conversions (write 2.0, not 2, for an f64)");
            return &ty_error;
        }
        if (e->op == B_REM && l == &ty_f64) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "'%%' needs i64 operands, not f64");
            return &ty_error;
        }
        if ((e->op == B_DIV || e->op == B_REM) && l == &ty_i64)
            c->fallible = true;   /* by zero: an element error */
        return l;
    case B_EQ:
    case B_NE:
    case B_LT:
    case B_LE:
    case B_GT:
    case B_GE:
        if (!type_is_scalar(l) || !type_is_scalar(r)) {
            Expr *bad = !type_is_scalar(l) ? e->args[0] : e->args[1];
            diag_at(c->d, DIAG_ERROR, bad->span, "'%s' compares i64, f64, bool or str, not %s",
                    op, tname(c, !type_is_scalar(l) ? l : r));
            return &ty_error;
        }
        if (l != r) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "'%s' between %s and %s", op,
                    tname(c, l), tname(c, r));
            diag_hint(c->d, "both sides must have the same type");
            return &ty_error;
        }
        return &ty_bool;
    }
    return &ty_error;
}

/* Doc { id: e1, text: e2 }: every field once, each of its type. */
static Type *check_record_lit(Checker *c, Expr *e)
{
    Type *rec = find_record(c, e->sval);
    for (int i = 0; i < e->nargs; i++)
        check_expr(c, e->args[i]->args[0]);
    if (!rec) {
        diag_at(c->d, DIAG_ERROR, e->name_span, "unknown record type '%s'", e->sval);
        return &ty_error;
    }
    bool ok = true;
    bool *seen = arena_alloc(c->arena, (size_t)rec->n + 1);
    for (int i = 0; i < e->nargs; i++) {
        Expr *f = e->args[i];
        int k = type_field(rec, f->sval);
        if (k < 0) {
            diag_at(c->d, DIAG_ERROR, f->name_span, "record %s has no field '%s'", rec->name,
                    f->sval);
            const char *sug = diag_suggest(f->sval, rec->fields, rec->n);
            if (sug)
                diag_hint(c->d, "did you mean '%s'?", sug);
            ok = false;
            continue;
        }
        if (seen[k]) {
            diag_at(c->d, DIAG_ERROR, f->name_span, "field '%s' is given twice", f->sval);
            ok = false;
            continue;
        }
        seen[k] = true;
        f->ival = k;
        Type *v = f->args[0]->type;
        if (v != &ty_error && v != rec->elems[k] && fit(c, f->args[0], rec->elems[k]))
            v = rec->elems[k];
        if (v != &ty_error && v != rec->elems[k]) {
            diag_at(c->d, DIAG_ERROR, f->args[0]->span, "field '%s' of %s is %s, not %s",
                    f->sval, rec->name, tname(c, rec->elems[k]), tname(c, v));
            if (v->kind == TY_OPT && v->elem == rec->elems[k])
                hint_opt(c, f->args[0]);
            ok = false;
        }
        if (v == &ty_error)
            ok = false;
        f->type = rec->elems[k];
    }
    for (int k = 0; k < rec->n; k++) {
        if (!seen[k] && ok) {
            diag_at(c->d, DIAG_ERROR, e->span, "field '%s' of %s is missing", rec->fields[k],
                    rec->name);
            ok = false;
        }
    }
    return ok ? rec : &ty_error;
}

/* The record declarations, in order: each may use the ones above it. */
static void check_records(Checker *c)
{
    for (int i = 0; i < c->prog->records.n; i++) {
        RecordDecl *r = c->prog->records.v[i];
        bool bad = false;
        static const char *const builtin[] = {"i64", "f64", "bool", "str"};
        for (int k = 0; k < 4; k++)
            if (!strcmp(r->name, builtin[k])) {
                diag_at(c->d, DIAG_ERROR, r->name_span, "'%s' is a built-in type", r->name);
                bad = true;
            }
        Type *prev = find_record(c, r->name);
        if (prev) {
            diag_at(c->d, DIAG_ERROR, r->name_span, "record '%s' is declared twice", r->name);
            bad = true;
        }
        Type *t = type_record(r->name, r->fields.n);
        for (int k = 0; k < r->fields.n; k++) {
            FieldDecl *f = r->fields.v[k];
            t->fields[k] = f->name;
            t->cfields[k] = names_c_ident(c->arena, f->name);
            t->elems[k] = resolve_type(c, f->type);
            for (int j = 0; j < k; j++) {
                FieldDecl *g = r->fields.v[j];
                if (!strcmp(f->name, g->name)) {
                    diag_at(c->d, DIAG_ERROR, f->span, "field '%s' is declared twice", f->name);
                    diag_at(c->d, DIAG_NOTE, g->span, "first declared here");
                }
            }
        }
        if (!bad)
            vec_push(c->arena, &c->records, t);
    }
}

/* The type of e; e is annotated in place (its builtin, extern, field
 * index).  Each error is reported once: ty_error never causes a second
 * message. */
static Type *check_expr(Checker *c, Expr *e)
{
    Type *t = &ty_error;
    switch (e->kind) {
    case EX_INT: t = &ty_i64; break;
    case EX_FLOAT: t = &ty_f64; break;
    case EX_STR: t = &ty_str; break;
    case EX_BOOL: t = &ty_bool; break;
    case EX_NAME: t = check_name(c, e); break;
    case EX_CALL: t = check_call(c, e); break;
    case EX_BINARY: t = check_binary(c, e); break;
    case EX_UNARY: {
        Type *x = check_expr(c, e->args[0]);
        if (x == &ty_error)
            break;
        if (x->kind == TY_OPT || x == &ty_none) {
            diag_at(c->d, DIAG_ERROR, e->args[0]->span, "'%s' on %s, which may be none",
                    e->op == U_NEG ? "-" : "!", tname(c, x));
            hint_opt(c, e->args[0]);
            break;
        }
        if (e->op == U_NEG && !type_is_numeric(x)) {
            diag_at(c->d, DIAG_ERROR, e->args[0]->span, "'-' needs a number, not %s",
                    tname(c, x));
            break;
        }
        if (e->op == U_NOT && x != &ty_bool) {
            diag_at(c->d, DIAG_ERROR, e->args[0]->span, "'!' needs a bool, not %s",
                    tname(c, x));
            break;
        }
        t = x;
        break;
    }
    case EX_TUPLE: {
        Type *elems[64];
        if (e->nargs > 64) {
            diag_at(c->d, DIAG_ERROR, e->span, "a tuple has at most 64 fields");
            break;
        }
        bool bad = false;
        for (int i = 0; i < e->nargs; i++) {
            elems[i] = check_expr(c, e->args[i]);
            if (elems[i] == &ty_error)
                bad = true;
        }
        if (!bad)
            t = type_tuple(elems, e->nargs);
        break;
    }
    case EX_LIST: {
        if (e->nargs == 0) {
            diag_at(c->d, DIAG_ERROR, e->span, "an empty list has no element type");
            break;
        }
        Type *first = NULL;
        bool bad = false;
        for (int i = 0; i < e->nargs; i++) {
            Type *x = check_expr(c, e->args[i]);
            if (x == &ty_error) {
                bad = true;
            } else if (x->kind == TY_LIST) {
                diag_at(c->d, DIAG_ERROR, e->args[i]->span, "lists of lists are not supported");
                bad = true;
            } else if (!first) {
                first = x;
            } else if (x != first && join_opt(first, x)) {
                first = join_opt(first, x);   /* [n, none]: a [T?] */
            } else if (x != first && !bad) {
                diag_at(c->d, DIAG_ERROR, e->args[i]->span,
                        "list items must have one type: this is %s, the first is %s",
                        tname(c, x), tname(c, first));
                bad = true;
            }
        }
        for (int i = 0; i < e->nargs && !bad; i++)
            fit(c, e->args[i], first);
        if (!bad)
            t = type_list(first);
        break;
    }
    case EX_IF: {
        Type *cond = check_expr(c, e->args[0]);
        /* A fail(...) branch takes the other branch's type: check that one
         * first (when both fail, neither has a type: an error). */
        bool fail_a = is_fail(e->args[1]), fail_b = is_fail(e->args[2]);
        Type *a, *b;
        if (fail_a && fail_b) {
            diag_at(c->d, DIAG_ERROR, e->span, "both branches of this if fail: it has no type");
            diag_hint(c->d, "fail(...) takes the type of the other branch, which must give "
                            "a value");
            c->fail_type = &ty_error;   /* check the arguments, say nothing more */
            a = check_expr(c, e->args[1]);
            c->fail_type = &ty_error;
            b = check_expr(c, e->args[2]);
        } else if (fail_a) {
            b = check_expr(c, e->args[2]);
            c->fail_type = b;
            a = check_expr(c, e->args[1]);
        } else {
            a = check_expr(c, e->args[1]);
            c->fail_type = fail_b ? a : NULL;
            b = check_expr(c, e->args[2]);
        }
        c->fail_type = NULL;
        if (cond != &ty_error && cond != &ty_bool) {
            diag_at(c->d, DIAG_ERROR, e->args[0]->span, "an if condition must be bool, not %s",
                    tname(c, cond));
            if (cond->kind == TY_OPT)
                hint_opt(c, e->args[0]);
            break;
        }
        if (a == &ty_error || b == &ty_error || cond == &ty_error)
            break;
        Type *j = a != b ? join_opt(a, b) : NULL;
        if (j && fit(c, e->args[1], j) && fit(c, e->args[2], j))
            a = b = j;   /* if c then x else none: a T? */
        if (a != b) {
            diag_at(c->d, DIAG_ERROR, e->args[2]->span,
                    "the branches of an if differ: this is %s, the other %s", tname(c, b),
                    tname(c, a));
            diag_at(c->d, DIAG_NOTE, e->args[1]->span, "this has type %s", tname(c, a));
            break;
        }
        t = a;
        break;
    }
    case EX_LET: {
        Type *v = check_expr(c, e->args[0]);
        if (v != &ty_error && type_has_none(v)) {
            none_unknown(c, e->args[0], "a let's value needs a type of its own: "
                         "let x = if c then some(v) else none in ...");
            v = &ty_error;
        }
        bool clash = c->prev && strcmp(e->sval, c->prev->name) == 0;
        for (int i = 0; i < c->nlets; i++)
            clash |= strcmp(e->sval, c->lets[i]->sval) == 0;
        for (int i = 0; i < c->params.n && c->cur; i++)
            clash |= strcmp(e->sval, ((Param *)c->params.v[i])->name) == 0;
        if (clash) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "'%s' is already a name here", e->sval);
            diag_hint(c->d, "choose another name for the let");
        }   /* a let may be called like a builtin (hour, day): calls name builtins only */
        if (c->nlets == (int)(sizeof c->lets / sizeof c->lets[0])) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "lets nested too deeply");
            break;
        }
        c->lets[c->nlets++] = e;
        Type *body = check_expr(c, e->args[1]);
        c->nlets--;
        if (e->uses == 0)
            diag_at(c->d, DIAG_WARNING, e->name_span, "'%s' is never used", e->sval);
        if (v == &ty_error || clash)
            break;
        t = body;
        break;
    }
    case EX_RECORD: t = check_record_lit(c, e); break;
    case EX_FIELD_INIT: break;   /* checked by check_record_lit */
    case EX_FIELD: {
        Type *x = check_expr(c, e->args[0]);
        if (x == &ty_error)
            break;
        if (e->sval) {   /* .name */
            if (x->kind != TY_RECORD) {
                diag_at(c->d, DIAG_ERROR, e->name_span, "field '%s' of %s, which is not a record",
                        e->sval, tname(c, x));
                break;
            }
            int i = type_field(x, e->sval);
            if (i < 0) {
                diag_at(c->d, DIAG_ERROR, e->name_span, "record %s has no field '%s'", x->name,
                        e->sval);
                const char *sug = diag_suggest(e->sval, x->fields, x->n);
                if (sug)
                    diag_hint(c->d, "did you mean '%s'?", sug);
                break;
            }
            e->ival = i;
            t = x->elems[i];
            break;
        }
        if (x->kind == TY_RECORD) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "fields of record %s have names, not numbers",
                    x->name);
            diag_hint(c->d, "its fields are %s%s", x->fields[0], x->n > 1 ? ", ..." : "");
            break;
        }
        if (x->kind != TY_TUPLE) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "field .%d of %s, which is not a tuple",
                    (int)e->ival, tname(c, x));
            break;
        }
        if (e->ival >= x->n) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "%s has no field .%d", tname(c, x),
                    (int)e->ival);
            diag_hint(c->d, "its fields are .0 to .%d", x->n - 1);
            break;
        }
        t = x->elems[e->ival];
        break;
    }
    }
    e->type = t;
    return t;
}

/* ---- operators ----------------------------------------------------- */

/* The options of a csv source or sink after its target: header = BOOL,
 * delimiter = "C", quote = "C" (one byte each, not a newline, not the
 * same).  Into op's csv_* fields; false after errors (reported).  Other
 * formats take none. */
static bool format_options(Checker *c, const Expr *b, IrOp *op)
{
    static const char *const names[] = {"header", "delimiter", "quote"};
    op->csv_header = true;
    op->csv_delim = ',';
    op->csv_quote = '"';
    const Expr *seen[3] = {0};
    bool ok = true;
    for (int i = 1; i < b->nargs; i++) {
        const Expr *a = b->args[i];
        if (a->kind != EX_FIELD_INIT)
            continue;   /* a second target: reported by the caller */
        if (op->fmt != FMT_CSV) {
            diag_at(c->d, DIAG_ERROR, a->name_span, "%s takes no options", b->sval);
            diag_hint(c->d, "header, delimiter and quote are options of csv");
            ok = false;
            continue;
        }
        int k = 0;
        while (k < 3 && strcmp(a->sval, names[k]) != 0)
            k++;
        if (k == 3) {
            diag_at(c->d, DIAG_ERROR, a->name_span, "csv has no option '%s'", a->sval);
            const char *sug = diag_suggest(a->sval, names, 3);
            if (sug)
                diag_hint(c->d, "did you mean '%s'?", sug);
            else
                diag_hint(c->d, "its options are header, delimiter and quote");
            ok = false;
            continue;
        }
        if (seen[k]) {
            diag_at(c->d, DIAG_ERROR, a->name_span, "option '%s' is given twice", a->sval);
            ok = false;
            continue;
        }
        seen[k] = a;
        const Expr *v = a->args[0];
        if (k == 0) {
            if (v->kind != EX_BOOL) {
                diag_at(c->d, DIAG_ERROR, v->span, "header is true or false");
                ok = false;
            } else {
                op->csv_header = v->ival != 0;
            }
            continue;
        }
        if (v->kind != EX_STR || v->slen != 1 || v->sval[0] == '\n' || v->sval[0] == '\r' ||
            v->sval[0] == 0) {
            if (v->kind != EX_STR)
                diag_at(c->d, DIAG_ERROR, v->span, "%s is a string of one byte, e.g. \"%s\"",
                        names[k], k == 1 ? ";" : "'");
            else if (v->slen == 0)
                diag_at(c->d, DIAG_ERROR, v->span, "%s cannot be empty: it is one byte",
                        names[k]);
            else if (v->slen != 1)
                diag_at(c->d, DIAG_ERROR, v->span, "%s is one byte, not %zu", names[k], v->slen);
            else
                diag_at(c->d, DIAG_ERROR, v->span, "%s cannot be a %s", names[k],
                        v->sval[0] ? "line break" : "NUL byte");
            if (v->kind == EX_STR && v->slen > 1 && (unsigned char)v->sval[0] >= 0x80)
                diag_hint(c->d, "a character outside ASCII is several bytes in UTF-8");
            ok = false;
            continue;
        }
        if (k == 1)
            op->csv_delim = v->sval[0];
        else
            op->csv_quote = v->sval[0];
    }
    if (ok && op->csv_delim == op->csv_quote) {
        const Expr *at = seen[1] ? seen[1] : seen[2];
        diag_at(c->d, DIAG_ERROR, at->args[0]->span, "the delimiter and the quote are the same "
                "byte");
        ok = false;
    }
    return ok;
}

/* The arguments of a source's or sink's format that are not options. */
static int targets(const Expr *b)
{
    int n = 0;
    for (int i = 0; i < b->nargs; i++)
        n += b->args[i]->kind != EX_FIELD_INIT;
    return n;
}

/* What a jsonl source reads into a field: a scalar, or a record (an
 * object), a tuple or a list (an array) of what it reads. */
static bool json_readable(const Type *t)
{
    if (type_is_scalar(t))
        return true;
    if (t->kind == TY_LIST)
        return json_readable(t->elem);
    if (t->kind != TY_RECORD && t->kind != TY_TUPLE)
        return false;
    for (int i = 0; i < t->n; i++)
        if (!json_readable(t->elems[i]))
            return false;
    return true;
}

/* source: text(input), or csv(input) / jsonl(input) onto the declared
 * record type */
static void check_source(Checker *c, const OpDecl *o, IrOp *op, Type *decl)
{
    Expr *b = o->body;
    op->out = &ty_error;
    Format fmt = b->kind == EX_CALL ? format_of(b->sval) : FMT_NONE;
    bool known = fmt == FMT_TEXT || fmt == FMT_CSV || fmt == FMT_JSONL;
    if (!known || targets(b) != 1 || b->args[0]->kind != EX_NAME ||
        strcmp(b->args[0]->sval, "input") != 0) {
        diag_at(c->d, DIAG_ERROR, b->span, "a source reads text(input), csv(input) or "
                                           "jsonl(input)");
        diag_hint(c->d, "text(input) gives one str per line of the input files named on "
                        "the command line; csv and jsonl give records of a declared type");
        return;
    }
    op->fmt = fmt;
    op->format = format_names[fmt];
    op->target = TGT_INPUT;
    if (!format_options(c, b, op))
        return;
    if (fmt == FMT_TEXT) {
        op->out = &ty_str;
        return;
    }
    /* csv, jsonl: the declared type says what a record holds. */
    if (!decl) {
        diag_at(c->d, DIAG_ERROR, o->name_span, "a %s source needs the record type it reads",
                b->sval);
        diag_hint(c->d, "declare it: type Row = { name: str, n: i64 }  then  "
                        "source %s : Row = %s(input)", o->name, b->sval);
        return;
    }
    if (decl == &ty_error)
        return;
    if (decl->kind != TY_RECORD) {
        diag_at(c->d, DIAG_ERROR, o->decl_type->span, "a %s source reads records, not %s",
                b->sval, tname(c, decl));
        diag_hint(c->d, "declare a record type whose fields name the %s",
                  fmt == FMT_CSV ? "header's columns" : "objects' members");
        return;
    }
    for (int i = 0; i < decl->n; i++) {
        Type *ft = decl->elems[i];
        if (ft->kind != TY_OPT && (fmt == FMT_CSV ? !type_is_scalar(ft) : !json_readable(ft))) {
            diag_at(c->d, DIAG_ERROR, o->decl_type->span, "field '%s' of %s is %s, but a %s "
                    "source reads fields of type str, i64, f64 or bool%s", decl->fields[i],
                    decl->name, tname(c, decl->elems[i]), b->sval,
                    fmt == FMT_CSV ? "" : ", and records, tuples and lists of them");
            return;
        }
    }
    op->out = decl;
    op->fallible = true;   /* a malformed record is an element error */
}

/* sink: FORMAT(output) | FORMAT(stdout) | FORMAT("path"); FORMAT is tsv,
 * csv or jsonl */
static bool sink_type_ok(const Type *t, bool json)
{
    if (type_is_scalar(t) || t->kind == TY_OPT)
        return true;
    if (t->kind == TY_LIST)
        return json && sink_type_ok(t->elem, json);
    if (t->kind != TY_TUPLE && t->kind != TY_RECORD)
        return false;
    for (int i = 0; i < t->n; i++)
        if (!sink_type_ok(t->elems[i], json))
            return false;
    return true;
}

/* sink NAME = FORMAT(TARGET): the format, the target (output, stdout or
 * a path) and whether the format can write the incoming type. */
static void check_sink(Checker *c, const OpDecl *o, IrOp *op)
{
    Expr *b = o->body;
    static const char *const formats[] = {"tsv", "csv", "jsonl"};
    Format fmt = b->kind == EX_CALL ? format_of(b->sval) : FMT_NONE;
    if ((fmt != FMT_TSV && fmt != FMT_CSV && fmt != FMT_JSONL) || targets(b) != 1 ||
        b->args[0]->kind == EX_FIELD_INIT) {
        diag_at(c->d, DIAG_ERROR, b->span, "a sink writes FORMAT(output), FORMAT(stdout) or "
                                           "FORMAT(\"PATH\"), FORMAT being tsv, csv or jsonl");
        const char *sug = b->kind == EX_CALL ? diag_suggest(b->sval, formats, 3) : NULL;
        if (sug)
            diag_hint(c->d, "did you mean '%s'?", sug);
        else
            diag_hint(c->d, "tsv(output) writes to the -o PATH given to the program, or to "
                            "standard output without -o");
        return;
    }
    op->fmt = fmt;
    op->format = format_names[fmt];
    if (!format_options(c, b, op))
        return;
    Expr *a = b->args[0];
    if (a->kind == EX_NAME && strcmp(a->sval, "output") == 0) {
        op->target = TGT_OUTPUT;
    } else if (a->kind == EX_NAME && strcmp(a->sval, "stdout") == 0) {
        op->target = TGT_STDOUT;
    } else if (a->kind == EX_STR) {
        if (a->slen == 0 || memchr(a->sval, 0, a->slen)) {
            diag_at(c->d, DIAG_ERROR, a->span, "an output path must be non-empty and "
                                               "hold no NUL byte");
            return;
        }
        op->target = TGT_PATH;
        op->path = a->sval;
        op->path_len = a->slen;
    } else {
        diag_at(c->d, DIAG_ERROR, a->span, "a sink writes to output, stdout or a \"path\"");
        return;
    }
    if (op->in != &ty_error && !sink_type_ok(op->in, fmt == FMT_JSONL)) {
        diag_at(c->d, DIAG_ERROR, o->name_span, "%s cannot write %s", op->format,
                tname(c, op->in));
        diag_hint(c->d, "a %s row holds scalars (i64, f64, bool, str), tuples and records of "
                  "them%s; use a flatmap to write a list's items as rows", op->format,
                  fmt == FMT_JSONL ? " and lists" : " (jsonl also writes lists)");
    }
}

/* The monoid item i of a combine stands for: a built-in monoid's name,
 * topk(N), or a declared monoid's name (reported if none). */
static bool monoid_of(Checker *c, const Expr *b, IrOp *op, int i)
{
    if (b->kind == EX_CALL && !strcmp(b->sval, "topk")) {
        if (b->nargs != 1 || b->args[0]->kind != EX_INT || b->args[0]->ival < 1 ||
            b->args[0]->ival > 1000) {
            diag_at(c->d, DIAG_ERROR, b->span, "topk takes a count from 1 to 1000, e.g. topk(10)");
            return false;
        }
        op->mons[i] = MONOID_TOPK;
        op->topk[i] = (int)b->args[0]->ival;
        return true;
    }
    if (b->kind == EX_NAME && !strcmp(b->sval, "topk")) {
        diag_at(c->d, DIAG_ERROR, b->span, "topk needs a count, e.g. topk(10)");
        return false;
    }
    if (b->kind != EX_NAME) {
        diag_at(c->d, DIAG_ERROR, b->span, "%s takes a monoid (sum, count, min, max, mean, "
                "and, or, topk(N) or a declared monoid) or a tuple of them",
                op_info[op->kind].keyword);
        return false;
    }
    for (int k = 0; k < MONOID__COUNT; k++) {
        if (k != MONOID_TOPK && k != MONOID_USER && strcmp(b->sval, monoid_names[k]) == 0) {
            op->mons[i] = (MonoidKind)k;
            return true;
        }
    }
    UserMonoid *u = find_monoid(c, b->sval);
    if (u) {
        op->mons[i] = MONOID_USER;
        op->umon[i] = u;
        if (!u->associative) {
            diag_at(c->d, DIAG_ERROR, b->span, "monoid '%s' is not declared associative",
                    u->name);
            diag_hint(c->d, "a combine folds partitions in parallel, which needs "
                            "(a + b) + c == a + (b + c): check that it holds and add "
                            "'associative' to the monoid");
            return false;
        }
        return true;
    }
    for (int k = 0; k < c->bad_monoids.n; k++)
        if (!strcmp(b->sval, c->bad_monoids.v[k]))
            return false;   /* its declaration's errors are reported */
    diag_at(c->d, DIAG_ERROR, b->span, "unknown monoid '%s'", b->sval);
    const char *cands[MONOID__COUNT + 64];
    int nc = 0;
    for (int k = 0; k < MONOID__COUNT; k++)
        if (k != MONOID_USER)
            cands[nc++] = monoid_names[k];
    for (int k = 0; k < c->monoids.n && nc < MONOID__COUNT + 64; k++)
        cands[nc++] = ((UserMonoid *)c->monoids.v[k])->name;
    const char *s = diag_suggest(b->sval, cands, nc);
    if (s)
        diag_hint(c->d, "did you mean '%s'?", s);
    else
        diag_hint(c->d, "the monoids are sum, count, min, max, mean, and, or, topk(N) and "
                        "those declared with 'monoid'");
    return false;
}

/* What monoid i of op gives when folding values of type v, or NULL
 * (reported). */
static Type *monoid_result(Checker *c, const Expr *at, const IrOp *op, int i, Type *v)
{
    MonoidKind m = op->mons[i];
    switch (m) {
    case MONOID_TOPK:
        if (v == &ty_i64 || v == &ty_f64)
            return type_list(v);
        break;
    case MONOID_USER:
        if (v == op->umon[i]->type)
            return v;
        if (op->umon[i]->type == &ty_error)
            return NULL;   /* its declaration was reported */
        diag_at(c->d, DIAG_ERROR, at->span, "monoid '%s' folds %s values, not %s",
                op->umon[i]->name, tname(c, op->umon[i]->type), tname(c, v));
        diag_at(c->d, DIAG_NOTE, op->umon[i]->span, "'%s' is declared here", op->umon[i]->name);
        return NULL;
    case MONOID_COUNT: return &ty_i64;
    case MONOID_SUM:
    case MONOID_MIN:
    case MONOID_MAX:
        if (v == &ty_i64 || v == &ty_f64)
            return v;
        break;
    case MONOID_MEAN:
        if (v == &ty_i64 || v == &ty_f64)
            return &ty_f64;
        break;
    case MONOID_AND:
    case MONOID_OR:
        if (v == &ty_bool)
            return &ty_bool;
        break;
    case MONOID__COUNT: break;
    }
    diag_at(c->d, DIAG_ERROR, at->span, "%s cannot fold %s values", monoid_names[m],
            tname(c, v));
    if (type_has_opt(v)) {
        diag_hint(c->d, "count counts optional values; for %s, say what none means with "
                  "coalesce(v, D) in a map before, or drop the nones with filter is_some(v)",
                  monoid_names[m]);
    } else {
        diag_hint(c->d, "%s", m == MONOID_AND || m == MONOID_OR
                                  ? "and, or fold bool values"
                                  : "sum, min, max, mean and topk fold i64 or f64; count counts "
                                    "anything");
    }
    return NULL;
}

/* The body of a combine: a monoid, or a tuple of monoids folded in one pass
 * over the same values. */
static bool monoids_of(Checker *c, const OpDecl *o, IrOp *op)
{
    const Expr *b = o->body;
    const Expr *const *items = (const Expr *const *)&o->body;
    int n = 1;
    if (b->kind == EX_TUPLE) {
        items = (const Expr *const *)b->args;
        n = b->nargs;
        op->mon_tuple = true;
    }
    if (n > 16) {
        diag_at(c->d, DIAG_ERROR, b->span, "at most 16 monoids in one combine");
        return false;
    }
    bool ok = true;
    for (int i = 0; i < n; i++)
        if (!monoid_of(c, items[i], op, i))
            ok = false;
    op->nmon = n;
    return ok;
}

/* The result of every monoid on values of type v: one type, or a tuple. */
static Type *monoids_result(Checker *c, const OpDecl *o, IrOp *op, Type *v)
{
    Type *r[16];
    const Expr *b = o->body;
    for (int i = 0; i < op->nmon; i++) {
        r[i] = monoid_result(c, op->mon_tuple ? b->args[i] : b, op, i, v);
        if (!r[i])
            return NULL;
    }
    return op->mon_tuple ? type_tuple(r, op->nmon) : r[0];
}

/* Does t hold an f64 (itself, or in a tuple or record)? */
bool type_has_f64(const Type *t)
{
    if (t == &ty_f64)
        return true;
    for (int i = 0; i < t->n && (t->kind == TY_TUPLE || t->kind == TY_RECORD); i++)
        if (type_has_f64(t->elems[i]))
            return true;
    return false;
}

/* Is the fold exact whatever the grouping: no f64 arithmetic (f64 sum,
 * mean, min/max of signed zeros, a declared monoid over f64)?  The plan
 * fixes the fold order when it is not. */
bool combine_is_exact(const IrOp *op)
{
    for (int i = 0; i < op->nmon; i++) {
        if (op->mons[i] == MONOID_USER) {
            if (type_has_f64(op->umon[i]->type))
                return false;   /* its combine may do f64 arithmetic */
            continue;
        }
        /* f64 min and max are IEEE 754-2019's (fp_min_f64: nan wins, -0 <
         * +0), the same value in any order; topk orders f64 totally, by
         * bits; sum and mean keep the exact sum (fp_fsum) and round it
         * once. */
        if (op->val == &ty_f64 && op->mons[i] != MONOID_COUNT && op->mons[i] != MONOID_TOPK &&
            op->mons[i] != MONOID_SUM && op->mons[i] != MONOID_MEAN &&
            op->mons[i] != MONOID_MIN && op->mons[i] != MONOID_MAX)
            return false;
    }
    return true;
}

/* Can partials merge in any order: no declared monoid without
 * 'commutative'? */
bool combine_is_commutative(const IrOp *op)
{
    for (int i = 0; i < op->nmon; i++)
        if (op->mons[i] == MONOID_USER && !op->umon[i]->commutative)
            return false;
    return true;
}

/* combine / combine_per_key: the monoids, and what they fold: the whole
 * element (combine) or the value of a (key, value) pair, whose key must be
 * a scalar or a tuple of scalars (combine_per_key). */
static void check_combine(Checker *c, const OpDecl *o, IrOp *op)
{
    op->out = &ty_error;
    if (!monoids_of(c, o, op) || op->in == &ty_error)
        return;
    if (o->kind == OP_COMBINE) {
        Type *r = monoids_result(c, o, op, op->in);
        if (r) {
            op->val = op->in;
            op->res = r;
            op->out = r;
        }
        return;
    }
    Type *in = op->in;
    if (in->kind != TY_TUPLE || in->n != 2) {
        diag_at(c->d, DIAG_ERROR, o->name_span,
                "combine_per_key needs (key, value) pairs, but '%s' gives %s",
                c->prev->name, tname(c, in));
        diag_hint(c->d, "make pairs with a map first, e.g. map ones = (%s, 1)", c->prev->name);
        return;
    }
    Type *k = in->elems[0], *v = in->elems[1];
    if (k != &ty_str && k != &ty_i64 && k != &ty_bool) {
        diag_at(c->d, DIAG_ERROR, o->name_span, "keys of type %s are not supported",
                tname(c, k));
        if (k->kind == TY_OPT)
            diag_hint(c->d, "a key is a str, an i64 or a bool: coalesce(k, D) gives one");
        else
            diag_hint(c->d, "a key is a str, an i64 or a bool%s",
                      k == &ty_f64 ? " (f64 keys would group -0.0 and 0.0 apart)" : "");
        return;
    }
    Type *r = monoids_result(c, o, op, v);
    if (!r)
        return;
    op->key = k;
    op->val = v;
    op->res = r;
    Type *pair[2] = {k, r};
    op->out = type_tuple(pair, 2);
}

/* Does e build a string in the worker's arena (lower, upper)? */
static bool makes_strings(const Expr *e)
{
    if (e->kind == EX_CALL && e->builtin >= 0 && strchr(builtin_info[e->builtin].flags, 'A'))
        return true;
    if (e->kind == EX_CALL && e->ext)
        return true;   /* a C function may make strings with fp_alloc */
    if (e->kind == EX_BINARY && e->op == B_ADD && e->type == &ty_str)
        return true;   /* concatenation */
    for (int i = 0; i < e->nargs; i++)
        if (makes_strings(e->args[i]))
            return true;
    return false;
}

/* Does e read the incoming element (a name that is not a let's, or its
 * place: input_file(), input_line())?  Assumes e was checked. */
bool expr_uses_input(const Expr *e)
{
    if (e->kind == EX_NAME && !e->bound && !e->param && e->ival != 1)   /* (1: the literal none) */
        return true;
    if (e->kind == EX_CALL && !e->ext && (e->builtin == BI_INPUT_FILE || e->builtin == BI_INPUT_LINE))
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (expr_uses_input(e->args[i]))
            return true;
    return false;
}

/* map, filter, flatmap: the body's type against what the operator needs
 * (one element, a bool, a list) and the element type it gives. */
static void check_body(Checker *c, const OpDecl *o, IrOp *op, Type *decl)
{
    c->fallible = c->calls_fallible = false;
    Type *t = check_expr(c, o->body);
    op->body = o->body;
    op->fallible = c->fallible;
    op->out = &ty_error;
    if (t == &ty_error || op->in == &ty_error)
        return;
    /* map x : i64? = if ok then v else none: the declaration is the context */
    if (o->kind == OP_MAP && decl && decl != &ty_error && t != decl && fit(c, o->body, decl))
        t = decl;
    if (o->kind == OP_FLATMAP && decl && decl != &ty_error && t != type_list(decl) &&
        fit(c, o->body, type_list(decl)))
        t = o->body->type;
    if (type_has_none(t)) {
        none_unknown(c, o->body, arena_printf(c->arena, "declare the operator's type, e.g. "
                     "%s %s : i64? = ...", op_info[o->kind].keyword, o->name));
        return;
    }
    switch (o->kind) {
    case OP_MAP:
        if (t->kind == TY_LIST) {
            diag_at(c->d, DIAG_ERROR, o->body->span, "map gives one element, but this is a "
                                                     "list %s", tname(c, t));
            diag_hint(c->d, "use flatmap to send each item on as its own element");
            return;
        }
        op->out = t;
        return;
    case OP_FILTER:
        if (t != &ty_bool) {
            diag_at(c->d, DIAG_ERROR, o->body->span, "a filter's body must be bool, not %s",
                    tname(c, t));
            return;
        }
        op->out = op->in;
        return;
    case OP_FLATMAP:
        if (t->kind != TY_LIST) {
            diag_at(c->d, DIAG_ERROR, o->body->span, "a flatmap's body must be a list, not %s",
                    tname(c, t));
            diag_hint(c->d, "use map for one element out per element in");
            return;
        }
        op->out = t->elem;
        return;
    default:
        return;
    }
}

/* The structural rules: one source first, one sink last, at most one
 * combine, unique names.  Reported once each. */
static bool check_shape(Checker *c)
{
    Program *p = c->prog;
    bool ok = true;
    if (!p->name) {
        Span sp = {0, 0};
        if (p->ops.n)
            sp = ((OpDecl *)p->ops.v[0])->kw_span;
        diag_at(c->d, DIAG_ERROR, sp, "missing 'pipeline NAME' at the start of the file");
        diag_hint(c->d, "start the file with e.g. 'pipeline wordcount'");
        ok = false;
    }
    if (p->ops.n == 0) {
        diag_at(c->d, DIAG_ERROR, p->name_span, "pipeline '%s' has no operators",
                p->name ? p->name : "");
        diag_hint(c->d, "a pipeline is a source, operators, and a sink");
        return false;
    }
    int combines = 0, tops = 0, batches = 0;
    bool global = false;
    for (int i = 0; i < p->ops.n; i++) {
        OpDecl *o = p->ops.v[i];
        for (int j = 0; j < i; j++) {
            OpDecl *q = p->ops.v[j];
            if (strcmp(q->name, o->name) == 0) {
                diag_at(c->d, DIAG_ERROR, o->name_span, "duplicate operator name '%s'", o->name);
                diag_at(c->d, DIAG_NOTE, q->name_span, "'%s' was first defined here", q->name);
                ok = false;
                break;
            }
        }
        OpRole role = op_info[o->kind].role;
        if (role == ROLE_SOURCE && i != 0) {
            diag_at(c->d, DIAG_ERROR, o->kw_span, "a source must be the first operator");
            diag_hint(c->d, "a pipeline reads from one source; branches and joins are not "
                            "supported yet");
            ok = false;
        }
        if (i == 0 && role != ROLE_SOURCE) {
            diag_at(c->d, DIAG_ERROR, o->kw_span, "the pipeline must start with a source, "
                                                  "not a %s", op_info[o->kind].keyword);
            diag_hint(c->d, "e.g. 'source lines : str = text(input)'");
            ok = false;
        }
        if (role == ROLE_SINK && i != p->ops.n - 1) {
            OpDecl *next = p->ops.v[i + 1];
            diag_at(c->d, DIAG_ERROR, next->kw_span, "'%s' follows the sink '%s'", next->name,
                    o->name);
            diag_hint(c->d, "a sink is terminal: it must be the last operator");
            ok = false;
        }
        if (role == ROLE_TOP && ++tops == 2) {
            diag_at(c->d, DIAG_ERROR, o->kw_span, "a pipeline has at most one top for now");
            ok = false;
        }
        if (role == ROLE_COMBINE && tops) {
            diag_at(c->d, DIAG_ERROR, o->kw_span, "a combine after a top");
            diag_hint(c->d, "a top is the last boundary: combine first, then keep the top N");
            ok = false;
        }
        if (role == ROLE_TOP && global) {
            diag_at(c->d, DIAG_ERROR, o->kw_span, "a top after a global combine, which gives "
                                                  "one element");
            ok = false;
        }
        if (o->kind == OP_COMBINE)
            global = true;
        if (o->kind == OP_BATCH_MAP && (combines || tops)) {
            diag_at(c->d, DIAG_ERROR, o->kw_span, "a batch_map after a %s",
                    tops ? "top" : "combine");
            diag_hint(c->d, "batches are made in the loop over the input: put the batch_map "
                            "before the combine or top");
            ok = false;
        }
        if (o->kind == OP_BATCH_MAP && ++batches == 2) {
            diag_at(c->d, DIAG_ERROR, o->kw_span, "a pipeline has at most one batch_map for now");
            ok = false;
        }
        if (role == ROLE_COMBINE && ++combines == 2) {
            diag_at(c->d, DIAG_ERROR, o->kw_span, "a pipeline has at most one combine for now");
            ok = false;
        }
    }
    OpDecl *last = p->ops.v[p->ops.n - 1];
    bool has_sink = false;
    for (int i = 0; i < p->ops.n; i++)
        has_sink |= ((OpDecl *)p->ops.v[i])->kind == OP_SINK;
    if (!has_sink) {
        diag_at(c->d, DIAG_ERROR, last->name_span, "the pipeline has no sink after '%s'",
                last->name);
        diag_hint(c->d, "end it with a sink, e.g. 'sink out = tsv(output)'");
        ok = false;
    }
    return ok;
}

/* extern NAME(params) -> TYPE ATTRS */
static void check_externs(Checker *c)
{
    for (int i = 0; i < c->prog->externs.n; i++) {
        ExternDecl *d = c->prog->externs.v[i];
        Extern *x = arena_alloc(c->arena, sizeof *x);
        x->name = d->name;
        x->span = d->name_span;
        int col;
        diag_line_col(c->d->src, d->name_span.off, &x->line, &col);
        bool bad = false;
        if (find_builtin(d->name) >= 0) {
            diag_at(c->d, DIAG_ERROR, d->name_span, "'%s' is a builtin", d->name);
            diag_hint(c->d, "give the C function another name");
            bad = true;
        } else if (find_extern(c, d->name)) {
            diag_at(c->d, DIAG_ERROR, d->name_span, "extern '%s' is declared twice", d->name);
            bad = true;
        } else if (names_extern_reserved(c->arena, d->name)) {
            diag_at(c->d, DIAG_ERROR, d->name_span, "'%s' cannot name a C function here",
                    d->name);
            diag_hint(c->d, "it is a C keyword, a name of the C library, of libfpipe or of the "
                            "generated program, or a format; names starting with fp_ or _ are "
                            "the runtime's");
            bad = true;
        } else {
            for (int k = 0; k < c->prog->ops.n; k++) {
                OpDecl *o = c->prog->ops.v[k];
                if (!strcmp(o->name, d->name)) {
                    diag_at(c->d, DIAG_ERROR, o->name_span, "operator '%s' has the name of "
                            "the C function '%s'", o->name, d->name);
                    diag_at(c->d, DIAG_NOTE, d->name_span, "'%s' is declared here", d->name);
                    bad = true;
                }
            }
        }
        for (int k = 0; k < d->attrs.n; k++) {
            Expr *a = d->attrs.v[k];
            if (!strcmp(a->sval, "pure")) {
                x->pure = true;
            } else if (!strcmp(a->sval, "fallible")) {
                x->fallible = true;
            } else if (!strcmp(a->sval, "impure")) {
                diag_at(c->d, DIAG_ERROR, a->span, "impure C functions are not supported yet");
                diag_hint(c->d, "operators run in parallel and may run twice: only pure "
                                "functions (same input, same output, no effects) are allowed");
                bad = true;
            } else {
                diag_at(c->d, DIAG_ERROR, a->span, "unknown attribute '%s'", a->sval);
                static const char *const attrs[] = {"pure", "fallible"};
                const char *sug = diag_suggest(a->sval, attrs, 2);
                diag_hint(c->d, sug ? "did you mean '%s'?" : "the attributes are %s",
                          sug ? sug : "pure and fallible");
                bad = true;
            }
        }
        if (!x->pure && !bad) {
            diag_at(c->d, DIAG_ERROR, d->name_span, "extern '%s' must be declared pure",
                    d->name);
            diag_hint(c->d, "write '-> TYPE pure' once the C function has no effects (no I/O, "
                            "no global state): operators may run in any order, in parallel");
            bad = true;
        }
        x->nparams = d->params.n;
        x->params = arena_alloc(c->arena, (size_t)(d->params.n + 1) * sizeof *x->params);
        x->pnames = arena_alloc(c->arena, (size_t)(d->params.n + 1) * sizeof *x->pnames);
        if (d->params.n > 8) {
            diag_at(c->d, DIAG_ERROR, d->name_span, "an extern takes at most 8 parameters");
            bad = true;
        }
        for (int k = 0; k < d->params.n; k++) {
            FieldDecl *f = d->params.v[k];
            x->params[k] = resolve_type(c, f->type);
            x->pnames[k] = names_c_ident(c->arena, f->name);
            /* Not cx, a type, the function itself (its call wrapper would
             * call the parameter) or a parameter before it. */
            for (bool taken = true; taken;) {
                taken = !strcmp(x->pnames[k], "cx") || names_type_like(x->pnames[k]) ||
                        !strcmp(x->pnames[k], d->name);
                for (int j = 0; j < k && !taken; j++)
                    taken = !strcmp(x->pnames[k], x->pnames[j]);
                if (taken)
                    x->pnames[k] = arena_printf(c->arena, "%s_", x->pnames[k]);
            }
            for (int j = 0; j < k; j++)
                if (!strcmp(f->name, ((FieldDecl *)d->params.v[j])->name)) {
                    diag_at(c->d, DIAG_ERROR, f->span, "parameter '%s' is declared twice",
                            f->name);
                    bad = true;
                }
        }
        x->ret = resolve_type(c, d->ret);
        /* Kept even when wrong (reported): its calls then check without a
         * second message about an unknown function. */
        if (!bad || !find_extern(c, d->name))
            vec_push(c->arena, &c->externs, x);
    }
}

/* Can a declared monoid fold this type: i64, f64, bool, or tuples of them? */
static bool monoid_type_ok(const Type *t)
{
    if (t == &ty_i64 || t == &ty_f64 || t == &ty_bool)
        return true;
    if (t->kind != TY_TUPLE)
        return false;
    for (int i = 0; i < t->n; i++)
        if (!monoid_type_ok(t->elems[i]))
            return false;
    return true;
}

static bool makes_strings(const Expr *e);

/* monoid NAME : TYPE { empty = E  combine(a, b) = E  LAWS } */
static void check_monoid_decls(Checker *c)
{
    for (int i = 0; i < c->prog->monoids.n; i++) {
        MonoidDecl *d = c->prog->monoids.v[i];
        UserMonoid *m = arena_alloc(c->arena, sizeof *m);
        m->name = d->name;
        m->cname = arena_printf(c->arena, "monoid_%s", d->name);
        m->span = d->name_span;
        int col;
        diag_line_col(c->d->src, d->name_span.off, &m->line, &col);
        bool bad = false;
        for (int k = 0; k < MONOID__COUNT; k++)
            if (k != MONOID_USER && !strcmp(d->name, monoid_names[k])) {
                diag_at(c->d, DIAG_ERROR, d->name_span, "'%s' is a built-in monoid", d->name);
                bad = true;
            }
        if (find_monoid(c, d->name)) {
            diag_at(c->d, DIAG_ERROR, d->name_span, "monoid '%s' is declared twice", d->name);
            bad = true;
        }
        m->type = resolve_type(c, d->type);
        if (m->type != &ty_error && !monoid_type_ok(m->type)) {
            diag_at(c->d, DIAG_ERROR, d->type->span, "a monoid folds i64, f64, bool or tuples "
                    "of them, not %s", tname(c, m->type));
            m->type = &ty_error;
        }
        for (int k = 0; k < d->laws.n; k++) {
            Expr *l = d->laws.v[k];
            if (!strcmp(l->sval, "associative")) {
                m->associative = true;
            } else if (!strcmp(l->sval, "commutative")) {
                m->commutative = true;
            } else {
                diag_at(c->d, DIAG_ERROR, l->span, "unknown law '%s'", l->sval);
                static const char *const laws[] = {"associative", "commutative"};
                const char *sug = diag_suggest(l->sval, laws, 2);
                diag_hint(c->d, sug ? "did you mean '%s'?" : "the laws are %s",
                          sug ? sug : "associative and commutative");
                bad = true;
            }
        }
        if (!d->empty || !d->combine) {
            diag_at(c->d, DIAG_ERROR, d->name_span, "monoid '%s' has no %s", d->name,
                    !d->empty ? "'empty = VALUE'" : "'combine(a, b) = EXPR'");
            diag_hint(c->d, "a monoid is an identity and an associative combine: "
                            "empty = 0  combine(a, b) = a + b  associative");
            bad = true;
        }
        c->cur = NULL;
        c->prev = NULL;
        c->in_monoid = m;
        c->nlets = 0;
        Type *t = m->type;
        if (d->empty) {
            c->fallible = false;
            int before = c->d->nerrors;
            Type *et = check_expr(c, d->empty);
            if (et != &ty_error && t != &ty_error && et != t) {
                diag_at(c->d, DIAG_ERROR, d->empty->span, "empty of monoid '%s' is %s, not %s",
                        d->name, tname(c, et), tname(c, t));
                bad = true;
            }
            if (c->d->nerrors == before && (c->fallible || makes_strings(d->empty))) {
                diag_at(c->d, DIAG_ERROR, d->empty->span, "empty of monoid '%s' %s", d->name,
                        c->fallible ? "can fail" : "makes strings");
                diag_hint(c->d, "a monoid's empty is a constant: no integer division, no "
                                "parse_*, substr, replace, split or fail");
                bad = true;
            }
        }
        if (d->combine) {
            d->a->args[0]->type = t;
            d->b->args[0]->type = t;
            if (!strcmp(d->a->sval, d->b->sval)) {
                diag_at(c->d, DIAG_ERROR, d->b->span, "combine's parameters need two names");
                bad = true;
            }
            c->lets[c->nlets++] = d->a;
            c->lets[c->nlets++] = d->b;
            c->fallible = false;
            int before = c->d->nerrors;
            Type *ct = check_expr(c, d->combine);
            c->nlets = 0;
            if (ct != &ty_error && t != &ty_error && ct != t) {
                diag_at(c->d, DIAG_ERROR, d->combine->span, "combine of monoid '%s' gives %s, "
                        "not %s", d->name, tname(c, ct), tname(c, t));
                bad = true;
            }
            if (c->d->nerrors == before && (c->fallible || makes_strings(d->combine))) {
                diag_at(c->d, DIAG_ERROR, d->combine->span, "combine of monoid '%s' %s",
                        d->name, c->fallible ? "can fail" : "makes strings");
                diag_hint(c->d, "a monoid's combine must be total: no integer division, no "
                                "parse_*, substr, replace or split");
                bad = true;
            }
        }
        c->in_monoid = NULL;
        m->empty = d->empty;
        m->combine = d->combine;
        m->a = d->a;
        m->b = d->b;
        if (!bad || !find_monoid(c, d->name))   /* kept when wrong: no follow-on errors */
            vec_push(c->arena, &c->monoids, m);
        else
            vec_push(c->arena, &c->bad_monoids, (void *)d->name);
    }
}

/* Does t hold a list (itself, or in a tuple or record)? */
static bool type_has_list(const Type *t)
{
    if (t->kind == TY_LIST)
        return true;
    for (int i = 0; i < t->n && (t->kind == TY_TUPLE || t->kind == TY_RECORD); i++)
        if (type_has_list(t->elems[i]))
            return true;
    return false;
}

/* top NAME = N by KEY [desc|asc], ... */
static void check_top(Checker *c, const OpDecl *o, IrOp *op)
{
    op->out = op->in;
    Expr *b = o->body;
    if (b->kind != EX_INT || b->ival < 1 || b->ival > 1000000) {
        diag_at(c->d, DIAG_ERROR, b->span, "top takes how many elements to keep, "
                                           "from 1 to 1000000");
        diag_hint(c->d, "e.g. top best = 20 by %s desc", c->prev ? c->prev->name : "x");
        return;
    }
    op->top_n = b->ival;
    if (o->opt.by.n == 0) {
        diag_at(c->d, DIAG_ERROR, o->name_span, "top '%s' needs a sort order", o->name);
        diag_hint(c->d, "add 'by KEY desc' (the largest first) or 'by KEY asc'; several keys "
                        "are compared in turn");
        return;
    }
    op->by = (SortKey **)o->opt.by.v;
    op->nby = o->opt.by.n;
    c->fallible = false;
    for (int i = 0; i < o->opt.by.n; i++) {
        SortKey *k = o->opt.by.v[i];
        Type *t = check_expr(c, k->expr);
        if (t != &ty_error && !type_is_scalar(t)) {
            diag_at(c->d, DIAG_ERROR, k->expr->span, "a sort key is i64, f64, bool or str, "
                    "not %s", tname(c, t));
            if (t->kind == TY_OPT)
                hint_opt(c, k->expr);
        } else if (t != &ty_error && makes_strings(k->expr)) {
            diag_at(c->d, DIAG_ERROR, k->expr->span, "a sort key cannot make strings or call "
                    "C functions");
            diag_hint(c->d, "keys are compared while elements are merged, outside any "
                            "partition: compute it in a map before the top");
        }
    }
    if (c->fallible) {
        diag_at(c->d, DIAG_ERROR, o->opt.by_span, "the sort keys of top '%s' can fail", o->name);
        diag_hint(c->d, "compute fallible values in a map before the top");
    }
    if (op->in != &ty_error && type_has_list(op->in)) {
        diag_at(c->d, DIAG_ERROR, o->name_span, "top keeps whole elements, and %s holds a list",
                tname(c, op->in));
        diag_hint(c->d, "keep the list out of the element with a map before the top");
    }
}

/* batch_map NAME = f(input) max_batch N: f is an extern ([T]) -> [U]. */
static void check_batch_map(Checker *c, const OpDecl *o, IrOp *op)
{
    op->out = &ty_error;
    op->body = o->body;
    Expr *b = o->body;
    if (o->opt.max_batch == 0) {
        diag_at(c->d, DIAG_ERROR, o->name_span, "batch_map '%s' needs 'max_batch N'", o->name);
        diag_hint(c->d, "the largest batch the function takes, e.g. max_batch 128");
    } else if (o->opt.max_batch < 0 || o->opt.max_batch > 1000000) {
        diag_at(c->d, DIAG_ERROR, o->opt.max_batch_span, "max_batch is from 1 to 1000000");
    }
    op->max_batch = o->opt.max_batch;
    Extern *x = b->kind == EX_CALL ? find_extern(c, b->sval) : NULL;
    if (!x || b->nargs != 1 || b->args[0]->kind != EX_NAME || !c->prev ||
        strcmp(b->args[0]->sval, c->prev->name) != 0) {
        diag_at(c->d, DIAG_ERROR, b->span, "a batch_map's body is a call of a C function on "
                                           "the batch: F(%s)", c->prev ? c->prev->name : "x");
        if (op->in != &ty_error)
            diag_hint(c->d, "declare it: extern F(xs: [%s]) -> [U] pure", tname(c, op->in));
        return;
    }
    b->ext = x;
    b->args[0]->type = op->in;
    b->type = x->ret;
    op->batch_fn = x;
    op->fallible = true;   /* the C function may also return the wrong number of results */
    c->calls_fallible = true;   /* and any batch function may call fp_error */
    if (op->in == &ty_error)
        return;
    if (x->nparams != 1 || x->params[0]->kind != TY_LIST || x->params[0]->elem != op->in ||
        x->ret->kind != TY_LIST) {
        diag_at(c->d, DIAG_ERROR, b->span, "%s is not a batch function of %s", x->name,
                tname(c, op->in));
        diag_at(c->d, DIAG_NOTE, x->span, "a batch function is declared (xs: [%s]) -> [U]",
                tname(c, op->in));
        return;
    }
    op->out = x->ret->elem;
}

static void check_materialize(Diags *d, const Program *p, const Ir *ir);

/* The checker's entry: declarations first (records, externs, monoids),
 * the pipeline's shape, then each operator in order with the element
 * type of the one before; the options (policy, max_batch, retry,
 * materialize); finally names.c's C names.  Returns NULL after errors,
 * all of them reported. */
/* param NAME : TYPE [= DEFAULT]: a scalar type, a default that is a
 * literal of it (the runtime reads its text as it reads --param), and a
 * name that no other parameter, operator or builtin has. */
static void check_params(Checker *c)
{
    static const char *const eg[] = {[TY_I64] = "10", [TY_F64] = "0.5", [TY_BOOL] = "true",
                                     [TY_STR] = "\"text\""};
    for (int i = 0; i < c->prog->params.n; i++) {
        const ParamDecl *pd = c->prog->params.v[i];
        Type *t = resolve_type(c, pd->type);
        if (t == &ty_error)
            continue;
        if (!type_is_scalar(t)) {
            diag_at(c->d, DIAG_ERROR, pd->type->span, "a parameter is str, i64, f64 or bool, "
                    "not %s", tname(c, t));
            continue;
        }
        bool dup = false;
        for (int j = 0; j < c->params.n && !dup; j++) {
            const Param *q = c->params.v[j];
            if (strcmp(q->name, pd->name) == 0) {
                diag_at(c->d, DIAG_ERROR, pd->name_span, "parameter '%s' is declared twice",
                        pd->name);
                diag_hint(c->d, "the first is on line %d", q->line);
                dup = true;
            }
        }
        if (dup)
            continue;
        const OpDecl *o = find_op(c, pd->name);
        if (o) {
            int line, col;
            diag_line_col(c->d->src, o->name_span.off, &line, &col);
            diag_at(c->d, DIAG_ERROR, pd->name_span, "parameter '%s' has the name of the "
                    "operator on line %d", pd->name, line);
            diag_hint(c->d, "an expression could not tell them apart: rename one");
        } else if (find_builtin(pd->name) >= 0) {
            diag_at(c->d, DIAG_ERROR, pd->name_span, "'%s' is a builtin function", pd->name);
            diag_hint(c->d, "choose another name, e.g. '%s_'", pd->name);
        }
        Param *p = arena_alloc(c->arena, sizeof *p);
        p->name = pd->name;
        p->cname = arena_printf(c->arena, "param_%s", pd->name);
        p->span = pd->name_span;
        int pcol;
        diag_line_col(c->d->src, pd->name_span.off, &p->line, &pcol);
        p->type = t;
        vec_push(c->arena, &c->params, p);
        if (!pd->dflt)
            continue;
        /* The default: a literal of the type (a number may have a '-'). */
        const Expr *v = pd->dflt;
        bool neg = v->kind == EX_UNARY && v->op == U_NEG &&
                   (v->args[0]->kind == EX_INT || v->args[0]->kind == EX_FLOAT);
        if (neg)
            v = v->args[0];
        const char *text = NULL;
        size_t len = 0;
        if ((t == &ty_i64 && v->kind == EX_INT) ||
            (t == &ty_f64 && (v->kind == EX_INT || v->kind == EX_FLOAT))) {
            text = arena_printf(c->arena, "%s%.*s", neg ? "-" : "", (int)v->span.len,
                                c->d->src->text + v->span.off);
            len = strlen(text);
        } else if (t == &ty_bool && v->kind == EX_BOOL) {
            text = v->ival ? "true" : "false";
            len = strlen(text);
        } else if (t == &ty_str && v->kind == EX_STR) {
            if (memchr(v->sval, 0, v->slen)) {
                diag_at(c->d, DIAG_ERROR, v->span, "a parameter's default cannot hold a NUL "
                        "byte");
                continue;
            }
            text = v->sval;
            len = v->slen;
        } else {
            diag_at(c->d, DIAG_ERROR, pd->dflt->span, "the default of parameter '%s' must be "
                    "a literal of type %s, e.g. %s", pd->name, tname(c, t), eg[t->kind]);
            continue;
        }
        p->dflt = pd->dflt;
        p->dflt_text = text;
        p->dflt_len = len;
    }
}

Ir *check_program(Arena *a, Program *p, Diags *d)
{
    Checker c = {.arena = a, .d = d, .prog = p};
    int errors_before = d->nerrors;
    check_records(&c);
    check_params(&c);
    check_externs(&c);
    check_monoid_decls(&c);
    bool shape_ok = check_shape(&c);
    if (p->ops.n == 0)
        return NULL;

    Ir *ir = arena_alloc(a, sizeof *ir);
    ir->name = p->name ? p->name : "pipeline";
    ir->src = d->src;
    ir->nops = p->ops.n;
    ir->ops = arena_alloc(a, (size_t)p->ops.n * sizeof *ir->ops);
    ir->records = (Type **)c.records.v;
    ir->nrecords = c.records.n;
    ir->externs = (Extern **)c.externs.v;
    ir->nexterns = c.externs.n;
    ir->monoids = (UserMonoid **)c.monoids.v;
    ir->nmonoids = c.monoids.n;
    ir->links = (LinkDecl **)p->links.v;
    ir->nlinks = p->links.n;
    ir->params = (Param **)c.params.v;
    ir->nparams = c.params.n;
    ir->default_threads = p->default_threads;

    Type *prev_type = NULL;
    const OpDecl *errors_decl = NULL;   /* the first collect naming a file */
    for (int i = 0; i < p->ops.n; i++) {
        OpDecl *o = p->ops.v[i];
        IrOp *op = &ir->ops[i];
        int op_errors = d->nerrors;
        op->kind = o->kind;
        op->name = o->name;
        op->cname = names_c_ident(a, o->name);
        op->name_span = o->name_span;
        op->kw_span = o->kw_span;
        diag_line_col(d->src, o->kw_span.off, &op->line, &op->col);
        op->in = prev_type;
        c.cur = o;
        c.prev = i ? p->ops.v[i - 1] : NULL;
        c.prev_type = prev_type;
        if (i > 0 && op->in == NULL)
            op->in = &ty_error;

        /* An operator with no input (first but not a source, or after the
         * sink) has already been reported: checking its body would only
         * add follow-on errors. */
        bool orphan = (i == 0 && o->kind != OP_SOURCE) ||
                      (i > 0 && ((OpDecl *)p->ops.v[i - 1])->kind == OP_SINK);
        if (orphan && o->kind != OP_SOURCE) {
            op->in = &ty_error;
            op->out = &ty_error;
            prev_type = &ty_error;
            continue;
        }
        Type *decl = o->decl_type ? resolve_type(&c, o->decl_type) : NULL;
        /* A YAML operator's in_type: the seed's rule, in_type of each
         * operator is the out_type of the one before. */
        if (o->in_type && i > 0) {
            Type *want = resolve_type(&c, o->in_type);
            if (want != &ty_error && op->in && op->in != &ty_error && want != op->in) {
                diag_at(d, DIAG_ERROR, o->in_type->span, "'%s' takes %s (in_type), but '%s' "
                        "gives %s", o->name, tname(&c, want), c.prev->name, tname(&c, op->in));
                diag_hint(d, "in_type of an operator must be the out_type of the one before");
            }
        }
        switch (op_info[o->kind].role) {
        case ROLE_SOURCE:
            check_source(&c, o, op, decl);
            break;
        case ROLE_ELEMENT:
            if (i == 0)
                op->in = &ty_error;
            if (o->kind == OP_BATCH_MAP)
                check_batch_map(&c, o, op);
            else
                check_body(&c, o, op, decl);
            break;
        case ROLE_TOP:
            if (i == 0)
                op->in = &ty_error;
            check_top(&c, o, op);
            break;
        case ROLE_COMBINE:
            if (i == 0)
                op->in = &ty_error;
            check_combine(&c, o, op);
            break;
        case ROLE_SINK:
            if (i == 0)
                op->in = &ty_error;
            check_sink(&c, o, op);
            break;
        }

        if (o->opt.max_batch && o->kind != OP_BATCH_MAP)
            diag_at(d, DIAG_ERROR, o->opt.max_batch_span, "max_batch is for batch_map, not %s",
                    op_info[o->kind].keyword);
        bool can = o->kind == OP_MAP || o->kind == OP_FILTER || o->kind == OP_FLATMAP ||
                   o->kind == OP_BATCH_MAP;
        op->retryable = can && c.calls_fallible;
        if (o->opt.retry) {
            if (o->opt.retry < 0 || o->opt.retry > 100) {
                diag_at(d, DIAG_ERROR, o->opt.retry_span, "retry is from 1 to 100");
            } else if (!can) {
                diag_at(d, DIAG_ERROR, o->opt.retry_span, "retry is for an operator that calls a "
                        "fallible C function, not %s", op_info[o->kind].keyword);
                diag_hint(d, "map, filter, flatmap and batch_map call C functions again after "
                             "a transient error (fp_error_transient)");
            } else if (!c.calls_fallible && d->nerrors == op_errors && op->in != &ty_error) {
                diag_at(d, DIAG_ERROR, o->opt.retry_span, "'%s' calls no fallible C function: "
                        "there is nothing to retry", o->name);
                diag_hint(d, "retry calls a C function declared 'fallible' again when it fails "
                             "with fp_error_transient; declare the extern fallible, or remove "
                             "retry");
            } else {
                op->retry = o->opt.retry;
            }
        }
        if (o->opt.materialize) {
            if (o->kind == OP_COMBINE || o->kind == OP_COMBINE_PER_KEY ||
                op_info[o->kind].role == ROLE_ELEMENT) {
                op->materialize = true;   /* where it stands: check_materialize */
            } else {
                diag_at(d, DIAG_ERROR, o->opt.materialize_span, "materialize is for combine, "
                        "combine_per_key and the element-wise operators (map, filter, "
                        "flatmap, batch_map), not %s", op_info[o->kind].keyword);
                if (o->kind == OP_TOP)
                    diag_hint(d, "a top keeps few elements and is cheap to recompute: "
                                 "materialize the combine before it");
                else if (o->kind == OP_SOURCE || o->kind == OP_SINK)
                    diag_hint(d, "a source's output is its input and a sink's is the output "
                                 "file: there is nothing to checkpoint");
            }
        }
        if (o->opt.by.n && o->kind != OP_TOP)
            diag_at(d, DIAG_ERROR, o->opt.by_span, "by is for top, not %s",
                    op_info[o->kind].keyword);

        /* The error policy: fail_fast unless on_error says otherwise. */
        op->policy = POLICY_FAIL_FAST;
        Policy pol = POLICY_FAIL_FAST;
        bool known = o->opt.policy && policy_parse(o->opt.policy, &pol);
        if (o->opt.policy) {
            if (known)
                op->policy = pol;
            if (known && pol == POLICY_COLLECT) {
                op->errors_path = o->opt.errors_path;
                ir->collect = ir->collect || op->fallible;
                /* One error file per run: every collect names the same one
                 * (or none, and the first that names one decides). */
                if (o->opt.errors_path && !errors_decl) {
                    errors_decl = o;
                    ir->errors_path = o->opt.errors_path;
                } else if (o->opt.errors_path &&
                           strcmp(o->opt.errors_path, errors_decl->opt.errors_path)) {
                    diag_at(d, DIAG_ERROR, o->opt.errors_span,
                            "a second error file: a pipeline collects into one file");
                    diag_hint(d, "name the same file, or leave the path out here");
                    diag_at(d, DIAG_NOTE, errors_decl->opt.errors_span,
                            "the error file is named here");
                }
            } else if (!known) {
                diag_at(d, DIAG_ERROR, o->opt.policy_span, "unknown error policy '%s'",
                        o->opt.policy);
                static const char *const pols[] = {"drop", "fail_fast", "collect"};
                const char *sug = diag_suggest(o->opt.policy, pols, 3);
                if (sug)
                    diag_hint(d, "did you mean '%s'?", sug);
                else
                    diag_hint(d, "the policies are drop, fail_fast and collect");
            }
            if (o->opt.errors_path && known && pol != POLICY_COLLECT)
                diag_at(d, DIAG_ERROR, o->opt.errors_span,
                        "only on_error collect takes an error file");
            if (!op->fallible && d->nerrors == errors_before) {
                diag_at(d, DIAG_WARNING, o->opt.policy_span,
                        "'%s' cannot fail: on_error %s has no effect", o->name, o->opt.policy);
                int nfallible = 0;   /* from ops.h: a list of them all is too long to read */
                for (int k = 0; k < BI__COUNT; k++)
                    nfallible += strchr(builtin_info[k].flags, 'F') != NULL;
                diag_hint(d, "elements fail in i64 division and remainder (by zero), in the %d "
                             "builtins that can fail (parse_i64, extract, parse_time, ...: "
                             "docs/language.md says which) and in fallible C functions",
                          nfallible);
            }
        }

        /* A declared type must be what the body gives (for a sink: what it
         * receives). */
        if (decl) {
            Type *have = o->kind == OP_SINK ? op->in : op->out;
            if (decl != &ty_error && have && have != &ty_error && decl != have) {
                diag_at(d, DIAG_ERROR, o->decl_type->span,
                        "'%s' is declared %s, but %s %s", o->name, tname(&c, decl),
                        o->kind == OP_SINK ? "it receives" : "its body gives",
                        tname(&c, have));
                if (o->kind != OP_SINK)
                    diag_at(d, DIAG_NOTE, o->body->span, "this has type %s",
                            tname(&c, have));
            }
            if (decl != &ty_error && (!op->out || op->out == &ty_error) && o->kind != OP_SINK)
                op->out = decl;   /* keep checking downstream against the declaration */
        }
        prev_type = op->out ? op->out : &ty_error;
        /* String provenance: views into the input, or per-element strings. */
        bool in_arena = i > 0 && ir->ops[i - 1].arena_strs;
        if (op->kind == OP_FILTER)   /* passes its input through, whatever the body */
            op->arena_strs = in_arena;
        else if (op->body)
            op->arena_strs = makes_strings(op->body) || (in_arena && expr_uses_input(op->body));
        else
            op->arena_strs = in_arena && op_info[op->kind].role != ROLE_SOURCE;
    }
    check_materialize(d, p, ir);
    for (int i = 0; i < ir->nparams && d->nerrors == errors_before; i++)
        if (!ir->params[i]->used) {
            diag_at(d, DIAG_WARNING, ir->params[i]->span, "parameter '%s' is never used",
                    ir->params[i]->name);
            diag_hint(d, "use it in an expression, or remove it");
        }
    if (!shape_ok || d->nerrors > errors_before)
        return NULL;
    names_assign(a, ir);
    return ir;
}

/* materialize on an element-wise operator: its output is checkpointed
 * element by element in stage 1 (the loop over a partition), and --resume
 * runs the operators after it from the checkpoint.  So it must be in stage
 * 1 (before any combine or top), and no batch_map may follow it there (the
 * resumed loop calls the operators after it one element at a time). */
static bool check_elementwise_ckpt(Diags *d, const OpDecl *o, const Ir *ir, int i)
{
    for (int k = 0; k < i; k++) {
        const IrOp *up = &ir->ops[k];
        OpRole r = op_info[up->kind].role;
        if (r != ROLE_COMBINE && r != ROLE_TOP)
            continue;
        diag_at(d, DIAG_ERROR, o->opt.materialize_span, "'%s' runs after %s '%s': only the "
                "element-wise operators before the first combine or top can be materialized",
                o->name, op_info[up->kind].keyword, up->name);
        diag_hint(d, "materialize '%s' instead (its merged result)", up->name);
        return false;
    }
    for (int k = i + 1; k < ir->nops; k++) {
        const IrOp *dn = &ir->ops[k];
        OpRole r = op_info[dn->kind].role;
        if (r == ROLE_COMBINE || r == ROLE_TOP || r == ROLE_SINK)
            break;
        if (dn->kind != OP_BATCH_MAP)
            continue;
        diag_at(d, DIAG_ERROR, o->opt.materialize_span, "'%s' cannot be materialized before the "
                "batch_map '%s'", o->name, dn->name);
        diag_hint(d, "materialize '%s' or an operator after it", dn->name);
        return false;
    }
    return true;
}

/* materialize: --resume skips everything before the checkpoint, so what
 * that work leaves besides its output must be in the checkpoint too.  The
 * counts are (drops, retries, --stats); the lines an on_error collect
 * writes are not, so a collect before the checkpoint is refused. */
static void check_materialize(Diags *d, const Program *p, const Ir *ir)
{
    int first = -1;
    for (int i = 0; i < ir->nops; i++) {
        if (!ir->ops[i].materialize)
            continue;
        const OpDecl *o = p->ops.v[i];
        if (first >= 0) {
            diag_at(d, DIAG_ERROR, o->opt.materialize_span, "a pipeline has one checkpoint: "
                    "'%s' is materialized already", ir->ops[first].name);
            diag_hint(d, "keep one materialize: the later the operator, the more work "
                         "--resume skips");
            continue;
        }
        first = i;
        if (op_info[ir->ops[i].kind].role == ROLE_ELEMENT && !check_elementwise_ckpt(d, o, ir, i))
            continue;
        for (int k = 0; k < i; k++) {
            const IrOp *up = &ir->ops[k];
            if (up->policy != POLICY_COLLECT || !up->fallible)
                continue;
            diag_at(d, DIAG_ERROR, o->opt.materialize_span, "'%s' cannot be materialized after "
                    "an operator with on_error collect", o->name);
            diag_hint(d, "--resume would skip '%s' and lose the elements it collects; use "
                         "on_error drop there (its counts are kept in the checkpoint)",
                      up->name);
            diag_at(d, DIAG_NOTE, ((const OpDecl *)p->ops.v[k])->opt.policy_span,
                    "'%s' collects here", up->name);
            break;
        }
    }
}

/* ---- printing ------------------------------------------------------ */
