/* ops.h — the tables that define fpipe's operators, monoids and builtins.
 *
 * Each is an X-macro list: one row per entry, expanded into the enums and
 * info tables of fpipec.h and into the switch statements of the checker,
 * the planner, the IR printer and the emitter.  Adding an operator means a
 * row here, its keyword rule in grammar/, and the cases that must differ.
 */
#ifndef FPIPE_OPS_H
#define FPIPE_OPS_H

/*      enum             keyword            role           what it does */
#define FP_OPS(X)                                                                         \
    X(SOURCE,          "source",          ROLE_SOURCE,  "reads records from the inputs")   \
    X(MAP,             "map",             ROLE_ELEMENT, "one element out per element in")   \
    X(FILTER,          "filter",          ROLE_ELEMENT, "keeps elements whose body is true") \
    X(FLATMAP,         "flatmap",         ROLE_ELEMENT, "zero or more elements per element") \
    X(BATCH_MAP,       "batch_map",       ROLE_ELEMENT, "one element out per element in, by batches") \
    X(COMBINE,         "combine",         ROLE_COMBINE, "folds all elements with a monoid")  \
    X(COMBINE_PER_KEY, "combine_per_key", ROLE_COMBINE, "folds each key's values with a monoid") \
    X(TOP,             "top",             ROLE_TOP,     "keeps the N first elements in a sort order") \
    X(SINK,            "sink",            ROLE_SINK,    "writes the elements out")

/*      enum    name     what it does */
#define FP_MONOIDS(X)                                                      \
    X(SUM,   "sum",   "sum of i64 (wrapping) or f64 values")                \
    X(COUNT, "count", "number of elements")                                 \
    X(MIN,   "min",   "smallest i64 or f64 value")                          \
    X(MAX,   "max",   "largest i64 or f64 value")                           \
    X(MEAN,  "mean",  "arithmetic mean of i64 or f64 values, as f64")       \
    X(AND,   "and",   "whether every bool value is true")                   \
    X(OR,    "or",    "whether some bool value is true")                    \
    X(TOPK,  "topk",  "the n largest i64 or f64 values, largest first")     \
    X(USER,  "",      "a monoid declared in the .fpipe file")

/* Builtins.  params: one letter per argument, s str, i i64, f f64,
 * b bool, x any scalar, l a [str] list, * any number of scalars (format's,
 * checked against its format string); result likewise, or [s] for a list of str, or ?
 * for fail's: the type of the other branch of the if it is a branch of.
 * flags: A takes the worker's arena (makes a string), F can fail (takes the
 * worker and the operator's site), - neither.  cfn: the runtime function
 * (str's depends on its argument's type; split and split_ws are iterated
 * by flatmap). */
/*      enum          name           params result flags cfn              what it does */
#define FP_BUILTINS(X)                                                                        \
    X(SPLIT_WS,    "split_ws",    "s",   "[s]", "-",  "",              "the words of s, split on ASCII whitespace") \
    X(SPLIT,       "split",       "ss",  "[s]", "F",  "",              "s cut at every sep (sep not empty)") \
    X(LOWER,       "lower",       "s",   "s",   "A",  "fp_lower",      "ASCII letters to lower case") \
    X(UPPER,       "upper",       "s",   "s",   "A",  "fp_upper",      "ASCII letters to upper case") \
    X(LEN,         "len",         "s",   "i",   "-",  "fp_len",        "length in bytes") \
    X(TRIM,        "trim",        "s",   "s",   "-",  "fp_trim",       "without leading and trailing whitespace") \
    X(CONTAINS,    "contains",    "ss",  "b",   "-",  "fp_contains",   "whether s contains t") \
    X(STARTS_WITH, "starts_with", "ss",  "b",   "-",  "fp_starts_with", "whether s starts with t") \
    X(ENDS_WITH,   "ends_with",   "ss",  "b",   "-",  "fp_ends_with",  "whether s ends with t") \
    X(FIND,        "find",        "ss",  "i",   "-",  "fp_find",       "byte index of the first t in s, or -1") \
    X(SUBSTR,      "substr",      "sii", "s",   "F",  "fp_substr",     "n bytes of s from byte start (in range)") \
    X(FIELD,       "field",       "ssi", "s",   "F",  "fp_field",      "piece n (from 0) of s cut at sep (sep not empty)") \
    X(REPLACE,     "replace",     "sss", "s",   "AF", "fp_replace",    "s with every from replaced by to (from not empty)") \
    X(PARSE_I64,   "parse_i64",   "s",   "i",   "F",  "fp_parse_i64",  "a decimal integer (the whole string)") \
    X(PARSE_F64,   "parse_f64",   "s",   "f",   "F",  "fp_parse_f64",  "a decimal number (the whole string)") \
    X(FAIL,        "fail",        "s",   "?",   "F",  "fp_fail_msg",   "fails the element with msg (a branch of an if)") \
    X(STR,         "str",         "x",   "s",   "A",  "",              "a value as text, as a TSV sink writes it") \
    X(HASH,        "hash",        "s",   "i",   "-",  "fp_hash_str",   "a 64-bit hash of s, the same on every machine") \
    /* Unicode (utf8proc) and string building */ \
    X(LOWER_UTF8,  "lower_utf8",  "s",   "s",   "AF", "fp_lower_utf8", "every letter to lower case (Unicode, one to one)") \
    X(UPPER_UTF8,  "upper_utf8",  "s",   "s",   "AF", "fp_upper_utf8", "every letter to upper case (Unicode, one to one)") \
    X(CASEFOLD,    "casefold",    "s",   "s",   "AF", "fp_casefold",   "full Unicode case folding, for caseless keys") \
    X(NFC,         "nfc",         "s",   "s",   "AF", "fp_nfc",        "Unicode normalization form C") \
    X(LEN_UTF8,    "len_utf8",    "s",   "i",   "F",  "fp_len_utf8",   "length in code points") \
    X(WORDS,       "words",       "s",   "[s]", "F",  "",              "the runs of letters, marks and digits of s") \
    X(FORMAT,      "format",      "s*",  "s",   "A",  "",              "the format string with each {} replaced by an argument") \
    X(PAD_LEFT,    "pad_left",    "sis", "s",   "AF", "fp_pad_left",   "s with fill before it to n code points") \
    X(PAD_RIGHT,   "pad_right",   "sis", "s",   "AF", "fp_pad_right",  "s with fill after it to n code points") \
    X(TRIM_LEFT,   "trim_left",   "s",   "s",   "-",  "fp_trim_left",  "without leading whitespace") \
    X(TRIM_RIGHT,  "trim_right",  "s",   "s",   "-",  "fp_trim_right", "without trailing whitespace") \
    X(EQUALS_CI,   "equals_ci",   "ss",  "b",   "-",  "fp_equals_ci",  "whether s and t are equal but for ASCII case") \
    X(EQUALS_FOLD, "equals_fold", "ss",  "b",   "AF", "fp_equals_fold", "whether casefold(s) == casefold(t)") \
    X(JOIN,        "join",        "ls",  "s",   "A",  "fp_join",       "the items of a [str] with sep between them")

#endif /* FPIPE_OPS_H */
