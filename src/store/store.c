/* store.c - opening the store, transactions, and papers in and out. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "store/store_int.h"
#include "store/store_media.h"
#include "store/store_pg.h"

int pb_store_migrate(struct pb_store *st, struct pb_err *err);

int pb_store_prepare(struct pb_store *st, sqlite3_stmt **slot,
                     const char *sql)
{
    if (*slot) {
        sqlite3_reset(*slot);
        sqlite3_clear_bindings(*slot);
        return PB_OK;
    }
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot,
                           NULL) != SQLITE_OK)
        return PB_EDB;
    return PB_OK;
}

int pb_store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (!v)
        return sqlite3_bind_null(s, i);
    return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

int pb_store_open(const char *path, int flags, struct pb_store **out,
                  struct pb_err *err)
{
    *out = NULL;
    if (pb_store_is_url(path))
        return pb_pg_open(path, flags, out, err);
    struct pb_store *st = pb_calloc(1, sizeof *st);
    int oflags = (flags & PB_STORE_READONLY)
                     ? SQLITE_OPEN_READONLY
                     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        pb_err_set(err, PB_EDB, "%s: %s", path,
                   st->db ? sqlite3_errmsg(st->db) : "cannot open");
        pb_store_close(st);
        return PB_EDB;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_extended_result_codes(st->db, 1);
    char *msg = NULL;
    const char *setup = (flags & PB_STORE_READONLY)
                            /* readers (the server's threads): pages
                             * straight from the OS page cache, shared by
                             * all threads, instead of a pread and a copy
                             * into each connection's 2 MB cache */
                            ? "PRAGMA foreign_keys=ON;"
                              "PRAGMA mmap_size=4294967296;"
                            : "PRAGMA page_size=16384;" /* new files only */
                              "PRAGMA journal_mode=WAL;"
                              "PRAGMA synchronous=NORMAL;"
                              "PRAGMA foreign_keys=ON;"
                              "PRAGMA cache_size=-65536;"
                              "PRAGMA temp_store=MEMORY;";
    if (sqlite3_exec(st->db, setup, NULL, NULL, &msg) != SQLITE_OK) {
        pb_err_set(err, PB_EDB, "%s: %s", path,
                   msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        pb_store_close(st);
        return PB_EDB;
    }
    /* a file that is not a database fails here, on the first read */
    int rc = PB_OK;
    if (!(flags & PB_STORE_READONLY)) {
        rc = pb_store_migrate(st, err);
    } else if (pb_store_user_version(st) < 0) {
        rc = pb_err_set(err, PB_EDB, "%s: %s", path, sqlite3_errmsg(st->db));
    } else if (pb_store_user_version(st) > pb_store_schema_version()) {
        rc = pb_err_set(err, PB_EUNSUP,
                        "%s: schema version %d was written by a newer "
                        "paperboy (this one knows up to %d)",
                        path, pb_store_user_version(st),
                        pb_store_schema_version());
    } else if (pb_store_user_version(st) < pb_store_schema_version()) {
        /* An older file opened by a reader (reindex, search, serve):
         * migrate it once through a read-write handle, then open it again
         * read-only, so an upgrade needs no separate step. */
        int old = pb_store_user_version(st);
        pb_store_close(st);
        struct pb_store *rw = NULL;
        struct pb_err e2;
        if (pb_store_open(path, flags & ~PB_STORE_READONLY, &rw, &e2) !=
            PB_OK)
            return pb_err_set(err, PB_EUNSUP,
                              "%s: schema version %d, this paperboy needs "
                              "%d and cannot migrate it: %s",
                              path, old, pb_store_schema_version(), e2.msg);
        pb_store_close(rw);
        return pb_store_open(path, flags, out, err);
    }
    if (rc) {
        pb_store_close(st);
        return rc;
    }
    *out = st;
    return PB_OK;
}

void pb_store_close(struct pb_store *st)
{
    if (!st)
        return;
    if (st->backend == PB_BACKEND_PG) {
        pb_pg_close(st);
        return;
    }
    sqlite3_stmt **stmts[] = {&st->get_by_id,  &st->get_by_pid,
                              &st->insert,     &st->update,
                              &st->max_seq,    &st->listing_up,
                              &st->org_up,     &st->listing_of,
                              &st->media_note, &st->media_thumb,
                              &st->media_extras};
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        sqlite3_finalize(*stmts[i]);
    pb_stmt_cache_free(st);
    if (st->in_txn)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(st->db);
    free(st);
}

