#include "sparse/placement.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>

namespace locus {
namespace {

std::string gib(uint64_t b) {
    if (b >= (1ull << 30)) return fmt::format("{:.2f} GiB", double(b) / double(1ull << 30));
    if (b >= (1ull << 20)) return fmt::format("{:.2f} MiB", double(b) / double(1ull << 20));
    return fmt::format("{:.1f} KiB", double(b) / 1024.0);
}

// "all 80 layers", "no layer", "layers 0-9 of 80", "layers 0, 3, 5 of 80" for the layers where pred holds.
template <class Pred>
std::string layer_set(const std::vector<LayerPlacement>& layers, Pred pred) {
    std::vector<size_t> on;
    for (size_t i = 0; i < layers.size(); ++i)
        if (pred(layers[i])) on.push_back(i);
    const size_t n = layers.size();
    if (on.size() == n) return fmt::format("all {} layers", n);
    if (on.empty()) return "no layer";
    std::string ranges;
    for (size_t a = 0; a < on.size();) {
        size_t b = a;
        while (b + 1 < on.size() && on[b + 1] == on[b] + 1) ++b;
        if (!ranges.empty()) ranges += ", ";
        ranges += on[a] == on[b] ? fmt::format("{}", on[a]) : fmt::format("{}-{}", on[a], on[b]);
        a = b + 1;
    }
    return fmt::format("layer{} {} of {}", on.size() == 1 ? "" : "s", ranges, n);
}

}  // namespace

void LayerPlacement::set_hot(std::vector<int32_t> neurons, int64_t n_ff) {
    std::sort(neurons.begin(), neurons.end());
    hot = std::move(neurons);
    hot_mask.assign(size_t(n_ff), 0);
    for (int32_t i : hot) hot_mask[size_t(i)] = 1;
}

int64_t Placement::hot_count() const {
    int64_t n = 0;
    for (const LayerPlacement& l : layers) n += int64_t(l.hot.size());
    return n;
}

std::string describe_placement(const Placement& p, const ModelFootprint& fp) {
    uint64_t attn = 0, pred = 0, norm = 0, kv = 0, pred_total = 0;
    for (size_t i = 0; i < p.layers.size(); ++i) {
        const LayerPlacement& l = p.layers[i];
        const LayerFootprint& f = fp.layers[i];
        attn += l.attn_gpu ? f.attn_bytes : 0;
        pred += l.predictor_gpu ? f.predictor_bytes : 0;
        pred_total += f.predictor_bytes;
        norm += l.ffn_norm_gpu ? f.ffn_norm_bytes : 0;
        kv += (l.v_cache_gpu ? f.v_cache_bytes : 0) + (l.k_cache_gpu ? f.k_cache_bytes : 0);
    }
    std::string s = fmt::format("VRAM budget {} ({} bytes); used {}\n", gib(p.budget_bytes), p.budget_bytes,
                                gib(p.bytes_used()));
    const bool all_attn = std::all_of(p.layers.begin(), p.layers.end(), [](auto& l) { return l.attn_gpu; });
    s += fmt::format("  attention weights on GPU: {} ({}){}\n", layer_set(p.layers, [](auto& l) { return l.attn_gpu; }),
                     gib(attn), all_attn ? "" : "; the rest on the CPU (budget too small for all attention weights)");
    if (pred_total > 0)
        s += fmt::format("  predictors on GPU: {} ({})\n", layer_set(p.layers, [](auto& l) { return l.predictor_gpu; }),
                         gib(pred));
    s += fmt::format("  ffn_norm on GPU: {} ({} bytes)\n", layer_set(p.layers, [](auto& l) { return l.ffn_norm_gpu; }),
                     norm);
    s += fmt::format("  output head: {} ({})\n", p.output_gpu ? "GPU" : "CPU", gib(fp.output_bytes));
    s += fmt::format("  KV cache ({} positions) on GPU: V {}, K {} ({})\n", fp.n_ctx,
                     layer_set(p.layers, [](auto& l) { return l.v_cache_gpu; }),
                     layer_set(p.layers, [](auto& l) { return l.k_cache_gpu; }), gib(kv));
    s += fmt::format("  token embeddings: CPU ({})\n", gib(fp.embd_bytes));
    int64_t n_total = 0, kmin = INT64_MAX, kmax = 0, whole = 0;
    for (size_t i = 0; i < p.layers.size(); ++i) {
        const int64_t k = int64_t(p.layers[i].hot.size());
        n_total += fp.layers[i].n_ff;
        whole += k == fp.layers[i].n_ff;
        kmin = std::min(kmin, k);
        kmax = std::max(kmax, k);
    }
    if (p.layers.empty()) kmin = 0;
    s += fmt::format("  left for FFN neurons: {}; hot neurons on GPU: {} of {} ({:.1f}%, {} of {}), per layer {}..{}, "
                     "{} of {} layers whole on the GPU [{}]",
                     gib(p.ffn_budget_bytes), p.hot_count(), n_total,
                     n_total ? 100.0 * double(p.hot_count()) / double(n_total) : 0.0, gib(p.ffn_bytes),
                     gib(fp.ffn_bytes()), kmin, kmax, whole, p.layers.size(), p.method);
    return s;
}

PlanStats evaluate_placement(const Placement& p, const ModelFootprint& fp, const NeuronFrequencies& f) {
    if (p.layers.size() != fp.layers.size() || f.p.size() != fp.layers.size()) {
        std::fprintf(stderr, "locus: evaluate_placement: placement, footprint and frequencies disagree on layers\n");
        std::abort();
    }
    PlanStats s;
    auto dense = [&](bool on_gpu, uint64_t bytes) { (on_gpu ? s.gpu_dense_bytes : s.cpu_dense_bytes) += double(bytes); };
    dense(p.output_gpu, fp.output_bytes);
    for (size_t l = 0; l < p.layers.size(); ++l) {
        const LayerPlacement& lp = p.layers[l];
        const LayerFootprint& lf = fp.layers[l];
        dense(lp.attn_gpu, lf.attn_bytes);
        dense(lp.predictor_gpu, lf.predictor_bytes);
        dense(lp.ffn_norm_gpu, lf.ffn_norm_bytes);
        const std::vector<double>& fr = f.p[l];
        double hot = 0, all = 0;
        for (size_t i = 0; i < fr.size(); ++i) {
            all += fr[i];
            if (lp.hot_mask[i]) hot += fr[i];
        }
        s.served += hot;
        s.total += all;
        s.cpu_layers += int64_t(lp.hot.size()) < lf.n_ff;
        s.gpu_ffn_bytes += hot * double(lf.neuron_bytes);
        s.cpu_ffn_bytes += (all - hot) * double(lf.neuron_bytes);
    }
    return s;
}

}  // namespace locus
