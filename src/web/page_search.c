/* page_search.c - /search?q=: results with highlighted snippets, facets by
 * category and year, paging. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rank/hybrid.h"
#include "search/search.h"
#include "core/escape.h"
#include "web/html.h"
#include "web/web_int.h"

#define PAGE_SIZE 20
#define MAX_PAGE 200

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

static const char *mode_name(enum pb_search_mode m)
{
    return m == PB_MODE_SEMANTIC ? "semantic"
           : m == PB_MODE_HYBRID ? "hybrid"
                                 : "keyword";
}

/* "/search?q=Q&mode=M&p=N" (or with extra appended to the query) into b;
 * the default mode, keyword, is left out. */
static int search_href(struct pb_buf *b, const char *q, const char *extra,
                       enum pb_search_mode mode, int64_t page)
{
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "/search?q="));
    TRY(pb_web_url_s(b, q));
    if (extra) {
        TRY(pb_web_url_s(b, " "));
        TRY(pb_web_url_s(b, extra));
    }
    if (mode != PB_MODE_KEYWORD)
        TRY(pb_buf_printf(b, "&mode=%s", mode_name(mode)));
    if (page > 0)
        TRY(pb_buf_printf(b, "&p=%" PRId64, page));
out:
    return rc;
}

/* The mode control: a form of its own that searches q again in the mode
 * chosen (no script: the Content-Security-Policy allows none). */
static int mode_form(struct pb_buf *b, const char *q, enum pb_search_mode m)
{
    static const struct {
        enum pb_search_mode m;
        const char *label;
    } opts[] = {{PB_MODE_KEYWORD, "words (keyword)"},
                {PB_MODE_SEMANTIC, "meaning (semantic)"},
                {PB_MODE_HYBRID, "words and meaning (hybrid)"}};
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "<form class=\"mode\" action=\"/search\" "
                       "method=\"get\"><input type=\"hidden\" name=\"q\" "
                       "value=\""));
    TRY(pb_web_html_s(b, q));
    TRY(pb_buf_puts(b, "\"><label for=\"mode\">Search by</label> "
                       "<select id=\"mode\" name=\"mode\">"));
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        TRY(pb_buf_printf(b, "<option value=\"%s\"%s>%s</option>",
                          mode_name(opts[i].m),
                          opts[i].m == m ? " selected" : "", opts[i].label));
    TRY(pb_buf_puts(b, "</select> <button type=\"submit\">Search</button>"
                       "</form>"));
out:
    return rc;
}

static int facet_links(struct pb_buf *b, const char *q, const char *label,
                       const char *field, const struct pb_facet *f, size_t n,
                       enum pb_search_mode mode)
{
    int rc = PB_OK;
    struct pb_buf href;
    char extra[64];
    pb_buf_init(&href, 8192);
    if (!n)
        goto out;
    TRY(pb_buf_puts(b, "<li>"));
    TRY(pb_web_html_s(b, label));
    TRY(pb_buf_puts(b, ": "));
    for (size_t i = 0; i < n && i < 8; i++) {
        pb_buf_reset(&href);
        snprintf(extra, sizeof extra, "%s:%s", field, f[i].name);
        TRY(search_href(&href, q, extra, mode, 0));
        TRY(pb_buf_puts(b, i ? ", <a href=\"" : "<a href=\""));
        TRY(pb_web_html(b, href.p, href.len));
        TRY(pb_buf_puts(b, "\">"));
        TRY(pb_web_html_s(b, f[i].name));
        TRY(pb_buf_printf(b, "</a> (%" PRIu64 ")", f[i].count));
    }
    TRY(pb_buf_puts(b, "</li>"));
out:
    pb_buf_clear(&href);
    return rc;
}

