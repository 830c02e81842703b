/* vecset.c - int8 paper vectors and DB.vec (vecset.h). */
#include "vector/vecset.h"

#include <errno.h>
#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fmap.h"
#include "core/mem.h"

struct pb_vecset {
    uint32_t dim, dim_pad, n, cap, n_live;
    unsigned flags;
    double a;
    int64_t seq;
    float *pc;
    uint32_t *counts, n_counts;
    /* either pointing into map (read-only) or owned heap arrays */
    int64_t *pid;
    float *scale;
    int8_t *q;
    int owned;
    void *map;
    size_t map_len;
    /* pid -> slot + 1, open addressing */
    uint64_t *keys;
    uint32_t *vals, n_slots, n_used;
};

static const char MAGIC[8] = {'P', 'B', 'V', 'E', 'C', '0', '0', '1'};

static uint32_t pad16(uint32_t d) { return (d + 15u) & ~15u; }
static size_t pad8(size_t n) { return (n + 7u) & ~(size_t)7u; }

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static void map_put(struct pb_vecset *vs, int64_t pid, uint32_t slot1);

static void map_grow(struct pb_vecset *vs)
{
    uint64_t *ok = vs->keys;
    uint32_t *ov = vs->vals, on = vs->n_slots;
    vs->n_slots = on ? on * 2 : 1024;
    vs->keys = pb_calloc(vs->n_slots, sizeof *vs->keys);
    vs->vals = pb_calloc(vs->n_slots, sizeof *vs->vals);
    vs->n_used = 0;
    for (uint32_t i = 0; i < on; i++)
        if (ov[i])
            map_put(vs, (int64_t)ok[i], ov[i]);
    free(ok);
    free(ov);
}

/* slot1 == 0 removes (keeps the key as a tombstone-free overwrite) */
static void map_put(struct pb_vecset *vs, int64_t pid, uint32_t slot1)
{
    if ((uint64_t)(vs->n_used + 1) * 2 > vs->n_slots)
        map_grow(vs);
    uint32_t mask = vs->n_slots - 1, s = (uint32_t)mix((uint64_t)pid) & mask;
    while (vs->vals[s] && vs->keys[s] != (uint64_t)pid)
        s = (s + 1) & mask;
    if (!vs->vals[s])
        vs->n_used++;
    vs->keys[s] = (uint64_t)pid;
    vs->vals[s] = slot1 ? slot1 : UINT32_MAX; /* UINT32_MAX: deleted */
}

int64_t pb_vecset_slot(const struct pb_vecset *vs, int64_t pid)
{
    if (!vs->n_slots)
        return -1;
    uint32_t mask = vs->n_slots - 1, s = (uint32_t)mix((uint64_t)pid) & mask;
    for (; vs->vals[s]; s = (s + 1) & mask)
        if (vs->keys[s] == (uint64_t)pid)
            return vs->vals[s] == UINT32_MAX ? -1 : (int64_t)vs->vals[s] - 1;
    return -1;
}

struct pb_vecset *pb_vecset_new(uint32_t dim)
{
    struct pb_vecset *vs = pb_calloc(1, sizeof *vs);
    vs->dim = dim;
    vs->dim_pad = pad16(dim);
    vs->owned = 1;
    vs->a = 1e-3;
    vs->pc = pb_calloc(dim, sizeof *vs->pc);
    return vs;
}

void pb_vecset_free(struct pb_vecset *vs)
{
    if (!vs)
        return;
    if (vs->owned) {
        free(vs->pid);
        free(vs->scale);
        free(vs->q);
    }
    if (vs->map)
        pb_fmap_free(vs->map, vs->map_len);
    free(vs->pc);
    free(vs->counts);
    free(vs->keys);
    free(vs->vals);
    free(vs);
}

