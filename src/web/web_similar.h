/*
 * web_similar.h - similar papers on the site (api_similar.c): the "Similar
 * papers" section of /papers/ID and GET /api/papers/ID/similar, from the
 * semantic index beside the database (DB.vec, DB.hnsw; paperboy embed).
 *
 * The index is opened on first use, once per process, and shared by the
 * worker threads (each keeps its own query handle); the "For you" page
 * (page_foryou.c) reads its paper vectors too. Without an index the
 * section is left out and the API answers 404.
 */
#ifndef PB_WEB_WEB_SIMILAR_H
#define PB_WEB_WEB_SIMILAR_H

#include "core/buf.h"
#include "web/web_int.h"

#define PB_WEB_SIMILAR_N 6 /* papers in the section */

/* This thread's query handle on the semantic index (opened on first use),
 * or NULL when the database has no vectors; borrowed until the server
 * stops. Also serves mode=semantic|hybrid searches (web_search.c). */
struct pb_vquery;
struct pb_vquery *pb_web_vquery(const struct pb_web_req *rq);

/* Append the section for paper pid to b (nothing without an index). */
int pb_web_similar_section(struct pb_web_req *rq, struct pb_buf *b,
                           int64_t pid) PB_WUR;

/* The index's paper vectors (for recommendations, rank/member_recs.h),
 * opening the index on first use; NULL when the server has none. Borrowed
 * for the life of the process; read-only. */
struct pb_vecset;
const struct pb_vecset *pb_web_vecset(struct pb_web_req *rq);

/* /api/papers/REST: "ID/similar[?limit=N]" here, anything else on to
 * pb_web_api_paper(). */
int pb_web_api_papers_sub(struct pb_web_req *rq, const char *rest,
                          struct pb_web_resp *rs) PB_WUR;

#endif
