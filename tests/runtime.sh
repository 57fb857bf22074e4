# runtime.sh — the runtime's semantics (issue 5): on_error collect, --stats.
# Sourced by tests/run.sh (uses its FPIPEC, TMP, ok, bad, same).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# runtime"
R=$TMP/rt
mkdir -p "$R"
for p in collect collect_keyed collect_mixed; do
    "$FPIPEC" build tests/runtime/$p.fpipe -o "$R/$p" > "$R/build.err" 2>&1 ||
        bad "runtime: build $p" "$R/build.err"
done

for p in collect collect_keyed; do
    for cc in gcc clang; do
        command -v $cc > /dev/null || continue
        "$FPIPEC" emit-c tests/runtime/$p.fpipe > "$R/$p.c" &&
            $cc -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic -fopenmp -Iruntime -c "$R/$p.c" -o "$R/$p.o" 2> "$R/cc.err" &&
            ok "runtime: generated C of $p compiles warning-free with $cc" || bad "runtime: generated C of $p with $cc" "$R/cc.err"
    done
done

# Injected bad records: a value that is not an integer, one with quotes and
# backslashes, a line without a tab, a negative value (fail()), empty lines.
awk 'BEGIN {
    for (i = 1; i <= 6000; i++) {
        if (i % 7 == 0) printf "k%d\tx%d\n", i, i
        else if (i % 11 == 0) printf "q\"%d\\z\tbad\n", i
        else if (i % 13 == 0) printf "nodelim%d\n", i
        else if (i % 17 == 0) printf "k%d\t-%d\n", i, i
        else if (i % 500 == 0) printf "\n"
        else printf "k%d\t%d\n", i, i % 50
    }
    printf "last\tno-newline" }' > "$R/in.txt"
# The references, from the data: what a line is decides where it goes.
awk -v loc="tests/runtime/collect.fpipe:4:1" -v inp="$R/in.txt" '
    function js(s,   o, i, c) { o = ""; for (i = 1; i <= length(s); i++) { c = substr(s, i, 1)
          o = o (c == "\\" ? "\\\\" : c == "\"" ? "\\\"" : c == "\t" ? "\\t" : c) }
      return "\"" o "\"" }
    function err(m) { printf "{\"operator\":\"kv\",\"location\":%s,\"message\":%s,\"input\":%s,\"line\":%d,\"offset\":%d,\"record\":%s}\n", js(loc), js(m), js(inp), NR, off, js($0) > "/dev/stderr" }
    { n = split($0, f, "\t")
      if (n < 2) err("field 1 of 1")
      else if (f[2] !~ /^[+-]?[0-9]+$/) err("parse_i64: not an integer")
      else if (f[2] + 0 < 0) err("a negative \"n\"")
      else if (f[2] + 0 >= 10) printf "%s\t%d\n", f[1], f[2]
      off += length($0) + 1 }' "$R/in.txt" > "$R/ref.out" 2> "$R/ref.err"
[ "$(wc -l < "$R/ref.err")" -gt 1000 ] || bad "runtime: the collect reference has too few errors"
good=1
for p in 4194304 1024 61; do
    for t in 1 2 4; do
        rm -f "$R/o.tsv" "$R/o.tsv.errors.jsonl"
        "$R/collect" --threads $t --partition-size $p -o "$R/o.tsv" "$R/in.txt" 2> "$R/run.err" ||
            { bad "runtime: collect --threads $t --partition-size $p failed" "$R/run.err"; good=0; break 2; }
        if ! cmp -s "$R/ref.out" "$R/o.tsv" || ! cmp -s "$R/ref.err" "$R/o.tsv.errors.jsonl"; then
            diff "$R/ref.err" "$R/o.tsv.errors.jsonl" > "$R/diff" 2>&1
            bad "runtime: collect output or errors differ at --threads $t --partition-size $p" "$R/diff"
            good=0; break 2
        fi
    done
done
[ $good = 1 ] && ok "runtime: collect writes the output and the exact error lines (threads 1/2/4 x 4M/1K/61)"
nerr=$(wc -l < "$R/ref.err")
grep -qx "collect: operator 'kv' (tests/runtime/collect.fpipe:4:1) collected $nerr elements into '$R/o.tsv.errors.jsonl' (on_error collect)" "$R/run.err" &&
    ok "runtime: collect prints how many it collected, and where" || bad "runtime: collect count message" "$R/run.err"
# --errors PATH, also for standard output; without it and without -o: usage.
"$R/collect" --errors "$R/e.jsonl" "$R/in.txt" > "$R/stdout.tsv" 2> /dev/null &&
    cmp -s "$R/e.jsonl" "$R/ref.err" && cmp -s "$R/stdout.tsv" "$R/ref.out" &&
    ok "runtime: --errors PATH names the error file" || bad "runtime: --errors PATH"
"$R/collect" "$R/in.txt" > "$R/stdout.tsv" 2> "$R/run.err"; rc=$?
[ $rc = 2 ] && [ ! -s "$R/stdout.tsv" ] && grep -q "on_error collect needs an error file: give --errors PATH" "$R/run.err" &&
    ok "runtime: collect to standard output without --errors is a usage error" || bad "runtime: collect without an error file (rc=$rc)" "$R/run.err"
"$R/collect" -o "$R/same" --errors "$R/same" "$R/in.txt" > /dev/null 2> "$R/run.err"; rc=$?
[ $rc = 2 ] && [ ! -e "$R/same" ] && ok "runtime: the error file cannot be the output" || bad "runtime: errors = output (rc=$rc)" "$R/run.err"
# No errors: the error file is written, empty (a stale one is replaced).
printf 'a\t10\n' > "$R/clean.txt"; echo stale > "$R/c.tsv.errors.jsonl"
"$R/collect" -o "$R/c.tsv" "$R/clean.txt" 2> "$R/run.err" && [ -e "$R/c.tsv.errors.jsonl" ] && [ ! -s "$R/c.tsv.errors.jsonl" ] && [ ! -s "$R/run.err" ] &&
    ok "runtime: a run without errors writes an empty error file, silently" || bad "runtime: empty error file" "$R/run.err"

# After a combine: in key order, without an input record; the path from the .fpipe.
awk 'BEGIN { for (j = 0; j < 70000; j++) for (r = 0; r <= j % 5; r++) printf "key%06d\n", (j * 7919) % 70000 }' > "$R/keys.txt"
sort "$R/keys.txt" | uniq -c | awk '{ if ($1 == 3) printf "{\"operator\":\"inv\",\"location\":\"tests/runtime/collect_keyed.fpipe:6:1\",\"message\":\"division by zero\",\"input\":null,\"line\":null,\"offset\":null,\"record\":null}\n" > "/dev/stderr"; else printf "%s\t%d\n", $2, int(100 / ($1 - 3)) }' > "$R/kref.out" 2> "$R/kref.err"
good=1
for t in 1 2 4; do
    rm -f "$R/keyed.errors.jsonl"
    (cd "$R" && ./collect_keyed --threads $t -o k.tsv keys.txt 2> run.err) || { bad "runtime: collect_keyed --threads $t failed" "$R/run.err"; good=0; break; }
    cmp -s "$R/kref.out" "$R/k.tsv" && cmp -s "$R/kref.err" "$R/keyed.errors.jsonl" || { bad "runtime: collect after a combine, --threads $t"; good=0; break; }
