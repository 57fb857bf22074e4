/* sink.c — atomic output files.
 *
 * A file sink never shows a partial result: rows go to a temporary file
 * created next to the destination (same directory, so rename is atomic on
 * POSIX file systems), which is fsync'd and renamed into place on commit.
 * On abort, or if the process dies, the destination keeps its old content;
 * a killed run can leave a stray ".NAME.fpipe-XXXXXX" temporary behind.
 * A NULL path means standard output, which is written through (streamed).
 * So is a destination that exists and is not a regular file (/dev/null, a
 * FIFO, a terminal): renaming over it would replace the device with a
 * file — as root, /dev/null itself.  So is a path through a link of /proc
 * (/dev/stdout when standard output is a regular file).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* ---- temporaries, signals and unplanned exits ----------------------
 *
 * Every temporary file the run creates (the output's, the error file's, a
 * checkpoint's) is registered here until it is renamed or removed, so that
 * every way out removes it: fp_exit (out of memory, the table cap), the
 * SIGBUS handler (an input shrank), SIGTERM, SIGINT and SIGHUP, and an exit
 * a library makes behind the run's back (libgomp cannot start its threads).
 * The table is process-wide because a signal handler must reach it; the
 * handler reads it with async-signal-safe calls only (unlink, write,
 * sigaction, raise, _exit).  Temporaries are registered and dropped on the main thread. */
#define MAX_TEMPS 16
static const char *volatile temps[MAX_TEMPS];
static volatile sig_atomic_t run_active;   /* inside fp_run_guard_begin/end */
static const char *volatile run_prog = "fpipe";
static bool guard_installed;
static const int stop_signals[3] = {SIGTERM, SIGINT, SIGHUP};
static struct sigaction stop_saved[3];   /* their actions before the run */

int fp_temp_add(const char *path)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (!temps[i]) {
            temps[i] = path;
            return i;
        }
    /* More temporaries than a run ever opens (at most three): a bug. */
    fprintf(stderr, "%s: internal error: too many temporary files\n", fp_prog);
    fp_exit(FP_EXIT_INTERNAL);
}

void fp_temp_drop(int slot)
{
    if (slot >= 0 && slot < MAX_TEMPS)
        temps[slot] = NULL;
}

void fp_temp_remove_all(void)
{
    for (int i = 0; i < MAX_TEMPS; i++) {
        const char *t = temps[i];
        if (t) {
            unlink(t);
            temps[i] = NULL;
        }
    }
}

static void say(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

/* SIGTERM, SIGINT, SIGHUP: remove the temporaries, then die of the signal
 * (the shell reports 128 + signal).  Dying of it, not exiting with that
 * code, matters: a shell loop stops on Ctrl-C only when its child was
 * killed by SIGINT. */
static void on_stop_signal(int sig)
{
    fp_temp_remove_all();
    run_active = 0;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
    _exit(128 + sig);   /* not reached */
}

/* An exit() during a run that the run did not ask for: a library gave up
 * (libgomp prints "Thread creation failed" or "Out of memory" and exits
 * 1, an undocumented code).  Report it as an internal error (5) and
 * remove the temporaries. */
static void on_unplanned_exit(void)
{
    if (!run_active)
        return;
    run_active = 0;
    fp_temp_remove_all();
    say(run_prog);
    say(": error: a library ended the run (above: e.g. OpenMP could not start its threads "
        "under the memory or thread limits); no output was written\n");
    _exit(FP_EXIT_INTERNAL);
}

void fp_run_guard_begin(const char *prog)
{
    run_prog = prog;
    if (!guard_installed) {
        guard_installed = true;
        atexit(on_unplanned_exit);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigfillset(&sa.sa_mask);   /* one handler at a time */
    for (int i = 0; i < 3; i++) {
        sigaction(stop_signals[i], NULL, &stop_saved[i]);
        /* An ignored signal stays ignored (nohup, a background job's
         * SIGINT). */
        if (stop_saved[i].sa_handler != SIG_IGN)
            sigaction(stop_signals[i], &sa, NULL);
    }
    run_active = 1;
}

void fp_run_guard_end(void)
{
    run_active = 0;
    fp_temp_remove_all();
    for (int i = 0; i < 3; i++)
        sigaction(stop_signals[i], &stop_saved[i], NULL);
}

_Noreturn void fp_exit(int code)
{
    run_active = 0;
    fp_temp_remove_all();
    exit(code);
}

struct fp_sink {
    int fd;
    char *path;   /* destination, NULL for stdout */
    char *tmp;    /* temporary file, NULL when written through */
    int slot;     /* tmp's place in the table of temporaries */
};

/* The resolved folder of `path` (its part up to the last '/', "." when it
 * has none), or NULL when that folder cannot be resolved. */
static char *resolved_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    if (!dir)
        fp_oom();
    char *r = realpath(dir, NULL);
    free(dir);
    return r;
}

static char *walk_links(const char *path, bool *proc);

bool fp_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int ra = stat(a, &sa), rb = stat(b, &sb);
    if (ra == 0 && rb == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ra == 0 || rb == 0)
        return false;   /* one exists, the other does not */
    /* Neither exists yet: the same name in the same resolved folder, at
     * the ends of their symlinks (a sink writes through a dangling one). */
    char *la = walk_links(a, NULL), *lb = walk_links(b, NULL);
    bool same;
    if (!la || !lb) {
        same = strcmp(a, b) == 0;
    } else {
        const char *na = strrchr(la, '/'), *nb = strrchr(lb, '/');
        na = na ? na + 1 : la;
        nb = nb ? nb + 1 : lb;
        same = strcmp(na, nb) == 0;
        if (same) {
            char *da = resolved_dir(la), *db = resolved_dir(lb);
            same = da && db ? strcmp(da, db) == 0 : strcmp(la, lb) == 0;
            free(da);
            free(db);
        }
    }
    free(la);
    free(lb);
    return same;
}

