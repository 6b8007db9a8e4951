// Hyperparameters and architecture traits of a model, read from GGUF metadata.
#pragma once
#include <cstdint>
#include <string>

#include "core/status.h"

namespace locus {
namespace gguf { class File; }

enum class RopeStyle { normal, neox };        // pairs (2i, 2i+1) vs halves (i, i + d/2)
enum class FfnActivation { silu, relu, gelu };
// How the FFN combines its projections (PowerInfer's names): PAR act(gate)*up, SYM act(gate)*act(up)
// (dReLU), SEQ act(up) with no gate.
enum class FfnMode { par, sym, seq };
enum class NormType { rms, layer };  // RMSNorm (llama) or LayerNorm with bias (falcon, opt)
// Where token positions enter: rotary embeddings in attention (llama, falcon), or a learned table added to the
// token embeddings (opt: `position_embd.weight`, no RoPE).
enum class Positions { rope, learned };

struct ModelSpec {
    std::string arch;
    std::string name;
    int64_t n_vocab = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim = 0;
    int64_t n_ff = 0;
    int64_t n_ctx_train = 0;
    float norm_eps = 1e-5f;
    float rope_freq_base = 10000.0f;
    float rope_freq_scale = 1.0f;    // position multiplier (1 / linear scaling factor)
    int64_t rope_dims = 0;           // leading dims of each head that are rotated
    RopeStyle rope_style = RopeStyle::normal;
    FfnActivation ffn_act = FfnActivation::silu;
    FfnMode ffn_mode = FfnMode::par;
    NormType norm = NormType::rms;
    // Falcon: attention and FFN both read the layer input (the FFN its LayerNorm, the predictor the raw
    // input) and both outputs are added to it; llama: the FFN follows attention.
    bool parallel_block = false;
    Positions positions = Positions::rope;
    // Learned positions: position p reads row p + position_offset of the table (OPT keeps two unused rows in
    // front, a relic of fairseq's padding index; HF and PowerInfer's converter keep the table as trained).
    int64_t position_offset = 0;
    // Biases on the attention output and on the FFN projections (opt).
    bool linear_biases = false;
    bool sparse_file = false;        // PowerInfer PWRI file
    bool has_predictors = false;     // every layer has fc1/fc2 (set by bind_weights)
    float sparse_threshold = 0.0f;   // powerinfer.sparse_threshold: neuron active when predictor logit >= it

    bool relu_family() const { return ffn_act == FfnActivation::relu; }
    int64_t kv_dim() const { return n_head_kv * head_dim; }
    int64_t q_dim() const { return n_head * head_dim; }
};

const char* ffn_activation_name(FfnActivation a);

// Reads the spec; an unknown architecture or a missing/inconsistent hyperparameter is an error naming it.
Expected<ModelSpec> read_model_spec(const gguf::File& file);

}  // namespace locus
