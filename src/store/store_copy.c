/* store_copy.c - copy one store into another (store_copy.h). */
#include "store/store_copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_int.h"

/* Every table, parents before children (foreign keys). cols: "name:kind"
 * with kind i(nteger), t(ext) or b(lob), the key's nkey columns first;
 * identity: the column PostgreSQL numbers itself (its sequence is moved
 * past the copied rows); seeded: a table the migrations fill (copied
 * whole every time). */
struct table {
    const char *name, *cols;
    int nkey;
    const char *identity;
    int seeded;
};

static const struct table tables[] = {
    {"papers", "pid:i id:t version:i title:t abstract:t authors:t"
               " categories:t published:i updated:i listed_day:t"
               " submitter:t upvotes:i n_comments:i github_repo:t"
               " github_stars:i project_page:t doi:t journal_ref:t"
               " comments:t license:t keywords:t summary:t links:t"
               " sources:i seq:i deleted:i", 1, "pid", 0},
    {"meta", "key:t value:t", 1, NULL, 0},
    {"imports", "id:i at:i file:t format:t added:i updated:i unchanged:i"
                " rejected:i", 1, "id", 0},
    {"members", "id:i name:t email:t pwhash:t role:i disabled:i created:i",
     1, "id", 0},
    {"sessions", "hash:b member:i created:i expires:i", 1, NULL, 0},
    {"votes", "member:i pid:i at:i", 2, NULL, 0},
    {"paper_stats", "pid:i votes:i comments:i hidden:i submitted_by:i"
                    " submitted_at:i", 1, NULL, 0},
    {"comments", "id:i pid:i member:i body:t created:i edited:i hidden:i"
                 " deleted:i", 1, "id", 0},
    {"submissions", "pid:i member:i at:i day:t", 1, NULL, 0},
    {"collections", "id:i member:i name:t public:i created:i", 1, "id", 0},
    {"collection_items", "coll:i pid:i added:i", 2, NULL, 0},
    {"follows", "member:i kind:i target:t", 3, NULL, 0},
    {"modlog", "id:i at:i actor:t action:t target:t", 1, "id", 0},
    {"community_gen", "id:i n:i", 1, NULL, 1},
    {"subscribers", "id:i email:t state:i freq:i top_n:i max_papers:i"
                    " categories:t authors:t keywords:t created:i"
                    " confirmed:i confirm_sent:i refusals:i last_error:t"
                    " member:i recs:i", 1, "id", 0},
    {"mail_digests", "sub:i period:t state:i message_id:t attempts:i"
                     " next_try:i created:i sent_at:i claimed_by:t"
                     " claimed_at:i", 2, NULL, 0},
    {"mail_papers", "sub:i pid:i period:t pos:i src:i coll:i", 2, NULL, 0},
    {"dismissals", "member:i pid:i at:i", 2, NULL, 0},
    {"sub_collections", "sub:i coll:i since:i", 2, NULL, 0},
    {"listings", "pid:i day:t submitter:t submitted_at:i org:t src:t", 2,
     NULL, 0},
    {"orgs", "name:t fullname:t src:t", 1, NULL, 0},
    {"media", "pid:i kind:i pos:i url:t state:i file:t type:t width:i"
              " height:i bytes:i tries:i at:i error:t", 3, NULL, 0},
};
#define N_TABLES (sizeof tables / sizeof tables[0])
#define MAX_COLS 32

/* A table's columns, parsed, and its statements. */
struct plan {
    const struct table *t;
    int n;
    char name[MAX_COLS][32];
    char kind[MAX_COLS];
    char list[1024];   /* "a, b, c" */
    char keys[256];    /* "a, b" */
    char select[2048], select_after[2048], last[2048], insert[4096];
};

struct val {
    int null;
    int64_t i;
    void *p;
    size_t n;
};

struct batch {
    const struct plan *pl;
    struct val *v; /* rows * pl->n */
    size_t rows, cap;
};

/* Append sep and s to dst (cap bytes). */
static void cat(char *dst, size_t cap, const char *sep, const char *s)
{
    size_t n = strlen(dst);
    snprintf(dst + n, cap - n, "%s%s", sep, s);
}

