/*
 * hybrid.h - one query through the keyword engine and the vector index,
 * fused: the configuration measured in docs/BENCHMARKS.md (Semantic).
 *
 * Keyword: the query language of search.h, top PB_HYBRID_DEPTH by BM25F.
 * Semantic: the query's SIF vector, top PB_HYBRID_DEPTH by the graph;
 * keyword hits the graph did not return are scored by their true
 * similarity. Fused linearly (fusion.h) with alpha the keyword weight
 * (PB_HYBRID_ALPHA). Optionally (pb_hybrid_opts.feedback) the query vector
 * first moves toward the vectors of its top keyword hits; with the default
 * vectors (train-vectors' window 8, epochs by corpus size) that no longer
 * helps on SciFact's train split (0.7128 with 3, 0.7142 without), so it is
 * off by default. Either engine may be NULL: that mode is then keyword or
 * semantic alone.
 *
 * Threads: s and vq are the calling thread's handles.
 */
#ifndef PB_RANK_HYBRID_H
#define PB_RANK_HYBRID_H

#include <stddef.h>

#include "core/error.h"
#include "rank/fusion.h"
#include "search/search.h"
#include "vector/vindex.h"

#define PB_HYBRID_DEPTH 100
#define PB_HYBRID_ALPHA 0.6
#define PB_HYBRID_FEEDBACK 0

enum pb_search_mode { PB_MODE_KEYWORD, PB_MODE_SEMANTIC, PB_MODE_HYBRID };

/* "keyword", "semantic", "hybrid" -> *out; PB_EINVAL otherwise. */
int pb_search_mode_parse(const char *s, enum pb_search_mode *out) PB_WUR;

/* Knobs of one hybrid query; pb_hybrid_opts_init() sets the defaults
 * above (what pb_hybrid_search() runs). */
struct pb_hybrid_opts {
    double alpha;     /* keyword weight of the linear mix */
    size_t feedback;  /* keyword hits the query vector moves toward */
    double beta;      /* how far toward them, in all */
    int fill;         /* keyword hits the graph missed: true similarity */
    uint32_t ef;      /* graph beam (0: PB_VINDEX_EF) */
    int exact;        /* brute force over every vector (eval, tests) */
};
void pb_hybrid_opts_init(struct pb_hybrid_opts *o);

/* Up to k (<= PB_HYBRID_DEPTH) results into out, best first; *out_n how
 * many. alpha < 0 means PB_HYBRID_ALPHA. */
int pb_hybrid_search(struct pb_searcher *s, struct pb_vquery *vq,
                     enum pb_search_mode mode, const char *q, size_t len,
                     double alpha, size_t k, struct pb_ranked *out,
                     size_t *out_n) PB_WUR;
/* The same with every knob (o NULL: the defaults). */
int pb_hybrid_search_opts(struct pb_searcher *s, struct pb_vquery *vq,
                          enum pb_search_mode mode, const char *q,
                          size_t len, const struct pb_hybrid_opts *o,
                          size_t k, struct pb_ranked *out,
                          size_t *out_n) PB_WUR;

#endif
