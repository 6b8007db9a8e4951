// locus perplexity: llama.cpp's method. The text is tokenized, cut into chunks of n_ctx tokens whose first
// token is replaced by BOS, and the negative log-likelihood of the second half of each chunk is averaged.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "common.h"
#include "runtime/session.h"

namespace locus::app {
namespace {

struct PplArgs {
    std::string model, file;
    int64_t n_ctx = 512, n_batch = 2048;
    int threads = 0;
    int64_t chunks = -1;
    bool no_leading_bos = false;
    SparseFlags sparse;
    GpuFlags gpu;
};

int perplexity(const PplArgs& a) {
    std::ifstream in(a.file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "error: cannot read '%s'\n", a.file.c_str());
        return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
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
    const text::Tokenizer& tok = engine->tokenizer();
    const double t0 = now_ms();
    const std::vector<int32_t> tokens = tok.encode(ss.str(), !a.no_leading_bos, false);
    const double t1 = now_ms();
    const int64_t n_ctx = a.n_ctx;
    int64_t n_chunks = int64_t(tokens.size()) / n_ctx;
    if (a.chunks >= 0) n_chunks = std::min(n_chunks, a.chunks);
    if (n_chunks == 0) {
        std::fprintf(stderr, "error: the text has %zu tokens, fewer than one chunk of %lld\n", tokens.size(),
                     (long long)n_ctx);
        return 1;
    }
    std::fprintf(stderr, "perplexity: tokenized %zu tokens in %.1f ms; %lld chunks of %lld, scoring positions %lld..%lld\n",
                 tokens.size(), t1 - t0, (long long)n_chunks, (long long)n_ctx, (long long)(n_ctx / 2),
                 (long long)(n_ctx - 2));
    double nll = 0, nll2 = 0;
    int64_t count = 0;
    std::vector<int32_t> chunk(n_ctx);
    const int64_t first = n_ctx / 2;
    for (int64_t c = 0; c < n_chunks; ++c) {
        std::copy(tokens.begin() + c * n_ctx, tokens.begin() + (c + 1) * n_ctx, chunk.begin());
        chunk[0] = tok.bos();
        s.clear();
        if (Status st = s.eval(chunk, 0, true); !st) {
            std::fprintf(stderr, "error: %s\n", st.message().c_str());
            return 1;
        }
        for (int64_t i = first; i < n_ctx - 1; ++i) {
            const float* lg = s.logits(i);
            float mx = lg[0];
            for (int64_t v = 1; v < s.n_vocab(); ++v) mx = std::max(mx, lg[v]);
            double sum = 0;
            for (int64_t v = 0; v < s.n_vocab(); ++v) sum += std::exp(double(lg[v]) - mx);
            const double l = -(double(lg[chunk[i + 1]]) - mx - std::log(sum));
            nll += l;
            nll2 += l * l;
            ++count;
        }
        std::printf("[%lld]%.4f,", (long long)(c + 1), std::exp(nll / double(count)));
        std::fflush(stdout);
    }
    const double mean = nll / double(count);
    const double var = nll2 / double(count) - mean * mean;
    const double ppl = std::exp(mean);
    const double err = count > 1 ? ppl * std::sqrt(std::max(0.0, var) / double(count - 1)) : 0.0;
    std::printf("\nFinal estimate: PPL = %.4f +/- %.5f (%lld tokens scored)\n", ppl, err, (long long)count);
    std::fprintf(stderr, "perplexity: %.2f s, %.1f tokens/s\n", (now_ms() - t1) / 1000.0,
                 double(n_chunks * n_ctx) / ((now_ms() - t1) / 1000.0));
    return 0;
}

}  // namespace

Runner add_perplexity(CLI::App& app) {
    auto a = std::make_shared<PplArgs>();
    CLI::App* c = app.add_subcommand("perplexity", "Perplexity of a model on a text file (llama.cpp's method)");
    c->add_option("-m,--model", a->model, "GGUF model file (default: the bundled model)");
    c->add_option("-f,--file", a->file, "Text file")->required();
    c->add_option("-c,--ctx-size", a->n_ctx, "Chunk (context) size")->check(CLI::Range(int64_t(4), int64_t(1) << 20));
    c->add_option("-b,--batch-size", a->n_batch, "Tokens per forward pass")->check(CLI::PositiveNumber);
    c->add_option("-t,--threads", a->threads, "Threads");
    add_sparse_flags(c, a->sparse);
    add_gpu_flags(c, a->gpu);
    c->add_option("--chunks", a->chunks, "Score at most this many chunks");
    c->add_flag("--no-leading-bos", a->no_leading_bos,
                "Tokenize the text without a leading BOS (shifts the chunks by one token; llama.cpp's tool adds it)");
    return [a] { return perplexity(*a); };
}

}  // namespace locus::app
