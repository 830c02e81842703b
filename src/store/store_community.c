/* store_community.c - the community's SQL (see store_community.h). */
#include "store/store_community.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_int.h"

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
    Q_HIDE, Q_LOG, Q_LOG_EACH, Q_TRENDING,
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
                     " VALUES(?1, ?2, ?3, ?4, ?5)",
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
                    " votes = votes + excluded.votes,"
                    " comments = comments + excluded.comments",
    [Q_VOTE_INS] = "INSERT INTO votes(member, pid, at) VALUES(?1, ?2, ?3)"
                   " ON CONFLICT(member, pid) DO NOTHING",
    [Q_VOTE_DEL] = "DELETE FROM votes WHERE member = ?1 AND pid = ?2",
    [Q_VOTED] = "SELECT 1 FROM votes WHERE member = ?1 AND pid = ?2",
    [Q_LOCAL_VOTES] = "SELECT votes, comments FROM paper_stats"
                      " WHERE pid = ?1",
    [Q_COMMENT_COUNT] = "SELECT count(*) FROM comments WHERE member = ?1"
                        " AND created >= ?2",
    [Q_COMMENT_ADD] = "INSERT INTO comments(pid, member, body, created)"
                      " VALUES(?1, ?2, ?3, ?4)",
    [Q_COMMENT_GET] = "SELECT c.id, c.pid, c.member, m.name, c.body,"
                      " c.created, c.edited, c.hidden FROM comments c"
                      " JOIN members m ON m.id = c.member"
                      " WHERE c.id = ?1 AND c.deleted = 0",
    [Q_COMMENT_EDIT] = "UPDATE comments SET body = ?2, edited = ?3"
                       " WHERE id = ?1",
    [Q_COMMENT_DEL] = "UPDATE comments SET deleted = 1, body = ''"
                      " WHERE id = ?1",
    [Q_COMMENT_HIDE] = "UPDATE comments SET hidden = ?2 WHERE id = ?1"
                       " AND deleted = 0",
    [Q_COMMENT_EACH] = "SELECT c.id, c.pid, c.member, m.name, c.body,"
                       " c.created, c.edited, c.hidden FROM comments c"
                       " JOIN members m ON m.id = c.member"
                       " WHERE c.pid = ?1 AND c.deleted = 0"
                       " AND (?2 OR c.hidden = 0) ORDER BY c.id",
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
                   " VALUES(?1, ?2, ?3, ?4)",
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
                    " WHERE c.member = ?1 AND (?2 OR c.public = 1)"
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
    /* the listed_day index finds the window; the score is computed for
     * its rows only (docs/TRENDING.md) */
    [Q_TRENDING] =
        "SELECT " PAPER_COLS_P ","
        " (max(coalesce(p.upvotes, 0), 0) + coalesce(s.votes, 0)"
        "  + ?4 * (max(coalesce(p.n_comments, 0), 0)"
        "          + coalesce(s.comments, 0)))"
        " / pow(max(?3 - coalesce(s.submitted_at,"
        "                         unixepoch(l.lday)), 0) / 3600.0"
        "       + 2.0, ?5) AS score"
        /* a paper on several days of the window counts from its latest */
        " FROM papers p JOIN (SELECT pid AS lpid, max(day) AS lday"
        "  FROM listings WHERE day BETWEEN ?1 AND ?2 GROUP BY pid) l"
        "  ON l.lpid = p.pid"
        " LEFT JOIN paper_stats s ON s.pid = p.pid"
        " WHERE p.deleted = 0"
        " AND coalesce(s.hidden, 0) = 0"
        " ORDER BY score DESC, l.lday DESC, p.pid DESC"
        " LIMIT ?6 OFFSET ?7",
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
    [Q_SHOWN] = "SELECT p.deleted = 0 AND coalesce(s.hidden, 0) = 0"
                " FROM papers p LEFT JOIN paper_stats s ON s.pid = p.pid"
                " WHERE p.pid = ?1",
};

