# install.sh — fpipe as an installed C tool, used from a project outside
# the checkout (sourced by tests/run.sh after the cli section: it uses
# $TMP, $IN, $B, $FPIPEC, ok/bad/same and the in-tree programs in
# $TMP/bin).
#
#   1. make install PREFIX=$TMP/pfx; the installed fpipec builds the word
#      count, the CSV group-by and the RAG ingestion (JSON lines, a linked
#      C file) from a scratch folder, and each writes the in-tree build's
#      bytes;
#   2. `cc prog.c $(pkg-config --cflags --libs fpipe)` on emit-c output
#      (PKG_CONFIG_PATH into the scratch tree), the same bytes;
#   3. the dynamic section (readelf -d): a program needs libcsv only with
#      a CSV source, jansson, simdjson and libstdc++ only with a jsonl
#      source (printing an f64 needs none), whichever way it was linked;
#   4. a CMake project: find_package(fpipe), fpipe_add_pipeline (with
#      LINK: touching the C file rebuilds), fpipe::fpipe on emit-c output;
#   5. the Make pattern rule of docs/running.md, as written there;
#   6. make install with DESTDIR, LIBDIR and friends: the staged layout,
#      a moved tree still works, make uninstall removes every file;
#   7. NEWS, fpipec --version and a program's --version agree.
#
# FPIPE_CFLAGS (make test-asan's sanitizers) is passed as SAN, so the
# installed fpipec links like the build's own objects.
if [ -z "${TMP:-}" ]; then echo "tests/install.sh: run it from tests/run.sh (needs TMP)" >&2; exit 2; fi
echo "# install"

PFX=$TMP/pfx
PROJ=$TMP/proj   # outside the checkout
mkdir -p "$PROJ"
cp examples/wordcount.fpipe examples/groupby.fpipe examples/weights.fpipe \
   examples/rag_ingest.fpipe examples/rag.c "$PROJ/"
MK=(make --no-print-directory -s BUILD="$B" SAN="${FPIPE_CFLAGS:-}")

# needs PROGRAM LIB... / lacks PROGRAM LIB...: its NEEDED entries.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\.so.*/\1/p' | tr '\n' ' '; }
check_needed() {   # NAME PROGRAM "wanted libs" "unwanted libs"
    local have miss=""
    have=" $(needed "$2")"
    for l in $3; do case $have in *" $l "*) ;; *) miss="$miss missing $l;" ;; esac; done
    for l in $4; do case $have in *" $l "*) miss="$miss has $l;" ;; esac; done
    if [ -z "$miss" ]; then ok "$1 (NEEDED: $have)"; else echo "NEEDED: $have" > "$TMP/needed"; bad "$1:$miss" "$TMP/needed"; fi
}

# ---- 1. the installed fpipec, from the scratch project --------------------
if "${MK[@]}" install PREFIX="$PFX" > "$TMP/inst.out" 2>&1; then
    ok "install: make install PREFIX=\$TMP/pfx"
else bad "install: make install PREFIX=\$TMP/pfx" "$TMP/inst.out"; fi
built=1
for p in wordcount groupby rag_ingest weights; do
    (cd "$PROJ" && env -u FPIPE_RUNTIME "$PFX/bin/fpipec" build $p.fpipe -o $p) > "$TMP/out" 2>&1 ||
        { built=0; bad "install: the installed fpipec builds $p" "$TMP/out"; }
done
# run_pair NAME PROG REF ARGS...: the two programs' outputs are the same bytes.
run_pair() {
    local name=$1 prog=$2 ref=$3; shift 3
    if "$prog" --threads 2 --partition-size 4096 -o "$TMP/inst.a" "$@" 2> "$TMP/inst.err" &&
        "$ref" --threads 2 --partition-size 4096 -o "$TMP/inst.b" "$@" 2>> "$TMP/inst.err"; then
        same "$name" "$TMP/inst.b" "$TMP/inst.a"
    else bad "$name: did not run" "$TMP/inst.err"; fi
}
if [ $built = 1 ]; then
    ok "install: the installed fpipec builds word count, CSV, JSON lines + link, f64 from \$TMP/proj"
    run_pair "install: word count by the installed fpipec = in-tree" "$PROJ/wordcount" "$TMP/bin/wordcount" "$IN/zipf.txt"
    run_pair "install: CSV group-by by the installed fpipec = in-tree" "$PROJ/groupby" "$TMP/bin/groupby" "$IN/sales.csv"
    run_pair "install: RAG ingestion (link rag.c) by the installed fpipec = in-tree" "$PROJ/rag_ingest" "$TMP/bin/rag_ingest" "$IN/docs.jsonl"
