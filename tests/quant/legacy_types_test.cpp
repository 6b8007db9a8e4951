// Legacy block types: byte layouts against hand-built blocks, quantisation error bounds, and every dot
// version this CPU can run against the scalar reference and a double-precision dequantised dot.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/cpu_features.h"
#include "core/fp16.h"
#include "quant/legacy_blocks.h"
#include "quant/legacy_kernels.h"
#include "quant/types.h"
#include "test_util.h"

namespace locus {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes quantize(DType t, const std::vector<float>& x) {
    const TypeTraits& tt = type_traits(t);
    Bytes b(row_bytes(tt, int64_t(x.size())));
    tt.from_float(x.data(), b.data(), int64_t(x.size()));
    return b;
}

std::vector<float> dequantize(DType t, const Bytes& b, int64_t n) {
    std::vector<float> y(static_cast<size_t>(n));
    type_traits(t).to_float(b.data(), y.data(), n);
    return y;
}

bool cpu_runs(int isa) {
    const CpuFeatures& f = cpu_features();
    return isa == 0 || (isa == 1 && f.avx2) || (isa == 2 && f.avx512);
}

void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

constexpr float kHalfUlp = 1.0f / 2048.0f;  // relative rounding error of a scale stored as F16

}  // namespace

TEST(LegacyQuant, TableRows) {
    struct Row { DType t; const char* name; size_t bytes; DType dot; };
    const Row rows[] = {{DType::Q4_0, "q4_0", 18, DType::Q8_0}, {DType::Q4_1, "q4_1", 20, DType::Q8_1},
                        {DType::Q5_0, "q5_0", 22, DType::Q8_0}, {DType::Q5_1, "q5_1", 24, DType::Q8_1},
                        {DType::Q8_0, "q8_0", 34, DType::Q8_0}, {DType::Q8_1, "q8_1", 36, DType::Q8_1}};
    for (const Row& r : rows) {
        const TypeTraits& tt = type_traits(r.t);
        EXPECT_STREQ(tt.name, r.name);
        EXPECT_EQ(tt.block_size, 32);
        EXPECT_EQ(tt.block_bytes, r.bytes);
        EXPECT_TRUE(tt.is_quantized);
        EXPECT_EQ(tt.vec_dot_type, r.dot);
        EXPECT_NE(tt.to_float, nullptr);
        EXPECT_NE(tt.from_float, nullptr);
        if (r.t != DType::Q8_1) {
            EXPECT_TRUE(tt.can_compute);
            EXPECT_NE(tt.vec_dot, nullptr);
            EXPECT_EQ(tt.vec_dot_by_isa[0], tt.vec_dot_scalar);
        }
    }
}

// Hand-built Q4_0 block: d = 0.5, qs[j] = j | (15 - j) << 4, so element j = (j - 8) / 2 and element
// j + 16 = (7 - j) / 2.
TEST(LegacyQuant, Q4_0ByteLayout) {
    uint8_t b[18];
    put16(b, 0x3800);  // 0.5
    for (int j = 0; j < 16; ++j) b[2 + j] = uint8_t(j | (15 - j) << 4);
    float y[32];
    type_traits(DType::Q4_0).to_float(b, y, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], (j - 8) * 0.5f) << j;
        EXPECT_EQ(y[j + 16], (7 - j) * 0.5f) << j;
    }
    // Quantising an exactly representable block gives those bytes back: x[j] = x[j+16] = (j - 8) / 4, the
    // largest magnitude is -2 so d = -2 / -8 = 0.25 and q = j.
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j) x[size_t(j)] = float(j % 16 - 8) * 0.25f;
    const Bytes q = quantize(DType::Q4_0, x);
    EXPECT_EQ(q[0] | q[1] << 8, 0x3400);  // 0.25
    for (int j = 0; j < 16; ++j) EXPECT_EQ(q[size_t(2 + j)], uint8_t(j | j << 4)) << j;
}

// Q4_1: d = 0.25, m = -1: x = q / 4 - 1.
TEST(LegacyQuant, Q4_1ByteLayout) {
    uint8_t b[20];
    put16(b, 0x3400);
    put16(b + 2, 0xbc00);  // -1.0
    for (int j = 0; j < 16; ++j) b[4 + j] = uint8_t((j ^ 5) | j << 4);
    float y[32];
    type_traits(DType::Q4_1).to_float(b, y, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], (j ^ 5) * 0.25f - 1.0f) << j;
        EXPECT_EQ(y[j + 16], j * 0.25f - 1.0f) << j;
    }
}

