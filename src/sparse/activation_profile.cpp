#include "sparse/activation_profile.h"

#include <cmath>
#include <cstring>

#include "gguf/gguf.h"

namespace locus {
namespace {

constexpr const char* kNLayer = "locus.activation_profile.n_layer";
constexpr const char* kNFf = "locus.activation_profile.n_ff";
constexpr const char* kNTokens = "locus.activation_profile.n_tokens";
// Files written by `locus sparsify` before 2026-12-06 hold F32 counts (not probabilities) with this key beside them.
constexpr const char* kLegacyNTokens = "locus.profile.n_tokens";

// One layer's tensor as stored: counts (I32) or probabilities (F32), validated.
struct LayerValues {
    bool counts = false;
    bool legacy = false;  // F32 counts over locus.profile.n_tokens
    std::vector<double> v;
};

Expected<LayerValues> layer_values(const gguf::File& f, int64_t layer, int64_t n_ff, std::optional<int64_t> n_tokens,
                                   std::optional<int64_t> f32_count_tokens = std::nullopt) {
    const std::string name = act_count_tensor_name(layer);
    const std::string where = f.path() + ": tensor '" + name + "'";
    const gguf::TensorInfo* t = f.tensor(name);
    if (!t) return Expected<LayerValues>::failure(f.path() + ": tensor '" + name + "' is missing");
    if (t->shape.size() != 1 || t->shape[0] != n_ff)
        return Expected<LayerValues>::failure(where + " has " + std::to_string(t->n_elements()) + " elements in " +
                                              std::to_string(t->shape.size()) + " dimension(s), expected [" +
                                              std::to_string(n_ff) + "] (one per FFN neuron)");
    LayerValues out;
    out.v.resize(size_t(n_ff));
    if (t->type == DType::I32) {
        if (!n_tokens)
            return Expected<LayerValues>::failure(where + " holds counts (I32) but the file has no " +
                                                  std::string(kNTokens) + " to turn them into frequencies");
        out.counts = true;
        for (int64_t i = 0; i < n_ff; ++i) {
            int32_t c;
            std::memcpy(&c, t->data + 4 * i, 4);
            if (c < 0 || c > *n_tokens)
                return Expected<LayerValues>::failure(where + " neuron " + std::to_string(i) + " has count " +
                                                      std::to_string(c) + ", outside 0.." + std::to_string(*n_tokens));
            out.v[size_t(i)] = double(c);
        }
    } else if (t->type == DType::F32 && f32_count_tokens) {  // legacy sparsify output: counts stored as F32
        out.counts = out.legacy = true;
        for (int64_t i = 0; i < n_ff; ++i) {
            float c;
            std::memcpy(&c, t->data + 4 * i, 4);
            if (!std::isfinite(c) || c < 0.0f || double(c) > double(*f32_count_tokens))
                return Expected<LayerValues>::failure(where + " neuron " + std::to_string(i) + " has count " +
                                                      std::to_string(c) + ", outside 0.." +
                                                      std::to_string(*f32_count_tokens));
            out.v[size_t(i)] = c;
        }
    } else if (t->type == DType::F32) {
        for (int64_t i = 0; i < n_ff; ++i) {
            float p;
            std::memcpy(&p, t->data + 4 * i, 4);
            if (!std::isfinite(p) || p < 0.0f || p > 1.0f)
                return Expected<LayerValues>::failure(where + " neuron " + std::to_string(i) + " has frequency " +
                                                      std::to_string(p) + ", outside [0, 1]");
            out.v[size_t(i)] = p;
        }
    } else {
        return Expected<LayerValues>::failure(where + " has type " + dtype_name(t->type) +
                                              ", expected i32 (counts) or f32 (frequencies)");
    }
    return out;
}

Expected<int64_t> positive_key(const gguf::File& f, const char* key, bool required) {
    auto v = f.get_int(key);
    if (!v) return Expected<int64_t>::failure(f.path() + ": " + v.error());
    if (!*v) {
        if (!required) return int64_t(0);
        return Expected<int64_t>::failure(f.path() + ": key " + key + " is missing");
    }
    if (**v <= 0) return Expected<int64_t>::failure(f.path() + ": key " + key + " is " + std::to_string(**v) + ", must be positive");
    return **v;
}

}  // namespace

std::string act_count_tensor_name(int64_t layer) { return "blk." + std::to_string(layer) + ".ffn_act_count"; }

Status write_activation_profile(const std::string& path, const ActivationCounts& counts) {
    const std::string what = "activation profile '" + path + "'";
    if (counts.fired.empty() || counts.fired[0].empty() || counts.n_tokens <= 0)
        return Status::error(what + ": nothing was counted");
    const size_t n_ff = counts.fired[0].size();
    gguf::Writer w;
    w.set("general.architecture", gguf::Value::make_string(kActivationProfileArch));
    w.set(kNLayer, gguf::Value::make_u32(uint32_t(counts.fired.size())));
    w.set(kNFf, gguf::Value::make_u32(uint32_t(n_ff)));
    w.set(kNTokens, gguf::Value::make_u64(uint64_t(counts.n_tokens)));
    std::vector<int32_t> row(n_ff);
    for (size_t l = 0; l < counts.fired.size(); ++l) {
        if (counts.fired[l].size() != n_ff)
            return Status::error(what + ": layer " + std::to_string(l) + " has " +
                                 std::to_string(counts.fired[l].size()) + " neurons, layer 0 has " + std::to_string(n_ff));
        for (size_t i = 0; i < n_ff; ++i) {
            if (int64_t(counts.fired[l][i]) > counts.n_tokens)
                return Status::error(what + ": layer " + std::to_string(l) + " neuron " + std::to_string(i) +
                                     " fired more often than there were tokens");
            row[i] = int32_t(counts.fired[l][i]);  // <= n_tokens; n_tokens fits: checked below
        }
        if (counts.n_tokens > INT32_MAX) return Status::error(what + ": more than 2^31 tokens do not fit i32 counts");
        LOCUS_TRY(w.add_tensor(act_count_tensor_name(int64_t(l)), DType::I32, {int64_t(n_ff)}, row.data(), n_ff * 4));
    }
    return w.write(path);
}

Expected<ActivationCounts> read_activation_profile(const std::string& path) {
    auto file = gguf::File::open(path);
    if (!file) return Expected<ActivationCounts>::failure("activation profile: " + file.error());
    const gguf::File& f = **file;
    auto arch = f.get_string("general.architecture");
    if (!arch) return Expected<ActivationCounts>::failure(path + ": " + arch.error());
    if (!*arch || **arch != kActivationProfileArch)
        return Expected<ActivationCounts>::failure(path + ": not an activation profile (general.architecture is '" +
                                                   (*arch ? **arch : std::string("missing")) + "', expected '" +
                                                   kActivationProfileArch + "')");
    auto n_layer = positive_key(f, kNLayer, true);
    if (!n_layer) return n_layer.status();
    auto n_ff = positive_key(f, kNFf, true);
    if (!n_ff) return n_ff.status();
    auto n_tokens = positive_key(f, kNTokens, true);
    if (!n_tokens) return n_tokens.status();
    if (int64_t(f.tensors().size()) != *n_layer)
        return Expected<ActivationCounts>::failure(path + ": has " + std::to_string(f.tensors().size()) +
                                                   " tensors, expected one per layer (" + std::to_string(*n_layer) + ")");
    ActivationCounts c;
    c.n_tokens = *n_tokens;
    c.fired.resize(size_t(*n_layer));
    for (int64_t l = 0; l < *n_layer; ++l) {
        auto v = layer_values(f, l, *n_ff, *n_tokens);
        if (!v) return v.status();
        auto& out = c.fired[size_t(l)];
        out.resize(size_t(*n_ff));
        for (size_t i = 0; i < out.size(); ++i)
            out[i] = uint32_t(v->counts ? v->v[i] : std::lround(v->v[i] * double(*n_tokens)));
    }
    return c;
}

Expected<std::optional<std::vector<std::vector<double>>>> read_act_frequencies(const gguf::File& f, int64_t n_layer,
                                                                               int64_t n_ff) {
    using Result = std::optional<std::vector<std::vector<double>>>;
    bool any = false;
    for (int64_t l = 0; l < n_layer && !any; ++l) any = f.tensor(act_count_tensor_name(l)) != nullptr;
    if (!any) return Result{};
    auto n_tokens = positive_key(f, kNTokens, false);
    if (!n_tokens) return n_tokens.status();
    auto legacy = positive_key(f, kLegacyNTokens, false);
    if (!legacy) return legacy.status();
    const std::optional<int64_t> nt = *n_tokens > 0 ? std::optional<int64_t>(*n_tokens) : std::nullopt;
    const std::optional<int64_t> f32_counts = *legacy > 0 ? std::optional<int64_t>(*legacy) : std::nullopt;
    std::vector<std::vector<double>> p(static_cast<size_t>(n_layer));
    for (int64_t l = 0; l < n_layer; ++l) {
        auto v = layer_values(f, l, n_ff, nt, f32_counts);
        if (!v) return v.status();
        if (v->counts)
            for (double& x : v->v) x /= double(v->legacy ? *f32_counts : *nt);
        p[size_t(l)] = std::move(v->v);
    }
    return Result(std::move(p));
}

}  // namespace locus
