/*
 * vindex.h - the semantic index of a store: word vectors (DB.wv, or the file
 * it links to), SIF paper vectors (DB.vec) and their HNSW graph (DB.hnsw),
 * all beside the database; what search, similar papers and recommendations
 * use.
 *
 * pb_vindex_build() embeds every live paper; pb_vindex_sync() embeds the
 * papers changed since (store change seq, like the keyword index) and
 * inserts them into the graph; pb_vindex_save() writes DB.vec and DB.hnsw.
 * The SIF weights and principal component are those of the last full
 * build, kept in DB.vec, so that incremental vectors stay comparable.
 *
 * Threads: a struct pb_vindex may be shared by searching threads, each with
 * its own struct pb_vquery (analyser and scratch); sync needs exclusive
 * access.
 */
#ifndef PB_VECTOR_VINDEX_H
#define PB_VECTOR_VINDEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "store/store.h"
#include "vector/hnsw.h"
#include "vector/sif.h"
#include "vector/vecset.h"
#include "vector/wordvec.h"

#define PB_VINDEX_M 16
#define PB_VINDEX_EFC 100
#define PB_VINDEX_EF 64 /* default search beam */

struct pb_vindex {
    struct pb_wordvec *wv; /* owned */
    struct pb_sif *sif;    /* owned */
    struct pb_vecset *vs;  /* owned */
    struct pb_hnsw *g;     /* owned */
};

/* DB + ext ("wv", "vec", "hnsw") into out; PB_ETOOBIG when too long. */
int pb_vindex_path(const char *db_path, const char *ext, char *out,
                   size_t cap) PB_WUR;

/* Embed every live paper of st with the word vectors at words_path (NULL:
 * DB.wv) into a new index; progress lines to log when non-NULL. The caller
 * frees *out with pb_vindex_free(). */
int pb_vindex_build(const char *db_path, const char *words_path,
                    struct pb_store *st, uint32_t M, uint32_t efc,
                    FILE *log, struct pb_vindex **out,
                    struct pb_err *err) PB_WUR;
/* Open DB.wv, DB.vec and DB.hnsw (mapped). PB_ENOTFOUND when missing. */
int pb_vindex_open(const char *db_path, struct pb_vindex **out,
                   struct pb_err *err) PB_WUR;
/* Embed the store's changes since the vectors' seq; *out_n (may be NULL)
 * gets how many. */
int pb_vindex_sync(struct pb_vindex *vi, struct pb_store *st,
                   size_t *out_n) PB_WUR;
int pb_vindex_save(const struct pb_vindex *vi, const char *db_path,
                   struct pb_err *err) PB_WUR;
void pb_vindex_free(struct pb_vindex *vi);

/* One thread's query handle: analyser and graph scratch. Never NULL. */
struct pb_vquery;
struct pb_vquery *pb_vquery_new(const struct pb_vindex *vi);
void pb_vquery_free(struct pb_vquery *vq);

/* Nearest papers to text (a query) by the graph (ef 0: default; exact:
 * brute force). hits[0..*out_n) best first; *out_n is 0 when no word of
 * the text has a vector. */
int pb_vquery_text(struct pb_vquery *vq, const char *text, size_t len,
                   size_t k, uint32_t ef, int exact, struct pb_vhit *hits,
                   size_t *out_n) PB_WUR;
/* As pb_vquery_text, with the query vector moved toward the vectors of
 * papers fb[0..n_fb) (pseudo-relevance feedback: the keyword top hits) by
 * beta in all. The query vector stays for pb_vquery_score(). */
int pb_vquery_text_fb(struct pb_vquery *vq, const char *text, size_t len,
                      const int64_t *fb, size_t n_fb, double beta, size_t k,
                      uint32_t ef, int exact, struct pb_vhit *hits,
                      size_t *out_n) PB_WUR;
/* Cosine similarity of the last text query to paper pid; PB_ENOTFOUND
 * when pid has no vector or there was no query. */
int pb_vquery_score(const struct pb_vquery *vq, int64_t pid,
                    float *out) PB_WUR;

/* Papers nearest to paper pid, itself left out. PB_ENOTFOUND when pid has
 * no vector. */
int pb_vquery_similar(struct pb_vquery *vq, int64_t pid, size_t k,
                      uint32_t ef, struct pb_vhit *hits,
                      size_t *out_n) PB_WUR;

#endif
