/* vindex.c - the store's semantic index: DB.wv, DB.vec, DB.hnsw (vindex.h). */
#include "vector/vindex.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "store/store_files.h"

int pb_vindex_path(const char *db_path, const char *ext, char *out,
                   size_t cap)
{
    char base[4096];
    if (pb_local_base(db_path, base, sizeof base))
        return PB_ETOOBIG;
    int n = snprintf(out, cap, "%s.%s", base, ext);
    return n < 0 || (size_t)n >= cap ? PB_ETOOBIG : PB_OK;
}

void pb_vindex_free(struct pb_vindex *vi)
{
    if (!vi)
        return;
    pb_hnsw_free(vi->g);
    pb_vecset_free(vi->vs);
    pb_sif_free(vi->sif);
    pb_wordvec_free(vi->wv);
    free(vi);
}

struct pass {
    struct pb_vindex *vi;
    struct pb_analyzer *az;
    float *raw;      /* sample of raw vectors for the component */
    size_t n_raw, cap_raw, every, seen;
    int64_t *pids;   /* the papers embedded, in order */
    float *vecs;     /* their raw vectors */
    size_t n, cap;
    FILE *log;
};

static int count_paper(void *ctx, int64_t pid, int64_t seq, int deleted,
                       const struct pb_paper *p)
{
    (void)pid, (void)seq, (void)deleted;
    struct pass *ps = ctx;
    int rc = PB_OK;
    if (p->title)
        rc = pb_sif_count(ps->vi->sif, ps->az, p->title, strlen(p->title));
    if (!rc && p->abstract)
        rc = pb_sif_count(ps->vi->sif, ps->az, p->abstract,
                          strlen(p->abstract));
    if (ps->log && ++ps->seen % 100000 == 0)
        fprintf(ps->log, "vectors: counted %zu papers\n", ps->seen);
    return rc;
}

static int embed_paper(void *ctx, int64_t pid, int64_t seq, int deleted,
                       const struct pb_paper *p)
{
    (void)seq, (void)deleted;
    struct pass *ps = ctx;
    uint32_t dim = pb_wordvec_dim(ps->vi->wv);
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 4096;
        ps->pids = pb_reallocarray(ps->pids, ps->cap, sizeof *ps->pids);
        ps->vecs = pb_reallocarray(ps->vecs, ps->cap * dim, sizeof(float));
    }
    float *v = ps->vecs + ps->n * dim;
    pb_sif_embed_raw(ps->vi->sif, ps->az, p->title, p->abstract, v);
    ps->pids[ps->n++] = pid;
    if (ps->log && ps->n % 100000 == 0)
        fprintf(ps->log, "vectors: embedded %zu papers\n", ps->n);
    return PB_OK;
}

static int link_words(const char *db_path, const char *words_path,
                      char *wv_path, size_t cap, struct pb_err *err)
{
    if (pb_vindex_path(db_path, "wv", wv_path, cap))
        return pb_err_set(err, PB_ETOOBIG, "path too long");
    if (!words_path || !strcmp(words_path, wv_path))
        return PB_OK;
    char abs[PATH_MAX];
    if (!realpath(words_path, abs))
        return pb_err_set(err, PB_ENOTFOUND, "%s: no such file", words_path);
    char cur[PATH_MAX];
    if (realpath(wv_path, cur) && !strcmp(cur, abs))
        return PB_OK;
    unlink(wv_path);
    if (symlink(abs, wv_path) != 0)
        return pb_err_set(err, PB_EIO, "%s: cannot link to %s", wv_path, abs);
    return PB_OK;
}

int pb_vindex_build(const char *db_path, const char *words_path,
                    struct pb_store *st, uint32_t M, uint32_t efc,
                    FILE *log, struct pb_vindex **out, struct pb_err *err)
{
    char wv_path[4200];
    struct pass ps = {0};
    int rc = link_words(db_path, words_path, wv_path, sizeof wv_path, err);
    *out = NULL;
    if (rc)
        return rc;
    struct pb_vindex *vi = pb_calloc(1, sizeof *vi);
    rc = pb_wordvec_load(wv_path, &vi->wv, err);
    if (rc)
        goto out;
    uint32_t dim = pb_wordvec_dim(vi->wv);
    vi->sif = pb_sif_new(vi->wv, PB_SIF_A);
    ps.vi = vi;
    ps.az = pb_analyzer_new();
    ps.log = log;
    int64_t seq = 0;
    rc = pb_store_max_seq(st, &seq);
    if (!rc)
        rc = pb_store_paper_each(st, 0, count_paper, &ps);
    if (!rc)
        rc = pb_store_paper_each(st, 0, embed_paper, &ps);
    if (rc) {
        pb_err_set(err, rc, "vectors: reading the store: %s",
                   pb_store_errmsg(st));
        goto out;
    }
    /* the component from an even sample of at most 50,000 papers */
    size_t every = ps.n / 50000 + 1, n_s = 0;
    float *sample = pb_reallocarray(NULL, ps.n / every + 1, dim * 4);
    for (size_t i = 0; i < ps.n; i += every)
        memcpy(sample + n_s++ * dim, ps.vecs + i * dim, dim * 4);
    pb_sif_fit_pc(vi->sif, sample, n_s);
    free(sample);
    vi->vs = pb_vecset_new(dim);
    uint32_t n_counts;
    uint64_t total;
    const uint32_t *counts = pb_sif_counts(vi->sif, &total);
    n_counts = pb_wordvec_count(vi->wv);
    pb_vecset_set_sif(vi->vs, pb_sif_pc(vi->sif), counts, n_counts,
                      PB_SIF_A, pb_wordvec_flags(vi->wv));
    for (size_t i = 0; i < ps.n; i++) {
        float *v = ps.vecs + i * dim;
        pb_sif_finish(vi->sif, v);
        pb_vecset_add(vi->vs, ps.pids[i], v);
    }
    pb_vecset_set_seq(vi->vs, seq);
    if (log)
        fprintf(log, "vectors: %zu papers embedded; building the graph\n",
                ps.n);
    vi->g = pb_hnsw_new(vi->vs, M ? M : PB_VINDEX_M,
                        efc ? efc : PB_VINDEX_EFC, 42);
    pb_hnsw_add_all(vi->g);
out:
    pb_analyzer_free(ps.az);
    free(ps.pids);
    free(ps.vecs);
    if (rc)
        pb_vindex_free(vi);
    else
        *out = vi;
    return rc;
}

