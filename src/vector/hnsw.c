/* hnsw.c - HNSW graph over int8 vectors (hnsw.h). */
#include "vector/hnsw.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fmap.h"
#include "core/mem.h"

#define MAX_LEVEL 16

struct pb_hnsw {
    const struct pb_vecset *vs;
    uint32_t M, M0, efc, n, cap, entry, max_level;
    uint64_t rng;
    uint8_t *level;
    uint32_t *upper_off; /* node's level-1 list at upper + off */
    uint32_t *l0;        /* n x (M0 + 1) */
    uint32_t *upper;
    size_t n_upper, cap_upper;
    int owned;
    void *map;
    size_t map_len;
    struct pb_hnsw_scratch *sc; /* for adds */
};

struct cand {
    float sim;
    uint32_t id;
};

struct heap {
    struct cand *v;
    size_t n, cap;
};

struct pb_hnsw_scratch {
    uint32_t *seen, tag;
    size_t n_seen;
    struct heap cands, res;
    struct cand *tmp;
    size_t cap_tmp;
};

/* max-heap on sim when max, else min-heap */
static void hpush(struct heap *h, struct cand c, int max)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = pb_reallocarray(h->v, h->cap, sizeof *h->v);
    }
    size_t i = h->n++;
    while (i) {
        size_t p = (i - 1) / 2;
        if (max ? h->v[p].sim >= c.sim : h->v[p].sim <= c.sim)
            break;
        h->v[i] = h->v[p];
        i = p;
    }
    h->v[i] = c;
}

static struct cand hpop(struct heap *h, int max)
{
    struct cand top = h->v[0], last = h->v[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t l = 2 * i + 1, m = l;
        if (l >= n)
            break;
        if (l + 1 < n && (max ? h->v[l + 1].sim > h->v[l].sim
                              : h->v[l + 1].sim < h->v[l].sim))
            m = l + 1;
        if (max ? h->v[m].sim <= last.sim : h->v[m].sim >= last.sim)
            break;
        h->v[i] = h->v[m];
        i = m;
    }
    if (n)
        h->v[i] = last;
    return top;
}

struct pb_hnsw_scratch *pb_hnsw_scratch_new(void)
{
    return pb_calloc(1, sizeof(struct pb_hnsw_scratch));
}

void pb_hnsw_scratch_free(struct pb_hnsw_scratch *sc)
{
    if (!sc)
        return;
    free(sc->seen);
    free(sc->cands.v);
    free(sc->res.v);
    free(sc->tmp);
    free(sc);
}

static void seen_reset(struct pb_hnsw_scratch *sc, size_t n)
{
    if (sc->n_seen < n) {
        free(sc->seen);
        sc->n_seen = n + n / 2 + 1024;
        sc->seen = pb_calloc(sc->n_seen, sizeof *sc->seen);
        sc->tag = 0;
    }
    if (++sc->tag == 0) {
        memset(sc->seen, 0, sc->n_seen * sizeof *sc->seen);
        sc->tag = 1;
    }
}

static inline float sim_q(const struct pb_hnsw *h, const int8_t *q,
                          float qscale, uint32_t id)
{
    const struct pb_vecset *vs = h->vs;
    return qscale * pb_vecset_scale(vs, id) *
           (float)pb_vec_dot_i8(q, pb_vecset_q(vs, id), pb_vecset_dim_pad(vs));
}

static inline uint32_t *links(const struct pb_hnsw *h, uint32_t id,
                              uint32_t lev)
{
    if (lev == 0)
        return h->l0 + (size_t)id * (h->M0 + 1);
    return h->upper + h->upper_off[id] + (size_t)(lev - 1) * (h->M + 1);
}

struct pb_hnsw *pb_hnsw_new(const struct pb_vecset *vs, uint32_t M,
                            uint32_t ef_construction, uint64_t seed)
{
    struct pb_hnsw *h = pb_calloc(1, sizeof *h);
    h->vs = vs;
    h->M = M < 2 ? 2 : M > 64 ? 64 : M;
    h->M0 = 2 * h->M;
    h->efc = ef_construction < h->M ? h->M : ef_construction;
    h->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
    h->owned = 1;
    h->sc = pb_hnsw_scratch_new();
    return h;
}

