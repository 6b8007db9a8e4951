// Small element-wise kernels of a decode step: residual add and the F32 -> F16 store into the KV cache.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"

namespace locus::cuda {

// y[i] = a[i] + b[i] (y may alias a or b).
Status add(const float* a, const float* b, float* y, int64_t n, cudaStream_t stream);

// dst[t * dst_stride + i] = f16(src[t * src_stride + i]) for t < n_rows, i < n (round to nearest even, as
// core/fp16.h): K or V rows of n_rows tokens into consecutive cache positions.
Status store_f16(const float* src, int64_t src_stride, uint16_t* dst, int64_t dst_stride, int64_t n, int64_t n_rows,
                 cudaStream_t stream);

// The K and V rows of n_tokens tokens into the F16 cache at positions held on the device, in one launch:
// k_cache[seq[t] * seq_stride + pos[t] * n + i] = f16(k[t * src_stride + i]) for i < n, and likewise v into
// v_cache (seq null: sequence 0). The launch does not depend on the positions (CUDA graphs replay it).
Status store_kv(const float* k, const float* v, int64_t src_stride, uint16_t* k_cache, uint16_t* v_cache, int64_t n,
                const int32_t* pos, const int32_t* seq, int64_t seq_stride, int64_t n_tokens, cudaStream_t stream);

}  // namespace locus::cuda
