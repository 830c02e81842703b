/* index_file.c - write the index to a file and map it back (see
 * search_int.h for the layout). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fmap.h"
#include "core/mem.h"
#include "search/search_int.h"

/* ---- writing ---------------------------------------------------------------- */

struct wfile {
    FILE *f;
    uint64_t off;
    int err;
};

static void wput(struct wfile *w, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, w->f) != n)
        w->err = 1;
    w->off += n;
}

static void walign(struct wfile *w, unsigned a)
{
    static const char zero[8];
    size_t pad = (a - (w->off % a)) % a;
    wput(w, zero, pad);
}

/* Postings of one term being re-blocked. */
struct tbuild {
    struct pb_buf dir, data, pos, imp;
    uint32_t docs[BLK], tf[PB_NFIELDS][BLK];
    uint32_t n, prev_last, df;
    double blk_max, term_max;
    uint32_t pos_start; /* offset in pos of the current block */
    /* the term's postings gathered in the old docid order, then emitted
     * in the new (feed()): g_key[i] = new docid << 32 | i */
    uint64_t *g_key, *g_tmp;
    uint16_t (*g_tf)[PB_NFIELDS];
    uint32_t *g_poff; /* posting i's positions: g_pos[g_poff[i], [i + 1]) */
    double *g_x;      /* its pseudo-tf */
    size_t g_cap;
    struct pb_buf g_pos;
};

static int flush_block(struct tbuild *t)
{
    if (!t->n)
        return PB_OK;
    uint32_t tmp[BLK], words[BLK + 1];
    uint8_t head[8] = {(uint8_t)(t->n - 1), 0, 0, 0, 0, 0, 0, 0};
    uint32_t maxd = 0, prev = t->prev_last;
    for (uint32_t i = 0; i < t->n; i++) {
        tmp[i] = t->docs[i] - prev - 1;
        prev = t->docs[i];
        if (tmp[i] > maxd)
            maxd = tmp[i];
    }
    head[1] = (uint8_t)pb_bitwidth(maxd);
    for (int f = 0; f < PB_NFIELDS; f++) {
        uint32_t m = 0;
        for (uint32_t i = 0; i < t->n; i++)
            if (t->tf[f][i] > m)
                m = t->tf[f][i];
        head[2 + f] = (uint8_t)pb_bitwidth(m);
    }
    float mx = (float)t->blk_max;
    if ((double)mx < t->blk_max)
        mx = nextafterf(mx, INFINITY);
    struct blk_disk b = {t->docs[t->n - 1], (uint32_t)t->data.len,
                         t->pos_start, mx};
    int rc = pb_buf_append(&t->dir, &b, sizeof b);
    if (!rc)
        rc = pb_buf_append(&t->data, head, sizeof head);
    pb_bitpack(tmp, t->n, head[1], words);
    if (!rc)
        rc = pb_buf_append(&t->data, words,
                           pb_bitpack_words(t->n, head[1]) * 4);
    for (int f = 0; f < PB_NFIELDS && !rc; f++) {
        pb_bitpack(t->tf[f], t->n, head[2 + f], words);
        rc = pb_buf_append(&t->data, words,
                           pb_bitpack_words(t->n, head[2 + f]) * 4);
    }
    if (t->blk_max > t->term_max)
        t->term_max = t->blk_max;
    t->prev_last = t->docs[t->n - 1];
    t->n = 0;
    t->blk_max = 0;
    t->pos_start = (uint32_t)t->pos.len;
    return rc;
}

static void gather_reserve(struct tbuild *t, size_t n)
{
    if (n <= t->g_cap)
        return;
    size_t cap = t->g_cap ? t->g_cap : 1024;
    while (cap < n)
        cap *= 2;
    t->g_key = pb_reallocarray(t->g_key, cap, sizeof *t->g_key);
    t->g_tmp = pb_reallocarray(t->g_tmp, cap, sizeof *t->g_tmp);
    t->g_tf = pb_reallocarray(t->g_tf, cap, sizeof *t->g_tf);
    t->g_poff = pb_reallocarray(t->g_poff, cap + 1, sizeof *t->g_poff);
    t->g_x = pb_reallocarray(t->g_x, cap, sizeof *t->g_x);
    t->g_cap = cap;
}

/* Encode posting c's positions (tf of field f) as varints onto out. */
static int gather_positions(struct cursor *c, int f, uint32_t tf,
                            struct pb_buf *out)
{
    uint16_t pos[4096];
    uint8_t vb[5 * 64], *e = vb;
    uint32_t prev = 0;
    int rc = PB_OK;
    size_t got = pb_cursor_positions(c, f, pos, 4096);
    /* more than 4096 positions of one term in one field: the rest repeat
     * the last position (phrases near the end of a huge field may then be
     * missed) */
    for (uint32_t j = 0; j < tf && !rc; j++) {
        uint32_t p = j < got ? pos[j] : prev;
        e = pb_varint_put(e, p - prev);
        prev = p;
        if (e - vb > (ptrdiff_t)(sizeof vb - 5)) {
            rc = pb_buf_append(out, vb, (size_t)(e - vb));
            e = vb;
        }
    }
    return rc ? rc : pb_buf_append(out, vb, (size_t)(e - vb));
}

/* Append the postings of cursor c to t, each under its new docid
 * (remap[old], DOC_END for a document dropped) and in new docid order;
 * new docids are below 2^nbits. */
