/* cmd_search.c - paperboy search "QUERY" [--db PATH] [--limit N] [--json]
 * [--explain] [--estimate] [--mode keyword|semantic|hybrid]
 * | paperboy search --batch FILE [--limit N] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/date.h"
#include "core/mem.h"
#include "rank/hybrid.h"
#include "search/index_store.h"
#include "search/search.h"
#include "store/store.h"
#include "text/latex_plain.h"
#include "vector/vindex.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: paperboy search \"QUERY\" [--db PATH] [--limit N] [--json] "
            "[--explain]\n"
            "                       [--mode keyword|semantic|hybrid] "
            "[--exhaustive] [--estimate]\n"
            "       paperboy search --batch FILE [--db PATH] [--limit N] "
            "[--repeat R] [--ids OUT]\n"
            "                       [--exhaustive]\n\n"
            "Searches the index beside the database (PATH.idx; make it with "
            "paperboy reindex).\nQuery language: words, \"a phrase\", +must, "
            "-not, title: author: abstract: keyword:,\ncat:cs.CL, id:ARXIVID, "
            "after:YYYY-MM-DD before:YYYY-MM-DD year:YYYY,\n"
            "sort:relevance|date|upvotes.\n"
            "--mode: keyword (the default) matches words; semantic ranks by "
            "meaning with the\npaper vectors (paperboy train-vectors, then "
            "paperboy embed; docs/SEMANTIC.md);\nhybrid fuses both. Semantic "
            "and hybrid rank the top 100 and take no --explain.\n"
            "--batch runs one query a line (a warm-up pass, then R timed "
            "passes, default 1;\na query's latency is its fastest pass) and "
            "prints latency percentiles (wall,\nthen thread CPU time) and how "
            "many queries had hits; --ids writes each\nquery's hit ids, one "
            "line per query (for overlap with other engines).\n"
            "--exhaustive scores every matching paper (no pruning): the "
            "reference the\npruned top-k must equal (slow; for checks and "
            "benchmarks).\n"
            "--estimate counts at most 10000 matches and estimates the "
            "total beyond (as\nthe web page does; --json then says "
            "\"total_estimated\": true and gives\n\"total_min\", a lower "
            "bound); without it the total is exact.\n");
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static void print_lat(const char *what, double *lat, size_t n,
                      size_t with_hits)
{
    qsort(lat, n, sizeof *lat, cmp_d);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += lat[i];
    if (n)
        printf("%squeries=%zu with_hits=%zu p50_ms=%.3f p90_ms=%.3f "
               "p99_ms=%.3f max_ms=%.3f mean_ms=%.3f\n",
               what, n, with_hits, lat[n / 2], lat[(size_t)(n * 0.9)],
               lat[(size_t)(n * 0.99)], lat[n - 1], sum / n);
}


static int batch(struct pb_searcher *s, const char *file, size_t limit,
                 int repeat, const char *ids_file, unsigned flags)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        return 1;
    }
    char **qs = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (!len)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            qs = realloc(qs, cap * sizeof *qs);
            if (!qs)
                abort();
        }
        qs[n++] = strdup(line);
    }
    free(line);
    fclose(f);
    FILE *ids = NULL;
    if (ids_file && !(ids = fopen(ids_file, "w"))) {
        perror(ids_file);
        ids_file = NULL;
    }
    double *lat = calloc(n ? n : 1, sizeof *lat);
    double *cpu = calloc(n ? n : 1, sizeof *cpu);
    size_t with_hits = 0;
    struct pb_search_opts o = {limit, 0, flags};
    /* pass 0 warms up; a query's latency is its fastest timed pass (on a
     * shared machine the minimum drops other processes' noise) */
    for (int pass = 0; pass <= repeat; pass++) {
        with_hits = 0;
        for (size_t i = 0; i < n; i++) {
            struct pb_results r;
            double c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID), t0 = now_ms();
            int rc = pb_search(s, qs[i], strlen(qs[i]), &o, &r);
            double t = now_ms() - t0;
            double c = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
            if (pass == 1 || (pass > 1 && t < lat[i]))
                lat[i] = t;
            if (pass == 1 || (pass > 1 && c < cpu[i]))
                cpu[i] = c;
            if (!rc && r.n_hits)
                with_hits++;
            if (getenv("PB_SEARCH_TRACE") && pass == repeat)
                fprintf(stderr, "%.3f\t%llu\t%s\n", lat[i],
                        (unsigned long long)r.total, qs[i]);
            if (ids && pass == repeat) {
                for (size_t k = 0; !rc && k < r.n_hits; k++)
                    fprintf(ids, "%s%s", k ? " " : "", r.hits[k].id);
                fputc('\n', ids);
            }
            pb_results_clear(&r);
        }
    }
    print_lat("", lat, n, with_hits);
    /* thread CPU time: what the query cost, without the time the thread
     * waited for a core (the machine is shared) */
    print_lat("cpu ", cpu, n, with_hits);
    for (size_t i = 0; i < n; i++)
        free(qs[i]);
    free(qs);
    free(lat);
    free(cpu);
    if (ids && fclose(ids) != 0)
        perror(ids_file);
    return 0;
}

