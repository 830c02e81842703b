/* store_mail.c - subscribers and the sent-log of digests (store_mail.h). */
#include "store/store_mail.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_int.h"
#include "store/store_stmt.h"

#define SUB_COLS                                                             \
    "id, email, state, freq, top_n, max_papers, categories, authors,"        \
    " keywords, created, coalesce(confirmed, 0), coalesce(confirm_sent, 0),"  \
    " refusals, coalesce(last_error, ''), coalesce(member, 0),"               \
    " CASE WHEN EXISTS(SELECT 1 FROM members m"                             \
    "  WHERE m.id = subscribers.member AND m.disabled = 0) THEN 1 ELSE 0 END,"\
    " recs"

/* A write; any failure is PB_EDB here, constraints included. */
static int write1(struct pb_store *st, const char *sql,
                  const struct pb_arg *args, size_t n)
{
    int rc = pb_stmt_exec(st, sql, args, n);
    return rc == PB_EEXIST ? PB_EDB : rc;
}
#define WRITE(st, sql, ...) write1(st, sql, PB_ARGS(__VA_ARGS__))

/* write1, then PB_ENOTFOUND unless it changed a row. */
static int write_some(struct pb_store *st, const char *sql,
                      const struct pb_arg *args, size_t n)
{
    int rc = write1(st, sql, args, n);
    return !rc && !pb_stmt_changes(st) ? PB_ENOTFOUND : rc;
}

/* Commit when rc is PB_OK, else roll back. */
static int finish(struct pb_store *st, int rc)
{
    if (rc) {
        pb_store_rollback(st);
        return rc;
    }
    return pb_store_commit(st);
}

/* A growing array of rows of size bytes each: next() is the next one. */
struct grow {
    void *v;
    size_t n, cap, size;
};

static void *next(struct grow *g)
{
    if (g->n == g->cap)
        g->v = pb_reallocarray(g->v, g->cap = g->cap ? g->cap * 2 : 16,
                               g->size);
    return (char *)g->v + g->size * g->n++;
}

static int read_sub(void *ctx, const struct pb_row *r)
{
    struct pb_sub *o = ctx;
    memset(o, 0, sizeof *o);
    o->id = pb_row_int(r, 0);
    pb_row_copy(r, 1, o->email, sizeof o->email);
    o->state = (int)pb_row_int(r, 2);
    o->freq = (int)pb_row_int(r, 3);
    o->top_n = (int)pb_row_int(r, 4);
    o->max_papers = (int)pb_row_int(r, 5);
    pb_row_copy(r, 6, o->categories, sizeof o->categories);
    pb_row_copy(r, 7, o->authors, sizeof o->authors);
    pb_row_copy(r, 8, o->keywords, sizeof o->keywords);
    o->created = pb_row_int(r, 9);
    o->confirmed = pb_row_int(r, 10);
    o->confirm_sent = pb_row_int(r, 11);
    o->refusals = (int)pb_row_int(r, 12);
    pb_row_copy(r, 13, o->last_error, sizeof o->last_error);
    o->member = pb_row_int(r, 14);
    o->member_ok = o->member && pb_row_int(r, 15);
    o->recs = (int)pb_row_int(r, 16);
    return PB_OK;
}

static int coll_row(void *ctx, const struct pb_row *r)
{
    struct pb_sub *o = ctx;
    if (o->n_colls < PB_SUB_COLLS_MAX)
        o->colls[o->n_colls++] = pb_row_int(r, 0);
    return PB_OK;
}

/* o's followed collections, ascending. */
static int read_colls(struct pb_store *st, struct pb_sub *o)
{
    o->n_colls = 0;
    return pb_stmt_each(st, "SELECT coll FROM sub_collections WHERE sub = ?1"
                            " ORDER BY coll",
                        PB_ARGS(pb_int(o->id)), coll_row, o);
}

struct since {
    const struct pb_sub *p;
    int64_t *since;
};

