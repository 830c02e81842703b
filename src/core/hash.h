/*
 * hash.h - a fast non-cryptographic 64-bit hash, for ETags and hash tables
 * over data nobody chooses adversarially. About 16 bytes per multiply in two
 * independent lanes (the byte-at-a-time FNV-1a it replaced spent ~50 us on
 * a 35 kB answer). Stable within one build; not a format: never store it.
 */
#ifndef PB_CORE_HASH_H
#define PB_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Hash of p[0..len); p is borrowed; thread-safe. */
uint64_t pb_hash64(const void *p, size_t len);

#endif
