/* store_batch.c - many papers upserted at once (see store.h,
 * pb_store_paper_upsert_batch): the same outcome as one
 * pb_store_paper_upsert per paper, in a handful of statements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_int.h"
#include "store/store_media.h"

/* Rows per statement: 256 papers are 6,400 arguments, within both
 * engines' limits (SQLite 32,766, PostgreSQL 65,535). A rest is cut in
 * powers of two, so that few statement texts are ever made (and cached). */
#define CHUNK 256

/* One listing of a paper, as stored or as it will be. */
struct lst {
    char day[11];
    char *sub, *org, *src;
    int64_t at;  /* submitted_at; at_null for NULL */
    int at_null;
    int dirty;   /* to be written */
};

/* One paper of the batch (each id once): as stored, merged with what the
 * batch says so far. */
struct ent {
    struct pb_paper cur;
    int64_t pid, seq;
    int deleted;
    int stored;  /* the store had it */
    int added;   /* added by this batch */
    int dirty;   /* to be written */
    int want_listings;
    /* the lists as the row is written: joined before the empty entries
     * are dropped (pb_store_paper_normalize), as one upsert writes them */
    struct pb_paper_args j;
    struct lst *l;
    size_t nl;
};

struct batch {
    struct pb_store *st;
    struct ent *e;
    size_t n;
    size_t *slot; /* hash of ids: index + 1, 0 empty */
    size_t mask;
};

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The entry of id, or NULL; with add, a new one when missing. */
static struct ent *find(struct batch *b, const char *id, int add)
{
    size_t i = (size_t)hash_id(id) & b->mask;
    for (; b->slot[i]; i = (i + 1) & b->mask)
        if (!strcmp(b->e[b->slot[i] - 1].cur.id, id))
            return &b->e[b->slot[i] - 1];
    if (!add)
        return NULL;
    struct ent *e = &b->e[b->n++];
    memset(e, 0, sizeof *e);
    pb_paper_init(&e->cur);
    snprintf(e->cur.id, sizeof e->cur.id, "%s", id);
    b->slot[i] = b->n;
    return e;
}

/* "(?1, ?2), (?3, ?4)": rows of cols placeholders from ?(first + 1). */
static void values(char *w, size_t cap, size_t rows, size_t cols)
{
    size_t k = 1, len = 0;
    for (size_t r = 0; r < rows; r++) {
        len += (size_t)snprintf(w + len, cap - len, "%s(", r ? ", " : "");
        for (size_t c = 0; c < cols; c++)
            len += (size_t)snprintf(w + len, cap - len, "%s?%zu",
                                    c ? ", " : "", k++);
        len += (size_t)snprintf(w + len, cap - len, ")");
    }
}

/* "?1, ?2, ..., ?n" */
static void list(char *w, size_t cap, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(w + len, cap - len, "%s?%zu", i ? ", " : "",
                                i + 1);
}

/* The size of the next chunk of n rows. */
static size_t chunk(size_t n)
{
    size_t k = CHUNK;
    while (k > n)
        k /= 2;
    return k;
}

static char *sql_buf(size_t params, size_t extra, size_t *cap)
{
    *cap = params * 10 + extra + 64;
    return pb_malloc(*cap);
}

/* --- reading what is stored ---------------------------------------------- */

static int stored_row(void *ctx, const struct pb_row *r)
{
    struct batch *b = ctx;
    struct pb_paper p;
    pb_paper_init(&p);
    int64_t pid, seq;
    int deleted;
    pb_store_read_paper(r, &p, &pid, &seq, &deleted);
    struct ent *e = find(b, p.id, 0);
    if (e) {
        pb_paper_clear(&e->cur);
        e->cur = p; /* moved */
        e->pid = pid;
        e->seq = seq;
        e->deleted = deleted;
        e->stored = 1;
    } else {
        pb_paper_clear(&p);
    }
    return PB_OK;
}

