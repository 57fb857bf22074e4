/* types.c — fpipe's types, interned: two equal types are one pointer.
 *
 * Scalars are static singletons; tuples and lists are kept in a small
 * table so that type equality is pointer equality everywhere else.
 */
#include "fpipec.h"

#include <stdlib.h>
#include <string.h>

Type ty_error = {.kind = TY_ERROR, .id = 0};
Type ty_i64 = {.kind = TY_I64, .id = 1};
Type ty_f64 = {.kind = TY_F64, .id = 2};
Type ty_bool = {.kind = TY_BOOL, .id = 3};
Type ty_str = {.kind = TY_STR, .id = 4};
Type ty_none = {.kind = TY_NONE, .id = 0};   /* never reaches the emitter */

static Type **made;   /* every tuple and list type made so far */
static int nmade, capmade;

/* Keep t in the table of made types (for interning and types_reset). */
static Type *remember(Type *t)
{
    if (nmade == capmade) {
        capmade = capmade ? capmade * 2 : 16;
        Type **v = realloc(made, (size_t)capmade * sizeof *v);
        if (!v) {
            fputs("fpipec: out of memory\n", stderr);
            exit(2);
        }
        made = v;
    }
    t->id = 5 + nmade;
    made[nmade++] = t;
    return t;
}

/* calloc that never returns NULL: out of memory ends fpipec. */
static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fputs("fpipec: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

/* The one tuple type of these element types (elems is copied). */
Type *type_tuple(Type **elems, int n)
{
    for (int i = 0; i < nmade; i++) {
        Type *t = made[i];
        if (t->kind == TY_TUPLE && t->n == n &&
            memcmp(t->elems, elems, (size_t)n * sizeof *elems) == 0)
            return t;
    }
    Type *t = xcalloc(1, sizeof *t);
    t->kind = TY_TUPLE;
    t->n = n;
    t->elems = xcalloc((size_t)n, sizeof *elems);
    memcpy(t->elems, elems, (size_t)n * sizeof *elems);
    return remember(t);
}

/* The one list type [elem]. */
Type *type_list(Type *elem)
{
    for (int i = 0; i < nmade; i++)
        if (made[i]->kind == TY_LIST && made[i]->elem == elem)
            return made[i];
    Type *t = xcalloc(1, sizeof *t);
    t->kind = TY_LIST;
    t->elem = elem;
    return remember(t);
}

/* The one optional type T? (the checker allows scalar T only). */
Type *type_opt(Type *elem)
{
    for (int i = 0; i < nmade; i++)
        if (made[i]->kind == TY_OPT && made[i]->elem == elem)
            return made[i];
    Type *t = xcalloc(1, sizeof *t);
    t->kind = TY_OPT;
    t->elem = elem;
    return remember(t);
}

bool type_has_opt(const Type *t)
{
    if (t->kind == TY_OPT)
        return true;
    if (t->kind == TY_LIST)
        return type_has_opt(t->elem);
    for (int i = 0; (t->kind == TY_TUPLE || t->kind == TY_RECORD) && i < t->n; i++)
        if (type_has_opt(t->elems[i]))
            return true;
    return false;
}

bool type_has_none(const Type *t)
{
    if (t->kind == TY_NONE)
        return true;
    if (t->kind == TY_LIST)
        return type_has_none(t->elem);
    for (int i = 0; t->kind == TY_TUPLE && i < t->n; i++)
        if (type_has_none(t->elems[i]))
            return true;
    return false;
}

Type *type_record(const char *name, int n)
{
    Type *t = xcalloc(1, sizeof *t);
    t->kind = TY_RECORD;
    t->name = name;
    t->n = n;
    t->elems = xcalloc((size_t)n, sizeof *t->elems);
    t->fields = xcalloc((size_t)n, sizeof *t->fields);
    t->cfields = xcalloc((size_t)n, sizeof *t->cfields);
    return remember(t);
}

int type_field(const Type *rec, const char *name)
{
    for (int i = 0; i < rec->n; i++)
        if (strcmp(rec->fields[i], name) == 0)
            return i;
    return -1;
}

/* Free every made type: the end of a compilation. */
void types_reset(void)
{
    for (int i = 0; i < nmade; i++) {
        free(made[i]->elems);
        free(made[i]->fields);
        free(made[i]->cfields);
        free(made[i]);
    }
    free(made);
    made = NULL;
    nmade = capmade = 0;
}

void type_str(Str *s, const Type *t)
{
    switch (t->kind) {
    case TY_ERROR: str_add(s, "<error>"); break;
    case TY_I64: str_add(s, "i64"); break;
    case TY_F64: str_add(s, "f64"); break;
    case TY_BOOL: str_add(s, "bool"); break;
    case TY_STR: str_add(s, "str"); break;
    case TY_LIST:
        str_add(s, "[");
        type_str(s, t->elem);
        str_add(s, "]");
        break;
    case TY_RECORD: str_add(s, "%s", t->name); break;
    case TY_OPT:
        type_str(s, t->elem);
        str_add(s, "?");
        break;
    case TY_NONE: str_add(s, "none"); break;
    case TY_TUPLE:
        str_add(s, "(");
        for (int i = 0; i < t->n; i++) {
            if (i)
                str_add(s, ", ");
            type_str(s, t->elems[i]);
        }
        str_add(s, ")");
        break;
    }
}

const char *type_name(Arena *a, const Type *t)
{
    Str s = {0};
    type_str(&s, t);
    char *r = arena_strndup(a, s.p, s.n);
    str_free(&s);
    return r;
}

bool type_is_scalar(const Type *t)
{
    return t->kind == TY_I64 || t->kind == TY_F64 || t->kind == TY_BOOL || t->kind == TY_STR;
}

bool type_is_numeric(const Type *t)
{
    return t->kind == TY_I64 || t->kind == TY_F64;
}
