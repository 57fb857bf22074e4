# contracts.sh — sourced by tests/run.sh (uses its FPIPEC, TMP, ok, bad):
# fpipec verify, the purity audit of linked C files, and
# --diagnostics-format=json.  Every check here can fail: each runs a
# command and compares its exit code and output with what it must be.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# contracts"
V=tests/verify

# tests/warnings/: valid programs whose contract warnings are golden: check
# exits 0 and prints exactly the .err file (UPDATE_GOLDEN=1 rewrites them).
nwarn=0
for f in tests/warnings/*.fpipe; do
    n=${f%.fpipe}
    "$FPIPEC" check "$f" > "$TMP/out" 2> "$TMP/err"; rc=$?
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$TMP/err" "$n.err"; fi
    nwarn=$((nwarn + 1))
    if [ $rc -ne 0 ]; then bad "warnings: $f: exit $rc, want 0" "$TMP/err"; continue; fi
    if [ -s "$TMP/out" ] || ! grep -q ': warning: ' "$TMP/err"; then bad "warnings: $f: no warning on stderr, or output on stdout" "$TMP/err"; continue; fi
    if cmp -s "$n.err" "$TMP/err"; then ok "warnings: $(basename "$f")"; else
        diff -u "$n.err" "$TMP/err" > "$TMP/diff" 2>&1; bad "warnings: $(basename "$f")" "$TMP/diff"
    fi
done
[ $nwarn -ge 6 ] || bad "warnings: only $nwarn programs in tests/warnings"

# verify: lawful monoids (i64, tuples, non-commutative, f64 up to rounding)
# and pure C functions (plain and batch) pass.
"$FPIPEC" verify "$V/lawful.fpipe" > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 0 ] && grep -q '^verify tests/verify/lawful.fpipe: seed 1 ' "$TMP/v.out" &&
    grep -q '^ok - monoid biggest (line 5): identity, associative, commutative' "$TMP/v.out" &&
    grep -q '^ok - monoid affine (line 16): identity, associative (' "$TMP/v.out" &&
    grep -q '^ok - monoid total (line 21): .*up to f64 rounding' "$TMP/v.out" &&
    grep -q "warning: monoid 'total': associativity holds only up to f64 rounding" "$TMP/v.out" &&
    grep -q '^ok - extern weigh (line 26): deterministic' "$TMP/v.out" &&
    grep -q '^ok - extern tag_all (line 27): deterministic, any split of a batch' "$TMP/v.out" &&
    grep -q '^all 6 checked: every law holds up to f64 rounding (seed 1)$' "$TMP/v.out" &&
    ! grep -q 'error' "$TMP/v.out" &&
    ok "contracts: verify passes lawful monoids and pure C functions" ||
    bad "contracts: verify lawful.fpipe (rc=$rc)" "$TMP/v.out"

# verify: a pipeline with an f64 sum gets the laws of the runtime's exact
# accumulators (runtime/fsum.c); against a runtime whose merge is broken
# (fsum.c changed by sed, built into a copy of libfpipe.a) they fail.
"$FPIPEC" verify examples/weights.fpipe > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 0 ] && grep -q '^ok - the exact f64 sum (combine_per_key total, line 12): merges are associative, commutative and exact, inline and promoted (3000 trials per form, [0-9]* promoted)$' "$TMP/v.out" &&
    grep -q '^all 1 checked: every law holds (seed 1)$' "$TMP/v.out" &&
    ok "contracts: verify checks the exact f64 sum's merge laws (weights.fpipe)" ||
    bad "contracts: verify weights.fpipe (rc=$rc)" "$TMP/v.out"
VB=$TMP/vbroken
for mut in 'xsum@        fp_fsum_merge(big_of(dst), big_of(src));@        (void)0;   /* broken */@is not \(associative\|exact\)' \
           'fsum@    dst->flags |= s.flags;@    (void)s.flags;   /* broken */@is not exact'; do
    IFS='@' read -r form from to law <<< "$mut"
    rm -rf "$VB" && mkdir -p "$VB" && cp runtime/libfpipe.h runtime/fpipe.h "$B/libfpipe.a" "$VB/" &&
        sed "s/^$(printf '%s' "$from" | sed 's/[][\/.*&^$]/\\&/g')\$/$(printf '%s' "$to" | sed 's/[\/&]/\\&/g')/" \
            runtime/fsum.c > "$VB/fsum.c" || true
    if cmp -s runtime/fsum.c "$VB/fsum.c"; then bad "contracts: the broken $form merge: sed changed nothing"; continue; fi
    ${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -O1 -fopenmp ${FPIPE_CFLAGS:-} -Iruntime -c "$VB/fsum.c" -o "$VB/fsum.o" 2> "$TMP/v.out" &&
        (cd "$VB" && ar r libfpipe.a fsum.o) 2>> "$TMP/v.out" &&
        FPIPE_RUNTIME=$VB "$FPIPEC" verify examples/weights.fpipe > "$TMP/v.out" 2>&1; rc=$?
    [ $rc = 1 ] && grep -q "^examples/weights.fpipe:12:1: error: the exact f64 sum's merge (fp_$form, .*) $law" "$TMP/v.out" &&
        grep -q '^    counterexample: ' "$TMP/v.out" && grep -q '^1 law failed (seed 1' "$TMP/v.out" &&
        ok "contracts: verify finds a broken fp_$form merge (an error, a counterexample, exit 1)" ||
        bad "contracts: verify with a broken fp_$form merge (rc=$rc)" "$TMP/v.out"
done

# a - b declared associative: fails with a counterexample, exit 1.
"$FPIPEC" verify "$V/not_associative.fpipe" > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "^tests/verify/not_associative.fpipe:3:8: error: monoid 'diff' is not associative$" "$TMP/v.out" &&
    grep -A3 "is not associative" "$TMP/v.out" | grep -q 'counterexample: a = 0, b = 0, c = 1' &&
    grep -q 'combine(combine(a, b), c)  = -1' "$TMP/v.out" &&
    grep -q 'combine(a, combine(b, c))  = 1' "$TMP/v.out" &&
    grep -q "error: monoid 'diff' has no identity: combine(empty, a) != a" "$TMP/v.out" &&
    grep -q '^2 laws failed (seed 1; rerun with --seed 1)$' "$TMP/v.out" &&
    ok "contracts: verify finds that a - b is not associative (counterexample, exit 1)" ||
    bad "contracts: verify not_associative.fpipe (rc=$rc)" "$TMP/v.out"

# Falsely commutative.
"$FPIPEC" verify "$V/not_commutative.fpipe" > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "^tests/verify/not_commutative.fpipe:3:8: error: monoid 'first' is not commutative$" "$TMP/v.out" &&
    grep -A1 "is not commutative" "$TMP/v.out" | grep -q 'counterexample: a = (.*, true), b = (.*, true)' &&
    grep -q "hint: remove 'commutative'" "$TMP/v.out" &&
    ok "contracts: verify finds a falsely commutative monoid (counterexample, exit 1)" ||
    bad "contracts: verify not_commutative.fpipe (rc=$rc)" "$TMP/v.out"

# A C function with a static counter, a batch function that depends on the split.
"$FPIPEC" verify "$V/impure.fpipe" > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "^tests/verify/impure.fpipe:7:8: error: extern 'tick' is not deterministic: the same arguments gave different results$" "$TMP/v.out" &&
    grep -q '^    counterexample: tick("", 1)$' "$TMP/v.out" &&
    grep -q '^    first call:  -\?[0-9]*$' "$TMP/v.out" &&
    grep -q "^tests/verify/impure.fpipe:8:8: error: extern 'number' gives other results when a batch is split$" "$TMP/v.out" &&
    grep -q 'in its part: *Item { s: .*, n: 0 }' "$TMP/v.out" &&
    ok "contracts: verify finds a C function with state and a batch function that depends on the split" ||
    bad "contracts: verify impure.fpipe (rc=$rc)" "$TMP/v.out"

# The seed: printed, overridable, and the same seed gives the same report.
"$FPIPEC" verify "$V/impure.fpipe" --seed 42 > "$TMP/v1.out" 2>&1
"$FPIPEC" verify "$V/impure.fpipe" --seed 42 > "$TMP/v2.out" 2>&1
"$FPIPEC" verify "$V/impure.fpipe" --seed 43 > "$TMP/v3.out" 2>&1
grep -q '^verify tests/verify/impure.fpipe: seed 42 ' "$TMP/v1.out" && cmp -s "$TMP/v1.out" "$TMP/v2.out" &&
    ! cmp -s "$TMP/v1.out" "$TMP/v3.out" && grep -q 'rerun with --seed 42' "$TMP/v1.out" &&
    ok "contracts: verify --seed N is printed and reproduces the same counterexamples" ||
    bad "contracts: verify --seed" "$TMP/v1.out"
"$FPIPEC" verify "$V/impure.fpipe" --seed x > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q -- "--seed takes a number" "$TMP/v.out" && ok "contracts: verify --seed x exits 2" ||
    bad "contracts: verify --seed x (rc=$rc)" "$TMP/v.out"

# The examples' C functions pass; a pipeline without any has nothing to verify.
for f in examples/rag_ingest.fpipe examples/rag_chunks.fpipe; do
    "$FPIPEC" verify "$f" > "$TMP/v.out" 2>&1; rc=$?
    [ $rc = 0 ] && grep -q '^all 3 checked: every law holds (seed 1)$' "$TMP/v.out" &&
        ok "contracts: verify $(basename "$f"): the C functions are deterministic" ||
        bad "contracts: verify $f (rc=$rc)" "$TMP/v.out"
done
"$FPIPEC" verify examples/wordcount.fpipe > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 0 ] && grep -q 'nothing to verify' "$TMP/v.out" && ok "contracts: verify with nothing to verify exits 0" ||
    bad "contracts: verify wordcount (rc=$rc)" "$TMP/v.out"

