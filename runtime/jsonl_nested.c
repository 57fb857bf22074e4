/* jsonl_nested.c — the JSON-lines source's nested fields: a record, tuple
 * or list member read into its C value by walking the fp_jtype the
 * generated code spells (libfpipe.h), over either reader's nodes: jansson's
 * tree, or simdjson's elements through jsonl_node.cc.  Flat fields keep
 * source_jsonl.c's accessors; this walk starts where a declared member's
 * type is not a scalar.  Every mismatch names its path from the record:
 * member "user.tags[3]" is a string, not an integer. */
#include "internal.h"
#include "jsonl.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

const fp_jtype fp_jt_str = {FP_JT_STR, sizeof(fp_str), 0, NULL, NULL, NULL};
const fp_jtype fp_jt_i64 = {FP_JT_I64, sizeof(int64_t), 0, NULL, NULL, NULL};
const fp_jtype fp_jt_f64 = {FP_JT_F64, sizeof(double), 0, NULL, NULL, NULL};
const fp_jtype fp_jt_bool = {FP_JT_BOOL, sizeof(bool), 0, NULL, NULL, NULL};

/* The C layout of every list_... struct of the generated code. */
typedef struct {
    void *items;
    int64_t n;
} any_list;

/* One walk: the record's reader and the path of the value being read. */
typedef struct {
    fp_worker *w;
    const fp_site *site;
    bool tree;          /* jansson's nodes (else simdjson's) */
    char path[1024];    /* user.tags[3] (cut short past its size) */
    size_t len;
} walk;

/* The path grows by ".name" (sep '.'), "name" (sep 0) or "[i]" (name
 * NULL); returns the old length to go back to. */
static size_t path_push(walk *k, char sep, const char *name, size_t i)
{
    size_t old = k->len;
    size_t room = sizeof k->path - k->len;
    int n = name ? snprintf(k->path + k->len, room, "%s%s", sep ? "." : "", name)
                 : snprintf(k->path + k->len, room, "[%zu]", i);
    k->len = n < 0 ? k->len : (size_t)n >= room ? sizeof k->path - 1 : k->len + (size_t)n;
    return old;
}

static void path_pop(walk *k, size_t old)
{
    k->len = old;
    k->path[old] = '\0';
}

static bool wrong(walk *k, const char *want, const fp_jv *v)
{
    fp_elem_error(k->w, k->site, fp_arena_printf(k->w->arena, 0, "member \"%s\" is %s, not %s",
                                                 k->path, fp_jv_kind_name(v->kind), want));
    return false;
}

static void value(const walk *k, const fp_jref *node, fp_jv *v)
{
    if (!k->tree) {
        fp_sjn_value(node, v);
        return;
    }
    fp_jv_of_json(node->p, v);
}

static bool read_node(walk *k, const fp_jref *node, const fp_jtype *t, void *dst);

/* Item i of an array, into a list (all of one type, one after the other
 * from base) or a tuple (each of its own type, at its offset). */
static bool read_item(walk *k, const fp_jtype *t, char *base, size_t i, const fp_jref *item)
{
    size_t old = path_push(k, 0, NULL, i);
    bool ok = t->kind == FP_JT_LIST
                  ? read_node(k, item, t->types[0], base + i * t->types[0]->size)
                  : read_node(k, item, t->types[i], base + t->offsets[i]);
    path_pop(k, old);
    return ok;
}

/* An array's items, in order; false at the first that fails. */
static bool read_items(walk *k, const fp_jref *node, const fp_jtype *t, char *base)
{
    if (k->tree) {
        size_t n = json_array_size(node->p);
        for (size_t i = 0; i < n; i++) {
            fp_jref item = {json_array_get(node->p, i), 0};
            if (!read_item(k, t, base, i, &item))
                return false;
        }
        return true;
    }
    fp_jiter it;
    fp_jref item;
    size_t i = 0;
    for (bool more = fp_sjn_first(node, &it, &item); more; more = fp_sjn_next(&it, &item))
        if (!read_item(k, t, base, i++, &item))
            return false;
    return true;
}

