/* store_community.c - the community's SQL (see store_community.h). */
#include "store/store_community.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_int.h"
#include "store/store_stmt.h"

enum {
    Q_MEMBER_ADD, Q_MEMBER_GET, Q_MEMBER_GET_ID, Q_MEMBER_ROLE,
    Q_MEMBER_DISABLE, Q_MEMBER_KILL_SESSIONS, Q_MEMBER_EACH,
    Q_SESSION_ADD, Q_SESSION_GET, Q_SESSION_DEL, Q_SESSION_GC,
    Q_GEN_BUMP, Q_GEN,
    Q_STATS, Q_STATS_ADD,
    Q_VOTE_INS, Q_VOTE_DEL, Q_VOTED, Q_LOCAL_VOTES,
    Q_COMMENT_COUNT, Q_COMMENT_ADD, Q_COMMENT_GET, Q_COMMENT_EDIT,
    Q_COMMENT_DEL, Q_COMMENT_HIDE, Q_COMMENT_EACH,
    Q_SUBMIT_COUNT, Q_SUBMIT_ADD, Q_SUBMIT_STATS,
    Q_COLL_ADD, Q_COLL_GET, Q_COLL_DEL, Q_COLL_RENAME, Q_COLL_ITEM_ADD,
    Q_COLL_ITEM_DEL, Q_COLL_EACH, Q_COLL_PAPERS,
    Q_FOLLOW_ON, Q_FOLLOW_OFF, Q_FOLLOW_EACH,
    Q_HIDE, Q_LOG, Q_LOG_EACH,
    Q_DISMISS_ON, Q_DISMISS_OFF, Q_DISMISSED, Q_MARK_UP, Q_MARK_COLL,
    Q_MARK_DIS, Q_LIST_UP, Q_LIST_COLL, Q_LIST_DIS, Q_SHOWN,
    Q_COUNT
};

#define MEMBER_COLS "id, name, email, role, disabled, created"
#define PAPER_COLS_P                                                         \
    "p.pid, p.id, p.version, p.title, p.abstract, p.authors, p.categories, " \
    "p.published, p.updated, p.listed_day, p.submitter, p.upvotes, "         \
    "p.n_comments, p.github_repo, p.github_stars, p.project_page, p.doi, "   \
    "p.journal_ref, p.comments, p.license, p.keywords, p.summary, p.links, " \
    "p.sources, p.seq, p.deleted"

