/* test_vector_rank.c - fusion of keyword and semantic lists (hand-made
 * cases) and recommendations on a hand-made corpus of two topics. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rank/fusion.h"
#include "rank/hybrid.h"
#include "rank/ltr.h"
#include "rank/recommend.h"
#include "vector/vecset.h"
#include "vector/vindex.h"

static void t_rrf(void)
{
    /* a: 1 2 3, b: 3 1 4: 1 and 3 are in both */
    struct pb_ranked a[] = {{1, 9}, {2, 8}, {3, 7}};
    struct pb_ranked b[] = {{3, 0.9}, {1, 0.8}, {4, 0.7}};
    struct pb_ranked out[8];
    size_t n = pb_fuse_rrf(a, 3, b, 3, 60, out, 8);
    CHECK_EQ(n, 4);
    /* 1: 1/61 + 1/62; 3: 1/63 + 1/61; 2: 1/62; 4: 1/63 */
    CHECK_EQ(out[0].key, 1);
    CHECK_EQ(out[1].key, 3);
    CHECK_EQ(out[2].key, 2);
    CHECK_EQ(out[3].key, 4);
    CHECK_NEAR(out[0].score, 1.0 / 61 + 1.0 / 62, 1e-12);
    /* cap, and one empty list: the other's order */
    n = pb_fuse_rrf(a, 3, NULL, 0, 60, out, 2);
    CHECK_EQ(n, 2);
    CHECK_EQ(out[0].key, 1);
    CHECK_EQ(out[1].key, 2);
    /* equal scores: by key */
    struct pb_ranked c[] = {{7, 1}}, d[] = {{5, 1}};
    n = pb_fuse_rrf(c, 1, d, 1, 60, out, 8);
    CHECK_EQ(n, 2);
    CHECK_EQ(out[0].key, 5);
}

static void t_linear(void)
{
    struct pb_ranked kw[] = {{1, 20}, {2, 10}, {3, 0}};
    struct pb_ranked sem[] = {{3, 0.9}, {2, 0.5}, {4, 0.1}};
    struct pb_ranked out[8];
    /* alpha 1: keyword order; alpha 0: semantic order */
    size_t n = pb_fuse_linear(kw, 3, sem, 3, 1.0, out, 8);
    CHECK_EQ(n, 4);
    CHECK_EQ(out[0].key, 1);
    n = pb_fuse_linear(kw, 3, sem, 3, 0.0, out, 8);
    CHECK_EQ(out[0].key, 3);
    /* alpha 0.5: 1 -> .5; 2 -> .25 + .5 * .5 = .5; 3 -> 0 + .5; 4 -> 0 */
    n = pb_fuse_linear(kw, 3, sem, 3, 0.5, out, 8);
    CHECK_NEAR(out[0].score, 0.5, 1e-12);
    CHECK_NEAR(out[1].score, 0.5, 1e-12);
    CHECK_NEAR(out[2].score, 0.5, 1e-12);
    CHECK_EQ(out[0].key, 1); /* ties by key */
    CHECK_EQ(out[3].key, 4);
    CHECK_NEAR(out[3].score, 0, 1e-12);
    /* one item: scaled to 1 */
    n = pb_fuse_linear(kw, 1, NULL, 0, 0.7, out, 8);
    CHECK_EQ(n, 1);
    CHECK_NEAR(out[0].score, 0.7, 1e-12);
}

static uint64_t rng = 42;
static double gauss(void)
{
    double s = 0;
    for (int i = 0; i < 12; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        s += (double)(rng >> 11) / 9007199254740992.0;
    }
    return s - 6;
}

/* Three topics around three directions; pid = topic * 1000 + i. */
static struct pb_vecset *corpus(void)
{
    const uint32_t dim = 32;
    struct pb_vecset *vs = pb_vecset_new(dim);
    float v[32];
    for (int t = 0; t < 3; t++)
        for (int i = 0; i < 300; i++) {
            double n = 0;
            for (uint32_t d = 0; d < dim; d++) {
                v[d] = (float)(0.35 * gauss() + (d % 3 == (uint32_t)t ? 1 : 0));
                n += (double)v[d] * v[d];
            }
            for (uint32_t d = 0; d < dim; d++)
                v[d] = (float)(v[d] / sqrt(n));
            pb_vecset_add(vs, t * 1000 + i, v);
        }
    return vs;
}

