/* fuzz_jsonl.c — libFuzzer target: the JSON-lines reader (runtime/
 * source.c, jansson underneath).
 *
 * Input: byte 0 = the record's field count (1..4, low 2 bits) and the
 * partition size (1 + the high 6 bits times 7); byte 1 = the field types,
 * 2 bits each (str, i64, f64, bool), the members being named a, b, c, d;
 * the rest is the file.  Every line is read with fp_jsonl_next and each
 * field taken with fp_json_str/i64/f64/bool, as generated code does.
 * Checked: no crash or leak (every object released), each record starts
 * inside its partition, a bad line is one element error with a message, a
 * string member keeps its bytes (NUL included), and reading partition by
 * partition gives what one partition gives.  And the two readers agree:
 * simdjson's fast path (jsonl.cc) gives the same records, values and
 * messages as jansson alone (fp_jsonl_use_jansson), line for line.
 * After the scalar fields, member "n" is read as a nested record (N
 * below: records in lists, lists of lists, a tuple) by fp_json_nested, as
 * generated code reads one, and logged whole, under the same checks.
 */
#include "fuzz_util.h"
#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[4] = {"a", "b", "c", "d"};
static const fp_site site = {"docs", "fuzz.fpipe", 1, 1, 0};

/* The nested member "n": N = { a: str, b: [i64], c: [M], d: (f64, bool) },
 * M = { a: i64, b: [[str]] }, laid out as the generated code would. */
typedef struct { fp_str *items; int64_t n; } list_str;
typedef struct { list_str *items; int64_t n; } list_list_str;
typedef struct { int64_t *items; int64_t n; } list_i64;
typedef struct { int64_t a; list_list_str b; } rec_M;
typedef struct { rec_M *items; int64_t n; } list_M;
typedef struct { double f0; bool f1; } tup_f64_bool;
typedef struct { fp_str a; list_i64 b; list_M c; tup_f64_bool d; } rec_N;
static const fp_jtype jt_list_str = {FP_JT_LIST, sizeof(list_str), 0, NULL, NULL,
                                     (const fp_jtype *const[]){&fp_jt_str}};
static const fp_jtype jt_list_list_str = {FP_JT_LIST, sizeof(list_list_str), 0, NULL, NULL,
                                          (const fp_jtype *const[]){&jt_list_str}};
static const fp_jtype jt_list_i64 = {FP_JT_LIST, sizeof(list_i64), 0, NULL, NULL,
                                     (const fp_jtype *const[]){&fp_jt_i64}};
static const fp_jtype jt_M = {FP_JT_RECORD, sizeof(rec_M), 2, (const char *const[]){"a", "b"},
                              (const size_t[]){offsetof(rec_M, a), offsetof(rec_M, b)},
                              (const fp_jtype *const[]){&fp_jt_i64, &jt_list_list_str}};
static const fp_jtype jt_list_M = {FP_JT_LIST, sizeof(list_M), 0, NULL, NULL,
                                   (const fp_jtype *const[]){&jt_M}};
static const fp_jtype jt_tup = {FP_JT_TUPLE, sizeof(tup_f64_bool), 2, NULL,
                                (const size_t[]){offsetof(tup_f64_bool, f0),
                                                 offsetof(tup_f64_bool, f1)},
                                (const fp_jtype *const[]){&fp_jt_f64, &fp_jt_bool}};
static const fp_jtype jt_N = {FP_JT_RECORD, sizeof(rec_N), 4,
                              (const char *const[]){"a", "b", "c", "d"},
                              (const size_t[]){offsetof(rec_N, a), offsetof(rec_N, b),
                                               offsetof(rec_N, c), offsetof(rec_N, d)},
                              (const fp_jtype *const[]){&fp_jt_str, &jt_list_i64, &jt_list_M,
                                                        &jt_tup}};

