#!/usr/bin/env bash
# seed.sh OUT — the seed corpora of the fuzz targets, written to OUT/<target>/:
#   parse, frontend, fmt  every examples/*.fpipe, tests/errors/*.fpipe and
#                    tests/num/*.fpipe
#   lines            examples/data/*.txt and a slice of access.log
#   csv              examples/data/sales.csv with its header renamed to the
#                    harness's fields (a,b,c,d,e), cut short, plus the
#                    hand-written cases in tests/fuzz/regress/csv
#   jsonl            examples/data/docs.jsonl lines with members renamed
#   e2e              for each program of fuzz_e2e.c (byte 0), a slice of its
#                    example data (or a bad-data input), at two partition sizes
#   builtins         lines of examples/data/fields.txt and access.log, with
#                    patterns, and numbers in text and in binary
# The runtime targets read two control bytes first (fuzz_csv.c says which);
# each seed gets a few settings of them.  Seeds are made, not committed, so
# that they follow the examples.
set -eu
cd "$(dirname "$0")/../.."
OUT=$1
mkdir -p "$OUT"/{parse,frontend,fmt,yaml,lines,csv,jsonl,builtins,config,checkpoint,e2e}
# YAML pipelines: every tests/yaml case and the RAG config.
for f in tests/yaml/*.yaml examples/rag_ingest.yaml; do
    cp "$f" "$OUT/yaml/$(basename "$f")"
done
# --config files: the keys of docs/running.md, good and bad.
printf 'threads: 2\npartition_size: 4096\ninputs: [a.txt, b.txt]\noutput: out.tsv\nerrors: e.jsonl\nprogress: false\nstats: json\n' > "$OUT/config/full"
printf 'threads: many\n' > "$OUT/config/bad_type"
printf 'thread: 2\n' > "$OUT/config/unknown"
printf 'inputs: x.txt\n  bad: [\n' > "$OUT/config/broken"
# Issue 19: deep and wide nesting, a second document, escaped NULs — for
# --config and YAML pipelines alike — and link paths a C compiler could
# take for options or that leave the folder (the yaml target only parses
# and checks them: it never runs cc).
awk 'BEGIN { printf "threads: "; for (i = 0; i < 3000; i++) printf "["; print "" }' > "$OUT/config/deep_flow"
awk 'BEGIN { for (i = 0; i < 80; i++) { for (j = 0; j < i; j++) printf " "; print "k" i ":" } }' > "$OUT/config/deep_block"
printf 'threads: 2\n---\nthreads: 3\n' > "$OUT/config/two_docs"
printf 'output: "a\\0b"\noperators:\n  "x\\0y": {retry: 1}\n' > "$OUT/config/nul"
awk 'BEGIN { printf "pipeline: deep\nlink: "; for (i = 0; i < 3000; i++) printf "["; print "" }' > "$OUT/yaml/deep_flow"
awk 'BEGIN { printf "pipeline: deep\nlink: "; for (i = 0; i < 100; i++) printf "- "; print "x.c" }' > "$OUT/yaml/deep_block"
for l in '-o/tmp/x.c' '-fplugin=evil.so' '@opts' '"a\0.c"' '../../etc/passwd' '/dev/null' "$(head -c 5000 /dev/zero | tr '\0' a).c" '" spaced .c"'; do
    printf 'pipeline: p\nlink: [%s]\nsource: {name: lines, format: text}\noperators:\n  - {type: Sink, name: out, func: tsv, contract: {idempotent: true}}\n' "$l"
done | awk -v out="$OUT/yaml/link_" '/^pipeline/ { n++ } { print > (out n) }'
# Checkpoint payloads (fuzz_checkpoint.c): byte 0 the pipeline, byte 1
# the keys claimed, then a payload as the writer makes it.
printf '\000\001\003\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000\005\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000abc\000\000\000\000\000' > "$OUT/checkpoint/keyed"
printf '\001\001\002\000\000\000\000\000\000\000\007\000\000\000\000\000\000\000\006\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000' > "$OUT/checkpoint/global"
# element-wise: 1 partition (input 0, index 0, 40 bytes): a record "ab"
# (line 1, offset 0), the element at 0: ("x", [9]).
printf '\002\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\074\000\000\000\000\000\000\000\001\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\002\000\000\000\000\000\000\000ab\000\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000x\001\000\000\000\000\000\000\000\011\000\000\000\000\000\000\000' > "$OUT/checkpoint/elems_records"
printf '\003\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\031\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000x\001\000\000\000\000\000\000\000\011\000\000\000\000\000\000\000' > "$OUT/checkpoint/elems"
for f in examples/*.fpipe tests/errors/*.fpipe tests/num/*.fpipe; do
    n=$(basename "$(dirname "$f")")_$(basename "$f" .fpipe)
    cp "$f" "$OUT/parse/$n"
    cp "$f" "$OUT/frontend/$n"
    cp "$f" "$OUT/fmt/$n"
done
i=0
for f in examples/data/*.txt; do
    for c in '\000' '\007' '\077' '\377'; do
        { printf "$c"; head -c 3000 "$f"; } > "$OUT/lines/seed$((i += 1))"
    done
done
{ printf '\020'; head -c 2000 examples/data/access.log; } > "$OUT/lines/access"
# CSV: sales.csv is id,city,product,qty,price: rename to a..e; 4 fields
# named a..d with types str,i64,str,i64 (0x44) and others.
csv_body() { sed '1s/.*/a,b,c,d,e/' examples/data/sales.csv | head -n "$1"; }
k=0
for ctl in '\003\104' '\013\104' '\377\000' '\043\144' '\002\000'; do
    { printf "$ctl"; csv_body 12; } > "$OUT/csv/sales$((k += 1))"
