/* explain.c — the text of `fpipec explain`: the typed IR and the contracts.
 *
 * The IR printer writes types, expressions and operators back in .fpipe
 * syntax (emit.c quotes the same text in the generated C's comments,
 * convert.c writes .fpipe files with it); explain_contracts_dump writes
 * the last part of explain, what fpipec promises about each operator.
 * Nothing here checks or changes the IR.  Exported names carry the
 * prefix explain_ (ir_dump keeps main.c's name for the IR dump).
 */
#include "fpipec.h"

#include <string.h>

/* ---- the IR as text ---------------------------------------------------- */

/* A combine's monoids as written: "sum", "(count, sum, topk(3))". */
void explain_monoids_str(Str *s, const IrOp *op)
{
    if (op->mon_tuple)
        str_add(s, "(");
    for (int i = 0; i < op->nmon; i++) {
        if (op->mons[i] == MONOID_USER)
            str_add(s, "%s%s", i ? ", " : "", op->umon[i]->name);
        else if (op->mons[i] == MONOID_TOPK)
            str_add(s, "%stopk(%d)", i ? ", " : "", op->topk[i]);
        else
            str_add(s, "%s%s", i ? ", " : "", monoid_names[op->mons[i]]);
    }
    if (op->mon_tuple)
        str_add(s, ")");
}

/* The binding strength of e as printed: 1 for or up to 7 for unary
 * operators; atoms (names, literals, calls, if) bind tightest. */
static int prec_of(const Expr *e)
{
    if (e->kind == EX_BINARY) {
        switch ((BinOp)e->op) {
        case B_OR: return 1;
        case B_AND: return 2;
        case B_EQ: case B_NE: case B_LT: case B_LE: case B_GT: case B_GE: return 4;
        case B_ADD: case B_SUB: return 5;
        case B_MUL: case B_DIV: case B_REM: return 6;
        }
    }
    if (e->kind == EX_UNARY)
        return 7;
    if (e->kind == EX_IF || e->kind == EX_LET)
        return 0;
    return 9;
}

/* Print e in .fpipe syntax, in brackets when it binds more loosely than
 * its context asks (min), so the text parses back to the same tree. */
static void expr_str_prec(Str *s, const Expr *e, int min)
{
    int p = prec_of(e);
    if (p < min)
        str_add(s, "(");
    switch (e->kind) {
    case EX_INT: str_add(s, "%lld", (long long)e->ival); break;
    case EX_FLOAT: {   /* always with a '.' or an exponent: 0.0 stays an f64 */
        char buf[40];
        snprintf(buf, sizeof buf, "%.17g", e->fval);
        str_add(s, "%s%s", buf, strpbrk(buf, ".en") ? "" : ".0");
        break;
    }
    case EX_BOOL: str_add(s, e->ival ? "true" : "false"); break;
    case EX_NAME: str_add(s, "%s", e->sval); break;
    case EX_STR:
        str_add(s, "\"");
        for (size_t i = 0; i < e->slen; i++) {
            unsigned char ch = (unsigned char)e->sval[i];
            if (ch == '"' || ch == '\\') str_add(s, "\\%c", ch);
            else if (ch == '\n') str_add(s, "\\n");
            else if (ch == '\t') str_add(s, "\\t");
            else if (ch < 0x20 || ch >= 0x7f) str_add(s, "\\x%02x", ch);
            else str_add(s, "%c", ch);
        }
        str_add(s, "\"");
        break;
    case EX_UNARY:
        str_add(s, e->op == U_NEG ? "-" : "!");
        expr_str_prec(s, e->args[0], 7);
        break;
    case EX_BINARY:
        expr_str_prec(s, e->args[0], p);
        str_add(s, " %s ", ast_binop_text[e->op]);
        expr_str_prec(s, e->args[1], p + 1);
        break;
    case EX_CALL:
    case EX_TUPLE:
    case EX_LIST:
        str_add(s, "%s%s", e->kind == EX_CALL ? e->sval : "", e->kind == EX_LIST ? "[" : "(");
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                str_add(s, ", ");
            expr_str_prec(s, e->args[i], 0);
        }
        str_add(s, e->kind == EX_LIST ? "]" : ")");
        break;
    case EX_FIELD:
        expr_str_prec(s, e->args[0], 9);
        if (e->sval)
            str_add(s, ".%s", e->sval);
        else
            str_add(s, ".%d", (int)e->ival);
        break;
    case EX_IF:
        str_add(s, "if ");
        expr_str_prec(s, e->args[0], 0);
        str_add(s, " then ");
        expr_str_prec(s, e->args[1], 0);
        str_add(s, " else ");
        expr_str_prec(s, e->args[2], 0);
        break;
    case EX_RECORD:
        str_add(s, "%s { ", e->sval);
        for (int i = 0; i < e->nargs; i++) {
            str_add(s, "%s%s: ", i ? ", " : "", e->args[i]->sval);
            expr_str_prec(s, e->args[i]->args[0], 0);
        }
        str_add(s, " }");
        break;
    case EX_FIELD_INIT:   /* an option of a source or sink: csv(input, header = false) */
        str_add(s, "%s = ", e->sval);
        expr_str_prec(s, e->args[0], 0);
        break;
    case EX_LET:
        str_add(s, "let %s = ", e->sval);
        expr_str_prec(s, e->args[0], 0);
        str_add(s, " in ");
        expr_str_prec(s, e->args[1], 0);
        break;
    }
    if (p < min)
        str_add(s, ")");
}

