/* time.c — dates and times: parse_time, format_time, trunc_time and the
 * parts (year ... weekday).
 *
 * A timestamp is an i64 count of seconds since 1970-01-01T00:00:00Z (UTC,
 * proleptic Gregorian, no leap seconds); parse_time_us counts microseconds.
 * Calendar arithmetic is days-from-civil / civil-from-days over whole eras
 * of 400 years, so every i64 has a date and no table or libc call is
 * involved: glibc's strptime and timegm read the locale and the TZ state,
 * and parse at a fraction of the speed (bench/README.md, "time").
 *
 * Everything here is pure: no global state, no clock, no locale.
 */
#include "internal.h"
#include "timerules.h"

#include <inttypes.h>
#include <stdio.h>

#define DAY 86400

/* ---- calendar -------------------------------------------------------- */

/* Floor division by a positive d. */
static int64_t floor_div(int64_t a, int64_t d)
{
    int64_t q = a / d;
    return (a % d < 0) ? q - 1 : q;
}

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31), proleptic Gregorian:
 * the year starts in March so that the leap day is the era's last day. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                  /* 0..399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* 0..146096 */
    return era * 146097 + doe - 719468;
}

/* The inverse: y-m-d of z days since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : n[m - 1];
}

/* A timestamp as a day and a second of that day, in the local time of
 * offset off (seconds east of UTC, |off| < 1 day): no overflow for any t. */
static void split_time(int64_t t, int64_t off, int64_t *day, int64_t *sec)
{
    /* t / DAY and t % DAY truncate and never overflow (day * DAY would
     * for the least i64): the remainder is moved into [0, DAY). */
    *day = t / DAY;
    *sec = t % DAY;
    if (*sec < 0) {
        *sec += DAY;
        --*day;
    }
    *sec += off;
    if (*sec < 0) {
        *sec += DAY;
        --*day;
    } else if (*sec >= DAY) {
        *sec -= DAY;
        ++*day;
    }
}

/* day * DAY + sec - off, saturated to the i64 range (reached only some
 * 292 billion years from 1970).  One day moves between the two terms so
 * that day * DAY does not overflow when the sum does not. */
static int64_t join_time(int64_t day, int64_t sec, int64_t off)
{
    int64_t k = day > 0 ? 1 : -1, r;
    if (__builtin_mul_overflow(day - k, (int64_t)DAY, &r) ||
        __builtin_add_overflow(r, sec - off + k * DAY, &r))
        return day < 0 ? INT64_MIN : INT64_MAX;
    return r;
}

/* ---- offsets and units (literals checked by fpipec) ------------------- */

/* The offset of a literal fpipec checked; "" is UTC. */
static int64_t offset_of(fp_str s)
{
    size_t i = 0;
    int64_t off = 0;
    const char *why;
    if (s.n && !fp_time_read_offset(s.p, s.n, &i, &off, &why))
        return 0;   /* unreachable: fpipec checks the literal */
    return off;
}

/* ---- parsing ---------------------------------------------------------- */

/* Fields of a parse, before they make a timestamp. */
typedef struct {
    int64_t year;
    int mon, mday, hour, min, sec;
    int64_t us;         /* fraction of the second, 0..999999 (truncated) */
    int64_t off;        /* seconds east of UTC */
    bool epoch;         /* %s: epoch holds the whole answer */
    bool epoch_neg;     /* ... with a '-': a fraction after it counts down */
    int64_t epoch_s;
} fields;

/* n digits at p[*i] (exactly lo..hi of them) into *v. */
static bool digits(const char *p, size_t n, size_t *i, int lo, int hi, int64_t *v)
{
    size_t k = *i;
    int64_t r = 0;
    int c = 0;
    while (c < hi && k < n && (unsigned)(p[k] - '0') <= 9) {
        r = r * 10 + (p[k++] - '0');
        c++;
    }
    if (c < lo)
        return false;
    *v = r;
    *i = k;
    return true;
}

/* A fraction's digits at p[*i] as microseconds (digits after the sixth
 * are read and dropped: the fraction is truncated). */
static bool fraction(const char *p, size_t n, size_t *i, int64_t *us)
{
    size_t k = *i;
    int64_t r = 0;
    int c = 0;
    for (; k < n && (unsigned)(p[k] - '0') <= 9; k++, c++)
        if (c < 6)
            r = r * 10 + (p[k] - '0');
    if (c == 0)
        return false;
    for (; c < 6; c++)
        r *= 10;
    *us = r;
    *i = k;
    return true;
}

