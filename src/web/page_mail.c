/* page_mail.c - the e-mail digest pages: subscribing (the box on every
 * page and /subscribe), confirming (double opt-in) and unsubscribing (one
 * click, RFC 8058). The links carry signed tokens (mail/mail_token.h), so
 * these POSTs need no session or CSRF token: the token is the authority,
 * and a one-click POST comes from a mail provider without cookies. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "community/community.h"
#include "mail/mail_prefs.h"
#include "mail/mail_token.h"
#include "store/store_mail.h"
#include "core/escape.h"
#include "web/html.h"
#include "web/web_int.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

#define SUB_PER_ADDR_HOUR 10 /* subscribe requests per client address */
#define RESEND_S 600         /* a new confirmation at most every 10 min */

int pb_web_mail_box(struct pb_buf *b)
{
    return pb_buf_puts(
        b, "<form class=\"mailbox\" method=\"post\" action=\"/subscribe\">"
           "<label for=\"mailbox-email\">Get trending papers in your email "
           "inbox</label> <input id=\"mailbox-email\" name=\"email\" "
           "type=\"email\" required autocomplete=\"email\" "
           "placeholder=\"you@example.org\" maxlength=\"254\"> "
           "<button type=\"submit\">Subscribe</button></form>");
}

/* The read-write store of this thread (opened by the community's code). */
static struct pb_store *rw_store(struct pb_web_req *rq)
{
    return pb_web_cmdb(rq) ? rq->th->rw : NULL;
}

/* Whether the member logged in has the address of subscription s. */
static int me_is(const struct pb_web_req *rq, const char *email)
{
    return rq->me.id && !strcasecmp(rq->me.email, email);
}

struct mine {
    struct pb_buf *b;
    int n;
};

static int my_coll(void *ctx, const struct pb_collection *c)
{
    struct mine *m = ctx;
    int rc = pb_buf_printf(m->b, "%s<b>%" PRId64 "</b> ", m->n++ ? ", " : "",
                           c->id);
    if (!rc)
        rc = pb_web_html_s(m->b, c->name);
    if (!rc && !c->public_)
        rc = pb_buf_puts(m->b, " (private)");
    return rc;
}

/* The collections part of the form: the field, what it follows now (by
 * name, when the subscription may see it: public, or the member's own)
 * and, for a member logged in, their own collections as a hint. */
static int colls_field(struct pb_buf *b, struct pb_web_req *rq,
                       const struct pb_sub *cur)
{
    int64_t viewer = cur && cur->member_ok ? cur->member
                     : rq ? rq->me.id : 0;
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "<p><label for=\"sub-colls\">and papers added to "
                       "these collections (numbers or links, e.g. 12 or "
                       "/collections/12)</label><br><input id=\"sub-colls\" "
                       "name=\"collections\" maxlength=\"1000\" value=\""));
    for (size_t i = 0; cur && i < cur->n_colls; i++)
        TRY(pb_buf_printf(b, "%s%" PRId64, i ? " " : "", cur->colls[i]));
    TRY(pb_buf_puts(b, "\">"));
    struct pb_store *st = rq ? rw_store(rq) : NULL;
    if (cur && cur->n_colls && st) {
        int shown = 0;
        for (size_t i = 0; i < cur->n_colls; i++) {
            char name[101];
            if (pb_store_mail_coll_visible(st, cur->colls[i], viewer, name))
                continue;
            TRY(pb_buf_printf(b, "%s<a href=\"/collections/%" PRId64 "\">",
                              shown++ ? ", "
                                      : "<br><span class=\"sub\">Collections: ",
                              cur->colls[i]));
            TRY(pb_web_html_s(b, name));
            TRY(pb_buf_puts(b, "</a>"));
        }
        if (shown)
            TRY(pb_buf_puts(b, "</span>"));
    }
    struct pb_cmdb *db = rq && rq->me.id ? pb_web_cmdb(rq) : NULL;
    if (db) {
        struct pb_buf mb;
        struct mine m = {&mb, 0};
        pb_buf_init(&mb, 1 << 16);
        rc = pb_buf_puts(&mb, "<br><span class=\"sub\">Your collections: ");
        if (!rc)
            rc = pb_cmdb_coll_each(db, rq->me.id, 1, my_coll, &m);
        if (!rc && m.n) {
            rc = pb_buf_puts(&mb, "</span>");
            if (!rc)
                rc = pb_buf_puts(b, pb_buf_cstr(&mb));
        }
        pb_buf_clear(&mb);
        if (rc)
            goto out;
    }
    TRY(pb_buf_puts(b, "</p>"));
