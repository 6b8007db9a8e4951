// The CUDA build's side of runtime/gpu_offload.h: placement (layer offload or the planner), upload, and the
// per-session hooks that run the GPU parts of a forward pass (src/cuda/gpu_runner.h does the GPU work).
#ifdef LOCUS_HAVE_CUDA
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>

#include "cpu/matmul.h"
#include "cpu/norm.h"
#include "cuda/gpu_model.h"
#include "cuda/gpu_runner.h"
#include "model/sparse_ffn.h"
#include "runtime/gpu_offload.h"
#include "sparse/footprint.h"
#include "sparse/gpu_index.h"
#include "sparse/neuron_frequencies.h"
#include "sparse/planner.h"

namespace locus {

class GpuBackend {
public:
    GpuBackend(const ModelSpec& s, const ModelWeights& w, FfnSparsity sp) : spec(s), weights(w), sparsity(sp), cpu_ffn(s, sp) {}
    const ModelSpec& spec;
    const ModelWeights& weights;
    FfnSparsity sparsity;
    SparseFfn cpu_ffn;  // the CPU half of hybrid FFN steps
    std::unique_ptr<cuda::GpuModel> model;
    bool hybrid = false;
    bool resident = false;        // hybrid: the whole layer stack on the GPU's stream (GpuHooks::run_resident)
    std::vector<int64_t> n_cold;  // hybrid: per layer, neurons left to the CPU
    int64_t first_layer = 0;  // layer offload: layers >= this run on the GPU
    bool output = false;
    std::vector<uint8_t> attn_gpu, predictor_gpu;
    std::vector<std::vector<uint8_t>> cold;  // hybrid: per layer, 1 = neuron computed by the CPU
    double gpu_ffn_bytes = 0;  // hybrid: predictors on the GPU + hot rows weighted by firing probability
    std::string summary;
};

namespace {

constexpr double kGiB = double(1ull << 30);
constexpr uint64_t kMargin = 256ull << 20;  // left free when the budget is "all free VRAM" (upstream's margin)

std::string gib(uint64_t b) { return fmt::format("{:.2f} GiB", double(b) / kGiB); }

Expected<uint64_t> free_vram() {
    size_t free = 0, total = 0;
    const cudaError_t e = cudaMemGetInfo(&free, &total);
    if (e != cudaSuccess)
        return Status::error(fmt::format("GPU offload asked for, but no usable CUDA device: {}", cudaGetErrorString(e)));
    return uint64_t(free);
}

uint64_t mat(const Matrix& m) { return m.present() ? uint64_t(m.rows) * m.row_bytes : 0; }
uint64_t vec(const std::vector<float>& v) { return v.size() * 4; }

// VRAM of one dense layer on the GPU with its KV cache for n_ctx positions (one sequence).
uint64_t dense_layer_bytes(const ModelSpec& s, const LayerWeights& L, int64_t n_ctx) {
    return mat(L.wq) + mat(L.wk) + mat(L.wv) + mat(L.wo) + mat(L.ffn_gate) + mat(L.ffn_up) + mat(L.ffn_down) +
           vec(L.attn_norm) + vec(L.ffn_norm) + vec(L.bq) + vec(L.bk) + vec(L.bv) +
           uint64_t(n_ctx) * uint64_t(s.kv_dim()) * 4;
}

Status place_layers(GpuBackend& b, const GpuOptions& o, int64_t n_ctx, cuda::GpuPlan& plan) {
    const ModelSpec& s = b.spec;
    const int64_t n = s.n_layer;
    auto fr = free_vram();
    if (!fr) return fr.status();
    const uint64_t reserve = cuda::runner_scratch_bytes(s, o.max_tokens, n_ctx, 0, 0);
    const uint64_t head = mat(b.weights.output) + vec(b.weights.output_norm);
    std::vector<uint64_t> lb(static_cast<size_t>(n), 0);
    for (int64_t l = 0; l < n; ++l) lb[size_t(l)] = dense_layer_bytes(s, b.weights.layers[size_t(l)], n_ctx);
    std::optional<uint64_t> budget;
    if (o.vram_budget_gib) budget = *o.vram_budget_gib < 0 ? (*fr > kMargin ? *fr - kMargin : 0)
                                                          : uint64_t(*o.vram_budget_gib * kGiB);
    int64_t N = 0;
    bool with_head = false;
    if (o.n_gpu_layers != 0) {
        N = o.n_gpu_layers < 0 || o.n_gpu_layers > n ? n : o.n_gpu_layers;
        with_head = o.n_gpu_layers < 0 || o.n_gpu_layers > n;
    } else {  // as many trailing layers as the budget holds, then the head
        uint64_t used = reserve;
        while (N < n && used + lb[size_t(n - 1 - N)] <= *budget) used += lb[size_t(n - 1 - N)], ++N;
        with_head = N == n && used + head <= *budget;
    }
    uint64_t need = reserve + (with_head ? head : 0);
    for (int64_t l = n - N; l < n; ++l) need += lb[size_t(l)];
    const std::string what = fmt::format("{} of {} layers{}", N, n, with_head ? " and the output head" : "");
    if (budget && need > *budget)
        return Status::error(fmt::format("-ngl {}: {} need {} of VRAM (KV cache for {} positions and work buffers "
                                         "included), more than the budget of {}: lower -ngl or raise --vram-budget",
                                         o.n_gpu_layers, what, gib(need), n_ctx, gib(*budget)));
    if (need > *fr)
        return Status::error(fmt::format("{} need {} of VRAM (KV cache for {} positions and work buffers included), "
                                         "but the GPU has {} free: lower -ngl / --vram-budget or -c ({} > {} bytes)",
                                         what, gib(need), n_ctx, gib(*fr), need, *fr));
    b.first_layer = n - N;
    b.output = with_head;
    plan.attn.assign(size_t(n), 0);
    plan.dense_ffn.assign(size_t(n), 0);
    for (int64_t l = n - N; l < n; ++l) plan.attn[size_t(l)] = plan.dense_ffn[size_t(l)] = 1;
    plan.output = with_head;
    b.attn_gpu = plan.attn;
    b.summary = fmt::format("layer offload: {} on the GPU ({}{}), the rest on the CPU", what,
                            N ? fmt::format("layers {}-{}", n - N, n - 1) : "no layer", budget ? ", budget " + gib(*budget) : "");
    if (N == 0 && !with_head) b.summary = "layer offload: the budget holds no layer: everything on the CPU";
    return Status::ok();
}

Status place_hybrid(GpuBackend& b, const GpuOptions& o, const std::string& model_path, const gguf::File& file,
                    int64_t n_ctx, cuda::GpuPlan& plan) {
    const ModelSpec& s = b.spec;
    const int64_t n = s.n_layer;
    if (o.n_gpu_layers != 0)
        return Status::error("-ngl is for dense models: a PowerInfer (PWRI) file is placed by --vram-budget (the hot "
                             "FFN neurons of every layer, not whole layers), as upstream PowerInfer does");
    for (const LayerWeights& L : b.weights.layers)
        if (!L.ffn_down_t.present()) return Status::error("hybrid offload needs ffn_down_t in every layer");
    auto fr = free_vram();
    if (!fr) return fr.status();
    const uint64_t budget = *o.vram_budget_gib < 0 ? (*fr > kMargin ? *fr - kMargin : 0)
                                                   : uint64_t(*o.vram_budget_gib * kGiB);
    if (budget > *fr)
        return Status::error(fmt::format("--vram-budget {}: the GPU has only {} free", gib(budget), gib(*fr)));
    int64_t max_rank = 0;
    for (const LayerWeights& L : b.weights.layers) max_rank = std::max(max_rank, L.fc1.present() ? L.fc1.rows : 0);
    const uint64_t reserve = cuda::runner_scratch_bytes(s, o.max_tokens, n_ctx, s.n_ff, max_rank);
    if (reserve >= budget)
        return Status::error(fmt::format("--vram-budget {} is smaller than the GPU work buffers ({} for batches of {} "
                                         "tokens)", gib(budget), gib(reserve), o.max_tokens));
    auto fp = model_footprint(s, b.weights, n_ctx);
    if (!fp) return fp.status();
    auto freqs = load_frequencies(file, n, s.n_ff, o.profile_path);
    if (!freqs) return freqs.status();
    if (freqs->prior && o.verbose)
        std::fprintf(stderr, "warning: no activation profile (none in the model file, no --profile): assuming every "
                             "neuron fires with probability %.2f for the placement\n", kUniformPriorActive);
    LOCUS_TRY(check_frequencies(*freqs, n, s.n_ff));
    Placement p = place_fixed(*fp, budget - reserve);
    PlannerOptions po;
    po.method = o.hot_method;
    if (o.cpu_layer_cost >= 0) po.cpu_layer_cost = uint64_t(o.cpu_layer_cost);
    auto cached = place_hot_neurons_cached(p, *fp, *freqs, po, gpu_index_path(model_path),
                                           o.disable_gpu_index ? GpuIndexMode::disable
                                           : o.reset_gpu_index ? GpuIndexMode::reset : GpuIndexMode::use);
    if (!cached) return cached.status();
    plan.attn.assign(size_t(n), 0);
    plan.predictor.assign(size_t(n), 0);
    plan.ffn_norm.assign(size_t(n), 0);
    plan.hot.assign(size_t(n), {});
    b.cold.assign(size_t(n), {});
    int64_t attn_no_kv = 0;
    for (int64_t l = 0; l < n; ++l) {
        const LayerPlacement& lp = p.layers[size_t(l)];
        // Attention runs beside its cache: a layer whose K or V cache did not fit keeps attention on the CPU.
        plan.attn[size_t(l)] = lp.attn_gpu && lp.k_cache_gpu && lp.v_cache_gpu;
        attn_no_kv += lp.attn_gpu && !plan.attn[size_t(l)];
        plan.predictor[size_t(l)] = lp.predictor_gpu;
        plan.ffn_norm[size_t(l)] = lp.ffn_norm_gpu;
        plan.hot[size_t(l)] = lp.hot;
        b.cold[size_t(l)].assign(size_t(s.n_ff), 1);
        for (int32_t i : lp.hot) b.cold[size_t(l)][size_t(i)] = 0;
        const LayerFootprint& lf = fp->layers[size_t(l)];
        if (lp.predictor_gpu) b.gpu_ffn_bytes += double(lf.predictor_bytes);
        for (int32_t i : lp.hot) b.gpu_ffn_bytes += freqs->p[size_t(l)][size_t(i)] * double(lf.neuron_bytes);
    }
    plan.output = p.output_gpu;
    // The residual can stay on the GPU through the whole layer stack when every layer's attention, ffn_norm
    // and (predictor mode) predictor are there: then one wait per layer (the CPU's input) and no other.
    b.resident = true;
    b.n_cold.assign(size_t(n), 0);
    for (int64_t l = 0; l < n; ++l) {
        b.n_cold[size_t(l)] = s.n_ff - int64_t(p.layers[size_t(l)].hot.size());
        b.resident = b.resident && plan.attn[size_t(l)] && plan.ffn_norm[size_t(l)] &&
                     (b.sparsity.mode != SparseMode::Predictor || plan.predictor[size_t(l)]);
    }
    b.hybrid = true;
    b.first_layer = n;
    b.output = p.output_gpu;
    b.attn_gpu = plan.attn;
    b.predictor_gpu = plan.predictor;
    b.summary = describe_placement(p, *fp) + fmt::format("\n  GPU work buffers: {} (batches of {} tokens)", gib(reserve),
                                                         o.max_tokens) +
                (b.resident ? "\n  residual kept on the GPU through all layers" : "") +
                "\n  gpu index: " + cached->note;
    if (attn_no_kv)
        b.summary += fmt::format("\n  note: {} layers have attention weights but no KV cache placed: their attention "
                                 "runs on the CPU (weights not uploaded)", attn_no_kv);
    return Status::ok();
}

// What a hybrid FFN step of this model does; the predictor runs on the GPU when the layer has it there.
cuda::HybridStep hybrid_step(const GpuBackend& b, bool predictor_here) {
    cuda::HybridStep st;
    st.predictor_mode = b.sparsity.mode == SparseMode::Predictor;
    st.predictor_on_gpu = st.predictor_mode && predictor_here;
    st.threshold = b.sparsity.threshold;
    st.act = b.spec.ffn_act;
    st.mode = b.spec.ffn_mode;
    return st;
}

// The hooks of one session.
class GpuHooks final : public ForwardHooks {
public:
    GpuHooks(GpuBackend& b, std::unique_ptr<cuda::GpuRunner> r) : b_(b), r_(std::move(r)) {}

