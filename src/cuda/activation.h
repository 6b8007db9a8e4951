// FFN activation combined with the gate/up products, as cpu/activation.h: h = act(gate) * up (PAR),
// act(gate) * act(up) (SYM), act(up) (SEQ, gate unused and may be null). act: SiLU, ReLU or GELU (tanh form).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"
#include "model/model_spec.h"

namespace locus::cuda {

Status ffn_activate(FfnActivation act, FfnMode mode, const float* gate, const float* up, float* h, int64_t n,
                    cudaStream_t stream);

}  // namespace locus::cuda
