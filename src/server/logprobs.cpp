#include "server/logprobs.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace locus::server {

TokenLogprob token_logprob(const float* logits, int n_vocab, int32_t token, int n_top) {
    float mx = logits[0];
    for (int i = 1; i < n_vocab; ++i) mx = std::max(mx, logits[i]);
    double sum = 0.0;
    for (int i = 0; i < n_vocab; ++i) sum += std::exp(double(logits[i] - mx));
    const float log_z = mx + float(std::log(sum));

    TokenLogprob r;
    r.token = token;
    r.logprob = logits[token] - log_z;
    n_top = std::clamp(n_top, 0, n_vocab);
    if (n_top > 0) {
        std::vector<int32_t> ids(static_cast<size_t>(n_vocab));
        for (int i = 0; i < n_vocab; ++i) ids[size_t(i)] = i;
        std::partial_sort(ids.begin(), ids.begin() + n_top, ids.end(), [&](int32_t a, int32_t b) {
            return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
        });
        for (int i = 0; i < n_top; ++i) r.top.emplace_back(ids[size_t(i)], logits[ids[size_t(i)]] - log_z);
    }
    return r;
}

}  // namespace locus::server
