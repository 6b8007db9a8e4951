// Four-row Q4_0 and Q8_0 decode kernels over the row-interleaved layout (cpu/interleave.h): one memory stream
// per group. Per unit (one block of each row): the four fp16 scales are one 8-byte load and one conversion,
// the activation's correction term is computed once, and each row's integer dot is one vpdpbusd on unsigned
// weight bytes (Q4_0: sum((q - 8) x) = sum(q x) - 8 sum(x); Q8_0: sum(w x) = sum((w ^ 0x80) x) - 128 sum(x)).
#include "cpu/gemv_kernels.h"
#include "cpu/simd_avx512vnni.h"
#include "quant/legacy_blocks.h"

#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace locus::gemv {
namespace {

template <class W>
void dot_group(int64_t n, const uint8_t* g, const void* xv, float* y) {
    using T = Vnni<W>;
    constexpr size_t kUnit = 4 * (2 + T::kBody);
    const auto* x = static_cast<const BlockQ8_0*>(xv);
    const int64_t nb = n / kQK;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < nb; ++i, g += kUnit) {
        const __m256i xq = load256(x[i].qs);
        const __m256i c = correction<W>(xq);
        const __m128 d = group_scales(g, x[i].d);
        const uint8_t* q = g + 8;
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, T::weights(q), xq)),
                             _mm256_broadcastss_ps(d), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, T::weights(q + T::kBody), xq)),
                             _mm256_broadcastss_ps(_mm_shuffle_ps(d, d, 0x55)), a1);
        a2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, T::weights(q + 2 * T::kBody), xq)),
                             _mm256_broadcastss_ps(_mm_shuffle_ps(d, d, 0xaa)), a2);
        a3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, T::weights(q + 3 * T::kBody), xq)),
                             _mm256_broadcastss_ps(_mm_shuffle_ps(d, d, 0xff)), a3);
    }
    const __m256 u = T::unscale();
    y[0] = hsum(_mm256_mul_ps(a0, u)), y[1] = hsum(_mm256_mul_ps(a1, u));
    y[2] = hsum(_mm256_mul_ps(a2, u)), y[3] = hsum(_mm256_mul_ps(a3, u));
}

}  // namespace

void dot_group_q4_0_avx512vnni(int64_t n, const uint8_t* g, const void* x, float* y) { dot_group<BlockQ4_0>(n, g, x, y); }
void dot_group_q8_0_avx512vnni(int64_t n, const uint8_t* g, const void* x, float* y) { dot_group<BlockQ8_0>(n, g, x, y); }

}  // namespace locus::gemv
