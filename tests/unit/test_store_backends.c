/* test_store_backends.c - the store functions of store_mail.c and
 * store_stats.c, and a second store sharing a PostgreSQL database, on
 * SQLite and on PostgreSQL (tests/pgtest.h; the PG variants skip without
 * it). Papers are written with SQL here, so that these tests do not depend
 * on the paper functions of store.c. */
#include "harness.h"
#include "pgtest.h"

#include <sys/wait.h>
#include <unistd.h>

#include "core/paper.h"
#include "store/store.h"
#include "store/store_mail.h"
#include "store/store_stmt.h"

static char dbpath[80];
static int on_pg;

static const char *where(void)
{
    if (on_pg)
        return pb_test_pg_db("test_store_backends");
    snprintf(dbpath, sizeof dbpath, "/tmp/pb-test-backends-%d.db",
             (int)getpid());
    return dbpath;
}

static struct pb_store *fresh(void)
{
    const char *url = where();
    if (on_pg) {
        CHECK(url && pb_test_pg_reset(url));
    } else {
        char p[100];
        unlink(dbpath);
        snprintf(p, sizeof p, "%s-wal", dbpath);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", dbpath);
        unlink(p);
    }
    struct pb_store *st = NULL;
    struct pb_err err;
    if (pb_store_open(url, 0, &st, &err)) {
        fprintf(stderr, "  open %s: %s\n", url, err.msg);
        exit(1);
    }
    return st;
}

static void done(struct pb_store *st)
{
    pb_store_close(st);
    if (!on_pg)
        unlink(dbpath);
}

/* A paper row as an import leaves it (sources: the JSONL bit). */
static int64_t paper(struct pb_store *st, const char *id, const char *day,
                     int64_t upvotes, const char *cats, const char *authors)
{
    int64_t pid = 0;
    CHECK_EQ(pb_stmt_int(st, "INSERT INTO papers(id, title, authors,"
                             " categories, listed_day, upvotes, sources, seq)"
                             " VALUES(?1, ?1, ?2, ?3, ?4, ?5, 1,"
                             " (SELECT coalesce(max(seq), 0) + 1 FROM papers))"
                             " RETURNING pid",
                         PB_ARGS(pb_text(id), pb_text(authors),
                                 pb_text(cats), pb_text(day),
                                 pb_int(upvotes)),
                         &pid),
             PB_OK);
    if (day)
        CHECK_EQ(pb_stmt_exec(st, "INSERT INTO listings(pid, day)"
                                  " VALUES(?1, ?2)",
                              PB_ARGS(pb_int(pid), pb_text(day))),
                 PB_OK);
    return pid;
}

static void t_stats(void)
{
    struct pb_store *st = fresh();
    CHECK_EQ(pb_store_schema_version(), pb_store_user_version(st));
    CHECK_EQ(pb_store_begin(st), PB_OK);
    paper(st, "2406.00001", "2024-06-03", 5, "cs.CL", "Ann\nBob");
    paper(st, "2406.00002", "2024-06-05", 0, NULL, "Bob\nCy");
    paper(st, "t-00000000000000aa", NULL, 0, NULL, "Dee");
    int64_t gone = paper(st, "2406.00004", NULL, 0, NULL, "Eve");
    CHECK_EQ(pb_stmt_exec(st, "UPDATE papers SET deleted = 1,"
                              " github_repo = 'x/y' WHERE pid = ?1",
                          PB_ARGS(pb_int(gone))),
             PB_OK);
    CHECK_EQ(pb_stmt_changes(st), 1);
    CHECK_EQ(pb_store_commit(st), PB_OK);
    struct pb_store_stats s;
    CHECK_EQ(pb_store_stats(st, &s), PB_OK);
    CHECK_EQ(s.papers, 3);
    CHECK_EQ(s.deleted, 1);
    CHECK_EQ(s.authors, 4); /* Ann, Bob, Cy, Dee */
    CHECK_EQ(s.days_listed, 2);
    CHECK_STR(s.first_day, "2024-06-03");
    CHECK_STR(s.last_day, "2024-06-05");
    CHECK_EQ(s.with_arxiv_id, 2);
    CHECK_EQ(s.with_code, 0);
    CHECK_EQ(s.listed, 2);
    CHECK_EQ(s.listings, 2);
    CHECK_EQ(s.by_source[0], 3);
    CHECK_EQ(s.by_source[1], 0);
    /* papers without categories, arXiv ids only, in pid order */
    int64_t pids[4];
    char ids[4][PB_MAX_ID];
    size_t n = 9;
    CHECK_EQ(pb_store_missing_meta(st, 0, 4, pids, ids, &n), PB_OK);
    CHECK_EQ(n, 1);
    CHECK_STR(ids[0], "2406.00002");
    /* settings */
    char *v = NULL;
    CHECK_EQ(pb_store_meta_get(st, "k", &v), PB_ENOTFOUND);
    CHECK_EQ(pb_store_meta_set(st, "k", "one"), PB_OK);
    CHECK_EQ(pb_store_meta_set(st, "k", "two"), PB_OK);
    CHECK_EQ(pb_store_meta_get(st, "k", &v), PB_OK);
    CHECK_STR(v, "two");
    free(v);
    CHECK_EQ(pb_store_import_log(st, "f.jsonl", "jsonl", 1, 2, 3, 4), PB_OK);
    int64_t c = 0;
    CHECK_EQ(pb_stmt_int(st, "SELECT added + updated + unchanged + rejected"
                             " FROM imports",
                         PB_NOARGS, &c),
             PB_OK);
    CHECK_EQ(c, 10);
    done(st);
}

