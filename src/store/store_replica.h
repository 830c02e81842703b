/*
 * store_replica.h - a PostgreSQL store's read replica (`serve
 * --db-replica URL`, docs/STORE.md, docs/DEPLOY.md).
 *
 * A store with a replica attached keeps a second connection, to a
 * streaming replica (a hot standby), and sends it the reads its caller
 * allows: while pb_store_replica_route(st, 1, lsn) is in force, a
 * statement that only reads (a SELECT without locks or side effects) and
 * runs outside a write transaction goes to the replica, as do the read
 * transactions of pb_store_read_begin, provided the replica has replayed
 * the primary's WAL up to lsn (0: whatever it has). Everything else goes
 * to the primary: writes, write transactions, reads while the route is
 * off, and reads when the replica is behind lsn, unreachable, or fails
 * (a statement that fails on the replica before it gave a row is run
 * again on the primary). An unreachable replica is logged once and tried
 * again every few seconds; reads go back to it when it answers.
 *
 * The replica's replay position (pg_last_wal_replay_lsn) is shared by the
 * process and asked again at most every 100 ms, and only when a route
 * needs a position past the one known.
 *
 * Threads: each store (connection) from one thread at a time, as always;
 * the replica's known position and its state (down, up) are shared by all
 * stores of the process (a process serves one replica).
 */
#ifndef PB_STORE_STORE_REPLICA_H
#define PB_STORE_STORE_REPLICA_H

#include <stdint.h>

#include "core/error.h"

struct pb_store;

/* Give st (a PostgreSQL store) a replica at conninfo (a URL or keyword
 * string). Nothing is connected yet: the first read routed there does.
 * Routing starts off. PB_EINVAL when st is a SQLite store or conninfo is
 * no PostgreSQL address (err says which). conninfo is copied. */
int pb_store_replica_attach(struct pb_store *st, const char *conninfo,
                            struct pb_err *err) PB_WUR;

/* Whether st has a replica attached. */
int pb_store_replica_has(const struct pb_store *st);

/* Where st's reads go from now on: on = 0, the primary; on = 1, the
 * replica when it has replayed the primary's WAL up to min_lsn (0: any
 * position). Also forgets pb_store_replica_wrote. No-op without a
 * replica. */
void pb_store_replica_route(struct pb_store *st, int on, uint64_t min_lsn);

/* 1 when st ran a write on the primary (a write transaction, or a
 * statement that is not a plain read) since the last route call. */
int pb_store_replica_wrote(const struct pb_store *st);

/* The primary's WAL insert position now (pg_current_wal_insert_lsn), to
 * be given as min_lsn to the reads that must see what was committed
 * before this call. PB_EDB on failure. */
int pb_store_replica_write_lsn(struct pb_store *st, uint64_t *out) PB_WUR;

/* 1 when the replica is known to have replayed up to lsn (asking it when
 * what is known is older than 100 ms); 0 when it has not, or cannot be
 * reached. */
int pb_store_replica_caught_up(struct pb_store *st, uint64_t lsn);

/* Connect to conninfo once and say what it is: PB_OK for a hot standby
 * (*out_standby 1) or a server that is not in recovery (*out_standby 0:
 * reads there are not behind the primary only if it is the primary);
 * PB_EDB (err says why, never the password) when it cannot be reached. */
int pb_store_replica_probe(const char *conninfo, int *out_standby,
                           struct pb_err *err) PB_WUR;

/* An LSN as PostgreSQL writes it ("16/B374D848"), and back: 0 and a
 * filled *out when s is one, -1 otherwise. */
void pb_store_lsn_format(uint64_t lsn, char out[24]);
int pb_store_lsn_parse(const char *s, uint64_t *out);

/* Counts of the process since start, for /metrics: reads the replica
 * answered, and reads routed there that the primary answered, since the
 * replica had not replayed the route's position yet (behind) or could
 * not be reached or failed (failed). */
void pb_store_replica_counts(uint64_t *out_replica, uint64_t *out_behind,
                             uint64_t *out_failed);

/* Tests only: forget what is known of the replica (its position, that
 * it was down). Not thread-safe. */
void pb_store_replica_test_reset(void);

#endif
