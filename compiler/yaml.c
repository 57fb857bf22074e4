/* yaml.c — YAML pipelines in the seed's schema (shared/seeds/001), read
 * with libyaml's document API into the same AST as a .fpipe file, so the
 * checker, the planner and the emitter do not know which one they got.
 *
 *   pipeline: rag_ingest
 *   link: [rag.c]
 *   types:   { RawDoc: { id: str, title: str, body: str }, ... }
 *   externs: { clean_doc: { params: { d: RawDoc }, returns: CleanDoc,
 *                           pure: true, fallible: true }, ... }
 *   source:  { name: docs, format: jsonl, type: RawDoc, error_policy: drop }
 *   operators:
 *     - type: Map
 *       name: clean
 *       func: clean_doc
 *       error_policy: drop
 *       in_type: FPResult[RawDoc]
 *       out_type: FPResult[CleanDoc]
 *     ...
 *   backend: omp
 *   resources: { workers: 2 }
 *
 * Every node keeps its place in the file: spans are byte offsets into the
 * YAML text, so diagnostics quote the YAML line with a caret under the
 * value.  Expressions and types inside scalars (`expr: len(x) > 3`,
 * `out_type: (str, i64)`) are parsed by the same lexer and grammar as
 * .fpipe files, in place (parse_expr_in, parse_type_in).
 */
#include "fpipec.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- places ------------------------------------------------------------- */

/* libyaml's marks count characters (mark.index, from 0, after a byte
 * order mark); spans are byte offsets.  Every MARK_STEP-th character's
 * byte offset is kept, so a mark becomes an offset in at most MARK_STEP
 * steps: linear in the file however many nodes it has (rescanning the
 * text for each node took 90 s for 20,000 operators). */
#define MARK_STEP 64

typedef struct Marks {
    const Source *src;
    uint32_t start;      /* 3 after a UTF-8 byte order mark */
    uint32_t *at;        /* at[i]: the byte offset of character i * MARK_STEP */
    size_t n;
} Marks;

static bool utf8_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/* Index the byte offset of every MARK_STEP-th character of src (after
 * a byte order mark). */
static void marks_init(Marks *m, Arena *a, const Source *src)
{
    const unsigned char *t = (const unsigned char *)src->text;
    m->src = src;
    m->start = src->len >= 3 && t[0] == 0xef && t[1] == 0xbb && t[2] == 0xbf ? 3 : 0;
    m->at = arena_alloc(a, (src->len / MARK_STEP + 2) * sizeof *m->at);
    m->n = 0;
    size_t chars = 0;
    for (size_t i = m->start; i < src->len; i++) {
        if (utf8_cont(t[i]))
            continue;
        if (chars % MARK_STEP == 0)
            m->at[m->n++] = (uint32_t)i;
        chars++;
    }
    if (chars % MARK_STEP == 0)
        m->at[m->n++] = (uint32_t)src->len;   /* the end, when it starts a step */
}

/* The byte offset of libyaml's mark mk: from the nearest indexed
 * character, stepping over UTF-8 continuation bytes. */
static uint32_t mark_off(const Marks *m, yaml_mark_t mk)
{
    size_t step = mk.index / MARK_STEP;
    if (step >= m->n)
        return (uint32_t)m->src->len;
    const unsigned char *t = (const unsigned char *)m->src->text;
    size_t p = m->at[step], end = m->src->len;
    for (size_t k = mk.index % MARK_STEP; k > 0 && p < end; k--) {
        p++;
        while (p < end && utf8_cont(t[p]))
            p++;
    }
    return (uint32_t)p;
}

typedef struct Y {
    Arena *a;
    Diags *d;
    const Source *src;
    Marks marks;
    yaml_document_t doc;
    Program *prog;
    bool parallel;           /* backend runs partitions in parallel */
    Span backend_span;
    const char *backend;
    int unknown;             /* unknown keys reported so far (no follow-on errors) */
} Y;

/* The span of node n in the file: a scalar's own bytes (inside its
 * quotes), a collection from its start to its end mark. */
static Span node_span(Y *y, yaml_node_t *n)
{
    uint32_t b = mark_off(&y->marks, n->start_mark), e = mark_off(&y->marks, n->end_mark);
    if (n->type == YAML_SCALAR_NODE && e > b) {
        /* The bytes of a plain scalar; inside the quotes of a quoted one.
         * Counted back from the end: an anchor or a tag may stand before. */
        if (n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
            n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
            e--;
        size_t len = n->data.scalar.length;
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
            n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
            n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
            if (len <= e - b)
                b = e - (uint32_t)len;
        }
    }
    if (n->type != YAML_SCALAR_NODE)
        e = b + 1;   /* the start of a mapping or sequence */
    Span s = {b, e > b ? e - b : 0};
    return s;
}

static yaml_node_t *node(Y *y, int i)
{
    return yaml_document_get_node(&y->doc, i);
}

/* A scalar as a C string: names, keys, paths and words.  An escaped NUL
 * ("p\0junk") would cut it short without a word: an error. */
static const char *scalar(Y *y, yaml_node_t *n)
{
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    if (memchr(v, 0, len)) {
        diag_at(y->d, DIAG_ERROR, node_span(y, n), "this scalar holds a NUL byte (\\0)");
        diag_hint(y->d, "names, keys and paths in a YAML pipeline hold no NUL byte");
    }
    return arena_strndup(y->a, v, len);
}

static const char *kind_name(yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? "a scalar"
           : n->type == YAML_SEQUENCE_NODE ? "a list" : "a mapping";
}

/* Is n of kind t?  Otherwise a located error naming what it is. */
static bool want(Y *y, yaml_node_t *n, yaml_node_type_t t, const char *what)
{
    if (n->type == t)
        return true;
    diag_at(y->d, DIAG_ERROR, node_span(y, n), "%s must be %s, not %s", what,
            t == YAML_SCALAR_NODE ? "a scalar" : t == YAML_SEQUENCE_NODE ? "a list" : "a mapping",
            kind_name(n));
    return false;
}

