// The legacy block types Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q8_1: scalar dequantise, quantise (as ggml's reference
// quantisers, so files written by `locus quantize` match llama.cpp's byte for byte), scalar dot references,
// and the registration of the fastest versions this CPU can run.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/cpu_features.h"
#include "core/fp16.h"
#include "quant/legacy_blocks.h"
#include "quant/legacy_kernels.h"
#include "quant/registry.h"

namespace locus {
namespace {

inline uint32_t load_qh(const uint8_t* qh) {
    uint32_t v;
    std::memcpy(&v, qh, 4);
    return v;  // little-endian host (x86)
}

// 5-bit quant j of a Q5 block (0..31).
inline int q5_at(const uint8_t* qs, uint32_t qh, int j) {
    const int nib = j < 16 ? (qs[j] & 0x0f) : (qs[j - 16] >> 4);
    return nib | int((qh >> j) & 1) << 4;
}

inline int q4_at(const uint8_t* qs, int j) { return j < 16 ? (qs[j] & 0x0f) : (qs[j - 16] >> 4); }

// ---- dequantise ----

void to_float_q4_0(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ4_0*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < kQK; ++j) dst[j] = float(q4_at(b[i].qs, j) - 8) * d;
    }
}

void to_float_q4_1(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ4_1*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = fp16_to_fp32(b[i].d), m = fp16_to_fp32(b[i].m);
        for (int j = 0; j < kQK; ++j) dst[j] = float(q4_at(b[i].qs, j)) * d + m;
    }
}

void to_float_q5_0(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ5_0*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = fp16_to_fp32(b[i].d);
        const uint32_t qh = load_qh(b[i].qh);
        for (int j = 0; j < kQK; ++j) dst[j] = float(q5_at(b[i].qs, qh, j) - 16) * d;
    }
}

void to_float_q5_1(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ5_1*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = fp16_to_fp32(b[i].d), m = fp16_to_fp32(b[i].m);
        const uint32_t qh = load_qh(b[i].qh);
        for (int j = 0; j < kQK; ++j) dst[j] = float(q5_at(b[i].qs, qh, j)) * d + m;
    }
}

void to_float_q8_0(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ8_0*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < kQK; ++j) dst[j] = float(b[i].qs[j]) * d;
    }
}

void to_float_q8_1(const void* src, float* dst, int64_t n) {
    const auto* b = static_cast<const BlockQ8_1*>(src);
    for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
        const float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < kQK; ++j) dst[j] = float(b[i].qs[j]) * d;
    }
}

// ---- quantise (ggml's reference rules) ----

// The element of largest magnitude, with its sign (first one on ties).
inline float signed_absmax(const float* x) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQK; ++j) {
        if (std::fabs(x[j]) > amax) { amax = std::fabs(x[j]); max = x[j]; }
    }
    return max;
}

inline void min_max(const float* x, float& lo, float& hi) {
    lo = x[0];
    hi = x[0];
    for (int j = 1; j < kQK; ++j) { lo = std::min(lo, x[j]); hi = std::max(hi, x[j]); }
}

// Symmetric: d = max / -half, q = min(top, trunc(x / d + half + 0.5)).
template <int kHalf>
inline void quantize_symmetric(const float* x, uint16_t& d16, uint8_t q[kQK]) {
    const float d = signed_absmax(x) / -float(kHalf);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    d16 = fp32_to_fp16(d);
    for (int j = 0; j < kQK; ++j) q[j] = uint8_t(std::min(2 * kHalf - 1, int(x[j] * id + (float(kHalf) + 0.5f))));
}

// Affine: d = (max - min) / top, m = min, q = min(top, trunc((x - min) / d + 0.5)).
template <int kTop>
inline void quantize_affine(const float* x, uint16_t& d16, uint16_t& m16, uint8_t q[kQK]) {
    float lo, hi;
    min_max(x, lo, hi);
    const float d = (hi - lo) / float(kTop);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    d16 = fp32_to_fp16(d);
    m16 = fp32_to_fp16(lo);
    for (int j = 0; j < kQK; ++j) q[j] = uint8_t(std::min(kTop, int((x[j] - lo) * id + 0.5f)));
}