static int count_due(void *ctx, int64_t sub, const char *period)
{
    (void)sub;
    (void)period;
    (*(int *)ctx)++;
    return PB_OK;
}

static void t_mail(void)
{
    struct pb_store *st = fresh();
    int64_t p1 = paper(st, "2406.00001", "2024-06-03", 50, "cs.CL", "Ann");
    int64_t p2 = paper(st, "2406.00002", "2024-06-03", 40, "cs.LG", "Bob");
    paper(st, "2406.00003", "2024-06-04", 30, "cs.LG", "Cy");
    unsigned char k1[32], k2[32];
    CHECK_EQ(pb_store_mail_key(st, k1), PB_OK);
    CHECK_EQ(pb_store_mail_key(st, k2), PB_OK);
    CHECK(!memcmp(k1, k2, 32));
    struct pb_sub s;
    memset(&s, 0, sizeof s);
    snprintf(s.email, sizeof s.email, "Ann@Example.org");
    s.top_n = 5;
    s.max_papers = 10;
    snprintf(s.categories, sizeof s.categories, "cs.CL");
    int64_t id = 0, id2 = 0;
    CHECK_EQ(pb_store_sub_add(st, &s, 1000, 600, &id), PB_OK);
    CHECK(id > 0);
    /* the address is the same whatever its case */
    snprintf(s.email, sizeof s.email, "ann@example.ORG");
    CHECK_EQ(pb_store_sub_add(st, &s, 1100, 600, &id2), PB_OK);
    CHECK_EQ(id2, id);
    struct pb_sub got;
    CHECK_EQ(pb_store_sub_get_email(st, "ANN@example.org", &got), PB_OK);
    CHECK_EQ(got.id, id);
    CHECK_EQ(got.state, PB_SUB_PENDING);
    CHECK_EQ(got.member_ok, 0);
    CHECK_EQ(pb_store_sub_confirm(st, id, 1001), PB_OK);
    CHECK_EQ(pb_store_sub_get(st, id, &got), PB_OK);
    CHECK_EQ(got.state, PB_SUB_ACTIVE);
    CHECK_EQ(got.confirmed, 1001);
    /* refusals pause after 2 */
    int paused = -1;
    CHECK_EQ(pb_store_sub_refused(st, id, "550 no", 2, &paused), PB_OK);
    CHECK_EQ(paused, 0);
    CHECK_EQ(pb_store_sub_refused(st, id, "550 no", 2, &paused), PB_OK);
    CHECK_EQ(paused, 1);
    CHECK_EQ(pb_store_sub_set_state(st, id, PB_SUB_ACTIVE), PB_OK);
    CHECK_EQ(pb_store_sub_delivered(st, id), PB_OK);
    CHECK_EQ(pb_store_sub_get(st, id, &got), PB_OK);
    CHECK_EQ(got.refusals, 0);
    /* candidates: listed in the days, by upvotes */
    int64_t *c = NULL;
    size_t n = 0;
    CHECK_EQ(pb_store_mail_candidates(st, id, "2024-06-03", "2024-06-03", 10,
                                      &c, &n),
             PB_OK);
    CHECK_EQ(n, 2);
    CHECK(c && c[0] == p1 && c[1] == p2);
    free(c);
    /* the sent-log: a digest is prepared once, claimed once */
    struct pb_digest_item items[2] = {{p1, PB_DSRC_PERIOD, 0},
                                      {p2, PB_DSRC_PERIOD, 0}};
    CHECK_EQ(pb_store_digest_prepare(st, id, "D2024-06-03", "m1@x", items, 2,
                                     2000),
             PB_OK);
    CHECK_EQ(pb_store_digest_prepare(st, id, "D2024-06-03", "m2@x", items, 2,
                                     2001),
             PB_EEXIST);
    int due = 0;
    CHECK_EQ(pb_store_digest_due(st, 3000, count_due, &due), PB_OK);
    CHECK_EQ(due, 1);
    int ok = -1;
    CHECK_EQ(pb_store_mail_sendable(st, id, p1, &ok), PB_OK);
    CHECK_EQ(ok, 0); /* in a digest already */
    struct pb_digest_item *v = NULL;
    CHECK_EQ(pb_store_digest_papers(st, id, "D2024-06-03", &v, &n), PB_OK);
    CHECK_EQ(n, 2);
    CHECK(v && v[0].pid == p1 && v[1].pid == p2);
    free(v);
    CHECK_EQ(pb_store_digest_claim(st, id, "D2024-06-03", 3000, 3600, "h 1"),
             PB_OK);
    CHECK_EQ(pb_store_digest_claim(st, id, "D2024-06-03", 3000, 3600, "h 2"),
             PB_EBUSY);
    struct pb_digest_rec r;
    CHECK_EQ(pb_store_digest_get(st, id, "D2024-06-03", &r), PB_OK);
    CHECK_EQ(r.state, PB_DIGEST_SENDING);
    CHECK_STR(r.claimed_by, "h 1");
    CHECK_STR(r.message_id, "m1@x");
    CHECK_EQ(pb_store_digest_mark(st, id, "D2024-06-03", PB_DIGEST_SENT, 1, 0,
                                  3001),
             PB_OK);
    CHECK_EQ(pb_store_digest_get(st, id, "D2024-06-03", &r), PB_OK);
    CHECK_EQ(r.state, PB_DIGEST_SENT);
    CHECK_EQ(r.sent_at, 3001);
    due = 0;
    CHECK_EQ(pb_store_digest_due(st, 9000, count_due, &due), PB_OK);
    CHECK_EQ(due, 0);
    done(st);
}

