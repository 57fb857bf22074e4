/* plan.c — the physical plan: which operators fuse into which loop.
 *
 * Element-wise operators (map, filter, flatmap) never need to see more than
 * one element, so everything from the source up to the combine — or up to
 * the sink, when there is no combine — fuses into one loop over an input
 * partition: stage 1.  A combine is a boundary: its partial results must be
 * merged before anything after it can run.  What follows it (more
 * element-wise operators and the sink) fuses into stage 2, which runs over
 * the merged result in key order.
 *
 * The planner also chooses how partial keyed results are merged: per-thread
 * tables when the monoid is exact and commutative (i64 arithmetic wraps, so
 * sum/count/min/max on i64 give the same bits in any order; f64 sum and
 * mean keep the exact sum, runtime/fsum.c), and per-partition tables
 * folded in partition order otherwise (f64 min/max, declared monoids doing
 * f64 arithmetic), so that results never depend on the number of threads.
 */
#include "fpipec.h"

#include <stdio.h>
#include <string.h>

/* Whether e calls input_file() or input_line(). */
static bool uses_input_pos(const Expr *e)
{
    if (!e)
        return false;
    if (e->kind == EX_CALL && !e->ext && (e->builtin == BI_INPUT_FILE || e->builtin == BI_INPUT_LINE))
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (uses_input_pos(e->args[i]))
            return true;
    return false;
}

/* Whether an operator after m in stage 1 may report an element with its
 * input record, or asks for its place: then each checkpointed element
 * carries its record.  Any fallible one may — its .fpipe policy drop
 * included, since --config can make it collect or fail_fast for a run. */
static bool ckpt_needs_records(const Ir *ir, const Stage *st, int m)
{
    for (int i = m + 1; i <= st->last; i++)
        if (ir->ops[i].fallible || uses_input_pos(ir->ops[i].body))
            return true;
    return false;
}

/* Stage 1's shape: its batch_map (the function from it on, and whether an
 * earlier operator can fail), the operators --stats times, the
 * materialized operator and what its checkpoint holds.  Assumes stage 1
 * (p->stages[0]) is set. */
static void plan_stage1(Arena *a, Plan *p)
{
    const Ir *ir = p->ir;
    const Stage *s1 = &p->stages[0];
    p->batch_map = -1;
    for (int i = s1->first + 1; i <= s1->last && p->batch_map < 0; i++)
        if (ir->ops[i].kind == OP_BATCH_MAP)
            p->batch_map = i;
    if (p->batch_map >= 0) {
        p->batch_fname = arena_printf(a, "stage1_%s_to_%s", ir->ops[p->batch_map].name,
                                      ir->ops[s1->last].name);
        for (int i = s1->first; i < p->batch_map; i++)
            p->batch_first |= ir->ops[i].fallible;
    }
    /* a batch_map: its time includes its batch calls */
    p->timed_ops = (p->batch_map >= 0 ? p->batch_map : s1->last) + 1;
    for (int i = s1->first; i <= s1->last; i++)
        p->input_pos |= uses_input_pos(ir->ops[i].body);
    p->checkpoint_op = p->ckpt_elem_op = -1;
    for (int i = 0; i < ir->nops; i++)
        if (ir->ops[i].materialize) {
            p->checkpoint_op = i;
            if (op_info[ir->ops[i].kind].role == ROLE_ELEMENT)
                p->ckpt_elem_op = i;
        }
    if (p->ckpt_elem_op >= 0) {
        p->ckpt_records = ckpt_needs_records(ir, s1, p->ckpt_elem_op);
        p->resume_fname = arena_printf(a, "resume1_from_%s", ir->ops[p->ckpt_elem_op].name);
    }
}

/* FNV-1a, 64 bits, continuing from h: fingerprints (not for security). */
uint64_t plan_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* The linked C files' bytes, in declaration order, hashed: a checkpoint
 * of a program whose C files changed is stale.  An unreadable file adds
 * nothing (the build that follows reports it). */
