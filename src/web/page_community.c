/* page_community.c - upvotes, submissions, comments and moderation as
 * pages and forms; the community part of a paper's page. Every POST here
 * has passed the router's CSRF check; each handler checks who may act. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community/community.h"
#include "core/date.h"
#include "core/escape.h"
#include "web/html.h"
#include "web/web_fetch.h"
#include "web/web_int.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

#define COMMENT_MAX 10000

/* back=... when it is a local path; else dflt. */
static const char *back_path(const struct pb_web_req *rq, const char *dflt)
{
    const char *b = pb_web_form(rq, "back");
    if (!pb_web_local_path_ok(b))
        return dflt;
    return b;
}

/* Redirect to /papers/ID (plus an optional #fragment). */
static int to_paper(struct pb_web_resp *rs, const char *id, const char *frag)
{
    struct pb_buf u;
    pb_buf_init(&u, 400);
    int rc = pb_buf_puts(&u, "/papers/");
    if (!rc)
        rc = pb_web_url_s(&u, id);
    if (!rc && frag)
        rc = pb_buf_puts(&u, frag);
    if (!rc)
        rc = pb_web_redirect(rs, pb_buf_cstr(&u));
    pb_buf_clear(&u);
    return rc;
}

/* --- votes --------------------------------------------------------------- */

int pb_web_page_vote(struct pb_web_req *rq, const char *rest,
                     struct pb_web_resp *rs)
{
    if (!rq->post)
        return pb_web_fail(rs, 405, "vote with the button on a paper");
    if (pb_web_need_member(rq, rs))
        return PB_OK;
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    struct pb_paper p;
    int64_t pid = 0, local = 0;
    int on = 0;
    pb_paper_init(&p);
    int rc = pb_web_id_ok(rest) ? pb_store_paper_get(rq->th->rw, rest, &p, &pid)
                                : PB_ENOTFOUND;
    if (rc == PB_ENOTFOUND) {
        rc = pb_web_fail(rs, 404, "there is no such paper");
        goto out;
    }
    const char *v = pb_web_form(rq, "v");
    int want = !v ? -1 : !strcmp(v, "1") ? 1 : !strcmp(v, "0") ? 0 : -2;
    if (!rc && want == -2)
        rc = pb_web_fail(rs, 400, "v must be 1 or 0");
    else if (!rc)
        rc = pb_cmdb_vote(db, rq->me.id, pid, want, pb_web_now(rq), &on,
                          &local);
    if (!rc && rs->status < 400) {
        struct pb_buf u;
        pb_buf_init(&u, 400);
        if (pb_buf_puts(&u, "/papers/") || pb_web_url_s(&u, p.id))
            rc = PB_ETOOBIG;
        else
            rc = pb_web_redirect(rs, back_path(rq, pb_buf_cstr(&u)));
        pb_buf_clear(&u);
    }
out:
    pb_paper_clear(&p);
    return rc;
}

/* --- submissions --------------------------------------------------------- */

static int submit_form(struct pb_web_req *rq, struct pb_web_resp *rs,
                       const char *error, const char *value)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    TRY(pb_web_page_start(rq, rs, "Submit a paper"));
    if (error) {
        TRY(pb_buf_puts(b, "<p class=\"error\" role=\"alert\">"));
        TRY(pb_web_html_s(b, error));
        TRY(pb_buf_puts(b, "</p>"));
    }
    TRY(pb_buf_printf(b, "<p>Add a recent paper to today's list: give its "
                         "arXiv id or address. It must be %s, not "
                         "listed yet, and at most %d days old; each member "
                         "submits up to %d a day.</p>",
                      rq->site->fetch ? "on arXiv" : "known here",
                      rq->site->cm->submit_max_age_days,
                      rq->site->cm->submit_daily_cap));
    TRY(pb_buf_puts(b, "<form method=\"post\" action=\"/submit\">"));
    TRY(pb_web_csrf_input(b, rq));
    TRY(pb_buf_puts(b, "<p><label for=\"paper\">arXiv id or URL</label><br>"
                       "<input id=\"paper\" name=\"paper\" required "
                       "maxlength=\"300\" placeholder=\"2406.01234\" "
                       "value=\""));
    TRY(pb_web_html_s(b, value));
    TRY(pb_buf_puts(b, "\"></p><p><button type=\"submit\">Submit</button>"
                       "</p></form>"));
    TRY(pb_web_page_end(rs));
