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
                            ? (flags & PB_STORE_NOMMAP)
                                  ? "PRAGMA foreign_keys=ON;"
                                  : "PRAGMA foreign_keys=ON;"
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

/* Inside a write transaction on PostgreSQL, taking the seq lock first
 * (store_pg.h): what reads the highest seq here is about to give the next
 * one. */
static int load_seq(struct pb_store *st)
{
    if (st->backend == PB_BACKEND_PG && pb_pg_seq_lock(st))
        return PB_EDB;
    int rc = pb_stmt_int(st, "SELECT coalesce(max(seq), 0) FROM papers",
                         PB_NOARGS, &st->seq);
    if (rc)
        return PB_EDB;
    st->seq_loaded = 1;
    return PB_OK;
}

int pb_store_load_seq(struct pb_store *st)
{
    return load_seq(st);
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

static char *row_str(const struct pb_row *r, int i)
{
    const char *t = pb_row_text(r, i);
    return t ? pb_strdup(t) : NULL;
}

static int64_t row_num(const struct pb_row *r, int i, int64_t none)
{
    return pb_row_is_null(r, i) ? none : pb_row_int(r, i);
}

static void row_list(const struct pb_row *r, int i, struct pb_strlist *l)
{
    pb_strlist_split(l, pb_row_text(r, i), '\n');
}

void pb_store_read_paper(const struct pb_row *r, struct pb_paper *p,
                         int64_t *pid, int64_t *seq, int *deleted)
{
    pb_paper_clear(p);
    if (pid)
        *pid = pb_row_int(r, 0);
    pb_row_copy(r, 1, p->id, sizeof p->id);
    p->version = (int)pb_row_int(r, 2);
    p->title = row_str(r, 3);
    p->abstract = row_str(r, 4);
    row_list(r, 5, &p->authors);
    p->categories = row_str(r, 6);
    p->published = row_num(r, 7, 0);
    p->updated = row_num(r, 8, 0);
    pb_row_copy(r, 9, p->listed_day, sizeof p->listed_day);
    p->submitter = row_str(r, 10);
    p->upvotes = row_num(r, 11, -1);
    p->n_comments = row_num(r, 12, -1);
    p->github_repo = row_str(r, 13);
    p->github_stars = row_num(r, 14, -1);
    p->project_page = row_str(r, 15);
    p->doi = row_str(r, 16);
    p->journal_ref = row_str(r, 17);
    p->comments = row_str(r, 18);
    p->license = row_str(r, 19);
    row_list(r, 20, &p->keywords);
    p->summary = row_str(r, 21);
    row_list(r, 22, &p->links);
    p->sources = (unsigned)pb_row_int(r, 23);
    if (seq)
        *seq = pb_row_int(r, 24);
    if (deleted)
        *deleted = (int)pb_row_int(r, 25);
}

void pb_store_read_listing(const struct pb_row *r, int col, struct pb_paper *p)
{
    if (pb_row_is_null(r, col))
        return;
    pb_row_copy(r, col, p->listed_day, sizeof p->listed_day);
    if (!pb_row_is_null(r, col + 1)) {
        free(p->submitter);
        p->submitter = row_str(r, col + 1);
    }
    p->submitted_at = row_num(r, col + 2, 0);
    free(p->org);
    p->org = row_str(r, col + 3);
    free(p->listing_src);
    p->listing_src = row_str(r, col + 4);
}

static struct pb_arg num_arg(int64_t v, int64_t none)
{
    return v == none ? pb_null() : pb_int(v);
}

void pb_store_paper_args(struct pb_paper_args *x, const struct pb_paper *p,
                         int64_t seq)
{
    x->authors = pb_strlist_join(&p->authors, '\n');
    x->keywords = p->keywords.n ? pb_strlist_join(&p->keywords, '\n') : NULL;
    x->links = p->links.n ? pb_strlist_join(&p->links, '\n') : NULL;
    struct pb_arg *a = x->a;
    a[0] = pb_text(p->id);
    a[1] = pb_int(p->version);
    a[2] = pb_text(p->title);
    a[3] = pb_text(p->abstract ? p->abstract : "");
    a[4] = pb_text(x->authors);
    a[5] = pb_text(p->categories);
    a[6] = num_arg(p->published, 0);
    a[7] = num_arg(p->updated, 0);
    a[8] = pb_text(p->listed_day[0] ? p->listed_day : NULL);
    a[9] = pb_text(p->submitter);
    a[10] = num_arg(p->upvotes, -1);
    a[11] = num_arg(p->n_comments, -1);
    a[12] = pb_text(p->github_repo);
    a[13] = num_arg(p->github_stars, -1);
    a[14] = pb_text(p->project_page);
    a[15] = pb_text(p->doi);
    a[16] = pb_text(p->journal_ref);
    a[17] = pb_text(p->comments);
    a[18] = pb_text(p->license);
    a[19] = pb_text(x->keywords);
    a[20] = pb_text(p->summary);
    a[21] = pb_text(x->links);
    a[22] = pb_int((int)p->sources);
    a[23] = pb_int(seq);
}

void pb_store_paper_args_free(struct pb_paper_args *x)
{
    free(x->authors);
    free(x->keywords);
    free(x->links);
    x->authors = x->keywords = x->links = NULL;
}

void pb_store_paper_normalize(struct pb_paper *p)
{
    if (!p->abstract)
        p->abstract = pb_strdup("");
    struct pb_strlist *l[] = {&p->authors, &p->keywords, &p->links};
    for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) {
        if (!l[i]->n)
            continue;
        char *j = pb_strlist_join(l[i], '\n');
        pb_strlist_clear(l[i]);
        pb_strlist_split(l[i], j, '\n');
        free(j);
    }
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
void pb_store_merge(struct pb_paper *m, const struct pb_paper *in)
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

int pb_store_paper_eq(const struct pb_paper *a, const struct pb_paper *b)
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
    if (p->org && p->org_src &&
        (rc = pb_stmt_exec(st,
                           "INSERT INTO orgs(name, fullname, src)"
                           " VALUES(?1, ?2, ?3)" PB_ORG_CONFLICT,
                           PB_ARGS(pb_text(p->org), pb_null(),
                                   pb_text(p->org_src)))))
        return rc == PB_EEXIST ? PB_EDB : rc;
    rc = pb_stmt_exec(
        st,
        "INSERT INTO listings(pid, day, submitter, submitted_at, org, src)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)" PB_LISTING_CONFLICT,
        PB_ARGS(pb_int(pid), pb_text(p->listed_day), pb_text(p->submitter),
                num_arg(p->submitted_at, 0), pb_text(p->org),
                pb_text(p->listing_src)));
    if (rc)
        return rc == PB_EEXIST ? PB_EDB : rc;
    if (pb_stmt_changes(st) > 0)
        *changed = 1;
    return PB_OK;
}

