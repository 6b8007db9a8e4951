// Log-probabilities of the model's distribution (softmax of the raw logits, before any sampling transform).
#pragma once
#include <cstdint>

#include "server/job.h"

namespace locus::server {

// The chosen token's log-probability and the n_top most likely tokens (ties to the lower id).
TokenLogprob token_logprob(const float* logits, int n_vocab, int32_t token, int n_top);

}  // namespace locus::server
