/*
 * json_write.h - JSON text written straight into a pb_buf, without building
 * a tree first (the JSON API answers tens of kilobytes per request; jansson's
 * objects cost more than the text itself).
 *
 * The output is what jansson's json_dumps(JSON_COMPACT) gives for the same
 * values, byte for byte: no spaces, keys in the order written, strings
 * escaped as jansson escapes them (\" \\ \b \f \n \r \t, other controls as
 * \u00XX with upper-case hex, everything else as UTF-8). Where jansson
 * refuses a string (invalid UTF-8: json_string() returns NULL and the member
 * silently disappears), the writer replaces each invalid byte by U+FFFD, so
 * the output is always valid JSON in valid UTF-8. A NUL byte inside a
 * counted string is written as \u0000.
 *
 * Errors are sticky, like a FILE's: each call after the first error does
 * nothing, and pb_jw_end() returns the first error: PB_ETOOBIG when the
 * buffer's cap was reached, PB_EINVAL when the calls did not nest (a value
 * in an object without a key, a close without an open, more than
 * PB_JW_MAX_DEPTH levels, or containers left open at the end).
 *
 * struct pb_jw lives in caller storage; the buffer is borrowed until
 * pb_jw_end(). Not thread-safe (one writer per buffer).
 */
#ifndef PB_CORE_JSON_WRITE_H
#define PB_CORE_JSON_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

#define PB_JW_MAX_DEPTH 32

struct pb_jw {
    struct pb_buf *b;       /* borrowed */
    int rc;                 /* first error, PB_OK until one */
    unsigned depth;         /* open containers */
    unsigned char has[PB_JW_MAX_DEPTH]; /* per level: a member was written */
    unsigned char obj[PB_JW_MAX_DEPTH]; /* per level: 1 object, 0 array */
    unsigned char key;      /* a key was written; its value comes next */
};

/* Start writing into b (appending to what b holds). */
void pb_jw_init(struct pb_jw *w, struct pb_buf *b);

void pb_jw_obj_open(struct pb_jw *w);
void pb_jw_obj_close(struct pb_jw *w);
void pb_jw_arr_open(struct pb_jw *w);
void pb_jw_arr_close(struct pb_jw *w);

/* A member name inside an object; the value written next belongs to it. */
void pb_jw_key(struct pb_jw *w, const char *k);

/* Values. pb_jw_str(w, NULL) writes null. */
void pb_jw_str(struct pb_jw *w, const char *s);
void pb_jw_strn(struct pb_jw *w, const char *s, size_t len);
void pb_jw_int(struct pb_jw *w, int64_t v);
void pb_jw_null(struct pb_jw *w);

/* {"name": s} (s borrowed, not NULL). */
void pb_jw_name_obj(struct pb_jw *w, const char *s);

/* PB_OK when every call succeeded and every container was closed; else the
 * first error (see above). */
/* One complete JSON value serialised elsewhere (e.g. by jansson from a
 * parsed source), written as is; json is borrowed and must be valid JSON
 * (the caller's promise: nothing here checks it). */
void pb_jw_raw(struct pb_jw *w, const char *json, size_t len);

int pb_jw_end(struct pb_jw *w) PB_WUR;

/* Append the contents of a JSON string for s[0..len) (no quotes) to b, as
 * described above. PB_ETOOBIG when b's cap is reached (b may then hold part
 * of the text). */
int pb_json_escape(struct pb_buf *b, const char *s, size_t len) PB_WUR;

#endif
