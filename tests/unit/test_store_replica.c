/* test_store_replica.c - a store's read replica (store_replica.h): LSNs,
 * which statements go where, read transactions, writes, and a replica
 * that cannot be reached. The PostgreSQL variants use the run's server
 * as its own "replica" (a second connection, application_name
 * paperboy-replica, read-only), which tells which connection ran a
 * statement; lag and a real standby are tests/integ/test_replica_pg.py's. */
#include "harness.h"
#include "pgtest.h"

#include <unistd.h>

#include "store/store.h"
#include "store/store_replica.h"
#include "store/store_stmt.h"

static void t_lsn(void)
{
    uint64_t v = 0;
    char s[24];
    CHECK(!pb_store_lsn_parse("16/B374D848", &v));
    CHECK(v == 0x16B374D848ull);
    pb_store_lsn_format(v, s);
    CHECK_STR(s, "16/B374D848");
    CHECK(!pb_store_lsn_parse("0/0", &v) && v == 0);
    CHECK(!pb_store_lsn_parse("ffffffff/ffffffff", &v) && v == UINT64_MAX);
    pb_store_lsn_format(UINT64_MAX, s);
    CHECK_STR(s, "FFFFFFFF/FFFFFFFF");
    static const char *const bad[] = {"", "1", "1/", "/1", "G/1", "1/-2",
                                      "123456789/0", "1/2/3", "1 /2",
                                      "1/2 ", NULL};
    for (int i = 0; bad[i]; i++) {
        v = 7;
        CHECK(pb_store_lsn_parse(bad[i], &v) == -1 && v == 7);
    }
    CHECK(pb_store_lsn_parse(NULL, &v) == -1);
}

static void t_sqlite_refused(void)
{
    char path[80];
    snprintf(path, sizeof path, "/tmp/pb-test-replica-%d.db", (int)getpid());
    struct pb_store *st = NULL;
    struct pb_err err = {0};
    CHECK(!pb_store_open(path, 0, &st, &err));
    CHECK(pb_store_replica_attach(st, "host=127.0.0.1 dbname=x", &err) ==
          PB_EINVAL);
    CHECK(strstr(err.msg, "PostgreSQL --db") != NULL);
    CHECK(!pb_store_replica_has(st));
    /* the calls are no-ops without one */
    pb_store_replica_route(st, 1, 0);
    CHECK(!pb_store_replica_wrote(st));
    pb_store_close(st);
    unlink(path);
}

static struct pb_store *pg_open(const char *url)
{
    struct pb_store *st = NULL;
    struct pb_err err = {0};
    if (pb_store_open(url, 0, &st, &err)) {
        fprintf(stderr, "  open: %s\n", err.msg);
        exit(1);
    }
    return st;
}

/* Which connection runs a plain read now. */
static int on_replica(struct pb_store *st)
{
    int64_t v = -1;
    CHECK(!pb_stmt_int(st, "SELECT CASE WHEN current_setting("
                           "'application_name') = 'paperboy-replica'"
                           " THEN 1 ELSE 0 END",
                       PB_NOARGS, &v));
    return (int)v;
}

struct nested {
    struct pb_store *st;
    int rows, inner_on_replica;
};

static int nested_row(void *ctx, const struct pb_row *r)
{
    struct nested *n = ctx;
    (void)r;
    n->rows++;
    n->inner_on_replica += on_replica(n->st);
    return PB_OK;
}

static int stop_row(void *ctx, const struct pb_row *r)
{
    (void)r;
    ++*(int *)ctx;
    return 42;
}