void pb_hnsw_free(struct pb_hnsw *h)
{
    if (!h)
        return;
    if (h->owned) {
        free(h->level);
        free(h->upper_off);
        free(h->l0);
        free(h->upper);
    }
    if (h->map)
        pb_fmap_free(h->map, h->map_len);
    pb_hnsw_scratch_free(h->sc);
    free(h);
}

uint32_t pb_hnsw_size(const struct pb_hnsw *h) { return h->n; }

/* Greedy beam search on one level from the entries in sc->res; leaves the
 * ef best in sc->res (a min-heap). */
static void search_level(const struct pb_hnsw *h, struct pb_hnsw_scratch *sc,
                         const int8_t *q, float qscale, uint32_t ep,
                         uint32_t ef, uint32_t lev)
{
    struct heap *C = &sc->cands, *W = &sc->res;
    C->n = W->n = 0;
    seen_reset(sc, h->n);
    struct cand e = {sim_q(h, q, qscale, ep), ep};
    sc->seen[ep] = sc->tag;
    hpush(C, e, 1);
    hpush(W, e, 0);
    while (C->n) {
        struct cand c = hpop(C, 1);
        if (W->n >= ef && c.sim < W->v[0].sim)
            break;
        const uint32_t *l = links(h, c.id, lev);
        uint32_t cnt = l[0];
        /* the neighbours' vectors are scattered over the file: ask for all
         * of them before the first distance (as hnswlib does) */
        for (uint32_t i = 1; i <= cnt; i++)
            __builtin_prefetch(pb_vecset_q(h->vs, l[i]));
        for (uint32_t i = 1; i <= cnt; i++) {
            uint32_t nb = l[i];
            if (sc->seen[nb] == sc->tag)
                continue;
            sc->seen[nb] = sc->tag;
            float s = sim_q(h, q, qscale, nb);
            if (W->n < ef || s > W->v[0].sim) {
                hpush(C, (struct cand){s, nb}, 1);
                hpush(W, (struct cand){s, nb}, 0);
                if (W->n > ef)
                    (void)hpop(W, 0);
            }
        }
    }
}

static uint32_t greedy(const struct pb_hnsw *h, const int8_t *q, float qscale,
                       uint32_t ep, uint32_t from, uint32_t to)
{
    float best = sim_q(h, q, qscale, ep);
    for (uint32_t lev = from; lev > to; lev--) {
        int moved = 1;
        while (moved) {
            moved = 0;
            const uint32_t *l = links(h, ep, lev);
            for (uint32_t i = 1; i <= l[0]; i++) {
                float s = sim_q(h, q, qscale, l[i]);
                if (s > best) {
                    best = s;
                    ep = l[i];
                    moved = 1;
                }
            }
        }
    }
    return ep;
}

static int by_sim_desc(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->sim != y->sim)
        return x->sim > y->sim ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static float sim_nodes(const struct pb_hnsw *h, uint32_t a, uint32_t b)
{
    return sim_q(h, pb_vecset_q(h->vs, a), pb_vecset_scale(h->vs, a), b);
}

/* The heuristic: keep a candidate only when it is nearer to the base than
 * to every neighbour already kept (sorted c[0..n), best first). */
static size_t select_nb(const struct pb_hnsw *h, struct cand *c, size_t n,
                        uint32_t m)
{
    size_t kept = 0, pruned = 0;
    struct cand *rest = pb_reallocarray(NULL, n ? n : 1, sizeof *rest);
    for (size_t i = 0; i < n && kept < m; i++) {
        int good = 1;
        for (size_t j = 0; j < kept && good; j++)
            if (sim_nodes(h, c[i].id, c[j].id) > c[i].sim)
                good = 0;
        if (good)
            c[kept++] = c[i];
        else
            rest[pruned++] = c[i];
    }
    /* keep pruned connections (the paper's keepPrunedConnections): where
     * points crowd together (near-duplicate papers, tight topics) the
     * heuristic alone keeps one or two links and can cut a cluster off */
    for (size_t i = 0; i < pruned && kept < m; i++)
        c[kept++] = rest[i];
    free(rest);
    return kept;
}

