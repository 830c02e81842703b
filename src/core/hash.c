/* hash.c - pb_hash64: folded 64x64->128 multiplies (the "mum" step of
 * wyhash), two lanes of 16 bytes each per round. */
#include "core/hash.h"

#include <string.h>

#define K0 0xa0761d6478bd642fULL
#define K1 0xe7037ed1a0b428dbULL
#define K2 0x8ebc6af09c88c6e3ULL
#define K3 0x589965cc75374cc3ULL

static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t ld(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

uint64_t pb_hash64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t a = K0 ^ (uint64_t)len, b = K1 + (uint64_t)len;
    size_t n = len;
    for (; n >= 32; p += 32, n -= 32) {
        a = mum(ld(p) ^ K1, ld(p + 8) ^ a);
        b = mum(ld(p + 16) ^ K2, ld(p + 24) ^ b);
    }
    /* the last 0..31 bytes, zero-padded (len is already in the state, so
     * padding cannot collide with real zero bytes) */
    unsigned char t[32] = {0};
    if (n)
        memcpy(t, p, n);
    a = mum(ld(t) ^ K1, ld(t + 8) ^ a);
    b = mum(ld(t + 16) ^ K2, ld(t + 24) ^ b);
    return mum(a ^ K3, b ^ K0);
}
