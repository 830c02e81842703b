/* sif.c - SIF paper vectors (sif.h). */
#include "vector/sif.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct pb_sif {
    const struct pb_wordvec *wv;
    uint32_t dim;
    double a;
    uint32_t *counts;
    uint64_t total;
    float *pc; /* unit length, or zeros */
};

struct words_ctx {
    struct pb_analyzer *az;
    int stems;
    pb_word_fn fn;
    void *ctx;
};

static int on_token(void *ctx, const struct pb_token *t)
{
    struct words_ctx *w = ctx;
    if (t->flags & (PB_TOK_JOINED | PB_TOK_ID))
        return PB_OK;
    if (w->stems)
        return w->fn(w->ctx, t->p, t->len);
    /* the analyser has set its converted text before the first token */
    size_t tlen, n = t->end - t->start;
    const char *text = pb_analyzer_text(w->az, &tlen);
    if (!n || n > PB_TERM_MAX || t->end > tlen)
        return PB_OK;
    char buf[PB_TERM_MAX];
    for (size_t i = 0; i < n; i++) {
        char c = text[t->start + i];
        buf[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    return w->fn(w->ctx, buf, n);
}

int pb_vec_words(struct pb_analyzer *az, const char *text, size_t len,
                 int stems, pb_word_fn fn, void *ctx)
{
    if (!text || !len)
        return PB_OK;
    struct words_ctx w = {az, stems, fn, ctx};
    return pb_analyze(az, text, len, 0, 0, on_token, &w, NULL);
}

struct pb_sif *pb_sif_new(const struct pb_wordvec *wv, double a)
{
    struct pb_sif *s = pb_calloc(1, sizeof *s);
    s->wv = wv;
    s->dim = pb_wordvec_dim(wv);
    s->a = a > 0 ? a : PB_SIF_A;
    s->counts = pb_calloc(pb_wordvec_count(wv) + 1, sizeof *s->counts);
    s->pc = pb_calloc(s->dim, sizeof *s->pc);
    return s;
}

void pb_sif_free(struct pb_sif *s)
{
    if (!s)
        return;
    free(s->counts);
    free(s->pc);
    free(s);
}

static int count_word(void *ctx, const char *p, size_t len)
{
    struct pb_sif *s = ctx;
    int64_t i = pb_wordvec_find(s->wv, p, len);
    if (i >= 0 && s->counts[i] < UINT32_MAX)
        s->counts[i]++;
    s->total++;
    return PB_OK;
}

int pb_sif_count(struct pb_sif *s, struct pb_analyzer *az, const char *text,
                 size_t len)
{
    return pb_vec_words(az, text, len,
                        pb_wordvec_flags(s->wv) & PB_WV_STEMS, count_word, s);
}

const uint32_t *pb_sif_counts(const struct pb_sif *s, uint64_t *out_total)
{
    if (out_total)
        *out_total = s->total;
    return s->counts;
}

int pb_sif_set_counts(struct pb_sif *s, const uint32_t *counts, size_t n)
{
    if (n != pb_wordvec_count(s->wv))
        return PB_EINVAL;
    memcpy(s->counts, counts, n * sizeof *counts);
    s->total = 0;
    for (size_t i = 0; i < n; i++)
        s->total += counts[i];
    return PB_OK;
}

struct embed_ctx {
    const struct pb_sif *s;
    double *acc;
    float *row;
    size_t n;
};

static int embed_word(void *ctx, const char *p, size_t len)
{
    struct embed_ctx *e = ctx;
    const struct pb_sif *s = e->s;
    int64_t i = pb_wordvec_find(s->wv, p, len);
    if (i < 0)
        return PB_OK;
    /* a word the corpus never had is as rare as can be: weight 1 */
    double pw = s->total ? (double)s->counts[i] / (double)s->total : 0;
    double w = s->a / (s->a + pw);
    pb_wordvec_get(s->wv, (uint32_t)i, e->row);
    for (uint32_t d = 0; d < s->dim; d++)
        e->acc[d] += w * e->row[d];
    e->n++;
    return PB_OK;
}

size_t pb_sif_embed_raw(const struct pb_sif *s, struct pb_analyzer *az,
                        const char *title, const char *abstract, float *out)
{
    double acc[PB_WV_MAX_DIM] = {0};
    float row[PB_WV_MAX_DIM];
    struct embed_ctx e = {s, acc, row, 0};
    int stems = pb_wordvec_flags(s->wv) & PB_WV_STEMS;
    /* embed_word never fails, so neither do these */
    if (title && pb_vec_words(az, title, strlen(title), stems, embed_word, &e))
        e.n = 0;
    if (abstract &&
        pb_vec_words(az, abstract, strlen(abstract), stems, embed_word, &e))
        e.n = 0;
    for (uint32_t d = 0; d < s->dim; d++)
        out[d] = e.n ? (float)(acc[d] / (double)e.n) : 0.0f;
    return e.n;
}

void pb_sif_fit_pc(struct pb_sif *s, const float *vecs, size_t n)
{
    uint32_t dim = s->dim;
    double *v = pb_calloc(dim, sizeof *v), *nv = pb_calloc(dim, sizeof *nv);
    for (uint32_t d = 0; d < dim; d++)
        v[d] = 1.0 / sqrt((double)dim) * (d % 2 ? 1 : -1) + 1e-3 * d;
    for (int it = 0; it < 50; it++) {
        memset(nv, 0, dim * sizeof *nv);
        for (size_t i = 0; i < n; i++) {
            const float *x = vecs + i * dim;
            double dot = 0;
            for (uint32_t d = 0; d < dim; d++)
                dot += x[d] * v[d];
            for (uint32_t d = 0; d < dim; d++)
                nv[d] += dot * x[d];
        }
        double norm = 0;
        for (uint32_t d = 0; d < dim; d++)
            norm += nv[d] * nv[d];
        norm = sqrt(norm);
        if (norm == 0)
            break;
        for (uint32_t d = 0; d < dim; d++)
            v[d] = nv[d] / norm;
    }
    for (uint32_t d = 0; d < dim; d++)
        s->pc[d] = (float)v[d];
    free(v);
    free(nv);
}

const float *pb_sif_pc(const struct pb_sif *s) { return s->pc; }

void pb_sif_set_pc(struct pb_sif *s, const float *pc)
{
    memcpy(s->pc, pc, s->dim * sizeof *pc);
}

void pb_sif_finish(const struct pb_sif *s, float *v)
{
    double dot = 0, norm = 0;
    for (uint32_t d = 0; d < s->dim; d++)
        dot += v[d] * s->pc[d];
    for (uint32_t d = 0; d < s->dim; d++) {
        v[d] -= (float)(dot * s->pc[d]);
        norm += (double)v[d] * v[d];
    }
    if (norm > 0) {
        float inv = (float)(1.0 / sqrt(norm));
        for (uint32_t d = 0; d < s->dim; d++)
            v[d] *= inv;
    }
}
