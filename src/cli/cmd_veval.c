/* cmd_veval.c - paperboy eval DIR --mode keyword|semantic|hybrid|all
 * [--words FILE.wv] [--fuse rrf|linear] [--alpha X] [--split test]:
 * keyword, semantic (SIF vectors, exact search) and hybrid relevance on a
 * BEIR-layout dataset. `paperboy eval` without --mode is cmd_eval.c. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/mem.h"
#include "rank/fusion.h"
#include "search/index.h"
#include "search/search.h"
#include "vector/sif.h"
#include "vector/vecset.h"

#define DEPTH 100

struct docs {
    char **id, **title, **text;
    size_t n, cap;
};

struct queries {
    char **id, **text;
    size_t n, cap;
};

struct qrels {
    char **qid, **did;
    int *rel;
    size_t n, cap;
};

static char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return pb_strdup(s ? s : "");
}

static int load_jsonl(const char *path, int is_corpus, struct docs *d,
                      struct queries *q)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        if (!o)
            continue;
        if (is_corpus) {
            if (d->n == d->cap) {
                d->cap = d->cap ? d->cap * 2 : 1024;
                d->id = pb_reallocarray(d->id, d->cap, sizeof(char *));
                d->title = pb_reallocarray(d->title, d->cap, sizeof(char *));
                d->text = pb_reallocarray(d->text, d->cap, sizeof(char *));
            }
            d->id[d->n] = jstr(o, "_id");
            d->title[d->n] = jstr(o, "title");
            d->text[d->n++] = jstr(o, "text");
        } else {
            if (q->n == q->cap) {
                q->cap = q->cap ? q->cap * 2 : 1024;
                q->id = pb_reallocarray(q->id, q->cap, sizeof(char *));
                q->text = pb_reallocarray(q->text, q->cap, sizeof(char *));
            }
            q->id[q->n] = jstr(o, "_id");
            q->text[q->n++] = jstr(o, "text");
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    return 0;
}

static int load_qrels(const char *path, struct qrels *r)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2 || !strncmp(line, "query-id", 8))
            continue;
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 1024;
            r->qid = pb_reallocarray(r->qid, r->cap, sizeof(char *));
            r->did = pb_reallocarray(r->did, r->cap, sizeof(char *));
            r->rel = pb_reallocarray(r->rel, r->cap, sizeof(int));
        }
        r->qid[r->n] = pb_strndup(line, (size_t)(t1 - line));
        r->did[r->n] = pb_strndup(t1 + 1, (size_t)(t2 - t1 - 1));
        r->rel[r->n++] = (int)strtol(t2 + 1, NULL, 10);
    }
    fclose(f);
    return 0;
}

/* nDCG@10 and recall@100 of one ranked list (keys index docs) */
static void score_list(const struct qrels *r, const char *qid,
                       const struct docs *d, const struct pb_ranked *l,
                       size_t n, double *ndcg, double *recall)
{
    double dcg = 0, idcg = 0;
    int rels[64];
    size_t nrel = 0, found = 0;
    for (size_t k = 0; k < r->n; k++)
        if (!strcmp(r->qid[k], qid) && r->rel[k] > 0 && nrel < 64)
            rels[nrel++] = r->rel[k];
    for (size_t h = 0; h < n; h++) {
        const char *did = d->id[l[h].key];
        for (size_t k = 0; k < r->n; k++)
            if (r->rel[k] > 0 && !strcmp(r->qid[k], qid) &&
                !strcmp(r->did[k], did)) {
                found++;
                if (h < 10)
                    dcg += (pow(2, r->rel[k]) - 1) / log2((double)h + 2);
            }
    }
    for (size_t a = 0; a < nrel; a++)
        for (size_t b = a + 1; b < nrel; b++)
            if (rels[b] > rels[a]) {
                int t = rels[a];
                rels[a] = rels[b];
                rels[b] = t;
            }
    for (size_t a = 0; a < nrel && a < 10; a++)
        idcg += (pow(2, rels[a]) - 1) / log2((double)a + 2);
    *ndcg = idcg > 0 ? dcg / idcg : 0;
    *recall = nrel ? (double)found / (double)nrel : 0;
}

