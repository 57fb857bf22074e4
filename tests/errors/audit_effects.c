/* Not pure: I/O, randomness and a clock (tests/errors/audit_effects.fpipe). */
#include "audit_effects.fpipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t noise(void)
{
    return rand() % 7;
}

int64_t stamp(fp_ctx *cx, fp_str s)
{
    (void)cx;
    return (int64_t)s.n + (int64_t)time(NULL) + noise();
}

fp_str shout(fp_ctx *cx, fp_str s)
{
    printf("shouting %.*s\n", (int)s.n, s.p);
    return s;
}