// Q5_0: d = 1, qh = 0xA5A5F00F (bit j = fifth bit of element j, little-endian), nibbles as in Q4_0.
TEST(LegacyQuant, Q5_0ByteLayout) {
    const uint32_t qh = 0xA5A5F00Fu;
    uint8_t b[22];
    put16(b, 0x3c00);
    for (int k = 0; k < 4; ++k) b[2 + k] = uint8_t(qh >> (8 * k));
    for (int j = 0; j < 16; ++j) b[6 + j] = uint8_t(j | (15 - j) << 4);
    float y[32];
    type_traits(DType::Q5_0).to_float(b, y, 32);
    for (int j = 0; j < 32; ++j) {
        const int nib = j < 16 ? j : 15 - (j - 16);
        const int q = nib | int((qh >> j) & 1) << 4;
        EXPECT_EQ(y[j], float(q - 16)) << j;
    }
    // And back: the same values quantise to the same bytes whenever the block's extreme is -16
    // (element 16 + 15 has nibble 0 and bit 31 = 1 -> 0; force one element to -16 for a known d).
    std::vector<float> x(y, y + 32);
    x[4] = -16.0f;  // q = 0: nibble 0, high bit 0
    const Bytes q = quantize(DType::Q5_0, x);
    EXPECT_EQ(q[0] | q[1] << 8, 0x3c00);
    uint32_t got_qh;
    std::memcpy(&got_qh, &q[2], 4);
    EXPECT_EQ(got_qh, qh & ~(1u << 4));
    for (int j = 0; j < 16; ++j) EXPECT_EQ(q[size_t(6 + j)], j == 4 ? uint8_t(0 | 11 << 4) : b[6 + j]) << j;
}

// Q5_1: d = 0.5, m = 2, qh = 0x0000FFFF (first 16 elements have the fifth bit).
TEST(LegacyQuant, Q5_1ByteLayout) {
    uint8_t b[24];
    put16(b, 0x3800);
    put16(b + 2, 0x4000);  // 2.0
    const uint32_t qh = 0x0000FFFFu;
    std::memcpy(b + 4, &qh, 4);
    for (int j = 0; j < 16; ++j) b[8 + j] = uint8_t(j | (15 - j) << 4);
    float y[32];
    type_traits(DType::Q5_1).to_float(b, y, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], float(16 + j) * 0.5f + 2.0f) << j;
        EXPECT_EQ(y[j + 16], float(15 - j) * 0.5f + 2.0f) << j;
    }
}

// Q8_0 and Q8_1: d = 2, qs[j] = j - 16; Q8_1 quantisation stores s = d * sum(q).
TEST(LegacyQuant, Q8ByteLayout) {
    uint8_t b0[34];
    put16(b0, 0x4000);
    for (int j = 0; j < 32; ++j) b0[2 + j] = uint8_t(int8_t(j - 16));
    float y[32];
    type_traits(DType::Q8_0).to_float(b0, y, 32);
    for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], float(j - 16) * 2.0f) << j;

    uint8_t b1[36];
    put16(b1, 0x4000);
    put16(b1 + 2, 0);
    for (int j = 0; j < 32; ++j) b1[4 + j] = uint8_t(int8_t(j - 16));
    type_traits(DType::Q8_1).to_float(b1, y, 32);
    for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], float(j - 16) * 2.0f) << j;

    // amax = 127 -> d = 1 exactly, q = x.
    std::vector<float> x(32);
    int sum = 0;
    for (int j = 0; j < 32; ++j) { x[size_t(j)] = float(j * 8 - 127 + (j == 31 ? 6 : 0)); sum += int(x[size_t(j)]); }
    ASSERT_EQ(x[31], 127.0f);
    for (DType t : {DType::Q8_0, DType::Q8_1}) {
        const Bytes q = quantize(t, x);
        EXPECT_EQ(q[0] | q[1] << 8, 0x3c00);
        const size_t off = t == DType::Q8_0 ? 2 : 4;
        for (int j = 0; j < 32; ++j) EXPECT_EQ(int8_t(q[off + size_t(j)]), int8_t(x[size_t(j)])) << j;
        if (t == DType::Q8_1) { EXPECT_EQ(q[2] | q[3] << 8, fp32_to_fp16(float(sum))); }
    }
}

