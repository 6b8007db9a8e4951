#include "cpu/norm.h"

#include <cmath>

namespace locus {

void rms_norm(const float* x, const float* w, int64_t n, float eps, float* y) {
    double sum = 0;  // double, as ggml does, so long rows do not lose precision
    for (int64_t i = 0; i < n; ++i) sum += double(x[i]) * x[i];
    const float scale = 1.0f / std::sqrt(float(sum / double(n)) + eps);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
}

void layer_norm(const float* x, const float* w, const float* b, int64_t n, float eps, float* y) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += x[i];
    const float mean = float(sum / double(n));
    double var = 0;
    for (int64_t i = 0; i < n; ++i) var += double(x[i] - mean) * double(x[i] - mean);
    const float scale = 1.0f / std::sqrt(float(var / double(n)) + eps);
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * scale * w[i] + (b ? b[i] : 0.0f);
}

}  // namespace locus
