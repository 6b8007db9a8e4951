// GPU end-to-end checks and decode benchmark (run on the device machine by scripts/gpu_e2e.sh).
//   locus_gpu_e2e check STORIES.gguf SPARSE_F32.gguf SPARSE_F16.gguf
//       greedy tokens and logits: CPU-only vs layer offload (-ngl partial, all, all + head) on the dense model;
//       CPU-only vs hybrid (GPU attention of a few layers; 30% hot neurons; every neuron hot) on the sparse ones.
//   locus_gpu_e2e bench DENSE.gguf SPARSE.gguf BUDGETS_GIB(comma list) [N_GEN]   (a model given as - is skipped)
//       decode tokens/s for CPU-only, -ngl filling each budget, full GPU, CPU sparse and hybrid per budget, each
//       next to its bandwidth bound (bandwidths measured in the same run). LOCUS_E2E_GRAPHS_AB=1: every GPU
//       configuration first without CUDA graphs (LOCUS_CUDA_GRAPHS=0), then with them (=sparse: the sparse model's only).
//       LOCUS_E2E_INT8_AB likewise with Q4_0 products on F32 activations (LOCUS_MATVEC_INT8=0) first.
//       LOCUS_E2E_RESIDENT=0: weights read from the file mapping (default: in huge pages, as the Engine loads
//       them); =ab: the sparse model's hybrid budgets from the mapping first. LOCUS_E2E_THREADS=16,12: each
//       configuration at these thread counts. LOCUS_E2E_METHODS=1: the planner's baselines too.
//       LOCUS_E2E_LAYER_COSTS=0,8: the planner also with these costs per CPU layer (MiB).
//       LOCUS_E2E_REPEAT=3: every configuration three times, round robin; the table gives median and range.
// Exit code 0 only if every check passed. Without a GPU: 77.
#include <cuda_runtime.h>
#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_pool.h"
#include "cuda/gpu_runner.h"
#include "e2e_model.h"
#include "sparse/footprint.h"

using namespace locus;
using namespace locus::e2e;