fi

# ---- 2. pkg-config ---------------------------------------------------------
export PKG_CONFIG_PATH=$PFX/lib/pkgconfig
for p in wordcount groupby weights; do
    if (cd "$PROJ" && "$PFX/bin/fpipec" emit-c $p.fpipe -o $p.c &&
        ${CC:-cc} ${FPIPE_CFLAGS:-} $p.c $(pkg-config --cflags --libs fpipe) -o $p.pc) > "$TMP/out" 2>&1; then
        ok "install: cc $p.c \$(pkg-config --cflags --libs fpipe) links"
    else bad "install: cc $p.c with pkg-config fpipe" "$TMP/out"; fi
done
run_pair "install: word count linked by pkg-config = in-tree" "$PROJ/wordcount.pc" "$TMP/bin/wordcount" "$IN/zipf.txt"
run_pair "install: CSV group-by linked by pkg-config = in-tree" "$PROJ/groupby.pc" "$TMP/bin/groupby" "$IN/sales.csv"
if command -v mpicc > /dev/null && [ -f "$PFX/lib/libfpipe_mpi.a" ]; then
    # (Open MPI's own allocations are reported as leaks under ASan: tests/mpi.sh)
    (cd "$PROJ" && OMPI_CC=${CC:-cc} mpicc ${FPIPE_CFLAGS:-} wordcount.c $(pkg-config --cflags --libs fpipe-mpi) -o wordcount.mpi) > "$TMP/out" 2>&1 &&
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$PROJ/wordcount.mpi" -o "$TMP/inst.a" "$IN/zipf.txt" 2>> "$TMP/out" &&
        "$TMP/bin/wordcount" -o "$TMP/inst.b" "$IN/zipf.txt" &&
        cmp -s "$TMP/inst.a" "$TMP/inst.b" &&
        ok "install: mpicc with pkg-config fpipe-mpi links and counts the same" ||
        bad "install: mpicc with pkg-config fpipe-mpi" "$TMP/out"
fi

# ---- 3. only the libraries a pipeline uses ---------------------------------
check_needed "install: word count (fpipec build) needs no CSV, JSON or f64 library" "$PROJ/wordcount" \
    "libyaml-0 libz libm libgomp" "libcsv libjansson libsimdjson libstdc++"
check_needed "install: word count (pkg-config) likewise" "$PROJ/wordcount.pc" \
    "libyaml-0 libz libm libgomp" "libcsv libjansson libsimdjson libstdc++"
check_needed "install: CSV group-by needs libcsv, no JSON or C++ library (its mean prints an f64)" "$PROJ/groupby" \
    "libcsv" "libjansson libsimdjson libstdc++"
check_needed "install: CSV group-by (pkg-config) likewise" "$PROJ/groupby.pc" \
    "libcsv" "libjansson libsimdjson libstdc++"
check_needed "install: RAG ingestion needs jansson and simdjson, no libcsv" "$PROJ/rag_ingest" \
    "libjansson libsimdjson libstdc++" "libcsv"
check_needed "install: f64 weights need no CSV, JSON or C++ library" "$PROJ/weights.pc" \
    "libyaml-0 libz libm libgomp" "libcsv libjansson libsimdjson libstdc++"

# ---- 4. CMake --------------------------------------------------------------
if command -v cmake > /dev/null; then
    cat > "$PROJ/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.13)
project(fpipe_user C)
find_package(fpipe 0.1 REQUIRED)
fpipe_add_pipeline(wc wordcount.fpipe)
fpipe_add_pipeline(rag rag_ingest.fpipe LINK rag.c)
# C from fpipec emit-c, in a target of the project's own
add_custom_command(OUTPUT groupby.c
    COMMAND ${FPIPE_EXECUTABLE} emit-c ${CMAKE_CURRENT_SOURCE_DIR}/groupby.fpipe -o groupby.c
    DEPENDS groupby.fpipe)
