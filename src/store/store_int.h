/*
 * store_int.h - internals shared by the files of src/store/ (and only them).
 */
#ifndef PB_STORE_STORE_INT_H
#define PB_STORE_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"
#include "store/store_stmt.h"

/* Which engine a store talks to (chosen by pb_store_open from its path). */
enum pb_backend { PB_BACKEND_SQLITE = 0, PB_BACKEND_PG = 1 };

struct pb_store {
    int backend;        /* enum pb_backend */
    struct pb_pg *pg;   /* PostgreSQL: connection and state (store_pg.h) */
    sqlite3 *db;
    int in_txn;
    int64_t seq;        /* highest seq, valid inside a transaction */
    int seq_loaded;
    /* prepared statements, made on first use */
    sqlite3_stmt *get_by_id, *get_by_pid, *insert, *update, *max_seq;
    sqlite3_stmt *listing_up, *org_up, *listing_of;
    sqlite3_stmt *media_note, *media_thumb, *media_extras; /* store_media.c */
    /* the statement helper's cache (store_stmt.c), made on first use */
    struct pb_stmt_cache *stmts;
};

/* Prepare sql once into *slot (kept until close); PB_EDB on error. */
int pb_store_prepare(struct pb_store *st, sqlite3_stmt **slot,
                     const char *sql) PB_WUR;

/* Bind a possibly-NULL text. */
int pb_store_bind_text(sqlite3_stmt *s, int i, const char *v);

/* The columns every paper query selects, in the order pb_store_read_paper
 * expects, and the reader. */
#define PB_PAPER_COLS                                                        \
    "pid, id, version, title, abstract, authors, categories, published, "    \
    "updated, listed_day, submitter, upvotes, n_comments, github_repo, "     \
    "github_stars, project_page, doi, journal_ref, comments, license, "      \
    "keywords, summary, links, sources, seq, deleted"
void pb_store_read_paper(sqlite3_stmt *s, struct pb_paper *p, int64_t *pid,
                         int64_t *seq, int *deleted);

/* The columns of one listing that listing queries add after PB_PAPER_COLS
 * (from a subquery naming them so), and their reader: day, submitter (when
 * the listing names one), submitted_at, org and src into p. */
#define PB_LISTING_COLS "lday, lsub, lat, lorg, lsrc"
#define PB_LISTING_SELECT                                                    \
    "SELECT pid AS lpid, day AS lday, submitter AS lsub,"                    \
    " submitted_at AS lat, org AS lorg, src AS lsrc FROM listings"
void pb_store_read_listing(sqlite3_stmt *s, int col, struct pb_paper *p);

/* The SQLite statement behind a row of the statement helper, for the
 * readers above until they take a struct pb_row (SQLite only). */
sqlite3_stmt *pb_row_raw(const struct pb_row *r);

#endif
