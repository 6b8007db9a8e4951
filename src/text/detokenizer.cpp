#include "text/detokenizer.h"

#include "text/unicode.h"

namespace locus::text {

std::string StreamDecoder::feed(int32_t id) {
    if (id == tok_->bos() && id >= 0) {
        at_start_ = true;
        return {};
    }
    std::string piece = tok_->token_to_piece(id, special_);
    if (piece.empty()) return {};
    if (at_start_ && tok_->strips_leading_space() && piece[0] == ' ') piece.erase(0, 1);
    at_start_ = false;
    held_ += piece;
    // Emit everything but an incomplete character at the end. Invalid bytes are passed through: holding
    // them would never complete them.
    const size_t keep = utf8_incomplete_tail(held_);
    std::string out = held_.substr(0, held_.size() - keep);
    held_.erase(0, held_.size() - keep);
    return out;
}

std::string StreamDecoder::flush() {
    std::string out;
    out.swap(held_);
    return out;
}

}  // namespace locus::text
