/* fusion.c - reciprocal rank fusion and a linear mix (fusion.h). */
#include "rank/fusion.h"

#include <stdlib.h>

#include "core/mem.h"

static int by_score(const void *x, const void *y)
{
    const struct pb_ranked *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

/* all[0..n) gets each key once with score sa(i) + sb(j) */
static size_t merge(const struct pb_ranked *a, size_t na,
                    const struct pb_ranked *b, size_t nb, const double *wa,
                    const double *wb, struct pb_ranked *all)
{
    size_t n = 0;
    for (size_t i = 0; i < na; i++)
        all[n++] = (struct pb_ranked){a[i].key, wa[i]};
    for (size_t j = 0; j < nb; j++) {
        size_t i = 0;
        while (i < na && all[i].key != b[j].key)
            i++;
        if (i < na)
            all[i].score += wb[j];
        else
            all[n++] = (struct pb_ranked){b[j].key, wb[j]};
    }
    qsort(all, n, sizeof *all, by_score);
    return n;
}

static size_t finish(struct pb_ranked *all, size_t n, struct pb_ranked *out,
                     size_t cap)
{
    size_t m = n < cap ? n : cap;
    for (size_t i = 0; i < m; i++)
        out[i] = all[i];
    free(all);
    return m;
}

size_t pb_fuse_rrf(const struct pb_ranked *a, size_t na,
                   const struct pb_ranked *b, size_t nb, double k,
                   struct pb_ranked *out, size_t cap)
{
    double *wa = pb_calloc(na + 1, sizeof *wa), *wb = pb_calloc(nb + 1, sizeof *wb);
    for (size_t i = 0; i < na; i++)
        wa[i] = 1.0 / (k + (double)i + 1);
    for (size_t j = 0; j < nb; j++)
        wb[j] = 1.0 / (k + (double)j + 1);
    struct pb_ranked *all = pb_calloc(na + nb + 1, sizeof *all);
    size_t n = merge(a, na, b, nb, wa, wb, all);
    free(wa);
    free(wb);
    return finish(all, n, out, cap);
}

static void minmax(const struct pb_ranked *a, size_t n, double w, double *out)
{
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || a[i].score < lo)
            lo = a[i].score;
        if (i == 0 || a[i].score > hi)
            hi = a[i].score;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = w * (hi > lo ? (a[i].score - lo) / (hi - lo) : 1.0);
}

size_t pb_fuse_linear(const struct pb_ranked *a, size_t na,
                      const struct pb_ranked *b, size_t nb, double alpha,
                      struct pb_ranked *out, size_t cap)
{
    double *wa = pb_calloc(na + 1, sizeof *wa), *wb = pb_calloc(nb + 1, sizeof *wb);
    minmax(a, na, alpha, wa);
    minmax(b, nb, 1.0 - alpha, wb);
    struct pb_ranked *all = pb_calloc(na + nb + 1, sizeof *all);
    size_t n = merge(a, na, b, nb, wa, wb, all);
    free(wa);
    free(wb);
    return finish(all, n, out, cap);
}
