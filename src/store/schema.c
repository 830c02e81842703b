/* schema.c - the versioned schema and its forward migrations.
 *
 * PRAGMA user_version holds the number of migrations applied. A database
 * from an older paperboy is migrated in place at open, each step in its own
 * transaction. Never edit a released step: add a new one. */
#include <stdio.h>

#include "store/store_int.h"

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

    /* 7 (helper "daily-look"; at index 6 until migration 6 is merged in
     * before it): images of papers (store_media.h). One row per image a
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
};

int pb_store_schema_version(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

int pb_store_migrate(struct pb_store *st, struct pb_err *err);

int pb_store_migrate(struct pb_store *st, struct pb_err *err)
{
    int have = pb_store_user_version(st);
    int want = pb_store_schema_version();
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
