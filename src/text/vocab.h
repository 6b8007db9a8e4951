// A tokenizer vocabulary as stored under `tokenizer.ggml.*` in GGUF: token texts, scores, types, BPE merges,
// special ids and flags, plus the lookup tables built from them.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace locus::gguf { class File; }

namespace locus::text {

// Values of tokenizer.ggml.token_type (llama.cpp / SentencePiece numbering).
enum class TokenType : int32_t {
    Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6,
};

enum class VocabModel { Spm, Bpe };  // tokenizer.ggml.model "llama" | "gpt2"

struct Vocab {
    VocabModel model = VocabModel::Spm;
    std::string pre = "default";        // tokenizer.ggml.pre
    std::vector<std::string> tokens;
    std::vector<float> scores;          // empty or one per token
    std::vector<TokenType> types;       // empty or one per token (empty = all Normal)
    std::vector<std::string> merges;    // "left right", rank = position (BPE only)

    int32_t bos = -1, eos = -1, unk = -1, pad = -1, eot = -1, eom = -1;
    bool add_bos = false;
    bool add_eos = false;
    bool add_space_prefix = false;
    bool ignore_merges = false;  // BPE: a pre-token that is itself a token is taken whole (Llama 3)

    // Builds the lookup tables; call after filling the fields above. Fails on duplicate-free violations
    // that would make ids ambiguous (size mismatches, out-of-range special ids).
    Status finalize();
    bool finalized() const { return finalized_; }

    int32_t n_vocab() const { return static_cast<int32_t>(tokens.size()); }
    TokenType type(int32_t id) const { return types.empty() ? TokenType::Normal : types[id]; }
    float score(int32_t id) const { return scores.empty() ? 0.0f : scores[id]; }
    // Id of a token text, or -1.
    int32_t find(std::string_view text) const;
    // Rank of the merge "left right" (lower merges first), or -1.
    int32_t merge_rank(std::string_view left, std::string_view right) const;
    // The <0xXX> token for a byte (SPM byte fallback), or -1.
    int32_t byte_token(uint8_t b) const { return byte_tokens_[b]; }
    const std::vector<int32_t>& eog_ids() const { return eog_; }

private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> token_index_;
    std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> merge_index_;
    int32_t byte_tokens_[256];
    std::vector<int32_t> eog_;
    bool finalized_ = false;
};

// Reads `tokenizer.ggml.*` from a GGUF file. Fails with a message naming the file and key on a missing or
// malformed key and on an unknown tokenizer.ggml.model.
Expected<Vocab> vocab_from_gguf(const gguf::File& file);

}  // namespace locus::text