struct pb_cmdb {
    struct pb_store *st;
    sqlite3_stmt *s[Q_COUNT];
};

struct pb_cmdb *pb_cmdb_new(struct pb_store *st)
{
    struct pb_cmdb *db = pb_calloc(1, sizeof *db);
    db->st = st;
    return db;
}

void pb_cmdb_free(struct pb_cmdb *db)
{
    if (!db)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(db->s[i]);
    free(db);
}

/* The statement i, reset and unbound; NULL on a prepare error. */
static sqlite3_stmt *q(struct pb_cmdb *db, int i)
{
    if (pb_store_prepare(db->st, &db->s[i], sql[i]))
        return NULL;
    return db->s[i];
}

static void done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Step s once expecting no row; PB_OK, PB_EEXIST on a constraint, PB_EDB. */
static int exec(sqlite3_stmt *s)
{
    int step = sqlite3_step(s);
    int rc = step == SQLITE_DONE                        ? PB_OK
             : (step & 0xff) == SQLITE_CONSTRAINT ? PB_EEXIST
                                                        : PB_EDB;
    done(s);
    return rc;
}

static int changes(struct pb_cmdb *db)
{
    return sqlite3_changes(db->st->db);
}

static int bump(struct pb_cmdb *db)
{
    sqlite3_stmt *s = q(db, Q_GEN_BUMP);
    return s ? exec(s) : PB_EDB;
}

/* Finish a transaction: commit when rc is PB_OK, else roll back. */
static int finish(struct pb_cmdb *db, int rc)
{
    if (!rc)
        rc = pb_store_commit(db->st);
    if (rc)
        pb_store_rollback(db->st);
    return rc;
}

static void copy_text(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static void read_member(sqlite3_stmt *s, struct pb_member *m)
{
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(s, 0);
    copy_text(m->name, sizeof m->name, s, 1);
    copy_text(m->email, sizeof m->email, s, 2);
    m->role = sqlite3_column_int(s, 3);
    m->disabled = sqlite3_column_int(s, 4);
    m->created = sqlite3_column_int64(s, 5);
}

/* One row into *m, PB_ENOTFOUND without one. */
static int one_member(sqlite3_stmt *s, struct pb_member *m, char *pwhash)
{
    int step = sqlite3_step(s), rc = PB_OK;
    if (step == SQLITE_ROW) {
        read_member(s, m);
        if (pwhash)
            copy_text(pwhash, PB_CM_PWHASH_MAX + 1, s, 6);
    } else {
        rc = step == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    }
    done(s);
    return rc;
}

/* --- members and sessions ------------------------------------------------ */

int pb_cmdb_member_add(struct pb_cmdb *db, const char *name,
                       const char *email, const char *pwhash, int role,
                       int64_t now, int64_t *out_id)
{
    sqlite3_stmt *s = q(db, Q_MEMBER_ADD);
    if (!s)
        return PB_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, email, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, pwhash, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, role);
    sqlite3_bind_int64(s, 5, now);
    int rc = exec(s);
    if (!rc && out_id)
        *out_id = sqlite3_last_insert_rowid(db->st->db);
    return rc;
}

int pb_cmdb_member_get(struct pb_cmdb *db, const char *name,
                       struct pb_member *out, char *pwhash)
{
    sqlite3_stmt *s = q(db, Q_MEMBER_GET);
    if (!s)
        return PB_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    return one_member(s, out, pwhash);
}

int pb_cmdb_member_get_id(struct pb_cmdb *db, int64_t id,
                          struct pb_member *out)
{
    sqlite3_stmt *s = q(db, Q_MEMBER_GET_ID);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, id);
    return one_member(s, out, NULL);
}

static int set_int(struct pb_cmdb *db, int which, int64_t id, int64_t v)
{
    sqlite3_stmt *s = q(db, which);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, v);
    int rc = exec(s);
    if (!rc && !changes(db))
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
    if (!rc && disabled) {
        sqlite3_stmt *s = q(db, Q_MEMBER_KILL_SESSIONS);
        if (!s)
            rc = PB_EDB;
        else {
            sqlite3_bind_int64(s, 1, id);
            rc = exec(s);
        }
    }
    if (!rc)
        rc = bump(db);
    return finish(db, rc);
}

