/* source_jsonl.c — the JSON-lines record source.
 *
 * One object per line, read by simdjson a window of lines at a time
 * (jsonl.cc) when jansson would read it the same, else by jansson, which
 * words every error; members are looked up by the record's field names
 * and converted with their declared types.  Apart
 * from source.c (CSV) so that only a program with a jsonl source links
 * jansson, simdjson and the C++ runtime (docs/running.md, "Linking").
 */
#include "internal.h"
#include "jsonl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON lines ----------------------------------------------------------- */

/* A line is read by simdjson (jsonl.cc, which keeps its window over the
 * partition's lines between calls) when jansson would read it the same;
 * otherwise by jansson, which also words every error.  The record handle
 * is then jansson's tree, or the thread's simdjson reader with its low bit
 * set (a json_t is malloc'd: its low bit is clear). */
int fp_jsonl_use_jansson;

static fp_sj *fast_reader(fp_json *obj)
{
    uintptr_t u = (uintptr_t)obj;
    return u & 1 ? (fp_sj *)(u - 1) : NULL;
}

bool fp_jsonl_next(fp_worker *w, const fp_site *site, const char **cur, const char *end,
                   fp_json **obj)
{
    fp_str line;
    *obj = NULL;
    do {
        if (!fp_next_line(cur, end, &line)) {
            fp_sj_reset();
            return false;
        }
        if (line.n && line.p[line.n - 1] == '\r')
            line.n--;
    } while (line.n == 0);
    w->pos = line.p;
    fp_sj *r;
    if (!fp_jsonl_use_jansson && (r = fp_sj_parse(line.p, line.n, end)) != NULL) {
        *obj = (fp_json *)((uintptr_t)r + 1);
        return true;
    }
    json_error_t je;
    json_t *v = json_loadb(line.p, line.n, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        fp_elem_error(w, site, fp_arena_printf(w->arena, 320, "invalid JSON at column %d: %s", je.column, je.text));
        return true;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        fp_elem_error(w, site, "a JSON-lines record must be an object ({...})");
        return true;
    }
    *obj = (fp_json *)v;
    return true;
}

const char *fp_jv_kind_name(int kind)
{
    switch (kind) {
    case FP_JV_OBJECT: return "an object";
    case FP_JV_ARRAY: return "an array";
    case FP_JV_STRING: return "a string";
    case FP_JV_INTEGER: return "an integer";
    case FP_JV_REAL: return "a non-integer number";
    case FP_JV_TRUE:
    case FP_JV_FALSE: return "a boolean";
    case FP_JV_NULL: return "null";
    }
    return "?";
}

/* One of jansson's values as a fp_jv. */
void fp_jv_of_json(const json_t *j, fp_jv *v)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: v->kind = FP_JV_OBJECT; break;
    case JSON_ARRAY: v->kind = FP_JV_ARRAY; break;
    case JSON_STRING:
        v->kind = FP_JV_STRING;
        v->s = json_string_value(j);
        v->n = json_string_length(j);
        break;
    case JSON_INTEGER:
        v->kind = FP_JV_INTEGER;
        v->i = (int64_t)json_integer_value(j);
        break;
    case JSON_REAL:
        v->kind = FP_JV_REAL;
        v->d = json_real_value(j);
        break;
    case JSON_TRUE: v->kind = FP_JV_TRUE; break;
    case JSON_FALSE: v->kind = FP_JV_FALSE; break;
    case JSON_NULL: v->kind = FP_JV_NULL; break;
    }
}

/* Member `name` of jansson's tree, as a fp_jv. */
static void tree_member(json_t *obj, const char *name, fp_jv *v)
{
    const json_t *j = json_object_get(obj, name);
    if (!j)
        v->kind = FP_JV_MISSING;
    else
        fp_jv_of_json(j, v);
}

