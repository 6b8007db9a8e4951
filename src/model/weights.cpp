#include "model/weights.h"

#include <fmt/format.h>

#include "gguf/gguf.h"

namespace locus {
namespace {

class Binder {
public:
    Binder(const gguf::File& f) : f_(f) {}

    Expected<Matrix> matrix(const std::string& name, int64_t cols, int64_t rows, bool required = true) {
        const gguf::TensorInfo* t = f_.tensor(name);
        if (!t) {
            if (!required) return Matrix{};
            return Status::error(fmt::format("{}: missing tensor '{}'", f_.path(), name));
        }
        if (t->shape.size() != 2 || t->shape[0] != cols || (rows > 0 && t->shape[1] != rows))
            return Status::error(fmt::format("{}: tensor '{}' has shape {}, expected [{}, {}]", f_.path(), name,
                                             shape_str(t->shape), cols, rows));
        const TypeTraits& tt = type_traits(t->type);
        if (!tt.can_compute || !tt.vec_dot)
            return Status::error(fmt::format("{}: tensor '{}' has type {}, which Locus cannot compute with yet",
                                             f_.path(), name, tt.name));
        Matrix m;
        m.name = name;
        m.type = t->type;
        m.cols = t->shape[0];
        m.rows = t->shape[1];
        m.row_bytes = row_bytes(tt, m.cols);
        m.data = t->data;
        return m;
    }

