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
 * After the operators: under MPI every rank's load (fp_stats_set_ranks,
 * from mpi.c; the counts above are then summed over ranks), and for a
 * combine_per_key its hot keys, from the majority-vote sketch of
 * libfpipe.h (fp_hot) merged over threads and ranks.
 *
 *   time       stage 1's operators: each thread's stage-1 time shared out
 *              in proportion to what 1 element in 64 (at random) measured
 *              operator by operator (fp_sample, fp_tick; docs/running.md)
 *   backoff    retry with backoff_ms: the time waited before retries
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>


uint64_t fp_count_lines(const char *p, const char *end)
{
    if (p >= end)
        return 0;
    return fp_count_newlines(p, end) + (end[-1] != '\n');   /* a last line without one */
}

uint64_t fp_count_newlines(const char *p, const char *end)
{
    uint64_t n = 0;
    while (p < end) {
        const char *q = memchr(p, '\n', (size_t)(end - p));
        if (!q)
            break;
        n++;
        p = q + 1;
    }
    return n;
}

/* --resume: operators [0, resumed_upto) were counted by the run that wrote
 * the checkpoint at resumed_path. */
static int resumed_upto;
static const char *resumed_path;

void fp_stats_resumed(int upto, const char *path)
{
    resumed_upto = upto;
    resumed_path = path;
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

/* Sum the nw workers' counters into c, one op_counts per operator
 * (in, out, filtered, dropped, collected, retried). */
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
        /* Not counted apart (no code in the loops): a filter's rejects
         * and a flatmap's elements expanded, from in = out + filtered +
         * dropped + collected, in = expanded + dropped + collected. */
        uint64_t gone = dropped + collected + (!strcmp(op->kind, "filter") ? out : 0);
        uint64_t rest = c[i].in > gone ? c[i].in - gone : 0;
        if (!strcmp(op->kind, "filter"))
            c[i].filtered = rest;
        if (!strcmp(op->kind, "flatmap"))
            c[i].expanded = rest;
    }
}

/* The table's note on an operator's counts (a flatmap's fan-out, what
 * out means for a combine or top), into buf. */
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

static void json_str_n(FILE *f, const char *s, size_t n)
{
    fp_buf b = {0};
    fp_out_json_str(&b, fp_str_lit(s, n));
    fwrite(b.p, 1, b.n, f);
    fp_buf_free(&b);
}

static void json_str(FILE *f, const char *s)
{
    json_str_n(f, s, strlen(s));
}

static void extra_text(FILE *f, const fp_pipeline *pl);
static void extra_json(FILE *f, const fp_pipeline *pl);

/* key_bytes: what the distinct keys and their accumulators need, whatever
 * holds them: the sum over distinct keys of the key's bytes plus the
 * accumulator's (a keyed combine only; 0 otherwise).  Printed next to the
 * tables' bytes, the pool of promoted f64 sums and the peak RSS, with the
 * ratio of the RSS to it. */
