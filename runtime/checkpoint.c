/* checkpoint.c — materialize: the checkpoint file of a combine's merged
 * result, and reading it back for --resume.
 *
 * A checkpoint is written once the materialized operator's whole output is
 * known (after the merge, before stage 2), atomically: a temporary in the
 * checkpoint folder, fsync'd and renamed into place.  --resume reads it
 * back, and only when everything it was made from is what this run would
 * read: the same program (a hash of the generated C and its linked C
 * files), the same inputs (path, size, mtime, inode and device of each),
 * the same partition size where the result depends on it.  Otherwise it is
 * stale; a file that is not what this code writes (bad magic, short, a
 * checksum that does not match) is corrupt.  Either way the caller warns
 * and runs from the start.
 *
 * The layout (little-endian, docs/running.md has the table):
 *   "FPIPECKP" u32 version u32 header_bytes
 *   str pipeline, str operator, str fpipe_file, u32 line, u32 col
 *   u64 program, u32 shape, u32 acc_size, str type, u64 partition_size
 *   u32 ninputs, then per input: str path, u64 size, i64 mtime_s,
 *       i64 mtime_ns, u64 inode, u64 device
 *   u32 nstat, u64 stat[nstat]; u32 nsites, u64 dropped[nsites],
 *       u64 retried[nsites]
 *   u64 records, u64 payload_bytes, u32 payload_crc32, u32 header_crc32
 *   payload
 * where a str is u32 length + bytes.  The header's crc32 covers every
 * byte before it, the payload's the payload.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>


#define CKPT_MAGIC "FPIPECKP"

/* The program's fingerprint as a checkpoint records it: the generated C's
 * hash with this run's operator settings folded in (--config operators:
 * can change a policy or a retry count, and with it what the operators
 * before the checkpoint let through). */
static uint64_t program_of(const fp_pipeline *pl)
{
    uint64_t h = pl->checkpoint->program;
    for (int i = 0; i < pl->nops; i++) {
        const fp_opcfg *c = pl->ops[i].cfg;
        int v[3] = {c ? c->on_error : -1, c ? c->max_batch : -1, c ? c->retry : -1};
        for (int j = 0; j < 3; j++) {
            h ^= (uint64_t)(uint32_t)v[j];
            h *= UINT64_C(0x100000001b3);   /* FNV-1a 64's prime */
        }
    }
    return h;
}

#define CKPT_VERSION 1u

/* ---- writing the header's fields ------------------------------------ */

static void put_u32(fp_buf *b, uint32_t v)
{
    fp_buf_put(b, (const char *)&v, 4);
}

static void put_u64(fp_buf *b, uint64_t v)
{
    fp_buf_put(b, (const char *)&v, 8);
}

static void put_str(fp_buf *b, const char *s)
{
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    fp_buf_put(b, s, n);
}

/* ---- reading them back: every read checks the length ------------------ */

typedef struct reader {
    const char *p, *end;
    bool bad;             /* read past the end */
} reader;

/* The next n bytes of the checkpoint, or NULL (and r->bad) past its
 * end: a short file reads as corrupt, never out of bounds. */
static const char *take(reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const char *p = r->p;
    r->p += n;
    return p;
}

static uint32_t get_u32(reader *r)
{
    uint32_t v = 0;
    const char *p = take(r, 4);
    if (p)
        memcpy(&v, p, 4);
    return v;
}

static uint64_t get_u64(reader *r)
{
    uint64_t v = 0;
    const char *p = take(r, 8);
    if (p)
        memcpy(&v, p, 8);
    return v;
}

/* A str field compared with want (false when it differs or is cut off). */
static bool get_str_is(reader *r, const char *want)
{
    uint32_t n = get_u32(r);
    const char *p = take(r, n);
    return p && n == strlen(want) && memcmp(p, want, n) == 0;
}

static char *xstrdup(const char *s)
{
    char *c = strdup(s);
    if (!c)
        fp_oom();
    return c;
}

/* ---- the run's side ---------------------------------------------------- */