out:
    return rc;
}

/* The form of /subscribe (t NULL; cur, when not NULL, prefills it) or of
 * a subscriber's preferences (cur: the values shown; posted to
 * /mail/preferences with token t). rq may be NULL (no store at hand). */
static int prefs_form(struct pb_buf *b, struct pb_web_req *rq,
                      const char *msg, const struct pb_sub *cur,
                      const char *t)
{
    int rc = PB_OK;
    int weekly = cur && cur->freq == PB_SUB_WEEKLY;
    TRY(pb_buf_puts(b, "<section class=\"prose\" id=\"email\"><h2>"));
    TRY(pb_buf_puts(b, t ? "What you get by e-mail"
                           : "Get trending papers in your email inbox"));
    TRY(pb_buf_puts(b, "</h2>"));
    if (msg) {
        TRY(pb_buf_puts(b, "<p class=\"error\" role=\"alert\">"));
        TRY(pb_web_html_s(b, msg));
        TRY(pb_buf_puts(b, "</p>"));
    }
    if (t) {
        TRY(pb_buf_puts(b, "<form method=\"post\" action=\"/mail/preferences"
                           "?t="));
        TRY(pb_web_url_s(b, t));
        TRY(pb_buf_puts(b, "\" class=\"stack\"><p>For <b>"));
        TRY(pb_web_html_s(b, cur->email));
        TRY(pb_buf_puts(b, "</b></p>"));
    } else {
        TRY(pb_buf_puts(
            b, "<form method=\"post\" action=\"/subscribe\" class=\"stack\">"
               "<p><label for=\"sub-email\">E-mail address</label><br>"
               "<input id=\"sub-email\" name=\"email\" type=\"email\" "
               "required maxlength=\"254\" autocomplete=\"email\" "
               "value=\""));
        TRY(pb_web_html_s(b, cur ? cur->email : ""));
        TRY(pb_buf_puts(b, "\"></p>"));
    }
    TRY(pb_buf_printf(
        b, "<fieldset><legend>How often</legend>"
           "<label><input type=\"radio\" name=\"freq\" value=\"daily\"%s> "
           "Daily</label> <label><input type=\"radio\" name=\"freq\" "
           "value=\"weekly\"%s> Weekly</label></fieldset>"
           "<p><label for=\"sub-top\">Top trending papers</label> "
           "<input id=\"sub-top\" name=\"top\" type=\"number\" min=\"0\" "
           "max=\"50\" value=\"%d\"> <label for=\"sub-max\">At most, per "
           "mail</label> <input id=\"sub-max\" name=\"max\" type=\"number\" "
           "min=\"1\" max=\"100\" value=\"%d\"></p>"
           "<p><label for=\"sub-cats\">Also papers in these categories "
           "(e.g. cs.CL cs.LG)</label><br><input id=\"sub-cats\" "
           "name=\"categories\" maxlength=\"1000\" value=\"",
        weekly ? "" : " checked", weekly ? " checked" : "",
        cur ? cur->top_n : 10, cur ? cur->max_papers : 20));
    TRY(pb_web_html_s(b, cur ? cur->categories : ""));
    TRY(pb_buf_puts(b, "\"></p><p><label for=\"sub-authors\">by these "
                       "authors (one per line)</label><br><textarea "
                       "id=\"sub-authors\" name=\"authors\" rows=\"2\" "
                       "maxlength=\"1000\">"));
    TRY(pb_web_html_s(b, cur ? cur->authors : ""));
    TRY(pb_buf_puts(b, "</textarea></p><p><label for=\"sub-kw\">or with "
                       "these keywords (one per line)</label><br><textarea "
                       "id=\"sub-kw\" name=\"keywords\" rows=\"2\" "
                       "maxlength=\"1000\">"));
    TRY(pb_web_html_s(b, cur ? cur->keywords : ""));
    TRY(pb_buf_puts(b, "</textarea></p>"));
    TRY(colls_field(b, rq, cur));
    TRY(pb_buf_printf(b, "<p><label><input type=\"checkbox\" name=\"recs\" "
                         "value=\"1\"%s> Recommended for you</label> <span "
                         "class=\"sub\">(members: from the papers you "
                         "upvote and collect)</span></p>",
                      cur && cur->recs ? " checked" : ""));
    if (t && rq && me_is(rq, cur->email)) {
        TRY(pb_buf_printf(b, "<p><label><input type=\"checkbox\" "
                             "name=\"member\" value=\"1\"%s> These are the "
                             "digests of my account <b>",
                          cur->member == rq->me.id ? " checked" : ""));
        TRY(pb_web_html_s(b, rq->me.name));
        TRY(pb_buf_puts(b, "</b></label> <span class=\"sub\">"
                           "(recommendations, and my private collections)"
                           "</span></p>"));
    } else if (t && cur->member_ok) {
        TRY(pb_buf_puts(b, "<p class=\"sub\">These are a member's digests: "
                           "recommendations and the member's private "
                           "collections can be part of them.</p>"));
    } else if (t) {
        TRY(pb_buf_puts(b, "<p class=\"sub\">Recommendations and private "
                           "collections are for members: log in as the "
                           "member with this address to link it.</p>"));
    }
    TRY(pb_buf_puts(b, "<p><button type=\"submit\">"));
    TRY(pb_buf_puts(b, t ? "Save" : "Subscribe"));
    TRY(pb_buf_puts(b, "</button></p>"));
    if (!t)
        TRY(pb_buf_puts(b, "<p class=\"sub\">We send one mail to confirm "
                           "the address; nothing else until you click its "
                           "link. Every mail has a one-click unsubscribe "
                           "link.</p>"));
    TRY(pb_buf_puts(b, "</form></section>"));
out:
    return rc;
}

