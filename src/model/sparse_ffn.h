// The FFN block over only the active neurons (PowerInfer's idea, on the CPU), and the dense FFN of
// PowerInfer files (their down projection is stored transposed). See sparse_ffn.cpp for the steps.
#pragma once
#include <cstdint>

#include "core/thread_pool.h"
#include "model/forward_scratch.h"
#include "model/model_spec.h"
#include "model/weights.h"

namespace locus {

class SparseFfn {
public:
    SparseFfn(const ModelSpec& spec, FfnSparsity sparsity) : spec_(spec), sparsity_(sparsity) {}

    // x += FFN(x) for the n_tok rows of s.x (n_embd each). Uses s's buffers, growing them as needed.
    void forward(const LayerWeights& L, int64_t layer, int64_t n_tok, ThreadPool& pool, ForwardScratch& s) const;

    // The CPU half of a hybrid step: the FFN over only the neurons i with allowed[i] != 0 (n_ff entries; the
    // others are left to another device), its output written to s.cur (n_tok x n_embd) rather than added to
    // s.x. s.cur must hold the normalised FFN input already (s.x the residual, for the predictor). In predictor
    // mode, `logits` (n_tok x n_ff, may be null) is the predictor's output computed elsewhere. Up's bias applies
    // here; down's (opt) does not, since it belongs to neither half: forward() adds it, and opt has no GPU path.
    void forward_subset(const LayerWeights& L, int64_t layer, int64_t n_tok, ThreadPool& pool, ForwardScratch& s,
                        const uint8_t* allowed, const float* logits) const;

private:
    struct Subset {
        const uint8_t* allowed = nullptr;
        const float* logits = nullptr;
    };
    void sparse_hidden(const LayerWeights& L, int64_t layer, int64_t n_tok, ThreadPool& pool, ForwardScratch& s,
                       const Subset& sub) const;
    void select_and_rows(const LayerWeights& L, int64_t layer, ThreadPool& pool, ForwardScratch& s,
                         const float* scores, const uint8_t* allowed) const;
    void count_predictions(const LayerWeights& L, int64_t layer, int64_t n_tok, ThreadPool& pool,
                           ForwardScratch& s) const;
    void sparse_down(const LayerWeights& L, int64_t layer, int64_t n_tok, ThreadPool& pool, ForwardScratch& s) const;

    const ModelSpec& spec_;
    FfnSparsity sparsity_;
};

}  // namespace locus
