/* test_vector_index.c - the store's semantic index (vindex.h): build from a
 * store with trained vectors, find a paper by meaning, similar papers,
 * catch up with new, changed and deleted papers (incremental inserts),
 * save, map and reopen. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "store/store.h"
#include "vector/vindex.h"
#include "vector/w2v.h"

static char dir[256], db[300];

static const char *topic[2][8] = {
    {"neuron", "spike", "cortex", "synapse", "brain", "hebbian", "dendrite",
     "axon"},
    {"galaxy", "quasar", "redshift", "telescope", "nebula", "stellar",
     "cosmic", "orbit"}};

static uint64_t rng = 7;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void put(struct pb_store *st, int n, int t, int version)
{
    struct pb_paper p;
    char id[32], title[256], abs[1024];
    size_t at = 0;
    pb_paper_init(&p);
    snprintf(id, sizeof id, "2401.%05d", n);
    memcpy(p.id, id, strlen(id) + 1);
    p.version = version; /* a newer version replaces the text */
    snprintf(title, sizeof title, "On the %s and the %s", topic[t][rnd() % 8],
             topic[t][rnd() % 8]);
    for (int w = 0; w < 40; w++)
        at += (size_t)snprintf(abs + at, sizeof abs - at, "%s ",
                               topic[t][rnd() % 8]);
    pb_str_set(&p.title, title, strlen(title));
    pb_str_set(&p.abstract, abs, at);
    enum pb_upsert u;
    CHECK_EQ(pb_store_paper_upsert(st, &p, &u, NULL), PB_OK);
    pb_paper_clear(&p);
}

struct feed {
    struct pb_w2v_corpus *c;
    struct pb_analyzer *az;
};

static int on_paper(void *ctx, int64_t pid, int64_t seq, int deleted,
                    const struct pb_paper *p)
{
    (void)pid, (void)seq, (void)deleted;
    struct feed *f = ctx;
    return pb_w2v_corpus_add(f->c, f->az, p->title, p->abstract);
}

static int64_t pid_of(struct pb_store *st, const char *id)
{
    struct pb_paper p;
    int64_t pid = -1;
    pb_paper_init(&p);
    if (pb_store_paper_get(st, id, &p, &pid))
        pid = -1;
    pb_paper_clear(&p);
    return pid;
}

