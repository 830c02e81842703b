/* veval_study.c - `paperboy eval DIR --mode hybrid --study A.wv ...`:
 * measurements behind docs/BENCHMARKS.md, not paths search takes. Each
 * query's keyword top 100 and the study's exact semantic top 100 are
 * re-ranked by alpha * keyword + (1 - alpha) * ((1 - gamma) * cosine +
 * gamma * sentence feature) under five score normalisations, and by
 * keyword + cosine + beta * the BM25F of each candidate's nearest corpus
 * documents (neighbour smoothing); veval.h has the contract. */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/veval.h"
#include "core/mem.h"
#include "search/search.h"
#include "vector/sif.h"
#include "vector/wordvec.h"

#define MAXC (2 * PB_VEVAL_DEPTH) /* keyword and semantic lists, joined */
#define NNB 10                    /* neighbours kept per document */

static const double alphas[] = {0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75};
static const double gammas[] = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
static const int ks[] = {1, 3, 5, 10};
enum {
    NA = sizeof alphas / sizeof *alphas,
    NG = sizeof gammas / sizeof *gammas,
    NK = sizeof ks / sizeof *ks,
    NB = 6 /* beta 0, 0.05, ..., 0.25 */
};

/* the sentence feature: best abstract sentence, title, the larger */
enum { F_SENT, F_TITLE, F_MAX, F_N };
static const char *fnames[F_N] = {"sentence", "title", "max(sentence,title)"};

enum { N_MMKW, N_MAX, N_Z, N_MMC, N_MAXSQ, N_N };
static const char *nnames[N_N] = {"minmax-kwlist", "maxnorm", "zscore",
                                  "minmax-cands", "maxnorm-sq"};

/* One word-vector model with its own SIF fit over the corpus. */
struct model {
    struct pb_wordvec *wv;
    struct pb_sif *sif;
    uint32_t dim;
    float *dv;    /* document i: dv + i * dim (title + abstract, finished) */
    float *sv;    /* sentence vectors (finished), soff[i]..soff[i+1) for */
    size_t *soff; /* document i: its title first, then abstract sentences */
    float *qv;    /* the current query's vector */
};

struct pb_veval_study {
    const struct pb_veval_docs *d; /* borrowed */
    struct model *m;
    size_t nm;
    int32_t *knn; /* NNB nearest documents of each (model 0), -1: none */
    float *knns;  /* and their cosines */
    struct pb_ranked *all; /* every document by ensemble cosine */
    /* the current query's candidates */
    size_t n;
    int64_t key[MAXC];
    double kwmm[MAXC]; /* keyword score min-max scaled over its list, or 0 */
    double bm[MAXC];   /* true BM25F */
    double cos[MAXC], feat[F_N][MAXC], gain[MAXC];
    int64_t npid[MAXC * NNB];
    struct pb_doc_features nft[MAXC * NNB];
    /* sums over the queries */
    size_t nq;
    double sem;
    double acc[F_N][N_N][NA][NG];
    double nb[NK][NA][NB];
};