static int load_papers(struct batch *b)
{
    int rc = PB_OK;
    for (size_t i = 0; i < b->n && !rc;) {
        size_t k = chunk(b->n - i), cap;
        char *sql = sql_buf(k, 200 + strlen(PB_PAPER_COLS), &cap);
        int len = snprintf(sql, cap, "SELECT " PB_PAPER_COLS
                                     " FROM papers WHERE id IN (");
        list(sql + len, cap - (size_t)len, k);
        strcat(sql, ")");
        struct pb_arg *a = pb_reallocarray(NULL, k, sizeof *a);
        for (size_t j = 0; j < k; j++)
            a[j] = pb_text(b->e[i + j].cur.id);
        rc = pb_stmt_each(b->st, sql, a, k, stored_row, b);
        free(a);
        free(sql);
        i += k;
    }
    return rc ? PB_EDB : PB_OK;
}

static char *dup_or_null(const char *s)
{
    return s ? pb_strdup(s) : NULL;
}

static struct lst *add_lst(struct ent *e, const char *day)
{
    e->l = pb_reallocarray(e->l, e->nl + 1, sizeof *e->l);
    struct lst *l = &e->l[e->nl++];
    memset(l, 0, sizeof *l);
    snprintf(l->day, sizeof l->day, "%s", day);
    l->at_null = 1;
    return l;
}

/* A stored listing (pid, day, submitter, submitted_at, org, src) into the
 * entry of its paper among those of the chunk. */
struct lctx {
    struct ent **e;
    size_t n;
};

static int listing_row(void *ctx, const struct pb_row *r)
{
    struct lctx *c = ctx;
    int64_t pid = pb_row_int(r, 0);
    for (size_t i = 0; i < c->n; i++) {
        if (c->e[i]->pid != pid)
            continue;
        struct lst *l = add_lst(c->e[i], pb_row_text(r, 1));
        l->sub = dup_or_null(pb_row_text(r, 2));
        l->at_null = pb_row_is_null(r, 3);
        l->at = l->at_null ? 0 : pb_row_int(r, 3);
        l->org = dup_or_null(pb_row_text(r, 4));
        l->src = dup_or_null(pb_row_text(r, 5));
        break;
    }
    return PB_OK;
}

/* The stored listings of the stored papers the batch lists. */
static int load_listings(struct batch *b)
{
    size_t n = 0;
    struct ent **v = pb_reallocarray(NULL, b->n ? b->n : 1, sizeof *v);
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i].stored && b->e[i].want_listings)
            v[n++] = &b->e[i];
    int rc = PB_OK;
    for (size_t i = 0; i < n && !rc;) {
        size_t k = chunk(n - i), cap;
        char *sql = sql_buf(k, 200, &cap);
        int len = snprintf(sql, cap,
                           "SELECT pid, day, submitter, submitted_at, org, src"
                           " FROM listings WHERE pid IN (");
        list(sql + len, cap - (size_t)len, k);
        strcat(sql, ")");
        struct pb_arg *a = pb_reallocarray(NULL, k, sizeof *a);
        for (size_t j = 0; j < k; j++)
            a[j] = pb_int(v[i + j]->pid);
        struct lctx c = {v + i, k};
        rc = pb_stmt_each(b->st, sql, a, k, listing_row, &c);
        free(a);
        free(sql);
        i += k;
    }
    free(v);
    return rc ? PB_EDB : PB_OK;
}

/* --- merging in memory --------------------------------------------------- */

