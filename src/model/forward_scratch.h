// Work buffers of one forward pass and the sparse-FFN settings (shared by the model and its FFN blocks).
#pragma once
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "cpu/matmul.h"
#include "sparse/activation_counts.h"
#include "sparse/predictor_samples.h"
#include "sparse/sparse_mode.h"

namespace locus {

class ForwardHooks;

// Work buffers of one forward pass, grown to the largest batch seen.
struct ForwardScratch {
    AlignedBuffer<float> x, cur, q, k, v, attn, gate, up, hidden, out_rows;
    AlignedBuffer<float> attn_out;     // attention block output (T x n_embd), added to x by the caller
    AlignedBuffer<float> attn_in, qkv;  // falcon: separately normalised attention input; fused QKV rows
    AlignedBuffer<float> scores;  // per thread: n_ctx floats
    ActivationScratch act;
    // Sparse FFN: predictor hidden layer and logits, per-token active mask, the neurons any token uses,
    // and their compact values for one token.
    AlignedBuffer<float> pred_h, pred;
    std::vector<uint8_t> mask;
    std::vector<int32_t> neurons, nz_neurons;
    std::vector<int64_t> slice_count;  // single-token predictor mode: neurons listed per slice of n_ff
    AlignedBuffer<float> h_compact, nz_coef;
    AlignedBuffer<float> down_buf;  // per thread: one dequantised row slice (prefill down projection)
    // When set, every forward pass adds which FFN neurons fired (non-zero activation) per token.
    ActivationCounts* counts = nullptr;
    // When set, every forward pass records (predictor input, neurons that fired) samples for predictor training.
    PredictorSamples* samples = nullptr;
    // When set, parts of the pass run on another device (see model/forward_hooks.h).
    ForwardHooks* hooks = nullptr;
    // FFN cost so far (all passes): wall time in the FFN blocks and weight bytes they read (predictors
    // included; for the sparse path, the rows of the neurons it computed). For benchmarks.
    struct FfnStats {
        double ms = 0;
        uint64_t weight_bytes = 0;
        int64_t tokens = 0;
        // The sparse FFN's stages (zero for the dense FFN): which neurons (predictor products and threshold),
        // the row-sparse up/gate dots, and the column-sparse down projection: wall time and weight bytes each.
        // One token in predictor mode: the threshold test runs inside the rows stage (one parallel pass).
        struct Stage {
            double ms = 0;
            uint64_t bytes = 0;
        } select, rows, down;
    } ffn_stats;
};

// How the FFN uses activation sparsity, resolved at load (never Auto here).
struct FfnSparsity {
    SparseMode mode = SparseMode::Off;
    float threshold = 0.0f;  // predictor: neuron active when its logit >= threshold
};

}  // namespace locus
