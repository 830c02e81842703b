/*
 * fts5_bench.c - SQLite FTS5 top-k latency from C, the same way paperboy's
 * `search --batch` measures itself, for side-by-side ratios in one run.
 *
 *   fts5_bench DB QUERIES N [--limit K] [--repeat R] [--ids OUT]
 *              [--warmup-n W]
 *
 * DB is made by shared/anchors/anchor_import.py (table papers, external
 * content FTS5 table fts over title, abstract, authors, porter unicode61).
 * Each query becomes the OR of its words, as fts5_query_bench.py does: the
 * runs of [A-Za-z0-9_] and of non-ASCII bytes, lower-cased (Python's
 * re.findall(r'\w+', q.lower()) for the ASCII queries of hf-keywords), each
 * quoted: SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT K.
 * One warm-up pass, then R timed passes; a query's latency is its fastest
 * pass (the machine is shared: the minimum drops other processes' noise).
 * --warmup-n W warms up with the first W queries only (verbose queries take
 * ~1.5 s of CPU each in FTS5: a whole warm-up pass doubles the run).
 * Prints queries, with_hits and p50/p90/p99/max/mean in ms (wall, then
 * thread CPU time, as paperboy search --batch does); --ids writes
 * each query's hit ids (papers.id) one line per query.
 *
 * Build: cc -O2 -o fts5_bench fts5_bench.c -lsqlite3
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void print_lat(const char *what, double *lat, size_t n, size_t hits)
{
    qsort(lat, n, sizeof *lat, cmp_d);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += lat[i];
    if (n)
        printf("fts5 %squeries=%zu with_hits=%zu p50_ms=%.3f p90_ms=%.3f "
               "p99_ms=%.3f max_ms=%.3f mean_ms=%.3f\n",
               what, n, hits, lat[n / 2], lat[(size_t)(n * 0.9)],
               lat[(size_t)(n * 0.99)], lat[n - 1], sum / (double)n);
}

static int is_w(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* The MATCH expression for q into out (cap); 0 when q has no word. */
static size_t expr_of(const char *q, char *out, size_t cap)
{
    size_t n = 0, words = 0;
    for (const unsigned char *p = (const unsigned char *)q; *p;) {
        if (!is_w(*p)) {
            p++;
            continue;
        }
        if (n + 8 >= cap)
            break;
        if (words++)
            n += (size_t)snprintf(out + n, cap - n, " OR ");
        out[n++] = '"';
        while (*p && is_w(*p) && n + 3 < cap) {
            unsigned char c = *p++;
            out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        while (*p && is_w(*p))
            p++;
        out[n++] = '"';
    }
    out[n] = 0;
    return words ? n : 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: fts5_bench DB QUERIES N [--limit K] "
                        "[--repeat R] [--ids OUT] [--warmup-n W]\n");
        return 2;
    }
    int limit = 10, repeat = 1;
    long warm_n = -1; /* -1: the whole set */
    const char *ids_path = NULL;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--limit"))
            limit = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--repeat"))
            repeat = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--ids"))
            ids_path = argv[i + 1];
        else if (!strcmp(argv[i], "--warmup-n"))
            warm_n = atol(argv[i + 1]);
    }
    if (repeat < 1)
        repeat = 1;
    sqlite3 *db;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], sqlite3_errmsg(db));
        return 1;
    }
    sqlite3_stmt *st, *idst;
    if (sqlite3_prepare_v2(db,
                           "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY "
                           "bm25(fts) LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id FROM papers WHERE rowid = ?1", -1,
                           &idst, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], sqlite3_errmsg(db));
        return 1;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    size_t want = (size_t)atol(argv[3]), n = 0;
    char **qs = calloc(want ? want : 1, sizeof *qs);
    char line[8192];
    while (n < want && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        char e[16384];
        if (!expr_of(line, e, sizeof e))
            continue;
        qs[n++] = strdup(e);
    }
    fclose(f);
    double *lat = malloc((n ? n : 1) * sizeof *lat);
    double *cpu = malloc((n ? n : 1) * sizeof *cpu);
    sqlite3_int64 *rows = malloc((n ? n : 1) * (size_t)limit * sizeof *rows);
    int *nrows = calloc(n ? n : 1, sizeof *nrows);
    for (int pass = 0; pass <= repeat; pass++) {
        for (size_t i = 0; i < n; i++) {
            if (pass == 0 && warm_n >= 0 && i >= (size_t)warm_n)
                break;
            double c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
            double t0 = clock_ms(CLOCK_MONOTONIC);
            sqlite3_bind_text(st, 1, qs[i], -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 2, limit);
            int k = 0;
            while (sqlite3_step(st) == SQLITE_ROW)
                rows[i * (size_t)limit + (size_t)k++] =
                    sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
            double t = clock_ms(CLOCK_MONOTONIC) - t0;
            double c = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
            nrows[i] = k;
            if (pass == 1 || (pass > 1 && t < lat[i]))
                lat[i] = t;
            if (pass == 1 || (pass > 1 && c < cpu[i]))
                cpu[i] = c;
        }
    }
    size_t hits = 0;
    FILE *ids = ids_path ? fopen(ids_path, "w") : NULL;
    for (size_t i = 0; i < n; i++) {
        hits += nrows[i] > 0;
        for (int k = 0; ids && k < nrows[i]; k++) {
            sqlite3_bind_int64(idst, 1, rows[i * (size_t)limit + (size_t)k]);
            if (sqlite3_step(idst) == SQLITE_ROW)
                fprintf(ids, "%s%s", k ? " " : "",
                        (const char *)sqlite3_column_text(idst, 0));
            sqlite3_reset(idst);
        }
        if (ids)
            fputc('\n', ids);
    }
    if (ids)
        fclose(ids);
    print_lat("", lat, n, hits);
    print_lat("cpu ", cpu, n, hits);
    sqlite3_finalize(st);
    sqlite3_finalize(idst);
    sqlite3_close(db);
    for (size_t i = 0; i < n; i++)
        free(qs[i]);
    free(qs);
    free(lat);
    free(cpu);
    free(rows);
    free(nrows);
    return 0;
}
