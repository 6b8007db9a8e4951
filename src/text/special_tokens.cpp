#include "text/special_tokens.h"

#include <algorithm>

namespace locus::text {

SpecialTokens::SpecialTokens(const Vocab& vocab) {
    for (int32_t id = 0; id < vocab.n_vocab(); ++id) {
        const TokenType t = vocab.type(id);
        if (t != TokenType::Control && t != TokenType::UserDefined && t != TokenType::Unknown) continue;
        if (vocab.tokens[id].empty()) continue;
        entries_.push_back({vocab.tokens[id], id, t == TokenType::UserDefined});
    }
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const Entry& a, const Entry& b) { return a.text.size() > b.text.size(); });
}

std::vector<Fragment> SpecialTokens::partition(std::string_view text, bool parse_special) const {
    std::vector<Fragment> frags;
    if (!text.empty()) frags.push_back({-1, text});
    for (const Entry& e : entries_) {
        if (!e.always && !parse_special) continue;
        std::vector<Fragment> next;
        bool changed = false;
        for (const Fragment& f : frags) {
            if (f.token >= 0 || f.text.find(e.text) == std::string_view::npos) {
                next.push_back(f);
                continue;
            }
            changed = true;
            std::string_view rest = f.text;
            for (size_t p; (p = rest.find(e.text)) != std::string_view::npos;) {
                if (p > 0) next.push_back({-1, rest.substr(0, p)});
                next.push_back({e.id, {}});
                rest.remove_prefix(p + e.text.size());
            }
            if (!rest.empty()) next.push_back({-1, rest});
        }
        if (changed) frags.swap(next);
    }
    return frags;
}

}  // namespace locus::text
