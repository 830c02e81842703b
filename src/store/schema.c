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
