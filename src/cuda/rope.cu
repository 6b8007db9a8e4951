#include "cuda/rope.h"

#include <cmath>

#include "cuda/check.h"

namespace locus::cuda {
namespace {

// One thread per (token, head, pair i).
__global__ void rope_kernel(float* x, int64_t n_heads, int n_tokens, int64_t row_stride,
                            const int32_t* __restrict__ pos, int64_t head_dim, int half, bool neox,
                            float theta_scale, float freq_scale) {
    const int64_t k = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (k >= int64_t(n_tokens) * n_heads * half) return;
    const int i = int(k % half);
    const int64_t h = (k / half) % n_heads;
    const int t = int(k / (int64_t(half) * n_heads));
    float theta = float(pos[t]);
    for (int j = 0; j < i; ++j) theta *= theta_scale;  // the CPU's recurrence, step by step
    const float ang = freq_scale * theta;
    const float c = cosf(ang), s = sinf(ang);
    float* v = x + size_t(t) * row_stride + size_t(h) * head_dim;
    const int a = neox ? i : 2 * i;
    const int b = neox ? i + half : 2 * i + 1;
    const float x0 = v[a], x1 = v[b];
    v[a] = x0 * c - x1 * s;
    v[b] = x0 * s + x1 * c;
}

}  // namespace

Status rope(const RopeArgs& p, float* x, int64_t n_heads, int n_tokens, int64_t row_stride, const int32_t* pos,
            cudaStream_t stream) {
    if (!x || !pos || p.rope_dims <= 0 || p.rope_dims % 2 != 0 || p.rope_dims > p.head_dim || n_heads <= 0 ||
        n_tokens < 0 || row_stride < n_heads * p.head_dim)
        return Status::error("rope: bad arguments");
    if (n_tokens == 0) return Status::ok();
    const int half = int(p.rope_dims / 2);
    // Same expression as cpu/rope.cpp, evaluated on the host so the two agree bit for bit.
    const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.rope_dims));
    const int64_t n = int64_t(n_tokens) * n_heads * half;
    rope_kernel<<<unsigned((n + 255) / 256), 256, 0, stream>>>(x, n_heads, n_tokens, row_stride, pos, p.head_dim,
                                                              half, p.style == RopeStyle::neox, theta_scale,
                                                              p.freq_scale);
    return launch_status("rope_kernel");
}

}  // namespace locus::cuda
