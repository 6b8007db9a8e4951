// locus run: generate text from a prompt, streaming it, then print llama.cpp-style timings.
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "commands.h"
#include "common.h"
#include "runtime/session.h"
#include "text/detokenizer.h"
#include "text/sampler.h"

namespace locus::app {
namespace {

struct RunArgs {
    std::string model, prompt, prompt_file;
    int n_predict = -1;
    int64_t n_ctx = 0, n_batch = 512;
    int threads = 0;
    int64_t seed = -1;
    float temp = 0.8f, top_p = 0.95f, min_p = 0.05f, repeat_penalty = 1.0f;
    int top_k = 40, repeat_last_n = 64;
    bool ignore_eos = false, no_display_prompt = false;
    SparseFlags sparse;
    GpuFlags gpu;
};

void print_timing(const char* what, double ms, int64_t n, const char* unit) {
    std::fprintf(stderr, "locus: %-13s = %10.2f ms / %5lld %-6s (%8.2f ms per token, %9.2f tokens per second)\n", what,
                 ms, (long long)n, unit, n ? ms / double(n) : 0.0, ms > 0 ? 1000.0 * double(n) / ms : 0.0);
}

int run(const RunArgs& a) {
    const double t_start = now_ms();
    std::string prompt = a.prompt;
    if (!a.prompt_file.empty()) {
        std::ifstream in(a.prompt_file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "error: cannot read prompt file '%s'\n", a.prompt_file.c_str());
            return 1;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        prompt = ss.str();
    }
    const std::string path = a.model.empty() ? default_model_path() : a.model;
    auto engine = load_engine(path, a.threads, a.sparse, a.gpu, a.n_ctx, a.n_batch);
    if (!engine) return 1;
    SessionOptions so;
    so.n_ctx = a.n_ctx;
    so.n_batch = a.n_batch;
    auto session = Session::create(*engine, so);
    if (!session) {
        std::fprintf(stderr, "error: %s\n", session.error().c_str());
        return 1;
    }
    Session& s = **session;
    const double t_loaded = now_ms();

    const text::Tokenizer& tok = engine->tokenizer();
    std::vector<int32_t> tokens = tok.encode(prompt, true, true);
    if (tokens.empty()) tokens.push_back(tok.bos());
    if (int64_t(tokens.size()) >= s.n_ctx()) {
        std::fprintf(stderr, "error: the prompt is %zu tokens long, but the context holds %lld (use -c to enlarge it)\n",
                     tokens.size(), (long long)s.n_ctx());
        return 1;
    }

    text::SamplerParams sp;
    sp.temperature = a.temp;
    sp.top_k = a.top_k;
    sp.top_p = a.top_p;
    sp.min_p = a.min_p;
    sp.repeat_penalty = a.repeat_penalty;
    sp.repeat_last_n = a.repeat_last_n;
    sp.seed = a.seed < 0 ? std::random_device{}() : uint32_t(a.seed);
    text::Sampler sampler(sp);
    for (int32_t t : tokens) sampler.accept(t);

    text::StreamDecoder out(tok, true);
    if (!a.no_display_prompt) {
        for (int32_t t : tokens) std::fputs(out.feed(t).c_str(), stdout);
        std::fflush(stdout);
    }

    const double t_p0 = now_ms();
    if (Status st = s.eval(tokens); !st) {
        std::fprintf(stderr, "error: %s\n", st.message().c_str());
        return 1;
    }
    const double t_p1 = now_ms();
    s.reset_ffn_stats();  // the summary reports the FFN's share of decoding

    int64_t n_gen = 0;
    const int64_t limit = a.n_predict < 0 ? s.n_ctx() - int64_t(tokens.size()) : a.n_predict;
    while (n_gen < limit && s.n_past() < s.n_ctx()) {
        const int32_t next = sampler.sample(s.logits(0), int(s.n_vocab()));
        sampler.accept(next);
        ++n_gen;
        if (tok.is_eog(next) && !a.ignore_eos) break;
        std::fputs(out.feed(next).c_str(), stdout);
        std::fflush(stdout);
        if (n_gen == limit || s.n_past() >= s.n_ctx()) break;
        const int32_t one[] = {next};
        if (Status st = s.eval(one); !st) {
            std::fprintf(stderr, "\nerror: %s\n", st.message().c_str());
            return 1;
        }
    }
    std::fputs(out.flush().c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    const double t_end = now_ms();
    // Decode time counts the forward passes of generated tokens (the last sampled token is not evaluated).
    const int64_t n_eval = n_gen > 0 ? n_gen - 1 : 0;
    std::fprintf(stderr, "\nlocus: model %s, %d threads, sparse %s", path.c_str(), engine->n_threads(),
                 std::string(sparse_mode_name(engine->sparsity().mode)).c_str());
    if (engine->sparsity().mode == SparseMode::Predictor)
        std::fprintf(stderr, " (threshold %g)", double(engine->sparsity().threshold));
    std::fputc('\n', stderr);
    std::fprintf(stderr, "locus: load time     = %10.2f ms\n", t_loaded - t_start);
    print_timing("prompt eval", t_p1 - t_p0, int64_t(tokens.size()), "tokens");
    print_timing("decode", t_end - t_p1, n_eval, "runs");
    if (const auto& fs = s.ffn_stats(); fs.tokens > 0)
        std::fprintf(stderr, "locus: ffn           = %10.2f ms per token, %.2f MiB of FFN weights read per token "
                     "(%.2f MiB of other weights)\n", fs.ms / double(fs.tokens),
                     double(fs.weight_bytes) / double(fs.tokens) / (1 << 20),
                     double(weight_bytes(engine->weights()) - ffn_weight_bytes(engine->weights())) / (1 << 20));
    std::fprintf(stderr, "locus: total time    = %10.2f ms / %5lld tokens\n", t_end - t_start,
                 (long long)(tokens.size() + n_gen));
    print_gpu_timing(s);
    return 0;
}

}  // namespace

Runner add_run(CLI::App& app) {
    auto a = std::make_shared<RunArgs>();
    CLI::App* c = app.add_subcommand("run", "Generate text from a prompt");
    c->add_option("-m,--model", a->model, "GGUF model file (default: the bundled model)");
    c->add_option("-p,--prompt", a->prompt, "Prompt text");
    c->add_option("-f,--file", a->prompt_file, "Read the prompt from a file");
    c->add_option("-n,--n-predict", a->n_predict, "Tokens to generate (-1: until end of text or full context)");
    c->add_option("-c,--ctx-size", a->n_ctx, "Context size (0: the model's)");
    c->add_option("-b,--batch-size", a->n_batch, "Prompt tokens per forward pass")->check(CLI::PositiveNumber);
    c->add_option("-t,--threads", a->threads, "Threads (default: all hardware threads)");
    add_sparse_flags(c, a->sparse);
    add_gpu_flags(c, a->gpu);
    c->add_option("-s,--seed", a->seed, "Sampling seed (-1: random)");
    c->add_option("--temp", a->temp, "Temperature (0: greedy)");
    c->add_option("--top-k", a->top_k, "Top-k (0: off)");
    c->add_option("--top-p", a->top_p, "Top-p (1: off)");
    c->add_option("--min-p", a->min_p, "Min-p (0: off)");
    c->add_option("--repeat-penalty", a->repeat_penalty, "Repetition penalty (1: off)");
    c->add_option("--repeat-last-n", a->repeat_last_n, "Tokens the repetition penalty looks back on");
    c->add_flag("--ignore-eos", a->ignore_eos, "Keep generating after an end-of-text token");
    c->add_flag("--no-display-prompt", a->no_display_prompt, "Print only the generated text");
    return [a] { return run(*a); };
}

}  // namespace locus::app
