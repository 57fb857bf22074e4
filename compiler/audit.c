/* audit.c — the purity audit of linked C files.
 *
 * An extern C function must be pure, and fpipec does not take the
 * declaration's word for it.  Each linked C file is compiled to an object
 * (-O0 -fno-builtin, one section per function and per variable) and its
 * symbol table and relocations are read with objdump: which functions
 * each function calls, which variables it touches.  Calls of I/O, clocks,
 * randomness, the environment, processes, threads or the network, and
 * writable static or global variables (mutable worker state), are errors,
 * reported at the extern whose C function reaches them (through any helper
 * in the file), or at the link line for code no extern reaches.  The
 * denylist below is documented in docs/language.md.
 */
#include "fpipec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the denylist ---------------------------------------------------- */

typedef struct Denied {
    const char *name;
    int what;                /* index into denied_what */
} Denied;

enum { D_IO, D_CLOCK, D_RANDOM, D_ENV, D_PROCESS, D_THREAD, D_NET };

static const char *const denied_what[] = {
    "I/O", "a clock", "randomness", "the environment", "process control", "threads",
    "the network",
};

static const char *const denied_hint[] = {
    "a pure function reads nothing but its arguments and writes nothing but its result: "
    "let the source read and the sink write",
    "the time differs from run to run: pass it in as data if the result must depend on it",
    "random values differ from run to run: derive them from the arguments (e.g. a hash of "
    "them), so that every run gives the same bytes",
    "the environment differs from machine to machine: put settings in the pipeline, as data",
    "a pure function has no effects: processes, signals and exits are not allowed",
    "operators already run in parallel: a C function may not start or synchronise threads",
    "a pure function reads nothing but its arguments: no network",
};

