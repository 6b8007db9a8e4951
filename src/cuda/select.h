// Active-neuron selection on the GPU: the sorted list of neurons i (0 <= i < n) whose predictor logit reaches
// the threshold for at least one of n_tokens tokens (logits[t * n + i] >= threshold: the CPU's rule, and the
// union over tokens as the CPU's sparse FFN takes it). One block scans the logits in order and compacts with
// a block-wide prefix sum, so the order is deterministic (ascending) with no sort.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"

namespace locus::cuda {

// idx: room for n indices; d_count: one int32 receiving the number selected.
Status select_active(const float* logits, int n_tokens, int64_t n, float threshold, int32_t* idx, int32_t* d_count,
                     cudaStream_t stream);

}  // namespace locus::cuda
