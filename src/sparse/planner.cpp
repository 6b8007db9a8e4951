// HotMethod::optimal. The problem: choose k_l per layer to maximise J = sum_l V_l(k_l) + O [k_l = n_l] subject
// to sum_l c_l k_l <= B, where c_l is layer l's bytes per neuron, V_l(k) = c_l x the sum of its k largest
// frequencies (the CPU bytes per token its k hottest neurons take off the CPU) and O (cpu_layer_cost) is what a
// layer with no cold neuron saves besides its bytes: it needs no CPU part, so no wait for the GPU's input, no
// thread-pool dispatch and no hand-back of a partial sum. The hybrid step is bound by the CPU's side (the GPU
// reads its share some 30x faster), so J is the CPU time the GPU saves, counted in bytes. k_l is a multiple of the
// group size g, or n_l: each layer is a chain of items ("groups": the next g neurons in descending frequency)
// taken as a prefix, with a bonus O for taking the whole chain.
//
// Solved exactly by dynamic programming over the layers on the budget in units (the gcd of all group and layer
// byte counts; for one weight type that is one group): best_l(u) = max over the layer's choices of
// best_{l-1}(u - cost) + value. Because frequencies are sorted, V_l is concave in the number of groups, so the
// prefix choices form a max-plus convolution with a concave function, which a monotone divide and conquer does in
// O(U log U) per layer (concave_convolution); the whole layer is one more candidate per u. 70B shape (80 layers of
// 28672 neurons, groups of 32): about 34k units and well under a second.
//
// O = 0 (the default) is the global-frequency order taken in groups, a thin cold tail left in every layer. O > 0
// gathers the cold neurons into fewer layers; on the H100 machine that decoded slower (13B, 6 GiB: 140.5 tok/s
// at 4 MiB, 153.1 at 0; docs/design.md says why), so it is an option for hosts whose hand-over costs more.
// Weighting by bytes matters on layers of mixed types: HotMethod::served_firings (upstream's objective, firings
// per byte) prefers cheap neurons there and leaves more bytes to the CPU (measured: 70B shape, 24 GiB, H100,
// 2026-12-06: 26.6 tok/s against 29.0 with bytes).
// Ties go to the lower layers (a later layer takes the fewest groups that reach the best value; the whole layer
// only when strictly better) and within a layer to the lower neuron index: the result depends on nothing but the
// input.
#include "sparse/planner.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>

#include <fmt/format.h>

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

// h[u] = max over j in [0, jmax], j s <= u of f[u - j s] + v[j], for v concave (v[0] = 0) and any f;
// arg[u] = the j taken. Per residue class of u mod s the source index i = u/s - j that wins never moves left as
// u grows (f[i] + v(t - i) is a totally monotone matrix when v is concave), so divide and conquer finds every
// row's best in O(T log T) instead of O(T jmax). Ties go to the largest source index (the smallest j).
void concave_convolution(const std::vector<double>& f, const std::vector<double>& v, int64_t s, std::vector<double>& h,
                         std::vector<int32_t>& arg) {
    const int64_t U = int64_t(f.size()), jmax = int64_t(v.size()) - 1;
    h.assign(size_t(U), 0.0);
    arg.assign(size_t(U), 0);
    for (int64_t r = 0; r < s && r < U; ++r) {
        const int64_t T = (U - 1 - r) / s + 1;  // rows t: u = r + t s
        auto F = [&](int64_t i) { return f[size_t(r + i * s)]; };
        // rows [t0, t1), best source index within [i0, i1]
        auto solve = [&](auto&& self, int64_t t0, int64_t t1, int64_t i0, int64_t i1) -> void {
            if (t0 >= t1) return;
            const int64_t t = t0 + (t1 - t0) / 2;
            const int64_t lo = std::max(i0, t - jmax), hi = std::min(i1, t);
            int64_t best_i = lo;
            double best = -1.0;
            for (int64_t i = lo; i <= hi; ++i) {
                const double x = F(i) + v[size_t(t - i)];
                if (i == lo || x >= best) best = x, best_i = i;
            }
            h[size_t(r + t * s)] = best;
            arg[size_t(r + t * s)] = int32_t(t - best_i);
            self(self, t0, t, i0, best_i);
            self(self, t + 1, t1, best_i, i1);
        };
        solve(solve, 0, T, 0, T - 1);
    }
}