static int feed(struct tbuild *t, struct cursor *c, const uint32_t *remap,
                unsigned nbits, const double *fnorm)
{
    int rc = PB_OK;
    size_t n = 0;
    uint32_t last = 0;
    int sorted = 1;
    pb_buf_reset(&t->g_pos);
    for (; c->doc != DOC_END && !rc; pb_cursor_next(c)) {
        uint32_t nd = remap[c->doc];
        if (nd == DOC_END)
            continue;
        if (n == t->g_cap)
            gather_reserve(t, n + 1);
        if (n && nd < last)
            sorted = 0;
        last = nd;
        t->g_key[n] = (uint64_t)nd << 32 | n;
        t->g_poff[n] = (uint32_t)t->g_pos.len;
        double x = 0;
        for (int f = 0; f < PB_NFIELDS && !rc; f++) {
            uint32_t tf = pb_cursor_tf(c, f);
            t->g_tf[n][f] = (uint16_t)tf;
            x += tf * fnorm[(size_t)nd * PB_NFIELDS + f];
            if (tf)
                rc = gather_positions(c, f, tf, &t->g_pos);
        }
        t->g_x[n++] = x;
    }
    if (rc || !n)
        return rc;
    t->g_poff[n] = (uint32_t)t->g_pos.len;
    if (!sorted)
        pb_sort_u64(t->g_key, t->g_tmp, n, 32, nbits);
    for (size_t i = 0; i < n && !rc; i++) {
        uint32_t g = (uint32_t)t->g_key[i], k = t->n;
        t->docs[k] = (uint32_t)(t->g_key[i] >> 32);
        for (int f = 0; f < PB_NFIELDS; f++)
            t->tf[f][k] = t->g_tf[g][f];
        if (t->g_poff[g + 1] > t->g_poff[g])
            rc = pb_buf_append(&t->pos, t->g_pos.p + t->g_poff[g],
                               t->g_poff[g + 1] - t->g_poff[g]);
        double x = t->g_x[g];
        if (x > t->blk_max)
            t->blk_max = x;
        uint8_t q = pb_impact_q(x);
        if (!rc)
            rc = pb_buf_append(&t->imp, &q, 1);
        t->df++;
        if (++t->n == BLK && !rc)
            rc = flush_block(t);
    }
    return rc;
}

static void tb_init(struct tbuild *t)
{
    memset(t, 0, sizeof *t);
    pb_buf_init(&t->dir, (size_t)UINT32_MAX);
    pb_buf_init(&t->data, (size_t)UINT32_MAX);
    pb_buf_init(&t->pos, (size_t)UINT32_MAX);
    pb_buf_init(&t->imp, (size_t)UINT32_MAX);
    pb_buf_init(&t->g_pos, (size_t)UINT32_MAX);
}

static void tb_clear(struct tbuild *t)
{
    pb_buf_clear(&t->dir);
    pb_buf_clear(&t->data);
    pb_buf_clear(&t->pos);
    pb_buf_clear(&t->imp);
    pb_buf_clear(&t->g_pos);
    free(t->g_key);
    free(t->g_tmp);
    free(t->g_tf);
    free(t->g_poff);
    free(t->g_x);
}

/* ---- postings, a unit of terms at a time, on several threads -------------
 *
 * Re-blocking the postings (feed(), flush_block()) is most of the time a
 * write takes. The terms are cut into units of consecutive terms (about
 * UNIT_BYTES of postings to read, or UNIT_TERMS terms); worker threads
 * build whole units in memory, each from an 8-aligned start, and the
 * calling thread writes them in term order. Every term's bytes and padding
 * are the ones a single thread writes, so the file does not depend on the
 * number of threads or on timing; at most UNITS_AHEAD units wait in memory. */

#define UNIT_BYTES (4u << 20)
#define UNIT_TERMS 8192
#define UNITS_AHEAD 8

struct wunit {
    size_t k0, k1;     /* terms [k0, k1) of the term loop */
    struct pb_buf out; /* their postings; t[].off from out's start */
    struct pb_buf str; /* their strings; t[].str_off from str's start */
    struct term_disk *t;
    size_t nt, cap;
    int rc, done;
};

struct wctx {
    struct pb_index *ix;
    const uint32_t *remap;
    unsigned nbits; /* new docids are below 2^nbits */
    const double *fnorm;
    struct wfile *w;
    struct pb_buf *strings;
    struct wunit *u;
    size_t n_units;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next_unit;  /* the next unit a worker takes */
    size_t next_write; /* the next unit the writer writes */
    int abort;
};

static void unit_clear(struct wunit *u)
{
    pb_buf_clear(&u->out);
    pb_buf_clear(&u->str);
    free(u->t);
    u->t = NULL;
    u->nt = u->cap = 0;
}

