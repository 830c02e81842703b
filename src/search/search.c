/* search.c - query evaluation: MaxScore top-k, filters, counts, facets,
 * explanations (see search.h). */
#include "search/search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "search/search_int.h"

/* A query clause bound to its cursors. */
struct cclause {
    const struct pb_qclause *qc;
    struct cursor *c[PB_QUERY_MAX_PHRASE];
    size_t n;
    unsigned fields;
    double idf, ub;
    uint32_t doc;
    uint32_t ptf[PB_NFIELDS]; /* phrase frequency per field at doc */
};

struct hent {
    double key, score;
    uint32_t doc;
};

struct pb_searcher {
    struct pb_index *ix;
    struct pb_analyzer *az;
    struct pb_bm25 p;
    int own_params;
    double *fnorm;
    size_t fnorm_cap;
    uint64_t fnorm_gen;
    int fnorm_valid;
    struct pb_query q;
    struct cursor *cur; /* PB_QUERY_MAX_CLAUSES * PB_QUERY_MAX_PHRASE */
    struct cclause cl[PB_QUERY_MAX_CLAUSES];
    struct cclause *should[PB_QUERY_MAX_CLAUSES], *must[PB_QUERY_MAX_CLAUSES],
        *mustnot[PB_QUERY_MAX_CLAUSES];
    size_t n_should, n_must, n_mustnot, n_cur;
    struct hent *heap;
    size_t heap_n, heap_k;
    /* filters, resolved */
    int32_t after, before;
    int n_qcats;
    int qcats[8];
    uint32_t *iddocs;
    size_t n_iddocs;
    int empty;
    double scale; /* block bound scale; 0 = no bounds */
    enum pb_sort sort;
    uint64_t scored;
};

struct pb_searcher *pb_searcher_new(struct pb_index *ix)
{
    struct pb_searcher *s = pb_calloc(1, sizeof *s);
    s->ix = ix;
    s->az = pb_analyzer_new();
    s->cur = pb_calloc(PB_QUERY_MAX_CLAUSES * PB_QUERY_MAX_PHRASE,
                       sizeof *s->cur);
    return s;
}

void pb_searcher_free(struct pb_searcher *s)
{
    if (!s)
        return;
    pb_analyzer_free(s->az);
    free(s->cur);
    free(s->fnorm);
    free(s->heap);
    free(s->iddocs);
    free(s);
}

void pb_searcher_set_params(struct pb_searcher *s, const struct pb_bm25 *p)
{
    s->own_params = p != NULL;
    if (p)
        s->p = *p;
    s->fnorm_valid = 0;
}

const struct pb_query *pb_searcher_query(const struct pb_searcher *s)
{
    return &s->q;
}

void pb_results_clear(struct pb_results *r)
{
    free(r->hits);
    free(r->explain);
    memset(r, 0, sizeof *r);
}

static void update_fnorm(struct pb_searcher *s)
{
    struct pb_index *ix = s->ix;
    if (!s->own_params)
        s->p = ix->params;
    size_t n = ix->d.n;
    if (s->fnorm_valid && s->fnorm_gen == ix->gen && n * PB_NFIELDS <= s->fnorm_cap)
        return;
    if (n * PB_NFIELDS > s->fnorm_cap) {
        s->fnorm_cap = (n + n / 4 + 1024) * PB_NFIELDS;
        free(s->fnorm);
        s->fnorm = pb_reallocarray(NULL, s->fnorm_cap, sizeof *s->fnorm);
    }
    double avg[PB_NFIELDS], c0[PB_NFIELDS], c1[PB_NFIELDS];
    for (int f = 0; f < PB_NFIELDS; f++) {
        avg[f] = ix->n_live ? ix->flen_sum[f] / (double)ix->n_live : 0;
        c0[f] = 1 - s->p.b[f];
        c1[f] = avg[f] > 0 ? s->p.b[f] / avg[f] : 0;
    }
    for (size_t d = 0; d < n; d++)
        for (int f = 0; f < PB_NFIELDS; f++)
            s->fnorm[d * PB_NFIELDS + f] =
                s->p.w[f] / (c0[f] + c1[f] * ix->d.flen[d][f]);
    s->fnorm_gen = ix->gen;
    s->fnorm_valid = 1;
}

