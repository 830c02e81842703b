/* reader.c - buffered, transparently decompressing byte stream. */
#include "ingest/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/mem.h"

#define RAW_CAP (256u << 10) /* file readers */
#define OUT_CAP (1u << 20)
#define MEM_CAP (64u << 10)  /* memory readers: small, for fuzzing speed */
#define BIG_ALLOC (4u << 20) /* xz's dictionary: in huge pages */
#define HUGE_PAGE (2u << 20)
#define N_BIG 4

/* A large block of the xz decoder, mapped by xz_alloc. */
struct big_block {
    void *p;
    size_t len;
};

struct pb_reader {
    int fd;                 /* -1 for memory */
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    enum pb_compression comp;
    lzma_stream xz;
    lzma_allocator xz_alloc;
    struct big_block big[N_BIG];
    z_stream gz;
    int gz_ready;
    unsigned char *raw;     /* compressed input buffer */
    size_t raw_len, raw_pos, raw_cap;
    int raw_eof;
    uint64_t raw_total, raw_size;
    int stream_end;         /* decoder reported end of stream */
    char *out;              /* decompressed, buffered */
    size_t out_len, out_pos, out_cap;
    int eof;
    uint64_t offset;        /* decompressed bytes consumed */
    uint64_t lineno;
    size_t line_max;
    char *line;             /* assembled line across refills */
    size_t line_cap;
    /* a decoder error met after some output: that output is handed out
     * first (records before damage are kept), then the error */
    int pending_rc;
    char pending_msg[256];
};

/* The decoder failed with msg; what it produced in this call is handed
 * out and the error kept for the next fill. The message carries no byte
 * offset: whoever reports it gives the position it had reached. */
static int decode_error(struct pb_reader *r, const char *msg,
                        struct pb_err *err)
{
    if (r->out_len) {
        r->pending_rc = PB_EPARSE;
        snprintf(r->pending_msg, sizeof r->pending_msg, "%s", msg);
        return PB_OK;
    }
    return pb_err_set(err, PB_EPARSE, "%s", msg);
}

static int raw_fill(struct pb_reader *r, struct pb_err *err)
{
    if (r->raw_pos < r->raw_len || r->raw_eof)
        return PB_OK;
    r->raw_pos = r->raw_len = 0;
    if (r->fd < 0) {
        size_t n = r->mem_len - r->mem_pos;
        if (n > r->raw_cap)
            n = r->raw_cap;
        memcpy(r->raw, r->mem + r->mem_pos, n);
        r->mem_pos += n;
        r->raw_len = n;
    } else {
        ssize_t n;
        do
            n = read(r->fd, r->raw, r->raw_cap);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return pb_err_set(err, PB_EIO, "read failed: %s", strerror(errno));
        r->raw_len = (size_t)n;
    }
    if (r->raw_len == 0)
        r->raw_eof = 1;
    r->raw_total += r->raw_len;
    return PB_OK;
}

/* Blocks freed by one reader's decoder and kept for the next one while an
 * import runs (its files are read one after another on each thread):
 * mapping and zeroing 64 MiB again for every file costs about 3% of the
 * import's CPU. Off by default, so that a server keeps nothing. */
#define N_SPARE 2
static pthread_mutex_t spare_mu = PTHREAD_MUTEX_INITIALIZER;
static struct big_block spare[N_SPARE];
static int spare_on;

static void *spare_take(size_t len)
{
    void *p = NULL;
    pthread_mutex_lock(&spare_mu);
    for (int i = 0; i < N_SPARE && !p; i++)
        if (spare[i].p && spare[i].len == len) {
            p = spare[i].p;
            spare[i].p = NULL;
        }
    pthread_mutex_unlock(&spare_mu);
    return p;
}

static void spare_put(void *p, size_t len)
{
    pthread_mutex_lock(&spare_mu);
    for (int i = 0; i < N_SPARE && p && spare_on; i++)
        if (!spare[i].p) {
            spare[i].p = p;
            spare[i].len = len;
            p = NULL;
        }
    pthread_mutex_unlock(&spare_mu);
    if (p)
        munmap(p, len);
}

void pb_reader_keep_dicts(int on)
{
    pthread_mutex_lock(&spare_mu);
    spare_on = on;
    for (int i = 0; i < N_SPARE && !on; i++)
        if (spare[i].p) {
            munmap(spare[i].p, spare[i].len);
            spare[i].p = NULL;
        }
    pthread_mutex_unlock(&spare_mu);
}

