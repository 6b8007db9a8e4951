#include "sparse/predictor_samples.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/fp16.h"

namespace locus {
namespace {
uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
}  // namespace

double PredictorTrainData::active_fraction() const {
    if (n == 0 || n_ff == 0) return 0.0;
    uint64_t c = 0;
    for (uint64_t w : active) c += uint64_t(__builtin_popcountll(w));
    return double(c) / (double(n) * double(n_ff));
}

PredictorSamples::PredictorSamples(int64_t n_layer, int64_t n_embd, int64_t n_ff, int64_t capacity, uint64_t seed)
    : n_embd_(n_embd), n_ff_(n_ff), capacity_(std::max<int64_t>(capacity, 0)), words_((n_ff + 63) / 64), seed_(seed) {
    layers_.resize(size_t(std::max<int64_t>(n_layer, 0)));
}

// Reservoir sampling (Algorithm R): token t < capacity fills slot t; a later one replaces a uniformly chosen
// slot j in [0, t] when j < capacity. j comes from a hash of (seed, t), the same in every layer.
int64_t PredictorSamples::slot_for(int64_t t) const {
    if (t < capacity_) return t;
    const int64_t j = int64_t(mix(seed_ ^ mix(uint64_t(t))) % uint64_t(t + 1));
    return j < capacity_ ? j : -1;
}

uint64_t* PredictorSamples::start_sample(int64_t layer, const float* x, int64_t& slot) {
    Layer& L = layers_[size_t(layer)];
    slot = slot_for(L.seen++);
    if (slot < 0) return nullptr;
    if (L.x.empty()) {  // allocated on first use: layers that never run cost nothing
        L.x.resize(size_t(capacity_ * n_embd_));
        L.active.resize(size_t(capacity_ * words_));
    }
    L.kept = std::min(L.seen, capacity_);
    uint16_t* dst = L.x.data() + slot * n_embd_;
    for (int64_t e = 0; e < n_embd_; ++e) dst[e] = fp32_to_fp16(x[e]);
    uint64_t* bits = L.active.data() + slot * words_;
    std::fill(bits, bits + words_, uint64_t(0));
    return bits;
}

void PredictorSamples::add_dense(int64_t layer, const float* x, const float* hidden, int64_t n_tok) {
    for (int64_t t = 0; t < n_tok; ++t) {
        int64_t slot;
        uint64_t* bits = start_sample(layer, x + t * n_embd_, slot);
        if (!bits) continue;
        const float* h = hidden + t * n_ff_;
        for (int64_t i = 0; i < n_ff_; ++i)
            if (h[i] != 0.0f) bits[i / 64] |= uint64_t(1) << (i % 64);
    }
}

void PredictorSamples::add_list(int64_t layer, const float* x, const int32_t* neurons, int64_t n) {
    int64_t slot;
    uint64_t* bits = start_sample(layer, x, slot);
    if (!bits) return;
    for (int64_t j = 0; j < n; ++j) bits[neurons[j] / 64] |= uint64_t(1) << (neurons[j] % 64);
}

float PredictorSamples::x(int64_t layer, int64_t s, int64_t d) const {
    return fp16_to_fp32(layers_[size_t(layer)].x[size_t(s * n_embd_ + d)]);
}

bool PredictorSamples::fired(int64_t layer, int64_t s, int64_t i) const {
    return (layers_[size_t(layer)].active[size_t(s * words_ + i / 64)] >> (i % 64)) & 1;
}

PredictorTrainData PredictorSamples::layer_data(int64_t layer) const {
    const Layer& L = layers_[size_t(layer)];
    PredictorTrainData d;
    d.n = L.kept;
    d.n_embd = n_embd_;
    d.n_ff = n_ff_;
    d.x.resize(size_t(d.n * n_embd_));
    for (size_t i = 0; i < d.x.size(); ++i) d.x[i] = fp16_to_fp32(L.x[i]);
    d.active.assign(L.active.begin(), L.active.begin() + long(d.n * words_));
    return d;
}

}  // namespace locus