/* The fields as microseconds since the epoch; checks the calendar. */
static bool to_us(const fields *f, int64_t *us, const char **why)
{
    if (f->epoch) {
        if (f->epoch_s >= INT64_MAX / 1000000 || f->epoch_s <= INT64_MIN / 1000000) {
            *why = "epoch seconds out of range";
            return false;
        }
        *us = f->epoch_s * 1000000 + (f->epoch_neg ? -f->us : f->us);   /* -1.25 is -1250000 */
        return true;
    }
    if (f->mon < 1 || f->mon > 12) {
        *why = "month out of range 01..12";
        return false;
    }
    if (f->mday < 1 || f->mday > month_days(f->year, f->mon)) {
        *why = f->mon == 2 && f->mday == 29 ? "29 February in a year that is not a leap year"
                                            : "day out of range for its month";
        return false;
    }
    if (f->hour == 24 && (f->min || f->sec || f->us)) {
        *why = "hour 24 is allowed only as 24:00:00 (the end of the day)";
        return false;
    }
    if (f->hour > 24) {
        *why = "hour out of range 00..23";
        return false;
    }
    if (f->min > 59) {
        *why = "minute out of range 00..59";
        return false;
    }
    if (f->sec == 60) {
        *why = "leap second :60 (timestamps have no leap seconds)";
        return false;
    }
    if (f->sec > 59) {
        *why = "second out of range 00..59";
        return false;
    }
    int64_t s = days_from_civil(f->year, f->mon, f->mday) * DAY + f->hour * 3600 + f->min * 60 +
                f->sec - f->off;
    *us = s * 1000000 + f->us;
    return true;
}

/* Two digits at p as 0..99, or -1. */
static inline int two_digits(const char *p)
{
    unsigned a = (unsigned)(p[0] - '0'), b = (unsigned)(p[1] - '0');
    return a > 9 || b > 9 ? -1 : (int)(a * 10 + b);
}

static bool parse_iso_slow(const char *p, size_t n, int64_t *us, size_t *at, const char **why);

/* ISO 8601 / RFC 3339: YYYY-MM-DD, then optionally T (or t, or a space)
 * hh:mm[:ss[(.|,)fraction]] and optionally Z or an offset.  No offset is
 * UTC.  On error *at is the offending byte.  The common layout,
 * YYYY-MM-DDThh:mm:ss and what follows, is read with fixed positions;
 * anything else (and every error, for its position) by the general path. */
static bool parse_iso(const char *p, size_t n, int64_t *us, size_t *at, const char **why)
{
    if (n >= 19 && p[4] == '-' && p[7] == '-' && (p[10] == 'T' || p[10] == ' ' || p[10] == 't') &&
        p[13] == ':' && p[16] == ':') {
        int y1 = two_digits(p), y2 = two_digits(p + 2), mo = two_digits(p + 5),
            d = two_digits(p + 8), h = two_digits(p + 11), mi = two_digits(p + 14),
            se = two_digits(p + 17);
        if ((y1 | y2 | mo | d | h | mi | se) >= 0) {
            fields f = {.year = y1 * 100 + y2, .mon = mo, .mday = d, .hour = h, .min = mi, .sec = se};
            size_t i = 19;
            bool ok = true;
            if (i < n && (p[i] == '.' || p[i] == ',')) {
                i++;
                ok = fraction(p, n, &i, &f.us);
            }
            if (ok && i < n)
                ok = fp_time_read_offset(p, n, &i, &f.off, why) && i == n;
            if (ok) {
                *at = 0;
                return to_us(&f, us, why);
            }
        }
    }
    return parse_iso_slow(p, n, us, at, why);
}

