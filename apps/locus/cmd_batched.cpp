// locus batched: one prompt, N continuations generated together (one batched forward pass per step) on the
// server's scheduler.
#include <cstdio>
#include <random>

#include "commands.h"
#include "common.h"
#include "server/scheduler.h"

namespace locus::app {
namespace {

struct BatchedArgs {
    std::string model, prompt = "Once upon a time";
    int n_parallel = 4, n_predict = 32, threads = 0;
    int64_t n_ctx = 0, seed = -1;
    float temp = 0.8f, top_p = 0.95f, min_p = 0.05f;
    int top_k = 40;
};

int batched(const BatchedArgs& a) {
    const std::string path = a.model.empty() ? default_model_path() : a.model;
    auto engine = load_engine(path, a.threads);
    if (!engine) return 1;
    const text::Tokenizer& tok = engine->tokenizer();
    std::vector<int32_t> prompt = tok.encode(a.prompt, true, true);
    if (prompt.empty()) prompt.push_back(tok.bos());

    server::SchedulerOptions so;
    so.n_slots = a.n_parallel;
    so.n_ctx = a.n_ctx > 0 ? a.n_ctx : int64_t(prompt.size()) + a.n_predict + 1;
    so.max_queue = size_t(a.n_parallel);
    auto sched = server::Scheduler::create(*engine, so);
    if (!sched) {
        std::fprintf(stderr, "error: %s\n", sched.error().c_str());
        return 1;
    }
    if (int64_t(prompt.size()) >= (*sched)->n_ctx()) {
        std::fprintf(stderr, "error: the prompt is %zu tokens long, but the context holds %lld (use -c)\n",
                     prompt.size(), (long long)(*sched)->n_ctx());
        return 1;
    }
    const uint32_t seed = a.seed < 0 ? std::random_device{}() : uint32_t(a.seed);
    const double t0 = now_ms();
    std::vector<std::shared_ptr<server::Job>> jobs;
    for (int i = 0; i < a.n_parallel; ++i) {
        server::JobSpec spec;
        spec.prompt = prompt;
        spec.params.max_tokens = a.n_predict;
        spec.wake_per_piece = false;  // the text is printed at the end
        spec.params.sampler = {a.temp, a.top_k, a.top_p, a.min_p, 1.0f, 64, seed + uint32_t(i)};
        jobs.push_back((*sched)->submit(std::move(spec)));
    }
    int64_t n_gen = 0;
    for (int i = 0; i < a.n_parallel; ++i) {
        std::vector<server::Piece> pieces;
        while (!jobs[size_t(i)]->wait(pieces, std::chrono::milliseconds(100))) {}
        std::string text;
        for (const server::Piece& p : pieces) text += p.text;
        const server::JobOutcome o = jobs[size_t(i)]->outcome();
        if (o.reason == server::FinishReason::Error) {
            std::fprintf(stderr, "error: sequence %d: %s\n", i, o.error.c_str());
            return 1;
        }
        n_gen += o.completion_tokens;
        std::printf("sequence %d:\n%s%s\n\n", i, a.prompt.c_str(), text.c_str());
    }
    const double ms = now_ms() - t0;
    const server::SchedulerStats st = (*sched)->stats();
    std::fprintf(stderr, "locus: %d sequences, %lld tokens generated in %.2f ms (%.2f tokens/s), %llu batched steps\n",
                 a.n_parallel, (long long)n_gen, ms, ms > 0 ? 1000.0 * double(n_gen) / ms : 0.0,
                 (unsigned long long)st.steps);
    return 0;
}

}  // namespace

Runner add_batched(CLI::App& app) {
    auto a = std::make_shared<BatchedArgs>();
    CLI::App* c = app.add_subcommand("batched", "One prompt, N parallel continuations in one batch");
    c->add_option("-m,--model", a->model, "GGUF model file (default: the bundled model)");
    c->add_option("-p,--prompt", a->prompt, "Prompt text");
    c->add_option("--parallel,--np", a->n_parallel, "Continuations")->check(CLI::Range(1, 256));
    c->add_option("-n,--n-predict", a->n_predict, "Tokens per continuation")->check(CLI::NonNegativeNumber);
    c->add_option("-c,--ctx-size", a->n_ctx, "Context per sequence (0: prompt + n-predict)");
    c->add_option("-t,--threads", a->threads, "Threads (default: all hardware threads)");
    c->add_option("-s,--seed", a->seed, "Seed of the first sequence; sequence i uses seed + i (-1: random)");
    c->add_option("--temp", a->temp, "Temperature (0: greedy)");
    c->add_option("--top-k", a->top_k, "Top-k (0: off)");
    c->add_option("--top-p", a->top_p, "Top-p (1: off)");
    c->add_option("--min-p", a->min_p, "Min-p (0: off)");
    return [a] { return batched(*a); };
}

}  // namespace locus::app
