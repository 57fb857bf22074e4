/* stats.c — --stats: what every operator did, on stderr, as a table or as
 * one line of JSON.
 *
 * The counts come from per-worker counters (generated code keeps stage 1's
 * in locals and adds them when a partition is done), summed here: nothing
 * is shared while the loops run.  Per operator i:
 *
 *   in         what reached it: the previous operator's out (the source:
 *              the lines or records read)
 *   out        what it passed on (a combine_per_key: its keys; a top: the
 *              elements kept; a sink: the rows written)
 *   filtered   a filter's rejects
 *   dropped    on_error drop, collected: on_error collect
 *   retried    retry N: the calls made again (a note in the table, shown
 *              when not 0; always in the JSON)
 *
 * and for map, filter, batch_map and sources in = out + filtered + dropped
 * + collected; for a flatmap in = expanded + dropped + collected, and out
 * is the expanded elements' items (the fan-out, stated as such).
 *
 *   time       stage 1's operators: each thread's stage-1 time shared out
 *              in proportion to what 1 element in 64 (at random) measured
 *              operator by operator (fp_sample, fp_tick; docs/running.md)
 *   backoff    retry with backoff_ms: the time waited before retries
 */
#include "libfpipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

void fp_oom(void);

uint64_t fp_count_lines(const char *p, const char *end)
{
    if (p >= end)
        return 0;
    uint64_t n = end[-1] != '\n';   /* a last line without a newline */
    while (p < end) {
        const char *q = memchr(p, '\n', (size_t)(end - p));
        if (!q)
            break;
        n++;
        p = q + 1;
    }
    return n;
}

/* ---- operator times: sampled in stage 1 ------------------------------ */

static uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t fp_tick(fp_worker *w, uint64_t t, int *op, int next)
{
    uint64_t n = clock_ns();
    w->optime[*op] += n - t > w->clock_cost ? n - t - w->clock_cost : 0;
    *op = next;
    return n | 1;   /* never 0: 0 means "not timing" */
}

/* What an empty interval measures: the least of a few ticks right after
 * a tick (the clock read, the call, the bookkeeping).  Each time measured
 * includes that much, which would otherwise go to every operator alike
 * (and a cheap map costs less than a clock read). */
uint64_t fp_clock_cost(void)
{
    uint64_t slot = 0, best = UINT64_MAX;
    fp_worker w = {.optime = &slot};
    int op = 0;
    for (int i = 0; i < 256; i++) {
        uint64_t t = fp_tick(&w, clock_ns() | 1, &op, 0);
        slot = 0;
        fp_tick(&w, t, &op, 0);
        if (slot < best)
            best = slot;
    }
    return best;
}

uint64_t fp_sample(fp_worker *w, uint64_t t, int *op, int first, uint64_t *skip)
{
    if (t)   /* the element timed before: its end (the next record's read) */
        t = fp_tick(w, t, op, first);
    if (*skip)
        return 0;
    /* this element is timed; the next one after 1 to 127 elements, at
     * random (xorshift64*; a fixed stride could beat in step with a batch
     * size or a fan-out): 1 in 64 on average */
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    *skip = 1 + (w->rng * 2685821657736338717u >> 33) % 127;
    *op = first;
    return t ? t : clock_ns() | 1;
}

/* Operator i's time in seconds, summed over the workers: each worker's
 * time in stage 1 shared out in proportion to its timed elements' times
 * (so the operators' times add up to stage 1's, over the threads).
 * Negative: the operator has no time (it runs after stage 1's loop). */
static double op_seconds(const fp_pipeline *pl, const fp_worker *ws, int nw, int i)
{
    if (i >= pl->timed_ops)
        return -1;
    double s = 0;
    for (int t = 0; t < nw; t++) {
        if (!ws[t].optime)
            continue;
        uint64_t all = 0;
        for (int j = 0; j < pl->timed_ops; j++)
            all += ws[t].optime[j];
        if (all)
            s += (double)ws[t].stage1_ns * 1e-9 * ((double)ws[t].optime[i] / (double)all);
    }
    return s;
}

