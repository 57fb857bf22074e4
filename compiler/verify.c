/* verify.c — fpipec verify: property tests for the laws fpipec cannot prove.
 *
 * For every declared monoid: identity on both sides, associativity, and
 * commutativity when it is claimed.  For every extern C function (all are
 * declared pure): the same arguments twice give the same bytes; for a
 * function used by a batch_map, any split of a batch gives the same
 * results, element by element, as the whole batch.
 *
 * The tests are a C program, generated here and compiled like `fpipec
 * build` compiles a pipeline: the monoids' NAME_empty / NAME_combine are
 * the functions emit.c writes into every program, the externs are the
 * linked C files themselves.  A pipeline whose combine has an f64 sum or
 * mean also gets the laws of the runtime's exact accumulators (fsum.c:
 * fp_xsum in keyed tables, fp_fsum for a global combine): merges are
 * associative, commutative and exact, on lists that force promotion out
 * of the inline window, cancel hugely, hold subnormals, infinities, NaN.
 * Every format_time call whose format says all of t: parse_time with the
 * same format reads back t; every trunc_time call: at most t, idempotent.
 * A pipeline using concatenation or a builtin of runtime/strings.c gets
 * their laws (nfc and casefold idempotent, + associative, ...).
 * Inputs are random (a fixed, printed seed) and
 * edge cases (0, -1, INT64_MIN, INT64_MAX, NaN, -0.0, infinities, empty
 * strings, NUL and high bytes).  f64 laws are first tested on values whose
 * arithmetic is exact (small integers and halves), where a failure is an
 * error; a failure seen only on other values is rounding, a warning.
 */
#include "fpipec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct Gen {
    Str *s;
    Arena *a;
    PtrVec types;            /* composite types with helpers, inner first */
} Gen;