int pb_store_user_version(struct pb_store *st)
{
    if (st->backend == PB_BACKEND_PG)
        return pb_pg_user_version(st);
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

int pb_store_set_bulk(struct pb_store *st, int on)
{
    if (st->backend == PB_BACKEND_PG)
        return PB_OK; /* nothing to tune: the server checkpoints */
    const char *sql = on ? "PRAGMA wal_autocheckpoint=8192"
                         : "PRAGMA wal_autocheckpoint=1000;"
                           "PRAGMA wal_checkpoint(PASSIVE)";
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? PB_OK
                                                                     : PB_EDB;
}

const char *pb_store_errmsg(struct pb_store *st)
{
    if (st->backend == PB_BACKEND_PG)
        return pb_pg_store_errmsg(st);
    return sqlite3_errmsg(st->db);
}

static int load_seq(struct pb_store *st)
{
    int rc = pb_store_prepare(st, &st->max_seq,
                              "SELECT coalesce(max(seq), 0) FROM papers");
    if (rc)
        return rc;
    if (sqlite3_step(st->max_seq) != SQLITE_ROW)
        return PB_EDB;
    st->seq = sqlite3_column_int64(st->max_seq, 0);
    sqlite3_reset(st->max_seq);
    st->seq_loaded = 1;
    return PB_OK;
}

int pb_store_begin(struct pb_store *st)
{
    if (st->backend == PB_BACKEND_PG)
        return pb_pg_begin(st);
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return PB_EDB;
    st->in_txn = 1;
    int rc = load_seq(st);
    if (rc)
        pb_store_rollback(st);
    return rc;
}

int pb_store_commit(struct pb_store *st)
{
    if (st->backend == PB_BACKEND_PG)
        return pb_pg_commit(st);
    int ok = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (ok) {
        st->in_txn = 0;
        st->seq_loaded = 0;
    }
    return ok ? PB_OK : PB_EDB;
}

int pb_store_read_begin(struct pb_store *st, int *out_began)
{
    if (st->backend == PB_BACKEND_PG)
        return pb_pg_read_begin(st, out_began);
    *out_began = 0;
    if (!sqlite3_get_autocommit(st->db))
        return PB_OK;
    if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return PB_EDB;
    *out_began = 1;
    return PB_OK;
}

void pb_store_read_end(struct pb_store *st, int began)
{
    if (st->backend == PB_BACKEND_PG) {
        pb_pg_read_end(st, began);
        return;
    }
    /* a read transaction changed nothing: COMMIT only releases the
     * snapshot, and cannot fail for want of locks */
    if (began && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

void pb_store_rollback(struct pb_store *st)
{
    if (st->backend == PB_BACKEND_PG) {
        pb_pg_rollback(st);
        return;
    }
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_txn = 0;
    st->seq_loaded = 0;
}

/* --- rows <-> papers ---------------------------------------------------- */

static char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? pb_strndup((const char *)t, (size_t)sqlite3_column_bytes(s, i))
             : NULL;
}

static int64_t col_num(sqlite3_stmt *s, int i, int64_t none)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? none
                                                    : sqlite3_column_int64(s, i);
}

static void col_list(sqlite3_stmt *s, int i, struct pb_strlist *l)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    pb_strlist_split(l, t, '\n');
}

/* Column i into out (cap bytes, cut to fit, "" for NULL). */
static void col_copy(sqlite3_stmt *s, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(out, t, n);
    out[n] = '\0';
}

