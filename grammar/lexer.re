/* lexer.re — the .fpipe tokenizer (re2c).
 *
 * Returns lemon's TK_* codes (from the generated fpipe.h) directly: there is
 * no second token enum.  A token is a kind and a span into the source; its
 * text is never copied here.  Bad characters are reported and skipped, so a
 * stray byte costs one diagnostic, not the rest of the file.
 *
 * The source must end with a NUL at src->text[src->len] (the sentinel);
 * NUL bytes before that are ordinary bad characters.
 */
#include "fpipec.h"
#include "fpipe.h"   /* TK_* codes: build/gen/fpipe.h, made by lemon */

#include <string.h>

void lex_init(Lexer *lx, const Source *src, Diags *d)
{
    lx->src = src;
    lx->diags = d;
    lx->cur = src->text;
    lx->lim = src->text + src->len;
    lx->prev = 0;
}

static Span span_of(const Lexer *lx, const char *start, const char *end)
{
    Span s = {(uint32_t)(start - lx->src->text), (uint32_t)(end - start)};
    return s;
}

/* Names are ASCII; a name with other bytes is still one name (so the
 * parser sees no cascade), reported once. */
static void ascii_name(Lexer *lx, const char *start, const char *end)
{
    const char *p = start;
    while (p < end && (unsigned char)*p < 0x80)
        p++;
    if (p == end)
        return;
    diag_at(lx->diags, DIAG_ERROR, span_of(lx, start, end), "a name must be ASCII");
    diag_hint(lx->diags, "names are ASCII letters, digits and '_'; "
                         "other text belongs in \"string literals\"");
}

static void bad_char(Lexer *lx, const char *at)
{
    unsigned char c = (unsigned char)*at;
    Span sp = span_of(lx, at, at + 1);
    if (c >= 0x80) {
        ascii_name(lx, at, at + 1);
    } else if (c < 0x20 || c == 0x7f) {
        diag_at(lx->diags, DIAG_ERROR, sp, "unexpected control character 0x%02x", c);
    } else {
        diag_at(lx->diags, DIAG_ERROR, sp, "unexpected character '%c'", c);
    }
}

/*!re2c
    re2c:define:YYCTYPE = "unsigned char";
    re2c:yyfill:enable = 0;
    re2c:eof = 0;
    re2c:define:YYCURSOR = cur;
    re2c:define:YYMARKER = mar;
    re2c:define:YYLIMIT = lim;

    digits = [0-9]+;
    exp    = [eE] [+-]? digits;
    ident  = [a-zA-Z_\x80-\xff] [a-zA-Z0-9_\x80-\xff]*;
*/

int lex_next(Lexer *lx, Token *t)
{
    const char *cur = lx->cur, *lim = lx->lim, *mar = cur, *start;
    int kind;
    (void)mar;

    for (;;) {
        start = cur;
        if (lx->prev == TK_DOT) {
            /* After '.', digits are a field index: t.0.1 is t . 0 . 1,
             * never t . 0.1 */
            /*!re2c
                digits { kind = TK_INT; goto done; }
                *      { cur = start; goto main; }
                $      { cur = start; goto main; }
            */
        }
    main:
        /*!re2c
            [ \t\r\n]+          { continue; }
            "#" [^\n\x00]*      { continue; }

            "pipeline"          { kind = TK_PIPELINE; goto done; }
            "source"            { kind = TK_SOURCE; goto done; }
            "map"               { kind = TK_MAP; goto done; }
            "filter"            { kind = TK_FILTER; goto done; }
            "flatmap"           { kind = TK_FLATMAP; goto done; }
            "batch_map"         { kind = TK_BATCH_MAP; goto done; }
            "top"               { kind = TK_TOP; goto done; }
            "extern"            { kind = TK_EXTERN; goto done; }
            "link"              { kind = TK_LINK; goto done; }
            "param"             { kind = TK_PARAM; goto done; }
            "monoid"            { kind = TK_MONOID; goto done; }
            "max_batch"         { kind = TK_MAX_BATCH; goto done; }
            "by"                { kind = TK_BY; goto done; }
            "retry"             { kind = TK_RETRY; goto done; }
            "materialize"       { kind = TK_MATERIALIZE; goto done; }
            "combine"           { kind = TK_COMBINE; goto done; }
            "combine_per_key"   { kind = TK_COMBINE_PER_KEY; goto done; }
            "sink"              { kind = TK_SINK; goto done; }
            "on_error"          { kind = TK_ON_ERROR; goto done; }
            "if"                { kind = TK_IF; goto done; }
            "type"              { kind = TK_TYPE; goto done; }
            "then"              { kind = TK_THEN; goto done; }
            "else"              { kind = TK_ELSE; goto done; }
            "let"               { kind = TK_LET; goto done; }
            "in"                { kind = TK_IN; goto done; }
            "true"              { kind = TK_TRUE; goto done; }
            "false"             { kind = TK_FALSE; goto done; }
            ident               { ascii_name(lx, start, cur); kind = TK_IDENT; goto done; }

            digits              { kind = TK_INT; goto done; }
            digits "." digits exp? | digits exp
                                { kind = TK_FLOAT; goto done; }
            ["] ([^"\\\n\x00] | "\\" [^\n\x00])* ["]
                                { kind = TK_STRING; goto done; }
            ["] ([^"\\\n\x00] | "\\" [^\n\x00])*
                                {
                                  diag_at(lx->diags, DIAG_ERROR, span_of(lx, start, start + 1),
                                          "unterminated string literal");
                                  diag_hint(lx->diags, "close it with '\"' on the same line");
                                  continue;
                                }

            "("  { kind = TK_LPAREN; goto done; }
            ")"  { kind = TK_RPAREN; goto done; }
            "["  { kind = TK_LBRACKET; goto done; }
            "{"  { kind = TK_LBRACE; goto done; }
            "}"  { kind = TK_RBRACE; goto done; }
            "]"  { kind = TK_RBRACKET; goto done; }
            ","  { kind = TK_COMMA; goto done; }
            ":"  { kind = TK_COLON; goto done; }
            "="  { kind = TK_EQ; goto done; }
            "."  { kind = TK_DOT; goto done; }
            "+"  { kind = TK_PLUS; goto done; }
            "->" { kind = TK_ARROW; goto done; }
            "-"  { kind = TK_MINUS; goto done; }
            "*"  { kind = TK_STAR; goto done; }
            "/"  { kind = TK_SLASH; goto done; }
            "%"  { kind = TK_PERCENT; goto done; }
            "==" { kind = TK_EQEQ; goto done; }
            "!=" { kind = TK_NE; goto done; }
            "<"  { kind = TK_LT; goto done; }
            "<=" { kind = TK_LE; goto done; }
            ">"  { kind = TK_GT; goto done; }
            ">=" { kind = TK_GE; goto done; }
            "&&" { kind = TK_ANDAND; goto done; }
            "||" { kind = TK_OROR; goto done; }
            "!"  { kind = TK_NOT; goto done; }
            "?"  { kind = TK_QUESTION; goto done; }

            $    { lx->cur = cur; t->kind = 0; t->span = span_of(lx, cur, cur); return 0; }
            *    { lx->cur = cur; bad_char(lx, start); cur = lx->cur; continue; }
        */
    }
done:
    lx->cur = cur;
    lx->prev = kind;
    t->kind = kind;
    t->span = span_of(lx, start, cur);
    return kind;
}