static const Denied denied[] = {
    /* I/O: streams, files, descriptors */
    {"printf", D_IO}, {"vprintf", D_IO}, {"fprintf", D_IO}, {"vfprintf", D_IO},
    {"dprintf", D_IO}, {"vdprintf", D_IO}, {"puts", D_IO}, {"fputs", D_IO},
    {"putc", D_IO}, {"fputc", D_IO}, {"putchar", D_IO}, {"putw", D_IO}, {"fwrite", D_IO},
    {"fread", D_IO}, {"fgetc", D_IO}, {"getc", D_IO}, {"getchar", D_IO}, {"fgets", D_IO},
    {"gets", D_IO}, {"getline", D_IO}, {"getdelim", D_IO}, {"ungetc", D_IO},
    {"scanf", D_IO}, {"fscanf", D_IO}, {"vscanf", D_IO}, {"vfscanf", D_IO},
    {"__isoc99_scanf", D_IO}, {"__isoc99_fscanf", D_IO}, {"__isoc99_vscanf", D_IO},
    {"__isoc99_vfscanf", D_IO}, {"__isoc23_scanf", D_IO}, {"__isoc23_fscanf", D_IO},
    {"__printf_chk", D_IO}, {"__fprintf_chk", D_IO}, {"__vprintf_chk", D_IO},
    {"__vfprintf_chk", D_IO}, {"__dprintf_chk", D_IO}, {"__fread_chk", D_IO},
    {"__fgets_chk", D_IO}, {"_IO_putc", D_IO}, {"_IO_getc", D_IO}, {"perror", D_IO},
    {"fopen", D_IO}, {"fopen64", D_IO}, {"freopen", D_IO}, {"fdopen", D_IO},
    {"fmemopen", D_IO}, {"open_memstream", D_IO}, {"fclose", D_IO}, {"fflush", D_IO},
    {"fseek", D_IO}, {"fseeko", D_IO}, {"ftell", D_IO}, {"ftello", D_IO}, {"rewind", D_IO},
    {"setvbuf", D_IO}, {"setbuf", D_IO}, {"tmpfile", D_IO}, {"tmpnam", D_IO},
    {"mkstemp", D_IO}, {"open", D_IO}, {"open64", D_IO}, {"openat", D_IO}, {"creat", D_IO},
    {"close", D_IO}, {"read", D_IO}, {"write", D_IO}, {"pread", D_IO}, {"pwrite", D_IO},
    {"readv", D_IO}, {"writev", D_IO}, {"lseek", D_IO}, {"fsync", D_IO}, {"stat", D_IO},
    {"fstat", D_IO}, {"lstat", D_IO}, {"access", D_IO}, {"unlink", D_IO}, {"remove", D_IO},
    {"rename", D_IO}, {"mkdir", D_IO}, {"rmdir", D_IO}, {"opendir", D_IO},
    {"readdir", D_IO}, {"closedir", D_IO}, {"mmap", D_IO}, {"munmap", D_IO},
    {"ioctl", D_IO}, {"fcntl", D_IO}, {"dup", D_IO}, {"dup2", D_IO}, {"pipe", D_IO},
    {"dlopen", D_IO}, {"dlsym", D_IO}, {"syslog", D_IO}, {"stdin", D_IO},
    {"stdout", D_IO}, {"stderr", D_IO}, {"syscall", D_IO},
    /* clocks and sleeping */
    {"time", D_CLOCK}, {"clock", D_CLOCK}, {"clock_gettime", D_CLOCK},
    {"gettimeofday", D_CLOCK}, {"ftime", D_CLOCK}, {"times", D_CLOCK},
    {"localtime", D_CLOCK}, {"localtime_r", D_CLOCK}, {"mktime", D_CLOCK},
    {"strftime", D_CLOCK}, {"ctime", D_CLOCK}, {"ctime_r", D_CLOCK}, {"tzset", D_CLOCK},
    {"sleep", D_CLOCK}, {"usleep", D_CLOCK}, {"nanosleep", D_CLOCK},
    {"clock_nanosleep", D_CLOCK}, {"omp_get_wtime", D_CLOCK}, {"getrusage", D_CLOCK},
    /* randomness */
    {"rand", D_RANDOM}, {"srand", D_RANDOM}, {"random", D_RANDOM}, {"srandom", D_RANDOM},
    {"initstate", D_RANDOM}, {"setstate", D_RANDOM}, {"drand48", D_RANDOM},
    {"lrand48", D_RANDOM}, {"mrand48", D_RANDOM}, {"srand48", D_RANDOM},
    {"seed48", D_RANDOM}, {"lcong48", D_RANDOM}, {"arc4random", D_RANDOM},
    {"arc4random_buf", D_RANDOM}, {"arc4random_uniform", D_RANDOM},
    {"getrandom", D_RANDOM}, {"getentropy", D_RANDOM},
    /* the environment */
    {"getenv", D_ENV}, {"secure_getenv", D_ENV}, {"setenv", D_ENV}, {"unsetenv", D_ENV},
    {"putenv", D_ENV}, {"clearenv", D_ENV}, {"environ", D_ENV}, {"__environ", D_ENV},
    {"setlocale", D_ENV}, {"getcwd", D_ENV}, {"chdir", D_ENV}, {"sysconf", D_ENV},
    {"gethostname", D_ENV}, {"uname", D_ENV}, {"getuid", D_ENV}, {"geteuid", D_ENV},
    {"getlogin", D_ENV}, {"omp_get_thread_num", D_ENV}, {"omp_get_num_threads", D_ENV},
    /* processes and signals */
    {"system", D_PROCESS}, {"popen", D_PROCESS}, {"pclose", D_PROCESS},
    {"fork", D_PROCESS}, {"vfork", D_PROCESS}, {"execl", D_PROCESS},
    {"execlp", D_PROCESS}, {"execle", D_PROCESS}, {"execv", D_PROCESS},
    {"execvp", D_PROCESS}, {"execve", D_PROCESS}, {"posix_spawn", D_PROCESS},
    {"posix_spawnp", D_PROCESS}, {"wait", D_PROCESS}, {"waitpid", D_PROCESS},
    {"exit", D_PROCESS}, {"_exit", D_PROCESS}, {"_Exit", D_PROCESS},
    {"quick_exit", D_PROCESS}, {"atexit", D_PROCESS}, {"abort", D_PROCESS},
    {"kill", D_PROCESS}, {"raise", D_PROCESS}, {"signal", D_PROCESS},
    {"sigaction", D_PROCESS}, {"alarm", D_PROCESS}, {"getpid", D_PROCESS},
    {"getppid", D_PROCESS},
    /* threads */
    {"pthread_create", D_THREAD}, {"pthread_join", D_THREAD},
    {"pthread_mutex_lock", D_THREAD}, {"pthread_mutex_unlock", D_THREAD},
    {"pthread_self", D_THREAD}, {"thrd_create", D_THREAD}, {"mtx_lock", D_THREAD},
    /* the network */
    {"socket", D_NET}, {"connect", D_NET}, {"bind", D_NET}, {"listen", D_NET},
    {"accept", D_NET}, {"accept4", D_NET}, {"send", D_NET}, {"sendto", D_NET},
    {"sendmsg", D_NET}, {"recv", D_NET}, {"recvfrom", D_NET}, {"recvmsg", D_NET},
    {"getaddrinfo", D_NET}, {"gethostbyname", D_NET}, {"gethostbyaddr", D_NET},
    {"select", D_NET}, {"poll", D_NET}, {"epoll_create", D_NET}, {"epoll_create1", D_NET},
    {"epoll_wait", D_NET}, {"curl_easy_perform", D_NET},
};