int pb_cmdb_member_each(struct pb_cmdb *db, pb_cmdb_member_fn fn, void *ctx)
{
    sqlite3_stmt *s = q(db, Q_MEMBER_EACH);
    if (!s)
        return PB_EDB;
    int rc = PB_OK, step;
    while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
        struct pb_member m;
        read_member(s, &m);
        rc = fn(ctx, &m);
    }
    if (!rc && step != SQLITE_DONE)
        rc = PB_EDB;
    done(s);
    return rc;
}

int pb_cmdb_session_add(struct pb_cmdb *db, const unsigned char hash[32],
                        int64_t member, int64_t now, int64_t expires)
{
    /* the member's expired sessions go when a new one comes */
    sqlite3_stmt *s = q(db, Q_SESSION_GC);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_int64(s, 2, now);
    int rc = exec(s);
    if (rc)
        return rc;
    if (!(s = q(db, Q_SESSION_ADD)))
        return PB_EDB;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, member);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, expires);
    return exec(s);
}

int pb_cmdb_session_get(struct pb_cmdb *db, const unsigned char hash[32],
                        int64_t now, struct pb_member *out)
{
    sqlite3_stmt *s = q(db, Q_SESSION_GET);
    if (!s)
        return PB_EDB;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    return one_member(s, out, NULL);
}

int pb_cmdb_session_del(struct pb_cmdb *db, const unsigned char hash[32])
{
    sqlite3_stmt *s = q(db, Q_SESSION_DEL);
    if (!s)
        return PB_EDB;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    return exec(s);
}

/* --- counts and votes ---------------------------------------------------- */

int pb_cmdb_stats(struct pb_cmdb *db, int64_t pid, struct pb_paper_stats *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = q(db, Q_STATS);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, pid);
    int step = sqlite3_step(s), rc = PB_OK;
    if (step == SQLITE_ROW) {
        out->votes = sqlite3_column_int64(s, 0);
        out->comments = sqlite3_column_int64(s, 1);
        out->hidden = sqlite3_column_int(s, 2);
        copy_text(out->submitted_by, sizeof out->submitted_by, s, 3);
    } else if (step != SQLITE_DONE) {
        rc = PB_EDB;
    }
    done(s);
    return rc;
}

int pb_cmdb_fill_counts(struct pb_cmdb *db, struct pb_feed_list *l)
{
    int began = 0, rc = l->n > 1 ? pb_store_read_begin(db->st, &began) : 0;
    for (size_t i = 0; i < l->n && !rc; i++) {
        sqlite3_stmt *s = q(db, Q_LOCAL_VOTES);
        if (!s) {
            rc = PB_EDB;
            break;
        }
        sqlite3_bind_int64(s, 1, l->pid[i]);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            struct pb_paper *p = &l->v[i];
            p->upvotes = (p->upvotes > 0 ? p->upvotes : 0) +
                         sqlite3_column_int64(s, 0);
            p->n_comments = (p->n_comments > 0 ? p->n_comments : 0) +
                            sqlite3_column_int64(s, 1);
        }
        done(s);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            rc = PB_EDB;
    }
    pb_store_read_end(db->st, began);
    return rc;
}

static int add_counts(struct pb_cmdb *db, int64_t pid, int votes, int comments)
{
    sqlite3_stmt *s = q(db, Q_STATS_ADD);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_int(s, 2, votes);
    sqlite3_bind_int(s, 3, comments);
    return exec(s);
}

static int voted(struct pb_cmdb *db, int64_t member, int64_t pid, int *out)
{
    sqlite3_stmt *s = q(db, Q_VOTED);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_int64(s, 2, pid);
    int step = sqlite3_step(s);
    done(s);
    *out = step == SQLITE_ROW;
    return step == SQLITE_ROW || step == SQLITE_DONE ? PB_OK : PB_EDB;
}

