/* veval_data.c - the BEIR dataset, scoring and --dump rows of
 * `paperboy eval --mode` (veval.h). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/veval.h"
#include "core/mem.h"

static char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return pb_strdup(s ? s : "");
}

int pb_veval_load_jsonl(const char *path, int is_corpus,
                        struct pb_veval_docs *d, struct pb_veval_queries *q)
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

int pb_veval_load_qrels(const char *path, struct pb_veval_qrels *r)
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

void pb_veval_data_clear(struct pb_veval_docs *d, struct pb_veval_queries *q,
                         struct pb_veval_qrels *r)
{
    for (size_t i = 0; d && i < d->n; i++)
        free(d->id[i]), free(d->title[i]), free(d->text[i]);
    if (d)
        free(d->id), free(d->title), free(d->text);
    for (size_t i = 0; q && i < q->n; i++)
        free(q->id[i]), free(q->text[i]);
    if (q)
        free(q->id), free(q->text);
    for (size_t i = 0; r && i < r->n; i++)
        free(r->qid[i]), free(r->did[i]);
    if (r)
        free(r->qid), free(r->did), free(r->rel);
}

char *pb_veval_query_text(const struct pb_veval_qrels *r, size_t i,
                          const struct pb_veval_queries *q)
{
    for (size_t k = 0; k < i; k++)
        if (!strcmp(r->qid[k], r->qid[i]))
            return NULL;
    const char *text = NULL;
    for (size_t k = 0; k < q->n && !text; k++)
        if (!strcmp(q->id[k], r->qid[i]))
            text = q->text[k];
    if (!text)
        return NULL;
    char *s = pb_strdup(text);
    int start = 1;
    for (char *p = s; *p; p++) {
        if (*p == '"' || *p == ':' || ((*p == '+' || *p == '-') && start))
            *p = ' ';
        start = *p == ' ';
    }
    return s;
}

double pb_veval_idcg(const struct pb_veval_qrels *r, const char *qid)
{
    /* the 64 first relevant rows are plenty for the best 10 of BEIR sets */
    int rels[64];
    size_t nrel = 0;
    double idcg = 0;
    for (size_t k = 0; k < r->n; k++)
        if (!strcmp(r->qid[k], qid) && r->rel[k] > 0 && nrel < 64)
            rels[nrel++] = r->rel[k];
    for (size_t a = 0; a < nrel; a++)
        for (size_t b = a + 1; b < nrel; b++)
            if (rels[b] > rels[a]) {
                int t = rels[a];
                rels[a] = rels[b];
                rels[b] = t;
            }
    for (size_t a = 0; a < nrel && a < 10; a++)
        idcg += (pow(2, rels[a]) - 1) / log2((double)a + 2);
    return idcg;
}

double pb_veval_gain(const struct pb_veval_qrels *r, const char *qid,
                     const char *did)
{
    double g = 0;
    for (size_t k = 0; k < r->n; k++)
        if (r->rel[k] > 0 && !strcmp(r->qid[k], qid) &&
            !strcmp(r->did[k], did))
            g += pow(2, r->rel[k]) - 1;
    return g;
}

void pb_veval_score_list(const struct pb_veval_qrels *r, const char *qid,
                         const struct pb_veval_docs *d,
                         const struct pb_ranked *l, size_t n, double *ndcg,
                         double *recall)
{
    double dcg = 0;
    size_t nrel = 0, found = 0;
    /* recall over the same (capped) rows as the ideal ranking */
    for (size_t k = 0; k < r->n; k++)
        if (!strcmp(r->qid[k], qid) && r->rel[k] > 0 && nrel < 64)
            nrel++;
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
    double idcg = pb_veval_idcg(r, qid);
    *ndcg = idcg > 0 ? dcg / idcg : 0;
    *recall = nrel ? (double)found / (double)nrel : 0;
}

static int rank_of(const struct pb_veval_docs *d, const struct pb_ranked *l,
                   size_t n, const char *did)
{
    for (size_t h = 0; did && h < n; h++)
        if (!strcmp(d->id[l[h].key], did))
            return (int)h;
    return -1;
}

void pb_veval_dump_row(FILE *f, const struct pb_veval_qrels *r,
                       const char *qid, const struct pb_veval_docs *d,
                       double ndcg, const struct pb_ranked *kw, size_t nkw,
                       const struct pb_ranked *sem, size_t nsem,
                       const struct pb_ranked *hy, size_t nhy,
                       const char *text)
{
    const char *rd = NULL;
    for (size_t k = 0; k < r->n && !rd; k++)
        if (!strcmp(r->qid[k], qid) && r->rel[k] > 0)
            rd = r->did[k];
    fprintf(f, "%s\t%.3f\t%d\t%d\t%d\t%s\t%s\t", qid, ndcg,
            rank_of(d, kw, nkw, rd), rank_of(d, sem, nsem, rd),
            rank_of(d, hy, nhy, rd), rd ? rd : "-",
            nhy ? d->id[hy[0].key] : "-");
    for (const char *p = text; *p; p++)
        fputc(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p, f);
    fputc('\n', f);
}
