/* store_stats.c - counts for `paperboy stats`, the import log, settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "store/store_int.h"
#include "store/store_stmt.h"

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

/* Hash each newline-separated author of one row into the set. */
static int author_row(void *ctx, const struct pb_row *r)
{
    const char *a = pb_row_text(r, 0);
    size_t n = a ? strlen(a) : 0;
    uint64_t x = 1469598103934665603ULL;
    int any = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || a[i] == '\n') {
            if (any)
                hset_add(ctx, x);
            x = 1469598103934665603ULL;
            any = 0;
            continue;
        }
        x = (x ^ (unsigned char)a[i]) * 1099511628211ULL;
        any = 1;
    }
    return PB_OK;
}

static int64_t count_authors(struct pb_store *st)
{
    struct hset h = {0};
    int rc = pb_stmt_each(st, "SELECT authors FROM papers WHERE deleted = 0",
                          PB_NOARGS, author_row, &h);
    int64_t n = rc ? -1 : (int64_t)h.n;
    free(h.v);
    return n;
}

static int stats_row(void *ctx, const struct pb_row *r)
{
    struct pb_store_stats *out = ctx;
    out->papers = pb_row_int(r, 0);
    out->deleted = pb_row_int(r, 1);
    out->days_listed = pb_row_int(r, 2);
    pb_row_copy(r, 3, out->first_day, sizeof out->first_day);
    pb_row_copy(r, 4, out->last_day, sizeof out->last_day);
    out->first_published = pb_row_int(r, 5);
    out->last_published = pb_row_int(r, 6);
    out->with_arxiv_id = pb_row_int(r, 7);
    out->with_code = pb_row_int(r, 8);
    out->listed = pb_row_int(r, 9);
    for (int i = 0; i < 6; i++)
        out->by_source[i] = pb_row_int(r, 10 + i);
    out->listings = pb_row_int(r, 16);
    return PB_OK;
}

int pb_store_stats(struct pb_store *st, struct pb_store_stats *out)
{
    memset(out, 0, sizeof *out);
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
        " count(*) FILTER (WHERE deleted = 0 AND (sources & 1) <> 0),"
        " count(*) FILTER (WHERE deleted = 0 AND (sources & 2) <> 0),"
        " count(*) FILTER (WHERE deleted = 0 AND (sources & 4) <> 0),"
        " count(*) FILTER (WHERE deleted = 0 AND (sources & 8) <> 0),"
        " count(*) FILTER (WHERE deleted = 0 AND (sources & 16) <> 0),"
        " count(*) FILTER (WHERE deleted = 0 AND (sources & 32) <> 0),"
        " (SELECT count(*) FROM listings l JOIN papers q ON q.pid = l.pid"
        "  WHERE q.deleted = 0)"
        " FROM papers";
    int rc = pb_stmt_one(st, sql, PB_NOARGS, stats_row, out);
    if (rc)
        return PB_EDB;
    out->authors = count_authors(st);
    return out->authors < 0 ? PB_EDB : PB_OK;
}

/* A write; any failure is PB_EDB. */
static int write1(struct pb_store *st, const char *sql,
                  const struct pb_arg *args, size_t n)
{
    return pb_stmt_exec(st, sql, args, n) ? PB_EDB : PB_OK;
}

int pb_store_import_log(struct pb_store *st, const char *file,
                        const char *format, int64_t added, int64_t updated,
                        int64_t unchanged, int64_t rejected)
{
    return write1(st, "INSERT INTO imports(at, file, format, added, updated,"
                      " unchanged, rejected)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  PB_ARGS(pb_int((int64_t)time(NULL)), pb_text(file),
                          pb_text(format), pb_int(added), pb_int(updated),
                          pb_int(unchanged), pb_int(rejected)));
}

static int dup_row(void *ctx, const struct pb_row *r)
{
    const char *t = pb_row_text(r, 0);
    *(char **)ctx = pb_strdup(t ? t : "");
    return PB_OK;
}

int pb_store_meta_get(struct pb_store *st, const char *key, char **out)
{
    *out = NULL;
    int rc = pb_stmt_one(st, "SELECT value FROM meta WHERE key = ?1",
                         PB_ARGS(pb_text(key)), dup_row, out);
    return rc == PB_EEXIST ? PB_EDB : rc;
}

int pb_store_meta_set(struct pb_store *st, const char *key, const char *value)
{
    return write1(st, "INSERT INTO meta(key, value) VALUES(?1, ?2) ON"
                      " CONFLICT(key) DO UPDATE SET value = excluded.value",
                  PB_ARGS(pb_text(key), pb_text(value)));
}

struct missing {
    size_t cap, *n;
    int64_t *pids;
    char (*ids)[PB_MAX_ID];
};

static int missing_row(void *ctx, const struct pb_row *r)
{
    struct missing *m = ctx;
    if (*m->n == m->cap)
        return -1; /* full: stop, not an error */
    m->pids[*m->n] = pb_row_int(r, 0);
    pb_row_copy(r, 1, m->ids[*m->n], PB_MAX_ID);
    (*m->n)++;
    return PB_OK;
}

int pb_store_missing_meta(struct pb_store *st, int64_t after, size_t cap,
                          int64_t *pids, char (*ids)[PB_MAX_ID], size_t *n)
{
    *n = 0;
    struct missing m = {cap, n, pids, ids};
    int rc = pb_stmt_each(st, "SELECT pid, id FROM papers WHERE pid > ?1"
                              " AND deleted = 0 AND categories IS NULL"
                              " AND id NOT LIKE 't-%' ORDER BY pid LIMIT ?2",
                          PB_ARGS(pb_int(after), pb_int((int64_t)cap)),
                          missing_row, &m);
    return rc == -1 ? PB_OK : rc ? PB_EDB : PB_OK;
}
