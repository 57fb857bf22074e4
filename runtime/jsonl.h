/* jsonl.h — the C interface of jsonl.cc, the simdjson fast path of the
 * JSON-lines reader (source.c).  Internal to the runtime. */
#ifndef FP_JSONL_H
#define FP_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A member's value, as source.c's accessors see it from either reader. */
enum {
    FP_JV_MISSING, FP_JV_OBJECT, FP_JV_ARRAY, FP_JV_STRING, FP_JV_INTEGER, FP_JV_REAL,
    FP_JV_TRUE, FP_JV_FALSE, FP_JV_NULL
};
typedef struct fp_jv {
    int kind;        /* FP_JV_* */
    const char *s;   /* FP_JV_STRING: its bytes (NUL allowed), valid until the next parse */
    size_t n;
    int64_t i;       /* FP_JV_INTEGER */
    double d;        /* FP_JV_REAL */
} fp_jv;

/* One thread's simdjson reader, holding its current record. */
typedef struct fp_sj fp_sj;
/* Read the line p[0..n) (its newline and a trailing '\r' left out) as this
 * thread's current record; end is the end of the partition, which the
 * lines come from in order (the line after it at most FP_PAD bytes of
 * padding).  The thread's reader, holding an object read as jansson would
 * read it; or NULL: jansson must decide (an error, or a line jansson reads
 * otherwise). */
fp_sj *fp_sj_parse(const char *p, size_t n, const char *end);
/* The partition is done: the next line starts afresh. */
void fp_sj_reset(void);
/* Tests: nonzero sends every line to jansson (the reference reader). */
extern int fp_jsonl_use_jansson;
/* Member `name` of the reader's current record. */
void fp_sj_member(fp_sj *r, const char *name, fp_jv *out);

/* Nested members (jsonl_nested.c): a value inside a record, as either
 * reader holds it.  jansson: p is the json_t; simdjson: the bytes of a
 * dom::element (jsonl_node.cc), valid until the next parse. */
typedef struct fp_jref {
    const void *p;
    size_t i;
} fp_jref;
/* Member `name` of the reader's current record as a node; false if it
 * has none. */
bool fp_sj_member_ref(fp_sj *r, const char *name, fp_jref *out);
/* simdjson nodes (jsonl_node.cc): the value of a node (its kind, and a
 * scalar's value); member `name` of an object node (false: none); the
 * size of an array node, and its items in order: fp_sjn_first, then
 * fp_sjn_next while they give true (an iterator: the bytes of simdjson's
 * array iterator and of its end; no callback crosses into C++). */
typedef struct fp_jiter {
    fp_jref at, end;
} fp_jiter;
void fp_sjn_value(const fp_jref *node, fp_jv *out);
bool fp_sjn_member(const fp_jref *node, const char *name, fp_jref *out);
size_t fp_sjn_size(const fp_jref *node);
bool fp_sjn_first(const fp_jref *node, fp_jiter *it, fp_jref *item);
bool fp_sjn_next(fp_jiter *it, fp_jref *item);

/* One value as an fp_jv, for every reader and depth: of jansson's tree
 * (source_jsonl.c; jsonl_nested.c's tree nodes), and of a simdjson element
 * (jsonl.cc; jsonl_node.cc's nodes); how a message names its kind. */
struct json_t;
void fp_jv_of_json(const struct json_t *j, fp_jv *v);
const char *fp_jv_kind_name(int kind);
#ifdef __cplusplus
namespace simdjson { namespace dom { class element; } }
void fp_jv_of_element(const simdjson::dom::element &v, fp_jv *out);
#endif

#endif
