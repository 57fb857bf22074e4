/* opcfg.c — the C functions of tests/opcfg/opcfg.fpipe. */
#include "opcfg.fpipe.h"

/* x fails transiently on its first x % 4 calls (fp_attempt counts them),
 * so that what comes out does not depend on threads or partitions. */
int64_t flaky(fp_ctx *cx, int64_t x)
{
    if (fp_attempt(cx) < x % 4) {
        fp_error_transient(cx, "%lld is busy (attempt %d)", (long long)x, fp_attempt(cx));
        return 0;
    }
    return x;
}

/* Each element with the size of the batch it came in: batch boundaries
 * made visible. */
list_tup2_i64_i64 sized(fp_ctx *cx, list_i64 xs)
{
    list_tup2_i64_i64 r = {fp_alloc(cx, (size_t)xs.n * sizeof *r.items), xs.n};
    for (int64_t i = 0; i < xs.n; i++) {
        r.items[i].f0 = xs.items[i];
        r.items[i].f1 = xs.n;
    }
    return r;
}
