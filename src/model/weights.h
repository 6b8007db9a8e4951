// Model weights bound by tensor name to the mapped file. Matrices stay in their file type; small vectors
// (norms, biases) are converted to F32 once at load.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/model_spec.h"
#include "quant/types.h"

namespace locus {
namespace gguf { class File; }

// A 2-D weight: `rows` rows of `cols` elements (ggml: ne0 = cols), row-major in the file's type.
struct Matrix {
    std::string name;
    DType type = DType::F32;
    int64_t cols = 0;
    int64_t rows = 0;
    size_t row_bytes = 0;
    const uint8_t* data = nullptr;
    // Row-interleaved layout (cpu/interleave.h), set when the engine repacks a matrix for decode: rows
    // [0, rows / 4 * 4) are stored in groups of four, block by block; the rows after the last full group, and
    // every row when this is false, are plain. Either way rows [4g, 4g + 4) occupy the same bytes.
    bool interleaved = false;

    bool present() const { return data != nullptr; }
    // Row r's bytes in place: only for plain rows (read_row in cpu/interleave.h reads any row).
    const uint8_t* row(int64_t r) const { return data + size_t(r) * row_bytes; }
    // Where row r's bytes (plain layout) or its group's bytes (interleaved) start: for prefetching ranges.
    const uint8_t* row_address(int64_t r) const { return data + size_t(r) * row_bytes; }
};

struct LayerWeights {
    std::vector<float> attn_norm;
    std::vector<float> attn_norm_b;               // LayerNorm bias (falcon)
    std::vector<float> attn_norm_2, attn_norm_2_b;  // falcon-40B: a second LayerNorm, for attention
    Matrix wqkv;                                  // falcon: Q, K and V in one matrix (rows Q | K | V)
    Matrix wq, wk, wv, wo;
    std::vector<float> bq, bk, bv;   // empty when the model has none
    std::vector<float> bo;           // attention output bias (opt)
    std::vector<float> ffn_norm;
    std::vector<float> ffn_norm_b;   // LayerNorm bias (opt)
    Matrix ffn_gate, ffn_up, ffn_down;  // ffn_gate absent for SEQ models
    // FFN biases (opt): up's before the activation, down's on the output (`ffn_down_t.bias` in PWRI files).
    std::vector<float> ffn_up_b, ffn_down_b;
    // PowerInfer files: the down projection transposed (row i = neuron i's output column) instead of ffn_down,
    // and the activation predictor fc2 · ReLU(fc1 · x) (absent when the file has none).
    Matrix ffn_down_t;
    Matrix fc1, fc2;
};

struct ModelWeights {
    Matrix tok_embd;
    Matrix pos_embd;  // learned positions (opt): row p + position_offset is added to position p's embedding
    std::vector<float> output_norm;
    std::vector<float> output_norm_b;  // LayerNorm bias (falcon)
    Matrix output;  // tok_embd when the output head is tied
    std::vector<LayerWeights> layers;
};

// Binds every tensor the spec needs; a missing tensor or a wrong shape or type is an error naming it.
Expected<ModelWeights> bind_weights(const gguf::File& file, ModelSpec& spec);

// Total bytes of the matrices (what a dense decode step reads).
uint64_t weight_bytes(const ModelWeights& w);
// Bytes of the FFN matrices and predictors (the part of weight_bytes that activation sparsity can skip).
uint64_t ffn_weight_bytes(const ModelWeights& w);

}  // namespace locus
