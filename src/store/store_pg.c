/* store_pg.c - opening a PostgreSQL store, transactions, and which
 * backend a --db value names (store_pg.h, docs/STORE.md). */
#include "store/store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/replica_int.h"
#include "store/stmt_int.h"

int pb_store_is_url(const char *db)
{
    if (!db)
        return 0;
    if (!strncmp(db, "postgres://", 11) || !strncmp(db, "postgresql://", 13))
        return 1;
    /* a libpq keyword string: "host=... dbname=..." (a path holding '='
     * is not one: libpq refuses its first word as a keyword) */
    if (!strchr(db, '='))
        return 0;
    char *msg = NULL;
    PQconninfoOption *o = PQconninfoParse(db, &msg);
    PQfreemem(msg);
    if (!o)
        return 0;
    PQconninfoFree(o);
    return 1;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int pb_pg_exec(struct pb_store *st, const char *sql)
{
    PGresult *res = PQexec(st->pg->conn, sql);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK
                 ? PB_OK
                 : pb_pg_fail(st, res);
    PQclear(res);
    return rc;
}

/* The session's settings: before migrating (ro = 0), then the read-only
 * default for readers (the server's threads cannot write by mistake). */
static int setup(struct pb_store *st, int ro)
{
    if (ro)
        return st->pg->readonly
                   ? pb_pg_exec(st, "SET default_transaction_read_only = on")
                   : PB_OK;
    PQsetNoticeProcessor(st->pg->conn, quiet, NULL);
    return pb_pg_exec(st, "SET TimeZone = 'UTC';"
                          " SET client_min_messages = warning");
}

int pb_store_unavailable(struct pb_store *st)
{
    return st && st->backend == PB_BACKEND_PG && st->pg &&
           PQstatus(st->pg->conn) != CONNECTION_OK;
}

int pb_pg_reconnect(struct pb_store *st)
{
    if (PQstatus(st->pg->conn) == CONNECTION_OK)
        return 0;
    st->in_txn = 0; /* (a transaction was lost with the connection) */
    PQreset(st->pg->conn);
    if (PQstatus(st->pg->conn) != CONNECTION_OK)
        return 0;
    pb_pg_cache_free(st);
    return !setup(st, 0) && !setup(st, 1);
}

static const char *or_default(const char *v, const char *d)
{
    return v && *v ? v : d;
}

int pb_pg_open(const char *conninfo, int flags, struct pb_store **out,
               struct pb_err *err)
{
    *out = NULL;
    struct pb_store *st = pb_calloc(1, sizeof *st);
    st->backend = PB_BACKEND_PG;
    st->pg = pb_calloc(1, sizeof *st->pg);
    /* the caller's string comes last: what it says wins */
    const char *const kw[] = {"application_name", "connect_timeout",
                              "dbname", NULL};
    const char *const val[] = {"paperboy", "10", conninfo, NULL};
    st->pg->conn = PQconnectdbParams(kw, val, 1);
    if (!st->pg->conn || PQstatus(st->pg->conn) != CONNECTION_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s",
                 st->pg->conn ? PQerrorMessage(st->pg->conn)
                              : "out of memory");
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        /* names what it tried, never the password */
        pb_err_set(err, PB_EDB,
                   "cannot connect to PostgreSQL database \"%s\" on %s "
                   "port %s as \"%s\": %s",
                   or_default(st->pg->conn ? PQdb(st->pg->conn) : NULL, "?"),
                   or_default(st->pg->conn ? PQhost(st->pg->conn) : NULL,
                              "the default host"),
                   or_default(st->pg->conn ? PQport(st->pg->conn) : NULL,
                              "5432"),
                   or_default(st->pg->conn ? PQuser(st->pg->conn) : NULL,
                              "?"),
                   msg);
        pb_pg_close(st);
        return PB_EDB;
    }
    st->pg->readonly = (flags & PB_STORE_READONLY) != 0;
    int rc = PB_OK;
    if (setup(st, 0))
        rc = pb_err_set(err, PB_EDB, "PostgreSQL database \"%s\": %s",
                        PQdb(st->pg->conn), st->pg->err);
    if (!rc)
        rc = pb_pg_migrate(st, err);
    if (!rc && setup(st, 1))
        rc = pb_err_set(err, PB_EDB, "PostgreSQL: %s", st->pg->err);
    if (rc) {
        pb_pg_close(st);
        return rc;
    }
    *out = st;
    return PB_OK;
}

