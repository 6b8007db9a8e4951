// Float types F32, F16, BF16: table rows, known encodings, conversions, and every dot version this CPU can run
// against a double-precision reference, for lengths with vector tails.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/cpu_features.h"
#include "core/fp16.h"
#include "quant/float_kernels.h"
#include "quant/types.h"
#include "test_util.h"

namespace locus {
namespace {

bool cpu_runs(int isa) {
    const CpuFeatures& f = cpu_features();
    return isa == 0 || (isa == 1 && f.avx2) || (isa == 2 && f.avx512);
}

std::vector<uint8_t> encode(DType t, const std::vector<float>& x) {
    const TypeTraits& tt = type_traits(t);
    std::vector<uint8_t> b(row_bytes(tt, int64_t(x.size())));
    tt.from_float(x.data(), b.data(), int64_t(x.size()));
    return b;
}

}  // namespace

TEST(FloatTypes, TableRows) {
    struct Row { DType t; const char* name; size_t bytes; };
    for (const Row r : {Row{DType::F32, "f32", 4}, Row{DType::F16, "f16", 2}, Row{DType::BF16, "bf16", 2}}) {
        const TypeTraits& tt = type_traits(r.t);
        EXPECT_STREQ(tt.name, r.name);
        EXPECT_EQ(tt.block_size, 1);
        EXPECT_EQ(tt.block_bytes, r.bytes);
        EXPECT_FALSE(tt.is_quantized);
        EXPECT_TRUE(tt.can_compute);
        EXPECT_EQ(tt.vec_dot_type, DType::F32);
        EXPECT_NE(tt.vec_dot, nullptr);
        EXPECT_EQ(tt.vec_dot_by_isa[0], tt.vec_dot_scalar);
    }
}

TEST(FloatTypes, KnownEncodings) {
    const std::vector<float> x = {1.0f, -2.0f, 0.5f, 65504.0f};
    const std::vector<uint8_t> h = encode(DType::F16, x), b = encode(DType::BF16, x);
    const uint16_t want_h[] = {0x3c00, 0xc000, 0x3800, 0x7bff}, want_b[] = {0x3f80, 0xc000, 0x3f00, 0x4780};
    for (size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(h[2 * i] | h[2 * i + 1] << 8, want_h[i]) << i;
        EXPECT_EQ(b[2 * i] | b[2 * i + 1] << 8, want_b[i]) << i;
    }
}

// Round trips: F32 exact, F16 within 2^-11 relative (normal range), BF16 within 2^-8 relative.
TEST(FloatTypes, RoundTripWithinBound) {
    for (int64_t n : {1, 7, 17, 1000}) {
        const std::vector<float> x = test::random_floats(size_t(n), uint32_t(n), -100.0f, 100.0f);
        struct Case { DType t; float rel; };
        for (const Case c : {Case{DType::F32, 0.0f}, Case{DType::F16, 1.0f / 2048}, Case{DType::BF16, 1.0f / 256}}) {
            const std::vector<uint8_t> b = encode(c.t, x);
            std::vector<float> y(static_cast<size_t>(n));
            type_traits(c.t).to_float(b.data(), y.data(), n);
            for (int64_t i = 0; i < n; ++i)
                ASSERT_LE(std::fabs(y[size_t(i)] - x[size_t(i)]), std::fabs(x[size_t(i)]) * c.rel + 1e-4f)
                    << dtype_name(c.t) << " " << i;
        }
    }
}

// The F16C / vector row conversions give exactly the scalar conversions' results, specials included.
TEST(FloatTypes, VectorConversionsMatchScalar) {
    if (!cpu_features().avx2) GTEST_SKIP() << "no AVX2";
    std::vector<float> x = test::random_floats(1003, 5, -70000.0f, 70000.0f);
    const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-8f, -3e-6f, 6.1e-5f, 65520.0f, 1.0f + 1.0f / 4096,
                              1.0f + 3.0f / 4096, 1.0f + 1.0f / 256, 1.0f + 3.0f / 256, 3.4e38f, 1e-40f};
    for (size_t i = 0; i < std::size(specials); ++i) x[i * 3] = specials[i];
    const int64_t n = int64_t(x.size());
    std::vector<uint16_t> h(x.size()), hv(x.size()), b(x.size()), bv(x.size());
    for (size_t i = 0; i < x.size(); ++i) { h[i] = fp32_to_fp16(x[i]); b[i] = fp32_to_bf16(x[i]); }
    floatk::f32_to_f16_avx2(x.data(), hv.data(), n);
    floatk::f32_to_bf16_avx2(x.data(), bv.data(), n);
    EXPECT_EQ(h, hv);
    EXPECT_EQ(b, bv);
    std::vector<float> y(x.size());
    floatk::f16_to_f32_avx2(h.data(), y.data(), n);
    for (size_t i = 0; i < x.size(); ++i) {
        const float want = fp16_to_fp32(h[i]);
        if (std::isnan(want)) EXPECT_TRUE(std::isnan(y[i])) << i; else EXPECT_EQ(y[i], want) << i;
    }
    floatk::bf16_to_f32_avx2(b.data(), y.data(), n);
    for (size_t i = 0; i < x.size(); ++i) {
        const float want = bf16_to_fp32(b[i]);
        if (std::isnan(want)) EXPECT_TRUE(std::isnan(y[i])) << i; else EXPECT_EQ(y[i], want) << i;
    }
}

// Each dot version the CPU can run, against a double-precision dot of the same (decoded) numbers.
TEST(FloatTypes, DotVersionsMatchDouble) {
    for (DType t : {DType::F32, DType::F16, DType::BF16}) {
        const TypeTraits& tt = type_traits(t);
        for (int64_t n : {1, 7, 15, 16, 17, 31, 33, 64, 65, 127, 1000, 4099}) {
            const std::vector<float> wf = test::random_floats(size_t(n), uint32_t(n * 3 + 1), -1.0f, 1.0f);
            const std::vector<float> x = test::random_floats(size_t(n), uint32_t(n * 3 + 2), -2.0f, 2.0f);
            const std::vector<uint8_t> w = encode(t, wf);
            std::vector<float> wd(static_cast<size_t>(n));
            tt.to_float(w.data(), wd.data(), n);
            double exact = 0, mag = 0;
            for (int64_t i = 0; i < n; ++i) {
                exact += double(wd[size_t(i)]) * x[size_t(i)];
                mag += std::fabs(double(wd[size_t(i)]) * x[size_t(i)]);
            }
            for (int isa = 0; isa < 3; ++isa) {
                if (!cpu_runs(isa) || !tt.vec_dot_by_isa[isa]) continue;
                const float got = tt.vec_dot_by_isa[isa](n, w.data(), x.data());
                EXPECT_NEAR(got, exact, 2e-6 * mag * std::sqrt(double(n)) + 1e-7)
                    << tt.name << " " << isa_name(Isa(isa)) << " n=" << n;
            }
            EXPECT_NEAR(tt.vec_dot(n, w.data(), x.data()), exact, 2e-6 * mag * std::sqrt(double(n)) + 1e-7);
        }
    }
}

}  // namespace locus
