// Text <-> token ids for the two GGUF tokenizer families: SentencePiece-style ("llama") and byte-level BPE
// ("gpt2"). Reproduces llama.cpp's tokenization (and so the Hugging Face tokenizers it is tested against).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "text/pretokenizer.h"
#include "text/special_tokens.h"
#include "text/vocab.h"

namespace locus::gguf { class File; }

namespace locus::text {

class Tokenizer {
public:
    static Expected<Tokenizer> from_gguf(const gguf::File& file);
    static Expected<Tokenizer> from_vocab(Vocab vocab);

    // add_bos: prepend BOS (and append EOS) when the vocabulary asks for it (tokenizer.ggml.add_bos_token /
    // add_eos_token). parse_special: control tokens written in the text (e.g. "<|im_start|>") become
    // their ids; user-defined tokens always do.
    std::vector<int32_t> encode(std::string_view text, bool add_bos, bool parse_special) const;

    // The bytes a token stands for. SPM: U+2581 -> ' ', <0xXX> -> the byte; BPE: GPT-2 alphabet -> bytes.
    // Control tokens give "" unless `special` is set (then their text).
    std::string token_to_piece(int32_t id, bool special = false) const;
    // Concatenated pieces; a leading BOS is dropped and, for SPM with a space prefix, the leading space of
    // the first piece is removed (inverse of encode). Control tokens are rendered only if `special`.
    std::string decode(const std::vector<int32_t>& ids, bool special = false) const;

    int32_t bos() const { return vocab_->bos; }
    int32_t eos() const { return vocab_->eos; }
    bool is_eog(int32_t id) const;
    bool is_control(int32_t id) const;
    int32_t n_vocab() const { return vocab_->n_vocab(); }
    const Vocab& vocab() const { return *vocab_; }
    // True when decode strips the first piece's leading space (SPM with add_space_prefix).
    bool strips_leading_space() const { return vocab_->model == VocabModel::Spm && vocab_->add_space_prefix; }

private:
    Tokenizer() = default;
    std::shared_ptr<const Vocab> vocab_;
    std::shared_ptr<const SpecialTokens> special_;
    std::shared_ptr<const PreTokenizer> pre_;  // BPE only
};

}  // namespace locus::text
