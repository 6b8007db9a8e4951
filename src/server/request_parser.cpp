#include "server/request_parser.h"

#include <random>

#include <fmt/format.h>

namespace locus::server {
namespace {

using nlohmann::json;

// Each reader returns false (and sets err) when the field is present with a bad type or value; an absent or
// null field keeps the default.
const json* field(const json& b, const char* name) {
    auto it = b.find(name);
    return it == b.end() || it->is_null() ? nullptr : &*it;
}

bool read_number(const json& b, const char* name, double lo, double hi, float& out, ApiError& err) {
    const json* v = field(b, name);
    if (!v) return true;
    if (!v->is_number()) {
        err = bad_request(fmt::format("'{}' must be a number", name), name);
        return false;
    }
    const double d = v->get<double>();
    if (!(d >= lo && d <= hi)) {
        err = bad_request(fmt::format("'{}' must be between {} and {} (got {})", name, lo, hi, d), name);
        return false;
    }
    out = float(d);
    return true;
}

bool read_int(const json& b, const char* name, int64_t lo, int64_t hi, int64_t& out, ApiError& err) {
    const json* v = field(b, name);
    if (!v) return true;
    if (!v->is_number_integer()) {
        err = bad_request(fmt::format("'{}' must be an integer", name), name);
        return false;
    }
    // Unsigned values above INT64_MAX are out of every range used here.
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(hi)) {
        err = bad_request(fmt::format("'{}' must be between {} and {}", name, lo, hi), name);
        return false;
    }
    const int64_t i = v->get<int64_t>();
    if (i < lo || i > hi) {
        err = bad_request(fmt::format("'{}' must be between {} and {} (got {})", name, lo, hi, i), name);
        return false;
    }
    out = i;
    return true;
}

bool read_bool(const json& b, const char* name, bool& out, ApiError& err) {
    const json* v = field(b, name);
    if (!v) return true;
    if (!v->is_boolean()) {
        err = bad_request(fmt::format("'{}' must be true or false", name), name);
        return false;
    }
    out = v->get<bool>();
    return true;
}

bool read_string(const json& b, const char* name, std::string& out, ApiError& err) {
    const json* v = field(b, name);
    if (!v) return true;
    if (!v->is_string()) {
        err = bad_request(fmt::format("'{}' must be a string", name), name);
        return false;
    }
    out = v->get<std::string>();
    return true;
}

bool read_stop(const json& b, std::vector<std::string>& out, ApiError& err) {
    const json* v = field(b, "stop");
    if (!v) return true;
    if (v->is_string()) {
        out = {v->get<std::string>()};
        return true;
    }
    if (v->is_array() && v->size() <= 16) {
        for (const json& s : *v) {
            if (!s.is_string()) break;
            out.push_back(s.get<std::string>());
        }
        if (out.size() == v->size()) return true;
    }
    err = bad_request("'stop' must be a string or an array of at most 16 strings", "stop");
    return false;
}

// Fields shared by both endpoints. OpenAI's defaults: temperature 1, top_p 1, no top-k/min-p; Locus also takes
// llama.cpp's top_k, min_p, repeat_penalty, repeat_last_n and ignore_eos.
bool read_common(const json& b, CommonRequest& r, int64_t default_max_tokens, ApiError& err) {
    text::SamplerParams& sp = r.gen.sampler;
    sp.temperature = 1.0f;
    sp.top_p = 1.0f;
    sp.top_k = 0;
    sp.min_p = 0.0f;
    sp.repeat_penalty = 1.0f;
    int64_t max_tokens = default_max_tokens, n = 1, top_k = 0, repeat_last_n = 64;
    int64_t seed = -1;
    if (!read_string(b, "model", r.model, err) || !read_int(b, "max_tokens", 0, INT32_MAX, max_tokens, err) ||
        !read_int(b, "max_completion_tokens", 0, INT32_MAX, max_tokens, err) ||
        !read_number(b, "temperature", 0.0, 2.0, sp.temperature, err) ||
        !read_number(b, "top_p", 0.0, 1.0, sp.top_p, err) || !read_int(b, "top_k", 0, INT32_MAX, top_k, err) ||
        !read_number(b, "min_p", 0.0, 1.0, sp.min_p, err) ||
        !read_number(b, "repeat_penalty", 0.0, 10.0, sp.repeat_penalty, err) ||
        !read_int(b, "repeat_last_n", 0, 1 << 20, repeat_last_n, err) ||
        !read_number(b, "presence_penalty", -2.0, 2.0, r.gen.presence_penalty, err) ||
        !read_number(b, "frequency_penalty", -2.0, 2.0, r.gen.frequency_penalty, err) ||
        !read_int(b, "seed", INT64_MIN, INT64_MAX, seed, err) || !read_int(b, "n", 1, 1, n, err) ||
        !read_bool(b, "stream", r.stream, err) || !read_bool(b, "ignore_eos", r.gen.ignore_eos, err) ||
        !read_stop(b, r.gen.stop, err))
        return false;
    if (const json* so = field(b, "stream_options")) {
        if (!so->is_object() || !read_bool(*so, "include_usage", r.include_usage, err)) {
            if (err.message.empty()) err = bad_request("'stream_options' must be an object", "stream_options");
            err.param = "stream_options";
            return false;
        }
    }
    r.gen.max_tokens = max_tokens;
    sp.top_k = int32_t(top_k);
    sp.repeat_last_n = int32_t(repeat_last_n);
    sp.seed = seed < 0 ? std::random_device{}() : uint32_t(uint64_t(seed));
    return true;
}

bool read_prompt(const json& b, CompletionRequest& r, ApiError& err) {
    const json* p = field(b, "prompt");
    if (!p) {
        err = bad_request("'prompt' is required", "prompt");
        return false;
    }
    if (p->is_string()) {
        r.prompt = p->get<std::string>();
        return true;
    }
    if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) {
        r.prompt = (*p)[0].get<std::string>();
        return true;
    }
    if (p->is_array() && !p->empty()) {
        std::vector<int32_t> ids;
        for (const json& t : *p) {
            if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > INT32_MAX) break;
            ids.push_back(int32_t(t.get<int64_t>()));
        }
        if (ids.size() == p->size()) {
            r.prompt = std::move(ids);
            return true;
        }
    }
    err = bad_request("'prompt' must be a string, an array of one string, or an array of token ids "
                      "(several prompts in one request are not supported)",
                      "prompt");
    return false;
}

