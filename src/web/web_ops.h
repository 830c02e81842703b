/*
 * web_ops.h - what operators and their tools ask the server
 * (docs/DEPLOY.md): /healthz (the process answers), /readyz (the store
 * answers and the search index has caught up with it), /metrics (the
 * Prometheus text format, version 0.0.4), and the counters behind it.
 *
 * Counters are relaxed atomics: any thread may add at any time, and a
 * scrape reads each one once (a histogram's _count is the sum of the
 * buckets it printed, so the two always agree).
 */
#ifndef PB_WEB_WEB_OPS_H
#define PB_WEB_WEB_OPS_H

#include <stdint.h>

#include "web/web_int.h"

/* Route slots: one per route pattern of router.c, and one for paths no
 * route takes. */
#define PB_WEB_ROUTE_SLOTS 64
#define PB_WEB_ROUTE_NONE (PB_WEB_ROUTE_SLOTS - 1)

/* The slot of path: the first route whose pattern takes it, or
 * PB_WEB_ROUTE_NONE (router.c). */
int pb_web_route_slot(const char *path);
/* The pattern of slot (a prefix route as "/papers/" and a star; "other" for
 * PB_WEB_ROUTE_NONE) into buf; -1 when no route has this slot or an
 * earlier slot has the same pattern. */
int pb_web_route_pattern(int slot, char *buf, size_t cap);

/* Count one answered request: its route slot, status and time taken. */
void pb_web_metrics_request(int slot, int status, uint64_t usec);
/* Count one response-cache lookup (hit 1, miss 0). */
void pb_web_metrics_cache(int hit);
/* The request counters, histograms and cache counters into b, in the
 * text format (metrics.c); PB_ETOOBIG when b's cap is reached. */
int pb_web_metrics_requests(struct pb_buf *b) PB_WUR;
/* The process started (for paperboy_start_time_seconds). */
void pb_web_metrics_start(void);

/* Paths the response cache never keeps (the answers change by the
 * second): /healthz, /readyz, /metrics. */
int pb_web_ops_path(const char *path);

int pb_web_ops_healthz(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_ops_readyz(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_ops_metrics(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;

/* The search index's figures (web_search.c): the store change sequence it
 * reflects, live papers, bytes of its file. Zeros when ws is NULL. */
struct pb_web_search_stat {
    int64_t seq;
    uint64_t papers, bytes;
};
void pb_web_search_stat(struct pb_web_search *ws,
                        struct pb_web_search_stat *out);

#endif
