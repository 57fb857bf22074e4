/* fpipe.y — the grammar of .fpipe files (lemon).
 *
 * The only definition of the syntax.  Actions are one-line calls into the
 * builder functions of compiler/ast.c; the parse context (%extra_context)
 * carries the arena and the diagnostics.  Syntax errors are reported and
 * the parser resynchronises at the next operator keyword, so one mistake
 * gives one message and the rest of the file is still checked.
 *
 *   pipeline wordcount
 *   source  lines : str        = text(input)
 *   flatmap words : str        = split_ws(lines)
 *   map     ones  : (str, i64) = (words, 1)
 *   combine_per_key counts     = sum
 *   sink    out                = tsv(output)
 */

%name fpipeParse
%token_prefix TK_
%token_type {Token}
%token_destructor { (void)c; (void)$$; }
%extra_context {ParseCtx *c}
%default_type {void *}
/* Expressions nest 100 levels in every form (MAX_EXPR_DEPTH, ast.c), and
 * else-if and let chains have up to 200 links (MAX_CHAIN).  A chain link
 * holds 5 symbols on this stack (IF expr THEN expr ELSE; LET IDENT EQ expr
 * IN), a level of nesting at most 6 (`R { a: 1, b: R { ...`: IDENT LBRACE
 * fieldinits COMMA IDENT COLON): 200 * 5 + 100 * 6 plus an operator's
 * prefix fits.  Deeper input (a thousand parentheses) overflows it:
 * %stack_overflow's "expression nested too deeply". */
%stack_size 2000

%include {
#include "fpipec.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* An operator keyword and which operator it names. */
typedef struct OpKw {
    OpKind kind;
    Token tok;
}
OpKw;
}

/* Whether a name would be accepted as the next token: lemon's tables run
 * on a copy of the parser's state stack with an IDENT as the next token,
 * reductions included, until it is shifted (yes) or an error (no).
 * parse.c asks before it feeds a keyword (before the keyword's own
 * default reductions), for %syntax_error's "'by' is a keyword". */
%code {
bool parse_name_fits(void *parser)
{
    yyParser *p = parser;
    YYACTIONTYPE st[YYSTACKDEPTH + 1];
    int n = (int)(p->yytos - p->yystack) + 1;
    if (n > YYSTACKDEPTH)
        return false;
    for (int i = 0; i < n; i++)
        st[i] = p->yystack[i].stateno;
    for (int steps = 0; steps < 1000; steps++) {
        YYACTIONTYPE act = yy_find_shift_action(TK_IDENT, st[n - 1]);
        if (act <= YY_MAX_SHIFTREDUCE)
            return true;
        if (act < YY_MIN_REDUCE)
            return false;   /* error or accept */
        int rule = act - YY_MIN_REDUCE;
        int below = n - 1 + yyRuleInfoNRhs[rule];
        if (below < 0 || below + 1 >= YYSTACKDEPTH)
            return false;
        st[below + 1] = yy_find_reduce_action(st[below], (YYCODETYPE)yyRuleInfoLhs[rule]);
        n = below + 2;
    }
    return false;
}
}

