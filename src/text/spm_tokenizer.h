// SentencePiece-style tokenization (tokenizer.ggml.model = "llama"), as llama.cpp does it: the text is split
// into UTF-8 characters, adjacent pairs whose concatenation is a token are merged greedily by highest score
// (ties: leftmost), and characters without a token fall back to <0xXX> byte tokens.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "text/vocab.h"

namespace locus::text {

// Tokenizes text that is already escaped (spaces replaced by U+2581, space prefix added) and appends the ids.
void spm_tokenize(const Vocab& vocab, std::string_view escaped, std::vector<int32_t>& out);

// Replaces every ' ' by U+2581 ("▁").
std::string spm_escape(std::string_view text);

}  // namespace locus::text
