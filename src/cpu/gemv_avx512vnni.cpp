// Four-row Q4_0 and Q8_0 decode kernels (AVX-512 VL/BW + VNNI, one 32-element block per ymm).
// Per block the activation's correction term is computed once for all rows, so each row's integer dot is a
// single vpdpbusd on unsigned weights: Q4_0 uses sum((q - 8) x) = sum(q x) - 8 sum(x), Q8_0 uses
// sum(w x) = sum((w ^ 0x80) x) - 128 sum(x). Block scales of 8 blocks are collected with one word permute and
// converted with one vcvtph2ps (per row, and once for the activation), then broadcast from the stack.
// Two versions of the loop (two passes per chunk, or one): which is faster depends on the CPU (see gemv.cpp).
#include <algorithm>

#include "cpu/gemv_kernels.h"
#include "cpu/simd_avx512vnni.h"
#include "quant/legacy_blocks.h"

// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own _mm512_undefined_*() (fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace locus::gemv {
namespace {

constexpr int R = kGemvRows;

// The fp16 scales (first word) of 8 consecutive Q4_0 blocks (18 bytes = 9 words apart), as floats.
inline __m256 scales8(const BlockQ4_0* b) {
    const __m512i idx = _mm512_zextsi128_si512(_mm_setr_epi16(0, 9, 18, 27, 36, 45, 54, 63));
    const __m512i h = _mm512_permutex2var_epi16(load512(b), idx, load512(reinterpret_cast<const uint8_t*>(b) + 64));
    return _mm256_cvtph_ps(_mm512_castsi512_si128(h));
}
// The same for Q8_0 blocks (34 bytes = 17 words apart): blocks 0..3 and 4..7 each lie within 128 bytes.
inline __m256 scales8(const BlockQ8_0* b) {
    const __m512i idx = _mm512_zextsi128_si512(_mm_setr_epi16(0, 17, 34, 51, 0, 17, 34, 51));
    const uint8_t* p = reinterpret_cast<const uint8_t*>(b);
    const __m512i a = _mm512_permutex2var_epi16(load512(p), idx, load512(p + 64));
    const __m512i c = _mm512_permutex2var_epi16(load512(p + 136), idx, load512(p + 200));
    const __m128i h = _mm_blend_epi16(_mm512_castsi512_si128(a), _mm512_castsi512_si128(c), 0xf0);
    return _mm256_cvtph_ps(h);
}

// Lane j of v in every lane: one vpermps (GCC would otherwise pick two shuffles for some j).
inline __m256 lane(__m256 v, int j) {
    __m256i idx = _mm256_set1_epi32(j);
    asm("" : "+v"(idx));
    return _mm256_permutexvar_ps(idx, v);
}

// Unsigned weight bytes of one block (see cpu/simd_avx512vnni.h).
template <class W>
inline __m256i wbytes(const W& b) { return Vnni<W>::weights(b.qs); }

// Blocks per pass: first the combined scales d_w * d_x of the chunk for the four rows (8 blocks per vector
// step; this pass also pulls the rows' cache lines in), then the integer dots, each scaled by a broadcast load
// of its combined scale (load ports rather than shuffles on port 5, which the dots keep busy).
constexpr int64_t kChunk = 256;

template <class W>
void dot4(int64_t n, const uint8_t* const* rows, const void* xv, float* y, const uint8_t* const* pf) {
    const auto* x = static_cast<const BlockQ8_0*>(xv);
    const W* w[R];
    for (int k = 0; k < R; ++k) w[k] = reinterpret_cast<const W*>(rows[k]);
    const int64_t nb = n / kQK;
    __m256 acc[R];
    for (int k = 0; k < R; ++k) acc[k] = _mm256_setzero_ps();
    alignas(32) float sc[R][kChunk];
    for (int64_t c0 = 0; c0 < nb; c0 += kChunk) {
        const int64_t c1 = std::min(nb, c0 + kChunk);
        int64_t i = c0;
        for (; i + 8 <= c1; i += 8) {
            const __m256 dx = scales8(x + i);
            for (int k = 0; k < R; ++k) _mm256_store_ps(&sc[k][i - c0], _mm256_mul_ps(scales8(w[k] + i), dx));
        }
        for (; i < c1; ++i) {
            const float dx = h2f(x[i].d);
            for (int k = 0; k < R; ++k) sc[k][i - c0] = h2f(w[k][i].d) * dx;
        }
        // Accumulators in locals (kept in registers: GCC spills the array on every iteration otherwise).
        __m256 a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
        static_assert(R == 4);
#pragma GCC unroll 2
        for (i = c0; i < c1; ++i) {
            const __m256i xq = load256(x[i].qs);
            const __m256i c = correction<W>(xq);
            const int64_t j = i - c0;
            if ((j & 7) == 0) prefetch_rows<int(8 * sizeof(W))>(pf, size_t(i) * sizeof(W));
            a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, wbytes(w[0][i]), xq)), _mm256_broadcast_ss(&sc[0][j]), a0);
            a1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, wbytes(w[1][i]), xq)), _mm256_broadcast_ss(&sc[1][j]), a1);
            a2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, wbytes(w[2][i]), xq)), _mm256_broadcast_ss(&sc[2][j]), a2);
            a3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, wbytes(w[3][i]), xq)), _mm256_broadcast_ss(&sc[3][j]), a3);
        }
        acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
    }
    for (int k = 0; k < R; ++k) y[k] = hsum(_mm256_mul_ps(acc[k], Vnni<W>::unscale()));
}

