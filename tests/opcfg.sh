# opcfg.sh — per-operator run settings (`operators:` in --config): error
# policies, batch sizes, retries and their backoff changed at run time;
# one golden per configuration error (tests/opcfg/errors/NAME.yaml gives
# NAME.err, UPDATE_GOLDEN=1 rewrites them).
# Sourced by tests/run.sh (uses its FPIPEC, TMP, ok, bad, same, run_modes).

echo "# opcfg"
O=$TMP/opcfg
mkdir -p "$O"
if "$FPIPEC" build tests/opcfg/opcfg.fpipe -o "$O/opcfg" > "$O/build.err" 2>&1; then
# 1..60 with a line that is not a number (n fails on it) in the middle.
{ seq 1 30; echo x; seq 31 60; } > "$O/in.txt"
# The references, from the data: n keeps the numbers; m lets through the
# multiples of 4 without a retry (x fails x % 4 times), all of them with
# retry 3; b adds the size of each batch.
seq 1 60 | awk '$1 % 4 == 0' > "$O/ref.noretry"
seq 1 60 > "$O/ref.retry"
# oc NAME YAML: the configuration $O/NAME.yaml
oc() { printf '%b' "$2" > "$O/$1.yaml"; }

"$O/opcfg" -o "$O/never.tsv" "$O/in.txt" 2> "$O/err"; rc=$?
[ $rc = 4 ] && grep -q "operator 'n' .* failed: parse_i64: not an integer" "$O/err" && [ ! -e "$O/never.tsv" ] &&
    ok "opcfg: without a configuration n fails fast (exit 4, no output)" || bad "opcfg: fail_fast (rc=$rc)" "$O/err"

# fail_fast -> drop: the run succeeds, the dropped line counted.
oc drop 'operators:\n  n: {on_error: drop}\n'
# (b's batches are cut per partition: its sizes are compared per partition size.)
PER_PARTITION_SIZE=1 run_modes "opcfg: n on_error drop from --config" "$O/opcfg" --config "$O/drop.yaml" "$O/in.txt" &&
    { cut -f1 "$TMP/out.1" > "$O/got"; same "opcfg: on_error drop: the numbers that need no retry" "$O/ref.noretry" "$O/got"; }
"$O/opcfg" --config "$O/drop.yaml" --stats=json -o "$O/o.tsv" "$O/in.txt" 2> "$O/err"
grep -q "operator 'n' (tests/opcfg/opcfg.fpipe:11:1) dropped 1 element (on_error drop)$" "$O/err" &&
    python3 -c 'import json, sys
st = json.loads(open(sys.argv[1]).read().splitlines()[-1])
ops = {o["name"]: o for o in st["operators"]}
sys.exit(not (ops["n"]["in"] == 61 and ops["n"]["dropped"] == 1 and ops["m"]["dropped"] == 45))' "$O/err" &&
    ok "opcfg: on_error drop: counted on stderr and in --stats (n dropped 1, m 45)" || bad "opcfg: drop counts" "$O/err"

# retry from the configuration: every transient failure recovered; the
# retries are the sum of x % 4 over 1..60 = 90.
oc retry 'operators:\n  n: {on_error: drop}\n  m: {retry: 3}\n'
PER_PARTITION_SIZE=1 run_modes "opcfg: m retry 3 from --config" "$O/opcfg" --config "$O/retry.yaml" "$O/in.txt" &&
    { cut -f1 "$TMP/out.1" > "$O/got"; same "opcfg: retry 3: every number recovered" "$O/ref.retry" "$O/got"; }
"$O/opcfg" --config "$O/retry.yaml" -o "$O/o.tsv" "$O/in.txt" 2> "$O/err"
grep -q "operator 'm' (tests/opcfg/opcfg.fpipe:12:1) retried 90 times (retry)$" "$O/err" &&
    ! grep -q "operator 'm'.*dropped" "$O/err" &&
    ok "opcfg: retry 3: 90 retries, nothing dropped" || bad "opcfg: retry counts" "$O/err"
oc retry1 'operators:\n  n: {on_error: drop}\n  m: {retry: 1}\n'
"$O/opcfg" --config "$O/retry1.yaml" -o "$O/o.tsv" "$O/in.txt" 2> "$O/err"
cut -f1 "$O/o.tsv" > "$O/got"; seq 1 60 | awk '$1 % 4 < 2' > "$O/ref.retry1"
cmp -s "$O/ref.retry1" "$O/got" && grep -q "operator 'm' .* retried 45 times (retry)$" "$O/err" &&
    ok "opcfg: retry 1: what fails twice is dropped (45 retries)" || bad "opcfg: retry 1" "$O/err"