void fp_stats_report(FILE *f, const fp_pipeline *pl, const fp_worker *ws, int nw, int threads,
                     bool json, double stage1_s, double total_s, uint64_t table_bytes,
                     uint64_t keys, uint64_t key_bytes)
{
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
                   "\"memory\":{\"peak_rss_bytes\":%lld,\"table_bytes\":%llu",
                threads, stage1_s, total_s, (long long)rss_kib * 1024,
                (unsigned long long)table_bytes);
        if (pl->shape == FP_SHAPE_KEYED)
            fprintf(f, ",\"distinct_keys\":%llu,\"key_bytes\":%llu,\"promoted_sum_bytes\":%zu",
                    (unsigned long long)keys, (unsigned long long)key_bytes,
                    fp_xsum_big_bytes());
        fputs("},", f);
        if (resumed_path) {
            fputs("\"resumed_from\":", f);
            json_str(f, resumed_path);
            fputc(',', f);
        }
        fputs("\"operators\":[", f);
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
            if (resumed_path)
                fprintf(f, ",\"from_checkpoint\":%s", i < resumed_upto ? "true" : "false");
            fputc('}', f);
        }
        fputc(']', f);
        extra_json(f, pl);   /* MPI ranks, hot keys */
        fputs("}\n", f);
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
        size_t big = fp_xsum_big_bytes();   /* f64 sums out of the slots' window (fsum.c) */
        if (big)
            fprintf(f, ", promoted sums %.1f %s", (double)big / (big < 1000000 ? 1e3 : 1e6),
                    big < 1000000 ? "kB" : "MB");
        if (pl->shape == FP_SHAPE_KEYED && key_bytes)
            fprintf(f, ", keys and accumulators %.1f %s (peak RSS %.1fx that)",
                    (double)key_bytes / (key_bytes < 1000000 ? 1e3 : 1e6),
                    key_bytes < 1000000 ? "kB" : "MB",
                    (double)rss_kib * 1024 / (double)key_bytes);
        fputc('\n', f);
        if (resumed_path)
            fprintf(f, "  resumed from the checkpoint '%s': the counts marked * are the run's "
                       "that wrote it\n", resumed_path);
        fprintf(f, "  %-*s %-15s %12s %12s %12s %12s %12s %9s\n", w, "operator", "kind", "in",
                "out", "filtered", "dropped", "collected", "time");
        for (int i = 0; i < n; i++) {
            const fp_op *op = &pl->ops[i];
            note(op, &c[i], pl->source == FP_SOURCE_TEXT, buf, sizeof buf);
            if (resumed_path && i < resumed_upto) {
                size_t at = strlen(buf);
                snprintf(buf + at, sizeof buf - at, "%s* from the checkpoint", at ? "; " : "");
            }
            char tm[32] = "-";   /* sampled, stage 1 only */
            double secs = op_seconds(pl, ws, nw, i);
            if (secs >= 0)
                snprintf(tm, sizeof tm, "%.3f s", secs);
            fprintf(f, "  %-*s %-15s %12llu %12llu %12llu %12llu %12llu %9s%s%s\n", w, op->name,
                    op->kind, (unsigned long long)c[i].in, (unsigned long long)c[i].out,
                    (unsigned long long)c[i].filtered, (unsigned long long)c[i].dropped,
                    (unsigned long long)c[i].collected, tm, buf[0] ? "  " : "", buf);
        }
        extra_text(f, pl);   /* MPI ranks, hot keys */
    }
    free(c);
}

/* ---- MPI: every rank's load (set by mpi.c on rank 0) ----------------- */

static fp_rank_load *g_ranks;
static int g_nranks;

/* Keep a copy of every rank's load for --stats (rank 0, under MPI). */
void fp_stats_set_ranks(const fp_rank_load *ranks, int nranks)
{
    free(g_ranks);
    g_ranks = NULL;
    g_nranks = 0;
    if (nranks <= 0)
        return;
    g_ranks = malloc((size_t)nranks * sizeof *g_ranks);
    if (!g_ranks)
        fp_oom();
    memcpy(g_ranks, ranks, (size_t)nranks * sizeof *g_ranks);
    g_nranks = nranks;
}

uint64_t fp_stats_peak_rss(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss * 1024 : 0;   /* KiB */
}

/* The operator stage 1 ends at: the first combine or top (its input is
 * what stage 1 passes on), else the sink (the rows it writes). */
static int stage1_end(const fp_pipeline *pl, bool *before)
{
    for (int i = 0; i < pl->nops; i++) {
        const char *k = pl->ops[i].kind;
        if (!strcmp(k, "combine_per_key") || !strcmp(k, "combine") || !strcmp(k, "top")) {
            *before = true;
            return i;
        }
    }
    *before = false;
    return pl->nops - 1;
}

/* The records read by the source (*in) and the elements that leave
 * stage 1 (*out: what its boundary operator takes in, or passes on),
 * summed over the workers. */
