#include "e2e_model.h"

#include <algorithm>
#include <chrono>

#include "runtime/kv_cache.h"

namespace locus::e2e {

Expected<std::unique_ptr<OpenModel>> open_model(const std::string& path, SparseMode mode, bool resident) {
    auto m = std::make_unique<OpenModel>();
    m->path = path;
    auto f = gguf::File::open(path);
    if (!f) return f.status();
    m->file = std::move(*f);
    if (resident) LOCUS_TRY(m->file->make_resident());
    auto spec = read_model_spec(*m->file);
    if (!spec) return spec.status();
    m->spec = std::move(*spec);
    auto w = bind_weights(*m->file, m->spec);
    if (!w) return w.status();
    m->weights = std::move(*w);
    m->sparsity.mode = mode;
    m->sparsity.threshold = m->spec.sparse_threshold;
    if (mode == SparseMode::Predictor && !m->spec.has_predictors) return Status::error(path + ": no predictors");
    m->model = std::make_unique<LlamaModel>(m->spec, m->weights, m->sparsity);
    return m;
}

Status make_model_resident(OpenModel& m) {
    if (m.file->is_resident()) return Status::ok();
    m.model.reset();  // it points into the weights bound from the mapping
    LOCUS_TRY(m.file->make_resident());
    auto w = bind_weights(*m.file, m.spec);
    if (!w) return w.status();
    m.weights = std::move(*w);
    m.model = std::make_unique<LlamaModel>(m.spec, m.weights, m.sparsity);
    return Status::ok();
}

Expected<DecodeResult> greedy_decode(OpenModel& m, const GpuOptions* gpu, const DecodeOptions& o) {
    using clock = std::chrono::steady_clock;
    DecodeResult r;
    auto kv = KvCache::create(m.spec, o.n_ctx, 1);
    if (!kv) return kv.status();
    ThreadPool pool(o.n_threads);
    ForwardScratch s;
    std::shared_ptr<GpuBackend> backend;
    std::unique_ptr<ForwardHooks> hooks;
    if (gpu) {
        auto b = load_gpu_backend(*gpu, m.path, *m.file, m.spec, m.weights, m.sparsity);
        if (!b) return b.status();
        backend = std::move(*b);
        r.placement = gpu_placement_summary(*backend);
        r.gpu_attn_layers = gpu_attention_layers(*backend);
        r.gpu_head = gpu_output_head(*backend);
        r.gpu_bytes = gpu_weight_bytes(*backend);
        r.gpu_ffn_bytes_per_token = gpu_ffn_bytes_per_token(*backend);
        auto h = make_gpu_hooks(*backend, o.n_ctx, 1, o.max_tokens);
        if (!h) return h.status();
        hooks = std::move(*h);
        s.hooks = hooks.get();
        if (o.counts && !hooks->set_activation_observer(counting_observer(o.counts)))
            return Status::error("the GPU placement cannot report activation counts");
    }
    s.counts = o.counts;
    const int64_t V = m.spec.n_vocab;
    std::vector<float> logits(static_cast<size_t>(V));
    auto step = [&](const Batch& b) -> Status {
        LOCUS_TRY(m.model->forward(b, *kv, logits.data(), pool, s));
        if (o.keep_logits) r.logits.push_back(logits);
        return Status::ok();
    };
    int32_t pos = 0;
    if (o.prompt_one_by_one) {
        for (size_t i = 0; i < o.prompt.size(); ++i) {
            Batch b;
            b.add(o.prompt[i], 0, pos++, true);
            LOCUS_TRY(m.model->forward(b, *kv, logits.data(), pool, s));
        }
        if (o.keep_logits) r.logits.push_back(logits);
    } else {
        for (size_t i0 = 0; i0 < o.prompt.size(); i0 += size_t(o.max_tokens)) {  // as Session splits batches
            Batch b;
            const size_t i1 = std::min(o.prompt.size(), i0 + size_t(o.max_tokens));
            for (size_t i = i0; i < i1; ++i) b.add(o.prompt[i], 0, pos++, i + 1 == o.prompt.size());
            if (i1 == o.prompt.size()) LOCUS_TRY(step(b));
            else LOCUS_TRY(m.model->forward(b, *kv, logits.data(), pool, s));
        }
    }
    s.ffn_stats = {};
    if (hooks) gpu_timing_reset(*hooks);  // the decode's steps only: the prompt's pass captured the CUDA graphs
    const auto t0 = clock::now();
    for (int i = 0; i < o.n_gen; ++i) {
        const int32_t next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
        r.tokens.push_back(next);
        if (i + 1 == o.n_gen) break;
        Batch b;
        b.add(next, 0, pos++, true);
        LOCUS_TRY(step(b));
    }
    r.decode_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    if (s.ffn_stats.tokens > 0) r.cpu_ffn_bytes_per_token = double(s.ffn_stats.weight_bytes) / double(s.ffn_stats.tokens);
    if (hooks) r.gpu_report = gpu_timing_report(*hooks);
    return r;
}

}  // namespace locus::e2e
