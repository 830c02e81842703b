/*
 * ingest.h - what every importer shares: the formats, where a record came
 * from, and the sink that receives papers and rejections.
 *
 * An importer reads a pb_reader from start to end and, for each record,
 * either fills a struct pb_paper and calls sink->paper(), or calls
 * sink->reject() with the record's position and a reason for people. It
 * never stops at a bad record; it returns an error only when the stream
 * itself cannot be read on (corrupt compression, XML that is no longer
 * well-formed, ...), after reporting that too as a rejection.
 *
 * The importer fills only what its source says (see core/paper.h: NULL and
 * -1 mean "not said"); it sets p->id (arXiv id, or pb_paper_title_id() when
 * the source has none), p->version when known, and p->sources.
 */
#ifndef PB_INGEST_INGEST_H
#define PB_INGEST_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/paper.h"
#include "ingest/reader.h"

enum pb_format {
    PB_FMT_UNKNOWN = 0,
    PB_FMT_ARXIV_JSONL, /* arXiv metadata snapshot, JSON lines */
    PB_FMT_HF_DAILY,    /* Hugging Face /api/daily_papers JSON */
    PB_FMT_ATOM,        /* arXiv API Atom XML */
    PB_FMT_OAI,         /* OAI-PMH ListRecords: arXiv, arXivRaw, oai_dc */
    PB_FMT_PB_JSONL,    /* paperboy JSON lines */
};

/* "arxiv", "hf-daily", "atom", "oai", "jsonl"; and back (PB_FMT_UNKNOWN for
 * a name that is none of them). */
const char *pb_format_name(enum pb_format f);
enum pb_format pb_format_from_name(const char *name);

/* Guess the format from the first bytes of (decompressed) content. */
enum pb_format pb_format_detect(const char *p, size_t len);

/* Where a record came from: file, 1-based line (0 when not line-based),
 * byte offset of the record's start in the decompressed stream, and 1-based
 * entry number within a file that is one document (0 when not counted). */
struct pb_srcpos {
    const char *file; /* borrowed */
    uint64_t line;
    uint64_t offset;
    uint64_t entry;
};

struct pb_sink {
    /* Takes ownership of p's contents (p is left as new). Return PB_OK to go
     * on, anything else to stop the import (the importer returns that rc). */
    int (*paper)(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos);
    /* reason is borrowed for the call. */
    void (*reject)(void *ctx, const struct pb_srcpos *pos, const char *reason);
    void *ctx;
};

/* The importers. name is the file name used in positions (borrowed). */
int pb_ingest_arxiv_jsonl(struct pb_reader *r, const char *name,
                          const struct pb_sink *s, struct pb_err *err) PB_WUR;
int pb_ingest_hf_daily(struct pb_reader *r, const char *name,
                       const struct pb_sink *s, struct pb_err *err) PB_WUR;
int pb_ingest_atom(struct pb_reader *r, const char *name,
                   const struct pb_sink *s, struct pb_err *err) PB_WUR;
int pb_ingest_oai(struct pb_reader *r, const char *name,
                  const struct pb_sink *s, struct pb_err *err) PB_WUR;
int pb_ingest_pb_jsonl(struct pb_reader *r, const char *name,
                       const struct pb_sink *s, struct pb_err *err) PB_WUR;

/* Run the importer for format f (detecting it when PB_FMT_UNKNOWN). */
int pb_ingest_run(enum pb_format f, struct pb_reader *r, const char *name,
                  const struct pb_sink *s, struct pb_err *err) PB_WUR;

#endif
