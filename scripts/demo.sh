#!/usr/bin/env bash
# demo.sh — what `make demo` shows: compile examples/wordcount.fpipe and run
# it on the bundled text; then the 20 most frequent words with
# examples/topwords.fpipe, and the seed's RAG ingestion from its YAML
# config (examples/rag_ingest.yaml, with the C functions of rag.c), and a
# run resumed from its checkpoint (examples/wordcount_resumable.fpipe).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
D=$B/demo
mkdir -p "$D"
run() { echo "\$ $*"; "$@"; }

run "$B/fpipec" build examples/wordcount.fpipe -o "$D/wordcount"
run "$D/wordcount" -o "$D/counts.tsv" examples/data/*.txt
echo "  $(wc -l < "$D/counts.tsv") distinct words in $(cat examples/data/*.txt | wc -c) bytes, in $D/counts.tsv"
echo

run "$B/fpipec" build examples/topwords.fpipe -o "$D/topwords"
echo "\$ $D/topwords --stats examples/data/*.txt"
"$D/topwords" --stats examples/data/*.txt | head -10 | awk -F '\t' '{ printf "  %7d  %s\n", $2, $1 }'
echo "  ..."
echo

run "$B/fpipec" build examples/rag_ingest.yaml -o "$D/rag_ingest"
run "$D/rag_ingest" -o "$D/chunks.jsonl" examples/data/docs.jsonl
echo "  $(wc -l < "$D/chunks.jsonl") embedded chunks in $D/chunks.jsonl; the first, cut short:"
head -1 "$D/chunks.jsonl" | cut -c1-150 | sed 's/^/  /'
echo

# A checkpoint (materialize) and --resume: the second run skips reading and
# counting, and writes the same bytes.
run "$B/fpipec" build examples/wordcount_resumable.fpipe -o "$D/topwords_resumable"
rm -rf "$D/checkpoints"
run "$D/topwords_resumable" --checkpoint-dir "$D/checkpoints" -o "$D/top.tsv" examples/data/*.txt
run "$D/topwords_resumable" --checkpoint-dir "$D/checkpoints" --resume -o "$D/top2.tsv" examples/data/*.txt
cmp "$D/top.tsv" "$D/top2.tsv" && echo "  the resumed run wrote the same bytes ($D/top2.tsv)"
echo

echo "The generated C: $B/fpipec emit-c examples/wordcount.fpipe"
echo "The plan:        $B/fpipec explain examples/topwords.fpipe"
echo "The laws:        $B/fpipec verify examples/rag_ingest.fpipe"
