#include "runtime/engine.h"

#include "cpu/interleave.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <thread>

namespace locus {

int default_thread_count() {
    const unsigned n = std::thread::hardware_concurrency();
    return n ? int(n) : 1;
}

namespace {

// Touches one byte per page of the tensor data so it is resident before the first token.
void prefault(const gguf::File& f, const std::function<void(double)>& progress) {
    const auto& ts = f.tensors();
    uint64_t total = 0, done = 0;
    for (const auto& t : ts) total += t.size_bytes;
    volatile uint8_t sink = 0;
    double last = -1;
    for (const auto& t : ts) {
        for (uint64_t off = 0; off < t.size_bytes; off += 4096) sink = sink + t.data[off];
        done += t.size_bytes;
        const double frac = total ? double(done) / double(total) : 1.0;
        if (progress && frac - last >= 0.01) {
            progress(frac);
            last = frac;
        }
    }
    if (progress) progress(1.0);
}

// The matrices that decode reads whole, repacked into the row-interleaved layout where a kernel exists.
// FFN matrices stay plain when sparsity is on: the sparse kernels read single rows and the transposed down.
// A tied output head shares the token embeddings, which are read a row at a time, so it stays plain too.
Status interleave_weights(gguf::File& file, ModelWeights& w, bool ffn, ThreadPool& pool) {
    std::vector<Matrix*> ms;
    for (LayerWeights& L : w.layers) {
        for (Matrix* m : {&L.wqkv, &L.wq, &L.wk, &L.wv, &L.wo, &L.fc1, &L.fc2}) ms.push_back(m);
        if (ffn)
            for (Matrix* m : {&L.ffn_gate, &L.ffn_up, &L.ffn_down}) ms.push_back(m);
    }
    if (w.output.data != w.tok_embd.data) ms.push_back(&w.output);
    std::erase_if(ms, [](const Matrix* m) { return !m->present() || !interleave_supported(*m); });
    if (ms.empty()) return Status::ok();
    return file.edit_resident([&] {
        pool.parallel_for(int64_t(ms.size()), [&](int64_t b, int64_t e, int) {
            for (int64_t i = b; i < e; ++i) interleave_rows(*ms[size_t(i)], const_cast<uint8_t*>(ms[size_t(i)]->data));
        });
        for (Matrix* m : ms) m->interleaved = true;
    });
}

}  // namespace

Expected<FfnSparsity> resolve_sparsity(const ModelSpec& spec, SparseMode requested, std::optional<float> threshold) {
    FfnSparsity r;
    switch (requested) {
        case SparseMode::Auto:
            r.mode = spec.has_predictors ? SparseMode::Predictor
                     : spec.relu_family() ? SparseMode::Oracle
                                          : SparseMode::Off;
            break;
        case SparseMode::Predictor:
            if (!spec.has_predictors)
                return Status::error("--sparse predictor: the model has no activation predictors (blk.N.fc1/fc2); "
                                     "use --sparse oracle (ReLU models) or make predictors with locus sparsify");
            r.mode = requested;
            break;
        case SparseMode::Oracle:
            r.mode = requested;
            break;
        case SparseMode::Off:
            r.mode = requested;
            break;
    }
    if (r.mode != SparseMode::Off && !spec.relu_family())
        return Status::error(fmt::format("--sparse {}: the model's FFN activation is {}; activation sparsity needs "
                                         "a ReLU-family model",
                                         sparse_mode_name(r.mode), ffn_activation_name(spec.ffn_act)));
    r.threshold = spec.sparse_threshold;
    if (const char* env = std::getenv("LLAMA_SPARSE_PRED_THRESHOLD"); env && *env) {
        char* end = nullptr;
        const float v = std::strtof(env, &end);
        if (*end != '\0' || !std::isfinite(v))
            return Status::error(fmt::format("LLAMA_SPARSE_PRED_THRESHOLD='{}' is not a number", env));
        r.threshold = v;
    }
    if (threshold) {
        if (!std::isfinite(*threshold)) return Status::error("--sparse-threshold must be a finite number");
        r.threshold = *threshold;
    }
    return r;
}

Expected<std::unique_ptr<Engine>> Engine::load(const EngineOptions& opts) {
    std::unique_ptr<Engine> e(new Engine());
    auto file = gguf::File::open(opts.model_path);
    if (!file) return file.status();
    e->file_ = std::move(*file);
    if (opts.resident) LOCUS_TRY(e->file_->make_resident(opts.progress));
    auto spec = read_model_spec(*e->file_);
    if (!spec) return spec.status();
    e->spec_ = std::move(*spec);
    auto weights = bind_weights(*e->file_, e->spec_);
    if (!weights) return weights.status();
    e->weights_ = std::move(*weights);
    auto tok = text::Tokenizer::from_gguf(*e->file_);
    if (!tok) return tok.status();
    e->tokenizer_ = std::make_unique<text::Tokenizer>(std::move(*tok));
    if (e->tokenizer_->n_vocab() != e->spec_.n_vocab)
        return Status::error(fmt::format("{}: tokenizer has {} tokens but token_embd.weight has {} rows",
                                         opts.model_path, e->tokenizer_->n_vocab(), e->spec_.n_vocab));
    auto sparsity = resolve_sparsity(e->spec_, opts.sparse, opts.sparse_threshold);
    if (!sparsity) return Status::error(fmt::format("{}: {}", opts.model_path, sparsity.status().message()));
    e->model_ = std::make_unique<LlamaModel>(e->spec_, e->weights_, *sparsity);
    if (opts.gpu.wanted()) {
        auto gpu = load_gpu_backend(opts.gpu, opts.model_path, *e->file_, e->spec_, e->weights_, *sparsity);
        if (!gpu) return Status::error(fmt::format("{}: {}", opts.model_path, gpu.error()));
        e->gpu_ = std::move(*gpu);
    }
    e->pool_ = std::make_unique<ThreadPool>(opts.n_threads > 0 ? opts.n_threads : default_thread_count());
    const char* il_env = std::getenv("LOCUS_INTERLEAVE");
    if (opts.interleave && opts.resident && !e->gpu_ && !(il_env && std::string_view(il_env) == "0"))
        LOCUS_TRY(interleave_weights(*e->file_, e->weights_, sparsity->mode == SparseMode::Off, *e->pool_));
    if (opts.prefault && !opts.resident) prefault(*e->file_, opts.progress);
    return e;
}

}  // namespace locus
