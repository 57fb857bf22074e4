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
    X(COMBINE,         "combine",         ROLE_COMBINE, "folds all elements with a monoid")  \
    X(COMBINE_PER_KEY, "combine_per_key", ROLE_COMBINE, "folds each key's values with a monoid") \
    X(SINK,            "sink",            ROLE_SINK,    "writes the elements out")

/*      enum    name     what it does */
#define FP_MONOIDS(X)                                        \
    X(SUM,   "sum",   "sum of i64 (wrapping) or f64 values")  \
    X(COUNT, "count", "number of elements")                   \
    X(MIN,   "min",   "smallest i64 or f64 value")            \
    X(MAX,   "max",   "largest i64 or f64 value")

/*      enum       name        signature          what it does */
#define FP_BUILTINS(X)                                                              \
    X(SPLIT_WS, "split_ws", "str -> [str]", "the words of s, split on ASCII whitespace") \
    X(LOWER,    "lower",    "str -> str",   "ASCII letters to lower case")           \
    X(UPPER,    "upper",    "str -> str",   "ASCII letters to upper case")           \
    X(LEN,      "len",      "str -> i64",   "length in bytes")                       \
    X(TRIM,     "trim",     "str -> str",   "without leading and trailing whitespace")

#endif /* FPIPE_OPS_H */
