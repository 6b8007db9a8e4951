// Placeholder rows (layout facts only); the kernels are filled in by the quant work.
#include "quant/registry.h"

namespace locus {
void register_legacy_types(TypeTraits* t) {
    t[int(DType::Q4_0)] = {"q4_0", 32, 18, true};
    t[int(DType::Q4_1)] = {"q4_1", 32, 20, true};
    t[int(DType::Q5_0)] = {"q5_0", 32, 22, true};
    t[int(DType::Q5_1)] = {"q5_1", 32, 24, true};
    t[int(DType::Q8_0)] = {"q8_0", 32, 34, true};
    t[int(DType::Q8_1)] = {"q8_1", 32, 36, true};
}
}  // namespace locus
