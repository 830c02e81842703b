/* html_layout.c - page head and foot, cards, pagers (see html.h). */
#include "web/html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "text/latex_plain.h"
#include "core/escape.h"
#include "web/media.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

/* Log in / sign up, or the member's links and a log-out button (a form:
 * logging out changes state, so it is a POST with the CSRF token). */
static int account_nav(struct pb_buf *b, const struct pb_web_req *rq)
{
    int rc = PB_OK;
    if (!rq->me.id)
        return pb_buf_puts(b, "<nav class=\"account\" aria-label=\"Account\">"
                              "<a href=\"/login\">Log in</a>"
                              "<a href=\"/signup\">Sign up</a></nav>");
    TRY(pb_buf_puts(b, "<nav class=\"account\" aria-label=\"Account\">"
                       "<a href=\"/for-you\">For you</a>"
                       "<a href=\"/submit\">Submit</a>"
                       "<a href=\"/collections\">Collections</a>"
                       "<a href=\"/following\">Following</a>"));
    if (rq->me.role >= PB_ROLE_MOD)
        TRY(pb_buf_puts(b, "<a href=\"/mod/log\">Moderation</a>"));
    TRY(pb_buf_puts(b, "<form class=\"inline\" method=\"post\" "
                       "action=\"/logout\">"));
    TRY(pb_web_csrf_input(b, rq));
    TRY(pb_buf_puts(b, "<button type=\"submit\">Log out <span class=\"me\">"));
    TRY(pb_web_html_s(b, rq->me.name));
    TRY(pb_buf_puts(b, "</span></button></form></nav>"));
out:
    return rc;
}

int pb_web_html_head(struct pb_buf *b, const struct pb_web_req *rq,
                     const char *title, const char *q, const char *feed)
{
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head>"
                       "<meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width,"
                       " initial-scale=1\">"
                       "<meta name=\"color-scheme\" content=\"light dark\">"
                       "<title>"));
    TRY(pb_web_html_s(b, title));
    TRY(pb_buf_puts(b, " \xC2\xB7 paperboy</title><link rel=\"stylesheet\" href=\""));
    TRY(pb_web_html_s(b, rq->site->css_path));
    TRY(pb_buf_puts(b, "\"><link rel=\"icon\" href=\""));
    TRY(pb_web_html_s(b, rq->site->icon_path));
    TRY(pb_buf_puts(b, "\" type=\"image/svg+xml\">"));
    if (feed) {
        TRY(pb_buf_puts(b, "<link rel=\"alternate\" type=\"application/atom+xml\""
                           " title=\"paperboy\" href=\""));
        TRY(pb_web_html_s(b, feed));
        TRY(pb_buf_puts(b, "\">"));
    }
    TRY(pb_buf_puts(
        b, "</head><body><header class=\"site\"><div class=\"bar\">"
           "<a class=\"brand\" href=\"/\">paperboy</a>"
           "<nav aria-label=\"Main\"><a href=\"/\">Daily</a>"
           "<a href=\"/trending\">Trending</a>"
           "<a href=\"/subscribe\">Subscribe</a></nav>"
           "<form class=\"search\" role=\"search\" action=\"/search\" "
           "method=\"get\"><label for=\"q\" class=\"vh\">Search papers</label>"
           "<input id=\"q\" name=\"q\" type=\"search\" "
           "placeholder=\"Search papers\" value=\""));
    TRY(pb_web_html_s(b, q));
    TRY(pb_buf_puts(b, "\">"));
    {
        /* a new search from a semantic or hybrid result page keeps its
         * mode (page_search.c); only those two fixed words are echoed */
        const char *m = rq && rq->path && !strcmp(rq->path, "/search")
                            ? pb_web_arg(rq, "mode")
                            : NULL;
        if (m && (!strcmp(m, "semantic") || !strcmp(m, "hybrid")))
            TRY(pb_buf_printf(b, "<input type=\"hidden\" name=\"mode\" "
                                 "value=\"%s\">",
                              m));
    }
    TRY(pb_buf_puts(b, "<button type=\"submit\">Search</button></form>"));
    TRY(account_nav(b, rq));
    TRY(pb_buf_puts(b, "</div></header><main id=\"main\">"));
out:
    return rc;
}