int pb_vindex_open(const char *db_path, struct pb_vindex **out,
                   struct pb_err *err)
{
    char path[4200];
    struct pb_vindex *vi = pb_calloc(1, sizeof *vi);
    int rc = PB_OK;
    *out = NULL;
    if (pb_vindex_path(db_path, "wv", path, sizeof path)) {
        rc = pb_err_set(err, PB_ETOOBIG, "path too long");
        goto out;
    }
    rc = pb_wordvec_load(path, &vi->wv, err);
    if (rc)
        goto out;
    if (pb_vindex_path(db_path, "vec", path, sizeof path) ||
        (rc = pb_vecset_open(path, &vi->vs, err)))
        goto out;
    if (pb_vecset_dim(vi->vs) != pb_wordvec_dim(vi->wv)) {
        rc = pb_err_set(err, PB_EPARSE, "%s: dimension differs from DB.wv",
                        path);
        goto out;
    }
    vi->sif = pb_sif_new(vi->wv, pb_vecset_a(vi->vs));
    uint32_t n_counts;
    const uint32_t *counts = pb_vecset_counts(vi->vs, &n_counts);
    if (pb_sif_set_counts(vi->sif, counts, n_counts)) {
        rc = pb_err_set(err, PB_EPARSE, "%s: made with other word vectors",
                        path);
        goto out;
    }
    pb_sif_set_pc(vi->sif, pb_vecset_pc(vi->vs));
    if (pb_vindex_path(db_path, "hnsw", path, sizeof path) ||
        (rc = pb_hnsw_open(path, vi->vs, &vi->g, err)))
        goto out;
    pb_hnsw_add_all(vi->g); /* slots saved after the graph, if any */
out:
    if (rc)
        pb_vindex_free(vi);
    else
        *out = vi;
    return rc;
}

struct sync_ctx {
    struct pb_vindex *vi;
    struct pb_analyzer *az;
    float *v;
    size_t n;
};

static int sync_paper(void *ctx, int64_t pid, int64_t seq, int deleted,
                      const struct pb_paper *p)
{
    (void)seq;
    struct sync_ctx *c = ctx;
    c->n++;
    if (deleted) {
        int rc = pb_vecset_delete(c->vi->vs, pid);
        return rc == PB_ENOTFOUND ? PB_OK : rc; /* never embedded: fine */
    }
    pb_sif_embed_raw(c->vi->sif, c->az, p->title, p->abstract, c->v);
    pb_sif_finish(c->vi->sif, c->v);
    pb_vecset_add(c->vi->vs, pid, c->v);
    return PB_OK;
}

int pb_vindex_sync(struct pb_vindex *vi, struct pb_store *st, size_t *out_n)
{
    int64_t seq = 0;
    int rc = pb_store_max_seq(st, &seq);
    if (rc)
        return rc;
    struct sync_ctx c = {vi, pb_analyzer_new(),
                         pb_calloc(pb_wordvec_dim(vi->wv), sizeof(float)), 0};
    rc = pb_store_paper_changes(st, pb_vecset_seq(vi->vs), sync_paper, &c);
    if (!rc) {
        pb_vecset_set_seq(vi->vs, seq);
        pb_hnsw_add_all(vi->g);
    }
    pb_analyzer_free(c.az);
    free(c.v);
    if (out_n)
        *out_n = c.n;
    return rc;
}

int pb_vindex_save(const struct pb_vindex *vi, const char *db_path,
                   struct pb_err *err)
{
    char path[4200];
    int rc;
    if (pb_vindex_path(db_path, "vec", path, sizeof path))
        return pb_err_set(err, PB_ETOOBIG, "path too long");
    if ((rc = pb_vecset_save(vi->vs, path, err)))
        return rc;
    if (pb_vindex_path(db_path, "hnsw", path, sizeof path))
        return pb_err_set(err, PB_ETOOBIG, "path too long");
    return pb_hnsw_save(vi->g, path, err);
}

