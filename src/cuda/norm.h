// RMSNorm of n_rows rows: y = x / sqrt(mean(x^2) + eps) * w (as cpu/norm.h; sums in double like the CPU).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"

namespace locus::cuda {

// x, y: n_rows rows of n floats (y may equal x); w: n floats.
Status rms_norm(const float* x, const float* w, int64_t n, int64_t n_rows, float eps, float* y, cudaStream_t stream);

}  // namespace locus::cuda
