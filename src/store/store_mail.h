/*
 * store_mail.h - the SQL of the digests (src/mail/): subscribers and their
 * preferences, the server's mail secret, and the sent-log that makes
 * sending idempotent. Tables: schema.c, migrations 4 and 6 (docs/MAIL.md).
 *
 * The sent-log has one row per (subscriber, period) - "D2024-06-03" for a
 * daily digest, "W2024-W23" for a weekly one - written with the papers of
 * that digest (one row per (subscriber, paper), so no paper goes to one
 * subscriber twice) in one transaction before anything is sent, claimed
 * (SENDING, synced) before each SMTP transaction, and marked sent when
 * the server has accepted the message. A rerun finds the row: sent is
 * skipped, prepared is sent again with the same papers and Message-ID,
 * SENDING (the message may have gone out) is never sent again unless an
 * admin releases it: at most once across crashes.
 *
 * Functions take a store opened read-write, prepare their statements per
 * call (a few per mail) and use it from one thread. Strings are borrowed
 * for the call; times are Unix seconds from the caller's clock.
 */
#ifndef PB_STORE_STORE_MAIL_H
#define PB_STORE_STORE_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

enum pb_sub_state {
    PB_SUB_PENDING = 0,      /* waiting for the confirmation click */
    PB_SUB_ACTIVE = 1,
    PB_SUB_UNSUBSCRIBED = 2,
    PB_SUB_PAUSED = 3,       /* the server refused the address repeatedly */
};
enum pb_sub_freq { PB_SUB_DAILY = 0, PB_SUB_WEEKLY = 1 };

#define PB_SUB_EMAIL_MAX 254
#define PB_SUB_LIST_MAX 1000 /* bytes of each followed list */
#define PB_SUB_COLLS_MAX 20  /* followed collections */

struct pb_sub {
    int64_t id;
    char email[PB_SUB_EMAIL_MAX + 1];
    int state;      /* enum pb_sub_state */
    int freq;       /* enum pb_sub_freq */
    int top_n;      /* trending papers per mail, 0..50 */
    int max_papers; /* cap per mail, 1..100 */
    char categories[PB_SUB_LIST_MAX + 1]; /* space-separated */
    char authors[PB_SUB_LIST_MAX + 1];    /* newline-separated */
    char keywords[PB_SUB_LIST_MAX + 1];   /* newline-separated */
    int64_t created, confirmed, confirm_sent; /* 0 = not yet */
    int refusals;   /* refusals in a row */
    char last_error[256];
    /* the member whose subscription this is (members.id; 0: none): set
     * when a member logged in subscribes with their own address, or links
     * it from the preferences page; member_ok: that member exists and is
     * not disabled (read only: what the digest trusts) */
    int64_t member;
    int member_ok;
    int recs;       /* 1: a "Recommended for you" section (members only) */
    size_t n_colls; /* followed collections (collections.id), ascending */
    int64_t colls[PB_SUB_COLLS_MAX];
};

/* The server's secret for mail tokens (meta "mail.secret"), made on first
 * use; two processes racing make one. */
int pb_store_mail_key(struct pb_store *st, unsigned char key[32]) PB_WUR;

/*
 * Subscribe s->email with s's preferences (member, recs and collections
 * too; the caller checked the collections with pb_store_mail_coll_visible).
 * A new address, or one that had
 * unsubscribed or was paused, becomes pending and gets a confirmation mail
 * (confirm_sent cleared) unless one went out in the last resend_s seconds;
 * a pending one takes the new preferences. An active subscription is left
 * as it is (its owner changes it from a mail). *out_id: the subscriber.
 */
int pb_store_sub_add(struct pb_store *st, const struct pb_sub *s,
                     int64_t now, int64_t resend_s, int64_t *out_id) PB_WUR;
/* PB_ENOTFOUND when there is no such subscriber. */
int pb_store_sub_get(struct pb_store *st, int64_t id,
                     struct pb_sub *out) PB_WUR;