int pb_cmdb_voted(struct pb_cmdb *db, int64_t member, int64_t pid, int *out)
{
    return voted(db, member, pid, out);
}

int pb_cmdb_vote(struct pb_cmdb *db, int64_t member, int64_t pid, int want,
                 int64_t now, int *out_voted, int64_t *out_local)
{
    int rc = pb_store_begin(db->st), had = 0;
    if (rc)
        return rc;
    if ((rc = voted(db, member, pid, &had)))
        goto out;
    int on = want < 0 ? !had : want;
    *out_voted = on;
    if (on != had) {
        /* the UNIQUE(member, pid) row is the vote; the count moves only
         * when a row really came or went */
        sqlite3_stmt *s = q(db, on ? Q_VOTE_INS : Q_VOTE_DEL);
        if (!s) {
            rc = PB_EDB;
            goto out;
        }
        sqlite3_bind_int64(s, 1, member);
        sqlite3_bind_int64(s, 2, pid);
        if (on)
            sqlite3_bind_int64(s, 3, now);
        if ((rc = exec(s)))
            goto out;
        if (changes(db) == 1 && (rc = add_counts(db, pid, on ? 1 : -1, 0)))
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
    sqlite3_stmt *s = q(db, which);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_int64(s, 2, since);
    int rc = sqlite3_step(s) == SQLITE_ROW ? PB_OK : PB_EDB;
    *out = rc ? 0 : sqlite3_column_int64(s, 0);
    done(s);
    return rc;
}

int pb_cmdb_comment_add(struct pb_cmdb *db, int64_t pid, int64_t member,
                        const char *body, int64_t now, int64_t since,
                        int max_n, int64_t *out_id)
{
    int64_t n = 0;
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    if ((rc = count_since(db, Q_COMMENT_COUNT, member, since, &n)))
        goto out;
    if (n >= max_n) {
        rc = PB_EBUSY;
        goto out;
    }
    sqlite3_stmt *s = q(db, Q_COMMENT_ADD);
    if (!s) {
        rc = PB_EDB;
        goto out;
    }
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_int64(s, 2, member);
    sqlite3_bind_text(s, 3, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    if ((rc = exec(s)))
        goto out;
    *out_id = sqlite3_last_insert_rowid(db->st->db);
    if (!(rc = add_counts(db, pid, 0, 1)))
        rc = bump(db);
out:
    return finish(db, rc);
}

static void read_comment(sqlite3_stmt *s, struct pb_comment *c)
{
    c->id = sqlite3_column_int64(s, 0);
    c->pid = sqlite3_column_int64(s, 1);
    c->member = sqlite3_column_int64(s, 2);
    copy_text(c->author, sizeof c->author, s, 3);
    c->body = (char *)sqlite3_column_text(s, 4); /* borrowed here */
    c->created = sqlite3_column_int64(s, 5);
    c->edited = sqlite3_column_int64(s, 6);
    c->hidden = sqlite3_column_int(s, 7);
}

int pb_cmdb_comment_get(struct pb_cmdb *db, int64_t id, struct pb_comment *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = q(db, Q_COMMENT_GET);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s), rc = PB_OK;
    if (step == SQLITE_ROW) {
        read_comment(s, out);
        out->body = pb_strdup(out->body ? out->body : "");
    } else {
        rc = step == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    }
    done(s);
    return rc;
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
    sqlite3_stmt *s = q(db, Q_COMMENT_EDIT);
    if (!s) {
        rc = PB_EDB;
        goto out;
    }
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    if (!(rc = exec(s)))
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
    sqlite3_stmt *s = q(db, Q_COMMENT_DEL);
    if (!s) {
        rc = PB_EDB;
        goto out;
    }
    sqlite3_bind_int64(s, 1, id);
    if ((rc = exec(s)))
        goto out;
    if (!(rc = add_counts(db, c.pid, 0, -1)))
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

int pb_cmdb_comment_each(struct pb_cmdb *db, int64_t pid, int with_hidden,
                         pb_cmdb_comment_fn fn, void *ctx)
{
    sqlite3_stmt *s = q(db, Q_COMMENT_EACH);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_int(s, 2, with_hidden ? 1 : 0);
    int rc = PB_OK, step;
    while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
        struct pb_comment c;
        read_comment(s, &c);
        if (!c.body)
            c.body = (char *)"";
        rc = fn(ctx, &c);
    }
    if (!rc && step != SQLITE_DONE)
        rc = PB_EDB;
    done(s);
    return rc;
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
    if ((rc = pb_store_paper_get(db->st, id, &p, &pid)))
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
    sqlite3_stmt *s = q(db, Q_SUBMIT_ADD);
    if (!s) {
        rc = PB_EDB;
        goto out;
    }
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_int64(s, 2, member);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, day, -1, SQLITE_STATIC);
    if ((rc = exec(s)))
        goto out;
    if (!(s = q(db, Q_SUBMIT_STATS))) {
        rc = PB_EDB;
        goto out;
    }
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_int64(s, 2, member);
    sqlite3_bind_int64(s, 3, now);
    if (!(rc = exec(s)))
        rc = bump(db);
out:
    pb_paper_clear(&p);
    return finish(db, rc);
}

