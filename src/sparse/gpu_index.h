// The GPU split cache `<model>.generated.gpuidx`, compatible with upstream PowerInfer: which FFN neurons of each
// layer live on the GPU. A PWRI GGUF v3 file with general.architecture = "generic.gpu_index",
// generic.gpu_index.block_count and split.vram_capacity (u64: bytes that were left for FFN neurons when the
// split was made), and tensors blk.i.gpu_idx (I32 [n_ff], 1 = on the GPU) and blk.i.gpu_bucket (I32 [k_i],
// ascending GPU neuron indices), i = 0, 1, ... in that order, I32 written as PowerInfer's type id 18.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sparse/placement.h"
#include "sparse/planner.h"

namespace locus {

struct GpuIndex {
    uint64_t vram_capacity = 0;            // split.vram_capacity
    std::vector<std::vector<int32_t>> hot;  // [layer]: ascending neuron indices on the GPU
};

// `<model_path>.generated.gpuidx`, upstream's name.
std::string gpu_index_path(const std::string& model_path);

// Writes the hot neurons of `p` with split.vram_capacity = p.ffn_budget_bytes. Every layer needs at least one
// hot neuron: GGUF has no zero-length tensors, so an empty gpu_bucket cannot be stored (an error says so).
Status write_gpu_index(const std::string& path, const Placement& p);
// Reads and validates a cache for a model of n_layer layers of n_ff neurons; the error names the file and the
// problem (wrong architecture, layer count, n_ff, missing tensor, gpu_idx and gpu_bucket disagreeing, ...).
Expected<GpuIndex> read_gpu_index(const std::string& path, int64_t n_layer, int64_t n_ff);

enum class GpuIndexMode {
    use,      // reuse the cache when it is valid and its split.vram_capacity <= the bytes left now; else rebuild it
    reset,    // --reset-gpu-index: recompute and overwrite
    disable,  // --disable-gpu-index: neither read nor write
};

struct GpuIndexOutcome {
    bool reused = false;   // hot neurons taken from the cache
    bool written = false;  // cache (re)written
    std::string note;      // what happened, for the user
};

// Chooses the hot neurons of `p` (fixed parts decided): from the cache at `path` under the reuse rule, else by
// the planner (then writes the cache unless disabled). A malformed cache is an error (suggesting a reset); a
// plan that cannot be stored is not an error (the note says why nothing was written).
Expected<GpuIndexOutcome> place_hot_neurons_cached(Placement& p, const ModelFootprint& fp, const NeuronFrequencies& f,
                                                   const PlannerOptions& o, const std::string& path, GpuIndexMode mode);

}  // namespace locus
