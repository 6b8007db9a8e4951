// Splits raw text around special tokens before the tokenizer proper sees it (like llama.cpp's
// tokenizer_st_partition): longer token texts are matched first; user-defined tokens (type 4) are always
// matched, control and unknown tokens (types 3, 2) only when parse_special is on.
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "text/vocab.h"

namespace locus::text {

struct Fragment {
    int32_t token = -1;     // >= 0: a special token; else raw text
    std::string_view text;  // raw text (empty for tokens)
};

class SpecialTokens {
public:
    explicit SpecialTokens(const Vocab& vocab);
    std::vector<Fragment> partition(std::string_view text, bool parse_special) const;

private:
    struct Entry { std::string_view text; int32_t id; bool always; };
    std::vector<Entry> entries_;  // by decreasing text length, then id
};

}  // namespace locus::text
