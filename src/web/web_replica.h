/*
 * web_replica.h - which of a request's reads go to the read replica
 * (`serve --db-replica URL`; docs/DEPLOY.md "Read replicas").
 *
 * A GET or HEAD reads from the replica, unless its member wrote lately:
 * a request that wrote (any POST that changed the store: a vote, a
 * comment, a sign-up...) answers with the cookie pb_lsn, the primary's
 * WAL position after the write, and the requests that bring it read from
 * the primary until the replica has replayed that far (then the cookie is
 * cleared). The cookie makes this hold on whichever node nginx picks.
 * Session look-ups (who is logged in), POSTs, mail links and the
 * operators' paths (/healthz, /readyz, /metrics) always read the primary.
 * Without a replica every call here does nothing.
 */
#ifndef PB_WEB_WEB_REPLICA_H
#define PB_WEB_WEB_REPLICA_H

#include <stdint.h>

struct pb_store;
struct pb_web_req;
struct pb_web_resp;
struct pb_web_site;
struct pb_web_thread;

/* Give st (one of a thread's handles, just opened) the site's replica,
 * routed as the thread's other handles are now. */
void pb_web_replica_attach(const struct pb_web_site *site,
                           struct pb_store *st);

/* Route the reads of t's handles: on = 0 the primary, on = 1 the replica
 * once it has replayed min_lsn. Requests end with it off. */
void pb_web_replica_set(struct pb_web_thread *t, int on, uint64_t min_lsn);

/* The route of rq (after its session was read), and its end: the cookie
 * set when rq wrote, cleared when the replica has caught up with it;
 * routing off again. */
void pb_web_replica_begin(struct pb_web_req *rq);
void pb_web_replica_end(struct pb_web_req *rq, struct pb_web_resp *rs);

/* 1 when rq brings a pb_lsn cookie on a site with a replica: its answer
 * may be fresher than the shared response cache, which it bypasses. */
int pb_web_replica_pending(const struct pb_web_site *site,
                           const char *cookie_lsn);

#endif
