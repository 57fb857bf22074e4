#!/usr/bin/env bash
# run.sh BUILD SECONDS — `make fuzz`: every libFuzzer target for SECONDS
# seconds, then the differential check of the C the front end makes.
#
# Corpora live in BUILD/corpus/<target> and grow from run to run (seeded by
# seed.sh and tests/fuzz/regress/<target>).  A crash is written to
# BUILD/crashes/<target>-crash-*; copy it to tests/fuzz/regress/<target>/
# (make test replays that folder) once it is fixed.  The executions and
# findings of each target are appended to BUILD/fuzz-report.txt and printed.
# Exit status: 0 when no target found anything and every sampled program
# compiled, 1 otherwise.
set -u
cd "$(dirname "$0")/../.."
B=$1
SECS=${2:-20}
TARGETS=${FUZZ_TARGETS:-parse frontend fmt yaml lines csv jsonl builtins config checkpoint lines_nosimd csv_nosimd e2e}
mkdir -p "$B/corpus" "$B/crashes" "$B/seeds"
bash tests/fuzz/seed.sh "$B/seeds" || exit 1
report=$B/fuzz-report.txt
status=0
rm -rf "$B/accepted"
mkdir -p "$B/accepted"
echo "# fuzz run $(date -u +%Y-%m-%dT%H:%M:%SZ), $SECS s per target" >> "$report"
for t in $TARGETS; do
    exe=$B/fuzz_$t
    [ -x "$exe" ] || { echo "fuzz: $exe is missing (make fuzz-build)"; exit 1; }
    mkdir -p "$B/corpus/$t"
    base=${t%_nosimd}   # the FP_NO_SIMD builds share seeds and dictionaries
    dict=tests/fuzz/fpipe.dict
    case $base in yaml|config) dict=tests/fuzz/yaml.dict ;; csv) dict=tests/fuzz/csv.dict ;; jsonl) dict=tests/fuzz/jsonl.dict ;; e2e) dict=tests/fuzz/csv.dict ;; esac
    dirs="$B/seeds/$base"
    [ -d "tests/fuzz/regress/$base" ] && dirs="$dirs tests/fuzz/regress/$base"
    # The first folder is the one libFuzzer adds new inputs to.
    FPIPE_FUZZ_ACCEPTED=$B/accepted "$exe" ${FUZZ_SEED:+-seed=$FUZZ_SEED} -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -dict="$dict" -print_final_stats=1 -artifact_prefix="$B/crashes/$t-" \
        "$B/corpus/$t" $dirs > "$B/fuzz-$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz-$t.log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$B/fuzz-$t.log" | tail -1)
    ncorp=$(ls "$B/corpus/$t" | wc -l)
    if [ $rc -eq 0 ]; then found="nothing found"; else
        found="FOUND (exit $rc): $(grep -m1 -E 'ERROR|check failed|SUMMARY' "$B/fuzz-$t.log")"
        status=1
        grep -E '^artifact_prefix|Test unit written' "$B/fuzz-$t.log"
    fi
    line="fuzz_$t: ${execs:-?} executions in ${SECS}s, ${cov:-cov: ?}, corpus $ncorp files; $found"
    echo "$line" | tee -a "$report"
done
# The differential check: programs the front end accepted during this run
# (fuzz_frontend saved them) must give C that compiles.
bash tests/fuzz/cc-check.sh "$B" "$B/accepted" | tee -a "$report"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
exit $status