int pb_store_sub_get_email(struct pb_store *st, const char *email,
                           struct pb_sub *out) PB_WUR;
/* pending -> active (the click); active stays. PB_EPERM when the
 * subscriber unsubscribed since. */
int pb_store_sub_confirm(struct pb_store *st, int64_t id, int64_t now) PB_WUR;
int pb_store_sub_set_state(struct pb_store *st, int64_t id, int state) PB_WUR;
/* Replace the preferences (freq, top_n, max_papers, the three lists, recs
 * and the followed collections) of subscriber id with p's, in one
 * transaction; a collection followed before keeps its start time. */
int pb_store_sub_set_prefs(struct pb_store *st, int64_t id,
                           const struct pb_sub *p, int64_t now) PB_WUR;
/* Link subscriber id to member (0: unlink). */
int pb_store_sub_set_member(struct pb_store *st, int64_t id,
                            int64_t member) PB_WUR;
/* Whether collection coll may be followed by a subscription of member (0:
 * none): PB_OK when it exists and is public or member owns it (name, 101
 * bytes, may be NULL, gets its name); PB_ENOTFOUND otherwise, the same
 * for a private one as for none, so nothing tells them apart. */
int pb_store_mail_coll_visible(struct pb_store *st, int64_t coll,
                               int64_t member, char *name) PB_WUR;
/* The name of collection coll into name (101 bytes); PB_ENOTFOUND. */
int pb_store_mail_coll_name(struct pb_store *st, int64_t coll,
                            char *name) PB_WUR;
int pb_store_sub_confirm_sent(struct pb_store *st, int64_t id,
                              int64_t now) PB_WUR;
/* The server refused the address: count it, and pause the subscription
 * when it reaches pause_after (*out_paused = 1). delivered: reset. */
int pb_store_sub_refused(struct pb_store *st, int64_t id, const char *why,
                         int pause_after, int *out_paused) PB_WUR;
int pb_store_sub_delivered(struct pb_store *st, int64_t id) PB_WUR;

/* Each subscriber in state (or, with state < 0, pending ones whose
 * confirmation is still to send), by id. s borrowed for the call; return
 * non-zero to stop. */
typedef int (*pb_store_sub_fn)(void *ctx, const struct pb_sub *s);
int pb_store_sub_each(struct pb_store *st, int state, pb_store_sub_fn fn,
                      void *ctx) PB_WUR;
#define PB_SUB_EACH_TO_CONFIRM (-1)

/* The sent-log. */
enum pb_digest_state {
    PB_DIGEST_PREPARED = 0, /* logged, not sent (or definitely refused by a
                               temporary failure: to retry from next_try) */
    PB_DIGEST_SENT = 1,
    PB_DIGEST_REFUSED = 2, /* the server refused it for good */
    PB_DIGEST_SENDING = 3, /* claimed for one SMTP transaction by
                              claimed_by: the server may have it until the
                              outcome is marked; never sent again unless an
                              admin releases it (pb_store_digest_release) */
};
/* Where a paper of a digest comes from (its section and reason). */
enum pb_digest_src {
    PB_DSRC_PERIOD = 0,     /* trending, or a followed category, author or
                               keyword, in the digest's days */
    PB_DSRC_COLLECTION = 1, /* added to a followed collection (coll) */
    PB_DSRC_RECOMMENDED = 2 /* "Recommended for you" */
};
struct pb_digest_item {
    int64_t pid;
    int src;      /* enum pb_digest_src */
    int64_t coll; /* PB_DSRC_COLLECTION: the collection; else 0 */
};
struct pb_digest_rec {
    int state;
    char message_id[128];
    int attempts;
    int64_t next_try, sent_at, created;
    char claimed_by[128]; /* "host pid" of the run that claimed it */
    int64_t claimed_at;
};
int pb_store_digest_get(struct pb_store *st, int64_t sub, const char *period,
                        struct pb_digest_rec *out) PB_WUR;
/* Record a digest about to be sent with its papers, in one transaction,
 * created at now. PB_EEXIST when (sub, period) is logged already (another
 * run won). */
