// Four-row F32 and F16 decode kernels (AVX-512). Each row is accumulated exactly as vec_dot_*_avx512 does it
// (64 elements per step into four accumulators, then 16 at a time into the first, a masked tail into the
// second, the same final reduction), so the results equal the one-row kernel bit for bit.
#include "cpu/gemv_kernels.h"
#include "cpu/simd_avx512.h"

// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own _mm512_undefined_*() (fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace locus::gemv {
namespace {

constexpr int R = kGemvRows;

inline __m512 load_w(const float* w, __mmask16 m) { return _mm512_maskz_loadu_ps(m, w); }
inline __m512 load_w(const uint16_t* w, __mmask16 m) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, w)); }

inline float reduce(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
    return hsum(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

template <class W>
void dot4(int64_t n, const uint8_t* const* rows, const void* xv, float* y, const uint8_t* const* pf) {
    const float* x = static_cast<const float*>(xv);
    const W* w[R];
    for (int k = 0; k < R; ++k) w[k] = reinterpret_cast<const W*>(rows[k]);
    constexpr __mmask16 all = 0xffff;
    constexpr int kStepBytes = int(64 * sizeof(W));
    __m512 a[R][4];
    for (int k = 0; k < R; ++k)
        for (int j = 0; j < 4; ++j) a[k][j] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        if (pf)
            for (int k = 0; k < R; ++k)
                for (int b = 0; b < kStepBytes; b += 64)
                    _mm_prefetch(reinterpret_cast<const char*>(pf[k] + size_t(i) * sizeof(W) + b), _MM_HINT_T0);
        const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
        const __m512 x2 = _mm512_loadu_ps(x + i + 32), x3 = _mm512_loadu_ps(x + i + 48);
        for (int k = 0; k < R; ++k) {
            a[k][0] = _mm512_fmadd_ps(load_w(w[k] + i, all), x0, a[k][0]);
            a[k][1] = _mm512_fmadd_ps(load_w(w[k] + i + 16, all), x1, a[k][1]);
            a[k][2] = _mm512_fmadd_ps(load_w(w[k] + i + 32, all), x2, a[k][2]);
            a[k][3] = _mm512_fmadd_ps(load_w(w[k] + i + 48, all), x3, a[k][3]);
        }
    }
    for (; i + 16 <= n; i += 16) {
        const __m512 xv0 = _mm512_loadu_ps(x + i);
        for (int k = 0; k < R; ++k) a[k][0] = _mm512_fmadd_ps(load_w(w[k] + i, all), xv0, a[k][0]);
    }
    if (i < n) {
        const __mmask16 m = __mmask16((1u << (n - i)) - 1);
        const __m512 xv0 = _mm512_maskz_loadu_ps(m, x + i);
        for (int k = 0; k < R; ++k) a[k][1] = _mm512_fmadd_ps(load_w(w[k] + i, m), xv0, a[k][1]);
    }
    for (int k = 0; k < R; ++k) y[k] = reduce(a[k][0], a[k][1], a[k][2], a[k][3]);
}

}  // namespace

void dot4_f32_avx512(int64_t n, const uint8_t* const* w, const void* x, float* y, const uint8_t* const* pf) {
    dot4<float>(n, w, x, y, pf);
}
void dot4_f16_avx512(int64_t n, const uint8_t* const* w, const void* x, float* y, const uint8_t* const* pf) {
    dot4<uint16_t>(n, w, x, y, pf);
}

}  // namespace locus::gemv
