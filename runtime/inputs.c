/* inputs.c — opening and cutting the inputs: what an input argument
 * stands for (a folder: the files under it), opening it (a file mapped,
 * standard input or a FIFO read whole, gzip data decompressed with zlib),
 * its pages faulted in and given back partition by partition, SIGBUS when
 * a mapped file shrinks, and the cuts into partitions: text at line
 * starts, CSV at record starts (newlines outside quotes, counted on
 * several threads, and under MPI on several ranks through dist.h).  JSON
 * lines are cut as text.  Decoding the records is source.c's.
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
#include "dist.h"   /* MPI: CSV cuts shared between ranks; no-ops without FP_MPI */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>


typedef struct strvec {
    char **v;
    int n, cap;
} strvec;

/* Append p to s (grown by doubling; out of memory ends the run). */
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

/* dir/name, malloc'd, with one slash between them. */
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

/* The input arguments with every folder replaced by the files under it
 * (walk); *out and its strings are malloc'd.  -1 with a message in err
 * when a folder or an entry in it cannot be read. */
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

/* Decompresses gzip data (every member of a multi-member file) into a
 * malloc'd buffer with FP_PAD zero bytes after it; -1 with a message in
 * err for data that is not valid gzip or is cut short. */
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

/* A CSV input is read whole before stage 1 (the quote count that places
 * the cuts).  Up to this size it is mapped pre-faulted (MAP_POPULATE) and
 * kept whole, as before inputs streamed: one fault pass, not two (the
 * second costs 5 to 10% of a group-by on this VM).  Larger ones are
 * counted 4 MiB at a time and given back, then stream, so memory stays
 * bounded. */
#define CSV_RESIDENT_MAX ((size_t)256 << 20)

/* ---- partitions ---------------------------------------------------- */

static size_t partition_text(const char *data, size_t len, size_t part_size, int file,
                             size_t first_index, bool mapped, fp_part **out)
{
    size_t cap = 16, n = 0;
    fp_part *v = calloc(cap, sizeof *v);
    if (!v)
        fp_oom();
    if (part_size == 0)
        part_size = 1;
    size_t start = 0;
    while (start < len) {
        size_t end = len;
        if (len - start > part_size) {
            /* End after the first newline at or past start+part_size-1. */
            const char *nl = memchr(data + start + part_size - 1, '\n',
                                    len - (start + part_size - 1));
            end = nl ? (size_t)(nl - data) + 1 : len;
            if (mapped)
                fp_release_cut(data, len, data + start + part_size - 1, data + end);
        }
        if (n == cap) {
            cap *= 2;
            fp_part *nv = realloc(v, cap * sizeof *v);
            if (!nv)
                fp_oom();
            v = nv;
        }
        v[n] = (fp_part){.begin = data + start, .end = data + end, .file = file,
                         .index = first_index + n};   /* .csv NULL: a text input */
        n++;
        start = end;
    }
    *out = v;
    return n;
}

/* Text cut into partitions at line starts (also JSON lines). */
size_t fp_partition(const char *data, size_t len, size_t part_size, int file,
                    size_t first_index, fp_part **out)
{
    return partition_text(data, len, part_size, file, first_index, false, out);
}

/* The same for a mapped input: the pages the cuts read are given back. */
size_t fp_partition_mapped(const char *data, size_t len, size_t part_size, int file,
                           size_t first_index, fp_part **out)
{
    return partition_text(data, len, part_size, file, first_index, true, out);
}

/* ---- inputs -------------------------------------------------------- */

/* Read a whole stream (stdin, a FIFO) into memory. */
static int read_all(int fd, fp_input *in)
{
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap + FP_PAD);
    if (!p)
        fp_oom();
    for (;;) {
        if (n == cap)
            p = fp_grow_padded(p, &cap);
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(p);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    memset(p + n, 0, FP_PAD);   /* the padding contract */
    in->data = p;
    in->len = n;
    in->mapped = false;
    return 0;
}

