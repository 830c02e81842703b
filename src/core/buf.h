/*
 * buf.h - a growable byte buffer with a hard cap (curl dynbuf).
 *
 * The buffer always keeps a NUL after its contents, so p can be used as a C
 * string when the contents hold no NUL. Appends past max answer PB_ETOOBIG
 * and leave the buffer unchanged. Caller storage: pb_buf_init/pb_buf_clear.
 */
#ifndef PB_CORE_BUF_H
#define PB_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/error.h"

struct pb_buf {
    char *p;    /* owned; NULL until the first append */
    size_t len; /* bytes in use, not counting the trailing NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* cap on len */
};

void pb_buf_init(struct pb_buf *b, size_t max);
void pb_buf_clear(struct pb_buf *b); /* frees memory; b may be re-inited */
void pb_buf_reset(struct pb_buf *b); /* len = 0, memory kept */

/* Make room for extra more bytes (clamped to the cap) so that appends up
 * to that size do not reallocate. A hint: never fails. */
void pb_buf_reserve(struct pb_buf *b, size_t extra);

int pb_buf_append(struct pb_buf *b, const void *p, size_t len) PB_WUR;
int pb_buf_puts(struct pb_buf *b, const char *s) PB_WUR;
int pb_buf_putc(struct pb_buf *b, char c) PB_WUR;
int pb_buf_printf(struct pb_buf *b, const char *fmt, ...) PB_PRINTF(2, 3) PB_WUR;
int pb_buf_vprintf(struct pb_buf *b, const char *fmt, va_list ap) PB_WUR;

/* Give the contents away: returns a NUL-terminated heap string (the caller
 * frees it) and leaves b empty. Never NULL. */
char *pb_buf_steal(struct pb_buf *b);

/* Returns the contents as a C string ("" when empty); borrowed until the next
 * change to b. */
const char *pb_buf_cstr(const struct pb_buf *b);

#endif
