/* unit.h — the harness the runtime's unit tests share (test_runtime.c,
 * test_strings.c, test_time.c): a test is a bool function that CHECKs its
 * conditions; run prints "ok - PREFIX: name" or "FAIL - PREFIX: name: why",
 * as tests/run.sh counts them.  Define UNIT_PREFIX before including it. */
#ifndef FPIPE_TESTS_UNIT_H
#define FPIPE_TESTS_UNIT_H

#include <stdbool.h>
#include <stdio.h>

#ifndef UNIT_PREFIX
#define UNIT_PREFIX "unit"
#endif

static int failures;
static char why[512];

/* Stop the test with a message (printf-style) when cond is false. */
#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            snprintf(why, sizeof why, __VA_ARGS__);        \
            return false;                                  \
        }                                                  \
    } while (0)

static void run(const char *name, bool (*fn)(void))
{
    why[0] = 0;
    if (fn()) {
        printf("ok - " UNIT_PREFIX ": %s\n", name);
    } else {
        printf("FAIL - " UNIT_PREFIX ": %s: %s\n", name, why);
        failures++;
    }
}

#endif /* FPIPE_TESTS_UNIT_H */