static void plain_words(char *s)
{
    int start = 1;
    for (char *p = s; *p; p++) {
        if (*p == '"' || *p == ':' || ((*p == '+' || *p == '-') && start))
            *p = ' ';
        start = *p == ' ';
    }
}

static void unit(float *v, uint32_t dim)
{
    double n = 0;
    for (uint32_t x = 0; x < dim; x++)
        n += (double)v[x] * v[x];
    for (uint32_t x = 0; n > 0 && x < dim; x++)
        v[x] = (float)(v[x] / sqrt(n));
}

enum { M_KW, M_SEM, M_RRF, M_LIN, M_N };

int pb_cli_veval(int argc, char **argv)
{
    const char *dir = NULL, *split = "test", *mode = "all";
    const char *words = NULL, *doc_words = NULL, *fuse = "linear";
    /* defaults tuned on the train split (docs/SEMANTIC.md) */
    double alpha = 0.6, rrf_k = PB_RRF_K, prf_beta = 1;
    unsigned long prf_k = 3;
    int fill = 1;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy eval DIR --mode keyword|semantic|hybrid|"
                   "all --words FILE.wv\n       [--fuse linear|rrf] "
                   "[--alpha 0.6] [--rrf-k 60] [--prf K BETA] [--no-fill]\n"
                   "       [--split test]\n\nSemantic: SIF vectors of "
                   "DIR/corpus.jsonl from the word vectors FILE.wv\n(e.g. "
                   "paperboy train-vectors --corpus DIR/corpus.jsonl --stems "
                   "--epochs 10\n--out FILE.wv, or scripts/fetch-glove.sh), "
                   "exact search. Hybrid: keyword and\nsemantic top %d fused,"
                   " linear: alpha * keyword + (1 - alpha) * semantic,\n"
                   "each min-max scaled, keyword hits missing from the "
                   "semantic list scored by\ntheir true similarity (unless "
                   "--no-fill); rrf: reciprocal rank fusion. For\nhybrid "
                   "the query vector moves toward its top K keyword hits by "
                   "BETA (--prf 3 1;\n--prf 0 0: off).\n", DEPTH);
            return 0;
        } else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            mode = argv[++i];
        } else if (!strcmp(argv[i], "--doc-words") && i + 1 < argc) {
            doc_words = argv[++i];
        } else if (!strcmp(argv[i], "--words") && i + 1 < argc) {
            words = argv[++i];
        } else if (!strcmp(argv[i], "--fuse") && i + 1 < argc) {
            fuse = argv[++i];
        } else if (!strcmp(argv[i], "--alpha") && i + 1 < argc) {
            alpha = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--prf") && i + 2 < argc) {
            prf_k = strtoul(argv[++i], NULL, 10);
            prf_beta = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--no-fill")) {
            fill = 0;
        } else if (!strcmp(argv[i], "--rrf-k") && i + 1 < argc) {
            rrf_k = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--split") && i + 1 < argc) {
            split = argv[++i];
        } else if (!dir && argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "eval: unknown argument %s\n", argv[i]);
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
        return 2;
    }
    struct docs d = {0};
    struct queries q = {0};
    struct qrels r = {0};
    struct pb_err err = {0};
    struct pb_wordvec *wv = NULL;
    struct pb_sif *sif = NULL, *sif_q = NULL;
    struct pb_wordvec *wv_doc = NULL;
    struct pb_vecset *vs = NULL;
    struct pb_index *ix = NULL;
    struct pb_analyzer *az = pb_analyzer_new();
    float *raw = NULL;
    int ret = 1;
    char path[4200];
    snprintf(path, sizeof path, "%s/corpus.jsonl", dir);
    if (load_jsonl(path, 1, &d, &q))
        goto out;
    snprintf(path, sizeof path, "%s/queries.jsonl", dir);
    if (load_jsonl(path, 0, &d, &q))
        goto out;
    snprintf(path, sizeof path, "%s/qrels/%s.tsv", dir, split);
    if (load_qrels(path, &r))
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
        if (pb_wordvec_load(words, &wv, &err)) {
            fprintf(stderr, "eval: %s\n", err.msg);
            goto out;
        }
        /* documents in the context ("OUT") space when --doc-words, the
         * query always in the word ("IN") space */
        if (doc_words && pb_wordvec_load(doc_words, &wv_doc, &err)) {
            fprintf(stderr, "eval: %s\n", err.msg);
            goto out;
        }
        if (wv_doc && pb_wordvec_dim(wv_doc) != pb_wordvec_dim(wv)) {
            fprintf(stderr, "eval: --doc-words has another dimension\n");
            goto out;
        }
        uint32_t dim = pb_wordvec_dim(wv);
        sif = pb_sif_new(wv_doc ? wv_doc : wv, PB_SIF_A);
        sif_q = wv_doc ? pb_sif_new(wv, PB_SIF_A) : sif;
        for (size_t i = 0; i < d.n; i++)
            if (pb_sif_count(sif, az, d.title[i], strlen(d.title[i])) ||
                pb_sif_count(sif, az, d.text[i], strlen(d.text[i])) ||
                (sif_q != sif &&
                 (pb_sif_count(sif_q, az, d.title[i], strlen(d.title[i])) ||
                  pb_sif_count(sif_q, az, d.text[i], strlen(d.text[i])))))
                goto out;
        raw = pb_reallocarray(NULL, d.n + 1, dim * sizeof(float));
        if (sif_q != sif) {
            for (size_t i = 0; i < d.n; i++)
                pb_sif_embed_raw(sif_q, az, d.title[i], d.text[i],
                                 raw + i * dim);
            pb_sif_fit_pc(sif_q, raw, d.n);
        }
        for (size_t i = 0; i < d.n; i++)
            pb_sif_embed_raw(sif, az, d.title[i], d.text[i], raw + i * dim);
        pb_sif_fit_pc(sif, raw, d.n);
        vs = pb_vecset_new(dim);
        for (size_t i = 0; i < d.n; i++) {
            pb_sif_finish(sif, raw + i * dim);
            pb_vecset_add(vs, (int64_t)i, raw + i * dim);
        }
    }
    struct pb_searcher *s = pb_searcher_new(ix);
    double ndcg[M_N] = {0}, rec[M_N] = {0};
    size_t nq = 0;
    struct pb_ranked kw[DEPTH], sem[2 * DEPTH], pure[DEPTH], fused[DEPTH];
    float qs = 0;
    int8_t qq[PB_WV_MAX_DIM];
    struct pb_vhit hits[DEPTH];
    for (size_t i = 0; i < r.n; i++) {
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strcmp(r.qid[k], r.qid[i]);
        const char *text = NULL;
        for (size_t k = 0; k < q.n && !text && !seen; k++)
            if (!strcmp(q.id[k], r.qid[i]))
                text = q.text[k];
        if (!text)
            continue;
        size_t nkw = 0, nsem = 0, nf;
        char *qt = pb_strdup(text);
        plain_words(qt);
        struct pb_results res;
        struct pb_search_opts o = {DEPTH, 0, 0};
        if (pb_search(s, qt, strlen(qt), &o, &res) == PB_OK) {
            for (size_t h = 0; h < res.n_hits; h++)
                kw[nkw++] = (struct pb_ranked){res.hits[h].pid,
                                               res.hits[h].score};
            pb_results_clear(&res);
        }
        free(qt);
        size_t npure = 0;
        if (vs) {
            float v[PB_WV_MAX_DIM];
            if (pb_sif_embed_raw(sif_q, az, text, NULL, v)) {
                pb_sif_finish(sif_q, v);
                uint32_t dim = pb_vecset_dim(vs), dp = pb_vecset_dim_pad(vs);
                /* semantic alone: the query's own vector */
                pb_vec_quantize(v, dim, dp, qq, &qs);
                pb_vecset_exact(vs, qq, qs, DEPTH, hits, &npure);
                for (size_t h = 0; h < npure; h++)
                    pure[h] = (struct pb_ranked){hits[h].pid, hits[h].score};
                /* for hybrid, feedback: the query moved toward the keyword
                 * top prf_k (Rocchio in vector space) */
                float dv[PB_WV_MAX_DIM];
                for (size_t h = 0; h < prf_k && h < nkw; h++) {
                    pb_vecset_get(vs, (uint32_t)kw[h].key, dv);
                    for (uint32_t x = 0; x < dim; x++)
                        v[x] += (float)(prf_beta / (double)prf_k) * dv[x];
                }
                if (prf_k && nkw)
                    unit(v, dim);
                pb_vec_quantize(v, dim, dp, qq, &qs);
                pb_vecset_exact(vs, qq, qs, DEPTH, hits, &nsem);
            }
            for (size_t h = 0; h < nsem; h++)
                sem[h] = (struct pb_ranked){hits[h].pid, hits[h].score};
            /* the keyword hits the vector search did not return get their
             * true similarity, not a zero */
            for (size_t h = 0; fill && nsem && h < nkw && nsem < 2 * DEPTH;
                 h++) {
                size_t j = 0;
                while (j < nsem && sem[j].key != kw[h].key)
                    j++;
                if (j < nsem)
                    continue;
                uint32_t sl = (uint32_t)kw[h].key;
                float sc = qs * pb_vecset_scale(vs, sl) *
                           (float)pb_vec_dot_i8(qq, pb_vecset_q(vs, sl),
                                                pb_vecset_dim_pad(vs));
                sem[nsem++] = (struct pb_ranked){kw[h].key, sc};
            }
        }
        double n1, r1;
        score_list(&r, r.qid[i], &d, kw, nkw, &n1, &r1);
        ndcg[M_KW] += n1, rec[M_KW] += r1;
        score_list(&r, r.qid[i], &d, pure, npure, &n1, &r1);
        ndcg[M_SEM] += n1, rec[M_SEM] += r1;
        nf = pb_fuse_rrf(kw, nkw, sem, nsem, rrf_k, fused, DEPTH);
        score_list(&r, r.qid[i], &d, fused, nf, &n1, &r1);
        ndcg[M_RRF] += n1, rec[M_RRF] += r1;
        nf = pb_fuse_linear(kw, nkw, sem, nsem, alpha, fused, DEPTH);
        score_list(&r, r.qid[i], &d, fused, nf, &n1, &r1);
        ndcg[M_LIN] += n1, rec[M_LIN] += r1;
        nq++;
    }
    pb_searcher_free(s);
    static const char *names[M_N] = {"keyword", "semantic", "hybrid-rrf",
                                     "hybrid-linear"};
    for (int m = 0; m < M_N && nq; m++) {
        if (!want[m])
            continue;
        printf("paperboy eval %s split=%s mode=%s", dir, split, names[m]);
        if (m == M_RRF)
            printf(" rrf_k=%.0f", rrf_k);
        if (m == M_LIN)
            printf(" alpha=%.2f", alpha);
        if (m != M_KW)
            printf(" words=%s", words);
        printf(" docs=%zu queries=%zu nDCG@10=%.4f recall@100=%.4f\n", d.n,
               nq, ndcg[m] / nq, rec[m] / nq);
    }
    ret = nq ? 0 : 1;
out:
    for (size_t i = 0; i < d.n; i++) {
        free(d.id[i]);
        free(d.title[i]);
        free(d.text[i]);
    }
    free(d.id), free(d.title), free(d.text);
    for (size_t i = 0; i < q.n; i++)
        free(q.id[i]), free(q.text[i]);
    free(q.id), free(q.text);
    for (size_t i = 0; i < r.n; i++)
        free(r.qid[i]), free(r.did[i]);
    free(r.qid), free(r.did), free(r.rel);
    free(raw);
    pb_vecset_free(vs);
    if (sif_q != sif)
        pb_sif_free(sif_q);
    pb_sif_free(sif);
    pb_wordvec_free(wv_doc);
    pb_wordvec_free(wv);
    pb_index_free(ix);
    pb_analyzer_free(az);
    return ret;
}
