/*
 * harvest_url.h - building request URLs: query parameters percent-encoded
 * (RFC 3986: everything but A-Z a-z 0-9 - . _ ~ is escaped).
 */
#ifndef PB_HARVEST_URL_H
#define PB_HARVEST_URL_H

#include "core/buf.h"
#include "core/error.h"

/* Append "?key=value" (or "&key=value" when b already holds a '?') with
 * value percent-encoded. PB_ETOOBIG past b's cap. key and value borrowed. */
int pb_url_add_param(struct pb_buf *b, const char *key,
                     const char *value) PB_WUR;

/* Append s percent-encoded. */
int pb_url_escape(struct pb_buf *b, const char *s) PB_WUR;

#endif
