#include "cuda/attention.h"

#include <cuda_fp16.h>

#include "cuda/check.h"
#include "cuda/warp.cuh"

namespace locus::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;

// Scratch layout per (token, head): n_split partial outputs of head_dim floats, then n_split maxima, then
// n_split sums.
__device__ __forceinline__ float* part_base(float* scratch, int t, int h, int n_head, int n_split, int hd) {
    return scratch + (size_t(t) * n_head + h) * size_t(n_split) * (hd + 2);
}

// grid (n_split, n_head, n_tokens)
__global__ void __launch_bounds__(kThreads) attn_split_kernel(AttentionArgs a, int n_split) {
    __shared__ float qs[kAttnMaxHeadDim];
    __shared__ float sc[kAttnSplit];
    __shared__ float red[kWarps];
    const int s = blockIdx.x, h = blockIdx.y, t = blockIdx.z;
    const int hd = a.head_dim;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int64_t n_kv = a.pos ? int64_t(a.pos[t]) + 1 : a.n_kv_first + t;
    const size_t seq_off = a.seq ? size_t(a.seq[t]) * size_t(a.seq_stride) : 0;
    const int64_t p0 = int64_t(s) * kAttnSplit;
    const int len = int(min(int64_t(kAttnSplit), n_kv - p0));  // <= 0: split past this token's positions
    float* base = part_base(a.scratch, t, h, a.n_head, n_split, hd);
    float* part_o = base + size_t(s) * hd;
    float* part_m = base + size_t(n_split) * hd;
    float* part_l = part_m + n_split;
    if (len <= 0) {  // an empty split: weight 0 in the merge
        for (int d = threadIdx.x; d < hd; d += kThreads) part_o[d] = 0.0f;
        if (threadIdx.x == 0) { part_m[s] = -INFINITY; part_l[s] = 0.0f; }
        return;
    }
    const int g = h / (a.n_head / a.n_head_kv);
    const float* q = a.q + (size_t(t) * a.n_head + h) * hd;
    for (int d = threadIdx.x; d < hd; d += kThreads) qs[d] = q[d];
    __syncthreads();

    // Scores: one warp per position, lanes over pairs of dimensions.
    const __half* kb = reinterpret_cast<const __half*>(a.k) + seq_off + size_t(g) * hd;
    for (int i = warp; i < len; i += kWarps) {
        const __half2* kr = reinterpret_cast<const __half2*>(kb + size_t(p0 + i) * a.kv_stride);
        float acc = 0.0f;
        for (int d2 = lane; d2 < hd / 2; d2 += 32) {
            const float2 kf = __half22float2(kr[d2]);
            acc = fmaf(qs[2 * d2], kf.x, acc);
            acc = fmaf(qs[2 * d2 + 1], kf.y, acc);
        }
        acc = warp_sum(acc);
        if (lane == 0) sc[i] = acc * a.scale;
    }
    __syncthreads();

    float m = -INFINITY;
    for (int i = threadIdx.x; i < len; i += kThreads) m = fmaxf(m, sc[i]);
    m = warp_max(m);
    if (lane == 0) red[warp] = m;
    __syncthreads();
    m = red[0];
#pragma unroll
    for (int w = 1; w < kWarps; ++w) m = fmaxf(m, red[w]);
    __syncthreads();  // red is reused below

    float l = 0.0f;
    for (int i = threadIdx.x; i < len; i += kThreads) {
        const float e = expf(sc[i] - m);
        sc[i] = e;
        l += e;
    }
    l = warp_sum(l);
    if (lane == 0) red[warp] = l;
    __syncthreads();  // also publishes sc[]

    // Weighted values: threads over dimensions (consecutive threads read consecutive halves).
    const __half* vb = reinterpret_cast<const __half*>(a.v) + seq_off + size_t(g) * hd;
    for (int d = threadIdx.x; d < hd; d += kThreads) {
        float acc = 0.0f;
        for (int i = 0; i < len; ++i) acc = fmaf(sc[i], __half2float(vb[size_t(p0 + i) * a.kv_stride + d]), acc);
        part_o[d] = acc;
    }
    if (threadIdx.x == 0) {
        float sum = 0.0f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) sum += red[w];
        part_m[s] = m;
        part_l[s] = sum;
    }
}

