# fpipe — build, test, demo, bench.
#
#   make            build/fpipec and build/libfpipe.a (and build/libfpipe_mpi.a
#                   for `fpipec build --backend mpi` when mpicc is installed)
#   make demo       install what is missing, build, run examples/wordcount.fpipe
#   make test       the whole test suite (prints "N passed, N failed")
#   make test-asan  the same suite with every part built under ASan + UBSan
#   make bench      throughput benchmarks (not part of make test)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS (default 20) each, and the
#                   differential check of the generated C (tests/fuzz/)
#   make lint       cppcheck on compiler/ and runtime/
#   make man        the man pages (man/*.scd, scdoc) into build/man/
#   make editor     rewrite editor/ (Vim, Emacs) from the compiler's tables
#   make install    fpipec, the headers, the libraries, fpipe.pc and
#                   fpipe-mpi.pc, the CMake package, man pages and editor
#                   files; PREFIX (default /usr/local), DESTDIR, BINDIR,
#                   LIBDIR, INCLUDEDIR, DATADIR, MANDIR, PKGCONFIGDIR
#   make uninstall  removes what make install put there (the same variables)
#
# Generated sources (lexer, parser) go to $(BUILD)/gen and are never
# committed.  WERROR=1 (set by CI) turns warnings into errors.

.DELETE_ON_ERROR:
.SUFFIXES:

BUILD   ?= build
CC      ?= cc
# The version: the top heading of NEWS ("fpipe 0.1.0 ..."), its one source.
VERSION := $(shell sed -n '1s/^fpipe \([^ ]*\).*/\1/p' NEWS)
# Where make install puts things.  The installed fpipec has INCLUDEDIR and
# LIBDIR (and their paths relative to BINDIR) compiled in, to find the
# runtime (compiler/build.c): make install links it apart, with a dirs.o of
# its own, so `make` never depends on PREFIX (build/fpipec finds the build
# tree).  DESTDIR is a staging root, never compiled in.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes
ifeq ($(WERROR),1)
WARN    += -Werror
endif
SAN     ?=
CFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE $(OPT) $(WARN) $(SAN) $(CFLAGS)
# The runtime's C++ shims (runtime/*.cc, over C++ libraries): the same
# warnings less the C-only ones, the same sanitizers.
CXX     ?= g++
CXXWARN := -Wall -Wextra -Wshadow -Wmissing-declarations $(if $(filter 1,$(WERROR)),-Werror)
# No UBSan vptr check: programs are linked by the C driver, whose UBSan
# runtime lacks the C++ part (the shims declare no classes of their own).
# Dragonbox (libdragonbox-dev, f64.cc) is header-only, in a versioned folder.
DRAGONBOX_INC := $(firstword $(wildcard /usr/include/dragonbox-*))
CXXFLAGS_ALL = -std=c++17 $(OPT) $(CXXWARN) $(SAN) $(if $(DRAGONBOX_INC),-I$(DRAGONBOX_INC)) \
               $(if $(findstring undefined,$(SAN)),-fno-sanitize=vptr) $(CXXFLAGS)
GEN     := $(BUILD)/gen

