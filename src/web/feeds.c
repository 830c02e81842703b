/* feeds.c - RSS 2.0 and Atom 1.0 feeds: daily, trending, search, category.
 * Every piece of text goes through pb_web_xml(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "text/latex_plain.h"
#include "core/escape.h"
#include "web/web_int.h"

#define FEED_SIZE 50

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

/* When an entry happened: its listing day, else its arXiv dates. */
static int64_t entry_time(const struct pb_paper *p)
{
    int64_t t;
    if (p->listed_day[0] && !pb_day_parse(p->listed_day, 10, &t))
        return t;
    return p->updated ? p->updated : p->published;
}

static void rfc822(int64_t t, char out[40])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 40, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

static int xml_plain(struct pb_buf *b, const char *s)
{
    if (!s)
        return PB_OK;
    char *plain = pb_text_latex_plain(s, strlen(s));
    int rc = pb_web_xml_s(b, plain);
    free(plain);
    return rc;
}

static int paper_url(struct pb_buf *b, const struct pb_web_req *rq,
                     const struct pb_paper *p)
{
    int rc = PB_OK;
    TRY(pb_web_xml_s(b, rq->site->base_url));
    TRY(pb_buf_puts(b, "/papers/"));
    TRY(pb_web_url_s(b, p->id));
out:
    return rc;
}

static int rss(struct pb_web_req *rq, struct pb_web_resp *rs,
               const char *title, const char *self,
               const struct pb_feed_list *l)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    char d[40];
    int64_t newest = 0;
    for (size_t i = 0; i < l->n; i++)
        if (entry_time(&l->v[i]) > newest)
            newest = entry_time(&l->v[i]);
    rs->type = "application/rss+xml; charset=utf-8";
    TRY(pb_buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                       "<rss version=\"2.0\" "
                       "xmlns:atom=\"http://www.w3.org/2005/Atom\" "
                       "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
                       "<channel><title>"));
    TRY(pb_web_xml_s(b, title));
    TRY(pb_buf_puts(b, "</title><link>"));
    TRY(pb_web_xml_s(b, rq->site->base_url));
    TRY(pb_buf_puts(b, "/</link><description>Research papers listed on the "
                       "daily feed, most upvoted first</description>"
                       "<language>en</language><atom:link href=\""));
    TRY(pb_web_xml_s(b, rq->site->base_url));
    TRY(pb_web_xml_s(b, self));
    TRY(pb_buf_puts(b, "\" rel=\"self\" type=\"application/rss+xml\"/>"));
    if (newest) {
        rfc822(newest, d);
        TRY(pb_buf_printf(b, "<lastBuildDate>%s</lastBuildDate>", d));
    }
    for (size_t i = 0; i < l->n; i++) {
        const struct pb_paper *p = &l->v[i];
        TRY(pb_buf_puts(b, "<item><title>"));
        TRY(xml_plain(b, p->title));
        TRY(pb_buf_puts(b, "</title><link>"));
        TRY(paper_url(b, rq, p));
        TRY(pb_buf_puts(b, "</link><guid isPermaLink=\"true\">"));
        TRY(paper_url(b, rq, p));
        TRY(pb_buf_puts(b, "</guid><description>"));
        TRY(xml_plain(b, p->abstract));
        TRY(pb_buf_puts(b, "</description>"));
        for (size_t k = 0; k < p->authors.n; k++) {
            TRY(pb_buf_puts(b, "<dc:creator>"));
            TRY(pb_web_xml_s(b, p->authors.v[k]));
            TRY(pb_buf_puts(b, "</dc:creator>"));
        }
        if (entry_time(p)) {
            rfc822(entry_time(p), d);
            TRY(pb_buf_printf(b, "<pubDate>%s</pubDate>", d));
        }
        TRY(pb_buf_puts(b, "</item>"));
    }
    TRY(pb_buf_puts(b, "</channel></rss>\n"));
out:
    return rc;
}

static int atom_time(struct pb_buf *b, const char *tag, int64_t t)
{
    char d[21];
    pb_time_format(t, d);
    return pb_buf_printf(b, "<%s>%s</%s>", tag, d, tag);
}

