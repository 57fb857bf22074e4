/* Pure C functions for tests/verify/lawful.fpipe. */
#include "lawful.fpipe.h"

tup2_str_f64 weigh(fp_ctx *cx, rec_Doc d, double scale)
{
    (void)cx;
    return (tup2_str_f64){d.id, (double)d.n * scale};
}

/* Each element on its own: an odd n fails that element alone. */
list_rec_Doc tag_all(fp_ctx *cx, list_rec_Doc ds)
{
    list_rec_Doc out = {fp_alloc(cx, (size_t)ds.n * sizeof(rec_Doc)), ds.n};
    for (int64_t i = 0; i < ds.n; i++) {
        out.items[i] = ds.items[i];
        out.items[i].n = ds.items[i].n * 2;
        if (ds.items[i].n % 7 == 3)
            fp_error_item(cx, i, "n is %lld", (long long)ds.items[i].n);
    }
    return out;
}