out:
    return rc;
}

/* The id inside what a member typed: an arXiv id or URL, or a
 * huggingface.co/papers/ID address. */
static int submitted_id(const char *s, char out[PB_MAX_ID])
{
    int version = 0;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '/'))
        len--;
    while (len && *s == ' ')
        s++, len--;
    if (!pb_arxiv_id_parse(s, len, out, &version))
        return PB_OK;
    const char *p = NULL;
    for (const char *c = s; (c = strstr(c, "/papers/")) && c < s + len; c++)
        p = c + 8;
    if (p && !pb_arxiv_id_parse(p, (size_t)(s + len - p), out, &version))
        return PB_OK;
    return PB_EINVAL;
}

/* Fetches of unknown papers per member per hour: each costs arXiv a
 * request and holds the one fetch slot. */
#define FETCH_RATE_N 10
#define FETCH_RATE_S 3600
#define FETCH_LIMITED (-1) /* fetch_unknown: the member's fetches ran out */

/* Ask arXiv for id (web_fetch.h): PB_OK when the store now has it,
 * PB_ENOTFOUND when arXiv does not know it, FETCH_LIMITED, or another rc when
 * arXiv could not be reached (logged). */
static int fetch_unknown(struct pb_web_req *rq, const char *id, int64_t now)
{
    char key[48];
    snprintf(key, sizeof key, "fetch:%" PRId64, rq->me.id);
    if (!pb_cm_rl_check(key, now, FETCH_RATE_N, FETCH_RATE_S))
        return FETCH_LIMITED;
    pb_cm_rl_add(key, now, FETCH_RATE_S);
    struct pb_err err;
    pb_err_clear(&err);
    int rc = pb_web_fetch_paper(rq->site->fetch, rq->th->rw, id, &err);
    if (rc && rc != PB_ENOTFOUND) {
        fprintf(stderr, "paperboy serve: fetching %s from arXiv: %s\n", id,
                err.msg[0] ? err.msg : pb_strerror(rc));
        fflush(stderr);
    }
    return rc;
}

int pb_web_page_submit(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    (void)rest;
    if (pb_web_need_member(rq, rs))
        return PB_OK;
    if (!rq->post)
        return submit_form(rq, rs, NULL, "");
    const struct pb_cm_config *cfg = rq->site->cm;
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    const char *in = pb_web_form(rq, "paper");
    char id[PB_MAX_ID], got[PB_MAX_ID] = "", day[11];
    if (!in || strlen(in) > 300 || submitted_id(in, id)) {
        int rc = submit_form(rq, rs, "That is not an arXiv id or address.",
                             in && strlen(in) <= 300 ? in : "");
        rs->status = 400;
        return rc;
    }
    int64_t now = pb_web_now(rq);
    pb_day_format(now, day);
    int rc = pb_cmdb_submit(db, id, rq->me.id, rq->me.name, day, now,
                            now - cfg->submit_max_age_days * 86400LL,
                            now - 86400, cfg->submit_daily_cap, got);
    int fetched = 0;
    if (rc == PB_ENOTFOUND && rq->site->fetch) {
        fetched = fetch_unknown(rq, id, now);
        if (fetched == PB_OK)
            rc = pb_cmdb_submit(db, id, rq->me.id, rq->me.name, day, now,
                                now - cfg->submit_max_age_days * 86400LL,
                                now - 86400, cfg->submit_daily_cap, got);
    }
    if (!rc)
        return to_paper(rs, got, NULL);
    char why[200];
    int status = 400;
    switch (rc) {
    case PB_ENOTFOUND:
        if (fetched == PB_ENOTFOUND) {
            snprintf(why, sizeof why, "arXiv does not know paper %s.", id);
        } else if (fetched == FETCH_LIMITED) {
            snprintf(why, sizeof why, "We do not know paper %s yet, and you "
                                      "have asked arXiv for %d unknown papers "
                                      "in the last hour: try later.",
                     id, FETCH_RATE_N);
            status = 429;
            break;
        } else if (fetched) {
            snprintf(why, sizeof why, "We do not know paper %s yet and "
                                      "could not reach arXiv, try again "
                                      "later.", id);
            status = 503;
            break;
        } else {
            snprintf(why, sizeof why, "We do not know paper %s yet.", id);
        }
        status = 404;
        break;
    case PB_EEXIST:
        snprintf(why, sizeof why, "Paper %s is already listed.", id);
        status = 409;
        break;
    case PB_EINVAL:
        snprintf(why, sizeof why, "Paper %s is older than %d days.", id,
                 cfg->submit_max_age_days);
        break;
    case PB_EBUSY:
        snprintf(why, sizeof why, "You have submitted %d papers in the last "
                                  "24 hours: that is the limit.",
                 cfg->submit_daily_cap);
        status = 429;
        break;
    default:
        return rc;
    }
    rc = submit_form(rq, rs, why, in);
    rs->status = status;
    return rc;
}

