// Reading the vocabulary (and so the tokenizer) from GGUF metadata. Kept apart from vocab.cpp so that the
// tokenizer algorithms do not depend on the file reader.
#include <cstdint>

#include "gguf/gguf.h"
#include "text/tokenizer.h"
#include "text/vocab.h"

namespace locus::text {

namespace {

std::string where(const gguf::File& f, std::string_view key) { return f.path() + ": " + std::string(key); }

// Reads an optional token id; ids stored as uint32 -1 (4294967295) or out of range mean "none".
Status read_id(const gguf::File& f, std::string_view key, int32_t& id) {
    auto v = f.get_int(key);
    if (!v) return Status::error(where(f, key) + ": " + v.error());
    if (v->has_value()) {
        const int64_t x = **v;
        id = (x < 0 || x > INT32_MAX) ? -1 : static_cast<int32_t>(x);
    }
    return Status::ok();
}

Status read_flag(const gguf::File& f, std::string_view key, bool& flag) {
    auto v = f.get_bool(key);
    if (!v) return Status::error(where(f, key) + ": " + v.error());
    if (v->has_value()) flag = **v;
    return Status::ok();
}

}  // namespace

Expected<Vocab> vocab_from_gguf(const gguf::File& f) {
    Vocab v;
    auto model = f.get_string("tokenizer.ggml.model");
    if (!model) return Status::error(where(f, "tokenizer.ggml.model") + ": " + model.error());
    if (!model->has_value()) return Status::error(f.path() + ": no tokenizer (tokenizer.ggml.model is missing)");
    const std::string& name = **model;
    if (name == "llama") {
        v.model = VocabModel::Spm;
        v.bos = 1; v.eos = 2; v.unk = 0;
        v.add_bos = true;
        v.add_space_prefix = true;
    } else if (name == "gpt2") {
        v.model = VocabModel::Bpe;
        v.bos = 11; v.eos = 11;
    } else {
        return Status::error(where(f, "tokenizer.ggml.model") + ": unsupported tokenizer '" + name +
                             "' (supported: 'llama' = SentencePiece, 'gpt2' = byte-level BPE)");
    }

    auto pre = f.get_string("tokenizer.ggml.pre");
    if (!pre) return Status::error(where(f, "tokenizer.ggml.pre") + ": " + pre.error());
    if (pre->has_value()) v.pre = **pre;
    if (v.model == VocabModel::Bpe && (v.pre == "llama-bpe" || v.pre == "llama3" || v.pre == "llama-v3")) {
        v.ignore_merges = true;
        v.add_bos = true;
    }

    auto tokens = f.get_string_array("tokenizer.ggml.tokens");
    if (!tokens) return Status::error(where(f, "tokenizer.ggml.tokens") + ": " + tokens.error());
    if (!tokens->has_value()) return Status::error(where(f, "tokenizer.ggml.tokens") + ": missing");
    v.tokens = std::move(**tokens);

    auto scores = f.get_float_array("tokenizer.ggml.scores");
    if (!scores) return Status::error(where(f, "tokenizer.ggml.scores") + ": " + scores.error());
    if (scores->has_value()) v.scores = std::move(**scores);

    auto types = f.get_int_array("tokenizer.ggml.token_type");
    if (!types) return Status::error(where(f, "tokenizer.ggml.token_type") + ": " + types.error());
    if (types->has_value()) {
        v.types.reserve((*types)->size());
        for (int64_t t : **types) {
            if (t < 0 || t > 6)
                return Status::error(where(f, "tokenizer.ggml.token_type") + ": invalid type " + std::to_string(t));
            v.types.push_back(static_cast<TokenType>(t));
        }
    }

    if (v.model == VocabModel::Bpe) {
        auto merges = f.get_string_array("tokenizer.ggml.merges");
        if (!merges) return Status::error(where(f, "tokenizer.ggml.merges") + ": " + merges.error());
        if (!merges->has_value())
            return Status::error(where(f, "tokenizer.ggml.merges") + ": missing (required for a gpt2 tokenizer)");
        v.merges = std::move(**merges);
    }

    LOCUS_TRY(read_id(f, "tokenizer.ggml.bos_token_id", v.bos));
    LOCUS_TRY(read_id(f, "tokenizer.ggml.eos_token_id", v.eos));
    LOCUS_TRY(read_id(f, "tokenizer.ggml.unknown_token_id", v.unk));
    LOCUS_TRY(read_id(f, "tokenizer.ggml.padding_token_id", v.pad));
    LOCUS_TRY(read_id(f, "tokenizer.ggml.eot_token_id", v.eot));
    LOCUS_TRY(read_id(f, "tokenizer.ggml.eom_token_id", v.eom));
    LOCUS_TRY(read_flag(f, "tokenizer.ggml.add_bos_token", v.add_bos));
    LOCUS_TRY(read_flag(f, "tokenizer.ggml.add_eos_token", v.add_eos));
    LOCUS_TRY(read_flag(f, "tokenizer.ggml.add_space_prefix", v.add_space_prefix));

    Status st = v.finalize();
    if (!st) return Status::error(f.path() + ": " + st.message());
    return v;
}

Expected<Tokenizer> Tokenizer::from_gguf(const gguf::File& file) {
    auto v = vocab_from_gguf(file);
    if (!v) return v.status();
    auto t = Tokenizer::from_vocab(std::move(*v));
    if (!t) return Status::error(file.path() + ": " + t.error());
    return t;
}

}  // namespace locus::text