/* A scalar that can be an expression or a type: the source bytes must be
 * the value (plain or quoted without escapes). */
static bool verbatim(Y *y, yaml_node_t *n)
{
    Span s = node_span(y, n);
    if (s.len == n->data.scalar.length &&
        memcmp(y->src->text + s.off, n->data.scalar.value, s.len) == 0)
        return true;
    diag_at(y->d, DIAG_ERROR, s, "write this on one line, plain or in quotes without escapes");
    diag_hint(y->d, "fpipec parses it in place, so its bytes in the file must be the text");
    return false;
}

/* ---- mappings with known keys ------------------------------------------- */

typedef struct Field {
    const char *key;
    yaml_node_t *val;
    Span key_span;
} Field;

/* The pairs of mapping n, checked against the keys allowed: an unknown
 * key is an error with a suggestion, a repeated one too. */
static int fields(Y *y, yaml_node_t *n, const char *what, const char *const *keys, int nkeys,
                  Field *out, int max)
{
    int k = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(y, p->key), *vn = node(y, p->value);
        if (kn->type != YAML_SCALAR_NODE) {
            diag_at(y->d, DIAG_ERROR, node_span(y, kn), "a key of %s must be a scalar", what);
            continue;
        }
        const char *key = scalar(y, kn);
        bool known = nkeys < 0;
        for (int i = 0; i < nkeys; i++)
            known |= !strcmp(keys[i], key);
        if (!known) {
            y->unknown++;
            diag_at(y->d, DIAG_ERROR, node_span(y, kn), "unknown key '%s' in %s", key, what);
            const char *s = diag_suggest(key, keys, nkeys);
            if (s)
                diag_hint(y->d, "did you mean '%s'?", s);
            else {
                Str all = {0};
                for (int i = 0; i < nkeys; i++)
                    str_add(&all, "%s%s", i ? ", " : "", keys[i]);
                diag_hint(y->d, "the keys are %s", all.p);
                str_free(&all);
            }
            continue;
        }
        bool dup = false;
        for (int i = 0; i < k; i++)
            if (!strcmp(out[i].key, key)) {
                diag_at(y->d, DIAG_ERROR, node_span(y, kn), "'%s' is given twice", key);
                diag_at(y->d, DIAG_NOTE, out[i].key_span, "first given here");
                dup = true;
            }
        if (dup || k == max)
            continue;
        out[k++] = (Field){key, vn, node_span(y, kn)};
    }
    return k;
}

static yaml_node_t *get(Field *f, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(f[i].key, key))
            return f[i].val;
    return NULL;
}

static Span key_span(Field *f, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(f[i].key, key))
            return f[i].key_span;
    Span s = {0, 0};
    return s;
}

/* A boolean scalar (true/yes, false/no) into *v; else a located error. */
static bool is_true(Y *y, yaml_node_t *n, const char *what, bool *v)
{
    if (!want(y, n, YAML_SCALAR_NODE, what))
        return false;
    const char *s = scalar(y, n);
    if (!strcmp(s, "true") || !strcmp(s, "yes")) {
        *v = true;
        return true;
    }
    if (!strcmp(s, "false") || !strcmp(s, "no")) {
        *v = false;
        return true;
    }
    diag_at(y->d, DIAG_ERROR, node_span(y, n), "%s must be true or false, not '%s'", what, s);
    return false;
}

/* A decimal integer scalar in [lo, hi] into *v; else a located error. */
static bool integer(Y *y, yaml_node_t *n, const char *what, int64_t lo, int64_t hi, int64_t *v)
{
    if (!want(y, n, YAML_SCALAR_NODE, what))
        return false;
    const char *s = scalar(y, n);
    char *end;
    long long x = strtoll(s, &end, 10);
    if (!*s || *end || x < lo || x > hi) {
        diag_at(y->d, DIAG_ERROR, node_span(y, n), "%s must be an integer from %lld to %lld, "
                "not '%s'", what, (long long)lo, (long long)hi, s);
        return false;
    }
    *v = x;
    return true;
}

/* A name written as a scalar: an identifier, as in .fpipe. */
static bool ident(Y *y, yaml_node_t *n, const char *what, const char **out, Span *sp)
{
    if (!want(y, n, YAML_SCALAR_NODE, what))
        return false;
    const char *s = scalar(y, n);
    *sp = node_span(y, n);
    bool ok = (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_';
    for (const char *p = s; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             *p == '_';
    if (!ok) {
        diag_at(y->d, DIAG_ERROR, *sp, "%s must be a name (letters, digits, '_'), not '%s'", what,
                s);
        return false;
    }
    static const char *const keywords[] = {
        "pipeline", "source", "map", "filter", "flatmap", "batch_map", "combine",
        "combine_per_key", "top", "sink", "type", "extern", "link", "monoid", "on_error",
        "max_batch", "by", "retry", "if", "then", "else", "let", "in", "true", "false"};
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++) {
        if (!strcmp(s, keywords[i])) {
            diag_at(y->d, DIAG_ERROR, *sp, "'%s' is a keyword of fpipe, not a name", s);
            diag_hint(y->d, "the pipeline is also a .fpipe program (fpipec convert): choose "
                            "another name");
            return false;
        }
    }
    *out = s;
    return true;
}

/* A type: fpipe's syntax, or the seed's FPResult[T] (T; the operator's
 * error policy says what a failure does). */
static TypeExpr *type_of(Y *y, yaml_node_t *n, const char *what)
{
    if (!want(y, n, YAML_SCALAR_NODE, what) || !verbatim(y, n))
        return NULL;
    Span s = node_span(y, n);
    const char *t = y->src->text + s.off;
    if (s.len > 10 && !strncmp(t, "FPResult[", 9) && t[s.len - 1] == ']') {
        s.off += 9;
        s.len -= 10;
    }
    return parse_type_in(y->a, y->src, y->d, s);
}

static Expr *expr_of(Y *y, yaml_node_t *n, const char *what)
{
    if (!want(y, n, YAML_SCALAR_NODE, what) || !verbatim(y, n))
        return NULL;
    return parse_expr_in(y->a, y->src, y->d, node_span(y, n));
}

/* ---- declarations --------------------------------------------------------- */

static void read_types(Y *y, yaml_node_t *n)
{
    if (!want(y, n, YAML_MAPPING_NODE, "types"))
        return;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *name;
        Span sp;
        if (!ident(y, node(y, p->key), "a type name", &name, &sp))
            continue;
        yaml_node_t *fs = node(y, p->value);
        if (!want(y, fs, YAML_MAPPING_NODE, "a record type"))
            continue;
        RecordDecl *r = arena_alloc(y->a, sizeof *r);
        r->name = name;
        r->name_span = sp;
        for (yaml_node_pair_t *q = fs->data.mapping.pairs.start; q < fs->data.mapping.pairs.top;
             q++) {
            FieldDecl *f = arena_alloc(y->a, sizeof *f);
            if (!ident(y, node(y, q->key), "a field name", &f->name, &f->span))
                continue;
            f->type = type_of(y, node(y, q->value), "a field's type");
            if (f->type)
                vec_push(y->a, &r->fields, f);
        }
        vec_push(y->a, &y->prog->records, r);
    }
}

