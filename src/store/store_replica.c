/* store_replica.c - reads on a streaming replica (store_replica.h,
 * docs/STORE.md "Read replicas").
 *
 * The replica is a second struct pb_pg beside the primary's. A routed
 * statement runs with st->pg pointing at it for the call (stmt_pg.c
 * reads st->pg), so prepared statements, errors and rows work there as on
 * the primary; st->pg is the primary again when the call returns. */
#include "store/store_replica.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/mem.h"
#include "store/replica_int.h"
#include "store/store_pg.h"

/* How long a known replay position is trusted before asking again, and
 * how long an unreachable replica is left alone. */
#define REPLAY_TTL_MS 100
#define RETRY_MS 5000

/* Which connection holds the read transaction pb_store_read_begin began. */
enum { TXN_NONE, TXN_REPLICA, TXN_PRIMARY };

struct pb_replica {
    struct pb_pg *primary; /* the store's own (st->pg between calls) */
    struct pb_pg *pg;      /* the replica's; pg->conn NULL until used */
    char *conninfo;
    int route;             /* 1: reads may go to the replica */
    uint64_t min_lsn;      /* ... once it has replayed this far */
    int txn;               /* TXN_*: where the read transaction is */
    int wrote;             /* a write ran on the primary since route() */
};

/* The process's view of its replica (one per process). */
static _Atomic uint64_t g_replay;       /* replayed up to (known) */
static _Atomic int64_t g_replay_at;     /* when that was asked, ms */
static _Atomic int g_down;              /* found unreachable */
static _Atomic int64_t g_retry_at;      /* ... try again from (ms) */
static _Atomic int g_said_primary;      /* "not a standby" logged */
static _Atomic uint64_t g_n_replica, g_n_behind, g_n_failed;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pb_store_lsn_format(uint64_t lsn, char out[24])
{
    snprintf(out, 24, "%" PRIX64 "/%" PRIX64, lsn >> 32,
             lsn & 0xffffffffu);
}

int pb_store_lsn_parse(const char *s, uint64_t *out)
{
    uint64_t part[2] = {0, 0};
    int k = 0;
    if (!s)
        return -1;
    for (; k < 2; k++) {
        int digits = 0;
        for (; *s && *s != '/'; s++, digits++) {
            int c = (unsigned char)*s, v;
            if (c >= '0' && c <= '9')
                v = c - '0';
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                v = (c | 0x20) - 'a' + 10;
            else
                return -1;
            if (digits == 8)
                return -1;
            part[k] = part[k] << 4 | (uint64_t)v;
        }
        if (!digits || (k == 0 && *s++ != '/'))
            return -1;
    }
    if (*s)
        return -1;
    *out = part[0] << 32 | part[1];
    return 0;
}

void pb_store_replica_counts(uint64_t *out_replica, uint64_t *out_behind,
                             uint64_t *out_failed)
{
    *out_replica = atomic_load(&g_n_replica);
    *out_behind = atomic_load(&g_n_behind);
    *out_failed = atomic_load(&g_n_failed);
}

void pb_store_replica_test_reset(void)
{
    atomic_store(&g_replay, 0);
    atomic_store(&g_replay_at, 0);
    atomic_store(&g_down, 0);
    atomic_store(&g_retry_at, 0);
    atomic_store(&g_said_primary, 0);
}

int pb_store_replica_attach(struct pb_store *st, const char *conninfo,
                            struct pb_err *err)
{
    if (!st || st->backend != PB_BACKEND_PG)
        return pb_err_set(err, PB_EINVAL,
                          "--db-replica needs a PostgreSQL --db (a SQLite "
                          "store has no replicas)");
    if (!pb_store_is_url(conninfo))
        return pb_err_set(err, PB_EINVAL,
                          "--db-replica: not a PostgreSQL address (give "
                          "postgres://... or host=... dbname=...)");
    if (st->rep)
        pb_replica_free(st);
    struct pb_replica *rep = pb_calloc(1, sizeof *rep);
    rep->primary = st->pg;
    rep->pg = pb_calloc(1, sizeof *rep->pg);
    rep->pg->readonly = 1;
    rep->conninfo = pb_strdup(conninfo);
    st->rep = rep;
    return PB_OK;
}

int pb_store_replica_has(const struct pb_store *st)
{
    return st && st->rep;
}

