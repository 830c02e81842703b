/* store_mail.c - subscribers and the sent-log of digests (store_mail.h). */
#include "store/store_mail.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_int.h"

#define SUB_COLS                                                             \
    "id, email, state, freq, top_n, max_papers, categories, authors,"        \
    " keywords, created, coalesce(confirmed, 0), coalesce(confirm_sent, 0),"  \
    " refusals, coalesce(last_error, ''), coalesce(member, 0),"               \
    " EXISTS(SELECT 1 FROM members m WHERE m.id = subscribers.member"         \
    "  AND m.disabled = 0), recs"

static int prep(struct pb_store *st, const char *sql, sqlite3_stmt **s)
{
    return sqlite3_prepare_v2(st->db, sql, -1, s, NULL) == SQLITE_OK ? PB_OK
                                                                     : PB_EDB;
}

/* Step a statement that returns no rows; finalizes it. */
static int exec1(sqlite3_stmt *s)
{
    int r = sqlite3_step(s);
    sqlite3_finalize(s);
    return r == SQLITE_DONE ? PB_OK : PB_EDB;
}

static void col_text(sqlite3_stmt *s, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static void read_sub(sqlite3_stmt *s, struct pb_sub *o)
{
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(s, 0);
    col_text(s, 1, o->email, sizeof o->email);
    o->state = sqlite3_column_int(s, 2);
    o->freq = sqlite3_column_int(s, 3);
    o->top_n = sqlite3_column_int(s, 4);
    o->max_papers = sqlite3_column_int(s, 5);
    col_text(s, 6, o->categories, sizeof o->categories);
    col_text(s, 7, o->authors, sizeof o->authors);
    col_text(s, 8, o->keywords, sizeof o->keywords);
    o->created = sqlite3_column_int64(s, 9);
    o->confirmed = sqlite3_column_int64(s, 10);
    o->confirm_sent = sqlite3_column_int64(s, 11);
    o->refusals = sqlite3_column_int(s, 12);
    col_text(s, 13, o->last_error, sizeof o->last_error);
    o->member = sqlite3_column_int64(s, 14);
    o->member_ok = o->member && sqlite3_column_int(s, 15);
    o->recs = sqlite3_column_int(s, 16);
}

/* o's followed collections, ascending. */
static int read_colls(struct pb_store *st, struct pb_sub *o)
{
    sqlite3_stmt *s = NULL;
    o->n_colls = 0;
    if (prep(st, "SELECT coll FROM sub_collections WHERE sub = ?1"
                 " ORDER BY coll", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, o->id);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        if (o->n_colls < PB_SUB_COLLS_MAX)
            o->colls[o->n_colls++] = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return r == SQLITE_DONE ? PB_OK : PB_EDB;
}

/* Make sub's followed collections those of p: the others dropped, new
 * ones followed from now, one already followed keeps its start. Inside
 * the caller's transaction. */
static int write_colls(struct pb_store *st, int64_t sub,
                       const struct pb_sub *p, int64_t now)
{
    sqlite3_stmt *s = NULL;
    int64_t since[PB_SUB_COLLS_MAX];
    for (size_t i = 0; i < p->n_colls; i++)
        since[i] = now;
    int rc = prep(st, "SELECT coll, since FROM sub_collections"
                      " WHERE sub = ?1", &s);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, sub);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        for (size_t i = 0; i < p->n_colls; i++)
            if (p->colls[i] == sqlite3_column_int64(s, 0))
                since[i] = sqlite3_column_int64(s, 1);
    sqlite3_finalize(s);
    if (r != SQLITE_DONE)
        return PB_EDB;
    if ((rc = prep(st, "DELETE FROM sub_collections WHERE sub = ?1", &s)))
        return rc;
    sqlite3_bind_int64(s, 1, sub);
    if ((rc = exec1(s)))
        return rc;
    for (size_t i = 0; i < p->n_colls && !rc; i++) {
        if ((rc = prep(st, "INSERT OR IGNORE INTO sub_collections(sub, coll,"
                           " since) VALUES(?1, ?2, ?3)", &s)))
            break;
        sqlite3_bind_int64(s, 1, sub);
        sqlite3_bind_int64(s, 2, p->colls[i]);
        sqlite3_bind_int64(s, 3, since[i]);
        rc = exec1(s);
    }
    return rc;
}

int pb_store_mail_key(struct pb_store *st, unsigned char key[32])
{
    sqlite3_stmt *s = NULL;
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
        return PB_OK; /* the common case: no write */
    }
    free(have);
    /* insert-if-absent, then read: whoever inserted first wins */
    if (prep(st, "INSERT OR IGNORE INTO meta(key, value)"
                 " VALUES('mail.secret', ?1)", &s))
        return PB_EDB;
    sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
    sodium_memzero(hex, sizeof hex);
    if (exec1(s))
        return PB_EDB;
    char *v = NULL;
    int rc = pb_store_meta_get(st, "mail.secret", &v);
    if (!rc && (strlen(v) != 64 ||
                sodium_hex2bin(key, 32, v, 64, NULL, NULL, NULL)))
        rc = PB_EDB;
    if (v)
        sodium_memzero(v, strlen(v));
    free(v);
    return rc;
}

