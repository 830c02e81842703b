/* api.c - the JSON API, shaped like Hugging Face's Daily Papers API:
 * /api/daily_papers, /api/papers/ID, /api/papers/search, /api/papers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json_write.h"
#include "core/mem.h"
#include "web/media.h"
#include "core/period.h"
#include "web/web_int.h"

#define MAX_PAGE 10000

/* Room for n papers of the usual size (a few kB each): one allocation
 * instead of a dozen doublings. */
static void reserve(struct pb_web_resp *rs, size_t n)
{
    pb_buf_reserve(&rs->body, 4096 * (n + 1));
}

/* A list of papers as an array of daily items, newline-terminated. */
static int send_daily(struct pb_web_req *rq, struct pb_web_resp *rs,
                      const struct pb_feed_list *l)
{
    struct pb_jw w;
    reserve(rs, l->n);
    pb_jw_init(&w, &rs->body);
    pb_jw_arr_open(&w);
    for (size_t i = 0; i < l->n; i++)
        pb_web_json_daily(&w, &l->v[i], rq, l->pid ? l->pid[i] : 0);
    pb_jw_arr_close(&w);
    int rc = pb_jw_end(&w);
    return rc ? rc : pb_buf_putc(&rs->body, '\n');
}

/* Parse a decimal in [lo, hi]; 0 on success. */
static int num_arg(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t v = 0;
    if (!s || !*s || strlen(s) > 12)
        return -1;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        v = v * 10 + (*c - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int pb_web_api_daily(struct pb_web_req *rq, const char *rest,
                     struct pb_web_resp *rs)
{
    (void)rest;
    int rc = PB_OK;
    const char *date = pb_web_arg(rq, "date"), *week = pb_web_arg(rq, "week"),
               *month = pb_web_arg(rq, "month"), *sort = pb_web_arg(rq, "sort"),
               *p = pb_web_arg(rq, "p"), *limit = pb_web_arg(rq, "limit"),
               *sub = pb_web_arg(rq, "submitter");
    int64_t page = 0, lim = 50;
    int trending = sort && !strcmp(sort, "trending");
    struct pb_period per;
    struct pb_feed_query q = {.order = PB_FEED_BY_UPVOTES, .listed_only = 1};
    if (!!date + !!week + !!month > 1)
        return pb_web_fail(rs, 400, "give one of date, week and month");
    if (p && num_arg(p, 0, MAX_PAGE, &page))
        return pb_web_fail(rs, 400, "p must be a number from 0 to %d",
                           MAX_PAGE);
    if (limit && num_arg(limit, 1, 100, &lim))
        return pb_web_fail(rs, 400, "limit must be a number from 1 to 100");
    if (sort && !strcmp(sort, "publishedAt"))
        q.order = PB_FEED_BY_PUBLISHED;
    else if (sort && strcmp(sort, "trending"))
        return pb_web_fail(rs, 400, "sort must be publishedAt or trending");
    if (sub) {
        if (!*sub || strlen(sub) > PB_MAX_NAME)
            return pb_web_fail(rs, 400, "submitter must be a user name");
        q.submitter = sub;
    }
    if (date || week || month) {
        enum pb_period_kind k = date   ? PB_PERIOD_DAY
                                : week ? PB_PERIOD_WEEK
                                       : PB_PERIOD_MONTH;
        const char *v = date ? date : week ? week : month;
        if (pb_web_period_parse(k, v, strlen(v), &per))
            return pb_web_fail(rs, 400,
                               "%s must look like %s", date ? "date"
                               : week ? "week" : "month",
                               date ? "2024-06-03"
                               : week ? "2024-W23" : "2024-06");
        memcpy(q.from, per.from, 11);
        memcpy(q.to, per.to, 11);
    } else if (!sub) {
        /* no period: the latest day, as Hugging Face's API does */
        char day[11];
        rc = pb_web_latest_day(rq, day);
        if (rc == PB_ENOTFOUND)
            return pb_buf_puts(&rs->body, "[]\n");
        if (rc)
            return rc;
        memcpy(q.from, day, 11);
        memcpy(q.to, day, 11);
    }
    q.limit = (int)lim;
    q.offset = page * lim;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (trending && db && rq->site->cm && !q.submitter) {
        /* the score of docs/TRENDING.md over the period, ages measured to
         * now or to the end of the period when it is over */
        int64_t end = 0, now = pb_web_now(rq);
        if ((rc = pb_day_parse(q.to, 10, &end)))
            return rc;
        end += 86400;
        struct pb_trend_params tp = {
            .ref = now < end ? now : end,
            .gravity = rq->site->cm->gravity,
            .comment_weight = rq->site->cm->comment_weight};
        rc = pb_cmdb_trending(db, q.from, q.to, &tp, q.offset, q.limit, &l);
    } else {
        rc = pb_store_feed_list(rq->th->feed, &q, &l);
        if (!rc)
            pb_web_fill_counts(rq, &l);
    }
    if (!rc)
        rc = send_daily(rq, rs, &l);
    pb_feed_list_clear(&l);
    return rc;
}

int pb_web_api_paper(struct pb_web_req *rq, const char *rest,
                     struct pb_web_resp *rs)
{
    if (!pb_web_id_ok(rest))
        return pb_web_fail(rs, 400, "not a paper id");
    struct pb_paper p;
    int64_t pid = 0;
    pb_paper_init(&p);
    int rc = pb_store_feed_paper(rq->th->feed, rest, &p, &pid);
    if (rc == PB_ENOTFOUND)
        rc = pb_web_fail(rs, 404, "paper not found");
    else if (!rc) {
        struct pb_feed_list one = {.v = &p, .pid = &pid, .n = 1};
        pb_web_fill_counts(rq, &one); /* imported + local */
        /* its latest listing: the source object passed through */
        if ((rc = pb_store_feed_listing(rq->th->feed, pid, &p))) {
            pb_paper_clear(&p);
            return rc;
        }
        struct pb_jw w;
        pb_jw_init(&w, &rs->body);
        pb_web_json_paper(&w, &p, 0);
        if (!(rc = pb_jw_end(&w)))
            rc = pb_buf_putc(&rs->body, '\n');
    }
    pb_paper_clear(&p);
    return rc;
}

int pb_web_api_papers(struct pb_web_req *rq, const char *rest,
                      struct pb_web_resp *rs)
{
    (void)rest;
    const char *cursor = pb_web_arg(rq, "cursor"),
               *limit = pb_web_arg(rq, "limit");
    int64_t after = 0, lim = 50;
    if (cursor && *cursor && num_arg(cursor, 0, INT64_C(999999999999), &after))
        return pb_web_fail(rs, 400, "cursor must be a value from next_cursor");
    if (limit && num_arg(limit, 1, 100, &lim))
        return pb_web_fail(rs, 400, "limit must be a number from 1 to 100");
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    int rc = pb_store_feed_after(rq->th->feed, after, (int)lim, &l);
    if (!rc) {
        pb_web_fill_counts(rq, &l); /* imported + local upvotes */
        struct pb_jw w;
        reserve(rs, l.n);
        pb_jw_init(&w, &rs->body);
        pb_jw_obj_open(&w);
        pb_jw_key(&w, "papers");
        pb_jw_arr_open(&w);
        for (size_t i = 0; i < l.n; i++)
            pb_web_json_paper(&w, &l.v[i], PB_JSON_EXTRAS);
        pb_jw_arr_close(&w);
        pb_jw_key(&w, "next_cursor");
        if (l.more && l.n) {
            char c[24];
            snprintf(c, sizeof c, "%lld", (long long)l.pid[l.n - 1]);
            pb_jw_str(&w, c);
        } else {
            pb_jw_null(&w);
        }
        pb_jw_obj_close(&w);
        if (!(rc = pb_jw_end(&w)))
            rc = pb_buf_putc(&rs->body, '\n');
    }
    pb_feed_list_clear(&l);
    return rc;
}

int pb_web_api_search(struct pb_web_req *rq, const char *rest,
                      struct pb_web_resp *rs)
{
    (void)rest;
    const char *q = pb_web_arg(rq, "q"), *limit = pb_web_arg(rq, "limit"),
               *mode = pb_web_arg(rq, "mode");
    int64_t lim = 20, total = 0;
    enum pb_search_mode m = PB_MODE_KEYWORD;
    if (!q || !*q)
        return pb_web_fail(rs, 400, "give a query: q=...");
    if (strlen(q) > 1000)
        return pb_web_fail(rs, 400, "the query is over 1000 bytes");
    if (limit && num_arg(limit, 1, 100, &lim))
        return pb_web_fail(rs, 400, "limit must be a number from 1 to 100");
    if (mode && *mode && pb_search_mode_parse(mode, &m))
        return pb_web_fail(rs, 400,
                           "mode must be keyword, semantic or hybrid");
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    int rc = pb_web_search_run(rq, q, &m, 0, (int)lim, &l, &total, NULL,
                               NULL);
    if (rc == PB_EUNSUP) {
        rc = pb_web_fail(rs, 503, "search is not available");
    } else if (!rc) {
        /* the answer stays Hugging Face's bare list; the mode used (keyword
         * when the database has no vectors) goes in a header */
        rs->search_mode = m == PB_MODE_SEMANTIC ? "semantic"
                          : m == PB_MODE_HYBRID ? "hybrid"
                                                : "keyword";
        /* a bare arXiv id: that paper first */
        struct pb_paper hit;
        int64_t hpid = 0;
        pb_paper_init(&hit);
        if (pb_web_search_id(rq, q, &hit, &hpid) == PB_OK) {
            size_t k = 0;
            for (size_t i = 0; i < l.n; i++)
                if (l.pid[i] == hpid)
                    pb_paper_clear(&l.v[i]);
                else {
                    if (k != i) {
                        pb_paper_move(&l.v[k], &l.v[i]);
                        l.pid[k] = l.pid[i];
                    }
                    k++;
                }
            l.n = k;
            if (l.n == (size_t)lim && l.n)
                pb_paper_clear(&l.v[--l.n]);
            l.v = pb_reallocarray(l.v, l.n + 1, sizeof *l.v);
            l.pid = pb_reallocarray(l.pid, l.n + 1, sizeof *l.pid);
            memmove(l.v + 1, l.v, l.n * sizeof *l.v);
            memmove(l.pid + 1, l.pid, l.n * sizeof *l.pid);
            pb_paper_init(&l.v[0]);
            pb_paper_move(&l.v[0], &hit);
            l.pid[0] = hpid;
            l.n++;
        }
        pb_paper_clear(&hit);
        pb_web_fill_counts(rq, &l); /* imported + local upvotes */
        /* Hugging Face answers a list of {paper, title, ...} */
        rc = send_daily(rq, rs, &l);
    }
    pb_feed_list_clear(&l);
    return rc;
}
