/*
 * wordvec.h - a table of word vectors: vocabulary, fp16 vectors, lookup by
 * word, and the compact binary file (".wv") they are kept in.
 *
 * File layout (little endian), all lengths checked on load:
 *   "PBWV0001"        8 bytes magic
 *   u32 dim           1..1024
 *   u32 n_words       0..PB_WV_MAX_WORDS
 *   u32 flags         enum pb_wv_flags
 *   u32 reserved      0
 *   n_words x { u8 len (1..PB_WV_MAX_WORD); len bytes }   the words, unique
 *   n_words x u32 count   occurrences in the training corpus (0 = unknown)
 *   n_words x dim x u16   IEEE half floats
 * Words are lower case; with PB_WV_STEMS they are the analyser's stems.
 *
 * A struct pb_wordvec is read-only after load or build, so it may be shared
 * by threads. pb_wordvec_free(NULL) is a no-op.
 */
#ifndef PB_VECTOR_WORDVEC_H
#define PB_VECTOR_WORDVEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PB_WV_MAX_WORDS 4000000u
#define PB_WV_MAX_WORD 64
#define PB_WV_MAX_DIM 1024u

enum pb_wv_flags {
    PB_WV_STEMS = 1, /* words are stems (else unstemmed lower-case words) */
};

struct pb_wordvec;

/* An empty table of dimension dim (1..PB_WV_MAX_DIM). Never NULL. */
struct pb_wordvec *pb_wordvec_new(uint32_t dim, unsigned flags);
void pb_wordvec_free(struct pb_wordvec *wv);

/* Append a word (p[0..len), copied) with its vector (dim floats, copied,
 * stored as fp16) and count. PB_EEXIST when the word is there already,
 * PB_EINVAL for an empty or over-long word, PB_ETOOBIG past the cap. */
int pb_wordvec_add(struct pb_wordvec *wv, const char *p, size_t len,
                   const float *vec, uint32_t count) PB_WUR;

/* Parse a .wv image p[0..len) (copied). PB_EPARSE with a reason in err for
 * anything malformed. *out is freed by the caller with pb_wordvec_free(). */
int pb_wordvec_load_mem(const void *p, size_t len, struct pb_wordvec **out,
                        struct pb_err *err) PB_WUR;
/* The same for a file (PB_EIO when it cannot be read, PB_ETOOBIG over
 * 4 GiB). */
int pb_wordvec_load(const char *path, struct pb_wordvec **out,
                    struct pb_err *err) PB_WUR;
/* Write to path atomically (path.tmp then rename). */
int pb_wordvec_save(const struct pb_wordvec *wv, const char *path,
                    struct pb_err *err) PB_WUR;

uint32_t pb_wordvec_dim(const struct pb_wordvec *wv);
uint32_t pb_wordvec_count(const struct pb_wordvec *wv); /* words */
unsigned pb_wordvec_flags(const struct pb_wordvec *wv);

/* The index of word p[0..len), or -1. */
int64_t pb_wordvec_find(const struct pb_wordvec *wv, const char *p,
                        size_t len);
/* Word i (borrowed, NUL-terminated, while wv lives) and its count. */
const char *pb_wordvec_word(const struct pb_wordvec *wv, uint32_t i);
uint32_t pb_wordvec_word_count(const struct pb_wordvec *wv, uint32_t i);
/* Vector i as floats into out (dim floats). */
void pb_wordvec_get(const struct pb_wordvec *wv, uint32_t i, float *out);

/* IEEE half <-> float. */
uint16_t pb_half_from_float(float f);
float pb_half_to_float(uint16_t h);

#endif
