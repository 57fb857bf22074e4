#!/usr/bin/env bash
# cc-check.sh BUILD DIR — the differential check of `make fuzz`: of the
# .fpipe inputs in DIR (the front-end fuzz corpus), those `fpipec emit-c`
# accepts must give C that compiles with cc ($CC) and clang, -std=c11 -Wall -Wextra -Werror
# -Wshadow (not -pedantic: the plan text of a large program is a string over
# ISO C's 4095-byte minimum limit, which -pedantic reports).  At most
# FUZZ_CC_SAMPLE (default 60) accepted inputs are compiled, picked in a
# fixed pseudo-random order.  Failures are copied to BUILD/cc-fail/.
set -u
cd "$(dirname "$0")/../.."
B=$1
DIR=$2
N=${FUZZ_CC_SAMPLE:-60}
FPIPEC=$B/fpipec
T=$(mktemp -d /tmp/fpipe-cc-check.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$B/cc-fail"
tried=0 accepted=0 compiled=0 failed=0
for f in $(ls "$DIR" | sort | awk 'BEGIN { srand(8) } { print rand() "\t" $0 }' | sort | cut -f2); do
    [ $accepted -ge "$N" ] && break
    tried=$((tried + 1))
    "$FPIPEC" emit-c "$DIR/$f" -o "$T/p.c" > /dev/null 2>&1 || continue
    accepted=$((accepted + 1))
    good=1
    for cc in ${CC:-cc} clang; do
        command -v $cc > /dev/null || continue
        $cc -std=c11 -Wall -Wextra -Werror -Wshadow -fopenmp -Iruntime \
            -c "$T/p.c" -o "$T/p.o" 2> "$T/cc.err" || { good=0; break; }
    done
    if [ $good = 1 ]; then
        compiled=$((compiled + 1))
    else
        failed=$((failed + 1))
        cp "$DIR/$f" "$B/cc-fail/$f.fpipe"
        cp "$T/cc.err" "$B/cc-fail/$f.err"
        echo "cc-check: $DIR/$f: the generated C does not compile:"
        head -5 "$T/cc.err" | sed 's/^/    /'
    fi
done
echo "cc-check: $tried inputs read, $accepted accepted by fpipec, $compiled compiled warning-free, $failed failed"
[ $failed -eq 0 ]
