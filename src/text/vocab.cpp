#include "text/vocab.h"

#include <algorithm>
#include <cstdio>

namespace locus::text {

namespace {
// Control-token texts that end a generation in common chat models (llama.cpp marks the same as EOG).
constexpr const char* kEogTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "</s>",
};
}  // namespace

Status Vocab::finalize() {
    const size_t n = tokens.size();
    if (n == 0) return Status::error("vocabulary has no tokens");
    if (!scores.empty() && scores.size() != n)
        return Status::error("tokenizer.ggml.scores has " + std::to_string(scores.size()) + " entries for " +
                             std::to_string(n) + " tokens");
    if (!types.empty() && types.size() != n)
        return Status::error("tokenizer.ggml.token_type has " + std::to_string(types.size()) + " entries for " +
                             std::to_string(n) + " tokens");
    for (int32_t* id : {&bos, &eos, &unk, &pad, &eot, &eom})
        if (*id < 0 || *id >= static_cast<int32_t>(n)) *id = -1;

    token_index_.clear();
    token_index_.reserve(n);
    for (size_t i = 0; i < n; ++i) token_index_.emplace(tokens[i], static_cast<int32_t>(i));  // first id wins

    merge_index_.clear();
    merge_index_.reserve(merges.size());
    for (size_t i = 0; i < merges.size(); ++i) merge_index_.emplace(merges[i], static_cast<int32_t>(i));

    char buf[8];
    for (int b = 0; b < 256; ++b) {
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        byte_tokens_[b] = find(buf);
    }

    eog_.clear();
    for (int32_t id : {eos, eot, eom})
        if (id >= 0) eog_.push_back(id);
    for (const char* t : kEogTexts) {
        const int32_t id = find(t);
        if (id >= 0 && (type(id) == TokenType::Control || type(id) == TokenType::UserDefined)) eog_.push_back(id);
    }
    std::sort(eog_.begin(), eog_.end());
    eog_.erase(std::unique(eog_.begin(), eog_.end()), eog_.end());
    finalized_ = true;
    return Status::ok();
}

int32_t Vocab::find(std::string_view text) const {
    auto it = token_index_.find(text);
    return it == token_index_.end() ? -1 : it->second;
}

int32_t Vocab::merge_rank(std::string_view left, std::string_view right) const {
    // Byte-level tokens never contain a raw space (it is mapped to U+0120), so "left right" is unambiguous.
    thread_local std::string key;
    key.assign(left);
    key += ' ';
    key += right;
    auto it = merge_index_.find(key);
    return it == merge_index_.end() ? -1 : it->second;
}

}  // namespace locus::text
