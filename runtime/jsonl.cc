/* jsonl.cc — the fast path of the JSON-lines reader: simdjson (Debian
 * libsimdjson-dev) behind a small C interface, used by source.c.
 *
 * jansson built a tree of malloc'd nodes for every line and looked members
 * up by name (issue 19: 8.3 s for 5 M records that DuckDB reads in 1.5 s).
 * simdjson parses a line with SIMD into a flat tape held by one parser per
 * thread, reused record after record, with no allocation.
 *
 * Semantics stay jansson's, exactly: a line is taken here only if jansson
 * would read it as the same object.  simdjson rejects every line jansson
 * rejects (tests/fuzz/fuzz_jsonl.c checks both readers agree), and accepts
 * some jansson refuses: a top-level value that is not an object, integers
 * from 2^63 to 2^64-1 (jansson: "too big integer"), NUL in a key, and
 * duplicate keys (fpipe asks jansson to reject them).  Those lines, and
 * every line simdjson rejects, go back to jansson (fp_sj_parse returns 0),
 * which gives the same records and the same messages as before.
 */
#include <simdjson.h>

#include <cstdint>
#include <cstring>

extern "C" {
#include "jsonl.h"
}

namespace {

thread_local simdjson::dom::parser parser;   /* one per thread, reused */
thread_local simdjson::dom::object root;     /* the thread's last record */

/* Keys of one object checked for duplicates pairwise up to this many;
 * a bigger object goes to jansson (its hash table). */
constexpr size_t MAX_KEYS = 64;

/* Would jansson read v as simdjson did?  No 64-bit unsigned integers, no
 * NUL in keys, no duplicate keys, at any depth. */
bool jansson_agrees(simdjson::dom::element v)
{
    switch (v.type()) {
    case simdjson::dom::element_type::UINT64:
        return false;
    case simdjson::dom::element_type::ARRAY:
        for (simdjson::dom::element x : simdjson::dom::array(v))
            if (!jansson_agrees(x))
                return false;
        return true;
    case simdjson::dom::element_type::OBJECT: {
        /* Plain arrays, left uninitialised: a std::string_view array
         * would be cleared on every call (measured: half the reader's time). */
        const char *kp[MAX_KEYS];
        size_t kn[MAX_KEYS];
        size_t n = 0;
        for (simdjson::dom::key_value_pair kv : simdjson::dom::object(v)) {
            const char *p = kv.key.data();
            size_t len = kv.key.size();
            if (n == MAX_KEYS || memchr(p, 0, len))
                return false;
            for (size_t i = 0; i < n; i++)
                if (kn[i] == len && memcmp(kp[i], p, len) == 0)
                    return false;
            kp[n] = p;
            kn[n++] = len;
            if (!jansson_agrees(kv.value))
                return false;
        }
        return true;
    }
    default:
        return true;
    }
}

} // namespace

extern "C" int fp_sj_parse(const char *p, size_t n)
{
    simdjson::dom::element e;
    /* The line is followed by at least FP_PAD (64) readable bytes, the
     * padding simdjson's loads need (SIMDJSON_PADDING): no copy. */
    static_assert(simdjson::SIMDJSON_PADDING <= 64, "fpipe's inputs are padded by 64 bytes");
    if (parser.parse(reinterpret_cast<const uint8_t *>(p), n, false).get(e))
        return 0;
    if (e.type() != simdjson::dom::element_type::OBJECT || !jansson_agrees(e))
        return 0;
    root = simdjson::dom::object(e);
    return 1;
}

extern "C" void fp_sj_member(const char *name, fp_jv *out)
{
    simdjson::dom::element v;
    if (root.at_key(name).get(v)) {
        out->kind = FP_JV_MISSING;
        return;
    }
    switch (v.type()) {
    case simdjson::dom::element_type::OBJECT: out->kind = FP_JV_OBJECT; break;
    case simdjson::dom::element_type::ARRAY: out->kind = FP_JV_ARRAY; break;
    case simdjson::dom::element_type::STRING: {
        std::string_view s = v.get_string().value_unsafe();
        out->kind = FP_JV_STRING;
        out->s = s.data();
        out->n = s.size();
        break;
    }
    case simdjson::dom::element_type::INT64:
        out->kind = FP_JV_INTEGER;
        out->i = v.get_int64().value_unsafe();
        break;
    case simdjson::dom::element_type::DOUBLE:
        out->kind = FP_JV_REAL;
        out->d = v.get_double().value_unsafe();
        break;
    case simdjson::dom::element_type::BOOL:
        out->kind = v.get_bool().value_unsafe() ? FP_JV_TRUE : FP_JV_FALSE;
        break;
    case simdjson::dom::element_type::NULL_VALUE: out->kind = FP_JV_NULL; break;
    default: out->kind = FP_JV_MISSING; break;   /* UINT64: never kept (jansson_agrees) */
    }
}
