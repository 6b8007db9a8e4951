#include "server/http_server.h"

#include <httplib.h>

#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/api_error.h"
#include "server/chat_page.h"
#include "server/openai_format.h"
#include "server/peer_socket.h"
#include "server/request_parser.h"

namespace locus::server {

using nlohmann::json;

struct HttpServer::Model {
    Engine* engine = nullptr;
    std::unique_ptr<Scheduler> scheduler;
    std::optional<ChatChoice> chat;  // unset: chat_error says why chat requests cannot be served
    std::string chat_error;
    int32_t end_of_turn_token = -1;
    int64_t created = 0;
};

namespace {

constexpr auto kPoll = std::chrono::milliseconds(50);
constexpr int kListenBacklog = 512;

// cpp-httplib listens with a backlog of 5 (compiled into the Debian library); a burst of clients overflows it and
// the kernel then drops handshakes. The listening socket is a protected member, so a subclass can widen it.
class WideBacklogServer : public httplib::Server {
public:
    void widen_backlog(int n) {
        if (svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, n);
    }
    // Server::stop() does nothing before the accept loop has started; closing the socket here also stops a
    // loop that starts later (it runs while the socket is valid).
    void close_listener() {
        const socket_t s = svr_sock_.exchange(INVALID_SOCKET);
        if (s != INVALID_SOCKET) {
            ::shutdown(s, SHUT_RDWR);
            ::close(s);
        }
    }
};

void send_json(httplib::Response& res, int status, const json& j) {
    res.status = status;
    res.set_content(to_wire(j), "application/json");
}

void send_error(httplib::Response& res, const ApiError& e) { send_json(res, e.status, e.to_json()); }

bool keys_equal(const std::string& a, const std::string& b) {
    // Constant time in the key's length, so response timing does not reveal how much of a guess was right.
    unsigned diff = unsigned(a.size() ^ b.size());
    for (size_t i = 0; i < a.size(); ++i) diff |= unsigned(char(a[i] ^ (i < b.size() ? b[i] : 0)));
    return diff == 0;
}

const char* endpoint_label(const std::string& path) {
    static const char* known[] = {"/",         "/health",  "/metrics",          "/v1/models",
                                  "/tokenize", "/detokenize", "/v1/completions", "/v1/chat/completions"};
    for (const char* k : known)
        if (path == k) return k;
    return "other";
}

// The request as the scheduler needs it, plus what the response needs to know.
struct Prepared {
    JobSpec spec;
    std::string echo_text;  // completions with echo: the prompt's text
};

// Everything a generation response (streamed or whole) needs after submission.
struct Reply {
    std::shared_ptr<Job> job;
    ResponseHead head;
    const text::Tokenizer* tok = nullptr;
    bool chat = false;
    bool want_logprobs = false;
    bool include_usage = false;
    std::string echo_text;
    int fd = -1;              // the connection's socket, to notice the client leaving
    bool started = false;     // streaming: the first event has been written
    size_t text_offset = 0;   // completions logprobs: offset of the next token's text
};

json piece_logprobs(Reply& r, const std::vector<TokenLogprob>& lps) {
    if (!r.want_logprobs) return nullptr;
    if (r.chat) return chat_logprobs(*r.tok, lps);
    json j = completion_logprobs(*r.tok, lps, r.text_offset);
    for (const TokenLogprob& lp : lps) r.text_offset += r.tok->token_to_piece(lp.token).size();
    return j;
}

// One streaming step: waits briefly for output and writes it as server-sent events. False ends the response
// (client gone, or an error writing).
bool stream_step(Reply& r, httplib::DataSink& sink) {
    auto write = [&](const std::string& s) { return sink.write(s.data(), s.size()); };
    if (!r.started) {
        r.started = true;
        bool ok = true;
        if (r.chat) ok = write(sse_event(chat_chunk(r.head, {{"role", "assistant"}, {"content", ""}}, nullptr, nullptr)));
        else if (!r.echo_text.empty()) ok = write(sse_event(completion_chunk(r.head, r.echo_text, nullptr, nullptr)));
        r.text_offset = r.echo_text.size();
        if (!ok) return false;
    }
    std::vector<Piece> pieces;
    const bool done = r.job->wait(pieces, kPoll);
    if (!done && peer_closed(r.fd)) return false;
    for (Piece& p : pieces) {
        if (p.text.empty() && p.tokens.empty()) continue;
        const json lp = piece_logprobs(r, p.tokens);
        const json chunk = r.chat ? chat_chunk(r.head, {{"content", p.text}}, nullptr, lp)
                                  : completion_chunk(r.head, p.text, nullptr, lp);
        if (!write(sse_event(chunk))) return false;
    }
    if (!done) return true;
    const JobOutcome o = r.job->outcome();
    std::string tail;
    if (o.reason == FinishReason::Error || o.reason == FinishReason::Cancelled) {
        const int status = o.reason == FinishReason::Error ? 500 : 503;
        tail += sse_event(ApiError{status, o.error.empty() ? "generation was cancelled" : o.error, {}, {}}.to_json());
    } else {
        const char* why = finish_reason_name(o.reason);
        tail += sse_event(r.chat ? chat_chunk(r.head, json::object(), why, nullptr)
                                 : completion_chunk(r.head, "", why, nullptr));
        if (r.include_usage)
            tail += sse_event(usage_chunk(r.head, r.chat ? "chat.completion.chunk" : "text_completion", o));
    }
    tail += "data: [DONE]\n\n";
    if (!write(tail)) return false;
    sink.done();
    return true;
}

// Waits for the whole generation and answers with one JSON body.
void reply_whole(Reply& r, httplib::Response& res) {
    std::vector<Piece> pieces;
    while (!r.job->wait(pieces, kPoll)) {
        if (peer_closed(r.fd)) {
            r.job->cancel();
            res.status = 499;  // client closed the request (nginx's code); nothing reaches the client
            return;
        }
    }
    const JobOutcome o = r.job->outcome();
    if (o.reason == FinishReason::Error) return send_error(res, {500, "generation failed: " + o.error, {}, {}});
    if (o.reason == FinishReason::Cancelled)
        return send_error(res, {503, o.error.empty() ? "generation was cancelled" : o.error, {}, {}});
    std::string text = r.echo_text;
    r.text_offset = r.echo_text.size();
    std::vector<TokenLogprob> lps;
    for (Piece& p : pieces) {
        text += p.text;
        for (TokenLogprob& t : p.tokens) lps.push_back(std::move(t));
    }
    const json lp = piece_logprobs(r, lps);
    const char* why = finish_reason_name(o.reason);
    send_json(res, 200, r.chat ? chat_body(r.head, text, why, lp, o) : completion_body(r.head, text, why, lp, o));
}

}  // namespace

HttpServer::HttpServer(ServerOptions opts) : opts_(std::move(opts)), http_(std::make_unique<WideBacklogServer>()) {
    // Handler threads wait on their generation, so there must be one for every slot and queue place, plus a
    // few for /health, /metrics and requests that are refused.
    const size_t threads = std::min<size_t>(512, size_t(opts_.scheduler.n_slots) + opts_.scheduler.max_queue + 8);
    http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_->set_payload_max_length(opts_.max_body_bytes);
    routes();
}

HttpServer::~HttpServer() { stop(); }

Expected<int> HttpServer::bind() {
    if (opts_.port == 0) {
        const int port = http_->bind_to_any_port(opts_.host);
        if (port <= 0) return Status::error(fmt::format("cannot listen on {} (any port)", opts_.host));
        static_cast<WideBacklogServer&>(*http_).widen_backlog(kListenBacklog);
        return port;
    }
    if (!http_->bind_to_port(opts_.host, opts_.port))
        return Status::error(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine?)",
                                         opts_.host, opts_.port));
    static_cast<WideBacklogServer&>(*http_).widen_backlog(kListenBacklog);
    return opts_.port;
}

