// Where a loaded model's weights run. A build without CUDA places everything on the CPU; a VRAM budget is
// checked against what the build can do, so every tool (C API, bench) reports the same error.
#pragma once
#include <cstdint>
#include <string>

#include "core/status.h"
#include "runtime/engine.h"

namespace locus {

// (Not sparse/placement.h's Placement, the planner's per-neuron plan: one name for two types in one namespace
// would break the one-definition rule.)
struct WeightPlacement {
    std::string backend = "cpu";
    int64_t n_layer = 0;
    int64_t n_layer_gpu = 0;        // layers whose attention runs on the GPU
    double gpu_ffn_fraction = 0.0;  // FFN neurons resident on the GPU
    uint64_t cpu_bytes = 0;
    uint64_t gpu_bytes = 0;
};

// vram_budget_gib < 0: automatic; 0: CPU only; > 0: weights on the GPU, which needs the CUDA backend.
Status check_vram_budget(double vram_budget_gib);

// The placement of an engine's weights.
WeightPlacement placement_of(const Engine& engine);

}  // namespace locus
