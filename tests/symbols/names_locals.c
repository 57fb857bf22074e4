#include "names_locals.fpipe.h"
int64_t n_words(fp_ctx *cx, fp_str s) { (void)cx; return (int64_t)s.n; }