/* gzip data: the decompressed bytes replace the input's. */
static int maybe_gunzip(fp_input *in, const char *prog)
{
    if (!fp_is_gzip(in->data, in->len))
        return 0;
    char *p, err[256];
    size_t n;
    if (fp_gunzip(in->data, in->len, &p, &n, err, sizeof err) != 0) {
        fprintf(stderr, "%s: error: cannot read input '%s': %s\n", prog, in->path, err);
        return -1;
    }
    if (in->mapped)
        munmap(in->data, in->maplen);
    else
        free(in->data);
    in->data = p;
    in->len = n;
    in->mapped = false;
    return 0;
}

/* Every pipeline streams: once a partition is done nothing refers to its
 * bytes (rows are formatted, keyed tables copy keys over 16 bytes, a top
 * copies the strings of the elements it keeps, error messages are
 * formatted when they happen), so its pages are given back, and memory
 * stays bounded by the partitions in flight, not by the input.  A page
 * touched again (a line number counted for an error message) is read
 * again from the file: MAP_PRIVATE, never written. */
void fp_input_release_part(const fp_input *in, const fp_part *part)
{
    if (!in->mapped || in->resident)
        return;   /* a read buffer: its bytes are the only copy */
    fp_release_range(part->begin, part->end);   /* re-read from the file if touched */
}

/* Fault a partition's pages in as it starts, in one call: page by page,
 * first touches cost a fault each (a few microseconds in a virtual
 * machine).  Instead of mapping the whole input with MAP_POPULATE, which
 * would make it all resident at once. */
void fp_input_populate_part(const fp_input *in, const fp_part *part)
{
    if (!in->mapped || in->resident || part->end <= part->begin)
        return;
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t b = (uintptr_t)part->begin / pg * pg, e = (uintptr_t)part->end;
#ifdef MADV_POPULATE_READ
    if (madvise((void *)b, e - b, MADV_POPULATE_READ) == 0)
        return;
#endif
    madvise((void *)b, e - b, MADV_WILLNEED);   /* older kernels: read ahead at least */
}

void fp_inputs_release(const fp_input *in, int n)
{
    for (int i = 0; i < n; i++)
        if (in[i].mapped && !in[i].resident && in[i].len)
            madvise(in[i].data, in[i].len, MADV_DONTNEED);
}

/* Opens one input (see internal.h): a regular file of nonzero size is
 * mapped with a zero page after it (the padding contract); anything else
 * is read to its end; then gzip data is decompressed. */
