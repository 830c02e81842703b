/* pages_list.c - the listing pages: latest day, a day, a week, a month,
 * trending, an author, a category; and the subscribe page. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/escape.h"
#include "web/html.h"
#include "web/nav.h"
#include "core/period.h"
#include "web/web_int.h"

#define PAGE_SIZE 50
#define MAX_PAGE 1000

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

int pb_web_latest_day(struct pb_web_req *rq, char out[11])
{
    return pb_store_feed_latest_day(rq->th->feed, out);
}

int pb_web_trending(struct pb_web_req *rq, int limit, struct pb_feed_list *out)
{
    char last[11];
    struct pb_period per;
    int rc = pb_web_latest_day(rq, last);
    if (rc == PB_ENOTFOUND) {
        pb_feed_list_clear(out);
        return PB_OK;
    }
    if (rc || (rc = pb_web_period_parse(PB_PERIOD_DAY, last, 10, &per)))
        return rc;
    struct pb_feed_query q = {.order = PB_FEED_BY_UPVOTES, .limit = limit,
                              .listed_only = 1};
    /* seven days ending with the latest listed day: the archive may be
     * older than today, and "now" would then show nothing */
    char from[11];
    struct pb_period p7;
    memcpy(from, last, 11);
    for (int i = 0; i < 6; i++) {
        if ((rc = pb_web_period_parse(PB_PERIOD_DAY, from, 10, &p7)))
            return rc;
        memcpy(from, p7.prev, 11);
    }
    memcpy(q.from, from, 11);
    memcpy(q.to, last, 11);
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db || !rq->site->cm) /* no community store: plain upvotes */
        return pb_store_feed_list(rq->th->feed, &q, out);
    /* ages run to now, or to the end of the latest listed day when the
     * archive stops earlier (docs/TRENDING.md) */
    int64_t end = 0, now = pb_web_now(rq);
    if ((rc = pb_day_parse(last, 10, &end)))
        return rc;
    end += 86400;
    struct pb_trend_params tp = {.ref = now < end ? now : end,
                                 .gravity = rq->site->cm->gravity,
                                 .comment_weight =
                                     rq->site->cm->comment_weight};
    return pb_cmdb_trending(db, from, last, &tp, 0, limit, out);
}

/* ?p=N (0-based page); -1 when bad. */
static int64_t page_arg(struct pb_web_req *rq, struct pb_web_resp *rs)
{
    const char *p = pb_web_arg(rq, "p");
    if (!p || !*p)
        return 0;
    int64_t v = 0;
    for (const char *c = p; *c; c++) {
        if (*c < '0' || *c > '9' || v > MAX_PAGE) {
            pb_web_fail(rs, 400, "p must be a page number from 0 to %d",
                        MAX_PAGE);
            return -1;
        }
        v = v * 10 + (*c - '0');
    }
    if (v > MAX_PAGE) {
        pb_web_fail(rs, 400, "p must be a page number from 0 to %d", MAX_PAGE);
        return -1;
    }
    return v;
}

/* A listing page: heading, optional intro link line, cards, pagers. */
struct listing {
    const char *title;   /* <title> and <h1> (plain text) */
    const char *sub;     /* a line under the heading, or NULL */
    const char *base;    /* the page's path (for ?p= links) */
    const char *feed;    /* Atom feed path or NULL */
    const char *prev_href, *prev_label, *next_href, *next_label;
    const char *periods; /* a raw HTML nav of day/week/month links, or NULL */
    const char *empty;
    const char *follow;  /* "author" or "cat": members get a Follow button */
    const char *follow_target;
    const char *picker;    /* the day the date picker shows, or NULL */
    const char *sort_base; /* the page's path for sort links */
    enum pb_web_sort sort;
};

