#include "cuda/sparse_axpy.h"

#include <algorithm>

#include "cuda/check.h"
#include "cuda/dispatch.cuh"
#include "cuda/weights_check.h"

namespace locus::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kMinRowsPerSplit = 16;  // fewer rows per block would make the scratch traffic dominate

// Block (bx, s): chunks bx*kThreads + tid of the rows in split s; each thread keeps its chunk's elements in
// registers across the split's rows and writes them once to scratch row s.
template <class T>
__global__ void __launch_bounds__(kThreads) axpy_partial_kernel(const uint8_t* __restrict__ wt, size_t row_bytes,
                                                                int cols, const int32_t* __restrict__ idx,
                                                                const float* __restrict__ a, int64_t n_max,
                                                                const int32_t* __restrict__ d_count,
                                                                int rows_per_split, float* __restrict__ scratch) {
    constexpr int G = T::kGroups;
    const int c = blockIdx.x * kThreads + threadIdx.x;
    if (c >= cols / T::kElems) return;
    const int64_t n = d_count ? min(n_max, int64_t(*d_count)) : n_max;
    const int64_t j_begin = int64_t(blockIdx.y) * rows_per_split;
    const int64_t j_end = min(n, j_begin + rows_per_split);

    float acc[G][4];
#pragma unroll
    for (int g = 0; g < G; ++g)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[g][e] = 0.0f;

    // Four rows at a time so four loads per thread are in flight; the sums still go in list order.
    constexpr int U = 4;
    int64_t j = j_begin;
    for (; j + U <= j_end; j += U) {
        float aj[U];
        chunks::Chunk<G> ch[U];
#pragma unroll
        for (int u = 0; u < U; ++u) {
            aj[u] = a[j + u];
            if (aj[u] != 0.0f) T::load(wt + size_t(idx[j + u]) * row_bytes, c, ch[u]);
        }
#pragma unroll
        for (int u = 0; u < U; ++u) {
            if (aj[u] == 0.0f) continue;  // same for every thread of the block: no divergence
#pragma unroll
            for (int g = 0; g < G; ++g)
#pragma unroll
                for (int e = 0; e < 4; ++e)
                    acc[g][e] = fmaf(aj[u], fmaf(ch[u].s[g], ch[u].q[g][e], -ch[u].m[g]), acc[g][e]);
        }
    }
    for (; j < j_end; ++j) {
        const float aj = a[j];
        if (aj == 0.0f) continue;
        chunks::Chunk<G> ch;
        T::load(wt + size_t(idx[j]) * row_bytes, c, ch);
#pragma unroll
        for (int g = 0; g < G; ++g)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[g][e] = fmaf(aj, fmaf(ch.s[g], ch.q[g][e], -ch.m[g]), acc[g][e]);
    }
    int xo[G];
    T::offsets(c, xo);
    float* out = scratch + size_t(blockIdx.y) * cols;
#pragma unroll
    for (int g = 0; g < G; ++g)
        *reinterpret_cast<float4*>(out + xo[g]) = make_float4(acc[g][0], acc[g][1], acc[g][2], acc[g][3]);
}

__global__ void axpy_reduce_kernel(const float* __restrict__ scratch, int splits, int cols, float* __restrict__ y) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= cols) return;
    float s = 0.0f;
    for (int k = 0; k < splits; ++k) s += scratch[size_t(k) * cols + i];
    y[i] += s;
}

}  // namespace

Status sparse_axpy(const SparseAxpyArgs& a, cudaStream_t stream) {
    LOCUS_TRY(check_matrix(a.wt, "sparse_axpy"));
    if (a.n_max < 0 || (a.n_max > 0 && (!a.idx || !a.a)) || !a.y || !a.scratch)
        return Status::error("sparse_axpy: bad arguments");
    if (reinterpret_cast<uintptr_t>(a.scratch) % 16 != 0) return Status::error("sparse_axpy: scratch not 16-byte aligned");
    if (a.n_max == 0) return Status::ok();
    const int splits = int(std::clamp<int64_t>((a.n_max + kMinRowsPerSplit - 1) / kMinRowsPerSplit, 1, kAxpyMaxSplits));
    const int rows_per_split = int((a.n_max + splits - 1) / splits);
    const int cols = int(a.wt.cols);
    LOCUS_TRY(dispatch_weight_type(a.wt.type, "sparse_axpy", [&](auto dec) -> Status {
        using T = decltype(dec);
        const int n_chunks = cols / T::kElems;
        const dim3 grid(unsigned((n_chunks + kThreads - 1) / kThreads), unsigned(splits));
        axpy_partial_kernel<T><<<grid, kThreads, 0, stream>>>(a.wt.data, a.wt.row_bytes, cols, a.idx, a.a, a.n_max,
                                                             a.d_count, rows_per_split, a.scratch);
        return launch_status("axpy_partial_kernel");
    }));
    axpy_reduce_kernel<<<unsigned((cols + 255) / 256), 256, 0, stream>>>(a.scratch, splits, cols, a.y);
    return launch_status("axpy_reduce_kernel");
}

}  // namespace locus::cuda