# The purity audit also guards build and run (check is covered by
# tests/errors/audit_*.fpipe): no program is made.
rm -f "$TMP/audit_exe"
"$FPIPEC" build tests/errors/audit_effects.fpipe -o "$TMP/audit_exe" > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && [ ! -e "$TMP/audit_exe" ] && grep -q "extern 'shout' is not pure: .* calls 'printf' (I/O)" "$TMP/v.out" &&
    ok "contracts: build refuses a C function that calls printf" || bad "contracts: build audit (rc=$rc)" "$TMP/v.out"
"$FPIPEC" run tests/errors/audit_state.fpipe -- /dev/null > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "keeps mutable state in the static variable 'counter'" "$TMP/v.out" &&
    ok "contracts: run refuses a C function with a static counter" || bad "contracts: run audit (rc=$rc)" "$TMP/v.out"
# The same audit with clang, whose names for static locals differ.
if command -v clang > /dev/null; then
    CC=clang "$FPIPEC" check tests/errors/audit_state.fpipe > /dev/null 2> "$TMP/v.out"; rc=$?
    [ $rc = 1 ] && cmp -s "$TMP/v.out" tests/errors/audit_state.err &&
        ok "contracts: the audit reports the same with CC=clang" ||
        { diff tests/errors/audit_state.err "$TMP/v.out" > "$TMP/diff"; bad "contracts: audit with clang (rc=$rc)" "$TMP/diff"; }
