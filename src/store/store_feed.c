/* store_feed.c - listings for the web site and feeds (see store_feed.h). */
#include "store/store_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "store/store_int.h"

enum { Q_LISTED_UP, Q_LISTED_PUB, Q_ALL_UP, Q_ALL_PUB, Q_LISTED_DAY,
       Q_NLIST };

struct pb_feed {
    struct pb_store *st;
};

/* The filters: submitter, one author of the newline-separated list, one
 * category word. STRPOS is the dialect's substring search, the same
 * arguments on both: instr (SQLite) or strpos (PostgreSQL). The newlines
 * are in the SQL's string literals. */
#define AUTHOR_CAT(STRPOS)                                                   \
    " AND (CAST(?4 AS TEXT) IS NULL"                                         \
    "  OR " STRPOS "('\n' || authors || '\n', '\n' || ?4 || '\n') > 0)"     \
    " AND (CAST(?5 AS TEXT) IS NULL"                                         \
    "  OR " STRPOS "(' ' || coalesce(categories, '') || ' ',"               \
    "   ' ' || ?5 || ' ') > 0)"                                              \
    " AND NOT EXISTS (SELECT 1 FROM paper_stats h"                           \
    "  WHERE h.pid = papers.pid AND h.hidden = 1)"
#define FILTERS(STRPOS)                                                      \
    " AND (CAST(?3 AS TEXT) IS NULL OR submitter = ?3)" AUTHOR_CAT(STRPOS)
/* displayed upvotes = imported + local (paper_stats, store_community.c);
 * NULLS LAST is SQLite's order for DESC, said for PostgreSQL */
#define BY_UP                                                                \
    " ORDER BY coalesce(upvotes, 0) + coalesce((SELECT v.votes"              \
    "  FROM paper_stats v WHERE v.pid = papers.pid), 0) DESC,"               \
    " listed_day DESC NULLS LAST,"                                           \
    " coalesce(published, 0) DESC, pid DESC"
#define BY_PUB                                                               \
    " ORDER BY coalesce(published, 0) DESC, coalesce(upvotes, 0) DESC,"     \
    " pid DESC"
#define TAIL " LIMIT ?6 OFFSET ?7"
/* listings (a paper on each of its days): in a week or a month a paper
 * listed twice shows once, on its latest day in the range, with that
 * listing's submitter */
#define LISTED(STRPOS)                                                       \
    "SELECT " PB_PAPER_COLS ", " PB_LISTING_COLS " FROM papers JOIN ("      \
    PB_LISTING_SELECT " WHERE day BETWEEN ?1 AND ?2) l"                      \
    " ON l.lpid = papers.pid WHERE deleted = 0"                              \
    " AND l.lday = (SELECT max(x.day) FROM listings x"                       \
    "  WHERE x.pid = papers.pid AND x.day BETWEEN ?1 AND ?2)"                \
    " AND (CAST(?3 AS TEXT) IS NULL OR coalesce(lsub, submitter) = ?3)"      \
    AUTHOR_CAT(STRPOS)                                                       \
    " AND (CAST(?8 AS TEXT) IS NULL OR lorg = ?8)"
#define BY_DAY " ORDER BY lday DESC, pid DESC"
#define BY_UP_L                                                              \
    " ORDER BY coalesce(upvotes, 0) + coalesce((SELECT v.votes"              \
    "  FROM paper_stats v WHERE v.pid = papers.pid), 0) DESC,"               \
    " lday DESC, coalesce(published, 0) DESC, pid DESC"
/* ?1 and ?2 are unused here but bound all the same (typed, for
 * PostgreSQL) */
#define ALL(STRPOS)                                                          \
    "SELECT " PB_PAPER_COLS " FROM papers WHERE deleted = 0"                 \
    " AND CAST(?1 AS TEXT) IS NOT NULL AND CAST(?2 AS TEXT) IS NOT NULL"     \
    FILTERS(STRPOS)

#define LIST_SQL(STRPOS)                                                     \
    {                                                                        \
        [Q_LISTED_UP] = LISTED(STRPOS) BY_UP_L TAIL,                         \
        [Q_LISTED_PUB] = LISTED(STRPOS) BY_PUB TAIL,                         \
        [Q_LISTED_DAY] = LISTED(STRPOS) BY_DAY TAIL,                         \
        [Q_ALL_UP] = ALL(STRPOS) BY_UP TAIL,                                 \
        [Q_ALL_PUB] = ALL(STRPOS) BY_PUB TAIL,                               \
    }
static const char *const list_sqlite[Q_NLIST] = LIST_SQL("instr");
static const char *const list_pg[Q_NLIST] = LIST_SQL("strpos");