void pb_replica_free(struct pb_store *st)
{
    struct pb_replica *rep = st->rep;
    if (!rep)
        return;
    struct pb_pg *saved = st->pg;
    st->pg = rep->pg;
    pb_pg_cache_free(st);
    st->pg = saved;
    if (rep->pg->conn)
        PQfinish(rep->pg->conn);
    free(rep->pg);
    free(rep->conninfo);
    free(rep);
    st->rep = NULL;
}

void pb_store_replica_route(struct pb_store *st, int on, uint64_t min_lsn)
{
    if (!st || !st->rep)
        return;
    st->rep->route = on;
    st->rep->min_lsn = min_lsn;
    st->rep->wrote = 0;
}

int pb_store_replica_wrote(const struct pb_store *st)
{
    return st && st->rep && st->rep->wrote;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Where the replica is: its host and port as libpq says (no password). */
static void where(PGconn *c, char *out, size_t cap)
{
    const char *h = c ? PQhost(c) : NULL, *p = c ? PQport(c) : NULL;
    snprintf(out, cap, "%s port %s", h && *h ? h : "the default host",
             p && *p ? p : "5432");
}

static void mark_down(struct pb_replica *rep, const char *why)
{
    atomic_store(&g_retry_at, now_ms() + RETRY_MS);
    if (!atomic_exchange(&g_down, 1)) {
        char at[300];
        where(rep->pg->conn, at, sizeof at);
        fprintf(stderr, "paperboy: read replica on %s unreachable (%s): "
                        "reading from the primary until it is back\n",
                at, why);
    }
}

static void mark_up(struct pb_replica *rep)
{
    if (atomic_exchange(&g_down, 0)) {
        char at[300];
        where(rep->pg->conn, at, sizeof at);
        fprintf(stderr, "paperboy: read replica on %s is back: reads go "
                        "to it again\n", at);
    }
}

/* libpq's message on one line (it spans several) */
static void trim(char *s)
{
    char *o = s;
    for (const char *p = s; *p; p++) {
        char c = *p == '\n' || *p == '\t' ? ' ' : *p;
        if (c != ' ' || (o > s && o[-1] != ' '))
            *o++ = c;
    }
    while (o > s && o[-1] == ' ')
        o--;
    *o = '\0';
}

/* Connect (or reconnect) the replica's connection and set its session
 * up as the primary's; 0 when it answers. */
static int connect_replica(struct pb_replica *rep)
{
    struct pb_pg *pg = rep->pg;
    if (pg->conn && PQstatus(pg->conn) == CONNECTION_OK)
        return 0;
    if (pg->conn) {
        PQreset(pg->conn);
    } else {
        /* short timeouts: a request waits for them. A replica whose
         * network went silent (no reset) fails a statement after 10 s
         * of unacknowledged data instead of the kernel's minutes; the
         * caller's string comes last and may say otherwise */
        const char *const kw[] = {"application_name", "connect_timeout",
                                  "tcp_user_timeout", "keepalives_idle",
                                  "keepalives_interval", "keepalives_count",
                                  "dbname", NULL};
        const char *const val[] = {"paperboy-replica", "3", "10000", "30",
                                   "5", "3", rep->conninfo, NULL};
        pg->conn = PQconnectdbParams(kw, val, 1);
    }
    if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
        char why[300];
        snprintf(why, sizeof why, "%s",
                 pg->conn ? PQerrorMessage(pg->conn) : "out of memory");
        trim(why);
        mark_down(rep, why);
        return -1;
    }
    /* prepared statements were the old connection's */
    struct pb_store tmp = {.backend = PB_BACKEND_PG, .pg = pg};
    pb_pg_cache_free(&tmp);
    PQsetNoticeProcessor(pg->conn, quiet, NULL);
    PGresult *res = PQexec(pg->conn, "SET TimeZone = 'UTC';"
                                     " SET client_min_messages = warning;"
                                     " SET default_transaction_read_only ="
                                     " on");
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        char why[300];
        snprintf(why, sizeof why, "%s", PQerrorMessage(pg->conn));
        trim(why);
        mark_down(rep, why);
    }
    PQclear(res);
    if (!ok)
        return -1;
    mark_up(rep);
    return 0;
}

