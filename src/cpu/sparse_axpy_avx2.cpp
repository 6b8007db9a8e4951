// AVX2 column-sparse axpy kernels (8 lanes); the bodies are shared with AVX-512 in sparse_axpy_simd.inc.
#include <cmath>
#include <cstring>
#include <immintrin.h>

#include "core/fp16.h"
#include "cpu/sparse_axpy.h"
#include "quant/k_blocks.h"
#include "quant/legacy_blocks.h"

namespace locus::axpy {
namespace avx2 {
namespace {

struct V {
    using F = __m256;
    static constexpr int W = 8;
    static F load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
    static F set1(float x) { return _mm256_set1_ps(x); }
    static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
    static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
    static F add(F a, F b) { return _mm256_add_ps(a, b); }
    static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
    // Bytes 8 * half .. 8 * half + 7 of v, as floats.
    static F i8_to_ps(__m128i v, int half) {
        return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(half ? _mm_srli_si128(v, 8) : v));
    }
    static F u8_to_ps(__m128i v, int half) {
        return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(half ? _mm_srli_si128(v, 8) : v));
    }
    static F f16_to_ps(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
    static F bf16_to_ps(const uint16_t* p) {
        const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
    }
};

}  // namespace
#include "cpu/sparse_axpy_simd.inc"
}  // namespace avx2

void axpy_f32_avx2(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx2::axpy_f32(n, k, r, a, y); }
void axpy_f16_avx2(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx2::axpy_f16(n, k, r, a, y); }
void axpy_bf16_avx2(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx2::axpy_bf16(n, k, r, a, y); }
void axpy_q8_0_avx2(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx2::axpy_q8_0(n, k, r, a, y); }
void axpy_q4_0_avx2(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx2::axpy_q4_0(n, k, r, a, y); }
void axpy_q4_k_avx2(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx2::axpy_q4_k(n, k, r, a, y); }

}  // namespace locus::axpy
