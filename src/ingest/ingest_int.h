/*
 * ingest_int.h - internals shared by the importers of src/ingest/.
 */
#ifndef PB_INGEST_INGEST_INT_H
#define PB_INGEST_INGEST_INT_H

#include "ingest/ingest.h"

/* Turn one line into p, or write a reason to why and fail. */
typedef int (*pb_line_parser)(const char *line, size_t len,
                              struct pb_paper *p, char *why, size_t why_cap);

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
