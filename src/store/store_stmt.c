/* store_stmt.c - the statement helper on SQLite (see store_stmt.h). */
#include "store/store_stmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_int.h"

#define BUCKETS 128

/* One cached statement: its SQL text is its key. */
struct pb_stmt {
    struct pb_stmt *next;
    uint64_t hash;
    char *sql;
    sqlite3_stmt *s;
    int busy; /* running now (a callback of it may run other SQL) */
};

struct pb_stmt_cache {
    struct pb_stmt *bucket[BUCKETS];
    char err[256];
};

struct pb_row {
    sqlite3_stmt *s;
};

static uint64_t hash_sql(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static struct pb_stmt_cache *cache(struct pb_store *st)
{
    if (!st->stmts)
        st->stmts = pb_calloc(1, sizeof *st->stmts);
    return st->stmts;
}

void pb_stmt_cache_free(struct pb_store *st)
{
    if (!st->stmts)
        return;
    for (int i = 0; i < BUCKETS; i++) {
        for (struct pb_stmt *e = st->stmts->bucket[i], *next; e; e = next) {
            next = e->next;
            sqlite3_finalize(e->s);
            free(e->sql);
            free(e);
        }
    }
    free(st->stmts);
    st->stmts = NULL;
}

const char *pb_sql(const struct pb_store *st, const char *sqlite,
                   const char *pg)
{
    return st->backend == PB_BACKEND_PG ? pg : sqlite;
}

const char *pb_stmt_errmsg(struct pb_store *st)
{
    return st->stmts ? st->stmts->err : "";
}

/* Keep the connection's message and map code into enum pb_rc. */
static int fail(struct pb_store *st, int code)
{
    snprintf(cache(st)->err, sizeof st->stmts->err, "%s",
             sqlite3_errmsg(st->db));
    return (code & 0xff) == SQLITE_CONSTRAINT ? PB_EEXIST : PB_EDB;
}

static int bind(struct pb_store *st, sqlite3_stmt *s,
                const struct pb_arg *a, size_t n)
{
    int want = sqlite3_bind_parameter_count(s), r = SQLITE_OK;
    if ((size_t)want != n) {
        snprintf(cache(st)->err, sizeof st->stmts->err,
                 "the statement takes %d arguments, %zu given", want, n);
        return PB_EINVAL;
    }
    for (size_t i = 0; i < n && r == SQLITE_OK; i++) {
        int k = (int)i + 1;
        switch (a[i].kind) {
        case PB_ARG_INT:
            r = sqlite3_bind_int64(s, k, a[i].i);
            break;
        case PB_ARG_REAL:
            r = sqlite3_bind_double(s, k, a[i].d);
            break;
        case PB_ARG_TEXT:
            r = sqlite3_bind_text(s, k, a[i].p, -1, SQLITE_STATIC);
            break;
        case PB_ARG_BLOB:
            r = a[i].n ? sqlite3_bind_blob64(s, k, a[i].p, a[i].n,
                                             SQLITE_STATIC)
                       : sqlite3_bind_zeroblob(s, k, 0);
            break;
        default:
            r = sqlite3_bind_null(s, k);
        }
    }
    return r == SQLITE_OK ? PB_OK : fail(st, r);
}

/* The statement for sql, bound, in *out; *out_e is its cache entry, or
 * NULL for a one-off (the cached one is running). */
static int take(struct pb_store *st, const char *sql, const struct pb_arg *a,
                size_t n, struct pb_stmt **out_e, sqlite3_stmt **out)
{
    struct pb_stmt_cache *c = cache(st);
    uint64_t h = hash_sql(sql);
    struct pb_stmt *e = c->bucket[h % BUCKETS];
    while (e && (e->hash != h || strcmp(e->sql, sql)))
        e = e->next;
    *out_e = NULL;
    *out = NULL;
    if (e && !e->busy) {
        *out = e->s;
    } else {
        sqlite3_stmt *s = NULL;
        int r = sqlite3_prepare_v3(st->db, sql, -1,
                                   e ? 0 : SQLITE_PREPARE_PERSISTENT, &s,
                                   NULL);
        if (r != SQLITE_OK) {
            sqlite3_finalize(s);
            return fail(st, r);
        }
        if (!s) { /* only a comment or white space */
            snprintf(c->err, sizeof c->err, "empty statement");
            return PB_EINVAL;
        }
        if (!e) {
            e = pb_calloc(1, sizeof *e);
            e->hash = h;
            e->sql = pb_strdup(sql);
            e->s = s;
            e->next = c->bucket[h % BUCKETS];
            c->bucket[h % BUCKETS] = e;
        } else {
            e = NULL; /* the one-off */
        }
        *out = s;
    }
    if (e)
        e->busy = 1;
    *out_e = e;
    int rc = bind(st, *out, a, n);
    if (rc) {
        sqlite3_clear_bindings(*out);
        if (e)
            e->busy = 0;
        else
            sqlite3_finalize(*out);
    }
    return rc;
}

/* Reset and unbind (or finalize a one-off) whatever happened. */
static void give(struct pb_stmt *e, sqlite3_stmt *s)
{
    if (!e) {
        sqlite3_finalize(s);
        return;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    e->busy = 0;
}

enum { EXEC, ONE, EACH };

static int run(struct pb_store *st, int mode, const char *sql,
               const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx)
{
    struct pb_stmt *e;
    sqlite3_stmt *s;
    int rc = take(st, sql, a, n, &e, &s);
    if (rc)
        return rc;
    struct pb_row row = {s};
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (mode == EXEC) {
            snprintf(cache(st)->err, sizeof st->stmts->err,
                     "the statement returned a row");
            rc = PB_EDB;
            break;
        }
        if (fn && (rc = fn(ctx, &row)))
            break;
        if (mode == ONE)
            break;
    }
    if (step == SQLITE_DONE) {
        if (mode == ONE)
            rc = PB_ENOTFOUND;
    } else if (step != SQLITE_ROW) {
        rc = fail(st, step);
    }
    give(e, s);
    return rc;
}

int pb_stmt_exec(struct pb_store *st, const char *sql,
                 const struct pb_arg *args, size_t n)
{
    return run(st, EXEC, sql, args, n, NULL, NULL);
}

int pb_stmt_one(struct pb_store *st, const char *sql,
                const struct pb_arg *args, size_t n, pb_row_fn fn, void *ctx)
{
    return run(st, ONE, sql, args, n, fn, ctx);
}

int pb_stmt_each(struct pb_store *st, const char *sql,
                 const struct pb_arg *args, size_t n, pb_row_fn fn,
                 void *ctx)
{
    return run(st, EACH, sql, args, n, fn, ctx);
}

static int int_fn(void *ctx, const struct pb_row *r)
{
    *(int64_t *)ctx = pb_row_int(r, 0);
    return PB_OK;
}

int pb_stmt_int(struct pb_store *st, const char *sql,
                const struct pb_arg *args, size_t n, int64_t *out)
{
    *out = 0;
    return run(st, ONE, sql, args, n, int_fn, out);
}

struct ints {
    int64_t *v;
    size_t n, cap;
};

static int ints_fn(void *ctx, const struct pb_row *r)
{
    struct ints *x = ctx;
    if (x->n == x->cap)
        x->v = pb_reallocarray(x->v, x->cap = x->cap ? x->cap * 2 : 32,
                               sizeof *x->v);
    x->v[x->n++] = pb_row_int(r, 0);
    return PB_OK;
}

int pb_stmt_ints(struct pb_store *st, const char *sql,
                 const struct pb_arg *args, size_t n, int64_t **out,
                 size_t *out_n)
{
    struct ints x = {0};
    int rc = run(st, EACH, sql, args, n, ints_fn, &x);
    if (rc) {
        free(x.v);
        x.v = NULL;
        x.n = 0;
    }
    *out = x.v;
    *out_n = x.n;
    return rc;
}

int64_t pb_stmt_changes(struct pb_store *st)
{
    return sqlite3_changes64(st->db);
}

int64_t pb_stmt_last_id(struct pb_store *st)
{
    return sqlite3_last_insert_rowid(st->db);
}

/* --- rows ---------------------------------------------------------------- */

int64_t pb_row_int(const struct pb_row *r, int col)
{
    return sqlite3_column_int64(r->s, col);
}

double pb_row_real(const struct pb_row *r, int col)
{
    return sqlite3_column_double(r->s, col);
}

const char *pb_row_text(const struct pb_row *r, int col)
{
    return (const char *)sqlite3_column_text(r->s, col);
}

void pb_row_copy(const struct pb_row *r, int col, char *dst, size_t cap)
{
    const char *t = pb_row_text(r, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

const void *pb_row_blob(const struct pb_row *r, int col, size_t *n)
{
    const void *p = sqlite3_column_blob(r->s, col);
    *n = (size_t)sqlite3_column_bytes(r->s, col);
    return p;
}

int pb_row_is_null(const struct pb_row *r, int col)
{
    return sqlite3_column_type(r->s, col) == SQLITE_NULL;
}
