/* mail_digest.c - choosing, rendering and sending digests and confirmation
 * mails, with retries and the sent-log (mail.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/date.h"
#include "core/mem.h"
#include "mail/mail.h"
#include "mail/mail_text.h"
#include "mail/mail_token.h"
#include "store/store_feed.h"
#include "store/store_mail.h"
#include "text/latex_plain.h"
#include "web/escape.h"
#include "web/period.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

#define MAX_MAIL (4u << 20)
#define CANDIDATES 500
/* How long a run holds a digest it sends (all attempts and waits fit);
 * a run that dies leaves it to the next after this */
#define LEASE_S 1800

/* Everything one run needs. */
struct run {
    struct pb_store *st;
    const struct pb_mail_config *c;
    struct pb_mail_counts *n;
    struct pb_err *err;
    unsigned char key[PB_MAIL_KEY_BYTES];
    char host[128];  /* for Message-IDs */
    const char *day; /* the digest day */
};

static void say(const struct run *r, const char *fmt, ...) PB_PRINTF(2, 3);
static void say(const struct run *r, const char *fmt, ...)
{
    if (!r->c->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->c->out, fmt, ap);
    va_end(ap);
    fputc('\n', r->c->out);
    fflush(r->c->out);
}

static int64_t now_s(const struct run *r)
{
    return r->c->clock->unix_s(r->c->clock->ctx);
}

static int stopped(const struct run *r)
{
    return r->c->stop && *r->c->stop;
}

/* The host of base_url (letters, digits, '.', '-'), for Message-IDs. */
static void url_host(const char *url, char *out, size_t cap)
{
    const char *p = url ? strstr(url, "://") : NULL;
    size_t n = 0;
    if (p)
        for (p += 3; *p && *p != ':' && *p != '/' && n + 1 < cap; p++)
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')
                out[n++] = *p;
    out[n] = '\0';
    if (!n)
        snprintf(out, cap, "paperboy.invalid");
}

static int begin(struct run *r, struct pb_store *st,
                 const struct pb_mail_config *c, struct pb_mail_counts *n,
                 struct pb_err *err)
{
    memset(r, 0, sizeof *r);
    r->st = st, r->c = c, r->n = n, r->err = err;
    if (!c->dry_run && (!c->smtp || !pb_mail_addr_ok(c->from)))
        return pb_err_set(err, PB_EINVAL, "a sender address (--from) and an "
                                          "SMTP server (--smtp) are needed");
    if (!c->base_url || strncmp(c->base_url, "http", 4))
        return pb_err_set(err, PB_EINVAL, "links need the site's address "
                                          "(--base-url http(s)://...)");
    url_host(c->base_url, r->host, sizeof r->host);
    if (pb_store_mail_key(st, r->key))
        return pb_err_set(err, PB_EDB, "cannot read the mail secret: %s",
                          pb_store_errmsg(st));
    return PB_OK;
}

/* Send with up to c->tries attempts, waiting backoff_ms, doubled. */
static int deliver(struct run *r, const char *to, const struct pb_buf *msg,
                   struct pb_smtp_result *res)
{
    const struct pb_mail_config *c = r->c;
    int tries = c->tries > 0 ? c->tries : 3, rc = PB_EINTR;
    int64_t wait = c->backoff_ms > 0 ? c->backoff_ms : 2000;
    memset(res, 0, sizeof *res);
    snprintf(res->msg, sizeof res->msg, "stopped");
    for (int i = 0; i < tries && !stopped(r); i++) {
        if (i) {
            say(r, "  retry %d in %" PRId64 " ms (%s)", i, wait, res->msg);
            c->clock->sleep_ms(c->clock->ctx, wait);
            wait *= 2;
        }
        rc = c->smtp->send(c->smtp->ctx, c->from, to, msg->p, msg->len, res);
        if (rc != PB_EIO)
            break;
    }
    return rc;
}

