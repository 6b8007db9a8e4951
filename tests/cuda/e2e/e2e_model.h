// A model opened for the GPU end-to-end checks without the Engine (which needs the tokenizer, and so PCRE2,
// missing on the device machine): file, spec, weights, LlamaModel, and a greedy decoding loop that runs CPU-only
// or with the GPU hooks of a given GpuOptions.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "gguf/gguf.h"
#include "model/llama_model.h"
#include "runtime/gpu_offload.h"
#include "sparse/activation_counts.h"

namespace locus::e2e {

struct OpenModel {
    std::string path;
    std::unique_ptr<gguf::File> file;
    ModelSpec spec;
    ModelWeights weights;
    FfnSparsity sparsity;
    std::unique_ptr<LlamaModel> model;
};

// mode: the sparse mode to use (Predictor takes the file's threshold). resident: the weights are copied into
// huge-page memory first, as the Engine does by default (EngineOptions::resident); else they are read from the
// file mapping (4 KiB pages, a page fault at the first touch of each).
Expected<std::unique_ptr<OpenModel>> open_model(const std::string& path, SparseMode mode, bool resident = true);
// Moves an open model's weights into huge-page memory and binds them again (for A/B runs against the mapping).
Status make_model_resident(OpenModel& m);

struct DecodeResult {
    std::vector<int32_t> tokens;             // greedy tokens after the prompt
    std::vector<std::vector<float>> logits;  // logits of each step (the prompt's last token first)
    double decode_ms = 0;                    // the n_gen single-token steps
    double cpu_ffn_bytes_per_token = 0;      // weight bytes the CPU FFN read per token (ffn_stats)
    double gpu_ffn_bytes_per_token = 0;      // hybrid: predictors on the GPU + hot rows x firing probability
    std::string gpu_report;                  // hybrid timing report
    std::string placement;                   // what was placed where
    int64_t gpu_attn_layers = 0;             // layers whose attention ran on the GPU
    bool gpu_head = false;
    uint64_t gpu_bytes = 0;                  // weights uploaded
};

struct DecodeOptions {
    std::vector<int32_t> prompt;
    int n_gen = 16;
    int64_t n_ctx = 256;
    int64_t max_tokens = 64;   // session batch size (GPU work buffers)
    int n_threads = 4;
    bool prompt_one_by_one = false;
    bool keep_logits = true;
    ActivationCounts* counts = nullptr;  // profiling: count firings (on the GPU through the hooks' observer)
};

// gpu null: CPU only.
Expected<DecodeResult> greedy_decode(OpenModel& m, const GpuOptions* gpu, const DecodeOptions& o);

}  // namespace locus::e2e
