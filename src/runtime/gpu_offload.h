// GPU offload of a loaded model (CUDA builds; a CPU-only build refuses every GPU request with "built without
// CUDA"). Two strategies, as the upstream tools have them:
//   - dense models: layer offload (llama.cpp's -ngl N): the last N layers, and the output head when N exceeds
//     the layer count, run on the GPU; or, with only --vram-budget, as many trailing layers as fit.
//   - PowerInfer (PWRI) files: the placement planner (sparse/planner.h) spends --vram-budget on attention,
//     predictors, output head, KV cache and the hot FFN neurons of every layer; the hybrid scheduler then runs,
//     per layer, the active hot neurons on the GPU while the CPU thread pool computes the active cold ones.
// -ngl with a PWRI file is an error (as upstream): its placement follows the budget.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "model/forward_hooks.h"
#include "model/forward_scratch.h"
#include "model/model_spec.h"
#include "model/weights.h"
#include "sparse/hot_method.h"

namespace locus {
namespace gguf { class File; }

struct GpuOptions {
    int n_gpu_layers = 0;                   // 0: none; N: the last N layers; > n_layer or -1: all + output head
    std::optional<double> vram_budget_gib;  // unset: no budget; < 0: free VRAM minus 256 MiB
    // The <model>.generated.gpuidx cache of PWRI placements: --reset-gpu-index, --disable-gpu-index.
    bool reset_gpu_index = false, disable_gpu_index = false;
    std::string profile_path;               // activation profile for the planner (else the model's, else a prior)
    HotMethod hot_method = HotMethod::optimal;  // how hot neurons are chosen (the baselines are for comparisons)
    // The planner's cost of a layer with a CPU part, in bytes of cold rows (PlannerOptions::cpu_layer_cost);
    // < 0: its default (0).
    int64_t cpu_layer_cost = -1;
    int64_t n_ctx = 0;                      // positions the GPU KV cache is planned for (0: training context)
    int64_t max_tokens = 512;               // largest batch a session passes (GPU work buffers are sized for it)
    bool verbose = true;                    // print what was placed where on stderr

    bool wanted() const { return n_gpu_layers != 0 || vram_budget_gib.has_value(); }
};

// Per-engine GPU state (uploaded weights, placement); opaque outside the CUDA build.
class GpuBackend;

// Places and uploads; an error when the build has no CUDA, the request does not suit the model, or what is
// asked does not fit (the message names the sizes).
Expected<std::shared_ptr<GpuBackend>> load_gpu_backend(const GpuOptions& o, const std::string& model_path,
                                                       const gguf::File& file, const ModelSpec& spec,
                                                       const ModelWeights& w, const FfnSparsity& sparsity);

// "What was placed where", a few lines.
std::string gpu_placement_summary(const GpuBackend& b);
// Layers with attention on the GPU, and whether the output head is there (for placement reports).
int64_t gpu_attention_layers(const GpuBackend& b);
bool gpu_output_head(const GpuBackend& b);
uint64_t gpu_weight_bytes(const GpuBackend& b);
// Share of the FFN neurons computed on the GPU: hot neurons (hybrid) or the offloaded layers' (layer offload).
double gpu_ffn_fraction(const GpuBackend& b);
// Hybrid placements: FFN weight bytes per token the GPU cannot avoid reading, for bandwidth bounds: the
// predictors placed there, plus each hot neuron's rows weighted by its firing probability (a perfect predictor's
// reads; a real one reads more). 0 for layer offload.
double gpu_ffn_bytes_per_token(const GpuBackend& b);

// The hooks of one session (its GPU KV cache and work buffers): set them in ForwardScratch::hooks.
Expected<std::unique_ptr<ForwardHooks>> make_gpu_hooks(GpuBackend& b, int64_t n_ctx, int n_seq, int64_t max_tokens);

// Hybrid steps so far: time of the GPU and CPU halves of the FFN, the wait, and their overlap (empty when the
// hooks ran no hybrid step).
std::string gpu_timing_report(const ForwardHooks& h);
// Starts that report afresh (e.g. after the prompt, so the first pass, which captures the CUDA graphs, does not
// weigh in the decode's figures).
void gpu_timing_reset(ForwardHooks& h);

}  // namespace locus