int pb_store_sub_get(struct pb_store *st, int64_t id, struct pb_sub *out)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, "SELECT " SUB_COLS " FROM subscribers WHERE id = ?1", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, id);
    int r = sqlite3_step(s), rc = PB_OK;
    if (r == SQLITE_ROW)
        read_sub(s, out);
    else
        rc = r == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    sqlite3_finalize(s);
    return rc ? rc : read_colls(st, out);
}

int pb_store_sub_get_email(struct pb_store *st, const char *email,
                           struct pb_sub *out)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, "SELECT " SUB_COLS " FROM subscribers WHERE email = ?1",
             &s))
        return PB_EDB;
    sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
    int r = sqlite3_step(s), rc = PB_OK;
    if (r == SQLITE_ROW)
        read_sub(s, out);
    else
        rc = r == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    sqlite3_finalize(s);
    return rc ? rc : read_colls(st, out);
}

int pb_store_sub_add(struct pb_store *st, const struct pb_sub *in,
                     int64_t now, int64_t resend_s, int64_t *out_id)
{
    struct pb_sub cur;
    sqlite3_stmt *s = NULL;
    int rc = pb_store_begin(st);
    if (rc)
        return rc;
    rc = pb_store_sub_get_email(st, in->email, &cur);
    if (rc == PB_ENOTFOUND) {
        rc = prep(st, "INSERT INTO subscribers(email, state, freq, top_n,"
                      " max_papers, categories, authors, keywords, member,"
                      " recs, created)"
                      " VALUES(?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                  &s);
    } else if (!rc && cur.state == PB_SUB_ACTIVE) {
        *out_id = cur.id;
        goto out;
    } else if (!rc) {
        int again = cur.state != PB_SUB_PENDING ||
                    !cur.confirm_sent || now - cur.confirm_sent >= resend_s;
        rc = prep(st, again ? "UPDATE subscribers SET state = 0, freq = ?2,"
                              " top_n = ?3, max_papers = ?4, categories = ?5,"
                              " authors = ?6, keywords = ?7, member = ?8,"
                              " recs = ?9, refusals = 0,"
                              " confirm_sent = NULL WHERE email = ?1"
                            : "UPDATE subscribers SET freq = ?2, top_n = ?3,"
                              " max_papers = ?4, categories = ?5,"
                              " authors = ?6, keywords = ?7, member = ?8,"
                              " recs = ?9 WHERE email = ?1",
                  &s);
    }
    if (rc)
        goto out;
    sqlite3_bind_text(s, 1, in->email, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, in->freq);
    sqlite3_bind_int(s, 3, in->top_n);
    sqlite3_bind_int(s, 4, in->max_papers);
    sqlite3_bind_text(s, 5, in->categories, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, in->authors, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, in->keywords, -1, SQLITE_STATIC);
    if (in->member)
        sqlite3_bind_int64(s, 8, in->member);
    else
        sqlite3_bind_null(s, 8);
    sqlite3_bind_int(s, 9, in->recs ? 1 : 0);
    if (sqlite3_bind_parameter_count(s) >= 10)
        sqlite3_bind_int64(s, 10, now);
    if ((rc = exec1(s)))
        goto out;
    rc = pb_store_sub_get_email(st, in->email, &cur);
    if (!rc && !(rc = write_colls(st, cur.id, in, now)))
        *out_id = cur.id;
out:
    if (rc) {
        pb_store_rollback(st);
        return rc;
    }
    return pb_store_commit(st);
}

/* UPDATE subscribers with one int64 and the id. */
static int update(struct pb_store *st, const char *sql, int64_t id,
                  int64_t v)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, sql, &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, v);
    int r = sqlite3_step(s);
    sqlite3_finalize(s);
    if (r != SQLITE_DONE)
        return PB_EDB;
    return sqlite3_changes(st->db) ? PB_OK : PB_ENOTFOUND;
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
    sqlite3_stmt *s = NULL;
    int rc = pb_store_begin(st);
    if (rc)
        return rc;
    if ((rc = prep(st, "UPDATE subscribers SET freq = ?2, top_n = ?3,"
                       " max_papers = ?4, categories = ?5, authors = ?6,"
                       " keywords = ?7, recs = ?8 WHERE id = ?1", &s)))
        goto out;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, p->freq);
    sqlite3_bind_int(s, 3, p->top_n);
    sqlite3_bind_int(s, 4, p->max_papers);
    sqlite3_bind_text(s, 5, p->categories, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, p->authors, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, p->keywords, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 8, p->recs ? 1 : 0);
    rc = exec1(s);
    if (!rc && !sqlite3_changes(st->db))
        rc = PB_ENOTFOUND;
    if (!rc)
        rc = write_colls(st, id, p, now);
