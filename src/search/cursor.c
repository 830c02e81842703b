/* cursor.c - iterate one term's postings over the main and delta segments. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "search/search_int.h"

void pb_block_decode(const uint8_t *tbase, const struct blk_disk *b,
                     uint32_t prev_last, uint32_t *n, uint32_t *docs,
                     const uint8_t *tfp[PB_NFIELDS], uint8_t wtf[PB_NFIELDS])
{
    const uint8_t *p = tbase + b->off;
    uint32_t cnt = (uint32_t)p[0] + 1;
    unsigned wdoc = p[1];
    memcpy(wtf, p + 2, PB_NFIELDS);
    p += 8;
    /* prev_last is UINT32_MAX before block 0: the sums wrap to docids */
    pb_bitunpack_gaps(p, cnt, wdoc, prev_last, docs);
    p += pb_bitpack_words(cnt, wdoc) * 4;
    for (int f = 0; f < PB_NFIELDS; f++) {
        tfp[f] = p;
        p += pb_bitpack_words(cnt, wtf[f]) * 4;
    }
    *n = cnt;
}

static void load_block(struct cursor *c)
{
    const struct blk_disk *b = &c->blks[c->bi];
    uint32_t prev = c->bi ? c->blks[c->bi - 1].last : UINT32_MAX;
    pb_block_decode(c->tbase, b, prev, &c->n, c->docs, c->tfp, c->wtf);
    /* the next block of a term is read soon (a scan, a lookup further on)
     * and many terms are read at once: fetch its docids and impacts now
     * (measured: the loads of a block's docids were the decoding's cost) */
    if (c->bi + 1 < c->nblk) {
        const uint8_t *nx = c->tbase + b[1].off;
        const uint8_t *ni = c->imp + (size_t)(c->bi + 1) * BLK;
        for (int k = 0; k < 4; k++)
            __builtin_prefetch(nx + 64 * k);
        __builtin_prefetch(ni);
        __builtin_prefetch(ni + 64);
    }
    c->i = 0;
    c->tf_ready = 0;
    c->tf_peeks = 0;
    c->pp = c->tbase + b->pos_off;
    c->pi = 0;
    c->doc = c->docs[0];
}

void pb_cursor_load_tf(struct cursor *c)
{
    for (int f = 0; f < PB_NFIELDS; f++)
        pb_bitunpack(c->tfp[f], c->n, c->wtf[f], c->tf[f]);
    c->tf_ready = 1;
}

static void enter_delta(struct cursor *c)
{
    c->in_delta = 1;
    c->di = 0;
    c->doc = c->n_d ? c->ddoc[0] : DOC_END;
}

static void decode_delta(struct cursor *c, const struct dterm *td,
                         const struct normtab *nt)
{
    c->n_d = td->df;
    c->ddoc = pb_reallocarray(NULL, td->df, sizeof *c->ddoc);
    c->dtf = pb_reallocarray(NULL, td->df, sizeof *c->dtf);
    c->dpoff = pb_reallocarray(NULL, (size_t)td->df + 1, sizeof *c->dpoff);
    size_t cap = (size_t)td->n, np = 0; /* >= 1 byte per position */
    c->dpos = pb_reallocarray(NULL, cap ? cap : 1, sizeof *c->dpos);
    const uint8_t *p = td->buf;
    int64_t last = -1;
    double best = 0;
    for (uint32_t k = 0; k < td->df; k++) {
        uint32_t delta;
        p = pb_varint_get(p, &delta);
        last = last + 1 + delta;
        c->ddoc[k] = (uint32_t)last;
        uint8_t mask = *p++;
        c->dpoff[k] = (uint32_t)np;
        uint32_t tfs[PB_NFIELDS];
        for (int f = 0; f < PB_NFIELDS; f++) {
            uint32_t tf = 0;
            if (mask & (1u << f)) {
                p = pb_varint_get(p, &tf);
                uint32_t pos = 0;
                for (uint32_t j = 0; j < tf; j++) {
                    uint32_t dp;
                    p = pb_varint_get(p, &dp);
                    pos += dp;
                    c->dpos[np++] = (uint16_t)(pos > POS_MAX ? POS_MAX : pos);
                }
            }
            c->dtf[k][f] = (uint16_t)tf;
            tfs[f] = tf;
        }
        double x = nt ? pb_doc_pseudo_tf(nt, (uint32_t)last, tfs) : 0;
        if (x > best)
            best = x;
    }
    c->dpoff[td->df] = (uint32_t)np;
    c->delta_maxtf = best;
}

void pb_cursor_open(struct cursor *c, const struct pb_index *ix,
                    const struct term_disk *tm, const struct dterm *td,
                    const struct normtab *nt)
{
    memset(c, 0, offsetof(struct cursor, docs));
    c->tf_peek_max = 0;
    c->ddoc = NULL;
    c->dtf = NULL;
    c->dpoff = NULL;
    c->dpos = NULL;
    c->n_d = c->di = 0;
    c->in_delta = 0;
    c->delta_maxtf = 0;
    c->main_maxtf = tm ? tm->maxtf : 0;
    c->ix = ix;
    c->df = (tm ? tm->df : 0) + (td ? td->df : 0);
    if (td && td->df)
        decode_delta(c, td, nt);
    if (tm && tm->nblk) {
        c->tbase = (const uint8_t *)ix->map + tm->off;
        c->blks = (const struct blk_disk *)c->tbase;
        c->imp = c->tbase + tm->imp;
        c->nblk = tm->nblk;
        c->bi = c->sbi = 0;
        load_block(c);
    } else {
        enter_delta(c);
    }
}