int fp_ckpt_init(fp_ckpt *ck, const fp_pipeline *pl, const char *dir, const char *const *paths,
                 int npaths, size_t part_size, char *why, size_t len)
{
    memset(ck, 0, sizeof *ck);
    size_t n = strlen(dir) + strlen(pl->name) + strlen(pl->checkpoint->name) + 16;
    ck->dir = xstrdup(dir);
    ck->path = malloc(n);
    if (!ck->path)
        fp_oom();
    snprintf(ck->path, n, "%s/%s.%s.ckpt", dir, pl->name, pl->checkpoint->name);
    /* The result depends on the partition size only when partitions are
     * folded in order (f64, non-commutative monoids, a global combine). */
    ck->part_size = pl->merge == FP_MERGE_PARTITION_ORDER ? part_size : 0;
    put_u32(&ck->inputs, (uint32_t)npaths);
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(why, len, "input '%s' is not a regular file (nothing tells whether it "
                     "changed)", paths[i]);
            return -1;
        }
        put_str(&ck->inputs, paths[i]);
        put_u64(&ck->inputs, (uint64_t)st.st_size);
        put_u64(&ck->inputs, (uint64_t)st.st_mtim.tv_sec);
        put_u64(&ck->inputs, (uint64_t)st.st_mtim.tv_nsec);
        put_u64(&ck->inputs, (uint64_t)st.st_ino);
        put_u64(&ck->inputs, (uint64_t)st.st_dev);
    }
    ck->usable = true;
    return 0;
}

/* Free what fp_ckpt_load or the driver put in ck, and clear it. */
void fp_ckpt_free(fp_ckpt *ck)
{
    free(ck->dir);
    free(ck->path);
    free(ck->data);
    free(ck->stat);
    free(ck->dropped);
    free(ck->retried);
    fp_buf_free(&ck->inputs);
    memset(ck, 0, sizeof *ck);
}

/* Why the recorded inputs (r at their count) differ from this run's. */
static void inputs_differ(reader *r, const fp_buf *now, char *why, size_t len)
{
    reader q = {now->p, now->p + now->n, false};
    uint32_t had = get_u32(r), has = get_u32(&q);
    if (had != has) {
        snprintf(why, len, "stale (it was made from %u input%s, this run reads %u)", had,
                 had == 1 ? "" : "s", has);
        return;
    }
    for (uint32_t i = 0; i < has; i++) {
        uint32_t n = get_u32(&q);
        const char *path = take(&q, n);
        const char *nums = take(&q, 40);
        uint32_t rn = get_u32(r);
        const char *rp = take(r, rn);
        const char *rnums = take(r, 40);
        if (!path || !nums || !rp || !rnums)
            break;
        if (rn != n || memcmp(rp, path, n) != 0) {
            snprintf(why, len, "stale (input %u was '%.*s', this run reads '%.*s')", i + 1,
                     (int)rn, rp, (int)n, path);
            return;
        }
        uint64_t a[5], b[5];
        memcpy(a, rnums, 40);
        memcpy(b, nums, 40);
        if (a[0] != b[0])
            snprintf(why, len, "stale (input '%.*s' changed: %llu bytes then, %llu now)",
                     (int)n, path, (unsigned long long)a[0], (unsigned long long)b[0]);
        else if (a[1] != b[1] || a[2] != b[2])
            snprintf(why, len, "stale (input '%.*s' changed: modified since)", (int)n, path);
        else if (a[3] != b[3] || a[4] != b[4])
            snprintf(why, len, "stale (input '%.*s' is another file: its inode changed)",
                     (int)n, path);
        else
            continue;
        return;
    }
    snprintf(why, len, "stale (the inputs changed)");
}

/* zlib's crc32 over any length (its own takes 32-bit lengths), on from c. */
static uint32_t crc_more(uLong c, const char *p, size_t n)
{
    while (n) {
        uInt m = n > ((size_t)1 << 30) ? (uInt)1 << 30 : (uInt)n;
        c = crc32(c, (const Bytef *)p, m);
        p += m;
        n -= m;
    }
    return (uint32_t)c;
}

static uint32_t crc_all(const char *p, size_t n)
{
    return crc_more(crc32(0, Z_NULL, 0), p, n);
}

/* Read up to n bytes: how many there were. */
static size_t read_full(int fd, char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* The payload, checked before anything is resumed from it: the checksums
 * only say that the bytes are those written, not that a writer of this
 * code wrote them.  Every length and count in it must stay inside it:
 *   keyed:   per key u64 length, the accumulator (padded to 8), the key's
 *            bytes (padded to 8); as many keys as the header's records;
 *   global:  one accumulator;
 *   element-wise: u64 count, per partition u64 file, index, bytes, then
 *            the partitions' bytes, adding up to the end (their elements
 *            are read by the generated code, which checks each read);
 * and an accumulator's counts and bools in range (ckpt_acc_valid).
 * False (with why) for a payload that is not one. */