static void own(struct pb_vecset *vs, uint32_t need)
{
    if (vs->owned && need <= vs->cap)
        return;
    uint32_t cap = vs->cap > 1024 ? vs->cap : 1024;
    while (cap < need)
        cap *= 2;
    int64_t *pid = pb_reallocarray(vs->owned ? vs->pid : NULL, cap, 8);
    float *scale = pb_reallocarray(vs->owned ? vs->scale : NULL, cap, 4);
    int8_t *q = pb_reallocarray(vs->owned ? vs->q : NULL, cap, vs->dim_pad);
    if (!vs->owned && vs->n) {
        memcpy(pid, vs->pid, (size_t)vs->n * 8);
        memcpy(scale, vs->scale, (size_t)vs->n * 4);
        memcpy(q, vs->q, (size_t)vs->n * vs->dim_pad);
    }
    if (!vs->owned && vs->map) {
        pb_fmap_free(vs->map, vs->map_len);
        vs->map = NULL;
    }
    vs->pid = pid;
    vs->scale = scale;
    vs->q = q;
    vs->cap = cap;
    vs->owned = 1;
}

void pb_vec_quantize(const float *v, uint32_t dim, uint32_t dim_pad,
                     int8_t *q, float *out_scale)
{
    float mx = 0;
    for (uint32_t d = 0; d < dim; d++)
        if (fabsf(v[d]) > mx)
            mx = fabsf(v[d]);
    float inv = mx > 0 ? 127.0f / mx : 0;
    for (uint32_t d = 0; d < dim; d++)
        q[d] = (int8_t)lrintf(v[d] * inv);
    for (uint32_t d = dim; d < dim_pad; d++)
        q[d] = 0;
    *out_scale = mx / 127.0f;
}

uint32_t pb_vecset_add(struct pb_vecset *vs, int64_t pid, const float *v)
{
    own(vs, vs->n + 1);
    int64_t old = pb_vecset_slot(vs, pid);
    if (old >= 0) {
        vs->pid[old] = -1;
        vs->n_live--;
    }
    uint32_t s = vs->n++;
    vs->pid[s] = pid;
    pb_vec_quantize(v, vs->dim, vs->dim_pad, vs->q + (size_t)s * vs->dim_pad,
                    &vs->scale[s]);
    map_put(vs, pid, s + 1);
    vs->n_live++;
    return s;
}

int pb_vecset_delete(struct pb_vecset *vs, int64_t pid)
{
    int64_t s = pb_vecset_slot(vs, pid);
    if (s < 0)
        return PB_ENOTFOUND;
    own(vs, vs->n);
    vs->pid[s] = -1;
    vs->n_live--;
    map_put(vs, pid, 0);
    return PB_OK;
}

uint32_t pb_vecset_dim(const struct pb_vecset *vs) { return vs->dim; }
uint32_t pb_vecset_dim_pad(const struct pb_vecset *vs) { return vs->dim_pad; }
uint32_t pb_vecset_size(const struct pb_vecset *vs) { return vs->n; }
uint32_t pb_vecset_live(const struct pb_vecset *vs) { return vs->n_live; }
int64_t pb_vecset_pid(const struct pb_vecset *vs, uint32_t s) { return vs->pid[s]; }
float pb_vecset_scale(const struct pb_vecset *vs, uint32_t s) { return vs->scale[s]; }
const float *pb_vecset_pc(const struct pb_vecset *vs) { return vs->pc; }
double pb_vecset_a(const struct pb_vecset *vs) { return vs->a; }
unsigned pb_vecset_flags(const struct pb_vecset *vs) { return vs->flags; }
int64_t pb_vecset_seq(const struct pb_vecset *vs) { return vs->seq; }
void pb_vecset_set_seq(struct pb_vecset *vs, int64_t seq) { vs->seq = seq; }

const int8_t *pb_vecset_q(const struct pb_vecset *vs, uint32_t slot)
{
    return vs->q + (size_t)slot * vs->dim_pad;
}

const uint32_t *pb_vecset_counts(const struct pb_vecset *vs, uint32_t *out_n)
{
    *out_n = vs->n_counts;
    return vs->counts;
}

void pb_vecset_get(const struct pb_vecset *vs, uint32_t slot, float *out)
{
    const int8_t *q = pb_vecset_q(vs, slot);
    for (uint32_t d = 0; d < vs->dim; d++)
        out[d] = q[d] * vs->scale[slot];
}