/* params: { NAME: {type: T, default: EXPR} }: `param NAME : T = EXPR`
 * (without default: required when the program starts). */
static void read_params(Y *y, yaml_node_t *n)
{
    if (!want(y, n, YAML_MAPPING_NODE, "params"))
        return;
    static const char *const keys[] = {"type", "default"};
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        ParamDecl *pd = arena_alloc(y->a, sizeof *pd);
        if (!ident(y, node(y, p->key), "a parameter name", &pd->name, &pd->name_span))
            continue;
        yaml_node_t *v = node(y, p->value);
        if (!want(y, v, YAML_MAPPING_NODE, "a parameter"))
            continue;
        Field f[4];
        int nf = fields(y, v, "a parameter", keys, 2, f, 4);
        yaml_node_t *t = get(f, nf, "type"), *dv = get(f, nf, "default");
        if (!t) {
            diag_at(y->d, DIAG_ERROR, node_span(y, v), "parameter '%s' needs 'type'", pd->name);
            diag_hint(y->d, "e.g. %s: {type: i64, default: 10}", pd->name);
            continue;
        }
        pd->type = type_of(y, t, "a parameter's type");
        pd->dflt = dv ? expr_of(y, dv, "a parameter's default") : NULL;
        if (pd->type && (!dv || pd->dflt))
            vec_push(y->a, &y->prog->params, pd);
    }
}

/* A name expression (an attribute such as pure, or a parameter). */
static Expr *attr(Y *y, const char *name, Span sp)
{
    Expr *e = arena_alloc(y->a, sizeof *e);
    e->kind = EX_NAME;
    e->sval = name;
    e->span = sp;
    e->builtin = -1;
    return e;
}

/* externs: { NAME: { params: {p: T}, returns: T, pure, fallible } }. */
static void read_externs(Y *y, yaml_node_t *n)
{
    if (!want(y, n, YAML_MAPPING_NODE, "externs"))
        return;
    static const char *const keys[] = {"params", "returns", "pure", "fallible"};
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        ExternDecl *x = arena_alloc(y->a, sizeof *x);
        if (!ident(y, node(y, p->key), "an extern's name", &x->name, &x->name_span))
            continue;
        yaml_node_t *m = node(y, p->value);
        if (!want(y, m, YAML_MAPPING_NODE, "an extern"))
            continue;
        Field f[8];
        int nf = fields(y, m, "an extern", keys, 4, f, 8);
        yaml_node_t *ps = get(f, nf, "params"), *ret = get(f, nf, "returns");
        if (ps && want(y, ps, YAML_MAPPING_NODE, "params")) {
            for (yaml_node_pair_t *q = ps->data.mapping.pairs.start;
                 q < ps->data.mapping.pairs.top; q++) {
                FieldDecl *fd = arena_alloc(y->a, sizeof *fd);
                if (!ident(y, node(y, q->key), "a parameter name", &fd->name, &fd->span))
                    continue;
                fd->type = type_of(y, node(y, q->value), "a parameter's type");
                if (fd->type)
                    vec_push(y->a, &x->params, fd);
            }
        }
        if (!ret) {
            diag_at(y->d, DIAG_ERROR, x->name_span, "extern '%s' has no 'returns: TYPE'",
                    x->name);
            continue;
        }
        x->ret = type_of(y, ret, "returns");
        bool v;
        yaml_node_t *pure = get(f, nf, "pure"), *fall = get(f, nf, "fallible");
        if (pure && is_true(y, pure, "pure", &v))
            vec_push(y->a, &x->attrs, attr(y, v ? "pure" : "impure", node_span(y, pure)));
        if (fall && is_true(y, fall, "fallible", &v) && v)
            vec_push(y->a, &x->attrs, attr(y, "fallible", node_span(y, fall)));
        if (x->ret)
            vec_push(y->a, &y->prog->externs, x);
    }
}

/* One linked C file. */
static void read_link(Y *y, yaml_node_t *n)
{
    if (!want(y, n, YAML_SCALAR_NODE, "a linked file"))
        return;
    LinkDecl *l = arena_alloc(y->a, sizeof *l);
    l->path = scalar(y, n);
    l->span = node_span(y, n);
    vec_push(y->a, &y->prog->links, l);
}

/* link: a path, or a list of paths. */
static void read_links(Y *y, yaml_node_t *n)
{
    if (n->type == YAML_SCALAR_NODE) {
        read_link(y, n);
    } else if (want(y, n, YAML_SEQUENCE_NODE, "link")) {
        for (yaml_node_item_t *i = n->data.sequence.items.start;
             i < n->data.sequence.items.top; i++)
            read_link(y, node(y, *i));
    }
}

/* A let binder (args[0] its name) for a parameter of a declared
 * monoid's combine, as the grammar builds one. */
