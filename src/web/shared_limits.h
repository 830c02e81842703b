/*
 * shared_limits.h - rate limits counted in the store (store_cluster.h)
 * instead of this process's memory, so that they hold across every server
 * on a shared store (PostgreSQL). Installed with pb_cm_rl_use().
 */
#ifndef PB_WEB_SHARED_LIMITS_H
#define PB_WEB_SHARED_LIMITS_H

#include "community/community.h"
#include "core/error.h"

struct pb_shared_limits;

/* Open a store connection of its own on db (borrowed string) and fill *out
 * with the pb_cm_rl_store calls (thread-safe: one connection under a
 * mutex; they fail closed when the store cannot be reached). Free with
 * pb_shared_limits_free() after pb_cm_rl_use(NULL). */
int pb_shared_limits_open(const char *db, struct pb_shared_limits **lim,
                          struct pb_cm_rl_store *out, struct pb_err *err) PB_WUR;
void pb_shared_limits_free(struct pb_shared_limits *lim);

#endif
