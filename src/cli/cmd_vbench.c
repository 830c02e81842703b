/* cmd_vbench.c - paperboy vbench: recall@10 of the HNSW graph against
 * exact search, queries per second on one thread, bytes per vector; and
 * the same vectors written out for bench/vector/hnswlib_bench.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/mem.h"
#include "vector/vindex.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this thread: queries per CPU second do not depend on what
 * else the (shared) machine is running, wall-clock rates do */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(const char *dir, const char *name, const void *p,
                     size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, len, f) != len) {
        perror(path);
        if (f)
            fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

/* With paper queries, drop the hit whose vector is the query itself. */
static void drop_self(struct pb_vhit *h, size_t *n, int papers,
                      const int8_t *q, const struct pb_vecset *vs)
{
    if (!papers)
        return;
    for (size_t i = 0; i < *n; i++)
        if (!memcmp(pb_vecset_q(vs, h[i].slot), q, pb_vecset_dim_pad(vs))) {
            memmove(h + i, h + i + 1, (*n - i - 1) * sizeof *h);
            (*n)--;
            return;
        }
    if (*n > 10)
        *n = 10;
}

int pb_cli_vbench(int argc, char **argv)
{
    const char *db = NULL, *qfile = NULL, *dump = NULL;
    size_t nq_max = 1000;
    int papers = 0; /* queries: papers' own vectors (similar papers) */
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy vbench (--queries FILE | --paper-queries) "
                   "[--db PATH] [--n 1000]\n       [--dump DIR]\n\nEmbeds the first N lines of FILE, "
                   "finds each one's 10 nearest papers by\nexact search and "
                   "by the graph at several beam widths, and prints recall@10"
                   "\nand queries/s (one thread). --dump writes base.f32, "
                   "query.f32 and the\nresult ids for "
                   "bench/vector/hnswlib_bench.py.\n");
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--queries") && i + 1 < argc) {
            qfile = argv[++i];
        } else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
            dump = argv[++i];
        } else if (!strcmp(argv[i], "--paper-queries")) {
            papers = 1;
        } else if (!strcmp(argv[i], "--n") && i + 1 < argc) {
            nq_max = strtoul(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "vbench: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if ((!qfile && !papers) || !nq_max || nq_max > 100000) {
        fprintf(stderr, "usage: paperboy vbench --queries FILE [--db PATH]\n");
        return 2;
    }
    db = pb_cli_db_path(db);
    struct pb_err err = {0};
    struct pb_vindex *vi = NULL;
    double t0 = now_s();
    if (pb_vindex_open(db, &vi, &err)) {
        fprintf(stderr, "vbench: %s\n", err.msg);
        return 1;
    }
    printf("open: %.3f s (mapped)\n", now_s() - t0);
    const struct pb_vecset *vs = vi->vs;
    uint32_t dim = pb_vecset_dim(vs), dp = pb_vecset_dim_pad(vs);
    FILE *f = papers ? NULL : fopen(qfile, "r");
    if (!papers && !f) {
        perror(qfile);
        pb_vindex_free(vi);
        return 1;
    }
    int8_t *q = pb_calloc(nq_max, dp);
    float *qs = pb_calloc(nq_max, sizeof *qs);
    size_t nq = 0;
    char line[4096];
    struct pb_analyzer *az = pb_analyzer_new();
    float v[PB_WV_MAX_DIM];
    /* paper queries: evenly spaced live slots, the vector as stored; the
     * paper itself is the first hit of both searches, which is fair to
     * neither, so both ask for 11 and drop it (see below) */
    uint32_t *self = pb_calloc(nq_max, sizeof *self);
    for (uint32_t s = 0, N = pb_vecset_size(vs); papers && nq < nq_max &&
                                                 s < N;
         s += N / (uint32_t)nq_max + 1) {
        if (pb_vecset_pid(vs, s) < 0)
            continue;
        memcpy(q + nq * dp, pb_vecset_q(vs, s), dp);
        self[nq] = s;
        qs[nq++] = pb_vecset_scale(vs, s);
    }
    while (f && nq < nq_max && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!pb_sif_embed_raw(vi->sif, az, line, NULL, v))
            continue;
        pb_sif_finish(vi->sif, v);
        pb_vec_quantize(v, dim, dp, q + nq * dp, &qs[nq]);
        nq++;
    }
    if (f)
        fclose(f);
    pb_analyzer_free(az);
    size_t K = 10 + (size_t)papers;
    uint32_t *truth = pb_calloc(nq * 10 + 1, sizeof *truth);
    struct pb_vhit h[64];
    size_t n;
    t0 = now_s();
    for (size_t i = 0; i < nq; i++) {
        pb_vecset_exact(vs, q + i * dp, qs[i], K, h, &n);
        drop_self(h, &n, papers, q + i * dp, vs);
        for (size_t k = 0; k < 10; k++)
            truth[i * 10 + k] = k < n ? h[k].slot : UINT32_MAX;
    }
    double te = now_s() - t0;
    printf("vectors=%u dim=%u bytes/vector=%u (int8 %u + scale 4 + pid 8) "
           "graph bytes/vector=%.0f\n",
           pb_vecset_live(vs), dim, dp + 12, dp, pb_hnsw_bytes_per_node(vi->g));
    printf("exact: queries=%zu qps=%.0f\n", nq, nq / te);
    static const uint32_t efs[] = {10, 16, 24, 32, 48, 64, 96, 128, 192, 256};
    uint32_t *ids = pb_calloc(nq * 10 + 1, sizeof *ids);
    struct pb_hnsw_scratch *sc = pb_hnsw_scratch_new();
    for (size_t e = 0; e < sizeof efs / sizeof *efs; e++) {
        size_t found = 0;
        /* warm-up pass, then a timed one */
        double c0 = 0;
        for (int pass = 0; pass < 2; pass++) {
            t0 = now_s();
            c0 = cpu_s();
            for (size_t i = 0; i < nq; i++) {
                pb_hnsw_search(vi->g, sc, q + i * dp, qs[i], K, efs[e], h,
                               &n);
                drop_self(h, &n, papers, q + i * dp, vs);
                for (size_t k = 0; k < 10; k++)
                    ids[i * 10 + k] = k < n ? h[k].slot : UINT32_MAX;
            }
        }
        double t = now_s() - t0, ct = cpu_s() - c0;
        for (size_t i = 0; i < nq; i++)
            for (size_t k = 0; k < 10; k++)
                for (size_t j = 0; j < 10; j++)
                    found += ids[i * 10 + k] != UINT32_MAX &&
                             ids[i * 10 + k] == truth[i * 10 + j];
        printf("hnsw ef=%u: recall@10=%.4f qps=%.0f wall, %.0f per cpu-second "
               "(one thread)\n", efs[e], (double)found / (double)(nq * 10),
               nq / t, nq / ct);
        if (dump) {
            char name[64];
            snprintf(name, sizeof name, "ours_ef%u.ids", efs[e]);
            if (write_all(dump, name, ids, nq * 10 * 4))
                break;
        }
    }
    if (dump) {
        uint32_t N = pb_vecset_size(vs);
        float *base = pb_calloc((size_t)N * dim + 1, sizeof *base);
        for (uint32_t s = 0; s < N; s++)
            pb_vecset_get(vs, s, base + (size_t)s * dim);
        float *qf = pb_calloc(nq * dim + 1, sizeof *qf);
        for (size_t i = 0; i < nq; i++)
            for (uint32_t d = 0; d < dim; d++)
                qf[i * dim + d] = q[i * dp + d] * qs[i];
        if (!write_all(dump, "base.f32", base, (size_t)N * dim * 4) &&
            !write_all(dump, "query.f32", qf, nq * dim * 4) &&
            !write_all(dump, "exact.ids", truth, nq * 10 * 4) &&
            (!papers || !write_all(dump, "self.ids", self, nq * 4)))
            printf("dump: %s/base.f32 (%u x %u), query.f32 (%zu)\n", dump, N,
                   dim, nq);
        free(base);
        free(qf);
    }
    pb_hnsw_scratch_free(sc);
    free(ids);
    free(truth);
    free(self);
    free(q);
    free(qs);
    pb_vindex_free(vi);
    return 0;
}
