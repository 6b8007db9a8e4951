#include "cuda/select.h"

#include "cuda/check.h"

namespace locus::cuda {
namespace {

constexpr int kThreads = 1024;

__global__ void __launch_bounds__(kThreads) select_kernel(const float* __restrict__ logits, int n_tokens, int n,
                                                          float thr, int32_t* __restrict__ idx,
                                                          int32_t* __restrict__ count) {
    __shared__ int warp_offset[kThreads / 32];
    __shared__ int tile_total;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int base = 0;  // same in every thread
    for (int tile = 0; tile < n; tile += kThreads) {
        const int i = tile + threadIdx.x;
        bool on = false;
        if (i < n)
            for (int t = 0; t < n_tokens && !on; ++t) on = logits[size_t(t) * n + i] >= thr;
        const unsigned ballot = __ballot_sync(0xFFFFFFFFu, on);
        if (lane == 0) warp_offset[warp] = __popc(ballot);
        __syncthreads();
        if (warp == 0) {  // exclusive scan of the 32 warp counts
            const int v = warp_offset[lane];
            int incl = v;
#pragma unroll
            for (int o = 1; o < 32; o <<= 1) {
                const int u = __shfl_up_sync(0xFFFFFFFFu, incl, o);
                if (lane >= o) incl += u;
            }
            warp_offset[lane] = incl - v;
            if (lane == 31) tile_total = incl;
        }
        __syncthreads();
        if (on) idx[base + warp_offset[warp] + __popc(ballot & ((1u << lane) - 1u))] = i;
        base += tile_total;
        __syncthreads();  // warp_offset and tile_total are rewritten by the next tile
    }
    if (threadIdx.x == 0) *count = base;
}

}  // namespace

Status select_active(const float* logits, int n_tokens, int64_t n, float threshold, int32_t* idx, int32_t* d_count,
                     cudaStream_t stream) {
    if (!logits || !idx || !d_count || n_tokens < 1 || n < 0 || n > (int64_t(1) << 30))
        return Status::error("select_active: bad arguments");
    select_kernel<<<1, kThreads, 0, stream>>>(logits, n_tokens, int(n), threshold, idx, d_count);
    return launch_status("select_kernel");
}

}  // namespace locus::cuda
