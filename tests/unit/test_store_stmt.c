/* test_store_stmt.c - the store's statement helper (src/store/store_stmt.h):
 * every argument type and NULLs round trip, errors map into enum pb_rc and
 * leave the statement usable, many rows, callbacks that stop or that run
 * the same statement again. */
#include "harness.h"

#include <unistd.h>

#include "store/store.h"
#include "store/store_stmt.h"

static char dbpath[64];

static struct pb_store *fresh(void)
{
    snprintf(dbpath, sizeof dbpath, "/tmp/pb-test-stmt-%d.db", (int)getpid());
    char p2[80];
    unlink(dbpath);
    snprintf(p2, sizeof p2, "%s-wal", dbpath);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", dbpath);
    unlink(p2);
    struct pb_store *st = NULL;
    struct pb_err err;
    CHECK_EQ(pb_store_open(dbpath, 0, &st, &err), PB_OK);
    CHECK_EQ(pb_stmt_exec(st, "CREATE TABLE t(id INTEGER PRIMARY KEY,"
                              " k TEXT UNIQUE, i INTEGER, r REAL,"
                              " b BLOB, nn TEXT NOT NULL DEFAULT '')",
                          PB_NOARGS),
             PB_OK);
    return st;
}

static void done(struct pb_store *st)
{
    pb_store_close(st);
    unlink(dbpath);
}

struct got {
    int64_t id, i;
    double r;
    char k[16];
    int k_null, i_null, b_null;
    unsigned char b[8];
    size_t bn;
};

static int read_got(void *ctx, const struct pb_row *row)
{
    struct got *g = ctx;
    g->id = pb_row_int(row, 0);
    g->k_null = pb_row_text(row, 1) == NULL;
    pb_row_copy(row, 1, g->k, sizeof g->k);
    g->i_null = pb_row_is_null(row, 2);
    g->i = pb_row_int(row, 2);
    g->r = pb_row_real(row, 3);
    g->b_null = pb_row_is_null(row, 4);
    const void *p = pb_row_blob(row, 4, &g->bn);
    if (p && g->bn <= sizeof g->b)
        memcpy(g->b, p, g->bn);
    return PB_OK;
}

#define GET "SELECT id, k, i, r, b FROM t WHERE id = ?1"
#define INS "INSERT INTO t(k, i, r, b) VALUES(?1, ?2, ?3, ?4)"

static void t_types(void)
{
    struct pb_store *st = fresh();
    static const unsigned char bytes[5] = {0, 1, 0xff, 0, 7};
    CHECK_EQ(pb_stmt_exec(st, INS,
                          PB_ARGS(pb_text("h\xc3\xa9llo"), pb_int(INT64_MIN),
                                  pb_real(-2.5), pb_blob(bytes, 5))),
             PB_OK);
    int64_t id = pb_stmt_last_id(st);
    CHECK_EQ(pb_stmt_changes(st), 1);
    struct got g = {0};
    CHECK_EQ(pb_stmt_one(st, GET, PB_ARGS(pb_int(id)), read_got, &g), PB_OK);
    CHECK_EQ(g.id, id);
    CHECK_STR(g.k, "h\xc3\xa9llo");
    CHECK(g.i == INT64_MIN);
    CHECK_NEAR(g.r, -2.5, 0);
    CHECK_EQ(g.bn, 5);
    CHECK(!memcmp(g.b, bytes, 5));
    CHECK_EQ(pb_stmt_exec(st, INS,
                          PB_ARGS(pb_text("max"), pb_int(INT64_MAX),
                                  pb_real(1e300), pb_blob(NULL, 0))),
             PB_OK);
    id = pb_stmt_last_id(st);
    memset(&g, 0, sizeof g);
    CHECK_EQ(pb_stmt_one(st, GET, PB_ARGS(pb_int(id)), read_got, &g), PB_OK);
    CHECK(g.i == INT64_MAX);
    CHECK_NEAR(g.r, 1e300, 1e285);
    CHECK_EQ(g.bn, 0); /* an empty blob, not NULL */
    CHECK(!g.b_null);
    done(st);
}