out:
    if (rc) {
        pb_store_rollback(st);
        return rc;
    }
    return pb_store_commit(st);
}

int pb_store_sub_set_member(struct pb_store *st, int64_t id, int64_t member)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, "UPDATE subscribers SET member = nullif(?2, 0)"
                 " WHERE id = ?1", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, member);
    int rc = exec1(s);
    if (!rc && !sqlite3_changes(st->db))
        rc = PB_ENOTFOUND;
    return rc;
}

int pb_store_mail_coll_visible(struct pb_store *st, int64_t coll,
                               int64_t member, char *name)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, "SELECT name FROM collections WHERE id = ?1"
                 " AND (public = 1 OR (?2 != 0 AND member = ?2))", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, coll);
    sqlite3_bind_int64(s, 2, member);
    int r = sqlite3_step(s), rc = PB_OK;
    if (r == SQLITE_ROW) {
        if (name)
            col_text(s, 0, name, 101);
    } else {
        rc = r == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    }
    sqlite3_finalize(s);
    return rc;
}

int pb_store_mail_coll_name(struct pb_store *st, int64_t coll, char *name)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, "SELECT name FROM collections WHERE id = ?1", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, coll);
    int r = sqlite3_step(s), rc = PB_OK;
    if (r == SQLITE_ROW)
        col_text(s, 0, name, 101);
    else
        rc = r == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    sqlite3_finalize(s);
    return rc;
}

int pb_store_sub_confirm_sent(struct pb_store *st, int64_t id, int64_t now)
{
    return update(st, "UPDATE subscribers SET confirm_sent = ?2 WHERE id = ?1",
                  id, now);
}

