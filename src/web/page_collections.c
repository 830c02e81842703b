/* page_collections.c - collections: named lists of papers, public or
 * private, exported as JSON and BibTeX. Only the owner changes one (the
 * store checks it in the same transaction); a private collection is
 * "not found" for everyone else. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community/community.h"
#include "core/escape.h"
#include "web/html.h"
#include "web/web_int.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

#define NAME_MAX_BYTES 100

static int name_ok(const char *name)
{
    return pb_cm_text_ok(name, NAME_MAX_BYTES) && !strpbrk(name, "\r\n\t");
}

static int coll_row(void *ctx, const struct pb_collection *c)
{
    struct pb_buf *b = ctx;
    int rc = PB_OK;
    TRY(pb_buf_printf(b, "<li><a href=\"/collections/%" PRId64 "\">", c->id));
    TRY(pb_web_html_s(b, c->name));
    TRY(pb_buf_printf(b, "</a> \xC2\xB7 %" PRId64 " paper%s \xC2\xB7 %s</li>",
                      c->n_items, c->n_items == 1 ? "" : "s",
                      c->public_ ? "public" : "private"));
out:
    return rc;
}

static int index_page(struct pb_web_req *rq, struct pb_web_resp *rs,
                      struct pb_cmdb *db, const char *error)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    TRY(pb_web_page_start(rq, rs, "Your collections"));
    if (error) {
        TRY(pb_buf_puts(b, "<p class=\"error\" role=\"alert\">"));
        TRY(pb_web_html_s(b, error));
        TRY(pb_buf_puts(b, "</p>"));
    }
    TRY(pb_buf_puts(b, "<ul class=\"collections\">"));
    TRY(pb_cmdb_coll_each(db, rq->me.id, 1, coll_row, b));
    TRY(pb_buf_puts(b, "</ul><h2>New collection</h2><form method=\"post\" "
                       "action=\"/collections\">"));
    TRY(pb_web_csrf_input(b, rq));
    TRY(pb_buf_printf(b, "<p><label for=\"cname\">Name</label><br><input "
                         "id=\"cname\" name=\"name\" required maxlength="
                         "\"%d\"></p><p><input id=\"public\" name=\"public\" "
                         "type=\"checkbox\" value=\"1\"> <label for=\"public\">"
                         "Public (anyone with the link can see it)</label>"
                         "</p><p><button type=\"submit\">Create</button></p>"
                         "</form>",
                      NAME_MAX_BYTES));
    TRY(pb_web_page_end(rs));
out:
    return rc;
}

static int button(struct pb_buf *b, const struct pb_web_req *rq,
                  const char *action, const char *paper, const char *label)
{
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\""));
    TRY(pb_web_html_s(b, action));
    TRY(pb_buf_puts(b, "\">"));
    TRY(pb_web_csrf_input(b, rq));
    if (paper) {
        TRY(pb_buf_puts(b, "<input type=\"hidden\" name=\"paper\" value=\""));
        TRY(pb_web_html_s(b, paper));
        TRY(pb_buf_puts(b, "\">"));
    }
    TRY(pb_buf_puts(b, "<button type=\"submit\">"));
    TRY(pb_web_html_s(b, label));
    TRY(pb_buf_puts(b, "</button></form>"));
out:
    return rc;
}

static int view_page(struct pb_web_req *rq, struct pb_web_resp *rs,
                     struct pb_cmdb *db, const struct pb_collection *c)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    struct pb_feed_list l;
    char base[48];
    int mine = rq->me.id && rq->me.id == c->member;
    pb_feed_list_init(&l);
    snprintf(base, sizeof base, "/collections/%" PRId64, c->id);
    TRY(pb_cmdb_coll_papers(db, c->id, &l));
    pb_web_fill_counts(rq, &l);
    rs->private_ = 1;
    TRY(pb_web_page_start(rq, rs, c->name));
    TRY(pb_buf_puts(b, "<p class=\"sub\">By "));
    TRY(pb_web_html_s(b, c->owner));
    TRY(pb_buf_printf(b, " \xC2\xB7 %s \xC2\xB7 export as <a href=\"%s.json\">"
                         "JSON</a> or <a href=\"%s.bib\">BibTeX</a> \xC2\xB7 "
                         "<a href=\"/subscribe?collections=%" PRId64 "#email\">"
                         "its new papers by e-mail</a></p>",
                      c->public_ ? "public" : "private", base, base, c->id));
    if (mine) {
        char act[64];
        snprintf(act, sizeof act, "%s/rename", base);
        TRY(pb_buf_puts(b, "<form method=\"post\" action=\""));
        TRY(pb_buf_puts(b, act));
        TRY(pb_buf_puts(b, "\">"));
        TRY(pb_web_csrf_input(b, rq));
        TRY(pb_buf_printf(b, "<label for=\"cname\">Name</label> <input "
                             "id=\"cname\" name=\"name\" required maxlength="
                             "\"%d\" value=\"",
                          NAME_MAX_BYTES));
        TRY(pb_web_html_s(b, c->name));
        TRY(pb_buf_printf(b, "\"> <input id=\"public\" name=\"public\" "
                             "type=\"checkbox\" value=\"1\"%s> <label "
                             "for=\"public\">Public</label> <button "
                             "type=\"submit\">Save</button></form>",
                          c->public_ ? " checked" : ""));
        snprintf(act, sizeof act, "%s/delete", base);
        TRY(button(b, rq, act, NULL, "Delete this collection"));
    }
    TRY(pb_buf_puts(b, "</div>"));
    TRY(pb_web_html_cards_rq(b, rq, &l, "No papers in this collection yet."));
    if (mine && l.n) {
        char act[64];
        snprintf(act, sizeof act, "%s/remove", base);
        TRY(pb_buf_puts(b, "<div class=\"prose\"><h2>Remove</h2><ul>"));
        for (size_t i = 0; i < l.n; i++) {
            TRY(pb_buf_puts(b, "<li>"));
            TRY(pb_web_html_s(b, l.v[i].id));
            TRY(pb_buf_puts(b, " "));
            TRY(button(b, rq, act, l.v[i].id, "Remove"));
            TRY(pb_buf_puts(b, "</li>"));
        }
        TRY(pb_buf_puts(b, "</ul>"));
    } else {
        TRY(pb_buf_puts(b, "<div>"));
    }
    TRY(pb_web_page_end(rs));
out:
    pb_feed_list_clear(&l);
    return rc;
}

static int export_json(struct pb_web_resp *rs, const struct pb_collection *c,
                       const struct pb_feed_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++) {
        const struct pb_paper *p = &l->v[i];
        json_t *au = json_array();
        for (size_t j = 0; j < p->authors.n; j++)
            json_array_append_new(au, json_string(p->authors.v[j]));
        json_t *o = json_pack("{s:s, s:s, s:o, s:I}", "id", p->id, "title",
                              p->title ? p->title : "", "authors", au,
                              "upvotes", (json_int_t)(p->upvotes > 0
                                                          ? p->upvotes
                                                          : 0));
        if (o)
            json_array_append_new(a, o);
    }
    json_t *o = json_pack("{s:I, s:s, s:s, s:b, s:o}", "id", (json_int_t)c->id,
                          "name", c->name, "owner", c->owner, "public",
                          c->public_, "papers", a);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_ESCAPE_SLASH) : NULL;
    json_decref(o);
    if (!s)
        return PB_ENOMEM;
    rs->type = "application/json";
    int rc = pb_buf_puts(&rs->body, s);
    free(s);
    return rc ? rc : pb_buf_putc(&rs->body, '\n');
}

static int export_bib(struct pb_web_resp *rs, const struct pb_feed_list *l)
{
    int rc = PB_OK;
    rs->type = "application/x-bibtex; charset=utf-8";
    for (size_t i = 0; i < l->n && !rc; i++) {
        if (i)
            rc = pb_buf_putc(&rs->body, '\n');
        if (!rc)
            rc = pb_cm_bibtex(&rs->body, &l->v[i]);
    }
    return rc;
}

/* Collection cid as rq's member may see it: PB_ENOTFOUND when there is none
 * or it is someone else's private one, so that every route answers both
 * alike (404) and tells no one which private collections exist. */
