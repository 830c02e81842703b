/* cmd_veval.c - paperboy eval DIR --mode keyword|semantic|hybrid|all
 * [--words FILE.wv] [--fuse rrf|linear] [--alpha X] [--split test]:
 * keyword, semantic (SIF vectors, exact search) and hybrid relevance on a
 * BEIR-layout dataset, each mode through pb_hybrid_search_opts() (the
 * call search uses). `paperboy eval` without --mode is cmd_eval.c.
 * [--study A.wv ...] also measures re-rankers not in search (sentence
 * vectors, score normalisations, ensembles, neighbour smoothing:
 * veval_study.c); [--dump FILE] writes one line per query (veval.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/veval.h"
#include "core/mem.h"
#include "rank/hybrid.h"
#include "rank/ltr.h"
#include "search/index.h"
#include "search/search.h"
#include "vector/sif.h"
#include "vector/vecset.h"
#include "vector/vindex.h"

/* ---- --ltr-cv: a learned fusion, cross-validated on the split --------- */

struct ltrq {
    double (*f)[PB_LTR_NF];
    int *rel;
    int64_t *pid;
    size_t n;
    const char *qid;
};

static int rel_of(const struct pb_veval_qrels *r, const char *qid,
                  const char *did)
{
    for (size_t k = 0; k < r->n; k++)
        if (!strcmp(r->qid[k], qid) && !strcmp(r->did[k], did))
            return r->rel[k];
    return 0;
}

static void add_cand(int64_t *c, size_t *n, int64_t pid)
{
    for (size_t i = 0; i < *n; i++)
        if (c[i] == pid)
            return;
    c[(*n)++] = pid;
}

/* The candidates of one query (keyword, semantic and hybrid lists) with
 * their features: BM25F, title and abstract BM25 (each over the best
 * BM25F of the candidates), coverage, proximity, cosine to the query's
 * vector and to the feedback vector (vq1 holds it after the hybrid
 * search, vq0 the plain one). */
static void ltr_collect(struct ltrq *lq, struct pb_searcher *s,
                        struct pb_vquery *vq0, struct pb_vquery *vq1,
                        const struct pb_veval_qrels *r, const char *qid,
                        const struct pb_veval_docs *d,
                        const struct pb_ranked *a, size_t na,
                        const struct pb_ranked *b, size_t nb,
                        const struct pb_ranked *c, size_t nc)
{
    int64_t cand[3 * PB_VEVAL_DEPTH];
    size_t n = 0;
    for (size_t i = 0; i < na; i++)
        add_cand(cand, &n, a[i].key);
    for (size_t i = 0; i < nb; i++)
        add_cand(cand, &n, b[i].key);
    for (size_t i = 0; i < nc; i++)
        add_cand(cand, &n, c[i].key);
    struct pb_doc_features ft[3 * PB_VEVAL_DEPTH];
    lq->qid = qid;
    lq->n = 0;
    if (!n || pb_search_features(s, cand, n, ft))
        return;
    double mx = 0;
    for (size_t i = 0; i < n; i++)
        if (ft[i].bm25 > mx)
            mx = ft[i].bm25;
    if (mx <= 0)
        mx = 1;
    lq->f = pb_reallocarray(NULL, n, sizeof *lq->f);
    lq->rel = pb_reallocarray(NULL, n, sizeof *lq->rel);
    lq->pid = pb_reallocarray(NULL, n, sizeof *lq->pid);
    for (size_t i = 0; i < n; i++) {
        float c0 = 0, c1 = 0;
        if (vq0 && pb_vquery_score(vq0, cand[i], &c0))
            c0 = 0;
        if (vq1 && pb_vquery_score(vq1, cand[i], &c1))
            c1 = 0;
        double *f = lq->f[i];
        f[0] = ft[i].bm25 / mx, f[1] = ft[i].title / mx;
        f[2] = ft[i].abstract / mx, f[3] = ft[i].coverage;
        f[4] = ft[i].proximity, f[5] = c0, f[6] = c1;
        lq->rel[i] = rel_of(r, qid, d->id[cand[i]]);
        lq->pid[i] = cand[i];
    }
    lq->n = n;
}