/*
 * The xz decoder's allocator. Its dictionary (64 MiB for the arXiv
 * snapshot) is read at random, a match at a time: in 4 KiB pages nearly
 * every match misses the TLB, and the first touch of each page faults.
 * Blocks of BIG_ALLOC and more are mapped on their own, aligned to 2 MiB,
 * and asked for transparent huge pages (THP "madvise" mode, Debian's
 * default): about 10% less CPU for decoding the snapshot. Where huge pages
 * are not to be had, the mapping works as any other. NULL on failure:
 * liblzma reports LZMA_MEM_ERROR.
 */
static void *xz_alloc(void *opaque, size_t nmemb, size_t size)
{
    struct pb_reader *r = opaque;
    if (size && nmemb > SIZE_MAX / size)
        return NULL;
    size_t len = nmemb * size;
    if (len < BIG_ALLOC || len > SIZE_MAX - 2 * HUGE_PAGE)
        return malloc(len ? len : 1);
    int slot = 0;
    while (slot < N_BIG && r->big[slot].p)
        slot++;
    if (slot == N_BIG)
        return malloc(len);
    len = (len + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    char *p = spare_take(len);
    if (p) {
        r->big[slot].p = p;
        r->big[slot].len = len;
        return p;
    }
    size_t map_len = len + HUGE_PAGE;
    char *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    p = (char *)(((uintptr_t)m + HUGE_PAGE - 1) &
                 ~(uintptr_t)(HUGE_PAGE - 1));
    if (p > m)
        munmap(m, (size_t)(p - m));
    if (p + len < m + map_len)
        munmap(p + len, (size_t)(m + map_len - (p + len)));
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE);
#endif
    r->big[slot].p = p;
    r->big[slot].len = len;
    return p;
}

static void xz_free(void *opaque, void *p)
{
    struct pb_reader *r = opaque;
    for (int i = 0; p && i < N_BIG; i++)
        if (r->big[i].p == p) {
            spare_put(p, r->big[i].len);
            r->big[i].p = NULL;
            return;
        }
    free(p);
}

static int detect(struct pb_reader *r, struct pb_err *err)
{
    int rc = raw_fill(r, err);
    if (rc)
        return rc;
    const unsigned char *p = r->raw;
    if (r->raw_len >= 6 && memcmp(p, "\xFD" "7zXZ\0", 6) == 0) {
        r->comp = PB_COMP_XZ;
        lzma_stream init = LZMA_STREAM_INIT;
        r->xz = init;
        r->xz_alloc.alloc = xz_alloc;
        r->xz_alloc.free = xz_free;
        r->xz_alloc.opaque = r;
        r->xz.allocator = &r->xz_alloc;
        if (lzma_stream_decoder(&r->xz, UINT64_MAX, LZMA_CONCATENATED) !=
            LZMA_OK)
            return pb_err_set(err, PB_ENOMEM, "cannot start xz decoder");
    } else if (r->raw_len >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
        r->comp = PB_COMP_GZIP;
        memset(&r->gz, 0, sizeof r->gz);
        if (inflateInit2(&r->gz, 15 + 32) != Z_OK)
            return pb_err_set(err, PB_ENOMEM, "cannot start gzip decoder");
        r->gz_ready = 1;
    }
    return PB_OK;
}

static struct pb_reader *reader_new(size_t raw_cap, size_t out_cap)
{
    struct pb_reader *r = pb_calloc(1, sizeof *r);
    r->fd = -1;
    r->raw_cap = raw_cap;
    r->raw = pb_malloc(raw_cap);
    r->out_cap = out_cap;
    r->out = pb_malloc(r->out_cap);
    r->line_max = PB_READER_LINE_MAX;
    return r;
}

int pb_reader_open(const char *path, struct pb_reader **out,
                   struct pb_err *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pb_err_set(err, PB_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return pb_err_set(err, PB_EINVAL, "%s: is a directory", path);
    }
    struct pb_reader *r = reader_new(RAW_CAP, OUT_CAP);
    r->fd = fd;
    r->raw_size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    int rc = detect(r, err);
    if (rc) {
        pb_reader_free(r);
        return rc;
    }
    *out = r;
    return PB_OK;
}

int pb_reader_open_mem(const void *p, size_t len, struct pb_reader **out,
                       struct pb_err *err)
{
    struct pb_reader *r = reader_new(MEM_CAP, MEM_CAP);
    r->mem = p;
    r->mem_len = len;
    r->raw_size = len;
    int rc = detect(r, err);
    if (rc) {
        pb_reader_free(r);
        *out = NULL;
        return rc;
    }
    *out = r;
    return PB_OK;
}