static int since_row(void *ctx, const struct pb_row *r)
{
    struct since *x = ctx;
    for (size_t i = 0; i < x->p->n_colls; i++)
        if (x->p->colls[i] == pb_row_int(r, 0))
            x->since[i] = pb_row_int(r, 1);
    return PB_OK;
}

/* Make sub's followed collections those of p: the others dropped, new
 * ones followed from now, one already followed keeps its start. Inside
 * the caller's transaction. */
static int write_colls(struct pb_store *st, int64_t sub,
                       const struct pb_sub *p, int64_t now)
{
    int64_t since[PB_SUB_COLLS_MAX];
    for (size_t i = 0; i < p->n_colls; i++)
        since[i] = now;
    struct since x = {p, since};
    int rc = pb_stmt_each(st, "SELECT coll, since FROM sub_collections"
                              " WHERE sub = ?1",
                          PB_ARGS(pb_int(sub)), since_row, &x);
    if (!rc)
        rc = WRITE(st, "DELETE FROM sub_collections WHERE sub = ?1",
                   pb_int(sub));
    for (size_t i = 0; i < p->n_colls && !rc; i++)
        rc = WRITE(st, "INSERT INTO sub_collections(sub, coll, since)"
                       " VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING",
                   pb_int(sub), pb_int(p->colls[i]), pb_int(since[i]));
    return rc;
}

int pb_store_mail_key(struct pb_store *st, unsigned char key[32])
{
    unsigned char fresh[32];
    char hex[65];
    randombytes_buf(fresh, sizeof fresh);
    sodium_bin2hex(hex, sizeof hex, fresh, sizeof fresh);
    sodium_memzero(fresh, sizeof fresh);
    char *have = NULL;
    if (!pb_store_meta_get(st, "mail.secret", &have) && strlen(have) == 64 &&
        !sodium_hex2bin(key, 32, have, 64, NULL, NULL, NULL)) {
        sodium_memzero(have, 64);
        free(have);
        sodium_memzero(hex, sizeof hex);
        return PB_OK; /* the common case: no write */
    }
    free(have);
    /* insert-if-absent, then read: whoever inserted first wins */
    int rc = WRITE(st, "INSERT INTO meta(key, value)"
                       " VALUES('mail.secret', ?1) ON CONFLICT DO NOTHING",
                   pb_text(hex));
    sodium_memzero(hex, sizeof hex);
    if (rc)
        return PB_EDB;
    char *v = NULL;
    rc = pb_store_meta_get(st, "mail.secret", &v);
    if (!rc && (strlen(v) != 64 ||
                sodium_hex2bin(key, 32, v, 64, NULL, NULL, NULL)))
        rc = PB_EDB;
    if (v)
        sodium_memzero(v, strlen(v));
    free(v);
    return rc;
}

/* The subscriber of sql (one argument) and its collections. */
static int sub_get(struct pb_store *st, const char *sql, struct pb_arg key,
                   struct pb_sub *out)
{
    int rc = pb_stmt_one(st, sql, &key, 1, read_sub, out);
    return rc ? rc : read_colls(st, out);
}

int pb_store_sub_get(struct pb_store *st, int64_t id, struct pb_sub *out)
{
    return sub_get(st, "SELECT " SUB_COLS " FROM subscribers WHERE id = ?1",
                   pb_int(id), out);
}

int pb_store_sub_get_email(struct pb_store *st, const char *email,
                           struct pb_sub *out)
{
    return sub_get(st, "SELECT " SUB_COLS " FROM subscribers"
                       " WHERE email = ?1", pb_text(email), out);
}