COMPILER_SRC := $(wildcard compiler/*.c)
RUNTIME_SRC  := $(filter-out runtime/mpi.c,$(wildcard runtime/*.c))
COMPILER_OBJ := $(COMPILER_SRC:compiler/%.c=$(BUILD)/obj/compiler/%.o) \
                $(BUILD)/obj/gen/lexer.o $(BUILD)/obj/gen/fpipe.o $(BUILD)/obj/gen/dirs-none.o
RUNTIME_CXX  := $(wildcard runtime/*.cc)
RUNTIME_OBJ  := $(RUNTIME_SRC:runtime/%.c=$(BUILD)/obj/runtime/%.o) \
                $(RUNTIME_CXX:runtime/%.cc=$(BUILD)/obj/runtime/%.o)
# What a program linked with libfpipe.a may need besides: libcsv (CSV
# sources), jansson and simdjson (JSON lines), libyaml (--config), zlib
# (gzip inputs), PCRE2 (the regex builtins), utf8proc (the UTF-8 builtins,
# runtime/strings.c), the C++ runtime (the two C++ shims: jsonl.cc, and f64.cc
# with the header-only Dragonbox) and libm.  The one list: fpipec links with LINK_LIBS
# (install-dirs.h) and fpipe.pc's Libs line holds it.  --as-needed keeps
# only the libraries the objects taken from libfpipe.a call, and a program
# takes only what its generated code reaches (docs/running.md, "Linking").
RUNTIME_LIBS = -lcsv -ljansson -lsimdjson $(YAML_LIBS) $(PCRE2_LIBS) -lz -lutf8proc -lstdc++ -lm
LINK_LIBS = -Wl,--push-state,--as-needed $(RUNTIME_LIBS) -Wl,--pop-state
# The MPI variant: the same sources with -DFP_MPI, plus mpi.c, built with
# mpicc (Open MPI); skipped when mpicc is missing.
MPICC   ?= mpicc
HAVE_MPI := $(shell command -v $(MPICC) 2> /dev/null)
RUNTIME_MPI_OBJ := $(RUNTIME_SRC:runtime/%.c=$(BUILD)/obj/runtime-mpi/%.o) \
                   $(RUNTIME_CXX:runtime/%.cc=$(BUILD)/obj/runtime-mpi/%.o) \
                   $(BUILD)/obj/runtime-mpi/mpi.o
LIBS_ALL := $(BUILD)/libfpipe.a $(if $(HAVE_MPI),$(BUILD)/libfpipe_mpi.a)

# The man pages (man/*.scd, scdoc) as roff: see "man pages" below.
MANPAGES := $(patsubst man/%.scd,$(BUILD)/man/%,$(wildcard man/*.scd))

all: $(BUILD)/fpipec $(LIBS_ALL) $(MANPAGES) $(BUILD)/gen-editor

# ---- front end generators --------------------------------------------

$(GEN)/fpipe.c $(GEN)/fpipe.h &: grammar/fpipe.y
	@mkdir -p $(GEN)
	lemon -q -d$(GEN) -T/usr/share/lemon/lempar.c grammar/fpipe.y
	@touch $(GEN)/fpipe.c $(GEN)/fpipe.h

$(GEN)/lexer.c: grammar/lexer.re
	@mkdir -p $(GEN)
	re2c -W -Werror -o $@ grammar/lexer.re

# The version (fpipec.h) and the link line (build.c): rewritten only when
# their text changes, so that nothing is rebuilt for nothing.
$(GEN)/version.h: FORCE
	@mkdir -p $(GEN)
	@printf '/* version.h: written by the Makefile from NEWS. */\n#define FPIPEC_VERSION "%s"\n' \
	    '$(VERSION)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(GEN)/install-dirs.h: FORCE
	@mkdir -p $(GEN)
	@{ echo '/* install-dirs.h: written by the Makefile.  The folders of make install'; \
	  echo ' * (dirs.c beside the installed fpipec; empty in build/fpipec), and the'; \
	  echo ' * libraries a program may need (RUNTIME_LIBS), for compiler/build.c. */'; \
	  echo 'extern const char build_dir_include[], build_dir_lib[];'; \
	  echo 'extern const char build_dir_include_rel[], build_dir_lib_rel[];   /* from BINDIR */'; \
	  echo '#define FP_LINK_LIBS "$(LINK_LIBS)"'; } > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

# dirs.c: the folders fpipec looks in for the runtime after the build tree.
# DIRS writes one: none for build/fpipec, make install's for the installed.
DIRS = printf '\#include "install-dirs.h"\nconst char build_dir_include[] = "%s", build_dir_lib[] = "%s";\nconst char build_dir_include_rel[] = "%s", build_dir_lib_rel[] = "%s";\n'
$(GEN)/dirs-none.c: $(GEN)/install-dirs.h
	$(DIRS) '' '' '' '' > $@

# ---- compiler ---------------------------------------------------------

$(BUILD)/obj/compiler/build.o $(BUILD)/obj/gen/dirs-none.o: $(GEN)/install-dirs.h
# check.c checks the time builtins' literals by the runtime's rules.
$(BUILD)/obj/compiler/check.o: runtime/timerules.h

$(BUILD)/obj/compiler/%.o: compiler/%.c compiler/fpipec.h compiler/ops.h $(GEN)/fpipe.h $(GEN)/version.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(YAML_CFLAGS) -Icompiler -I$(GEN) -c $< -o $@

# lemon's and re2c's output: our warnings minus the ones their templates trip.
$(BUILD)/obj/gen/%.o: $(GEN)/%.c compiler/fpipec.h compiler/ops.h $(GEN)/fpipe.h $(GEN)/version.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-unused-parameter -Wno-missing-prototypes -Wno-shadow \
	    -Icompiler -I$(GEN) -c $< -o $@

# libyaml reads YAML pipelines (compiler/yaml.c).
YAML_CFLAGS := $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
YAML_LIBS   := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)

