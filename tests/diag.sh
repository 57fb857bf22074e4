# diag.sh — diagnostics (compiler/diag.c, the parser's error paths):
#   - every keyword of grammar/lexer.re used where a name is expected says
#     it is a keyword (golden: tests/diag/keywords.err; the keyword list is
#     read from the lexer, so a new keyword cannot be missed);
#   - every golden diagnostic file is in source order, text and JSON, and
#     its summary line counts its warnings and errors;
#   - a 100 KB source line is clipped around the caret;
#   - --color=auto|always|never, NO_COLOR, on a terminal or not.
# Sourced by tests/run.sh (uses its FPIPEC, TMP, ok, bad).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# diag"
DG=$TMP/diag
mkdir -p "$DG"

# ---- keywords used as names ------------------------------------------------
kws=$(sed -n 's/^ *"\([a-z_]*\)" *{ kind = TK_[A-Z_]*; goto done; }.*/\1/p' grammar/lexer.re)
nkw=$(printf '%s\n' $kws | wc -l)
[ "$nkw" -ge 25 ] && ok "diag: $nkw keywords read from grammar/lexer.re" ||
    bad "diag: only $nkw keywords read from grammar/lexer.re (its rule format changed?)"
# Each place a name is written; KW stands for the keyword.
kw_places=(
    'map KW = lines'                                   # an operator's name
    'map a = let KW = 1 in lines'                      # a let binding
    'map a = lines.KW'                                 # a field
    'monoid m : i64 { combine(KW, b) = b }'           # a combine's parameter
    'type KW = { a: str }'                             # a type's name
    'type R = { a: str, KW: i64 }'                     # a record field
    'extern KW(s: str) -> i64 pure'                    # an extern's name
    'extern g(KW: str) -> i64 pure'                    # a parameter
    'monoid KW : i64 { empty = 0 }'                    # a monoid's name
)
: > "$DG/keywords.got"
kw_missing=0
for kw in $kws; do
    for place in "${kw_places[@]}"; do
        line=${place//KW/$kw}
        printf 'pipeline p\nsource lines = text(input)\n%s\nsink out = tsv(output)\n' "$line" > "$DG/kw.fpipe"
        "$FPIPEC" check "$DG/kw.fpipe" > /dev/null 2> "$DG/kw.err"
        { echo "== $line"; sed "s|$DG/||" "$DG/kw.err"; } >> "$DG/keywords.got"
        grep -q "^$DG/kw.fpipe:3:[0-9]*: error: '$kw' is a keyword and cannot be used as a name\$" "$DG/kw.err" ||
            { kw_missing=$((kw_missing + 1)); echo "  not said: $line" >> "$DG/kw.missing"; }
    done
done
[ $kw_missing = 0 ] && ok "diag: each of the $nkw keywords in ${#kw_places[@]} name places says it is a keyword" ||
    bad "diag: $kw_missing keyword uses do not say 'is a keyword'" "$DG/kw.missing"
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$DG/keywords.got" tests/diag/keywords.err; fi
if cmp -s tests/diag/keywords.err "$DG/keywords.got"; then ok "diag: keywords as names (golden)"
else diff -u tests/diag/keywords.err "$DG/keywords.got" > "$DG/diff"; bad "diag: keywords as names (golden)" "$DG/diff"; fi
# A new operator on the next line is still an incomplete operator, not a name.
printf 'pipeline p\nsource lines = text(input)\nmap x = f(lines,\nmap y = 1\nsink out = tsv(output)\n' > "$DG/kw2.fpipe"
"$FPIPEC" check "$DG/kw2.fpipe" > /dev/null 2> "$DG/kw2.err"
grep -q "3:10: error: '(' is never closed" "$DG/kw2.err" && ! grep -q "is a keyword" "$DG/kw2.err" &&
    ok "diag: an operator keyword on a new line is not taken for a name" || bad "diag: keyword on a new line" "$DG/kw2.err"

# ---- order and summary lines of every golden diagnostic file ------------
# (line, column) of each error and warning (notes and hints belong to the
# one before them) must not go down; the summary line must count them.
python3 - tests/errors/*.err tests/warnings/*.err tests/yaml/*.err > "$DG/order" 2>&1 <<'PY'
import re, sys
bad = 0
for path in sys.argv[1:]:
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    pos, nerr, nwarn = [], 0, 0
    for l in lines:
        m = re.match(r"^\S+?:(\d+):(\d+): (error|warning): ", l)
        if m:
            pos.append((int(m.group(1)), int(m.group(2))))
            nerr += m.group(3) == "error"
            nwarn += m.group(3) == "warning"
    if pos != sorted(pos):
        print(f"{path}: not in source order: {pos}"); bad += 1
    parts = []
    if nwarn: parts.append(f"{nwarn} warning{'s' if nwarn != 1 else ''}")
    if nerr: parts.append(f"{nerr} error{'s' if nerr != 1 else ''}")
    want = " and ".join(parts) + " generated." if parts else None
    last = lines[-1] if lines else None
    if "too many errors" in open(path).read():
        continue
    if want and last != want:
        print(f"{path}: last line {last!r}, want {want!r}"); bad += 1
print(f"checked {len(sys.argv) - 1} files, {bad} bad")
PY
grep -q ', 0 bad$' "$DG/order" && ok "diag: every golden diagnostic file is in source order, with its summary line" ||
    bad "diag: golden diagnostics out of order or miscounted" "$DG/order"
# JSON: the same diagnostics, in the same order (one python for all files).
jn=0
for f in tests/errors/*.fpipe tests/warnings/*.fpipe; do
    jn=$((jn + 1))
    "$FPIPEC" check --diagnostics-format json "$f" > /dev/null 2> "$DG/j.$jn.json"
    echo "$DG/j.$jn.json ${f%.fpipe}.err" >> "$DG/j.list"
done
python3 - "$DG/j.list" > "$DG/j.out" 2>&1 <<'PY'
import json, re, sys
bad = 0
for pair in open(sys.argv[1]).read().split("\n"):
    if not pair:
        continue
    jpath, tpath = pair.split(" ")
    pos = [(j["line"], j["col"]) for j in map(json.loads, open(jpath))]
    tpos = [tuple(int(x) for x in m.groups()) for m in
            (re.match(r"^\S+?:(\d+):(\d+): (?:error|warning): ", l) for l in open(tpath)) if m]
    if pos != sorted(pos) or pos != tpos:
        print(tpath, pos, tpos); bad += 1
print("bad", bad)
PY
grep -qx 'bad 0' "$DG/j.out" && ok "diag: --diagnostics-format json is sorted and matches the text ($jn files)" ||
    bad "diag: JSON diagnostics" "$DG/j.out"

# ---- a 100 KB line ------------------------------------------------------
python3 -c '
import sys
pad = "\"" + "x" * 50000 + "\""
sys.stdout.write("pipeline p\nsource lines = text(input)\nmap n = (" + pad + ", nosuchfn(lines), " + pad + ")\nsink out = tsv(output)\n")' > "$DG/long.fpipe"
"$FPIPEC" check "$DG/long.fpipe" > /dev/null 2> "$DG/long.err"; rc=$?
python3 - "$DG/long.err" > "$DG/long.check" 2>&1 <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
ctx = [l for l in lines if l.startswith("    3 | ")][0][len("    3 | "):]
caret = [l for l in lines if l.startswith("      | ")][0][len("      | "):]
ok = len(ctx) <= 122 and ctx.startswith("\u2026") and ctx.endswith("\u2026")
at = caret.index("^")
ok = ok and ctx[at:].startswith("nosuchfn(") and caret[at:] == "^" + "~" * (len("nosuchfn") - 1)
print("context", len(ctx), "columns, caret at", at, "->", ctx[at:at + 9], "ok" if ok else "BAD")
PY
[ $rc = 1 ] && grep -q "unknown function 'nosuchfn'" "$DG/long.err" && grep -q ' ok$' "$DG/long.check" &&
    ok "diag: a 100 KB line is clipped to 120 columns around the caret" || bad "diag: long line (rc=$rc)" "$DG/long.check"

# ---- colour ---------------------------------------------------------------
E=tests/errors/several_errors.fpipe
"$FPIPEC" check --color=always "$E" 2> "$DG/c.always" > /dev/null
"$FPIPEC" check --color never "$E" 2> "$DG/c.never" > /dev/null
NO_COLOR= "$FPIPEC" check "$E" 2> "$DG/c.auto" > /dev/null
esc=$(printf '\033')
grep -q "${esc}\[1;31merror:" "$DG/c.always" && grep -q "${esc}\[1;32m^" "$DG/c.always" &&
    cmp -s "$DG/c.never" "${E%.fpipe}.err" && cmp -s "$DG/c.auto" "${E%.fpipe}.err" &&
    ok "diag: --color=always colours errors and carets; never, and auto off a terminal, do not" ||
    bad "diag: --color" "$DG/c.always"
[ "$(sed "s/${esc}\[[0-9;]*m//g" "$DG/c.always")" = "$(cat "${E%.fpipe}.err")" ] &&
    ok "diag: --color=always adds colours and nothing else" || bad "diag: --color=always changes the text" "$DG/c.always"
"$FPIPEC" check --color=sometimes "$E" > "$DG/c.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "color takes auto, always or never, not 'sometimes'" "$DG/c.out" &&
    ok "diag: --color=sometimes is a usage error" || bad "diag: --color=sometimes (rc=$rc)" "$DG/c.out"
if command -v script > /dev/null; then
    (unset NO_COLOR; script -qec "'$FPIPEC' check '$E'" /dev/null < /dev/null > "$DG/tty.auto" 2>&1)
    NO_COLOR=1 script -qec "'$FPIPEC' check '$E'" /dev/null < /dev/null > "$DG/tty.nocolor" 2>&1
    (unset NO_COLOR; script -qec "'$FPIPEC' check --color=never '$E'" /dev/null < /dev/null > "$DG/tty.never" 2>&1)
    grep -q "${esc}\[1;31merror:" "$DG/tty.auto" && ! grep -q "$esc" "$DG/tty.nocolor" && ! grep -q "$esc" "$DG/tty.never" &&
        ok "diag: on a terminal colours by default, none with NO_COLOR or --color=never" ||
        bad "diag: colours on a terminal" "$DG/tty.auto"
fi
