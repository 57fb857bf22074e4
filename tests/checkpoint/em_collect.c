/* em_collect.c — check(s): s, failing for a word that ends in "77" (as a
 * service that refuses some requests), after the checkpoint
 * (tests/checkpoint.sh). */
#include "em_collect.fpipe.h"

fp_str check(fp_ctx *cx, fp_str s)
{
    if (s.n >= 2 && s.p[s.n - 2] == '7' && s.p[s.n - 1] == '7')
        fp_error(cx, "the service refused '%.*s'", (int)s.n, s.p);
    return s;
}
