/*
 * analyze.h - the one analyser that turns text into index terms, used for
 * both documents and queries so that the two always agree.
 *
 * Pipeline: LaTeX to text (latex_plain.h, index mode), then per code point
 * Unicode compatibility decomposition + case folding + mark stripping
 * (utf8proc: NFKC casefold with accents folded, "Schrödinger" ->
 * "schrodinger"), then tokens:
 *
 *  - a word is a run of letters and digits; "1.5" keeps its dot;
 *  - compounds joined by - . / _ give each part and, for 2 to 4 parts, the
 *    parts joined as one more term at the first part's position (flag
 *    PB_TOK_JOINED): "vision-language" -> vision, language, visionlanguage;
 *    "GPT-4" -> gpt, 4, gpt4; "k-means" -> k, mean, kmean;
 *  - arXiv ids ("2504.08385", "arXiv:2504.08385v2", "hep-th/9901001") give
 *    one term, the canonical id; DOIs ("10.1103/PhysRevLett.1.2") give one
 *    term, the DOI in lower case;
 *  - a small English stop list (Lucene's 33 words) is dropped (positions
 *    still advance, so phrases keep their gaps);
 *  - words without digits are stemmed (Snowball English).
 *
 * A struct pb_analyzer holds a stemmer and scratch memory: use it from one
 * thread at a time (one per thread). pb_analyzer_new / pb_analyzer_free.
 */
#ifndef PB_TEXT_ANALYZE_H
#define PB_TEXT_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PB_TERM_MAX 64 /* longer words are skipped (their position counts) */

enum pb_tok_flags {
    PB_TOK_JOINED = 1, /* the joined form of a compound */
    PB_TOK_ID = 2,     /* an arXiv id or a DOI */
    PB_TOK_STEM = 4,   /* with PB_AN_NOSTEM: a word left unstemmed */
};

struct pb_token {
    const char *p; /* the term, borrowed for the callback; not NUL-ended */
    size_t len;
    uint32_t pos;        /* word position, from pos0 */
    size_t start, end;   /* byte range in the analysed text (see below) */
    unsigned flags;      /* enum pb_tok_flags */
};

/* Return PB_OK to go on; anything else stops pb_analyze, which returns it. */
typedef int (*pb_token_fn)(void *ctx, const struct pb_token *t);

enum pb_analyze_flags {
    PB_AN_PLAIN = 1, /* text is plain (no LaTeX pass): offsets are into s */
    /* Words that would be stemmed come unstemmed (lower case), flagged
     * PB_TOK_STEM; the caller stems them with pb_analyzer_stem() (or
     * keeps its own cache of word -> term: the indexer does). */
    PB_AN_NOSTEM = 2,
};

struct pb_analyzer;

/* Never NULL (allocation failure aborts). */
struct pb_analyzer *pb_analyzer_new(void);
void pb_analyzer_free(struct pb_analyzer *az);

/*
 * Call fn for each term of s[0..len), positions starting at pos0; writes the
 * next free position to *out_pos (may be NULL). Token offsets are into s
 * with PB_AN_PLAIN, otherwise into the converted text (pb_analyzer_text).
 * Invalid UTF-8 is read as U+FFFD (a separator). Returns fn's first non-OK
 * value, or PB_OK.
 */
int pb_analyze(struct pb_analyzer *az, const char *s, size_t len,
               unsigned flags, uint32_t pos0, pb_token_fn fn, void *ctx,
               uint32_t *out_pos) PB_WUR;

/* The text the last pb_analyze call tokenised (borrowed until the next). */
const char *pb_analyzer_text(const struct pb_analyzer *az, size_t *out_len);

/* Stem one lower-case word (cached). out holds PB_TERM_MAX bytes; returns
 * the stem's length. */
size_t pb_analyzer_stem(struct pb_analyzer *az, const char *w, size_t len,
                        char *out);

/* True for the stop words (lower case). */
int pb_text_is_stopword(const char *w, size_t len);

#endif