/* self is the feed's path and query, already URL-safe or escaped here. */
static int atom(struct pb_web_req *rq, struct pb_web_resp *rs,
                const char *title, const char *self, const char *alt,
                const struct pb_feed_list *l)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    int64_t newest = 0;
    for (size_t i = 0; i < l->n; i++)
        if (entry_time(&l->v[i]) > newest)
            newest = entry_time(&l->v[i]);
    rs->type = "application/atom+xml; charset=utf-8";
    TRY(pb_buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                       "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>"));
    TRY(pb_web_xml_s(b, title));
    TRY(pb_buf_puts(b, "</title><id>"));
    TRY(pb_web_xml_s(b, rq->site->base_url));
    TRY(pb_web_xml_s(b, self));
    TRY(pb_buf_puts(b, "</id><link rel=\"self\" type=\"application/atom+xml\" "
                       "href=\""));
    TRY(pb_web_xml_s(b, rq->site->base_url));
    TRY(pb_web_xml_s(b, self));
    TRY(pb_buf_puts(b, "\"/><link rel=\"alternate\" type=\"text/html\" href=\""));
    TRY(pb_web_xml_s(b, rq->site->base_url));
    TRY(pb_web_xml_s(b, alt));
    TRY(pb_buf_puts(b, "\"/>"));
    TRY(atom_time(b, "updated", newest ? newest : 0));
    TRY(pb_buf_puts(b, "<author><name>paperboy</name></author>"
                       "<generator>paperboy</generator>"));
    for (size_t i = 0; i < l->n; i++) {
        const struct pb_paper *p = &l->v[i];
        int64_t t = entry_time(p);
        TRY(pb_buf_puts(b, "<entry><title type=\"text\">"));
        TRY(xml_plain(b, p->title));
        TRY(pb_buf_puts(b, "</title><id>"));
        TRY(paper_url(b, rq, p));
        TRY(pb_buf_puts(b, "</id><link rel=\"alternate\" type=\"text/html\" "
                           "href=\""));
        TRY(paper_url(b, rq, p));
        TRY(pb_buf_puts(b, "\"/>"));
        if (strncmp(p->id, "t-", 2)) {
            TRY(pb_buf_puts(b, "<link rel=\"related\" href=\"https://arxiv.org/abs/"));
            TRY(pb_web_url_s(b, p->id));
            TRY(pb_buf_puts(b, "\"/>"));
        }
        TRY(atom_time(b, "updated", t));
        if (p->published)
            TRY(atom_time(b, "published", p->published));
        if (!p->authors.n)
            TRY(pb_buf_puts(b, "<author><name>unknown</name></author>"));
        for (size_t k = 0; k < p->authors.n; k++) {
            TRY(pb_buf_puts(b, "<author><name>"));
            TRY(pb_web_xml_s(b, p->authors.v[k]));
            TRY(pb_buf_puts(b, "</name></author>"));
        }
        if (p->categories && p->categories[0]) {
            struct pb_strlist c = {0};
            pb_strlist_split(&c, p->categories, ' ');
            for (size_t k = 0; k < c.n && !rc; k++)
                if (!(rc = pb_buf_puts(b, "<category term=\"")) &&
                    !(rc = pb_web_xml_s(b, c.v[k])))
                    rc = pb_buf_puts(b, "\"/>");
            pb_strlist_clear(&c);
            if (rc)
                goto out;
        }
        TRY(pb_buf_puts(b, "<summary type=\"text\">"));
        TRY(xml_plain(b, p->abstract));
        TRY(pb_buf_puts(b, "</summary></entry>"));
    }
    TRY(pb_buf_puts(b, "</feed>\n"));
out:
    return rc;
}

static int latest(struct pb_web_req *rq, struct pb_feed_list *l)
{
    char day[11];
    int rc = pb_web_latest_day(rq, day);
    if (rc == PB_ENOTFOUND)
        return PB_OK;
    if (rc)
        return rc;
    struct pb_feed_query q = {.order = PB_FEED_BY_UPVOTES,
                              .limit = FEED_SIZE, .listed_only = 1};
    memcpy(q.from, day, 11);
    memcpy(q.to, day, 11);
    return pb_store_feed_list(rq->th->feed, &q, l);
}

int pb_web_feed_rss_daily(struct pb_web_req *rq, const char *rest,
                          struct pb_web_resp *rs)
{
    (void)rest;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    int rc = latest(rq, &l);
    if (!rc)
        rc = rss(rq, rs, "paperboy: daily papers", "/rss/daily.xml", &l);
    pb_feed_list_clear(&l);
    return rc;
}

