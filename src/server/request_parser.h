// Validates OpenAI request bodies into generation parameters. Every problem becomes a 400 naming the field.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/api_error.h"
#include "server/chat_template.h"
#include "server/job.h"

namespace locus::server {

// A value or the error to answer with.
template <class T>
struct Parsed {
    std::optional<T> value;
    ApiError error;
    bool ok() const { return value.has_value(); }
};

struct CommonRequest {
    std::string model;  // "" when not given
    GenerationParams gen;
    bool stream = false;
    bool include_usage = false;  // stream_options.include_usage: a last chunk with the usage counts
};

struct CompletionRequest : CommonRequest {
    std::variant<std::string, std::vector<int32_t>> prompt;  // text, or token ids
    bool echo = false;
};

struct ChatRequest : CommonRequest {
    std::vector<ChatMessage> messages;
};

// The body as a JSON object, or a 400 saying why it is not one.
Parsed<nlohmann::json> parse_json_object(const std::string& body);
Parsed<CompletionRequest> parse_completion_request(const nlohmann::json& body);
Parsed<ChatRequest> parse_chat_request(const nlohmann::json& body);

}  // namespace locus::server