static void make_plan(struct plan *pl, const struct table *t, size_t batch)
{
    memset(pl, 0, sizeof *pl);
    pl->t = t;
    for (const char *p = t->cols; *p && pl->n < MAX_COLS;) {
        size_t w = strcspn(p, ":");
        snprintf(pl->name[pl->n], sizeof pl->name[0], "%.*s", (int)w, p);
        pl->kind[pl->n] = p[w + 1];
        pl->n++;
        p += w + 2;
        p += strspn(p, " ");
    }
    for (int i = 0; i < pl->n; i++) {
        cat(pl->list, sizeof pl->list, i ? ", " : "", pl->name[i]);
        if (i < t->nkey)
            cat(pl->keys, sizeof pl->keys, i ? ", " : "",
                pl->name[i]);
    }
    char lim[32], params[256] = "", desc[256] = "", set[2048] = "";
    snprintf(lim, sizeof lim, " LIMIT %zu", batch);
    for (int i = 0; i < t->nkey; i++) {
        char q[16];
        snprintf(q, sizeof q, "?%d", i + 1);
        cat(params, sizeof params, i ? ", " : "", q);
        cat(desc, sizeof desc, i ? ", " : "", pl->name[i]);
        cat(desc, sizeof desc, " DESC", "");
    }
    snprintf(pl->select, sizeof pl->select, "SELECT %s FROM %s ORDER BY %s%s",
             pl->list, t->name, pl->keys, lim);
    snprintf(pl->select_after, sizeof pl->select_after,
             "SELECT %s FROM %s WHERE (%s) > (%s) ORDER BY %s%s", pl->list,
             t->name, pl->keys, params, pl->keys, lim);
    snprintf(pl->last, sizeof pl->last, "SELECT %s FROM %s ORDER BY %s LIMIT 1",
             pl->list, t->name, desc);
    char vals[512] = "";
    for (int i = 0; i < pl->n; i++) {
        char q[16];
        snprintf(q, sizeof q, "?%d", i + 1);
        cat(vals, sizeof vals, i ? ", " : "", q);
        if (i >= t->nkey) {
            char c[80];
            snprintf(c, sizeof c, "%s = excluded.%s", pl->name[i],
                     pl->name[i]);
            cat(set, sizeof set, set[0] ? ", " : "", c);
        }
    }
    snprintf(pl->insert, sizeof pl->insert,
             "INSERT INTO %s(%s) VALUES(%s) ON CONFLICT(%s) DO %s%s",
             t->name, pl->list, vals, pl->keys,
             set[0] ? "UPDATE SET " : "NOTHING", set);
}

static void val_read(struct val *v, const struct pb_row *r, int col,
                     char kind)
{
    memset(v, 0, sizeof *v);
    if (pb_row_is_null(r, col)) {
        v->null = 1;
        return;
    }
    if (kind == 'i') {
        v->i = pb_row_int(r, col);
    } else if (kind == 't') {
        const char *s = pb_row_text(r, col);
        v->n = strlen(s ? s : "");
        v->p = pb_strndup(s ? s : "", v->n);
    } else {
        const void *p = pb_row_blob(r, col, &v->n);
        v->p = pb_malloc(v->n + 1);
        if (v->n)
            memcpy(v->p, p, v->n);
    }
}

static struct pb_arg val_arg(const struct val *v, char kind)
{
    if (v->null)
        return pb_null();
    if (kind == 'i')
        return pb_int(v->i);
    if (kind == 't')
        return pb_text(v->p);
    return pb_blob(v->p, v->n);
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->rows * (size_t)b->pl->n; i++)
        free(b->v[i].p);
    b->rows = 0;
}

static int batch_row(void *ctx, const struct pb_row *r)
{
    struct batch *b = ctx;
    int n = b->pl->n;
    if (b->rows == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->v = pb_reallocarray(b->v, b->cap * (size_t)n, sizeof *b->v);
    }
    for (int c = 0; c < n; c++)
        val_read(&b->v[b->rows * (size_t)n + (size_t)c], r, c,
                 b->pl->kind[c]);
    b->rows++;
    return PB_OK;
}

/* The key of the last row of b (or of the destination's last row) as
 * arguments. */
static void key_args(const struct plan *pl, const struct val *row,
                     struct pb_arg *out)
{
    for (int i = 0; i < pl->t->nkey; i++)
        out[i] = val_arg(&row[i], pl->kind[i]);
}

