/* test_vector_rank.c - fusion of keyword and semantic lists (hand-made
 * cases) and recommendations on a hand-made corpus of two topics. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rank/fusion.h"
#include "rank/recommend.h"
#include "vector/vecset.h"

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

int main(void)
{
    static const struct pb_test T[] = {
        {"reciprocal rank fusion, hand-made lists", t_rrf},
        {"linear fusion, hand-made lists", t_linear},
        {"recommendations rank the reader's topic first", t_recommend},
        {0}};
    return pb_test_run(T);
}
