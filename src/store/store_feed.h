/*
 * store_feed.h - the listings the web site and its feeds show: papers of a
 * day, week or month ordered by upvotes then date, the days around a day,
 * the latest day, trending, an author's papers, a category, and every paper
 * in pid order for cursor paging. All SQL of these lives in store_feed.c.
 *
 * A struct pb_feed holds prepared statements for one struct pb_store; it is
 * used from the thread that uses that store, and freed (pb_store_feed_free)
 * before the store is closed.
 */
#ifndef PB_STORE_STORE_FEED_H
#define PB_STORE_STORE_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/paper.h"
#include "store/store.h"

struct pb_feed;

/* Statements for st (borrowed; must outlive the feed). Never NULL. */
struct pb_feed *pb_store_feed_new(struct pb_store *st);
void pb_store_feed_free(struct pb_feed *f); /* NULL is a no-op */

/* Papers with their pids; caller storage (pb_feed_list_init / _clear). */
struct pb_feed_list {
    struct pb_paper *v; /* owned array of n papers */
    int64_t *pid;       /* owned array of n pids */
    size_t n;
    int more;           /* 1 when a further page exists */
};
void pb_feed_list_init(struct pb_feed_list *l);
void pb_feed_list_clear(struct pb_feed_list *l);

enum pb_feed_order {
    PB_FEED_BY_UPVOTES,   /* upvotes desc, listed_day desc, published desc */
    PB_FEED_BY_PUBLISHED, /* published desc (arXiv date), then upvotes */
    PB_FEED_BY_DAY,       /* listing day desc (listed_only), then pid */
};

/* Which papers a listing shows. Strings are borrowed for the call. */
struct pb_feed_query {
    char from[11], to[11];  /* listed_day range, inclusive; "" = unbounded */
    const char *submitter;  /* exact submitter; NULL = any */
    const char *author;     /* exact author name; NULL = any */
    const char *category;   /* one category word; NULL = any */
    enum pb_feed_order order;
    int64_t offset;         /* >= 0 */
    int limit;              /* 1..1000 */
    int listed_only;        /* only papers listed on the daily feed */
    const char *org;        /* listed for this organization (listed_only);
                               NULL = any */
};

/* Run q, appending to out (cleared first). out->more says whether another
 * page follows. PB_EINVAL for a limit or offset out of range. */
int pb_store_feed_list(struct pb_feed *f, const struct pb_feed_query *q,
                       struct pb_feed_list *out) PB_WUR;

/* The latest listed day, in out[11]; PB_ENOTFOUND when nothing is listed. */
int pb_store_feed_latest_day(struct pb_feed *f, char out[11]) PB_WUR;

/* The nearest listed day before (dir < 0) or after (dir > 0) day (which
 * need not have papers itself); PB_ENOTFOUND when there is none. */
int pb_store_feed_adjacent_day(struct pb_feed *f, const char *day, int dir,
                               char out[11]) PB_WUR;

/* Number of live papers listed in [from, to] (inclusive days). */
int pb_store_feed_count(struct pb_feed *f, const char *from, const char *to,
                        int64_t *out) PB_WUR;

/* Up to limit (1..1000) live papers with pid > after, in pid order, for
 * cursor paging; out->more as above. */
int pb_store_feed_after(struct pb_feed *f, int64_t after, int limit,
                        struct pb_feed_list *out) PB_WUR;

/* A paper by id (any spelling the store knows) and its pid; out must be
 * initialised. PB_ENOTFOUND when none. */
int pb_store_feed_paper(struct pb_feed *f, const char *id,
                        struct pb_paper *out, int64_t *out_pid) PB_WUR;

/* Fill p's listing fields (listed_day, submitter, submitted_at, org,
 * listing_src) from the paper's latest listing; p unchanged when it has
 * none. */
int pb_store_feed_listing(struct pb_feed *f, int64_t pid,
                          struct pb_paper *p) PB_WUR;

/* An organization by name: its full name and its source object (JSON),
 * heap strings the caller frees (either may be NULL). PB_ENOTFOUND when
 * the store has none of that name. */
int pb_store_feed_org(struct pb_feed *f, const char *name, char **fullname,
                      char **src) PB_WUR;

/* The stored spelling of an author name that matches name but for ASCII
 * case, into out (cap bytes); PB_ENOTFOUND when none. */
int pb_store_feed_author_spelling(struct pb_feed *f, const char *name,
                                  char *out, size_t cap) PB_WUR;

/* The store's change generation (max seq), to invalidate caches. */
int pb_store_feed_generation(struct pb_feed *f, int64_t *out) PB_WUR;

#endif