static int str_differs(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

/* What the listing upsert does (PB_LISTING_CONFLICT): a value a source
 * says replaces, one it does not say stays; *changed when a row is new or
 * a value differs. */
static void apply_listing(struct ent *e, const struct pb_paper *p,
                          int *changed)
{
    struct lst *l = NULL;
    for (size_t i = 0; i < e->nl && !l; i++)
        if (!strcmp(e->l[i].day, p->listed_day))
            l = &e->l[i];
    if (!l) {
        l = add_lst(e, p->listed_day);
        l->sub = dup_or_null(p->submitter);
        l->at_null = p->submitted_at == 0;
        l->at = p->submitted_at;
        l->org = dup_or_null(p->org);
        l->src = dup_or_null(p->listing_src);
        l->dirty = 1;
        *changed = 1;
        return;
    }
    int ch = 0;
    if (p->submitter && str_differs(p->submitter, l->sub)) {
        free(l->sub);
        l->sub = pb_strdup(p->submitter);
        ch = 1;
    }
    if (p->submitted_at != 0 && (l->at_null || l->at != p->submitted_at)) {
        l->at = p->submitted_at;
        l->at_null = 0;
        ch = 1;
    }
    if (p->org && str_differs(p->org, l->org)) {
        free(l->org);
        l->org = pb_strdup(p->org);
        ch = 1;
    }
    if (p->listing_src && str_differs(p->listing_src, l->src)) {
        free(l->src);
        l->src = pb_strdup(p->listing_src);
        ch = 1;
    }
    if (ch) {
        l->dirty = 1;
        *changed = 1;
    }
}

/* One paper of the batch, as pb_store_paper_upsert would take it. */
/* Keep e->cur's lists as they are written, then normalize e->cur. */
static void written(struct ent *e)
{
    pb_store_paper_args_free(&e->j);
    pb_store_paper_args(&e->j, &e->cur, 0);
    pb_store_paper_normalize(&e->cur);
}

static void apply(struct batch *b, struct ent *e, const struct pb_paper *p,
                  enum pb_upsert *out)
{
    struct pb_store *st = b->st;
    int ch = 0;
    if (!e->stored && !e->added) {
        pb_paper_copy(&e->cur, p);
        written(e);
        e->added = e->dirty = 1;
        e->seq = ++st->seq;
        if (p->listed_day[0])
            apply_listing(e, p, &ch);
        *out = PB_UPSERT_ADDED;
        return;
    }
    struct pb_paper before;
    pb_paper_init(&before);
    pb_paper_copy(&before, &e->cur);
    pb_store_merge(&e->cur, p);
    int same = pb_store_paper_eq(&e->cur, &before) && !e->deleted;
    pb_paper_clear(&before);
    if (p->listed_day[0])
        apply_listing(e, p, &ch);
    if (same && ch)
        same = 0; /* a listing is new or changed: a new seq all the same */
    if (same) {
        *out = PB_UPSERT_UNCHANGED;
        return;
    }
    written(e); /* e->cur as the store gives it back */
    e->seq = ++st->seq;
    e->deleted = 0;
    e->dirty = 1;
    *out = PB_UPSERT_UPDATED;
}

/* --- writing ------------------------------------------------------------- */

static int added_row(void *ctx, const struct pb_row *r)
{
    struct batch *b = ctx;
    struct ent *e = find(b, pb_row_text(r, 1), 0);
    if (e)
        e->pid = pb_row_int(r, 0);
    return PB_OK;
}

#define UPDATE_SET                                                           \
    " ON CONFLICT(pid) DO UPDATE SET version = excluded.version,"           \
    " title = excluded.title, abstract = excluded.abstract,"                 \
    " authors = excluded.authors, categories = excluded.categories,"         \
    " published = excluded.published, updated = excluded.updated,"           \
    " listed_day = excluded.listed_day, submitter = excluded.submitter,"     \
    " upvotes = excluded.upvotes, n_comments = excluded.n_comments,"         \
    " github_repo = excluded.github_repo,"                                   \
    " github_stars = excluded.github_stars,"                                 \
    " project_page = excluded.project_page, doi = excluded.doi,"             \
    " journal_ref = excluded.journal_ref, comments = excluded.comments,"     \
    " license = excluded.license, keywords = excluded.keywords,"             \
    " summary = excluded.summary, links = excluded.links,"                   \
    " sources = excluded.sources, seq = excluded.seq, deleted = 0"

/* The new papers (added: 1) or the changed stored ones (added: 0), in the
 * batch's order: new ones take their pids in that order, as one insert
 * after the other would; changed ones are written by pid (an insert that
 * meets its row updates it), which takes no number from a sequence. */
static int write_papers(struct batch *b, int added)
{
    size_t n = 0;
    struct ent **v = pb_reallocarray(NULL, b->n ? b->n : 1, sizeof *v);
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i].dirty && b->e[i].added == added)
            v[n++] = &b->e[i];
    size_t cols = PB_PAPER_NARGS + (added ? 0 : 1);
    int rc = PB_OK;
    for (size_t i = 0; i < n && !rc;) {
        size_t k = chunk(n - i), cap;
        char *sql = sql_buf(k * cols, 1400, &cap);
        int len = snprintf(sql, cap,
                           "INSERT INTO papers(%s" PB_PAPER_INSERT_COLS
                           ") VALUES ",
                           added ? "" : "pid, ");
        values(sql + len, cap - (size_t)len, k, cols);
        strcat(sql, added ? " RETURNING pid, id" : UPDATE_SET);
        struct pb_arg *a = pb_reallocarray(NULL, k * cols, sizeof *a);
        struct pb_paper_args *pa = pb_calloc(k, sizeof *pa);
        for (size_t j = 0; j < k; j++) {
            struct ent *e = v[i + j];
            pb_store_paper_args(&pa[j], &e->cur, e->seq);
            pa[j].a[4] = e->j.a[4]; /* the lists as written */
            pa[j].a[19] = e->j.a[19];
            pa[j].a[21] = e->j.a[21];
            struct pb_arg *row = a + j * cols;
            if (!added)
                *row++ = pb_int(e->pid);
            memcpy(row, pa[j].a, sizeof pa[j].a);
        }
        rc = added ? pb_stmt_each(b->st, sql, a, k * cols, added_row, b)
                   : pb_stmt_exec(b->st, sql, a, k * cols);
        for (size_t j = 0; j < k; j++)
            pb_store_paper_args_free(&pa[j]);
        free(pa);
        free(a);
        free(sql);
        i += k;
    }
    free(v);
    return rc ? PB_EDB : PB_OK;
}