inline void pack_nibbles(const uint8_t q[kQK], uint8_t qs[kQK / 2]) {
    for (int j = 0; j < kQK / 2; ++j) qs[j] = uint8_t((q[j] & 0x0f) | (q[j + 16] & 0x0f) << 4);
}

inline void pack_high_bits(const uint8_t q[kQK], uint8_t qh[4]) {
    uint32_t h = 0;
    for (int j = 0; j < kQK; ++j) h |= uint32_t(q[j] >> 4) << j;
    std::memcpy(qh, &h, 4);
}

void from_float_q4_0(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ4_0*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        uint8_t q[kQK];
        quantize_symmetric<8>(x, b[i].d, q);
        pack_nibbles(q, b[i].qs);
    }
}

void from_float_q4_1(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ4_1*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        uint8_t q[kQK];
        quantize_affine<15>(x, b[i].d, b[i].m, q);
        pack_nibbles(q, b[i].qs);
    }
}

void from_float_q5_0(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ5_0*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        uint8_t q[kQK];
        quantize_symmetric<16>(x, b[i].d, q);
        pack_nibbles(q, b[i].qs);
        pack_high_bits(q, b[i].qh);
    }
}

void from_float_q5_1(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ5_1*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        uint8_t q[kQK];
        quantize_affine<31>(x, b[i].d, b[i].m, q);
        pack_nibbles(q, b[i].qs);
        pack_high_bits(q, b[i].qh);
    }
}

}  // namespace

// ---- scalar references (exported through legacy_kernels.h for the tests) ----
namespace legacy {

// d = amax / 127, q = round(x / d) (ties away from zero, as ggml's roundf). Returns the sum of the quants.
static int quantize_block_q8(const float* x, uint16_t& d16, int8_t q[kQK], float& d_out) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    d16 = fp32_to_fp16(d);
    d_out = d;
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
        q[j] = int8_t(std::lround(x[j] * id));
        sum += q[j];
    }
    return sum;
}

void quantize_q8_0_scalar(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        float d;
        quantize_block_q8(x, b[i].d, b[i].qs, d);
    }
}

void quantize_q8_1_scalar(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_1*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
        float d;
        const int sum = quantize_block_q8(x, b[i].d, b[i].qs, d);
        b[i].s = fp32_to_fp16(float(sum) * d);
    }
}

// Each dot: integer dot of the quants per block, times d_w * d_x; the _1 types add m_w * s_x
// (s_x = d_x * sum of x's quants, so sum_j m_w * x_j is exact up to the rounding of s).

float vec_dot_q4_0_scalar(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const BlockQ4_0*>(wv);
    const auto* x = static_cast<const BlockQ8_0*>(xv);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int isum = 0;
        for (int j = 0; j < kQK; ++j) isum += (q4_at(w[i].qs, j) - 8) * x[i].qs[j];
        sum += float(isum) * fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d);
    }
    return sum;
}

float vec_dot_q4_1_scalar(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const BlockQ4_1*>(wv);
    const auto* x = static_cast<const BlockQ8_1*>(xv);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int isum = 0;
        for (int j = 0; j < kQK; ++j) isum += q4_at(w[i].qs, j) * x[i].qs[j];
        sum += float(isum) * fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d) +
               fp16_to_fp32(w[i].m) * fp16_to_fp32(x[i].s);
    }
    return sum;
}

float vec_dot_q5_0_scalar(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const BlockQ5_0*>(wv);
    const auto* x = static_cast<const BlockQ8_0*>(xv);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK; ++i) {
        const uint32_t qh = load_qh(w[i].qh);
        int isum = 0;
        for (int j = 0; j < kQK; ++j) isum += (q5_at(w[i].qs, qh, j) - 16) * x[i].qs[j];
        sum += float(isum) * fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d);
    }
    return sum;
}

float vec_dot_q5_1_scalar(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const BlockQ5_1*>(wv);
    const auto* x = static_cast<const BlockQ8_1*>(xv);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK; ++i) {
        const uint32_t qh = load_qh(w[i].qh);
        int isum = 0;
        for (int j = 0; j < kQK; ++j) isum += q5_at(w[i].qs, qh, j) * x[i].qs[j];
        sum += float(isum) * fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d) +
               fp16_to_fp32(w[i].m) * fp16_to_fp32(x[i].s);
    }
    return sum;
}