add_executable(gb ${CMAKE_CURRENT_BINARY_DIR}/groupby.c)
target_link_libraries(gb fpipe::fpipe)
EOF
    if (cd "$PROJ" && CFLAGS="${FPIPE_CFLAGS:-}" cmake -S . -B cm -DCMAKE_PREFIX_PATH="$PFX" &&
        cmake --build cm) > "$TMP/out" 2>&1; then
        ok "install: a CMake project with find_package(fpipe) and fpipe_add_pipeline builds"
        run_pair "install: CMake fpipe_add_pipeline word count = in-tree" "$PROJ/cm/bin/wc" "$TMP/bin/wordcount" "$IN/zipf.txt"
        run_pair "install: CMake fpipe_add_pipeline with LINK rag.c = in-tree" "$PROJ/cm/bin/rag" "$TMP/bin/rag_ingest" "$IN/docs.jsonl"
        run_pair "install: CMake fpipe::fpipe on emit-c output = in-tree" "$PROJ/cm/gb" "$TMP/bin/groupby" "$IN/sales.csv"
        check_needed "install: CMake's word count needs no CSV or JSON library" "$PROJ/cm/bin/wc" "" "libcsv libjansson libsimdjson"
        check_needed "install: CMake's fpipe::fpipe group-by needs libcsv, no JSON" "$PROJ/cm/gb" "libcsv" "libjansson libsimdjson"
        # The LINK file and the .fpipe are dependencies: touching either
        # rebuilds that program, and only it.
        mt() { stat -c %.9Y "$1"; }
        wc0=$(mt "$PROJ/cm/bin/wc"); rag0=$(mt "$PROJ/cm/bin/rag")
        sleep 0.05; touch "$PROJ/rag.c"
        (cd "$PROJ" && cmake --build cm) > "$TMP/out" 2>&1
        [ "$(mt "$PROJ/cm/bin/rag")" != "$rag0" ] && [ "$(mt "$PROJ/cm/bin/wc")" = "$wc0" ] &&
            ok "install: CMake rebuilds a pipeline when its LINK file changes, and only it" ||
            bad "install: CMake dependency on the LINK file" "$TMP/out"
        sleep 0.05; touch "$PROJ/wordcount.fpipe"
        (cd "$PROJ" && cmake --build cm) > "$TMP/out" 2>&1
        [ "$(mt "$PROJ/cm/bin/wc")" != "$wc0" ] &&
            ok "install: CMake rebuilds a pipeline when its .fpipe changes" ||
            bad "install: CMake dependency on the .fpipe" "$TMP/out"
        grep -q Circular "$TMP/out" && bad "install: CMake warns of a circular dependency" "$TMP/out"
    else bad "install: CMake project" "$TMP/out"; fi
else bad "install: cmake is not installed (scripts/install-deps.sh installs it)"; fi

# ---- 5. the Make pattern rule, as docs/running.md writes it -----------------
awk '/^```make$/ { on = 1; next } on && /^```$/ { exit } on' docs/running.md > "$PROJ/Makefile"
rm -f "$PROJ/wordcount.c" "$PROJ/groupby.c" "$PROJ/weights.c"   # no `%: %.c` match
if grep -q '%: %.fpipe' "$PROJ/Makefile" &&
    (cd "$PROJ" && rm -f wordcount rag_ingest &&
     PATH="$PFX/bin:$PATH" make --no-print-directory wordcount rag_ingest) > "$TMP/out" 2>&1; then
    ok "install: the Make pattern rule of docs/running.md builds wordcount and rag_ingest"
    run_pair "install: word count by the Make rule = in-tree" "$PROJ/wordcount" "$TMP/bin/wordcount" "$IN/zipf.txt"
    rag0=$(stat -c %.9Y "$PROJ/rag_ingest")
    sleep 0.05; touch "$PROJ/rag.c"
    (cd "$PROJ" && PATH="$PFX/bin:$PATH" make --no-print-directory rag_ingest) > "$TMP/out" 2>&1
    [ "$(stat -c %.9Y "$PROJ/rag_ingest")" != "$rag0" ] &&
        ok "install: the Make rule rebuilds rag_ingest when rag.c is newer" ||
        bad "install: the Make rule's dependency on rag.c" "$TMP/out"
else bad "install: the Make pattern rule of docs/running.md" "$TMP/out"; fi

