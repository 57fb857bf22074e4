/* fuzz_fmt.c — libFuzzer target: fpipec fmt (compiler/fmt.c) on arbitrary
 * bytes.
 *
 * Whatever parses must format: fmt_source's own check (the result lexes to
 * the same tokens and comments, and formats to itself) must pass, and the
 * result must parse too.  A failed check aborts: it is a formatter bug that
 * `fpipec fmt` would report as an internal error.  Built with libFuzzer by
 * `make fuzz`, and without it (replay.c) by tests/run.sh.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 1);   /* the lexer's NUL sentinel */
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    Source src = {"fuzz.fpipe", text, size};
    Diags d;
    diag_init(&d, &src, devnull());
    Arena *a = arena_new();
    if (parse_program(a, &src, &d)) {
        Str out = {0};
        if (fmt_source(&src, &out) != 0) {
            fprintf(stderr, "fuzz_fmt: the formatted text would differ:\n%s\n", out.p ? out.p : "");
            abort();
        }
        Source fsrc = {"fuzz.fpipe", out.p, out.n};
        Diags d2;
        diag_init(&d2, &fsrc, devnull());
        if (!parse_program(a, &fsrc, &d2))
            abort();
        diag_finish(&d2);   /* the held diagnostics, printed and freed */
        str_free(&out);
    }
    diag_finish(&d);
    arena_free(a);
    types_reset();
    free(text);
    return 0;
}
