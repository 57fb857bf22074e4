/* fuzz_yaml.c — libFuzzer target: the YAML front end (compiler/yaml.c,
 * libyaml, and the in-place parsing of expressions and types in scalars)
 * on arbitrary bytes, then the checker, the planner and the emitter.
 *
 * Invariants checked besides "no crash, no sanitizer report":
 *   - check_program accepts exactly when no error was reported;
 *   - an accepted pipeline converted to .fpipe text (fpipec convert) is
 *     accepted by the .fpipe front end, and both give the same IR dump
 *     (lines and paths aside): the two front ends agree;
 *   - the C is NUL-free and emitting twice gives the same bytes.
 */
#include "fpipec.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    return f;
}

/* The IR dump without what differs between the two forms: its first line
 * (the path) and the "; line N" of each operator. */
static char *ir_text(const Ir *ir)
{
    Str s = {0};
    ir_dump(&s, ir);
    const char *p = strchr(s.p, '\n');
    Str o = {0};
    for (p = p ? p + 1 : s.p; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        /* the last "; line " (a string in the line may hold a ';') */
        const char *semi = NULL;
        for (const char *q = memchr(p, ';', n); q; q = memchr(q + 1, ';', (size_t)(p + n - q - 1)))
            if (!strncmp(q, "; line ", 7))
                semi = q;
        size_t keep = n;
        if (semi) {
            keep = (size_t)(semi - p);
            const char *rest = semi + 7;
            while (rest < p + n && *rest >= '0' && *rest <= '9')
                rest++;
            str_addn(&o, p, keep);
            str_addn(&o, rest, (size_t)(p + n - rest));
        } else {
            str_addn(&o, p, n);
        }
        str_add(&o, "\n");
        p += n + (nl ? 1 : 0);
    }
    str_free(&s);
    return o.p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    Source src = {"fuzz.yaml", text, size};
    Diags d;
    diag_init(&d, &src, devnull());
    Arena *a = arena_new();
    Program *prog = yaml_program(a, &src, &d);
    Ir *ir = prog ? check_program(a, prog, &d) : NULL;
    if (ir && d.nerrors)
        abort();
    if (prog && !ir && !d.nerrors)
        abort();
    if (ir) {
        Plan *plan = plan_build(a, ir);
        Str c1 = {0}, c2 = {0};
        EmitOpts o = {0};
        emit_c(&c1, plan, &o, "");
        emit_c(&c2, plan, &o, "");
        if (!c1.p || c1.n != c2.n || memcmp(c1.p, c2.p, c1.n) != 0 || memchr(c1.p, 0, c1.n))
            abort();
        str_free(&c1);
        str_free(&c2);
        /* The .fpipe form of the same pipeline. */
        Str f = {0};
        ir_to_fpipe(&f, ir);
        Source s2 = {"fuzz.fpipe", f.p, f.n};
        Diags d2;
        diag_init(&d2, &s2, devnull());
        Program *p2 = parse_program(a, &s2, &d2);
        Ir *ir2 = p2 ? check_program(a, p2, &d2) : NULL;
        if (!ir2) {
            d2.out = stderr;   /* say why before failing */
            diag_finish(&d2);
            fputs(f.p, stderr);
            abort();
        }
        diag_finish(&d2);
        char *t1 = ir_text(ir), *t2 = ir_text(ir2);
        if (strcmp(t1, t2) != 0) {
            fprintf(stderr, "IR differs:\n%s---\n%s", t1, t2);
            abort();
        }
        free(t1);
        free(t2);
        str_free(&f);
    }
    diag_finish(&d);   /* the held diagnostics, printed and freed */
    arena_free(a);
    types_reset();
    free(text);
    return 0;
}
