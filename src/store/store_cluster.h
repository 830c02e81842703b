/*
 * store_cluster.h - what several `paperboy serve` processes on one store
 * agree on through it: job leases (scheduled work runs once across the
 * nodes) and shared rate-limit counts (limits hold across the nodes).
 * Both are plain rows (migration 9), so they work on every backend.
 */
#ifndef PB_STORE_STORE_CLUSTER_H
#define PB_STORE_STORE_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

/* 1 when the store is one several servers may share (PostgreSQL), so
 * that limits and jobs must be agreed on through it. */
int pb_store_is_shared(const struct pb_store *st);

/* --- job leases -----------------------------------------------------------
 * A lease names a job ("digest", "harvest-arxiv"), its holder (a string
 * unique to one process: host, pid and random bytes) and when it expires.
 * A job is due for a *slot* (the Unix time it was scheduled for, the same
 * on every node); once a holder finishes it, the lease records the slot
 * done, and nobody runs that slot again. A holder killed mid-job stops
 * renewing: its lease expires and the next node to try takes it over and
 * runs the job again (jobs are written to be re-run: the digest sent-log
 * sends no mail twice, harvests resume). */

enum pb_lease_state {
    PB_LEASE_TAKEN = 1, /* yours now: run the job, renew, then done */
    PB_LEASE_BUSY = 0,  /* another holder's, still live: try again later */
    PB_LEASE_DONE = 2   /* this slot (or a later one) is done already */
};

/* Try to take the lease `name` for `slot` until now + ttl_s; *out one of
 * enum pb_lease_state. name and holder are borrowed (at most 200 bytes).
 * A holder that has the lease already takes it again (renews). */
int pb_store_lease_take(struct pb_store *st, const char *name,
                        const char *holder, int64_t slot, int64_t now,
                        int ttl_s, int *out) PB_WUR;

/* Push the holder's lease on to now + ttl_s. PB_ENOTFOUND when the holder
 * has lost it (expired and taken by another node). */
int pb_store_lease_renew(struct pb_store *st, const char *name,
                         const char *holder, int64_t now, int ttl_s) PB_WUR;

/* Mark slot done and let go of the lease (the holder's only; PB_ENOTFOUND
 * if it has lost it, and then nothing changes). */
int pb_store_lease_done(struct pb_store *st, const char *name,
                        const char *holder, int64_t slot) PB_WUR;

/* Let go of the lease without marking anything done (a job that stops
 * early, e.g. at shutdown: the next node picks it up at once). */
int pb_store_lease_drop(struct pb_store *st, const char *name,
                        const char *holder) PB_WUR;

/* The lease's holder into out (cap bytes; "" when nobody has held it). */
int pb_store_lease_holder_of(struct pb_store *st, const char *name,
                             char *out, size_t cap) PB_WUR;

/* Take the lease from `dead` (a holder known to be gone, e.g. a process of
 * this host that no longer runs), whatever its expiry. PB_ENOTFOUND when
 * dead does not hold it (any more). */
int pb_store_lease_take_over(struct pb_store *st, const char *name,
                             const char *dead, const char *holder,
                             int64_t now, int ttl_s) PB_WUR;

/* 1 when holder names a process of this host that no longer runs (its
 * lease can be taken over at once), else 0. */
int pb_store_lease_holder_gone(const char *holder);

/* A holder string for this process into out[64]: "HOST:PID:RANDOM". */
void pb_store_lease_holder(char out[64]);

/* --- shared rate-limit counts ---------------------------------------------
 * Events per key with their time; keys are hashed (BLAKE2b, 128 bits) so
 * that names and addresses are not stored as given. */

/* Events of key at or after since into *out. */
int pb_store_rl_count(struct pb_store *st, const char *key, int64_t since,
                      int64_t *out) PB_WUR;
/* Count one event of key at `at`; now and then (one call in 256) also
 * drops events older than at - keep_s. */
int pb_store_rl_add(struct pb_store *st, const char *key, int64_t at,
                    int keep_s) PB_WUR;
/* Drop every event of key. */
int pb_store_rl_forget(struct pb_store *st, const char *key) PB_WUR;

#endif
