/* convert.c — a checked pipeline written back as .fpipe text or as YAML
 * (fpipec convert).  Both are printed from the IR, so converting a file and
 * reading the result gives the same IR: the tests check that round trip
 * with `fpipec explain`.
 */
#include "fpipec.h"

#include <string.h>

/* Would the .fpipe form need `on_error`?  fail_fast is the default. */
static bool shows_policy(const IrOp *op)
{
    return op->fallible && op->policy != POLICY_FAIL_FAST;
}

void ir_to_fpipe(Str *s, const Ir *ir)
{
    str_add(s, "# %s.fpipe — converted by fpipec convert from %s\n\n", ir->name, ir->src->path);
    str_add(s, "pipeline %s\n", ir->name);
    if (ir->default_threads)
        str_add(s, "# the YAML's resources set --threads %d by default\n", ir->default_threads);
    if (ir->nlinks || ir->nrecords || ir->nexterns || ir->nmonoids || ir->nparams)
        str_add(s, "\n");
    for (int i = 0; i < ir->nlinks; i++) {
        Expr e = {.kind = EX_STR, .sval = ir->links[i]->path,
                  .slen = strlen(ir->links[i]->path)};
        str_add(s, "link ");
        explain_expr_str(s, &e);
        str_add(s, "\n");
    }
    for (int i = 0; i < ir->nrecords; i++) {
        const Type *t = ir->records[i];
        str_add(s, "type %s = {", t->name);
        for (int k = 0; k < t->n; k++) {
            str_add(s, "%s %s: ", k ? "," : "", t->fields[k]);
            type_str(s, t->elems[k]);
        }
        str_add(s, " }\n");
    }
    for (int i = 0; i < ir->nparams; i++) {
        str_add(s, "param ");
        explain_param_str(s, ir->params[i]);
        str_add(s, "\n");
    }
    for (int i = 0; i < ir->nexterns; i++) {
        str_add(s, "extern ");
        explain_extern_str(s, ir->externs[i]);
        str_add(s, "\n");
    }
    for (int i = 0; i < ir->nmonoids; i++) {
        const UserMonoid *m = ir->monoids[i];
        str_add(s, "monoid %s : ", m->name);
        type_str(s, m->type);
        str_add(s, " {\n    empty = ");
        explain_expr_str(s, m->empty);
        str_add(s, "\n    combine(%s, %s) = ", m->a->sval, m->b->sval);
        explain_expr_str(s, m->combine);
        str_add(s, "\n   %s%s\n}\n", m->associative ? " associative" : "",
                m->commutative ? " commutative" : "");
    }
    str_add(s, "\n");
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        str_add(s, "%s %s", op_info[op->kind].keyword, op->name);
        if (op->kind == OP_SOURCE && op->out->kind == TY_RECORD)
            str_add(s, " : %s", op->out->name);
        else if (op->kind != OP_SOURCE && op->kind != OP_SINK) {
            str_add(s, " : ");
            type_str(s, op->out);
        }
        str_add(s, " = ");
        explain_op_body_str(s, op);
        if (shows_policy(op)) {
            str_add(s, " on_error %s", policy_name(op->policy));
            if (op->policy == POLICY_COLLECT && op->errors_path) {
                Expr e = {.kind = EX_STR, .sval = op->errors_path,
                          .slen = strlen(op->errors_path)};
                str_add(s, " ");
                explain_expr_str(s, &e);
            }
        }
        str_add(s, "\n");
    }
}

/* A YAML single-quoted scalar ('' is a quote). */
static void yq(Str *s, const char *text)
{
    str_add(s, "'");
    for (const char *p = text; *p; p++)
        str_add(s, *p == '\'' ? "''" : "%c", *p);
    str_add(s, "'");
}

/* An expression or type, which fpipe parses in place: single-quoted and
 * never escaped, so a quote (only possible inside a string literal) is
 * written as the string escape \x27. */
static void yq_src(Str *s, const char *text)
{
    str_add(s, "'");
    for (const char *p = text; *p; p++)
        str_add(s, *p == '\'' ? "\\x27" : "%c", *p);
    str_add(s, "'");
}

