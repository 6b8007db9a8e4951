// Launch-time validation of a DeviceMatrix (shared by the weight kernels' launchers).
#pragma once
#include <cstdint>
#include <string>

#include "core/status.h"
#include "cuda/weights.h"

namespace locus::cuda {

inline Status check_matrix(const DeviceMatrix& w, const char* who) {
    const std::string pre = std::string(who) + ": ";
    const GpuTypeInfo* ti = gpu_type_info(w.type);
    if (!ti) return Status::error(pre + "weight type id " + std::to_string(unsigned(w.type)) + " has no CUDA kernel");
    if (w.rows <= 0 || w.cols <= 0 || w.cols % 32 != 0 || w.cols % ti->block != 0 || w.cols > (int64_t(1) << 30))
        return Status::error(pre + "bad shape " + std::to_string(w.rows) + "x" + std::to_string(w.cols) + " for " +
                             ti->name + " (cols must be a multiple of 32 and of the block size)");
    if (w.row_bytes != size_t(w.cols / ti->block) * size_t(ti->bytes))
        return Status::error(pre + "row_bytes does not match " + ti->name + " and cols");
    if (!w.data || reinterpret_cast<uintptr_t>(w.data) % 16 != 0)
        return Status::error(pre + "weight pointer is null or not 16-byte aligned");
    return Status::ok();
}

}  // namespace locus::cuda
