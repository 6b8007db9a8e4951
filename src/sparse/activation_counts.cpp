#include "sparse/activation_counts.h"

#include <algorithm>
#include <functional>

namespace locus {

void ActivationCounts::begin_pass(int64_t n_layer, int64_t n_ff, int64_t n_tok) {
    if (int64_t(fired.size()) != n_layer || (n_layer > 0 && int64_t(fired[0].size()) != n_ff)) {
        fired.assign(size_t(n_layer), std::vector<uint32_t>(size_t(n_ff), 0));
        predicted.clear();
        hit.clear();
        n_tokens = 0;
    }
    n_tokens += n_tok;
}

void ActivationCounts::add_dense(int64_t layer, const float* hidden, int64_t n_tok) {
    auto& f = fired[size_t(layer)];
    const int64_t n_ff = int64_t(f.size());
    for (int64_t t = 0; t < n_tok; ++t)
        for (int64_t i = 0; i < n_ff; ++i) f[size_t(i)] += hidden[t * n_ff + i] != 0.0f;
}

void ActivationCounts::add_list(int64_t layer, const int32_t* neurons, int64_t n) {
    auto& f = fired[size_t(layer)];
    for (int64_t j = 0; j < n; ++j) ++f[size_t(neurons[j])];
}

void ActivationCounts::add_prediction(int64_t layer, const uint8_t* pm, const uint8_t* fm) {
    if (predicted.empty()) {
        predicted.assign(fired.size(), std::vector<uint32_t>(fired.empty() ? 0 : fired[0].size(), 0));
        hit = predicted;
    }
    auto& p = predicted[size_t(layer)];
    auto& h = hit[size_t(layer)];
    for (size_t i = 0; i < p.size(); ++i) {
        p[i] += pm[i];
        h[i] += pm[i] & fm[i];
    }
}

namespace {
double ratio(const std::vector<std::vector<uint32_t>>& num, const std::vector<std::vector<uint32_t>>& den,
             int64_t layer) {
    double a = 0, b = 0;
    for (size_t l = 0; l < num.size() && l < den.size(); ++l) {
        if (layer >= 0 && int64_t(l) != layer) continue;
        for (uint32_t v : num[l]) a += v;
        for (uint32_t v : den[l]) b += v;
    }
    return b > 0 ? a / b : 0.0;
}
}  // namespace

double ActivationCounts::recall(int64_t layer) const { return ratio(hit, fired, layer); }
double ActivationCounts::precision(int64_t layer) const { return ratio(hit, predicted, layer); }

double ActivationCounts::coverage(double fraction, int64_t layer) const {
    double covered = 0, total = 0;
    for (size_t l = 0; l < fired.size(); ++l) {
        if (layer >= 0 && int64_t(l) != layer) continue;
        std::vector<uint32_t> c = fired[l];
        std::sort(c.begin(), c.end(), std::greater<>());
        const size_t top = size_t(fraction * double(c.size()) + 0.5);
        for (size_t i = 0; i < c.size(); ++i) {
            total += c[i];
            if (i < top) covered += c[i];
        }
    }
    return total > 0 ? covered / total : 0.0;
}

double ActivationCounts::active_fraction(int64_t layer) const {
    double sum = 0, n = 0;
    for (size_t l = 0; l < fired.size(); ++l) {
        if (layer >= 0 && int64_t(l) != layer) continue;
        for (uint32_t c : fired[l]) sum += c;
        n += double(fired[l].size());
    }
    return n > 0 && n_tokens > 0 ? sum / (n * double(n_tokens)) : 0.0;
}

std::function<void(int64_t, const float*, int64_t, int64_t)> counting_observer(ActivationCounts* c) {
    return [c](int64_t layer, const float* hidden, int64_t n_tok, int64_t stride) {
        if (layer < 0 || size_t(layer) >= c->fired.size()) return;
        const int64_t F = int64_t(c->fired[size_t(layer)].size());
        if (stride == F) return c->add_dense(layer, hidden, n_tok);
        for (int64_t t = 0; t < n_tok; ++t) c->add_dense(layer, hidden + t * stride, 1);
    };
}

}  // namespace locus
