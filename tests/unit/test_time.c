/* test_time.c — unit tests for runtime/time.c: ISO 8601 and formatted
 * parsing at the edges (leap days, 1970 and before, offsets crossing a
 * day, 24:00, leap seconds, fractions), formatting, truncation and parts,
 * and every day of the years 0000..9999 against a day-by-day calendar
 * walk written here independently of time.c's arithmetic.
 *
 * Prints one "ok - NAME" or "FAIL - NAME: why" line per test (tests/run.sh
 * counts them); exit status 1 if anything failed.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define UNIT_PREFIX "time"
#include "unit.h"

static fp_str S(const char *s)
{
    return fp_str_lit(s, strlen(s));
}

/* Parses s (with fmt, "" for ISO 8601): true and *us, or false. */
static bool parse(const char *s, const char *fmt, int64_t *us, size_t *at, const char **reason)
{
    return fp_time_parse(s, strlen(s), S(fmt), us, at, reason);
}

/* s parses to want seconds (whole) and want_us microseconds past them. */
static bool parses_to(const char *s, const char *fmt, int64_t want, int64_t want_us)
{
    int64_t us;
    size_t at;
    const char *r = "";
    if (!parse(s, fmt, &us, &at, &r)) {
        snprintf(why, sizeof why, "%s: failed at byte %zu: %s", s, at + 1, r);
        return false;
    }
    if (us != want * 1000000 + want_us) {
        snprintf(why, sizeof why, "%s: %" PRId64 " us, want %" PRId64, s, us,
                 want * 1000000 + want_us);
        return false;
    }
    return true;
}

/* s fails to parse, at byte at1 (1-based), for a reason containing part. */
static bool fails(const char *s, const char *fmt, size_t at1, const char *part)
{
    int64_t us;
    size_t at;
    const char *r = "";
    if (parse(s, fmt, &us, &at, &r)) {
        snprintf(why, sizeof why, "%s: parsed (%" PRId64 "), want an error", s, us);
        return false;
    }
    if (at + 1 != at1 || !strstr(r, part)) {
        snprintf(why, sizeof why, "%s: byte %zu '%s', want byte %zu '%s'", s, at + 1, r, at1, part);
        return false;
    }
    return true;
}

static bool iso_edges(void)
{
    return parses_to("1970-01-01T00:00:00Z", "", 0, 0) &&
           parses_to("1970-01-01", "", 0, 0) &&
           parses_to("2026-12-07T22:40:00Z", "", 1796683200, 0) &&
           parses_to("2026-12-07 22:40", "", 1796683200, 0) &&
           parses_to("2024-02-29T12:00:00Z", "", 1709208000, 0) &&
           parses_to("1969-12-31T23:59:59Z", "", -1, 0) &&
           parses_to("1900-03-01", "", -2203891200, 0) &&
           parses_to("0000-01-01", "", -62167219200, 0) &&
           parses_to("0001-01-01T00:00:00Z", "", -62135596800, 0) &&
           parses_to("9999-12-31T23:59:59Z", "", 253402300799, 0) &&
           /* offsets: east of UTC is earlier in UTC, and across a day */
           parses_to("2026-12-07T00:30:00+01:00", "", 1796599800, 0) &&
           parses_to("2026-12-06T23:30:00Z", "", 1796599800, 0) &&
           parses_to("2026-12-07T22:40:00-0530", "", 1796683200 + 19800, 0) &&
           parses_to("2026-12-31T23:00:00-02", "", 1798765200, 0) &&
           /* 24:00:00 is the next day's midnight, also at a year's end */
           parses_to("2026-12-31T24:00:00Z", "", 1798761600, 0) &&
           parses_to("2027-01-01T00:00:00Z", "", 1798761600, 0) &&
           /* fractions: truncated to the microsecond, also before 1970 */
           parses_to("1970-01-01T00:00:00.5Z", "", 0, 500000) &&
           parses_to("1970-01-01T00:00:00,1234569Z", "", 0, 123456) &&
           parses_to("1969-12-31T23:59:59.999999Z", "", -1, 999999);
}

static bool iso_errors(void)
{
    return fails("2023-02-29", "", 1, "29 February") &&
           fails("2100-02-29", "", 1, "29 February") &&
           fails("2026-04-31", "", 1, "day out of range") &&
           fails("2026-13-01", "", 1, "month") &&
           fails("2026-12-07T23:59:60Z", "", 1, "leap second") &&
           fails("2026-12-07T24:00:01Z", "", 1, "24:00:00") &&
           fails("2026-12-07T25:00Z", "", 1, "hour") &&
           fails("2026-12-07X22:40", "", 11, "'T'") &&
           fails("26-12-07", "", 1, "4-digit year") &&
           fails("2026-12-07T22:40:00+1", "", 21, "hours") &&
           fails("2026-12-07T22:40:00+24:00", "", 21, "out of range") &&
           fails("2026-12-07T22:40:00.Z", "", 21, "fraction") &&
           fails("2026-12-07T22:40:00Z ", "", 21, "text after") &&
           fails("", "", 1, "4-digit year");
}

