/* cmd_eval.c - paperboy eval DIR [--split test] [--k1 X] [--b X]: the
 * keyword engine's relevance on a BEIR-layout dataset (corpus.jsonl,
 * queries.jsonl, qrels/SPLIT.tsv; loaded and scored by veval.h, as
 * `eval --mode` is). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/veval.h"
#include "core/mem.h"
#include "search/index.h"
#include "search/search.h"

static double since(const struct timespec *t0, const struct timespec *t1)
{
    return (double)(t1->tv_sec - t0->tv_sec) +
           (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

int pb_cli_eval(int argc, char **argv)
{
    const char *dir = NULL, *split = "test";
    struct pb_bm25 p;
    pb_bm25_defaults(&p);
    for (int i = 1; i < argc; i++) /* semantic and hybrid: cmd_veval.c */
        if (!strcmp(argv[i], "--mode"))
            return pb_cli_veval(argc, argv);
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy eval DIR [--split test] [--k1 X] [--b X] "
                   "[--title-weight X]\n\nBuilds an in-memory index of "
                   "DIR/corpus.jsonl and prints nDCG@10, recall@100\nand "
                   "MRR@10 for DIR/queries.jsonl against DIR/qrels/SPLIT.tsv.\n");
            return 0;
        } else if (!strcmp(argv[i], "--k1") && i + 1 < argc) {
            p.k1 = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--b") && i + 1 < argc) {
            double b = strtod(argv[++i], NULL);
            for (int f = 0; f < PB_NFIELDS; f++)
                p.b[f] = b;
        } else if (!strcmp(argv[i], "--title-weight") && i + 1 < argc) {
            p.w[PB_F_TITLE] = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--split") && i + 1 < argc) {
            split = argv[++i];
        } else if (!dir && argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "eval: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "usage: paperboy eval DIR [--k1 X] [--b X]\n");
        return 2;
    }
    char path[4096];
    struct pb_veval_docs d = {0};
    struct pb_veval_queries q = {0};
    struct pb_veval_qrels r = {0};
    struct pb_index *ix = pb_index_new(&p);
    struct pb_analyzer *az = pb_analyzer_new();
    struct pb_searcher *s = NULL;
    struct pb_ranked *l = pb_reallocarray(NULL, PB_VEVAL_DEPTH, sizeof *l);
    int ret = 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    snprintf(path, sizeof path, "%s/corpus.jsonl", dir);
    if (pb_veval_load_jsonl(path, 1, &d, &q))
        goto out;
    for (size_t i = 0; i < d.n; i++) { /* document i is pid i */
        struct pb_index_doc doc = {.pid = (int64_t)i, .id = d.id[i],
                                   .title = d.title[i], .abstract = d.text[i],
                                   .upvotes = -1};
        if (pb_index_add(ix, az, &doc))
            goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double build_s = since(&t0, &t1);
    snprintf(path, sizeof path, "%s/queries.jsonl", dir);
    if (pb_veval_load_jsonl(path, 0, &d, &q))
        goto out;
    snprintf(path, sizeof path, "%s/qrels/%s.tsv", dir, split);
    if (pb_veval_load_qrels(path, &r))
        goto out;
    s = pb_searcher_new(ix);
    double ndcg = 0, recall = 0, mrr = 0, ms = 0;
    size_t nq = 0;
    for (size_t i = 0; i < r.n; i++) {
        char *qt = pb_veval_query_text(&r, i, &q);
        if (!qt)
            continue;
        struct pb_results res;
        struct pb_search_opts o = {PB_VEVAL_DEPTH, 0, 0};
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = pb_search(s, qt, strlen(qt), &o, &res);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        free(qt);
        if (rc)
            continue;
        ms += since(&t0, &t1) * 1e3;
        size_t n = res.n_hits < PB_VEVAL_DEPTH ? res.n_hits : PB_VEVAL_DEPTH;
        for (size_t h = 0; h < n; h++)
            l[h] = (struct pb_ranked){res.hits[h].pid, res.hits[h].score};
        pb_results_clear(&res);
        double nd, rec;
        pb_veval_score_list(&r, r.qid[i], &d, l, n, &nd, &rec);
        ndcg += nd, recall += rec;
        for (size_t h = 0; h < n && h < 10; h++)
            if (pb_veval_gain(&r, r.qid[i], d.id[l[h].key]) > 0) {
                mrr += 1.0 / (double)(h + 1);
                break;
            }
        nq++;
    }
    if (nq)
        printf("paperboy eval %s split=%s docs=%zu queries=%zu k1=%.2f b=%.2f "
               "nDCG@10=%.4f recall@100=%.4f MRR@10=%.4f mean_ms=%.3f "
               "build_s=%.2f\n",
               dir, split, d.n, nq, p.k1, p.b[PB_F_ABSTRACT], ndcg / nq,
               recall / nq, mrr / nq, ms / nq, build_s);
    ret = nq ? 0 : 1;
out:
    free(l);
    pb_searcher_free(s);
    pb_veval_data_clear(&d, &q, &r);
    pb_analyzer_free(az);
    pb_index_free(ix);
    return ret;
}
