/* test_vector.c - word vectors (fp16, .wv files), skip-gram determinism
 * for a seed, SIF, the int8 vector set and HNSW against exact search. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "vector/hnsw.h"
#include "vector/sif.h"
#include "vector/vecset.h"
#include "vector/w2v.h"
#include "vector/wordvec.h"

static char tmpdir[256];

static uint64_t rng = 0x1234567;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void t_half(void)
{
    static const float v[] = {0, 1, -1, 0.5f, 65504, 1e-5f, -3.14159f,
                              1e-8f, 0.333333f};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        float r = pb_half_to_float(pb_half_from_float(v[i]));
        CHECK_NEAR(r, v[i], fabs(v[i]) * 1e-3 + 1e-7);
    }
    CHECK_EQ(pb_half_from_float(1.0f), 0x3c00);
    CHECK_EQ(pb_half_from_float(-2.0f), 0xc000);
}

static void t_wordvec_file(void)
{
    struct pb_wordvec *wv = pb_wordvec_new(3, 0), *back = NULL;
    float a[3] = {1, 2, 3}, b[3] = {-1, 0.5f, 0}, o[3];
    CHECK_EQ(pb_wordvec_add(wv, "neural", 6, a, 10), PB_OK);
    CHECK_EQ(pb_wordvec_add(wv, "graph", 5, b, 4), PB_OK);
    CHECK_EQ(pb_wordvec_add(wv, "graph", 5, b, 4), PB_EEXIST);
    CHECK_EQ(pb_wordvec_add(wv, "", 0, b, 4), PB_EINVAL);
    for (int i = 0; i < 3000; i++) { /* grow the hash */
        char w[16];
        int n = snprintf(w, sizeof w, "w%d", i);
        CHECK_EQ(pb_wordvec_add(wv, w, (size_t)n, a, 1), PB_OK);
    }
    CHECK_EQ(pb_wordvec_find(wv, "graph", 5), 1);
    CHECK_EQ(pb_wordvec_find(wv, "graphs", 6), -1);
    char path[300];
    snprintf(path, sizeof path, "%s/t.wv", tmpdir);
    struct pb_err err;
    CHECK_EQ(pb_wordvec_save(wv, path, &err), PB_OK);
    CHECK_EQ(pb_wordvec_load(path, &back, &err), PB_OK);
    if (back) {
        CHECK_EQ(pb_wordvec_count(back), 3002);
        CHECK_EQ(pb_wordvec_find(back, "w2999", 5), 3001);
        CHECK_EQ(pb_wordvec_word_count(back, 0), 10);
        pb_wordvec_get(back, 1, o);
        CHECK_NEAR(o[1], 0.5, 1e-6);
        CHECK_STR(pb_wordvec_word(back, 0), "neural");
    }
    pb_wordvec_free(back);
    /* every truncation of the file is refused, never read past */
    FILE *f = fopen(path, "rb");
    unsigned char buf[256];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    for (size_t cut = 0; cut < n; cut += 7) {
        back = NULL;
        CHECK(pb_wordvec_load_mem(buf, cut, &back, &err) == PB_EPARSE);
        CHECK(back == NULL);
    }
    pb_wordvec_free(wv);
}

/* Two topics; each document draws words from one. */
static void fill_corpus(struct pb_w2v_corpus *c, struct pb_analyzer *az)
{
    static const char *topic[2][8] = {
        {"neuron", "spike", "cortex", "synapse", "brain", "hebbian",
         "dendrite", "axon"},
        {"galaxy", "quasar", "redshift", "telescope", "nebula", "stellar",
         "cosmic", "orbit"}};
    char text[1024];
    rng = 99;
    for (int d = 0; d < 400; d++) {
        size_t at = 0;
        for (int w = 0; w < 30; w++)
            at += (size_t)snprintf(text + at, sizeof text - at, "%s ",
                                   topic[d % 2][rnd() % 8]);
        CHECK_EQ(pb_w2v_corpus_add(c, az, NULL, text), PB_OK);
    }
}

