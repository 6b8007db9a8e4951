// K-quants: byte layouts against hand-built blocks, quantise/dequantise error, every dot version against the
// scalar reference and against a double-precision dot of the dequantised rows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/fp16.h"
#include "quant/k_blocks.h"
#include "quant/types.h"
#include "test_util.h"

namespace locus {
namespace {

using namespace kq;
using test::random_floats;

std::vector<float> gaussian_floats(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

std::vector<uint8_t> quantize(DType t, const std::vector<float>& x) {
    const TypeTraits& tt = type_traits(t);
    std::vector<uint8_t> q(row_bytes(tt, int64_t(x.size())));
    tt.from_float(x.data(), q.data(), int64_t(x.size()));
    return q;
}

std::vector<float> dequantize(DType t, const void* q, int64_t n) {
    std::vector<float> y(size_t(n), NAN);
    type_traits(t).to_float(q, y.data(), n);
    return y;
}

double rel_rms(const std::vector<float>& x, const std::vector<float>& y) {
    double num = 0, den = 0;
    for (size_t i = 0; i < x.size(); ++i) { num += double(x[i] - y[i]) * (x[i] - y[i]); den += double(x[i]) * x[i]; }
    return std::sqrt(num / den);
}

bool isa_available(int isa) {
    const CpuFeatures& f = cpu_features();
    return isa == 0 || (isa == 1 && f.avx2) || (isa == 2 && f.avx512);
}

TEST(KQuant, TableRows) {
    struct Row { DType t; const char* name; size_t bytes; };
    for (const Row& r : {Row{DType::Q2_K, "q2_K", 84}, Row{DType::Q3_K, "q3_K", 110}, Row{DType::Q4_K, "q4_K", 144},
                         Row{DType::Q5_K, "q5_K", 176}, Row{DType::Q6_K, "q6_K", 210}, Row{DType::Q8_K, "q8_K", 292}}) {
        const TypeTraits& tt = type_traits(r.t);
        EXPECT_STREQ(tt.name, r.name);
        EXPECT_EQ(tt.block_size, 256);
        EXPECT_EQ(tt.block_bytes, r.bytes);
        EXPECT_TRUE(tt.is_quantized);
    }
    for (DType t : {DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
        const TypeTraits& tt = type_traits(t);
        EXPECT_TRUE(tt.can_compute);
        EXPECT_EQ(tt.vec_dot_type, DType::Q8_K);
        EXPECT_TRUE(tt.to_float && tt.from_float && tt.vec_dot && tt.vec_dot_scalar);
    }
    EXPECT_FALSE(type_traits(DType::Q2_K).can_compute);
    EXPECT_FALSE(type_traits(DType::Q3_K).can_compute);
}

// Scale bytes decoded by hand from the packing rule (sub-blocks 4-7 take their low 4 bits from the nibbles of
// bytes 8-11 and their top 2 bits from the top bits of bytes 0-3 / 4-7).
const uint8_t kScaleBytes[12] = {0x41, 0x02, 0xC3, 0x3F, 0x05, 0x86, 0x07, 0x48, 0x21, 0x43, 0x65, 0x87};
const uint8_t kSc[8] = {1, 2, 3, 63, 17, 3, 53, 7};
const uint8_t kMin[8] = {5, 6, 7, 8, 2, 36, 6, 24};

TEST(KQuant, ScaleMinPacking) {
    uint8_t sc[8], m[8], packed[12];
    unpack_scales_mins(kScaleBytes, sc, m);
    for (int j = 0; j < 8; ++j) {
        EXPECT_EQ(sc[j], kSc[j]) << j;
        EXPECT_EQ(m[j], kMin[j]) << j;
    }
    pack_scales_mins(kSc, kMin, packed);
    EXPECT_EQ(0, std::memcmp(packed, kScaleBytes, 12));
}

TEST(KQuant, Q4KLayout) {
    BlockQ4K b;
    b.d = fp32_to_fp16(0.5f);
    b.dmin = fp32_to_fp16(0.25f);
    std::memcpy(b.scales, kScaleBytes, 12);
    for (int k = 0; k < 128; ++k) b.qs[k] = uint8_t(k * 7 + 3);
    const std::vector<float> y = dequantize(DType::Q4_K, &b, 256);
    for (int e = 0; e < 256; ++e) {
        const int c = e / 64, r = e % 64;  // chunk of 64: low nibbles first, then high nibbles
        const uint8_t byte = b.qs[32 * c + r % 32];
        const int q = r < 32 ? (byte & 0xF) : (byte >> 4);
        ASSERT_EQ(y[e], 0.5f * kSc[e / 32] * q - 0.25f * kMin[e / 32]) << e;
    }
}

TEST(KQuant, Q5KLayout) {
    BlockQ5K b;
    b.d = fp32_to_fp16(0.5f);
    b.dmin = fp32_to_fp16(0.25f);
    std::memcpy(b.scales, kScaleBytes, 12);
    for (int k = 0; k < 128; ++k) b.qs[k] = uint8_t(k * 11 + 5);
    for (int k = 0; k < 32; ++k) b.qh[k] = uint8_t(k * 37 + 1);
    const std::vector<float> y = dequantize(DType::Q5_K, &b, 256);
    for (int e = 0; e < 256; ++e) {
        const int c = e / 64, r = e % 64;
        const uint8_t byte = b.qs[32 * c + r % 32];
        const int hi = (b.qh[r % 32] >> (2 * c + (r >= 32))) & 1;
        const int q = (r < 32 ? (byte & 0xF) : (byte >> 4)) + 16 * hi;
        ASSERT_EQ(y[e], 0.5f * kSc[e / 32] * q - 0.25f * kMin[e / 32]) << e;
    }
}

TEST(KQuant, Q6KLayout) {
    BlockQ6K b;
    for (int k = 0; k < 128; ++k) b.ql[k] = uint8_t(k * 13 + 7);
    for (int k = 0; k < 64; ++k) b.qh[k] = uint8_t(k * 29 + 3);
    for (int g = 0; g < 16; ++g) b.scales[g] = int8_t(g * 17 - 128);
    b.d = fp32_to_fp16(0.125f);
    const std::vector<float> y = dequantize(DType::Q6_K, &b, 256);
    for (int e = 0; e < 256; ++e) {
        const int h = e / 128, r = e % 128, l = r % 32, part = r / 32;
        const uint8_t lbyte = b.ql[64 * h + l + (part % 2) * 32];
        const int low = part < 2 ? (lbyte & 0xF) : (lbyte >> 4);
        const int high = (b.qh[32 * h + l] >> (2 * part)) & 3;
        ASSERT_EQ(y[e], 0.125f * b.scales[e / 16] * (low + 16 * high - 32)) << e;
    }
}

TEST(KQuant, Q8KQuantiseKnownValues) {
    std::vector<float> x(256, 0.0f);
    for (int i = 0; i < 256; ++i) x[i] = 0.01f * float(i % 50) - 0.2f;
    x[5] = -2.0f;  // largest magnitude, negative: d = 2/127 and this element becomes -127
    x[9] = 2.0f;   // same magnitude later: the first one decides the sign
    const std::vector<uint8_t> q = quantize(DType::Q8_K, x);
    BlockQ8K b;
    std::memcpy(&b, q.data(), sizeof(b));
    EXPECT_EQ(b.d, 1 / (-127.0f / -2.0f));
    EXPECT_EQ(b.qs[5], -127);
    EXPECT_EQ(b.qs[9], 127);
    for (int g = 0; g < 16; ++g) {
        int s = 0;
        for (int e = 0; e < 16; ++e) s += b.qs[16 * g + e];
        EXPECT_EQ(b.bsums[g], s);
    }
    for (int e = 0; e < 256; ++e) EXPECT_NEAR(b.d * b.qs[e], x[e], 0.5f * b.d + 1e-7f);
}

// The fast Q8_K quantiser produces exactly the scalar reference's bytes (ties and zero blocks included).
TEST(KQuant, Q8KFastQuantiseMatchesScalar) {
    const int64_t n = 256 * 8;
    std::vector<float> x = random_floats(size_t(n), 7, -3.0f, 3.0f);
    for (int i = 256; i < 512; ++i) x[size_t(i)] = 0;                         // a zero block
    for (int i = 512; i < 768; ++i) x[size_t(i)] = float((i % 9) - 4) * 0.5f; // exact .5 ties after scaling
    x[1000] = 5.0f; x[900] = -5.0f;                                           // magnitude tie, sign from first
    std::vector<uint8_t> ref(row_bytes(DType::Q8_K, n)), got(ref.size()), got2(ref.size());
    quantize_q8k_scalar(x.data(), ref.data(), n);
    type_traits(DType::Q8_K).from_float(x.data(), got.data(), n);
    EXPECT_EQ(0, std::memcmp(ref.data(), got.data(), ref.size()));
    if (cpu_features().avx2) {
        quantize_q8k_avx2(x.data(), got2.data(), n);
        EXPECT_EQ(0, std::memcmp(ref.data(), got2.data(), ref.size()));
    }
    if (cpu_features().avx512) {
        quantize_q8k_avx512(x.data(), got2.data(), n);
        EXPECT_EQ(0, std::memcmp(ref.data(), got2.data(), ref.size()));
    }
}

// Relative RMS error of dequantise(quantise(x)), n = 64 blocks. Measured (uniform / Gaussian):
// Q4_K 0.055 / 0.071, Q5_K 0.027 / 0.036, Q6_K 0.013 / 0.018, Q8_K 0.004 / 0.007; bounds leave ~25% room.
TEST(KQuant, RoundTripError) {
    struct Case { DType t; double uniform_bound, gaussian_bound; };
    const int64_t n = 256 * 64;
    for (const Case& c : {Case{DType::Q4_K, 0.07, 0.09}, Case{DType::Q5_K, 0.035, 0.045},
                          Case{DType::Q6_K, 0.017, 0.022}, Case{DType::Q8_K, 0.005, 0.009}}) {
        const std::vector<float> u = random_floats(size_t(n), 11);
        const std::vector<float> g = gaussian_floats(size_t(n), 12);
        const double eu = rel_rms(u, dequantize(c.t, quantize(c.t, u).data(), n));
        const double eg = rel_rms(g, dequantize(c.t, quantize(c.t, g).data(), n));
        std::printf("%s: rel rms uniform %.4f gaussian %.4f\n", dtype_name(c.t), eu, eg);
        EXPECT_LT(eu, c.uniform_bound) << dtype_name(c.t);
        EXPECT_LT(eg, c.gaussian_bound) << dtype_name(c.t);
    }
}

TEST(KQuant, ZeroBlocks) {
    const std::vector<float> z(512, 0.0f);
    for (DType t : {DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K}) {
        const std::vector<float> y = dequantize(t, quantize(t, z).data(), 512);
        for (float v : y) ASSERT_EQ(v, 0.0f) << dtype_name(t);
    }
}

// Every kernel built for type t that this CPU can run, whether or not the table picked it (the AVX-512 slot
// holds only one of the VNNI and plain versions).
std::vector<VecDotFn> kernels_of(DType t) {
    const CpuFeatures& f = cpu_features();
    std::vector<VecDotFn> v;
    if (t == DType::Q4_K) {
        if (f.avx2) v.push_back(dot_q4k_q8k_avx2);
        if (f.avx512) v.push_back(dot_q4k_q8k_avx512);
        if (f.avx512_vnni) v.push_back(dot_q4k_q8k_avx512vnni);
    } else if (t == DType::Q5_K) {
        if (f.avx2) v.push_back(dot_q5k_q8k_avx2);
        if (f.avx512) v.push_back(dot_q5k_q8k_avx512);
        if (f.avx512_vnni) v.push_back(dot_q5k_q8k_avx512vnni);
    } else if (t == DType::Q6_K) {
        if (f.avx2) v.push_back(dot_q6k_q8k_avx2);
        if (f.avx512) v.push_back(dot_q6k_q8k_avx512);
        if (f.avx512_vnni) v.push_back(dot_q6k_q8k_avx512vnni);
    }
    return v;
}

// Every dot version the CPU can run against the scalar reference, and the reference against a double dot of
// the dequantised rows. Tolerances are relative to sum |w_i x_i| (the integer parts are exact; only the float
// accumulation order differs).
TEST(KQuant, DotVersionsAgree) {
    for (DType t : {DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
        const TypeTraits& tt = type_traits(t);
        for (int64_t n : {256, 512, 2816, 4096 + 256}) {
            for (uint32_t seed : {1u, 2u, 3u}) {
                const std::vector<float> wf = seed == 3 ? gaussian_floats(size_t(n), 100 + uint32_t(n))
                                                        : random_floats(size_t(n), seed * 1000 + uint32_t(n));
                const std::vector<float> xf = random_floats(size_t(n), seed * 7 + uint32_t(n), -2.0f, 1.0f);
                const std::vector<uint8_t> w = quantize(t, wf);
                const std::vector<uint8_t> x = quantize(DType::Q8_K, xf);
                const std::vector<float> wd = dequantize(t, w.data(), n);
                const std::vector<float> xd = dequantize(DType::Q8_K, x.data(), n);
                double exact = 0, mag = 0;
                for (int64_t i = 0; i < n; ++i) {
                    exact += double(wd[size_t(i)]) * xd[size_t(i)];
                    mag += std::fabs(double(wd[size_t(i)]) * xd[size_t(i)]);
                }
                const float ref = tt.vec_dot_scalar(n, w.data(), x.data());
                EXPECT_NEAR(ref, exact, 1e-4 * mag) << tt.name << " n=" << n;
                for (int isa = 0; isa < 3; ++isa) {
                    if (!tt.vec_dot_by_isa[isa] || !isa_available(isa)) continue;
                    const float got = tt.vec_dot_by_isa[isa](n, w.data(), x.data());
                    EXPECT_NEAR(got, ref, 1e-5 * mag) << tt.name << " isa=" << isa << " n=" << n;
                }
                EXPECT_NEAR(tt.vec_dot(n, w.data(), x.data()), ref, 1e-5 * mag) << tt.name;
                for (VecDotFn f : kernels_of(t)) EXPECT_NEAR(f(n, w.data(), x.data()), ref, 1e-5 * mag) << tt.name;
            }
        }
    }
}

// Extreme quants: all weights at 15/31/63 and activations at +-127 stress the 16-bit intermediate sums.
TEST(KQuant, DotExtremeValues) {
    const int64_t n = 512;
    std::vector<uint8_t> x(row_bytes(DType::Q8_K, n));
    auto* xb = reinterpret_cast<BlockQ8K*>(x.data());
    for (int i = 0; i < 2; ++i) {
        xb[i].d = 0.01f;
        for (int e = 0; e < 256; ++e) xb[i].qs[e] = int8_t((e + i) % 3 == 0 ? -127 : 127);
        for (int g = 0; g < 16; ++g) {
            int s = 0;
            for (int e = 0; e < 16; ++e) s += xb[i].qs[16 * g + e];
            xb[i].bsums[g] = int16_t(s);
        }
    }
    for (DType t : {DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
        const TypeTraits& tt = type_traits(t);
        std::vector<uint8_t> w(row_bytes(tt, n));
        for (size_t i = 0; i < w.size(); ++i) w[i] = 0xFF;
        for (int i = 0; i < 2; ++i) {  // sane f16 scales; 0xFF scales bytes give sc = m = 63 (Q6_K: -1)
            uint8_t* blk = w.data() + i * tt.block_bytes;
            const uint16_t h = fp32_to_fp16(0.5f);
            if (t == DType::Q6_K) std::memcpy(blk + 208, &h, 2);
            else { std::memcpy(blk, &h, 2); std::memcpy(blk + 2, &h, 2); }
        }
        const std::vector<float> wd = dequantize(t, w.data(), n);
        const std::vector<float> xd = dequantize(DType::Q8_K, x.data(), n);
        double exact = 0, mag = 0;
        for (int64_t i = 0; i < n; ++i) { exact += double(wd[size_t(i)]) * xd[size_t(i)]; mag += std::fabs(double(wd[size_t(i)]) * xd[size_t(i)]); }
        const float ref = tt.vec_dot_scalar(n, w.data(), x.data());
        EXPECT_NEAR(ref, exact, 1e-5 * mag) << tt.name;
        for (int isa = 0; isa < 3; ++isa) {
            if (!tt.vec_dot_by_isa[isa] || !isa_available(isa)) continue;
            EXPECT_NEAR(tt.vec_dot_by_isa[isa](n, w.data(), x.data()), ref, 1e-5 * mag) << tt.name << " isa=" << isa;
        }
        for (VecDotFn f : kernels_of(t)) EXPECT_NEAR(f(n, w.data(), x.data()), ref, 1e-5 * mag) << tt.name;
    }
}

}  // namespace
}  // namespace locus
