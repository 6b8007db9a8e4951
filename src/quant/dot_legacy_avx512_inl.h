// AVX-512 legacy-type dots, written once and compiled twice: dot_legacy_avx512.cpp (F/BW/VL: vpmaddubsw +
// vpmaddwd) and dot_legacy_avx512vnni.cpp (vpdpbusd), selected by LOCUS_VNNI (0 or 1) before inclusion.
// Two blocks fill one 512-bit register; four blocks per iteration into two accumulators. An odd last block
// is paired with a zero block (a copy on the stack, so nothing past the rows is read).
#include <immintrin.h>

#include <cstring>

#include "quant/legacy_blocks.h"

// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own _mm512_undefined_*() (fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#ifndef LOCUS_VNNI
#error "define LOCUS_VNNI to 0 or 1 before including dot_legacy_avx512_inl.h"
#endif

namespace locus::legacy::v512 {
namespace {

inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

// Sum of u[4k..4k+3] * s[4k..4k+3] as 16 int32 (u unsigned bytes, s signed). Without VNNI the pairs go
// through int16: exact while u <= 128 and |s| <= 127, which holds for every caller here.
inline __m512i dot_u8_i8(__m512i u, __m512i s) {
#if LOCUS_VNNI
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, s);
#else
    return _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1));
#endif
}

// Signed x signed: |x| * (y with x's sign).
inline __m512i dot_i8_i8(__m512i x, __m512i y) {
    const __mmask64 neg = _mm512_movepi8_mask(x);
    return dot_u8_i8(_mm512_abs_epi8(x), _mm512_mask_sub_epi8(y, neg, _mm512_setzero_si512(), y));
}

// Two blocks' nibbles -> 64 bytes 0..15: block a's 32 elements in the low half, block b's in the high half.
inline __m512i unpack_nibbles2(const uint8_t* qa, const uint8_t* qb) {
    const __m256i ab = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qa))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(qb)), 1);
    // [a lo, b lo, a hi, b hi] -> [a lo, a hi, b lo, b hi] (128-bit lanes).
    const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(ab), _mm256_srli_epi16(ab, 4), 1);
    return _mm512_and_si512(_mm512_shuffle_i64x2(z, z, _MM_SHUFFLE(3, 1, 2, 0)), _mm512_set1_epi8(0x0f));
}

// Two blocks' qh -> 64 bytes holding 0x10 where the element's fifth bit is set.
inline __m512i unpack_high_bits2(const uint8_t* qha, const uint8_t* qhb) {
    uint32_t a, b;
    std::memcpy(&a, qha, 4);
    std::memcpy(&b, qhb, 4);
    const __mmask64 bits = __mmask64(a) | __mmask64(b) << 32;
    return _mm512_maskz_mov_epi8(bits, _mm512_set1_epi8(0x10));
}

inline __m512i load2(const int8_t* a, const int8_t* b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))),
                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 1);
}

// Integer dots of two consecutive blocks (w[0], w[1] against x[0], x[1]): lanes 0..7 block 0, 8..15 block 1.
inline __m512i pair_dot(const BlockQ4_0* w, const BlockQ8_0* x) {
    const __m512i q = _mm512_sub_epi8(unpack_nibbles2(w[0].qs, w[1].qs), _mm512_set1_epi8(8));
    return dot_i8_i8(q, load2(x[0].qs, x[1].qs));
}
inline __m512i pair_dot(const BlockQ4_1* w, const BlockQ8_1* x) {
    return dot_u8_i8(unpack_nibbles2(w[0].qs, w[1].qs), load2(x[0].qs, x[1].qs));
}
inline __m512i pair_dot(const BlockQ5_0* w, const BlockQ8_0* x) {
    const __m512i q = _mm512_or_si512(unpack_nibbles2(w[0].qs, w[1].qs), unpack_high_bits2(w[0].qh, w[1].qh));
    return dot_i8_i8(_mm512_sub_epi8(q, _mm512_set1_epi8(16)), load2(x[0].qs, x[1].qs));
}
inline __m512i pair_dot(const BlockQ5_1* w, const BlockQ8_1* x) {
    const __m512i q = _mm512_or_si512(unpack_nibbles2(w[0].qs, w[1].qs), unpack_high_bits2(w[0].qh, w[1].qh));
    return dot_u8_i8(q, load2(x[0].qs, x[1].qs));
}
inline __m512i pair_dot(const BlockQ8_0* w, const BlockQ8_0* x) {
    return dot_i8_i8(load2(w[0].qs, w[1].qs), load2(x[0].qs, x[1].qs));
}

template <class W>
constexpr bool kHasMin = requires(W w) { w.m; };

// d_w * d_x of blocks 0 and 1, broadcast over their 8 lanes each.
template <class W, class X>
inline __m512 pair_scale(const W* w, const X* x) {
    const __m256 a = _mm256_set1_ps(h2f(w[0].d) * h2f(x[0].d));
    const __m256 b = _mm256_set1_ps(h2f(w[1].d) * h2f(x[1].d));
    return _mm512_insertf32x8(_mm512_castps256_ps512(a), b, 1);
}

template <class W, class X>
inline float pair_min_term(const W* w, const X* x) {
    if constexpr (kHasMin<W>) return h2f(w[0].m) * h2f(x[0].s) + h2f(w[1].m) * h2f(x[1].s);
    return 0.0f;
}

template <class W, class X>
float dot_blocks(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const W*>(wv);
    const auto* x = static_cast<const X*>(xv);
    const int64_t nb = n / kQK;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    float msum = 0.0f;
    int64_t i = 0;
    for (; i + 3 < nb; i += 4) {
        const __m512 p0 = _mm512_cvtepi32_ps(pair_dot(w + i, x + i));
        const __m512 p1 = _mm512_cvtepi32_ps(pair_dot(w + i + 2, x + i + 2));
        acc0 = _mm512_fmadd_ps(pair_scale(w + i, x + i), p0, acc0);
        acc1 = _mm512_fmadd_ps(pair_scale(w + i + 2, x + i + 2), p1, acc1);
        if constexpr (kHasMin<W>) msum += pair_min_term(w + i, x + i) + pair_min_term(w + i + 2, x + i + 2);
    }
    if (i + 1 < nb) {
        acc0 = _mm512_fmadd_ps(pair_scale(w + i, x + i), _mm512_cvtepi32_ps(pair_dot(w + i, x + i)), acc0);
        if constexpr (kHasMin<W>) msum += pair_min_term(w + i, x + i);
        i += 2;
    }
    if (i < nb) {  // last odd block, paired with zero blocks
        W wt[2] = {};
        X xt[2] = {};
        std::memcpy(&wt[0], &w[i], sizeof(W));
        std::memcpy(&xt[0], &x[i], sizeof(X));
        acc1 = _mm512_fmadd_ps(pair_scale(wt, xt), _mm512_cvtepi32_ps(pair_dot(wt, xt)), acc1);
        if constexpr (kHasMin<W>) msum += pair_min_term(wt, xt);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + msum;
}

}  // namespace
}  // namespace locus::legacy::v512
