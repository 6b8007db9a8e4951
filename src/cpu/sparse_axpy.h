// Column-sparse accumulation over a transposed weight matrix (one row per FFN neuron, as PowerInfer's
// ffn_down_t): y[0..n) += sum_{j<k} a[j] * row_j[0..n), for k <= kAxpyRows rows at once so the output slice
// is read and written once per group rather than once per neuron. rows[j] points at the block where the
// slice starts; n is a multiple of the type's block size (any n for F32/F16/BF16).
// Every SIMD version has a scalar twin (dequantise, then one fused multiply-add per element in row order)
// that tests compare it against (bit for bit, except Q4_0/Q8_0: see sparse_axpy_simd.inc).
#pragma once
#include <cstdint>

#include "core/cpu_features.h"
#include "model/weights.h"
#include "quant/types.h"

namespace locus::axpy {

constexpr int kAxpyRows = 8;

using AxpyFn = void (*)(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);

// The fastest version for this CPU (respecting LOCUS_ISA); the scalar twin for types without a SIMD one.
// nullptr only for types that cannot be dequantised.
AxpyFn axpy_for(DType t);
// The version built for `isa`, or nullptr where none exists or this CPU cannot run it.
AxpyFn axpy_by_isa(DType t, Isa isa);

// One token's down projection over a transposed matrix, columns [c0, c1) only (one thread's share):
// y[0, c1 - c0) = sum_j coef[j] * D.row(idx[j])[c0, c1), for j < n, kAxpyRows rows at a time in list order
// (so the result does not depend on how the columns were split). c0 is a multiple of D's block size.
void axpy_token_columns(const Matrix& D, const int32_t* idx, const float* coef, int64_t n, int64_t c0, int64_t c1,
                        float* y);

// Per-ISA versions (call only when cpu_features() says so).
void axpy_f32_avx2(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_f16_avx2(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_bf16_avx2(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_q8_0_avx2(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_q4_0_avx2(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_q4_k_avx2(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_f32_avx512(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_f16_avx512(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_bf16_avx512(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_q8_0_avx512(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_q4_0_avx512(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);
void axpy_q4_k_avx512(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y);

}  // namespace locus::axpy