/* Run sql (no parameters) on the replica; a connection found lost (the
 * replica restarted since it was made) is made again and sql sent once
 * more: what is sent here only reads. */
static PGresult *rexec(struct pb_replica *rep, const char *sql)
{
    PGresult *res = PQexec(rep->pg->conn, sql);
    if (PQstatus(rep->pg->conn) != CONNECTION_OK) {
        PQclear(res);
        res = connect_replica(rep) ? NULL : PQexec(rep->pg->conn, sql);
    }
    return res;
}

/* The replica can take a read now: connected, or not known to be down
 * (or down long enough to try again). */
static int usable(struct pb_replica *rep)
{
    if (atomic_load(&g_down) && now_ms() < atomic_load(&g_retry_at))
        return 0;
    if (atomic_load(&g_down) && rep->pg->conn &&
        PQstatus(rep->pg->conn) == CONNECTION_OK) {
        /* another connection found it down: this one may be dead too */
        PGresult *res = rexec(rep, "SELECT 1");
        int ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
        if (ok)
            mark_up(rep);
        return ok;
    }
    return connect_replica(rep) == 0;
}

/* Ask the replica how far it has replayed; 0 when it answered. */
static int refresh_replay(struct pb_replica *rep)
{
    PGresult *res = rexec(rep, "SELECT pg_is_in_recovery(),"
                               " pg_last_wal_replay_lsn() - '0/0'");
    int ok = res && PQresultStatus(res) == PGRES_TUPLES_OK &&
             PQntuples(res) == 1;
    if (ok) {
        uint64_t lsn;
        if (strcmp(PQgetvalue(res, 0, 0), "t")) {
            /* not a standby (promoted, or the primary itself): nothing
             * to wait for there */
            lsn = UINT64_MAX;
            if (!atomic_exchange(&g_said_primary, 1))
                fprintf(stderr, "paperboy: warning: the read replica is "
                                "not in recovery (not a standby)\n");
        } else {
            lsn = PQgetisnull(res, 0, 1)
                      ? 0
                      : strtoull(PQgetvalue(res, 0, 1), NULL, 10);
        }
        uint64_t was = atomic_load(&g_replay);
        while (lsn > was &&
               !atomic_compare_exchange_weak(&g_replay, &was, lsn))
            ;
        atomic_store(&g_replay_at, now_ms());
    } else if (PQstatus(rep->pg->conn) != CONNECTION_OK) {
        mark_down(rep, "the connection was lost");
    }
    PQclear(res);
    return ok ? 0 : -1;
}

/* Whether the replica has replayed up to lsn: what is known, asked again
 * when older than REPLAY_TTL_MS (by one thread at a time; the others
 * take the primary meanwhile). */
static int replayed(struct pb_replica *rep, uint64_t lsn)
{
    if (!lsn || atomic_load(&g_replay) >= lsn)
        return 1;
    int64_t now = now_ms(), at = atomic_load(&g_replay_at);
    if (now - at < REPLAY_TTL_MS ||
        !atomic_compare_exchange_strong(&g_replay_at, &at, now))
        return 0;
    if (refresh_replay(rep))
        return 0;
    return atomic_load(&g_replay) >= lsn;
}

int pb_store_replica_caught_up(struct pb_store *st, uint64_t lsn)
{
    if (!st || !st->rep)
        return 0;
    if (atomic_load(&g_replay) >= lsn)
        return 1;
    return usable(st->rep) && replayed(st->rep, lsn);
}

static int int_row(void *ctx, const struct pb_row *r)
{
    *(int64_t *)ctx = pb_row_int(r, 0);
    return PB_OK;
}

int pb_store_replica_write_lsn(struct pb_store *st, uint64_t *out)
{
    *out = 0;
    struct pb_pg *saved = st->pg;
    if (st->rep)
        st->pg = st->rep->primary;
    int64_t v = 0;
    /* the insert position, not the write one: with synchronous_commit
     * off a commit returns before its record is written */
    int rc = pb_pg_run_here(st, PB_RUN_ONE,
                            "SELECT pg_current_wal_insert_lsn() - '0/0'",
                            NULL, 0, int_row, &v);
    st->pg = saved;
    if (rc || v <= 0)
        return PB_EDB;
    *out = (uint64_t)v;
    return PB_OK;
}

/* A plain read: a SELECT that takes no lock and has no side effect (so
 * that a hot standby runs it and running it twice is harmless). */
