/* fpipec.h — the compiler's one internal header, in sections per file.
 *
 * The passes, in the order main.c runs them:
 *   lex (grammar/lexer.re) + parse (grammar/fpipe.y, parse.c) -> AST
 *   check.c   AST -> typed IR (names, types, operator rules); names.c
 *             gives its names C identifiers apart from generated ones
 *   contracts.c, audit.c   contract lints; the purity audit of C files
 *   plan.c    IR -> physical plan (fused stages, combine boundary, merge)
 *   emit.c    plan -> C source for libfpipe
 *   main.c    the driver: the command line, and cc for `build`
 * explain.c prints the IR and the contracts (fpipec explain).
 * Everything of one compilation lives in one arena, freed once.
 */
#ifndef FPIPEC_H
#define FPIPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "version.h"   /* FPIPEC_VERSION: $(BUILD)/gen, from NEWS by the Makefile */

/* ------------------------------------------------------------------ */
/* arena.c                                                            */
/* ------------------------------------------------------------------ */

typedef struct Arena Arena;

Arena *arena_new(void);
void *arena_alloc(Arena *a, size_t n);                 /* zeroed */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void arena_free(Arena *a);

/* A growable array of pointers, allocated in an arena. */
typedef struct PtrVec {
    void **v;
    int n, cap;
} PtrVec;
void vec_push(Arena *a, PtrVec *vec, void *p);