static void t_nulls(void)
{
    struct pb_store *st = fresh();
    CHECK_EQ(pb_stmt_exec(st, INS,
                          PB_ARGS(pb_text(NULL), pb_int_or_null(0), pb_null(),
                                  pb_null())),
             PB_OK);
    int64_t id = pb_stmt_last_id(st);
    struct got g = {0};
    CHECK_EQ(pb_stmt_one(st, GET, PB_ARGS(pb_int(id)), read_got, &g), PB_OK);
    CHECK(g.k_null);
    CHECK_STR(g.k, "");
    CHECK(g.i_null);
    CHECK(g.b_null);
    int64_t n = -1;
    CHECK_EQ(pb_stmt_int(st, "SELECT count(*) FROM t WHERE i IS NULL"
                             " AND k IS NULL AND r IS NULL",
                         PB_NOARGS, &n),
             PB_OK);
    CHECK_EQ(n, 1);
    /* pb_int_or_null passes a real value through */
    CHECK_EQ(pb_stmt_int(st, "SELECT ?1", PB_ARGS(pb_int_or_null(9)), &n),
             PB_OK);
    CHECK_EQ(n, 9);
    done(st);
}

static void t_errors(void)
{
    struct pb_store *st = fresh();
    int64_t n = 5;
    /* bad SQL: PB_EDB with the database's message */
    CHECK_EQ(pb_stmt_int(st, "SELEC 1", PB_NOARGS, &n), PB_EDB);
    CHECK_EQ(n, 0);
    CHECK(strstr(pb_stmt_errmsg(st), "syntax error") != NULL);
    CHECK_EQ(pb_stmt_exec(st, "SELECT * FROM nowhere", PB_NOARGS), PB_EDB);
    CHECK(strstr(pb_stmt_errmsg(st), "no such table") != NULL);
    /* a wrong number of arguments */
    CHECK_EQ(pb_stmt_exec(st, INS, PB_ARGS(pb_text("a"))), PB_EINVAL);
    CHECK(strstr(pb_stmt_errmsg(st), "4 arguments, 1 given") != NULL);
    /* the same statement right after works */
    CHECK_EQ(pb_stmt_exec(st, INS,
                          PB_ARGS(pb_text("a"), pb_int(1), pb_real(0),
                                  pb_null())),
             PB_OK);
    /* constraints: UNIQUE, NOT NULL */
    CHECK_EQ(pb_stmt_exec(st, INS,
                          PB_ARGS(pb_text("a"), pb_int(2), pb_real(0),
                                  pb_null())),
             PB_EEXIST);
    CHECK(strstr(pb_stmt_errmsg(st), "UNIQUE") != NULL);
    CHECK_EQ(pb_stmt_exec(st, "INSERT INTO t(k, nn) VALUES(?1, ?2)",
                          PB_ARGS(pb_text("z"), pb_null())),
             PB_EEXIST);
    CHECK(strstr(pb_stmt_errmsg(st), "NOT NULL") != NULL);
    /* reused after the violation: the failed arguments are gone */
    CHECK_EQ(pb_stmt_exec(st, INS,
                          PB_ARGS(pb_text("b"), pb_int(3), pb_real(0),
                                  pb_null())),
             PB_OK);
    CHECK_EQ(pb_stmt_int(st, "SELECT count(*) FROM t", PB_NOARGS, &n), PB_OK);
    CHECK_EQ(n, 2);
    CHECK_EQ(pb_stmt_int(st, "SELECT sum(i) FROM t", PB_NOARGS, &n), PB_OK);
    CHECK_EQ(n, 4);
    /* a row where none is expected */
    CHECK_EQ(pb_stmt_exec(st, "SELECT 1", PB_NOARGS), PB_EDB);
    /* no row */
    CHECK_EQ(pb_stmt_int(st, "SELECT i FROM t WHERE k = ?1",
                         PB_ARGS(pb_text("none")), &n),
             PB_ENOTFOUND);
    CHECK_EQ(n, 0);
    CHECK_EQ(pb_stmt_one(st, "SELECT 1 FROM t WHERE k = ?1",
                         PB_ARGS(pb_text("b")), NULL, NULL),
             PB_OK);
    /* an error inside a transaction leaves it usable and rollback works */
    CHECK_EQ(pb_store_begin(st), PB_OK);
    CHECK_EQ(pb_stmt_exec(st, INS,
                          PB_ARGS(pb_text("c"), pb_int(5), pb_real(0),
                                  pb_null())),
             PB_OK);
    CHECK_EQ(pb_stmt_exec(st, INS,
                          PB_ARGS(pb_text("c"), pb_int(6), pb_real(0),
                                  pb_null())),
             PB_EEXIST);
    pb_store_rollback(st);
    CHECK_EQ(pb_stmt_int(st, "SELECT count(*) FROM t", PB_NOARGS, &n), PB_OK);
    CHECK_EQ(n, 2);
    done(st);
}

