// HotMethod::optimal. The problem: choose k_l per layer to maximise sum_l V_l(k_l) subject to
// sum_l c_l k_l <= B, where c_l is layer l's bytes per neuron and V_l(k) = c_l x the sum of its k largest
// frequencies: the CPU bytes per token that its k hottest neurons take off the CPU. The hybrid step is bound by
// the CPU's reads of cold rows (the GPU reads its share some 30x faster), so this is the time the GPU saves. With
// equal bytes per neuron everywhere it ranks neurons as firings served (upstream's objective, HotMethod::
// served_firings) does; on layers of mixed types firings served prefers cheap neurons and leaves more bytes to the
// CPU (measured: 70B shape, 24 GiB, H100, 2026-12-06: 26.6 tok/s against 29.0 with this objective).
// k_l is a multiple of the group size g (or n_ff), so each layer is a chain of items ("groups": the next g
// neurons in descending frequency) that must be taken as a prefix: a multiple-choice knapsack.
//
// Because frequencies are sorted, a layer's group densities (value / bytes) never increase along its chain (the
// last group may be shorter, but it holds the smallest frequencies). So merging all chains by density (a heap
// over the layers' next groups) yields the items in the order the fractional knapsack takes them, and its
// prefix constraint holds automatically. Taking items in that order while they fit is therefore:
//  - exact when every group costs the same (same bytes per neuron in every layer and g dividing n_ff, the usual
//    case): it is then a cardinality knapsack, solved by the most valuable groups;
//  - otherwise within one group of the optimum: OPT <= LP = (greedy prefix up to the first item that does not
//    fit) + a fraction of that item, and the greedy keeps going after that item with the other layers' chains,
//    so OPT - greedy < the value of one group (g neurons; served_upper_bound reports the LP bound of the
//    firings-served objective).
// Ties in density go to the lower layer; within a layer equal frequencies go to the lower neuron index: the
// result depends on nothing but the input.
#include "sparse/planner.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>

