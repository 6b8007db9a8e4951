// Internal to gemm*.cpp: the int8 tiled prefill kernel for Q4_0 and Q8_0 weights (see matmul_kernels.h for
// the packed activation layout). Weights are unpacked per call, a tile of rows at a time, to signed bytes
// (q[r][b][32], element order), their block scales d[r][b] and c[r][b] = -128 * sum(q) (which cancels the
// +128 the activations carry so that vpdpbusd can treat them as unsigned).
#pragma once
#include <cstddef>
#include <cstdint>

#include "model/weights.h"
#include "quant/types.h"

namespace locus::gemm {

constexpr int kMr = 4;  // weight rows per micro-tile
constexpr int kNp = 2;  // token panels per micro-tile (2 x 16 tokens)

// Unpacks nb blocks of one weight row (Q4_0 or Q8_0) to q[b][32], d[b], c[b].
using UnpackFn = void (*)(DType type, const uint8_t* row, int64_t nb, int8_t* q, float* d, int32_t* c);

// out[r][p * 16 + i] (+)= sum over blocks [0, nb) of row r · token i of panel p, for r < nr, p < np.
// Row r of the tile starts at q + r * w_nb * 32, d + r * w_nb, c + r * w_nb; panel p at act + p * panel_stride.
using TileFn = void (*)(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, int nr, const uint8_t* act,
                        size_t panel_stride, int np, int64_t nb, float* out, bool accumulate);

void unpack_scalar(DType type, const uint8_t* row, int64_t nb, int8_t* q, float* d, int32_t* c);
void tile_scalar(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, int nr, const uint8_t* act,
                 size_t panel_stride, int np, int64_t nb, float* out, bool accumulate);
void unpack_avx512vnni(DType type, const uint8_t* row, int64_t nb, int8_t* q, float* d, int32_t* c);
void tile_avx512vnni(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, int nr, const uint8_t* act,
                     size_t panel_stride, int np, int64_t nb, float* out, bool accumulate);

// As tile_avx512vnni for one panel (np 1) of which only tokens 0..7 are used: out[r][i] for i < 8.
void tile8_avx512vnni(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, int nr, const uint8_t* act,
                      size_t panel_stride, int np, int64_t nb, float* out, bool accumulate);

// AMX (gemm_amx.cpp): whether the CPU and kernel allow AMX-INT8 here (asks for the tile state once), and the
// whole row range at once; activations packed as GemmPacking::int8s.
bool amx_enable();
void gemm_int8_amx(const Matrix& w, int64_t lo, int64_t hi, int64_t n_tok, float* y, int64_t y_stride,
                   const uint8_t* packed);

}  // namespace locus::gemm