/* parse_iso's general path. */
static bool parse_iso_slow(const char *p, size_t n, int64_t *us, size_t *at, const char **why)
{
    fields f = {.year = 0, .mon = 1, .mday = 1};
    size_t i = 0;
    int64_t v;
    if (!digits(p, n, &i, 4, 4, &f.year)) {
        *why = "expected a 4-digit year";
        goto bad;
    }
    if (i >= n || p[i] != '-') {
        *why = "expected '-' after the year";
        goto bad;
    }
    i++;
    if (!digits(p, n, &i, 2, 2, &v)) {
        *why = "expected a 2-digit month";
        goto bad;
    }
    f.mon = (int)v;
    if (i >= n || p[i] != '-') {
        *why = "expected '-' after the month";
        goto bad;
    }
    i++;
    if (!digits(p, n, &i, 2, 2, &v)) {
        *why = "expected a 2-digit day";
        goto bad;
    }
    f.mday = (int)v;
    if (i < n) {
        if (p[i] != 'T' && p[i] != 't' && p[i] != ' ') {
            *why = "expected 'T' or a space after the date";
            goto bad;
        }
        i++;
        if (!digits(p, n, &i, 2, 2, &v)) {
            *why = "expected a 2-digit hour";
            goto bad;
        }
        f.hour = (int)v;
        if (i >= n || p[i] != ':') {
            *why = "expected ':' after the hour";
            goto bad;
        }
        i++;
        if (!digits(p, n, &i, 2, 2, &v)) {
            *why = "expected 2-digit minutes";
            goto bad;
        }
        f.min = (int)v;
        if (i < n && p[i] == ':') {
            i++;
            if (!digits(p, n, &i, 2, 2, &v)) {
                *why = "expected 2-digit seconds";
                goto bad;
            }
            f.sec = (int)v;
            if (i < n && (p[i] == '.' || p[i] == ',')) {
                i++;
                if (!fraction(p, n, &i, &f.us)) {
                    *why = "expected the digits of a fraction";
                    goto bad;
                }
            }
        }
        if (i < n && !fp_time_read_offset(p, n, &i, &f.off, why))
            goto bad;
        if (i < n) {
            *why = "text after the timestamp";
            goto bad;
        }
    }
    if (!to_us(&f, us, why)) {
        *at = 0;
        return false;
    }
    return true;
bad:
    *at = i;
    return false;
}

static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char day_names[7][4] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

/* Which of 3-letter names (English, any case) is at p[*i], or -1. */
static int name_at(const char *p, size_t n, size_t *i, const char (*names)[4], int count)
{
    if (*i + 3 > n)
        return -1;
    for (int k = 0; k < count; k++) {
        int j = 0;
        while (j < 3 && (p[*i + j] | 0x20) == (names[k][j] | 0x20))
            j++;
        if (j == 3) {
            *i += 3;
            return k;
        }
    }
    return -1;
}

/* Text s read with a strftime-style format (directives: fpipec checked
 * them, see fp_time_check_format). */
static bool parse_fmt(const char *p, size_t n, fp_str fmt, int64_t *us, size_t *at,
                      const char **why)
{
    fields f = {.year = 1970, .mon = 1, .mday = 1};
    size_t i = 0;
    int64_t v;
    for (size_t k = 0; k < fmt.n; k++) {
        char c = fmt.p[k];
        if (c != '%' || k + 1 == fmt.n) {
            if (i >= n || p[i] != c) {
                *why = "the text does not match the format here";
                goto bad;
            }
            i++;
            continue;
        }
        c = fmt.p[++k];
        bool ok = true;
        switch (c) {
        case 'Y': ok = digits(p, n, &i, 4, 4, &f.year); *why = "expected a 4-digit year (%Y)"; break;
        case 'm': ok = digits(p, n, &i, 1, 2, &v); f.mon = (int)v; *why = "expected a month (%m)"; break;
        case 'd': ok = digits(p, n, &i, 1, 2, &v); f.mday = (int)v; *why = "expected a day (%d)"; break;
        case 'H': ok = digits(p, n, &i, 1, 2, &v); f.hour = (int)v; *why = "expected an hour (%H)"; break;
        case 'M': ok = digits(p, n, &i, 1, 2, &v); f.min = (int)v; *why = "expected minutes (%M)"; break;
        case 'S': ok = digits(p, n, &i, 1, 2, &v); f.sec = (int)v; *why = "expected seconds (%S)"; break;
        case 'f': ok = fraction(p, n, &i, &f.us); *why = "expected the digits of a fraction (%f)"; break;
        case 'z': ok = fp_time_read_offset(p, n, &i, &f.off, why); break;
        case 'b': {
            int m = name_at(p, n, &i, month_names, 12);
            ok = m >= 0;
            f.mon = m + 1;
            *why = "expected a month name Jan..Dec (%b)";
            break;
        }
        case 'a':
            ok = name_at(p, n, &i, day_names, 7) >= 0;
            *why = "expected a day name Mon..Sun (%a)";
            break;
        case 's': {
            bool neg = i < n && p[i] == '-';
            size_t k0 = i + neg;
            ok = digits(p, n, &k0, 1, 18, &v);
            if (ok) {
                i = k0;
                f.epoch = true;
                f.epoch_s = neg ? -v : v;
                f.epoch_neg = neg;
            }
            *why = "expected epoch seconds (%s)";
            break;
        }
        case 'F': {   /* %Y-%m-%d */
            ok = digits(p, n, &i, 4, 4, &f.year) && i < n && p[i++] == '-' &&
                 digits(p, n, &i, 1, 2, &v) && (f.mon = (int)v, i < n) && p[i++] == '-' &&
                 digits(p, n, &i, 1, 2, &v);
            f.mday = (int)v;
            *why = "expected a date YYYY-MM-DD (%F)";
            break;
        }
        case 'T': {   /* %H:%M:%S */
            int64_t h = 0, m = 0;
            ok = digits(p, n, &i, 1, 2, &h) && i < n && p[i++] == ':' && digits(p, n, &i, 1, 2, &m) &&
                 i < n && p[i++] == ':' && digits(p, n, &i, 1, 2, &v);
            f.hour = (int)h;
            f.min = (int)m;
            f.sec = (int)v;
            *why = "expected a time hh:mm:ss (%T)";
            break;
        }
        case '%':
            ok = i < n && p[i] == '%';
            i += ok;
            *why = "expected '%' (%%)";
            break;
        default:
            ok = false;
            *why = "unknown directive";
        }
        if (!ok)
            goto bad;
    }
    if (i != n) {
        *why = "text after the end of the format";
        goto bad;
    }
    if (!to_us(&f, us, why)) {
        *at = 0;
        return false;
    }
    return true;
bad:
    *at = i;
    return false;
}