int pb_store_digest_prepare(struct pb_store *st, int64_t sub,
                            const char *period, const char *message_id,
                            const struct pb_digest_item *items, size_t n,
                            int64_t now) PB_WUR;
/* The papers of a logged digest in the order they were chosen; *out is
 * a heap array the caller frees. */
int pb_store_digest_papers(struct pb_store *st, int64_t sub,
                           const char *period, struct pb_digest_item **out,
                           size_t *out_n) PB_WUR;
/* Claim a prepared digest for one SMTP transaction, so that no two runs
 * (serve's scheduler and `digest send`) send it and a crash in the middle
 * leaves a trace: PB_OK when it was prepared; it is then SENDING, by
 * `by` ("host pid") since now, next_try lease_until (how long the
 * transaction may take). Written durably (synchronous=FULL) before the
 * caller talks to the server. PB_EBUSY when it is not prepared. */
int pb_store_digest_claim(struct pb_store *st, int64_t sub,
                          const char *period, int64_t now,
                          int64_t lease_until, const char *by) PB_WUR;
/* The same for a confirmation mail: PB_OK when s is pending with none
 * sent (confirm_sent becomes now); unclaim after a failed attempt. */
int pb_store_sub_confirm_claim(struct pb_store *st, int64_t id,
                               int64_t now) PB_WUR;
int pb_store_sub_confirm_unclaim(struct pb_store *st, int64_t id) PB_WUR;
/* Mark the outcome of an attempt. */
int pb_store_digest_mark(struct pb_store *st, int64_t sub, const char *period,
                         int state, int attempts, int64_t next_try,
                         int64_t now) PB_WUR;
/* An admin's word on a SENDING digest: as_sent 0: it was not delivered,
 * prepared again (the next run sends it, same papers and Message-ID);
 * as_sent 1: it was, marked sent. PB_ENOTFOUND when (sub, period) is not
 * SENDING. */
int pb_store_digest_release(struct pb_store *st, int64_t sub,
                            const char *period, int as_sent,
                            int64_t now) PB_WUR;
/* Prepared digests whose next_try has come, oldest first (SENDING ones
 * never: see pb_store_digest_sending_each). */
typedef int (*pb_store_digest_fn)(void *ctx, int64_t sub, const char *period);
int pb_store_digest_due(struct pb_store *st, int64_t now,
                        pb_store_digest_fn fn, void *ctx) PB_WUR;
/* Every SENDING digest, oldest claim first, with its subscriber's
 * address; all borrowed for the call. */
typedef int (*pb_store_sending_fn)(void *ctx, int64_t sub, const char *email,
                                   const char *period,
                                   const struct pb_digest_rec *rec);
int pb_store_digest_sending_each(struct pb_store *st, pb_store_sending_fn fn,
                                 void *ctx) PB_WUR;

/* Live papers listed in [from, to] that sub has not been sent, by upvotes
 * (imported and local), at most limit; *out a heap array the caller
 * frees. */
int pb_store_mail_candidates(struct pb_store *st, int64_t sub,
                             const char *from, const char *to, int limit,
                             int64_t **out, size_t *out_n) PB_WUR;
/*
 * Papers added before `until` to the collections s follows, since s's
 * previous digest (the creation of its newest logged digest; with none,
 * since s started following that collection): live, not hidden, not sent
 * to s before, in collections s may follow now (public, or owned by s's
 * member while member_ok). Newest addition first, at most limit, a paper
 * once (its first collection); *out (src PB_DSRC_COLLECTION) a heap array
 * the caller frees.
 */
int pb_store_mail_coll_candidates(struct pb_store *st,
                                  const struct pb_sub *s, int64_t until,
                                  int limit, struct pb_digest_item **out,
                                  size_t *out_n) PB_WUR;
/* *out 1 when pid is a live, unhidden paper never sent to sub. */
int pb_store_mail_sendable(struct pb_store *st, int64_t sub, int64_t pid,
                           int *out) PB_WUR;

#endif