fi

# --diagnostics-format=json: one object per diagnostic and line, with
# file, line, col, end, level, message, hints, notes; nothing else.
"$FPIPEC" check --diagnostics-format=json tests/errors/several_errors.fpipe > "$TMP/j.out" 2> "$TMP/j.err"; rc=$?
"$FPIPEC" check tests/errors/several_errors.fpipe 2> "$TMP/t.err"
ntext=$(grep -c -E '^[^ ].*:[0-9]+:[0-9]+: (error|warning):' "$TMP/t.err")
if [ $rc = 1 ] && [ ! -s "$TMP/j.out" ] && python3 - "$TMP/j.err" "$ntext" > "$TMP/v.out" 2>&1 <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == int(sys.argv[2]), (len(lines), sys.argv[2])
for l in lines:
    d = json.loads(l)
    assert set(d) == {"file", "line", "col", "end", "level", "message", "hints", "notes"}, d
    assert d["level"] in ("error", "warning") and d["file"] == "tests/errors/several_errors.fpipe"
    assert set(d["end"]) == {"line", "col"} and (d["end"]["line"], d["end"]["col"]) >= (d["line"], d["col"])
    for n in d["notes"]:
        assert set(n) == {"file", "line", "col", "end", "message"}, n
PY
then ok "contracts: --diagnostics-format=json gives one valid object per diagnostic ($ntext)"
else bad "contracts: --diagnostics-format=json (rc=$rc)" "$TMP/v.out"; fi
"$FPIPEC" check --diagnostics-format=json tests/errors/unknown_function.fpipe 2> "$TMP/j.err"
grep -qxF '{"file": "tests/errors/unknown_function.fpipe", "line": 3, "col": 17, "end": {"line": 3, "col": 24}, "level": "error", "message": "unknown function '"'split_w'"'", "hints": ["did you mean '"'split_ws'"'?"], "notes": []}' "$TMP/j.err" &&
    ok "contracts: json diagnostic of an unknown function, exactly" || bad "contracts: json unknown function" "$TMP/j.err"
