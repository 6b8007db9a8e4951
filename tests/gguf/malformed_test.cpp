// Malformed, foreign-version and PowerInfer files: each accepted or rejected with a message naming the problem.
#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "sample.h"

namespace locus::gguf {
namespace {

using test::find_bytes;
using test::poke;

// Parses `bytes` and returns the error message ("" if it parsed).
std::string parse_error(const std::vector<uint8_t>& bytes) {
    auto f = File::from_memory(bytes.data(), bytes.size(), "bad.gguf");
    if (f) return "";
    EXPECT_EQ(f.error().rfind("bad.gguf: ", 0), 0u) << f.error();
    return f.error();
}

#define EXPECT_ERROR(bytes, text)                                                  \
    do {                                                                           \
        const std::string msg_ = parse_error(bytes);                               \
        EXPECT_NE(msg_.find(text), std::string::npos) << "message: '" << msg_ << "'"; \
    } while (0)

// Position of the type id of tensor `name` (whose info has `n_dims` dimensions) in a writer's image.
size_t type_id_pos(const std::vector<uint8_t>& bytes, const std::string& name, size_t n_dims) {
    return find_bytes(bytes, name) + name.size() + 4 + 8 * n_dims;
}

// Hand-built images for what the writer refuses to produce.
struct Image {
    std::vector<uint8_t> b;
    Image& u32(uint32_t v) { poke_back(v); return *this; }
    Image& u64(uint64_t v) { poke_back(v); return *this; }
    Image& str(const std::string& s) { u64(s.size()); b.insert(b.end(), s.begin(), s.end()); return *this; }
    Image& header(uint64_t n_tensors, uint64_t n_kv) {
        b = {'G', 'G', 'U', 'F'};
        return u32(3).u64(n_tensors).u64(n_kv);
    }
    template <class T>
    void poke_back(T v) { b.resize(b.size() + sizeof v); poke(b, b.size() - sizeof v, v); }
};

TEST(GgufMalformed, PowerInferMagicAndIntegerIds) {
    Writer w;
    w.set_powerinfer(true);
    w.set("general.architecture", Value::make_string("generic.gpu_index"));
    const std::vector<int32_t> idx = {1, 0, 1, 1};
    ASSERT_TRUE(w.add_tensor("blk.0.gpu_idx", DType::I32, {4}, idx.data(), 16));
    const std::vector<uint8_t> bytes = w.to_bytes();
    ASSERT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "PWRI");
    uint32_t id = 0;
    std::memcpy(&id, &bytes[type_id_pos(bytes, "blk.0.gpu_idx", 1)], 4);
    EXPECT_EQ(id, 18u);  // PowerInfer's I32
    auto f = File::from_memory(bytes.data(), bytes.size());
    ASSERT_TRUE(f) << f.error();
    EXPECT_TRUE((*f)->is_powerinfer());
    EXPECT_EQ((*f)->tensors()[0].type, DType::I32);
    EXPECT_EQ(std::memcmp((*f)->tensors()[0].data, idx.data(), 16), 0);