int pb_web_mail_form(struct pb_buf *b, const char *msg)
{
    return prefs_form(b, NULL, msg, NULL, NULL);
}

/* A member's follows into the lists of a subscription (what fits). */
static int add_follow(void *ctx, int kind, const char *target)
{
    struct pb_sub *s = ctx;
    char *list = kind == 1 ? s->categories : s->authors;
    char sep = kind == 1 ? ' ' : '\n';
    size_t have = strlen(list), n = strlen(target);
    if (strchr(target, sep) || have + 1 + n >= PB_SUB_LIST_MAX)
        return PB_OK;
    if (have)
        list[have++] = sep;
    memcpy(list + have, target, n + 1);
    return PB_OK;
}

int pb_web_mail_form_rq(struct pb_buf *b, struct pb_web_req *rq)
{
    struct pb_sub s;
    memset(&s, 0, sizeof s);
    s.top_n = 10;
    s.max_papers = 20;
    /* ?collections=12 (the link on a collection's page) */
    const char *cs = pb_web_arg(rq, "collections");
    if (cs) {
        struct pb_sub c;
        char why[256];
        struct pb_mail_form f = {.email = "a@example.org", .collections = cs};
        if (!pb_mail_prefs_parse(&f, &c, why, sizeof why)) {
            s.n_colls = c.n_colls;
            memcpy(s.colls, c.colls, sizeof s.colls);
        }
    }
    if (!rq->me.id)
        return prefs_form(b, rq, NULL, s.n_colls ? &s : NULL, NULL);
    /* a member: their address, and the authors and categories they
     * follow on the site, as a start */
    snprintf(s.email, sizeof s.email, "%s", rq->me.email);
    s.recs = 1;
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (db && pb_cmdb_follow_each(db, rq->me.id, add_follow, &s))
        s.categories[0] = s.authors[0] = '\0';
    return prefs_form(b, rq, NULL, &s, NULL);
}