static void print_text(struct pb_searcher *s, struct pb_store *st,
                       const struct pb_results *r, const char *mode)
{
    if (mode)
        printf("mode %s: the top %d by %s\n", mode, PB_HYBRID_DEPTH,
               strcmp(mode, "semantic") ? "words and meaning" : "meaning");
    if (r->notice[0])
        printf("note: %s\n", r->notice);
    printf("%s%llu hit%s\n", r->total_estimated ? "about " : "",
           (unsigned long long)r->total, r->total == 1 ? "" : "s");
    for (size_t i = 0; i < r->n_hits; i++) {
        const struct pb_hit *h = &r->hits[i];
        char day[11] = "";
        if (h->day != INT32_MIN)
            pb_day_format((int64_t)h->day * 86400, day);
        printf("\n%2zu. %s  %s  score %.3f\n", i + 1, h->id, day, h->score);
        struct pb_paper p;
        pb_paper_init(&p);
        if (st && pb_store_paper_get_pid(st, h->pid, &p) == PB_OK) {
            char *t = pb_text_latex_plain(p.title ? p.title : "",
                                          p.title ? strlen(p.title) : 0);
            printf("    %s\n", t);
            free(t);
            struct pb_snippet sn;
            pb_search_snippet(s, p.abstract, p.abstract ? strlen(p.abstract) : 0,
                              240, &sn);
            /* terminals show marks as [[word]] */
            printf("    ");
            size_t at = 0;
            for (size_t m = 0; m < sn.n_marks; m++) {
                printf("%.*s[[%.*s]]", (int)(sn.marks[m].start - at),
                       sn.text + at, (int)sn.marks[m].len,
                       sn.text + sn.marks[m].start);
                at = sn.marks[m].start + sn.marks[m].len;
            }
            printf("%s\n", sn.text + at);
            pb_snippet_clear(&sn);
        }
        pb_paper_clear(&p);
    }
    if (r->n_cats) {
        printf("\ncategories:");
        for (size_t i = 0; i < r->n_cats; i++)
            printf(" %s (%llu)", r->cats[i].name,
                   (unsigned long long)r->cats[i].count);
        printf("\n");
    }
    if (r->n_years) {
        printf("years:");
        for (size_t i = 0; i < r->n_years; i++)
            printf(" %s (%llu)", r->years[i].name,
                   (unsigned long long)r->years[i].count);
        printf("\n");
    }
    if (r->explain)
        printf("\nexplain:\n%s", r->explain);
}