static void mail_link(struct pb_buf *b, const struct run *r, const char *path,
                 int kind, const struct pb_sub *s, int64_t expires)
{
    char tok[PB_MAIL_TOKEN_MAX];
    pb_mail_token_make(r->key, kind, s->id, s->email, expires, tok);
    pb_buf_reset(b);
    /* base_url is ours, the token [A-Za-z0-9._-]: nothing to escape */
    if (pb_buf_printf(b, "%s%s?t=%s", r->c->base_url, path, tok))
        abort(); /* 4 KiB cap, a few hundred bytes */
}

/* --- confirmation mails -------------------------------------------------- */

static int confirm_one(void *ctx, const struct pb_sub *s)
{
    struct run *r = ctx;
    int rc = PB_OK;
    struct pb_buf url, text, html, msg;
    char mid[200], sendto[PB_SUB_EMAIL_MAX + 1];
    pb_buf_init(&url, 4096);
    pb_buf_init(&text, MAX_MAIL);
    pb_buf_init(&html, MAX_MAIL);
    pb_buf_init(&msg, MAX_MAIL);
    if (stopped(r))
        return PB_EINTR;
    snprintf(sendto, sizeof sendto, "%s", s->email);
    if (!pb_mail_addr_ok(sendto)) { /* stored by an older rule: never send */
        say(r, "skip %s: not a valid address", s->email);
        rc = pb_store_sub_set_state(r->st, s->id, PB_SUB_UNSUBSCRIBED);
        goto out;
    }
    int64_t now = now_s(r);
    mail_link(&url, r, "/mail/confirm", PB_MAIL_TOKEN_CONFIRM, s,
         now + PB_MAIL_CONFIRM_TTL);
    TRY(pb_buf_puts(&text, "Hello,\n\nsomeone (we hope you) asked paperboy "
                           "to send trending papers to "));
    TRY(pb_mail_plain_line(&text, s->email));
    TRY(pb_buf_printf(&text, " (%s).\n\nTo start, confirm within 48 hours:"
                             "\n\n%s\n\nIf it was not you, ignore this mail: "
                             "nothing will be sent.\n\n-- \npaperboy, %s\n",
                      s->freq == PB_SUB_WEEKLY ? "weekly" : "daily",
                      pb_buf_cstr(&url), r->c->base_url));
    TRY(pb_buf_puts(&html, "<!doctype html><html><body style=\"margin:0;"
                           "padding:24px;font-family:Helvetica,Arial,"
                           "sans-serif;color:#222;background:#fff\">"
                           "<h1 style=\"font-size:20px\">Confirm your "
                           "subscription</h1><p>Someone (we hope you) asked "
                           "paperboy to send trending papers to <b>"));
    TRY(pb_web_html_s(&html, s->email));
    TRY(pb_buf_puts(&html, "</b>.</p><p><a href=\""));
    TRY(pb_web_html_s(&html, pb_buf_cstr(&url)));
    TRY(pb_buf_puts(&html, "\" style=\"display:inline-block;padding:10px "
                           "16px;background:#b3261e;color:#fff;"
                           "text-decoration:none;border-radius:4px\">"
                           "Confirm my subscription</a></p><p style=\""
                           "color:#666;font-size:13px\">If it was not you, "
                           "ignore this mail: nothing will be sent.</p>"
                           "</body></html>\n"));
    snprintf(mid, sizeof mid, "pb.confirm.%" PRId64 ".%" PRId64 "@%s", s->id,
             now, r->host);
    struct pb_mail_msg m = {
        .from = r->c->from, .from_name = r->c->from_name, .to = sendto,
        .subject = "Confirm your paperboy subscription", .message_id = mid,
        .date = now, .text = pb_buf_cstr(&text), .html = pb_buf_cstr(&html),
    };
    if (r->c->dry_run) {
        say(r, "would send a confirmation to %s", s->email);
        goto out;
    }
    TRY(pb_mail_msg_render(&m, &msg));
    /* claimed first: another run (serve and the CLI) skips it; a crash
     * before the send loses this mail, and subscribing again sends one */
    rc = pb_store_sub_confirm_claim(r->st, s->id, now);
    if (rc == PB_EBUSY) {
        rc = PB_OK;
        goto out;
    }
    if (rc)
        goto out;
    struct pb_smtp_result res;
    rc = deliver(r, sendto, &msg, &res);
    if (rc == PB_OK) {
        r->n->confirmations++;
        say(r, "confirmation sent to %s", s->email);
    } else if (rc == PB_EPERM) {
        int paused;
        r->n->refused++;
        say(r, "refused: %s: %s", s->email, res.msg);
        /* nothing to pause yet: the address just never confirms */
        rc = pb_store_sub_refused(r->st, s->id, res.msg, 1 << 30, &paused);
    } else {
        if (pb_store_sub_confirm_unclaim(r->st, s->id))
            say(r, "cannot release the confirmation to %s", s->email);
        if (rc == PB_EINTR)
            goto out;
        r->n->deferred++;
        pb_err_set(r->err, PB_EIO, "confirmation to %s: %s", s->email,
                   res.msg);
    }
out:
    pb_buf_clear(&url);
    pb_buf_clear(&text);
    pb_buf_clear(&html);
    pb_buf_clear(&msg);
    return rc;
}

