// CUDA error handling: every runtime call and every launch is turned into a Status carrying CUDA's message.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "core/status.h"

namespace locus::cuda {

inline Status cuda_status(cudaError_t e, const char* what) {
    if (e == cudaSuccess) return Status::ok();
    return Status::error(std::string(what) + ": " + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
}

// After a kernel launch: the launch error (bad configuration, no device), if any.
inline Status launch_status(const char* kernel) { return cuda_status(cudaGetLastError(), kernel); }

}  // namespace locus::cuda

// Returns the failed Status of a CUDA runtime call from the enclosing function.
#define LOCUS_CUDA_TRY(call)                                                              \
    do {                                                                                  \
        ::locus::Status locus_cuda_st_ = ::locus::cuda::cuda_status((call), #call);       \
        if (!locus_cuda_st_) return locus_cuda_st_;                                       \
    } while (0)
