// Runs one SparseFfn::forward on a copy of a residual, for the sparse FFN tests.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "model/forward_scratch.h"
#include "model/sparse_ffn.h"

namespace locus::test {

struct FfnRun {
    std::vector<float> x;       // the residual after x += FFN(x)
    std::vector<uint8_t> mask;  // which (token, neuron) pairs the step allowed
};

inline FfnRun run_sparse_ffn(const SparseFfn& ffn, const LayerWeights& w, const std::vector<float>& x0, int64_t T,
                             int threads) {
    ThreadPool pool(threads);
    ForwardScratch s;
    s.x.resize(int64_t(x0.size()));
    std::copy(x0.begin(), x0.end(), s.x.data());
    ffn.forward(w, 0, T, pool, s);
    // The neurons each token may use: one token's come as the list s.neurons (no mask is built then).
    std::vector<uint8_t> mask = s.mask;
    if (T == 1) {
        std::fill(mask.begin(), mask.end(), uint8_t(0));
        for (int32_t i : s.neurons) mask[size_t(i)] = 1;
    }
    return {std::vector<float>(s.x.data(), s.x.data() + x0.size()), mask};
}

}  // namespace locus::test