static int write_listings(struct batch *b)
{
    size_t n = 0, cap_v = 0;
    struct lst **v = NULL;
    int64_t *pid = NULL;
    for (size_t i = 0; i < b->n; i++)
        for (size_t j = 0; j < b->e[i].nl; j++)
            if (b->e[i].l[j].dirty) {
                if (n == cap_v) {
                    cap_v = cap_v ? cap_v * 2 : 64;
                    v = pb_reallocarray(v, cap_v, sizeof *v);
                    pid = pb_reallocarray(pid, cap_v, sizeof *pid);
                }
                pid[n] = b->e[i].pid;
                v[n++] = &b->e[i].l[j];
            }
    int rc = PB_OK;
    for (size_t i = 0; i < n && !rc;) {
        size_t k = chunk(n - i), cap;
        char *sql = sql_buf(k * 6, 1000, &cap);
        int len = snprintf(sql, cap,
                           "INSERT INTO listings(pid, day, submitter,"
                           " submitted_at, org, src) VALUES ");
        values(sql + len, cap - (size_t)len, k, 6);
        strcat(sql, PB_LISTING_CONFLICT);
        struct pb_arg *a = pb_reallocarray(NULL, k * 6, sizeof *a);
        for (size_t j = 0; j < k; j++) {
            struct lst *l = v[i + j];
            struct pb_arg *row = a + j * 6;
            row[0] = pb_int(pid[i + j]);
            row[1] = pb_text(l->day);
            row[2] = pb_text(l->sub);
            row[3] = l->at_null ? pb_null() : pb_int(l->at);
            row[4] = pb_text(l->org);
            row[5] = pb_text(l->src);
        }
        rc = pb_stmt_exec(b->st, sql, a, k * 6);
        free(a);
        free(sql);
        i += k;
    }
    free(v);
    free(pid);
    return rc ? PB_EDB : PB_OK;
}

/* Organizations of the listed papers: the last source object of each name
 * wins, as one upsert after the other would leave it. */
