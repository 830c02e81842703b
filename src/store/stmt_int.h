/*
 * stmt_int.h - the statement helper's backends (src/store/ only).
 *
 * store_stmt.c is the shared part of store_stmt.h: it picks the backend by
 * st->backend and calls stmt_sqlite.c or stmt_pg.c, which run a statement
 * and read a row of their engine.
 */
#ifndef PB_STORE_STMT_INT_H
#define PB_STORE_STMT_INT_H

#include "store/store_int.h"

struct pg_result;

/* How a statement's rows are taken. */
enum pb_run_mode { PB_RUN_EXEC, PB_RUN_ONE, PB_RUN_EACH };

/* A row: SQLite's running statement, or a PostgreSQL result and a row of
 * it (with the blobs decoded for the callback, freed after it). */
struct pb_row {
    sqlite3_stmt *s;
    const struct pg_result *res;
    int i;
    struct pb_pg_blobs *blobs;
};

int pb_sqlite_run(struct pb_store *st, int mode, const char *sql,
                  const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx);
int64_t pb_sqlite_changes(struct pb_store *st);
int64_t pb_sqlite_last_id(struct pb_store *st);
const char *pb_sqlite_errmsg(struct pb_store *st);
void pb_sqlite_cache_free(struct pb_store *st);

int pb_pg_run(struct pb_store *st, int mode, const char *sql,
              const struct pb_arg *a, size_t n, pb_row_fn fn, void *ctx);
int64_t pb_pg_changes(struct pb_store *st);
int64_t pb_pg_last_id(struct pb_store *st);
const char *pb_pg_errmsg(struct pb_store *st);
void pb_pg_cache_free(struct pb_store *st);

int64_t pb_pg_row_int(const struct pb_row *r, int col);
double pb_pg_row_real(const struct pb_row *r, int col);
const char *pb_pg_row_text(const struct pb_row *r, int col);
const void *pb_pg_row_blob(const struct pb_row *r, int col, size_t *n);
int pb_pg_row_is_null(const struct pb_row *r, int col);

#endif