int pb_web_html_foot(struct pb_buf *b)
{
    int rc = pb_buf_puts(b, "</main><footer class=\"site\">");
    if (!rc) /* the e-mail box on every page (page_mail.c) */
        rc = pb_web_mail_box(b);
    if (rc)
        return rc;
    return pb_buf_puts(
        b, "<p>paperboy \xC2\xB7 papers link to "
           "<a href=\"https://arxiv.org/\">arXiv</a> \xC2\xB7 "
           "<a href=\"/subscribe\">RSS and Atom feeds</a> \xC2\xB7 "
           "<a href=\"/api/daily_papers\">JSON API</a></p></footer>"
           "</body></html>\n");
}

/* Plain text of s[0..len): LaTeX conversion (with its Unicode
 * normalisation) only when s holds something LaTeX could mean, since it is
 * most of the cost of a page. Heap string; caller frees. */
static char *plain_text(const char *s, size_t len)
{
    if (!memchr(s, '\\', len) && !memchr(s, '$', len) && !memchr(s, '{', len) &&
        !memchr(s, '~', len) && !memchr(s, '^', len) && !memchr(s, '_', len))
        return pb_strndup(s, len);
    return pb_text_latex_plain(s, len);
}

int pb_web_html_latex(struct pb_buf *b, const char *s)
{
    if (!s)
        return PB_OK;
    char *plain = plain_text(s, strlen(s));
    int rc = pb_web_html_s(b, plain);
    free(plain);
    return rc;
}

int pb_web_html_member(struct pb_buf *b, const char *name)
{
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "<a class=\"member\" href=\"/u/"));
    TRY(pb_web_url_s(b, name));
    TRY(pb_buf_puts(b, "\">"));
    TRY(pb_web_avatar_img(b, name, 20));
    TRY(pb_web_html_s(b, name));
    TRY(pb_buf_puts(b, "</a>"));
out:
    return rc;
}

int pb_web_html_author(struct pb_buf *b, const char *name)
{
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "<a href=\"/authors/"));
    TRY(pb_web_url_s(b, name));
    TRY(pb_buf_puts(b, "\">"));
    TRY(pb_web_html_s(b, name));
    TRY(pb_buf_puts(b, "</a>"));
out:
    return rc;
}

static int plural(struct pb_buf *b, int64_t n, const char *one,
                  const char *many)
{
    return pb_buf_printf(b, "%" PRId64 " %s", n, n == 1 ? one : many);
}

/* The upvote button of a card, for a member (a form, so it works
 * without JavaScript; back brings them to the page they were on). */
static int vote_form(struct pb_buf *b, struct pb_web_req *rq,
                     const struct pb_paper *p, int64_t pid)
{
    int rc = PB_OK, on = 0;
    struct pb_cmdb *db = pb_web_cmdb(rq);
    if (!db || pb_cmdb_voted(db, rq->me.id, pid, &on))
        on = 0;
    TRY(pb_buf_puts(b, "<form class=\"vote\" method=\"post\" "
                       "action=\"/vote/"));
    TRY(pb_web_url_s(b, p->id));
    TRY(pb_buf_puts(b, "\">"));
    TRY(pb_web_csrf_input(b, rq));
    TRY(pb_buf_puts(b, "<input type=\"hidden\" name=\"back\" value=\""));
    TRY(pb_web_html_s(b, rq->path));
    TRY(pb_buf_printf(b, "\"><button type=\"submit\" aria-pressed=\"%s\">"
                         "%s</button></form>",
                      on ? "true" : "false", on ? "Upvoted" : "Upvote"));
out:
    return rc;
}

static int card(struct pb_buf *b, struct pb_web_req *rq,
                const struct pb_paper *p, int64_t pid, const char *snippet,
                pb_web_card_extra extra, void *ctx);

/* The page rq asked for (path and query, the query's order kept),
 * percent-encoded as one value for next=. */
static int here(struct pb_buf *b, const struct pb_web_req *rq)
{
    struct pb_buf u;
    pb_buf_init(&u, 4096);
    int rc = pb_buf_puts(&u, rq && rq->path ? rq->path : "/");
    for (size_t i = 0; rq && !rc && i < rq->n_args; i++) {
        if (!(rc = pb_buf_putc(&u, i ? '&' : '?')) &&
            !(rc = pb_web_url_s(&u, rq->args[i].key)) && rq->args[i].value &&
            !(rc = pb_buf_putc(&u, '=')))
            rc = pb_web_url_s(&u, rq->args[i].value);
    }
    if (rc) { /* a query too long to carry: the page without it */
        pb_buf_reset(&u);
        rc = pb_buf_puts(&u, rq && rq->path ? rq->path : "/");
    }
    if (!rc)
        rc = pb_web_url(b, u.p, u.len);
    pb_buf_clear(&u);
    return rc;
}