// HotMethod::optimal: dynamic programming over the layers on the budget in units (the gcd of every group's and
// every whole layer's bytes), best[u] = the best J using at most u units; per layer the concave prefix part by
// concave_convolution, the whole layer as one more candidate. Exact at group granularity. When units would be
// too many to store one choice per layer and unit, costs are rounded up to a coarser unit (still a plan that
// fits; exact for the rounded costs).
std::vector<int64_t> optimal_k(const ModelFootprint& fp, const NeuronFrequencies& f,
                               const std::vector<std::vector<int32_t>>& order, uint64_t budget, int64_t group,
                               uint64_t layer_cost) {
    const size_t L = fp.layers.size();
    std::vector<int64_t> k(L, 0);
    uint64_t total = 0, unit = 0;
    for (const LayerFootprint& l : fp.layers) {
        if (l.n_ff == 0) continue;
        total += uint64_t(l.n_ff) * l.neuron_bytes;
        const uint64_t g = uint64_t(std::min(group, l.n_ff)) * l.neuron_bytes;
        unit = std::gcd(unit, std::gcd(g, uint64_t(l.n_ff) * l.neuron_bytes));
    }
    if (unit == 0) return k;
    budget = std::min(budget, total);
    constexpr uint64_t kMaxChoices = uint64_t(24) << 20;  // int32 choices: 96 MiB at most
    const uint64_t want = budget / unit + 1;
    if (want * L > kMaxChoices) unit *= (want * L + kMaxChoices - 1) / kMaxChoices;
    auto units = [&](uint64_t bytes) { return int64_t((bytes + unit - 1) / unit); };
    const int64_t U = int64_t(budget / unit) + 1;
    std::vector<double> best(size_t(U), 0.0), next, h;
    std::vector<std::vector<int32_t>> choice(L);  // per layer and u: groups taken, or -1 for the whole layer
    std::vector<int32_t> arg;
    std::vector<double> v;
    for (size_t l = 0; l < L; ++l) {
        const LayerFootprint& lf = fp.layers[l];
        const int64_t n = lf.n_ff, g = std::min(group, std::max<int64_t>(n, 1));
        // v[j]: the value of the layer's first j groups, for every prefix short of the whole layer (which is its
        // own candidate below: it may end in a shorter group)
        v.assign(1, 0.0);
        double acc = 0;
        for (int64_t j = 0; j < n; ++j) {
            acc += f.p[l][size_t(order[l][size_t(j)])] * double(lf.neuron_bytes);
            if ((j + 1) % g == 0 && j + 1 < n) v.push_back(acc);
        }
        const double whole = acc + double(layer_cost);
        concave_convolution(best, v, units(uint64_t(g) * lf.neuron_bytes), h, arg);
        const int64_t w = units(uint64_t(n) * lf.neuron_bytes);
        next = h;
        choice[l] = arg;
        for (int64_t u = w; u < U && n > 0; ++u) {
            const double x = best[size_t(u - w)] + whole;
            if (x > next[size_t(u)]) next[size_t(u)] = x, choice[l][size_t(u)] = -1;
        }
        best.swap(next);
    }
    int64_t u = U - 1;
    for (size_t l = L; l-- > 0;) {
        const LayerFootprint& lf = fp.layers[l];
        const int32_t c = choice[l][size_t(u)];
        const int64_t g = std::min(group, std::max<int64_t>(lf.n_ff, 1));
        k[l] = c < 0 ? lf.n_ff : int64_t(c) * g;
        u -= c < 0 ? units(uint64_t(lf.n_ff) * lf.neuron_bytes) : int64_t(c) * units(uint64_t(g) * lf.neuron_bytes);
    }
    return k;
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
        case HotMethod::optimal: return "planner (least CPU cold-row bytes; exact over groups)";
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
        case HotMethod::optimal: k = optimal_k(fp, f, order, p.ffn_budget_bytes, o.group, o.cpu_layer_cost); break;
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
    if (o.method == HotMethod::optimal && o.cpu_layer_cost > 0)
        p.method += fmt::format(", {:.3g} MiB per CPU layer", double(o.cpu_layer_cost) / double(1 << 20));
    return Status::ok();
}

Expected<Placement> plan_placement(const ModelFootprint& fp, const NeuronFrequencies& f, uint64_t budget,
                                   const PlannerOptions& o) {
    Placement p = place_fixed(fp, budget);
    LOCUS_TRY(place_hot_neurons(p, fp, f, o));
    return p;
}

double hot_objective(const Placement& p, const ModelFootprint& fp, const NeuronFrequencies& f, uint64_t cpu_layer_cost) {
    double j = 0;
    for (size_t l = 0; l < fp.layers.size(); ++l) {
        const LayerPlacement& lp = p.layers[l];
        for (int32_t i : lp.hot) j += f.p[l][size_t(i)] * double(fp.layers[l].neuron_bytes);
        if (int64_t(lp.hot.size()) == fp.layers[l].n_ff && fp.layers[l].n_ff > 0) j += double(cpu_layer_cost);
    }
    return j;
}

double served_upper_bound(const ModelFootprint& fp, const NeuronFrequencies& f, uint64_t ffn_budget) {
    std::vector<std::vector<int32_t>> order(fp.layers.size());
    for (size_t l = 0; l < fp.layers.size(); ++l) order[l] = by_frequency(f.p[l]);
    return greedy(fp, f, order, ffn_budget, 1, true).value;
}

}  // namespace locus
