// What each part of a model costs in VRAM: the inputs of the placement planner. Sizes are those of the tensors in
// their file types (weights are not converted when they move to the GPU).
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "model/model_spec.h"
#include "model/weights.h"

namespace locus {

struct LayerFootprint {
    uint64_t attn_bytes = 0;       // wq, wk, wv, wo, attn_norm and the q/k/v biases
    uint64_t predictor_bytes = 0;  // fc1 + fc2; 0 when the layer has no predictor
    uint64_t ffn_norm_bytes = 0;
    uint64_t k_cache_bytes = 0;    // F16 KV cache of one sequence of n_ctx positions
    uint64_t v_cache_bytes = 0;
    int64_t n_ff = 0;
    uint64_t neuron_bytes = 0;     // one FFN neuron: its gate row + up row + down_t row
};

struct ModelFootprint {
    std::vector<LayerFootprint> layers;
    uint64_t output_bytes = 0;  // output head + output_norm
    uint64_t embd_bytes = 0;    // token embeddings: always on the CPU (a token reads one row)
    int64_t n_ctx = 0;

    uint64_t ffn_bytes() const;  // every neuron of every layer
};

// Sizes of a bound model with a KV cache of n_ctx positions. Dense files (ffn_down by output row) count a
// neuron's down column as ffn_down's bytes / n_ff.
Expected<ModelFootprint> model_footprint(const ModelSpec& spec, const ModelWeights& w, int64_t n_ctx);

}  // namespace locus
