/* Not pure: mutable state (tests/errors/audit_state.fpipe). */
#include "audit_state.fpipe.h"

int64_t seen[16];
static const int64_t weights[4] = {1, 2, 3, 4};   /* constant: fine */

int64_t next_id(fp_ctx *cx, fp_str s)
{
    static int64_t counter;
    (void)cx;
    seen[s.n % 16]++;
    return counter++ + weights[s.n % 4];
}
