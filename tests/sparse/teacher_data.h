// Training data a predictor can learn: labels from a random low-rank ReLU "teacher" predictor (with a constant
// input dimension acting as bias), each neuron firing on its top 10% of samples. Shared by the trainer tests.
#pragma once
#include <algorithm>
#include <cmath>
#include <random>

#include "sparse/predictor_samples.h"

namespace locus::test {

inline PredictorTrainData teacher_data(int64_t n, int64_t E, int64_t F, int64_t rank, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    PredictorTrainData d;
    d.n = n;
    d.n_embd = E;
    d.n_ff = F;
    d.x.resize(size_t(n * E));
    for (int64_t s = 0; s < n; ++s) {
        for (int64_t e = 0; e < E; ++e) d.x[size_t(s * E + e)] = g(rng);
        d.x[size_t(s * E)] = 1.0f;  // constant dimension: lets a bias-free predictor learn offsets
    }
    std::vector<float> w1(static_cast<size_t>(rank * E)), w2(static_cast<size_t>(F * rank));
    for (float& v : w1) v = g(rng) / std::sqrt(float(E));
    for (float& v : w2) v = g(rng) / std::sqrt(float(rank));
    std::vector<float> z(static_cast<size_t>(n * F)), h(static_cast<size_t>(rank));
    for (int64_t s = 0; s < n; ++s) {
        for (int64_t j = 0; j < rank; ++j) {
            float a = 0;
            for (int64_t e = 1; e < E; ++e) a += w1[size_t(j * E + e)] * d.x[size_t(s * E + e)];
            h[size_t(j)] = std::max(a, 0.0f);
        }
        for (int64_t i = 0; i < F; ++i) {
            float a = 0;
            for (int64_t j = 0; j < rank; ++j) a += w2[size_t(i * rank + j)] * h[size_t(j)];
            z[size_t(s * F + i)] = a;
        }
    }
    // Each neuron fires for its top 10% of samples (a per-neuron offset the constant dimension can carry).
    d.active.assign(size_t(n * d.words()), 0);
    std::vector<float> col(static_cast<size_t>(n));
    for (int64_t i = 0; i < F; ++i) {
        for (int64_t s = 0; s < n; ++s) col[size_t(s)] = z[size_t(s * F + i)];
        std::vector<float> sorted = col;
        std::nth_element(sorted.begin(), sorted.begin() + long(n * 9 / 10), sorted.end());
        const float cut = sorted[size_t(n * 9 / 10)];
        for (int64_t s = 0; s < n; ++s)
            if (col[size_t(s)] > cut) d.set_fired(s, i);
    }
    return d;
}

}  // namespace locus::test
