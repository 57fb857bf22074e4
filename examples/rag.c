/* rag.c — the C functions of examples/rag_ingest.fpipe (and rag_chunks.fpipe):
 * clean a raw document, cut it into chunks, embed chunks in batches.
 *
 * Each is pure: its result depends only on its arguments; memory comes from
 * fp_alloc (it lives until the input partition is done), errors go through
 * fp_error.  fpipec checks these definitions against the externs: the
 * header below is written by `fpipec build` (or `fpipec header`).
 */
#include "rag.fpipe.h"

#include <math.h>

enum { CHUNK_BYTES = 200, DIM = 16 };

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* title and body joined by a space, ASCII letters lowered, every run of
 * whitespace one space, none at the ends.  A document with no text fails. */
rec_CleanDoc clean_doc(fp_ctx *cx, rec_RawDoc d)
{
    char *out = fp_alloc(cx, d.title.n + 1 + d.body.n + 1);
    size_t n = 0;
    fp_str parts[2] = {d.title, d.body};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < parts[k].n; i++) {
            char c = parts[k].p[i];
            if (is_space(c)) {
                if (n > 0 && out[n - 1] != ' ')
                    out[n++] = ' ';
                continue;
            }
            out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        if (n > 0 && out[n - 1] != ' ')
            out[n++] = ' ';
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    if (n == 0)
        fp_error(cx, "document '%.*s' has no text", (int)(d.id.n > 64 ? 64 : d.id.n), d.id.p);
    return (rec_CleanDoc){d.id, fp_str_lit(out, n)};
}

/* The chunks of one document, growing in fp_alloc memory. */
typedef struct chunks {
    fp_ctx *cx;
    rec_CleanDoc d;
    list_rec_Chunk l;
    size_t cap;
} chunks;

static void push(chunks *c, const char *p, size_t n)
{
    if ((size_t)c->l.n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        rec_Chunk *m = fp_alloc(c->cx, cap * sizeof *m);
        if (c->l.n)
            memcpy(m, c->l.items, (size_t)c->l.n * sizeof *m);
        c->l.items = m;
        c->cap = cap;
    }
    int64_t i = c->l.n++;
    c->l.items[i] = (rec_Chunk){c->d.id, i, fp_str_lit(p, n)};
}

/* Greedy chunks of whole words, at most CHUNK_BYTES each (words joined by
 * one space); a longer word is cut into CHUNK_BYTES pieces. */
list_rec_Chunk chunk_doc(fp_ctx *cx, rec_CleanDoc d)
{
    chunks c = {cx, d, {NULL, 0}, 0};
    const char *p = d.text.p, *end = p + d.text.n;
    const char *start = p;   /* the current chunk */
    size_t len = 0;
    while (p < end) {
        const char *w = p;
        while (p < end && *p != ' ')
            p++;
        size_t wn = (size_t)(p - w);
        if (p < end)
            p++;   /* the space */
        if (wn > CHUNK_BYTES && len) {
            push(&c, start, len);
            len = 0;
        }
        while (wn > CHUNK_BYTES) {   /* a word longer than a chunk */
            push(&c, w, CHUNK_BYTES);
            w += CHUNK_BYTES;
            wn -= CHUNK_BYTES;
        }
        if (len && len + 1 + wn > CHUNK_BYTES) {
            push(&c, start, len);
            len = 0;
        }
        if (!len)
            start = w;
        len = (size_t)(w + wn - start);
    }
    if (len)
        push(&c, start, len);
    return c.l;
}

/* Feature hashing: each word adds +1 or -1 (by the top bit of its FNV-1a
 * hash) at index hash % DIM; the vector is then scaled to length 1. */
list_rec_EmbeddedChunk embed_batch(fp_ctx *cx, list_rec_Chunk chunks)
{
    list_rec_EmbeddedChunk out = {fp_alloc(cx, (size_t)chunks.n * sizeof *out.items), chunks.n};
    for (int64_t c = 0; c < chunks.n; c++) {
        rec_Chunk ch = chunks.items[c];
        double *v = fp_alloc(cx, DIM * sizeof *v);
        const char *p = ch.text.p, *end = p + ch.text.n;
        while (p < end) {
            uint64_t h = 14695981039346656037u;
            const char *w = p;
            while (p < end && *p != ' ')
                h = (h ^ (unsigned char)*p++) * 1099511628211u;
            if (p > w)
                v[h % DIM] += (h >> 63) ? -1.0 : 1.0;
            if (p < end)
                p++;
        }
        double ss = 0;
        for (int i = 0; i < DIM; i++)
            ss += v[i] * v[i];
        double norm = sqrt(ss);
        if (norm > 0)
            for (int i = 0; i < DIM; i++)
                v[i] /= norm;
        out.items[c] = (rec_EmbeddedChunk){ch.doc_id, ch.index, ch.text, {v, DIM}};
    }
    return out;
}
