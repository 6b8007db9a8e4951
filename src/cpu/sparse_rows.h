// Row-sparse FFN input projections: for listed neurons only, the gate and up rows against the token's
// activations, combined with a ReLU-family activation (PowerInfer's PAR/SYM/SEQ modes). With PAR and SYM the
// up row is skipped when the gate does not fire: its product would be multiplied by zero.
#pragma once
#include <cstdint>

#include "model/model_spec.h"
#include "model/weights.h"

namespace locus {

struct SparseRowsArgs {
    FfnMode mode = FfnMode::par;
    const Matrix* gate = nullptr;   // absent for SEQ
    const Matrix* up = nullptr;
    const uint8_t* x_gate = nullptr;  // activations in gate's vec_dot_type
    const uint8_t* x_up = nullptr;    // activations in up's vec_dot_type
    // Already computed dense values (indexed by neuron), used instead of the row products when set.
    const float* gate_pre = nullptr;
    const float* up_pre = nullptr;
    // Up's bias (indexed by neuron; opt), added to the up row products before the activation. Not added to
    // up_pre, which holds finished values.
    const float* up_bias = nullptr;
};

// h[j] = act(gate_i · x, up_i · x) for i = idx[j], j < n. `scalar` uses the types' reference dots (the
// scalar twin, for tests); otherwise the fastest dots for this CPU.
void sparse_ffn_rows(const SparseRowsArgs& a, const int32_t* idx, int64_t n, float* h, bool scalar = false);

// The ReLU-family activation of one neuron from its gate and up values.
inline float relu_ffn(FfnMode mode, float g, float u) {
    switch (mode) {
        case FfnMode::par: return g > 0.0f ? g * u : 0.0f;
        case FfnMode::sym: return g > 0.0f && u > 0.0f ? g * u : 0.0f;
        case FfnMode::seq: return u > 0.0f ? u : 0.0f;
    }
    return 0.0f;
}

}  // namespace locus
