# fmt.sh — fpipec fmt (compiler/fmt.c): the canonical layout of .fpipe files.
#   - the examples are formatted (what CI checks: fpipec fmt --check examples/*.fpipe);
#   - tests/fmt/*.fpipe, written every way the grammar allows, format to
#     exactly their .want file (UPDATE_GOLDEN=1 rewrites them);
#   - every .fpipe file of the repository and the fuzz corpus either does not
#     parse (exit 1, the diagnostics of fpipec check) or formats, and then
#     fmt of fmt is the same text and `fpipec explain` of the formatted file
#     is the one of the original (the IR and plan; line numbers aside), or
#     for a file with errors the same messages;
#   - -i rewrites only what changes, keeps the mode, follows a symbolic link,
#     leaves a file that does not parse untouched; --check lists and exits 1;
#     '-' reads standard input; bad command lines exit 2.
# Sourced by tests/run.sh (uses its FPIPEC, TMP, ok, bad).

echo "# fmt"
F=$TMP/fmt
mkdir -p "$F"

if "$FPIPEC" fmt --check examples/*.fpipe > "$F/out" 2>&1; then
    ok "fmt: the examples are formatted (fpipec fmt --check examples/*.fpipe)"
else bad "fmt: examples not formatted (run: build/fpipec fmt -i examples/*.fpipe)" "$F/out"; fi

for f in tests/fmt/*.fpipe; do
    n=${f%.fpipe}
    "$FPIPEC" fmt "$f" > "$F/got" 2> "$F/err"
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$F/got" "$n.want"; fi
    if cmp -s "$n.want" "$F/got"; then ok "fmt: $(basename "$f") formats as $(basename "$n").want"
    else diff -u "$n.want" "$F/got" > "$F/diff" 2>&1; cat "$F/err" >> "$F/diff"; bad "fmt: $(basename "$f")" "$F/diff"; fi
done

# What explain says, without what formatting may move: line numbers and
# columns, the path, the source lines and carets of diagnostics.
explain_of() {
    "$FPIPEC" explain "$1" > "$F/ex.out" 2> "$F/ex.err"
    echo "exit $?"
    sed -E -e "s|$1|FILE|g" -e 's/line [0-9]+/line N/g' -e 's/:[0-9]+:[0-9]+:/:L:C:/g' \
        -e '/^ *[0-9]* \| /d' -e '/^ *\| /d' "$F/ex.out" "$F/ex.err"
}
nf=0 nparse=0 nbad=0
: > "$F/problems"
for f in $(find examples tests -name '*.fpipe' | sort) tests/fuzz/regress/parse/* tests/fuzz/regress/frontend/*; do
    nf=$((nf + 1))
    "$FPIPEC" fmt "$f" > "$F/a.fpipe" 2> "$F/a.err"
    rc=$?
    if [ $rc -eq 1 ]; then
        # It does not parse: the diagnostics are check's (and no output).
        "$FPIPEC" check "$f" > /dev/null 2> "$F/check.err"
        if [ -s "$F/a.fpipe" ] || ! cmp -s "$F/check.err" "$F/a.err"; then
            echo "$f: exit 1, but not with check's diagnostics" >> "$F/problems"; fi
        nparse=$((nparse + 1))
        continue
    elif [ $rc -ne 0 ]; then
        { echo "$f: exit $rc"; cat "$F/a.err"; } >> "$F/problems"; continue
    fi
    "$FPIPEC" fmt "$F/a.fpipe" > "$F/b.fpipe" 2>> "$F/problems"
    cmp -s "$F/a.fpipe" "$F/b.fpipe" || echo "$f: fmt of fmt differs" >> "$F/problems"
    g=$F/copy.fpipe   # (explain reads no linked file)
    cp "$F/a.fpipe" "$g"
    explain_of "$f" > "$F/ex.a"
    explain_of "$g" > "$F/ex.b"
    if ! cmp -s "$F/ex.a" "$F/ex.b"; then
        { echo "$f: explain differs after fmt"; diff "$F/ex.a" "$F/ex.b" | head -20; } >> "$F/problems"
        nbad=$((nbad + 1))
    fi
done
if [ -s "$F/problems" ]; then bad "fmt: every .fpipe file ($nf): formats idempotently, same meaning" "$F/problems"
elif [ $((nf - nparse)) -lt 100 ] || [ $nparse -lt 10 ]; then
    bad "fmt: too few files formatted ($((nf - nparse))) or rejected ($nparse)"
else ok "fmt: $((nf - nparse)) files: fmt of fmt unchanged, explain unchanged; $nparse that do not parse: check's errors"; fi

# The meaning check can fail: a file whose formatted copy lost an operator.
printf 'pipeline p\nsource lines = text(input)\nmap n = len(lines)\nsink out = tsv(output)\n' > "$F/m1.fpipe"
printf 'pipeline p\nsource lines = text(input)\nsink out = tsv(output)\n' > "$F/m2.fpipe"
if cmp -s <(explain_of "$F/m1.fpipe" | sed "s|$F/m1|X|") <(explain_of "$F/m2.fpipe" | sed "s|$F/m2|X|"); then
    bad "fmt: the explain comparison does not see a lost operator"
else ok "fmt: the explain comparison sees a lost operator"; fi

# -i: only what changes is rewritten, the mode is kept, a link followed.
printf 'pipeline p\nsource lines=text(input)   # in\nsink out=tsv(output)\n' > "$F/i1.fpipe"
chmod 640 "$F/i1.fpipe"
"$FPIPEC" fmt examples/wordcount.fpipe > "$F/i2.fpipe"
touch -d '2001-01-01' "$F/i2.fpipe"
ln -s i1.fpipe "$F/link.fpipe"
"$FPIPEC" fmt "$F/i1.fpipe" > "$F/i1.want"
if "$FPIPEC" fmt -i "$F/link.fpipe" "$F/i2.fpipe" > "$F/out" 2>&1 && [ ! -s "$F/out" ] &&
    cmp -s "$F/i1.want" "$F/i1.fpipe" && [ -L "$F/link.fpipe" ] &&
    [ "$(stat -c %a "$F/i1.fpipe")" = 640 ] && [ "$(stat -c %Y "$F/i2.fpipe")" = "$(date -d 2001-01-01 +%s)" ] &&
    [ -z "$(find "$F" -name '*.fmt-*')" ]; then
    ok "fmt: -i rewrites through a link, keeps the mode, leaves a formatted file untouched"
else bad "fmt: -i" "$F/out"; fi
# A file that does not parse: check's errors, exit 1, not one byte changed.
printf 'pipeline p\nsource lines = text(input)\nmap x = (1,\nsink out = tsv(output)\n' > "$F/broken.fpipe"
cp "$F/broken.fpipe" "$F/broken.orig"
"$FPIPEC" check "$F/broken.fpipe" > /dev/null 2> "$F/check.err"
"$FPIPEC" fmt -i "$F/broken.fpipe" > "$F/out" 2> "$F/err"
rc=$?
if [ $rc -eq 1 ] && cmp -s "$F/broken.orig" "$F/broken.fpipe" && cmp -s "$F/check.err" "$F/err" &&
    grep -q "error generated" "$F/err"; then
    ok "fmt: -i leaves a file that does not parse untouched, with check's errors and exit 1"
else bad "fmt: -i on a file that does not parse (rc $rc)" "$F/err"; fi
# --check: the files not formatted, exit 1; exit 0 when all are.
"$FPIPEC" fmt --check "$F/i1.fpipe" "$F/m1.fpipe" examples/wordcount.fpipe > "$F/out" 2> "$F/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(cat "$F/out")" = "$F/m1.fpipe" ]; then
    ok "fmt: --check lists the file that is not formatted and exits 1"
else bad "fmt: --check (rc $rc)" "$F/out"; fi
"$FPIPEC" fmt --check "$F/i1.fpipe" > "$F/out" 2>&1 && [ ! -s "$F/out" ] &&
    ok "fmt: --check exits 0 when every file is formatted" || bad "fmt: --check on a formatted file" "$F/out"
# Standard input; the same text as from the file.
if "$FPIPEC" fmt - < "$F/m1.fpipe" > "$F/out" 2>&1 && "$FPIPEC" fmt "$F/m1.fpipe" | cmp -s - "$F/out"; then
    ok "fmt: - reads standard input"
else bad "fmt: - (standard input)" "$F/out"; fi
# Bad command lines: exit 2 and a message.
for args in "" "--nosuch x.fpipe" "-i -" "-i --check x.fpipe" "examples/rag_ingest.yaml" "$F/nosuch.fpipe"; do
    # shellcheck disable=SC2086
    "$FPIPEC" fmt $args > "$F/out" 2> "$F/err" < /dev/null
    rc=$?
    if [ $rc -eq 2 ] && grep -q "fpipec: error:" "$F/err"; then ok "fmt: 'fmt $args' exits 2 with an error"
    else bad "fmt: 'fmt $args' (rc $rc, want 2)" "$F/err"; fi
done
"$FPIPEC" fmt --help > "$F/out" 2>&1 && grep -q -- '--check' "$F/out" &&
    ok "fmt: --help" || bad "fmt: --help" "$F/out"

# ---------------------------------------------------------------------------
# editor/: the committed files are what the compiler's tables give
# (scripts/gen-editor.c; make editor rewrites them).
GE=$(dirname "$FPIPEC")/gen-editor
for pair in "vim-syntax editor/vim/syntax/fpipe.vim" "vim-ftdetect editor/vim/ftdetect/fpipe.vim" \
    "vim-ftplugin editor/vim/ftplugin/fpipe.vim" "emacs editor/emacs/fpipe-mode.el"; do
    set -- $pair
    if "$GE" "$1" > "$F/ed" 2> "$F/ed.err" && cmp -s "$F/ed" "$2"; then
        ok "editor: $2 is what the tables give"
    else { diff -u "$2" "$F/ed"; cat "$F/ed.err"; } > "$F/diff" 2>&1
        bad "editor: $2 differs from what the tables give (make editor)" "$F/diff"; fi
done
# Read independently of the generator: every keyword rule of the lexer, and
# every operator, monoid and builtin row of ops.h, is highlighted.
{ grep -oE '^ *"[a-z_]+" +\{ kind = TK_' grammar/lexer.re | grep -oE '"[a-z_]+"'
  grep -oE '^ *X\([A-Z_0-9]+, +"[a-z_0-9]+"' compiler/ops.h | grep -oE '"[a-z_0-9]+"'
} | tr -d '"' | sort -u > "$F/words"
sed -n 's/^syn keyword [A-Za-z]* //p' editor/vim/syntax/fpipe.vim | tr ' ' '\n' | sort -u > "$F/vimwords"
missing=$(comm -23 "$F/words" "$F/vimwords" | tr '\n' ' ')
if [ "$(wc -l < "$F/words")" -ge 50 ] && [ -z "$missing" ] && grep -q '"split_ws"' editor/emacs/fpipe-mode.el &&
    grep -q '"combine_per_key"' editor/emacs/fpipe-mode.el; then
    ok "editor: every keyword of lexer.re and name of ops.h is highlighted ($(wc -l < "$F/words"))"
else bad "editor: not highlighted: $missing"; fi
# Vim loads the files without an error and highlights by them.
if command -v vim > /dev/null; then
    cat > "$F/probe.vim" <<'VIM'
call cursor(1, 1)
let s:op = search('^flatmap') > 0 ? synIDattr(synID(line('.'), 1, 1), 'name') : 'none'
let s:bi = search('split_ws') > 0 ? synIDattr(synID(line('.'), col('.'), 1), 'name') : 'none'
let s:cm = search('# one per word') > 0 ? synIDattr(synID(line('.'), col('.'), 1), 'name') : 'none'
call writefile([&filetype, get(b:, 'current_syntax', ''), s:op, s:bi, s:cm, &shiftwidth, v:errmsg], $PROBE_OUT)
VIM
    PROBE_OUT=$F/vim.out timeout 60 vim -Nu NONE -i NONE -es --cmd "set rtp^=$PWD/editor/vim" \
        -c 'filetype plugin on' -c 'syntax on' -c 'edit examples/wordcount.fpipe' \
        -c "source $F/probe.vim" -c 'qa!' < /dev/null > "$F/vim.log" 2>&1
    printf '%s\n' fpipe fpipe fpipeOperator fpipeBuiltin fpipeComment 4 '' > "$F/vim.want"
    if cmp -s "$F/vim.want" "$F/vim.out"; then ok "editor: vim detects, loads and highlights a .fpipe file"
    else { echo "want:"; cat "$F/vim.want"; echo "got:"; cat "$F/vim.out" "$F/vim.log"; } > "$F/diff" 2>&1
        bad "editor: vim and editor/vim" "$F/diff"; fi
else echo "skip - editor: vim is not installed"; fi
# Emacs: the mode byte-compiles without a warning, and indents every
# example and tests/fmt/*.want, with its indentation taken away, as fmt.
if command -v emacs > /dev/null; then
    cp editor/emacs/fpipe-mode.el "$F/"
    if timeout 120 emacs --batch -Q --eval '(setq byte-compile-error-on-warn t)' \
        -f batch-byte-compile "$F/fpipe-mode.el" > "$F/el.log" 2>&1; then
        ok "editor: fpipe-mode.el byte-compiles without a warning"
    else bad "editor: fpipe-mode.el does not byte-compile cleanly" "$F/el.log"; fi
    : > "$F/el.diff"
    for f in examples/*.fpipe tests/fmt/*.want tests/fsum/specials.fpipe; do
        sed 's/^ *//' "$f" > "$F/flat.fpipe"
        timeout 60 emacs --batch -Q -L "$F" -l fpipe-mode --eval "(progn (find-file \"$F/flat.fpipe\")
            (fpipe-mode) (indent-region (point-min) (point-max)) (write-region nil nil \"$F/el.out\"))" \
            > /dev/null 2>&1
        diff -u "$f" "$F/el.out" >> "$F/el.diff" 2>&1
    done
    if [ -s "$F/el.diff" ]; then bad "editor: fpipe-mode indents differently from fmt" "$F/el.diff"
    else ok "editor: fpipe-mode indents the examples and tests/fmt as fmt does"; fi
else echo "skip - editor: emacs is not installed (scripts/install-deps.sh installs emacs-nox)"; fi