static void tmp_reserve(struct pb_hnsw_scratch *sc, size_t n)
{
    if (sc->cap_tmp < n) {
        sc->cap_tmp = n * 2;
        sc->tmp = pb_reallocarray(sc->tmp, sc->cap_tmp, sizeof *sc->tmp);
    }
}

static void connect_back(struct pb_hnsw *h, uint32_t nb, uint32_t id,
                         uint32_t lev)
{
    uint32_t *l = links(h, nb, lev), cap = lev ? h->M : h->M0;
    if (l[0] < cap) {
        l[++l[0]] = id;
        return;
    }
    struct pb_hnsw_scratch *sc = h->sc;
    tmp_reserve(sc, cap + 1);
    struct cand *c = sc->tmp;
    for (uint32_t i = 0; i < l[0]; i++)
        c[i] = (struct cand){sim_nodes(h, nb, l[i + 1]), l[i + 1]};
    c[cap] = (struct cand){sim_nodes(h, nb, id), id};
    qsort(c, cap + 1, sizeof *c, by_sim_desc);
    size_t k = select_nb(h, c, cap + 1, cap);
    l[0] = (uint32_t)k;
    for (size_t i = 0; i < k; i++)
        l[i + 1] = c[i].id;
}

static void grow(struct pb_hnsw *h, uint32_t need)
{
    if (h->owned && need <= h->cap)
        return;
    uint32_t cap = h->cap > 1024 ? h->cap : 1024;
    while (cap < need)
        cap *= 2;
    size_t l0w = h->M0 + 1;
    uint8_t *level = pb_reallocarray(h->owned ? h->level : NULL, cap, 1);
    uint32_t *uo = pb_reallocarray(h->owned ? h->upper_off : NULL, cap, 4);
    uint32_t *l0 = pb_reallocarray(h->owned ? h->l0 : NULL, cap, l0w * 4);
    uint32_t *up = h->owned ? h->upper : NULL;
    if (!h->owned) {
        h->cap_upper = h->n_upper + 1024;
        up = pb_reallocarray(NULL, h->cap_upper, 4);
        memcpy(level, h->level, h->n);
        memcpy(uo, h->upper_off, (size_t)h->n * 4);
        memcpy(l0, h->l0, (size_t)h->n * l0w * 4);
        memcpy(up, h->upper, h->n_upper * 4);
        if (h->map)
            pb_fmap_free(h->map, h->map_len);
        h->map = NULL;
    }
    h->level = level;
    h->upper_off = uo;
    h->l0 = l0;
    h->upper = up;
    h->cap = cap;
    h->owned = 1;
}

static uint32_t random_level(struct pb_hnsw *h)
{
    h->rng ^= h->rng << 13;
    h->rng ^= h->rng >> 7;
    h->rng ^= h->rng << 17;
    double u = ((double)(h->rng >> 11) + 0.5) / 9007199254740992.0;
    double l = -log(u) / log((double)h->M);
    return l >= MAX_LEVEL ? MAX_LEVEL : (uint32_t)l;
}