static Expr *binder(Y *y, const char *name, Span sp)
{
    Expr *b = arena_alloc(y->a, sizeof *b);
    b->kind = EX_LET;
    b->span = b->name_span = sp;
    b->sval = name;
    b->builtin = -1;
    b->args = arena_alloc(y->a, 2 * sizeof *b->args);
    b->args[0] = attr(y, name, sp);
    return b;
}

/* monoids: { NAME: { type: T, empty: E, combine: E, params: [a, b],
 *                    laws: [associative, commutative] } } */
static void read_monoids(Y *y, yaml_node_t *n)
{
    if (!want(y, n, YAML_MAPPING_NODE, "monoids"))
        return;
    static const char *const keys[] = {"type", "empty", "combine", "params", "laws"};
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        MonoidDecl *m = arena_alloc(y->a, sizeof *m);
        if (!ident(y, node(y, p->key), "a monoid's name", &m->name, &m->name_span))
            continue;
        yaml_node_t *mn = node(y, p->value);
        if (!want(y, mn, YAML_MAPPING_NODE, "a monoid"))
            continue;
        Field f[8];
        int nf = fields(y, mn, "a monoid", keys, 5, f, 8);
        yaml_node_t *t = get(f, nf, "type"), *e = get(f, nf, "empty"), *c = get(f, nf, "combine");
        yaml_node_t *ps = get(f, nf, "params"), *laws = get(f, nf, "laws");
        if (!t) {
            diag_at(y->d, DIAG_ERROR, m->name_span, "monoid '%s' has no 'type: T'", m->name);
            continue;
        }
        m->type = type_of(y, t, "a monoid's type");
        m->empty = e ? expr_of(y, e, "empty") : NULL;
        m->combine = c ? expr_of(y, c, "combine") : NULL;
        const char *pa = "a", *pb = "b";
        Span sa = m->name_span, sb = m->name_span;
        if (ps && want(y, ps, YAML_SEQUENCE_NODE, "params")) {
            int np = (int)(ps->data.sequence.items.top - ps->data.sequence.items.start);
            if (np != 2) {
                diag_at(y->d, DIAG_ERROR, node_span(y, ps), "a monoid's combine has two "
                                                            "parameters, not %d", np);
            } else {
                ident(y, node(y, ps->data.sequence.items.start[0]), "a parameter", &pa, &sa);
                ident(y, node(y, ps->data.sequence.items.start[1]), "a parameter", &pb, &sb);
            }
        }
        if (m->combine) {
            m->a = binder(y, pa, sa);
            m->b = binder(y, pb, sb);
        }
        if (laws && want(y, laws, YAML_SEQUENCE_NODE, "laws")) {
            for (yaml_node_item_t *i = laws->data.sequence.items.start;
                 i < laws->data.sequence.items.top; i++) {
                const char *l;
                Span sl;
                if (ident(y, node(y, *i), "a law", &l, &sl))
                    vec_push(y->a, &m->laws, attr(y, l, sl));
            }
        }
        m->end_span = node_span(y, mn);
        if (m->type)
            vec_push(y->a, &y->prog->monoids, m);
    }
}

/* ---- operators ------------------------------------------------------------ */

static Expr *call1(Y *y, const char *fn, Span at, const char *arg)
{
    Expr *c = arena_alloc(y->a, sizeof *c);
    c->kind = EX_CALL;
    c->span = c->name_span = at;
    c->sval = fn;
    c->builtin = -1;
    c->nargs = 1;
    c->args = arena_alloc(y->a, sizeof *c->args);
    c->args[0] = attr(y, arg, at);
    if (!arg)
        c->nargs = 0;
    return c;
}

/* The keys header, delimiter and quote of a source or sink, as the
 * options the grammar reads in csv(input, header = false, ...): appended
 * to its format's call (the checker says which formats take them). */
static void format_options(Y *y, Field *f, int nf, Expr *call)
{
    static const char *const names[] = {"header", "delimiter", "quote"};
    for (int k = 0; k < 3; k++) {
        yaml_node_t *n = get(f, nf, names[k]);
        if (!n || !want(y, n, YAML_SCALAR_NODE, names[k]))
            continue;
        Expr *v = arena_alloc(y->a, sizeof *v);
        v->span = node_span(y, n);
        v->builtin = -1;
        if (k == 0) {
            bool b;
            if (!is_true(y, n, "header", &b))
                continue;
            v->kind = EX_BOOL;
            v->ival = b;
        } else {   /* all its bytes: the checker wants one */
            v->kind = EX_STR;
            v->sval = arena_strndup(y->a, (const char *)n->data.scalar.value,
                                    n->data.scalar.length);
            v->slen = n->data.scalar.length;
        }
        Expr *o = arena_alloc(y->a, sizeof *o);
        o->kind = EX_FIELD_INIT;
        o->sval = names[k];
        o->name_span = key_span(f, nf, names[k]);
        o->span = span_join(o->name_span, v->span);
        o->builtin = -1;
        o->args = arena_alloc(y->a, sizeof *o->args);
        o->args[0] = v;
        o->nargs = 1;
        Expr **args = arena_alloc(y->a, (size_t)(call->nargs + 1) * sizeof *args);
        memcpy(args, call->args, (size_t)call->nargs * sizeof *args);
        args[call->nargs++] = o;
        call->args = args;
    }
}

/* A new operator declaration, as the grammar would build it. */
static OpDecl *new_op(Y *y, OpKind k, const char *name, Span kw, Span name_span)
{
    OpDecl *o = arena_alloc(y->a, sizeof *o);
    o->kind = k;
    o->name = name;
    o->kw_span = kw;
    o->name_span = name_span;
    return o;
}

static const char *prev_name(Y *y)
{
    return y->prog->ops.n ? ((OpDecl *)y->prog->ops.v[y->prog->ops.n - 1])->name : "input";
}

static void policy_of(Y *y, yaml_node_t *n, OpDecl *o)
{
    if (!n || !want(y, n, YAML_SCALAR_NODE, "error_policy"))
        return;
    o->opt.policy = scalar(y, n);
    o->opt.policy_span = node_span(y, n);
}

