// AVX-512 column-sparse axpy kernels (16 lanes); the bodies are shared with AVX2 in sparse_axpy_simd.inc.
#include <cmath>
#include <cstring>
#include <immintrin.h>

#include "core/fp16.h"
#include "cpu/sparse_axpy.h"
#include "quant/k_blocks.h"
#include "quant/legacy_blocks.h"

namespace locus::axpy {
namespace avx512 {
namespace {

struct V {
    using F = __m512;
    static constexpr int W = 16;
    static F load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
    static F set1(float x) { return _mm512_set1_ps(x); }
    static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
    static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
    static F add(F a, F b) { return _mm512_add_ps(a, b); }
    static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
    // All 16 bytes of v as floats (the 8-lane AVX2 twin takes half of them).
    static F i8_to_ps(__m128i v, int) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(v)); }
    static F u8_to_ps(__m128i v, int) { return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(v)); }
    static F f16_to_ps(const uint16_t* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    static F bf16_to_ps(const uint16_t* p) {
        const __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
        return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    }
};

}  // namespace
#include "cpu/sparse_axpy_simd.inc"
}  // namespace avx512

void axpy_f32_avx512(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx512::axpy_f32(n, k, r, a, y); }
void axpy_f16_avx512(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx512::axpy_f16(n, k, r, a, y); }
void axpy_bf16_avx512(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx512::axpy_bf16(n, k, r, a, y); }
void axpy_q8_0_avx512(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx512::axpy_q8_0(n, k, r, a, y); }
void axpy_q4_0_avx512(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx512::axpy_q4_0(n, k, r, a, y); }
void axpy_q4_k_avx512(int64_t n, int k, const uint8_t* const* r, const float* a, float* y) { avx512::axpy_q4_k(n, k, r, a, y); }

}  // namespace locus::axpy