void fp_stats_stage1_records(const fp_pipeline *pl, const fp_worker *ws, int nw, uint64_t *in,
                             uint64_t *out)
{
    *in = *out = 0;
    if (pl->nops == 0)
        return;
    op_counts *c = calloc((size_t)pl->nops, sizeof *c);
    if (!c)
        fp_oom();
    sum_counts(pl, ws, nw, c);
    bool before;
    int e = stage1_end(pl, &before);
    *in = c[0].in;
    *out = before ? c[e].in : c[e].out;
    free(c);
}

/* Slowest / mean stage-1 time over the ranks. */
static double rank_skew(void)
{
    double sum = 0, max = 0;
    for (int r = 0; r < g_nranks; r++) {
        sum += g_ranks[r].stage1_s;
        if (g_ranks[r].stage1_s > max)
            max = g_ranks[r].stage1_s;
    }
    return sum > 0 ? max / (sum / g_nranks) : 1.0;
}

/* --stats' table of the ranks' loads and their skew (MPI only). */
static void ranks_text(FILE *f)
{
    if (!g_nranks)
        return;
    fprintf(f, "  ranks: %d, stage 1 skew (slowest / mean) %.2f\n", g_nranks, rank_skew());
    fprintf(f, "  %4s %7s %-17s %10s %12s %12s %9s %12s %12s %12s %12s %8s\n", "rank", "threads",
            "partitions", "MB", "records in", "stage-1 out", "stage 1 s", "shuffle sent",
            "shuffle recv", "gather sent", "gather recv", "RSS MB");
    for (int r = 0; r < g_nranks; r++) {
        const fp_rank_load *l = &g_ranks[r];
        char parts[48];
        snprintf(parts, sizeof parts, "[%llu, %llu) %llu", (unsigned long long)l->part_lo,
                 (unsigned long long)l->part_hi, (unsigned long long)(l->part_hi - l->part_lo));
        fprintf(f, "  %4d %7llu %-17s %10.1f %12llu %12llu %9.3f %12llu %12llu %12llu %12llu %8.1f\n",
                r, (unsigned long long)l->threads, parts, (double)l->bytes / 1e6,
                (unsigned long long)l->records_in, (unsigned long long)l->records_out,
                l->stage1_s, (unsigned long long)l->shuffle_sent,
                (unsigned long long)l->shuffle_received, (unsigned long long)l->gather_sent,
                (unsigned long long)l->gather_received, (double)l->peak_rss / 1e6);
    }
}

/* The same as ranks_text, as members of --stats=json's object. */
static void ranks_json(FILE *f)
{
    if (!g_nranks)
        return;
    fprintf(f, ",\"skew\":%.3f,\"ranks\":[", rank_skew());
    for (int r = 0; r < g_nranks; r++) {
        const fp_rank_load *l = &g_ranks[r];
        fprintf(f,
                "%s{\"rank\":%d,\"threads\":%llu,\"partitions\":[%llu,%llu],\"bytes\":%llu,"
                "\"records_in\":%llu,\"records_out\":%llu,\"stage1_seconds\":%.6f,"
                "\"shuffle_sent_bytes\":%llu,\"shuffle_received_bytes\":%llu,"
                "\"gather_sent_bytes\":%llu,\"gather_received_bytes\":%llu,"
                "\"peak_rss_bytes\":%llu}",
                r ? "," : "", r, (unsigned long long)l->threads,
                (unsigned long long)l->part_lo, (unsigned long long)l->part_hi,
                (unsigned long long)l->bytes, (unsigned long long)l->records_in,
                (unsigned long long)l->records_out, l->stage1_s,
                (unsigned long long)l->shuffle_sent, (unsigned long long)l->shuffle_received,
                (unsigned long long)l->gather_sent, (unsigned long long)l->gather_received,
                (unsigned long long)l->peak_rss);
    }
    fputc(']', f);
}

/* ---- hot keys of a combine_per_key ---------------------------------- */

/* A key is reported when its record count is certainly at least this share
 * of the combine's records (the sketch's lower bound, its votes). */
#define HOT_SHARE 0.10
#define HOT_MAX 8

