#include "sparse/neuron_frequencies.h"

#include <cmath>

#include "gguf/gguf.h"
#include "sparse/activation_profile.h"

namespace locus {

NeuronFrequencies frequencies_from_counts(const ActivationCounts& counts, std::string source) {
    NeuronFrequencies f;
    f.source = std::move(source);
    const double n = counts.n_tokens > 0 ? double(counts.n_tokens) : 1.0;
    f.p.reserve(counts.fired.size());
    for (const auto& layer : counts.fired) {
        std::vector<double> p(layer.size());
        for (size_t i = 0; i < layer.size(); ++i) p[i] = double(layer[i]) / n;
        f.p.push_back(std::move(p));
    }
    return f;
}

NeuronFrequencies uniform_frequencies(int64_t n_layer, int64_t n_ff) {
    NeuronFrequencies f;
    f.p.assign(size_t(n_layer), std::vector<double>(size_t(n_ff), kUniformPriorActive));
    f.source = "uniform prior (no activation profile)";
    f.prior = true;
    return f;
}

Status check_frequencies(const NeuronFrequencies& f, int64_t n_layer, int64_t n_ff) {
    const std::string what = "activation frequencies (" + f.source + ")";
    if (f.n_layer() != n_layer)
        return Status::error(what + " have " + std::to_string(f.n_layer()) + " layers, the model has " +
                             std::to_string(n_layer));
    for (int64_t l = 0; l < n_layer; ++l) {
        const auto& p = f.p[size_t(l)];
        if (int64_t(p.size()) != n_ff)
            return Status::error(what + ": layer " + std::to_string(l) + " has " + std::to_string(p.size()) +
                                 " neurons, the model has " + std::to_string(n_ff));
        for (size_t i = 0; i < p.size(); ++i)
            if (!std::isfinite(p[i]) || p[i] < 0.0 || p[i] > 1.0)
                return Status::error(what + ": layer " + std::to_string(l) + " neuron " + std::to_string(i) +
                                     " has frequency " + std::to_string(p[i]) + ", outside [0, 1]");
    }
    return Status::ok();
}

Expected<NeuronFrequencies> load_frequencies(const gguf::File& model, int64_t n_layer, int64_t n_ff,
                                             const std::string& profile_path) {
    if (!profile_path.empty()) {
        auto counts = read_activation_profile(profile_path);
        if (!counts) return counts.status();
        NeuronFrequencies f = frequencies_from_counts(*counts, "profile " + profile_path);
        if (Status st = check_frequencies(f, n_layer, n_ff); !st)
            return Status::error(st.message() + " (" + model.path() + " is not the model that was profiled)");
        return f;
    }
    auto own = read_act_frequencies(model, n_layer, n_ff);
    if (!own) return own.status();
    if (*own) {
        NeuronFrequencies f;
        f.p = std::move(**own);
        f.source = "model file " + model.path();
        return f;
    }
    return uniform_frequencies(n_layer, n_ff);
}

}  // namespace locus