/* How a token kind is named in messages: "'map'", "name", "the end of the
 * file". */
const char *lex_token_desc(int kind)
{
    switch (kind) {
    case 0: return "the end of the file";
    case TK_PIPELINE: return "'pipeline'";
    case TK_SOURCE: return "'source'";
    case TK_MAP: return "'map'";
    case TK_FILTER: return "'filter'";
    case TK_FLATMAP: return "'flatmap'";
    case TK_BATCH_MAP: return "'batch_map'";
    case TK_TOP: return "'top'";
    case TK_EXTERN: return "'extern'";
    case TK_LINK: return "'link'";
    case TK_PARAM: return "'param'";
    case TK_MONOID: return "'monoid'";
    case TK_MAX_BATCH: return "'max_batch'";
    case TK_BY: return "'by'";
    case TK_RETRY: return "'retry'";
    case TK_MATERIALIZE: return "'materialize'";
    case TK_ARROW: return "'->'";
    case TK_COMBINE: return "'combine'";
    case TK_COMBINE_PER_KEY: return "'combine_per_key'";
    case TK_SINK: return "'sink'";
    case TK_ON_ERROR: return "'on_error'";
    case TK_IF: return "'if'";
    case TK_THEN: return "'then'";
    case TK_ELSE: return "'else'";
    case TK_LET: return "'let'";
    case TK_IN: return "'in'";
    case TK_TRUE: return "'true'";
    case TK_FALSE: return "'false'";
    case TK_IDENT: return "name";
    case TK_INT: return "integer";
    case TK_FLOAT: return "number";
    case TK_STRING: return "string";
    case TK_LPAREN: return "'('";
    case TK_RPAREN: return "')'";
    case TK_LBRACKET: return "'['";
    case TK_LBRACE: return "'{'";
    case TK_RBRACE: return "'}'";
    case TK_TYPE: return "'type'";
    case TK_RBRACKET: return "']'";
    case TK_COMMA: return "','";
    case TK_COLON: return "':'";
    case TK_EQ: return "'='";
    case TK_DOT: return "'.'";
    case TK_PLUS: return "'+'";
    case TK_MINUS: return "'-'";
    case TK_STAR: return "'*'";
    case TK_SLASH: return "'/'";
    case TK_PERCENT: return "'%'";
    case TK_EQEQ: return "'=='";
    case TK_NE: return "'!='";
    case TK_LT: return "'<'";
    case TK_LE: return "'<='";
    case TK_GT: return "'>'";
    case TK_GE: return "'>='";
    case TK_ANDAND: return "'&&'";
    case TK_OROR: return "'||'";
    case TK_NOT: return "'!'";
    case TK_QUESTION: return "'?'";
    default: return "a token";
    }
}
