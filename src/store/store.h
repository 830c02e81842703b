/*
 * store.h - the paper store. Every SQL statement of paperboy lives in
 * src/store/; everything else talks to this header.
 *
 * SQLite in WAL mode with foreign keys on; the schema is versioned and
 * migrated forward when the database is opened (PRAGMA user_version), so a
 * database made by an older paperboy opens and upgrades in place.
 *
 * A struct pb_store is one connection: use it from one thread at a time.
 * Open one per thread for concurrent readers (WAL lets readers run beside
 * the one writer).
 *
 * Each paper has a stable integer pid (the docid the search index uses) and
 * a change sequence number `seq`: every insert, update or deletion gives the
 * paper the next seq, so an index can catch up with pb_store_paper_changes().
 */
#ifndef PB_STORE_STORE_H
#define PB_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/paper.h"

struct pb_store;

#define PB_STORE_READONLY 1 /* open flags */
/* With READONLY: read through SQLite's page cache instead of mapping the
 * file (a reader that scans the whole store once, as reindex does, would
 * otherwise hold every page of it mapped: RSS the size of the store). */
#define PB_STORE_NOMMAP 2

/* Whether a --db value names a PostgreSQL database rather than a SQLite
 * file: a postgres:// or postgresql:// URL, or a libpq keyword string
 * ("host=... dbname=..."). Everything else is a path. */
int pb_store_is_url(const char *db);

/* 1 when the store cannot be reached right now (PostgreSQL: the
 * connection is down, e.g. the server restarts; the next call tries to
 * connect again), so that an error is "try again" (HTTP 503) rather than a
 * fault. Always 0 for SQLite. */
int pb_store_unavailable(struct pb_store *st);

/* Open (creating when missing, unless read-only) and migrate: db is a
 * SQLite path or a PostgreSQL URL (pb_store_is_url; docs/STORE.md). a file from
 * an older paperboy is migrated in place even when opened read-only (through
 * a short read-write open first); one from a newer paperboy is refused with
 * PB_EUNSUP. The caller frees with pb_store_close(). On failure *out is NULL
 * and err says why. */
int pb_store_open(const char *path, int flags, struct pb_store **out,
                  struct pb_err *err) PB_WUR;
void pb_store_close(struct pb_store *st);

/* Tests only: stop migrating at version n (0: run them all), to make a
 * file as an older paperboy left it. Not thread-safe; call before opening. */
void pb_store_test_migrate_limit(int n);

/* The schema version this build writes, and the one of an open store. */
int pb_store_schema_version(void);
int pb_store_user_version(struct pb_store *st);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK (PostgreSQL: BEGIN;
 * only a transaction that gives papers a seq takes the advisory lock that
 * makes such writers on every server take turns, and notifies the other
 * servers when it commits; docs/STORE.md). */
int pb_store_begin(struct pb_store *st) PB_WUR;
int pb_store_commit(struct pb_store *st) PB_WUR;
void pb_store_rollback(struct pb_store *st);

/* A read transaction (BEGIN DEFERRED) unless one is open already: the
 * reads until pb_store_read_end() see one snapshot and take SQLite's file
 * locks once instead of once per statement (ten point lookups per search
 * answer). *out_began says whether this call began one; pass it on to
 * pb_store_read_end(), which then ends it. PB_EDB when SQLite refuses. */
int pb_store_read_begin(struct pb_store *st, int *out_began) PB_WUR;
void pb_store_read_end(struct pb_store *st, int began);

/* Bulk mode for long imports: checkpoint the WAL rarely (every ~128 MB
 * instead of every 16 MB), since each checkpoint waits for the disk; off
 * restores the default and checkpoints once. Durability is unchanged: a
 * committed transaction survives a crash of the process either way. */
int pb_store_set_bulk(struct pb_store *st, int on) PB_WUR;

/* Text of the last database error on this connection (borrowed). */
const char *pb_store_errmsg(struct pb_store *st);

enum pb_upsert { PB_UPSERT_ADDED, PB_UPSERT_UPDATED, PB_UPSERT_UNCHANGED };

/*
 * Insert p, or merge it into the stored paper with the same id. Merge rules
 * (docs/STORE.md) do not depend on the order sources arrive in: a fresher
 * source (higher arXiv version, or same version and later `updated`)
 * replaces what it says, a staler one only fills what is missing, between
 * equals the greater value wins; counts and `updated` take the maximum,
 * `published` and listed_day the minimum; sources are or-ed. *out tells
 * whether the row was added, changed, or already held exactly this. p is
 * borrowed.
 * Call inside a transaction for speed. out_pid may be NULL.
 */
