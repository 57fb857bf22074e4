/* f64.cc — the shortest decimal digits of a double, for fp_out_f64
 * (util.c), from fmt's Dragonbox (Debian libfmt-dev).
 *
 * Dragonbox (Jeon 2020) finds the shortest digit string that reads back
 * as the same double, the closest to it when several do, with no bignum
 * fallback: 3.5x faster than double-conversion's shortest mode and about
 * 12x faster than the %.15g/%.16g/%.17g + strtod search it replaced
 * (bench/f64.sh, docs/design-notes.md).  fmt exports it as
 * fmt::detail::dragonbox::to_decimal (an FMT_API symbol of libfmt since
 * 7.0; fmt's own shortest output is built on it); the public formatting
 * API would cost 4x more, mostly in laying out its own text, which is not
 * the layout fpipe prints.  util.c lays the digits out.
 */
#include <fmt/format.h>

#include <cstdint>

extern "C" uint64_t fp_f64_digits(double v, int *exp10);

/* v finite and > 0: returns the shortest significand (no trailing zeros)
 * and sets *exp10 so that v reads back from significand * 10^exp10. */
extern "C" uint64_t fp_f64_digits(double v, int *exp10)
{
    auto d = fmt::detail::dragonbox::to_decimal(v);
    *exp10 = d.exponent;
    return d.significand;
}