%syntax_error {
    c->syntax_errors++;
    bool opkw = yymajor >= TK_SOURCE && yymajor <= TK_MONOID;
    /* A keyword where a name fits: after a word that must be followed by
     * a name, any keyword; elsewhere only those that cannot start the
     * next operator (`map x = \n map y = 1` is an incomplete operator). */
    int p0 = c->prev_kind[0];
    bool needs_name = p0 == TK_PIPELINE || (p0 >= TK_SOURCE && p0 <= TK_MONOID) ||
                      p0 == TK_LET || p0 == TK_DOT;
    if (p0 == TK_COMMA || p0 == TK_LPAREN || p0 == TK_LBRACE) {
        /* `{ a: str, map: i64 }`: on the line of the ',' a name; on a
         * line of its own an operator keyword starts the next operator */
        uint32_t i = TOKEN.span.off;
        while (i > 0 && (c->src->text[i - 1] == ' ' || c->src->text[i - 1] == '\t'))
            i--;
        needs_name = i > 0 && c->src->text[i - 1] != '\n';
    }
    if (c->quiet) {
        /* The lexer already reported this operator's problem. */
    } else if (c->name_fits && (needs_name || (!opkw && yymajor != TK_PIPELINE))) {
        diag_at(c->diags, DIAG_ERROR, TOKEN.span, "%s is a keyword and cannot be used as a name",
                lex_token_desc(yymajor));
        diag_hint(c->diags, "choose another name, e.g. '%.*s_'", (int)TOKEN.span.len,
                  c->src->text + TOKEN.span.off);
    } else if ((opkw || yymajor == 0) && c->nopen > 0) {
        Span at = c->open[c->nopen - 1];
        char open = c->src->text[at.off];
        diag_at(c->diags, DIAG_ERROR, at, "'%c' is never closed", open);
        diag_hint(c->diags, "add '%c' before %s", open == '(' ? ')' : open == '[' ? ']' : '}',
                  yymajor ? "the next operator" : "the end of the file");
    } else if (yymajor == 0) {
        diag_at(c->diags, DIAG_ERROR, TOKEN.span, "unexpected end of file");
        diag_hint(c->diags, "the last operator is incomplete: "
                            "operators are written KIND NAME [: TYPE] = EXPR");
    } else if (opkw) {
        diag_at(c->diags, DIAG_ERROR, TOKEN.span, "syntax error: unexpected %s",
                lex_token_desc(yymajor));
        diag_hint(c->diags, "a new operator starts here; the one before it is incomplete "
                            "(operators are written KIND NAME [: TYPE] = EXPR)");
    } else if (c->prev_kind[0] == TK_IDENT && c->prev_kind[1] >= TK_SOURCE &&
               c->prev_kind[1] <= TK_SINK) {
        diag_at(c->diags, DIAG_ERROR, TOKEN.span, "expected '=' or ':' after the operator "
                "name '%s'", c->prev_name);
        diag_hint(c->diags, "operators are written KIND NAME [: TYPE] = EXPR");
    } else if (yymajor == TK_IDENT || yymajor == TK_INT || yymajor == TK_FLOAT) {
        diag_at(c->diags, DIAG_ERROR, TOKEN.span, "syntax error: unexpected %s '%s'",
                lex_token_desc(yymajor), tok_text(c, TOKEN));
    } else {
        diag_at(c->diags, DIAG_ERROR, TOKEN.span, "syntax error: unexpected %s",
                lex_token_desc(yymajor));
    }
}

%parse_failure {
    c->syntax_errors++;
}

%stack_overflow {
    c->syntax_errors++;
    if (!c->quiet)
        diag_at(c->diags, DIAG_ERROR, c->cur_span, "expression nested too deeply");
    c->quiet = true;   /* what follows in this operator can't be parsed */
}

/* Operator keywords first, so that hints can test a range of codes. */
%token PIPELINE SOURCE MAP FILTER FLATMAP BATCH_MAP COMBINE COMBINE_PER_KEY TOP SINK
       TYPE EXTERN LINK PARAM MONOID ON_ERROR.

%nonassoc ELSE IN.     /* if/let bodies extend as far right as they can */
%left OROR.
%left ANDAND.
%right NOT.
%nonassoc EQEQ NE LT LE GT GE.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%right UMINUS.
%left DOT.

/* ---------------------------------------------------------------- */
/* The file: an optional header, then operators.  A missing header   */
/* is reported by the checker, where the message can be precise.     */
/* ---------------------------------------------------------------- */

program ::= header ops.

header ::= .
header ::= PIPELINE IDENT(N).                 { ast_pipeline(c, N); }