done
{ printf '\003\104'; printf 'a,b,c,d\r\n"x,1",2,"y""z",4\r\n\r\n"multi\nline",5,,6\n'; } > "$OUT/csv/quoted"
{ printf '\003\000'; printf '\xef\xbb\xbfa,b,c,d\nshort,1\n1,2,3,4,5\n"open,1,2,3\n'; } > "$OUT/csv/broken"
# JSON lines: docs.jsonl has id, title, body: rename to a, b, c.
json_body() { sed 's/"id":/"a":/; s/"title":/"b":/; s/"body":/"c":/' examples/data/docs.jsonl | head -n "$1" | cut -c1-300; }
k=0
for ctl in '\002\000' '\012\000' '\377\004'; do
    { printf "$ctl"; json_body 6; } > "$OUT/jsonl/docs$((k += 1))"
done
{ printf '\003\344'; printf '{"a":"x\\u0000y","b":1,"c":2.5,"d":true}\n{"a":1}\n[1]\n{"a":\n\n{"a":"\\ud800","b":99999999999999999999}\r\n'; } > "$OUT/jsonl/kinds"
# Nested member "n" (fuzz_jsonl.c's N): good, wrong kinds at depth, deep.
{ printf '\000\000'; printf '{"a":"s","n":{"a":"x","b":[1,2],"c":[{"a":1,"b":[["p"],[]]}],"d":[1.5,true]}}\n{"a":"s","n":{"a":"x","b":[],"c":[{"a":1,"b":[[1]]}],"d":[1,false]}}\n{"a":"s","n":{"a":"x","b":[1],"c":[],"d":[1]}}\n'; } > "$OUT/jsonl/nested"
# Builtins: pattern length, replacement length and index, then the text.
k=0
while IFS= read -r l; do
    k=$((k + 1)); [ $k -gt 8 ] && break
    { printf '\001\011,X'; printf '%s' "$l"; } > "$OUT/builtins/fields$k"
done < examples/data/fields.txt
{ printf '\003\025 - ab'; head -c 300 examples/data/access.log; } > "$OUT/builtins/access"
for num in -9223372036854775808 9223372036854775807 +0012 1e308 -0.0 2.5e-324 .5 1. 99999999999999999999; do
    { printf '\000\000'; printf '%s' "$num"; } > "$OUT/builtins/num$num"
done
{ printf '\000\000'; printf '\377\377\377\377\377\377\357\177\001\000\000\000\000\000\000\200'; } > "$OUT/builtins/bits"
{ printf '\002\010\t\\'; printf 'caf\303\251 \377 tab\there\r\n"q",x'; } > "$OUT/builtins/escapes"
# time (check_time): ISO 8601 forms, and a format in t (%F %T, 5 bytes).
for ts in 2026-12-07T22:40:00Z 2024-02-29T23:59:59.999999-05:30 '1969-12-31 23:59+0100' \
          0000-01-01T00:00:00+01:00 9999-12-31T24:00:00Z 2023-02-29; do
    { printf '\000\000'; printf '%s' "$ts"; } > "$OUT/builtins/time$((k += 1))"
done
{ printf '\005\000%%F %%T2026-12-07 22:40:05'; } > "$OUT/builtins/time-fmt"
# e2e: program index (PROGRAMS in fuzz_e2e.c), partition size, the input.
e2e() { for ps in 000 003; do { printf "\\$(printf '%03o' "$1")\\$ps"; head -c 1500 "$2"; } > "$OUT/e2e/$1-$(basename "$2")-$ps"; done; }
e2e 0 examples/data/fields.txt; e2e 1 examples/data/pipelines.txt; e2e 2 examples/data/sales.csv
e2e 3 examples/data/access.log; e2e 4 examples/data/fields.txt; e2e 5 examples/data/pipelines.txt
e2e 6 examples/data/fields.txt; e2e 7 tests/bad-data/inputs/json_members.jsonl
e2e 8 tests/bad-data/inputs/csv_unbalanced_quote_middle.csv; e2e 9 examples/data/pipelines.txt
