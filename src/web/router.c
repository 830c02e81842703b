/* router.c - from a path to a handler, and errors in the route's format. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "store/store.h"
#include "web/html.h"
#include "web/media.h"
#include "web/nav.h"
#include "web/web_foryou.h"
#include "web/web_int.h"
#include "web/web_ops.h"
#include "web/web_similar.h"

struct route {
    const char *prefix; /* exact path, or a prefix when it ends with '/' */
    pb_web_handler fn;
    enum pb_web_fmt fmt;
    int post; /* 1: also answers POST (after the CSRF check); 2: POST
               * without it: the signed token in the link is the authority
               * (mail links; RFC 8058 one-click POSTs carry no cookie) */
};

static const struct route routes[] = {
    {"/", pb_web_page_home, PB_FMT_HTML, 0},
    {"/trending", pb_web_page_trending, PB_FMT_HTML, 0},
    {"/search", pb_web_page_search, PB_FMT_HTML, 0},
    {"/subscribe", pb_web_page_subscribe, PB_FMT_HTML, 2},
    {"/mail/confirm", pb_web_mail_confirm, PB_FMT_HTML, 2},
    {"/mail/unsubscribe", pb_web_mail_unsubscribe, PB_FMT_HTML, 2},
    {"/mail/preferences", pb_web_mail_preferences, PB_FMT_HTML, 2},
    {"/date/", pb_web_page_date, PB_FMT_HTML, 0},
    {"/week/", pb_web_page_week, PB_FMT_HTML, 0},
    {"/month/", pb_web_page_month, PB_FMT_HTML, 0},
    /* Hugging Face's URL shapes redirect to ours (nav.c) */
    {"/papers", pb_web_hf_redirect, PB_FMT_HTML, 0},
    {"/papers/trending", pb_web_hf_redirect, PB_FMT_HTML, 0},
    {"/papers/date/", pb_web_hf_redirect, PB_FMT_HTML, 0},
    {"/papers/week/", pb_web_hf_redirect, PB_FMT_HTML, 0},
    {"/papers/month/", pb_web_hf_redirect, PB_FMT_HTML, 0},
    {"/papers/", pb_web_page_paper, PB_FMT_HTML, 0},
    {"/date", pb_web_date_jump, PB_FMT_HTML, 0},
    /* images (media.c) and members (page_member.c) */
    {"/media/", pb_web_media, PB_FMT_TEXT, 0},
    {"/cover/", pb_web_cover, PB_FMT_TEXT, 0},
    {"/avatars/", pb_web_avatar, PB_FMT_TEXT, 0},
    {"/u/", pb_web_page_member, PB_FMT_HTML, 0},
    {"/authors/", pb_web_page_author, PB_FMT_HTML, 0},
    {"/cat/", pb_web_page_category, PB_FMT_HTML, 0},
    {"/orgs/", pb_web_page_org, PB_FMT_HTML, 0},
    {"/api/daily_papers", pb_web_api_daily, PB_FMT_JSON, 0},
    {"/api/papers/search", pb_web_api_search, PB_FMT_JSON, 0},
    {"/api/papers", pb_web_api_papers, PB_FMT_JSON, 0},
    {"/api/papers/", pb_web_api_papers_sub, PB_FMT_JSON, 0}, /* + /similar */
    {"/api/papers/", pb_web_api_paper, PB_FMT_JSON, 0},
    {"/rss/daily.xml", pb_web_feed_rss_daily, PB_FMT_TEXT, 0},
    {"/atom/daily.xml", pb_web_feed_atom_daily, PB_FMT_TEXT, 0},
    {"/atom/trending.xml", pb_web_feed_atom_trending, PB_FMT_TEXT, 0},
    {"/atom/search.xml", pb_web_feed_atom_search, PB_FMT_TEXT, 0},
    {"/atom/cat/", pb_web_feed_atom_cat, PB_FMT_TEXT, 0},
    {"/static/", pb_web_asset, PB_FMT_TEXT, 0},
    {"/favicon.ico", pb_web_asset, PB_FMT_TEXT, 0},
    /* the community: every POST below passes the CSRF check first */
    {"/signup", pb_web_page_signup, PB_FMT_HTML, 1},
    {"/login", pb_web_page_login, PB_FMT_HTML, 1},
    {"/logout", pb_web_page_logout, PB_FMT_HTML, 1},
    {"/following", pb_web_page_following, PB_FMT_HTML, 1},
    {"/submit", pb_web_page_submit, PB_FMT_HTML, 1},
    {"/vote/", pb_web_page_vote, PB_FMT_HTML, 1},
    {"/comments/", pb_web_page_comment, PB_FMT_HTML, 1},
    {"/mod/", pb_web_page_mod, PB_FMT_HTML, 1},
    {"/collections", pb_web_page_collections, PB_FMT_HTML, 1},
    {"/collections/", pb_web_page_collections, PB_FMT_HTML, 1},
    {"/api/vote/", pb_web_api_vote, PB_FMT_JSON, 1},
    {"/api/me", pb_web_api_me, PB_FMT_JSON, 0},
    {"/for-you", pb_web_page_foryou, PB_FMT_HTML, 0},
    {"/for-you/", pb_web_page_foryou_mark, PB_FMT_HTML, 1},
    {"/api/for-you", pb_web_api_foryou, PB_FMT_JSON, 0},
    {"/api/for-you/", pb_web_api_foryou_mark, PB_FMT_JSON, 1},
    /* for operators (health.c) */
    {"/healthz", pb_web_ops_healthz, PB_FMT_TEXT, 0},
    {"/readyz", pb_web_ops_readyz, PB_FMT_TEXT, 0},
    {"/metrics", pb_web_ops_metrics, PB_FMT_TEXT, 0},
    {NULL, NULL, PB_FMT_HTML, 0},
};

