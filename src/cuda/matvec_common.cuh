// What the two matvec kernels share (matvec.cu: F32 activations, every type; matvec_int8.cu: Q4_0 on int8
// activations): the rows a warp computes, the epilogue, and the launches by token groups.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "core/status.h"
#include "cuda/warp.cuh"

namespace locus::cuda {

// The R rows of warp output j0 .. j0 + R - 1: rows of w, or of w at idx[j] (row-sparse). A missing last row
// re-reads a valid one; matvec_store does not store it.
template <int R>
__device__ __forceinline__ void matvec_rows(const uint8_t* w, size_t row_bytes, const int32_t* idx, int64_t j0,
                                            int64_t n_out, const uint8_t* (&rows)[R]) {
#pragma unroll
    for (int r = 0; r < R; ++r) {
        const int64_t j = min(j0 + r, n_out - 1);
        rows[r] = w + size_t(idx ? idx[j] : j) * row_bytes;
    }
}

// Sums each lane's partial products over the warp and stores them (lane 0): relu keeps max(0, v), accumulate
// adds to y.
template <int R, int NT>
__device__ __forceinline__ void matvec_store(const float (&acc)[R][NT], int lane, int64_t j0, int64_t n_out,
                                             float* y, int64_t y_stride, bool relu, bool accumulate) {
#pragma unroll
    for (int r = 0; r < R; ++r)
#pragma unroll
        for (int t = 0; t < NT; ++t) {
            float v = warp_sum(acc[r][t]);
            if (relu) v = fmaxf(v, 0.0f);
            if (lane == 0 && j0 + r < n_out) {
                float& out = y[t * y_stride + j0 + r];
                out = accumulate ? out + v : v;
            }
        }
}

// Tokens in groups of 8, 4, 2, 1, each group one launch that reads the weights once:
// launch(std::integral_constant<int, NT>{}, first_token) for each group.
template <class F>
Status for_token_groups(int n_tokens, F&& launch) {
    int t = 0;
    for (; t + 8 <= n_tokens; t += 8) LOCUS_TRY(launch(std::integral_constant<int, 8>{}, t));
    if (t + 4 <= n_tokens) { LOCUS_TRY(launch(std::integral_constant<int, 4>{}, t)); t += 4; }
    if (t + 2 <= n_tokens) { LOCUS_TRY(launch(std::integral_constant<int, 2>{}, t)); t += 2; }
    if (t < n_tokens) LOCUS_TRY(launch(std::integral_constant<int, 1>{}, t));
    return Status::ok();
}

}  // namespace locus::cuda