static inline double sat(const struct pb_searcher *s, double x)
{
    return x * (s->p.k1 + 1) / (s->p.k1 + x);
}

/* ---- clauses ------------------------------------------------------------- */

static int phrase_match(struct pb_searcher *s, struct cclause *cl)
{
    static const size_t CAP = 2048;
    uint16_t pos[PB_QUERY_MAX_PHRASE][2048];
    size_t np[PB_QUERY_MAX_PHRASE];
    uint32_t total = 0;
    (void)s;
    for (int f = 0; f < PB_NFIELDS; f++) {
        cl->ptf[f] = 0;
        if (!(cl->fields & (1u << f)))
            continue;
        int skip = 0;
        for (size_t k = 0; k < cl->n; k++) {
            if (!pb_cursor_tf(cl->c[k], f)) {
                skip = 1;
                break;
            }
        }
        if (skip)
            continue;
        for (size_t k = 0; k < cl->n; k++)
            np[k] = pb_cursor_positions(cl->c[k], f, pos[k], CAP);
        size_t at[PB_QUERY_MAX_PHRASE] = {0};
        for (size_t i = 0; i < np[0]; i++) {
            uint32_t p0 = pos[0][i];
            int ok = 1;
            for (size_t k = 1; k < cl->n && ok; k++) {
                uint32_t want = p0 + cl->qc->terms[k].rel;
                while (at[k] < np[k] && pos[k][at[k]] < want)
                    at[k]++;
                ok = at[k] < np[k] && pos[k][at[k]] == want;
            }
            if (ok)
                cl->ptf[f]++;
        }
        total += cl->ptf[f];
    }
    return total > 0;
}

static int fields_have(const struct cclause *cl)
{
    for (int f = 0; f < PB_NFIELDS; f++)
        if ((cl->fields & (1u << f)) && pb_cursor_tf(cl->c[0], f))
            return 1;
    return 0;
}

/* Move cl to its first match >= target. */
static void cl_advance(struct pb_searcher *s, struct cclause *cl,
                       uint32_t target)
{
    if (cl->doc != DOC_END && cl->doc >= target && target != 0)
        return;
    if (cl->n == 1) {
        struct cursor *c = cl->c[0];
        pb_cursor_advance(c, target);
        if (cl->fields != PB_F_ALL)
            while (c->doc != DOC_END && !fields_have(cl))
                pb_cursor_next(c);
        cl->doc = c->doc;
        return;
    }
    uint32_t d = target;
    for (;;) {
        int again = 0;
        for (size_t k = 0; k < cl->n; k++) {
            pb_cursor_advance(cl->c[k], d);
            if (cl->c[k]->doc == DOC_END) {
                cl->doc = DOC_END;
                return;
            }
            if (cl->c[k]->doc > d) {
                d = cl->c[k]->doc;
                again = 1;
            }
        }
        if (again)
            continue;
        if (phrase_match(s, cl)) {
            cl->doc = d;
            return;
        }
        d++;
    }
}

static double cl_score(const struct pb_searcher *s, const struct cclause *cl,
                       uint32_t doc)
{
    const double *fn = s->fnorm + (size_t)doc * PB_NFIELDS;
    double x = 0;
    if (cl->n == 1) {
        const struct cursor *c = cl->c[0];
        if (cl->fields == PB_F_ALL) {
            if (c->in_delta) {
                for (int f = 0; f < PB_NFIELDS; f++)
                    x += c->dtf[c->di][f] * fn[f];
            } else {
                x = c->tf[0][c->i] * fn[0] + c->tf[1][c->i] * fn[1] +
                    c->tf[2][c->i] * fn[2] + c->tf[3][c->i] * fn[3];
            }
        } else {
            for (int f = 0; f < PB_NFIELDS; f++)
                if (cl->fields & (1u << f))
                    x += pb_cursor_tf(c, f) * fn[f];
        }
    } else {
        for (int f = 0; f < PB_NFIELDS; f++)
            x += cl->ptf[f] * fn[f];
    }
    return cl->idf * sat(s, x);
}

/* Upper bound of cl's score on the block holding target (0 when cl has no
 * posting >= target). */
static double cl_block_ub(struct pb_searcher *s, struct cclause *cl,
                          uint32_t target)
{
    if (cl->n != 1)
        return cl->ub;
    double m = pb_cursor_block_maxtf(cl->c[0], target, s->scale);
    return m < 0 ? 0 : cl->idf * sat(s, m) * (1 + 1e-9);
}

