// PowerInfer's activation predictor on the GPU: logits = fc2 . ReLU(fc1 . x), for n_tokens tokens (the CPU's
// sparse FFN computes the same two products with a ReLU between). fc1 is rank x n_embd, fc2 n_ff x rank.
#pragma once
#include <cuda_runtime.h>

#include "core/status.h"
#include "cuda/weights.h"

namespace locus::cuda {

struct PredictorArgs {
    DeviceMatrix fc1, fc2;
    const float* x = nullptr;  // n_tokens x fc1.cols
    int n_tokens = 1;
    float* hidden = nullptr;   // scratch: n_tokens x fc1.rows (fc1.rows % 4 == 0, as fc2.cols % 32 == 0 requires)
    float* logits = nullptr;   // n_tokens x fc2.rows
    int8_t* xq = nullptr;      // optional: MatvecArgs::xq for both products (Q4_0 on int8 activations)
};

Status predictor_eval(const PredictorArgs& a, cudaStream_t stream);

}  // namespace locus::cuda