int pb_mail_send_confirmations(struct pb_store *st,
                               const struct pb_mail_config *c,
                               struct pb_mail_counts *n, struct pb_err *err)
{
    struct run r;
    int rc = begin(&r, st, c, n, err);
    if (!rc)
        rc = pb_store_sub_each(st, PB_SUB_EACH_TO_CONFIRM, confirm_one, &r);
    if (rc == PB_EDB)
        pb_err_set(err, rc, "store: %s", pb_store_errmsg(st));
    return rc;
}

/* --- choosing papers ------------------------------------------------------ */

int pb_mail_period(const char *day, int weekly, char key[16], char from[11],
                   char to[11])
{
    struct pb_period p;
    if (!day || pb_web_period_parse(PB_PERIOD_DAY, day, strlen(day), &p))
        return PB_EINVAL;
    memcpy(to, p.name, 11);
    memcpy(from, p.name, 11);
    if (!weekly) {
        snprintf(key, 16, "D%s", p.name);
        return PB_OK;
    }
    char w[11];
    if (pb_web_week_of(p.name, w))
        return PB_EINVAL;
    snprintf(key, 16, "W%s", w);
    for (int i = 0; i < 6; i++) { /* seven days ending with day */
        struct pb_period q;
        if (pb_web_period_parse(PB_PERIOD_DAY, from, 10, &q))
            return PB_EINVAL;
        memcpy(from, q.prev, 11);
    }
    return PB_OK;
}

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

/* needle in hay as whole words (ASCII case-insensitive): "rl" matches
 * "RL for agents", not "world". */
static int has_word(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!hay || !n)
        return 0;
    for (const char *p = hay; (p = strcasestr(p, needle)) != NULL; p++)
        if ((p == hay || !word_char(p[-1])) && !word_char(p[n]))
            return 1;
    return 0;
}

/* Which of s's follows p matches, as "cs.CL, Tri Dao" into why; 0 none. */
static int follows(const struct pb_sub *s, const struct pb_paper *p,
                   struct pb_buf *why)
{
    struct pb_strlist l = {0};
    int hit = 0, rc = PB_OK;
    pb_buf_reset(why);
    pb_strlist_split(&l, s->categories, ' ');
    for (size_t i = 0; i < l.n && !rc; i++) {
        char pad[PB_SUB_LIST_MAX + 3];
        snprintf(pad, sizeof pad, " %s ", l.v[i]);
        struct pb_buf cats;
        pb_buf_init(&cats, PB_MAX_FIELD + 4);
        if (!pb_buf_printf(&cats, " %s ", p->categories ? p->categories : "")
            && strstr(cats.p, pad)) {
            rc = pb_buf_printf(why, "%s%s", hit++ ? ", " : "", l.v[i]);
        }
        pb_buf_clear(&cats);
    }
    pb_strlist_clear(&l);
    pb_strlist_split(&l, s->authors, '\n');
    for (size_t i = 0; i < l.n && !rc; i++)
        for (size_t j = 0; j < p->authors.n; j++)
            if (!strcasecmp(l.v[i], p->authors.v[j])) {
                rc = pb_buf_printf(why, "%s%s", hit++ ? ", " : "", l.v[i]);
                break;
            }
    pb_strlist_clear(&l);
    pb_strlist_split(&l, s->keywords, '\n');
    for (size_t i = 0; i < l.n && !rc; i++)
        if (has_word(p->title, l.v[i]) || has_word(p->abstract, l.v[i]))
            rc = pb_buf_printf(why, "%s\"%s\"", hit++ ? ", " : "", l.v[i]);
    pb_strlist_clear(&l);
    return hit;
}