float vec_dot_q8_0_scalar(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const BlockQ8_0*>(wv);
    const auto* x = static_cast<const BlockQ8_0*>(xv);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int isum = 0;
        for (int j = 0; j < kQK; ++j) isum += w[i].qs[j] * x[i].qs[j];
        sum += float(isum) * fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d);
    }
    return sum;
}

}  // namespace legacy

namespace {

// One row of the table: scalar kernels, plus the vector dots by Isa (nullptr where not built).
struct DotSet {
    VecDotFn scalar, avx2, avx512, avx512vnni;
};

void fill(TypeTraits& t, const char* name, size_t bytes, DType dot_type, ToFloatFn to_float,
          FromFloatFn from_float, const DotSet& dots) {
    t = {};
    t.name = name;
    t.block_size = kQK;
    t.block_bytes = bytes;
    t.is_quantized = true;
    t.can_compute = dots.scalar != nullptr;
    t.vec_dot_type = dot_type;
    t.to_float = to_float;
    t.from_float = from_float;
    t.vec_dot_scalar = dots.scalar;
    t.vec_dot_by_isa[int(Isa::scalar)] = dots.scalar;
    t.vec_dot_by_isa[int(Isa::avx2)] = dots.avx2;
    // One AVX-512 slot: the VNNI version where the CPU has VNNI, else the plain F/BW one.
    t.vec_dot_by_isa[int(Isa::avx512)] = cpu_features().avx512_vnni ? dots.avx512vnni : dots.avx512;
}

// The activation quantisers run per token, so they follow the CPU (and LOCUS_ISA, like the dots).
FromFloatFn pick_q8_quantizer(FromFloatFn scalar, FromFloatFn avx2, FromFloatFn avx512) {
    switch (best_isa()) {
        case Isa::avx512: return avx512;
        case Isa::avx2: return avx2;
        case Isa::scalar: break;
    }
    return scalar;
}

}  // namespace

void register_legacy_types(TypeTraits* t) {
    using namespace legacy;
#define LOCUS_DOTS(ty) {vec_dot_##ty##_scalar, vec_dot_##ty##_avx2, vec_dot_##ty##_avx512, vec_dot_##ty##_avx512vnni}
    fill(t[int(DType::Q4_0)], "q4_0", sizeof(BlockQ4_0), DType::Q8_0, to_float_q4_0, from_float_q4_0,
         LOCUS_DOTS(q4_0));
    fill(t[int(DType::Q4_1)], "q4_1", sizeof(BlockQ4_1), DType::Q8_1, to_float_q4_1, from_float_q4_1,
         LOCUS_DOTS(q4_1));
    fill(t[int(DType::Q5_0)], "q5_0", sizeof(BlockQ5_0), DType::Q8_0, to_float_q5_0, from_float_q5_0,
         LOCUS_DOTS(q5_0));
    fill(t[int(DType::Q5_1)], "q5_1", sizeof(BlockQ5_1), DType::Q8_1, to_float_q5_1, from_float_q5_1,
         LOCUS_DOTS(q5_1));
    const FromFloatFn q8_0 = pick_q8_quantizer(quantize_q8_0_scalar, quantize_q8_0_avx2, quantize_q8_0_avx512);
    const FromFloatFn q8_1 = pick_q8_quantizer(quantize_q8_1_scalar, quantize_q8_1_avx2, quantize_q8_1_avx512);
    fill(t[int(DType::Q8_0)], "q8_0", sizeof(BlockQ8_0), DType::Q8_0, to_float_q8_0, q8_0, LOCUS_DOTS(q8_0));
    // Q8_1 is an activation type only: no dot of its own (as in ggml).
    fill(t[int(DType::Q8_1)], "q8_1", sizeof(BlockQ8_1), DType::Q8_1, to_float_q8_1, q8_1, {});
#undef LOCUS_DOTS
}

}  // namespace locus