static bool read_node(walk *k, const fp_jref *node, const fp_jtype *t, void *dst)
{
    fp_jv v;
    value(k, node, &v);
    switch (t->kind) {
    case FP_JT_STR: {
        if (v.kind != FP_JV_STRING)
            return wrong(k, "a string", &v);
        char *p = fp_arena_alloc(k->w->arena, v.n ? v.n : 1);
        memcpy(p, v.s, v.n);
        *(fp_str *)dst = fp_str_lit(p, v.n);
        return true;
    }
    case FP_JT_I64:
        if (v.kind != FP_JV_INTEGER)
            return wrong(k, "an integer", &v);
        *(int64_t *)dst = v.i;
        return true;
    case FP_JT_F64:
        if (v.kind != FP_JV_INTEGER && v.kind != FP_JV_REAL)
            return wrong(k, "a number", &v);
        *(double *)dst = v.kind == FP_JV_INTEGER ? (double)v.i : v.d;
        return true;
    case FP_JT_BOOL:
        if (v.kind != FP_JV_TRUE && v.kind != FP_JV_FALSE)
            return wrong(k, "true or false", &v);
        *(bool *)dst = v.kind == FP_JV_TRUE;
        return true;
    case FP_JT_RECORD:
        if (v.kind != FP_JV_OBJECT)
            return wrong(k, "an object", &v);
        for (int i = 0; i < t->n; i++) {
            fp_jref m = {0};
            bool have;
            if (k->tree)
                have = (m.p = json_object_get(node->p, t->names[i])) != NULL;
            else
                have = fp_sjn_member(node, t->names[i], &m);
            size_t old = path_push(k, '.', t->names[i], 0);
            bool ok = have;
            if (!have)
                fp_elem_error(k->w, k->site, fp_arena_printf(k->w->arena, 0,
                              "the record has no member \"%s\"", k->path));
            else
                ok = read_node(k, &m, t->types[i], (char *)dst + t->offsets[i]);
            path_pop(k, old);
            if (!ok)
                return false;
        }
        return true;
    case FP_JT_TUPLE: {
        if (v.kind != FP_JV_ARRAY)
            return wrong(k, "an array", &v);
        size_t n = k->tree ? json_array_size(node->p) : fp_sjn_size(node);
        if (n != (size_t)t->n) {
            fp_elem_error(k->w, k->site, fp_arena_printf(k->w->arena, 0,
                          "member \"%s\" is an array of %zu item%s, not %d", k->path, n,
                          n == 1 ? "" : "s", t->n));
            return false;
        }
        return read_items(k, node, t, dst);
    }
    case FP_JT_LIST: {
        if (v.kind != FP_JV_ARRAY)
            return wrong(k, "an array", &v);
        size_t n = k->tree ? json_array_size(node->p) : fp_sjn_size(node);
        any_list *l = dst;
        l->n = (int64_t)n;
        l->items = NULL;
        if (n == 0)
            return true;
        size_t size = t->types[0]->size;
        if (n > SIZE_MAX / size)
            fp_oom();
        l->items = fp_arena_alloc(k->w->arena, n * size);
        memset(l->items, 0, n * size);
        return read_items(k, node, t, l->items);
    }
    }
    return false;
}

/* The record handle of source_jsonl.c: simdjson's reader with its low bit
 * set, or jansson's tree. */
void fp_json_nested(fp_worker *w, const fp_site *site, fp_json *obj, const char *name,
                    const fp_jtype *t, void *dst)
{
    memset(dst, 0, t->size);
    if (w->failed || !obj)
        return;
    uintptr_t u = (uintptr_t)obj;
    walk k = {.w = w, .site = site, .tree = !(u & 1)};
    path_push(&k, 0, name, 0);
    fp_jref node = {0};
    bool have;
    if (k.tree)
        have = (node.p = json_object_get((json_t *)obj, name)) != NULL;
    else
        have = fp_sj_member_ref((fp_sj *)(u - 1), name, &node);
    if (!have) {
        fp_elem_error(w, site, fp_arena_printf(w->arena, 320, "the record has no member \"%s\"",
                                               name));
        return;
    }
    read_node(&k, &node, t, dst);
}
