/* jsonl_node.cc — simdjson's values inside a record, for the nested reader
 * (jsonl_nested.c): a node is the bytes of a dom::element, which points
 * into the thread's parser (jsonl.cc) and lives until the next line. */
#include <simdjson.h>

#include <cstring>
#include <type_traits>

extern "C" {
#include "jsonl.h"
}

namespace {

namespace dom = simdjson::dom;

dom::element element(const fp_jref *node)
{
    dom::element e;
    memcpy(static_cast<void *>(&e), static_cast<const void *>(node), sizeof e);
    return e;
}

void to_node(const dom::element &e, fp_jref *node)
{
    memcpy(static_cast<void *>(node), static_cast<const void *>(&e), sizeof *node);
}

} // namespace

extern "C" void fp_sjn_value(const fp_jref *node, fp_jv *out)
{
    fp_jv_of_element(element(node), out);
}

extern "C" bool fp_sjn_member(const fp_jref *node, const char *name, fp_jref *out)
{
    /* Keys are unique at every depth (jsonl.cc sends duplicates to jansson). */
    size_t n = strlen(name);
    for (dom::key_value_pair kv : dom::object(element(node)))
        if (kv.key.size() == n && memcmp(kv.key.data(), name, n) == 0) {
            to_node(kv.value, out);
            return true;
        }
    return false;
}

extern "C" size_t fp_sjn_size(const fp_jref *node)
{
    return dom::array(element(node)).size();
}

/* An iterator is kept as bytes, as a node is. */
static_assert(sizeof(dom::array::iterator) == sizeof(fp_jref), "an iterator fits a node");
static_assert(std::is_trivially_copyable<dom::array::iterator>::value, "an iterator is bytes");

extern "C" bool fp_sjn_first(const fp_jref *node, fp_jiter *it, fp_jref *item)
{
    dom::array a = dom::array(element(node));
    dom::array::iterator b = a.begin(), e = a.end();
    memcpy(static_cast<void *>(&it->at), static_cast<const void *>(&b), sizeof it->at);
    memcpy(static_cast<void *>(&it->end), static_cast<const void *>(&e), sizeof it->end);
    if (!(b != e))
        return false;
    to_node(*b, item);
    return true;
}

extern "C" bool fp_sjn_next(fp_jiter *it, fp_jref *item)
{
    dom::array::iterator at, end;
    memcpy(static_cast<void *>(&at), static_cast<const void *>(&it->at), sizeof at);
    memcpy(static_cast<void *>(&end), static_cast<const void *>(&it->end), sizeof end);
    ++at;
    memcpy(static_cast<void *>(&it->at), static_cast<const void *>(&at), sizeof it->at);
    if (!(at != end))
        return false;
    to_node(*at, item);
    return true;
}
