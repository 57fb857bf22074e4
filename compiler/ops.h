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
 * b bool, x any scalar, n i64 or f64 (every n of a call the same type,
 * the result's too, and cfn gets a _i64 or _f64 suffix), l a [str] list,
 * * any number of scalars (format's, checked against its format string),
 * L a str literal (checked by fpipec); arguments after a | may be left out
 * (the emitter passes ""); result likewise, or [s] for a list of str, or ?
 * for fail's: the type of the other branch of the if it is a branch of;
 * I F (upper case) for i64? f64?, t for a scalar T and o for its T?
 * (checked by check.c's check_opt_call).
 * flags: A takes the worker's arena (makes a string), F can fail (takes the
 * worker and the operator's site), W takes the worker only, R its argument
 * 2 is a regex pattern, a string literal compiled by fpipec (the call takes
 * its re_N), - none.  cfn: the runtime function (str's depends on its
 * argument's type; split, split_ws and split_re are iterated by flatmap). */
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
    /* numbers: casts and math (libm); n is i64 or f64, one type per call */ \
    X(F64,         "f64",         "i",   "f",   "-",  "fp_f64_of_i64", "i as f64 (exact to 2^53, else rounded to nearest)") \
    X(I64,         "i64",         "f",   "i",   "F",  "fp_i64_of_f64", "x truncated toward zero (nan or out of range fails)") \
    X(FLOOR,       "floor",       "f",   "f",   "-",  "fp_floor",      "the largest integer <= x") \
    X(CEIL,        "ceil",        "f",   "f",   "-",  "fp_ceil",       "the smallest integer >= x") \
    X(ROUND,       "round",       "f",   "f",   "-",  "fp_round",      "x to the nearest integer, halves away from zero") \
    X(ABS,         "abs",         "n",   "n",   "-",  "fp_abs",        "|x| (i64: abs of the least i64 wraps to itself)") \
    X(MIN,         "min",         "nn",  "n",   "-",  "fp_min",        "the smaller of a and b (f64: nan if either is)") \
    X(MAX,         "max",         "nn",  "n",   "-",  "fp_max",        "the larger of a and b (f64: nan if either is)") \
    X(SQRT,        "sqrt",        "f",   "f",   "-",  "fp_sqrt",       "the square root (nan below 0)") \
    X(LOG,         "log",         "f",   "f",   "-",  "fp_log",        "the natural logarithm (-inf at 0, nan below)") \
    X(EXP,         "exp",         "f",   "f",   "-",  "fp_exp",        "e to the power x") \
    X(POW,         "pow",         "ff",  "f",   "-",  "fp_pow",        "x to the power y (C pow)") \
    /* provenance: where the element came from (W: takes the worker) */ \
    X(INPUT_FILE,  "input_file",  "",    "s",   "W",  "fp_input_file", "the element's input as named on the command line (- for stdin)") \
    X(INPUT_LINE,  "input_line",  "",    "i",   "W",  "fp_input_line", "the 1-based line of the element's input record") \
    /* optional values (T?) */ \
    X(SOME,        "some",        "t",   "o",   "-",  "fp_some",       "x as a T? that holds it") \
    X(IS_NONE,     "is_none",     "o",   "b",   "-",  "",              "whether x is none") \
    X(IS_SOME,     "is_some",     "o",   "b",   "-",  "",              "whether x holds a value") \
    X(COALESCE,    "coalesce",    "ot",  "t",   "-",  "fp_coalesce",   "x's value, or d when x is none (both are evaluated)") \
    X(TRY_PARSE_I64, "try_parse_i64", "s", "I", "-",  "fp_try_parse_i64", "a decimal integer as parse_i64 reads it, or none") \
    X(TRY_PARSE_F64, "try_parse_f64", "s", "F", "-",  "fp_try_parse_f64", "a decimal number as parse_f64 reads it, or none") \
    /* regular expressions (PCRE2; R: argument 2 is a pattern literal) */ \
    X(MATCHES,     "matches",     "ss",  "b",   "FR", "fp_matches",    "whether re matches somewhere in s") \
    X(FIND_RE,     "find_re",     "ss",  "i",   "FR", "fp_find_re",    "byte index of the first match of re in s, or -1") \
    X(EXTRACT,     "extract",     "ssi", "s",   "FR", "fp_extract",    "group n (0: the whole match) of the first match (it takes part)") \
    X(REPLACE_RE,  "replace_re",  "sss", "s",   "AFR", "fp_replace_re", "s with every match of re replaced by with ($1 a group)") \
    X(SPLIT_RE,    "split_re",    "ss",  "[s]", "FR", "",              "s cut at every non-empty match of re") \
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
    X(JOIN,        "join",        "ls",  "s",   "A",  "fp_join",       "the items of a [str] with sep between them") \
    /* dates and times (runtime/time.c): t is i64 seconds since 1970-01-01T00:00:00Z */ \
    X(PARSE_TIME,  "parse_time",  "s|L", "i",   "F",  "fp_parse_time", "ISO 8601 text (or text in a format) as epoch seconds") \
    X(PARSE_TIME_US, "parse_time_us", "s|L", "i", "F", "fp_parse_time_us", "ISO 8601 text (or text in a format) as epoch microseconds") \
    X(FORMAT_TIME, "format_time", "i|LL", "s",  "AF", "fp_format_time", "t as ISO 8601 text (or in a format, at an offset)") \
    X(TRUNC_TIME,  "trunc_time",  "iL|L", "i",  "-",  "fp_trunc_time", "t rounded down to the start of its unit") \
    X(YEAR,        "year",        "i|L", "i",   "-",  "fp_year",       "the year of t") \
    X(MONTH,       "month",       "i|L", "i",   "-",  "fp_month",      "the month of t, 1..12") \
    X(DAY,         "day",         "i|L", "i",   "-",  "fp_day",        "the day of the month of t, 1..31") \
    X(HOUR,        "hour",        "i|L", "i",   "-",  "fp_hour",       "the hour of t, 0..23") \
    X(MINUTE,      "minute",      "i|L", "i",   "-",  "fp_minute",     "the minute of t, 0..59") \
    X(SECOND,      "second",      "i|L", "i",   "-",  "fp_second",     "the second of t, 0..59") \
    X(WEEKDAY,     "weekday",     "i|L", "i",   "-",  "fp_weekday",    "the ISO day of the week of t, Monday 1 .. Sunday 7")

#endif /* FPIPE_OPS_H */
