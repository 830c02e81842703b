/* cmd_vectors.c - paperboy embed | vsearch | similar: the semantic index
 * beside the store (DB.wv, DB.vec, DB.hnsw; src/vector/vindex.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/mem.h"
#include "rank/hybrid.h"
#include "search/index_store.h"
#include "search/search.h"
#include "store/store.h"
#include "text/latex_plain.h"
#include "vector/vindex.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int uint_arg(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || !v || v > max)
        return 1;
    *out = v;
    return 0;
}

int pb_cli_embed(int argc, char **argv)
{
    const char *db = NULL, *words = NULL;
    unsigned long M = PB_VINDEX_M, efc = PB_VINDEX_EFC;
    int rebuild = 0;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy embed [--db PATH] [--words FILE.wv] "
                   "[--rebuild] [--M 16] [--efc 100]\n\nPaper vectors (SIF "
                   "over word vectors) and their HNSW graph: PATH.vec and\n"
                   "PATH.hnsw. --words links PATH.wv to a word-vector file "
                   "(paperboy\ntrain-vectors writes PATH.wv itself; "
                   "scripts/fetch-glove.sh makes the GloVe one).\nWithout "
                   "--rebuild an existing index only takes the store's new "
                   "changes.\n");
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--words") && i + 1 < argc) {
            words = argv[++i];
            rebuild = 1;
        } else if (!strcmp(argv[i], "--rebuild")) {
            rebuild = 1;
        } else if (!strcmp(argv[i], "--M") && i + 1 < argc) {
            if (uint_arg(argv[++i], 64, &M))
                return 2;
        } else if (!strcmp(argv[i], "--efc") && i + 1 < argc) {
            if (uint_arg(argv[++i], 2000, &efc))
                return 2;
        } else {
            fprintf(stderr, "embed: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    db = pb_cli_db_path(db);
    struct pb_err err = {0};
    struct pb_store *st = NULL;
    struct pb_vindex *vi = NULL;
    int ret = 1;
    double t0 = now_s();
    /* one pass over every paper: through SQLite's cache, not a mapping
     * of the whole store (2 GB of RSS at 2.6M papers) */
    if (pb_store_open(db, PB_STORE_READONLY | PB_STORE_NOMMAP, &st, &err)) {
        fprintf(stderr, "embed: %s\n", err.msg);
        return 1;
    }
    int rc = rebuild ? PB_ENOTFOUND : pb_vindex_open(db, &vi, &err);
    if (rc == PB_OK) {
        size_t n = 0;
        if (pb_vindex_sync(vi, st, &n)) {
            fprintf(stderr, "embed: sync: %s\n", pb_store_errmsg(st));
            goto out;
        }
        printf("embed: %zu changed papers added (%u vectors)\n", n,
               pb_vecset_live(vi->vs));
    } else if (rc == PB_ENOTFOUND) {
        if (pb_vindex_build(db, words, st, (uint32_t)M, (uint32_t)efc, stderr,
                            &vi, &err)) {
            fprintf(stderr, "embed: %s\n", err.msg);
            goto out;
        }
        printf("embed: %u papers, dim %u, %u bytes/vector + %.0f bytes/node "
               "of graph, %.1f s\n",
               pb_vecset_live(vi->vs), pb_vecset_dim(vi->vs),
               pb_vecset_dim_pad(vi->vs) + 4 + 8,
               pb_hnsw_bytes_per_node(vi->g), now_s() - t0);
    } else {
        fprintf(stderr, "embed: %s\n", err.msg);
        goto out;
    }
    if (pb_vindex_save(vi, db, &err)) {
        fprintf(stderr, "embed: %s\n", err.msg);
        goto out;
    }
    ret = 0;
out:
    pb_vindex_free(vi);
    pb_store_close(st);
    return ret;
}

static void print_hit(struct pb_store *st, size_t rank, int64_t pid,
                      double score)
{
    struct pb_paper p;
    pb_paper_init(&p);
    if (pb_store_paper_get_pid(st, pid, &p) == PB_OK) {
        char *t = pb_text_latex_plain(p.title ? p.title : "",
                                      p.title ? strlen(p.title) : 0);
        printf("%2zu. %-16s %.3f  %s\n", rank, p.id, score, t);
        free(t);
    }
    pb_paper_clear(&p);
}