    int64_t first_device_layer() const override { return b_.first_layer; }
    bool device_output_head() const override { return b_.output; }
    Status run_device_tail(const Batch& batch, float* x, float* logits) override {
        return r_->run_tail(batch, b_.first_layer, x, b_.output, logits);
    }
    bool attention_on_device(int64_t l) const override { return b_.hybrid && b_.attn_gpu[size_t(l)]; }
    Status attention(int64_t l, const Batch& batch, ForwardScratch& s) override {
        return r_->attention(l, batch, s.x.data(), s.attn_out.data());
    }
    bool ffn_on_device(int64_t l) const override {
        if (!b_.hybrid) return false;
        const cuda::GpuLayer& g = b_.model->layer(l);
        return g.n_hot > 0 || (b_.sparsity.mode == SparseMode::Predictor && g.predictor);
    }
    Status ffn(int64_t l, int64_t T, ThreadPool& pool, ForwardScratch& s) override;
    bool set_activation_observer(ActivationObserver observer) override {
        // Layer offload computes whole FFNs on the GPU; the hybrid split has no dense activation vector there.
        if (b_.hybrid) return !observer;
        r_->set_activation_observer(std::move(observer));
        return true;
    }
    bool resident_layers(int64_t n_tok) const override { return b_.resident && n_tok <= r_->max_tokens(); }
    Status run_resident(const Batch& batch, ThreadPool& pool, ForwardScratch& s, float* logits) override;

