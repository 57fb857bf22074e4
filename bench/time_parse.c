/* time_parse.c — ISO 8601 parsing speed, one thread: fpipe's parser
 * (runtime/time.c, fp_time_parse) against the C library's way, strptime
 * then timegm.  Usage: time_parse N
 *
 * Makes N timestamps in memory (years 1970..2069, every offset form of
 * the library's %z: Z, +hh:mm, -hhmm), parses them all with each, three
 * times, and prints the best rate of each in millions per second of the
 * thread's CPU time (this thread's speed, whatever else the machine runs).  Both
 * must give the same sum of epoch seconds, or it exits 1.
 */
#define _GNU_SOURCE   /* strptime, timegm */
#include "libfpipe.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);   /* the thread's own time: the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 4000000;
    char *text = malloc(n * 40);
    if (!text)
        return 1;
    uint64_t x = 42;
    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        int64_t t = (int64_t)((x >> 20) % 3155760000u);   /* 1970..2069 */
        static const char *const offs[] = {"Z", "+01:00", "-0530", "+05:45"};
        struct tm tm;
        time_t tt = (time_t)t;
        gmtime_r(&tt, &tm);
        snprintf(text + i * 40, 40, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offs[x >> 62]);
    }
    double best_ours = 1e9, best_libc = 1e9;
    int64_t sum_ours = 0, sum_libc = 0;
    for (int round = 0; round < 3; round++) {
        double t0 = now();
        int64_t s = 0;
        for (size_t i = 0; i < n; i++) {
            const char *p = text + i * 40;
            int64_t us;
            size_t at;
            const char *why;
            if (!fp_time_parse(p, strlen(p), fp_str_lit("", 0), &us, &at, &why))
                return 1;
            s += us / 1000000;
        }
        double t1 = now();
        int64_t s2 = 0;
        for (size_t i = 0; i < n; i++) {
            struct tm tm = {0};
            const char *p = text + i * 40;
            if (!strptime(p, "%Y-%m-%dT%H:%M:%S%z", &tm))
                return 1;
            long off = tm.tm_gmtoff;   /* timegm resets it */
            s2 += (int64_t)timegm(&tm) - off;
        }
        double t2 = now();
        best_ours = t1 - t0 < best_ours ? t1 - t0 : best_ours;
        best_libc = t2 - t1 < best_libc ? t2 - t1 : best_libc;
        sum_ours = s;
        sum_libc = s2;
    }
    if (sum_ours != sum_libc) {
        fprintf(stderr, "time_parse: the sums differ: %" PRId64 " and %" PRId64 "\n", sum_ours,
                sum_libc);
        return 1;
    }
    printf("ISO 8601 parse, 1 thread, %zu timestamps (best of 3, per CPU second):\n", n);
    printf("  fpipe (runtime/time.c)   %6.1f M/s\n", (double)n / best_ours / 1e6);
    printf("  glibc strptime + timegm  %6.1f M/s\n", (double)n / best_libc / 1e6);
    return 0;
}
