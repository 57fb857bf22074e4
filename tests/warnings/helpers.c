/* Pure C for tests/warnings/*.fpipe (attr_twice.fpipe declares twice). */
#include <stdint.h>

typedef struct fp_worker fp_ctx;
int64_t twice(fp_ctx *cx, int64_t n);

int64_t twice(fp_ctx *cx, int64_t n)
{
    (void)cx;
    return 2 * n;
}
