/* main.c — fpipec's driver: the command line and the passes, in order.
 *
 *   read  -> parse (lexer.re + fpipe.y) -> check (typed IR) -> plan
 *         -> explain | emit C | cc + libfpipe
 *
 * Exit codes: 0 success, 1 the program has errors (diagnostics printed),
 * 2 usage or I/O trouble, 3 the C compiler failed.
 */
#include "fpipec.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fputs("usage: fpipec COMMAND FILE.fpipe [options]\n"
          "\n"
          "commands:\n"
          "  check FILE             report errors and warnings; exit 1 if there are errors\n"
          "  explain FILE           print the typed IR and the physical plan\n"
          "  emit-c FILE [-o OUT.c] print (or write) the generated C\n"
          "  build FILE [-o EXE]    compile to a native executable (default: FILE's\n"
          "                         name without .fpipe, in the current directory)\n"
          "  run FILE [-- ARGS...]  build into a temporary folder and run it with ARGS\n"
          "                         (its inputs and options); exits with its status\n"
          "  dot FILE [-o OUT.dot]  the pipeline as a Graphviz graph, stages as clusters\n"
          "  header FILE [-o OUT.h] the types and prototypes of the extern C functions,\n"
          "                         for the C file named by `link` (build writes its own)\n"
          "\n"
          "options:\n"
          "  -o PATH                output file for emit-c and build\n"
          "  --line-directives      emit-c/build: #line directives pointing at the .fpipe\n"
          "  --help, --version\n"
          "\n"
          "environment (build): CC (default cc), FPIPE_CFLAGS (extra C compiler flags),\n"
          "FPIPE_RUNTIME (a folder holding libfpipe.h and libfpipe.a)\n"
          "\n"
          "exit codes: 0 success, 1 errors in the program, 2 usage or I/O error,\n"
          "            3 the C compiler failed\n",
          f);
}

static bool read_source(const char *path, Source *src)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fpipec: error: cannot open '%s': %s\n", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "fpipec: error: '%s' is a directory\n", path);
        fclose(f);
        return false;
    }
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    for (;;) {
        if (!p) {
            fputs("fpipec: out of memory\n", stderr);
            exit(2);
        }
        n += fread(p + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        p = realloc(p, cap);
    }
    if (ferror(f)) {
        fprintf(stderr, "fpipec: error: cannot read '%s': %s\n", path, strerror(errno));
        fclose(f);
        free(p);
        return false;
    }
    fclose(f);
    if (n > UINT32_MAX / 2) {
        fprintf(stderr, "fpipec: error: '%s' is too large\n", path);
        free(p);
        return false;
    }
    p[n] = 0;
    src->path = path;
    src->text = p;
    src->len = n;
    return true;
}

static bool write_file(const char *path, const Str *s)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "fpipec: error: cannot write '%s': %s\n", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(s->p, 1, s->n, f) == s->n;
    if (f != stdout)
        ok = (fclose(f) == 0) && ok;
    else
        ok = (fflush(f) == 0) && ok;
    if (!ok)
        fprintf(stderr, "fpipec: error: cannot write '%s': %s\n", path, strerror(errno));
    return ok;
}

/* ---- finding libfpipe ---------------------------------------------- */

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The folders holding libfpipe.h and libfpipe.a: $FPIPE_RUNTIME, or next to
 * this executable in the build tree (build/ and runtime/), or an installed
 * layout (bin/ beside include/ and lib/). */