ops ::= .
ops ::= ops op.
ops ::= ops typedecl.
ops ::= ops externdecl.
ops ::= ops linkdecl.
ops ::= ops monoiddecl.
ops ::= ops paramdecl.

/* ---------------------------------------------------------------- */
/* Parameters, set when the program starts (--param NAME=VALUE):     */
/*   param limit : i64 = 10                                          */
/*   param city : str          (no default: required)                */
/* ---------------------------------------------------------------- */

paramdecl ::= PARAM IDENT(N) COLON type(T).   { ast_param(c, N, T, NULL); }
paramdecl ::= PARAM IDENT(N) COLON type(T) EQ expr(E). { ast_param(c, N, T, E); }

/* ---------------------------------------------------------------- */
/* C functions: extern NAME(PARAM: TYPE, ...) -> TYPE ATTRS          */
/*   extern chunk_doc(d: CleanDoc) -> [Chunk] pure                   */
/* and the C files that define them: link "rag.c"                    */
/* ---------------------------------------------------------------- */

externdecl ::= EXTERN IDENT(N) LPAREN params(P) RPAREN ARROW type(T) attrs(A).
                                              { ast_extern(c, N, P, T, A); }

%type params {PtrVec *}
params(A) ::= .                               { A = ast_vec(c, NULL, NULL); }
params(A) ::= fielddecls(V).                  { A = V; }

%type attrs {PtrVec *}
attrs(A) ::= .                                { A = ast_vec(c, NULL, NULL); }
attrs(A) ::= attrs(V) IDENT(I).               { A = ast_vec(c, V, ast_name(c, I)); }

linkdecl ::= LINK STRING(S).                  { ast_link(c, S); }

/* ---------------------------------------------------------------- */
/* User monoids:                                                     */
/*   monoid longest : (i64, i64) {                                   */
/*       empty = (0, 0)                                              */
/*       combine(a, b) = if b.0 > a.0 then b else a                  */
/*       associative                                                 */
/*   }                                                               */
/* ---------------------------------------------------------------- */

monoiddecl ::= MONOID IDENT(N) COLON type(T) LBRACE monoiditems RBRACE(R).
                                              { ast_monoid(c, N, T, R); }

monoiditems ::= .
monoiditems ::= monoiditems monoiditem.

monoiditem ::= IDENT(K) EQ expr(E).           { ast_monoid_empty(c, K, E); }
monoiditem ::= COMBINE(K) LPAREN IDENT(A) COMMA IDENT(B) RPAREN EQ expr(E).
                                              { ast_monoid_combine(c, K, A, B, E); }
monoiditem ::= IDENT(L).                      { ast_monoid_law(c, L); }

/* ---------------------------------------------------------------- */
/* Record types: type Doc = { id: str, text: str }                   */
/* ---------------------------------------------------------------- */

typedecl ::= TYPE IDENT(N) EQ LBRACE fielddecls(F) RBRACE(R). { ast_record(c, N, F, R); }

%type fielddecls {PtrVec *}
fielddecls(A) ::= fielddecl(X).               { A = ast_vec(c, NULL, X); }
fielddecls(A) ::= fielddecls(V) COMMA fielddecl(X). { A = ast_vec(c, V, X); }

%type fielddecl {FieldDecl *}
fielddecl(A) ::= IDENT(N) COLON type(T).      { A = ast_field_decl(c, N, T); }

op ::= opkw(K) IDENT(N) opttype(T) EQ expr(E) opts. { ast_op(c, K.kind, K.tok, N, T, E); }
op ::= error.                                 { ast_op_error(c); }

/* Options after the body, e.g. `on_error drop`, `max_batch 128`,
 * `retry 3`, `by counts.1 desc, counts.0 asc`, `materialize`. */
