#include "cpu/activation.h"

#include <cmath>

namespace locus {
namespace {

inline float apply(FfnActivation act, float x) {
    switch (act) {
        case FfnActivation::silu: return x / (1.0f + std::exp(-x));
        case FfnActivation::relu: return x > 0.0f ? x : 0.0f;
        case FfnActivation::gelu: {
            constexpr float kSqrt2OverPi = 0.7978845608f;
            return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + 0.044715f * x * x)));
        }
    }
    return x;
}

}  // namespace

void ffn_activate(FfnActivation act, FfnMode mode, const float* gate, const float* up, float* h, int64_t n) {
    switch (mode) {
        case FfnMode::par:
            for (int64_t i = 0; i < n; ++i) h[i] = apply(act, gate[i]) * up[i];
            break;
        case FfnMode::sym:
            for (int64_t i = 0; i < n; ++i) h[i] = apply(act, gate[i]) * apply(act, up[i]);
            break;
        case FfnMode::seq:
            for (int64_t i = 0; i < n; ++i) h[i] = apply(act, up[i]);
            break;
    }
}

}  // namespace locus
