// Training samples for activation predictors, recorded while a model runs densely (oracle or off mode): per
// layer, the predictor's input vector x (the pre-norm residual for llama-style blocks, the layer input for
// falcon) and the set of FFN neurons that truly fired (non-zero activation) for the same token.
// Each layer keeps at most `capacity` samples, chosen by reservoir sampling over all tokens seen: a uniform
// sample of the whole text, decided per token index by a seeded hash, so every layer keeps the same tokens
// and the result depends only on the seed and the token stream (not on batch sizes or threads).
// x is stored as F16 (half the memory; the predictor's weights are F16 or coarser anyway).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace locus {

// One layer's samples as training data: x in F32, the fired set as a bitset per sample.
struct PredictorTrainData {
    int64_t n = 0, n_embd = 0, n_ff = 0;
    std::vector<float> x;          // n x n_embd
    std::vector<uint64_t> active;  // n x words(): bit i of sample s = neuron i fired
    int64_t words() const { return (n_ff + 63) / 64; }
    bool fired(int64_t s, int64_t i) const { return (active[size_t(s * words() + i / 64)] >> (i % 64)) & 1; }
    void set_fired(int64_t s, int64_t i) { active[size_t(s * words() + i / 64)] |= uint64_t(1) << (i % 64); }
    // Mean fraction of neurons firing per sample.
    double active_fraction() const;
};

class PredictorSamples {
public:
    PredictorSamples(int64_t n_layer, int64_t n_embd, int64_t n_ff, int64_t capacity, uint64_t seed = 1);

    // Adds n_tok tokens of one layer: x rows (n_embd each) and their dense activations (n_ff each; a neuron
    // fired when its value is non-zero). Layers must each see the same token stream, in order.
    void add_dense(int64_t layer, const float* x, const float* hidden, int64_t n_tok);
    // Adds one token of one layer given the list of neurons that fired.
    void add_list(int64_t layer, const float* x, const int32_t* neurons, int64_t n);

    int64_t n_layer() const { return int64_t(layers_.size()); }
    int64_t n_embd() const { return n_embd_; }
    int64_t n_ff() const { return n_ff_; }
    int64_t capacity() const { return capacity_; }
    // Tokens seen by a layer, and samples kept (min of that and the capacity).
    int64_t seen(int64_t layer) const { return layers_[size_t(layer)].seen; }
    int64_t size(int64_t layer) const { return layers_[size_t(layer)].kept; }
    // The stored x of a sample (rounded to F16) and whether a neuron fired.
    float x(int64_t layer, int64_t sample, int64_t dim) const;
    bool fired(int64_t layer, int64_t sample, int64_t neuron) const;
    // A layer's samples in slot order. While the text is shorter than the capacity this is text order, so the
    // last samples are the end of the text (a held-out split that shares no context with the rest).
    PredictorTrainData layer_data(int64_t layer) const;

private:
    struct Layer {
        std::vector<uint16_t> x;       // capacity x n_embd (F16)
        std::vector<uint64_t> active;  // capacity x words
        int64_t seen = 0, kept = 0;
    };
    // The slot a token (by its index in the stream) goes to, or -1 when it is not kept.
    int64_t slot_for(int64_t token_index) const;
    uint64_t* start_sample(int64_t layer, const float* x, int64_t& slot);

    int64_t n_embd_, n_ff_, capacity_, words_;
    uint64_t seed_;
    std::vector<Layer> layers_;
};

}  // namespace locus
