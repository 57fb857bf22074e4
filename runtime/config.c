/* config.c — --config run.yaml: a run's options in a file (libyaml).
 *
 *   threads: 4                  # 1 to 4096
 *   partition_size: 1048576     # bytes, > 0
 *   inputs: [a.txt, logs/]      # or one path: inputs: a.txt
 *   output: counts.tsv
 *   errors: counts.errors.jsonl # on_error collect's error file
 *   progress: false
 *   stats: json                 # true (a table), false, table or json
 *   checkpoint_dir: ckpt/       # materialize: where checkpoints go
 *   operators:                  # per-operator settings (fp_opcfg)
 *     entry: {on_error: drop}
 *     embed: {max_batch: 32, retry: 3, backoff_ms: 10, backoff_max_ms: 200}
 *   params: {limit: 5, city: Paris}   # the pipeline's parameters (--param)
 *
 * The top level is a mapping of these keys, each at most once.  An unknown
 * key, a duplicate and a value of the wrong type are errors at FILE:LINE:COL
 * (1-based; libyaml's marks are 0-based).  Numbers and booleans must be
 * plain scalars ("4" in quotes is a string); paths may be plain or quoted.
 * The driver lets the command line override every key.  `operators:` is
 * type-checked here and checked against the pipeline (names, what each
 * operator allows) by fp_config_ops, which the driver calls.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>


static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        fp_oom();
    return p;
}

typedef struct cfg_ctx {
    const char *path;
    char *err;
    size_t errlen;
    yaml_document_t *doc;
} cfg_ctx;

__attribute__((format(printf, 3, 4)))
/* "PATH:LINE:COL: error: ..." into c->err at libyaml's mark m (0-based,
 * printed 1-based); returns -1 for the caller to return. */