static void t_recommend(void)
{
    struct pb_vecset *vs = corpus();
    struct pb_rec_opts o;
    pb_rec_defaults(&o);
    /* likes five papers of topic 1, dislikes two of topic 2 */
    int64_t like[] = {1000, 1003, 1010, 1020, 1033};
    int64_t dislike[] = {2001, 2002};
    struct pb_ranked out[50];
    size_t n = 0;
    CHECK_EQ(pb_recommend(vs, like, 5, dislike, 2, &o, 50, out, &n), PB_OK);
    CHECK_EQ(n, 50);
    size_t topic1 = 0;
    for (size_t i = 0; i < n; i++) {
        topic1 += out[i].key / 1000 == 1;
        for (size_t j = 0; j < 5; j++)
            CHECK(out[i].key != like[j]); /* not what they have */
    }
    CHECK(topic1 >= 48);
    /* the same likes give the same list */
    struct pb_ranked again[50];
    size_t m = 0;
    CHECK_EQ(pb_recommend(vs, like, 5, dislike, 2, &o, 50, again, &m), PB_OK);
    CHECK(m == n && !memcmp(out, again, n * sizeof *out));
    /* a taste for topic 0 moves the list there */
    int64_t like0[] = {5, 6, 7};
    CHECK_EQ(pb_recommend(vs, like0, 3, NULL, 0, &o, 10, out, &n), PB_OK);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(out[i].key / 1000, 0);
    /* nothing liked with a vector */
    int64_t none[] = {99999};
    CHECK_EQ(pb_recommend(vs, none, 1, NULL, 0, &o, 10, out, &n), PB_EINVAL);
    pb_vecset_free(vs);
}

/* A hand-made corpus in two dimensions: "cat" (1, 0), "kitten" (0.8,
 * 0.6), "car" (0, 1); no SIF component, equal word weights. */
struct tiny {
    struct pb_index *ix;
    struct pb_searcher *s;
    struct pb_vindex vi;
    struct pb_vquery *vq;
};

