/* build.c — turning generated C into a program: finding libfpipe, the
 * headers of linked C files, the C compiler, temporary build folders.
 * Shared by main.c (build, run) and by verify.c and audit.c, which
 * compile test programs and audit objects the same way.  run_cc keeps
 * the linked files' symbols apart from the runtime's (build_namespace).
 */
#include "fpipec.h"
#include "install-dirs.h"   /* $(BUILD)/gen, written by the Makefile */

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;   /* the C compiler gets our environment */

/* ---- finding libfpipe ---------------------------------------------- */

/* --backend mpi: mpicc and libfpipe_mpi.a (the same runtime built with
 * -DFP_MPI plus runtime/mpi.c); the generated C is the same. */
bool backend_mpi;
/* fpipec build -MD: each linked C file's object gets its header list,
 * OBJ.d (main.c reads them into the depfile). */
bool build_deps;

static const char *runtime_lib(void)
{
    return backend_mpi ? "libfpipe_mpi.a" : "libfpipe.a";
}

bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where the runtime is looked for, first to last, each file on its own:
 *   libfpipe.h  $FPIPE_INCLUDE_DIR, $FPIPE_RUNTIME, the build tree
 *               (runtime/ beside the folder of this executable), the
 *               installed layout relative to this executable (so a moved
 *               install tree still works), the INCLUDEDIR of `make install`;
 *   the library $FPIPE_LIB_DIR, $FPIPE_RUNTIME, the build tree (the
 *               folder of this executable), the same relative and
 *               absolute LIBDIR.
 * build_dir_* (install-dirs.h) are make install's folders, and their paths
 * relative to BINDIR; empty (skipped) in the build tree's fpipec. */
static const char *find_in(Arena *a, const char *file, const char *const *dirs, int n,
                           Str *tried)
{
    for (int i = 0; i < n; i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        if (file_exists(arena_printf(a, "%s/%s", dirs[i], file)))
            return dirs[i];
        str_add(tried, "\n  %s/%s", dirs[i], file);
    }
    return NULL;
}

/* The folders holding libfpipe.h and the library (libfpipe.a, or
 * libfpipe_mpi.a for --backend mpi); false after saying where it looked. */
bool find_runtime(Arena *a, const char **inc, const char **lib)
{
    const char *exe_dir = NULL;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            exe_dir = arena_printf(a, "%s", exe);
        }
    }
    bool rel = exe_dir && *build_dir_include_rel;   /* an installed fpipec */
    const char *inc_dirs[] = {
        getenv("FPIPE_INCLUDE_DIR"), getenv("FPIPE_RUNTIME"),
        exe_dir ? arena_printf(a, "%s/../runtime", exe_dir) : NULL,
        rel ? arena_printf(a, "%s/%s", exe_dir, build_dir_include_rel) : NULL,
        build_dir_include,
    };
    const char *lib_dirs[] = {
        getenv("FPIPE_LIB_DIR"), getenv("FPIPE_RUNTIME"), exe_dir,
        rel ? arena_printf(a, "%s/%s", exe_dir, build_dir_lib_rel) : NULL,
        build_dir_lib,
    };
    Str tried_inc = {0}, tried_lib = {0};
    *inc = find_in(a, "libfpipe.h", inc_dirs, 5, &tried_inc);
    *lib = find_in(a, runtime_lib(), lib_dirs, 5, &tried_lib);
    if (!*inc || !*lib)
        fprintf(stderr, "fpipec: error: cannot find %s; looked for:%s%s\n"
                "  = hint: set FPIPE_INCLUDE_DIR (the folder of libfpipe.h) and FPIPE_LIB_DIR "
                "(of %s)%s\n",
                !*inc && !*lib ? arena_printf(a, "libfpipe.h and %s", runtime_lib())
                               : !*inc ? "libfpipe.h" : runtime_lib(),
                !*inc && tried_inc.p ? tried_inc.p : "", !*lib && tried_lib.p ? tried_lib.p : "",
                runtime_lib(),
                backend_mpi ? "; libfpipe_mpi.a is built when mpicc is installed" : "");
    str_free(&tried_inc);
    str_free(&tried_lib);
    return *inc && *lib;
}

/* Split a flags string on blanks (no shell: nothing is interpreted). */
void split_words(Arena *a, const char *s, PtrVec *out)
{
    while (s && *s) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *b = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (s > b)
            vec_push(a, out, arena_strndup(a, b, (size_t)(s - b)));
    }
}

/* The C files of `link` lines, as paths from here: relative to the folder
 * of the .fpipe file. */
const char *link_path(Arena *a, const char *fpipe, const char *path)
{
    if (path[0] == '/')
        return path;
    const char *slash = strrchr(fpipe, '/');
    if (!slash)
        return path;
    return arena_printf(a, "%.*s/%s", (int)(slash - fpipe), fpipe, path);
}

