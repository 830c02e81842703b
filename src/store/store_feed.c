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
    sqlite3_stmt *list[Q_NLIST];
    sqlite3_stmt *latest, *prev, *next, *count, *after, *gen, *listing, *org, *spell;
};

#define FILTERS                                                              \
    " AND (?3 IS NULL OR submitter = ?3)"                                    \
    " AND (?4 IS NULL OR instr(char(10) || authors || char(10),"             \
    "  char(10) || ?4 || char(10)) > 0)"                                     \
    " AND (?5 IS NULL OR instr(' ' || coalesce(categories, '') || ' ',"      \
    "  ' ' || ?5 || ' ') > 0)"                                               \
    " AND NOT EXISTS (SELECT 1 FROM paper_stats h"                           \
    "  WHERE h.pid = papers.pid AND h.hidden = 1)"
/* displayed upvotes = imported + local (paper_stats, store_community.c) */
#define BY_UP                                                                \
    " ORDER BY coalesce(upvotes, 0) + coalesce((SELECT v.votes"              \
    "  FROM paper_stats v WHERE v.pid = papers.pid), 0) DESC,"               \
    " listed_day DESC,"                                                      \
    " coalesce(published, 0) DESC, pid DESC"
#define BY_PUB                                                               \
    " ORDER BY coalesce(published, 0) DESC, coalesce(upvotes, 0) DESC,"     \
    " pid DESC"
#define TAIL " LIMIT ?6 OFFSET ?7"
/* listings (a paper on each of its days): in a week or a month a paper
 * listed twice shows once, on its latest day in the range, with that
 * listing's submitter */
#define LISTED                                                               \
    "SELECT " PB_PAPER_COLS ", " PB_LISTING_COLS " FROM papers JOIN ("      \
    PB_LISTING_SELECT " WHERE day BETWEEN ?1 AND ?2) l"                      \
    " ON l.lpid = papers.pid WHERE deleted = 0"                              \
    " AND l.lday = (SELECT max(x.day) FROM listings x"                       \
    "  WHERE x.pid = papers.pid AND x.day BETWEEN ?1 AND ?2)"                \
    " AND (?3 IS NULL OR coalesce(lsub, submitter) = ?3)"                    \
    " AND (?4 IS NULL OR instr(char(10) || authors || char(10),"             \
    "  char(10) || ?4 || char(10)) > 0)"                                     \
    " AND (?5 IS NULL OR instr(' ' || coalesce(categories, '') || ' ',"      \
    "  ' ' || ?5 || ' ') > 0)"                                               \
    " AND NOT EXISTS (SELECT 1 FROM paper_stats h"                           \
    "  WHERE h.pid = papers.pid AND h.hidden = 1)"                           \
    " AND (?8 IS NULL OR lorg = ?8)"
#define BY_DAY " ORDER BY lday DESC, pid DESC"
#define BY_UP_L                                                              \
    " ORDER BY coalesce(upvotes, 0) + coalesce((SELECT v.votes"              \
    "  FROM paper_stats v WHERE v.pid = papers.pid), 0) DESC,"               \
    " lday DESC, coalesce(published, 0) DESC, pid DESC"

static const char *const list_sql[Q_NLIST] = {
    [Q_LISTED_UP] = LISTED BY_UP_L TAIL,
    [Q_LISTED_PUB] = LISTED BY_PUB TAIL,
    [Q_LISTED_DAY] = LISTED BY_DAY TAIL,
    /* ?1 and ?2 are unused here but bound all the same */
    [Q_ALL_UP] = "SELECT " PB_PAPER_COLS " FROM papers WHERE deleted = 0"
                 " AND ?1 IS NOT NULL AND ?2 IS NOT NULL" FILTERS BY_UP TAIL,
    [Q_ALL_PUB] = "SELECT " PB_PAPER_COLS " FROM papers WHERE deleted = 0"
                  " AND ?1 IS NOT NULL AND ?2 IS NOT NULL" FILTERS BY_PUB TAIL,
};

struct pb_feed *pb_store_feed_new(struct pb_store *st)
{
    struct pb_feed *f = pb_calloc(1, sizeof *f);
    f->st = st;
    return f;
}