static int visible_coll(struct pb_web_req *rq, struct pb_cmdb *db,
                        int64_t cid, struct pb_collection *c)
{
    if (cid < 0)
        return PB_ENOTFOUND;
    int rc = pb_cmdb_coll_get(db, cid, c);
    if (!rc && !c->public_ && c->member != rq->me.id)
        rc = PB_ENOTFOUND;
    return rc;
}

/* POST /collections/add (coll, paper) and /collections/ID/{add,remove}. */
static int item_op(struct pb_web_req *rq, struct pb_web_resp *rs,
                   struct pb_cmdb *db, int64_t cid, int add)
{
    const char *id = pb_web_form(rq, "paper");
    struct pb_paper p;
    int64_t pid = 0;
    pb_paper_init(&p);
    int rc = id && pb_web_id_ok(id) ? pb_store_paper_get(rq->th->rw, id, &p,
                                                         &pid)
                                    : PB_ENOTFOUND;
    if (rc == PB_ENOTFOUND) {
        rc = pb_web_fail(rs, 404, "there is no such paper");
        goto out;
    }
    if (rc)
        goto out;
    rc = add ? pb_cmdb_coll_add(db, cid, rq->me.id, pid, pb_web_now(rq))
             : pb_cmdb_coll_remove(db, cid, rq->me.id, pid);
    if (rc == PB_ENOTFOUND) {
        rc = pb_web_fail(rs, 404, "there is no such collection");
    } else if (rc == PB_EPERM) {
        rc = pb_web_fail(rs, 403, "only its owner can change a collection");
    } else if (!rc) {
        char to[48];
        snprintf(to, sizeof to, "/collections/%" PRId64, cid);
        rc = pb_web_redirect(rs, to);
    }
out:
    pb_paper_clear(&p);
    return rc;
}

