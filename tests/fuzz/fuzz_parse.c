/* fuzz_parse.c — libFuzzer target: the lexer (grammar/lexer.re) and the
 * parser (grammar/fpipe.y) on arbitrary bytes.
 *
 * Whatever the input, parse_program must return (a program or NULL with
 * diagnostics), never crash, read out of bounds or leak.  Diagnostics go to
 * /dev/null.  Built with libFuzzer by `make fuzz`, and without it (replay.c)
 * by tests/run.sh, which replays the seeds and regression inputs.
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
    if (size > 1 << 20)
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
    Program *p = parse_program(a, &src, &d);
    /* A program comes back exactly when nothing was reported. */
    if (p && d.nerrors)
        abort();
    if (!p && !d.nerrors)
        abort();
    diag_finish(&d);   /* the held diagnostics, printed and freed */
    arena_free(a);
    types_reset();
    free(text);
    return 0;
}
