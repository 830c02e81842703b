/* stmt_pg.c - the statement helper on PostgreSQL (store_stmt.h,
 * stmt_int.h, docs/STORE.md).
 *
 * Each SQL text is rewritten once (`?N` to `$N`) and prepared once per
 * connection as a named statement; arguments travel as text (blobs as
 * binary bytea), results come back whole and as text, so a row callback
 * may run any statement. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "store/replica_int.h"
#include "store/stmt_int.h"
#include "store/store_pg.h"

#define BUCKETS 128
#define INT8OID 20
#define FLOAT8OID 701
#define BYTEAOID 17

struct pb_pg_stmt {
    struct pb_pg_stmt *next;
    uint64_t hash;
    char *sql;
    char *text;   /* with $N */
    Oid *types;   /* of its parameters */
    char name[16];
    int nparams;
    int cursor;   /* a SELECT without LIMIT: each() reads it by a cursor */
};

/* Rows each() takes from a cursor at a time. */
#define FETCH_ROWS 1000

struct pb_pg_blobs {
    unsigned char **v;
    size_t n, cap;
};

static uint64_t hash_sql(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

void pb_pg_cache_free(struct pb_store *st)
{
    if (!st->pg)
        return;
    for (int i = 0; i < BUCKETS; i++) {
        for (struct pb_pg_stmt *e = st->pg->bucket[i], *next; e; e = next) {
            next = e->next;
            free(e->sql);
            free(e->text);
            free(e->types);
            free(e);
        }
        st->pg->bucket[i] = NULL;
    }
}

const char *pb_pg_errmsg(struct pb_store *st)
{
    return st->pg ? st->pg->err : "";
}

int pb_pg_fail(struct pb_store *st, const PGresult *res)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                          : NULL;
    if (!msg)
        msg = PQerrorMessage(st->pg->conn);
    snprintf(st->pg->err, sizeof st->pg->err, "%s", msg ? msg : "");
    size_t n = strlen(st->pg->err);
    while (n && (st->pg->err[n - 1] == '\n' || st->pg->err[n - 1] == ' '))
        st->pg->err[--n] = '\0';
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state && state[0] == '2' && state[1] == '3' ? PB_EEXIST : PB_EDB;
}

/* `?N` to `$N` outside string literals, quoted names and comments, into
 * a heap string; *max is the highest N. */
static char *rewrite(const char *sql, int *max)
{
    size_t len = strlen(sql);
    char *out = pb_malloc(len + 1), *o = out;
    *max = 0;
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            *o++ = *p++;
            while (*p && *p != q)
                *o++ = *p++;
            if (*p)
                *o++ = *p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (*p == '?' && isdigit((unsigned char)p[1])) {
            *o++ = '$';
            p++;
            int v = 0;
            while (isdigit((unsigned char)*p)) {
                if (v < 100000)
                    v = v * 10 + (*p - '0');
                *o++ = *p++;
            }
            if (v > *max)
                *max = v;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

/* Whether sql is a SELECT without a LIMIT (a whole-table scan, maybe):
 * such results are read through a cursor, FETCH_ROWS at a time, so that
 * each() does not hold them whole in memory. */
static int unbounded_select(const char *sql)
{
    sql += strspn(sql, " \t\n");
    if (strncasecmp(sql, "SELECT", 6))
        return 0;
    for (const char *p = sql; (p = strcasestr(p, "LIMIT")); p += 5)
        if ((p == sql || !isalnum((unsigned char)p[-1])) &&
            !isalnum((unsigned char)p[5]) && p[5] != '_')
            return 0;
    return 1;
}

/* The prepared statement for sql (prepared on first use, with the
 * parameter types of the arguments of that call: integers are bigint,
 * reals double precision, blobs bytea; text and NULL take the type their
 * place in the statement gives). */
static int take(struct pb_store *st, const char *sql, const struct pb_arg *a,
                size_t n, struct pb_pg_stmt **out)
{
    struct pb_pg *pg = st->pg;
    uint64_t h = hash_sql(sql);
    struct pb_pg_stmt *e = pg->bucket[h % BUCKETS];
    while (e && (e->hash != h || strcmp(e->sql, sql)))
        e = e->next;
    if (e) {
        *out = e;
        return PB_OK;
    }
    int max;
    char *text = rewrite(sql, &max), name[16];
    if ((size_t)max != n) {
        free(text);
        snprintf(pg->err, sizeof pg->err,
                 "the statement takes %d arguments, %zu given", max, n);
        return PB_EINVAL;
    }
    Oid *types = pb_calloc(n + 1, sizeof *types);
    for (size_t i = 0; i < n; i++)
        types[i] = a[i].kind == PB_ARG_INT    ? INT8OID
                   : a[i].kind == PB_ARG_REAL ? FLOAT8OID
                   : a[i].kind == PB_ARG_BLOB ? BYTEAOID
                                              : 0;
    snprintf(name, sizeof name, "pb%d", ++pg->next_name);
    PGresult *res = PQprepare(pg->conn, name, text, (int)n, types);
    int rc = PB_OK;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        (void)pb_pg_fail(st, res);
        rc = PB_EDB;
    }
    PQclear(res);
    if (rc) {
        free(types);
        free(text);
        return rc;
    }
    e = pb_calloc(1, sizeof *e);
    e->hash = h;
    e->sql = pb_strdup(sql);
    e->text = text;
    e->types = types;
    e->cursor = unbounded_select(sql);
    memcpy(e->name, name, sizeof name);
    e->nparams = max;
    e->next = pg->bucket[h % BUCKETS];
    pg->bucket[h % BUCKETS] = e;
    *out = e;
    return PB_OK;
}

static void blobs_clear(struct pb_pg_blobs *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->v[i]);
    b->n = 0;
}

