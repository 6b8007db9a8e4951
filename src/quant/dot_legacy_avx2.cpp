// AVX2 (+FMA, F16C) versions of the legacy-type dots and activation quantisers. One block (32 elements)
// fills one 256-bit register of int8 products; two blocks per iteration into two accumulators.
#include <immintrin.h>

#include <cstring>

#include "quant/legacy_blocks.h"
#include "quant/legacy_kernels.h"

namespace locus::legacy {
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
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
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

// Quantise one block of 32 floats to int8 with d = amax / 127 (round to nearest even); returns d and
// stores the quants; sum of the quants in *qsum when asked.
inline float quantize_block(const float* x, int8_t* q, int* qsum) {
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (int k = 0; k < 4; ++k) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        amax = _mm256_max_ps(amax, _mm256_and_ps(v[k], abs_mask));
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float d = _mm_cvtss_f32(m) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const __m256 vid = _mm256_set1_ps(id);
    __m256i i32[4];
    for (int k = 0; k < 4; ++k) {
        i32[k] = _mm256_cvtps_epi32(
            _mm256_round_ps(_mm256_mul_ps(v[k], vid), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    if (qsum) {
        __m256i s = _mm256_add_epi32(_mm256_add_epi32(i32[0], i32[1]), _mm256_add_epi32(i32[2], i32[3]));
        __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
        t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
        *qsum = _mm_cvtsi128_si32(t);
    }
    // Pack 32 int32 -> 32 int8; packs interleave 128-bit lanes, the final permute restores element order.
    const __m256i a = _mm256_packs_epi32(i32[0], i32[1]);
    const __m256i b = _mm256_packs_epi32(i32[2], i32[3]);
    const __m256i p = _mm256_packs_epi16(a, b);
    const __m256i ordered = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), ordered);
    return d;
}

}  // namespace

float vec_dot_q4_0_avx2(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ4_0, BlockQ8_0>(n, w, x); }
float vec_dot_q4_1_avx2(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ4_1, BlockQ8_1>(n, w, x); }
float vec_dot_q5_0_avx2(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ5_0, BlockQ8_0>(n, w, x); }
float vec_dot_q5_1_avx2(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ5_1, BlockQ8_1>(n, w, x); }
float vec_dot_q8_0_avx2(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ8_0, BlockQ8_0>(n, w, x); }

void quantize_q8_0_avx2(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) b[i].d = uint16_t(_cvtss_sh(quantize_block(x, b[i].qs, nullptr), 0));
}

void quantize_q8_1_avx2(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_1*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        int sum;
        const float d = quantize_block(x, b[i].qs, &sum);
        b[i].d = uint16_t(_cvtss_sh(d, 0));
        b[i].s = uint16_t(_cvtss_sh(float(sum) * d, 0));
    }
}

}  // namespace locus::legacy
