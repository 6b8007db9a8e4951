// How often each FFN neuron fires (has a non-zero activation), per layer: what profiling measures and what the
// placement planner and the synthetic-model checks read.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace locus {

struct ActivationCounts {
    int64_t n_tokens = 0;                      // tokens counted
    std::vector<std::vector<uint32_t>> fired;  // [layer][neuron]
    // Filled only when predictors are evaluated beside the true activations (oracle mode with predictors):
    // how often each neuron was predicted, and predicted while it fired.
    std::vector<std::vector<uint32_t>> predicted, hit;

    // Sizes the table on first use (a change of shape restarts it) and counts the pass's tokens.
    void begin_pass(int64_t n_layer, int64_t n_ff, int64_t n_tok);
    // Adds the non-zero entries of n_tok rows of hidden activations (row length n_ff).
    void add_dense(int64_t layer, const float* hidden, int64_t n_tok);
    // Adds one token's fired neurons.
    void add_list(int64_t layer, const int32_t* neurons, int64_t n);

    // Adds one token's predictions next to what fired (both n_ff bytes of 0/1).
    void add_prediction(int64_t layer, const uint8_t* predicted_mask, const uint8_t* fired_mask);
    bool has_predictions() const { return !predicted.empty(); }
    // Share of firings that were predicted, and of predictions that fired (all layers: -1).
    double recall(int64_t layer = -1) const;
    double precision(int64_t layer = -1) const;

    // Share of all firings covered by the most frequent `fraction` of a layer's neurons (all layers: -1).
    double coverage(double fraction, int64_t layer = -1) const;
    // Mean fraction of neurons firing per token (all layers: -1).
    double active_fraction(int64_t layer = -1) const;
};

// What a device reports FFN activations to while profiling (ForwardHooks::set_activation_observer): n_tok rows
// of a layer's activations, `stride` floats apart, added to c (which begin_pass has sized for the pass).
std::function<void(int64_t layer, const float* hidden, int64_t n_tok, int64_t stride)> counting_observer(
    ActivationCounts* c);

}  // namespace locus
