/*
 * pylit.h - a strict reader of Python literal syntax, written as JSON.
 *
 * Some Daily Papers files (December 2024) hold entries that are strings
 * with a Python repr() of the object instead of the object. This reads
 * exactly the literals repr() writes for such data and nothing else (no
 * eval): dict {k: v} with string keys, list [..], tuple (..) (both become
 * JSON arrays), str '..' and ".." with Python's escapes (\\ \' \" \n \r \t
 * \a \b \f \v, octal \ooo, \xhh, \uhhhh, \Uhhhhhhhh, backslash-newline),
 * int (within 64 bits), float (1.5, 1e-3, 1., .5), True, False, None, and
 * a sign before a number. Names, calls, sets, bytes and prefixed strings,
 * lone surrogates, NUL, invalid UTF-8 and anything after the value are
 * rejected. Nesting is capped at PB_PYLIT_MAX_DEPTH.
 */
#ifndef PB_INGEST_PYLIT_H
#define PB_INGEST_PYLIT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

#define PB_PYLIT_MAX_DEPTH 64

/* Convert the literal s[0..len) into compact JSON appended to out (whose
 * cap bounds the output: PB_ETOOBIG past it). PB_EPARSE when s is not a
 * literal of the subset above, with "byte N: why" in why (why_cap bytes).
 * s is borrowed; out must be initialised. */
int pb_pylit_to_json(const char *s, size_t len, struct pb_buf *out,
                     char *why, size_t why_cap) PB_WUR;

#endif