static const char *const sql[Q_COUNT] = {
    [Q_MEMBER_ADD] = "INSERT INTO members(name, email, pwhash, role, created)"
                     " VALUES(?1, ?2, ?3, ?4, ?5) RETURNING id",
    [Q_MEMBER_GET] = "SELECT " MEMBER_COLS ", pwhash FROM members"
                     " WHERE name = ?1",
    [Q_MEMBER_GET_ID] = "SELECT " MEMBER_COLS " FROM members WHERE id = ?1",
    [Q_MEMBER_ROLE] = "UPDATE members SET role = ?2 WHERE id = ?1",
    [Q_MEMBER_DISABLE] = "UPDATE members SET disabled = ?2 WHERE id = ?1",
    [Q_MEMBER_KILL_SESSIONS] = "DELETE FROM sessions WHERE member = ?1",
    [Q_MEMBER_EACH] = "SELECT " MEMBER_COLS " FROM members ORDER BY id",
    [Q_SESSION_ADD] = "INSERT INTO sessions(hash, member, created, expires)"
                      " VALUES(?1, ?2, ?3, ?4)",
    [Q_SESSION_GET] = "SELECT m.id, m.name, m.email, m.role, m.disabled,"
                      " m.created FROM sessions s JOIN members m"
                      " ON m.id = s.member WHERE s.hash = ?1"
                      " AND s.expires > ?2 AND m.disabled = 0",
    [Q_SESSION_DEL] = "DELETE FROM sessions WHERE hash = ?1",
    [Q_SESSION_GC] = "DELETE FROM sessions WHERE member = ?1"
                     " AND expires <= ?2",
    [Q_GEN_BUMP] = "UPDATE community_gen SET n = n + 1 WHERE id = 1",
    [Q_GEN] = "SELECT n FROM community_gen WHERE id = 1",
    [Q_STATS] = "SELECT s.votes, s.comments, s.hidden, m.name"
                " FROM paper_stats s LEFT JOIN members m"
                " ON m.id = s.submitted_by WHERE s.pid = ?1",
    [Q_STATS_ADD] = "INSERT INTO paper_stats(pid, votes, comments)"
                    " VALUES(?1, ?2, ?3) ON CONFLICT(pid) DO UPDATE SET"
                    " votes = paper_stats.votes + excluded.votes,"
                    " comments = paper_stats.comments + excluded.comments",
    [Q_VOTE_INS] = "INSERT INTO votes(member, pid, at) VALUES(?1, ?2, ?3)"
                   " ON CONFLICT(member, pid) DO NOTHING",
    [Q_VOTE_DEL] = "DELETE FROM votes WHERE member = ?1 AND pid = ?2",
    [Q_VOTED] = "SELECT 1 FROM votes WHERE member = ?1 AND pid = ?2",
    [Q_LOCAL_VOTES] = "SELECT votes, comments FROM paper_stats"
                      " WHERE pid = ?1",
    [Q_COMMENT_COUNT] = "SELECT count(*) FROM comments WHERE member = ?1"
                        " AND created >= ?2",
    [Q_COMMENT_ADD] = "INSERT INTO comments(pid, member, body, created)"
                      " VALUES(?1, ?2, ?3, ?4) RETURNING id",
    [Q_COMMENT_GET] = "SELECT c.id, c.pid, c.member, m.name, c.body,"
                      " c.created, c.edited, c.hidden FROM comments c"
                      " JOIN members m ON m.id = c.member"
                      " WHERE c.id = ?1 AND c.deleted = 0",
    [Q_COMMENT_EDIT] = "UPDATE comments SET body = ?2, edited = ?3"
                       " WHERE id = ?1",
    [Q_COMMENT_DEL] = "UPDATE comments SET deleted = 1, body = ''"
                      " WHERE id = ?1 AND deleted = 0",
    [Q_COMMENT_HIDE] = "UPDATE comments SET hidden = ?2 WHERE id = ?1"
                       " AND deleted = 0",
    [Q_COMMENT_EACH] = "SELECT c.id, c.pid, c.member, m.name, c.body,"
                       " c.created, c.edited, c.hidden FROM comments c"
                       " JOIN members m ON m.id = c.member"
                       " WHERE c.pid = ?1 AND c.deleted = 0"
                       " AND (?2 <> 0 OR c.hidden = 0) ORDER BY c.id",
    [Q_SUBMIT_COUNT] = "SELECT count(*) FROM submissions WHERE member = ?1"
                       " AND at >= ?2",
    [Q_SUBMIT_ADD] = "INSERT INTO submissions(pid, member, at, day)"
                     " VALUES(?1, ?2, ?3, ?4)",
    [Q_SUBMIT_STATS] = "INSERT INTO paper_stats(pid, submitted_by,"
                       " submitted_at) VALUES(?1, ?2, ?3)"
                       " ON CONFLICT(pid) DO UPDATE SET"
                       " submitted_by = excluded.submitted_by,"
                       " submitted_at = excluded.submitted_at",
    [Q_COLL_ADD] = "INSERT INTO collections(member, name, public, created)"
                   " VALUES(?1, ?2, ?3, ?4) RETURNING id",
    [Q_COLL_GET] = "SELECT c.id, c.member, m.name, c.name, c.public,"
                   " (SELECT count(*) FROM collection_items i"
                   "  WHERE i.coll = c.id)"
                   " FROM collections c JOIN members m ON m.id = c.member"
                   " WHERE c.id = ?1",
    [Q_COLL_DEL] = "DELETE FROM collections WHERE id = ?1",
    [Q_COLL_RENAME] = "UPDATE collections SET name = ?2, public = ?3"
                      " WHERE id = ?1",
    [Q_COLL_ITEM_ADD] = "INSERT INTO collection_items(coll, pid, added)"
                        " VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [Q_COLL_ITEM_DEL] = "DELETE FROM collection_items WHERE coll = ?1"
                        " AND pid = ?2",
    [Q_COLL_EACH] = "SELECT c.id, c.member, m.name, c.name, c.public,"
                    " (SELECT count(*) FROM collection_items i"
                    "  WHERE i.coll = c.id)"
                    " FROM collections c JOIN members m ON m.id = c.member"
                    " WHERE c.member = ?1 AND (?2 <> 0 OR c.public = 1)"
                    " ORDER BY c.id",
    [Q_COLL_PAPERS] = "SELECT " PAPER_COLS_P " FROM collection_items i"
                      " JOIN papers p ON p.pid = i.pid"
                      " WHERE i.coll = ?1 AND p.deleted = 0"
                      " ORDER BY i.added DESC, p.pid DESC LIMIT 1001",
    [Q_FOLLOW_ON] = "INSERT INTO follows(member, kind, target)"
                    " VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [Q_FOLLOW_OFF] = "DELETE FROM follows WHERE member = ?1 AND kind = ?2"
                     " AND target = ?3",
    [Q_FOLLOW_EACH] = "SELECT kind, target FROM follows WHERE member = ?1"
                      " ORDER BY kind, target",
    [Q_HIDE] = "INSERT INTO paper_stats(pid, hidden) VALUES(?1, ?2)"
               " ON CONFLICT(pid) DO UPDATE SET hidden = excluded.hidden",
    [Q_LOG] = "INSERT INTO modlog(at, actor, action, target)"
              " VALUES(?1, ?2, ?3, ?4)",
    [Q_LOG_EACH] = "SELECT at, actor, action, target FROM modlog"
                   " ORDER BY id DESC LIMIT ?1",
    [Q_DISMISS_ON] = "INSERT INTO dismissals(member, pid, at)"
                     " VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [Q_DISMISS_OFF] = "DELETE FROM dismissals WHERE member = ?1"
                      " AND pid = ?2",
    [Q_DISMISSED] = "SELECT 1 FROM dismissals WHERE member = ?1"
                    " AND pid = ?2",
    /* a member's marks, newest first: pids only, then whole papers */
    [Q_MARK_UP] = "SELECT v.pid FROM votes v JOIN papers p ON p.pid = v.pid"
                  " WHERE v.member = ?1 AND p.deleted = 0"
                  " ORDER BY v.at DESC, v.pid DESC LIMIT ?2",
    [Q_MARK_COLL] = "SELECT i.pid FROM collections c"
                    " JOIN collection_items i ON i.coll = c.id"
                    " JOIN papers p ON p.pid = i.pid"
                    " WHERE c.member = ?1 AND p.deleted = 0"
                    " GROUP BY i.pid ORDER BY max(i.added) DESC, i.pid DESC"
                    " LIMIT ?2",
    [Q_MARK_DIS] = "SELECT d.pid FROM dismissals d"
                   " JOIN papers p ON p.pid = d.pid"
                   " WHERE d.member = ?1 AND p.deleted = 0"
                   " ORDER BY d.at DESC, d.pid DESC LIMIT ?2",
    [Q_LIST_UP] = "SELECT " PAPER_COLS_P " FROM votes v"
                  " JOIN papers p ON p.pid = v.pid"
                  " WHERE v.member = ?1 AND p.deleted = 0"
                  " ORDER BY v.at DESC, v.pid DESC LIMIT ?2 OFFSET ?3",
    [Q_LIST_COLL] = "SELECT " PAPER_COLS_P " FROM papers p JOIN"
                    " (SELECT i.pid, max(i.added) AS added"
                    "  FROM collections c JOIN collection_items i"
                    "  ON i.coll = c.id WHERE c.member = ?1 GROUP BY i.pid)"
                    " m ON m.pid = p.pid WHERE p.deleted = 0"
                    " ORDER BY m.added DESC, p.pid DESC LIMIT ?2 OFFSET ?3",
    [Q_LIST_DIS] = "SELECT " PAPER_COLS_P " FROM dismissals d"
                   " JOIN papers p ON p.pid = d.pid"
                   " WHERE d.member = ?1 AND p.deleted = 0"
                   " ORDER BY d.at DESC, d.pid DESC LIMIT ?2 OFFSET ?3",
    [Q_SHOWN] = "SELECT CASE WHEN p.deleted = 0"
                " AND coalesce(s.hidden, 0) = 0 THEN 1 ELSE 0 END"
                " FROM papers p LEFT JOIN paper_stats s ON s.pid = p.pid"
                " WHERE p.pid = ?1",
};