"$FPIPEC" check --diagnostics-format=json tests/errors/declared_type_mismatch.fpipe 2> "$TMP/j.err"
grep -q '"notes": \[{"file": "tests/errors/declared_type_mismatch.fpipe", "line": 4, "col": 25, "end": {"line": 4, "col": 35}, "message": "this has type (str, i64)"}\]' "$TMP/j.err" &&
    ok "contracts: json diagnostics carry their notes" || bad "contracts: json notes" "$TMP/j.err"
"$FPIPEC" build --diagnostics-format=json tests/errors/audit_state.fpipe -o "$TMP/audit_exe" 2> "$TMP/j.err"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$TMP/j.err")" = 5 ] && python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/j.err" &&
    ok "contracts: build --diagnostics-format=json: the audit's errors as JSON" || bad "contracts: build json (rc=$rc)" "$TMP/j.err"
"$FPIPEC" check --diagnostics-format=xml examples/wordcount.fpipe > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 2 ] && ok "contracts: an unknown diagnostics format exits 2" || bad "contracts: --diagnostics-format=xml (rc=$rc)" "$TMP/v.out"

# A linked C file the compiler rejects: check says so (exit 1), build
# leaves it to the compiler's messages (exit 3).
mkdir -p "$TMP/cbad"
printf 'pipeline cbad\nlink "cbad.c"\nextern f(x: i64) -> i64 pure\nsource lines = text(input)\nmap n = f(len(lines))\nsink out = tsv(output)\n' > "$TMP/cbad/cbad.fpipe"
printf '#include "cbad.fpipe.h"\nint64_t f(fp_ctx *cx, int64_t x) { return x +; }\n' > "$TMP/cbad/cbad.c"
"$FPIPEC" check "$TMP/cbad/cbad.fpipe" > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "cbad.fpipe:2:6: error: the C compiler rejects '$TMP/cbad/cbad.c'" "$TMP/v.out" &&
    grep -q "cbad.c:2:.*error" "$TMP/v.out" &&
    ok "contracts: check reports a linked C file the compiler rejects, with its messages" || bad "contracts: check of a broken C file (rc=$rc)" "$TMP/v.out"
"$FPIPEC" build "$TMP/cbad/cbad.fpipe" -o "$TMP/cbad/exe" > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 3 ] && ! grep -q "rejects" "$TMP/v.out" && grep -q "the C compiler failed" "$TMP/v.out" &&
    ok "contracts: build of a broken C file: the compiler's messages, exit 3" || bad "contracts: build of a broken C file (rc=$rc)" "$TMP/v.out"

# A C function that crashes on some generated input: verify names it, exit 1.
mkdir -p "$TMP/vcrash"
printf 'pipeline vcrash\nlink "vcrash.c"\nextern first(s: str) -> i64 pure\nsource lines = text(input)\nmap n = first(lines)\nsink out = tsv(output)\n' > "$TMP/vcrash/vcrash.fpipe"
printf '#include "vcrash.fpipe.h"\n#include <stddef.h>\nint64_t first(fp_ctx *cx, fp_str s)\n{\n    (void)cx;\n    volatile const char *p = s.n ? s.p : NULL;   /* the empty string: NULL */\n    return p[0];\n}\n' > "$TMP/vcrash/vcrash.c"
"$FPIPEC" verify "$TMP/vcrash/vcrash.fpipe" > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "crashed" "$TMP/v.out" && ! grep -q "every law holds" "$TMP/v.out" &&
    ok "contracts: verify reports a C function that crashes on a generated input" || bad "contracts: verify crash (rc=$rc)" "$TMP/v.out"

