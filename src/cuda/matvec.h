// Matrix-vector products over a GPU weight matrix (decode): y[t][j] = W.row(r_j) . x[t] for a few tokens t,
// with r_j = j (dense) or r_j = idx[j] (row-sparse: the up/gate rows of predicted-active hot neurons).
// x and y are F32; weights are dequantised in registers and multiplied with the F32 activations (no
// activation quantisation), accumulating in F32. One warp computes two rows; each lane reads consecutive
// chunks of the rows so the warp's loads are contiguous.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"
#include "cuda/weights.h"

namespace locus::cuda {

struct MatvecArgs {
    DeviceMatrix w;
    const float* x = nullptr;     // n_tokens rows of x_stride floats (x_stride % 4 == 0, 16-byte aligned)
    int64_t x_stride = 0;
    float* y = nullptr;           // n_tokens rows of y_stride floats
    int64_t y_stride = 0;
    int n_tokens = 1;
    // Row-sparse: y[t][j] = W.row(idx[j]) . x[t] for j < n_out. Dense when idx is null (n_out = w.rows).
    const int32_t* idx = nullptr;
    int64_t n_out = 0;
    // Optional device-side count: only j < min(n_out, *d_count) are computed (the rest of y is untouched).
    const int32_t* d_count = nullptr;
    // Epilogue: relu stores max(0, product); accumulate adds the product to y (y += W x, one rounding, as a
    // separate add would give) instead of storing it.
    bool relu = false;
    bool accumulate = false;
};

Status matvec(const MatvecArgs& a, cudaStream_t stream);

// Dense convenience form: y = W x for one token.
Status matvec(const DeviceMatrix& w, const float* x, float* y, cudaStream_t stream);

}  // namespace locus::cuda
