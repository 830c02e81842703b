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
    struct pb_replica *rep; /* a read replica (store_replica.c), or NULL */
    sqlite3 *db;
    int in_txn;
    int64_t seq;        /* highest seq, valid inside a transaction */
    int seq_loaded;
    /* the statement helper's cache (store_stmt.c), made on first use */
    struct pb_stmt_cache *stmts;
};

/* The columns every paper query selects, in the order pb_store_read_paper
 * expects, and the reader. */
#define PB_PAPER_COLS                                                        \
    "pid, id, version, title, abstract, authors, categories, published, "    \
    "updated, listed_day, submitter, upvotes, n_comments, github_repo, "     \
    "github_stars, project_page, doi, journal_ref, comments, license, "      \
    "keywords, summary, links, sources, seq, deleted"
void pb_store_read_paper(const struct pb_row *r, struct pb_paper *p,
                         int64_t *pid, int64_t *seq, int *deleted);

/* The columns an insert of a paper names, in the order of
 * pb_store_paper_args: PB_PAPER_COLS without pid and deleted, seq last. */
#define PB_PAPER_INSERT_COLS                                                 \
    "id, version, title, abstract, authors, categories, published, "         \
    "updated, listed_day, submitter, upvotes, n_comments, github_repo, "     \
    "github_stars, project_page, doi, journal_ref, comments, license, "      \
    "keywords, summary, links, sources, seq"
#define PB_PAPER_NARGS 24

/* p as the arguments of PB_PAPER_INSERT_COLS (NULL for what it does not
 * say), with seq; the joined lists are kept here until
 * pb_store_paper_args_free (p is borrowed meanwhile). */
struct pb_paper_args {
    struct pb_arg a[PB_PAPER_NARGS];
    char *authors, *keywords, *links;
};
void pb_store_paper_args(struct pb_paper_args *x, const struct pb_paper *p,
                         int64_t seq);
void pb_store_paper_args_free(struct pb_paper_args *x);

/* p as storing and reading it back gives it (an absent abstract is "",
 * lists lose their empty entries): what the merge compares with. */
void pb_store_paper_normalize(struct pb_paper *p);

/* The merge rules (docs/STORE.md): what in says, merged into m; and
 * whether two papers hold the same stored fields. */
void pb_store_merge(struct pb_paper *m, const struct pb_paper *in);
int pb_store_paper_eq(const struct pb_paper *a, const struct pb_paper *b);

/* The highest seq into st->seq (and st->seq_loaded). Call it before
 * reading a paper that the transaction may write: on PostgreSQL it first
 * takes the seq lock (pb_pg_seq_lock), so that it runs alone among the
 * writers of papers on every server. */
int pb_store_load_seq(struct pb_store *st) PB_WUR;

/* The upserts' conflict clauses for orgs(name, fullname, src) and
 * listings(pid, day, submitter, submitted_at, org, src): a listing keeps
 * what a source does not say, and changes (counts as a change) only when
 * a value differs. */
#define PB_ORG_CONFLICT                                                      \
    " ON CONFLICT(name) DO UPDATE SET"                                       \
    " fullname = coalesce(excluded.fullname, orgs.fullname),"                \
    " src = excluded.src WHERE orgs.src IS DISTINCT FROM excluded.src"
#define PB_LISTING_CONFLICT                                                  \
    " ON CONFLICT(pid, day) DO UPDATE SET"                                   \
    " submitter = coalesce(excluded.submitter, listings.submitter),"         \
    " submitted_at = coalesce(excluded.submitted_at, listings.submitted_at),"\
    " org = coalesce(excluded.org, listings.org),"                           \
    " src = coalesce(excluded.src, listings.src)"                            \
    " WHERE coalesce(excluded.submitter, listings.submitter)"                \
    "  IS DISTINCT FROM listings.submitter"                                  \
    " OR coalesce(excluded.submitted_at, listings.submitted_at)"             \
    "  IS DISTINCT FROM listings.submitted_at"                               \
    " OR coalesce(excluded.org, listings.org) IS DISTINCT FROM listings.org" \
    " OR coalesce(excluded.src, listings.src) IS DISTINCT FROM listings.src"

/* Dialect pieces for the two texts of pb_sql() (docs/STORE.md): a day
 * 'YYYY-MM-DD' (a column or expression) as Unix seconds at its midnight
 * UTC. */
#define PB_SQLITE_EPOCH(day) "unixepoch(" day ")"
#define PB_PG_EPOCH(day)                                                     \
    "CAST(EXTRACT(EPOCH FROM CAST(" day " AS DATE)) AS BIGINT)"

/* The columns of one listing that listing queries add after PB_PAPER_COLS
 * (from a subquery naming them so), and their reader: day, submitter (when
 * the listing names one), submitted_at, org and src into p. */
#define PB_LISTING_COLS "lday, lsub, lat, lorg, lsrc"
#define PB_LISTING_SELECT                                                    \
    "SELECT pid AS lpid, day AS lday, submitter AS lsub,"                    \
    " submitted_at AS lat, org AS lorg, src AS lsrc FROM listings"
void pb_store_read_listing(const struct pb_row *r, int col,
                           struct pb_paper *p);

#endif