struct pb_vquery {
    const struct pb_vindex *vi;
    float qscale; /* 0: no text query yet */
    struct pb_analyzer *az;
    struct pb_hnsw_scratch *sc;
    float v[PB_WV_MAX_DIM];
    int8_t q[PB_WV_MAX_DIM];
};

struct pb_vquery *pb_vquery_new(const struct pb_vindex *vi)
{
    struct pb_vquery *vq = pb_calloc(1, sizeof *vq);
    vq->vi = vi;
    vq->az = pb_analyzer_new();
    vq->sc = pb_hnsw_scratch_new();
    return vq;
}

void pb_vquery_free(struct pb_vquery *vq)
{
    if (!vq)
        return;
    pb_analyzer_free(vq->az);
    pb_hnsw_scratch_free(vq->sc);
    free(vq);
}

static void run(struct pb_vquery *vq, float qscale, size_t k, uint32_t ef,
                int exact, struct pb_vhit *hits, size_t *out_n)
{
    if (exact)
        pb_vecset_exact(vq->vi->vs, vq->q, qscale, k, hits, out_n);
    else
        pb_hnsw_search(vq->vi->g, vq->sc, vq->q, qscale, k,
                       ef ? ef : PB_VINDEX_EF, hits, out_n);
}

int pb_vquery_text_fb(struct pb_vquery *vq, const char *text, size_t len,
                      const int64_t *fb, size_t n_fb, double beta, size_t k,
                      uint32_t ef, int exact, struct pb_vhit *hits,
                      size_t *out_n)
{
    *out_n = 0;
    vq->qscale = 0;
    char *t = pb_strndup(text, len);
    size_t n = pb_sif_embed_raw(vq->vi->sif, vq->az, t, NULL, vq->v);
    free(t);
    if (!n)
        return PB_OK;
    pb_sif_finish(vq->vi->sif, vq->v);
    const struct pb_vecset *vs = vq->vi->vs;
    uint32_t dim = pb_vecset_dim(vs);
    float dv[PB_WV_MAX_DIM];
    size_t used = 0;
    for (size_t i = 0; i < n_fb; i++) {
        int64_t s = pb_vecset_slot(vs, fb[i]);
        if (s < 0)
            continue;
        pb_vecset_get(vs, (uint32_t)s, dv);
        for (uint32_t d = 0; d < dim; d++)
            vq->v[d] += (float)(beta / (double)n_fb) * dv[d];
        used++;
    }
    if (used) { /* back to unit length */
        double nn = 0;
        for (uint32_t d = 0; d < dim; d++)
            nn += (double)vq->v[d] * vq->v[d];
        for (uint32_t d = 0; nn > 0 && d < dim; d++)
            vq->v[d] = (float)(vq->v[d] / sqrt(nn));
    }
    float qs;
    pb_vec_quantize(vq->v, dim, pb_vecset_dim_pad(vs), vq->q, &qs);
    vq->qscale = qs;
    run(vq, qs, k, ef, exact, hits, out_n);
    return PB_OK;
}

int pb_vquery_text(struct pb_vquery *vq, const char *text, size_t len,
                   size_t k, uint32_t ef, int exact, struct pb_vhit *hits,
                   size_t *out_n)
{
    return pb_vquery_text_fb(vq, text, len, NULL, 0, 0, k, ef, exact, hits,
                             out_n);
}

int pb_vquery_score(const struct pb_vquery *vq, int64_t pid, float *out)
{
    const struct pb_vecset *vs = vq->vi->vs;
    int64_t s = pb_vecset_slot(vs, pid);
    if (s < 0 || vq->qscale == 0)
        return PB_ENOTFOUND;
    *out = vq->qscale * pb_vecset_scale(vs, (uint32_t)s) *
           (float)pb_vec_dot_i8(vq->q, pb_vecset_q(vs, (uint32_t)s),
                                pb_vecset_dim_pad(vs));
    return PB_OK;
}

int pb_vquery_similar(struct pb_vquery *vq, int64_t pid, size_t k,
                      uint32_t ef, struct pb_vhit *hits, size_t *out_n)
{
    *out_n = 0;
    const struct pb_vecset *vs = vq->vi->vs;
    int64_t slot = pb_vecset_slot(vs, pid);
    if (slot < 0)
        return PB_ENOTFOUND;
    memcpy(vq->q, pb_vecset_q(vs, (uint32_t)slot), pb_vecset_dim_pad(vs));
    vq->qscale = 0;
    struct pb_vhit buf[101];
    size_t want = k + 1 > 101 ? 101 : k + 1, n = 0;
    run(vq, pb_vecset_scale(vs, (uint32_t)slot), want, ef, 0, buf, &n);
    for (size_t i = 0; i < n && *out_n < k; i++)
        if (buf[i].pid != pid)
            hits[(*out_n)++] = buf[i];
    return PB_OK;
}