static int render(struct pb_web_req *rq, struct pb_web_resp *rs,
                  const struct listing *ls, struct pb_feed_list *l,
                  int64_t page)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    char prev[256], next[256];
    TRY(pb_web_html_head(b, rq, ls->title, NULL, ls->feed));
    TRY(pb_buf_puts(b, "<div class=\"head\"><h1>"));
    TRY(pb_web_html_s(b, ls->title));
    TRY(pb_buf_puts(b, "</h1>"));
    if (ls->sub) {
        TRY(pb_buf_puts(b, "<p class=\"sub\">"));
        TRY(pb_web_html_s(b, ls->sub));
        TRY(pb_buf_puts(b, "</p>"));
    }
    if (ls->periods)
        TRY(pb_buf_puts(b, ls->periods));
    if (ls->picker)
        TRY(pb_web_nav_tools(b, rq, ls->picker, ls->sort_base, ls->sort));
    if (ls->follow && rq->me.id) {
        TRY(pb_buf_puts(b, "<form class=\"inline\" method=\"post\" "
                           "action=\"/following\">"));
        TRY(pb_web_csrf_input(b, rq));
        TRY(pb_buf_printf(b, "<input type=\"hidden\" name=\"kind\" "
                             "value=\"%s\"><input type=\"hidden\" "
                             "name=\"target\" value=\"",
                          !strcmp(ls->follow, "cat") ? "cat" : "author"));
        TRY(pb_web_html_s(b, ls->follow_target));
        TRY(pb_buf_puts(b, "\"><button type=\"submit\">Follow</button>"
                           "</form>"));
    }
    TRY(pb_web_html_prevnext(b, ls->prev_href, ls->prev_label, ls->next_href,
                             ls->next_label));
    TRY(pb_buf_puts(b, "</div>"));
    pb_web_fill_counts(rq, l);
    TRY(pb_web_html_cards_rq(b, rq, l, ls->empty));
    const char *sep = strchr(ls->base, '?') ? "&" : "?";
    snprintf(prev, sizeof prev, "%s%sp=%lld", ls->base, sep,
             (long long)page - 1);
    snprintf(next, sizeof next, "%s%sp=%lld", ls->base, sep,
             (long long)page + 1);
    if (page == 1)
        snprintf(prev, sizeof prev, "%s", ls->base);
    TRY(pb_web_html_prevnext(b, page > 0 ? prev : NULL, "Previous page",
                             l->more ? next : NULL, "Next page"));
    TRY(pb_web_html_foot(b));
out:
    return rc;
}

/* Day / week / month navigation links for a day. */
static void period_nav(const char *day, char *out, size_t cap)
{
    char w[11], m[11];
    if (pb_web_week_of(day, w) || pb_web_month_of(day, m)) {
        out[0] = '\0';
        return;
    }
    /* day, w and m are digits and dashes only: safe as they are */
    snprintf(out, cap,
             "<p class=\"periods\"><a href=\"/date/%s\">Day</a> "
             "<a href=\"/week/%s\">Week %s</a> <a href=\"/month/%s\">"
             "Month %s</a></p>",
             day, w, w + 6, m, m);
}

static int day_page(struct pb_web_req *rq, struct pb_web_resp *rs,
                    const char *day, int home)
{
    int rc = PB_OK;
    struct pb_period per;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    if (pb_web_period_parse(PB_PERIOD_DAY, day, strlen(day), &per))
        return pb_web_fail(rs, 400,
                           "\"%.40s\" is not a date; dates look like "
                           "2024-06-03",
                           day);
    int64_t page = page_arg(rq, rs);
    if (page < 0)
        return PB_OK;
    enum pb_web_sort sort;
    if (pb_web_sort_arg(rq, rs, &sort))
        return PB_OK;
    struct pb_feed_query q = {.order = PB_FEED_BY_UPVOTES,
                              .limit = PAGE_SIZE,
                              .offset = page * PAGE_SIZE,
                              .listed_only = 1};
    memcpy(q.from, per.from, 11);
    memcpy(q.to, per.to, 11);
    TRY(pb_web_sorted_list(rq, &q, sort, &l));
    char prev[11] = "", next[11] = "", ph[32], nh[32], base[48], nav[400];
    int r1 = pb_store_feed_adjacent_day(rq->th->feed, per.name, -1, prev);
    int r2 = pb_store_feed_adjacent_day(rq->th->feed, per.name, 1, next);
    if ((r1 && r1 != PB_ENOTFOUND) || (r2 && r2 != PB_ENOTFOUND)) {
        rc = PB_EDB;
        goto out;
    }
    snprintf(ph, sizeof ph, "/date/%s", prev);
    snprintf(nh, sizeof nh, "/date/%s", next);
    snprintf(base, sizeof base, "/date/%s", per.name);
    period_nav(per.name, nav, sizeof nav);
    char title[96];
    if (!home)
        snprintf(title, sizeof title, "Papers of %s", per.label);
    else
        snprintf(title, sizeof title, "Daily papers \xC2\xB7 %s", per.label);
    struct listing ls = {
        .title = title,
        .base = home && page == 0 ? "/" : base,
        .feed = "/atom/daily.xml",
        .prev_href = r1 ? NULL : ph,
        .prev_label = "Previous day",
        .next_href = r2 ? NULL : nh,
        .next_label = "Next day",
        .periods = nav,
        .empty = "No papers were listed on this day.",
        .picker = per.name,
        .sort_base = home ? "/" : base,
        .sort = sort,
    };
    if (home && page > 0)
        ls.base = base;
    char sbase[64];
    if (sort != PB_WSORT_UPVOTES) { /* pagers keep the order */
        snprintf(sbase, sizeof sbase, "%s?sort=%s", base,
                 pb_web_sort_name(sort));
        ls.base = sbase;
    }
    rc = render(rq, rs, &ls, &l, page);
out:
    pb_feed_list_clear(&l);
    return rc;
}

