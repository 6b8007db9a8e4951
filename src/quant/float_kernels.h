// Every built version of the float-type kernels (F32, F16, BF16 weights; F32 activations), for the registry
// (float_types.cpp) and the tests. Call an _avx2 / _avx512 / _avx512bf16 version only when cpu_features()
// reports that instruction set. n is any element count (block size 1): the vector versions handle tails.
#pragma once
#include <cstdint>

namespace locus::floatk {

#define LOCUS_FLOAT_DOTS(isa)                                                  \
    float vec_dot_f32_##isa(int64_t n, const void* w, const void* x);          \
    float vec_dot_f16_##isa(int64_t n, const void* w, const void* x);          \
    float vec_dot_bf16_##isa(int64_t n, const void* w, const void* x);

LOCUS_FLOAT_DOTS(scalar)
LOCUS_FLOAT_DOTS(avx2)
LOCUS_FLOAT_DOTS(avx512)
#undef LOCUS_FLOAT_DOTS

// Conversions of rows (F16C / AVX-512 versions of the scalar loops; identical results, round to nearest even).
void f16_to_f32_avx2(const void* src, float* dst, int64_t n);
void f32_to_f16_avx2(const float* src, void* dst, int64_t n);
void bf16_to_f32_avx2(const void* src, float* dst, int64_t n);
void f32_to_bf16_avx2(const float* src, void* dst, int64_t n);

}  // namespace locus::floatk
