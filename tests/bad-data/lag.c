/* lag.c — for lag.fpipe: the word "slow" costs about a second of
 * arithmetic (pure: the same value every time), every other word nothing. */
#include "lag.fpipe.h"

fp_str lag(fp_ctx *cx, fp_str s)
{
    (void)cx;
    if (s.n != 4 || memcmp(s.p, "slow", 4) != 0)
        return s;
    uint64_t h = 1;
    for (uint64_t i = 0; i < 600000000; i++)
        h = h * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return h == 0 ? fp_str_copy(cx, "", 0) : s;
}
