/* search.c - query evaluation: MaxScore top-k, filters, counts, facets,
 * explanations (see search.h). */
#include "search/search.h"

#include <math.h>
#include <stdio.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
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
    unsigned idx; /* position in the query: scores are summed in this order */
    unsigned fields;
    double idf, ub;
    double wub; /* bound on the current window (run_should) */
    struct cursor *sc; /* run_should_win's scan cursor (own), or NULL */
    const struct term_disk *tm; /* the term of a single-term clause */
    const struct dterm *td;
    const uint32_t *bnd; /* bnd[impact]: score bound of a posting in
                            run_should_win's fixed point (NULL until it
                            needs it) */
    const double *dbnd; /* the same bounds as doubles (NULL until needed) */
    uint32_t doc;
    uint32_t ptf[PB_NFIELDS]; /* phrase frequency per field at doc */
};

struct hent {
    double key, score;
    uint32_t doc;
};

/* Deleted documents a term's postings still hold, per (term, deletions). */
struct dfent {
    const void *tm, *td;
    uint64_t del_gen;
    uint32_t ndel;
};
#define DFCACHE 1024
/* run_should_win: its window of docids (2^WIN_SHIFT, at most: tests make
 * it smaller; 65,536 measured fastest of 2,048 to 262,144 on the verbose
 * and short queries at 574k and 2.6M papers, docs/BENCHMARKS.md); from
 * how many live clauses it runs (from two: at 2.6M papers a short query of
 * common words walked hundreds of thousands of candidates one by one in
 * run_should; measured); the non-essential clauses' bound left unrefined,
 * as a share of the threshold (measured on the verbose queries) */
#define WIN_SHIFT 16
#define WIN (1u << WIN_SHIFT)
#define WIN_MIN_CLAUSES 2
#define WIN_REFINE 0.3

struct pb_searcher {
    struct pb_index *ix;
    struct pb_analyzer *az;
    struct pb_bm25 p;
    int own_params;
    /* length norms by field length (struct normtab) */
    double *ntab;
    size_t ntab_cap;
    uint64_t ntab_gen;
    int ntab_valid;
    struct normtab nt;
    struct pb_query q;
    struct cursor *cur; /* PB_QUERY_MAX_CLAUSES * PB_QUERY_MAX_PHRASE */
    struct cclause cl[PB_QUERY_MAX_CLAUSES];
    struct cclause *should[PB_QUERY_MAX_CLAUSES], *must[PB_QUERY_MAX_CLAUSES],
        *mustnot[PB_QUERY_MAX_CLAUSES];
    size_t n_should, n_must, n_mustnot, n_cur;
    double part[PB_QUERY_MAX_CLAUSES];
    struct hent *heap;
    size_t heap_n, heap_k;
    /* filters, resolved */
    int32_t after, before;
    int n_qcats, n_notcats;
    int qcats[8], notcats[8];
    uint32_t *iddocs, *notiddocs;
    size_t n_iddocs, n_notiddocs;
    size_t n_notdays;
    int32_t notday_lo[8], notday_hi[8];
    int empty;
    int filters;          /* anything for accept_slow() to check */
    double scale; /* block bound scale; 0 = no bounds */
    enum pb_sort sort;
    uint64_t scored;
    uint64_t count_budget; /* PB_SEARCH_ESTIMATE; 0: PB_COUNT_BUDGET */
    /* deleted docids, ascending, as of dels_gen; df corrections */
    uint32_t *dels;
    size_t n_dels;
    uint64_t dels_gen;
    int dels_valid;
    struct dfent *dfc;
    struct cursor *tmpcur;
    /* run_should_win: scan cursors, impact bound tables, and the window's
     * per-document bound sums */
    struct cursor *scur;
    uint32_t (*bnd)[256];
    double (*dbnd)[256];
    uint32_t *wacc; /* WIN entries */
    uint32_t win;   /* the window's length: WIN, or less (tests) */
    double wfx; /* wacc's fixed-point unit: 1 / wfx */
};

struct pb_searcher *pb_searcher_new(struct pb_index *ix)
{
    struct pb_searcher *s = pb_calloc(1, sizeof *s);
    s->ix = ix;
    s->az = pb_analyzer_new();
    s->cur = pb_calloc(PB_QUERY_MAX_CLAUSES * PB_QUERY_MAX_PHRASE,
                       sizeof *s->cur);
    s->dfc = pb_calloc(DFCACHE, sizeof *s->dfc);
    s->tmpcur = pb_calloc(1, sizeof *s->tmpcur);
    s->scur = pb_calloc(PB_QUERY_MAX_CLAUSES, sizeof *s->scur);
    s->bnd = pb_calloc(PB_QUERY_MAX_CLAUSES, sizeof *s->bnd);
    s->dbnd = pb_calloc(PB_QUERY_MAX_CLAUSES, sizeof *s->dbnd);
    s->wacc = pb_calloc(WIN, sizeof *s->wacc);
    s->win = WIN;
    return s;
}

void pb_searcher_free(struct pb_searcher *s)
{
    if (!s)
        return;
    pb_analyzer_free(s->az);
    free(s->cur);
    free(s->ntab);
    free(s->heap);
    free(s->iddocs);
    free(s->notiddocs);
    free(s->dels);
    free(s->dfc);
    free(s->tmpcur);
    free(s->scur);
    free(s->bnd);
    free(s->dbnd);
    free(s->wacc);
    free(s);
}

void pb_searcher_set_params(struct pb_searcher *s, const struct pb_bm25 *p)
{
    s->own_params = p != NULL;
    if (p)
        s->p = *p;
    s->ntab_valid = 0;
}

void pb_searcher_set_count_budget(struct pb_searcher *s, uint64_t n)
{
    s->count_budget = n;
}

