// C API: tokenization and detokenization with a model's tokenizer.
#include <cstring>
#include <string>

#include "api/objects.h"

using namespace locus;
using namespace locus::api;

namespace {

locus_status check_token(const Engine& e, int32_t token, const char* function) {
    if (token < 0 || token >= e.tokenizer().n_vocab())
        return fail(LOCUS_ERR_INVALID_ARGUMENT, std::string(function) + ": token " + std::to_string(token) +
                                                    " is outside the vocabulary (0.." +
                                                    std::to_string(e.tokenizer().n_vocab() - 1) + ")");
    return LOCUS_OK;
}

// Writes text plus a NUL into buf, or reports the size needed.
locus_status write_text(const std::string& text, char* buf, size_t capacity, size_t* n_bytes, const char* function) {
    if (!n_bytes) return fail(LOCUS_ERR_INVALID_ARGUMENT, std::string(function) + ": n_bytes is null");
    *n_bytes = text.size();
    if (capacity < text.size() + 1 || !buf)
        return fail(LOCUS_ERR_BUFFER_TOO_SMALL, std::string(function) + ": the text needs " +
                                                    std::to_string(text.size() + 1) + " bytes with its NUL, the buffer has " +
                                                    std::to_string(buf ? capacity : 0));
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    return LOCUS_OK;
}

}  // namespace

extern "C" {

locus_status locus_tokenize(const locus_model* model, const char* text, size_t text_len, int add_bos,
                            int parse_special, int32_t* tokens, size_t capacity, size_t* n_tokens) {
    return guarded("locus_tokenize", [&]() -> locus_status {
        auto m = find_model(model, "locus_tokenize");
        if (!m) return LOCUS_ERR_INVALID_HANDLE;
        if (!text && text_len > 0) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_tokenize: text is null");
        if (!n_tokens) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_tokenize: n_tokens is null");
        const std::vector<int32_t> ids =
            m->engine->tokenizer().encode(std::string_view(text ? text : "", text_len), add_bos != 0, parse_special != 0);
        *n_tokens = ids.size();
        if (ids.size() > capacity || (!tokens && !ids.empty()))
            return fail(LOCUS_ERR_BUFFER_TOO_SMALL, "locus_tokenize: " + std::to_string(ids.size()) +
                                                        " tokens do not fit a buffer of " + std::to_string(capacity));
        if (!ids.empty()) std::memcpy(tokens, ids.data(), ids.size() * sizeof(int32_t));
        return LOCUS_OK;
    });
}

locus_status locus_detokenize(const locus_model* model, const int32_t* tokens, size_t n_tokens, int special,
                              char* buf, size_t capacity, size_t* n_bytes) {
    return guarded("locus_detokenize", [&]() -> locus_status {
        auto m = find_model(model, "locus_detokenize");
        if (!m) return LOCUS_ERR_INVALID_HANDLE;
        if (!tokens && n_tokens > 0) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_detokenize: tokens is null");
        std::vector<int32_t> ids(tokens, tokens + n_tokens);
        for (int32_t t : ids)
            if (locus_status st = check_token(*m->engine, t, "locus_detokenize"); st != LOCUS_OK) return st;
        return write_text(m->engine->tokenizer().decode(ids, special != 0), buf, capacity, n_bytes, "locus_detokenize");
    });
}

locus_status locus_token_to_piece(const locus_model* model, int32_t token, int special, char* buf, size_t capacity,
                                  size_t* n_bytes) {
    return guarded("locus_token_to_piece", [&]() -> locus_status {
        auto m = find_model(model, "locus_token_to_piece");
        if (!m) return LOCUS_ERR_INVALID_HANDLE;
        if (locus_status st = check_token(*m->engine, token, "locus_token_to_piece"); st != LOCUS_OK) return st;
        return write_text(m->engine->tokenizer().token_to_piece(token, special != 0), buf, capacity, n_bytes,
                          "locus_token_to_piece");
    });
}

locus_status locus_token_is_eog(const locus_model* model, int32_t token, int* out) {
    return guarded("locus_token_is_eog", [&]() -> locus_status {
        auto m = find_model(model, "locus_token_is_eog");
        if (!m) return LOCUS_ERR_INVALID_HANDLE;
        if (!out) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_token_is_eog: out is null");
        if (locus_status st = check_token(*m->engine, token, "locus_token_is_eog"); st != LOCUS_OK) return st;
        *out = m->engine->tokenizer().is_eog(token) ? 1 : 0;
        return LOCUS_OK;
    });
}

}  // extern "C"