bool fp_time_parse(const char *p, size_t n, fp_str fmt, int64_t *us, size_t *at, const char **why)
{
    return fmt.n ? parse_fmt(p, n, fmt, us, at, why) : parse_iso(p, n, us, at, why);
}

/* The element error of a failed parse: the reason, the byte and the text
 * (at most 60 bytes of it, control bytes escaped). */
static void parse_error(fp_worker *w, const fp_site *site, const char *fn, fp_str s, size_t at,
                        const char *why)
{
    if (w->failed)
        return;
    char text[4 * 60 + 4];
    size_t k = 0;
    for (size_t i = 0; i < s.n && i < 60; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            k += (size_t)snprintf(text + k, sizeof text - k, "\\x%02x", c);
        else
            text[k++] = (char)c;
    }
    if (s.n > 60)
        k += (size_t)snprintf(text + k, sizeof text - k, "...");
    text[k] = 0;
    size_t len = strlen(why) + k + 80;
    char *msg = fp_arena_alloc(w->arena, len);
    snprintf(msg, len, "%s: %s at byte %zu of \"%s\"", fn, why, at + 1, text);
    fp_elem_error(w, site, msg);
}

int64_t fp_parse_time_us(fp_worker *w, const fp_site *site, fp_str s, fp_str fmt)
{
    int64_t us;
    size_t at;
    const char *why;
    if (!fp_time_parse(s.p, s.n, fmt, &us, &at, &why)) {
        parse_error(w, site, "parse_time_us", s, at, why);
        return 0;
    }
    return us;
}

int64_t fp_parse_time(fp_worker *w, const fp_site *site, fp_str s, fp_str fmt)
{
    int64_t us;
    size_t at;
    const char *why;
    if (!fp_time_parse(s.p, s.n, fmt, &us, &at, &why)) {
        parse_error(w, site, "parse_time", s, at, why);
        return 0;
    }
    return floor_div(us, 1000000);
}

/* ---- formatting ------------------------------------------------------- */

/* v as exactly w digits at o (v >= 0, fits). */
static char *put_digits(char *o, int64_t v, int w)
{
    for (int k = w - 1; k >= 0; k--, v /= 10)
        o[k] = (char)('0' + v % 10);
    return o + w;
}

static char *put_offset(char *o, int64_t off, bool colon)
{
    *o++ = off < 0 ? '-' : '+';
    int64_t a = off < 0 ? -off : off;
    o = put_digits(o, a / 3600, 2);
    if (colon)
        *o++ = ':';
    return put_digits(o, a / 60 % 60, 2);
}

/* The longest a directive writes: %s, 20 bytes. */
#define DIRECTIVE_MAX 20