void HttpServer::listen() {
    // A client that leaves mid-response must not kill the process: writes then fail with EPIPE instead.
    std::signal(SIGPIPE, SIG_IGN);
    http_->listen_after_bind();
}

void HttpServer::stop() {
    if (http_) {
        http_->stop();
        static_cast<WideBacklogServer&>(*http_).close_listener();
    }
    if (model_ && model_->scheduler) model_->scheduler->stop();
}

Status HttpServer::attach(Engine& engine, std::string* note) {
    auto m = std::make_unique<Model>();
    m->engine = &engine;
    m->created = int64_t(std::time(nullptr));
    auto sched = Scheduler::create(engine, opts_.scheduler);
    if (!sched) return sched.status();
    m->scheduler = std::move(*sched);

    const text::Vocab& vocab = engine.tokenizer().vocab();
    auto stored = engine.file().get_string("tokenizer.chat_template");
    const std::string stored_template = stored && *stored ? **stored : std::string();
    auto choice = choose_chat_format(opts_.chat_template, stored_template, vocab.find("<|im_start|>") >= 0);
    if (choice) {
        m->chat = *choice;
        if (const char* eot = chat_end_of_turn_token(choice->format); *eot) m->end_of_turn_token = vocab.find(eot);
        if (note) *note = choice->note;
    } else {
        m->chat_error = choice.error();
        if (note) *note = "chat completions unavailable: " + choice.error();
    }
    model_ = std::move(m);
    ready_.store(true, std::memory_order_release);
    return Status::ok();
}