// The same dots in one pass: per block the activation's correction once, then per row the nibbles, one
// vpdpbusd and the block scale converted on its own (no separate scale pass). Fewer instructions per block in
// the two-pass version above, but on AMD EPYC (Zen 4 class) this one keeps the rows' memory reads going while
// it computes: 1.2-1.5x faster from memory in probe runs, never slower (bench/RESULTS.md, 2026-12-04).
template <class W>
void dot4_onepass(int64_t n, const uint8_t* const* rows, const void* xv, float* y, const uint8_t* const* pf) {
    const auto* x = static_cast<const BlockQ8_0*>(xv);
    const W* w0 = reinterpret_cast<const W*>(rows[0]);
    const W* w1 = reinterpret_cast<const W*>(rows[1]);
    const W* w2 = reinterpret_cast<const W*>(rows[2]);
    const W* w3 = reinterpret_cast<const W*>(rows[3]);
    static_assert(R == 4);
    const int64_t nb = n / kQK;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < nb; ++i) {
        // Written out rather than prefetch_rows: with the helper GCC 12 compiles this loop differently.
        if ((i & 7) == 0 && pf)
            for (int k = 0; k < R; ++k)
                for (size_t b = 0; b < 8 * sizeof(W); b += 64)
                    _mm_prefetch(reinterpret_cast<const char*>(pf[k] + size_t(i) * sizeof(W) + b), _MM_HINT_T0);
        const __m256i xq = load256(x[i].qs);
        const __m256i c = correction<W>(xq);
        const float dx = h2f(x[i].d);
        a0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, wbytes(w0[i]), xq)), _mm256_set1_ps(h2f(w0[i].d) * dx), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, wbytes(w1[i]), xq)), _mm256_set1_ps(h2f(w1[i].d) * dx), a1);
        a2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, wbytes(w2[i]), xq)), _mm256_set1_ps(h2f(w2[i].d) * dx), a2);
        a3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(c, wbytes(w3[i]), xq)), _mm256_set1_ps(h2f(w3[i].d) * dx), a3);
    }
    const __m256 u = Vnni<W>::unscale();
    y[0] = hsum(_mm256_mul_ps(a0, u)), y[1] = hsum(_mm256_mul_ps(a1, u));
    y[2] = hsum(_mm256_mul_ps(a2, u)), y[3] = hsum(_mm256_mul_ps(a3, u));
}

}  // namespace

void dot4_q4_0_avx512vnni_onepass(int64_t n, const uint8_t* const* w, const void* x, float* y, const uint8_t* const* pf) {
    dot4_onepass<BlockQ4_0>(n, w, x, y, pf);
}
void dot4_q8_0_avx512vnni_onepass(int64_t n, const uint8_t* const* w, const void* x, float* y, const uint8_t* const* pf) {
    dot4_onepass<BlockQ8_0>(n, w, x, y, pf);
}

void dot4_q4_0_avx512vnni(int64_t n, const uint8_t* const* w, const void* x, float* y, const uint8_t* const* pf) {
    dot4<BlockQ4_0>(n, w, x, y, pf);
}
void dot4_q8_0_avx512vnni(int64_t n, const uint8_t* const* w, const void* x, float* y, const uint8_t* const* pf) {
    dot4<BlockQ8_0>(n, w, x, y, pf);
}

}  // namespace locus::gemv