/* An expression as .fpipe source text (explain, comments in the C,
 * convert). */
void explain_expr_str(Str *s, const Expr *e)
{
    expr_str_prec(s, e, 0);
}

/* A top's sort keys as written: "counts.1 desc, counts.0 asc". */
void explain_sortkeys_str(Str *s, const IrOp *op)
{
    for (int i = 0; i < op->nby; i++) {
        str_add(s, "%s", i ? ", " : "");
        explain_expr_str(s, op->by[i]->expr);
        str_add(s, " %s", op->by[i]->desc ? "desc" : "asc");
    }
}

/* An extern's signature as declared: "f(x: i64) -> i64 pure". */
void explain_extern_str(Str *s, const Extern *x)
{
    str_add(s, "%s(", x->name);
    for (int k = 0; k < x->nparams; k++) {
        str_add(s, "%s%s: ", k ? ", " : "", x->pnames[k]);
        type_str(s, x->params[k]);
    }
    str_add(s, ") -> ");
    type_str(s, x->ret);
    str_add(s, " pure%s", x->fallible ? " fallible" : "");
}

/* What follows an operator's "=" in .fpipe syntax, with its options
 * (max_batch, retry, materialize). */
/* A csv source's or sink's options that are not the defaults:
 * ", header = false, delimiter = \";\"". */
static void csv_options_str(Str *s, const IrOp *op)
{
    if (op->fmt != FMT_CSV)
        return;
    if (!op->csv_header)
        str_add(s, ", header = false");
    char b[2][1] = {{op->csv_delim}, {op->csv_quote}};
    for (int k = 0; k < 2; k++) {
        if (b[k][0] == (k ? '"' : ','))
            continue;
        Expr e = {.kind = EX_STR, .sval = b[k], .slen = 1};
        str_add(s, ", %s = ", k ? "quote" : "delimiter");
        explain_expr_str(s, &e);
    }
}

void explain_op_body_str(Str *s, const IrOp *op)
{
    switch (op->kind) {
    case OP_SOURCE:
        str_add(s, "%s(input", op->format);
        csv_options_str(s, op);
        str_add(s, ")");
        break;
    case OP_SINK:
        str_add(s, "%s(", op->format);
        if (op->target == TGT_OUTPUT) str_add(s, "output");
        else if (op->target == TGT_STDOUT) str_add(s, "stdout");
        else {
            Expr e = {.kind = EX_STR, .sval = op->path, .slen = op->path_len};
            explain_expr_str(s, &e);
        }
        csv_options_str(s, op);
        str_add(s, ")");
        break;
    case OP_COMBINE:
    case OP_COMBINE_PER_KEY: explain_monoids_str(s, op); break;
    case OP_TOP:
        str_add(s, "%lld by ", (long long)op->top_n);
        explain_sortkeys_str(s, op);
        break;
    case OP_BATCH_MAP:
        explain_expr_str(s, op->body);
        str_add(s, " max_batch %lld", (long long)op->max_batch);
        break;
    default: explain_expr_str(s, op->body); break;
    }
    if (op->retry)
        str_add(s, " retry %lld", (long long)op->retry);
    if (op->materialize)
        str_add(s, " materialize");
}

/* The typed IR as text (the first part of `fpipec explain`): types,
 * links, externs, monoids, then each operator with its type and policy.
 * Assumes a checked IR (no ty_error). */
