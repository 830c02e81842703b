/* bitpack.c - fixed-width bit packing of small integer arrays. */
#include <string.h>

#include "search/search_int.h"

unsigned pb_bitwidth(uint32_t max)
{
    return max ? 32u - (unsigned)__builtin_clz(max) : 0;
}

void pb_bitpack(const uint32_t *v, size_t n, unsigned w, uint32_t *out)
{
    size_t words = pb_bitpack_words(n, w);
    memset(out, 0, words * sizeof *out);
    if (!w)
        return;
    for (size_t i = 0; i < n; i++) {
        size_t bit = i * w, k = bit >> 5;
        unsigned sh = bit & 31;
        out[k] |= v[i] << sh;
        if (sh + w > 32)
            out[k + 1] |= v[i] >> (32 - sh);
    }
}

/* n values of a constant width w from 4-aligned words: groups of 32
 * values fill exactly w words, so with w a constant every shift below is
 * one too (the switch in pb_bitunpack instantiates one copy per width). */
static inline __attribute__((always_inline)) void
unpack_w(const uint8_t *in, size_t n, const unsigned w, uint32_t *out)
{
    const uint32_t mask = w == 32 ? UINT32_MAX : (1u << w) - 1;
    size_t i = 0;
    for (; i + 32 <= n; i += 32, in += 4 * w) {
        uint32_t x[32];
        memcpy(x, in, 4 * w);
#pragma GCC unroll 32
        for (unsigned j = 0; j < 32; j++) {
            unsigned bit = j * w, k = bit >> 5, sh = bit & 31;
            uint32_t v = x[k] >> sh;
            if (sh + w > 32)
                v |= x[k + 1] << (32 - sh);
            out[i + j] = v & mask;
        }
    }
    for (size_t j = 0; i < n; i++, j++)
        out[i] = pb_bitget(in, (uint32_t)j, w);
}

/* As unpack_w, turning gaps into docids on the way: out[i] = prev + 1 +
 * gap (one pass instead of unpacking and then summing). */
static inline __attribute__((always_inline)) void
unpack_gaps_w(const uint8_t *in, size_t n, const unsigned w, uint32_t prev,
              uint32_t *out)
{
    const uint32_t mask = w == 32 ? UINT32_MAX : (1u << w) - 1;
    size_t i = 0;
    for (; i + 32 <= n; i += 32, in += 4 * w) {
        uint32_t x[32];
        memcpy(x, in, 4 * w);
#pragma GCC unroll 32
        for (unsigned j = 0; j < 32; j++) {
            unsigned bit = j * w, k = bit >> 5, sh = bit & 31;
            uint32_t v = x[k] >> sh;
            if (sh + w > 32)
                v |= x[k + 1] << (32 - sh);
            prev += (v & mask) + 1;
            out[i + j] = prev;
        }
    }
    for (size_t j = 0; i < n; i++, j++) {
        prev += pb_bitget(in, (uint32_t)j, w) + 1;
        out[i] = prev;
    }
}

void pb_bitunpack_gaps(const uint8_t *in, size_t n, unsigned w, uint32_t prev,
                       uint32_t *out)
{
    switch (w) {
    case 0:
        for (size_t i = 0; i < n; i++)
            out[i] = ++prev;
        return;
#define W(k)                                                                 \
    case k:                                                                  \
        unpack_gaps_w(in, n, k, prev, out);                                  \
        return;
        W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8) W(9) W(10) W(11) W(12) W(13)
        W(14) W(15) W(16) W(17) W(18) W(19) W(20) W(21) W(22) W(23) W(24)
        W(25) W(26) W(27) W(28) W(29) W(30) W(31) W(32)
#undef W
    default:
        for (size_t i = 0; i < n; i++)
            out[i] = ++prev;
    }
}

void pb_bitunpack(const uint8_t *in, size_t n, unsigned w, uint32_t *out)
{
    switch (w) {
    case 0:
        memset(out, 0, n * sizeof *out);
        return;
#define W(k)                                                                 \
    case k:                                                                  \
        unpack_w(in, n, k, out);                                             \
        return;
        W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8) W(9) W(10) W(11) W(12) W(13)
        W(14) W(15) W(16) W(17) W(18) W(19) W(20) W(21) W(22) W(23) W(24)
        W(25) W(26) W(27) W(28) W(29) W(30) W(31) W(32)
#undef W
    default:
        memset(out, 0, n * sizeof *out);
    }
}

uint32_t pb_term_hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h ^ (h >> 15);
}
