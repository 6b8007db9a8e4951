// AVX2 (+FMA, F16C) versions of the legacy-type dots (kernels in dot_legacy_256_inl.h) and activation
// quantisers.
#define LOCUS_VNNI256 0
#include "quant/dot_legacy_256_inl.h"
#include "quant/legacy_kernels.h"

namespace locus::legacy {
using v256::dot_blocks;
namespace {

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
