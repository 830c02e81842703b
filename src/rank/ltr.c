/* ltr.c - pairwise linear ranking with liblinear (ltr.h). */
#include "rank/ltr.h"

#include <linear.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/mem.h"

static void quiet(const char *s)
{
    (void)s;
}

int pb_ltr_train(const struct pb_ltr_query *qs, size_t nq, double C,
                 double w[PB_LTR_NF])
{
    size_t n_pairs = 0;
    for (size_t q = 0; q < nq; q++) {
        size_t pos = 0;
        for (size_t i = 0; i < qs[q].n; i++)
            pos += qs[q].rel[i] > 0;
        n_pairs += pos * (qs[q].n - pos);
    }
    if (!n_pairs || n_pairs > (size_t)1 << 26)
        return PB_EINVAL;
    /* each pair twice (p - n: +1, n - p: -1) so the classes balance */
    size_t rows = 2 * n_pairs;
    struct feature_node *nodes =
        pb_reallocarray(NULL, rows * (PB_LTR_NF + 1), sizeof *nodes);
    struct feature_node **x = pb_reallocarray(NULL, rows, sizeof *x);
    double *y = pb_reallocarray(NULL, rows, sizeof *y);
    size_t r = 0;
    for (size_t q = 0; q < nq; q++)
        for (size_t p = 0; p < qs[q].n; p++) {
            if (qs[q].rel[p] <= 0)
                continue;
            for (size_t m = 0; m < qs[q].n; m++) {
                if (qs[q].rel[m] > 0)
                    continue;
                for (int sgn = 1; sgn >= -1; sgn -= 2) {
                    struct feature_node *row = nodes + r * (PB_LTR_NF + 1);
                    int k = 0;
                    for (int f = 0; f < PB_LTR_NF; f++) {
                        double d = qs[q].f[p][f] - qs[q].f[m][f];
                        if (d != 0)
                            row[k++] = (struct feature_node){f + 1, sgn * d};
                    }
                    row[k].index = -1;
                    x[r] = row;
                    y[r++] = sgn;
                }
            }
        }
    struct problem prob = {(int)r, PB_LTR_NF, y, x, -1};
    struct parameter par = {.solver_type = L2R_LR, .eps = 0.01, .C = C};
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    set_print_string_function(quiet);
    srand(1);
    struct model *m = train(&prob, &par);
    pthread_mutex_unlock(&mu);
    double sign = m->label[0] == 1 ? 1 : -1;
    for (int f = 0; f < PB_LTR_NF; f++)
        w[f] = sign * m->w[f];
    free_and_destroy_model(&m);
    free(nodes);
    free(x);
    free(y);
    return PB_OK;
}

double pb_ltr_score(const double w[PB_LTR_NF], const double f[PB_LTR_NF])
{
    double s = 0;
    for (int i = 0; i < PB_LTR_NF; i++)
        s += w[i] * f[i];
    return s;
}