void explain_param_str(Str *s, const Param *p)
{
    str_add(s, "%s : ", p->name);
    type_str(s, p->type);
    if (p->dflt) {
        str_add(s, " = ");
        explain_expr_str(s, p->dflt);
    }
}

void ir_dump(Str *s, const Ir *ir)
{
    str_add(s, "pipeline %s  (%s)\n", ir->name, ir->src->path);
    for (int i = 0; i < ir->nrecords; i++) {
        const Type *t = ir->records[i];
        str_add(s, "  type %s = {", t->name);
        for (int k = 0; k < t->n; k++) {
            str_add(s, "%s %s: ", k ? "," : "", t->fields[k]);
            type_str(s, t->elems[k]);
        }
        str_add(s, " }\n");
    }
    for (int i = 0; i < ir->nparams; i++) {
        str_add(s, "  param ");
        explain_param_str(s, ir->params[i]);
        str_add(s, "   ; line %d, --param %s=VALUE%s\n", ir->params[i]->line, ir->params[i]->name,
                ir->params[i]->dflt ? "" : " (required)");
    }
    for (int i = 0; i < ir->nlinks; i++) {
        Expr e = {.kind = EX_STR, .sval = ir->links[i]->path,
                  .slen = strlen(ir->links[i]->path)};
        str_add(s, "  link ");
        explain_expr_str(s, &e);
        str_add(s, "\n");
    }
    for (int i = 0; i < ir->nexterns; i++) {
        const Extern *x = ir->externs[i];
        str_add(s, "  extern ");
        explain_extern_str(s, x);
        str_add(s, "   ; line %d\n", x->line);
    }
    for (int i = 0; i < ir->nmonoids; i++) {
        const UserMonoid *m = ir->monoids[i];
        str_add(s, "  monoid %s : ", m->name);
        type_str(s, m->type);
        str_add(s, " = { empty = ");
        explain_expr_str(s, m->empty);
        str_add(s, ", combine(%s, %s) = ", m->a->sval, m->b->sval);
        explain_expr_str(s, m->combine);
        str_add(s, " }%s%s   ; line %d\n", m->associative ? " associative" : "",
                m->commutative ? " commutative" : "", m->line);
    }
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        str_add(s, "  %%%d %-15s %-8s : ", i, op_info[op->kind].keyword, op->name);
        if (op->in) type_str(s, op->in);
        else str_add(s, "()");
        str_add(s, " -> ");
        if (op->kind == OP_SINK) str_add(s, "()");
        else type_str(s, op->out);
        str_add(s, " = ");
        explain_op_body_str(s, op);
        str_add(s, "   ; line %d", op->line);
        if (op->fallible)
            str_add(s, ", fallible (on_error %s)", policy_name(op->policy));
        str_add(s, "\n");
    }
}

/* ---- contracts in explain (moved from contracts.c) ---------------------- */

/* The contract of monoid i of a combine: its laws, and whether they hold
 * exactly; *f64_fold is set when f64 arithmetic rounds, so the plan folds
 * in partition order. */
static void monoid_contract(Str *s, const IrOp *op, int i, bool *f64_fold)
{
    const Type *v = op->val;
    switch (op->mons[i]) {
    case MONOID_USER: {
        const UserMonoid *m = op->umon[i];
        str_add(s, "%s: associative (declared)%s", m->name,
                m->commutative ? ", commutative (declared)"
                               : ", not commutative: merged in partition order, which keeps "
                                 "input order (if it is commutative, declaring it lets "
                                 "threads share tables)");
        str_add(s, ", identity: its empty; fpipec verify tests the laws");
        if (type_has_f64(m->type)) {
            str_add(s, "; f64 arithmetic rounds, folded in partition order");
            *f64_fold = true;
        }
        break;
    }
    case MONOID_COUNT: str_add(s, "count: associative, commutative, exact"); break;
    case MONOID_TOPK:
        str_add(s, "topk(%d): associative, commutative, exact", op->topk[i]);
        break;
    case MONOID_AND:
    case MONOID_OR:
        str_add(s, "%s: associative, commutative, exact", monoid_names[op->mons[i]]);
        break;
    case MONOID_MEAN:
    case MONOID_SUM:
        if (v == &ty_i64) {
            str_add(s, "%s: associative, commutative, exact (%s)", monoid_names[op->mons[i]],
                    op->mons[i] == MONOID_SUM ? "i64 wraps" : "a 128-bit sum and a count");
        } else {
            str_add(s, "%s of f64: associative, commutative, exact (the exact sum, rounded "
                       "once%s)", monoid_names[op->mons[i]],
                    op->mons[i] == MONOID_MEAN ? ", divided by the count" : "");
        }
        break;
    case MONOID_MIN:
    case MONOID_MAX:
        if (v == &ty_i64)
            str_add(s, "%s: associative, commutative, exact", monoid_names[op->mons[i]]);
        else
            str_add(s, "%s of f64: associative; of -0.0 and 0.0 (or a NaN) it keeps the first "
                       "in input order: folded in partition order", monoid_names[op->mons[i]]);
        break;
    default: break;
    }
}