static bool payload_ok(const fp_pipeline *pl, const char *p, size_t n, uint64_t records,
                       size_t ninputs, char *why, size_t len)
{
    const char *end = p + n;
    if (pl->resume1) {
        uint64_t np;
        if (n < 8)
            goto short_table;
        memcpy(&np, p, 8);
        p += 8;
        if (np > (uint64_t)(end - p) / 24)
            goto short_table;
        const char *data = p + np * 24;
        uint64_t left = (uint64_t)(end - data);
        for (uint64_t k = 0; k < np; k++, p += 24) {
            uint64_t v[3];
            memcpy(v, p, 24);
            if (v[0] >= ninputs || v[2] > left) {
                snprintf(why, len, "corrupt (partition %llu of the payload: input %llu, %llu "
                         "bytes of %llu left)", (unsigned long long)k,
                         (unsigned long long)v[0], (unsigned long long)v[2],
                         (unsigned long long)left);
                return false;
            }
            left -= v[2];
        }
        if (left) {
            snprintf(why, len, "corrupt (%llu bytes after the payload's partitions)",
                     (unsigned long long)left);
            return false;
        }
        /* every element read back once, on a worker of its own */
        fp_worker w;
        memset(&w, 0, sizeof w);
        w.arena = fp_arena_new();
        const char *tab = data - np * 24;   /* the table, after the count */
        bool ok = true;
        uint64_t k;
        for (k = 0; ok && k < np; k++) {
            uint64_t v[3];
            memcpy(v, tab + k * 24, 24);
            w.ck_part = (fp_part){.begin = data, .end = data + v[2]};
            ok = pl->ckpt_elems_valid(&w, data, data + v[2]);
            data += v[2];
        }
        fp_arena_free(w.arena);
        if (!ok) {
            snprintf(why, len, "corrupt (partition %llu of the payload does not read back as "
                     "its elements)", (unsigned long long)k - 1);
            return false;
        }
        return true;
    short_table:
        snprintf(why, len, "corrupt (the payload's partition table is cut short)");
        return false;
    }
    if (pl->shape == FP_SHAPE_GLOBAL) {
        if (n != pl->acc_size) {
            snprintf(why, len, "corrupt (the payload has %zu bytes, the accumulator %zu)", n,
                     pl->acc_size);
            return false;
        }
        if (pl->ckpt_acc_valid && !pl->ckpt_acc_valid(p)) {
            snprintf(why, len, "corrupt (the accumulator's counts are out of range)");
            return false;
        }
        return true;
    }
    if (pl->shape != FP_SHAPE_KEYED)
        return true;
    uint64_t keys = 0;
    /* an accumulator read back must be aligned as malloc aligns */
    _Alignas(max_align_t) char small[256];
    char *acc = pl->acc_size <= sizeof small ? small : malloc(pl->acc_size);
    if (!acc)
        fp_oom();
    while (p < end) {
        uint64_t kn;
        size_t wn = 0;
        if ((size_t)(end - p) < 8 || !(wn = fp_acc_unpack(pl, acc, p + 8, (size_t)(end - p) - 8)))
            goto bad_key;   /* cut short, or a promoted sum's digits out of range */
        memcpy(&kn, p, 8);
        const char *key = p + 8 + wn;
        uint64_t padded = (kn + 7) & ~(uint64_t)7;
        bool ok = !pl->ckpt_acc_valid || pl->ckpt_acc_valid(acc);
        fp_acc_release(pl, acc);
        if (kn > (uint64_t)(end - key) || padded > (uint64_t)(end - key))
            goto bad_key;
        if (!ok) {
            if (acc != small)
                free(acc);
            snprintf(why, len, "corrupt (key %llu's accumulator: counts out of range)",
                     (unsigned long long)keys + 1);
            return false;
        }
        p = key + padded;
        keys++;
    }
    if (acc != small)
        free(acc);
    if (keys != records) {
        snprintf(why, len, "corrupt (the payload has %llu keys, the header says %llu)",
                 (unsigned long long)keys, (unsigned long long)records);
        return false;
    }
    return true;
bad_key:
    if (acc != small)
        free(acc);
    snprintf(why, len, "corrupt (key %llu of the payload is cut short)",
             (unsigned long long)keys + 1);
    return false;
}

