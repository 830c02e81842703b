/*
 * index_store.h - keep the search index in step with the paper store.
 *
 * The index of the store at DB lives beside it at DB.idx (one file). It
 * records the store's change sequence it reflects; opening it replays the
 * changes made since (added, updated and deleted papers) into the
 * in-memory delta segment, so new papers are searchable at once without a
 * rebuild. pb_index_rebuild() makes a fresh file from every live paper.
 */
#ifndef PB_SEARCH_INDEX_STORE_H
#define PB_SEARCH_INDEX_STORE_H

#include <stddef.h>

#include "core/error.h"
#include "search/index.h"
#include "store/store.h"

/* "DB.idx" into out (cap bytes); PB_ETOOBIG when it does not fit. */
int pb_index_path(const char *db_path, char *out, size_t cap) PB_WUR;

/* Apply the store's changes after the index's seq (add/replace/delete);
 * *out_n (may be NULL) gets how many. */
int pb_index_sync(struct pb_index *ix, struct pb_store *st,
                  size_t *out_n) PB_WUR;

/* Open DB.idx and sync it with st. PB_ENOTFOUND when there is no index
 * file yet (run pb_index_rebuild). */
int pb_index_open_synced(const char *db_path, struct pb_store *st,
                         struct pb_index **out, struct pb_err *err) PB_WUR;

/* Index every live paper of st into a new DB.idx (atomically replaced).
 * *out_docs (may be NULL) gets the number indexed. */
int pb_index_rebuild(const char *db_path, struct pb_store *st,
                     const struct pb_bm25 *params, size_t *out_docs,
                     struct pb_err *err) PB_WUR;

#endif
