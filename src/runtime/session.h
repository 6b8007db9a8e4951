// A conversation state over an Engine: the KV cache of one or more sequences and the logits of the last pass.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/status.h"
#include "model/llama_model.h"
#include "runtime/batch.h"
#include "runtime/engine.h"
#include "runtime/kv_cache.h"

namespace locus {

struct SessionOptions {
    int64_t n_ctx = 0;     // 0: the model's training context
    int n_seq = 1;         // sequences (slots) sharing the session
    int64_t n_batch = 512; // tokens per forward pass; longer batches are split
};

class Session {
public:
    static Expected<std::unique_ptr<Session>> create(Engine& engine, const SessionOptions& opts);

    // Runs a batch (split into passes of n_batch tokens); afterwards logits(i) is the i-th flagged token's.
    Status decode(const Batch& batch);
    // Appends tokens to sequence `seq` at its current end; logits for the last token, or for all if asked.
    Status eval(std::span<const int32_t> tokens, int seq = 0, bool all_logits = false);

    const float* logits(int64_t i) const { return logits_.data() + i * n_vocab_; }
    int64_t n_logits() const { return n_logits_; }
    int64_t n_vocab() const { return n_vocab_; }
    int64_t n_ctx() const { return kv_.n_ctx(); }
    int n_seq() const { return kv_.n_seq(); }
    int64_t n_batch() const { return n_batch_; }
    int64_t n_past(int seq = 0) const { return n_past_[seq]; }
    // Forgets a sequence (its cache rows are overwritten by later tokens).
    void clear(int seq = 0) { n_past_[seq] = 0; }
    Engine& engine() { return engine_; }
    // Profiling: while set, every pass adds which FFN neurons fired (see sparse/activation_counts.h), the layers
    // on a GPU included (layer offload, -ngl). An error where the placement cannot report them (the hybrid
    // hot/cold split); null stops counting.
    Status set_activation_counts(ActivationCounts* c);
    // Predictor training: while set, every pass records (predictor input, fired neurons) samples
    // (see sparse/predictor_samples.h). Run in oracle or off mode so the fired sets are the true ones.
    void set_predictor_samples(PredictorSamples* p) { scratch_.samples = p; }
    // FFN time and weight bytes read so far (benchmarks); reset with reset_ffn_stats().
    const ForwardScratch::FfnStats& ffn_stats() const { return scratch_.ffn_stats; }
    void reset_ffn_stats() { scratch_.ffn_stats = {}; }
    // The GPU side of the session (null: CPU only); see runtime/gpu_offload.h for its timing report.
    const ForwardHooks* forward_hooks() const { return hooks_.get(); }

private:
    Session(Engine& e, KvCache kv, int64_t n_batch);
    Engine& engine_;
    KvCache kv_;
    int64_t n_batch_;
    int64_t n_vocab_;
    std::vector<int64_t> n_past_;
    ForwardScratch scratch_;
    AlignedBuffer<float> logits_;
    int64_t n_logits_ = 0;
    Batch sub_;
    std::unique_ptr<ForwardHooks> hooks_;
};

}  // namespace locus
