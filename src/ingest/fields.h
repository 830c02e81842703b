/*
 * fields.h - helpers the importers share to turn source text into paper
 * fields.
 */
#ifndef PB_INGEST_FIELDS_H
#define PB_INGEST_FIELDS_H

#include <stddef.h>

#include "core/paper.h"

/* Set *slot to p[0..len) with runs of white space collapsed to one space
 * and the ends trimmed; NULL when nothing is left. */
void pb_ingest_set_clean(char **slot, const char *p, size_t len);

/* Split an arXiv author string ("A. One, B. Two and C. Three (MIT)") into
 * names, in order, dropping parenthesised affiliations. */
void pb_ingest_split_authors(struct pb_strlist *out, const char *p,
                             size_t len);

/* Set p->id and p->version from an arXiv id in any spelling; when s is no
 * arXiv id, leave p unchanged and return PB_EINVAL. */
int pb_ingest_set_arxiv_id(struct pb_paper *p, const char *s, size_t len);

#endif
