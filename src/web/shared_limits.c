/* shared_limits.c - rate limits in the store (shared_limits.h). */
#include "web/shared_limits.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/mem.h"
#include "store/store.h"
#include "store/store_cluster.h"

/* Events are kept a day (the longest window in use is an hour). */
#define KEEP_S 86400

struct pb_shared_limits {
    pthread_mutex_t mu;
    struct pb_store *st;
};

static int sl_check(void *ctx, const char *key, int64_t now, int max,
                    int window_s)
{
    struct pb_shared_limits *l = ctx;
    int64_t n = 0;
    if (window_s < 1)
        window_s = 1;
    pthread_mutex_lock(&l->mu);
    int rc = pb_store_rl_count(l->st, key, now - window_s + 1, &n);
    pthread_mutex_unlock(&l->mu);
    return rc == PB_OK && n < max; /* closed when the store fails */
}

static void sl_add(void *ctx, const char *key, int64_t now, int window_s)
{
    struct pb_shared_limits *l = ctx;
    (void)window_s;
    pthread_mutex_lock(&l->mu);
    if (pb_store_rl_add(l->st, key, now, KEEP_S) != PB_OK) {
        /* not counted; check() fails closed while the store is down */
    }
    pthread_mutex_unlock(&l->mu);
}

static void sl_forget(void *ctx, const char *key)
{
    struct pb_shared_limits *l = ctx;
    pthread_mutex_lock(&l->mu);
    if (pb_store_rl_forget(l->st, key) != PB_OK) {
        /* the count stays: stricter, never looser */
    }
    pthread_mutex_unlock(&l->mu);
}

int pb_shared_limits_open(const char *db, struct pb_shared_limits **lim,
                          struct pb_cm_rl_store *out, struct pb_err *err)
{
    *lim = NULL;
    struct pb_store *st = NULL;
    int rc = pb_store_open(db, 0, &st, err);
    if (rc)
        return rc;
    struct pb_shared_limits *l = pb_calloc(1, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    l->st = st;
    *out = (struct pb_cm_rl_store){sl_check, sl_add, sl_forget, l};
    *lim = l;
    return PB_OK;
}

void pb_shared_limits_free(struct pb_shared_limits *lim)
{
    if (!lim)
        return;
    pb_store_close(lim->st);
    pthread_mutex_destroy(&lim->mu);
    free(lim);
}
