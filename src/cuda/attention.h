// Decode attention over an F16 KV cache with grouped-query heads, flash-decoding style: the positions are cut
// into splits of kAttnSplit; pass 1 computes, per (token, head, split), the split's score maximum, the sum of
// exp(score - max) and the unnormalised weighted sum of values; pass 2 merges the splits of each head. Same
// function as the CPU's attend_head (cpu/attention.h): softmax(q.k * scale) . v over positions 0..n_kv-1.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/status.h"

namespace locus::cuda {

constexpr int kAttnSplit = 256;     // positions per split
constexpr int kAttnMaxHeadDim = 256;

struct AttentionArgs {
    const float* q = nullptr;      // n_tokens x n_head x head_dim
    const uint16_t* k = nullptr;   // F16 cache: position p, KV head g at k[p * kv_stride + g * head_dim]
    const uint16_t* v = nullptr;   // likewise
    int64_t kv_stride = 0;         // halves per position (>= n_head_kv * head_dim, even)
    int n_head = 0, n_head_kv = 0, head_dim = 0;  // head_dim even, <= kAttnMaxHeadDim
    int n_tokens = 1;
    int64_t n_kv_first = 0;        // token t attends to positions 0 .. n_kv_first + t - 1 (causal)
    // Positions on the device instead (pos set): token t attends to positions 0 .. pos[t], and its cache starts
    // seq[t] * seq_stride halves after k / v (seq null: 0). n_kv_max >= every pos[t] + 1 sizes the grid, so the
    // launch does not depend on the positions (a CUDA graph replays it at any position up to n_kv_max).
    const int32_t* pos = nullptr;
    const int32_t* seq = nullptr;
    int64_t seq_stride = 0;
    int64_t n_kv_max = 0;
    float scale = 0.0f;            // usually 1 / sqrt(head_dim)
    float* out = nullptr;          // n_tokens x n_head x head_dim
    float* scratch = nullptr;      // attention_scratch_floats(...) floats
};

int64_t attention_scratch_floats(int n_tokens, int n_head, int head_dim, int64_t n_kv_max);

Status attention_decode(const AttentionArgs& a, cudaStream_t stream);

}  // namespace locus::cuda
