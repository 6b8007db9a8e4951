#include "model/model_spec.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "gguf/gguf.h"

namespace locus {
namespace {

// The architectures the forward pass runs, as traits of the llama one (RMSNorm, RoPE, GQA attention, gated FFN).
struct ArchTraits {
    const char* name;
    RopeStyle rope;
    NormType norm = NormType::rms;
    bool parallel_block = false;
    Positions positions = Positions::rope;
};
constexpr ArchTraits kArchs[] = {
    {"llama", RopeStyle::normal},
    {"mistral", RopeStyle::normal},
    {"qwen2", RopeStyle::neox},
    {"bamboo", RopeStyle::normal},
    {"falcon", RopeStyle::neox, NormType::layer, true},
    // OPT: pre-LayerNorm blocks, learned absolute positions, biases everywhere, ReLU FFN without a gate.
    {"opt", RopeStyle::normal, NormType::layer, false, Positions::learned},
};
// OPT's position table starts two rows before position 0 (see ModelSpec::position_offset).
constexpr int64_t kOptPositionOffset = 2;

}  // namespace

const char* ffn_activation_name(FfnActivation a) {
    switch (a) {
        case FfnActivation::silu: return "silu";
        case FfnActivation::relu: return "relu";
        case FfnActivation::gelu: return "gelu";
    }
    return "?";
}

Expected<ModelSpec> read_model_spec(const gguf::File& f) {
    ModelSpec s;
    auto arch = f.get_string("general.architecture");
    if (!arch) return arch.status();
    if (!*arch) return Status::error(fmt::format("{}: missing general.architecture", f.path()));
    s.arch = **arch;
    const ArchTraits* traits = nullptr;
    for (const auto& a : kArchs)
        if (s.arch == a.name) traits = &a;
    if (!traits) {
        std::string known;
        for (const auto& a : kArchs) known += std::string(known.empty() ? "" : ", ") + a.name;
        return Status::error(fmt::format("{}: unsupported architecture '{}' (supported: {})", f.path(), s.arch, known));
    }
    s.rope_style = traits->rope;
    s.norm = traits->norm;
    s.parallel_block = traits->parallel_block;
    s.positions = traits->positions;
    s.sparse_file = f.is_powerinfer();
    if (auto name = f.get_string("general.name"); name && *name) s.name = **name;

    const std::string p = s.arch + ".";
    auto req_int = [&](const std::string& key, int64_t& out) -> Status {
        auto v = f.get_int(key);
        if (!v) return v.status();
        if (!*v) return Status::error(fmt::format("{}: missing required key '{}'", f.path(), key));
        if (**v <= 0) return Status::error(fmt::format("{}: key '{}' must be positive (got {})", f.path(), key, **v));
        out = **v;
        return Status::ok();
    };
    auto opt_int = [&](const std::string& key, int64_t& out) -> Status {
        auto v = f.get_int(key);
        if (!v) return v.status();
        if (*v) {
            if (**v <= 0) return Status::error(fmt::format("{}: key '{}' must be positive (got {})", f.path(), key, **v));
            out = **v;
        }
        return Status::ok();
    };
    auto opt_float = [&](const std::string& key, float& out) -> Status {
        auto v = f.get_float(key);
        if (!v) return v.status();
        if (*v) out = float(**v);
        return Status::ok();
    };
    LOCUS_TRY(req_int(p + "embedding_length", s.n_embd));
    LOCUS_TRY(req_int(p + "block_count", s.n_layer));
    LOCUS_TRY(req_int(p + "feed_forward_length", s.n_ff));
    LOCUS_TRY(req_int(p + "attention.head_count", s.n_head));
    s.n_head_kv = s.n_head;
    LOCUS_TRY(opt_int(p + "attention.head_count_kv", s.n_head_kv));
    s.n_ctx_train = 2048;
    LOCUS_TRY(opt_int(p + "context_length", s.n_ctx_train));
    s.head_dim = s.n_embd / s.n_head;
    LOCUS_TRY(opt_int(p + "attention.key_length", s.head_dim));
    s.rope_dims = s.head_dim;
    LOCUS_TRY(opt_int(p + "rope.dimension_count", s.rope_dims));
    LOCUS_TRY(opt_float(p + (s.norm == NormType::rms ? "attention.layer_norm_rms_epsilon"
                                                     : "attention.layer_norm_epsilon"),
                        s.norm_eps));
    LOCUS_TRY(opt_float(p + "rope.freq_base", s.rope_freq_base));
    float scale_linear = 1.0f;
    LOCUS_TRY(opt_float(p + "rope.scale_linear", scale_linear));
    LOCUS_TRY(opt_float(p + "rope.scaling.factor", scale_linear));
    if (!(scale_linear > 0)) return Status::error(fmt::format("{}: rope scaling factor must be positive", f.path()));
    s.rope_freq_scale = 1.0f / scale_linear;

    if (s.n_head % s.n_head_kv != 0)
        return Status::error(fmt::format("{}: head_count {} is not a multiple of head_count_kv {}", f.path(),
                                         s.n_head, s.n_head_kv));
    if (s.rope_dims > s.head_dim || s.rope_dims % 2 != 0)
        return Status::error(fmt::format("{}: rope.dimension_count {} does not fit head size {}", f.path(),
                                         s.rope_dims, s.head_dim));
    if (s.head_dim > 1024)
        return Status::error(fmt::format("{}: head size {} is larger than the supported 1024", f.path(), s.head_dim));
    if (s.head_dim % 2 != 0) return Status::error(fmt::format("{}: head size {} is odd", f.path(), s.head_dim));

    // Activation: PowerInfer's sparse llama files and bamboo are ReLU-family; dense files may say so explicitly.
    if (s.sparse_file && s.arch == "llama") s.ffn_act = FfnActivation::relu;
    if (s.arch == "bamboo") { s.ffn_act = FfnActivation::relu; s.ffn_mode = FfnMode::sym; }
    // Falcon: no gate; dense Falcon uses GELU, PowerInfer's (ReluFalcon) ReLU.
    if (s.arch == "falcon") {
        s.ffn_mode = FfnMode::seq;
        s.ffn_act = s.sparse_file ? FfnActivation::relu : FfnActivation::gelu;
    }
    // OPT: ReLU without a gate, dense or sparse. PowerInfer's converter writes context_length 2050 for OPT's
    // 2048 positions: the rows of the position table, offset included (bind_weights takes the table's size).
    if (s.arch == "opt") {
        s.ffn_mode = FfnMode::seq;
        s.ffn_act = FfnActivation::relu;
        s.linear_biases = true;
        s.position_offset = kOptPositionOffset;
        s.n_ctx_train = std::max<int64_t>(1, s.n_ctx_train - kOptPositionOffset);
    }
    auto act = f.get_string("locus.ffn_activation");
    if (!act) return act.status();
    if (*act) {
        if (**act == "silu") s.ffn_act = FfnActivation::silu;
        else if (**act == "relu") s.ffn_act = FfnActivation::relu;
        else if (**act == "gelu") s.ffn_act = FfnActivation::gelu;
        else return Status::error(fmt::format("{}: unknown locus.ffn_activation '{}'", f.path(), **act));
    }
    auto mode = f.get_string("locus.ffn_mode");
    if (!mode) return mode.status();
    if (*mode) {
        if (**mode == "par") s.ffn_mode = FfnMode::par;
        else if (**mode == "sym") s.ffn_mode = FfnMode::sym;
        else if (**mode == "seq") s.ffn_mode = FfnMode::seq;
        else return Status::error(fmt::format("{}: unknown locus.ffn_mode '{}'", f.path(), **mode));
    }
    LOCUS_TRY(opt_float("powerinfer.sparse_threshold", s.sparse_threshold));
    if (!std::isfinite(s.sparse_threshold))
        return Status::error(fmt::format("{}: powerinfer.sparse_threshold is not a finite number", f.path()));
    return s;
}

}  // namespace locus