namespace {

constexpr double kGiB = double(1ull << 30);

struct Row {
    std::string model, config;
    bool same_tokens = false;
    double err = 0, tol = 0;
    bool pass = false;
    std::string note;
};
std::vector<Row> g_rows;

// Largest per-step ||a - b|| / ||b|| over the logits of two runs (infinite if the step counts differ).
double logits_err(const DecodeResult& a, const DecodeResult& b) {
    if (a.logits.size() != b.logits.size()) return INFINITY;
    double worst = 0;
    for (size_t i = 0; i < a.logits.size(); ++i) {
        double d = 0, n = 0;
        for (size_t j = 0; j < b.logits[i].size(); ++j) {
            const double x = double(a.logits[i][j]) - b.logits[i][j];
            d += x * x;
            n += double(b.logits[i][j]) * b.logits[i][j];
            if (!std::isfinite(a.logits[i][j])) return INFINITY;
        }
        worst = std::max(worst, std::sqrt(d / std::max(n, 1e-30)));
    }
    return worst;
}

void compare(const std::string& model, const std::string& config, OpenModel& m, const GpuOptions& g,
             const DecodeOptions& o, const DecodeResult& ref, double tol) {
    auto r = greedy_decode(m, &g, o);
    Row row{model, config};
    row.tol = tol;
    if (!r) {
        row.note = "error: " + r.error();
    } else {
        row.same_tokens = r->tokens == ref.tokens;
        row.err = logits_err(*r, ref);
        row.pass = row.same_tokens && row.err <= tol;
        std::printf("--- %s / %s\n  placement: %s\n", model.c_str(), config.c_str(), r->placement.c_str());
        if (!r->gpu_report.empty()) std::printf("  %s\n", r->gpu_report.c_str());
        if (!row.same_tokens) row.note = "greedy tokens differ";
    }
    std::printf("  %s: tokens %s, logits rel err %.3g (tol %.0e)%s%s\n", row.pass ? "PASS" : "FAIL",
                row.same_tokens ? "same" : "DIFFER", row.err, tol, row.note.empty() ? "" : ": ", row.note.c_str());
    g_rows.push_back(row);
}

// The numbers of a comma-separated environment variable ("16,12,8"), up to the first that does not parse.
std::vector<double> env_numbers(const char* name) {
    std::vector<double> v;
    if (const char* e = std::getenv(name))
        for (const char* p = e; *p;) {
            char* end = nullptr;
            const double x = std::strtod(p, &end);
            if (end == p) break;
            v.push_back(x);
            p = *end == ',' ? end + 1 : end;
        }
    return v;
}

GpuOptions ngl(int n, int64_t max_tokens, int64_t n_ctx) {
    GpuOptions g;
    g.n_gpu_layers = n;
    g.max_tokens = max_tokens;
    g.n_ctx = n_ctx;
    g.verbose = false;
    return g;
}

// --vram-budget gib for a PowerInfer file (-1: all free VRAM), without the .gpuidx cache.
GpuOptions hybrid(double gib, int64_t max_tokens, int64_t n_ctx) {
    GpuOptions g = ngl(0, max_tokens, n_ctx);
    g.vram_budget_gib = gib;
    g.disable_gpu_index = true;
    return g;
}

// -ngl k for the profile check (a named object: greedy_decode takes a pointer).
const GpuOptions& ngl_opts_for_profile(int k, const DecodeOptions& o) {
    static GpuOptions g;
    g = ngl(k, o.max_tokens, o.n_ctx);
    return g;
}

int check(const std::string& stories, const std::vector<std::string>& sparse_models) {
    // Dense: stories260K (F32). The prompt fits one matvec batch; the long prompt goes through the GEMM path.
    {
        auto m = open_model(stories, SparseMode::Off);
        if (!m) {
            std::printf("error: %s\n", m.error().c_str());
            return 1;
        }
        DecodeOptions o;
        o.prompt = {1, 200, 300, 42, 77, 9};
        o.n_gen = 32;
        o.n_ctx = 128;
        auto ref = greedy_decode(**m, nullptr, o);
        if (!ref) {
            std::printf("error: CPU run: %s\n", ref.error().c_str());
            return 1;
        }
        const int64_t n = (*m)->spec.n_layer;
        for (int k : {1, 2, int(n), int(n) + 1, -1})
            compare("stories260K", "-ngl " + std::to_string(k), **m, ngl(k, o.max_tokens, o.n_ctx), o, *ref, 1e-3);
        DecodeOptions one = o;
        one.prompt_one_by_one = true;
        auto ref1 = greedy_decode(**m, nullptr, one);
        if (ref1) compare("stories260K", "-ngl 3, prompt token by token", **m, ngl(3, o.max_tokens, o.n_ctx), one, *ref1, 1e-3);
        DecodeOptions lng = o;
        lng.prompt.clear();
        for (int i = 0; i < 48; ++i) lng.prompt.push_back(1 + (i * 37) % 500);
        lng.n_gen = 16;
        auto ref2 = greedy_decode(**m, nullptr, lng);
        // Prompts of >= 32 tokens go through F16 cuBLAS (x rounded to F16): ~5e-4 per product.
        if (ref2) compare("stories260K", "-ngl -1, 48-token prompt (GEMM prefill)", **m, ngl(-1, lng.max_tokens, lng.n_ctx), lng,
                          *ref2, 1e-2);
    }
    // Profiling on the GPU (`locus profile -ngl`): the firing counts of a dense ReLU model (the project's trained
    // PAR model, F16) with every layer on the GPU against CPU-only. Mismatches can only come from activations
    // within rounding of zero.
    {
        const std::string relu = stories.substr(0, stories.find_last_of('/') + 1) + "relu-llama-tiny-par.gguf";
        auto m = open_model(relu, SparseMode::Off);
        if (!m) {
            std::printf("error: %s\n", m.error().c_str());
            return 1;
        }
        DecodeOptions o;
        const int vocab = int((*m)->spec.n_vocab);
        for (int i = 0; i < 40; ++i) o.prompt.push_back(1 + (i * 53) % (vocab - 1));
        o.n_gen = 24;
        o.n_ctx = 128;
        o.keep_logits = false;
        for (int k : {2, -1}) {
            ActivationCounts cpu, gpu;
            o.counts = &cpu;
            auto a = greedy_decode(**m, nullptr, o);
            o.counts = &gpu;
            auto b = greedy_decode(**m, &ngl_opts_for_profile(k, o), o);
            Row row{"relu-llama-tiny-par", "profile counts, -ngl " + std::to_string(k)};
            row.tol = 2e-3;
            if (!a || !b) {
                row.note = "error: " + (a ? b.error() : a.error());
            } else {
                double diff = 0, total = 0;
                for (size_t l = 0; l < cpu.fired.size() && l < gpu.fired.size(); ++l)
                    for (size_t i = 0; i < cpu.fired[l].size() && i < gpu.fired[l].size(); ++i) {
                        diff += std::fabs(double(cpu.fired[l][i]) - double(gpu.fired[l][i]));
                        total += cpu.fired[l][i];
                    }
                row.same_tokens = a->tokens == b->tokens && cpu.n_tokens == gpu.n_tokens &&
                                  cpu.fired.size() == gpu.fired.size() && total > 0;
                row.err = total > 0 ? diff / total : INFINITY;
                row.pass = row.same_tokens && row.err <= row.tol;
                row.note = "counts differ by " + std::to_string(int64_t(diff)) + " of " + std::to_string(int64_t(total)) +
                           " firings, " + std::to_string(gpu.n_tokens) + " tokens, active " +
                           std::to_string(100.0 * gpu.active_fraction()) + "%";
            }
            std::printf("--- %s / %s\n  %s: %s\n", row.model.c_str(), row.config.c_str(), row.pass ? "PASS" : "FAIL",
                        row.note.c_str());
            g_rows.push_back(row);
        }
    }
    // Sparse: synthetic PWRI models.
    for (const std::string& path : sparse_models) {
        const std::string name = path.substr(path.find_last_of('/') + 1);
        for (SparseMode mode : {SparseMode::Predictor, SparseMode::Oracle}) {
            auto m = open_model(path, mode);
            if (!m) {
                std::printf("error: %s\n", m.error().c_str());
                return 1;
            }
            DecodeOptions o;
            o.prompt = {1, 300, 500, 17};
            o.n_gen = 32;
            o.n_ctx = 128;
            o.max_tokens = 16;
            auto ref = greedy_decode(**m, nullptr, o);
            if (!ref) {
                std::printf("error: CPU run: %s\n", ref.error().c_str());
                return 1;
            }
            const ModelSpec& s = (*m)->spec;
            auto fp = model_footprint(s, (*m)->weights, o.n_ctx);
            if (!fp) return 1;
            int64_t rank = 0;
            for (const auto& L : (*m)->weights.layers) rank = std::max(rank, L.fc1.present() ? L.fc1.rows : 0);
            const uint64_t reserve = cuda::runner_scratch_bytes(s, o.max_tokens, o.n_ctx, s.n_ff, rank);
            uint64_t fixed = fp->output_bytes;
            for (const auto& l : fp->layers) fixed += l.attn_bytes + l.predictor_bytes + l.ffn_norm_bytes + l.k_cache_bytes + l.v_cache_bytes;
            auto budget = [&](uint64_t b) { return hybrid(double(b) / kGiB, o.max_tokens, o.n_ctx); };
            const std::string mname = name + (mode == SparseMode::Predictor ? " predictor" : " oracle");
            const auto& l0 = fp->layers[0];
            compare(mname, "hybrid: attention of 2 layers, no hot neurons", **m,
                    budget(reserve + 2 * (l0.attn_bytes + l0.k_cache_bytes + l0.v_cache_bytes) + 1024), o, *ref, 1e-3);
            compare(mname, "hybrid: everything fixed + 30% of the FFN", **m,
                    budget(reserve + fixed + uint64_t(0.3 * double(fp->ffn_bytes()))), o, *ref, 1e-3);
            GpuOptions all = budget(reserve + fixed + fp->ffn_bytes() + (1 << 20));
            compare(mname, "hybrid: every neuron hot", **m, all, o, *ref, 1e-3);
            if (mode == SparseMode::Predictor) {  // the .gpuidx cache: written, then reused
                GpuOptions w = budget(reserve + fixed + uint64_t(0.3 * double(fp->ffn_bytes())));
                w.disable_gpu_index = false;
                w.reset_gpu_index = true;
                compare(mname, "hybrid 30%, .gpuidx written", **m, w, o, *ref, 1e-3);
                w.reset_gpu_index = false;
                compare(mname, "hybrid 30%, .gpuidx reused", **m, w, o, *ref, 1e-3);
            }
        }
    }
    int failed = 0;
    std::printf("\n| model | configuration vs CPU-only | greedy tokens | logits rel err | tol | result |\n|---|---|---|---|---|---|\n");
    for (const Row& r : g_rows) {
        std::printf("| %s | %s | %s | %.3g | %.0e | %s%s%s |\n", r.model.c_str(), r.config.c_str(),
                    r.same_tokens ? "same" : "DIFFER", r.err, r.tol, r.pass ? "pass" : "FAIL", r.note.empty() ? "" : ": ",
                    r.note.c_str());
        failed += !r.pass;
    }
    std::printf("\n%d of %zu GPU end-to-end checks passed\n", int(g_rows.size()) - failed, g_rows.size());
    return failed ? 1 : 0;
}

// Device-to-device copy rate (bytes read + written per second) and a multithreaded host read rate.
double hbm_bandwidth() {
    const size_t bytes = size_t(1) << 30;
    void *a = nullptr, *b = nullptr;
    if (cudaMalloc(&a, bytes) != cudaSuccess || cudaMalloc(&b, bytes) != cudaSuccess) return 0;
    cudaMemset(a, 1, bytes);
    cudaEvent_t e0, e1;
    cudaEventCreate(&e0);
    cudaEventCreate(&e1);
    cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(e0);
    for (int i = 0; i < 10; ++i) cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(e1);
    cudaEventSynchronize(e1);
    float ms = 0;
    cudaEventElapsedTime(&ms, e0, e1);
    cudaFree(a);
    cudaFree(b);
    return 2.0 * 10 * double(bytes) / (ms / 1000.0);
}

// Host read rate as the weights see it: a 4 GiB buffer in huge-page memory (as gguf::File::make_resident
// allocates them), read by the threads of one pool, best of five passes. Still an underestimate on the device
// machine (77-91 GB/s where dense CPU decode read 103 GB/s; the plain std::vector read by fresh threads it
// replaced gave 68-84 where decode read 114): bound shares of CPU-heavy rows come out too kind.
double host_bandwidth(int threads) {
    constexpr size_t kHuge = size_t(2) << 20;
    const size_t bytes = size_t(4) << 30, n = bytes / 8;
    void* raw = mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return 0;
    auto* v = reinterpret_cast<uint64_t*>((reinterpret_cast<uintptr_t>(raw) + kHuge - 1) / kHuge * kHuge);
    madvise(v, bytes, MADV_HUGEPAGE);
    ThreadPool pool(threads);
    std::vector<uint64_t> sums(static_cast<size_t>(threads), 0);
    pool.parallel_for(int64_t(n), [&](int64_t b, int64_t e, int) { std::fill(v + b, v + e, uint64_t(1)); });
    double best = 0;
    for (int pass = 0; pass < 5; ++pass) {
        const auto t0 = std::chrono::steady_clock::now();
        pool.parallel_for(int64_t(n), [&](int64_t b, int64_t e, int tid) {
            uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;  // four chains: the adds never wait on each other
            int64_t i = b;
            for (; i + 4 <= e; i += 4) {
                s0 += v[i];
                s1 += v[i + 1];
                s2 += v[i + 2];
                s3 += v[i + 3];
            }
            for (; i < e; ++i) s0 += v[i];
            sums[size_t(tid)] += s0 + s1 + s2 + s3;
        });
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, double(bytes) / s);
    }
    munmap(raw, bytes + kHuge);
    uint64_t total = 0;
    for (uint64_t x : sums) total += x;
    return total == 5 * n ? best : 0;  // the sum keeps the reads from being optimised away
}