/* A growable string for building text (emitter, IR dumps); malloc'd. */
typedef struct Str {
    char *p;
    size_t n, cap;
} Str;
void str_add(Str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void str_addn(Str *s, const char *p, size_t n);
void str_free(Str *s);

/* ------------------------------------------------------------------ */
/* diag.c — diagnostics in the form of a C compiler's                 */
/* ------------------------------------------------------------------ */

/* A place in the source: byte offset and length.  Line and column are
 * computed only when something is reported. */
typedef struct Span {
    uint32_t off, len;
} Span;

typedef struct Source {
    const char *path;   /* as given on the command line */
    const char *text;   /* the whole file, NUL-terminated */
    size_t len;
} Source;

typedef enum DiagLevel { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

/* One reported diagnostic, rendered (with its notes and hints) and held
 * until diag_flush prints them all in source order. */
typedef struct DiagEntry {
    uint32_t off;        /* where it is: the sort key */
    int seq;             /* report order: ties keep it */
    DiagLevel lvl;
    char *text;          /* malloc'd */
    size_t len;
} DiagEntry;

typedef struct Diags {
    const Source *src;
    FILE *out;
    bool color;          /* ANSI colours (--color; auto: a terminal, no NO_COLOR) */
    int nerrors, nwarnings;
    int max_errors;      /* stop reporting after this many */
    /* --diagnostics-format=json: one JSON object per diagnostic and line;
     * the one being built (its hints and notes come after it). */
    bool json;
    bool jpending;
    Str jmain, jhints, jnotes;
    /* Held until diag_flush, sorted by position there; cur is the one
     * whose notes and hints are still coming. */
    DiagEntry *held;
    int nheld, capheld, seq;
    Str cur;
    bool curopen;
    int nprinted_errors;
    bool stopped;        /* "too many errors" said */
    bool finished;       /* diag_finish ran: the summary is out */
} Diags;

void diag_init(Diags *d, const Source *src, FILE *out);
void diag_at(Diags *d, DiagLevel lvl, Span sp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A hint under the diagnostic just reported. */
void diag_hint(Diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_line_col(const Source *src, uint32_t off, int *line, int *col);
/* Print the diagnostics held so far, sorted by position (a note stays
 * under its error); called before anything else is written to stderr. */
void diag_flush(Diags *d);
/* diag_flush, the summary line ("2 warnings and 1 error generated.",
 * text mode), and free what is held; once (a second call only flushes). */
void diag_finish(Diags *d);
/* --color=auto|always|never: the word's COLOR_*, -1 for another word;
 * then into d->color. */
enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
int diag_color_when(const char *word);
void diag_set_color(Diags *d, int when);
Span span_join(Span a, Span b);
/* The closest of the candidates to name, for "did you mean" (NULL if none). */
const char *diag_suggest(const char *name, const char *const *cands, int n);

/* ------------------------------------------------------------------ */
/* ops.h — the operator, monoid and builtin tables (X-macros)         */
/* ------------------------------------------------------------------ */

#include "ops.h"

typedef enum OpKind {
#define X(E, kw, role, what) OP_##E,
    FP_OPS(X)
#undef X
    OP__COUNT
} OpKind;

typedef enum OpRole { ROLE_SOURCE, ROLE_ELEMENT, ROLE_COMBINE, ROLE_TOP, ROLE_SINK } OpRole;

typedef struct OpInfo {
    const char *keyword;   /* as written in .fpipe */
    OpRole role;
    const char *what;      /* one line, for explain */
} OpInfo;
extern const OpInfo op_info[OP__COUNT];

typedef enum MonoidKind {
#define X(E, name, what) MONOID_##E,
    FP_MONOIDS(X)
#undef X
    MONOID__COUNT
} MonoidKind;
extern const char *const monoid_names[MONOID__COUNT];

typedef enum BuiltinKind {
#define X(E, name, params, result, flags, cfn, what) BI_##E,
    FP_BUILTINS(X)
#undef X
    BI__COUNT
} BuiltinKind;

typedef struct BuiltinInfo {
    const char *name;
    const char *params;  /* "ss": see ops.h */
    const char *result;
    const char *flags;
    const char *cfn;
    const char *what;
} BuiltinInfo;
extern const BuiltinInfo builtin_info[BI__COUNT];

/* ------------------------------------------------------------------ */
/* types.c — types, interned so that equal types are equal pointers  */
/* ------------------------------------------------------------------ */

typedef enum TypeKind {
    TY_ERROR, TY_I64, TY_F64, TY_BOOL, TY_STR, TY_TUPLE, TY_LIST, TY_RECORD,
    TY_OPT,                  /* T? of a scalar T (elem): T or none */
    TY_NONE                  /* the literal none before its context gives it a T? */
} TypeKind;

typedef struct Type {
    TypeKind kind;
    int n;                   /* tuple arity, record field count */
    struct Type **elems;     /* tuple components, record field types */
    struct Type *elem;       /* list element; T of T? */
    const char *name;        /* record: its name */
    const char **fields;     /* record: field names */
    const char **cfields;    /* record: field names as C identifiers */
    int id;                  /* creation order, for stable C names */
} Type;

extern Type ty_error, ty_i64, ty_f64, ty_bool, ty_str, ty_none;

Type *type_tuple(Type **elems, int n);
Type *type_list(Type *elem);
Type *type_opt(Type *elem);                    /* T? of a scalar T */
bool type_has_opt(const Type *t);              /* a T? anywhere in t */
bool type_has_none(const Type *t);             /* a none without a type anywhere in t */
/* A record type (nominal: one per declaration); fields set by the caller. */
Type *type_record(const char *name, int n);
int type_field(const Type *rec, const char *name);   /* index, or -1 */
void type_str(Str *s, const Type *t);          /* "(str, i64)" */
const char *type_name(Arena *a, const Type *t);
bool type_is_scalar(const Type *t);
bool type_is_numeric(const Type *t);
void types_reset(void);

/* ------------------------------------------------------------------ */
/* ast.c — what the parser builds                                     */
/* ------------------------------------------------------------------ */

typedef enum ExprKind {
    EX_INT, EX_FLOAT, EX_STR, EX_BOOL, EX_NAME,
    EX_UNARY, EX_BINARY, EX_CALL, EX_TUPLE, EX_LIST, EX_FIELD,
    EX_IF,                   /* args: condition, then, else */
    EX_LET,                  /* sval: name; args: value, body */
    EX_RECORD,               /* sval: type name; args: EX_FIELD_INIT */
    EX_FIELD_INIT            /* sval: field name; args: value */
} ExprKind;

typedef enum BinOp {
    B_ADD, B_SUB, B_MUL, B_DIV, B_REM,
    B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_AND, B_OR
} BinOp;
extern const char *const ast_binop_text[];   /* "+", ..., "||" by BinOp */
typedef enum UnOp { U_NEG, U_NOT } UnOp;

typedef struct Expr {
    ExprKind kind;
    Span span;
    Span name_span;          /* EX_CALL: the callee; EX_FIELD: the index */
    Type *type;              /* set by the checker */
    int op;                  /* BinOp / UnOp */
    int64_t ival;            /* EX_INT, EX_BOOL, EX_FIELD index; EX_NAME: 1 for
                                the literal none (set by the checker) */
    double fval;             /* EX_FLOAT */
    const char *sval;        /* EX_STR bytes (decoded), EX_NAME/EX_CALL name */
    size_t slen;             /* EX_STR length */
    struct Expr **args;      /* operands, call arguments, tuple/list items */
    int nargs;
    int builtin;             /* EX_CALL: BuiltinKind, set by the checker */
    struct Expr *bound;      /* EX_NAME naming a let: that EX_LET */
    int uses;                /* EX_LET: how often its name is used */
    const struct Extern *ext;  /* EX_CALL of an extern C function */
    const struct Param *param; /* EX_NAME of a parameter */
    const char *cname;       /* EX_LET: its C variable, set by the emitter */
    int depth;               /* 1 + its deepest operand's: see ast.c */
    int chain;               /* EX_IF, EX_LET: links of its else-if or let chain */
} Expr;

typedef enum TypeExprKind { TX_NAME, TX_TUPLE, TX_LIST, TX_OPT } TypeExprKind;
typedef struct TypeExpr {
    TypeExprKind kind;
    Span span;
    const char *name;
    struct TypeExpr **elems;
    int n;
} TypeExpr;

typedef enum Policy { POLICY_FAIL_FAST, POLICY_DROP, POLICY_COLLECT } Policy;
/* The formats a source reads (text, csv, jsonl) and a sink writes (tsv,
 * csv, jsonl).  FMT_NONE: not a format. */
typedef enum Format { FMT_NONE, FMT_TEXT, FMT_CSV, FMT_JSONL, FMT_TSV } Format;
extern const char *const format_names[];   /* by Format: "text", ... */
Format format_of(const char *name);         /* FMT_NONE when name is no format */
const char *policy_name(Policy p);   /* "fail_fast", "drop", "collect" */
bool policy_parse(const char *name, Policy *p);   /* false when name is no policy */

/* One key of `top N by k1 desc, k2 asc`. */
typedef struct SortKey {
    Expr *expr;
    bool desc;               /* the default: a top keeps the largest */
    Span dir_span;           /* asc/desc as written (len 0 if not) */
} SortKey;

/* The options written after an operator's body (on_error, max_batch, by,
 * retry, materialize; YAML's error_policy, max_batch_size, by,
 * materialization_points), with where each was written.  The parser
 * collects them in ParseCtx.opt until the operator is complete, then
 * moves them into its OpDecl: one struct, stored once. */
typedef struct OpOptions {
    const char *policy;      /* after on_error, NULL if none (checked into a Policy) */
    Span policy_span;
    const char *errors_path; /* on_error collect "PATH": the path, else NULL */
    Span errors_span;
    int64_t max_batch;       /* batch_map: after max_batch, 0 if none (-1: not positive) */
    Span max_batch_span;
    int64_t retry;           /* after retry, 0 if none (-1: not a positive number) */
    Span retry_span;
    bool materialize;        /* `materialize`: a checkpoint of its output */
    Span materialize_span;
    bool has_by;             /* top: `by` was written */
    PtrVec by;               /* top: SortKey*, after by */
    Span by_span;
} OpOptions;

typedef struct OpDecl {
    OpKind kind;
    Span kw_span;            /* the keyword */
    Span name_span;
    const char *name;
    TypeExpr *decl_type;     /* NULL when not declared */
    Expr *body;
    OpOptions opt;           /* what follows the body */
    TypeExpr *in_type;       /* YAML in_type: must be what comes in */
} OpDecl;

/* extern NAME(params) -> TYPE ATTRS: a C function in a linked file. */
typedef struct ExternDecl {
    const char *name;
    Span name_span;
    PtrVec params;           /* FieldDecl* */
    TypeExpr *ret;
    PtrVec attrs;            /* EX_NAME: pure, impure, fallible */
} ExternDecl;

/* param NAME : TYPE [= DEFAULT]: a value set when the program starts. */
typedef struct ParamDecl {
    const char *name;
    Span name_span;
    TypeExpr *type;
    Expr *dflt;              /* NULL: required (no default) */
} ParamDecl;

/* link "file.c": a C file compiled into the program. */
typedef struct LinkDecl {
    const char *path;        /* as written, relative to the .fpipe file */
    Span span;
} LinkDecl;

/* monoid NAME : TYPE { empty = E  combine(a, b) = E  LAWS } */
typedef struct MonoidDecl {
    const char *name;
    Span name_span;
    TypeExpr *type;
    Expr *empty;             /* NULL if missing */
    Expr *combine;           /* NULL if missing */
    Expr *a, *b;             /* EX_LET binders of combine's parameters */
    PtrVec laws;             /* EX_NAME: associative, commutative */
    Span end_span;           /* the closing brace */
} MonoidDecl;

typedef struct FieldDecl {
    const char *name;
    Span span;
    TypeExpr *type;
} FieldDecl;

typedef struct RecordDecl {
    const char *name;
    Span name_span;
    PtrVec fields;           /* FieldDecl* */
} RecordDecl;

typedef struct Program {
    const char *name;        /* after `pipeline`; NULL if missing */
    Span name_span;
    PtrVec ops;              /* OpDecl* */
    PtrVec records;          /* RecordDecl* */
    PtrVec externs;          /* ExternDecl* */
    PtrVec links;            /* LinkDecl* */
    PtrVec monoids;          /* MonoidDecl* */
    PtrVec params;           /* ParamDecl* */
    int default_threads;     /* YAML resources.workers / backend seq; 0: all cores */
} Program;

/* The parse context: lemon's %extra_context, and the builder functions the
 * grammar's actions call. */
typedef struct ParseCtx {
    Arena *arena;
    Diags *diags;
    const Source *src;
    Program *prog;
    int syntax_errors;
    /* Set by the driver for better syntax errors: */
    bool quiet;              /* a lexer error in this operator: no cascade */
    bool name_fits;          /* a name would fit where the current token is (a keyword) */
    int prev_kind[2];        /* the two tokens before the current one */
    const char *prev_name;   /* text of the operator name just seen */
    Span open[256];          /* '(' and '[' not yet closed, innermost last */
    int nopen;
    OpOptions opt;           /* the options of the operator being parsed */
    MonoidDecl *monoid;      /* the monoid declaration being parsed */
    Span cur_span;           /* the token being parsed */
} ParseCtx;
/* fpipe.y: would the parser shift a name as its next token?  (parse.c
 * asks before it feeds a keyword.) */
bool parse_name_fits(void *parser);

/* A token: a kind (lemon's TK_*) and where it is; the text stays in the
 * source. */
typedef struct Token {
    int kind;
    Span span;
} Token;

Expr *ast_expr(ParseCtx *c, ExprKind k, Span sp);
Expr *ast_int(ParseCtx *c, Token t);
Expr *ast_float(ParseCtx *c, Token t);
Expr *ast_string(ParseCtx *c, Token t);
Expr *ast_name(ParseCtx *c, Token t);
Expr *ast_bool(ParseCtx *c, Token t, bool v);
Expr *ast_unary(ParseCtx *c, Token op, UnOp u, Expr *e);
Expr *ast_binary(ParseCtx *c, BinOp op, Expr *l, Expr *r);
Expr *ast_call(ParseCtx *c, Token name, PtrVec *args, Token rparen);
Expr *ast_tuple(ParseCtx *c, Token lp, PtrVec *items, Token rp);
Expr *ast_list(ParseCtx *c, Token lb, PtrVec *items, Token rb);
Expr *ast_field(ParseCtx *c, Expr *e, Token index);
Expr *ast_paren(ParseCtx *c, Token lp, Expr *e, Token rp);
Expr *ast_if(ParseCtx *c, Token kw, Expr *cond, Expr *then, Expr *els);
Expr *ast_let(ParseCtx *c, Token kw, Token name, Expr *value, Expr *body);
Expr *ast_record_lit(ParseCtx *c, Token name, PtrVec *inits, Token rbrace);
Expr *ast_field_init(ParseCtx *c, Token name, Expr *value);
FieldDecl *ast_field_decl(ParseCtx *c, Token name, TypeExpr *type);
void ast_record(ParseCtx *c, Token name, PtrVec *fields, Token rbrace);
PtrVec *ast_vec(ParseCtx *c, PtrVec *v, void *item);
TypeExpr *ast_type_name(ParseCtx *c, Token t);
TypeExpr *ast_type_tuple(ParseCtx *c, Token lp, PtrVec *items, Token rp);
TypeExpr *ast_type_list(ParseCtx *c, Token lb, TypeExpr *elem, Token rb);
TypeExpr *ast_type_opt(ParseCtx *c, TypeExpr *elem, Token q);
void ast_pipeline(ParseCtx *c, Token name);
void ast_op(ParseCtx *c, OpKind k, Token kw, Token name, TypeExpr *ty, Expr *body);
void ast_policy(ParseCtx *c, Token name, const Token *path);
void ast_max_batch(ParseCtx *c, Token kw, Token n);
void ast_retry(ParseCtx *c, Token kw, Token n);
void ast_materialize(ParseCtx *c, Token kw);
void ast_by(ParseCtx *c, Token kw, PtrVec *keys);
SortKey *ast_sortkey(ParseCtx *c, Expr *e, Token *dir);
void ast_extern(ParseCtx *c, Token name, PtrVec *params, TypeExpr *ret, PtrVec *attrs);
void ast_link(ParseCtx *c, Token path);
void ast_param(ParseCtx *c, Token name, TypeExpr *type, Expr *dflt);
void ast_op_error(ParseCtx *c);
void ast_monoid(ParseCtx *c, Token name, TypeExpr *type, Token rbrace);
void ast_monoid_empty(ParseCtx *c, Token key, Expr *e);
void ast_monoid_combine(ParseCtx *c, Token key, Token a, Token b, Expr *e);
void ast_monoid_law(ParseCtx *c, Token law);
const char *tok_text(ParseCtx *c, Token t);

/* ------------------------------------------------------------------ */
/* names.c — C identifiers: user names apart from generated ones      */
/* ------------------------------------------------------------------ */

/* A .fpipe name as a C identifier: C keywords and reserved names get '_'. */
const char *names_c_ident(Arena *a, const char *name);
/* Does name look like a generated type (list_..., rec_..., tupN_...)? */
bool names_type_like(const char *name);
/* Can an extern not have this name (keyword, libc, generated, format)? */
bool names_extern_reserved(Arena *a, const char *name);

/* ------------------------------------------------------------------ */
/* lexer (grammar/lexer.re) and parse.c                               */
/* ------------------------------------------------------------------ */

typedef struct Lexer {
    const Source *src;
    Diags *diags;
    const char *cur;         /* next byte */
    const char *lim;         /* the terminating NUL */
    int prev;                /* kind of the previous token */
} Lexer;

void lex_init(Lexer *lx, const Source *src, Diags *d);
int lex_next(Lexer *lx, Token *t);   /* TK_* code; 0 at the end */
const char *lex_token_desc(int kind);  /* "'map'", "name", ... */

/* Parse a whole .fpipe source.  Returns NULL after syntax errors (reported). */
Program *parse_program(Arena *a, const Source *src, Diags *d);
/* An expression or a type written at `at` inside another file's text (a
 * YAML scalar); spans point into src.  NULL after errors (reported). */
Expr *parse_expr_in(Arena *a, const Source *src, Diags *d, Span at);
TypeExpr *parse_type_in(Arena *a, const Source *src, Diags *d, Span at);

/* ------------------------------------------------------------------ */
/* yaml.c — the seed's YAML pipeline schema, read with libyaml         */
/* ------------------------------------------------------------------ */

/* Read a YAML pipeline into the same AST as a .fpipe file.  NULL after
 * errors (reported with the YAML file's line:col). */
Program *yaml_program(Arena *a, const Source *src, Diags *d);


/* ------------------------------------------------------------------ */
/* check.c — from AST to typed IR                                     */
/* ------------------------------------------------------------------ */

typedef enum Target { TGT_INPUT, TGT_OUTPUT, TGT_STDOUT, TGT_PATH } Target;

/* One piece of a format(...) string: literal text, or a placeholder
 * {:[[fill]align][width][.prec][x]} for the next argument. */
typedef struct FmtPiece {
    bool hole;               /* a placeholder (else literal text) */
    const char *text;        /* literal text, {{ and }} undone */
    size_t n;
    size_t at;               /* byte offset of the piece in the string */
    int64_t width;           /* 0: none */
    int prec;                /* -1: none */
    char fill, align;        /* 0: the defaults (space; numbers right, text left) */
    bool hex;
} FmtPiece;
/* The pieces of a format string, in the arena; -1 after a mistake (*err
 * says what, *err_at where). */
int check_format(Arena *a, const char *s, size_t n, FmtPiece **out, const char **err,
                 size_t *err_at);

/* An extern C function, checked. */
typedef struct Extern {
    const char *name;        /* as declared: also its C name */
    Span span;
    int line;
    int nparams;
    Type **params;
    const char **pnames;     /* parameter names, as C identifiers */
    Type *ret;
    bool pure, fallible;
    bool called;             /* in an expression (not only as a batch function) */
} Extern;

/* A parameter, checked: its value is set when the program starts
 * (--param NAME=VALUE, --config's params:, else the default). */
typedef struct Param {
    const char *name;
    const char *cname;       /* its C variable: param_NAME */
    Span span;
    int line;
    Type *type;              /* str, i64, f64 or bool */
    const Expr *dflt;        /* a literal of its type, or NULL: required */
    const char *dflt_text;   /* the default as the runtime reads it ("10", "-2.5") */
    size_t dflt_len;
    bool used;
} Param;

/* A user-defined monoid, checked. */
typedef struct UserMonoid {
    const char *name;
    const char *cname;
    Span span;
    int line;
    Type *type;
    Expr *empty, *combine;
    Expr *a, *b;             /* combine's parameters (EX_LET binders) */
    bool associative, commutative;
} UserMonoid;

typedef struct IrOp {
    OpKind kind;
    const char *name;        /* as in .fpipe */
    const char *cname;       /* a safe C identifier for it */
    Span name_span;
    Span kw_span;
    int line, col;           /* of the keyword, for comments and messages */
    Type *in;                /* element type consumed (NULL for source) */
    Type *out;               /* element type produced (NULL for sink) */
    Expr *body;              /* map / filter / flatmap */
    MonoidKind mons[16];     /* combine, combine_per_key: the monoids */
    const UserMonoid *umon[16];  /* MONOID_USER: which */
    int topk[16];            /* MONOID_TOPK: its n */
    int nmon;
    bool mon_tuple;          /* written (m1, m2, ...): the result is a tuple */
    Type *key;               /* combine_per_key: the key */
    Type *val;               /* combine: the value folded */
    Type *res;               /* combine: the monoids' result (per key) */
    Format fmt;              /* source FMT_TEXT, CSV, JSONL; sink FMT_TSV, CSV, JSONL */
    const char *format;      /* its keyword, format_names[fmt], for the texts */
    bool csv_header;         /* csv source: the input starts with a header naming
                                the columns (else they are the record's fields in
                                order); csv sink: the output starts with one */
    char csv_delim, csv_quote;   /* csv: the delimiter and quote bytes (',' '"') */
    Target target;
    const char *path;        /* TGT_PATH */
    size_t path_len;
    bool fallible;           /* an element can fail (division, ...) */
    Policy policy;           /* what a failing element does */
    const char *errors_path; /* collect: the path the operator names, or NULL */
    const Extern *batch_fn;  /* batch_map: the extern called on a batch */
    int64_t max_batch;       /* batch_map */
    int64_t retry;           /* retry N: calls again on a transient error, 0 if none */
    bool materialize;        /* materialize: its output is checkpointed */
    bool retryable;          /* it calls a fallible C function: retry may be set
                                (in the .fpipe, or by a run's --config) */
    int64_t top_n;           /* top: how many */
    SortKey **by;            /* top: the sort keys */
    int nby;
    bool arena_strs;         /* its element may hold strings made per element
                                (lower, upper): they live only until the end
                                of the partition, so a keyed combine copies
                                such keys */
} IrOp;

typedef struct Ir {
    const char *name;
    const Source *src;
    IrOp *ops;
    int nops;
    Type **records;          /* declared record types, in order */
    int nrecords;
    Extern **externs;        /* declared extern functions, in order */
    int nexterns;
    UserMonoid **monoids;    /* declared monoids, in order */
    int nmonoids;
    LinkDecl **links;        /* C files to compile in */
    int nlinks;
    Param **params;          /* declared parameters, in order */
    int nparams;
    int default_threads;     /* the program's --threads default; 0: all cores */
    bool collect;            /* an operator has on_error collect */
    const char *errors_path; /* the error file a collect names, or NULL */
} Ir;

/* NULL after errors (reported). */
Ir *check_program(Arena *a, Program *p, Diags *d);
/* names.c: rename operators' C names that meet a generated name or an extern. */
void names_assign(Arena *a, Ir *ir);
/* Would a helper local named n hide a generated file-level name? */
bool names_generated(const Ir *ir, const char *n);
/* A checked pipeline as .fpipe text, or as YAML in the schema yaml.c reads
 * (fpipec convert). */
void ir_to_fpipe(Str *s, const Ir *ir);
void ir_to_yaml(Str *s, const Ir *ir);
bool combine_is_exact(const IrOp *op);
bool type_has_f64(const Type *t);           /* an f64 anywhere in t (a tuple or record field) */
bool combine_is_commutative(const IrOp *op);   /* no monoid without 'commutative' */
/* Does e read the incoming element (a name that is not a let's)? */
bool expr_uses_input(const Expr *e);

/* ------------------------------------------------------------------ */
/* explain.c — the IR as .fpipe text; the contracts part of explain   */
/* ------------------------------------------------------------------ */

void ir_dump(Str *s, const Ir *ir);   /* the first part of fpipec explain */
void explain_monoids_str(Str *s, const IrOp *op);   /* "sum" or "(count, sum, max)" */
void explain_expr_str(Str *s, const Expr *e);   /* an expression back as .fpipe text */
void explain_op_body_str(Str *s, const IrOp *op);   /* an operator's body as .fpipe text */
void explain_sortkeys_str(Str *s, const IrOp *op);  /* a top's keys: "k1 desc, k2 asc" */
void explain_extern_str(Str *s, const Extern *x);   /* "f(x: str) -> i64 pure fallible" */
void explain_param_str(Str *s, const Param *p);     /* "limit : i64 = 10" */

/* ------------------------------------------------------------------ */
/* plan.c — fused stages                                              */
/* ------------------------------------------------------------------ */

typedef enum StageKind {
    STAGE_SOURCE,     /* stage 1: over one input partition */
    STAGE_COMBINED,   /* stage 2: over the merged combine result */
    STAGE_TOP         /* stage 3: over the kept elements of a top, in order */
} StageKind;

typedef struct Stage {
    StageKind kind;
    int first, last;         /* IR op range fused into this stage, inclusive */
    const char *fname;       /* the generated function's name */
    const char *timed_fname; /* stage 1: its --stats variant, timing each operator */
} Stage;

typedef enum MergeKind { MERGE_PER_THREAD, MERGE_PARTITION_ORDER } MergeKind;

typedef struct Plan {
    const Ir *ir;
    Stage stages[3];
    int nstages;
    int combine;             /* IR index of the combine, or -1 */
    int top;                 /* IR index of the top, or -1 */
    MergeKind merge;
    const char *merge_why;
    bool scan_words;         /* source + split_ws(source): one word scan */
    /* Stage 1's shape, decided here so that emit.c only prints it: */
    int batch_map;           /* IR index of its batch_map, or -1 */
    const char *batch_fname; /* ... the function from the batch_map on */
    bool batch_first;        /* ... an operator before it can fail: the batch's
                                waiting elements are flushed before its error */
    int timed_ops;           /* --stats times operators [0, timed_ops) */
    int checkpoint_op;       /* IR index of the materialized operator, or -1 */
    int ckpt_elem_op;        /* ... when element-wise (stage 1 writes it), or -1 */
    bool ckpt_records;       /* ... its elements carry their input records */
    bool input_pos;          /* input_file() or input_line() is called: stage 1
                                tracks each element's record and the lines */
    const char *resume_fname;   /* ... the function resuming stage 1 after it */
    uint64_t links_hash;     /* fingerprint of the linked C files' bytes
                                (plan_hash_links), for a checkpoint's staleness */
} Plan;

Plan *plan_build(Arena *a, const Ir *ir);
/* Hash the linked C files into p->links_hash (reads them; before emit_c). */
void plan_hash_links(Plan *p, Arena *a);
uint64_t plan_fnv1a(uint64_t h, const void *p, size_t n);   /* FNV-1a, 64 bits */
void plan_dump(Str *s, const Plan *p);
void plan_dot(Str *s, const Plan *p);   /* Graphviz, stages as clusters */

/* ------------------------------------------------------------------ */
/* emit.c — C for libfpipe                                            */
/* ------------------------------------------------------------------ */

typedef struct EmitOpts {
    bool line_directives;    /* #line back to the .fpipe file */
    bool header;             /* the header of a linked C file (no paths) */
} EmitOpts;

void emit_c(Str *out, const Plan *p, const EmitOpts *o, const char *explain_text);
/* The header a linked C file includes: the extern functions' types and
 * prototypes (name: the header's file name, for its comment). */
void emit_header(Str *out, const Ir *ir, const char *name);
/* A C string literal for arbitrary bytes: escapes everything that could
 * end the literal or change its meaning (quotes, backslash, newlines,
 * trigraph-like ??, non-ASCII, NUL). */
void emit_c_string(Str *s, const char *p, size_t n);
/* For fpipec verify: types, extern prototypes, monoid functions. */
void emit_support(Str *out, const Ir *ir);
const char *emit_ctype(Arena *a, const Type *t);   /* "int64_t", "tup2_str_i64" */

/* ------------------------------------------------------------------ */
/* files.c — reading a whole file, replacing one atomically           */
/* ------------------------------------------------------------------ */

enum { FILE_STDIN = 1, FILE_QUIET = 2 };
/* The whole of path, malloc'd and NUL-terminated (*len without the NUL);
 * NULL after an error message (none with FILE_QUIET).  With FILE_STDIN,
 * "-" is standard input. */
char *file_read(const char *path, size_t *len, unsigned flags);
/* Replace path's contents with s ("-": standard output): a temporary
 * beside it renamed over it (a symlink is followed; a device is written
 * through).  False after an error message, the old file left as it was. */
bool write_file(const char *path, const Str *s);

/* ------------------------------------------------------------------ */
/* build.c — the C compiler (used by build, run, verify, the audit)  */
/* ------------------------------------------------------------------ */

/* build.c */
extern bool backend_mpi;   /* --backend mpi: mpicc and libfpipe_mpi.a */
extern bool build_deps;    /* -MD: linked C files' objects get OBJ.d */
bool file_exists(const char *p);
bool find_runtime(Arena *a, const char **inc, const char **lib);
void split_words(Arena *a, const char *s, PtrVec *out);
const char *link_path(Arena *a, const char *fpipe, const char *path);
const char *header_name(Arena *a, const char *cpath);
const char *cc_file_arg(Arena *a, const char *path);
int write_headers(Arena *a, const Ir *ir, const char *dir, PtrVec *cfiles);
int run_cc(Arena *a, const Ir *ir, const char *cfile, const char *exe, const char *incdir,
           const PtrVec *cfiles);
/* The linker names of the externs: "fp_extern_" + NAME (docs/design-notes.md). */
#define BUILD_EXTERN_PREFIX "fp_extern_"
const char *build_extern_symbol(Arena *a, const char *name);
char *make_tmpdir(Arena *a, const char *what);
void remove_tmpdir(Arena *a, const Ir *ir, const char *dir, const char *name);

/* ------------------------------------------------------------------ */
/* audit.c — the purity audit of linked C files                       */
/* ------------------------------------------------------------------ */

/* Compile each linked C file to an object and inspect its symbols: calls
 * of I/O, clocks, randomness, the environment, processes, the network,
 * and writable static or global data are errors (reported in d).  A file
 * the C compiler rejects is an error if report_cc (check), else left to
 * the build that follows.  Returns false on errors; 2 in *trouble when the
 * audit itself could not run. */
bool audit_links(Arena *a, const Ir *ir, Diags *d, bool report_cc, int *trouble);
/* contracts.c — the contract lints. */
/* The contract checks that need the whole typed program: each file linked
 * once, externs and C files that come together, declarations never used,
 * operators that ignore their input, divisions by a literal zero, constant
 * if conditions, f64 sums and means (associative only up to rounding).
 * For check, build and run.  Returns false on errors. */
bool contracts_check(Arena *a, const Ir *ir, const Program *p, Diags *d);
/* explain.c: the contract of every operator, and whether the output is
 * the same bytes in every mode: the last part of explain. */
void explain_contracts_dump(Str *s, const Plan *p);

/* ------------------------------------------------------------------ */
/* fmt.c — fpipec fmt: the canonical layout of .fpipe files           */
/* ------------------------------------------------------------------ */

/* fpipec fmt's command line (argv[0] is "fmt"); its exit code. */
int fmt_main(int argc, char **argv);
/* fmt's options, one a line, for `fpipec --list-options fmt`. */
void fmt_list_options(FILE *f);
/* Format src (which parses) into out, checked: 0, or the line of out
 * near where it would differ from src in tokens or comments, or would
 * not format to itself (an internal error). */
int fmt_source(const Source *src, Str *out);

/* ------------------------------------------------------------------ */
/* verify.c — fpipec verify: property tests of monoids and externs    */
/* ------------------------------------------------------------------ */

/* Generate, build and run the property tests; the exit code of fpipec
 * verify (0 every law holds, 1 a law failed, 2/3 trouble). */
int verify_program(Arena *a, const Ir *ir, uint64_t seed, bool seed_given);

#endif /* FPIPEC_H */
