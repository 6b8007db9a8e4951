#include "text/bpe_tokenizer.h"

#include <algorithm>
#include <queue>
#include <string>

#include "text/merge_symbols.h"
#include "text/unicode.h"

namespace locus::text {

namespace {

struct Bigram {
    int left, right;
    int32_t rank;
    size_t left_len, right_len;  // the pair as it was when queued
};

// Lowest rank first; on equal ranks the leftmost pair first.
struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    }
};

}  // namespace

void bpe_tokenize_word(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out) {
    if (word.empty()) return;
    if (vocab.ignore_merges) {
        const int32_t id = vocab.find(word);
        if (id >= 0) { out.push_back(id); return; }
    }
    std::vector<Symbol> sym = utf8_symbols(word);

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    auto try_add = [&](int left, int right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = sym[left];
        const Symbol& r = sym[right];
        const int32_t rank = vocab.merge_rank(word.substr(l.begin, l.len), word.substr(r.begin, r.len));
        if (rank < 0) return;
        queue.push({left, right, rank, l.len, r.len});
    };
    for (int i = 1; i < static_cast<int>(sym.size()); ++i) try_add(i - 1, i);

    while (!queue.empty()) {
        const Bigram bg = queue.top();
        queue.pop();
        const Symbol& l = sym[bg.left];
        const Symbol& r = sym[bg.right];
        // Symbols only grow to the right from a fixed start, so equal lengths mean the same text.
        if (l.len != bg.left_len || r.len != bg.right_len || l.next != bg.right) continue;
        merge_into_left(sym, bg.left, bg.right);
        try_add(l.prev, bg.left);
        try_add(bg.left, l.next);
    }

    for (int i = 0; i >= 0; i = sym[i].next) {
        const std::string_view piece = word.substr(sym[i].begin, sym[i].len);
        const int32_t id = vocab.find(piece);
        if (id >= 0) {
            out.push_back(id);
            continue;
        }
        // A piece without a token: emit whatever single characters of it are tokens.
        for (size_t pos = 0; pos < piece.size();) {
            const size_t n = std::min(piece.size() - pos, utf8_len(static_cast<uint8_t>(piece[pos])));
            const int32_t cid = vocab.find(piece.substr(pos, n));
            if (cid >= 0) out.push_back(cid);
            else if (vocab.unk >= 0) out.push_back(vocab.unk);
            pos += n;
        }
    }
}

void bpe_tokenize(const Vocab& vocab, const PreTokenizer& pre, std::string_view text, std::vector<int32_t>& out) {
    std::string word;
    for (std::string_view piece : pre.split(text)) {
        word.clear();
        for (char c : piece) word += byte_to_unicode(static_cast<uint8_t>(c));
        bpe_tokenize_word(vocab, word, out);
    }
}

}  // namespace locus::text
