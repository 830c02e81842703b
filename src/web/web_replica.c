/* web_replica.c - a request's reads on the read replica, and the pb_lsn
 * cookie that gives a member their own writes (web_replica.h). */
#include "web/web_replica.h"

#include <stdio.h>
#include <string.h>

#include "store/store_replica.h"
#include "web/web_int.h"
#include "web/web_ops.h"

/* how long the cookie may wait for the replica (it is cleared sooner,
 * once the replica has replayed past it) */
#define LSN_MAX_AGE 3600

/* the route of this thread's handles, for a handle opened mid-request */
static __thread struct {
    int on;
    uint64_t min_lsn;
} cur;

void pb_web_replica_attach(const struct pb_web_site *site,
                           struct pb_store *st)
{
    if (!site->db_replica || !st)
        return;
    struct pb_err err = {0};
    if (pb_store_replica_attach(st, site->db_replica, &err)) {
        fprintf(stderr, "paperboy serve: %s\n", err.msg);
        return;
    }
    pb_store_replica_route(st, cur.on, cur.min_lsn);
}

void pb_web_replica_set(struct pb_web_thread *t, int on, uint64_t min_lsn)
{
    cur.on = on;
    cur.min_lsn = min_lsn;
    if (!t)
        return;
    pb_store_replica_route(t->st, on, min_lsn);
    pb_store_replica_route(t->rw, on, min_lsn);
}

int pb_web_replica_pending(const struct pb_web_site *site,
                           const char *cookie_lsn)
{
    return site->db_replica && cookie_lsn;
}

/* GETs that must see the primary: mail links (a subscription made a
 * moment ago) and the operators' paths */
static int primary_path(const char *path)
{
    return !strncmp(path, "/mail/", 6) || pb_web_ops_path(path);
}

void pb_web_replica_begin(struct pb_web_req *rq)
{
    if (!rq->site->db_replica || !rq->th)
        return;
    uint64_t lsn = 0;
    if (rq->cookie_lsn && pb_store_lsn_parse(rq->cookie_lsn, &lsn))
        lsn = 0;
    pb_web_replica_set(rq->th, !rq->post && !primary_path(rq->path), lsn);
}

void pb_web_replica_end(struct pb_web_req *rq, struct pb_web_resp *rs)
{
    struct pb_web_thread *t = rq->th;
    if (!rq->site->db_replica || !t)
        return;
    uint64_t had = 0, now = 0;
    int valid = rq->cookie_lsn && !pb_store_lsn_parse(rq->cookie_lsn, &had);
    struct pb_store *w = pb_store_replica_wrote(t->rw)   ? t->rw
                         : pb_store_replica_wrote(t->st) ? t->st
                                                         : NULL;
    char v[24];
    if (w && !pb_store_replica_write_lsn(w, &now)) {
        /* reads wait for this write (and any before it) */
        pb_store_lsn_format(now > had ? now : had, v);
        pb_web_cookie(rq, rs, "pb_lsn", v, LSN_MAX_AGE);
    } else if (rq->cookie_lsn &&
               (!valid || pb_store_replica_caught_up(t->st, had))) {
        pb_web_cookie(rq, rs, "pb_lsn", NULL, 0);
    }
    pb_web_replica_set(t, 0, 0);
}
