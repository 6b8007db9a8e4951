// The activation profile file: how often each FFN neuron fired over a text, as written by `locus profile -o`.
//
// A plain GGUF v3 file:
//   general.architecture               = "locus.activation_profile"
//   locus.activation_profile.n_layer   u32
//   locus.activation_profile.n_ff      u32
//   locus.activation_profile.n_tokens  u64   tokens profiled
//   blk.N.ffn_act_count                I32 [n_ff], N = 0 .. n_layer-1: tokens on which each neuron fired
//                                      (0 <= count <= n_tokens), or F32 [n_ff]: firing probabilities in [0, 1]
// The same tensors may sit in a model file (its own frequencies); there I32 counts need the n_tokens key beside
// them, F32 probabilities do not.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "sparse/activation_counts.h"

namespace locus {
namespace gguf { class File; }

inline constexpr const char* kActivationProfileArch = "locus.activation_profile";

// Name of layer N's tensor: "blk.N.ffn_act_count".
std::string act_count_tensor_name(int64_t layer);

Status write_activation_profile(const std::string& path, const ActivationCounts& counts);
// Reads and validates a profile file (every problem is an error naming the file and what is wrong).
Expected<ActivationCounts> read_activation_profile(const std::string& path);

// Per-layer firing probabilities from the blk.N.ffn_act_count tensors of an open file, which must have n_layer
// layers of n_ff neurons. nullopt when the file has no such tensors; an error when they are incomplete or wrong.
Expected<std::optional<std::vector<std::vector<double>>>> read_act_frequencies(const gguf::File& file,
                                                                               int64_t n_layer, int64_t n_ff);

}  // namespace locus
