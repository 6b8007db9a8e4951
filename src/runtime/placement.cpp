#include "runtime/placement.h"

#include <cmath>
#include <fmt/format.h>

namespace locus {

Status check_vram_budget(double gib) {
    if (std::isnan(gib)) return Status::error("VRAM budget is not a number");
    if (gib <= 0) return Status::ok();
#ifdef LOCUS_HAVE_CUDA
    return Status::ok();  // whether it fits is known only at load (runtime/gpu_offload.h says why not)
#else
    return Status::error(fmt::format("VRAM budget {} GiB: this build has no CUDA backend (built without CUDA, "
                                     "configure with -DLOCUS_CUDA=ON)", gib));
#endif
}

WeightPlacement placement_of(const Engine& engine) {
    WeightPlacement p;
    p.n_layer = engine.spec().n_layer;
    p.cpu_bytes = weight_bytes(engine.weights());
    if (const GpuBackend* g = engine.gpu()) {
        p.backend = "cuda";
        p.n_layer_gpu = gpu_attention_layers(*g);
        p.gpu_bytes = gpu_weight_bytes(*g);
        p.gpu_ffn_fraction = gpu_ffn_fraction(*g);
    }
    return p;
}

}  // namespace locus