/* --- the paper page's part ----------------------------------------------- */

struct cctx {
    struct pb_web_req *rq;
    struct pb_buf *b;
    int64_t now;
    int n;
};

static int hidden_form(struct pb_buf *b, const char *name, const char *value)
{
    int rc = PB_OK;
    TRY(pb_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name));
    TRY(pb_web_html_s(b, value));
    TRY(pb_buf_puts(b, "\">"));
out:
    return rc;
}

/* A small POST form with one button. */
static int button(struct pb_buf *b, const struct pb_web_req *rq,
                  const char *action, const char *k, const char *v,
                  const char *label)
{
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\""));
    TRY(pb_web_html_s(b, action));
    TRY(pb_buf_puts(b, "\">"));
    TRY(pb_web_csrf_input(b, rq));
    if (k)
        TRY(hidden_form(b, k, v));
    TRY(pb_buf_puts(b, "<button type=\"submit\">"));
    TRY(pb_web_html_s(b, label));
    TRY(pb_buf_puts(b, "</button></form>"));
out:
    return rc;
}

static int comment_row(void *ctx, const struct pb_comment *c)
{
    struct cctx *x = ctx;
    struct pb_buf *b = x->b;
    struct pb_web_req *rq = x->rq;
    int rc = PB_OK, mod = rq->me.role >= PB_ROLE_MOD;
    char when[21], action[64];
    x->n++;
    pb_time_format(c->created, when);
    TRY(pb_buf_printf(b, "<li id=\"c%" PRId64 "\" class=\"comment%s\">"
                         "<p class=\"who\"><span class=\"author\">",
                      c->id, c->hidden ? " hidden" : ""));
    TRY(pb_web_html_s(b, c->author));
    TRY(pb_buf_printf(b, "</span> <time datetime=\"%s\">%.10s %.5s</time>%s"
                         "%s</p><div class=\"body\">",
                      when, when, when + 11, c->edited ? " (edited)" : "",
                      c->hidden ? " <strong>(hidden by a moderator)</strong>"
                                : ""));
    TRY(pb_cm_markdown(b, c->body, strlen(c->body)));
    TRY(pb_buf_puts(b, "</div>"));
    if (rq->me.id && (rq->me.id == c->member || mod)) {
        TRY(pb_buf_puts(b, "<p class=\"actions\">"));
        if (rq->me.id == c->member &&
            c->created >= x->now - rq->site->cm->comment_edit_s)
            TRY(pb_buf_printf(b, "<a href=\"/comments/%" PRId64 "/edit\">"
                                 "Edit</a> ",
                              c->id));
        snprintf(action, sizeof action, "/comments/%" PRId64 "/delete", c->id);
        TRY(button(b, rq, action, NULL, NULL, "Delete"));
        if (mod) {
            snprintf(action, sizeof action, "/comments/%" PRId64 "/hide",
                     c->id);
            TRY(button(b, rq, action, "hidden", c->hidden ? "0" : "1",
                       c->hidden ? "Show again" : "Hide"));
            if (c->member != rq->me.id) {
                struct pb_buf a;
                pb_buf_init(&a, 400);
                rc = pb_buf_puts(&a, "/mod/member/");
                if (!rc)
                    rc = pb_web_url_s(&a, c->author);
                if (!rc)
                    rc = pb_buf_puts(&a, "/suspend");
                if (!rc)
                    rc = button(b, rq, pb_buf_cstr(&a), "on", "1",
                                "Suspend author");
                pb_buf_clear(&a);
                if (rc)
                    goto out;
            }
        }
        TRY(pb_buf_puts(b, "</p>"));
    }
    TRY(pb_buf_puts(b, "</li>"));
out:
    return rc;
}