int pb_store_sub_refused(struct pb_store *st, int64_t id, const char *why,
                         int pause_after, int *out_paused)
{
    sqlite3_stmt *s = NULL;
    *out_paused = 0;
    if (prep(st, "UPDATE subscribers SET refusals = refusals + 1,"
                 " last_error = ?2,"
                 " state = CASE WHEN refusals + 1 >= ?3 AND state = 1"
                 "  THEN 3 ELSE state END WHERE id = ?1"
                 " RETURNING state", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, why ? why : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, pause_after);
    int r = sqlite3_step(s), rc = PB_OK;
    if (r == SQLITE_ROW)
        *out_paused = sqlite3_column_int(s, 0) == PB_SUB_PAUSED;
    else
        rc = r == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    sqlite3_finalize(s);
    return rc;
}

int pb_store_sub_delivered(struct pb_store *st, int64_t id)
{
    return update(st, "UPDATE subscribers SET refusals = ?2, last_error = NULL"
                      " WHERE id = ?1", id, 0);
}

int pb_store_sub_each(struct pb_store *st, int state, pb_store_sub_fn fn,
                      void *ctx)
{
    sqlite3_stmt *s = NULL;
    const char *sql = state == PB_SUB_EACH_TO_CONFIRM
                          ? "SELECT " SUB_COLS " FROM subscribers"
                            " WHERE state = 0 AND confirm_sent IS NULL"
                            " ORDER BY id"
                          : "SELECT " SUB_COLS " FROM subscribers"
                            " WHERE state = ?1 ORDER BY id";
    if (prep(st, sql, &s))
        return PB_EDB;
    if (state != PB_SUB_EACH_TO_CONFIRM)
        sqlite3_bind_int(s, 1, state);
    /* read all first: fn writes to the same tables */
    struct pb_sub *v = NULL;
    size_t n = 0, cap = 0;
    int r, rc = PB_OK;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap)
            v = pb_reallocarray(v, cap = cap ? cap * 2 : 16, sizeof *v);
        read_sub(s, &v[n++]);
    }
    sqlite3_finalize(s);
    if (r != SQLITE_DONE)
        rc = PB_EDB;
    for (size_t i = 0; i < n && !rc; i++)
        if (!(rc = read_colls(st, &v[i])))
            rc = fn(ctx, &v[i]);
    free(v);
    return rc;
}

/* of mail_digests d */
#define DIGEST_COLS                                                          \
    "d.state, d.message_id, d.attempts, d.next_try, coalesce(d.sent_at, 0),"  \
    " d.created, coalesce(d.claimed_by, ''), coalesce(d.claimed_at, 0)"

static void read_digest(sqlite3_stmt *s, int i, struct pb_digest_rec *out)
{
    memset(out, 0, sizeof *out);
    out->state = sqlite3_column_int(s, i);
    col_text(s, i + 1, out->message_id, sizeof out->message_id);
    out->attempts = sqlite3_column_int(s, i + 2);
    out->next_try = sqlite3_column_int64(s, i + 3);
    out->sent_at = sqlite3_column_int64(s, i + 4);
    out->created = sqlite3_column_int64(s, i + 5);
    col_text(s, i + 6, out->claimed_by, sizeof out->claimed_by);
    out->claimed_at = sqlite3_column_int64(s, i + 7);
}

int pb_store_digest_get(struct pb_store *st, int64_t sub, const char *period,
                        struct pb_digest_rec *out)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, "SELECT " DIGEST_COLS " FROM mail_digests d"
                 " WHERE d.sub = ?1 AND d.period = ?2", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_text(s, 2, period, -1, SQLITE_STATIC);
    int r = sqlite3_step(s), rc = PB_OK;
    if (r == SQLITE_ROW)
        read_digest(s, 0, out);
    else
        rc = r == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    sqlite3_finalize(s);
    return rc;
}