/* Build the postings of u's terms into u (a worker, or the writer). */
static int build_unit(struct wctx *wc, struct wunit *u, struct cursor *c,
                      struct tbuild *tb)
{
    static const char zero[8];
    struct pb_index *ix = wc->ix;
    size_t n_main_terms = ix->hdr ? ix->hdr->n_terms : 0;
    int rc = PB_OK;
    pb_buf_init(&u->out, (size_t)1 << 40);
    pb_buf_init(&u->str, (size_t)UINT32_MAX);
    for (size_t k = u->k0; k < u->k1 && !rc; k++) {
        const struct term_disk *tm = NULL;
        const struct dterm *td = NULL;
        const char *s;
        size_t len;
        if (k < n_main_terms) {
            tm = &ix->tterms[k];
            if (!pb_index_term_ok(ix, tm))
                continue; /* damaged: its postings are lost */
            s = ix->tstrings + tm->str_off;
            len = tm->str_len;
            const struct term_disk *dummy;
            pb_index_lookup(ix, s, len, &dummy, &td);
        } else {
            td = ix->dterms[k - n_main_terms];
            s = td->s;
            len = td->len;
            const struct dterm *dummy;
            pb_index_lookup(ix, s, len, &tm, &dummy);
            if (tm)
                continue; /* done with the main terms */
        }
        pb_buf_reset(&tb->dir);
        pb_buf_reset(&tb->data);
        pb_buf_reset(&tb->pos);
        pb_buf_reset(&tb->imp);
        tb->n = 0;
        tb->prev_last = UINT32_MAX;
        tb->df = 0;
        tb->blk_max = tb->term_max = 0;
        tb->pos_start = 0;
        /* an appended bulk index: the two streams joined for the cursor */
        struct dterm *own = ix->bulk && td ? (struct dterm *)td : NULL, joined;
        uint8_t *jbuf = NULL;
        if (td && td->buf2) {
            uint64_t rest = td->n2 - td->off2, need = td->n + 5 + rest;
            if (need > UINT32_MAX) {
                rc = PB_ETOOBIG;
                continue;
            }
            jbuf = pb_malloc((size_t)need);
            if (td->n)
                memcpy(jbuf, td->buf, td->n);
            uint8_t *p = pb_varint_put(jbuf + td->n, td->first2);
            memcpy(p, td->buf2 + td->off2, (size_t)rest);
            joined = *td;
            joined.buf = jbuf;
            joined.n = (uint32_t)(p + rest - jbuf);
            joined.buf2 = NULL;
            td = &joined;
        }
        pb_cursor_open(c, ix, tm, td, NULL);
        rc = feed(tb, c, wc->remap, wc->nbits, wc->fnorm);
        pb_cursor_close(c);
        free(jbuf);
        if (own) { /* written once: its memory can go now */
            free(own->buf);
            free(own->buf2);
            own->buf = own->buf2 = NULL;
        }
        if (!rc)
            rc = flush_block(tb);
        if (rc || !tb->df)
            continue;
        size_t nblk = tb->dir.len / sizeof(struct blk_disk);
        struct blk_disk *bd = (struct blk_disk *)tb->dir.p;
        uint32_t dsz = (uint32_t)tb->dir.len;
        /* offsets within a term are 32-bit */
        if ((uint64_t)tb->dir.len + tb->data.len + tb->pos.len + tb->imp.len >
            UINT32_MAX) {
            rc = PB_ETOOBIG;
            continue;
        }
        for (size_t b = 0; b < nblk; b++) {
            bd[b].off += dsz;
            bd[b].pos_off += dsz + (uint32_t)tb->data.len;
        }
        rc = pb_buf_append(&u->out, zero, (8 - u->out.len % 8) % 8);
        if (u->nt == u->cap) {
            u->cap = u->cap ? u->cap * 2 : 64;
            u->t = pb_reallocarray(u->t, u->cap, sizeof *u->t);
        }
        struct term_disk *e = &u->t[u->nt++];
        memset(e, 0, sizeof *e);
        e->off = u->out.len;
        e->df = tb->df;
        e->nblk = (uint32_t)nblk;
        float mx = (float)tb->term_max;
        if ((double)mx < tb->term_max)
            mx = nextafterf(mx, INFINITY);
        e->maxtf = mx;
        e->str_off = (uint32_t)u->str.len;
        e->str_len = (uint32_t)len;
        e->imp = dsz + (uint32_t)tb->data.len + (uint32_t)tb->pos.len;
        if (!rc)
            rc = pb_buf_append(&u->str, s, len);
        if (!rc)
            rc = pb_buf_append(&u->out, tb->dir.p, tb->dir.len);
        if (!rc)
            rc = pb_buf_append(&u->out, tb->data.p, tb->data.len);
        if (!rc && tb->pos.len)
            rc = pb_buf_append(&u->out, tb->pos.p, tb->pos.len);
        if (!rc)
            rc = pb_buf_append(&u->out, tb->imp.p, tb->imp.len);
    }
    return rc;
}

/* Write built unit u after what is written: its terms' entries go to
 * terms[*nt..], offsets made absolute. */
static int emit_unit(struct wctx *wc, struct wunit *u, struct term_disk *terms,
                     size_t *nt)
{
    walign(wc->w, 8); /* where its first term's padding would go */
    uint64_t base = wc->w->off;
    uint32_t sbase = (uint32_t)wc->strings->len;
    int rc = u->str.len ? pb_buf_append(wc->strings, u->str.p, u->str.len)
                        : PB_OK;
    for (size_t i = 0; i < u->nt; i++) {
        struct term_disk *e = &terms[(*nt)++];
        *e = u->t[i];
        e->off += base;
        e->str_off += sbase;
    }
    wput(wc->w, u->out.p, u->out.len);
    unit_clear(u);
    return rc;
}

static void *write_worker(void *arg)
{
    struct wctx *wc = arg;
    struct cursor *c = pb_calloc(1, sizeof *c);
    struct tbuild tb;
    tb_init(&tb);
    pthread_mutex_lock(&wc->mu);
    for (;;) {
        while (!wc->abort && wc->next_unit < wc->n_units &&
               wc->next_unit - wc->next_write >= UNITS_AHEAD)
            pthread_cond_wait(&wc->cv, &wc->mu);
        if (wc->abort || wc->next_unit >= wc->n_units)
            break;
        struct wunit *u = &wc->u[wc->next_unit++];
        pthread_mutex_unlock(&wc->mu);
        int rc = build_unit(wc, u, c, &tb);
        pthread_mutex_lock(&wc->mu);
        u->rc = rc;
        u->done = 1;
        if (rc)
            wc->abort = 1;
        pthread_cond_broadcast(&wc->cv);
    }
    pthread_mutex_unlock(&wc->mu);
    free(c);
    tb_clear(&tb);
    return NULL;
}

