#include "names_params.fpipe.h"
int64_t s(fp_ctx *cx, fp_str a, fp_str b, fp_str c) { (void)cx; return (int64_t)(a.n + 10 * b.n + 100 * c.n); }
