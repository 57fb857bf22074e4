# replay.sh — sourced by tests/run.sh (uses its B, TMP, ok, bad): every
# fuzz target built without libFuzzer (replay.c supplies main), with
# $FPIPE_CFLAGS (the sanitizers in make test-asan), run on the seed
# corpora (seed.sh) and on tests/fuzz/regress/<target>/, the inputs the
# fuzzers found problems with.  Each must run to the end: a crash, a failed
# check or a sanitizer report fails the test.
: "${TMP:?this file is sourced by tests/run.sh, which sets TMP}"
FZ=tests/fuzz
if bash $FZ/seed.sh "$TMP/fuzz-seeds" 2> "$TMP/seed.err"; then
    front_obj=$(ls "$B"/obj/compiler/*.o "$B"/obj/gen/*.o | grep -v '/main\.o$')
    # fuzz_e2e links the examples' C, compiled as the programs are.
    e2e_obj=$(bash $FZ/e2e-progs.sh "$FPIPEC" "$TMP/fz-e2e" ${CC:-cc} -O1 -g ${FPIPE_CFLAGS:-} 2> "$TMP/e2e.err") ||
        bad "fuzz: the e2e target's programs do not build" "$TMP/e2e.err"
    for t in parse frontend fmt yaml lines csv jsonl builtins config checkpoint lines_nosimd csv_nosimd e2e; do
        b=${t%_nosimd}
        case $t in
            e2e) src="-fopenmp $FZ/fuzz_e2e.c $FZ/replay.c $e2e_obj $B/libfpipe.a -lcsv -ljansson -lsimdjson -lyaml -lpcre2-8 -lz -lutf8proc -lstdc++ -lm" ;;
            parse|frontend|fmt|yaml) src="-Icompiler -I$B/gen $FZ/fuzz_$t.c $FZ/replay.c $front_obj -lyaml -lpcre2-8" ;;
            *_nosimd) src="-DFP_NO_SIMD -fopenmp -Iruntime $FZ/fuzz_$b.c $FZ/replay.c $B/libfpipe.a -lcsv -ljansson -lsimdjson -lyaml -lpcre2-8 -lz -lutf8proc -lstdc++ -lm" ;;
            *) src="-fopenmp -Iruntime $FZ/fuzz_$t.c $FZ/replay.c $B/libfpipe.a -lcsv -ljansson -lsimdjson -lyaml -lpcre2-8 -lz -lutf8proc -lstdc++ -lm" ;;
        esac
        if ! ${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -Werror ${FPIPE_CFLAGS:-} \
            $src -o "$TMP/replay_$t" 2> "$TMP/replay.cc"; then
            bad "fuzz: the $t target does not build without libFuzzer" "$TMP/replay.cc"; continue
        fi
        files=$(ls "$TMP/fuzz-seeds/$b"/* $FZ/regress/$b/* 2> /dev/null)
        if "$TMP/replay_$t" $files > "$TMP/replay.out" 2>&1 &&
            grep -q "^replayed $(echo "$files" | wc -l) inputs" "$TMP/replay.out"; then
            ok "fuzz: $t target replays $(echo "$files" | wc -l) seeds and regression inputs"
        else bad "fuzz: $t target on its seeds and regression inputs" "$TMP/replay.out"; fi
    done
else bad "fuzz: tests/fuzz/seed.sh failed" "$TMP/seed.err"; fi

# clang's UBSan checks things gcc's does not (forming NULL + 0, which
# fuzz_builtins found in the TSV writer): the runtime targets once more,
# with the runtime itself compiled from source by clang under ASan + UBSan.
if command -v clang > /dev/null; then
    mkdir -p "$TMP/fz-clang"
    csan="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
    cobjs=""
    for f in runtime/*.c; do
        [ "$f" = runtime/mpi.c ] && continue   # distributed mode: mpicc only
        o=$TMP/fz-clang/$(basename "$f" .c).o
        clang -std=c11 -D_DEFAULT_SOURCE -DFP_VERSION=\"replay\" -O1 -g $csan -fopenmp -Iruntime -c "$f" -o "$o" 2>> "$TMP/fz-clang/cc.err" || cobjs=FAIL
        cobjs="$cobjs $o"
    done
    dbx=$(ls -d /usr/include/dragonbox-* 2> /dev/null | head -n 1)   # as the Makefile's DRAGONBOX_INC
    for f in runtime/*.cc; do   # the C++ shims (f64.cc, jsonl.cc)
        o=$TMP/fz-clang/$(basename "$f" .cc).o
        clang++ -std=c++17 -O1 -g $csan -fno-sanitize=vptr ${dbx:+-I$dbx} -Iruntime -c "$f" -o "$o" 2>> "$TMP/fz-clang/cc.err" || cobjs=FAIL
        cobjs="$cobjs $o"
    done
    case $cobjs in
        FAIL*) bad "fuzz: the runtime does not build with clang -fsanitize=address,undefined" "$TMP/fz-clang/cc.err" ;;
        *) for t in lines csv jsonl builtins; do
            if ! clang -std=c11 -D_DEFAULT_SOURCE -O1 -g $csan -fopenmp -Iruntime $FZ/fuzz_$t.c $FZ/replay.c \
                $cobjs -lcsv -ljansson -lsimdjson -lyaml -lpcre2-8 -lz -lutf8proc -lstdc++ -lm -o "$TMP/fz-clang/replay_$t" 2> "$TMP/fz-clang/cc.err"; then
                bad "fuzz: the $t target does not build with clang" "$TMP/fz-clang/cc.err"; continue
            fi
            files=$(ls "$TMP/fuzz-seeds/$t"/* $FZ/regress/$t/* 2> /dev/null)
            if "$TMP/fz-clang/replay_$t" $files > "$TMP/replay.out" 2>&1; then
                ok "fuzz: $t target replays its inputs under clang ASan + UBSan, runtime included"
            else bad "fuzz: $t target under clang ASan + UBSan" "$TMP/replay.out"; fi
        done ;;
    esac
fi
