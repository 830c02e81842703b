/* recommend.c - per-member linear model with liblinear (recommend.h). */
#include "rank/recommend.h"

#include <linear.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void pb_rec_defaults(struct pb_rec_opts *o)
{
    *o = (struct pb_rec_opts){.C = 0.1, .n_random_neg = 500,
                              .dislike_weight = PB_REC_DISLIKE_WEIGHT, .seed = 1};
}

static void quiet(const char *s) { (void)s; }

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A sorted heap copy of v[0..n) (members may like thousands of papers:
 * lookups are binary searches). Caller frees. */
static int64_t *sorted(const int64_t *v, size_t n)
{
    int64_t *s = pb_reallocarray(NULL, n ? n : 1, sizeof *s);
    if (n) {
        memcpy(s, v, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_i64);
    }
    return s;
}

static int in(const int64_t *sorted_v, size_t n, int64_t x)
{
    return n && bsearch(&x, sorted_v, n, sizeof x, cmp_i64) != NULL;
}

/* Slot's features in the next free place of nodes: the vector, the bias
 * feature, the end mark. Repeated rows point at the same features. */
static struct feature_node *feat(const struct pb_vecset *vs, uint32_t slot,
                                 struct feature_node *nodes, size_t *n_nodes)
{
    uint32_t dim = pb_vecset_dim(vs);
    struct feature_node *f = nodes + (*n_nodes)++ * (dim + 2);
    float v[1024];
    pb_vecset_get(vs, slot, v);
    for (uint32_t d = 0; d < dim; d++)
        f[d] = (struct feature_node){(int)d + 1, v[d]};
    f[dim] = (struct feature_node){(int)dim + 1, 1.0};
    f[dim + 1] = (struct feature_node){-1, 0};
    return f;
}

int pb_recommend(const struct pb_vecset *vs, const int64_t *like,
                 size_t n_like, const int64_t *dislike, size_t n_dislike,
                 const struct pb_rec_opts *o, size_t k, struct pb_ranked *out,
                 size_t *out_n)
{
    uint32_t dim = pb_vecset_dim(vs), N = pb_vecset_size(vs);
    size_t n_vec = n_like + n_dislike + o->n_random_neg, n_nodes = 0;
    size_t cap = n_like + PB_REC_DISLIKE_ROWS + n_dislike + o->n_random_neg;
    size_t l = 0, n_pos = 0, n_rand = 0;
    int rc = PB_OK;
    *out_n = 0;
    int64_t *like_s = sorted(like, n_like);
    int64_t *dislike_s = sorted(dislike, n_dislike);
    double *y = pb_calloc(cap + 1, sizeof *y);
    struct feature_node **x = pb_calloc(cap + 1, sizeof *x);
    struct feature_node *nodes =
        pb_calloc((n_vec + 1) * (dim + 2), sizeof *nodes);
    for (size_t i = 0; i < n_like; i++) {
        int64_t s = pb_vecset_slot(vs, like[i]);
        if (s >= 0) {
            x[l] = feat(vs, (uint32_t)s, nodes, &n_nodes), y[l++] = 1;
            n_pos++;
        }
    }
    if (!n_pos) {
        rc = PB_EINVAL;
        goto out;
    }
    uint64_t r = o->seed ? o->seed : 1;
    for (size_t i = 0; i < o->n_random_neg && N > 0; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        uint32_t s = (uint32_t)(r % N);
        int64_t pid = pb_vecset_pid(vs, s);
        if (pid < 0 || in(like_s, n_like, pid))
            continue;
        x[l] = feat(vs, s, nodes, &n_nodes), y[l++] = -1;
        n_rand++;
    }
    /* A dislike is as strong a word as a like: it weighs dislike_weight
     * likes, a like weighing n_rand / n_pos sampled negatives. liblinear
     * has no per-row weights, so a dislike is a row repeated that often
     * (capped: at most 100 times, PB_REC_DISLIKE_ROWS rows in all). */
    size_t n_dis = 0;
    for (size_t i = 0; i < n_dislike; i++)
        n_dis += pb_vecset_slot(vs, dislike[i]) >= 0;
    double wdis = o->dislike_weight * (double)(n_rand ? n_rand : 1) /
                  (double)n_pos;
    size_t reps = wdis >= 100 ? 100 : wdis >= 1 ? (size_t)(wdis + 0.5) : 1;
    if (n_dis && reps * n_dis > PB_REC_DISLIKE_ROWS)
        reps = PB_REC_DISLIKE_ROWS / n_dis > 1 ? PB_REC_DISLIKE_ROWS / n_dis
                                               : 1;
    for (size_t i = 0; i < n_dislike; i++) {
        int64_t s = pb_vecset_slot(vs, dislike[i]);
        if (s < 0)
            continue;
        struct feature_node *f = feat(vs, (uint32_t)s, nodes, &n_nodes);
        for (size_t rep = 0; rep < reps && l < cap; rep++)
            x[l] = f, y[l++] = -1;
    }
    /* balance the classes: positives weigh as much as all negatives */
    double neg = 0;
    for (size_t i = 0; i < l; i++)
        neg += y[i] < 0;
    struct problem prob = {.l = (int)l, .n = (int)dim + 1, .y = y, .x = x,
                           .bias = -1};
    int labels[2] = {1, -1};
    double weights[2] = {neg > 0 ? neg / (double)n_pos : 1, 1};
    struct parameter par = {.solver_type = L2R_L2LOSS_SVC_DUAL, .eps = 0.1,
                            .C = o->C, .nr_weight = 2, .weight_label = labels,
                            .weight = weights};
    set_print_string_function(quiet);
    if (check_parameter(&prob, &par)) {
        rc = PB_EINVAL;
        goto out;
    }
    /* liblinear shuffles with rand(): seed it, one training at a time, so
     * that the same likes give the same model */
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    srand((unsigned)(o->seed ? o->seed : 1));
    struct model *m = train(&prob, &par);
    pthread_mutex_unlock(&mu);
    /* w for label +1 (liblinear stores the first label's side) */
    float w[1024];
    double sign = m->label[0] == 1 ? 1 : -1;
    for (uint32_t d = 0; d < dim; d++)
        w[d] = (float)(sign * m->w[d]);
    free_and_destroy_model(&m);
    int8_t q[1024];
    float qs;
    pb_vec_quantize(w, dim, pb_vecset_dim_pad(vs), q, &qs);
    size_t want = k + n_like + n_dislike, n = 0;
    struct pb_vhit *h = pb_calloc(want + 1, sizeof *h);
    pb_vecset_exact(vs, q, qs, want, h, &n);
    for (size_t i = 0; i < n && *out_n < k; i++)
        if (!in(like_s, n_like, h[i].pid) &&
            !in(dislike_s, n_dislike, h[i].pid))
            out[(*out_n)++] = (struct pb_ranked){h[i].pid, h[i].score};
    free(h);
out:
    free(like_s);
    free(dislike_s);
    free(y);
    free(x);
    free(nodes);
    return rc;
}