/* Cut the term loop into units by the size of the postings to read. */
static void make_units(struct wctx *wc)
{
    struct pb_index *ix = wc->ix;
    size_t n_main_terms = ix->hdr ? ix->hdr->n_terms : 0;
    size_t n_all = n_main_terms + ix->n_dterms, cap = 0;
    uint64_t acc = 0;
    size_t k0 = 0;
    for (size_t k = 0; k < n_all; k++) {
        if (k < n_main_terms) {
            uint64_t end = k + 1 < n_main_terms ? ix->tterms[k + 1].off
                                                : ix->hdr->terms;
            acc += end - ix->tterms[k].off;
        } else {
            const struct dterm *td = ix->dterms[k - n_main_terms];
            acc += td->n + (td->buf2 ? td->n2 - td->off2 : 0);
        }
        if (acc >= UNIT_BYTES || k + 1 - k0 >= UNIT_TERMS || k + 1 == n_all) {
            if (wc->n_units == cap) {
                cap = cap ? cap * 2 : 64;
                wc->u = pb_reallocarray(wc->u, cap, sizeof *wc->u);
            }
            struct wunit *u = &wc->u[wc->n_units++];
            memset(u, 0, sizeof *u);
            u->k0 = k0;
            u->k1 = k + 1;
            k0 = k + 1;
            acc = 0;
        }
    }
}

/* The postings of every term, written to wc->w in term order; their
 * entries in *out_terms (the caller frees), *out_nt of them. */
static int write_terms(struct wctx *wc, int nthreads,
                       struct term_disk **out_terms, size_t *out_nt)
{
    struct pb_index *ix = wc->ix;
    size_t n_all = (ix->hdr ? ix->hdr->n_terms : 0) + ix->n_dterms;
    struct term_disk *terms = pb_reallocarray(NULL, n_all + 1, sizeof *terms);
    size_t nt = 0;
    int rc = PB_OK;
    make_units(wc);
    pthread_mutex_init(&wc->mu, NULL);
    pthread_cond_init(&wc->cv, NULL);
    pthread_t th[8];
    int started = 0;
    if (nthreads > 8)
        nthreads = 8;
    for (int i = 0; nthreads > 1 && i < nthreads; i++) {
        if (pthread_create(&th[i], NULL, write_worker, wc) != 0)
            break;
        started++;
    }
    if (!started) {
        struct cursor *c = pb_calloc(1, sizeof *c);
        struct tbuild tb;
        tb_init(&tb);
        for (size_t i = 0; i < wc->n_units && !rc; i++) {
            rc = build_unit(wc, &wc->u[i], c, &tb);
            if (!rc)
                rc = emit_unit(wc, &wc->u[i], terms, &nt);
        }
        free(c);
        tb_clear(&tb);
    }
    for (size_t i = 0; started && i < wc->n_units && !rc; i++) {
        struct wunit *u = &wc->u[i];
        pthread_mutex_lock(&wc->mu);
        while (!u->done && !wc->abort)
            pthread_cond_wait(&wc->cv, &wc->mu);
        int done = u->done;
        pthread_mutex_unlock(&wc->mu);
        if (!done || u->rc) {
            rc = u->rc;
            for (size_t j = 0; !rc && j < wc->n_units; j++)
                rc = wc->u[j].rc; /* the unit that failed */
            if (!rc)
                rc = PB_EIO;
            break;
        }
        rc = emit_unit(wc, u, terms, &nt);
        pthread_mutex_lock(&wc->mu);
        wc->next_write = i + 1;
        if (rc)
            wc->abort = 1;
        pthread_cond_broadcast(&wc->cv);
        pthread_mutex_unlock(&wc->mu);
    }
    if (started) {
        pthread_mutex_lock(&wc->mu);
        wc->abort = 1; /* idle workers: stop */
        pthread_cond_broadcast(&wc->cv);
        pthread_mutex_unlock(&wc->mu);
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
    }
    for (size_t i = 0; i < wc->n_units; i++)
        unit_clear(&wc->u[i]);
    free(wc->u);
    pthread_mutex_destroy(&wc->mu);
    pthread_cond_destroy(&wc->cv);
    *out_terms = terms;
    *out_nt = nt;
    return rc;
}

