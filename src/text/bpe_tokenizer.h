// Byte-level BPE (tokenizer.ggml.model = "gpt2"): pre-tokenize with regexes, map each piece's bytes to the
// GPT-2 alphabet, then apply merges by rank (lowest first, ties: leftmost).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "text/pretokenizer.h"
#include "text/vocab.h"

namespace locus::text {

void bpe_tokenize(const Vocab& vocab, const PreTokenizer& pre, std::string_view text, std::vector<int32_t>& out);

// Merges one already byte-encoded word and appends its ids.
void bpe_tokenize_word(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out);

}  // namespace locus::text
