/*
 * recommend.h - personal recommendations: a per-member linear model
 * (arxiv-sanity-lite's method) trained with liblinear on the paper vectors
 * of what the member liked (upvoted, collected) against what they marked
 * "not interested" and a sample of other papers, then every paper scored
 * by the model.
 *
 * The model is an L2-regularised L2-loss linear SVM (liblinear's dual
 * solver) with balanced class weights; an explicit dislike weighs as much
 * as a like (n_random_neg / n_like sampled negatives), far more than one
 * sampled negative. Scoring is one int8 dot product per paper: the
 * weight vector is quantised like a query and ranked by exact search, so
 * it costs what a brute-force vector search costs (~0.1 s for 600k papers).
 *
 * Pure function of its inputs (the negative sample is seeded, and so is
 * liblinear's rand(), under a lock: trainings run one at a time, and a
 * caller's own use of rand() is reseeded): the same likes give the same
 * list. Thread-safe: the vector set is only read.
 */
#ifndef PB_RANK_RECOMMEND_H
#define PB_RANK_RECOMMEND_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "rank/fusion.h"
#include "vector/vecset.h"

#define PB_REC_DISLIKE_ROWS 50000 /* cap on the rows dislikes make */
#define PB_REC_DISLIKE_WEIGHT 0.1 /* a dislike weighs this many likes */

struct pb_rec_opts {
    double C;            /* 0.1 */
    size_t n_random_neg; /* 500 sampled other papers as negatives */
    double dislike_weight; /* PB_REC_DISLIKE_WEIGHT: this many likes */
    uint64_t seed;       /* 1 */
};

void pb_rec_defaults(struct pb_rec_opts *o);

/* Top k papers for a member who liked like[0..n_like) and disliked
 * dislike[0..n_dislike) (pids; those without a vector are skipped), not
 * counting those. out (k items) gets pid and score, best first; *out_n
 * how many. PB_EINVAL when no liked paper has a vector. */
int pb_recommend(const struct pb_vecset *vs, const int64_t *like,
                 size_t n_like, const int64_t *dislike, size_t n_dislike,
                 const struct pb_rec_opts *o, size_t k, struct pb_ranked *out,
                 size_t *out_n) PB_WUR;

#endif