/* A stored paper into a struct found (pb_stmt_one's callback). */
struct found {
    struct pb_paper *p;
    int64_t pid, seq;
    int deleted;
};

static int found_row(void *ctx, const struct pb_row *r)
{
    struct found *f = ctx;
    pb_store_read_paper(r, f->p, &f->pid, &f->seq, &f->deleted);
    return PB_OK;
}

#define GET_BY_ID "SELECT " PB_PAPER_COLS " FROM papers WHERE id = ?1"

int pb_store_paper_upsert(struct pb_store *st, const struct pb_paper *p,
                          enum pb_upsert *out, int64_t *out_pid)
{
    int rc = PB_OK;
    int64_t noted_pid = 0;
    struct pb_paper cur;
    pb_paper_init(&cur);
    struct pb_paper_args a = {0};
    int own_txn = !st->in_txn;
    if (own_txn && (rc = pb_store_begin(st)))
        return rc;
    if (!st->seq_loaded && (rc = pb_store_load_seq(st)))
        goto out;
    struct found f = {&cur, 0, 0, 0};
    rc = pb_stmt_one(st, GET_BY_ID, PB_ARGS(pb_text(p->id)), found_row, &f);
    if (rc == PB_ENOTFOUND) {
        pb_store_paper_args(&a, p, ++st->seq);
        /* the new pid is the last id (not RETURNING: on SQLite that
         * costs each insert an ephemeral table, 10-15% of an import) */
        rc = pb_stmt_exec(st,
                          "INSERT INTO papers(" PB_PAPER_INSERT_COLS ")"
                          " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                          " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
                          " ?21, ?22, ?23, ?24)",
                          a.a, 24);
        if (rc) {
            rc = rc == PB_EEXIST ? PB_EDB : rc;
            goto out;
        }
        int64_t npid = pb_stmt_last_id(st);
        if (out_pid)
            *out_pid = npid;
        noted_pid = npid;
        *out = PB_UPSERT_ADDED;
        int ch = 0;
        if (p->listed_day[0])
            rc = upsert_listing(st, npid, p, &ch);
        goto out;
    }
    if (rc) {
        rc = PB_EDB;
        goto out;
    }
    int64_t pid = f.pid;
    /* merge into a copy and compare it with what is stored */
    struct pb_paper before;
    pb_paper_init(&before);
    pb_paper_copy(&before, &cur);
    pb_store_merge(&cur, p);
    int same = pb_store_paper_eq(&cur, &before) && !f.deleted;
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
    pb_store_paper_args(&a, &cur, ++st->seq);
    rc = pb_stmt_exec(st,
                      "UPDATE papers SET version=?2, title=?3, abstract=?4, "
                      "authors=?5, categories=?6, published=?7, updated=?8, "
                      "listed_day=?9, submitter=?10, upvotes=?11, "
                      "n_comments=?12, github_repo=?13, github_stars=?14, "
                      "project_page=?15, doi=?16, journal_ref=?17, "
                      "comments=?18, license=?19, keywords=?20, summary=?21, "
                      "links=?22, sources=?23, seq=?24, deleted=0 "
                      "WHERE id=?1",
                      a.a, 24);
    if (rc) {
        rc = rc == PB_EEXIST ? PB_EDB : rc;
        goto out;
    }
    *out = PB_UPSERT_UPDATED;
out:
    pb_store_paper_args_free(&a);
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
    struct found f = {out, 0, 0, 0};
    int rc = pb_stmt_one(st, GET_BY_ID, PB_ARGS(pb_text(cid)), found_row, &f);
    if (rc == PB_OK && out_pid)
        *out_pid = f.pid;
    if (rc == PB_OK && f.deleted)
        return PB_ENOTFOUND;
    return rc == PB_OK || rc == PB_ENOTFOUND ? rc : PB_EDB;
}

