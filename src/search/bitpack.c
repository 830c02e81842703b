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

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_GAPS 1

/* Widths the AVX2 path takes: a value's 4 bytes, read at the byte where it
 * starts, hold it whole (shift <= 7, so w <= 25). */
#define AVX2_GAPS_MAXW 24

/*
 * pb_bitunpack_gaps() for AVX2, 8 values a step. The stream is little
 * endian bits, so value j of a group starting at byte B (8 values of w bits
 * are w bytes: B stays byte aligned) is the 32 bits at byte B + jw/8,
 * shifted right by jw%8 and masked. Each 128-bit lane takes 4 values from
 * its own 16-byte load (values 4..7 from byte B + 4w/8), a byte shuffle puts
 * each value's 4 bytes in its slot, a per-slot shift aligns it; then the
 * gaps become docids with an 8-wide prefix sum. Loads stay inside the
 * n * w bits of input (the steps that would read beyond go to the scalar
 * tail), so the path reads exactly what the scalar one does.
 */
__attribute__((target("avx2"))) static void
unpack_gaps_avx2(const uint8_t *in, size_t n, unsigned w, uint32_t prev,
                 uint32_t *out)
{
    uint8_t shuf[32];
    uint32_t shift[8];
    unsigned h = (4 * w) >> 3; /* the high lane's byte offset */
    for (unsigned j = 0; j < 8; j++) {
        unsigned bit = j < 4 ? j * w : j * w - 8 * h;
        for (unsigned t = 0; t < 4; t++)
            shuf[4 * j + t] = (uint8_t)((bit >> 3) + t);
        shift[j] = bit & 7;
    }
    const __m256i ctl = _mm256_loadu_si256((const __m256i *)shuf);
    const __m256i sh = _mm256_loadu_si256((const __m256i *)shift);
    const __m256i mask = _mm256_set1_epi32((int)((1u << w) - 1));
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i last = _mm256_set1_epi32(7);
    const __m256i lane3 = _mm256_set_epi32(3, 3, 3, 3, 0, 0, 0, 0);
    __m256i run = _mm256_set1_epi32((int)prev);
    size_t bytes = (n * w) >> 3; /* whole bytes of input */
    size_t i = 0, b = 0;
    /* the high lane's load ends at b + h + 16 */
    for (; i + 8 <= n && b + h + 16 <= bytes; i += 8, b += w) {
        __m128i lo = _mm_loadu_si128((const __m128i *)(in + b));
        __m128i hi = _mm_loadu_si128((const __m128i *)(in + b + h));
        __m256i x = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
        x = _mm256_shuffle_epi8(x, ctl);
        x = _mm256_and_si256(_mm256_srlv_epi32(x, sh), mask);
        x = _mm256_add_epi32(x, one);
        /* prefix sums within each lane, then lane 0's total into lane 1 */
        x = _mm256_add_epi32(x, _mm256_slli_si256(x, 4));
        x = _mm256_add_epi32(x, _mm256_slli_si256(x, 8));
        __m256i c = _mm256_permutevar8x32_epi32(x, lane3);
        x = _mm256_add_epi32(x, _mm256_blend_epi32(_mm256_setzero_si256(), c,
                                                   0xF0));
        x = _mm256_add_epi32(x, run);
        _mm256_storeu_si256((__m256i *)(out + i), x);
        run = _mm256_permutevar8x32_epi32(x, last);
    }
    prev = (uint32_t)_mm256_cvtsi256_si32(run);
    for (; i < n; i++) {
        prev += pb_bitget(in, (uint32_t)i, w) + 1;
        out[i] = prev;
    }
}

#endif

int pb_bitunpack_simd(void)
{
#ifdef HAVE_AVX2_GAPS
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

void pb_bitunpack_gaps(const uint8_t *in, size_t n, unsigned w, uint32_t prev,
                       uint32_t *out)
{
#ifdef HAVE_AVX2_GAPS
    if (w && w <= AVX2_GAPS_MAXW && n >= 32 && pb_bitunpack_simd()) {
        unpack_gaps_avx2(in, n, w, prev, out);
        return;
    }
#endif
    pb_bitunpack_gaps_scalar(in, n, w, prev, out);
}

void pb_bitunpack_gaps_scalar(const uint8_t *in, size_t n, unsigned w,
                              uint32_t prev, uint32_t *out)
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
