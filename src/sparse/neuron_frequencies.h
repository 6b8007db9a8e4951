// Per-layer FFN neuron firing frequencies: what the placement planner maximises. Taken, in this order, from an
// explicitly given profile file, from the model file (tensors blk.N.ffn_act_count), or a uniform prior.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sparse/activation_counts.h"

namespace locus {
namespace gguf { class File; }

struct NeuronFrequencies {
    std::vector<std::vector<double>> p;  // [layer][neuron]: probability that the neuron fires on a token
    std::string source;                  // where they came from, for messages
    bool prior = false;                  // a uniform guess, not a measurement

    int64_t n_layer() const { return int64_t(p.size()); }
};

// Firing probability assumed for every neuron without a profile: ProSparse-class models keep about 10% of
// their FFN neurons active per token.
inline constexpr double kUniformPriorActive = 0.10;

NeuronFrequencies frequencies_from_counts(const ActivationCounts& counts, std::string source);
NeuronFrequencies uniform_frequencies(int64_t n_layer, int64_t n_ff);

// Checks shape (n_layer x n_ff) and values (finite, in [0, 1]); the error names the layer and neuron.
Status check_frequencies(const NeuronFrequencies& f, int64_t n_layer, int64_t n_ff);

// The frequencies for a model: from `profile_path` when given (an error if it cannot be read or does not match),
// else from the model file's blk.N.ffn_act_count tensors, else the uniform prior (prior = true: warn the user).
Expected<NeuronFrequencies> load_frequencies(const gguf::File& model, int64_t n_layer, int64_t n_ff,
                                             const std::string& profile_path);

}  // namespace locus
