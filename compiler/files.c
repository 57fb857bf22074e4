/* files.c — how fpipec reads and replaces files: every command reads a
 * whole file through file_read, and every output that replaces a file
 * (emit-c, header, dot, convert -o, the build's depfile and headers, fmt -i)
 * goes through write_file: a temporary beside it renamed over it, so a
 * failed write leaves the old file as it was, never half written.
 */
#include "fpipec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file over this is refused: spans hold 32-bit offsets. */
#define MAX_FILE (UINT32_MAX / 2)

char *file_read(const char *path, size_t *len, unsigned flags)
{
    bool in = (flags & FILE_STDIN) && !strcmp(path, "-");
    bool quiet = flags & FILE_QUIET;
    FILE *f = in ? stdin : fopen(path, "rb");
    if (!f) {
        if (!quiet)
            fprintf(stderr, "fpipec: error: cannot open '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (!in && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!quiet)
            fprintf(stderr, "fpipec: error: '%s' is a directory\n", path);
        fclose(f);
        return NULL;
    }
    Str s = {0};
    char buf[65536];
    size_t n;
    while (s.n <= MAX_FILE && (n = fread(buf, 1, sizeof buf, f)) > 0)
        str_addn(&s, buf, n);
    bool err = ferror(f);
    int why = errno;
    if (!in)
        fclose(f);
    if (err || s.n > MAX_FILE) {
        if (!quiet && err)
            fprintf(stderr, "fpipec: error: cannot read '%s': %s\n", path, strerror(why));
        else if (!quiet)
            fprintf(stderr, "fpipec: error: '%s' is too large\n", path);
        str_free(&s);
        return NULL;
    }
    str_addn(&s, "", 1);   /* the NUL the lexer stops at, not counted */
    *len = s.n - 1;
    return s.p;
}

/* All of s to fd; false with errno set. */
static bool put_all(int fd, const Str *s)
{
    size_t done = 0;
    while (done < s->n) {
        ssize_t w = write(fd, s->p + done, s->n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return false;
        }
        done += (size_t)w;
    }
    return true;
}

bool write_file(const char *path, const Str *s)
{
    /* Standard output by any of its names: written to the stream, so that
     * `-o /dev/stdout >> file` appends and a redirection is never renamed
     * over (realpath would name the file it points to). */
    if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout") || !strcmp(path, "/dev/fd/1") ||
        !strcmp(path, "/proc/self/fd/1")) {
        bool ok = fwrite(s->p, 1, s->n, stdout) == s->n;
        ok = fflush(stdout) == 0 && ok;
        if (!ok)
            fprintf(stderr, "fpipec: error: cannot write '%s': %s\n", path, strerror(errno));
        return ok;
    }
    /* A symlink is followed, not replaced: the temporary goes beside the
     * file it names. */
    char *real = realpath(path, NULL);
    const char *target = real ? real : path;
    struct stat st;
    bool exists = stat(target, &st) == 0;
    /* /dev/fd/N, /dev/stderr, /proc/self/fd/N: another process's open file,
     * written through as a device is, never replaced. */
    bool through = !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6);
    bool ok;
    if (exists && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        ok = false;
    } else if (through || (exists && !S_ISREG(st.st_mode))) {
        /* A device or a FIFO (/dev/null, /dev/stdout): written through,
         * a rename would replace the device node. */
        FILE *f = fopen(target, "wb");
        ok = f && fwrite(s->p, 1, s->n, f) == s->n;
        if (f)
            ok = fclose(f) == 0 && ok;
    } else {
        size_t n = strlen(target);
        const char *slash = strrchr(target, '/');
        size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
        char *tmp = malloc(n + 32);
        if (!tmp) {
            fputs("fpipec: out of memory\n", stderr);
            exit(2);
        }
        snprintf(tmp, n + 32, "%.*s.%s.fpipec-XXXXXX", (int)dirlen, target, target + dirlen);
        int fd = mkstemp(tmp);
        ok = fd >= 0;
        if (ok) {
            /* mkstemp makes 0600: a replaced file keeps its mode, a new
             * one is 0666 less the umask, as `> file` makes it. */
            mode_t um = umask(0);
            umask(um);
            ok = put_all(fd, s) && fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~um) == 0;
            ok = close(fd) == 0 && ok;
            ok = ok && rename(tmp, target) == 0;
            if (!ok) {
                int keep = errno;
                unlink(tmp);
                errno = keep;
            }
        }
        free(tmp);
    }
    if (!ok)
        fprintf(stderr, "fpipec: error: cannot write '%s': %s\n", path, strerror(errno));
    free(real);
    return ok;
}