/* --- collections --------------------------------------------------------- */

int pb_cmdb_coll_create(struct pb_cmdb *db, int64_t member, const char *name,
                        int public_, int64_t now, int64_t *out_id)
{
    sqlite3_stmt *s = q(db, Q_COLL_ADD);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, public_ ? 1 : 0);
    sqlite3_bind_int64(s, 4, now);
    int rc = exec(s);
    if (!rc)
        *out_id = sqlite3_last_insert_rowid(db->st->db);
    return rc;
}

static void read_coll(sqlite3_stmt *s, struct pb_collection *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(s, 0);
    c->member = sqlite3_column_int64(s, 1);
    copy_text(c->owner, sizeof c->owner, s, 2);
    copy_text(c->name, sizeof c->name, s, 3);
    c->public_ = sqlite3_column_int(s, 4);
    c->n_items = sqlite3_column_int64(s, 5);
}

int pb_cmdb_coll_get(struct pb_cmdb *db, int64_t id, struct pb_collection *out)
{
    sqlite3_stmt *s = q(db, Q_COLL_GET);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s), rc = PB_OK;
    if (step == SQLITE_ROW)
        read_coll(s, out);
    else
        rc = step == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    done(s);
    return rc;
}

/* Begin a transaction in which member owns collection id. */
static int begin_owned(struct pb_cmdb *db, int64_t id, int64_t member)
{
    struct pb_collection c;
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    if (!(rc = pb_cmdb_coll_get(db, id, &c)) && c.member != member)
        rc = PB_EPERM;
    if (rc)
        pb_store_rollback(db->st);
    return rc;
}

static int coll_op(struct pb_cmdb *db, int which, int64_t id, int64_t member,
                   int64_t a, int64_t b, const char *text)
{
    int rc = begin_owned(db, id, member);
    if (rc)
        return rc;
    sqlite3_stmt *s = q(db, which);
    if (!s)
        return finish(db, PB_EDB);
    sqlite3_bind_int64(s, 1, id);
    if (text) {
        sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, a);
    } else if (which != Q_COLL_DEL) {
        sqlite3_bind_int64(s, 2, a);
        if (which == Q_COLL_ITEM_ADD)
            sqlite3_bind_int64(s, 3, b);
    }
    rc = exec(s);
    if (!rc)
        rc = bump(db);
    return finish(db, rc);
}

int pb_cmdb_coll_delete(struct pb_cmdb *db, int64_t id, int64_t member)
{
    return coll_op(db, Q_COLL_DEL, id, member, 0, 0, NULL);
}

int pb_cmdb_coll_rename(struct pb_cmdb *db, int64_t id, int64_t member,
                        const char *name, int public_)
{
    return coll_op(db, Q_COLL_RENAME, id, member, public_ ? 1 : 0, 0, name);
}