static struct pb_wordvec *train(unsigned threads, uint64_t seed)
{
    struct pb_analyzer *az = pb_analyzer_new();
    struct pb_w2v_corpus *c = pb_w2v_corpus_new(0);
    fill_corpus(c, az);
    struct pb_w2v_opts o;
    pb_w2v_defaults(&o);
    o.dim = 16;
    o.epochs = 5;
    o.sample = 0; /* a tiny corpus: subsampling would drop most of it */
    o.threads = threads;
    o.seed = seed;
    o.round_tokens = 1000; /* many rounds, so merging is exercised */
    struct pb_wordvec *wv = NULL;
    CHECK_EQ(pb_w2v_train(c, &o, &wv), PB_OK);
    pb_w2v_corpus_free(c);
    pb_analyzer_free(az);
    return wv;
}

static int same(const struct pb_wordvec *a, const struct pb_wordvec *b)
{
    if (pb_wordvec_count(a) != pb_wordvec_count(b))
        return 0;
    float x[16], y[16];
    for (uint32_t i = 0; i < pb_wordvec_count(a); i++) {
        if (strcmp(pb_wordvec_word(a, i), pb_wordvec_word(b, i)))
            return 0;
        pb_wordvec_get(a, i, x);
        pb_wordvec_get(b, i, y);
        if (memcmp(x, y, sizeof x))
            return 0;
    }
    return 1;
}

static double cosw(const struct pb_wordvec *wv, const char *a, const char *b)
{
    float x[16], y[16];
    int64_t i = pb_wordvec_find(wv, a, strlen(a)), j = pb_wordvec_find(wv, b, strlen(b));
    if (i < 0 || j < 0)
        return -2;
    pb_wordvec_get(wv, (uint32_t)i, x);
    pb_wordvec_get(wv, (uint32_t)j, y);
    double d = 0, nx = 0, ny = 0;
    for (int k = 0; k < 16; k++)
        d += x[k] * y[k], nx += x[k] * x[k], ny += y[k] * y[k];
    return d / sqrt(nx * ny);
}

static void t_train_deterministic(void)
{
    struct pb_wordvec *a = train(1, 7), *b = train(2, 7), *c = train(2, 7),
                      *d = train(2, 8);
    CHECK(a && b && c && d);
    if (a && b && c && d) {
        CHECK_EQ(pb_wordvec_count(a), 16);
        CHECK(same(a, b)); /* one thread and two: the same bytes */
        CHECK(same(b, c)); /* run twice: the same bytes */
        CHECK(!same(c, d)); /* another seed: other vectors */
        /* and they learnt something: topic mates are nearer */
        CHECK(cosw(b, "neuron", "synapse") > cosw(b, "neuron", "galaxy"));
        CHECK(cosw(b, "quasar", "redshift") > cosw(b, "quasar", "cortex"));
    }
    pb_wordvec_free(a);
    pb_wordvec_free(b);
    pb_wordvec_free(c);
    pb_wordvec_free(d);
}