int pb_web_html_card(struct pb_buf *b, const struct pb_paper *p,
                     const char *snippet)
{
    return card(b, NULL, p, 0, snippet, NULL, NULL);
}

static int card(struct pb_buf *b, struct pb_web_req *rq,
                const struct pb_paper *p, int64_t pid, const char *snippet,
                pb_web_card_extra extra, void *ctx)
{
    int rc = PB_OK;
    struct pb_buf tmp;
    pb_buf_init(&tmp, PB_MAX_ABSTRACT * 4);
    TRY(pb_buf_puts(b, "<li><article class=\"card\"><div class=\"votebox\">"));
    if (rq && rq->me.id) {
        TRY(vote_form(b, rq, p, pid));
    } else {
        /* a visitor's box leads to log-in and back to this page */
        TRY(pb_buf_puts(b, "<a class=\"vote\" rel=\"nofollow\" "
                           "href=\"/login?next="));
        TRY(here(b, rq));
        TRY(pb_buf_puts(b, "\">Upvote</a>"));
    }
    TRY(pb_buf_puts(b, "</div><div class=\"cbody\"><h2><a href=\"/papers/"));
    TRY(pb_web_url_s(b, p->id));
    TRY(pb_buf_puts(b, "\">"));
    TRY(pb_web_html_latex(b, p->title));
    TRY(pb_buf_puts(b, "</a></h2>"));
    if (p->authors.n) {
        TRY(pb_buf_puts(b, "<p class=\"authors\">"));
        size_t show = p->authors.n > 3 ? 3 : p->authors.n;
        for (size_t i = 0; i < show; i++) {
            if (i)
                TRY(pb_buf_puts(b, ", "));
            TRY(pb_web_html_author(b, p->authors.v[i]));
        }
        if (p->authors.n > show)
            TRY(pb_buf_puts(b, " et al."));
        TRY(pb_buf_puts(b, "</p>"));
    }
    if (snippet) {
        TRY(pb_buf_puts(b, "<p class=\"abstract\">"));
        TRY(pb_buf_puts(b, snippet));
        TRY(pb_buf_puts(b, "</p>"));
    } else if (p->abstract && p->abstract[0]) {
        /* two lines of it: convert a prefix only (the converter copes
         * with LaTeX cut short) */
        size_t n = strlen(p->abstract);
        if (n > 640) {
            n = 640;
            while (n && ((unsigned char)p->abstract[n] & 0xC0) == 0x80)
                n--;
        }
        char *plain = plain_text(p->abstract, n);
        rc = pb_web_trunc(&tmp, plain, 320);
        free(plain);
        if (rc)
            goto out;
        TRY(pb_buf_puts(b, "<p class=\"abstract\">"));
        TRY(pb_web_html(b, tmp.p, tmp.len));
        TRY(pb_buf_puts(b, "</p>"));
    }
    TRY(pb_buf_puts(b, "<ul class=\"meta\"><li class=\"up\"><span "
                       "aria-hidden=\"true\">\xE2\x96\xB2</span> "));
    TRY(plural(b, p->upvotes > 0 ? p->upvotes : 0, "upvote", "upvotes"));
    TRY(pb_buf_puts(b, "</li><li>"));
    TRY(plural(b, p->n_comments > 0 ? p->n_comments : 0, "comment",
               "comments"));
    TRY(pb_buf_puts(b, "</li>"));
    if (extra)
        TRY(extra(ctx, b, rq, p, pid));
    if (p->submitter && p->submitter[0]) {
        TRY(pb_buf_puts(b, "<li class=\"by\">submitted by "));
        TRY(pb_web_html_member(b, p->submitter));
        TRY(pb_buf_puts(b, "</li>"));
    }
    if (pb_web_url_is_safe(p->github_repo)) {
        TRY(pb_buf_puts(b, "<li><a href=\""));
        TRY(pb_web_html_s(b, p->github_repo));
        TRY(pb_buf_puts(b, "\" rel=\"nofollow noopener\">Code</a>"));
        if (p->github_stars >= 0) {
            TRY(pb_buf_puts(b, " <span aria-hidden=\"true\">\xE2\x98\x85"
                               "</span> "));
            TRY(plural(b, p->github_stars, "star", "stars"));
        }
        TRY(pb_buf_puts(b, "</li>"));
    }
    if (p->org && p->org[0]) {
        TRY(pb_buf_puts(b, "<li class=\"org\"><a href=\"/orgs/"));
        TRY(pb_web_url_s(b, p->org));
        TRY(pb_buf_puts(b, "\">"));
        TRY(pb_web_html_s(b, p->org));
        TRY(pb_buf_puts(b, "</a></li>"));
    }
    if (p->listed_day[0]) {
        TRY(pb_buf_puts(b, "<li><a href=\"/date/"));
        TRY(pb_web_url_s(b, p->listed_day));
        TRY(pb_buf_puts(b, "\">"));
        TRY(pb_web_html_s(b, p->listed_day));
        TRY(pb_buf_puts(b, "</a></li>"));
    }
    if (p->categories && p->categories[0]) {
        struct pb_strlist cats = {0};
        pb_strlist_split(&cats, p->categories, ' ');
        for (size_t i = 0; i < cats.n && i < 4 && !rc; i++) {
            if (!(rc = pb_buf_puts(b, "<li class=\"cat\"><a href=\"/cat/")) &&
                !(rc = pb_web_url_s(b, cats.v[i])) &&
                !(rc = pb_buf_puts(b, "\">")) &&
                !(rc = pb_web_html_s(b, cats.v[i])))
                rc = pb_buf_puts(b, "</a></li>");
        }
        pb_strlist_clear(&cats);
        if (rc)
            goto out;
    }
    TRY(pb_buf_puts(b, "</ul></div>"));
    TRY(pb_web_media_img(b, rq, p, pid, "thumb"));
    TRY(pb_buf_puts(b, "</article></li>"));
out:
    pb_buf_clear(&tmp);
    return rc;
}

