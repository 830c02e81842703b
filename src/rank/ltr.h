/*
 * ltr.h - a linear learning-to-rank model over a query's candidates,
 * trained pairwise with liblinear (RankSVM: Herbrich et al. 2000, Joachims
 * 2002): for every query, every relevant candidate p and every other
 * candidate n give one example f(p) - f(n) with label +1 (and its mirror
 * with -1); an L2-regularised logistic regression (no bias) on them gives
 * w, and a candidate's score is w . f.
 *
 * The features (PB_LTR_NF per candidate) are the caller's; they should be
 * comparable across queries (e.g. a BM25 score divided by the query's
 * best). Used by `paperboy eval --ltr-cv` (docs/SEMANTIC.md), which
 * measured it against the linear mix of hybrid.h.
 *
 * Pure functions of their arguments (liblinear's rand() is seeded under a
 * lock, so training is deterministic); any thread.
 */
#ifndef PB_RANK_LTR_H
#define PB_RANK_LTR_H

#include <stddef.h>

#include "core/error.h"

#define PB_LTR_NF 7

struct pb_ltr_query {
    const double (*f)[PB_LTR_NF]; /* n candidates' features, borrowed */
    const int *rel;               /* n graded labels (> 0: relevant) */
    size_t n;
};

/* Train on qs[0..nq) with cost C into w (PB_LTR_NF weights). PB_EINVAL
 * when no query has both a relevant and another candidate. */
int pb_ltr_train(const struct pb_ltr_query *qs, size_t nq, double C,
                 double w[PB_LTR_NF]) PB_WUR;

/* w . f */
double pb_ltr_score(const double w[PB_LTR_NF], const double f[PB_LTR_NF]);

#endif
