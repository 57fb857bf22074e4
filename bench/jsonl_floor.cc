// bench/jsonl_floor.cc — what simdjson alone costs on bench/jsonl.sh's
// JSON lines, read as runtime/jsonl.cc reads a partition (windows of whole
// lines, 256 KB, one parser reused), one thread, no fpipe around it.
// Usage: jsonl_floor FILE MODE, MODE one of
//   dom       parse_many, then every member's key and value type visited
//             (what the DOM reader needs at least to keep jansson's
//             verdicts: keys for duplicates, types for nesting/uint64)
//   od-all    iterate_many (ondemand), every member's key and value, its
//             numbers parsed, its strings' raw bytes: the same checks
//   od-two    iterate_many, only "country" (raw) and "elo" found: nothing
//             validated, so no reader fpipe may use; the floor of any
//             simdjson reader of these lines
//   od-line   the same two members, one ondemand document per line
//             (parser.iterate: a stage-1 pass per line)
//   dom-line  as dom, one parser.parse per line (the reader before windows)
// Prints the mode, the user seconds (getrusage, after the file is read)
// and a checksum of what was read.  Measures; asserts nothing.
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/resource.h>

using namespace simdjson;

static double user_seconds()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

static constexpr size_t WINDOW = 1 << 18;

// The end of the window of whole lines at p (at most WINDOW bytes, unless
// one line is longer), as open_window in runtime/jsonl.cc cuts it.
static size_t window_at(const char *p, size_t room)
{
    if (room <= WINDOW)
        return room;
    const char *nl = (const char *)memrchr(p, '\n', WINDOW);
    if (!nl)
        nl = (const char *)memchr(p + WINDOW, '\n', room - WINDOW);
    return nl ? (size_t)(nl + 1 - p) : room;
}

static int fail(const char *what)
{
    fprintf(stderr, "jsonl_floor: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return fail("usage: jsonl_floor FILE dom|od-all|od-two|od-line|dom-line");
    std::string mode = argv[2];
    padded_string json;
    if (padded_string::load(argv[1]).get(json))
        return fail("cannot read the file");
    const char *buf = json.data();
    size_t n = json.size();
    uint64_t sum = 0, records = 0;
    double t0 = user_seconds();
    if (mode == "dom") {
        dom::parser parser;
        dom::document_stream stream;
        for (size_t off = 0, len; off < n; off += len) {
            len = window_at(buf + off, n - off);
            if (parser.parse_many((const uint8_t *)buf + off, len, WINDOW).get(stream))
                return fail("parse_many");
            for (auto doc : stream) {
                dom::object obj;
                if (doc.get(obj))
                    return fail("not an object");
                for (dom::key_value_pair kv : obj)
                    sum += kv.key.size() + (uint64_t)kv.value.type();
                records++;
            }
        }
    } else if (mode == "od-all" || mode == "od-two") {
        ondemand::parser parser;
        ondemand::document_stream stream;
        bool all = mode == "od-all";
        for (size_t off = 0, len; off < n; off += len) {
            len = window_at(buf + off, n - off);
            if (parser.iterate_many((const uint8_t *)buf + off, len, WINDOW).get(stream))
                return fail("iterate_many");
            for (auto it = stream.begin(); it != stream.end(); ++it) {
                ondemand::document_reference doc;
                if ((*it).get(doc))
                    return fail("document");
                if (!all) {
                    ondemand::raw_json_string c;
                    int64_t elo;
                    if (doc["country"].get_raw_json_string().get(c) || doc["elo"].get_int64().get(elo))
                        return fail("country, elo");
                    sum += (uint64_t)(unsigned char)c.raw()[0] + (uint64_t)elo;
                    records++;
                    continue;
                }
                ondemand::object obj;
                if (doc.get_object().get(obj))
                    return fail("not an object");
                for (auto f : obj) {
                    ondemand::field fld;
                    if (std::move(f).get(fld))
                        return fail("member");
                    const char *k = fld.key().raw();
                    const char *q = (const char *)memchr(k, '"', (size_t)(buf + off + len - k));
                    ondemand::value v = fld.value();
                    ondemand::json_type t;
                    if (!q || v.type().get(t))
                        return fail("member value");
                    sum += (uint64_t)(q - k);
                    if (t == ondemand::json_type::number) {
                        int64_t x;
                        if (v.get_int64().get(x))
                            return fail("number");
                        sum += (uint64_t)x;
                    } else if (t == ondemand::json_type::string) {
                        sum += v.raw_json_token().size();
                    }
                }
                records++;
            }
        }
    } else if (mode == "od-line" || mode == "dom-line") {
        ondemand::parser parser;
        dom::parser dparser;
        bool od = mode == "od-line";
        for (const char *p = buf, *e = buf + n; p < e;) {
            const char *nl = (const char *)memchr(p, '\n', (size_t)(e - p));
            size_t len = (size_t)((nl ? nl : e) - p);
            if (od) {
                ondemand::document doc;
                ondemand::raw_json_string c;
                int64_t elo;
                if (parser.iterate(padded_string_view(p, len, len + SIMDJSON_PADDING)).get(doc) ||
                    doc["country"].get_raw_json_string().get(c) || doc["elo"].get_int64().get(elo))
                    return fail("od-line");
                sum += (uint64_t)(unsigned char)c.raw()[0] + (uint64_t)elo;
            } else {
                dom::element el;
                if (dparser.parse(p, len, false).get(el))
                    return fail("dom-line");
                for (dom::key_value_pair kv : dom::object(el))
                    sum += kv.key.size() + (uint64_t)kv.value.type();
            }
            records++;
            p += len + 1;
        }
    } else {
        return fail("mode: dom, od-all, od-two, od-line or dom-line");
    }
    printf("%s %.2f %llu %llu\n", mode.c_str(), user_seconds() - t0,
           (unsigned long long)records, (unsigned long long)sum);
    return 0;
}