static void t_sif(void)
{
    struct pb_wordvec *wv = pb_wordvec_new(2, 0);
    float x[2] = {1, 0}, y[2] = {0, 1};
    CHECK_EQ(pb_wordvec_add(wv, "alpha", 5, x, 0), PB_OK);
    CHECK_EQ(pb_wordvec_add(wv, "beta", 4, y, 0), PB_OK);
    struct pb_sif *s = pb_sif_new(wv, 1e-3);
    struct pb_analyzer *az = pb_analyzer_new();
    /* alpha is frequent, beta rare: beta's weight is the larger */
    for (int i = 0; i < 50; i++)
        CHECK_EQ(pb_sif_count(s, az, "alpha alpha gamma", 17), PB_OK);
    CHECK_EQ(pb_sif_count(s, az, "beta", 4), PB_OK);
    float v[2];
    CHECK_EQ(pb_sif_embed_raw(s, az, "Alpha", "beta delta", v), 2);
    CHECK(v[1] > v[0]);
    CHECK_EQ(pb_sif_embed_raw(s, az, "nothing known", NULL, v), 0);
    float raw[4] = {1, 0.1f, 2, 0.2f};
    pb_sif_fit_pc(s, raw, 2);
    CHECK_NEAR(fabs(pb_sif_pc(s)[0]), 0.995, 0.01);
    float w[2] = {1, 1};
    pb_sif_finish(s, w);
    CHECK_NEAR(w[0] * w[0] + w[1] * w[1], 1, 1e-5);
    CHECK(fabs(w[0] * pb_sif_pc(s)[0] + w[1] * pb_sif_pc(s)[1]) < 1e-5);
    pb_analyzer_free(az);
    pb_sif_free(s);
    pb_wordvec_free(wv);
}

static void rand_unit(float *v, uint32_t dim)
{
    double n = 0;
    for (uint32_t d = 0; d < dim; d++) {
        v[d] = (float)((rnd() % 2001) - 1000.0);
        n += (double)v[d] * v[d];
    }
    for (uint32_t d = 0; d < dim; d++)
        v[d] = (float)(v[d] / sqrt(n));
}

static void t_ann_exact(void)
{
    const uint32_t dim = 24, N = 600;
    struct pb_vecset *vs = pb_vecset_new(dim);
    float v[24];
    rng = 5;
    for (uint32_t i = 0; i < N; i++) {
        rand_unit(v, dim);
        CHECK_EQ(pb_vecset_add(vs, 1000 + i, v), i);
    }
    struct pb_hnsw *g = pb_hnsw_new(vs, 8, 64, 3);
    pb_hnsw_add_all(g);
    CHECK_EQ(pb_hnsw_size(g), N);
    struct pb_hnsw_scratch *sc = pb_hnsw_scratch_new();
    int8_t q[32];
    float qs;
    struct pb_vhit a[10], b[10];
    size_t na, nb, equal = 0;
    for (int t = 0; t < 50; t++) {
        rand_unit(v, dim);
        pb_vec_quantize(v, dim, pb_vecset_dim_pad(vs), q, &qs);
        pb_vecset_exact(vs, q, qs, 10, a, &na);
        /* a beam as wide as the set visits all of it: equal to exact */
        pb_hnsw_search(g, sc, q, qs, 10, N, b, &nb);
        CHECK_EQ(na, 10);
        CHECK_EQ(nb, 10);
        int ok = na == nb;
        for (size_t k = 0; ok && k < na; k++)
            ok = a[k].pid == b[k].pid;
        equal += ok;
    }
    CHECK_EQ(equal, 50);
    /* delete one: never returned, by either */
    int64_t victim = a[0].pid;
    CHECK_EQ(pb_vecset_delete(vs, victim), PB_OK);
    pb_hnsw_search(g, sc, q, qs, 10, N, b, &nb);
    for (size_t k = 0; k < nb; k++)
        CHECK(b[k].pid != victim);
    /* save, map, add more: the mapped graph grows */
    char vp[300], gp[300];
    snprintf(vp, sizeof vp, "%s/t.vec", tmpdir);
    snprintf(gp, sizeof gp, "%s/t.hnsw", tmpdir);
    struct pb_err err;
    CHECK_EQ(pb_vecset_save(vs, vp, &err), PB_OK);
    CHECK_EQ(pb_hnsw_save(g, gp, &err), PB_OK);
    struct pb_vecset *vs2 = NULL;
    struct pb_hnsw *g2 = NULL;
    CHECK_EQ(pb_vecset_open(vp, &vs2, &err), PB_OK);
    if (vs2) {
        CHECK_EQ(pb_vecset_live(vs2), N - 1);
        CHECK_EQ(pb_vecset_slot(vs2, victim), -1);
        CHECK_EQ(pb_hnsw_open(gp, vs2, &g2, &err), PB_OK);
    }
    if (g2) {
        for (uint32_t i = 0; i < 100; i++) {
            rand_unit(v, dim);
            pb_vecset_add(vs2, 5000 + i, v);
        }
        pb_hnsw_add_all(g2);
        CHECK_EQ(pb_hnsw_size(g2), N + 100);
        pb_vecset_get(vs2, N + 50, v);
        pb_vec_quantize(v, dim, pb_vecset_dim_pad(vs2), q, &qs);
        pb_hnsw_search(g2, sc, q, qs, 1, 64, b, &nb);
        CHECK(nb == 1 && b[0].pid == 5050);
    }
    pb_hnsw_free(g2);
    pb_vecset_free(vs2);
    pb_hnsw_scratch_free(sc);
    pb_hnsw_free(g);
    pb_vecset_free(vs);
}

