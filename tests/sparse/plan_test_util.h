// Footprints and frequency profiles for the planner tests.
#pragma once
#include <cmath>
#include <random>
#include <vector>

#include "sparse/footprint.h"
#include "sparse/neuron_frequencies.h"

namespace locus::test {

// n_layer layers of n_ff neurons costing neuron_bytes[l] each (the last entry repeats); the fixed parts cost
// `fixed` bytes each (attention, predictor, ffn_norm, K, V per layer, and the output head).
inline ModelFootprint make_footprint(int64_t n_layer, int64_t n_ff, std::vector<uint64_t> neuron_bytes,
                                     uint64_t fixed = 0) {
    ModelFootprint fp;
    fp.n_ctx = 16;
    fp.output_bytes = fixed;
    for (int64_t l = 0; l < n_layer; ++l) {
        LayerFootprint lf;
        lf.attn_bytes = lf.predictor_bytes = lf.ffn_norm_bytes = lf.k_cache_bytes = lf.v_cache_bytes = fixed;
        lf.n_ff = n_ff;
        lf.neuron_bytes = neuron_bytes[std::min(size_t(l), neuron_bytes.size() - 1)];
        fp.layers.push_back(lf);
    }
    return fp;
}

// Each layer its own power law p_i = min(1, s (rank+1)^-a[l]), ranks shuffled within the layer.
inline NeuronFrequencies power_law_frequencies(int64_t n_layer, int64_t n_ff, const std::vector<double>& exponent,
                                               double scale, uint32_t seed) {
    std::mt19937 rng(seed);
    NeuronFrequencies f;
    f.source = "test power law";
    for (int64_t l = 0; l < n_layer; ++l) {
        const double a = exponent[size_t(l) % exponent.size()];
        std::vector<double> p(static_cast<size_t>(n_ff));
        for (int64_t i = 0; i < n_ff; ++i) p[size_t(i)] = std::min(1.0, scale * std::pow(double(i + 1), -a));
        std::shuffle(p.begin(), p.end(), rng);
        f.p.push_back(std::move(p));
    }
    return f;
}

inline NeuronFrequencies random_frequencies(int64_t n_layer, int64_t n_ff, std::mt19937& rng) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    NeuronFrequencies f;
    f.source = "test random";
    for (int64_t l = 0; l < n_layer; ++l) {
        std::vector<double> p(static_cast<size_t>(n_ff));
        for (double& x : p) x = std::pow(u(rng), 3.0);  // skewed: many small values, a few large
        f.p.push_back(std::move(p));
    }
    return f;
}

}  // namespace locus::test
