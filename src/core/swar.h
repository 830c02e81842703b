/*
 * swar.h - eight bytes at a time ("SIMD within a register") for the byte
 * loops of the importers, which see about a gigabyte of text on a full
 * arXiv import. Each helper looks at one little-endian 64-bit load.
 */
#ifndef PB_CORE_SWAR_H
#define PB_CORE_SWAR_H

#include <stdint.h>
#include <string.h>

#define PB_SWAR_ONES 0x0101010101010101ULL
#define PB_SWAR_HIGH 0x8080808080808080ULL
#define PB_SWAR_LOW7 0x7F7F7F7F7F7F7F7FULL

static inline uint64_t pb_swar_load(const void *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* Exactly the high bit of each byte of w that is zero. */
static inline uint64_t pb_swar_zero_bytes(uint64_t w)
{
    return ~(((w & PB_SWAR_LOW7) + PB_SWAR_LOW7) | w | PB_SWAR_LOW7);
}

/* The high bit of each byte of w equal to b. */
static inline uint64_t pb_swar_eq(uint64_t w, unsigned char b)
{
    return pb_swar_zero_bytes(w ^ (PB_SWAR_ONES * b));
}

/* Non-zero when some byte of w is below n (n <= 128), exact per byte. */
static inline uint64_t pb_swar_below(uint64_t w, unsigned char n)
{
    /* bytes with the high bit clear, then (b | 0x80) - n keeps the high
     * bit exactly when b >= n */
    uint64_t x = (w | PB_SWAR_HIGH) - PB_SWAR_ONES * n;
    return ~x & ~w & PB_SWAR_HIGH;
}

#endif
