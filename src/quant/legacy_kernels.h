// Every built version of the legacy-type kernels, for the registry (legacy_types.cpp) and the tests.
// Call an _avx2 / _avx512 / _avx512vnni version only when cpu_features() reports that instruction set.
// All take n = elements, a multiple of 32; the dots read one weight row and one activation row of the
// type's vec_dot_type (Q8_0 for Q4_0, Q5_0, Q8_0; Q8_1 for Q4_1, Q5_1).
#pragma once
#include <cstdint>

namespace locus::legacy {

#define LOCUS_LEGACY_DOTS(isa)                                                 \
    float vec_dot_q4_0_##isa(int64_t n, const void* w, const void* x);         \
    float vec_dot_q4_1_##isa(int64_t n, const void* w, const void* x);         \
    float vec_dot_q5_0_##isa(int64_t n, const void* w, const void* x);         \
    float vec_dot_q5_1_##isa(int64_t n, const void* w, const void* x);         \
    float vec_dot_q8_0_##isa(int64_t n, const void* w, const void* x);

LOCUS_LEGACY_DOTS(scalar)
LOCUS_LEGACY_DOTS(avx2)
LOCUS_LEGACY_DOTS(avx512)      // AVX-512 F/BW/VL
LOCUS_LEGACY_DOTS(avx512vnni)  // + VNNI (vpdpbusd)
#undef LOCUS_LEGACY_DOTS

// Activation quantisers (run on every activation vector, so they have vector versions). The vector versions
// round halfway cases to even where the scalar reference (like ggml's) rounds them away from zero: a quant
// may then differ by one, only for x / d exactly halfway between two integers.
void quantize_q8_0_scalar(const float* x, void* y, int64_t n);
void quantize_q8_0_avx2(const float* x, void* y, int64_t n);
void quantize_q8_0_avx512(const float* x, void* y, int64_t n);
void quantize_q8_1_scalar(const float* x, void* y, int64_t n);
void quantize_q8_1_avx2(const float* x, void* y, int64_t n);
void quantize_q8_1_avx512(const float* x, void* y, int64_t n);

}  // namespace locus::legacy
