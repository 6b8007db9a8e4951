#include "text/spm_tokenizer.h"

#include <algorithm>
#include <queue>
#include <string>

#include "text/merge_symbols.h"
#include "text/unicode.h"

namespace locus::text {

namespace {

struct Bigram {
    int left, right;
    float score;
    size_t len;  // byte length of the merged text when the bigram was queued
};

// Highest score first; on equal scores the leftmost pair first.
struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

}  // namespace

std::string spm_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    for (char c : text) {
        if (c == ' ') out += "\xE2\x96\x81";
        else out += c;
    }
    return out;
}

void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
    std::vector<Symbol> sym = utf8_symbols(text);

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    auto try_add = [&](int left, int right) {
        if (left < 0 || right < 0) return;
        const size_t len = sym[left].len + sym[right].len;
        const int32_t id = vocab.find(text.substr(sym[left].begin, len));
        if (id < 0) return;
        queue.push({left, right, vocab.score(id), len});
    };
    for (int i = 1; i < static_cast<int>(sym.size()); ++i) try_add(i - 1, i);

    while (!queue.empty()) {
        const Bigram bg = queue.top();
        queue.pop();
        const Symbol& l = sym[bg.left];
        const Symbol& r = sym[bg.right];
        // Stale if either side was merged away or has grown since the bigram was queued.
        if (l.len == 0 || r.len == 0 || l.len + r.len != bg.len) continue;
        merge_into_left(sym, bg.left, bg.right);
        try_add(l.prev, bg.left);
        try_add(bg.left, l.next);
    }

    for (int i = sym.empty() ? -1 : 0; i >= 0; i = sym[i].next) {
        const std::string_view piece = text.substr(sym[i].begin, sym[i].len);
        const int32_t id = vocab.find(piece);
        if (id >= 0) {
            out.push_back(id);
            continue;
        }
        // Only single characters can lack a token (merges always produce tokens): fall back to bytes.
        for (char c : piece) {
            const int32_t b = vocab.byte_token(static_cast<uint8_t>(c));
            if (b >= 0) out.push_back(b);
            else if (vocab.unk >= 0) out.push_back(vocab.unk);
        }
    }
}

}  // namespace locus::text
