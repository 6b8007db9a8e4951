// Internal to gemm*.cpp: the float tiled prefill kernel for F32 and F16 weights. Activations are packed in
// panels of 16 tokens, element-major (panel p, element k: 16 floats at (p * cols + k) * 16); F32 weight
// rows are read in place, F16 rows are widened to F32 a tile of rows at a time.
#pragma once
#include <cstddef>
#include <cstdint>

namespace locus::gemm {

constexpr int kMrF = 8;  // weight rows per micro-tile
constexpr int kNpF = 2;  // token panels per micro-tile

// out[r][p * 16 + i] (+)= sum over k in [0, nk) of w[r * w_stride + k] * act[p * panel_stride + k * 16 + i].
using TileF32Fn = void (*)(const float* w, int64_t w_stride, int nr, const float* act, int64_t panel_stride, int np,
                           int64_t nk, float* out, bool accumulate);
// F16 -> F32 for n elements.
using WidenFn = void (*)(const uint16_t* src, float* dst, int64_t n);

void tile_f32_scalar(const float* w, int64_t w_stride, int nr, const float* act, int64_t panel_stride, int np,
                     int64_t nk, float* out, bool accumulate);
void widen_scalar(const uint16_t* src, float* dst, int64_t n);
void tile_f32_avx512(const float* w, int64_t w_stride, int nr, const float* act, int64_t panel_stride, int np,
                     int64_t nk, float* out, bool accumulate);
void widen_avx512(const uint16_t* src, float* dst, int64_t n);

}  // namespace locus::gemm
