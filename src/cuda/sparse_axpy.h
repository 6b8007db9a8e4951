// Column-sparse accumulation over a transposed weight matrix (PowerInfer's ffn_down_t, one row per neuron):
//   y[0..cols) += sum_{j < n} a[j] * Wt.row(idx[j])
// for the down projection of the active hot neurons. Deterministic: the listed rows are split into at most
// kAxpyMaxSplits contiguous ranges, each block sums its range in list order into a scratch row, and a second
// kernel adds the scratch rows to y in split order. Rows whose a[j] is exactly 0 are skipped (not read).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"
#include "cuda/weights.h"

namespace locus::cuda {

constexpr int kAxpyMaxSplits = 128;

// Floats of scratch sparse_axpy needs for a matrix of `cols` columns.
inline int64_t sparse_axpy_scratch_floats(int64_t cols) { return int64_t(kAxpyMaxSplits) * cols; }

struct SparseAxpyArgs {
    DeviceMatrix wt;                 // rows = neurons, cols = output length
    const int32_t* idx = nullptr;    // n_max row indices
    const float* a = nullptr;        // n_max coefficients (a[j] goes with row idx[j])
    int64_t n_max = 0;
    const int32_t* d_count = nullptr;  // optional device-side n (<= n_max)
    float* y = nullptr;              // cols floats, accumulated into
    float* scratch = nullptr;        // sparse_axpy_scratch_floats(cols) floats
};

Status sparse_axpy(const SparseAxpyArgs& a, cudaStream_t stream);

}  // namespace locus::cuda
