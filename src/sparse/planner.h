// The placement planner: given a VRAM budget, a model's footprint and its neurons' firing frequencies, decides
// what lives on the GPU.
//
// Fixed parts first, each from layer 0 up and stopping at the first layer that does not fit: attention weights
// together with their K and V cache (attention runs beside its cache) -> predictors -> ffn_norm -> output head.
// Upstream PowerInfer spends in the same order but places the caches last, which can leave attention weights
// that cannot run on the GPU. What is left goes to FFN
// neurons: per layer the k_l most frequent ones, k_l chosen to minimise the cold-row bytes the CPU reads per
// token, plus optionally a fixed cost for each layer left with any cold neuron (the method is described at
// HotMethod::optimal in planner.cpp).
#pragma once
#include <cstdint>

#include "core/status.h"
#include "sparse/footprint.h"
#include "sparse/hot_method.h"
#include "sparse/neuron_frequencies.h"
#include "sparse/placement.h"

namespace locus {


// The default PlannerOptions::cpu_layer_cost: none. Measured on the H100 machine (bench/RESULTS.md, 2026-12-06
// session 7, medians of three): 13B at 6 GiB 154.9 tok/s with 0, 149.9 with 1 MiB; 7B at 3.5 GiB 230.0 with 0,
// 242.6 with 1 MiB, 229.7 with 4 MiB. A thin CPU part runs beside the GPU's hot rows of the same layer, so its
// fixed costs are mostly hidden, while gathering the cold neurons into fewer layers makes those layers' CPU
// parts longer than their GPU parts: a win only where the cold tails are thinnest.
inline constexpr uint64_t kDefaultCpuLayerCost = 0;

struct PlannerOptions {
    // Hot counts are multiples of this (or a whole layer): GPU kernels work on whole tiles of neurons. Upstream
    // uses 256. The global-frequency baseline ignores it (it picks single neurons).
    int64_t group = 32;
    HotMethod method = HotMethod::optimal;
    // HotMethod::optimal: what a layer with no cold neuron saves besides its bytes (no CPU part: no wait for the
    // GPU, no thread-pool dispatch, no hand-back), as the cold-row bytes the CPU reads in that time. 0: bytes
    // only (the default: see kDefaultCpuLayerCost).
    uint64_t cpu_layer_cost = kDefaultCpuLayerCost;
};

// The fixed parts under `budget` bytes; no hot neurons yet (ffn_budget_bytes says what is left for them).
Placement place_fixed(const ModelFootprint& fp, uint64_t budget);

// Chooses the hot neurons of a placement whose fixed parts are decided, within p.ffn_budget_bytes. Frequencies
// must match the footprint (layers and neurons) and be finite and >= 0: errors name the mismatch.
Status place_hot_neurons(Placement& p, const ModelFootprint& fp, const NeuronFrequencies& f, const PlannerOptions& o);

// place_fixed + place_hot_neurons.
Expected<Placement> plan_placement(const ModelFootprint& fp, const NeuronFrequencies& f, uint64_t budget,
                                   const PlannerOptions& o = {});

// The planner's objective (HotMethod::optimal) for p's hot neurons: expected CPU FFN bytes per token they take
// off the CPU (frequency x neuron bytes) plus cpu_layer_cost for every layer left with no cold neuron.
double hot_objective(const Placement& p, const ModelFootprint& fp, const NeuronFrequencies& f, uint64_t cpu_layer_cost);

// An upper bound on the served firings per token of ANY choice of hot neurons within `ffn_budget` bytes: the
// fractional (LP) relaxation at single-neuron granularity. Frequencies must be valid (as place_hot_neurons).
double served_upper_bound(const ModelFootprint& fp, const NeuronFrequencies& f, uint64_t ffn_budget);

}  // namespace locus
