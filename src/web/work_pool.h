/*
 * work_pool.h - a small bounded pool of threads for slow work that must not
 * hold a request thread: password hashing (argon2id, 64 MiB and a tenth of
 * a second or more each). The server suspends the connection, submits the
 * job here and resumes the connection when the job is done, so pages and
 * the API keep their latency while log-ins wait their turn (issue 15).
 *
 * Thread-safe. Jobs run in submission order.
 */
#ifndef PB_WEB_WORK_POOL_H
#define PB_WEB_WORK_POOL_H

#include <stddef.h>

#include "core/error.h"

struct pb_work_pool;

/* fn(arg, cancelled): cancelled is 1 when the pool is shutting down and the
 * job should only finish quickly (answer 503, release what it holds). Each
 * submitted job runs exactly once. */
typedef void (*pb_work_fn)(void *arg, int cancelled);

/* n_threads workers (1..64) and at most queue_max jobs waiting; caller frees
 * with pb_work_pool_free(). NULL when a thread cannot start. */
struct pb_work_pool *pb_work_pool_new(unsigned n_threads, size_t queue_max);

/* Queue fn(arg). PB_ETOOBIG when queue_max jobs are already waiting (fn is
 * not called; the caller answers "busy"); PB_EINVAL after shutdown began. */
int pb_work_pool_submit(struct pb_work_pool *p, pb_work_fn fn,
                        void *arg) PB_WUR;

/* Jobs waiting or running now. */
size_t pb_work_pool_pending(struct pb_work_pool *p);

/* Run every waiting job with cancelled = 1, wait for the running ones, and
 * stop the threads. NULL is a no-op. */
void pb_work_pool_free(struct pb_work_pool *p);

#endif