int pb_store_paper_upsert(struct pb_store *st, const struct pb_paper *p,
                          enum pb_upsert *out, int64_t *out_pid) PB_WUR;

/* pb_store_paper_upsert for each of v[0..n-1] in order, with the same
 * outcome (rows, pids, seqs, listings, organizations, images, and out[i]
 * for each), in a few statements: one read of the stored rows of the
 * batch's ids (and of their listings), the merge in memory, then
 * multi-row inserts of the new and changed rows (a few hundred rows a
 * statement). The same id may come more than once. v is borrowed; out has
 * n entries. Call inside a transaction (else it makes its own); on an
 * error nothing of the batch may be assumed written: roll back.
 * On SQLite, where one-row statements are faster (no round trips to save),
 * it is one pb_store_paper_upsert after the other, unless a test turns the
 * multi-row path on (pb_store_test_batch_multirow; not thread-safe). */
int pb_store_paper_upsert_batch(struct pb_store *st,
                                const struct pb_paper *const *v, size_t n,
                                enum pb_upsert *out) PB_WUR;
void pb_store_test_batch_multirow(int on);

/* Load a paper by id in any spelling pb_arxiv_id_parse() knows, or by a
 * title id. out must be initialised; it is cleared first. PB_ENOTFOUND
 * when there is none (or it was deleted). out_pid may be NULL. */
int pb_store_paper_get(struct pb_store *st, const char *id,
                       struct pb_paper *out, int64_t *out_pid) PB_WUR;
int pb_store_paper_get_pid(struct pb_store *st, int64_t pid,
                           struct pb_paper *out) PB_WUR;

/* Mark a paper deleted (OAI-PMH deleted records); PB_ENOTFOUND if unknown. */
int pb_store_paper_delete(struct pb_store *st, const char *id) PB_WUR;

/* Called for each paper; p and its strings are borrowed for the call.
 * Return PB_OK to go on, anything else to stop (the iteration returns it). */
typedef int (*pb_store_paper_fn)(void *ctx, int64_t pid, int64_t seq,
                                 int deleted, const struct pb_paper *p);

/* Every live paper in pid order, optionally only those listed on the daily
 * feed or updated on or after since (Unix seconds; 0 = all). */
int pb_store_paper_each(struct pb_store *st, int64_t since,
                        pb_store_paper_fn fn, void *ctx) PB_WUR;

/* Every paper (deleted ones too, with deleted = 1) whose seq > after_seq,
 * in seq order. */
int pb_store_paper_changes(struct pb_store *st, int64_t after_seq,
                           pb_store_paper_fn fn, void *ctx) PB_WUR;
/* Highest seq given so far (0 for an empty store). */
int pb_store_max_seq(struct pb_store *st, int64_t *out) PB_WUR;

struct pb_store_stats {
    int64_t papers;        /* live papers */
    int64_t deleted;
    int64_t authors;       /* distinct author names */
    int64_t days_listed;   /* distinct listed days */
    char first_day[11], last_day[11];   /* listed days, "" when none */
    int64_t first_published, last_published; /* 0 when none */
    int64_t with_arxiv_id, with_code, listed;
    int64_t listings;      /* (paper, day) pairs of live papers */
    int64_t by_source[8];  /* papers per enum pb_source bit, in bit order */
};

int pb_store_stats(struct pb_store *st, struct pb_store_stats *out) PB_WUR;

/* Papers with an arXiv id whose categories are missing (Daily Papers
 * brings none), pid > after, in pid order: up to cap of them into pids[]
 * and ids[] (caller storage); *n says how many. */
int pb_store_missing_meta(struct pb_store *st, int64_t after, size_t cap,
                          int64_t *pids, char (*ids)[PB_MAX_ID],
                          size_t *n) PB_WUR;

/* Record one finished import (file, format, counts) in the import log. */
int pb_store_import_log(struct pb_store *st, const char *file,
                        const char *format, int64_t added, int64_t updated,
                        int64_t unchanged, int64_t rejected) PB_WUR;

/* Key/value settings kept in the store (harvest cursors, index state).
 * get: *out is a heap string the caller frees, PB_ENOTFOUND when unset. */
int pb_store_meta_get(struct pb_store *st, const char *key, char **out) PB_WUR;
int pb_store_meta_set(struct pb_store *st, const char *key,
                      const char *value) PB_WUR;

#endif
