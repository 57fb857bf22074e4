/* replay.c — runs a fuzz target's LLVMFuzzerTestOneInput on files, without
 * libFuzzer: tests/run.sh builds each target with it (in the normal and the
 * sanitizer build) and replays the seed corpora and the regression inputs
 * of tests/fuzz/regress/.  Usage: replay FILE...  Prints how many inputs
 * ran; a crash or sanitizer report is the test's failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 4096, len = 0;
        uint8_t *p = malloc(cap);
        size_t r;
        while (p && (r = fread(p + len, 1, cap - len, f)) > 0) {
            len += r;
            if (len == cap)
                p = realloc(p, cap *= 2);
        }
        fclose(f);
        if (!p) {
            fputs("replay: out of memory\n", stderr);
            return 2;
        }
        /* An exact-size copy, so that ASan sees a read past the input. */
        uint8_t *q = malloc(len ? len : 1);
        if (!q)
            return 2;
        for (size_t k = 0; k < len; k++)
            q[k] = p[k];
        free(p);
        LLVMFuzzerTestOneInput(q, len);
        free(q);
        n++;
    }
    printf("replayed %d input%s\n", n, n == 1 ? "" : "s");
    return 0;
}
