/*
 * fusion.h - merge two ranked lists (keyword and semantic) into one.
 *
 * Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009):
 * score(d) = sum over lists of 1 / (k + rank_d), ranks from 1; k = 60 is
 * the paper's constant. The linear mix: each list's scores min-max scaled
 * to [0, 1] over the list (a document missing from a list gets 0 there),
 * then alpha * a + (1 - alpha) * b.
 *
 * Lists are given best first; keys (paper ids) are unique within a list.
 * Output is best first, ties by key ascending; at most cap items. Pure
 * functions: no state, any thread.
 */
#ifndef PB_RANK_FUSION_H
#define PB_RANK_FUSION_H

#include <stddef.h>
#include <stdint.h>

#define PB_RRF_K 60.0

struct pb_ranked {
    int64_t key;
    double score;
};

/* out (cap items, caller storage) gets the fused list; returns its size. */
size_t pb_fuse_rrf(const struct pb_ranked *a, size_t na,
                   const struct pb_ranked *b, size_t nb, double k,
                   struct pb_ranked *out, size_t cap);
size_t pb_fuse_linear(const struct pb_ranked *a, size_t na,
                      const struct pb_ranked *b, size_t nb, double alpha,
                      struct pb_ranked *out, size_t cap);

#endif
