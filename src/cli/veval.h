/*
 * veval.h - what `paperboy eval DIR --mode ...` (cmd_veval.c) shares with
 * its --study measurements (veval_study.c) and the keyword engine's
 * `paperboy eval DIR` (cmd_eval.c): a BEIR-layout dataset in
 * memory, nDCG@10 / recall@100 of a ranked list against its qrels, the
 * per-query --dump row. CLI-internal; single-threaded.
 */
#ifndef PB_CLI_VEVAL_H
#define PB_CLI_VEVAL_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "rank/fusion.h"

struct pb_analyzer;
struct pb_searcher;

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

/* The query of qrels row i, for the first row of each query only: NULL
 * when an earlier row has the same query id or queries.jsonl lacks it;
 * else a copy (caller frees) with the query syntax characters made
 * spaces (quotes, colons, a leading + or -), so a claim searches as plain
 * words. */
char *pb_veval_query_text(const struct pb_veval_qrels *r, size_t i,
                          const struct pb_veval_queries *q);

/* Free what the loaders put in d, q and r (each may be NULL). */
void pb_veval_data_clear(struct pb_veval_docs *d, struct pb_veval_queries *q,
                         struct pb_veval_qrels *r);

/* The gain sum of query qid's relevant documents in the first 10 of an
 * ideal ranking (the nDCG@10 denominator; 0 without relevant rows). */
double pb_veval_idcg(const struct pb_veval_qrels *r, const char *qid);

/* The gain (2^grade - 1, summed over its rows) of document did for qid. */
double pb_veval_gain(const struct pb_veval_qrels *r, const char *qid,
                     const char *did);

/* nDCG@10 and recall@100 of one ranked list l[0..n) (keys index d) for
 * query qid. */
void pb_veval_score_list(const struct pb_veval_qrels *r, const char *qid,
                         const struct pb_veval_docs *d,
                         const struct pb_ranked *l, size_t n, double *ndcg,
                         double *recall);

/* One --dump row to f: qid, nDCG@10 of the hybrid list, the 0-based rank
 * of the query's first relevant document (first in the qrels file) in the
 * keyword, semantic and hybrid lists (-1 if absent), that document's id,
 * the hybrid list's top id, and the query text as searched
 * (pb_veval_query_text(); tabs and newlines made spaces), tab-separated. */
void pb_veval_dump_row(FILE *f, const struct pb_veval_qrels *r,
                       const char *qid, const struct pb_veval_docs *d,
                       double ndcg, const struct pb_ranked *kw, size_t nkw,
                       const struct pb_ranked *sem, size_t nsem,
                       const struct pb_ranked *hy, size_t nhy,
                       const char *text);

/* --study (veval_study.c): the re-rankers measured for docs/BENCHMARKS.md.
 * _new loads the word vectors files[0..n_files) (borrowed), each with its
 * own SIF fit over d (borrowed until _free; az only during the call), and
 * finds every document's 10 nearest by the first model's cosine (all pairs:
 * time grows with the square of the corpus). 1 after a message on errors.
 * _query measures one query: qt its text (as searched), kw[0..nkw) its
 * keyword list, and s must have searched qt last (the BM25F features come
 * from it); rc of pb_search_features on errors. _print writes the tables
 * (nDCG@10 averaged over the queries measured). _free(NULL) is a no-op. */
struct pb_veval_study;
int pb_veval_study_new(const char *const *files, size_t n_files,
                       struct pb_analyzer *az, const struct pb_veval_docs *d,
                       double sif_a, struct pb_veval_study **out) PB_WUR;
int pb_veval_study_query(struct pb_veval_study *st, struct pb_searcher *s,
                         struct pb_analyzer *az,
                         const struct pb_veval_qrels *r, const char *qid,
                         const char *qt, const struct pb_ranked *kw,
                         size_t nkw) PB_WUR;
void pb_veval_study_print(const struct pb_veval_study *st);
void pb_veval_study_free(struct pb_veval_study *st);

#endif
