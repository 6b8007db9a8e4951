// What the writer writes, the reader reads back identically.
#include <gtest/gtest.h>

#include <cstring>

#include "gguf/gguf.h"
#include "sample.h"
#include "test_util.h"

namespace locus::gguf {
namespace {

using test::sample_tensors;

void expect_sample(const File& f) {
    const auto expected = test::all_value_types();
    ASSERT_EQ(f.metadata().size(), expected.size());
    for (size_t k = 0; k < expected.size(); ++k) {
        EXPECT_EQ(f.metadata()[k].first, expected[k].first);
        EXPECT_TRUE(f.metadata()[k].second == expected[k].second) << expected[k].first;
        ASSERT_NE(f.find(expected[k].first), nullptr);
    }
    ASSERT_EQ(f.tensors().size(), sample_tensors().size());
    uint8_t seed = 1;
    for (size_t k = 0; k < sample_tensors().size(); ++k) {
        const auto& want = sample_tensors()[k];
        const TensorInfo* t = f.tensor(want.name);
        ASSERT_NE(t, nullptr) << want.name;
        EXPECT_EQ(t, &f.tensors()[k]);
        EXPECT_EQ(t->type, want.type);
        EXPECT_EQ(t->shape, want.shape);
        EXPECT_EQ(t->size_bytes, want.bytes);
        EXPECT_EQ(t->offset % f.alignment(), 0u);
        const std::vector<uint8_t> data = test::pattern(want.bytes, seed++);
        EXPECT_EQ(std::memcmp(t->data, data.data(), data.size()), 0) << want.name;
    }
}

TEST(GgufRoundTrip, MemoryImageKeepsEveryValueTypeAndTensor) {
    const std::vector<uint8_t> bytes = test::sample_writer().to_bytes();
    auto f = File::from_memory(bytes.data(), bytes.size(), "sample.gguf");
    ASSERT_TRUE(f) << f.error();
    EXPECT_EQ((*f)->version(), 3u);
    EXPECT_FALSE((*f)->is_powerinfer());
    EXPECT_EQ((*f)->alignment(), 32u);
    EXPECT_EQ((*f)->find("general.alignment"), nullptr);  // the default is not written
    EXPECT_EQ((*f)->data_offset() % 32, 0u);
    EXPECT_EQ((*f)->tensor("missing"), nullptr);
    expect_sample(**f);
    EXPECT_EQ(sample_tensors()[2].shape, std::vector<int64_t>({64, 2}));
    EXPECT_EQ((*f)->tensors()[1].n_elements(), 128);
    EXPECT_EQ((*f)->tensors()[1].rows(), 4);
}

TEST(GgufRoundTrip, FileOnDiskMatchesMemoryImage) {
    const Writer w = test::sample_writer();
    const std::string path = locus::test::temp_dir() + "/sample.gguf";
    ASSERT_TRUE(w.write(path));
    auto f = File::open(path);
    ASSERT_TRUE(f) << f.error();
    EXPECT_EQ((*f)->path(), path);
    expect_sample(**f);
    const std::vector<uint8_t> bytes = w.to_bytes();
    ASSERT_EQ((*f)->file_size(), bytes.size());
}

TEST(GgufRoundTrip, CustomAlignmentIsWrittenAndHonoured) {
    Writer w = test::sample_writer();
    w.set_alignment(64);
    const std::vector<uint8_t> bytes = w.to_bytes();
    auto f = File::from_memory(bytes.data(), bytes.size());
    ASSERT_TRUE(f) << f.error();
    EXPECT_EQ((*f)->alignment(), 64u);
    EXPECT_EQ((*f)->data_offset() % 64, 0u);
    for (const TensorInfo& t : (*f)->tensors()) EXPECT_EQ(t.offset % 64, 0u);
    auto a = (*f)->get_int("general.alignment");
    ASSERT_TRUE(a);
    EXPECT_EQ(**a, 64);
}

TEST(GgufRoundTrip, SetReplacesAKeyInPlace) {
    Writer w;
    w.set("a", Value::make_u32(1));
    w.set("b", Value::make_u32(2));
    w.set("a", Value::make_string("x"));
    const std::vector<uint8_t> bytes = w.to_bytes();
    auto f = File::from_memory(bytes.data(), bytes.size());
    ASSERT_TRUE(f) << f.error();
    ASSERT_EQ((*f)->metadata().size(), 2u);
    EXPECT_EQ((*f)->metadata()[0].first, "a");
    EXPECT_EQ((*f)->metadata()[0].second.s, "x");
    EXPECT_TRUE((*f)->tensors().empty());
}

// Lazy tensors are filled while writing; chunked ones in pieces smaller than the tensor.
TEST(GgufRoundTrip, LazyAndChunkedTensorsAreStreamed) {
    Writer w;
    const int64_t ne0 = 1024, ne1 = 1100;  // 4.4 MB of F32: more than one write chunk
    const size_t big = size_t(ne0 * ne1 * 4);
    auto byte_at = [](uint64_t k) { return uint8_t((k * 2654435761u) >> 13); };
    ASSERT_TRUE(w.add_tensor_lazy("lazy", DType::F16, {16, 3}, [](uint8_t* dst, size_t n) {
        for (size_t k = 0; k < n; ++k) dst[k] = uint8_t(k);
    }));
    size_t calls = 0, max_chunk = 0;
    ASSERT_TRUE(w.add_tensor_chunked("chunked", DType::F32, {ne0, ne1}, [&](uint8_t* dst, uint64_t off, size_t n) {
        ++calls;
        max_chunk = std::max(max_chunk, n);
        for (size_t k = 0; k < n; ++k) dst[k] = byte_at(off + k);
    }));
    const std::string path = locus::test::temp_dir() + "/streamed.gguf";
    ASSERT_TRUE(w.write(path));
    EXPECT_GT(calls, 1u);
    EXPECT_LT(max_chunk, big);
    auto f = File::open(path);
    ASSERT_TRUE(f) << f.error();
    const TensorInfo* lazy = (*f)->tensor("lazy");
    ASSERT_NE(lazy, nullptr);
    ASSERT_EQ(lazy->size_bytes, 96u);
    for (size_t k = 0; k < 96; ++k) ASSERT_EQ(lazy->data[k], uint8_t(k));
    const TensorInfo* chunked = (*f)->tensor("chunked");
    ASSERT_NE(chunked, nullptr);
    ASSERT_EQ(chunked->size_bytes, big);
    for (size_t k = 0; k < big; ++k) ASSERT_EQ(chunked->data[k], byte_at(k)) << k;
}

TEST(GgufRoundTrip, AddTensorValidatesShapeAgainstSize) {
    Writer w;
    std::vector<uint8_t> data(4 * 34, 0);
    EXPECT_FALSE(w.add_tensor("short", DType::F32, {8, 3}, data.data(), 95));
    EXPECT_FALSE(w.add_tensor("unblocked", DType::Q8_0, {48, 2}, data.data(), data.size()));
    EXPECT_FALSE(w.add_tensor("zero", DType::F32, {0, 3}, data.data(), 0));
    EXPECT_FALSE(w.add_tensor("negative", DType::F32, {-4, 3}, data.data(), 0));
    EXPECT_FALSE(w.add_tensor("five", DType::I8, {1, 1, 1, 1, 1}, data.data(), 1));
    EXPECT_FALSE(w.add_tensor("none", DType::I8, {}, data.data(), 1));
    EXPECT_FALSE(w.add_tensor("huge", DType::F32, {INT64_MAX, 2}, nullptr, 0));
    EXPECT_FALSE(w.add_tensor("unknown", DType(19), {32}, data.data(), 32));
    const Status ok = w.add_tensor("q", DType::Q8_0, {64, 2}, data.data(), data.size());
    ASSERT_TRUE(ok) << ok.message();
    const Status dup = w.add_tensor("q", DType::Q8_0, {64, 2}, data.data(), data.size());
    EXPECT_FALSE(dup);
    EXPECT_NE(dup.message().find("'q'"), std::string::npos) << dup.message();
    const Status bad = w.add_tensor("short", DType::F32, {8, 3}, data.data(), 95);
    EXPECT_NE(bad.message().find("95"), std::string::npos) << bad.message();
}

// Only a programming error can produce these, so they abort instead of returning an error.
TEST(GgufRoundTripDeathTest, WriterMisuseAborts) {
    Writer w;
    EXPECT_DEATH(w.set_alignment(48), "power of two");
    EXPECT_DEATH(w.set("k", Value::make_array(ValueType::INT32, {Value::make_string("x")})), "malformed value");
    Value wide = Value::make_u32(0);
    wide.type = ValueType::UINT8;
    wide.u = 256;
    EXPECT_DEATH(w.set("k", wide), "malformed value");
}

TEST(GgufRoundTrip, WriteToMissingDirectoryFails) {
    const Status st = test::sample_writer().write("/nonexistent-dir/x.gguf");
    EXPECT_FALSE(st);
    EXPECT_NE(st.message().find("/nonexistent-dir/x.gguf"), std::string::npos);
}

}  // namespace
}  // namespace locus::gguf