/* Names of the extern functions an expression calls, for "pure: ..." */
static void externs_called(Str *s, const Expr *e, int *n)
{
    if (!e)
        return;
    if (e->kind == EX_CALL && e->ext) {
        str_add(s, "%s%s", *n ? ", " : "", e->ext->name);
        ++*n;
    }
    for (int i = 0; i < e->nargs; i++)
        externs_called(s, e->args[i], n);
}

/* The last part of explain: each operator's contract (purity of the C
 * functions it calls, the laws of its monoids, its error policy and
 * batching) and whether the output is the same bytes in every mode. */
void explain_contracts_dump(Str *s, const Plan *p)
{
    const Ir *ir = p->ir;
    bool f64_fold = false, batches = false, laws = false;
    str_add(s, "contracts:\n");
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        str_add(s, "  %s %s: ", op_info[op->kind].keyword, op->name);
        switch (op->kind) {
        case OP_SOURCE:
            str_add(s, "reads %s(input) in input order", op->format);
            break;
        case OP_SINK:
            str_add(s, "terminal; %s", op->target == TGT_STDOUT
                                           ? "streams to standard output (not atomic)"
                                       : op->target == TGT_PATH
                                           ? "idempotent: the file is written to a temporary "
                                             "and renamed into place"
                                           : "idempotent: a file (-o) is written to a "
                                             "temporary and renamed into place; standard "
                                             "output is streamed");
            break;
        case OP_COMBINE:
        case OP_COMBINE_PER_KEY:
            for (int k = 0; k < op->nmon; k++) {
                laws |= op->mons[k] == MONOID_USER;
                str_add(s, "%s", k ? "; " : "");
                monoid_contract(s, op, k, &f64_fold);
            }
            break;
        case OP_TOP:
            str_add(s, "pure; ties go by the whole element: the same N for any order of "
                       "arrival");
            break;
        case OP_BATCH_MAP:
            batches = true;
            str_add(s, "calls %s (pure, audited) on batches of at most %lld; results must not "
                       "depend on the split (fpipec verify tests it)",
                    op->batch_fn->name, (long long)op->max_batch);
            break;
        default: {
            Str ex = {0};
            int n = 0;
            externs_called(&ex, op->body, &n);
            if (n)
                str_add(s, "pure (calls %s, declared pure and audited)", ex.p);
            else
                str_add(s, "pure (an expression)");
            str_free(&ex);
            break;
        }
        }
        if (op->materialize)
            str_add(s, "; materialize: a checkpoint written atomically, read back by --resume "
                       "only for this program and unchanged inputs");
        if (op->fallible)
            str_add(s, "; errors: %s", op->policy == POLICY_DROP
                                           ? "dropped and counted (on_error drop)"
                                           : op->policy == POLICY_FAIL_FAST
                                                 ? "stop the run (on_error fail_fast)"
                                                 : "by its on_error policy");
        else if (op->kind != OP_SINK)
            str_add(s, "; cannot fail");
        str_add(s, "\n");
    }
    str_add(s, "  determinism: ");
    if (f64_fold) {
        const IrOp *c = &ir->ops[p->combine];
        str_add(s, "the same bytes for every --threads; with another --partition-size the f64 "
                   "fold of '%s' may round differently (partials are folded in partition "
                   "order, a fixed order for a given --partition-size)\n", c->name);
    } else {
        str_add(s, "the same bytes in every mode (any --threads, any --partition-size)%s%s\n",
                laws ? ", given the declared monoids' laws" : "",
                batches ? ", given batch functions whose results do not depend on the split"
                        : "");
    }
}
