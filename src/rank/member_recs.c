/* member_recs.c - a member's recommendations from their upvotes,
 * collections and "not interested" marks (member_recs.h). */
#include "rank/member_recs.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "rank/recommend.h"
#include "store/store_community.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sort v[0..n) and drop repeats; returns the new n. */
static size_t uniq(int64_t *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    size_t m = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[m - 1])
            v[m++] = v[i];
    return m;
}

static int has(const int64_t *sorted, size_t n, int64_t x)
{
    return bsearch(&x, sorted, n, sizeof x, cmp_i64) != NULL;
}

int pb_member_recs(struct pb_store *st, const struct pb_vecset *vs,
                   int64_t user_id, size_t k, struct pb_ranked *out,
                   size_t *out_n)
{
    *out_n = 0;
    if (!vs)
        return PB_EUNSUP;
    struct pb_cmdb *db = pb_cmdb_new(st);
    int64_t *up = NULL, *coll = NULL, *dis = NULL, *like = NULL;
    size_t n_up = 0, n_coll = 0, n_dis = 0, n_like = 0;
    struct pb_ranked *cand = NULL;
    int rc;
    if ((rc = pb_cmdb_member_pids(db, user_id, PB_MARK_UPVOTED,
                                  PB_CM_MARKS_MAX, &up, &n_up)) ||
        (rc = pb_cmdb_member_pids(db, user_id, PB_MARK_COLLECTED,
                                  PB_CM_MARKS_MAX, &coll, &n_coll)) ||
        (rc = pb_cmdb_member_pids(db, user_id, PB_MARK_DISMISSED,
                                  PB_CM_MARKS_MAX, &dis, &n_dis)))
        goto out;
    like = pb_reallocarray(NULL, n_up + n_coll + 1, sizeof *like);
    if (n_up)
        memcpy(like, up, n_up * sizeof *like);
    if (n_coll)
        memcpy(like + n_up, coll, n_coll * sizeof *like);
    n_like = uniq(like, n_up + n_coll);
    /* liked wins over dismissed; dis keeps only the rest */
    size_t m = 0;
    for (size_t i = 0; i < n_dis; i++)
        if (!has(like, n_like, dis[i]))
            dis[m++] = dis[i];
    n_dis = uniq(dis, m);
    size_t with_vec = 0;
    for (size_t i = 0; i < n_like; i++)
        with_vec += pb_vecset_slot(vs, like[i]) >= 0;
    if (!with_vec) {
        rc = PB_ENOTFOUND;
        goto out;
    }
    if (!k)
        goto out;
    struct pb_rec_opts o;
    pb_rec_defaults(&o);
    /* ask for a few more than k: hidden and deleted papers are dropped
     * after ranking; ask again for more in the rare case that was not
     * enough */
    size_t live = pb_vecset_live(vs);
    for (size_t want = k + k / 4 + 8;; want *= 4) {
        size_t n = 0;
        cand = pb_reallocarray(cand, want, sizeof *cand);
        if ((rc = pb_recommend(vs, like, n_like, dis, n_dis, &o, want, cand,
                               &n))) {
            rc = rc == PB_EINVAL ? PB_ENOTFOUND : rc;
            goto out;
        }
        *out_n = 0;
        for (size_t i = 0; i < n && *out_n < k; i++) {
            int shown = 0;
            if ((rc = pb_cmdb_paper_shown(db, cand[i].key, &shown)))
                goto out;
            if (shown)
                out[(*out_n)++] = cand[i];
        }
        if (*out_n == k || n < want || want >= live)
            break;
    }
out:
    if (rc)
        *out_n = 0;
    free(up);
    free(coll);
    free(dis);
    free(like);
    free(cand);
    pb_cmdb_free(db);
    return rc;
}
