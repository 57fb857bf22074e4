# docs.sh — docs/architecture.md and README's layout table name every
# source file there is, and no file that is not.
#   - docs/architecture.md names (as `NAME`) every file of grammar/,
#     compiler/ and runtime/; every file name it quotes exists (a path from
#     the top folder or from docs/, or a bare name in grammar/, compiler/,
#     runtime/ or docs/);
#   - README.md's Layout rows for grammar/, compiler/ and runtime/ name
#     every file of their folder, and only files of that folder.
# Both checks are also run on doctored copies, which they must reject.
# Sourced by tests/run.sh (uses its TMP, ok, bad).

echo "# docs"

# docs_arch_problems DOC ROOT: one line per problem of DOC, about ROOT's files.
docs_arch_problems() {
    local doc=$1 root=$2 f n
    for f in "$root"/grammar/* "$root"/compiler/* "$root"/runtime/*; do
        n=${f##*/}
        grep -qF "\`$n\`" "$doc" || echo "${doc##*/} does not name ${f#"$root"/}"
    done
    grep -oE '`[A-Za-z0-9_./-]+\.(c|h|cc|re|y|sh|py|md)`' "$doc" | tr -d '`' | sort -u |
    while IFS= read -r n; do
        case $n in
            */*) [ -e "$root/$n" ] || [ -e "$root/docs/$n" ] ||
                     echo "${doc##*/} names $n, which does not exist" ;;
            *) [ -e "$root/grammar/$n" ] || [ -e "$root/compiler/$n" ] ||
                   [ -e "$root/runtime/$n" ] || [ -e "$root/docs/$n" ] ||
                   echo "${doc##*/} names $n, which does not exist" ;;
        esac
    done
}

# docs_layout_problems README ROOT: the same for the Layout table's rows.
docs_layout_problems() {
    local readme=$1 root=$2 dir row f n
    for dir in grammar compiler runtime; do
        row=$(grep -E "^\| \`$dir/\` \|" "$readme")
        if [ -z "$row" ]; then echo "${readme##*/} has no Layout row for $dir/"; continue; fi
        for f in "$root/$dir"/*; do
            n=${f##*/}
            case $row in *"\`$n\`"*) ;; *) echo "${readme##*/}'s $dir/ row does not name $n" ;; esac
        done
        printf '%s\n' "$row" | grep -oE '`[A-Za-z0-9_.-]+\.(c|h|cc|re|y)`' | tr -d '`' |
        while IFS= read -r n; do
            [ -e "$root/$dir/$n" ] || echo "${readme##*/}'s $dir/ row names $n, not in $dir/"
        done
    done
}

D=$TMP/docs
mkdir -p "$D"
docs_arch_problems docs/architecture.md . > "$D/arch"
if [ -s "$D/arch" ]; then bad "docs: architecture.md names every source file, and only real ones" "$D/arch"
else ok "docs: architecture.md names every source file, and only real ones"; fi
docs_layout_problems README.md . > "$D/layout"
if [ -s "$D/layout" ]; then bad "docs: README's layout rows name every source file, and only real ones" "$D/layout"
else ok "docs: README's layout rows name every source file, and only real ones"; fi

# The checks can fail: a file left out, a file that does not exist.
sed 's/`ktab\.c`/the table/g' docs/architecture.md > "$D/missing.md"
printf '\nSee `runtime/nosuch.c` and `gone.h`.\n' >> "$D/missing.md"
docs_arch_problems "$D/missing.md" . > "$D/out"
if grep -qx 'missing.md does not name runtime/ktab.c' "$D/out" &&
    grep -qx 'missing.md names runtime/nosuch.c, which does not exist' "$D/out" &&
    grep -qx 'missing.md names gone.h, which does not exist' "$D/out" && [ "$(wc -l < "$D/out")" -eq 3 ]; then
    ok "docs: a file left out of architecture.md, and one that does not exist, are reported"
else bad "docs: doctored architecture.md not rejected as it should be" "$D/out"; fi
sed -e '/^| `compiler\/` |/s/`plan\.c` (fusion)/`planner.c`/' README.md > "$D/README.md"
docs_layout_problems "$D/README.md" . > "$D/out"
if grep -qx "README.md's compiler/ row does not name plan.c" "$D/out" &&
    grep -qx "README.md's compiler/ row names planner.c, not in compiler/" "$D/out" &&
    [ "$(wc -l < "$D/out")" -eq 2 ]; then
    ok "docs: a layout row that leaves out a file and names a missing one is reported"
else bad "docs: doctored README layout not rejected as it should be" "$D/out"; fi
