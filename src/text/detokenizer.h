// Streaming detokenisation: token ids in, complete UTF-8 text out. A character whose bytes are spread over
// several tokens (byte-fallback <0xE2><0x96><0x81>, or byte-level BPE pieces) is held back until complete.
#pragma once
#include <cstdint>
#include <string>

#include "text/tokenizer.h"

namespace locus::text {

class StreamDecoder {
public:
    // text_start: the first token fed begins the text, so (SPM with a space prefix) its leading space is
    // dropped, as decode() does. A BOS fed at any point also starts a text. `special`: render control tokens.
    explicit StreamDecoder(const Tokenizer& tok, bool text_start = false, bool special = false)
        : tok_(&tok), at_start_(text_start), special_(special) {}

    // Returns the text that became complete with this token (possibly empty).
    std::string feed(int32_t id);
    // Returns whatever is still held (an incomplete sequence at the end of the stream), and resets.
    std::string flush();
    // Bytes held back waiting for the rest of a character.
    size_t pending() const { return held_.size(); }

private:
    const Tokenizer* tok_;
    std::string held_;
    bool at_start_;
    bool special_;
};

}  // namespace locus::text