void HttpServer::routes() {
    using httplib::Request;
    using httplib::Response;
    using HR = httplib::Server::HandlerResponse;

    http_->set_pre_routing_handler([this](const Request& req, Response& res) {
        if (opts_.api_key.empty() || req.path == "/" || req.path == "/health") return HR::Unhandled;
        const std::string auth = req.get_header_value("Authorization");
        if (auth.rfind("Bearer ", 0) == 0 && keys_equal(auth.substr(7), opts_.api_key)) return HR::Unhandled;
        send_error(res, {401,
                         auth.empty() ? "no API key given: send the header 'Authorization: Bearer <key>'"
                                      : "the API key is not valid",
                         {}, "invalid_api_key"});
        return HR::Handled;
    });
    http_->set_error_handler(httplib::Server::HandlerWithResponse([this](const Request& req, Response& res) {
        if (!res.body.empty() || res.is_chunked_content_provider_) return HR::Unhandled;
        std::string msg;
        if (res.status == 404) msg = fmt::format("no endpoint {} {}", req.method, req.path);
        else if (res.status == 413)
            msg = fmt::format("the request body is larger than the server accepts ({} bytes)", opts_.max_body_bytes);
        else msg = fmt::format("the request could not be served (HTTP {})", res.status);
        send_error(res, {res.status, msg, {}, {}});
        return HR::Handled;
    }));
    http_->set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        send_error(res, {500, "internal error: " + what, {}, {}});
    });
    http_->set_logger([this](const Request& req, const Response& res) {
        counters_.count(endpoint_label(req.path), res.status);
    });

    http_->Get("/", [](const Request&, Response& res) {
        const std::string_view page = chat_page_html();
        res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
    });
    http_->Get("/health", [this](const Request&, Response& res) {
        if (ready_.load(std::memory_order_acquire)) send_json(res, 200, {{"status", "ok"}});
        else send_json(res, 503, {{"status", "loading model"}});
    });
    http_->Get("/metrics", [this](const Request&, Response& res) {
        const SchedulerStats s = ready_.load(std::memory_order_acquire) ? model_->scheduler->stats() : SchedulerStats{};
        res.set_content(render_metrics(counters_, s), "text/plain; version=0.0.4");
    });

    // Model endpoints answer 503 until attach().
    auto model_ready = [this](Response& res) {
        if (ready_.load(std::memory_order_acquire)) return true;
        send_error(res, {503, "the model is still loading; retry shortly", {}, "model_loading"});
        return false;
    };

    http_->Get("/v1/models", [this, model_ready](const Request&, Response& res) {
        if (!model_ready(res)) return;
        send_json(res, 200, models_body(opts_.model_id, model_->created, model_->scheduler->n_ctx()));
    });

    http_->Post("/tokenize", [this, model_ready](const Request& req, Response& res) {
        if (!model_ready(res)) return;
        auto body = parse_json_object(req.body);
        if (!body.ok()) return send_error(res, body.error);
        const json& b = *body.value;
        if (!b.contains("content") || !b["content"].is_string())
            return send_error(res, bad_request("'content' must be a string", "content"));
        const json add = b.value("add_special", json(false)), pieces = b.value("with_pieces", json(false));
        if (!add.is_boolean()) return send_error(res, bad_request("'add_special' must be true or false", "add_special"));
        if (!pieces.is_boolean())
            return send_error(res, bad_request("'with_pieces' must be true or false", "with_pieces"));
        const text::Tokenizer& tok = model_->engine->tokenizer();
        const std::vector<int32_t> ids = tok.encode(b["content"].get<std::string>(), add.get<bool>(), true);
        json out = json::array();
        for (int32_t id : ids)
            out.push_back(pieces.get<bool>() ? json{{"id", id}, {"piece", tok.token_to_piece(id, true)}} : json(id));
        send_json(res, 200, {{"tokens", out}});
    });

    http_->Post("/detokenize", [this, model_ready](const Request& req, Response& res) {
        if (!model_ready(res)) return;
        auto body = parse_json_object(req.body);
        if (!body.ok()) return send_error(res, body.error);
        const json& b = *body.value;
        const text::Tokenizer& tok = model_->engine->tokenizer();
        std::vector<int32_t> ids;
        if (b.contains("tokens") && b["tokens"].is_array()) {
            for (const json& t : b["tokens"]) {
                if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= tok.n_vocab()) break;
                ids.push_back(int32_t(t.get<int64_t>()));
            }
        }
        if (!b.contains("tokens") || !b["tokens"].is_array() || ids.size() != b["tokens"].size())
            return send_error(res, bad_request(fmt::format("'tokens' must be an array of token ids in 0..{}",
                                                           tok.n_vocab() - 1),
                                               "tokens"));
        send_json(res, 200, {{"content", tok.decode(ids)}});
    });

    auto generate = [this, model_ready](const Request& req, Response& res, bool chat) {
        if (!model_ready(res)) return;
        auto body = parse_json_object(req.body);
        if (!body.ok()) return send_error(res, body.error);
        const text::Tokenizer& tok = model_->engine->tokenizer();
        Prepared p;
        CommonRequest common;
        if (chat) {
            auto r = parse_chat_request(*body.value);
            if (!r.ok()) return send_error(res, r.error);
            if (!model_->chat)
                return send_error(res, {500, model_->chat_error, {}, "chat_template_unsupported"});
            auto text = render_chat(model_->chat->format, r.value->messages);
            if (!text)
                return send_error(res, bad_request("the chat template cannot be applied: " + text.error(), "messages"));
            p.spec.prompt = tok.encode(*text, true, true);
            p.spec.text_start = true;
            if (model_->end_of_turn_token >= 0) p.spec.stop_tokens.push_back(model_->end_of_turn_token);
            if (const char* t = chat_end_of_turn_text(model_->chat->format); *t) r.value->gen.stop.push_back(t);
            common = std::move(*r.value);
        } else {
            auto r = parse_completion_request(*body.value);
            if (!r.ok()) return send_error(res, r.error);
            if (const auto* s = std::get_if<std::string>(&r.value->prompt)) {
                p.spec.prompt = tok.encode(*s, true, true);
                if (r.value->echo) p.echo_text = *s;
            } else {
                p.spec.prompt = std::get<std::vector<int32_t>>(r.value->prompt);
                for (int32_t id : p.spec.prompt)
                    if (id >= tok.n_vocab())
                        return send_error(res, bad_request(fmt::format("'prompt' holds token id {}, outside the "
                                                                       "vocabulary of {} tokens",
                                                                       id, tok.n_vocab()),
                                                           "prompt"));
                if (r.value->echo) p.echo_text = tok.decode(p.spec.prompt);
            }
            common = std::move(*r.value);
        }
        if (!common.model.empty() && common.model != opts_.model_id)
            return send_error(res, {404, fmt::format("the model '{}' does not exist; this server serves '{}'",
                                                     common.model, opts_.model_id),
                                    "model", "model_not_found"});
        if (p.spec.prompt.empty()) p.spec.prompt.push_back(tok.bos());
        const int64_t n_ctx = model_->scheduler->n_ctx();
        if (int64_t(p.spec.prompt.size()) >= n_ctx)
            return send_error(res, {400,
                                    fmt::format("the prompt is {} tokens long, but a slot's context holds {} "
                                                "(and needs room for the reply); shorten it or restart the server "
                                                "with a larger -c",
                                                p.spec.prompt.size(), n_ctx),
                                    chat ? "messages" : "prompt", "context_length_exceeded"});
        p.spec.params = common.gen;
        p.spec.wake_per_piece = common.stream;

        auto r = std::make_shared<Reply>();
        r->job = model_->scheduler->submit(std::move(p.spec));
        if (!r->job)
            return send_error(res, {429,
                                    fmt::format("the server is busy: {} requests are already waiting for a slot; "
                                                "retry later",
                                                model_->scheduler->stats().queue_depth),
                                    {}, "queue_full"});
        r->head = {new_response_id(chat ? "chatcmpl-" : "cmpl-"), int64_t(std::time(nullptr)), opts_.model_id};
        r->tok = &tok;
        r->chat = chat;
        r->want_logprobs = common.gen.logprobs >= 0;
        r->include_usage = common.include_usage;
        r->echo_text = std::move(p.echo_text);
        r->fd = find_connection_socket(req.remote_addr, req.remote_port, req.local_port);
        if (!common.stream) return reply_whole(*r, res);
        res.set_header("Cache-Control", "no-cache");
        res.set_chunked_content_provider(
            "text/event-stream", [r](size_t, httplib::DataSink& sink) { return stream_step(*r, sink); },
            [r](bool ok) {
                if (!ok) r->job->cancel();  // the client left (or a write failed): free the slot
            });
    };
    http_->Post("/v1/completions", [generate](const Request& req, Response& res) { generate(req, res, false); });
    http_->Post("/v1/chat/completions", [generate](const Request& req, Response& res) { generate(req, res, true); });
}

}  // namespace locus::server
