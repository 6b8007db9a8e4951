// Helpers shared by the subcommands: default model lookup, model loading with a progress bar, timing.
#pragma once
#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "runtime/engine.h"
#include "runtime/session.h"

namespace locus::app {

// The bundled default model: the project's own trained ReLU model, sparsified (predictors included), so a plain
// `locus run` runs in predictor mode. stories260K.gguf stays bundled for the comparisons with llama.cpp.
inline constexpr const char* kDefaultModelName = "relu-llama-tiny-par.powerinfer.gguf";

// The model to use when -m is not given: $LOCUS_MODEL, else the bundled kDefaultModelName found next to the
// binary (build tree or installed share/locus/models).
std::string default_model_path();

// Loads a model, drawing a progress bar on stderr for files over 64 MiB; prints the error and returns null
// on failure.
std::unique_ptr<Engine> load_engine(const std::string& path, int n_threads);

// --sparse and --sparse-threshold, shared by the commands that run a model.
struct SparseFlags {
    std::string mode = "auto";
    std::optional<float> threshold;
};
void add_sparse_flags(CLI::App* c, SparseFlags& f);
std::unique_ptr<Engine> load_engine(const std::string& path, int n_threads, const SparseFlags& sparse);

// GPU offload flags (-ngl for dense models, --vram-budget for PowerInfer files; see runtime/gpu_offload.h).
struct GpuFlags {
    int n_gpu_layers = 0;
    std::optional<double> vram_budget;
    bool reset_gpu_index = false, disable_gpu_index = false;
    std::string profile;
    double cpu_layer_cost_mib = -1;  // < 0: the planner's default
};
void add_gpu_flags(CLI::App* c, GpuFlags& f);
// n_ctx / n_batch: the session's context and batch size, for which the GPU KV cache and buffers are planned.
// interleave: see EngineOptions::interleave (off for commands that write files from the loaded tensors).
std::unique_ptr<Engine> load_engine(const std::string& path, int n_threads, const SparseFlags& sparse,
                                    const GpuFlags& gpu, int64_t n_ctx, int64_t n_batch, bool interleave = true);
// Prints the hybrid scheduler's timing (if any) on stderr.
void print_gpu_timing(const Session& s);

inline double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace locus::app