static void add_one(struct pb_hnsw *h)
{
    uint32_t id = h->n;
    grow(h, id + 1);
    uint32_t L = random_level(h);
    h->level[id] = (uint8_t)L;
    h->upper_off[id] = (uint32_t)h->n_upper;
    if (L) {
        size_t need = h->n_upper + (size_t)L * (h->M + 1);
        if (need > h->cap_upper) {
            h->cap_upper = need * 2;
            h->upper = pb_reallocarray(h->upper, h->cap_upper, 4);
        }
        memset(h->upper + h->n_upper, 0, (size_t)L * (h->M + 1) * 4);
        h->n_upper = need;
    }
    /* the whole row: the file holds every slot, the unused ones too, and
     * a slot never written would carry whatever the heap held there */
    memset(h->l0 + (size_t)id * (h->M0 + 1), 0, (h->M0 + 1) * 4);
    h->n++;
    if (id == 0) {
        h->entry = 0;
        h->max_level = L;
        return;
    }
    const int8_t *q = pb_vecset_q(h->vs, id);
    float qs = pb_vecset_scale(h->vs, id);
    uint32_t ep = greedy(h, q, qs, h->entry, h->max_level, L);
    struct pb_hnsw_scratch *sc = h->sc;
    for (uint32_t lev = L < h->max_level ? L : h->max_level;; lev--) {
        search_level(h, sc, q, qs, ep, h->efc, lev);
        size_t n = sc->res.n;
        tmp_reserve(sc, n + h->M0 + 2);
        struct cand *c = pb_reallocarray(NULL, n ? n : 1, sizeof *c);
        memcpy(c, sc->res.v, n * sizeof *c);
        qsort(c, n, sizeof *c, by_sim_desc);
        ep = c[0].id;
        size_t k = select_nb(h, c, n, h->M);
        uint32_t *l = links(h, id, lev);
        l[0] = (uint32_t)k;
        for (size_t i = 0; i < k; i++)
            l[i + 1] = c[i].id;
        for (size_t i = 0; i < k; i++)
            connect_back(h, c[i].id, id, lev);
        free(c);
        if (lev == 0)
            break;
    }
    if (L > h->max_level) {
        h->max_level = L;
        h->entry = id;
    }
}

/* Mark every level-0 node reachable from the ones already on the stack
 * (ids in stack[0..top)); returns how many were newly marked. */
static uint32_t mark_from(const struct pb_hnsw *h, uint8_t *mark,
                          uint32_t *stack, uint32_t top)
{
    uint32_t n = 0;
    while (top) {
        uint32_t v = stack[--top];
        const uint32_t *l = links(h, v, 0);
        for (uint32_t i = 1; i <= l[0]; i++)
            if (!mark[l[i]]) {
                mark[l[i]] = 1;
                stack[top++] = l[i];
                n++;
            }
    }
    return n;
}

/* The slot of r's level-0 list that may give way to a new in-link: the
 * neighbour with the most in-links, if it has another one and was not
 * itself linked in by a repair (pinned); 0 when none may. */
static uint32_t yielding_slot(const struct pb_hnsw *h, uint32_t r,
                              const uint32_t *indeg, const uint8_t *pinned)
{
    const uint32_t *l = links(h, r, 0);
    uint32_t at = 0;
    for (uint32_t i = 1; i <= l[0]; i++)
        if (indeg[l[i]] > 1 && !pinned[l[i]] &&
            (!at || indeg[l[i]] > indeg[l[at]]))
            at = i;
    return at;
}

/* The level-0 graph must reach every node from the entry point. The
 * heuristic's pruning of full neighbour lists can take away a node's last
 * in-link, most often among near-duplicate vectors (many identical
 * distances), and such a node can then never be found, at any ef. After a
 * batch of inserts, every node the entry does not reach is linked from a
 * reachable node near it (found by a search like an insert's; the nearest
 * with a free slot, else the nearest with a link that may give way), and
 * what it reaches becomes reachable too. Returns how many nodes were
 * re-linked. */