/* The one walk over a chain of symlinks from `path`: where it ends (path
 * itself when it is not a link), malloc'd; a relative link is relative to
 * the link's folder.  With proc (not NULL), the walk stops at a link of
 * /proc (/dev/stdout -> /proc/self/fd/1, /dev/fd/N) and sets *proc: such a
 * link names an open file, not a place, so a temporary renamed over it
 * would replace the link itself (as root, /dev/stdout), never the file it
 * stands for.  NULL with errno set when a link cannot be read, the chain
 * has more than 40 links (ELOOP) or a path on it is longer than PATH_MAX
 * (ENAMETOOLONG): never a path cut short. */
static char *walk_links(const char *path, bool *proc)
{
    if (proc)
        *proc = false;
    if (strlen(path) >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    char *cur = strdup(path);
    if (!cur)
        fp_oom();
    for (int hop = 0;; hop++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        if (hop == 40) {   /* the kernel's limit (MAXSYMLINKS) */
            free(cur);
            errno = ELOOP;
            return NULL;
        }
        const char *slash = strrchr(cur, '/');
        size_t dirlen = slash ? (size_t)(slash - cur) + 1 : 0;
        if (proc) {
            char *dir = dirlen ? strndup(cur, dirlen) : strdup(".");
            if (!dir)
                fp_oom();
            struct statfs fs;
            *proc = statfs(dir, &fs) == 0 && fs.f_type == 0x9fa0;   /* PROC_SUPER_MAGIC */
            free(dir);
            if (*proc)
                return cur;
        }
        char next[PATH_MAX];
        ssize_t n = readlink(cur, next, sizeof next);
        if (n < 0 || n == (ssize_t)sizeof next) {
            if (n >= 0)
                errno = ENAMETOOLONG;
            free(cur);
            return NULL;
        }
        if (next[0] == '/')
            dirlen = 0;
        if (dirlen + (size_t)n >= PATH_MAX) {
            free(cur);
            errno = ENAMETOOLONG;
            return NULL;
        }
        char *to = malloc(dirlen + (size_t)n + 1);
        if (!to)
            fp_oom();
        memcpy(to, cur, dirlen);
        memcpy(to + dirlen, next, (size_t)n);
        to[dirlen + (size_t)n] = 0;
        free(cur);
        cur = to;
    }
}

/* err: why the symlinks from path lead nowhere (walk_links' errno). */
static void link_error(const char *path, char *err, size_t errlen)
{
    if (errno == ENAMETOOLONG)
        snprintf(err, errlen, "cannot open output '%s': it or a symlink on its way names a path "
                              "longer than %d bytes (PATH_MAX)", path, PATH_MAX - 1);
    else
        snprintf(err, errlen, "cannot open output '%s': %s", path, strerror(errno));
}

/* Opens the sink for `path` (NULL: standard output).  A folder (or a
 * symlink to one, which a rename would replace) is refused.  A destination
 * that exists and is not a regular file (a device, a FIFO, a terminal) is
 * written through; anything else gets a fresh temporary
 * (mkstemp: O_EXCL, so never an existing file or a symlink) next to it.
 * A symlink to a file (or to nothing yet) is written through as `> link`
 * would be: the temporary goes next to the link's end and is renamed over
 * it, so the link stays and shows the new output.
 * The write-through open is checked with fstat against what stat saw: a
 * regular file swapped in between (a symlink planted in the race) is not
 * written into, the run writes a temporary and renames it over the path
 * itself instead. */
fp_sink *fp_sink_open(const char *path, char *err, size_t errlen)
{
    fp_sink *s = calloc(1, sizeof *s);
    if (!s)
        fp_oom();
    s->slot = -1;
    if (!path) {
        s->fd = 1;
        return s;
    }
    struct stat st, fst;
    bool follow = true;   /* write through a symlink to its end */
    char *end = NULL;     /* that end, when path is a symlink */
    int sr = stat(path, &st);
    if (sr == 0 && S_ISDIR(st.st_mode)) {   /* or a symlink to one: never replaced */
        snprintf(err, errlen, "output '%s' is a folder, not a file", path);
        free(s);
        return NULL;
    }
    if (sr == 0 && !S_ISREG(st.st_mode)) {
        s->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (s->fd < 0) {
            snprintf(err, errlen, "cannot open output '%s': %s", path, strerror(errno));
            free(s);
            return NULL;
        }
        if (fstat(s->fd, &fst) == 0 && fst.st_dev == st.st_dev && fst.st_ino == st.st_ino &&
            !S_ISREG(fst.st_mode)) {
            s->path = strdup(path);
            if (!s->path)
                fp_oom();
            return s;   /* tmp NULL: written through */
        }
        close(s->fd);   /* not what stat saw: write a temporary and rename it */
        follow = false;
    } else if (lstat(path, &fst) == 0 && S_ISLNK(fst.st_mode)) {
        bool proc;
        end = walk_links(path, &proc);
        if (!end) {
            link_error(path, err, errlen);
            free(s);
            return NULL;
        }
        if (proc) {
            /* -o /dev/stdout with standard output a file: written in place,
             * at its end (what `> f` or `>> f` left there stays), streamed. */
            free(end);
            s->fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
            if (s->fd < 0) {
                snprintf(err, errlen, "cannot open output '%s': %s", path, strerror(errno));
                free(s);
                return NULL;
            }
            s->path = strdup(path);
            if (!s->path)
                fp_oom();
            return s;   /* tmp NULL: written through */
        }
    }
    s->path = !follow ? strdup(path) : end ? end : walk_links(path, NULL);
    if (!s->path) {
        link_error(path, err, errlen);
        free(s);
        return NULL;
    }
    const char *dest = s->path;
    size_t n = strlen(dest);
    const char *slash = strrchr(dest, '/');
    size_t dirlen = slash ? (size_t)(slash - dest) + 1 : 0;
    s->tmp = malloc(n + 32);
    if (!s->tmp)
        fp_oom();
    snprintf(s->tmp, n + 32, "%.*s.%s.fpipe-XXXXXX", (int)dirlen, dest, dest + dirlen);
    s->fd = mkstemp(s->tmp);
    if (s->fd < 0) {
        snprintf(err, errlen, "cannot create output '%s': %s", path, strerror(errno));
        free(s->path);
        free(s->tmp);
        free(s);
        return NULL;
    }
    s->slot = fp_temp_add(s->tmp);
    /* mkstemp makes the file 0600: a new output is an ordinary file
     * (0666 less the umask); one that replaces a regular file keeps that
     * file's permissions, as `> file` would. */
    struct stat old;
    if (stat(dest, &old) == 0 && S_ISREG(old.st_mode)) {
        fchmod(s->fd, old.st_mode & 07777);
    } else {
        mode_t um = umask(0);
        umask(um);
        fchmod(s->fd, 0666 & ~um);
    }
    return s;
}

int fp_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes all n bytes; -1 with errno. */
int fp_sink_write(fp_sink *s, const void *p, size_t n)
{
    return fp_write_all(s->fd, p, n);
}

static void sink_free(fp_sink *s)
{
    fp_temp_drop(s->slot);
    free(s->path);
    free(s->tmp);
    free(s);
}

/* Makes the output final: a temporary fsync'd, renamed over the
 * destination and the folder fsync'd; a device closed.  On failure the
 * temporary is removed and -1 returned with a message.  Frees s. */
int fp_sink_commit(fp_sink *s, char *err, size_t errlen)
{
    if (!s->path) {
        sink_free(s);
        return 0;
    }
    int rc = 0;
    if (!s->tmp) {   /* a device or FIFO: nothing to rename */
        if (close(s->fd) != 0) {
            snprintf(err, errlen, "cannot write output '%s': %s", s->path, strerror(errno));
            rc = -1;
        }
        sink_free(s);
        return rc;
    }
    if (fsync(s->fd) != 0 || close(s->fd) != 0) {
        snprintf(err, errlen, "cannot write output '%s': %s", s->path, strerror(errno));
        unlink(s->tmp);
        rc = -1;
    } else if (rename(s->tmp, s->path) != 0) {
        snprintf(err, errlen, "cannot rename output into '%s': %s", s->path, strerror(errno));
        unlink(s->tmp);
        rc = -1;
    } else {
        /* Make the rename itself durable: fsync the directory. */
        const char *slash = strrchr(s->path, '/');
        char *dir = slash ? strndup(s->path, (size_t)(slash - s->path) + 1) : strdup(".");
        int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    sink_free(s);
    return rc;
}

/* Abandons the output: the temporary removed, the destination untouched.
 * Frees s; NULL is fine. */
void fp_sink_abort(fp_sink *s)
{
    if (!s)
        return;
    if (s->path) {
        close(s->fd);
        if (s->tmp)
            unlink(s->tmp);
    }
    sink_free(s);
}