int pb_store_paper_get_pid(struct pb_store *st, int64_t pid,
                           struct pb_paper *out)
{
    struct found f = {out, 0, 0, 0};
    int rc = pb_stmt_one(st,
                         "SELECT " PB_PAPER_COLS
                         " FROM papers WHERE pid = ?1 AND deleted = 0",
                         PB_ARGS(pb_int(pid)), found_row, &f);
    return rc == PB_OK || rc == PB_ENOTFOUND ? rc : PB_EDB;
}

int pb_store_paper_delete(struct pb_store *st, const char *id)
{
    char cid[PB_MAX_ID];
    canonical_id(id, cid);
    int own_txn = !st->in_txn, rc = PB_OK;
    if (own_txn && (rc = pb_store_begin(st)))
        return rc;
    if (!st->seq_loaded && (rc = pb_store_load_seq(st)))
        goto out;
    rc = pb_stmt_exec(st,
                      "UPDATE papers SET deleted = 1, seq = ?2 "
                      "WHERE id = ?1 AND deleted = 0",
                      PB_ARGS(pb_text(cid), pb_int(st->seq + 1)));
    if (rc)
        rc = PB_EDB;
    else if (pb_stmt_changes(st) == 0)
        rc = PB_ENOTFOUND;
    else
        st->seq++;
out:
    if (own_txn) {
        if (rc == PB_OK)
            rc = pb_store_commit(st);
        else
            pb_store_rollback(st);
    }
    return rc;
}

/* A caller's callback over rows of papers. */
struct each {
    pb_store_paper_fn fn;
    void *ctx;
    struct pb_paper p;
};

static int each_row(void *ctx, const struct pb_row *r)
{
    struct each *e = ctx;
    int64_t pid, seq;
    int deleted;
    pb_store_read_paper(r, &e->p, &pid, &seq, &deleted);
    return e->fn(e->ctx, pid, seq, deleted, &e->p);
}

static int each(struct pb_store *st, const char *sql, int64_t arg,
                pb_store_paper_fn fn, void *ctx)
{
    struct each e = {.fn = fn, .ctx = ctx};
    pb_paper_init(&e.p);
    int rc = pb_stmt_each(st, sql, PB_ARGS(pb_int(arg)), each_row, &e);
    pb_paper_clear(&e.p);
    return rc;
}

/* Papers updated, published or listed on or after ?1 (0: all); the
 * latest of the three dates needs a dialect's two-argument max and its
 * day-to-seconds (docs/STORE.md). */
#define PAPERS_SINCE(MAX2, EPOCH)                                            \
    "SELECT " PB_PAPER_COLS " FROM papers WHERE deleted = 0 AND"             \
    " (CAST(?1 AS BIGINT) = 0 OR " MAX2 "(coalesce(updated, 0),"             \
    " coalesce(published, 0), coalesce(" EPOCH("listed_day") ", 0)) >= ?1)"  \
    " ORDER BY pid"

int pb_store_paper_each(struct pb_store *st, int64_t since,
                        pb_store_paper_fn fn, void *ctx)
{
    return each(st,
                pb_sql(st, PAPERS_SINCE("max", PB_SQLITE_EPOCH),
                       PAPERS_SINCE("greatest", PB_PG_EPOCH)),
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
    /* a read: it takes no lock and leaves the transaction's seq alone */
    int rc = pb_stmt_int(st, "SELECT coalesce(max(seq), 0) FROM papers",
                         PB_NOARGS, out);
    return rc ? PB_EDB : PB_OK;
}
