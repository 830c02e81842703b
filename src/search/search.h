/*
 * search.h - run a query against an index: top-k by BM25F (with MaxScore
 * dynamic pruning and block bounds) or by date or upvotes, total hits,
 * facets by category and year, explanations and snippets.
 *
 * A struct pb_searcher is one thread's handle on an index: it owns an
 * analyser and scratch memory, so use each from one thread at a time and
 * make one per thread. The index is borrowed and must outlive it; searches
 * hold the index's read lock, so they may run beside pb_index_add().
 */
#ifndef PB_SEARCH_SEARCH_H
#define PB_SEARCH_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/paper.h"
#include "search/index.h"
#include "search/query.h"

struct pb_searcher;

/* Never NULL. ix is borrowed. */
struct pb_searcher *pb_searcher_new(struct pb_index *ix);
void pb_searcher_free(struct pb_searcher *s);

/* Rank with other BM25F parameters than the index's (copied; NULL: back to
 * the index's). Different field weights or b turn pruning off (exact but
 * slower); k1 and the idf formula do not. */
void pb_searcher_set_params(struct pb_searcher *s, const struct pb_bm25 *p);

enum pb_search_flags {
    PB_SEARCH_COUNT = 1,      /* exact total (a full pass), and facets of
                                 the PB_FACET_TOP best-ranked matches */
    PB_SEARCH_EXHAUSTIVE = 2, /* score every match: no pruning (tests) */
    PB_SEARCH_EXPLAIN = 4,    /* fill explain */
    PB_SEARCH_ESTIMATE = 8,   /* with COUNT: count at most the searcher's
                                 count budget of matches, and estimate the
                                 total from the part of the postings read
                                 (total_exact 0, total_estimated 1) */
};

/* Matches counted before PB_SEARCH_ESTIMATE estimates (the default). */
#define PB_COUNT_BUDGET 10000

/* The count budget for PB_SEARCH_ESTIMATE (0: back to PB_COUNT_BUDGET). */
void pb_searcher_set_count_budget(struct pb_searcher *s, uint64_t n);

struct pb_search_opts {
    size_t limit;  /* hits wanted (default 10, at most 1000) */
    size_t offset; /* hits skipped (at most 10000) */
    unsigned flags;
};

struct pb_hit {
    int64_t pid;
    uint32_t doc;
    double score;
    char id[PB_MAX_ID];
    int32_t day;     /* days since 1970, INT32_MIN when unknown */
    int32_t upvotes; /* -1 when unknown */
};

#define PB_FACET_TOP 100 /* facets describe this many top results */

struct pb_facet {
    char name[32];
    uint64_t count;
};

struct pb_results {
    struct pb_hit *hits; /* owned */
    size_t n_hits;
    uint64_t total;  /* matching documents (a lower bound unless exact or
                        estimated) */
    int total_exact;
    /* With PB_SEARCH_ESTIMATE, when the count stopped at the budget:
     * total is an estimate (matches counted x postings of the driving
     * clauses / the part of them read), total_min a lower bound (the
     * matches counted, or more that ranking found). Otherwise 0 and
     * total. */
    int total_estimated;
    uint64_t total_min;
    struct pb_facet cats[20];  /* most frequent first (with COUNT), among
                                  the top PB_FACET_TOP results */
    size_t n_cats;
    struct pb_facet years[40]; /* newest first (with COUNT) */
    size_t n_years;
    char notice[512]; /* the parser's notices, "" when none */
    char *explain;    /* owned; with EXPLAIN, one block per hit */
};

/*
 * Parse q[0..len) and search. Fills out (caller storage; free its contents
 * with pb_results_clear()). Bad queries are not errors (see query.h); the
 * only errors are PB_EINVAL for a NULL argument.
 */
int pb_search(struct pb_searcher *s, const char *q, size_t len,
              const struct pb_search_opts *o, struct pb_results *out) PB_WUR;
/* The same for a parsed query (borrowed for the call). */
int pb_search_query(struct pb_searcher *s, const struct pb_query *q,
                    const struct pb_search_opts *o,
                    struct pb_results *out) PB_WUR;
void pb_results_clear(struct pb_results *r);

/* The parsed form of the searcher's last query (borrowed until the next
 * search with s). */
const struct pb_query *pb_searcher_query(const struct pb_searcher *s);

/* What a re-ranker reads about one document for the searcher's last
 * query (all 0 for a document without a match): */
struct pb_doc_features {
    double bm25;      /* its BM25F score (as pb_search ranks it) */
    double title;     /* BM25 of its title alone (title weight included) */
    double abstract;  /* BM25 of its abstract alone */
    double coverage;  /* idf of the query's clauses it matches / all (0..1) */
    double proximity; /* idf of adjacent query word pairs it holds within 4
                       * positions in one field / all such pairs (0..1) */
};

/* Features of papers pids[0..n) (borrowed) for the last query searched
 * with s, into out[0..n) (caller storage); a pid not in the index gets
 * zeros. PB_EINVAL for NULL arrays. Same thread rules as pb_search. */
int pb_search_features(struct pb_searcher *s, const int64_t *pids, size_t n,
                       struct pb_doc_features *out) PB_WUR;

struct pb_mark {
    size_t start, len; /* byte range in pb_snippet.text */
};

struct pb_snippet {
    char *text; /* owned; plain UTF-8 (LaTeX converted), may start/end "…" */
    struct pb_mark marks[32];
    size_t n_marks;
};

/*
 * The passage of about max_bytes of abstract (LaTeX allowed) that holds
 * most of the last query's terms, with each matched word's byte range in
 * marks (plain ranges, not HTML: the caller escapes and wraps). Never
 * fails; text is "" for an empty abstract. Free with pb_snippet_clear().
 */
void pb_search_snippet(struct pb_searcher *s, const char *abstract,
                       size_t len, size_t max_bytes, struct pb_snippet *out);
void pb_snippet_clear(struct pb_snippet *sn);

#endif