void pb_searcher_set_window(struct pb_searcher *s, unsigned shift)
{
    s->win = shift >= 4 && shift < WIN_SHIFT ? 1u << shift : WIN;
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

/* The norm tables for the current averages: one entry per field length up
 * to the longest (an array the size of the length range instead of one
 * entry per document keeps scoring's random reads to the 8-byte flen). */
static void update_norms(struct pb_searcher *s)
{
    struct pb_index *ix = s->ix;
    if (!s->own_params)
        s->p = ix->params;
    s->nt.flen = (const uint16_t(*)[PB_NFIELDS])ix->d.flen;
    if (s->ntab_valid && s->ntab_gen == ix->gen)
        return;
    size_t need = 0;
    for (int f = 0; f < PB_NFIELDS; f++)
        need += (size_t)ix->flen_max[f] + 1;
    if (need > s->ntab_cap) {
        s->ntab_cap = need + need / 4 + 256;
        free(s->ntab);
        s->ntab = pb_reallocarray(NULL, s->ntab_cap, sizeof *s->ntab);
    }
    double *t = s->ntab;
    for (int f = 0; f < PB_NFIELDS; f++) {
        double avg = ix->n_live ? ix->flen_sum[f] / (double)ix->n_live : 0;
        double c0 = 1 - s->p.b[f], c1 = avg > 0 ? s->p.b[f] / avg : 0;
        for (size_t len = 0; len <= ix->flen_max[f]; len++)
            t[len] = s->p.w[f] / (c0 + c1 * (double)len);
        s->nt.t[f] = t;
        t += (size_t)ix->flen_max[f] + 1;
    }
    s->ntab_gen = ix->gen;
    s->ntab_valid = 1;
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

static void cl_advance_slow(struct pb_searcher *s, struct cclause *cl,
                            uint32_t target);

/* Move cl to its first match >= target. */
static inline void cl_advance(struct pb_searcher *s, struct cclause *cl,
                              uint32_t target)
{
    if (cl->n == 1 && cl->fields == PB_F_ALL) {
        struct cursor *c = cl->c[0];
        if (c->doc < target) {
            if (!c->in_delta && c->i + 1 < c->n &&
                c->docs[c->i + 1] >= target) {
                c->doc = c->docs[++c->i];
            } else {
                pb_cursor_advance(c, target);
            }
        }
        cl->doc = c->doc;
        return;
    }
    cl_advance_slow(s, cl, target);
}

static void cl_advance_slow(struct pb_searcher *s, struct cclause *cl,
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

/* The score of single-term clause cl at doc, read from cursor c (on
 * doc): its main cursor or its scan cursor. */
static inline double cur_score(const struct pb_searcher *s,
                               const struct cclause *cl, struct cursor *c,
                               uint32_t doc)
{
    uint32_t tf[PB_NFIELDS];
    if (c->in_delta)
        for (int f = 0; f < PB_NFIELDS; f++)
            tf[f] = c->dtf[c->di][f];
    else if (c->tf_ready || ++c->tf_peeks > c->tf_peek_max) {
        /* unpack the block's tfs once many of its postings are scored */
        if (!c->tf_ready)
            pb_cursor_load_tf(c);
        for (int f = 0; f < PB_NFIELDS; f++)
            tf[f] = c->tf[f][c->i];
    } else {
        for (int f = 0; f < PB_NFIELDS; f++)
            tf[f] = pb_bitget(c->tfp[f], c->i, c->wtf[f]);
    }
    if (cl->fields != PB_F_ALL)
        for (int f = 0; f < PB_NFIELDS; f++)
            if (!(cl->fields & (1u << f)))
                tf[f] = 0;
    return cl->idf * sat(s, pb_doc_pseudo_tf(&s->nt, doc, tf));
}

static double cl_score(const struct pb_searcher *s, const struct cclause *cl,
                       uint32_t doc)
{
    if (cl->n == 1)
        return cur_score(s, cl, cl->c[0], doc);
    return cl->idf * sat(s, pb_doc_pseudo_tf(&s->nt, doc, cl->ptf));
}

/* Upper bound of cl's score on docs in [lo, hi] (0 when it has no posting
 * there). */
static double cl_window_ub(struct pb_searcher *s, struct cclause *cl,
                           uint32_t lo, uint32_t hi)
{
    if (cl->doc == DOC_END || cl->doc > hi)
        return 0;
    if (cl->n != 1)
        return cl->ub;
    if (cl->doc > lo)
        lo = cl->doc;
    double m = pb_cursor_range_maxtf(cl->c[0], lo, hi, s->scale);
    return m < 0 ? 0 : cl->idf * sat(s, m) * (1 + 1e-9);
}

/* ---- filters -------------------------------------------------------------- */

static int accept_slow(struct pb_searcher *s, uint32_t d)
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
    if (s->n_notdays) {
        int32_t day = ix->d.day[d];
        for (size_t k = 0; k < s->n_notdays && day != DAY_NONE; k++)
            if (day >= s->notday_lo[k] && day <= s->notday_hi[k])
                return 0;
    }
    if (s->n_notcats)
        for (uint32_t k = ix->d.cat_off[d]; k < ix->d.cat_off[d + 1]; k++)
            for (int j = 0; j < s->n_notcats; j++)
                if (ix->d.cats[k] == s->notcats[j])
                    return 0;
    for (size_t k = 0; k < s->n_notiddocs; k++)
        if (s->notiddocs[k] == d)
            return 0;
    for (size_t k = 0; k < s->n_mustnot; k++) {
        struct cclause *cl = s->mustnot[k];
        if (cl->doc != DOC_END && cl->doc < d)
            cl_advance(s, cl, d);
        if (cl->doc == d)
            return 0;
    }
    return 1;
}

/* Without filters only deletions count. */
static inline int accept(struct pb_searcher *s, uint32_t d)
{
    if (!s->filters)
        return !s->ix->n_deleted || !s->ix->d.deleted[d];
    return accept_slow(s, d);
}

/* ---- top-k heap (min-heap on (key, -pid)) ---------------------------------- */

/* Ties go to the smaller pid (the older paper): the same order whatever
 * docids a rebuild gave (it indexes on several threads). */
static inline int worse(const struct pb_searcher *s, const struct hent *a,
                        const struct hent *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    return a->doc != b->doc &&
           s->ix->d.pid[a->doc] > s->ix->d.pid[b->doc];
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
            if (!worse(s, &e, &h[p]))
                break;
            h[i] = h[p];
            i = p;
        }
        h[i] = e;
        return;
    }
    if (!worse(s, &h[0], &e))
        return;
    size_t i = 0, n = s->heap_n;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct hent *best = &e;
        if (l < n && worse(s, &h[l], best)) {
            m = l;
            best = &h[l];
        }
        if (r < n && worse(s, &h[r], best))
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

/* Can a document whose score is at most x (an exact partial score plus
 * bounds of the rest) not make the top-k, whose threshold is th? Bounds
 * are inflated (1 + 1e-9) over the exact parts, but a bound can be 0 (no
 * clause left), and partial sums are added in another order than the
 * final score: so a document that may tie the threshold (ties go to the
 * older paper) is kept. */
static inline int cannot(double x, double th)
{
    return x * (1 + 1e-12) < th;
}

/* Clauses by window bound, ascending (few: insertion sort). */
static void sort_wub(struct cclause **cl, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct cclause *x = cl[i];
        size_t j = i;
        for (; j > 0 && cl[j - 1]->wub > x->wub; j--)
            cl[j] = cl[j - 1];
        cl[j] = x;
    }
}

