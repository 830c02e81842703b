/* mail_digest.c - choosing, rendering and sending digests and confirmation
 * mails, with retries and the sent-log (mail.h). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/date.h"
#include "core/mem.h"
#include "mail/mail.h"
#include "mail/mail_text.h"
#include "mail/mail_token.h"
#include "rank/member_recs.h"
#include "store/store_feed.h"
#include "store/store_mail.h"
#include "text/latex_plain.h"
#include "vector/vindex.h"
#include "core/escape.h"
#include "core/period.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

#define MAX_MAIL (4u << 20)
#define CANDIDATES 500
#define RECS_MAX 5   /* "Recommended for you": at most this many, and at
                        most half of the subscriber's maximum (rounded up) */
#define RECS_ASK 100 /* asked of the model, before leaving out the papers
                        sent before */
/* How long one SMTP transaction may take (curl's connect and transfer
 * timeouts fit): a digest claimed longer ago by a run on another host, or
 * by a process that is gone, is reported as uncertain */
#define LEASE_S 300

/* Everything one run needs. */
struct run {
    struct pb_store *st;
    const struct pb_mail_config *c;
    struct pb_mail_counts *n;
    struct pb_err *err;
    unsigned char key[PB_MAIL_KEY_BYTES];
    char host[128];  /* for Message-IDs */
    const char *day; /* the digest day */
    char by[128];    /* "host pid": who claims a digest (pb_store_digest_claim) */
    /* PB_TEST_CRASH_AT=POINT[:N]: the test hook that kills the process
     * (SIGKILL) the Nth time (1) a digest reaches POINT: "before-claim",
     * "before-smtp" (claimed, nothing sent), "after-smtp" (accepted by the
     * server, not yet marked sent). docs/MAIL.md */
    char crash_at[32];
    int crash_n, crash_seen;
    /* digests this run left uncertain and said so already */
    struct {
        int64_t sub;
        char period[16];
    } told[8];
    size_t n_told;
    /* the paper vectors of the store's semantic index (DB.vec, mapped),
     * opened for the first subscriber who wants recommendations; vs_state
     * 1 open, -1 absent (said once) */
    struct pb_vecset *vs;
    int vs_state;
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
    char hn[64] = "";
    if (gethostname(hn, sizeof hn - 1))
        snprintf(hn, sizeof hn, "localhost");
    hn[strcspn(hn, " \t\r\n")] = '\0';
    snprintf(r->by, sizeof r->by, "%s %ld", hn, (long)getpid());
    const char *crash = getenv("PB_TEST_CRASH_AT");
    if (crash && *crash) {
        snprintf(r->crash_at, sizeof r->crash_at, "%s", crash);
        char *colon = strchr(r->crash_at, ':');
        r->crash_n = 1;
        if (colon) {
            *colon = '\0';
            r->crash_n = atoi(colon + 1) > 0 ? atoi(colon + 1) : 1;
        }
    }
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

/* Up to want papers recommended to s's member (pb_member_recs) that s was
 * never sent, into out. Nothing, with a line on c->out, when s wants none,
 * is no member's, the store has no semantic index or the member has
 * liked nothing with a vector yet: the digest goes without the section. */
static int recommend(struct run *r, const struct pb_sub *s, size_t want,
                     struct pb_digest_item *out, size_t *out_n)
{
    *out_n = 0;
    if (!s->recs || !s->member_ok || !want)
        return PB_OK;
    if (!r->vs_state) {
        struct pb_err e;
        char path[4200];
        pb_err_clear(&e);
        r->vs_state = -1;
        if (!r->c->db_path ||
            pb_vindex_path(r->c->db_path, "vec", path, sizeof path))
            say(r, "recommendations: no store path given: section left out");
        else if (pb_vecset_open(path, &r->vs, &e))
            say(r, "recommendations: no paper vectors beside the store "
                   "(%s: %s): section left out (paperboy train-vectors, "
                   "paperboy embed)", path,
                e.msg[0] ? e.msg : pb_strerror(e.rc));
        else
            r->vs_state = 1;
    }
    if (r->vs_state < 0)
        return PB_OK;
    struct pb_ranked rk[RECS_ASK];
    size_t n = 0;
    int rc = pb_member_recs(r->st, r->vs, s->member, RECS_ASK, rk, &n);
    if (rc == PB_ENOTFOUND || rc == PB_EUNSUP) {
        say(r, "recommendations for %s: nothing liked with a paper vector "
               "yet: section left out", s->email);
        return PB_OK;
    }
    if (rc)
        return rc;
    for (size_t i = 0; i < n && *out_n < want && !rc; i++) {
        int ok = 0;
        rc = pb_store_mail_sendable(r->st, s->id, rk[i].key, &ok);
        if (!rc && ok)
            out[(*out_n)++] = (struct pb_digest_item){rk[i].key,
                                                      PB_DSRC_RECOMMENDED, 0};
    }
    return rc;
}

/* Append it to v (n of cap) unless its pid is there already. */
static void add_item(struct pb_digest_item *v, size_t *n, size_t cap,
                     const struct pb_digest_item *it)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i].pid == it->pid)
            return;
    if (*n < cap)
        v[(*n)++] = *it;
}

