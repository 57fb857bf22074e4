/* shrink.c — an LD_PRELOAD shim for tests/bad-data/run.sh: "a file that
 * shrinks while it is being read", made deterministic.  Right after the
 * program maps an input file (mmap of a file descriptor), the file is
 * truncated to FPIPE_SHRINK_TO bytes (default 0), as another process
 * could do at that moment.  The mapped pages past the new end are then
 * gone: reading them raises SIGBUS, which the runtime must report as an
 * input error instead of dying of the signal. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    static void *(*real)(void *, size_t, int, int, int, off_t);
    if (!real)
        real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
    void *p = real(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && fd >= 0 && !(flags & MAP_ANONYMOUS)) {
        char link[64], path[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        const char *to = getenv("FPIPE_SHRINK_TO");
        if (n > 0) {
            path[n] = 0;
            if (truncate(path, to ? atol(to) : 0) != 0)
                perror("shrink.c: truncate");
        }
    }
    return p;
}