int pb_store_digest_prepare(struct pb_store *st, int64_t sub,
                            const char *period, const char *message_id,
                            const struct pb_digest_item *items, size_t n,
                            int64_t now)
{
    sqlite3_stmt *s = NULL;
    int rc = pb_store_begin(st);
    if (rc)
        return rc;
    if ((rc = prep(st, "INSERT INTO mail_digests(sub, period, state,"
                       " message_id, attempts, next_try, created)"
                       " VALUES(?1, ?2, 0, ?3, 0, 0, ?4)", &s)))
        goto out;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_text(s, 2, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, message_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    int r = sqlite3_step(s);
    sqlite3_finalize(s);
    if (r != SQLITE_DONE) {
        rc = (r & 0xff) == SQLITE_CONSTRAINT ? PB_EEXIST : PB_EDB;
        goto out;
    }
    if ((rc = prep(st, "INSERT OR IGNORE INTO mail_papers(sub, pid, period,"
                       " pos, src, coll) VALUES(?1, ?2, ?3, ?4, ?5,"
                       " nullif(?6, 0))", &s)))
        goto out;
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, sub);
        sqlite3_bind_int64(s, 2, items[i].pid);
        sqlite3_bind_text(s, 3, period, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, (int64_t)i);
        sqlite3_bind_int(s, 5, items[i].src);
        sqlite3_bind_int64(s, 6, items[i].coll);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = PB_EDB;
    }
    sqlite3_finalize(s);
out:
    if (rc) {
        pb_store_rollback(st);
        return rc;
    }
    return pb_store_commit(st);
}

/* Run s (bound) and collect column 0 into a heap array. */
static int collect(sqlite3_stmt *s, int64_t **out, size_t *out_n)
{
    int64_t *v = NULL;
    size_t n = 0, cap = 0;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap)
            v = pb_reallocarray(v, cap = cap ? cap * 2 : 32, sizeof *v);
        v[n++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    if (r != SQLITE_DONE) {
        free(v);
        return PB_EDB;
    }
    *out = v;
    *out_n = n;
    return PB_OK;
}

/* Run s (bound) and collect (pid, src, coll) rows, each pid once. */
static int collect_items(sqlite3_stmt *s, struct pb_digest_item **out,
                         size_t *out_n)
{
    struct pb_digest_item *v = NULL;
    size_t n = 0, cap = 0;
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t pid = sqlite3_column_int64(s, 0);
        int dup = 0;
        for (size_t i = 0; i < n && !dup; i++)
            dup = v[i].pid == pid;
        if (dup)
            continue;
        if (n == cap)
            v = pb_reallocarray(v, cap = cap ? cap * 2 : 32, sizeof *v);
        v[n].pid = pid;
        v[n].src = sqlite3_column_int(s, 1);
        v[n].coll = sqlite3_column_int64(s, 2);
        n++;
    }
    sqlite3_finalize(s);
    if (r != SQLITE_DONE) {
        free(v);
        return PB_EDB;
    }
    *out = v;
    *out_n = n;
    return PB_OK;
}

int pb_store_digest_papers(struct pb_store *st, int64_t sub,
                           const char *period, struct pb_digest_item **out,
                           size_t *out_n)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    *out_n = 0;
    if (prep(st, "SELECT pid, src, coalesce(coll, 0) FROM mail_papers"
                 " WHERE sub = ?1 AND period = ?2 ORDER BY pos", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_text(s, 2, period, -1, SQLITE_STATIC);
    return collect_items(s, out, out_n);
}

int pb_store_digest_claim(struct pb_store *st, int64_t sub,
                          const char *period, int64_t now,
                          int64_t lease_until, const char *by)
{
    sqlite3_stmt *s = NULL;
    /* the claim is the record that this message may be on its way: it
     * must survive a power cut as well as a crash, so this one commit is
     * synced (WAL with synchronous=NORMAL survives a killed process but
     * not the machine's crash) */
    if (sqlite3_exec(st->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL))
        return PB_EDB;
    int rc = prep(st, "UPDATE mail_digests SET state = 3, next_try = ?4,"
                      " claimed_by = ?5, claimed_at = ?3"
                      " WHERE sub = ?1 AND period = ?2 AND state = 0", &s);
    if (!rc) {
        sqlite3_bind_int64(s, 1, sub);
        sqlite3_bind_text(s, 2, period, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, now);
        sqlite3_bind_int64(s, 4, lease_until);
        sqlite3_bind_text(s, 5, by ? by : "", -1, SQLITE_STATIC);
        rc = exec1(s);
        if (!rc && sqlite3_changes(st->db) != 1)
            rc = PB_EBUSY;
    }
    if (sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL))
        rc = rc ? rc : PB_EDB;
    return rc;
}

