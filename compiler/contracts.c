/* contracts.c — the contract lints of check, build and run.
 *
 * What fpipec promises about a pipeline needs the whole typed program:
 * each file linked once, externs and C files that come together,
 * declarations never used, operators that ignore their input, divisions by
 * a literal zero, constant if conditions, f64 sums and means (associative
 * only up to rounding).  The purity audit of the linked C files is in
 * audit.c; the contracts' text in explain is in explain.c.
 */
#include "fpipec.h"

#include <string.h>

/* ---- contract lints: check, build, run --------------------------------- */

/* Walk an expression for divisions by a literal zero and constant if
 * conditions. */
static void lint_expr(Diags *d, const Expr *e)
{
    if (!e)
        return;
    if (e->kind == EX_BINARY && (e->op == B_DIV || e->op == B_REM) && e->args[1]->kind == EX_INT &&
        e->args[1]->ival == 0) {
        diag_at(d, DIAG_WARNING, e->span, "%s by zero: every element fails here",
                e->op == B_DIV ? "division" : "remainder");
        diag_hint(d, "i64 division by zero is an element error, handled by the operator's "
                     "on_error policy");
    }
    if (e->kind == EX_IF && e->args[0]->kind == EX_BOOL) {
        diag_at(d, DIAG_WARNING, e->args[0]->span, "the condition is always %s: the %s branch "
                "is never taken", e->args[0]->ival ? "true" : "false",
                e->args[0]->ival ? "else" : "then");
    }
    for (int i = 0; i < e->nargs; i++)
        lint_expr(d, e->args[i]);
}

/* Does t mention the record type rec (itself or inside)? */
static bool type_uses(const Type *t, const Type *rec)
{
    if (!t)
        return false;
    if (t == rec)
        return true;
    if (t->kind == TY_LIST)
        return type_uses(t->elem, rec);
    if (t->kind == TY_TUPLE || t->kind == TY_RECORD)
        for (int i = 0; i < t->n; i++)
            if (type_uses(t->elems[i], rec))
                return true;
    return false;
}

