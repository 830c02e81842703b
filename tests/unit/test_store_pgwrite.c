/* test_store_pgwrite.c - writers of several servers side by side on one
 * PostgreSQL store (tests/pgtest.h; every test skips without it):
 *
 * - votes, comments and collections do not wait for the seq lock, which
 *   only what gives papers a seq takes (store_pg.c);
 * - processes importing, voting, commenting, deleting the same comments
 *   and racing a comment limit at once leave exact counts, distinct
 *   seqs, and a follower of the change feed that missed nothing (a seq
 *   never appears below one already seen);
 * - LISTEN/NOTIFY (store_notify.h): a commit that gives a seq wakes a
 *   listener at once, a vote or a rollback does not, a lost listening
 *   connection comes back by itself, and SQLite refuses to listen. */
#include "harness.h"
#include "pgtest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/paper.h"
#include "store/store.h"
#include "store/store_community.h"
#include "store/store_notify.h"
#include "store/store_stmt.h"

#define N_PAPERS 24
#define N_SHARED 8    /* papers every importer updates */
#define N_IMPORTERS 2
#define N_VOTERS 3
#define N_DELETED 30  /* comments two processes delete at once */
#define LIMIT 8       /* the comment limit the voters race */

static const char *url(void)
{
    return pb_test_pg_db("test_store_pgwrite");
}

