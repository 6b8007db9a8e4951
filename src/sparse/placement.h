// Where each part of a model lives: on the GPU (VRAM) or on the CPU (RAM). Made by the planner (planner.h) or
// read back from a .gpuidx cache; evaluated against activation frequencies for the served share and the bytes
// each side reads per token.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sparse/footprint.h"
#include "sparse/neuron_frequencies.h"

namespace locus {

struct LayerPlacement {
    bool attn_gpu = false;       // attention weights (and norms/biases) in VRAM
    bool predictor_gpu = false;  // fc1/fc2 in VRAM
    bool ffn_norm_gpu = false;
    bool v_cache_gpu = false, k_cache_gpu = false;
    std::vector<int32_t> hot;      // FFN neurons in VRAM, ascending
    std::vector<uint8_t> hot_mask;  // n_ff entries, 1 = neuron in VRAM

    // Sets the hot neurons (any order; duplicates are a caller bug) and the mask of n_ff entries.
    void set_hot(std::vector<int32_t> neurons, int64_t n_ff);
};

struct Placement {
    std::vector<LayerPlacement> layers;
    bool output_gpu = false;
    uint64_t budget_bytes = 0;      // the VRAM budget given
    uint64_t fixed_bytes = 0;       // attention, predictors, norms, output, KV cache placed
    uint64_t ffn_budget_bytes = 0;  // what was left for FFN neurons (upstream's split.vram_capacity)
    uint64_t ffn_bytes = 0;         // hot neurons placed
    std::string method;             // how the hot neurons were chosen

    uint64_t bytes_used() const { return fixed_bytes + ffn_bytes; }
    int64_t hot_count() const;
};

// Human-readable "what was placed where", several lines.
std::string describe_placement(const Placement& p, const ModelFootprint& fp);

struct PlanStats {
    double served = 0;      // expected firings per token on GPU-resident neurons
    double total = 0;       // expected firings per token, all neurons
    double served_share() const { return total > 0 ? served / total : 0.0; }
    // Expected bytes read per token (frequency x neuron bytes for the FFN; whole tensors for the rest). The KV
    // cache is left out (it grows with the position) and so are token embeddings (one row per token).
    double gpu_ffn_bytes = 0, cpu_ffn_bytes = 0;
    double gpu_dense_bytes = 0, cpu_dense_bytes = 0;  // attention, predictors, norms, output head
    int64_t cpu_layers = 0;  // layers with any cold neuron: each needs a CPU part in every hybrid step
    double gpu_bytes() const { return gpu_ffn_bytes + gpu_dense_bytes; }
    double cpu_bytes() const { return cpu_ffn_bytes + cpu_dense_bytes; }
};

// The placement must match the footprint and the frequencies (checked by the planner); aborts otherwise.
PlanStats evaluate_placement(const Placement& p, const ModelFootprint& fp, const NeuronFrequencies& f);

}  // namespace locus
