#!/usr/bin/env bash
# demo.sh — what `make demo` shows: compile examples/wordcount.fpipe, run it
# on the bundled text, print the most frequent words.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
mkdir -p "$B/demo"
echo "\$ $B/fpipec build examples/wordcount.fpipe -o $B/demo/wordcount"
"$B/fpipec" build examples/wordcount.fpipe -o "$B/demo/wordcount"
echo "\$ $B/demo/wordcount -o $B/demo/counts.tsv examples/data/*.txt"
"$B/demo/wordcount" -o "$B/demo/counts.tsv" examples/data/*.txt
echo
echo "$(wc -l < "$B/demo/counts.tsv") distinct words in $(cat examples/data/*.txt | wc -c) bytes; the 15 most frequent:"
echo
LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1 "$B/demo/counts.tsv" | head -15 |
    awk -F '\t' '{ printf "  %7d  %s\n", $2, $1 }'
echo
echo "The generated C: $B/fpipec emit-c examples/wordcount.fpipe"
echo "The plan:        $B/fpipec explain examples/wordcount.fpipe"
