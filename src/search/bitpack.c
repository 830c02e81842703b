/* bitpack.c - fixed-width bit packing of small integer arrays. */
#include <string.h>

#include "search/search_int.h"

unsigned pb_bitwidth(uint32_t max)
{
    return max ? 32u - (unsigned)__builtin_clz(max) : 0;
}

size_t pb_bitpack_words(size_t n, unsigned w)
{
    return (n * w + 31) / 32;
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

/* Reads whole u32 words with memcpy: the mapped file is only 4-aligned by
 * construction, and UBSan checks alignment. */
void pb_bitunpack(const uint8_t *in, size_t n, unsigned w, uint32_t *out)
{
    if (!w) {
        memset(out, 0, n * sizeof *out);
        return;
    }
    uint32_t words[BLK + 1];
    size_t nw = pb_bitpack_words(n, w);
    memcpy(words, in, nw * 4);
    words[nw] = 0;
    uint32_t mask = w == 32 ? UINT32_MAX : (1u << w) - 1;
    for (size_t i = 0; i < n; i++) {
        size_t bit = i * w, k = bit >> 5;
        unsigned sh = bit & 31;
        uint64_t two = (uint64_t)words[k] | ((uint64_t)words[k + 1] << 32);
        out[i] = (uint32_t)(two >> sh) & mask;
    }
}

uint32_t pb_term_hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h ^ (h >> 15);
}