static int write_orgs(struct batch *b, const struct pb_paper *const *v,
                      size_t n)
{
    size_t no = 0;
    const struct pb_paper **o = pb_reallocarray(NULL, n ? n : 1, sizeof *o);
    for (size_t i = 0; i < n; i++) {
        if (!v[i]->org || !v[i]->org_src || !v[i]->listed_day[0])
            continue;
        size_t j = 0;
        while (j < no && strcmp(o[j]->org, v[i]->org))
            j++;
        o[j] = v[i];
        if (j == no)
            no++;
    }
    int rc = PB_OK;
    for (size_t i = 0; i < no && !rc;) {
        size_t k = chunk(no - i), cap;
        char *sql = sql_buf(k * 3, 400, &cap);
        int len = snprintf(sql, cap,
                           "INSERT INTO orgs(name, fullname, src) VALUES ");
        values(sql + len, cap - (size_t)len, k, 3);
        strcat(sql, PB_ORG_CONFLICT);
        struct pb_arg *a = pb_reallocarray(NULL, k * 3, sizeof *a);
        for (size_t j = 0; j < k; j++) {
            a[j * 3] = pb_text(o[i + j]->org);
            a[j * 3 + 1] = pb_null();
            a[j * 3 + 2] = pb_text(o[i + j]->org_src);
        }
        rc = pb_stmt_exec(b->st, sql, a, k * 3);
        free(a);
        free(sql);
        i += k;
    }
    free(o);
    return rc ? PB_EDB : PB_OK;
}

static void batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct ent *e = &b->e[i];
        pb_paper_clear(&e->cur);
        pb_store_paper_args_free(&e->j);
        for (size_t j = 0; j < e->nl; j++) {
            free(e->l[j].sub);
            free(e->l[j].org);
            free(e->l[j].src);
        }
        free(e->l);
    }
    free(b->e);
    free(b->slot);
}

static int multirow_on_sqlite;

void pb_store_test_batch_multirow(int on)
{
    multirow_on_sqlite = on;
}

int pb_store_paper_upsert_batch(struct pb_store *st,
                                const struct pb_paper *const *v, size_t n,
                                enum pb_upsert *out)
{
    if (!n)
        return PB_OK;
    int rc = PB_OK, own_txn = !st->in_txn;
    if (own_txn && (rc = pb_store_begin(st)))
        return rc;
    if (st->backend == PB_BACKEND_SQLITE && !multirow_on_sqlite) {
        /* an embedded engine has no round trips to save: its prepared
         * one-row statements are faster than multi-row ones (measured in
         * docs/BENCHMARKS.md) */
        for (size_t i = 0; i < n && !rc; i++)
            rc = pb_store_paper_upsert(st, v[i], &out[i], NULL);
        goto done;
    }
    struct batch b = {.st = st};
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    b.mask = cap - 1;
    b.slot = pb_calloc(cap, sizeof *b.slot);
    b.e = pb_reallocarray(NULL, n, sizeof *b.e);
    for (size_t i = 0; i < n; i++) {
        struct ent *e = find(&b, v[i]->id, 1);
        if (v[i]->listed_day[0])
            e->want_listings = 1;
    }
    if (!st->seq_loaded && (rc = pb_store_load_seq(st)))
        goto out;
    if ((rc = load_papers(&b)) || (rc = load_listings(&b)))
        goto out;
    for (size_t i = 0; i < n; i++)
        apply(&b, find(&b, v[i]->id, 0), v[i], &out[i]);
    if ((rc = write_papers(&b, 1)) || (rc = write_papers(&b, 0)) ||
        (rc = write_orgs(&b, v, n)) || (rc = write_listings(&b)))
        goto out;
    /* the images a source names live beside the paper (store_media.h) */
    for (size_t i = 0; i < n && !rc; i++)
        if (v[i]->thumbnail || v[i]->media_urls.n)
            rc = pb_store_media_note(st, find(&b, v[i]->id, 0)->pid, v[i]);
out:
    batch_free(&b);
done:
    if (own_txn) {
        if (rc == PB_OK)
            rc = pb_store_commit(st);
        if (rc)
            pb_store_rollback(st);
    }
    return rc;
}
