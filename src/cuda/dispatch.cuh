// Maps a DType to its chunk decoder (chunks.cuh) for the weight kernels' launchers.
#pragma once
#include <string>

#include "core/status.h"
#include "cuda/chunks.cuh"
#include "quant/types.h"

namespace locus::cuda {

// Calls f(Decoder{}) for a weight type the GPU kernels support; an error naming `who` otherwise.
template <class F>
Status dispatch_weight_type(DType t, const char* who, F&& f) {
    switch (t) {
        case DType::F32: return f(chunks::F32{});
        case DType::F16: return f(chunks::F16{});
        case DType::BF16: return f(chunks::BF16{});
        case DType::Q8_0: return f(chunks::Q8_0{});
        case DType::Q4_0: return f(chunks::Q4_0{});
        case DType::Q4_K: return f(chunks::Q4_K{});
        case DType::Q6_K: return f(chunks::Q6_K{});
        default: break;
    }
    return Status::error(std::string(who) + ": weight type id " + std::to_string(unsigned(t)) + " has no CUDA kernel");
}

}  // namespace locus::cuda
