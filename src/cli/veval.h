/*
 * veval.h - the parts of `paperboy eval DIR --mode ...` (cmd_veval.c)
 * kept apart: a BEIR-layout dataset in memory, nDCG@10 / recall@100 of a
 * ranked list against its qrels, the per-query --dump row. CLI-internal;
 * single-threaded.
 */
#ifndef PB_CLI_VEVAL_H
#define PB_CLI_VEVAL_H

#include <stddef.h>
#include <stdio.h>

#include "rank/fusion.h"

/* how deep each list (keyword, semantic, hybrid) is searched */
#define PB_VEVAL_DEPTH 100

/* DIR/corpus.jsonl: document i is key i of every ranked list */
struct pb_veval_docs {
    char **id, **title, **text;
    size_t n, cap;
};

/* DIR/queries.jsonl */
struct pb_veval_queries {
    char **id, **text;
    size_t n, cap;
};

/* DIR/qrels/SPLIT.tsv: one row per (query, document, grade) */
struct pb_veval_qrels {
    char **qid, **did;
    int *rel;
    size_t n, cap;
};

/* Append the rows of a BEIR .jsonl file to d (is_corpus) or q; lines that
 * are not JSON objects are skipped. 1 (after a message) if the file cannot
 * be opened. The strings are freed by pb_veval_data_clear(). */
int pb_veval_load_jsonl(const char *path, int is_corpus,
                        struct pb_veval_docs *d, struct pb_veval_queries *q);

/* Append the rows of a qrels .tsv (header line skipped) to r; 1 (after a
 * message) if the file cannot be opened. */
int pb_veval_load_qrels(const char *path, struct pb_veval_qrels *r);

/* Free what the loaders put in d, q and r (each may be NULL). */
void pb_veval_data_clear(struct pb_veval_docs *d, struct pb_veval_queries *q,
                         struct pb_veval_qrels *r);

/* The gain sum of query qid's relevant documents in the first 10 of an
 * ideal ranking (the nDCG@10 denominator; 0 without relevant rows). */
double pb_veval_idcg(const struct pb_veval_qrels *r, const char *qid);

/* nDCG@10 and recall@100 of one ranked list l[0..n) (keys index d) for
 * query qid. */
void pb_veval_score_list(const struct pb_veval_qrels *r, const char *qid,
                         const struct pb_veval_docs *d,
                         const struct pb_ranked *l, size_t n, double *ndcg,
                         double *recall);

/* One --dump row to f: qid, nDCG@10 of the hybrid list, the 0-based rank
 * of the query's first relevant document (first in the qrels file) in the
 * keyword, semantic and hybrid lists (-1 if absent), that document's id,
 * the hybrid list's top id, and the query text (tabs and newlines made
 * spaces), tab-separated. */
void pb_veval_dump_row(FILE *f, const struct pb_veval_qrels *r,
                       const char *qid, const struct pb_veval_docs *d,
                       double ndcg, const struct pb_ranked *kw, size_t nkw,
                       const struct pb_ranked *sem, size_t nsem,
                       const struct pb_ranked *hy, size_t nhy,
                       const char *text);

#endif
