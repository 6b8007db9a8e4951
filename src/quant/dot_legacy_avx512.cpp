// AVX-512 F/BW/VL versions of the legacy-type dots (for CPUs without VNNI; the kernels are in
// dot_legacy_avx512_inl.h) and of the activation quantisers.
#define LOCUS_VNNI 0
#include "quant/dot_legacy_avx512_inl.h"
#include "quant/legacy_kernels.h"

namespace locus::legacy {
using v512::dot_blocks;

float vec_dot_q4_0_avx512(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ4_0, BlockQ8_0>(n, w, x); }
float vec_dot_q4_1_avx512(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ4_1, BlockQ8_1>(n, w, x); }
float vec_dot_q5_0_avx512(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ5_0, BlockQ8_0>(n, w, x); }
float vec_dot_q5_1_avx512(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ5_1, BlockQ8_1>(n, w, x); }
float vec_dot_q8_0_avx512(int64_t n, const void* w, const void* x) { return dot_blocks<BlockQ8_0, BlockQ8_0>(n, w, x); }

namespace {

// One block: d = amax / 127, q = x / d rounded to nearest even; returns d, and the sum of q in *qsum if asked.
inline float quantize_block(const float* x, int8_t* q, int* qsum) {
    const __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const float d = amax / 127.0f;
    const __m512 id = _mm512_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    const __m512i i0 = _mm512_cvt_roundps_epi32(_mm512_mul_ps(v0, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512i i1 = _mm512_cvt_roundps_epi32(_mm512_mul_ps(v1, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtsepi32_epi8(i0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16), _mm512_cvtsepi32_epi8(i1));
    if (qsum) *qsum = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
    return d;
}

}  // namespace

void quantize_q8_0_avx512(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) b[i].d = uint16_t(_cvtss_sh(quantize_block(x, b[i].qs, nullptr), 0));
}

void quantize_q8_1_avx512(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_1*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        int sum;
        const float d = quantize_block(x, b[i].qs, &sum);
        b[i].d = uint16_t(_cvtss_sh(d, 0));
        b[i].s = uint16_t(_cvtss_sh(float(sum) * d, 0));
    }
}

}  // namespace locus::legacy