void plan_hash_links(Plan *p, Arena *a)
{
    const Ir *ir = p->ir;
    uint64_t h = 0xcbf29ce484222325u;
    for (int i = 0; i < ir->nlinks; i++) {
        const char *path = link_path(a, ir->src->path, ir->links[i]->path);
        FILE *f = fopen(path, "rb");
        char buf[4096];
        size_t n;
        while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
            h = plan_fnv1a(h, buf, n);
        if (f)
            fclose(f);
    }
    p->links_hash = ir->nlinks ? h : 0;
}

/* The physical plan of a checked IR: the fused stages and their function
 * names, the combine's merge, the word scan, stage 1's shape. */
Plan *plan_build(Arena *a, const Ir *ir)
{
    Plan *p = arena_alloc(a, sizeof *p);
    p->ir = ir;
    p->combine = -1;
    p->top = -1;
    for (int i = 0; i < ir->nops; i++) {
        if (op_info[ir->ops[i].kind].role == ROLE_COMBINE && p->combine < 0)
            p->combine = i;
        if (ir->ops[i].kind == OP_TOP && p->top < 0)
            p->top = i;
    }
    /* split_ws(line) never crosses a newline, and a newline is whitespace:
     * the words of every line are the words of the whole partition, found
     * in one scan instead of a line scan and a word scan. */
    if (ir->nops > 1 && ir->ops[1].kind == OP_FLATMAP && ir->ops[0].fmt == FMT_TEXT) {
        const Expr *b = ir->ops[1].body;
        p->scan_words = b->kind == EX_CALL && b->builtin == BI_SPLIT_WS &&
                        b->args[0]->kind == EX_NAME && !b->args[0]->param;
    }
    int last = ir->nops - 1;
    Stage *s1 = &p->stages[0];
    s1->kind = STAGE_SOURCE;
    s1->first = 0;
    s1->last = p->combine >= 0 ? p->combine : p->top >= 0 ? p->top : last;
    s1->fname = arena_printf(a, "stage1_%s_to_%s", ir->ops[0].name, ir->ops[s1->last].name);
    s1->timed_fname = arena_printf(a, "%s_timed", s1->fname);
    p->nstages = 1;
    if (p->combine >= 0) {
        Stage *s2 = &p->stages[1];
        s2->kind = STAGE_COMBINED;
        s2->first = p->combine;
        s2->last = p->top >= 0 ? p->top : last;
        s2->fname = arena_printf(a, "stage2_%s_to_%s", ir->ops[p->combine].name,
                                 ir->ops[s2->last].name);
        p->nstages = 2;

        const IrOp *c = &ir->ops[p->combine];
        if (c->kind == OP_COMBINE) {
            p->merge = MERGE_PARTITION_ORDER;
            p->merge_why = "one accumulator per partition, folded in partition order";
        } else if (!combine_is_exact(c)) {
            p->merge = MERGE_PARTITION_ORDER;
            p->merge_why = "f64 arithmetic is not associative bit for bit: one table per "
                           "partition, folded in partition order";
        } else if (!combine_is_commutative(c)) {
            p->merge = MERGE_PARTITION_ORDER;
            p->merge_why = "a monoid is not declared commutative: one table per partition, "
                           "folded in partition order";
        } else {
            bool fsum = false;   /* an f64 sum or mean: exact too (fp_fsum) */
            for (int i = 0; i < c->nmon; i++)
                fsum |= c->val == &ty_f64 &&
                        (c->mons[i] == MONOID_SUM || c->mons[i] == MONOID_MEAN);
            p->merge = MERGE_PER_THREAD;
            p->merge_why = fsum ? "exact and commutative (f64 sum and mean keep the exact sum, "
                                  "rounded once): one table per thread, merged after stage 1"
                                : "exact and commutative (no f64 arithmetic): one table per "
                                  "thread, merged after stage 1";
        }
    }
    if (p->top >= 0) {
        Stage *s3 = &p->stages[p->nstages++];
        s3->kind = STAGE_TOP;
        s3->first = p->top;
        s3->last = last;
        s3->fname = arena_printf(a, "stage3_%s_to_%s", ir->ops[p->top].name, ir->ops[last].name);
    }
    plan_stage1(a, p);
    return p;
}

