/* index.c - documents, the delta segment, add and delete (see index.h). */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmap.h"
#include "core/mem.h"
#include "search/search_int.h"

static const char *const field_names[PB_NFIELDS] = {"title", "abstract",
                                                     "authors", "keywords"};

const char *pb_field_name(int f)
{
    return f >= 0 && f < PB_NFIELDS ? field_names[f] : "?";
}

void pb_bm25_defaults(struct pb_bm25 *p)
{
    static const double w[PB_NFIELDS] = {2.0, 1.0, 1.0, 1.5};
    memset(p, 0, sizeof *p);
    p->k1 = 1.2;
    for (int f = 0; f < PB_NFIELDS; f++) {
        p->b[f] = 0.75;
        p->w[f] = w[f];
    }
}

struct pb_index *pb_index_new(const struct pb_bm25 *params)
{
    struct pb_index *ix = pb_calloc(1, sizeof *ix);
    pthread_rwlock_init(&ix->lock, NULL);
    if (params)
        ix->params = *params;
    else
        pb_bm25_defaults(&ix->params);
    ix->n_dslots = 1024;
    ix->dslots = pb_calloc(ix->n_dslots, sizeof *ix->dslots);
    ix->d.cat_off = pb_calloc(1, sizeof *ix->d.cat_off);
    ix->d.id_off = pb_calloc(1, sizeof *ix->d.id_off);
    return ix;
}

void pb_index_free(struct pb_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->n_dterms; i++) {
        free(ix->dterms[i]->buf);
        free(ix->dterms[i]->buf2);
        free(ix->dterms[i]);
    }
    free(ix->dterms);
    free(ix->tscr);
    free(ix->dslots);
    struct docs *d = &ix->d;
    free(d->pid);
    free(d->day);
    free(d->upv);
    free(d->flen);
    free(d->deleted);
    free(d->cat_off);
    free(d->cats);
    free(d->id_off);
    free(d->ids);
    free(ix->pmap_key);
    free(ix->pmap_val);
    for (size_t i = 0; i < ix->n_cat_names; i++)
        free(ix->cat_names[i]);
    free(ix->cat_names);
    free(ix->rslots);
    free(ix->rpool);
    free(ix->tok_term);
    free(ix->tok_pos);
    free(ix->tok_next);
    free(ix->tok_field);
    if (ix->map)
        pb_fmap_free(ix->map, ix->map_len);
    free((void *)ix->tcheck);
    free(ix->fnorm[0]);
    pthread_rwlock_destroy(&ix->lock);
    free(ix);
}

int64_t pb_index_seq(const struct pb_index *ix) { return ix->seq; }
void pb_index_set_seq(struct pb_index *ix, int64_t seq) { ix->seq = seq; }
const struct pb_bm25 *pb_index_params(const struct pb_index *ix)
{
    return &ix->params;
}

double pb_idf(const struct pb_index *ix, uint64_t df, int fts5)
{
    /* df counts deleted documents until the next compaction: clamp it so
     * that idf stays positive (pruning needs non-negative scores). */
    double n = (double)ix->n_live, x = (double)(df > ix->n_live ? ix->n_live : df);
    if (fts5) {
        /* FTS5 clamps a negative idf (a term in most rows) to 1e-6. */
        double idf = log((n - x + 0.5) / (x + 0.5));
        return idf <= 0.0 ? 1e-6 : idf;
    }
    return log(1.0 + (n - x + 0.5) / (x + 0.5));
}

double pb_index_bound_scale(const struct pb_index *ix, const struct pb_bm25 *q)
{
    if (!ix->hdr)
        return 1.0;
    double scale = 1.0;
    for (int f = 0; f < PB_NFIELDS; f++) {
        if (q->w[f] != ix->hdr->w[f] || q->b[f] != ix->hdr->b[f])
            return 0.0;
        double now = ix->n_live ? ix->flen_sum[f] / (double)ix->n_live : 0;
        double then = ix->hdr->avg[f];
        /* Longer averages shorten norms: the bound grows by at most
         * now/then (see docs/SEARCH.md). */
        if (q->b[f] > 0 && then > 0 && now > then && now / then > scale)
            scale = now / then;
        if (q->b[f] > 0 && then <= 0 && now > 0)
            return 0.0;
    }
    return scale * (1.0 + 1e-9);
}

