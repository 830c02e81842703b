/* work_pool.c - a bounded pool of threads for slow work (see work_pool.h). */
#include "web/work_pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/mem.h"

struct job {
    pb_work_fn fn;
    void *arg;
};

struct pb_work_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t threads[64];
    unsigned n_threads;
    struct job *ring; /* queue_max slots */
    size_t queue_max, head, len, running;
    int stopping;
};

static void *worker(void *arg)
{
    struct pb_work_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->len && !p->stopping)
            pthread_cond_wait(&p->cond, &p->lock);
        if (!p->len)
            break; /* stopping and nothing left */
        struct job j = p->ring[p->head];
        p->head = (p->head + 1) % p->queue_max;
        p->len--;
        p->running++;
        int cancelled = p->stopping;
        pthread_mutex_unlock(&p->lock);
        j.fn(j.arg, cancelled);
        pthread_mutex_lock(&p->lock);
        p->running--;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct pb_work_pool *pb_work_pool_new(unsigned n_threads, size_t queue_max)
{
    if (n_threads < 1)
        n_threads = 1;
    if (n_threads > 64)
        n_threads = 64;
    if (queue_max < 1)
        queue_max = 1;
    struct pb_work_pool *p = pb_calloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->ring = pb_calloc(queue_max, sizeof *p->ring);
    p->queue_max = queue_max;
    for (; p->n_threads < n_threads; p->n_threads++)
        if (pthread_create(&p->threads[p->n_threads], NULL, worker, p)) {
            pb_work_pool_free(p);
            return NULL;
        }
    return p;
}

int pb_work_pool_submit(struct pb_work_pool *p, pb_work_fn fn, void *arg)
{
    int rc = PB_OK;
    pthread_mutex_lock(&p->lock);
    if (p->stopping)
        rc = PB_EINVAL;
    else if (p->len == p->queue_max)
        rc = PB_ETOOBIG;
    else {
        p->ring[(p->head + p->len) % p->queue_max] = (struct job){fn, arg};
        p->len++;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

size_t pb_work_pool_pending(struct pb_work_pool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->len + p->running;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void pb_work_pool_free(struct pb_work_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p->ring);
    free(p);
}