static float dotf(const float *a, const float *b, uint32_t n)
{
    float s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* Length of the sentence at t: up to and with a '.', '?' or '!' that ends
 * the text or comes before a space. */
static size_t sentence_len(const char *t, size_t len)
{
    size_t j = 0;
    while (j < len && !((t[j] == '.' || t[j] == '?' || t[j] == '!') &&
                        (j + 1 == len || t[j + 1] == ' ')))
        j++;
    return j < len ? j + 1 : j;
}

/* Embed text as one sentence at row *n of m->sv (grown as needed); a
 * sentence without a known word is kept as zeros only if keep_empty. */
static void add_sentence(struct model *m, struct pb_analyzer *az,
                         const char *text, int keep_empty, size_t *n,
                         size_t *cap)
{
    if (*n == *cap) {
        *cap *= 2;
        m->sv = pb_reallocarray(m->sv, *cap, m->dim * sizeof(float));
    }
    float *v = m->sv + *n * m->dim;
    if (pb_sif_embed_raw(m->sif, az, text, NULL, v)) {
        pb_sif_finish(m->sif, v);
        ++*n;
    } else if (keep_empty) {
        ++*n; /* embed_raw left zeros */
    }
}

static int model_load(struct model *m, const char *path, struct pb_analyzer *az,
                      const struct pb_veval_docs *d, double sif_a)
{
    struct pb_err err = {0};
    if (pb_wordvec_load(path, &m->wv, &err)) {
        fprintf(stderr, "eval: --study %s: %s\n", path, err.msg);
        return 1;
    }
    uint32_t dim = m->dim = pb_wordvec_dim(m->wv);
    m->sif = pb_sif_new(m->wv, sif_a);
    m->qv = pb_calloc(dim, sizeof(float));
    for (size_t i = 0; i < d->n; i++)
        if (pb_sif_count(m->sif, az, d->title[i], strlen(d->title[i])) ||
            pb_sif_count(m->sif, az, d->text[i], strlen(d->text[i]))) {
            fprintf(stderr, "eval: --study %s: cannot count words\n", path);
            return 1;
        }
    /* as cmd_veval.c builds the --words vectors */
    m->dv = pb_reallocarray(NULL, d->n + 1, dim * sizeof(float));
    for (size_t i = 0; i < d->n; i++)
        pb_sif_embed_raw(m->sif, az, d->title[i], d->text[i], m->dv + i * dim);
    pb_sif_fit_pc(m->sif, m->dv, d->n);
    for (size_t i = 0; i < d->n; i++)
        pb_sif_finish(m->sif, m->dv + i * dim);
    size_t cap = 16, n = 0;
    m->sv = pb_reallocarray(NULL, cap, dim * sizeof(float));
    m->soff = pb_calloc(d->n + 1, sizeof(size_t));
    for (size_t i = 0; i < d->n; i++) {
        m->soff[i] = n;
        add_sentence(m, az, d->title[i], 1, &n, &cap);
        const char *t = d->text[i];
        for (size_t len = strlen(t); len;) {
            size_t j = sentence_len(t, len);
            char *s = pb_strndup(t, j);
            add_sentence(m, az, s, 0, &n, &cap);
            free(s);
            t += j, len -= j;
        }
    }
    m->soff[d->n] = n;
    return 0;
}

/* The NNB nearest documents of each by model 0's cosine (exact, all
 * pairs); ties keep the lower index. */
static void build_knn(struct pb_veval_study *st)
{
    size_t n = st->d->n;
    uint32_t dim = st->m[0].dim;
    const float *dv = st->m[0].dv;
    st->knn = pb_reallocarray(NULL, n + 1, NNB * sizeof(int32_t));
    st->knns = pb_reallocarray(NULL, n + 1, NNB * sizeof(float));
    for (size_t a = 0; a < n; a++) {
        int32_t *ix = st->knn + a * NNB;
        float *sc = st->knns + a * NNB;
        for (int t = 0; t < NNB; t++)
            sc[t] = -2, ix[t] = -1;
        for (size_t b = 0; b < n; b++) {
            if (b == a)
                continue;
            float v = dotf(dv + a * dim, dv + b * dim, dim);
            if (v <= sc[NNB - 1])
                continue;
            int t = NNB - 1;
            while (t > 0 && sc[t - 1] < v) {
                sc[t] = sc[t - 1], ix[t] = ix[t - 1];
                t--;
            }
            sc[t] = v, ix[t] = (int32_t)b;
        }
    }
}

int pb_veval_study_new(const char *const *files, size_t n_files,
                       struct pb_analyzer *az, const struct pb_veval_docs *d,
                       double sif_a, struct pb_veval_study **out)
{
    *out = NULL;
    if (!n_files || !d->n) {
        fprintf(stderr, "eval: --study: no %s\n",
                n_files ? "documents" : "word vectors");
        return 1;
    }
    if (d->n > INT32_MAX) {
        fprintf(stderr, "eval: --study: at most %d documents\n", INT32_MAX);
        return 1;
    }
    struct pb_veval_study *st = pb_calloc(1, sizeof *st);
    st->d = d;
    st->m = pb_calloc(n_files, sizeof *st->m);
    for (; st->nm < n_files; st->nm++)
        if (model_load(&st->m[st->nm], files[st->nm], az, d, sif_a)) {
            st->nm++; /* free what it loaded */
            pb_veval_study_free(st);
            return 1;
        }
    build_knn(st);
    st->all = pb_reallocarray(NULL, d->n, sizeof *st->all);
    *out = st;
    return 0;
}

void pb_veval_study_free(struct pb_veval_study *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nm; i++) {
        struct model *m = &st->m[i];
        free(m->dv), free(m->sv), free(m->soff), free(m->qv);
        pb_sif_free(m->sif);
        pb_wordvec_free(m->wv);
    }
    free(st->m);
    free(st->knn), free(st->knns), free(st->all);
    free(st);
}

