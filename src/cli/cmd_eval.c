/* cmd_eval.c - paperboy eval DIR [--split test] [--k1 X] [--b X]: relevance
 * on a BEIR-layout dataset (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "search/index.h"
#include "search/search.h"

struct qrel {
    char *qid, *did;
    int score;
};

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p)
        abort();
    memcpy(p, s, n);
    return p;
}

static int read_jsonl(const char *path, int (*fn)(void *, json_t *), void *ctx)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (getline(&line, &cap, f) > 0 && !rc) {
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        if (!o)
            continue;
        rc = fn(ctx, o);
        json_decref(o);
    }
    free(line);
    fclose(f);
    return rc;
}

struct corpus {
    struct pb_index *ix;
    struct pb_analyzer *az;
    int64_t n;
};

static int on_doc(void *ctx, json_t *o)
{
    struct corpus *c = ctx;
    struct pb_index_doc d = {0};
    d.pid = c->n++;
    d.id = json_string_value(json_object_get(o, "_id"));
    d.title = json_string_value(json_object_get(o, "title"));
    d.abstract = json_string_value(json_object_get(o, "text"));
    d.upvotes = -1;
    return pb_index_add(c->ix, c->az, &d) != PB_OK;
}

struct queries {
    char **id, **text;
    size_t n, cap;
};

static int on_query(void *ctx, json_t *o)
{
    struct queries *q = ctx;
    const char *id = json_string_value(json_object_get(o, "_id"));
    const char *t = json_string_value(json_object_get(o, "text"));
    if (!id || !t)
        return 0;
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 256;
        q->id = realloc(q->id, q->cap * sizeof *q->id);
        q->text = realloc(q->text, q->cap * sizeof *q->text);
        if (!q->id || !q->text)
            abort();
    }
    q->id[q->n] = dupstr(id);
    q->text[q->n++] = dupstr(t);
    return 0;
}

/* Natural-language text as plain words: query syntax characters off. */
static void plain_words(char *s)
{
    int start = 1;
    for (char *p = s; *p; p++) {
        if (*p == '"' || *p == ':' || ((*p == '+' || *p == '-') && start))
            *p = ' ';
        start = *p == ' ';
    }
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
    struct corpus c = {pb_index_new(&p), pb_analyzer_new(), 0};
    struct queries q = {0};
    struct qrel *qr = NULL;
    size_t nqr = 0, capqr = 0;
    int ret = 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    snprintf(path, sizeof path, "%s/corpus.jsonl", dir);
    if (read_jsonl(path, on_doc, &c))
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double build_s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    snprintf(path, sizeof path, "%s/queries.jsonl", dir);
    if (read_jsonl(path, on_query, &q))
        goto out;
    snprintf(path, sizeof path, "%s/qrels/%s.tsv", dir, split);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        goto out;
    }
    char line[1024];
    int first = 1;
    while (fgets(line, sizeof line, f)) {
        if (first) {
            first = 0;
            continue;
        }
        char *qid = line, *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        char *did = tab + 1, *tab2 = strchr(did, '\t');
        if (!tab2)
            continue;
        *tab2 = 0;
        if (nqr == capqr) {
            capqr = capqr ? capqr * 2 : 512;
            qr = realloc(qr, capqr * sizeof *qr);
            if (!qr)
                abort();
        }
        qr[nqr].qid = dupstr(qid);
        qr[nqr].did = dupstr(did);
        qr[nqr++].score = (int)strtol(tab2 + 1, NULL, 10);
    }
    fclose(f);
    struct pb_searcher *s = pb_searcher_new(c.ix);
    double ndcg = 0, recall = 0, mrr = 0, ms = 0;
    size_t nq = 0;
    for (size_t i = 0; i < nqr; i++) {
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strcmp(qr[k].qid, qr[i].qid);
        if (seen)
            continue;
        const char *text = NULL;
        for (size_t k = 0; k < q.n && !text; k++)
            if (!strcmp(q.id[k], qr[i].qid))
                text = q.text[k];
        if (!text)
            continue;
        char *qt = dupstr(text);
        plain_words(qt);
        struct pb_results r;
        struct pb_search_opts o = {100, 0, 0};
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = pb_search(s, qt, strlen(qt), &o, &r);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        free(qt);
        if (rc)
            continue;
        ms += (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        /* this query's judgments */
        int rels[256];
        size_t nrel = 0, nrel_all = 0, found = 0;
        double dcg = 0, idcg = 0, rr = 0;
        for (size_t k = i; k < nqr && nrel < 256; k++)
            if (!strcmp(qr[k].qid, qr[i].qid)) {
                rels[nrel++] = qr[k].score;
                nrel_all++;
            }
        for (size_t h = 0; h < r.n_hits; h++) {
            int rel = 0, judged = 0;
            for (size_t k = i; k < nqr; k++)
                if (!strcmp(qr[k].qid, qr[i].qid) && !strcmp(qr[k].did, r.hits[h].id)) {
                    rel = qr[k].score;
                    judged = 1;
                }
            if (judged)
                found++;
            if (h < 10 && rel > 0) {
                dcg += (pow(2, rel) - 1) / log2((double)h + 2);
                if (rr == 0)
                    rr = 1.0 / (double)(h + 1);
            }
        }
        /* ideal: judgments by score, best first */
        for (size_t a = 0; a < nrel; a++)
            for (size_t b = a + 1; b < nrel; b++)
                if (rels[b] > rels[a]) {
                    int t = rels[a];
                    rels[a] = rels[b];
                    rels[b] = t;
                }
        for (size_t a = 0; a < nrel && a < 10; a++)
            idcg += (pow(2, rels[a]) - 1) / log2((double)a + 2);
        ndcg += idcg > 0 ? dcg / idcg : 0;
        recall += nrel_all ? (double)found / (double)nrel_all : 0;
        mrr += rr;
        nq++;
        pb_results_clear(&r);
    }
    pb_searcher_free(s);
    if (nq)
        printf("paperboy eval %s split=%s docs=%lld queries=%zu k1=%.2f b=%.2f "
               "nDCG@10=%.4f recall@100=%.4f MRR@10=%.4f mean_ms=%.3f "
               "build_s=%.2f\n",
               dir, split, (long long)c.n, nq, p.k1, p.b[PB_F_ABSTRACT],
               ndcg / nq, recall / nq, mrr / nq, ms / nq, build_s);
    ret = nq ? 0 : 1;
out:
    for (size_t i = 0; i < q.n; i++) {
        free(q.id[i]);
        free(q.text[i]);
    }
    free(q.id);
    free(q.text);
    for (size_t i = 0; i < nqr; i++) {
        free(qr[i].qid);
        free(qr[i].did);
    }
    free(qr);
    pb_analyzer_free(c.az);
    pb_index_free(c.ix);
    return ret;
}