# PCRE2 compiles the regex builtins' patterns: in fpipec (check.c, a bad
# pattern is a compile error) and in programs (runtime/regex.c).
PCRE2_LIBS  := $(shell pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)

$(BUILD)/fpipec: $(COMPILER_OBJ)
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -o $@ $^ $(YAML_LIBS) $(PCRE2_LIBS)

# editor/'s syntax files come from the compiler's tables: scripts/gen-editor.c,
# linked with the compiler's objects; tests/fmt.sh compares its output with
# the committed files.
$(BUILD)/gen-editor: scripts/gen-editor.c $(filter-out %/main.o,$(COMPILER_OBJ))
	$(CC) $(CFLAGS_ALL) -Icompiler -I$(GEN) $^ $(YAML_LIBS) $(PCRE2_LIBS) -o $@

editor: $(BUILD)/gen-editor
	@mkdir -p editor/vim/syntax editor/vim/ftdetect editor/vim/ftplugin editor/emacs
	$(BUILD)/gen-editor vim-syntax > editor/vim/syntax/fpipe.vim
	$(BUILD)/gen-editor vim-ftdetect > editor/vim/ftdetect/fpipe.vim
	$(BUILD)/gen-editor vim-ftplugin > editor/vim/ftplugin/fpipe.vim
	$(BUILD)/gen-editor emacs > editor/emacs/fpipe-mode.el

# ---- runtime ------------------------------------------------------------

# --version of every program (driver.c).
RT_VERSION := -DFP_VERSION='"$(VERSION)"'
$(BUILD)/obj/runtime/driver.o $(BUILD)/obj/runtime-mpi/driver.o: $(GEN)/version.h
$(BUILD)/obj/runtime/time.o $(BUILD)/obj/runtime-mpi/time.o: runtime/timerules.h

$(BUILD)/obj/runtime/%.o: runtime/%.c runtime/fpipe.h runtime/libfpipe.h runtime/internal.h runtime/dist.h runtime/jsonl.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(RT_VERSION) -fopenmp -Iruntime -c $< -o $@

# f64.cc throws nothing: without exception tables it needs no C++ runtime,
# so a program that prints an f64 links no libstdc++ (docs/running.md).
$(BUILD)/obj/runtime/f64.o $(BUILD)/obj/runtime-mpi/f64.o: CXXFLAGS += -fno-exceptions -fno-rtti

$(BUILD)/obj/runtime/%.o: runtime/%.cc runtime/jsonl.h
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_ALL) -Iruntime -c $< -o $@

$(BUILD)/libfpipe.a: $(RUNTIME_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/runtime-mpi/%.o: runtime/%.c runtime/fpipe.h runtime/libfpipe.h runtime/internal.h runtime/dist.h runtime/jsonl.h
	@mkdir -p $(dir $@)
	OMPI_CC=$(CC) $(MPICC) $(CFLAGS_ALL) $(RT_VERSION) -DFP_MPI -fopenmp -Iruntime -c $< -o $@

$(BUILD)/obj/runtime-mpi/%.o: runtime/%.cc runtime/jsonl.h
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_ALL) -Iruntime -c $< -o $@

