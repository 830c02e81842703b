/* store_media.c - the images of papers (see store_media.h). */
#include "store/store_media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store_int.h"

static void copy_col(sqlite3_stmt *s, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(out, t, n);
    out[n] = '\0';
}

#define MEDIA_COLS                                                           \
    "m.pid, m.kind, m.pos, m.url, m.state, m.file, m.type, m.width, "       \
    "m.height, m.bytes, m.tries, p.id"

static void read_row(sqlite3_stmt *s, struct pb_media *m)
{
    memset(m, 0, sizeof *m);
    m->pid = sqlite3_column_int64(s, 0);
    m->kind = sqlite3_column_int(s, 1);
    m->pos = sqlite3_column_int(s, 2);
    copy_col(s, 3, m->url, sizeof m->url);
    m->state = sqlite3_column_int(s, 4);
    copy_col(s, 5, m->file, sizeof m->file);
    copy_col(s, 6, m->type, sizeof m->type);
    m->width = sqlite3_column_int(s, 7);
    m->height = sqlite3_column_int(s, 8);
    m->bytes = sqlite3_column_int64(s, 9);
    m->tries = sqlite3_column_int(s, 10);
    copy_col(s, 11, m->paper_id, sizeof m->paper_id);
}

static int add_row(struct pb_store *st, int64_t pid, int kind, int pos,
                   const char *url)
{
    int rc = pb_store_prepare(st, &st->media_note,
                              "INSERT OR IGNORE INTO media(pid, kind, pos, "
                              "url) VALUES(?1, ?2, ?3, ?4)");
    if (rc)
        return rc;
    sqlite3_bind_int64(st->media_note, 1, pid);
    sqlite3_bind_int(st->media_note, 2, kind);
    sqlite3_bind_int(st->media_note, 3, pos);
    sqlite3_bind_text(st->media_note, 4, url, -1, SQLITE_STATIC);
    rc = sqlite3_step(st->media_note) == SQLITE_DONE ? PB_OK : PB_EDB;
    sqlite3_reset(st->media_note);
    return rc;
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

/* Run s (bound by the caller) and collect up to max rows. */
static int collect(sqlite3_stmt *s, size_t max, struct pb_media **out,
                   size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    int step = SQLITE_DONE;
    while (*n < max && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = pb_realloc(*out, cap * sizeof **out);
        }
        read_row(s, &(*out)[(*n)++]);
    }
    if (*n < max && step != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return PB_EDB;
    }
    return PB_OK;
}

int pb_store_media_todo(struct pb_store *st, int max_tries, size_t max,
                        struct pb_media **out, size_t *n)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT " MEDIA_COLS " FROM media m JOIN papers p "
                           "ON p.pid = m.pid WHERE p.deleted = 0 AND "
                           "(m.state = 0 OR (m.state = 3 AND m.tries < ?1)) "
                           "ORDER BY m.pid DESC, m.kind, m.pos LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    sqlite3_bind_int(s, 1, max_tries);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    int rc = collect(s, max, out, n);
    sqlite3_finalize(s);
    return rc;
}

int pb_store_media_pdf_todo(struct pb_store *st, size_t max,
                            struct pb_media **out, size_t *n)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    *n = 0;
    /* the columns of MEDIA_COLS, with the paper's pid and id only */
    if (sqlite3_prepare_v2(
            st->db,
            "SELECT p.pid, 2, 0, '', 0, NULL, NULL, 0, 0, 0, 0, p.id "
            "FROM papers p WHERE p.deleted = 0 AND p.listed_day IS NOT NULL "
            "AND p.id NOT LIKE 't-%' AND NOT EXISTS(SELECT 1 FROM media m "
            "WHERE m.pid = p.pid AND (m.kind = 2 OR (m.kind = 0 AND "
            "m.state != 2))) ORDER BY p.listed_day DESC, p.pid DESC "
            "LIMIT ?1",
            -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)max);
    int rc = collect(s, max, out, n);
    sqlite3_finalize(s);
    return rc;
}

int pb_store_media_done(struct pb_store *st, const struct pb_media *m,
                        int state, const char *error, int64_t now)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE media SET state = ?4, file = ?5, "
                           "type = ?6, width = ?7, height = ?8, bytes = ?9, "
                           "error = ?10, at = ?11, tries = tries + 1 "
                           "WHERE pid = ?1 AND kind = ?2 AND pos = ?3",
                           -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    int stored = state == PB_MEDIA_STORED;
    sqlite3_bind_int64(s, 1, m->pid);
    sqlite3_bind_int(s, 2, m->kind);
    sqlite3_bind_int(s, 3, m->pos);
    sqlite3_bind_int(s, 4, state);
    pb_store_bind_text(s, 5, stored ? m->file : NULL);
    pb_store_bind_text(s, 6, stored ? m->type : NULL);
    if (stored) {
        sqlite3_bind_int(s, 7, m->width);
        sqlite3_bind_int(s, 8, m->height);
        sqlite3_bind_int64(s, 9, m->bytes);
    }
    pb_store_bind_text(s, 10, error);
    sqlite3_bind_int64(s, 11, now);
    int rc = sqlite3_step(s) == SQLITE_DONE ? PB_OK : PB_EDB;
    if (!rc && sqlite3_changes(st->db) == 0)
        rc = PB_ENOTFOUND;
    sqlite3_finalize(s);
    return rc;
}

int pb_store_media_thumb(struct pb_store *st, int64_t pid,
                         struct pb_media *out)
{
    int rc = pb_store_prepare(st, &st->media_thumb,
                              "SELECT " MEDIA_COLS " FROM media m JOIN "
                              "papers p ON p.pid = m.pid WHERE m.pid = ?1 "
                              "AND m.kind IN (0, 2) AND m.state = 1 "
                              "ORDER BY m.kind LIMIT 1");
    if (rc)
        return rc;
    sqlite3_bind_int64(st->media_thumb, 1, pid);
    int step = sqlite3_step(st->media_thumb);
    if (step == SQLITE_ROW)
        read_row(st->media_thumb, out);
    sqlite3_reset(st->media_thumb);
    return step == SQLITE_ROW    ? PB_OK
           : step == SQLITE_DONE ? PB_ENOTFOUND
                                 : PB_EDB;
}

int pb_store_media_extras(struct pb_store *st, int64_t pid,
                          struct pb_media *out, size_t max, size_t *n)
{
    *n = 0;
    int rc = pb_store_prepare(st, &st->media_extras,
                              "SELECT " MEDIA_COLS " FROM media m JOIN "
                              "papers p ON p.pid = m.pid WHERE m.pid = ?1 "
                              "AND m.kind = 1 AND m.state = 1 ORDER BY m.pos");
    if (rc)
        return rc;
    sqlite3_bind_int64(st->media_extras, 1, pid);
    int step = SQLITE_DONE;
    while (*n < max && (step = sqlite3_step(st->media_extras)) == SQLITE_ROW)
        read_row(st->media_extras, &out[(*n)++]);
    if (*n < max && step != SQLITE_DONE)
        rc = PB_EDB;
    sqlite3_reset(st->media_extras);
    return rc;
}

int pb_store_media_counts(struct pb_store *st, int64_t out[4])
{
    sqlite3_stmt *s = NULL;
    memset(out, 0, 4 * sizeof out[0]);
    if (sqlite3_prepare_v2(st->db,
                           "SELECT state, count(*) FROM media GROUP BY state",
                           -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int k = sqlite3_column_int(s, 0);
        if (k >= 0 && k < 4)
            out[k] = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return step == SQLITE_DONE ? PB_OK : PB_EDB;
}
