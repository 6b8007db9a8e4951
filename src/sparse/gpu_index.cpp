#include "sparse/gpu_index.h"

#include <cstring>
#include <filesystem>

#include "gguf/gguf.h"

namespace locus {
namespace {

constexpr const char* kArch = "generic.gpu_index";
constexpr const char* kBlockCount = "generic.gpu_index.block_count";
constexpr const char* kCapacity = "split.vram_capacity";

std::string idx_name(int64_t l) { return "blk." + std::to_string(l) + ".gpu_idx"; }
std::string bucket_name(int64_t l) { return "blk." + std::to_string(l) + ".gpu_bucket"; }

std::vector<int32_t> read_i32(const gguf::TensorInfo& t) {
    std::vector<int32_t> v(size_t(t.n_elements()));
    std::memcpy(v.data(), t.data, v.size() * 4);
    return v;
}

}  // namespace

std::string gpu_index_path(const std::string& model_path) { return model_path + ".generated.gpuidx"; }

Status write_gpu_index(const std::string& path, const Placement& p) {
    gguf::Writer w;
    w.set_powerinfer(true);
    w.set("general.architecture", gguf::Value::make_string(kArch));
    w.set(kBlockCount, gguf::Value::make_u32(uint32_t(p.layers.size())));
    w.set(kCapacity, gguf::Value::make_u64(p.ffn_budget_bytes));
    for (size_t l = 0; l < p.layers.size(); ++l) {
        const LayerPlacement& lp = p.layers[l];
        if (lp.hot.empty())
            return Status::error("gpu index '" + path + "': layer " + std::to_string(l) +
                                 " has no neuron on the GPU, and the format cannot store an empty gpu_bucket");
        std::vector<int32_t> idx(lp.hot_mask.begin(), lp.hot_mask.end());
        LOCUS_TRY(w.add_tensor(idx_name(int64_t(l)), DType::I32, {int64_t(idx.size())}, idx.data(), idx.size() * 4));
        LOCUS_TRY(w.add_tensor(bucket_name(int64_t(l)), DType::I32, {int64_t(lp.hot.size())}, lp.hot.data(),
                               lp.hot.size() * 4));
    }
    return w.write(path);
}

Expected<GpuIndex> read_gpu_index(const std::string& path, int64_t n_layer, int64_t n_ff) {
    using R = Expected<GpuIndex>;
    auto file = gguf::File::open(path);
    if (!file) return R::failure("gpu index: " + file.error());
    const gguf::File& f = **file;
    const std::string where = "gpu index '" + path + "'";
    auto arch = f.get_string("general.architecture");
    if (!arch) return R::failure(where + ": " + arch.error());
    if (!*arch || **arch != kArch)
        return R::failure(where + ": general.architecture is '" + (*arch ? **arch : std::string("missing")) +
                          "', expected '" + kArch + "'");
    auto blocks = f.get_int(kBlockCount);
    if (!blocks) return R::failure(where + ": " + blocks.error());
    if (!*blocks) return R::failure(where + ": key " + kBlockCount + " is missing");
    if (**blocks != n_layer)
        return R::failure(where + ": made for " + std::to_string(**blocks) + " layers, the model has " +
                          std::to_string(n_layer));
    const gguf::Value* cap = f.find(kCapacity);
    if (!cap) return R::failure(where + ": key " + kCapacity + " is missing");
    if (cap->type != gguf::ValueType::UINT64)
        return R::failure(where + ": key " + kCapacity + " is a " + gguf::value_type_name(cap->type) + ", expected uint64");
    if (int64_t(f.tensors().size()) != 2 * n_layer)
        return R::failure(where + ": has " + std::to_string(f.tensors().size()) + " tensors, expected " +
                          std::to_string(2 * n_layer) + " (gpu_idx and gpu_bucket per layer)");
    GpuIndex g;
    g.vram_capacity = cap->u;
    g.hot.resize(size_t(n_layer));
    for (int64_t l = 0; l < n_layer; ++l) {
        const gguf::TensorInfo& ti = f.tensors()[size_t(2 * l)];
        const gguf::TensorInfo& tb = f.tensors()[size_t(2 * l + 1)];
        if (ti.name != idx_name(l) || tb.name != bucket_name(l))
            return R::failure(where + ": tensors " + std::to_string(2 * l) + " and " + std::to_string(2 * l + 1) +
                              " are '" + ti.name + "' and '" + tb.name + "', expected '" + idx_name(l) + "' and '" +
                              bucket_name(l) + "'");
        for (const gguf::TensorInfo* t : {&ti, &tb})
            if (t->type != DType::I32 || t->shape.size() != 1)
                return R::failure(where + ": tensor '" + t->name + "' is " + dtype_name(t->type) + " with " +
                                  std::to_string(t->shape.size()) + " dimension(s), expected a 1-D i32 vector");
        if (ti.shape[0] != n_ff)
            return R::failure(where + ": tensor '" + ti.name + "' has " + std::to_string(ti.shape[0]) +
                              " entries, the model has n_ff = " + std::to_string(n_ff));
        const std::vector<int32_t> idx = read_i32(ti);
        std::vector<int32_t> bucket = read_i32(tb);
        int64_t on = 0;
        for (int64_t i = 0; i < n_ff; ++i) {
            if (idx[size_t(i)] != 0 && idx[size_t(i)] != 1)
                return R::failure(where + ": '" + ti.name + "' entry " + std::to_string(i) + " is " +
                                  std::to_string(idx[size_t(i)]) + ", expected 0 or 1");
            on += idx[size_t(i)];
        }
        if (int64_t(bucket.size()) != on)
            return R::failure(where + ": '" + tb.name + "' lists " + std::to_string(bucket.size()) + " neurons, '" +
                              ti.name + "' marks " + std::to_string(on));
        for (size_t j = 0; j < bucket.size(); ++j) {
            const int32_t b = bucket[j];
            if (b < 0 || b >= n_ff || (j > 0 && b <= bucket[j - 1]) || idx[size_t(b)] != 1)
                return R::failure(where + ": '" + tb.name + "' entry " + std::to_string(j) + " (" + std::to_string(b) +
                                  ") is out of range, not ascending or not marked in '" + ti.name + "'");
        }
        g.hot[size_t(l)] = std::move(bucket);
    }
    return g;
}

Expected<GpuIndexOutcome> place_hot_neurons_cached(Placement& p, const ModelFootprint& fp, const NeuronFrequencies& f,
                                                   const PlannerOptions& o, const std::string& path, GpuIndexMode mode) {
    GpuIndexOutcome out;
    const int64_t n_layer = int64_t(fp.layers.size());
    const int64_t n_ff = fp.layers.empty() ? 0 : fp.layers[0].n_ff;
    if (mode == GpuIndexMode::use && std::filesystem::exists(path)) {
        auto idx = read_gpu_index(path, n_layer, n_ff);
        if (!idx) return Status::error(idx.error() + " (use --reset-gpu-index to rebuild it)");
        uint64_t bytes = 0;
        for (int64_t l = 0; l < n_layer; ++l) bytes += idx->hot[size_t(l)].size() * fp.layers[size_t(l)].neuron_bytes;
        if (idx->vram_capacity <= p.ffn_budget_bytes && bytes <= p.ffn_budget_bytes) {
            for (int64_t l = 0; l < n_layer; ++l) p.layers[size_t(l)].set_hot(std::move(idx->hot[size_t(l)]), n_ff);
            p.ffn_bytes = bytes;
            p.method = "from " + path;
            out.reused = true;
            out.note = "reused " + path + " (made for " + std::to_string(idx->vram_capacity) + " bytes of FFN neurons, " +
                       std::to_string(p.ffn_budget_bytes) + " left now)";
            return out;
        }
        out.note = path + " was made for " + std::to_string(idx->vram_capacity) + " bytes of FFN neurons (" +
                   std::to_string(bytes) + " placed), only " + std::to_string(p.ffn_budget_bytes) +
                   " are left now: rebuilt. ";
    }
    LOCUS_TRY(place_hot_neurons(p, fp, f, o));
    if (mode == GpuIndexMode::disable) {
        out.note += "gpu index disabled: not read or written";
        return out;
    }
    if (Status st = write_gpu_index(path, p); !st) {
        out.note += "not written: " + st.message();
        return out;
    }
    out.written = true;
    out.note += "wrote " + path;
    return out;
}

}  // namespace locus
