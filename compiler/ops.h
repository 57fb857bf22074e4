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
 * b bool, x any scalar, L a str literal (checked by fpipec); arguments
 * after a | may be left out (the emitter passes ""); result likewise, or [s] for a list of str, or ?
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
