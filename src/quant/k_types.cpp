// Placeholder rows (layout facts only); the kernels are filled in by the quant work.
#include "quant/registry.h"

namespace locus {
void register_k_types(TypeTraits* t) {
    t[int(DType::Q2_K)] = {"q2_K", 256, 84, true};
    t[int(DType::Q3_K)] = {"q3_K", 256, 110, true};
    t[int(DType::Q4_K)] = {"q4_K", 256, 144, true};
    t[int(DType::Q5_K)] = {"q5_K", 256, 176, true};
    t[int(DType::Q6_K)] = {"q6_K", 256, 210, true};
    t[int(DType::Q8_K)] = {"q8_K", 256, 292, true};
}
}  // namespace locus
