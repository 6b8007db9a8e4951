// The FFN's gate and up products fused with the activation, for decode (a few tokens):
//   h[t][j] = act(gate_j . x_t, up_j . x_t)   (PAR: act(g) u, SYM: act(g) act(u), SEQ: act(u), as ffn_activate)
// for rows j < n_out, in one launch where matvec + matvec + activation took three; each pair of rows is read
// once per group of up to 8 tokens.
// Predictor mode (logits set): row j of token t is computed only where logits[t * logits_stride + map[j]] >=
// threshold (map null: column j), else h[t][j] = 0 (what masking the activation gives); a row that no token of
// the group needs is not read at all. So the hot neurons need no compacted list of active rows: the
// down projection (sparse_axpy) skips the zero coefficients the same way.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"
#include "cuda/weights.h"
#include "model/model_spec.h"

namespace locus::cuda {

struct GateUpArgs {
    DeviceMatrix gate;             // rows 0 for SEQ models (no gate); else the same type and columns as up
    DeviceMatrix up;
    const float* x = nullptr;      // n_tokens rows of x_stride floats (16-byte aligned, x_stride % 4 == 0)
    int64_t x_stride = 0;
    int n_tokens = 1;
    float* h = nullptr;            // n_tokens rows of h_stride floats
    int64_t h_stride = 0;
    int64_t n_out = 0;             // rows computed (<= up.rows, gate.rows)
    FfnActivation act = FfnActivation::relu;
    FfnMode mode = FfnMode::par;
    const float* logits = nullptr;  // optional predictor logits: n_tokens rows of logits_stride floats
    int64_t logits_stride = 0;
    const int32_t* map = nullptr;   // optional: row j's logit column (the hot neuron's index in the layer)
    float threshold = 0.0f;
};

Status ffn_gate_up(const GateUpArgs& a, cudaStream_t stream);

}  // namespace locus::cuda