# Every invalid program and every warning case: as many JSON objects as
# text diagnostics, each valid JSON with a level.
jbad=0; jn=0
for f in tests/errors/*.fpipe tests/warnings/*.fpipe; do
    "$FPIPEC" check --diagnostics-format=json "$f" > /dev/null 2> "$TMP/j.err"
    "$FPIPEC" check "$f" > /dev/null 2> "$TMP/t.err"
    want=$(grep -c -E '^[^ ].*:[0-9]+:[0-9]+: (error|warning):' "$TMP/t.err")
    jn=$((jn + 1))
    python3 - "$TMP/j.err" "$want" > /dev/null 2>&1 <<'PY' || { jbad=$((jbad + 1)); cp "$TMP/j.err" "$TMP/jbad.err"; echo "    json: $f" > "$TMP/jbad.txt"; }
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == int(sys.argv[2])
for l in lines:
    assert json.loads(l)["level"] in ("error", "warning")
PY
done
[ $jbad = 0 ] && ok "contracts: json diagnostics of all $jn test programs are valid, one per text diagnostic" ||
    bad "contracts: json diagnostics of $jbad of $jn programs" "$TMP/jbad.txt"

# explain's contracts for a declared, non-commutative monoid.
printf 'pipeline nc\nmonoid affine : (i64, i64) {\n    empty = (1, 0)\n    combine(f, g) = (f.0 * g.0, f.1 * g.0 + g.1)\n    associative\n}\nsource lines = text(input)\nmap kv = (lines, (len(lines), 1))\ncombine_per_key m = affine\nsink out = tsv(output)\n' > "$TMP/nc.fpipe"
"$FPIPEC" explain "$TMP/nc.fpipe" > "$TMP/v.out" 2>&1
grep -q '^  combine_per_key m: affine: associative (declared), not commutative: merged in partition order, which keeps input order' "$TMP/v.out" &&
    grep -q "^  determinism: the same bytes in every mode (any --threads, any --partition-size), given the declared monoids' laws$" "$TMP/v.out" &&
    ok "contracts: explain shows a declared monoid's laws and what determinism rests on" || bad "contracts: explain of a declared monoid" "$TMP/v.out"

# A batch function that returns fewer results than elements.
mkdir -p "$TMP/vcnt"
printf 'pipeline vcnt\nlink "vcnt.c"\nextern half(xs: [i64]) -> [i64] pure\nsource lines = text(input)\nmap n = len(lines)\nbatch_map h = half(n) max_batch 8\nsink out = tsv(output)\n' > "$TMP/vcnt/vcnt.fpipe"
printf '#include "vcnt.fpipe.h"\nlist_i64 half(fp_ctx *cx, list_i64 xs)\n{\n    (void)cx;\n    return (list_i64){xs.items, (xs.n + 1) / 2};\n}\n' > "$TMP/vcnt/vcnt.c"
"$FPIPEC" verify "$TMP/vcnt/vcnt.fpipe" > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "vcnt.fpipe:3:8: error: extern 'half' does not return one result per element" "$TMP/v.out" &&
    grep -q 'counterexample: a batch of [0-9]* gave [0-9]* results' "$TMP/v.out" &&
    ok "contracts: verify finds a batch function that returns too few results" || bad "contracts: verify result count (rc=$rc)" "$TMP/v.out"

# The same contracts on a YAML pipeline: the audit and the warnings.
mkdir -p "$TMP/yaml"
cp tests/errors/audit_state.c "$TMP/yaml/"
if "$FPIPEC" convert --to yaml tests/errors/audit_state.fpipe -o "$TMP/yaml/audit_state.yaml" 2> "$TMP/v.out"; then
    "$FPIPEC" check "$TMP/yaml/audit_state.yaml" > /dev/null 2> "$TMP/y.err"; rc=$?
    sed -n 's/^[^ ]*:[0-9]*:[0-9]*: error: //p' "$TMP/y.err" | sed "s|$TMP/yaml/|tests/errors/|" > "$TMP/y.msgs"
    sed -n 's/^[^ ]*:[0-9]*:[0-9]*: error: //p' tests/errors/audit_state.err > "$TMP/f.msgs"
    [ $rc = 1 ] && [ -s "$TMP/f.msgs" ] && cmp -s "$TMP/y.msgs" "$TMP/f.msgs" &&
        ok "contracts: the purity audit reports the same on the YAML form of a pipeline" ||
        { diff "$TMP/f.msgs" "$TMP/y.msgs" > "$TMP/diff"; bad "contracts: audit of a YAML pipeline (rc=$rc)" "$TMP/diff"; }
else bad "contracts: convert audit_state.fpipe to YAML" "$TMP/v.out"; fi
if "$FPIPEC" convert --to yaml tests/warnings/f64_sum.fpipe -o "$TMP/yaml/f64_sum.yaml" 2> "$TMP/v.out"; then
    "$FPIPEC" check "$TMP/yaml/f64_sum.yaml" > /dev/null 2> "$TMP/y.err"; rc=$?
    [ $rc = 0 ] && grep -q "warning: monoid 'total' does f64 arithmetic: associative only up to rounding" "$TMP/y.err" &&
        ! grep -q 'warning: \(sum\|mean\) of f64' "$TMP/y.err" &&
        ok "contracts: the f64 warnings on the YAML form of a pipeline" || bad "contracts: f64 warnings in YAML (rc=$rc)" "$TMP/y.err"
else bad "contracts: convert f64_sum.fpipe to YAML" "$TMP/v.out"; fi
