// Token sampling from logits, in llama.cpp's default order: repetition penalty -> top-k -> top-p -> min-p ->
// temperature -> draw from a seeded std::mt19937. temperature <= 0 is greedy (argmax, ties to the lowest id,
// after the repetition penalty).
#pragma once
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace locus::text {

struct SamplerParams {
    float temperature = 0.8f;
    int32_t top_k = 40;           // <= 0: off
    float top_p = 0.95f;          // >= 1: off
    float min_p = 0.05f;          // <= 0: off
    float repeat_penalty = 1.0f;  // 1: off
    int32_t repeat_last_n = 64;   // how many recent tokens the penalty looks at
    uint32_t seed = 0;
};

class Sampler {
public:
    explicit Sampler(const SamplerParams& p = {});

    // Picks a token; does not record it (call accept()).
    int32_t sample(const float* logits, int n_vocab);
    // Records a token for the repetition penalty (prompt tokens too, if they should count).
    void accept(int32_t token);
    void reset();
    const SamplerParams& params() const { return p_; }

private:
    struct Cand { int32_t id; float logit; float p; };
    void apply_penalty(std::vector<Cand>& c) const;

    SamplerParams p_;
    std::mt19937 rng_;
    std::deque<int32_t> recent_;
    std::vector<Cand> cand_;
};

}  // namespace locus::text