/* ---- filters -------------------------------------------------------------- */

static int accept(struct pb_searcher *s, uint32_t d)
{
    const struct pb_index *ix = s->ix;
    if (ix->d.deleted[d])
        return 0;
    if (s->after != INT32_MIN || s->before != INT32_MAX) {
        int32_t day = ix->d.day[d];
        if (day == DAY_NONE || day < s->after || day > s->before)
            return 0;
    }
    if (s->n_qcats) {
        int ok = 0;
        for (uint32_t k = ix->d.cat_off[d]; k < ix->d.cat_off[d + 1] && !ok; k++)
            for (int j = 0; j < s->n_qcats; j++)
                if (ix->d.cats[k] == s->qcats[j])
                    ok = 1;
        if (!ok)
            return 0;
    }
    if (s->n_iddocs) {
        int ok = 0;
        for (size_t k = 0; k < s->n_iddocs; k++)
            ok |= s->iddocs[k] == d;
        if (!ok)
            return 0;
    }
    for (size_t k = 0; k < s->n_mustnot; k++) {
        struct cclause *cl = s->mustnot[k];
        if (cl->doc != DOC_END && cl->doc < d)
            cl_advance(s, cl, d);
        if (cl->doc == d)
            return 0;
    }
    return 1;
}

/* ---- top-k heap (min-heap on (key, -doc)) ---------------------------------- */

static inline int worse(const struct hent *a, const struct hent *b)
{
    return a->key < b->key || (a->key == b->key && a->doc > b->doc);
}

static void heap_push(struct pb_searcher *s, double key, double score,
                      uint32_t doc)
{
    struct hent e = {key, score, doc};
    struct hent *h = s->heap;
    if (s->heap_n < s->heap_k) {
        size_t i = s->heap_n++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!worse(&e, &h[p]))
                break;
            h[i] = h[p];
            i = p;
        }
        h[i] = e;
        return;
    }
    if (!worse(&h[0], &e))
        return;
    size_t i = 0, n = s->heap_n;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct hent *best = &e;
        if (l < n && worse(&h[l], best)) {
            m = l;
            best = &h[l];
        }
        if (r < n && worse(&h[r], best))
            m = r;
        if (m == i)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = e;
}

static inline double threshold(const struct pb_searcher *s)
{
    return s->heap_n == s->heap_k ? s->heap[0].key : -INFINITY;
}

static double sort_key(const struct pb_searcher *s, uint32_t d, double score)
{
    switch (s->sort) {
    case PB_SORT_DATE:
        return s->ix->d.day[d] == DAY_NONE ? -1e12 : s->ix->d.day[d];
    case PB_SORT_UPVOTES:
        return s->ix->d.upv[d];
    default:
        return score;
    }
}

/* ---- evaluation ------------------------------------------------------------- */

static int cmp_ub_asc(const void *a, const void *b)
{
    double x = (*(struct cclause *const *)a)->ub,
           y = (*(struct cclause *const *)b)->ub;
    return x < y ? -1 : x > y;
}

static int cmp_df_asc(const void *a, const void *b)
{
    uint64_t x = (*(struct cclause *const *)a)->c[0]->df,
             y = (*(struct cclause *const *)b)->c[0]->df;
    return x < y ? -1 : x > y;
}

/* Only SHOULD clauses: MaxScore (Turtle & Flood) with block bounds on the
 * non-essential lists; with prune 0 a plain union. */
