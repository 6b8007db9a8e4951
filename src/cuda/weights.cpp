#include "cuda/weights.h"

namespace locus::cuda {

const GpuTypeInfo* gpu_type_info(DType t) {
    static const GpuTypeInfo f32{"f32", 1, 4}, f16{"f16", 1, 2}, bf16{"bf16", 1, 2}, q8_0{"q8_0", 32, 34},
        q4_0{"q4_0", 32, 18}, q4_k{"q4_K", 256, 144}, q6_k{"q6_K", 256, 210};
    switch (t) {
        case DType::F32: return &f32;
        case DType::F16: return &f16;
        case DType::BF16: return &bf16;
        case DType::Q8_0: return &q8_0;
        case DType::Q4_0: return &q4_0;
        case DType::Q4_K: return &q4_k;
        case DType::Q6_K: return &q6_k;
        default: return nullptr;
    }
}

}  // namespace locus::cuda