void pb_store_feed_free(struct pb_feed *f)
{
    if (!f)
        return;
    for (int i = 0; i < Q_NLIST; i++)
        sqlite3_finalize(f->list[i]);
    sqlite3_finalize(f->latest);
    sqlite3_finalize(f->prev);
    sqlite3_finalize(f->next);
    sqlite3_finalize(f->count);
    sqlite3_finalize(f->after);
    sqlite3_finalize(f->gen);
    sqlite3_finalize(f->listing);
    sqlite3_finalize(f->org);
    sqlite3_finalize(f->spell);
    free(f);
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

/* Read up to limit rows of s into out; one row more sets out->more. */
static int read_rows_l(sqlite3_stmt *s, int limit, struct pb_feed_list *out,
                       int listing)
{
    int rc = PB_OK, step;
    out->v = pb_reallocarray(NULL, (size_t)limit, sizeof *out->v);
    out->pid = pb_reallocarray(NULL, (size_t)limit, sizeof *out->pid);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n == (size_t)limit) {
            out->more = 1;
            break;
        }
        struct pb_paper *p = &out->v[out->n];
        pb_paper_init(p);
        pb_store_read_paper(s, p, &out->pid[out->n], NULL, NULL);
        if (listing)
            pb_store_read_listing(s, 26, p);
        out->n++;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = PB_EDB;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

static int read_rows(sqlite3_stmt *s, int limit, struct pb_feed_list *out)
{
    return read_rows_l(s, limit, out, 0);
}

int pb_store_feed_list(struct pb_feed *f, const struct pb_feed_query *q,
                       struct pb_feed_list *out)
{
    int rc = PB_OK;
    pb_feed_list_clear(out);
    if (q->limit < 1 || q->limit > 1000 || q->offset < 0)
        return PB_EINVAL;
    int which = (q->listed_only ? 0 : 2) +
                (q->order == PB_FEED_BY_PUBLISHED ? 1 : 0);
    if (q->listed_only && q->order == PB_FEED_BY_DAY)
        which = Q_LISTED_DAY;
    if ((rc = pb_store_prepare(f->st, &f->list[which], list_sql[which])))
        return rc;
    sqlite3_stmt *s = f->list[which];
    sqlite3_bind_text(s, 1, q->from[0] ? q->from : "0000-00-00", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 2, q->to[0] ? q->to : "9999-99-99", -1,
                      SQLITE_STATIC);
    pb_store_bind_text(s, 3, q->submitter);
    pb_store_bind_text(s, 4, q->author);
    pb_store_bind_text(s, 5, q->category);
    sqlite3_bind_int(s, 6, q->limit + 1);
    sqlite3_bind_int64(s, 7, q->offset);
    if (q->listed_only)
        pb_store_bind_text(s, 8, q->org);
    return read_rows_l(s, q->limit, out, q->listed_only);
}

static int one_day(sqlite3_stmt *s, char out[11])
{
    int rc = PB_ENOTFOUND;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT) {
        snprintf(out, 11, "%s", (const char *)sqlite3_column_text(s, 0));
        rc = PB_OK;
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = PB_EDB;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

int pb_store_feed_latest_day(struct pb_feed *f, char out[11])
{
    int rc = pb_store_prepare(f->st, &f->latest,
                              "SELECT l.day FROM listings l"
                              " JOIN papers p ON p.pid = l.pid"
                              " WHERE p.deleted = 0"
                              " ORDER BY l.day DESC LIMIT 1");
    if (rc)
        return rc;
    return one_day(f->latest, out);
}

int pb_store_feed_adjacent_day(struct pb_feed *f, const char *day, int dir,
                               char out[11])
{
    sqlite3_stmt **slot = dir < 0 ? &f->prev : &f->next;
    int rc = pb_store_prepare(
        f->st, slot,
        /* ORDER BY + LIMIT walks the listings_day index and stops at the
         * first live row; max() with the deleted test would scan them all */
        dir < 0 ? "SELECT l.day FROM listings l JOIN papers p"
                  " ON p.pid = l.pid WHERE l.day < ?1 AND p.deleted = 0"
                  " ORDER BY l.day DESC LIMIT 1"
                : "SELECT l.day FROM listings l JOIN papers p"
                  " ON p.pid = l.pid WHERE l.day > ?1 AND p.deleted = 0"
                  " ORDER BY l.day LIMIT 1");
    if (rc)
        return rc;
    sqlite3_bind_text(*slot, 1, day, -1, SQLITE_STATIC);
    return one_day(*slot, out);
}

int pb_store_feed_count(struct pb_feed *f, const char *from, const char *to,
                        int64_t *out)
{
    int rc = pb_store_prepare(f->st, &f->count,
                              "SELECT count(DISTINCT l.pid) FROM listings l"
                              " JOIN papers p ON p.pid = l.pid"
                              " WHERE p.deleted = 0"
                              " AND l.day BETWEEN ?1 AND ?2");
    if (rc)
        return rc;
    sqlite3_bind_text(f->count, 1, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(f->count, 2, to, -1, SQLITE_STATIC);
    rc = sqlite3_step(f->count) == SQLITE_ROW ? PB_OK : PB_EDB;
    *out = rc ? 0 : sqlite3_column_int64(f->count, 0);
    sqlite3_reset(f->count);
    sqlite3_clear_bindings(f->count);
    return rc;
}

int pb_store_feed_after(struct pb_feed *f, int64_t after, int limit,
                        struct pb_feed_list *out)
{
    pb_feed_list_clear(out);
    if (limit < 1 || limit > 1000)
        return PB_EINVAL;
    int rc = pb_store_prepare(f->st, &f->after,
                              "SELECT " PB_PAPER_COLS " FROM papers"
                              " WHERE pid > ?1 AND deleted = 0"
                              " ORDER BY pid LIMIT ?2");
    if (rc)
        return rc;
    sqlite3_bind_int64(f->after, 1, after);
    sqlite3_bind_int(f->after, 2, limit + 1);
    return read_rows(f->after, limit, out);
}

int pb_store_feed_paper(struct pb_feed *f, const char *id,
                        struct pb_paper *out, int64_t *out_pid)
{
    return pb_store_paper_get(f->st, id, out, out_pid);
}

int pb_store_feed_listing(struct pb_feed *f, int64_t pid, struct pb_paper *p)
{
    int rc = pb_store_prepare(f->st, &f->listing,
                              "SELECT " PB_LISTING_COLS " FROM ("
                              PB_LISTING_SELECT " WHERE pid = ?1"
                              " ORDER BY day DESC LIMIT 1)");
    if (rc)
        return rc;
    sqlite3_bind_int64(f->listing, 1, pid);
    int step = sqlite3_step(f->listing);
    if (step == SQLITE_ROW)
        pb_store_read_listing(f->listing, 0, p);
    sqlite3_reset(f->listing);
    return step == SQLITE_ROW || step == SQLITE_DONE ? PB_OK : PB_EDB;
}

static char *text_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? pb_strdup((const char *)t) : NULL;
}

int pb_store_feed_org(struct pb_feed *f, const char *name, char **fullname,
                      char **src)
{
    *fullname = *src = NULL;
    int rc = pb_store_prepare(f->st, &f->org,
                              "SELECT fullname, src FROM orgs"
                              " WHERE name = ?1");
    if (rc)
        return rc;
    sqlite3_bind_text(f->org, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(f->org);
    if (step == SQLITE_ROW) {
        *fullname = text_dup(f->org, 0);
        *src = text_dup(f->org, 1);
    }
    sqlite3_reset(f->org);
    sqlite3_clear_bindings(f->org);
    return step == SQLITE_ROW    ? PB_OK
           : step == SQLITE_DONE ? PB_ENOTFOUND
                                 : PB_EDB;
}

int pb_store_feed_author_spelling(struct pb_feed *f, const char *name,
                                  char *out, size_t cap)
{
    /* a scan, only when the exact name found nothing */
    int rc = pb_store_prepare(
        f->st, &f->spell,
        "SELECT authors FROM papers WHERE deleted = 0"
        " AND instr(lower(char(10) || authors || char(10)),"
        "  lower(char(10) || ?1 || char(10))) > 0"
        " ORDER BY pid DESC LIMIT 1");
    if (rc)
        return rc;
    sqlite3_bind_text(f->spell, 1, name, -1, SQLITE_STATIC);
    rc = PB_ENOTFOUND;
    int step = sqlite3_step(f->spell);
    if (step == SQLITE_ROW) {
        struct pb_strlist l = {0};
        pb_strlist_split(&l, (const char *)sqlite3_column_text(f->spell, 0),
                         '\n');
        for (size_t i = 0; i < l.n; i++)
            if (!strcasecmp(l.v[i], name) && strlen(l.v[i]) < cap) {
                snprintf(out, cap, "%s", l.v[i]);
                rc = PB_OK;
                break;
            }
        pb_strlist_clear(&l);
    } else if (step != SQLITE_DONE) {
        rc = PB_EDB;
    }
    sqlite3_reset(f->spell);
    sqlite3_clear_bindings(f->spell);
    return rc;
}

int pb_store_feed_generation(struct pb_feed *f, int64_t *out)
{
    int rc = pb_store_prepare(f->st, &f->gen,
                              "SELECT coalesce(max(seq), 0) FROM papers");
    if (rc)
        return rc;
    rc = sqlite3_step(f->gen) == SQLITE_ROW ? PB_OK : PB_EDB;
    *out = rc ? 0 : sqlite3_column_int64(f->gen, 0);
    sqlite3_reset(f->gen);
    return rc;
}