/* source: { name: docs, format: text|csv|jsonl, type: T, error_policy: P,
 *           header: B, delimiter: C, quote: C } */
static void read_source(Y *y, yaml_node_t *n, Span at)
{
    static const char *const keys[] = {"name", "format", "type", "error_policy", "header",
                                       "delimiter", "quote"};
    if (!n) {
        diag_at(y->d, DIAG_ERROR, at, "the pipeline has no 'source'");
        diag_hint(y->d, "add e.g. source: { name: docs, format: jsonl, type: RawDoc }");
        return;
    }
    if (!want(y, n, YAML_MAPPING_NODE, "source"))
        return;
    Field f[8];
    int nf = fields(y, n, "the source", keys, 7, f, 8);
    const char *name = "source";
    Span ns = node_span(y, n);
    yaml_node_t *nn = get(f, nf, "name"), *fmt = get(f, nf, "format"), *t = get(f, nf, "type");
    if (nn)
        ident(y, nn, "the source's name", &name, &ns);
    const char *format = "text";
    Span fs = ns;
    if (fmt && want(y, fmt, YAML_SCALAR_NODE, "format")) {
        format = scalar(y, fmt);
        fs = node_span(y, fmt);
    }
    OpDecl *o = new_op(y, OP_SOURCE, name, node_span(y, n), ns);
    o->body = call1(y, format, fs, "input");
    format_options(y, f, nf, o->body);
    if (t)
        o->decl_type = type_of(y, t, "the source's type");
    policy_of(y, get(f, nf, "error_policy"), o);
    vec_push(y->a, &y->prog->ops, o);
}

static const struct {
    const char *name;
    OpKind kind;
} op_types[] = {
    {"Map", OP_MAP}, {"Filter", OP_FILTER}, {"FlatMap", OP_FLATMAP},
    {"BatchMap", OP_BATCH_MAP}, {"Combine", OP_COMBINE}, {"CombinePerKey", OP_COMBINE_PER_KEY},
    {"Top", OP_TOP}, {"Sink", OP_SINK},
};

/* One entry of operators: (Map, Filter, FlatMap, BatchMap, Combine,
 * CombinePerKey, Top, Sink) into an OpDecl, as the grammar would build
 * it; an unknown key is a located error. */
