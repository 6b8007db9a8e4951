#include "server/api_error.h"

namespace locus::server {

const char* error_type_for_status(int status) {
    switch (status) {
        case 400: case 404: case 413: return "invalid_request_error";
        case 401: return "authentication_error";
        case 429: return "rate_limit_error";
        case 503: return "service_unavailable";
        default: return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

nlohmann::json ApiError::to_json() const {
    nlohmann::json e = {{"message", message}, {"type", error_type_for_status(status)}};
    e["param"] = param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param);
    e["code"] = code.empty() ? nlohmann::json(nullptr) : nlohmann::json(code);
    return {{"error", e}};
}

}  // namespace locus::server
