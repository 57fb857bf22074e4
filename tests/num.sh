# num.sh — issue 16's numbers and casts (part 3), provenance (part 10) and
# expression depth (part 11).  Sourced by tests/run.sh (uses its FPIPEC,
# B, TMP, ok, bad, same).
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"

echo "# num"
N=$TMP/num
mkdir -p "$N"

# --- depth: every form of expression 100 levels deep ------------------------
# tests/num/depth.py writes one operator per form (else-if chain of 100
# branches, let chain of 100 lets, lets in values, ifs in thens, + and -
# chains, unary minus, calls, tuples and fields), each 100 levels deep by
# the compiler's count; its output against the same computation in Python,
# and the generated C warning-free with gcc and clang (clang stops at 256
# nested brackets).  tests/errors/nested_101.fpipe is the same at 101.
python3 tests/num/depth.py fpipe 100 > "$N/depth.fpipe"
python3 -c 'import random
random.seed(16)
for _ in range(5000): print(random.randint(-10**7, 10**7))' > "$N/depth.in"
if "$FPIPEC" build "$N/depth.fpipe" -o "$N/depth" > "$N/build.err" 2>&1; then
    python3 tests/num/depth.py ref 100 < "$N/depth.in" > "$N/depth.ref"
    "$N/depth" "$N/depth.in" > "$N/depth.out" 2> "$N/run.err" || bad "num: depth 100 runs" "$N/run.err"
    same "num: every form at depth 100 computes what Python computes" "$N/depth.out" "$N/depth.ref"
    "$FPIPEC" emit-c "$N/depth.fpipe" > "$N/depth.c"
    for cc in gcc clang; do
        command -v $cc > /dev/null || continue
        $cc -std=c11 -Wall -Wextra -Werror -fopenmp -Iruntime -c "$N/depth.c" -o "$N/depth.o" 2> "$N/cc.err" &&
            ok "num: depth 100 in every form compiles warning-free with $cc" ||
            bad "num: depth 100 with $cc" "$N/cc.err"
    done
    grep -c '} else if (' "$N/depth.c" > "$N/elseifs"
    [ "$(cat "$N/elseifs")" -ge 99 ] && ok "num: a 100-branch else-if chain is emitted flat (if / else if)" ||
        bad "num: else-if chain not flat ($(cat "$N/elseifs") else ifs)"
else
    bad "num: build depth 100" "$N/build.err"
fi