/* The score of a document from the clause parts in mask, summed in query
 * order so that the pruned and the exhaustive passes (which meet clauses
 * in different orders) give bit-identical scores and so the same ties. */
static double sum_parts(const struct pb_searcher *s, uint64_t mask)
{
    double x = 0;
    while (mask) {
        unsigned i = (unsigned)__builtin_ctzll(mask);
        x += s->part[i];
        mask &= mask - 1;
    }
    return x;
}

/* Add the clauses cl[n-1], ..., cl[0] (best bound first; cum[i] bounds
 * cl[0..i] together) to d's partial score and clause mask while d can
 * still make the top-k at threshold th. 0: it cannot (the sums are then
 * partial and d is dropped); 1: *score and *mask are d's whole score. */
static int add_rest(struct pb_searcher *s, struct cclause **cl, size_t n,
                    const double *cum, double th, uint32_t d, double *score,
                    uint64_t *mask)
{
    for (size_t i = n; i-- > 0;) {
        if (cannot(*score + cum[i], th))
            return 0;
        cl_advance(s, cl[i], d);
        if (cl[i]->doc == d) {
            double x = cl_score(s, cl[i], d);
            s->part[cl[i]->idx] = x;
            *mask |= 1ull << cl[i]->idx;
            *score += x;
        }
    }
    return 1;
}

/* cl's score bound by impact byte (search_int.h): idf sat(q / IMP_SCALE
 * scale) inflated, at most the clause's bound; IMP_OPEN: the clause's
 * bound. */
static const double *cl_dbounds(struct pb_searcher *s, struct cclause *cl)
{
    if (!cl->dbnd) {
        double *b = s->dbnd[cl->idx];
        for (int q = 0; q <= IMP_OPEN; q++) {
            double v = cl->idf * sat(s, q / IMP_SCALE * s->scale) * (1 + 1e-9);
            b[q] = q == IMP_OPEN || v > cl->ub ? cl->ub : v;
        }
        cl->dbnd = b;
    }
    return cl->dbnd;
}

/* A bound of cl's score at the posting its cursor is on, without reading
 * the document's field lengths: the posting's impact byte on the main
 * segment, the window's bound otherwise (the delta, a phrase). */
static inline double cl_doc_bound(struct pb_searcher *s, struct cclause *cl)
{
    struct cursor *c = cl->c[0];
    if (cl->n != 1 || c->in_delta)
        return cl->wub;
    return cl_dbounds(s, cl)[c->imp[(size_t)c->bi * BLK + c->i]];
}

/*
 * Only SHOULD clauses: block-max MaxScore over windows of docids (as in
 * Lucene's MaxScoreBulkScorer). A window ends at the nearest block end of
 * the clauses that were essential in the last window; on it each clause is
 * bounded by the maxima of its blocks there, the clauses are split into
 * non-essential ones (whose bounds together cannot beat the threshold) and
 * essential ones, and only documents of the essential ones are candidates;
 * the others are looked up, best bound first, while the candidate can still
 * make the top-k. A window where no clause set can beat the threshold is
 * skipped without decoding anything. With prune 0 a plain union.
 */
static void run_should(struct pb_searcher *s, int prune)
{
    size_t n = s->n_should;
    struct cclause **cl = s->should;
    double cum[PB_QUERY_MAX_CLAUSES];
    size_t fe = 0; /* cl[fe..n) essential */
    uint32_t d0 = 0;
    for (;;) {
        /* the window [d0, wend] */
        uint32_t wend = DOC_END - 1;
        size_t ness = 0;
        for (size_t i = fe; i < n; i++) {
            if (cl[i]->doc == DOC_END)
                continue;
            ness++;
            if (cl[i]->n != 1)
                continue;
            uint32_t t = cl[i]->doc > d0 ? cl[i]->doc : d0;
            uint32_t e = pb_cursor_block_last(cl[i]->c[0], t);
            if (e < wend)
                wend = e;
        }
        if (!ness) {
            /* the essential clauses are done: look at the others */
            int left = 0;
            for (size_t i = 0; i < fe; i++)
                left |= cl[i]->doc != DOC_END;
            if (!left)
                break;
            fe = 0;
            continue;
        }
        if (prune && s->heap_n == s->heap_k) {
            double all = 0;
            for (size_t i = 0; i < n; i++)
                if (cl[i]->doc != DOC_END)
                    all += cl[i]->ub;
            if (all <= threshold(s))
                break;
        }
        if (ness > 1 && wend - d0 < 32 * ness && wend < DOC_END - 1)
            wend = d0 + 32 * (uint32_t)ness;
        double th = prune && s->heap_n == s->heap_k ? threshold(s) : -INFINITY;
        for (size_t i = 0; i < n; i++)
            cl[i]->wub = cl_window_ub(s, cl[i], d0, wend);
        sort_wub(cl, n);
        for (size_t i = 0; i < n; i++)
            cum[i] = (i ? cum[i - 1] : 0) + cl[i]->wub;
        fe = 0;
        while (fe < n && cum[fe] <= th)
            fe++;
        for (size_t i = fe; i < n; i++)
            if (cl[i]->doc < d0)
                cl_advance(s, cl[i], d0);
        while (fe < n) {
            uint32_t d = DOC_END;
            for (size_t i = fe; i < n; i++)
                if (cl[i]->doc < d)
                    d = cl[i]->doc;
            if (d > wend)
                break;
            /* the essential clauses' impacts at d plus the others'
             * bounds: most candidates of a long list stop here, before
             * their field lengths (a cache miss each) are read */
            int skip = 0;
            if (th > -INFINITY) {
                double b = fe ? cum[fe - 1] : 0;
                for (size_t i = fe; i < n; i++)
                    if (cl[i]->doc == d)
                        b += cl_doc_bound(s, cl[i]);
                skip = cannot(b, th);
            }
            if (skip || !accept(s, d)) {
                for (size_t i = fe; i < n; i++)
                    if (cl[i]->doc == d)
                        cl_advance(s, cl[i], d + 1);
                continue;
            }
            double score = 0;
            uint64_t mask = 0;
            for (size_t i = fe; i < n; i++) {
                if (cl[i]->doc != d)
                    continue;
                double x = cl_score(s, cl[i], d);
                s->part[cl[i]->idx] = x;
                mask |= 1ull << cl[i]->idx;
                score += x;
                cl_advance(s, cl[i], d + 1);
            }
            if (!add_rest(s, cl, fe, cum, th, d, &score, &mask))
                continue;
            score = sum_parts(s, mask);
            s->scored++;
            heap_push(s, sort_key(s, d, score), score, d);
            if (prune && s->heap_n == s->heap_k) {
                th = threshold(s);
                while (fe < n && cum[fe] <= th)
                    fe++;
            }
        }
        if (wend >= DOC_END - 1)
            break;
        d0 = wend + 1;
    }
}