static void t_index(void)
{
    struct pb_store *st = NULL;
    struct pb_err err;
    CHECK_EQ(pb_store_open(db, 0, &st, &err), PB_OK);
    if (!st)
        return;
    for (int i = 0; i < 200; i++)
        put(st, i, i % 2, 1);
    /* train vectors on the store into DB.wv */
    struct feed f = {pb_w2v_corpus_new(1), pb_analyzer_new()};
    CHECK_EQ(pb_store_paper_each(st, 0, on_paper, &f), PB_OK);
    struct pb_w2v_opts o;
    pb_w2v_defaults(&o);
    o.dim = 16, o.epochs = 5, o.sample = 0, o.round_tokens = 2000;
    /* window 5: with window 8, this tiny corpus puts paper 2's second
     * version 140th for its new topic's query, past the 121 papers of that
     * topic checked below (a property of the vectors: graph and exact
     * search agree on it) */
    o.window = 5;
    struct pb_wordvec *wv = NULL;
    CHECK_EQ(pb_w2v_train(f.c, &o, &wv), PB_OK);
    char path[400];
    CHECK_EQ(pb_vindex_path(db, "wv", path, sizeof path), PB_OK);
    if (wv)
        CHECK_EQ(pb_wordvec_save(wv, path, &err), PB_OK);
    pb_wordvec_free(wv);
    pb_w2v_corpus_free(f.c);
    pb_analyzer_free(f.az);

    struct pb_vindex *vi = NULL;
    CHECK_EQ(pb_vindex_build(db, NULL, st, 8, 64, NULL, &vi, &err), PB_OK);
    if (!vi)
        goto out;
    CHECK_EQ(pb_vecset_live(vi->vs), 200);
    struct pb_vquery *vq = pb_vquery_new(vi);
    struct pb_vhit h[10];
    size_t n = 0;
    /* by meaning: a query of one topic finds that topic's papers */
    CHECK_EQ(pb_vquery_text(vq, "Brains and synapses", 19, 10, 0, 0, h, &n),
             PB_OK);
    CHECK_EQ(n, 10);
    int64_t first = pid_of(st, "2401.00000"); /* topic 0: even numbers */
    for (size_t i = 0; i < n; i++)
        CHECK_EQ((h[i].pid - first) % 2, 0);
    /* graph and exact agree on a small set with a wide beam */
    struct pb_vhit e[10];
    size_t ne = 0;
    CHECK_EQ(pb_vquery_text(vq, "quasar redshift", 15, 10, 400, 0, h, &n),
             PB_OK);
    CHECK_EQ(pb_vquery_text(vq, "quasar redshift", 15, 10, 0, 1, e, &ne),
             PB_OK);
    CHECK(n == ne && n == 10);
    for (size_t i = 0; i < n && i < ne; i++)
        CHECK_EQ(h[i].pid, e[i].pid);
    /* nothing known: no hits, no error */
    CHECK_EQ(pb_vquery_text(vq, "zzz qqq", 7, 10, 0, 0, h, &n), PB_OK);
    CHECK_EQ(n, 0);
    /* similar papers: same topic, never itself */
    CHECK_EQ(pb_vquery_similar(vq, first + 1, 5, 0, h, &n), PB_OK);
    CHECK_EQ(n, 5);
    for (size_t i = 0; i < n; i++) {
        CHECK(h[i].pid != first + 1);
        CHECK_EQ((h[i].pid - first) % 2, 1);
    }
    pb_vquery_free(vq);
    CHECK_EQ(pb_vindex_save(vi, db, &err), PB_OK);
    pb_vindex_free(vi);
    vi = NULL;

    /* new papers, one changed to the other topic, one deleted */
    for (int i = 200; i < 220; i++)
        put(st, i, 1, 1);
    put(st, 2, 1, 2); /* v2 is of the other topic */
    CHECK_EQ(pb_store_paper_delete(st, "2401.00004"), PB_OK);
    CHECK_EQ(pb_vindex_open(db, &vi, &err), PB_OK); /* mapped */
    if (!vi)
        goto out;
    size_t changed = 0;
    CHECK_EQ(pb_vindex_sync(vi, st, &changed), PB_OK);
    CHECK_EQ(changed, 22);
    CHECK_EQ(pb_vecset_live(vi->vs), 219);
    CHECK_EQ(pb_hnsw_size(vi->g), pb_vecset_size(vi->vs));
    vq = pb_vquery_new(vi);
    int64_t p2 = pid_of(st, "2401.00002"), p210 = pid_of(st, "2401.00210");
    CHECK_EQ(pid_of(st, "2401.00004"), -1);
    CHECK_EQ(pb_vquery_similar(vq, first + 4, 5, 0, h, &n),
             PB_ENOTFOUND); /* deleted: no vector */
    struct pb_vhit all[250];
    CHECK_EQ(pb_vquery_text(vq, "galaxy telescope nebula orbit", 29, 250, 400,
                            0, all, &n),
             PB_OK);
    int saw2 = 0, saw210 = 0;
    for (size_t i = 0; i < n && i < 121; i++) { /* the 121 of that topic */
        saw2 |= all[i].pid == p2;
        saw210 |= all[i].pid == p210;
    }
    for (size_t i = 0; i < n; i++)
        CHECK(all[i].pid != first + 4);
    if (!saw2) {
        struct pb_vhit ex[250];
        size_t nx = 0;
        CHECK_EQ(pb_vquery_text(vq, "galaxy telescope nebula orbit", 29, 250, 0, 1, ex, &nx), PB_OK);
        for (size_t i = 0; i < nx; i++) if (ex[i].pid == p2) fprintf(stderr, "exact rank %zu score %f slot %u\n", i, ex[i].score, ex[i].slot);
        for (size_t i = 0; i < n; i++) if (all[i].pid == p2) fprintf(stderr, "graph rank %zu score %f\n", i, all[i].score);
        fprintf(stderr, "slot of p2 %lld n=%zu\n", (long long)pb_vecset_slot(vi->vs, p2), n);
    }
    CHECK(saw2);
    CHECK(saw210);
    pb_vquery_free(vq);
    CHECK_EQ(pb_vindex_save(vi, db, &err), PB_OK);
    pb_vindex_free(vi);
    vi = NULL;
    CHECK_EQ(pb_vindex_open(db, &vi, &err), PB_OK);
    if (vi) {
        CHECK_EQ(pb_vecset_live(vi->vs), 219);
        changed = 1;
        CHECK_EQ(pb_vindex_sync(vi, st, &changed), PB_OK);
        CHECK_EQ(changed, 0);
    }
out:
    pb_vindex_free(vi);
    pb_store_close(st);
}

static void t_missing(void)
{
    struct pb_vindex *vi = NULL;
    struct pb_err err;
    char p[400];
    snprintf(p, sizeof p, "%s/none.db", dir);
    CHECK_EQ(pb_vindex_open(p, &vi, &err), PB_ENOTFOUND);
    CHECK(vi == NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/pbvix.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/t.db", dir);
    static const struct pb_test T[] = {
        {"build, query, similar, sync, save, map, reopen", t_index},
        {"no index: not found", t_missing},
        {0}};
    int rc = pb_test_run(T);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
