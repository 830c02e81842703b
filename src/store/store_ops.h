/*
 * store_ops.h - what operators ask of the store: the figures /metrics and
 * /readyz show, the last successful harvest, and an online backup.
 */
#ifndef PB_STORE_STORE_OPS_H
#define PB_STORE_STORE_OPS_H

#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

struct pb_store_ops {
    int64_t max_seq;         /* the store's change sequence */
    int64_t digests_sent;    /* digests in the sent-log marked sent */
    int64_t digests_failed;  /* ... refused for good by the SMTP server */
    int64_t harvest_last_ok; /* Unix time of the last harvest that ran to
                                its end; 0 = none yet */
};

/* Read the figures in one read transaction. PB_EDB on errors. */
int pb_store_ops_read(struct pb_store *st, struct pb_store_ops *out) PB_WUR;

/* Record that a harvest ran to its end at `at` (meta "harvest.last_ok"). */
int pb_store_harvest_ok(struct pb_store *st, int64_t at) PB_WUR;

/* Progress of a backup, called after each step (may be NULL). */
typedef void (*pb_store_backup_fn)(void *ctx, int done, int total);

/*
 * Copy the store at db_path to dest with SQLite's online backup API: a
 * consistent snapshot (one read transaction spans every step, so writers
 * on other connections, which WAL never blocks, cannot make it restart),
 * copied pages_per_step pages at a time (<= 0: 256) into dest.tmp, synced
 * and renamed over dest. Nothing else (the index DB.idx, vectors) is
 * copied: `paperboy reindex` rebuilds the index. *out_pages (may be NULL)
 * gets the pages copied. PB_EIO / PB_EDB with a message in err; dest is
 * then left as it was.
 */
int pb_store_backup(const char *db_path, const char *dest, int pages_per_step,
                    pb_store_backup_fn progress, void *ctx, int *out_pages,
                    struct pb_err *err) PB_WUR;

#endif