struct sum {
    int64_t n, total, stop_at;
    struct pb_store *st;
    int inner_ok;
};

static int sum_fn(void *ctx, const struct pb_row *r)
{
    struct sum *s = ctx;
    s->n++;
    s->total += pb_row_int(r, 0);
    if (s->stop_at && s->n == s->stop_at)
        return PB_EBUSY;
    return PB_OK;
}

static int nested_fn(void *ctx, const struct pb_row *r)
{
    struct sum *s = ctx;
    int64_t v = pb_row_int(r, 0), got = 0;
    s->n++;
    /* the same SQL while it runs: a one-off statement answers */
    if (pb_stmt_int(s->st, "SELECT i FROM t WHERE i >= ?1 ORDER BY i",
                    PB_ARGS(pb_int(v)), &got) == PB_OK && got == v)
        s->inner_ok++;
    return PB_OK;
}

static void t_many(void)
{
    struct pb_store *st = fresh();
    CHECK_EQ(pb_store_begin(st), PB_OK);
    char k[16];
    for (int i = 1; i <= 2000; i++) {
        snprintf(k, sizeof k, "k%d", i);
        CHECK_EQ(pb_stmt_exec(st, INS,
                              PB_ARGS(pb_text(k), pb_int(i), pb_real(i),
                                      pb_null())),
                 PB_OK);
    }
    CHECK_EQ(pb_store_commit(st), PB_OK);
    struct sum s = {0};
    CHECK_EQ(pb_stmt_each(st, "SELECT i FROM t WHERE i > ?1 ORDER BY i",
                          PB_ARGS(pb_int(0)), sum_fn, &s),
             PB_OK);
    CHECK_EQ(s.n, 2000);
    CHECK_EQ(s.total, 2000 * 2001 / 2);
    /* a callback's non-zero stops the run and is returned */
    memset(&s, 0, sizeof s);
    s.stop_at = 10;
    CHECK_EQ(pb_stmt_each(st, "SELECT i FROM t WHERE i > ?1 ORDER BY i",
                          PB_ARGS(pb_int(0)), sum_fn, &s),
             PB_EBUSY);
    CHECK_EQ(s.total, 55);
    /* the stopped statement starts again from the first row */
    memset(&s, 0, sizeof s);
    CHECK_EQ(pb_stmt_each(st, "SELECT i FROM t WHERE i > ?1 ORDER BY i",
                          PB_ARGS(pb_int(1990)), sum_fn, &s),
             PB_OK);
    CHECK_EQ(s.n, 10);
    int64_t *v = NULL;
    size_t n = 0;
    CHECK_EQ(pb_stmt_ints(st, "SELECT i FROM t ORDER BY i DESC", PB_NOARGS,
                          &v, &n),
             PB_OK);
    CHECK_EQ(n, 2000);
    CHECK(v && v[0] == 2000 && v[1999] == 1);
    free(v);
    CHECK_EQ(pb_stmt_ints(st, "SELECT i FROM t WHERE i < 0", PB_NOARGS, &v,
                          &n),
             PB_OK);
    CHECK_EQ(n, 0);
    CHECK(v == NULL);
    CHECK_EQ(pb_stmt_ints(st, "SELECT i FROM nowhere", PB_NOARGS, &v, &n),
             PB_EDB);
    CHECK(v == NULL);
    /* changes counts an UPDATE's rows */
    CHECK_EQ(pb_stmt_exec(st, "UPDATE t SET r = 0 WHERE i <= ?1",
                          PB_ARGS(pb_int(100))),
             PB_OK);
    CHECK_EQ(pb_stmt_changes(st), 100);
    /* a callback that runs the statement that is running */
    memset(&s, 0, sizeof s);
    s.st = st;
    CHECK_EQ(pb_stmt_each(st, "SELECT i FROM t WHERE i >= ?1 ORDER BY i",
                          PB_ARGS(pb_int(1995)), nested_fn, &s),
             PB_OK);
    CHECK_EQ(s.n, 6);
    CHECK_EQ(s.inner_ok, 6);
    done(st);
}

int main(void)
{
    static const struct pb_test T[] = {
        {"types", t_types},
        {"nulls", t_nulls},
        {"errors", t_errors},
        {"many", t_many},
        {0}};
    return pb_test_run(T);
}
