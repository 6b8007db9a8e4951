#include "sparse/powerinfer_writer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <mutex>

#include "sparse/trainer_gemm.h"

namespace locus {
namespace {

bool fits(DType t, int64_t n) { return n % type_traits(t).block_size == 0; }

// Rows x cols F32 into `dst` of type t (cols a multiple of the block size), over the pool.
void quantise_rows(const float* src, int64_t rows, int64_t cols, DType t, uint8_t* dst, ThreadPool& pool) {
    const TypeTraits& tt = type_traits(t);
    const size_t rb = row_bytes(tt, cols);
    pool.parallel_for(rows, [&](int64_t b, int64_t e, int) {
        for (int64_t r = b; r < e; ++r) tt.from_float(src + r * cols, dst + size_t(r) * rb, cols);
    });
}

// Layer index of "blk.N.<suffix>", or -1.
int64_t layer_of(const std::string& name, const std::string& suffix) {
    if (name.rfind("blk.", 0) != 0 || name.size() <= suffix.size() + 4 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        return -1;
    const std::string mid = name.substr(4, name.size() - 4 - suffix.size());
    if (mid.empty() || mid.size() > 6 || !std::all_of(mid.begin(), mid.end(), ::isdigit)) return -1;
    return std::stoll(mid);
}

}  // namespace

Expected<PowerInferWriteReport> write_powerinfer(const gguf::File& src, int64_t n_layer, int64_t E, int64_t F,
                                                 const std::vector<LayerPredictor>& preds,
                                                 const ActivationCounts* counts, const PowerInferWriteOptions& o,
                                                 const std::string& path, ThreadPool& pool) {
    if (int64_t(preds.size()) != n_layer)
        return Status::error(fmt::format("{} predictors for {} layers", preds.size(), n_layer));
    const TypeTraits& pt = type_traits(o.pred_type);
    if (!pt.from_float || !pt.can_compute)
        return Status::error(fmt::format("predictor type {} cannot be written or computed", pt.name));
    if (!fits(o.pred_type, E))
        return Status::error(fmt::format("predictor type {} needs n_embd ({}) to be a multiple of {}", pt.name, E,
                                         pt.block_size));
    for (int64_t l = 0; l < n_layer; ++l) {
        const LayerPredictor& p = preds[size_t(l)];
        if (p.rank <= 0 || int64_t(p.fc1.size()) != p.rank * E || int64_t(p.fc2.size()) != F * p.rank)
            return Status::error(fmt::format("layer {}: predictor arrays do not match rank {}", l, p.rank));
        if (!fits(o.pred_type, p.rank))
            return Status::error(fmt::format("layer {}: rank {} is not a multiple of {}'s block size {}", l, p.rank,
                                             pt.name, pt.block_size));
    }
    if (counts && (int64_t(counts->fired.size()) != n_layer ||
                   (n_layer > 0 && int64_t(counts->fired[0].size()) != F)))
        return Status::error("activation counts do not match the model's layers and FFN width");

    if (src.tensor_data_modified())
        return Status::error("the source model's weights were rearranged in memory at load (load it with weight "
                             "interleaving off to write a file from it)");
    gguf::Writer w;
    w.set_powerinfer(true);
    for (const auto& [k, v] : src.metadata()) w.set(k, v);
    w.set("powerinfer.sparse_threshold", gguf::Value::make_f32(o.threshold));
    // The counts as a model file carries them (sparse/activation_profile.h): I32 with the n_tokens key.
    if (counts && counts->n_tokens > INT32_MAX) return Status::error("more than 2^31 profiled tokens do not fit i32 counts");
    if (counts) w.set("locus.activation_profile.n_tokens", gguf::Value::make_u64(uint64_t(counts->n_tokens)));
    for (const auto& [k, v] : o.extra) w.set(k, v);

    auto report = std::make_shared<PowerInferWriteReport>();
    auto mu = std::make_shared<std::mutex>();
    int64_t downs = 0;
    for (const gguf::TensorInfo& t : src.tensors()) {
        // Tensors this writer produces itself are not copied (a source that already had them).
        if (layer_of(t.name, ".ffn_act_count") >= 0 || layer_of(t.name, ".fc1.weight") >= 0 ||
            layer_of(t.name, ".fc2.weight") >= 0 || layer_of(t.name, ".ffn_down_t.weight") >= 0)
            continue;
        const int64_t l = layer_of(t.name, ".ffn_down.weight");
        if (l < 0 || l >= n_layer) {
            const gguf::TensorInfo* ti = &t;
            // OPT's down bias follows its matrix's name, as PowerInfer's converter renames it.
            const int64_t bl = layer_of(t.name, ".ffn_down.bias");
            const std::string name = bl >= 0 && bl < n_layer ? fmt::format("blk.{}.ffn_down_t.bias", bl) : t.name;
            LOCUS_TRY(w.add_tensor_lazy(name, t.type, t.shape, [ti](uint8_t* dst, size_t size) {
                std::copy(ti->data, ti->data + std::min<size_t>(size, ti->size_bytes), dst);
            }));
            continue;
        }
        if (t.shape.size() != 2 || t.shape[0] != F || t.shape[1] != E)
            return Status::error(fmt::format("{}: shape of {} is not [n_ff {}, n_embd {}]", src.path(), t.name, F, E));
        const TypeTraits& st = type_traits(t.type);
        if (!st.to_float) return Status::error(fmt::format("{}: {} has type {}, which cannot be read", src.path(), t.name, st.name));
        DType dt = o.down_type.value_or(t.type);
        if (!o.down_type && !fits(dt, E)) dt = DType::F16;  // the transposed rows are n_embd long
        const TypeTraits& dtt = type_traits(dt);
        if (!fits(dt, E) || !dtt.from_float || !dtt.to_float)
            return Status::error(fmt::format("ffn_down_t type {} does not fit n_embd {}", dtt.name, E));
        const bool exact = !type_traits(t.type).is_quantized && !dtt.is_quantized;
        const gguf::TensorInfo* ti = &t;
        LOCUS_TRY(w.add_tensor_lazy(fmt::format("blk.{}.ffn_down_t.weight", l), dt, {E, F},
                                    [ti, E, F, dt, exact, report, mu, &pool](uint8_t* dst, size_t) {
            const TypeTraits& st = type_traits(ti->type);
            const size_t srb = row_bytes(st, F);
            std::vector<float> down(static_cast<size_t>(E * F)), down_t(static_cast<size_t>(E * F));
            pool.parallel_for(E, [&](int64_t b, int64_t e, int) {
                for (int64_t r = b; r < e; ++r) st.to_float(ti->data + size_t(r) * srb, down.data() + r * F, F);
            });
            train::transpose(E, F, down.data(), down_t.data(), pool);
            quantise_rows(down_t.data(), F, E, dt, dst, pool);
            if (exact) return;
            // Relative RMS error of the stored transpose against the dequantised source.
            const TypeTraits& dtt = type_traits(dt);
            const size_t drb = row_bytes(dtt, E);
            double err = 0, ref = 0;
            std::vector<float> row(static_cast<size_t>(E));
            for (int64_t i = 0; i < F; ++i) {
                dtt.to_float(dst + size_t(i) * drb, row.data(), E);
                for (int64_t e = 0; e < E; ++e) {
                    const double a = down_t[size_t(i * E + e)];
                    err += (row[size_t(e)] - a) * (row[size_t(e)] - a);
                    ref += a * a;
                }
            }
            std::lock_guard<std::mutex> g(*mu);
            report->down_requant_rms = std::max(report->down_requant_rms, ref > 0 ? std::sqrt(err / ref) : 0.0);
        }));
        report->down_type = dt;
        ++downs;
        const LayerPredictor* p = &preds[size_t(l)];
        const DType ptype = o.pred_type;
        LOCUS_TRY(w.add_tensor_lazy(fmt::format("blk.{}.fc1.weight", l), ptype, {E, p->rank},
                                    [p, E, ptype, &pool](uint8_t* dst, size_t) {
            quantise_rows(p->fc1.data(), p->rank, E, ptype, dst, pool);
        }));
        LOCUS_TRY(w.add_tensor_lazy(fmt::format("blk.{}.fc2.weight", l), ptype, {p->rank, F},
                                    [p, F, ptype, &pool](uint8_t* dst, size_t) {
            quantise_rows(p->fc2.data(), F, p->rank, ptype, dst, pool);
        }));
    }
    if (downs != n_layer)
        return Status::error(fmt::format("{}: found ffn_down for {} of {} layers", src.path(), downs, n_layer));
    if (counts)
        for (int64_t l = 0; l < n_layer; ++l) {
            std::vector<int32_t> c(counts->fired[size_t(l)].begin(), counts->fired[size_t(l)].end());
            LOCUS_TRY(w.add_tensor(fmt::format("blk.{}.ffn_act_count", l), DType::I32, {F}, c.data(), c.size() * 4));
        }
    LOCUS_TRY(w.write(path));
    std::error_code ec;
    report->bytes = uint64_t(std::filesystem::file_size(path, ec));
    return *report;
}

}  // namespace locus
