// Small SIMD helpers shared by the AVX2-level decode kernels (gemv_avx2.cpp, gemv_group_avx2.cpp) and, through
// simd_avx512.h, the AVX-512 ones. Include only from files compiled with at least -mavx2 -mfma -mf16c (the
// *_avx2.cpp / *_avx512*.cpp files, see CMakeLists.txt). Everything here has internal linkage (anonymous
// namespace), so each kernel file gets its own copy built with its own instruction set flags.
#pragma once
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "cpu/simd_avx2.h needs -mavx2 -mfma -mf16c (include it only from *_avx2.cpp or *_avx512*.cpp files)"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "cpu/gemv_kernels.h"

namespace locus::gemv {
namespace {

inline float h2f(uint16_t h) { return _cvtsh_ss(h); }
inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
// 8 fp16 values at p as floats.
inline __m256 half8(const void* p) { return _mm256_cvtph_ps(_mm_loadu_si128(static_cast<const __m128i*>(p))); }

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Sums of 4 adjacent u8 * s8 products as 8 int32 (pairs fit int16: u <= 128, |s| <= 127 or u <= 15).
inline __m256i dot_u8_i8(__m256i u, __m256i s) { return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)); }
// The same for s8 * s8 (Q8_0 weights w against activations x): |w| * (x with w's sign).
inline __m256i dot_i8_i8(__m256i w, __m256i x) { return dot_u8_i8(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w)); }

// One unit of a row-interleaved Q4_0/Q8_0 group (cpu/interleave.h) starts with the four rows' fp16 scales:
// those as floats, each times the activation block's scale dx.
inline __m128 group_scales(const uint8_t* g, uint16_t dx) {
    return _mm_mul_ps(_mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(g))), _mm_set1_ps(_cvtsh_ss(dx)));
}

// Prefetches Bytes bytes from offset off of each of the kGemvRows rows pf[k] (nothing when pf is null).
template <int Bytes>
inline void prefetch_rows(const uint8_t* const* pf, size_t off) {
    if (!pf) return;
    for (int k = 0; k < kGemvRows; ++k)
        for (int b = 0; b < Bytes; b += 64) _mm_prefetch(reinterpret_cast<const char*>(pf[k] + off + b), _MM_HINT_T0);
}

}  // namespace
}  // namespace locus::gemv