// dequantise(quantise(x)) per element within the rounding bound of the type, per block with scale d:
//   round-to-nearest quants: |d| / 2; elements clamped at the top of a symmetric range (x / d beyond
//   top - 0.5, only possible on the side opposite the signed maximum): |d|; plus the F16 rounding of the
//   stored d (|q| * |d| * 2^-11) and of m (|m| * 2^-11).
TEST(LegacyQuant, RoundTripWithinBound) {
    const int64_t n = 32 * 64;
    std::vector<float> x = test::random_floats(size_t(n), 7, -3.0f, 1.0f);
    for (int j = 0; j < 32; ++j) x[size_t(32 + j)] = 0.0f;   // an all-zero block
    for (int j = 0; j < 32; ++j) x[size_t(64 + j)] = 0.75f;  // a constant block
    for (int j = 0; j < 32; ++j) x[size_t(96 + j)] = float(j) * 1e-3f - 0.7f;
    struct Case { DType t; int qmax; bool symmetric; };
    for (const Case c : {Case{DType::Q4_0, 15, true}, Case{DType::Q4_1, 15, false}, Case{DType::Q5_0, 31, true},
                         Case{DType::Q5_1, 31, false}, Case{DType::Q8_0, 127, true}, Case{DType::Q8_1, 127, true}}) {
        const Bytes q = quantize(c.t, x);
        const std::vector<float> y = dequantize(c.t, q, n);
        const bool q8 = c.qmax == 127;
        for (int64_t b = 0; b < n / 32; ++b) {
            const float* xb = &x[size_t(b * 32)];
            float amax = 0, smax = 0, lo = xb[0], hi = xb[0];
            for (int j = 0; j < 32; ++j) {
                if (std::fabs(xb[j]) > amax) { amax = std::fabs(xb[j]); smax = xb[j]; }
                lo = std::min(lo, xb[j]);
                hi = std::max(hi, xb[j]);
            }
            const float half = float(c.qmax + 1) / 2;
            const float d = q8 ? amax / 127 : c.symmetric ? smax / -half : (hi - lo) / float(c.qmax);
            const float m = c.symmetric ? 0.0f : lo;
            for (int j = 0; j < 32; ++j) {
                const float xv = xb[j];
                const bool clamped = !q8 && c.symmetric && d != 0 && xv / d > half - 0.5f;
                const float bound = std::fabs(d) * ((clamped ? 1.0f : 0.5f) + float(c.qmax) * kHalfUlp) +
                                    std::fabs(m) * kHalfUlp + 1e-6f;
                ASSERT_LE(std::fabs(y[size_t(b * 32 + j)] - xv), bound)
                    << dtype_name(c.t) << " block " << b << " element " << j;
            }
        }
    }
}

// The vector activation quantisers give the scalar reference's bytes (random data has no exact halfway
// cases, where they may round differently; see legacy_kernels.h).
TEST(LegacyQuant, VectorQ8QuantizersMatchScalar) {
    const int64_t n = 32 * 67;
    std::vector<float> x = test::random_floats(size_t(n), 11, -5.0f, 5.0f);
    for (int j = 0; j < 32; ++j) x[size_t(j)] = 0.0f;
    using Fn = void (*)(const float*, void*, int64_t);
    struct V { const char* name; Fn scalar, fast; size_t bytes; bool need512; };
    std::vector<V> vs;
    if (cpu_features().avx2) {
        vs.push_back({"q8_0 avx2", legacy::quantize_q8_0_scalar, legacy::quantize_q8_0_avx2, 34, false});
        vs.push_back({"q8_1 avx2", legacy::quantize_q8_1_scalar, legacy::quantize_q8_1_avx2, 36, false});
    }
    if (cpu_features().avx512) {
        vs.push_back({"q8_0 avx512", legacy::quantize_q8_0_scalar, legacy::quantize_q8_0_avx512, 34, true});
        vs.push_back({"q8_1 avx512", legacy::quantize_q8_1_scalar, legacy::quantize_q8_1_avx512, 36, true});
    }
    if (vs.empty()) GTEST_SKIP() << "no vector ISA";
    for (const V& v : vs) {
        Bytes a(size_t(n / 32) * v.bytes), b(a.size());
        v.scalar(x.data(), a.data(), n);
        v.fast(x.data(), b.data(), n);
        EXPECT_EQ(a, b) << v.name;
    }
}

