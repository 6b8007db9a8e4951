// One session's GPU state and the GPU side of its forward passes: the KV cache of the layers whose attention
// runs on the GPU, work buffers for up to max_tokens tokens, pinned staging buffers and one stream.
//   run_tail:  layer offload. The residual of a batch goes up once, runs through layers [first, n_layer) (all
//              on the GPU) and the output head if asked, and comes back as the residual or as logits.
//   attention: one layer's attention block for the hybrid placement (residual up, attention output down).
//   ffn_hot_*: the GPU half of a hybrid FFN step, asynchronous: begin() enqueues the predictor (if on the GPU),
//              the selection of the active hot neurons, their gate/up rows, activation and down_t rows; the
//              CPU computes the cold half meanwhile; end() waits and returns the partial output.
// Batches may mix sequences: every token's position and sequence go up to the device, where the KV store and
// attention read them; the matrix products take the whole batch (matvec for up to kGemmMinTokens tokens,
// dequantised F16 + cuBLAS above).
// CUDA graphs: passes of one token (decode) are captured into graphs once and replayed after (run_tail: one graph
// for the whole pass; resident passes: one per stretch of GPU work between two host waits). Nothing that changes
// from token to token is a kernel argument there: positions, the residual and the CPU's halves are read from
// pinned buffers by the graph's copies, attention sizes its grid for the whole context. LOCUS_CUDA_GRAPHS=0
// turns graphs off (every launch direct, as before).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "cuda/gpu_model.h"
#include "cuda/memory.h"
#include "cuda/prefill_gemm.h"
#include "model/model_spec.h"
#include "runtime/batch.h"

namespace locus::cuda {

constexpr int kGemmMinTokens = 32;

// Bytes of work buffers a runner needs besides the KV cache (the placement reserves them).
uint64_t runner_scratch_bytes(const ModelSpec& spec, int64_t max_tokens, int64_t n_ctx, int64_t max_hot, int64_t max_rank);

struct HybridStep {
    bool predictor_on_gpu = false;  // run fc1/fc2 here and hand the logits to the CPU
    bool predictor_mode = false;    // neurons chosen by predictor logits (else every hot neuron: oracle/off)
    float threshold = 0.0f;
    FfnActivation act = FfnActivation::relu;
    FfnMode mode = FfnMode::par;
};

class GpuRunner {
public:
    static Expected<std::unique_ptr<GpuRunner>> create(const GpuModel& model, const ModelSpec& spec, int64_t n_ctx,
                                                       int n_seq, int64_t max_tokens);
    ~GpuRunner();

    int64_t max_tokens() const { return max_tokens_; }
    bool graphs_enabled() const { return graphs_on_; }
    uint64_t kv_bytes() const { return kv_bytes_; }

    Status run_tail(const Batch& b, int64_t first, float* x, bool head, float* logits);
    // Profiling: after each dense FFN on the GPU, its activations (n_tok rows of n_ff, row stride given) are
    // copied to the host and handed to `observer`. While one is set, passes run without CUDA graphs.
    using ActivationObserver = std::function<void(int64_t layer, const float* hidden, int64_t n_tok, int64_t stride)>;
    void set_activation_observer(ActivationObserver observer);
    Status attention(int64_t layer, const Batch& b, const float* x, float* attn_out);

    // Hybrid FFN of `layer` for n_tok tokens (<= max_tokens). Before begin(): the normalised input in
    // pinned_cur(), the residual in pinned_x() (predictor on the GPU) or the logits in pinned_logits()
    // (predictor on the CPU). wait_logits(): pinned_logits() holds the GPU predictor's output. end(): the hot
    // neurons' output (n_tok x n_embd) in pinned_y(), and the GPU time of the step.
    float* pinned_cur() const { return p_cur_.as<float>(); }
    float* pinned_x() const { return p_x_.as<float>(); }
    float* pinned_logits() const { return p_logits_.as<float>(); }
    const float* pinned_y() const { return p_y_.as<float>(); }
    Status ffn_hot_begin(int64_t layer, int n_tok, const HybridStep& st);
    Status wait_logits();
    Expected<float> ffn_hot_end();

