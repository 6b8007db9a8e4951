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
    const char* name = "stories260K.gguf";
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
    EngineOptions o;
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
