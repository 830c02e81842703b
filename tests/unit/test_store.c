/* test_store.c - the store: upsert outcomes, merge rules, versions,
 * deletion, change feed, stats, and migration of an older database. The
 * tests of the paper functions run on SQLite and on PostgreSQL
 * (tests/pgtest.h; the PG variants skip without it); migrations of older
 * files and damaged files are SQLite's own. */
#include "harness.h"
#include "pgtest.h"

#include <sqlite3.h>
#include <unistd.h>

#include "core/paper.h"
#include "store/store.h"
#include "store/store_feed.h"

static char dbpath[64];
static int on_pg; /* the test runs on PostgreSQL (tests/pgtest.h) */

static struct pb_store *fresh(void)
{
    if (on_pg) {
        const char *url = pb_test_pg_db("test_store");
        CHECK(url && pb_test_pg_reset(url));
        struct pb_store *st = NULL;
        struct pb_err err;
        if (!url || pb_store_open(url, 0, &st, &err)) {
            fprintf(stderr, "  open: %s\n", url ? err.msg : "no database");
            exit(1);
        }
        return st;
    }
    snprintf(dbpath, sizeof dbpath, "/tmp/pb-test-store-%d.db", (int)getpid());
    char p2[80];
    unlink(dbpath);
    snprintf(p2, sizeof p2, "%s-wal", dbpath);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", dbpath);
    unlink(p2);
    struct pb_store *st = NULL;
    struct pb_err err;
    CHECK_EQ(pb_store_open(dbpath, 0, &st, &err), PB_OK);
    return st;
}

static void mk(struct pb_paper *p, const char *id, int version,
               const char *title)
{
    pb_paper_init(p);
    snprintf(p->id, sizeof p->id, "%s", id);
    p->version = version;
    pb_str_set(&p->title, title, strlen(title));
    pb_str_set(&p->abstract, "An abstract.", 12);
}

static enum pb_upsert up(struct pb_store *st, struct pb_paper *p)
{
    enum pb_upsert u = PB_UPSERT_UNCHANGED;
    CHECK_EQ(pb_store_paper_upsert(st, p, &u, NULL), PB_OK);
    return u;
}

static void t_idempotent(void)
{
    struct pb_store *st = fresh();
    struct pb_paper p;
    mk(&p, "2401.00001", 1, "First");
    pb_strlist_push(&p.authors, "Ada Lovelace", 12);
    pb_strlist_push(&p.authors, "Alan Turing", 11);
    CHECK_EQ(up(st, &p), PB_UPSERT_ADDED);
    CHECK_EQ(up(st, &p), PB_UPSERT_UNCHANGED);
    struct pb_paper q;
    pb_paper_init(&q);
    CHECK_EQ(pb_store_paper_get(st, "arXiv:2401.00001v1", &q, NULL), PB_OK);
    CHECK_STR(q.title, "First");
    CHECK_EQ(q.authors.n, 2);
    CHECK_STR(q.authors.v[1], "Alan Turing");
    CHECK_EQ(q.upvotes, -1);
    CHECK_EQ(pb_store_paper_get(st, "2401.99999", &q, NULL), PB_ENOTFOUND);
    pb_paper_clear(&q);
    pb_paper_clear(&p);
    pb_store_close(st);
}

static void t_versions(void)
{
    struct pb_store *st = fresh();
    struct pb_paper p, q;
    mk(&p, "2401.00002", 1, "Old title");
    CHECK_EQ(up(st, &p), PB_UPSERT_ADDED);
    pb_paper_clear(&p);
    mk(&p, "2401.00002", 2, "New title");
    CHECK_EQ(up(st, &p), PB_UPSERT_UPDATED);
    pb_paper_clear(&p);
    /* an older version afterwards changes nothing */
    mk(&p, "2401.00002", 1, "Old title");
    CHECK_EQ(up(st, &p), PB_UPSERT_UNCHANGED);
    pb_paper_clear(&p);
    pb_paper_init(&q);
    CHECK_EQ(pb_store_paper_get(st, "2401.00002", &q, NULL), PB_OK);
    CHECK_STR(q.title, "New title");
    CHECK_EQ(q.version, 2);
    pb_paper_clear(&q);
    pb_store_close(st);
}

