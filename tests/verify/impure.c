/* Not pure, in ways only running them shows (tests/verify/impure.fpipe). */
#include "impure.fpipe.h"

int64_t tick(fp_ctx *cx, fp_str s, int64_t k)
{
    static int64_t calls;
    (void)cx;
    return (int64_t)s.n + k * calls++;
}

list_rec_Item number(fp_ctx *cx, list_rec_Item xs)
{
    list_rec_Item out = {fp_alloc(cx, (size_t)xs.n * sizeof(rec_Item)), xs.n};
    for (int64_t i = 0; i < xs.n; i++) {
        out.items[i] = xs.items[i];
        out.items[i].n = i;   /* the place in the batch, not in the input */
    }
    return out;
}
