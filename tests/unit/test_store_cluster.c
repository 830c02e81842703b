/* test_store_cluster.c - job leases and shared rate-limit counts
 * (src/store/store_cluster.h): who gets a lease, expiry and take-over after
 * a holder dies, slots done once, one winner among racing processes, and
 * counts per key across two connections. */
#include "harness.h"

#include <sys/wait.h>
#include <unistd.h>

#include "pgtest.h"
#include "store/store.h"
#include "store/store_cluster.h"

static char dbpath[512];
static int on_pg; /* the same tests on the run's PostgreSQL */

static void rm_db(void)
{
    if (on_pg)
        return;
    char p2[600];
    unlink(dbpath);
    snprintf(p2, sizeof p2, "%s-wal", dbpath);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", dbpath);
    unlink(p2);
}

static struct pb_store *open_db(void)
{
    struct pb_store *st = NULL;
    struct pb_err err;
    CHECK_EQ(pb_store_open(dbpath, 0, &st, &err), PB_OK);
    return st;
}

static struct pb_store *fresh(void)
{
    if (on_pg) {
        snprintf(dbpath, sizeof dbpath, "%s",
                 pb_test_pg_db("test_store_cluster"));
        CHECK(pb_test_pg_reset(dbpath));
        return open_db();
    }
    snprintf(dbpath, sizeof dbpath, "/tmp/pb-test-cluster-%d.db",
             (int)getpid());
    rm_db();
    return open_db();
}

static int take(struct pb_store *st, const char *holder, int64_t slot,
                int64_t now)
{
    int s = -1;
    CHECK_EQ(pb_store_lease_take(st, "digest", holder, slot, now, 30, &s),
             PB_OK);
    return s;
}

static void t_lease(void)
{
    struct pb_store *a = fresh(), *b = open_db();
    /* first come takes it; the other waits; the holder may take it again */
    CHECK_EQ(take(a, "node-a", 100, 1000), PB_LEASE_TAKEN);
    CHECK_EQ(take(b, "node-b", 100, 1001), PB_LEASE_BUSY);
    CHECK_EQ(take(a, "node-a", 100, 1002), PB_LEASE_TAKEN);
    /* renewing keeps it from expiring */
    CHECK_EQ(pb_store_lease_renew(a, "digest", "node-a", 1025, 30), PB_OK);
    CHECK_EQ(take(b, "node-b", 100, 1040), PB_LEASE_BUSY);
    /* done: nobody runs slot 100 again, the next slot is free at once */
    CHECK_EQ(pb_store_lease_done(a, "digest", "node-a", 100), PB_OK);
    CHECK_EQ(take(b, "node-b", 100, 1041), PB_LEASE_DONE);
    CHECK_EQ(take(a, "node-a", 100, 1041), PB_LEASE_DONE);
    CHECK_EQ(take(b, "node-b", 200, 1042), PB_LEASE_TAKEN);
    /* b dies (no renewal): a waits until the lease expires, then takes
     * over; b has lost it and can neither renew nor mark it done */
    CHECK_EQ(take(a, "node-a", 200, 1071), PB_LEASE_BUSY);
    CHECK_EQ(take(a, "node-a", 200, 1072), PB_LEASE_TAKEN);
    CHECK_EQ(pb_store_lease_renew(b, "digest", "node-b", 1073, 30),
             PB_ENOTFOUND);
    CHECK_EQ(pb_store_lease_done(b, "digest", "node-b", 200), PB_ENOTFOUND);
    CHECK_EQ(take(b, "node-b", 200, 1074), PB_LEASE_BUSY);
    /* drop: free at once, slot not done */
    CHECK_EQ(pb_store_lease_drop(a, "digest", "node-a"), PB_OK);
    CHECK_EQ(take(b, "node-b", 200, 1075), PB_LEASE_TAKEN);
    CHECK_EQ(pb_store_lease_done(b, "digest", "node-b", 200), PB_OK);
    CHECK_EQ(take(a, "node-a", 200, 1076), PB_LEASE_DONE);
    /* leases are per name */
    int s = -1;
    CHECK_EQ(pb_store_lease_take(a, "harvest-arxiv", "node-a", 200, 1076, 30,
                                 &s),
             PB_OK);
    CHECK_EQ(s, PB_LEASE_TAKEN);
    /* bad arguments */
    CHECK_EQ(pb_store_lease_take(a, "", "node-a", 1, 1, 30, &s), PB_EINVAL);
    CHECK_EQ(pb_store_lease_take(a, "x", "node-a", 1, 1, 0, &s), PB_EINVAL);
    char h1[64], h2[64];
    pb_store_lease_holder(h1);
    pb_store_lease_holder(h2);
    CHECK(strcmp(h1, h2) != 0);
    /* a holder of this host whose process is gone can be replaced at once;
     * a live one (this process), another host's, or a malformed one not */
    pid_t kid = fork();
    if (kid == 0) {
        char h[64];
        pb_store_lease_holder(h);
        struct pb_store *k = NULL;
        struct pb_err err;
        int s2 = -1;
        if (pb_store_open(dbpath, 0, &k, &err) ||
            pb_store_lease_take(k, "digest", h, 300, 2000, 600, &s2) ||
            s2 != PB_LEASE_TAKEN)
            _exit(1);
        pb_store_close(k);
        _exit(0);
    }
    int ws = 0;
    CHECK_EQ(waitpid(kid, &ws, 0), kid);
    CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    char dead[64];
    CHECK_EQ(pb_store_lease_holder_of(a, "digest", dead, sizeof dead), PB_OK);
    CHECK(pb_store_lease_holder_gone(dead));
    CHECK_EQ(take(a, h1, 300, 2001), PB_LEASE_BUSY);
    CHECK_EQ(pb_store_lease_take_over(a, "digest", dead, h1, 2001, 30), PB_OK);
    CHECK_EQ(pb_store_lease_take_over(b, "digest", dead, h2, 2001, 30),
             PB_ENOTFOUND);
    CHECK_EQ(pb_store_lease_done(a, "digest", h1, 300), PB_OK);
    CHECK(!pb_store_lease_holder_gone(h1));
    CHECK(!pb_store_lease_holder_gone("elsewhere.example:1:00000000"));
    CHECK(!pb_store_lease_holder_gone("garbage"));
    CHECK(!pb_store_lease_holder_gone(NULL));
    pb_store_close(b);
    pb_store_close(a);
    rm_db();
}

