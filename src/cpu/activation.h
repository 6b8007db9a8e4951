// FFN activations combined with the gate/up products: h = act(gate) * up (PAR), act(gate) * act(up) (SYM),
// or act(up) (SEQ, gate == nullptr).
#pragma once
#include <cstdint>

#include "model/model_spec.h"

namespace locus {
void ffn_activate(FfnActivation act, FfnMode mode, const float* gate, const float* up, float* h, int64_t n);
}  // namespace locus
