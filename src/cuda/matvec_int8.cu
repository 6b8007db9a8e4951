// Q4_0 matvec with 8-bit activations (the ggml/CPU scheme for Q4_0 dots): x is first quantised per block of
// 32 to int8 with one scale (quantize_x_q8), then each product of a weight block and an x block is eight dp4a
// instructions and one scaled add. The F32 kernel of matvec.cu spends about four instructions per weight
// (decode, convert, FMA) and reaches 44% of the copy rate, about what the SMs can issue at that count; this one
// spends about one. On the 70B hybrid (H100) it made decode 11.6% faster (bench/RESULTS.md, 2026-12-06).
//
// Q4_0 blocks are 18 bytes, so a row holds no 16-byte aligned block. A warp copies 32 block pairs (1152
// contiguous bytes per row, 16-byte loads) into shared memory; lane i then reads pair i as nine 32-bit words
// (stride 9 words: no bank conflicts). Pair layout: word 0 = d0 | q0[0..1], words 1-3 = q0[2..13],
// word 4 = q0[14..15] | d1, words 5-8 = q1[0..15]; block 0's quant words are funnel shifts of words 0-4.
#include <cuda_fp16.h>

#include <string>

#include "cuda/check.h"
#include "cuda/matvec.h"
#include "cuda/matvec_common.cuh"

namespace locus::cuda {
namespace {

constexpr int kWarps = 8;        // per thread block
constexpr int kRows = 2;         // rows per warp: each x load serves both
constexpr int kPairWords = 9;    // 36 bytes: two Q4_0 blocks
constexpr int kSegPairs = 32;    // pairs a warp stages at a time (one per lane)

__device__ __forceinline__ float half_lo(uint32_t w) { return __half2float(__ushort_as_half(uint16_t(w & 0xFFFFu))); }
__device__ __forceinline__ float half_hi(uint32_t w) { return __half2float(__ushort_as_half(uint16_t(w >> 16))); }

// One warp per block of 32: q = round(x / d) with d = amax / 127, and (d, d * sum q) for the -8 offset of Q4_0.
__global__ void quantize_x_q8(const float* __restrict__ x, int64_t x_stride, int cols, int n_tok,
                              int8_t* __restrict__ xq, float2* __restrict__ xs) {
    const int nb = cols / 32;
    const int64_t warp = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (warp >= int64_t(nb) * n_tok) return;
    const int t = int(warp / nb), b = int(warp % nb);
    const float v = x[t * x_stride + b * 32 + lane];
    const float amax = warp_max(fabsf(v));
    const float d = amax / 127.0f;
    const float id = d > 0.0f ? 1.0f / d : 0.0f;
    const int q = __float2int_rn(v * id);
    int sum = q;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xFFFFFFFFu, sum, o);
    xq[int64_t(t) * cols + b * 32 + lane] = int8_t(q);
    if (lane == 0) xs[int64_t(t) * nb + b] = make_float2(d, d * float(sum));
}

// sum over one block of (q4 nibble) * (x int8): q holds the block's four quant words, xw its eight x words
// (x elements 0-15 pair with the low nibbles, 16-31 with the high ones).
__device__ __forceinline__ int block_dot(const uint32_t q[4], const int xw[8]) {
    int s = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        s = __dp4a(int(q[i] & 0x0F0F0F0Fu), xw[i], s);
        s = __dp4a(int((q[i] >> 4) & 0x0F0F0F0Fu), xw[4 + i], s);
    }
    return s;
}

