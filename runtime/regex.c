/* regex.c — the regular-expression builtins (matches, find_re, extract,
 * replace_re, split_re) over PCRE2 (libpcre2-8).
 *
 * A pattern is a string literal of the .fpipe, already compiled once by
 * fpipec check (a bad one never reaches a program).  The generated code
 * holds each as a static fp_regex; fp_regex_setup compiles them all at
 * start-up, JIT-compiles them, and gives every worker (thread) its own
 * match data: a match allocates nothing and takes no lock.  Subjects are
 * bytes (no PCRE2_UTF): any byte string is a valid subject.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "internal.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The compile options of every pattern: fpipec check uses the same
 * (compiler/check.c).  Patterns work on bytes: (*UTF) and (*UCP) at a
 * pattern's start are refused, as the JIT's matcher does not check that a
 * subject is valid UTF-8 and would read past it. */
#define REGEX_OPTIONS (PCRE2_NEVER_UTF | PCRE2_NEVER_UCP)

void fp_regex_setup(fp_regex *const *res, int n, int nthreads)
{
    for (int i = 0; i < n; i++) {
        fp_regex *re = res[i];
        fp_regex_free(re);   /* a process that runs the pipeline again (tests, fuzzers) */
        int err;
        PCRE2_SIZE off;
        pcre2_code *code = pcre2_compile((PCRE2_SPTR)re->pattern, re->len, REGEX_OPTIONS, &err,
                                         &off, NULL);
        if (!code) {   /* fpipec check compiled it: a different PCRE2? */
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            fprintf(stderr, "%s: internal error: the pattern of line %d, column %d does not "
                            "compile: %s at offset %zu\n", fp_prog, re->line, re->col,
                    (const char *)msg, (size_t)off);
            fp_exit(FP_EXIT_INTERNAL);
        }
        /* Without JIT support (another architecture) pcre2_match interprets:
         * the same results, slower. */
        re->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
        re->code = code;
        re->md = calloc((size_t)nthreads, sizeof *re->md);
        if (!re->md)
            fp_oom();
        re->nmd = nthreads;
        for (int t = 0; t < nthreads; t++) {
            re->md[t] = pcre2_match_data_create_from_pattern(code, NULL);
            if (!re->md[t])
                fp_oom();
        }
    }
}

void fp_regex_free(fp_regex *re)
{
    if (!re->code)
        return;
    for (int t = 0; t < re->nmd; t++)
        pcre2_match_data_free(re->md[t]);
    free(re->md);
    pcre2_code_free(re->code);
    re->code = NULL;
    re->md = NULL;
    re->nmd = 0;
}

/* One match of re in s from byte start: the result of pcre2_match (> 0
 * matched, PCRE2_ERROR_NOMATCH none); other errors (a match or depth
 * limit, a JIT stack too small) are an element error of site. */
static int match_at(fp_worker *w, const fp_site *site, const fp_regex *re, fp_str s,
                    size_t start, uint32_t opts)
{
    pcre2_match_data *md = re->md[w->thread];
    /* The JIT's fast path skips pcre2_match's checks of its arguments
     * (all valid here: the subject is bytes, no UTF). */
    int rc = re->jit ? pcre2_jit_match(re->code, (PCRE2_SPTR)s.p, s.n, start, opts, md, NULL)
                     : pcre2_match(re->code, (PCRE2_SPTR)s.p, s.n, start, opts, md, NULL);
    /* The JIT's stack (32 KiB) is spent by a repeated group on a long
     * subject: the interpreter, whose backtracking lives on the heap (up
     * to PCRE2's heap limit), matches it. */
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(re->code, (PCRE2_SPTR)s.p, s.n, start, opts | PCRE2_NO_JIT, md, NULL);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
        fp_elem_error(w, site, rc == PCRE2_ERROR_MATCHLIMIT ? "regex match limit exceeded"
                               : rc == PCRE2_ERROR_DEPTHLIMIT ? "regex depth limit exceeded"
                               : rc == PCRE2_ERROR_JIT_STACKLIMIT ? "regex JIT stack exhausted"
                                                                  : "regex match failed");
        return PCRE2_ERROR_NOMATCH;
    }
    return rc;
}

/* An empty string may have no bytes at all (NULL): PCRE2 wants a pointer. */
static inline fp_str nonnull(fp_str s)
{
    return s.p ? s : fp_str_lit("", 0);
}