void pb_reader_free(struct pb_reader *r)
{
    if (!r)
        return;
    if (r->comp == PB_COMP_XZ)
        lzma_end(&r->xz);
    if (r->gz_ready)
        inflateEnd(&r->gz);
    if (r->fd >= 0)
        close(r->fd);
    free(r->raw);
    free(r->out);
    free(r->line);
    free(r);
}

void pb_reader_set_line_max(struct pb_reader *r, size_t max)
{
    r->line_max = max;
}

static const char *xz_msg(lzma_ret ret)
{
    switch (ret) {
    case LZMA_FORMAT_ERROR:
        return "not an xz stream";
    case LZMA_OPTIONS_ERROR:
        return "unsupported xz options";
    case LZMA_DATA_ERROR:
        return "corrupt xz data";
    case LZMA_BUF_ERROR:
        return "truncated xz stream (compressed data ends early)";
    case LZMA_MEM_ERROR:
        return "out of memory in xz decoder";
    default:
        return "xz decoder error";
    }
}

/* Refill r->out from the source; sets r->eof at the end. */
static int out_fill(struct pb_reader *r, struct pb_err *err)
{
    r->out_pos = r->out_len = 0;
    if (r->pending_rc)
        return pb_err_set(err, r->pending_rc, "%s", r->pending_msg);
    if (r->eof)
        return PB_OK;
    if (r->comp == PB_COMP_NONE) {
        int rc = raw_fill(r, err);
        if (rc)
            return rc;
        size_t n = r->raw_len - r->raw_pos;
        if (n > r->out_cap)
            n = r->out_cap;
        memcpy(r->out, r->raw + r->raw_pos, n);
        r->raw_pos += n;
        r->out_len = n;
        if (n == 0)
            r->eof = 1;
        return PB_OK;
    }
    while (r->out_len == 0) {
        if (r->stream_end) {
            r->eof = 1;
            return PB_OK;
        }
        int rc = raw_fill(r, err);
        if (rc)
            return rc;
        size_t avail_in = r->raw_len - r->raw_pos;
        if (r->comp == PB_COMP_XZ) {
            r->xz.next_in = r->raw + r->raw_pos;
            r->xz.avail_in = avail_in;
            r->xz.next_out = (uint8_t *)r->out;
            r->xz.avail_out = r->out_cap;
            lzma_ret ret = lzma_code(&r->xz, r->raw_eof ? LZMA_FINISH : LZMA_RUN);
            r->raw_pos += avail_in - r->xz.avail_in;
            r->out_len = r->out_cap - r->xz.avail_out;
            if (ret == LZMA_STREAM_END) {
                r->stream_end = 1;
            } else if (ret != LZMA_OK) {
                return decode_error(r, xz_msg(ret), err);
            } else if (r->raw_eof && r->out_len == 0) {
                return decode_error(r, xz_msg(LZMA_BUF_ERROR), err);
            }
        } else {
            r->gz.next_in = r->raw + r->raw_pos;
            r->gz.avail_in = (uInt)avail_in;
            r->gz.next_out = (Bytef *)r->out;
            r->gz.avail_out = (uInt)r->out_cap;
            int ret = inflate(&r->gz, Z_NO_FLUSH);
            r->raw_pos += avail_in - r->gz.avail_in;
            r->out_len = r->out_cap - r->gz.avail_out;
            if (ret == Z_STREAM_END) {
                /* gzip members may be concatenated */
                if (raw_fill(r, err) == PB_OK && r->raw_pos < r->raw_len)
                    inflateReset(&r->gz);
                else
                    r->stream_end = 1;
            } else if (ret == Z_BUF_ERROR && r->raw_eof) {
                if (r->out_len == 0)
                    return decode_error(r, "truncated gzip stream", err);
            } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
                char msg[160];
                snprintf(msg, sizeof msg, "corrupt gzip data%s%s",
                         r->gz.msg ? ": " : "", r->gz.msg ? r->gz.msg : "");
                return decode_error(r, msg, err);
            }
        }
    }
    return PB_OK;
}