/* The papers of s's digest over [from, to], chosen at now: top_n trending
 * first, then those matching a follow, then those added to a followed
 * collection since the previous digest, then the recommendations (room
 * kept for them); at most max_papers. */
static int choose(struct run *r, const struct pb_sub *s, const char *from,
                  const char *to, int64_t now, struct pb_digest_item **out,
                  size_t *out_n)
{
    int64_t *cand = NULL;
    struct pb_digest_item *ci = NULL, recs[RECS_MAX];
    size_t n = 0, k = 0, n_ci = 0, n_recs = 0;
    size_t cap = s->max_papers > 0 ? (size_t)s->max_papers : 20;
    size_t want = (cap + 1) / 2 < RECS_MAX ? (cap + 1) / 2 : RECS_MAX;
    int rc = recommend(r, s, want, recs, &n_recs);
    if (rc || (rc = pb_store_mail_candidates(r->st, s->id, from, to,
                                             CANDIDATES, &cand, &n)))
        return rc;
    size_t max = cap - n_recs;
    struct pb_digest_item *v = pb_calloc(cap, sizeof *v);
    char *taken = pb_calloc(n ? n : 1, 1);
    for (size_t i = 0; i < n && i < (size_t)s->top_n && k < max; i++) {
        v[k++] = (struct pb_digest_item){cand[i], PB_DSRC_PERIOD, 0};
        taken[i] = 1;
    }
    if (s->categories[0] || s->authors[0] || s->keywords[0]) {
        struct pb_buf why;
        pb_buf_init(&why, 4096);
        for (size_t i = 0; i < n && k < max && !rc; i++) {
            struct pb_paper p;
            pb_paper_init(&p);
            if (!taken[i] && !(rc = pb_store_paper_get_pid(r->st, cand[i], &p))
                && follows(s, &p, &why))
                v[k++] = (struct pb_digest_item){cand[i], PB_DSRC_PERIOD, 0};
            if (rc == PB_ENOTFOUND)
                rc = PB_OK;
            pb_paper_clear(&p);
        }
        pb_buf_clear(&why);
    }
    if (!rc && s->n_colls && k < max &&
        !(rc = pb_store_mail_coll_candidates(r->st, s, now, CANDIDATES, &ci,
                                             &n_ci)))
        for (size_t i = 0; i < n_ci && k < max; i++)
            add_item(v, &k, max, &ci[i]);
    for (size_t i = 0; i < n_recs; i++)
        add_item(v, &k, cap, &recs[i]);
    free(cand);
    free(ci);
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

/* One paper: title, authors, upvotes and why it is here (reason, "" for
 * none: "you follow cs.CL; in collection Reading list"), link, abstract. */
static int render_paper(struct run *r, const char *reason,
                        const struct pb_paper *p, size_t i,
                        struct pb_buf *text, struct pb_buf *html)
{
    int rc = PB_OK;
    char *title = plain(p->title, PB_MAX_TITLE);
    char *abs = plain(p->abstract, 900);
    struct pb_buf url, tmp;
    pb_buf_init(&url, 4096);
    pb_buf_init(&tmp, 8192);
    TRY(pb_buf_printf(&url, "%s/papers/", r->c->base_url));
    TRY(pb_web_url_s(&url, p->id));
    int followed = reason[0] != '\0';
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
        TRY(pb_buf_puts(text, " - "));
        TRY(pb_mail_plain_line(text, reason));
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
        TRY(pb_buf_puts(html, " &middot; "));
        TRY(pb_web_html_s(html, reason));
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
    return rc;
}

/* Why item it (paper p) is in s's digest, into why: "you follow cs.CL",
 * "in collection Reading list", both joined by "; ", or "". */
static int reason(struct run *r, const struct pb_sub *s,
                  const struct pb_digest_item *it, const struct pb_paper *p,
                  struct pb_buf *why)
{
    struct pb_buf f;
    pb_buf_init(&f, 4096);
    int rc = PB_OK;
    pb_buf_reset(why);
    if (it->src != PB_DSRC_RECOMMENDED && follows(s, p, &f))
        rc = pb_buf_printf(why, "you follow %s", pb_buf_cstr(&f));
    if (!rc && it->src == PB_DSRC_COLLECTION) {
        char name[101];
        int nrc = pb_store_mail_coll_name(r->st, it->coll, name);
        if (nrc == PB_ENOTFOUND) /* deleted since it was chosen */
            snprintf(name, sizeof name, "#%" PRId64, it->coll);
        else if (nrc)
            rc = nrc;
        if (!rc)
            rc = pb_buf_printf(why, "%sin collection %s",
                               why->len ? "; " : "", name);
    }
    pb_buf_clear(&f);
    return rc;
}

static int render_digest(struct run *r, const struct pb_sub *s,
                         const char *period,
                         const struct pb_digest_item *items, size_t n,
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
    size_t shown = 0, numbered = 0;
    struct pb_buf why;
    pb_buf_init(&why, 4096);
    /* the papers of the period and the collections, then the
     * recommendations under their own heading */
    for (int part = 0; part < 2 && !rc; part++) {
        int heading = 0;
        for (size_t i = 0; i < n && !rc; i++) {
            if ((items[i].src == PB_DSRC_RECOMMENDED) != part)
                continue;
            struct pb_paper p;
            pb_paper_init(&p);
            rc = pb_store_paper_get_pid(r->st, items[i].pid, &p);
            if (rc == PB_ENOTFOUND) { /* deleted since: leave it out */
                rc = PB_OK;
                pb_paper_clear(&p);
                continue;
            }
            if (!rc && !shown) {
                char *t = plain(p.title, 200);
                struct pb_buf tt;
                pb_buf_init(&tt, 1024);
                if (!(rc = pb_web_trunc(&tt, t, 80)))
                    rc = pb_buf_puts(subject, pb_buf_cstr(&tt));
                pb_buf_clear(&tt);
                free(t);
            }
            if (!rc && part && !heading++) {
                numbered = 0;
                rc = pb_buf_puts(text, "Recommended for you\n"
                                       "-------------------\n\n");
                if (!rc)
                    rc = pb_buf_puts(html, "<tr><td style=\"padding:20px 0 "
                                           "4px\"><h2 style=\"margin:0;"
                                           "font-size:18px;color:#b3261e\">"
                                           "Recommended for you</h2><div "
                                           "style=\"color:#555;font-size:"
                                           "13px\">From the papers you "
                                           "upvoted and collected</div>"
                                           "</td></tr>");
            }
            if (!rc)
                rc = reason(r, s, &items[i], &p, &why);
            if (!rc)
                rc = render_paper(r, pb_buf_cstr(&why), &p, numbered++, text,
                                  html);
            shown++;
            pb_paper_clear(&p);
        }
    }
    pb_buf_clear(&why);
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

/* The test hook (PB_TEST_CRASH_AT): die here, as a power cut would. */
static void crash_point(struct run *r, const char *point)
{
    if (r->crash_at[0] && !strcmp(r->crash_at, point) &&
        ++r->crash_seen == r->crash_n) {
        if (r->c->out)
            fflush(r->c->out);
        raise(SIGKILL);
    }
}

/* The wait before a later run tries a deferred digest again: retry_s,
 * doubled per failed run, at most a day. */
static int64_t retry_wait(const struct run *r, int attempts)
{
    int64_t wait = r->c->retry_s > 0 ? r->c->retry_s : 300;
    for (int i = 0; i < attempts && wait < 86400; i++)
        wait *= 2;
    return wait > 86400 ? 86400 : wait;
}

/*
 * Send the logged digest (s, period): its papers as logged, its
 * Message-ID. Each attempt is one SMTP transaction under a claim written
 * durably before it (pb_store_digest_claim): a crash at any point leaves
 * the digest either prepared (nothing went out: sent later) or SENDING
 * (it may have gone out: never sent again without an admin's word). A
 * failure the server answered before taking the message releases the
 * claim and is retried with backoff; one after the whole message went
 * out without an answer leaves it SENDING (uncertain).
 */
static int send_logged(struct run *r, const struct pb_sub *s,
                       const char *period, const struct pb_digest_rec *rec)
{
    struct pb_digest_item *items = NULL;
    size_t n = 0;
    struct pb_buf subject, text, html, msg, unsub, prefs;
    pb_buf_init(&prefs, 4096);
    pb_buf_init(&subject, 4096);
    pb_buf_init(&text, MAX_MAIL);
    pb_buf_init(&html, MAX_MAIL);
    pb_buf_init(&msg, MAX_MAIL);
    pb_buf_init(&unsub, 4096);
    int rc = pb_store_digest_papers(r->st, s->id, period, &items, &n);
    if (rc)
        goto out;
    mail_link(&unsub, r, "/mail/unsubscribe", PB_MAIL_TOKEN_UNSUB, s, 0);
    mail_link(&prefs, r, "/mail/preferences", PB_MAIL_TOKEN_UNSUB, s, 0);
    TRY(render_digest(r, s, period, items, n, pb_buf_cstr(&unsub),
                      pb_buf_cstr(&prefs), &subject, &text, &html));
    int64_t now = now_s(r);
    struct pb_mail_msg m = {
        .from = r->c->from, .from_name = r->c->from_name, .to = s->email,
        .subject = pb_buf_cstr(&subject), .message_id = rec->message_id,
        .date = now, .unsub_url = pb_buf_cstr(&unsub),
        .text = pb_buf_cstr(&text), .html = pb_buf_cstr(&html),
    };
    TRY(pb_mail_msg_render(&m, &msg));
    const struct pb_mail_config *c = r->c;
    int tries = c->tries > 0 ? c->tries : 3, tried = 0;
    int64_t wait = c->backoff_ms > 0 ? c->backoff_ms : 2000;
    struct pb_smtp_result res;
    memset(&res, 0, sizeof res);
    rc = PB_EIO;
    for (int i = 0; i < tries; i++) {
        if (stopped(r)) {
            rc = PB_EINTR;
            break;
        }
        if (i) {
            say(r, "  retry %d in %" PRId64 " ms (%s)", i, wait, res.msg);
            c->clock->sleep_ms(c->clock->ctx, wait);
            wait *= 2;
        }
        crash_point(r, "before-claim");
        now = now_s(r);
        rc = pb_store_digest_claim(r->st, s->id, period, now, now + LEASE_S,
                                   r->by);
        if (rc == PB_EBUSY) { /* another run took it meanwhile */
            if (!tried)
                r->n->already++;
            rc = PB_OK;
            goto out;
        }
        if (rc)
            goto out;
        tried++;
        crash_point(r, "before-smtp");
        rc = c->smtp->send(c->smtp->ctx, c->from, s->email, msg.p, msg.len,
                           &res);
        if (rc == PB_OK)
            crash_point(r, "after-smtp");
        if (rc != PB_EIO || res.uncertain)
            break;
        /* the server did not take it: free for the next attempt (or, if
         * we die in the wait, for the next run) */
        if (pb_store_digest_mark(r->st, s->id, period, PB_DIGEST_PREPARED,
                                 rec->attempts, 0, now_s(r))) {
            rc = PB_EDB;
            goto out;
        }
    }
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
    } else if (rc == PB_EIO && res.uncertain) {
        /* left SENDING: reported by pb_mail_report_uncertain() */
        r->n->uncertain++;
        if (r->n_told < sizeof r->told / sizeof r->told[0]) {
            r->told[r->n_told].sub = s->id;
            snprintf(r->told[r->n_told].period, sizeof r->told[0].period,
                     "%s", period);
            r->n_told++;
        }
        say(r, "uncertain: %s %s <%s>: %s (the server may have it: not "
               "sent again unless released, docs/MAIL.md)",
            period, s->email, rec->message_id, res.msg);
        pb_err_set(r->err, PB_EIO, "%s: %s", s->email, res.msg);
    } else if (rc == PB_EIO) {
        int64_t w = retry_wait(r, rec->attempts);
        r->n->deferred++;
        say(r, "deferred %s to %s: %s (next try in %" PRId64 " s)", period,
            s->email, res.msg, w);
        pb_err_set(r->err, PB_EIO, "%s: %s", s->email, res.msg);
        if (pb_store_digest_mark(r->st, s->id, period, PB_DIGEST_PREPARED,
                                 attempts, now + w, now))
            rc = PB_EDB;
    }
    /* PB_EINTR: stopped between attempts; the digest is prepared */
out:
    free(items);
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
    struct pb_digest_item *items = NULL;
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
        if (rec.state == PB_DIGEST_SENDING) /* reported as uncertain */
            return PB_OK;
        if (rec.state != PB_DIGEST_PREPARED) {
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
    /* one moment for choosing and logging: the collections' window ends
     * where the next digest's begins */
    int64_t now = now_s(r);
    if ((rc = choose(r, s, from, to, now, &items, &n)))
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
    rc = pb_store_digest_prepare(r->st, s->id, key, mid, items, n, now);
    if (rc == PB_EEXIST) { /* another run logged it first */
        rc = PB_OK;
        goto out;
    }
    if (rc || (rc = pb_store_digest_get(r->st, s->id, key, &rec)))
        goto out;
    rc = send_logged(r, s, key, &rec);
out:
    free(items);
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

/* --- uncertain digests --------------------------------------------------- */

struct report {
    struct run *r;
    int64_t now;
    pb_mail_uncertain_fn fn;
    void *ctx;
};

/* Whether the run "host pid" may still be sending: this host's process
 * alive (not this one: a run never leaves its own claim while it goes
 * on), or another host's within its lease. */
static int may_be_sending(const struct run *r, const char *by,
                          int64_t lease_until, int64_t now)
{
    if (!strcmp(by, r->by))
        return 0;
    const char *sp = strrchr(by, ' ');
    if (!sp || now >= lease_until)
        return 0;
    size_t hl = (size_t)(sp - by);
    if (hl != strcspn(r->by, " ") || strncmp(by, r->by, hl))
        return 1; /* another host: trust the lease */
    long pid = strtol(sp + 1, NULL, 10);
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static int report_one(void *ctx, int64_t sub, const char *email,
                      const char *period, const struct pb_digest_rec *rec)
{
    struct report *rp = ctx;
    for (size_t i = 0; !rp->fn && i < rp->r->n_told; i++)
        if (rp->r->told[i].sub == sub &&
            !strcmp(rp->r->told[i].period, period))
            return PB_OK; /* this run said so when it happened */
    int busy = may_be_sending(rp->r, rec->claimed_by, rec->next_try, rp->now);
    char at[21];
    pb_time_format(rec->claimed_at, at);
    if (!busy)
        rp->r->n->uncertain++;
    if (rp->fn)
        return rp->fn(rp->ctx, sub, email, period, rec, busy);
    if (busy)
        say(rp->r, "sending: %s %s <%s>: by %s since %s", period, email,
            rec->message_id, rec->claimed_by, at);
    else
        say(rp->r, "uncertain: %s %s <%s>: handed to the server at %s by %s, "
                   "which stopped before it knew the answer; not sent again "
                   "(if it was not delivered: paperboy digest release %s "
                   "%s)", period, email, rec->message_id, at,
            rec->claimed_by, email, period);
    return PB_OK;
}

int pb_mail_report_uncertain(struct pb_store *st,
                             const struct pb_mail_config *c,
                             struct pb_mail_counts *n, pb_mail_uncertain_fn fn,
                             void *ctx, struct pb_err *err)
{
    struct run r;
    int rc = begin(&r, st, c, n, err);
    if (rc)
        return rc;
    struct report rp = {&r, now_s(&r), fn, ctx};
    rc = pb_store_digest_sending_each(st, report_one, &rp);
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
    /* digests a crash (or a lost answer) left uncertain, every run until
     * an admin settles them; counted apart from this run's new ones */
    if (rc != PB_EDB && !c->dry_run) {
        struct report rp = {&r, now_s(&r), NULL, NULL};
        int rrc = pb_store_digest_sending_each(st, report_one, &rp);
        if (!rc)
            rc = rrc;
    }
    pb_vecset_free(r.vs);
    if (rc == PB_EDB)
        pb_err_set(err, rc, "store: %s", pb_store_errmsg(st));
    return rc;
}