/* A csv option in YAML: ", header: false", ", delimiter: \";\"" (one
 * byte, double-quoted, \xNN when not printable). */
static void yq_csv_options(Str *s, const IrOp *op, const char *pre, const char *post)
{
    if (op->fmt != FMT_CSV)
        return;
    if (!op->csv_header)
        str_add(s, "%sheader: false%s", pre, post);
    char b[2] = {op->csv_delim, op->csv_quote};
    for (int k = 0; k < 2; k++) {
        if (b[k] == (k ? '"' : ','))
            continue;
        unsigned char u = (unsigned char)b[k];
        str_add(s, "%s%s: ", pre, k ? "quote" : "delimiter");
        if (u < 0x20 || u >= 0x7f || u == '"' || u == '\\')
            str_add(s, "\"\\x%02x\"%s", u, post);
        else
            str_add(s, "\"%c\"%s", u, post);
    }
}

static void yq_type(Str *s, const Type *t)
{
    Str x = {0};
    type_str(&x, t);
    yq_src(s, x.p);
    str_free(&x);
}

static void yq_expr(Str *s, const Expr *e)
{
    Str x = {0};
    explain_expr_str(&x, e);
    yq_src(s, x.p);
    str_free(&x);
}

/* The seed schema's type: of an operator (Map, FlatMap, ...). */
static const char *yaml_type_name(OpKind k)
{
    switch (k) {
    case OP_MAP: return "Map";
    case OP_FILTER: return "Filter";
    case OP_FLATMAP: return "FlatMap";
    case OP_BATCH_MAP: return "BatchMap";
    case OP_COMBINE: return "Combine";
    case OP_COMBINE_PER_KEY: return "CombinePerKey";
    case OP_TOP: return "Top";
    case OP_SINK: return "Sink";
    default: return "?";
    }
}

/* A checked pipeline as a YAML file in the schema yaml.c reads:
 * reading it back gives the same IR (tests/convert). */