namespace locus {
namespace {

// Neuron indices of one layer by descending frequency, ties by ascending index.
std::vector<int32_t> by_frequency(const std::vector<double>& f) {
    std::vector<int32_t> order(f.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return f[a] > f[b] || (f[a] == f[b] && a < b); });
    return order;
}

Status check_inputs(const ModelFootprint& fp, const NeuronFrequencies& f) {
    if (f.p.size() != fp.layers.size())
        return Status::error("activation frequencies (" + f.source + ") have " + std::to_string(f.p.size()) +
                             " layers, the model has " + std::to_string(fp.layers.size()));
    for (size_t l = 0; l < fp.layers.size(); ++l) {
        const std::string where = "layer " + std::to_string(l);
        if (int64_t(f.p[l].size()) != fp.layers[l].n_ff)
            return Status::error("activation frequencies (" + f.source + "): " + where + " has " +
                                 std::to_string(f.p[l].size()) + " neurons, the model has " +
                                 std::to_string(fp.layers[l].n_ff));
        if (fp.layers[l].neuron_bytes == 0) return Status::error("planner: " + where + " has 0 bytes per FFN neuron");
        if (fp.layers[l].n_ff > INT32_MAX) return Status::error("planner: " + where + " has too many neurons");
        for (size_t i = 0; i < f.p[l].size(); ++i)
            if (!std::isfinite(f.p[l][i]) || f.p[l][i] < 0)
                return Status::error("activation frequencies (" + f.source + "): " + where + " neuron " +
                                     std::to_string(i) + " is " + std::to_string(f.p[l][i]));
    }
    return Status::ok();
}

struct Item {
    double value = 0;
    uint64_t cost = 0;
    int64_t layer = 0;
    int64_t start = 0, size = 0;  // neurons [start, start + size) of the layer's sorted order
};

// Strictly denser, or as dense and from a lower layer.
bool before(const Item& a, const Item& b) {
    const double x = a.value * double(b.cost), y = b.value * double(a.cost);
    return x > y || (x == y && a.layer < b.layer);
}

struct GreedyResult {
    std::vector<int64_t> k;  // neurons taken per layer (a prefix of the sorted order)
    double value = 0;        // including the fraction of the first item that did not fit, when fractional
};

// Merges the layers' chains of groups by density and takes them while they fit (see the comment on top).
// fractional: stop at the first item that does not fit and count the fitting fraction of it (the LP bound).
// by_bytes: a neuron's value is its frequency times its bytes (the CPU reads it saves) instead of its frequency.
GreedyResult greedy(const ModelFootprint& fp, const NeuronFrequencies& f, const std::vector<std::vector<int32_t>>& order,
                    uint64_t budget, int64_t group, bool fractional, bool by_bytes = false) {
    const size_t n_layer = fp.layers.size();
    GreedyResult r;
    r.k.assign(n_layer, 0);
    auto item = [&](size_t l, int64_t start) {
        Item it;
        it.layer = int64_t(l);
        it.start = start;
        it.size = std::min(group, fp.layers[l].n_ff - start);
        for (int64_t j = start; j < start + it.size; ++j) it.value += f.p[l][size_t(order[l][size_t(j)])];
        it.cost = uint64_t(it.size) * fp.layers[l].neuron_bytes;
        if (by_bytes) it.value *= double(fp.layers[l].neuron_bytes);
        return it;
    };
    auto worse = [](const Item& a, const Item& b) { return before(b, a); };
    std::priority_queue<Item, std::vector<Item>, decltype(worse)> heap(worse);
    for (size_t l = 0; l < n_layer; ++l)
        if (fp.layers[l].n_ff > 0) heap.push(item(l, 0));
    uint64_t left = budget;
    while (!heap.empty()) {
        const Item it = heap.top();
        heap.pop();
        if (it.cost > left) {
            if (fractional) {
                r.value += it.value * double(left) / double(it.cost);
                break;
            }
            continue;  // this layer's chain ends here (prefix constraint); others go on
        }
        left -= it.cost;
        r.value += it.value;
        r.k[size_t(it.layer)] += it.size;
        const int64_t next = it.start + it.size;
        if (next < fp.layers[size_t(it.layer)].n_ff) heap.push(item(size_t(it.layer), next));
    }
    return r;
}

// The largest k (a multiple of group, or the widest layer) such that min(k, n_ff) neurons in every layer fit.
std::vector<int64_t> uniform_k(const ModelFootprint& fp, uint64_t budget, int64_t group) {
    int64_t widest = 0;
    for (const LayerFootprint& l : fp.layers) widest = std::max(widest, l.n_ff);
    auto k_of = [&](int64_t t) { return std::min(t * group, widest); };
    auto cost = [&](int64_t k) {
        uint64_t c = 0;
        for (const LayerFootprint& l : fp.layers) c += uint64_t(std::min(k, l.n_ff)) * l.neuron_bytes;
        return c;
    };
    int64_t lo = 0, hi = (widest + group - 1) / group;  // t = lo fits; find the largest t that does
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo + 1) / 2;
        if (cost(k_of(mid)) <= budget) lo = mid;
        else hi = mid - 1;
    }
    std::vector<int64_t> k;
    for (const LayerFootprint& l : fp.layers) k.push_back(std::min(k_of(lo), l.n_ff));
    return k;
}

// Neurons in descending frequency over all layers (ties: lower layer, then lower index), taken until the first
// one that does not fit.
std::vector<int64_t> global_frequency_k(const ModelFootprint& fp, const NeuronFrequencies& f,
                                        const std::vector<std::vector<int32_t>>& order, uint64_t budget) {
    struct Head { double p; size_t layer; };
    auto worse = [](const Head& a, const Head& b) { return a.p < b.p || (a.p == b.p && a.layer > b.layer); };
    std::priority_queue<Head, std::vector<Head>, decltype(worse)> heap(worse);
    std::vector<int64_t> k(fp.layers.size(), 0);
    for (size_t l = 0; l < fp.layers.size(); ++l)
        if (fp.layers[l].n_ff > 0) heap.push({f.p[l][size_t(order[l][0])], l});
    uint64_t left = budget;
    while (!heap.empty()) {
        const Head h = heap.top();
        heap.pop();
        const uint64_t c = fp.layers[h.layer].neuron_bytes;
        if (c > left) break;
        left -= c;
        const int64_t next = ++k[h.layer];
        if (next < fp.layers[h.layer].n_ff) heap.push({f.p[h.layer][size_t(order[h.layer][size_t(next)])], h.layer});
    }
    return k;
}

}  // namespace

const char* hot_method_name(HotMethod m) {
    switch (m) {
        case HotMethod::optimal: return "planner (CPU bytes saved per VRAM byte, over groups)";
        case HotMethod::uniform: return "same count in every layer";
        case HotMethod::global_frequency: return "globally most frequent neurons";
        case HotMethod::served_firings: return "firings served per VRAM byte, over groups";
    }
    return "?";
}

