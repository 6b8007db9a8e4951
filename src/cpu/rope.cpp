#include "cpu/rope.h"

#include <cmath>

namespace locus {

void rope(const RopeParams& p, float* x, int64_t n_heads, int64_t pos) {
    const int64_t half = p.rope_dims / 2;
    // Angles are built by repeated multiplication in float, as llama.cpp does, so results match it closely.
    const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.rope_dims));
    float cos_t[512], sin_t[512];
    float theta = float(pos);
    for (int64_t i = 0; i < half; ++i) {
        const float t = p.freq_scale * theta;
        cos_t[i] = std::cos(t);
        sin_t[i] = std::sin(t);
        theta *= theta_scale;
    }
    for (int64_t h = 0; h < n_heads; ++h) {
        float* v = x + h * p.head_dim;
        for (int64_t i = 0; i < half; ++i) {
            const int64_t a = p.style == RopeStyle::normal ? 2 * i : i;
            const int64_t b = p.style == RopeStyle::normal ? 2 * i + 1 : i + half;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * cos_t[i] - x1 * sin_t[i];
            v[b] = x0 * sin_t[i] + x1 * cos_t[i];
        }
    }
}

}  // namespace locus