# backoff: the same output and retries; the time waited is counted, and
# is at least what the doubling asks for: x % 4 = 1, 2, 3 wait 1, 1+2 and
# 1+2+2 ms (capped at 2), 15 of each: 135 ms.  (A lower bound: sleeping
# never takes less; no upper bound is checked.)
oc backoff 'operators:\n  n: {on_error: drop}\n  m: {retry: 3, backoff_ms: 1, backoff_max_ms: 2}\n'
"$O/opcfg" --config "$O/backoff.yaml" --stats=json -o "$O/o.tsv" "$O/in.txt" 2> "$O/err"
cut -f1 "$O/o.tsv" > "$O/got"
cmp -s "$O/ref.retry" "$O/got" &&
    grep -q "operator 'm' .* retried 90 times after [0-9.]* s of backoff (retry)$" "$O/err" &&
    python3 -c 'import json, sys
st = json.loads(open(sys.argv[1]).read().splitlines()[-1])
ops = {o["name"]: o for o in st["operators"]}
sys.exit(not (ops["m"]["retried"] == 90 and ops["m"]["backoff_seconds"] >= 0.135 and ops["b"]["backoff_seconds"] == 0))' "$O/err" &&
    ok "opcfg: backoff: same output, 90 retries, the time waited in --stats (>= 135 ms)" || bad "opcfg: backoff" "$O/err"

# max_batch: the batches the C function sees change, the data does not.
oc batch 'operators:\n  n: {on_error: drop}\n  m: {retry: 3}\n  b: {max_batch: 7}\n'
"$O/opcfg" --threads 1 --config "$O/batch.yaml" -o "$O/b7.tsv" "$O/in.txt" 2> "$O/err" &&
    "$O/opcfg" --threads 1 --config "$O/retry.yaml" -o "$O/b4.tsv" "$O/in.txt" 2>> "$O/err" &&
    cut -f1 "$O/b7.tsv" > "$O/got7" && cut -f1 "$O/b4.tsv" > "$O/got4" && cmp -s "$O/got7" "$O/got4" &&
    [ "$(cut -f2 "$O/b4.tsv" | sort -u | tr '\n' ' ')" = "4 " ] &&
    [ "$(cut -f2 "$O/b7.tsv" | sort -u | tr '\n' ' ')" = "4 7 " ] &&
    ok "opcfg: max_batch 7 from --config: batches of 7 (and the last 4), the same elements" || bad "opcfg: max_batch" "$O/err"

# collect: into the configuration's error file, or --errors's.
oc collect 'errors: oc.errors.jsonl\noperators:\n  n: {on_error: collect}\n  m: {retry: 3}\n'
rm -f "$O/oc.errors.jsonl"
(cd "$O" && ./opcfg --config collect.yaml -o c.tsv in.txt 2> err) &&
    cut -f1 "$O/c.tsv" > "$O/got" && cmp -s "$O/ref.retry" "$O/got" &&
    [ "$(wc -l < "$O/oc.errors.jsonl")" = 1 ] && grep -q '"operator":"n".*"line":31,.*"record":"x"' "$O/oc.errors.jsonl" &&
    ok "opcfg: on_error collect from --config writes the error file it names" || bad "opcfg: collect" "$O/err"
oc collect2 'operators:\n  n: {on_error: collect}\n'
(cd "$O" && ./opcfg --config collect2.yaml --errors e2.jsonl -o c2.tsv in.txt 2> err) &&
    grep -q '"record":"x"' "$O/e2.jsonl" &&
    ok "opcfg: on_error collect from --config with --errors on the command line" || bad "opcfg: collect --errors" "$O/err"

# --explain shows the settings the run would have, and what the file changed.
"$O/opcfg" --config "$O/backoff.yaml" --explain > "$O/explain" 2>&1
tail -4 "$O/explain" > "$O/got"
printf '%s\n' "run settings (the .fpipe's, with --config $O/backoff.yaml; * marks what the file changed):" \
    "  map n: on_error drop*" "  map m: on_error drop retry 3* backoff 1 ms doubling up to 2 ms*" \
    "  batch_map b: on_error fail_fast max_batch 4 retry 0" > "$O/want"