/* Two stores on one database: what one writes the other reads; a write
 * transaction waits for the other's (the advisory lock). */
static void t_two_stores(void)
{
    struct pb_store *a = fresh(), *b = NULL;
    struct pb_err err;
    CHECK_EQ(pb_store_open(where(), 0, &b, &err), PB_OK);
    if (!b) {
        done(a);
        return;
    }
    CHECK_EQ(pb_store_begin(a), PB_OK);
    paper(a, "2406.00001", "2024-06-03", 1, NULL, "Ann");
    CHECK_EQ(pb_store_commit(a), PB_OK);
    int64_t n = 0;
    CHECK_EQ(pb_stmt_int(b, "SELECT count(*) FROM papers", PB_NOARGS, &n),
             PB_OK);
    CHECK_EQ(n, 1);
    /* a read transaction sees one snapshot */
    int began = 0;
    CHECK_EQ(pb_store_read_begin(b, &began), PB_OK);
    CHECK_EQ(began, 1);
    CHECK_EQ(pb_stmt_int(b, "SELECT count(*) FROM papers", PB_NOARGS, &n),
             PB_OK);
    CHECK_EQ(pb_store_begin(a), PB_OK);
    paper(a, "2406.00002", "2024-06-03", 1, NULL, "Bob");
    CHECK_EQ(pb_store_commit(a), PB_OK);
    CHECK_EQ(pb_stmt_int(b, "SELECT count(*) FROM papers", PB_NOARGS, &n),
             PB_OK);
    CHECK_EQ(n, 1);
    pb_store_read_end(b, began);
    CHECK_EQ(pb_stmt_int(b, "SELECT count(*) FROM papers", PB_NOARGS, &n),
             PB_OK);
    CHECK_EQ(n, 2);
    /* a failed statement inside a transaction: the commit fails, nothing
     * of it stays, and the store works on */
    CHECK_EQ(pb_store_begin(a), PB_OK);
    paper(a, "2406.00003", NULL, 1, NULL, "Cy");
    CHECK_EQ(pb_stmt_exec(a, "INSERT INTO papers(id, title, seq)"
                             " VALUES('2406.00001', 'dup', 9)",
                          PB_NOARGS),
             PB_EEXIST);
    pb_store_rollback(a);
    CHECK_EQ(pb_stmt_int(b, "SELECT count(*) FROM papers", PB_NOARGS, &n),
             PB_OK);
    CHECK_EQ(n, 2);
    pb_store_close(b);
    done(a);
}