int fp_ckpt_load(fp_ckpt *ck, const fp_pipeline *pl, char *why, size_t len)
{
    int fd = open(ck->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, len, "%s", errno == ENOENT ? "missing" : strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(why, len, "corrupt (not a regular file)");
        return 1;
    }
    size_t size = (size_t)st.st_size;
    /* The fixed start, then the header, then the payload in a buffer of
     * its own (accumulators are read in place: malloc aligns them). */
    char head[16];
    size_t got = read_full(fd, head, sizeof head);
    char *data = NULL;
    if (memcmp(head, CKPT_MAGIC, got < 8 ? got : 8) != 0 || (got == 0 && size == 0)) {
        snprintf(why, len, got ? "corrupt (not a checkpoint file: bad magic)"
                               : "corrupt (an empty file)");
        goto bad;
    }
    if (got < sizeof head) {
        snprintf(why, len, "corrupt (short file: %zu bytes)", got);
        goto bad;
    }
    uint32_t version, hbytes;
    memcpy(&version, head + 8, 4);
    memcpy(&hbytes, head + 12, 4);
    if (version != CKPT_VERSION) {
        snprintf(why, len, "stale (format version %u; this program reads version %u)", version,
                 CKPT_VERSION);
        goto bad;
    }
    if (hbytes < 20 || hbytes > size) {
        snprintf(why, len, "corrupt (short file: %zu bytes, the header says %u)", size, hbytes);
        goto bad;
    }
    data = malloc(hbytes);
    if (!data)
        fp_oom();
    memcpy(data, head, sizeof head);
    if (read_full(fd, data + sizeof head, hbytes - sizeof head) != hbytes - sizeof head) {
        snprintf(why, len, "corrupt (the file shrank while it was read)");
        goto bad;
    }
    uint32_t hcrc;
    memcpy(&hcrc, data + hbytes - 4, 4);
    if (crc_all(data, hbytes - 4) != hcrc) {
        snprintf(why, len, "corrupt (header checksum mismatch)");
        goto bad;
    }
    reader r = {data + sizeof head, data + hbytes, false};
    const fp_ckpt_info *ci = pl->checkpoint;
    bool same = get_str_is(&r, pl->name) && get_str_is(&r, ci->name) &&
                get_str_is(&r, pl->fpipe_file);
    get_u32(&r), get_u32(&r);   /* line, col: for people */
    same = same && get_u64(&r) == program_of(pl);
    same = same && get_u32(&r) == (uint32_t)pl->shape && get_u32(&r) == (uint32_t)pl->acc_size &&
           get_str_is(&r, ci->type);
    if (!same || r.bad) {
        snprintf(why, len, "stale (written by another build of the pipeline, or with other "
                 "operator settings: the program changed)");
        goto bad;
    }
    uint64_t ps = get_u64(&r);
    if (ps != ck->part_size) {
        snprintf(why, len, "stale (written with --partition-size %llu, this run uses %llu; the "
                 "fold in partition order depends on it)", (unsigned long long)ps,
                 (unsigned long long)ck->part_size);
        goto bad;
    }
    const char *in0 = r.p;
    if ((size_t)(r.end - r.p) < ck->inputs.n || memcmp(r.p, ck->inputs.p, ck->inputs.n) != 0) {
        inputs_differ(&r, &ck->inputs, why, len);
        goto bad;
    }
    r.p = in0 + ck->inputs.n;
    uint32_t nstat = get_u32(&r);
    if (nstat != 2 * (uint32_t)pl->nops + 1) {
        snprintf(why, len, "corrupt (%u counters, the pipeline has %u)", nstat,
                 2 * (unsigned)pl->nops + 1);
        goto bad;
    }
    ck->stat = calloc(nstat, sizeof *ck->stat);
    for (uint32_t i = 0; ck->stat && i < nstat; i++)
        ck->stat[i] = get_u64(&r);
    uint32_t nsites = get_u32(&r);
    if (nsites != (uint32_t)pl->nsites) {
        snprintf(why, len, "corrupt (%u error counters, the pipeline has %d)", nsites,
                 pl->nsites);
        goto bad;
    }
    ck->dropped = calloc(nsites + 1, sizeof *ck->dropped);
    ck->retried = calloc(nsites + 1, sizeof *ck->retried);
    if (!ck->stat || !ck->dropped || !ck->retried)
        fp_oom();
    for (uint32_t i = 0; i < nsites; i++)
        ck->dropped[i] = get_u64(&r);
    for (uint32_t i = 0; i < nsites; i++)
        ck->retried[i] = get_u64(&r);
    ck->records = get_u64(&r);
    uint64_t pbytes = get_u64(&r);
    uint32_t pcrc = get_u32(&r);
    if (r.bad || r.p != data + hbytes - 4) {
        snprintf(why, len, "corrupt (the header's fields do not add up)");
        goto bad;
    }
    if (pbytes != size - hbytes) {
        snprintf(why, len, "corrupt (%s: the payload has %zu bytes of %llu)",
                 pbytes > size - hbytes ? "short file" : "bytes after the payload",
                 size - hbytes, (unsigned long long)pbytes);
        goto bad;
    }
    ck->data = malloc((size_t)pbytes + FP_PAD);
    if (!ck->data)
        fp_oom();
    if (read_full(fd, ck->data, (size_t)pbytes) != pbytes) {
        snprintf(why, len, "corrupt (the file shrank while it was read)");
        goto bad;
    }
    memset(ck->data + pbytes, 0, FP_PAD);
    if (crc_all(ck->data, (size_t)pbytes) != pcrc) {
        snprintf(why, len, "corrupt (payload checksum mismatch)");
        goto bad;
    }
    {
        reader q = {ck->inputs.p, ck->inputs.p + ck->inputs.n, false};
        if (!payload_ok(pl, ck->data, (size_t)pbytes, ck->records, get_u32(&q), why, len))
            goto bad;
    }
    ck->payload = ck->data;
    ck->payload_n = (size_t)pbytes;
    free(data);
    close(fd);
    return 0;
bad:
    free(data);
    free(ck->data);
    ck->data = NULL;
    close(fd);
    return 1;
}