_Static_assert(sizeof routes / sizeof routes[0] < PB_WEB_ROUTE_SLOTS,
               "a metrics slot for every route and one for none");

static int takes(const struct route *r, const char *path)
{
    size_t n = strlen(r->prefix);
    if (r->prefix[n - 1] == '/' && n > 1)
        return !strncmp(path, r->prefix, n) && path[n];
    return !strcmp(path, r->prefix);
}

int pb_web_route_slot(const char *path)
{
    for (const struct route *r = routes; r->prefix; r++)
        if (takes(r, path))
            return (int)(r - routes);
    return PB_WEB_ROUTE_NONE;
}

int pb_web_route_pattern(int slot, char *buf, size_t cap)
{
    if (slot == PB_WEB_ROUTE_NONE) {
        snprintf(buf, cap, "other");
        return 0;
    }
    if (slot < 0 || slot >= (int)(sizeof routes / sizeof routes[0]) - 1)
        return -1;
    for (int i = 0; i < slot; i++)
        if (!strcmp(routes[i].prefix, routes[slot].prefix))
            return -1;
    const char *p = routes[slot].prefix;
    size_t n = strlen(p);
    snprintf(buf, cap, "%s%s", p, n > 1 && p[n - 1] == '/' ? "*" : "");
    return 0;
}

const char *pb_web_arg(const struct pb_web_req *rq, const char *key)
{
    for (size_t i = 0; i < rq->n_args; i++)
        if (!strcmp(rq->args[i].key, key))
            return rq->args[i].value ? rq->args[i].value : "";
    return NULL;
}

int pb_web_fail(struct pb_web_resp *rs, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rs->status = status;
    vsnprintf(rs->msg, sizeof rs->msg, fmt, ap);
    va_end(ap);
    return PB_OK;
}

void pb_web_resp_init(struct pb_web_resp *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->status = 200;
    pb_buf_init(&rs->body, PB_WEB_MAX_BODY);
}

void pb_web_resp_clear(struct pb_web_resp *rs)
{
    pb_buf_clear(&rs->body);
}

static const char *reason(int status)
{
    switch (status) {
    case 400: return "Bad request";
    case 404: return "Not found";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 405: return "Method not allowed";
    case 409: return "Conflict";
    case 415: return "Unsupported media type";
    case 429: return "Too many requests";
    case 413: return "Request too large";
    case 431: return "Request header fields too large";
    case 503: return "Service unavailable";
    default: return status >= 500 ? "Server error" : "Error";
    }
}