static bool formats(void)
{
    return parses_to("10/Oct/2000:13:55:36 -0700", "%d/%b/%Y:%H:%M:%S %z", 971211336, 0) &&
           parses_to("Tue 2000-10-10 20:55:36", "%a %F %T", 971211336, 0) &&
           parses_to("7.3.2026 9h05", "%d.%m.%Y %Hh%M", 1772874300, 0) &&
           parses_to("-1.25", "%s.%f", -2, 750000) && parses_to("1.25", "%s.%f", 1, 250000) &&
           parses_to("100%", "%Y%%", 1, 0) == false &&   /* %Y wants 4 digits */
           fails("100%", "%Y%%", 1, "4-digit year") &&
           fails("10/Okt/2000", "%d/%b/%Y", 4, "month name") &&
           fails("10/Oct/2000 x", "%d/%b/%Y", 12, "text after") &&
           fails("31/Feb/2000", "%d/%b/%Y", 1, "day out of range");
}

/* format_time at off: want */
static bool formats_to(int64_t t, const char *fmt, int64_t off, const char *want)
{
    char out[256];
    bool ok;
    size_t n = fp_time_format(out, t, S(fmt), off, &ok);
    if (!ok || n != strlen(want) || memcmp(out, want, n)) {
        snprintf(why, sizeof why, "%" PRId64 " '%s': '%.*s' (ok %d), want '%s'", t, fmt, (int)n,
                 out, ok, want);
        return false;
    }
    return true;
}

static bool formatting(void)
{
    char out[64];
    bool ok = true;
    fp_time_format(out, 253402300800, S(""), 0, &ok);   /* 10000-01-01 */
    CHECK(!ok, "year 10000 formatted");
    fp_time_format(out, -62167219201, S(""), 0, &ok);   /* -0001-12-31T23:59:59 */
    CHECK(!ok, "year -1 formatted");
    return formats_to(0, "", 0, "1970-01-01T00:00:00Z") &&
           formats_to(-1, "", 0, "1969-12-31T23:59:59Z") &&
           formats_to(1796599800, "", 3600, "2026-12-07T00:30:00+01:00") &&
           formats_to(1796599800, "", -19800, "2026-12-06T18:00:00-05:30") &&
           formats_to(971211336, "%d/%b/%Y:%H:%M:%S %z", -25200, "10/Oct/2000:13:55:36 -0700") &&
           formats_to(971211336, "%a %F %T %s %%", 0, "Tue 2000-10-10 20:55:36 971211336 %") &&
           formats_to(-62167219200, "%F %a", 0, "0000-01-01 Sat") &&
           formats_to(253402300799, "", 0, "9999-12-31T23:59:59Z");
}

static bool parts_and_trunc(void)
{
    fp_str utc = S(""), plus1 = S("+01:00"), minus = S("-05:30");
    int64_t t = 1709251199;   /* 2024-02-29T23:59:59Z, a Thursday */
    CHECK(fp_year(t, utc) == 2024 && fp_month(t, utc) == 2 && fp_day(t, utc) == 29, "date");
    CHECK(fp_hour(t, utc) == 23 && fp_minute(t, utc) == 59 && fp_second(t, utc) == 59, "time");
    CHECK(fp_weekday(t, utc) == 4, "weekday %" PRId64, fp_weekday(t, utc));
    /* at +01:00 it is 2024-03-01T00:59:59, a Friday */
    CHECK(fp_month(t, plus1) == 3 && fp_day(t, plus1) == 1 && fp_hour(t, plus1) == 0 &&
              fp_weekday(t, plus1) == 5, "offset crossing a day and a month");
    CHECK(fp_weekday(-1, utc) == 3 && fp_weekday(0, utc) == 4 && fp_weekday(-4 * 86400, utc) == 7,
          "weekdays around 1970");
    CHECK(fp_year(-62135596800, utc) == 1 && fp_year(-62135596801, utc) == 0, "year 1");
    CHECK(fp_trunc_time(t, S("second"), utc) == t, "second");
    CHECK(fp_trunc_time(t, S("minute"), utc) == t - 59, "minute");
    CHECK(fp_trunc_time(t, S("hour"), utc) == t - 3599, "hour");
    CHECK(fp_trunc_time(t, S("day"), utc) == 1709164800, "day");
    CHECK(fp_trunc_time(t, S("week"), utc) == 1708905600, "week: Monday 2024-02-26");
    CHECK(fp_trunc_time(t, S("month"), utc) == 1706745600, "month: 2024-02-01");
    CHECK(fp_trunc_time(t, S("year"), utc) == 1704067200, "year: 2024-01-01");
    CHECK(fp_trunc_time(t, S("month"), plus1) == 1709247600, "month at +01:00: 2024-03-01T00:00+01");
    CHECK(fp_trunc_time(t, S("day"), minus) == 1709184600, "day at -05:30: 2024-02-29T00:00-05:30");
    CHECK(fp_trunc_time(-1, S("day"), utc) == -86400, "a day before 1970");
    CHECK(fp_trunc_time(-1, S("year"), utc) == -31536000, "1969-01-01");
    CHECK(fp_trunc_time(INT64_MIN, S("year"), utc) == INT64_MIN, "saturates");
    int64_t top = INT64_MAX - 2048, tr = fp_trunc_time(top, S("day"), S("+23:59"));
    CHECK(tr <= top && tr > top - 2 * 86400, "near INT64_MAX at +23:59: %" PRId64, tr);
    CHECK(fp_year(INT64_MAX, utc) > 292000000000 && fp_year(INT64_MIN, minus) < -292000000000,
          "every i64 has a date");
    return true;
}