/* The ensemble's cosine of document k to the query: the mean over the
 * models (each term divided in float, as for the figures published in
 * docs/BENCHMARKS.md; keep it so they reproduce). */
static double ens_cos(const struct pb_veval_study *st, int64_t k)
{
    double c = 0;
    for (size_t i = 0; i < st->nm; i++) {
        const struct model *m = &st->m[i];
        c += dotf(m->qv, m->dv + (size_t)k * m->dim, m->dim) / (float)st->nm;
    }
    return c;
}

/* Its best abstract sentence's and its title's cosines, each averaged over
 * the models (a best below 0 counts as 0). */
static void sent_feats(const struct pb_veval_study *st, int64_t k, double *sent,
                       double *title)
{
    *sent = *title = 0;
    for (size_t i = 0; i < st->nm; i++) {
        const struct model *m = &st->m[i];
        uint32_t dim = m->dim;
        size_t s0 = m->soff[k], s1 = m->soff[k + 1];
        double best = 0;
        *title += dotf(m->qv, m->sv + s0 * dim, dim) / (float)st->nm;
        for (size_t s = s0 + 1; s < s1; s++) {
            double v = dotf(m->qv, m->sv + s * dim, dim);
            best = v > best ? v : best;
        }
        *sent += best / (double)st->nm;
    }
}

/* best first, ties by key: the order pb_fuse_* gives */
static int by_score(const void *a, const void *b)
{
    const struct pb_ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->key < y->key ? -1 : x->key > y->key;
}

static int before(const struct pb_veval_study *st, const double *s, size_t i,
                  size_t j)
{
    return s[i] > s[j] || (s[i] == s[j] && st->key[i] < st->key[j]);
}

/* nDCG@10 of the candidates ranked by s, ties by key: what
 * pb_veval_score_list() gives for the sorted list, from a top 10 kept by
 * insertion and gains found once per query (some 1,000 lists a query) */
static double ndcg10(const struct pb_veval_study *st, const double *s,
                     double idcg)
{
    size_t top[10], nt = 0;
    for (size_t i = 0; i < st->n; i++) {
        if (nt == 10 && !before(st, s, i, top[9]))
            continue;
        size_t j = nt < 10 ? nt++ : 9;
        for (; j > 0 && before(st, s, i, top[j - 1]); j--)
            top[j] = top[j - 1];
        top[j] = i;
    }
    double dcg = 0;
    for (size_t h = 0; h < nt; h++)
        dcg += st->gain[top[h]] / log2((double)h + 2);
    return idcg > 0 ? dcg / idcg : 0;
}

static void minmax(double *v, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
    for (size_t i = 0; i < n; i++)
        v[i] = hi > lo ? (v[i] - lo) / (hi - lo) : 0;
}

/* v over its maximum, negatives 0 (squared if sq) */
static void maxnorm(double *v, size_t n, int sq)
{
    double mx = 0;
    for (size_t i = 0; i < n; i++)
        mx = v[i] > mx ? v[i] : mx;
    for (size_t i = 0; i < n; i++) {
        v[i] = mx > 0 && v[i] > 0 ? v[i] / mx : 0;
        if (sq)
            v[i] *= v[i];
    }
}

