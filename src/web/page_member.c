/* page_member.c - /u/NAME: a member's or a Daily Papers submitter's page:
 * their avatar, the papers they submitted (newest first) and, for a member
 * of this site, their public collections. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "web/html.h"
#include "web/media.h"
#include "web/web_int.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

#define PAGE_SIZE 30

struct colls {
    struct pb_buf *b;
    int n;
};

static int coll_row(void *ctx, const struct pb_collection *c)
{
    struct colls *x = ctx;
    int rc = PB_OK;
    if (!x->n++)
        TRY(pb_buf_puts(x->b, "<h2>Public collections</h2>"
                              "<ul class=\"collections\">"));
    TRY(pb_buf_printf(x->b, "<li><a href=\"/collections/%" PRId64 "\">",
                      c->id));
    TRY(pb_web_html_s(x->b, c->name));
    TRY(pb_buf_printf(x->b, "</a> \xC2\xB7 %" PRId64 " paper%s</li>",
                      c->n_items, c->n_items == 1 ? "" : "s"));
out:
    return rc;
}

int pb_web_page_member(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    int rc = PB_OK;
    size_t len = strlen(rest);
    if (!len || len > PB_MAX_NAME || strchr(rest, '/'))
        return pb_web_fail(rs, 404, "no such member");
    const char *p = pb_web_arg(rq, "p");
    int64_t page = 0;
    for (const char *c = p ? p : ""; *c; c++) {
        if (*c < '0' || *c > '9' || page > 1000)
            return pb_web_fail(rs, 400, "p must be a page number");
        page = page * 10 + (*c - '0');
    }
    struct pb_member m;
    memset(&m, 0, sizeof m);
    struct pb_cmdb *db = pb_web_cmdb(rq);
    int local = db && pb_cmdb_member_get(db, rest, &m, NULL) == PB_OK &&
                !m.disabled;
    /* a member's submissions are stored under the name they signed up
     * with; a Daily Papers submitter's under theirs */
    const char *name = local ? m.name : rest;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    struct pb_feed_query q = {.order = PB_FEED_BY_PUBLISHED,
                              .limit = PAGE_SIZE,
                              .offset = page * PAGE_SIZE,
                              .submitter = name};
    TRY(pb_store_feed_list(rq->th->feed, &q, &l));
    if (!local && !l.n && page == 0) {
        rc = pb_web_fail(rs, 404, "no member or submitter \"%.100s\"", rest);
        goto out;
    }
    struct pb_buf *b = &rs->body;
    TRY(pb_web_html_head(b, rq, name, NULL, NULL));
    TRY(pb_buf_puts(b, "<div class=\"head member-head\">"));
    TRY(pb_web_avatar_img(b, name, 64));
    TRY(pb_buf_puts(b, "<div><h1>"));
    TRY(pb_web_html_s(b, name));
    TRY(pb_buf_puts(b, "</h1><p class=\"sub\">"));
    TRY(pb_buf_puts(b, local ? "Member of this site" : "Submitter on Daily "
                                                       "Papers"));
    TRY(pb_buf_puts(b, "</p></div></div>"));
    if (local) {
        struct colls x = {b, 0};
        TRY(pb_cmdb_coll_each(db, m.id, 0, coll_row, &x));
        if (x.n)
            TRY(pb_buf_puts(b, "</ul>"));
    }
    TRY(pb_buf_puts(b, "<h2>Submitted papers</h2>"));
    pb_web_fill_counts(rq, &l);
    TRY(pb_web_html_cards_rq(b, rq, &l, "No papers submitted yet."));
    {
        struct pb_buf base, prev, next;
        pb_buf_init(&base, 4096);
        pb_buf_init(&prev, 4200);
        pb_buf_init(&next, 4200);
        rc = pb_buf_puts(&base, "/u/");
        if (!rc)
            rc = pb_web_url_s(&base, name);
        if (!rc && page == 1) /* the first page has no ?p= */
            rc = pb_buf_puts(&prev, base.p);
        else if (!rc)
            rc = pb_buf_printf(&prev, "%s?p=%" PRId64, base.p, page - 1);
        if (!rc)
            rc = pb_buf_printf(&next, "%s?p=%" PRId64, base.p, page + 1);
        if (!rc)
            rc = pb_web_html_prevnext(b, page > 0 ? prev.p : NULL,
                                      "Previous page",
                                      l.more ? next.p : NULL, "Next page");
        pb_buf_clear(&base);
        pb_buf_clear(&prev);
        pb_buf_clear(&next);
        if (rc)
            goto out;
    }
    TRY(pb_web_html_foot(b));
out:
    pb_feed_list_clear(&l);
    return rc;
}
