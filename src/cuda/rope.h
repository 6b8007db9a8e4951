// Rotary position embedding in place, as cpu/rope.h: for each token t at position pos[t], each of n_heads
// heads of head_dim floats has its first rope_dims dimensions rotated in pairs (2i, 2i+1) (normal) or
// (i, i + rope_dims/2) (NeoX), angle freq_scale * pos * freq_base^(-2i/rope_dims). The angle is built by
// repeated multiplication in float exactly as the CPU builds it, so both round alike.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"
#include "model/model_spec.h"

namespace locus::cuda {

struct RopeArgs {
    RopeStyle style = RopeStyle::normal;
    int64_t head_dim = 0;
    int64_t rope_dims = 0;   // even, <= head_dim
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;
};

// x: n_tokens rows of row_stride floats, heads at x + t * row_stride + h * head_dim; pos: n_tokens int32 on
// the device.
Status rope(const RopeArgs& p, float* x, int64_t n_heads, int n_tokens, int64_t row_stride, const int32_t* pos,
            cudaStream_t stream);

}  // namespace locus::cuda
