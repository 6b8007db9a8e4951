#include "text/tokenizer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "gguf/gguf.h"
#include "test_util.h"
#include "text/text_test_util.h"

namespace locus::text {
namespace {

using test::escaped;
using test::ids_to_string;

Tokenizer load_tokenizer(const std::string& path) {
    auto file = gguf::File::open(path);
    EXPECT_TRUE(file) << file.error();
    auto tok = Tokenizer::from_gguf(**file);
    EXPECT_TRUE(tok) << tok.error();
    return std::move(*tok);
}

// Every string of NAME.gguf.inp must encode (no BOS, no special parsing: llama.cpp's test-tokenizer-0) to
// the ids on its line of NAME.gguf.out, and decode back to itself.
void check_vectors(const std::string& path) {
    const Tokenizer tok = load_tokenizer(path);
    const auto vec = test::read_vectors(path);
    ASSERT_EQ(vec.inputs.size(), vec.expected.size()) << path;
    ASSERT_GT(vec.inputs.size(), 0u) << path;
    int pass = 0;
    for (size_t i = 0; i < vec.inputs.size(); ++i) {
        const auto ids = tok.encode(vec.inputs[i], /*add_bos=*/false, /*parse_special=*/false);
        const std::string got = ids_to_string(ids);
        EXPECT_EQ(got, vec.expected[i]) << "string #" << i << ": \"" << escaped(vec.inputs[i]) << "\"\n"
                                        << "  expected:" << vec.expected[i] << "\n  got:     " << got;
        if (got == vec.expected[i]) ++pass;
        EXPECT_EQ(tok.decode(ids), vec.inputs[i]) << "round trip of string #" << i;
    }
    std::printf("%s: %d/%zu strings match\n", path.c_str(), pass, vec.inputs.size());
}

TEST(Tokenizer, LlamaSpmVectors) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-llama-spm.gguf");
    check_vectors(path);
}
TEST(Tokenizer, LlamaBpeVectors) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-llama-bpe.gguf");
    check_vectors(path);
}
TEST(Tokenizer, Gpt2Vectors) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-gpt-2.gguf");
    check_vectors(path);
}
TEST(Tokenizer, Qwen2Vectors) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-qwen2.gguf");
    check_vectors(path);
}
TEST(Tokenizer, FalconVectors) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-falcon.gguf");
    check_vectors(path);
}

TEST(Tokenizer, Stories260KWithBos) {
    LOCUS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    const Tokenizer tok = load_tokenizer(path);
    EXPECT_EQ(tok.n_vocab(), 512);
    EXPECT_EQ(tok.bos(), 1);
    EXPECT_EQ(tok.eos(), 2);
    EXPECT_TRUE(tok.is_eog(2));
    EXPECT_FALSE(tok.is_eog(1));
    const auto ids = tok.encode("Once upon a time", /*add_bos=*/true, /*parse_special=*/false);
    EXPECT_EQ(ids, (std::vector<int32_t>{1, 403, 407, 261, 378}));
    EXPECT_EQ(tok.decode(ids), "Once upon a time");
}

TEST(Tokenizer, LoadsLargeVocabQuickly) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-llama-bpe.gguf");
    const auto t0 = std::chrono::steady_clock::now();
    const Tokenizer tok = load_tokenizer(path);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("llama-bpe: %d tokens, %zu merges loaded in %.1f ms\n", tok.n_vocab(), tok.vocab().merges.size(), ms);
    EXPECT_EQ(tok.n_vocab(), 128256);
#ifdef NDEBUG
    EXPECT_LT(ms, 1000.0);
#endif
}

TEST(Tokenizer, ControlTokensOnlyWithParseSpecial) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-qwen2.gguf");
    const Tokenizer tok = load_tokenizer(path);
    const auto on = tok.encode("<|im_start|>user\nhi<|im_end|>", false, /*parse_special=*/true);
    ASSERT_GE(on.size(), 3u);
    EXPECT_EQ(on.front(), 151644);
    EXPECT_EQ(on.back(), 151645);
    EXPECT_TRUE(tok.is_eog(151645));
    EXPECT_EQ(tok.decode(on), "user\nhi");
    EXPECT_EQ(tok.decode(on, /*special=*/true), "<|im_start|>user\nhi<|im_end|>");
    const auto off = tok.encode("<|im_start|>user", false, /*parse_special=*/false);
    for (int32_t id : off) EXPECT_LT(id, 151643);
    EXPECT_EQ(tok.decode(off), "<|im_start|>user");
    // User-defined tokens are matched even without parse_special (as in llama.cpp).
    EXPECT_EQ(tok.encode("a[PAD151650]b", false, false), (std::vector<int32_t>{64, 151650, 65}));
}