/* The effect (D_IO, D_CLOCK, ...) of calling sym, or -1 if allowed. */
static int denied_of(const char *sym)
{
    for (size_t i = 0; i < sizeof denied / sizeof *denied; i++)
        if (!strcmp(denied[i].name, sym))
            return denied[i].what;
    return -1;
}

/* ---- running tools --------------------------------------------------- */

/* Run argv; its standard output into out (if not NULL), its standard
 * error passed through (or dropped).  The exit status, or -1. */
static int run_tool(char **argv, Str *out, bool quiet)
{
    int fd[2];
    if (out && pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (out) {
            dup2(fd[1], 1);
            close(fd[0]);
            close(fd[1]);
        }
        if (quiet) {
            int nul = open("/dev/null", O_WRONLY);
            if (nul >= 0)
                dup2(nul, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    if (out) {
        close(fd[1]);
        char buf[8192];
        ssize_t n;
        while ((n = read(fd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0)
                str_addn(out, buf, (size_t)n);
        close(fd[0]);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- one object's symbols -------------------------------------------- */

typedef struct Sym {
    const char *name;
    const char *section;     /* "*UND*" when undefined */
    bool func, object, global;
    PtrVec refs;             /* functions: the Sym* its code refers to */
    bool reached;
    bool live;               /* reached from a global function */
} Sym;

typedef struct Obj {
    Arena *a;
    PtrVec syms;
} Obj;

/* The symbol named name in the object, or NULL. */
static Sym *sym_find(Obj *o, const char *name)
{
    for (int i = 0; i < o->syms.n; i++) {
        Sym *s = o->syms.v[i];
        if (!strcmp(s->name, name))
            return s;
    }
    return NULL;
}

/* A variable in its own section (-fdata-sections). */
static Sym *sym_of_section(Obj *o, const char *sec)
{
    for (int i = 0; i < o->syms.n; i++) {
        Sym *s = o->syms.v[i];
        if (s->section && !strcmp(s->section, sec) && (s->object || s->func))
            return s;
    }
    return NULL;
}

/* Is s a variable in writable memory (.data but not .data.rel.ro, .bss,
 * thread-local, common)? */
static bool writable(const Sym *s)
{
    if (!s->object || !s->section)
        return false;
    const char *sec = s->section;
    if (!strncmp(sec, ".data.rel.ro", 12))
        return false;   /* constant once relocated */
    return !strncmp(sec, ".data", 5) || !strncmp(sec, ".bss", 4) || !strncmp(sec, ".tdata", 6) ||
           !strncmp(sec, ".tbss", 5) || !strcmp(sec, "*COM*");
}

/* A variable's name as written: gcc calls the static k of a function k.0,
 * clang f.k. */
static const char *var_name(Arena *a, const char *n)
{
    const char *dot = strchr(n, '.');
    if (!dot)
        return n;
    const char *last = strrchr(n, '.') + 1;
    bool digits = *last != 0;
    for (const char *p = last; *p; p++)
        digits &= *p >= '0' && *p <= '9';
    return digits ? arena_strndup(a, n, (size_t)(dot - n)) : last;
}

/* objdump -t: "ADDR FLAGS SECTION\tSIZE NAME" */
static void parse_symtab(Obj *o, const char *text)
{
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        char *line = arena_strndup(o->a, l, n);
        l += n + (nl ? 1 : 0);
        char *tab = strchr(line, '\t');
        if (!tab || strlen(line) < 18)
            continue;
        *tab = 0;
        char *sec = strrchr(line, ' ');
        if (!sec)
            continue;
        sec++;
        const char *flags = line + 17;
        char *name = strchr(tab + 1, ' ');
        if (!name)
            continue;
        name++;
        while (*name == ' ')
            name++;
        if (!*name)
            continue;
        size_t flen = (size_t)(sec - flags);
        Sym *s = arena_alloc(o->a, sizeof *s);
        s->name = name;
        s->section = sec;
        s->func = memchr(flags, 'F', flen) != NULL;
        s->object = memchr(flags, 'O', flen) != NULL || !strcmp(sec, "*COM*");
        s->global = memchr(flags, 'g', flen) != NULL;
        if (memchr(flags, 'd', flen) || memchr(flags, 'f', flen))
            continue;   /* section and file symbols */
        vec_push(o->a, &o->syms, s);
    }
}

/* objdump -r: "RELOCATION RECORDS FOR [.text.f]:" then "OFF TYPE VALUE". */
static void parse_relocs(Obj *o, const char *text)
{
    Sym *fn = NULL;
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        char *line = arena_strndup(o->a, l, n);
        l += n + (nl ? 1 : 0);
        if (!strncmp(line, "RELOCATION RECORDS FOR [", 24)) {
            char *end = strchr(line + 24, ']');
            if (end)
                *end = 0;
            const char *sec = line + 24;
            fn = !strncmp(sec, ".text.", 6) ? sym_of_section(o, sec) : NULL;
            if (fn && !fn->func)
                fn = NULL;
            continue;
        }
        if (!fn)
            continue;
        char *val = strrchr(line, ' ');
        if (!val || !strchr("0123456789abcdef", line[0]))
            continue;
        val++;
        size_t k = strcspn(val, "+-");
        if (k == 0 && val[0] == '-')
            continue;
        char *name = arena_strndup(o->a, val, k);
        Sym *t = name[0] == '.' ? sym_of_section(o, name) : sym_find(o, name);
        if (!t)
            continue;   /* .rodata, .L.str: constants */
        bool dup = false;
        for (int i = 0; i < fn->refs.n; i++)
            dup |= fn->refs.v[i] == t;
        if (!dup)
            vec_push(o->a, &fn->refs, t);
    }
}

/* Mark f and every function of the object it refers to, transitively. */
static void reach(Sym *f)
{
    if (f->reached)
        return;
    f->reached = true;
    for (int i = 0; i < f->refs.n; i++) {
        Sym *t = f->refs.v[i];
        if (t->func)
            reach(t);
    }
}

static void clear_reached(Obj *o)
{
    for (int i = 0; i < o->syms.n; i++)
        ((Sym *)o->syms.v[i])->reached = false;
}

/* Is this reference an effect?  Then what (and a hint). */
static bool bad_ref(const Sym *t, int *what)
{
    if (!strcmp(t->section, "*UND*")) {
        *what = denied_of(t->name);
        return *what >= 0;
    }
    if (writable(t)) {
        *what = -1;   /* mutable state */
        return true;
    }
    return false;
}

/* Report one forbidden reference: a call of a denied function or a
 * writable variable, at the extern (or link line) that reaches it. */
static void report_ref(Arena *a, Diags *d, Span at, const char *who, const char *cfile,
                       const Sym *f, const Sym *t, int what, const char *ext)
{
    const char *in = ext && strcmp(f->name, ext) != 0
                         ? arena_printf(a, " in '%s', which '%s' calls", f->name, ext)
                         : "";
    if (!ext)   /* code no extern reaches: name the function */
        cfile = arena_printf(a, "its function '%s'", f->name);
    if (what >= 0) {
        diag_at(d, DIAG_ERROR, at, "%s is not pure: %s calls '%s' (%s)%s", who, cfile,
                t->name, denied_what[what], in);
        diag_hint(d, "%s", denied_hint[what]);
    } else {
        bool stat = !t->global || strchr(t->name, '.');
        diag_at(d, DIAG_ERROR, at, "%s is not pure: %s keeps mutable state in the %s variable "
                "'%s'%s", who, cfile, stat ? "static" : "global", var_name(a, t->name), in);
        diag_hint(d, "operators run in parallel, in any order, and an element may be computed "
                     "twice: keep state in locals, or make the variable const");
    }
}

/* One linked file's object: which externs it defines (in defined[]),
 * and every denied call or writable variable reachable from each extern,
 * or from the file's other global functions (reported at the link line). */
static void audit_object(Arena *a, const Ir *ir, Diags *d, Obj *o, const char *cfile,
                         Span link_span, bool *defined)
{
    /* From each extern defined here: everything its code reaches. */
    for (int i = 0; i < ir->nexterns; i++) {
        const Extern *x = ir->externs[i];
        Sym *f = sym_find(o, x->name);
        if (!f || !f->func || !f->global)
            continue;
        defined[i] = true;
        clear_reached(o);
        reach(f);
        const char *who = arena_printf(a, "extern '%s'", x->name);
        PtrVec seen = {0};
        for (int k = 0; k < o->syms.n; k++) {
            Sym *g = o->syms.v[k];
            if (!g->reached)
                continue;
            for (int r = 0; r < g->refs.n; r++) {
                Sym *t = g->refs.v[r];
                int what;
                bool dup = false;
                for (int s = 0; s < seen.n; s++)
                    dup |= seen.v[s] == t;
                if (dup || !bad_ref(t, &what))
                    continue;
                vec_push(a, &seen, t);
                report_ref(a, d, x->span, who, cfile, g, t, what, x->name);
            }
        }
    }
    /* Code and variables that no extern reaches are still in the program
     * when a global function (not an extern) reaches them; static code
     * that nothing reaches is dead (and compilers differ on keeping it). */
    clear_reached(o);
    for (int k = 0; k < o->syms.n; k++) {
        Sym *g = o->syms.v[k];
        if (g->func && g->global)
            reach(g);
    }
    for (int k = 0; k < o->syms.n; k++) {
        Sym *g = o->syms.v[k];
        g->live = g->reached;
    }
    clear_reached(o);
    for (int i = 0; i < ir->nexterns; i++) {
        Sym *f = sym_find(o, ir->externs[i]->name);
        if (f && f->func && f->global)
            reach(f);
    }
    PtrVec used = {0};
    for (int k = 0; k < o->syms.n; k++) {
        Sym *g = o->syms.v[k];
        if (!g->func)
            continue;
        for (int r = 0; r < g->refs.n; r++) {
            Sym *t = g->refs.v[r];
            vec_push(a, &used, t);
            int what;
            if (g->live && !g->reached && bad_ref(t, &what))
                report_ref(a, d, link_span, arena_printf(a, "'%s'", cfile), cfile, g, t,
                           what, NULL);
        }
    }
    for (int k = 0; k < o->syms.n; k++) {
        Sym *t = o->syms.v[k];
        bool is_used = false;
        for (int u = 0; u < used.n; u++)
            is_used |= used.v[u] == t;
        if (!is_used && writable(t)) {
            diag_at(d, DIAG_ERROR, link_span, "'%s' is not pure: it has the mutable %s "
                    "variable '%s'", cfile, t->global ? "global" : "static",
                    var_name(a, t->name));
            diag_hint(d, "operators run in parallel and in any order: make it const, or a "
                         "local of the function that needs it");
        }
    }
}

/* The audit of every linked file (see fpipec.h): compile each to an
 * object in a temporary folder, read its symbols and relocations with
 * objdump, audit it, then report externs no file defines. */
bool audit_links(Arena *a, const Ir *ir, Diags *d, bool report_cc, int *trouble)
{
    int errors = d->nerrors;
    *trouble = 0;
    bool missing = false;
    for (int i = 0; i < ir->nlinks; i++) {
        const char *c = link_path(a, ir->src->path, ir->links[i]->path);
        if (access(c, R_OK) != 0) {
            diag_at(d, DIAG_ERROR, ir->links[i]->span, "cannot find the linked file '%s'", c);
            diag_hint(d, "a link path is relative to the folder of the .fpipe file");
            missing = true;
        }
    }
    if (missing)
        return false;
    const char *inc, *lib;
    if (!find_runtime(a, &inc, &lib)) {   /* it says where it looked */
        *trouble = 2;
        return false;
    }
    char *dir = make_tmpdir(a, "audit");
    if (!dir) {
        *trouble = 2;
        return false;
    }
    PtrVec cfiles = {0};
    int rc = write_headers(a, ir, dir, &cfiles);
    bool *defined = arena_alloc(a, (size_t)ir->nexterns + 1);
    bool all_compiled = true;
    for (int i = 0; rc == 0 && i < cfiles.n; i++) {
        const char *cfile = cfiles.v[i];
        const char *obj = arena_printf(a, "%s/audit%d.o", dir, i);
        PtrVec argv = {0};
        const char *cc = getenv("CC");
        split_words(a, cc && *cc ? cc : "cc", &argv);
        const char *fixed[] = {"-std=c11", "-O0", "-fno-builtin", "-U_FORTIFY_SOURCE",
                               "-ffunction-sections", "-fdata-sections", "-fno-common",
                               "-fno-asynchronous-unwind-tables", "-w", "-c"};
        for (size_t k = 0; k < sizeof fixed / sizeof *fixed; k++)
            vec_push(a, &argv, (void *)fixed[k]);
        vec_push(a, &argv, arena_printf(a, "-I%s", inc));
        vec_push(a, &argv, arena_printf(a, "-I%s", dir));
        vec_push(a, &argv, (void *)cc_file_arg(a, cfile));
        vec_push(a, &argv, "-o");
        vec_push(a, &argv, (void *)obj);
        vec_push(a, &argv, NULL);
        if (run_tool((char **)argv.v, NULL, d->json || !report_cc) != 0) {
            /* build compiles it next and shows why (exit 3) */
            all_compiled = false;
            if (report_cc) {
                diag_at(d, DIAG_ERROR, ir->links[i]->span, "the C compiler rejects '%s'",
                        cfile);
                diag_hint(d, "its messages are above (fpipec build shows them too)");
            }
            continue;
        }
        Str syms = {0}, rel = {0};
        char *t_argv[] = {"objdump", "-t", (char *)obj, NULL};
        char *r_argv[] = {"objdump", "-r", (char *)obj, NULL};
        if (run_tool(t_argv, &syms, false) != 0 || run_tool(r_argv, &rel, false) != 0) {
            fprintf(stderr, "fpipec: error: cannot read the symbols of '%s' with objdump "
                            "(binutils), which the purity audit needs\n", cfile);
            *trouble = 2;
        } else {
            Obj o = {.a = a};
            parse_symtab(&o, syms.p ? syms.p : "");
            parse_relocs(&o, rel.p ? rel.p : "");
            audit_object(a, ir, d, &o, cfile, ir->links[i]->span, defined);
        }
        str_free(&syms);
        str_free(&rel);
        unlink(obj);
    }
    if (rc == 0 && !*trouble && all_compiled) {
        for (int i = 0; i < ir->nexterns; i++) {
            const Extern *x = ir->externs[i];
            if (defined[i])
                continue;
            diag_at(d, DIAG_ERROR, x->span, "extern '%s' is not defined in the linked C "
                    "file%s", x->name, ir->nlinks == 1 ? "" : "s");
            diag_hint(d, "define it there with the prototype that `fpipec header` prints "
                         "(its first parameter is fp_ctx *cx)");
        }
    }
    remove_tmpdir(a, ir, dir, "audit");
    if (rc && !*trouble)
        *trouble = rc == 1 ? 0 : rc;
    return rc == 0 && !*trouble && d->nerrors == errors;
}
