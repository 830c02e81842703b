/* wordvec.c - word vector table, fp16 storage, .wv files (wordvec.h). */
#include "vector/wordvec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct pb_wordvec {
    uint32_t dim, n, cap;
    unsigned flags;
    char *chars;           /* words, each NUL-terminated */
    size_t n_chars, cap_chars;
    uint32_t *off;         /* word i starts at chars + off[i] */
    uint32_t *count;
    uint16_t *vec;         /* n x dim halves */
    uint32_t *slots;       /* open addressing: word index + 1, 0 = empty */
    uint32_t n_slots;      /* power of two */
};

static const char MAGIC[8] = {'P', 'B', 'W', 'V', '0', '0', '0', '1'};

uint16_t pb_half_from_float(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    int32_t e = (int32_t)((x >> 23) & 0xff) - 127 + 15;
    uint32_t m = x & 0x7fffffu;
    if (((x >> 23) & 0xff) == 0xff) /* inf or nan */
        return (uint16_t)(sign | 0x7c00u | (m ? 0x200u : 0));
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00u);
    if (e <= 0) {
        if (e < -10)
            return (uint16_t)sign;
        m |= 0x800000u;
        uint32_t shift = (uint32_t)(14 - e);
        uint32_t h = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1)))
            h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = sign | ((uint32_t)e << 10) | (m >> 13);
    uint32_t rem = m & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1)))
        h++; /* may carry into the exponent, which is right */
    return (uint16_t)h;
}

float pb_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ffu, x;
    if (e == 0) {
        if (!m) {
            x = sign;
        } else { /* subnormal: normalise */
            int k = -1;
            do {
                k++;
                m <<= 1;
            } while (!(m & 0x400u));
            x = sign | ((uint32_t)(127 - 15 - k) << 23) | ((m & 0x3ffu) << 13);
        }
    } else if (e == 31) {
        x = sign | 0x7f800000u | (m << 13);
    } else {
        x = sign | ((e - 15 + 127) << 23) | (m << 13);
    }
    float f;
    memcpy(&f, &x, 4);
    return f;
}

static uint32_t hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

struct pb_wordvec *pb_wordvec_new(uint32_t dim, unsigned flags)
{
    struct pb_wordvec *wv = pb_calloc(1, sizeof *wv);
    wv->dim = dim;
    wv->flags = flags;
    wv->n_slots = 1024;
    wv->slots = pb_calloc(wv->n_slots, sizeof *wv->slots);
    return wv;
}

void pb_wordvec_free(struct pb_wordvec *wv)
{
    if (!wv)
        return;
    free(wv->chars);
    free(wv->off);
    free(wv->count);
    free(wv->vec);
    free(wv->slots);
    free(wv);
}

static void rehash(struct pb_wordvec *wv)
{
    free(wv->slots);
    wv->n_slots *= 2;
    wv->slots = pb_calloc(wv->n_slots, sizeof *wv->slots);
    uint32_t mask = wv->n_slots - 1;
    for (uint32_t i = 0; i < wv->n; i++) {
        const char *w = wv->chars + wv->off[i];
        uint32_t s = hash(w, strlen(w)) & mask;
        while (wv->slots[s])
            s = (s + 1) & mask;
        wv->slots[s] = i + 1;
    }
}

int64_t pb_wordvec_find(const struct pb_wordvec *wv, const char *p,
                        size_t len)
{
    uint32_t mask = wv->n_slots - 1, s = hash(p, len) & mask;
    for (; wv->slots[s]; s = (s + 1) & mask) {
        const char *w = wv->chars + wv->off[wv->slots[s] - 1];
        if (strncmp(w, p, len) == 0 && w[len] == 0)
            return (int64_t)wv->slots[s] - 1;
    }
    return -1;
}

/* Add without the vector (the caller fills wv->vec row n-1). */
static int add_word(struct pb_wordvec *wv, const char *p, size_t len,
                    uint32_t count)
{
    if (!len || len > PB_WV_MAX_WORD || memchr(p, 0, len))
        return PB_EINVAL;
    if (wv->n >= PB_WV_MAX_WORDS)
        return PB_ETOOBIG;
    if (pb_wordvec_find(wv, p, len) >= 0)
        return PB_EEXIST;
    if (wv->n == wv->cap) {
        wv->cap = wv->cap ? wv->cap * 2 : 1024;
        wv->off = pb_reallocarray(wv->off, wv->cap, sizeof *wv->off);
        wv->count = pb_reallocarray(wv->count, wv->cap, sizeof *wv->count);
        wv->vec = pb_reallocarray(wv->vec, (size_t)wv->cap * wv->dim,
                                  sizeof *wv->vec);
    }
    if (wv->n_chars + len + 1 > wv->cap_chars) {
        wv->cap_chars = (wv->cap_chars + len + 1) * 2;
        wv->chars = pb_realloc(wv->chars, wv->cap_chars);
    }
    wv->off[wv->n] = (uint32_t)wv->n_chars;
    memcpy(wv->chars + wv->n_chars, p, len);
    wv->chars[wv->n_chars + len] = 0;
    wv->n_chars += len + 1;
    wv->count[wv->n] = count;
    wv->n++;
    if ((uint64_t)wv->n * 2 > wv->n_slots)
        rehash(wv);
    else {
        uint32_t mask = wv->n_slots - 1, s = hash(p, len) & mask;
        while (wv->slots[s])
            s = (s + 1) & mask;
        wv->slots[s] = wv->n;
    }
    return PB_OK;
}