/* One line of the generated test program. */
static void L(Gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void L(Gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(g->a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    str_addn(g->s, p, (size_t)n);
    str_add(g->s, "\n");
}

/* The helpers' suffix for a type: i64, f64, bool, str or tN. */
static const char *sfx(Gen *g, const Type *t)
{
    switch (t->kind) {
    case TY_I64: return "i64";
    case TY_F64: return "f64";
    case TY_BOOL: return "bool";
    case TY_STR: return "str";
    default:
        for (int i = 0; i < g->types.n; i++)
            if (g->types.v[i] == t)
                return arena_printf(g->a, "t%d", i);
        return "bad";
    }
}

/* Whether t holds an f64 anywhere (f64 laws are checked up to rounding). */
static bool has_f64(const Type *t)
{
    if (t->kind == TY_F64)
        return true;
    if (t->kind == TY_LIST)
        return has_f64(t->elem);
    for (int i = 0; i < t->n && (t->kind == TY_TUPLE || t->kind == TY_RECORD); i++)
        if (has_f64(t->elems[i]))
            return true;
    return false;
}

/* Whether a counterexample of type t can be shrunk: scalars and tuples
 * of them (what monoids fold). */
static bool shrinkable(const Type *t)
{
    if (type_is_scalar(t))
        return true;
    if (t->kind != TY_TUPLE)
        return false;
    for (int i = 0; i < t->n; i++)
        if (!shrinkable(t->elems[i]))
            return false;
    return true;
}

/* gen_T, same_T and show_T for a composite type, its parts first (and
 * leaves_T, simplify_T for a tuple of scalars). */
static void need(Gen *g, const Type *t)
{
    if (t->kind != TY_TUPLE && t->kind != TY_RECORD && t->kind != TY_LIST && t->kind != TY_OPT)
        return;
    for (int i = 0; i < g->types.n; i++)
        if (g->types.v[i] == t)
            return;
    if (t->kind == TY_OPT) {   /* T?: none one time in four, else a T */
        vec_push(g->a, &g->types, (void *)t);
        const char *c = emit_ctype(g->a, t), *x = sfx(g, t), *e = sfx(g, t->elem);
        L(g, "static inline %s gen_%s(void)", c, x);
        L(g, "{");
        L(g, "    %s v = {false, 0};", c);
        L(g, "    if (rnd() %% 4 != 0) {");
        L(g, "        v.has = true;");
        L(g, "        v.v = gen_%s();", e);
        L(g, "    }");
        L(g, "    return v;");
        L(g, "}");
        L(g, "static inline bool same_%s(%s a, %s b)", x, c, c);
        L(g, "{");
        L(g, "    return a.has == b.has && (!a.has || same_%s(a.v, b.v));", e);
        L(g, "}");
        L(g, "static inline void show_%s(%s v)", x, c);
        L(g, "{");
        L(g, "    if (v.has)");
        L(g, "        show_%s(v.v);", e);
        L(g, "    else");
        L(g, "        fputs(\"none\", stdout);");
        L(g, "}");
        return;
    }
    if (t->kind == TY_LIST)
        need(g, t->elem);
    else
        for (int i = 0; i < t->n; i++)
            need(g, t->elems[i]);
    vec_push(g->a, &g->types, (void *)t);
    const char *c = emit_ctype(g->a, t), *x = sfx(g, t);
    if (t->kind == TY_LIST) {
        const char *e = sfx(g, t->elem);
        L(g, "static inline %s gen_%s(void)", c, x);
        L(g, "{");
        L(g, "    %s v;", c);
        L(g, "    v.n = (int64_t)(rnd() %% 6);");
        L(g, "    v.items = fp_arena_alloc(W.arena, (size_t)(v.n + 1) * sizeof *v.items);");
        L(g, "    for (int64_t i = 0; i < v.n; i++)");
        L(g, "        v.items[i] = gen_%s();", e);
        L(g, "    return v;");
        L(g, "}");
        L(g, "static inline bool same_%s(%s a, %s b)", x, c, c);
        L(g, "{");
        L(g, "    if (a.n != b.n)");
        L(g, "        return false;");
        L(g, "    for (int64_t i = 0; i < a.n; i++)");
        L(g, "        if (!same_%s(a.items[i], b.items[i]))", e);
        L(g, "            return false;");
        L(g, "    return true;");
        L(g, "}");
        L(g, "static inline void show_%s(%s v)", x, c);
        L(g, "{");
        L(g, "    putchar('[');");
        L(g, "    for (int64_t i = 0; i < v.n; i++) {");
        L(g, "        if (i)");
        L(g, "            fputs(\", \", stdout);");
        L(g, "        show_%s(v.items[i]);", e);
        L(g, "    }");
        L(g, "    putchar(']');");
        L(g, "}");
        return;
    }
    bool rec = t->kind == TY_RECORD;
    L(g, "static inline %s gen_%s(void)", c, x);
    L(g, "{");
    L(g, "    %s v;", c);
    for (int i = 0; i < t->n; i++) {
        if (rec)
            L(g, "    v.%s = gen_%s();", t->cfields[i], sfx(g, t->elems[i]));
        else
            L(g, "    v.f%d = gen_%s();", i, sfx(g, t->elems[i]));
    }
    L(g, "    return v;");
    L(g, "}");
    L(g, "static inline bool same_%s(%s a, %s b)", x, c, c);
    L(g, "{");
    for (int i = 0; i < t->n; i++) {
        const char *f = rec ? t->cfields[i] : arena_printf(g->a, "f%d", i);
        L(g, "    if (!same_%s(a.%s, b.%s))", sfx(g, t->elems[i]), f, f);
        L(g, "        return false;");
    }
    L(g, "    return true;");
    L(g, "}");
    L(g, "static inline void show_%s(%s v)", x, c);
    L(g, "{");
    if (rec)
        L(g, "    fputs(\"%s { \", stdout);", t->name);
    else
        L(g, "    putchar('(');");
    for (int i = 0; i < t->n; i++) {
        const char *f = rec ? t->cfields[i] : arena_printf(g->a, "f%d", i);
        if (rec)
            L(g, "    fputs(\"%s%s: \", stdout);", i ? ", " : "", t->fields[i]);
        else if (i)
            L(g, "    fputs(\", \", stdout);");
        L(g, "    show_%s(v.%s);", sfx(g, t->elems[i]), f);
    }
    L(g, "    fputs(\"%s\", stdout);", rec ? " }" : ")");
    L(g, "}");
    if (!shrinkable(t))
        return;   /* monoids fold scalars and tuples: only they are shrunk */
    L(g, "static inline int leaves_%s(void)", x);
    L(g, "{");
    Str n = {0};
    for (int i = 0; i < t->n; i++)
        str_add(&n, "%sleaves_%s()", i ? " + " : "", sfx(g, t->elems[i]));
    L(g, "    return %s;", n.p);
    str_free(&n);
    L(g, "}");
    L(g, "static inline bool simplify_%s(%s *v, int leaf, int kind)", x, c);
    L(g, "{");
    for (int i = 0; i < t->n; i++) {
        const char *e = sfx(g, t->elems[i]);
        L(g, "    if (leaf < leaves_%s())", e);
        L(g, "        return simplify_%s(&v->f%d, leaf, kind);", e, i);
        L(g, "    leaf -= leaves_%s();", e);
    }
    L(g, "    return false;");
    L(g, "}");
}

/* The fixed part: random numbers, edge cases, the scalar helpers. */
static const char *prelude =
    "#include <float.h>\n"
    "#include <signal.h>\n"
    "#include <math.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "\n"
    "static uint64_t rng_state;\n"
    "static inline uint64_t rnd(void)   /* splitmix64 */\n"
    "{\n"
    "    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));\n"
    "    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);\n"
    "    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);\n"
    "    return z ^ (z >> 31);\n"
    "}\n"
    "static fp_worker W;\n"
    "static int exact_mode;   /* f64: only values whose arithmetic is exact */\n"
    "static int errors, warnings;\n"
    "static const char *testing = \"\";   /* file:line:col: what, for a crash */\n"
    "static void crashed(int sig)\n"
    "{\n"
    "    fflush(stdout);\n"
    "    printf(\"%s crashed (signal %d) on a generated input\\n\", testing, sig);\n"
    "    fflush(stdout);\n"
    "    _Exit(1);\n"
    "}\n"
    "static const fp_site vsite __attribute__((unused)) = {\"verify\", \"verify\", 0, 0, 0};\n"
    "\n"
    "static const int64_t edge_i64[] = {0, 1, -1, 2, -2, 7, 1000, INT64_MIN, INT64_MAX,\n"
    "                                   INT64_MIN + 1, INT64_MAX - 1};\n"
    "static const double edge_f64[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 1e16, -1e16, NAN,\n"
    "                                  INFINITY, -INFINITY, DBL_MAX, -DBL_MAX, DBL_MIN,\n"
    "                                  4.9406564584124654e-324};\n"
    "static const double exact_f64[] = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0, -7.0, 1024.0,\n"
    "                                   -1048576.0};\n"
    "#define NEDGE(a) ((int)(sizeof a / sizeof a[0]))\n"
    "\n"
    "static inline int64_t gen_i64(void)\n"
    "{\n"
    "    uint64_t r = rnd();\n"
    "    switch (r % 4) {\n"
    "    case 0: return edge_i64[(r >> 8) % NEDGE(edge_i64)];\n"
    "    case 1: return (int64_t)((r >> 8) % 201) - 100;\n"
    "    default: { uint64_t u = rnd(); int64_t v; memcpy(&v, &u, sizeof v); return v; }\n"
    "    }\n"
    "}\n"
    "static inline double gen_f64(void)\n"
    "{\n"
    "    uint64_t r = rnd();\n"
    "    if (exact_mode)\n"
    "        return r % 2 ? exact_f64[(r >> 8) % NEDGE(exact_f64)]\n"
    "                     : (double)((int64_t)((r >> 8) % 2001) - 1000) / 2.0;\n"
    "    switch (r % 5) {\n"
    "    case 0: case 1: return edge_f64[(r >> 8) % NEDGE(edge_f64)];\n"
    "    case 2: return (double)((int64_t)((r >> 8) % 201) - 100);\n"
    "    case 3: return (double)(rnd() >> 11) / 9007199254740992.0 * 2000.0 - 1000.0;\n"
    "    default: { uint64_t u = rnd(); double d; memcpy(&d, &u, sizeof d); return d; }\n"
    "    }\n"
    "}\n"
    "static inline bool gen_bool(void) { return rnd() & 1; }\n"
    "static inline fp_str gen_str(void)\n"
    "{\n"
    "    static const char alpha[] = \"abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 .,;:-_\\t\\n\\\"\\\\\";\n"
    "    uint64_t r = rnd();\n"
    "    size_t n = r % 8 == 0 ? 0 : r % 8 == 1 ? 1 : r % 8 == 7 ? (r >> 8) % 300 : (r >> 8) % 24;\n"
    "    char *p = fp_arena_alloc(W.arena, n + FP_PAD);\n"
    "    memset(p + n, 0, FP_PAD);\n"
    "    for (size_t i = 0; i < n; i++) {\n"
    "        uint64_t c = rnd();\n"
    "        p[i] = c % 16 == 0 ? (char)(c >> 8) : alpha[(c >> 8) % (sizeof alpha - 1)];\n"
    "    }\n"
    "    return fp_str_lit(p, n);\n"
    "}\n"
    "static inline bool same_i64(int64_t a, int64_t b) { return a == b; }\n"
    "static inline bool same_bool(bool a, bool b) { return a == b; }\n"
    "static inline bool same_f64(double a, double b)   /* the same bytes; NaNs are NaN */\n"
    "{\n"
    "    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;\n"
    "}\n"
    "static inline bool same_str(fp_str a, fp_str b)\n"
    "{\n"
    "    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);\n"
    "}\n"
    "/* A simpler value in place of *v (false if it would be the same). */\n"
    "static inline int leaves_i64(void) { return 1; }\n"
    "static inline int leaves_f64(void) { return 1; }\n"
    "static inline int leaves_bool(void) { return 1; }\n"
    "static inline int leaves_str(void) { return 1; }\n"
    "static inline bool simplify_i64(int64_t *v, int leaf, int kind)\n"
    "{\n"
    "    int64_t n = kind == 0 ? 0 : kind == 1 ? 1 : kind == 2 ? -1 : *v / 2;\n"
    "    uint64_t mn = n < 0 ? -(uint64_t)n : (uint64_t)n, mv = *v < 0 ? -(uint64_t)*v : (uint64_t)*v;\n"
    "    if (leaf || !(mn < mv || (mn == mv && n > *v)))   /* smaller, or positive */\n"
    "        return false;\n"
    "    *v = n;\n"
    "    return true;\n"
    "}\n"
    "static inline bool simplify_f64(double *v, int leaf, int kind)\n"
    "{\n"
    "    double n = kind == 0 ? 0.0 : kind == 1 ? 1.0 : kind == 2 ? -1.0 : trunc(*v / 2.0);\n"
    "    double mv = isnan(*v) ? INFINITY : fabs(*v);\n"
    "    if (leaf || isnan(n) || !(fabs(n) < mv || (fabs(n) == mv && n > *v) ||\n"
    "                              (isnan(*v) && isinf(n))))\n"
    "        return false;\n"
    "    *v = n;\n"
    "    return true;\n"
    "}\n"
    "static inline bool simplify_bool(bool *v, int leaf, int kind)\n"
    "{\n"
    "    if (leaf || kind > 0 || !*v)\n"
    "        return false;\n"
    "    *v = false;\n"
    "    return true;\n"
    "}\n"
    "static inline bool simplify_str(fp_str *v, int leaf, int kind)\n"
    "{\n"
    "    size_t n = kind == 0 ? 0 : kind == 1 ? v->n / 2 : v->n;\n"
    "    if (leaf || n >= v->n)   /* the empty string, or its first half */\n"
    "        return false;\n"
    "    v->n = n;\n"
    "    return true;\n"
    "}\n"
    "static inline void show_i64(int64_t v) { printf(\"%lld\", (long long)v); }\n"
    "static inline void show_bool(bool v) { fputs(v ? \"true\" : \"false\", stdout); }\n"
    "static inline void show_f64(double v)\n"
    "{\n"
    "    if (isnan(v)) { fputs(\"nan\", stdout); return; }\n"
    "    if (isinf(v)) { fputs(v > 0 ? \"inf\" : \"-inf\", stdout); return; }\n"
    "    char b[40];\n"
    "    snprintf(b, sizeof b, \"%.17g\", v);\n"
    "    fputs(b, stdout);\n"
    "    if (!strpbrk(b, \".e\"))\n"
    "        fputs(\".0\", stdout);\n"
    "}\n"
    "static inline void show_str(fp_str v)\n"
    "{\n"
    "    putchar('\"');\n"
    "    for (size_t i = 0; i < v.n; i++) {\n"
    "        unsigned char c = (unsigned char)v.p[i];\n"
    "        if (c == '\"' || c == '\\\\') printf(\"\\\\%c\", c);\n"
    "        else if (c == '\\n') fputs(\"\\\\n\", stdout);\n"
    "        else if (c == '\\t') fputs(\"\\\\t\", stdout);\n"
    "        else if (c < 0x20 || c >= 0x7f) printf(\"\\\\x%02x\", c);\n"
    "        else putchar(c);\n"
    "    }\n"
    "    putchar('\"');\n"
    "}\n"
    "static void report(const char *loc, int error, const char *what)\n"
    "{\n"
    "    printf(\"%s: %s: %s\\n\", loc, error ? \"error\" : \"warning\", what);\n"
    "    if (error) errors++; else warnings++;\n"
    "}\n"
    "\n";

static Arena *a_of(Gen *g)
{
    return g->a;
}

/* "file:line:col" of a span. */
static const char *loc_str(Gen *g, const Ir *ir, Span sp)
{
    int line, col;
    diag_line_col(ir->src, sp.off, &line, &col);
    return arena_printf(g->a, "%s:%d:%d", ir->src->path, line, col);
}

/* "file:line:col" of a span, as a C string literal. */
static const char *loc_lit(Gen *g, const Ir *ir, Span sp)
{
    int line, col;
    diag_line_col(ir->src, sp.off, &line, &col);
    const char *loc = arena_printf(g->a, "%s:%d:%d", ir->src->path, line, col);
    Str s = {0};
    emit_c_string(&s, loc, strlen(loc));
    const char *r = arena_strndup(g->a, s.p, s.n);
    str_free(&s);
    return r;
}

enum { MONOID_TRIALS = 20000, EXTERN_TRIALS = 300, SPLIT_TRIALS = 200 };

/* The tests of declared monoid m (the k-th): identity on both sides,
 * associativity and, when claimed, commutativity, on random and edge
 * values, with a shrunk counterexample printed on failure. */
static void gen_monoid(Gen *g, const Ir *ir, const UserMonoid *m, int k)
{
    const char *T = emit_ctype(g->a, m->type), *x = sfx(g, m->type);
    const char *loc = loc_lit(g, ir, m->span);
    bool f64 = has_f64(m->type);
    bool scalar = m->type->kind != TY_TUPLE;
    L(g, "/* monoid %s (line %d) */", m->name, m->line);
    L(g, "static void law_%d(int law, int error, %s a, %s b, %s c, %s l, %s r)", k, T, T, T,
      T, T);
    L(g, "{");
    L(g, "    static const char *const what[2][4] = {");
    L(g, "        {\"monoid '%s' has no identity: combine(empty, a) != a\",", m->name);
    L(g, "         \"monoid '%s' has no identity: combine(a, empty) != a\",", m->name);
    L(g, "         \"monoid '%s' is not associative\",", m->name);
    L(g, "         \"monoid '%s' is not commutative\"},", m->name);
    L(g, "        {\"monoid '%s': identity (combine(empty, a) == a) holds only up to f64 "
         "rounding\",", m->name);
    L(g, "         \"monoid '%s': identity (combine(a, empty) == a) holds only up to f64 "
         "rounding\",", m->name);
    L(g, "         \"monoid '%s': associativity holds only up to f64 rounding\",", m->name);
    L(g, "         \"monoid '%s': commutativity holds only up to f64 rounding\"}};", m->name);
    L(g, "    report(%s, error, what[!error][law]);", loc);
    L(g, "    fputs(error ? \"    counterexample: \" : \"    example: \", stdout);");
    L(g, "    fputs(\"a = \", stdout); show_%s(a);", x);
    L(g, "    if (law >= 2) { fputs(\", b = \", stdout); show_%s(b); }", x);
    L(g, "    if (law == 2) { fputs(\", c = \", stdout); show_%s(c); }", x);
    L(g, "    putchar('\\n');");
    L(g, "    static const char *const lhs[] = {\"combine(empty, a)\", \"combine(a, empty)\",");
    L(g, "        \"combine(combine(a, b), c)\", \"combine(a, b)\"};");
    L(g, "    static const char *const rhs[] = {\"a\", \"a\", \"combine(a, combine(b, c))\",");
    L(g, "        \"combine(b, a)\"};");
    L(g, "    printf(\"    %%-26s = \", lhs[law]); show_%s(l); putchar('\\n');", x);
    L(g, "    printf(\"    %%-26s = \", rhs[law]); show_%s(r); putchar('\\n');", x);
    L(g, "    static const char *const hint[] = {");
    L(g, "        \"empty must leave every value as it is, on both sides of combine\",");
    L(g, "        \"empty must leave every value as it is, on both sides of combine\",");
    L(g, "        \"a combine folds partitions in parallel and needs (a + b) + c == a + (b + c): "
         "fix combine, or remove 'associative' (no combine may use the monoid then)\",");
    L(g, "        \"remove 'commutative': the monoid is then merged in partition order, and "
         "the output stays the same for every thread count\"};");
    L(g, "    if (error)");
    L(g, "        printf(\"    = hint: %%s\\n\", hint[law]);");
    L(g, "    else if (law < 2)");
    L(g, "        printf(\"    = note: when it is -0.0 that changes: 0.0 + -0.0 is 0.0, and -0.0 (not 0.0) is "
         "the exact identity of f64 addition\\n\");");
    L(g, "    else");
    L(g, "        printf(\"    = note: it holds exactly on values whose f64 arithmetic is exact; "
         "f64 folds run in partition order, so the output is the same for every --threads and "
         "depends only on --partition-size\\n\");");
    L(g, "}");
    /* Whether a law holds for (a, b, c); *l and *r are its two sides. */
    L(g, "static bool holds_%d(int law, %s a, %s b, %s c, %s *l, %s *r)", k, T, T, T, T, T);
    L(g, "{");
    L(g, "    %s e = %s_empty();", T, m->cname);
    L(g, "    switch (law) {");
    L(g, "    case 0: *l = %s_combine(e, a); *r = a; break;", m->cname);
    L(g, "    case 1: *l = %s_combine(a, e); *r = a; break;", m->cname);
    L(g, "    case 2: *l = %s_combine(%s_combine(a, b), c); *r = %s_combine(a, %s_combine(b, c)); "
         "break;", m->cname, m->cname, m->cname, m->cname);
    L(g, "    default: *l = %s_combine(a, b); *r = %s_combine(b, a); break;", m->cname, m->cname);
    L(g, "    }");
    L(g, "    return same_%s(*l, *r);", x);
    L(g, "}");
    /* A smaller counterexample: each scalar made 0, 1, -1 or halved while
     * the law still fails. */
    L(g, "static void shrink_%d(int law, %s *a, %s *b, %s *c)", k, T, T, T);
    L(g, "{");
    L(g, "    %s *v[3] = {a, b, c};", T);
    L(g, "    for (int round = 0, progress = 1; progress && round < 200; round++) {");
    L(g, "        progress = 0;");
    L(g, "        for (int i = 0; i < 3; i++)");
    L(g, "            for (int leaf = 0; leaf < leaves_%s(); leaf++)", x);
    L(g, "                for (int kind = 0; kind < 4; kind++) {");
    L(g, "                    %s keep = *v[i], l, r;", T);
    L(g, "                    if (!simplify_%s(v[i], leaf, kind) || holds_%d(law, *a, *b, *c, &l, &r))", x, k);
    L(g, "                        *v[i] = keep;");
    L(g, "                    else");
    L(g, "                        progress = 1;");
    L(g, "                }");
    L(g, "    }");
    L(g, "}");
    L(g, "static void test_%d(void)", k);
    L(g, "{");
    /* failed[law]: 1 an error, 2 a warning, 3 not claimed */
    L(g, "    int failed[4] = {0, 0, 0, %d};", m->commutative ? 0 : 3);
    L(g, "    long cases = 0;");
    /* Family 0: every value (f64: exact arithmetic only); family 1 (f64
     * only): every value, rounding included. */
    L(g, "    for (int fam = 0; fam < %d; fam++) {", f64 ? 2 : 1);
    L(g, "        exact_mode = fam == 0 && %d;", f64 ? 1 : 0);
    L(g, "        int error = fam == 0;");
    L(g, "        int nedge = %s;", !scalar                 ? "0"
                                    : m->type == &ty_i64    ? "NEDGE(edge_i64)"
                                    : m->type == &ty_bool   ? "2"
                                                            : "(fam == 0 ? NEDGE(exact_f64) : "
                                                              "NEDGE(edge_f64))");
    L(g, "        long n = (long)nedge * nedge * nedge + %d;", MONOID_TRIALS);
    L(g, "        for (long i = 0; i < n; i++) {");
    L(g, "            %s a, b, c;", T);
    if (scalar) {
        const char *edge = m->type == &ty_i64    ? "edge_i64[%s]"
                           : m->type == &ty_bool ? "(bool)(%s)"
                                                 : "(fam == 0 ? exact_f64[%s] : edge_f64[%s])";
        const char *ia = "i % nedge", *ib = "i / nedge % nedge", *ic = "i / nedge / nedge";
        L(g, "            if (i < (long)nedge * nedge * nedge) {");
        L(g, "                a = %s;", arena_printf(g->a, edge, ia, ia));
        L(g, "                b = %s;", arena_printf(g->a, edge, ib, ib));
        L(g, "                c = %s;", arena_printf(g->a, edge, ic, ic));
        L(g, "            } else {");
        L(g, "                a = gen_%s(); b = gen_%s(); c = gen_%s();", x, x, x);
        L(g, "            }");
    } else {
        L(g, "            a = gen_%s(); b = gen_%s(); c = gen_%s();", x, x, x);
    }
    L(g, "            cases++;");
    L(g, "            for (int law = 0; law < 4; law++) {");
    L(g, "                %s l, r;", T);
    L(g, "                if (failed[law] || holds_%d(law, a, b, c, &l, &r))", k);
    L(g, "                    continue;");
    L(g, "                shrink_%d(law, &a, &b, &c);", k);
    L(g, "                holds_%d(law, a, b, c, &l, &r);", k);
    L(g, "                law_%d(law, error, a, b, c, l, r);", k);
    L(g, "                failed[law] = error ? 1 : 2;");
    L(g, "            }");
    L(g, "        }");
    L(g, "    }");
    L(g, "    if (failed[0] != 1 && failed[1] != 1 && failed[2] != 1 && failed[3] != 1)");
    L(g, "        printf(\"ok - monoid %s (line %d): identity, associative%s (%%ld cases%%s)\\n\", "
         "cases, failed[0] || failed[1] || failed[2] || failed[3] == 2 ? \", up to f64 rounding\" "
         ": \"\");", m->name, m->line, m->commutative ? ", commutative" : "");
    L(g, "}");
    L(g, "%s", "");
}

static bool is_batch_fn(const Ir *ir, const Extern *x)
{
    for (int i = 0; i < ir->nops; i++)
        if (ir->ops[i].kind == OP_BATCH_MAP && ir->ops[i].batch_fn == x)
            return true;
    return false;
}

/* A plain extern: the same arguments twice, the same result (or the same
 * failure). */
static void gen_extern(Gen *g, const Ir *ir, const Extern *x, int k)
{
    const char *loc = loc_lit(g, ir, x->span);
    const char *R = emit_ctype(g->a, x->ret), *rx = sfx(g, x->ret);
    L(g, "/* extern %s (line %d) */", x->name, x->line);
    L(g, "static %s call_%d(const char **err%s", R, k, x->nparams ? "," : ")");
    for (int i = 0; i < x->nparams; i++)
        L(g, "    %s p%d%s", emit_ctype(g->a, x->params[i]), i,
          i + 1 < x->nparams ? "," : ")");
    L(g, "{");
    L(g, "    W.failed = 0;");
    L(g, "    W.err_msg = NULL;");
    L(g, "    W.ext_site = %s;", x->fallible ? "&vsite" : "NULL");
    Str args = {0};
    for (int i = 0; i < x->nparams; i++)
        str_add(&args, ", p%d", i);
    L(g, "    %s r = %s(&W%s);", R, x->name, args.n ? args.p : "");
    L(g, "    *err = W.failed ? W.err_msg : NULL;");
    L(g, "    return r;");
    L(g, "}");
    L(g, "static void test_%d(void)", k);
    L(g, "{");
    L(g, "    for (int i = 0; i < %d; i++) {", EXTERN_TRIALS);
    L(g, "        fp_arena_reset(W.arena);");
    for (int i = 0; i < x->nparams; i++)
        L(g, "        %s p%d = gen_%s();", emit_ctype(g->a, x->params[i]), i,
          sfx(g, x->params[i]));
    Str pargs = {0};
    for (int i = 0; i < x->nparams; i++)
        str_add(&pargs, ", p%d", i);
    L(g, "        const char *e1, *e2;");
    L(g, "        %s r1 = call_%d(&e1%s);", R, k, pargs.n ? pargs.p : "");
    L(g, "        %s r2 = call_%d(&e2%s);", R, k, pargs.n ? pargs.p : "");
    L(g, "        if ((!e1) == (!e2) && (e1 ? strcmp(e1, e2) == 0 : same_%s(r1, r2)))", rx);
    L(g, "            continue;");
    /* Shrink the arguments that can be (scalars, strings, tuples of them)
     * while the two calls still differ. */
    bool any = false;
    for (int i = 0; i < x->nparams; i++)
        any |= shrinkable(x->params[i]);
    if (any) {
        L(g, "        for (int round = 0, progress = 1; progress && round < 100; round++) {");
        L(g, "            progress = 0;");
        for (int i = 0; i < x->nparams; i++) {
            if (!shrinkable(x->params[i]))
                continue;
            const char *px = sfx(g, x->params[i]);
            L(g, "            for (int leaf = 0; leaf < leaves_%s(); leaf++)", px);
            L(g, "                for (int kind = 0; kind < 4; kind++) {");
            L(g, "                    %s keep = p%d;", emit_ctype(g->a, x->params[i]), i);
            L(g, "                    if (!simplify_%s(&p%d, leaf, kind))", px, i);
            L(g, "                        continue;");
            L(g, "                    r1 = call_%d(&e1%s);", k, pargs.n ? pargs.p : "");
            L(g, "                    r2 = call_%d(&e2%s);", k, pargs.n ? pargs.p : "");
            L(g, "                    if ((!e1) == (!e2) && (e1 ? strcmp(e1, e2) == 0 : "
                 "same_%s(r1, r2)))", rx);
            L(g, "                        p%d = keep;", i);
            L(g, "                    else");
            L(g, "                        progress = 1;");
            L(g, "                }");
        }
        L(g, "        }");
        L(g, "        r1 = call_%d(&e1%s);", k, pargs.n ? pargs.p : "");
        L(g, "        r2 = call_%d(&e2%s);", k, pargs.n ? pargs.p : "");
    }
    L(g, "        report(%s, 1, \"extern '%s' is not deterministic: the same arguments gave "
         "different results\");", loc, x->name);
    L(g, "        fputs(\"    counterexample: %s(\", stdout);", x->name);
    for (int i = 0; i < x->nparams; i++) {
        if (i)
            L(g, "        fputs(\", \", stdout);");
        L(g, "        show_%s(p%d);", sfx(g, x->params[i]), i);
    }
    L(g, "        fputs(\")\\n\", stdout);");
    L(g, "        fputs(\"    first call:  \", stdout);");
    L(g, "        if (e1) printf(\"failed: %%s\", e1); else show_%s(r1);", rx);
    L(g, "        fputs(\"\\n    second call: \", stdout);");
    L(g, "        if (e2) printf(\"failed: %%s\", e2); else show_%s(r2);", rx);
    L(g, "        fputs(\"\\n    = hint: a pure function's result depends only on its arguments: "
         "no static or global state, no clocks, no randomness, no I/O\\n\", stdout);");
    L(g, "        return;");
    L(g, "    }");
    L(g, "    printf(\"ok - extern %s (line %d): deterministic (%d cases)\\n\");", x->name,
      x->line, EXTERN_TRIALS);
    L(g, "}");
    L(g, "%s", "");
    str_free(&args);
    str_free(&pargs);
}

/* A batch function: the same batch twice gives the same results, and the
 * results of a batch split in two are those of the whole batch. */
static void gen_batch_extern(Gen *g, const Ir *ir, const Extern *x, int k)
{
    const char *loc = loc_lit(g, ir, x->span);
    const Type *in = x->params[0], *out = x->ret;
    const char *I = emit_ctype(g->a, in), *O = emit_ctype(g->a, out);
    const char *ex = sfx(g, in->elem), *ox = sfx(g, out->elem);
    L(g, "/* extern %s (line %d), a batch function */", x->name, x->line);
    L(g, "typedef struct res_%d { %s r; int64_t n; const char **msg; const char *all; } res_%d;",
      k, O, k);
    L(g, "static res_%d call_%d(%s xs)", k, k, I);
    L(g, "{");
    L(g, "    res_%d v;", k);
    L(g, "    W.failed = 0;");
    L(g, "    fp_batch_begin(&W, &vsite, (int)xs.n);");
    L(g, "    v.r = %s(&W, xs);", x->name);
    L(g, "    v.all = W.batch_all;   /* fp_error: the whole batch failed */");
    L(g, "    fp_batch_end(&W, &vsite, (int)xs.n, v.r.n);");
    L(g, "    v.n = xs.n;");
    L(g, "    v.msg = fp_arena_alloc(W.arena, (size_t)(xs.n + 1) * sizeof *v.msg);");
    L(g, "    for (int64_t i = 0; i < xs.n; i++)");
    L(g, "        v.msg[i] = W.batch_msg[i];");
    L(g, "    return v;");
    L(g, "}");
    L(g, "static int same_item_%d(res_%d a, int64_t i, res_%d b, int64_t j)", k, k, k);
    L(g, "{");
    L(g, "    if ((!a.msg[i]) != (!b.msg[j]))");
    L(g, "        return 0;");
    L(g, "    if (a.msg[i])");
    L(g, "        return strcmp(a.msg[i], b.msg[j]) == 0;");
    L(g, "    return same_%s(a.r.items[i], b.r.items[j]);", ox);
    L(g, "}");
    L(g, "static void show_item_%d(res_%d a, int64_t i)", k, k);
    L(g, "{");
    L(g, "    if (a.msg[i]) printf(\"failed: %%s\", a.msg[i]); else show_%s(a.r.items[i]);", ox);
    L(g, "}");
    L(g, "static %s gen_batch_%d(void)", I, k);
    L(g, "{");
    L(g, "    %s xs;", I);
    L(g, "    xs.n = 1 + (int64_t)(rnd() %% 40);");
    L(g, "    xs.items = fp_arena_alloc(W.arena, (size_t)xs.n * sizeof *xs.items);");
    L(g, "    for (int64_t i = 0; i < xs.n; i++)");
    L(g, "        xs.items[i] = gen_%s();", ex);
    L(g, "    return xs;");
    L(g, "}");
    L(g, "static void test_%d(void)", k);
    L(g, "{");
    L(g, "    for (int t = 0; t < %d; t++) {", SPLIT_TRIALS);
    L(g, "        fp_arena_reset(W.arena);");
    L(g, "        %s xs = gen_batch_%d();", I, k);
    L(g, "        res_%d w1 = call_%d(xs), w2 = call_%d(xs);", k, k, k);
    L(g, "        if (!w1.all && w1.r.n != xs.n) {");
    L(g, "            report(%s, 1, \"extern '%s' does not return one result per element\");",
      loc, x->name);
    L(g, "            printf(\"    counterexample: a batch of %%lld gave %%lld results\\n\", "
         "(long long)xs.n, (long long)w1.r.n);");
    L(g, "            fputs(\"    = hint: a batch_map's function returns its results in the "
         "order of its elements, as many as it got (fail an element with fp_error_item)\\n\", "
         "stdout);");
    L(g, "            return;");
    L(g, "        }");
    L(g, "        for (int64_t i = 0; i < xs.n; i++) {");
    L(g, "            if (same_item_%d(w1, i, w2, i))", k);
    L(g, "                continue;");
    L(g, "            report(%s, 1, \"extern '%s' is not deterministic: the same batch gave "
         "different results\");", loc, x->name);
    L(g, "            printf(\"    counterexample: a batch of %%lld, element %%lld: \", "
         "(long long)xs.n, (long long)i);");
    L(g, "            show_%s(xs.items[i]);", ex);
    L(g, "            fputs(\"\\n    first call:  \", stdout); show_item_%d(w1, i);", k);
    L(g, "            fputs(\"\\n    second call: \", stdout); show_item_%d(w2, i);", k);
    L(g, "            fputs(\"\\n    = hint: a pure function's result depends only on its "
         "arguments: no static or global state, no clocks, no randomness, no I/O\\n\", "
         "stdout);");
    L(g, "            return;");
    L(g, "        }");
    L(g, "        if (xs.n < 2)");
    L(g, "            continue;");
    L(g, "        int64_t cut = 1 + (int64_t)(rnd() %% (uint64_t)(xs.n - 1));");
    L(g, "        %s left = {xs.items, cut}, right = {xs.items + cut, xs.n - cut};", I);
    L(g, "        res_%d p1 = call_%d(left), p2 = call_%d(right);", k, k, k);
    L(g, "        for (int64_t i = 0; i < xs.n; i++) {");
    L(g, "            res_%d p = i < cut ? p1 : p2;", k);
    L(g, "            int64_t j = i < cut ? i : i - cut;");
    L(g, "            if (same_item_%d(w1, i, p, j))", k);
    L(g, "                continue;");
    L(g, "            report(%s, 1, \"extern '%s' gives other results when a batch is "
         "split\");", loc, x->name);
    L(g, "            printf(\"    counterexample: a batch of %%lld cut after %%lld; element "
         "%%lld: \", (long long)xs.n, (long long)cut, (long long)i);");
    L(g, "            show_%s(xs.items[i]);", ex);
    L(g, "            fputs(\"\\n    in the whole batch: \", stdout); show_item_%d(w1, i);", k);
    L(g, "            fputs(\"\\n    in its part:        \", stdout); show_item_%d(p, j);", k);
    L(g, "            fputs(\"\\n    = hint: batches depend on --partition-size: each result "
         "must depend only on its own element, not on the others in the batch\\n\", "
         "stdout);");
    L(g, "            return;");
    L(g, "        }");
    L(g, "    }");
    L(g, "    printf(\"ok - extern %s (line %d): deterministic, any split of a batch gives the "
         "same results (%d batches)\\n\");", x->name, x->line, SPLIT_TRIALS);
    L(g, "}");
    L(g, "%s", "");
}

/* The first combine with an f64 sum or mean (their laws are the runtime
 * accumulators'), or NULL. */
static const IrOp *exact_sum_op(const Ir *ir)
{
    for (int i = 0; i < ir->nops; i++) {
        const IrOp *c = &ir->ops[i];
        if (c->kind != OP_COMBINE && c->kind != OP_COMBINE_PER_KEY)
            continue;
        for (int j = 0; j < c->nmon; j++)
            if (c->val == &ty_f64 && (c->mons[j] == MONOID_SUM || c->mons[j] == MONOID_MEAN))
                return c;
    }
    return NULL;
}

enum { SUM_TRIALS = 3000 };

/* The laws of the exact f64 sum's merge, for both accumulators (form 0:
 * fp_xsum, a keyed table's; form 1: fp_fsum, a global combine's).  A
 * trial's values are pairs x, -x of any magnitude (subnormals, near 1,
 * 2^-1000 .. 2^1000: promotion, huge cancellation; or, every other trial,
 * within 2^+-30, which stay inline) and one y, so their
 * exact sum is y; one in 16 trials adds an infinity or a NaN.  The values
 * are cut into three lists a, b, c at random; each side of a law is built
 * from fresh accumulators (a promoted one is not copied). */
static void gen_exact_sums(Gen *g, const Ir *ir, const IrOp *c, int k)
{
    const char *where = arena_printf(g->a, "%s:%d:%d", ir->src->path, c->line, c->col);
    const char *what = arena_printf(g->a, "%s %s, line %d", op_info[c->kind].keyword, c->name,
                                    c->line);
    Str lit = {0};
    emit_c_string(&lit, where, strlen(where));
    const char *loc = arena_strndup(g->a, lit.p, lit.n);
    lit.n = 0;
    emit_c_string(&lit, what, strlen(what));
    const char *op = arena_strndup(g->a, lit.p, lit.n);
    str_free(&lit);
    L(g, "/* the exact f64 sum and mean (line %d): the runtime's accumulators */", c->line);
    L(g, "typedef struct xacc { int form; fp_xsum x; fp_fsum f; } xacc;");
    L(g, "static void xacc_of(xacc *s, int form, const double *v, int n)");
    L(g, "{");
    L(g, "    memset(s, 0, sizeof *s);   /* all zero: the exact 0 in both forms */");
    L(g, "    s->form = form;");
    L(g, "    for (int i = 0; i < n; i++) {");
    L(g, "        if (form)");
    L(g, "            fp_fsum_add(&s->f, v[i]);");
    L(g, "        else");
    L(g, "            fp_xsum_add(&s->x, v[i]);");
    L(g, "    }");
    L(g, "}");
    L(g, "static void xacc_merge(xacc *d, const xacc *s)");
    L(g, "{");
    L(g, "    if (d->form)");
    L(g, "        fp_fsum_merge(&d->f, &s->f);");
    L(g, "    else");
    L(g, "        fp_xsum_merge(&d->x, &s->x);");
    L(g, "}");
    L(g, "static double xacc_value(const xacc *s)");
    L(g, "{");
    L(g, "    return s->form ? fp_fsum_value(&s->f) : fp_xsum_value(&s->x);");
    L(g, "}");
    L(g, "static int narrow;   /* values within 2^-30 .. 2^30: the sums stay inline */");
    L(g, "static double sum_value(void)   /* any finite magnitude */");
    L(g, "{");
    L(g, "    uint64_t r = rnd(), u = rnd();");
    L(g, "    double d;");
    L(g, "    if (narrow)");
    L(g, "        return ldexp((double)(u >> 11), (int)((r >> 8) %% 61) - 30 - 53) * (r & 1 ? -1 : 1);");
    L(g, "    switch (r %% 4) {");
    L(g, "    case 0: return (double)((int64_t)(u %% 2000001) - 1000000) * 0x1p-1074;   /* subnormal */");
    L(g, "    case 1: return ldexp((double)(u >> 11), (int)((r >> 8) %% 2001) - 1000 - 53);");
    L(g, "    case 2: return ((double)(u >> 11) * 0x1p-53 + 1.0) * (r & 256 ? -1 : 1);");
    L(g, "    default:");
    L(g, "        u &= ~(UINT64_C(1) << 62);   /* no exponent 0x7ff */");
    L(g, "        memcpy(&d, &u, sizeof d);");
    L(g, "        return d;");
    L(g, "    }");
    L(g, "}");
    L(g, "static void sum_fail(int form, const char *law, const double *v, int n, double l, double r)");
    L(g, "{");
    L(g, "    static const char *const form_name[] = {\"fp_xsum, a keyed table's\", \"fp_fsum, a global combine's\"};");
    L(g, "    char msg[240];");
    L(g, "    snprintf(msg, sizeof msg, \"the exact f64 sum's merge (%%s) is not %%s\", form_name[form], law);");
    L(g, "    report(%s, 1, msg);", loc);
    L(g, "    printf(\"    counterexample: %%d values:\", n);");
    L(g, "    for (int i = 0; i < n && i < 12; i++)");
    L(g, "        printf(\" %%a\", v[i]);");
    L(g, "    printf(\"%%s\\n    one side %%a, the other %%a\\n\", n > 12 ? \" ...\" : \"\", l, r);");
    L(g, "    printf(\"    = hint: the runtime's exact sum is broken (runtime/fsum.c): a merge must \"");
    L(g, "           \"add the exact values, whatever their order and grouping\\n\");");
    L(g, "}");
    L(g, "static void test_%d(void)", k);
    L(g, "{");
    L(g, "    enum { MAXV = 64 };");
    L(g, "    int failed = 0, promoted = 0;");
    L(g, "    for (int form = 0; form < 2 && !failed; form++)");
    L(g, "        for (int t = 0; t < %d && !failed; t++) {", SUM_TRIALS);
    L(g, "            narrow = t %% 2;");
    L(g, "            double v[MAXV + 2], y = sum_value();");
    L(g, "            int n = 0, pairs = (int)(rnd() %% 30);");
    L(g, "            while (y == 0)");
    L(g, "                y = sum_value();");
    L(g, "            for (int i = 0; i < pairs; i++) {");
    L(g, "                double x = sum_value();");
    L(g, "                v[n++] = x;");
    L(g, "                v[n++] = -x;");
    L(g, "            }");
    L(g, "            v[n++] = y;");
    L(g, "            double want = y;");
    L(g, "            if (rnd() %% 16 == 0) {   /* IEEE: an inf; inf and -inf, or a NaN: NaN */");
    L(g, "                static const double sp[] = {INFINITY, -INFINITY, NAN};");
    L(g, "                for (int i = 0, ns = 1 + (int)(rnd() %% 2); i < ns; i++) {");
    L(g, "                    double z = sp[rnd() %% 3];");
    L(g, "                    v[n++] = z;");
    L(g, "                    want = want + z;");
    L(g, "                }");
    L(g, "            }");
    L(g, "            for (int i = n - 1; i > 0; i--) {   /* shuffled */");
    L(g, "                int j = (int)(rnd() %% (uint64_t)(i + 1));");
    L(g, "                double tmp = v[i];");
    L(g, "                v[i] = v[j];");
    L(g, "                v[j] = tmp;");
    L(g, "            }");
    L(g, "            int i1 = (int)(rnd() %% (uint64_t)(n + 1)), i2 = (int)(rnd() %% (uint64_t)(n + 1));");
    L(g, "            if (i1 > i2) {");
    L(g, "                int tmp = i1;");
    L(g, "                i1 = i2;");
    L(g, "                i2 = tmp;");
    L(g, "            }");
    L(g, "            const double *a = v, *b = v + i1, *c = v + i2;");
    L(g, "            int na = i1, nb = i2 - i1, nc = n - i2;");
    L(g, "            xacc l, r, m;");
    L(g, "            xacc_of(&l, form, a, na);   /* (a + b) + c */");
    L(g, "            xacc_of(&m, form, b, nb);");
    L(g, "            xacc_merge(&l, &m);");
    L(g, "            xacc_of(&m, form, c, nc);");
    L(g, "            xacc_merge(&l, &m);");
    L(g, "            xacc_of(&r, form, b, nb);   /* a + (b + c) */");
    L(g, "            xacc_of(&m, form, c, nc);");
    L(g, "            xacc_merge(&r, &m);");
    L(g, "            xacc_of(&m, form, a, na);");
    L(g, "            xacc_merge(&m, &r);");
    L(g, "            promoted += !form && (l.x.flags & FP_XSUM_BIG);");
    L(g, "            double lv = xacc_value(&l), rv = xacc_value(&m);");
    L(g, "            if (!same_f64(lv, rv)) {");
    L(g, "                sum_fail(form, \"associative\", v, n, lv, rv);");
    L(g, "                failed = 1;");
    L(g, "                break;");
    L(g, "            }");
    L(g, "            if (!same_f64(lv, want)) {");
    L(g, "                char law[120];");
    L(g, "                snprintf(law, sizeof law, \"exact: pairs x, -x and one y = %%a sum to %%a\", y, want);");
    L(g, "                sum_fail(form, law, v, n, lv, want);");
    L(g, "                failed = 1;");
    L(g, "                break;");
    L(g, "            }");
    L(g, "            xacc_of(&l, form, c, nc);   /* c + a against a + c + the empty sum */");
    L(g, "            xacc_of(&m, form, a, na);");
    L(g, "            xacc_merge(&l, &m);");
    L(g, "            xacc_of(&r, form, a, na);");
    L(g, "            xacc_of(&m, form, c, nc);");
    L(g, "            xacc_merge(&r, &m);");
    L(g, "            xacc_of(&m, form, NULL, 0);");
    L(g, "            xacc_merge(&r, &m);");
    L(g, "            lv = xacc_value(&l);");
    L(g, "            rv = xacc_value(&r);");
    L(g, "            if (!same_f64(lv, rv)) {");
    L(g, "                sum_fail(form, \"commutative (or the empty sum is not its identity)\", v, n, lv, rv);");
    L(g, "                failed = 1;");
    L(g, "                break;");
    L(g, "            }");
    L(g, "            double pq[2] = {sum_value(), sum_value()};   /* one rounding: IEEE p + q */");
    L(g, "            xacc_of(&l, form, pq, 1);");
    L(g, "            xacc_of(&m, form, pq + 1, 1);");
    L(g, "            xacc_merge(&l, &m);");
    L(g, "            if (!same_f64(xacc_value(&l), pq[0] + pq[1])) {");
    L(g, "                sum_fail(form, \"exact: p + q is not rounded once\", pq, 2, xacc_value(&l), pq[0] + pq[1]);");
    L(g, "                failed = 1;");
    L(g, "            }");
    L(g, "        }");
    L(g, "    if (!failed)");
    L(g, "        printf(\"ok - the exact f64 sum (%%s): merges are associative, commutative and \"");
    L(g, "               \"exact, inline and promoted (%%d trials per form, %%d promoted)\\n\", %s, %d, "
         "promoted);", op, SUM_TRIALS);
    L(g, "}");
    L(g, "%s", "");
}

/* The first call of a numeric builtin (f64 ... pow) in ex, or NULL. */
static const Expr *numeric_call(const Expr *ex)
{
    if (!ex)
        return NULL;
    if (ex->kind == EX_CALL && !ex->ext && ex->builtin >= BI_F64 && ex->builtin <= BI_POW)
        return ex;
    for (int i = 0; i < ex->nargs; i++) {
        const Expr *c = numeric_call(ex->args[i]);
        if (c)
            return c;
    }
    return NULL;
}

/* The first operator body that calls a numeric builtin, and the call. */
static const Expr *numeric_use(const Ir *ir)
{
    for (int i = 0; i < ir->nops; i++) {
        const Expr *c = numeric_call(ir->ops[i].body);
        if (c)
            return c;
    }
    return NULL;
}

enum { NUM_TRIALS = 20000 };

/* The laws of the numeric builtins (the runtime's fp_floor, fp_i64_of_f64,
 * ...: what every program calls), on random and edge values: casts round
 * trip (i64(f64(i)) == i for |i| <= 2^53; i64(x) is trunc(x) in range and
 * an element error outside it or on nan); floor(x) <= x <= ceil(x), both
 * integers at most 1 apart; round(x) within 0.5 of x, halves away from
 * zero; abs(x) == abs(-x); min and max commutative to the bit, one of
 * their arguments, min <= max. */
static void gen_numeric_laws(Gen *g, const Ir *ir, const Expr *call, int k)
{
    const char *loc = loc_lit(g, ir, call->name_span);
    L(g, "static void num_fail(const char *law, double x, double y)");
    L(g, "{");
    L(g, "    char msg[200];");
    L(g, "    snprintf(msg, sizeof msg, \"the numeric builtins: %%s\", law);");
    L(g, "    report(%s, 1, msg);", loc);
    L(g, "    printf(\"    counterexample: \");");
    L(g, "    show_f64(x);");
    L(g, "    printf(\", \");");
    L(g, "    show_f64(y);");
    L(g, "    printf(\"\\n    = hint: the runtime's math is broken (runtime/libfpipe.h, Numbers)\\n\");");
    L(g, "}");
    L(g, "static void test_%d(void)", k);
    L(g, "{");
    L(g, "    int failed = 0;");
    L(g, "    for (int t = 0; t < %d && !failed; t++) {", NUM_TRIALS);
    L(g, "        int64_t i = gen_i64();");
    L(g, "        double x = t %% 3 == 0 ? (double)i : gen_f64(), y = gen_f64();");
    L(g, "        if (t %% 7 == 0)   /* a half: round's ties */");
    L(g, "            x = floor(x) + 0.5;");
    L(g, "        if (t %% 2)");
    L(g, "            i %%= INT64_C(1) << 53;   /* exact as f64 */");
    L(g, "        W.failed = 0;");
    L(g, "        int64_t back = fp_i64_of_f64(&W, &vsite, fp_f64_of_i64(i));");
    L(g, "        int in53 = i >= -(INT64_C(1) << 53) && i <= INT64_C(1) << 53;");
    L(g, "        if (in53 && (W.failed || back != i))");
    L(g, "            num_fail(\"i64(f64(i)) is not i for |i| <= 2^53\", (double)i, (double)back), failed = 1;");
    L(g, "        W.failed = 0;");
    L(g, "        int64_t xi = fp_i64_of_f64(&W, &vsite, x);");
    L(g, "        int inr = x >= -0x1p63 && x < 0x1p63;");
    L(g, "        if (inr ? W.failed || (double)xi != trunc(x) : !W.failed)");
    L(g, "            num_fail(inr ? \"i64(x) is not trunc(x) in range\" : \"i64(x) does not fail out of range or on nan\", x, (double)xi), failed = 1;");
    L(g, "        W.failed = 0;");
    L(g, "        double fl = fp_floor(x), ce = fp_ceil(x), ro = fp_round(x);");
    L(g, "        if (isfinite(x) && !(fl <= x && x <= ce && fl == trunc(fl) && ce == trunc(ce) && ce - fl <= 1.0))");
    L(g, "            num_fail(\"floor(x) <= x <= ceil(x), integers at most 1 apart\", fl, ce), failed = 1;");
    L(g, "        if (isfinite(x) && !(fabs(ro - x) < 0.5 || (fabs(ro - x) == 0.5 && fabs(ro) > fabs(x))))");
    L(g, "            num_fail(\"round(x) is the nearest integer, halves away from zero\", x, ro), failed = 1;");
    L(g, "        if (!same_f64(fp_abs_f64(x), fp_abs_f64(-x)) || fp_abs_i64(i) != fp_abs_i64(fp_neg_i64(i)))");
    L(g, "            num_fail(\"abs(x) == abs(-x)\", x, (double)i), failed = 1;");
    L(g, "        double mn = fp_min_f64(x, y), mx = fp_max_f64(x, y);");
    L(g, "        if (!same_f64(mn, fp_min_f64(y, x)) || !same_f64(mx, fp_max_f64(y, x)))");
    L(g, "            num_fail(\"min and max are commutative (to the bit)\", x, y), failed = 1;");
    L(g, "        if (!isnan(x) && !isnan(y) && (!(mn <= mx) || !(same_f64(mn, x) || same_f64(mn, y))))");
    L(g, "            num_fail(\"min(a, b) <= max(a, b), and min is a or b\", x, y), failed = 1;");
    L(g, "        if ((isnan(x) || isnan(y)) && !(isnan(mn) && isnan(mx)))");
    L(g, "            num_fail(\"min and max of a nan are nan\", x, y), failed = 1;");
    L(g, "        int64_t j = gen_i64();");
    L(g, "        if (fp_min_i64(i, j) != fp_min_i64(j, i) || fp_max_i64(i, j) != fp_max_i64(j, i) ||");
    L(g, "            fp_min_i64(i, j) > fp_max_i64(i, j))");
    L(g, "            num_fail(\"i64 min and max are commutative, min <= max\", (double)i, (double)j), failed = 1;");
    L(g, "    }");
    L(g, "    if (!failed)");
    L(g, "        printf(\"ok - the numeric builtins: casts round trip, floor <= x <= ceil, round's \"");
    L(g, "               \"halves, abs, min and max (%d trials)\\n\");", NUM_TRIALS);
    L(g, "}");
    L(g, "%s", "");
}

/* Whether e uses concatenation or a builtin of runtime/strings.c. */
static bool uses_strings(const Expr *e)
{
    if (!e)
        return false;
    if (e->kind == EX_BINARY && e->op == B_ADD && e->type == &ty_str)
        return true;
    if (e->kind == EX_CALL && !e->ext && e->builtin >= BI_LOWER_UTF8 && e->builtin <= BI_JOIN)
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (uses_strings(e->args[i]))
            return true;
    return false;
}

static const IrOp *strings_op(const Ir *ir)
{
    for (int i = 0; i < ir->nops; i++)
        if (ir->ops[i].body && uses_strings(ir->ops[i].body))
            return &ir->ops[i];
    return NULL;
}

enum { STR_TRIALS = 3000 };

/* The laws of the string builtins (runtime/strings.c, utf8proc): nfc and
 * casefold are idempotent, concatenation is associative and adds lengths
 * (bytes, and code points of UTF-8), words of words joined are the same
 * words; on invalid UTF-8 a UTF-8 builtin fails the element, on UTF-8 it
 * never does.  Strings are drawn from ASCII, Latin, Greek (final sigma),
 * Cyrillic, combining marks, ß and ẞ, a Hangul syllable and its jamo, and
 * now and then a stray byte. */
static void gen_string_laws(Gen *g, const Ir *ir, const IrOp *c, int k)
{
    const char *what = arena_printf(g->a, "%s:%d:%d", ir->src->path, c->line, c->col);
    Str lit = {0};
    emit_c_string(&lit, what, strlen(what));
    const char *loc = arena_strndup(g->a, lit.p, lit.n);
    str_free(&lit);
    L(g, "/* the string builtins (line %d): runtime/strings.c */", c->line);
    L(g, "static fp_str gen_text(int bad)");
    L(g, "{");
    L(g, "    static const char *const cps[] = {\"a\", \"Z\", \"0\", \" \", \"-\", \"\\xc3\\xa9\", \"\\xc3\\x89\",");
    L(g, "        \"e\\xcc\\x81\", \"\\xcc\\x81\", \"\\xcc\\xa3\", \"\\xc3\\x9f\", \"\\xe1\\xba\\x9e\", \"\\xce\\xa3\",");
    L(g, "        \"\\xcf\\x83\", \"\\xcf\\x82\", \"\\xd0\\x96\", \"\\xea\\xb0\\x80\", \"\\xe1\\x84\\x80\\xe1\\x85\\xa1\",");
    L(g, "        \"\\xef\\xac\\x81\", \"\\xc4\\xb0\", \"\\xf0\\x9f\\x98\\x80\", \"\\xe2\\x84\\xab\"};");
    L(g, "    size_t n = (size_t)(rnd() %% 12), len = 0;");
    L(g, "    char *p = fp_arena_alloc(W.arena, n * 6 + 2 + FP_PAD);");
    L(g, "    for (size_t i = 0; i < n; i++) {");
    L(g, "        const char *c = cps[rnd() %% (sizeof cps / sizeof cps[0])];");
    L(g, "        memcpy(p + len, c, strlen(c));");
    L(g, "        len += strlen(c);");
    L(g, "    }");
    L(g, "    if (bad)   /* a stray continuation, a lone lead byte or 0xff */");
    L(g, "        p[len++] = (char)(\"\\x80\\xc3\\xff\"[rnd() %% 3]);");
    L(g, "    memset(p + len, 0, FP_PAD);");
    L(g, "    return fp_str_lit(p, len);");
    L(g, "}");
    L(g, "static int str_law(const char *law, fp_str a, fp_str l, fp_str r)");
    L(g, "{");
    L(g, "    if (same_str(l, r))");
    L(g, "        return 0;");
    L(g, "    char msg[200];");
    L(g, "    snprintf(msg, sizeof msg, \"the string builtins: %%s does not hold\", law);");
    L(g, "    report(%s, 1, msg);", loc);
    L(g, "    fputs(\"    counterexample: \", stdout);");
    L(g, "    show_str(a);");
    L(g, "    fputs(\"\\n    one side \", stdout);");
    L(g, "    show_str(l);");
    L(g, "    fputs(\", the other \", stdout);");
    L(g, "    show_str(r);");
    L(g, "    fputs(\"\\n\", stdout);");
    L(g, "    return 1;");
    L(g, "}");
    L(g, "static void test_%d(void)", k);
    L(g, "{");
    L(g, "    int failed = 0;");
    L(g, "    for (int t = 0; t < %d && !failed; t++) {", STR_TRIALS);
    L(g, "        fp_str a = gen_text(0), b = gen_text(0), c = gen_text(0);");
    L(g, "        W.failed = 0;");
    L(g, "        fp_str n1 = fp_nfc(W.arena, &W, &vsite, a);");
    L(g, "        failed |= str_law(\"nfc(nfc(s)) == nfc(s)\", a, fp_nfc(W.arena, &W, &vsite, n1), n1);");
    L(g, "        fp_str f1 = fp_casefold(W.arena, &W, &vsite, a);");
    L(g, "        failed |= str_law(\"casefold(casefold(s)) == casefold(s)\", a,");
    L(g, "                          fp_casefold(W.arena, &W, &vsite, f1), f1);");
    L(g, "        fp_str ab = fp_cat2(W.arena, a, b);");
    L(g, "        failed |= str_law(\"(a + b) + c == a + (b + c)\", ab, fp_cat2(W.arena, ab, c),");
    L(g, "                          fp_cat2(W.arena, a, fp_cat2(W.arena, b, c)));");
    L(g, "        if (fp_len(ab) != fp_len(a) + fp_len(b) ||");
    L(g, "            fp_len_utf8(&W, &vsite, ab) != fp_len_utf8(&W, &vsite, a) + fp_len_utf8(&W, &vsite, b))");
    L(g, "            failed |= str_law(\"len(a + b) == len(a) + len(b), in bytes and code points\", ab,");
    L(g, "                              a, b);");
    L(g, "        fp_str sp = FP_LIT(\" \");");
    L(g, "        fp_str w1 = fp_join_words(W.arena, &W, &vsite, a, sp);");
    L(g, "        failed |= str_law(\"join(words(join(words(s), \\\" \\\")), \\\" \\\") == join(words(s), \\\" \\\")\", a,");
    L(g, "                          fp_join_words(W.arena, &W, &vsite, w1, sp), w1);");
    L(g, "        if (W.failed && !failed) {");
    L(g, "            report(%s, 1, \"the string builtins: a UTF-8 builtin failed on valid UTF-8\");", loc);
    L(g, "            printf(\"    %%s\\n\", W.err_msg);");
    L(g, "            failed = 1;");
    L(g, "        }");
    L(g, "        fp_str x = gen_text(1);");
    L(g, "        W.failed = 0;");
    L(g, "        fp_str y = fp_nfc(W.arena, &W, &vsite, x);");
    L(g, "        if ((!W.failed || y.n) && !failed) {");
    L(g, "            failed |= str_law(\"nfc of invalid UTF-8 fails and gives \\\"\\\"\", x, y, FP_LIT(\"\"));");
    L(g, "            failed |= !W.failed;");
    L(g, "        }");
    L(g, "        W.failed = 0;");
    L(g, "    }");
    L(g, "    if (!failed)");
    L(g, "        printf(\"ok - the string builtins (%%s): nfc and casefold idempotent, + associative \"");
    L(g, "               \"and adding lengths, words stable, invalid UTF-8 fails (%%d trials)\\n\", %s, %d);",
      loc, STR_TRIALS);
    L(g, "}");
    L(g, "%s", "");
}

/* The whole test program: the pipeline's types and monoids as emit.c
 * writes them, a law test per monoid, a determinism (and batch split)
 * test per extern, and main. */
/* ---- the time builtins' laws ------------------------------------------ */

enum { TIME_TRIALS = 3000, TIME_CALLS = 64 };

/* The format_time and trunc_time calls of the pipeline's bodies (at most
 * TIME_CALLS), into calls. */
static int time_calls(const Expr *e, const Expr **calls, int n)
{
    if (!e)
        return n;
    if (e->kind == EX_CALL && !e->ext && (e->builtin == BI_FORMAT_TIME ||
                                          e->builtin == BI_TRUNC_TIME) && n < TIME_CALLS)
        calls[n++] = e;
    for (int i = 0; i < e->nargs; i++)
        n = time_calls(e->args[i], calls, n);
    return n;
}

static int all_time_calls(const Ir *ir, const Expr **calls)
{
    int n = 0;
    for (int i = 0; i < ir->nops; i++)
        n = time_calls(ir->ops[i].body, calls, n);
    return n;
}

/* Literal argument i of a time call as C (FP_LIT("...")), "" when left out. */
static const char *time_lit(Gen *g, const Expr *e, int i)
{
    Str s = {0};
    str_add(&s, "FP_LIT(");
    if (i < e->nargs)
        emit_c_string(&s, e->args[i]->sval, e->args[i]->slen);
    else
        str_add(&s, "\"\"");
    str_add(&s, ")");
    const char *r = arena_strndup(g->a, s.p, s.n);
    str_free(&s);
    return r;
}

/* Does a format_time(t, fmt, off) say all of t, so parse_time(_, fmt) can
 * read it back?  ISO 8601 does; else %s, or every field and the offset. */
static bool time_format_complete(const Expr *e)
{
    if (e->nargs < 2 || e->args[1]->slen == 0)
        return true;
    const char *f = e->args[1]->sval;
    size_t n = e->args[1]->slen;
    bool has[128] = {0};
    for (size_t i = 0; i + 1 < n; i++)
        if (f[i] == '%') {
            has[(unsigned char)f[i + 1] & 127] = true;
            i++;
        }
    bool utc = e->nargs < 3 || e->args[2]->slen == 0 || (e->args[2]->sval[0] | 0x20) == 'z' ||
               strspn(e->args[2]->sval + 1, "0:") == e->args[2]->slen - 1;
    return has['s'] || ((has['Y'] || has['F']) && (has['m'] || has['b'] || has['F']) &&
                        (has['d'] || has['F']) && (has['H'] || has['T']) &&
                        (has['M'] || has['T']) && (has['S'] || has['T']) && (has['z'] || utc));
}

/* The laws of one time call: parse_time reads back what format_time
 * writes (years 0001..9998, when the format says all of t); trunc_time is
 * at most t and idempotent (any i64). */
static void gen_time_law(Gen *g, const Ir *ir, const Expr *e, int k)
{
    const char *loc = loc_lit(g, ir, e->span);
    int line, col;
    diag_line_col(ir->src, e->span.off, &line, &col);
    L(g, "/* %s, line %d */", e->sval, line);
    L(g, "static void test_%d(void)", k);
    L(g, "{");
    if (e->builtin == BI_TRUNC_TIME) {
        L(g, "    fp_str unit = %s, off = %s;", time_lit(g, e, 1), time_lit(g, e, 2));
        L(g, "    for (int i = 0; i < %d; i++) {", TIME_TRIALS);
        L(g, "        int64_t t = i < (int)(sizeof edge_i64 / sizeof *edge_i64) ? edge_i64[i] "
             ": i %% 2 ? (int64_t)rnd() : (int64_t)(rnd() %% UINT64_C(20000000000)) - "
             "INT64_C(10000000000);");
        L(g, "        int64_t a = fp_trunc_time(t, unit, off), b = fp_trunc_time(a, unit, off);");
        L(g, "        if (a <= t && b == a)");
        L(g, "            continue;");
        L(g, "        report(%s, 1, \"trunc_time is not at most t and idempotent\");", loc);
        L(g, "        printf(\"    counterexample: t = %%lld: trunc %%lld, again %%lld\\n\", "
             "(long long)t, (long long)a, (long long)b);");
        L(g, "        return;");
        L(g, "    }");
        L(g, "    printf(\"ok - trunc_time (line %d): at most t and idempotent (%d cases)\\n\");",
          line, TIME_TRIALS);
    } else if (!time_format_complete(e)) {
        L(g, "    printf(\"ok - format_time (line %d): its format leaves part of t out, "
             "nothing to read back\\n\");", line);
    } else {
        L(g, "    fp_str fmt = %s, off = %s;", time_lit(g, e, 1), time_lit(g, e, 2));
        L(g, "    for (int i = 0; i < %d; i++) {", TIME_TRIALS);
        L(g, "        fp_arena_reset(W.arena);");
        L(g, "        W.failed = 0;");
        L(g, "        int64_t t = i < 3 ? (int64_t[]){0, -1, INT64_C(-62135596800)}[i] : "
             "INT64_C(-62135596800) + (int64_t)(rnd() %% UINT64_C(315505324800));");
        L(g, "        fp_str s = fp_format_time(W.arena, &W, &vsite, t, fmt, off);");
        L(g, "        int64_t back = W.failed ? 0 : fp_parse_time(&W, &vsite, s, fmt);");
        L(g, "        if (!W.failed && back == t)");
        L(g, "            continue;");
        L(g, "        report(%s, 1, \"parse_time does not read back what format_time wrote\");",
          loc);
        L(g, "        printf(\"    counterexample: t = %%lld: '%%.*s' reads back as %%lld%%s%%s\\n\", "
             "(long long)t, (int)s.n, s.p, (long long)back, W.failed ? \": \" : \"\", "
             "W.failed ? W.err_msg : \"\");");
        L(g, "        return;");
        L(g, "    }");
        L(g, "    printf(\"ok - format_time (line %d): parse_time reads back every t (%d cases)\\n\");",
          line, TIME_TRIALS);
    }
    L(g, "}");
    L(g, "%s", "");
}

static void gen_program(Gen *g, const Ir *ir)
{
    L(g, "/* Property tests of %s, generated by fpipec verify. */", ir->src->path);
    L(g, "#include \"libfpipe.h\"");
    str_add(g->s, "%s", prelude);
    emit_support(g->s, ir);
    for (int i = 0; i < ir->nmonoids; i++)
        need(g, ir->monoids[i]->type);
    for (int i = 0; i < ir->nexterns; i++) {
        const Extern *x = ir->externs[i];
        for (int k = 0; k < x->nparams; k++)
            need(g, x->params[k]);
        need(g, x->ret);
    }
    L(g, "%s", "");
    int k = 0;
    for (int i = 0; i < ir->nmonoids; i++)
        gen_monoid(g, ir, ir->monoids[i], k++);
    for (int i = 0; i < ir->nexterns; i++) {
        const Extern *x = ir->externs[i];
        if (is_batch_fn(ir, x) && x->nparams == 1 && x->params[0]->kind == TY_LIST &&
            x->ret->kind == TY_LIST)
            gen_batch_extern(g, ir, x, k++);
        else
            gen_extern(g, ir, x, k++);
    }
    const IrOp *sum_op = exact_sum_op(ir);
    if (sum_op)
        gen_exact_sums(g, ir, sum_op, k++);
    const Expr *num = numeric_use(ir);
    int num_k = num ? k : -1;
    if (num)
        gen_numeric_laws(g, ir, num, k++);
    const IrOp *str_op = strings_op(ir);
    int str_k = k;
    if (str_op)
        gen_string_laws(g, ir, str_op, k++);
    const Expr *tcalls[TIME_CALLS];
    int ntime = all_time_calls(ir, tcalls), time0 = k;
    for (int i = 0; i < ntime; i++)
        gen_time_law(g, ir, tcalls[i], k++);
    L(g, "int main(int argc, char **argv)");
    L(g, "{");
    L(g, "    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;");
    L(g, "    W.arena = fp_arena_new();");
    L(g, "    signal(SIGSEGV, crashed);");
    L(g, "    signal(SIGBUS, crashed);");
    L(g, "    signal(SIGFPE, crashed);");
    L(g, "    signal(SIGILL, crashed);");
    for (int i = 0; i < k; i++) {
        const char *what;
        if (i >= time0)
            what = arena_printf(a_of(g), "%s: error: %s", loc_str(g, ir, tcalls[i - time0]->span),
                                tcalls[i - time0]->sval);
        else if (i == num_k)
            what = arena_printf(a_of(g), "%s: error: the numeric builtins",
                                loc_str(g, ir, num->name_span));
        else if (i < ir->nmonoids)
            what = arena_printf(a_of(g), "%s: error: monoid '%s'", loc_str(g, ir,
                                ir->monoids[i]->span), ir->monoids[i]->name);
        else if (str_op && i == str_k)
            what = arena_printf(a_of(g), "%s:%d:%d: error: the string builtins", ir->src->path,
                                str_op->line, str_op->col);
        else if (i == ir->nmonoids + ir->nexterns)
            what = arena_printf(a_of(g), "%s:%d:%d: error: the exact f64 sum", ir->src->path,
                                sum_op->line, sum_op->col);
        else
            what = arena_printf(a_of(g), "%s: error: extern '%s'", loc_str(g, ir,
                                ir->externs[i - ir->nmonoids]->span),
                                ir->externs[i - ir->nmonoids]->name);
        Str lit = {0};
        emit_c_string(&lit, what, strlen(what));
        L(g, "    testing = %s;", lit.p);
        str_free(&lit);
        L(g, "    rng_state = seed * UINT64_C(1000003) + %d;", i);
        L(g, "    test_%d();", i);
        L(g, "    fflush(stdout);");
    }
    L(g, "    if (errors)");
    L(g, "        printf(\"%%d law%%s failed (seed %%llu; rerun with --seed %%llu)\\n\", errors, "
         "errors == 1 ? \"\" : \"s\", (unsigned long long)seed, (unsigned long long)seed);");
    L(g, "    else");
    L(g, "        printf(\"all %d checked: every law holds%%s (seed %%llu)\\n\", warnings ? "
         "\" up to f64 rounding\" : \"\", (unsigned long long)seed);", k);
    L(g, "    fp_arena_free(W.arena);");
    L(g, "    return errors ? 1 : 0;");
    L(g, "}");
}

int verify_program(Arena *a, const Ir *ir, uint64_t seed, bool seed_given)
{
    (void)seed_given;
    printf("verify %s: seed %llu (--seed N to change)\n", ir->src->path,
           (unsigned long long)seed);
    fflush(stdout);
    const Expr *tcalls[TIME_CALLS];
    if (ir->nmonoids == 0 && ir->nexterns == 0 && !exact_sum_op(ir) && !numeric_use(ir) &&
        !strings_op(ir) && !all_time_calls(ir, tcalls)) {
        printf("nothing to verify: no declared monoid, no extern C function, no f64 sum, "
               "no numeric, string or time builtin\n");
        return 0;
    }
    Str c = {0};
    Gen g = {.s = &c, .a = a};
    gen_program(&g, ir);
    char *dir = make_tmpdir(a, "verify");
    if (!dir) {
        str_free(&c);
        return 2;
    }
    const char *cfile = arena_printf(a, "%s/verify.c", dir);
    const char *exe = arena_printf(a, "%s/verify", dir);
    PtrVec cfiles = {0};
    int rc = write_headers(a, ir, dir, &cfiles);
    if (rc == 0) {
        FILE *f = fopen(cfile, "wb");
        if (!f || fwrite(c.p, 1, c.n, f) != c.n || fclose(f) != 0) {
            fprintf(stderr, "fpipec: error: cannot write '%s': %s\n", cfile, strerror(errno));
            rc = 2;
        }
    }
    if (rc == 0 && getenv("FPIPEC_VERIFY_KEEP"))
        fprintf(stderr, "fpipec: the property tests are in %s\n", cfile);
    if (rc == 0)
        rc = run_cc(a, ir, cfile, exe, dir, &cfiles);
    if (rc == 0) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            rc = 2;
        } else if (pid == 0) {
            char sbuf[32];
            snprintf(sbuf, sizeof sbuf, "%llu", (unsigned long long)seed);
            execl(exe, exe, sbuf, (char *)NULL);
            _exit(127);
        } else {
            int status;
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            if (WIFEXITED(status) && WEXITSTATUS(status) <= 1) {
                rc = WEXITSTATUS(status);
            } else {
                fprintf(stderr, "fpipec: error: the property tests crashed (%s %d): a C "
                                "function or a monoid crashed on a generated input\n",
                        WIFEXITED(status) ? "exit" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                rc = 1;
            }
        }
    }
    if (!getenv("FPIPEC_VERIFY_KEEP")) {
        unlink(exe);
        unlink(cfile);
        remove_tmpdir(a, ir, dir, "verify");
    }
    str_free(&c);
    return rc;
}
