#!/usr/bin/env bash
# bench/ab.sh OLD NEW INPUT THREADS RUNS — two builds of one pipeline, A/B.
#
# Runs the executables OLD and NEW alternately RUNS times each on INPUT
# with --threads THREADS, and prints each one's median and best wall and
# user seconds (GNU time, 10 ms steps), the ratios new/old, then whether
# their outputs are the same bytes.  Alternating keeps a noisy machine's drift out of the ratio.  How
# the README's before/after table was made, e.g. with OLD built by an older
# fpipec:  bench/ab.sh ./wc_old ./wc_new corpus.txt 1 7
set -euo pipefail
old=$1 new=$2 in=$3 t=$4 n=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for _ in $(seq "$n"); do
    for p in old new; do
        prog=$old; [ $p = new ] && prog=$new
        /usr/bin/time -f "$p %e %U" -a -o "$tmp/times" "$prog" --threads "$t" -o "$tmp/$p.out" "$in"
    done
done
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
best() { sort -n | head -1; }
col() { awk -v p=$1 -v c=$2 '$1 == p {print $c}' "$tmp/times"; }
for p in old new; do
    echo "$p: wall $(col $p 2 | median) s, user $(col $p 3 | median) s" \
         "(best: wall $(col $p 2 | best) s, user $(col $p 3 | best) s)"
done
r() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b / a}'; }
echo "new/old: wall $(r "$(col old 2 | median)" "$(col new 2 | median)")x," \
     "user $(r "$(col old 3 | median)" "$(col new 3 | median)")x (medians);" \
     "best: wall $(r "$(col old 2 | best)" "$(col new 2 | best)")x," \
     "user $(r "$(col old 3 | best)" "$(col new 3 | best)")x"
if cmp -s "$tmp/old.out" "$tmp/new.out"; then echo "the same output"; else echo "outputs differ"; fi
