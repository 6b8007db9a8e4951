// RMSNorm: y = x / sqrt(mean(x^2) + eps) * w.
#pragma once
#include <cstdint>

namespace locus {
void rms_norm(const float* x, const float* w, int64_t n, float eps, float* y);
}  // namespace locus
