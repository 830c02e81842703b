/*
 * html.h - the pieces every HTML page of the site is built from: the page
 * head with the site header (name, search box, Daily / Trending / Subscribe),
 * the foot, paper cards and pagers. All outside text goes through
 * escape.h. Each function appends to b and returns PB_OK or PB_ETOOBIG.
 */
#ifndef PB_WEB_HTML_H
#define PB_WEB_HTML_H

#include "core/buf.h"
#include "core/paper.h"
#include "web/web_int.h"

/* <!doctype html> ... <main>. title is plain text (escaped here); q is the
 * search box's value (may be NULL); feed, when not NULL, is the path of an
 * Atom feed to announce with <link rel=alternate>. */
int pb_web_html_head(struct pb_buf *b, const struct pb_web_req *rq,
                     const char *title, const char *q,
                     const char *feed) PB_WUR;
/* </main> and the footer. */
int pb_web_html_foot(struct pb_buf *b) PB_WUR;

/* A paper as a card: title, first authors and "et al.", two lines of
 * abstract, upvotes, comments, code link with stars, categories. snippet,
 * when not NULL, is already-escaped HTML shown instead of the abstract. */
int pb_web_html_card(struct pb_buf *b, const struct pb_paper *p,
                     const char *snippet) PB_WUR;
/* All cards of a list in an <ol>, or the empty text when there are none;
 * rq (may be NULL) gives the upvote boxes and thumbnails their state. */
int pb_web_html_cards(struct pb_buf *b, struct pb_web_req *rq,
                      const struct pb_feed_list *l, char **snips,
                      const char *empty) PB_WUR;

/* As pb_web_html_cards, for a request: a member also sees an upvote
 * button on each card. */
int pb_web_html_cards_rq(struct pb_buf *b, struct pb_web_req *rq,
                         const struct pb_feed_list *l,
                         const char *empty) PB_WUR;

/* As pb_web_html_cards_rq, and extra (when not NULL) appends more <li>
 * items to each card's list of actions (after the upvote button): ctx is
 * passed through, the paper and its pid are borrowed for the call. */
typedef int (*pb_web_card_extra)(void *ctx, struct pb_buf *b,
                                 struct pb_web_req *rq,
                                 const struct pb_paper *p, int64_t pid);
int pb_web_html_cards_ex(struct pb_buf *b, struct pb_web_req *rq,
                         const struct pb_feed_list *l, const char *empty,
                         pb_web_card_extra extra, void *ctx) PB_WUR;

/* A member's or submitter's link with their avatar:
 * <a href="/u/NAME"><img ...>NAME</a>. */
int pb_web_html_member(struct pb_buf *b, const char *name) PB_WUR;

/* An author link: <a href="/authors/NAME">NAME</a>. */
int pb_web_html_author(struct pb_buf *b, const char *name) PB_WUR;

/* Plain text of LaTeX s (title or abstract), escaped for HTML. */
int pb_web_html_latex(struct pb_buf *b, const char *s) PB_WUR;

/* Previous / next links: each of prev_href/next_href may be NULL (no
 * link). Labels and hrefs are escaped here. */
int pb_web_html_prevnext(struct pb_buf *b, const char *prev_href,
                         const char *prev_label, const char *next_href,
                         const char *next_label) PB_WUR;

#endif