static int write_all(struct pb_index *ix, FILE *fp, int nthreads)
{
    int rc = PB_OK;
    struct wfile w = {fp, 0, 0};
    struct docs *d = &ix->d;
    size_t n_old = d->n;
    /* new docids: the live documents in pb_doc_order() */
    uint32_t n_new = 0;
    uint32_t *order = pb_doc_order(ix, &n_new);
    uint32_t *remap = pb_reallocarray(NULL, n_old ? n_old : 1, 4);
    double sum[PB_NFIELDS] = {0}, avg[PB_NFIELDS];
    for (size_t i = 0; i < n_old; i++) {
        remap[i] = DOC_END;
        if (!d->deleted[i])
            for (int f = 0; f < PB_NFIELDS; f++)
                sum[f] += d->flen[i][f];
    }
    for (uint32_t j = 0; j < n_new; j++)
        remap[order[j]] = j;
    for (int f = 0; f < PB_NFIELDS; f++)
        avg[f] = n_new ? sum[f] / n_new : 0;
    const struct pb_bm25 *pr = &ix->params;
    double *fnorm = pb_reallocarray(NULL, (size_t)(n_new ? n_new : 1),
                                    sizeof(double) * PB_NFIELDS);
    for (size_t i = 0; i < n_old; i++) {
        if (remap[i] == DOC_END)
            continue;
        for (int f = 0; f < PB_NFIELDS; f++)
            fnorm[(size_t)remap[i] * PB_NFIELDS + f] =
                pb_file_norm(pr->w[f], pr->b[f], avg[f], d->flen[i][f]);
    }

    struct file_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, IDX_MAGIC, 8);
    h.n_docs = n_new;
    h.seq = ix->seq;
    h.k1 = pr->k1;
    memcpy(h.b, pr->b, sizeof h.b);
    memcpy(h.w, pr->w, sizeof h.w);
    h.fts5_idf = (uint32_t)pr->fts5_idf;
    memcpy(h.avg, avg, sizeof avg);
    wput(&w, &h, sizeof h);

    /* doc arrays, live docs only, in the new order */
#define DOC_ARRAY(field, member, type)                                       \
    walign(&w, 8);                                                           \
    h.field = w.off;                                                         \
    for (uint32_t j = 0; j < n_new; j++)                                     \
        wput(&w, &d->member[order[j]], sizeof(type));
    DOC_ARRAY(pid, pid, int64_t)
    DOC_ARRAY(day, day, int32_t)
    DOC_ARRAY(upv, upv, int32_t)
    DOC_ARRAY(flen, flen, uint16_t[PB_NFIELDS])
#undef DOC_ARRAY
    walign(&w, 8);
    h.cat_off = w.off;
    uint32_t acc = 0;
    wput(&w, &acc, 4);
    for (uint32_t j = 0; j < n_new; j++) {
        uint32_t i = order[j];
        acc += d->cat_off[i + 1] - d->cat_off[i];
        wput(&w, &acc, 4);
    }
    walign(&w, 8);
    h.cats = w.off;
    for (uint32_t j = 0; j < n_new; j++) {
        uint32_t i = order[j];
        wput(&w, d->cats + d->cat_off[i],
             (d->cat_off[i + 1] - d->cat_off[i]) * 2);
    }
    walign(&w, 8);
    h.id_off = w.off;
    acc = 0;
    wput(&w, &acc, 4);
    for (uint32_t j = 0; j < n_new; j++) {
        uint32_t i = order[j];
        acc += d->id_off[i + 1] - d->id_off[i];
        wput(&w, &acc, 4);
    }
    h.ids = w.off;
    for (uint32_t j = 0; j < n_new; j++) {
        uint32_t i = order[j];
        wput(&w, d->ids + d->id_off[i], d->id_off[i + 1] - d->id_off[i]);
    }
    h.catnames_off = w.off;
    h.n_cats = (uint32_t)ix->n_cat_names;
    for (size_t i = 0; i < ix->n_cat_names; i++) {
        uint8_t l = (uint8_t)strlen(ix->cat_names[i]);
        wput(&w, &l, 1);
        wput(&w, ix->cat_names[i], l);
    }
    h.catnames = w.off - h.catnames_off;

    /* postings: main terms (merged with their delta part), then the delta
     * terms the main segment lacks; in units of terms built on up to
     * nthreads threads and written here in order (write_terms()) */
    walign(&w, 8);
    h.postings = w.off;
    size_t nt = 0;
    struct term_disk *terms = NULL;
    struct pb_buf strings;
    pb_buf_init(&strings, (size_t)UINT32_MAX);
    struct wctx wc = {.ix = ix, .remap = remap,
                      .nbits = pb_bitwidth(n_new ? n_new - 1 : 0),
                      .fnorm = fnorm, .w = &w, .strings = &strings};
    rc = write_terms(&wc, nthreads, &terms, &nt);

    walign(&w, 8);
    h.terms = w.off;
    h.n_terms = (uint32_t)nt;
    wput(&w, terms, nt * sizeof *terms);
    uint32_t ns = 16;
    while (ns < nt * 2 + 2)
        ns *= 2;
    uint32_t *slots = pb_calloc(ns, 4);
    for (size_t k = 0; k < nt; k++) {
        uint32_t j = pb_term_hash(strings.p + terms[k].str_off,
                                  terms[k].str_len) & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = (uint32_t)k + 1;
    }
    walign(&w, 8);
    h.slots = w.off;
    h.n_slots = ns;
    wput(&w, slots, (size_t)ns * 4);
    h.strings = w.off;
    wput(&w, strings.p, strings.len);
    walign(&w, 8);
    h.size = w.off;
    if (fseek(fp, 0, SEEK_SET) != 0)
        w.err = 1;
    wput(&w, &h, sizeof h);
    if (!rc && w.err)
        rc = PB_EIO;
    free(slots);
    free(terms);
    pb_buf_clear(&strings);
    free(fnorm);
    free(remap);
    free(order);
    return rc;
}

int pb_index_write(struct pb_index *ix, const char *path, struct pb_err *err)
{
    return pb_index_write_threads(ix, path, 2, err);
}