/* nDCG@10 of one query's candidates ranked by w . f */
static double ltr_ndcg(const struct ltrq *lq, const double *w,
                       const struct pb_veval_qrels *r,
                       const struct pb_veval_docs *d)
{
    struct pb_ranked l[3 * PB_VEVAL_DEPTH];
    for (size_t i = 0; i < lq->n; i++)
        l[i] = (struct pb_ranked){lq->pid[i], pb_ltr_score(w, lq->f[i])};
    /* best first, ties by key: what pb_fuse_* does */
    struct pb_ranked out[3 * PB_VEVAL_DEPTH];
    size_t n = pb_fuse_linear(l, lq->n, NULL, 0, 1.0, out, 3 * PB_VEVAL_DEPTH);
    /* pb_fuse_linear min-max scales: order kept */
    double nd, rc;
    pb_veval_score_list(r, lq->qid, d, out, n, &nd, &rc);
    return nd;
}

static void ltr_cv(struct ltrq *lq, size_t nq, const double *base,
                   const struct pb_veval_qrels *r,
                   const struct pb_veval_docs *d)
{
    static const char *fname[PB_LTR_NF] = {"bm25", "title", "abstract",
                                           "coverage", "proximity", "cos",
                                           "cos_fb"};
    static const double Cs[] = {0.001, 0.01, 0.1, 1};
    enum { FOLDS = 5 };
    struct pb_ltr_query *tq = pb_calloc(nq + 1, sizeof *tq);
    for (size_t c = 0; c < sizeof Cs / sizeof *Cs; c++) {
        double sum = 0, bsum = 0;
        for (int k = 0; k < FOLDS; k++) {
            size_t nt = 0;
            for (size_t i = 0; i < nq; i++)
                if (i % FOLDS != (size_t)k)
                    tq[nt++] = (struct pb_ltr_query){
                        (const double(*)[PB_LTR_NF])lq[i].f, lq[i].rel,
                        lq[i].n};
            double w[PB_LTR_NF];
            if (pb_ltr_train(tq, nt, Cs[c], w))
                continue;
            for (size_t i = (size_t)k; i < nq; i += FOLDS) {
                sum += ltr_ndcg(&lq[i], w, r, d);
                bsum += base[i];
            }
        }
        printf("ltr-cv C=%g folds=%d queries=%zu nDCG@10=%.4f (hybrid-linear "
               "on the same queries %.4f)\n", Cs[c], FOLDS, nq, sum / nq,
               bsum / nq);
    }
    size_t nt = 0;
    for (size_t i = 0; i < nq; i++)
        tq[nt++] = (struct pb_ltr_query){(const double(*)[PB_LTR_NF])lq[i].f,
                                         lq[i].rel, lq[i].n};
    double w[PB_LTR_NF];
    if (pb_ltr_train(tq, nt, 0.1, w) == PB_OK) {
        printf("ltr weights (C=0.1, all queries):");
        for (int f = 0; f < PB_LTR_NF; f++)
            printf(" %s %.3f", fname[f], w[f]);
        printf("\n");
    }
    free(tq);
}

enum { M_KW, M_SEM, M_RRF, M_LIN, M_N };