/* 6 processes try for one slot at the same moment: exactly one wins. */
static void t_race(void)
{
    struct pb_store *st = fresh();
    pb_store_close(st);
    enum { N = 6 };
    pid_t kids[N];
    int fds[N][2];
    for (int i = 0; i < N; i++) {
        CHECK_EQ(pipe(fds[i]), 0);
        kids[i] = fork();
        if (kids[i] == 0) {
            struct pb_store *s = NULL;
            struct pb_err err;
            char holder[32];
            snprintf(holder, sizeof holder, "node-%d", i);
            int got = -1;
            if (pb_store_open(dbpath, 0, &s, &err) ||
                pb_store_lease_take(s, "race", holder, 7, 5000, 60, &got))
                got = -1;
            char c = (char)('0' + (got < 0 ? 9 : got));
            if (write(fds[i][1], &c, 1) != 1)
                _exit(1);
            pb_store_close(s);
            _exit(0);
        }
    }
    int taken = 0, busy = 0;
    for (int i = 0; i < N; i++) {
        char c = 0;
        CHECK_EQ(read(fds[i][0], &c, 1), 1);
        close(fds[i][0]);
        close(fds[i][1]);
        taken += c == '0' + PB_LEASE_TAKEN;
        busy += c == '0' + PB_LEASE_BUSY;
        int ws;
        waitpid(kids[i], &ws, 0);
    }
    CHECK_EQ(taken, 1);
    CHECK_EQ(busy, N - 1);
    rm_db();
}

static void t_limits(void)
{
    struct pb_store *a = fresh(), *b = open_db();
    int64_t n = -1;
    for (int i = 0; i < 5; i++)
        CHECK_EQ(pb_store_rl_add(i % 2 ? a : b, "login-name:ada", 1000 + i,
                                 86400),
                 PB_OK);
    CHECK_EQ(pb_store_rl_add(a, "login-name:bob", 1003, 86400), PB_OK);
    /* both connections see every event of the key, by time */
    CHECK_EQ(pb_store_rl_count(a, "login-name:ada", 1000, &n), PB_OK);
    CHECK_EQ(n, 5);
    CHECK_EQ(pb_store_rl_count(b, "login-name:ada", 1003, &n), PB_OK);
    CHECK_EQ(n, 2);
    CHECK_EQ(pb_store_rl_count(b, "login-name:bob", 0, &n), PB_OK);
    CHECK_EQ(n, 1);
    CHECK_EQ(pb_store_rl_count(b, "login-name:eve", 0, &n), PB_OK);
    CHECK_EQ(n, 0);
    /* forget drops one key only */
    CHECK_EQ(pb_store_rl_forget(b, "login-name:ada"), PB_OK);
    CHECK_EQ(pb_store_rl_count(a, "login-name:ada", 0, &n), PB_OK);
    CHECK_EQ(n, 0);
    CHECK_EQ(pb_store_rl_count(a, "login-name:bob", 0, &n), PB_OK);
    CHECK_EQ(n, 1);
    pb_store_close(b);
    pb_store_close(a);
    rm_db();
}

/* The same tests on PostgreSQL. */
#define ON_PG(name, fn)                                                      \
    static void name(void)                                                   \
    {                                                                        \
        if (!pb_test_pg_db("test_store_cluster"))                            \
            PB_TEST_SKIP("no PostgreSQL (PB_TEST_PG)");                      \
        on_pg = 1;                                                           \
        fn();                                                                \
        on_pg = 0;                                                           \
    }
ON_PG(pg_lease, t_lease)
ON_PG(pg_race, t_race)
ON_PG(pg_limits, t_limits)

int main(void)
{
    static const struct pb_test T[] = {
        {"lease", t_lease},
        {"race", t_race},
        {"limits", t_limits},
        {"pg: lease", pg_lease},
        {"pg: race", pg_race},
        {"pg: limits", pg_limits},
        {0}};
    return pb_test_run(T);
}
