// Regex pre-tokenizer for byte-level BPE: a sequence of PCRE2 patterns (UTF + UCP, JIT) each of which splits
// every piece left by the previous one into its matches and the gaps between them (like Hugging Face's
// Sequence of Split pre-tokenizers with "isolated" behaviour, and llama.cpp's unicode_regex_split).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace locus::text {

class PreTokenizer {
public:
    // Patterns for a `tokenizer.ggml.pre` name; unknown names get the default (GPT-2-like) sequence.
    static std::vector<std::string> patterns_for(std::string_view pre_name);
    static Expected<PreTokenizer> create(const std::vector<std::string>& patterns);

    // Splits `text` into pieces whose concatenation is `text`. Bytes that are not valid UTF-8 become
    // pieces of their own and are not seen by the patterns.
    std::vector<std::string_view> split(std::string_view text) const;

private:
    struct Regex;
    std::vector<std::shared_ptr<const Regex>> regexes_;
};

}  // namespace locus::text