struct collctx {
    struct pb_buf *b;
    int n;
};

static int coll_option(void *ctx, const struct pb_collection *c)
{
    struct collctx *x = ctx;
    int rc = PB_OK;
    x->n++;
    TRY(pb_buf_printf(x->b, "<option value=\"%" PRId64 "\">", c->id));
    TRY(pb_web_html_s(x->b, c->name));
    TRY(pb_buf_puts(x->b, "</option>"));
out:
    return rc;
}

int pb_web_paper_community(struct pb_web_req *rq, struct pb_buf *b,
                           const struct pb_paper *p, int64_t pid)
{
    int rc = PB_OK;
    struct pb_cmdb *db = pb_web_cmdb(rq);
    struct pb_buf path;
    pb_buf_init(&path, 400);
    if (!db || !rq->site->cm)
        return PB_OK;
    TRY(pb_buf_puts(&path, "/papers/"));
    TRY(pb_web_url_s(&path, p->id));
    if (rq->me.id) {
        int on = 0;
        TRY(pb_cmdb_voted(db, rq->me.id, pid, &on));
        TRY(pb_buf_puts(b, "<section class=\"member\"><form class=\"vote\" "
                           "method=\"post\" action=\"/vote/"));
        TRY(pb_web_url_s(b, p->id));
        TRY(pb_buf_puts(b, "\">"));
        TRY(pb_web_csrf_input(b, rq));
        TRY(pb_buf_printf(b, "<button type=\"submit\" aria-pressed=\"%s\">"
                             "%s</button></form>",
                          on ? "true" : "false", on ? "Upvoted" : "Upvote"));
        struct collctx cx = {b, 0};
        TRY(pb_buf_puts(b, "<form class=\"inline\" method=\"post\" "
                           "action=\"/collections/add\">"));
        TRY(pb_web_csrf_input(b, rq));
        TRY(hidden_form(b, "paper", p->id));
        TRY(pb_buf_puts(b, "<label for=\"coll\">Add to collection</label> "
                           "<select id=\"coll\" name=\"coll\">"));
        TRY(pb_cmdb_coll_each(db, rq->me.id, 1, coll_option, &cx));
        TRY(pb_buf_puts(b, "</select> <button type=\"submit\">Add</button>"
                           "</form>"));
        if (!cx.n)
            TRY(pb_buf_puts(b, " <a href=\"/collections\">Make a collection"
                               "</a>"));
        if (rq->me.role >= PB_ROLE_MOD) {
            struct pb_paper_stats ps;
            TRY(pb_cmdb_stats(db, pid, &ps));
            struct pb_buf a;
            pb_buf_init(&a, 400);
            rc = pb_buf_puts(&a, "/mod/paper/");
            if (!rc)
                rc = pb_web_url_s(&a, p->id);
            if (!rc)
                rc = pb_buf_puts(&a, "/hide");
            if (!rc)
                rc = button(b, rq, pb_buf_cstr(&a), "hidden",
                            ps.hidden ? "0" : "1",
                            ps.hidden ? "Show in lists again"
                                      : "Hide from lists");
            pb_buf_clear(&a);
            if (rc)
                goto out;
        }
        TRY(pb_buf_puts(b, "</section>"));
    }
    TRY(pb_buf_puts(b, "<section class=\"comments\"><h2>Discussion</h2>"
                       "<ol class=\"comments\">"));
    struct cctx cc = {rq, b, pb_web_now(rq), 0};
    TRY(pb_cmdb_comment_each(db, pid, rq->me.role >= PB_ROLE_MOD, comment_row,
                             &cc));
    TRY(pb_buf_puts(b, "</ol>"));
    if (!cc.n)
        TRY(pb_buf_puts(b, "<p class=\"empty\">No comments yet.</p>"));
    if (rq->me.id) {
        TRY(pb_buf_puts(b, "<form method=\"post\" action=\"/comments/new\">"));
        TRY(pb_web_csrf_input(b, rq));
        TRY(hidden_form(b, "paper", p->id));
        TRY(pb_buf_printf(b, "<p><label for=\"body\">Your comment (Markdown)"
                             "</label><br><textarea id=\"body\" name=\"body\" "
                             "rows=\"5\" cols=\"60\" required maxlength=\"%d\">"
                             "</textarea></p><p><button type=\"submit\">"
                             "Comment</button></p></form>",
                          COMMENT_MAX));
    } else {
        TRY(pb_buf_puts(b, "<p><a href=\"/login?next="));
        TRY(pb_web_url_s(b, pb_buf_cstr(&path)));
        TRY(pb_buf_puts(b, "\">Log in</a> to vote and comment.</p>"));
    }
    TRY(pb_buf_puts(b, "</section>"));
out:
    pb_buf_clear(&path);
    return rc;
}