void pb_store_read_paper(sqlite3_stmt *s, struct pb_paper *p, int64_t *pid,
                         int64_t *seq, int *deleted)
{
    pb_paper_clear(p);
    if (pid)
        *pid = sqlite3_column_int64(s, 0);
    col_copy(s, 1, p->id, sizeof p->id);
    p->version = sqlite3_column_int(s, 2);
    p->title = col_text(s, 3);
    p->abstract = col_text(s, 4);
    col_list(s, 5, &p->authors);
    p->categories = col_text(s, 6);
    p->published = col_num(s, 7, 0);
    p->updated = col_num(s, 8, 0);
    col_copy(s, 9, p->listed_day, sizeof p->listed_day);
    p->submitter = col_text(s, 10);
    p->upvotes = col_num(s, 11, -1);
    p->n_comments = col_num(s, 12, -1);
    p->github_repo = col_text(s, 13);
    p->github_stars = col_num(s, 14, -1);
    p->project_page = col_text(s, 15);
    p->doi = col_text(s, 16);
    p->journal_ref = col_text(s, 17);
    p->comments = col_text(s, 18);
    p->license = col_text(s, 19);
    col_list(s, 20, &p->keywords);
    p->summary = col_text(s, 21);
    col_list(s, 22, &p->links);
    p->sources = (unsigned)sqlite3_column_int(s, 23);
    if (seq)
        *seq = sqlite3_column_int64(s, 24);
    if (deleted)
        *deleted = sqlite3_column_int(s, 25);
}

void pb_store_read_listing(sqlite3_stmt *s, int col, struct pb_paper *p)
{
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return;
    col_copy(s, col, p->listed_day, sizeof p->listed_day);
    if (sqlite3_column_type(s, col + 1) != SQLITE_NULL) {
        free(p->submitter);
        p->submitter = col_text(s, col + 1);
    }
    p->submitted_at = col_num(s, col + 2, 0);
    free(p->org);
    p->org = col_text(s, col + 3);
    free(p->listing_src);
    p->listing_src = col_text(s, col + 4);
}

static void bind_num(sqlite3_stmt *s, int i, int64_t v, int64_t none)
{
    if (v == none)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, v);
}

/* Bind p to ?1..?23 in the order of PB_PAPER_COLS without pid, seq, deleted.
 * The joined lists are heap strings handed to SQLite to free. */
static void bind_paper(sqlite3_stmt *s, const struct pb_paper *p)
{
    sqlite3_bind_text(s, 1, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, p->version);
    pb_store_bind_text(s, 3, p->title);
    pb_store_bind_text(s, 4, p->abstract ? p->abstract : "");
    sqlite3_bind_text(s, 5, pb_strlist_join(&p->authors, '\n'), -1, free);
    pb_store_bind_text(s, 6, p->categories);
    bind_num(s, 7, p->published, 0);
    bind_num(s, 8, p->updated, 0);
    pb_store_bind_text(s, 9, p->listed_day[0] ? p->listed_day : NULL);
    pb_store_bind_text(s, 10, p->submitter);
    bind_num(s, 11, p->upvotes, -1);
    bind_num(s, 12, p->n_comments, -1);
    pb_store_bind_text(s, 13, p->github_repo);
    bind_num(s, 14, p->github_stars, -1);
    pb_store_bind_text(s, 15, p->project_page);
    pb_store_bind_text(s, 16, p->doi);
    pb_store_bind_text(s, 17, p->journal_ref);
    pb_store_bind_text(s, 18, p->comments);
    pb_store_bind_text(s, 19, p->license);
    if (p->keywords.n)
        sqlite3_bind_text(s, 20, pb_strlist_join(&p->keywords, '\n'), -1, free);
    else
        sqlite3_bind_null(s, 20);
    pb_store_bind_text(s, 21, p->summary);
    if (p->links.n)
        sqlite3_bind_text(s, 22, pb_strlist_join(&p->links, '\n'), -1, free);
    else
        sqlite3_bind_null(s, 22);
    sqlite3_bind_int(s, 23, (int)p->sources);
}

/* --- merging ------------------------------------------------------------- */

static int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static void take_str(char **dst, const char *src)
{
    if (src && !str_eq(*dst, src)) {
        free(*dst);
        *dst = pb_strdup(src);
    }
}