int pb_web_page_collections(struct pb_web_req *rq, const char *rest,
                            struct pb_web_resp *rs)
{
    int rc = PB_OK;
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db)
        return PB_EDB;
    rs->private_ = 1;
    if (!*rest) { /* /collections */
        if (pb_web_need_member(rq, rs))
            return PB_OK;
        if (!rq->post)
            return index_page(rq, rs, db, NULL);
        const char *name = pb_web_form(rq, "name"),
                   *pub = pb_web_form(rq, "public");
        int64_t id = 0;
        if (!name_ok(name)) {
            rc = index_page(rq, rs, db, "A name is 1 to 100 characters on "
                                        "one line.");
            rs->status = 400;
            return rc;
        }
        rc = pb_cmdb_coll_create(db, rq->me.id, name, pub && !strcmp(pub, "1"),
                                 pb_web_now(rq), &id);
        if (rc == PB_EEXIST) {
            rc = index_page(rq, rs, db, "You have a collection of that name.");
            rs->status = 409;
            return rc;
        }
        if (rc)
            return rc;
        char to[48];
        snprintf(to, sizeof to, "/collections/%" PRId64, id);
        return pb_web_redirect(rs, to);
    }
    if (!strcmp(rest, "add")) {
        if (pb_web_need_member(rq, rs))
            return PB_OK;
        const char *c = pb_web_form(rq, "coll");
        int64_t cid = c ? pb_web_parse_id(c, strlen(c)) : -1;
        if (!rq->post)
            return pb_web_fail(rs, 405, "add papers from their pages");
        if (cid < 0)
            return pb_web_fail(rs, 400, "choose a collection");
        struct pb_collection vc;
        if ((rc = visible_coll(rq, db, cid, &vc)) == PB_ENOTFOUND)
            return pb_web_fail(rs, 404, "there is no such collection");
        if (rc)
            return rc;
        return item_op(rq, rs, db, cid, 1);
    }
    /* ID, ID.json, ID.bib, ID/op */
    size_t n = strcspn(rest, "./");
    int64_t cid = pb_web_parse_id(rest, n);
    const char *tail = rest + n;
    struct pb_collection c;
    if ((rc = visible_coll(rq, db, cid, &c)) == PB_ENOTFOUND)
        return pb_web_fail(rs, 404, "there is no such collection");
    if (rc)
        return rc;
    if (*tail == '/') {
        const char *op = tail + 1;
        if (pb_web_need_member(rq, rs))
            return PB_OK;
        if (!rq->post)
            return pb_web_fail(rs, 405, "use the buttons on the collection");
        if (!strcmp(op, "add") || !strcmp(op, "remove"))
            return item_op(rq, rs, db, cid, !strcmp(op, "add"));
        if (!strcmp(op, "delete")) {
            rc = pb_cmdb_coll_delete(db, cid, rq->me.id);
            if (rc == PB_EPERM)
                return pb_web_fail(rs, 403, "only its owner can delete a "
                                            "collection");
            return rc ? rc : pb_web_redirect(rs, "/collections");
        }
        if (!strcmp(op, "rename")) {
            const char *name = pb_web_form(rq, "name"),
                       *pub = pb_web_form(rq, "public");
            if (!name_ok(name))
                return pb_web_fail(rs, 400, "a name is 1 to 100 characters "
                                            "on one line");
            rc = pb_cmdb_coll_rename(db, cid, rq->me.id, name,
                                     pub && !strcmp(pub, "1"));
            if (rc == PB_EPERM)
                return pb_web_fail(rs, 403, "only its owner can rename a "
                                            "collection");
            if (rc == PB_EEXIST)
                return pb_web_fail(rs, 409, "you have a collection of that "
                                            "name");
            char to[48];
            snprintf(to, sizeof to, "/collections/%" PRId64, cid);
            return rc ? rc : pb_web_redirect(rs, to);
        }
        return pb_web_fail(rs, 404, "there is no such page");
    }
    if (rq->post)
        return pb_web_fail(rs, 405, "use the buttons on the collection");
    if (!*tail)
        return view_page(rq, rs, db, &c);
    if (strcmp(tail, ".json") && strcmp(tail, ".bib"))
        return pb_web_fail(rs, 404, "there is no such page");
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    rs->fmt = PB_FMT_TEXT;
    if (!(rc = pb_cmdb_coll_papers(db, cid, &l))) {
        pb_web_fill_counts(rq, &l);
        rc = !strcmp(tail, ".json") ? export_json(rs, &c, &l)
                                    : export_bib(rs, &l);
    }
    pb_feed_list_clear(&l);
    return rc;
}