#define MAXK 100

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double thread_cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Each of the first n lines of path through pb_hybrid_search(); the
 * latency percentiles (CPU time of this thread, and wall time). */
static int vsearch_batch(struct pb_searcher *s, struct pb_vquery *vq,
                         enum pb_search_mode m, const char *mode,
                         const char *path, unsigned long n, size_t limit)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    double *cpu = pb_calloc(n + 1, sizeof *cpu), *wall = pb_calloc(n + 1,
                                                                 sizeof *wall);
    size_t nq = 0, cap = 0;
    char *line = NULL;
    ssize_t len;
    struct pb_ranked out[MAXK];
    while (nq < n && (len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (!len)
            continue;
        size_t no;
        double c0 = thread_cpu_s(), w0 = now_s();
        if (pb_hybrid_search(s, vq, m, line, (size_t)len, -1, limit, out,
                             &no))
            continue;
        cpu[nq] = thread_cpu_s() - c0;
        wall[nq++] = now_s() - w0;
    }
    free(line);
    fclose(f);
    if (nq) {
        qsort(cpu, nq, sizeof *cpu, cmp_dbl);
        qsort(wall, nq, sizeof *wall, cmp_dbl);
        printf("vsearch --batch mode %s: %zu queries, top %zu; ms CPU p50 "
               "%.3f p90 %.3f p99 %.3f; wall p50 %.3f p90 %.3f p99 %.3f\n",
               mode, nq, limit, 1e3 * cpu[nq / 2], 1e3 * cpu[nq * 9 / 10],
               1e3 * cpu[nq * 99 / 100], 1e3 * wall[nq / 2],
               1e3 * wall[nq * 9 / 10], 1e3 * wall[nq * 99 / 100]);
    }
    free(cpu);
    free(wall);
    return nq ? 0 : 1;
}

