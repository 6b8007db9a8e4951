#include "core/fp16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <immintrin.h>

#include "core/cpu_features.h"

namespace locus {
namespace {
__attribute__((target("f16c"))) uint16_t hardware_fp16(float f) { return uint16_t(_cvtss_sh(f, 0)); }
}  // namespace

// Every half value converts to float and back unchanged.
TEST(Fp16, RoundTripsAllHalfValues) {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = fp16_to_fp32(uint16_t(h));
        if (std::isnan(f)) continue;
        ASSERT_EQ(fp32_to_fp16(f), h) << std::hex << h;
    }
}

// The portable conversion rounds exactly like the F16C instruction.
TEST(Fp16, MatchesHardwareRounding) {
    if (!cpu_features().avx2) GTEST_SKIP() << "no F16C";
    uint32_t state = 12345;
    for (int i = 0; i < 200000; ++i) {
        state = state * 1664525u + 1013904223u;
        float f;
        uint32_t bits = state;
        std::memcpy(&f, &bits, 4);
        if (std::isnan(f)) continue;
        const uint16_t hw = hardware_fp16(f);
        ASSERT_EQ(fp32_to_fp16(f), hw) << f;
    }
}

TEST(Bf16, RoundsToNearestEven) {
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
    EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
    uint32_t bits = 0x3f808000;  // exactly halfway between 0x3f80 and 0x3f81: stays even
    float f;
    std::memcpy(&f, &bits, 4);
    EXPECT_EQ(fp32_to_bf16(f), 0x3f80);
    bits = 0x3f818000;  // halfway, odd below: rounds up
    std::memcpy(&f, &bits, 4);
    EXPECT_EQ(fp32_to_bf16(f), 0x3f82);
}

}  // namespace locus
