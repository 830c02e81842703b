/* store_media.c - the images of papers (see store_media.h). */
#include "store/store_media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_int.h"

#define MEDIA_COLS                                                           \
    "m.pid, m.kind, m.pos, m.url, m.state, m.file, m.type, m.width, "       \
    "m.height, m.bytes, m.tries, p.id"

static void read_row(const struct pb_row *r, struct pb_media *m)
{
    memset(m, 0, sizeof *m);
    m->pid = pb_row_int(r, 0);
    m->kind = (int)pb_row_int(r, 1);
    m->pos = (int)pb_row_int(r, 2);
    pb_row_copy(r, 3, m->url, sizeof m->url);
    m->state = (int)pb_row_int(r, 4);
    pb_row_copy(r, 5, m->file, sizeof m->file);
    pb_row_copy(r, 6, m->type, sizeof m->type);
    m->width = (int)pb_row_int(r, 7);
    m->height = (int)pb_row_int(r, 8);
    m->bytes = pb_row_int(r, 9);
    m->tries = (int)pb_row_int(r, 10);
    pb_row_copy(r, 11, m->paper_id, sizeof m->paper_id);
}

static int add_row(struct pb_store *st, int64_t pid, int kind, int pos,
                   const char *url)
{
    int rc = pb_stmt_exec(st,
                          "INSERT INTO media(pid, kind, pos, url)"
                          " VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                          PB_ARGS(pb_int(pid), pb_int(kind), pb_int(pos),
                                  pb_text(url)));
    return rc ? PB_EDB : PB_OK;
}

int pb_store_media_note(struct pb_store *st, int64_t pid,
                        const struct pb_paper *p)
{
    int rc = PB_OK;
    if (p->thumbnail && p->thumbnail[0])
        rc = add_row(st, pid, PB_MEDIA_THUMB, 0, p->thumbnail);
    for (size_t i = 0; !rc && i < p->media_urls.n; i++)
        rc = add_row(st, pid, PB_MEDIA_EXTRA, (int)i, p->media_urls.v[i]);
    return rc;
}

int pb_store_media_add(struct pb_store *st, int64_t pid, int kind, int pos,
                       const char *url)
{
    return add_row(st, pid, kind, pos, url);
}

/* Rows into a growing array, up to max of them. */
struct collect {
    struct pb_media *v;
    size_t n, cap, max;
};

enum { STOP = -1 }; /* a row callback's "enough rows" (not an error) */

static int collect_row(void *ctx, const struct pb_row *r)
{
    struct collect *c = ctx;
    if (c->n == c->max)
        return STOP;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = pb_realloc(c->v, c->cap * sizeof *c->v);
    }
    read_row(r, &c->v[c->n++]);
    return PB_OK;
}

/* Run sql and collect up to max rows into *out (the caller frees). */
static int collect(struct pb_store *st, const char *sql,
                   const struct pb_arg *args, size_t nargs, size_t max,
                   struct pb_media **out, size_t *n)
{
    struct collect c = {NULL, 0, 0, max};
    int rc = max ? pb_stmt_each(st, sql, args, nargs, collect_row, &c) : 0;
    if (rc && rc != STOP) {
        free(c.v);
        *out = NULL;
        *n = 0;
        return PB_EDB;
    }
    *out = c.v;
    *n = c.n;
    return PB_OK;
}

int pb_store_media_todo(struct pb_store *st, int max_tries, size_t max,
                        struct pb_media **out, size_t *n)
{
    return collect(st,
                   "SELECT " MEDIA_COLS " FROM media m JOIN papers p "
                   "ON p.pid = m.pid WHERE p.deleted = 0 AND "
                   "(m.state = 0 OR (m.state = 3 AND m.tries < ?1)) "
                   "ORDER BY m.pid DESC, m.kind, m.pos LIMIT ?2",
                   PB_ARGS(pb_int(max_tries), pb_int((int64_t)max)), max,
                   out, n);
}