/* A file's path as an argument of the C compiler: one starting with '-'
 * would be an option and one starting with '@' a response file (gcc reads
 * its options from it), so those get "./" in front.  Assumes path is a
 * file's path, never meant as an option. */
const char *cc_file_arg(Arena *a, const char *path)
{
    return path[0] == '-' || path[0] == '@' ? arena_printf(a, "./%s", path) : path;
}

/* "rag.c" -> "rag.fpipe.h": the header a linked C file includes. */
const char *header_name(Arena *a, const char *cpath)
{
    const char *base = strrchr(cpath, '/');
    base = base ? base + 1 : cpath;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return arena_printf(a, "%.*s.fpipe.h", (int)n, base);
}

/* Write each linked file's header into dir; a copy beside the C file that
 * differs from it would be included instead, so it is an error. */
int write_headers(Arena *a, const Ir *ir, const char *dir, PtrVec *cfiles)
{
    for (int i = 0; i < ir->nlinks; i++) {
        const char *c = link_path(a, ir->src->path, ir->links[i]->path);
        if (!file_exists(c)) {
            int line, col;
            diag_line_col(ir->src, ir->links[i]->span.off, &line, &col);
            fprintf(stderr, "%s:%d:%d: error: cannot find the linked file '%s'\n",
                    ir->src->path, line, col, c);
            return 1;
        }
        vec_push(a, cfiles, (void *)c);
        const char *hn = header_name(a, c);
        Str h = {0};
        emit_header(&h, ir, hn);
        bool ok = write_file(arena_printf(a, "%s/%s", dir, hn), &h);
        const char *slash = strrchr(c, '/');
        const char *beside = slash ? arena_printf(a, "%.*s/%s", (int)(slash - c), c, hn) : hn;
        size_t n;
        char *old = file_read(beside, &n, FILE_QUIET);
        if (old && (n != h.n || memcmp(old, h.p, n) != 0)) {
            fprintf(stderr, "fpipec: error: '%s' is out of date: the C compiler would include "
                            "it instead of the header of %s\n  = hint: remove it, or "
                            "rewrite it with: fpipec header %s -o %s\n",
                    beside, ir->src->path, ir->src->path, beside);
            ok = false;
        }
        free(old);
        str_free(&h);
        if (!ok)
            return 2;
    }
    return 0;
}

/* Run argv (NULL-terminated) and wait: 0 when it exits 0, else 3 (2 when
 * it cannot start: no such program, as with CC=nosuchcc, is the
 * environment's trouble, not the generated code's).  Its output goes to
 * our stderr and stdout.  posix_spawnp reports a failed exec itself. */