static size_t reconnect(struct pb_hnsw *h)
{
    if (h->n < 2)
        return 0;
    uint8_t *mark = pb_calloc(h->n, 1);
    uint32_t *stack = pb_reallocarray(NULL, h->n, sizeof *stack);
    uint32_t *indeg = pb_calloc(h->n, sizeof *indeg);
    uint8_t *pinned = pb_calloc(h->n, 1);
    size_t fixed = 0;
    for (uint32_t v = 0; v < h->n; v++) {
        const uint32_t *l = links(h, v, 0);
        for (uint32_t i = 1; i <= l[0]; i++)
            indeg[l[i]]++;
    }
    uint32_t ep0 = h->entry;
    mark[ep0] = 1;
    stack[0] = ep0;
    uint32_t seen = 1 + mark_from(h, mark, stack, 1);
    for (uint32_t u = 0; u < h->n && seen < h->n; u++) {
        if (mark[u])
            continue;
        const int8_t *q = pb_vecset_q(h->vs, u);
        float qs = pb_vecset_scale(h->vs, u);
        uint32_t ep = greedy(h, q, qs, h->entry, h->max_level, 0);
        search_level(h, h->sc, q, qs, ep, h->efc, 0);
        /* the nearest reachable node with a free slot, else the nearest
         * whose list has a link that may give way, else the entry */
        struct heap *W = &h->sc->res;
        qsort(W->v, W->n, sizeof *W->v, by_sim_desc);
        uint32_t r = UINT32_MAX, at = 0;
        for (size_t i = 0; i < W->n && r == UINT32_MAX; i++)
            if (W->v[i].id != u && mark[W->v[i].id] &&
                links(h, W->v[i].id, 0)[0] < h->M0)
                r = W->v[i].id;
        for (size_t i = 0; i < W->n && r == UINT32_MAX; i++)
            if (W->v[i].id != u && mark[W->v[i].id] &&
                (at = yielding_slot(h, W->v[i].id, indeg, pinned)))
                r = W->v[i].id;
        if (r == UINT32_MAX) {
            r = ep0;
            at = yielding_slot(h, r, indeg, pinned);
        }
        uint32_t *l = links(h, r, 0);
        if (l[0] < h->M0) {
            l[++l[0]] = u;
        } else {
            if (!at) /* every link of the entry is someone's only one */
                at = l[0];
            indeg[l[at]]--;
            l[at] = u;
        }
        indeg[u]++;
        pinned[u] = 1;
        fixed++;
        mark[u] = 1;
        stack[0] = u;
        seen += 1 + mark_from(h, mark, stack, 1);
    }
    /* A search starts on level 0 where the upper levels led it, so every
     * node of an upper level must reach the entry too: a cluster whose
     * links all stay inside it would keep a search there. Nodes that reach
     * the entry are found on the reversed graph; an upper node that does
     * not gets a link to the nearest node that does. */
    uint32_t *off = pb_calloc((size_t)h->n + 1, sizeof *off);
    for (uint32_t v = 0; v < h->n; v++)
        off[v + 1] = off[v] + indeg[v];
    uint32_t *rev = pb_reallocarray(NULL, off[h->n] ? off[h->n] : 1,
                                    sizeof *rev);
    uint32_t *fill = pb_reallocarray(NULL, h->n, sizeof *fill);
    memcpy(fill, off, (size_t)h->n * sizeof *fill);
    for (uint32_t v = 0; v < h->n; v++) {
        const uint32_t *l = links(h, v, 0);
        for (uint32_t i = 1; i <= l[0]; i++)
            rev[fill[l[i]]++] = v;
    }
    memset(mark, 0, h->n);
    mark[ep0] = 1;
    uint32_t top = 0;
    stack[top++] = ep0;
    for (;;) {
        while (top) {
            uint32_t v = stack[--top];
            for (uint32_t i = off[v]; i < off[v + 1]; i++)
                if (!mark[rev[i]]) {
                    mark[rev[i]] = 1;
                    stack[top++] = rev[i];
                }
        }
        uint32_t u = 0;
        while (u < h->n && (mark[u] || !h->level[u]))
            u++;
        if (u == h->n)
            break;
        const int8_t *q = pb_vecset_q(h->vs, u);
        float qs = pb_vecset_scale(h->vs, u);
        search_level(h, h->sc, q, qs, ep0, h->efc, 0);
        struct heap *W = &h->sc->res;
        qsort(W->v, W->n, sizeof *W->v, by_sim_desc);
        uint32_t w = ep0;
        for (size_t i = 0; i < W->n; i++)
            if (W->v[i].id != u && mark[W->v[i].id]) {
                w = W->v[i].id;
                break;
            }
        uint32_t *l = links(h, u, 0);
        if (l[0] < h->M0) {
            l[++l[0]] = w;
        } else {
            uint32_t at = yielding_slot(h, u, indeg, pinned);
            l[at ? at : l[0]] = w; /* the reversed lists are not updated:
                                    * u is marked, nothing else reads them */
        }
        fixed++;
        mark[u] = 1; /* and all that reaches u: only via the old reversed
                      * lists, which still hold u's in-links */
        stack[top++] = u;
    }
    free(off);
    free(rev);
    free(fill);
    free(mark);
    free(stack);
    free(indeg);
    free(pinned);
    return fixed;
}

