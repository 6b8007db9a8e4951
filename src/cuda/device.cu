#include "cuda/device.h"

#include <cuda_runtime.h>

namespace locus::cuda {

Expected<std::vector<DeviceInfo>> list_devices() {
    int n = 0;
    if (cudaError_t e = cudaGetDeviceCount(&n); e != cudaSuccess)
        return Status::error(std::string("CUDA unavailable: ") + cudaGetErrorString(e));
    std::vector<DeviceInfo> out;
    for (int i = 0; i < n; ++i) {
        cudaDeviceProp p{};
        if (cudaError_t e = cudaGetDeviceProperties(&p, i); e != cudaSuccess)
            return Status::error(std::string("cudaGetDeviceProperties: ") + cudaGetErrorString(e));
        DeviceInfo d;
        d.index = i;
        d.name = p.name;
        d.cc_major = p.major;
        d.cc_minor = p.minor;
        d.sm_count = p.multiProcessorCount;
        d.total_bytes = p.totalGlobalMem;
        size_t free_b = 0, total_b = 0;
        if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) d.free_bytes = free_b;
        out.push_back(d);
    }
    return out;
}

}  // namespace locus::cuda