int bench(const std::string& dense, const std::string& sparse, const std::vector<double>& budgets, int n_gen) {
    const int threads = int(std::max(1u, std::thread::hardware_concurrency()));
    const double hbm = hbm_bandwidth(), host = host_bandwidth(threads);
    std::printf("bandwidth: GPU %.0f GB/s (device-to-device copy), host %.1f GB/s (%d threads reading)\n", hbm / 1e9,
                host / 1e9, threads);
    // bound: the (the GPU's and the CPU's bytes fully overlapped); dataflow: hybrid runs only, the same
    // bytes where the data lets them overlap: per layer the GPU's attention and predictor come first (the CPU's
    // input), then the hot rows beside the cold ones.
    struct B {
        std::string model, config;
        double tps = 0, bound = 0, dataflow = 0;
        std::string note;
        std::vector<double> runs;  // tokens/s of each pass (LOCUS_E2E_REPEAT)
    };
    std::vector<B> out;
    // LOCUS_E2E_REPEAT=N: every configuration of a model N times, round robin (all once, then all again), so that
    // drift of the machine falls on every configuration alike; the table gives the median and the range.
    const char* rep = std::getenv("LOCUS_E2E_REPEAT");
    const int repeat = std::max(1, rep ? std::atoi(rep) : 1);
    auto record = [&](B b) {
        for (B& x : out)
            if (x.model == b.model && x.config == b.config) {
                if (b.tps > 0) x.runs.push_back(b.tps);
                return;
            }
        if (b.tps > 0) b.runs.push_back(b.tps);
        out.push_back(std::move(b));
    };
    DecodeOptions o;
    o.prompt = {1};
    o.n_gen = n_gen;
    o.n_ctx = 512;
    o.max_tokens = 8;
    o.n_threads = threads;
    o.keep_logits = false;
    // LOCUS_E2E_THREADS=16,12,8: every configuration at each of these CPU thread counts (default: all cores).
    std::vector<int> thread_counts;
    for (double v : env_numbers("LOCUS_E2E_THREADS"))
        if (v >= 1) thread_counts.push_back(int(v));
    if (thread_counts.empty()) thread_counts.push_back(threads);
    const char* ab = std::getenv("LOCUS_E2E_GRAPHS_AB");
    const std::string graphs_ab = ab ? ab : "0";  // "1": every model; "sparse" or "dense": that model only
    auto run1 = [&](OpenModel& m, const std::string& model, const std::string& config_name, const GpuOptions* g) {
        const std::string config = config_name + (thread_counts.size() > 1 ? ", -t " + std::to_string(o.n_threads) : "");
        auto r = greedy_decode(m, g, o);
        B b{model, config};
        if (!r) {
            b.note = r.error();
            std::printf("%s / %s: %s\n", model.c_str(), config.c_str(), r.error().c_str());
            record(b);
            return;
        }
        b.tps = 1000.0 * double(n_gen - 1) / r->decode_ms;
        // Bound: bytes read per token on each side over that side's bandwidth. Non-FFN weights are read whole;
        // the CPU's FFN bytes are what it counted; the GPU's are its predictors and its hot rows weighted by their
        // firing probability (what a perfect predictor would read: the real one reads more, so still a bound).
        const ModelWeights& w = m.weights;
        const int64_t n = m.spec.n_layer;
        double cpu = 0, gpu = 0, gpu_first = 0;  // gpu_first: the GPU bytes before a layer's CPU part can start
        auto mat = [](const Matrix& x) { return x.present() ? double(x.rows) * double(x.row_bytes) : 0.0; };
        for (int64_t l = 0; l < n; ++l) {
            const LayerWeights& L = w.layers[size_t(l)];
            const double attn = mat(L.wq) + mat(L.wk) + mat(L.wv) + mat(L.wo);
            const double ffn = mat(L.ffn_gate) + mat(L.ffn_up) + mat(L.ffn_down);
            const bool layer_gpu = !m.spec.sparse_file ? l >= n - r->gpu_attn_layers : l < r->gpu_attn_layers;
            (layer_gpu ? gpu : cpu) += attn;
            if (layer_gpu && m.spec.sparse_file) gpu_first += attn + mat(L.fc1) + mat(L.fc2);
            if (!m.spec.sparse_file) (layer_gpu ? gpu : cpu) += ffn;
        }
        (r->gpu_head ? gpu : cpu) += mat(w.output);
        if (r->gpu_head && m.spec.sparse_file) gpu_first += mat(w.output);  // after the last layer: overlaps nothing
        if (m.spec.sparse_file) cpu += r->cpu_ffn_bytes_per_token;  // dense FFN bytes are counted above
        if (m.spec.sparse_file) gpu += r->gpu_ffn_bytes_per_token;
        const double sec = m.spec.sparse_file ? std::max(cpu / host, gpu / hbm) : cpu / host + gpu / hbm;
        b.bound = sec > 0 ? 1.0 / sec : 0;
        if (m.spec.sparse_file && r->cpu_ffn_bytes_per_token > 0 && r->gpu_attn_layers == n) {
            const double df = gpu_first / hbm + std::max(cpu / host, (gpu - gpu_first) / hbm);
            b.dataflow = df > 0 ? 1.0 / df : 0;
        }
        b.note = r->gpu_report;
        std::printf("%s / %s: %.2f tokens/s (bound %.2f)\n  %s\n", model.c_str(), config.c_str(), b.tps, b.bound,
                    r->placement.c_str());
        if (!r->gpu_report.empty()) std::printf("  %s\n", r->gpu_report.c_str());
        record(b);
    };
    // LOCUS_E2E_INT8_AB=1 / sparse / dense: each GPU configuration also with Q4_0 products on F32 activations
    // (LOCUS_MATVEC_INT8=0), run first.
    const char* i8 = std::getenv("LOCUS_E2E_INT8_AB");
    const std::string int8_ab = i8 ? i8 : "0";
    auto run = [&](OpenModel& m, const std::string& model, const std::string& config_name, const GpuOptions* g) {
        if (g && (graphs_ab == "1" || graphs_ab == model)) {  // the runner reads LOCUS_CUDA_GRAPHS at its creation
            setenv("LOCUS_CUDA_GRAPHS", "0", 1);
            run1(m, model, config_name + ", no graphs", g);
            setenv("LOCUS_CUDA_GRAPHS", "1", 1);
        }
        if (g && (int8_ab == "1" || int8_ab == model)) {  // read at the runner's creation too
            setenv("LOCUS_MATVEC_INT8", "0", 1);
            run1(m, model, config_name + ", Q4_0 products on F32 x", g);
            unsetenv("LOCUS_MATVEC_INT8");
        }
        run1(m, model, config_name, g);
    };
    // LOCUS_E2E_RESIDENT: 1 (default) weights in huge-page memory, as the Engine loads them; 0 read from the
    // file mapping; ab: the sparse model's hybrid budgets from the mapping first, then resident.
    const char* res_env = std::getenv("LOCUS_E2E_RESIDENT");
    const std::string res_mode = res_env ? res_env : "1";
    std::printf("weights: %s\n", res_mode == "0" ? "read from the file mapping" : res_mode == "ab" ?
                "sparse hybrid budgets from the file mapping, then resident (huge pages)" : "resident (huge pages)");
    {  // the cost of one empty dispatch of the thread pool (a sparse FFN step makes three or four per layer)
        ThreadPool pool(threads);
        for (int i = 0; i < 1000; ++i) pool.run([](int, int) {});
        const auto t0 = std::chrono::steady_clock::now();
        constexpr int kRuns = 20000;
        for (int i = 0; i < kRuns; ++i) pool.run([](int, int) {});
        const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
        std::printf("thread pool: %.2f us per empty dispatch (%d threads)\n", us / kRuns, threads);
    }
    if (dense != "-") {
        auto m = open_model(dense, SparseMode::Off, res_mode != "0");
        if (!m) {
            std::printf("error: %s\n", m.error().c_str());
            return 1;
        }
        for (int pass = 0; pass < repeat; ++pass)
        for (int th : thread_counts) {
            o.n_threads = th;
            run(**m, "dense", "CPU only", nullptr);
            for (double gib : budgets) {
                GpuOptions g = ngl(0, o.max_tokens, o.n_ctx);
                g.vram_budget_gib = gib;
                run(**m, "dense", "layer offload filling " + fmt::format("{:g}", gib) + " GiB", &g);
            }
            GpuOptions full = ngl(-1, o.max_tokens, o.n_ctx);
            run(**m, "dense", "full GPU (-ngl -1)", &full);
        }
    }
    if (sparse != "-") {
        auto m = open_model(sparse, SparseMode::Predictor, res_mode == "1");
        if (!m) {
            std::printf("error: %s\n", m.error().c_str());
            return 1;
        }
        if (res_mode == "ab") {
            for (double gib : budgets) {
                const GpuOptions g = hybrid(gib, o.max_tokens, o.n_ctx);
                run(**m, "sparse", "hybrid " + fmt::format("{:g}", gib) + " GiB, weights from the file mapping", &g);
            }
            if (Status st = make_model_resident(**m); !st) {
                std::printf("error: %s\n", st.message().c_str());
                return 1;
            }
        }
        for (int pass = 0; pass < repeat; ++pass)
        for (int th : thread_counts) {
            o.n_threads = th;
            run(**m, "sparse", "CPU only (predictor)", nullptr);
            for (double gib : budgets) {
                GpuOptions g = hybrid(gib, o.max_tokens, o.n_ctx);
                run(**m, "sparse", "hybrid " + fmt::format("{:g}", gib) + " GiB", &g);
                // LOCUS_E2E_METHODS=1: the same budget with the planner's two baselines choosing the hot neurons.
                if (const char* e = std::getenv("LOCUS_E2E_METHODS"); e && std::string(e) == "1")
                    for (HotMethod hm : {HotMethod::uniform, HotMethod::global_frequency, HotMethod::served_firings}) {
                        g.hot_method = hm;
                        run(**m, "sparse", "hybrid " + fmt::format("{:g}", gib) + " GiB, hot neurons by " +
                                               hot_method_name(hm), &g);
                    }
                // LOCUS_E2E_LAYER_COSTS=1,4: the planner also with these costs per CPU layer (MiB; its default is 0).
                for (double mib : env_numbers("LOCUS_E2E_LAYER_COSTS")) {
                    GpuOptions c = hybrid(gib, o.max_tokens, o.n_ctx);
                    c.cpu_layer_cost = int64_t(mib * double(1 << 20));
                    run(**m, "sparse", "hybrid " + fmt::format("{:g}", gib) + " GiB, planner with " +
                                           fmt::format("{:g}", mib) + " MiB per CPU layer", &c);
                }
            }
            const GpuOptions all = hybrid(-1.0, o.max_tokens, o.n_ctx);  // every neuron that fits: a large GPU
            run(**m, "sparse", "hybrid, all free VRAM", &all);
        }
    }
    std::printf("\n| model | configuration | decode tokens/s%s | bound tokens/s | share of bound | dataflow bound | share "
                "|\n|---|---|---|---|---|---|---|\n", repeat > 1 ? " (median; range, runs)" : "");
    for (B& b : out) {
        std::vector<double> v = b.runs;
        std::sort(v.begin(), v.end());
        const size_t k = v.size();
        b.tps = k == 0 ? 0 : k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
        const std::string tps = k > 1 ? fmt::format("{:.2f} ({:.2f}-{:.2f}, {})", b.tps, v.front(), v.back(), k)
                                      : fmt::format("{:.2f}", b.tps);
        std::printf("| %s | %s | %s | %.2f | %s | %s | %s |\n", b.model.c_str(), b.config.c_str(), tps.c_str(), b.bound,
                    b.bound > 0 && b.tps > 0 ? (std::to_string(int(100 * b.tps / b.bound)) + "%").c_str() : b.note.c_str(),
                    b.dataflow > 0 ? fmt::format("{:.2f}", b.dataflow).c_str() : "",
                    b.dataflow > 0 && b.tps > 0 ? fmt::format("{}%", int(100 * b.tps / b.dataflow)).c_str() : "");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int n_dev = 0;
    if (cudaGetDeviceCount(&n_dev) != cudaSuccess || n_dev == 0) {
        std::printf("no CUDA device: skipped\n");
        return 77;
    }
    const std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() >= 2 && a[0] == "check") return check(a[1], std::vector<std::string>(a.begin() + 2, a.end()));
    if (a.size() >= 4 && a[0] == "bench") {
        std::vector<double> budgets;
        for (size_t p = 0; p < a[3].size();) {
            const size_t q = a[3].find(',', p);
            budgets.push_back(std::stod(a[3].substr(p, q - p)));
            p = q == std::string::npos ? a[3].size() : q + 1;
        }
        return bench(a[1], a[2], budgets, a.size() >= 5 ? std::stoi(a[4]) : 64);
    }
    std::printf("usage: locus_gpu_e2e check STORIES.gguf [SPARSE.gguf...] | bench DENSE.gguf SPARSE.gguf GIB,GIB,... [N_GEN]\n");
    return 2;
}