size_t pb_hnsw_add_all(struct pb_hnsw *h)
{
    if (h->n >= pb_vecset_size(h->vs))
        return 0;
    while (h->n < pb_vecset_size(h->vs))
        add_one(h);
    /* a replaced link can, rarely, cut off another node: check again */
    size_t fixed = 0, more = 1;
    for (int pass = 0; pass < 4 && more; pass++)
        fixed += more = reconnect(h);
    return fixed;
}

uint32_t pb_hnsw_reachable(const struct pb_hnsw *h)
{
    if (!h->n)
        return 0;
    uint8_t *mark = pb_calloc(h->n, 1);
    uint32_t *stack = pb_reallocarray(NULL, h->n, sizeof *stack);
    mark[h->entry] = 1;
    stack[0] = h->entry;
    uint32_t n = 1 + mark_from(h, mark, stack, 1);
    free(mark);
    free(stack);
    return n;
}

void pb_hnsw_search(const struct pb_hnsw *h, struct pb_hnsw_scratch *sc,
                    const int8_t *q, float qscale, size_t k, uint32_t ef,
                    struct pb_vhit *hits, size_t *out_n)
{
    *out_n = 0;
    if (!h->n || !k)
        return;
    if (ef < k)
        ef = (uint32_t)k;
    uint32_t ep = greedy(h, q, qscale, h->entry, h->max_level, 0);
    search_level(h, sc, q, qscale, ep, ef, 0);
    size_t n = sc->res.n;
    tmp_reserve(sc, n + 1);
    memcpy(sc->tmp, sc->res.v, n * sizeof *sc->tmp);
    qsort(sc->tmp, n, sizeof *sc->tmp, by_sim_desc);
    size_t m = 0;
    for (size_t i = 0; i < n && m < k; i++) {
        int64_t pid = pb_vecset_pid(h->vs, sc->tmp[i].id);
        if (pid >= 0)
            hits[m++] = (struct pb_vhit){pid, sc->tmp[i].id, sc->tmp[i].sim};
    }
    *out_n = m;
}

double pb_hnsw_bytes_per_node(const struct pb_hnsw *h)
{
    if (!h->n)
        return 0;
    return (double)((size_t)h->n * (1 + 4 + (h->M0 + 1) * 4) +
                    h->n_upper * 4) / h->n;
}

static size_t pad8(size_t n) { return (n + 7u) & ~(size_t)7u; }

int pb_hnsw_save(const struct pb_hnsw *h, const char *path,
                 struct pb_err *err)
{
    char tmp[4200];
    int m = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (m < 0 || (size_t)m >= sizeof tmp)
        return pb_err_set(err, PB_ETOOBIG, "path too long");
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return pb_err_set(err, PB_EIO, "%s: %s", tmp, strerror(errno));
    unsigned char hd[64] = {0};
    uint32_t u[6] = {h->M, h->M0, h->efc, h->n, h->entry, h->max_level};
    uint64_t nu = h->n_upper;
    memcpy(hd, "PBHNSW01", 8);
    memcpy(hd + 8, u, sizeof u);
    memcpy(hd + 32, &h->rng, 8);
    memcpy(hd + 40, &nu, 8);
    fwrite(hd, 1, 64, f);
    static const char z[8];
    fwrite(h->level, 1, h->n, f);
    fwrite(z, 1, pad8(h->n) - h->n, f);
    fwrite(h->upper_off, 4, h->n, f);
    fwrite(z, 1, pad8((size_t)h->n * 4) - (size_t)h->n * 4, f);
    fwrite(h->l0, 4, (size_t)h->n * (h->M0 + 1), f);
    fwrite(h->upper, 4, h->n_upper, f);
    if (ferror(f) | (fclose(f) != 0)) {
        remove(tmp);
        return pb_err_set(err, PB_EIO, "%s: write failed", tmp);
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return pb_err_set(err, PB_EIO, "%s: %s", path, strerror(errno));
    }
    return PB_OK;
}

