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
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the command line ----------------------------------------------
 *
 * One table of verbs and one of options: getopt_long reads the command
 * line from them, --help and `fpipec help VERB` print them, and the bash
 * completion (completion/fpipec.bash) asks `fpipec --list-options VERB`. */

enum Verb { V_CHECK, V_EXPLAIN, V_EMIT, V_BUILD, V_RUN, V_DOT, V_CONVERT, V_HEADER, V_VERIFY,
            V_FMT, V__COUNT };

static const struct VerbInfo {
    const char *name, *args, *help;
} verbs[V__COUNT] = {
    [V_CHECK] = {"check", "FILE", "report errors and warnings; exit 1 if there are errors"},
    [V_EXPLAIN] = {"explain", "FILE", "print the typed IR and the physical plan"},
    [V_EMIT] = {"emit-c", "FILE [-o OUT.c]", "print (or write) the generated C"},
    [V_BUILD] = {"build", "FILE [-o EXE]", "compile to a native executable (default: FILE's\n"
                                           "name without .fpipe or .yaml, in the current folder)"},
    [V_RUN] = {"run", "FILE [-- ARGS...]", "build into a temporary folder and run it with ARGS\n"
                                           "(its inputs and options); exits with its status"},
    [V_DOT] = {"dot", "FILE [-o OUT.dot]", "the pipeline as a Graphviz graph, stages as clusters"},
    [V_CONVERT] = {"convert", "FILE [--to yaml|fpipe] [-o OUT]",
                   "a YAML pipeline as .fpipe, or a .fpipe one as YAML"},
    [V_HEADER] = {"header", "FILE [-o OUT.h]", "the types and prototypes of the extern C functions,\n"
                                               "for the C file named by `link` (build writes its own)"},
    [V_VERIFY] = {"verify", "FILE [--seed N]", "property tests: every declared monoid's laws, every\n"
                                               "extern's determinism (and batch split invariance)"},
    /* fmt reads its own options (fmt.c: fmt_main, fmt_list_options) */
    [V_FMT] = {"fmt", "[-i|--check] FILE...", "the canonical layout of .fpipe files\n"
                                              "(fpipec fmt --help)"},
};

#define ALL_VERBS ((1u << V_FMT) - 1)   /* the verbs parsed here */
#define VB(v) (1u << (v))

enum { OPT_LINE = 256, OPT_DIAG, OPT_COLOR, OPT_SEED, OPT_BACKEND, OPT_TO, OPT_MD, OPT_MF, OPT_MP };

/* Every option of fpipec.  gcc marks the -MD family, which are single
 * words after one dash, as gcc spells them (read before getopt_long). */
static const struct OptInfo {
    const char *name;   /* long name, or the gcc-style word */
    int has_arg;        /* no_argument, required_argument */
    int val;            /* getopt_long's value: the short option or OPT_* */
    unsigned verbs;     /* VB(V_...) of the verbs that take it */
    const char *arg;    /* the argument in --help: PATH, N, or the words */
    const char *help;
    bool gcc;
} options[] = {
    {"output", required_argument, 'o', VB(V_EMIT) | VB(V_BUILD) | VB(V_DOT) | VB(V_CONVERT) |
     VB(V_HEADER), "PATH", "write to PATH ('-': standard output), not to\n"
                           "standard output (build: the executable's path)", false},
    {"line-directives", no_argument, OPT_LINE, VB(V_EMIT) | VB(V_BUILD) | VB(V_RUN), NULL,
     "#line directives pointing at the .fpipe", false},
    {"backend", required_argument, OPT_BACKEND, VB(V_BUILD) | VB(V_RUN), "openmp|mpi",
     "one machine (default), or MPI ranks: compiled\n"
     "with mpicc and libfpipe_mpi.a, run with mpirun", false},
    {"MD", no_argument, OPT_MD, VB(V_BUILD), NULL,
     "write a Make depfile (EXE.d, or -MF's): the\n"
     ".fpipe, the linked C files and their headers", true},
    {"MF", required_argument, OPT_MF, VB(V_BUILD), "FILE", "the depfile's name (implies -MD)", true},
    {"MP", no_argument, OPT_MP, VB(V_BUILD), NULL,
     "a phony target for each prerequisite in the depfile", true},
    {"to", required_argument, OPT_TO, VB(V_CONVERT), "yaml|fpipe",
     "the form to write (default: the other one)", false},
    {"seed", required_argument, OPT_SEED, VB(V_VERIFY), "N", "the random seed (default 1)", false},
    {"diagnostics-format", required_argument, OPT_DIAG, ALL_VERBS, "text|json",
     "json: one JSON object per diagnostic and line", false},
    {"color", required_argument, OPT_COLOR, ALL_VERBS, "auto|always|never",
     "colours in diagnostics (auto: when stderr is\n"
     "a terminal and NO_COLOR is not set)", false},
    {"help", no_argument, 'h', ALL_VERBS, NULL, "this help", false},
};
#define NOPTIONS (int)(sizeof options / sizeof *options)

