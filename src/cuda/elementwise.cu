#include "cuda/elementwise.h"

#include <cuda_fp16.h>

#include "cuda/check.h"

namespace locus::cuda {
namespace {

__global__ void add_kernel(const float* a, const float* b, float* y, int64_t n) {
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a[i] + b[i];
}

__global__ void store_f16_kernel(const float* __restrict__ src, int64_t src_stride, __half* __restrict__ dst,
                                 int64_t dst_stride, int64_t n, int64_t n_rows) {
    const int64_t k = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (k >= n * n_rows) return;
    const int64_t t = k / n, i = k % n;
    dst[t * dst_stride + i] = __float2half_rn(src[t * src_stride + i]);
}

// grid (blocks over 2n, n_tokens): the first n elements of a row are K's, the next n V's.
__global__ void store_kv_kernel(const float* __restrict__ k, const float* __restrict__ v, int64_t src_stride,
                                __half* __restrict__ kc, __half* __restrict__ vc, int64_t n,
                                const int32_t* __restrict__ pos, const int32_t* __restrict__ seq, int64_t seq_stride) {
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= 2 * n) return;
    const int64_t t = blockIdx.y;
    const size_t dst = (seq ? size_t(seq[t]) * size_t(seq_stride) : 0) + size_t(pos[t]) * size_t(n);
    if (i < n) kc[dst + i] = __float2half_rn(k[t * src_stride + i]);
    else vc[dst + i - n] = __float2half_rn(v[t * src_stride + i - n]);
}

}  // namespace

Status store_kv(const float* k, const float* v, int64_t src_stride, uint16_t* k_cache, uint16_t* v_cache, int64_t n,
                const int32_t* pos, const int32_t* seq, int64_t seq_stride, int64_t n_tokens, cudaStream_t stream) {
    if (!k || !v || !k_cache || !v_cache || !pos || n < 0 || n_tokens < 0 || n_tokens > 65535 || src_stride < n)
        return Status::error("store_kv: bad arguments");
    if (n == 0 || n_tokens == 0) return Status::ok();
    store_kv_kernel<<<dim3(unsigned((2 * n + 255) / 256), unsigned(n_tokens)), 256, 0, stream>>>(
        k, v, src_stride, reinterpret_cast<__half*>(k_cache), reinterpret_cast<__half*>(v_cache), n, pos, seq,
        seq_stride);
    return launch_status("store_kv_kernel");
}

Status add(const float* a, const float* b, float* y, int64_t n, cudaStream_t stream) {
    if (!a || !b || !y || n < 0) return Status::error("add: bad arguments");
    if (n == 0) return Status::ok();
    add_kernel<<<unsigned((n + 255) / 256), 256, 0, stream>>>(a, b, y, n);
    return launch_status("add_kernel");
}

Status store_f16(const float* src, int64_t src_stride, uint16_t* dst, int64_t dst_stride, int64_t n, int64_t n_rows,
                 cudaStream_t stream) {
    if (!src || !dst || n < 0 || n_rows < 0) return Status::error("store_f16: bad arguments");
    const int64_t total = n * n_rows;
    if (total == 0) return Status::ok();
    store_f16_kernel<<<unsigned((total + 255) / 256), 256, 0, stream>>>(src, src_stride, reinterpret_cast<__half*>(dst),
                                                                       dst_stride, n, n_rows);
    return launch_status("store_f16_kernel");
}

}  // namespace locus::cuda