static void take_list(struct pb_strlist *dst, const struct pb_strlist *src)
{
    if (!src->n || pb_strlist_eq(dst, src))
        return;
    pb_strlist_clear(dst);
    for (size_t i = 0; i < src->n; i++)
        pb_strlist_push(dst, src->v[i], strlen(src->v[i]));
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* How a source ranks against what is stored: by arXiv version, then by
 * the date of the record (`updated`). 1 newer, -1 older, 0 equal. */
static int freshness(const struct pb_paper *in, const struct pb_paper *m)
{
    if (in->version != m->version)
        return in->version > m->version ? 1 : -1;
    if (in->updated != m->updated)
        return in->updated > m->updated ? 1 : -1;
    return 0;
}

static int list_cmp(const struct pb_strlist *a, const struct pb_strlist *b)
{
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        int c = strcmp(a->v[i], b->v[i]);
        if (c)
            return c;
    }
    return (a->n > b->n) - (a->n < b->n);
}

/* One text field: newer replaces, older fills, and between equals the
 * greater value wins, so the outcome is the same in any order. */
static void merge_str(int fresh, char **dst, const char *src)
{
    if (!src)
        return;
    if (fresh > 0 || !*dst || (fresh == 0 && strcmp(src, *dst) > 0))
        take_str(dst, src);
}

static void merge_list(int fresh, struct pb_strlist *dst,
                       const struct pb_strlist *src)
{
    if (!src->n)
        return;
    if (fresh > 0 || !dst->n || (fresh == 0 && list_cmp(src, dst) > 0))
        take_list(dst, src);
}

/*
 * Merge what `in` says into m (a copy of the stored paper). The result does
 * not depend on the order in which sources arrive, so that importing
 * anything twice, or two sources in either order, gives one answer
 * (docs/STORE.md):
 * - a source with a newer arXiv version, or the same version and a later
 *   record date, replaces what it says; an older one only fills what is
 *   missing; between equals the greater value wins;
 * - counts (upvotes, comments, stars) and `updated` take the maximum,
 *   `published` and `listed_day` the minimum, sources are or-ed;
 * - the daily list's submitter replaces arXiv's uploader.
 */
static void merge(struct pb_paper *m, const struct pb_paper *in)
{
    int fresh = freshness(in, m);
    if (in->version > m->version)
        m->version = in->version;
    /* an empty abstract says nothing, on either side */
    const char *abs = in->abstract && in->abstract[0] ? in->abstract : NULL;
    if (!m->abstract || !m->abstract[0])
        take_str(&m->abstract, abs);
    else
        merge_str(fresh, &m->abstract, abs);
    merge_str(fresh, &m->title, in->title);
    merge_list(fresh, &m->authors, &in->authors);
    merge_str(fresh, &m->categories, in->categories);
    merge_str(fresh, &m->comments, in->comments);
    merge_str(fresh, &m->journal_ref, in->journal_ref);
    merge_str(fresh, &m->doi, in->doi);
    merge_str(fresh, &m->license, in->license);
    merge_str(fresh, &m->github_repo, in->github_repo);
    merge_str(fresh, &m->project_page, in->project_page);
    merge_str(fresh, &m->summary, in->summary);
    merge_list(fresh, &m->keywords, &in->keywords);
    merge_list(fresh, &m->links, &in->links);
    if (in->published && (!m->published || in->published < m->published))
        m->published = in->published;
    m->updated = max64(m->updated, in->updated);
    if (in->listed_day[0] &&
        (!m->listed_day[0] || strcmp(in->listed_day, m->listed_day) < 0))
        memcpy(m->listed_day, in->listed_day, sizeof m->listed_day);
    /* the daily list's submitter (who put it on the list) beats arXiv's
     * uploader; among daily lists, the usual rule */
    unsigned daily = PB_SRC_HF_DAILY | PB_SRC_LOCAL;
    int in_daily = (in->sources & daily) != 0, m_daily = (m->sources & daily) != 0;
    if (in->submitter && in_daily && !m_daily)
        take_str(&m->submitter, in->submitter);
    else if (in_daily == m_daily)
        merge_str(fresh, &m->submitter, in->submitter);
    else if (!m->submitter)
        take_str(&m->submitter, in->submitter);
    m->upvotes = max64(m->upvotes, in->upvotes);
    m->n_comments = max64(m->n_comments, in->n_comments);
    m->github_stars = max64(m->github_stars, in->github_stars);
    m->sources |= in->sources;
}