/* ASan fills only the first 4 KB of a new block (with 0xbe): here all of
 * it, so that a slot of the graph that is never written is not 0 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "max_malloc_fill_size=268435456:malloc_fill_byte=171";
}

/* Unused slots of the level-0 link lists in the graph file at path that
 * are not 0; SIZE_MAX when the file cannot be read as one. */
static size_t unused_nonzero(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char hd[64];
    size_t bad = 0;
    if (!f || fread(hd, 1, 64, f) != 64) {
        if (f)
            fclose(f);
        return SIZE_MAX;
    }
    uint32_t M0, n;
    memcpy(&M0, hd + 12, 4);
    memcpy(&n, hd + 20, 4);
    size_t skip = ((n + 7u) & ~7u) + (((size_t)n * 4 + 7u) & ~(size_t)7u);
    uint32_t row[129];
    if (M0 > 128 || fseek(f, (long)skip, SEEK_CUR) != 0)
        bad = SIZE_MAX;
    for (uint32_t i = 0; i < n && bad != SIZE_MAX; i++) {
        if (fread(row, 4, M0 + 1, f) != M0 + 1 || row[0] > M0) {
            bad = SIZE_MAX;
            break;
        }
        for (uint32_t k = row[0] + 1; k <= M0; k++)
            bad += row[k] != 0;
    }
    fclose(f);
    return bad;
}

/* The graph file holds every slot of a node's level-0 link list, the
 * unused ones too: each must be written (0), not left with whatever the
 * heap held there (the file then differed from run to run and carried old
 * heap bytes). Checked in the file itself, and two builds on a heap
 * dirtied in between give the same bytes. */
static void t_ann_file_deterministic(void)
{
    const uint32_t dim = 16, N = 3000;
    char path[2][300];
    struct pb_err err;
    for (int run = 0; run < 2; run++) {
        if (run) {
            /* freed blocks full of 0xAB for the graph's arrays to reuse */
            void *junk[64];
            for (int i = 0; i < 64; i++) {
                size_t sz = (size_t)4096 << (i % 8);
                junk[i] = malloc(sz);
                if (junk[i])
                    memset(junk[i], 0xAB, sz);
            }
            for (int i = 0; i < 64; i++)
                free(junk[i]);
        }
        struct pb_vecset *vs = pb_vecset_new(dim);
        float v[16];
        rng = 21;
        for (uint32_t i = 0; i < N; i++) {
            rand_unit(v, dim);
            pb_vecset_add(vs, 1 + i, v);
        }
        struct pb_hnsw *g = pb_hnsw_new(vs, 6, 32, 9);
        pb_hnsw_add_all(g);
        snprintf(path[run], sizeof path[run], "%s/det%d.hnsw", tmpdir, run);
        CHECK_EQ(pb_hnsw_save(g, path[run], &err), PB_OK);
        CHECK_EQ(unused_nonzero(path[run]), 0);
        pb_hnsw_free(g);
        pb_vecset_free(vs);
    }
    char cmd[700];
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", path[0], path[1]);
    CHECK_EQ(system(cmd), 0);
}