int pb_web_page_search(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    (void)rest;
    int rc = PB_OK;
    const char *q = pb_web_arg(rq, "q"), *p = pb_web_arg(rq, "p"),
               *mode = pb_web_arg(rq, "mode");
    enum pb_search_mode asked = PB_MODE_KEYWORD, used;
    struct pb_buf *b = &rs->body, prev, next;
    struct pb_feed_list l;
    struct pb_results res = {0};
    char **snips = NULL;
    int64_t page = 0, total = 0;
    pb_feed_list_init(&l);
    pb_buf_init(&prev, 8192);
    pb_buf_init(&next, 8192);
    if (q && strlen(q) > 1000)
        return pb_web_fail(rs, 400, "the query is over 1000 bytes");
    if (p && *p) {
        for (const char *c = p; *c; c++)
            if (*c < '0' || *c > '9' || page > MAX_PAGE ||
                (page = page * 10 + (*c - '0')) > MAX_PAGE)
                return pb_web_fail(rs, 400, "p must be a page from 0 to %d",
                                   MAX_PAGE);
    }
    if (mode && *mode && pb_search_mode_parse(mode, &asked))
        return pb_web_fail(rs, 400, "mode must be keyword, semantic or "
                                    "hybrid");
    used = asked;
    if (!q || !*q) {
        TRY(pb_web_html_head(b, rq, "Search", NULL, NULL));
        TRY(pb_buf_puts(
            b, "<div class=\"head\"><h1>Search</h1></div><div class=\"prose\">"
               "<p>Type words in the box above. You can also write "
               "<code>\"exact phrase\"</code>, <code>+required</code>, "
               "<code>-excluded</code>, <code>title:</code>, "
               "<code>author:</code>, <code>cat:cs.CL</code>, "
               "<code>year:2024</code>, <code>after:2024-01-01</code> and "
               "<code>sort:date</code> or <code>sort:upvotes</code>.</p>"
               "</div>"));
        TRY(pb_web_html_foot(b));
        goto out;
    }
    {
        /* a bare arXiv id goes to its paper */
        struct pb_paper hit;
        int64_t hpid;
        pb_paper_init(&hit);
        int found = pb_web_search_id(rq, q, &hit, &hpid);
        if (found == PB_OK) {
            struct pb_buf to;
            pb_buf_init(&to, 256);
            rc = pb_buf_puts(&to, "/papers/");
            if (!rc)
                rc = pb_web_url_s(&to, hit.id);
            if (!rc)
                rc = pb_web_redirect(rs, pb_buf_cstr(&to));
            pb_buf_clear(&to);
            pb_paper_clear(&hit);
            goto out;
        }
        pb_paper_clear(&hit);
        if (found != PB_ENOTFOUND) {
            rc = found;
            goto out;
        }
    }
    rc = pb_web_search_run(rq, q, &used, page * PAGE_SIZE, PAGE_SIZE, &l,
                           &total, &res, &snips);
    if (rc == PB_EUNSUP) {
        rc = pb_web_fail(rs, 503, "search is not available on this server");
        goto out;
    }
    if (rc)
        goto out;
    pb_web_fill_counts(rq, &l); /* imported + local upvotes */
    struct pb_buf title;
    pb_buf_init(&title, 4096);
    rc = pb_buf_printf(&title, "Search: %s", q);
    if (!rc)
        rc = pb_web_html_head(b, rq, pb_buf_cstr(&title), q, NULL);
    pb_buf_clear(&title);
    if (rc)
        goto out;
    TRY(pb_buf_puts(b, "<div class=\"head\"><h1>Search results</h1>"
                       "<p class=\"sub\">"));
    /* semantic and hybrid rank a fixed depth, not every match; a broad
     * keyword query's total is estimated (pb_search's count budget):
     * "about", to two significant digits */
    if (res.total_estimated) {
        int64_t unit = 1;
        while (total / unit >= 100)
            unit *= 10;
        total = (total + unit / 2) / unit * unit;
    }
    TRY(pb_buf_printf(b, "%s%" PRId64 " paper%s for \u201c",
                      used != PB_MODE_KEYWORD ? "Top "
                      : res.total_estimated   ? "About "
                                              : "",
                      total, total == 1 ? "" : "s"));
    TRY(pb_web_html_s(b, q));
    TRY(pb_buf_puts(b, "\u201d \xC2\xB7 <a href=\"/atom/search.xml?q="));
    {
        struct pb_buf u;
        pb_buf_init(&u, 8192);
        rc = pb_web_url_s(&u, q);
        if (!rc)
            rc = pb_web_html(b, u.p, u.len);
        pb_buf_clear(&u);
        if (rc)
            goto out;
    }
    TRY(pb_buf_puts(b, "\">Atom feed of this search</a></p>"));
    TRY(mode_form(b, q, asked));
    if (used != asked)
        TRY(pb_buf_printf(b, "<p class=\"sub notice\">Note: %s search needs "
                             "paper vectors, and this site has none yet "
                             "(<code>paperboy train-vectors</code>, then "
                             "<code>paperboy embed</code>): these are "
                             "keyword results.</p>",
                          asked == PB_MODE_SEMANTIC ? "Semantic" : "Hybrid"));
    if (res.notice[0]) {
        TRY(pb_buf_puts(b, "<p class=\"sub\">Note: "));
        TRY(pb_web_html_s(b, res.notice));
        TRY(pb_buf_puts(b, "</p>"));
    }
    if (res.n_cats || res.n_years) {
        TRY(pb_buf_puts(b, "<ul class=\"facets meta\">"));
        TRY(facet_links(b, q, "Categories", "cat", res.cats, res.n_cats,
                        used));
        TRY(facet_links(b, q, "Years", "year", res.years, res.n_years,
                        used));
        TRY(pb_buf_puts(b, "</ul>"));
    }
    TRY(pb_buf_puts(b, "</div>"));
    TRY(pb_web_html_cards(b, rq, &l, snips, "No papers match. Try fewer or "
                                        "other words."));
    /* paging keeps the mode asked for (it may work on the next page, once
     * vectors exist) */
    TRY(search_href(&prev, q, NULL, asked, page - 1));
    TRY(search_href(&next, q, NULL, asked, page + 1));
    TRY(pb_web_html_prevnext(b, page > 0 ? pb_buf_cstr(&prev) : NULL,
                             "Previous page",
                             l.more && page < MAX_PAGE ? pb_buf_cstr(&next)
                                                       : NULL,
                             "Next page"));
    TRY(pb_web_html_foot(b));
out:
    pb_web_snips_free(snips, l.n);
    pb_results_clear(&res);
    pb_feed_list_clear(&l);
    pb_buf_clear(&prev);
    pb_buf_clear(&next);
    return rc;
}