static const char env_help[] =
    "environment (build, run): CC (default cc), MPICC (--backend mpi, default mpicc),\n"
    "FPIPE_CFLAGS (extra C compiler flags), FPIPE_INCLUDE_DIR (the folder of\n"
    "libfpipe.h), FPIPE_LIB_DIR (of libfpipe.a and libfpipe_mpi.a), FPIPE_RUNTIME\n"
    "(one folder holding both); default: the build or install tree of fpipec;\n"
    "NO_COLOR (no colours with --color=auto)\n"
    "\n"
    "exit codes: 0 success, 1 errors in the program, 2 usage, I/O or environment\n"
    "            error (a file, the C compiler not found), 3 the C compiler failed\n";

/* The options of the verbs in mask, as --help shows them; with
 * which_verbs, those not for every verb say which they are for. */
static void print_options(FILE *f, unsigned mask, bool which_verbs)
{
    for (int i = 0; i < NOPTIONS; i++) {
        const struct OptInfo *o = &options[i];
        if (!(o->verbs & mask))
            continue;
        char head[64];
        if (o->gcc)
            snprintf(head, sizeof head, "-%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        else
            snprintf(head, sizeof head, "%s--%s%s%s", o->val == 'o' ? "-o, " : o->val == 'h' ? "-h, " : "",
                     o->name, o->arg ? "=" : "", o->arg ? o->arg : "");
        if (strlen(head) > 22)
            fprintf(f, "  %s\n  %-22s ", head, "");
        else
            fprintf(f, "  %-22s ", head);
        for (const char *p = o->help; *p; p++) {
            fputc(*p, f);
            if (*p == '\n')
                fprintf(f, "  %-22s ", "");
        }
        if (which_verbs && o->verbs != ALL_VERBS) {
            fprintf(f, "\n  %-22s for ", "");
            for (int v = 0, n = 0; v < V__COUNT; v++)
                if (o->verbs & VB(v))
                    fprintf(f, "%s%s", n++ ? ", " : "", verbs[v].name);
        }
        fputc('\n', f);
    }
}

/* fpipec --help. */
static void usage(FILE *f)
{
    fputs("usage: fpipec COMMAND [options] FILE.fpipe|FILE.yaml\n"
          "       fpipec help COMMAND | --help | --version\n"
          "\n"
          "commands:\n", f);
    for (int v = 0; v < V__COUNT; v++) {
        fprintf(f, "  %-8s ", verbs[v].name);
        for (const char *p = verbs[v].help; *p; p++) {
            fputc(*p, f);
            if (*p == '\n')
                fprintf(f, "  %-8s ", "");
        }
        fputc('\n', f);
    }
    fputs("\noptions (fpipec help COMMAND: a command's own):\n", f);
    print_options(f, ALL_VERBS, true);
    fputc('\n', f);
    fputs(env_help, f);
}

/* fpipec help VERB, fpipec VERB --help. */
static void verb_usage(FILE *f, int v)
{
    fprintf(f, "usage: fpipec %s [options] %s\n", verbs[v].name, verbs[v].args);
    for (const char *p = verbs[v].help; *p; p++)
        fputc(*p, f);
    fputs("\n\noptions:\n", f);
    print_options(f, VB(v), false);
    fputc('\n', f);
    fputs(env_help, f);
}

/* The hidden `fpipec --list-options [VERB]` for the bash completion: the
 * verbs, or one option of VERB a line, with its argument (words
 * separated by '|', or PATH, FILE, N). */
static int list_options(const char *verb)
{
    if (!verb) {
        for (int v = 0; v < V__COUNT; v++)
            printf("%s\n", verbs[v].name);
        printf("help\n");
        return 0;
    }
    if (!strcmp(verb, verbs[V_FMT].name)) {
        fmt_list_options(stdout);
        return 0;
    }
    for (int v = 0; v < V__COUNT; v++) {
        if (strcmp(verbs[v].name, verb) != 0)
            continue;
        for (int i = 0; i < NOPTIONS; i++) {
            const struct OptInfo *o = &options[i];
            if (!(o->verbs & VB(v)))
                continue;
            const char *arg = o->arg ? o->arg : "";
            if (o->gcc) {
                printf("-%s %s\n", o->name, arg);
                continue;
            }
            if (o->val < 256)
                printf("-%c %s\n", o->val, arg);
            printf("--%s %s\n", o->name, arg);
        }
        return 0;
    }
    fprintf(stderr, "fpipec: error: unknown command '%s'\n", verb);
    return 2;
}

static int find_verb(const char *name)
{
    for (int v = 0; v < V__COUNT; v++)
        if (!strcmp(verbs[v].name, name))
            return v;
    return -1;
}

/* What getopt_long refused, said as fpipec says things (opterr is 0 so
 * that its own messages, named by argv[0]'s path, stay out).  arg is the
 * word it stopped at; the long names are matched here again (as
 * getopt_long does: a unique prefix, or an exact name) to tell an unknown
 * option from an ambiguous one, from one of another verb, and from a
 * value given to an option that takes none. */
static void option_error(int v, const char *arg, int rc, int optopt_)
{
    const char *verb = verbs[v].name;
    if (arg && arg[0] == '-' && arg[1] == '-') {
        const char *name = arg + 2;
        int n = (int)strcspn(name, "=");
        int hits = 0, exact = -1, other = -1;
        char list[512] = "";
        for (int i = 0; i < NOPTIONS; i++) {
            if (options[i].gcc || strncmp(options[i].name, name, (size_t)n) != 0)
                continue;
            if (!(options[i].verbs & VB(v))) {
                other = i;
                continue;
            }
            if ((int)strlen(options[i].name) == n)
                exact = i;
            hits++;
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s--%s", l ? ", " : "", options[i].name);
        }
        if (hits > 1 && exact < 0)
            fprintf(stderr, "fpipec: error: option '--%.*s' is ambiguous (%s)\n", n, name, list);
        else if (hits == 0 && other >= 0)
            fprintf(stderr, "fpipec: error: option '--%s' is not for fpipec %s\n",
                    options[other].name, verb);
        else if (hits == 0)
            fprintf(stderr, "fpipec: error: unknown option '--%.*s'\n", n, name);
        else if (rc == ':')
            fprintf(stderr, "fpipec: error: option '--%.*s' needs a value\n", n, name);
        else
            fprintf(stderr, "fpipec: error: option '--%.*s' takes no value\n", n, name);
    } else if (rc == ':') {
        fprintf(stderr, "fpipec: error: option '-%c' needs a value\n", optopt_);
    } else {
        fprintf(stderr, "fpipec: error: unknown option '-%c'\n", optopt_);
    }
    fprintf(stderr, "fpipec: see 'fpipec help %s'\n", verb);
}

/* The settings of one fpipec command line. */
typedef struct Cmd {
    int verb;
    const char *file, *out, *to;
    EmitOpts eopts;
    char **run_args;       /* after "--": the program's arguments (run) */
    bool json;
    int color;             /* --color: COLOR_AUTO, ... */
    unsigned long long seed;
    bool seed_given;
    bool md, mp;           /* -MD, -MP */
    const char *mf;        /* -MF FILE */
} Cmd;

/* The -MD family, as gcc spells them (one dash, two letters, -MF's file
 * as the next word or joined: -MFdeps.d), taken out of argv before
 * getopt_long (which would read -MD as -M -D).  Stops at "--".  0, or 2
 * after a message. */
static int take_gcc_options(Cmd *cmd, int *argc, char **argv)
{
    int j = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            while (i < *argc)
                argv[j++] = argv[i++];
            break;
        }
        if (!strcmp(a, "-MD")) {
            cmd->md = true;
        } else if (!strcmp(a, "-MP")) {
            cmd->mp = true;
        } else if (!strncmp(a, "-MF", 3)) {
            if (a[3]) {
                cmd->mf = a + 3;
            } else if (i + 1 < *argc) {
                cmd->mf = argv[++i];
            } else {
                fprintf(stderr, "fpipec: error: option '-MF' needs a file name\n");
                return 2;
            }
            cmd->md = true;   /* as gcc's -MF alone does not, but a depfile is asked for */
        } else {
            argv[j++] = argv[i];
            continue;
        }
        if (cmd->verb != V_BUILD) {
            fprintf(stderr, "fpipec: error: option '%.3s' is for fpipec build only\n", a);
            return 2;
        }
    }
    *argc = j;
    argv[j] = NULL;
    return 0;
}