bool fp_matches(fp_worker *w, const fp_site *site, const fp_regex *re, fp_str s)
{
    s = nonnull(s);
    return match_at(w, site, re, s, 0, 0) > 0;
}

int64_t fp_find_re(fp_worker *w, const fp_site *site, const fp_regex *re, fp_str s)
{
    s = nonnull(s);
    if (match_at(w, site, re, s, 0, 0) <= 0)
        return -1;
    return (int64_t)pcre2_get_ovector_pointer(re->md[w->thread])[0];
}

fp_str fp_extract(fp_worker *w, const fp_site *site, const fp_regex *re, fp_str s,
                  int64_t group)
{
    s = nonnull(s);
    if (match_at(w, site, re, s, 0, 0) <= 0) {
        fp_elem_error(w, site, "extract: no match");
        return fp_str_lit(s.p, 0);
    }
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md[w->thread]);
    /* group is within the pattern's groups (fpipec checks it), and the
     * match data has room for all of them. */
    PCRE2_SIZE a = ov[2 * group], b = ov[2 * group + 1];
    if (a == PCRE2_UNSET) {
        fp_elem_error(w, site, "extract: the group did not take part in the match");
        return fp_str_lit(s.p, 0);
    }
    return fp_str_lit(s.p + a, b - a);
}

fp_str fp_replace_re(fp_arena *a, fp_worker *w, const fp_site *site, const fp_regex *re,
                     fp_str s, fp_str with)
{
    pcre2_match_data *md = re->md[w->thread];
    s = nonnull(s);
    with = nonnull(with);
    uint32_t opts = PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH |
                    PCRE2_SUBSTITUTE_UNSET_EMPTY;
    /* A first guess at the length; PCRE2 says how much it needs when the
     * guess is short, and the second call has room. */
    PCRE2_SIZE cap = s.n + with.n + 16;
    for (int pass = 0; pass < 2; pass++) {
        PCRE2_UCHAR *out = fp_arena_alloc(a, cap + 1);
        PCRE2_SIZE len = cap + 1;
        int rc = pcre2_substitute(re->code, (PCRE2_SPTR)s.p, s.n, 0, opts, md, NULL,
                                  (PCRE2_SPTR)with.p, with.n, out, &len);
        if (rc >= 0)
            return rc == 0 ? s : fp_str_lit((const char *)out, len);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT && !(opts & PCRE2_NO_JIT)) {
            opts |= PCRE2_NO_JIT;   /* as match_at: the interpreter, on the heap */
            pass--;
            continue;
        }
        if (rc != PCRE2_ERROR_NOMEMORY || pass) {
            fp_elem_error(w, site, rc == PCRE2_ERROR_BADREPLACEMENT ? "replace_re: a bad $ "
                                   "reference in the replacement (use $$ for a $)"
                                   : rc == PCRE2_ERROR_NOSUBSTRING ? "replace_re: the replacement "
                                   "names a group the pattern does not have"
                                   : rc == PCRE2_ERROR_MATCHLIMIT ? "regex match limit exceeded"
                                   : rc == PCRE2_ERROR_JIT_STACKLIMIT ? "regex JIT stack exhausted"
                                                                      : "replace_re failed");
            return s;
        }
        cap = len;   /* with OVERFLOW_LENGTH: the length needed, its NUL included */
    }
    return s;
}

fp_resplit_iter fp_split_re_begin(fp_worker *w, const fp_site *site, const fp_regex *re,
                                  fp_str s)
{
    fp_resplit_iter it = {w, site, re, nonnull(s), 0, false};
    return it;
}

/* The next piece: up to the next non-empty match (PCRE2_NOTEMPTY), or the
 * rest of the subject. */
bool fp_split_re_next(fp_resplit_iter *it, fp_str *piece)
{
    if (it->done)
        return false;
    int rc = match_at(it->w, it->site, it->re, it->s, it->pos, PCRE2_NOTEMPTY);
    if (rc <= 0) {
        *piece = fp_str_lit(it->s.p + it->pos, it->s.n - it->pos);
        it->done = true;
        return true;
    }
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(it->re->md[it->w->thread]);
    *piece = fp_str_lit(it->s.p + it->pos, ov[0] - it->pos);
    it->pos = ov[1];
    return true;
}