static int plain_read(const char *sql)
{
    sql += strspn(sql, " \t\n(");
    if (strncasecmp(sql, "SELECT", 6))
        return 0;
    static const char *const bad[] = {
        "FOR UPDATE", "FOR SHARE", "FOR NO KEY", "FOR KEY SHARE",
        "pg_advisory", "pg_try_advisory", "nextval", "setval", "lastval",
        "pg_notify", "pg_current_wal", " INTO ", NULL};
    for (int i = 0; bad[i]; i++)
        if (strcasestr(sql, bad[i]))
            return 0;
    return 1;
}

/* A transaction is open on c (not when c is lost: with the primary
 * down, reads may still go to the replica). */
static int txn_open(PGconn *c)
{
    PGTransactionStatusType t = PQtransactionStatus(c);
    return t == PQTRANS_ACTIVE || t == PQTRANS_INTRANS ||
           t == PQTRANS_INERROR;
}

/* Whether sql goes to the replica now: 1; 0 the primary (by the rules),
 * -1 the primary since the replica cannot be reached, -2 since it has
 * not replayed the route's position yet. */
static int to_replica(struct pb_store *st, const char *sql)
{
    struct pb_replica *rep = st->rep;
    if (rep->txn == TXN_REPLICA)
        return 1; /* (a read transaction runs there) */
    if (rep->txn == TXN_PRIMARY || !rep->route || st->in_txn ||
        txn_open(rep->primary->conn) ||
        !plain_read(sql))
        return 0;
    if (!usable(rep))
        return -1;
    return replayed(rep, rep->min_lsn) ? 1 : -2;
}

struct counted {
    pb_row_fn fn;
    void *ctx;
    int rows;
    int stop; /* what the caller's callback returned to stop, or 0 */
};

static int count_row(void *ctx, const struct pb_row *r)
{
    struct counted *c = ctx;
    c->rows++;
    return c->stop = c->fn(c->ctx, r);
}

/* The statement ran: it gave its rows (or none), or the caller's
 * callback stopped it (its return is the caller's, not a failure). */
static int answered(int rc, const struct counted *c)
{
    return rc == PB_OK || rc == PB_ENOTFOUND || rc == PB_EINVAL ||
           (c->stop && rc == c->stop);
}

/* The read transaction on the replica failed: go on with one on the
 * primary (the reads after this see the primary's snapshot). */
static int txn_to_primary(struct pb_store *st)
{
    struct pb_replica *rep = st->rep;
    if (rep->pg->conn && PQstatus(rep->pg->conn) == CONNECTION_OK &&
        PQtransactionStatus(rep->pg->conn) != PQTRANS_IDLE)
        PQclear(PQexec(rep->pg->conn, "ROLLBACK"));
    rep->txn = TXN_PRIMARY;
    struct pb_pg *saved = st->pg;
    st->pg = rep->primary;
    (void)pb_pg_reconnect(st);
    int rc = pb_pg_exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ"
                            " READ ONLY");
    st->pg = saved;
    return rc;
}

static int on_primary(struct pb_store *st, int mode, const char *sql,
                      const struct pb_arg *a, size_t n, pb_row_fn fn,
                      void *ctx)
{
    struct pb_pg *saved = st->pg;
    st->pg = st->rep->primary;
    int rc = pb_pg_run_here(st, mode, sql, a, n, fn, ctx);
    st->pg = saved;
    return rc;
}