static int paper_eq(const struct pb_paper *a, const struct pb_paper *b)
{
    return a->version == b->version && str_eq(a->title, b->title) &&
           str_eq(a->abstract, b->abstract) &&
           pb_strlist_eq(&a->authors, &b->authors) &&
           str_eq(a->categories, b->categories) &&
           a->published == b->published && a->updated == b->updated &&
           strcmp(a->listed_day, b->listed_day) == 0 &&
           str_eq(a->submitter, b->submitter) && a->upvotes == b->upvotes &&
           a->n_comments == b->n_comments &&
           str_eq(a->github_repo, b->github_repo) &&
           a->github_stars == b->github_stars &&
           str_eq(a->project_page, b->project_page) &&
           str_eq(a->doi, b->doi) && str_eq(a->journal_ref, b->journal_ref) &&
           str_eq(a->comments, b->comments) && str_eq(a->license, b->license) &&
           pb_strlist_eq(&a->keywords, &b->keywords) &&
           str_eq(a->summary, b->summary) &&
           pb_strlist_eq(&a->links, &b->links) && a->sources == b->sources;
}

/* The listing p speaks of (p->listed_day) and its organization; *changed
 * is set when a row was added or altered. */
static int upsert_listing(struct pb_store *st, int64_t pid,
                          const struct pb_paper *p, int *changed)
{
    int rc;
    if (p->org && p->org_src) {
        if ((rc = pb_store_prepare(
                 st, &st->org_up,
                 "INSERT INTO orgs(name, fullname, src) VALUES(?1, ?2, ?3)"
                 " ON CONFLICT(name) DO UPDATE SET fullname ="
                 " coalesce(excluded.fullname, fullname), src = excluded.src"
                 " WHERE src IS DISTINCT FROM excluded.src")))
            return rc;
        sqlite3_bind_text(st->org_up, 1, p->org, -1, SQLITE_STATIC);
        sqlite3_bind_null(st->org_up, 2);
        sqlite3_bind_text(st->org_up, 3, p->org_src, -1, SQLITE_STATIC);
        if (sqlite3_step(st->org_up) != SQLITE_DONE)
            return PB_EDB;
        sqlite3_reset(st->org_up);
    }
    if ((rc = pb_store_prepare(
             st, &st->listing_up,
             "INSERT INTO listings(pid, day, submitter, submitted_at, org,"
             " src) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
             " ON CONFLICT(pid, day) DO UPDATE SET"
             " submitter = coalesce(excluded.submitter, submitter),"
             " submitted_at = coalesce(excluded.submitted_at, submitted_at),"
             " org = coalesce(excluded.org, org),"
             " src = coalesce(excluded.src, src)"
             " WHERE coalesce(excluded.submitter, submitter)"
             "  IS DISTINCT FROM submitter"
             " OR coalesce(excluded.submitted_at, submitted_at)"
             "  IS DISTINCT FROM submitted_at"
             " OR coalesce(excluded.org, org) IS DISTINCT FROM org"
             " OR coalesce(excluded.src, src) IS DISTINCT FROM src")))
        return rc;
    sqlite3_stmt *s = st->listing_up;
    sqlite3_bind_int64(s, 1, pid);
    sqlite3_bind_text(s, 2, p->listed_day, -1, SQLITE_STATIC);
    pb_store_bind_text(s, 3, p->submitter);
    bind_num(s, 4, p->submitted_at, 0);
    pb_store_bind_text(s, 5, p->org);
    pb_store_bind_text(s, 6, p->listing_src);
    if (sqlite3_step(s) != SQLITE_DONE)
        return PB_EDB;
    sqlite3_reset(s);
    if (sqlite3_changes(st->db) > 0)
        *changed = 1;
    return PB_OK;
}

