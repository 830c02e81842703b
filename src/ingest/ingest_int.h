/*
 * ingest_int.h - internals shared by the importers of src/ingest/.
 */
#ifndef PB_INGEST_INGEST_INT_H
#define PB_INGEST_INGEST_INT_H

#include "ingest/chunk.h"
#include "ingest/ingest.h"

/* The line parsers of the line-based formats (pb_line_parser). */
int pb_ingest_arxiv_line(const char *line, size_t len, struct pb_paper *p,
                         char *why, size_t why_cap);
int pb_ingest_pb_jsonl_line(const char *line, size_t len, struct pb_paper *p,
                            char *why, size_t why_cap);

/*
 * The loop of every line-based importer: read each line of r, skip blank
 * ones, reject over-long ones, parse the others with parse and hand the
 * papers to the sink. Stops at end of input (PB_OK), at a stream error
 * (reported as a rejection, rc returned), or when the sink says so.
 */
int pb_ingest_each_line(struct pb_reader *r, const char *name,
                        const struct pb_sink *s, pb_line_parser parse,
                        struct pb_err *err) PB_WUR;

#endif