static int copy_table(struct pb_store *from, struct pb_store *to,
                      const struct table *t, size_t batch,
                      pb_copy_progress_fn fn, void *ctx, struct pb_err *err)
{
    struct plan *pl = pb_malloc(sizeof *pl);
    make_plan(pl, t, batch);
    struct batch b = {.pl = pl};
    struct val *cursor = pb_calloc((size_t)t->nkey, sizeof *cursor);
    int have_cursor = 0, rc = PB_OK;
    int64_t copied = 0;
    struct pb_arg args[MAX_COLS];
    /* resume after the destination's last row */
    if (!t->seeded) {
        rc = pb_stmt_each(to, pl->last, PB_NOARGS, batch_row, &b);
        if (!rc && b.rows) {
            for (int i = 0; i < t->nkey; i++) {
                cursor[i] = b.v[i];
                b.v[i].p = NULL;
            }
            have_cursor = 1;
        }
        batch_clear(&b);
    }
    while (!rc) {
        if (have_cursor) {
            key_args(pl, cursor, args);
            rc = pb_stmt_each(from, pl->select_after, args, (size_t)t->nkey,
                              batch_row, &b);
        } else {
            rc = pb_stmt_each(from, pl->select, PB_NOARGS, batch_row, &b);
        }
        if (rc) {
            pb_err_set(err, PB_EDB, "%s: reading: %s", t->name,
                       pb_stmt_errmsg(from));
            break;
        }
        if (!b.rows)
            break;
        /* rows with their seqs: as an import would, under the seq lock
         * (PostgreSQL), which also tells the servers following to look */
        if ((rc = pb_store_begin(to))) {
            pb_err_set(err, PB_EDB, "%s: %s", t->name, pb_stmt_errmsg(to));
            break;
        }
        if ((rc = pb_store_load_seq(to))) {
            pb_err_set(err, PB_EDB, "%s: %s", t->name, pb_stmt_errmsg(to));
            pb_store_rollback(to);
            break;
        }
        for (size_t r = 0; r < b.rows && !rc; r++) {
            const struct val *row = &b.v[r * (size_t)pl->n];
            for (int c = 0; c < pl->n; c++)
                args[c] = val_arg(&row[c], pl->kind[c]);
            rc = pb_stmt_exec(to, pl->insert, args, (size_t)pl->n);
        }
        if (rc) {
            pb_err_set(err, PB_EDB, "%s: writing: %s", t->name,
                       pb_stmt_errmsg(to));
            pb_store_rollback(to);
            break;
        }
        if ((rc = pb_store_commit(to))) {
            pb_err_set(err, PB_EDB, "%s: commit: %s", t->name,
                       pb_stmt_errmsg(to));
            pb_store_rollback(to);
            break;
        }
        copied += (int64_t)b.rows;
        /* the cursor moves to this batch's last key */
        struct val *last = &b.v[(b.rows - 1) * (size_t)pl->n];
        for (int i = 0; i < t->nkey; i++) {
            free(cursor[i].p);
            cursor[i] = last[i];
            last[i].p = NULL;
        }
        have_cursor = 1;
        int short_batch = b.rows < batch;
        batch_clear(&b);
        if (fn)
            fn(ctx, t->name, copied, 0);
        if (short_batch)
            break;
    }
    batch_clear(&b);
    free(b.v);
    for (int i = 0; i < t->nkey; i++)
        free(cursor[i].p);
    free(cursor);
    /* PostgreSQL numbers new rows after the copied ones */
    if (!rc && t->identity && to->backend == PB_BACKEND_PG) {
        char q[256];
        snprintf(q, sizeof q,
                 "SELECT setval(pg_get_serial_sequence('%s', '%s'),"
                 " coalesce(max(%s), 0) + 1, false) FROM %s",
                 t->name, t->identity, t->identity, t->name);
        if ((rc = pb_stmt_one(to, q, PB_NOARGS, NULL, NULL)))
            pb_err_set(err, PB_EDB, "%s: %s", t->name, pb_stmt_errmsg(to));
    }
    if (!rc && fn)
        fn(ctx, t->name, copied, 1);
    free(pl);
    return rc;
}

int pb_store_copy(struct pb_store *from, struct pb_store *to, size_t batch,
                  pb_copy_progress_fn fn, void *ctx, struct pb_err *err)
{
    if (!batch)
        batch = 2000;
    if (pb_store_user_version(from) != pb_store_user_version(to))
        return pb_err_set(err, PB_EUNSUP,
                          "the two stores have different schema versions "
                          "(%d, %d)",
                          pb_store_user_version(from),
                          pb_store_user_version(to));
    for (size_t i = 0; i < N_TABLES; i++) {
        int rc = copy_table(from, to, &tables[i], batch, fn, ctx, err);
        if (rc)
            return rc;
    }
    if (to->backend == PB_BACKEND_PG &&
        pb_stmt_exec(to, "ANALYZE", PB_NOARGS))
        return pb_err_set(err, PB_EDB, "ANALYZE: %s", pb_stmt_errmsg(to));
    return PB_OK;
}

int pb_store_copy_check(struct pb_store *from, struct pb_store *to,
                        pb_copy_count_fn fn, void *ctx, struct pb_err *err)
{
    int same = 1;
    for (size_t i = 0; i < N_TABLES; i++) {
        char q[128];
        int64_t a = 0, b = 0;
        snprintf(q, sizeof q, "SELECT count(*) FROM %s", tables[i].name);
        if (pb_stmt_int(from, q, PB_NOARGS, &a) ||
            pb_stmt_int(to, q, PB_NOARGS, &b))
            return pb_err_set(err, PB_EDB, "%s: counting: %s / %s",
                              tables[i].name, pb_stmt_errmsg(from),
                              pb_stmt_errmsg(to));
        if (fn)
            fn(ctx, tables[i].name, a, b);
        same &= a == b;
    }
    return same ? PB_OK
                : pb_err_set(err, PB_EINVAL, "row counts differ");
}
