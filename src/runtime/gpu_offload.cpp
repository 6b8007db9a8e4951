// The CPU-only build's side of runtime/gpu_offload.h: every GPU request is an error. The CUDA build's side is
// runtime/gpu_backend.cpp.
#ifndef LOCUS_HAVE_CUDA
#include "runtime/gpu_offload.h"

namespace locus {

class GpuBackend {};

namespace {
Status no_cuda() {
    return Status::error("GPU offload (-ngl / --vram-budget) asked for, but this build has no CUDA backend (built without "
                         "CUDA: configure with -DLOCUS_CUDA=ON, e.g. the `cuda` preset)");
}
}  // namespace

Expected<std::shared_ptr<GpuBackend>> load_gpu_backend(const GpuOptions&, const std::string&, const gguf::File&,
                                                       const ModelSpec&, const ModelWeights&, const FfnSparsity&) {
    return no_cuda();
}
std::string gpu_placement_summary(const GpuBackend&) { return "everything on the CPU (built without CUDA)"; }
int64_t gpu_attention_layers(const GpuBackend&) { return 0; }
bool gpu_output_head(const GpuBackend&) { return false; }
uint64_t gpu_weight_bytes(const GpuBackend&) { return 0; }
double gpu_ffn_fraction(const GpuBackend&) { return 0.0; }
double gpu_ffn_bytes_per_token(const GpuBackend&) { return 0.0; }
Expected<std::unique_ptr<ForwardHooks>> make_gpu_hooks(GpuBackend&, int64_t, int, int64_t) { return no_cuda(); }
std::string gpu_timing_report(const ForwardHooks&) { return {}; }
void gpu_timing_reset(ForwardHooks&) {}

}  // namespace locus
#endif