/* Last docid holding a posting of c, or -1. */
static int64_t cursor_last(const struct cursor *c)
{
    if (c->n_d)
        return c->ddoc[c->n_d - 1];
    if (c->nblk)
        return c->blks[c->nblk - 1].last;
    return -1;
}

/* cl_dbounds() in run_should_win's fixed point: units of 1 / s->wfx,
 * rounded up. */
static const uint32_t *cl_bounds(struct pb_searcher *s, struct cclause *cl)
{
    if (!cl->bnd) {
        uint32_t *b = s->bnd[cl->idx];
        const double *v = cl_dbounds(s, cl);
        for (int q = 0; q <= IMP_OPEN; q++)
            b[q] = (uint32_t)ceil(v[q] * s->wfx);
        cl->bnd = b;
    }
    return cl->bnd;
}

/* A delta posting's exact score as a bound in wacc's fixed point. */
static inline uint32_t fx_score(const struct pb_searcher *s,
                                const struct cclause *cl, struct cursor *c)
{
    double v = cur_score(s, cl, c, c->doc) * (1 + 1e-9);
    if (v > cl->ub)
        v = cl->ub;
    return (uint32_t)ceil(v * s->wfx);
}

/* wacc: bit 30 marks a document an essential clause holds; the sums stay
 * below it (run_should_win chooses wfx so) */
#define WIN_HAS 0x40000000u

/*
 * Add cl's postings in [d0, wend] to the window's per-document bound sums
 * (wacc, from the impacts; exact scores for the delta: win_bound()). An
 * essential clause (ess) also marks its documents (WIN_HAS); a refining
 * one only adds, to every document: win_take16() clears every sum after
 * the window.
 */
static inline __attribute__((always_inline)) void
win_add(struct pb_searcher *s, struct cclause *cl, uint32_t d0, uint32_t wend,
        const int ess)
{
    struct cursor *c = cl->sc;
    const uint32_t *bnd = cl_bounds(s, cl);
    uint32_t *acc = s->wacc, has = ess ? WIN_HAS : 0;
    pb_cursor_advance(c, d0);
    while (c->doc <= wend) {
        if (c->in_delta) {
            uint32_t k = c->doc - d0;
            acc[k] = (acc[k] | has) + fx_score(s, cl, c);
            pb_cursor_next(c);
            continue;
        }
        const uint8_t *ip = c->imp + (size_t)c->bi * BLK;
        const uint32_t *dd = c->docs;
        uint32_t i = c->i, stop = c->n;
        int whole = c->blks[c->bi].last <= wend;
        if (!whole) {
            stop = i;
            while (dd[stop] <= wend)
                stop++;
        }
        for (; i < stop; i++) {
            uint32_t k = dd[i] - d0;
            acc[k] = (acc[k] | has) + bnd[ip[i]];
        }
        if (!whole) {
            c->i = stop;
            c->doc = dd[stop];
            break;
        }
        c->i = c->n - 1;
        pb_cursor_next(c); /* the next block, the delta or the end */
    }
}

/* What win_add() added for the posting cursor c is on. */
static inline uint32_t win_bound(const struct pb_searcher *s,
                                 const struct cclause *cl, struct cursor *c)
{
    if (c->in_delta)
        return fx_score(s, cl, c);
    return cl->bnd[c->imp[(size_t)c->bi * BLK + c->i]];
}

/* The wacc value (WIN_HAS included) at or below which a document's bound
 * plus rest cannot beat th: the bound test of run_should_win, kept on the
 * safe side of the rounding. */
static inline uint32_t win_cut(const struct pb_searcher *s, double th,
                               double rest)
{
    double x = (th - rest) * s->wfx - 1;
    if (!(x >= 0))
        return WIN_HAS - 1; /* every marked document */
    return x >= WIN_HAS - 1 ? 2 * WIN_HAS - 1 : WIN_HAS + (uint32_t)x;
}

/* Which 16 of wacc[k..k+16) are above cut (bit j for k + j); their
 * values into v[16]; clears them. */
static inline uint32_t win_take16(uint32_t *acc, uint32_t cut, uint32_t *v)
{
#ifdef __SSE2__
    __m128i c = _mm_set1_epi32((int)cut), z = _mm_setzero_si128();
    __m128i *p = (__m128i *)acc, *o = (__m128i *)v;
    __m128i a0 = _mm_loadu_si128(p), a1 = _mm_loadu_si128(p + 1),
            a2 = _mm_loadu_si128(p + 2), a3 = _mm_loadu_si128(p + 3);
    _mm_storeu_si128(p, z);
    _mm_storeu_si128(p + 1, z);
    _mm_storeu_si128(p + 2, z);
    _mm_storeu_si128(p + 3, z);
    /* the values are below 2^31: a signed compare */
    __m128i m01 = _mm_packs_epi32(_mm_cmpgt_epi32(a0, c),
                                  _mm_cmpgt_epi32(a1, c));
    __m128i m23 = _mm_packs_epi32(_mm_cmpgt_epi32(a2, c),
                                  _mm_cmpgt_epi32(a3, c));
    uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(m01, m23));
    if (m) {
        _mm_storeu_si128(o, a0);
        _mm_storeu_si128(o + 1, a1);
        _mm_storeu_si128(o + 2, a2);
        _mm_storeu_si128(o + 3, a3);
    }
    return m;
#else
    uint32_t m = 0;
    for (unsigned j = 0; j < 16; j++) {
        v[j] = acc[j];
        m |= (uint32_t)(acc[j] > cut) << j;
        acc[j] = 0;
    }
    return m;
#endif
}

