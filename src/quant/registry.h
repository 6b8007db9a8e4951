// How each family of types fills its rows of the traits table (called once, before the table is used).
// Each family lives in its own file; the table in types.cpp picks the fastest dot per CPU afterwards.
#pragma once
#include "quant/types.h"

namespace locus {

constexpr int kTypeTableSize = 40;  // > largest DType id

void register_float_types(TypeTraits* table);   // F32, F16, BF16       (float_types.cpp)
void register_legacy_types(TypeTraits* table);  // Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q8_1  (legacy_types.cpp)
void register_k_types(TypeTraits* table);       // Q4_K Q5_K Q6_K Q8_K  (k_types.cpp)

}  // namespace locus
