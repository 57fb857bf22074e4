# replay.sh — sourced by tests/run.sh (uses its B, TMP, ok, bad): every
# fuzz target built without libFuzzer (replay.c supplies main), with
# $FPIPE_CFLAGS (the sanitizers in make test-asan), run on the seed
# corpora (seed.sh) and on tests/fuzz/regress/<target>/, the inputs the
# fuzzers found problems with.  Each must run to the end: a crash, a failed
# check or a sanitizer report fails the test.
FZ=tests/fuzz
if bash $FZ/seed.sh "$TMP/fuzz-seeds" 2> "$TMP/seed.err"; then
    front_obj=$(ls "$B"/obj/compiler/*.o "$B"/obj/gen/*.o | grep -v '/main\.o$')
    for t in parse frontend lines csv jsonl; do
        case $t in
            parse|frontend) src="-Icompiler -I$B/gen $FZ/fuzz_$t.c $FZ/replay.c $front_obj -lyaml" ;;
            *) src="-fopenmp -Iruntime $FZ/fuzz_$t.c $FZ/replay.c $B/libfpipe.a -lcsv -ljansson -lyaml -lz -lm" ;;
        esac
        if ! ${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -Werror ${FPIPE_CFLAGS:-} \
            $src -o "$TMP/replay_$t" 2> "$TMP/replay.cc"; then
            bad "fuzz: the $t target does not build without libFuzzer" "$TMP/replay.cc"; continue
        fi
        files=$(ls "$TMP/fuzz-seeds/$t"/* $FZ/regress/$t/* 2> /dev/null)
        if "$TMP/replay_$t" $files > "$TMP/replay.out" 2>&1 &&
            grep -q "^replayed $(echo "$files" | wc -l) inputs" "$TMP/replay.out"; then
            ok "fuzz: $t target replays $(echo "$files" | wc -l) seeds and regression inputs"
        else bad "fuzz: $t target on its seeds and regression inputs" "$TMP/replay.out"; fi
    done
else bad "fuzz: tests/fuzz/seed.sh failed" "$TMP/seed.err"; fi