/* Trending (docs/TRENDING.md): the listed_day index finds the window; the
 * score is computed for its rows only. Written once for both dialects:
 * MAX2 is the two-argument maximum (max on SQLite, greatest on PostgreSQL),
 * EPOCH a day in Unix seconds (store_int.h); ?4 and ?5 are reals. */
#define TRENDING(MAX2, EPOCH)                                                \
    "SELECT " PAPER_COLS_P ","                                               \
    " (" MAX2 "(coalesce(p.upvotes, 0), 0) + coalesce(s.votes, 0)"           \
    "  + CAST(?4 AS DOUBLE PRECISION) * (" MAX2 "(coalesce(p.n_comments, 0),"\
    "   0) + coalesce(s.comments, 0)))"                                      \
    " / power(" MAX2 "(CAST(?3 AS BIGINT) - coalesce(s.submitted_at,"        \
    "   " EPOCH("l.lday") "), 0) / 3600.0 + 2.0,"                            \
    "  CAST(?5 AS DOUBLE PRECISION)) AS score"                               \
    /* a paper on several days of the window counts from its latest */      \
    " FROM papers p JOIN (SELECT pid AS lpid, max(day) AS lday"              \
    "  FROM listings WHERE day BETWEEN ?1 AND ?2 GROUP BY pid) l"            \
    "  ON l.lpid = p.pid"                                                    \
    " LEFT JOIN paper_stats s ON s.pid = p.pid"                              \
    " WHERE p.deleted = 0"                                                   \
    " AND coalesce(s.hidden, 0) = 0"                                         \
    " ORDER BY score DESC, l.lday DESC, p.pid DESC"                          \
    " LIMIT ?6 OFFSET ?7"

struct pb_cmdb {
    struct pb_store *st;
    int bump; /* the transaction changed what pages show */
};

struct pb_cmdb *pb_cmdb_new(struct pb_store *st)
{
    struct pb_cmdb *db = pb_calloc(1, sizeof *db);
    db->st = st;
    return db;
}

void pb_cmdb_free(struct pb_cmdb *db)
{
    free(db); /* the statements belong to the store */
}

/* Run statement i with the arguments that follow (store_stmt.h). */
#define EXEC(db, i, ...) pb_stmt_exec((db)->st, sql[i], PB_ARGS(__VA_ARGS__))
#define ONE(db, i, fn, ctx, ...)                                             \
    pb_stmt_one((db)->st, sql[i], PB_ARGS(__VA_ARGS__), fn, ctx)
#define EACH(db, i, fn, ctx, ...)                                            \
    pb_stmt_each((db)->st, sql[i], PB_ARGS(__VA_ARGS__), fn, ctx)

/* A caller's callback and its context, for the row callbacks below. */
struct each {
    union {
        pb_cmdb_member_fn member;
        pb_cmdb_comment_fn comment;
        pb_cmdb_coll_fn coll;
        pb_cmdb_follow_fn follow;
        pb_cmdb_log_fn log;
    } fn;
    void *ctx;
};

/* a row callback's "enough rows" (not an error) */
enum { STOP = -1 };

/* The generation moves in finish(), right before the commit: its one row
 * is every such transaction's, so on PostgreSQL (where community writes
 * run side by side) it is row-locked from this update to the commit, and
 * that should be as short as can be. */
