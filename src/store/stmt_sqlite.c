/* stmt_sqlite.c - the statement helper on SQLite (store_stmt.h,
 * stmt_int.h). */
#include "store/stmt_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

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

void pb_sqlite_cache_free(struct pb_store *st)
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

const char *pb_sqlite_errmsg(struct pb_store *st)
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

int pb_sqlite_run(struct pb_store *st, int mode, const char *sql,
                  const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx)
{
    struct pb_stmt *e;
    sqlite3_stmt *s;
    int rc = take(st, sql, a, n, &e, &s);
    if (rc)
        return rc;
    struct pb_row row = {.s = s};
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (mode == PB_RUN_EXEC) {
            snprintf(cache(st)->err, sizeof st->stmts->err,
                     "the statement returned a row");
            rc = PB_EDB;
            break;
        }
        if (fn && (rc = fn(ctx, &row)))
            break;
        if (mode == PB_RUN_ONE)
            break;
    }
    if (step == SQLITE_DONE) {
        if (mode == PB_RUN_ONE)
            rc = PB_ENOTFOUND;
    } else if (step != SQLITE_ROW) {
        rc = fail(st, step);
    }
    give(e, s);
    return rc;
}

int64_t pb_sqlite_changes(struct pb_store *st)
{
    return sqlite3_changes64(st->db);
}

int64_t pb_sqlite_last_id(struct pb_store *st)
{
    return sqlite3_last_insert_rowid(st->db);
}