/* ---- terms --------------------------------------------------------------- */

void pb_index_lookup(const struct pb_index *ix, const char *t, size_t len,
                     const struct term_disk **out_main,
                     const struct dterm **out_delta)
{
    uint32_t h = pb_term_hash(t, len);
    *out_main = NULL;
    *out_delta = NULL;
    if (ix->hdr && ix->hdr->n_slots) {
        uint32_t mask = ix->hdr->n_slots - 1;
        for (uint32_t i = h & mask;; i = (i + 1) & mask) {
            uint32_t s = ix->tslots[i];
            if (!s)
                break;
            const struct term_disk *td = &ix->tterms[s - 1];
            if (td->str_len == len &&
                memcmp(ix->tstrings + td->str_off, t, len) == 0) {
                if (pb_index_term_ok(ix, td))
                    *out_main = td;
                break;
            }
        }
    }
    size_t mask = ix->n_dslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t s = ix->dslots[i];
        if (!s)
            break;
        if ((uint32_t)(s >> 32) != h)
            continue;
        const struct dterm *dt = ix->dterms[(uint32_t)s - 1];
        if (dt->len == len && memcmp(dt->s, t, len) == 0) {
            *out_delta = dt;
            break;
        }
    }
}

/* The delta term t (created empty if new). Slots carry the hash so that
 * probes rarely touch a term that is not the one sought: building the
 * index is bound by these cache misses. */
static uint32_t intern(struct pb_index *ix, const char *t, size_t len)
{
    uint32_t h = pb_term_hash(t, len);
    size_t mask = ix->n_dslots - 1, i;
    for (i = h & mask;; i = (i + 1) & mask) {
        uint64_t s = ix->dslots[i];
        if (!s)
            break;
        if ((uint32_t)(s >> 32) != h)
            continue;
        const struct dterm *dt = ix->dterms[(uint32_t)s - 1];
        if (dt->len == len && memcmp(dt->s, t, len) == 0)
            return (uint32_t)s - 1;
    }
    struct dterm *dt = pb_calloc(1, sizeof *dt + len + 1);
    dt->s = (char *)(dt + 1);
    memcpy(dt->s, t, len);
    dt->len = (uint32_t)len;
    dt->last = -1;
    if (ix->n_dterms == ix->cap_dterms) {
        ix->cap_dterms = ix->cap_dterms ? ix->cap_dterms * 2 : 1024;
        ix->dterms = pb_reallocarray(ix->dterms, ix->cap_dterms,
                                     sizeof *ix->dterms);
        ix->tscr = pb_reallocarray(ix->tscr, ix->cap_dterms, sizeof *ix->tscr);
    }
    uint32_t idx = (uint32_t)ix->n_dterms++;
    ix->tscr[idx].doc = DOC_END;
    ix->dterms[idx] = dt;
    ix->dslots[i] = (uint64_t)h << 32 | (idx + 1);
    if (ix->n_dterms * 2 > ix->n_dslots) {
        size_t n = ix->n_dslots * 2;
        uint64_t *slots = pb_calloc(n, sizeof *slots);
        for (size_t k = 0; k < ix->n_dslots; k++) {
            uint64_t e = ix->dslots[k];
            if (!e)
                continue;
            size_t j = (e >> 32) & (n - 1);
            while (slots[j])
                j = (j + 1) & (n - 1);
            slots[j] = e;
        }
        free(ix->dslots);
        ix->dslots = slots;
        ix->n_dslots = n;
    }
    return idx;
}

/* ---- categories and pids -------------------------------------------------- */

int pb_index_cat_find(const struct pb_index *ix, const char *name)
{
    size_t len = strlen(name);
    uint32_t h = pb_term_hash(name, len) & 1023;
    for (uint32_t i = h;; i = (i + 1) & 1023) {
        uint32_t s = ix->cat_slots[i];
        if (!s)
            return -1;
        if (strcmp(ix->cat_names[s - 1], name) == 0)
            return (int)s - 1;
    }
}

