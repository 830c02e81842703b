/*
 * hnsw.h - approximate nearest neighbours over a vecset: a Hierarchical
 * Navigable Small World graph (Malkov and Yashunin, 2018) with the
 * neighbour-selection heuristic, on int8 vectors by cosine similarity.
 *
 * Graph node i is vecset slot i; pb_hnsw_add() inserts the next slot, so
 * the graph grows with the set (incremental inserts). Dead slots stay in
 * the graph as stepping stones and are never returned.
 *
 * File DB.hnsw (little endian): 64-byte header "PBHNSW01", u32 M, u32 M0,
 * u32 ef_construction, u32 n, u32 entry, u32 max_level, u64 rng, u64
 * n_upper; then u8 level[n], u32 upper_off[n], u32 l0[n][M0 + 1],
 * u32 upper[n_upper] (each part at a multiple of 8). A link list is a count
 * then that many node ids. pb_hnsw_open() maps it; the first add copies it.
 *
 * Threads: searches may run concurrently, each with its own scratch;
 * pb_hnsw_add needs exclusive access. The vecset is borrowed and must
 * outlive the graph. Building is deterministic for a seed.
 */
#ifndef PB_VECTOR_HNSW_H
#define PB_VECTOR_HNSW_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "vector/vecset.h"

struct pb_hnsw;
struct pb_hnsw_scratch;

/* M links per node (level 0: 2M), ef_construction; never NULL. */
struct pb_hnsw *pb_hnsw_new(const struct pb_vecset *vs, uint32_t M,
                            uint32_t ef_construction, uint64_t seed);
void pb_hnsw_free(struct pb_hnsw *h);

/* Insert every slot of the vecset not yet in the graph; then, if any was
 * inserted, link in any node the entry point no longer reaches on level 0
 * (pruning can take a node's last in-link). Returns how many nodes had to
 * be re-linked so. */
size_t pb_hnsw_add_all(struct pb_hnsw *h);
/* How many nodes the entry point reaches on level 0 (all, after add_all). */
uint32_t pb_hnsw_reachable(const struct pb_hnsw *h);
uint32_t pb_hnsw_size(const struct pb_hnsw *h);

/* Per-thread search memory; never NULL. */
struct pb_hnsw_scratch *pb_hnsw_scratch_new(void);
void pb_hnsw_scratch_free(struct pb_hnsw_scratch *sc);

/* Top-k live slots for query q (dim_pad int8s, scale qscale) with beam ef
 * (raised to k): hits[0..*out_n), best first. */
void pb_hnsw_search(const struct pb_hnsw *h, struct pb_hnsw_scratch *sc,
                    const int8_t *q, float qscale, size_t k, uint32_t ef,
                    struct pb_vhit *hits, size_t *out_n);

int pb_hnsw_save(const struct pb_hnsw *h, const char *path,
                 struct pb_err *err) PB_WUR;
/* PB_ENOTFOUND when missing; PB_EPARSE when malformed or not for vs. */
int pb_hnsw_open(const char *path, const struct pb_vecset *vs,
                 struct pb_hnsw **out, struct pb_err *err) PB_WUR;
/* Parse an image (borrowed; must outlive the graph). */
int pb_hnsw_from_mem(const void *p, size_t len, const struct pb_vecset *vs,
                     struct pb_hnsw **out, struct pb_err *err) PB_WUR;

/* Bytes of links per node on average (for the benchmarks). */
double pb_hnsw_bytes_per_node(const struct pb_hnsw *h);

#endif