int pb_cli_vsearch(int argc, char **argv)
{
    const char *db = NULL, *query = NULL, *mode = "hybrid", *batch = NULL;
    unsigned long limit = 10, ef = 0, nbatch = 1000;
    int exact = 0;
    double alpha = -1; /* PB_HYBRID_ALPHA */
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy vsearch \"QUERY\" [--db PATH] [--mode "
                   "keyword|semantic|hybrid]\n       [--limit N] [--ef N] "
                   "[--exact] [--alpha 0.6]\n       paperboy vsearch --batch "
                   "FILE [--n 1000] [--mode M] [--limit N]\n\nSearch by "
                   "meaning (semantic), "
                   "by words (keyword) or both fused (hybrid, the\n"
                   "default: src/rank/hybrid.h). --ef and --exact query the "
                   "vectors alone. Needs\npaperboy embed (and reindex for "
                   "keyword/hybrid).\n--batch runs the first N lines of FILE"
                   " and prints latency percentiles\n(CPU and wall).\n");
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            mode = argv[++i];
        } else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
            if (uint_arg(argv[++i], MAXK, &limit))
                return 2;
        } else if (!strcmp(argv[i], "--ef") && i + 1 < argc) {
            if (uint_arg(argv[++i], 4096, &ef))
                return 2;
        } else if (!strcmp(argv[i], "--alpha") && i + 1 < argc) {
            alpha = strtod(argv[++i], NULL);
        } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            batch = argv[++i];
        } else if (!strcmp(argv[i], "--n") && i + 1 < argc) {
            if (uint_arg(argv[++i], 1000000, &nbatch))
                return 2;
        } else if (!strcmp(argv[i], "--exact")) {
            exact = 1;
        } else if (argv[i][0] != '-' && !query) {
            query = argv[i];
        } else {
            fprintf(stderr, "vsearch: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    enum pb_search_mode m;
    if ((!query && !batch) || pb_search_mode_parse(mode, &m)) {
        fprintf(stderr, "usage: paperboy vsearch \"QUERY\" [--mode "
                        "keyword|semantic|hybrid]\n");
        return 2;
    }
    db = pb_cli_db_path(db);
    struct pb_err err = {0};
    struct pb_store *st = NULL;
    struct pb_vindex *vi = NULL;
    struct pb_index *ix = NULL;
    struct pb_searcher *s = NULL;
    struct pb_vquery *vq = NULL;
    struct pb_ranked f[MAXK];
    size_t nf = 0;
    int ret = 1;
    if (pb_store_open(db, PB_STORE_READONLY, &st, &err)) {
        fprintf(stderr, "vsearch: %s\n", err.msg);
        return 1;
    }
    if (m != PB_MODE_SEMANTIC) {
        if (pb_index_open_synced(db, st, &ix, &err)) {
            fprintf(stderr, "vsearch: %s\n", err.msg);
            goto out;
        }
        s = pb_searcher_new(ix);
    }
    if (m != PB_MODE_KEYWORD) {
        if (pb_vindex_open(db, &vi, &err)) {
            fprintf(stderr, "vsearch: %s (run paperboy embed)\n", err.msg);
            goto out;
        }
        vq = pb_vquery_new(vi);
    }
    if (batch) {
        ret = vsearch_batch(s, vq, m, mode, batch, nbatch, limit);
        goto out;
    }
    if (vq && (exact || ef)) { /* the vectors alone, with their knobs */
        struct pb_vhit h[MAXK];
        if (pb_vquery_text(vq, query, strlen(query), limit, (uint32_t)ef,
                           exact, h, &nf) == PB_OK)
            for (size_t i = 0; i < nf; i++)
                f[i] = (struct pb_ranked){h[i].pid, h[i].score};
    } else if (pb_hybrid_search(s, vq, m, query, strlen(query), alpha, limit,
                                f, &nf)) {
        fprintf(stderr, "vsearch: search failed\n");
        goto out;
    }
    printf("mode %s: %zu hit%s\n", mode, nf, nf == 1 ? "" : "s");
    for (size_t i = 0; i < nf; i++)
        print_hit(st, i + 1, f[i].key, f[i].score);
    ret = 0;
out:
    pb_searcher_free(s);
    pb_vquery_free(vq);
    pb_index_free(ix);
    pb_vindex_free(vi);
    pb_store_close(st);
    return ret;
}

int pb_cli_similar(int argc, char **argv)
{
    const char *db = NULL, *id = NULL;
    unsigned long limit = 10;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy similar ID [--db PATH] [--limit N]\n\n"
                   "The papers nearest to paper ID by meaning (paperboy "
                   "embed first).\n");
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
            if (uint_arg(argv[++i], MAXK, &limit))
                return 2;
        } else if (argv[i][0] != '-' && !id) {
            id = argv[i];
        } else {
            fprintf(stderr, "similar: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (!id) {
        fprintf(stderr, "usage: paperboy similar ID [--db PATH]\n");
        return 2;
    }
    db = pb_cli_db_path(db);
    struct pb_err err = {0};
    struct pb_store *st = NULL;
    struct pb_vindex *vi = NULL;
    int ret = 1;
    if (pb_store_open(db, PB_STORE_READONLY, &st, &err) ||
        pb_vindex_open(db, &vi, &err)) {
        fprintf(stderr, "similar: %s\n", err.msg);
        goto out;
    }
    struct pb_paper p;
    int64_t pid;
    pb_paper_init(&p);
    int rc = pb_store_paper_get(st, id, &p, &pid);
    pb_paper_clear(&p);
    if (rc) {
        fprintf(stderr, "similar: no paper %s\n", id);
        goto out;
    }
    struct pb_vquery *vq = pb_vquery_new(vi);
    struct pb_vhit h[MAXK];
    size_t n = 0;
    rc = pb_vquery_similar(vq, pid, limit, 0, h, &n);
    pb_vquery_free(vq);
    if (rc) {
        fprintf(stderr, "similar: %s has no vector (run paperboy embed)\n",
                id);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        print_hit(st, i + 1, h[i].pid, h[i].score);
    ret = 0;
out:
    pb_vindex_free(vi);
    pb_store_close(st);
    return ret;
}
