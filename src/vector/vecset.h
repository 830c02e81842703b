/*
 * vecset.h - a set of paper vectors, int8-quantised, one slot each, with
 * the SIF parameters they were made with; kept in DB.vec beside the store.
 *
 * Each vector is unit length before quantisation: q[i] = round(v[i] *
 * 127 / max|v|) and scale = max|v| / 127, so v . w ~= scale_v * scale_w *
 * (q_v . q_w). Vectors are zero-padded to dim_pad (a multiple of 16) for
 * the SIMD dot product. A slot whose paper was replaced or deleted has pid
 * -1 (it stays in the file and in the graph, but is never returned).
 *
 * File (little endian): a 64-byte header "PBVEC001", u32 dim, u32 dim_pad,
 * u32 flags, u32 n_counts, u64 n, i64 seq, f64 a; then f32 pc[dim],
 * u32 counts[n_counts], i64 pid[n], f32 scale[n], i8 q[n][dim_pad], each
 * part starting at a multiple of 8. pb_vecset_open() memory-maps it; the
 * first pb_vecset_add() copies it to the heap.
 *
 * Threads: reads may run concurrently; adds need exclusive access.
 */
#ifndef PB_VECTOR_VECSET_H
#define PB_VECTOR_VECSET_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PB_VEC_MAX 100000000u /* slots */

struct pb_vecset;

/* An empty set. Never NULL. Free with pb_vecset_free(). */
struct pb_vecset *pb_vecset_new(uint32_t dim);
void pb_vecset_free(struct pb_vecset *vs);

/* Map a file (PB_ENOTFOUND when missing, PB_EPARSE when malformed). */
int pb_vecset_open(const char *path, struct pb_vecset **out,
                   struct pb_err *err) PB_WUR;
/* Parse an image in memory (borrowed: must outlive the set). */
int pb_vecset_from_mem(const void *p, size_t len, struct pb_vecset **out,
                       struct pb_err *err) PB_WUR;
/* Write atomically (path.tmp, rename). */
int pb_vecset_save(const struct pb_vecset *vs, const char *path,
                   struct pb_err *err) PB_WUR;

/* Append unit vector v (dim floats) for pid; an older slot of pid is
 * marked dead. Returns the new slot. */
uint32_t pb_vecset_add(struct pb_vecset *vs, int64_t pid, const float *v);
/* Mark pid's slot dead; PB_ENOTFOUND when it has none. */
int pb_vecset_delete(struct pb_vecset *vs, int64_t pid) PB_WUR;

uint32_t pb_vecset_dim(const struct pb_vecset *vs);
uint32_t pb_vecset_dim_pad(const struct pb_vecset *vs);
uint32_t pb_vecset_size(const struct pb_vecset *vs); /* slots, dead too */
uint32_t pb_vecset_live(const struct pb_vecset *vs);
int64_t pb_vecset_pid(const struct pb_vecset *vs, uint32_t slot);
const int8_t *pb_vecset_q(const struct pb_vecset *vs, uint32_t slot);
float pb_vecset_scale(const struct pb_vecset *vs, uint32_t slot);
/* The live slot of pid, or -1. */
int64_t pb_vecset_slot(const struct pb_vecset *vs, int64_t pid);
/* Slot's vector back as floats (dim). */
void pb_vecset_get(const struct pb_vecset *vs, uint32_t slot, float *out);

/* SIF parameters kept with the vectors (arrays copied in, borrowed out). */
void pb_vecset_set_sif(struct pb_vecset *vs, const float *pc,
                       const uint32_t *counts, uint32_t n_counts, double a,
                       unsigned flags);
const float *pb_vecset_pc(const struct pb_vecset *vs);
const uint32_t *pb_vecset_counts(const struct pb_vecset *vs,
                                 uint32_t *out_n);
double pb_vecset_a(const struct pb_vecset *vs);
unsigned pb_vecset_flags(const struct pb_vecset *vs);
int64_t pb_vecset_seq(const struct pb_vecset *vs);
void pb_vecset_set_seq(struct pb_vecset *vs, int64_t seq);

/* Quantise unit vector v (dim) into q (dim_pad, zero padded). */
void pb_vec_quantize(const float *v, uint32_t dim, uint32_t dim_pad,
                     int8_t *q, float *out_scale);
/* q_a . q_b over n (a multiple of 16) int8s; AVX2 when the CPU has it. */
int32_t pb_vec_dot_i8(const int8_t *a, const int8_t *b, uint32_t n);

struct pb_vhit {
    int64_t pid;
    uint32_t slot;
    float score; /* cosine similarity (approximately, after quantisation) */
};

/* Exact top-k by brute force over every live slot: hits[0..*out_n), best
 * first, ties by slot. q and qscale as from pb_vec_quantize. */
void pb_vecset_exact(const struct pb_vecset *vs, const int8_t *q,
                     float qscale, size_t k, struct pb_vhit *hits,
                     size_t *out_n);

#endif
