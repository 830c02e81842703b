/*
 * index.h - paperboy's inverted index: fields title, abstract, authors and
 * keywords, with positions, per-document metadata (pid, id, date, upvotes,
 * categories) for filters, sorting and facets.
 *
 * Two parts, one docid space:
 *  - the main segment, a file (PATH.idx beside the store, see
 *    docs/SEARCH.md) that pb_index_open() loads: postings in blocks of
 *    128 bit-packed docid deltas and term frequencies, positions as varints,
 *    a block directory with each block's last docid and maximal BM25F
 *    pseudo-frequency (for dynamic pruning);
 *  - an in-memory delta segment that pb_index_add() appends to, searchable
 *    at once. pb_index_write() merges both into a new file (compacting away
 *    deleted documents) and renames it over the old one atomically.
 *
 * Threads: a struct pb_index may be shared; searches take a read lock and
 * pb_index_add / _delete / _write a write lock. Analysis needs a per-thread
 * analyser: writers pass one in, searchers own one (search.h).
 */
#ifndef PB_SEARCH_INDEX_H
#define PB_SEARCH_INDEX_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/paper.h"
#include "text/analyze.h"

enum pb_field {
    PB_F_TITLE,
    PB_F_ABSTRACT,
    PB_F_AUTHORS,
    PB_F_KEYWORDS,
    PB_NFIELDS
};
#define PB_F_ALL 0xFu

/* "title", "abstract", "authors", "keywords". */
const char *pb_field_name(int f);

/*
 * BM25F: per field f, a weight w[f] and length normalisation b[f]; the
 * pseudo-frequency tf~ = sum_f w[f] * tf_f / (1 - b[f] + b[f] * len_f /
 * avglen_f) is saturated once: idf * tf~ * (k1 + 1) / (k1 + tf~).
 * idf is log(1 + (N - df + 0.5) / (df + 0.5)) (Lucene), or with fts5_idf
 * SQLite FTS5's log((N - df + 0.5) / (df + 0.5)) clamped to 1e-6.
 */
struct pb_bm25 {
    double k1;
    double b[PB_NFIELDS];
    double w[PB_NFIELDS];
    int fts5_idf;
};

/* k1 1.2; b 0.75; weights title 2, abstract 1, authors 1, keywords 1.5. */
void pb_bm25_defaults(struct pb_bm25 *p);

/* One document to index; every pointer is borrowed for the call. */
struct pb_index_doc {
    int64_t pid;          /* the store's paper id (unique) */
    const char *id;       /* arXiv id or other public id; may be NULL */
    const char *title;    /* LaTeX allowed; may be NULL */
    const char *abstract; /* LaTeX allowed; may be NULL */
    const char *const *authors;
    size_t n_authors;
    const char *const *keywords;
    size_t n_keywords;
    const char *categories; /* space separated; may be NULL */
    int64_t date;           /* Unix seconds; 0 = unknown */
    int64_t upvotes;        /* < 0 = unknown */
};

struct pb_index;

/* An empty in-memory index using params (copied; NULL = defaults). Never
 * NULL. Free with pb_index_free(). */
struct pb_index *pb_index_new(const struct pb_bm25 *params);

/*
 * Open the index file at path (read into memory, see core/fmap.h; doc
 * metadata copied to the heap so that additions can extend it).
 * PB_ENOTFOUND when there is no file, PB_EPARSE when it is not an index of
 * this version or is damaged: every section, offset and count is checked
 * here, each term's postings on the term's first use (a damaged term is
 * reported on stderr and finds nothing). err says which and to run
 * paperboy reindex.
 */
int pb_index_open(const char *path, struct pb_index **out,
                  struct pb_err *err) PB_WUR;

/* Check every main term's postings now instead of on first use. PB_OK, or
 * PB_EPARSE when some are damaged (each reported on stderr once); stops
 * early (PB_EINTR) once *stop (may be NULL) is set. Thread-safe with
 * searches. */
int pb_index_check_all(const struct pb_index *ix, const _Atomic int *stop)
    PB_WUR;
void pb_index_free(struct pb_index *ix);

/* Add d, replacing the document with the same pid if there is one. az is
 * the caller's analyser (one per thread). */
int pb_index_add(struct pb_index *ix, struct pb_analyzer *az,
                 const struct pb_index_doc *d) PB_WUR;
/* The same for a paper from the store (date: published, else updated). */
int pb_index_add_paper(struct pb_index *ix, struct pb_analyzer *az,
                       int64_t pid, const struct pb_paper *p) PB_WUR;
/* PB_ENOTFOUND when pid is not indexed. */
int pb_index_delete(struct pb_index *ix, int64_t pid) PB_WUR;

/* Write main + delta, without deleted documents, to path (via path.tmp and
 * rename). The in-memory index is unchanged. */
int pb_index_write(struct pb_index *ix, const char *path,
                   struct pb_err *err) PB_WUR;

/* The store change sequence the index reflects (kept in the file). */
int64_t pb_index_seq(const struct pb_index *ix);
void pb_index_set_seq(struct pb_index *ix, int64_t seq);

struct pb_index_info {
    uint64_t docs;       /* live documents */
    uint64_t main_docs;  /* documents in the main segment (incl. deleted) */
    uint64_t delta_docs; /* documents in the delta segment (incl. deleted) */
    uint64_t terms_main, terms_delta;
    uint64_t file_bytes; /* size of the mapped file, 0 when none */
    double avglen[PB_NFIELDS];
};
void pb_index_info(struct pb_index *ix, struct pb_index_info *out);

/* The params the index was built with (borrowed). */
const struct pb_bm25 *pb_index_params(const struct pb_index *ix);

#endif