static int is_write(const char *status)
{
    return !strncmp(status, "INSERT", 6) || !strncmp(status, "UPDATE", 6) ||
           !strncmp(status, "DELETE", 6) || !strncmp(status, "MERGE", 5);
}

struct params {
    const char **vals;
    int *lens, *fmts;
    char (*num)[32];
};

/* The arguments as libpq's parameter arrays (text; blobs binary). */
static void params_make(struct params *p, const struct pb_arg *a, size_t n)
{
    p->vals = pb_calloc(n + 1, sizeof *p->vals);
    p->lens = pb_calloc(n + 1, sizeof *p->lens);
    p->fmts = pb_calloc(n + 1, sizeof *p->fmts);
    p->num = pb_calloc(n + 1, sizeof *p->num);
    for (size_t i = 0; i < n; i++) {
        switch (a[i].kind) {
        case PB_ARG_INT:
            snprintf(p->num[i], sizeof p->num[i], "%lld", (long long)a[i].i);
            p->vals[i] = p->num[i];
            break;
        case PB_ARG_REAL:
            snprintf(p->num[i], sizeof p->num[i], "%.17g", a[i].d);
            p->vals[i] = p->num[i];
            break;
        case PB_ARG_TEXT:
            p->vals[i] = a[i].p;
            break;
        case PB_ARG_BLOB:
            p->vals[i] = a[i].n ? a[i].p : "";
            p->lens[i] = (int)a[i].n;
            p->fmts[i] = 1;
            break;
        default:
            p->vals[i] = NULL;
        }
    }
}

static void params_free(struct params *p)
{
    free(p->vals);
    free(p->lens);
    free(p->fmts);
    free(p->num);
}

/* Pass rows of res to fn (only the first for PB_RUN_ONE); fn's non-zero
 * return. */
static int rows_to(const PGresult *res, int mode, pb_row_fn fn, void *ctx)
{
    struct pb_pg_blobs blobs = {0};
    struct pb_row row = {.res = (const struct pg_result *)res,
                         .blobs = &blobs};
    int rc = PB_OK, rows = PQntuples(res);
    for (int i = 0; i < rows && !rc; i++) {
        row.i = i;
        rc = fn(ctx, &row);
        blobs_clear(&blobs);
        if (mode == PB_RUN_ONE)
            break;
    }
    free(blobs.v);
    return rc;
}

/* each() of an unbounded SELECT: a cursor (WITH HOLD outside a
 * transaction, so callbacks may begin and commit their own), FETCH_ROWS
 * rows at a time; between fetches the connection is free for the
 * callbacks' statements. */
static int run_cursor(struct pb_store *st, struct pb_pg_stmt *e,
                      const struct params *p, size_t n, pb_row_fn fn,
                      void *ctx)
{
    struct pb_pg *pg = st->pg;
    int in_txn = PQtransactionStatus(pg->conn) != PQTRANS_IDLE;
    char cur[24], q[64];
    snprintf(cur, sizeof cur, "pbc%d", ++pg->next_name);
    size_t len = strlen(e->text) + 96;
    char *declare = pb_malloc(len);
    snprintf(declare, len, "DECLARE %s NO SCROLL CURSOR%s FOR %s", cur,
             in_txn ? "" : " WITH HOLD", e->text);
    PGresult *res = PQexecParams(pg->conn, declare, (int)n, e->types,
                                 p->vals, p->lens, p->fmts, 0);
    free(declare);
    int rc = PB_OK;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pb_pg_fail(st, res);
        PQclear(res);
        return rc;
    }
    PQclear(res);
    snprintf(q, sizeof q, "FETCH %d FROM %s", FETCH_ROWS, cur);
    for (;;) {
        res = PQexec(pg->conn, q);
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
            rc = pb_pg_fail(st, res);
            PQclear(res);
            break;
        }
        int rows = PQntuples(res);
        rc = fn ? rows_to(res, PB_RUN_EACH, fn, ctx) : PB_OK;
        PQclear(res);
        if (rc || rows < FETCH_ROWS)
            break;
    }
    if (PQtransactionStatus(pg->conn) != PQTRANS_INERROR) {
        snprintf(q, sizeof q, "CLOSE %s", cur);
        PQclear(PQexec(pg->conn, q));
    }
    return rc;
}