/* The lints listed in fpipec.h, over the whole checked program. */
bool contracts_check(Arena *a, const Ir *ir, const Program *p, Diags *d)
{
    (void)a;
    int errors = d->nerrors;
    /* link: each file once; something declared to come from it. */
    for (int i = 0; i < ir->nlinks; i++) {
        for (int j = 0; j < i; j++) {
            if (!strcmp(ir->links[i]->path, ir->links[j]->path)) {
                diag_at(d, DIAG_ERROR, ir->links[i]->span, "'%s' is linked twice",
                        ir->links[i]->path);
                diag_at(d, DIAG_NOTE, ir->links[j]->span, "first linked here");
                break;
            }
        }
    }
    if (ir->nlinks && !ir->nexterns)
        diag_at(d, DIAG_WARNING, ir->links[0]->span, "'%s' is linked, but no extern C "
                "function is declared", ir->links[0]->path);
    if (ir->nexterns && !ir->nlinks) {
        diag_at(d, DIAG_ERROR, ir->externs[0]->span, "extern '%s' is declared, but no C file "
                "is linked", ir->externs[0]->name);
        diag_hint(d, "name the C file that defines it: link \"%s.c\"", ir->name);
    }
    /* Declared, never used. */
    /* (An extern that no operator calls is fine: a C file shared by several
     * pipelines needs the types and prototypes of all its functions.) */
    for (int i = 0; i < ir->nmonoids; i++) {
        const UserMonoid *m = ir->monoids[i];
        bool used = false;
        for (int k = 0; k < ir->nops; k++)
            for (int j = 0; j < ir->ops[k].nmon; j++)
                used |= ir->ops[k].mons[j] == MONOID_USER && ir->ops[k].umon[j] == m;
        if (!used) {
            diag_at(d, DIAG_WARNING, m->span, "monoid '%s' is declared but never used", m->name);
            diag_hint(d, "fold with it in a combine (combine_per_key NAME = %s), or remove it",
                      m->name);
        }
    }
    for (int i = 0; i < ir->nrecords; i++) {
        const Type *r = ir->records[i];
        bool used = false;
        for (int k = 0; k < ir->nops && !used; k++)
            used = type_uses(ir->ops[k].in, r) || type_uses(ir->ops[k].out, r);
        for (int k = 0; k < ir->nexterns && !used; k++) {
            used = type_uses(ir->externs[k]->ret, r);
            for (int j = 0; j < ir->externs[k]->nparams; j++)
                used |= type_uses(ir->externs[k]->params[j], r);
        }
        for (int k = 0; k < ir->nrecords && !used; k++)
            used = k != i && type_uses(ir->records[k], r);
        if (used)
            continue;
        for (int k = 0; k < p->records.n; k++) {
            const RecordDecl *rd = p->records.v[k];
            if (!strcmp(rd->name, r->name)) {
                diag_at(d, DIAG_WARNING, rd->name_span, "type '%s' is declared but never used",
                        r->name);
                break;
            }
        }
    }
    /* Laws and attributes given twice. */
    for (int i = 0; i < p->monoids.n; i++) {
        const MonoidDecl *m = p->monoids.v[i];
        for (int k = 0; k < m->laws.n; k++)
            for (int j = 0; j < k; j++)
                if (!strcmp(((Expr *)m->laws.v[k])->sval, ((Expr *)m->laws.v[j])->sval)) {
                    diag_at(d, DIAG_WARNING, ((Expr *)m->laws.v[k])->span,
                            "'%s' is said twice", ((Expr *)m->laws.v[k])->sval);
                    break;
                }
    }
    for (int i = 0; i < p->externs.n; i++) {
        const ExternDecl *x = p->externs.v[i];
        for (int k = 0; k < x->attrs.n; k++)
            for (int j = 0; j < k; j++)
                if (!strcmp(((Expr *)x->attrs.v[k])->sval, ((Expr *)x->attrs.v[j])->sval)) {
                    diag_at(d, DIAG_WARNING, ((Expr *)x->attrs.v[k])->span,
                            "'%s' is said twice", ((Expr *)x->attrs.v[k])->sval);
                    break;
                }
    }
    /* Operators. */
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        const OpDecl *o = p->ops.v[i];
        const char *prev = i ? ir->ops[i - 1].name : "";
        if ((op->kind == OP_MAP || op->kind == OP_FLATMAP || op->kind == OP_FILTER) && op->body &&
            !expr_uses_input(op->body)) {
            diag_at(d, DIAG_WARNING, op->body->span, "'%s' does not use its input '%s'",
                    op->name, prev);
            diag_hint(d, "%s", op->kind == OP_FILTER
                                   ? "a filter that does not look at the element keeps all "
                                     "of them or none"
                                   : "every element gives the same value: was the element "
                                     "meant to be used?");
        }
        if (op->body && op->kind != OP_BATCH_MAP)
            lint_expr(d, op->body);
        for (int k = 0; k < op->nby; k++)
            lint_expr(d, op->by[k]->expr);
        /* f64 sum and mean are exact (fp_fsum); a declared monoid's f64
         * arithmetic rounds. */
        if (op_info[op->kind].role == ROLE_COMBINE) {
            for (int k = 0; k < op->nmon; k++) {
                if (op->mons[k] != MONOID_USER || !type_has_f64(op->umon[k]->type))
                    continue;
                const Expr *at = op->mon_tuple ? o->body->args[k] : o->body;
                diag_at(d, DIAG_WARNING, at->span, "monoid '%s' does f64 arithmetic: "
                        "associative only up to rounding", op->umon[k]->name);
                diag_hint(d, "fpipec folds it in a fixed order, the partitions' in input "
                             "order: the output is the same for every --threads, but another "
                             "--partition-size may change its last bits (the built-in sum and "
                             "mean of f64 are exact)");
            }
        }
    }
    return d->nerrors == errors;
}
