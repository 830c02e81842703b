/*
 * store_copy.h - copy one store into another, SQLite <-> PostgreSQL
 * (`paperboy store copy`, docs/STORE.md).
 *
 * Every table, row for row: the same pids, seqs, ids, blobs and NULLs. Each
 * table is read in key order in batches, each batch written in one
 * transaction of the destination; a copy that was stopped continues where
 * the destination ends (its highest key), and rows it has already are
 * written again as the source has them, so re-running after a kill ends
 * with the same tables. The destination should be new or a copy of the
 * same source; the source should have no writer while it runs.
 */
#ifndef PB_STORE_STORE_COPY_H
#define PB_STORE_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

/* Called after each batch (rows: copied so far in this table this run)
 * and once per table at the end with done = 1. */
typedef void (*pb_copy_progress_fn)(void *ctx, const char *table,
                                    int64_t rows, int done);

/* Copy from into to, batch rows at a time (0: 2,000). PB_EDB with err
 * saying which table and why. */
int pb_store_copy(struct pb_store *from, struct pb_store *to, size_t batch,
                  pb_copy_progress_fn fn, void *ctx,
                  struct pb_err *err) PB_WUR;

/* Called per table with its row count in each store. */
typedef void (*pb_copy_count_fn)(void *ctx, const char *table, int64_t from,
                                 int64_t to);

/* Compare the row counts of every table: PB_OK when all are equal, else
 * PB_EINVAL (fn sees each table). */
int pb_store_copy_check(struct pb_store *from, struct pb_store *to,
                        pb_copy_count_fn fn, void *ctx,
                        struct pb_err *err) PB_WUR;

#endif