int pb_cli_veval(int argc, char **argv)
{
    const char *dir = NULL, *split = "test", *mode = "all";
    const char *words = NULL, *fuse = "linear";
    /* the defaults are pb_hybrid_search()'s, tuned on the train split
     * (docs/SEMANTIC.md) */
    struct pb_hybrid_opts ho;
    pb_hybrid_opts_init(&ho);
    ho.exact = 1;
    double rrf_k = PB_RRF_K, sif_a = PB_SIF_A;
    int ltr = 0;
    struct ltrq *lq = NULL;
    double *base = NULL;
    struct pb_vquery *vq0 = NULL;
    const char **study_files = pb_calloc((size_t)argc, sizeof(char *));
    size_t n_study = 0;
    const char *dump_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy eval DIR --mode keyword|semantic|hybrid|"
                   "all --words FILE.wv\n       [--fuse linear|rrf] "
                   "[--alpha %.2f] [--rrf-k 60] [--prf K BETA] [--no-fill]\n"
                   "       [--sif-a %g] [--split test] [--study FILE.wv ...] "
                   "[--dump FILE]\n\nSemantic: SIF "
                   "vectors of DIR/corpus.jsonl from the word vectors "
                   "FILE.wv\n(e.g. paperboy train-vectors --corpus "
                   "DIR/corpus.jsonl --stems --out FILE.wv),\nexact search. "
                   "Hybrid: pb_hybrid_search() (src/rank/hybrid.h) with "
                   "exact vector\nsearch: keyword and semantic top %d fused, "
                   "linear: alpha * keyword +\n(1 - alpha) * semantic, each "
                   "min-max scaled, keyword hits missing from the\nsemantic "
                   "list scored by their true similarity (unless --no-fill), "
                   "the query\nvector moved toward its top K keyword hits by "
                   "BETA (default --prf %zu %g, K 0: off;\ne.g. --prf 3 1); "
                   "rrf: reciprocal "
                   "rank fusion of the keyword and semantic lists.\n"
                   "--study (repeatable): nDCG@10 tables of re-rankers over "
                   "the keyword top %d and\nthe exact semantic top %d of an "
                   "ensemble of these vectors: sentence features,\nscore "
                   "normalisations, alpha x gamma, and neighbour smoothing.\n"
                   "--dump: per query: qid, hybrid nDCG@10, 0-based rank of "
                   "the first relevant doc\nin the keyword, semantic, hybrid "
                   "lists (-1: none), its id, hybrid top id, query.\n",
                   PB_HYBRID_ALPHA, PB_SIF_A, PB_VEVAL_DEPTH, ho.feedback,
                   ho.beta, PB_VEVAL_DEPTH, PB_VEVAL_DEPTH);
            free(study_files);
            return 0;
        } else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            mode = argv[++i];
        } else if (!strcmp(argv[i], "--words") && i + 1 < argc) {
            words = argv[++i];
        } else if (!strcmp(argv[i], "--fuse") && i + 1 < argc) {
            fuse = argv[++i];
        } else if (!strcmp(argv[i], "--alpha") && i + 1 < argc) {
            ho.alpha = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--prf") && i + 2 < argc) {
            ho.feedback = strtoul(argv[++i], NULL, 10);
            ho.beta = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--sif-a") && i + 1 < argc) {
            sif_a = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--study") && i + 1 < argc) {
            study_files[n_study++] = argv[++i];
        } else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
            dump_path = argv[++i];
        } else if (!strcmp(argv[i], "--ltr-cv")) {
            ltr = 1;
        } else if (!strcmp(argv[i], "--no-fill")) {
            ho.fill = 0;
        } else if (!strcmp(argv[i], "--rrf-k") && i + 1 < argc) {
            rrf_k = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--split") && i + 1 < argc) {
            split = argv[++i];
        } else if (!dir && argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "eval: unknown argument %s\n", argv[i]);
            free(study_files);
            return 2;
        }
    }
    int want[M_N] = {0};
    if (!strcmp(mode, "keyword"))
        want[M_KW] = 1;
    else if (!strcmp(mode, "semantic"))
        want[M_SEM] = 1;
    else if (!strcmp(mode, "hybrid"))
        want[strcmp(fuse, "rrf") ? M_LIN : M_RRF] = 1;
    else if (!strcmp(mode, "all"))
        want[M_KW] = want[M_SEM] = want[M_RRF] = want[M_LIN] = 1;
    if (!dir || !(want[0] | want[1] | want[2] | want[3])) {
        fprintf(stderr, "usage: paperboy eval DIR --mode "
                        "keyword|semantic|hybrid|all\n");
        free(study_files);
        return 2;
    }
    struct pb_veval_docs d = {0};
    struct pb_veval_queries q = {0};
    struct pb_veval_qrels r = {0};
    struct pb_err err = {0};
    struct pb_vindex vi = {0};
    struct pb_vquery *vq = NULL;
    struct pb_index *ix = NULL;
    struct pb_searcher *s = NULL;
    struct pb_analyzer *az = pb_analyzer_new();
    float *raw = NULL;
    struct pb_veval_study *study = NULL;
    FILE *dump = NULL;
    int ret = 1;
    char path[4200];
    snprintf(path, sizeof path, "%s/corpus.jsonl", dir);
    if (pb_veval_load_jsonl(path, 1, &d, &q))
        goto out;
    snprintf(path, sizeof path, "%s/queries.jsonl", dir);
    if (pb_veval_load_jsonl(path, 0, &d, &q))
        goto out;
    snprintf(path, sizeof path, "%s/qrels/%s.tsv", dir, split);
    if (pb_veval_load_qrels(path, &r))
        goto out;
    ix = pb_index_new(NULL);
    for (size_t i = 0; i < d.n; i++) {
        struct pb_index_doc doc = {.pid = (int64_t)i, .id = d.id[i],
                                   .title = d.title[i], .abstract = d.text[i],
                                   .upvotes = -1};
        if (pb_index_add(ix, az, &doc))
            goto out;
    }
    if (want[M_SEM] | want[M_RRF] | want[M_LIN]) {
        if (!words) {
            fprintf(stderr, "eval: --mode %s needs --words FILE.wv (see "
                            "--help)\n", mode);
            goto out;
        }
        if (pb_wordvec_load(words, &vi.wv, &err)) {
            fprintf(stderr, "eval: %s\n", err.msg);
            goto out;
        }
        /* as pb_vindex_build(), in memory and with every document in the
         * component (no graph: exact search) */
        uint32_t dim = pb_wordvec_dim(vi.wv);
        vi.sif = pb_sif_new(vi.wv, sif_a);
        for (size_t i = 0; i < d.n; i++)
            if (pb_sif_count(vi.sif, az, d.title[i], strlen(d.title[i])) ||
                pb_sif_count(vi.sif, az, d.text[i], strlen(d.text[i])))
                goto out;
        raw = pb_reallocarray(NULL, d.n + 1, dim * sizeof(float));
        for (size_t i = 0; i < d.n; i++)
            pb_sif_embed_raw(vi.sif, az, d.title[i], d.text[i],
                             raw + i * dim);
        pb_sif_fit_pc(vi.sif, raw, d.n);
        vi.vs = pb_vecset_new(dim);
        for (size_t i = 0; i < d.n; i++) {
            pb_sif_finish(vi.sif, raw + i * dim);
            pb_vecset_add(vi.vs, (int64_t)i, raw + i * dim);
        }
        vq = pb_vquery_new(&vi);
        vq0 = pb_vquery_new(&vi);
    }
    if (n_study && pb_veval_study_new(study_files, n_study, az, &d, sif_a,
                                      &study))
        goto out;
    if (dump_path && !(dump = fopen(dump_path, "w"))) {
        perror(dump_path);
        goto out;
    }
    if (ltr) {
        lq = pb_calloc(q.n + 1, sizeof *lq);
        base = pb_calloc(q.n + 1, sizeof *base);
    }
    s = pb_searcher_new(ix);
    double ndcg[M_N] = {0}, rec[M_N] = {0};
    size_t nq = 0;
    struct pb_ranked kw[PB_VEVAL_DEPTH], sem[PB_VEVAL_DEPTH],
        fused[PB_VEVAL_DEPTH];
    for (size_t i = 0; i < r.n; i++) {
        char *qt = pb_veval_query_text(&r, i, &q);
        if (!qt)
            continue;
        size_t nkw = 0, nsem = 0, nf = 0;
        size_t len = strlen(qt);
        int rc = pb_hybrid_search_opts(s, NULL, PB_MODE_KEYWORD, qt, len, &ho,
                                       PB_VEVAL_DEPTH, kw, &nkw);
        if (!rc && vq)
            rc = pb_hybrid_search_opts(NULL, vq, PB_MODE_SEMANTIC, qt, len,
                                       &ho, PB_VEVAL_DEPTH, sem, &nsem);
        double n1, r1;
        pb_veval_score_list(&r, r.qid[i], &d, kw, nkw, &n1, &r1);
        ndcg[M_KW] += n1, rec[M_KW] += r1;
        pb_veval_score_list(&r, r.qid[i], &d, sem, nsem, &n1, &r1);
        ndcg[M_SEM] += n1, rec[M_SEM] += r1;
        nf = pb_fuse_rrf(kw, nkw, sem, nsem, rrf_k, fused, PB_VEVAL_DEPTH);
        pb_veval_score_list(&r, r.qid[i], &d, fused, nf, &n1, &r1);
        ndcg[M_RRF] += n1, rec[M_RRF] += r1;
        nf = 0;
        if (!rc && vq)
            rc = pb_hybrid_search_opts(s, vq, PB_MODE_HYBRID, qt, len, &ho,
                                       PB_VEVAL_DEPTH, fused, &nf);
        if (rc) {
            free(qt);
            fprintf(stderr, "eval: search failed: %s\n", pb_strerror(rc));
            goto out;
        }
        pb_veval_score_list(&r, r.qid[i], &d, fused, nf, &n1, &r1);
        ndcg[M_LIN] += n1, rec[M_LIN] += r1;
        if (dump)
            pb_veval_dump_row(dump, &r, r.qid[i], &d, n1, kw, nkw, sem, nsem,
                              fused, nf, qt);
        /* after the hybrid search: s has searched qt last */
        if (study)
            rc = pb_veval_study_query(study, s, az, &r, r.qid[i], qt, kw, nkw);
        if (rc) {
            free(qt);
            fprintf(stderr, "eval: --study: %s\n", pb_strerror(rc));
            goto out;
        }
        if (ltr && vq) {
            struct pb_vhit h1;
            size_t n0;
            if (pb_vquery_text(vq0, qt, len, 1, 0, 1, &h1, &n0) == PB_OK)
                ltr_collect(&lq[nq], s, vq0, vq, &r, r.qid[i], &d, kw, nkw,
                            sem, nsem, fused, nf);
            base[nq] = n1;
        }
        free(qt);
        nq++;
    }
    static const char *names[M_N] = {"keyword", "semantic", "hybrid-rrf",
                                     "hybrid-linear"};
    for (int m = 0; m < M_N && nq; m++) {
        if (!want[m])
            continue;
        printf("paperboy eval %s split=%s mode=%s", dir, split, names[m]);
        if (m == M_RRF)
            printf(" rrf_k=%.0f", rrf_k);
        if (m == M_LIN)
            printf(" alpha=%.2f prf=%zu,%g", ho.alpha, ho.feedback, ho.beta);
        if (m != M_KW)
            printf(" words=%s", words);
        printf(" docs=%zu queries=%zu nDCG@10=%.4f recall@100=%.4f\n", d.n,
               nq, ndcg[m] / nq, rec[m] / nq);
    }
    if (ltr && vq)
        ltr_cv(lq, nq, base, &r, &d);
    if (study && nq)
        pb_veval_study_print(study);
    ret = nq ? 0 : 1;
out:
    if (dump && fclose(dump)) {
        perror(dump_path);
        ret = 1;
    }
    pb_veval_study_free(study);
    free(study_files);
    for (size_t i = 0; lq && i < q.n; i++)
        free(lq[i].f), free(lq[i].rel), free(lq[i].pid);
    free(lq);
    free(base);
    pb_vquery_free(vq0);
    pb_veval_data_clear(&d, &q, &r);
    free(raw);
    pb_searcher_free(s);
    pb_vquery_free(vq);
    pb_vecset_free(vi.vs);
    pb_sif_free(vi.sif);
    pb_wordvec_free(vi.wv);
    pb_index_free(ix);
    pb_analyzer_free(az);
    return ret;
}