int pb_replica_run(struct pb_store *st, int mode, const char *sql,
                   const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx)
{
    struct pb_replica *rep = st->rep;
    int where = to_replica(st, sql);
    if (where <= 0) {
        if (where < 0)
            atomic_fetch_add(where == -1 ? &g_n_failed : &g_n_behind, 1);
        else if (st->in_txn || !plain_read(sql))
            rep->wrote = 1;
        return on_primary(st, mode, sql, a, n, fn, ctx);
    }
    struct counted c = {fn, ctx, 0, 0};
    struct pb_pg *saved = st->pg;
    st->pg = rep->pg;
    int rc = pb_pg_run_here(st, mode, sql, a, n, fn ? count_row : NULL, &c);
    st->pg = saved;
    if (answered(rc, &c)) {
        atomic_fetch_add(&g_n_replica, 1);
        return rc;
    }
    int lost = PQstatus(rep->pg->conn) != CONNECTION_OK;
    if (lost && !c.rows && rep->txn != TXN_REPLICA &&
        !connect_replica(rep)) {
        /* a connection the replica's restart broke (the others of the
         * process may be fine): once more on a new one */
        st->pg = rep->pg;
        c.rows = c.stop = 0;
        rc = pb_pg_run_here(st, mode, sql, a, n, fn ? count_row : NULL, &c);
        st->pg = saved;
        if (answered(rc, &c)) {
            atomic_fetch_add(&g_n_replica, 1);
            return rc;
        }
        lost = PQstatus(rep->pg->conn) != CONNECTION_OK;
    }
    if (lost)
        mark_down(rep, "the connection was lost");
    if (c.rows) {
        /* the caller has rows already: it cannot take them again from
         * the primary; the failure is its */
        snprintf(rep->primary->err, sizeof rep->primary->err, "%s",
                 rep->pg->err);
        if (rep->txn == TXN_REPLICA)
            (void)txn_to_primary(st);
        return rc;
    }
    /* nothing was read: the primary answers instead (a read, so sending
     * it again is harmless) */
    atomic_fetch_add(&g_n_failed, 1);
    if (rep->txn == TXN_REPLICA && txn_to_primary(st))
        return PB_EDB;
    return on_primary(st, mode, sql, a, n, fn, ctx);
}

int pb_replica_read_begin(struct pb_store *st, int *out_began)
{
    struct pb_replica *rep = st->rep;
    *out_began = 0;
    if (rep->txn != TXN_NONE)
        return 1; /* one is open (there or on the primary) */
    if (!rep->route || st->in_txn ||
        txn_open(rep->primary->conn))
        return 0;
    if (!usable(rep)) {
        atomic_fetch_add(&g_n_failed, 1);
        return 0;
    }
    if (!replayed(rep, rep->min_lsn)) {
        atomic_fetch_add(&g_n_behind, 1);
        return 0;
    }
    PGresult *res = rexec(rep, "BEGIN ISOLATION LEVEL REPEATABLE READ"
                               " READ ONLY");
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        if (PQstatus(rep->pg->conn) != CONNECTION_OK)
            mark_down(rep, "the connection was lost");
        atomic_fetch_add(&g_n_failed, 1);
        return 0;
    }
    rep->txn = TXN_REPLICA;
    *out_began = 1;
    return 1;
}

int pb_replica_read_end(struct pb_store *st, int began)
{
    struct pb_replica *rep = st->rep;
    if (rep->txn == TXN_NONE)
        return 0;
    if (!began)
        return 1;
    PGconn *c = rep->txn == TXN_REPLICA ? rep->pg->conn
                                        : rep->primary->conn;
    rep->txn = TXN_NONE;
    if (c && PQstatus(c) == CONNECTION_OK &&
        PQtransactionStatus(c) != PQTRANS_IDLE) {
        PGresult *res = PQexec(c, "COMMIT");
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
            PQclear(PQexec(c, "ROLLBACK"));
        PQclear(res);
    }
    return 1;
}

int pb_store_replica_probe(const char *conninfo, int *out_standby,
                           struct pb_err *err)
{
    *out_standby = 0;
    const char *const kw[] = {"application_name", "connect_timeout",
                              "dbname", NULL};
    const char *const val[] = {"paperboy-replica", "5", conninfo, NULL};
    PGconn *c = PQconnectdbParams(kw, val, 1);
    int rc = PB_OK;
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char why[300], at[300];
        snprintf(why, sizeof why, "%s",
                 c ? PQerrorMessage(c) : "out of memory");
        trim(why);
        where(c, at, sizeof at);
        rc = pb_err_set(err, PB_EDB, "read replica on %s: %s", at, why);
    } else {
        PGresult *res = PQexec(c, "SELECT pg_is_in_recovery()");
        if (res && PQresultStatus(res) == PGRES_TUPLES_OK &&
            PQntuples(res) == 1)
            *out_standby = !strcmp(PQgetvalue(res, 0, 0), "t");
        else
            rc = pb_err_set(err, PB_EDB, "read replica: %s",
                            PQerrorMessage(c));
        PQclear(res);
    }
    PQfinish(c);
    return rc;
}