/* Run fn(i) in n processes at once; how many exited 0. */
static int in_processes(int n, int (*fn)(int))
{
    pid_t kids[8];
    for (int i = 0; i < n; i++) {
        fflush(NULL);
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(fn(i));
    }
    int ok = 0;
    for (int i = 0; i < n; i++) {
        int status = 0;
        if (kids[i] > 0 && waitpid(kids[i], &status, 0) == kids[i] &&
            WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok++;
    }
    return ok;
}

static int open_one(int i)
{
    (void)i;
    struct pb_store *st = NULL;
    struct pb_err err;
    if (pb_store_open(where(), 0, &st, &err)) {
        fprintf(stderr, "  child open: %s\n", err.msg);
        return 1;
    }
    int v = pb_store_user_version(st);
    pb_store_close(st);
    return v == pb_store_schema_version() ? 0 : 2;
}

/* 40 write transactions, each giving a new paper the next seq as the
 * store does (pb_store_paper_upsert: max(seq) + 1 read under the seq
 * lock), with a pause inside. */
static int writer(int i)
{
    struct pb_store *st = NULL;
    struct pb_err err;
    if (pb_store_open(where(), 0, &st, &err))
        return 1;
    int rc = 0;
    for (int k = 0; k < 40 && !rc; k++) {
        struct pb_paper p;
        pb_paper_init(&p);
        snprintf(p.id, sizeof p.id, "w%d-%d", i, k);
        pb_str_set(&p.title, p.id, strlen(p.id));
        enum pb_upsert how;
        rc = pb_store_begin(st);
        if (!rc)
            rc = pb_store_paper_upsert(st, &p, &how, NULL);
        pb_paper_clear(&p);
        usleep(1000); /* the window two writers would share */
        rc = rc ? rc : pb_store_commit(st);
        if (rc)
            pb_store_rollback(st);
    }
    pb_store_close(st);
    return rc ? 1 : 0;
}

/* Servers starting together on a new database migrate it once; writers on
 * several servers take turns, so seqs never repeat. */
static void t_many_servers(void)
{
    if (!on_pg)
        return; /* (SQLite: one file, BEGIN IMMEDIATE) */
    const char *url = where();
    CHECK(url && pb_test_pg_reset(url));
    CHECK_EQ(in_processes(4, open_one), 4);
    CHECK_EQ(in_processes(3, writer), 3);
    struct pb_store *st = NULL;
    struct pb_err err;
    CHECK_EQ(pb_store_open(url, 0, &st, &err), PB_OK);
    if (!st)
        return;
    int64_t n = 0, d = 0;
    CHECK_EQ(pb_stmt_int(st, "SELECT count(*) FROM papers", PB_NOARGS, &n),
             PB_OK);
    CHECK_EQ(pb_stmt_int(st, "SELECT count(DISTINCT seq) FROM papers",
                         PB_NOARGS, &d),
             PB_OK);
    CHECK_EQ(n, 120);
    CHECK_EQ(d, 120);
    CHECK_EQ(pb_stmt_int(st, "SELECT count(*) FROM pb_schema", PB_NOARGS,
                         &n),
             PB_OK);
    CHECK_EQ(n, 1);
    pb_store_close(st);
}

/* The server drops the connection (a restart, a network cut): the call
 * that finds it fails, the next ones work on a new connection. */
static void t_reconnect(void)
{
    if (!on_pg)
        return;
    struct pb_store *st = fresh();
    int64_t n = 0, me = 0;
    CHECK_EQ(pb_stmt_int(st, "SELECT pg_backend_pid()", PB_NOARGS, &me),
             PB_OK);
    CHECK_EQ(pb_stmt_int(st, "SELECT count(*) FROM members", PB_NOARGS, &n),
             PB_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)",
             (long long)me);
    PGconn *c = PQconnectdb(where());
    PQclear(PQexec(c, sql));
    PQfinish(c);
    usleep(200 * 1000);
    CHECK_EQ(pb_stmt_int(st, "SELECT count(*) FROM members", PB_NOARGS, &n),
             PB_EDB);
    CHECK_EQ(pb_stmt_int(st, "SELECT count(*) FROM members", PB_NOARGS, &n),
             PB_OK);
    CHECK_EQ(pb_store_begin(st), PB_OK);
    CHECK_EQ(pb_stmt_exec(st, "INSERT INTO meta VALUES('a', 'b')",
                          PB_NOARGS),
             PB_OK);
    CHECK_EQ(pb_store_commit(st), PB_OK);
    done(st);
}