int fp_input_open(fp_input *in, const char *prog, bool csv)
{
    if (strcmp(in->path, "-") == 0) {
        if (read_all(0, in) != 0) {
            fprintf(stderr, "%s: error: cannot read standard input: %s\n", prog,
                    strerror(errno));
            return -1;
        }
        return maybe_gunzip(in, prog);
    }
    int fd = open(in->path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "%s: error: cannot open input '%s': %s\n", prog, in->path,
                strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "%s: error: cannot stat input '%s': %s\n", prog, in->path,
                strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: error: input '%s' is a directory\n", prog, in->path);
        close(fd);
        return -1;
    }
    int rc = 0;
    /* A regular file of size 0 may still have bytes (/proc, /sys files
     * report 0): read those to the end instead of mapping nothing. */
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        /* Reserve the file's pages plus one zero page, then map the file
         * over the start: the bytes after the end read as zeros (the
         * padding contract), however the size falls on a page. */
        size_t pg = (size_t)sysconf(_SC_PAGESIZE);
        in->len = (size_t)st.st_size;
        in->mapped = true;
        in->maplen = (in->len + pg - 1) / pg * pg + pg;
        void *res = mmap(NULL, in->maplen, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (res == MAP_FAILED) {
            fprintf(stderr, "%s: error: cannot map input '%s': %s\n", prog, in->path,
                    strerror(errno));
            rc = -1;
        } else {
            in->data = res;
            if (in->len > 0) {
                /* Not MAP_POPULATE: each partition is faulted in as it
                 * starts (populate_pages) and given back when it is done;
                 * but a CSV input up to CSV_RESIDENT_MAX (one process). */
                in->resident = csv && in->len <= CSV_RESIDENT_MAX && !fp_dist_on();
                void *m = mmap(res, in->len, PROT_READ,
                               MAP_PRIVATE | MAP_FIXED | (in->resident ? MAP_POPULATE : 0), fd, 0);
                if (m == MAP_FAILED) {
                    fprintf(stderr, "%s: error: cannot map input '%s': %s\n", prog,
                            in->path, strerror(errno));
                    rc = -1;
                } else {
                    madvise(m, in->len, MADV_SEQUENTIAL);
                }
            }
        }
    } else if (read_all(fd, in) != 0) {
        fprintf(stderr, "%s: error: cannot read input '%s': %s\n", prog, in->path,
                strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc == 0 ? maybe_gunzip(in, prog) : rc;
}

/* An input file that shrinks after it was mapped (truncated by another
 * process) leaves pages that raise SIGBUS when read.  That is an input
 * error: say which input, remove the output's temporary file (the old
 * output stays) and exit 3, from the signal handler, with only
 * async-signal-safe calls.  A SIGBUS anywhere else is not ours: the
 * default action runs. */
static const fp_input *volatile bus_in;   /* the inputs watched, or NULL */
static volatile int bus_n;
static const char *volatile bus_prog;

static void say(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

/* SIGBUS: in a watched input, report it, remove the temporaries and exit
 * 3, async-signal-safe; anywhere else the default action (fatal). */
static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    const fp_input *ins = bus_in;
    const char *addr = si ? (const char *)si->si_addr : NULL;
    for (int i = 0; ins && addr && i < bus_n; i++) {
        const fp_input *in = &ins[i];
        if (in->mapped && in->data && addr >= in->data && addr < in->data + in->maplen) {
            say(bus_prog);
            say(": error: input '");
            say(in->path);
            say("' changed while it was read (the file shrank)\n");
            fp_temp_remove_all();
            _exit(FP_EXIT_INPUT);
        }
    }
    signal(sig, SIG_DFL);   /* return: the fault repeats, now fatal */
}

void fp_inputs_watch(const fp_input *in, int n, const char *prog)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    bus_prog = prog;
    bus_n = n;
    bus_in = in;
    sigaction(SIGBUS, &sa, NULL);
}

/* Stops the SIGBUS watch, unmaps or frees every input, frees the array. */
void fp_inputs_close(fp_input *ins, int n)
{
    bus_in = NULL;
    for (int i = 0; i < n; i++) {
        fp_input *in = &ins[i];
        if (in->mapped && in->data)
            munmap(in->data, in->maplen);
        else if (!in->mapped)
            free(in->data);
        free(in->csv.map);
    }
    free(ins);
}


/* ---- CSV: where partitions may be cut -------------------------------- */

/* The parity of the count of quote bytes qc in [p, e). */
static unsigned quote_parity(const char *p, const char *e, char qc)
{
    unsigned par = 0;
    for (int hits = 0; hits < 16 && p < e; hits++) {
        const char *q = memchr(p, qc, (size_t)(e - p));
        if (!q)
            return par;
        par ^= 1;
        p = q + 1;
    }
#if defined(__SSE2__) && !defined(FP_NO_SIMD)
    const __m128i q = _mm_set1_epi8(qc);
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
    for (; e - p >= 64; p += 64) {
        a0 = _mm_xor_si128(a0, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), q));
        a1 = _mm_xor_si128(a1, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)), q));
        a2 = _mm_xor_si128(a2, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 32)), q));
        a3 = _mm_xor_si128(a3, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 48)), q));
    }
    __m128i a = _mm_xor_si128(_mm_xor_si128(a0, a1), _mm_xor_si128(a2, a3));
    par ^= (unsigned)__builtin_parity((unsigned)_mm_movemask_epi8(a));
#else
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fu, ones = 0x0101010101010101u;
    uint64_t acc = 0;
    for (; e - p >= 8; p += 8) {
        uint64_t y = fp_load64(p) ^ (ones * (unsigned char)qc);
        acc ^= ~(((y & lo7) + lo7) | y | lo7);   /* 0x80 in each quote byte */
    }
    par ^= (unsigned)__builtin_parityll(acc);
#endif
    for (; p < e; p++)
        par ^= *p == qc;
    return par;
}

/* Quote parity is known at the start of every block of this size: a cut
 * then costs at most one block's scan. */