struct pb_feed *pb_store_feed_new(struct pb_store *st)
{
    struct pb_feed *f = pb_calloc(1, sizeof *f);
    f->st = st;
    return f;
}

void pb_store_feed_free(struct pb_feed *f)
{
    free(f); /* the statements belong to the store */
}

void pb_feed_list_init(struct pb_feed_list *l)
{
    memset(l, 0, sizeof *l);
}

void pb_feed_list_clear(struct pb_feed_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        pb_paper_clear(&l->v[i]);
    free(l->v);
    free(l->pid);
    memset(l, 0, sizeof *l);
}

/* Rows into a list: up to limit of them; one row more sets out->more. */
struct rows {
    struct pb_feed_list *out;
    size_t limit;
    int listing; /* the listing's columns follow the paper's */
};

enum { STOP = -1 }; /* a row callback's "enough rows" (not an error) */

static int list_row(void *ctx, const struct pb_row *r)
{
    struct rows *x = ctx;
    struct pb_feed_list *out = x->out;
    if (out->n == x->limit) {
        out->more = 1;
        return STOP;
    }
    struct pb_paper *p = &out->v[out->n];
    pb_paper_init(p);
    pb_store_read_paper(r, p, &out->pid[out->n], NULL, NULL);
    if (x->listing)
        pb_store_read_listing(r, 26, p);
    out->n++;
    return PB_OK;
}

static int read_rows(struct pb_feed *f, const char *sql,
                     const struct pb_arg *args, size_t n, int limit,
                     int listing, struct pb_feed_list *out)
{
    struct rows x = {out, (size_t)limit, listing};
    out->v = pb_reallocarray(NULL, (size_t)limit, sizeof *out->v);
    out->pid = pb_reallocarray(NULL, (size_t)limit, sizeof *out->pid);
    int rc = pb_stmt_each(f->st, sql, args, n, list_row, &x);
    return rc == STOP ? PB_OK : rc ? PB_EDB : PB_OK;
}

int pb_store_feed_list(struct pb_feed *f, const struct pb_feed_query *q,
                       struct pb_feed_list *out)
{
    pb_feed_list_clear(out);
    if (q->limit < 1 || q->limit > 1000 || q->offset < 0)
        return PB_EINVAL;
    int which = (q->listed_only ? 0 : 2) +
                (q->order == PB_FEED_BY_PUBLISHED ? 1 : 0);
    if (q->listed_only && q->order == PB_FEED_BY_DAY)
        which = Q_LISTED_DAY;
    const char *sql = pb_sql(f->st, list_sqlite[which], list_pg[which]);
    struct pb_arg a[8] = {
        pb_text(q->from[0] ? q->from : "0000-00-00"),
        pb_text(q->to[0] ? q->to : "9999-99-99"),
        pb_text(q->submitter),
        pb_text(q->author),
        pb_text(q->category),
        pb_int(q->limit + 1),
        pb_int(q->offset),
        pb_text(q->org),
    };
    return read_rows(f, sql, a, q->listed_only ? 8 : 7, q->limit,
                     q->listed_only, out);
}

static int day_row(void *ctx, const struct pb_row *r)
{
    const char *t = pb_row_text(r, 0);
    if (!t)
        return PB_ENOTFOUND;
    snprintf(ctx, 11, "%s", t);
    return PB_OK;
}

/* The first row's day into out; PB_ENOTFOUND without one. */
static int one_day(struct pb_feed *f, const char *sql,
                   const struct pb_arg *args, size_t n, char out[11])
{
    int rc = pb_stmt_one(f->st, sql, args, n, day_row, out);
    return rc == PB_OK || rc == PB_ENOTFOUND ? rc : PB_EDB;
}

int pb_store_feed_latest_day(struct pb_feed *f, char out[11])
{
    return one_day(f,
                   "SELECT l.day FROM listings l"
                   " JOIN papers p ON p.pid = l.pid"
                   " WHERE p.deleted = 0"
                   " ORDER BY l.day DESC LIMIT 1",
                   PB_NOARGS, out);
}

int pb_store_feed_adjacent_day(struct pb_feed *f, const char *day, int dir,
                               char out[11])
{
    /* ORDER BY + LIMIT walks the listings_day index and stops at the
     * first live row; max() with the deleted test would scan them all */
    return one_day(f,
                   dir < 0 ? "SELECT l.day FROM listings l JOIN papers p"
                             " ON p.pid = l.pid WHERE l.day < ?1"
                             " AND p.deleted = 0"
                             " ORDER BY l.day DESC LIMIT 1"
                           : "SELECT l.day FROM listings l JOIN papers p"
                             " ON p.pid = l.pid WHERE l.day > ?1"
                             " AND p.deleted = 0"
                             " ORDER BY l.day LIMIT 1",
                   PB_ARGS(pb_text(day)), out);
}