void pb_pg_close(struct pb_store *st)
{
    if (!st)
        return;
    if (st->rep)
        pb_replica_free(st);
    pb_pg_cache_free(st);
    if (st->pg) {
        PQfinish(st->pg->conn); /* an open transaction is rolled back */
        free(st->pg);
    }
    free(st);
}

int pb_pg_user_version(struct pb_store *st)
{
    int64_t v = -1;
    int rc = pb_stmt_int(st, "SELECT CASE WHEN to_regclass('pb_schema')"
                             " IS NULL THEN 0 ELSE -2 END",
                         PB_NOARGS, &v);
    if (rc)
        return -1;
    if (v == 0)
        return 0;
    rc = pb_stmt_int(st, "SELECT version FROM pb_schema", PB_NOARGS, &v);
    return rc == PB_ENOTFOUND ? 0 : rc ? -1 : (int)v;
}

const char *pb_pg_store_errmsg(struct pb_store *st)
{
    return st->pg->err[0] ? st->pg->err : PQerrorMessage(st->pg->conn);
}

/* A write transaction is a plain BEGIN (READ COMMITTED): votes,
 * comments, sessions and mail records of every server run side by side
 * under PostgreSQL's row locks. Only what gives papers a seq takes turns,
 * in pb_pg_seq_lock. */
int pb_pg_begin(struct pb_store *st)
{
    (void)pb_pg_reconnect(st);
    if (pb_pg_exec(st, "BEGIN"))
        return PB_EDB;
    st->in_txn = 1;
    st->seq_loaded = 0;
    st->pg->seq_locked = 0;
    st->pg->notify = 0;
    return PB_OK;
}

/* The lock is taken before max(seq) is read, and in READ COMMITTED every
 * later statement sees what the holder before committed (PostgreSQL makes
 * a commit visible before it releases the transaction's locks), so
 * "seq = max(seq) + 1" is the next one, and seqs become visible in the
 * order they were given: a reader that has seen seq N never later sees a
 * new one below N (what the search index's change feed relies on). */
int pb_pg_seq_lock(struct pb_store *st)
{
    if (!st->in_txn || st->pg->seq_locked)
        return PB_OK;
    if (pb_stmt_one(st, "SELECT pg_advisory_xact_lock(?1)",
                    PB_ARGS(pb_int(PB_PG_LOCK_WRITE)), NULL, NULL))
        return PB_EDB;
    st->pg->seq_locked = 1;
    st->pg->notify = 1;
    return PB_OK;
}

int pb_pg_commit(struct pb_store *st)
{
    if (PQtransactionStatus(st->pg->conn) == PQTRANS_INERROR) {
        snprintf(st->pg->err, sizeof st->pg->err,
                 "the transaction failed and was rolled back");
        pb_pg_rollback(st);
        return PB_EDB;
    }
    /* the other servers' followers wake at once (NOTIFY is delivered
     * at commit, and not at all on a rollback) */
    PGresult *res = PQexec(st->pg->conn, st->pg->notify
                                             ? "NOTIFY " PB_PG_CHANNEL
                                               "; COMMIT"
                                             : "COMMIT");
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK &&
             !strcmp(PQcmdStatus(res), "COMMIT");
    if (!ok)
        (void)pb_pg_fail(st, res);
    PQclear(res);
    if (!ok)
        return PB_EDB;
    st->in_txn = 0;
    st->seq_loaded = 0;
    st->pg->seq_locked = st->pg->notify = 0;
    return PB_OK;
}

void pb_pg_rollback(struct pb_store *st)
{
    if (PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE)
        (void)pb_pg_exec(st, "ROLLBACK");
    st->in_txn = 0;
    st->seq_loaded = 0;
    st->pg->seq_locked = st->pg->notify = 0;
}

int pb_pg_read_begin(struct pb_store *st, int *out_began)
{
    if (st->rep && pb_replica_read_begin(st, out_began))
        return PB_OK;
    *out_began = 0;
    (void)pb_pg_reconnect(st);
    if (PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE)
        return PB_OK;
    if (pb_pg_exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        return PB_EDB;
    *out_began = 1;
    return PB_OK;
}

void pb_pg_read_end(struct pb_store *st, int began)
{
    if (st->rep && pb_replica_read_end(st, began))
        return;
    if (began && pb_pg_exec(st, "COMMIT"))
        (void)pb_pg_exec(st, "ROLLBACK");
}
