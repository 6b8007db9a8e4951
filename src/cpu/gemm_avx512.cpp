// AVX-512 float prefill kernel (F32 and F16 weights): one FMA multiplies a broadcast weight by the same
// element of 16 tokens, 8 rows x 2 panels of accumulators.
#include <immintrin.h>

#include "cpu/gemm_f32.h"

namespace locus::gemm {
namespace {

template <int R, int NP>
void tile_t(const float* w, int64_t ws, const float* act, int64_t ps, int64_t nk, float* out, bool accumulate) {
    constexpr int kOut = kNpF * 16;
    __m512 acc[R][NP];
    for (int r = 0; r < R; ++r)
        for (int p = 0; p < NP; ++p)
            acc[r][p] = accumulate ? _mm512_loadu_ps(out + r * kOut + p * 16) : _mm512_setzero_ps();
#pragma GCC unroll 2
    for (int64_t k = 0; k < nk; ++k) {
        __m512 xv[NP];
        for (int p = 0; p < NP; ++p) xv[p] = _mm512_load_ps(act + p * ps + k * 16);
        for (int r = 0; r < R; ++r) {
            const __m512 wb = _mm512_set1_ps(w[r * ws + k]);
            for (int p = 0; p < NP; ++p) acc[r][p] = _mm512_fmadd_ps(wb, xv[p], acc[r][p]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int p = 0; p < NP; ++p) _mm512_storeu_ps(out + r * kOut + p * 16, acc[r][p]);
}

template <int NP>
void tile_np(const float* w, int64_t ws, int nr, const float* act, int64_t ps, int64_t nk, float* out, bool accumulate) {
    switch (nr) {
        case 8: return tile_t<8, NP>(w, ws, act, ps, nk, out, accumulate);
        case 7: return tile_t<7, NP>(w, ws, act, ps, nk, out, accumulate);
        case 6: return tile_t<6, NP>(w, ws, act, ps, nk, out, accumulate);
        case 5: return tile_t<5, NP>(w, ws, act, ps, nk, out, accumulate);
        case 4: return tile_t<4, NP>(w, ws, act, ps, nk, out, accumulate);
        case 3: return tile_t<3, NP>(w, ws, act, ps, nk, out, accumulate);
        case 2: return tile_t<2, NP>(w, ws, act, ps, nk, out, accumulate);
        default: return tile_t<1, NP>(w, ws, act, ps, nk, out, accumulate);
    }
}

}  // namespace

void tile_f32_avx512(const float* w, int64_t w_stride, int nr, const float* act, int64_t panel_stride, int np,
                     int64_t nk, float* out, bool accumulate) {
    if (np == 2) tile_np<2>(w, w_stride, nr, act, panel_stride, nk, out, accumulate);
    else tile_np<1>(w, w_stride, nr, act, panel_stride, nk, out, accumulate);
}

void widen_avx512(const uint16_t* src, float* dst, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i))));
    for (; i < n; ++i) dst[i] = _cvtsh_ss(src[i]);
}

}  // namespace locus::gemm
