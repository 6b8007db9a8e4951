// An error answered to an HTTP client, in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace locus::server {

struct ApiError {
    int status = 400;           // HTTP status
    std::string message;        // names the problem (and the field at fault)
    std::string param;          // the request field at fault, or ""
    std::string code;           // machine-readable, e.g. "context_length_exceeded", or ""

    nlohmann::json to_json() const;
};

// OpenAI's error "type" for an HTTP status (invalid_request_error, authentication_error, ...).
const char* error_type_for_status(int status);

inline ApiError bad_request(std::string message, std::string param = {}) {
    return ApiError{400, std::move(message), std::move(param), {}};
}

}  // namespace locus::server
