/* schema.c - the versioned schema and its forward migrations.
 *
 * PRAGMA user_version holds the number of migrations applied. A database
 * from an older paperboy is migrated in place at open, each step in its own
 * transaction. Never edit a released step: add a new one. */
#include <stdio.h>

#include "store/store_int.h"
#include "store/store_pg.h"

static const char *const migrations[] = {
    /* 1: papers and settings */
    "CREATE TABLE papers("
    " pid INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " version INTEGER NOT NULL DEFAULT 0,"
    " title TEXT NOT NULL,"
    " abstract TEXT NOT NULL DEFAULT '',"
    " authors TEXT NOT NULL DEFAULT '',"      /* newline-separated, in order */
    " categories TEXT,"                       /* space-separated, primary first */
    " published INTEGER, updated INTEGER,"    /* Unix seconds */
    " listed_day TEXT,"                       /* YYYY-MM-DD */
    " submitter TEXT, upvotes INTEGER, n_comments INTEGER,"
    " github_repo TEXT, github_stars INTEGER, project_page TEXT,"
    " doi TEXT, journal_ref TEXT, comments TEXT, license TEXT,"
    " keywords TEXT, summary TEXT, links TEXT," /* newline-separated */
    " sources INTEGER NOT NULL DEFAULT 0,"
    " seq INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX papers_listed ON papers(listed_day)"
    " WHERE listed_day IS NOT NULL;"
    "CREATE INDEX papers_seq ON papers(seq);"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);",

    /* 2: a log of imports */
    "CREATE TABLE imports("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " file TEXT NOT NULL,"
    " format TEXT NOT NULL,"
    " added INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " unchanged INTEGER NOT NULL, rejected INTEGER NOT NULL);",

    /* 3: the community: members, sessions, votes, comments, submissions,
     * collections, follows, moderation (docs/COMMUNITY.md) */
    "CREATE TABLE members("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " email TEXT NOT NULL,"
    " pwhash TEXT NOT NULL,"
    " role INTEGER NOT NULL DEFAULT 0,"      /* 0 user, 1 moderator, 2 admin */
    " disabled INTEGER NOT NULL DEFAULT 0,"  /* 1 disabled or suspended */
    " created INTEGER NOT NULL);"
    "CREATE TABLE sessions("
    " hash BLOB PRIMARY KEY,"                /* generichash of the token */
    " member INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX sessions_member ON sessions(member);"
    "CREATE TABLE votes("
    " member INTEGER NOT NULL REFERENCES members(id),"
    " pid INTEGER NOT NULL REFERENCES papers(pid),"
    " at INTEGER NOT NULL,"
    " UNIQUE(member, pid));"
    "CREATE INDEX votes_pid ON votes(pid);"
    /* local counts kept in step with votes and comments, in the same
     * transactions; imported counts stay in papers */
    "CREATE TABLE paper_stats("
    " pid INTEGER PRIMARY KEY REFERENCES papers(pid),"
    " votes INTEGER NOT NULL DEFAULT 0,"
    " comments INTEGER NOT NULL DEFAULT 0,"
    " hidden INTEGER NOT NULL DEFAULT 0,"
    " submitted_by INTEGER REFERENCES members(id),"
    " submitted_at INTEGER);"
    "CREATE INDEX paper_stats_hidden ON paper_stats(pid) WHERE hidden = 1;"
    "CREATE TABLE comments("
    " id INTEGER PRIMARY KEY,"
    " pid INTEGER NOT NULL REFERENCES papers(pid),"
    " member INTEGER NOT NULL REFERENCES members(id),"
    " body TEXT NOT NULL,"
    " created INTEGER NOT NULL, edited INTEGER,"
    " hidden INTEGER NOT NULL DEFAULT 0,"
    " deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX comments_pid ON comments(pid, id);"
    "CREATE INDEX comments_member ON comments(member, created);"
    "CREATE TABLE submissions("
    " pid INTEGER PRIMARY KEY REFERENCES papers(pid),"
    " member INTEGER NOT NULL REFERENCES members(id),"
    " at INTEGER NOT NULL, day TEXT NOT NULL);"
    "CREATE INDEX submissions_member ON submissions(member, at);"
    "CREATE TABLE collections("
    " id INTEGER PRIMARY KEY,"
    " member INTEGER NOT NULL REFERENCES members(id),"
    " name TEXT NOT NULL,"
    " public INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL,"
    " UNIQUE(member, name));"
    "CREATE TABLE collection_items("
    " coll INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
    " pid INTEGER NOT NULL REFERENCES papers(pid),"
    " added INTEGER NOT NULL,"
    " PRIMARY KEY(coll, pid)) WITHOUT ROWID;"
    "CREATE TABLE follows("
    " member INTEGER NOT NULL REFERENCES members(id),"
    " kind INTEGER NOT NULL,"                /* 0 author, 1 category */
    " target TEXT NOT NULL,"
    " PRIMARY KEY(member, kind, target)) WITHOUT ROWID;"
    "CREATE TABLE modlog("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"                  /* member name, or "cli" */
    " action TEXT NOT NULL,"
    " target TEXT NOT NULL);"
    /* bumped by every community change so page caches know */
    "CREATE TABLE community_gen(id INTEGER PRIMARY KEY CHECK(id = 1),"
    " n INTEGER NOT NULL);"
    "INSERT INTO community_gen VALUES(1, 0);",

    /* 4: e-mail digests: subscribers, and the sent-log per (subscriber,
     * period) and per (subscriber, paper) (store_mail.h, docs/MAIL.md) */
    "CREATE TABLE subscribers("
    " id INTEGER PRIMARY KEY,"
    " email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " state INTEGER NOT NULL DEFAULT 0,"     /* enum pb_sub_state */
    " freq INTEGER NOT NULL DEFAULT 0,"      /* 0 daily, 1 weekly */
    " top_n INTEGER NOT NULL DEFAULT 10,"
    " max_papers INTEGER NOT NULL DEFAULT 20,"
    " categories TEXT NOT NULL DEFAULT '',"  /* space-separated */
    " authors TEXT NOT NULL DEFAULT '',"     /* newline-separated */
    " keywords TEXT NOT NULL DEFAULT '',"    /* newline-separated */
    " created INTEGER NOT NULL,"
    " confirmed INTEGER, confirm_sent INTEGER,"
    " refusals INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT);"
    "CREATE TABLE mail_digests("
    " sub INTEGER NOT NULL REFERENCES subscribers(id),"
    " period TEXT NOT NULL,"                 /* D2024-06-03, W2024-W23 */
    " state INTEGER NOT NULL,"               /* enum pb_digest_state */
    " message_id TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_try INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL, sent_at INTEGER,"
    " PRIMARY KEY(sub, period)) WITHOUT ROWID;"
    "CREATE INDEX mail_digests_due ON mail_digests(next_try) WHERE state = 0;"
    "CREATE TABLE mail_papers("
    " sub INTEGER NOT NULL REFERENCES subscribers(id),"
    " pid INTEGER NOT NULL,"
    " period TEXT NOT NULL,"
    " pos INTEGER NOT NULL,"
    " PRIMARY KEY(sub, pid)) WITHOUT ROWID;"
    "CREATE INDEX mail_papers_period ON mail_papers(sub, period, pos);",

    /* 5: "not interested" marks, per member and paper, the negatives of
     * the member's recommendations (rank/member_recs.h); a member's
     * upvotes are listed through votes(member, pid) */
    "CREATE TABLE dismissals("
    " member INTEGER NOT NULL REFERENCES members(id),"
    " pid INTEGER NOT NULL REFERENCES papers(pid),"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY(member, pid)) WITHOUT ROWID;",

    /* 6: digests: a subscription made by a member, recommendations on or
     * off, followed collections, the section each mailed paper came from,
     * and who is sending a digest (store_mail.h, docs/MAIL.md) */
    "ALTER TABLE subscribers ADD COLUMN member INTEGER"
    " REFERENCES members(id);"
    "ALTER TABLE subscribers ADD COLUMN recs INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE sub_collections("
    " sub INTEGER NOT NULL REFERENCES subscribers(id),"
    " coll INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
    " since INTEGER NOT NULL,"               /* followed from */
    " PRIMARY KEY(sub, coll)) WITHOUT ROWID;"
    "CREATE INDEX sub_collections_coll ON sub_collections(coll);"
    "ALTER TABLE mail_papers ADD COLUMN src INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE mail_papers ADD COLUMN coll INTEGER;"
    "ALTER TABLE mail_digests ADD COLUMN claimed_by TEXT;"
    "ALTER TABLE mail_digests ADD COLUMN claimed_at INTEGER;",

    /* 7: listings are a set of (paper, day): a paper re-listed by Daily
     * Papers is on each of its days, with who submitted it that day, when,
     * for which organization, and the source's object of that listing
     * (passed through by the API); organizations; and ids by arXiv's rules:
     * a new-style id of four digits from 1501 on (1704.0162) was a
     * five-digit id that lost its trailing zero in a float. It becomes
     * 1704.01620, merged into that paper when the store has it too (votes,
     * comments, collections, submissions, marks and listings follow; the
     * old row stays as a deleted paper so the search index drops it). */
    "CREATE TABLE listings("
    " pid INTEGER NOT NULL REFERENCES papers(pid),"
    " day TEXT NOT NULL,"                    /* YYYY-MM-DD */
    " submitter TEXT,"
    " submitted_at INTEGER,"
    " org TEXT,"                             /* orgs(name) */
    " src TEXT,"                             /* JSON object of the source */
    " PRIMARY KEY(pid, day)) WITHOUT ROWID;"
    "CREATE INDEX listings_day ON listings(day, pid);"
    "CREATE INDEX listings_org ON listings(org, day) WHERE org IS NOT NULL;"
    "CREATE TABLE orgs("
    " name TEXT PRIMARY KEY,"
    " fullname TEXT,"
    " src TEXT) WITHOUT ROWID;"              /* JSON object of the source */
    "CREATE TEMP TABLE m7_short AS SELECT pid, id FROM papers"
    " WHERE id GLOB '[0-9][0-9][0-9][0-9].[0-9][0-9][0-9][0-9]'"
    " AND substr(id, 1, 4) >= '1501';"
    "CREATE TEMP TABLE m7_dup AS SELECT s.pid AS old, k.pid AS new"
    " FROM m7_short s JOIN papers k ON k.id = s.id || '0';"
    "UPDATE papers SET"
    " title = coalesce(papers.title, d.title),"
    " abstract = CASE WHEN papers.abstract = '' THEN d.abstract"
    "  ELSE papers.abstract END,"
    " authors = CASE WHEN papers.authors = '' THEN d.authors"
    "  ELSE papers.authors END,"
    " version = max(papers.version, d.version),"
    " categories = coalesce(papers.categories, d.categories),"
    " published = coalesce(min(papers.published, d.published),"
    "  papers.published, d.published),"
    " updated = coalesce(max(papers.updated, d.updated),"
    "  papers.updated, d.updated),"
    " listed_day = coalesce(min(papers.listed_day, d.listed_day),"
    "  papers.listed_day, d.listed_day),"
    " submitter = coalesce(papers.submitter, d.submitter),"
    " upvotes = coalesce(max(papers.upvotes, d.upvotes),"
    "  papers.upvotes, d.upvotes),"
    " n_comments = coalesce(max(papers.n_comments, d.n_comments),"
    "  papers.n_comments, d.n_comments),"
    " github_repo = coalesce(papers.github_repo, d.github_repo),"
    " github_stars = coalesce(max(papers.github_stars, d.github_stars),"
    "  papers.github_stars, d.github_stars),"
    " project_page = coalesce(papers.project_page, d.project_page),"
    " doi = coalesce(papers.doi, d.doi),"
    " journal_ref = coalesce(papers.journal_ref, d.journal_ref),"
    " comments = coalesce(papers.comments, d.comments),"
    " license = coalesce(papers.license, d.license),"
    " keywords = coalesce(papers.keywords, d.keywords),"
    " summary = coalesce(papers.summary, d.summary),"
    " links = coalesce(papers.links, d.links),"
    " sources = papers.sources | d.sources,"
    " deleted = min(papers.deleted, d.deleted),"
    " seq = (SELECT max(seq) + 1 FROM papers)"
    " FROM (SELECT m.new, o.* FROM m7_dup m JOIN papers o ON o.pid = m.old) d"
    " WHERE papers.pid = d.new;"
    /* children of the old row move to the kept one; a row the kept one
     * has already (a member's vote on both) is dropped */
    "INSERT INTO votes(member, pid, at) SELECT v.member, m.new, v.at"
    " FROM votes v JOIN m7_dup m ON v.pid = m.old WHERE NOT EXISTS"
    " (SELECT 1 FROM votes w WHERE w.member = v.member AND w.pid = m.new);"
    "DELETE FROM votes WHERE pid IN (SELECT old FROM m7_dup);"
    "UPDATE comments SET pid = (SELECT new FROM m7_dup WHERE old = pid)"
    " WHERE pid IN (SELECT old FROM m7_dup);"
    "INSERT INTO submissions(pid, member, at, day)"
    " SELECT m.new, s.member, s.at, s.day"
    " FROM submissions s JOIN m7_dup m ON s.pid = m.old WHERE NOT EXISTS"
    " (SELECT 1 FROM submissions t WHERE t.pid = m.new);"
    "DELETE FROM submissions WHERE pid IN (SELECT old FROM m7_dup);"
    "INSERT INTO collection_items(coll, pid, added)"
    " SELECT i.coll, m.new, i.added FROM collection_items i"
    " JOIN m7_dup m ON i.pid = m.old WHERE NOT EXISTS"
    " (SELECT 1 FROM collection_items j WHERE j.coll = i.coll"
    "  AND j.pid = m.new);"
    "DELETE FROM collection_items WHERE pid IN (SELECT old FROM m7_dup);"
    "INSERT INTO dismissals(member, pid, at)"
    " SELECT x.member, m.new, x.at FROM dismissals x"
    " JOIN m7_dup m ON x.pid = m.old WHERE NOT EXISTS"
    " (SELECT 1 FROM dismissals y WHERE y.member = x.member"
    "  AND y.pid = m.new);"
    "DELETE FROM dismissals WHERE pid IN (SELECT old FROM m7_dup);"
    "INSERT INTO mail_papers(sub, pid, period, pos, src, coll)"
    " SELECT x.sub, m.new, x.period, x.pos, x.src, x.coll FROM mail_papers x"
    " JOIN m7_dup m ON x.pid = m.old WHERE NOT EXISTS"
    " (SELECT 1 FROM mail_papers y WHERE y.sub = x.sub AND y.pid = m.new);"
    "DELETE FROM mail_papers WHERE pid IN (SELECT old FROM m7_dup);"
    "INSERT INTO paper_stats(pid) SELECT DISTINCT m.new FROM m7_dup m"
    " JOIN paper_stats s ON s.pid = m.old WHERE NOT EXISTS"
    " (SELECT 1 FROM paper_stats t WHERE t.pid = m.new);"
    "UPDATE paper_stats SET"
    " votes = (SELECT count(*) FROM votes v WHERE v.pid = paper_stats.pid),"
    " comments = paper_stats.comments + coalesce((SELECT sum(o.comments)"
    "  FROM paper_stats o JOIN m7_dup m ON o.pid = m.old"
    "  WHERE m.new = paper_stats.pid), 0),"
    " hidden = max(paper_stats.hidden, coalesce((SELECT max(o.hidden)"
    "  FROM paper_stats o JOIN m7_dup m ON o.pid = m.old"
    "  WHERE m.new = paper_stats.pid), 0)),"
    " submitted_by = coalesce(paper_stats.submitted_by, (SELECT"
    "  max(o.submitted_by) FROM paper_stats o JOIN m7_dup m ON o.pid = m.old"
    "  WHERE m.new = paper_stats.pid)),"
    " submitted_at = coalesce(paper_stats.submitted_at, (SELECT"
    "  min(o.submitted_at) FROM paper_stats o JOIN m7_dup m ON o.pid = m.old"
    "  WHERE m.new = paper_stats.pid))"
    " WHERE pid IN (SELECT new FROM m7_dup);"
    "DELETE FROM paper_stats WHERE pid IN (SELECT old FROM m7_dup);"
    "INSERT INTO listings(pid, day, submitter)"
    " SELECT m.new, o.listed_day, o.submitter"
    " FROM m7_dup m JOIN papers o ON o.pid = m.old"
    " WHERE o.listed_day IS NOT NULL;"
    "UPDATE papers SET deleted = 1, listed_day = NULL,"
    " seq = (SELECT max(seq) + 1 FROM papers)"
    " WHERE pid IN (SELECT old FROM m7_dup);"
    /* a short id without its twin is renamed */
    "UPDATE papers SET id = id || '0', seq = (SELECT max(seq) + 1 FROM papers)"
    " WHERE pid IN (SELECT pid FROM m7_short)"
    " AND pid NOT IN (SELECT old FROM m7_dup);"
    /* today's one listing per paper becomes its first listing */
    "INSERT INTO listings(pid, day, submitter, submitted_at)"
    " SELECT p.pid, p.listed_day, p.submitter, s.submitted_at"
    " FROM papers p LEFT JOIN paper_stats s ON s.pid = p.pid"
    " WHERE p.listed_day IS NOT NULL AND p.deleted = 0"
    " ON CONFLICT DO NOTHING;"
    "DROP TABLE m7_dup;"
    "DROP TABLE m7_short;",

    /* 8: images of papers (store_media.h). One row per image a
     * paper has or may have: the source's thumbnail (kind 0), the source's
     * media URLs (kind 1, pos in their order), the first page of the arXiv
     * PDF (kind 2). state: 0 to fetch, 1 stored as DB.media/FILE, 2
     * refused for good (not an image, too big, 404), 3 failed (retried) */
    "CREATE TABLE media("
    " pid INTEGER NOT NULL REFERENCES papers(pid),"
    " kind INTEGER NOT NULL,"
    " pos INTEGER NOT NULL DEFAULT 0,"
    " url TEXT NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " file TEXT,"                            /* content-hashed name */
    " type TEXT,"                            /* image/png, ... */
    " width INTEGER, height INTEGER, bytes INTEGER,"
    " tries INTEGER NOT NULL DEFAULT 0,"
    " at INTEGER,"                           /* last attempt, Unix s */
    " error TEXT,"
    " PRIMARY KEY(pid, kind, pos)) WITHOUT ROWID;"
    "CREATE INDEX media_todo ON media(state, pid) WHERE state IN (0, 3);",

    /* 9: several servers on one store (store_cluster.h): job leases, so
     * that scheduled work runs once across them, and rate-limit events,
     * so that limits count across them */
    "CREATE TABLE leases("
    " name TEXT PRIMARY KEY,"
    " holder TEXT NOT NULL,"
    " expires INTEGER NOT NULL,"             /* Unix s */
    " done INTEGER NOT NULL DEFAULT 0);"     /* the last slot finished */
    "CREATE TABLE rate_events("
    " key TEXT NOT NULL,"                    /* BLAKE2b-128 of the key, hex */
    " at INTEGER NOT NULL);"
    "CREATE INDEX rate_events_key ON rate_events(key, at);"
    "CREATE INDEX rate_events_at ON rate_events(at);",
};