static void zscore(double *v, size_t n)
{
    double mu = 0, sd = 0;
    for (size_t i = 0; i < n; i++)
        mu += v[i];
    mu /= (double)n;
    for (size_t i = 0; i < n; i++)
        sd += (v[i] - mu) * (v[i] - mu);
    sd = sqrt(sd / (double)n) + 1e-9;
    for (size_t i = 0; i < n; i++)
        v[i] = (v[i] - mu) / sd;
}

/* keyword, cosine and feature of the candidates under normalisation v */
static void normalise(const struct pb_veval_study *st, int v, const double *f,
                      double *kw, double *c, double *ft)
{
    size_t n = st->n;
    memcpy(kw, v == N_MMKW ? st->kwmm : st->bm, n * sizeof *kw);
    memcpy(c, st->cos, n * sizeof *c);
    memcpy(ft, f, n * sizeof *ft);
    double *all3[3] = {kw, c, ft};
    for (int k = v == N_MMKW ? 1 : 0; k < 3; k++) {
        if (v == N_MMKW || v == N_MMC)
            minmax(all3[k], n);
        else if (v == N_Z)
            zscore(all3[k], n);
        else
            maxnorm(all3[k], n, v == N_MAXSQ);
    }
}

/* The keyword list kw and the ensemble's semantic top, joined; their
 * features and gains. */
static void candidates(struct pb_veval_study *st, const struct pb_ranked *kw,
                       size_t nkw, size_t nsem, const struct pb_veval_qrels *r,
                       const char *qid)
{
    assert(nkw <= PB_VEVAL_DEPTH && nsem <= PB_VEVAL_DEPTH);
    double kmin = nkw ? kw[nkw - 1].score : 0, kmax = nkw ? kw[0].score : 0;
    size_t n = 0;
    for (size_t i = 0; i < nkw; i++) {
        st->key[n] = kw[i].key;
        st->kwmm[n++] = kmax > kmin ? (kw[i].score - kmin) / (kmax - kmin) : 1;
    }
    for (size_t i = 0; i < nsem; i++) {
        size_t j = 0;
        while (j < n && st->key[j] != st->all[i].key)
            j++;
        if (j == n)
            st->key[n] = st->all[i].key, st->kwmm[n++] = 0;
    }
    st->n = n;
    double *sent = st->feat[F_SENT], *title = st->feat[F_TITLE];
    for (size_t i = 0; i < n; i++) {
        st->cos[i] = ens_cos(st, st->key[i]);
        sent_feats(st, st->key[i], &sent[i], &title[i]);
        st->feat[F_MAX][i] = sent[i] > title[i] ? sent[i] : title[i];
        st->gain[i] = pb_veval_gain(r, qid, st->d->id[st->key[i]]);
    }
}

/* the similarity-weighted mean BM25F of each candidate's k nearest
 * documents, over its largest value */
static void neighbour_bm(const struct pb_veval_study *st, int k, double *out)
{
    double mx = 0;
    for (size_t i = 0; i < st->n; i++) {
        double sw = 0, sv = 0;
        for (int t = 0; t < k; t++) {
            double w = st->knns[st->key[i] * NNB + t];
            w = w < 0 ? 0 : w;
            sw += w, sv += w * st->nft[i * NNB + t].bm25;
        }
        out[i] = sw > 0 ? sv / sw : 0;
        mx = out[i] > mx ? out[i] : mx;
    }
    for (size_t i = 0; i < st->n; i++)
        out[i] = mx > 0 ? out[i] / mx : 0;
}