int pb_store_digest_release(struct pb_store *st, int64_t sub,
                            const char *period, int as_sent, int64_t now)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, "UPDATE mail_digests SET state = ?3, next_try = 0,"
                 " sent_at = CASE WHEN ?3 = 1 THEN ?4 ELSE sent_at END"
                 " WHERE sub = ?1 AND period = ?2 AND state = 3", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_text(s, 2, period, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, as_sent ? PB_DIGEST_SENT : PB_DIGEST_PREPARED);
    sqlite3_bind_int64(s, 4, now);
    int rc = exec1(s);
    if (!rc && sqlite3_changes(st->db) != 1)
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
    sqlite3_stmt *s = NULL;
    if (prep(st, "UPDATE mail_digests SET state = ?3, attempts = ?4,"
                 " next_try = ?5,"
                 " sent_at = CASE WHEN ?3 = 1 THEN ?6 ELSE sent_at END"
                 " WHERE sub = ?1 AND period = ?2", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_text(s, 2, period, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, state);
    sqlite3_bind_int(s, 4, attempts);
    sqlite3_bind_int64(s, 5, next_try);
    sqlite3_bind_int64(s, 6, now);
    return exec1(s);
}

int pb_store_digest_due(struct pb_store *st, int64_t now,
                        pb_store_digest_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, "SELECT sub, period FROM mail_digests"
                 " WHERE state = 0 AND next_try <= ?1"
                 " ORDER BY created, sub", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, now);
    struct due {
        int64_t sub;
        char period[32];
    } *v = NULL;
    size_t n = 0, cap = 0;
    int r, rc = PB_OK;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap)
            v = pb_reallocarray(v, cap = cap ? cap * 2 : 16, sizeof *v);
        v[n].sub = sqlite3_column_int64(s, 0);
        col_text(s, 1, v[n].period, sizeof v[n].period);
        n++;
    }
    sqlite3_finalize(s);
    if (r != SQLITE_DONE)
        rc = PB_EDB;
    for (size_t i = 0; i < n && !rc; i++)
        rc = fn(ctx, v[i].sub, v[i].period);
    free(v);
    return rc;
}

