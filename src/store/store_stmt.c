/* store_stmt.c - the statement helper's shared part (store_stmt.h): the
 * runners and row readers pick the backend (stmt_sqlite.c, stmt_pg.c). */
#include "store/store_stmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/stmt_int.h"

static int run(struct pb_store *st, int mode, const char *sql,
               const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx)
{
    return st->backend == PB_BACKEND_PG
               ? pb_pg_run(st, mode, sql, a, n, fn, ctx)
               : pb_sqlite_run(st, mode, sql, a, n, fn, ctx);
}

const char *pb_sql(const struct pb_store *st, const char *sqlite,
                   const char *pg)
{
    return st->backend == PB_BACKEND_PG ? pg : sqlite;
}

const char *pb_stmt_errmsg(struct pb_store *st)
{
    return st->backend == PB_BACKEND_PG ? pb_pg_errmsg(st)
                                        : pb_sqlite_errmsg(st);
}

void pb_stmt_cache_free(struct pb_store *st)
{
    if (st->backend == PB_BACKEND_PG)
        pb_pg_cache_free(st);
    else
        pb_sqlite_cache_free(st);
}

int pb_stmt_exec(struct pb_store *st, const char *sql,
                 const struct pb_arg *args, size_t n)
{
    return run(st, PB_RUN_EXEC, sql, args, n, NULL, NULL);
}

int pb_stmt_one(struct pb_store *st, const char *sql,
                const struct pb_arg *args, size_t n, pb_row_fn fn, void *ctx)
{
    return run(st, PB_RUN_ONE, sql, args, n, fn, ctx);
}

int pb_stmt_each(struct pb_store *st, const char *sql,
                 const struct pb_arg *args, size_t n, pb_row_fn fn,
                 void *ctx)
{
    return run(st, PB_RUN_EACH, sql, args, n, fn, ctx);
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
    return run(st, PB_RUN_ONE, sql, args, n, int_fn, out);
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
    int rc = run(st, PB_RUN_EACH, sql, args, n, ints_fn, &x);
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
    return st->backend == PB_BACKEND_PG ? pb_pg_changes(st)
                                        : pb_sqlite_changes(st);
}

int64_t pb_stmt_last_id(struct pb_store *st)
{
    return st->backend == PB_BACKEND_PG ? pb_pg_last_id(st)
                                        : pb_sqlite_last_id(st);
}

/* --- rows ---------------------------------------------------------------- */

int64_t pb_row_int(const struct pb_row *r, int col)
{
    return r->res ? pb_pg_row_int(r, col) : sqlite3_column_int64(r->s, col);
}

double pb_row_real(const struct pb_row *r, int col)
{
    return r->res ? pb_pg_row_real(r, col) : sqlite3_column_double(r->s, col);
}

const char *pb_row_text(const struct pb_row *r, int col)
{
    return r->res ? pb_pg_row_text(r, col)
                  : (const char *)sqlite3_column_text(r->s, col);
}

void pb_row_copy(const struct pb_row *r, int col, char *dst, size_t cap)
{
    const char *t = pb_row_text(r, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

const void *pb_row_blob(const struct pb_row *r, int col, size_t *n)
{
    if (r->res)
        return pb_pg_row_blob(r, col, n);
    const void *p = sqlite3_column_blob(r->s, col);
    *n = (size_t)sqlite3_column_bytes(r->s, col);
    return p;
}

int pb_row_is_null(const struct pb_row *r, int col)
{
    return r->res ? pb_pg_row_is_null(r, col)
                  : sqlite3_column_type(r->s, col) == SQLITE_NULL;
}
