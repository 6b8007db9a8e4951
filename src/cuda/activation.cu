#include "cuda/activation.h"

#include "cuda/activation.cuh"
#include "cuda/check.h"

namespace locus::cuda {
namespace {

template <FfnActivation A, FfnMode M>
__global__ void activate_kernel(const float* __restrict__ gate, const float* __restrict__ up, float* __restrict__ h,
                                int64_t n) {
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n) return;
    if constexpr (M == FfnMode::par) h[i] = act_apply<A>(gate[i]) * up[i];
    else if constexpr (M == FfnMode::sym) h[i] = act_apply<A>(gate[i]) * act_apply<A>(up[i]);
    else h[i] = act_apply<A>(up[i]);
}

template <FfnActivation A>
Status launch(FfnMode mode, const float* gate, const float* up, float* h, int64_t n, cudaStream_t stream) {
    const unsigned blocks = unsigned((n + 255) / 256);
    switch (mode) {
        case FfnMode::par: activate_kernel<A, FfnMode::par><<<blocks, 256, 0, stream>>>(gate, up, h, n); break;
        case FfnMode::sym: activate_kernel<A, FfnMode::sym><<<blocks, 256, 0, stream>>>(gate, up, h, n); break;
        case FfnMode::seq: activate_kernel<A, FfnMode::seq><<<blocks, 256, 0, stream>>>(gate, up, h, n); break;
    }
    return launch_status("activate_kernel");
}

}  // namespace

Status ffn_activate(FfnActivation act, FfnMode mode, const float* gate, const float* up, float* h, int64_t n,
                    cudaStream_t stream) {
    if (!up || !h || n < 0 || (mode != FfnMode::seq && !gate)) return Status::error("ffn_activate: bad arguments");
    if (n == 0) return Status::ok();
    switch (act) {
        case FfnActivation::silu: return launch<FfnActivation::silu>(mode, gate, up, h, n, stream);
        case FfnActivation::relu: return launch<FfnActivation::relu>(mode, gate, up, h, n, stream);
        case FfnActivation::gelu: return launch<FfnActivation::gelu>(mode, gate, up, h, n, stream);
    }
    return Status::error("ffn_activate: unknown activation");
}

}  // namespace locus::cuda
