#include "cuda/gate_up.h"

#include <string>

#include "cuda/activation.cuh"
#include "cuda/check.h"
#include "cuda/dispatch.cuh"
#include "cuda/warp.cuh"
#include "cuda/weights_check.h"

namespace locus::cuda {
namespace {

constexpr int kWarps = 8;  // per block; one warp per row pair (gate row j, up row j)

struct Params {
    const uint8_t* gate;  // null: SEQ
    const uint8_t* up;
    size_t row_bytes;
    int cols;
    int64_t n_out;
    const float* x;
    int64_t x_stride;
    float* h;
    int64_t h_stride;
    const float* logits;
    int64_t logits_stride;
    const int32_t* map;
    float threshold;
    FfnActivation act;
    FfnMode mode;
};

// acc += s * (q . x) - m * sum(x): the same operation order as matvec_kernel.
template <class T, int G>
__device__ __forceinline__ void madd(const chunks::Chunk<G>& ch, int g, float4 xv, float& acc) {
    float p = ch.q[g][0] * xv.x;
    p = fmaf(ch.q[g][1], xv.y, p);
    p = fmaf(ch.q[g][2], xv.z, p);
    p = fmaf(ch.q[g][3], xv.w, p);
    acc = fmaf(ch.s[g], p, acc);
    if constexpr (T::kHasMin) acc -= ch.m[g] * ((xv.x + xv.y) + (xv.z + xv.w));
}

template <class T, int NT>
__global__ void __launch_bounds__(kWarps * 32) gate_up_kernel(Params a) {
    constexpr int G = T::kGroups;
    const int lane = threadIdx.x & 31;
    const int64_t j = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
    if (j >= a.n_out) return;  // whole warp leaves together

    unsigned on = (1u << NT) - 1u;  // tokens that need row j
    if (a.logits) {
        const int64_t col = a.map ? a.map[j] : j;
        on = 0;
#pragma unroll
        for (int t = 0; t < NT; ++t) on |= (a.logits[t * a.logits_stride + col] >= a.threshold ? 1u : 0u) << t;
    }
    if (on == 0) {  // inactive for every token of the group: the rows are not read
        if (lane < NT) a.h[lane * a.h_stride + j] = 0.0f;
        return;
    }
    const bool gated = a.gate != nullptr;
    const uint8_t* ur = a.up + size_t(j) * a.row_bytes;
    const uint8_t* gr = gated ? a.gate + size_t(j) * a.row_bytes : ur;

    float ua[NT], ga[NT];
#pragma unroll
    for (int t = 0; t < NT; ++t) ua[t] = ga[t] = 0.0f;
    const int n_chunks = a.cols / T::kElems;
#pragma unroll 2
    for (int c = lane; c < n_chunks; c += 32) {
        int xo[G];
        T::offsets(c, xo);
        chunks::Chunk<G> cu, cg;
        T::load(ur, c, cu);
        if (gated) T::load(gr, c, cg);
#pragma unroll
        for (int t = 0; t < NT; ++t) {
#pragma unroll
            for (int g = 0; g < G; ++g) {
                const float4 xv = __ldg(reinterpret_cast<const float4*>(a.x + t * a.x_stride + xo[g]));
                madd<T, G>(cu, g, xv, ua[t]);
                if (gated) madd<T, G>(cg, g, xv, ga[t]);
            }
        }
    }
#pragma unroll
    for (int t = 0; t < NT; ++t) {
        const float u = warp_sum(ua[t]);
        const float g = gated ? warp_sum(ga[t]) : 0.0f;
        if (lane == 0) a.h[t * a.h_stride + j] = (on >> t) & 1u ? ffn_combine(a.act, a.mode, g, u) : 0.0f;
    }
}

template <class T, int NT>
Status launch(Params p, int t0, cudaStream_t stream) {
    p.x += t0 * p.x_stride;
    p.h += t0 * p.h_stride;
    if (p.logits) p.logits += t0 * p.logits_stride;
    const unsigned blocks = unsigned((p.n_out + kWarps - 1) / kWarps);
    gate_up_kernel<T, NT><<<blocks, kWarps * 32, 0, stream>>>(p);
    return launch_status("gate_up_kernel");
}

}  // namespace

Status ffn_gate_up(const GateUpArgs& a, cudaStream_t stream) {
    LOCUS_TRY(check_matrix(a.up, "ffn_gate_up (up)"));
    const bool gated = a.gate.rows > 0;
    if (gated) {
        LOCUS_TRY(check_matrix(a.gate, "ffn_gate_up (gate)"));
        if (a.gate.type != a.up.type || a.gate.cols != a.up.cols || a.gate.rows < a.n_out)
            return Status::error("ffn_gate_up: gate and up need the same type and columns");
    }
    if (a.mode != FfnMode::seq && !gated) return Status::error("ffn_gate_up: PAR/SYM need a gate");
    if (a.n_out < 0 || a.n_out > a.up.rows || a.n_tokens < 1 || !a.x || !a.h || a.h_stride < a.n_out)
        return Status::error("ffn_gate_up: bad arguments (n_out " + std::to_string(a.n_out) + ", n_tokens " +
                             std::to_string(a.n_tokens) + ")");
    if (a.x_stride % 4 != 0 || reinterpret_cast<uintptr_t>(a.x) % 16 != 0 || a.x_stride < a.up.cols)
        return Status::error("ffn_gate_up: x must be 16-byte aligned with a stride that is a multiple of 4 floats");
    if (a.logits && !a.map && a.logits_stride < a.n_out) return Status::error("ffn_gate_up: logits stride too small");
    if (a.n_out == 0) return Status::ok();
    Params p{gated ? a.gate.data : nullptr, a.up.data, a.up.row_bytes, int(a.up.cols), a.n_out, a.x, a.x_stride, a.h,
             a.h_stride, a.logits, a.logits_stride, a.map, a.threshold, a.act, a.mode};
    return dispatch_weight_type(a.up.type, "ffn_gate_up", [&](auto dec) -> Status {
        using T = decltype(dec);
        int t = 0;  // tokens in groups of 8, 4, 2, 1: each group reads the rows once
        for (; t + 8 <= a.n_tokens; t += 8) LOCUS_TRY((launch<T, 8>(p, t, stream)));
        if (t + 4 <= a.n_tokens) { LOCUS_TRY((launch<T, 4>(p, t, stream))); t += 4; }
        if (t + 2 <= a.n_tokens) { LOCUS_TRY((launch<T, 2>(p, t, stream))); t += 2; }
        if (t < a.n_tokens) LOCUS_TRY((launch<T, 1>(p, t, stream)));
        return Status::ok();
    });
}

}  // namespace locus::cuda