/*
 * Only SHOULD clauses, many of them (a question, a pasted sentence):
 * block-max MaxScore over fixed windows of s->win docids, the essential
 * clauses evaluated term at a time. On each window the clauses are
 * bounded by their blocks' maxima there and split as in run_should into
 * non-essential ones (bounds summing to at most the threshold) and
 * essential ones. The essential clauses' postings in the window add up
 * per document a bound of its score from their impact bytes, without
 * decoding a term frequency, and so do the best non-essential clauses
 * while the others' bounds still sum to much of the threshold; only
 * documents of the essential clauses whose bound plus the unread
 * clauses' bounds beats the threshold are scored exactly (the essential
 * clauses that hold them, then the others best bound first while the
 * document can still make the top-k). A window whose bounds cannot beat
 * the threshold is skipped; when the clauses' global bounds cannot, the
 * search stops. Sums are fixed point (units of 1 / wfx, each bound
 * rounded up), so that a window's sums are cleared in the same sweep
 * that finds its candidates.
 */
static void run_should_win(struct pb_searcher *s)
{
    size_t n = s->n_should;
    struct cclause **cl = s->should;
    double cum[PB_QUERY_MAX_CLAUSES], sum_ub = 0;
    size_t nd = pb_index_ndocs(s->ix);
    for (size_t i = 0; i < n; i++) {
        cl[i]->sc = &s->scur[cl[i]->idx];
        pb_cursor_open(cl[i]->sc, s->ix, cl[i]->tm, cl[i]->td, &s->nt);
        sum_ub += cl[i]->ub;
        /* candidates are sparse here: a scored posting reads its own
         * tfs, unless many of one block are scored */
        cl[i]->c[0]->tf_peek_max = 8;
    }
    /* every sum below WIN_HAS, with room for one rounding per clause */
    s->wfx = 65536.0;
    if (sum_ub * s->wfx > WIN_HAS - 1024)
        s->wfx = (WIN_HAS - 1024) / sum_ub;
    uint32_t *acc = s->wacc;
    const uint32_t win = s->win;
    for (uint32_t d0 = 0; d0 < nd; d0 += win) {
        uint32_t wend = d0 + win - 1 < nd ? d0 + win - 1 : (uint32_t)nd - 1;
        double th = s->heap_n == s->heap_k ? threshold(s) : -INFINITY;
        double all = 0, wall = 0;
        for (size_t i = 0; i < n; i++) {
            if (cl[i]->doc == DOC_END || cursor_last(cl[i]->c[0]) < d0) {
                cl[i]->wub = 0;
                continue;
            }
            all += cl[i]->ub;
            cl[i]->wub = cl_window_ub(s, cl[i], d0, wend);
            wall += cl[i]->wub;
        }
        if (all <= th)
            break;
        if (wall <= th)
            continue;
        sort_wub(cl, n);
        for (size_t i = 0; i < n; i++)
            cum[i] = (i ? cum[i - 1] : 0) + cl[i]->wub;
        size_t fe = 0;
        while (fe < n && cum[fe] <= th)
            fe++;
        for (size_t i = fe; i < n; i++)
            if (cl[i]->wub > 0)
                win_add(s, cl[i], d0, wend, 1);
        /* refine the candidates' bounds with the best non-essential
         * clauses while the others' bounds still sum to much of th */
        size_t r0 = fe;
        while (r0 > 0 && cum[r0 - 1] > WIN_REFINE * th)
            r0--;
        for (size_t i = r0; i < fe; i++)
            if (cl[i]->wub > 0)
                win_add(s, cl[i], d0, wend, 0);
        double rest = r0 ? cum[r0 - 1] : 0;
        uint32_t cut = win_cut(s, th, rest);
        /* past wend nothing was added: sweep the window's own length (the
         * last window, or a small index's only one, is shorter) */
        const uint32_t span = wend - d0 + 1;
        for (uint32_t w = 0; w < span; w += 16) {
            uint32_t v[16], bw = win_take16(acc + w, cut, v);
            for (; bw; bw &= bw - 1) {
                uint32_t j = (uint32_t)__builtin_ctz(bw), d = d0 + w + j;
                if (!accept(s, d))
                    continue;
                /* the scanned clauses, best bound first, while the
                 * document can still make the top-k: its bound is the
                 * exact parts so far, what the scans added for the
                 * clauses not looked up yet, and the unread clauses' */
                uint32_t left = v[j] - WIN_HAS;
                double score = 0;
                uint64_t mask = 0;
                int out = 0;
                for (size_t i = n; i-- > r0 && !out;) {
                    out = cannot(score + left / s->wfx + rest, th);
                    if (out)
                        break;
                    struct cclause *c = cl[i];
                    if (!c->wub)
                        continue;
                    cl_advance(s, c, d);
                    if (c->doc == d) {
                        double x = cl_score(s, c, d);
                        s->part[c->idx] = x;
                        mask |= 1ull << c->idx;
                        score += x;
                        if (c->n == 1)
                            left -= win_bound(s, c, c->c[0]);
                    }
                }
                if (out)
                    continue;
                if (!add_rest(s, cl, r0, cum, th, d, &score, &mask))
                    continue;
                /* a title: clause or a phrase scans its first word's
                 * postings: a candidate may match nothing */
                if (!mask)
                    continue;
                score = sum_parts(s, mask);
                s->scored++;
                heap_push(s, score, score, d);
                if (s->heap_n == s->heap_k) {
                    th = threshold(s);
                    cut = win_cut(s, th, rest);
                }
            }
        }
    }
}