int pb_index_write_threads(struct pb_index *ix, const char *path, int nthreads,
                           struct pb_err *err)
{
    int rc = PB_OK;
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return pb_err_set(err, PB_EINVAL, "%s: path too long", path);
    FILE *fp = fopen(tmp, "wb");
    if (!fp)
        return pb_err_set(err, PB_EIO, "%s: %s", tmp, strerror(errno));
    setvbuf(fp, NULL, _IOFBF, 1 << 20);
    pthread_rwlock_rdlock(&ix->lock);
    rc = write_all(ix, fp, nthreads);
    pthread_rwlock_unlock(&ix->lock);
    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
        rc = rc ? rc : PB_EIO;
    if (fclose(fp) != 0)
        rc = rc ? rc : PB_EIO;
    if (!rc && rename(tmp, path) != 0)
        rc = PB_EIO;
    if (rc) {
        unlink(tmp);
        pb_err_set(err, rc, "%s: cannot write the index (%s)", path,
                   pb_strerror(rc));
    }
    return rc;
}

/* ---- loading ---------------------------------------------------------------- */

static int in_file(const struct file_hdr *h, uint64_t off, uint64_t len)
{
    return off <= h->size && len <= h->size - off;
}

static int finite_ge0(double x)
{
    return isfinite(x) && x >= 0;
}

/* Walk n varints from *p, each at most 5 bytes and all before end. */
static int walk_varints(const uint8_t **p, const uint8_t *end, uint64_t n)
{
    const uint8_t *q = *p;
    for (uint64_t i = 0; i < n; i++) {
        unsigned k = 0;
        for (;;) {
            if (q >= end || k == 5)
                return -1;
            k++;
            if (!(*q++ & 0x80))
                break;
        }
    }
    *p = q;
    return 0;
}

/* One term's postings, [t, e) of the file: its block directory, every
 * block's header, packed docids and tfs, and every position varint, read
 * in the order a cursor reads them. Why they are unusable, or NULL. */
static const char *check_term(const struct pb_index *ix, const uint8_t *t,
                              const uint8_t *e, const struct term_disk *tm)
{
    const struct file_hdr *h = ix->hdr;
    const uint16_t(*flen)[PB_NFIELDS] =
        (const uint16_t(*)[PB_NFIELDS])((const uint8_t *)ix->map + h->flen);
    uint64_t room = (uint64_t)(e - t);
    if (!tm->nblk || (uint64_t)tm->nblk * sizeof(struct blk_disk) > room ||
        !finite_ge0(tm->maxtf))
        return "a term's block directory";
    /* the impacts close the term's data */
    if (tm->imp > room || room - tm->imp < tm->df)
        return "a term's impacts";
    const uint8_t *imp = t + tm->imp;
    const struct blk_disk *blks = (const struct blk_disk *)t;
    int64_t prev = -1;
    uint64_t df = 0;
    uint32_t gaps[BLK], tf[PB_NFIELDS][BLK];
    for (uint32_t b = 0; b < tm->nblk; b++) {
        const struct blk_disk *bd = &blks[b];
        if (bd->off > room || room - bd->off < 8 || !finite_ge0(bd->maxtf))
            return "a block offset";
        const uint8_t *p = t + bd->off;
        uint32_t cnt = (uint32_t)p[0] + 1;
        if (cnt > BLK)
            return "a block's posting count";
        uint8_t w[1 + PB_NFIELDS];
        memcpy(w, p + 1, sizeof w);
        uint64_t bytes = 8;
        for (size_t f = 0; f < sizeof w; f++) {
            if (w[f] > 32)
                return "a block's bit width";
            bytes += pb_bitpack_words(cnt, w[f]) * 4;
        }
        if (bytes > room - bd->off)
            return "a block's length";
        p += 8;
        pb_bitunpack(p, cnt, w[0], gaps);
        p += pb_bitpack_words(cnt, w[0]) * 4;
        for (uint32_t i = 0; i < cnt; i++) {
            prev += (int64_t)gaps[i] + 1;
            if (prev >= (int64_t)h->n_docs)
                return "a posting's document number";
            gaps[i] = (uint32_t)prev; /* now the docids */
        }
        if ((uint64_t)prev != bd->last)
            return "a block's last document";
        for (int f = 0; f < PB_NFIELDS; f++) {
            pb_bitunpack(p, cnt, w[1 + f], tf[f]);
            p += pb_bitpack_words(cnt, w[1 + f]) * 4;
        }
        /* the score bounds pruning trusts: the block's and the term's
         * maxtf and each posting's impact bound its pseudo-tf (the slack
         * allows for the last bit of a differently rounded sum; search
         * adds more) */
        if (bd->maxtf > tm->maxtf)
            return "a block's score bound";
        if (df + cnt > tm->df)
            return "a term's document count";
        for (uint32_t i = 0; i < cnt; i++) {
            const uint16_t *fl = flen[gaps[i]];
            double x = 0;
            for (int f = 0; f < PB_NFIELDS; f++)
                x += tf[f][i] * ix->fnorm[f][fl[f]];
            double lo = x * (1 - 1e-12);
            if ((double)bd->maxtf < lo)
                return "a block's score bound";
            uint8_t q = imp[df + i];
            if (q != IMP_OPEN && q / IMP_SCALE < lo)
                return "a posting's score bound";
        }
        /* positions run to the next block's, the last block's to the
         * impacts */
        const uint8_t *pe =
            b + 1 < tm->nblk ? t + blks[b + 1].pos_off : t + tm->imp;
        if (bd->pos_off > room || pe < t + bd->pos_off || pe > e)
            return "a block's positions";
        const uint8_t *pp = t + bd->pos_off;
        for (uint32_t i = 0; i < cnt; i++)
            for (int f = 0; f < PB_NFIELDS; f++)
                if (tf[f][i] > TF_MAX || walk_varints(&pp, pe, tf[f][i]))
                    return "a block's positions";
        df += cnt;
    }
    if (df != tm->df)
        return "a term's document count";
    return NULL;
}

