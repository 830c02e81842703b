/*
 * paper_json.h - a paper as a paperboy JSON object (the `paperboy export`
 * line format, read back by the jsonl importer; docs/FORMATS.md).
 */
#ifndef PB_CORE_PAPER_JSON_H
#define PB_CORE_PAPER_JSON_H

#include <jansson.h>

#include "core/paper.h"

/* A new JSON object (caller releases with json_decref()); only fields the
 * paper says are present. p is borrowed. */
json_t *pb_paper_to_json(const struct pb_paper *p);

/* The name of one enum pb_source bit: "arxiv", "hf-daily", ... */
const char *pb_source_name(unsigned bit);

#endif
