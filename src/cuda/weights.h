// A weight matrix resident on the GPU, in its file type (ggml block layout), rows contiguous.
#pragma once
#include <cstddef>
#include <cstdint>

#include "quant/types.h"

namespace locus::cuda {

struct DeviceMatrix {
    DType type = DType::F32;
    int64_t rows = 0;
    int64_t cols = 0;          // multiple of 32 (and of 256 for K-quants)
    size_t row_bytes = 0;      // bytes of one row: (cols / block) * block_bytes
    const uint8_t* data = nullptr;  // device pointer, 16-byte aligned
};

// The weight types the GPU kernels accept (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K), with their block shape
// (kept here so locus_cuda needs no symbol of the CPU library). nullptr for other types.
struct GpuTypeInfo {
    const char* name;
    int block;   // elements per block
    int bytes;   // bytes per block
};
const GpuTypeInfo* gpu_type_info(DType t);
inline bool gpu_supports(DType t) { return gpu_type_info(t) != nullptr; }

}  // namespace locus::cuda