static void print_json(struct pb_searcher *s, struct pb_store *st,
                       const struct pb_results *r, const char *mode)
{
    json_t *o = json_object(), *hits = json_array();
    json_object_set_new(o, "mode", json_string(mode ? mode : "keyword"));
    json_object_set_new(o, "total", json_integer((json_int_t)r->total));
    json_object_set_new(o, "total_exact", json_boolean(r->total_exact));
    json_object_set_new(o, "total_estimated",
                        json_boolean(r->total_estimated));
    json_object_set_new(o, "total_min",
                        json_integer((json_int_t)r->total_min));
    json_object_set_new(o, "notice", json_string(r->notice));
    for (size_t i = 0; i < r->n_hits; i++) {
        const struct pb_hit *h = &r->hits[i];
        json_t *j = json_object();
        json_object_set_new(j, "id", json_string(h->id));
        json_object_set_new(j, "score", json_real(h->score));
        if (h->day != INT32_MIN) {
            char day[11];
            pb_day_format((int64_t)h->day * 86400, day);
            json_object_set_new(j, "date", json_string(day));
        }
        struct pb_paper p;
        pb_paper_init(&p);
        if (st && pb_store_paper_get_pid(st, h->pid, &p) == PB_OK) {
            char *t = pb_text_latex_plain(p.title ? p.title : "",
                                          p.title ? strlen(p.title) : 0);
            json_object_set_new(j, "title", json_string(t));
            free(t);
            struct pb_snippet sn;
            pb_search_snippet(s, p.abstract, p.abstract ? strlen(p.abstract) : 0,
                              240, &sn);
            json_object_set_new(j, "snippet", json_string(sn.text));
            json_t *marks = json_array();
            for (size_t m = 0; m < sn.n_marks; m++)
                json_array_append_new(marks,
                                      json_pack("[II]", (json_int_t)sn.marks[m].start,
                                                (json_int_t)sn.marks[m].len));
            json_object_set_new(j, "marks", marks);
            pb_snippet_clear(&sn);
        }
        pb_paper_clear(&p);
        json_array_append_new(hits, j);
    }
    json_object_set_new(o, "hits", hits);
    json_t *cats = json_object(), *years = json_object();
    for (size_t i = 0; i < r->n_cats; i++)
        json_object_set_new(cats, r->cats[i].name,
                            json_integer((json_int_t)r->cats[i].count));
    for (size_t i = 0; i < r->n_years; i++)
        json_object_set_new(years, r->years[i].name,
                            json_integer((json_int_t)r->years[i].count));
    json_object_set_new(o, "categories", cats);
    json_object_set_new(o, "years", years);
    if (r->explain)
        json_object_set_new(o, "explain", json_string(r->explain));
    char *txt = json_dumps(o, JSON_INDENT(2));
    if (txt)
        printf("%s\n", txt);
    free(txt);
    json_decref(o);
}

/* mode semantic or hybrid: pb_hybrid_search() into r (hits with ids and
 * dates from the store, total = how many), as print_text and print_json
 * read them. */
static int vector_search(struct pb_searcher *s, struct pb_store *st,
                         const char *db, enum pb_search_mode m,
                         const char *query, size_t limit,
                         struct pb_results *r)
{
    struct pb_err err = {0};
    struct pb_vindex *vi = NULL;
    struct pb_ranked f[PB_HYBRID_DEPTH];
    size_t nf = 0;
    memset(r, 0, sizeof *r);
    if (pb_vindex_open(db, &vi, &err)) {
        fprintf(stderr, "search: %s: this database has no paper vectors "
                        "(run paperboy train-vectors, then paperboy embed)\n",
                err.msg);
        return PB_ENOTFOUND;
    }
    struct pb_vquery *vq = pb_vquery_new(vi);
    int rc = pb_hybrid_search(s, vq, m, query, strlen(query), -1,
                              limit < PB_HYBRID_DEPTH ? limit
                                                      : PB_HYBRID_DEPTH,
                              f, &nf);
    if (!rc && m == PB_MODE_SEMANTIC) {
        /* snippets mark the searcher's last query: make it this one */
        struct pb_results kw;
        struct pb_search_opts o = {1, 0, 0};
        if (!(rc = pb_search(s, query, strlen(query), &o, &kw)))
            pb_results_clear(&kw);
    }
    if (!rc) {
        r->hits = pb_calloc(nf + 1, sizeof *r->hits);
        for (size_t i = 0; i < nf; i++) {
            struct pb_hit *h = &r->hits[r->n_hits];
            struct pb_paper p;
            pb_paper_init(&p);
            if (pb_store_paper_get_pid(st, f[i].key, &p) == PB_OK) {
                h->pid = f[i].key;
                h->score = f[i].score;
                snprintf(h->id, sizeof h->id, "%s", p.id);
                int64_t t = p.published ? p.published : p.updated;
                h->day = t ? (int32_t)(t >= 0 ? t / 86400
                                              : (t - 86399) / 86400)
                           : INT32_MIN;
                h->upvotes = p.upvotes >= 0 ? (int32_t)p.upvotes : -1;
                r->n_hits++;
            }
            pb_paper_clear(&p);
        }
        r->total = r->n_hits;
        r->total_exact = 1;
        r->total_min = r->total;
    }
    pb_vquery_free(vq);
    pb_vindex_free(vi);
    return rc;
}

