/* page_foryou.c - "For you": a member's recommendations as cards with a
 * "Not interested" button, the papers so marked with "Undo", and the JSON
 * of GET /api/for-you and POST /api/for-you/not-interested/ID
 * (web_foryou.h). The list is pb_member_recs()'s, the
 * same the CLI (`recommend --user`) and the digest use. */
#include "web/web_foryou.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "rank/member_recs.h"
#include "core/escape.h"
#include "web/html.h"
#include "web/web_similar.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

#define DISMISSED_SHOWN 50 /* "Not interested" papers listed on the page */

/* The papers of r[0..n) into l (and their scores into scores, when not
 * NULL), skipping any the store no longer gives. */
static void load(struct pb_web_req *rq, const struct pb_ranked *r, size_t n,
                 struct pb_feed_list *l, double *scores)
{
    l->v = pb_calloc(n ? n : 1, sizeof *l->v);
    l->pid = pb_calloc(n ? n : 1, sizeof *l->pid);
    for (size_t i = 0; i < n; i++) {
        pb_paper_init(&l->v[l->n]);
        if (pb_store_paper_get_pid(rq->th->st, r[i].key, &l->v[l->n]) ==
            PB_OK) {
            if (scores)
                scores[l->n] = r[i].score;
            l->pid[l->n++] = r[i].key;
        } else {
            pb_paper_clear(&l->v[l->n]);
        }
    }
}

/* The member's recommendations into l; rc of pb_member_recs(). */
static int recs(struct pb_web_req *rq, const struct pb_vecset *vs, size_t k,
                struct pb_feed_list *l, double *scores)
{
    struct pb_ranked *r = pb_calloc(k ? k : 1, sizeof *r);
    size_t n = 0;
    int rc = pb_member_recs(rq->th->st, vs, rq->me.id, k, r, &n);
    if (!rc)
        load(rq, r, n, l, scores);
    free(r);
    return rc;
}

/* How many papers the member liked (upvoted or collected), to say why the
 * page is empty; 0 on a store error too. */
static size_t n_liked(struct pb_web_req *rq)
{
    struct pb_cmdb *db = pb_web_cmdb(rq);
    size_t total = 0;
    for (int which = PB_MARK_UPVOTED; db && which <= PB_MARK_COLLECTED;
         which++) {
        int64_t *v = NULL;
        size_t n = 0;
        if (!pb_cmdb_member_pids(db, rq->me.id, which, PB_CM_MARKS_MAX, &v,
                                 &n))
            total += n;
        free(v);
    }
    return total;
}

/* A card's "Not interested" button (ctx points to 1), or "Undo" (0): a
 * form, so it works without JavaScript, that comes back to this page. */
static int mark_form(void *ctx, struct pb_buf *b, struct pb_web_req *rq,
                     const struct pb_paper *p, int64_t pid)
{
    (void)pid;
    int on = *(const int *)ctx, rc = PB_OK;
    TRY(pb_buf_puts(b, "<li><form class=\"dismiss\" method=\"post\" "
                       "action=\"/for-you/not-interested/"));
    TRY(pb_web_url_s(b, p->id));
    TRY(pb_buf_puts(b, "\">"));
    TRY(pb_web_csrf_input(b, rq));
    TRY(pb_buf_puts(b, "<input type=\"hidden\" name=\"back\" value=\""));
    TRY(pb_web_html_s(b, rq->path));
    TRY(pb_buf_puts(b, "\">"));
    if (!on)
        TRY(pb_buf_puts(b, "<input type=\"hidden\" name=\"v\" value=\"0\">"));
    TRY(pb_buf_puts(b, on ? "<button type=\"submit\">Not interested</button>"
                          : "<button type=\"submit\">Undo not interested"
                            "</button>"));
    TRY(pb_buf_puts(b, "</form></li>"));
out:
    return rc;
}