fp_hot *fp_hot_new(void)
{
    fp_hot *h = calloc(1, sizeof *h);
    if (!h)
        fp_oom();
    return h;
}

/* n queued probes, stride bytes apart (the generated code's pending
 * updates), in their order. */
void fp_hot_add_batch(fp_hot *h, const fp_kprobe *first, int n, size_t stride)
{
    const char *p = (const char *)first;
    for (int i = 0; i < n; i++, p += stride)
        fp_hot_add(h, (const fp_kprobe *)(const void *)p);
}

void fp_hot_take(fp_hot *h, fp_hot_bucket *b, const fp_kprobe *pr)
{
    /* A key over 16 bytes: its bytes are a view the table keeps too (a
     * short key is its inline words, k0 and k1: pr->p may be a key buffer
     * the stage reuses, for scalar keys, before the batch is applied). */
    size_t n = fp_ktag_len(pr->tag);
    memcpy(h->key[b - h->b], pr->p, n < FP_HOT_KEY ? n : FP_HOT_KEY);
}

/* Merge hot-key sketch b into a, bucket by bucket: counts add, and the
 * candidates' votes add when they are the same key, else cancel (a
 * majority vote). */
void fp_hot_merge(fp_hot *a, const fp_hot *b)
{
    for (int i = 0; i < FP_HOT_BUCKETS; i++) {
        fp_hot_bucket *x = &a->b[i];
        const fp_hot_bucket *y = &b->b[i];
        x->n += y->n;
        if (x->tag == y->tag && x->k0 == y->k0 && x->k1 == y->k1) {
            x->votes += y->votes;
        } else if (x->votes >= y->votes) {
            x->votes -= y->votes;   /* votes of two candidates cancel in pairs */
        } else {
            uint64_t n = x->n, votes = y->votes - x->votes;
            *x = *y;
            x->n = n;
            x->votes = votes;
            memcpy(a->key[i], b->key[i], FP_HOT_KEY);
        }
    }
}

static fp_hot *g_hot;
static int g_hot_ranks;

void fp_stats_set_hot(const fp_hot *h, int nranks)
{
    if (!g_hot)
        g_hot = fp_hot_new();
    *g_hot = *h;
    g_hot_ranks = nranks;
}

typedef struct hot_key {
    const fp_hot_bucket *b;
    const char *key;
    uint64_t lo, hi;   /* bounds of its record count */
} hot_key;

/* Hot keys by their lower bound, largest first, then by key bytes. */
static int hot_cmp(const void *pa, const void *pb)
{
    const hot_key *a = pa, *b = pb;
    if (a->lo != b->lo)
        return a->lo > b->lo ? -1 : 1;
    size_t na = fp_ktag_len(a->b->tag), nb = fp_ktag_len(b->b->tag);
    size_t m = na < nb ? na : nb;
    m = m < FP_HOT_KEY ? m : FP_HOT_KEY;
    int c = memcmp(a->key, b->key, m);
    return c ? c : (na > nb) - (na < nb);
}

/* The keys reported, most records first; returns how many, and the
 * combine's records in *total. */
static int hot_keys(hot_key *out, uint64_t *total)
{
    *total = 0;
    if (!g_hot)
        return 0;
    for (int i = 0; i < FP_HOT_BUCKETS; i++)
        *total += g_hot->b[i].n;
    int n = 0;
    for (int i = 0; i < FP_HOT_BUCKETS && *total; i++) {
        const fp_hot_bucket *b = &g_hot->b[i];
        if (!b->tag || (double)b->votes < HOT_SHARE * (double)*total)
            continue;
        if (fp_ktag_len(b->tag) <= 16) {   /* the key is its inline words */
            memcpy(g_hot->key[i], &b->k0, 8);
            memcpy(g_hot->key[i] + 8, &b->k1, 8);
        }
        out[n++] = (hot_key){b, g_hot->key[i], b->votes, (b->n + b->votes) / 2};
    }
    qsort(out, (size_t)n, sizeof *out, hot_cmp);
    return n < HOT_MAX ? n : HOT_MAX;
}

