// The llama-family forward pass on the CPU: RMSNorm, RoPE, grouped-query attention over the KV cache,
// gated (or plain) FFN, residual stream. Architectures sharing it: llama, mistral, qwen2 (QKV biases), bamboo,
// falcon (LayerNorm, fused QKV, attention and FFN in parallel on the layer input) and opt (LayerNorm, learned
// positions instead of RoPE, biases on every projection, ReLU FFN without a gate).
#pragma once
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/status.h"
#include "core/thread_pool.h"
#include "cpu/matmul.h"
#include "cpu/rope.h"
#include "model/model_spec.h"
#include "model/weights.h"
#include "runtime/batch.h"
#include "runtime/kv_cache.h"
#include "model/forward_scratch.h"
#include "model/sparse_ffn.h"

namespace locus {

class LlamaModel {
public:
    LlamaModel(const ModelSpec& spec, const ModelWeights& weights, FfnSparsity sparsity = {});

    // Runs the batch: writes each token's K/V at (seq, pos) and, for the tokens whose logits are wanted,
    // writes their logits in batch order into `logits` (n_logits x n_vocab). Positions must be < n_ctx and
    // every sequence's earlier positions must already be in the cache.
    Status forward(const Batch& batch, KvCache& kv, float* logits, ThreadPool& pool, ForwardScratch& s) const;

    const ModelSpec& spec() const { return spec_; }
    const FfnSparsity& sparsity() const { return sparsity_; }

private:
    void embed(const Batch& batch, float* x) const;
    // The model's normalisation (RMSNorm, or LayerNorm with bias b when b is not empty) of one row.
    void norm(const float* x, const std::vector<float>& w, const std::vector<float>& b, float* y) const;
    void attention_block(int64_t layer, const Batch& batch, KvCache& kv, ThreadPool& pool, ForwardScratch& s) const;
    void ffn_block(int64_t layer, int64_t n_tok, ThreadPool& pool, ForwardScratch& s) const;

    void output_head(const Batch& batch, float* logits, ThreadPool& pool, ForwardScratch& s) const;

    const ModelSpec& spec_;
    const ModelWeights& w_;
    RopeParams rope_;
    FfnSparsity sparsity_;
    SparseFfn sparse_ffn_;
    bool sparse_path_ = false;
};

}  // namespace locus