int pb_store_schema_version(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

int pb_store_migrate(struct pb_store *st, struct pb_err *err);

static int migrate_limit;

void pb_store_test_migrate_limit(int n)
{
    migrate_limit = n;
}

int pb_store_migrate(struct pb_store *st, struct pb_err *err)
{
    int have = pb_store_user_version(st);
    int want = pb_store_schema_version();
    if (migrate_limit > 0 && migrate_limit < want)
        want = migrate_limit;
    if (have > want)
        return pb_err_set(err, PB_EUNSUP,
                          "database schema version %d is newer than this "
                          "paperboy (%d): upgrade paperboy",
                          have, want);
    for (int v = have; v < want; v++) {
        char *msg = NULL;
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d;", v + 1);
        if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) ||
            sqlite3_exec(st->db, migrations[v], NULL, NULL, &msg) ||
            sqlite3_exec(st->db, pragma, NULL, NULL, &msg) ||
            sqlite3_exec(st->db, "COMMIT", NULL, NULL, &msg)) {
            pb_err_set(err, PB_EDB, "migration %d failed: %s", v + 1,
                       msg ? msg : sqlite3_errmsg(st->db));
            sqlite3_free(msg);
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return PB_EDB;
        }
    }
    return PB_OK;
}

/* --- PostgreSQL ------------------------------------------------------------
 * No PostgreSQL store predates version 8, so a new one is made at version 8
 * in one step (pg_base: the tables as migrations 1-8 leave them), and each
 * later migration gives both forms: its SQLite text above and its
 * PostgreSQL text in pg_later (the count is checked when compiling).
 * Integers are BIGINT, INTEGER PRIMARY KEY rowids are identity columns,
 * BLOB is BYTEA; text compares bytewise (COLLATE "C", as SQLite's BINARY)
 * and the NOCASE columns are citext (ASCII case folding under "C"). The
 * version is the one row of pb_schema. */
