// CUDA device discovery. Compiled only in the CUDA-on configuration (LOCUS_HAVE_CUDA).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace locus::cuda {

struct DeviceInfo {
    int index = 0;
    std::string name;
    int cc_major = 0, cc_minor = 0;
    int sm_count = 0;
    uint64_t total_bytes = 0;
    uint64_t free_bytes = 0;
};

// Every visible device; an error (with the CUDA runtime's message) when the driver or runtime is unusable.
Expected<std::vector<DeviceInfo>> list_devices();

}  // namespace locus::cuda