int pb_store_media_pdf_todo(struct pb_store *st, size_t max,
                            struct pb_media **out, size_t *n)
{
    /* the columns of MEDIA_COLS, with the paper's pid and id only */
    return collect(st,
                   "SELECT p.pid, 2, 0, '', 0, NULL, NULL, 0, 0, 0, 0, p.id "
                   "FROM papers p WHERE p.deleted = 0 "
                   "AND p.listed_day IS NOT NULL "
                   "AND p.id NOT LIKE 't-%' AND NOT EXISTS(SELECT 1 FROM "
                   "media m WHERE m.pid = p.pid AND (m.kind = 2 OR "
                   "(m.kind = 0 AND m.state <> 2))) "
                   "ORDER BY p.listed_day DESC, p.pid DESC LIMIT ?1",
                   PB_ARGS(pb_int((int64_t)max)), max, out, n);
}

int pb_store_media_done(struct pb_store *st, const struct pb_media *m,
                        int state, const char *error, int64_t now)
{
    int stored = state == PB_MEDIA_STORED;
    int rc = pb_stmt_exec(
        st,
        "UPDATE media SET state = ?4, file = ?5, type = ?6, width = ?7,"
        " height = ?8, bytes = ?9, error = ?10, at = ?11,"
        " tries = tries + 1 WHERE pid = ?1 AND kind = ?2 AND pos = ?3",
        PB_ARGS(pb_int(m->pid), pb_int(m->kind), pb_int(m->pos),
                pb_int(state), pb_text(stored ? m->file : NULL),
                pb_text(stored ? m->type : NULL),
                stored ? pb_int(m->width) : pb_null(),
                stored ? pb_int(m->height) : pb_null(),
                stored ? pb_int(m->bytes) : pb_null(), pb_text(error),
                pb_int(now)));
    if (rc)
        return PB_EDB;
    return pb_stmt_changes(st) == 0 ? PB_ENOTFOUND : PB_OK;
}

static int one_row(void *ctx, const struct pb_row *r)
{
    read_row(r, ctx);
    return PB_OK;
}

int pb_store_media_thumb(struct pb_store *st, int64_t pid,
                         struct pb_media *out)
{
    int rc = pb_stmt_one(st,
                         "SELECT " MEDIA_COLS " FROM media m JOIN "
                         "papers p ON p.pid = m.pid WHERE m.pid = ?1 "
                         "AND m.kind IN (0, 2) AND m.state = 1 "
                         "ORDER BY m.kind LIMIT 1",
                         PB_ARGS(pb_int(pid)), one_row, out);
    return rc == PB_OK || rc == PB_ENOTFOUND ? rc : PB_EDB;
}

int pb_store_media_extras(struct pb_store *st, int64_t pid,
                          struct pb_media *out, size_t max, size_t *n)
{
    struct pb_media *v = NULL;
    int rc = collect(st,
                     "SELECT " MEDIA_COLS " FROM media m JOIN "
                     "papers p ON p.pid = m.pid WHERE m.pid = ?1 "
                     "AND m.kind = 1 AND m.state = 1 ORDER BY m.pos",
                     PB_ARGS(pb_int(pid)), max, &v, n);
    if (*n)
        memcpy(out, v, *n * sizeof *out);
    free(v);
    return rc;
}

static int count_row(void *ctx, const struct pb_row *r)
{
    int64_t *out = ctx;
    int64_t k = pb_row_int(r, 0);
    if (k >= 0 && k < 4)
        out[k] = pb_row_int(r, 1);
    return PB_OK;
}

int pb_store_media_counts(struct pb_store *st, int64_t out[4])
{
    memset(out, 0, 4 * sizeof out[0]);
    int rc = pb_stmt_each(st, "SELECT state, count(*) FROM media"
                              " GROUP BY state",
                          PB_NOARGS, count_row, out);
    return rc ? PB_EDB : PB_OK;
}
