// locus serve: the OpenAI-compatible HTTP server (src/server) over one loaded model.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "commands.h"
#include "common.h"
#include "server/http_server.h"
#include "sparse/sparse_mode.h"

namespace locus::app {
namespace {

struct ServeArgs {
    std::string model, host = "127.0.0.1", api_key, chat_template, alias, sparse = "auto";
    int port = 8080, parallel = 1, threads = 0;
    int64_t n_ctx = 0, n_batch = 512;
    size_t queue = 64;
};

int serve(const ServeArgs& a) {
    auto sparse = parse_sparse_mode(a.sparse);
    if (!sparse) {
        std::fprintf(stderr, "error: --sparse must be auto, predictor, oracle or off (got '%s')\n", a.sparse.c_str());
        return 1;
    }
    const std::string path = a.model.empty() ? default_model_path() : a.model;
    server::ServerOptions so;
    so.host = a.host;
    so.port = a.port;
    so.api_key = a.api_key;
    so.chat_template = a.chat_template;
    so.model_id = a.alias.empty() ? std::filesystem::path(path).stem().string() : a.alias;
    so.scheduler.n_slots = a.parallel;
    so.scheduler.n_ctx = a.n_ctx;
    so.scheduler.max_queue = a.queue;
    so.scheduler.n_batch = a.n_batch;

    // SIGINT/SIGTERM go to one thread that stops the server; every thread started from here inherits the mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    std::unique_ptr<Engine> engine;  // declared first: it outlives the server that computes with it
    server::HttpServer http(so);
    auto port = http.bind();
    if (!port) {
        std::fprintf(stderr, "error: %s\n", port.error().c_str());
        return 1;
    }
    std::printf("locus: listening on http://%s:%d\n", a.host.c_str(), *port);
    std::fflush(stdout);
    std::atomic<bool> finishing{false};
    std::thread signals([&] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        if (!finishing) std::fprintf(stderr, "locus: signal %d, stopping\n", sig);
        http.stop();
    });
    std::thread listener([&] { http.listen(); });
    // Every way out stops the server, wakes the signal thread and joins it before `http` is destroyed.
    auto finish = [&](int code) {
        finishing = true;
        http.stop();
        if (listener.joinable()) listener.join();
        pthread_kill(signals.native_handle(), SIGTERM);
        signals.join();
        return code;
    };

    // Requests for the model get 503 while it loads.
    EngineOptions eo;
    eo.model_path = path;
    eo.n_threads = a.threads;
    eo.sparse = *sparse;
    auto loaded = Engine::load(eo);
    if (!loaded) {
        std::fprintf(stderr, "error: %s\n", loaded.error().c_str());
        return finish(1);
    }
    engine = std::move(*loaded);
    std::string note;
    if (Status st = http.attach(*engine, &note); !st) {
        std::fprintf(stderr, "error: %s\n", st.message().c_str());
        return finish(1);
    }
    std::fprintf(stderr, "locus: %s\n", note.c_str());
    std::printf("locus: model '%s' ready: %d slots, %d threads%s\n", so.model_id.c_str(), a.parallel,
                engine->n_threads(), a.api_key.empty() ? "" : ", API key required");
    std::fflush(stdout);
    listener.join();  // returns once a signal has stopped the server
    return finish(0);
}

}  // namespace

Runner add_serve(CLI::App& app) {
    auto a = std::make_shared<ServeArgs>();
    CLI::App* c = app.add_subcommand("serve", "OpenAI-compatible HTTP server with continuous batching");
    c->add_option("-m,--model", a->model, "GGUF model file (default: the bundled model)");
    c->add_option("--host", a->host, "Address to listen on (default 127.0.0.1: this machine only)");
    c->add_option("--port", a->port, "Port (0: any free port, printed at start)")->check(CLI::Range(0, 65535));
    c->add_option("--parallel,--np", a->parallel, "Slots: requests generated together in one batch")
        ->check(CLI::Range(1, 256));
    c->add_option("-c,--ctx-size", a->n_ctx, "Context per slot in tokens (0: the model's)");
    c->add_option("-b,--batch-size", a->n_batch, "Tokens per forward pass")->check(CLI::PositiveNumber);
    c->add_option("--queue", a->queue, "Requests that may wait for a slot; more get 429")->check(CLI::Range(1, 4096));
    c->add_option("--api-key", a->api_key, "Require 'Authorization: Bearer KEY' (except on / and /health)");
    c->add_option("--chat-template", a->chat_template,
                  "Chat format: chatml (qwen), llama2, llama3, mistral, zephyr, plain (default: the model's)");
    c->add_option("--alias", a->alias, "Model name for the API (default: the file name without .gguf)");
    c->add_option("-t,--threads", a->threads, "Threads (default: all hardware threads)");
    c->add_option("--sparse", a->sparse, "FFN sparsity: auto, predictor, oracle, off");
    return [a] { return serve(*a); };
}

}  // namespace locus::app