static int write_pieces(int fd, const fp_buf *pieces, size_t npieces)
{
    for (size_t i = 0; i < npieces; i++)
        if (pieces[i].n && fp_write_all(fd, pieces[i].p, pieces[i].n) != 0)
            return -1;
    return 0;
}

int fp_ckpt_save(const fp_ckpt *ck, const fp_pipeline *pl, const fp_buf *payload,
                 uint64_t records, const uint64_t *stat, const uint64_t *dropped,
                 const uint64_t *retried, char *err, size_t len)
{
    return fp_ckpt_save_pieces(ck, pl, payload, 1, records, stat, dropped, retried, err, len);
}

int fp_ckpt_save_pieces(const fp_ckpt *ck, const fp_pipeline *pl, const fp_buf *pieces,
                        size_t npieces, uint64_t records, const uint64_t *stat,
                        const uint64_t *dropped, const uint64_t *retried, char *err,
                        size_t len)
{
    const fp_ckpt_info *ci = pl->checkpoint;
    fp_buf h = {0};
    fp_buf_put(&h, CKPT_MAGIC, 8);
    put_u32(&h, CKPT_VERSION);
    put_u32(&h, 0);   /* header_bytes, set below */
    put_str(&h, pl->name);
    put_str(&h, ci->name);
    put_str(&h, pl->fpipe_file);
    put_u32(&h, (uint32_t)ci->line);
    put_u32(&h, (uint32_t)ci->col);
    put_u64(&h, program_of(pl));
    put_u32(&h, (uint32_t)pl->shape);
    put_u32(&h, (uint32_t)pl->acc_size);
    put_str(&h, ci->type);
    put_u64(&h, ck->part_size);
    fp_buf_put(&h, ck->inputs.p, ck->inputs.n);
    put_u32(&h, 2 * (uint32_t)pl->nops + 1);
    for (int i = 0; i < 2 * pl->nops + 1; i++)
        put_u64(&h, stat[i]);
    put_u32(&h, (uint32_t)pl->nsites);
    for (int i = 0; i < pl->nsites; i++)
        put_u64(&h, dropped[i]);
    for (int i = 0; i < pl->nsites; i++)
        put_u64(&h, retried[i]);
    put_u64(&h, records);
    uint64_t pbytes = 0;
    uint32_t pcrc = crc_all("", 0);
    for (size_t i = 0; i < npieces; i++) {
        pbytes += pieces[i].n;
        if (pieces[i].n)
            pcrc = crc_more(pcrc, pieces[i].p, pieces[i].n);
    }
    put_u64(&h, pbytes);
    put_u32(&h, pcrc);
    uint32_t hbytes = (uint32_t)h.n + 4;
    memcpy(h.p + 12, &hbytes, 4);
    put_u32(&h, crc_all(h.p, h.n));

    int rc = -1;
    if (mkdir(ck->dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, len, "cannot create the checkpoint folder '%s': %s", ck->dir,
                 strerror(errno));
        fp_buf_free(&h);
        return -1;
    }
    size_t tn = strlen(ck->path) + 16;
    char *tmp = malloc(tn);
    if (!tmp)
        fp_oom();
    snprintf(tmp, tn, "%s.tmp-XXXXXX", ck->path);
    int fd = mkstemp(tmp);
    int slot = fd >= 0 ? fp_temp_add(tmp) : -1;   /* removed on every way out */
    if (fd >= 0) {   /* mkstemp makes it 0600: a checkpoint is an ordinary file */
        mode_t um = umask(0);
        umask(um);
        fchmod(fd, 0666 & ~um);
    }
    if (fd < 0) {
        snprintf(err, len, "cannot create a file in the checkpoint folder '%s': %s", ck->dir,
                 strerror(errno));
    } else if (fp_write_all(fd, h.p, h.n) != 0 || write_pieces(fd, pieces, npieces) != 0 ||
               fsync(fd) != 0) {
        snprintf(err, len, "cannot write '%s': %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
    } else if (close(fd) != 0 || rename(tmp, ck->path) != 0) {
        snprintf(err, len, "cannot rename '%s' into place: %s", tmp, strerror(errno));
        unlink(tmp);
    } else {
        int dfd = open(ck->dir, O_RDONLY | O_DIRECTORY);   /* the rename, durably */
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        rc = 0;
    }
    fp_temp_drop(slot);
    free(tmp);
    fp_buf_free(&h);
    return rc;
}

/* ---- element-wise checkpoints: each element's input record ------------ */

/* The record holding pos (as on_error collect finds it): a line, or a CSV
 * record up to its first newline outside quotes.  Then its line number,
 * counted on from the previous record's.  Written once per record: the
 * elements of one line (a flatmap's) say "the same" with a zero byte. */
void fp_ckpt_record(fp_worker *w)
{
    const fp_part *part = w->part;
    fp_buf *b = w->ckpt;
    const char *pos = w->pos ? w->pos : part->begin;
    if (pos > part->end)
        pos = part->end;
    const char *rec = pos;
    if (!(w->ck_rec && pos >= w->ck_rec && pos < w->ck_rec_end))
        while (rec > part->begin && rec[-1] != '\n')
            rec--;
    else
        rec = w->ck_rec;
    if (rec != w->ck_rec) {
        const char *eol = memchr(rec, '\n', (size_t)(part->end - rec));
        if (part->csv) {
            bool in = false;
            char qc = part->csv->quote ? part->csv->quote : '"';
            eol = NULL;
            for (const char *s = rec; s < part->end; s++) {
                if (*s == qc)
                    in = !in;
                else if (*s == '\n' && !in) {
                    eol = s;
                    break;
                }
            }
        }
        const char *end = eol ? eol : part->end;
        if (!w->ck_lc_pos || rec < w->ck_lc_pos) {
            w->ck_lc_pos = part->begin;
            w->ck_line = part->line0;
        }
        w->ck_line += fp_count_newlines(w->ck_lc_pos, rec);
        w->ck_lc_pos = rec;
        w->ck_rec = rec;
        w->ck_rec_end = end;
        fp_buf_put(b, "\1", 1);
        fp_ckpt_put_u64(b, w->ck_line);
        fp_ckpt_put_u64(b, (uint64_t)(rec - (w->in_base ? w->in_base : part->begin)) + part->off0);
        fp_ckpt_put_str(b, fp_str_lit(rec, (size_t)(end - rec)));
    } else {
        fp_buf_put(b, "", 1);
    }
    fp_ckpt_put_u64(b, (uint64_t)(pos - rec));
}

const char *fp_ckpt_next(fp_worker *w, const char *p)
{
    if (fp_ckpt_short(w, p, 1))
        return w->ck_end;
    if (*p++) {
        int64_t line, off;
        fp_str text;
        p = fp_ckpt_get_i64(w, p, &line);
        p = fp_ckpt_get_i64(w, p, &off);
        p = fp_ckpt_get_str(w, p, &text);
        w->ck_part.begin = text.p;
        w->ck_part.end = text.p + text.n;
        w->ck_part.line0 = (uint64_t)line;
        w->ck_part.off0 = (uint64_t)off;
        w->lc_pos = NULL;   /* on_error collect counts lines from line0 */
    }
    int64_t delta;
    p = fp_ckpt_get_i64(w, p, &delta);
    if ((uint64_t)delta > (uint64_t)(w->ck_part.end - w->ck_part.begin)) {
        w->ck_bad = true;   /* the element's place is inside its record */
        delta = 0;
    }
    w->pos = w->ck_part.begin + delta;
    w->part = &w->ck_part;
    return p;
}
