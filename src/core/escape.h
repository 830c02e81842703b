/*
 * escape.h - the one place where text from the data or the request becomes
 * HTML, XML, a URL piece or Markdown. Every page, feed and Markdown view of
 * the site writes outside text only through these functions.
 *
 * Each appends to b (caller storage) and returns PB_OK or PB_ETOOBIG when b's
 * cap is reached. Inputs are borrowed for the call; s may be NULL (nothing is
 * written). Invalid UTF-8 is replaced by U+FFFD, so output is always valid
 * UTF-8. Thread-safe.
 *
 * Lives in core so that web pages and mail (digests) share one escaping path
 * without mail depending on the web server; the functions keep their
 * historical pb_web_ names.
 */
#ifndef PB_CORE_ESCAPE_H
#define PB_CORE_ESCAPE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* Text for HTML element content and quoted attribute values: & < > " '
 * become entities. */
int pb_web_html(struct pb_buf *b, const char *s, size_t len) PB_WUR;
int pb_web_html_s(struct pb_buf *b, const char *s) PB_WUR; /* NUL-terminated */

/* Text for XML 1.0 (RSS, Atom): as HTML, and characters XML forbids
 * (controls other than tab/newline/CR, U+FFFE/U+FFFF) are dropped. */
int pb_web_xml(struct pb_buf *b, const char *s, size_t len) PB_WUR;
int pb_web_xml_s(struct pb_buf *b, const char *s) PB_WUR;

/* Percent-encode s for a URL path segment or query value: everything but
 * A-Z a-z 0-9 - . _ ~ is %XX. */
int pb_web_url(struct pb_buf *b, const char *s, size_t len) PB_WUR;
int pb_web_url_s(struct pb_buf *b, const char *s) PB_WUR;

/* Markdown inline text: every ASCII punctuation character CommonMark could
 * read as syntax is backslash-escaped, and < > & become entities, so raw HTML
 * in the data stays text; newlines become spaces. */
int pb_web_md(struct pb_buf *b, const char *s, size_t len) PB_WUR;
int pb_web_md_s(struct pb_buf *b, const char *s) PB_WUR;

/* 1 when s is an absolute http:// or https:// URL without spaces or
 * control characters, safe to put (escaped) into an href. */
int pb_web_url_is_safe(const char *s);

/* 1 when s may follow a redirect (Location) or a next=/back= field: a
 * same-site absolute path, "/" and then no second "/", no backslash and no
 * control character anywhere (browsers drop tab/CR/LF and read "\\" as
 * "/"), valid UTF-8. The one check for every redirect target. */
int pb_web_local_path_ok(const char *s);

/* Copy at most max bytes of s, cut at a UTF-8 character boundary (and at a
 * space when one is near), with "…" appended when cut. Appends to b. */
int pb_web_trunc(struct pb_buf *b, const char *s, size_t max) PB_WUR;

#endif