static int bump(struct pb_cmdb *db)
{
    db->bump = 1;
    return PB_OK;
}

/* Finish a transaction: commit when rc is PB_OK, else roll back. */
static int finish(struct pb_cmdb *db, int rc)
{
    if (!rc && db->bump)
        rc = pb_stmt_exec(db->st, sql[Q_GEN_BUMP], PB_NOARGS);
    db->bump = 0;
    if (!rc)
        rc = pb_store_commit(db->st);
    if (rc)
        pb_store_rollback(db->st);
    return rc;
}

/* PB_ENOTFOUND (no row) read as PB_OK. */
static int none_ok(int rc)
{
    return rc == PB_ENOTFOUND ? PB_OK : rc;
}

static void read_member(const struct pb_row *r, struct pb_member *m)
{
    memset(m, 0, sizeof *m);
    m->id = pb_row_int(r, 0);
    pb_row_copy(r, 1, m->name, sizeof m->name);
    pb_row_copy(r, 2, m->email, sizeof m->email);
    m->role = (int)pb_row_int(r, 3);
    m->disabled = (int)pb_row_int(r, 4);
    m->created = pb_row_int(r, 5);
}

struct member_out {
    struct pb_member *m;
    char *pwhash;
};

static int member_row(void *ctx, const struct pb_row *r)
{
    struct member_out *o = ctx;
    read_member(r, o->m);
    if (o->pwhash)
        pb_row_copy(r, 6, o->pwhash, PB_CM_PWHASH_MAX + 1);
    return PB_OK;
}

/* --- members and sessions ------------------------------------------------ */

int pb_cmdb_member_add(struct pb_cmdb *db, const char *name,
                       const char *email, const char *pwhash, int role,
                       int64_t now, int64_t *out_id)
{
    int64_t id = 0;
    int rc = pb_stmt_int(db->st, sql[Q_MEMBER_ADD],
                         PB_ARGS(pb_text(name), pb_text(email),
                                 pb_text(pwhash), pb_int(role), pb_int(now)),
                         &id);
    if (!rc && out_id)
        *out_id = id;
    return rc == PB_ENOTFOUND ? PB_EDB : rc;
}

int pb_cmdb_member_get(struct pb_cmdb *db, const char *name,
                       struct pb_member *out, char *pwhash)
{
    struct member_out o = {out, pwhash};
    return ONE(db, Q_MEMBER_GET, member_row, &o, pb_text(name));
}

int pb_cmdb_member_get_id(struct pb_cmdb *db, int64_t id,
                          struct pb_member *out)
{
    struct member_out o = {out, NULL};
    return ONE(db, Q_MEMBER_GET_ID, member_row, &o, pb_int(id));
}

static int set_int(struct pb_cmdb *db, int which, int64_t id, int64_t v)
{
    int rc = EXEC(db, which, pb_int(id), pb_int(v));
    if (!rc && !pb_stmt_changes(db->st))
        rc = PB_ENOTFOUND;
    return rc;
}

int pb_cmdb_member_set_role(struct pb_cmdb *db, int64_t id, int role)
{
    return set_int(db, Q_MEMBER_ROLE, id, role);
}

int pb_cmdb_member_set_disabled(struct pb_cmdb *db, int64_t id, int disabled)
{
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    rc = set_int(db, Q_MEMBER_DISABLE, id, disabled);
    if (!rc && disabled)
        rc = EXEC(db, Q_MEMBER_KILL_SESSIONS, pb_int(id));
    if (!rc)
        rc = bump(db);
    return finish(db, rc);
}

static int member_each_row(void *ctx, const struct pb_row *r)
{
    struct each *e = ctx;
    struct pb_member m;
    read_member(r, &m);
    return e->fn.member(e->ctx, &m);
}

int pb_cmdb_member_each(struct pb_cmdb *db, pb_cmdb_member_fn fn, void *ctx)
{
    struct each e = {.fn.member = fn, .ctx = ctx};
    return pb_stmt_each(db->st, sql[Q_MEMBER_EACH], PB_NOARGS,
                        member_each_row, &e);
}

int pb_cmdb_session_add(struct pb_cmdb *db, const unsigned char hash[32],
                        int64_t member, int64_t now, int64_t expires)
{
    /* the member's expired sessions go when a new one comes */
    int rc = EXEC(db, Q_SESSION_GC, pb_int(member), pb_int(now));
    if (rc)
        return rc;
    return EXEC(db, Q_SESSION_ADD, pb_blob(hash, 32), pb_int(member),
                pb_int(now), pb_int(expires));
}

int pb_cmdb_session_get(struct pb_cmdb *db, const unsigned char hash[32],
                        int64_t now, struct pb_member *out)
{
    struct member_out o = {out, NULL};
    return ONE(db, Q_SESSION_GET, member_row, &o, pb_blob(hash, 32),
               pb_int(now));
}

int pb_cmdb_session_del(struct pb_cmdb *db, const unsigned char hash[32])
{
    return EXEC(db, Q_SESSION_DEL, pb_blob(hash, 32));
}

/* --- counts and votes ---------------------------------------------------- */

static int stats_row(void *ctx, const struct pb_row *r)
{
    struct pb_paper_stats *out = ctx;
    out->votes = pb_row_int(r, 0);
    out->comments = pb_row_int(r, 1);
    out->hidden = (int)pb_row_int(r, 2);
    pb_row_copy(r, 3, out->submitted_by, sizeof out->submitted_by);
    return PB_OK;
}