$(BUILD)/libfpipe_mpi.a: $(RUNTIME_MPI_OBJ)
	@rm -f $@
	ar rcs $@ $^

# ---- man pages ----------------------------------------------------------

# fpipec(1), fpipe-program(1), fpipe(5): scdoc sources in man/, roff pages
# in $(BUILD)/man/ (`man -l build/man/fpipec.1` shows one).
man: $(MANPAGES)

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	scdoc < $< > $@

# ---- set-up, demo, tests, bench ----------------------------------------

deps:
	@bash scripts/install-deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh

test: deps
	@$(MAKE) --no-print-directory all
	@bash tests/run.sh $(BUILD)

# Everything — compiler, runtime and the generated programs — under
# AddressSanitizer and UndefinedBehaviorSanitizer, in its own build folder.
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
test-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" SAN="$(ASAN_FLAGS)" all
	@FPIPE_CFLAGS="$(ASAN_FLAGS) -O1 -g" bash tests/run.sh build-asan

# libFuzzer targets (tests/fuzz/): the compiler and runtime objects built
# by clang with coverage instrumentation in build-fuzz, each target linked
# with libFuzzer's main; lines and csv also with FP_NO_SIMD (the portable
# code of the inline scanners).  tests/fuzz/run.sh runs them and the cc
# check.
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 20
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra $(FUZZ_SAN) -fsanitize=fuzzer
FUZZ_FRONT   := $(filter-out %/main.o,$(COMPILER_OBJ:$(BUILD)/%=$(FUZZ_BUILD)/%))
fuzz-build: deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CXX=clang++ OPT="-O1 -g" \
	    SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" all
	@for t in parse frontend fmt yaml; do \
	    echo "clang ... tests/fuzz/fuzz_$$t.c -o $(FUZZ_BUILD)/fuzz_$$t"; \
	    clang $(FUZZ_CFLAGS) -Icompiler -I$(FUZZ_BUILD)/gen tests/fuzz/fuzz_$$t.c \
	        $(FUZZ_FRONT) $(YAML_LIBS) $(PCRE2_LIBS) -o $(FUZZ_BUILD)/fuzz_$$t || exit 1; done
	@for t in lines csv jsonl builtins config checkpoint; do \
	    echo "clang ... tests/fuzz/fuzz_$$t.c -o $(FUZZ_BUILD)/fuzz_$$t"; \
	    clang $(FUZZ_CFLAGS) -fopenmp -Iruntime tests/fuzz/fuzz_$$t.c \
	        $(FUZZ_BUILD)/libfpipe.a $(RUNTIME_LIBS) -o $(FUZZ_BUILD)/fuzz_$$t || exit 1; done
	@echo "clang ... tests/fuzz/fuzz_e2e.c (the examples' C) -o $(FUZZ_BUILD)/fuzz_e2e"; \
	objs=$$(bash tests/fuzz/e2e-progs.sh $(FUZZ_BUILD)/fpipec $(FUZZ_BUILD)/e2e clang -O1 -g \
	    $(FUZZ_SAN) -fsanitize=fuzzer-no-link) && \
	clang $(FUZZ_CFLAGS) -fopenmp tests/fuzz/fuzz_e2e.c $$objs $(FUZZ_BUILD)/libfpipe.a \
	    $(RUNTIME_LIBS) -o $(FUZZ_BUILD)/fuzz_e2e
	@for t in lines csv; do \
	    echo "clang -DFP_NO_SIMD ... tests/fuzz/fuzz_$$t.c -o $(FUZZ_BUILD)/fuzz_$${t}_nosimd"; \
	    clang $(FUZZ_CFLAGS) -DFP_NO_SIMD -fopenmp -Iruntime tests/fuzz/fuzz_$$t.c \
	        $(FUZZ_BUILD)/libfpipe.a $(RUNTIME_LIBS) -o $(FUZZ_BUILD)/fuzz_$${t}_nosimd || exit 1; done