static int cat_intern(struct pb_index *ix, const char *name, size_t len)
{
    char tmp[32];
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, name, len);
    tmp[len] = 0;
    int c = pb_index_cat_find(ix, tmp);
    if (c >= 0 || ix->n_cat_names >= 1000)
        return c;
    uint32_t i = pb_term_hash(tmp, len) & 1023;
    while (ix->cat_slots[i])
        i = (i + 1) & 1023;
    ix->cat_names = pb_reallocarray(ix->cat_names, ix->n_cat_names + 1,
                                    sizeof *ix->cat_names);
    ix->cat_names[ix->n_cat_names] = pb_strdup(tmp);
    ix->cat_slots[i] = (uint32_t)++ix->n_cat_names;
    return (int)ix->n_cat_names - 1;
}

const char *pb_index_cat_name(const struct pb_index *ix, uint16_t c)
{
    return c < ix->n_cat_names ? ix->cat_names[c] : "?";
}

static uint64_t mix64(int64_t k)
{
    uint64_t x = (uint64_t)k * 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 29);
}

/* Room for `want` pids at a load of at most one half, rehashed once: the
 * first change to a mapped index puts every document's pid (2.6M on an
 * arXiv-size store), and doubling from 1,024 would rehash it 12 times. */
static void pmap_reserve(struct pb_index *ix, size_t want)
{
    if ((want + 1) * 2 <= ix->pmap_cap)
        return;
    size_t n = ix->pmap_cap ? ix->pmap_cap : 1024;
    while ((want + 1) * 2 > n)
        n *= 2;
    int64_t *k = pb_calloc(n, sizeof *k);
    uint32_t *v = pb_calloc(n, sizeof *v);
    for (size_t i = 0; i < ix->pmap_cap; i++) {
        if (!ix->pmap_val[i])
            continue;
        size_t j = mix64(ix->pmap_key[i]) & (n - 1);
        while (v[j])
            j = (j + 1) & (n - 1);
        k[j] = ix->pmap_key[i];
        v[j] = ix->pmap_val[i];
    }
    free(ix->pmap_key);
    free(ix->pmap_val);
    ix->pmap_key = k;
    ix->pmap_val = v;
    ix->pmap_cap = n;
}

static void pmap_put(struct pb_index *ix, int64_t pid, uint32_t doc)
{
    if ((ix->pmap_n + 1) * 2 > ix->pmap_cap)
        pmap_reserve(ix, ix->pmap_n + 1);
    size_t mask = ix->pmap_cap - 1;
    for (size_t j = mix64(pid) & mask;; j = (j + 1) & mask) {
        if (!ix->pmap_val[j]) {
            ix->pmap_key[j] = pid;
            ix->pmap_val[j] = doc + 1;
            ix->pmap_n++;
            return;
        }
        if (ix->pmap_key[j] == pid) {
            ix->pmap_val[j] = doc + 1;
            return;
        }
    }
}

/* A mapped index builds its pid map at the first add or delete, not at
 * open: a read-only searcher never needs it (589,525 inserts). */
static void pmap_ensure(struct pb_index *ix)
{
    if (ix->pmap_lazy)
        pb_index_pmap_rebuild(ix);
}

int pb_index_docid(const struct pb_index *ix, int64_t pid, uint32_t *out)
{
    if (!ix->pmap_cap)
        return PB_ENOTFOUND;
    size_t mask = ix->pmap_cap - 1;
    for (size_t j = mix64(pid) & mask; ix->pmap_val[j]; j = (j + 1) & mask)
        if (ix->pmap_key[j] == pid) {
            uint32_t doc = ix->pmap_val[j] - 1;
            if (ix->d.deleted[doc])
                return PB_ENOTFOUND;
            *out = doc;
            return PB_OK;
        }
    return PB_ENOTFOUND;
}

