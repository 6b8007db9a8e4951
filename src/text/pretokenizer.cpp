#define PCRE2_CODE_UNIT_WIDTH 8
#include "text/pretokenizer.h"

#include <pcre2.h>

#include <algorithm>

#include "text/unicode.h"

namespace locus::text {

namespace {
// GPT-2's pattern (llama.cpp omits the final `|\s+`; gaps are kept as pieces anyway).
constexpr const char* kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
// Llama 3: case-insensitive contractions, letters with one leading non-letter, numbers in groups of 1-3.
constexpr const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Qwen2: as Llama 3 but single digits.
constexpr const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
}  // namespace

struct PreTokenizer::Regex {
    pcre2_code* code = nullptr;
    ~Regex() { pcre2_code_free(code); }
};

std::vector<std::string> PreTokenizer::patterns_for(std::string_view pre) {
    if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3") return {kLlama3};
    if (pre == "qwen2") return {kQwen2};
    if (pre == "gpt-2") return {kGpt2};
    // Falcon: runs of punctuation (ASCII symbols included) first, then GPT-2, then digits in threes.
    if (pre == "falcon") return {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"};
    return {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"};
}

Expected<PreTokenizer> PreTokenizer::create(const std::vector<std::string>& patterns) {
    PreTokenizer p;
    for (const auto& pat : patterns) {
        int err = 0;
        PCRE2_SIZE off = 0;
        pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pat.data()), pat.size(),
                                         PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &off, nullptr);
        if (!code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            return Status::error("pre-tokenizer pattern '" + pat + "' at offset " + std::to_string(off) + ": " +
                                 reinterpret_cast<const char*>(msg));
        }
        pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is unavailable
        auto r = std::make_shared<Regex>();
        r->code = code;
        p.regexes_.push_back(std::move(r));
    }
    return p;
}

std::vector<std::string_view> PreTokenizer::split(std::string_view text) const {
    std::vector<std::string_view> pieces;
    std::vector<bool> opaque;  // invalid-UTF-8 bytes: never given to a pattern
    // Valid UTF-8 runs and single invalid bytes.
    for (size_t i = 0; i < text.size();) {
        size_t j = i;
        while (j < text.size()) {
            const size_t n = utf8_valid_len(text, j);
            if (n == 0) break;
            j += n;
        }
        if (j > i) { pieces.push_back(text.substr(i, j - i)); opaque.push_back(false); }
        if (j < text.size()) { pieces.push_back(text.substr(j, 1)); opaque.push_back(true); ++j; }
        i = j;
    }

    pcre2_match_data* md = nullptr;
    for (const auto& re : regexes_) {
        if (!md) md = pcre2_match_data_create(1, nullptr);
        std::vector<std::string_view> next;
        std::vector<bool> next_opaque;
        next.reserve(pieces.size() * 2);
        for (size_t k = 0; k < pieces.size(); ++k) {
            const std::string_view s = pieces[k];
            if (opaque[k]) { next.push_back(s); next_opaque.push_back(true); continue; }
            const auto* subj = reinterpret_cast<PCRE2_SPTR>(s.data());
            size_t pos = 0, gap = 0;
            while (pos < s.size()) {
                int rc = pcre2_match(re->code, subj, s.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
                if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)  // e.g. JIT stack exhausted: use the interpreter
                    rc = pcre2_match(re->code, subj, s.size(), pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
                if (rc < 0) break;  // no more matches: the rest is one gap
                const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
                const size_t b = ov[0], e = ov[1];
                if (e == b) {  // empty match: step over one character
                    pos = b + std::max<size_t>(1, utf8_len(static_cast<uint8_t>(s[b < s.size() ? b : 0])));
                    continue;
                }
                if (b > gap) { next.push_back(s.substr(gap, b - gap)); next_opaque.push_back(false); }
                next.push_back(s.substr(b, e - b));
                next_opaque.push_back(false);
                pos = gap = e;
            }
            if (gap < s.size()) { next.push_back(s.substr(gap)); next_opaque.push_back(false); }
        }
        pieces.swap(next);
        opaque.swap(next_opaque);
    }
    if (md) pcre2_match_data_free(md);
    return pieces;
}

}  // namespace locus::text
