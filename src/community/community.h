/*
 * community.h - what members do, apart from SQL (store/store_community.h)
 * and HTML (src/web/): the clock seam, the settings, passwords, session
 * and CSRF tokens, rate limits, Markdown for comments, BibTeX and names.
 *
 * pb_cm_init() once before anything else here (it initialises libsodium);
 * everything after that is thread-safe.
 */
#ifndef PB_COMMUNITY_COMMUNITY_H
#define PB_COMMUNITY_COMMUNITY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/paper.h"

/* The clock seam: tests fix "now"; NULL means the real clock. */
struct pb_cm_clock {
    int64_t (*now)(void *ctx); /* Unix seconds */
    void *ctx;
};
int64_t pb_cm_now(const struct pb_cm_clock *c);

/* Settings of the community; pb_cm_config_default() fills the defaults
 * given beside each field. */
struct pb_cm_config {
    const struct pb_cm_clock *clock; /* borrowed; NULL = real time */
    int behind_tls;           /* 0: cookies get Secure when 1 */
    int submit_max_age_days;  /* 14: older papers cannot be submitted */
    int submit_daily_cap;     /* 5 submissions per member per 24 h */
    int comment_edit_s;       /* 900: comments can be edited this long */
    int comment_rate_n;       /* 5 comments ... */
    int comment_rate_s;       /* ... per 60 s per member */
    int login_fail_account;   /* 5 failed logins per account ... */
    int login_fail_addr;      /* 20 failed logins per address ... */
    int login_window_s;       /* ... per 900 s */
    int signup_addr;          /* 10 sign-ups per address ... */
    int signup_window_s;      /* ... per 3600 s */
    int session_days;         /* 30 */
    double gravity;           /* 1.8 (docs/TRENDING.md) */
    double comment_weight;    /* 0.5 */
};
void pb_cm_config_default(struct pb_cm_config *c);

/* Initialise libsodium; PB_EIO when it cannot. */
int pb_cm_init(void) PB_WUR;

/* Passwords: 8..256 bytes of UTF-8. hash: argon2id (crypto_pwhash_str at
 * the INTERACTIVE limits) into out[128]. verify: 1 when pw matches hash;
 * every other outcome (hash NULL for an unknown name, pw NULL or over 256
 * bytes, an unreadable hash) spends the same time against a dummy hash and
 * says 0, so no path of a log-in tells by its time which names exist.
 * At most 4 hashes run at once in the process; more callers wait. */
#define PB_CM_PW_MIN 8
#define PB_CM_PW_MAX 256
int pb_cm_password_ok(const char *pw);
int pb_cm_password_hash(const char *pw, char out[128]) PB_WUR;
int pb_cm_password_verify(const char *hash, const char *pw);

/* Where the argon2id work of the two calls above runs: by default in the
 * calling thread. A thread may install a hasher of its own (borrowed until
 * replaced; NULL: back to in-thread): the server's hashing pool runs them
 * in a helper process, so that argon2id's 64 MiB mappings (mmap with
 * MAP_POPULATE, munmap: the process-wide memory-map lock and TLB
 * shootdowns) never stall the request threads. hash gets a password that
 * passed pb_cm_password_ok; verify has the contract of
 * pb_cm_password_verify (the same time on every path). */
struct pb_cm_hasher {
    int (*hash)(void *ctx, const char *pw, char out[128]);
    int (*verify)(void *ctx, const char *hash, const char *pw);
    void *ctx;
};
void pb_cm_hasher_set_thread(const struct pb_cm_hasher *h);

/* Session tokens: 32 random bytes as 43 base64url characters (out[44]),
 * and the 32-byte hash that is all the store keeps. token_hash: PB_EINVAL
 * for anything that is not such a token. */
#define PB_CM_TOKEN_LEN 43
void pb_cm_token_new(char out[PB_CM_TOKEN_LEN + 1], unsigned char hash[32]);
int pb_cm_token_hash(const char *token, unsigned char hash[32]) PB_WUR;
/* The CSRF token bound to a session (or pre-session) token: 64 hex digits
 * in out[65], a keyed hash, so it reveals nothing of the token. */
void pb_cm_csrf(const char *token, char out[65]);
/* 1 when given equals expected, compared in constant time. */
int pb_cm_csrf_ok(const char *expected, const char *given);

/* Rate limits: at most max events per key per window_s seconds (a sliding
 * pair of fixed windows, shared by all threads). check says whether one
 * more is allowed without counting it; add counts one; forget drops the
 * key's count. Keys are "class:value" ("login-name:ada"); any length.
 *
 * By default the counts live in this process's memory (ratelimit.c): keys
 * hashed with SipHash under a random per-process key, and a live window is
 * never evicted; when a key finds no room its events count against a
 * counter shared by its whole class (stricter, never looser). Limits then
 * hold per server process; a store shared by several servers (PostgreSQL,
 * a later issue) implements pb_cm_rl_store and is installed with
 * pb_cm_rl_use() so that they hold across servers. */
int pb_cm_rl_check(const char *key, int64_t now, int max, int window_s);
void pb_cm_rl_add(const char *key, int64_t now, int window_s);
void pb_cm_rl_forget(const char *key);

/* Where the counts live. The three calls have the contracts above; they
 * must be thread-safe and should fail closed (check says 0) when the store
 * cannot be reached. key is borrowed for the call. */
struct pb_cm_rl_store {
    int (*check)(void *ctx, const char *key, int64_t now, int max,
                 int window_s);
    void (*add)(void *ctx, const char *key, int64_t now, int window_s);
    void (*forget)(void *ctx, const char *key);
    void *ctx;
};
/* Install s (borrowed until replaced; NULL: back to the in-memory table).
 * Call before serving. */
void pb_cm_rl_use(const struct pb_cm_rl_store *s);
/* Empty the in-memory table (tests). */
void pb_cm_rl_reset(void);
/* The address part of a per-address key: ip itself, or for IPv6 its /64
 * ("2001:db8:1:2::/64"), since one user holds a whole /64. "-" for NULL. */
#define PB_CM_RL_ADDR_MAX 64
void pb_cm_rl_addr(const char *ip, char out[PB_CM_RL_ADDR_MAX]);

/* A member name: 2..40 bytes of UTF-8 without controls, no leading or
 * trailing space. Shown escaped everywhere, so any text is fine. */
int pb_cm_name_ok(const char *name);
/* An e-mail address: 3..254 bytes, one @, no spaces or controls. */
int pb_cm_email_ok(const char *email);
/* Text from a form (comments, collection names): valid UTF-8 of 1..max
 * bytes without NUL or controls other than tab, LF and CR. */
int pb_cm_text_ok(const char *s, size_t max);

/* Comment Markdown as HTML: cmark's CommonMark with raw HTML dropped and
 * unsafe links (javascript:, data: ...) removed (CMARK_OPT_SAFE). The
 * output is the only HTML of outside origin the site prints unescaped.
 * Appends to b; PB_ETOOBIG past b's cap. */
int pb_cm_markdown(struct pb_buf *b, const char *md, size_t len) PB_WUR;

/* A BibTeX @misc (arXiv ids: eprint, archivePrefix) or @article entry
 * for p, appended to b. Every value is escaped for BibTeX: \ { } $ & % # _
 * ^ ~ become their LaTeX forms. */
int pb_cm_bibtex(struct pb_buf *b, const struct pb_paper *p) PB_WUR;
int pb_cm_bibtex_escape(struct pb_buf *b, const char *s) PB_WUR;

#endif
