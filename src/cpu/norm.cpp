#include "cpu/norm.h"

#include <cmath>

namespace locus {

void rms_norm(const float* x, const float* w, int64_t n, float eps, float* y) {
    double sum = 0;  // double, as ggml does, so long rows do not lose precision
    for (int64_t i = 0; i < n; ++i) sum += double(x[i]) * x[i];
    const float scale = 1.0f / std::sqrt(float(sum / double(n)) + eps);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
}

}  // namespace locus
