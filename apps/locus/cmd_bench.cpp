// locus bench: llama-bench-style measurements. pp<P>: one forward pass over P prompt tokens from an empty
// cache; tg<N>: N single-token decode steps from an empty cache. One warm-up run, then R timed runs.
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>
#include <vector>

#include "commands.h"
#include "common.h"
#include "runtime/session.h"

namespace locus::app {
namespace {

struct BenchArgs {
    std::string model;
    std::vector<int> threads{0};
    int n_prompt = 512, n_gen = 128, reps = 5;
    std::string output = "md";
};

struct Result { std::string test; int threads; double mean, stdev; std::vector<double> samples; };

std::string json_escape(const std::string& s) {
    std::string r;
    for (char c : s) {
        if (c == '"' || c == '\\') r += '\\';
        r += c;
    }
    return r;
}

// Times one run (ms) of the test; the cache is cleared first.
double time_run(Session& s, const std::vector<int32_t>& prompt, bool generate, int n) {
    s.clear();
    const double t0 = now_ms();
    if (!generate) {
        if (Status st = s.eval(prompt); !st) throw std::runtime_error(st.message());
    } else {
        int32_t tok = prompt[0];
        for (int i = 0; i < n; ++i) {
            const int32_t one[] = {tok};
            if (Status st = s.eval(one); !st) throw std::runtime_error(st.message());
            tok = prompt[(i + 1) % prompt.size()];
        }
    }
    return now_ms() - t0;
}

int bench(const BenchArgs& a) {
    const std::string path = a.model.empty() ? default_model_path() : a.model;
    std::vector<Result> results;
    std::string desc;
    uint64_t size = 0;
    for (int t : a.threads) {
        auto engine = load_engine(path, t);
        if (!engine) return 1;
        desc = engine->spec().arch + " " + std::to_string(engine->spec().n_layer) + "L " +
               std::to_string(engine->spec().n_embd);
        size = weight_bytes(engine->weights());
        SessionOptions so;
        so.n_ctx = std::max<int64_t>(a.n_prompt + a.n_gen + 1, 16);
        so.n_batch = std::max(a.n_prompt, 1);
        auto session = Session::create(*engine, so);
        if (!session) {
            std::fprintf(stderr, "error: %s\n", session.error().c_str());
            return 1;
        }
        std::mt19937 rng(1234);
        std::vector<int32_t> prompt(std::max(a.n_prompt, 1));
        for (auto& tok : prompt) tok = int32_t(rng() % uint32_t(engine->spec().n_vocab));
        for (int kind = 0; kind < 2; ++kind) {
            const int n = kind == 0 ? a.n_prompt : a.n_gen;
            if (n <= 0) continue;
            try {
                time_run(**session, prompt, kind == 1, n);  // warm-up
                Result r{(kind == 0 ? "pp" : "tg") + std::to_string(n), engine->n_threads(), 0, 0, {}};
                for (int i = 0; i < a.reps; ++i) r.samples.push_back(1000.0 * n / time_run(**session, prompt, kind == 1, n));
                double sum = 0, sq = 0;
                for (double v : r.samples) sum += v;
                r.mean = sum / r.samples.size();
                for (double v : r.samples) sq += (v - r.mean) * (v - r.mean);
                r.stdev = r.samples.size() > 1 ? std::sqrt(sq / (r.samples.size() - 1)) : 0.0;
                results.push_back(r);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "error: %s\n", e.what());
                return 1;
            }
        }
    }
    if (a.output == "jsonl") {
        for (const Result& r : results) {
            std::printf("{\"engine\":\"locus\",\"model\":\"%s\",\"test\":\"%s\",\"threads\":%d,"
                        "\"tokens_per_s_mean\":%.3f,\"tokens_per_s_std\":%.3f,\"reps\":%zu,\"size_bytes\":%llu,"
                        "\"desc\":\"%s\",\"samples\":[",
                        json_escape(path).c_str(), r.test.c_str(), r.threads, r.mean, r.stdev, r.samples.size(),
                        (unsigned long long)size, json_escape(desc).c_str());
            for (size_t i = 0; i < r.samples.size(); ++i) std::printf("%s%.3f", i ? "," : "", r.samples[i]);
            std::printf("]}\n");
        }
    } else {
        std::printf("| model | size | threads | test | t/s |\n| --- | ---: | ---: | ---: | ---: |\n");
        for (const Result& r : results)
            std::printf("| %s | %.2f GiB | %d | %s | %.2f ± %.2f |\n", desc.c_str(), double(size) / (1 << 30),
                        r.threads, r.test.c_str(), r.mean, r.stdev);
    }
    return 0;
}

}  // namespace

Runner add_bench(CLI::App& app) {
    auto a = std::make_shared<BenchArgs>();
    CLI::App* c = app.add_subcommand("bench", "Measure prompt and generation speed (llama-bench style)");
    c->add_option("-m,--model", a->model, "GGUF model file (default: the bundled model)");
    c->add_option("-t,--threads", a->threads, "Thread counts (several allowed)")->delimiter(',');
    c->add_option("-p,--n-prompt", a->n_prompt, "Prompt tokens (0: skip)");
    c->add_option("-n,--n-gen", a->n_gen, "Generated tokens (0: skip)");
    c->add_option("-r,--repetitions", a->reps, "Timed runs per test")->check(CLI::PositiveNumber);
    c->add_option("-o,--output", a->output, "md or jsonl")->check(CLI::IsMember({"md", "jsonl"}));
    return [a] { return bench(*a); };
}

}  // namespace locus::app