int pb_reader_read(struct pb_reader *r, void *buf, size_t cap, size_t *out_n,
                   struct pb_err *err)
{
    *out_n = 0;
    while (*out_n < cap) {
        if (r->out_pos == r->out_len) {
            if (*out_n)
                break; /* hand out what we have before blocking on more */
            int rc = out_fill(r, err);
            if (rc)
                return rc;
            if (r->out_len == 0)
                break;
        }
        size_t n = r->out_len - r->out_pos;
        if (n > cap - *out_n)
            n = cap - *out_n;
        memcpy((char *)buf + *out_n, r->out + r->out_pos, n);
        r->out_pos += n;
        *out_n += n;
        r->offset += n;
    }
    return PB_OK;
}

int pb_reader_peek(struct pb_reader *r, const char **out_p, size_t cap,
                   size_t *out_n, struct pb_err *err)
{
    if (cap > r->out_cap / 2)
        cap = r->out_cap / 2;
    while (r->out_len - r->out_pos < cap && !r->eof) {
        /* move what is left to the front and top up */
        size_t left = r->out_len - r->out_pos;
        char *keep = pb_malloc(left ? left : 1);
        memcpy(keep, r->out + r->out_pos, left);
        struct pb_err e2;
        pb_err_clear(&e2);
        int rc = out_fill(r, &e2);
        if (rc && left) {
            /* damage after what we hold: hand that out, then the error */
            r->pending_rc = rc;
            snprintf(r->pending_msg, sizeof r->pending_msg, "%s", e2.msg);
            memcpy(r->out, keep, left);
            free(keep);
            r->out_len = left;
            r->out_pos = 0;
            break;
        }
        if (rc) {
            free(keep);
            return pb_err_set(err, rc, "%s", e2.msg);
        }
        size_t got = r->out_len;
        if (got + left > r->out_cap) {
            r->out_cap = got + left;
            r->out = pb_realloc(r->out, r->out_cap);
        }
        memmove(r->out + left, r->out, got);
        memcpy(r->out, keep, left);
        free(keep);
        r->out_len = got + left;
        r->out_pos = 0;
        if (got == 0)
            break;
    }
    size_t n = r->out_len - r->out_pos;
    *out_p = r->out + r->out_pos;
    *out_n = n < cap ? n : cap;
    return PB_OK;
}

int pb_reader_line(struct pb_reader *r, const char **out_p, size_t *out_len,
                   struct pb_err *err)
{
    size_t len = 0;
    int toobig = 0;
    for (;;) {
        if (r->out_pos == r->out_len) {
            int rc = out_fill(r, err);
            if (rc)
                return rc;
            if (r->out_len == 0) {
                if (len == 0 && !toobig)
                    return PB_EEOF;
                break; /* last line without '\n' */
            }
        }
        const char *start = r->out + r->out_pos;
        size_t avail = r->out_len - r->out_pos;
        const char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        /* fast path: the whole line sits in the buffer */
        if (nl && len == 0 && !toobig && take <= r->line_max) {
            r->out_pos += take + 1;
            r->offset += take + 1;
            r->lineno++;
            if (take && start[take - 1] == '\r')
                take--;
            *out_p = start;
            *out_len = take;
            return PB_OK;
        }
        if (!toobig && len + take > r->line_max)
            toobig = 1;
        if (!toobig) {
            if (len + take + 1 > r->line_cap) {
                size_t ncap = r->line_cap ? r->line_cap : 4096;
                while (ncap < len + take + 1)
                    ncap *= 2;
                r->line = pb_realloc(r->line, ncap);
                r->line_cap = ncap;
            }
            memcpy(r->line + len, start, take);
        }
        len += take;
        r->out_pos += take + (nl ? 1 : 0);
        r->offset += take + (nl ? 1 : 0);
        if (nl)
            break;
    }
    r->lineno++;
    if (toobig) {
        *out_p = NULL;
        *out_len = len;
        return PB_ETOOBIG;
    }
    if (len && r->line[len - 1] == '\r')
        len--;
    *out_p = r->line ? r->line : "";
    *out_len = len;
    return PB_OK;
}

size_t pb_reader_line_max(const struct pb_reader *r) { return r->line_max; }
uint64_t pb_reader_lineno(const struct pb_reader *r) { return r->lineno; }
uint64_t pb_reader_offset(const struct pb_reader *r) { return r->offset; }
uint64_t pb_reader_raw_offset(const struct pb_reader *r) { return r->raw_total; }
uint64_t pb_reader_raw_size(const struct pb_reader *r) { return r->raw_size; }
enum pb_compression pb_reader_compression(const struct pb_reader *r)
{
    return r->comp;
}