static struct pb_store *open_rw(void)
{
    struct pb_store *st = NULL;
    struct pb_err err;
    if (pb_store_open(url(), 0, &st, &err)) {
        fprintf(stderr, "  open: %s\n", err.msg);
        return NULL;
    }
    return st;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Upsert paper id with title and record date updated; PB_OK or the rc. */
static int put(struct pb_store *st, const char *id, const char *title,
               int64_t updated)
{
    struct pb_paper p;
    pb_paper_init(&p);
    snprintf(p.id, sizeof p.id, "%s", id);
    p.version = 1;
    p.updated = updated;
    p.published = 1700000000;
    pb_str_set(&p.title, title, strlen(title));
    p.sources = 1;
    enum pb_upsert how;
    int rc = pb_store_paper_upsert(st, &p, &how, NULL);
    pb_paper_clear(&p);
    return rc;
}

static int64_t one_int(struct pb_store *st, const char *sql)
{
    int64_t v = -1;
    if (pb_stmt_int(st, sql, PB_NOARGS, &v))
        return -1;
    return v;
}

/* A store with N_PAPERS papers, N_VOTERS + 1 members (the last is the one
 * whose comments the voters race) and N_DELETED comments of member 1. */
static struct pb_store *setup(int64_t *pids, int64_t *members)
{
    if (!pb_test_pg_reset(url()))
        return NULL;
    struct pb_store *st = open_rw();
    if (!st)
        return NULL;
    struct pb_cmdb *db = pb_cmdb_new(st);
    CHECK_EQ(pb_store_begin(st), PB_OK);
    for (int i = 0; i < N_PAPERS; i++) {
        char id[16];
        snprintf(id, sizeof id, "s%d", i);
        CHECK_EQ(put(st, id, id, 1700000000), PB_OK);
    }
    CHECK_EQ(pb_store_commit(st), PB_OK);
    for (int i = 0; i < N_PAPERS; i++) {
        char id[16];
        snprintf(id, sizeof id, "s%d", i);
        struct pb_paper p;
        pb_paper_init(&p);
        CHECK_EQ(pb_store_paper_get(st, id, &p, &pids[i]), PB_OK);
        pb_paper_clear(&p);
    }
    for (int i = 0; i <= N_VOTERS; i++) {
        char name[16], mail[32];
        snprintf(name, sizeof name, "m%d", i);
        snprintf(mail, sizeof mail, "m%d@example.org", i);
        CHECK_EQ(pb_cmdb_member_add(db, name, mail, "x", 0, 1, &members[i]),
                 PB_OK);
    }
    for (int i = 0; i < N_DELETED; i++) {
        int64_t cid;
        CHECK_EQ(pb_cmdb_comment_add(db, pids[i % N_PAPERS], members[0],
                                     "to delete", 1, 0, 1000, &cid),
                 PB_OK);
    }
    pb_cmdb_free(db);
    return st;
}

/* --- votes do not wait for the seq lock --------------------------------- */

static void t_votes_beside_import(void)
{
    if (!url())
        PB_TEST_SKIP("no PostgreSQL (PB_TEST_PG)");
    int64_t pids[N_PAPERS], members[N_VOTERS + 1];
    struct pb_store *a = setup(pids, members);
    struct pb_store *b = open_rw();
    if (!a || !b)
        return;
    /* b gives up rather than wait for ever (the old store took the one
     * lock for every write transaction: this vote then waited for a) */
    CHECK_EQ(pb_stmt_exec(b, "SET lock_timeout = 3000", PB_NOARGS), PB_OK);
    struct pb_cmdb *db = pb_cmdb_new(b);
    CHECK_EQ(pb_store_begin(a), PB_OK);
    CHECK_EQ(put(a, "new-1", "an import in progress", 1700000001), PB_OK);
    double t0 = now_s();
    int voted = 0;
    int64_t local = 0, cid = 0, coll = 0;
    CHECK_EQ(pb_cmdb_vote(db, members[1], pids[0], 1, 2, &voted, &local),
             PB_OK);
    CHECK_EQ(voted, 1);
    CHECK_EQ(local, 1);
    CHECK_EQ(pb_cmdb_comment_add(db, pids[1], members[1], "beside it", 2, 0,
                                 10, &cid),
             PB_OK);
    CHECK_EQ(pb_cmdb_coll_create(db, members[1], "reading", 1, 2, &coll),
             PB_OK);
    CHECK_EQ(pb_cmdb_coll_add(db, coll, members[1], pids[2], 2), PB_OK);
    /* had they waited for a's lock, they would have failed at 3 s */
    double took = now_s() - t0;
    CHECK(took < 2.5);
    /* a second paper writer does wait: seqs are given one at a time */
    CHECK_EQ(pb_stmt_exec(b, "SET lock_timeout = 300", PB_NOARGS), PB_OK);
    CHECK_EQ(put(b, "new-2", "a second import", 1700000002), PB_EDB);
    CHECK_EQ(pb_store_commit(a), PB_OK);
    CHECK_EQ(put(b, "new-2", "a second import", 1700000002), PB_OK);
    CHECK_EQ(one_int(a, "SELECT count(DISTINCT seq) - count(*) FROM papers"),
             0);
    pb_cmdb_free(db);
    pb_store_close(b);
    pb_store_close(a);
}

/* --- many writers at once ----------------------------------------------- */

static int64_t g_pids[N_PAPERS], g_members[N_VOTERS + 1];

/* 60 transactions of two papers each: one new, one of the shared ones
 * with a later record date (a new seq), with a pause inside. */
static int importer(int w)
{
    struct pb_store *st = open_rw();
    if (!st)
        return 1;
    int rc = 0;
    for (int k = 0; k < 60 && !rc; k++) {
        char id[32], title[48];
        if ((rc = pb_store_begin(st)))
            break;
        snprintf(id, sizeof id, "i%d-%d", w, k);
        rc = put(st, id, id, 1700000000);
        snprintf(id, sizeof id, "s%d", k % N_SHARED);
        snprintf(title, sizeof title, "s%d by %d at %d", k % N_SHARED, w, k);
        if (!rc)
            rc = put(st, id, title, 1700000100 + k * 2 + w);
        usleep(300);
        rc = rc ? rc : pb_store_commit(st);
        if (rc)
            pb_store_rollback(st);
    }
    pb_store_close(st);
    return rc ? 2 : 0;
}

/* Votes toggled on papers in turn, comments, and two races: voters 0
 * and 1 delete the same N_DELETED comments, and every voter adds
 * comments as the last member under a limit of LIMIT. */
static int voter(int v)
{
    struct pb_store *st = open_rw();
    if (!st)
        return 1;
    struct pb_cmdb *db = pb_cmdb_new(st);
    int rc = 0;
    for (int k = 0; k < 150 && !rc; k++) {
        int voted;
        int64_t local, cid;
        rc = pb_cmdb_vote(db, g_members[v], g_pids[(k * 5 + v) % N_PAPERS],
                          -1, 10 + k, &voted, &local);
        if (!rc && k % 10 == v)
            rc = pb_cmdb_comment_add(db, g_pids[k % N_PAPERS], g_members[v],
                                     "a comment", 10 + k, 0, 1000, &cid);
        if (!rc && k % 5 == 0) {
            rc = pb_cmdb_comment_add(db, g_pids[k % N_PAPERS],
                                     g_members[N_VOTERS], "limited", 10 + k,
                                     0, LIMIT, &cid);
            if (rc == PB_EBUSY)
                rc = 0;
        }
    }
    int64_t *ids = NULL;
    size_t n_ids = 0;
    if (v < 2 && !rc)
        rc = pb_stmt_ints(st, "SELECT id FROM comments WHERE body ="
                              " 'to delete' ORDER BY id",
                          PB_NOARGS, &ids, &n_ids);
    for (size_t i = 0; i < n_ids && !rc; i++) {
        rc = pb_cmdb_comment_delete(db, ids[i], 0, 1);
        if (rc == PB_ENOTFOUND) /* the other one was first */
            rc = 0;
    }
    free(ids);
    pb_cmdb_free(db);
    pb_store_close(st);
    if (rc)
        fprintf(stderr, "  voter %d: %s\n", v, pb_strerror(rc));
    return rc ? 2 : 0;
}

/* What a follower of the change feed saw: the seq of each pid. */
static int64_t seen[4096];

static int follow_row(void *ctx, int64_t pid, int64_t seq, int deleted,
                      const struct pb_paper *p)
{
    (void)deleted;
    (void)p;
    int64_t *last = ctx;
    if (seq <= *last || pid < 0 || pid >= 4096) {
        fprintf(stderr, "  follower: seq %lld after %lld\n", (long long)seq,
                (long long)*last);
        return PB_EINVAL;
    }
    *last = seq;
    seen[pid] = seq;
    return PB_OK;
}

static int check_row(void *ctx, const struct pb_row *r)
{
    int64_t *bad = ctx, pid = pb_row_int(r, 0), seq = pb_row_int(r, 1);
    if (pid < 0 || pid >= 4096 || seen[pid] != seq) {
        fprintf(stderr, "  follower missed pid %lld seq %lld\n",
                (long long)pid, (long long)seq);
        ++*bad;
    }
    return PB_OK;
}

/* Follow the feed as a search index does (pb_index_sync: the changes
 * after the last seq seen) until the parent closes fd, then once more;
 * then every row of papers must be what was seen. */
static int follower(int fd)
{
    struct pb_store *st = NULL;
    struct pb_err err;
    if (pb_store_open(url(), PB_STORE_READONLY, &st, &err))
        return 1;
    int64_t last = 0;
    int rc = 0, more = 1;
    char c;
    while (!rc && more) {
        more = read(fd, &c, 1) != 0; /* closed: writers are done */
        rc = pb_store_paper_changes(st, last, follow_row, &last);
        usleep(1000);
    }
    /* every (pid, seq) of the table, as seen */
    int64_t bad = 0;
    if (!rc)
        rc = pb_stmt_each(st, "SELECT pid, seq FROM papers", PB_NOARGS,
                          check_row, &bad);
    pb_store_close(st);
    return rc ? 2 : bad ? 3 : 0;
}

static void t_writers_at_once(void)
{
    if (!url())
        PB_TEST_SKIP("no PostgreSQL (PB_TEST_PG)");
    struct pb_store *st = setup(g_pids, g_members);
    if (!st)
        return;
    int pfd[2];
    CHECK_EQ(pipe(pfd), 0);
    fcntl(pfd[0], F_SETFL, O_NONBLOCK);
    pid_t fpid = fork();
    if (fpid == 0) {
        close(pfd[1]);
        _exit(follower(pfd[0]));
    }
    close(pfd[0]);
    pid_t kids[N_IMPORTERS + N_VOTERS];
    int n = 0;
    double t0 = now_s();
    for (int w = 0; w < N_IMPORTERS; w++, n++) {
        fflush(NULL);
        if ((kids[n] = fork()) == 0)
            _exit(importer(w));
    }
    for (int v = 0; v < N_VOTERS; v++, n++) {
        fflush(NULL);
        if ((kids[n] = fork()) == 0)
            _exit(voter(v));
    }
    int ok = 0, status;
    for (int i = 0; i < n; i++)
        if (waitpid(kids[i], &status, 0) == kids[i] && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            ok++;
    fprintf(stderr, "  %d writers in %.2f s\n", n, now_s() - t0);
    CHECK_EQ(ok, n);
    close(pfd[1]);
    CHECK(waitpid(fpid, &status, 0) == fpid && WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);

    /* counts equal their rows */
    CHECK_EQ(one_int(st, "SELECT count(*) FROM papers"),
             N_PAPERS + N_IMPORTERS * 60);
    CHECK_EQ(one_int(st, "SELECT count(DISTINCT seq) - count(*) FROM papers"),
             0);
    CHECK_EQ(one_int(st, "SELECT count(*) FROM paper_stats s FULL JOIN"
                         " (SELECT pid, count(*) AS n FROM votes GROUP BY pid)"
                         " v ON v.pid = s.pid"
                         " WHERE coalesce(s.votes, 0) <> coalesce(v.n, 0)"),
             0);
    CHECK_EQ(one_int(st, "SELECT count(*) FROM paper_stats s FULL JOIN"
                         " (SELECT pid, count(*) AS n FROM comments"
                         "  WHERE deleted = 0 GROUP BY pid)"
                         " c ON c.pid = s.pid"
                         " WHERE coalesce(s.comments, 0) <> coalesce(c.n, 0)"),
             0);
    /* each voter toggled 150 times: 50 papers' votes each end up on
     * (150 / N_PAPERS rounds over 24 papers, every paper an odd or even
     * number of times); the total is what the rows say */
    CHECK(one_int(st, "SELECT sum(votes) FROM paper_stats") > 0);
    CHECK_EQ(one_int(st, "SELECT count(*) FROM comments WHERE deleted = 1"),
             N_DELETED);
    char sql[96];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM comments WHERE member = %lld",
             (long long)g_members[N_VOTERS]);
    CHECK_EQ(one_int(st, sql), LIMIT);
    pb_store_close(st);
}

/* --- LISTEN/NOTIFY ------------------------------------------------------ */

static void t_notify(void)
{
    struct pb_store_listener *l = NULL;
    struct pb_err err;
    CHECK_EQ(pb_store_listener_open("/tmp/papers.db", &l, &err), PB_EUNSUP);
    CHECK(l == NULL);
    if (!url())
        PB_TEST_SKIP("no PostgreSQL (PB_TEST_PG)");
    int64_t pids[N_PAPERS], members[N_VOTERS + 1];
    struct pb_store *st = setup(pids, members);
    if (!st)
        return;
    CHECK_EQ(pb_store_listener_open(url(), &l, &err), PB_OK);
    if (!l)
        return;
    /* connecting: RESUMED once up (the caller catches up then) */
    enum pb_listen_ev ev = PB_LISTEN_DOWN;
    for (int i = 0; i < 50 && ev != PB_LISTEN_RESUMED; i++)
        ev = pb_store_listener_wait(l, 100);
    CHECK_EQ(ev, PB_LISTEN_RESUMED);
    CHECK_EQ(pb_store_listener_wait(l, 50), PB_LISTEN_TIMEOUT);

    /* an import's commit wakes it at once */
    CHECK_EQ(put(st, "n-1", "notified", 1700000001), PB_OK);
    double t0 = now_s();
    CHECK_EQ(pb_store_listener_wait(l, 2000), PB_LISTEN_CHANGED);
    double took = now_s() - t0;
    fprintf(stderr, "  notified after %.1f ms\n", took * 1e3);
    CHECK(took < 1.0);
    CHECK_EQ(pb_store_listener_count(l), 1);

    /* a vote, a rolled-back import, an unchanged paper: nothing */
    struct pb_cmdb *db = pb_cmdb_new(st);
    int voted;
    int64_t local;
    CHECK_EQ(pb_cmdb_vote(db, members[0], pids[0], 1, 5, &voted, &local),
             PB_OK);
    CHECK_EQ(pb_store_begin(st), PB_OK);
    CHECK_EQ(put(st, "n-2", "rolled back", 1700000001), PB_OK);
    pb_store_rollback(st);
    CHECK_EQ(pb_store_listener_wait(l, 300), PB_LISTEN_TIMEOUT);

    /* several commits while nobody waits: one wake-up or more, none lost
     * for good (the caller reads the feed after each) */
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "n-%d", 3 + i);
        CHECK_EQ(put(st, id, id, 1700000001), PB_OK);
    }
    CHECK_EQ(pb_store_listener_wait(l, 2000), PB_LISTEN_CHANGED);

    /* woken from another thread (here: before the wait) */
    pb_store_listener_wake(l);
    CHECK_EQ(pb_store_listener_wait(l, 2000), PB_LISTEN_WOKEN);

    /* the listening connection is cut: it comes back by itself */
    PGconn *c = PQconnectdb(url());
    PQclear(PQexec(c, "SELECT pg_terminate_backend(pid) FROM"
                      " pg_stat_activity WHERE application_name ="
                      " 'paperboy-listen'"));
    PQfinish(c);
    ev = PB_LISTEN_TIMEOUT;
    t0 = now_s();
    while (ev != PB_LISTEN_RESUMED && now_s() - t0 < 10)
        ev = pb_store_listener_wait(l, 200);
    CHECK_EQ(ev, PB_LISTEN_RESUMED);
    CHECK_EQ(put(st, "n-9", "after the cut", 1700000001), PB_OK);
    CHECK_EQ(pb_store_listener_wait(l, 2000), PB_LISTEN_CHANGED);

    pb_cmdb_free(db);
    pb_store_listener_free(l);
    pb_store_close(st);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    static const struct pb_test T[] = {
        {"pg: votes, comments, collections beside an import in progress",
         t_votes_beside_import},
        {"pg: importers, voters, deleters and a follower at once",
         t_writers_at_once},
        {"pg: commits that give seqs notify; listening survives a cut",
         t_notify},
        {0}};
    return pb_test_run(T);
}