static void run_should(struct pb_searcher *s, int prune)
{
    size_t n = s->n_should;
    struct cclause **cl = s->should;
    double cum[PB_QUERY_MAX_CLAUSES];
    qsort(cl, n, sizeof *cl, cmp_ub_asc);
    for (size_t i = 0; i < n; i++)
        cum[i] = (i ? cum[i - 1] : 0) + cl[i]->ub;
    size_t fe = 0;
    for (;;) {
        uint32_t d = DOC_END;
        for (size_t i = fe; i < n; i++)
            if (cl[i]->doc < d)
                d = cl[i]->doc;
        if (d == DOC_END)
            break;
        double th = threshold(s);
        if (prune && s->heap_n == s->heap_k) {
            /* Block-max skip: no document up to the nearest block end of
             * the essential lists can beat the threshold. */
            double b = fe ? cum[fe - 1] : 0;
            uint32_t end = DOC_END - 1;
            for (size_t i = fe; i < n; i++) {
                if (cl[i]->doc == DOC_END)
                    continue;
                b += cl_block_ub(s, cl[i], d);
                uint32_t e = cl[i]->n == 1
                                 ? pb_cursor_block_last(cl[i]->c[0], d)
                                 : DOC_END - 1;
                if (e < end)
                    end = e;
            }
            if (b <= th) {
                for (size_t i = fe; i < n; i++)
                    if (cl[i]->doc <= end)
                        cl_advance(s, cl[i], end + 1);
                continue;
            }
        }
        int skip = !accept(s, d);
        double score = 0;
        if (!skip) {
            for (size_t i = fe; i < n; i++)
                if (cl[i]->doc == d)
                    score += cl_score(s, cl[i], d);
            if (prune && fe > 0 && s->heap_n == s->heap_k) {
                double b = score;
                for (size_t i = 0; i < fe; i++)
                    b += cl_block_ub(s, cl[i], d);
                if (b <= th)
                    skip = 1;
            }
            for (size_t i = fe; i-- > 0 && !skip;) {
                if (prune && s->heap_n == s->heap_k && score + cum[i] <= th) {
                    skip = 1;
                    break;
                }
                cl_advance(s, cl[i], d);
                if (cl[i]->doc == d)
                    score += cl_score(s, cl[i], d);
            }
        }
        for (size_t i = fe; i < n; i++)
            if (cl[i]->doc == d)
                cl_advance(s, cl[i], d + 1);
        if (skip)
            continue;
        s->scored++;
        heap_push(s, sort_key(s, d, score), score, d);
        if (prune && s->heap_n == s->heap_k) {
            th = threshold(s);
            while (fe < n && cum[fe] <= th)
                fe++;
        }
    }
}

/* At least one MUST clause: walk their intersection, add the SHOULDs. */
static void run_must(struct pb_searcher *s, int prune)
{
    struct cclause **m = s->must, **sh = s->should;
    size_t nm = s->n_must, ns = s->n_should;
    double should_ub = 0, rest[PB_QUERY_MAX_CLAUSES + 1];
    qsort(m, nm, sizeof *m, cmp_df_asc);
    qsort(sh, ns, sizeof *sh, cmp_ub_asc);
    /* rest[i]: bound of should clauses 0..i-1 (visited high to low) */
    rest[0] = 0;
    for (size_t i = 0; i < ns; i++)
        rest[i + 1] = rest[i] + sh[i]->ub;
    should_ub = rest[ns];
    uint32_t d = 0;
    for (;;) {
        cl_advance(s, m[0], d);
        d = m[0]->doc;
        if (d == DOC_END)
            break;
        int again = 0;
        for (size_t k = 1; k < nm; k++) {
            cl_advance(s, m[k], d);
            if (m[k]->doc != d) {
                d = m[k]->doc;
                again = 1;
                break;
            }
        }
        if (d == DOC_END)
            break;
        if (again)
            continue;
        if (accept(s, d)) {
            double score = 0;
            for (size_t k = 0; k < nm; k++)
                score += cl_score(s, m[k], d);
            int skip = 0;
            double th = threshold(s);
            if (prune && s->heap_n == s->heap_k && score + should_ub <= th)
                skip = 1;
            for (size_t i = ns; i-- > 0 && !skip;) {
                if (prune && s->heap_n == s->heap_k && score + rest[i + 1] <= th) {
                    skip = 1;
                    break;
                }
                cl_advance(s, sh[i], d);
                if (sh[i]->doc == d)
                    score += cl_score(s, sh[i], d);
            }
            if (!skip) {
                s->scored++;
                heap_push(s, sort_key(s, d, score), score, d);
            }
        }
        d++;
    }
}

static void run_filter_only(struct pb_searcher *s)
{
    size_t n = s->ix->d.n;
    if (s->n_iddocs) {
        for (size_t k = 0; k < s->n_iddocs; k++)
            if (accept(s, s->iddocs[k])) {
                s->scored++;
                heap_push(s, sort_key(s, s->iddocs[k], 0), 0, s->iddocs[k]);
            }
        return;
    }
    for (size_t d = 0; d < n; d++)
        if (accept(s, (uint32_t)d)) {
            s->scored++;
            heap_push(s, sort_key(s, (uint32_t)d, 0), 0, (uint32_t)d);
        }
}