#define PARITY_BLOCK ((size_t)64 << 10)
#define PARITY_GROUP 64   /* blocks: 4 MiB */

/* Bytes this process read to cut CSV partitions (the parity blocks it
 * counted and the stretches the cuts looked at): under MPI, about its
 * share of the inputs (FPIPE_TIMES=1 prints it per rank). */
static size_t csv_scanned;

size_t fp_csv_scanned(void)
{
    return csv_scanned;
}

/* The end of the partition that starts at the record start `at` (where
 * the count of quotes since the body's start is even): the first newline
 * at or after at + part_size - 1 with an even count before it, plus one,
 * or len.  The parity at p is counted from `at` or from p's block start
 * (before[] holds the parity there), whichever is nearer. */
static size_t csv_cut(const char *data, size_t body_start, size_t len, size_t part_size,
                      const unsigned char *before, size_t at, char qc)
{
    const char *p = data + at + part_size - 1;
    size_t b = (size_t)(p - data - body_start) / PARITY_BLOCK;
    const char *bs = data + body_start + b * PARITY_BLOCK;
    unsigned in;
    if (bs <= data + at) {
        in = quote_parity(data + at, p, qc);
        csv_scanned += part_size - 1;
    } else {
        in = before[b] ^ quote_parity(bs, p, qc);
        csv_scanned += (size_t)(p - bs);
    }
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(data + len - p));
        csv_scanned += (size_t)((nl ? nl + 1 : data + len) - p);
        if (!nl)
            return len;
        in ^= quote_parity(p, nl, qc);
        if (!in)
            return (size_t)(nl - data) + 1;
        p = nl + 1;
    }
}

/* CSV records [data+start, data+len) cut into partitions of about
 * part_size bytes at record starts: the quote parity of every 64 KiB
 * block counted on `threads` threads (under MPI, each rank a slice of the
 * blocks, shared), then the cuts chained in order.  The cuts depend only
 * on the bytes and part_size.  mapped: pages given back as they are read. */
static size_t partition_csv(const char *data, size_t start, size_t len, size_t part_size,
                            int file, size_t first_index, int threads, bool mapped,
                            char qc, fp_part **out)
{
    if (part_size == 0)
        part_size = 1;
    /* The partitions' ends, in order. */
    size_t *ends = NULL, nends = 0;
    size_t body = start < len ? len - start : 0, nb = (body + PARITY_BLOCK - 1) / PARITY_BLOCK;
    if (body > part_size) {
        /* The parity of the quotes before each block, found block by block
         * in parallel: the same bits for any thread count.  Under MPI each
         * rank counts its slice of the blocks and the ranks exchange them,
         * so a rank reads only its share of the file here. */
        unsigned char *before = calloc(nb + 1, 1);
        if (!before)
            fp_oom();
        size_t blo, bhi, scanned = 0;
        fp_dist_slice(nb, &blo, &bhi);
        long long lo = (long long)blo, hi = (long long)bhi;
        /* In groups of PARITY_GROUP blocks, each given back when counted
         * (a mapped input): the pass never holds the input, and there is
         * one madvise (and TLB flush) per group, not per block. */
        long long ngl = (hi - lo + PARITY_GROUP - 1) / PARITY_GROUP;
#pragma omp parallel for schedule(static) num_threads(threads > 0 ? threads : 1) if (threads > 1) \
    reduction(+ : scanned)
        for (long long g = 0; g < ngl; g++) {
            long long b0 = lo + g * PARITY_GROUP, b1 = b0 + PARITY_GROUP < hi ? b0 + PARITY_GROUP : hi;
            for (long long b = b0; b < b1; b++) {
                size_t from = start + (size_t)b * PARITY_BLOCK;
                size_t to = len - from > PARITY_BLOCK ? from + PARITY_BLOCK : len;
                before[b + 1] = (unsigned char)quote_parity(data + from, data + to, qc);
                scanned += to - from;
            }
            if (mapped) {
                size_t from = start + (size_t)b0 * PARITY_BLOCK, to = start + (size_t)b1 * PARITY_BLOCK;
                fp_release_range(data + from, data + (to < len ? to : len));
            }
        }
        csv_scanned += scanned;
        fp_dist_share_slices(before + 1, nb);
        before[0] = 0;
        for (size_t b = 1; b <= nb; b++)
            before[b] ^= before[b - 1];
        /* The cuts are a chain: each partition starts where the previous
         * one ended.  This process (under MPI: this rank, for the cuts
         * whose search starts in its slice of the blocks) walks the chain
         * from `at`, taken from the previous rank, and gives where it
         * stopped to the next; then the ranks share their cuts. */
        size_t stop = bhi == nb ? len : start + bhi * PARITY_BLOCK, cap = 16;
        ends = malloc(cap * sizeof *ends);
        if (!ends)
            fp_oom();
        size_t at = fp_dist_chain_take(start);
        while (at < len) {
            bool last = len - at <= part_size;
            if ((last ? at : at + part_size - 1) >= stop)
                break;   /* the next rank's cut */
            size_t end = last ? len : csv_cut(data, start, len, part_size, before, at, qc);
            if (mapped && !last)   /* the pages the cut read, and the folio around them */
                fp_release_cut(data, len, data + at, data + end);
            if (nends == cap) {
                cap *= 2;
                size_t *ne = realloc(ends, cap * sizeof *ends);
                if (!ne)
                    fp_oom();
                ends = ne;
            }
            ends[nends++] = end;
            at = end;
        }
        fp_dist_chain_give(at);
        fp_dist_share_cuts(&ends, &nends);
        free(before);
    } else if (body > 0) {
        ends = malloc(sizeof *ends);
        if (!ends)
            fp_oom();
        ends[nends++] = len;
    }
    fp_part *v = calloc(nends ? nends : 1, sizeof *v);
    if (!v)
        fp_oom();
    for (size_t k = 0; k < nends; k++) {
        size_t from = k ? ends[k - 1] : start;
        v[k] = (fp_part){.begin = data + from, .end = data + ends[k], .file = file,
                         .index = first_index + k};
    }
    free(ends);
    *out = v;
    return nends;
}

