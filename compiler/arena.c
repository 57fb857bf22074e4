/* arena.c — one arena per compilation, growable vectors and strings.
 *
 * The compiler allocates everything of a compilation (tokens' decoded
 * literals, AST, types' names, IR) from one arena and frees it in one call;
 * nothing is freed piecemeal.  Out of memory ends the process: a compiler
 * has nothing better to do.
 */
#include "fpipec.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct Block {
    struct Block *next;
    size_t used, cap;
    max_align_t data[];
} Block;

struct Arena {
    Block *head;
};

/* malloc that never returns NULL: out of memory ends fpipec (exit 2). */
static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("fpipec: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

Arena *arena_new(void)
{
    Arena *a = xmalloc(sizeof *a);
    a->head = NULL;
    return a;
}

void *arena_alloc(Arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    Block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = xmalloc(sizeof *b + cap);
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* A formatted string in the arena, alive until arena_free. */
char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* Free every block of the arena, and the arena; NULL is allowed. */
void arena_free(Arena *a)
{
    if (!a)
        return;
    for (Block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

/* Append p, doubling the vector's storage in the arena (the old one is
 * left to the arena, as everything is). */
void vec_push(Arena *a, PtrVec *vec, void *p)
{
    if (vec->n == vec->cap) {
        int cap = vec->cap ? vec->cap * 2 : 4;
        void **v = arena_alloc(a, (size_t)cap * sizeof *v);
        if (vec->n)
            memcpy(v, vec->v, (size_t)vec->n * sizeof *v);
        vec->v = v;
        vec->cap = cap;
    }
    vec->v[vec->n++] = p;
}

/* Room for extra more bytes and a NUL in s (malloc'd: a Str outlives
 * its arena). */
static void str_reserve(Str *s, size_t extra)
{
    if (s->cap - s->n > extra)
        return;
    size_t cap = s->cap ? s->cap : 256;
    while (cap - s->n <= extra)
        cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) {
        fputs("fpipec: out of memory\n", stderr);
        exit(2);
    }
    s->p = p;
    s->cap = cap;
}

void str_addn(Str *s, const char *p, size_t n)
{
    str_reserve(s, n);
    memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = 0;
}

/* Append printf-formatted text to s; s->p stays NUL-terminated. */
void str_add(Str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    str_reserve(s, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(s->p + s->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->n += (size_t)n;
}

void str_free(Str *s)
{
    free(s->p);
    s->p = NULL;
    s->n = s->cap = 0;
}
