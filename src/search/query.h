/*
 * query.h - the search query language.
 *
 *   graph neural networks       words, ranked by BM25F (OR: any may match)
 *   "exact phrase"              the words in this order (required)
 *   +word  +"a phrase"          required;  -word  -"a phrase"  excluded
 *   title:x author:x abstract:x keyword:x   (also ti: au: abs: kw:, and
 *                               title:"a phrase")
 *   cat:cs.CL                   category (any listed; several: any of them)
 *   id:2504.08385  arXiv:...    this paper
 *   after:2019-01-01 before:2019-06-30 year:2019   (days inclusive, UTC)
 *   -cat:x -id:x -after:x -before:x -year:x   the negation of each filter
 *                               (papers without a date pass -after: etc.)
 *   sort:relevance | sort:date | sort:upvotes
 *
 * Parsing never fails: an unbalanced quote, an unknown field, a bad date, a
 * query over 10 kB or with control characters, a query of stop words only:
 * each gets the closest sensible reading and a line in notice.
 */
#ifndef PB_SEARCH_QUERY_H
#define PB_SEARCH_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "text/analyze.h"

#define PB_QUERY_MAX_BYTES 10240
#define PB_QUERY_MAX_CLAUSES 64
#define PB_QUERY_MAX_PHRASE 16

enum pb_occur { PB_SHOULD, PB_MUST, PB_MUST_NOT };
enum pb_sort { PB_SORT_RELEVANCE, PB_SORT_DATE, PB_SORT_UPVOTES };

struct pb_qterm {
    char t[PB_TERM_MAX + 1]; /* NUL-terminated term */
    uint8_t len;
    uint32_t rel; /* position relative to the phrase's first term */
};

/* One term, or a phrase when n_terms > 1. */
struct pb_qclause {
    enum pb_occur occur;
    unsigned fields; /* bit set of enum pb_field */
    struct pb_qterm terms[PB_QUERY_MAX_PHRASE];
    size_t n_terms;
};

struct pb_query {
    struct pb_qclause cl[PB_QUERY_MAX_CLAUSES]; /* only cl[0..n_cl) set */
    size_t n_cl; /* pb_query_parse() clears from here on */
    int32_t after_day, before_day; /* days since 1970; INT32_MIN/MAX: none */
    char cats[8][32];
    size_t n_cats;
    char ids[8][64];
    size_t n_ids;
    char not_cats[8][32]; /* -cat: */
    size_t n_not_cats;
    char not_ids[8][64]; /* -id: */
    size_t n_not_ids;
    int32_t not_day_lo[8], not_day_hi[8]; /* -after: -before: -year: */
    size_t n_not_days;
    enum pb_sort sort;
    char notice[512]; /* "" or notices separated by "; " */
};

/* Parse q[0..len) (any bytes) into out (caller storage). az is the
 * caller's analyser. Always PB_OK. */
int pb_query_parse(struct pb_analyzer *az, const char *q, size_t len,
                   struct pb_query *out) PB_WUR;

/* True when the query has nothing to search (no clause, no filter). */
int pb_query_empty(const struct pb_query *q);

#endif