int pb_cmdb_stats(struct pb_cmdb *db, int64_t pid, struct pb_paper_stats *out)
{
    memset(out, 0, sizeof *out);
    return none_ok(ONE(db, Q_STATS, stats_row, out, pb_int(pid)));
}

static int counts_row(void *ctx, const struct pb_row *r)
{
    struct pb_paper *p = ctx;
    p->upvotes = (p->upvotes > 0 ? p->upvotes : 0) + pb_row_int(r, 0);
    p->n_comments = (p->n_comments > 0 ? p->n_comments : 0) +
                    pb_row_int(r, 1);
    return PB_OK;
}

int pb_cmdb_fill_counts(struct pb_cmdb *db, struct pb_feed_list *l)
{
    int began = 0, rc = l->n > 1 ? pb_store_read_begin(db->st, &began) : 0;
    for (size_t i = 0; i < l->n && !rc; i++)
        rc = none_ok(ONE(db, Q_LOCAL_VOTES, counts_row, &l->v[i],
                         pb_int(l->pid[i])));
    pb_store_read_end(db->st, began);
    return rc;
}

static int add_counts(struct pb_cmdb *db, int64_t pid, int votes, int comments)
{
    return EXEC(db, Q_STATS_ADD, pb_int(pid), pb_int(votes),
                pb_int(comments));
}

/* Whether statement which (member, pid) has a row, into *out. */
static int has_row(struct pb_cmdb *db, int which, int64_t member,
                   int64_t pid, int *out)
{
    int rc = ONE(db, which, NULL, NULL, pb_int(member), pb_int(pid));
    *out = rc == PB_OK;
    return none_ok(rc);
}

int pb_cmdb_voted(struct pb_cmdb *db, int64_t member, int64_t pid, int *out)
{
    return has_row(db, Q_VOTED, member, pid, out);
}

/* Statement on (member, pid, now) or off (member, pid). */
static int on_off(struct pb_cmdb *db, int q_on, int q_off, int on,
                  int64_t member, int64_t pid, int64_t now)
{
    return on ? EXEC(db, q_on, pb_int(member), pb_int(pid), pb_int(now))
              : EXEC(db, q_off, pb_int(member), pb_int(pid));
}

int pb_cmdb_vote(struct pb_cmdb *db, int64_t member, int64_t pid, int want,
                 int64_t now, int *out_voted, int64_t *out_local)
{
    int rc = pb_store_begin(db->st), had = 0;
    if (rc)
        return rc;
    if ((rc = has_row(db, Q_VOTED, member, pid, &had)))
        goto out;
    int on = want < 0 ? !had : want;
    *out_voted = on;
    if (on != had) {
        /* the UNIQUE(member, pid) row is the vote; the count moves only
         * when a row really came or went */
        if ((rc = on_off(db, Q_VOTE_INS, Q_VOTE_DEL, on, member, pid, now)))
            goto out;
        if (pb_stmt_changes(db->st) == 1 &&
            (rc = add_counts(db, pid, on ? 1 : -1, 0)))
            goto out;
        if ((rc = bump(db)))
            goto out;
    }
    struct pb_paper_stats ps;
    if (!(rc = pb_cmdb_stats(db, pid, &ps)))
        *out_local = ps.votes;
out:
    return finish(db, rc);
}

/* --- comments ------------------------------------------------------------ */

static int count_since(struct pb_cmdb *db, int which, int64_t member,
                       int64_t since, int64_t *out)
{
    int rc = pb_stmt_int(db->st, sql[which],
                         PB_ARGS(pb_int(member), pb_int(since)), out);
    return rc == PB_ENOTFOUND ? PB_EDB : rc;
}

/* Hold member's row until the transaction ends (PostgreSQL; SQLite's
 * writers take turns already). NO KEY: rows that only refer to the member
 * (votes, sessions) are not held up. */
static int lock_member(struct pb_cmdb *db, int64_t member)
{
    return none_ok(pb_stmt_one(
        db->st,
        pb_sql(db->st, "SELECT 1 FROM members WHERE id = ?1",
               "SELECT 1 FROM members WHERE id = ?1 FOR NO KEY UPDATE"),
        PB_ARGS(pb_int(member)), NULL, NULL));
}

int pb_cmdb_comment_add(struct pb_cmdb *db, int64_t pid, int64_t member,
                        const char *body, int64_t now, int64_t since,
                        int max_n, int64_t *out_id)
{
    int64_t n = 0;
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    /* PostgreSQL: one member's comments take turns (a row lock on the
     * member), so two at once cannot both pass the limit; SQLite's
     * writers take turns anyway */
    if ((rc = lock_member(db, member)) ||
        (rc = count_since(db, Q_COMMENT_COUNT, member, since, &n)))
        goto out;
    if (n >= max_n) {
        rc = PB_EBUSY;
        goto out;
    }
    if ((rc = pb_stmt_int(db->st, sql[Q_COMMENT_ADD],
                          PB_ARGS(pb_int(pid), pb_int(member), pb_text(body),
                                  pb_int(now)),
                          out_id))) {
        rc = rc == PB_ENOTFOUND ? PB_EDB : rc;
        goto out;
    }
    if (!(rc = add_counts(db, pid, 0, 1)))
        rc = bump(db);
out:
    return finish(db, rc);
}