/* Every day of 0000..9999 by walking the calendar one day at a time (the
 * leap rule written out here): parse, format, parts and trunc agree. */
static bool every_day(void)
{
    int64_t t = -62167219200;   /* 0000-01-01 */
    int wd = 6;                 /* a Saturday */
    for (int y = 0; y <= 9999; y++) {
        bool leap = y % 400 == 0 || (y % 4 == 0 && y % 100 != 0);
        for (int m = 1; m <= 12; m++) {
            int len = m == 2 ? (leap ? 29 : 28) : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
            for (int d = 1; d <= len; d++, t += 86400, wd = wd % 7 + 1) {
                char s[32];
                snprintf(s, sizeof s, "%04d-%02d-%02dT12:34:56Z", y, m, d);
                int64_t us;
                size_t at;
                const char *r;
                int64_t noon = t + 45296;
                CHECK(parse(s, "", &us, &at, &r) && us == noon * 1000000, "%s parsed", s);
                char out[32];
                bool ok;
                size_t n = fp_time_format(out, noon, S(""), 0, &ok);
                CHECK(ok && n == 20 && !memcmp(out, s, 20), "%s formatted as %.*s", s, (int)n, out);
                fp_str z = S("");
                CHECK(fp_year(noon, z) == y && fp_month(noon, z) == m && fp_day(noon, z) == d &&
                          fp_weekday(noon, z) == wd, "%s: parts", s);
                CHECK(fp_trunc_time(noon, S("day"), z) == t, "%s: trunc day", s);
            }
        }
    }
    return true;
}

/* The element error: reason, byte and the text, through a worker. */
static bool element_error(void)
{
    fp_worker w = {0};
    w.arena = fp_arena_new();
    fp_site site = {"t", "t.fpipe", 1, 1, 0};
    int64_t v = fp_parse_time(&w, &site, S("2023-02-29\t"), S(""));
    CHECK(v == 0 && w.failed, "no error");
    CHECK(!strcmp(w.err_msg, "parse_time: expected 'T' or a space after the date at byte 11 of "
                             "\"2023-02-29\\x09\""), "message: %s", w.err_msg);
    fp_worker w2 = {0};
    w2.arena = w.arena;
    fp_str s = fp_format_time(w.arena, &w2, &site, INT64_MAX, S(""), S(""));
    CHECK(s.n == 0 && w2.failed && strstr(w2.err_msg, "outside the years 0000..9999"),
          "format_time out of range");
    fp_worker w3 = {0};
    w3.arena = w.arena;
    CHECK(fp_parse_time(&w3, &site, S("1969-12-31T23:59:59.9Z"), S("")) == -1 && !w3.failed,
          "seconds round down");
    CHECK(fp_parse_time_us(&w3, &site, S("1969-12-31T23:59:59.9Z"), S("")) == -100000, "us");
    fp_arena_free(w.arena);
    return true;
}

int main(void)
{
    run("ISO 8601 edges: leap days, 1970 and before, offsets across a day, 24:00, fractions",
        iso_edges);
    run("ISO 8601 errors: located, with the reason", iso_errors);
    run("strftime-style formats: parse", formats);
    run("format_time: ISO 8601, offsets, directives, the year range", formatting);
    run("parts and trunc_time: offsets, weeks from Monday, month and year ends", parts_and_trunc);
    run("every day of 0000..9999 against a day-by-day calendar walk", every_day);
    run("element errors name the reason, the byte and the text", element_error);
    return failures ? 1 : 0;
}
