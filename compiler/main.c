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

/* fpipec's --help. */
static void usage(FILE *f)
{
    fputs("usage: fpipec COMMAND FILE.fpipe|FILE.yaml [options]\n"
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
          "  convert FILE [--to yaml|fpipe] [-o OUT]\n"
          "                         a YAML pipeline as .fpipe, or a .fpipe one as YAML\n"
          "  header FILE [-o OUT.h] the types and prototypes of the extern C functions,\n"
          "                         for the C file named by `link` (build writes its own)\n"
          "  verify FILE [--seed N] property tests: every declared monoid's laws, every\n"
          "                         extern's determinism (and batch split invariance)\n"
          "\n"
          "options:\n"
          "  -o PATH                output file for emit-c and build\n"
          "  --line-directives      emit-c/build: #line directives pointing at the .fpipe\n"
          "  --diagnostics-format=text|json\n"
          "                         json: one JSON object per diagnostic and line (stderr)\n"
          "  --seed N               verify: the random seed (default 1)\n"
          "  --backend openmp|mpi   build/run: one machine (default), or MPI ranks: compiled\n"
          "                         with mpicc and libfpipe_mpi.a, run with mpirun\n"
          "  --help, --version\n"
          "\n"
          "environment (build): CC (default cc), MPICC (--backend mpi, default mpicc),\n"
          "FPIPE_CFLAGS (extra C compiler flags), FPIPE_INCLUDE_DIR (the folder of\n"
          "libfpipe.h), FPIPE_LIB_DIR (of libfpipe.a and libfpipe_mpi.a), FPIPE_RUNTIME\n"
          "(one folder holding both); default: the build or install tree of fpipec\n"
          "\n"
          "exit codes: 0 success, 1 errors in the program, 2 usage or I/O error,\n"
          "            3 the C compiler failed\n",
          f);
}

/* Read the whole file at path into src, NUL-terminated (the lexer's
 * sentinel).  A folder, an unreadable file or one over 2 GiB is an
 * error message and false. */
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
        char *q = realloc(p, cap);
        if (!q)
            free(p);   /* and exit above */
        p = q;
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


/* Write the C and the headers into dir and compile them to exe. */
static int build_in(Arena *a, const Ir *ir, const Str *c, const char *dir, const char *name,
                    const char *exe)
{
    const char *cfile = arena_printf(a, "%s/%s.c", dir, name);
    PtrVec cfiles = {0};
    int rc = write_headers(a, ir, dir, &cfiles);
    if (rc == 0)
        rc = write_file(cfile, c) ? run_cc(a, ir, cfile, exe, dir, &cfiles) : 2;
    return rc;
}

/* fpipec run: build into a temporary folder, run the program there with
 * args, remove the folder; the program's exit status (128 + a signal). */
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

/* The command line, then the passes in order (see the top of the file). */
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
    const char *file = NULL, *out = NULL, *to = NULL;
    EmitOpts eopts = {0};
    char **run_args = NULL;   /* after "--": the program's arguments */
    bool json = false;
    unsigned long long seed = 1;
    bool seed_given = false;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            run_args = argv + i + 1;
            break;
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--to") && i + 1 < argc) {
            to = argv[++i];
            if (strcmp(to, "yaml") && strcmp(to, "fpipe")) {
                fprintf(stderr, "fpipec: error: --to takes yaml or fpipe, not '%s'\n", to);
                return 2;
            }
        } else if (!strcmp(argv[i], "--line-directives")) {
            eopts.line_directives = true;
        } else if (!strcmp(argv[i], "--diagnostics-format=json") ||
                   !strcmp(argv[i], "--diagnostics-format=text")) {
            json = argv[i][21] == 'j';
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            char *end;
            errno = 0;
            seed = strtoull(argv[++i], &end, 10);
            if (errno || !*argv[i] || *end || argv[i][0] == '-') {
                fprintf(stderr, "fpipec: error: --seed takes a number, not '%s'\n", argv[i]);
                return 2;
            }
            seed_given = true;
        } else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
            const char *b = argv[++i];
            if (strcmp(b, "mpi") && strcmp(b, "openmp")) {
                fprintf(stderr, "fpipec: error: unknown backend '%s' (openmp or mpi)\n", b);
                return 2;
            }
            backend_mpi = !strcmp(b, "mpi");
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
    bool is_header = !strcmp(cmd, "header"), is_convert = !strcmp(cmd, "convert");
    bool is_verify = !strcmp(cmd, "verify");
    if (!(is_check || is_explain || is_emit || is_build || is_run || is_dot || is_header ||
          is_convert || is_verify)) {
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
    d.json = json;
    int rc = 1;

    /* A .yaml or .yml file is a YAML pipeline (yaml.c); anything else .fpipe. */
    size_t flen = strlen(file);
    bool is_yaml = (flen > 5 && !strcmp(file + flen - 5, ".yaml")) ||
                   (flen > 4 && !strcmp(file + flen - 4, ".yml"));
    Program *prog = is_yaml ? yaml_program(a, &src, &d) : parse_program(a, &src, &d);
    Ir *ir = prog ? check_program(a, prog, &d) : NULL;
    if (!ir)
        goto done;
    Plan *plan = plan_build(a, ir);
    rc = 0;
    if (is_verify) {
        rc = verify_program(a, ir, seed, seed_given);
        goto done;
    }
    /* The contracts (contracts.c), then the purity audit of the linked C
     * files (audit.c). */
    if ((is_check || is_build || is_run) && !contracts_check(a, ir, prog, &d)) {
        rc = 1;
        goto done;
    }
    if (ir->nlinks && (is_check || is_build || is_run)) {
        int trouble = 0;
        if (!audit_links(a, ir, &d, is_check, &trouble)) {
            rc = trouble ? trouble : 1;
            goto done;
        }
    }
    if (is_check)
        goto done;

    if (is_convert) {
        /* YAML to .fpipe by default, .fpipe to YAML with --to yaml. */
        Str t = {0};
        if (to ? !strcmp(to, "yaml") : !is_yaml)
            ir_to_yaml(&t, ir);
        else
            ir_to_fpipe(&t, ir);
        rc = write_file(out ? out : "-", &t) ? 0 : 2;
        str_free(&t);
        goto done;
    }
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
    explain_contracts_dump(&explain, plan);
    if (is_explain) {
        fputs(explain.p, stdout);
        str_free(&explain);
        goto done;
    }
    Str c = {0};
    plan_hash_links(plan, a);   /* emit_c reads no files */
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
    diag_finish(&d);
    if (d.nerrors && !d.json)
        fprintf(stderr, "%d error%s generated.\n", d.nerrors, d.nerrors == 1 ? "" : "s");
    arena_free(a);
    types_reset();
    free((void *)src.text);
    return rc;
}
