// AVX-512 VNNI int8 prefill kernel: each vpdpbusd multiplies 4 bytes of one weight row (broadcast) with the
// same 4 elements of 16 tokens (one packed panel row), so no horizontal sums are needed; the int32 block
// sums are scaled once per block (d_w * d_x[16 tokens]) into float accumulators.
#include <immintrin.h>

#include <cstring>

#include "core/fp16.h"
#include "cpu/gemm_int8.h"
#include "cpu/matmul_kernels.h"
#include "quant/legacy_blocks.h"

namespace locus::gemm {
namespace {

inline int32_t hsum_sad(__m256i sad) {  // 4 x u64 from vpsadbw
    const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(sad), _mm256_extracti128_si256(sad, 1));
    return int32_t(_mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1));
}

template <int R, int NP>
void tile_t(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, const uint8_t* act, size_t ps, int64_t nb,
            float* out, bool accumulate) {
    constexpr int kOut = kNp * kGemmPanel;
    __m512 acc[R][NP];
    for (int r = 0; r < R; ++r)
        for (int p = 0; p < NP; ++p)
            acc[r][p] = accumulate ? _mm512_loadu_ps(out + r * kOut + p * kGemmPanel) : _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        __m512i ia[R][NP];
        for (int r = 0; r < R; ++r) {
            const __m512i cv = _mm512_set1_epi32(c[r * w_nb + b]);
            for (int p = 0; p < NP; ++p) ia[r][p] = cv;
        }
        const uint8_t* ab = act + b * kPanelBlockBytes;
#pragma GCC unroll 8
        for (int g = 0; g < 8; ++g) {
            __m512i xv[NP];
            for (int p = 0; p < NP; ++p) xv[p] = _mm512_loadu_si512(ab + p * ps + 64 + g * 64);
            for (int r = 0; r < R; ++r) {
                int32_t wv;
                std::memcpy(&wv, q + (r * w_nb + b) * 32 + 4 * g, 4);
                const __m512i wb = _mm512_set1_epi32(wv);
                for (int p = 0; p < NP; ++p) ia[r][p] = _mm512_dpbusd_epi32(ia[r][p], xv[p], wb);
            }
        }
        __m512 dx[NP];
        for (int p = 0; p < NP; ++p) dx[p] = _mm512_loadu_ps(reinterpret_cast<const float*>(ab + p * ps));
        for (int r = 0; r < R; ++r) {
            const __m512 dw = _mm512_set1_ps(d[r * w_nb + b]);
            for (int p = 0; p < NP; ++p)
                acc[r][p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ia[r][p]), _mm512_mul_ps(dw, dx[p]), acc[r][p]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int p = 0; p < NP; ++p) _mm512_storeu_ps(out + r * kOut + p * kGemmPanel, acc[r][p]);
}

// The same for the first 8 tokens of one panel (ymm): a batch of at most 8 tokens fills only half a panel, and
// the 16-token kernel would spend half its dot products on the padding.
template <int R>
void tile8_t(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, const uint8_t* act, int64_t nb,
             float* out, bool accumulate) {
    constexpr int kOut = kNp * kGemmPanel;
    __m256 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = accumulate ? _mm256_loadu_ps(out + r * kOut) : _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        // Two integer sums per row (even and odd groups): with one, the R chains of dependent vpdpbusd are too
        // few to cover its latency.
        __m256i ia[R][2];
        for (int r = 0; r < R; ++r) {
            ia[r][0] = _mm256_set1_epi32(c[r * w_nb + b]);
            ia[r][1] = _mm256_setzero_si256();
        }
        const uint8_t* ab = act + b * kPanelBlockBytes;
#pragma GCC unroll 8
        for (int g = 0; g < 8; ++g) {
            const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ab + 64 + g * 64));
            for (int r = 0; r < R; ++r) {
                int32_t wv;
                std::memcpy(&wv, q + (r * w_nb + b) * 32 + 4 * g, 4);
                ia[r][g & 1] = _mm256_dpbusd_epi32(ia[r][g & 1], xv, _mm256_set1_epi32(wv));
            }
        }
        const __m256 dx = _mm256_loadu_ps(reinterpret_cast<const float*>(ab));
        for (int r = 0; r < R; ++r)
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(ia[r][0], ia[r][1])),
                                     _mm256_mul_ps(_mm256_set1_ps(d[r * w_nb + b]), dx), acc[r]);
    }
    for (int r = 0; r < R; ++r) _mm256_storeu_ps(out + r * kOut, acc[r]);
}

template <int NP>
void tile_np(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, int nr, const uint8_t* act, size_t ps,
             int64_t nb, float* out, bool accumulate) {
    switch (nr) {
        case 4: return tile_t<4, NP>(q, d, c, w_nb, act, ps, nb, out, accumulate);
        case 3: return tile_t<3, NP>(q, d, c, w_nb, act, ps, nb, out, accumulate);
        case 2: return tile_t<2, NP>(q, d, c, w_nb, act, ps, nb, out, accumulate);
        default: return tile_t<1, NP>(q, d, c, w_nb, act, ps, nb, out, accumulate);
    }
}

}  // namespace

void unpack_avx512vnni(DType type, const uint8_t* row, int64_t nb, int8_t* q, float* d, int32_t* c) {
    const __m256i zero = _mm256_setzero_si256();
    if (type == DType::Q4_0) {
        const auto* blk = reinterpret_cast<const BlockQ4_0*>(row);
        for (int64_t b = 0; b < nb; ++b) {
            const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[b].qs));
            const __m256i u = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(lo, 4), lo), _mm256_set1_epi8(0x0f));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + b * 32), _mm256_sub_epi8(u, _mm256_set1_epi8(8)));
            d[b] = fp16_to_fp32(blk[b].d);
            c[b] = -128 * (hsum_sad(_mm256_sad_epu8(u, zero)) - 8 * 32);
        }
    } else {
        const auto* blk = reinterpret_cast<const BlockQ8_0*>(row);
        for (int64_t b = 0; b < nb; ++b) {
            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[b].qs));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + b * 32), v);
            d[b] = fp16_to_fp32(blk[b].d);
            const __m256i u = _mm256_xor_si256(v, _mm256_set1_epi8(char(0x80)));
            c[b] = -128 * (hsum_sad(_mm256_sad_epu8(u, zero)) - 128 * 32);
        }
    }
}

void tile_avx512vnni(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, int nr, const uint8_t* act,
                     size_t panel_stride, int np, int64_t nb, float* out, bool accumulate) {
    if (np == 2) tile_np<2>(q, d, c, w_nb, nr, act, panel_stride, nb, out, accumulate);
    else tile_np<1>(q, d, c, w_nb, nr, act, panel_stride, nb, out, accumulate);
}

void tile8_avx512vnni(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, int nr, const uint8_t* act,
                      size_t, int, int64_t nb, float* out, bool accumulate) {
    switch (nr) {
        case 4: return tile8_t<4>(q, d, c, w_nb, act, nb, out, accumulate);
        case 3: return tile8_t<3>(q, d, c, w_nb, act, nb, out, accumulate);
        case 2: return tile8_t<2>(q, d, c, w_nb, act, nb, out, accumulate);
        default: return tile8_t<1>(q, d, c, w_nb, act, nb, out, accumulate);
    }
}

}  // namespace locus::gemm
