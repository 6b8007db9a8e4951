// AVX2 + F16C twin of attend_head_scalar (same arithmetic order per element, vectorised over head_dim).
#include <immintrin.h>

#include <cmath>

#include "core/fp16.h"
#include "cpu/attention.h"
#include "cpu/softmax.h"

namespace locus {
namespace {

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline __m256 load_f16(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

}  // namespace

void attend_head_avx2(const HeadAttention& a) {
    const int64_t d = a.head_dim, d8 = d & ~int64_t(7);
    float mx = -INFINITY;
    for (int64_t p = 0; p < a.n_kv; ++p) {
        const uint16_t* k = a.k + p * a.kv_stride;
        __m256 acc = _mm256_setzero_ps();
        int64_t i = 0;
        for (; i < d8; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a.q + i), load_f16(k + i), acc);
        float s = hsum(acc);
        for (; i < d; ++i) s += a.q[i] * fp16_to_fp32(k[i]);
        s *= a.scale;
        a.scores[p] = s;
        mx = s > mx ? s : mx;
    }
    const float inv = exp_in_place_inv_sum(a.scores, a.n_kv, mx);
    for (int64_t i = 0; i < d; ++i) a.out[i] = 0;
    for (int64_t p = 0; p < a.n_kv; ++p) {
        const uint16_t* v = a.v + p * a.kv_stride;
        const float w = a.scores[p] * inv;
        const __m256 wv = _mm256_set1_ps(w);
        int64_t i = 0;
        for (; i < d8; i += 8)
            _mm256_storeu_ps(a.out + i, _mm256_fmadd_ps(wv, load_f16(v + i), _mm256_loadu_ps(a.out + i)));
        for (; i < d; ++i) a.out[i] += w * fp16_to_fp32(v[i]);
    }
}

}  // namespace locus
