/*
 * store_notify.h - hearing at once what other servers commit to a shared
 * store (PostgreSQL's LISTEN/NOTIFY; docs/STORE.md, "Following changes").
 *
 * A write transaction that gives papers a seq (imports, harvests,
 * deletions, submissions, store copies) notifies the channel
 * PB_PG_CHANNEL when it commits. A listener is one more connection of its
 * own that LISTENs on it: pb_store_listener_wait() returns as soon as a
 * notification arrives, so a server's search index and response cache
 * follow another server's import within milliseconds instead of at the
 * next poll.
 *
 * Notifications are a wake-up, not the record: one that is missed (the
 * connection was lost, the database restarted) is made up by the caller's
 * catch-up poll of the store's change sequence, which it runs on every
 * return (a timeout included). SQLite has nothing to listen to (one file,
 * one server): pb_store_listener_open refuses it with PB_EUNSUP and the
 * caller keeps polling.
 *
 * Threads: one listener belongs to one thread, except
 * pb_store_listener_wake(), which any thread may call.
 */
#ifndef PB_STORE_STORE_NOTIFY_H
#define PB_STORE_STORE_NOTIFY_H

#include "core/error.h"

struct pb_store_listener;

/* What pb_store_listener_wait() saw. */
enum pb_listen_ev {
    PB_LISTEN_TIMEOUT = 0, /* nothing within the time given */
    PB_LISTEN_CHANGED,     /* one or more commits notified */
    PB_LISTEN_RESUMED,     /* connected again after a loss: some may have
                              been missed */
    PB_LISTEN_WOKEN,       /* pb_store_listener_wake() was called */
    PB_LISTEN_DOWN         /* the database cannot be reached (yet) */
};

/* Connect to db (a PostgreSQL URL or keyword string, pb_store_is_url) and
 * LISTEN. A database that cannot be reached now is not an error: the
 * listener connects when it can, and wait() says PB_LISTEN_DOWN meanwhile.
 * PB_EUNSUP for a SQLite path. The caller frees with
 * pb_store_listener_free(). */
int pb_store_listener_open(const char *db, struct pb_store_listener **out,
                           struct pb_err *err) PB_WUR;
void pb_store_listener_free(struct pb_store_listener *l);

/* Wait up to timeout_ms for a notification (several are one event). A
 * lost connection is made again here, without blocking past timeout_ms
 * (PB_LISTEN_RESUMED when it is back). */
enum pb_listen_ev pb_store_listener_wait(struct pb_store_listener *l,
                                         int timeout_ms);

/* Make the current or next wait() return PB_LISTEN_WOKEN (for stopping
 * the thread that waits). Safe from any thread and a signal handler. */
void pb_store_listener_wake(struct pb_store_listener *l);

/* Notifications received since open (tests and /metrics). */
long pb_store_listener_count(const struct pb_store_listener *l);

#endif