// Every dot version the CPU can run agrees with the scalar reference (to float rounding of the per-block
// products: the integer parts are exact), and the scalar reference agrees with a double-precision dot of the
// dequantised rows (up to float accumulation, and for the _1 types the F16 roundings in s = d * sum(q)).
TEST(LegacyQuant, DotVersionsAgree) {
    using namespace legacy;
    struct Case { DType t; VecDotFn bw512, vnni512; };
    const Case cases[] = {{DType::Q4_0, vec_dot_q4_0_avx512, vec_dot_q4_0_avx512vnni},
                          {DType::Q4_1, vec_dot_q4_1_avx512, vec_dot_q4_1_avx512vnni},
                          {DType::Q5_0, vec_dot_q5_0_avx512, vec_dot_q5_0_avx512vnni},
                          {DType::Q5_1, vec_dot_q5_1_avx512, vec_dot_q5_1_avx512vnni},
                          {DType::Q8_0, vec_dot_q8_0_avx512, vec_dot_q8_0_avx512vnni}};
    uint32_t seed = 100;
    for (const Case& c : cases) {
        const TypeTraits& tt = type_traits(c.t);
        const DType xt = tt.vec_dot_type;
        for (int64_t n : {32, 64, 96, 160, 224, 1024, 2048 + 32, 4096 + 96}) {
            const std::vector<float> wf = test::random_floats(size_t(n), ++seed, -1.0f, 1.5f);
            const std::vector<float> xf = test::random_floats(size_t(n), ++seed, -2.0f, 2.0f);
            const Bytes w = quantize(c.t, wf), x = quantize(xt, xf);
            const std::vector<float> wd = dequantize(c.t, w, n), xd = dequantize(xt, x, n);
            double exact = 0, mag = 0;
            for (int64_t i = 0; i < n; ++i) {
                exact += double(wd[size_t(i)]) * xd[size_t(i)];
                mag += std::fabs(double(wd[size_t(i)]) * xd[size_t(i)]);
            }
            // _1 types: s = F16(d * sum q) while the dequantised row uses F16(d): two F16 roundings of |m * s| per block.
            double s_err = 0;
            if (xt == DType::Q8_1) {
                for (int64_t b = 0; b < n / 32; ++b) {
                    uint16_t m16, s16;
                    std::memcpy(&m16, &w[size_t(b) * tt.block_bytes + 2], 2);
                    std::memcpy(&s16, &x[size_t(b) * 36 + 2], 2);
                    s_err += std::fabs(fp16_to_fp32(m16) * fp16_to_fp32(s16)) * 2.01 * kHalfUlp;
                }
            }
            const float ref = tt.vec_dot_scalar(n, w.data(), x.data());
            EXPECT_NEAR(ref, exact, 1e-5 * mag + s_err + 1e-6) << tt.name << " n=" << n;
            std::vector<std::pair<std::string, VecDotFn>> fns;
            for (int isa = 1; isa < 3; ++isa) {
                if (cpu_runs(isa) && tt.vec_dot_by_isa[isa])
                    fns.push_back({isa_name(Isa(isa)), tt.vec_dot_by_isa[isa]});
            }
            if (cpu_features().avx512) fns.push_back({"avx512 (bw)", c.bw512});
            if (cpu_features().avx512_vnni) fns.push_back({"avx512vnni", c.vnni512});
            fns.push_back({"table vec_dot", tt.vec_dot});
            for (const auto& [name, fn] : fns) {
                const float got = fn(n, w.data(), x.data());
                EXPECT_NEAR(got, ref, 1e-5 * (mag + std::fabs(ref)) + 1e-6) << tt.name << " " << name << " n=" << n;
            }
        }
    }
}

}  // namespace locus
