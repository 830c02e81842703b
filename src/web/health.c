/* health.c - /healthz, /readyz and /metrics (web_ops.h). */
#include <stdio.h>
#include <string.h>

#include "store/store_ops.h"
#include "store/store_replica.h"
#include "web/web_ops.h"

int pb_web_ops_path(const char *path)
{
    return !strcmp(path, "/healthz") || !strcmp(path, "/readyz") ||
           !strcmp(path, "/metrics");
}

static void plain(struct pb_web_resp *rs)
{
    rs->type = "text/plain; charset=utf-8";
    rs->cache = "no-store";
    rs->private_ = 1; /* never in the response cache */
}

int pb_web_ops_healthz(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    (void)rq;
    (void)rest;
    plain(rs);
    return pb_buf_puts(&rs->body, "ok\n");
}

int pb_web_ops_readyz(struct pb_web_req *rq, const char *rest,
                      struct pb_web_resp *rs)
{
    (void)rest;
    plain(rs);
    struct pb_store_ops so;
    if (!rq->th || pb_store_ops_read(rq->th->st, &so)) {
        rs->status = 503;
        return pb_buf_puts(&rs->body, "not ready: the store does not "
                                      "answer\n");
    }
    if (!rq->site->search) {
        rs->status = 503;
        return pb_buf_puts(&rs->body, "not ready: the search index is not "
                                      "open\n");
    }
    /* bring the index up to date first, as a page would */
    pb_web_search_sync(rq->site->search, rq->th->st);
    struct pb_web_search_stat ss;
    pb_web_search_stat(rq->site->search, &ss);
    if (ss.seq < so.max_seq) {
        rs->status = 503;
        return pb_buf_printf(&rs->body, "not ready: the search index is %lld "
                                        "changes behind the store\n",
                             (long long)(so.max_seq - ss.seq));
    }
    return pb_buf_printf(&rs->body, "ready: store at change %lld, index "
                                    "caught up (%llu papers)\n",
                         (long long)so.max_seq,
                         (unsigned long long)ss.papers);
}

static int gauge(struct pb_buf *b, const char *name, const char *type,
                 const char *help, double v)
{
    return pb_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name,
                         help, name, type, name, v);
}

int pb_web_ops_metrics(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    (void)rest;
    plain(rs);
    rs->type = "text/plain; version=0.0.4; charset=utf-8";
    struct pb_buf *b = &rs->body;
    int rc = pb_web_metrics_requests(b);
    struct pb_web_search_stat ss;
    pb_web_search_stat(rq->site->search, &ss);
    struct pb_store_ops so;
    int store_ok = rq->th && !pb_store_ops_read(rq->th->st, &so);
    if (!rc)
        rc = gauge(b, "paperboy_index_papers", "gauge",
                   "Papers in the search index.", (double)ss.papers);
    if (!rc)
        rc = gauge(b, "paperboy_index_file_bytes", "gauge",
                   "Bytes of the search index file (DB.idx).",
                   (double)ss.bytes);
    if (!rc)
        rc = gauge(b, "paperboy_store_up", "gauge",
                   "1 when the store answered this scrape.", store_ok);
    if (!rc && rq->site->db_replica) {
        uint64_t nr, nb, nf;
        pb_store_replica_counts(&nr, &nb, &nf);
        rc = gauge(b, "paperboy_replica_reads_total", "counter",
                   "Reads the read replica (--db-replica) answered.",
                   (double)nr);
        if (!rc)
            rc = gauge(b, "paperboy_replica_behind_reads_total", "counter",
                       "Reads the primary answered since the replica had "
                       "not replayed the member's own write yet.",
                       (double)nb);
        if (!rc)
            rc = gauge(b, "paperboy_replica_failed_reads_total", "counter",
                       "Reads the primary answered since the replica "
                       "could not be reached or failed.",
                       (double)nf);
    }
    if (!store_ok)
        return rc;
    if (!rc)
        rc = gauge(b, "paperboy_store_change_seq", "gauge",
                   "The store's change sequence (grows with every paper "
                   "added, changed or deleted).",
                   (double)so.max_seq);
    if (!rc)
        rc = gauge(b, "paperboy_index_lag_changes", "gauge",
                   "Store changes the search index has not applied yet.",
                   rq->site->search && so.max_seq > ss.seq
                       ? (double)(so.max_seq - ss.seq)
                       : rq->site->search ? 0 : (double)so.max_seq);
    if (!rc)
        rc = gauge(b, "paperboy_digests_sent_total", "counter",
                   "E-mail digests the sent-log marks sent (by any "
                   "process on this store).",
                   (double)so.digests_sent);
    if (!rc)
        rc = gauge(b, "paperboy_digests_failed_total", "counter",
                   "E-mail digests the SMTP server refused for good.",
                   (double)so.digests_failed);
    if (!rc && so.harvest_last_ok)
        rc = gauge(b, "paperboy_harvest_last_success_timestamp_seconds",
                   "gauge", "When a harvest last ran to its end, in Unix "
                            "time.",
                   (double)so.harvest_last_ok);
    return rc;
}
