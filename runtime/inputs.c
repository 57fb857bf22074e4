/* inputs.c — what an input argument stands for: directories read
 * recursively in sorted order, gzip-compressed inputs decompressed (zlib).
 *
 * A directory stands for the files under it: its entries sorted by name
 * (byte order), each regular file (or symlink to one) in that order, each
 * subdirectory (not a symlink to one: no cycles) walked where its name
 * falls.  Names starting with '.' are skipped — hidden files, and the
 * temporaries of an atomic sink writing into the folder.
 *
 * An input whose first two bytes are gzip's magic (1f 8b) is decompressed
 * into memory whole, every member of a multi-member file in turn.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>


typedef struct strvec {
    char **v;
    int n, cap;
} strvec;

static void push(strvec *s, char *p)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        char **nv = realloc(s->v, (size_t)s->cap * sizeof *nv);
        if (!nv)
            fp_oom();
        s->v = nv;
    }
    s->v[s->n++] = p;
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    bool slash = a && dir[a - 1] == '/';
    char *p = malloc(a + b + 2);
    if (!p)
        fp_oom();
    memcpy(p, dir, a);
    if (!slash)
        p[a++] = '/';
    memcpy(p + a, name, b + 1);
    return p;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the files under `dir` to `out` in the order the header
 * describes.  An entry that cannot be examined (lstat or stat fails for
 * another reason than a dangling or looping link) is an error, never
 * skipped: returns -1 with the message in err. */
static int walk(const char *dir, strvec *out, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot read input folder '%s': %s", dir, strerror(errno));
        return -1;
    }
    strvec names = {0};
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *n = strdup(e->d_name);
        if (!n)
            fp_oom();
        push(&names, n);
    }
    int rc = errno ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "cannot read input folder '%s': %s", dir, strerror(errno));
    closedir(d);
    if (names.n)
        qsort(names.v, (size_t)names.n, sizeof *names.v, cmp_names);
    for (int i = 0; i < names.n; i++) {
        char *path = join(dir, names.v[i]);
        struct stat ls, st;
        if (rc != 0) {
            free(path);
        } else if (lstat(path, &ls) != 0) {
            /* a folder readable but not searchable, a path past PATH_MAX:
             * the entry is there and cannot be read, an input error */
            snprintf(err, errlen, "cannot read input '%s': %s", path, strerror(errno));
            rc = -1;
            free(path);
        } else if (S_ISDIR(ls.st_mode)) {
            rc = walk(path, out, err, errlen);
            free(path);
        } else {
            int sr = 0;
            if (S_ISLNK(ls.st_mode))
                sr = stat(path, &st);
            else
                st = ls;
            if (sr != 0 && errno != ENOENT && errno != ELOOP) {
                snprintf(err, errlen, "cannot read input '%s': %s", path, strerror(errno));
                rc = -1;
                free(path);
            } else if (sr == 0 && S_ISREG(st.st_mode)) {
                push(out, path);
            } else {
                free(path);   /* a symlink to a folder, a FIFO, a dangling link: not data */
            }
        }
        free(names.v[i]);
    }
    free(names.v);
    return rc;
}

int fp_expand_inputs(const char *const *paths, int n, char ***out, int *nout, char *err,
                     size_t errlen)
{
    strvec v = {0};
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc = walk(paths[i], &v, err, errlen);
        else {
            char *s = strdup(paths[i]);
            if (!s)
                fp_oom();
            push(&v, s);
        }
    }
    *out = v.v;
    *nout = v.n;
    return rc;
}

bool fp_is_gzip(const char *data, size_t len)
{
    return len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b;
}

int fp_gunzip(const char *data, size_t len, char **out, size_t *outlen, char *err, size_t errlen)
{
    size_t cap = len < ((size_t)1 << 20) ? (size_t)1 << 20 : len * 4, n = 0;
    char *p = malloc(cap + FP_PAD);
    if (!p)
        fp_oom();
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        fp_oom();
    const unsigned char *in = (const unsigned char *)data;
    size_t left = len;
    int zr = Z_OK;
    for (;;) {
        if (z.avail_in == 0 && left) {
            uInt chunk = left > (1u << 30) ? 1u << 30 : (uInt)left;
            z.next_in = (unsigned char *)(uintptr_t)in;
            z.avail_in = chunk;
            in += chunk;
            left -= chunk;
        }
        if (n == cap)
            p = fp_grow_padded(p, &cap);
        size_t room = cap - n > (1u << 30) ? 1u << 30 : cap - n;
        z.next_out = (unsigned char *)p + n;
        z.avail_out = (uInt)room;
        zr = inflate(&z, Z_NO_FLUSH);
        n += room - z.avail_out;
        if (zr == Z_STREAM_END) {
            /* Another member may follow (cat a.gz b.gz). */
            if (z.avail_in == 0 && left == 0)
                break;
            if (inflateReset(&z) != Z_OK)
                break;
            continue;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
            zr = Z_DATA_ERROR;   /* cut short */
            break;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR)
            break;
    }
    if (zr != Z_STREAM_END) {
        snprintf(err, errlen, "not valid gzip data (%s)",
                 zr == Z_DATA_ERROR && z.msg ? z.msg : zr == Z_DATA_ERROR ? "cut short"
                                                                          : "corrupt");
        inflateEnd(&z);
        free(p);
        return -1;
    }
    inflateEnd(&z);
    memset(p + n, 0, FP_PAD);   /* the padding contract */
    *out = p;
    *outlen = n;
    return 0;
}