/* The pids for s's digest over [from, to]: top_n trending first, then
 * those matching a follow, at most max_papers. */
static int choose(struct run *r, const struct pb_sub *s, const char *from,
                  const char *to, int64_t **out, size_t *out_n)
{
    int64_t *cand = NULL;
    size_t n = 0, k = 0;
    int rc = pb_store_mail_candidates(r->st, s->id, from, to, CANDIDATES,
                                      &cand, &n);
    if (rc)
        return rc;
    size_t max = s->max_papers > 0 ? (size_t)s->max_papers : 20;
    int64_t *v = pb_calloc(n ? n : 1, sizeof *v);
    char *taken = pb_calloc(n ? n : 1, 1);
    for (size_t i = 0; i < n && i < (size_t)s->top_n && k < max; i++)
        v[k++] = cand[i], taken[i] = 1;
    if (s->categories[0] || s->authors[0] || s->keywords[0]) {
        struct pb_buf why;
        pb_buf_init(&why, 4096);
        for (size_t i = 0; i < n && k < max && !rc; i++) {
            struct pb_paper p;
            pb_paper_init(&p);
            if (!taken[i] && !(rc = pb_store_paper_get_pid(r->st, cand[i], &p))
                && follows(s, &p, &why))
                v[k++] = cand[i];
            if (rc == PB_ENOTFOUND)
                rc = PB_OK;
            pb_paper_clear(&p);
        }
        pb_buf_clear(&why);
    }
    free(cand);
    free(taken);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *out_n = k;
    return PB_OK;
}

/* --- rendering ------------------------------------------------------------- */

static char *plain(const char *s, size_t max)
{
    if (!s)
        return pb_strdup("");
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return pb_text_latex_plain(s, n);
}

