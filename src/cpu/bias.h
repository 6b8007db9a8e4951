// Adding a bias vector to every row of a batch (opt's projections carry biases).
#pragma once
#include <cstdint>
#include <vector>

namespace locus {

// y[t][i] += b[i] for the n_rows rows of y, each b.size() long; nothing when b is empty (no bias).
inline void add_bias_rows(const std::vector<float>& b, int64_t n_rows, float* y) {
    const int64_t n = int64_t(b.size());
    for (int64_t t = 0; t < n_rows; ++t)
        for (int64_t i = 0; i < n; ++i) y[t * n + i] += b[size_t(i)];
}

}  // namespace locus