static int run_argv(const PtrVec *argv)
{
    pid_t pid;
    int err = posix_spawnp(&pid, argv->v[0], NULL, NULL, (char **)argv->v, environ);
    if (err) {
        fprintf(stderr, "fpipec: error: cannot run '%s': %s\n", (char *)argv->v[0],
                strerror(err));
        return 2;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 3;
}

/* The start of every C compiler command: $CC (or $MPICC) split on blanks,
 * our fixed flags, then $FPIPE_CFLAGS. */
static void cc_command(Arena *a, PtrVec *argv)
{
    const char *cc = getenv(backend_mpi ? "MPICC" : "CC");
    split_words(a, cc && *cc ? cc : backend_mpi ? "mpicc" : "cc", argv);
    const char *fixed[] = {"-std=c11", "-O2", "-fopenmp", "-Wall", "-Wextra"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        vec_push(a, argv, (void *)fixed[i]);
    split_words(a, getenv("FPIPE_CFLAGS"), argv);
}

/* Compile one C file to an object (no link-time optimisation: objcopy
 * must see the real symbols). */
static int cc_object(Arena *a, const char *cfile, const char *obj, const char *inc,
                     const char *incdir)
{
    PtrVec argv = {0};
    cc_command(a, &argv);
    vec_push(a, &argv, "-fno-lto");
    vec_push(a, &argv, arena_printf(a, "-I%s", inc));
    vec_push(a, &argv, arena_printf(a, "-I%s", incdir));
    if (build_deps) {   /* fpipec build -MD: the headers it includes, in OBJ.d */
        vec_push(a, &argv, "-MMD");
        vec_push(a, &argv, "-MF");
        vec_push(a, &argv, arena_printf(a, "%s.d", obj));
    }
    vec_push(a, &argv, "-c");
    vec_push(a, &argv, (void *)cc_file_arg(a, cfile));
    vec_push(a, &argv, "-o");
    vec_push(a, &argv, (void *)obj);
    vec_push(a, &argv, NULL);
    return run_argv(&argv);
}

/* The linker name of extern NAME: its C name with BUILD_EXTERN_PREFIX in
 * front (see build_namespace). */
const char *build_extern_symbol(Arena *a, const char *name)
{
    return arena_printf(a, "%s%s", BUILD_EXTERN_PREFIX, name);
}

/* Put the externs' symbols of an object into their own namespace with
 * objcopy: every extern NAME becomes BUILD_EXTERN_PREFIX NAME (defined or
 * called); with `localize`, every other global the object defines becomes
 * local to it.  So a linked C file's functions, declared or not, can never
 * stand in for a function the runtime or its libraries call (write, open,
 * crc32, ...): the final link resolves those names elsewhere. */
static int build_namespace(Arena *a, const Ir *ir, const char *obj, bool localize)
{
    PtrVec argv = {0};
    vec_push(a, &argv, "objcopy");
    for (int i = 0; i < ir->nexterns; i++) {
        const char *sym = build_extern_symbol(a, ir->externs[i]->name);
        vec_push(a, &argv, arena_printf(a, "--redefine-sym=%s=%s", ir->externs[i]->name, sym));
        if (localize)   /* -G: applied after the renaming */
            vec_push(a, &argv, arena_printf(a, "--keep-global-symbol=%s", sym));
    }
    if (localize && ir->nexterns == 0)
        vec_push(a, &argv, "--localize-symbol=*");
    if (localize)
        vec_push(a, &argv, "--wildcard");
    vec_push(a, &argv, (void *)cc_file_arg(a, obj));
    vec_push(a, &argv, NULL);
    int rc = run_argv(&argv);
    if (rc != 0)
        fprintf(stderr, "fpipec: error: objcopy (binutils) failed on '%s'\n", obj);
    return rc;
}

/* Compile the generated C (cfile) with the linked C files into exe.
 * Without linked files: one command.  With them, each is compiled to an
 * object in incdir (the folder of their headers), the generated code too;
 * build_namespace renames the externs in all of them and hides the linked
 * files' other globals; then one link.  The objects are removed. */
int run_cc(Arena *a, const Ir *ir, const char *cfile, const char *exe, const char *incdir,
           const PtrVec *cfiles)
{
    const char *inc, *lib;
    if (!find_runtime(a, &inc, &lib))
        return 2;
    bool linked = cfiles && cfiles->n > 0 && incdir;
    PtrVec objs = {0};
    int rc = 0;
    if (linked) {
        const char *gen = arena_printf(a, "%s/fp-generated.o", incdir);
        rc = cc_object(a, cfile, gen, inc, incdir);
        if (rc == 0) {
            vec_push(a, &objs, (void *)gen);
            rc = build_namespace(a, ir, gen, false);
        }
        for (int i = 0; rc == 0 && i < cfiles->n; i++) {
            const char *o = arena_printf(a, "%s/fp-linked%d.o", incdir, i);
            rc = cc_object(a, cfiles->v[i], o, inc, incdir);
            if (rc == 0) {
                vec_push(a, &objs, (void *)o);
                rc = build_namespace(a, ir, o, true);
            }
        }
    }
    if (rc == 0) {
        PtrVec argv = {0};
        cc_command(a, &argv);
        if (linked) {
            for (int i = 0; i < objs.n; i++)
                vec_push(a, &argv, (void *)cc_file_arg(a, objs.v[i]));
        } else {
            vec_push(a, &argv, arena_printf(a, "-I%s", inc));
            vec_push(a, &argv, (void *)cc_file_arg(a, cfile));
        }
        vec_push(a, &argv, arena_printf(a, "%s/%s", lib, runtime_lib()));
        /* The libraries the runtime can use, and libm for linked C files;
         * the linker keeps only those the objects it took from the
         * library call (--as-needed): FP_LINK_LIBS, from the Makefile's
         * RUNTIME_LIBS, which fpipe.pc's Libs line also holds. */
        split_words(a, FP_LINK_LIBS, &argv);
        vec_push(a, &argv, "-o");
        vec_push(a, &argv, (void *)exe);
        vec_push(a, &argv, NULL);
        rc = run_argv(&argv);
    }
    for (int i = 0; i < objs.n; i++)
        unlink(objs.v[i]);
    if (rc == 3)
        fprintf(stderr, "fpipec: error: the C compiler failed on the generated code%s\n",
                cfiles && cfiles->n ? " or a linked C file" : "");
    return rc;
}

/* fpipec run: build into a private temporary folder, run the program with
 * the given arguments (stdin, stdout and stderr are the caller's), remove
 * the folder, and exit with the program's status. */
char *make_tmpdir(Arena *a, const char *what)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = arena_printf(a, "%s/fpipec-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "fpipec: error: cannot create a temporary folder: %s\n", strerror(errno));
        return NULL;
    }
    return dir;
}

/* Remove the build folder: the generated C, the headers, the program. */
void remove_tmpdir(Arena *a, const Ir *ir, const char *dir, const char *name)
{
    unlink(arena_printf(a, "%s/%s.c", dir, name));
    for (int i = 0; i < ir->nlinks; i++)
        unlink(arena_printf(a, "%s/%s", dir, header_name(a, ir->links[i]->path)));
    rmdir(dir);
}
