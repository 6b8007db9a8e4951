// Activation profiles for synthetic sparse models: how often each FFN neuron fires. Used by `locus synth` to
// build models whose neurons fire with chosen frequencies (speed tests only: the weights carry no knowledge).
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace locus {

struct ProfileShape {
    double active = 0.10;     // mean fraction of neurons firing per token
    double hot_share = 0.30;  // the hottest this share of neurons ...
    double hot_cover = 0.80;  // ... covers this share of all firings
};

// Firing probabilities p[0] >= p[1] >= ... of n neurons: a clipped power law p_i = min(1, s (i+1)^-a) with s
// and a solved so that mean(p) = active and the hottest hot_share of neurons hold hot_cover of the sum.
// An unreachable shape (e.g. hot_cover < hot_share, or above what probabilities <= 1 allow) is an error.
Expected<std::vector<double>> power_law_profile(int64_t n, const ProfileShape& shape);

// x with P(Z <= x) = p for a standard normal Z (0 < p < 1).
double normal_quantile(double p);

}  // namespace locus