int pb_store_sub_add(struct pb_store *st, const struct pb_sub *in,
                     int64_t now, int64_t resend_s, int64_t *out_id)
{
    struct pb_sub cur;
    const char *sql = NULL;
    int insert = 0, rc = pb_store_begin(st);
    if (rc)
        return rc;
    rc = pb_store_sub_get_email(st, in->email, &cur);
    if (rc == PB_ENOTFOUND) {
        rc = PB_OK;
        insert = 1;
        sql = "INSERT INTO subscribers(email, state, freq, top_n,"
              " max_papers, categories, authors, keywords, member,"
              " recs, created)"
              " VALUES(?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    } else if (!rc && cur.state == PB_SUB_ACTIVE) {
        *out_id = cur.id;
        goto out;
    } else if (!rc) {
        int again = cur.state != PB_SUB_PENDING ||
                    !cur.confirm_sent || now - cur.confirm_sent >= resend_s;
        sql = again ? "UPDATE subscribers SET state = 0, freq = ?2,"
                      " top_n = ?3, max_papers = ?4, categories = ?5,"
                      " authors = ?6, keywords = ?7, member = ?8,"
                      " recs = ?9, refusals = 0,"
                      " confirm_sent = NULL WHERE email = ?1"
                    : "UPDATE subscribers SET freq = ?2, top_n = ?3,"
                      " max_papers = ?4, categories = ?5,"
                      " authors = ?6, keywords = ?7, member = ?8,"
                      " recs = ?9 WHERE email = ?1";
    }
    if (rc)
        goto out;
    /* the INSERT takes one more: created */
    const struct pb_arg args[] = {
        pb_text(in->email),      pb_int(in->freq),
        pb_int(in->top_n),       pb_int(in->max_papers),
        pb_text(in->categories), pb_text(in->authors),
        pb_text(in->keywords),   pb_int_or_null(in->member),
        pb_int(in->recs ? 1 : 0), pb_int(now)};
    size_t n = sizeof args / sizeof args[0];
    if ((rc = write1(st, sql, args, insert ? n : n - 1)))
        goto out;
    rc = pb_store_sub_get_email(st, in->email, &cur);
    if (!rc && !(rc = write_colls(st, cur.id, in, now)))
        *out_id = cur.id;
out:
    return finish(st, rc);
}

/* UPDATE subscribers with the id and one int64; PB_ENOTFOUND without a
 * change. */
static int update(struct pb_store *st, const char *sql, int64_t id,
                  int64_t v)
{
    return write_some(st, sql, PB_ARGS(pb_int(id), pb_int(v)));
}

int pb_store_sub_confirm(struct pb_store *st, int64_t id, int64_t now)
{
    struct pb_sub cur;
    int rc = pb_store_sub_get(st, id, &cur);
    if (rc)
        return rc;
    if (cur.state == PB_SUB_ACTIVE)
        return PB_OK;
    if (cur.state != PB_SUB_PENDING)
        return PB_EPERM;
    return update(st, "UPDATE subscribers SET state = 1, confirmed = ?2,"
                      " refusals = 0 WHERE id = ?1 AND state = 0", id, now);
}

int pb_store_sub_set_state(struct pb_store *st, int64_t id, int state)
{
    return update(st, "UPDATE subscribers SET state = ?2 WHERE id = ?1", id,
                  state);
}

int pb_store_sub_set_prefs(struct pb_store *st, int64_t id,
                           const struct pb_sub *p, int64_t now)
{
    int rc = pb_store_begin(st);
    if (rc)
        return rc;
    rc = write_some(st, "UPDATE subscribers SET freq = ?2, top_n = ?3,"
                        " max_papers = ?4, categories = ?5, authors = ?6,"
                        " keywords = ?7, recs = ?8 WHERE id = ?1",
                    PB_ARGS(pb_int(id), pb_int(p->freq), pb_int(p->top_n),
                            pb_int(p->max_papers), pb_text(p->categories),
                            pb_text(p->authors), pb_text(p->keywords),
                            pb_int(p->recs ? 1 : 0)));
    if (!rc)
        rc = write_colls(st, id, p, now);
    return finish(st, rc);
}

int pb_store_sub_set_member(struct pb_store *st, int64_t id, int64_t member)
{
    return update(st, "UPDATE subscribers SET member ="
                      " nullif(CAST(?2 AS BIGINT), 0)"
                      " WHERE id = ?1", id, member);
}

static int name_row(void *ctx, const struct pb_row *r)
{
    if (ctx)
        pb_row_copy(r, 0, ctx, 101);
    return PB_OK;
}

