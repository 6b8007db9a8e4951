// SIMD helpers shared by the AVX-512 decode kernels (gemv_avx512.cpp, gemv_group_avx512.cpp, and the VNNI ones
// through simd_avx512vnni.h), on top of simd_avx2.h. Include only from files compiled with -mavx512f -mavx512bw
// -mavx512vl -mavx512dq (the *_avx512*.cpp files, see CMakeLists.txt).
#pragma once
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512DQ__)
#error "cpu/simd_avx512.h needs -mavx512f -mavx512bw -mavx512vl -mavx512dq (include it only from *_avx512*.cpp files)"
#endif
#include "cpu/simd_avx2.h"

namespace locus::gemv {
namespace {

inline __m512i load512(const void* p) { return _mm512_loadu_si512(p); }

// Horizontal sum of 16 floats: the two halves added, then as hsum(__m256).
inline float hsum(__m512 s) { return hsum(_mm256_add_ps(_mm512_castps512_ps256(s), _mm512_extractf32x8_ps(s, 1))); }

}  // namespace
}  // namespace locus::gemv