/* Why the file in memory at base (len bytes) is not a usable index, or
 * NULL. Every offset, length and count a search follows is checked here,
 * once, so that the search code can trust them; each term's postings are
 * checked on the term's first use (pb_index_term_ok(): a whole pass over
 * the postings would make every `paperboy search` read the whole file). */
static const char *check_file(const uint8_t *base, size_t len)
{
    const struct file_hdr *h = (const struct file_hdr *)base;
    if (memcmp(h->magic, IDX_MAGIC, 8) != 0)
        return "not a paperboy index of this version";
    if (h->size != (uint64_t)len)
        return "its length is not the one its header gives (truncated?)";
    uint64_t n = h->n_docs;
    if (!in_file(h, h->pid, n * 8) || h->pid % 8 || !in_file(h, h->day, n * 4) ||
        h->day % 4 || !in_file(h, h->upv, n * 4) || h->upv % 4 ||
        !in_file(h, h->flen, n * 8) || h->flen % 2 ||
        !in_file(h, h->cat_off, (n + 1) * 4) || h->cat_off % 4 ||
        !in_file(h, h->id_off, (n + 1) * 4) || h->id_off % 4 ||
        h->cats % 2 || !in_file(h, h->catnames_off, h->catnames) ||
        !in_file(h, h->terms, (uint64_t)h->n_terms * sizeof(struct term_disk)) ||
        h->terms % 8 || !in_file(h, h->slots, (uint64_t)h->n_slots * 4) ||
        h->slots % 4 || h->strings > h->size || h->postings > h->terms)
        return "a section lies outside the file";
    if (!h->n_slots || (h->n_slots & (h->n_slots - 1)) ||
        h->n_slots <= h->n_terms)
        return "the term hash table's size";
    if (!finite_ge0(h->k1) || h->fts5_idf > 1)
        return "the ranking parameters";
    for (int f = 0; f < PB_NFIELDS; f++)
        if (!finite_ge0(h->b[f]) || h->b[f] > 1 || !finite_ge0(h->w[f]) ||
            !finite_ge0(h->avg[f]))
            return "the ranking parameters";
    const uint32_t *cat_off = (const uint32_t *)(base + h->cat_off);
    const uint32_t *id_off = (const uint32_t *)(base + h->id_off);
    if (cat_off[0] || id_off[0])
        return "the per-paper offsets";
    for (uint64_t i = 0; i < n; i++)
        if (cat_off[i + 1] < cat_off[i] || id_off[i + 1] < id_off[i])
            return "the per-paper offsets";
    if (!in_file(h, h->cats, (uint64_t)cat_off[n] * 2) ||
        !in_file(h, h->ids, id_off[n]))
        return "the per-paper offsets";
    if (h->n_cats > 1023)
        return "the number of categories";
    const uint8_t *cn = base + h->catnames_off, *ce = cn + h->catnames;
    for (uint32_t i = 0; i < h->n_cats; i++) {
        if (cn >= ce || *cn > ce - cn - 1)
            return "the category names";
        cn += 1 + *cn;
    }
    const uint16_t *cats = (const uint16_t *)(base + h->cats);
    for (uint64_t k = 0; k < cat_off[n]; k++)
        if (cats[k] >= h->n_cats)
            return "a paper's category";
    const uint32_t *slots = (const uint32_t *)(base + h->slots);
    uint64_t used = 0;
    for (uint32_t i = 0; i < h->n_slots; i++) {
        if (slots[i] > h->n_terms)
            return "the term hash table";
        used += slots[i] != 0;
    }
    if (used != h->n_terms)
        return "the term hash table";
    const struct term_disk *terms =
        (const struct term_disk *)(base + h->terms);
    uint64_t strings = h->size - h->strings, prev_end = h->postings;
    for (uint32_t k = 0; k < h->n_terms; k++) {
        const struct term_disk *tm = &terms[k];
        if (tm->str_off > strings || tm->str_len > strings - tm->str_off)
            return "a term's text";
        /* terms follow each other in the file, each up to the next */
        uint64_t end = k + 1 < h->n_terms ? terms[k + 1].off : h->terms;
        if (tm->off < prev_end || tm->off % 4 || end < tm->off ||
            end > h->terms)
            return "a term's offset";
        prev_end = end; /* postings: pb_index_term_ok(), on first use */
    }
    return NULL;
}

int pb_index_term_ok(const struct pb_index *ix, const struct term_disk *tm)
{
    size_t k = (size_t)(tm - ix->tterms);
    uint8_t v = atomic_load_explicit(&ix->tcheck[k], memory_order_acquire);
    if (v)
        return v == 1;
    const struct file_hdr *h = ix->hdr;
    const uint8_t *base = ix->map;
    uint64_t end = k + 1 < h->n_terms ? ix->tterms[k + 1].off : h->terms;
    const char *why = check_term(ix, base + tm->off, base + end, tm);
    if (why) {
        uint8_t was = 0;
        if (atomic_compare_exchange_strong(&ix->tcheck[k], &was, 2))
            fprintf(stderr,
                    "paperboy: the search index is damaged (%s of the term "
                    "\"%.*s\"): that word finds nothing until paperboy "
                    "reindex rebuilds it\n",
                    why, (int)(tm->str_len > 64 ? 64 : tm->str_len),
                    ix->tstrings + tm->str_off);
        return 0;
    }
    atomic_store_explicit(&ix->tcheck[k], 1, memory_order_release);
    return 1;
}

