/*
 * mail_text.h - the one place where text from the data or a request
 * becomes e-mail: header values (RFC 2047 encoded-words, CR/LF never
 * passes), addresses (validated, never encoded), quoted-printable bodies
 * (RFC 2045, lines within RFC 5322's 78), plain text for the text part.
 * HTML parts go through core/escape.h like every other HTML.
 *
 * Each function appends to b (caller storage) and returns PB_OK or
 * PB_ETOOBIG when b's cap is reached. Inputs are borrowed for the call;
 * s may be NULL (nothing is written). Invalid UTF-8 becomes U+FFFD.
 * Thread-safe (no state).
 */
#ifndef PB_MAIL_MAIL_TEXT_H
#define PB_MAIL_MAIL_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

#define PB_MAIL_ADDR_MAX 254
#define PB_MAIL_LINE_MAX 78 /* RFC 5322 "SHOULD"; 998 is the hard limit */

/*
 * 1 when s is an address we accept: local@domain, at most 254 bytes (64
 * for the local part), the local part a dot-atom of letters, digits and
 * !#$%&'*+-/=?^_`{|}~ (no quoted forms), the domain dot-separated labels
 * of letters, digits and '-' (1..63 each, not starting or ending with
 * '-'). So nothing that could end a header or an SMTP command passes.
 */
int pb_mail_addr_ok(const char *s);

/*
 * An unstructured header value (Subject, a display name): control
 * characters (CR, LF, tab ...) become spaces, runs of spaces one space.
 * Printable ASCII goes as it is, unless it could read as an encoded-word
 * ("=?"); otherwise the whole value becomes UTF-8 "B" encoded-words of at
 * most 75 characters, split between characters, folded onto continuation
 * lines (CRLF SP). name_len is the length of "Name: " already on the
 * line, so the first line also stays within 78.
 */
int pb_mail_header_text(struct pb_buf *b, size_t name_len, const char *s)
    PB_WUR;

/* A display name as a phrase: encoded-words when it is not plain atoms
 * (so quotes, commas, '<', '@' are safe), as pb_mail_header_text. */
int pb_mail_header_phrase(struct pb_buf *b, size_t name_len, const char *s)
    PB_WUR;

/* Plain text for a text/plain part: valid UTF-8, control characters other
 * than newline and tab become spaces, CR dropped. */
int pb_mail_plain(struct pb_buf *b, const char *s) PB_WUR;
/* As pb_mail_plain on one line: newlines and tabs become spaces too. */
int pb_mail_plain_line(struct pb_buf *b, const char *s) PB_WUR;

/* As pb_mail_plain_line, wrapped for reading: words are moved to a new
 * line (starting with indent spaces) before a line passes width
 * characters; a word longer than width (a URL) stays whole on its own
 * line. The first line is assumed to start at column indent. */
int pb_mail_wrap(struct pb_buf *b, const char *s, size_t indent,
                 size_t width) PB_WUR;

/*
 * Quoted-printable of s[0..len) (UTF-8 text with '\n' line ends): lines
 * end in CRLF, none longer than 76 characters (soft breaks "=" CRLF);
 * '=', bytes over 127, controls, a trailing space or tab, and a '.' or
 * 'F' at the start of a line are =XX.
 */
int pb_mail_qp(struct pb_buf *b, const char *s, size_t len) PB_WUR;

/* Base64 of p[0..len) in lines of 76 characters, each ending in CRLF. */
int pb_mail_base64_lines(struct pb_buf *b, const void *p, size_t len) PB_WUR;

/* RFC 5322 date of t (UTC), "Fri, 27 Nov 2026 21:56:48 +0000". */
void pb_mail_date(int64_t t, char out[40]);

#endif