/* A small page: heading, text, and optionally a form with one button
 * posting token t to action. */
static int page(struct pb_web_req *rq, struct pb_web_resp *rs,
                const char *title, const char *text, const char *action,
                const char *t, const char *button)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    rs->private_ = 1;
    rs->cache = "private, no-store";
    pb_buf_reset(b);
    TRY(pb_web_html_head(b, rq, title, NULL, NULL));
    TRY(pb_buf_puts(b, "<div class=\"head\"><h1>"));
    TRY(pb_web_html_s(b, title));
    TRY(pb_buf_puts(b, "</h1></div><div class=\"prose\"><p>"));
    TRY(pb_web_html_s(b, text));
    TRY(pb_buf_puts(b, "</p>"));
    if (action) {
        TRY(pb_buf_puts(b, "<form method=\"post\" action=\""));
        TRY(pb_web_html_s(b, action));
        TRY(pb_buf_puts(b, "?t="));
        TRY(pb_web_url_s(b, t));
        TRY(pb_buf_puts(b, "\"><input type=\"hidden\" name=\"t\" value=\""));
        TRY(pb_web_html_s(b, t));
        TRY(pb_buf_puts(b, "\"><button type=\"submit\">"));
        TRY(pb_web_html_s(b, button));
        TRY(pb_buf_puts(b, "</button></form>"));
    }
    TRY(pb_buf_puts(b, "</div>"));
    TRY(pb_web_html_foot(b));
out:
    return rc;
}

/* Each collection of s may be followed by member (0: none); else why
 * (cap bytes) names the first that may not. PB_EDB on a store error. */
static int colls_ok(struct pb_store *st, const struct pb_sub *s,
                    int64_t member, char *why, size_t cap)
{
    for (size_t i = 0; i < s->n_colls; i++) {
        int rc = pb_store_mail_coll_visible(st, s->colls[i], member, NULL);
        if (rc == PB_ENOTFOUND) {
            /* the same words for a private one and for none */
            snprintf(why, cap, "collections: %" PRId64 " is not a public "
                     "collection%s", s->colls[i],
                     member ? " or one of yours" : "");
            return PB_EINVAL;
        }
        if (rc)
            return rc;
    }
    return PB_OK;
}

int pb_web_mail_subscribe(struct pb_web_req *rq, const char *rest,
                          struct pb_web_resp *rs)
{
    (void)rest;
    char why[256], key[96];
    struct pb_sub s;
    struct pb_mail_form f = {
        pb_web_form(rq, "email"), pb_web_form(rq, "freq"),
        pb_web_form(rq, "top"), pb_web_form(rq, "max"),
        pb_web_form(rq, "categories"), pb_web_form(rq, "authors"),
        pb_web_form(rq, "keywords"), pb_web_form(rq, "collections"),
        pb_web_form(rq, "recs"),
    };
    rs->private_ = 1;
    if (rq->site->no_mail)
        return page(rq, rs, "No e-mail from this site",
                    "This site does not send mail: its operator has not set "
                    "up an SMTP server, so no digest and no confirmation "
                    "would reach you. Nothing was stored. Follow the papers "
                    "with the RSS and Atom feeds listed on /subscribe "
                    "instead.",
                    NULL, NULL, NULL);
    struct pb_store *st = rw_store(rq);
    int bad = pb_mail_prefs_parse(&f, &s, why, sizeof why);
    if (!bad) {
        /* a member subscribing their own address: the digests are theirs
         * (recommendations, their private collections) once the mailbox
         * confirms */
        if (me_is(rq, s.email))
            s.member = rq->me.id;
        if (!st)
            return pb_web_fail(rs, 503, "subscriptions are not available "
                                        "right now: try again later");
        bad = colls_ok(st, &s, s.member, why, sizeof why);
        if (bad == PB_EDB)
            return pb_web_fail(rs, 503, "try again later");
    }
    if (bad) {
        int rc = PB_OK;
        rs->status = 400;
        TRY(pb_web_html_head(&rs->body, rq, "Subscribe", NULL, NULL));
        TRY(pb_web_mail_form(&rs->body, why));
        TRY(pb_web_html_foot(&rs->body));
    out:
        return rc;
    }
    int64_t now = pb_web_now(rq);
    char addr[PB_CM_RL_ADDR_MAX];
    pb_cm_rl_addr(rq->ip, addr);
    snprintf(key, sizeof key, "mailsub:%s", addr);
    if (!pb_cm_rl_check(key, now, SUB_PER_ADDR_HOUR, 3600))
        return pb_web_fail(rs, 429, "too many subscriptions from your "
                                    "address: try again in an hour");
    pb_cm_rl_add(key, now, 3600);
    int64_t id;
    if (pb_store_sub_add(st, &s, now, RESEND_S, &id))
        return pb_web_fail(rs, 503, "subscriptions are not available right "
                                    "now: try again later");
    /* the same answer whatever the address's state, so the page tells no
     * one who subscribes here */
    return page(rq, rs, "Check your inbox",
                "We sent a mail to confirm the address (if it is not "
                "subscribed already). Click its link within 48 hours to "
                "start your digest; until then nothing else is sent.",
                NULL, NULL, NULL);
}

