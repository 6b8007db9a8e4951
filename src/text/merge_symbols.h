// The doubly linked list of symbols both merge tokenizers (SPM by score, BPE by rank) start from: one symbol
// per UTF-8 character, merged pairwise into their left neighbour.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "text/unicode.h"

namespace locus::text {

struct Symbol {
    int prev, next;
    size_t begin, len;  // byte range in the text; len 0 once merged into its left neighbour
};

inline std::vector<Symbol> utf8_symbols(std::string_view text) {
    std::vector<Symbol> sym;
    sym.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const size_t n = std::min(text.size() - pos, utf8_len(static_cast<uint8_t>(text[pos])));
        const int idx = static_cast<int>(sym.size());
        sym.push_back({idx - 1, pos + n == text.size() ? -1 : idx + 1, pos, n});
        pos += n;
    }
    return sym;
}

// Absorbs symbol `right` (the right neighbour of `left`) into `left` and unlinks it.
inline void merge_into_left(std::vector<Symbol>& sym, int left, int right) {
    Symbol& l = sym[left];
    Symbol& r = sym[right];
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = left;
}

}  // namespace locus::text