int pb_store_mail_coll_visible(struct pb_store *st, int64_t coll,
                               int64_t member, char *name)
{
    return pb_stmt_one(st, "SELECT name FROM collections WHERE id = ?1"
                           " AND (public = 1 OR (CAST(?2 AS BIGINT) <> 0"
                           " AND member = ?2))",
                       PB_ARGS(pb_int(coll), pb_int(member)), name_row,
                       name);
}

int pb_store_mail_coll_name(struct pb_store *st, int64_t coll, char *name)
{
    return pb_stmt_one(st, "SELECT name FROM collections WHERE id = ?1",
                       PB_ARGS(pb_int(coll)), name_row, name);
}

int pb_store_sub_confirm_sent(struct pb_store *st, int64_t id, int64_t now)
{
    return update(st, "UPDATE subscribers SET confirm_sent = ?2 WHERE id = ?1",
                  id, now);
}

static int paused_row(void *ctx, const struct pb_row *r)
{
    *(int *)ctx = pb_row_int(r, 0) == PB_SUB_PAUSED;
    return PB_OK;
}

int pb_store_sub_refused(struct pb_store *st, int64_t id, const char *why,
                         int pause_after, int *out_paused)
{
    *out_paused = 0;
    int rc = pb_stmt_one(st, "UPDATE subscribers SET refusals = refusals + 1,"
                             " last_error = ?2,"
                             " state = CASE WHEN refusals + 1 >= ?3"
                             "  AND state = 1 THEN 3 ELSE state END"
                             " WHERE id = ?1 RETURNING state",
                         PB_ARGS(pb_int(id), pb_text(why ? why : ""),
                                 pb_int(pause_after)),
                         paused_row, out_paused);
    return rc == PB_EEXIST ? PB_EDB : rc;
}

int pb_store_sub_delivered(struct pb_store *st, int64_t id)
{
    return update(st, "UPDATE subscribers SET refusals = ?2, last_error = NULL"
                      " WHERE id = ?1", id, 0);
}

static int sub_row(void *ctx, const struct pb_row *r)
{
    return read_sub(next(ctx), r);
}

int pb_store_sub_each(struct pb_store *st, int state, pb_store_sub_fn fn,
                      void *ctx)
{
    /* read all first: fn writes to the same tables */
    struct grow g = {.size = sizeof(struct pb_sub)};
    int rc = state == PB_SUB_EACH_TO_CONFIRM
                 ? pb_stmt_each(st, "SELECT " SUB_COLS " FROM subscribers"
                                    " WHERE state = 0 AND confirm_sent IS NULL"
                                    " ORDER BY id",
                                PB_NOARGS, sub_row, &g)
                 : pb_stmt_each(st, "SELECT " SUB_COLS " FROM subscribers"
                                    " WHERE state = ?1 ORDER BY id",
                                PB_ARGS(pb_int(state)), sub_row, &g);
    struct pb_sub *v = g.v;
    for (size_t i = 0; i < g.n && !rc; i++)
        if (!(rc = read_colls(st, &v[i])))
            rc = fn(ctx, &v[i]);
    free(v);
    return rc;
}

/* of mail_digests d */
#define DIGEST_COLS                                                          \
    "d.state, d.message_id, d.attempts, d.next_try, coalesce(d.sent_at, 0),"  \
    " d.created, coalesce(d.claimed_by, ''), coalesce(d.claimed_at, 0)"

static void read_digest(const struct pb_row *r, int i,
                        struct pb_digest_rec *out)
{
    memset(out, 0, sizeof *out);
    out->state = (int)pb_row_int(r, i);
    pb_row_copy(r, i + 1, out->message_id, sizeof out->message_id);
    out->attempts = (int)pb_row_int(r, i + 2);
    out->next_try = pb_row_int(r, i + 3);
    out->sent_at = pb_row_int(r, i + 4);
    out->created = pb_row_int(r, i + 5);
    pb_row_copy(r, i + 6, out->claimed_by, sizeof out->claimed_by);
    out->claimed_at = pb_row_int(r, i + 7);
}

