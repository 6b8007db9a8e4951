// locus bench: llama-bench-style measurements. pp<P>: one forward pass over P prompt tokens from an empty
// cache; tg<N>: N single-token decode steps from an empty cache. One warm-up run, then R timed runs. Thread
// counts, sparse modes and VRAM budgets may each be lists: every combination is measured in one call.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "commands.h"
#include "common.h"
#include "runtime/placement.h"
#include "runtime/session.h"

namespace locus::app {
namespace {

struct BenchArgs {
    std::string model;
    std::vector<int> threads{0};
    std::vector<int> n_prompt{512}, n_gen{128};
    std::vector<std::string> sparse{"auto"};
    std::vector<double> vram{-1.0};
    std::vector<int> ngl{0};
    int reps = 5;
    std::string output = "md";
    bool sparse_given = false, vram_given = false;
};

// One configuration measured: where it ran and what it gave.
struct Result {
    std::string test, sparse, backend;
    int threads = 0, n_prompt = 0, n_gen = 0;
    double vram = -1, mean = 0, stdev = 0;
    std::vector<double> samples;  // tokens per second of each timed run
    // Over the timed runs: FFN milliseconds and FFN weight MiB read per token, and the other weights' MiB.
    double ffn_ms = 0, ffn_mib = 0, other_mib = 0;
    // The sparse FFN's stages per token (zero for the dense FFN): ms and weight MiB each.
    struct Stage { double ms = 0, mib = 0; } select, rows, down;
};

struct ModelFacts { std::string desc; uint64_t size = 0; int64_t params = 0; };

// Times one run (ms) of the test; the cache is cleared first.
Status time_run(Session& s, const std::vector<int32_t>& tokens, bool generate, int n, double& ms) {
    s.clear();
    const double t0 = now_ms();
    if (!generate) {
        LOCUS_TRY(s.eval(std::span<const int32_t>(tokens.data(), size_t(n))));
    } else {
        int32_t tok = tokens[0];
        for (int i = 0; i < n; ++i) {
            const int32_t one[] = {tok};
            LOCUS_TRY(s.eval(one));
            tok = tokens[size_t(i + 1) % tokens.size()];
        }
    }
    ms = now_ms() - t0;
    return Status::ok();
}

void summarize(Result& r) {
    double sum = 0, sq = 0;
    for (double v : r.samples) sum += v;
    r.mean = sum / double(r.samples.size());
    for (double v : r.samples) sq += (v - r.mean) * (v - r.mean);
    r.stdev = r.samples.size() > 1 ? std::sqrt(sq / double(r.samples.size() - 1)) : 0.0;
}

// Runs every test of one loaded configuration.
Status bench_engine(Engine& engine, const BenchArgs& a, Result base, std::vector<Result>& out) {
    int max_p = 1, max_n = 0;
    for (int p : a.n_prompt) max_p = std::max(max_p, p);
    for (int n : a.n_gen) max_n = std::max(max_n, n);
    SessionOptions so;
    so.n_ctx = std::max<int64_t>(max_p + max_n + 1, 16);
    so.n_batch = max_p;
    auto session = Session::create(engine, so);
    if (!session) return session.status();
    std::mt19937 rng(1234);
    std::vector<int32_t> tokens(static_cast<size_t>(max_p));
    for (auto& tok : tokens) tok = int32_t(rng() % uint32_t(engine.spec().n_vocab));
    base.threads = engine.n_threads();
    for (int kind = 0; kind < 2; ++kind) {
        for (int n : kind == 0 ? a.n_prompt : a.n_gen) {
            if (n <= 0) continue;
            Result r = base;
            r.test = (kind == 0 ? "pp" : "tg") + std::to_string(n);
            (kind == 0 ? r.n_prompt : r.n_gen) = n;
            double ms = 0;
            LOCUS_TRY(time_run(**session, tokens, kind == 1, n, ms));  // warm-up
            (*session)->reset_ffn_stats();
            for (int i = 0; i < a.reps; ++i) {
                LOCUS_TRY(time_run(**session, tokens, kind == 1, n, ms));
                r.samples.push_back(1000.0 * n / ms);
            }
            const auto& fs = (*session)->ffn_stats();
            if (fs.tokens > 0) {
                r.ffn_ms = fs.ms / double(fs.tokens);
                r.ffn_mib = double(fs.weight_bytes) / double(fs.tokens) / (1 << 20);
                auto per_token = [&](const ForwardScratch::FfnStats::Stage& st) {
                    return Result::Stage{st.ms / double(fs.tokens), double(st.bytes) / double(fs.tokens) / (1 << 20)};
                };
                r.select = per_token(fs.select), r.rows = per_token(fs.rows), r.down = per_token(fs.down);
            }
            r.other_mib = double(weight_bytes(engine.weights()) - ffn_weight_bytes(engine.weights())) / (1 << 20);
            summarize(r);
            out.push_back(std::move(r));
        }
    }
    return Status::ok();
}

std::string human(double v, const char* const units[], int n_units, double step) {
    int u = 0;
    while (u + 1 < n_units && v >= step) {
        v /= step;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
    return buf;
}

std::string format_size(uint64_t bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    return human(double(bytes), units, 5, 1024.0);
}

std::string format_params(int64_t n) {
    static const char* const units[] = {"", "K", "M", "B", "T"};
    return human(double(n), units, 5, 1000.0);
}

nlohmann::json to_json(const Result& r, const ModelFacts& m, const std::string& path) {
    return {{"engine", "locus"}, {"model", path}, {"desc", m.desc}, {"size_bytes", m.size}, {"params", m.params},
            {"backend", r.backend}, {"threads", r.threads}, {"sparse", r.sparse}, {"vram_budget_gib", r.vram},
            {"test", r.test}, {"n_prompt", r.n_prompt}, {"n_gen", r.n_gen}, {"reps", r.samples.size()},
            {"tokens_per_s_mean", r.mean}, {"tokens_per_s_std", r.stdev}, {"samples", r.samples},
            {"ffn_ms_per_token", r.ffn_ms}, {"ffn_weight_mib_per_token", r.ffn_mib},
            {"other_weight_mib_per_token", r.other_mib},
            {"ffn_stages_per_token",
             {{"select", {{"ms", r.select.ms}, {"mib", r.select.mib}}},
              {"rows", {{"ms", r.rows.ms}, {"mib", r.rows.mib}}},
              {"down", {{"ms", r.down.ms}, {"mib", r.down.mib}}}}}};
}

void print_markdown(const std::vector<Result>& results, const ModelFacts& m, const BenchArgs& a) {
    std::printf("| model | size | params | backend | threads |%s%s test | t/s |\n", a.sparse_given ? " sparse |" : "",
                a.vram_given ? " vram GiB |" : "");
    std::printf("| --- | ---: | ---: | --- | ---: |%s%s ---: | ---: |\n", a.sparse_given ? " --- |" : "",
                a.vram_given ? " ---: |" : "");
    for (const Result& r : results) {
        std::printf("| %s | %s | %s | %s | %d |", m.desc.c_str(), format_size(m.size).c_str(),
                    format_params(m.params).c_str(), r.backend.c_str(), r.threads);
        if (a.sparse_given) std::printf(" %s |", r.sparse.c_str());
        if (a.vram_given) std::printf(" %s |", r.vram < 0 ? "auto" : fmt::format("{:g}", r.vram).c_str());
        std::printf(" %s | %.2f ± %.2f |\n", r.test.c_str(), r.mean, r.stdev);
    }
}

int bench(const BenchArgs& a) {
    const std::string path = a.model.empty() ? default_model_path() : a.model;
    // Every configuration is checked before anything runs.
    std::vector<SparseMode> modes;
    for (const std::string& s : a.sparse) {
        auto m = parse_sparse_mode(s);
        if (!m) {
            std::fprintf(stderr, "error: --sparse: '%s' is not auto, predictor, oracle or off\n", s.c_str());
            return 1;
        }
        modes.push_back(*m);
    }
    for (double v : a.vram) {
#ifdef LOCUS_HAVE_CUDA
        // Positive budgets go to the GPU backend, which reports what does not fit when it loads.
        const Status st = std::isnan(v) ? Status::error("VRAM budget is not a number") : Status::ok();
#else
        const Status st = check_vram_budget(v);
#endif
        if (!st) {
            std::fprintf(stderr, "error: --vram-budget: %s\n", st.message().c_str());
            return 1;
        }
    }

    std::vector<Result> results;
    ModelFacts facts;
    for (double vram : a.vram) {
      for (int ngl : a.ngl) {
        for (SparseMode mode : modes) {
            for (int t : a.threads) {
                EngineOptions eo;
                eo.model_path = path;
                eo.n_threads = t;
                eo.sparse = mode;
                // A positive budget or -ngl uses the GPU (CUDA builds); the session's sizes plan its buffers.
                if (vram > 0) eo.gpu.vram_budget_gib = vram;
                eo.gpu.n_gpu_layers = ngl;
                int max_p = 1, max_n = 0;
                for (int p : a.n_prompt) max_p = std::max(max_p, p);
                for (int n : a.n_gen) max_n = std::max(max_n, n);
                eo.gpu.n_ctx = std::max<int64_t>(max_p + max_n + 1, 16);
                eo.gpu.max_tokens = max_p;
                auto engine = Engine::load(eo);
                if (!engine) {
                    std::fprintf(stderr, "error: %s\n", engine.error().c_str());
                    return 1;
                }
                const ModelSpec& spec = (*engine)->spec();
                facts.desc = spec.arch + " " + std::to_string(spec.n_layer) + "L " + std::to_string(spec.n_embd);
                facts.size = weight_bytes((*engine)->weights());
                facts.params = 0;
                for (const auto& tensor : (*engine)->file().tensors()) facts.params += tensor.n_elements();
                Result base;
                base.sparse = std::string(sparse_mode_name(mode));
                base.vram = vram;
                std::string backend = placement_of(**engine).backend;
                for (char& c : backend) c = char(std::toupper(static_cast<unsigned char>(c)));
                base.backend = backend;
                if (ngl != 0) base.backend += " ngl " + std::to_string(ngl);
                if (Status st = bench_engine(**engine, a, base, results); !st) {
                    std::fprintf(stderr, "error: %s\n", st.message().c_str());
                    return 1;
                }
            }
        }
      }
    }
    if (a.output == "jsonl") {
        for (const Result& r : results) std::printf("%s\n", to_json(r, facts, path).dump().c_str());
    } else if (a.output == "json") {
        nlohmann::json all = nlohmann::json::array();
        for (const Result& r : results) all.push_back(to_json(r, facts, path));
        std::printf("%s\n", all.dump(2).c_str());
    } else {
        print_markdown(results, facts, a);
    }
    return 0;
}

}  // namespace

Runner add_bench(CLI::App& app) {
    auto a = std::make_shared<BenchArgs>();
    CLI::App* c = app.add_subcommand("bench", "Measure prompt and generation speed (llama-bench style)");
    c->add_option("-m,--model", a->model, "GGUF model file (default: the bundled model)");
    c->add_option("-t,--threads", a->threads, "Thread counts, comma-separated (0: all hardware threads)")
        ->delimiter(',');
    c->add_option("-p,--n-prompt", a->n_prompt, "Prompt lengths, comma-separated (0: skip)")->delimiter(',');
    c->add_option("-n,--n-gen", a->n_gen, "Generated lengths, comma-separated (0: skip)")->delimiter(',');
    c->add_option("-r,--repetitions", a->reps, "Timed runs per test")->check(CLI::PositiveNumber);
    CLI::Option* sparse =
        c->add_option("--sparse", a->sparse, "FFN sparsity modes, comma-separated: auto, predictor, oracle, off")
            ->delimiter(',');
    CLI::Option* vram = c->add_option("--vram-budget", a->vram,
                                      "VRAM budgets in GiB, comma-separated (< 0: automatic, 0: CPU only, > 0 "
                                      "needs a CUDA build)")
                            ->delimiter(',');
    c->add_option("--n-gpu-layers", a->ngl, "-ngl: GPU layers of dense models, comma-separated (CUDA builds)")
        ->delimiter(',');
    c->add_option("-o,--output", a->output, "md, json (one array) or jsonl (one object per line)")
        ->check(CLI::IsMember({"md", "json", "jsonl"}));
    return [a, sparse, vram] {
        a->sparse_given = sparse->count() > 0;
        a->vram_given = vram->count() > 0;
        return bench(*a);
    };
}

}  // namespace locus::app
