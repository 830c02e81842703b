/*
 * web_int.h - what the files of src/web/ share: the request a handler reads,
 * the response it fills, the per-thread database handles, and the handlers.
 *
 * A handler runs on one of the server's worker threads. It reads rq (all
 * borrowed for the call), writes rs->body and sets rs->status, rs->type and
 * rs->cache. For an error it calls pb_web_fail() and returns; the router then
 * renders the error in the route's format (HTML page, JSON {"error"}, text).
 */
#ifndef PB_WEB_WEB_INT_H
#define PB_WEB_WEB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "community/community.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/json_write.h"
#include "rank/hybrid.h"
#include "store/store_community.h"
#include "store/store_feed.h"

#define PB_WEB_MAX_ARGS 32
#define PB_WEB_MAX_BODY (32u << 20) /* cap on any response we build */

struct pb_web_search; /* search engine state, see web_search.c */

/* Read-only, shared by all threads once the server runs. */
struct pb_web_site {
    const char *base_url;   /* "http://127.0.0.1:8080", no trailing slash */
    const char *db_path;
    const char *db_replica; /* --db-replica, NULL = none (web_replica.h) */
    char css_path[64];      /* "/static/style.<hash>.css" */
    char icon_path[64];     /* "/static/icon.<hash>.svg" */
    struct pb_web_search *search; /* NULL when search is unavailable */
    const struct pb_cm_config *cm; /* community settings (borrowed) */
    struct pb_web_fetch *fetch;    /* unknown submissions; NULL = off */
    int no_mail;                   /* the site sends no mail (no --smtp) */
};

/* One worker thread's handles; opened on first use. */
struct pb_web_thread {
    struct pb_store *st;
    struct pb_feed *feed;
    struct pb_searcher *searcher; /* made on first search */
    struct pb_store *rw;          /* read-write, for the community */
    struct pb_cmdb *cmdb;         /* statements on rw */
};

struct pb_web_arg {
    const char *key, *value; /* decoded, borrowed */
};

enum pb_web_fmt { PB_FMT_HTML, PB_FMT_JSON, PB_FMT_TEXT };

struct pb_web_req {
    const char *path; /* decoded path, starts with '/' */
    struct pb_web_arg args[PB_WEB_MAX_ARGS];
    size_t n_args;
    const struct pb_web_site *site;
    struct pb_web_thread *th;
    /* the community's part (web_session.c); all borrowed for the call */
    int post;                  /* 1 for POST (form fields in form[]) */
    struct pb_web_arg form[PB_WEB_MAX_ARGS];
    size_t n_form;
    const char *ip;            /* client address, "-" when unknown */
    const char *cookie_session, *cookie_pre; /* cookie values or NULL */
    const char *cookie_lsn;    /* pb_lsn (web_replica.h) or NULL */
    const char *csrf_header;   /* X-CSRF-Token or NULL */
    struct pb_member me;       /* the member logged in, when me.id != 0 */
    char csrf[65];             /* the CSRF token forms carry, "" = none */
    int session_failed;        /* 1: the session cookie could not be
                                  checked (the store failed), so a form
                                  refused for it is the store's fault */
};

struct pb_web_resp {
    int status;          /* 200 unless set */
    const char *type;    /* Content-Type, a static string */
    const char *cache;   /* Cache-Control, a static string */
    struct pb_buf body;
    enum pb_web_fmt fmt; /* the format errors take */
    char msg[256];       /* error text for people, when status >= 400 */
    int private_;        /* 1: per-member; never cached, no-store */
    char location[512];  /* Location header when not empty */
    char cookies[3][160];/* Set-Cookie values, "" = unused */
    const char *search_mode; /* X-Search-Mode header (static) or NULL */
    int retry_after;     /* Retry-After seconds when > 0 (503s) */
    int shared;          /* 1: the same bytes for everyone (images): keeps
                            its Cache-Control for members too and stays
                            out of the server's response cache */
};

/* First value of query argument key, or NULL when absent. */
const char *pb_web_arg(const struct pb_web_req *rq, const char *key);

/* Set an error status and message; returns PB_OK so handlers can
 * `return pb_web_fail(rs, 400, "...")`. */
int pb_web_fail(struct pb_web_resp *rs, int status, const char *fmt, ...)
    PB_PRINTF(3, 4);

/* Route rq to its handler and fill rs (initialised by the caller with
 * pb_web_resp_init). Never fails: errors become 4xx/5xx responses. */
void pb_web_route(struct pb_web_req *rq, struct pb_web_resp *rs);
void pb_web_resp_init(struct pb_web_resp *rs);
void pb_web_resp_clear(struct pb_web_resp *rs);