int pb_cmdb_coll_add(struct pb_cmdb *db, int64_t id, int64_t member,
                     int64_t pid, int64_t now)
{
    return coll_op(db, Q_COLL_ITEM_ADD, id, member, pid, now, NULL);
}

int pb_cmdb_coll_remove(struct pb_cmdb *db, int64_t id, int64_t member,
                        int64_t pid)
{
    return coll_op(db, Q_COLL_ITEM_DEL, id, member, pid, 0, NULL);
}

int pb_cmdb_coll_each(struct pb_cmdb *db, int64_t member, int with_private,
                      pb_cmdb_coll_fn fn, void *ctx)
{
    sqlite3_stmt *s = q(db, Q_COLL_EACH);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_int(s, 2, with_private ? 1 : 0);
    int rc = PB_OK, step;
    while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
        struct pb_collection c;
        read_coll(s, &c);
        rc = fn(ctx, &c);
    }
    if (!rc && step != SQLITE_DONE)
        rc = PB_EDB;
    done(s);
    return rc;
}

static int read_list(sqlite3_stmt *s, int limit, struct pb_feed_list *out)
{
    int rc = PB_OK, step;
    out->v = pb_reallocarray(NULL, (size_t)limit, sizeof *out->v);
    out->pid = pb_reallocarray(NULL, (size_t)limit, sizeof *out->pid);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n == (size_t)limit) {
            out->more = 1;
            break;
        }
        pb_paper_init(&out->v[out->n]);
        pb_store_read_paper(s, &out->v[out->n], &out->pid[out->n], NULL,
                            NULL);
        out->n++;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = PB_EDB;
    done(s);
    return rc;
}

int pb_cmdb_coll_papers(struct pb_cmdb *db, int64_t id,
                        struct pb_feed_list *out)
{
    pb_feed_list_clear(out);
    sqlite3_stmt *s = q(db, Q_COLL_PAPERS);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, id);
    return read_list(s, 1000, out);
}

/* --- marks: upvoted, collected, not interested -------------------------- */

int pb_cmdb_dismiss(struct pb_cmdb *db, int64_t member, int64_t pid, int on,
                    int64_t now)
{
    sqlite3_stmt *s = q(db, on ? Q_DISMISS_ON : Q_DISMISS_OFF);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_int64(s, 2, pid);
    if (on)
        sqlite3_bind_int64(s, 3, now);
    return exec(s);
}

int pb_cmdb_dismissed(struct pb_cmdb *db, int64_t member, int64_t pid,
                      int *out)
{
    sqlite3_stmt *s = q(db, Q_DISMISSED);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_int64(s, 2, pid);
    int step = sqlite3_step(s);
    done(s);
    *out = step == SQLITE_ROW;
    return step == SQLITE_ROW || step == SQLITE_DONE ? PB_OK : PB_EDB;
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
    sqlite3_stmt *s = q(db, pick[which]);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_int64(s, 2, (int64_t)max);
    int64_t *v = NULL;
    size_t n = 0, cap = 0;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = pb_reallocarray(v, cap, sizeof *v);
        }
        v[n++] = sqlite3_column_int64(s, 0);
    }
    done(s);
    if (step != SQLITE_DONE) {
        free(v);
        return PB_EDB;
    }
    *out = v;
    *out_n = n;
    return PB_OK;
}

int pb_cmdb_member_papers(struct pb_cmdb *db, int64_t member, int which,
                          int64_t offset, int limit, struct pb_feed_list *out)
{
    static const int pick[] = {Q_LIST_UP, Q_LIST_COLL, Q_LIST_DIS};
    pb_feed_list_clear(out);
    if (which < 0 || which > 2 || limit < 1 || limit > 1000 || offset < 0)
        return PB_EINVAL;
    sqlite3_stmt *s = q(db, pick[which]);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_int(s, 2, limit + 1);
    sqlite3_bind_int64(s, 3, offset);
    int rc = read_list(s, limit, out);
    if (!rc)
        rc = pb_cmdb_fill_counts(db, out);
    return rc;
}

