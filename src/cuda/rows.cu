#include "cuda/rows.h"

#include "cuda/check.h"

namespace locus::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void add_bias_kernel(float* y, int64_t stride, const float* b, int64_t n) {
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) y[int64_t(blockIdx.y) * stride + i] += b[i];
}

__global__ void gather_kernel(const float* in, int64_t in_stride, const int32_t* map, int64_t n_out, float* out) {
    const int64_t j = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (j < n_out) out[int64_t(blockIdx.y) * n_out + j] = in[int64_t(blockIdx.y) * in_stride + map[j]];
}

__global__ void mask_kernel(float* h, int64_t n, const float* logits, const int32_t* idx, const int32_t* d_count,
                            float threshold) {
    const int64_t j = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (j >= n || j >= *d_count) return;
    const int64_t t = blockIdx.y;
    if (!(logits[t * n + idx[j]] >= threshold)) h[t * n + j] = 0.0f;
}

unsigned blocks(int64_t n) { return unsigned((n + kThreads - 1) / kThreads); }

}  // namespace

Status add_bias_rows(float* y, int64_t stride, const float* b, int64_t n, int64_t n_rows, cudaStream_t stream) {
    if (n <= 0 || n_rows <= 0) return Status::ok();
    if (!y || !b || n_rows > 65535) return Status::error("add_bias_rows: bad arguments");
    add_bias_kernel<<<dim3(blocks(n), unsigned(n_rows)), kThreads, 0, stream>>>(y, stride, b, n);
    return launch_status("add_bias_kernel");
}

Status gather_columns(const float* in, int64_t in_stride, const int32_t* map, int64_t n_out, int64_t n_rows,
                      float* out, cudaStream_t stream) {
    if (n_out <= 0 || n_rows <= 0) return Status::ok();
    if (!in || !map || !out || n_rows > 65535) return Status::error("gather_columns: bad arguments");
    gather_kernel<<<dim3(blocks(n_out), unsigned(n_rows)), kThreads, 0, stream>>>(in, in_stride, map, n_out, out);
    return launch_status("gather_kernel");
}

Status mask_by_logits(float* h, int64_t n, int64_t n_rows, const float* logits, const int32_t* idx,
                      const int32_t* d_count, float threshold, cudaStream_t stream) {
    if (n <= 0 || n_rows <= 0) return Status::ok();
    if (!h || !logits || !idx || !d_count || n_rows > 65535) return Status::error("mask_by_logits: bad arguments");
    mask_kernel<<<dim3(blocks(n), unsigned(n_rows)), kThreads, 0, stream>>>(h, n, logits, idx, d_count, threshold);
    return launch_status("mask_kernel");
}

}  // namespace locus::cuda
