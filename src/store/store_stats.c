/* store_stats.c - counts for `paperboy stats`, the import log, settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "store/store_int.h"

/* An open-addressing set of 64-bit hashes: counts distinct author names
 * without keeping the names (a 64-bit collision among a few million names
 * is vanishingly unlikely). */
struct hset {
    uint64_t *v;
    size_t cap, n;
};

static void hset_add(struct hset *h, uint64_t x)
{
    if (x == 0)
        x = 1;
    if ((h->n + 1) * 2 > h->cap) {
        struct hset g = {pb_calloc(h->cap ? h->cap * 2 : 1024, sizeof *g.v),
                         h->cap ? h->cap * 2 : 1024, 0};
        for (size_t i = 0; i < h->cap; i++)
            if (h->v[i])
                hset_add(&g, h->v[i]);
        free(h->v);
        *h = g;
    }
    size_t i = (size_t)(x * 0x9E3779B97F4A7C15ULL) & (h->cap - 1);
    while (h->v[i]) {
        if (h->v[i] == x)
            return;
        i = (i + 1) & (h->cap - 1);
    }
    h->v[i] = x;
    h->n++;
}

static int64_t count_authors(struct pb_store *st)
{
    sqlite3_stmt *s = NULL;
    struct hset h = {0};
    if (sqlite3_prepare_v2(st->db,
                           "SELECT authors FROM papers WHERE deleted = 0", -1,
                           &s, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *a = sqlite3_column_text(s, 0);
        int n = sqlite3_column_bytes(s, 0);
        uint64_t x = 1469598103934665603ULL;
        int any = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || a[i] == '\n') {
                if (any)
                    hset_add(&h, x);
                x = 1469598103934665603ULL;
                any = 0;
                continue;
            }
            x = (x ^ a[i]) * 1099511628211ULL;
            any = 1;
        }
    }
    sqlite3_finalize(s);
    int64_t n = (int64_t)h.n;
    free(h.v);
    return n;
}

int pb_store_stats(struct pb_store *st, struct pb_store_stats *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    const char *sql =
        "SELECT count(*) FILTER (WHERE deleted = 0),"
        " count(*) FILTER (WHERE deleted = 1),"
        " (SELECT count(DISTINCT day) FROM listings),"
        " (SELECT min(day) FROM listings),"
        " (SELECT max(day) FROM listings),"
        " min(published) FILTER (WHERE deleted = 0),"
        " max(published) FILTER (WHERE deleted = 0),"
        " count(*) FILTER (WHERE deleted = 0 AND id NOT LIKE 't-%'),"
        " count(*) FILTER (WHERE deleted = 0 AND github_repo IS NOT NULL),"
        " count(*) FILTER (WHERE deleted = 0 AND listed_day IS NOT NULL),"
        " count(*) FILTER (WHERE deleted = 0 AND sources & 1),"
        " count(*) FILTER (WHERE deleted = 0 AND sources & 2),"
        " count(*) FILTER (WHERE deleted = 0 AND sources & 4),"
        " count(*) FILTER (WHERE deleted = 0 AND sources & 8),"
        " count(*) FILTER (WHERE deleted = 0 AND sources & 16),"
        " count(*) FILTER (WHERE deleted = 0 AND sources & 32),"
        " (SELECT count(*) FROM listings l JOIN papers q ON q.pid = l.pid"
        "  WHERE q.deleted = 0)"
        " FROM papers";
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    int rc = PB_OK;
    if (sqlite3_step(s) == SQLITE_ROW) {
        out->papers = sqlite3_column_int64(s, 0);
        out->deleted = sqlite3_column_int64(s, 1);
        out->days_listed = sqlite3_column_int64(s, 2);
        const char *d0 = (const char *)sqlite3_column_text(s, 3);
        const char *d1 = (const char *)sqlite3_column_text(s, 4);
        snprintf(out->first_day, sizeof out->first_day, "%s", d0 ? d0 : "");
        snprintf(out->last_day, sizeof out->last_day, "%s", d1 ? d1 : "");
        out->first_published = sqlite3_column_int64(s, 5);
        out->last_published = sqlite3_column_int64(s, 6);
        out->with_arxiv_id = sqlite3_column_int64(s, 7);
        out->with_code = sqlite3_column_int64(s, 8);
        out->listed = sqlite3_column_int64(s, 9);
        for (int i = 0; i < 6; i++)
            out->by_source[i] = sqlite3_column_int64(s, 10 + i);
        out->listings = sqlite3_column_int64(s, 16);
    } else {
        rc = PB_EDB;
    }
    sqlite3_finalize(s);
    if (!rc) {
        out->authors = count_authors(st);
        if (out->authors < 0)
            rc = PB_EDB;
    }
    return rc;
}

int pb_store_import_log(struct pb_store *st, const char *file,
                        const char *format, int64_t added, int64_t updated,
                        int64_t unchanged, int64_t rejected)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO imports(at, file, format, added, "
                           "updated, unchanged, rejected) VALUES(?1, ?2, ?3, "
                           "?4, ?5, ?6, ?7)",
                           -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
    pb_store_bind_text(s, 2, file);
    pb_store_bind_text(s, 3, format);
    sqlite3_bind_int64(s, 4, added);
    sqlite3_bind_int64(s, 5, updated);
    sqlite3_bind_int64(s, 6, unchanged);
    sqlite3_bind_int64(s, 7, rejected);
    int rc = sqlite3_step(s) == SQLITE_DONE ? PB_OK : PB_EDB;
    sqlite3_finalize(s);
    return rc;
}

int pb_store_meta_get(struct pb_store *st, const char *key, char **out)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    pb_store_bind_text(s, 1, key);
    int step = sqlite3_step(s), rc;
    if (step == SQLITE_ROW) {
        *out = pb_strdup((const char *)sqlite3_column_text(s, 0));
        rc = PB_OK;
    } else {
        rc = step == SQLITE_DONE ? PB_ENOTFOUND : PB_EDB;
    }
    sqlite3_finalize(s);
    return rc;
}

int pb_store_meta_set(struct pb_store *st, const char *key, const char *value)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO meta(key, value) VALUES(?1, ?2) ON "
                           "CONFLICT(key) DO UPDATE SET value = excluded.value",
                           -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    pb_store_bind_text(s, 1, key);
    pb_store_bind_text(s, 2, value);
    int rc = sqlite3_step(s) == SQLITE_DONE ? PB_OK : PB_EDB;
    sqlite3_finalize(s);
    return rc;
}

int pb_store_missing_meta(struct pb_store *st, int64_t after, size_t cap,
                          int64_t *pids, char (*ids)[PB_MAX_ID], size_t *n)
{
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT pid, id FROM papers WHERE pid > ?1"
                           " AND deleted = 0 AND categories IS NULL"
                           " AND id NOT LIKE 't-%' ORDER BY pid LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return PB_EDB;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, (int64_t)cap);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW && *n < cap) {
        pids[*n] = sqlite3_column_int64(s, 0);
        snprintf(ids[*n], PB_MAX_ID, "%s",
                 (const char *)sqlite3_column_text(s, 1));
        (*n)++;
    }
    sqlite3_finalize(s);
    return step == SQLITE_ROW || step == SQLITE_DONE ? PB_OK : PB_EDB;
}
