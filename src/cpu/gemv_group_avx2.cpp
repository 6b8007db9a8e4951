// Four-row Q4_0, Q8_0 and F16 decode kernels over the row-interleaved layout (cpu/interleave.h), AVX2 + FMA +
// F16C. The integer dots go through vpmaddubsw/vpmaddwd: Q4_0 as sum(q x) - 8 sum(x) with q = 0..15 unsigned,
// Q8_0 as sum(|w| * (x with w's sign)); both exact in int16 pairs.
#include "cpu/gemv_kernels.h"
#include "cpu/simd_avx2.h"
#include "quant/legacy_blocks.h"

namespace locus::gemv {
namespace {

// Q4_0 nibbles -> 32 bytes 0..15 in element order: the same bytes as nibbles() in gemv_avx2.cpp, through
// 128-bit shifts rather than a 64-bit variable shift (each kernel keeps the instructions it was tuned with).
inline __m256i q4_weights(const uint8_t* qs) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i m = _mm_set1_epi8(0x0f);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(b, 4), m), _mm_and_si128(b, m));
}

// One row's integer dot of one block: Q4_0 (c = 8 sum(x), subtracted) or Q8_0 (c unused).
inline __m256i row_dot(const uint8_t* qs, __m256i xq, __m256i c, bool q4) {
    if (q4) return _mm256_sub_epi32(dot_u8_i8(q4_weights(qs), xq), c);
    return dot_i8_i8(load256(qs), xq);
}

template <bool kQ4>
void dot_group(int64_t n, const uint8_t* g, const void* xv, float* y) {
    constexpr size_t kBody = kQ4 ? 16 : 32, kUnit = 4 * (2 + kBody);
    const auto* x = static_cast<const BlockQ8_0*>(xv);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < n / kQK; ++i, g += kUnit) {
        const __m256i xq = load256(x[i].qs);
        const __m256i c = kQ4 ? dot_u8_i8(_mm256_set1_epi8(8), xq) : _mm256_setzero_si256();
        const __m128 d = group_scales(g, x[i].d);
        const uint8_t* q = g + 8;
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(row_dot(q, xq, c, kQ4)), _mm256_broadcastss_ps(d), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(row_dot(q + kBody, xq, c, kQ4)),
                             _mm256_broadcastss_ps(_mm_shuffle_ps(d, d, 0x55)), a1);
        a2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(row_dot(q + 2 * kBody, xq, c, kQ4)),
                             _mm256_broadcastss_ps(_mm_shuffle_ps(d, d, 0xaa)), a2);
        a3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(row_dot(q + 3 * kBody, xq, c, kQ4)),
                             _mm256_broadcastss_ps(_mm_shuffle_ps(d, d, 0xff)), a3);
    }
    y[0] = hsum(a0), y[1] = hsum(a1), y[2] = hsum(a2), y[3] = hsum(a3);
}

}  // namespace

void dot_group_q4_0_avx2(int64_t n, const uint8_t* g, const void* x, float* y) { dot_group<true>(n, g, x, y); }
void dot_group_q8_0_avx2(int64_t n, const uint8_t* g, const void* x, float* y) { dot_group<false>(n, g, x, y); }

void dot_group_f16_avx2(int64_t n, const uint8_t* g, const void* xv, float* y) {
    const float* x = static_cast<const float*>(xv);
    __m256 a[4][2];
    for (auto& r : a) r[0] = r[1] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n; i += 32, g += 256) {
        const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
        const __m256 x2 = _mm256_loadu_ps(x + i + 16), x3 = _mm256_loadu_ps(x + i + 24);
        for (int k = 0; k < 4; ++k) {
            const uint8_t* w = g + 64 * k;
            a[k][0] = _mm256_fmadd_ps(half8(w), x0, a[k][0]);
            a[k][1] = _mm256_fmadd_ps(half8(w + 16), x1, a[k][1]);
            a[k][0] = _mm256_fmadd_ps(half8(w + 32), x2, a[k][0]);
            a[k][1] = _mm256_fmadd_ps(half8(w + 48), x3, a[k][1]);
        }
    }
    for (int k = 0; k < 4; ++k) y[k] = hsum(_mm256_add_ps(a[k][0], a[k][1]));
}

}  // namespace locus::gemv