    Expected<std::vector<float>> vector(const std::string& name, int64_t n, bool required = true) {
        const gguf::TensorInfo* t = f_.tensor(name);
        if (!t) {
            if (!required) return std::vector<float>{};
            return Status::error(fmt::format("{}: missing tensor '{}'", f_.path(), name));
        }
        if (t->n_elements() != n || t->shape[0] != n)
            return Status::error(fmt::format("{}: tensor '{}' has shape {}, expected [{}]", f_.path(), name,
                                             shape_str(t->shape), n));
        const TypeTraits& tt = type_traits(t->type);
        if (!tt.to_float || n % tt.block_size != 0)
            return Status::error(fmt::format("{}: tensor '{}' has unsupported type {} for a vector", f_.path(), name,
                                             tt.name));
        std::vector<float> v(n);
        tt.to_float(t->data, v.data(), n);
        return v;
    }

private:
    static std::string shape_str(const std::vector<int64_t>& s) {
        std::string r = "[";
        for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
        return r + "]";
    }
    const gguf::File& f_;
};

}  // namespace

Expected<ModelWeights> bind_weights(const gguf::File& file, ModelSpec& spec) {
    Binder b(file);
    ModelWeights w;
    {
        auto te = b.matrix("token_embd.weight", spec.n_embd, 0);
        if (!te) return te.status();
        w.tok_embd = std::move(*te);
        spec.n_vocab = w.tok_embd.rows;
    }
    auto on = b.vector("output_norm.weight", spec.n_embd);
    if (!on) return on.status();
    w.output_norm = std::move(*on);
    const bool layer_norm = spec.norm == NormType::layer;
    auto onb = b.vector("output_norm.bias", spec.n_embd, layer_norm);
    if (!onb) return onb.status();
    w.output_norm_b = std::move(*onb);
    if (spec.positions == Positions::learned) {
        auto pe = b.matrix("position_embd.weight", spec.n_embd, 0);
        if (!pe) return pe.status();
        w.pos_embd = std::move(*pe);
        if (w.pos_embd.rows <= spec.position_offset)
            return Status::error(fmt::format("{}: position_embd.weight has {} rows, fewer than the {} unused ones "
                                             "'{}' keeps before position 0", file.path(), w.pos_embd.rows,
                                             spec.position_offset, spec.arch));
        // The table, not the metadata, bounds the positions the model can take.
        spec.n_ctx_train = w.pos_embd.rows - spec.position_offset;
    }
    auto out = b.matrix("output.weight", spec.n_embd, spec.n_vocab, false);
    if (!out) return out.status();
    w.output = out->present() ? std::move(*out) : w.tok_embd;

    const int64_t E = spec.n_embd, Q = spec.q_dim(), KV = spec.kv_dim(), F = spec.n_ff;
    w.layers.resize(spec.n_layer);
    for (int64_t i = 0; i < spec.n_layer; ++i) {
        LayerWeights& L = w.layers[i];
        const std::string p = fmt::format("blk.{}.", i);
        auto take_m = [&](Matrix& dst, const char* n, int64_t cols, int64_t rows, bool req = true) -> Status {
            auto m = b.matrix(p + n, cols, rows, req);
            if (!m) return m.status();
            dst = std::move(*m);
            return Status::ok();
        };
        auto take_v = [&](std::vector<float>& dst, const char* n, int64_t len, bool req = true) -> Status {
            auto v = b.vector(p + n, len, req);
            if (!v) return v.status();
            dst = std::move(*v);
            return Status::ok();
        };
        LOCUS_TRY(take_v(L.attn_norm, "attn_norm.weight", E));
        if (layer_norm) {
            LOCUS_TRY(take_v(L.attn_norm_b, "attn_norm.bias", E));
            LOCUS_TRY(take_v(L.attn_norm_2, "attn_norm_2.weight", E, false));
            LOCUS_TRY(take_v(L.attn_norm_2_b, "attn_norm_2.bias", E, !L.attn_norm_2.empty()));
        }
        if (spec.arch == "falcon") {
            LOCUS_TRY(take_m(L.wqkv, "attn_qkv.weight", E, Q + 2 * KV));
        } else {
            LOCUS_TRY(take_m(L.wq, "attn_q.weight", E, Q));
            LOCUS_TRY(take_m(L.wk, "attn_k.weight", E, KV));
            LOCUS_TRY(take_m(L.wv, "attn_v.weight", E, KV));
        }
        LOCUS_TRY(take_m(L.wo, "attn_output.weight", Q, E));
        // Models with biases (opt) have them on every projection: a file without one is broken, not a variant.
        // Elsewhere Q/K/V biases are optional (qwen2 has them).
        const bool biases = spec.linear_biases;
        LOCUS_TRY(take_v(L.bq, "attn_q.bias", Q, biases));
        LOCUS_TRY(take_v(L.bk, "attn_k.bias", KV, biases));
        LOCUS_TRY(take_v(L.bv, "attn_v.bias", KV, biases));
        if (biases) LOCUS_TRY(take_v(L.bo, "attn_output.bias", E));
        // Parallel blocks (falcon) feed the FFN from the attention LayerNorm: no ffn_norm.
        if (!spec.parallel_block) {
            LOCUS_TRY(take_v(L.ffn_norm, "ffn_norm.weight", E));
            if (layer_norm) LOCUS_TRY(take_v(L.ffn_norm_b, "ffn_norm.bias", E));
        }
        LOCUS_TRY(take_m(L.ffn_up, "ffn_up.weight", E, F));
        LOCUS_TRY(take_m(L.ffn_gate, "ffn_gate.weight", E, F, spec.ffn_mode != FfnMode::seq));
        if (spec.ffn_mode == FfnMode::seq && L.ffn_gate.present())
            return Status::error(fmt::format("{}: tensor '{}ffn_gate.weight' does not fit architecture '{}', whose "
                                             "FFN has no gate (ReLU(up) then down)", file.path(), p, spec.arch));
        if (biases) LOCUS_TRY(take_v(L.ffn_up_b, "ffn_up.bias", F));
        if (spec.sparse_file) {
            LOCUS_TRY(take_m(L.ffn_down_t, "ffn_down_t.weight", E, F));
            if (biases) LOCUS_TRY(take_v(L.ffn_down_b, "ffn_down_t.bias", E));
        } else {
            LOCUS_TRY(take_m(L.ffn_down, "ffn_down.weight", F, E));
            if (biases) LOCUS_TRY(take_v(L.ffn_down_b, "ffn_down.bias", E));
        }
        LOCUS_TRY(take_m(L.fc1, "fc1.weight", E, 0, false));
        LOCUS_TRY(take_m(L.fc2, "fc2.weight", L.fc1.present() ? L.fc1.rows : 0, F, false));
        if (L.fc1.present() != L.fc2.present())
            return Status::error(fmt::format("{}: layer {} has only one of the predictor tensors fc1/fc2", file.path(), i));
    }
    // Predictors are all or nothing: a model with some layers predicted and others not is not a valid file.
    int64_t with_pred = 0;
    for (const auto& L : w.layers) with_pred += L.fc1.present();
    if (with_pred != 0 && with_pred != spec.n_layer)
        return Status::error(fmt::format("{}: only {} of {} layers have predictors (fc1/fc2)", file.path(), with_pred,
                                         spec.n_layer));
    spec.has_predictors = with_pred == spec.n_layer;
    return w;
}

uint64_t weight_bytes(const ModelWeights& w) {
    auto sz = [](const Matrix& m) { return m.present() ? uint64_t(m.row_bytes) * m.rows : 0; };
    uint64_t total = sz(w.output);
    for (const auto& L : w.layers)
        total += sz(L.wqkv) + sz(L.wq) + sz(L.wk) + sz(L.wv) + sz(L.wo) + sz(L.ffn_gate) + sz(L.ffn_up) + sz(L.ffn_down) +
                 sz(L.ffn_down_t) + sz(L.fc1) + sz(L.fc2);
    return total;
}

uint64_t ffn_weight_bytes(const ModelWeights& w) {
    auto sz = [](const Matrix& m) { return m.present() ? uint64_t(m.row_bytes) * m.rows : 0; };
    uint64_t total = 0;
    for (const auto& L : w.layers)
        total += sz(L.ffn_gate) + sz(L.ffn_up) + sz(L.ffn_down) + sz(L.ffn_down_t) + sz(L.fc1) + sz(L.fc2);
    return total;
}

}  // namespace locus