static void read_comment(const struct pb_row *r, struct pb_comment *c)
{
    c->id = pb_row_int(r, 0);
    c->pid = pb_row_int(r, 1);
    c->member = pb_row_int(r, 2);
    pb_row_copy(r, 3, c->author, sizeof c->author);
    c->body = (char *)pb_row_text(r, 4); /* borrowed here */
    c->created = pb_row_int(r, 5);
    c->edited = pb_row_int(r, 6);
    c->hidden = (int)pb_row_int(r, 7);
}

static int comment_row(void *ctx, const struct pb_row *r)
{
    struct pb_comment *c = ctx;
    read_comment(r, c);
    c->body = pb_strdup(c->body ? c->body : "");
    return PB_OK;
}

int pb_cmdb_comment_get(struct pb_cmdb *db, int64_t id, struct pb_comment *out)
{
    memset(out, 0, sizeof *out);
    return ONE(db, Q_COMMENT_GET, comment_row, out, pb_int(id));
}

int pb_cmdb_comment_edit(struct pb_cmdb *db, int64_t id, int64_t member,
                         const char *body, int64_t now, int64_t not_before)
{
    struct pb_comment c;
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    if ((rc = pb_cmdb_comment_get(db, id, &c)))
        goto out;
    free(c.body);
    if (c.member != member || c.created < not_before) {
        rc = PB_EPERM;
        goto out;
    }
    if (!(rc = EXEC(db, Q_COMMENT_EDIT, pb_int(id), pb_text(body),
                    pb_int(now))))
        rc = bump(db);
out:
    return finish(db, rc);
}

int pb_cmdb_comment_delete(struct pb_cmdb *db, int64_t id, int64_t member,
                           int as_mod)
{
    struct pb_comment c;
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    if ((rc = pb_cmdb_comment_get(db, id, &c)))
        goto out;
    free(c.body);
    if (c.member != member && !as_mod) {
        rc = PB_EPERM;
        goto out;
    }
    if ((rc = EXEC(db, Q_COMMENT_DEL, pb_int(id))))
        goto out;
    /* two deletions at once (PostgreSQL): the count drops once */
    if (pb_stmt_changes(db->st) == 1 && !(rc = add_counts(db, c.pid, 0, -1)))
        rc = bump(db);
out:
    return finish(db, rc);
}

int pb_cmdb_comment_hide(struct pb_cmdb *db, int64_t id, int hidden)
{
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    rc = set_int(db, Q_COMMENT_HIDE, id, hidden);
    if (!rc)
        rc = bump(db);
    return finish(db, rc);
}

static int comment_each_row(void *ctx, const struct pb_row *r)
{
    struct each *e = ctx;
    struct pb_comment c;
    read_comment(r, &c);
    if (!c.body)
        c.body = (char *)"";
    return e->fn.comment(e->ctx, &c);
}

int pb_cmdb_comment_each(struct pb_cmdb *db, int64_t pid, int with_hidden,
                         pb_cmdb_comment_fn fn, void *ctx)
{
    struct each e = {.fn.comment = fn, .ctx = ctx};
    return EACH(db, Q_COMMENT_EACH, comment_each_row, &e, pb_int(pid),
                pb_int(with_hidden ? 1 : 0));
}

/* --- submissions --------------------------------------------------------- */

int pb_cmdb_submit(struct pb_cmdb *db, const char *id, int64_t member,
                   const char *member_name, const char *day, int64_t now,
                   int64_t min_published, int64_t since, int max_n,
                   char out_id[PB_MAX_ID])
{
    struct pb_paper p;
    int64_t pid = 0, n = 0;
    pb_paper_init(&p);
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    /* the paper is read, checked and written under the seq lock
     * (PostgreSQL), so two submissions of it cannot both pass */
    if ((rc = pb_store_load_seq(db->st)) ||
        (rc = pb_store_paper_get(db->st, id, &p, &pid)))
        goto out;
    snprintf(out_id, PB_MAX_ID, "%s", p.id);
    if (p.listed_day[0]) {
        rc = PB_EEXIST;
        goto out;
    }
    if (p.published < min_published) {
        rc = PB_EINVAL;
        goto out;
    }
    if ((rc = count_since(db, Q_SUBMIT_COUNT, member, since, &n)))
        goto out;
    if (n >= max_n) {
        rc = PB_EBUSY;
        goto out;
    }
    snprintf(p.listed_day, sizeof p.listed_day, "%s", day);
    pb_str_set(&p.submitter, member_name, strlen(member_name));
    p.sources |= PB_SRC_LOCAL;
    enum pb_upsert how;
    if ((rc = pb_store_paper_upsert(db->st, &p, &how, NULL)))
        goto out;
    if ((rc = EXEC(db, Q_SUBMIT_ADD, pb_int(pid), pb_int(member),
                   pb_int(now), pb_text(day))))
        goto out;
    if (!(rc = EXEC(db, Q_SUBMIT_STATS, pb_int(pid), pb_int(member),
                    pb_int(now))))
        rc = bump(db);
out:
    pb_paper_clear(&p);
    return finish(db, rc);
}

/* --- collections --------------------------------------------------------- */

