/* api.c - the JSON API, shaped like Hugging Face's Daily Papers API:
 * /api/daily_papers, /api/papers/ID, /api/papers/search, /api/papers. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "web/period.h"
#include "web/web_int.h"

#define MAX_PAGE 10000

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *list_json(const struct pb_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

static json_t *time_json(int64_t t)
{
    char s[32], d[21];
    if (!t)
        return json_null();
    pb_time_format(t, d);
    /* Hugging Face writes milliseconds: 2024-05-31T17:50:01.000Z */
    snprintf(s, sizeof s, "%.19s.000Z", d);
    return json_string(s);
}

static json_t *day_json(const char *day)
{
    char s[32];
    if (!day || !day[0])
        return json_null();
    snprintf(s, sizeof s, "%.10sT00:00:00.000Z", day);
    return json_string(s);
}

/* The "paper" object of the HF API. */
static json_t *paper_json(const struct pb_paper *p)
{
    json_t *o = json_object(), *authors = json_array();
    for (size_t i = 0; i < p->authors.n; i++)
        json_array_append_new(authors,
                              json_pack("{s:s}", "name", p->authors.v[i]));
    json_object_set_new(o, "id", json_string(p->id));
    json_object_set_new(o, "title", json_string(p->title ? p->title : ""));
    json_object_set_new(o, "summary",
                        json_string(p->abstract ? p->abstract : ""));
    json_object_set_new(o, "authors", authors);
    json_object_set_new(o, "publishedAt",
                        time_json(p->published ? p->published : p->updated));
    json_object_set_new(o, "upvotes",
                        json_integer(p->upvotes > 0 ? p->upvotes : 0));
    json_object_set_new(o, "githubRepo", str_or_null(p->github_repo));
    json_object_set_new(o, "githubStars", p->github_stars >= 0
                                              ? json_integer(p->github_stars)
                                              : json_null());
    json_object_set_new(o, "projectPage", str_or_null(p->project_page));
    json_object_set_new(o, "ai_keywords", list_json(&p->keywords));
    json_object_set_new(o, "ai_summary", str_or_null(p->summary));
    json_object_set_new(o, "categories", str_or_null(p->categories));
    json_object_set_new(o, "listedDay",
                        p->listed_day[0] ? json_string(p->listed_day)
                                         : json_null());
    return o;
}

/* One item of /api/daily_papers. */
static json_t *daily_json(const struct pb_paper *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "paper", paper_json(p));
    json_object_set_new(o, "title", json_string(p->title ? p->title : ""));
    json_object_set_new(o, "summary",
                        json_string(p->abstract ? p->abstract : ""));
    json_object_set_new(o, "publishedAt", p->listed_day[0]
                                              ? day_json(p->listed_day)
                                              : time_json(p->published));
    json_object_set_new(o, "numComments",
                        json_integer(p->n_comments > 0 ? p->n_comments : 0));
    json_object_set_new(o, "submittedBy",
                        p->submitter
                            ? json_pack("{s:s}", "name", p->submitter)
                            : json_null());
    return o;
}

/* Serialise j (stolen) into the response. */
static int send_json(struct pb_web_resp *rs, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s)
        return PB_ENOMEM;
    int rc = pb_buf_puts(&rs->body, s);
    free(s);
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
            return send_json(rs, json_array());
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
    if (!rc) {
        json_t *a = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(a, daily_json(&l.v[i]));
        rc = send_json(rs, a);
    }
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
        json_t *o = paper_json(&p);
        json_object_set_new(o, "numComments",
                            json_integer(p.n_comments > 0 ? p.n_comments : 0));
        json_object_set_new(o, "submittedBy",
                            p.submitter
                                ? json_pack("{s:s}", "name", p.submitter)
                                : json_null());
        rc = send_json(rs, o);
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
        json_t *a = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(a, paper_json(&l.v[i]));
        json_t *o = json_object();
        json_object_set_new(o, "papers", a);
        if (l.more && l.n) {
            char c[24];
            snprintf(c, sizeof c, "%lld", (long long)l.pid[l.n - 1]);
            json_object_set_new(o, "next_cursor", json_string(c));
        } else {
            json_object_set_new(o, "next_cursor", json_null());
        }
        rc = send_json(rs, o);
    }
    pb_feed_list_clear(&l);
    return rc;
}

int pb_web_api_search(struct pb_web_req *rq, const char *rest,
                      struct pb_web_resp *rs)
{
    (void)rest;
    const char *q = pb_web_arg(rq, "q"), *limit = pb_web_arg(rq, "limit");
    int64_t lim = 20, total = 0;
    if (!q || !*q)
        return pb_web_fail(rs, 400, "give a query: q=...");
    if (strlen(q) > 1000)
        return pb_web_fail(rs, 400, "the query is over 1000 bytes");
    if (limit && num_arg(limit, 1, 100, &lim))
        return pb_web_fail(rs, 400, "limit must be a number from 1 to 100");
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    int rc = pb_web_search_run(rq, q, 0, (int)lim, &l, &total, NULL, NULL);
    if (rc == PB_EUNSUP) {
        rc = pb_web_fail(rs, 503, "search is not available");
    } else if (!rc) {
        pb_web_fill_counts(rq, &l); /* imported + local upvotes */
        /* Hugging Face answers a list of {paper, title, ...} */
        json_t *a = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(a, daily_json(&l.v[i]));
        rc = send_json(rs, a);
    }
    pb_feed_list_clear(&l);
    return rc;
}
