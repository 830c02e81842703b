/*
 * w2v.h - train word vectors on our own papers: skip-gram with negative
 * sampling (Mikolov et al., 2013), in C, on several threads, and
 * deterministic for a seed.
 *
 * Determinism: the corpus (in the order it was added) is cut into rounds of
 * about round_tokens tokens, and each round into `shards` slices at document
 * boundaries. Every shard of a round starts from the same snapshot of the
 * weights and writes only its own copy (rows copied on first touch), with
 * its own random stream seeded from (seed, epoch, round, shard); after the
 * round the shards' changes are added to the weights in shard order. So
 * the result depends on the corpus, the seed and the options below, and
 * not on --threads or on how the threads were scheduled: one thread and
 * two threads give the same bytes (the unit tests check it). It is a
 * bounded-staleness form of Hogwild: shards cannot see each other's updates
 * within a round, which is why rounds are kept short.
 *
 * A struct pb_w2v_corpus collects the words of texts (analyser words, see
 * sif.h) as ids; train it once done. Not thread-safe itself.
 */
#ifndef PB_VECTOR_W2V_H
#define PB_VECTOR_W2V_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "text/analyze.h"
#include "vector/wordvec.h"

struct pb_w2v_opts {
    uint32_t dim;       /* 100 */
    uint32_t epochs;    /* 5 */
    uint32_t threads;   /* 2; does not change the result */
    uint32_t shards;    /* 2; changes the result */
    uint32_t window;    /* 8 */
    uint32_t negative;  /* 5 */
    uint32_t min_count; /* 5 */
    double lr;          /* 0.025, decays linearly */
    double sample;      /* 1e-4: subsampling of frequent words */
    size_t round_tokens;/* 200,000 */
    uint64_t seed;      /* 1 */
    FILE *log;          /* progress lines, or NULL */
    /* when not NULL, also the output (context) vectors, same words in the
     * same order (for IN-OUT similarity, Mitra et al.'s DESM) */
    struct pb_wordvec **out_context;
};

void pb_w2v_defaults(struct pb_w2v_opts *o);

/* Epochs for a corpus of `tokens` tokens: enough passes for about
 * PB_W2V_AUTO_TOKENS training tokens, at least 1 and at most
 * PB_W2V_AUTO_MAX (measured on SciFact's 0.84 M tokens: 10 epochs gave
 * semantic nDCG@10 0.45 on the train split, 20 gave 0.59, 40 gave 0.61;
 * docs/SEMANTIC.md). The arXiv snapshot's 58 M tokens get 1. */
#define PB_W2V_AUTO_TOKENS 40e6
#define PB_W2V_AUTO_MAX 40
uint32_t pb_w2v_auto_epochs(size_t tokens);

struct pb_w2v_corpus;

/* stems: collect stems (PB_WV_STEMS) rather than lower-case words. */
struct pb_w2v_corpus *pb_w2v_corpus_new(int stems);
void pb_w2v_corpus_free(struct pb_w2v_corpus *c);

/* Add one document (title and abstract may be NULL; borrowed). */
int pb_w2v_corpus_add(struct pb_w2v_corpus *c, struct pb_analyzer *az,
                      const char *title, const char *abstract) PB_WUR;
size_t pb_w2v_corpus_tokens(const struct pb_w2v_corpus *c);

/* Train; *out (caller frees with pb_wordvec_free) holds words with at
 * least min_count occurrences, most frequent first, with their counts.
 * PB_EINVAL for bad options or an empty vocabulary. */
int pb_w2v_train(struct pb_w2v_corpus *c, const struct pb_w2v_opts *o,
                 struct pb_wordvec **out) PB_WUR;

#endif