static int dismissed_section(struct pb_web_req *rq, struct pb_buf *b)
{
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    int rc = pb_cmdb_member_papers(db, rq->me.id, PB_MARK_DISMISSED, 0,
                                   DISMISSED_SHOWN, &l);
    if (rc || !l.n)
        goto out;
    static const int undo = 0;
    TRY(pb_buf_printf(b, "<section class=\"dismissed\"><h2>Not interested"
                         "</h2><p>%s papers you marked not interested; they "
                         "count against what they are about.</p>",
                      l.more ? "The newest" : "The"));
    TRY(pb_web_html_cards_ex(b, rq, &l, "", mark_form, (void *)&undo));
    TRY(pb_buf_puts(b, "</section>"));
out:
    pb_feed_list_clear(&l);
    return rc;
}

int pb_web_page_foryou(struct pb_web_req *rq, const char *rest,
                       struct pb_web_resp *rs)
{
    (void)rest;
    rs->private_ = 1;
    if (pb_web_need_member(rq, rs))
        return PB_OK;
    struct pb_buf *b = &rs->body;
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    int rc = PB_OK;
    const struct pb_vecset *vs = pb_web_vecset(rq);
    TRY(pb_web_page_start(rq, rs, "For you"));
    int got = vs ? recs(rq, vs, PB_WEB_FORYOU_N, &l, NULL) : PB_EUNSUP;
    if (got == PB_EUNSUP) {
        TRY(pb_buf_puts(b, "<p class=\"empty\">Suggestions need paper "
                           "vectors, and this server has none yet: its "
                           "administrator makes them with <code>paperboy "
                           "train-vectors</code> and <code>paperboy "
                           "embed</code>.</p>"));
    } else if (got == PB_ENOTFOUND && !n_liked(rq)) {
        TRY(pb_buf_puts(b, "<p class=\"empty\">Nothing to go on yet: upvote "
                           "papers you like, or add them to a collection, "
                           "and this page will suggest papers like them. "
                           "Start with <a href=\"/trending\">trending "
                           "papers</a> or <a href=\"/\">today's papers</a>."
                           "</p>"));
    } else if (got == PB_ENOTFOUND) {
        TRY(pb_buf_puts(b, "<p class=\"empty\">The papers you upvoted or "
                           "collected are newer than this server's paper "
                           "vectors: suggestions will come once they are "
                           "embedded (<code>paperboy embed</code>).</p>"));
    } else if (got) {
        rc = got;
        goto out;
    } else {
        static const int dismiss = 1;
        pb_web_fill_counts(rq, &l);
        TRY(pb_buf_puts(b, "<p>Papers like the ones you upvoted or "
                           "collected, best first. <em>Not interested</em> "
                           "takes one away and teaches the list what you "
                           "would rather not see.</p>"));
        TRY(pb_web_html_cards_ex(b, rq, &l, "Nothing more to suggest.",
                                 mark_form, (void *)&dismiss));
    }
    TRY(dismissed_section(rq, b));
    TRY(pb_web_page_end(rs));
out:
    pb_feed_list_clear(&l);
    return rc;
}

/* Mark (on 1) or unmark (0) paper id "not interested" for the member;
 * the paper's id as the store spells it into out_id. PB_ENOTFOUND for an
 * unknown paper. */
static int mark(struct pb_web_req *rq, const char *id, int on,
                char out_id[PB_MAX_ID])
{
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    struct pb_paper p;
    int64_t pid = 0;
    pb_paper_init(&p);
    int rc = pb_web_id_ok(id) ? pb_store_paper_get(rq->th->rw, id, &p, &pid)
                              : PB_ENOTFOUND;
    if (!rc) {
        snprintf(out_id, PB_MAX_ID, "%s", p.id);
        rc = pb_cmdb_dismiss(db, rq->me.id, pid, on, pb_web_now(rq));
    }
    pb_paper_clear(&p);
    return rc;
}

/* v=1 (or none) marks, v=0 clears; -1 for anything else */
static int want_mark(const struct pb_web_req *rq)
{
    const char *v = pb_web_form(rq, "v");
    return !v || !strcmp(v, "1") ? 1 : !strcmp(v, "0") ? 0 : -1;
}

int pb_web_page_foryou_mark(struct pb_web_req *rq, const char *rest,
                            struct pb_web_resp *rs)
{
    rs->private_ = 1;
    static const char prefix[] = "not-interested/";
    if (strncmp(rest, prefix, sizeof prefix - 1))
        return pb_web_fail(rs, 404, "there is no page at this address");
    if (!rq->post)
        return pb_web_fail(rs, 405, "use the Not interested button of a "
                                    "paper on your For you page");
    if (pb_web_need_member(rq, rs))
        return PB_OK;
    int on = want_mark(rq);
    if (on < 0)
        return pb_web_fail(rs, 400, "v must be 1 or 0");
    char id[PB_MAX_ID];
    int rc = mark(rq, rest + sizeof prefix - 1, on, id);
    if (rc == PB_ENOTFOUND)
        return pb_web_fail(rs, 404, "there is no such paper");
    if (rc)
        return rc;
    /* back to the page the button was on; only a local path */
    const char *back = pb_web_form(rq, "back");
    return pb_web_redirect(rs, pb_web_local_path_ok(back) ? back : "/for-you");
}

static int send_json(struct pb_web_resp *rs, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ESCAPE_SLASH) : NULL;
    json_decref(o);
    if (!s)
        return PB_ENOMEM;
    int rc = pb_buf_puts(&rs->body, s);
    free(s);
    return rc ? rc : pb_buf_putc(&rs->body, '\n');
}

int pb_web_api_foryou(struct pb_web_req *rq, const char *rest,
                      struct pb_web_resp *rs)
{
    (void)rest;
    rs->private_ = 1;
    if (!rq->me.id)
        return pb_web_fail(rs, 401, "not logged in");
    long k = 20;
    const char *lim = pb_web_arg(rq, "limit");
    if (lim) {
        char *end;
        k = strtol(lim, &end, 10);
        if (!*lim || *end || k < 1 || k > PB_WEB_FORYOU_API_MAX)
            return pb_web_fail(rs, 400, "limit must be a number from 1 to %d",
                               PB_WEB_FORYOU_API_MAX);
    }
    const struct pb_vecset *vs = pb_web_vecset(rq);
    if (!vs)
        return pb_web_fail(rs, 503, "no paper vectors on this server yet "
                                    "(paperboy train-vectors, embed)");
    struct pb_feed_list l;
    double scores[PB_WEB_FORYOU_API_MAX];
    pb_feed_list_init(&l);
    int rc = recs(rq, vs, (size_t)k, &l, scores);
    if (rc && rc != PB_ENOTFOUND)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:f}", "id", l.v[i].id, "title",
                         l.v[i].title ? l.v[i].title : "", "score",
                         scores[i]));
    json_t *o = json_pack("{s:s,s:o}", "member", rq->me.name, "papers", a);
    if (o && rc == PB_ENOTFOUND)
        json_object_set_new(o, "reason",
                            json_string("nothing upvoted or collected with "
                                        "a paper vector yet"));
    pb_feed_list_clear(&l);
    return send_json(rs, o);
}

int pb_web_api_foryou_mark(struct pb_web_req *rq, const char *rest,
                           struct pb_web_resp *rs)
{
    rs->private_ = 1;
    static const char prefix[] = "not-interested/";
    if (strncmp(rest, prefix, sizeof prefix - 1))
        return pb_web_fail(rs, 404, "there is nothing at this address");
    if (!rq->post)
        return pb_web_fail(rs, 405, "POST to mark a paper not interested");
    if (!rq->me.id)
        return pb_web_fail(rs, 401, "not logged in");
    int on = want_mark(rq);
    if (on < 0)
        return pb_web_fail(rs, 400, "v must be 1 or 0");
    char id[PB_MAX_ID];
    int rc = mark(rq, rest + sizeof prefix - 1, on, id);
    if (rc == PB_ENOTFOUND)
        return pb_web_fail(rs, 404, "paper not found");
    if (rc)
        return rc;
    return send_json(rs, json_pack("{s:s,s:b}", "id", id, "notInterested",
                                   on));
}