static bool find_runtime(Arena *a, const char **inc, const char **lib)
{
    const char *env = getenv("FPIPE_RUNTIME");
    if (env && *env) {
        *inc = env;
        *lib = env;
        return true;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = 0;
    const char *dir = exe;
    const char *cands[][2] = {
        {arena_printf(a, "%s/../runtime", dir), arena_printf(a, "%s", dir)},
        {arena_printf(a, "%s/../include", dir), arena_printf(a, "%s/../lib", dir)},
    };
    for (size_t i = 0; i < 2; i++) {
        if (file_exists(arena_printf(a, "%s/libfpipe.h", cands[i][0])) &&
            file_exists(arena_printf(a, "%s/libfpipe.a", cands[i][1]))) {
            *inc = cands[i][0];
            *lib = cands[i][1];
            return true;
        }
    }
    return false;
}

/* Split a flags string on blanks (no shell: nothing is interpreted). */
static void split_words(Arena *a, const char *s, PtrVec *out)
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
static const char *link_path(Arena *a, const char *fpipe, const char *path)
{
    if (path[0] == '/')
        return path;
    const char *slash = strrchr(fpipe, '/');
    if (!slash)
        return path;
    return arena_printf(a, "%.*s/%s", (int)(slash - fpipe), fpipe, path);
}

/* "rag.c" -> "rag.fpipe.h": the header a linked C file includes. */
static const char *header_name(Arena *a, const char *cpath)
{
    const char *base = strrchr(cpath, '/');
    base = base ? base + 1 : cpath;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return arena_printf(a, "%.*s.fpipe.h", (int)n, base);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    Str s = {0};
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        str_addn(&s, buf, n);
    fclose(f);
    *len = s.n;
    return s.p ? s.p : calloc(1, 1);
}

/* Write each linked file's header into dir; a copy beside the C file that
 * differs from it would be included instead, so it is an error. */
static int write_headers(Arena *a, const Ir *ir, const char *dir, PtrVec *cfiles)
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
        char *old = slurp(beside, &n);
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

static int run_cc(Arena *a, const char *cfile, const char *exe, const char *incdir,
                  const PtrVec *cfiles)
{
    const char *inc, *lib;
    if (!find_runtime(a, &inc, &lib)) {
        fputs("fpipec: error: cannot find libfpipe (libfpipe.h and libfpipe.a); "
              "set FPIPE_RUNTIME to the folder that holds them\n",
              stderr);
        return 2;
    }
    PtrVec argv = {0};
    const char *cc = getenv("CC");
    split_words(a, cc && *cc ? cc : "cc", &argv);
    const char *fixed[] = {"-std=c11", "-O2", "-fopenmp", "-Wall", "-Wextra"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        vec_push(a, &argv, (void *)fixed[i]);
    split_words(a, getenv("FPIPE_CFLAGS"), &argv);
    vec_push(a, &argv, arena_printf(a, "-I%s", inc));
    if (incdir)   /* the headers of the linked C files */
        vec_push(a, &argv, arena_printf(a, "-I%s", incdir));
    vec_push(a, &argv, (void *)cfile);
    for (int i = 0; cfiles && i < cfiles->n; i++)
        vec_push(a, &argv, cfiles->v[i]);
    vec_push(a, &argv, arena_printf(a, "%s/libfpipe.a", lib));
    /* The libraries the runtime uses (libcsv, jansson), and libm. */
    vec_push(a, &argv, "-lcsv");
    vec_push(a, &argv, "-ljansson");
    vec_push(a, &argv, "-lyaml");   /* --config */
    vec_push(a, &argv, "-lz");      /* gzip inputs */
    vec_push(a, &argv, "-lm");   /* for the linked C files */
    vec_push(a, &argv, "-o");
    vec_push(a, &argv, (void *)exe);
    vec_push(a, &argv, NULL);

    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "fpipec: error: cannot start the C compiler: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        execvp(argv.v[0], (char **)argv.v);
        fprintf(stderr, "fpipec: error: cannot run '%s': %s\n", (char *)argv.v[0],
                strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "fpipec: error: the C compiler failed on the generated code%s\n",
                cfiles && cfiles->n ? " or a linked C file" : "");
        return 3;
    }
    return 0;
}

/* fpipec run: build into a private temporary folder, run the program with
 * the given arguments (stdin, stdout and stderr are the caller's), remove
 * the folder, and exit with the program's status. */
static char *make_tmpdir(Arena *a, const char *what)
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
static void remove_tmpdir(Arena *a, const Ir *ir, const char *dir, const char *name)
{
    unlink(arena_printf(a, "%s/%s.c", dir, name));
    for (int i = 0; i < ir->nlinks; i++)
        unlink(arena_printf(a, "%s/%s", dir, header_name(a, ir->links[i]->path)));
    rmdir(dir);
}

/* Write the C and the headers into dir and compile them to exe. */
static int build_in(Arena *a, const Ir *ir, const Str *c, const char *dir, const char *name,
                    const char *exe)
{
    const char *cfile = arena_printf(a, "%s/%s.c", dir, name);
    PtrVec cfiles = {0};
    int rc = write_headers(a, ir, dir, &cfiles);
    if (rc == 0)
        rc = write_file(cfile, c) ? run_cc(a, cfile, exe, dir, &cfiles) : 2;
    return rc;
}

static int build_and_run(Arena *a, const Ir *ir, const Str *c, const char *name, char **args)
{
    char *dir = make_tmpdir(a, "run");
    if (!dir)
        return 2;
    const char *exe = arena_printf(a, "%s/%s", dir, name);
    int rc = build_in(a, ir, c, dir, name, exe);
    if (rc == 0) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "fpipec: error: cannot start '%s': %s\n", exe, strerror(errno));
            rc = 2;
        } else if (pid == 0) {
            int n = 0;
            while (args && args[n])
                n++;
            char **argv = arena_alloc(a, (size_t)(n + 2) * sizeof *argv);
            argv[0] = (char *)exe;
            for (int i = 0; i < n; i++)
                argv[i + 1] = args[i];
            execv(exe, argv);
            fprintf(stderr, "fpipec: error: cannot run '%s': %s\n", exe, strerror(errno));
            _exit(127);
        } else {
            int status;
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
    }
    unlink(exe);
    remove_tmpdir(a, ir, dir, name);
    return rc;
}