/* Near-duplicates: eight tight clusters of 60 vectors each (most of a
 * cluster quantise to the same int8 vector) in a graph of M 4. Pruning
 * full link lists by the heuristic takes some nodes' last in-link; the
 * graph must still reach every node, so that a beam as wide as the set
 * finds all of them. */
static void t_ann_duplicates(void)
{
    const uint32_t dim = 16, C = 8, PER = 60, N = C * PER;
    struct pb_vecset *vs = pb_vecset_new(dim);
    float base[8][16], v[16];
    rng = 11;
    for (uint32_t c = 0; c < C; c++)
        rand_unit(base[c], dim);
    for (uint32_t i = 0; i < N; i++) {
        for (uint32_t d = 0; d < dim; d++)
            v[d] = base[i % C][d] + (float)((int)(rnd() % 3) - 1) * 1e-4f;
        CHECK_EQ(pb_vecset_add(vs, 100 + i, v), i);
    }
    struct pb_hnsw *g = pb_hnsw_new(vs, 4, 16, 7);
    pb_hnsw_add_all(g);
    CHECK_EQ(pb_hnsw_size(g), N);
    CHECK_EQ(pb_hnsw_reachable(g), N);
    struct pb_hnsw_scratch *sc = pb_hnsw_scratch_new();
    struct pb_vhit *hits = calloc(N, sizeof *hits);
    int8_t q[16];
    float qs;
    size_t n = 0, full = 0;
    for (uint32_t c = 0; c < C; c++) {
        pb_vec_quantize(base[c], dim, pb_vecset_dim_pad(vs), q, &qs);
        pb_hnsw_search(g, sc, q, qs, N, N, hits, &n);
        full += n == N;
    }
    CHECK_EQ(full, C);
    /* and again after a second batch lands in the mapped-then-grown path */
    for (uint32_t i = 0; i < 120; i++) {
        for (uint32_t d = 0; d < dim; d++)
            v[d] = base[i % 2][d];
        pb_vecset_add(vs, 10000 + i, v);
    }
    pb_hnsw_add_all(g);
    CHECK_EQ(pb_hnsw_reachable(g), N + 120);
    free(hits);
    pb_hnsw_scratch_free(sc);
    pb_hnsw_free(g);
    pb_vecset_free(vs);
}

static void t_dot(void)
{
    int8_t a[64], b[64];
    int32_t want = 0;
    for (int i = 0; i < 64; i++) {
        a[i] = (int8_t)(rnd() % 255 - 127);
        b[i] = (int8_t)(rnd() % 255 - 127);
        want += a[i] * b[i];
    }
    CHECK_EQ(pb_vec_dot_i8(a, b, 64), want);
}

static void t_auto_epochs(void)
{
    CHECK_EQ(pb_w2v_auto_epochs(839689), 40);   /* SciFact: capped */
    CHECK_EQ(pb_w2v_auto_epochs(2000000), 20);
    CHECK_EQ(pb_w2v_auto_epochs(10000000), 4);
    CHECK_EQ(pb_w2v_auto_epochs(58300000), 1);  /* the arXiv snapshot */
    CHECK_EQ(pb_w2v_auto_epochs(0), 1);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pbvec.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    static const struct pb_test T[] = {
        {"half floats", t_half},
        {"word vector file round trip and truncations", t_wordvec_file},
        {"skip-gram: same seed same bytes, any thread count",
         t_train_deterministic},
        {"SIF weights, component removal", t_sif},
        {"epochs by corpus size", t_auto_epochs},
        {"int8 dot product", t_dot},
        {"HNSW reaches every node among near-duplicates",
         t_ann_duplicates},
        {"HNSW equals exact on small sets; delete; map and grow",
         t_ann_exact},
        {"HNSW file: same bytes on a dirty heap", t_ann_file_deterministic},
        {0}};
    int rc = pb_test_run(T);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