int pb_hnsw_from_mem(const void *data, size_t len, const struct pb_vecset *vs,
                     struct pb_hnsw **out, struct pb_err *err)
{
    const unsigned char *p = data;
    *out = NULL;
    if (len < 64 || memcmp(p, "PBHNSW01", 8) != 0)
        return pb_err_set(err, PB_EPARSE, "graph: not a .hnsw file");
    uint32_t u[6];
    uint64_t rng, nu;
    memcpy(u, p + 8, sizeof u);
    memcpy(&rng, p + 32, 8);
    memcpy(&nu, p + 40, 8);
    uint32_t M = u[0], M0 = u[1], n = u[3], entry = u[4], maxl = u[5];
    if (M < 2 || M > 64 || M0 != 2 * M || n > pb_vecset_size(vs) ||
        (n && entry >= n) || maxl > MAX_LEVEL || nu > (uint64_t)n * MAX_LEVEL * 65)
        return pb_err_set(err, PB_EPARSE, "graph: bad header");
    size_t o_level = 64, o_uo = pad8(o_level + n);
    size_t o_l0 = pad8(o_uo + (size_t)n * 4);
    size_t o_up = o_l0 + (size_t)n * (M0 + 1) * 4;
    if (o_up + nu * 4 != len)
        return pb_err_set(err, PB_EPARSE, "graph: size does not match");
    const uint8_t *level = p + o_level;
    const uint32_t *uo = (const uint32_t *)(const void *)(p + o_uo);
    const uint32_t *l0 = (const uint32_t *)(const void *)(p + o_l0);
    const uint32_t *up = (const uint32_t *)(const void *)(p + o_up);
    /* every link must stay inside the graph: searches trust them */
    if (n && level[entry] != maxl)
        return pb_err_set(err, PB_EPARSE, "graph: bad entry point");
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t *l = l0 + (size_t)i * (M0 + 1);
        if (level[i] > maxl || l[0] > M0)
            return pb_err_set(err, PB_EPARSE, "graph: node %u malformed", i);
        for (uint32_t j = 1; j <= l[0]; j++)
            if (l[j] >= n)
                return pb_err_set(err, PB_EPARSE, "graph: bad link");
        if ((uint64_t)uo[i] + (uint64_t)level[i] * (M + 1) > nu)
            return pb_err_set(err, PB_EPARSE, "graph: bad upper offset");
        for (uint32_t lev = 0; lev < level[i]; lev++) {
            const uint32_t *ul = up + uo[i] + (size_t)lev * (M + 1);
            if (ul[0] > M)
                return pb_err_set(err, PB_EPARSE, "graph: node %u malformed", i);
            for (uint32_t j = 1; j <= ul[0]; j++)
                if (ul[j] >= n || level[ul[j]] < lev + 1)
                    return pb_err_set(err, PB_EPARSE, "graph: bad link");
        }
    }
    struct pb_hnsw *h = pb_hnsw_new(vs, M, u[2], rng);
    h->owned = 0;
    h->n = n;
    h->cap = n;
    h->entry = entry;
    h->max_level = maxl;
    h->rng = rng;
    h->n_upper = nu;
    h->level = (uint8_t *)(uintptr_t)level;
    h->upper_off = (uint32_t *)(uintptr_t)uo;
    h->l0 = (uint32_t *)(uintptr_t)l0;
    h->upper = (uint32_t *)(uintptr_t)up;
    *out = h;
    return PB_OK;
}

int pb_hnsw_open(const char *path, const struct pb_vecset *vs,
                 struct pb_hnsw **out, struct pb_err *err)
{
    *out = NULL;
    void *map;
    size_t len;
    int rc = pb_fmap(path, 64, "a graph file", &map, &len, err);
    if (rc)
        return rc;
    rc = pb_hnsw_from_mem(map, len, vs, out, err);
    if (rc) {
        pb_fmap_free(map, len);
        return rc;
    }
    (*out)->map = map;
    (*out)->map_len = len;
    return PB_OK;
}
