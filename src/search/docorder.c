/* docorder.c - the docid order of a written index: papers grouped by topic.
 *
 * A written index numbers its live documents by their categories (the
 * paper's list, primary first, compared as names), then by pid. Papers of
 * one topic then sit in runs of neighbouring docids, so a term's postings
 * cluster in few blocks and the block score bounds that search prunes with
 * (search.c) are high in those blocks and low elsewhere: a verbose query
 * skips more. Within a topic, pid order keeps the order papers arrived in.
 * The order is a pure function of the documents, so a rebuild's file does
 * not depend on which thread indexed which paper. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "search/search_int.h"

#define ORDER_CATS 3 /* categories of the key; more rarely split a group */

struct okey {
    uint16_t r[ORDER_CATS]; /* 1 + rank of the category's name; 0 none */
    int64_t pid;
    uint32_t doc;
};

struct cname {
    const char *s;
    uint16_t code;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct cname *)a)->s, ((const struct cname *)b)->s);
}

static int by_key(const void *a, const void *b)
{
    const struct okey *x = a, *y = b;
    for (int i = 0; i < ORDER_CATS; i++)
        if (x->r[i] != y->r[i])
            return x->r[i] < y->r[i] ? -1 : 1;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

uint32_t *pb_doc_order(const struct pb_index *ix, uint32_t *out_n)
{
    const struct docs *d = &ix->d;
    if (ix->keep_order) {
        uint32_t *order = pb_reallocarray(NULL, d->n ? d->n : 1, 4), n = 0;
        for (size_t i = 0; i < d->n; i++)
            if (!d->deleted[i])
                order[n++] = (uint32_t)i;
        *out_n = n;
        return order;
    }
    size_t nc = ix->n_cat_names;
    struct cname *byname = pb_reallocarray(NULL, nc ? nc : 1, sizeof *byname);
    uint16_t *rank = pb_reallocarray(NULL, nc ? nc : 1, sizeof *rank);
    for (size_t c = 0; c < nc; c++)
        byname[c] = (struct cname){ix->cat_names[c], (uint16_t)c};
    qsort(byname, nc, sizeof *byname, by_name);
    for (size_t i = 0; i < nc; i++)
        rank[byname[i].code] = (uint16_t)(i + 1);
    struct okey *k = pb_reallocarray(NULL, d->n ? d->n : 1, sizeof *k);
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->deleted[i])
            continue;
        struct okey *e = &k[n++];
        memset(e->r, 0, sizeof e->r);
        uint32_t a = d->cat_off[i], m = d->cat_off[i + 1] - a;
        for (uint32_t j = 0; j < m && j < ORDER_CATS; j++)
            e->r[j] = d->cats[a + j] < nc ? rank[d->cats[a + j]] : 0;
        e->pid = d->pid[i];
        e->doc = (uint32_t)i;
    }
    qsort(k, n, sizeof *k, by_key);
    uint32_t *order = pb_reallocarray(NULL, n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = k[i].doc;
    free(k);
    free(rank);
    free(byname);
    *out_n = (uint32_t)n;
    return order;
}

/* Sort a[0..n) ascending by bits [lo, lo + bits) (the bits above are
 * zero); tmp holds n. Least significant byte first: stable, so equal
 * digits keep the order of the pass before. */
static void radix_sort(uint64_t *a, uint64_t *tmp, size_t n, unsigned lo,
                       unsigned bits)
{
    uint64_t *src = a, *dst = tmp;
    for (unsigned sh = lo; sh < lo + bits; sh += 8) {
        size_t cnt[257] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[((src[i] >> sh) & 255) + 1]++;
        for (int b = 0; b < 256; b++)
            cnt[b + 1] += cnt[b];
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i] >> sh) & 255]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

void pb_sort_u64(uint64_t *a, uint64_t *tmp, size_t n, unsigned lo,
                 unsigned bits)
{
    if (n < 48) {
        for (size_t i = 1; i < n; i++) {
            uint64_t x = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > x; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    radix_sort(a, tmp, n, lo, bits);
}