int pb_web_page_home(struct pb_web_req *rq, const char *rest,
                     struct pb_web_resp *rs)
{
    (void)rest;
    char day[11];
    int rc = pb_web_latest_day(rq, day);
    if (rc == PB_ENOTFOUND) {
        struct pb_feed_list l;
        pb_feed_list_init(&l);
        struct listing ls = {.title = "Daily papers", .base = "/",
                             .empty = "No papers yet: import some with "
                                      "paperboy import."};
        return render(rq, rs, &ls, &l, 0);
    }
    if (rc)
        return rc;
    return day_page(rq, rs, day, 1);
}

int pb_web_page_date(struct pb_web_req *rq, const char *rest,
                     struct pb_web_resp *rs)
{
    return day_page(rq, rs, rest, 0);
}

static int period_page(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs, enum pb_period_kind kind)
{
    int rc = PB_OK;
    struct pb_period per;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    const char *what = kind == PB_PERIOD_WEEK ? "week" : "month";
    if (pb_web_period_parse(kind, rest, strlen(rest), &per))
        return pb_web_fail(rs, 400,
                           "\"%.40s\" is not a %s; %ss look like %s", rest,
                           what, what,
                           kind == PB_PERIOD_WEEK ? "2024-W23" : "2024-06");
    int64_t page = page_arg(rq, rs);
    if (page < 0)
        return PB_OK;
    enum pb_web_sort sort;
    if (pb_web_sort_arg(rq, rs, &sort))
        return PB_OK;
    struct pb_feed_query q = {.order = PB_FEED_BY_UPVOTES,
                              .limit = PAGE_SIZE,
                              .offset = page * PAGE_SIZE,
                              .listed_only = 1};
    memcpy(q.from, per.from, 11);
    memcpy(q.to, per.to, 11);
    TRY(pb_web_sorted_list(rq, &q, sort, &l));
    char ph[32], nh[32], base[48], sub[64], nav[400];
    /* previous / next go to the nearest period with listed papers, and
     * stop at the first and last */
    char pd[11], nd[11], pn[11], nn[11];
    int r1 = pb_store_feed_adjacent_day(rq->th->feed, per.from, -1, pd);
    int r2 = pb_store_feed_adjacent_day(rq->th->feed, per.to, 1, nd);
    if ((r1 && r1 != PB_ENOTFOUND) || (r2 && r2 != PB_ENOTFOUND)) {
        rc = PB_EDB;
        goto out;
    }
    if (!r1)
        r1 = kind == PB_PERIOD_WEEK ? pb_web_week_of(pd, pn)
                                    : pb_web_month_of(pd, pn);
    if (!r2)
        r2 = kind == PB_PERIOD_WEEK ? pb_web_week_of(nd, nn)
                                    : pb_web_month_of(nd, nn);
    snprintf(ph, sizeof ph, "/%s/%s", what, r1 ? "" : pn);
    snprintf(nh, sizeof nh, "/%s/%s", what, r2 ? "" : nn);
    snprintf(base, sizeof base, "/%s/%s", what, per.name);
    snprintf(sub, sizeof sub, "%s to %s", per.from, per.to);
    period_nav(per.from, nav, sizeof nav);
    char title[96];
    snprintf(title, sizeof title, "Papers of %s", per.label);
    struct listing ls = {
        .title = title,
        .sub = sub,
        .base = base,
        .feed = "/atom/daily.xml",
        .prev_href = r1 ? NULL : ph,
        .prev_label = kind == PB_PERIOD_WEEK ? "Previous week"
                                             : "Previous month",
        .next_href = r2 ? NULL : nh,
        .next_label = kind == PB_PERIOD_WEEK ? "Next week" : "Next month",
        .periods = nav,
        .empty = kind == PB_PERIOD_WEEK ? "No papers were listed this week."
                                        : "No papers were listed this month.",
        .picker = per.from,
        .sort_base = base,
        .sort = sort,
    };
    char sbase[64];
    if (sort != PB_WSORT_UPVOTES) {
        snprintf(sbase, sizeof sbase, "%s?sort=%s", base,
                 pb_web_sort_name(sort));
        ls.base = sbase;
    }
    rc = render(rq, rs, &ls, &l, page);
out:
    pb_feed_list_clear(&l);
    return rc;
}