/* argv (from the verb on) into cmd with getopt_long; -1 to go on, else
 * the exit code (0 after --help). */
static int parse_command_line(Cmd *cmd, int argc, char **argv)
{
    int v = cmd->verb;
    if (take_gcc_options(cmd, &argc, argv) != 0)
        return 2;
    struct option longs[NOPTIONS + 1];
    char shorts[16] = ":";   /* ':' first: a missing value is told apart */
    int nl = 0;
    for (int i = 0; i < NOPTIONS; i++) {
        const struct OptInfo *o = &options[i];
        if (o->gcc || !(o->verbs & VB(v)))
            continue;
        longs[nl++] = (struct option){o->name, o->has_arg, NULL, o->val};
        if (o->val < 256) {
            size_t l = strlen(shorts);
            shorts[l] = (char)o->val;
            shorts[l + 1] = 0;
            if (o->has_arg)
                strcat(shorts, ":");
        }
    }
    longs[nl] = (struct option){0};
    /* run: the "--" after which the program's arguments come (for the
     * other verbs "--" only ends the options).  A "--" that is an
     * option's value ("-o --") is not it. */
    char *dd_word = NULL, *dd_next = NULL;   /* the first "--", the one after it */
    int nafter = 0, nafter_next = 0;         /* the words after each */
    for (int i = 1; v == V_RUN && i < argc; i++) {
        if (strcmp(argv[i], "--") != 0)
            continue;
        if (!dd_word) {
            dd_word = argv[i];
            nafter = argc - i - 1;
        } else {
            dd_next = argv[i];
            nafter_next = argc - i - 1;
            break;
        }
    }
    opterr = 0;
    optind = 0;   /* glibc: start afresh */
    int c;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == '?' || c == ':') {
            option_error(v, argv[optind - 1], c, optopt);
            return 2;
        }
        if (optarg && optarg == dd_word) {   /* a value: not the end of options */
            dd_word = dd_next;
            nafter = nafter_next;
            dd_next = NULL;
        }
        switch (c) {
        case 'h':
            verb_usage(stdout, v);
            return 0;
        case 'o':
            cmd->out = optarg;
            break;
        case OPT_LINE:
            cmd->eopts.line_directives = true;
            break;
        case OPT_TO:
            if (strcmp(optarg, "yaml") && strcmp(optarg, "fpipe")) {
                fprintf(stderr, "fpipec: error: --to takes yaml or fpipe, not '%s'\n", optarg);
                return 2;
            }
            cmd->to = optarg;
            break;
        case OPT_DIAG:
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                fprintf(stderr, "fpipec: error: --diagnostics-format takes text or json, not '%s'\n",
                        optarg);
                return 2;
            }
            cmd->json = optarg[0] == 'j';
            break;
        case OPT_COLOR:
            cmd->color = diag_color_when(optarg);
            if (cmd->color < 0) {
                fprintf(stderr, "fpipec: error: --color takes auto, always or never, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            cmd->seed = strtoull(optarg, &end, 10);
            if (errno || !*optarg || *end || optarg[0] == '-') {
                fprintf(stderr, "fpipec: error: --seed takes a number, not '%s'\n", optarg);
                return 2;
            }
            cmd->seed_given = true;
            break;
        }
        case OPT_BACKEND:
            if (strcmp(optarg, "mpi") && strcmp(optarg, "openmp")) {
                fprintf(stderr, "fpipec: error: unknown backend '%s' (openmp or mpi)\n", optarg);
                return 2;
            }
            backend_mpi = !strcmp(optarg, "mpi");
            break;
        }
    }
    /* The operands: argv[optind..) in order; those after the "--" (which
     * getopt_long leaves in place, at the end) are the program's. */
    if (!dd_word)
        nafter = 0;
    int nbefore = argc - optind - nafter;
    if (nbefore < 1) {
        fprintf(stderr, "fpipec: error: %s needs a .fpipe or YAML file (see 'fpipec help %s')\n",
                verbs[v].name, verbs[v].name);
        return 2;
    }
    if (nbefore > 1) {
        fprintf(stderr, "fpipec: error: one .fpipe file at a time ('%s' and '%s')\n", argv[optind],
                argv[optind + 1]);
        return 2;
    }
    cmd->file = argv[optind];
    if (dd_word)
        cmd->run_args = argv + argc - nafter;
    if (v == V_BUILD && cmd->out && !strcmp(cmd->out, "-")) {
        fprintf(stderr, "fpipec: error: build writes an executable file, not standard output: "
                        "-o - is not possible (emit-c -o - writes the C)\n");
        return 2;
    }
    return -1;
}