bool read_messages(const json& b, ChatRequest& r, ApiError& err) {
    const json* m = field(b, "messages");
    if (!m || !m->is_array() || m->empty()) {
        err = bad_request("'messages' must be a non-empty array of {role, content} objects", "messages");
        return false;
    }
    for (size_t i = 0; i < m->size(); ++i) {
        const json& msg = (*m)[i];
        const std::string where = fmt::format("messages[{}]", i);
        if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string()) {
            err = bad_request(where + " must be an object with a string 'role'", where);
            return false;
        }
        ChatMessage cm;
        cm.role = msg["role"].get<std::string>();
        if (cm.role == "developer") cm.role = "system";  // OpenAI's newer name for the system role
        const json* c = field(msg, "content");
        if (c && c->is_string()) {
            cm.content = c->get<std::string>();
        } else if (c && c->is_array()) {
            for (const json& part : *c) {
                if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
                    !part["text"].is_string()) {
                    err = bad_request(where + ".content may only hold parts of type 'text'", where);
                    return false;
                }
                cm.content += part["text"].get<std::string>();
            }
        } else if (c || cm.role != "assistant") {
            err = bad_request(where + ".content must be a string or an array of text parts", where);
            return false;
        }
        r.messages.push_back(std::move(cm));
    }
    return true;
}

}  // namespace

Parsed<json> parse_json_object(const std::string& body) {
    Parsed<json> out;
    json j;
    try {
        j = json::parse(body);
    } catch (const json::parse_error& e) {
        out.error = bad_request(fmt::format("the request body is not valid JSON: {}", e.what()));
        return out;
    }
    if (!j.is_object()) {
        out.error = bad_request("the request body must be a JSON object");
        return out;
    }
    out.value = std::move(j);
    return out;
}

Parsed<CompletionRequest> parse_completion_request(const json& b) {
    Parsed<CompletionRequest> out;
    CompletionRequest r;
    int64_t logprobs = -1;
    // OpenAI's completions default to 16 tokens.
    if (!read_common(b, r, 16, out.error) || !read_prompt(b, r, out.error) ||
        !read_bool(b, "echo", r.echo, out.error) || !read_int(b, "logprobs", 0, 20, logprobs, out.error))
        return out;
    r.gen.logprobs = int(logprobs);
    out.value = std::move(r);
    return out;
}

Parsed<ChatRequest> parse_chat_request(const json& b) {
    Parsed<ChatRequest> out;
    ChatRequest r;
    bool logprobs = false;
    int64_t top = 0;
    // Chat replies run to the end of the turn (or of the context) unless max_tokens says otherwise.
    if (!read_common(b, r, -1, out.error) || !read_messages(b, r, out.error) ||
        !read_bool(b, "logprobs", logprobs, out.error) || !read_int(b, "top_logprobs", 0, 20, top, out.error))
        return out;
    if (top > 0 && !logprobs) {
        out.error = bad_request("'top_logprobs' needs 'logprobs' set to true", "top_logprobs");
        return out;
    }
    r.gen.logprobs = logprobs ? int(top) : -1;
    out.value = std::move(r);
    return out;
}

}  // namespace locus::server
