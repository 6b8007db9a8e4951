// Four-row Q4_0, Q8_0 and F16 decode kernels for AVX2 (+FMA, F16C) CPUs without AVX-512. One 32-element block
// per ymm; the activation block is loaded once for the four rows (and, for Q4_0, its correction term
// 8 * sum(x) computed once). No 16-bit word permutes here, so block scales are converted one at a time.
#include "cpu/gemv_kernels.h"
#include "cpu/simd_avx2.h"
#include "quant/legacy_blocks.h"

namespace locus::gemv {
namespace {

constexpr int R = kGemvRows;

// 16 bytes of nibbles -> 32 bytes 0..15 in element order (low nibbles are elements 0..15, high 16..31).
inline __m256i nibbles(const uint8_t* qs) {
    const __m256i b = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
    return _mm256_and_si256(_mm256_srlv_epi64(b, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(0x0f));
}

// Integer dot of one weight block with the activation block xq (c: shared per-block term).
inline __m256i block_dot(const BlockQ4_0& w, __m256i xq, __m256i c8) { return _mm256_sub_epi32(dot_u8_i8(nibbles(w.qs), xq), c8); }
inline __m256i block_dot(const BlockQ8_0& w, __m256i xq, __m256i) { return dot_i8_i8(load256(w.qs), xq); }

template <class W>
void dot4_legacy(int64_t n, const uint8_t* const* rows, const void* xv, float* y, const uint8_t* const* pf) {
    const auto* x = static_cast<const BlockQ8_0*>(xv);
    const W* w0 = reinterpret_cast<const W*>(rows[0]);
    const W* w1 = reinterpret_cast<const W*>(rows[1]);
    const W* w2 = reinterpret_cast<const W*>(rows[2]);
    const W* w3 = reinterpret_cast<const W*>(rows[3]);
    const int64_t nb = n / kQK;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < nb; ++i) {
        if ((i & 7) == 0) prefetch_rows<int(8 * sizeof(W))>(pf, size_t(i) * sizeof(W));
        const __m256i xq = load256(x[i].qs);
        __m256i c8 = _mm256_setzero_si256();
        if constexpr (sizeof(W) == sizeof(BlockQ4_0)) c8 = dot_u8_i8(_mm256_set1_epi8(8), xq);
        const float dx = h2f(x[i].d);
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(block_dot(w0[i], xq, c8)), _mm256_set1_ps(h2f(w0[i].d) * dx), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(block_dot(w1[i], xq, c8)), _mm256_set1_ps(h2f(w1[i].d) * dx), a1);
        a2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(block_dot(w2[i], xq, c8)), _mm256_set1_ps(h2f(w2[i].d) * dx), a2);
        a3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(block_dot(w3[i], xq, c8)), _mm256_set1_ps(h2f(w3[i].d) * dx), a3);
    }
    y[0] = hsum(a0), y[1] = hsum(a1), y[2] = hsum(a2), y[3] = hsum(a3);
}

// F16 rows: 16 elements per step into two accumulators per row (8 of the 16 ymm registers), scalar tail.
void dot4_f16(int64_t n, const uint8_t* const* rows, const void* xv, float* y, const uint8_t* const* pf) {
    const float* x = static_cast<const float*>(xv);
    const uint16_t* w[R];
    for (int k = 0; k < R; ++k) w[k] = reinterpret_cast<const uint16_t*>(rows[k]);
    __m256 a[R][2];
    for (int k = 0; k < R; ++k) a[k][0] = a[k][1] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        if ((i & 31) == 0) prefetch_rows<64>(pf, size_t(i) * 2);
        const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
        for (int k = 0; k < R; ++k) {
            a[k][0] = _mm256_fmadd_ps(half8(w[k] + i), x0, a[k][0]);
            a[k][1] = _mm256_fmadd_ps(half8(w[k] + i + 8), x1, a[k][1]);
        }
    }
    for (int k = 0; k < R; ++k) {
        float s = hsum(_mm256_add_ps(a[k][0], a[k][1]));
        for (int64_t j = i; j < n; ++j) s += h2f(w[k][j]) * x[j];
        y[k] = s;
    }
}

}  // namespace

void dot4_q4_0_avx2(int64_t n, const uint8_t* const* w, const void* x, float* y, const uint8_t* const* pf) {
    dot4_legacy<BlockQ4_0>(n, w, x, y, pf);
}
void dot4_q8_0_avx2(int64_t n, const uint8_t* const* w, const void* x, float* y, const uint8_t* const* pf) {
    dot4_legacy<BlockQ8_0>(n, w, x, y, pf);
}
void dot4_f16_avx2(int64_t n, const uint8_t* const* w, const void* x, float* y, const uint8_t* const* pf) {
    dot4_f16(n, w, x, y, pf);
}

}  // namespace locus::gemv
