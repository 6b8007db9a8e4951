#include "cuda/norm.h"

#include "cuda/check.h"

namespace locus::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) rms_norm_kernel(const float* __restrict__ x, const float* __restrict__ w,
                                                            int64_t n, float eps, float* y) {
    __shared__ double red[kThreads / 32];
    const float* xr = x + size_t(blockIdx.x) * n;
    float* yr = y + size_t(blockIdx.x) * n;
    double sum = 0.0;
    for (int64_t i = threadIdx.x; i < n; i += kThreads) sum += double(xr[i]) * xr[i];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xFFFFFFFFu, sum, o);
    if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = sum;
    __syncthreads();
    double total = 0.0;
#pragma unroll
    for (int k = 0; k < kThreads / 32; ++k) total += red[k];
    const float scale = 1.0f / sqrtf(float(total / double(n)) + eps);
    for (int64_t i = threadIdx.x; i < n; i += kThreads) yr[i] = xr[i] * scale * w[i];
}

}  // namespace

Status rms_norm(const float* x, const float* w, int64_t n, int64_t n_rows, float eps, float* y, cudaStream_t stream) {
    if (!x || !w || !y || n <= 0 || n_rows < 0 || n_rows > 0x7FFFFFFF) return Status::error("rms_norm: bad arguments");
    if (n_rows == 0) return Status::ok();
    rms_norm_kernel<<<unsigned(n_rows), kThreads, 0, stream>>>(x, w, n, eps, y);
    return launch_status("rms_norm_kernel");
}

}  // namespace locus::cuda