static void read_op(Y *y, yaml_node_t *n)
{
    static const char *const keys[] = {
        "type", "name", "func", "expr", "error_policy", "in_type", "out_type", "monoid",
        "lift", "per_key", "max_batch_size", "contract", "path", "n", "by", "header",
        "delimiter", "quote"};
    enum { NKEYS = sizeof keys / sizeof *keys };
    if (!want(y, n, YAML_MAPPING_NODE, "an operator"))
        return;
    Field f[NKEYS];
    int unknown = y->unknown;
    int nf = fields(y, n, "an operator", keys, NKEYS, f, NKEYS);
    bool typo = y->unknown > unknown;   /* a missing key may be the misspelt one */
    yaml_node_t *tn = get(f, nf, "type"), *nn = get(f, nf, "name");
    if (!tn || !nn) {
        if (typo)
            return;
        diag_at(y->d, DIAG_ERROR, node_span(y, n), "an operator needs '%s'",
                !tn ? "type" : "name");
        diag_hint(y->d, "e.g. - { type: Map, name: clean, func: clean_doc }");
        return;
    }
    if (!want(y, tn, YAML_SCALAR_NODE, "type"))
        return;
    const char *tname = scalar(y, tn);
    int k = -1;
    const char *names[sizeof op_types / sizeof *op_types];
    for (size_t i = 0; i < sizeof op_types / sizeof *op_types; i++) {
        names[i] = op_types[i].name;
        if (!strcmp(tname, op_types[i].name))
            k = (int)i;
    }
    if (k < 0) {
        diag_at(y->d, DIAG_ERROR, node_span(y, tn), "unknown operator type '%s'", tname);
        const char *s = diag_suggest(tname, names, (int)(sizeof names / sizeof *names));
        diag_hint(y->d, s ? "did you mean '%s'?" : "%s", s ? s
                  : "the types are Map, Filter, FlatMap, BatchMap, Combine, CombinePerKey, "
                    "Top, Sink");
        return;
    }
    OpKind kind = op_types[k].kind;
    /* Each key but the common ones belongs to some types only. */
    static const struct {
        const char *key;
        const char *types;
    } only[] = {
        {"func", "Map Filter FlatMap BatchMap Sink"}, {"expr", "Map Filter FlatMap BatchMap"},
        {"monoid", "Combine CombinePerKey"}, {"lift", "Combine CombinePerKey"},
        {"per_key", "Combine CombinePerKey"}, {"max_batch_size", "BatchMap"},
        {"contract", "Sink"}, {"path", "Sink"}, {"n", "Top"}, {"by", "Top"},
        {"header", "Sink"}, {"delimiter", "Sink"}, {"quote", "Sink"},
        {"out_type", "Map Filter FlatMap BatchMap Combine CombinePerKey Top"},
    };
    bool misplaced = false;
    for (size_t i = 0; i < sizeof only / sizeof *only; i++) {
        if (!get(f, nf, only[i].key))
            continue;
        const char *t = strstr(only[i].types, tname);
        size_t tl = strlen(tname);
        bool fits = false;
        for (; t; t = strstr(t + 1, tname))
            fits |= (t == only[i].types || t[-1] == ' ') && (t[tl] == ' ' || !t[tl]);
        if (!fits) {
            diag_at(y->d, DIAG_ERROR, key_span(f, nf, only[i].key), "'%s' is for %s, not %s",
                    only[i].key, only[i].types, tname);
            misplaced = true;
        }
    }
    if (misplaced)
        return;
    const char *name;
    Span ns;
    if (!ident(y, nn, "an operator's name", &name, &ns))
        return;
    yaml_node_t *func = get(f, nf, "func"), *ex = get(f, nf, "expr");
    yaml_node_t *mon = get(f, nf, "monoid"), *lift = get(f, nf, "lift");
    const char *in = prev_name(y);
    Span kw = node_span(y, tn);

    /* The seed's Combine: lift (a function of the element), then the
     * monoid; `per_key: true` folds (key, value) pairs per key. */
    if (kind == OP_COMBINE || kind == OP_COMBINE_PER_KEY) {
        bool per_key = kind == OP_COMBINE_PER_KEY;
        yaml_node_t *pk = get(f, nf, "per_key");
        if (pk)
            is_true(y, pk, "per_key", &per_key);
        if (lift) {
            const char *ln;
            Span ls;
            if (ident(y, lift, "lift", &ln, &ls)) {
                OpDecl *m = new_op(y, OP_MAP, arena_printf(y->a, "%s_lift", name), kw, ls);
                m->body = call1(y, ln, ls, in);
                policy_of(y, get(f, nf, "error_policy"), m);
                /* The seed's in_type of a Combine is what the lift takes. */
                if (get(f, nf, "in_type"))
                    m->in_type = type_of(y, get(f, nf, "in_type"), "in_type");
                vec_push(y->a, &y->prog->ops, m);
                in = m->name;
            }
        }
        if (!mon) {
            if (typo)
                return;
            diag_at(y->d, DIAG_ERROR, ns, "Combine '%s' needs 'monoid'", name);
            diag_hint(y->d, "e.g. monoid: sum, or a monoid declared under 'monoids'");
            return;
        }
        OpDecl *o = new_op(y, per_key ? OP_COMBINE_PER_KEY : OP_COMBINE, name, kw, ns);
        o->body = expr_of(y, mon, "monoid");
        if (!o->body)
            return;
        if (y->parallel) {
            /* The seed's rule: a parallel backend needs a commutative monoid. */
            Expr *b = o->body;
            Expr **items = b->kind == EX_TUPLE ? b->args : &o->body;
            int ni = b->kind == EX_TUPLE ? b->nargs : 1;
            for (int i = 0; i < ni; i++) {
                if (items[i]->kind != EX_NAME)
                    continue;
                for (int j = 0; j < y->prog->monoids.n; j++) {
                    MonoidDecl *md = y->prog->monoids.v[j];
                    bool comm = false;
                    for (int l = 0; l < md->laws.n; l++)
                        comm |= !strcmp(((Expr *)md->laws.v[l])->sval, "commutative");
                    if (!strcmp(md->name, items[i]->sval) && !comm) {
                        diag_at(y->d, DIAG_ERROR, items[i]->span, "backend '%s' needs a "
                                "commutative monoid, and '%s' is not declared commutative",
                                y->backend, md->name);
                        diag_hint(y->d, "add commutative to its laws if it is, or use "
                                        "backend: seq");
                    }
                }
            }
        }
        if (get(f, nf, "out_type"))
            o->decl_type = type_of(y, get(f, nf, "out_type"), "out_type");
        if (get(f, nf, "in_type") && !lift)
            o->in_type = type_of(y, get(f, nf, "in_type"), "in_type");
        vec_push(y->a, &y->prog->ops, o);
        return;
    }

    OpDecl *o = new_op(y, kind, name, kw, ns);
    if (kind == OP_SINK) {
        /* The seed's sinks are functions; fpipe's are formats: func names
         * one (tsv, csv, jsonl), `path` a fixed file (default: -o). */
        bool idem = false;
        yaml_node_t *ct = get(f, nf, "contract");
        if (ct && want(y, ct, YAML_MAPPING_NODE, "contract")) {
            static const char *const ckeys[] = {"idempotent"};
            Field cf[2];
            int ncf = fields(y, ct, "a contract", ckeys, 1, cf, 2);
            yaml_node_t *id = get(cf, ncf, "idempotent");
            if (id)
                is_true(y, id, "idempotent", &idem);
        }
        if (!idem) {
            diag_at(y->d, DIAG_ERROR, ns, "sink '%s' needs contract: {idempotent: true}", name);
            diag_hint(y->d, "a sink may be retried or rerun: fpipe's file sinks write a "
                            "temporary and rename it, which is idempotent");
        }
        const char *fmt = "tsv";
        Span fs = ns;
        if (func && want(y, func, YAML_SCALAR_NODE, "func")) {
            fmt = scalar(y, func);
            fs = node_span(y, func);
            static const char *const fmts[] = {"tsv", "csv", "jsonl"};
            Format sf = format_of(fmt);
            if (sf != FMT_TSV && sf != FMT_CSV && sf != FMT_JSONL) {
                diag_at(y->d, DIAG_ERROR, fs, "a sink's func is a format: tsv, csv or jsonl, "
                                              "not '%s'", fmt);
                const char *s = diag_suggest(fmt, fmts, 3);
                diag_hint(y->d, s ? "did you mean '%s'?" : "%s", s ? s
                          : "fpipe writes sinks itself, atomically; a C sink function is not "
                            "supported");
                return;
            }
        }
        yaml_node_t *path = get(f, nf, "path");
        o->body = call1(y, fmt, fs, "output");
        if (path && want(y, path, YAML_SCALAR_NODE, "path")) {
            Expr *s = arena_alloc(y->a, sizeof *s);
            s->kind = EX_STR;
            /* all its bytes: the checker refuses a NUL in an output path */
            s->sval = arena_strndup(y->a, (const char *)path->data.scalar.value,
                                    path->data.scalar.length);
            s->slen = path->data.scalar.length;
            s->span = node_span(y, path);
            s->builtin = -1;
            o->body->args[0] = s;
        }
        format_options(y, f, nf, o->body);
    } else if (kind == OP_TOP) {
        int64_t cnt = 0;
        yaml_node_t *nn2 = get(f, nf, "n"), *by = get(f, nf, "by");
        if (!nn2 || !integer(y, nn2, "n", 1, 1000000, &cnt)) {
            if (!nn2)
                diag_at(y->d, DIAG_ERROR, ns, "Top '%s' needs 'n'", name);
            return;
        }
        Expr *e = arena_alloc(y->a, sizeof *e);
        e->kind = EX_INT;
        e->ival = cnt;
        e->span = node_span(y, nn2);
        e->builtin = -1;
        o->body = e;
        if (by && want(y, by, YAML_SEQUENCE_NODE, "by")) {
            for (yaml_node_item_t *i = by->data.sequence.items.start;
                 i < by->data.sequence.items.top; i++) {
                yaml_node_t *kn = node(y, *i);
                SortKey *sk = arena_alloc(y->a, sizeof *sk);
                sk->desc = true;
                /* "EXPR" or { desc: EXPR } / { asc: EXPR } */
                if (kn->type == YAML_MAPPING_NODE && kn->data.mapping.pairs.top -
                                                         kn->data.mapping.pairs.start == 1) {
                    yaml_node_t *dk = node(y, kn->data.mapping.pairs.start->key);
                    const char *dir = dk->type == YAML_SCALAR_NODE ? scalar(y, dk) : "";
                    if (strcmp(dir, "asc") && strcmp(dir, "desc")) {
                        diag_at(y->d, DIAG_ERROR, node_span(y, dk), "expected asc or desc");
                        continue;
                    }
                    sk->desc = !strcmp(dir, "desc");
                    kn = node(y, kn->data.mapping.pairs.start->value);
                }
                sk->expr = expr_of(y, kn, "a sort key");
                if (sk->expr)
                    vec_push(y->a, &o->opt.by, sk);
            }
            o->opt.by_span = node_span(y, by);
        }
    } else {
        if (func && ex) {
            diag_at(y->d, DIAG_ERROR, key_span(f, nf, "expr"), "give func or expr, not both");
            return;
        }
        if (func) {
            const char *fn;
            Span fs;
            if (!ident(y, func, "func", &fn, &fs))
                return;
            o->body = call1(y, fn, fs, in);
        } else if (ex) {
            o->body = expr_of(y, ex, "expr");
            if (!o->body)
                return;
        } else {
            if (!typo)
                diag_at(y->d, DIAG_ERROR, ns, "%s '%s' needs 'func' (a function of '%s') or "
                        "'expr'", tname, name, in);
            return;
        }
        if (kind == OP_BATCH_MAP) {
            yaml_node_t *mb = get(f, nf, "max_batch_size");
            if (mb) {
                integer(y, mb, "max_batch_size", 1, 1000000, &o->opt.max_batch);
                o->opt.max_batch_span = node_span(y, mb);
            }
        }
    }
    policy_of(y, get(f, nf, "error_policy"), o);
    if (get(f, nf, "out_type") && kind != OP_SINK)
        o->decl_type = type_of(y, get(f, nf, "out_type"), "out_type");
    if (get(f, nf, "in_type"))
        o->in_type = type_of(y, get(f, nf, "in_type"), "in_type");
    vec_push(y->a, &y->prog->ops, o);
}

