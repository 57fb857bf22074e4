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
 */
#include "fuzz_util.h"
#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[4] = {"a", "b", "c", "d"};
static const fp_site site = {"docs", "fuzz.fpipe", 1, 1, 0};

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
