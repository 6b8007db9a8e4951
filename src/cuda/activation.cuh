// FFN activations on the device (shared by ffn_activate and the fused gate/up kernel): the same functions as
// cpu/activation.h.
#pragma once
#include "model/model_spec.h"

namespace locus::cuda {

template <FfnActivation A>
__device__ __forceinline__ float act_apply(float x) {
    if constexpr (A == FfnActivation::silu) {
        return x / (1.0f + expf(-x));
    } else if constexpr (A == FfnActivation::relu) {
        return x > 0.0f ? x : 0.0f;
    } else {
        constexpr float kSqrt2OverPi = 0.7978845608f;
        return 0.5f * x * (1.0f + tanhf(kSqrt2OverPi * x * (1.0f + 0.044715f * x * x)));
    }
}

__device__ __forceinline__ float act_apply(FfnActivation a, float x) {
    switch (a) {
        case FfnActivation::silu: return act_apply<FfnActivation::silu>(x);
        case FfnActivation::relu: return act_apply<FfnActivation::relu>(x);
        default: return act_apply<FfnActivation::gelu>(x);
    }
}

// h from the gate and up products: act(g) * u (PAR), act(g) * act(u) (SYM), act(u) (SEQ).
__device__ __forceinline__ float ffn_combine(FfnActivation a, FfnMode m, float g, float u) {
    if (m == FfnMode::par) return act_apply(a, g) * u;
    if (m == FfnMode::sym) return act_apply(a, g) * act_apply(a, u);
    return act_apply(a, u);
}

}  // namespace locus::cuda