const char *pb_index_doc_id(const struct pb_index *ix, uint32_t doc,
                            size_t *len)
{
    *len = ix->d.id_off[doc + 1] - ix->d.id_off[doc];
    return ix->d.ids + ix->d.id_off[doc];
}

/* ---- documents ------------------------------------------------------------ */

/* Room for n documents in every array of d. */
void pb_docs_reserve(struct docs *d, size_t n)
{
    if (n <= d->cap)
        return;
    size_t cap = d->cap ? d->cap : 1024;
    while (cap < n)
        cap *= 2;
    d->pid = pb_reallocarray(d->pid, cap, sizeof *d->pid);
    d->day = pb_reallocarray(d->day, cap, sizeof *d->day);
    d->upv = pb_reallocarray(d->upv, cap, sizeof *d->upv);
    d->flen = pb_reallocarray(d->flen, cap, sizeof *d->flen);
    d->deleted = pb_reallocarray(d->deleted, cap, 1);
    d->cat_off = pb_reallocarray(d->cat_off, cap + 1, sizeof *d->cat_off);
    d->id_off = pb_reallocarray(d->id_off, cap + 1, sizeof *d->id_off);
    d->cap = cap;
}

static void docs_add_bytes(char **p, size_t *len, size_t *cap, const void *s,
                           size_t n)
{
    if (*len + n > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n)
            c *= 2;
        *p = pb_realloc(*p, c);
        *cap = c;
    }
    memcpy(*p + *len, s, n);
    *len += n;
}

static void doc_delete(struct pb_index *ix, uint32_t doc)
{
    if (ix->d.deleted[doc])
        return;
    ix->d.deleted[doc] = 1;
    ix->n_live--;
    ix->n_deleted++;
    ix->del_gen++;
    for (int f = 0; f < PB_NFIELDS; f++)
        ix->flen_sum[f] -= ix->d.flen[doc][f];
    ix->gen++;
}

int pb_index_delete(struct pb_index *ix, int64_t pid)
{
    pthread_rwlock_wrlock(&ix->lock);
    uint32_t doc;
    pmap_ensure(ix);
    int rc = pb_index_docid(ix, pid, &doc);
    if (rc == PB_OK)
        doc_delete(ix, doc);
    pthread_rwlock_unlock(&ix->lock);
    return rc;
}

/* The delta term of word w (an unstemmed word the analyser flagged
 * PB_TOK_STEM): cached word -> term, else stemmed and interned. */
static uint32_t word_term(struct pb_index *ix, struct pb_analyzer *az,
                          const char *w, size_t len)
{
    uint32_t h = pb_term_hash(w, len);
    if (!ix->n_rslots) {
        ix->n_rslots = 1 << 16;
        ix->rslots = pb_calloc(ix->n_rslots, sizeof *ix->rslots);
    }
    size_t mask = ix->n_rslots - 1, i;
    for (i = h & mask;; i = (i + 1) & mask) {
        uint64_t s = ix->rslots[i];
        if (!s)
            break;
        if ((uint32_t)(s >> 32) != h)
            continue;
        const uint8_t *e = ix->rpool + (uint32_t)s - 1;
        if (e[4] == len && memcmp(e + 5, w, len) == 0) {
            uint32_t t;
            memcpy(&t, e, 4);
            return t;
        }
    }
    char st[PB_TERM_MAX];
    size_t sl = pb_analyzer_stem(az, w, len, st);
    uint32_t t = intern(ix, st, sl);
    if (len > 255 || ix->rpool_len + 5 + len >= UINT32_MAX)
        return t; /* not cached */
    if (ix->rpool_len + 5 + len > ix->rpool_cap) {
        ix->rpool_cap = ix->rpool_cap ? ix->rpool_cap * 2 : 1 << 20;
        ix->rpool = pb_realloc(ix->rpool, ix->rpool_cap);
    }
    uint8_t *e = ix->rpool + ix->rpool_len;
    memcpy(e, &t, 4);
    e[4] = (uint8_t)len;
    memcpy(e + 5, w, len);
    ix->rslots[i] = (uint64_t)h << 32 | (ix->rpool_len + 1);
    ix->rpool_len += 5 + len;
    if (++ix->n_raw * 2 > ix->n_rslots) {
        size_t n = ix->n_rslots * 2;
        uint64_t *slots = pb_calloc(n, sizeof *slots);
        for (size_t k = 0; k < ix->n_rslots; k++) {
            uint64_t v = ix->rslots[k];
            if (!v)
                continue;
            size_t j = (v >> 32) & (n - 1);
            while (slots[j])
                j = (j + 1) & (n - 1);
            slots[j] = v;
        }
        free(ix->rslots);
        ix->rslots = slots;
        ix->n_rslots = n;
    }
    return t;
}