static void reset_clauses(struct pb_searcher *s)
{
    for (size_t i = 0; i < s->q.n_cl; i++) {
        struct cclause *cl = &s->cl[i];
        for (size_t k = 0; k < cl->n; k++) {
            pb_cursor_close(cl->c[k]);
        }
    }
}

/* Bind the parsed query to the index: cursors, idf, bounds, filters. */
static void compile(struct pb_searcher *s)
{
    struct pb_index *ix = s->ix;
    const struct pb_query *q = &s->q;
    s->n_should = s->n_must = s->n_mustnot = 0;
    s->empty = 0;
    size_t ci = 0;
    for (size_t i = 0; i < q->n_cl; i++) {
        const struct pb_qclause *qc = &q->cl[i];
        struct cclause *cl = &s->cl[i];
        cl->qc = qc;
        cl->n = qc->n_terms;
        cl->fields = qc->fields;
        cl->idf = 0;
        double minub = INFINITY;
        int missing = 0;
        for (size_t k = 0; k < qc->n_terms; k++) {
            const struct term_disk *tm;
            const struct dterm *td;
            pb_index_lookup(ix, qc->terms[k].t, qc->terms[k].len, &tm, &td);
            cl->c[k] = &s->cur[ci++];
            pb_cursor_open(cl->c[k], ix, tm, td, s->fnorm);
            if (!cl->c[k]->df)
                missing = 1;
            cl->idf += pb_idf(ix, cl->c[k]->df, s->p.fts5_idf);
            double m = pb_cursor_term_maxtf(cl->c[k], s->scale);
            if (m < minub)
                minub = m;
        }
        cl->ub = missing ? 0 : cl->idf * sat(s, minub) * (1 + 1e-9);
        cl->doc = 0;
        if (missing)
            cl->doc = DOC_END;
        else
            cl_advance(s, cl, 0);
        if (qc->occur == PB_MUST) {
            s->must[s->n_must++] = cl;
            if (cl->doc == DOC_END)
                s->empty = 1;
        } else if (qc->occur == PB_MUST_NOT) {
            s->mustnot[s->n_mustnot++] = cl;
        } else {
            s->should[s->n_should++] = cl;
        }
    }
    s->after = q->after_day;
    s->before = q->before_day;
    s->n_qcats = 0;
    for (size_t i = 0; i < q->n_cats; i++) {
        int c = pb_index_cat_find(ix, q->cats[i]);
        for (size_t k = 0; c < 0 && k < ix->n_cat_names; k++)
            if (strcasecmp(ix->cat_names[k], q->cats[i]) == 0)
                c = (int)k;
        if (c >= 0)
            s->qcats[s->n_qcats++] = c;
    }
    if (q->n_cats && !s->n_qcats)
        s->empty = 1;
    s->n_iddocs = 0;
    if (q->n_ids) {
        free(s->iddocs);
        s->iddocs = pb_reallocarray(NULL, 64, sizeof *s->iddocs);
        for (size_t d = 0; d < ix->d.n && s->n_iddocs < 64; d++) {
            size_t len;
            const char *id = pb_index_doc_id(ix, (uint32_t)d, &len);
            for (size_t k = 0; k < q->n_ids; k++)
                if (strlen(q->ids[k]) == len && memcmp(q->ids[k], id, len) == 0 &&
                    !ix->d.deleted[d])
                    s->iddocs[s->n_iddocs++] = (uint32_t)d;
        }
        if (!s->n_iddocs)
            s->empty = 1;
    }
}

/* ---- counting and facets --------------------------------------------------- */