/* Read the whole file at path into src, NUL-terminated (the lexer's
 * sentinel).  A folder, an unreadable file or one over 2 GiB is an
 * error message and false. */
static bool read_source(const char *path, Source *src)
{
    size_t n;
    char *p = file_read(path, &n, 0);
    if (!p)
        return false;
    src->path = path;
    src->text = p;
    src->len = n;
    return true;
}

/* Write the C and the headers into dir and compile them to exe; the
 * linked C files' paths into cfiles. */
static int build_in(Arena *a, const Ir *ir, const Str *c, const char *dir, const char *name,
                    const char *exe, PtrVec *cfiles)
{
    const char *cfile = arena_printf(a, "%s/%s.c", dir, name);
    int rc = write_headers(a, ir, dir, cfiles);
    if (rc == 0)
        rc = write_file(cfile, c) ? run_cc(a, ir, cfile, exe, dir, cfiles) : 2;
    return rc;
}

/* fpipec run: build into a temporary folder, run the program there with
 * args, remove the folder; the program's exit status (128 + a signal).
 * The program is named after the pipeline's file, so that its messages
 * say whose they are. */
static int build_and_run(Arena *a, const Ir *ir, const Str *c, const char *name, char **args)
{
    char *dir = make_tmpdir(a, "run");
    if (!dir)
        return 2;
    const char *exe = arena_printf(a, "%s/%s", dir, name);
    PtrVec cfiles = {0};
    int rc = build_in(a, ir, c, dir, name, exe, &cfiles);
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

/* ---- fpipec build -MD: the depfile ---------------------------------- */

/* A path as a Make word: blanks and '#' escaped with '\', '$' doubled. */
static void make_word(Str *s, const char *p)
{
    for (; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '#')
            str_add(s, "\\");
        if (*p == '$')
            str_add(s, "$");
        str_addn(s, p, 1);
    }
}