struct addctx {
    struct pb_index *ix;
    struct pb_analyzer *az;
    uint32_t doc;
    uint8_t field;
    uint32_t count;  /* tokens of this field (joined forms not counted) */
    uint32_t *terms; /* distinct terms of the doc, first-seen order */
    size_t n_terms, cap_terms;
};

static int on_token(void *ctx, const struct pb_token *t)
{
    struct addctx *a = ctx;
    struct pb_index *ix = a->ix;
    uint32_t term = t->flags & PB_TOK_STEM ? word_term(ix, a->az, t->p, t->len)
                                           : intern(ix, t->p, t->len);
    struct tscratch *dt = &ix->tscr[term];
    if (ix->n_tok == ix->cap_tok) {
        ix->cap_tok = ix->cap_tok ? ix->cap_tok * 2 : 4096;
        ix->tok_term = pb_reallocarray(ix->tok_term, ix->cap_tok, 4);
        ix->tok_pos = pb_reallocarray(ix->tok_pos, ix->cap_tok, 4);
        ix->tok_next = pb_reallocarray(ix->tok_next, ix->cap_tok, 4);
        ix->tok_field = pb_reallocarray(ix->tok_field, ix->cap_tok, 1);
    }
    uint32_t k = (uint32_t)ix->n_tok++;
    ix->tok_term[k] = term;
    ix->tok_pos[k] = t->pos > POS_MAX ? POS_MAX : t->pos;
    ix->tok_field[k] = a->field;
    ix->tok_next[k] = UINT32_MAX;
    if (dt->doc != a->doc) {
        dt->doc = a->doc;
        dt->head = dt->tail = k;
        if (a->n_terms == a->cap_terms) {
            a->cap_terms = a->cap_terms ? a->cap_terms * 2 : 256;
            a->terms = pb_reallocarray(a->terms, a->cap_terms, 4);
        }
        a->terms[a->n_terms++] = term;
    } else {
        ix->tok_next[dt->tail] = k;
        dt->tail = k;
    }
    if (!(t->flags & PB_TOK_JOINED))
        a->count++;
    return PB_OK;
}

static void write_posting(struct pb_index *ix, uint32_t term, uint32_t doc)
{
    struct dterm *dt = ix->dterms[term];
    struct tscratch *sc = &ix->tscr[term];
    uint32_t tf[PB_NFIELDS] = {0};
    size_t n = 0;
    for (uint32_t k = sc->head; k != UINT32_MAX; k = ix->tok_next[k]) {
        tf[ix->tok_field[k]]++;
        n++;
    }
    size_t need = 6 + PB_NFIELDS * 5 + n * 3;
    if (dt->n + need > dt->cap) {
        size_t cap = dt->cap ? dt->cap : 8;
        while (cap < dt->n + need)
            cap *= 2;
        dt->buf = pb_realloc(dt->buf, cap);
        dt->cap = (uint32_t)cap;
    }
    uint8_t *p = dt->buf + dt->n;
    p = pb_varint_put(p, (uint32_t)((int64_t)doc - (dt->last + 1)));
    uint8_t mask = 0;
    for (int f = 0; f < PB_NFIELDS; f++)
        if (tf[f])
            mask |= (uint8_t)(1u << f);
    *p++ = mask;
    /* Tokens are in field order, positions ascending within a field, except
     * that a joined form comes before its parts at the same position. */
    uint32_t k = sc->head;
    for (int f = 0; f < PB_NFIELDS; f++) {
        if (!tf[f])
            continue;
        uint32_t t = tf[f] > TF_MAX ? TF_MAX : tf[f];
        p = pb_varint_put(p, t);
        uint32_t prev = 0, written = 0;
        for (; k != UINT32_MAX && ix->tok_field[k] == f; k = ix->tok_next[k]) {
            if (written == t)
                continue;
            uint32_t pos = ix->tok_pos[k];
            p = pb_varint_put(p, pos >= prev ? pos - prev : 0);
            prev = pos > prev ? pos : prev;
            written++;
        }
    }
    dt->n = (uint32_t)(p - dt->buf);
    dt->last = doc;
    dt->df++;
    sc->doc = DOC_END;
}