static int render_paper(struct run *r, const struct pb_sub *s,
                        const struct pb_paper *p, size_t i,
                        struct pb_buf *text, struct pb_buf *html)
{
    int rc = PB_OK;
    char *title = plain(p->title, PB_MAX_TITLE);
    char *abs = plain(p->abstract, 900);
    struct pb_buf url, tmp, why;
    pb_buf_init(&url, 4096);
    pb_buf_init(&tmp, 8192);
    pb_buf_init(&why, 4096);
    TRY(pb_buf_printf(&url, "%s/papers/", r->c->base_url));
    TRY(pb_web_url_s(&url, p->id));
    int followed = follows(s, p, &why);
    /* text */
    TRY(pb_buf_printf(text, "%zu. ", i + 1));
    TRY(pb_mail_wrap(text, title, 3, 72));
    TRY(pb_buf_puts(text, "\n   "));
    for (size_t a = 0; a < p->authors.n && a < 3; a++) {
        TRY(pb_buf_puts(text, a ? ", " : ""));
        TRY(pb_mail_plain_line(text, p->authors.v[a]));
    }
    if (p->authors.n > 3)
        TRY(pb_buf_puts(text, " et al."));
    int64_t up = p->upvotes > 0 ? p->upvotes : 0;
    TRY(pb_buf_printf(text, "\n   %" PRId64 " %s", up,
                      up == 1 ? "upvote" : "upvotes"));
    if (followed) {
        TRY(pb_buf_puts(text, " - you follow "));
        TRY(pb_mail_plain_line(text, pb_buf_cstr(&why)));
    }
    TRY(pb_buf_printf(text, "\n   %s\n", pb_buf_cstr(&url)));
    if (abs[0]) {
        TRY(pb_web_trunc(&tmp, abs, 300));
        TRY(pb_buf_puts(text, "   "));
        TRY(pb_mail_wrap(text, pb_buf_cstr(&tmp), 3, 72));
        TRY(pb_buf_puts(text, "\n"));
    }
    TRY(pb_buf_puts(text, "\n"));
    /* HTML: inline styles only, every outside string through escape.h */
    TRY(pb_buf_puts(html, "<tr><td style=\"padding:12px 0;border-bottom:1px "
                          "solid #e5e5e5\"><a href=\""));
    TRY(pb_web_html_s(html, pb_buf_cstr(&url)));
    TRY(pb_buf_puts(html, "\" style=\"color:#1a0dab;font-size:17px;"
                          "font-weight:bold;text-decoration:none\">"));
    TRY(pb_web_html_s(html, title));
    TRY(pb_buf_puts(html, "</a><div style=\"color:#555;font-size:13px;"
                          "margin:4px 0\">"));
    for (size_t a = 0; a < p->authors.n && a < 3; a++) {
        TRY(pb_buf_puts(html, a ? ", " : ""));
        TRY(pb_web_html_s(html, p->authors.v[a]));
    }
    if (p->authors.n > 3)
        TRY(pb_buf_puts(html, " et al."));
    TRY(pb_buf_printf(html, " &middot; &#9650; %" PRId64, up));
    if (followed) {
        TRY(pb_buf_puts(html, " &middot; you follow "));
        TRY(pb_web_html_s(html, pb_buf_cstr(&why)));
    }
    TRY(pb_buf_puts(html, "</div>"));
    if (tmp.len) {
        TRY(pb_buf_puts(html, "<div style=\"color:#333;font-size:14px;"
                              "line-height:1.4\">"));
        TRY(pb_web_html(html, tmp.p, tmp.len));
        TRY(pb_buf_puts(html, "</div>"));
    }
    TRY(pb_buf_puts(html, "</td></tr>"));
out:
    free(title);
    free(abs);
    pb_buf_clear(&url);
    pb_buf_clear(&tmp);
    pb_buf_clear(&why);
    return rc;
}