/* ---- the document ----------------------------------------------------------- */

/* Bounds checked before libyaml builds the document, whose flow collections
 * cost time quadratic in their depth (100,000 '[' took 25 s): the file's
 * size, then its nesting, by libyaml's event parser, which stops at the
 * first collection too deep.  A pipeline nests about 5 deep. */
#define YAML_MAX_BYTES ((size_t)64 << 20)
#define YAML_MAX_DEPTH 64

/* libyaml's parse error, located at its problem mark, with a hint on
 * indentation. */
static void parse_error(Y *y, yaml_parser_t *p)
{
    Span at = {mark_off(&y->marks, p->problem_mark), 1};
    if (at.off >= y->src->len)
        at.len = 0;
    diag_at(y->d, DIAG_ERROR, at, "YAML: %s%s%s", p->problem ? p->problem : "error",
            p->context ? " " : "", p->context ? p->context : "");
    diag_hint(y->d, "YAML nests by indentation: keys of one mapping start in the same "
                    "column, and tabs are not allowed there");
}

/* The whole stream, event by event: false (with an error) for a syntax
 * error, a collection nested deeper than YAML_MAX_DEPTH or a second
 * document. */
static bool prescan(Y *y)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        fputs("fpipec: out of memory\n", stderr);
        exit(2);
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)y->src->text, y->src->len);
    int depth = 0, docs = 0;
    bool ok = true, done = false;
    while (ok && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            parse_error(y, &p);
            ok = false;
            break;
        }
        Span at = {mark_off(&y->marks, ev.start_mark), 1};
        switch (ev.type) {
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth > YAML_MAX_DEPTH) {
                diag_at(y->d, DIAG_ERROR, at, "YAML nested deeper than %d lists and mappings",
                        YAML_MAX_DEPTH);
                diag_hint(y->d, "a pipeline nests about 5 deep; fpipec stops here");
                ok = false;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                if (at.off >= y->src->len)
                    at.len = 0;
                diag_at(y->d, DIAG_ERROR, at, "a second YAML document: a pipeline file "
                        "holds one");
                diag_hint(y->d, "write each pipeline in its own file");
                ok = false;
            }
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return ok;
}