static int analyze_field(struct pb_analyzer *az, struct addctx *a, int field,
                         const char *const *v, size_t n, int gap)
{
    uint32_t pos = 0;
    a->field = (uint8_t)field;
    a->count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i])
            continue;
        int rc = pb_analyze(az, v[i], strlen(v[i]), PB_AN_NOSTEM, pos,
                            on_token, a, &pos);
        if (rc)
            return rc;
        pos += (uint32_t)gap;
    }
    return PB_OK;
}

int pb_index_add(struct pb_index *ix, struct pb_analyzer *az,
                 const struct pb_index_doc *doc)
{
    int rc = PB_OK;
    struct addctx a = {.ix = ix, .az = az};
    pthread_rwlock_wrlock(&ix->lock);
    uint32_t old;
    if (!ix->bulk) {
        pmap_ensure(ix);
        if (pb_index_docid(ix, doc->pid, &old) == PB_OK)
            doc_delete(ix, old);
    }
    struct docs *d = &ix->d;
    if (d->n >= UINT32_MAX - 1) {
        rc = PB_ETOOBIG;
        goto out;
    }
    pb_docs_reserve(d, d->n + 1);
    uint32_t id = (uint32_t)d->n;
    a.doc = id;
    ix->n_tok = 0;
    uint16_t flen[PB_NFIELDS] = {0};
    const char *one[1];
    one[0] = doc->title;
    rc = analyze_field(az, &a, PB_F_TITLE, one, 1, 0);
    flen[PB_F_TITLE] = (uint16_t)(a.count > TF_MAX ? TF_MAX : a.count);
    one[0] = doc->abstract;
    if (!rc)
        rc = analyze_field(az, &a, PB_F_ABSTRACT, one, 1, 0);
    flen[PB_F_ABSTRACT] = (uint16_t)(a.count > TF_MAX ? TF_MAX : a.count);
    /* A gap between names keeps phrases from running across two authors. */
    if (!rc)
        rc = analyze_field(az, &a, PB_F_AUTHORS, doc->authors, doc->n_authors,
                           8);
    flen[PB_F_AUTHORS] = (uint16_t)(a.count > TF_MAX ? TF_MAX : a.count);
    if (!rc)
        rc = analyze_field(az, &a, PB_F_KEYWORDS, doc->keywords,
                           doc->n_keywords, 8);
    flen[PB_F_KEYWORDS] = (uint16_t)(a.count > TF_MAX ? TF_MAX : a.count);
    if (rc) {
        for (size_t i = 0; i < a.n_terms; i++)
            ix->tscr[a.terms[i]].doc = DOC_END;
        goto out;
    }
    for (size_t i = 0; i < a.n_terms; i++)
        write_posting(ix, a.terms[i], id);

    d->pid[id] = doc->pid;
    d->day[id] = doc->date ? (int32_t)(doc->date >= 0 ? doc->date / 86400
                                                      : (doc->date - 86399) / 86400)
                           : DAY_NONE;
    d->upv[id] = doc->upvotes < 0 ? -1
                 : doc->upvotes > INT32_MAX ? INT32_MAX
                                            : (int32_t)doc->upvotes;
    memcpy(d->flen[id], flen, sizeof flen);
    for (int f = 0; f < PB_NFIELDS; f++)
        if (flen[f] > ix->flen_max[f])
            ix->flen_max[f] = flen[f];
    d->deleted[id] = 0;
    const char *c = doc->categories ? doc->categories : "";
    while (*c) {
        while (*c == ' ')
            c++;
        const char *e = c;
        while (*e && *e != ' ')
            e++;
        int cat = cat_intern(ix, c, (size_t)(e - c));
        if (cat >= 0) {
            if (d->n_cats_used == d->cap_cats) {
                d->cap_cats = d->cap_cats ? d->cap_cats * 2 : 4096;
                d->cats = pb_reallocarray(d->cats, d->cap_cats, 2);
            }
            d->cats[d->n_cats_used++] = (uint16_t)cat;
        }
        c = e;
    }
    d->cat_off[id + 1] = (uint32_t)d->n_cats_used;
    const char *pid_s = doc->id ? doc->id : "";
    size_t idl = strnlen(pid_s, PB_MAX_ID);
    docs_add_bytes(&d->ids, &d->ids_len, &d->ids_cap, pid_s, idl);
    d->id_off[id + 1] = (uint32_t)d->ids_len;
    d->n++;
    if (!ix->bulk)
        pmap_put(ix, doc->pid, id);
    ix->n_live++;
    for (int f = 0; f < PB_NFIELDS; f++)
        ix->flen_sum[f] += flen[f];
    ix->gen++;
out:
    pthread_rwlock_unlock(&ix->lock);
    free(a.terms);
    return rc;
}

