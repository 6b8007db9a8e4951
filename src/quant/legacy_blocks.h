// Block layouts of the "legacy" quantised types, byte-identical to ggml's (GGUF tensors are used in place).
// Every block holds 32 elements. Scales are IEEE half (core/fp16.h converts them).
#pragma once
#include <cstdint>

namespace locus {

constexpr int kQK = 32;  // elements per legacy block

// x = (q - 8) * d. Element j (j < 16) is the low nibble of qs[j], element j + 16 its high nibble.
struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[kQK / 2];
};
// x = q * d + m, nibbles placed as in Q4_0.
struct BlockQ4_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qs[kQK / 2];
};
// x = (q - 16) * d, q = nibble | (bit j of qh as a little-endian u32) << 4; nibbles placed as in Q4_0.
struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4];
    uint8_t qs[kQK / 2];
};
// x = q * d + m, q as in Q5_0.
struct BlockQ5_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qh[4];
    uint8_t qs[kQK / 2];
};
// x = q * d. Weights, and the activation type of Q4_0, Q5_0 and Q8_0 dots.
struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[kQK];
};
// x = q * d, s = d * (sum of the 32 q): the activation type of Q4_1 and Q5_1 dots (s carries the m term).
struct BlockQ8_1 {
    uint16_t d;
    uint16_t s;
    int8_t qs[kQK];
};

static_assert(sizeof(BlockQ4_0) == 18 && alignof(BlockQ4_0) == 2);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);

}  // namespace locus