int pb_cli_search(int argc, char **argv)
{
    const char *db = NULL, *query = NULL, *batch_file = NULL, *ids_file = NULL,
               *mode = NULL;
    enum pb_search_mode m = PB_MODE_KEYWORD;
    size_t limit = 10;
    int json = 0, expl = 0, repeat = 1;
    unsigned flags = 0;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || !v || v > 1000) {
                fprintf(stderr, "search: --limit wants 1..1000\n");
                return 2;
            }
            limit = v;
        } else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            mode = argv[++i];
            if (pb_search_mode_parse(mode, &m)) {
                fprintf(stderr, "search: --mode wants keyword, semantic or "
                                "hybrid, not %s\n", mode);
                return 2;
            }
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--explain")) {
            expl = 1;
        } else if (!strcmp(argv[i], "--exhaustive")) {
            flags |= PB_SEARCH_EXHAUSTIVE;
        } else if (!strcmp(argv[i], "--estimate")) {
            flags |= PB_SEARCH_ESTIMATE;
        } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            batch_file = argv[++i];
        } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || !v || v > 100) {
                fprintf(stderr, "search: --repeat wants 1..100\n");
                return 2;
            }
            repeat = (int)v;
        } else if (!strcmp(argv[i], "--ids") && i + 1 < argc) {
            ids_file = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "search: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!query) {
            query = argv[i];
        } else {
            fprintf(stderr, "search: one query please (quote it)\n");
            return 2;
        }
    }
    if (!query && !batch_file) {
        usage(stderr);
        return 2;
    }
    if (m != PB_MODE_KEYWORD && (batch_file || expl)) {
        fprintf(stderr, "search: --mode %s takes neither --batch nor "
                        "--explain\n", mode);
        return 2;
    }
    db = pb_cli_db_path(db);
    struct pb_err err = {0};
    struct pb_store *st = NULL;
    if (pb_store_open(db, PB_STORE_READONLY, &st, &err) != PB_OK) {
        fprintf(stderr, "search: %s (searching the index alone)\n", err.msg);
        st = NULL;
    }
    struct pb_index *ix = NULL;
    int rc = pb_index_open_synced(db, st, &ix, &err);
    if (rc) {
        fprintf(stderr, "search: %s%s\n", err.msg,
                rc == PB_ENOTFOUND ? " (run paperboy reindex first)" : "");
        pb_store_close(st);
        return 1;
    }
    struct pb_searcher *s = pb_searcher_new(ix);
    int ret = 0;
    if (batch_file) {
        ret = batch(s, batch_file, limit, repeat, ids_file, flags);
    } else {
        struct pb_results r;
        struct pb_search_opts o = {limit, 0,
                                   PB_SEARCH_COUNT | flags |
                                       (expl ? PB_SEARCH_EXPLAIN : 0)};
        int src = m == PB_MODE_KEYWORD
                      ? pb_search(s, query, strlen(query), &o, &r)
                  : st ? vector_search(s, st, db, m, query, limit, &r)
                       : PB_EIO;
        if (src != PB_OK) {
            ret = 1;
        } else {
            const char *shown = m == PB_MODE_KEYWORD ? NULL : mode;
            if (json)
                print_json(s, st, &r, shown);
            else
                print_text(s, st, &r, shown);
            pb_results_clear(&r);
        }
    }
    pb_searcher_free(s);
    pb_index_free(ix);
    pb_store_close(st);
    return ret;
}