done
[ $good = 1 ] && ok "runtime: collect after a combine, the .fpipe's error file (threads 1/2/4)"

# fail_fast in the same run: no output, no error file; earlier ones untouched.
printf '1\nx\n0\n' > "$R/mixed.txt"; echo previous > "$R/m.tsv"; echo previous > "$R/m.tsv.errors.jsonl"
"$R/collect_mixed" -o "$R/m.tsv" "$R/mixed.txt" 2> "$R/run.err"; rc=$?
[ $rc = 4 ] && [ "$(cat "$R/m.tsv")" = previous ] && [ "$(cat "$R/m.tsv.errors.jsonl")" = previous ] &&
    [ -z "$(ls -A "$R" | grep fpipe-)" ] &&
    ok "runtime: a fail_fast failure writes neither output nor error file" || bad "runtime: collect + fail_fast (rc=$rc)" "$R/run.err"

# --stats: the counts against a reference computed from the input, the
# reconciliation (in = out + filtered + dropped + collected; a flatmap's in =
# expanded + dropped + collected; in = the previous out), identical for
# threads 1/2/4 and partition sizes.
"$FPIPEC" build tests/runtime/stats.fpipe -o "$R/stats" > "$R/build.err" 2>&1 || bad "runtime: build stats" "$R/build.err"
awk 'BEGIN { srand(5); for (i = 0; i < 20000; i++) { n = int(rand() * 6); s = ""
        for (j = 0; j < n; j++) { r = rand(); v = int(rand() * 3000) - 500
            s = s (j ? "," : "") (r < 0.1 ? "x" v : r < 0.15 ? "" : r < 0.17 ? v " " : v) }
        print s }
    printf "7,8,no-newline" }' > "$R/st.txt"
good=1
for p in 4194304 1024 61; do
    for t in 1 2 4; do
        "$R/stats" --stats=json --errors "$R/st.err" --threads $t --partition-size $p -o "$R/st.out" "$R/st.txt" 2> "$R/st.stderr" ||
            { bad "runtime: stats --threads $t --partition-size $p failed" "$R/st.stderr"; good=0; break 2; }
        grep '^{"pipeline"' "$R/st.stderr" > "$R/st.json"
        # Counts only: no times, memory, or the hot-key sketch's bounds
        # (they depend on how the records met the sketches).
        sed -e 's/"threads":[0-9]*,"seconds":{[^}]*},"memory":{[^}]*}//' \
            -e 's/,"seconds":\([0-9.]*\|null\)//g' -e 's/"records_min":[^}]*}/}/g' "$R/st.json" > "$R/st.counts.$t.$p"
        if ! cmp -s "$R/st.counts.1.4194304" "$R/st.counts.$t.$p"; then
            bad "runtime: --stats counts differ at --threads $t --partition-size $p"; good=0; break 2
        fi
    done
done
[ $good = 1 ] && ok "runtime: --stats=json counts identical for threads 1/2/4 x 4M/1K/61"
# The tables' hash seed changes no output byte (keys are sorted): the word
# count of the Zipf corpus under two fixed seeds and a random one
# (FPIPE_HASH_SEED unset), at 1 and 4 threads.
FPIPE_HASH_SEED=7 "$TMP/bin/wordcount" --threads 1 -o "$R/sd.1" "$IN/zipf.txt" 2> /dev/null
FPIPE_HASH_SEED=0x5eed "$TMP/bin/wordcount" --threads 4 --partition-size 1024 -o "$R/sd.2" "$IN/zipf.txt" 2> /dev/null
env -u FPIPE_HASH_SEED "$TMP/bin/wordcount" --threads 4 --partition-size 61 -o "$R/sd.3" "$IN/zipf.txt" 2> /dev/null
[ "$(wc -l < "$R/sd.1")" -gt 1000 ] && cmp -s "$R/sd.1" "$R/sd.2" && cmp -s "$R/sd.1" "$R/sd.3" &&
    ok "runtime: word counts identical under hash seeds 7, 0x5eed and a random one" ||
    bad "runtime: output depends on the hash seed"