Placement place_fixed(const ModelFootprint& fp, uint64_t budget) {
    Placement p;
    p.budget_bytes = budget;
    p.layers.resize(fp.layers.size());
    uint64_t left = budget;
    // Places, layer 0 up, the part `bytes` of the layers `eligible` says, stopping at the first that does not fit.
    auto prefix = [&](auto bytes, auto eligible, auto flag) {
        for (size_t l = 0; l < fp.layers.size(); ++l) {
            if (!eligible(l)) continue;
            const uint64_t b = bytes(fp.layers[l]);
            if (b > left) return;
            left -= b;
            p.layers[l].*flag = true;
        }
    };
    auto any = [](size_t) { return true; };
    // A layer's attention weights with its K and V cache, as one unit: attention runs beside its cache, so
    // weights without their cache would be VRAM spent for nothing (upstream places the caches last).
    for (size_t l = 0; l < fp.layers.size(); ++l) {
        const LayerFootprint& f = fp.layers[l];
        const uint64_t b = f.attn_bytes + f.v_cache_bytes + f.k_cache_bytes;
        if (b > left) break;
        left -= b;
        p.layers[l].attn_gpu = p.layers[l].v_cache_gpu = p.layers[l].k_cache_gpu = true;
    }
    prefix([](const LayerFootprint& l) { return l.predictor_bytes; },
           [&](size_t l) { return fp.layers[l].predictor_bytes > 0; }, &LayerPlacement::predictor_gpu);
    prefix([](const LayerFootprint& l) { return l.ffn_norm_bytes; }, any, &LayerPlacement::ffn_norm_gpu);
    if (fp.output_bytes <= left) {
        left -= fp.output_bytes;
        p.output_gpu = true;
    }
    p.fixed_bytes = budget - left;
    p.ffn_budget_bytes = left;
    for (size_t l = 0; l < fp.layers.size(); ++l) p.layers[l].set_hot({}, fp.layers[l].n_ff);
    return p;
}

Status place_hot_neurons(Placement& p, const ModelFootprint& fp, const NeuronFrequencies& f, const PlannerOptions& o) {
    LOCUS_TRY(check_inputs(fp, f));
    if (p.layers.size() != fp.layers.size())
        return Status::error("planner: placement has " + std::to_string(p.layers.size()) + " layers, the model " +
                             std::to_string(fp.layers.size()));
    if (o.group < 1) return Status::error("planner: group size must be at least 1, got " + std::to_string(o.group));
    std::vector<std::vector<int32_t>> order(fp.layers.size());
    for (size_t l = 0; l < fp.layers.size(); ++l) order[l] = by_frequency(f.p[l]);
    std::vector<int64_t> k;
    switch (o.method) {
        case HotMethod::optimal: k = greedy(fp, f, order, p.ffn_budget_bytes, o.group, false, true).k; break;
        case HotMethod::uniform: k = uniform_k(fp, p.ffn_budget_bytes, o.group); break;
        case HotMethod::global_frequency: k = global_frequency_k(fp, f, order, p.ffn_budget_bytes); break;
        case HotMethod::served_firings: k = greedy(fp, f, order, p.ffn_budget_bytes, o.group, false).k; break;
    }
    p.ffn_bytes = 0;
    for (size_t l = 0; l < fp.layers.size(); ++l) {
        p.layers[l].set_hot(std::vector<int32_t>(order[l].begin(), order[l].begin() + k[l]), fp.layers[l].n_ff);
        p.ffn_bytes += uint64_t(k[l]) * fp.layers[l].neuron_bytes;
    }
    p.method = hot_method_name(o.method);
    if (o.method != HotMethod::global_frequency) p.method += ", groups of " + std::to_string(o.group);
    return Status::ok();
}

Expected<Placement> plan_placement(const ModelFootprint& fp, const NeuronFrequencies& f, uint64_t budget,
                                   const PlannerOptions& o) {
    Placement p = place_fixed(fp, budget);
    LOCUS_TRY(place_hot_neurons(p, fp, f, o));
    return p;
}

double served_upper_bound(const ModelFootprint& fp, const NeuronFrequencies& f, uint64_t ffn_budget) {
    std::vector<std::vector<int32_t>> order(fp.layers.size());
    for (size_t l = 0; l < fp.layers.size(); ++l) order[l] = by_frequency(f.p[l]);
    return greedy(fp, f, order, ffn_budget, 1, true).value;
}

}  // namespace locus