/* The response's error body in its format, from rs->status and rs->msg. */
void pb_web_render_error(const struct pb_web_req *rq, struct pb_web_resp *rs);

/* Handlers (pages_*.c, api.c, feeds.c, assets.c). rest is the part of the
 * path after the route's prefix. Each returns PB_OK or an rc the router maps
 * to a status (PB_ENOTFOUND 404, PB_EINVAL 400, others 500). */
typedef int (*pb_web_handler)(struct pb_web_req *rq, const char *rest,
                              struct pb_web_resp *rs);

int pb_web_page_home(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_date(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_week(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_month(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_trending(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_author(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_category(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_paper(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_search(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_subscribe(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_org(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_api_daily(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_api_paper(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_api_papers(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_api_search(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_feed_rss_daily(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;

/* The JSON API's objects in Hugging Face's shape (api_hf.c), written to w
 * (errors are w's, see core/json_write.h); p is borrowed, and its listing
 * fields (listing_src: the Daily Papers entry) are passed through.
 * pb_web_json_paper: the "paper" object, as /api/papers/ID answers;
 * PB_JSON_EXTRAS adds paperboy's categories and listedDay (/api/papers).
 * pb_web_json_daily: one item of /api/daily_papers and /api/papers/search,
 * {paper, publishedAt, title, summary, numComments, submittedBy,
 * organization, isAuthorParticipating}. */
#define PB_JSON_EXTRAS 1
void pb_web_json_paper(struct pb_jw *w, const struct pb_paper *p, int flags);
void pb_web_json_daily(struct pb_jw *w, const struct pb_paper *p,
                       struct pb_web_req *rq, int64_t pid);
/* (rq, pid: the thumbnail and mediaUrls keys, media.h; rq NULL: none) */

int pb_web_feed_atom_daily(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_feed_atom_trending(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_feed_atom_search(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_feed_atom_cat(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_asset(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;

/* Community pages and API (page_account.c, page_community.c,
 * page_collections.c, api_community.c). */
int pb_web_page_signup(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_login(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
/* 1 when a POST to path hashes a password (log-in, sign-up): the server
 * runs those on its hashing pool, off the request threads. */
int pb_web_path_hashes(const char *path);
int pb_web_page_logout(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_following(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_vote(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_submit(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_comment(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_mod(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_page_collections(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_api_vote(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_api_me(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;

/* The community part of a paper's page: upvote, add to a collection,
 * moderation, comments and the comment form (page_community.c). */
int pb_web_paper_community(struct pb_web_req *rq, struct pb_buf *b,
                           const struct pb_paper *p, int64_t pid) PB_WUR;

/* E-mail digests (page_mail.c): the subscribe handler (POST /subscribe),
 * confirm, one-click unsubscribe and preferences by signed token; the box
 * on every page
 * and the full form of /subscribe (msg, when not NULL, an error shown
 * above it). */
int pb_web_mail_subscribe(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_mail_confirm(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_mail_unsubscribe(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_mail_preferences(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_mail_box(struct pb_buf *b) PB_WUR;
int pb_web_mail_form(struct pb_buf *b, const char *msg) PB_WUR;
/* The /subscribe form for rq: a member's address and follows filled in. */
int pb_web_mail_form_rq(struct pb_buf *b, struct pb_web_req *rq) PB_WUR;

/* Sessions (web_session.c). pb_web_session_load: who is logged in (fills
 * rq->me and rq->csrf from the session cookie). pb_web_csrf_check: 1 when
 * a POST carries the right token (form field "csrf" or X-CSRF-Token): the
 * session's, or for a visitor the pre-session cookie's. */
void pb_web_session_load(struct pb_web_req *rq);
int pb_web_csrf_check(const struct pb_web_req *rq);
/* The thread's community statements (a read-write store opened on first
 * use); NULL when the store cannot be opened. */
struct pb_cmdb *pb_web_cmdb(struct pb_web_req *rq);
/* First value of form field key (POST), or NULL. */
const char *pb_web_form(const struct pb_web_req *rq, const char *key);
/* Add a Set-Cookie value to rs. */
void pb_web_set_cookie(struct pb_web_resp *rs, const char *value);
/* 303 See Other to path (a local path; anything else goes to "/"). */
int pb_web_redirect(struct pb_web_resp *rs, const char *path);
/* Now, from the community clock. */
int64_t pb_web_now(const struct pb_web_req *rq);
/* Local counts added to a listing's imported ones (no-op without the
 * community store). */
void pb_web_fill_counts(struct pb_web_req *rq, struct pb_feed_list *l);
/* The hidden csrf input of a form (empty when rq has no token). */
int pb_web_csrf_input(struct pb_buf *b, const struct pb_web_req *rq) PB_WUR;

/* A simple page: head, <h1>title</h1>, an open <div class="prose">;
 * pb_web_page_end closes it and adds the foot. */
int pb_web_page_start(struct pb_web_req *rq, struct pb_web_resp *rs,
                      const char *title) PB_WUR;
int pb_web_page_end(struct pb_web_resp *rs) PB_WUR;
/* 1 when rq has no member: rs then says so (a GET goes to /login). */
int pb_web_need_member(struct pb_web_req *rq, struct pb_web_resp *rs);
/* Set cookie name=value (value NULL: delete it) with HttpOnly,
 * SameSite=Lax, Path=/, and Secure behind TLS. */
void pb_web_cookie(struct pb_web_req *rq, struct pb_web_resp *rs,
                   const char *name, const char *value, int max_age);

/* A row id in a path or form field: "12" -> 12 (1 to 15 decimal digits,
 * nothing else); -1 for anything else. */
int64_t pb_web_parse_id(const char *s, size_t len);

/* Parse an application/x-www-form-urlencoded body p[0..len) in place
 * (p is modified, p[len] too, so p needs len + 1 bytes, and must stay
 * alive while args are used): at most max
 * fields into args, each key and value percent-decoded and checked as
 * UTF-8. PB_ETOOBIG for more fields, PB_EPARSE for bad escapes or UTF-8. */
int pb_web_form_parse(char *p, size_t len, struct pb_web_arg *args,
                      size_t max, size_t *n) PB_WUR;

/* Assets: compute fingerprinted paths into site (at start-up). */
void pb_web_assets_init(struct pb_web_site *site);

/* A valid paper id as it may appear in a URL: 1..63 bytes of
 * [A-Za-z0-9._/-]. */
int pb_web_id_ok(const char *id);

/* The latest listed day into out[11], or PB_ENOTFOUND. */
int pb_web_latest_day(struct pb_web_req *rq, char out[11]) PB_WUR;

/* Papers of the 7 days ending with the latest listed day, by upvotes. */
int pb_web_trending(struct pb_web_req *rq, int limit,
                    struct pb_feed_list *out) PB_WUR;

/* Search (web_search.c). pb_web_search_open: the index beside db_path
 * (DB.idx, brought up to date) or, when there is none, one built in memory
 * from st; NULL with a warning on stderr when neither works. */
struct pb_web_search *pb_web_search_open(const char *db_path,
                                         struct pb_store *st);
void pb_web_search_free(struct pb_web_search *ws);
/* Apply the store's new changes to the index (one caller at a time):
 * pb_web_search_sync returns at once when another thread is at it;
 * pb_web_search_sync_wait waits for it, then applies what is still new
 * (what the follower of a shared store does: store_notify.h). */
void pb_web_search_sync(struct pb_web_search *ws, struct pb_store *st);
void pb_web_search_sync_wait(struct pb_web_search *ws, struct pb_store *st);

/*
 * Run q (the query language of search/query.h) for this thread: fill out
 * with up to limit papers after skipping offset, *total with the number of
 * matches. When res is not NULL it receives the engine's results (facets,
 * notices; caller clears it with pb_results_clear()) and the search counts
 * exactly. When snips is not NULL, *snips gets one heap string per paper
 * in out: its best passage as escaped HTML with <mark>ed terms (free with
 * pb_web_snips_free). PB_EUNSUP when search is unavailable.
 *
 * mode (NULL means keyword) is in and out: the mode asked, then the mode
 * used, which is keyword when the database has no vectors (DB.vec,
 * DB.hnsw; docs/SEMANTIC.md). Semantic and hybrid rank the top
 * PB_HYBRID_DEPTH (100) papers with pb_hybrid_search(): *total is at most
 * that, pages past it are empty, and res gets no facets.
 */
struct pb_results;
/* When q is nothing but an arXiv id in any spelling (2608.16590,
 * arXiv:0704.0002v2, an arxiv.org abs or pdf URL) of a paper in the store:
 * PB_OK with the paper in out (initialised by the caller) and its pid;
 * PB_ENOTFOUND otherwise. */
int pb_web_search_id(struct pb_web_req *rq, const char *q,
                     struct pb_paper *out, int64_t *out_pid) PB_WUR;
int pb_web_search_run(struct pb_web_req *rq, const char *q,
                      enum pb_search_mode *mode, int64_t offset, int limit,
                      struct pb_feed_list *out, int64_t *total,
                      struct pb_results *res, char ***snips) PB_WUR;
void pb_web_snips_free(char **snips, size_t n);
/* Free this thread's searcher (called when the worker's handles close). */
struct pb_searcher;
void pb_web_searcher_free(struct pb_searcher *s);

#endif
