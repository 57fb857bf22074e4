/* progress.c — a progress line on stderr while stage 1 runs:
 *
 *   wordcount: 12.6/50.0 MB (25%), 1.21M records/s, ETA 0:03
 *
 * Updated when a partition is done, at most five times a second, and once
 * more at the end (then a newline).  Bytes are the input partitions' bytes,
 * records the lines (or CSV / JSON records) read.  The driver turns it on
 * when stderr is a terminal, or when --progress (or `progress: true` in
 * --config) forces it; --no-progress turns it off.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>


struct fp_progress {
    uint64_t total, done, records;
    double start, last;
    bool tty;    /* stderr is a terminal: clear the rest of the line */
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A progress line for total_bytes of input; tty: redraw in place. */
fp_progress *fp_progress_new(uint64_t total_bytes, bool tty)
{
    fp_progress *p = calloc(1, sizeof *p);
    if (!p)
        fp_oom();
    p->total = total_bytes;
    p->tty = tty;
    p->start = p->last = mono();
    return p;
}

/* v with a k/M/G suffix and unit, into buf. */
static void scaled(char *buf, size_t n, double v, const char *unit)
{
    if (v >= 1e9)
        snprintf(buf, n, "%.2fG%s", v / 1e9, unit);
    else if (v >= 1e6)
        snprintf(buf, n, "%.2fM%s", v / 1e6, unit);
    else if (v >= 1e3)
        snprintf(buf, n, "%.1fk%s", v / 1e3, unit);
    else
        snprintf(buf, n, "%.0f%s", v, unit);
}

/* Print the line at time t: bytes done, percent, records/s, ETA. */
static void show(fp_progress *p, double t)
{
    double el = t - p->start;
    double pct = p->total ? 100.0 * (double)p->done / (double)p->total : 100.0;
    char rate[32], eta[32];
    scaled(rate, sizeof rate, el > 0 ? (double)p->records / el : 0, " records/s");
    if (p->done >= p->total)
        snprintf(eta, sizeof eta, "done in %.1fs", el);
    else if (p->done == 0 || el <= 0)
        snprintf(eta, sizeof eta, "ETA -");
    else {
        double s = el * (double)(p->total - p->done) / (double)p->done;
        long long si = (long long)(s + 0.5);
        snprintf(eta, sizeof eta, "ETA %lld:%02lld", si / 60, si % 60);
    }
    fprintf(stderr, "\r%s: %.1f/%.1f MB (%.0f%%), %s, %s%s", fp_prog, (double)p->done / 1e6,
            (double)p->total / 1e6, pct, rate, eta, p->tty ? "\033[K" : "");
    fflush(stderr);
}

/* A partition is done: add its bytes and records, redraw at most five
 * times a second.  Called from any thread. */
void fp_progress_add(fp_progress *p, uint64_t bytes, uint64_t records)
{
#ifdef _OPENMP
#pragma omp critical(fp_progress)
#endif
    {
        p->done += bytes;
        p->records += records;
        double t = mono();
        if (t - p->last >= 0.2 && p->done < p->total) {
            p->last = t;
            show(p, t);
        }
    }
}

void fp_progress_end(fp_progress *p)
{
    if (!p)
        return;
    show(p, mono());
    fputc('\n', stderr);
    free(p);
}