/* A value read by fp_json_nested, into the log, walking its fp_jtype. */
static void blog_nested(blog *b, const fp_jtype *t, const char *p)
{
    switch (t->kind) {
    case FP_JT_STR: {
        const fp_str *s = (const fp_str *)p;
        blog_str(b, s->p, s->n);
        break;
    }
    case FP_JT_I64: blog_put(b, p, sizeof(int64_t)); break;
    case FP_JT_F64: blog_put(b, p, sizeof(double)); break;
    case FP_JT_BOOL: blog_u64(b, *(const bool *)p); break;
    case FP_JT_RECORD:
    case FP_JT_TUPLE:
        for (int i = 0; i < t->n; i++)
            blog_nested(b, t->types[i], p + t->offsets[i]);
        break;
    default: {   /* a list */
        const list_str *l = (const list_str *)p;   /* every list_ struct has this layout */
        CHECK(l->n >= 0 && (l->n == 0 || l->items));
        blog_u64(b, (uint64_t)l->n);
        for (int64_t i = 0; i < l->n; i++)
            blog_nested(b, t->types[0], (const char *)l->items + (size_t)i * t->types[0]->size);
        break;
    }
    }
}

static void read_part(blog *b, const char *base, const fp_part *pt, int nf, unsigned types)
{
    fp_worker w = {0};
    uint64_t dropped[1] = {0};
    w.arena = fp_arena_new();
    w.part = pt;
    w.dropped = dropped;
    const char *cur = pt->begin;
    fp_json *obj;
    while (fp_jsonl_next(&w, &site, &cur, pt->end, &obj)) {
        CHECK(w.pos >= pt->begin && w.pos < pt->end);
        CHECK((obj == NULL) == (w.failed != 0));
        blog_u64(b, (uint64_t)(w.pos - base));
        for (int i = 0; i < nf && obj; i++) {
            switch ((types >> (2 * i)) & 3) {
            case 0: {
                fp_str s = fp_json_str(&w, &site, obj, names[i]);
                blog_str(b, s.p, s.n);
                break;
            }
            case 1: blog_u64(b, (uint64_t)fp_json_i64(&w, &site, obj, names[i])); break;
            case 2: {
                double v = fp_json_f64(&w, &site, obj, names[i]);
                blog_put(b, &v, sizeof v);
                break;
            }
            default: blog_u64(b, fp_json_bool(&w, &site, obj, names[i])); break;
            }
        }
        if (obj) {
            rec_N nested;
            fp_json_nested(&w, &site, obj, "n", &jt_N, &nested);
            if (!w.failed)
                blog_nested(b, &jt_N, (const char *)&nested);
        }
        fp_json_done(obj);
        if (w.failed) {
            CHECK(w.err_msg && w.err_msg[0]);
            blog_str(b, "!", 1);
            blog_str(b, w.err_msg, strlen(w.err_msg));
            fp_drop(&w);
        }
        fp_arena_reset(w.arena);
    }
    fp_arena_free(w.arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int nf = 1 + (data[0] & 3);
    size_t part_size = 1 + (size_t)(data[0] >> 2) * 7;
    unsigned types = data[1];
    size_t len = size - 2;
    char *d = padded_copy(data + 2, len);
    fp_part whole = {.begin = d, .end = d + len};
    blog one = {0}, parted = {0};
    read_part(&one, d, &whole, nf, types);
    blog ref = {0};
    fp_jsonl_use_jansson = 1;
    read_part(&ref, d, &whole, nf, types);
    fp_jsonl_use_jansson = 0;
    CHECK(blog_same(&one, &ref));
    free(ref.p);
    fp_part *parts;
    size_t np = fp_partition(d, len, part_size, 0, 0, &parts);
    for (size_t k = 0; k < np; k++)
        read_part(&parted, d, &parts[k], nf, types);
    CHECK(blog_same(&one, &parted));
    free(parts);
    free(one.p);
    free(parted.p);
    free(d);
    return 0;
}