/* The key as JSON: a string, or an i64 / bool key as a number / boolean. */
static void hot_key_json(FILE *f, const fp_pipeline *pl, const hot_key *k)
{
    size_t n = fp_ktag_len(k->b->tag);
    if (pl->key == FP_KEY_I64 && n == 8)
        fprintf(f, "%lld", (long long)fp_unkey_i64(fp_str_lit(k->key, 8)));
    else if (pl->key == FP_KEY_BOOL && n == 1)
        fputs(fp_unkey_bool(fp_str_lit(k->key, 1)) ? "true" : "false", f);
    else
        json_str_n(f, k->key, n < FP_HOT_KEY ? n : FP_HOT_KEY);
}

static int hot_op(const fp_pipeline *pl)
{
    for (int i = 0; i < pl->nops; i++)
        if (!strcmp(pl->ops[i].kind, "combine_per_key"))
            return i;
    return -1;
}

/* --stats' hot keys of the keyed combine (those with at least
 * HOT_SHARE of its records). */
static void hot_text(FILE *f, const fp_pipeline *pl)
{
    int op = hot_op(pl);
    if (op < 0 || !g_hot)
        return;
    hot_key k[FP_HOT_BUCKETS];
    uint64_t total;
    int n = hot_keys(k, &total);
    fprintf(f, "  hot keys of %s (>= %.0f%% of its %llu records):%s\n", pl->ops[op].name,
            HOT_SHARE * 100, (unsigned long long)total, n ? "" : " none");
    for (int i = 0; i < n; i++) {
        fputs("    ", f);
        hot_key_json(f, pl, &k[i]);
        size_t len = fp_ktag_len(k[i].b->tag);
        if (len > FP_HOT_KEY)
            fprintf(f, " (first %d of %zu bytes)", FP_HOT_KEY, len);
        fprintf(f, "  %llu to %llu records (%.1f%% to %.1f%%)", (unsigned long long)k[i].lo,
                (unsigned long long)k[i].hi, 100.0 * (double)k[i].lo / (double)total,
                100.0 * (double)k[i].hi / (double)total);
        if (g_hot_ranks > 1)
            fprintf(f, ", owner rank %d", fp_key_owner(k[i].b->tag, g_hot_ranks));
        fputc('\n', f);
    }
}

/* The same as hot_text, as a member of --stats=json's object. */
static void hot_json(FILE *f, const fp_pipeline *pl)
{
    int op = hot_op(pl);
    if (op < 0 || !g_hot)
        return;
    hot_key k[FP_HOT_BUCKETS];
    uint64_t total;
    int n = hot_keys(k, &total);
    fputs(",\"hot_keys\":{\"operator\":", f);
    json_str(f, pl->ops[op].name);
    fprintf(f, ",\"min_share\":%.2f,\"records\":%llu,\"keys\":[", HOT_SHARE,
            (unsigned long long)total);
    for (int i = 0; i < n; i++) {
        fputs(i ? ",{\"key\":" : "{\"key\":", f);
        hot_key_json(f, pl, &k[i]);
        fprintf(f, ",\"key_bytes\":%zu,\"records_min\":%llu,\"records_max\":%llu,"
                   "\"share_min\":%.4f,\"share_max\":%.4f",
                fp_ktag_len(k[i].b->tag), (unsigned long long)k[i].lo,
                (unsigned long long)k[i].hi, (double)k[i].lo / (double)total,
                (double)k[i].hi / (double)total);
        if (g_hot_ranks > 1)
            fprintf(f, ",\"owner_rank\":%d", fp_key_owner(k[i].b->tag, g_hot_ranks));
        fputc('}', f);
    }
    fputs("]}", f);
}

/* What fp_stats_report adds after the operators: the ranks (MPI), the hot
 * keys (a combine_per_key). */
static void extra_text(FILE *f, const fp_pipeline *pl)
{
    ranks_text(f);
    hot_text(f, pl);
}

static void extra_json(FILE *f, const fp_pipeline *pl)
{
    ranks_json(f);
    hot_json(f, pl);
}
