// AVX2 (+FMA, F16C) dots of F32 / F16 / BF16 weight rows with F32 activations, and row conversions.
// 32 elements per iteration into four accumulators, then 8 at a time, then a scalar tail.
#include <immintrin.h>

#include "core/fp16.h"
#include "quant/float_kernels.h"

namespace locus::floatk {
namespace {

inline __m256 load_w(const float* w) { return _mm256_loadu_ps(w); }
inline __m256 load_w(const uint16_t* w) {  // F16
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
}
struct Bf16 { uint16_t v; };
inline __m256 load_w(const Bf16* w) {  // BF16 -> F32 is a 16-bit shift
    const __m256i u = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(u, 16));
}
inline float to_f32(float w) { return w; }
inline float to_f32(uint16_t w) { return _cvtsh_ss(w); }
inline float to_f32(Bf16 w) { return bf16_to_fp32(w.v); }

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <class W>
float dot(int64_t n, const void* wv, const void* xv) {
    const W* w = static_cast<const W*>(wv);
    const float* x = static_cast<const float*>(xv);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(load_w(w + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(load_w(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(load_w(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(load_w(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(load_w(w + i), _mm256_loadu_ps(x + i), a0);
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; ++i) sum += to_f32(w[i]) * x[i];
    return sum;
}

}  // namespace

float vec_dot_f32_avx2(int64_t n, const void* w, const void* x) { return dot<float>(n, w, x); }
float vec_dot_f16_avx2(int64_t n, const void* w, const void* x) { return dot<uint16_t>(n, w, x); }
float vec_dot_bf16_avx2(int64_t n, const void* w, const void* x) { return dot<Bf16>(n, w, x); }

void f16_to_f32_avx2(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_w(h + i));
    for (; i < n; ++i) dst[i] = _cvtsh_ss(h[i]);
}

void f32_to_f16_avx2(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    }
    for (; i < n; ++i) h[i] = uint16_t(_cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT));
}

void bf16_to_f32_avx2(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const Bf16*>(src);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_w(h + i));
    for (; i < n; ++i) dst[i] = bf16_to_fp32(h[i].v);
}

// Round to nearest even, NaN kept quiet (as fp32_to_bf16).
void f32_to_bf16_avx2(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i x = _mm256_castps_si256(_mm256_loadu_ps(src + i));
        const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(1));
        __m256i r = _mm256_srli_epi32(_mm256_add_epi32(x, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
        const __m256i absx = _mm256_and_si256(x, _mm256_set1_epi32(0x7fffffff));
        const __m256i nan = _mm256_cmpgt_epi32(absx, _mm256_set1_epi32(0x7f800000));
        const __m256i qnan = _mm256_or_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(0x40));
        r = _mm256_blendv_epi8(r, qnan, nan);
        // 8 x u32 (each < 0x10000) -> 8 x u16.
        const __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i), packed);
    }
    for (; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
}

}  // namespace locus::floatk