/* Add the prerequisites of a depfile the C compiler wrote (-MMD) to deps,
 * less the headers in dir (fpipec writes those at every build) and those
 * already there. */
static void read_cc_deps(Arena *a, const char *path, const char *dir, PtrVec *deps)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    Str w = {0};
    bool after_colon = false;
    size_t dl = strlen(dir);
    for (int ch = fgetc(f);; ch = fgetc(f)) {
        if (ch == '\\') {
            int next = fgetc(f);
            if (next == '\n')
                ch = ' ';           /* a continued line */
            else if (next != EOF) {
                str_addn(&w, &(char){(char)next}, 1);
                continue;
            }
        }
        if (ch == EOF || ch == ' ' || ch == '\t' || ch == '\n') {
            if (w.n && after_colon && !(strncmp(w.p, dir, dl) == 0 && w.p[dl] == '/')) {
                str_addn(&w, "", 1);
                bool seen = false;
                for (int i = 0; i < deps->n && !seen; i++)
                    seen = !strcmp(deps->v[i], w.p);
                if (!seen)
                    vec_push(a, deps, arena_printf(a, "%s", w.p));
            }
            w.n = 0;
            if (ch == EOF)
                break;
            continue;
        }
        if (ch == ':' && !after_colon) {
            after_colon = true;
            w.n = 0;
            continue;
        }
        str_addn(&w, &(char){(char)ch}, 1);
    }
    str_free(&w);
    fclose(f);
}

