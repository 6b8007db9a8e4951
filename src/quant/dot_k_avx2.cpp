// AVX2 K-quant dots (Q4_K, Q5_K, Q6_K x Q8_K) and the Q8_K quantiser. Same integer sums as the scalar
// references in k_types.cpp; only the float accumulation order differs.
#include <immintrin.h>

#include <cstring>

#include "quant/k_blocks.h"

namespace locus::kq {
namespace {

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
inline float hsum(__m128 s) {
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// The 12 packed bytes of Q4_K/Q5_K as 16 bytes: scales 0-7, then mins 0-7 (same rule as
// unpack_scales_mins, four sub-blocks at a time).
inline __m128i unpack_scales_mins_sse(const uint8_t* s) {
    uint32_t w[3];
    std::memcpy(w, s, 12);
    const uint32_t sc_lo = w[0] & 0x3f3f3f3f, mn_lo = w[1] & 0x3f3f3f3f;
    const uint32_t sc_hi = (w[2] & 0x0f0f0f0f) | ((w[0] >> 2) & 0x30303030);
    const uint32_t mn_hi = ((w[2] >> 4) & 0x0f0f0f0f) | ((w[1] >> 2) & 0x30303030);
    return _mm_set_epi32(int(mn_hi), int(mn_lo), int(sc_hi), int(sc_lo));
}

// Shuffle that spreads 16-bit scale s of an 8 x int16 vector over all 16-bit lanes.
inline __m256i scale_shuffle(int s) {
    return _mm256_set1_epi16(int16_t((2 * s) | ((2 * s + 1) << 8)));
}

// -dmin * sum_j m[j] * (bsums[2j] + bsums[2j+1]), as 4 float lanes to add up later.
inline __m128 mins_term(__m128i mins16, const int16_t* bsums, float neg_dmin, __m128 acc) {
    const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bsums));
    const __m128i pair = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
    const __m128i prod = _mm_madd_epi16(mins16, pair);
    return _mm_fmadd_ps(_mm_set1_ps(neg_dmin), _mm_cvtepi32_ps(prod), acc);
}

inline float f16(uint16_t h) { return _cvtsh_ss(h); }

// Software prefetch 2 KiB ahead of the weight stream (see dot_k_avx512.inc for the measurement).
template <typename Block>
inline void prefetch_ahead(const Block* a) {
    const char* p = reinterpret_cast<const char*>(a) + 2048;
    for (size_t off = 0; off < sizeof(Block) + 63; off += 64) _mm_prefetch(p + off, _MM_HINT_T0);
}

// Shared body of Q4_K and Q5_K: `quants(c, lo, hi)` yields the 32 low-half and 32 high-half quants of chunk c.
template <typename Block, typename Quants>
float dot_scale_min(int64_t n, const Block* a, const BlockQ8K* b, Quants quants) {
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    __m256i shuf[8];
    for (int s = 0; s < 8; ++s) shuf[s] = scale_shuffle(s);
    for (int64_t i = 0; i < n / QK_K; ++i, ++a, ++b) {
        prefetch_ahead(a);
        const __m256i scm = _mm256_cvtepu8_epi16(unpack_scales_mins_sse(a->scales));
        const __m256i sc = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(scm));
        accm = mins_term(_mm256_extracti128_si256(scm, 1), b->bsums, -f16(a->dmin) * b->d, accm);
        __m256i sumi = _mm256_setzero_si256();
        for (int c = 0; c < 4; ++c) {
            __m256i lo, hi;
            quants(a, c, lo, hi);
            const __m256i y0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 64 * c));
            const __m256i y1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 64 * c + 32));
            // u8 x s8 pair sums fit int16: 2 * 31 * 127 < 32768.
            const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, y0), _mm256_shuffle_epi8(sc, shuf[2 * c]));
            const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, y1), _mm256_shuffle_epi8(sc, shuf[2 * c + 1]));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(a->d) * b->d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum(acc) + hsum(accm);
}

}  // namespace

float dot_q4k_q8k_avx2(int64_t n, const void* w, const void* x) {
    const __m256i m4 = _mm256_set1_epi8(0xF);
    return dot_scale_min(n, static_cast<const BlockQ4K*>(w), static_cast<const BlockQ8K*>(x),
                         [m4](const BlockQ4K* a, int c, __m256i& lo, __m256i& hi) {
                             const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a->qs + 32 * c));
                             lo = _mm256_and_si256(q, m4);
                             hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                         });
}