int pb_index_add_paper(struct pb_index *ix, struct pb_analyzer *az,
                       int64_t pid, const struct pb_paper *p)
{
    struct pb_index_doc d = {
        .pid = pid,
        .id = p->id,
        .title = p->title,
        .abstract = p->abstract,
        .authors = (const char *const *)p->authors.v,
        .n_authors = p->authors.n,
        .keywords = (const char *const *)p->keywords.v,
        .n_keywords = p->keywords.n,
        .categories = p->categories,
        .date = p->published ? p->published : p->updated,
        .upvotes = p->upvotes,
    };
    return pb_index_add(ix, az, &d);
}

void pb_index_info(struct pb_index *ix, struct pb_index_info *out)
{
    pthread_rwlock_rdlock(&ix->lock);
    memset(out, 0, sizeof *out);
    out->docs = ix->n_live;
    out->main_docs = ix->n_main;
    out->delta_docs = ix->d.n - ix->n_main;
    out->terms_main = ix->hdr ? ix->hdr->n_terms : 0;
    out->terms_delta = ix->n_dterms;
    out->file_bytes = ix->map_len;
    for (int f = 0; f < PB_NFIELDS; f++)
        out->avglen[f] = ix->n_live ? ix->flen_sum[f] / (double)ix->n_live : 0;
    pthread_rwlock_unlock(&ix->lock);
}

void pb_index_pmap_rebuild(struct pb_index *ix)
{
    /* the documents, and a day's additions on top without a rehash */
    pmap_reserve(ix, ix->d.n + ix->d.n / 16 + 1024);
    for (size_t i = 0; i < ix->d.n; i++)
        pmap_put(ix, ix->d.pid[i], (uint32_t)i);
    ix->pmap_lazy = 0;
}