static void t_merge_sources(void)
{
    struct pb_store *st = fresh();
    /* the arXiv snapshot: categories, no upvotes */
    struct pb_paper a, h, q;
    mk(&a, "2505.24864", 1, "ProRL");
    pb_str_set(&a.categories, "cs.LG cs.AI", 11);
    a.published = 1748000000;
    a.sources = PB_SRC_ARXIV_SNAPSHOT;
    CHECK_EQ(up(st, &a), PB_UPSERT_ADDED);
    /* Daily Papers: upvotes, code, a listing day; no categories */
    mk(&h, "2505.24864", 0, "ProRL");
    h.upvotes = 35;
    pb_str_set(&h.github_repo, "https://github.com/x/y", 22);
    h.github_stars = 10;
    snprintf(h.listed_day, sizeof h.listed_day, "2025-06-02");
    pb_str_set(&h.submitter, "shizhediao", 10);
    h.sources = PB_SRC_HF_DAILY;
    CHECK_EQ(up(st, &h), PB_UPSERT_UPDATED);
    CHECK_EQ(up(st, &h), PB_UPSERT_UNCHANGED);
    /* the snapshot again must not wipe what Daily Papers said */
    CHECK_EQ(up(st, &a), PB_UPSERT_UNCHANGED);
    /* fewer upvotes from an older listing do not lower the count */
    h.upvotes = 20;
    snprintf(h.listed_day, sizeof h.listed_day, "2025-06-05");
    /* ...but a second day is a second listing */
    CHECK_EQ(up(st, &h), PB_UPSERT_UPDATED);
    CHECK_EQ(up(st, &h), PB_UPSERT_UNCHANGED);
    pb_paper_init(&q);
    CHECK_EQ(pb_store_paper_get(st, "2505.24864", &q, NULL), PB_OK);
    CHECK_STR(q.categories, "cs.LG cs.AI");
    CHECK_EQ(q.upvotes, 35);
    CHECK_STR(q.github_repo, "https://github.com/x/y");
    CHECK_STR(q.listed_day, "2025-06-02");
    CHECK_STR(q.submitter, "shizhediao");
    CHECK_EQ(q.published, 1748000000);
    CHECK_EQ(q.sources, PB_SRC_ARXIV_SNAPSHOT | PB_SRC_HF_DAILY);
    pb_paper_clear(&q);
    pb_paper_clear(&a);
    pb_paper_clear(&h);
    pb_store_close(st);
}