    // Hybrid layers with the residual resident here (placements with every layer's attention, ffn_norm and, in
    // predictor mode, predictor on the GPU): one stream, no wait but the CPU's for its input.
    //   resident_begin: the batch's positions and residual (host, n_tok x n_embd) go up.
    //   resident_layer: enqueues layer l: attention, residual add, FFN norm, predictor, the active hot neurons
    //     (their output added to the residual here). With send_cpu_input, the normalised FFN input and the
    //     predictor logits come down to pinned_cur() / pinned_logits(), ready after wait_logits().
    //   resident_add: adds the CPU's cold-neuron output (n_tok x n_embd, host) to the residual.
    //   resident_end: the output head (logits of the flagged tokens) or the residual back into x; waits.
    Status resident_begin(const Batch& b, const float* x);
    Status resident_layer(int64_t layer, const HybridStep& st, bool send_cpu_input);
    Status resident_add(const float* y);
    Status resident_end(const Batch& b, bool head, float* x, float* logits);

private:
    GpuRunner(const GpuModel& m, const ModelSpec& s) : m_(m), spec_(s) {}
    Status chunk_tail(const Batch& b, int64_t t0, int64_t T, int64_t first, float* x, bool head, float* logits);
    // Validates and stages the tokens' positions and sequences (pinned); returns max position + 1. The copy to
    // the device is enqueue_positions (a graph's copy node reads the pinned values at replay).
    Expected<int64_t> stage_positions(const Batch& b, int64_t t0, int64_t T);
    Status enqueue_positions(int64_t T);
    // d_x -> attention output; with add_to_x the output projection is added to d_x, else it lands in B_AO.
    Status attention_dev(int64_t l, int64_t T, int64_t n_kv_max, bool add_to_x);
    Status observe_hidden(int64_t l, int64_t T);                              // profiling: B_HID to observer_
    Status ffn_dense_dev(int64_t l, int64_t T);                                 // d_x += FFN(d_x)
    Status predictor_dev(const GpuLayer& g, int T);                             // d_x -> predictor logits
    // d_cur, logits -> y (T rows of n_embd): added to y when accumulate, else y is overwritten.
    Status hot_ffn_dev(const GpuLayer& g, int T, const HybridStep& st, float* y, bool accumulate);
    Status head_dev(const Batch& b, int64_t t0, int64_t T, float* logits);      // d_x -> host logits
    Status linear(const DeviceMatrix& w, const float* x, int64_t x_stride, float* y, int64_t y_stride, int64_t T,
                  bool accumulate = false);
    // Device work of the pass under way: run at once, or (graph_pass_) queued under a signature until flush(),
    // which replays the segment's graph, capturing it first if it is new.
    template <class F>
    Status put(const std::string& sig, F&& op);
    Status flush();
    uint16_t* kcache(int seq, int64_t l) const;
    uint16_t* vcache(int seq, int64_t l) const;
    float* buf(int i) const { return f_[size_t(i)].as<float>(); }
    // MatvecArgs::xq for a product of this size, or null (F32 kernel) when it exceeds the scratch.
    int8_t* int8_scratch(int64_t cols, int64_t T) const {
        return T <= xq_tokens_ && cols <= xq_cols_ && !int8_off_ ? xq_.as<int8_t>() : nullptr;
    }

    const GpuModel& m_;
    const ModelSpec& spec_;
    int64_t n_ctx_ = 0, max_tokens_ = 0;
    int n_seq_ = 0;
    uint64_t kv_bytes_ = 0;
    Stream stream_;
    Event ev_start_, ev_logits_, ev_done_;
    std::vector<DeviceBuffer> kv_;  // per layer (empty when its attention is not on the GPU)
    std::vector<DeviceBuffer> f_;   // float work buffers, indexed by the enum in gpu_runner.cpp
    DeviceBuffer idx_, count_, pos_;
    DeviceBuffer xq_;  // int8 activations of the matvec in flight (the stream orders its users)
    int64_t xq_tokens_ = 0, xq_cols_ = 0;
    bool int8_off_ = false;  // LOCUS_MATVEC_INT8=0: Q4_0 products on F32 activations (A/B runs)  // pos_: the pass's positions, then its sequences (2 x T int32)
    PinnedBuffer p_in_, p_out_, p_cur_, p_x_, p_logits_, p_y_, p_pos_, p_yc_, p_head_;
    int64_t resident_nkv_ = 0;  // grid bound of attention in the resident pass under way
    int resident_T_ = 0;
    CublasHandle blas_;
    DeviceBuffer w_f16_, x_f16_;  // prefill GEMM scratch (allocated on first use; empty: matvec only)
    bool gemm_tried_ = false;
    bool hot_pending_ = false;
    bool graphs_on_ = true;
    bool graphs_wanted_ = true;  // graphs_on_ before an activation observer turned them off
    ActivationObserver observer_;
    std::vector<float> observed_;  // host copy of the activations for the observer
    bool graph_pass_ = false;  // the pass under way is one token with graphs on: device work goes through put()
    std::string seg_sig_;
    std::vector<std::function<Status()>> seg_ops_;
    std::unordered_map<std::string, Graph> graphs_;
};

}  // namespace locus::cuda
