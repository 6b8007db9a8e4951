// Rotary position embedding, in place, on the first `rope_dims` dimensions of each head.
#pragma once
#include <cstdint>

#include "model/model_spec.h"

namespace locus {

struct RopeParams {
    RopeStyle style = RopeStyle::normal;
    int64_t head_dim = 0;
    int64_t rope_dims = 0;
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;
};

// x holds n_heads heads of head_dim floats for one token at position pos.
void rope(const RopeParams& p, float* x, int64_t n_heads, int64_t pos);

}  // namespace locus