static int run(struct pb_store *st, int mode, const char *sql,
               const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx);

int pb_pg_run(struct pb_store *st, int mode, const char *sql,
              const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx)
{
    if (st->rep) /* a read replica: it picks the connection */
        return pb_replica_run(st, mode, sql, a, n, fn, ctx);
    return pb_pg_run_here(st, mode, sql, a, n, fn, ctx);
}

int pb_pg_run_here(struct pb_store *st, int mode, const char *sql,
                   const struct pb_arg *a, size_t n, pb_row_fn fn,
                   void *ctx)
{
    /* a connection lost before (the statement that found it failed, and
     * is not sent again: it may have been done) is made again here */
    (void)pb_pg_reconnect(st);
    return run(st, mode, sql, a, n, fn, ctx);
}

static int run(struct pb_store *st, int mode, const char *sql,
               const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx)
{
    struct pb_pg *pg = st->pg;
    struct pb_pg_stmt *e;
    int rc = take(st, sql, a, n, &e);
    if (rc)
        return rc;
    if ((size_t)e->nparams != n) {
        snprintf(pg->err, sizeof pg->err,
                 "the statement takes %d arguments, %zu given", e->nparams,
                 n);
        return PB_EINVAL;
    }
    struct params p;
    params_make(&p, a, n);
    if (mode == PB_RUN_EACH && e->cursor) {
        rc = run_cursor(st, e, &p, n, fn, ctx);
        params_free(&p);
        return rc;
    }
    PGresult *res = PQexecPrepared(pg->conn, e->name, (int)n, p.vals, p.lens,
                                   p.fmts, 0);
    params_free(&p);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        rc = pb_pg_fail(st, res);
        PQclear(res);
        return rc;
    }
    if (is_write(PQcmdStatus(res)))
        pg->changes = strtoll(PQcmdTuples(res), NULL, 10);
    int rows = s == PGRES_TUPLES_OK ? PQntuples(res) : 0;
    if (mode == PB_RUN_EXEC && rows > 0) {
        snprintf(pg->err, sizeof pg->err, "the statement returned a row");
        rc = PB_EDB;
    } else if (mode == PB_RUN_ONE && rows == 0) {
        rc = PB_ENOTFOUND;
    } else if (fn) {
        rc = rows_to(res, mode, fn, ctx);
    }
    PQclear(res);
    return rc;
}

int64_t pb_pg_changes(struct pb_store *st)
{
    return st->pg->changes;
}

int64_t pb_pg_last_id(struct pb_store *st)
{
    PGresult *res = PQexec(st->pg->conn, "SELECT lastval()");
    int64_t id = 0;
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    else
        (void)pb_pg_fail(st, res);
    PQclear(res);
    return id;
}

/* --- rows ---------------------------------------------------------------- */

static const PGresult *R(const struct pb_row *r)
{
    return (const PGresult *)r->res;
}

int pb_pg_row_is_null(const struct pb_row *r, int col)
{
    return PQgetisnull(R(r), r->i, col);
}

const char *pb_pg_row_text(const struct pb_row *r, int col)
{
    if (col < 0 || col >= PQnfields(R(r)) || PQgetisnull(R(r), r->i, col))
        return NULL;
    return PQgetvalue(R(r), r->i, col);
}

int64_t pb_pg_row_int(const struct pb_row *r, int col)
{
    const char *t = pb_pg_row_text(r, col);
    if (!t)
        return 0;
    if (t[0] == 't' && !t[1])
        return 1;
    if (t[0] == 'f' && !t[1])
        return 0;
    if (strpbrk(t, ".eE"))
        return (int64_t)strtod(t, NULL);
    return strtoll(t, NULL, 10);
}

double pb_pg_row_real(const struct pb_row *r, int col)
{
    const char *t = pb_pg_row_text(r, col);
    if (!t)
        return 0;
    if (t[0] == 't' && !t[1])
        return 1;
    return strtod(t, NULL);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* bytea in its hex text form ("\x0aff"), decoded for the callback; a text
 * column gives its bytes. */
const void *pb_pg_row_blob(const struct pb_row *r, int col, size_t *n)
{
    *n = 0;
    const char *t = pb_pg_row_text(r, col);
    if (!t)
        return NULL;
    if (PQftype(R(r), col) != BYTEAOID) {
        *n = strlen(t);
        return *n ? t : NULL;
    }
    if (t[0] != '\\' || t[1] != 'x')
        return NULL;
    size_t len = strlen(t + 2) / 2;
    if (!len)
        return NULL;
    unsigned char *v = pb_malloc(len);
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(t[2 + 2 * i]), lo = hexval(t[3 + 2 * i]);
        v[i] = (unsigned char)((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo));
    }
    struct pb_pg_blobs *b = r->blobs;
    if (b->n == b->cap)
        b->v = pb_reallocarray(b->v, b->cap = b->cap ? b->cap * 2 : 4,
                               sizeof *b->v);
    b->v[b->n++] = v;
    *n = len;
    return v;
}