static void t_open_errors(void)
{
    if (!on_pg)
        return; /* (SQLite's are in test_store) */
    struct pb_store *st = NULL;
    struct pb_err err;
    /* a refused connection names the host, port and database, never the
     * password */
    CHECK_EQ(pb_store_open("postgresql://pbuser:s3cret@127.0.0.1:1/nodb",
                           0, &st, &err),
             PB_EDB);
    CHECK(st == NULL);
    CHECK(strstr(err.msg, "\"nodb\"") && strstr(err.msg, "127.0.0.1") &&
          strstr(err.msg, "port 1"));
    CHECK(!strstr(err.msg, "s3cret"));
}

static void t_is_url(void)
{
    CHECK(pb_store_is_url("postgres://u@h/db"));
    CHECK(pb_store_is_url("postgresql:///db?host=/tmp"));
    CHECK(pb_store_is_url("host=127.0.0.1 port=5433 dbname=pb"));
    CHECK(pb_store_is_url("dbname=pb"));
    CHECK(!pb_store_is_url("papers.db"));
    CHECK(!pb_store_is_url("./data/a=b.db"));
    CHECK(!pb_store_is_url("/tmp/x=1"));
    CHECK(!pb_store_is_url("postgres.db"));
    CHECK(!pb_store_is_url(""));
}

#define ON_PG(name, fn)                                                      \
    static void name(void)                                                   \
    {                                                                        \
        if (!pb_test_pg_db("test_store_backends"))                           \
            PB_TEST_SKIP("no PostgreSQL (PB_TEST_PG)");                      \
        on_pg = 1;                                                           \
        fn();                                                                \
        on_pg = 0;                                                           \
    }
ON_PG(pg_stats, t_stats)
ON_PG(pg_mail, t_mail)
ON_PG(pg_two_stores, t_two_stores)
ON_PG(pg_open_errors, t_open_errors)
ON_PG(pg_many_servers, t_many_servers)
ON_PG(pg_reconnect, t_reconnect)

int main(void)
{
    static const struct pb_test T[] = {
        {"which --db values are PostgreSQL", t_is_url},
        {"stats, settings, import log, missing metadata", t_stats},
        {"subscribers and the sent-log", t_mail},
        {"two stores on one database", t_two_stores},
        {"pg: stats, settings, import log, missing metadata", pg_stats},
        {"pg: subscribers and the sent-log", pg_mail},
        {"pg: two stores on one database", pg_two_stores},
        {"pg: a refused connection says where, not the password",
         pg_open_errors},
        {"pg: servers starting together migrate once; writers take turns",
         pg_many_servers},
        {"pg: a dropped connection is made again", pg_reconnect},
        {0}};
    return pb_test_run(T);
}