int pb_store_feed_count(struct pb_feed *f, const char *from, const char *to,
                        int64_t *out)
{
    int rc = pb_stmt_int(f->st,
                         "SELECT count(DISTINCT l.pid) FROM listings l"
                         " JOIN papers p ON p.pid = l.pid"
                         " WHERE p.deleted = 0"
                         " AND l.day BETWEEN ?1 AND ?2",
                         PB_ARGS(pb_text(from), pb_text(to)), out);
    return rc ? PB_EDB : PB_OK;
}

int pb_store_feed_after(struct pb_feed *f, int64_t after, int limit,
                        struct pb_feed_list *out)
{
    pb_feed_list_clear(out);
    if (limit < 1 || limit > 1000)
        return PB_EINVAL;
    return read_rows(f,
                     "SELECT " PB_PAPER_COLS " FROM papers"
                     " WHERE pid > ?1 AND deleted = 0"
                     " ORDER BY pid LIMIT ?2",
                     PB_ARGS(pb_int(after), pb_int(limit + 1)), limit, 0,
                     out);
}

int pb_store_feed_paper(struct pb_feed *f, const char *id,
                        struct pb_paper *out, int64_t *out_pid)
{
    return pb_store_paper_get(f->st, id, out, out_pid);
}

static int listing_row(void *ctx, const struct pb_row *r)
{
    pb_store_read_listing(r, 0, ctx);
    return PB_OK;
}

int pb_store_feed_listing(struct pb_feed *f, int64_t pid, struct pb_paper *p)
{
    int rc = pb_stmt_one(f->st,
                         "SELECT " PB_LISTING_COLS " FROM ("
                         PB_LISTING_SELECT " WHERE pid = ?1"
                         " ORDER BY day DESC LIMIT 1) l",
                         PB_ARGS(pb_int(pid)), listing_row, p);
    return rc == PB_OK || rc == PB_ENOTFOUND ? PB_OK : PB_EDB;
}

struct org_out {
    char **fullname, **src;
};

static int org_row(void *ctx, const struct pb_row *r)
{
    struct org_out *o = ctx;
    const char *a = pb_row_text(r, 0), *b = pb_row_text(r, 1);
    *o->fullname = a ? pb_strdup(a) : NULL;
    *o->src = b ? pb_strdup(b) : NULL;
    return PB_OK;
}

int pb_store_feed_org(struct pb_feed *f, const char *name, char **fullname,
                      char **src)
{
    *fullname = *src = NULL;
    struct org_out o = {fullname, src};
    int rc = pb_stmt_one(f->st, "SELECT fullname, src FROM orgs"
                                " WHERE name = ?1",
                         PB_ARGS(pb_text(name)), org_row, &o);
    return rc == PB_OK || rc == PB_ENOTFOUND ? rc : PB_EDB;
}

struct spelling {
    const char *name;
    char *out;
    size_t cap;
};

static int spelling_row(void *ctx, const struct pb_row *r)
{
    struct spelling *x = ctx;
    struct pb_strlist l = {0};
    int rc = PB_ENOTFOUND;
    pb_strlist_split(&l, pb_row_text(r, 0), '\n');
    for (size_t i = 0; i < l.n; i++)
        if (!strcasecmp(l.v[i], x->name) && strlen(l.v[i]) < x->cap) {
            snprintf(x->out, x->cap, "%s", l.v[i]);
            rc = PB_OK;
            break;
        }
    pb_strlist_clear(&l);
    return rc;
}

/* Where a name is one of the authors, in any case (STRPOS as above). */
#define SPELLING(STRPOS)                                                     \
    "SELECT authors FROM papers WHERE deleted = 0"                           \
    " AND " STRPOS "(lower('\n' || authors || '\n'),"                        \
    "  lower('\n' || CAST(?1 AS TEXT) || '\n')) > 0"                         \
    " ORDER BY pid DESC LIMIT 1"

int pb_store_feed_author_spelling(struct pb_feed *f, const char *name,
                                  char *out, size_t cap)
{
    /* a scan, only when the exact name found nothing */
    struct spelling x = {name, out, cap};
    int rc = pb_stmt_one(f->st,
                         pb_sql(f->st, SPELLING("instr"), SPELLING("strpos")),
                         PB_ARGS(pb_text(name)), spelling_row, &x);
    return rc == PB_OK || rc == PB_ENOTFOUND ? rc : PB_EDB;
}

int pb_store_feed_generation(struct pb_feed *f, int64_t *out)
{
    int rc = pb_stmt_int(f->st, "SELECT coalesce(max(seq), 0) FROM papers",
                         PB_NOARGS, out);
    return rc ? PB_EDB : PB_OK;
}
