/*
 * pgtest.h - a PostgreSQL database for a unit test suite.
 *
 * tests/run.sh starts one throwaway PostgreSQL for the whole run
 * (tests/pgserver.sh) and exports its keyword string as PB_TEST_PG. A suite
 * asks for its own database once, and empties it before each test:
 *
 *   const char *url = pb_test_pg_db("test_store_stmt");  // NULL: skip
 *   pb_test_pg_reset(url);
 *
 * Without PB_TEST_PG (PostgreSQL not installed) every PostgreSQL variant
 * calls PB_TEST_SKIP().
 */
#ifndef PB_TESTS_PGTEST_H
#define PB_TESTS_PGTEST_H

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void pb_test_pg_quiet_(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int pb_test_pg_run_(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    int ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
        PQsetNoticeProcessor(c, pb_test_pg_quiet_, NULL);
        PGresult *r = PQexec(c, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "  pgtest: %s: %s", sql, PQerrorMessage(c));
        PQclear(r);
    } else {
        fprintf(stderr, "  pgtest: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    return ok;
}

/* The keyword string of a new, empty database for this suite (made once
 * per process; dropped first if a run before left it), or NULL when there
 * is no test PostgreSQL. */
static const char *pb_test_pg_db(const char *suite)
{
    static char url[512];
    static int made;
    const char *base = getenv("PB_TEST_PG");
    if (!base || !*base)
        return NULL;
    if (made)
        return made > 0 ? url : NULL;
    char name[64], sql[160];
    snprintf(name, sizeof name, "%s_%d", suite, (int)getpid());
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    made = -1;
    if (!pb_test_pg_run_(base, sql))
        return NULL;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    if (!pb_test_pg_run_(base, sql))
        return NULL;
    snprintf(url, sizeof url, "%s dbname=%s", base, name);
    made = 1;
    return url;
}

/* Whether the paper functions of src/store/store.c and store_feed.c
 * (upsert, get, lists, feeds) run on PostgreSQL in this build: they are
 * being converted to the statement helper (issue 16). Until then, PG
 * variants that read papers through them skip, and fixtures write paper
 * rows with pb_test_pg_paper(). Set to 1 when they are. */
#ifndef PB_TEST_PG_PAPERS
#define PB_TEST_PG_PAPERS 1
#endif

/* Empty the suite's database (every table, the schema version too). */
static int pb_test_pg_reset(const char *url)
{
    return pb_test_pg_run_(url, "DROP SCHEMA public CASCADE;"
                                " CREATE SCHEMA public");
}

#endif
