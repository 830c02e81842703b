/*
 * import_run.h - `paperboy import`: run importers over files into the store.
 *
 * Files are decompressed on up to two reader threads (one file each), line
 * files (arXiv snapshot, paperboy JSON lines) are cut into chunks of whole
 * lines that parser threads parse, and this thread writes: papers travel in
 * batches (a chunk's, or batch-sized for the other formats), each one
 * transaction, and the writer takes them in input order, file by file,
 * except that two line files in a row (a pair: files 1 and 2, 3 and 4,
 * ...) are taken in turns of 4,096 lines each, so that both decompress at
 * once. The order depends on the files only, so the store (pids, seqs,
 * merges), the counts and the messages are the same whatever the threads
 * (import_run.c says how memory stays bounded). A kill at any moment
 * leaves the store consistent (SQLite WAL) with every committed batch in
 * it, a prefix of that order; running the import again finishes the job
 * (upserts are idempotent).
 */
#ifndef PB_INGEST_IMPORT_RUN_H
#define PB_INGEST_IMPORT_RUN_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "ingest/ingest.h"
#include "store/store.h"

struct pb_import_opts {
    enum pb_format format;       /* PB_FMT_UNKNOWN: detect per file */
    int threads;                 /* reader and parser threads each, 0 = 2;
                                    1: one thread reads and parses */
    int progress;                /* draw a progress bar on report */
    size_t batch;                /* papers per transaction, 0 = default */
    FILE *report;                /* rejections and progress; NULL = stderr */
    volatile sig_atomic_t *stop; /* set by a signal handler to stop early */
};

struct pb_import_summary {
    int64_t added, updated, unchanged, rejected, deleted;
    int64_t files, files_failed; /* failed: could not be read to the end */
    double seconds;
    int interrupted;
};

/* What applying papers to a store did. */
struct pb_import_counts {
    int64_t added, updated, unchanged, deleted;
};

/* A record that names only an id (no title, no abstract) reports a
 * deletion (OAI-PMH status="deleted"). */
static inline int pb_import_is_delete(const struct pb_paper *p)
{
    return !p->title && !p->abstract && p->id[0];
}

/*
 * Apply one validated paper to st, inside the caller's transaction: an
 * upsert, or for a deletion record a deletion (of a paper the store never
 * had: nothing to do). Adds the outcome to *c. p is borrowed. The one step
 * `paperboy import` and the harvests share.
 */
int pb_import_apply(struct pb_store *st, const struct pb_paper *p,
                    struct pb_import_counts *c) PB_WUR;

/* pb_import_apply for each of v[0..n-1] in order, with the same outcome
 * and counts: runs of upserts go through pb_store_paper_upsert_batch
 * (store.h), deletions one by one where they stand. Inside a transaction;
 * on an error roll it back. */
int pb_import_apply_batch(struct pb_store *st, const struct pb_paper *const *v,
                          size_t n, struct pb_import_counts *c) PB_WUR;

/*
 * Import every path (a file, or a directory: its files named *.json,
 * *.jsonl, *.ndjson, *.xml, *.atom, each maybe .gz or .xz, sorted by name,
 * not recursing) into st. Bad records are reported to
 * opts->report as "file:line: reason" (or "file: byte N: reason") and
 * counted as rejected; the rest is imported. Returns PB_OK when the import
 * ran (look at the summary for rejections), PB_EINTR when stopped, another
 * rc with err set when it could not run. paths are borrowed.
 */
int pb_import_paths(struct pb_store *st, char *const *paths, int n_paths,
                    const struct pb_import_opts *opts,
                    struct pb_import_summary *out, struct pb_err *err) PB_WUR;

#endif
