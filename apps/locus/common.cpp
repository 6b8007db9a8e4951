#include "common.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace locus::app {

std::string default_model_path() {
    if (const char* env = std::getenv("LOCUS_MODEL")) return env;
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    const fs::path dir = ec ? fs::current_path() : exe.parent_path();
    const char* name = kDefaultModelName;
    for (const fs::path& cand : {dir / "../../models" / name, dir / "../share/locus/models" / name,
                                 dir / "models" / name, fs::current_path() / "models" / name}) {
        if (fs::exists(cand, ec)) return fs::weakly_canonical(cand, ec).string();
    }
    return (fs::current_path() / "models" / name).string();
}

std::unique_ptr<Engine> load_engine(const std::string& path, int n_threads) {
    return load_engine(path, n_threads, SparseFlags{});
}

void add_sparse_flags(CLI::App* c, SparseFlags& f) {
    c->add_option("--sparse", f.mode,
                  "FFN activation sparsity: auto (predictor if the file has predictors, oracle for ReLU models, "
                  "else off), predictor, oracle (exact), off")
        ->check(CLI::IsMember({"auto", "predictor", "oracle", "off"}));
    c->add_option("--sparse-threshold", f.threshold,
                  "Predictor threshold (default: LLAMA_SPARSE_PRED_THRESHOLD, else the file's, else 0)");
}

std::unique_ptr<Engine> load_engine(const std::string& path, int n_threads, const SparseFlags& sparse) {
    return load_engine(path, n_threads, sparse, GpuFlags{}, 0, 512);
}

void add_gpu_flags(CLI::App* c, GpuFlags& f) {
    c->add_option("--n-gpu-layers", f.n_gpu_layers,
                  "-ngl: dense models: run the last N layers on the GPU (N > layer count or -1: all and the output head)");
    c->add_option("--vram-budget", f.vram_budget,
                  "GiB of VRAM to use (< 0: all free minus 256 MiB). PowerInfer files: the planner places attention, "
                  "predictors, KV cache and hot neurons within it; dense models: as many layers as fit");
    c->add_flag("--reset-gpu-index", f.reset_gpu_index, "Recompute and overwrite <model>.generated.gpuidx");
    c->add_flag("--disable-gpu-index", f.disable_gpu_index, "Neither read nor write <model>.generated.gpuidx");
    c->add_option("--profile", f.profile, "Activation profile for the GPU placement (from `locus profile -o`)");
    c->add_option("--cpu-layer-cost", f.cpu_layer_cost_mib,
                  "PowerInfer files: what the planner counts for a layer that needs a CPU part, in MiB of cold rows "
                  "(default 0: bytes only, the global-frequency order in groups; a cost gathers cold neurons into fewer layers)")
        ->check(CLI::NonNegativeNumber);
}

void print_gpu_timing(const Session& s) {
    if (const ForwardHooks* h = s.forward_hooks())
        if (std::string r = gpu_timing_report(*h); !r.empty()) std::fprintf(stderr, "locus: %s\n", r.c_str());
}

std::unique_ptr<Engine> load_engine(const std::string& path, int n_threads, const SparseFlags& sparse,
                                    const GpuFlags& gpu, int64_t n_ctx, int64_t n_batch, bool interleave) {
    EngineOptions o;
    o.interleave = interleave;
    o.gpu.n_gpu_layers = gpu.n_gpu_layers;
    o.gpu.vram_budget_gib = gpu.vram_budget;
    o.gpu.reset_gpu_index = gpu.reset_gpu_index;
    o.gpu.disable_gpu_index = gpu.disable_gpu_index;
    o.gpu.profile_path = gpu.profile;
    if (gpu.cpu_layer_cost_mib >= 0) o.gpu.cpu_layer_cost = int64_t(gpu.cpu_layer_cost_mib * double(1 << 20));
    o.gpu.n_ctx = n_ctx;
    o.gpu.max_tokens = n_batch;
    o.sparse = parse_sparse_mode(sparse.mode).value_or(SparseMode::Auto);
    o.sparse_threshold = sparse.threshold;
    o.model_path = path;
    o.n_threads = n_threads;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > (64u << 20)) {
        const bool tty = isatty(STDERR_FILENO);
        o.progress = [tty, size](double f) {
            const int width = 40, filled = int(f * width);
            if (!tty && f < 1.0) return;
            std::fprintf(stderr, "\rloading %.2f GiB [%.*s%*s] %3d%%", double(size) / (1 << 30), filled,
                         "########################################", width - filled, "", int(f * 100));
            if (f >= 1.0) std::fputc('\n', stderr);
            std::fflush(stderr);
        };
    }
    auto e = Engine::load(o);
    if (!e) {
        std::fprintf(stderr, "error: %s\n", e.error().c_str());
        return nullptr;
    }
    return std::move(*e);
}

}  // namespace locus::app
