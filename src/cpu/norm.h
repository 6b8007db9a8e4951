// RMSNorm: y = x / sqrt(mean(x^2) + eps) * w. LayerNorm: y = (x - mean) / sqrt(var + eps) * w + b.
#pragma once
#include <cstdint>

namespace locus {
void rms_norm(const float* x, const float* w, int64_t n, float eps, float* y);
// b may be null (no bias).
void layer_norm(const float* x, const float* w, const float* b, int64_t n, float eps, float* y);
}  // namespace locus