/* Many clauses: run_should_win. */
static int use_win(const struct pb_searcher *s)
{
    size_t live = 0;
    for (size_t i = 0; i < s->n_should; i++)
        live += s->should[i]->doc != DOC_END;
    return live >= WIN_MIN_CLAUSES;
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
            if (prune && s->heap_n == s->heap_k && cannot(score + should_ub, th))
                skip = 1;
            for (size_t i = ns; i-- > 0 && !skip;) {
                if (prune && s->heap_n == s->heap_k &&
                    cannot(score + rest[i + 1], th)) {
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
        if (cl->sc) {
            pb_cursor_close(cl->sc);
            cl->sc = NULL;
        }
    }
}

/* How many deleted documents the postings of (tm, td) still hold: df
 * counts them until the next compaction, and idf should not. Probes the
 * postings at each deleted docid (blocks without one are not decoded);
 * cached per term until the next deletion. */
static uint32_t deleted_postings(struct pb_searcher *s,
                                 const struct term_disk *tm,
                                 const struct dterm *td)
{
    struct pb_index *ix = s->ix;
    if (!s->dels_valid || s->dels_gen != ix->del_gen) {
        s->n_dels = 0;
        free(s->dels);
        s->dels = pb_reallocarray(NULL, ix->n_deleted ? ix->n_deleted : 1,
                                  sizeof *s->dels);
        for (size_t d = 0; d < ix->d.n && s->n_dels < ix->n_deleted; d++)
            if (ix->d.deleted[d])
                s->dels[s->n_dels++] = (uint32_t)d;
        s->dels_gen = ix->del_gen;
        s->dels_valid = 1;
    }
    uintptr_t h = ((uintptr_t)tm * 31 + (uintptr_t)td) * 0x9E3779B97F4A7C15ull;
    struct dfent *e = &s->dfc[(h >> 40) % DFCACHE];
    if (e->tm == tm && e->td == td && e->del_gen == ix->del_gen)
        return e->ndel;
    struct cursor *c = s->tmpcur;
    pb_cursor_open(c, ix, tm, td, NULL);
    uint32_t n = 0;
    for (size_t k = 0; k < s->n_dels && c->doc != DOC_END; k++) {
        pb_cursor_advance(c, s->dels[k]);
        n += c->doc == s->dels[k];
    }
    pb_cursor_close(c);
    e->tm = tm;
    e->td = td;
    e->del_gen = ix->del_gen;
    e->ndel = n;
    return n;
}

/* Docids with one of the ids (at most cap), live ones only. */
static size_t find_ids(const struct pb_index *ix, const char (*ids)[64],
                       size_t n_ids, uint32_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t d = 0; d < ix->d.n && n < cap; d++) {
        size_t len;
        const char *id = pb_index_doc_id(ix, (uint32_t)d, &len);
        for (size_t k = 0; k < n_ids; k++)
            if (strlen(ids[k]) == len && memcmp(ids[k], id, len) == 0 &&
                !ix->d.deleted[d])
                out[n++] = (uint32_t)d;
    }
    return n;
}

static int cat_lookup(const struct pb_index *ix, const char *name)
{
    int c = pb_index_cat_find(ix, name);
    for (size_t k = 0; c < 0 && k < ix->n_cat_names; k++)
        if (strcasecmp(ix->cat_names[k], name) == 0)
            c = (int)k;
    return c;
}

/* Bind the parsed query to the index: cursors, idf, bounds, filters. */
static void set_filters(struct pb_searcher *s)
{
    s->filters = s->after != INT32_MIN || s->before != INT32_MAX ||
                 s->n_qcats || s->n_iddocs || s->n_notdays || s->n_notcats ||
                 s->n_notiddocs || s->n_mustnot;
}

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
        cl->idx = (unsigned)i;
        cl->n = qc->n_terms;
        cl->fields = qc->fields;
        cl->idf = 0;
        cl->bnd = NULL;
        cl->dbnd = NULL;
        double minub = INFINITY;
        int missing = 0;
        for (size_t k = 0; k < qc->n_terms; k++) {
            const struct term_disk *tm;
            const struct dterm *td;
            pb_index_lookup(ix, qc->terms[k].t, qc->terms[k].len, &tm, &td);
            if (k == 0) {
                cl->tm = tm;
                cl->td = td;
            }
            cl->c[k] = &s->cur[ci++];
            pb_cursor_open(cl->c[k], ix, tm, td, &s->nt);
            if (ix->n_deleted && cl->c[k]->df)
                cl->c[k]->df -= deleted_postings(s, tm, td);
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
        int c = cat_lookup(ix, q->cats[i]);
        if (c >= 0)
            s->qcats[s->n_qcats++] = c;
    }
    if (q->n_cats && !s->n_qcats)
        s->empty = 1;
    s->n_notcats = 0;
    for (size_t i = 0; i < q->n_not_cats; i++) {
        int c = cat_lookup(ix, q->not_cats[i]);
        if (c >= 0)
            s->notcats[s->n_notcats++] = c;
    }
    s->n_notdays = q->n_not_days;
    for (size_t i = 0; i < q->n_not_days; i++) {
        s->notday_lo[i] = q->not_day_lo[i];
        s->notday_hi[i] = q->not_day_hi[i];
    }
    s->n_iddocs = s->n_notiddocs = 0;
    if (q->n_ids) {
        free(s->iddocs);
        s->iddocs = pb_reallocarray(NULL, 64, sizeof *s->iddocs);
        s->n_iddocs = find_ids(ix, q->ids, q->n_ids, s->iddocs, 64);
        if (!s->n_iddocs)
            s->empty = 1;
    }
    if (q->n_not_ids) {
        free(s->notiddocs);
        s->notiddocs = pb_reallocarray(NULL, 64, sizeof *s->notiddocs);
        s->n_notiddocs = find_ids(ix, q->not_ids, q->n_not_ids,
                                  s->notiddocs, 64);
    }
    set_filters(s);
}

/* ---- counting and facets --------------------------------------------------- */

/* Postings (deleted ones included) of clause cl's first term. */
static uint64_t clause_raw(const struct cclause *cl)
{
    return (cl->tm ? cl->tm->df : 0) + (cl->td ? cl->td->df : 0);
}

/* Matches in docids [lo, hi): candidates from the MUSTs, else the union
 * of the SHOULDs, else every document; the cursors only move forward, so
 * ranges come in ascending order. *end: no candidate left at all. */
static uint64_t count_range(struct pb_searcher *s, uint32_t lo, uint32_t hi,
                            int *end)
{
    size_t n = s->ix->d.n;
    uint64_t total = 0;
    uint32_t d = lo;
    for (;;) {
        if (s->n_must) {
            cl_advance(s, s->must[0], d);
            d = s->must[0]->doc;
            int ok = 1;
            for (size_t k = 1; k < s->n_must && d != DOC_END && d < hi; k++) {
                cl_advance(s, s->must[k], d);
                if (s->must[k]->doc != d) {
                    d = s->must[k]->doc;
                    ok = 0;
                    break;
                }
            }
            if (d == DOC_END || d >= hi)
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
            if (d == DOC_END || d >= hi)
                break;
        } else if (d >= n || d >= hi) {
            if (d >= n)
                d = DOC_END;
            break;
        }
        total += accept(s, d);
        d++;
    }
    *end = d == DOC_END;
    return total;
}

/* count_pass's sample: one docid range a COUNT_STRATUM docids, 64 to
 * 8,192 ranges */
