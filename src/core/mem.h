/*
 * mem.h - allocation that aborts on failure (Redis zmalloc style).
 *
 * Sizes that come from outside must be capped by the caller before they get
 * here; these functions only guard against arithmetic overflow.
 */
#ifndef PB_CORE_MEM_H
#define PB_CORE_MEM_H

#include <stddef.h>

void *pb_malloc(size_t n);
void *pb_calloc(size_t n, size_t size);
void *pb_realloc(void *p, size_t n);
/* realloc for an array of n elements of size bytes; aborts on overflow. */
void *pb_reallocarray(void *p, size_t n, size_t size);
/* Copy of p[0..len) plus a NUL; caller frees with free(). */
char *pb_strndup(const char *p, size_t len);
/* Copy of NUL-terminated s, or NULL when s is NULL; caller frees. */
char *pb_strdup(const char *s);

#endif