#define PG_BASE_VERSION 8
#define T "TEXT COLLATE \"C\""
#define ID "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

static const char pg_base[] =
    "CREATE EXTENSION IF NOT EXISTS citext;"
    "CREATE TABLE papers("
    " pid " ID ","
    " id " T " NOT NULL UNIQUE,"
    " version BIGINT NOT NULL DEFAULT 0,"
    " title " T " NOT NULL,"
    " abstract " T " NOT NULL DEFAULT '',"
    " authors " T " NOT NULL DEFAULT '',"
    " categories " T ","
    " published BIGINT, updated BIGINT,"
    " listed_day " T ","
    " submitter " T ", upvotes BIGINT, n_comments BIGINT,"
    " github_repo " T ", github_stars BIGINT, project_page " T ","
    " doi " T ", journal_ref " T ", comments " T ", license " T ","
    " keywords " T ", summary " T ", links " T ","
    " sources BIGINT NOT NULL DEFAULT 0,"
    " seq BIGINT NOT NULL,"
    " deleted BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX papers_listed ON papers(listed_day)"
    " WHERE listed_day IS NOT NULL;"
    "CREATE INDEX papers_seq ON papers(seq);"
    "CREATE TABLE meta(key " T " PRIMARY KEY, value " T " NOT NULL);"
    "CREATE TABLE imports("
    " id " ID ","
    " at BIGINT NOT NULL,"
    " file " T " NOT NULL,"
    " format " T " NOT NULL,"
    " added BIGINT NOT NULL, updated BIGINT NOT NULL,"
    " unchanged BIGINT NOT NULL, rejected BIGINT NOT NULL);"
    "CREATE TABLE members("
    " id " ID ","
    " name citext COLLATE \"C\" NOT NULL UNIQUE,"
    " email " T " NOT NULL,"
    " pwhash " T " NOT NULL,"
    " role BIGINT NOT NULL DEFAULT 0,"
    " disabled BIGINT NOT NULL DEFAULT 0,"
    " created BIGINT NOT NULL);"
    "CREATE TABLE sessions("
    " hash BYTEA PRIMARY KEY,"
    " member BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
    " created BIGINT NOT NULL, expires BIGINT NOT NULL);"
    "CREATE INDEX sessions_member ON sessions(member);"
    "CREATE TABLE votes("
    " member BIGINT NOT NULL REFERENCES members(id),"
    " pid BIGINT NOT NULL REFERENCES papers(pid),"
    " at BIGINT NOT NULL,"
    " UNIQUE(member, pid));"
    "CREATE INDEX votes_pid ON votes(pid);"
    "CREATE TABLE paper_stats("
    " pid BIGINT PRIMARY KEY REFERENCES papers(pid),"
    " votes BIGINT NOT NULL DEFAULT 0,"
    " comments BIGINT NOT NULL DEFAULT 0,"
    " hidden BIGINT NOT NULL DEFAULT 0,"
    " submitted_by BIGINT REFERENCES members(id),"
    " submitted_at BIGINT);"
    "CREATE INDEX paper_stats_hidden ON paper_stats(pid) WHERE hidden = 1;"
    "CREATE TABLE comments("
    " id " ID ","
    " pid BIGINT NOT NULL REFERENCES papers(pid),"
    " member BIGINT NOT NULL REFERENCES members(id),"
    " body " T " NOT NULL,"
    " created BIGINT NOT NULL, edited BIGINT,"
    " hidden BIGINT NOT NULL DEFAULT 0,"
    " deleted BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX comments_pid ON comments(pid, id);"
    "CREATE INDEX comments_member ON comments(member, created);"
    "CREATE TABLE submissions("
    " pid BIGINT PRIMARY KEY REFERENCES papers(pid),"
    " member BIGINT NOT NULL REFERENCES members(id),"
    " at BIGINT NOT NULL, day " T " NOT NULL);"
    "CREATE INDEX submissions_member ON submissions(member, at);"
    "CREATE TABLE collections("
    " id " ID ","
    " member BIGINT NOT NULL REFERENCES members(id),"
    " name " T " NOT NULL,"
    " public BIGINT NOT NULL DEFAULT 0,"
    " created BIGINT NOT NULL,"
    " UNIQUE(member, name));"
    "CREATE TABLE collection_items("
    " coll BIGINT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
    " pid BIGINT NOT NULL REFERENCES papers(pid),"
    " added BIGINT NOT NULL,"
    " PRIMARY KEY(coll, pid));"
    "CREATE TABLE follows("
    " member BIGINT NOT NULL REFERENCES members(id),"
    " kind BIGINT NOT NULL,"
    " target " T " NOT NULL,"
    " PRIMARY KEY(member, kind, target));"
    "CREATE TABLE modlog("
    " id " ID ","
    " at BIGINT NOT NULL,"
    " actor " T " NOT NULL,"
    " action " T " NOT NULL,"
    " target " T " NOT NULL);"
    "CREATE TABLE community_gen(id BIGINT PRIMARY KEY CHECK(id = 1),"
    " n BIGINT NOT NULL);"
    "INSERT INTO community_gen VALUES(1, 0);"
    "CREATE TABLE subscribers("
    " id " ID ","
    " email citext COLLATE \"C\" NOT NULL UNIQUE,"
    " state BIGINT NOT NULL DEFAULT 0,"
    " freq BIGINT NOT NULL DEFAULT 0,"
    " top_n BIGINT NOT NULL DEFAULT 10,"
    " max_papers BIGINT NOT NULL DEFAULT 20,"
    " categories " T " NOT NULL DEFAULT '',"
    " authors " T " NOT NULL DEFAULT '',"
    " keywords " T " NOT NULL DEFAULT '',"
    " created BIGINT NOT NULL,"
    " confirmed BIGINT, confirm_sent BIGINT,"
    " refusals BIGINT NOT NULL DEFAULT 0,"
    " last_error " T ","
    " member BIGINT REFERENCES members(id),"
    " recs BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE mail_digests("
    " sub BIGINT NOT NULL REFERENCES subscribers(id),"
    " period " T " NOT NULL,"
    " state BIGINT NOT NULL,"
    " message_id " T " NOT NULL,"
    " attempts BIGINT NOT NULL DEFAULT 0,"
    " next_try BIGINT NOT NULL DEFAULT 0,"
    " created BIGINT NOT NULL, sent_at BIGINT,"
    " claimed_by " T ", claimed_at BIGINT,"
    " PRIMARY KEY(sub, period));"
    "CREATE INDEX mail_digests_due ON mail_digests(next_try) WHERE state = 0;"
    "CREATE TABLE mail_papers("
    " sub BIGINT NOT NULL REFERENCES subscribers(id),"
    " pid BIGINT NOT NULL,"
    " period " T " NOT NULL,"
    " pos BIGINT NOT NULL,"
    " src BIGINT NOT NULL DEFAULT 0,"
    " coll BIGINT,"
    " PRIMARY KEY(sub, pid));"
    "CREATE INDEX mail_papers_period ON mail_papers(sub, period, pos);"
    "CREATE TABLE dismissals("
    " member BIGINT NOT NULL REFERENCES members(id),"
    " pid BIGINT NOT NULL REFERENCES papers(pid),"
    " at BIGINT NOT NULL,"
    " PRIMARY KEY(member, pid));"
    "CREATE TABLE sub_collections("
    " sub BIGINT NOT NULL REFERENCES subscribers(id),"
    " coll BIGINT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
    " since BIGINT NOT NULL,"
    " PRIMARY KEY(sub, coll));"
    "CREATE INDEX sub_collections_coll ON sub_collections(coll);"
    "CREATE TABLE listings("
    " pid BIGINT NOT NULL REFERENCES papers(pid),"
    " day " T " NOT NULL,"
    " submitter " T ","
    " submitted_at BIGINT,"
    " org " T ","
    " src " T ","
    " PRIMARY KEY(pid, day));"
    "CREATE INDEX listings_day ON listings(day, pid);"
    "CREATE INDEX listings_org ON listings(org, day) WHERE org IS NOT NULL;"
    "CREATE TABLE orgs("
    " name " T " PRIMARY KEY,"
    " fullname " T ","
    " src " T ");"
    "CREATE TABLE media("
    " pid BIGINT NOT NULL REFERENCES papers(pid),"
    " kind BIGINT NOT NULL,"
    " pos BIGINT NOT NULL DEFAULT 0,"
    " url " T " NOT NULL,"
    " state BIGINT NOT NULL DEFAULT 0,"
    " file " T ","
    " type " T ","
    " width BIGINT, height BIGINT, bytes BIGINT,"
    " tries BIGINT NOT NULL DEFAULT 0,"
    " at BIGINT,"
    " error " T ","
    " PRIMARY KEY(pid, kind, pos));"
    "CREATE INDEX media_todo ON media(state, pid) WHERE state IN (0, 3);";