Program *yaml_program(Arena *a, const Source *src, Diags *d)
{
    Y y = {.a = a, .d = d, .src = src};
    int errors_before = d->nerrors;
    if (src->len > YAML_MAX_BYTES) {
        Span top = {0, 0};
        diag_at(d, DIAG_ERROR, top, "the YAML file has %zu bytes; fpipec reads YAML "
                "pipelines of up to %zu MiB", src->len, YAML_MAX_BYTES >> 20);
        return NULL;
    }
    marks_init(&y.marks, a, src);
    if (!prescan(&y))
        return NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fputs("fpipec: out of memory\n", stderr);
        exit(2);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)src->text, src->len);
    if (!yaml_parser_load(&parser, &y.doc)) {
        parse_error(&y, &parser);
        yaml_parser_delete(&parser);
        return NULL;
    }
    yaml_parser_delete(&parser);
    y.prog = arena_alloc(a, sizeof *y.prog);
    yaml_node_t *root = yaml_document_get_root_node(&y.doc);
    Span top = {0, 0};
    if (!root) {
        diag_at(d, DIAG_ERROR, top, "the YAML file is empty");
        yaml_document_delete(&y.doc);
        return NULL;
    }
    if (!want(&y, root, YAML_MAPPING_NODE, "a YAML pipeline")) {
        yaml_document_delete(&y.doc);
        return NULL;
    }
    static const char *const keys[] = {
        "pipeline", "link", "types", "externs", "monoids", "source", "operators",
        "backend", "resources", "materialization_points", "params"};
    Field f[16];
    int nf = fields(&y, root, "the pipeline", keys, 11, f, 16);
    bool typo = y.unknown > 0;

    yaml_node_t *pn = get(f, nf, "pipeline");
    if (pn) {
        ident(&y, pn, "pipeline", &y.prog->name, &y.prog->name_span);
    } else {
        /* The seed's files have no name: the file's, without .yaml. */
        const char *base = strrchr(src->path, '/');
        base = base ? base + 1 : src->path;
        size_t n = strcspn(base, ".");
        y.prog->name = arena_strndup(a, base, n ? n : strlen(base));
        bool ok = n > 0;
        for (size_t i = 0; i < n; i++)
            ok &= (base[i] >= 'a' && base[i] <= 'z') || (base[i] >= 'A' && base[i] <= 'Z') ||
                  (base[i] >= '0' && base[i] <= '9' && i) || base[i] == '_';
        if (!ok)
            y.prog->name = "pipeline";
    }
    y.parallel = true;   /* the default runs on all cores */
    y.backend = "omp";
    yaml_node_t *be = get(f, nf, "backend");
    if (be && want(&y, be, YAML_SCALAR_NODE, "backend")) {
        y.backend = scalar(&y, be);
        y.backend_span = node_span(&y, be);
        if (!strcmp(y.backend, "seq") || !strcmp(y.backend, "sequential")) {
            y.prog->default_threads = 1;
            y.parallel = false;
        } else if (!strcmp(y.backend, "omp") || !strcmp(y.backend, "openmp")) {
            y.parallel = true;
        } else if (!strcmp(y.backend, "dask") || !strcmp(y.backend, "beam")) {
            y.parallel = true;
            diag_at(d, DIAG_WARNING, y.backend_span, "backend '%s' runs here as 'omp': all "
                    "cores of one machine", y.backend);
            diag_hint(d, "fpipe compiles to a native program; its backends are seq, omp and "
                         "mpi (fpipec build --backend mpi)");
        } else if (!strcmp(y.backend, "mpi")) {
            y.parallel = true;
            diag_at(d, DIAG_NOTE, y.backend_span, "build the MPI program with fpipec build "
                    "--backend mpi (and run it with mpirun)");
        } else {
            diag_at(d, DIAG_ERROR, y.backend_span, "unknown backend '%s'", y.backend);
            diag_hint(d, "the backends are seq, omp and mpi (dask and beam run as omp)");
        }
    }
    yaml_node_t *res = get(f, nf, "resources");
    if (res && want(&y, res, YAML_MAPPING_NODE, "resources")) {
        static const char *const rkeys[] = {"workers"};
        Field rf[2];
        int nr = fields(&y, res, "resources", rkeys, 1, rf, 2);
        yaml_node_t *w = get(rf, nr, "workers");
        int64_t v;
        if (w && integer(&y, w, "workers", 1, 4096, &v)) {
            if (!y.parallel)
                diag_at(d, DIAG_WARNING, node_span(&y, w), "backend seq runs one thread: "
                        "workers is ignored");
            else
                y.prog->default_threads = (int)v;
        }
    }
    if (get(f, nf, "link"))
        read_links(&y, get(f, nf, "link"));
    if (get(f, nf, "types"))
        read_types(&y, get(f, nf, "types"));
    if (get(f, nf, "params"))
        read_params(&y, get(f, nf, "params"));
    if (get(f, nf, "externs"))
        read_externs(&y, get(f, nf, "externs"));
    if (get(f, nf, "monoids"))
        read_monoids(&y, get(f, nf, "monoids"));
    Span rs = node_span(&y, root);
    if (get(f, nf, "source") || !typo)
        read_source(&y, get(f, nf, "source"), rs);
    yaml_node_t *ops = get(f, nf, "operators");
    if (!ops) {
        if (!typo)
            diag_at(d, DIAG_ERROR, rs, "the pipeline has no 'operators'");
    } else if (want(&y, ops, YAML_SEQUENCE_NODE, "operators")) {
        for (yaml_node_item_t *i = ops->data.sequence.items.start;
             i < ops->data.sequence.items.top; i++)
            read_op(&y, node(&y, *i));
    }
    /* materialization_points: the operators whose output is checkpointed,
     * the same as `materialize` after them in a .fpipe file (the checker
     * says where it is allowed). */
    yaml_node_t *mp = get(f, nf, "materialization_points");
    if (mp && want(&y, mp, YAML_SEQUENCE_NODE, "materialization_points")) {
        for (yaml_node_item_t *i = mp->data.sequence.items.start;
             i < mp->data.sequence.items.top; i++) {
            const char *mn;
            Span ms;
            if (!ident(&y, node(&y, *i), "a materialization point", &mn, &ms))
                continue;
            OpDecl *found = NULL;
            for (int k = 0; k < y.prog->ops.n; k++)
                if (!strcmp(((OpDecl *)y.prog->ops.v[k])->name, mn))
                    found = y.prog->ops.v[k];
            if (!found) {
                diag_at(d, DIAG_ERROR, ms, "materialization point '%s' is not an operator", mn);
            } else if (found->opt.materialize) {
                diag_at(d, DIAG_ERROR, ms, "materialization point '%s' is given twice", mn);
            } else {
                found->opt.materialize = true;
                found->opt.materialize_span = ms;
            }
        }
    }
    yaml_document_delete(&y.doc);
    if (d->nerrors > errors_before)
        return NULL;
    return y.prog;
}