// grid (n_head, n_tokens): out = sum_s exp(m_s - M) o_s / sum_s exp(m_s - M) l_s.
__global__ void __launch_bounds__(kThreads) attn_merge_kernel(AttentionArgs a, int n_split) {
    const int h = blockIdx.x, t = blockIdx.y, hd = a.head_dim;
    const float* base = part_base(a.scratch, t, h, a.n_head, n_split, hd);
    const float* part_m = base + size_t(n_split) * hd;
    const float* part_l = part_m + n_split;
    float M = -INFINITY;
    for (int s = 0; s < n_split; ++s) M = fmaxf(M, part_m[s]);
    float L = 0.0f;
    for (int s = 0; s < n_split; ++s) L += part_l[s] * expf(part_m[s] - M);  // empty splits: 0 * exp(-inf) = 0
    const float inv = 1.0f / L;
    float* out = a.out + (size_t(t) * a.n_head + h) * hd;
    for (int d = threadIdx.x; d < hd; d += kThreads) {
        float acc = 0.0f;
        for (int s = 0; s < n_split; ++s) {
            if (part_l[s] == 0.0f) continue;
            acc = fmaf(expf(part_m[s] - M), base[size_t(s) * hd + d], acc);
        }
        out[d] = acc * inv;
    }
}

}  // namespace

int64_t attention_scratch_floats(int n_tokens, int n_head, int head_dim, int64_t n_kv_max) {
    const int64_t n_split = (n_kv_max + kAttnSplit - 1) / kAttnSplit;
    return int64_t(n_tokens) * n_head * n_split * (head_dim + 2);
}

Status attention_decode(const AttentionArgs& a, cudaStream_t stream) {
    if (!a.q || !a.k || !a.v || !a.out || !a.scratch) return Status::error("attention_decode: null pointer");
    if (a.n_head <= 0 || a.n_head_kv <= 0 || a.n_head % a.n_head_kv != 0)
        return Status::error("attention_decode: n_head must be a positive multiple of n_head_kv");
    if (a.head_dim <= 0 || a.head_dim % 2 != 0 || a.head_dim > kAttnMaxHeadDim)
        return Status::error("attention_decode: head_dim must be even and at most 256");
    if (a.kv_stride % 2 != 0 || a.kv_stride < int64_t(a.n_head_kv) * a.head_dim)
        return Status::error("attention_decode: bad kv_stride");
    if (a.n_tokens < 1 || (a.pos ? a.n_kv_max < 1 : a.n_kv_first < 1))
        return Status::error("attention_decode: every token needs a position");
    if (a.seq && (!a.pos || a.seq_stride < 0)) return Status::error("attention_decode: seq needs pos and a stride");
    const int64_t n_kv_max = a.pos ? a.n_kv_max : a.n_kv_first + a.n_tokens - 1;
    const int64_t n_split = (n_kv_max + kAttnSplit - 1) / kAttnSplit;
    if (n_split > 65535) return Status::error("attention_decode: context too long");
    attn_split_kernel<<<dim3(unsigned(n_split), unsigned(a.n_head), unsigned(a.n_tokens)), kThreads, 0, stream>>>(
        a, int(n_split));
    LOCUS_TRY(launch_status("attn_split_kernel"));
    attn_merge_kernel<<<dim3(unsigned(a.n_head), unsigned(a.n_tokens)), kThreads, 0, stream>>>(a, int(n_split));
    return launch_status("attn_merge_kernel");
}

}  // namespace locus::cuda
