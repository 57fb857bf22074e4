/* f64.cc — the shortest decimal digits of a double, for fp_out_f64
 * (util.c), from Dragonbox (Debian libdragonbox-dev, header-only).
 *
 * Dragonbox (Jeon 2020) finds the shortest digit string that reads back
 * as the same double, the closest to it when several do, with no bignum
 * fallback.  jkj::dragonbox::to_decimal is the library's documented
 * interface; libfmt's copy of it (fmt::detail) is not public and was
 * dropped.  Per double (bench/f64.sh's note in docs/design-notes.md):
 * 16-18 ns here, 21-24 ns through libfmt's internal copy, 50-59 ns with
 * std::to_chars, 65-80 ns with fmt's public "{}" and 91-135 ns with
 * double-conversion's shortest mode (each then read back into digits and
 * an exponent).  util.c lays the digits out.
 */
#include <dragonbox/dragonbox.h>

#include <cstdint>

extern "C" uint64_t fp_f64_digits(double v, int *exp10);

/* v finite and > 0: returns the shortest significand (no trailing zeros)
 * and sets *exp10 so that v reads back from significand * 10^exp10. */
extern "C" uint64_t fp_f64_digits(double v, int *exp10)
{
    auto d = jkj::dragonbox::to_decimal(v, jkj::dragonbox::policy::sign::ignore);
    *exp10 = d.exponent;
    return d.significand;
}
