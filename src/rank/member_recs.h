/*
 * member_recs.h - a member's recommendations: what the "For you" page,
 * GET /api/for-you, `paperboy recommend --user` and the e-mail digest all
 * call.
 *
 * Likes are the papers the member upvoted and the papers in any of their
 * collections (private ones too); dislikes are the papers they marked "not
 * interested" (the newest PB_CM_MARKS_MAX of each kind,
 * store/store_community.h). A paper both liked and dismissed counts as
 * liked (the dismiss button is only offered on papers not yet liked, so a
 * later upvote is the newer word). The model is pb_recommend()'s
 * (rank/recommend.h, default options): a linear SVM over paper vectors.
 */
#ifndef PB_RANK_MEMBER_RECS_H
#define PB_RANK_MEMBER_RECS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "rank/fusion.h"
#include "store/store.h"
#include "vector/vecset.h"

/*
 * The top k papers for member user_id (members.id, as in struct pb_member),
 * best first, into out (caller storage, k items): key is the paper's pid,
 * score the model's margin (higher is better; comparable within one call
 * only). *out_n gets how many (fewer than k when the vector set runs out).
 *
 * Left out: papers the member upvoted, collected or dismissed; papers the
 * store does not know, deleted ones and those a moderator hid.
 *
 * st: borrowed for the call, read-only is enough (the member's marks are
 * read through a struct pb_cmdb made and freed here). vs: borrowed for the
 * call, only read (e.g. pb_vindex's vi->vs).
 *
 * Errors: PB_ENOTFOUND when the member has no liked paper with a vector
 * (none upvoted or collected, an unknown member, or vectors not built for
 * them yet: run paperboy embed); PB_EUNSUP when vs is NULL (the server has
 * no semantic index); PB_EDB on a store error. *out_n is 0 on any error.
 *
 * Threads: any, with a store handle used by one thread at a time;
 * trainings run one at a time inside pb_recommend() (~0.1 s for 600k
 * papers, docs/SEMANTIC.md).
 */
int pb_member_recs(struct pb_store *st, const struct pb_vecset *vs,
                   int64_t user_id, size_t k, struct pb_ranked *out,
                   size_t *out_n) PB_WUR;

#endif
