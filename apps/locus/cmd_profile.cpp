// locus profile: run a model over a text and report how often each FFN neuron fires: per layer the mean
// active fraction, how much of all firings the hottest neurons cover, and (when the model has predictors)
// the predictors' recall and precision against the true activations. -o FILE writes the counts as an activation
// profile file (sparse/activation_profile.h) for `locus plan --profile`.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "common.h"
#include "runtime/session.h"
#include "sparse/activation_counts.h"
#include "sparse/activation_profile.h"

namespace locus::app {
namespace {

struct ProfileArgs {
    std::string model, file, prompt, output;
    int64_t n_tokens = 2048, n_ctx = 512, n_batch = 512;
    int threads = 0;
    SparseFlags sparse;
    GpuFlags gpu;
};

int profile(ProfileArgs a) {
    std::string text = a.prompt;
    if (!a.file.empty()) {
        std::ifstream in(a.file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "error: cannot read '%s'\n", a.file.c_str());
            return 1;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    if (text.empty()) {
        std::fprintf(stderr, "error: give a text to profile with -f FILE or -p TEXT\n");
        return 1;
    }
    if (a.sparse.mode == "auto") a.sparse.mode = "oracle";  // the true activations, not the predicted ones
    auto engine = load_engine(a.model.empty() ? default_model_path() : a.model, a.threads, a.sparse, a.gpu, a.n_ctx,
                              std::min(a.n_batch, a.n_ctx));
    if (!engine) return 1;
    SessionOptions so;
    so.n_ctx = a.n_ctx;
    so.n_batch = std::min(a.n_batch, a.n_ctx);
    auto session = Session::create(*engine, so);
    if (!session) {
        std::fprintf(stderr, "error: %s\n", session.error().c_str());
        return 1;
    }
    Session& s = **session;
    std::vector<int32_t> tokens = engine->tokenizer().encode(text, false, false);
    if (int64_t(tokens.size()) > a.n_tokens) tokens.resize(size_t(a.n_tokens));
    ActivationCounts counts;
    if (Status st = s.set_activation_counts(&counts); !st) {
        std::fprintf(stderr, "error: %s\n", st.message().c_str());
        return 1;
    }
    const double t0 = now_ms();
    // Chunks of the context size, each starting afresh with BOS, like perplexity.
    const int64_t per_chunk = a.n_ctx - 1;
    for (size_t b = 0; b < tokens.size(); b += size_t(per_chunk)) {
        std::vector<int32_t> chunk = {engine->tokenizer().bos()};
        chunk.insert(chunk.end(), tokens.begin() + long(b), tokens.begin() + long(std::min(tokens.size(), b + per_chunk)));
        s.clear(0);
        if (Status st = s.eval(chunk); !st) {
            std::fprintf(stderr, "error: %s\n", st.message().c_str());
            return 1;
        }
        const double dt = now_ms() - t0;
        std::fprintf(stderr, "\rprofile: %lld tokens, %.1f tokens/s", (long long)counts.n_tokens,
                     double(counts.n_tokens) * 1000.0 / std::max(dt, 1e-3));
    }
    std::fprintf(stderr, "\n");
    if (counts.fired.empty()) {
        std::fprintf(stderr, "error: nothing was counted\n");
        return 1;
    }
    const bool pred = counts.has_predictions();
    std::printf("| layer | active %% | top 10%% cover | top 30%% cover | top 50%% cover |%s\n",
                pred ? " recall | precision |" : "");
    std::printf("|---|---|---|---|---|%s\n", pred ? "---|---|" : "");
    auto row = [&](const char* name, int64_t l) {
        std::printf("| %s | %.2f | %.3f | %.3f | %.3f |", name, 100 * counts.active_fraction(l), counts.coverage(0.1, l),
                    counts.coverage(0.3, l), counts.coverage(0.5, l));
        if (pred) std::printf(" %.3f | %.3f |", counts.recall(l), counts.precision(l));
        std::printf("\n");
    };
    for (int64_t l = 0; l < int64_t(counts.fired.size()); ++l) row(std::to_string(l).c_str(), l);
    row("all", -1);
    if (pred) {
        // "all" pools the firings of every layer; the recall target is the plain mean over layers.
        double mr = 0, mp = 0;
        const int64_t L = int64_t(counts.fired.size());
        for (int64_t l = 0; l < L; ++l) {
            mr += counts.recall(l);
            mp += counts.precision(l);
        }
        std::printf("mean over layers: recall %.4f, precision %.4f\n", mr / double(L), mp / double(L));
    }
    std::printf("tokens: %lld, mode: %s\n", (long long)counts.n_tokens,
                std::string(sparse_mode_name(engine->sparsity().mode)).c_str());
    if (!a.output.empty()) {
        if (Status st = write_activation_profile(a.output, counts); !st) {
            std::fprintf(stderr, "error: %s\n", st.message().c_str());
            return 1;
        }
        std::printf("wrote activation profile %s\n", a.output.c_str());
    }
    return 0;
}

}  // namespace

Runner add_profile(CLI::App& app) {
    auto a = std::make_shared<ProfileArgs>();
    CLI::App* c = app.add_subcommand("profile", "Measure how often each FFN neuron fires over a text");
    c->add_option("-m,--model", a->model, "GGUF model file (default: the bundled model)");
    c->add_option("-f,--file", a->file, "Text file");
    c->add_option("-p,--prompt", a->prompt, "Text");
    c->add_option("-n,--n-tokens", a->n_tokens, "Profile at most this many tokens")->check(CLI::PositiveNumber);
    c->add_option("-c,--ctx-size", a->n_ctx, "Chunk (context) size")->check(CLI::Range(int64_t(2), int64_t(1) << 20));
    c->add_option("-b,--batch-size", a->n_batch, "Tokens per forward pass")->check(CLI::PositiveNumber);
    c->add_option("-t,--threads", a->threads, "Threads");
    c->add_option("-o,--output", a->output, "Write the counts to this activation profile file (for locus plan)");
    add_sparse_flags(c, a->sparse);
    add_gpu_flags(c, a->gpu);  // -ngl N: the last N layers (and their counts) on the GPU
    return [a] { return profile(*a); };
}

}  // namespace locus::app