void pb_vecset_set_sif(struct pb_vecset *vs, const float *pc,
                       const uint32_t *counts, uint32_t n_counts, double a,
                       unsigned flags)
{
    memcpy(vs->pc, pc, vs->dim * sizeof *pc);
    free(vs->counts);
    vs->counts = pb_reallocarray(NULL, n_counts ? n_counts : 1, 4);
    if (n_counts)
        memcpy(vs->counts, counts, (size_t)n_counts * 4);
    vs->n_counts = n_counts;
    vs->a = a;
    vs->flags = flags;
}

__attribute__((target("avx2"))) static int32_t dot_avx2(const int8_t *a,
                                                        const int8_t *b,
                                                        uint32_t n)
{
    __m256i acc = _mm256_setzero_si256();
    for (uint32_t i = 0; i < n; i += 16) {
        __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128((const void *)(a + i)));
        __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128((const void *)(b + i)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc),
                              _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

static int32_t dot_plain(const int8_t *a, const int8_t *b, uint32_t n)
{
    int32_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

int32_t pb_vec_dot_i8(const int8_t *a, const int8_t *b, uint32_t n)
{
    static int have = -1;
    if (have < 0)
        have = __builtin_cpu_supports("avx2") ? 1 : 0;
    return have ? dot_avx2(a, b, n) : dot_plain(a, b, n);
}

/* worst first, so hits[0] is the one to replace */
static void sift_down(struct pb_vhit *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && (h[l].score < h[m].score ||
                      (h[l].score == h[m].score && h[l].slot > h[m].slot)))
            m = l;
        if (l + 1 < n &&
            (h[l + 1].score < h[m].score ||
             (h[l + 1].score == h[m].score && h[l + 1].slot > h[m].slot)))
            m = l + 1;
        if (m == i)
            return;
        struct pb_vhit t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static int by_score(const void *a, const void *b)
{
    const struct pb_vhit *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

void pb_vecset_exact(const struct pb_vecset *vs, const int8_t *q,
                     float qscale, size_t k, struct pb_vhit *hits,
                     size_t *out_n)
{
    size_t n = 0;
    for (uint32_t s = 0; s < vs->n && k; s++) {
        if (vs->pid[s] < 0)
            continue;
        float sc = qscale * vs->scale[s] *
                   (float)pb_vec_dot_i8(q, vs->q + (size_t)s * vs->dim_pad,
                                        vs->dim_pad);
        if (n < k) {
            hits[n++] = (struct pb_vhit){vs->pid[s], s, sc};
            if (n == k)
                for (size_t i = k / 2 + 1; i-- > 0;)
                    sift_down(hits, n, i);
        } else if (sc > hits[0].score) {
            hits[0] = (struct pb_vhit){vs->pid[s], s, sc};
            sift_down(hits, n, 0);
        }
    }
    qsort(hits, n, sizeof *hits, by_score);
    *out_n = n;
}

static uint32_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

int pb_vecset_from_mem(const void *data, size_t len, struct pb_vecset **out,
                       struct pb_err *err)
{
    const unsigned char *p = data;
    struct pb_vecset *vs = NULL;
    int rc = PB_OK;
    *out = NULL;
    if (len < 64 || memcmp(p, MAGIC, 8) != 0)
        return pb_err_set(err, PB_EPARSE, "vectors: not a .vec file");
    uint32_t dim = rd32(p + 8), dim_pad = rd32(p + 12), flags = rd32(p + 16);
    uint32_t n_counts = rd32(p + 20);
    uint64_t n;
    int64_t seq;
    double a;
    memcpy(&n, p + 24, 8);
    memcpy(&seq, p + 32, 8);
    memcpy(&a, p + 40, 8);
    if (!dim || dim > 1024 || dim_pad != pad16(dim) || n > PB_VEC_MAX ||
        n_counts > 4000000u || !(a > 0 && a < 1))
        return pb_err_set(err, PB_EPARSE, "vectors: bad header");
    size_t off = 64, o_pc = off;
    off = pad8(off + (size_t)dim * 4);
    size_t o_counts = off;
    off = pad8(off + (size_t)n_counts * 4);
    size_t o_pid = off;
    off += (size_t)n * 8;
    size_t o_scale = off;
    off = pad8(off + (size_t)n * 4);
    size_t o_q = off;
    off += (size_t)n * dim_pad;
    if (off != len)
        return pb_err_set(err, PB_EPARSE, "vectors: %zu bytes, expected %zu",
                          len, off);
    vs = pb_vecset_new(dim);
    vs->owned = 0;
    vs->n = (uint32_t)n;
    vs->seq = seq;
    vs->a = a;
    vs->flags = flags;
    memcpy(vs->pc, p + o_pc, (size_t)dim * 4);
    vs->n_counts = n_counts;
    vs->counts = pb_reallocarray(NULL, n_counts ? n_counts : 1, 4);
    memcpy(vs->counts, p + o_counts, (size_t)n_counts * 4);
    vs->pid = (int64_t *)(uintptr_t)(p + o_pid);
    vs->scale = (float *)(uintptr_t)(p + o_scale);
    vs->q = (int8_t *)(uintptr_t)(p + o_q);
    for (uint32_t s = 0; s < vs->n; s++) {
        int64_t pid;
        memcpy(&pid, p + o_pid + (size_t)s * 8, 8);
        if (pid < 0)
            continue;
        if (pb_vecset_slot(vs, pid) >= 0) {
            rc = pb_err_set(err, PB_EPARSE, "vectors: pid %lld twice",
                            (long long)pid);
            goto out;
        }
        map_put(vs, pid, s + 1);
        vs->n_live++;
    }
out:
    if (rc)
        pb_vecset_free(vs);
    else
        *out = vs;
    return rc;
}

int pb_vecset_open(const char *path, struct pb_vecset **out,
                   struct pb_err *err)
{
    *out = NULL;
    void *map;
    size_t len;
    int rc = pb_fmap(path, 64, "a vector file", &map, &len, err);
    if (rc)
        return rc;
    rc = pb_vecset_from_mem(map, len, out, err);
    if (rc) {
        pb_fmap_free(map, len);
        return rc;
    }
    (*out)->map = map;
    (*out)->map_len = len;
    return PB_OK;
}

static void wpad(FILE *f, size_t *off)
{
    static const char z[8];
    size_t p = pad8(*off);
    fwrite(z, 1, p - *off, f);
    *off = p;
}

int pb_vecset_save(const struct pb_vecset *vs, const char *path,
                   struct pb_err *err)
{
    char tmp[4200];
    int m = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (m < 0 || (size_t)m >= sizeof tmp)
        return pb_err_set(err, PB_ETOOBIG, "path too long");
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return pb_err_set(err, PB_EIO, "%s: %s", tmp, strerror(errno));
    unsigned char h[64] = {0};
    uint64_t n = vs->n;
    memcpy(h, MAGIC, 8);
    memcpy(h + 8, &vs->dim, 4);
    memcpy(h + 12, &vs->dim_pad, 4);
    uint32_t fl = vs->flags;
    memcpy(h + 16, &fl, 4);
    memcpy(h + 20, &vs->n_counts, 4);
    memcpy(h + 24, &n, 8);
    memcpy(h + 32, &vs->seq, 8);
    memcpy(h + 40, &vs->a, 8);
    fwrite(h, 1, 64, f);
    size_t off = 64;
    fwrite(vs->pc, 4, vs->dim, f);
    off += (size_t)vs->dim * 4;
    wpad(f, &off);
    if (vs->n_counts)
        fwrite(vs->counts, 4, vs->n_counts, f);
    off += (size_t)vs->n_counts * 4;
    wpad(f, &off);
    fwrite(vs->pid, 8, vs->n, f);
    off += (size_t)vs->n * 8;
    fwrite(vs->scale, 4, vs->n, f);
    off += (size_t)vs->n * 4;
    wpad(f, &off);
    fwrite(vs->q, vs->dim_pad, vs->n, f);
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