static int digest_row(void *ctx, const struct pb_row *r)
{
    read_digest(r, 0, ctx);
    return PB_OK;
}

int pb_store_digest_get(struct pb_store *st, int64_t sub, const char *period,
                        struct pb_digest_rec *out)
{
    return pb_stmt_one(st, "SELECT " DIGEST_COLS " FROM mail_digests d"
                           " WHERE d.sub = ?1 AND d.period = ?2",
                       PB_ARGS(pb_int(sub), pb_text(period)), digest_row,
                       out);
}

int pb_store_digest_prepare(struct pb_store *st, int64_t sub,
                            const char *period, const char *message_id,
                            const struct pb_digest_item *items, size_t n,
                            int64_t now)
{
    int rc = pb_store_begin(st);
    if (rc)
        return rc;
    /* PB_EEXIST: this digest is prepared already */
    rc = pb_stmt_exec(st, "INSERT INTO mail_digests(sub, period, state,"
                          " message_id, attempts, next_try, created)"
                          " VALUES(?1, ?2, 0, ?3, 0, 0, ?4)",
                      PB_ARGS(pb_int(sub), pb_text(period),
                              pb_text(message_id), pb_int(now)));
    for (size_t i = 0; i < n && !rc; i++)
        rc = WRITE(st, "INSERT INTO mail_papers(sub, pid, period, pos, src,"
                       " coll) VALUES(?1, ?2, ?3, ?4, ?5,"
                       " nullif(CAST(?6 AS BIGINT), 0))"
                       " ON CONFLICT DO NOTHING",
                   pb_int(sub), pb_int(items[i].pid), pb_text(period),
                   pb_int((int64_t)i), pb_int(items[i].src),
                   pb_int(items[i].coll));
    return finish(st, rc);
}

/* (pid, src, coll) rows, each pid once. */
static int item_row(void *ctx, const struct pb_row *r)
{
    struct grow *g = ctx;
    struct pb_digest_item *v = g->v;
    int64_t pid = pb_row_int(r, 0);
    for (size_t i = 0; i < g->n; i++)
        if (v[i].pid == pid)
            return PB_OK;
    v = next(g);
    v->pid = pid;
    v->src = (int)pb_row_int(r, 1);
    v->coll = pb_row_int(r, 2);
    return PB_OK;
}

/* Run sql and collect its items into *out. */
static int collect_items(struct pb_store *st, const char *sql,
                         const struct pb_arg *args, size_t n,
                         struct pb_digest_item **out, size_t *out_n)
{
    struct grow g = {.size = sizeof **out};
    int rc = pb_stmt_each(st, sql, args, n, item_row, &g);
    if (rc) {
        free(g.v);
        return rc;
    }
    *out = g.v;
    *out_n = g.n;
    return PB_OK;
}

int pb_store_digest_papers(struct pb_store *st, int64_t sub,
                           const char *period, struct pb_digest_item **out,
                           size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    return collect_items(st, "SELECT pid, src, coalesce(coll, 0)"
                             " FROM mail_papers WHERE sub = ?1"
                             " AND period = ?2 ORDER BY pos",
                         PB_ARGS(pb_int(sub), pb_text(period)), out, out_n);
}

int pb_store_digest_claim(struct pb_store *st, int64_t sub,
                          const char *period, int64_t now,
                          int64_t lease_until, const char *by)
{
    /* the claim is the record that this message may be on its way: it
     * must survive a power cut as well as a crash, so this one commit is
     * synced (WAL with synchronous=NORMAL survives a killed process but
     * not the machine's crash; PostgreSQL's commits are synced unless its
     * operator said otherwise) */
    int lite = st->backend == PB_BACKEND_SQLITE;
    if (lite && pb_stmt_exec(st, "PRAGMA synchronous=FULL", PB_NOARGS))
        return PB_EDB;
    int rc = WRITE(st, "UPDATE mail_digests SET state = 3, next_try = ?4,"
                       " claimed_by = ?5, claimed_at = ?3"
                       " WHERE sub = ?1 AND period = ?2 AND state = 0",
                   pb_int(sub), pb_text(period), pb_int(now),
                   pb_int(lease_until), pb_text(by ? by : ""));
    if (!rc && pb_stmt_changes(st) != 1)
        rc = PB_EBUSY;
    if (lite && pb_stmt_exec(st, "PRAGMA synchronous=NORMAL", PB_NOARGS))
        rc = rc ? rc : PB_EDB;
    return rc;
}

