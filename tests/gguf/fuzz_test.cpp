// Truncated and corrupted files: each must parse or fail with a message, never crash, hang or read out of
// bounds (run under the sanitize preset, where every parse works on an exactly sized heap copy).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "gguf/gguf.h"
#include "sample.h"
#include "test_util.h"

namespace locus::gguf {
namespace {

volatile uint8_t g_sink;  // reads of tensor bytes go here so that they are not optimised away

// Parses an exact copy of `n` bytes; returns whether it parsed. A parsed file is walked completely.
bool parse_copy(const uint8_t* data, size_t n) {
    const std::vector<uint8_t> copy(data, data + n);
    auto f = File::from_memory(copy.data(), copy.size(), "fuzz.gguf");
    if (!f) {
        EXPECT_FALSE(f.error().empty());
        return false;
    }
    for (const auto& [key, v] : (*f)->metadata()) {
        // Look-ups of every kind on every key: each returns a value or an error, whatever the type.
        (void)(*f)->get_int(key);
        (void)(*f)->get_float(key);
        (void)(*f)->get_string_array(key);
        (void)(*f)->get_int_array(key);
        (void)(*f)->get_float_array(key);
    }
    for (const TensorInfo& t : (*f)->tensors()) {
        EXPECT_GE(t.data, copy.data());
        EXPECT_LE(t.data + t.size_bytes, copy.data() + copy.size());
        g_sink = t.data[0];  // touched, so ASan would catch a bad range
        g_sink = t.data[t.size_bytes - 1];
    }
    return true;
}

// Applies 1..4 random corruptions within [0, limit): bit flips, byte overwrites, and 4- or 8-byte writes of
// values that break counts and lengths.
void mutate(std::vector<uint8_t>& b, size_t limit, std::mt19937_64& rng) {
    static constexpr uint64_t nasty[] = {0, 1, 5, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x100000000ull,
                                         uint64_t(INT64_MAX), uint64_t(1) << 63, UINT64_MAX, UINT64_MAX - 7};
    const int n = 1 + int(rng() % 4);
    for (int k = 0; k < n; ++k) {
        const size_t pos = size_t(rng() % limit);
        switch (rng() % 4) {
            case 0: b[pos] ^= uint8_t(1u << (rng() % 8)); break;
            case 1: b[pos] = uint8_t(rng()); break;
            case 2: {
                const uint32_t v = uint32_t(nasty[rng() % std::size(nasty)]);
                if (pos + 4 <= b.size()) test::poke(b, pos, v);
                break;
            }
            default: {
                const uint64_t v = nasty[rng() % std::size(nasty)];
                if (pos + 8 <= b.size()) test::poke(b, pos, v);
                break;
            }
        }
    }
}

std::vector<uint8_t> read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

TEST(GgufFuzz, SmallFileEveryTruncation) {
    const std::vector<uint8_t> good = test::sample_writer().to_bytes();
    size_t parsed = 0;
    for (size_t n = 0; n <= good.size(); ++n) parsed += parse_copy(good.data(), n);
    // Only the missing padding after the last tensor may be cut.
    EXPECT_EQ(parsed, 25u);
}

TEST(GgufFuzz, SmallFileHugeValuesAtEveryHeaderPosition) {
    const std::vector<uint8_t> good = test::sample_writer().to_bytes();
    auto f = File::from_memory(good.data(), good.size());
    ASSERT_TRUE(f) << f.error();
    const size_t header_end = size_t((*f)->data_offset());
    for (size_t pos = 0; pos + 8 <= header_end; ++pos) {
        for (uint64_t v : {UINT64_MAX, uint64_t(INT64_MAX), uint64_t(1) << 32, uint64_t(0)}) {
            std::vector<uint8_t> b = good;
            test::poke(b, pos, v);
            parse_copy(b.data(), b.size());
        }
    }
}

TEST(GgufFuzz, SmallFileRandomCorruption) {
    const std::vector<uint8_t> good = test::sample_writer().to_bytes();
    std::mt19937_64 rng(1234);
    for (int iter = 0; iter < 2000; ++iter) {
        std::vector<uint8_t> b = good;
        mutate(b, b.size(), rng);
        parse_copy(b.data(), b.size());
    }
}

TEST(GgufFuzz, Stories260KTruncationsAndCorruption) {
    LOCUS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    const std::vector<uint8_t> good = read_all(path);
    auto f = File::from_memory(good.data(), good.size());
    ASSERT_TRUE(f) << f.error();
    const size_t header_end = size_t((*f)->data_offset());

    // Evenly spaced cuts over the whole file and, more densely, over metadata and tensor index.
    for (size_t k = 0; k < 300; ++k) {
        parse_copy(good.data(), good.size() * k / 300);
        parse_copy(good.data(), header_end * k / 300);
    }
    std::mt19937_64 rng(99);
    for (int iter = 0; iter < 300; ++iter) {
        std::vector<uint8_t> b = good;
        mutate(b, iter % 10 == 0 ? b.size() : header_end, rng);
        parse_copy(b.data(), b.size());
    }
}

}  // namespace
}  // namespace locus::gguf
