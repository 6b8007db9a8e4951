// Four-row Q4_0 and Q8_0 decode kernels over the row-interleaved layout (cpu/interleave.h): one memory stream
// per group. Per unit (one block of each row): the four fp16 scales are one 8-byte load and one conversion,
// the activation's correction term is computed once, and each row's integer dot is one vpdpbusd on unsigned
// weight bytes (Q4_0: sum((q - 8) x) = sum(q x) - 8 sum(x); Q8_0: sum(w x) = sum((w ^ 0x80) x) - 128 sum(x)).
#include <immintrin.h>

#include "cpu/gemv_kernels.h"
#include "quant/legacy_blocks.h"

#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace locus::gemv {
namespace {

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Q4_0: 16 bytes of nibbles -> low lane elements 0..15, high lane elements 16..31 times 16 (left in place;
// the factor is taken out of the high lanes of the accumulators at the end, exactly: a power of two).
struct Q4 {
    static constexpr size_t kBody = 16;
    static __m256i weights(const uint8_t* qs) {
        const __m256i b = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
        return _mm256_and_si256(b, _mm256_set_epi64x(-0x0f0f0f0f0f0f0f10, -0x0f0f0f0f0f0f0f10, 0x0f0f0f0f0f0f0f0f,
                                                     0x0f0f0f0f0f0f0f0f));
    }
    static __m256i bias() {
        return _mm256_set_epi64x(int64_t(0x8080808080808080), int64_t(0x8080808080808080), 0x0808080808080808,
                                 0x0808080808080808);
    }
    static __m256 unscale() { return _mm256_set_ps(0.0625f, 0.0625f, 0.0625f, 0.0625f, 1, 1, 1, 1); }
};
struct Q8 {
    static constexpr size_t kBody = 32;
    static __m256i weights(const uint8_t* qs) { return _mm256_xor_si256(load256(qs), _mm256_set1_epi8(char(0x80))); }
    static __m256i bias() { return _mm256_set1_epi8(char(0x80)); }
    static __m256 unscale() { return _mm256_set1_ps(1.0f); }
};

template <class T>
void dot_group(int64_t n, const uint8_t* g, const void* xv, float* y) {
    constexpr size_t kUnit = 4 * (2 + T::kBody);
    const auto* x = static_cast<const BlockQ8_0*>(xv);
    const int64_t nb = n / kQK;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    const __m256i bias = T::bias();
    for (int64_t i = 0; i < nb; ++i, g += kUnit) {
        const __m256i xq = load256(x[i].qs);
        const __m256i c = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_dpbusd_epi32(_mm256_setzero_si256(), bias, xq));
        const __m128 d = _mm_mul_ps(_mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(g))),
                                    _mm_set1_ps(_cvtsh_ss(x[i].d)));
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

void dot_group_q4_0_avx512vnni(int64_t n, const uint8_t* g, const void* x, float* y) { dot_group<Q4>(n, g, x, y); }
void dot_group_q8_0_avx512vnni(int64_t n, const uint8_t* g, const void* x, float* y) { dot_group<Q8>(n, g, x, y); }

}  // namespace locus::gemv
