// AVX-512 VNNI (vpdpbusd) versions of the legacy-type dots; the kernels are in dot_legacy_avx512_inl.h.
#define LOCUS_VNNI 1
#include "quant/dot_legacy_avx512_inl.h"
#include "quant/legacy_kernels.h"

namespace locus::legacy {

float vec_dot_q4_0_avx512vnni(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ4_0, BlockQ8_0>(n, w, x); }
float vec_dot_q4_1_avx512vnni(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ4_1, BlockQ8_1>(n, w, x); }
float vec_dot_q5_0_avx512vnni(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ5_0, BlockQ8_0>(n, w, x); }
float vec_dot_q5_1_avx512vnni(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ5_1, BlockQ8_1>(n, w, x); }
float vec_dot_q8_0_avx512vnni(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ8_0, BlockQ8_0>(n, w, x); }

}  // namespace locus::legacy
