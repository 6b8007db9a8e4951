// Small row kernels of the GPU forward pass: bias rows, gathering columns of hot neurons, per-token masking of
// the hot activations (several tokens sharing one list of active neurons).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"

namespace locus::cuda {

// y[t * stride + i] += b[i] for t < n_rows, i < n.
Status add_bias_rows(float* y, int64_t stride, const float* b, int64_t n, int64_t n_rows, cudaStream_t stream);

// out[t * n_out + j] = in[t * in_stride + map[j]] for t < n_rows, j < n_out.
Status gather_columns(const float* in, int64_t in_stride, const int32_t* map, int64_t n_out, int64_t n_rows,
                      float* out, cudaStream_t stream);

// h[t * n + j] = 0 unless logits[t * n + idx[j]] >= threshold, for j < *d_count (<= n) and t < n_rows: each
// token keeps only the neurons its own prediction chose, though the rows were computed for the union.
Status mask_by_logits(float* h, int64_t n, int64_t n_rows, const float* logits, const int32_t* idx,
                      const int32_t* d_count, float threshold, cudaStream_t stream);

}  // namespace locus::cuda
