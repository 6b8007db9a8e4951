// Block layouts of ggml's K-quants (super-blocks of 256 elements), byte-identical to ggml-common.h, and the
// kernel entry points per instruction set. Included by the K-quant kernel files and their tests only.
#pragma once
#include <cstdint>

namespace locus::kq {

constexpr int QK_K = 256;

// Q4_K: 8 sub-blocks of 32. x = d * sc[j] * q - dmin * m[j], q in [0, 15].
// scales[12] packs eight 6-bit scales sc[] and eight 6-bit mins m[] (see unpack_scales_mins). qs holds four
// 64-element chunks of 32 bytes: in chunk c, the low nibble of byte l is element 64c + l, the high nibble is
// element 64c + 32 + l.
struct BlockQ4K {
    uint16_t d;     // f16 scale of the sub-block scales
    uint16_t dmin;  // f16 scale of the sub-block mins
    uint8_t scales[12];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockQ4K) == 144);

// Q5_K: as Q4_K with a fifth bit: q in [0, 31]. Bit (2c) of qh[l] is the high bit of element 64c + l, bit
// (2c + 1) that of element 64c + 32 + l.
struct BlockQ5K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(BlockQ5K) == 176);

// Q6_K: 16 groups of 16. x = d * scales[e / 16] * (q - 32), q in [0, 63]. Two halves of 128 elements, each
// with ql[64] and qh[32]; within a half, for l in [0, 32):
//   element l      : low nibble of ql[l],      bits 0-1 of qh[l]
//   element l + 32 : low nibble of ql[l + 32], bits 2-3 of qh[l]
//   element l + 64 : high nibble of ql[l],     bits 4-5 of qh[l]
//   element l + 96 : high nibble of ql[l + 32], bits 6-7 of qh[l]
struct BlockQ6K {
    uint8_t ql[QK_K / 2];
    uint8_t qh[QK_K / 4];
    int8_t scales[QK_K / 16];
    uint16_t d;
};
static_assert(sizeof(BlockQ6K) == 210);

// Q8_K: the activation type of every K-quant dot. x = d * qs, qs in [-127, 127]; bsums[g] = sum of qs of
// group g of 16 (lets the dot subtract mins and offsets without touching the quants).
struct BlockQ8K {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];
};
static_assert(sizeof(BlockQ8K) == 292);

// Layout only (no kernels yet).
struct BlockQ2K {
    uint8_t scales[QK_K / 16];
    uint8_t qs[QK_K / 4];
    uint16_t d;
    uint16_t dmin;
};
static_assert(sizeof(BlockQ2K) == 84);
struct BlockQ3K {
    uint8_t hmask[QK_K / 8];
    uint8_t qs[QK_K / 4];
    uint8_t scales[12];
    uint16_t d;
};
static_assert(sizeof(BlockQ3K) == 110);

// The 12-byte packing of Q4_K/Q5_K: sub-blocks 0-3 keep their 6 bits in the low bits of bytes 0-3 (scale)
// and 4-7 (min); sub-blocks 4-7 keep their low 4 bits in the nibbles of bytes 8-11 (scale low, min high) and
// their top 2 bits in the top 2 bits of bytes 0-3 (scale) and 4-7 (min).
inline void unpack_scales_mins(const uint8_t* s, uint8_t sc[8], uint8_t m[8]) {
    for (int j = 0; j < 4; ++j) {
        sc[j] = s[j] & 63;
        m[j] = s[j + 4] & 63;
        sc[j + 4] = uint8_t((s[j + 8] & 0xF) | ((s[j] >> 6) << 4));
        m[j + 4] = uint8_t((s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4));
    }
}
inline void pack_scales_mins(const uint8_t sc[8], const uint8_t m[8], uint8_t* s) {
    for (int j = 0; j < 4; ++j) {
        s[j] = uint8_t((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
        s[j + 4] = uint8_t((m[j] & 63) | ((m[j + 4] >> 4) << 6));
        s[j + 8] = uint8_t((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
    }
}

// Weight quantisers (k_quantize.cpp): per sub-block scale/min fitted by least squares, then the scales
// themselves quantised against one f16 scale per super-block.
void quantize_q4k(const float* src, void* dst, int64_t n);
void quantize_q5k(const float* src, void* dst, int64_t n);
void quantize_q6k(const float* src, void* dst, int64_t n);

// Kernels (n is a multiple of QK_K). Scalar references live in k_types.cpp.
float dot_q4k_q8k_scalar(int64_t n, const void* w, const void* x);
float dot_q5k_q8k_scalar(int64_t n, const void* w, const void* x);
float dot_q6k_q8k_scalar(int64_t n, const void* w, const void* x);
void quantize_q8k_scalar(const float* src, void* dst, int64_t n);

float dot_q4k_q8k_avx2(int64_t n, const void* w, const void* x);
float dot_q5k_q8k_avx2(int64_t n, const void* w, const void* x);
float dot_q6k_q8k_avx2(int64_t n, const void* w, const void* x);
void quantize_q8k_avx2(const float* src, void* dst, int64_t n);

float dot_q4k_q8k_avx512(int64_t n, const void* w, const void* x);
float dot_q5k_q8k_avx512(int64_t n, const void* w, const void* x);
float dot_q6k_q8k_avx512(int64_t n, const void* w, const void* x);
void quantize_q8k_avx512(const float* src, void* dst, int64_t n);

float dot_q4k_q8k_avx512vnni(int64_t n, const void* w, const void* x);
float dot_q5k_q8k_avx512vnni(int64_t n, const void* w, const void* x);
float dot_q6k_q8k_avx512vnni(int64_t n, const void* w, const void* x);

}  // namespace locus::kq