static int fail_at(cfg_ctx *c, yaml_mark_t m, const char *fmt, ...)
{
    int n = snprintf(c->err, c->errlen, "%s:%zu:%zu: error: ", c->path, m.line + 1, m.column + 1);
    if (n < 0 || (size_t)n >= c->errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* What a node is, for messages: "a scalar", "a list", "a mapping". */
static const char *kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static const char *scalar(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static bool plain(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null(const yaml_node_t *n)
{
    if (!plain(n))
        return false;
    const char *s = scalar(n);
    return (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
                        !strcmp(s, "NULL"));
}

/* A plain decimal integer in [lo, hi]. */
static int get_int(cfg_ctx *c, const char *key, const yaml_node_t *v, size_t lo, size_t hi,
                   size_t *out)
{
    const char *s = v->type == YAML_SCALAR_NODE ? scalar(v) : NULL;
    char *end = NULL;
    unsigned long long x = 0;
    bool ok = s && plain(v) && *s >= '0' && *s <= '9';
    if (ok) {
        errno = 0;
        x = strtoull(s, &end, 10);
        ok = !errno && !*end && x >= lo && x <= hi;
    }
    if (!ok && hi == SIZE_MAX) {
        if (s)
            return fail_at(c, v->start_mark, "'%s' wants a positive integer, not %s'%s'", key,
                           plain(v) ? "" : "the string ", s);
        return fail_at(c, v->start_mark, "'%s' wants a positive integer, not %s", key,
                       kind_name(v));
    }
    if (!ok) {
        if (s)
            return fail_at(c, v->start_mark, "'%s' wants an integer from %zu to %zu, not %s'%s'",
                           key, lo, hi, plain(v) ? "" : "the string ", s);
        return fail_at(c, v->start_mark, "'%s' wants an integer from %zu to %zu, not %s", key,
                       lo, hi, kind_name(v));
    }
    *out = (size_t)x;
    return 0;
}

/* A plain true or false into *out; else -1 with a located error. */
static int get_bool(cfg_ctx *c, const char *key, const yaml_node_t *v, int *out)
{
    if (plain(v) && !strcmp(scalar(v), "true")) {
        *out = 1;
        return 0;
    }
    if (plain(v) && !strcmp(scalar(v), "false")) {
        *out = 0;
        return 0;
    }
    if (v->type == YAML_SCALAR_NODE)
        return fail_at(c, v->start_mark, "'%s' wants true or false, not '%s'", key, scalar(v));
    return fail_at(c, v->start_mark, "'%s' wants true or false, not %s", key, kind_name(v));
}

/* A non-empty path scalar, copied into *out; else -1 with a located
 * error. */
static int get_path(cfg_ctx *c, const char *key, const yaml_node_t *v, char **out)
{
    if (v->type != YAML_SCALAR_NODE || is_null(v))
        return fail_at(c, v->start_mark, "'%s' wants a path, not %s", key,
                       v->type == YAML_SCALAR_NODE ? "null" : kind_name(v));
    if (!*scalar(v))
        return fail_at(c, v->start_mark, "'%s' wants a path, not an empty string", key);
    *out = xstrdup(scalar(v));
    return 0;
}

/* inputs: one path, or a list of paths. */
static int get_inputs(cfg_ctx *c, const yaml_node_t *v, fp_config *cfg)
{
    if (v->type == YAML_SCALAR_NODE) {
        cfg->inputs = calloc(1, sizeof *cfg->inputs);
        if (!cfg->inputs)
            fp_oom();
        cfg->ninputs = 1;
        return get_path(c, "inputs", v, &cfg->inputs[0]);
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return fail_at(c, v->start_mark, "'inputs' wants a list of paths, not %s", kind_name(v));
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    cfg->inputs = calloc(n ? n : 1, sizeof *cfg->inputs);
    if (!cfg->inputs)
        fp_oom();
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        const yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        if (get_path(c, "inputs", e, &cfg->inputs[cfg->ninputs]) != 0)
            return -1;
        cfg->ninputs++;
    }
    return 0;
}

/* params: { NAME: VALUE, ... }: each value a scalar, kept as text (the
 * driver reads it by the parameter's type and knows the names). */
static int get_params(cfg_ctx *c, const yaml_node_t *v, fp_config *cfg)
{
    if (v->type != YAML_MAPPING_NODE)
        return fail_at(c, v->start_mark, "'params' wants a mapping of parameter names to "
                                         "values, not %s", is_null(v) ? "nothing" : kind_name(v));
    size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    cfg->params = calloc(n ? n : 1, sizeof *cfg->params);
    if (!cfg->params)
        fp_oom();
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        const yaml_node_t *x = yaml_document_get_node(c->doc, p->value);
        if (k->type != YAML_SCALAR_NODE || is_null(k))
            return fail_at(c, k->start_mark, "a parameter must be a name, not %s",
                           is_null(k) ? "nothing" : kind_name(k));
        for (int i = 0; i < cfg->nparams; i++)
            if (!strcmp(cfg->params[i].name, scalar(k)))
                return fail_at(c, k->start_mark, "parameter '%s' is given twice", scalar(k));
        if (x->type != YAML_SCALAR_NODE)
            return fail_at(c, x->start_mark, "parameter '%s' wants a value (a scalar), not %s",
                           scalar(k), kind_name(x));
        fp_paramval *pv = &cfg->params[cfg->nparams++];
        pv->name = xstrdup(scalar(k));
        pv->value = xstrdup(scalar(x));
        pv->line = (int)k->start_mark.line + 1;
        pv->col = (int)k->start_mark.column + 1;
    }
    return 0;
}

/* ---- operators: per-operator settings ------------------------------ */

static const char *const settings[FP_NSETTINGS] = {"on_error", "max_batch", "retry",
                                                   "backoff_ms", "backoff_max_ms"};

/* One operator's mapping of settings, type-checked into o. */
static int get_opover(cfg_ctx *c, const yaml_node_t *v, fp_opover *o)
{
    if (v->type != YAML_MAPPING_NODE)
        return fail_at(c, v->start_mark, "operator '%s' wants a mapping of settings (on_error, "
                                         "max_batch, retry, backoff_ms, backoff_max_ms), not %s",
                       o->name, is_null(v) ? "nothing" : kind_name(v));
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        const yaml_node_t *x = yaml_document_get_node(c->doc, p->value);
        if (k->type != YAML_SCALAR_NODE)
            return fail_at(c, k->start_mark, "a setting must be a name, not %s", kind_name(k));
        int si = 0;
        while (si < FP_NSETTINGS && strcmp(settings[si], scalar(k)) != 0)
            si++;
        if (si == FP_NSETTINGS)
            return fail_at(c, k->start_mark, "unknown setting '%s' for operator '%s' (the "
                                             "settings are on_error, max_batch, retry, "
                                             "backoff_ms and backoff_max_ms)", scalar(k), o->name);
        if (o->val[si] >= 0)
            return fail_at(c, k->start_mark, "'%s' is given twice for operator '%s'", scalar(k),
                           o->name);
        o->at[si][0] = (int)x->start_mark.line + 1;
        o->at[si][1] = (int)x->start_mark.column + 1;
        if (si == FP_SET_ON_ERROR) {
            const char *w = plain(x) ? scalar(x) : "";
            o->val[si] = !strcmp(w, "drop") ? FP_ON_ERROR_DROP
                       : !strcmp(w, "collect") ? FP_ON_ERROR_COLLECT
                       : !strcmp(w, "fail_fast") ? FP_ON_ERROR_FAIL_FAST : -1;
            if (o->val[si] < 0 && x->type == YAML_SCALAR_NODE)
                return fail_at(c, x->start_mark, "'on_error' wants drop, collect or fail_fast, "
                                                 "not '%s'", scalar(x));
            if (o->val[si] < 0)
                return fail_at(c, x->start_mark, "'on_error' wants drop, collect or fail_fast, "
                                                 "not %s", kind_name(x));
            continue;
        }
        /* the bounds: max_batch as the language has it, retry as well (0
         * turns retries off), waits up to a minute and ten minutes */
        static const size_t lo[FP_NSETTINGS] = {0, 1, 0, 0, 1};
        static const size_t hi[FP_NSETTINGS] = {0, 1000000, 100, 60000, 600000};
        size_t n;
        if (get_int(c, settings[si], x, lo[si], hi[si], &n) != 0)
            return -1;
        o->val[si] = (int)n;
    }
    return 0;
}

/* operators: { NAME: {on_error: .., max_batch: .., retry: ..}, ... },
 * read into cfg->ops; whether each NAME and setting fits the pipeline
 * is checked later, by fp_config_ops. */
static int get_operators(cfg_ctx *c, const yaml_node_t *v, fp_config *cfg)
{
    if (v->type != YAML_MAPPING_NODE)
        return fail_at(c, v->start_mark, "'operators' wants a mapping of operator names to "
                                         "their settings, not %s",
                       is_null(v) ? "nothing" : kind_name(v));
    size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    cfg->ops = calloc(n ? n : 1, sizeof *cfg->ops);
    if (!cfg->ops)
        fp_oom();
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        if (k->type != YAML_SCALAR_NODE || is_null(k))
            return fail_at(c, k->start_mark, "an operator must be a name, not %s",
                           is_null(k) ? "nothing" : kind_name(k));
        for (int i = 0; i < cfg->nops; i++)
            if (!strcmp(cfg->ops[i].name, scalar(k)))
                return fail_at(c, k->start_mark, "operator '%s' is given twice", scalar(k));
        fp_opover *o = &cfg->ops[cfg->nops++];
        o->name = xstrdup(scalar(k));
        o->line = (int)k->start_mark.line + 1;
        o->col = (int)k->start_mark.column + 1;
        for (int si = 0; si < FP_NSETTINGS; si++)
            o->val[si] = -1;
        if (get_opover(c, yaml_document_get_node(c->doc, p->value), o) != 0)
            return -1;
    }
    return 0;
}

static const char *const keys[] = {"threads", "partition_size", "inputs", "output",
                                   "errors",  "progress",       "stats", "checkpoint_dir",
                                   "operators", "params"};
#define NKEYS ((int)(sizeof keys / sizeof *keys))

/* The document's top-level mapping into cfg: each key known, given
 * once, with a value of its kind; else -1 with a located error. */
static int apply(cfg_ctx *c, const yaml_node_t *root, fp_config *cfg)
{
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(c, root->start_mark, "a run configuration is a mapping of keys (%s, ...), "
                                            "not %s", keys[0], kind_name(root));
    bool seen[NKEYS] = {false};
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        if (k->type != YAML_SCALAR_NODE)
            return fail_at(c, k->start_mark, "a key must be a name, not %s", kind_name(k));
        const char *name = scalar(k);
        int ki = 0;
        while (ki < NKEYS && strcmp(keys[ki], name) != 0)
            ki++;
        if (ki == NKEYS)
            return fail_at(c, k->start_mark, "unknown key '%s' (the keys are threads, "
                                             "partition_size, inputs, output, errors, progress, "
                                             "stats, checkpoint_dir, operators and params)",
                           name);
        if (seen[ki])
            return fail_at(c, k->start_mark, "'%s' is given twice", name);
        seen[ki] = true;
        int rc = 0;
        switch (ki) {
        case 0: rc = get_int(c, name, v, 1, 4096, &cfg->threads); break;
        case 1: rc = get_int(c, name, v, 1, SIZE_MAX, &cfg->partition_size); break;
        case 2: rc = get_inputs(c, v, cfg); break;
        case 3: rc = get_path(c, name, v, &cfg->output); break;
        case 4: rc = get_path(c, name, v, &cfg->errors); break;
        case 5: rc = get_bool(c, name, v, &cfg->progress); break;
        case 6:
            if (plain(v) && !strcmp(scalar(v), "json"))
                cfg->stats = 2;
            else if (plain(v) && !strcmp(scalar(v), "table"))
                cfg->stats = 1;
            else if (plain(v) && (!strcmp(scalar(v), "true") || !strcmp(scalar(v), "false")))
                cfg->stats = !strcmp(scalar(v), "true");
            else if (v->type == YAML_SCALAR_NODE)
                rc = fail_at(c, v->start_mark, "'stats' wants true, false, table or json, not '%s'",
                             scalar(v));
            else
                rc = fail_at(c, v->start_mark, "'stats' wants true, false, table or json, not %s",
                             kind_name(v));
            break;
        case 7: rc = get_path(c, name, v, &cfg->checkpoint_dir); break;
        case 8: rc = get_operators(c, v, cfg); break;
        case 9: rc = get_params(c, v, cfg); break;
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Bounds checked before libyaml builds the document, whose flow
 * collections cost time quadratic in their depth (100,000 '[' took 25 s):
 * the file's size, then, event by event, its nesting and its documents
 * (one: a second would be ignored without a word).  A configuration
 * nests 3 deep. */
#define CONFIG_MAX_BYTES ((size_t)1 << 20)
#define CONFIG_MAX_DEPTH 64

static int yaml_error(cfg_ctx *c, const yaml_parser_t *p)
{
    return fail_at(c, p->problem_mark, "not valid YAML: %s%s%s", p->problem ? p->problem : "?",
                   p->context ? " " : "", p->context ? p->context : "");
}

static int prescan(cfg_ctx *c, const unsigned char *text, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        fp_oom();
    yaml_parser_set_input_string(&p, text, len);
    int rc = 0, depth = 0, docs = 0;
    bool done = false;
    while (rc == 0 && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = yaml_error(c, &p);
            break;
        }
        switch (ev.type) {
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth > CONFIG_MAX_DEPTH)
                rc = fail_at(c, ev.start_mark, "nested deeper than %d lists and mappings (a "
                             "configuration nests 3 deep)", CONFIG_MAX_DEPTH);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = fail_at(c, ev.start_mark, "a second YAML document: a configuration is one");
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return rc;
}

/* A scalar with an escaped NUL ("a\0b") would be cut short where it is
 * used as a C string: keys, names, paths.  None of them holds one. */
static int no_nul(cfg_ctx *c)
{
    for (yaml_node_t *n = c->doc->nodes.start; n < c->doc->nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE && memchr(n->data.scalar.value, 0, n->data.scalar.length))
            return fail_at(c, n->start_mark, "a NUL byte (\\0) in a value: keys, names and "
                           "paths hold none");
    return 0;
}

/* Read the run configuration at path into cfg (zeroed first; -1 leaves
 * progress and stats unset).  0, or -1 with the located message in err. */
int fp_config_load(const char *path, fp_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->progress = -1;
    cfg->stats = -1;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "error: cannot open the configuration '%s': %s", path,
                 strerror(errno));
        return -1;
    }
    /* Read whole, at most CONFIG_MAX_BYTES (one byte more tells it is over). */
    unsigned char *text = malloc(CONFIG_MAX_BYTES + 1);
    if (!text)
        fp_oom();
    size_t len = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
    int read_err = ferror(f) ? errno : 0;
    fclose(f);
    if (read_err) {
        snprintf(err, errlen, "error: cannot read the configuration '%s': %s", path,
                 strerror(read_err));
        free(text);
        return -1;
    }
    if (len > CONFIG_MAX_BYTES) {
        snprintf(err, errlen, "error: the configuration '%s' is over %zu KiB: not a "
                 "configuration", path, CONFIG_MAX_BYTES >> 10);
        free(text);
        return -1;
    }
    yaml_document_t doc;
    cfg->path = xstrdup(path);
    cfg_ctx c = {path, err, errlen, &doc};
    int rc = prescan(&c, text, len);
    if (rc == 0) {
        yaml_parser_t parser;
        if (!yaml_parser_initialize(&parser))
            fp_oom();
        yaml_parser_set_input_string(&parser, text, len);
        if (!yaml_parser_load(&parser, &doc)) {
            rc = yaml_error(&c, &parser);
        } else {
            const yaml_node_t *root = yaml_document_get_root_node(&doc);
            rc = no_nul(&c);
            if (rc == 0 && root && !is_null(root))   /* an empty file sets nothing */
                rc = apply(&c, root, cfg);
            yaml_document_delete(&doc);
        }
        yaml_parser_delete(&parser);
    }
    free(text);
    if (rc != 0)
        fp_config_free(cfg);
    return rc;
}

/* Free what fp_config_load allocated in cfg. */
void fp_config_free(fp_config *cfg)
{
    for (int i = 0; i < cfg->ninputs; i++)
        free(cfg->inputs[i]);
    free(cfg->inputs);
    free(cfg->output);
    free(cfg->errors);
    free(cfg->checkpoint_dir);
    for (int i = 0; i < cfg->nops; i++)
        free(cfg->ops[i].name);
    free(cfg->ops);
    for (int i = 0; i < cfg->nparams; i++) {
        free(cfg->params[i].name);
        free(cfg->params[i].value);
    }
    free(cfg->params);
    free(cfg->path);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- operators: checked against the pipeline, applied ---------------- */

__attribute__((format(printf, 5, 6)))
/* Append "PATH:LINE:COL: error: ..." about an operator's setting to
 * msg; returns -1. */
static int op_fail(const fp_config *cfg, int line, int col, fp_buf *msg, const char *fmt, ...)
{
    char head[512];
    snprintf(head, sizeof head, "%s:%d:%d: error: ", cfg->path, line, col);
    fp_buf_put(msg, head, strlen(head));
    va_list ap;
    va_start(ap, fmt);
    char body[1024];
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    fp_buf_put(msg, body, strlen(body));
    return -1;
}

/* The names of pl's operators that pass test, as "a, b and c" (or "none
 * in this pipeline"). */
static const char *op_names(const fp_pipeline *pl, bool (*test)(const fp_op *), fp_buf *b)
{
    int n = 0, k = 0;
    for (int i = 0; i < pl->nops; i++)
        n += test(&pl->ops[i]);
    if (!n)
        return "none in this pipeline";
    for (int i = 0; i < pl->nops; i++) {
        if (!test(&pl->ops[i]))
            continue;
        if (k)
            fp_buf_put(b, k == n - 1 ? " and " : ", ", k == n - 1 ? 5 : 2);
        fp_buf_put(b, pl->ops[i].name, strlen(pl->ops[i].name));
        k++;
    }
    fp_buf_put(b, "", 1);
    return b->p;
}

static bool any_op(const fp_op *op) { (void)op; return true; }
static bool can_fail(const fp_op *op) { return op->site >= 0; }
static bool is_batch(const fp_op *op) { return !strcmp(op->kind, "batch_map"); }
static bool can_retry(const fp_op *op) { return op->cfg && op->cfg->can_retry; }

/* One operator's settings: each allowed where the operator has it. */
static int check_over(const fp_config *cfg, const fp_pipeline *pl, const fp_op *op,
                      const fp_opover *o, bool have_errors, fp_buf *msg)
{
    fp_buf names = {0};
    int rc = 0;
    for (int si = 0; si < FP_NSETTINGS && rc == 0; si++) {
        if (o->val[si] < 0)
            continue;
        int l = o->at[si][0], c = o->at[si][1];
        if (si == FP_SET_ON_ERROR && !can_fail(op))
            rc = op_fail(cfg, l, c, msg, "%s '%s' cannot fail: on_error is for the operators "
                         "whose elements can fail (%s)", op->kind, op->name,
                         op_names(pl, can_fail, &names));
        else if (si == FP_SET_ON_ERROR && o->val[si] == FP_ON_ERROR_COLLECT && !have_errors)
            rc = op_fail(cfg, l, c, msg, "on_error collect for '%s' needs an error file: give "
                         "'errors:' in this file, or --errors PATH", op->name);
        else if (si == FP_SET_MAX_BATCH && !is_batch(op))
            rc = op_fail(cfg, l, c, msg, "max_batch is for batch_map, not %s '%s' (batch_map "
                         "here: %s)", op->kind, op->name, op_names(pl, is_batch, &names));
        else if (si >= FP_SET_RETRY && !can_retry(op))
            rc = op_fail(cfg, l, c, msg, "%s '%s' calls no fallible C function: %s is for the "
                         "operators that do (%s)", op->kind, op->name, settings[si],
                         op_names(pl, can_retry, &names));
    }
    if (rc == 0 && (o->val[FP_SET_BACKOFF_MS] > 0 || o->val[FP_SET_BACKOFF_MAX_MS] >= 0)) {
        int retry = o->val[FP_SET_RETRY] >= 0 ? o->val[FP_SET_RETRY] : op->cfg->retry;
        int si = o->val[FP_SET_BACKOFF_MS] >= 0 ? FP_SET_BACKOFF_MS : FP_SET_BACKOFF_MAX_MS;
        if (!retry)
            rc = op_fail(cfg, o->at[si][0], o->at[si][1], msg, "%s for '%s' waits before "
                         "retries, and its retry is 0: give 'retry: N' too", settings[si],
                         op->name);
        else if (si == FP_SET_BACKOFF_MAX_MS && o->val[FP_SET_BACKOFF_MS] < 0 &&
                 !op->cfg->backoff_ms)
            rc = op_fail(cfg, o->at[si][0], o->at[si][1], msg, "backoff_max_ms for '%s' caps "
                         "a backoff: give 'backoff_ms: N' too", op->name);
    }
    fp_buf_free(&names);
    return rc;
}

int fp_config_ops(const fp_config *cfg, const fp_pipeline *pl, bool have_errors, char *err,
                  size_t errlen)
{
    fp_buf msg = {0};
    int rc = 0;
    for (int k = 0; k < cfg->nops && rc == 0; k++) {
        const fp_opover *o = &cfg->ops[k];
        const fp_op *op = NULL;
        for (int i = 0; i < pl->nops && !op; i++)
            if (!strcmp(pl->ops[i].name, o->name))
                op = &pl->ops[i];
        if (!op) {
            fp_buf names = {0};
            rc = op_fail(cfg, o->line, o->col, &msg, "unknown operator '%s' (the operators of "
                         "pipeline %s are %s)", o->name, pl->name, op_names(pl, any_op, &names));
            fp_buf_free(&names);
        } else {
            rc = check_over(cfg, pl, op, o, have_errors, &msg);
        }
    }
    if (rc != 0) {
        snprintf(err, errlen, "%.*s", (int)msg.n, msg.p);
        fp_buf_free(&msg);
        return -1;
    }
    /* all checked: now change the settings (none changes on an error) */
    for (int k = 0; k < cfg->nops; k++) {
        const fp_opover *o = &cfg->ops[k];
        for (int i = 0; i < pl->nops; i++) {
            fp_opcfg *c = pl->ops[i].cfg;
            if (!c || strcmp(pl->ops[i].name, o->name) != 0)
                continue;
            if (o->val[FP_SET_ON_ERROR] >= 0)
                c->on_error = o->val[FP_SET_ON_ERROR];
            if (o->val[FP_SET_MAX_BATCH] >= 0)
                c->max_batch = o->val[FP_SET_MAX_BATCH];
            if (o->val[FP_SET_RETRY] >= 0)
                c->retry = o->val[FP_SET_RETRY];
            if (o->val[FP_SET_BACKOFF_MS] >= 0)
                c->backoff_ms = o->val[FP_SET_BACKOFF_MS];
            if (o->val[FP_SET_BACKOFF_MAX_MS] >= 0)
                c->backoff_max_ms = o->val[FP_SET_BACKOFF_MAX_MS];
            if (!c->retry)
                c->backoff_ms = c->backoff_max_ms = 0;
        }
    }
    fp_buf_free(&msg);
    return 0;
}

static void put_s(fp_buf *b, const char *s)
{
    fp_buf_put(b, s, strlen(s));
}

/* Whether the file set setting si of operator name. */
static bool set_by(const fp_config *cfg, const char *name, int si)
{
    for (int k = 0; cfg && k < cfg->nops; k++)
        if (!strcmp(cfg->ops[k].name, name) && cfg->ops[k].val[si] >= 0)
            return true;
    return false;
}

void fp_config_explain(const fp_pipeline *pl, const fp_config *cfg, fp_buf *b)
{
    static const char *const policy[] = {"fail_fast", "drop", "collect"};
    put_s(b, "run settings (the .fpipe's");
    if (cfg && cfg->path) {
        put_s(b, ", with --config ");
        put_s(b, cfg->path);
    }
    put_s(b, "; * marks what the file changed):\n");
    for (int i = 0; i < pl->nops; i++) {
        const fp_op *op = &pl->ops[i];
        const fp_opcfg *c = op->cfg;
        if (!c)
            continue;
        char line[512];
        int n = snprintf(line, sizeof line, "  %s %s:", op->kind, op->name);
        if (op->site >= 0)
            n += snprintf(line + n, sizeof line - (size_t)n, " on_error %s%s",
                          policy[c->on_error], set_by(cfg, op->name, FP_SET_ON_ERROR) ? "*" : "");
        if (c->max_batch)
            n += snprintf(line + n, sizeof line - (size_t)n, " max_batch %d%s", c->max_batch,
                          set_by(cfg, op->name, FP_SET_MAX_BATCH) ? "*" : "");
        if (c->can_retry)
            n += snprintf(line + n, sizeof line - (size_t)n, " retry %d%s", c->retry,
                          set_by(cfg, op->name, FP_SET_RETRY) ? "*" : "");
        if (c->backoff_ms) {
            int cap = c->backoff_max_ms > c->backoff_ms ? c->backoff_max_ms : c->backoff_ms;
            n += snprintf(line + n, sizeof line - (size_t)n, " backoff %d ms doubling up to %d ms%s",
                          c->backoff_ms, cap,
                          set_by(cfg, op->name, FP_SET_BACKOFF_MS) ||
                                  set_by(cfg, op->name, FP_SET_BACKOFF_MAX_MS) ? "*" : "");
        }
        if (n > (int)sizeof line - 2)
            n = (int)sizeof line - 2;
        line[n++] = '\n';
        fp_buf_put(b, line, (size_t)n);
    }
}
