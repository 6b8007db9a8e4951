#include "text/detokenizer.h"

#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "test_util.h"
#include "text/text_test_util.h"

namespace locus::text {
namespace {

Tokenizer tiny_spm() {
    auto tok = Tokenizer::from_vocab(test::tiny_spm_vocab({"▁hi", "▁", "h", "i"}));
    EXPECT_TRUE(tok) << tok.error();
    return std::move(*tok);
}

int32_t byte_id(uint8_t b) { return 3 + b; }  // tiny_spm_vocab puts <0x00> at id 3

TEST(Detokenizer, HoldsMultiByteCharacterSplitOverByteTokens) {
    const Tokenizer tok = tiny_spm();
    StreamDecoder dec(tok);
    EXPECT_EQ(dec.feed(byte_id(0xE2)), "");
    EXPECT_EQ(dec.pending(), 1u);
    EXPECT_EQ(dec.feed(byte_id(0x96)), "");
    EXPECT_EQ(dec.pending(), 2u);
    EXPECT_EQ(dec.feed(byte_id(0x81)), "\xE2\x96\x81");
    EXPECT_EQ(dec.pending(), 0u);
    EXPECT_EQ(dec.feed(tok.vocab().find("▁hi")), " hi");
}

TEST(Detokenizer, TextBeforeAnIncompleteCharacterIsEmitted) {
    const Tokenizer tok = tiny_spm();
    StreamDecoder dec(tok);
    EXPECT_EQ(dec.feed(tok.vocab().find("▁hi")), " hi");
    EXPECT_EQ(dec.feed(byte_id(0xF0)), "");
    EXPECT_EQ(dec.feed(byte_id(0x9F)), "");
    EXPECT_EQ(dec.feed(byte_id(0x98)), "");
    EXPECT_EQ(dec.feed(byte_id(0x80)), "\xF0\x9F\x98\x80");
    // An unfinished sequence at the end comes out on flush.
    EXPECT_EQ(dec.feed(byte_id(0xC3)), "");
    EXPECT_EQ(dec.flush(), "\xC3");
    EXPECT_EQ(dec.pending(), 0u);
}

TEST(Detokenizer, InvalidBytesAreNotHeldForever) {
    const Tokenizer tok = tiny_spm();
    StreamDecoder dec(tok);
    EXPECT_EQ(dec.feed(byte_id(0x80)), "\x80");  // stray continuation byte
    EXPECT_EQ(dec.feed(byte_id(0xFF)), "\xFF");
}

TEST(Detokenizer, StripsLeadingSpaceAfterBos) {
    const Tokenizer tok = tiny_spm();
    StreamDecoder dec(tok);
    EXPECT_EQ(dec.feed(tok.bos()), "");
    EXPECT_EQ(dec.feed(tok.vocab().find("▁hi")), "hi");
    EXPECT_EQ(dec.feed(tok.vocab().find("▁hi")), " hi");
    StreamDecoder mid(tok);  // a continuation (no BOS): spaces are kept
    EXPECT_EQ(mid.feed(tok.vocab().find("▁hi")), " hi");
    StreamDecoder start(tok, /*text_start=*/true);
    EXPECT_EQ(start.feed(tok.vocab().find("▁hi")), "hi");
}

// Streaming a real vocabulary's tokens one by one gives the same text as decode(), and every chunk is
// valid UTF-8 on its own.
void check_stream_matches_decode(const std::string& path, const std::string& text) {
    auto file = gguf::File::open(path);
    ASSERT_TRUE(file) << file.error();
    auto tok = Tokenizer::from_gguf(**file);
    ASSERT_TRUE(tok) << tok.error();
    const auto ids = tok->encode(text, true, false);
    StreamDecoder dec(*tok);
    std::string streamed;
    for (int32_t id : ids) {
        const std::string chunk = dec.feed(id);
        for (size_t i = 0; i < chunk.size();) {
            const auto c = static_cast<unsigned char>(chunk[i]);
            const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            ASSERT_LE(i + n, chunk.size()) << "chunk ends inside a character";
            i += n;
        }
        streamed += chunk;
    }
    streamed += dec.flush();
    EXPECT_EQ(streamed, tok->decode(ids));
    EXPECT_EQ(streamed, text);
}

TEST(Detokenizer, StreamMatchesDecodeSpm) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-llama-spm.gguf");
    check_stream_matches_decode(path, "Hello 🦙 world ẞ 𝔘 ᐁ 你好");
}

TEST(Detokenizer, StreamMatchesDecodeBpe) {
    LOCUS_REQUIRE_SHARED(path, "vocab/ggml-vocab-llama-bpe.gguf");
    check_stream_matches_decode(path, "Hello 🦙 world ẞ 𝔘 ᐁ 你好 🚀 (normal) 😶‍🌫️");
}

}  // namespace
}  // namespace locus::text