/* The token of a confirm or unsubscribe request (query or form), checked;
 * on success *sub is its subscriber. Fills rs with the error otherwise
 * and returns 0. */
static int token_ok(struct pb_web_req *rq, struct pb_web_resp *rs, int kind,
                    const char **t, struct pb_sub *sub)
{
    int k;
    int64_t id, exp;
    unsigned char key[PB_MAIL_KEY_BYTES];
    *t = pb_web_arg(rq, "t");
    if (!*t)
        *t = pb_web_form(rq, "t");
    struct pb_store *st = rw_store(rq);
    if (!*t || pb_mail_token_parse(*t, &k, &id, &exp) || k != kind) {
        pb_web_fail(rs, 400, "this link is incomplete: copy the whole link "
                             "from the mail");
        return 0;
    }
    if (!st || pb_store_mail_key(st, key)) {
        pb_web_fail(rs, 503, "try again later");
        return 0;
    }
    int rc = pb_store_sub_get(st, id, sub);
    if (!rc)
        rc = pb_mail_token_check(key, *t, kind, sub->email, pb_web_now(rq));
    if (rc == PB_EPERM) {
        pb_web_fail(rs, 410, "this link has expired: subscribe again to get "
                             "a new one");
        return 0;
    }
    if (rc) {
        pb_web_fail(rs, 400, "this link is not valid");
        return 0;
    }
    return 1;
}

int pb_web_mail_confirm(struct pb_web_req *rq, const char *rest,
                        struct pb_web_resp *rs)
{
    (void)rest;
    const char *t;
    struct pb_sub s;
    rs->private_ = 1;
    if (!token_ok(rq, rs, PB_MAIL_TOKEN_CONFIRM, &t, &s))
        return PB_OK;
    /* GET only shows a button: link scanners in mail systems fetch links
     * but do not post forms */
    if (!rq->post)
        return page(rq, rs, "Confirm your subscription",
                    s.state == PB_SUB_ACTIVE
                        ? "This address is subscribed already."
                        : "One more click and your digest starts.",
                    s.state == PB_SUB_ACTIVE ? NULL : "/mail/confirm", t,
                    "Confirm my subscription");
    int rc = pb_store_sub_confirm(rq->th->rw, s.id, pb_web_now(rq));
    if (rc == PB_EPERM)
        return page(rq, rs, "Not subscribed",
                    "This address unsubscribed after this link was sent: "
                    "subscribe again to start anew.",
                    NULL, NULL, NULL);
    if (rc)
        return pb_web_fail(rs, 503, "try again later");
    return page(rq, rs, "You are subscribed",
                s.freq == PB_SUB_WEEKLY
                    ? "Your weekly digest of trending papers starts with the "
                      "next one. Every mail has a one-click unsubscribe link."
                    : "Your daily digest of trending papers starts with the "
                      "next one. Every mail has a one-click unsubscribe link.",
                NULL, NULL, NULL);
}

