/* fuzz_e2e.c — libFuzzer target: whole generated programs on arbitrary
 * input, checking the runtime's central promise: every mode writes the same
 * bytes.
 *
 * The programs are the examples (and two of tests/bad-data), compiled from
 * `fpipec emit-c` with main renamed NAME_main (the Makefile and replay.sh
 * do that), linked into this one executable.  Input: byte 0 picks the
 * program, byte 1 the partition size (1 + byte * 13); the rest is the
 * input file.  Each input runs three times through fp_main — --threads 1
 * at that partition size, --threads 3 at the same size, --threads 2 at the
 * default 4 MiB — and the exit codes and output files must be identical
 * (a program marked f64, whose rounding would depend on where partitions
 * are cut, compares the first two only; weights' f64 sums are exact and
 * compare all three).  A failed run must leave no output file.
 * Under libFuzzer the programs' stderr goes to /dev/null (drop counts
 * would flood the log); replay.c keeps it.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define PROGRAMS(X)                                                                  \
    X(wordcount, false) X(linelen, false) X(groupby, false) X(logs, false)           \
    X(topwords, false) X(totals, false) X(weights, false) X(docsd, false)              \
    X(rowsd, false) X(wordlengths, false)
#define DECLARE(name, f64) int name##_main(int argc, char **argv);
PROGRAMS(DECLARE)
#define ENTRY(name, f64) {#name, name##_main, f64},
static const struct {
    const char *name;
    int (*fn)(int, char **);
    bool f64;
} progs[] = {PROGRAMS(ENTRY)};
#define NPROGS (sizeof progs / sizeof *progs)

static bool quiet;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    quiet = true;
    return 0;
}

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                             \
        }                                                                        \
    } while (0)

/* The whole file, or NULL when it does not exist. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *p = malloc(cap);
    while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            p = realloc(p, cap *= 2);
    }
    fclose(f);
    CHECK(p);
    *len = n;
    return p;
}

static int run(int k, const char *threads, const char *psize, const char *in, const char *out)
{
    char *argv[] = {(char *)progs[k].name, "--threads", (char *)threads, "--partition-size",
                    (char *)psize, "-o", (char *)out, (char *)in, NULL};
    int saved = -1;
    if (quiet) {
        fflush(stderr);
        saved = dup(2);
        int dn = open("/dev/null", O_WRONLY);
        dup2(dn, 2);
        close(dn);
    }
    int rc = progs[k].fn(8, argv);
    if (quiet) {
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int k = data[0] % NPROGS;
    char psize[32];
    snprintf(psize, sizeof psize, "%d", 1 + data[1] * 13);
    const char *tmp = getenv("TMPDIR");
    char in[512], out[3][512];
    snprintf(in, sizeof in, "%s/fpipe-fuzz-e2e-%d.in", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    for (int i = 0; i < 3; i++)
        snprintf(out[i], sizeof out[i], "%s/fpipe-fuzz-e2e-%d.out%d", tmp && *tmp ? tmp : "/tmp",
                 (int)getpid(), i);
    FILE *f = fopen(in, "wb");
    CHECK(f);
    CHECK(fwrite(data + 2, 1, size - 2, f) == size - 2);
    CHECK(fclose(f) == 0);

    int rc[3];
    rc[0] = run(k, "1", psize, in, out[0]);
    rc[1] = run(k, "3", psize, in, out[1]);
    int nruns = progs[k].f64 ? 2 : 3;
    if (nruns == 3)
        rc[2] = run(k, "2", "4194304", in, out[2]);
    size_t len0 = 0;
    char *o0 = slurp(out[0], &len0);
    CHECK(rc[0] == 0 || rc[0] == 3 || rc[0] == 4);
    CHECK((rc[0] == 0) == (o0 != NULL));
    for (int i = 1; i < nruns; i++) {
        CHECK(rc[i] == rc[0]);
        size_t len = 0;
        char *o = slurp(out[i], &len);
        CHECK((o == NULL) == (o0 == NULL));
        if (o) {
            if (len != len0 || memcmp(o, o0, len) != 0) {
                fprintf(stderr, "fuzz_e2e: %s: run %d writes other bytes than run 0\n",
                        progs[k].name, i);
                abort();
            }
        }
        free(o);
        unlink(out[i]);
    }
    free(o0);
    unlink(out[0]);
    unlink(in);
    return 0;
}