static void count_pass(struct pb_searcher *s, struct pb_results *r)
{
    struct pb_index *ix = s->ix;
    size_t ncat = ix->n_cat_names;
    uint64_t *cat = pb_calloc(ncat + 1, sizeof *cat);
    uint64_t years[300] = {0};
    uint64_t total = 0;
    /* fresh cursors: the scoring pass moved them */
    reset_clauses(s);
    compile(s);
    if (!s->empty) {
        uint32_t d = 0;
        size_t n = ix->d.n;
        for (;;) {
            /* next candidate: from MUSTs, else the union of SHOULDs, else
             * every document */
            if (s->n_must) {
                cl_advance(s, s->must[0], d);
                d = s->must[0]->doc;
                int ok = 1;
                for (size_t k = 1; k < s->n_must && d != DOC_END; k++) {
                    cl_advance(s, s->must[k], d);
                    if (s->must[k]->doc != d) {
                        d = s->must[k]->doc;
                        ok = 0;
                        break;
                    }
                }
                if (d == DOC_END)
                    break;
                if (!ok)
                    continue;
            } else if (s->n_should) {
                uint32_t m = DOC_END;
                for (size_t k = 0; k < s->n_should; k++) {
                    cl_advance(s, s->should[k], d);
                    if (s->should[k]->doc < m)
                        m = s->should[k]->doc;
                }
                d = m;
                if (d == DOC_END)
                    break;
            } else if (d >= n) {
                break;
            }
            if (accept(s, d)) {
                total++;
                for (uint32_t k = ix->d.cat_off[d]; k < ix->d.cat_off[d + 1]; k++)
                    if (ix->d.cats[k] < ncat)
                        cat[ix->d.cats[k]]++;
                int32_t day = ix->d.day[d];
                if (day != DAY_NONE) {
                    int y;
                    unsigned mo, dd;
                    pb_civil_from_days(day, &y, &mo, &dd);
                    if (y >= 1800 && y < 2100)
                        years[y - 1800]++;
                }
            }
            d++;
        }
    }
    r->total = total;
    r->total_exact = 1;
    /* top categories */
    for (size_t k = 0; k < sizeof r->cats / sizeof r->cats[0]; k++) {
        size_t best = ncat;
        for (size_t c = 0; c < ncat; c++)
            if (cat[c] && (best == ncat || cat[c] > cat[best]))
                best = c;
        if (best == ncat)
            break;
        snprintf(r->cats[r->n_cats].name, sizeof r->cats[0].name, "%s",
                 ix->cat_names[best]);
        r->cats[r->n_cats++].count = cat[best];
        cat[best] = 0;
    }
    for (int y = 299; y >= 0 && r->n_years < sizeof r->years / sizeof r->years[0]; y--)
        if (years[y]) {
            snprintf(r->years[r->n_years].name, sizeof r->years[0].name, "%d",
                     y + 1800);
            r->years[r->n_years++].count = years[y];
        }
    free(cat);
}

/* ---- explain ------------------------------------------------------------------ */

static void explain(struct pb_searcher *s, struct pb_results *r)
{
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    int rc = PB_OK;
    for (size_t h = 0; h < r->n_hits && !rc; h++) {
        uint32_t d = r->hits[h].doc;
        reset_clauses(s);
        compile(s);
        double parts[PB_QUERY_MAX_CLAUSES], sum = 0;
        for (size_t i = 0; i < s->q.n_cl; i++) {
            struct cclause *cl = &s->cl[i];
            parts[i] = 0;
            if (cl->qc->occur == PB_MUST_NOT || cl->doc == DOC_END)
                continue;
            cl_advance(s, cl, d);
            if (cl->doc == d)
                parts[i] = cl_score(s, cl, d);
            sum += parts[i];
        }
        rc = pb_buf_printf(&b, "%s score %.4f\n", r->hits[h].id, r->hits[h].score);
        for (size_t i = 0; i < s->q.n_cl && !rc; i++) {
            const struct pb_qclause *qc = &s->q.cl[i];
            if (qc->occur == PB_MUST_NOT)
                continue;
            struct pb_buf t;
            pb_buf_init(&t, 2048);
            for (size_t k = 0; k < qc->n_terms && !rc; k++)
                rc = pb_buf_printf(&t, "%s%s", k ? " " : "", qc->terms[k].t);
            rc = pb_buf_printf(&b, "  %s%s%s%s%s %.4f (%.0f%%, idf %.3f)\n",
                               qc->occur == PB_MUST ? "+" : "",
                               qc->fields != PB_F_ALL ? "field:" : "",
                               qc->n_terms > 1 ? "\"" : "", pb_buf_cstr(&t),
                               qc->n_terms > 1 ? "\"" : "", parts[i],
                               sum > 0 ? 100 * parts[i] / sum : 0,
                               s->cl[i].idf);
            pb_buf_clear(&t);
        }
    }
    r->explain = pb_buf_steal(&b);
}

