// JSON bodies in OpenAI's shapes: completions, chat completions (whole and as stream chunks), usage, logprobs,
// the model list.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/job.h"
#include "text/tokenizer.h"

namespace locus::server {

// Serialises for the wire; bytes that are not UTF-8 (a token cut inside a character) become U+FFFD.
std::string to_wire(const nlohmann::json& j);
// "data: {...}\n\n"
std::string sse_event(const nlohmann::json& j);

// What every response of one request shares.
struct ResponseHead {
    std::string id;      // "cmpl-..." or "chatcmpl-..."
    int64_t created = 0; // Unix seconds
    std::string model;
};

nlohmann::json usage_json(int64_t prompt_tokens, int64_t completion_tokens);

// Completions. `logprobs`: the completions logprobs object (or null); text_offset counts from `offset0`.
nlohmann::json completion_logprobs(const text::Tokenizer& tok, const std::vector<TokenLogprob>& lps,
                                   size_t offset0);
nlohmann::json completion_body(const ResponseHead& h, const std::string& text, const char* finish_reason,
                               const nlohmann::json& logprobs, const JobOutcome& o);
nlohmann::json completion_chunk(const ResponseHead& h, const std::string& text, const char* finish_reason,
                                const nlohmann::json& logprobs);

// Chat completions. `logprobs`: {"content": [...]} (or null).
nlohmann::json chat_logprobs(const text::Tokenizer& tok, const std::vector<TokenLogprob>& lps);
nlohmann::json chat_body(const ResponseHead& h, const std::string& content, const char* finish_reason,
                         const nlohmann::json& logprobs, const JobOutcome& o);
nlohmann::json chat_chunk(const ResponseHead& h, const nlohmann::json& delta, const char* finish_reason,
                          const nlohmann::json& logprobs);

// A stream's last chunk with the usage counts and no choices (stream_options.include_usage).
nlohmann::json usage_chunk(const ResponseHead& h, const char* object, const JobOutcome& o);

nlohmann::json models_body(const std::string& model_id, int64_t created, int64_t n_ctx);

// A new response id with the given prefix ("cmpl-"), unique within the process.
std::string new_response_id(const char* prefix);

}  // namespace locus::server