typedef struct op_counts {
    uint64_t in, out, filtered, dropped, collected, expanded, retried;
    uint64_t backoff_ns;   /* retry with backoff_ms: the time waited */
} op_counts;

static void sum_counts(const fp_pipeline *pl, const fp_worker *ws, int nw, op_counts *c)
{
    int n = pl->nops;
    for (int i = 0; i < n; i++) {
        const fp_op *op = &pl->ops[i];
        uint64_t out = 0, second = 0, dropped = 0, collected = 0, retried = 0;
        for (int t = 0; t < nw; t++) {
            out += ws[t].stat[i];
            second += ws[t].stat[n + i];
            if (op->site >= 0) {
                dropped += ws[t].dropped[op->site];
                collected += ws[t].collected[op->site];
                retried += ws[t].retried[op->site];
            }
        }
        c[i] = (op_counts){.out = out, .dropped = dropped, .collected = collected,
                           .retried = retried};
        for (int t = 0; t < nw && op->site >= 0 && ws[t].backoff_ns; t++)
            c[i].backoff_ns += ws[t].backoff_ns[op->site];
        if (i == 0)
            c[i].in = pl->source == FP_SOURCE_TEXT ? out : second;
        else
            c[i].in = c[i - 1].out;
        if (!strcmp(op->kind, "filter"))
            c[i].filtered = second;
        if (!strcmp(op->kind, "flatmap"))
            c[i].expanded = i == 1 && pl->words_scan ? c[0].out : second;
    }
}

static void note(const fp_op *op, const op_counts *c, bool text, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!strcmp(op->kind, "flatmap"))
        snprintf(buf, len, "fan-out: %llu items from %llu elements (%.2f each)",
                 (unsigned long long)c->out, (unsigned long long)c->expanded,
                 c->expanded ? (double)c->out / (double)c->expanded : 0.0);
    else if (!strcmp(op->kind, "combine_per_key"))
        snprintf(buf, len, "out: distinct keys");
    else if (!strcmp(op->kind, "combine"))
        snprintf(buf, len, "out: the combined value");
    else if (!strcmp(op->kind, "top"))
        snprintf(buf, len, "out: elements kept");
    else if (!strcmp(op->kind, "sink"))
        snprintf(buf, len, "out: rows written");
    else if (!strcmp(op->kind, "source"))
        snprintf(buf, len, "in: the %s read", text ? "lines" : "records");
    if (c->retried) {   /* retry N: the calls made again */
        size_t at = strlen(buf);
        snprintf(buf + at, len - at, "%sretried %llu time%s", at ? "; " : "",
                 (unsigned long long)c->retried, c->retried == 1 ? "" : "s");
    }
    if (c->backoff_ns) {   /* backoff_ms: the time waited before those retries */
        size_t at = strlen(buf);
        snprintf(buf + at, len - at, " after %.3f s of backoff", (double)c->backoff_ns / 1e9);
    }
}

static void json_str(FILE *f, const char *s)
{
    fp_buf b = {0};
    fp_out_json_str(&b, fp_str_lit(s, strlen(s)));
    fwrite(b.p, 1, b.n, f);
    fp_buf_free(&b);
}