/* --- comments ------------------------------------------------------------ */

static int edit_form(struct pb_web_req *rq, struct pb_web_resp *rs,
                     const struct pb_comment *c)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    TRY(pb_web_page_start(rq, rs, "Edit your comment"));
    TRY(pb_buf_printf(b, "<form method=\"post\" action=\"/comments/%" PRId64
                         "/edit\">",
                      c->id));
    TRY(pb_web_csrf_input(b, rq));
    TRY(pb_buf_printf(b, "<p><label for=\"body\">Comment (Markdown)</label>"
                         "<br><textarea id=\"body\" name=\"body\" rows=\"8\" "
                         "cols=\"60\" required maxlength=\"%d\">",
                      COMMENT_MAX));
    TRY(pb_web_html_s(b, c->body));
    TRY(pb_buf_puts(b, "</textarea></p><p><button type=\"submit\">Save"
                       "</button></p></form>"));
    TRY(pb_web_page_end(rs));
out:
    return rc;
}

/* The paper id of pid, for redirects. */
static int paper_id(struct pb_web_req *rq, int64_t pid, char out[PB_MAX_ID])
{
    struct pb_paper p;
    pb_paper_init(&p);
    int rc = pb_store_paper_get_pid(rq->th->rw, pid, &p);
    if (!rc)
        snprintf(out, PB_MAX_ID, "%s", p.id);
    pb_paper_clear(&p);
    return rc;
}

static int comment_new(struct pb_web_req *rq, struct pb_web_resp *rs,
                       struct pb_cmdb *db)
{
    const struct pb_cm_config *cfg = rq->site->cm;
    const char *id = pb_web_form(rq, "paper"), *body = pb_web_form(rq, "body");
    struct pb_paper p;
    int64_t pid = 0, cid = 0, now = pb_web_now(rq);
    pb_paper_init(&p);
    int rc = id && pb_web_id_ok(id) ? pb_store_paper_get(rq->th->rw, id, &p,
                                                         &pid)
                                    : PB_ENOTFOUND;
    if (rc == PB_ENOTFOUND)
        rc = pb_web_fail(rs, 404, "there is no such paper");
    else if (!rc && !pb_cm_text_ok(body, COMMENT_MAX))
        rc = pb_web_fail(rs, 400, "a comment is 1 to %d bytes of text",
                         COMMENT_MAX);
    else if (!rc) {
        rc = pb_cmdb_comment_add(db, pid, rq->me.id, body, now,
                                 now - cfg->comment_rate_s,
                                 cfg->comment_rate_n, &cid);
        if (rc == PB_EBUSY)
            rc = pb_web_fail(rs, 429, "you are commenting fast: wait a "
                                      "minute and try again");
        else if (!rc) {
            char frag[32];
            snprintf(frag, sizeof frag, "#c%" PRId64, cid);
            rc = to_paper(rs, p.id, frag);
        }
    }
    pb_paper_clear(&p);
    return rc;
}