/* "kw a -> kw b (note) -> ...": the operators first..last, for dump. */
static void op_chain(Str *s, const Ir *ir, int first, int last, const char *first_note,
                     const char *last_note)
{
    for (int i = first; i <= last; i++) {
        const IrOp *op = &ir->ops[i];
        str_add(s, "%s%s %s", i > first ? " -> " : "", op_info[op->kind].keyword, op->name);
        if (i == first && first_note)
            str_add(s, " (%s)", first_note);
        if (i == last && last_note)
            str_add(s, " (%s)", last_note);
    }
}

/* The plan as explain prints it (and --explain, from the generated C). */
void plan_dump(Str *s, const Plan *p)
{
    const Ir *ir = p->ir;
    str_add(s, "plan: %d stage%s\n", p->nstages, p->nstages > 1 ? "s" : "");
    const Stage *s1 = &p->stages[0];
    str_add(s, "  stage 1  %s: once per input partition, in parallel\n", s1->fname);
    str_add(s, "    fused: ");
    op_chain(s, ir, s1->first, s1->last, NULL,
             p->combine >= 0 ? (ir->ops[p->combine].kind == OP_COMBINE
                                    ? "partial: into the partition's accumulator"
                                    : p->merge == MERGE_PER_THREAD
                                          ? "partial: into the thread's hash table"
                                          : "partial: into the partition's hash table")
                             : NULL);
    str_add(s, "\n");
    if (p->scan_words)
        str_add(s, "    source %s + flatmap %s: one scan for words over the partition's bytes "
                   "(split_ws never crosses a newline)\n", ir->ops[0].name, ir->ops[1].name);
    if (p->input_pos)
        str_add(s, "    input_file(), input_line(): each partition's first line is counted "
                   "from its file offset before stage 1, the rest on the way\n");
    for (int i = s1->first; i <= s1->last; i++) {
        const IrOp *op = &ir->ops[i];
        if (!op->materialize || op_info[op->kind].role != ROLE_ELEMENT)
            continue;
        str_add(s, "  materialize: %s %s: each element of its output is written to a "
                   "checkpoint, partition by partition, in stage 1 (committed when stage 1 "
                   "ends with no failure); --resume runs stage 1 from the operator after it, "
                   "over the checkpoint, and does not read the input\n",
                op_info[op->kind].keyword, op->name);
    }
    if (p->combine < 0 && p->top < 0) {
        str_add(s, "    rows are written in input order (partition by partition)\n");
    } else if (p->combine < 0) {
    } else {
        const IrOp *c = &ir->ops[p->combine];
        Str m = {0};
        explain_monoids_str(&m, c);
        str_add(s, "  boundary: %s %s with %s; %s\n", op_info[c->kind].keyword, c->name, m.p,
                p->merge_why);
        str_free(&m);
        if (c->materialize)
            str_add(s, "  materialize: %s %s: %s is written to a checkpoint file after the "
                       "merge, before stage 2; --resume starts from a valid one and does not "
                       "read the input\n", op_info[c->kind].keyword, c->name,
                    c->kind == OP_COMBINE_PER_KEY
                        ? "the merged result (every key and its accumulator, in key order)"
                        : "the combined value");
        const Stage *s2 = &p->stages[1];
        str_add(s, "  stage 2  %s: %s\n", s2->fname,
                c->kind == OP_COMBINE_PER_KEY ? "once per key, keys in ascending byte order"
                                              : "once, on the combined value");
        str_add(s, "    fused: ");
        op_chain(s, ir, s2->first, s2->last, "merged result", NULL);
        str_add(s, "\n");
    }
    for (int i = 0; i < ir->nops; i++)
        if (ir->ops[i].kind == OP_BATCH_MAP)
            str_add(s, "    batch_map %s: %s on batches of at most %lld consecutive elements "
                       "of a partition (the batches depend on --partition-size, never on "
                       "--threads)\n", ir->ops[i].name, ir->ops[i].batch_fn->name,
                    (long long)ir->ops[i].max_batch);
    if (p->top >= 0) {
        const IrOp *t = &ir->ops[p->top];
        str_add(s, "  boundary: top %s keeps %lld by ", t->name, (long long)t->top_n);
        explain_sortkeys_str(s, t);
        str_add(s, "; a bounded heap per thread, merged; ties go by the whole element, so "
                   "the result is the same for any thread count\n");
        const Stage *s3 = &p->stages[p->nstages - 1];
        str_add(s, "  stage %d  %s: once per kept element, in top order\n", p->nstages,
                s3->fname);
        str_add(s, "    fused: ");
        op_chain(s, ir, s3->first, s3->last, "kept element", NULL);
        str_add(s, "\n");
    }
    const IrOp *sink = &ir->ops[ir->nops - 1];
    str_add(s, "  sink %s: %s to ", sink->name, sink->format);
    switch (sink->target) {
    case TGT_OUTPUT: str_add(s, "the -o PATH (standard output without -o)"); break;
    case TGT_STDOUT: str_add(s, "standard output"); break;
    case TGT_PATH: str_add(s, "a fixed path (-o overrides)"); break;
    case TGT_INPUT: break;
    }
    str_add(s, "; files are written to a temporary and renamed into place\n");
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *op = &ir->ops[i];
        if (!op->fallible)
            continue;
        if (op->policy == POLICY_DROP)
            str_add(s, "  errors in %s: drop (skipped and counted; the counts are printed)\n",
                    op->name);
        else if (op->policy == POLICY_COLLECT)
            str_add(s, "  errors in %s: collect (written as JSON lines to the error file, in "
                       "input order; the run goes on)\n", op->name);
        else
            str_add(s, "  errors in %s: fail_fast (the first failing element in input order "
                       "stops the run; no output file is written)\n", op->name);
    }
}