void pb_cursor_close(struct cursor *c)
{
    free(c->ddoc);
    free(c->dtf);
    free(c->dpoff);
    free(c->dpos);
    c->ddoc = NULL;
    c->dtf = NULL;
    c->dpoff = NULL;
    c->dpos = NULL;
}

void pb_cursor_next(struct cursor *c)
{
    if (c->doc == DOC_END)
        return;
    if (c->in_delta) {
        c->di++;
        c->doc = c->di < c->n_d ? c->ddoc[c->di] : DOC_END;
        return;
    }
    if (++c->i < c->n) {
        c->doc = c->docs[c->i];
        return;
    }
    if (++c->bi < c->nblk) {
        load_block(c);
        return;
    }
    enter_delta(c);
}

void pb_cursor_advance(struct cursor *c, uint32_t target)
{
    if (c->doc >= target)
        return;
    if (!c->in_delta) {
        if (c->blks[c->bi].last < target) {
            uint32_t j = c->bi + 1;
            while (j < c->nblk && c->blks[j].last < target)
                j++;
            if (j >= c->nblk) {
                c->bi = c->nblk;
                enter_delta(c);
                goto delta;
            }
            c->bi = j;
            if (c->sbi < j)
                c->sbi = j;
            load_block(c);
        }
        /* near targets are the common case (the next candidate); far
         * ones get a branch-free lower bound in docs[i..n) (the last is
         * >= target) */
        for (int k = 0; k < 4; k++) {
            if (c->docs[c->i] >= target) {
                c->doc = c->docs[c->i];
                return;
            }
            c->i++;
        }
        const uint32_t *b = c->docs + c->i;
        uint32_t len = c->n - c->i;
        while (len > 1) {
            uint32_t half = len / 2;
            b = b[half - 1] < target ? b + half : b;
            len -= half;
        }
        c->i = (uint32_t)(b - c->docs);
        c->doc = *b;
        return;
    }
delta:
    if (c->doc >= target)
        return;
    {
        uint32_t lo = c->di, hi = c->n_d;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (c->ddoc[mid] < target)
                lo = mid + 1;
            else
                hi = mid;
        }
        c->di = lo;
        c->doc = lo < c->n_d ? c->ddoc[lo] : DOC_END;
    }
}

static const uint8_t *skip_varints(const uint8_t *p, uint32_t n)
{
    while (n--) {
        while (*p & 0x80)
            p++;
        p++;
    }
    return p;
}

size_t pb_cursor_positions(struct cursor *c, int f, uint16_t *out, size_t cap)
{
    if (c->doc == DOC_END)
        return 0;
    if (c->in_delta) {
        uint32_t off = c->dpoff[c->di];
        for (int g = 0; g < f; g++)
            off += c->dtf[c->di][g];
        size_t n = c->dtf[c->di][f];
        if (n > cap)
            n = cap;
        memcpy(out, c->dpos + off, n * sizeof *out);
        return n;
    }
    while (c->pi < c->i) {
        uint32_t tot = 0;
        for (int g = 0; g < PB_NFIELDS; g++)
            tot += pb_cursor_btf(c, g, c->pi);
        c->pp = skip_varints(c->pp, tot);
        c->pi++;
    }
    const uint8_t *p = c->pp;
    for (int g = 0; g < f; g++)
        p = skip_varints(p, pb_cursor_btf(c, g, c->i));
    uint32_t n = pb_cursor_btf(c, f, c->i), pos = 0;
    size_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t d;
        p = pb_varint_get(p, &d);
        pos += d;
        if (k < cap)
            out[k++] = (uint16_t)(pos > POS_MAX ? POS_MAX : pos);
    }
    return k;
}

double pb_cursor_block_maxtf(struct cursor *c, uint32_t target, double scale)
{
    if (!c->in_delta) {
        uint32_t j = c->sbi > c->bi ? c->sbi : c->bi;
        while (j < c->nblk && c->blks[j].last < target)
            j++;
        c->sbi = j;
        if (j < c->nblk)
            return c->blks[j].maxtf * scale;
    }
    if (c->n_d && c->ddoc[c->n_d - 1] >= target)
        return c->delta_maxtf;
    return -1;
}

double pb_cursor_range_maxtf(struct cursor *c, uint32_t lo, uint32_t hi,
                             double scale)
{
    double m = -1;
    if (!c->in_delta) {
        uint32_t j = c->sbi > c->bi ? c->sbi : c->bi;
        while (j < c->nblk && c->blks[j].last < lo)
            j++;
        c->sbi = j;
        for (; j < c->nblk; j++) {
            double x = c->blks[j].maxtf * scale;
            if (x > m)
                m = x;
            if (c->blks[j].last >= hi)
                return m;
        }
    }
    /* delta docids follow the main segment's */
    if (c->n_d && c->ddoc[c->n_d - 1] >= lo && c->ddoc[0] <= hi &&
        c->delta_maxtf > m)
        m = c->delta_maxtf;
    return m;
}

double pb_cursor_term_maxtf(const struct cursor *c, double scale)
{
    double m = c->main_maxtf * scale;
    return m > c->delta_maxtf ? m : c->delta_maxtf;
}

uint32_t pb_cursor_block_last(struct cursor *c, uint32_t target)
{
    if (!c->in_delta) {
        uint32_t j = c->sbi > c->bi ? c->sbi : c->bi;
        while (j < c->nblk && c->blks[j].last < target)
            j++;
        c->sbi = j;
        if (j < c->nblk)
            return c->blks[j].last;
    }
    if (c->n_d && c->ddoc[c->n_d - 1] >= target)
        return c->ddoc[c->n_d - 1];
    return DOC_END - 1;
}
