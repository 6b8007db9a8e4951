// A loaded model: the mapped file, its spec and weights, tokenizer and the thread pool that computes with it.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/thread_pool.h"
#include "gguf/gguf.h"
#include "model/llama_model.h"
#include "model/model_spec.h"
#include "model/weights.h"
#include "runtime/gpu_offload.h"
#include "sparse/sparse_mode.h"
#include "text/tokenizer.h"

namespace locus {

struct EngineOptions {
    std::string model_path;
    int n_threads = 0;  // 0: all hardware threads
    // Copies the weights into huge-page memory (see gguf::File::make_resident); off: compute from the mapping.
    bool resident = true;
    // With resident off: reads every weight page once at load (so the first tokens do not stall on page faults);
    // progress(fraction) is called while it does.
    bool prefault = true;
    std::function<void(double)> progress;
    // Repacks the matrices that are only read whole (attention, output, predictors; the FFN too when sparsity
    // is off) into the row-interleaved layout of cpu/interleave.h, which decode streams faster. Needs resident
    // weights; skipped with GPU offload (the GPU upload reads plain rows) and when LOCUS_INTERLEAVE=0. Turn it off
    // to write a file from the loaded tensors (tensor bytes change in memory; see gguf::File::tensor_data_modified).
    bool interleave = true;
    // FFN activation sparsity (see sparse/sparse_mode.h).
    SparseMode sparse = SparseMode::Auto;
    // Predictor threshold; unset: LLAMA_SPARSE_PRED_THRESHOLD from the environment, else the file's
    // powerinfer.sparse_threshold, else 0.
    std::optional<float> sparse_threshold;
    // GPU offload: -ngl / --vram-budget (see runtime/gpu_offload.h); default: CPU only.
    GpuOptions gpu;
};

class Engine {
public:
    static Expected<std::unique_ptr<Engine>> load(const EngineOptions& opts);

    const ModelSpec& spec() const { return spec_; }
    const ModelWeights& weights() const { return weights_; }
    const gguf::File& file() const { return *file_; }
    const text::Tokenizer& tokenizer() const { return *tokenizer_; }
    const LlamaModel& model() const { return *model_; }
    // The sparse mode and predictor threshold in use (Auto resolved).
    const FfnSparsity& sparsity() const { return model_->sparsity(); }
    ThreadPool& pool() { return *pool_; }
    int n_threads() const { return pool_->size(); }
    // The GPU part of the model (null: CPU only).
    GpuBackend* gpu() const { return gpu_.get(); }

private:
    Engine() = default;
    std::unique_ptr<gguf::File> file_;
    ModelSpec spec_;
    ModelWeights weights_;
    std::unique_ptr<text::Tokenizer> tokenizer_;
    std::unique_ptr<LlamaModel> model_;
    std::unique_ptr<ThreadPool> pool_;
    std::shared_ptr<GpuBackend> gpu_;
};

int default_thread_count();

// Resolves the requested sparse mode and threshold against what the model supports: Auto becomes predictor
// (file has predictors), oracle (ReLU-family model) or off; an impossible request is an error saying why.
Expected<FfnSparsity> resolve_sparsity(const ModelSpec& spec, SparseMode requested, std::optional<float> threshold);

}  // namespace locus