int pb_cmdb_paper_shown(struct pb_cmdb *db, int64_t pid, int *out)
{
    sqlite3_stmt *s = q(db, Q_SHOWN);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, pid);
    int step = sqlite3_step(s);
    *out = step == SQLITE_ROW && sqlite3_column_int(s, 0);
    done(s);
    return step == SQLITE_ROW || step == SQLITE_DONE ? PB_OK : PB_EDB;
}

/* --- follows ------------------------------------------------------------- */

int pb_cmdb_follow(struct pb_cmdb *db, int64_t member, int kind,
                   const char *target, int on)
{
    sqlite3_stmt *s = q(db, on ? Q_FOLLOW_ON : Q_FOLLOW_OFF);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    sqlite3_bind_int(s, 2, kind);
    sqlite3_bind_text(s, 3, target, -1, SQLITE_STATIC);
    return exec(s);
}

int pb_cmdb_follow_each(struct pb_cmdb *db, int64_t member,
                        pb_cmdb_follow_fn fn, void *ctx)
{
    sqlite3_stmt *s = q(db, Q_FOLLOW_EACH);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, member);
    int rc = PB_OK, step;
    while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 1);
        rc = fn(ctx, sqlite3_column_int(s, 0), t ? (const char *)t : "");
    }
    if (!rc && step != SQLITE_DONE)
        rc = PB_EDB;
    done(s);
    return rc;
}

/* --- moderation ---------------------------------------------------------- */

static int log_row(struct pb_cmdb *db, const char *actor, const char *action,
                   const char *target, int64_t now)
{
    sqlite3_stmt *s = q(db, Q_LOG);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_text(s, 2, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, target, -1, SQLITE_STATIC);
    return exec(s);
}

int pb_cmdb_paper_hide(struct pb_cmdb *db, int64_t pid, int hidden,
                       const char *actor, const char *target, int64_t now)
{
    int rc = pb_store_begin(db->st);
    if (rc)
        return rc;
    sqlite3_stmt *s = q(db, Q_HIDE);
    if (!s)
        return finish(db, PB_EDB);
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_int(s, 2, hidden ? 1 : 0);
    if (!(rc = exec(s)) &&
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

int pb_cmdb_modlog_each(struct pb_cmdb *db, int limit, pb_cmdb_log_fn fn,
                        void *ctx)
{
    sqlite3_stmt *s = q(db, Q_LOG_EACH);
    if (!s)
        return PB_EDB;
    sqlite3_bind_int(s, 1, limit);
    int rc = PB_OK, step;
    while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW)
        rc = fn(ctx, sqlite3_column_int64(s, 0),
                (const char *)sqlite3_column_text(s, 1),
                (const char *)sqlite3_column_text(s, 2),
                (const char *)sqlite3_column_text(s, 3));
    if (!rc && step != SQLITE_DONE)
        rc = PB_EDB;
    done(s);
    return rc;
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
    sqlite3_stmt *s = q(db, Q_TRENDING);
    if (!s)
        return PB_EDB;
    sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, tp->ref);
    sqlite3_bind_double(s, 4, tp->comment_weight);
    sqlite3_bind_double(s, 5, tp->gravity);
    sqlite3_bind_int(s, 6, limit + 1);
    sqlite3_bind_int64(s, 7, offset);
    int rc = read_list(s, limit, out);
    if (!rc)
        rc = pb_cmdb_fill_counts(db, out);
    return rc;
}

int pb_cmdb_generation(struct pb_cmdb *db, int64_t *out)
{
    sqlite3_stmt *s = q(db, Q_GEN);
    if (!s)
        return PB_EDB;
    int rc = sqlite3_step(s) == SQLITE_ROW ? PB_OK : PB_EDB;
    *out = rc ? 0 : sqlite3_column_int64(s, 0);
    done(s);
    return rc;
}