/* Three records about one paper, in all six orders: one outcome. */
static void t_order_free(void)
{
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                     {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    char first_title[64] = "", first_kw[64] = "";
    for (int o = 0; o < 6; o++) {
        struct pb_store *st = fresh();
        for (int k = 0; k < 3; k++) {
            struct pb_paper p;
            int which = orders[o][k];
            if (which == 0) { /* the 2019 harvest */
                mk(&p, "1210.0870", 1, "Faster imputations");
                p.updated = 1000;
                pb_str_set(&p.categories, "stat.CO", 7);
            } else if (which == 1) { /* the 2020 harvest: revised title */
                mk(&p, "1210.0870", 1, "Faster, more efficient imputations");
                p.updated = 2000;
            } else { /* a daily listing: no version, no date */
                mk(&p, "1210.0870", 0, "faster imputations (listing)");
                pb_strlist_push(&p.keywords, "imputation", 10);
                p.upvotes = 3;
                p.sources = PB_SRC_HF_DAILY;
            }
            enum pb_upsert u;
            CHECK_EQ(pb_store_paper_upsert(st, &p, &u, NULL), PB_OK);
            /* and again: nothing changes */
            CHECK_EQ(pb_store_paper_upsert(st, &p, &u, NULL), PB_OK);
            CHECK_EQ(u, PB_UPSERT_UNCHANGED);
            pb_paper_clear(&p);
        }
        struct pb_paper q;
        pb_paper_init(&q);
        CHECK_EQ(pb_store_paper_get(st, "1210.0870", &q, NULL), PB_OK);
        CHECK_STR(q.title, "Faster, more efficient imputations");
        CHECK_STR(q.categories, "stat.CO");
        CHECK_EQ(q.upvotes, 3);
        CHECK_EQ(q.updated, 2000);
        CHECK_EQ(q.keywords.n, 1);
        if (o == 0) {
            snprintf(first_title, sizeof first_title, "%s", q.title);
            snprintf(first_kw, sizeof first_kw, "%s", q.keywords.v[0]);
        }
        CHECK_STR(q.title, first_title);
        pb_paper_clear(&q);
        pb_store_close(st);
    }
}

static int count_cb(void *ctx, int64_t pid, int64_t seq, int deleted,
                    const struct pb_paper *p)
{
    (void)pid;
    (void)seq;
    (void)p;
    int *n = ctx;
    n[0]++;
    n[1] += deleted;
    return PB_OK;
}

static void t_delete_and_changes(void)
{
    struct pb_store *st = fresh();
    struct pb_paper p;
    int64_t s0 = -1, s1 = -1;
    CHECK_EQ(pb_store_max_seq(st, &s0), PB_OK);
    CHECK_EQ(s0, 0);
    CHECK_EQ(pb_store_begin(st), PB_OK);
    for (int i = 1; i <= 5; i++) {
        char id[32];
        snprintf(id, sizeof id, "2401.%05d", i);
        mk(&p, id, 1, "T");
        CHECK_EQ(up(st, &p), PB_UPSERT_ADDED);
        pb_paper_clear(&p);
    }
    CHECK_EQ(pb_store_commit(st), PB_OK);
    CHECK_EQ(pb_store_max_seq(st, &s1), PB_OK);
    CHECK_EQ(s1, 5);
    CHECK_EQ(pb_store_paper_delete(st, "2401.00003"), PB_OK);
    CHECK_EQ(pb_store_paper_delete(st, "2401.00003"), PB_ENOTFOUND);
    CHECK_EQ(pb_store_paper_delete(st, "2401.09999"), PB_ENOTFOUND);
    int n[2] = {0, 0};
    CHECK_EQ(pb_store_paper_changes(st, 4, count_cb, n), PB_OK);
    CHECK_EQ(n[0], 2); /* 2401.00005 (seq 5) and the deletion (seq 6) */
    CHECK_EQ(n[1], 1);
    n[0] = n[1] = 0;
    CHECK_EQ(pb_store_paper_each(st, 0, count_cb, n), PB_OK);
    CHECK_EQ(n[0], 4);
    struct pb_store_stats s;
    CHECK_EQ(pb_store_stats(st, &s), PB_OK);
    CHECK_EQ(s.papers, 4);
    CHECK_EQ(s.deleted, 1);
    /* a deleted paper comes back when a source lists it again */
    mk(&p, "2401.00003", 1, "T");
    CHECK_EQ(up(st, &p), PB_UPSERT_UPDATED);
    pb_paper_clear(&p);
    CHECK_EQ(pb_store_stats(st, &s), PB_OK);
    CHECK_EQ(s.papers, 5);
    pb_store_close(st);
}

static void t_stats_authors(void)
{
    struct pb_store *st = fresh();
    struct pb_paper p;
    mk(&p, "2401.00001", 1, "A");
    pb_strlist_push(&p.authors, "X One", 5);
    pb_strlist_push(&p.authors, "Y Two", 5);
    CHECK_EQ(up(st, &p), PB_UPSERT_ADDED);
    pb_paper_clear(&p);
    mk(&p, "2401.00002", 1, "B");
    pb_strlist_push(&p.authors, "Y Two", 5);
    pb_strlist_push(&p.authors, "Z Three", 7);
    snprintf(p.listed_day, sizeof p.listed_day, "2024-01-03");
    CHECK_EQ(up(st, &p), PB_UPSERT_ADDED);
    pb_paper_clear(&p);
    struct pb_store_stats s;
    CHECK_EQ(pb_store_stats(st, &s), PB_OK);
    CHECK_EQ(s.papers, 2);
    CHECK_EQ(s.authors, 3);
    CHECK_EQ(s.days_listed, 1);
    CHECK_STR(s.first_day, "2024-01-03");
    pb_store_close(st);
}

/* A database as paperboy's first schema (version 1) wrote it. */
static const char *const v1_schema =
    "CREATE TABLE papers( pid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " version INTEGER NOT NULL DEFAULT 0, title TEXT NOT NULL, abstract TEXT"
    " NOT NULL DEFAULT '', authors TEXT NOT NULL DEFAULT '', categories TEXT,"
    " published INTEGER, updated INTEGER, listed_day TEXT, submitter TEXT,"
    " upvotes INTEGER, n_comments INTEGER, github_repo TEXT, github_stars"
    " INTEGER, project_page TEXT, doi TEXT, journal_ref TEXT, comments TEXT,"
    " license TEXT, keywords TEXT, summary TEXT, links TEXT, sources INTEGER"
    " NOT NULL DEFAULT 0, seq INTEGER NOT NULL, deleted INTEGER NOT NULL"
    " DEFAULT 0);"
    "CREATE INDEX papers_listed ON papers(listed_day) WHERE listed_day IS NOT"
    " NULL;"
    "CREATE INDEX papers_seq ON papers(seq);"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO papers(id, title, authors, seq, upvotes) VALUES"
    " ('2301.00001', 'Kept across upgrades', 'A B', 1, 7);"
    "PRAGMA user_version=1;";

static void t_migrate_v1(void)
{
    struct pb_store *st = fresh();
    pb_store_close(st);
    unlink(dbpath);
    sqlite3 *db;
    CHECK_EQ(sqlite3_open(dbpath, &db), SQLITE_OK);
    CHECK_EQ(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct pb_err err;
    /* a reader (reindex, search, serve) migrates an old file itself */
    CHECK_EQ(pb_store_open(dbpath, PB_STORE_READONLY, &st, &err), PB_OK);
    CHECK_EQ(pb_store_user_version(st), pb_store_schema_version());
    pb_store_close(st);
    CHECK_EQ(pb_store_open(dbpath, 0, &st, &err), PB_OK);
    CHECK_EQ(pb_store_user_version(st), pb_store_schema_version());
    CHECK(pb_store_schema_version() >= 2);
    struct pb_paper q;
    pb_paper_init(&q);
    CHECK_EQ(pb_store_paper_get(st, "2301.00001", &q, NULL), PB_OK);
    CHECK_STR(q.title, "Kept across upgrades");
    CHECK_EQ(q.upvotes, 7);
    pb_paper_clear(&q);
    CHECK_EQ(pb_store_import_log(st, "f.json", "hf-daily", 1, 0, 0, 0), PB_OK);
    pb_store_close(st);
}

static int64_t q1(struct pb_store *st, const char *path, const char *sql)
{
    (void)st;
    sqlite3 *db;
    sqlite3_stmt *s;
    int64_t v = -1;
    CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* Migration 7 on a store made before it: one listing per listed paper, and
 * 1704.0162 (an id that lost its trailing zero in a float) merged into
 * 1704.01620 with votes, comments, collection items and stats following;
 * a short id without its twin renamed. */
static void t_migrate_ids(void)
{
    struct pb_store *st = fresh();
    pb_store_close(st);
    unlink(dbpath);
    pb_store_test_migrate_limit(6);
    struct pb_err err;
    CHECK_EQ(pb_store_open(dbpath, 0, &st, &err), PB_OK);
    CHECK_EQ(pb_store_user_version(st), 6);
    pb_store_close(st);
    pb_store_test_migrate_limit(0);
    sqlite3 *db;
    CHECK_EQ(sqlite3_open(dbpath, &db), SQLITE_OK);
    static const char fill[] =
        "INSERT INTO papers(pid, id, title, authors, categories, seq,"
        " listed_day, submitter, upvotes, sources) VALUES"
        " (1, '1704.0162', 'Same paper', 'A B', NULL, 1, '2017-04-10',"
        "  'ann', 5, 2),"
        " (2, '1704.01620', 'Same paper', 'A B', 'cs.LG', 2, NULL, NULL,"
        "  NULL, 1),"
        " (3, '1803.0123', 'Alone', 'C D', 'math.CO', 3, NULL, NULL, NULL, 1),"
        " (4, '0704.0002', 'Old and fine', 'E F', 'math.CO', 4, '2024-06-03',"
        "  'bob', 2, 3);"
        "INSERT INTO members(id, name, email, pwhash, created) VALUES"
        " (1, 'ann', 'a@x', 'h', 0), (2, 'bob', 'b@x', 'h', 0);"
        "INSERT INTO votes(member, pid, at) VALUES (1, 1, 10), (2, 1, 11),"
        " (1, 2, 12);"
        "INSERT INTO paper_stats(pid, votes, comments) VALUES (1, 2, 1),"
        " (2, 1, 0);"
        "INSERT INTO comments(pid, member, body, created) VALUES"
        " (1, 2, 'on the short id', 20);"
        "INSERT INTO collections(id, member, name, created) VALUES"
        " (1, 1, 'reading', 0);"
        "INSERT INTO collection_items(coll, pid, added) VALUES (1, 1, 30);";
    CHECK_EQ(sqlite3_exec(db, fill, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_EQ(pb_store_open(dbpath, 0, &st, &err), PB_OK);
    CHECK_EQ(pb_store_user_version(st), pb_store_schema_version());
    struct pb_store_stats ss;
    CHECK_EQ(pb_store_stats(st, &ss), PB_OK);
    CHECK_EQ(ss.papers, 3);
    CHECK_EQ(ss.listings, 2);
    struct pb_paper q;
    pb_paper_init(&q);
    int64_t pid = 0;
    CHECK_EQ(pb_store_paper_get(st, "1704.01620", &q, &pid), PB_OK);
    CHECK_EQ(pid, 2);
    CHECK_STR(q.categories, "cs.LG");
    CHECK_STR(q.listed_day, "2017-04-10");
    CHECK_STR(q.submitter, "ann");
    CHECK_EQ(q.upvotes, 5);
    CHECK_EQ(q.sources, 3);
    CHECK_EQ(pb_store_paper_get(st, "1803.01230", &q, &pid), PB_OK);
    CHECK_EQ(pid, 3);
    CHECK_STR(q.title, "Alone");
    CHECK_EQ(pb_store_paper_get(st, "1704.0162", &q, NULL), PB_ENOTFOUND);
    pb_paper_clear(&q);
    pb_store_close(st);
    /* ann's vote on both counts once; bob's moves */
    CHECK_EQ(q1(st, dbpath, "SELECT count(*) FROM votes WHERE pid = 2"), 2);
    CHECK_EQ(q1(st, dbpath, "SELECT count(*) FROM votes WHERE pid = 1"), 0);
    CHECK_EQ(q1(st, dbpath, "SELECT votes FROM paper_stats WHERE pid = 2"), 2);
    CHECK_EQ(q1(st, dbpath, "SELECT comments FROM paper_stats WHERE pid = 2"),
             1);
    CHECK_EQ(q1(st, dbpath, "SELECT pid FROM comments"), 2);
    CHECK_EQ(q1(st, dbpath, "SELECT pid FROM collection_items"), 2);
    CHECK_EQ(q1(st, dbpath, "SELECT deleted FROM papers WHERE pid = 1"), 1);
    CHECK_EQ(q1(st, dbpath, "SELECT count(*) FROM listings WHERE pid = 2"
                            " AND day = '2017-04-10' AND submitter = 'ann'"),
             1);
    CHECK_EQ(q1(st, dbpath, "SELECT count(*) FROM listings WHERE pid = 4"
                            " AND day = '2024-06-03'"),
             1);
    /* the merged and renamed papers get new seqs: the index sees them */
    CHECK(q1(st, dbpath, "SELECT seq FROM papers WHERE pid = 2") > 4);
    CHECK(q1(st, dbpath, "SELECT seq FROM papers WHERE pid = 1") > 4);
    CHECK(q1(st, dbpath, "SELECT seq FROM papers WHERE pid = 3") > 4);
    CHECK_EQ(q1(st, dbpath, "PRAGMA foreign_key_check"), -1);
}

/* A paper on several days: each day lists it, with that day's submitter;
 * the week shows it once. */
static void t_listings(void)
{
    struct pb_store *st = fresh();
    struct pb_paper p;
    mk(&p, "2608.13558", 0, "Relisted");
    p.sources = PB_SRC_HF_DAILY;
    snprintf(p.listed_day, sizeof p.listed_day, "2026-08-18");
    pb_str_set(&p.submitter, "ann", 3);
    CHECK_EQ(up(st, &p), PB_UPSERT_ADDED);
    snprintf(p.listed_day, sizeof p.listed_day, "2026-08-20");
    pb_str_set(&p.submitter, "bob", 3);
    pb_str_set(&p.listing_src, "{\"numComments\":1}", 17);
    CHECK_EQ(up(st, &p), PB_UPSERT_UPDATED);
    CHECK_EQ(up(st, &p), PB_UPSERT_UNCHANGED);
    pb_paper_clear(&p);
    struct pb_store_stats ss;
    CHECK_EQ(pb_store_stats(st, &ss), PB_OK);
    CHECK_EQ(ss.papers, 1);
    CHECK_EQ(ss.listings, 2);
    CHECK_EQ(ss.days_listed, 2);
    struct pb_feed *f = pb_store_feed_new(st);
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    struct pb_feed_query fq = {.from = "2026-08-18", .to = "2026-08-18",
                               .limit = 10, .listed_only = 1};
    CHECK_EQ(pb_store_feed_list(f, &fq, &l), PB_OK);
    CHECK_EQ(l.n, 1);
    if (l.n) {
        CHECK_STR(l.v[0].listed_day, "2026-08-18");
        CHECK_STR(l.v[0].submitter, "ann");
        CHECK(l.v[0].listing_src == NULL);
    }
    snprintf(fq.from, sizeof fq.from, "2026-08-20");
    snprintf(fq.to, sizeof fq.to, "2026-08-20");
    CHECK_EQ(pb_store_feed_list(f, &fq, &l), PB_OK);
    CHECK_EQ(l.n, 1);
    if (l.n) {
        CHECK_STR(l.v[0].submitter, "bob");
        CHECK_STR(l.v[0].listing_src, "{\"numComments\":1}");
    }
    /* the week: once, on its latest day there */
    snprintf(fq.from, sizeof fq.from, "2026-08-17");
    snprintf(fq.to, sizeof fq.to, "2026-08-23");
    CHECK_EQ(pb_store_feed_list(f, &fq, &l), PB_OK);
    CHECK_EQ(l.n, 1);
    if (l.n)
        CHECK_STR(l.v[0].listed_day, "2026-08-20");
    int64_t n = 0;
    CHECK_EQ(pb_store_feed_count(f, "2026-08-17", "2026-08-23", &n), PB_OK);
    CHECK_EQ(n, 1);
    char d[11];
    CHECK_EQ(pb_store_feed_adjacent_day(f, "2026-08-20", -1, d), PB_OK);
    CHECK_STR(d, "2026-08-18");
    pb_feed_list_clear(&l);
    pb_store_feed_free(f);
    pb_store_close(st);
}

/* A file from a newer paperboy is refused, by readers and writers alike,
 * and left as it was. */
static void t_newer_schema(void)
{
    struct pb_store *st = fresh();
    pb_store_close(st);
    sqlite3 *db;
    CHECK_EQ(sqlite3_open(dbpath, &db), SQLITE_OK);
    CHECK_EQ(sqlite3_exec(db, "PRAGMA user_version=999", NULL, NULL, NULL),
             SQLITE_OK);
    sqlite3_close(db);
    struct pb_err err;
    CHECK_EQ(pb_store_open(dbpath, PB_STORE_READONLY, &st, &err), PB_EUNSUP);
    CHECK(st == NULL);
    CHECK(strstr(err.msg, "schema version 999 was written by a newer") !=
          NULL);
    CHECK(pb_store_open(dbpath, 0, &st, &err) != PB_OK);
    CHECK(st == NULL);
    CHECK_EQ(sqlite3_open(dbpath, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    CHECK_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL),
             SQLITE_OK);
    CHECK_EQ(sqlite3_step(s), SQLITE_ROW);
    CHECK_EQ(sqlite3_column_int(s, 0), 999);
    sqlite3_finalize(s);
    sqlite3_close(db);
    unlink(dbpath);
}

static void t_not_a_database(void)
{
    FILE *f = fopen("/tmp/pb-test-notdb.db", "w");
    fputs("this is not a database, just text that is long enough to be a "
          "header of sixty-four bytes or more\n", f);
    fclose(f);
    struct pb_store *st = NULL;
    struct pb_err err;
    CHECK(pb_store_open("/tmp/pb-test-notdb.db", 0, &st, &err) != PB_OK);
    CHECK(st == NULL);
    CHECK(strstr(err.msg, "not a database") != NULL);
    unlink("/tmp/pb-test-notdb.db");
}

static void t_meta(void)
{
    struct pb_store *st = fresh();
    char *v = NULL;
    CHECK_EQ(pb_store_meta_get(st, "k", &v), PB_ENOTFOUND);
    CHECK_EQ(pb_store_meta_set(st, "k", "1"), PB_OK);
    CHECK_EQ(pb_store_meta_set(st, "k", "2'; DROP TABLE papers; --"), PB_OK);
    CHECK_EQ(pb_store_meta_get(st, "k", &v), PB_OK);
    CHECK_STR(v, "2'; DROP TABLE papers; --");
    free(v);
    pb_store_close(st);
    if (!on_pg)
        unlink(dbpath);
}

/* --- the batch upsert gives what one upsert after the other gives ------- */

/* On PostgreSQL: the keyword string of database NAME of this process on
 * the test server, made empty (a second database beside the suite's). */
static const char *pg_named(const char *name, char *out, size_t cap)
{
    const char *base = getenv("PB_TEST_PG");
    char sql[160];
    CHECK(base != NULL);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s_%d", name,
             (int)getpid());
    CHECK(pb_test_pg_run_(base, sql));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s_%d", name, (int)getpid());
    CHECK(pb_test_pg_run_(base, sql));
    snprintf(out, cap, "%s dbname=%s_%d", base, name, (int)getpid());
    return out;
}

static struct pb_store *open_at(const char *path)
{
    char p2[96];
    if (on_pg) {
        struct pb_store *st = NULL;
        struct pb_err err;
        CHECK_EQ(pb_store_open(path, 0, &st, &err), PB_OK);
        return st;
    }
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
    struct pb_store *st = NULL;
    struct pb_err err;
    CHECK_EQ(pb_store_open(path, 0, &st, &err), PB_OK);
    return st;
}

static const char *const dump_q[] = {
    "SELECT * FROM papers ORDER BY pid",
    "SELECT * FROM listings ORDER BY pid, day",
    "SELECT * FROM orgs ORDER BY name",
    "SELECT * FROM media ORDER BY pid, kind, pos",
};

/* dump() of a PostgreSQL database. */
static char *dump_pg(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    CHECK(PQstatus(c) == CONNECTION_OK);
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (size_t i = 0; i < sizeof dump_q / sizeof dump_q[0]; i++) {
        PGresult *r = PQexec(c, dump_q[i]);
        CHECK(PQresultStatus(r) == PGRES_TUPLES_OK);
        for (int row = 0; row < PQntuples(r); row++) {
            for (int col = 0; col < PQnfields(r); col++) {
                const char *t = PQgetisnull(r, row, col)
                                    ? NULL
                                    : PQgetvalue(r, row, col);
                size_t k = t ? strlen(t) : 4;
                while (len + k + 4 > cap)
                    out = realloc(out, cap *= 2);
                len += (size_t)snprintf(out + len, cap - len, "%s|",
                                        t ? t : "NULL");
            }
            out[len++] = '\n';
            out[len] = '\0';
        }
        PQclear(r);
    }
    PQfinish(c);
    return out;
}

/* Every row of the paper tables, in a fixed order, as text. */
static char *dump(const char *path)
{
    const char *const *q = dump_q;
    if (on_pg)
        return dump_pg(path);
    sqlite3 *db = NULL;
    CHECK_EQ(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
             SQLITE_OK);
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (size_t i = 0; i < sizeof dump_q / sizeof dump_q[0]; i++) {
        sqlite3_stmt *s = NULL;
        CHECK_EQ(sqlite3_prepare_v2(db, q[i], -1, &s, NULL), SQLITE_OK);
        while (sqlite3_step(s) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(s); c++) {
                const char *t = (const char *)sqlite3_column_text(s, c);
                size_t k = t ? strlen(t) : 4;
                while (len + k + 4 > cap)
                    out = realloc(out, cap *= 2);
                len += (size_t)sprintf(out + len, "%s|", t ? t : "NULL");
            }
            out[len++] = '\n';
            out[len] = '\0';
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return out;
}

/* Paper i of the test batch: new ones, the same id again (newer, older,
 * equal), stored papers changed or not, a deleted one listed again, new
 * and changed listings, organizations, images, lists with empty entries,
 * no abstract; more than one statement's worth of rows. */
static void batch_paper(struct pb_paper *p, int i)
{
    char id[32], title[64];
    int k = i % 600;
    snprintf(id, sizeof id, "2401.%05d", k);
    snprintf(title, sizeof title, "Title %d v%d", k, i / 600);
    mk(p, id, 1 + (i / 600) % 2, title);
    if (i % 7 == 0) {
        free(p->abstract);
        p->abstract = NULL;
    }
    pb_strlist_push(&p->authors, "Ada Lovelace", 12);
    if (i % 5 == 0)
        pb_strlist_push(&p->authors, "", 0);
    p->updated = 1700000000 + (i % 3) * 86400;
    p->upvotes = i % 11 ? i % 40 : -1;
    p->sources = i % 2 ? PB_SRC_ARXIV_SNAPSHOT : PB_SRC_HF_DAILY;
    if (i % 3 == 0) {
        snprintf(p->listed_day, sizeof p->listed_day, "2024-01-%02d",
                 1 + i % 4);
        pb_str_set(&p->submitter, i % 6 ? "ann" : "bob", 3);
        p->submitted_at = i % 9 ? 1704067200 + i : 0;
        if (i % 4 == 0) {
            pb_str_set(&p->org, i % 8 ? "acme" : "initech", i % 8 ? 4 : 7);
            char src[32];
            snprintf(src, sizeof src, "{\"n\":%d}", i);
            pb_str_set(&p->org_src, src, strlen(src));
            pb_str_set(&p->listing_src, src, strlen(src));
        }
    }
    if (i % 50 == 0) {
        pb_str_set(&p->thumbnail, "https://example.org/t.png", 25);
        pb_strlist_push(&p->media_urls, "https://example.org/a.png", 25);
    }
    if (i % 13 == 0)
        pb_strlist_push(&p->keywords, "x", 1);
}

static void t_batch_same_as_rows(void)
{
    char a_path[512], b_path[512];
    if (on_pg) {
        pg_named("test_store_batch_a", a_path, sizeof a_path);
        pg_named("test_store_batch_b", b_path, sizeof b_path);
    } else {
        snprintf(a_path, sizeof a_path, "/tmp/pb-test-batch-a-%d.db",
                 (int)getpid());
        snprintf(b_path, sizeof b_path, "/tmp/pb-test-batch-b-%d.db",
                 (int)getpid());
    }
    struct pb_store *a = open_at(a_path), *b = open_at(b_path);
    /* the same stored state in both: 300 papers, one deleted */
    struct pb_paper p;
    for (int i = 0; i < 300; i += 2) {
        batch_paper(&p, i + 1200);
        CHECK(up(a, &p) == up(b, &p));
        pb_paper_clear(&p);
    }
    CHECK_EQ(pb_store_paper_delete(a, "2401.00004"), PB_OK);
    CHECK_EQ(pb_store_paper_delete(b, "2401.00004"), PB_OK);
    /* one batch of 1,500 papers (600 ids), each id up to three times */
    enum { N = 1500 };
    struct pb_paper *v = calloc(N, sizeof *v);
    const struct pb_paper **pv = calloc(N, sizeof *pv);
    enum pb_upsert *ua = calloc(N, sizeof *ua), *ub = calloc(N, sizeof *ub);
    for (int i = 0; i < N; i++) {
        batch_paper(&v[i], i);
        pv[i] = &v[i];
    }
    CHECK_EQ(pb_store_begin(a), PB_OK);
    for (int i = 0; i < N; i++)
        CHECK_EQ(pb_store_paper_upsert(a, &v[i], &ua[i], NULL), PB_OK);
    CHECK_EQ(pb_store_commit(a), PB_OK);
    pb_store_test_batch_multirow(1);
    CHECK_EQ(pb_store_begin(b), PB_OK);
    CHECK_EQ(pb_store_paper_upsert_batch(b, pv, N, ub), PB_OK);
    CHECK_EQ(pb_store_commit(b), PB_OK);
    int n_out[3] = {0}, same_out = 1;
    for (int i = 0; i < N; i++) {
        n_out[ua[i]]++;
        same_out &= ua[i] == ub[i];
    }
    CHECK(same_out);
    /* every outcome happened */
    CHECK(n_out[PB_UPSERT_ADDED] > 0 && n_out[PB_UPSERT_UPDATED] > 0 &&
          n_out[PB_UPSERT_UNCHANGED] > 0);
    /* and again: a batch of what is stored changes nothing */
    CHECK_EQ(pb_store_paper_upsert_batch(b, pv, 600, ub), PB_OK);
    for (int i = 0; i < 600; i++)
        CHECK_EQ(pb_store_paper_upsert(a, &v[i], &ua[i], NULL), PB_OK);
    for (int i = 0; i < 600; i++)
        same_out &= ua[i] == ub[i];
    CHECK(same_out);
    pb_store_test_batch_multirow(0);
    pb_store_close(a);
    pb_store_close(b);
    char *da = dump(a_path), *db = dump(b_path);
    CHECK(strlen(da) > 10000);
    CHECK_STR(da, db);
    free(da);
    free(db);
    for (int i = 0; i < N; i++)
        pb_paper_clear(&v[i]);
    free(v);
    free(pv);
    free(ua);
    free(ub);
    if (!on_pg) { /* dump() leaves -wal and -shm files behind */
        static const char *const sfx[] = {"", "-wal", "-shm"};
        char f[600];
        for (int k = 0; k < 3; k++) {
            snprintf(f, sizeof f, "%s%s", a_path, sfx[k]);
            unlink(f);
            snprintf(f, sizeof f, "%s%s", b_path, sfx[k]);
            unlink(f);
        }
    }
}

/* A PostgreSQL database from a newer paperboy is refused and left as it
 * was (the version is pb_schema's row there). */
static void t_newer_schema_pg(void)
{
    struct pb_store *st = fresh();
    pb_store_close(st);
    const char *url = pb_test_pg_db("test_store");
    CHECK(pb_test_pg_run_(url, "UPDATE pb_schema SET version = 999"));
    struct pb_err err;
    CHECK_EQ(pb_store_open(url, PB_STORE_READONLY, &st, &err), PB_EUNSUP);
    CHECK(st == NULL);
    CHECK(strstr(err.msg, "schema version 999") != NULL);
    CHECK(pb_store_open(url, 0, &st, &err) != PB_OK);
    CHECK(st == NULL);
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQexec(c, "SELECT version FROM pb_schema");
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1);
    if (PQntuples(r) == 1)
        CHECK_STR(PQgetvalue(r, 0, 0), "999");
    PQclear(r);
    PQfinish(c);
}

#define ON_PG(name, fn)                                                      \
    static void name(void)                                                   \
    {                                                                        \
        if (!pb_test_pg_db("test_store"))                                    \
            PB_TEST_SKIP("no PostgreSQL (PB_TEST_PG)");                      \
        on_pg = 1;                                                           \
        fn();                                                                \
        on_pg = 0;                                                           \
    }
ON_PG(pg_idempotent, t_idempotent)
ON_PG(pg_versions, t_versions)
ON_PG(pg_newer_schema, t_newer_schema_pg)
ON_PG(pg_merge_sources, t_merge_sources)
ON_PG(pg_order_free, t_order_free)
ON_PG(pg_delete_and_changes, t_delete_and_changes)
ON_PG(pg_stats_authors, t_stats_authors)
ON_PG(pg_listings, t_listings)
ON_PG(pg_meta, t_meta)
ON_PG(pg_batch_same_as_rows, t_batch_same_as_rows)

int main(void)
{
    static const struct pb_test tests[] = {
        {"idempotent", t_idempotent},
        {"versions", t_versions},
        {"newer schema refused", t_newer_schema},
        {"merge_sources", t_merge_sources},
        {"order_free", t_order_free},
        {"delete_and_changes", t_delete_and_changes},
        {"stats_authors", t_stats_authors},
        {"migrate_v1", t_migrate_v1},
        {"migrate_ids", t_migrate_ids},
        {"listings", t_listings},
        {"not_a_database", t_not_a_database},
        {"meta", t_meta},
        {"batch_same_as_rows", t_batch_same_as_rows},
        {"pg: idempotent", pg_idempotent},
        {"pg: versions", pg_versions},
        {"pg: newer schema refused", pg_newer_schema},
        {"pg: merge_sources", pg_merge_sources},
        {"pg: order_free", pg_order_free},
        {"pg: delete_and_changes", pg_delete_and_changes},
        {"pg: stats_authors", pg_stats_authors},
        {"pg: listings", pg_listings},
        {"pg: meta", pg_meta},
        {"pg: batch_same_as_rows", pg_batch_same_as_rows},
        {0, 0},
    };
    return pb_test_run(tests);
}