template <int NT>
__global__ void __launch_bounds__(kWarps * 32) matvec_q4_0_int8_kernel(
    const uint8_t* __restrict__ w, size_t row_bytes, int nb, bool vec16, const int32_t* __restrict__ idx,
    int64_t n_out, const int32_t* __restrict__ d_count, const int8_t* __restrict__ xq,
    const float2* __restrict__ xs, float* __restrict__ y, int64_t y_stride, bool relu, bool accumulate) {
    __shared__ __align__(16) uint32_t stage[kWarps][kRows][kSegPairs * kPairWords];  // 16-byte stores into it
    const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
    const int64_t j0 = (int64_t(blockIdx.x) * kWarps + wid) * kRows;
    if (d_count) n_out = min(n_out, int64_t(*d_count));
    if (j0 >= n_out) return;  // whole warp leaves together

    const uint8_t* rows[kRows];
    matvec_rows(w, row_bytes, idx, j0, n_out, rows);
    float acc[kRows][NT];
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
        for (int t = 0; t < NT; ++t) acc[r][t] = 0.0f;

    const int cols = nb * 32, np = nb / 2;
    for (int p0 = 0; p0 < np; p0 += kSegPairs) {
        const int cnt = min(kSegPairs, np - p0);
        const int words = cnt * kPairWords;
        // Stage: the segment's bytes of each row, contiguous, into this warp's shared words.
#pragma unroll
        for (int r = 0; r < kRows; ++r) {
            const uint8_t* src = rows[r] + size_t(p0) * 36;
            uint32_t* dst = stage[wid][r];
            int done = 0;
            if (vec16) {  // rows 16-byte aligned: 16-byte loads for the whole quads of words
                const int quads = words / 4;
                for (int k = lane; k < quads; k += 32)
                    reinterpret_cast<uint4*>(dst)[k] = __ldg(reinterpret_cast<const uint4*>(src) + k);
                done = quads * 4;
            }
            for (int k = done + lane; k < words; k += 32) dst[k] = __ldg(reinterpret_cast<const uint32_t*>(src) + k);
        }
        __syncwarp();
        if (lane < cnt) {
            const int p = p0 + lane;
            uint32_t q[kRows][2][4];
            float d[kRows][2];
#pragma unroll
            for (int r = 0; r < kRows; ++r) {
                const uint32_t* sw = stage[wid][r] + lane * kPairWords;
                uint32_t v[kPairWords];
#pragma unroll
                for (int k = 0; k < kPairWords; ++k) v[k] = sw[k];
#pragma unroll
                for (int i = 0; i < 4; ++i) {
                    q[r][0][i] = __funnelshift_r(v[i], v[i + 1], 16);
                    q[r][1][i] = v[5 + i];
                }
                d[r][0] = half_lo(v[0]);
                d[r][1] = half_hi(v[4]);
            }
#pragma unroll
            for (int t = 0; t < NT; ++t) {  // x of one token at a time: few registers at eight tokens
                const int4* xp = reinterpret_cast<const int4*>(xq + int64_t(t) * cols + 64 * p);
                int xw[2][8];
#pragma unroll
                for (int h = 0; h < 2; ++h) {
                    const int4 a = __ldg(xp + 2 * h), b = __ldg(xp + 2 * h + 1);
                    xw[h][0] = a.x; xw[h][1] = a.y; xw[h][2] = a.z; xw[h][3] = a.w;
                    xw[h][4] = b.x; xw[h][5] = b.y; xw[h][6] = b.z; xw[h][7] = b.w;
                }
                const float4 sc = __ldg(reinterpret_cast<const float4*>(xs + int64_t(t) * nb + 2 * p));
#pragma unroll
                for (int r = 0; r < kRows; ++r) {
                    const int s0 = block_dot(q[r][0], xw[0]), s1 = block_dot(q[r][1], xw[1]);
                    // sum (q - 8) * d * xq * dx = d * (dx * sum q xq - 8 * dx * sum xq)
                    acc[r][t] = fmaf(d[r][0], fmaf(sc.x, float(s0), -8.0f * sc.y), acc[r][t]);
                    acc[r][t] = fmaf(d[r][1], fmaf(sc.z, float(s1), -8.0f * sc.w), acc[r][t]);
                }
            }
        }
        __syncwarp();  // the next segment overwrites the stage
    }
    matvec_store(acc, lane, j0, n_out, y, y_stride, relu, accumulate);
}

template <int NT>
Status launch(const MatvecArgs& a, int t0, int nb, bool vec16, cudaStream_t stream) {
    const int64_t warps = (a.n_out + kRows - 1) / kRows;
    const int64_t blocks = (warps + kWarps - 1) / kWarps;
    const int8_t* xq = a.xq + int64_t(t0) * a.w.cols;
    const float2* xs = reinterpret_cast<const float2*>(a.xq + int64_t(a.n_tokens) * a.w.cols) + int64_t(t0) * nb;
    matvec_q4_0_int8_kernel<NT><<<unsigned(blocks), kWarps * 32, 0, stream>>>(
        a.w.data, a.w.row_bytes, nb, vec16, a.idx, a.n_out, a.d_count, xq, xs, a.y + t0 * a.y_stride, a.y_stride,
        a.relu, a.accumulate);
    return launch_status("matvec_q4_0_int8_kernel");
}

}  // namespace

size_t matvec_x_scratch_bytes(int64_t cols, int n_tokens) {
    return size_t(n_tokens) * size_t(cols) + size_t(n_tokens) * size_t(cols / 32) * sizeof(float2) + 16;
}

bool matvec_int8_applies(const MatvecArgs& a) {
    return a.xq && a.w.type == DType::Q4_0 && a.w.cols % 64 == 0 && a.w.row_bytes % 4 == 0 &&
           reinterpret_cast<uintptr_t>(a.w.data) % 16 == 0 && reinterpret_cast<uintptr_t>(a.xq) % 16 == 0;
}

// Checked by matvec() before it comes here: arguments, and matvec_int8_applies.
Status matvec_q4_0_int8(const MatvecArgs& a, cudaStream_t stream) {
    const int nb = int(a.w.cols / 32);
    const int64_t qwarps = int64_t(nb) * a.n_tokens;
    const unsigned qblocks = unsigned((qwarps * 32 + 255) / 256);
    float2* xs = reinterpret_cast<float2*>(a.xq + int64_t(a.n_tokens) * a.w.cols);
    quantize_x_q8<<<qblocks, 256, 0, stream>>>(a.x, a.x_stride, int(a.w.cols), a.n_tokens, a.xq, xs);
    LOCUS_TRY(launch_status("quantize_x_q8"));
    const bool vec16 = a.w.row_bytes % 16 == 0;
    return for_token_groups(a.n_tokens, [&](auto nt, int t) { return launch<decltype(nt)::value>(a, t, nb, vec16, stream); });
}

}  // namespace locus::cuda
