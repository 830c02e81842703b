/*
 * mail.h - e-mail digests of trending papers: confirmation mails (double
 * opt-in), daily and weekly digests per subscriber's preferences, sent
 * through an SMTP transport (smtp.h) with retries, a sent-log that makes
 * sending idempotent (store_mail.h) and pausing of addresses the server
 * keeps refusing. docs/MAIL.md tells the whole story.
 *
 * One thread per store; the config and everything in it borrowed for the
 * call.
 */
#ifndef PB_MAIL_MAIL_H
#define PB_MAIL_MAIL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/error.h"
#include "harvest/harvest_clock.h"
#include "mail/smtp.h"
#include "store/store.h"

struct pb_mail_config {
    const char *base_url;   /* where links point, no trailing '/' */
    const char *from;       /* sender address (envelope and From) */
    const char *from_name;  /* display name; NULL = "paperboy" */
    const struct pb_smtp *smtp;   /* may be NULL only with dry_run */
    const struct pb_clock *clock; /* wall time, backoff sleeps */
    int tries;              /* attempts per message in one run; 0 = 3 */
    int64_t backoff_ms;     /* wait before the 2nd attempt, doubled after;
                               0 = 2000 */
    int64_t retry_s;        /* a digest that failed a run is tried again
                               by a later one after this, doubled per
                               failed run up to a day; 0 = 300 */
    int pause_after;        /* refusals in a row that pause; 0 = 3 */
    int dry_run;            /* say what would go; send and record nothing */
    const char *db_path;    /* the store's path, for its semantic index
                               (DB.vec ...: recommendations); NULL: none */
    FILE *out;              /* one line per mail and problem; NULL = none */
    volatile sig_atomic_t *stop; /* stop between mails; may be NULL */
};

struct pb_mail_counts {
    int sent, already, empty, deferred, refused, paused, confirmations;
    int uncertain; /* digests that may or may not have been delivered */
};

/* Confirmation mails for new subscriptions not yet sent one. PB_EIO when
 * the server could not be reached (the rest wait for the next call). */
int pb_mail_send_confirmations(struct pb_store *st,
                               const struct pb_mail_config *c,
                               struct pb_mail_counts *n,
                               struct pb_err *err) PB_WUR;

/*
 * The digests of day (YYYY-MM-DD; NULL = the latest listed day) for every
 * active subscriber: daily ones get the papers listed that day, weekly ones
 * the seven days ending with it (once per ISO week). For each: skip when
 * the sent-log has it; else choose the papers (top N trending, then those
 * matching followed categories, authors and keywords, then those added to
 * followed collections since the previous digest, and for a member's
 * subscription "Recommended for you" from c->db_path's DB.vec; none sent
 * before, at most max), log them, send with retries. A temporary failure leaves the
 * digest for pb_mail_retry_due() and stops the run (PB_EIO: the server is
 * down, the next ones would fail too); a refusal counts against the
 * address. Then it retries due digests of earlier runs.
 */
int pb_mail_send_digests(struct pb_store *st, const struct pb_mail_config *c,
                         const char *day, struct pb_mail_counts *n,
                         struct pb_err *err) PB_WUR;

/* Send logged digests whose retry time has come (same papers, same
 * Message-ID). PB_EIO as above. Uncertain digests (SENDING: a run was
 * killed during or right after the SMTP transaction, or the connection
 * ended after the whole message went out) are never sent again here;
 * pb_mail_send_digests() reports them on every run ("uncertain: ..." on
 * c->out, n->uncertain) until an admin settles each with
 * pb_store_digest_release(). */
int pb_mail_retry_due(struct pb_store *st, const struct pb_mail_config *c,
                      struct pb_mail_counts *n, struct pb_err *err) PB_WUR;

/* Every SENDING digest: busy 1 when the run that claimed it may still be
 * sending it (a live process on this host, or another host's run within
 * its lease), else it is uncertain (counted in n->uncertain). fn NULL:
 * one line each on c->out. All borrowed for the call. */
struct pb_digest_rec;
typedef int (*pb_mail_uncertain_fn)(void *ctx, int64_t sub,
                                    const char *email, const char *period,
                                    const struct pb_digest_rec *rec,
                                    int busy);
int pb_mail_report_uncertain(struct pb_store *st,
                             const struct pb_mail_config *c,
                             struct pb_mail_counts *n, pb_mail_uncertain_fn fn,
                             void *ctx, struct pb_err *err) PB_WUR;

/* The period key of a digest: "D" + day, or "W" + ISO week ("W2024-W23")
 * for weekly; the day range it covers into from/to. PB_EINVAL for a bad
 * day. */
int pb_mail_period(const char *day, int weekly, char key[16], char from[11],
                   char to[11]) PB_WUR;

/* A whole message, ready for SMTP. */
struct pb_mail_msg {
    const char *from, *from_name, *to, *subject;
    const char *message_id;  /* without the angle brackets */
    int64_t date;
    const char *unsub_url;   /* List-Unsubscribe (one-click); NULL none */
    const char *text;        /* the text/plain part, '\n' lines */
    const char *html;        /* the text/html part; NULL: text only */
};

/* Render m into out (appending): headers (RFC 2047 where needed, no CR or
 * LF from the data), then multipart/alternative with quoted-printable
 * parts. PB_EINVAL when from or to is not a valid address. */
int pb_mail_msg_render(const struct pb_mail_msg *m, struct pb_buf *out) PB_WUR;

#endif