    std::vector<uint8_t> modern = bytes;  // current ggml's I32 id is accepted too
    poke(modern, type_id_pos(bytes, "blk.0.gpu_idx", 1), uint32_t(26));
    EXPECT_EQ(parse_error(modern), "");
}

TEST(GgufMalformed, IqIdsAreUnsupportedInPlainGguf) {
    Writer w;
    const std::vector<uint8_t> data(4, 1);
    ASSERT_TRUE(w.add_tensor("x.weight", DType::I8, {4}, data.data(), 4));
    std::vector<uint8_t> bytes = w.to_bytes();
    poke(bytes, type_id_pos(bytes, "x.weight", 1), uint32_t(16));
    EXPECT_ERROR(bytes, "tensor 'x.weight' has unsupported type id 16");
}

TEST(GgufMalformed, Versions) {
    std::vector<uint8_t> bytes = test::sample_writer().to_bytes();
    poke(bytes, 4, uint32_t(2));
    auto v2 = File::from_memory(bytes.data(), bytes.size());
    ASSERT_TRUE(v2) << v2.error();
    EXPECT_EQ((*v2)->version(), 2u);
    EXPECT_EQ((*v2)->tensors().size(), 3u);
    poke(bytes, 4, uint32_t(1));
    EXPECT_ERROR(bytes, "unsupported GGUF version 1");
    poke(bytes, 4, uint32_t(4));
    EXPECT_ERROR(bytes, "unsupported GGUF version 4");
    poke(bytes, 4, uint32_t(3) << 24);
    EXPECT_ERROR(bytes, "big-endian");
}

TEST(GgufMalformed, HeaderProblems) {
    EXPECT_ERROR(std::vector<uint8_t>{}, "too small");
    EXPECT_ERROR((std::vector<uint8_t>{'G', 'G', 'U', 'F', 3, 0}), "truncated while reading the header");
    EXPECT_ERROR((std::vector<uint8_t>{'G', 'G', 'M', 'L', 3, 0, 0, 0}), "not a GGUF file");
    EXPECT_ERROR(Image().header(0, uint64_t(1) << 60).b, "metadata keys");
    EXPECT_ERROR(Image().header(UINT64_MAX, 0).b, "tensors");
    auto none = File::from_memory(nullptr, 0);
    EXPECT_FALSE(none);
}

TEST(GgufMalformed, MetadataProblems) {
    const std::vector<uint8_t> good = test::sample_writer().to_bytes();
    // Cut inside the third string of t.strings.
    const std::vector<uint8_t> cut(good.begin(), good.begin() + find_bytes(good, "<s>") + 1);
    EXPECT_ERROR(cut, "truncated while reading metadata key 't.strings' (array of 4 strings)");
    std::vector<uint8_t> huge = good;
    poke(huge, find_bytes(good, "t.strings") + 9 + 4 + 4, uint64_t(1) << 60);  // key, value type, elem type
    EXPECT_ERROR(huge, "truncated while reading metadata key 't.strings' (array of 1152921504606846976 strings)");
    std::vector<uint8_t> dup = good;
    poke(dup, find_bytes(good, "t.i8") + 2, 'u');  // now a second "t.u8"
    EXPECT_ERROR(dup, "duplicate metadata key 't.u8'");
    std::vector<uint8_t> bad_type = good;
    poke(bad_type, find_bytes(good, "t.u8") + 4, uint32_t(13));
    EXPECT_ERROR(bad_type, "metadata key 't.u8' has invalid value type 13");
    std::vector<uint8_t> long_key = good;
    poke(long_key, find_bytes(good, "t.u8") - 8, uint64_t(INT64_MAX));
    EXPECT_ERROR(long_key, "truncated while reading metadata key #1");

    Image deep;
    deep.header(0, 1).str("deep").u32(uint32_t(ValueType::ARRAY));
    for (int d = 0; d < 9; ++d) deep.u32(uint32_t(ValueType::ARRAY)).u64(1);
    EXPECT_ERROR(deep.b, "nested more than 8 deep");
    Image bad_elem;
    bad_elem.header(0, 1).str("k").u32(uint32_t(ValueType::ARRAY)).u32(99).u64(0);
    EXPECT_ERROR(bad_elem.b, "invalid array element type 99");
}

TEST(GgufMalformed, AlignmentProblems) {
    Writer w = test::sample_writer();
    w.set_alignment(64);
    const std::vector<uint8_t> good = w.to_bytes();
    const size_t value_pos = find_bytes(good, "general.alignment") + 17 + 4;
    for (uint32_t a : {0u, 48u}) {
        std::vector<uint8_t> bad = good;
        poke(bad, value_pos, a);
        EXPECT_ERROR(bad, "general.alignment must be a power of two");
    }
    std::vector<uint8_t> wrong_type = good;
    poke(wrong_type, value_pos - 4, uint32_t(ValueType::FLOAT32));
    EXPECT_ERROR(wrong_type, "general.alignment is a float32");
}

TEST(GgufMalformed, TensorInfoProblems) {
    const std::vector<uint8_t> good = test::sample_writer().to_bytes();
    const std::string q8 = "output.weight";
    const size_t q8_dims = find_bytes(good, q8) + q8.size();
    auto patched = [&](size_t pos, auto v) {
        std::vector<uint8_t> b = good;
        poke(b, pos, v);
        return b;
    };
    EXPECT_ERROR(patched(q8_dims, uint32_t(5)), "tensor 'output.weight' has 5 dimensions");
    EXPECT_ERROR(patched(q8_dims, uint32_t(0)), "tensor 'output.weight' has 0 dimensions");
    EXPECT_ERROR(patched(q8_dims + 4, uint64_t(0)), "tensor 'output.weight' has dimension 0 = 0");
    EXPECT_ERROR(patched(q8_dims + 4, uint64_t(48)), "not a multiple of the block size 32 of q8_0");
    EXPECT_ERROR(patched(q8_dims + 4, uint64_t(1) << 63), "has dimension 0");
    EXPECT_ERROR(patched(q8_dims + 12, uint64_t(1) << 62), "overflows");
    EXPECT_ERROR(patched(q8_dims + 12, uint64_t(3)), "extends past the end of the file");
    const size_t q8_offset = type_id_pos(good, q8, 2) + 4;
    EXPECT_ERROR(patched(q8_offset, uint64_t(4)), "not a multiple of the alignment 32");
    EXPECT_ERROR(patched(q8_offset, uint64_t(0)), "overlap");
    EXPECT_ERROR(patched(q8_offset, UINT64_MAX - 31), "extends past the end of the file");
    // The last tensor is followed by 24 bytes of padding, which may be missing; its data may not.
    EXPECT_EQ(parse_error(std::vector<uint8_t>(good.begin(), good.end() - 24)), "");
    const std::vector<uint8_t> short_file(good.begin(), good.end() - 25);
    EXPECT_ERROR(short_file, "tensor 'output.weight' (136 bytes at data offset");
}

TEST(GgufMalformed, DuplicateTensorNames) {
    Writer w;
    const std::vector<uint8_t> data(4, 0);
    ASSERT_TRUE(w.add_tensor("aaaa", DType::I8, {4}, data.data(), 4));
    ASSERT_TRUE(w.add_tensor("aaab", DType::I8, {4}, data.data(), 4));
    std::vector<uint8_t> bytes = w.to_bytes();
    poke(bytes, find_bytes(bytes, "aaab") + 3, 'a');
    EXPECT_ERROR(bytes, "duplicate tensor name 'aaaa'");
}

}  // namespace
}  // namespace locus::gguf
