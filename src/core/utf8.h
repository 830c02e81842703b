/*
 * utf8.h - UTF-8 validation (strict: no overlongs, no surrogates, no NUL).
 */
#ifndef PB_CORE_UTF8_H
#define PB_CORE_UTF8_H

#include <stddef.h>

/* Returns the length of the longest valid prefix of p[0..len); len when all
 * of it is valid. A NUL byte counts as invalid. */
size_t pb_utf8_check(const char *p, size_t len);

/* Encode code point cp (<= 0x10FFFF, not a surrogate) into out (4 bytes);
 * returns bytes written, 0 for an invalid code point. */
size_t pb_utf8_encode(unsigned cp, char out[4]);

#endif