opts ::= .
opts ::= opts ON_ERROR IDENT(P).              { ast_policy(c, P, NULL); }
opts ::= opts ON_ERROR IDENT(P) STRING(S).    { ast_policy(c, P, &S); }
opts ::= opts MAX_BATCH(K) INT(N).            { ast_max_batch(c, K, N); }
opts ::= opts BY(K) sortkeys(V).              { ast_by(c, K, V); }
opts ::= opts RETRY(K) INT(N).                { ast_retry(c, K, N); }
opts ::= opts MATERIALIZE(K).                 { ast_materialize(c, K); }

%type sortkeys {PtrVec *}
sortkeys(A) ::= sortkey(X).                   { A = ast_vec(c, NULL, X); }
sortkeys(A) ::= sortkeys(V) COMMA sortkey(X). { A = ast_vec(c, V, X); }

%type sortkey {SortKey *}
sortkey(A) ::= expr(E).                       { A = ast_sortkey(c, E, NULL); }
sortkey(A) ::= expr(E) IDENT(D).              { A = ast_sortkey(c, E, &D); }

%type opkw {OpKw}
opkw(A) ::= SOURCE(T).                        { A.kind = OP_SOURCE; A.tok = T; }
opkw(A) ::= MAP(T).                           { A.kind = OP_MAP; A.tok = T; }
opkw(A) ::= FILTER(T).                        { A.kind = OP_FILTER; A.tok = T; }
opkw(A) ::= FLATMAP(T).                       { A.kind = OP_FLATMAP; A.tok = T; }
opkw(A) ::= BATCH_MAP(T).                     { A.kind = OP_BATCH_MAP; A.tok = T; }
opkw(A) ::= TOP(T).                           { A.kind = OP_TOP; A.tok = T; }
opkw(A) ::= COMBINE(T).                       { A.kind = OP_COMBINE; A.tok = T; }
opkw(A) ::= COMBINE_PER_KEY(T).               { A.kind = OP_COMBINE_PER_KEY; A.tok = T; }
opkw(A) ::= SINK(T).                          { A.kind = OP_SINK; A.tok = T; }

/* ---------------------------------------------------------------- */
/* Types: i64 f64 bool str, (T, U, ...), [T], T? (optional)          */
/* ---------------------------------------------------------------- */

%type opttype {TypeExpr *}
opttype(A) ::= .                              { A = NULL; }
opttype(A) ::= COLON type(T).                 { A = T; }

%type type {TypeExpr *}
type(A) ::= IDENT(N).                         { A = ast_type_name(c, N); }
type(A) ::= LPAREN(L) typelist(V) RPAREN(R).  { A = ast_type_tuple(c, L, V, R); }
type(A) ::= LBRACKET(L) type(T) RBRACKET(R).  { A = ast_type_list(c, L, T, R); }
type(A) ::= type(T) QUESTION(Q).              { A = ast_type_opt(c, T, Q); }

%type typelist {PtrVec *}
typelist(A) ::= type(X) COMMA type(Y).        { A = ast_vec(c, ast_vec(c, NULL, X), Y); }
typelist(A) ::= typelist(V) COMMA type(Y).    { A = ast_vec(c, V, Y); }

/* ---------------------------------------------------------------- */
/* Expressions                                                       */
/* ---------------------------------------------------------------- */

