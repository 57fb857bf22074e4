/* check.c — from the AST to the typed IR: names, types, operator rules.
 *
 * Every error is reported with its span; the checker keeps going so that
 * one run shows all the mistakes of a file.  An expression whose type could
 * not be found gets ty_error, which never causes a second message: one
 * mistake, one diagnostic.
 */
#include "fpipec.h"

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
    Expr *lets[64];          /* let bindings in scope, innermost last */
    int nlets;
    PtrVec records;          /* Type* of the records declared so far */
    PtrVec externs;          /* Extern* */
    PtrVec monoids;          /* UserMonoid* */
    PtrVec bad_monoids;      /* names of monoids with errors (reported) */
    const UserMonoid *in_monoid;   /* checking this monoid's body */
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
    if (!c->cur) {   /* a monoid's empty or combine */
        diag_at(c->d, DIAG_ERROR, e->span, "unknown name '%s' in monoid '%s'", e->sval,
                c->in_monoid->name);
        diag_hint(c->d, "empty is a constant; combine(a, b) sees only its two parameters");
        return &ty_error;
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
    default: return &ty_error;
    }
}

/* "name : str, i64 -> str", for hints. */
static const char *builtin_sig(Checker *c, const BuiltinInfo *bi)
{
    Str s = {0};
    str_add(&s, "%s : ", bi->name);
    for (const char *p = bi->params; *p; p++) {
        if (p > bi->params)
            str_add(&s, ", ");
        if (*p == 'x')
            str_add(&s, "i64|f64|bool|str");
        else
            type_str(&s, code_type(*p));
    }
    str_add(&s, " -> ");
    if (bi->result[0] == '[')
        str_add(&s, "[str]");
    else if (bi->result[0] == '?')
        str_add(&s, "the type of the other branch of its if");
    else
        type_str(&s, code_type(bi->result[0]));
    const char *r = arena_strndup(c->arena, s.p, s.n);
    str_free(&s);
    return r;
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
        } else if (args[i] != x->params[i]) {
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

/* A call: a builtin (its argument types from ops.h) or an extern (its
 * declared parameters).  Checks every argument first, so each mistake is
 * reported once; marks the body fallible when the callee can fail. */
static Type *check_call(Checker *c, Expr *e)
{
    int b = find_builtin(e->sval);
    Type *fail_type = c->fail_type;   /* only for this call, not its arguments */
    c->fail_type = NULL;
    Type *args[8] = {0};
    for (int i = 0; i < e->nargs; i++) {
        Type *t = check_expr(c, e->args[i]);
        if (i < 8)
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
    int want = (int)strlen(bi->params);
    if (e->nargs != want) {
        diag_at(c->d, DIAG_ERROR, e->span, "%s takes %d argument%s, not %d", e->sval, want,
                want == 1 ? "" : "s", e->nargs);
        diag_hint(c->d, "%s", builtin_sig(c, bi));
        return &ty_error;
    }
    bool bad = false;
    for (int i = 0; i < want; i++) {
        if (args[i] == &ty_error) {
            bad = true;
            continue;
        }
        char code = bi->params[i];
        bool ok = code == 'x' ? type_is_scalar(args[i]) : args[i] == code_type(code);
        if (!ok) {
            diag_at(c->d, DIAG_ERROR, e->args[i]->span, "%s expects %s as argument %d, not %s",
                    e->sval, code == 'x' ? "a scalar" : tname(c, code_type(code)), i + 1,
                    tname(c, args[i]));
            diag_hint(c->d, "%s", builtin_sig(c, bi));
            bad = true;
        }
    }
    if (bad)
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
        if (v != &ty_error && v != rec->elems[k]) {
            diag_at(c->d, DIAG_ERROR, f->args[0]->span, "field '%s' of %s is %s, not %s",
                    f->sval, rec->name, tname(c, rec->elems[k]), tname(c, v));
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
            } else if (x != first && !bad) {
                diag_at(c->d, DIAG_ERROR, e->args[i]->span,
                        "list items must have one type: this is %s, the first is %s",
                        tname(c, x), tname(c, first));
                bad = true;
            }
        }
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
            break;
        }
        if (a == &ty_error || b == &ty_error || cond == &ty_error)
            break;
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
        bool clash = c->prev && strcmp(e->sval, c->prev->name) == 0;
        for (int i = 0; i < c->nlets; i++)
            clash |= strcmp(e->sval, c->lets[i]->sval) == 0;
        if (clash) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "'%s' is already a name here", e->sval);
            diag_hint(c->d, "choose another name for the let");
        } else if (find_builtin(e->sval) >= 0) {
            diag_at(c->d, DIAG_ERROR, e->name_span, "'%s' is a function", e->sval);
        }
        if (c->nlets == 64) {
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
    if (!known || b->nargs != 1 || b->args[0]->kind != EX_NAME ||
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
        if (fmt == FMT_CSV ? !type_is_scalar(decl->elems[i]) : !json_readable(decl->elems[i])) {
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
    if (type_is_scalar(t))
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
    if ((fmt != FMT_TSV && fmt != FMT_CSV && fmt != FMT_JSONL) || b->nargs != 1) {
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
    diag_hint(c->d, "%s", m == MONOID_AND || m == MONOID_OR
                              ? "and, or fold bool values"
                              : "sum, min, max, mean and topk fold i64 or f64; count counts "
                                "anything");
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
        /* f64 min and max keep whichever of -0.0 and 0.0 (or a NaN) came
         * first; topk orders f64 totally, by bits; sum and mean keep the
         * exact sum (fp_fsum) and round it once. */
        if (op->val == &ty_f64 && op->mons[i] != MONOID_COUNT && op->mons[i] != MONOID_TOPK &&
            op->mons[i] != MONOID_SUM && op->mons[i] != MONOID_MEAN)
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
    for (int i = 0; i < e->nargs; i++)
        if (makes_strings(e->args[i]))
            return true;
    return false;
}

/* Does e read the incoming element (a name that is not a let's)?
 * Assumes e was checked (names bound). */
bool expr_uses_input(const Expr *e)
{
    if (e->kind == EX_NAME && !e->bound)
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (expr_uses_input(e->args[i]))
            return true;
    return false;
}

/* map, filter, flatmap: the body's type against what the operator needs
 * (one element, a bool, a list) and the element type it gives. */
static void check_body(Checker *c, const OpDecl *o, IrOp *op)
{
    c->fallible = c->calls_fallible = false;
    Type *t = check_expr(c, o->body);
    op->body = o->body;
    op->fallible = c->fallible;
    op->out = &ty_error;
    if (t == &ty_error || op->in == &ty_error)
        return;
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
Ir *check_program(Arena *a, Program *p, Diags *d)
{
    Checker c = {.arena = a, .d = d, .prog = p};
    int errors_before = d->nerrors;
    check_records(&c);
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
                check_body(&c, o, op);
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
                diag_hint(d, "elements fail in i64 division and remainder (by zero) and in the "
                         "builtins parse_i64, parse_f64, substr, field, replace, split and fail");
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
