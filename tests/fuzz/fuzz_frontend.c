/* fuzz_frontend.c — libFuzzer target: the whole front end on arbitrary
 * bytes: parse, check (types, contracts, IR), plan, and every text the
 * compiler makes from an accepted program (explain, dot, the C with and
 * without #line, the extern header), into memory buffers.
 *
 * Invariants checked besides "no crash, no sanitizer report":
 *   - check_program accepts exactly when no error was reported;
 *   - the C is NUL-free text that starts with the generated-by comment and
 *     contains the `int main` the executable needs;
 *   - emitting twice gives the same bytes (no hidden state).
 * The differential half (does the C compile with -Wall -Wextra -Werror) is
 * tests/fuzz/cc-check.sh, run by `make fuzz` on accepted inputs: with
 * FPIPE_FUZZ_ACCEPTED=DIR set, every input the checker accepts is also
 * written to DIR (named by its hash; at most 5000 files).
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

/* Keep an accepted program for the differential check. */
static void save_accepted(const uint8_t *data, size_t size)
{
    static int saved;
    const char *dir = getenv("FPIPE_FUZZ_ACCEPTED");
    if (!dir || !*dir || saved >= 5000)
        return;
    uint64_t h = 14695981039346656037u;   /* FNV-1a */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211u;
    char path[4096];
    snprintf(path, sizeof path, "%s/%016llx.fpipe", dir, (unsigned long long)h);
    FILE *f = fopen(path, "wx");   /* once per program */
    if (!f)
        return;
    fwrite(data, 1, size, f);
    fclose(f);
    saved++;
}

static void emit_all(Str *c, const Plan *plan, const Ir *ir, bool lines)
{
    Str explain = {0}, dot = {0}, h = {0};
    ir_dump(&explain, ir);
    plan_dump(&explain, plan);
    plan_dot(&dot, plan);
    emit_header(&h, ir, "fuzz.fpipe.h");
    EmitOpts o = {.line_directives = lines};
    emit_c(c, plan, &o, explain.p ? explain.p : "");
    str_free(&explain);
    str_free(&dot);
    str_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    Source src = {"fuzz.fpipe", text, size};
    Diags d;
    diag_init(&d, &src, devnull());
    Arena *a = arena_new();
    Program *prog = parse_program(a, &src, &d);
    Ir *ir = prog ? check_program(a, prog, &d) : NULL;
    if (ir && d.nerrors)
        abort();
    if (prog && !ir && !d.nerrors)
        abort();
    if (ir) {
        Plan *plan = plan_build(a, ir);
        Str c1 = {0}, c2 = {0}, c3 = {0};
        emit_all(&c1, plan, ir, false);
        emit_all(&c2, plan, ir, false);
        emit_all(&c3, plan, ir, true);
        if (!c1.p || c1.n != c2.n || memcmp(c1.p, c2.p, c1.n) != 0)
            abort();
        if (memchr(c1.p, 0, c1.n) || memchr(c3.p, 0, c3.n))
            abort();
        if (strncmp(c1.p, "/* ", 3) != 0 || !strstr(c1.p, "\nint main("))
            abort();
        str_free(&c1);
        str_free(&c2);
        str_free(&c3);
        save_accepted(data, size);
    }
    diag_finish(&d);   /* the held diagnostics, printed and freed */
    arena_free(a);
    types_reset();
    free(text);
    return 0;
}
