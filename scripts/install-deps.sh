#!/usr/bin/env bash
# install-deps.sh — install the Debian packages fpipe needs to build and test.
#
# Idempotent: asks dpkg which packages are already there and installs only the
# missing ones, so with everything present it returns in well under a second.
# Shared by the README (`make demo`, `make test`) and CI (.ci/run).
set -euo pipefail

# What each package is for:
#   build-essential, pkgconf  cc, make, pkg-config
#   re2c, lemon               the lexer and parser generators (grammar/)
#   libyaml-dev               YAML pipelines and run configuration
#   libcsv-dev, libjansson-dev  CSV and JSON-lines sources (runtime/source.c)
#   zlib1g-dev                gzip inputs (runtime/inputs.c)
#   libsimdjson-dev           JSON lines' fast path (runtime/jsonl.cc, a C++ shim)
#   libdragonbox-dev, g++     Dragonbox, the shortest f64 digits (runtime/f64.cc, a C++ shim)
#   libutf8proc-dev           casefold, nfc, words and the other UTF-8 builtins (runtime/strings.c)
#   libxxhash-dev             XXH3, the keyed tables' seeded hash (runtime/libfpipe.h)
#   libpcre2-dev              PCRE2: the regex builtins' patterns, checked by fpipec
#                             (compiler/check.c) and matched by programs (runtime/regex.c)
#   cppcheck                  make lint
#   python3                   independent references in tests (tests/ref/*.py)
#   binutils                  objdump, for the purity audit of linked C files;
#                             objcopy, for the linked files' own symbol namespace
#   sqlite3                   an independent reference for the group-by example
#   libomp-dev                OpenMP runtime headers for clang builds
#   clang, libclang-rt-14-dev sanitizer builds (make test-asan) and fuzzing
#   mawk, coreutils           independent references in tests, make bench
#   time                      GNU time: peak RSS in make bench (bench/memory.sh)
#   graphviz                  checks the output of `fpipec dot`
#   valgrind                  memory checks of the generated programs in make test
#   libopenmpi-dev, openmpi-bin  distributed mode (fpipec build --backend mpi): mpicc, mpirun
#   vim, emacs-nox            tests/fmt.sh: editor/'s Vim files load and highlight, the
#                             Emacs mode byte-compiles and indents as fpipec fmt
#                             (emacs-nox: about 150 MB, 40 s to install)
#   cmake                     tests/install.sh builds a CMake project with the installed
#                             fpipe package (fpipe_add_pipeline)
#   scdoc                     the man pages' source format (man/*.scd -> build/man/)
#   groff-base, man-db        render and show the man pages (groff -man -ww, man -l)
PKGS=(build-essential pkgconf re2c lemon libyaml-dev libomp-dev clang
      libclang-rt-14-dev mawk coreutils graphviz valgrind libcsv-dev
      libjansson-dev sqlite3 libopenmpi-dev openmpi-bin zlib1g-dev cppcheck
      python3 binutils time libxxhash-dev libdragonbox-dev g++
      libsimdjson-dev scdoc groff-base man-db libpcre2-dev libutf8proc-dev
      vim emacs-nox cmake)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent on a fresh machine: update once, then install.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
