// K-quant rows of the traits table: Q4_K, Q5_K, Q6_K with their activation type Q8_K (ggml layouts, see
// k_blocks.h), plus layout-only rows for Q2_K and Q3_K. This file holds the scalar references (dequantise,
// Q8_K quantise, dots); the weight quantisers are in k_quantize.cpp, the fast dots in dot_k_*.cpp.
#include <cmath>
#include <cstring>

#include "core/cpu_features.h"
#include "core/fp16.h"
#include "quant/k_blocks.h"
#include "quant/registry.h"

namespace locus::kq {
namespace {

// Round to nearest, ties to even, exactly like ggml's nearest_int (valid for |v| < 2^22).
inline int nearest_int(float v) {
    const float f = v + 12582912.0f;
    int32_t i;
    std::memcpy(&i, &f, 4);
    return (i & 0x007fffff) - 0x00400000;
}

void dequantize_q4k(const void* src, float* y, int64_t n) {
    const auto* b = static_cast<const BlockQ4K*>(src);
    for (int64_t i = 0; i < n / QK_K; ++i, ++b) {
        const float d = fp16_to_fp32(b->d), dmin = fp16_to_fp32(b->dmin);
        uint8_t sc[8], m[8];
        unpack_scales_mins(b->scales, sc, m);
        for (int c = 0; c < 4; ++c) {
            const uint8_t* q = b->qs + 32 * c;
            const float d0 = d * sc[2 * c], m0 = dmin * m[2 * c];
            const float d1 = d * sc[2 * c + 1], m1 = dmin * m[2 * c + 1];
            for (int l = 0; l < 32; ++l) y[l] = d0 * (q[l] & 0xF) - m0;
            for (int l = 0; l < 32; ++l) y[32 + l] = d1 * (q[l] >> 4) - m1;
            y += 64;
        }
    }
}

void dequantize_q5k(const void* src, float* y, int64_t n) {
    const auto* b = static_cast<const BlockQ5K*>(src);
    for (int64_t i = 0; i < n / QK_K; ++i, ++b) {
        const float d = fp16_to_fp32(b->d), dmin = fp16_to_fp32(b->dmin);
        uint8_t sc[8], m[8];
        unpack_scales_mins(b->scales, sc, m);
        for (int c = 0; c < 4; ++c) {
            const uint8_t* q = b->qs + 32 * c;
            const float d0 = d * sc[2 * c], m0 = dmin * m[2 * c];
            const float d1 = d * sc[2 * c + 1], m1 = dmin * m[2 * c + 1];
            for (int l = 0; l < 32; ++l) {
                const int h = (b->qh[l] >> (2 * c)) & 1;
                y[l] = d0 * ((q[l] & 0xF) | (h << 4)) - m0;
            }
            for (int l = 0; l < 32; ++l) {
                const int h = (b->qh[l] >> (2 * c + 1)) & 1;
                y[32 + l] = d1 * ((q[l] >> 4) | (h << 4)) - m1;
            }
            y += 64;
        }
    }
}

// The 256 quants of a Q6_K block, offset removed (q - 32 in [-32, 31]), in element order.
inline void unpack_q6k(const BlockQ6K& b, int8_t* q) {
    for (int h = 0; h < 2; ++h, q += 128) {
        const uint8_t* ql = b.ql + 64 * h;
        const uint8_t* qh = b.qh + 32 * h;
        for (int l = 0; l < 32; ++l) {
            q[l] = int8_t(((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
            q[l + 32] = int8_t(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
            q[l + 64] = int8_t(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            q[l + 96] = int8_t(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
    }
}

void dequantize_q6k(const void* src, float* y, int64_t n) {
    const auto* b = static_cast<const BlockQ6K*>(src);
    int8_t q[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, ++b) {
        const float d = fp16_to_fp32(b->d);
        unpack_q6k(*b, q);
        for (int e = 0; e < QK_K; ++e) y[e] = d * b->scales[e / 16] * q[e];
        y += QK_K;
    }
}

void dequantize_q8k(const void* src, float* y, int64_t n) {
    const auto* b = static_cast<const BlockQ8K*>(src);
    for (int64_t i = 0; i < n / QK_K; ++i, ++b) {
        for (int e = 0; e < QK_K; ++e) y[e] = b->d * b->qs[e];
        y += QK_K;
    }
}

}  // namespace

// ggml's quantize_row_q8_K: d = max / -127 where max is the (first) element of largest magnitude.
void quantize_q8k_scalar(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8K*>(dst);
    for (int64_t i = 0; i < n / QK_K; ++i, ++b, x += QK_K) {
        float amax = 0, max = 0;
        for (int e = 0; e < QK_K; ++e) {
            if (std::fabs(x[e]) > amax) { amax = std::fabs(x[e]); max = x[e]; }
        }
        if (amax == 0) {
            std::memset(b, 0, sizeof(*b));
            continue;
        }
        const float iscale = -127.0f / max;
        for (int e = 0; e < QK_K; ++e) {
            const int v = nearest_int(iscale * x[e]);
            b->qs[e] = int8_t(v < 127 ? v : 127);
        }
        for (int g = 0; g < QK_K / 16; ++g) {
            int s = 0;
            for (int e = 0; e < 16; ++e) s += b->qs[16 * g + e];
            b->bsums[g] = int16_t(s);
        }
        b->d = 1 / iscale;
    }
}

// Integer sums per sub-block, scaled by the 6-bit scales; the mins enter through the Q8_K group sums.
float dot_q4k_q8k_scalar(int64_t n, const void* w, const void* x) {
    const auto* a = static_cast<const BlockQ4K*>(w);
    const auto* b = static_cast<const BlockQ8K*>(x);
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; ++i, ++a, ++b) {
        uint8_t sc[8], m[8];
        unpack_scales_mins(a->scales, sc, m);
        int32_t isum = 0, msum = 0;
        for (int c = 0; c < 4; ++c) {
            const uint8_t* q = a->qs + 32 * c;
            const int8_t* y = b->qs + 64 * c;
            int32_t s0 = 0, s1 = 0;
            for (int l = 0; l < 32; ++l) {
                s0 += (q[l] & 0xF) * y[l];
                s1 += (q[l] >> 4) * y[32 + l];
            }
            isum += sc[2 * c] * s0 + sc[2 * c + 1] * s1;
        }
        for (int j = 0; j < 8; ++j) msum += m[j] * (b->bsums[2 * j] + b->bsums[2 * j + 1]);
        sum += fp16_to_fp32(a->d) * b->d * float(isum) - fp16_to_fp32(a->dmin) * b->d * float(msum);
    }
    return sum;
}

float dot_q5k_q8k_scalar(int64_t n, const void* w, const void* x) {
    const auto* a = static_cast<const BlockQ5K*>(w);
    const auto* b = static_cast<const BlockQ8K*>(x);
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; ++i, ++a, ++b) {
        uint8_t sc[8], m[8];
        unpack_scales_mins(a->scales, sc, m);
        int32_t isum = 0, msum = 0;
        for (int c = 0; c < 4; ++c) {
            const uint8_t* q = a->qs + 32 * c;
            const int8_t* y = b->qs + 64 * c;
            int32_t s0 = 0, s1 = 0;
            for (int l = 0; l < 32; ++l) {
                s0 += ((q[l] & 0xF) | (((a->qh[l] >> (2 * c)) & 1) << 4)) * y[l];
                s1 += ((q[l] >> 4) | (((a->qh[l] >> (2 * c + 1)) & 1) << 4)) * y[32 + l];
            }
            isum += sc[2 * c] * s0 + sc[2 * c + 1] * s1;
        }
        for (int j = 0; j < 8; ++j) msum += m[j] * (b->bsums[2 * j] + b->bsums[2 * j + 1]);
        sum += fp16_to_fp32(a->d) * b->d * float(isum) - fp16_to_fp32(a->dmin) * b->d * float(msum);
    }
    return sum;
}

// Sum over groups of scale * sum((q - 32) * y); |partial sums| < 2^27, so int32 is exact.
float dot_q6k_q8k_scalar(int64_t n, const void* w, const void* x) {
    const auto* a = static_cast<const BlockQ6K*>(w);
    const auto* b = static_cast<const BlockQ8K*>(x);
    float sum = 0;
    int8_t q[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, ++a, ++b) {
        unpack_q6k(*a, q);
        int32_t isum = 0;
        for (int g = 0; g < QK_K / 16; ++g) {
            int32_t s = 0;
            for (int e = 16 * g; e < 16 * g + 16; ++e) s += q[e] * b->qs[e];
            isum += a->scales[g] * s;
        }
        sum += fp16_to_fp32(a->d) * b->d * float(isum);
    }
    return sum;
}

}  // namespace locus::kq

namespace locus {

void register_k_types(TypeTraits* t) {
    using namespace kq;
    const CpuFeatures& cpu = cpu_features();
    const Isa isa = best_isa();
    const bool use512 = cpu.avx512 && isa == Isa::avx512;
    const bool use2 = cpu.avx2 && int(isa) >= int(Isa::avx2);
    // The AVX-512 slot holds the VNNI kernels where the CPU has VNNI, else the plain AVX-512BW ones.
    const bool vnni = cpu.avx512_vnni;

    t[int(DType::Q2_K)] = {"q2_K", 256, sizeof(BlockQ2K), true};
    t[int(DType::Q3_K)] = {"q3_K", 256, sizeof(BlockQ3K), true};

    // One weight row: its kernels at every instruction set, the AVX-512 slot taking VNNI where the CPU has it.
    auto weight_row = [&](const char* name, size_t bytes, ToFloatFn to, FromFloatFn from, VecDotFn scalar,
                          VecDotFn avx2, VecDotFn avx512, VecDotFn avx512vnni) {
        TypeTraits r{name, QK_K, bytes, true, true, DType::Q8_K};
        r.to_float = to;
        r.from_float = from;
        r.vec_dot_scalar = scalar;
        r.vec_dot_by_isa[0] = scalar;
        r.vec_dot_by_isa[1] = avx2;
        r.vec_dot_by_isa[2] = vnni ? avx512vnni : avx512;
        return r;
    };
    t[int(DType::Q4_K)] = weight_row("q4_K", sizeof(BlockQ4K), dequantize_q4k, quantize_q4k, dot_q4k_q8k_scalar,
                                     dot_q4k_q8k_avx2, dot_q4k_q8k_avx512, dot_q4k_q8k_avx512vnni);
    t[int(DType::Q5_K)] = weight_row("q5_K", sizeof(BlockQ5K), dequantize_q5k, quantize_q5k, dot_q5k_q8k_scalar,
                                     dot_q5k_q8k_avx2, dot_q5k_q8k_avx512, dot_q5k_q8k_avx512vnni);
    t[int(DType::Q6_K)] = weight_row("q6_K", sizeof(BlockQ6K), dequantize_q6k, quantize_q6k, dot_q6k_q8k_scalar,
                                     dot_q6k_q8k_avx2, dot_q6k_q8k_avx512, dot_q6k_q8k_avx512vnni);

    // Activation type only: no dot of its own. Quantised once per activation vector, so the fast version
    // is picked here (all versions give identical blocks).
    TypeTraits q8{"q8_K", QK_K, sizeof(BlockQ8K), true, false, DType::Q8_K};
    q8.to_float = dequantize_q8k;
    q8.from_float = use512 ? quantize_q8k_avx512 : use2 ? quantize_q8k_avx2 : quantize_q8k_scalar;
    t[int(DType::Q8_K)] = q8;
}

}  // namespace locus