static int render_digest(struct run *r, const struct pb_sub *s,
                         const char *period, const int64_t *pids, size_t n,
                         const char *unsub, const char *prefs,
                         struct pb_buf *subject,
                         struct pb_buf *text, struct pb_buf *html)
{
    int rc = PB_OK;
    int weekly = period[0] == 'W';
    char label[64];
    pb_web_day_label(period + 1, label, sizeof label);
    if (weekly)
        snprintf(label, sizeof label, "week %s", period + 1);
    TRY(pb_buf_printf(subject, "Trending papers, %s: ", label));
    TRY(pb_buf_puts(text, weekly ? "Your weekly paperboy digest"
                                 : "Your daily paperboy digest"));
    TRY(pb_buf_printf(text, " - %s\n\n", label));
    TRY(pb_buf_puts(html, "<!doctype html><html><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-"
                          "width\"><title>paperboy</title></head>"
                          "<body style=\"margin:0;padding:0;background:"
                          "#f6f6f6\"><table role=\"presentation\" width=\""
                          "100%\" cellpadding=\"0\" cellspacing=\"0\" style=\""
                          "background:#f6f6f6\"><tr><td align=\"center\" "
                          "style=\"padding:16px\"><table role=\"presentation"
                          "\" width=\"100%\" cellpadding=\"0\" cellspacing="
                          "\"0\" style=\"max-width:640px;background:#fff;"
                          "font-family:Helvetica,Arial,sans-serif;padding:"
                          "0 20px\"><tr><td style=\"padding:20px 0 8px;"
                          "border-bottom:3px solid #b3261e\"><span style=\""
                          "font-size:22px;font-weight:bold;color:#b3261e\">"
                          "paperboy</span><div style=\"color:#555;font-size:"
                          "14px\">"));
    TRY(pb_buf_printf(html, "%s digest &middot; ", weekly ? "Weekly"
                                                          : "Daily"));
    TRY(pb_web_html_s(html, label));
    TRY(pb_buf_puts(html, "</div></td></tr>"));
    size_t shown = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct pb_paper p;
        pb_paper_init(&p);
        rc = pb_store_paper_get_pid(r->st, pids[i], &p);
        if (rc == PB_ENOTFOUND) { /* deleted since: leave it out */
            rc = PB_OK;
        } else if (!rc) {
            if (!shown) {
                char *t = plain(p.title, 200);
                struct pb_buf tt;
                pb_buf_init(&tt, 1024);
                if (!(rc = pb_web_trunc(&tt, t, 80)))
                    rc = pb_buf_puts(subject, pb_buf_cstr(&tt));
                pb_buf_clear(&tt);
                free(t);
            }
            if (!rc)
                rc = render_paper(r, s, &p, shown++, text, html);
        }
        pb_paper_clear(&p);
    }
    if (rc)
        goto out;
    if (n > 1)
        TRY(pb_buf_printf(subject, " and %zu more", n - 1));
    TRY(pb_buf_puts(text, "-- \n"));
    {
        struct pb_buf foot;
        pb_buf_init(&foot, 4096);
        rc = pb_buf_printf(&foot, "You get this mail because %s subscribed "
                                  "to paperboy's %s digest at %s.",
                           s->email, weekly ? "weekly" : "daily",
                           r->c->base_url);
        if (!rc)
            rc = pb_mail_wrap(text, pb_buf_cstr(&foot), 0, 72);
        pb_buf_clear(&foot);
        if (rc)
            goto out;
    }
    TRY(pb_buf_printf(text, "\nUnsubscribe (one click, no login):\n%s\n"
                            "Change what you get:\n%s\n",
                      unsub, prefs));
    TRY(pb_buf_puts(html, "<tr><td style=\"padding:16px 0 24px;color:#666;"
                          "font-size:12px;line-height:1.5\">You get this mail "
                          "because "));
    TRY(pb_web_html_s(html, s->email));
    TRY(pb_buf_printf(html, " subscribed to paperboy's %s digest. <a href=\"",
                      weekly ? "weekly" : "daily"));
    TRY(pb_web_html_s(html, unsub));
    TRY(pb_buf_puts(html, "\" style=\"color:#b3261e\">Unsubscribe</a> (one "
                          "click, no login) &middot; <a href=\""));
    TRY(pb_web_html_s(html, prefs));
    TRY(pb_buf_puts(html, "\" style=\"color:#b3261e\">Change what you "
                          "get</a></td></tr></table></td></tr>"
                          "</table></body></html>\n"));
out:
    return rc;
}

/* --- sending digests ------------------------------------------------------- */

/* Send the logged digest (s, period): its papers as logged, its
 * Message-ID; then mark the outcome. */