int pb_store_digest_release(struct pb_store *st, int64_t sub,
                            const char *period, int as_sent, int64_t now)
{
    /* sent_at is set when it goes out as sent (?4 NULL otherwise) */
    int rc = WRITE(st, "UPDATE mail_digests SET state = ?3, next_try = 0,"
                       " sent_at = coalesce(?4, sent_at)"
                       " WHERE sub = ?1 AND period = ?2 AND state = 3",
                   pb_int(sub), pb_text(period),
                   pb_int(as_sent ? PB_DIGEST_SENT : PB_DIGEST_PREPARED),
                   as_sent ? pb_int(now) : pb_null());
    if (!rc && pb_stmt_changes(st) != 1)
        rc = PB_ENOTFOUND;
    return rc;
}

int pb_store_sub_confirm_claim(struct pb_store *st, int64_t id, int64_t now)
{
    int rc = update(st, "UPDATE subscribers SET confirm_sent = ?2"
                        " WHERE id = ?1 AND state = 0"
                        " AND confirm_sent IS NULL", id, now);
    return rc == PB_ENOTFOUND ? PB_EBUSY : rc;
}

int pb_store_sub_confirm_unclaim(struct pb_store *st, int64_t id)
{
    return update(st, "UPDATE subscribers SET confirm_sent = NULL"
                      " WHERE id = ?1 AND ?2 = 0", id, 0);
}

int pb_store_digest_mark(struct pb_store *st, int64_t sub, const char *period,
                         int state, int attempts, int64_t next_try,
                         int64_t now)
{
    /* sent_at is set when it is marked sent (?6 NULL otherwise) */
    return WRITE(st, "UPDATE mail_digests SET state = ?3, attempts = ?4,"
                     " next_try = ?5, sent_at = coalesce(?6, sent_at)"
                     " WHERE sub = ?1 AND period = ?2",
                 pb_int(sub), pb_text(period), pb_int(state),
                 pb_int(attempts), pb_int(next_try),
                 state == PB_DIGEST_SENT ? pb_int(now) : pb_null());
}

struct due {
    int64_t sub;
    char period[32];
};

static int due_row(void *ctx, const struct pb_row *r)
{
    struct due *d = next(ctx);
    d->sub = pb_row_int(r, 0);
    pb_row_copy(r, 1, d->period, sizeof d->period);
    return PB_OK;
}

int pb_store_digest_due(struct pb_store *st, int64_t now,
                        pb_store_digest_fn fn, void *ctx)
{
    struct grow g = {.size = sizeof(struct due)};
    int rc = pb_stmt_each(st, "SELECT sub, period FROM mail_digests"
                              " WHERE state = 0 AND next_try <= ?1"
                              " ORDER BY created, sub",
                          PB_ARGS(pb_int(now)), due_row, &g);
    struct due *v = g.v;
    for (size_t i = 0; i < g.n && !rc; i++)
        rc = fn(ctx, v[i].sub, v[i].period);
    free(v);
    return rc;
}

int pb_store_mail_candidates(struct pb_store *st, int64_t sub,
                             const char *from, const char *to, int limit,
                             int64_t **out, size_t *out_n)
{
    return pb_stmt_ints(
        st, "SELECT pid FROM papers WHERE deleted = 0"
            " AND EXISTS (SELECT 1 FROM listings l"
            "  WHERE l.pid = papers.pid AND l.day BETWEEN ?2 AND ?3)"
            " AND NOT EXISTS (SELECT 1 FROM paper_stats h"
            "  WHERE h.pid = papers.pid AND h.hidden = 1)"
            " AND NOT EXISTS (SELECT 1 FROM mail_papers m"
            "  WHERE m.sub = ?1 AND m.pid = papers.pid)"
            " ORDER BY coalesce(upvotes, 0) DESC, listed_day DESC NULLS LAST,"
            " coalesce(published, 0) DESC, pid DESC LIMIT ?4",
        PB_ARGS(pb_int(sub), pb_text(from), pb_text(to), pb_int(limit)), out,
        out_n);
}

