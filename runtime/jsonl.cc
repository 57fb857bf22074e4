/* jsonl.cc — the fast path of the JSON-lines reader: simdjson (Debian
 * libsimdjson-dev) behind a small C interface, used by source.c.
 *
 * jansson built a tree of malloc'd nodes for every line and looked members
 * up by name (issue 19: 8.3 s for 5 M records that DuckDB reads in 1.5 s);
 * then simdjson parsed line by line (a parser call per line, a second walk
 * to prove jansson would agree, lookups by name: still 6x the CSV).  Now a
 * thread reads its partition in windows of whole lines, up to MAX_WINDOW
 * bytes: simdjson's document stream (parse_many) indexes a window in one
 * SIMD pass and builds each line's tape in turn, one parser per thread,
 * reused; one walk over each record's members checks it and keeps them, and
 * the generated code's lookups, made in the same order every record, hit a
 * cache of where each name was last found.
 *
 * Semantics stay jansson's, exactly: a line is taken here only if jansson
 * would read it as the same object; every other line goes back to jansson
 * (fp_sj_parse returns 0), which gives the same records and the same
 * messages as before.  simdjson validates every byte of a document (DOM,
 * not ondemand) and rejects every line jansson rejects; what it accepts and
 * jansson does not is refused here: a top-level value that is not an
 * object, integers from 2^63 to 2^64-1 (jansson: "too big integer"), NUL in
 * a key, duplicate keys at any depth (fpipe asks jansson to reject them),
 * and, because the stream does not know lines, two values on one line, one
 * value over several lines, a line of spaces, anything before the value (a
 * byte order mark).  Nesting past MAX_DEPTH goes to jansson too.  An error
 * anywhere in a window fails the window's stage 1: the current line goes to
 * jansson and the next window is smaller, closing in on the bad line.
 * tests/fuzz/fuzz_jsonl.c checks both readers agree line for line, and
 * tests/jsonl.sh checks both against Python's json.
 */
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

extern "C" {
#include "jsonl.h"
}

namespace {

namespace dom = simdjson::dom;

constexpr size_t MAX_KEYS = 64;              /* keys of one object; more: jansson */
constexpr int MAX_DEPTH = 64;                /* nesting the walk follows; deeper: jansson */
constexpr size_t MAX_WINDOW = 1 << 18;       /* bytes indexed in one stage-1 pass */
constexpr size_t MIN_WINDOW = 1 << 10;       /* after a line jansson had to read */
constexpr size_t LAYOUT_BYTES = 2048;        /* key bytes of a layout kept (below) */

/* A top-level member of the current record. */
struct member_t {
    const char *k;   /* its key, unescaped (in the parser's string buffer) */
    size_t kn;
    dom::element v;  /* its value, converted when asked for */
};

} // namespace

/* One thread's reader: the window being streamed and the current record. */
struct fp_sj {
    dom::parser parser;             /* reused: its buffers grow to MAX_WINDOW once */
    dom::document_stream stream;
    dom::document_stream::iterator it;
    bool active = false;            /* a window is open and `it` is its next document */
    const char *win = nullptr;      /* the window [win, win_end) */
    const char *win_end = nullptr;
    const char *resume = nullptr;   /* where the next line must start to use the window */
    bool taken = false;             /* `it` is the current record's: step before use */
    size_t window = MAX_WINDOW;     /* the next window's size: shrinks after errors */
    member_t m[MAX_KEYS];
    size_t nm = 0;
    /* The keys of the last record whose keys were checked one by one, in
     * order: the records of a file are mostly written alike, and a record
     * with exactly these keys needs no duplicate check. */
    char lay[LAYOUT_BYTES + 8];     /* the keys' bytes, one after the other (+8: same_padded) */
    uint32_t lay_len[MAX_KEYS];
    size_t lay_keys = 0;
    bool lay_ok = false;            /* lay holds a layout */
    uint64_t gen = 1;               /* counts layouts: the current record's */
    /* Where each name asked for was in the last record that had it, and
     * that record's layout: a record of the same layout has it there. */
    struct {
        const char *name;           /* the generated code's string literal */
        size_t n;                   /* strlen(name) */
        size_t at;                  /* index into m */
        uint64_t gen;               /* the layout `at` holds for */
    } seen[16] = {};
};

/* The thread's reader.  A thread_local with a constructor is reached
 * through an init check on every use: each entry point binds it once. */
