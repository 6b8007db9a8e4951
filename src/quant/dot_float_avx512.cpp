// AVX-512 dots of F32 / F16 / BF16 weight rows with F32 activations: 64 elements per iteration into four
// accumulators, then 16 at a time, then one masked step for the tail.
#include <immintrin.h>

#include "quant/float_kernels.h"

// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own _mm512_undefined_*() (fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace locus::floatk {
namespace {

struct Bf16 { uint16_t v; };

inline __m512 load_w(const float* w, __mmask16 m) { return _mm512_maskz_loadu_ps(m, w); }
inline __m512 load_w(const uint16_t* w, __mmask16 m) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, w)); }
inline __m512 load_w(const Bf16* w, __mmask16 m) {
    const __m512i u = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, w));
    return _mm512_castsi512_ps(_mm512_slli_epi32(u, 16));
}

template <class W>
float dot(int64_t n, const void* wv, const void* xv) {
    const W* w = static_cast<const W*>(wv);
    const float* x = static_cast<const float*>(xv);
    constexpr __mmask16 all = 0xffff;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        a0 = _mm512_fmadd_ps(load_w(w + i, all), _mm512_loadu_ps(x + i), a0);
        a1 = _mm512_fmadd_ps(load_w(w + i + 16, all), _mm512_loadu_ps(x + i + 16), a1);
        a2 = _mm512_fmadd_ps(load_w(w + i + 32, all), _mm512_loadu_ps(x + i + 32), a2);
        a3 = _mm512_fmadd_ps(load_w(w + i + 48, all), _mm512_loadu_ps(x + i + 48), a3);
    }
    for (; i + 16 <= n; i += 16) a0 = _mm512_fmadd_ps(load_w(w + i, all), _mm512_loadu_ps(x + i), a0);
    if (i < n) {
        const __mmask16 m = __mmask16((1u << (n - i)) - 1);
        a1 = _mm512_fmadd_ps(load_w(w + i, m), _mm512_maskz_loadu_ps(m, x + i), a1);
    }
    const __m512 s = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(s), _mm512_extractf32x8_ps(s, 1));
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
}

}  // namespace

float vec_dot_f32_avx512(int64_t n, const void* w, const void* x) { return dot<float>(n, w, x); }
float vec_dot_f16_avx512(int64_t n, const void* w, const void* x) { return dot<uint16_t>(n, w, x); }
float vec_dot_bf16_avx512(int64_t n, const void* w, const void* x) { return dot<Bf16>(n, w, x); }

}  // namespace locus::floatk