%type expr {Expr *}
expr(A) ::= expr(L) OROR expr(R).             { A = ast_binary(c, B_OR, L, R); }
expr(A) ::= expr(L) ANDAND expr(R).           { A = ast_binary(c, B_AND, L, R); }
expr(A) ::= expr(L) EQEQ expr(R).             { A = ast_binary(c, B_EQ, L, R); }
expr(A) ::= expr(L) NE expr(R).               { A = ast_binary(c, B_NE, L, R); }
expr(A) ::= expr(L) LT expr(R).               { A = ast_binary(c, B_LT, L, R); }
expr(A) ::= expr(L) LE expr(R).               { A = ast_binary(c, B_LE, L, R); }
expr(A) ::= expr(L) GT expr(R).               { A = ast_binary(c, B_GT, L, R); }
expr(A) ::= expr(L) GE expr(R).               { A = ast_binary(c, B_GE, L, R); }
expr(A) ::= expr(L) PLUS expr(R).             { A = ast_binary(c, B_ADD, L, R); }
expr(A) ::= expr(L) MINUS expr(R).            { A = ast_binary(c, B_SUB, L, R); }
expr(A) ::= expr(L) STAR expr(R).             { A = ast_binary(c, B_MUL, L, R); }
expr(A) ::= expr(L) SLASH expr(R).            { A = ast_binary(c, B_DIV, L, R); }
expr(A) ::= expr(L) PERCENT expr(R).          { A = ast_binary(c, B_REM, L, R); }
expr(A) ::= MINUS(T) expr(E). [UMINUS]        { A = ast_unary(c, T, U_NEG, E); }
expr(A) ::= NOT(T) expr(E).                   { A = ast_unary(c, T, U_NOT, E); }
expr(A) ::= primary(P).                       { A = P; }
expr(A) ::= IF(T) expr(C) THEN expr(X) ELSE expr(Y). { A = ast_if(c, T, C, X, Y); }
expr(A) ::= LET(T) IDENT(N) EQ expr(V) IN expr(B). { A = ast_let(c, T, N, V, B); }

%type primary {Expr *}
primary(A) ::= INT(T).                        { A = ast_int(c, T); }
primary(A) ::= FLOAT(T).                      { A = ast_float(c, T); }
primary(A) ::= STRING(T).                     { A = ast_string(c, T); }
primary(A) ::= TRUE(T).                       { A = ast_bool(c, T, true); }
primary(A) ::= FALSE(T).                      { A = ast_bool(c, T, false); }
primary(A) ::= IDENT(T).                      { A = ast_name(c, T); }
primary(A) ::= IDENT(N) LPAREN args(V) RPAREN(R). { A = ast_call(c, N, V, R); }
primary(A) ::= LPAREN(L) expr(E) RPAREN(R).   { A = ast_paren(c, L, E, R); }
primary(A) ::= LPAREN(L) tuple(V) RPAREN(R).  { A = ast_tuple(c, L, V, R); }
primary(A) ::= LBRACKET(L) args(V) RBRACKET(R). { A = ast_list(c, L, V, R); }
primary(A) ::= primary(E) DOT INT(I).         { A = ast_field(c, E, I); }
primary(A) ::= primary(E) DOT IDENT(I).       { A = ast_field(c, E, I); }
primary(A) ::= IDENT(N) LBRACE fieldinits(V) RBRACE(R). { A = ast_record_lit(c, N, V, R); }

%type fieldinits {PtrVec *}
fieldinits(A) ::= fieldinit(X).               { A = ast_vec(c, NULL, X); }
fieldinits(A) ::= fieldinits(V) COMMA fieldinit(X). { A = ast_vec(c, V, X); }

%type fieldinit {Expr *}
fieldinit(A) ::= IDENT(N) COLON expr(E).      { A = ast_field_init(c, N, E); }

%type tuple {PtrVec *}
tuple(A) ::= expr(X) COMMA expr(Y).           { A = ast_vec(c, ast_vec(c, NULL, X), Y); }
tuple(A) ::= tuple(V) COMMA expr(Y).          { A = ast_vec(c, V, Y); }

%type args {PtrVec *}
args(A) ::= .                                 { A = ast_vec(c, NULL, NULL); }
args(A) ::= arglist(V).                       { A = V; }

%type arglist {PtrVec *}
arglist(A) ::= arg(X).                        { A = ast_vec(c, NULL, X); }
arglist(A) ::= arglist(V) COMMA arg(Y).       { A = ast_vec(c, V, Y); }

/* A source's or sink's options are named: csv(input, header = false). */
%type arg {Expr *}
arg(A) ::= expr(X).                           { A = X; }
arg(A) ::= IDENT(N) EQ expr(E).               { A = ast_field_init(c, N, E); }