int pb_web_page_comment(struct pb_web_req *rq, const char *rest,
                        struct pb_web_resp *rs)
{
    if (pb_web_need_member(rq, rs))
        return PB_OK;
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    if (!strcmp(rest, "new"))
        return rq->post ? comment_new(rq, rs, db)
                        : pb_web_fail(rs, 405, "comment from a paper's page");
    const char *slash = strchr(rest, '/');
    int64_t cid = pb_web_parse_id(rest, slash ? (size_t)(slash - rest) : 0);
    const char *what = slash ? slash + 1 : "";
    struct pb_comment c;
    int64_t now = pb_web_now(rq);
    int mod = rq->me.role >= PB_ROLE_MOD;
    if (cid < 0)
        return pb_web_fail(rs, 404, "there is no such comment");
    int rc = pb_cmdb_comment_get(db, cid, &c);
    if (rc == PB_ENOTFOUND)
        return pb_web_fail(rs, 404, "there is no such comment");
    if (rc)
        return rc;
    char pid_s[PB_MAX_ID] = "";
    if ((rc = paper_id(rq, c.pid, pid_s)))
        goto out;
    if (!strcmp(what, "edit")) {
        int may = c.member == rq->me.id &&
                  c.created >= now - rq->site->cm->comment_edit_s;
        if (!may) {
            rc = pb_web_fail(rs, 403, "only its author can edit a comment, "
                                      "within %d minutes",
                             rq->site->cm->comment_edit_s / 60);
        } else if (!rq->post) {
            rc = edit_form(rq, rs, &c);
        } else {
            const char *body = pb_web_form(rq, "body");
            if (!pb_cm_text_ok(body, COMMENT_MAX))
                rc = pb_web_fail(rs, 400, "a comment is 1 to %d bytes of "
                                          "text",
                                 COMMENT_MAX);
            else if (!(rc = pb_cmdb_comment_edit(
                           db, cid, rq->me.id, body, now,
                           now - rq->site->cm->comment_edit_s))) {
                char frag[32];
                snprintf(frag, sizeof frag, "#c%" PRId64, cid);
                rc = to_paper(rs, pid_s, frag);
            }
        }
    } else if (!rq->post) {
        rc = pb_web_fail(rs, 405, "use the buttons under the comment");
    } else if (!strcmp(what, "delete")) {
        if (c.member != rq->me.id && !mod) {
            rc = pb_web_fail(rs, 403, "only its author or a moderator can "
                                      "delete a comment");
        } else if (!(rc = pb_cmdb_comment_delete(db, cid, rq->me.id, mod))) {
            char target[64];
            snprintf(target, sizeof target, "comment %" PRId64, cid);
            if (c.member != rq->me.id)
                rc = pb_cmdb_modlog(db, rq->me.name, "delete comment",
                                    target, now);
            if (!rc)
                rc = to_paper(rs, pid_s, "#comments");
        }
    } else if (!strcmp(what, "hide")) {
        const char *h = pb_web_form(rq, "hidden");
        int hide = !h || strcmp(h, "0");
        char target[64];
        snprintf(target, sizeof target, "comment %" PRId64, cid);
        if (!mod)
            rc = pb_web_fail(rs, 403, "only moderators hide comments");
        else if (!(rc = pb_cmdb_comment_hide(db, cid, hide)) &&
                 !(rc = pb_cmdb_modlog(db, rq->me.name,
                                       hide ? "hide comment" : "show comment",
                                       target, now)))
            rc = to_paper(rs, pid_s, "#comments");
    } else {
        rc = pb_web_fail(rs, 404, "there is no such page");
    }
    if (rc == PB_EPERM)
        rc = pb_web_fail(rs, 403, "you may not change this comment");
out:
    free(c.body);
    return rc;
}

/* --- moderation ---------------------------------------------------------- */

struct logctx {
    struct pb_buf *b;
    int n;
};