namespace {

using reader = fp_sj;
thread_local reader the_reader;

bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Equal bytes (keys are short: a call to memcmp costs more). */
inline bool same(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Equal bytes, 8 at a time: a and b may both be read up to 7 bytes past n
 * (the layout buffer has room, and simdjson's string buffer its padding). */
inline bool same_padded(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    for (; n >= 8; n -= 8, a += 8, b += 8) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return false;
    }
    if (n == 0)
        return true;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint64_t first = ~uint64_t(0) << (64 - 8 * n);   /* the first n bytes */
#else
    uint64_t first = ~uint64_t(0) >> (64 - 8 * n);
#endif
    return ((x ^ y) & first) == 0;
}

/* The bit of a key in an object's 64-bit filter of keys seen: from its
 * length and three of its bytes. */
inline uint64_t key_bit(const char *k, size_t n)
{
    uint32_t h = (uint32_t)n;
    if (n)
        h ^= (uint32_t)(unsigned char)k[0] << 8 ^ (uint32_t)(unsigned char)k[n - 1] << 16 ^
             (uint32_t)(unsigned char)k[n / 2] << 24;
    h *= 0x9E3779B1u;
    return uint64_t(1) << (h >> 26);
}

/* The keys of one object so far, to refuse what jansson refuses. */
struct keyset {
    const char *k[MAX_KEYS];   /* left uninitialised: only [0, n) is read */
    size_t kn[MAX_KEYS];
    size_t n = 0;
    uint64_t seen = 0;         /* key_bit of every key */

    /* False for a key jansson would refuse here: a NUL in it, a duplicate
     * (JSON_REJECT_DUPLICATES), or more keys than we keep. */
    bool add(std::string_view key)
    {
        const char *p = key.data();
        size_t len = key.size();
        if (n == MAX_KEYS)
            return false;
        if (memchr(p, 0, len))   /* \u0000: jansson's "NUL byte in object key" */
            return false;
        uint64_t bit = key_bit(p, len);
        if (seen & bit)
            for (size_t i = 0; i < n; i++)
                if (kn[i] == len && same(k[i], p, len))
                    return false;
        seen |= bit;
        k[n] = p;
        kn[n++] = len;
        return true;
    }
};

/* False if jansson would not read v as simdjson did: an unsigned 64-bit
 * integer (jansson: "too big integer"), a key refused by keyset::add at
 * any depth, nesting deeper than MAX_DEPTH. */
bool jansson_agrees(dom::element v, int depth)
{
    switch (v.type()) {
    case dom::element_type::OBJECT: {
        if (depth >= MAX_DEPTH)
            return false;
        keyset keys;
        for (dom::key_value_pair kv : dom::object(v))
            if (!keys.add(kv.key) || !jansson_agrees(kv.value, depth + 1))
                return false;
        return true;
    }
    case dom::element_type::ARRAY:
        if (depth >= MAX_DEPTH)
            return false;
        for (dom::element x : dom::array(v))
            if (!jansson_agrees(x, depth + 1))
                return false;
        return true;
    case dom::element_type::UINT64:
        return false;
    default:
        return true;
    }
}

/* The record: an object jansson would read alike, its top-level members
 * kept in R.m. */
bool read_record(reader &R, dom::element e)
{
    if (e.type() != dom::element_type::OBJECT)
        return false;   /* jansson: "a JSON-lines record must be an object" */
    /* While the keys are the last layout's, nothing more is checked about
     * them; from the first that differs, every key goes through keyset.
     * (A key in simdjson's string buffer is followed by its NUL and at
     * least SIMDJSON_PADDING bytes of the buffer: same_padded may read 8
     * bytes at a time.) */
    bool same_layout = R.lay_ok;
    size_t n = 0, off = 0;
    keyset keys;
    for (dom::key_value_pair kv : dom::object(e)) {
        std::string_view k = kv.key;
        if (same_layout) {
            if (n < R.lay_keys && R.lay_len[n] == k.size() &&
                same_padded(R.lay + off, k.data(), k.size())) {
                off += k.size();
            } else {
                same_layout = false;
                for (size_t i = 0; i < n; i++)   /* the layout's first n: they pass */
                    keys.add(std::string_view(R.m[i].k, R.m[i].kn));
            }
        }
        if (!same_layout && !keys.add(k))
            return false;
        switch (kv.value.type()) {
        case dom::element_type::OBJECT:
        case dom::element_type::ARRAY:
        case dom::element_type::UINT64:
            if (!jansson_agrees(kv.value, 1))
                return false;
            break;
        default:
            break;
        }
        member_t &m = R.m[n++];
        m.k = k.data();
        m.kn = k.size();
        m.v = kv.value;
    }
    if (n != R.lay_keys)
        same_layout = false;   /* a prefix of the layout: no duplicates, but another layout */
    R.nm = n;
    if (!same_layout) {   /* a new layout: keep it if it fits */
        R.gen++;
        R.lay_ok = false;
        off = 0;
        for (size_t i = 0; i < n; i++) {
            if (R.m[i].kn > LAYOUT_BYTES - off)
                return true;
            memcpy(R.lay + off, R.m[i].k, R.m[i].kn);
            R.lay_len[i] = (uint32_t)R.m[i].kn;
            off += R.m[i].kn;
        }
        R.lay_keys = n;
        R.lay_ok = true;
    }
    return true;
}


/* Open a window of whole lines at p (the partition ends at end). */
bool open_window(reader &R, const char *p, const char *end)
{
    R.active = false;
    size_t room = (size_t)(end - p);
    const char *e = end;
    if (room > R.window) {
        const char *nl = (const char *)memrchr(p, '\n', R.window);
        if (nl)
            e = nl + 1;
        else {   /* one line longer than the window: the window is that line */
            nl = (const char *)memchr(p + R.window, '\n', room - R.window);
            e = nl ? nl + 1 : end;
        }
    }
    size_t len = (size_t)(e - p);
    /* The batch size stays MAX_WINDOW (the parser keeps its buffers) unless
     * one line is longer. */
    size_t batch = len > MAX_WINDOW ? len : MAX_WINDOW;
    if (R.parser.parse_many(reinterpret_cast<const uint8_t *>(p), len, batch).get(R.stream))
        return false;
    R.it = R.stream.begin();
    if (!(R.it != R.stream.end()))
        return false;   /* spaces only */
    R.win = p;
    R.win_end = e;
    R.active = true;
    R.taken = false;
    return true;
}

/* Give up the window: the current line goes to jansson, the next line
 * opens a smaller window (a bad line in a window fails the whole window
 * in stage 1, so the windows shrink towards it). */
fp_sj *refuse(reader &R)
{
    R.active = false;
    R.window = R.window / 4 < MIN_WINDOW ? MIN_WINDOW : R.window / 4;
    return nullptr;
}

} // namespace

extern "C" fp_sj *fp_sj_parse(const char *p, size_t n, const char *end)
{
    reader &R = the_reader;
    /* The line padding simdjson's loads need (SIMDJSON_PADDING) is there:
     * the partition is followed by the input or by FP_PAD (64) bytes. */
    static_assert(simdjson::SIMDJSON_PADDING <= 64, "fpipe's inputs are padded by 64 bytes");
    /* The record read last lives in the parser until the stream steps on
     * (stage 2 of the next document reuses the tape): step now. */
    if (R.active && R.taken) {
        R.taken = false;
        ++R.it;
        if (!(R.it != R.stream.end())) {
            R.active = false;   /* the window is used up: the next one may be bigger */
            if (R.window < MAX_WINDOW)
                R.window *= 2;
        }
    }
    /* The lines of a partition come in order: the open window serves the
     * line at p only if p is where the previous one ended, inside it. */
    if ((!R.active || p < R.resume || p >= R.win_end) && !open_window(R, p, end))
        return refuse(R);
    /* The next document must be this line's: it starts at the line's first
     * byte that is not a space, and its last byte is on the line, followed
     * by spaces only. */
    const char *q = p, *e = p + n;
    while (q < e && is_ws(*q))
        q++;
    if (q == e)
        return nullptr;   /* spaces only: jansson's error; the window stays */
    dom::element doc;
    if ((*R.it).get(doc) || R.win + R.it.current_index() != q)
        return refuse(R);
    std::string_view src = R.it.source();
    const char *last = src.data() + src.size();
    if (src.data() != q || last > e)
        return refuse(R);
    for (const char *s = last; s < e; s++)
        if (!is_ws(*s))
            return refuse(R);
    if (!read_record(R, doc))
        return refuse(R);
    R.resume = e;
    R.taken = true;
    return &R;
}

extern "C" void fp_sj_reset(void)
{
    reader &R = the_reader;
    R.active = false;
}

extern "C" void fp_sj_member(fp_sj *r, const char *name, fp_jv *out)
{
    reader &R = *r;
    auto &c = R.seen[(reinterpret_cast<uintptr_t>(name) >> 3) & 15];
    if (c.name == name && c.gen == R.gen) {   /* this layout has it there */
        fp_jv_of_element(R.m[c.at].v, out);
        return;
    }
    if (c.name != name) {
        c.name = name;
        c.n = strlen(name);
    }
    for (size_t i = 0; i < R.nm; i++)
        if (R.m[i].kn == c.n && same(R.m[i].k, name, c.n)) {
            c.at = i;
            c.gen = R.gen;
            fp_jv_of_element(R.m[i].v, out);
            return;
        }
    out->kind = FP_JV_MISSING;
}

/* The hook of the nested reader (jsonl_nested.c, jsonl_node.cc): member
 * `name` as a node that keeps its dom::element. */
extern "C" bool fp_sj_member_ref(fp_sj *r, const char *name, fp_jref *out)
{
    static_assert(sizeof(dom::element) == sizeof(fp_jref), "a node holds one dom::element");
    static_assert(std::is_trivially_copyable<dom::element>::value, "a node is copied as bytes");
    size_t n = strlen(name);
    for (size_t i = 0; i < r->nm; i++)
        if (r->m[i].kn == n && same(r->m[i].k, name, n)) {
            memcpy(static_cast<void *>(out), static_cast<const void *>(&r->m[i].v), sizeof *out);
            return true;
        }
    return false;
}

/* A simdjson value as source.c sees it (jsonl_node.cc's nodes too). */
void fp_jv_of_element(const simdjson::dom::element &v, fp_jv *out)
{
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
    default: out->kind = FP_JV_MISSING; break;   /* UINT64: never kept (read_record) */
    }
}
