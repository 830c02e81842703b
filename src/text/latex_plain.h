/*
 * latex_plain.h - LaTeX to plain text, for display and for the analyser.
 *
 * Titles and abstracts from arXiv hold LaTeX: accents ({\"o}, \'e), font
 * commands (\emph{x}, \mathcal{O}), math ($O(n^2)$), escapes (\%, \&) and
 * references (\cite{...}). This module turns them into plain UTF-8:
 *
 *   \emph{x} -> x        {\"o} -> ö         $\mathcal{O}(n)$ -> O(n)
 *   \alpha  -> α (display) or "alpha" (index)   \cite{k} -> (dropped)
 *
 * Unknown commands are dropped and their braced arguments kept, which is the
 * closest reading for font and style commands. Input need not be valid TeX:
 * unbalanced braces or a lone backslash are passed over, never an error.
 * Thread-safe (no state).
 */
#ifndef PB_TEXT_LATEX_PLAIN_H
#define PB_TEXT_LATEX_PLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

enum pb_latex_mode {
    PB_LATEX_DISPLAY, /* Unicode symbols and dashes, NFC, collapsed spaces */
    PB_LATEX_INDEX,   /* Greek letters as words, symbols as spaces */
};

/*
 * Convert s[0..len) and append to out. PB_ETOOBIG when out's cap is reached
 * (out then holds a prefix). s is borrowed for the call.
 */
int pb_text_latex_convert(const char *s, size_t len, enum pb_latex_mode mode,
                          struct pb_buf *out) PB_WUR;

/*
 * Plain text for display: pb_text_latex_convert(PB_LATEX_DISPLAY), then NFC,
 * whitespace runs collapsed to one space and trimmed. Returns a heap string
 * the caller frees with free(); never NULL (allocation failure aborts).
 * Invalid UTF-8 in s is copied as is.
 */
char *pb_text_latex_plain(const char *s, size_t len);

/* Code points that NFC leaves alone, alone or in any sequence of them
 * (no combining class, no singleton or excluded decomposition, never the
 * second of a composition; tests/unit/test_text.c checks each against
 * utf8proc): ASCII and U+0080..U+02FF, Greek U+0391..U+03FF, dashes and
 * quotes U+2010..U+2027, U+2030..U+205E, arrows and math operators
 * U+2190..U+22FF. pb_text_nfc_inert: s[0..len) is valid UTF-8 of those
 * only, so its NFC is itself (pb_text_latex_plain skips utf8proc then). */
int pb_text_nfc_inert_cp(uint32_t cp);
int pb_text_nfc_inert(const char *s, size_t len);

#endif