/* ---- the passes ---------------------------------------------------- */

static const char *default_exe(Arena *a, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 6 && strcmp(base + n - 6, ".fpipe") == 0)
        n -= 6;
    return arena_printf(a, "./%.*s", (int)n, base);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
                      !strcmp(argv[1], "help"))) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("fpipec %s\n", FPIPEC_VERSION);
        return 0;
    }
    if (argc < 3) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    const char *file = NULL, *out = NULL;
    EmitOpts eopts = {0};
    char **run_args = NULL;   /* after "--": the program's arguments */
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            run_args = argv + i + 1;
            break;
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--line-directives")) {
            eopts.line_directives = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "fpipec: error: unknown option '%s' (see fpipec --help)\n", argv[i]);
            return 2;
        } else if (!file) {
            file = argv[i];
        } else {
            fprintf(stderr, "fpipec: error: one .fpipe file at a time ('%s' and '%s')\n", file,
                    argv[i]);
            return 2;
        }
    }
    bool is_check = !strcmp(cmd, "check"), is_explain = !strcmp(cmd, "explain");
    bool is_emit = !strcmp(cmd, "emit-c"), is_build = !strcmp(cmd, "build");
    bool is_run = !strcmp(cmd, "run"), is_dot = !strcmp(cmd, "dot");
    bool is_header = !strcmp(cmd, "header");
    if (!(is_check || is_explain || is_emit || is_build || is_run || is_dot || is_header)) {
        fprintf(stderr, "fpipec: error: unknown command '%s' (see fpipec --help)\n", cmd);
        return 2;
    }
    if (!file) {
        fprintf(stderr, "fpipec: error: %s needs a .fpipe file\n", cmd);
        return 2;
    }
    if (run_args && !is_run) {
        fprintf(stderr, "fpipec: error: arguments after '--' are for 'fpipec run'\n");
        return 2;
    }

    Source src;
    if (!read_source(file, &src))
        return 2;
    Arena *a = arena_new();
    Diags d;
    diag_init(&d, &src, stderr);
    int rc = 1;

    Program *prog = parse_program(a, &src, &d);
    Ir *ir = prog ? check_program(a, prog, &d) : NULL;
    if (!ir)
        goto done;
    Plan *plan = plan_build(a, ir);
    rc = 0;
    if (is_check)
        goto done;

    if (is_header) {
        /* The header a linked C file includes (rag.c: rag.fpipe.h). */
        Str h = {0};
        emit_header(&h, ir, out ? (strrchr(out, '/') ? strrchr(out, '/') + 1 : out)
                                : ir->nlinks ? header_name(a, ir->links[0]->path)
                                             : "extern.fpipe.h");
        rc = write_file(out ? out : "-", &h) ? 0 : 2;
        str_free(&h);
        goto done;
    }
    if (is_dot) {
        Str g = {0};
        plan_dot(&g, plan);
        rc = write_file(out ? out : "-", &g) ? 0 : 2;
        str_free(&g);
        goto done;
    }

    Str explain = {0};
    ir_dump(&explain, ir);
    plan_dump(&explain, plan);
    if (is_explain) {
        fputs(explain.p, stdout);
        str_free(&explain);
        goto done;
    }
    Str c = {0};
    emit_c(&c, plan, &eopts, explain.p);
    str_free(&explain);
    if (is_emit) {
        rc = write_file(out ? out : "-", &c) ? 0 : 2;
    } else if (is_run) {
        rc = build_and_run(a, ir, &c, "pipeline", run_args);
    } else {
        const char *exe = out ? out : default_exe(a, file);
        char *dir = make_tmpdir(a, "build");
        rc = 2;
        if (dir) {
            rc = build_in(a, ir, &c, dir, "pipeline", exe);
            remove_tmpdir(a, ir, dir, "pipeline");
        }
    }
    str_free(&c);
done:
    if (d.nerrors)
        fprintf(stderr, "%d error%s generated.\n", d.nerrors, d.nerrors == 1 ? "" : "s");
    arena_free(a);
    types_reset();
    free((void *)src.text);
    return rc;
}
