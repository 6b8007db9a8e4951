// Shared helpers for the text tests: hand-made vocabularies and the llama.cpp tokenizer test vectors.
#pragma once
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "text/vocab.h"

namespace locus::text::test {

// A tiny SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, then `pieces` (score = -position).
inline Vocab tiny_spm_vocab(const std::vector<std::string>& pieces) {
    Vocab v;
    v.model = VocabModel::Spm;
    v.tokens = {"<unk>", "<s>", "</s>"};
    v.types = {TokenType::Unknown, TokenType::Control, TokenType::Control};
    char buf[8];
    for (int b = 0; b < 256; ++b) {
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        v.tokens.push_back(buf);
        v.types.push_back(TokenType::Byte);
    }
    for (const auto& p : pieces) {
        v.tokens.push_back(p);
        v.types.push_back(TokenType::Normal);
    }
    v.scores.assign(v.tokens.size(), 0.0f);
    for (size_t i = 259; i < v.tokens.size(); ++i) v.scores[i] = -static_cast<float>(i - 259);
    v.unk = 0; v.bos = 1; v.eos = 2;
    v.add_bos = true;
    v.add_space_prefix = true;
    return v;
}

// Test strings and expected ids from NAME.gguf.inp / NAME.gguf.out: each string is followed by the line
// "__ggml_vocab_test__" (strings may begin or end with spaces and newlines); one line of ids per string.
struct VocabVectors {
    std::vector<std::string> inputs;
    std::vector<std::string> expected;  // " id id id" as in the .out file
};

inline VocabVectors read_vectors(const std::string& gguf_path) {
    VocabVectors v;
    std::ifstream fi(gguf_path + ".inp", std::ios::binary), fo(gguf_path + ".out", std::ios::binary);
    std::stringstream ss;
    ss << fi.rdbuf();
    const std::string all = ss.str();
    const std::string sep = "\n__ggml_vocab_test__\n";
    for (size_t pos = 0;;) {
        const size_t q = all.find(sep, pos);
        if (q == std::string::npos) break;
        v.inputs.push_back(all.substr(pos, q - pos));
        pos = q + sep.size();
    }
    for (std::string line; std::getline(fo, line);) v.expected.push_back(line);
    return v;
}

inline std::string ids_to_string(const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids) {
        s += ' ';
        s += std::to_string(id);
    }
    return s;
}

// The string with control characters and non-ASCII bytes escaped, for failure messages.
inline std::string escaped(const std::string& s) {
    std::string out;
    char buf[8];
    for (unsigned char c : s) {
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c >= 0x7F) { std::snprintf(buf, sizeof buf, "\\x%02X", c); out += buf; }
        else out += static_cast<char>(c);
    }
    return out;
}

}  // namespace locus::text::test