int pb_store_mail_candidates(struct pb_store *st, int64_t sub,
                             const char *from, const char *to, int limit,
                             int64_t **out, size_t *out_n)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    *out_n = 0;
    if (prep(st, "SELECT pid FROM papers WHERE deleted = 0"
                 " AND EXISTS (SELECT 1 FROM listings l"
                 "  WHERE l.pid = papers.pid AND l.day BETWEEN ?2 AND ?3)"
                 " AND NOT EXISTS (SELECT 1 FROM paper_stats h"
                 "  WHERE h.pid = papers.pid AND h.hidden = 1)"
                 " AND NOT EXISTS (SELECT 1 FROM mail_papers m"
                 "  WHERE m.sub = ?1 AND m.pid = papers.pid)"
                 " ORDER BY coalesce(upvotes, 0) DESC, listed_day DESC,"
                 " coalesce(published, 0) DESC, pid DESC LIMIT ?4", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_text(s, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, to, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, limit);
    return collect(s, out, out_n);
}

int pb_store_digest_sending_each(struct pb_store *st, pb_store_sending_fn fn,
                                 void *ctx)
{
    sqlite3_stmt *s = NULL;
    if (prep(st, "SELECT d.sub, s.email, d.period, " DIGEST_COLS
                 " FROM mail_digests d JOIN subscribers s ON s.id = d.sub"
                 " WHERE d.state = 3 ORDER BY d.claimed_at, d.sub", &s))
        return PB_EDB;
    struct row {
        int64_t sub;
        char email[PB_SUB_EMAIL_MAX + 1], period[32];
        struct pb_digest_rec rec;
    } *v = NULL;
    size_t n = 0, cap = 0;
    int r, rc = PB_OK;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap)
            v = pb_reallocarray(v, cap = cap ? cap * 2 : 8, sizeof *v);
        v[n].sub = sqlite3_column_int64(s, 0);
        col_text(s, 1, v[n].email, sizeof v[n].email);
        col_text(s, 2, v[n].period, sizeof v[n].period);
        read_digest(s, 3, &v[n].rec);
        n++;
    }
    sqlite3_finalize(s);
    if (r != SQLITE_DONE)
        rc = PB_EDB;
    for (size_t i = 0; i < n && !rc; i++)
        rc = fn(ctx, v[i].sub, v[i].email, v[i].period, &v[i].rec);
    free(v);
    return rc;
}

int pb_store_mail_coll_candidates(struct pb_store *st,
                                  const struct pb_sub *sub, int64_t until,
                                  int limit, struct pb_digest_item **out,
                                  size_t *out_n)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    *out_n = 0;
    /* since the previous digest ([its creation, until): the one before
     * took [.., its creation)), else since the follow began; a private
     * collection only while its owner is this subscription's member */
    if (prep(st, "SELECT i.pid, 1, i.coll FROM sub_collections f"
                 " JOIN collections c ON c.id = f.coll"
                 " JOIN collection_items i ON i.coll = f.coll"
                 " JOIN papers p ON p.pid = i.pid"
                 " WHERE f.sub = ?1 AND p.deleted = 0"
                 " AND (c.public = 1 OR (?2 != 0 AND c.member = ?2))"
                 " AND i.added < ?3 AND i.added >= coalesce("
                 "  (SELECT max(created) FROM mail_digests d"
                 "   WHERE d.sub = ?1), f.since)"
                 " AND NOT EXISTS (SELECT 1 FROM paper_stats h"
                 "  WHERE h.pid = i.pid AND h.hidden = 1)"
                 " AND NOT EXISTS (SELECT 1 FROM mail_papers m"
                 "  WHERE m.sub = ?1 AND m.pid = i.pid)"
                 " ORDER BY i.added DESC, i.coll, i.pid DESC LIMIT ?4", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, sub->id);
    sqlite3_bind_int64(s, 2, sub->member_ok ? sub->member : 0);
    sqlite3_bind_int64(s, 3, until);
    sqlite3_bind_int(s, 4, limit);
    return collect_items(s, out, out_n);
}

int pb_store_mail_sendable(struct pb_store *st, int64_t sub, int64_t pid,
                           int *out)
{
    sqlite3_stmt *s = NULL;
    *out = 0;
    if (prep(st, "SELECT 1 FROM papers p WHERE p.pid = ?2 AND p.deleted = 0"
                 " AND NOT EXISTS (SELECT 1 FROM paper_stats h"
                 "  WHERE h.pid = p.pid AND h.hidden = 1)"
                 " AND NOT EXISTS (SELECT 1 FROM mail_papers m"
                 "  WHERE m.sub = ?1 AND m.pid = p.pid)", &s))
        return PB_EDB;
    sqlite3_bind_int64(s, 1, sub);
    sqlite3_bind_int64(s, 2, pid);
    int r = sqlite3_step(s);
    sqlite3_finalize(s);
    if (r == SQLITE_ROW)
        *out = 1;
    return r == SQLITE_ROW || r == SQLITE_DONE ? PB_OK : PB_EDB;
}