void ir_to_yaml(Str *s, const Ir *ir)
{
    str_add(s, "# %s.yaml — converted by fpipec convert from %s\n", ir->name, ir->src->path);
    str_add(s, "pipeline: %s\n", ir->name);
    if (ir->default_threads)
        str_add(s, "resources: {workers: %d}\n", ir->default_threads);
    if (ir->nlinks) {
        str_add(s, "link: [");
        for (int i = 0; i < ir->nlinks; i++) {
            str_add(s, "%s", i ? ", " : "");
            yq(s, ir->links[i]->path);
        }
        str_add(s, "]\n");
    }
    if (ir->nrecords) {
        str_add(s, "types:\n");
        for (int i = 0; i < ir->nrecords; i++) {
            const Type *t = ir->records[i];
            str_add(s, "  %s: {", t->name);
            for (int k = 0; k < t->n; k++) {
                str_add(s, "%s%s: ", k ? ", " : "", t->fields[k]);
                yq_type(s, t->elems[k]);
            }
            str_add(s, "}\n");
        }
    }
    if (ir->nparams) {
        str_add(s, "params:\n");
        for (int i = 0; i < ir->nparams; i++) {
            const Param *pm = ir->params[i];
            str_add(s, "  %s: {type: ", pm->name);
            yq_type(s, pm->type);
            if (pm->dflt) {
                str_add(s, ", default: ");
                yq_expr(s, pm->dflt);
            }
            str_add(s, "}\n");
        }
    }
    if (ir->nexterns) {
        str_add(s, "externs:\n");
        for (int i = 0; i < ir->nexterns; i++) {
            const Extern *x = ir->externs[i];
            str_add(s, "  %s:\n    params: {", x->name);
            for (int k = 0; k < x->nparams; k++) {
                str_add(s, "%s%s: ", k ? ", " : "", x->pnames[k]);
                yq_type(s, x->params[k]);
            }
            str_add(s, "}\n    returns: ");
            yq_type(s, x->ret);
            str_add(s, "\n    pure: true\n");
            if (x->fallible)
                str_add(s, "    fallible: true\n");
        }
    }
    if (ir->nmonoids) {
        str_add(s, "monoids:\n");
        for (int i = 0; i < ir->nmonoids; i++) {
            const UserMonoid *m = ir->monoids[i];
            str_add(s, "  %s:\n    type: ", m->name);
            yq_type(s, m->type);
            str_add(s, "\n    empty: ");
            yq_expr(s, m->empty);
            str_add(s, "\n    params: [%s, %s]\n    combine: ", m->a->sval, m->b->sval);
            yq_expr(s, m->combine);
            str_add(s, "\n    laws: [%s%s%s]\n", m->associative ? "associative" : "",
                    m->associative && m->commutative ? ", " : "",
                    m->commutative ? "commutative" : "");
        }
    }
    const IrOp *src = &ir->ops[0];
    str_add(s, "source: {name: %s, format: %s", src->name, src->format);
    if (src->out->kind == TY_RECORD)
        str_add(s, ", type: %s", src->out->name);
    if (shows_policy(src))
        str_add(s, ", error_policy: %s", policy_name(src->policy));
    yq_csv_options(s, src, ", ", "");
    str_add(s, "}\noperators:\n");
    for (int i = 1; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        str_add(s, "  - type: %s\n    name: %s\n", yaml_type_name(op->kind), op->name);
        switch (op->kind) {
        case OP_SINK:
            str_add(s, "    func: %s\n", op->format);
            if (op->target == TGT_PATH) {
                str_add(s, "    path: ");
                Str p = {0};
                str_addn(&p, op->path, op->path_len);
                str_add(&p, "%s", "");
                yq(s, p.p);
                str_free(&p);
                str_add(s, "\n");
            }
            yq_csv_options(s, op, "    ", "\n");
            str_add(s, "    contract: {idempotent: true}\n");
            break;
        case OP_COMBINE:
        case OP_COMBINE_PER_KEY: {
            Str m = {0};
            explain_monoids_str(&m, op);
            str_add(s, "    monoid: ");
            yq_src(s, m.p);
            str_add(s, "\n");
            str_free(&m);
            break;
        }
        case OP_TOP:
            str_add(s, "    n: %lld\n    by:\n", (long long)op->top_n);
            for (int k = 0; k < op->nby; k++) {
                str_add(s, "      - %s: ", op->by[k]->desc ? "desc" : "asc");
                yq_expr(s, op->by[k]->expr);
                str_add(s, "\n");
            }
            break;
        default: {
            /* func: NAME when the body calls one function on the element. */
            const Expr *b = op->body;
            if (b->kind == EX_CALL && b->nargs == 1 && b->args[0]->kind == EX_NAME &&
                !b->args[0]->bound && !strcmp(b->args[0]->sval, ir->ops[i - 1].name)) {
                str_add(s, "    func: %s\n", b->sval);
            } else {
                str_add(s, "    expr: ");
                yq_expr(s, b);
                str_add(s, "\n");
            }
            if (op->kind == OP_BATCH_MAP)
                str_add(s, "    max_batch_size: %lld\n", (long long)op->max_batch);
            break;
        }
        }
        if (shows_policy(op))
            str_add(s, "    error_policy: %s\n", policy_name(op->policy));
        if (op->retry)
            str_add(s, "    # retry %lld: not kept, the YAML form has no retry\n",
                    (long long)op->retry);
        str_add(s, "    in_type: ");
        yq_type(s, op->in);
        str_add(s, "\n");
        if (op->kind != OP_SINK) {
            str_add(s, "    out_type: ");
            yq_type(s, op->out);
            str_add(s, "\n");
        }
    }
    /* materialize after an operator: its name in materialization_points. */
    int nmat = 0;
    for (int i = 0; i < ir->nops; i++)
        if (ir->ops[i].materialize)
            str_add(s, "%s%s", nmat++ ? ", " : "materialization_points: [", ir->ops[i].name);
    if (nmat)
        str_add(s, "]\n");
}