void pb_web_render_error(const struct pb_web_req *rq, struct pb_web_resp *rs)
{
    struct pb_buf *b = &rs->body;
    int rc = PB_OK;
    pb_buf_reset(b);
    rs->cache = "no-store";
    if (!rs->msg[0])
        snprintf(rs->msg, sizeof rs->msg, "%s", reason(rs->status));
    if (rs->fmt == PB_FMT_JSON) {
        rs->type = "application/json";
        /* msg may hold request text: escape for JSON by hand, minimal */
        rc = pb_buf_puts(b, "{\"error\":\"");
        for (const char *c = rs->msg; *c && !rc; c++) {
            unsigned char u = (unsigned char)*c;
            if (u == '"' || u == '\\')
                rc = pb_buf_printf(b, "\\%c", u);
            else if (u < 0x20 || u == '<' || u == '>' || u == '&')
                rc = pb_buf_printf(b, "\\u%04x", u);
            else
                rc = pb_buf_putc(b, (char)u);
        }
        if (!rc)
            rc = pb_buf_printf(b, "\",\"status\":%d}\n", rs->status);
    } else if (rs->fmt == PB_FMT_TEXT) {
        rs->type = "text/plain; charset=utf-8";
        rc = pb_buf_printf(b, "%d %s: %s\n", rs->status, reason(rs->status),
                           rs->msg);
    } else {
        rs->type = "text/html; charset=utf-8";
        if (!(rc = pb_web_html_head(b, rq, reason(rs->status), NULL, NULL)) &&
            !(rc = pb_buf_printf(b, "<div class=\"head\"><h1>%d \xC2\xB7 %s"
                                    "</h1></div><div class=\"prose\"><p>",
                                 rs->status, reason(rs->status))) &&
            !(rc = pb_web_html_s(b, rs->msg)))
            rc = pb_buf_puts(
                b, "</p><p>Try <a href=\"/\">today's papers</a>, "
                   "<a href=\"/trending\">trending papers</a>, or search "
                   "with the box above. Days look like "
                   "<code>/date/2024-06-03</code>, weeks like "
                   "<code>/week/2024-W23</code> and months like "
                   "<code>/month/2024-06</code>.</p></div>");
        if (!rc)
            rc = pb_web_html_foot(b);
    }
    if (rc) { /* a message too big to print: say less */
        pb_buf_reset(b);
        rs->type = "text/plain; charset=utf-8";
        if (pb_buf_puts(b, "error\n"))
            rs->status = 500;
    }
}

void pb_web_route(struct pb_web_req *rq, struct pb_web_resp *rs)
{
    const struct route *hit = NULL;
    const char *rest = "";
    for (const struct route *r = routes; r->prefix; r++) {
        if (takes(r, rq->path)) {
            size_t n = strlen(r->prefix);
            hit = r, rest = r->prefix[n - 1] == '/' && n > 1 ? rq->path + n
                                                             : "";
            break;
        }
    }
    if (!hit) {
        rs->fmt = !strncmp(rq->path, "/api/", 5) ? PB_FMT_JSON
                  : (!strncmp(rq->path, "/atom/", 6) ||
                     !strncmp(rq->path, "/rss/", 5))
                      ? PB_FMT_TEXT
                      : PB_FMT_HTML;
        pb_web_fail(rs, 404, "there is no page at this address");
        pb_web_render_error(rq, rs);
        return;
    }
    rs->fmt = hit->fmt;
    rs->type = hit->fmt == PB_FMT_JSON ? "application/json"
                                       : "text/html; charset=utf-8";
    rs->cache = "public, max-age=60";
    int rc = PB_OK;
    if (rq->post && !hit->post) {
        pb_web_fail(rs, 405, "this address only answers GET and HEAD");
    } else if (rq->post && hit->post == 1 && !pb_web_csrf_check(rq)) {
        if (rq->session_failed ||
            (rq->th && (pb_store_unavailable(rq->th->st) ||
                        pb_store_unavailable(rq->th->rw)))) {
            /* the session could not be read: not the form's fault */
            rc = PB_EDB;
        } else {
            /* no token, a wrong one, or one from before the last log-in */
            pb_web_fail(rs, 403, "this form has expired or did not come "
                                 "from this site: reload the page and try "
                                 "again");
        }
    } else {
        rc = hit->fn(rq, rest, rs);
    }
    if (rc) {
        rs->status = rc == PB_ENOTFOUND ? 404
                     : rc == PB_EINVAL  ? 400
                     : rc == PB_EPERM   ? 403
                                        : 500;
        if (rs->status == 500 &&
            (rq->session_failed ||
             (rq->th && (pb_store_unavailable(rq->th->st) ||
                         pb_store_unavailable(rq->th->rw))))) {
            /* the database is down (a restart, a network cut): nothing is
             * broken here, and the next request connects again */
            rs->status = 503;
            rs->retry_after = 5;
            rs->cache = "no-store";
            snprintf(rs->msg, sizeof rs->msg,
                     "the database cannot be reached right now; try again "
                     "in a few seconds");
        } else if (rs->status == 500) {
            snprintf(rs->msg, sizeof rs->msg,
                     "something went wrong on our side (%s)", pb_strerror(rc));
        }
    }
    /* a form page answering 4xx with its own body keeps it */
    if (rs->status >= 400 && (rc || !rs->body.len)) {
        rs->private_ |= rq->post;
        pb_web_render_error(rq, rs);
    }
}
