// A batch of tokens to run through the model in one forward pass. Tokens may belong to different sequences
// (continuous batching); each token has its position in its sequence and says whether its logits are wanted.
#pragma once
#include <cstdint>
#include <vector>

namespace locus {

struct Batch {
    std::vector<int32_t> tokens;
    std::vector<int32_t> seq;     // sequence (KV cache slot) of each token
    std::vector<int32_t> pos;     // position of each token in its sequence
    std::vector<uint8_t> logits;  // 1 where the token's logits are wanted

    void add(int32_t token, int32_t seq_id, int32_t position, bool want_logits) {
        tokens.push_back(token);
        seq.push_back(seq_id);
        pos.push_back(position);
        logits.push_back(want_logits ? 1 : 0);
    }
    void clear() { tokens.clear(); seq.clear(); pos.clear(); logits.clear(); }
    int64_t size() const { return int64_t(tokens.size()); }
    int64_t n_logits() const {
        int64_t n = 0;
        for (uint8_t l : logits) n += l;
        return n;
    }
};

}  // namespace locus
