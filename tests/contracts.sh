# contracts.sh — sourced by tests/run.sh (uses its FPIPEC, TMP, ok, bad):
# fpipec verify, the purity audit of linked C files, and
# --diagnostics-format=json.  Every check here can fail: each runs a
# command and compares its exit code and output with what it must be.

echo "# contracts"
V=tests/verify

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
    grep -q '^    counterexample: tick(".*", -\?[0-9]*)$' "$TMP/v.out" &&
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
[ $rc = 1 ] && [ "$(wc -l < "$TMP/j.err")" = 3 ] && python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/j.err" &&
    ok "contracts: build --diagnostics-format=json: the audit's errors as JSON" || bad "contracts: build json (rc=$rc)" "$TMP/j.err"
"$FPIPEC" check --diagnostics-format=xml examples/wordcount.fpipe > "$TMP/v.out" 2>&1; rc=$?
[ $rc = 2 ] && ok "contracts: an unknown diagnostics format exits 2" || bad "contracts: --diagnostics-format=xml (rc=$rc)" "$TMP/v.out"