    std::string report() const;
    void reset_report() { st_ = {}; }

private:
    GpuBackend& b_;
    std::unique_ptr<cuda::GpuRunner> r_;
    struct Stats {
        int64_t steps = 0;
        double wall_ms = 0, cpu_ms = 0, gpu_ms = 0, wait_ms = 0, pred_ms = 0;
        int64_t resident_passes = 0;
        int64_t cpu_layers = 0;                        // layer steps with a CPU part (resident passes)
        double select_ms = 0, rows_ms = 0, down_ms = 0;  // the CPU part's stages (sparse FFN stage timers)
    } st_;
};

// x += FFN(x): normalise on the CPU, hand the GPU its half (asynchronous), compute the cold half on the CPU
// thread pool meanwhile, then wait and merge both halves into the residual here, where the next op runs.
Status GpuHooks::ffn(int64_t l, int64_t T, ThreadPool& pool, ForwardScratch& s) {
    using clock = std::chrono::steady_clock;
    auto ms = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    const auto t0 = clock::now();
    const ModelSpec& spec = b_.spec;
    const LayerWeights& L = b_.weights.layers[size_t(l)];
    const int64_t E = spec.n_embd, F = spec.n_ff;
    if (T > r_->max_tokens()) return Status::error("hybrid FFN: batch larger than the session's batch size");
    s.cur.resize(T * E);
    for (int64_t t = 0; t < T; ++t) rms_norm(s.x.data() + t * E, L.ffn_norm.data(), E, spec.norm_eps, s.cur.data() + t * E);
    std::memcpy(r_->pinned_cur(), s.cur.data(), size_t(T * E) * 4);

    const cuda::HybridStep step = hybrid_step(b_, b_.model->layer(l).predictor);
    const float* logits = nullptr;
    if (step.predictor_mode && !step.predictor_on_gpu) {  // the predictor runs on the CPU, before the GPU half
        const int64_t r = L.fc1.rows;
        s.pred_h.resize(T * r);
        s.pred.resize(T * F);
        const MatmulOut h[] = {{&L.fc1, s.pred_h.data(), r}};
        matmul(h, s.x.data(), E, T, pool, s.act);
        for (int64_t i = 0; i < T * r; ++i) s.pred_h[i] = s.pred_h[i] > 0.0f ? s.pred_h[i] : 0.0f;
        const MatmulOut p[] = {{&L.fc2, s.pred.data(), F}};
        matmul(p, s.pred_h.data(), r, T, pool, s.act);
        s.ffn_stats.weight_bytes += L.fc1.rows * L.fc1.row_bytes + L.fc2.rows * L.fc2.row_bytes;
        std::memcpy(r_->pinned_logits(), s.pred.data(), size_t(T * F) * 4);
        logits = s.pred.data();
    } else if (step.predictor_on_gpu) {
        std::memcpy(r_->pinned_x(), s.x.data(), size_t(T * E) * 4);
    }
    LOCUS_TRY(r_->ffn_hot_begin(l, int(T), step));
    const auto t1 = clock::now();
    if (step.predictor_on_gpu) {  // the CPU half needs the logits: the only wait before it can start
        LOCUS_TRY(r_->wait_logits());
        logits = r_->pinned_logits();
    }
    const auto t2 = clock::now();
    b_.cpu_ffn.forward_subset(L, l, T, pool, s, b_.cold[size_t(l)].data(), logits);
    const auto t3 = clock::now();
    auto gpu_ms = r_->ffn_hot_end();
    if (!gpu_ms) return gpu_ms.status();
    const auto t4 = clock::now();
    const float* y = r_->pinned_y();
    for (int64_t i = 0; i < T * E; ++i) s.x[i] += s.cur[i] + y[i];
    st_.steps += 1;
    st_.pred_ms += ms(t0, t1) + ms(t1, t2);
    st_.cpu_ms += ms(t2, t3);
    st_.wait_ms += ms(t3, t4);
    st_.gpu_ms += *gpu_ms;
    st_.wall_ms += ms(t0, clock::now());
    return Status::ok();
}

// Every layer on the GPU's stream, the residual staying there; per layer the CPU waits only for its input (the
// normalised FFN input and the predictor logits), computes its cold neurons and sends their sum back, while the
// GPU computes the hot ones. Layers without cold neurons need no wait at all.
Status GpuHooks::run_resident(const Batch& batch, ThreadPool& pool, ForwardScratch& s, float* logits) {
    using clock = std::chrono::steady_clock;
    auto ms = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    const ModelSpec& spec = b_.spec;
    const int64_t T = batch.size(), E = spec.n_embd;
    const auto t0 = clock::now();
    LOCUS_TRY(r_->resident_begin(batch, s.x.data()));
    const cuda::HybridStep step = hybrid_step(b_, true);  // resident: every predictor is on the GPU
    double wait_ms = 0, cpu_ms = 0;
    s.cur.resize(T * E);
    const ForwardScratch::FfnStats stats0 = s.ffn_stats;
    for (int64_t l = 0; l < spec.n_layer; ++l) {
        const bool cpu_part = b_.n_cold[size_t(l)] > 0;
        LOCUS_TRY(r_->resident_layer(l, step, cpu_part));
        if (!cpu_part) continue;
        const auto w0 = clock::now();
        LOCUS_TRY(r_->wait_logits());
        const auto w1 = clock::now();
        std::memcpy(s.cur.data(), r_->pinned_cur(), size_t(T * E) * 4);
        b_.cpu_ffn.forward_subset(b_.weights.layers[size_t(l)], l, T, pool, s, b_.cold[size_t(l)].data(),
                                  step.predictor_mode ? r_->pinned_logits() : nullptr);
        LOCUS_TRY(r_->resident_add(s.cur.data()));
        wait_ms += ms(w0, w1);
        cpu_ms += ms(w1, clock::now());
        st_.cpu_layers += 1;
    }
    st_.select_ms += s.ffn_stats.select.ms - stats0.select.ms;
    st_.rows_ms += s.ffn_stats.rows.ms - stats0.rows.ms;
    st_.down_ms += s.ffn_stats.down.ms - stats0.down.ms;
    LOCUS_TRY(r_->resident_end(batch, b_.output, s.x.data(), logits));
    st_.steps += spec.n_layer;
    st_.wait_ms += wait_ms;
    st_.cpu_ms += cpu_ms;
    st_.wall_ms += ms(t0, clock::now());
    st_.resident_passes += 1;
    return Status::ok();
}

std::string GpuHooks::report() const {
    if (st_.steps == 0) return {};
    const double n = double(st_.steps);
    if (st_.resident_passes > 0) {  // the GPU side is not timed per layer here (no event per layer)
        const double c = double(std::max<int64_t>(st_.cpu_layers, 1));
        return fmt::format("hybrid, residual on the GPU: {} passes of all layers, per layer {:.3f} ms wall, of it {:.3f} ms "
                           "waiting for the GPU's input to the CPU and {:.3f} ms CPU cold neurons (layers with cold "
                           "neurons only); per layer with a CPU part: select {:.3f} ms, rows {:.3f} ms, down {:.3f} ms",
                           st_.resident_passes, st_.wall_ms / n, st_.wait_ms / n, st_.cpu_ms / n, st_.select_ms / c,
                           st_.rows_ms / c, st_.down_ms / c);
    }
    // Overlap: the part of the GPU half that ran while the CPU computed (GPU time not spent waited for).
    const double overlap = std::max(0.0, st_.gpu_ms - st_.wait_ms);
    return fmt::format("hybrid FFN: {} layer steps, per step {:.3f} ms wall = {:.3f} ms CPU prep/predictor + {:.3f} ms "
                       "CPU cold neurons + {:.3f} ms waiting; GPU hot neurons {:.3f} ms per step, {:.0f}% of it "
                       "overlapped with the CPU",
                       st_.steps, st_.wall_ms / n, st_.pred_ms / n, st_.cpu_ms / n, st_.wait_ms / n, st_.gpu_ms / n,
                       st_.gpu_ms > 0 ? 100.0 * overlap / st_.gpu_ms : 0.0);
}

}  // namespace

Expected<std::shared_ptr<GpuBackend>> load_gpu_backend(const GpuOptions& o, const std::string& model_path,
                                                       const gguf::File& file, const ModelSpec& spec,
                                                       const ModelWeights& w, const FfnSparsity& sparsity) {
    if (!o.wanted()) return Status::error("load_gpu_backend: no GPU use asked for");
    if (o.vram_budget_gib && std::isnan(*o.vram_budget_gib)) return Status::error("--vram-budget is not a number");
    auto b = std::make_shared<GpuBackend>(spec, w, sparsity);
    const int64_t n_ctx = o.n_ctx > 0 ? o.n_ctx : spec.n_ctx_train;
    cuda::GpuPlan plan;
    if (spec.sparse_file) {
        if (!o.vram_budget_gib && o.n_gpu_layers == 0) return Status::error("hybrid offload needs --vram-budget");
        LOCUS_TRY(place_hybrid(*b, o, model_path, file, n_ctx, plan));
    } else {
        LOCUS_TRY(place_layers(*b, o, n_ctx, plan));
    }
    auto m = cuda::GpuModel::upload(spec, w, plan);
    if (!m) return Status::error("uploading weights to the GPU: " + m.error());
    b->model = std::move(*m);
    b->summary += fmt::format("\n  uploaded {} of weights", gib(b->model->bytes()));
    if (o.verbose) std::fprintf(stderr, "GPU placement:\n  %s\n", b->summary.c_str());
    return b;
}

std::string gpu_placement_summary(const GpuBackend& b) { return b.summary; }
int64_t gpu_attention_layers(const GpuBackend& b) { return std::count(b.attn_gpu.begin(), b.attn_gpu.end(), 1); }
bool gpu_output_head(const GpuBackend& b) { return b.output; }
uint64_t gpu_weight_bytes(const GpuBackend& b) { return b.model ? b.model->bytes() : 0; }
double gpu_ffn_fraction(const GpuBackend& b) {
    const int64_t n = b.spec.n_layer;
    if (n <= 0) return 0.0;
    if (!b.hybrid) return double(n - std::min(b.first_layer, n)) / double(n);
    double cold = 0;
    for (int64_t c : b.n_cold) cold += double(c);
    return 1.0 - cold / (double(n) * double(b.spec.n_ff));
}

double gpu_ffn_bytes_per_token(const GpuBackend& b) { return b.hybrid ? b.gpu_ffn_bytes : 0.0; }

Expected<std::unique_ptr<ForwardHooks>> make_gpu_hooks(GpuBackend& b, int64_t n_ctx, int n_seq, int64_t max_tokens) {
    auto r = cuda::GpuRunner::create(*b.model, b.spec, n_ctx, n_seq, max_tokens);
    if (!r) return r.status();
    return std::unique_ptr<ForwardHooks>(new GpuHooks(b, std::move(*r)));
}

std::string gpu_timing_report(const ForwardHooks& h) {
    const auto* g = dynamic_cast<const GpuHooks*>(&h);
    return g ? g->report() : std::string();
}

void gpu_timing_reset(ForwardHooks& h) {
    if (auto* g = dynamic_cast<GpuHooks*>(&h)) g->reset_report();
}

}  // namespace locus
#endif
