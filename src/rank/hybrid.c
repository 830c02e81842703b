/* hybrid.c - keyword + vector search fused (hybrid.h). */
#include "rank/hybrid.h"

#include <string.h>

int pb_search_mode_parse(const char *s, enum pb_search_mode *out)
{
    if (!strcmp(s, "keyword"))
        *out = PB_MODE_KEYWORD;
    else if (!strcmp(s, "semantic"))
        *out = PB_MODE_SEMANTIC;
    else if (!strcmp(s, "hybrid"))
        *out = PB_MODE_HYBRID;
    else
        return PB_EINVAL;
    return PB_OK;
}

void pb_hybrid_opts_init(struct pb_hybrid_opts *o)
{
    *o = (struct pb_hybrid_opts){PB_HYBRID_ALPHA, PB_HYBRID_FEEDBACK, 1.0,
                                 1, 0, 0};
}

int pb_hybrid_search(struct pb_searcher *s, struct pb_vquery *vq,
                     enum pb_search_mode mode, const char *q, size_t len,
                     double alpha, size_t k, struct pb_ranked *out,
                     size_t *out_n)
{
    struct pb_hybrid_opts o;
    pb_hybrid_opts_init(&o);
    if (alpha >= 0)
        o.alpha = alpha;
    return pb_hybrid_search_opts(s, vq, mode, q, len, &o, k, out, out_n);
}

int pb_hybrid_search_opts(struct pb_searcher *s, struct pb_vquery *vq,
                          enum pb_search_mode mode, const char *q,
                          size_t len, const struct pb_hybrid_opts *o,
                          size_t k, struct pb_ranked *out, size_t *out_n)
{
    struct pb_ranked kw[PB_HYBRID_DEPTH], sem[2 * PB_HYBRID_DEPTH];
    struct pb_vhit h[PB_HYBRID_DEPTH];
    int64_t fb[PB_HYBRID_DEPTH];
    size_t nkw = 0, nsem = 0, nfb = 0;
    int rc = PB_OK;
    struct pb_hybrid_opts def;
    if (!o) {
        pb_hybrid_opts_init(&def);
        o = &def;
    }
    *out_n = 0;
    if (k > PB_HYBRID_DEPTH)
        k = PB_HYBRID_DEPTH;
    if (!s)
        mode = PB_MODE_SEMANTIC;
    if (!vq)
        mode = PB_MODE_KEYWORD;
    if (!s && !vq)
        return PB_EINVAL;
    if (mode != PB_MODE_SEMANTIC) {
        struct pb_results r;
        struct pb_search_opts so = {PB_HYBRID_DEPTH, 0, 0};
        rc = pb_search(s, q, len, &so, &r);
        if (rc)
            return rc;
        for (size_t i = 0; i < r.n_hits; i++)
            kw[nkw++] = (struct pb_ranked){r.hits[i].pid, r.hits[i].score};
        pb_results_clear(&r);
    }
    if (mode != PB_MODE_KEYWORD) {
        for (size_t i = 0; mode == PB_MODE_HYBRID && i < nkw &&
                           nfb < o->feedback && nfb < PB_HYBRID_DEPTH;
             i++)
            fb[nfb++] = kw[i].key;
        rc = pb_vquery_text_fb(vq, q, len, fb, nfb, o->beta, PB_HYBRID_DEPTH,
                               o->ef, o->exact, h, &nsem);
        if (rc)
            return rc;
        for (size_t i = 0; i < nsem; i++)
            sem[i] = (struct pb_ranked){h[i].pid, h[i].score};
        for (size_t i = 0; o->fill && nsem && i < nkw; i++) {
            size_t j = 0;
            while (j < nsem && sem[j].key != kw[i].key)
                j++;
            float sc;
            if (j == nsem && pb_vquery_score(vq, kw[i].key, &sc) == PB_OK)
                sem[nsem++] = (struct pb_ranked){kw[i].key, sc};
        }
    }
    if (mode == PB_MODE_SEMANTIC) { /* keep raw cosines */
        size_t n = nsem < k ? nsem : k;
        memcpy(out, sem, n * sizeof *out);
        *out_n = n;
    } else if (mode == PB_MODE_KEYWORD) {
        size_t n = nkw < k ? nkw : k;
        memcpy(out, kw, n * sizeof *out);
        *out_n = n;
    } else {
        double alpha = o->alpha < 0 ? PB_HYBRID_ALPHA : o->alpha;
        *out_n = pb_fuse_linear(kw, nkw, sem, nsem, alpha, out, k);
    }
    return PB_OK;
}