if python3 tests/runtime/stats_ref.py "$R/st.txt" "$R/st.json" > "$R/st.check" 2>&1 &&
    [ "$(wc -l < "$R/st.out")" = "$(grep -o '"name":"out","kind":"sink","location":"[^"]*","in":[0-9]*,"out":[0-9]*' "$R/st.json" | sed 's/.*"out"://')" ] &&
    [ "$(wc -l < "$R/st.err")" = "$(grep -o '"name":"kv",[^}]*' "$R/st.json" | sed 's/.*"collected"://')" ]; then
    ok "runtime: --stats counts match a reference from the input, and reconcile"
else bad "runtime: --stats counts vs reference" "$R/st.check"; fi
# The table: exact text of the count columns (one thread: the hot-key
# sketch's bounds are then the same in both runs).
"$R/stats" --stats=json --threads 1 --errors "$R/st.err" -o "$R/st.out" "$R/st.txt" 2> "$R/st.stderr"
grep '^{"pipeline"' "$R/st.stderr" > "$R/st.json"
"$R/stats" --stats --threads 1 --errors "$R/st.err" -o "$R/st.out" "$R/st.txt" 2> "$R/st.stderr"
python3 - "$R/st.json" > "$R/st.table.ref" <<'PYEOF'
import json, sys
st = json.load(open(sys.argv[1]))
w = max(8, max(len(o['name']) for o in st['operators']))
print('  %-*s %-15s %12s %12s %12s %12s %12s' % (w, 'operator', 'kind', 'in', 'out', 'filtered', 'dropped', 'collected'))
notes = {'source': 'in: the lines read', 'combine_per_key': 'out: distinct keys', 'sink': 'out: rows written'}
for o in st['operators']:
    n = notes.get(o['kind'], '')
    if o['kind'] == 'flatmap':
        n = 'fan-out: %d items from %d elements (%.2f each)' % (o['out'], o['expanded'], o['out'] / o['expanded'])
    print(('  %-*s %-15s %12d %12d %12d %12d %12d' % (w, o['name'], o['kind'], o['in'], o['out'], o['filtered'], o['dropped'], o['collected'])) + ('  ' + n if n else ''))
h = st['hot_keys']   # the combine_per_key's: its records, and the keys with >= 10%
assert h['records'] == [o for o in st['operators'] if o['name'] == h['operator']][0]['in']
print('  hot keys of %s (>= 10%% of its %d records):%s' % (h['operator'], h['records'], '' if h['keys'] else ' none'))
for k in h['keys']:
    print('    %s  %d to %d records (%.1f%% to %.1f%%)' % (json.dumps(k['key']), k['records_min'], k['records_max'],
          100.0 * k['records_min'] / h['records'], 100.0 * k['records_max'] / h['records']))
PYEOF
# The time column (sampled, never the same twice) is checked for its form
# and taken out (python below) before the comparison.
grep -A100 '^stats: pipeline stats (tests/runtime/stats.fpipe), ' "$R/st.stderr" | tail -n +2 |
    python3 -c 'import re, sys
lines = sys.stdin.read().splitlines()
hot = [i for i, l in enumerate(lines) if l.startswith("  hot keys")]
ops = lines[:hot[0]] if hot else lines   # the operators; the hot keys follow
w = max(8, max(len(l.split()[0]) for l in ops[1:]))
at = 2 + w + 1 + 15 + 5 * 13   # where " %9s" of the time starts
for l in ops:
    t = l[at:at + 10]
    if not re.fullmatch(r" +(time|[0-9]+\.[0-9]{3} s|-)", t):
        print("bad time column: %r" % t)
    print(l[:at] + l[at + 10:])
for l in lines[len(ops):]:
    print(l)' > "$R/st.table"
same "runtime: --stats prints the table on stderr" "$R/st.table.ref" "$R/st.table"
"$R/stats" --errors "$R/st.err" -o "$R/st.out" "$R/st.txt" 2> "$R/st.stderr"
grep -q '^stats: pipeline' "$R/st.stderr" && bad "runtime: stats printed without --stats" "$R/st.stderr" || ok "runtime: no stats without --stats"
# The collect pipeline's counts reconcile with its error file.
"$R/collect" --stats=json -o "$R/o.tsv" "$R/in.txt" 2> "$R/run.err"
[ "$(grep '^{"pipeline"' "$R/run.err" | grep -o '"name":"kv",[^}]*' | sed 's/.*"collected"://')" = "$(wc -l < "$R/ref.err")" ] &&
    [ "$(grep '^{"pipeline"' "$R/run.err" | grep -o '"name":"lines",[^}]*' | sed 's/.*"in":\([0-9]*\).*/\1/')" = "$(awk 'END { print NR }' "$R/in.txt")" ] &&
    ok "runtime: --stats of collect: collected = the error file's lines, in = the input's lines" || bad "runtime: --stats of collect" "$R/run.err"

# --config FILE (libyaml): every key, the command line overriding it, and
# an error at FILE:LINE:COL for every kind of mistake.
C=$R/cfg
mkdir -p "$C"
cat > "$C/run.yaml" <<'YEOF'
# a full run configuration
threads: 2
partition_size: 61
inputs:
  - in.txt
  - "in.txt"
output: cfg.tsv
errors: "cfg errors.jsonl"
progress: false
stats: json
YEOF
cp "$R/in.txt" "$C/in.txt"
(cd "$C" && "$R/collect" --threads 1 -o ref.tsv --errors ref.err in.txt in.txt 2> /dev/null)
(cd "$C" && "$R/collect" --config run.yaml 2> cfg.stderr) &&
    cmp -s "$C/ref.tsv" "$C/cfg.tsv" && cmp -s "$C/ref.err" "$C/cfg errors.jsonl" &&
    grep -q '^{"pipeline":"collect","threads":2,' "$C/cfg.stderr" &&
    ok "runtime: --config sets threads, partition_size, inputs, output, errors, stats" || bad "runtime: --config" "$C/cfg.stderr"
cp "$R/clean.txt" "$C/clean.txt"
(cd "$C" && "$R/collect" --threads 1 -o other.tsv --errors other.err --stats --config run.yaml clean.txt 2> cfg.stderr) &&
    [ "$(cat "$C/other.tsv")" = "$(printf 'a\t10')" ] && [ -e "$C/other.err" ] &&
    grep -q '^stats: pipeline collect (tests/runtime/collect.fpipe), 1 thread,' "$C/cfg.stderr" &&
    ok "runtime: the command line overrides --config (inputs, -o, --errors, --threads, --stats)" || bad "runtime: --config overrides" "$C/cfg.stderr"
# cfg_error NAME YAML EXPECTED: --config with YAML exits 2 with EXPECTED
# (after "collect: ") and touches no output.
cfg_error() {
    printf '%b' "$2" > "$C/bad.yaml"
    rm -f "$C/never.tsv"
    (cd "$C" && "$R/collect" --config bad.yaml -o never.tsv in.txt > /dev/null 2> bad.stderr); local rc=$?
    if [ $rc = 2 ] && [ "$(cat "$C/bad.stderr")" = "collect: $3" ] && [ ! -e "$C/never.tsv" ]; then
        ok "runtime: --config $1"
    else
        echo "want: collect: $3" >> "$C/bad.stderr"; bad "runtime: --config $1 (rc=$rc)" "$C/bad.stderr"
    fi
}
cfg_error "unknown key" 'threads: 2\n# typo:\nthred: 1\n' "bad.yaml:3:1: error: unknown key 'thred' (the keys are threads, partition_size, inputs, output, errors, progress, stats, checkpoint_dir, operators and params)"
cfg_error "quoted number" 'threads: "2"\n' "bad.yaml:1:10: error: 'threads' wants an integer from 1 to 4096, not the string '2'"
cfg_error "threads out of range" 'threads: 5000\n' "bad.yaml:1:10: error: 'threads' wants an integer from 1 to 4096, not '5000'"
cfg_error "partition_size zero" 'output: x\npartition_size:   0\n' "bad.yaml:2:19: error: 'partition_size' wants a positive integer, not '0'"
cfg_error "partition_size a list" 'partition_size: [1]\n' "bad.yaml:1:17: error: 'partition_size' wants a positive integer, not a list"
cfg_error "inputs a mapping" 'inputs: {a: 1}\n' "bad.yaml:1:9: error: 'inputs' wants a list of paths, not a mapping"
cfg_error "an input a list" 'inputs:\n  - a.txt\n  - [b.txt]\n' "bad.yaml:3:5: error: 'inputs' wants a path, not a list"
cfg_error "output null" 'output: ~\n' "bad.yaml:1:9: error: 'output' wants a path, not null"
cfg_error "errors empty" 'errors: ""\n' "bad.yaml:1:9: error: 'errors' wants a path, not an empty string"
cfg_error "progress not a bool" 'progress: yes\n' "bad.yaml:1:11: error: 'progress' wants true or false, not 'yes'"
cfg_error "stats unknown" 'stats: xml\n' "bad.yaml:1:8: error: 'stats' wants true, false, table or json, not 'xml'"
cfg_error "duplicate key" 'output: a\noutput: b\n' "bad.yaml:2:1: error: 'output' is given twice"
cfg_error "not a mapping" '- threads\n' "bad.yaml:1:1: error: a run configuration is a mapping of keys (threads, ...), not a list"
cfg_error "invalid YAML" 'threads: 2\n  thread: 3\n' "bad.yaml:2:9: error: not valid YAML: mapping values are not allowed in this context"
# issue 19: an escaped NUL would cut a path or a name; a second document
# was ignored; 100,000 '[' took libyaml minutes (a 2 MiB file is no
# configuration either; the timeout only catches a regression).
cfg_error "a NUL in a path" 'output: "a\\0b"\n' "bad.yaml:1:9: error: a NUL byte (\\0) in a value: keys, names and paths hold none"
cfg_error "a NUL in an operator name" 'operators:\n  "en\\0try": {retry: 2}\n' "bad.yaml:2:3: error: a NUL byte (\\0) in a value: keys, names and paths hold none"
cfg_error "a second document" 'threads: 2\n---\nthreads: 3\n' "bad.yaml:2:1: error: a second YAML document: a configuration is one"
awk 'BEGIN { printf "threads: "; for (i = 0; i < 100000; i++) printf "["; print "" }' > "$C/deep.yaml"
(cd "$C" && timeout 60 "$R/collect" --config deep.yaml -o never.tsv in.txt > /dev/null 2> bad.stderr); rc=$?
[ $rc = 2 ] && [ "$(cat "$C/bad.stderr")" = "collect: deep.yaml:1:73: error: nested deeper than 64 lists and mappings (a configuration nests 3 deep)" ] &&
    ok "runtime: --config 100,000 '[' deep: refused at depth 65, located" || bad "runtime: --config deep (rc=$rc)" "$C/bad.stderr"
head -c 1048577 /dev/zero | tr '\0' '#' > "$C/huge.yaml"
(cd "$C" && "$R/collect" --config huge.yaml -o never.tsv in.txt > /dev/null 2> bad.stderr); rc=$?
[ $rc = 2 ] && [ "$(cat "$C/bad.stderr")" = "collect: error: the configuration 'huge.yaml' is over 1024 KiB: not a configuration" ] &&
    ok "runtime: a --config over 1 MiB is refused" || bad "runtime: --config over 1 MiB (rc=$rc)" "$C/bad.stderr"
(cd "$C" && "$R/collect" --config none.yaml in.txt > /dev/null 2> bad.stderr); rc=$?
[ $rc = 2 ] && [ "$(cat "$C/bad.stderr")" = "collect: error: cannot open the configuration 'none.yaml': No such file or directory" ] &&
    ok "runtime: --config of a missing file exits 2" || bad "runtime: --config missing file (rc=$rc)" "$C/bad.stderr"
printf '# nothing\n' > "$C/empty.yaml"
(cd "$C" && "$R/collect" --config empty.yaml -o e.tsv clean.txt 2> bad.stderr) && [ "$(cat "$C/e.tsv")" = "$(printf 'a\t10')" ] &&
    ok "runtime: an empty --config sets nothing" || bad "runtime: empty --config" "$C/bad.stderr"

# The progress line: forced with --progress (or progress: true), never on a
# non-terminal otherwise; on a terminal (a pty from script(1)) by default,
# and not with --no-progress.
P=$R/prog
mkdir -p "$P"
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "a%d\t%d\n", i % 100, i % 50 }' > "$P/in.txt"
mb=$(wc -c < "$P/in.txt" | awk '{ printf "%.1f", $1 / 1e6 }')
"$R/collect" --progress --partition-size 65536 -o "$P/o.tsv" "$P/in.txt" 2> "$P/err"
# The last update, after the last carriage return: the whole input.
tr '\r' '\n' < "$P/err" | grep -v '^$' | tail -1 > "$P/last"
if grep -Eqx "collect: $mb/$mb MB \(100%\), [0-9.]+[kMG]? records/s, done in [0-9.]+s" "$P/last" &&
    [ "$(head -c 1 "$P/err")" = $'\r' ] && [ "$(tail -c 1 "$P/err" | od -An -c | tr -d ' ')" = '\n' ] &&
    ! grep -q $'\033' "$P/err"; then
    ok "runtime: --progress on a non-terminal: carriage-return updates, the last at 100%, a newline"
else bad "runtime: --progress forced" "$P/err"; fi
"$R/collect" --partition-size 65536 -o "$P/o.tsv" "$P/in.txt" 2> "$P/err"
[ ! -s "$P/err" ] && ok "runtime: no progress line on a non-terminal" || bad "runtime: progress on a non-terminal" "$P/err"
printf 'progress: true\n' > "$P/p.yaml"
"$R/collect" --config "$P/p.yaml" -o "$P/o.tsv" "$P/in.txt" 2> "$P/err"
grep -q "^.collect: $mb/$mb MB (100%)" "$P/err" && ok "runtime: progress: true in --config forces it" || bad "runtime: progress in --config" "$P/err"
"$R/collect" --config "$P/p.yaml" --no-progress -o "$P/o.tsv" "$P/in.txt" 2> "$P/err"
[ ! -s "$P/err" ] && ok "runtime: --no-progress overrides progress: true" || bad "runtime: --no-progress vs --config" "$P/err"
if command -v script > /dev/null; then
    # (stdin from /dev/null: script copies its stdin to the terminal, which echoes it)
    script -qec "'$R/collect' -o '$P/o.tsv' '$P/in.txt'" /dev/null < /dev/null > "$P/tty" 2>&1
    script -qec "'$R/collect' --no-progress -o '$P/o.tsv' '$P/in.txt'" /dev/null < /dev/null > "$P/notty" 2>&1
    grep -aq "collect: $mb/$mb MB (100%)" "$P/tty" && ! grep -aq "collect: [0-9]" "$P/notty" &&
        ok "runtime: a terminal gets the progress line by default, not with --no-progress" ||
        bad "runtime: progress on a terminal" "$P/tty"
fi

# Inputs: folders read recursively in sorted order (names starting with '.'
# skipped, symlinks to folders not followed), gzip decompressed.
D=$R/dirs
mkdir -p "$D"
"$FPIPEC" build examples/linelen.fpipe -o "$R/linelen" > "$R/build.err" 2>&1 || bad "runtime: build linelen" "$R/build.err"
T=$D/tree
mkdir -p "$T/a" "$T/b/c" "$T/.hidden" "$T/empty"
printf 'a-c\n' > "$T/a-c"; printf 'a/x\n' > "$T/a/x"; printf 'b/c/y\n' > "$T/b/c/y"
printf 'b/z' > "$T/b/z"   # no trailing newline
printf 'hidden\n' > "$T/.hidden/h"; printf 'dot\n' > "$T/.dot"
ln -s .. "$T/b/loop"; ln -s a-c "$T/link"; ln -s nowhere "$T/dangling"
printf 'gz one\ngz two\n' | gzip > "$T/g.gz"
# By hand: each folder's entries by name (bytes), folders where they fall.
printf '3\tA/X\n3\tA-C\n5\tB/C/Y\n3\tB/Z\n6\tGZ ONE\n6\tGZ TWO\n3\tA-C\n' > "$D/ref"
"$R/linelen" -o "$D/out" "$T" 2> "$D/err" && same "runtime: a folder is read recursively in sorted order" "$D/ref" "$D/out"
"$R/linelen" -o "$D/out" "$T/b" "$T/a-c" 2> "$D/err" && [ "$(cat "$D/out")" = "$(printf '5\tB/C/Y\n3\tB/Z\n3\tA-C')" ] &&
    ok "runtime: folders and files mixed, in the order given" || bad "runtime: folders and files mixed" "$D/err"
"$R/linelen" -o "$D/out" "$T/empty" 2> "$D/err" && [ -e "$D/out" ] && [ ! -s "$D/out" ] &&
    ok "runtime: an empty folder is an empty input" || bad "runtime: empty folder" "$D/err"
# gzip: the same output and errors as the plain file, in every mode.
gzip -c "$R/in.txt" > "$D/in.txt.gz"
good=1
for p in 4194304 1024 61; do
    for t in 1 2 4; do
        "$R/collect" --threads $t --partition-size $p -o "$D/gz.tsv" "$D/in.txt.gz" 2> "$D/err" &&
            cmp -s "$D/gz.tsv" "$R/ref.out" &&
            cmp -s <(sed "s|\"input\":\"$D/in.txt.gz\"|\"input\":\"$R/in.txt\"|" "$D/gz.tsv.errors.jsonl") "$R/ref.err" ||
            { bad "runtime: gzip input at --threads $t --partition-size $p" "$D/err"; good=0; break 2; }
    done
done
[ $good = 1 ] && ok "runtime: a gzip input gives the plain file's output and error lines (threads 1/2/4 x 4M/1K/61)"
"$R/collect" -o "$D/gz.tsv" - < "$D/in.txt.gz" 2> "$D/err" && cmp -s "$D/gz.tsv" "$R/ref.out" &&
    ok "runtime: gzip on standard input" || bad "runtime: gzip on standard input" "$D/err"
(printf 'p1\n' | gzip; printf 'p2\n' | gzip) > "$D/multi.gz"
"$R/linelen" "$D/multi.gz" > "$D/out" 2> "$D/err" && [ "$(cat "$D/out")" = "$(printf '2\tP1\n2\tP2')" ] &&
    ok "runtime: a multi-member gzip file is read whole" || bad "runtime: multi-member gzip" "$D/err"
echo previous > "$D/keep.tsv"
printf 'some text\n' | gzip | head -c 20 > "$D/cut.gz"
"$R/linelen" -o "$D/keep.tsv" "$D/cut.gz" > /dev/null 2> "$D/err"; rc=$?
[ $rc = 3 ] && [ "$(cat "$D/err")" = "linelen: error: cannot read input '$D/cut.gz': not valid gzip data (cut short)" ] &&
    [ "$(cat "$D/keep.tsv")" = previous ] && ok "runtime: a truncated gzip input exits 3, output untouched" || bad "runtime: truncated gzip (rc=$rc)" "$D/err"
printf '\037\213garbage' > "$D/bad.gz"
"$R/linelen" -o "$D/keep.tsv" "$D/bad.gz" > /dev/null 2> "$D/err"; rc=$?
[ $rc = 3 ] && grep -q "cannot read input '$D/bad.gz': not valid gzip data" "$D/err" && [ "$(cat "$D/keep.tsv")" = previous ] &&
    ok "runtime: a corrupt gzip input exits 3, output untouched" || bad "runtime: corrupt gzip (rc=$rc)" "$D/err"

# SIGKILL at random points of runs writing a 30 MB output: the destination
# is always absent (before the first complete run) or the complete output,
# never partial; a rerun writes the same bytes.  Random kill times, but the
# assertions hold whenever the kill lands.
K=$R/kill
mkdir -p "$K"
gen=$TMP/gen_corpus   # built by run.sh's e2e section
if [ ! -x "$gen" ]; then gen=$R/gen_corpus; cc -std=c11 -O2 bench/gen_corpus.c -o "$gen"; fi
"$gen" 30 3 > "$K/in.txt" 2> /dev/null
"$R/linelen" --threads 1 -o "$K/ref.tsv" "$K/in.txt" 2> /dev/null
good=1; seen_absent=0; seen_done=0
for i in $(seq 1 12); do
    "$R/linelen" --threads 2 --partition-size 65536 -o "$K/out.tsv" "$K/in.txt" 2> /dev/null &
    pid=$!
    sleep "0.$(printf '%02d' $((RANDOM % 25)))"
    kill -9 $pid 2> /dev/null
    wait $pid 2> /dev/null
    if [ ! -e "$K/out.tsv" ]; then
        seen_absent=1
        [ $seen_done = 0 ] || { bad "runtime: SIGKILL: a complete output disappeared (kill $i)"; good=0; break; }
    elif cmp -s "$K/out.tsv" "$K/ref.tsv"; then
        seen_done=1
    else
        bad "runtime: SIGKILL: a partial output at kill $i ($(wc -c < "$K/out.tsv") bytes)"; good=0; break
    fi
done
[ $good = 1 ] && ok "runtime: SIGKILL at 12 random points: the output is absent or complete, never partial"
"$R/linelen" --threads 2 --partition-size 65536 -o "$K/out.tsv" "$K/in.txt" 2> /dev/null &&
    cmp -s "$K/out.tsv" "$K/ref.tsv" && ok "runtime: after the kills, a rerun writes the same bytes" ||
    bad "runtime: rerun after SIGKILL"
# Killed runs may leave their temporaries (.out.tsv.fpipe-XXXXXX), nothing else.
[ -z "$(ls -A "$K" | grep -v -E '^(in\.txt|ref\.tsv|out\.tsv|\.out\.tsv\.fpipe-[A-Za-z0-9]{6})$')" ] &&
    ok "runtime: killed runs leave only their named temporaries" || bad "runtime: stray files after SIGKILL"

# collect on CSV records: exact lines, by hand.
V=$R/csv
mkdir -p "$V"
"$FPIPEC" build tests/runtime/collect_csv.fpipe -o "$R/collect_csv" > "$R/build.err" 2>&1 || bad "runtime: build collect_csv" "$R/build.err"
printf 'city,amount\nParis,5\n"Lyon\nX",0\nNice,abc\n"bad"x,3\nRome,4\n' > "$V/s.csv"
cat > "$V/ref.err" <<'JEOF'
{"operator":"pair","location":"tests/runtime/collect_csv.fpipe:6:1","message":"division by zero","input":"s.csv","line":3,"offset":20,"record":"\"Lyon\nX\",0"}
{"operator":"sales","location":"tests/runtime/collect_csv.fpipe:5:1","message":"column 'amount': not an integer","input":"s.csv","line":5,"offset":31,"record":"Nice,abc"}
{"operator":"sales","location":"tests/runtime/collect_csv.fpipe:5:1","message":"malformed CSV: a quote inside a field that does not start with one, or text after a closing quote (RFC 4180 doubles quotes inside quoted fields)","input":"s.csv","line":6,"offset":40,"record":"\"bad\"x,3"}
JEOF
good=1
for p in 4194304 16 1; do
    for t in 1 2; do
        (cd "$V" && "$R/collect_csv" --threads $t --partition-size $p -o s.tsv s.csv 2> err) &&
            [ "$(cat "$V/s.tsv")" = "$(printf 'Paris\t20\nRome\t25')" ] && cmp -s "$V/ref.err" "$V/s.tsv.errors.jsonl" ||
            { diff "$V/ref.err" "$V/s.tsv.errors.jsonl" > "$V/diff" 2>&1; bad "runtime: collect on CSV at --threads $t --partition-size $p" "$V/diff"; good=0; break 2; }
    done
done
[ $good = 1 ] && ok "runtime: collect on a CSV source: whole records, exact lines (threads 1/2 x 4M/16/1)"

# An output that is a FIFO or a device (-o /dev/null) is written through,
# not replaced by a renamed file (as root that would replace /dev/null).
mkfifo "$R/fifo"
cat "$R/fifo" > "$R/fifo.out" &
catpid=$!
"$R/linelen" -o "$R/fifo" "$T/a-c" 2> "$R/fifo.err"; rc=$?
wait $catpid
[ $rc = 0 ] && [ -p "$R/fifo" ] && [ "$(cat "$R/fifo.out")" = "$(printf '3\tA-C')" ] &&
    [ -z "$(ls -A "$R" | grep fifo.fpipe-)" ] &&
    ok "runtime: an output FIFO is written through and stays a FIFO" || bad "runtime: FIFO output (rc=$rc)" "$R/fifo.err"

# Memory: an element-wise pipeline streams.  Peak RSS (from --stats=json)
# over a 120 MB input stays under 64 MB at 2 threads and 4 MiB partitions
# (a mapped, pre-faulted input alone would be 120 MB).  Not under the
# sanitizers, whose shadow memory is most of the RSS.
case "${FPIPE_CFLAGS:-}" in
*sanitize*) ;;
*)
    for i in 1 2 3 4; do cat "$K/in.txt"; done > "$K/big.txt"
    "$R/linelen" --threads 2 --stats=json "$K/big.txt" 2> "$K/big.err" | cksum > "$K/big.sum"
    rss=$(grep -o '"peak_rss_bytes":[0-9]*' "$K/big.err" | sed 's/.*://')
    for i in 1 2 3 4; do cat "$K/ref.tsv"; done | cksum > "$K/big.ref"
    [ -n "$rss" ] && [ "$rss" -lt 67108864 ] && cmp -s "$K/big.sum" "$K/big.ref" &&
        ok "runtime: an element-wise run over 120 MB peaks under 64 MB RSS ($((rss / 1048576)) MiB)" ||
        bad "runtime: element-wise peak RSS ${rss:-?} bytes" "$K/big.err"
    rm -f "$K/big.txt"
    ;;