static int log_row(void *ctx, int64_t at, const char *actor,
                   const char *action, const char *target)
{
    struct logctx *x = ctx;
    char when[21];
    int rc = PB_OK;
    x->n++;
    pb_time_format(at, when);
    TRY(pb_buf_printf(x->b, "<tr><td><time>%s</time></td><td>", when));
    TRY(pb_web_html_s(x->b, actor));
    TRY(pb_buf_puts(x->b, "</td><td>"));
    TRY(pb_web_html_s(x->b, action));
    TRY(pb_buf_puts(x->b, "</td><td>"));
    TRY(pb_web_html_s(x->b, target));
    TRY(pb_buf_puts(x->b, "</td></tr>"));
out:
    return rc;
}

int pb_web_page_mod(struct pb_web_req *rq, const char *rest,
                    struct pb_web_resp *rs)
{
    int rc = PB_OK;
    if (pb_web_need_member(rq, rs))
        return PB_OK;
    if (rq->me.role < PB_ROLE_MOD)
        return pb_web_fail(rs, 403, "this is for moderators");
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    int64_t now = pb_web_now(rq);
    size_t n = strlen(rest);
    if (!strcmp(rest, "log") && !rq->post) {
        struct pb_buf *b = &rs->body;
        struct logctx x = {b, 0};
        TRY(pb_web_page_start(rq, rs, "Moderation log"));
        TRY(pb_buf_puts(b, "<table><thead><tr><th>When (UTC)</th><th>Who"
                           "</th><th>What</th><th>Target</th></tr></thead>"
                           "<tbody>"));
        TRY(pb_cmdb_modlog_each(db, 500, log_row, &x));
        TRY(pb_buf_puts(b, "</tbody></table>"));
        TRY(pb_web_page_end(rs));
        return PB_OK;
    }
    if (!rq->post)
        return pb_web_fail(rs, 405, "use the moderation buttons");
    if (!strncmp(rest, "paper/", 6) && n > 11 &&
        !strcmp(rest + n - 5, "/hide")) {
        char id[PB_MAX_ID];
        size_t il = n - 11;
        if (il >= sizeof id)
            return pb_web_fail(rs, 404, "there is no such paper");
        memcpy(id, rest + 6, il);
        id[il] = '\0';
        struct pb_paper p;
        int64_t pid = 0;
        pb_paper_init(&p);
        rc = pb_web_id_ok(id) ? pb_store_paper_get(rq->th->rw, id, &p, &pid)
                              : PB_ENOTFOUND;
        const char *h = pb_web_form(rq, "hidden");
        if (rc == PB_ENOTFOUND)
            rc = pb_web_fail(rs, 404, "there is no such paper");
        else if (!rc &&
                 !(rc = pb_cmdb_paper_hide(db, pid, !h || strcmp(h, "0"),
                                           rq->me.name, p.id, now)))
            rc = to_paper(rs, p.id, NULL);
        pb_paper_clear(&p);
        return rc;
    }
    if (!strncmp(rest, "member/", 7) && n > 15 &&
        !strcmp(rest + n - 8, "/suspend")) {
        char name[PB_CM_NAME_MAX + 1];
        size_t nl = n - 15;
        if (nl >= sizeof name)
            return pb_web_fail(rs, 404, "there is no such member");
        memcpy(name, rest + 7, nl);
        name[nl] = '\0';
        struct pb_member m;
        const char *on = pb_web_form(rq, "on");
        int suspend = !on || strcmp(on, "0");
        rc = pb_cmdb_member_get(db, name, &m, NULL);
        if (rc == PB_ENOTFOUND)
            return pb_web_fail(rs, 404, "there is no such member");
        if (rc)
            return rc;
        if (m.role >= rq->me.role || m.id == rq->me.id)
            return pb_web_fail(rs, 403, "moderators suspend members below "
                                        "their own role");
        if (!(rc = pb_cmdb_member_set_disabled(db, m.id, suspend)) &&
            !(rc = pb_cmdb_modlog(db, rq->me.name,
                                  suspend ? "suspend member"
                                          : "reinstate member",
                                  m.name, now)))
            rc = pb_web_redirect(rs, back_path(rq, "/mod/log"));
        return rc;
    }
    return pb_web_fail(rs, 404, "there is no such moderation action");
out:
    return rc;
}
