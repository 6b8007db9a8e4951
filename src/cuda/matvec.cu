#include <string>
#include "cuda/matvec.h"

#include <algorithm>

#include "cuda/check.h"
#include "cuda/dispatch.cuh"
#include "cuda/matvec_common.cuh"
#include "cuda/weights_check.h"

namespace locus::cuda {
namespace {

constexpr int kRowsPerWarp = 2;  // rows share each x load (halves the L1 traffic of x)
constexpr int kWarps = 8;        // per block

template <class T, int NT>
__global__ void __launch_bounds__(kWarps * 32) matvec_kernel(const uint8_t* __restrict__ w, size_t row_bytes,
                                                             int cols, const int32_t* __restrict__ idx,
                                                             int64_t n_out, const int32_t* __restrict__ d_count,
                                                             const float* __restrict__ x, int64_t x_stride,
                                                             float* __restrict__ y, int64_t y_stride, bool relu,
                                                             bool accumulate) {
    constexpr int G = T::kGroups;
    constexpr int R = kRowsPerWarp;
    const int lane = threadIdx.x & 31;
    const int64_t j0 = (int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5)) * R;
    if (d_count) n_out = min(n_out, int64_t(*d_count));
    if (j0 >= n_out) return;  // whole warp leaves together

    const uint8_t* rows[R];
    matvec_rows(w, row_bytes, idx, j0, n_out, rows);

    float acc[R][NT];
#pragma unroll
    for (int r = 0; r < R; ++r)
#pragma unroll
        for (int t = 0; t < NT; ++t) acc[r][t] = 0.0f;

    const int n_chunks = cols / T::kElems;
#pragma unroll 2
    for (int c = lane; c < n_chunks; c += 32) {
        int xo[G];
        T::offsets(c, xo);
        chunks::Chunk<G> ch[R];
#pragma unroll
        for (int r = 0; r < R; ++r) T::load(rows[r], c, ch[r]);
#pragma unroll
        for (int t = 0; t < NT; ++t) {
#pragma unroll
            for (int g = 0; g < G; ++g) {
                const float4 xv = __ldg(reinterpret_cast<const float4*>(x + t * x_stride + xo[g]));
#pragma unroll
                for (int r = 0; r < R; ++r) {
                    float p = ch[r].q[g][0] * xv.x;
                    p = fmaf(ch[r].q[g][1], xv.y, p);
                    p = fmaf(ch[r].q[g][2], xv.z, p);
                    p = fmaf(ch[r].q[g][3], xv.w, p);
                    acc[r][t] = fmaf(ch[r].s[g], p, acc[r][t]);
                    if constexpr (T::kHasMin) acc[r][t] -= ch[r].m[g] * ((xv.x + xv.y) + (xv.z + xv.w));
                }
            }
        }
    }
    matvec_store(acc, lane, j0, n_out, y, y_stride, relu, accumulate);
}

template <class T, int NT>
Status launch(const MatvecArgs& a, int t0, cudaStream_t stream) {
    const int64_t warps = (a.n_out + kRowsPerWarp - 1) / kRowsPerWarp;
    const int64_t blocks = (warps + kWarps - 1) / kWarps;
    matvec_kernel<T, NT><<<unsigned(blocks), kWarps * 32, 0, stream>>>(
        a.w.data, a.w.row_bytes, int(a.w.cols), a.idx, a.n_out, a.d_count, a.x + t0 * a.x_stride, a.x_stride,
        a.y + t0 * a.y_stride, a.y_stride, a.relu, a.accumulate);
    return launch_status("matvec_kernel");
}

}  // namespace

Status matvec(const MatvecArgs& in, cudaStream_t stream) {
    LOCUS_TRY(check_matrix(in.w, "matvec"));
    MatvecArgs a = in;
    if (!a.idx) a.n_out = a.w.rows;
    if (a.n_out < 0 || a.n_tokens < 1 || !a.x || !a.y)
        return Status::error("matvec: bad arguments (n_out " + std::to_string(a.n_out) + ", n_tokens " +
                             std::to_string(a.n_tokens) + ", x " + (a.x ? "set" : "null") + ", y " +
                             (a.y ? "set" : "null") + ")");
    if (a.n_out == 0) return Status::ok();
    if (a.x_stride % 4 != 0 || reinterpret_cast<uintptr_t>(a.x) % 16 != 0 || a.x_stride < a.w.cols)
        return Status::error("matvec: x must be 16-byte aligned with a stride that is a multiple of 4 floats");
    if (a.y_stride < a.n_out && a.n_tokens > 1) return Status::error("matvec: y_stride smaller than the output");
    if (a.n_out > (int64_t(1) << 31) - 64) return Status::error("matvec: too many rows");
    if (matvec_int8_applies(a)) return matvec_q4_0_int8(a, stream);
    return dispatch_weight_type(a.w.type, "matvec", [&](auto dec) -> Status {
        using T = decltype(dec);
        return for_token_groups(a.n_tokens, [&](auto nt, int t) { return launch<T, decltype(nt)::value>(a, t, stream); });
    });
}

Status matvec(const DeviceMatrix& w, const float* x, float* y, cudaStream_t stream) {
    MatvecArgs a;
    a.w = w;
    a.x = x;
    a.x_stride = w.cols;
    a.y = y;
    a.y_stride = w.rows;
    return matvec(a, stream);
}

}  // namespace locus::cuda
