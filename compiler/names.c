/* names.c — the C identifiers of the generated program.
 *
 * Names from the .fpipe file become C names: fields, extern parameters,
 * operators (locals of the stage functions), externs (file-level
 * functions).  The generated program has file-level names of its own,
 * built from fixed prefixes (stage1_, site_, opcfg_, ckpt_put_,
 * resume1_from_, rec_, tupN_, list_, monoid_, ...) and from operators'
 * names plus suffixes (COMBINE_step, TOP_keep, SOURCE_columns, ...).  This
 * file keeps the two sets disjoint: every generated pattern is reserved
 * here, in one place; an operator whose C name would meet one is renamed
 * (NAME_, v_NAME, v_NAME_2, ...), an extern (whose name the C file defines
 * and cannot change) is refused with a located error.  emit.c's own
 * helper locals are kept apart from these names by its helper().
 */
#include "fpipec.h"

#include <string.h>

/* ---- C keywords and reserved names ------------------------------------ */

/* Is s a C keyword, a name of the headers the generated code includes that
 * a local would hide, one of the stage functions' parameters and locals,
 * or in the runtime's namespace (fp_, FP_, a leading _)? */
static bool is_c_reserved(const char *s)
{
    static const char *const words[] = {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
        "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
        "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
        "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
        "_Complex", "_Imaginary", "_Alignas", "_Alignof", "_Atomic", "_Generic",
        "_Noreturn", "_Static_assert", "_Thread_local", "bool", "true", "false", "main",
        "errno", "assert", "offsetof", "NULL", "stdin", "stdout", "stderr", "asm",
        "int64_t", "uint64_t", "size_t", "memcmp", "memcpy", "memchr", "strlen",
        /* the generated stage functions' own parameters and locals */
        "w", "cur", "end", "key", "acc", "state", "fresh", "elem"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return strncmp(s, "fp_", 3) == 0 || strncmp(s, "FP_", 3) == 0 || s[0] == '_';
}

/* A .fpipe name as a C identifier: a reserved one gets a trailing '_'
 * (which no reserved name has, so the result is never reserved). */
const char *names_c_ident(Arena *a, const char *name)
{
    return is_c_reserved(name) ? arena_printf(a, "%s_", name) : name;
}

/* Names of the generated C's own types, which a parameter must not take:
 * list_..., rec_..., monoid_... (a declared monoid's functions), tupN... */
bool names_type_like(const char *n)
{
    return !strncmp(n, "list_", 5) || !strncmp(n, "rec_", 4) || !strncmp(n, "monoid_", 7) ||
           (!strncmp(n, "tup", 3) && n[3] >= '0' && n[3] <= '9');
}

/* ---- the generated program's file-level names ------------------------- */

/* The prefixes and whole names of file-level names that do not depend on
 * an operator's C name: stage functions, sites, per-operator settings,
 * checkpoint (de)serialisers and the resume entry, types, the tables,
 * how a jsonl source reads a nested type (jsonl_list_i64). */
static bool generated_fixed(const char *n)
{
    static const char *const prefixes[] = {"site_", "opcfg_", "stage1_", "stage2_",
                                           "stage3_", "ckpt_put_", "ckpt_get_",
                                           "resume1_from_", "jsonl_"};
    static const char *const whole[] = {"sites", "plan_text", "pipeline", "checkpoint",
                                        "ckpt_acc_valid", "ckpt_elems_valid"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (!strncmp(n, prefixes[i], strlen(prefixes[i])))
            return true;
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++)
        if (!strcmp(n, whole[i]))
            return true;
    return names_type_like(n);
}

/* The suffixes the emitter appends to an operator's C name for file-level
 * helpers and types, by the operator's role (NULL-terminated). */
static const char *const *generated_suffixes(OpKind kind)
{
    static const char *const combine[] = {"_acc",    "_first", "_step",        "_merge",
                                          "_result", "_pending", "_apply",     "_state",
                                          "_init",   "_state_merge", "_empty", NULL};
    static const char *const top[] = {"_order", "_keep", "_release", NULL};
    static const char *const source[] = {"_columns", NULL};
    static const char *const none[] = {NULL};
    switch (op_info[kind].role) {
    case ROLE_COMBINE: return combine;
    case ROLE_TOP: return top;
    case ROLE_SOURCE: return source;
    default: return none;
    }
}

/* Is n the name of a helper generated for an operator whose C name is
 * cname (cname + one of its role's suffixes)? */
static bool generated_for(OpKind kind, const char *cname, const char *n)
{
    size_t cl = strlen(cname);
    if (strncmp(n, cname, cl) != 0)
        return false;
    for (const char *const *s = generated_suffixes(kind); *s; s++)
        if (!strcmp(n + cl, *s))
            return true;
    return false;
}

/* Would the C name n clash with a file-level name of the generated code?
 * Operators' C names are locals of the stage functions, which call the
 * combine's helpers, use the tuple and record types and the sites; a local
 * of the same name would hide them.  Macros are all upper case. */
static bool clashes_with_generated(const Ir *ir, const char *n)
{
    bool upper = true;
    for (const char *p = n; *p; p++)
        if ((*p >= 'a' && *p <= 'z'))
            upper = false;
    if (upper)
        return true;   /* a macro of the included headers, or one day ours */
    if (generated_fixed(n))
        return true;
    for (int i = 0; i < ir->nops; i++)
        if (generated_for(ir->ops[i].kind, ir->ops[i].cname, n))
            return true;
    return false;
}

/* Would a local named n (one emit.c's helper() makes: n_WORDS counters,
 * let_NAME, NAME_q, NAME_it, ...) hide a file-level name of the generated
 * code?  The same families an operator's C name must avoid. */
bool names_generated(const Ir *ir, const char *n)
{
    return clashes_with_generated(ir, n);
}

/* May operator self take the C name n?  Not a generated name, not another
 * operator's, not an extern's, and none of the helpers it would get named
 * n + suffix may be an extern's (the extern is a file-level function). */
static bool cname_taken(const Ir *ir, int self, const char *n)
{
    if (clashes_with_generated(ir, n))
        return true;
    for (int j = 0; j < ir->nops; j++)
        if (j != self && !strcmp(ir->ops[j].cname, n))
            return true;
    for (int j = 0; j < ir->nexterns; j++)
        if (generated_for(ir->ops[self].kind, n, ir->externs[j]->name))
            return true;
    return false;
}

/* Give every operator a C name no generated name or extern meets: NAME,
 * else NAME_, then v_NAME, v_NAME_2, ... (the v_ forms are never generated
 * names, so this ends).  Assumes the externs' names are final (they are:
 * names_extern_reserved refused the generated patterns). */
void names_assign(Arena *a, Ir *ir)
{
    for (int i = 0; i < ir->nops; i++) {
        IrOp *op = &ir->ops[i];
        if (!cname_taken(ir, i, op->cname))
            continue;
        const char *base = op->cname;
        const char *n = arena_printf(a, "%s_", base);
        for (int k = 1; cname_taken(ir, i, n); k++)
            n = k == 1 ? arena_printf(a, "v_%s", base) : arena_printf(a, "v_%s_%d", base, k);
        op->cname = n;
    }
}

/* Names an extern C function cannot have: a C keyword or reserved name, a
 * function of the C library the generated code declares (its prototype
 * would conflict), the generated program's fixed file-level names, and the
 * formats.  (Which symbol the final link resolves is not a question of
 * names: build.c gives the externs a namespace of their own.) */
bool names_extern_reserved(Arena *a, const char *n)
{
    static const char *const libc[] = {
        "abort", "abs", "atoi", "atol", "calloc", "exit", "free", "malloc", "realloc",
        "memcmp", "memcpy", "memmove", "memset", "memchr", "printf", "fprintf", "snprintf",
        "sprintf", "vsnprintf", "puts", "putchar", "fputs", "fputc", "qsort", "bsearch",
        "strcat", "strchr", "strcmp", "strcpy", "strlen", "strncmp", "strncpy", "strrchr",
        "strstr", "strdup", "strndup", "strtod", "strtol", "strtoll", "strtoull", "strtoul",
        "sqrt", "pow", "exp", "log", "floor", "ceil", "fabs", "round", "isalpha", "isdigit",
        "isspace", "tolower", "toupper", "time", "clock", "rand", "srand", "fopen", "fclose",
        "fread", "fwrite", "getenv", "system", "elem"};
    if (strcmp(names_c_ident(a, n), n) != 0 || format_of(n) != FMT_NONE)
        return true;
    for (size_t i = 0; i < sizeof libc / sizeof *libc; i++)
        if (!strcmp(n, libc[i]))
            return true;
    return generated_fixed(n);
}
