#include "server/openai_format.h"

#include <atomic>
#include <random>

#include <fmt/format.h>

namespace locus::server {

using nlohmann::json;

std::string to_wire(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_event(const json& j) { return "data: " + to_wire(j) + "\n\n"; }

json usage_json(int64_t prompt_tokens, int64_t completion_tokens) {
    return {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens}};
}

namespace {

json nullable(const char* s) { return s ? json(s) : json(nullptr); }

json bytes_of(const std::string& s) {
    json b = json::array();
    for (unsigned char c : s) b.push_back(int(c));
    return b;
}

}  // namespace

json completion_logprobs(const text::Tokenizer& tok, const std::vector<TokenLogprob>& lps, size_t offset0) {
    json tokens = json::array(), token_lps = json::array(), tops = json::array(), offsets = json::array();
    size_t offset = offset0;
    for (const TokenLogprob& lp : lps) {
        const std::string piece = tok.token_to_piece(lp.token);
        tokens.push_back(piece);
        token_lps.push_back(lp.logprob);
        json top = json::object();
        for (const auto& [id, v] : lp.top) top[tok.token_to_piece(id)] = v;
        tops.push_back(top);
        offsets.push_back(offset);
        offset += piece.size();
    }
    return {{"tokens", tokens}, {"token_logprobs", token_lps}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

json completion_body(const ResponseHead& h, const std::string& text, const char* finish_reason,
                     const json& logprobs, const JobOutcome& o) {
    json choice = {{"index", 0}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", nullable(finish_reason)}};
    return {{"id", h.id},           {"object", "text_completion"}, {"created", h.created}, {"model", h.model},
            {"choices", {choice}}, {"usage", usage_json(o.prompt_tokens, o.completion_tokens)}};
}

json completion_chunk(const ResponseHead& h, const std::string& text, const char* finish_reason,
                      const json& logprobs) {
    json choice = {{"index", 0}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", nullable(finish_reason)}};
    return {{"id", h.id}, {"object", "text_completion"}, {"created", h.created}, {"model", h.model},
            {"choices", {choice}}};
}

json chat_logprobs(const text::Tokenizer& tok, const std::vector<TokenLogprob>& lps) {
    json content = json::array();
    for (const TokenLogprob& lp : lps) {
        const std::string piece = tok.token_to_piece(lp.token);
        json top = json::array();
        for (const auto& [id, v] : lp.top) {
            const std::string p = tok.token_to_piece(id);
            top.push_back({{"token", p}, {"logprob", v}, {"bytes", bytes_of(p)}});
        }
        content.push_back({{"token", piece}, {"logprob", lp.logprob}, {"bytes", bytes_of(piece)}, {"top_logprobs", top}});
    }
    return {{"content", content}};
}

json chat_body(const ResponseHead& h, const std::string& content, const char* finish_reason, const json& logprobs,
               const JobOutcome& o) {
    json choice = {{"index", 0},
                   {"message", {{"role", "assistant"}, {"content", content}}},
                   {"logprobs", logprobs},
                   {"finish_reason", nullable(finish_reason)}};
    return {{"id", h.id},           {"object", "chat.completion"}, {"created", h.created}, {"model", h.model},
            {"choices", {choice}}, {"usage", usage_json(o.prompt_tokens, o.completion_tokens)}};
}

json chat_chunk(const ResponseHead& h, const json& delta, const char* finish_reason, const json& logprobs) {
    json choice = {{"index", 0}, {"delta", delta}, {"logprobs", logprobs}, {"finish_reason", nullable(finish_reason)}};
    return {{"id", h.id}, {"object", "chat.completion.chunk"}, {"created", h.created}, {"model", h.model},
            {"choices", {choice}}};
}

json usage_chunk(const ResponseHead& h, const char* object, const JobOutcome& o) {
    return {{"id", h.id},         {"object", object},
            {"created", h.created}, {"model", h.model},
            {"choices", json::array()}, {"usage", usage_json(o.prompt_tokens, o.completion_tokens)}};
}

json models_body(const std::string& model_id, int64_t created, int64_t n_ctx) {
    json m = {{"id", model_id}, {"object", "model"}, {"created", created}, {"owned_by", "locus"},
              {"meta", {{"n_ctx", n_ctx}}}};
    return {{"object", "list"}, {"data", {m}}};
}

std::string new_response_id(const char* prefix) {
    static std::atomic<uint64_t> counter{0};
    static const uint64_t salt = std::random_device{}();
    return fmt::format("{}{:08x}{:x}", prefix, uint32_t(salt), counter.fetch_add(1));
}

}  // namespace locus::server