TEST(Tokenizer, SpmAddsBosAndSpacePrefixAfterSpecial) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-llama-spm.gguf");
    const Tokenizer tok = load_tokenizer(path);
    const auto a = tok.encode("Hello", /*add_bos=*/true, false);
    EXPECT_EQ(a, (std::vector<int32_t>{1, 15043}));
    const auto b = tok.encode("<s>Hello", /*add_bos=*/false, /*parse_special=*/true);
    EXPECT_EQ(b, (std::vector<int32_t>{1, 15043}));
}

TEST(Tokenizer, UnknownModelIsAClearError) {
    gguf::Writer w;
    w.set("tokenizer.ggml.model", gguf::Value::make_string("bert"));
    w.set("tokenizer.ggml.tokens", gguf::Value::make_string_array({"a", "b"}));
    const auto bytes = w.to_bytes();
    auto file = gguf::File::from_memory(bytes.data(), bytes.size(), "bert.gguf");
    ASSERT_TRUE(file) << file.error();
    auto tok = Tokenizer::from_gguf(**file);
    ASSERT_FALSE(tok);
    EXPECT_NE(tok.error().find("bert"), std::string::npos) << tok.error();
    EXPECT_NE(tok.error().find("tokenizer.ggml.model"), std::string::npos) << tok.error();
}

TEST(Tokenizer, MissingTokensIsAnError) {
    gguf::Writer w;
    w.set("tokenizer.ggml.model", gguf::Value::make_string("gpt2"));
    const auto bytes = w.to_bytes();
    auto file = gguf::File::from_memory(bytes.data(), bytes.size(), "empty.gguf");
    ASSERT_TRUE(file) << file.error();
    auto tok = Tokenizer::from_gguf(**file);
    ASSERT_FALSE(tok);
    EXPECT_NE(tok.error().find("tokenizer.ggml.tokens"), std::string::npos) << tok.error();
}

// Hand-made vocabularies: the algorithms without any file.
TEST(Tokenizer, SpmMergesByScoreAndFallsBackToBytes) {
    // "▁ab" has the best score of the pieces that cover " ab".
    auto v = test::tiny_spm_vocab({"▁ab", "▁", "a", "b", "ab", "▁a"});
    auto tok = Tokenizer::from_vocab(std::move(v));
    ASSERT_TRUE(tok) << tok.error();
    EXPECT_EQ(tok->encode("ab", false, false), (std::vector<int32_t>{259}));
    // "é" (C3 A9) has no piece: two byte tokens, 3 + byte value.
    EXPECT_EQ(tok->encode("é", false, false), (std::vector<int32_t>{260, 3 + 0xC3, 3 + 0xA9}));
    EXPECT_EQ(tok->decode(tok->encode("ab é", true, false)), "ab é");
    EXPECT_EQ(tok->token_to_piece(259), " ab");
    EXPECT_EQ(tok->token_to_piece(3 + 'x'), "x");
    EXPECT_EQ(tok->token_to_piece(1), "");
    EXPECT_EQ(tok->token_to_piece(1, true), "<s>");
}

TEST(Tokenizer, BpeMergesByRank) {
    Vocab v;
    v.model = VocabModel::Bpe;
    v.pre = "gpt-2";
    v.tokens = {"a", "b", "c", "ab", "bc", "abc", "Ġ", "Ġa"};
    v.merges = {"b c", "a b", "a bc", "Ġ a"};  // "b c" ranks first, so "abc" = a + bc -> abc
    auto tok = Tokenizer::from_vocab(std::move(v));
    ASSERT_TRUE(tok) << tok.error();
    EXPECT_EQ(tok->encode("abc", false, false), (std::vector<int32_t>{5}));
    EXPECT_EQ(tok->encode("ab", false, false), (std::vector<int32_t>{3}));
    EXPECT_EQ(tok->encode("cab a", false, false), (std::vector<int32_t>{2, 3, 7}));
    EXPECT_EQ(tok->decode({2, 3, 7}), "cab a");
}

TEST(Tokenizer, InvalidUtf8DoesNotBreakBpe) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-gpt-2.gguf");
    const Tokenizer tok = load_tokenizer(path);
    const std::string s = "ab\xFF\xC3 cd\xE2\x96";
    const auto ids = tok.encode(s, false, false);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(tok.decode(ids), s);
}

}  // namespace
}  // namespace locus::text