int pb_search_query(struct pb_searcher *s, const struct pb_query *q,
                    const struct pb_search_opts *o, struct pb_results *out)
{
    if (!s || !q || !out)
        return PB_EINVAL;
    struct pb_search_opts def = {10, 0, 0};
    if (!o)
        o = &def;
    if (&s->q != q)
        s->q = *q;
    memset(out, 0, sizeof *out);
    snprintf(out->notice, sizeof out->notice, "%s", q->notice);
    struct pb_index *ix = s->ix;
    pthread_rwlock_rdlock(&ix->lock);
    update_fnorm(s);
    s->scale = pb_index_bound_scale(ix, &s->p);
    size_t limit = o->limit ? o->limit : 10, off = o->offset;
    if (limit > 1000)
        limit = 1000;
    if (off > 10000)
        off = 10000;
    s->heap_k = limit + off;
    s->heap_n = 0;
    s->heap = pb_reallocarray(s->heap, s->heap_k, sizeof *s->heap);
    s->sort = q->sort;
    s->scored = 0;
    compile(s);
    int has_terms = s->n_must || s->n_should;
    if (!has_terms && s->sort == PB_SORT_RELEVANCE)
        s->sort = PB_SORT_DATE;
    int prune = s->sort == PB_SORT_RELEVANCE && s->scale > 0 &&
                !(o->flags & PB_SEARCH_EXHAUSTIVE);
    if (s->empty || pb_query_empty(q)) {
        /* nothing can match */
    } else if (s->n_must) {
        run_must(s, prune);
    } else if (s->n_should) {
        run_should(s, prune);
    } else {
        run_filter_only(s);
    }
    /* drain the heap, best first */
    size_t n = s->heap_n;
    struct hent *sorted = pb_reallocarray(NULL, n ? n : 1, sizeof *sorted);
    for (size_t i = n; i-- > 0;) {
        sorted[i] = s->heap[0];
        s->heap[0] = s->heap[--s->heap_n];
        /* sift down */
        size_t k = 0, m = s->heap_n;
        for (;;) {
            size_t l = 2 * k + 1, r = l + 1, w = k;
            if (l < m && worse(&s->heap[l], &s->heap[w]))
                w = l;
            if (r < m && worse(&s->heap[r], &s->heap[w]))
                w = r;
            if (w == k)
                break;
            struct hent t = s->heap[k];
            s->heap[k] = s->heap[w];
            s->heap[w] = t;
            k = w;
        }
    }
    out->n_hits = n > off ? n - off : 0;
    out->hits = pb_calloc(out->n_hits ? out->n_hits : 1, sizeof *out->hits);
    for (size_t i = 0; i < out->n_hits; i++) {
        struct pb_hit *h = &out->hits[i];
        uint32_t d = sorted[off + i].doc;
        h->doc = d;
        h->score = sorted[off + i].score;
        h->pid = ix->d.pid[d];
        h->day = ix->d.day[d];
        h->upvotes = ix->d.upv[d];
        size_t len;
        const char *id = pb_index_doc_id(ix, d, &len);
        snprintf(h->id, sizeof h->id, "%.*s", (int)len, id);
    }
    free(sorted);
    out->total = s->scored;
    out->total_exact = !prune;
    if (o->flags & PB_SEARCH_EXPLAIN)
        explain(s, out);
    if (o->flags & PB_SEARCH_COUNT)
        count_pass(s, out);
    reset_clauses(s);
    pthread_rwlock_unlock(&ix->lock);
    return PB_OK;
}

int pb_search(struct pb_searcher *s, const char *q, size_t len,
              const struct pb_search_opts *o, struct pb_results *out)
{
    if (!s || !out || (!q && len))
        return PB_EINVAL;
    int rc = pb_query_parse(s->az, q ? q : "", len, &s->q);
    if (rc)
        return rc;
    return pb_search_query(s, &s->q, o, out);
}

struct pb_analyzer *pb_searcher_analyzer(struct pb_searcher *s);
struct pb_analyzer *pb_searcher_analyzer(struct pb_searcher *s)
{
    return s->az;
}
