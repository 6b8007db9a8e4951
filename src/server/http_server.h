// The OpenAI-compatible HTTP front end on cpp-httplib: routes, API key check, error shapes, streaming. It can
// listen before the model is loaded (answering 503 until attach()).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "runtime/engine.h"
#include "server/chat_template.h"
#include "server/metrics.h"
#include "server/scheduler.h"

namespace httplib { class Server; }

namespace locus::server {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;                 // 0: any free port (see HttpServer::bind)
    std::string api_key;             // "": no key needed
    std::string model_id;            // the name /v1/models reports and requests may give
    std::string chat_template;       // --chat-template override, "" to use the model's
    SchedulerOptions scheduler;
    size_t max_body_bytes = 8u << 20;  // larger request bodies get 413
};

class HttpServer {
public:
    explicit HttpServer(ServerOptions opts);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds the listening socket; returns the port (the chosen one when the options say 0).
    Expected<int> bind();
    // Serves until stop(); call after bind(), from the thread that should run the accept loop.
    void listen();
    // Puts the model into service: starts the scheduler and chooses the chat format (a chat format that cannot
    // be chosen is logged in `note` and answered on /v1/chat/completions). Before this, model endpoints give 503.
    Status attach(Engine& engine, std::string* note);
    // Stops listening and ends every generation.
    void stop();

private:
    struct Model;
    void routes();
    ServerOptions opts_;
    std::unique_ptr<httplib::Server> http_;
    std::unique_ptr<Model> model_;
    std::atomic<bool> ready_{false};
    RequestCounters counters_;
};

}  // namespace locus::server