int pb_web_feed_atom_daily(struct pb_web_req *rq, const char *rest,
                           struct pb_web_resp *rs)
{
    (void)rest;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    int rc = latest(rq, &l);
    if (!rc)
        rc = atom(rq, rs, "paperboy: daily papers", "/atom/daily.xml", "/", &l);
    pb_feed_list_clear(&l);
    return rc;
}

int pb_web_feed_atom_trending(struct pb_web_req *rq, const char *rest,
                              struct pb_web_resp *rs)
{
    (void)rest;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    int rc = pb_web_trending(rq, FEED_SIZE, &l);
    if (!rc)
        rc = atom(rq, rs, "paperboy: trending papers", "/atom/trending.xml",
                  "/trending", &l);
    pb_feed_list_clear(&l);
    return rc;
}

int pb_web_feed_atom_search(struct pb_web_req *rq, const char *rest,
                            struct pb_web_resp *rs)
{
    (void)rest;
    int rc = PB_OK;
    const char *q = pb_web_arg(rq, "q");
    int64_t total = 0;
    struct pb_feed_list l;
    struct pb_buf self, alt, title;
    pb_feed_list_init(&l);
    pb_buf_init(&self, 8192);
    pb_buf_init(&alt, 8192);
    pb_buf_init(&title, 8192);
    if (!q || !*q || strlen(q) > 1000) {
        rc = pb_web_fail(rs, 400, "give a query of up to 1000 bytes: "
                                  "/atom/search.xml?q=...");
        goto out;
    }
    {
        /* a feed is an alert for new papers: newest first among the
         * matches, unless the query asks for another order */
        struct pb_buf qq;
        pb_buf_init(&qq, 2048);
        rc = pb_buf_puts(&qq, q);
        if (!rc && !strstr(q, "sort:"))
            rc = pb_buf_puts(&qq, " sort:date");
        if (!rc)
            rc = pb_web_search_run(rq, pb_buf_cstr(&qq), NULL, 0, FEED_SIZE,
                                   &l, &total, NULL, NULL);
        pb_buf_clear(&qq);
    }
    if (rc == PB_EUNSUP) {
        rc = pb_web_fail(rs, 503, "search is not available");
        goto out;
    }
    if (rc)
        goto out;
    TRY(pb_buf_puts(&self, "/atom/search.xml?q="));
    TRY(pb_web_url_s(&self, q));
    TRY(pb_buf_puts(&alt, "/search?q="));
    TRY(pb_web_url_s(&alt, q));
    TRY(pb_buf_printf(&title, "paperboy: search for %s", q));
    rc = atom(rq, rs, pb_buf_cstr(&title), pb_buf_cstr(&self),
              pb_buf_cstr(&alt), &l);
out:
    pb_feed_list_clear(&l);
    pb_buf_clear(&self);
    pb_buf_clear(&alt);
    pb_buf_clear(&title);
    return rc;
}

int pb_web_feed_atom_cat(struct pb_web_req *rq, const char *rest,
                         struct pb_web_resp *rs)
{
    int rc = PB_OK;
    char cat[64], self[128], alt[96], title[128];
    size_t len = strlen(rest);
    if (len < 5 || strcmp(rest + len - 4, ".xml") || len - 4 >= sizeof cat)
        return pb_web_fail(rs, 404, "category feeds look like "
                                    "/atom/cat/cs.CL.xml");
    memcpy(cat, rest, len - 4);
    cat[len - 4] = '\0';
    for (const char *c = cat; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' ||
              *c == '_'))
            return pb_web_fail(rs, 400, "\"%.63s\" is not a category name",
                               cat);
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    struct pb_feed_query q = {.order = PB_FEED_BY_PUBLISHED,
                              .limit = FEED_SIZE, .category = cat};
    rc = pb_store_feed_list(rq->th->feed, &q, &l);
    snprintf(self, sizeof self, "/atom/cat/%s.xml", cat);
    snprintf(alt, sizeof alt, "/cat/%s", cat);
    snprintf(title, sizeof title, "paperboy: %s", cat);
    if (!rc)
        rc = atom(rq, rs, title, self, alt, &l);
    pb_feed_list_clear(&l);
    return rc;
}