esac

# ---- every exit path removes its temporaries (issue 19) ------------------
X=$R/exits
mkdir -p "$X"
printf 'a\nb\na\nc\nb\na\n' > "$X/in.txt"
# no_temps DIR: no ".NAME.fpipe-XXXXXX" (or checkpoint ".tmp-") file is left in DIR.
no_temps() { [ -z "$(ls -A "$1" | grep -E 'fpipe-|\.tmp-')" ]; }

# An invalid FPIPE_MAX_TABLE_BYTES is a usage error found before any
# temporary exists.
(cd "$X" && FPIPE_MAX_TABLE_BYTES=12Q "$R/collect_keyed" -o k.tsv in.txt 2> err); rc=$?
[ $rc = 2 ] && grep -q "FPIPE_MAX_TABLE_BYTES wants a number of bytes (e.g. 512M), not '12Q'" "$X/err" &&
    no_temps "$X" && [ ! -e "$X/k.tsv" ] &&
    ok "runtime: an invalid FPIPE_MAX_TABLE_BYTES exits 2 and leaves no temporary" ||
    { bad "runtime: invalid FPIPE_MAX_TABLE_BYTES (rc=$rc)" "$X/err"; ls -A "$X"; }
rm -f "$X"/.*fpipe-* "$X"/*.tmp-*
# ... and so is an FPIPE_HASH_SEED that is not a number (strtoull read '12Q'
# as 12 and 'abc' as 0, silently).
for v in 12Q abc -1; do
    (cd "$X" && FPIPE_HASH_SEED=$v "$R/collect_keyed" -o k.tsv in.txt 2> err); rc=$?
    [ $rc = 2 ] && grep -q "FPIPE_HASH_SEED wants a number (e.g. 1 or 0x5eed), not '$v'" "$X/err" &&
        no_temps "$X" && [ ! -e "$X/k.tsv" ] &&
        ok "runtime: FPIPE_HASH_SEED=$v is a usage error (exit 2)" ||
        bad "runtime: FPIPE_HASH_SEED=$v (rc=$rc)" "$X/err"
done
(cd "$X" && FPIPE_HASH_SEED=0x5eed "$R/collect_keyed" -o k.tsv --errors k.err in.txt 2> err); rc=$?
[ $rc = 0 ] && ok "runtime: FPIPE_HASH_SEED=0x5eed is accepted" || bad "runtime: FPIPE_HASH_SEED=0x5eed (rc=$rc)" "$X/err"
rm -f "$X/k.tsv" "$X/k.err"

# on_error collect opens two temporaries (the output's and the error
# file's): the table cap's exit removes both.
seq 1 20000 > "$X/many.txt"
(cd "$X" && FPIPE_MAX_TABLE_BYTES=64K "$R/collect_keyed" -o k.tsv many.txt 2> err); rc=$?
[ $rc = 5 ] && grep -q 'the cap FPIPE_MAX_TABLE_BYTES sets' "$X/err" && no_temps "$X" &&
    [ ! -e "$X/k.tsv" ] && [ ! -e "$X/keyed.errors.jsonl" ] &&
    ok "runtime: the table cap with on_error collect exits 5 and removes both temporaries" ||
    { bad "runtime: table cap with collect (rc=$rc)" "$X/err"; ls -A "$X"; }
rm -f "$X"/.*fpipe-*

# SIGTERM, SIGINT, SIGHUP during a run: the temporaries removed, exit
# 128 + signal, the previous output kept.  The signal is sent once the
# output's temporary exists (a keyed run opens it before stage 1); a run
# that finished first is retried on a larger input.
gen=$TMP/gen_corpus
if [ ! -x "$gen" ]; then gen=$R/gen_corpus; cc -std=c11 -O2 bench/gen_corpus.c -o "$gen"; fi
"$gen" 40 5 > "$X/big.txt" 2> /dev/null
"$FPIPEC" build examples/wordcount.fpipe -o "$R/wordcount" > "$R/build.err" 2>&1 || bad "runtime: build wordcount" "$R/build.err"
for sig in TERM INT HUP; do
    num=$(kill -l $sig)
    echo previous > "$X/w.tsv"
    got=
    for try in 1 2 3 4 5; do
        # env --default-signal: a background job's SIGINT is ignored otherwise
        env --default-signal=INT "$R/wordcount" --threads 1 --partition-size 65536 -o "$X/w.tsv" \
            "$X/big.txt" "$X/big.txt" > /dev/null 2> "$X/err" &
        pid=$!
        for _ in $(seq 1 400); do
            ls -A "$X" | grep -q '^\.w\.tsv\.fpipe-' && break
            kill -0 $pid 2> /dev/null || break
            sleep 0.01
        done
        kill -$sig $pid 2> /dev/null
        wait $pid; rc=$?
        [ $rc = 0 ] && continue   # done before the signal: again
        got=$rc; break
    done
    [ "$got" = $((128 + num)) ] && no_temps "$X" && [ "$(cat "$X/w.tsv")" = previous ] &&
        ok "runtime: SIG$sig during a run removes the temporary and exits $((128 + num))" ||
        { bad "runtime: SIG$sig (rc=${got:-none})" "$X/err"; ls -A "$X"; }
    rm -f "$X"/.*fpipe-*
done
# ... and it dies of the signal rather than exiting 130 (a shell loop
# stops on Ctrl-C only when its child was killed by SIGINT): python's
# returncode is then -2.  Sent once the output's temporary exists.
python3 - "$R/wordcount" "$X" > "$X/sigdie" 2>&1 <<'PYEOF'
import os, signal, subprocess, sys, time
prog, x = sys.argv[1], sys.argv[2]
for attempt in range(5):
    p = subprocess.Popen([prog, "--threads", "1", "--partition-size", "65536", "-o", x + "/w.tsv",
                          x + "/big.txt", x + "/big.txt"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for _ in range(400):
        if any(n.startswith(".w.tsv.fpipe-") for n in os.listdir(x)) or p.poll() is not None:
            break
        time.sleep(0.01)
    p.send_signal(signal.SIGINT)
    rc = p.wait()
    if rc != 0:
        print(rc)
        sys.exit(0 if rc == -signal.SIGINT else 1)
print("finished before the signal, 5 times")
sys.exit(1)
PYEOF
[ $? = 0 ] && no_temps "$X" && ok "runtime: SIGINT during a run: the program dies of SIGINT (a shell loop stops)" ||
    { bad "runtime: SIGINT: not killed by the signal" "$X/sigdie"; ls -A "$X"; }
rm -f "$X"/.*fpipe-*
rm -f "$X/big.txt"

# libgomp that cannot start its threads (here: a thread stack larger than
# the address space) exits 1 on its own: the run reports it, removes its
# temporary and exits 5 (internal).
echo previous > "$X/w.tsv"
OMP_STACKSIZE=1000G "$R/wordcount" --threads 2 -o "$X/w.tsv" "$X/in.txt" > /dev/null 2> "$X/err"; rc=$?
[ $rc = 5 ] && grep -q 'wordcount: error: a library ended the run' "$X/err" && no_temps "$X" &&
    [ "$(cat "$X/w.tsv")" = previous ] &&
    ok "runtime: OpenMP failing to start its threads exits 5 and leaves no temporary" ||
    { bad "runtime: OpenMP thread start failure (rc=$rc)" "$X/err"; ls -A "$X"; }
rm -f "$X"/.*fpipe-*

# The error file and the output are one file under two names (-o ./x
# --errors x): a usage error, nothing written (compared as files, not as
# strings).
(cd "$X" && printf '1\nx\n' > c.txt && "$R/collect" -o ./same --errors same c.txt 2> err); rc=$?
[ $rc = 2 ] && grep -q "the error file 'same' is the output file" "$X/err" && [ ! -e "$X/same" ] &&
    ok "runtime: -o ./x --errors x is refused (one file, two names)" ||
    bad "runtime: -o ./x --errors x (rc=$rc)" "$X/err"
echo previous > "$X/exists"
ln -sf exists "$X/alias"
(cd "$X" && "$R/collect" -o exists --errors alias c.txt 2> err); rc=$?
[ $rc = 2 ] && grep -q "the error file 'alias' is the output file" "$X/err" && [ "$(cat "$X/exists")" = previous ] &&
    ok "runtime: an error file that is a symlink to the output is refused" ||
    bad "runtime: --errors symlink to -o (rc=$rc)" "$X/err"
# An output that replaces a file (directly or through a symlink) keeps the
# file's permissions, as '> file' would; a new one gets 0666 less the umask.
echo previous > "$X/priv.tsv"; chmod 600 "$X/priv.tsv"; ln -sf priv.tsv "$X/plink"
echo previous > "$X/ro.tsv"; chmod 640 "$X/ro.tsv"; rm -f "$X/fresh.tsv"
(cd "$X" && umask 022 && "$R/collect" -o plink c.txt 2> err && "$R/collect" -o ro.tsv c.txt 2>> err &&
    "$R/collect" -o fresh.tsv c.txt 2>> err)
[ "$(stat -c %a "$X/priv.tsv")" = 600 ] && [ "$(stat -c %a "$X/ro.tsv")" = 640 ] &&
    [ "$(stat -c %a "$X/fresh.tsv")" = 644 ] && [ -L "$X/plink" ] && ! grep -q previous "$X/priv.tsv" &&
    ok "runtime: an output replacing a file keeps its permissions (through a link too); a new one 0666 less umask" ||
    bad "runtime: output permissions ($(stat -c %a "$X/priv.tsv" "$X/ro.tsv" "$X/fresh.tsv" | tr '\n' ' '))" "$X/err"
# The same with neither there yet: -o a dangling symlink is written through
# to its end, so --errors naming that end is the output file too.
rm -f "$X/dangle" "$X/nothere"; ln -s nothere "$X/dangle"
(cd "$X" && "$R/collect" -o dangle --errors nothere c.txt 2> err); rc=$?
[ $rc = 2 ] && grep -q "the error file 'nothere' is the output file" "$X/err" && [ ! -e "$X/nothere" ] &&
    ok "runtime: an error file at the end of the output's dangling symlink is refused" ||
    bad "runtime: --errors at the end of -o's dangling symlink (rc=$rc)" "$X/err"
rm -f "$X/dangle"

# A folder entry that cannot be examined is an input error (exit 3), not
# skipped: here a file past PATH_MAX under the folder (lstat fails with
# ENAMETOOLONG; as root, an unsearchable folder would still be read).
F=$X/deep
mkdir -p "$F"
echo top > "$F/a.txt"
long=$(printf 'd%.0s' $(seq 1 200))
( cd "$F" && for _ in $(seq 1 22); do mkdir "$long" && cd "$long" || exit 1; done; echo deep > z.txt ) ||
    bad "runtime: cannot make the deep folder"
echo previous > "$X/d.tsv"
"$R/linelen" -o "$X/d.tsv" "$F" > /dev/null 2> "$X/err"; rc=$?
[ $rc = 3 ] && grep -q "^linelen: error: cannot read input '$F/$long/$long/" "$X/err" &&
    [ "$(cat "$X/d.tsv")" = previous ] && no_temps "$X" &&
    ok "runtime: a folder entry past PATH_MAX is an input error (exit 3), not skipped" ||
    bad "runtime: folder entry past PATH_MAX (rc=$rc)" "$X/err"
rm -rf "$F"

# A write-through output (a FIFO, a device) swapped for a symlink to a
# regular file between the check and the open: the run does not write into
# that file.  An LD_PRELOAD shim swaps the path right after the program's
# stat() of it, deterministically.
cat > "$X/swap.c" <<'CEOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int stat(const char *restrict p, struct stat *restrict st)
{
    static int done;
    int (*real)(const char *restrict, struct stat *restrict) =
        (int (*)(const char *restrict, struct stat *restrict))dlsym(RTLD_NEXT, "stat");
    int r = real(p, st);
    const char *path = getenv("SWAP_PATH"), *to = getenv("SWAP_TO");
    if (!done && path && to && strcmp(p, path) == 0) {
        done = 1;
        unlink(p);
        if (symlink(to, p) != 0)
            abort();
    }
    return r;
}
CEOF
if cc -shared -fPIC -O1 -o "$X/swap.so" "$X/swap.c" -ldl 2> "$X/cc.err"; then
    rm -f "$X/out.fifo"; mkfifo "$X/out.fifo"
    printf 'VICTIM-CONTENT-THAT-MUST-STAY\n' > "$X/victim"
    cp "$X/victim" "$X/victim.ref"
    # (verify_asan_link_order=0: under make test-asan the shim comes before ASan's runtime)
    (cd "$X" && SWAP_PATH=out.fifo SWAP_TO=victim LD_PRELOAD=./swap.so \
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" "$R/linelen" -o out.fifo in.txt 2> err); rc=$?
    cmp -s "$X/victim" "$X/victim.ref" && no_temps "$X" && [ $rc = 0 ] && [ -f "$X/out.fifo" ] &&
        [ "$(cat "$X/out.fifo")" = "$("$R/linelen" "$X/in.txt")" ] &&
        ok "runtime: an output swapped for a symlink after its check is not written through" ||
        { bad "runtime: output swapped for a symlink (rc=$rc)" "$X/err"; od -c "$X/victim" | head -3; }
else
    bad "runtime: cannot build the LD_PRELOAD shim" "$X/cc.err"
fi

# -o through a link of /proc (/dev/stdout, /dev/fd/1, a link to
# /proc/self/fd/1) with standard output a regular file: written in place,
# the link never replaced (a temporary renamed over /dev/stdout would, as
# root, replace /dev/stdout itself: so the real ones are tried only after
# a link of our own passed).  Written at the end: `>>` keeps what was there.
ln -sfn /proc/self/fd/1 "$X/so"
{ echo before; "$R/linelen" "$X/in.txt"; } > "$X/so.want"
for o in "$X/so" /dev/stdout /dev/fd/1; do
    echo before > "$X/so.out"
    "$R/linelen" -o "$o" "$X/in.txt" >> "$X/so.out" 2> "$X/err"; rc=$?
    if [ $rc = 0 ] && [ -L "$X/so" ] && [ -L /dev/stdout ] && cmp -s "$X/so.want" "$X/so.out" && no_temps "$X"; then
        ok "runtime: -o $(basename "$o") (a /proc link) with standard output a file is written in place"
    else bad "runtime: -o $o with standard output a file (rc=$rc)" "$X/err"; break; fi
done
# -o a folder, or a symlink to one: refused before the run (exit 3); the
# rename at the end replaced the symlink with the output file, exit 0.
rm -rf "$X/dir" "$X/dirlink"; mkdir "$X/dir"; ln -s dir "$X/dirlink"
for o in dir dirlink; do
    (cd "$X" && "$R/linelen" -o $o in.txt 2> err); rc=$?
    [ $rc = 3 ] && grep -q "^linelen: error: output '$o' is a folder, not a file$" "$X/err" &&
        [ -d "$X/dir" ] && [ -L "$X/dirlink" ] && [ -z "$(ls -A "$X/dir")" ] && no_temps "$X" &&
        ok "runtime: -o $o (a folder or a symlink to one) is refused, exit 3" ||
        bad "runtime: -o $o (rc=$rc)" "$X/err"
done
rm -rf "$X/dir" "$X/dirlink"
# -o a symlink to a file is written through, as `> link` would be: the
# link stays, its end gets the output (atomically, through a temporary in
# the end's folder); a chain of links, and a link to nothing yet, the same.
# A loop of links is refused (exit 3).  Before, the rename replaced the link.
rm -rf "$X/ln"; mkdir -p "$X/ln/real"
"$R/linelen" "$X/in.txt" > "$X/ln/want"
echo previous > "$X/ln/real/t1"
ln -s real/t1 "$X/ln/one"; ln -s one "$X/ln/two"; ln -s real/t3 "$X/ln/three"
for o in one two three; do
    (cd "$X/ln" && "$R/linelen" -o $o ../in.txt 2> err); rc=$?
    t=$(readlink -f "$X/ln/$o")
    [ $rc = 0 ] && [ -L "$X/ln/$o" ] && [ -f "$t" ] && [ ! -L "$t" ] && cmp -s "$X/ln/want" "$t" &&
        [ -z "$(ls -A "$X/ln/real" | grep fpipe-)" ] && no_temps "$X/ln" &&
        ok "runtime: -o $o (a symlink to a file, a chain, or dangling) writes through to its end" ||
        { bad "runtime: -o symlink $o (rc=$rc)" "$X/ln/err"; ls -lA "$X/ln" "$X/ln/real"; }
done
ln -s loop2 "$X/ln/loop1"; ln -s loop1 "$X/ln/loop2"
(cd "$X/ln" && "$R/linelen" -o loop1 ../in.txt 2> err); rc=$?
[ $rc = 3 ] && grep -q "^linelen: error: cannot open output 'loop1': Too many levels of symbolic links$" "$X/ln/err" &&
    [ -L "$X/ln/loop1" ] && no_temps "$X/ln" &&
    ok "runtime: -o a loop of symlinks is refused, exit 3" ||
    bad "runtime: -o a loop of symlinks (rc=$rc)" "$X/ln/err"
rm -rf "$X/ln"