#define COUNT_STRATUM 512
#define COUNT_STRATA_MIN 64
#define COUNT_STRATA_MAX 8192

/* Rarest MUST first: it drives the intersection, the others skip to it
 * (count_range() counts the same in any order). */
static void sort_musts(struct pb_searcher *s)
{
    for (size_t i = 1; i < s->n_must; i++)
        for (size_t k = i; k > 0 && clause_raw(s->must[k]) <
                                        clause_raw(s->must[k - 1]); k--) {
            struct cclause *t = s->must[k];
            s->must[k] = s->must[k - 1];
            s->must[k - 1] = t;
        }
}

/*
 * The total of the last ranking's query (facets are the ranked top's,
 * facets_of()). One clause of one term with no filter: its live df, no
 * pass. With a budget (> 0) and more possible matches than twice the
 * budget (at most the MUSTs' smallest df, or the SHOULDs' summed dfs):
 * a sample, the first budget / that share of each of n / COUNT_STRATUM
 * equal docid ranges (64 at least, 8,192 at most), and the total is the
 * matches found there x all docids / the docids sampled. Docids follow
 * topic (docorder.c): 64 ranges over 574k papers sampled each topic only
 * at its start or not at all, estimates off by 2.4% (median) and 13.6%
 * (worst of 272 queries); ranges of 512 docids, 0.7% and 3.1%, as 64
 * ranges were in import order (docs/BENCHMARKS.md). A sample that finds
 * under a tenth of the budget (a rare intersection, a narrow filter) is
 * too small to scale: then, and without a budget, every candidate is
 * counted.
 */
static void count_pass(struct pb_searcher *s, struct pb_results *r,
                       uint64_t budget)
{
    struct pb_index *ix = s->ix;
    int end;
    r->total_estimated = 0;
    r->total_exact = 1;
    /* fresh cursors: the scoring pass moved them */
    reset_clauses(s);
    compile(s);
    if (s->empty) {
        r->total = r->total_min = 0;
        return;
    }
    sort_musts(s);
    size_t n_drive = s->n_must ? s->n_must : s->n_should;
    struct cclause **drive = s->n_must ? s->must : s->should;
    if (n_drive == 1 && s->n_must + s->n_should == 1 && drive[0]->n == 1 &&
        drive[0]->fields == PB_F_ALL && !s->filters) {
        /* every posting is a match; compile() took deletions off df */
        r->total = r->total_min =
            drive[0]->doc == DOC_END ? 0 : drive[0]->c[0]->df;
        return;
    }
    uint64_t n = ix->d.n, most = n_drive ? 0 : n;
    for (size_t k = 0; k < n_drive; k++) {
        uint64_t df = clause_raw(drive[k]);
        if (!s->n_must)
            most += df;
        else if (k == 0 || df < most)
            most = df;
    }
    uint64_t strata = n / COUNT_STRATUM;
    if (strata < COUNT_STRATA_MIN)
        strata = COUNT_STRATA_MIN;
    if (strata > COUNT_STRATA_MAX)
        strata = COUNT_STRATA_MAX;
    if (budget && most > 2 * budget && n >= strata) {
        double share = (double)budget / (double)most;
        uint64_t total = 0, sampled = 0;
        end = 0;
        for (uint64_t k = 0; k < strata; k++) {
            uint64_t lo = k * n / strata, next = (k + 1) * n / strata;
            uint64_t len = (uint64_t)ceil(share * (double)(next - lo));
            if (len < 1)
                len = 1;
            if (len > next - lo)
                len = next - lo;
            sampled += len;
            if (!end)
                total += count_range(s, (uint32_t)lo, (uint32_t)(lo + len),
                                     &end);
        }
        if (total >= budget / 10 && total > 0) {
            double est = (double)total * (double)n / (double)sampled;
            r->total = (uint64_t)(est + 0.5);
            r->total_min = total;
            r->total_exact = 0;
            r->total_estimated = 1;
            return;
        }
        reset_clauses(s);
        compile(s);
        sort_musts(s);
    }
    r->total = r->total_min = count_range(s, 0, DOC_END, &end);
}

/* Facets (categories by count, years newest first) of docs[0..n): the
 * best-ranked matches, so that they describe what the reader sees. */