void fp_stats_report(const fp_pipeline *pl, const fp_worker *ws, int nw, int threads, bool json,
                     double stage1_s, double total_s, uint64_t table_bytes)
{
    FILE *f = stderr;
    int n = pl->nops;
    op_counts *c = calloc((size_t)(n ? n : 1), sizeof *c);
    if (!c)
        fp_oom();
    sum_counts(pl, ws, nw, c);
    char buf[160];
    struct rusage ru;
    long rss_kib = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;   /* Linux: KiB */
    if (json) {
        fputs("{\"pipeline\":", f);
        json_str(f, pl->name);
        fprintf(f, ",\"threads\":%d,\"seconds\":{\"stage1\":%.6f,\"total\":%.6f},"
                   "\"memory\":{\"peak_rss_bytes\":%lld,\"table_bytes\":%llu},\"operators\":[",
                threads, stage1_s, total_s, (long long)rss_kib * 1024,
                (unsigned long long)table_bytes);
        for (int i = 0; i < n; i++) {
            const fp_op *op = &pl->ops[i];
            fputs(i ? ",{\"name\":" : "{\"name\":", f);
            json_str(f, op->name);
            fprintf(f, ",\"kind\":\"%s\",\"location\":", op->kind);
            snprintf(buf, sizeof buf, ":%d:%d", op->line, op->col);
            size_t fl = strlen(pl->fpipe_file), bl = strlen(buf);
            char *loc = malloc(fl + bl + 1);
            if (!loc)
                fp_oom();
            memcpy(loc, pl->fpipe_file, fl);
            memcpy(loc + fl, buf, bl + 1);
            json_str(f, loc);
            free(loc);
            fprintf(f, ",\"in\":%llu,\"out\":%llu,\"filtered\":%llu,\"dropped\":%llu,"
                       "\"retried\":%llu",
                    (unsigned long long)c[i].in, (unsigned long long)c[i].out,
                    (unsigned long long)c[i].filtered, (unsigned long long)c[i].dropped,
                    (unsigned long long)c[i].retried);
            double secs = op_seconds(pl, ws, nw, i);   /* sampled (see above) */
            if (secs >= 0)
                fprintf(f, ",\"seconds\":%.6f", secs);
            else
                fputs(",\"seconds\":null", f);
            if (op->cfg && op->cfg->can_retry)   /* retry: the time waited (backoff_ms) */
                fprintf(f, ",\"backoff_seconds\":%.6f", (double)c[i].backoff_ns / 1e9);
            fprintf(f, ",\"collected\":%llu", (unsigned long long)c[i].collected);
            if (!strcmp(op->kind, "flatmap"))
                fprintf(f, ",\"expanded\":%llu", (unsigned long long)c[i].expanded);
            fputc('}', f);
        }
        fputs("]}\n", f);
    } else {
        int w = 8;
        for (int i = 0; i < n; i++)
            if ((int)strlen(pl->ops[i].name) > w)
                w = (int)strlen(pl->ops[i].name);
        fprintf(f, "stats: pipeline %s (%s), %d thread%s, stage 1 %.3f s, total %.3f s, "
                   "peak RSS %.1f MB",
                pl->name, pl->fpipe_file, threads, threads == 1 ? "" : "s", stage1_s, total_s,
                (double)rss_kib * 1024 / 1e6);
        if (table_bytes)
            fprintf(f, ", keyed tables %.1f MB", (double)table_bytes / 1e6);
        fputc('\n', f);
        fprintf(f, "  %-*s %-15s %12s %12s %12s %12s %12s %9s\n", w, "operator", "kind", "in",
                "out", "filtered", "dropped", "collected", "time");
        for (int i = 0; i < n; i++) {
            const fp_op *op = &pl->ops[i];
            note(op, &c[i], pl->source == FP_SOURCE_TEXT, buf, sizeof buf);
            char tm[32] = "-";   /* sampled, stage 1 only */
            double secs = op_seconds(pl, ws, nw, i);
            if (secs >= 0)
                snprintf(tm, sizeof tm, "%.3f s", secs);
            fprintf(f, "  %-*s %-15s %12llu %12llu %12llu %12llu %12llu %9s%s%s\n", w, op->name,
                    op->kind, (unsigned long long)c[i].in, (unsigned long long)c[i].out,
                    (unsigned long long)c[i].filtered, (unsigned long long)c[i].dropped,
                    (unsigned long long)c[i].collected, tm, buf[0] ? "  " : "", buf);
        }
    }
    free(c);
}