static int send_logged(struct run *r, const struct pb_sub *s,
                       const char *period, const struct pb_digest_rec *rec)
{
    int64_t *pids = NULL;
    size_t n = 0;
    struct pb_buf subject, text, html, msg, unsub, prefs;
    pb_buf_init(&prefs, 4096);
    pb_buf_init(&subject, 4096);
    pb_buf_init(&text, MAX_MAIL);
    pb_buf_init(&html, MAX_MAIL);
    pb_buf_init(&msg, MAX_MAIL);
    pb_buf_init(&unsub, 4096);
    /* one run at a time per digest; the lease covers every attempt */
    int64_t t0 = now_s(r);
    int rc = pb_store_digest_claim(r->st, s->id, period, t0, t0 + LEASE_S);
    if (rc == PB_EBUSY) {
        r->n->already++;
        rc = PB_OK;
        goto out;
    }
    if (rc || (rc = pb_store_digest_papers(r->st, s->id, period, &pids, &n)))
        goto out;
    mail_link(&unsub, r, "/mail/unsubscribe", PB_MAIL_TOKEN_UNSUB, s, 0);
    mail_link(&prefs, r, "/mail/preferences", PB_MAIL_TOKEN_UNSUB, s, 0);
    TRY(render_digest(r, s, period, pids, n, pb_buf_cstr(&unsub),
                      pb_buf_cstr(&prefs), &subject, &text, &html));
    int64_t now = now_s(r);
    struct pb_mail_msg m = {
        .from = r->c->from, .from_name = r->c->from_name, .to = s->email,
        .subject = pb_buf_cstr(&subject), .message_id = rec->message_id,
        .date = now, .unsub_url = pb_buf_cstr(&unsub),
        .text = pb_buf_cstr(&text), .html = pb_buf_cstr(&html),
    };
    TRY(pb_mail_msg_render(&m, &msg));
    struct pb_smtp_result res;
    rc = deliver(r, s->email, &msg, &res);
    int attempts = rec->attempts + 1;
    now = now_s(r); /* after the retries' waits */
    if (rc == PB_OK) {
        r->n->sent++;
        say(r, "sent %s to %s (%zu papers)", period, s->email, n);
        if (!(rc = pb_store_digest_mark(r->st, s->id, period, PB_DIGEST_SENT,
                                        attempts, 0, now)) && s->refusals)
            rc = pb_store_sub_delivered(r->st, s->id);
    } else if (rc == PB_EPERM) {
        int paused = 0;
        r->n->refused++;
        say(r, "refused: %s %s: %s", period, s->email, res.msg);
        if (!(rc = pb_store_digest_mark(r->st, s->id, period,
                                        PB_DIGEST_REFUSED, attempts, 0, now)))
            rc = pb_store_sub_refused(r->st, s->id, res.msg,
                                      r->c->pause_after > 0 ? r->c->pause_after
                                                            : 3,
                                      &paused);
        if (paused) {
            r->n->paused++;
            say(r, "paused %s: refused %d times in a row", s->email,
                s->refusals + 1);
        }
    } else if (rc == PB_EINTR) { /* stopped before trying: release it */
        if (pb_store_digest_mark(r->st, s->id, period, PB_DIGEST_PREPARED,
                                 rec->attempts, 0, now))
            rc = PB_EDB;
    } else if (rc == PB_EIO) {
        int64_t wait = r->c->retry_s > 0 ? r->c->retry_s : 300;
        for (int i = 0; i < rec->attempts && wait < 86400; i++)
            wait *= 2;
        if (wait > 86400)
            wait = 86400;
        r->n->deferred++;
        say(r, "deferred %s to %s: %s (next try in %" PRId64 " s)", period,
            s->email, res.msg, wait);
        pb_err_set(r->err, PB_EIO, "%s: %s", s->email, res.msg);
        if (pb_store_digest_mark(r->st, s->id, period, PB_DIGEST_PREPARED,
                                 attempts, now + wait, now))
            rc = PB_EDB;
    }
out:
    free(pids);
    pb_buf_clear(&subject);
    pb_buf_clear(&text);
    pb_buf_clear(&html);
    pb_buf_clear(&msg);
    pb_buf_clear(&unsub);
    pb_buf_clear(&prefs);
    return rc;
}