size_t fp_partition_csv(const char *data, size_t start, size_t len, size_t part_size, int file,
                        size_t first_index, int threads, fp_part **out)
{
    return partition_csv(data, start, len, part_size, file, first_index, threads, false, '"', out);
}

size_t fp_partition_csv_mapped(const char *data, size_t start, size_t len, size_t part_size,
                               int file, size_t first_index, int threads, fp_part **out)
{
    return partition_csv(data, start, len, part_size, file, first_index, threads, true, '"', out);
}

size_t fp_partition_csv_quoted(const char *data, size_t start, size_t len, size_t part_size,
                               int file, size_t first_index, int threads, bool mapped,
                               char quote, fp_part **out)
{
    return partition_csv(data, start, len, part_size, file, first_index, threads, mapped, quote,
                         out);
}


/* ---- provenance: input_file(), input_line() -------------------------- */

/* The element's input as named on the command line ("-": standard input).
 * Stage 1 only (the checker keeps the calls before any combine). */
fp_str fp_input_file(fp_worker *w)
{
    const char *path = w->in_path ? w->in_path : "";   /* set per partition (driver.c) */
    return fp_str_lit(path, strlen(path));
}

/* The line of the element's record: the partition's first line (counted
 * once per run from the file offsets, fp_errors_lines_range, so every
 * mode and rank agrees) plus the newlines before w->pos, counted on from
 * the last call's position in the same partition (fp_input_line, inline,
 * answers without a call while the element is on the same line). */
int64_t fp_input_line_at(fp_worker *w)
{
    const fp_part *part = w->part;
    if (!part)
        return 0;
    const char *pos = w->pos ? w->pos : part->begin;
    if (!w->lc_pos || pos < w->lc_pos) {
        w->lc_pos = part->begin;
        w->lc_line = part->line0;
    }
    w->lc_line += fp_count_newlines(w->lc_pos, pos);
    w->lc_pos = pos;
    /* The line goes on to its newline: later elements before it (the
     * words of this line) are on it too (fp_input_line). */
    const char *nl = pos < part->end ? memchr(pos, '\n', (size_t)(part->end - pos)) : NULL;
    w->lc_eol = nl ? nl : part->end;
    return (int64_t)w->lc_line;
}
