// Placeholder rows (layout facts only); the kernels are filled in by the quant work.
#include "quant/registry.h"

namespace locus {
void register_float_types(TypeTraits* t) {
    t[int(DType::F32)] = {"f32", 1, 4};
    t[int(DType::F16)] = {"f16", 1, 2};
    t[int(DType::BF16)] = {"bf16", 1, 2};
}
}  // namespace locus