float dot_q5k_q8k_avx2(int64_t n, const void* w, const void* x) {
    const __m256i m4 = _mm256_set1_epi8(0xF);
    const __m256i bit4 = _mm256_set1_epi8(0x10);
    return dot_scale_min(n, static_cast<const BlockQ5K*>(w), static_cast<const BlockQ8K*>(x),
                         [m4, bit4](const BlockQ5K* a, int c, __m256i& lo, __m256i& hi) {
                             const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a->qs + 32 * c));
                             const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a->qh));
                             // Bit 2c (low half) / 2c+1 (high half) of each qh byte moved to bit 4.
                             const __m128i s0 = _mm_cvtsi32_si128(4 - 2 * c < 0 ? 0 : 4 - 2 * c);
                             const __m128i r0 = _mm_cvtsi32_si128(2 * c - 4 < 0 ? 0 : 2 * c - 4);
                             const __m128i s1 = _mm_cvtsi32_si128(3 - 2 * c < 0 ? 0 : 3 - 2 * c);
                             const __m128i r1 = _mm_cvtsi32_si128(2 * c - 3 < 0 ? 0 : 2 * c - 3);
                             const __m256i h0 = _mm256_srl_epi16(_mm256_sll_epi16(h, s0), r0);
                             const __m256i h1 = _mm256_srl_epi16(_mm256_sll_epi16(h, s1), r1);
                             lo = _mm256_or_si256(_mm256_and_si256(q, m4), _mm256_and_si256(h0, bit4));
                             hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), _mm256_and_si256(h1, bit4));
                         });
}

// sum_g sc[g] * sum((q - 32) * y) = sum_g sc[g] * sum(q * y) - 32 * sum_g sc[g] * bsums[g].
float dot_q6k_q8k_avx2(int64_t n, const void* w, const void* x) {
    const auto* a = static_cast<const BlockQ6K*>(w);
    const auto* b = static_cast<const BlockQ8K*>(x);
    const __m256i m4 = _mm256_set1_epi8(0xF);
    const __m256i m2 = _mm256_set1_epi8(0x30);
    __m128i shuf[8];  // bytes 0-7 pick scale 2k, bytes 8-15 scale 2k+1
    for (int k = 0; k < 8; ++k) shuf[k] = _mm_set_epi64x(0x0101010101010101LL * (2 * k + 1), 0x0101010101010101LL * (2 * k));
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i, ++a, ++b) {
        prefetch_ahead(a);
        const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a->scales));
        const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->bsums));
        const __m256i bias = _mm256_madd_epi16(_mm256_cvtepi8_epi16(sc8), bs);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a->ql + 64 * h));
            const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a->ql + 64 * h + 32));
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a->qh + 32 * h));
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), m2));
            q[1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m2));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, m2));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                                   _mm256_and_si256(_mm256_srli_epi16(qh, 2), m2));
            for (int k = 0; k < 4; ++k) {
                const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 128 * h + 32 * k));
                const __m256i s = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, shuf[4 * h + k]));
                // 2 * 63 * 127 < 32768: the pair sums fit int16.
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(q[k], y), s));
            }
        }
        sumi = _mm256_sub_epi32(sumi, _mm256_slli_epi32(bias, 5));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(a->d) * b->d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum(acc);
}

// Bit-identical to quantize_q8k_scalar: same scale, same rounding (cvtps rounds to nearest even).
void quantize_q8k_avx2(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8K*>(dst);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t i = 0; i < n / QK_K; ++i, ++b, x += QK_K) {
        __m256 vmax = _mm256_setzero_ps();
        for (int e = 0; e < QK_K; e += 8) vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + e)));
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_movehdup_ps(m));
        const float amax = _mm_cvtss_f32(m);
        if (amax == 0) {
            std::memset(b, 0, sizeof(*b));
            continue;
        }
        // The first element of largest magnitude gives the sign, as in the reference.
        float max = 0;
        for (int e = 0; e < QK_K; e += 8) {
            const __m256 eq = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + e)), _mm256_set1_ps(amax), _CMP_EQ_OQ);
            const int mask = _mm256_movemask_ps(eq);
            if (mask) { max = x[e + __builtin_ctz(unsigned(mask))]; break; }
        }
        const float iscale = -127.0f / max;
        const __m256 vs = _mm256_set1_ps(iscale);
        __m256i sums[8];
        for (int e = 0; e < QK_K; e += 32) {
            __m256i v[4];
            for (int k = 0; k < 4; ++k) v[k] = _mm256_cvtps_epi32(_mm256_mul_ps(vs, _mm256_loadu_ps(x + e + 8 * k)));
            // |v| <= 127, so the saturating packs are exact.
            const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(b->qs + e), _mm256_permutevar8x32_epi32(p, order));
            sums[(e / 32) % 4 * 2] = _mm256_add_epi32(v[0], v[1]);
            sums[(e / 32) % 4 * 2 + 1] = _mm256_add_epi32(v[2], v[3]);
            if (e % 128 == 96) {  // eight groups gathered: reduce each to one sum, in group order
                __m256i r[2];
                for (int k = 0; k < 2; ++k) {
                    const __m256i h0 = _mm256_hadd_epi32(sums[4 * k], sums[4 * k + 1]);
                    const __m256i h1 = _mm256_hadd_epi32(sums[4 * k + 2], sums[4 * k + 3]);
                    r[k] = _mm256_hadd_epi32(h0, h1);
                }
                const __m128i g0 = _mm_add_epi32(_mm256_castsi256_si128(r[0]), _mm256_extracti128_si256(r[0], 1));
                const __m128i g1 = _mm_add_epi32(_mm256_castsi256_si128(r[1]), _mm256_extracti128_si256(r[1], 1));
                _mm_storeu_si128(reinterpret_cast<__m128i*>(b->bsums + (e / 128) * 8), _mm_packs_epi32(g0, g1));
            }
        }
        b->d = 1 / iscale;
    }
}

}  // namespace locus::kq