void pb_index_append(struct pb_index *dst, struct pb_index *src)
{
    assert(!dst->hdr && !src->hdr);
    uint32_t n0 = (uint32_t)dst->d.n;
    for (size_t k = 0; k < src->n_dterms; k++) {
        struct dterm *st = src->dterms[k];
        if (!st->df)
            continue;
        uint32_t t = intern(dst, st->s, st->len); /* may move dterms */
        struct dterm *dt = dst->dterms[t];
        /* the stream is relative but for its first docid (from -1) */
        uint32_t first;
        const uint8_t *rest = pb_varint_get(st->buf, &first);
        size_t nrest = st->n - (size_t)(rest - st->buf);
        uint32_t v = (uint32_t)((int64_t)n0 + first - (dt->last + 1));
        if (dst->bulk) {
            /* no copy: the writer joins the two (index_file.c) */
            assert(!dt->buf2);
            dt->buf2 = st->buf;
            dt->off2 = (uint32_t)(rest - st->buf);
            dt->n2 = st->n;
            dt->first2 = v;
            dt->df += st->df;
            dt->last = (int64_t)n0 + st->last;
            st->buf = NULL;
            st->n = st->cap = st->df = 0;
            st->last = -1;
            continue;
        }
        size_t need = (size_t)dt->n + 5 + nrest;
        if (need > dt->cap) {
            size_t cap = dt->cap ? dt->cap : 8;
            while (cap < need)
                cap *= 2;
            dt->buf = pb_realloc(dt->buf, cap);
            dt->cap = (uint32_t)cap;
        }
        uint8_t *p = pb_varint_put(dt->buf + dt->n, v);
        memcpy(p, rest, nrest);
        dt->n = (uint32_t)(p + nrest - dt->buf);
        dt->df += st->df;
        dt->last = (int64_t)n0 + st->last;
        free(st->buf);
        st->buf = NULL;
        st->n = st->cap = st->df = 0;
        st->last = -1;
    }
    struct docs *d = &dst->d, *s = &src->d;
    pb_docs_reserve(d, d->n + s->n + 1);
    if (!dst->bulk)
        pmap_reserve(dst, dst->pmap_n + s->n);
    int cmap[1024];
    for (size_t c = 0; c < src->n_cat_names && c < 1024; c++)
        cmap[c] = cat_intern(dst, src->cat_names[c], strlen(src->cat_names[c]));
    for (size_t i = 0; i < s->n; i++) {
        uint32_t id = (uint32_t)d->n;
        d->pid[id] = s->pid[i];
        d->day[id] = s->day[i];
        d->upv[id] = s->upv[i];
        memcpy(d->flen[id], s->flen[i], sizeof d->flen[id]);
        d->deleted[id] = s->deleted[i];
        for (uint32_t k = s->cat_off[i]; k < s->cat_off[i + 1]; k++) {
            int c = s->cats[k] < 1024 ? cmap[s->cats[k]] : -1;
            if (c < 0)
                continue;
            if (d->n_cats_used == d->cap_cats) {
                d->cap_cats = d->cap_cats ? d->cap_cats * 2 : 4096;
                d->cats = pb_reallocarray(d->cats, d->cap_cats, 2);
            }
            d->cats[d->n_cats_used++] = (uint16_t)c;
        }
        d->cat_off[id + 1] = (uint32_t)d->n_cats_used;
        docs_add_bytes(&d->ids, &d->ids_len, &d->ids_cap,
                       s->ids + s->id_off[i], s->id_off[i + 1] - s->id_off[i]);
        d->id_off[id + 1] = (uint32_t)d->ids_len;
        d->n++;
        if (!s->deleted[i] && !dst->bulk)
            pmap_put(dst, s->pid[i], id);
    }
    dst->n_live += src->n_live;
    dst->n_deleted += src->n_deleted;
    for (int f = 0; f < PB_NFIELDS; f++) {
        dst->flen_sum[f] += src->flen_sum[f];
        if (src->flen_max[f] > dst->flen_max[f])
            dst->flen_max[f] = src->flen_max[f];
    }
    dst->gen++;
    dst->del_gen++;
    src->d.n = 0;
    src->n_live = 0;
}

void pb_index_drop_add_cache(struct pb_index *ix)
{
    free(ix->rslots);
    free(ix->rpool);
    ix->rslots = NULL;
    ix->rpool = NULL;
    ix->n_rslots = ix->n_raw = ix->rpool_len = ix->rpool_cap = 0;
    free(ix->tok_term);
    free(ix->tok_pos);
    free(ix->tok_next);
    free(ix->tok_field);
    ix->tok_term = ix->tok_pos = ix->tok_next = NULL;
    ix->tok_field = NULL;
    ix->n_tok = ix->cap_tok = 0;
}
