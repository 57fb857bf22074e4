/* timerules.h — the rules of the time builtins' literal arguments, shared
 * by the runtime (runtime/time.c reads them) and fpipec (compiler/check.c
 * checks the literals with them at compile time), so the two cannot
 * disagree: offsets (Z, +hh:mm, +hhmm, +hh), units, format directives.
 * Header-only and dependency-free: fpipec does not link the runtime.
 */
#ifndef FP_TIMERULES_H
#define FP_TIMERULES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Reads an offset at p[*i]: Z, z, +hh, +hhmm or +hh:mm (or -), at most
 * 23:59; seconds east of UTC in *off.  On error: false, *i at the
 * offending byte and *why the reason. */
static inline bool fp_time_read_offset(const char *p, size_t n, size_t *i, int64_t *off,
                                       const char **why)
{
    size_t k = *i;
    if (k < n && (p[k] == 'Z' || p[k] == 'z')) {
        *off = 0;
        *i = k + 1;
        return true;
    }
    if (k >= n || (p[k] != '+' && p[k] != '-')) {
        *why = "expected an offset: Z, +hh:mm, +hhmm or +hh";
        return false;
    }
    int sign = p[k++] == '-' ? -1 : 1;
    int v[2] = {0, 0};
    for (int f = 0; f < 2; f++) {
        if (f == 1) {
            if (k == n)
                break;   /* +hh */
            if (p[k] == ':')
                k++;
        }
        if (k + 2 > n || (unsigned)(p[k] - '0') > 9 || (unsigned)(p[k + 1] - '0') > 9) {
            *i = k;
            *why = f ? "expected the offset's minutes (2 digits)"
                     : "expected the offset's hours (2 digits)";
            return false;
        }
        v[f] = (p[k] - '0') * 10 + (p[k + 1] - '0');
        k += 2;
    }
    if (v[0] > 23 || v[1] > 59) {
        *i = *i + 1;
        *why = "offset out of range (at most 23:59)";
        return false;
    }
    *off = sign * (v[0] * 3600 + v[1] * 60);
    *i = k;
    return true;
}

/* The units of trunc_time, in their code order. */
#define FP_TIME_UNITS "second, minute, hour, day, week, month or year"

/* The code of the unit p[0..n) (0 second ... 6 year), or -1. */
static inline int fp_time_unit(const char *p, size_t n)
{
    static const char *const units[] = {"second", "minute", "hour", "day", "week", "month", "year"};
    for (int k = 0; k < 7; k++)
        if (strlen(units[k]) == n && memcmp(units[k], p, n) == 0)
            return k;
    return -1;
}

/* Checks a format's directives (reading: parse_time's, else format_time's).
 * Returns -1, or the byte of the bad directive with *why. */
static inline int fp_time_check_format(const char *p, size_t n, bool reading, const char **why)
{
    for (size_t k = 0; k < n; k++) {
        if (p[k] != '%')
            continue;
        if (k + 1 == n) {
            *why = "a lone '%' at the end (write %% for a '%')";
            return (int)k;
        }
        char c = p[++k];
        if (c == 'f' && !reading) {
            *why = "%f reads a fraction of a second; format_time writes whole seconds";
            return (int)k - 1;
        }
        if (c == 0 || !strchr("YmdHMSfzbasFT%", c)) {
            *why = "unknown directive (known: %Y %m %d %H %M %S %f %z %b %a %s %F %T %%)";
            return (int)k - 1;
        }
    }
    return -1;
}

#endif /* FP_TIMERULES_H */
