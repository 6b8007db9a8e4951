// Writes a PowerInfer (PWRI) file from a dense ReLU-family GGUF and trained predictors: every metadata key and
// tensor of the source, except each layer's ffn_down, which becomes ffn_down_t (the transpose: row i = neuron
// i's output column), plus fc1/fc2 per layer, powerinfer.sparse_threshold, and the activation counts
// (blk.N.ffn_act_count, I32 per neuron, with locus.activation_profile.n_tokens) for the placement planner.
//
// ffn_down_t type: F32/F16/BF16 down matrices are transposed exactly in their own type. Block-quantised ones
// are dequantised, transposed and requantised to the same type (blocks run along rows, so the transpose cannot
// keep the original blocks); that keeps the file's size and speed and adds one rounding, whose relative RMS
// error is reported. down_type overrides the choice (F16 gives the exact transpose of the dequantised weights).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "gguf/gguf.h"
#include "quant/types.h"
#include "sparse/activation_counts.h"

namespace locus {

struct LayerPredictor {
    int64_t rank = 0;
    std::vector<float> fc1;  // rank x n_embd
    std::vector<float> fc2;  // n_ff x rank
};

struct PowerInferWriteOptions {
    DType pred_type = DType::F16;
    std::optional<DType> down_type;  // unset: see above
    float threshold = 0.0f;
    // Extra metadata (e.g. how the predictors were trained); set after the source's keys.
    std::vector<std::pair<std::string, gguf::Value>> extra;
};

struct PowerInferWriteReport {
    DType down_type = DType::F32;   // of the last layer (all layers share the source's type)
    double down_requant_rms = 0.0;  // worst relative RMS error of a requantised ffn_down_t (0: exact)
    uint64_t bytes = 0;
};

// Checks shapes and types (fc1/fc2 sizes, block sizes of the chosen types), then writes `path`.
// counts may be null (no ffn_act_count tensors then).
Expected<PowerInferWriteReport> write_powerinfer(const gguf::File& src, int64_t n_layer, int64_t n_embd,
                                                 int64_t n_ff, const std::vector<LayerPredictor>& predictors,
                                                 const ActivationCounts* counts, const PowerInferWriteOptions& opts,
                                                 const std::string& path, ThreadPool& pool);

}  // namespace locus
