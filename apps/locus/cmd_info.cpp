// locus info: print a GGUF file's metadata, tensors and (if it is a model Locus runs) its spec.
#include <cstdio>
#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "gguf/gguf.h"
#include "model/model_spec.h"
#include "model/weights.h"
#include "runtime/engine.h"
#include <algorithm>

namespace locus::app {
namespace {

std::string value_str(const gguf::Value& v, size_t max_items) {
    using gguf::ValueType;
    switch (v.type) {
        case ValueType::STRING: {
            std::string s = v.s.size() > 120 ? v.s.substr(0, 117) + "..." : v.s;
            for (char& c : s)
                if (c == '\n') c = ' ';
            return "\"" + s + "\"";
        }
        case ValueType::BOOL: return v.u ? "true" : "false";
        case ValueType::FLOAT32:
        case ValueType::FLOAT64: return fmt::format("{}", v.f);
        case ValueType::INT8: case ValueType::INT16: case ValueType::INT32: case ValueType::INT64:
            return std::to_string(v.i);
        case ValueType::ARRAY: {
            std::string r = fmt::format("[{} x {}] [", v.arr.size(), gguf::value_type_name(v.elem_type));
            for (size_t i = 0; i < v.arr.size() && i < max_items; ++i) r += (i ? ", " : "") + value_str(v.arr[i], 0);
            return r + (v.arr.size() > max_items ? ", ...]" : "]");
        }
        default: return std::to_string(v.u);
    }
}

int info(const std::string& path, bool all_tensors) {
    auto f = gguf::File::open(path);
    if (!f) {
        std::fprintf(stderr, "error: %s\n", f.error().c_str());
        return 1;
    }
    const gguf::File& file = **f;
    std::printf("file: %s\n", path.c_str());
    std::printf("format: %s v%u, alignment %llu, %zu metadata keys, %zu tensors, %.2f MiB\n",
                file.is_powerinfer() ? "PWRI (PowerInfer sparse)" : "GGUF", file.version(),
                (unsigned long long)file.alignment(), file.metadata().size(), file.tensors().size(),
                double(file.file_size()) / (1 << 20));
    std::printf("\nmetadata:\n");
    for (const auto& [k, v] : file.metadata()) std::printf("  %-44s %s\n", k.c_str(), value_str(v, 8).c_str());

    std::printf("\ntensors:\n");
    uint64_t total = 0;
    size_t shown = 0;
    for (const auto& t : file.tensors()) {
        total += t.size_bytes;
        if (!all_tensors && shown >= 40) continue;
        std::string shape;
        for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? " x " : "") + std::to_string(t.shape[i]);
        std::printf("  %-36s %-6s %-22s %10.2f KiB\n", t.name.c_str(), dtype_name(t.type), shape.c_str(),
                    double(t.size_bytes) / 1024);
        ++shown;
    }
    if (shown < file.tensors().size())
        std::printf("  ... %zu more (--all to list every tensor)\n", file.tensors().size() - shown);
    std::printf("  total tensor data: %.2f MiB\n", double(total) / (1 << 20));

    auto spec = read_model_spec(file);
    if (!spec) {
        std::printf("\nmodel: not runnable by Locus: %s\n", spec.error().c_str());
        return 0;
    }
    ModelSpec& s = *spec;
    const std::string positions =
        s.positions == Positions::learned
            ? fmt::format("learned positions (position_embd, offset {})", s.position_offset)
            : fmt::format("rope {} base {} scale {}", s.rope_style == RopeStyle::neox ? "neox" : "normal",
                          s.rope_freq_base, s.rope_freq_scale);
    std::printf("\nmodel: arch %s, %lld layers, n_embd %lld, n_ff %lld, heads %lld (kv %lld), head dim %lld, "
                "context %lld\n       %s, ffn %s (%s), %s eps %g%s%s\n",
                s.arch.c_str(), (long long)s.n_layer, (long long)s.n_embd, (long long)s.n_ff, (long long)s.n_head,
                (long long)s.n_head_kv, (long long)s.head_dim, (long long)s.n_ctx_train, positions.c_str(),
                ffn_activation_name(s.ffn_act),
                s.ffn_mode == FfnMode::par ? "gated" : s.ffn_mode == FfnMode::sym ? "dReLU" : "no gate",
                s.norm == NormType::layer ? "layernorm" : "rmsnorm", s.norm_eps,
                s.linear_biases ? ", biases" : "", s.sparse_file ? ", sparse file" : "");
    auto w = bind_weights(file, s);
    if (!w) {
        std::printf("       weights: not runnable by Locus: %s\n", w.error().c_str());
        return 0;
    }
    std::printf("sparsity: ");
    if (s.has_predictors) {
        int64_t lo = w->layers[0].fc1.rows, hi = lo;
        for (const auto& L : w->layers) { lo = std::min(lo, L.fc1.rows); hi = std::max(hi, L.fc1.rows); }
        std::printf("predictors in every layer (rank %lld", (long long)lo);
        if (hi != lo) std::printf("..%lld", (long long)hi);
        std::printf(", %s / %s), threshold %g", dtype_name(w->layers[0].fc1.type), dtype_name(w->layers[0].fc2.type),
                    double(s.sparse_threshold));
    } else {
        std::printf("no predictors");
    }
    std::printf("%s\n", s.sparse_file ? ", down projection transposed (ffn_down_t)" : "");
    auto sp = resolve_sparsity(s, SparseMode::Auto, std::nullopt);
    if (sp)
        std::printf("          --sparse auto runs it as: %s\n", std::string(sparse_mode_name(sp->mode)).c_str());
    return 0;
}

}  // namespace

Runner add_info(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto all = std::make_shared<bool>(false);
    CLI::App* c = app.add_subcommand("info", "Print a GGUF file's metadata and tensors");
    c->add_option("model", *path, "GGUF file")->required();
    c->add_flag("--all", *all, "List every tensor");
    return [path, all] { return info(*path, *all); };
}

}  // namespace locus::app