/* The member `name` into *v; false after an error (reported). */
static bool member(fp_worker *w, const fp_site *site, fp_json *obj, const char *name, fp_jv *v)
{
    if (w->failed || !obj)
        return false;
    fp_sj *r = fast_reader(obj);
    if (r)
        fp_sj_member(r, name, v);
    else
        tree_member((json_t *)obj, name, v);
    if (v->kind == FP_JV_MISSING) {
        fp_elem_error(w, site, fp_arena_printf(w->arena, 320, "the record has no member \"%s\"", name));
        return false;
    }
    return true;
}

static void wrong_type(fp_worker *w, const fp_site *site, const char *name, const char *want,
                       const fp_jv *v)
{
    fp_elem_error(w, site, fp_arena_printf(w->arena, 320, "member \"%s\" is %s, not %s", name, fp_jv_kind_name(v->kind), want));
}

fp_str fp_json_str(fp_worker *w, const fp_site *site, fp_json *obj, const char *name)
{
    fp_jv v;
    if (!member(w, site, obj, name, &v))
        return fp_str_lit("", 0);
    if (v.kind != FP_JV_STRING) {
        wrong_type(w, site, name, "a string", &v);
        return fp_str_lit("", 0);
    }
    char *p = fp_arena_alloc(w->arena, v.n ? v.n : 1);
    memcpy(p, v.s, v.n);
    return fp_str_lit(p, v.n);
}

int64_t fp_json_i64(fp_worker *w, const fp_site *site, fp_json *obj, const char *name)
{
    fp_jv v;
    if (!member(w, site, obj, name, &v))
        return 0;
    if (v.kind != FP_JV_INTEGER) {
        wrong_type(w, site, name, "an integer", &v);
        return 0;
    }
    return v.i;
}

double fp_json_f64(fp_worker *w, const fp_site *site, fp_json *obj, const char *name)
{
    fp_jv v;
    if (!member(w, site, obj, name, &v))
        return 0;
    if (v.kind == FP_JV_INTEGER)
        return (double)v.i;
    if (v.kind != FP_JV_REAL) {
        wrong_type(w, site, name, "a number", &v);
        return 0;
    }
    return v.d;
}

bool fp_json_bool(fp_worker *w, const fp_site *site, fp_json *obj, const char *name)
{
    fp_jv v;
    if (!member(w, site, obj, name, &v))
        return false;
    if (v.kind != FP_JV_TRUE && v.kind != FP_JV_FALSE) {
        wrong_type(w, site, name, "true or false", &v);
        return false;
    }
    return v.kind == FP_JV_TRUE;
}

/* Is member `name` missing or null (none for an optional field)?  An
 * object that failed to parse is not: the element error stands. */
static bool absent(fp_worker *w, fp_json *obj, const char *name)
{
    if (w->failed || !obj)
        return false;
    fp_jv v;
    fp_sj *r = fast_reader(obj);
    if (r)
        fp_sj_member(r, name, &v);
    else
        tree_member((json_t *)obj, name, &v);
    return v.kind == FP_JV_MISSING || v.kind == FP_JV_NULL;
}

/* An optional field: none when absent, else the member read as the
 * field's type. */
#define JSON_OPT(T, READ)                                                                    \
    fp_opt_##T fp_json_opt_##T(fp_worker *w, const fp_site *site, fp_json *obj,              \
                               const char *name)                                             \
    {                                                                                        \
        fp_opt_##T r;                                                                        \
        memset(&r, 0, sizeof r);                                                             \
        if (!absent(w, obj, name)) {                                                         \
            r.v = READ(w, site, obj, name);                                                  \
            r.has = !w->failed;                                                              \
        }                                                                                    \
        return r;                                                                            \
    }
JSON_OPT(i64, fp_json_i64)
JSON_OPT(f64, fp_json_f64)
JSON_OPT(bool, fp_json_bool)
JSON_OPT(str, fp_json_str)
#undef JSON_OPT

void fp_json_done(fp_json *obj)
{
    if (obj && !fast_reader(obj))
        json_decref((json_t *)obj);
}