/* Write the Make depfile of a build: the executable depends on the
 * pipeline's file, the C files it links and the headers they include. */
static int write_depfile(Arena *a, const Cmd *cmd, const char *exe, const PtrVec *cfiles,
                         const char *dir)
{
    PtrVec deps = {0};
    vec_push(a, &deps, (void *)cmd->file);
    for (int i = 0; i < cfiles->n; i++)
        vec_push(a, &deps, cfiles->v[i]);
    for (int i = 0; i < cfiles->n; i++) {
        const char *d = arena_printf(a, "%s/fp-linked%d.o.d", dir, i);
        read_cc_deps(a, d, dir, &deps);
    }
    Str s = {0};
    make_word(&s, strncmp(exe, "./", 2) == 0 ? exe + 2 : exe);
    str_add(&s, ":");
    for (int i = 0; i < deps.n; i++) {
        str_add(&s, " \\\n  ");
        make_word(&s, deps.v[i]);
    }
    str_add(&s, "\n");
    for (int i = 1; cmd->mp && i < deps.n; i++) {
        str_add(&s, "\n");
        make_word(&s, deps.v[i]);
        str_add(&s, ":\n");
    }
    const char *path = cmd->mf ? cmd->mf : arena_printf(a, "%s.d", exe);
    bool ok = write_file(path, &s);
    str_free(&s);
    return ok ? 0 : 2;
}

/* The C compiler's depfiles of the linked files, in the build folder. */
static void remove_cc_deps(Arena *a, const char *dir, int n)
{
    unlink(arena_printf(a, "%s/fp-generated.o.d", dir));
    for (int i = 0; i < n; i++)
        unlink(arena_printf(a, "%s/fp-linked%d.o.d", dir, i));
}

/* ---- fpipec build: the executable ------------------------------------ */

/* Build into a temporary file beside exe (.NAME.fpipec-XXXXXX), renamed
 * over exe when the build succeeds: a failed build leaves an old exe as it
 * was, and a destination that cannot be written is said before the C
 * compiler runs (exit 2, not the C compiler's 3). */
static int build_exe(Arena *a, const Cmd *cmd, const Ir *ir, const Str *c, const char *exe)
{
    struct stat st;
    if (stat(exe, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "fpipec: error: cannot write '%s': it is a directory\n", exe);
        return 2;
    }
    const char *slash = strrchr(exe, '/');
    char *tmp = slash ? arena_printf(a, "%.*s/.%s.fpipec-XXXXXX", (int)(slash - exe), exe, slash + 1)
                      : arena_printf(a, ".%s.fpipec-XXXXXX", exe);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "fpipec: error: cannot write '%s': %s\n", exe, strerror(errno));
        return 2;
    }
    close(fd);
    char *dir = make_tmpdir(a, "build");
    int rc = 2;
    if (dir) {
        PtrVec cfiles = {0};
        rc = build_in(a, ir, c, dir, "pipeline", tmp, &cfiles);
        mode_t mask = umask(0);
        umask(mask);
        if (rc == 0 && (chmod(tmp, 0777 & ~mask) != 0 || rename(tmp, exe) != 0)) {
            fprintf(stderr, "fpipec: error: cannot write '%s': %s\n", exe, strerror(errno));
            rc = 2;
        }
        if (rc == 0 && cmd->md)
            rc = write_depfile(a, cmd, exe, &cfiles, dir);
        remove_cc_deps(a, dir, cfiles.n);
        remove_tmpdir(a, ir, dir, "pipeline");
    }
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/* ---- the passes ---------------------------------------------------- */

