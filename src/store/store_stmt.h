/*
 * store_stmt.h - the store's one statement helper (src/store/ only).
 *
 * One call runs one SQL statement: it takes the statement prepared for
 * that SQL text (prepared on first use, kept until pb_store_close), binds
 * a typed argument list, steps it, hands rows to a callback, maps errors
 * into enum pb_rc, and always resets and unbinds the statement, on errors
 * too. Nothing here names a backend type, so that a second backend
 * (PostgreSQL, docs/STORE.md) implements the same calls.
 *
 *   int64_t n;
 *   rc = pb_stmt_int(st, "SELECT count(*) FROM votes WHERE member = ?1",
 *                    PB_ARGS(pb_int(member)), &n);
 *   rc = pb_stmt_exec(st, "DELETE FROM follows WHERE member = ?1",
 *                     PB_ARGS(pb_int(member)));
 *   rc = pb_stmt_each(st, SQL, PB_NOARGS, read_row_fn, ctx);
 *
 * SQL: parameters are numbered `?N` (1-based; one number may appear more
 * than once), and the argument list must give exactly as many arguments as
 * the highest number (else PB_EINVAL). A backend with other placeholders
 * rewrites `?N` itself.
 *
 * Errors: PB_EEXIST for a constraint violation (UNIQUE, FOREIGN KEY, NOT
 * NULL, CHECK), PB_EDB for any other database error, PB_EINVAL for a
 * wrong argument count; pb_stmt_errmsg() then says the database's message.
 * A statement that failed is reset and works again on the next call.
 *
 * Caching: the cache is keyed by the SQL text and belongs to the store's
 * connection (one thread at a time, like the store). A statement asked for
 * while its cached copy is still running (a callback that runs the same SQL)
 * gets a one-off statement instead, so callbacks may run any statement.
 */
#ifndef PB_STORE_STORE_STMT_H
#define PB_STORE_STORE_STMT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct pb_store;

/* --- arguments ----------------------------------------------------------- */

enum pb_arg_kind { PB_ARG_NULL, PB_ARG_INT, PB_ARG_REAL, PB_ARG_TEXT,
                   PB_ARG_BLOB };

/* One argument. Text and blobs are borrowed: they must stay valid during
 * the call (they are not copied). */
struct pb_arg {
    int kind;
    int64_t i;
    double d;
    const void *p;
    size_t n;
};

static inline struct pb_arg pb_null(void)
{
    return (struct pb_arg){.kind = PB_ARG_NULL};
}

static inline struct pb_arg pb_int(int64_t v)
{
    return (struct pb_arg){.kind = PB_ARG_INT, .i = v};
}

/* An integer where 0 means "none": 0 binds NULL. */
static inline struct pb_arg pb_int_or_null(int64_t v)
{
    return v ? pb_int(v) : pb_null();
}

static inline struct pb_arg pb_real(double v)
{
    return (struct pb_arg){.kind = PB_ARG_REAL, .d = v};
}

/* A NUL-terminated text; NULL binds NULL. */
static inline struct pb_arg pb_text(const char *v)
{
    return v ? (struct pb_arg){.kind = PB_ARG_TEXT, .p = v} : pb_null();
}

/* n bytes at p (p may be NULL only when n is 0: an empty blob). */
static inline struct pb_arg pb_blob(const void *p, size_t n)
{
    return (struct pb_arg){.kind = PB_ARG_BLOB, .p = p, .n = n};
}

/* The argument list of a call: an array and its count. */
#define PB_ARGS(...)                                                         \
    (const struct pb_arg[]){__VA_ARGS__},                                    \
        sizeof((const struct pb_arg[]){__VA_ARGS__}) / sizeof(struct pb_arg)
#define PB_NOARGS NULL, 0

/* --- rows ---------------------------------------------------------------- */

/* A result row, valid only inside the callback it is passed to; so are the
 * pointers its accessors return. Columns are 0-based. */
struct pb_row;

/* Called for a row; a non-zero return stops the statement and is returned
 * by the call. */
typedef int (*pb_row_fn)(void *ctx, const struct pb_row *r);

int64_t pb_row_int(const struct pb_row *r, int col);
double pb_row_real(const struct pb_row *r, int col);
/* NULL for SQL NULL. */
const char *pb_row_text(const struct pb_row *r, int col);
/* The text into dst (cap bytes, cut to fit, NUL-terminated); "" for NULL. */
void pb_row_copy(const struct pb_row *r, int col, char *dst, size_t cap);
/* The bytes and their count in *n; NULL for SQL NULL or an empty blob. */
const void *pb_row_blob(const struct pb_row *r, int col, size_t *n);
int pb_row_is_null(const struct pb_row *r, int col);

/* --- statements ---------------------------------------------------------- */

/* Run a statement that returns no row (INSERT, UPDATE, DELETE). A row is
 * an error (PB_EDB). */
int pb_stmt_exec(struct pb_store *st, const char *sql,
                 const struct pb_arg *args, size_t n) PB_WUR;

/* Run a statement and pass its first row to fn (fn may be NULL: only
 * whether there is one); PB_ENOTFOUND without a row. */
int pb_stmt_one(struct pb_store *st, const char *sql,
                const struct pb_arg *args, size_t n, pb_row_fn fn,
                void *ctx) PB_WUR;

/* Run a statement and pass every row to fn, in order, until fn returns
 * non-zero (that value is returned). PB_OK when all rows were read. */
int pb_stmt_each(struct pb_store *st, const char *sql,
                 const struct pb_arg *args, size_t n, pb_row_fn fn,
                 void *ctx) PB_WUR;

/* The first row's first column as an integer into *out (0 on failure);
 * PB_ENOTFOUND without a row. */
int pb_stmt_int(struct pb_store *st, const char *sql,
                const struct pb_arg *args, size_t n, int64_t *out) PB_WUR;

/* Every row's first column as integers into a heap array *out (the
 * caller frees it; NULL when none) and their count *out_n. */
int pb_stmt_ints(struct pb_store *st, const char *sql,
                 const struct pb_arg *args, size_t n, int64_t **out,
                 size_t *out_n) PB_WUR;

/* The SQL text for this store's backend: sqlite on SQLite, pg on
 * PostgreSQL. For the few statements whose dialects differ (docs/STORE.md);
 * everything else is written once. Both texts are static strings. */
const char *pb_sql(const struct pb_store *st, const char *sqlite,
                   const char *pg);

/* Rows changed by the last pb_stmt_exec on this store. */
int64_t pb_stmt_changes(struct pb_store *st);

/* The id of the row the last successful INSERT made. */
int64_t pb_stmt_last_id(struct pb_store *st);

/* The database's message for the last failed call ("" if none). */
const char *pb_stmt_errmsg(struct pb_store *st);

/* Free the store's statements (pb_store_close calls it). */
void pb_stmt_cache_free(struct pb_store *st);

#endif