int pb_veval_study_query(struct pb_veval_study *st, struct pb_searcher *s,
                         struct pb_analyzer *az, const struct pb_veval_qrels *r,
                         const char *qid, const char *qt,
                         const struct pb_ranked *kw, size_t nkw)
{
    const struct pb_veval_docs *d = st->d;
    for (size_t i = 0; i < st->nm; i++) {
        struct model *m = &st->m[i];
        pb_sif_embed_raw(m->sif, az, qt, NULL, m->qv); /* 0 words: zeros */
        pb_sif_finish(m->sif, m->qv);
    }
    for (size_t i = 0; i < d->n; i++)
        st->all[i] = (struct pb_ranked){(int64_t)i, ens_cos(st, (int64_t)i)};
    qsort(st->all, d->n, sizeof *st->all, by_score);
    size_t nsem = d->n < PB_VEVAL_DEPTH ? d->n : PB_VEVAL_DEPTH;
    double n1, r1;
    pb_veval_score_list(r, qid, d, st->all, nsem, &n1, &r1);
    st->sem += n1;

    candidates(st, kw, nkw, nsem, r, qid);
    size_t n = st->n;
    struct pb_doc_features ft[MAXC];
    int rc = pb_search_features(s, st->key, n, ft);
    for (size_t i = 0; i < n * NNB; i++)
        st->npid[i] = st->knn[st->key[i / NNB] * NNB + i % NNB];
    if (!rc)
        rc = pb_search_features(s, st->npid, n * NNB, st->nft);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        st->bm[i] = ft[i].bm25;

    double idcg = pb_veval_idcg(r, qid);
    double kn[MAXC], cn[MAXC], fn[MAXC], sc[MAXC];
    for (int f = 0; f < F_N; f++)
        for (int v = 0; v < N_N; v++) {
            normalise(st, v, st->feat[f], kn, cn, fn);
            for (int a = 0; a < NA; a++)
                for (int g = 0; g < NG; g++) {
                    double al = alphas[a], ga = gammas[g];
                    for (size_t i = 0; i < n; i++)
                        sc[i] = al * kn[i] +
                                (1 - al) * ((1 - ga) * cn[i] + ga * fn[i]);
                    st->acc[f][v][a][g] += ndcg10(st, sc, idcg);
                }
        }
    /* neighbour smoothing on the min-max (keyword list) mix, gamma 0 */
    normalise(st, N_MMKW, st->feat[F_MAX], kn, cn, fn);
    for (int k = 0; k < NK; k++) {
        double nbv[MAXC];
        neighbour_bm(st, ks[k], nbv);
        for (int a = 0; a < NA; a++)
            for (int b = 0; b < NB; b++) {
                double al = alphas[a], be = 0.05 * b;
                for (size_t i = 0; i < n; i++)
                    sc[i] = al * kn[i] + (1 - al) * cn[i] + be * nbv[i];
                st->nb[k][a][b] += ndcg10(st, sc, idcg);
            }
    }
    st->nq++;
    return PB_OK;
}

static void table_head(const char *what, const char *cols, const double *v,
                       int nv)
{
    printf("study %s: rows alpha, cols %s", what, cols);
    for (int i = 0; i < nv; i++)
        printf(" %6.2f", v[i]);
    printf("\n");
}

void pb_veval_study_print(const struct pb_veval_study *st)
{
    double nq = st->nq ? (double)st->nq : 1;
    printf("study models=%zu queries=%zu: nDCG@10 of the keyword top %d and "
           "the ensemble's semantic top %d re-ranked\n",
           st->nm, st->nq, PB_VEVAL_DEPTH, PB_VEVAL_DEPTH);
    printf("study semantic (ensemble cosine, exact) nDCG@10=%.4f\n",
           st->sem / nq);
    for (int f = 0; f < F_N; f++)
        for (int v = 0; v < N_N; v++) {
            char what[96];
            snprintf(what, sizeof what, "norm=%s feature=%s", nnames[v],
                     fnames[f]);
            table_head(what, "gamma", gammas, NG);
            for (int a = 0; a < NA; a++) {
                printf("  alpha %.2f:", alphas[a]);
                for (int g = 0; g < NG; g++)
                    printf(" %6.4f", st->acc[f][v][a][g] / nq);
                printf("\n");
            }
        }
    double betas[NB];
    for (int b = 0; b < NB; b++)
        betas[b] = 0.05 * b;
    for (int k = 0; k < NK; k++) {
        char what[96];
        snprintf(what, sizeof what,
                 "neighbours k=%d norm=minmax-kwlist gamma=0", ks[k]);
        table_head(what, "beta", betas, NB);
        for (int a = 0; a < NA; a++) {
            printf("  alpha %.2f:", alphas[a]);
            for (int b = 0; b < NB; b++)
                printf(" %6.4f", st->nb[k][a][b] / nq);
            printf("\n");
        }
    }
}
