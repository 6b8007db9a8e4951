// The inner loops of matmul over a range of weight rows, split by batch shape so each can be tuned alone:
// gemv_rows for one token (decode: weight-streaming, memory-bound) and gemm_rows for several (prefill:
// compute-bound, weights reused across tokens). x holds activations already in the type's vec_dot_type.
#pragma once
#include <cstddef>
#include <cstdint>

#include "model/weights.h"

namespace locus {

// y[r] = w.row(r) · x for r in [lo, hi).
void gemv_rows(const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, float* y);
// Row ranges given to gemv_rows are best split on multiples of this (its kernels take this many rows at once).
int64_t gemv_row_grain();

// --- Prefill (several tokens) ---
//
// Some weight types have a tiled kernel that reads the activations re-laid out in "panels" of
// kGemmPanel tokens (built once per matmul call by gemm_pack_acts, shared by threads and matrices):
//   int8 panels (Q4_0, Q8_0 weights; from Q8_0 activation rows): per panel, per 32-element block b, at
//     ((p * nb + b) * kPanelBlockBytes): 16 float scales d[token], then 8 groups of 64 bytes, group g
//     holding for each token i the 4 bytes x[4g .. 4g+3] + 128 (as unsigned) at g * 64 + i * 4.
//   f32 panels (F32, F16 weights; from F32 activation rows): panel p, element k: 16 floats (one per token)
//     at (p * cols + k) * 16.
//   int8s panels: as int8 with the activation bytes as they are (signed), for the AMX kernel.
//   Tokens past n_tok are padded with d = 0 and x = 0.
constexpr int64_t kGemmPanel = 16;
constexpr size_t kPanelBlockBytes = 16 * 4 + 8 * 64;

enum class GemmPacking { none, int8, int8s, f32 };

// Which packing gemm_rows wants for weights of type t and n_tok tokens (none: it reads x rows directly).
GemmPacking gemm_packing(DType t, int64_t n_tok);
// Bytes of packed activations for n_tok tokens of `cols` elements.
size_t gemm_packed_bytes(GemmPacking p, int64_t n_tok, int64_t cols);
// Packs panels [p_begin, p_end) from the vec_dot_type rows x (row stride x_row_bytes) into dst.
void gemm_pack_acts(GemmPacking p, const uint8_t* x, size_t x_row_bytes, int64_t n_tok, int64_t cols, uint8_t* dst,
                    int64_t p_begin, int64_t p_end);

// Row ranges given to gemm_rows are best split on multiples of this (its row tile).
int64_t gemm_row_grain();

// y[t * y_stride + r] = w.row(r) · x_t for r in [lo, hi), t in [0, n_tok); x_t = x + t * x_row_bytes.
// `packed` holds the activations as gemm_packing(w.type) wants them (nullptr when it is none).
void gemm_rows(const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
               int64_t y_stride, const uint8_t* packed);

// For tests: the kernel variants of gemm_rows: 0 the scalar twin, 1 the SIMD kernel (VNNI or AVX-512),
// 2 AMX (packing int8s; the others int8 or f32). Returns false when the variant does not exist for the type
// or cannot run here.
bool gemm_rows_variant(int isa_variant, const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, size_t x_row_bytes,
                       int64_t n_tok, float* y, int64_t y_stride, const uint8_t* packed);

}  // namespace locus
