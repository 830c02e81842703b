/* nav.c - sort orders, the date picker, Hugging Face's URLs (nav.h). */
#include "web/nav.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/escape.h"
#include "core/period.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

static const char *const sort_names[] = {"upvotes", "trending", "newest"};
static const char *const sort_labels[] = {"Most upvoted", "Trending",
                                          "Newest"};

const char *pb_web_sort_name(enum pb_web_sort s)
{
    return sort_names[s];
}

int pb_web_sort_arg(struct pb_web_req *rq, struct pb_web_resp *rs,
                    enum pb_web_sort *out)
{
    const char *v = pb_web_arg(rq, "sort");
    *out = PB_WSORT_UPVOTES;
    if (!v || !*v)
        return 0;
    for (int i = 0; i < 3; i++)
        if (!strcmp(v, sort_names[i])) {
            *out = (enum pb_web_sort)i;
            return 0;
        }
    /* the API's spelling of newest */
    if (!strcmp(v, "publishedAt")) {
        *out = PB_WSORT_NEWEST;
        return 0;
    }
    pb_web_fail(rs, 400, "sort must be upvotes, trending or newest");
    return 1;
}

int pb_web_sorted_list(struct pb_web_req *rq, struct pb_feed_query *q,
                       enum pb_web_sort s, struct pb_feed_list *out)
{
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (s == PB_WSORT_TRENDING && db && rq->site->cm && q->from[0] &&
        q->to[0]) {
        int64_t end = 0, now = pb_web_now(rq);
        int rc = pb_day_parse(q->to, 10, &end);
        if (rc)
            return rc;
        end += 86400;
        struct pb_trend_params tp = {
            .ref = now < end ? now : end,
            .gravity = rq->site->cm->gravity,
            .comment_weight = rq->site->cm->comment_weight};
        return pb_cmdb_trending(db, q->from, q->to, &tp, q->offset, q->limit,
                                out);
    }
    q->order = s == PB_WSORT_NEWEST ? PB_FEED_BY_PUBLISHED : PB_FEED_BY_UPVOTES;
    return pb_store_feed_list(rq->th->feed, q, out);
}

int pb_web_nav_tools(struct pb_buf *b, struct pb_web_req *rq,
                     const char *day, const char *base, enum pb_web_sort sort)
{
    int rc = PB_OK;
    char first[11] = "", last[11] = "";
    if (pb_store_feed_adjacent_day(rq->th->feed, "1900-01-01", 1, first))
        first[0] = '\0';
    if (pb_web_latest_day(rq, last))
        last[0] = '\0';
    /* days are digits and dashes (parsed before they get here) */
    TRY(pb_buf_puts(b, "<div class=\"tools\"><form class=\"datepick\" "
                       "method=\"get\" action=\"/date\"><label for=\"day\">"
                       "Go to day</label> <input type=\"date\" id=\"day\" "
                       "name=\"d\" required"));
    if (first[0])
        TRY(pb_buf_printf(b, " min=\"%s\"", first));
    if (last[0])
        TRY(pb_buf_printf(b, " max=\"%s\"", last));
    if (day && strlen(day) == 10)
        TRY(pb_buf_printf(b, " value=\"%s\"", day));
    TRY(pb_buf_puts(b, "> <button type=\"submit\">Go</button></form>"
                       "<nav class=\"sort\" aria-label=\"Order\">"));
    for (int i = 0; i < 3; i++) {
        if ((int)sort == i) {
            TRY(pb_buf_printf(b, "<a aria-current=\"true\" href=\""));
        } else {
            TRY(pb_buf_puts(b, "<a href=\""));
        }
        TRY(pb_web_html_s(b, base));
        if (i)
            TRY(pb_buf_printf(b, "?sort=%s", sort_names[i]));
        TRY(pb_buf_printf(b, "\">%s</a>", sort_labels[i]));
    }
    TRY(pb_buf_puts(b, "</nav></div>"));
out:
    return rc;
}

static int moved(struct pb_web_resp *rs, const char *path, int status)
{
    snprintf(rs->location, sizeof rs->location, "%s", path);
    rs->status = status;
    rs->type = "text/plain; charset=utf-8";
    pb_buf_reset(&rs->body);
    return pb_buf_puts(&rs->body, status == 301 ? "Moved Permanently\n"
                                                : "See Other\n");
}

int pb_web_date_jump(struct pb_web_req *rq, const char *rest,
                     struct pb_web_resp *rs)
{
    (void)rest;
    const char *d = pb_web_arg(rq, "d");
    struct pb_period per;
    if (!d || pb_web_period_parse(PB_PERIOD_DAY, d, strlen(d), &per))
        return pb_web_fail(rs, 400, "pick a day: dates look like 2024-06-03");
    char to[32];
    snprintf(to, sizeof to, "/date/%s", per.name);
    rs->cache = "no-cache";
    return moved(rs, to, 303);
}

int pb_web_hf_redirect(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    static const struct {
        const char *prefix, *ours;
        enum pb_period_kind kind;
    } shapes[] = {{"/papers/date/", "/date/", PB_PERIOD_DAY},
                  {"/papers/week/", "/week/", PB_PERIOD_WEEK},
                  {"/papers/month/", "/month/", PB_PERIOD_MONTH}};
    char to[48];
    struct pb_period per;
    rs->cache = "public, max-age=86400";
    if (!strcmp(rq->path, "/papers/trending"))
        return moved(rs, "/trending", 301);
    if (!strcmp(rq->path, "/papers")) {
        const char *d = pb_web_arg(rq, "date");
        if (d && !pb_web_period_parse(PB_PERIOD_DAY, d, strlen(d), &per)) {
            snprintf(to, sizeof to, "/date/%s", per.name);
            return moved(rs, to, 301);
        }
        return moved(rs, "/", 301);
    }
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        size_t n = strlen(shapes[i].prefix);
        if (strncmp(rq->path, shapes[i].prefix, n))
            continue;
        if (pb_web_period_parse(shapes[i].kind, rest, strlen(rest), &per))
            return pb_web_fail(rs, 404, "there is no page at this address");
        snprintf(to, sizeof to, "%s%s", shapes[i].ours, per.name);
        return moved(rs, to, 301);
    }
    return pb_web_fail(rs, 404, "there is no page at this address");
}
