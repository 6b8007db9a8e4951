// Legacy-type dots with one block (32 elements) per 256-bit register, two blocks per iteration into two
// accumulators. Written once, compiled twice: dot_legacy_avx2.cpp (LOCUS_VNNI256 0: vpmaddubsw + vpmaddwd)
// and dot_legacy_avx512vnni.cpp (LOCUS_VNNI256 1: vpdpbusd on ymm, AVX512-VL + VNNI), which measured faster
// than two blocks per 512-bit register for Q4_0, Q5_0 and Q8_0 (fewer cross-lane shuffles per block).
#include <immintrin.h>

#include <cstring>

#include "quant/legacy_blocks.h"

#ifndef LOCUS_VNNI256
#error "define LOCUS_VNNI256 to 0 or 1 before including dot_legacy_256_inl.h"
#endif

namespace locus::legacy::v256 {
namespace {


inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

// 16 bytes of nibbles -> 32 bytes 0..15 in element order (low nibbles are elements 0..15, high 16..31).
inline __m256i unpack_nibbles(const uint8_t* qs) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i hi = _mm_srli_epi16(lo, 4);
    return _mm256_and_si256(_mm256_set_m128i(hi, lo), _mm256_set1_epi8(0x0f));
}

// 32 bits of qh -> 32 bytes holding 0x10 where element j's fifth bit is set.
inline __m256i unpack_high_bits(const uint8_t* qh) {
    uint32_t bits;
    std::memcpy(&bits, qh, 4);
    const __m256i v = _mm256_set1_epi32(int(bits));
    // Byte j takes source byte j / 8 (within each 128-bit lane the broadcast holds all four).
    const __m256i spread = _mm256_shuffle_epi8(
        v, _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000));
    const __m256i bit = _mm256_set1_epi64x(int64_t(0x8040201008040201));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

inline __m256i load32(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Sum of u[4k..4k+3] * s[4k..4k+3] as 8 int32 (u unsigned bytes, s signed; u * s pairs fit int16 here).
inline __m256i dot_u8_i8(__m256i u, __m256i s) {
#if LOCUS_VNNI256
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

// Signed x signed: |x| * (y with x's sign).
inline __m256i dot_i8_i8(__m256i x, __m256i y) {
    return dot_u8_i8(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Per-block integer dot as 8 int32 lanes, for each weight type against its activation block.
inline __m256i block_dot(const BlockQ4_0& w, const BlockQ8_0& x) {
    const __m256i q = _mm256_sub_epi8(unpack_nibbles(w.qs), _mm256_set1_epi8(8));
    return dot_i8_i8(q, load32(x.qs));
}
inline __m256i block_dot(const BlockQ4_1& w, const BlockQ8_1& x) { return dot_u8_i8(unpack_nibbles(w.qs), load32(x.qs)); }
inline __m256i block_dot(const BlockQ5_0& w, const BlockQ8_0& x) {
    const __m256i q = _mm256_or_si256(unpack_nibbles(w.qs), unpack_high_bits(w.qh));
    return dot_i8_i8(_mm256_sub_epi8(q, _mm256_set1_epi8(16)), load32(x.qs));
}
inline __m256i block_dot(const BlockQ5_1& w, const BlockQ8_1& x) {
    return dot_u8_i8(_mm256_or_si256(unpack_nibbles(w.qs), unpack_high_bits(w.qh)), load32(x.qs));
}
inline __m256i block_dot(const BlockQ8_0& w, const BlockQ8_0& x) { return dot_i8_i8(load32(w.qs), load32(x.qs)); }

template <class W>
constexpr bool kHasMin = requires(W w) { w.m; };

// sum over blocks of d_w * d_x * idot (+ m_w * s_x for the affine types).
template <class W, class X>
float dot_blocks(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const W*>(wv);
    const auto* x = static_cast<const X*>(xv);
    const int64_t nb = n / kQK;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    float msum = 0.0f;
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        const __m256 p0 = _mm256_cvtepi32_ps(block_dot(w[i], x[i]));
        const __m256 p1 = _mm256_cvtepi32_ps(block_dot(w[i + 1], x[i + 1]));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(w[i].d) * h2f(x[i].d)), p0, acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(w[i + 1].d) * h2f(x[i + 1].d)), p1, acc1);
        if constexpr (kHasMin<W>) msum += h2f(w[i].m) * h2f(x[i].s) + h2f(w[i + 1].m) * h2f(x[i + 1].s);
    }
    if (i < nb) {
        const __m256 p0 = _mm256_cvtepi32_ps(block_dot(w[i], x[i]));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(w[i].d) * h2f(x[i].d)), p0, acc0);
        if constexpr (kHasMin<W>) msum += h2f(w[i].m) * h2f(x[i].s);
    }
    return hsum(_mm256_add_ps(acc0, acc1)) + msum;
}

}  // namespace
}  // namespace locus::legacy::v256