int pb_web_page_week(struct pb_web_req *rq, const char *rest,
                     struct pb_web_resp *rs)
{
    return period_page(rq, rest, rs, PB_PERIOD_WEEK);
}

int pb_web_page_month(struct pb_web_req *rq, const char *rest,
                      struct pb_web_resp *rs)
{
    return period_page(rq, rest, rs, PB_PERIOD_MONTH);
}

int pb_web_page_trending(struct pb_web_req *rq, const char *rest,
                         struct pb_web_resp *rs)
{
    (void)rest;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    int rc = pb_web_trending(rq, PAGE_SIZE, &l);
    if (!rc) {
        l.more = 0;
        struct listing ls = {
            .title = "Trending papers",
            .sub = "Upvotes and comments of the last 7 days of listings, "
                   "newer counting more",
            .base = "/trending",
            .feed = "/atom/trending.xml",
            .empty = "Nothing is trending yet.",
        };
        rc = render(rq, rs, &ls, &l, 0);
    }
    pb_feed_list_clear(&l);
    return rc;
}

/* An author's or a category's papers, newest first. */
static int filter_page(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs, int is_author)
{
    int rc = PB_OK;
    struct pb_feed_list l;
    struct pb_buf base, feed;
    pb_feed_list_init(&l);
    pb_buf_init(&base, 4096);
    pb_buf_init(&feed, 4096);
    size_t len = strlen(rest);
    if (!len || len > PB_MAX_NAME)
        return pb_web_fail(rs, 400, "%s", is_author
                                              ? "give an author's name: "
                                                "/authors/NAME"
                                              : "give a category: /cat/cs.CL");
    int64_t page = page_arg(rq, rs);
    if (page < 0)
        goto out;
    struct pb_feed_query q = {.order = PB_FEED_BY_PUBLISHED,
                              .limit = PAGE_SIZE,
                              .offset = page * PAGE_SIZE};
    if (is_author)
        q.author = rest;
    else
        q.category = rest;
    TRY(pb_store_feed_list(rq->th->feed, &q, &l));
    if (!l.n && page == 0 && is_author) {
        /* names are matched exactly; another case of a known name goes
         * to its stored spelling */
        char spell[PB_MAX_NAME + 1];
        rc = pb_store_feed_author_spelling(rq->th->feed, rest, spell,
                                           sizeof spell);
        if (rc == PB_OK && strcmp(spell, rest)) {
            TRY(pb_buf_puts(&base, "/authors/"));
            TRY(pb_web_url_s(&base, spell));
            rc = pb_web_redirect(rs, pb_buf_cstr(&base));
            goto out;
        }
        if (rc != PB_OK && rc != PB_ENOTFOUND)
            goto out;
        rc = PB_OK;
    }
    if (!l.n && page == 0) {
        rc = pb_web_fail(rs, 404, "no papers %s \"%.100s\"",
                         is_author ? "by" : "in category", rest);
        goto out;
    }
    TRY(pb_buf_puts(&base, is_author ? "/authors/" : "/cat/"));
    TRY(pb_web_url_s(&base, rest));
    if (!is_author) {
        TRY(pb_buf_puts(&feed, "/atom/cat/"));
        TRY(pb_web_url_s(&feed, rest));
        TRY(pb_buf_puts(&feed, ".xml"));
    }
    struct pb_buf title;
    pb_buf_init(&title, 4096);
    rc = pb_buf_printf(&title, "%s%s", is_author ? "Papers by " : "Category ",
                       rest);
    struct listing ls = {
        .title = pb_buf_cstr(&title),
        .sub = is_author ? "Newest first" : "Newest first \xC2\xB7 also as an "
                                            "Atom feed",
        .base = pb_buf_cstr(&base),
        .feed = is_author ? NULL : pb_buf_cstr(&feed),
        .empty = "No more papers.",
        .follow = is_author ? "author" : "cat",
        .follow_target = rest,
    };
    if (!rc)
        rc = render(rq, rs, &ls, &l, page);
    pb_buf_clear(&title);
out:
    pb_feed_list_clear(&l);
    pb_buf_clear(&base);
    pb_buf_clear(&feed);
    return rc;
}