static void tiny_open(struct tiny *t)
{
    static const char *docs[][2] = {
        {"cat car", "car car car"},                   /* 1: cos 0.316 */
        {"kitten", "kitten"},                         /* 2: cos 0.8 */
        {"cat", "cat kitten"},                        /* 3: cos 0.978 */
        {"car", "car"},                               /* 4: cos 0 */
        {"car", "cat car car car car car car car car"}, /* 5: cos 0.110 */
    };
    static const float v[3][2] = {{1, 0}, {0.8f, 0.6f}, {0, 1}};
    static const char *w[3] = {"cat", "kitten", "car"};
    struct pb_analyzer *az = pb_analyzer_new();
    memset(t, 0, sizeof *t);
    t->ix = pb_index_new(NULL);
    t->vi.wv = pb_wordvec_new(2, 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(pb_wordvec_add(t->vi.wv, w[i], strlen(w[i]), v[i], 0), PB_OK);
    t->vi.sif = pb_sif_new(t->vi.wv, PB_SIF_A);
    t->vi.vs = pb_vecset_new(2);
    for (int i = 0; i < 5; i++) {
        struct pb_index_doc doc = {.pid = i + 1, .id = docs[i][0],
                                   .title = docs[i][0],
                                   .abstract = docs[i][1], .upvotes = -1};
        CHECK_EQ(pb_index_add(t->ix, az, &doc), PB_OK);
        float e[2];
        CHECK(pb_sif_embed_raw(t->vi.sif, az, docs[i][0], docs[i][1], e) > 0);
        pb_sif_finish(t->vi.sif, e);
        pb_vecset_add(t->vi.vs, i + 1, e);
    }
    t->s = pb_searcher_new(t->ix);
    t->vq = pb_vquery_new(&t->vi);
    pb_analyzer_free(az);
}

static void tiny_close(struct tiny *t)
{
    pb_vquery_free(t->vq);
    pb_searcher_free(t->s);
    pb_vecset_free(t->vi.vs);
    pb_sif_free(t->vi.sif);
    pb_wordvec_free(t->vi.wv);
    pb_index_free(t->ix);
}

static void check_order(const struct pb_ranked *r, size_t n,
                        const int64_t *want, size_t n_want)
{
    CHECK_EQ(n, n_want);
    for (size_t i = 0; i < n && i < n_want; i++)
        CHECK_EQ(r[i].key, want[i]);
}

static void t_hybrid(void)
{
    struct tiny t;
    tiny_open(&t);
    struct pb_hybrid_opts o;
    pb_hybrid_opts_init(&o);
    o.exact = 1;
    o.feedback = 0;
    struct pb_ranked r[10];
    size_t n;
    /* keyword: the three papers with "cat", title matches first */
    CHECK_EQ(pb_hybrid_search_opts(t.s, t.vq, PB_MODE_KEYWORD, "cat", 3, &o,
                                   10, r, &n), PB_OK);
    check_order(r, n, (int64_t[]){3, 1, 5}, 3);
    /* semantic: every paper by cosine to "cat", raw cosines kept */
    CHECK_EQ(pb_hybrid_search_opts(t.s, t.vq, PB_MODE_SEMANTIC, "cat", 3, &o,
                                   10, r, &n), PB_OK);
    check_order(r, n, (int64_t[]){3, 2, 1, 5, 4}, 5);
    CHECK_NEAR(r[1].score, 0.8, 0.01);
    /* hybrid 0.6: paper 1's keyword match lifts it over 2's meaning */
    CHECK_EQ(pb_hybrid_search_opts(t.s, t.vq, PB_MODE_HYBRID, "cat", 3, &o,
                                   10, r, &n), PB_OK);
    check_order(r, n, (int64_t[]){3, 1, 2, 5, 4}, 5);
    CHECK_NEAR(r[0].score, 1.0, 1e-9);
    /* mostly meaning (alpha 0.2): 2 passes 1 */
    o.alpha = 0.2;
    CHECK_EQ(pb_hybrid_search_opts(t.s, t.vq, PB_MODE_HYBRID, "cat", 3, &o,
                                   10, r, &n), PB_OK);
    check_order(r, n, (int64_t[]){3, 2, 1, 5, 4}, 5);
    /* k caps the list; without vectors hybrid is keyword alone */
    o.alpha = 0.6;
    CHECK_EQ(pb_hybrid_search_opts(t.s, t.vq, PB_MODE_HYBRID, "cat", 3, &o, 2,
                                   r, &n), PB_OK);
    check_order(r, n, (int64_t[]){3, 1}, 2);
    CHECK_EQ(pb_hybrid_search(t.s, NULL, PB_MODE_HYBRID, "cat", 3, -1, 10, r,
                              &n), PB_OK);
    check_order(r, n, (int64_t[]){3, 1, 5}, 3);
    tiny_close(&t);
}

/* Pairwise training: relevance follows feature 0, feature 1 is a lure
 * that is high on one non-relevant candidate of every query. */
static void t_ltr(void)
{
    enum { NQ = 6, NC = 5 };
    static double f[NQ][NC][PB_LTR_NF];
    static int rel[NQ][NC];
    struct pb_ltr_query q[NQ];
    for (int i = 0; i < NQ; i++) {
        for (int c = 0; c < NC; c++) {
            f[i][c][0] = c == i % NC ? 0.9 : 0.1 * c;
            f[i][c][1] = c == (i + 1) % NC ? 1.0 : 0.2;
            rel[i][c] = c == i % NC;
        }
        q[i] = (struct pb_ltr_query){(const double(*)[PB_LTR_NF])f[i],
                                     rel[i], NC};
    }
    double w[PB_LTR_NF];
    CHECK_EQ(pb_ltr_train(q, NQ, 1.0, w), PB_OK);
    CHECK(w[0] > 0);
    CHECK(w[0] > w[1]);
    /* every query's relevant candidate ranks first */
    for (int i = 0; i < NQ; i++) {
        int best = 0;
        for (int c = 1; c < NC; c++)
            if (pb_ltr_score(w, f[i][c]) > pb_ltr_score(w, f[i][best]))
                best = c;
        CHECK_EQ(best, i % NC);
    }
    /* deterministic */
    double w2[PB_LTR_NF];
    CHECK_EQ(pb_ltr_train(q, NQ, 1.0, w2), PB_OK);
    for (int k = 0; k < PB_LTR_NF; k++)
        CHECK_NEAR(w2[k], w[k], 0);
    /* nothing relevant: nothing to learn */
    static const int none[NC] = {0};
    struct pb_ltr_query z = {(const double(*)[PB_LTR_NF])f[0], none, NC};
    CHECK_EQ(pb_ltr_train(&z, 1, 1.0, w), PB_EINVAL);
}

int main(void)
{
    static const struct pb_test T[] = {
        {"reciprocal rank fusion, hand-made lists", t_rrf},
        {"linear fusion, hand-made lists", t_linear},
        {"hybrid search on a hand-made corpus: exact orders by mode", t_hybrid},
        {"pairwise ranker learns the relevant feature", t_ltr},
        {"recommendations rank the reader's topic first", t_recommend},
        {0}};
    return pb_test_run(T);
}