int pb_cmdb_coll_create(struct pb_cmdb *db, int64_t member, const char *name,
                        int public_, int64_t now, int64_t *out_id)
{
    int rc = pb_stmt_int(db->st, sql[Q_COLL_ADD],
                         PB_ARGS(pb_int(member), pb_text(name),
                                 pb_int(public_ ? 1 : 0), pb_int(now)),
                         out_id);
    return rc == PB_ENOTFOUND ? PB_EDB : rc;
}

static int coll_row(void *ctx, const struct pb_row *r)
{
    struct pb_collection *c = ctx;
    memset(c, 0, sizeof *c);
    c->id = pb_row_int(r, 0);
    c->member = pb_row_int(r, 1);
    pb_row_copy(r, 2, c->owner, sizeof c->owner);
    pb_row_copy(r, 3, c->name, sizeof c->name);
    c->public_ = (int)pb_row_int(r, 4);
    c->n_items = pb_row_int(r, 5);
    return PB_OK;
}

int pb_cmdb_coll_get(struct pb_cmdb *db, int64_t id, struct pb_collection *out)
{
    return ONE(db, Q_COLL_GET, coll_row, out, pb_int(id));
}

/* Run statement which with args in a transaction in which member owns
 * collection id. */
static int coll_op(struct pb_cmdb *db, int64_t id, int64_t member, int which,
                   const struct pb_arg *args, size_t n)
{
    struct pb_collection c;
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    if (!(rc = pb_cmdb_coll_get(db, id, &c)) && c.member != member)
        rc = PB_EPERM;
    if (rc) {
        pb_store_rollback(db->st);
        return rc;
    }
    rc = pb_stmt_exec(db->st, sql[which], args, n);
    if (!rc)
        rc = bump(db);
    return finish(db, rc);
}

int pb_cmdb_coll_delete(struct pb_cmdb *db, int64_t id, int64_t member)
{
    return coll_op(db, id, member, Q_COLL_DEL, PB_ARGS(pb_int(id)));
}

int pb_cmdb_coll_rename(struct pb_cmdb *db, int64_t id, int64_t member,
                        const char *name, int public_)
{
    return coll_op(db, id, member, Q_COLL_RENAME,
                   PB_ARGS(pb_int(id), pb_text(name),
                           pb_int(public_ ? 1 : 0)));
}

int pb_cmdb_coll_add(struct pb_cmdb *db, int64_t id, int64_t member,
                     int64_t pid, int64_t now)
{
    return coll_op(db, id, member, Q_COLL_ITEM_ADD,
                   PB_ARGS(pb_int(id), pb_int(pid), pb_int(now)));
}

int pb_cmdb_coll_remove(struct pb_cmdb *db, int64_t id, int64_t member,
                        int64_t pid)
{
    return coll_op(db, id, member, Q_COLL_ITEM_DEL,
                   PB_ARGS(pb_int(id), pb_int(pid)));
}

static int coll_each_row(void *ctx, const struct pb_row *r)
{
    struct each *e = ctx;
    struct pb_collection c;
    coll_row(&c, r);
    return e->fn.coll(e->ctx, &c);
}

int pb_cmdb_coll_each(struct pb_cmdb *db, int64_t member, int with_private,
                      pb_cmdb_coll_fn fn, void *ctx)
{
    struct each e = {.fn.coll = fn, .ctx = ctx};
    return EACH(db, Q_COLL_EACH, coll_each_row, &e, pb_int(member),
                pb_int(with_private ? 1 : 0));
}

struct list_out {
    struct pb_feed_list *l;
    size_t limit;
};

static int list_row(void *ctx, const struct pb_row *r)
{
    struct list_out *o = ctx;
    struct pb_feed_list *l = o->l;
    if (l->n == o->limit) {
        l->more = 1;
        return STOP;
    }
    pb_paper_init(&l->v[l->n]);
    pb_store_read_paper(r, &l->v[l->n], &l->pid[l->n], NULL, NULL);
    l->n++;
    return PB_OK;
}

/* Up to limit papers of statement q (args) into out; out->more when
 * there was one more. */
static int read_list(struct pb_cmdb *db, const char *q,
                     const struct pb_arg *args, size_t n, int limit,
                     struct pb_feed_list *out)
{
    struct list_out o = {out, (size_t)limit};
    out->v = pb_reallocarray(NULL, (size_t)limit, sizeof *out->v);
    out->pid = pb_reallocarray(NULL, (size_t)limit, sizeof *out->pid);
    int rc = pb_stmt_each(db->st, q, args, n, list_row, &o);
    return rc == STOP ? PB_OK : rc;
}

int pb_cmdb_coll_papers(struct pb_cmdb *db, int64_t id,
                        struct pb_feed_list *out)
{
    pb_feed_list_clear(out);
    return read_list(db, sql[Q_COLL_PAPERS], PB_ARGS(pb_int(id)), 1000, out);
}

/* --- marks: upvoted, collected, not interested -------------------------- */

int pb_cmdb_dismiss(struct pb_cmdb *db, int64_t member, int64_t pid, int on,
                    int64_t now)
{
    return on_off(db, Q_DISMISS_ON, Q_DISMISS_OFF, on, member, pid, now);
}

int pb_cmdb_dismissed(struct pb_cmdb *db, int64_t member, int64_t pid,
                      int *out)
{
    return has_row(db, Q_DISMISSED, member, pid, out);
}