int pb_index_check_all(const struct pb_index *ix, const _Atomic int *stop)
{
    if (!ix->hdr)
        return PB_OK;
    int rc = PB_OK;
    for (uint32_t k = 0; k < ix->hdr->n_terms; k++) {
        if (stop && atomic_load(stop))
            return PB_EINTR;
        if (!pb_index_term_ok(ix, &ix->tterms[k]))
            rc = PB_EPARSE;
    }
    return rc;
}

int pb_index_map(struct pb_index *ix, const char *path, struct pb_err *err)
{
    int rc = PB_OK;
    void *map;
    size_t len;
    rc = pb_fmap(path, sizeof(struct file_hdr), "a paperboy index", &map,
                 &len, err);
    if (rc)
        return rc;
    const struct file_hdr *h = map;
    const char *why = check_file(map, len);
    if (why) {
        int ours = !memcmp(h->magic, IDX_MAGIC, 8);
        pb_fmap_free(map, len);
        if (ours)
            return pb_err_set(err, PB_EPARSE,
                              "%s: the index is damaged (%s); rebuild it "
                              "with paperboy reindex",
                              path, why);
        return pb_err_set(err, PB_EPARSE,
                          "%s: not a paperboy index of this version (run "
                          "paperboy reindex)", path);
    }
    const char *base = map;
    const uint32_t *cat_off = (const uint32_t *)(base + h->cat_off);
    const uint32_t *id_off = (const uint32_t *)(base + h->id_off);
    uint64_t n = h->n_docs;
    ix->map = map;
    ix->map_len = len;
    ix->hdr = h;
    ix->tterms = (const struct term_disk *)(base + h->terms);
    ix->tslots = (const uint32_t *)(base + h->slots);
    ix->tstrings = base + h->strings;
    ix->tcheck = pb_calloc(h->n_terms ? h->n_terms : 1, 1);
    ix->n_main = (uint32_t)n;
    ix->seq = h->seq;
    ix->params.k1 = h->k1;
    memcpy(ix->params.b, h->b, sizeof h->b);
    memcpy(ix->params.w, h->w, sizeof h->w);
    ix->params.fts5_idf = (int)h->fts5_idf;
    const uint8_t *cn = (const uint8_t *)base + h->catnames_off;
    const uint8_t *ce = cn + h->catnames;
    for (uint32_t i = 0; i < h->n_cats && cn < ce; i++) {
        uint8_t l = *cn++;
        char name[256];
        memcpy(name, cn, l);
        name[l] = 0;
        cn += l;
        ix->cat_names = pb_reallocarray(ix->cat_names, ix->n_cat_names + 1,
                                        sizeof *ix->cat_names);
        uint32_t j = pb_term_hash(name, l) & 1023;
        while (ix->cat_slots[j])
            j = (j + 1) & 1023;
        ix->cat_names[ix->n_cat_names] = pb_strdup(name);
        ix->cat_slots[j] = (uint32_t)++ix->n_cat_names;
    }
    struct docs *d = &ix->d;
    pb_docs_reserve(d, n + 1);
    memcpy(d->pid, base + h->pid, n * 8);
    memcpy(d->day, base + h->day, n * 4);
    memcpy(d->upv, base + h->upv, n * 4);
    memcpy(d->flen, base + h->flen, n * 8);
    memset(d->deleted, 0, n);
    memcpy(d->cat_off, cat_off, (n + 1) * 4);
    d->n_cats_used = d->cap_cats = cat_off[n];
    d->cats = pb_reallocarray(NULL, d->cap_cats ? d->cap_cats : 1, 2);
    memcpy(d->cats, base + h->cats, (size_t)cat_off[n] * 2);
    memcpy(d->id_off, id_off, (n + 1) * 4);
    d->ids_len = d->ids_cap = id_off[n];
    d->ids = pb_realloc(NULL, d->ids_cap ? d->ids_cap : 1);
    memcpy(d->ids, base + h->ids, id_off[n]);
    d->n = n;
    ix->n_live = n;
    for (uint64_t i = 0; i < n; i++)
        for (int f = 0; f < PB_NFIELDS; f++) {
            ix->flen_sum[f] += d->flen[i][f];
            if (d->flen[i][f] > ix->flen_max[f])
                ix->flen_max[f] = d->flen[i][f];
        }
    /* the file's norms, for checking its bounds (pb_index_term_ok()) */
    size_t nn = 0;
    for (int f = 0; f < PB_NFIELDS; f++)
        nn += (size_t)ix->flen_max[f] + 1;
    double *t = pb_reallocarray(NULL, nn, sizeof *t);
    for (int f = 0; f < PB_NFIELDS; f++) {
        ix->fnorm[f] = t;
        for (size_t l = 0; l <= ix->flen_max[f]; l++)
            t[l] = pb_file_norm(h->w[f], h->b[f], h->avg[f], (uint16_t)l);
        t += (size_t)ix->flen_max[f] + 1;
    }
    return rc;
}

int pb_index_open(const char *path, struct pb_index **out, struct pb_err *err)
{
    struct pb_index *ix = pb_index_new(NULL);
    int rc = pb_index_map(ix, path, err);
    if (rc) {
        pb_index_free(ix);
        *out = NULL;
        return rc;
    }
    ix->pmap_lazy = 1; /* pmap_ensure() */
    *out = ix;
    return PB_OK;
}