fuzz: fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Static checks (CI runs them).  cppcheck with three groups of checks:
#   warning      likely bugs: NULL dereferences, uninitialised reads, leaks,
#                realloc losing its block, out-of-bounds indexes;
#   portability  implementation-defined behaviour (signed shifts, casts);
#   performance  cheap to keep clean (structs by value, redundant copies).
# Not "style": it is taste (variable scopes, const) and would churn code.
# tests/lint/fpipe.cfg tells it which functions never return;
# tests/lint/cppcheck.supp lists the false positives, each with its reason.
# Both SIMD and portable (FP_NO_SIMD) code are checked.  Then every source
# through clang -fsyntax-only with the build's warnings as errors (gcc
# builds by default; clang finds other things, e.g. shift counts).
CPPCHECK := cppcheck -q --std=c11 --enable=warning,portability,performance \
            --library=tests/lint/fpipe.cfg --suppressions-list=tests/lint/cppcheck.supp \
            --inline-suppr --error-exitcode=1 --suppress=missingIncludeSystem \
            -D_DEFAULT_SOURCE -DFP_VERSION='"$(VERSION)"' -Icompiler -I$(GEN) -Iruntime
# (the parser's $(GEN)/fpipe.h before runtime/: runtime/fpipe.h, the API of
# linked C files, has the same name; libfpipe.h finds its own beside it)
lint: $(GEN)/fpipe.h $(GEN)/lexer.c $(GEN)/version.h $(GEN)/install-dirs.h
	$(CPPCHECK) compiler/*.c runtime/*.c
	$(CPPCHECK) -DFP_NO_SIMD runtime/*.c
	clang -fsyntax-only -std=c11 -D_DEFAULT_SOURCE $(WARN) -Werror -Icompiler -I$(GEN) compiler/*.c
	clang -fsyntax-only -std=c11 -D_DEFAULT_SOURCE $(RT_VERSION) $(WARN) -Werror -fopenmp -Iruntime \
	    $(filter-out runtime/mpi.c,$(wildcard runtime/*.c))
	clang++ -fsyntax-only -std=c++17 $(filter-out -Werror,$(CXXWARN)) -Werror \
	    $(if $(DRAGONBOX_INC),-I$(DRAGONBOX_INC)) -Iruntime $(RUNTIME_CXX)
	@if command -v $(MPICC) > /dev/null; then \
	    echo "clang -fsyntax-only ... -DFP_MPI \$$(mpicc --showme:compile) runtime/*.c"; \
	    clang -fsyntax-only -std=c11 -D_DEFAULT_SOURCE $(WARN) -Werror -fopenmp -DFP_MPI \
	        $$($(MPICC) --showme:compile) $(RT_VERSION) -Iruntime runtime/*.c || exit 1; fi
	@echo "lint: clean"

bench: deps
	@$(MAKE) --no-print-directory all
	@bash bench/run.sh $(BUILD)

golden: all
	@UPDATE_GOLDEN=1 bash tests/run.sh $(BUILD)

# make install: fpipe.pc, fpipe-mpi.pc and the CMake package are written
# from their templates (pkgconfig/, cmake/) with the real folders and
# RUNTIME_LIBS; editor/ (if there) goes to DATADIR/fpipe/editor.
# In the .pc files, folders under PREFIX are written as ${prefix}/...
PC_DIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
            -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
            -e 's|@PC_LIBDIR@|$(call PC_DIR,$(LIBDIR))|g' \
            -e 's|@PC_INCLUDEDIR@|$(call PC_DIR,$(INCLUDEDIR))|g' -e 's|@LIBS@|$(strip $(RUNTIME_LIBS))|g'
D = $(DESTDIR)
install: all $(MANPAGES)
	@mkdir -p $(BUILD)/install
	$(DIRS) '$(INCLUDEDIR)' '$(LIBDIR)' "$$(realpath -m --relative-to='$(BINDIR)' '$(INCLUDEDIR)')" \
	    "$$(realpath -m --relative-to='$(BINDIR)' '$(LIBDIR)')" > $(BUILD)/install/dirs.c
	$(CC) $(CFLAGS_ALL) -I$(GEN) -c $(BUILD)/install/dirs.c -o $(BUILD)/install/dirs.o
	$(CC) $(OPT) $(SAN) $(LDFLAGS) -o $(BUILD)/install/fpipec \
	    $(filter-out %/dirs-none.o,$(COMPILER_OBJ)) $(BUILD)/install/dirs.o $(YAML_LIBS) $(PCRE2_LIBS)
	$(SUBST) pkgconfig/fpipe.pc.in > $(BUILD)/install/fpipe.pc
	$(SUBST) pkgconfig/fpipe-mpi.pc.in > $(BUILD)/install/fpipe-mpi.pc
	$(SUBST) cmake/fpipe-config.cmake.in > $(BUILD)/install/fpipe-config.cmake
	$(SUBST) cmake/fpipe-config-version.cmake.in > $(BUILD)/install/fpipe-config-version.cmake
	install -d $(D)$(BINDIR) $(D)$(INCLUDEDIR) $(D)$(LIBDIR) $(D)$(PKGCONFIGDIR) \
	    $(D)$(DATADIR)/fpipe/cmake
	install -m 755 $(BUILD)/install/fpipec $(D)$(BINDIR)/fpipec
	install -m 644 runtime/fpipe.h runtime/libfpipe.h $(D)$(INCLUDEDIR)/
	install -m 644 $(BUILD)/libfpipe.a $(D)$(LIBDIR)/libfpipe.a
	install -m 644 $(BUILD)/install/fpipe.pc $(D)$(PKGCONFIGDIR)/fpipe.pc
	install -m 644 $(BUILD)/install/fpipe-config.cmake $(BUILD)/install/fpipe-config-version.cmake \
	    $(D)$(DATADIR)/fpipe/cmake/
	if [ -f $(BUILD)/libfpipe_mpi.a ]; then \
	    install -m 644 $(BUILD)/libfpipe_mpi.a $(D)$(LIBDIR)/libfpipe_mpi.a && \
	    install -m 644 $(BUILD)/install/fpipe-mpi.pc $(D)$(PKGCONFIGDIR)/fpipe-mpi.pc; fi
	for m in $(MANPAGES); do sec=$${m##*.}; \
	    install -d $(D)$(MANDIR)/man$$sec && install -m 644 $$m $(D)$(MANDIR)/man$$sec/ || exit 1; done
	if [ -d editor ]; then install -d $(D)$(DATADIR)/fpipe/editor && \
	    cp -R editor/. $(D)$(DATADIR)/fpipe/editor/; fi
	install -d $(D)$(DATADIR)/bash-completion/completions
	install -m 644 completion/fpipec.bash $(D)$(DATADIR)/bash-completion/completions/fpipec

uninstall:
	rm -f $(D)$(BINDIR)/fpipec $(D)$(INCLUDEDIR)/fpipe.h $(D)$(INCLUDEDIR)/libfpipe.h \
	    $(D)$(LIBDIR)/libfpipe.a $(D)$(LIBDIR)/libfpipe_mpi.a \
	    $(D)$(PKGCONFIGDIR)/fpipe.pc $(D)$(PKGCONFIGDIR)/fpipe-mpi.pc \
	    $(D)$(DATADIR)/fpipe/cmake/fpipe-config.cmake \
	    $(D)$(DATADIR)/fpipe/cmake/fpipe-config-version.cmake
	for m in $(MANPAGES); do rm -f $(D)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	rm -rf $(D)$(DATADIR)/fpipe/editor
	rm -f $(D)$(DATADIR)/bash-completion/completions/fpipec
	-rmdir $(D)$(DATADIR)/bash-completion/completions $(D)$(DATADIR)/bash-completion 2> /dev/null
	-rmdir $(D)$(DATADIR)/fpipe/cmake $(D)$(DATADIR)/fpipe 2> /dev/null

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all man editor deps demo test test-asan fuzz fuzz-build lint bench golden install uninstall clean FORCE
FORCE:
