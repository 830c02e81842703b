/* api_community.c - the community's JSON API: POST /api/vote/ID (with
 * X-CSRF-Token, optional v=1|0, else a toggle) and GET /api/me (who is
 * logged in, and the CSRF token API calls carry). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_int.h"

static int send(struct pb_web_resp *rs, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ESCAPE_SLASH) : NULL;
    json_decref(o);
    if (!s)
        return PB_ENOMEM;
    rs->private_ = 1;
    rs->type = "application/json";
    int rc = pb_buf_puts(&rs->body, s);
    free(s);
    return rc ? rc : pb_buf_putc(&rs->body, '\n');
}

int pb_web_api_me(struct pb_web_req *rq, const char *rest,
                  struct pb_web_resp *rs)
{
    (void)rest;
    static const char *const roles[] = {"user", "moderator", "admin"};
    rs->private_ = 1;
    if (!rq->me.id)
        return pb_web_fail(rs, 401, "not logged in");
    int r = rq->me.role >= 0 && rq->me.role <= 2 ? rq->me.role : 0;
    return send(rs, json_pack("{s:s, s:s, s:s}", "name", rq->me.name, "role",
                              roles[r], "csrf", rq->csrf));
}

int pb_web_api_vote(struct pb_web_req *rq, const char *rest,
                    struct pb_web_resp *rs)
{
    rs->private_ = 1;
    if (!rq->post)
        return pb_web_fail(rs, 405, "POST to vote");
    if (!rq->me.id)
        return pb_web_fail(rs, 401, "not logged in");
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    const char *v = pb_web_form(rq, "v");
    int want = !v ? -1 : !strcmp(v, "1") ? 1 : !strcmp(v, "0") ? 0 : -2;
    if (want == -2)
        return pb_web_fail(rs, 400, "v must be 1 or 0");
    struct pb_paper p;
    int64_t pid = 0, local = 0;
    int on = 0;
    pb_paper_init(&p);
    int rc = pb_web_id_ok(rest) ? pb_store_paper_get(rq->th->rw, rest, &p, &pid)
                                : PB_ENOTFOUND;
    if (rc == PB_ENOTFOUND)
        rc = pb_web_fail(rs, 404, "paper not found");
    else if (!rc &&
             !(rc = pb_cmdb_vote(db, rq->me.id, pid, want, pb_web_now(rq), &on,
                                 &local)))
        rc = send(rs, json_pack("{s:s, s:b, s:I, s:I}", "id", p.id, "voted",
                                on, "localUpvotes", (json_int_t)local,
                                "upvotes",
                                (json_int_t)((p.upvotes > 0 ? p.upvotes : 0) +
                                             local)));
    pb_paper_clear(&p);
    return rc;
}
