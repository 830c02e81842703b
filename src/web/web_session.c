/* web_session.c - who is logged in, CSRF checks, the community's
 * read-write store per thread, small response helpers (see web_int.h). */
#include <stdio.h>
#include <string.h>

#include "community/community.h"
#include "core/mem.h"
#include "core/escape.h"
#include "web/html.h"
#include "web/web_int.h"
#include "web/web_replica.h"

struct pb_cmdb *pb_web_cmdb(struct pb_web_req *rq)
{
    struct pb_web_thread *t = rq->th;
    if (!t)
        return NULL;
    if (!t->cmdb) {
        struct pb_err err = {0};
        if (pb_store_open(rq->site->db_path, 0, &t->rw, &err)) {
            fprintf(stderr, "paperboy serve: %s\n", err.msg);
            return NULL;
        }
        pb_web_replica_attach(rq->site, t->rw);
        t->cmdb = pb_cmdb_new(t->rw);
    }
    return t->cmdb;
}

int64_t pb_web_now(const struct pb_web_req *rq)
{
    return pb_cm_now(rq->site->cm ? rq->site->cm->clock : NULL);
}

void pb_web_session_load(struct pb_web_req *rq)
{
    unsigned char h[32];
    memset(&rq->me, 0, sizeof rq->me);
    rq->csrf[0] = '\0';
    rq->session_failed = 0;
    if (rq->cookie_session &&
        !pb_cm_token_hash(rq->cookie_session, h)) {
        struct pb_cmdb *db = pb_web_cmdb(rq);
        int rc = db ? pb_cmdb_session_get(db, h, pb_web_now(rq), &rq->me)
                    : PB_EDB;
        if (!rc) {
            pb_cm_csrf(rq->cookie_session, rq->csrf);
            return;
        }
        /* remembered here: by the time a form is checked the connection
         * may be back, and its state no longer tells */
        rq->session_failed = rc != PB_ENOTFOUND;
        memset(&rq->me, 0, sizeof rq->me);
    }
    /* a visitor's forms (log in, sign up) are bound to the pre-session
     * cookie those pages set */
    if (rq->cookie_pre && !pb_cm_token_hash(rq->cookie_pre, h))
        pb_cm_csrf(rq->cookie_pre, rq->csrf);
}

const char *pb_web_form(const struct pb_web_req *rq, const char *key)
{
    for (size_t i = 0; i < rq->n_form; i++)
        if (!strcmp(rq->form[i].key, key))
            return rq->form[i].value;
    return NULL;
}

int pb_web_csrf_check(const struct pb_web_req *rq)
{
    const char *given = pb_web_form(rq, "csrf");
    if (!given)
        given = rq->csrf_header;
    return rq->csrf[0] && pb_cm_csrf_ok(rq->csrf, given);
}

int pb_web_csrf_input(struct pb_buf *b, const struct pb_web_req *rq)
{
    if (!rq->csrf[0])
        return PB_OK;
    /* 64 hex digits: nothing to escape */
    return pb_buf_printf(b, "<input type=\"hidden\" name=\"csrf\" "
                            "value=\"%s\">",
                         rq->csrf);
}

void pb_web_set_cookie(struct pb_web_resp *rs, const char *value)
{
    for (size_t i = 0; i < sizeof rs->cookies / sizeof rs->cookies[0]; i++)
        if (!rs->cookies[i][0]) {
            snprintf(rs->cookies[i], sizeof rs->cookies[i], "%s", value);
            return;
        }
}

int pb_web_redirect(struct pb_web_resp *rs, const char *path)
{
    /* only our own paths: "/x" but not "//host", "/\\host", "/\t/host" */
    if (!pb_web_local_path_ok(path) || strlen(path) >= sizeof rs->location)
        path = "/";
    snprintf(rs->location, sizeof rs->location, "%s", path);
    rs->status = 303;
    rs->private_ = 1;
    rs->type = "text/plain; charset=utf-8";
    pb_buf_reset(&rs->body);
    return pb_buf_puts(&rs->body, "See Other\n");
}

void pb_web_fill_counts(struct pb_web_req *rq, struct pb_feed_list *l)
{
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (db && pb_cmdb_fill_counts(db, l))
        fprintf(stderr, "paperboy serve: cannot read local counts\n");
}

int pb_web_page_start(struct pb_web_req *rq, struct pb_web_resp *rs,
                      const char *title)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    if ((rc = pb_web_html_head(b, rq, title, NULL, NULL)) ||
        (rc = pb_buf_puts(b, "<div class=\"head\"><h1>")) ||
        (rc = pb_web_html_s(b, title)))
        return rc;
    return pb_buf_puts(b, "</h1></div><div class=\"prose\">");
}

int pb_web_page_end(struct pb_web_resp *rs)
{
    int rc = pb_buf_puts(&rs->body, "</div>");
    return rc ? rc : pb_web_html_foot(&rs->body);
}

int pb_web_need_member(struct pb_web_req *rq, struct pb_web_resp *rs)
{
    if (rq->me.id)
        return 0;
    rs->private_ = 1;
    if (rq->post) {
        pb_web_fail(rs, 403, "log in first");
        return 1;
    }
    struct pb_buf to;
    pb_buf_init(&to, 600);
    if (pb_buf_puts(&to, "/login?next=") || pb_web_url_s(&to, rq->path) ||
        pb_web_redirect(rs, pb_buf_cstr(&to)))
        pb_web_redirect(rs, "/login");
    pb_buf_clear(&to);
    return 1;
}

void pb_web_cookie(struct pb_web_req *rq, struct pb_web_resp *rs,
                   const char *name, const char *value, int max_age)
{
    char c[160];
    snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Lax; "
                          "Max-Age=%d%s",
             name, value ? value : "", value ? max_age : 0,
             rq->site->cm && rq->site->cm->behind_tls ? "; Secure" : "");
    pb_web_set_cookie(rs, c);
}