static int digest_one(void *ctx, const struct pb_sub *s)
{
    struct run *r = ctx;
    char key[16], from[11], to[11], mid[200];
    struct pb_digest_rec rec;
    int64_t *pids = NULL;
    size_t n = 0;
    if (stopped(r))
        return PB_EINTR;
    if (!pb_mail_addr_ok(s->email))
        return PB_OK;
    int rc = pb_mail_period(r->day, s->freq == PB_SUB_WEEKLY, key, from, to);
    if (rc)
        return pb_err_set(r->err, rc, "--date %s: not a day", r->day);
    rc = pb_store_digest_get(r->st, s->id, key, &rec);
    if (!rc) {
        if (rec.state != PB_DIGEST_PREPARED &&
            rec.state != PB_DIGEST_SENDING) {
            r->n->already++;
            return PB_OK;
        }
        if (r->c->dry_run) {
            say(r, "would retry %s to %s", key, s->email);
            return PB_OK;
        }
        return send_logged(r, s, key, &rec);
    }
    if (rc != PB_ENOTFOUND)
        return rc;
    if ((rc = choose(r, s, from, to, &pids, &n)))
        goto out;
    if (!n) {
        r->n->empty++;
        say(r, "nothing new for %s in %s", s->email, key);
        goto out;
    }
    if (r->c->dry_run) {
        say(r, "would send %s to %s: %zu papers", key, s->email, n);
        goto out;
    }
    unsigned char rnd[8];
    char hex[17];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(mid, sizeof mid, "pb.%s.%" PRId64 ".%s@%s", key, s->id, hex,
             r->host);
    rc = pb_store_digest_prepare(r->st, s->id, key, mid, pids, n, now_s(r));
    if (rc == PB_EEXIST) { /* another run logged it first */
        rc = PB_OK;
        goto out;
    }
    if (rc || (rc = pb_store_digest_get(r->st, s->id, key, &rec)))
        goto out;
    rc = send_logged(r, s, key, &rec);
out:
    free(pids);
    return rc;
}

static int due_one(void *ctx, int64_t sub, const char *period)
{
    struct run *r = ctx;
    struct pb_sub s;
    struct pb_digest_rec rec;
    if (stopped(r))
        return PB_EINTR;
    int rc = pb_store_sub_get(r->st, sub, &s);
    if (rc)
        return rc == PB_ENOTFOUND ? PB_OK : rc;
    if ((rc = pb_store_digest_get(r->st, sub, period, &rec)))
        return rc == PB_ENOTFOUND ? PB_OK : rc;
    if (s.state != PB_SUB_ACTIVE) /* unsubscribed meanwhile: drop it */
        return pb_store_digest_mark(r->st, sub, period, PB_DIGEST_REFUSED,
                                    rec.attempts, 0, now_s(r));
    if (r->c->dry_run) {
        say(r, "would retry %s to %s", period, s.email);
        return PB_OK;
    }
    return send_logged(r, &s, period, &rec);
}

int pb_mail_retry_due(struct pb_store *st, const struct pb_mail_config *c,
                      struct pb_mail_counts *n, struct pb_err *err)
{
    struct run r;
    int rc = begin(&r, st, c, n, err);
    if (!rc)
        rc = pb_store_digest_due(st, now_s(&r), due_one, &r);
    if (rc == PB_EDB)
        pb_err_set(err, rc, "store: %s", pb_store_errmsg(st));
    return rc;
}

int pb_mail_send_digests(struct pb_store *st, const struct pb_mail_config *c,
                         const char *day, struct pb_mail_counts *n,
                         struct pb_err *err)
{
    struct run r;
    char latest[11];
    int rc = begin(&r, st, c, n, err);
    if (rc)
        return rc;
    if (!day) {
        struct pb_feed *f = pb_store_feed_new(st);
        rc = pb_store_feed_latest_day(f, latest);
        pb_store_feed_free(f);
        if (rc == PB_ENOTFOUND) {
            say(&r, "no papers listed yet: no digests");
            return PB_OK;
        }
        if (rc)
            return pb_err_set(err, rc, "store: %s", pb_store_errmsg(st));
        day = latest;
    }
    r.day = day;
    /* earlier runs' leftovers first: they are older news */
    rc = pb_store_digest_due(st, now_s(&r), due_one, &r);
    if (!rc)
        rc = pb_store_sub_each(st, PB_SUB_ACTIVE, digest_one, &r);
    if (rc == PB_EDB)
        pb_err_set(err, rc, "store: %s", pb_store_errmsg(st));
    return rc;
}