int pb_web_page_author(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    return filter_page(rq, rest, rs, 1);
}

int pb_web_page_category(struct pb_web_req *rq, const char *rest,
                         struct pb_web_resp *rs)
{
    return filter_page(rq, rest, rs, 0);
}

/* An organization (Daily Papers' `organization`) and the papers listed
 * for it, newest listing first. */
int pb_web_page_org(struct pb_web_req *rq, const char *rest,
                    struct pb_web_resp *rs)
{
    int rc = PB_OK;
    struct pb_feed_list l;
    struct pb_buf base, title;
    char *fullname = NULL, *src = NULL;
    pb_feed_list_init(&l);
    pb_buf_init(&base, 4096);
    pb_buf_init(&title, 4096);
    size_t len = strlen(rest);
    if (!len || len > 255)
        return pb_web_fail(rs, 400, "give an organization: /orgs/NAME");
    int64_t page = page_arg(rq, rs);
    if (page < 0)
        goto out;
    rc = pb_store_feed_org(rq->th->feed, rest, &fullname, &src);
    if (rc == PB_ENOTFOUND) {
        rc = pb_web_fail(rs, 404, "no organization \"%.100s\"", rest);
        goto out;
    }
    if (rc)
        goto out;
    struct pb_feed_query q = {.order = PB_FEED_BY_DAY,
                              .limit = PAGE_SIZE,
                              .offset = page * PAGE_SIZE,
                              .listed_only = 1,
                              .org = rest};
    TRY(pb_store_feed_list(rq->th->feed, &q, &l));
    pb_web_fill_counts(rq, &l);
    TRY(pb_buf_puts(&base, "/orgs/"));
    TRY(pb_web_url_s(&base, rest));
    /* the full name from the source object, else the name */
    const char *shown = fullname;
    json_t *o = src ? json_loads(src, 0, NULL) : NULL;
    const char *fn = json_string_value(json_object_get(o, "fullname"));
    if (fn && *fn)
        shown = fn;
    TRY(pb_buf_puts(&title, shown && *shown ? shown : rest));
    json_decref(o);
    struct listing ls = {
        .title = pb_buf_cstr(&title),
        .sub = "Papers listed for this organization, newest first",
        .base = pb_buf_cstr(&base),
        .empty = "No more papers.",
    };
    rc = render(rq, rs, &ls, &l, page);
out:
    free(fullname);
    free(src);
    pb_feed_list_clear(&l);
    pb_buf_clear(&base);
    pb_buf_clear(&title);
    return rc;
}

int pb_web_page_subscribe(struct pb_web_req *rq, const char *rest,
                          struct pb_web_resp *rs)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    if (rq->post) /* the e-mail form (page_mail.c) */
        return pb_web_mail_subscribe(rq, rest, rs);
    TRY(pb_web_html_head(b, rq, "Subscribe", NULL, "/atom/daily.xml"));
    TRY(pb_buf_puts(b, "<div class=\"head\"><h1>Subscribe</h1></div>"));
    if (rq->site->no_mail)
        TRY(pb_buf_puts(b, "<div class=\"prose\" id=\"email\"><h2>E-mail"
                           "</h2><p class=\"notice\">This site does not send "
                           "mail: its operator has not set up an SMTP server, "
                           "so there are no e-mail digests here. The feeds "
                           "below bring the same papers.</p></div>"));
    else
        TRY(pb_web_mail_form_rq(b, rq));
    TRY(pb_buf_puts(
        b, "<div class=\"prose\"><h2>Feeds</h2>"
           "<p>Follow the daily papers in any feed reader:</p><ul>"
           "<li><a href=\"/rss/daily.xml\">Daily papers (RSS 2.0)</a></li>"
           "<li><a href=\"/atom/daily.xml\">Daily papers (Atom)</a></li>"
           "<li><a href=\"/atom/trending.xml\">Trending papers (Atom)</a></li>"
           "<li>A search: <code>/atom/search.xml?q=diffusion</code></li>"
           "<li>A category: <code>/atom/cat/cs.CL.xml</code></li></ul>"
           "<p>Or use the JSON API, shaped like Hugging Face's: "
           "<a href=\"/api/daily_papers\"><code>/api/daily_papers</code></a>"
           "</p></div>"));
    TRY(pb_web_html_foot(b));
out:
    return rc;
}
