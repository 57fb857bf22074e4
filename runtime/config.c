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
 *
 * The top level is a mapping of these keys, each at most once.  An unknown
 * key, a duplicate and a value of the wrong type are errors at FILE:LINE:COL
 * (1-based; libyaml's marks are 0-based).  Numbers and booleans must be
 * plain scalars ("4" in quotes is a string); paths may be plain or quoted.
 * The driver lets the command line override every key.
 */
#include "libfpipe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

void fp_oom(void);

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

static const char *const keys[] = {"threads", "partition_size", "inputs", "output",
                                   "errors",  "progress",       "stats", "checkpoint_dir"};
#define NKEYS ((int)(sizeof keys / sizeof *keys))

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
                                             "stats and checkpoint_dir)", name);
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
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

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
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        fp_oom();
    yaml_parser_set_input_file(&parser, f);
    cfg_ctx c = {path, err, errlen, &doc};
    int rc = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_mark_t m = parser.problem_mark;
        fail_at(&c, m, "not valid YAML: %s%s%s", parser.problem ? parser.problem : "?",
                parser.context ? " " : "", parser.context ? parser.context : "");
        rc = -1;
    } else {
        const yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root && !is_null(root))   /* an empty file sets nothing */
            rc = apply(&c, root, cfg);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    if (rc != 0)
        fp_config_free(cfg);
    return rc;
}

void fp_config_free(fp_config *cfg)
{
    for (int i = 0; i < cfg->ninputs; i++)
        free(cfg->inputs[i]);
    free(cfg->inputs);
    free(cfg->output);
    free(cfg->errors);
    free(cfg->checkpoint_dir);
    memset(cfg, 0, sizeof *cfg);
}