int pb_web_html_cards(struct pb_buf *b, struct pb_web_req *rq,
                      const struct pb_feed_list *l, char **snips,
                      const char *empty)
{
    int rc = PB_OK;
    if (!l->n) {
        TRY(pb_buf_puts(b, "<p class=\"empty\">"));
        TRY(pb_web_html_s(b, empty));
        return pb_buf_puts(b, "</p>");
    }
    TRY(pb_buf_puts(b, "<ol class=\"cards\">"));
    for (size_t i = 0; i < l->n; i++)
        TRY(card(b, rq, &l->v[i], l->pid ? l->pid[i] : 0,
                 snips ? snips[i] : NULL, NULL, NULL));
    TRY(pb_buf_puts(b, "</ol>"));
out:
    return rc;
}

int pb_web_html_cards_rq(struct pb_buf *b, struct pb_web_req *rq,
                         const struct pb_feed_list *l, const char *empty)
{
    return pb_web_html_cards_ex(b, rq, l, empty, NULL, NULL);
}

int pb_web_html_cards_ex(struct pb_buf *b, struct pb_web_req *rq,
                         const struct pb_feed_list *l, const char *empty,
                         pb_web_card_extra extra, void *ctx)
{
    int rc = PB_OK;
    if (!l->n) {
        TRY(pb_buf_puts(b, "<p class=\"empty\">"));
        TRY(pb_web_html_s(b, empty));
        return pb_buf_puts(b, "</p>");
    }
    TRY(pb_buf_puts(b, "<ol class=\"cards\">"));
    for (size_t i = 0; i < l->n; i++)
        TRY(card(b, rq, &l->v[i], l->pid[i], NULL, extra, ctx));
    TRY(pb_buf_puts(b, "</ol>"));
out:
    return rc;
}

int pb_web_html_prevnext(struct pb_buf *b, const char *prev_href,
                         const char *prev_label, const char *next_href,
                         const char *next_label)
{
    int rc = PB_OK;
    if (!prev_href && !next_href)
        return PB_OK;
    TRY(pb_buf_puts(b, "<nav class=\"prevnext\" aria-label=\"Pages\">"));
    if (prev_href) {
        TRY(pb_buf_puts(b, "<a rel=\"prev\" href=\""));
        TRY(pb_web_html_s(b, prev_href));
        TRY(pb_buf_puts(b, "\">\xE2\x86\x90 "));
        TRY(pb_web_html_s(b, prev_label));
        TRY(pb_buf_puts(b, "</a>"));
    }
    if (next_href) {
        TRY(pb_buf_puts(b, "<a rel=\"next\" href=\""));
        TRY(pb_web_html_s(b, next_href));
        TRY(pb_buf_puts(b, "\">"));
        TRY(pb_web_html_s(b, next_label));
        TRY(pb_buf_puts(b, " \xE2\x86\x92</a>"));
    }
    TRY(pb_buf_puts(b, "</nav>"));
out:
    return rc;
}
