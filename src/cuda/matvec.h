// Matrix-vector products over a GPU weight matrix (decode): y[t][j] = W.row(r_j) . x[t] for a few tokens t,
// with r_j = j (dense) or r_j = idx[j] (row-sparse: the up/gate rows of predicted-active hot neurons).
// x and y are F32; weights are dequantised in registers and multiplied with the F32 activations (no
// activation quantisation), accumulating in F32. One warp computes two rows; each lane reads consecutive
// chunks of the rows so the warp's loads are contiguous.
// Q4_0 with a scratch buffer for x (MatvecArgs::xq, cols a multiple of 64): x is quantised to int8 per block of
// 32 first, as the CPU's Q4_0 dots do, and the products run on dp4a (matvec_int8.cu): about one instruction per
// weight instead of four.
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
    // Optional device scratch of matvec_x_scratch_bytes(w.cols, n_tokens) bytes, 16-byte aligned: Q4_0 weights
    // then take the int8-activation kernel (see above). Null: the F32 kernel for every type.
    int8_t* xq = nullptr;
};

size_t matvec_x_scratch_bytes(int64_t cols, int n_tokens);
// Whether matvec() takes the int8-activation kernel for these arguments.
bool matvec_int8_applies(const MatvecArgs& a);
Status matvec_q4_0_int8(const MatvecArgs& a, cudaStream_t stream);  // matvec()'s Q4_0 path; use matvec()

Status matvec(const MatvecArgs& a, cudaStream_t stream);

// Dense convenience form: y = W x for one token.
Status matvec(const DeviceMatrix& w, const float* x, float* y, cudaStream_t stream);

}  // namespace locus::cuda
