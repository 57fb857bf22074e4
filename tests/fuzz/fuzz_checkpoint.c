/* fuzz_checkpoint.c — libFuzzer target: --resume's checkpoint reader
 * (runtime/checkpoint.c) on arbitrary payloads whose checksums are right.
 *
 * Input: byte 0 picks the pipeline (0: keyed, acc {i64 n; i64 v[3]} with
 * n <= 3; 1: global, the same acc in a state with its bool; 2: element-wise
 * (str, [i64]) elements with input records; 3: the same without records),
 * byte 1 the number of keys the header claims; the rest is the payload.
 * fp_ckpt_save writes it with a valid header and both CRC32s, as a liar
 * would, and fp_ckpt_load reads it back.
 *
 * Invariants: no crash, no sanitizer report; a payload the reader accepts
 * reads back whole within its bounds: every key and accumulator (n <= 3),
 * every element and record (a place inside its record), nothing left over.
 */
#include "fuzz_util.h"

#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct acc {
    int64_t n;
    int64_t v[3];
} acc;

typedef struct state {
    acc a;
    bool has;
} state;

static bool acc_valid(const void *p)
{
    const acc *a = p;
    return a->n >= 0 && a->n <= 3;
}

static bool state_valid(const void *p)
{
    const state *s = p;
    unsigned char b;
    memcpy(&b, &s->has, 1);
    return b <= 1 && acc_valid(&s->a);
}

/* One element: (str, [i64]), as the generated readers read it. */
static const char *get_elem(fp_worker *w, const char *p)
{
    fp_str s;
    int64_t n, x;
    p = fp_ckpt_get_str(w, p, &s);
    p = fp_ckpt_get_len(w, p, &n);
    for (int64_t i = 0; i < n; i++)
        p = fp_ckpt_get_i64(w, p, &x);
    return p;
}

static bool elems_valid_rec(fp_worker *w, const char *p, const char *end)
{
    w->ck_end = end;
    w->ck_bad = false;
    while (p < end && !w->ck_bad) {
        p = fp_ckpt_next(w, p);
        p = get_elem(w, p);
    }
    return !w->ck_bad;
}

static bool elems_valid(fp_worker *w, const char *p, const char *end)
{
    w->ck_end = end;
    w->ck_bad = false;
    while (p < end && !w->ck_bad)
        p = get_elem(w, p);
    return !w->ck_bad;
}

static void resume_none(fp_worker *w)
{
    (void)w;
}

static const fp_op ops[1];   /* one operator, no --config settings */

static char dir[64], input[80];

static void cleanup(void)
{
    char path[160];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/fz%d.op.ckpt", dir, i);
        unlink(path);
    }
    unlink(input);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fpipe-fuzz-ckpt-%d", (int)getpid());
        snprintf(input, sizeof input, "%s.in", dir);
        FILE *f = fopen(input, "w");
        if (!f)
            abort();
        fputs("input\n", f);
        fclose(f);
        atexit(cleanup);
    }
    int kind = data[0] % 4;
    static const char *const names[] = {"fz0", "fz1", "fz2", "fz3"};
    fp_ckpt_info info = {"op", 1, 1, 42, "test payload"};
    fp_pipeline pl = {.name = names[kind], .fpipe_file = "fuzz.fpipe", .checkpoint = &info,
                      .ops = ops, .nops = 1};
    if (kind == 0) {
        pl.shape = FP_SHAPE_KEYED;
        pl.acc_size = sizeof(acc);
        pl.ckpt_acc_valid = acc_valid;
    } else if (kind == 1) {
        pl.shape = FP_SHAPE_GLOBAL;
        pl.acc_size = sizeof(state);
        pl.ckpt_acc_valid = state_valid;
    } else {
        pl.shape = FP_SHAPE_ELEMENTWISE;
        pl.resume1 = resume_none;
        pl.ckpt_records = kind == 2;
        pl.ckpt_elems_valid = kind == 2 ? elems_valid_rec : elems_valid;
    }
    const char *paths[1] = {input};
    char why[512];
    fp_ckpt ck;
    if (fp_ckpt_init(&ck, &pl, dir, paths, 1, 4096, why, sizeof why) != 0)
        abort();
    fp_buf payload = {(char *)data + 2, size - 2, size - 2};
    uint64_t stat[3] = {1, 2, 3};
    if (fp_ckpt_save(&ck, &pl, &payload, data[1], stat, NULL, NULL, why, sizeof why) != 0)
        abort();
    fp_ckpt ck2;
    CHECK(fp_ckpt_init(&ck2, &pl, dir, paths, 1, 4096, why, sizeof why) == 0);
    int rc = fp_ckpt_load(&ck2, &pl, why, sizeof why);
    CHECK(rc == 0 || rc == 1);
    if (getenv("FUZZ_CKPT_VERBOSE"))   /* seeds: which are accepted */
        fprintf(stderr, "%s\n", rc ? why : "accepted");
    if (rc == 1)
        CHECK(strncmp(why, "corrupt (", 9) == 0);   /* the header is right: only the payload lies */
    if (rc == 0) {
        CHECK(ck2.payload_n == size - 2 && memcmp(ck2.payload, data + 2, size - 2) == 0);
        const char *p = ck2.payload, *end = p + ck2.payload_n;
        if (kind == 0) {
            uint64_t keys = 0;
            while (p < end) {   /* as stage2_from_payload walks it */
                uint64_t kn;
                CHECK((size_t)(end - p) >= 8 + sizeof(acc));
                memcpy(&kn, p, 8);
                acc a;
                memcpy(&a, p + 8, sizeof a);
                CHECK(a.n >= 0 && a.n <= 3);
                const char *key = p + 8 + sizeof(acc);
                CHECK(kn <= (uint64_t)(end - key));
                p = key + ((kn + 7) & ~(uint64_t)7);
                CHECK(p <= end);
                keys++;
            }
            CHECK(keys == data[1]);
        } else if (kind == 1) {
            CHECK(ck2.payload_n == sizeof(state));
            state s;
            memcpy(&s, p, sizeof s);
            CHECK(state_valid(&s));
        } else {   /* the partition table, then each partition's elements */
            uint64_t np;
            CHECK(ck2.payload_n >= 8);
            memcpy(&np, p, 8);
            const char *part = p + 8 + np * 24;
            fp_worker w;
            memset(&w, 0, sizeof w);
            w.arena = fp_arena_new();
            for (uint64_t k = 0; k < np; k++) {
                uint64_t v[3];
                memcpy(v, p + 8 + k * 24, 24);
                CHECK(v[0] == 0 && v[2] <= (uint64_t)(end - part));
                const char *q = part, *pend = part + v[2];
                w.ck_end = pend;
                w.ck_bad = false;
                w.ck_part = (fp_part){.begin = part, .end = pend};
                while (q < pend) {
                    if (kind == 2) {
                        q = fp_ckpt_next(&w, q);
                        CHECK(w.pos >= w.ck_part.begin && w.pos <= w.ck_part.end);
                    }
                    q = get_elem(&w, q);
                    CHECK(!w.ck_bad && q <= pend);
                }
                part = pend;
            }
            CHECK(part == end);
            fp_arena_free(w.arena);
        }
    }
    fp_ckpt_free(&ck);
    fp_ckpt_free(&ck2);
    return 0;
}