/* Migrations 9 on: the PostgreSQL text of each, in order, then NULL. */
static const char *const pg_later[] = {
    /* 9: job leases and rate-limit events (store_cluster.h) */
    "CREATE TABLE leases("
    " name " T " PRIMARY KEY,"
    " holder " T " NOT NULL,"
    " expires BIGINT NOT NULL,"
    " done BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE rate_events("
    " key " T " NOT NULL,"
    " at BIGINT NOT NULL);"
    "CREATE INDEX rate_events_key ON rate_events(key, at);"
    "CREATE INDEX rate_events_at ON rate_events(at);",
    NULL,
};
#define PG_LATER_N (sizeof pg_later / sizeof pg_later[0] - 1)

_Static_assert(PG_BASE_VERSION + PG_LATER_N ==
                   sizeof migrations / sizeof migrations[0],
               "a migration needs its PostgreSQL form in pg_later");

#undef T
#undef ID

int pb_pg_migrate(struct pb_store *st, struct pb_err *err)
{
    int want = pb_store_schema_version();
    int have = pb_pg_user_version(st);
    if (have < 0)
        return pb_err_set(err, PB_EDB, "PostgreSQL: cannot read the schema "
                          "version: %s", pb_stmt_errmsg(st));
    if (have > want)
        return pb_err_set(err, PB_EUNSUP,
                          "database schema version %d is newer than this "
                          "paperboy (%d): upgrade paperboy",
                          have, want);
    if (have == want)
        return PB_OK;
    /* servers starting together: one migrates, the others wait for it
     * and then find the version current */
    int rc = pb_pg_exec(st, "BEGIN");
    if (!rc)
        rc = pb_stmt_one(st, "SELECT pg_advisory_xact_lock(?1)",
                         PB_ARGS(pb_int(PB_PG_LOCK_MIGRATE)), NULL, NULL);
    if (!rc)
        rc = pb_pg_exec(st, "CREATE TABLE IF NOT EXISTS pb_schema("
                            " id BIGINT PRIMARY KEY CHECK(id = 1),"
                            " version BIGINT NOT NULL)");
    int64_t v = 0;
    if (!rc) {
        rc = pb_stmt_int(st, "SELECT version FROM pb_schema", PB_NOARGS, &v);
        if (rc == PB_ENOTFOUND)
            rc = PB_OK;
    }
    if (!rc && v == 0) {
        rc = pb_pg_exec(st, pg_base);
        v = PG_BASE_VERSION;
        if (!rc)
            rc = pb_stmt_exec(st, "INSERT INTO pb_schema VALUES(1, ?1)",
                              PB_ARGS(pb_int(v)));
    }
    for (; !rc && v < want; v++) {
        rc = pb_pg_exec(st, pg_later[v - PG_BASE_VERSION]);
        if (rc) {
            pb_err_set(err, PB_EDB, "migration %d failed: %s", (int)v + 1,
                       pb_stmt_errmsg(st));
            pb_pg_rollback(st);
            return PB_EDB;
        }
        rc = pb_stmt_exec(st, "UPDATE pb_schema SET version = ?1",
                          PB_ARGS(pb_int(v + 1)));
    }
    if (!rc)
        rc = pb_pg_commit(st);
    if (rc) {
        pb_err_set(err, PB_EDB, "PostgreSQL: creating the schema failed: %s",
                   pb_stmt_errmsg(st));
        pb_pg_rollback(st);
    }
    return rc;
}
