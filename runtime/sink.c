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
 * file — as root, /dev/null itself.
 */
#include "libfpipe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

void fp_sink_remove_live(void);

/* The temporary file of the open file sink, for a fatal signal handler
 * (driver.c: an input shrank under its mapping), which removes it with
 * fp_sink_remove_live before exiting: unlink is async-signal-safe. */
static const char *volatile live_tmp;

void fp_sink_remove_live(void)
{
    const char *t = live_tmp;
    if (t)
        unlink(t);
}

struct fp_sink {
    int fd;
    char *path;   /* destination, NULL for stdout */
    char *tmp;    /* temporary file, NULL when written through */
};

fp_sink *fp_sink_open(const char *path, char *err, size_t errlen)
{
    fp_sink *s = calloc(1, sizeof *s);
    if (!s)
        fp_oom();
    if (!path) {
        s->fd = 1;
        return s;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        s->fd = open(path, O_WRONLY | O_CLOEXEC);
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
    size_t n = strlen(path);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    s->path = strdup(path);
    s->tmp = malloc(n + 32);
    if (!s->path || !s->tmp)
        fp_oom();
    snprintf(s->tmp, n + 32, "%.*s.%s.fpipe-XXXXXX", (int)dirlen, path, path + dirlen);
    s->fd = mkstemp(s->tmp);
    if (s->fd < 0) {
        snprintf(err, errlen, "cannot create output '%s': %s", path, strerror(errno));
        free(s->path);
        free(s->tmp);
        free(s);
        return NULL;
    }
    /* mkstemp makes the file 0600; an output file is an ordinary file. */
    mode_t um = umask(0);
    umask(um);
    fchmod(s->fd, 0666 & ~um);
    live_tmp = s->tmp;
    return s;
}

int fp_sink_write(fp_sink *s, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(s->fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void sink_free(fp_sink *s)
{
    if (live_tmp == s->tmp)
        live_tmp = NULL;
    free(s->path);
    free(s->tmp);
    free(s);
}

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
