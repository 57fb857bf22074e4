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
} Emitter;

/* ---- text helpers -------------------------------------------------- */

static void line(Emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(Emitter *e, const char *fmt, ...)
{
    for (int i = 0; i < e->indent; i++)
        str_add(e->out, "    ");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(e->arena, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    str_addn(e->out, p, (size_t)n);
    str_add(e->out, "\n");
}

static void blank(Emitter *e)
{
    str_add(e->out, "\n");
}

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

/* A fresh local name for a helper variable, never one of the operators'. */
static const char *helper(Emitter *e, const char *base)
{
    const char *n = base;
    for (int k = 2; name_used(e, n); k++)
        n = arena_printf(e->arena, "%s%d", base, k);
    vec_push(e->arena, &e->names, (void *)n);
    return n;
}

static void names_reset(Emitter *e)
{
    e->names.n = 0;
    static const char *const fixed[] = {"w", "cur", "end", "key", "acc", "fresh", "state"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        vec_push(e->arena, &e->names, (void *)fixed[i]);
    for (int i = 0; i < e->ir->nops; i++)
        vec_push(e->arena, &e->names, (void *)e->ir->ops[i].cname);
}

/* ---- types --------------------------------------------------------- */

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
    default: str_add(s, "bad"); break;
    }
}

static const char *ctype(Emitter *e, const Type *t)
{
    switch (t->kind) {
    case TY_I64: return "int64_t";
    case TY_F64: return "double";
    case TY_BOOL: return "bool";
    case TY_STR: return "fp_str";
    case TY_RECORD: return arena_printf(e->arena, "rec_%s", t->name);
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
    if (t->kind == TY_LIST) {
        emit_tuple_type(e, t->elem, done);
        return;
    }
    if (t->kind != TY_TUPLE && t->kind != TY_RECORD)
        return;
    for (int i = 0; i < done->n; i++)
        if (done->v[i] == t)
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

static void collect_expr_types(Emitter *e, const Expr *x, PtrVec *done)
{
    if (!x)
        return;
    if (x->type)
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

static void emit_args(ExprCtx *x, Str *s, const Expr *ex, const char *sep)
{
    for (int i = 0; i < ex->nargs; i++) {
        if (i)
            str_add(s, "%s", sep);
        emit_expr(x, s, ex->args[i]);
    }
}

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
        str_add(s, "fp_str_lit(");
        emit_c_string(s, ex->sval, ex->slen);
        str_add(s, " FP_LIT_PAD, %zu)", ex->slen);
        break;
    case EX_NAME: str_add(s, "%s", ex->bound ? ex->bound->cname : x->input); break;
    case EX_IF:
        str_add(s, "(");
        emit_expr(x, s, ex->args[0]);
        str_add(s, " ? ");
        emit_expr(x, s, ex->args[1]);
        str_add(s, " : ");
        emit_expr(x, s, ex->args[2]);
        str_add(s, ")");
        break;
    case EX_LET:
        /* (x = value, body): evaluated only where the let is, so an if
         * around it still decides whether value runs. */
        str_add(s, "(%s = ", ex->cname);
        emit_expr(x, s, ex->args[0]);
        str_add(s, ", ");
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
    case EX_BINARY: emit_binary(x, s, ex); break;
    case EX_CALL: {
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
        str_add(s, "%s(", *fn ? fn : "/* flatmap only */");
        if (strchr(bi->flags, 'A'))
            str_add(s, "w->arena, ");
        if (strchr(bi->flags, 'F'))
            str_add(s, "w, &site_%s, ", x->op->cname);
        emit_args(x, s, ex, ", ");
        str_add(s, ")");
        break;
    }
    case EX_TUPLE:
        str_add(s, "(%s){", ctype(x->e, ex->type));
        emit_args(x, s, ex, ", ");
        str_add(s, "}");
        break;
    case EX_LIST: str_add(s, "/* unreachable */0"); break;
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

/* ---- operators ----------------------------------------------------- */

static const char *fpipe_path(Emitter *e)
{
    return comment_safe(e, e->ir->src->path);
}

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
    case OP_COMBINE_PER_KEY: monoids_str(&body, op); break;
    default: expr_str(&body, op->body); break;
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
    line(e, "/* %s %s%s%s = %s  (%s:%d)%s%s */", op_info[op->kind].keyword,
         comment_safe(e, op->name), ty.n ? " : " : "", ty.n ? ty.p : "",
         comment_safe(e, body.p), fpipe_path(e), op->line, extra ? ": " : "",
         extra ? extra : "");
    str_free(&body);
    str_free(&ty);
    if (op->body && op->kind != OP_SOURCE && op->kind != OP_SINK)
        declare_lets(e, op->body);
}

static const char *skip_stmt(Emitter *e)
{
    return e->loops > 0 ? "continue;" : "return;";
}

/* After a fallible operator's statement: its error policy. */
static void fail_check(Emitter *e, const IrOp *op)
{
    if (!op->fallible)
        return;
    if (op->policy == POLICY_DROP) {
        line(e, "if (FP_UNLIKELY(w->failed)) {   /* on_error drop: count, skip */");
        line(e, "    fp_drop(w);");
        line(e, "    %s", skip_stmt(e));
        line(e, "}");
    } else {
        line(e, "if (FP_UNLIKELY(w->failed)) {   /* on_error fail_fast */");
        line(e, "    fp_fail(w);");
        line(e, "    return;");
        line(e, "}");
    }
}

/* One element as a sink row: TSV and CSV flatten tuples into fields,
 * JSON lines writes a tuple as an array (nested tuples nest). */
static void emit_row(Emitter *e, const char *fmt, const Type *t, const char *val, bool *first)
{
    bool json = fmt[0] == 'j';
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
            emit_row(e, fmt, t->elems[i],
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
    if (!*first)
        line(e, "fp_out_char(w->out, '%s');", fmt[0] == 't' ? "\\t" : ",");
    *first = false;
    switch (t->kind) {
    case TY_STR: line(e, "fp_out_%s_str(w->out, %s);", fmt[0] == 'c' ? "csv" : json ? "json" : "tsv", val); break;
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
    static const char *const base[] = {"sum", "count", "min", "max", "mean", "all", "any"};
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
 * result (sum 0, count 0, and true, or false). */
static bool has_identity(const IrOp *c)
{
    for (int i = 0; i < c->nmon; i++)
        if (c->mons[i] == MONOID_MIN || c->mons[i] == MONOID_MAX || c->mons[i] == MONOID_MEAN)
            return false;
    return true;
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
        else
            line(e, "%s->%s += %s;", a, f, v);
        break;
    case MONOID_COUNT:
        line(e, "%s->%s = fp_add_i64(%s->%s, %s);", a, f, a, f, merge ? v : "1");
        break;
    case MONOID_MIN: line(e, "if (%s < %s->%s)", v, a, f); line(e, "    %s->%s = %s;", a, f, v); break;
    case MONOID_MAX: line(e, "if (%s > %s->%s)", v, a, f); line(e, "    %s->%s = %s;", a, f, v); break;
    case MONOID_MEAN:
        if (add && merge)   /* i64: an exact 128-bit sum */
            line(e, "fp_sum128_merge(&%s->%s_sum, %s_sum);", a, f, v);
        else if (add)
            line(e, "fp_sum128_add(&%s->%s_sum, %s);", a, f, v);
        else
            line(e, "%s->%s_sum += %s;", a, f, merge ? arena_printf(e->arena, "%s_sum", v) : v);
        line(e, "%s->%s_n = fp_add_i64(%s->%s_n, %s);", a, f, a, f,
             merge ? arena_printf(e->arena, "%s_n", v) : "1");
        break;
    case MONOID_AND: line(e, "%s->%s = %s->%s && %s;", a, f, a, f, v); break;
    case MONOID_OR: line(e, "%s->%s = %s->%s || %s;", a, f, a, f, v); break;
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
    monoids_str(&ms, c);
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
                    c->val == &ty_i64 ? "fp_sum128" : vt, f, f);
            break;
        case MONOID_AND:
        case MONOID_OR: str_add(&fields, " bool %s;", f); break;
        default: str_add(&fields, " %s %s;", vt, f); break;
        }
    }
    line(e, "typedef struct %s_acc {%s } %s_acc;", n, fields.p, n);
    str_free(&fields);
    blank(e);

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
        else if (c->mons[i] == MONOID_MEAN)
            line(e, c->val == &ty_i64 ? "a->%s_sum = fp_sum128_of(v);" : "a->%s_sum = v;", f),
                line(e, "a->%s_n = 1;", f);
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
            str_add(&r, "(double)a->%s_sum / (double)a->%s_n", f, f);
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
        for (int i = 0; i < c->nmon; i++)
            line(e, "    a->%s = %s;", mon_field(e, c, i),
                 c->mons[i] == MONOID_AND ? "true" : c->mons[i] == MONOID_OR ? "false" : "0");
        line(e, "}");
        blank(e);
    }
}

/* An element-wise operator, or the first half of a combine, inside a
 * stage's loop nest.  Returns the C name of its output element. */
static const char *emit_op(Emitter *e, const IrOp *op, const char *input)
{
    ExprCtx x = {e, op, input};
    Str s = {0};
    const char *name = op->cname;
    if (op->body && !expr_uses_input(op->body))
        line(e, "(void)%s;", input);
    switch (op->kind) {
    case OP_MAP:
        op_comment(e, op, NULL);
        if (op->body->kind == EX_TUPLE) {
            emit_args(&x, &s, op->body, ", ");
            line(e, "%s %s = {%s};", ctype(e, op->out), name, s.p);
        } else {
            emit_expr(&x, &s, op->body);
            line(e, "%s %s = %s;", ctype(e, op->out), name, s.p);
        }
        fail_check(e, op);
        break;
    case OP_FILTER:
        op_comment(e, op, NULL);
        emit_expr(&x, &s, op->body);
        if (op->fallible) {
            const char *keep = helper(e, arena_printf(e->arena, "%s_keep", name));
            line(e, "bool %s = %s;", keep, s.p);
            fail_check(e, op);
            line(e, "if (!%s) %s", keep, skip_stmt(e));
        } else {
            line(e, "if (!%s) %s", s.p, skip_stmt(e));
        }
        line(e, "%s %s = %s;", ctype(e, op->out), name, input);
        break;
    case OP_FLATMAP:
        op_comment(e, op, NULL);
        if (op->body->kind == EX_CALL && op->body->builtin == BI_SPLIT_WS) {
            emit_expr(&x, &s, op->body->args[0]);
            const char *it = helper(e, arena_printf(e->arena, "%s_it", name));
            line(e, "fp_ws_iter %s = fp_ws_begin(%s);", it, s.p);
            fail_check(e, op);
            line(e, "%s %s;", ctype(e, op->out), name);
            line(e, "while (fp_ws_next(&%s, &%s)) {", it, name);
        } else if (op->body->kind == EX_CALL) {   /* split(s, sep) */
            emit_args(&x, &s, op->body, ", ");
            const char *it = helper(e, arena_printf(e->arena, "%s_it", name));
            line(e, "fp_split_iter %s = fp_split_begin(w, &site_%s, %s);", it, op->cname, s.p);
            fail_check(e, op);
            line(e, "%s %s;", ctype(e, op->out), name);
            line(e, "while (fp_split_next(&%s, &%s)) {", it, name);
        } else {   /* [a, b, ...] */
            emit_args(&x, &s, op->body, ", ");
            const char *items = helper(e, arena_printf(e->arena, "%s_items", name));
            const char *i = helper(e, arena_printf(e->arena, "%s_i", name));
            line(e, "%s %s[%d] = {%s};", ctype(e, op->out), items, op->body->nargs, s.p);
            fail_check(e, op);
            line(e, "for (int %s = 0; %s < %d; %s++) {", i, i, op->body->nargs, i);
            e->indent++;
            line(e, "%s %s = %s[%s];", ctype(e, op->out), name, items, i);
            e->indent--;
        }
        e->indent++;
        e->loops++;
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
    case OP_SINK: {
        op_comment(e, op, NULL);
        bool first = true;
        emit_row(e, op->format, op->in, input, &first);
        line(e, "fp_out_char(w->out, '\\n');");
        break;
    }
    case OP_SOURCE:
    case OP__COUNT: break;
    }
    str_free(&s);
    return name;
}

static void close_loops(Emitter *e)
{
    while (e->loops > 0) {
        e->indent--;
        e->loops--;
        line(e, "}");
    }
}

static bool any_fallible(const Ir *ir)
{
    for (int i = 0; i < ir->nops; i++)
        if (ir->ops[i].fallible)
            return true;
    return false;
}

static void stage_header(Emitter *e, const Stage *st, const char *when)
{
    const Ir *ir = e->ir;
    line(e, "/* Stage %d: %s.", st->kind == STAGE_SOURCE ? 1 : 2, when);
    for (int i = st->first; i <= st->last; i++) {
        const IrOp *op = &ir->ops[i];
        line(e, " *   %-15s %-12s %s:%d", op_info[op->kind].keyword, comment_safe(e, op->name),
             fpipe_path(e), op->line);
    }
    line(e, " */");
}

/* A csv or jsonl source: the loop over records, each converted field by
 * field to the declared record (a bad field fails the element). */
static void emit_record_source(Emitter *e, const IrOp *src)
{
    const Type *t = src->out;
    const char *rec = src->cname;
    bool csv = src->format[0] == 'c';
    if (!csv)
        line(e, "const char *cur = w->part->begin, *end = w->part->end;");
    op_comment(e, src, csv ? "bitmask scan in place; libcsv for quoted records"
                           : "one JSON object per line, parsed by jansson");
    const char *raw = helper(e, arena_printf(e->arena, "%s_%s", rec, csv ? "cols" : "obj"));
    if (csv) {
        const char *it = helper(e, arena_printf(e->arena, "%s_it", rec));
        line(e, "fp_csv_iter %s = fp_csv_begin(w);", it);
        line(e, "fp_str %s[%d];   /* the record's fields as text, in declaration order */", raw,
             t->n);
        line(e, "while (fp_csv_row(&%s, w, &site_%s, %s, %d)) {", it, src->cname, raw, t->n);
    } else {
        line(e, "fp_json *%s;", raw);
        line(e, "while (fp_jsonl_next(w, &site_%s, &cur, end, &%s)) {", src->cname, raw);
    }
    e->indent++;
    e->loops++;
    line(e, "%s %s;", ctype(e, t), rec);
    for (int i = 0; i < t->n; i++) {
        const Type *ft = t->elems[i];
        const char *kind = ft == &ty_i64 ? "i64" : ft == &ty_f64 ? "f64"
                         : ft == &ty_bool ? "bool" : "str";
        if (csv && ft == &ty_str)
            line(e, "%s.%s = %s[%d];", rec, t->cfields[i], raw, i);
        else if (csv)
            line(e, "%s.%s = fp_col_%s(w, &site_%s, %s[%d], \"%s\");", rec, t->cfields[i], kind,
                 src->cname, raw, i, t->fields[i]);
        else
            line(e, "%s.%s = fp_json_%s(w, &site_%s, %s, \"%s\");", rec, t->cfields[i], kind,
                 src->cname, raw, t->fields[i]);
    }
    if (!csv)
        line(e, "fp_json_done(%s);", raw);
    fail_check(e, src);
}

static void emit_stage1(Emitter *e, const Stage *st)
{
    const Ir *ir = e->ir;
    names_reset(e);
    stage_header(e, st, "once per input partition, on any thread; fuses");
    line(e, "static void %s(fp_worker *w)", st->fname);
    line(e, "{");
    e->indent++;
    e->loops = 0;
    const IrOp *src = &ir->ops[0];
    const char *cur = src->cname;
    int next = st->first + 1;
    const IrOp *keyed = ir->ops[st->last].kind == OP_COMBINE_PER_KEY ? &ir->ops[st->last] : NULL;
    if (keyed) {
        e->queue = helper(e, arena_printf(e->arena, "%s_q", keyed->cname));
        e->queued = helper(e, arena_printf(e->arena, "%s_n", keyed->cname));
        line(e, "%s_pending %s[FP_BATCH];   /* updates of %s, FP_BATCH at a time */",
             keyed->cname, e->queue, comment_safe(e, keyed->name));
        line(e, "int %s = 0;", e->queued);
    }
    if (e->plan->scan_words) {
        const IrOp *fm = &ir->ops[1];
        op_comment(e, src, NULL);
        op_comment(e, fm, "one scan over the partition: split_ws never crosses a newline");
        const char *it = helper(e, arena_printf(e->arena, "%s_it", fm->cname));
        line(e, "fp_ws_iter %s = fp_ws_begin(fp_str_lit(w->part->begin, "
                "(size_t)(w->part->end - w->part->begin)));", it);
        line(e, "fp_str %s;", fm->cname);
        line(e, "while (fp_ws_next(&%s, &%s)) {", it, fm->cname);
        e->indent++;
        e->loops++;
        if (any_fallible(ir))
            line(e, "w->pos = %s.p;   /* for error messages */", fm->cname);
        cur = fm->cname;
        next = st->first + 2;
    } else if (src->format[0] == 't') {
        line(e, "const char *cur = w->part->begin, *end = w->part->end;");
        op_comment(e, src, NULL);
        line(e, "fp_str %s;", src->cname);
        line(e, "while (fp_next_line(&cur, end, &%s)) {", src->cname);
        e->indent++;
        e->loops++;
        if (any_fallible(ir))
            line(e, "w->pos = %s.p;   /* for error messages */", src->cname);
    } else {
        emit_record_source(e, src);
    }
    for (int i = next; i <= st->last; i++)
        cur = emit_op(e, &ir->ops[i], cur);
    close_loops(e);
    if (keyed)
        line(e, "%s_apply(w, %s, %s);", keyed->cname, e->queue, e->queued);
    e->indent--;
    line(e, "}");
    blank(e);
}

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
        } else {
            line(e, "if (!%s->has)", sv);
            line(e, "    return;   /* no elements: no %s, no row */",
                 c->nmon == 1 ? monoid_names[c->mons[0]] : "result");
            line(e, "%s %s = %s_result(&%s->acc);", ctype(e, c->out), c->cname, c->cname, sv);
        }
    }
    const char *cur = c->cname;
    for (int i = st->first + 1; i <= st->last; i++)
        cur = emit_op(e, &ir->ops[i], cur);
    close_loops(e);
    e->indent--;
    line(e, "}");
    blank(e);
}

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

    /* Element types. */
    PtrVec done = {0};
    size_t mark = out->n;
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        if (op->out)
            emit_tuple_type(&e, op->out, &done);
        if (op->in)
            emit_tuple_type(&e, op->in, &done);
        collect_expr_types(&e, op->body, &done);
    }
    if (out->n != mark)
        blank(&e);

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

    if (p->combine >= 0)
        emit_combine_helpers(&e, &ir->ops[p->combine]);
    emit_stage1(&e, &p->stages[0]);
    if (p->nstages > 1)
        emit_stage2(&e, &p->stages[1]);

    /* The descriptor the runtime's driver runs. */
    const IrOp *sink = &ir->ops[ir->nops - 1];
    const IrOp *c = p->combine >= 0 ? &ir->ops[p->combine] : NULL;
    Str s = {0};
    const IrOp *src = &ir->ops[0];
    if (src->format[0] == 'c') {
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
    line(&e, "static const fp_pipeline pipeline = {");
    e.indent++;
    s.n = 0;
    emit_c_string(&s, ir->name, strlen(ir->name));
    line(&e, ".name = %s,", s.p);
    s.n = 0;
    emit_c_string(&s, ir->src->path, strlen(ir->src->path));
    line(&e, ".fpipe_file = %s,", s.p);
    line(&e, ".plan = plan_text,");
    if (src->format[0] == 'c') {
        line(&e, ".source = FP_SOURCE_CSV,");
        line(&e, ".fields = %s_columns,", src->cname);
        line(&e, ".nfields = %d,", src->out->n);
    } else if (src->format[0] == 'j') {
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
    if (sink->target == TGT_PATH) {
        s.n = 0;
        emit_c_string(&s, sink->path, sink->path_len);
        line(&e, ".path = %s,", s.p);
    }
    line(&e, ".stage1 = %s,", p->stages[0].fname);
    if (c && c->kind == OP_COMBINE) {
        line(&e, ".acc_size = sizeof(%s_state),", c->cname);
        line(&e, ".acc_init = %s_init,", c->cname);
        line(&e, ".acc_merge = %s_state_merge,", c->cname);
        line(&e, ".stage2_global = %s,", p->stages[1].fname);
    } else if (c) {
        line(&e, ".acc_size = sizeof(%s_acc),", c->cname);
        line(&e, ".acc_merge = %s_merge,", c->cname);
        line(&e, ".stage2_keyed = %s,", p->stages[1].fname);
    }
    if (nsites) {
        line(&e, ".sites = sites,");
        line(&e, ".nsites = %d,", nsites);
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