size_t fp_time_format(char *out, int64_t t, fp_str fmt, int64_t off, bool *range_ok)
{
    int64_t day, sec, y;
    int m, d;
    split_time(t, off, &day, &sec);
    civil_from_days(day, &y, &m, &d);
    *range_ok = y >= 0 && y <= 9999;
    if (!*range_ok)
        return 0;
    char *o = out;
    if (fmt.n == 0) {   /* ISO 8601: 2026-12-07T22:40:00Z or ...+01:00 */
        o = put_digits(o, y, 4);
        *o++ = '-';
        o = put_digits(o, m, 2);
        *o++ = '-';
        o = put_digits(o, d, 2);
        *o++ = 'T';
        o = put_digits(o, sec / 3600, 2);
        *o++ = ':';
        o = put_digits(o, sec / 60 % 60, 2);
        *o++ = ':';
        o = put_digits(o, sec % 60, 2);
        if (off == 0)
            *o++ = 'Z';
        else
            o = put_offset(o, off, true);
        return (size_t)(o - out);
    }
    for (size_t k = 0; k < fmt.n; k++) {
        char c = fmt.p[k];
        if (c != '%' || k + 1 == fmt.n) {
            *o++ = c;
            continue;
        }
        switch (fmt.p[++k]) {
        case 'Y': o = put_digits(o, y, 4); break;
        case 'm': o = put_digits(o, m, 2); break;
        case 'd': o = put_digits(o, d, 2); break;
        case 'H': o = put_digits(o, sec / 3600, 2); break;
        case 'M': o = put_digits(o, sec / 60 % 60, 2); break;
        case 'S': o = put_digits(o, sec % 60, 2); break;
        case 'z': o = put_offset(o, off, false); break;
        case 'b': memcpy(o, month_names[m - 1], 3); o += 3; break;
        case 'a': memcpy(o, day_names[floor_div(day + 3, 7) * -7 + day + 3], 3); o += 3; break;
        case 's': o += snprintf(o, DIRECTIVE_MAX + 1, "%" PRId64, t); break;
        case 'F':
            o = put_digits(o, y, 4);
            *o++ = '-';
            o = put_digits(o, m, 2);
            *o++ = '-';
            o = put_digits(o, d, 2);
            break;
        case 'T':
            o = put_digits(o, sec / 3600, 2);
            *o++ = ':';
            o = put_digits(o, sec / 60 % 60, 2);
            *o++ = ':';
            o = put_digits(o, sec % 60, 2);
            break;
        default: *o++ = '%'; break;   /* %%: fpipec allows nothing else */
        }
    }
    return (size_t)(o - out);
}

fp_str fp_format_time(fp_arena *a, fp_worker *w, const fp_site *site, int64_t t, fp_str fmt,
                      fp_str off)
{
    char *out = fp_arena_alloc(a, fmt.n ? fmt.n * DIRECTIVE_MAX + 1 : 32);
    bool ok;
    size_t n = fp_time_format(out, t, fmt, offset_of(off), &ok);
    if (!ok) {
        if (!w->failed) {
            char *msg = fp_arena_alloc(a, 96);
            snprintf(msg, 96, "format_time: %" PRId64 " is outside the years 0000..9999", t);
            fp_elem_error(w, site, msg);
        }
        return fp_str_lit(out, 0);
    }
    return fp_str_lit(out, n);
}

/* ---- parts and truncation --------------------------------------------- */

int64_t fp_time_part(int64_t t, fp_str off, int part)
{
    int64_t day, sec, y;
    int m, d;
    split_time(t, offset_of(off), &day, &sec);
    switch (part) {
    case FP_PART_HOUR: return sec / 3600;
    case FP_PART_MINUTE: return sec / 60 % 60;
    case FP_PART_SECOND: return sec % 60;
    case FP_PART_WEEKDAY: return day + 3 - floor_div(day + 3, 7) * 7 + 1;   /* 1970-01-01: Thursday */
    default: break;
    }
    civil_from_days(day, &y, &m, &d);
    return part == FP_PART_YEAR ? y : part == FP_PART_MONTH ? m : d;
}

int64_t fp_trunc_time(int64_t t, fp_str unit, fp_str offs)
{
    int64_t off = offset_of(offs), day, sec, y;
    int m, d;
    split_time(t, off, &day, &sec);
    switch (fp_time_unit(unit.p, unit.n)) {
    case 0: return t;
    case 1: return join_time(day, sec - sec % 60, off);
    case 2: return join_time(day, sec - sec % 3600, off);
    case 3: return join_time(day, 0, off);
    case 4: return join_time(day - (day + 3 - floor_div(day + 3, 7) * 7), 0, off);   /* Monday */
    case 5:
        civil_from_days(day, &y, &m, &d);
        return join_time(day - (d - 1), 0, off);
    case 6:
        civil_from_days(day, &y, &m, &d);
        return join_time(days_from_civil(y, 1, 1), 0, off);
    default: return t;   /* unreachable: fpipec checks the literal */
    }
}
