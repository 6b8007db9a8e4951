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

// y[t * y_stride + r] = w.row(r) · x_t for r in [lo, hi), t in [0, n_tok); x_t = x + t * x_row_bytes.
void gemm_rows(const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
               int64_t y_stride);

}  // namespace locus
