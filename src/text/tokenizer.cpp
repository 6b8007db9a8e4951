#include "text/tokenizer.h"

#include <algorithm>

#include "text/bpe_tokenizer.h"
#include "text/spm_tokenizer.h"
#include "text/unicode.h"

namespace locus::text {

Expected<Tokenizer> Tokenizer::from_vocab(Vocab vocab) {
    if (vocab.tokens.empty()) return Status::error("tokenizer: empty vocabulary");
    Tokenizer t;
    auto v = std::make_shared<Vocab>(std::move(vocab));
    if (!v->finalized()) LOCUS_TRY(v->finalize());
    if (v->model == VocabModel::Bpe) {
        auto pre = PreTokenizer::create(PreTokenizer::patterns_for(v->pre));
        if (!pre) return Status::error("tokenizer.ggml.pre '" + v->pre + "': " + pre.error());
        t.pre_ = std::make_shared<const PreTokenizer>(std::move(*pre));
    }
    t.vocab_ = v;
    t.special_ = std::make_shared<const SpecialTokens>(*v);
    return t;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_bos, bool parse_special) const {
    const Vocab& v = *vocab_;
    std::vector<int32_t> out;
    if (add_bos && v.add_bos && v.bos >= 0) out.push_back(v.bos);
    bool prev_special = true;  // SPM: a space prefix goes at the start and after each special token
    for (const Fragment& f : special_->partition(text, parse_special)) {
        if (f.token >= 0) {
            out.push_back(f.token);
            prev_special = true;
            continue;
        }
        if (v.model == VocabModel::Spm) {
            std::string s;
            if (v.add_space_prefix && prev_special) s = ' ';
            s += f.text;
            spm_tokenize(v, spm_escape(s), out);
        } else {
            bpe_tokenize(v, *pre_, f.text, out);
        }
        prev_special = false;
    }
    if (add_bos && v.add_eos && v.eos >= 0) out.push_back(v.eos);
    return out;
}

std::string Tokenizer::token_to_piece(int32_t id, bool special) const {
    const Vocab& v = *vocab_;
    if (id < 0 || id >= v.n_vocab()) return {};
    const std::string& text = v.tokens[id];
    switch (v.type(id)) {
        case TokenType::Control:
            return special ? text : std::string();
        case TokenType::UserDefined:
            return text;
        case TokenType::Unknown:
            return v.model == VocabModel::Spm ? "\xE2\x96\x85" : text;  // llama.cpp shows SPM <unk> as U+2585
        case TokenType::Byte:
            if (v.model == VocabModel::Spm && text.size() == 6 && text.compare(0, 3, "<0x") == 0) {
                return std::string(1, static_cast<char>(std::stoi(text.substr(3, 2), nullptr, 16)));
            }
            break;
        default:
            break;
    }
    std::string out;
    if (v.model == VocabModel::Spm) {
        out.reserve(text.size());
        for (size_t i = 0; i < text.size();) {
            if (text.compare(i, 3, "\xE2\x96\x81") == 0) { out += ' '; i += 3; }
            else out += text[i++];
        }
        return out;
    }
    // Byte-level: each code point of the GPT-2 alphabet is one byte; anything else is kept as UTF-8.
    for (size_t i = 0; i < text.size();) {
        const size_t start = i;
        const uint32_t cp = utf8_decode(text, i);
        const int b = unicode_to_byte(cp);
        if (b >= 0) out += static_cast<char>(b);
        else out.append(text, start, i - start);
    }
    return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool special) const {
    std::string out;
    size_t i = 0;
    if (!ids.empty() && ids[0] == vocab_->bos && vocab_->bos >= 0) i = 1;
    bool first = true;
    for (; i < ids.size(); ++i) {
        std::string piece = token_to_piece(ids[i], special);
        if (first && strips_leading_space() && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
        first = false;
        out += piece;
    }
    return out;
}

bool Tokenizer::is_eog(int32_t id) const {
    const auto& e = vocab_->eog_ids();
    return std::binary_search(e.begin(), e.end(), id);
}

bool Tokenizer::is_control(int32_t id) const {
    return id >= 0 && id < n_vocab() && vocab_->type(id) == TokenType::Control;
}

}  // namespace locus::text