/* FILE's name without its folder and without .fpipe, .yaml or .yml. */
static const char *pipeline_base(Arena *a, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    const char *exts[] = {".fpipe", ".yaml", ".yml"};
    for (int i = 0; i < 3; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && strcmp(base + n - e, exts[i]) == 0) {
            n -= e;
            break;
        }
    }
    return arena_printf(a, "%.*s", (int)n, base);
}

/* build's executable without -o: FILE's name less its extension, in the
 * current folder. */
static const char *default_exe(Arena *a, const char *path)
{
    return arena_printf(a, "./%s", pipeline_base(a, path));
}

/* The command line, then the passes in order (see the top of the file). */
int main(int argc, char **argv)
{
    if (argc >= 2 && find_verb(argv[1]) == V_FMT)
        return fmt_main(argc - 1, argv + 1);
    /* fpipec --help, --version, help [VERB], --list-options [VERB] */
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
                      (!strcmp(argv[1], "help") && argc == 2))) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("fpipec %s\n", FPIPEC_VERSION);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "--list-options"))
        return list_options(argc >= 3 ? argv[2] : NULL);
    if (argc == 3 && !strcmp(argv[1], "help")) {
        int v = find_verb(argv[2]);
        if (v == V_FMT)
            return fmt_main(2, (char *[]){"fmt", "--help", NULL});
        if (v < 0) {
            fprintf(stderr, "fpipec: error: unknown command '%s' (see fpipec --help)\n", argv[2]);
            return 2;
        }
        verb_usage(stdout, v);
        return 0;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    Cmd cmd = {.seed = 1, .color = COLOR_AUTO};
    cmd.verb = find_verb(argv[1]);
    if (cmd.verb < 0) {
        fprintf(stderr, "fpipec: error: unknown command '%s' (see fpipec --help)\n", argv[1]);
        return 2;
    }
    /* from the verb on: argv[0] is the verb for getopt_long */
    int prc = parse_command_line(&cmd, argc - 1, argv + 1);
    if (prc >= 0)
        return prc;
    int verb = cmd.verb;
    bool is_check = verb == V_CHECK, is_explain = verb == V_EXPLAIN, is_emit = verb == V_EMIT;
    bool is_build = verb == V_BUILD, is_run = verb == V_RUN, is_dot = verb == V_DOT;
    bool is_header = verb == V_HEADER, is_convert = verb == V_CONVERT, is_verify = verb == V_VERIFY;
    const char *file = cmd.file, *out = cmd.out, *to = cmd.to;
    build_deps = cmd.md;

    Source src;
    if (!read_source(file, &src))
        return 2;
    Arena *a = arena_new();
    Diags d;
    diag_init(&d, &src, stderr);
    d.json = cmd.json;
    diag_set_color(&d, cmd.color);
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
        diag_finish(&d);   /* the warnings, before the tests' output */
        rc = verify_program(a, ir, cmd.seed, cmd.seed_given);
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
    /* The diagnostics, sorted, and their summary: before anything else
     * is written (the C compiler's messages, the outputs). */
    diag_finish(&d);
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
    emit_c(&c, plan, &cmd.eopts, explain.p);
    str_free(&explain);
    if (is_emit) {
        rc = write_file(out ? out : "-", &c) ? 0 : 2;
    } else if (is_run) {
        const char *name = pipeline_base(a, file);
        rc = build_and_run(a, ir, &c, *name && *name != '.' ? name : "pipeline", cmd.run_args);
    } else {
        rc = build_exe(a, &cmd, ir, &c, out ? out : default_exe(a, file));
    }
    str_free(&c);
done:
    diag_finish(&d);
    arena_free(a);
    types_reset();
    free((void *)src.text);
    return rc;
}
