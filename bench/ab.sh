#!/usr/bin/env bash
# bench/ab.sh OLD NEW INPUT THREADS RUNS — two builds of one pipeline, A/B.
#
# Runs the executables OLD and NEW alternately RUNS times each on INPUT
# with --threads THREADS, and prints each one's median wall and user
# seconds (GNU time, 10 ms steps), then whether their outputs are the same
# bytes.  Alternating keeps a noisy machine's drift out of the ratio.  How
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
for p in old new; do
    echo "$p: wall $(awk -v p=$p '$1 == p {print $2}' "$tmp/times" | median) s," \
         "user $(awk -v p=$p '$1 == p {print $3}' "$tmp/times" | median) s"
done
if cmp -s "$tmp/old.out" "$tmp/new.out"; then echo "the same output"; else echo "outputs differ"; fi
