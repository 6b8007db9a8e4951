// Where parts of a forward pass may run on another device. LlamaModel::forward asks the hooks (set per session in
// ForwardScratch::hooks; null: everything on the CPU) for each layer and for the tail of the pass. The CUDA
// backend implements them (src/runtime/gpu_hooks.cpp); nothing here depends on CUDA.
#pragma once
#include <cstdint>
#include <functional>

#include "core/status.h"
#include "core/thread_pool.h"
#include "runtime/batch.h"

namespace locus {

struct ForwardScratch;

class ForwardHooks {
public:
    virtual ~ForwardHooks() = default;

    // Layer offload: layers [first_device_layer(), n_layer) run on the device, and the output head too when
    // device_output_head(). run_device_tail() gets the residual (batch x n_embd, host) after the CPU layers and
    // either writes it back (head on the CPU) or writes the logits of the flagged tokens (head on the device).
    virtual int64_t first_device_layer() const = 0;
    virtual bool device_output_head() const = 0;
    virtual Status run_device_tail(const Batch& batch, float* x, float* logits) = 0;

    // Per-layer work of the layers before first_device_layer() (hybrid placement).
    // Attention: s.x (residual) in, s.attn_out out, K/V of the batch stored in the device's cache.
    virtual bool attention_on_device(int64_t layer) const { return false; }
    virtual Status attention(int64_t layer, const Batch& batch, ForwardScratch& s) {
        return Status::error("attention hook not implemented");
    }
    // FFN: s.x += FFN(s.x) for the batch, split between the device and the CPU thread pool.
    virtual bool ffn_on_device(int64_t layer) const { return false; }
    virtual Status ffn(int64_t layer, int64_t n_tok, ThreadPool& pool, ForwardScratch& s) {
        return Status::error("FFN hook not implemented");
    }

    // The whole layer stack with the residual kept on the device (a hybrid placement with every layer's
    // attention there): s.x (the embeddings) in; out, s.x after the last layer, or the logits of the flagged
    // tokens when device_output_head(). The CPU's share of each layer runs inside, on `pool`.
    // Profiling (`locus profile`): with an observer set, the device reports the FFN activations of the layers it
    // computes whole (layer offload): n_tok rows of n_ff values, `stride` floats apart. Null stops it. Returns
    // false where the device cannot report them (then the caller must not count on it).
    using ActivationObserver = std::function<void(int64_t layer, const float* hidden, int64_t n_tok, int64_t stride)>;
    virtual bool set_activation_observer(ActivationObserver observer) { return false; }

    virtual bool resident_layers(int64_t n_tok) const { return false; }
    virtual Status run_resident(const Batch& batch, ThreadPool& pool, ForwardScratch& s, float* logits) {
        return Status::error("resident-layers hook not implemented");
    }
};

}  // namespace locus
