/*
 * harvest_import.h - one downloaded document into the store, all or
 * nothing: the same validation and upsert as `paperboy import`
 * (pb_paper_validate, then pb_store_paper_upsert, or pb_store_paper_delete
 * for an OAI deleted record), in one transaction that the harvester can
 * extend with its own bookkeeping (the resumption token, the cursor), so
 * that a kill at any moment leaves either the whole page and its token or
 * neither.
 */
#ifndef PB_HARVEST_IMPORT_H
#define PB_HARVEST_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ingest/ingest.h"
#include "ingest/oai.h"
#include "store/store.h"

struct pb_harvest_counts {
    int64_t added, updated, unchanged, rejected, deleted;
    int64_t entries; /* records seen: papers, deletions and rejections */
};

/* Add b's counts to a. */
void pb_harvest_counts_add(struct pb_harvest_counts *a,
                           const struct pb_harvest_counts *b);

/* Runs inside the page's transaction, after its papers: return PB_OK to
 * commit, anything else (err set) to roll the page back. */
typedef int (*pb_harvest_commit_fn)(void *ctx, struct pb_store *st,
                                    struct pb_err *err);

/*
 * Parse p[0..len) as fmt (not PB_FMT_UNKNOWN) and, when the document reads
 * to its end, write it to st in one transaction, calling before_commit
 * (when non-NULL) inside it. Bad records are skipped and counted; after the
 * commit they are printed to report (NULL: stderr) as
 * "name: entry N (byte B): reason". name names the document in those lines
 * and, for Daily Papers, ends with the day: ".../2026-11-27.json".
 *
 * When the document cannot be read to its end (malformed or truncated), or
 * is an OAI-PMH error other than noRecordsMatch, nothing is written and
 * the importer's rc (PB_EPARSE, ...) is returned with err set; out_oai
 * (filled for PB_FMT_OAI, may be NULL) then tells an OAI error by its
 * error_code. PB_EDB when the store failed. *out holds this document's
 * counts (zero on failure). Everything is borrowed for the call.
 */
int pb_harvest_import(struct pb_store *st, enum pb_format fmt, const void *p,
                      size_t len, const char *name, FILE *report,
                      struct pb_oai_info *out_oai,
                      pb_harvest_commit_fn before_commit, void *ctx,
                      struct pb_harvest_counts *out, struct pb_err *err) PB_WUR;

#endif