static void facets_of(struct pb_index *ix, const uint32_t *docs, size_t n,
                      struct pb_results *r)
{
    size_t ncat = ix->n_cat_names;
    uint64_t *cat = pb_calloc(ncat + 1, sizeof *cat);
    uint64_t years[300] = {0};
    for (size_t i = 0; i < n; i++) {
        uint32_t d = docs[i];
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
    r->n_cats = r->n_years = 0;
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
    for (int y = 299;
         y >= 0 && r->n_years < sizeof r->years / sizeof r->years[0]; y--)
        if (years[y]) {
            snprintf(r->years[r->n_years].name, sizeof r->years[0].name,
                     "%d", y + 1800);
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
    update_norms(s);
    s->scale = pb_index_bound_scale(ix, &s->p);
    size_t limit = o->limit ? o->limit : 10, off = o->offset;
    if (limit > 1000)
        limit = 1000;
    if (off > 10000)
        off = 10000;
    size_t want = limit + off;
    /* facets follow the ranked results: the best PB_FACET_TOP of them;
     * an estimated total's lower bound wants to know whether more than
     * want documents match: one more in the heap tells */
    int counting = (o->flags & PB_SEARCH_COUNT) != 0;
    int estimate = counting && (o->flags & PB_SEARCH_ESTIMATE);
    s->heap_k = counting && want < PB_FACET_TOP ? PB_FACET_TOP
                : estimate                      ? want + 1
                                                : want;
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
        /* two words or more: the window pass. A lead pass first (every
         * document of the rarest word looked up in the others, for an
         * early threshold) cost more than it saved there (issue 17,
         * docs/BENCHMARKS.md) and is gone */
        if (prune && use_win(s))
            run_should_win(s);
        else
            run_should(s, prune);
    } else {
        run_filter_only(s);
    }
    /* drain the heap, best first */
    size_t n = s->heap_n, n_kept = n;
    struct hent *sorted = pb_reallocarray(NULL, n ? n : 1, sizeof *sorted);
    for (size_t i = n; i-- > 0;) {
        sorted[i] = s->heap[0];
        s->heap[0] = s->heap[--s->heap_n];
        /* sift down */
        size_t k = 0, m = s->heap_n;
        for (;;) {
            size_t l = 2 * k + 1, r = l + 1, w = k;
            if (l < m && worse(s, &s->heap[l], &s->heap[w]))
                w = l;
            if (r < m && worse(s, &s->heap[r], &s->heap[w]))
                w = r;
            if (w == k)
                break;
            struct hent t = s->heap[k];
            s->heap[k] = s->heap[w];
            s->heap[w] = t;
            k = w;
        }
    }
    size_t n_top = n < PB_FACET_TOP ? n : PB_FACET_TOP;
    uint32_t top_docs[PB_FACET_TOP];
    for (size_t i = 0; i < n_top; i++)
        top_docs[i] = sorted[i].doc;
    if (n > want)
        n = want;
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
    if (counting) {
        count_pass(s, out,
                   !estimate         ? 0
                   : s->count_budget ? s->count_budget
                                     : PB_COUNT_BUDGET);
        /* what ranking kept are matches too (more than the hits asked
         * for: there is a next page) */
        if (out->total_min < n_kept)
            out->total_min = n_kept;
        if (out->total < out->total_min)
            out->total = out->total_min;
        facets_of(ix, top_docs, n_top, out);
    } else {
        out->total_min = out->total;
    }
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

/* ---- features for re-ranking ------------------------------------------- */

struct fdoc {
    uint32_t doc;
    size_t at; /* index into the caller's arrays */
};

static int by_doc(const void *a, const void *b)
{
    const struct fdoc *x = a, *y = b;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* The clause's BM25 with only field f's frequencies counted. */
static double cl_field_score(const struct pb_searcher *s,
                             const struct cclause *cl, uint32_t doc, int f)
{
    uint32_t tf[PB_NFIELDS] = {0};
    if (!(cl->fields & (1u << f)))
        return 0;
    tf[f] = cl->n == 1 ? pb_cursor_tf(cl->c[0], f) : cl->ptf[f];
    return tf[f] ? cl->idf * sat(s, pb_doc_pseudo_tf(&s->nt, doc, tf)) : 0;
}

#define PROX_CAP 512
#define PROX_WIN 4

/* Do single-term clauses a and b (both at doc) occur within PROX_WIN
 * positions of each other in field f? */
static int near_in(struct cclause *a, struct cclause *b, int f)
{
    uint16_t pa[PROX_CAP], pb[PROX_CAP];
    if (!pb_cursor_tf(a->c[0], f) || !pb_cursor_tf(b->c[0], f))
        return 0;
    size_t na = pb_cursor_positions(a->c[0], f, pa, PROX_CAP);
    size_t nb = pb_cursor_positions(b->c[0], f, pb, PROX_CAP);
    size_t j = 0;
    for (size_t i = 0; i < na; i++) {
        while (j < nb && pb[j] + PROX_WIN < pa[i])
            j++;
        if (j < nb && pb[j] <= pa[i] + PROX_WIN)
            return 1;
    }
    return 0;
}

int pb_search_features(struct pb_searcher *s, const int64_t *pids, size_t n,
                       struct pb_doc_features *out)
{
    if (!s || (n && (!pids || !out)))
        return PB_EINVAL;
    if (!n)
        return PB_OK;
    memset(out, 0, n * sizeof *out);
    if (!s->q.n_cl)
        return PB_OK;
    struct pb_index *ix = s->ix;
    struct fdoc *fd = pb_calloc(n, sizeof *fd);
    size_t m = 0;
    pthread_rwlock_rdlock(&ix->lock);
    if (ix->pmap_lazy) {
        /* a mapped index builds its pid map on first need; writers are
         * excluded by the write lock, so take it for that once */
        pthread_rwlock_unlock(&ix->lock);
        pthread_rwlock_wrlock(&ix->lock);
        if (ix->pmap_lazy)
            pb_index_pmap_rebuild(ix);
        pthread_rwlock_unlock(&ix->lock);
        pthread_rwlock_rdlock(&ix->lock);
    }
    update_norms(s);
    s->scale = pb_index_bound_scale(ix, &s->p);
    for (size_t i = 0; i < n; i++) {
        uint32_t d;
        if (pb_index_docid(ix, pids[i], &d) == PB_OK && !ix->d.deleted[d])
            fd[m++] = (struct fdoc){d, i};
    }
    qsort(fd, m, sizeof *fd, by_doc);
    compile(s);
    /* the idf mass of the scored clauses, and of adjacent term pairs */
    double idf_all = 0, pair_all = 0;
    struct cclause *prev = NULL;
    for (size_t i = 0; i < s->q.n_cl; i++) {
        struct cclause *cl = &s->cl[i];
        if (cl->qc->occur == PB_MUST_NOT)
            continue;
        idf_all += cl->idf;
        if (prev && prev->n == 1 && cl->n == 1)
            pair_all += prev->idf < cl->idf ? prev->idf : cl->idf;
        prev = cl;
    }
    for (size_t k = 0; k < m; k++) {
        uint32_t d = fd[k].doc;
        struct pb_doc_features *o = &out[fd[k].at];
        prev = NULL;
        int prev_at = 0;
        for (size_t i = 0; i < s->q.n_cl; i++) {
            struct cclause *cl = &s->cl[i];
            if (cl->qc->occur == PB_MUST_NOT)
                continue;
            if (cl->doc != DOC_END && cl->doc < d)
                cl_advance(s, cl, d);
            int at = cl->doc == d;
            if (at) {
                o->bm25 += cl_score(s, cl, d);
                o->title += cl_field_score(s, cl, d, PB_F_TITLE);
                o->abstract += cl_field_score(s, cl, d, PB_F_ABSTRACT);
                o->coverage += cl->idf;
            }
            if (at && prev_at && prev->n == 1 && cl->n == 1 &&
                (near_in(prev, cl, PB_F_TITLE) ||
                 near_in(prev, cl, PB_F_ABSTRACT)))
                o->proximity += prev->idf < cl->idf ? prev->idf : cl->idf;
            prev = cl;
            prev_at = at;
        }
        o->coverage = idf_all > 0 ? o->coverage / idf_all : 0;
        o->proximity = pair_all > 0 ? o->proximity / pair_all : 0;
    }
    reset_clauses(s);
    pthread_rwlock_unlock(&ix->lock);
    free(fd);
    return PB_OK;
}

struct pb_analyzer *pb_searcher_analyzer(struct pb_searcher *s);
struct pb_analyzer *pb_searcher_analyzer(struct pb_searcher *s)
{
    return s->az;
}