int pb_store_paper_upsert(struct pb_store *st, const struct pb_paper *p,
                          enum pb_upsert *out, int64_t *out_pid)
{
    int rc = PB_OK;
    int64_t noted_pid = 0;
    struct pb_paper cur;
    pb_paper_init(&cur);
    int own_txn = !st->in_txn;
    if (own_txn && (rc = pb_store_begin(st)))
        return rc;
    if (!st->seq_loaded && (rc = load_seq(st)))
        goto out;
    if ((rc = pb_store_prepare(st, &st->get_by_id,
                               "SELECT " PB_PAPER_COLS
                               " FROM papers WHERE id = ?1")))
        goto out;
    sqlite3_bind_text(st->get_by_id, 1, p->id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st->get_by_id);
    if (step == SQLITE_DONE) {
        sqlite3_reset(st->get_by_id);
        if ((rc = pb_store_prepare(
                 st, &st->insert,
                 "INSERT INTO papers(id, version, title, abstract, authors, "
                 "categories, published, updated, listed_day, submitter, "
                 "upvotes, n_comments, github_repo, github_stars, "
                 "project_page, doi, journal_ref, comments, license, "
                 "keywords, summary, links, sources, seq) VALUES(?1, ?2, "
                 "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                 "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)")))
            goto out;
        bind_paper(st->insert, p);
        sqlite3_bind_int64(st->insert, 24, ++st->seq);
        if (sqlite3_step(st->insert) != SQLITE_DONE) {
            rc = PB_EDB;
            goto out;
        }
        sqlite3_reset(st->insert);
        int64_t npid = sqlite3_last_insert_rowid(st->db);
        if (out_pid)
            *out_pid = npid;
        noted_pid = npid;
        *out = PB_UPSERT_ADDED;
        int ch = 0;
        if (p->listed_day[0])
            rc = upsert_listing(st, npid, p, &ch);
        goto out;
    }
    if (step != SQLITE_ROW) {
        rc = PB_EDB;
        goto out;
    }
    int64_t pid, seq;
    int deleted;
    pb_store_read_paper(st->get_by_id, &cur, &pid, &seq, &deleted);
    sqlite3_reset(st->get_by_id);
    /* merge into a copy and compare it with what is stored */
    struct pb_paper before;
    pb_paper_init(&before);
    pb_paper_copy(&before, &cur);
    merge(&cur, p);
    int same = paper_eq(&cur, &before) && !deleted;
    pb_paper_clear(&before);
    noted_pid = pid;
    if (out_pid)
        *out_pid = pid;
    int listing_changed = 0;
    if (p->listed_day[0] &&
        (rc = upsert_listing(st, pid, p, &listing_changed)))
        goto out;
    if (same && listing_changed) {
        /* the paper is as it was; a listing (a day, who, where) is new:
         * a new seq all the same, so caches of pages see the change */
        same = 0;
    }
    if (same) {
        *out = PB_UPSERT_UNCHANGED;
        goto out;
    }
    if ((rc = pb_store_prepare(
             st, &st->update,
             "UPDATE papers SET version=?2, title=?3, abstract=?4, "
             "authors=?5, categories=?6, published=?7, updated=?8, "
             "listed_day=?9, submitter=?10, upvotes=?11, n_comments=?12, "
             "github_repo=?13, github_stars=?14, project_page=?15, doi=?16, "
             "journal_ref=?17, comments=?18, license=?19, keywords=?20, "
             "summary=?21, links=?22, sources=?23, seq=?24, deleted=0 "
             "WHERE id=?1")))
        goto out;
    bind_paper(st->update, &cur);
    sqlite3_bind_int64(st->update, 24, ++st->seq);
    if (sqlite3_step(st->update) != SQLITE_DONE) {
        rc = PB_EDB;
        goto out;
    }
    sqlite3_reset(st->update);
    *out = PB_UPSERT_UPDATED;
out:
    pb_paper_clear(&cur);
    /* the images a source names live beside the paper (store_media.h) */
    if (rc == PB_OK && (p->thumbnail || p->media_urls.n))
        rc = pb_store_media_note(st, noted_pid, p);
    if (own_txn) {
        if (rc == PB_OK)
            rc = pb_store_commit(st);
        if (rc)
            pb_store_rollback(st);
    }
    return rc;
}

/* Canonical id for any spelling: an arXiv id, or a title id as given. */
static void canonical_id(const char *id, char out[PB_MAX_ID])
{
    int v;
    if (pb_arxiv_id_parse(id, strlen(id), out, &v) != PB_OK)
        snprintf(out, PB_MAX_ID, "%s", id);
}

int pb_store_paper_get(struct pb_store *st, const char *id,
                       struct pb_paper *out, int64_t *out_pid)
{
    char cid[PB_MAX_ID];
    canonical_id(id, cid);
    int rc = pb_store_prepare(st, &st->get_by_id,
                              "SELECT " PB_PAPER_COLS
                              " FROM papers WHERE id = ?1");
    if (rc)
        return rc;
    sqlite3_bind_text(st->get_by_id, 1, cid, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st->get_by_id);
    int deleted = 0;
    if (step == SQLITE_ROW)
        pb_store_read_paper(st->get_by_id, out, out_pid, NULL, &deleted);
    sqlite3_reset(st->get_by_id);
    if (step == SQLITE_DONE || (step == SQLITE_ROW && deleted))
        return PB_ENOTFOUND;
    return step == SQLITE_ROW ? PB_OK : PB_EDB;
}

int pb_store_paper_get_pid(struct pb_store *st, int64_t pid,
                           struct pb_paper *out)
{
    int rc = pb_store_prepare(st, &st->get_by_pid,
                              "SELECT " PB_PAPER_COLS
                              " FROM papers WHERE pid = ?1 AND deleted = 0");
    if (rc)
        return rc;
    sqlite3_bind_int64(st->get_by_pid, 1, pid);
    int step = sqlite3_step(st->get_by_pid);
    if (step == SQLITE_ROW)
        pb_store_read_paper(st->get_by_pid, out, NULL, NULL, NULL);
    sqlite3_reset(st->get_by_pid);
    if (step == SQLITE_DONE)
        return PB_ENOTFOUND;
    return step == SQLITE_ROW ? PB_OK : PB_EDB;
}

int pb_store_paper_delete(struct pb_store *st, const char *id)
{
    char cid[PB_MAX_ID];
    canonical_id(id, cid);
    int own_txn = !st->in_txn, rc = PB_OK;
    if (own_txn && (rc = pb_store_begin(st)))
        return rc;
    if (!st->seq_loaded && (rc = load_seq(st)))
        goto out;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE papers SET deleted = 1, seq = ?2 "
                           "WHERE id = ?1 AND deleted = 0",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = PB_EDB;
        goto out;
    }
    sqlite3_bind_text(s, 1, cid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, st->seq + 1);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = PB_EDB;
    else if (sqlite3_changes(st->db) == 0)
        rc = PB_ENOTFOUND;
    else
        st->seq++;
    sqlite3_finalize(s);
out:
    if (own_txn) {
        if (rc == PB_OK)
            rc = pb_store_commit(st);
        else
            pb_store_rollback(st);
    }
    return rc;
}

static int each(struct pb_store *st, const char *sql, int64_t arg,
                pb_store_paper_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, arg);
    struct pb_paper p;
    pb_paper_init(&p);
    int rc = PB_OK, step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t pid, seq;
        int deleted;
        pb_store_read_paper(s, &p, &pid, &seq, &deleted);
        if ((rc = fn(ctx, pid, seq, deleted, &p)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = PB_EDB;
    pb_paper_clear(&p);
    sqlite3_finalize(s);
    return rc;
}

int pb_store_paper_each(struct pb_store *st, int64_t since,
                        pb_store_paper_fn fn, void *ctx)
{
    return each(st,
                "SELECT " PB_PAPER_COLS " FROM papers WHERE deleted = 0 AND "
                "(?1 = 0 OR max(coalesce(updated, 0), coalesce(published, 0),"
                " coalesce(unixepoch(listed_day), 0)) >= ?1) ORDER BY pid",
                since, fn, ctx);
}

int pb_store_paper_changes(struct pb_store *st, int64_t after_seq,
                           pb_store_paper_fn fn, void *ctx)
{
    return each(st,
                "SELECT " PB_PAPER_COLS
                " FROM papers WHERE seq > ?1 ORDER BY seq",
                after_seq, fn, ctx);
}

int pb_store_max_seq(struct pb_store *st, int64_t *out)
{
    int rc = load_seq(st);
    if (!st->in_txn)
        st->seq_loaded = 0;
    if (!rc)
        *out = st->seq;
    return rc;
}