int pb_wordvec_add(struct pb_wordvec *wv, const char *p, size_t len,
                   const float *vec, uint32_t count)
{
    int rc = add_word(wv, p, len, count);
    if (rc)
        return rc;
    uint16_t *row = wv->vec + (size_t)(wv->n - 1) * wv->dim;
    for (uint32_t d = 0; d < wv->dim; d++)
        row[d] = pb_half_from_float(vec[d]);
    return PB_OK;
}

uint32_t pb_wordvec_dim(const struct pb_wordvec *wv) { return wv->dim; }
uint32_t pb_wordvec_count(const struct pb_wordvec *wv) { return wv->n; }
unsigned pb_wordvec_flags(const struct pb_wordvec *wv) { return wv->flags; }

const char *pb_wordvec_word(const struct pb_wordvec *wv, uint32_t i)
{
    return wv->chars + wv->off[i];
}

uint32_t pb_wordvec_word_count(const struct pb_wordvec *wv, uint32_t i)
{
    return wv->count[i];
}

void pb_wordvec_get(const struct pb_wordvec *wv, uint32_t i, float *out)
{
    const uint16_t *row = wv->vec + (size_t)i * wv->dim;
    for (uint32_t d = 0; d < wv->dim; d++)
        out[d] = pb_half_to_float(row[d]);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

int pb_wordvec_load_mem(const void *data, size_t len, struct pb_wordvec **out,
                        struct pb_err *err)
{
    const unsigned char *p = data, *end = p + len;
    struct pb_wordvec *wv = NULL;
    int rc = PB_OK;
    *out = NULL;
    if (len < 24 || memcmp(p, MAGIC, 8) != 0) {
        rc = pb_err_set(err, PB_EPARSE, "word vectors: not a .wv file");
        goto out;
    }
    uint32_t dim = rd32(p + 8), n = rd32(p + 12), flags = rd32(p + 16);
    if (!dim || dim > PB_WV_MAX_DIM || n > PB_WV_MAX_WORDS ||
        rd32(p + 20) != 0) {
        rc = pb_err_set(err, PB_EPARSE,
                        "word vectors: bad header (dim %u, words %u)", dim, n);
        goto out;
    }
    p += 24;
    wv = pb_wordvec_new(dim, flags);
    for (uint32_t i = 0; i < n; i++) {
        if (p >= end || (size_t)(end - p) < 1u + p[0]) {
            rc = pb_err_set(err, PB_EPARSE, "word vectors: word %u truncated",
                            i);
            goto out;
        }
        rc = add_word(wv, (const char *)p + 1, p[0], 0);
        if (rc) {
            rc = pb_err_set(err, PB_EPARSE, "word vectors: word %u %s", i,
                            rc == PB_EEXIST ? "repeated" : "invalid");
            goto out;
        }
        p += 1u + p[0];
    }
    size_t need = (size_t)n * 4 + (size_t)n * dim * 2;
    if ((size_t)(end - p) != need) {
        rc = pb_err_set(err, PB_EPARSE,
                        "word vectors: %zu bytes of counts and vectors, "
                        "expected %zu", (size_t)(end - p), need);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++, p += 4)
        wv->count[i] = rd32(p);
    if (n)
        memcpy(wv->vec, p, (size_t)n * dim * 2);
    /* host is little endian (x86-64, arm64); a big-endian port swaps here */
out:
    if (rc)
        pb_wordvec_free(wv);
    else
        *out = wv;
    return rc;
}

int pb_wordvec_load(const char *path, struct pb_wordvec **out,
                    struct pb_err *err)
{
    int rc = PB_OK;
    unsigned char *buf = NULL;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pb_err_set(err, errno == ENOENT ? PB_ENOTFOUND : PB_EIO,
                          "%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        rc = pb_err_set(err, PB_EIO, "%s: cannot seek", path);
        goto out;
    }
    long sz = ftell(f);
    if (sz < 0 || (unsigned long)sz > (4ul << 30)) {
        rc = pb_err_set(err, PB_ETOOBIG, "%s: size %ld", path, sz);
        goto out;
    }
    rewind(f);
    buf = pb_malloc((size_t)sz + 1);
    if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        rc = pb_err_set(err, PB_EIO, "%s: short read", path);
        goto out;
    }
    rc = pb_wordvec_load_mem(buf, (size_t)sz, out, err);
out:
    free(buf);
    fclose(f);
    return rc;
}

static void wr32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                          (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    fwrite(b, 1, 4, f);
}

int pb_wordvec_save(const struct pb_wordvec *wv, const char *path,
                    struct pb_err *err)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return pb_err_set(err, PB_ETOOBIG, "path too long");
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return pb_err_set(err, PB_EIO, "%s: %s", tmp, strerror(errno));
    fwrite(MAGIC, 1, 8, f);
    wr32(f, wv->dim);
    wr32(f, wv->n);
    wr32(f, wv->flags);
    wr32(f, 0);
    for (uint32_t i = 0; i < wv->n; i++) {
        const char *w = wv->chars + wv->off[i];
        unsigned char l = (unsigned char)strlen(w);
        fputc(l, f);
        fwrite(w, 1, l, f);
    }
    for (uint32_t i = 0; i < wv->n; i++)
        wr32(f, wv->count[i]);
    if (wv->n)
        fwrite(wv->vec, 2, (size_t)wv->n * wv->dim, f);
    if (ferror(f) | (fclose(f) != 0)) {
        remove(tmp);
        return pb_err_set(err, PB_EIO, "%s: write failed", tmp);
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return pb_err_set(err, PB_EIO, "%s: %s", path, strerror(errno));
    }
    return PB_OK;
}
