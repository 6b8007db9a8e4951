// AVX-512 VNNI (vpdpbusd) versions of the legacy-type dots. Measured on Sapphire Rapids (4096 x 4096, one
// thread, L3-resident): one block per ymm (dot_legacy_256_inl.h) beats two blocks per zmm
// (dot_legacy_avx512_inl.h) for Q4_0, Q5_0, Q8_0 (~10-30%); the zmm kernels win for Q4_1, Q5_1.
#define LOCUS_VNNI 1
#define LOCUS_VNNI256 1
#include "quant/dot_legacy_256_inl.h"
#include "quant/dot_legacy_avx512_inl.h"
#include "quant/legacy_kernels.h"

namespace locus::legacy {

float vec_dot_q4_0_avx512vnni(int64_t n, const void* w, const void* x) { return v256::dot_blocks<BlockQ4_0, BlockQ8_0>(n, w, x); }
float vec_dot_q4_1_avx512vnni(int64_t n, const void* w, const void* x) { return v512::dot_blocks<BlockQ4_1, BlockQ8_1>(n, w, x); }
float vec_dot_q5_0_avx512vnni(int64_t n, const void* w, const void* x) { return v256::dot_blocks<BlockQ5_0, BlockQ8_0>(n, w, x); }
float vec_dot_q5_1_avx512vnni(int64_t n, const void* w, const void* x) { return v512::dot_blocks<BlockQ5_1, BlockQ8_1>(n, w, x); }
float vec_dot_q8_0_avx512vnni(int64_t n, const void* w, const void* x) { return v256::dot_blocks<BlockQ8_0, BlockQ8_0>(n, w, x); }

}  // namespace locus::legacy
