// K-quant dots with AVX-512 F/BW (no VNNI), and the Q8_K quantiser.
// GCC 12's AVX-512 headers trip -W(maybe-)uninitialized on their own _mm512_undefined_* (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace {
inline __m512i madd_acc(__m512i acc, __m512i a, __m512i b) { return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b)); }
}  // namespace

#include "quant/dot_k_avx512.inc"

namespace locus::kq {

float dot_q4k_q8k_avx512(int64_t n, const void* w, const void* x) { return q4k_dot(n, w, x); }
float dot_q5k_q8k_avx512(int64_t n, const void* w, const void* x) { return q5k_dot(n, w, x); }
float dot_q6k_q8k_avx512(int64_t n, const void* w, const void* x) { return q6k_dot(n, w, x); }

// Bit-identical to quantize_q8k_scalar: same scale, same rounding (cvtps rounds to nearest even). One zmm is
// one group of 16, so each group sum is the horizontal sum of one vector of int32.
void quantize_q8k_avx512(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8K*>(dst);
    for (int64_t i = 0; i < n / QK_K; ++i, ++b, x += QK_K) {
        __m512 vmax = _mm512_setzero_ps();
        for (int e = 0; e < QK_K; e += 16) vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(x + e)));
        const float amax = _mm512_reduce_max_ps(vmax);
        if (amax == 0) {
            std::memset(b, 0, sizeof(*b));
            continue;
        }
        float max = 0;  // the first element of largest magnitude gives the sign, as in the reference
        const __m512 vamax = _mm512_set1_ps(amax);
        for (int e = 0; e < QK_K; e += 16) {
            const __mmask16 k = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(x + e)), vamax, _CMP_EQ_OQ);
            if (k) { max = x[e + __builtin_ctz(unsigned(k))]; break; }
        }
        const float iscale = -127.0f / max;
        const __m512 vs = _mm512_set1_ps(iscale);
        for (int half = 0; half < 2; ++half) {
            __m256i s[8];
            for (int g = 0; g < 8; ++g) {
                const int e = 128 * half + 16 * g;
                const __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(vs, _mm512_loadu_ps(x + e)));
                _mm_storeu_si128(reinterpret_cast<__m128i*>(b->qs + e), _mm512_cvtsepi32_epi8(v));  // |v| <= 127
                s[g] = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
            }
            // Transposing horizontal adds: lanes of r[k] = partial sums of groups 4k..4k+3 (low/high halves).
            __m256i r[2];
            for (int k = 0; k < 2; ++k) {
                r[k] = _mm256_hadd_epi32(_mm256_hadd_epi32(s[4 * k], s[4 * k + 1]), _mm256_hadd_epi32(s[4 * k + 2], s[4 * k + 3]));
            }
            const __m128i g0 = _mm_add_epi32(_mm256_castsi256_si128(r[0]), _mm256_extracti128_si256(r[0], 1));
            const __m128i g1 = _mm_add_epi32(_mm256_castsi256_si128(r[1]), _mm256_extracti128_si256(r[1], 1));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(b->bsums + 8 * half), _mm_packs_epi32(g0, g1));
        }
        b->d = 1 / iscale;
    }
}

}  // namespace locus::kq