int pb_web_mail_unsubscribe(struct pb_web_req *rq, const char *rest,
                            struct pb_web_resp *rs)
{
    (void)rest;
    const char *t;
    struct pb_sub s;
    rs->private_ = 1;
    if (!token_ok(rq, rs, PB_MAIL_TOKEN_UNSUB, &t, &s))
        return PB_OK;
    if (!rq->post)
        return page(rq, rs, "Unsubscribe",
                    s.state == PB_SUB_UNSUBSCRIBED
                        ? "This address is unsubscribed already."
                        : "Stop the paperboy digests to this address?",
                    s.state == PB_SUB_UNSUBSCRIBED ? NULL
                                                   : "/mail/unsubscribe",
                    t, "Unsubscribe");
    if (pb_store_sub_set_state(rq->th->rw, s.id, PB_SUB_UNSUBSCRIBED))
        return pb_web_fail(rs, 503, "try again later");
    return page(rq, rs, "Unsubscribed",
                "You will get no more digests. You can subscribe again at "
                "any time from any page.",
                NULL, NULL, NULL);
}

int pb_web_mail_preferences(struct pb_web_req *rq, const char *rest,
                            struct pb_web_resp *rs)
{
    (void)rest;
    const char *t;
    struct pb_sub s, p;
    char why[256];
    int rc = PB_OK;
    rs->private_ = 1;
    /* the unsubscribe token of the mails stands for the subscriber */
    if (!token_ok(rq, rs, PB_MAIL_TOKEN_UNSUB, &t, &s))
        return PB_OK;
    const char *msg = NULL;
    if (rq->post) {
        struct pb_mail_form f = {
            s.email, pb_web_form(rq, "freq"), pb_web_form(rq, "top"),
            pb_web_form(rq, "max"), pb_web_form(rq, "categories"),
            pb_web_form(rq, "authors"), pb_web_form(rq, "keywords"),
            pb_web_form(rq, "collections"), pb_web_form(rq, "recs"),
        };
        /* the link to a member: only that member, logged in, changes it
         * (the token proves the mailbox, the session the account) */
        int64_t member = s.member, vis = s.member_ok ? s.member : 0;
        if (me_is(rq, s.email)) {
            const char *m = pb_web_form(rq, "member");
            if (m && !strcmp(m, "1"))
                member = vis = rq->me.id;
            else if (s.member == rq->me.id)
                member = vis = 0;
        }
        int bad = pb_mail_prefs_parse(&f, &p, why, sizeof why), parsed = !bad;
        if (!bad)
            bad = colls_ok(rq->th->rw, &p, vis, why, sizeof why);
        if (bad == PB_EDB) {
            return pb_web_fail(rs, 503, "try again later");
        } else if (bad) {
            rs->status = 400;
            msg = why;
            if (parsed) { /* show what was asked */
                p.id = s.id, p.member = s.member, p.member_ok = s.member_ok;
                s = p;
            }
        } else if (pb_store_sub_set_prefs(rq->th->rw, s.id, &p,
                                          pb_web_now(rq)) ||
                   (member != s.member &&
                    pb_store_sub_set_member(rq->th->rw, s.id, member))) {
            return pb_web_fail(rs, 503, "try again later");
        } else {
            return page(rq, rs, "Saved",
                        "Your next digest follows the new preferences.",
                        NULL, NULL, NULL);
        }
    }
    pb_buf_reset(&rs->body);
    rs->cache = "private, no-store";
    TRY(pb_web_html_head(&rs->body, rq, "E-mail preferences", NULL, NULL));
    TRY(prefs_form(&rs->body, rq, msg, &s, t));
    TRY(pb_web_html_foot(&rs->body));
out:
    return rc;
}