int pb_cmdb_member_pids(struct pb_cmdb *db, int64_t member, int which,
                        size_t max, int64_t **out, size_t *out_n)
{
    static const int pick[] = {Q_MARK_UP, Q_MARK_COLL, Q_MARK_DIS};
    *out = NULL;
    *out_n = 0;
    if (which < 0 || which > 2)
        return PB_EINVAL;
    if (max > PB_CM_MARKS_MAX)
        max = PB_CM_MARKS_MAX;
    if (!max)
        return PB_OK;
    return pb_stmt_ints(db->st, sql[pick[which]],
                        PB_ARGS(pb_int(member), pb_int((int64_t)max)), out,
                        out_n);
}

int pb_cmdb_member_papers(struct pb_cmdb *db, int64_t member, int which,
                          int64_t offset, int limit, struct pb_feed_list *out)
{
    static const int pick[] = {Q_LIST_UP, Q_LIST_COLL, Q_LIST_DIS};
    pb_feed_list_clear(out);
    if (which < 0 || which > 2 || limit < 1 || limit > 1000 || offset < 0)
        return PB_EINVAL;
    int rc = read_list(db, sql[pick[which]],
                       PB_ARGS(pb_int(member), pb_int(limit + 1),
                               pb_int(offset)),
                       limit, out);
    if (!rc)
        rc = pb_cmdb_fill_counts(db, out);
    return rc;
}

static int int_row(void *ctx, const struct pb_row *r)
{
    *(int *)ctx = (int)pb_row_int(r, 0);
    return PB_OK;
}

int pb_cmdb_paper_shown(struct pb_cmdb *db, int64_t pid, int *out)
{
    *out = 0;
    return none_ok(ONE(db, Q_SHOWN, int_row, out, pb_int(pid)));
}

/* --- follows ------------------------------------------------------------- */

int pb_cmdb_follow(struct pb_cmdb *db, int64_t member, int kind,
                   const char *target, int on)
{
    return EXEC(db, on ? Q_FOLLOW_ON : Q_FOLLOW_OFF, pb_int(member),
                pb_int(kind), pb_text(target));
}

static int follow_row(void *ctx, const struct pb_row *r)
{
    struct each *e = ctx;
    const char *t = pb_row_text(r, 1);
    return e->fn.follow(e->ctx, (int)pb_row_int(r, 0), t ? t : "");
}

int pb_cmdb_follow_each(struct pb_cmdb *db, int64_t member,
                        pb_cmdb_follow_fn fn, void *ctx)
{
    struct each e = {.fn.follow = fn, .ctx = ctx};
    return EACH(db, Q_FOLLOW_EACH, follow_row, &e, pb_int(member));
}

/* --- moderation ---------------------------------------------------------- */

static int log_row(struct pb_cmdb *db, const char *actor, const char *action,
                   const char *target, int64_t now)
{
    return EXEC(db, Q_LOG, pb_int(now), pb_text(actor), pb_text(action),
                pb_text(target));
}

int pb_cmdb_paper_hide(struct pb_cmdb *db, int64_t pid, int hidden,
                       const char *actor, const char *target, int64_t now)
{
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    if (!(rc = EXEC(db, Q_HIDE, pb_int(pid), pb_int(hidden ? 1 : 0))) &&
        !(rc = log_row(db, actor, hidden ? "hide paper" : "unhide paper",
                       target, now)))
        rc = bump(db);
    return finish(db, rc);
}

int pb_cmdb_modlog(struct pb_cmdb *db, const char *actor, const char *action,
                   const char *target, int64_t now)
{
    return log_row(db, actor, action, target, now);
}

static int modlog_row(void *ctx, const struct pb_row *r)
{
    struct each *e = ctx;
    return e->fn.log(e->ctx, pb_row_int(r, 0), pb_row_text(r, 1),
                 pb_row_text(r, 2), pb_row_text(r, 3));
}

int pb_cmdb_modlog_each(struct pb_cmdb *db, int limit, pb_cmdb_log_fn fn,
                        void *ctx)
{
    struct each e = {.fn.log = fn, .ctx = ctx};
    return EACH(db, Q_LOG_EACH, modlog_row, &e, pb_int(limit));
}

/* --- trending and generation -------------------------------------------- */

int pb_cmdb_trending(struct pb_cmdb *db, const char *from, const char *to,
                     const struct pb_trend_params *tp, int64_t offset,
                     int limit, struct pb_feed_list *out)
{
    pb_feed_list_clear(out);
    if (limit < 1 || limit > 1000 || offset < 0 || !(tp->gravity > 0) ||
        !(tp->comment_weight >= 0))
        return PB_EINVAL;
    int rc = read_list(db,
                       pb_sql(db->st, TRENDING("max", PB_SQLITE_EPOCH),
                              TRENDING("greatest", PB_PG_EPOCH)),
                       PB_ARGS(pb_text(from), pb_text(to), pb_int(tp->ref),
                               pb_real(tp->comment_weight),
                               pb_real(tp->gravity), pb_int(limit + 1),
                               pb_int(offset)),
                       limit, out);
    if (!rc)
        rc = pb_cmdb_fill_counts(db, out);
    return rc;
}

int pb_cmdb_generation(struct pb_cmdb *db, int64_t *out)
{
    int rc = pb_stmt_int(db->st, sql[Q_GEN], PB_NOARGS, out);
    return rc == PB_ENOTFOUND ? PB_EDB : rc;
}
