/*
 * store_pg.h - the store on PostgreSQL (src/store/ only): the connection,
 * its prepared statements, transactions and migrations (docs/STORE.md).
 */
#ifndef PB_STORE_STORE_PG_H
#define PB_STORE_STORE_PG_H

#include <libpq-fe.h>

#include "store/store_int.h"

/* Advisory lock keys (pg_advisory_xact_lock): a write transaction that
 * gives papers a seq holds WRITE (pb_pg_seq_lock), so those writers on
 * several servers take turns as SQLite's BEGIN IMMEDIATE makes them;
 * migrating holds MIGRATE. Other writes only take PostgreSQL's row locks. */
#define PB_PG_LOCK_WRITE 0x7062000000000001LL
#define PB_PG_LOCK_MIGRATE 0x7062000000000002LL

/* The channel a commit that changed papers notifies (store_notify.h). */
#define PB_PG_CHANNEL "paperboy"

struct pb_pg_stmt;

struct pb_pg {
    PGconn *conn;
    char err[512];             /* the last failure's message */
    int64_t changes;           /* rows the last write changed */
    int next_name;             /* prepared statements are "pb1", "pb2", ... */
    int readonly;              /* opened with PB_STORE_READONLY */
    int seq_locked;            /* this transaction holds LOCK_WRITE */
    int notify;                /* NOTIFY PB_PG_CHANNEL at commit */
    struct pb_pg_stmt *bucket[128];
};

/* pb_store_open, _close, ... on PostgreSQL (store.c dispatches). */
int pb_pg_open(const char *conninfo, int flags, struct pb_store **out,
               struct pb_err *err) PB_WUR;
void pb_pg_close(struct pb_store *st);
int pb_pg_begin(struct pb_store *st) PB_WUR;
int pb_pg_commit(struct pb_store *st) PB_WUR;
void pb_pg_rollback(struct pb_store *st);
int pb_pg_read_begin(struct pb_store *st, int *out_began) PB_WUR;
void pb_pg_read_end(struct pb_store *st, int began);
int pb_pg_user_version(struct pb_store *st);

/* Inside a write transaction: take LOCK_WRITE (once), so that the
 * max(seq) read after it is the last one given and no other server gives
 * a seq until this transaction ends; the commit then notifies
 * PB_PG_CHANNEL. A no-op outside a transaction. */
int pb_pg_seq_lock(struct pb_store *st) PB_WUR;
const char *pb_pg_store_errmsg(struct pb_store *st);

/* When the connection was lost (the server restarted, a network cut):
 * connect again, forget the prepared statements and set the session up as
 * at open; 1 when it did. The statement that found the connection lost
 * has failed (PB_EDB) and is not sent again; the next call reconnects. */
int pb_pg_reconnect(struct pb_store *st);

/* Run sql (one or more statements, no parameters) with the simple
 * protocol; PB_EDB with the message kept on failure. */
int pb_pg_exec(struct pb_store *st, const char *sql);

/* Keep the message of a failed result (or of the connection when res is
 * NULL) and map it: SQLSTATE class 23 is PB_EEXIST, the rest PB_EDB. */
int pb_pg_fail(struct pb_store *st, const PGresult *res);

/* Bring the schema to this build's version (schema.c), under an advisory
 * lock so that servers starting together migrate once. */
int pb_pg_migrate(struct pb_store *st, struct pb_err *err) PB_WUR;

#endif
