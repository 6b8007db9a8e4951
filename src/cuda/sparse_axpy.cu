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
// registers across the split's rows and writes them once to scratch row s. The split's list is staged through
// shared memory kThreads entries at a time, keeping only the rows with a non-zero coefficient (in list order, so
// the sums keep their order): with mostly-zero coefficients (ReLU outputs over every hot neuron) the loads of
// the rows that count are issued back to back instead of behind a test of each coefficient.
template <class T>
__global__ void __launch_bounds__(kThreads) axpy_partial_kernel(const uint8_t* __restrict__ wt, size_t row_bytes,
                                                                int cols, const int32_t* __restrict__ idx,
                                                                const float* __restrict__ a, int64_t n_max,
                                                                const int32_t* __restrict__ d_count,
                                                                int rows_per_split, float* __restrict__ scratch) {
    constexpr int G = T::kGroups;
    constexpr int kWarpsPerBlock = kThreads / 32;
    __shared__ int32_t s_row[kThreads];
    __shared__ float s_a[kThreads];
    __shared__ int s_warp[kWarpsPerBlock];
    const int c = blockIdx.x * kThreads + threadIdx.x;
    const bool live = c < cols / T::kElems;  // threads past the row's end still help stage the list
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int64_t n = d_count ? min(n_max, int64_t(*d_count)) : n_max;
    const int64_t j_begin = int64_t(blockIdx.y) * rows_per_split;
    const int64_t j_end = min(n, j_begin + rows_per_split);

    float acc[G][4];
#pragma unroll
    for (int g = 0; g < G; ++g)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[g][e] = 0.0f;

    for (int64_t base = j_begin; base < j_end; base += kThreads) {
        // Stage: the non-zero entries of list[base, base + kThreads), compacted in order.
        const int64_t j = base + threadIdx.x;
        const float aj = j < j_end ? a[j] : 0.0f;
        const bool on = aj != 0.0f;
        const unsigned ballot = __ballot_sync(0xFFFFFFFFu, on);
        if (lane == 0) s_warp[warp] = __popc(ballot);
        __syncthreads();
        int before = 0, total = 0;
#pragma unroll
        for (int w = 0; w < kWarpsPerBlock; ++w) {
            before += w < warp ? s_warp[w] : 0;
            total += s_warp[w];
        }
        if (on) {
            const int k = before + __popc(ballot & ((1u << lane) - 1u));
            s_row[k] = idx[j];
            s_a[k] = aj;
        }
        __syncthreads();
        if (live) {
            // Eight rows at a time (four for the wide Q6_K chunks) so that many loads per thread are in flight.
            constexpr int U = G >= 4 ? 4 : 8;
            int k = 0;
            for (; k + U <= total; k += U) {
                chunks::Chunk<G> ch[U];
#pragma unroll
                for (int u = 0; u < U; ++u) T::load(wt + size_t(s_row[k + u]) * row_bytes, c, ch[u]);
#pragma unroll
                for (int u = 0; u < U; ++u) {
                    const float au = s_a[k + u];
#pragma unroll
                    for (int g = 0; g < G; ++g)
#pragma unroll
                        for (int e = 0; e < 4; ++e)
                            acc[g][e] = fmaf(au, fmaf(ch[u].s[g], ch[u].q[g][e], -ch[u].m[g]), acc[g][e]);
                }
            }
            for (; k < total; ++k) {
                chunks::Chunk<G> ch;
                T::load(wt + size_t(s_row[k]) * row_bytes, c, ch);
                const float au = s_a[k];
#pragma unroll
                for (int g = 0; g < G; ++g)
#pragma unroll
                    for (int e = 0; e < 4; ++e) acc[g][e] = fmaf(au, fmaf(ch.s[g], ch.q[g][e], -ch.m[g]), acc[g][e]);
            }
        }
        __syncthreads();  // s_row, s_a and s_warp are rewritten by the next stage
    }
    if (!live) return;
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
