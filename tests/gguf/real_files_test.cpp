// The reader on files written by llama.cpp's tools (../shared).
#include <gtest/gtest.h>

#include <cstring>

#include "gguf/gguf.h"
#include "test_util.h"

namespace locus::gguf {
namespace {

TEST(GgufRealFiles, Stories260K) {
    LOCUS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    auto f = File::open(path);
    ASSERT_TRUE(f) << f.error();
    const File& file = **f;
    EXPECT_FALSE(file.is_powerinfer());
    EXPECT_EQ(*file.get_string("general.architecture").value(), "llama");
    EXPECT_EQ(*file.get_int("llama.embedding_length").value(), 64);
    EXPECT_EQ(*file.get_int("llama.block_count").value(), 5);
    const TensorInfo* emb = file.tensor("token_embd.weight");
    ASSERT_NE(emb, nullptr);
    EXPECT_EQ(emb->type, DType::F32);
    EXPECT_EQ(emb->shape, std::vector<int64_t>({64, 512}));
    EXPECT_EQ(emb->size_bytes, 64u * 512 * 4);
    for (const TensorInfo& t : file.tensors())
        EXPECT_LE(file.data_offset() + t.offset + t.size_bytes, file.file_size()) << t.name;
    auto tokens = file.get_string_array("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens) << tokens.error();
    ASSERT_TRUE(tokens->has_value());
    EXPECT_EQ((*tokens)->size(), 512u);
}

// make_resident moves every tensor to huge-page memory with its bytes unchanged; metadata stays readable.
TEST(GgufRealFiles, MakeResidentKeepsEveryTensorByte) {
    LOCUS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    auto a = File::open(path), b = File::open(path);
    ASSERT_TRUE(a && b);
    double last = 0;
    ASSERT_TRUE((*b)->make_resident([&](double f) { last = f; }));
    EXPECT_TRUE((*b)->is_resident());
    EXPECT_EQ(last, 1.0);
    ASSERT_EQ((*a)->tensors().size(), (*b)->tensors().size());
    for (size_t i = 0; i < (*a)->tensors().size(); ++i) {
        const TensorInfo& ta = (*a)->tensors()[i];
        const TensorInfo& tb = (*b)->tensors()[i];
        EXPECT_NE(ta.data, tb.data);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(tb.data) % (*b)->alignment(), 0u) << tb.name;
        ASSERT_EQ(std::memcmp(ta.data, tb.data, ta.size_bytes), 0) << ta.name;
    }
    EXPECT_EQ(*(*b)->get_string("general.architecture").value(), "llama");
}

TEST(GgufRealFiles, LlamaBpeVocab) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-llama-bpe.gguf");
    auto f = File::open(path);
    ASSERT_TRUE(f) << f.error();
    auto tokens = (*f)->get_string_array("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens) << tokens.error();
    ASSERT_TRUE(tokens->has_value());
    EXPECT_EQ((*tokens)->size(), 128256u);
    const Value* v = (*f)->find("tokenizer.ggml.tokens");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->type, ValueType::ARRAY);
    EXPECT_EQ(v->elem_type, ValueType::STRING);
}

TEST(GgufRealFiles, MissingFileNamesThePath) {
    auto f = File::open("/nonexistent/model.gguf");
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().find("/nonexistent/model.gguf"), std::string::npos) << f.error();
}

}  // namespace
}  // namespace locus::gguf