static void pg_routing(void)
{
    const char *url = pb_test_pg_db("test_store_replica");
    if (!url)
        PB_TEST_SKIP("no PostgreSQL (PB_TEST_PG)");
    CHECK(pb_test_pg_reset(url));
    pb_store_replica_test_reset();
    struct pb_store *st = pg_open(url);
    struct pb_err err = {0};
    CHECK(pb_store_replica_attach(st, "not a url", &err) == PB_EINVAL);
    CHECK(!pb_store_replica_attach(st, url, &err));
    CHECK(pb_store_replica_has(st));
    CHECK(!pb_stmt_exec(st, "CREATE TABLE rt(x BIGINT)", PB_NOARGS));
    /* off: the primary */
    CHECK_EQ(on_replica(st), 0);
    pb_store_replica_route(st, 1, 0);
    CHECK_EQ(on_replica(st), 1);
    CHECK(!pb_store_replica_wrote(st));
    /* a write goes to the primary (the replica's session is read-only)
     * and is remembered */
    CHECK(!pb_stmt_exec(st, "INSERT INTO rt VALUES (?1)",
                        PB_ARGS(pb_int(1))));
    CHECK(pb_store_replica_wrote(st));
    uint64_t lsn = 0;
    CHECK(!pb_store_replica_write_lsn(st, &lsn));
    CHECK(lsn > 0);
    /* not a standby: nothing to wait for */
    CHECK(pb_store_replica_caught_up(st, lsn));
    pb_store_replica_route(st, 1, lsn);
    CHECK(!pb_store_replica_wrote(st));
    CHECK_EQ(on_replica(st), 1);
    /* locks and side effects stay on the primary */
    int64_t v = 0;
    CHECK(!pb_stmt_int(st, "SELECT x FROM rt FOR UPDATE", PB_NOARGS, &v));
    CHECK_EQ(v, 1);
    CHECK(pb_store_replica_wrote(st));
    /* a read transaction there, callbacks running statements inside */
    pb_store_replica_route(st, 1, 0);
    int began = 0;
    CHECK(!pb_store_read_begin(st, &began));
    CHECK(began);
    struct nested n = {st, 0, 0};
    CHECK(!pb_stmt_each(st, "SELECT x FROM rt", PB_NOARGS, nested_row, &n));
    CHECK_EQ(n.rows, 1);
    CHECK_EQ(n.inner_on_replica, 1);
    /* a callback that stops the rows is no failure of the replica's */
    int calls = 0;
    CHECK_EQ(pb_stmt_each(st, "SELECT x FROM rt", PB_NOARGS, stop_row,
                          &calls),
             42);
    CHECK_EQ(calls, 1);
    CHECK_EQ(on_replica(st), 1);
    int began2 = 1;
    CHECK(!pb_store_read_begin(st, &began2));
    CHECK(!began2);
    pb_store_read_end(st, began2);
    CHECK_EQ(on_replica(st), 1);
    pb_store_read_end(st, began);
    /* a write transaction: all of it on the primary */
    CHECK(!pb_store_begin(st));
    CHECK_EQ(on_replica(st), 0);
    CHECK(!pb_stmt_exec(st, "INSERT INTO rt VALUES (2)", PB_NOARGS));
    CHECK(!pb_store_commit(st));
    CHECK_EQ(on_replica(st), 1);
    /* a statement the replica refuses is answered by the primary */
    CHECK(!pb_stmt_int(st, "SELECT count(*) FROM rt", PB_NOARGS, &v));
    CHECK_EQ(v, 2);
    CHECK(pb_stmt_int(st, "SELECT nope FROM rt", PB_NOARGS, &v) == PB_EDB);
    CHECK(strstr(pb_stmt_errmsg(st), "nope") != NULL);
    uint64_t a = 0, b = 0, f = 0;
    pb_store_replica_counts(&a, &b, &f);
    CHECK(a > 0);
    /* off again */
    pb_store_replica_route(st, 0, 0);
    CHECK_EQ(on_replica(st), 0);
    pb_store_close(st);
}

static void pg_unreachable(void)
{
    const char *url = pb_test_pg_db("test_store_replica");
    if (!url)
        PB_TEST_SKIP("no PostgreSQL (PB_TEST_PG)");
    CHECK(pb_test_pg_reset(url));
    pb_store_replica_test_reset();
    struct pb_store *st = pg_open(url);
    struct pb_err err = {0};
    int standby = 1;
    /* nothing listens on port 1 */
    const char *gone = "host=127.0.0.1 port=1 dbname=x user=nobody";
    CHECK(pb_store_replica_probe(gone, &standby, &err) == PB_EDB);
    CHECK(strstr(err.msg, "127.0.0.1") != NULL);
    CHECK(!pb_store_replica_probe(url, &standby, &err));
    CHECK_EQ(standby, 0);
    CHECK(!pb_store_replica_attach(st, gone, &err));
    CHECK(!pb_stmt_exec(st, "CREATE TABLE rt(x BIGINT)", PB_NOARGS));
    CHECK(!pb_stmt_exec(st, "INSERT INTO rt VALUES (5)", PB_NOARGS));
    pb_store_replica_route(st, 1, 0);
    uint64_t a0, b0, f0, a1, b1, f1;
    pb_store_replica_counts(&a0, &b0, &f0);
    /* every read is answered, by the primary */
    for (int i = 0; i < 3; i++) {
        int64_t v = 0;
        CHECK(!pb_stmt_int(st, "SELECT x FROM rt", PB_NOARGS, &v));
        CHECK_EQ(v, 5);
        CHECK_EQ(on_replica(st), 0);
    }
    int began = 0;
    CHECK(!pb_store_read_begin(st, &began));
    CHECK(began);
    CHECK_EQ(on_replica(st), 0);
    pb_store_read_end(st, began);
    CHECK(!pb_store_replica_caught_up(st, 1));
    pb_store_replica_counts(&a1, &b1, &f1);
    CHECK(a1 == a0 && b1 == b0 && f1 > f0);
    pb_store_close(st);
}

int main(void)
{
    static const struct pb_test T[] = {
        {"LSNs as PostgreSQL writes them", t_lsn},
        {"a SQLite store has no replica", t_sqlite_refused},
        {"pg: reads to the replica, writes and locks to the primary",
         pg_routing},
        {"pg: an unreachable replica: the primary answers", pg_unreachable},
        {0}};
    return pb_test_run(T);
}
