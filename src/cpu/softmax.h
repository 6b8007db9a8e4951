// The softmax step shared by the attention kernels (scalar and SIMD): exponentiate in place against the known
// maximum, summing in double, and return the factor that normalises the weights.
#pragma once
#include <cmath>
#include <cstdint>

namespace locus {

inline float exp_in_place_inv_sum(float* scores, int64_t n, float max) {
    double sum = 0;
    for (int64_t p = 0; p < n; ++p) {
        scores[p] = std::exp(scores[p] - max);
        sum += scores[p];
    }
    return float(1.0 / sum);
}

}  // namespace locus