struct sending {
    int64_t sub;
    char email[PB_SUB_EMAIL_MAX + 1], period[32];
    struct pb_digest_rec rec;
};

static int sending_row(void *ctx, const struct pb_row *r)
{
    struct sending *x = next(ctx);
    x->sub = pb_row_int(r, 0);
    pb_row_copy(r, 1, x->email, sizeof x->email);
    pb_row_copy(r, 2, x->period, sizeof x->period);
    read_digest(r, 3, &x->rec);
    return PB_OK;
}

int pb_store_digest_sending_each(struct pb_store *st, pb_store_sending_fn fn,
                                 void *ctx)
{
    struct grow g = {.size = sizeof(struct sending)};
    int rc = pb_stmt_each(st, "SELECT d.sub, s.email, d.period, " DIGEST_COLS
                              " FROM mail_digests d"
                              " JOIN subscribers s ON s.id = d.sub"
                              " WHERE d.state = 3"
                              " ORDER BY d.claimed_at NULLS FIRST, d.sub",
                          PB_NOARGS, sending_row, &g);
    struct sending *v = g.v;
    for (size_t i = 0; i < g.n && !rc; i++)
        rc = fn(ctx, v[i].sub, v[i].email, v[i].period, &v[i].rec);
    free(v);
    return rc;
}

int pb_store_mail_coll_candidates(struct pb_store *st,
                                  const struct pb_sub *sub, int64_t until,
                                  int limit, struct pb_digest_item **out,
                                  size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    /* since the previous digest ([its creation, until): the one before
     * took [.., its creation)), else since the follow began; a private
     * collection only while its owner is this subscription's member */
    return collect_items(
        st, "SELECT i.pid, 1, i.coll FROM sub_collections f"
            " JOIN collections c ON c.id = f.coll"
            " JOIN collection_items i ON i.coll = f.coll"
            " JOIN papers p ON p.pid = i.pid"
            " WHERE f.sub = ?1 AND p.deleted = 0"
            " AND (c.public = 1 OR (CAST(?2 AS BIGINT) <> 0"
            "  AND c.member = ?2))"
            " AND i.added < ?3 AND i.added >= coalesce("
            "  (SELECT max(created) FROM mail_digests d"
            "   WHERE d.sub = ?1), f.since)"
            " AND NOT EXISTS (SELECT 1 FROM paper_stats h"
            "  WHERE h.pid = i.pid AND h.hidden = 1)"
            " AND NOT EXISTS (SELECT 1 FROM mail_papers m"
            "  WHERE m.sub = ?1 AND m.pid = i.pid)"
            " ORDER BY i.added DESC, i.coll, i.pid DESC LIMIT ?4",
        PB_ARGS(pb_int(sub->id), pb_int(sub->member_ok ? sub->member : 0),
                pb_int(until), pb_int(limit)),
        out, out_n);
}

int pb_store_mail_sendable(struct pb_store *st, int64_t sub, int64_t pid,
                           int *out)
{
    int rc = pb_stmt_one(st, "SELECT 1 FROM papers p WHERE p.pid = ?2"
                             " AND p.deleted = 0"
                             " AND NOT EXISTS (SELECT 1 FROM paper_stats h"
                             "  WHERE h.pid = p.pid AND h.hidden = 1)"
                             " AND NOT EXISTS (SELECT 1 FROM mail_papers m"
                             "  WHERE m.sub = ?1 AND m.pid = p.pid)",
                         PB_ARGS(pb_int(sub), pb_int(pid)), NULL, NULL);
    *out = rc == PB_OK;
    return rc == PB_ENOTFOUND ? PB_OK : rc;
}