/* A DOT string: quotes and backslashes escaped, control bytes dropped. */
static void dot_str(Str *s, const char *p)
{
    str_add(s, "\"");
    for (; *p; p++) {
        if (*p == '"' || *p == '\\')
            str_add(s, "\\%c", *p);
        else if ((unsigned char)*p >= 0x20)
            str_addn(s, p, 1);
    }
    str_add(s, "\"");
}

/* The plan as a Graphviz digraph: a cluster per stage, an edge per
 * operator boundary (the merge dashed). */
void plan_dot(Str *s, const Plan *p)
{
    const Ir *ir = p->ir;
    str_add(s, "digraph ");
    dot_str(s, ir->name);
    str_add(s, " {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
    for (int k = 0; k < p->nstages; k++) {
        const Stage *st = &p->stages[k];
        str_add(s, "  subgraph cluster_stage%d {\n    label=", k + 1);
        dot_str(s, st->fname);
        str_add(s, ";\n    style=rounded;\n");
        /* A combine belongs to both stages: draw it once, in stage 1. */
        int first = k > 0 ? st->first + 1 : st->first;
        for (int i = first; i <= st->last; i++) {
            const IrOp *op = &ir->ops[i];
            Str label = {0};
            str_add(&label, "%s %s", op_info[op->kind].keyword, op->name);
            if (op->kind != OP_SINK && op->out) {
                str_add(&label, " : ");
                type_str(&label, op->out);
            }
            str_add(&label, "  (line %d)", op->line);
            if (op->materialize)
                str_add(&label, "  materialize: checkpoint");
            str_add(s, "    op%d [label=", i);
            dot_str(s, label.p);
            str_add(s, "%s%s];\n", op_info[op->kind].role == ROLE_COMBINE ? ", style=bold" : "",
                    op->materialize ? ", peripheries=2" : "");
            str_free(&label);
        }
        str_add(s, "  }\n");
    }
    for (int i = 0; i + 1 < ir->nops; i++)
        str_add(s, "  op%d -> op%d%s;\n", i, i + 1,
                i == p->combine ? " [label=\"merge\", style=dashed]" : "");
    str_add(s, "}\n");
}
