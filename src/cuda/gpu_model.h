// The weights a placement puts on the GPU, uploaded once at load: for each layer its attention (norm, Q/K/V/O,
// biases), its dense FFN (norm, gate, up, down: layer offload) or its hot neurons (compact gate/up/down_t rows of
// the neurons chosen by the planner, and their index map: hybrid sparse), its predictor; and the output head.
// Weights keep their file type. Float matrices whose row length is not a multiple of 32 (the kernels' unit) are
// padded with zero columns; only ffn_down of small models needs it (its input, the hidden vector, is padded too).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "cuda/memory.h"
#include "cuda/weights.h"
#include "model/model_spec.h"
#include "model/weights.h"

namespace locus::cuda {

// What to upload, per layer and for the head.
struct GpuPlan {
    std::vector<uint8_t> attn;       // attention weights of the layer
    std::vector<uint8_t> dense_ffn;  // the whole FFN (ffn_norm, gate, up, down)
    std::vector<uint8_t> predictor;  // fc1, fc2
    std::vector<uint8_t> ffn_norm;   // ffn_norm alone (hybrid layers; a dense FFN brings its own)
    std::vector<std::vector<int32_t>> hot;  // hot neurons (ascending) of PowerInfer layers: compact rows
    bool output = false;             // output_norm + output
};

struct GpuLayer {
    bool attn = false, dense_ffn = false, predictor = false;
    const float* attn_norm = nullptr;
    DeviceMatrix wq, wk, wv, wo;
    DeviceMatrix wqkv;  // wq, wk, wv stacked (one matvec for one token) when they share type and columns; rows 0
                        // otherwise. wq, wk and wv are then views into it.
    const float *bq = nullptr, *bk = nullptr, *bv = nullptr;
    const float* ffn_norm = nullptr;
    DeviceMatrix gate, up, down;  // dense FFN; gate absent (rows 0) for SEQ models; down.cols = padded n_ff
    int64_t n_hot = 0;
    DeviceMatrix hot_gate, hot_up, hot_down_t;  // n_hot rows each, row j = neuron hot_map[j]
    const int32_t* hot_map = nullptr;           // device: n_hot neuron indices
    const int32_t* hot_iota = nullptr;          // device: 0 .. n_hot-1 (every hot neuron)
    DeviceMatrix fc1, fc2;
};

class GpuModel {
public:
    // Uploads what `plan` asks for; an unsupported weight type or an allocation that fails is an error naming
    // the tensor. Falcon-style models (LayerNorm, fused QKV, parallel blocks) are refused: no GPU kernels yet.
    static Expected<std::unique_ptr<GpuModel>> upload(const ModelSpec& spec, const ModelWeights& w, const GpuPlan& plan);

    const GpuLayer& layer(int64_t l) const { return layers_[size_t(l)]; }
    int64_t n_layer() const { return int64_t(layers_.size()); }
    bool has_output() const { return output_.rows > 0; }
    const DeviceMatrix& output() const { return output_; }
    const float* output_norm() const { return output_norm_; }
    int64_t ff_padded() const { return ff_pad_; }
    uint64_t bytes() const { return bytes_; }
    // Largest rows x cols of the uploaded matrices (the prefill GEMM's F16 scratch).
    int64_t max_matrix_elems() const { return max_elems_; }

private:
    GpuModel() = default;
    Expected<DeviceMatrix> matrix(const Matrix& m, int64_t pad_cols_to = 0);
    // The matrices one under the other in one buffer (rows 0 when their types or columns differ).
    Expected<DeviceMatrix> stacked(const std::vector<const Matrix*>& ms);
    Expected<DeviceMatrix> rows_of(const Matrix& m, const std::vector<int32_t>& rows);
    Expected<const float*> vec(const std::vector<float>& v, const char* what);
    Expected<const int32_t*> ints(const std::vector<int32_t>& v);

    std::vector<DeviceBuffer> bufs_;
    std::vector<GpuLayer> layers_;
    DeviceMatrix output_;
    const float* output_norm_ = nullptr;
    int64_t ff_pad_ = 0;
    uint64_t bytes_ = 0;
    int64_t max_elems_ = 0;
};

}  // namespace locus::cuda