same "opcfg: --explain with --config shows every operator's settings" "$O/want" "$O/got"
"$O/opcfg" --explain > "$O/explain" 2>&1
! grep -q "run settings" "$O/explain" && ok "opcfg: --explain without --config is the plan alone" ||
    bad "opcfg: --explain alone" "$O/explain"

# A file that sets nothing changes nothing: n still fails fast.
printf '# nothing\n' > "$O/empty.yaml"
"$O/opcfg" --config "$O/empty.yaml" -o "$O/never.tsv" "$O/in.txt" 2> /dev/null; rc=$?
[ $rc = 4 ] && ok "opcfg: an empty --config keeps the .fpipe's policies" || bad "opcfg: empty config (rc=$rc)"

# The errors: exit 2, nothing written, exactly the golden message.
for y in tests/opcfg/errors/*.yaml; do
    n=$(basename "$y" .yaml)
    cp "$y" "$O/$n.yaml"
    rm -f "$O/never.tsv"
    (cd "$O" && ./opcfg --config "$n.yaml" -o never.tsv in.txt > /dev/null 2> "$n.got"); rc=$?
    g=tests/opcfg/errors/$n.err
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$O/$n.got" "$g"; fi
    if [ $rc = 2 ] && [ ! -e "$O/never.tsv" ] && cmp -s "$g" "$O/$n.got"; then
        ok "opcfg: config error $n"
    else
        diff -u "$g" "$O/$n.got" > "$O/diff" 2>&1; bad "opcfg: config error $n (rc=$rc)" "$O/diff"
    fi
done

# --stats: a time per operator of stage 1 (sampled, then scaled to the
# time stage 1 took on each thread): non-negative, null after stage 1,
# and together at most stage 1's time over the threads.  Both shapes:
# keyed (wordcount: the word scan, a map, the combine's partial half) and
# element-wise with a batch_map (timed with its calls; the sink after it
# runs in the batch's loop: null).
T=$TMP/optime
mkdir -p "$T"
awk 'BEGIN { srand(3); for (i = 0; i < 40000; i++) { s = ""; for (j = 0; j < 8; j++) s = s " w" int(rand() * 500); print s } }' > "$T/in.txt"
"$FPIPEC" build examples/wordcount.fpipe -o "$T/wc" > "$T/build.err" 2>&1 || bad "opcfg: build wordcount" "$T/build.err"
times_ok() {   # times_ok STATS_STDERR TIMED...: the operators named have a time, the rest null
    python3 -c 'import json, sys
st = json.loads(open(sys.argv[1]).read().splitlines()[-1])
timed = sys.argv[2:]
ops = st["operators"]
bad = [o["name"] for o in ops if (o["seconds"] is None) != (o["name"] not in timed) or (o["seconds"] or 0) < 0]
total = sum(o["seconds"] or 0 for o in ops)
limit = st["seconds"]["stage1"] * st["threads"] + 1e-6 * len(ops)
sys.exit(1 if bad or total > limit else 0)' "$@"
}
good=1
for t in 1 2; do
    "$T/wc" --threads $t --stats=json -o "$T/o.tsv" "$T/in.txt" 2> "$T/err" && times_ok "$T/err" lines words ones counts ||
        { good=0; bad "opcfg: --stats=json operator times of wordcount at --threads $t" "$T/err"; }
    "$O/opcfg" --threads $t --config "$O/retry.yaml" --stats=json -o "$T/o.tsv" "$O/in.txt" 2> "$T/err" && times_ok "$T/err" lines n m b ||
        { good=0; bad "opcfg: --stats=json operator times before a batch_map at --threads $t" "$T/err"; }
done
[ $good = 1 ] && ok "opcfg: --stats=json: a time per stage-1 operator, >= 0, summing to at most stage 1's (threads 1, 2)"
"$T/wc" --threads 1 --stats -o "$T/o.tsv" "$T/in.txt" 2> "$T/err"
grep -Eq '^  operator kind .* collected +time$' "$T/err" && grep -Eq '^  counts +combine_per_key( +[0-9]+){5} +[0-9]+\.[0-9]{3} s  out: distinct keys$' "$T/err" &&
    grep -Eq '^  out +sink( +[0-9]+){5} +-  out: rows written$' "$T/err" &&
    ok "opcfg: --stats table: a time column (- after stage 1)" || bad "opcfg: --stats time column" "$T/err"
else bad "opcfg: build tests/opcfg/opcfg.fpipe" "$O/build.err"; fi
