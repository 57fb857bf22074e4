/* slow.c — spin(n): n, after some arithmetic the compiler cannot drop, so
 * that stage 2 of slow.fpipe takes about a second. */
#include "slow.fpipe.h"

int64_t spin(fp_ctx *cx, int64_t n)
{
    (void)cx;
    uint64_t x = (uint64_t)n;
    for (int i = 0; i < 8000; i++)
        x = x * 6364136223846793005u + 1442695040888963407u;
    return x == 42 ? n + 1 : n;   /* never 42 for these n: the test checks the output */
}