# ---- 6. DESTDIR, the install variables, a moved tree, uninstall -------------
ST=$TMP/stage
VARS="DESTDIR=$ST PREFIX=/opt/fpipe LIBDIR=/opt/fpipe/lib/x86_64-linux-gnu MANDIR=/opt/fpipe/man"
if "${MK[@]}" install $VARS > "$TMP/out" 2>&1 &&
    [ -x "$ST/opt/fpipe/bin/fpipec" ] && [ -f "$ST/opt/fpipe/include/libfpipe.h" ] &&
    [ -f "$ST/opt/fpipe/include/fpipe.h" ] &&
    [ -f "$ST/opt/fpipe/lib/x86_64-linux-gnu/libfpipe.a" ] &&
    [ -f "$ST/opt/fpipe/share/fpipe/cmake/fpipe-config.cmake" ] &&
    grep -qx 'prefix=/opt/fpipe' "$ST/opt/fpipe/lib/x86_64-linux-gnu/pkgconfig/fpipe.pc" &&
    grep -qx 'libdir=${prefix}/lib/x86_64-linux-gnu' "$ST/opt/fpipe/lib/x86_64-linux-gnu/pkgconfig/fpipe.pc"; then
    ok "install: DESTDIR, PREFIX, LIBDIR: the staged layout and fpipe.pc's folders"
else bad "install: make install with DESTDIR" "$TMP/out"; find "$ST" | sed 's/^/    /' | head -30; fi
# The staged tree is not where it was configured to be: fpipec finds the
# runtime relative to itself (and moved once more).
mv "$ST/opt/fpipe" "$ST/moved"
if (cd "$PROJ" && env -u FPIPE_RUNTIME "$ST/moved/bin/fpipec" build wordcount.fpipe -o wc.moved) > "$TMP/out" 2>&1; then
    run_pair "install: a moved install tree still builds (runtime found beside fpipec)" "$PROJ/wc.moved" "$TMP/bin/wordcount" "$IN/zipf.txt"
else bad "install: a moved install tree" "$TMP/out"; fi
# FPIPE_INCLUDE_DIR and FPIPE_LIB_DIR point at separate folders.
mkdir -p "$TMP/sep/inc" "$TMP/sep/lib"
cp runtime/fpipe.h runtime/libfpipe.h "$TMP/sep/inc/" && cp "$B/libfpipe.a" "$TMP/sep/lib/"
mv "$ST/moved/include" "$ST/moved/include.away"
(cd "$PROJ" && "$ST/moved/bin/fpipec" build wordcount.fpipe -o wc.sep) > "$TMP/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "cannot find libfpipe.h; looked for:" "$TMP/out" && grep -q "FPIPE_INCLUDE_DIR" "$TMP/out" &&
    ok "install: no libfpipe.h: exit 2, the places looked in and the variables named" ||
    bad "install: a missing header (rc=$rc)" "$TMP/out"
if (cd "$PROJ" && FPIPE_INCLUDE_DIR=$TMP/sep/inc FPIPE_LIB_DIR=$TMP/sep/lib "$ST/moved/bin/fpipec" build wordcount.fpipe -o wc.sep) > "$TMP/out" 2>&1; then
    run_pair "install: FPIPE_INCLUDE_DIR and FPIPE_LIB_DIR, separate folders" "$PROJ/wc.sep" "$TMP/bin/wordcount" "$IN/zipf.txt"
else bad "install: FPIPE_INCLUDE_DIR and FPIPE_LIB_DIR" "$TMP/out"; fi
mv "$ST/moved/include.away" "$ST/moved/include"
mv "$ST/moved" "$ST/opt/fpipe"
if "${MK[@]}" uninstall $VARS > "$TMP/out" 2>&1 && [ -z "$(find "$ST" -type f)" ]; then
    ok "install: make uninstall removes every installed file"
else bad "install: make uninstall left files" "$TMP/out"; find "$ST" -type f | sed 's/^/    /'; fi

# ---- 7. one version ---------------------------------------------------------
v=$(sed -n '1s/^fpipe \([^ ]*\).*/\1/p' NEWS)
pv=$(pkg-config --modversion fpipe)
if [ -n "$v" ] && [ "$("$FPIPEC" --version)" = "fpipec $v" ] &&
    [ "$("$PFX/bin/fpipec" --version)" = "fpipec $v" ] &&
    [ "$("$PROJ/wordcount.pc" --version)" = "wordcount.pc (fpipe $v)" ] && [ "$pv" = "$v" ]; then
    ok "install: NEWS, fpipec --version, a program's --version and fpipe.pc say $v"
else bad "install: versions differ: NEWS '$v', fpipec '$("$FPIPEC" --version)', pc '$pv'"; fi
unset PKG_CONFIG_PATH
