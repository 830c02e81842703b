/*
 * sif.h - paper vectors from word vectors by SIF (Arora, Liang and Ma,
 * "A simple but tough-to-beat baseline for sentence embeddings", ICLR
 * 2017): the average of the word vectors of a text, each weighted
 * a / (a + p(w)) with p(w) the word's frequency in the corpus, minus the
 * projection on the first principal component of the corpus' vectors, then
 * scaled to unit length.
 *
 * Words come from the search analyser (analyze.h), so that "Schrödinger's"
 * and LaTeX read the same as in keyword search: its stems when the word
 * vectors are of stems (PB_WV_STEMS), else the unstemmed words in lower case
 * (compound parts, no joined forms, no ids, no stop words).
 *
 * A struct pb_sif borrows its word vectors (they must outlive it). Counting
 * and fitting change it; embedding only reads it, with a per-thread
 * analyser, so several threads may embed at once after fitting.
 */
#ifndef PB_VECTOR_SIF_H
#define PB_VECTOR_SIF_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "text/analyze.h"
#include "vector/wordvec.h"

#define PB_SIF_A 1e-3 /* the paper's a (1e-3 .. 1e-4 work alike) */

/* Called with each word of a text, lower case, p[0..len) borrowed. */
typedef int (*pb_word_fn)(void *ctx, const char *p, size_t len);

/* The words of text[0..len) (LaTeX allowed) for vectors; stems or not. */
int pb_vec_words(struct pb_analyzer *az, const char *text, size_t len,
                 int stems, pb_word_fn fn, void *ctx) PB_WUR;

struct pb_sif;

/* Never NULL; wv borrowed. Corpus counts start at zero. */
struct pb_sif *pb_sif_new(const struct pb_wordvec *wv, double a);
void pb_sif_free(struct pb_sif *s);

/* Add the words of text to the corpus counts. */
int pb_sif_count(struct pb_sif *s, struct pb_analyzer *az, const char *text,
                 size_t len) PB_WUR;

/* The counts (one per word of wv, borrowed) and their total; set_counts
 * copies n (== words of wv) counts back, e.g. from a vector file. */
const uint32_t *pb_sif_counts(const struct pb_sif *s, uint64_t *out_total);
int pb_sif_set_counts(struct pb_sif *s, const uint32_t *counts, size_t n) PB_WUR;

/* The weighted average of title + abstract (either may be NULL) into out
 * (dim floats), not yet normalised; returns the number of words that had a
 * vector (0: out is all zeros). */
size_t pb_sif_embed_raw(const struct pb_sif *s, struct pb_analyzer *az,
                        const char *title, const char *abstract, float *out);

/* The first principal component (uncentred, as the paper's TruncatedSVD)
 * of n raw vectors (row-major n x dim), by power iteration; deterministic. */
void pb_sif_fit_pc(struct pb_sif *s, const float *vecs, size_t n);
const float *pb_sif_pc(const struct pb_sif *s); /* dim floats, borrowed */
void pb_sif_set_pc(struct pb_sif *s, const float *pc);

/* Remove the component and scale to unit length (a zero vector stays). */
void pb_sif_finish(const struct pb_sif *s, float *v);

#endif
