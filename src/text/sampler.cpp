#include "text/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace locus::text {

Sampler::Sampler(const SamplerParams& p) : p_(p), rng_(p.seed) {}

void Sampler::reset() {
    rng_.seed(p_.seed);
    recent_.clear();
}

void Sampler::accept(int32_t token) {
    if (p_.repeat_last_n <= 0) return;
    recent_.push_back(token);
    while (static_cast<int32_t>(recent_.size()) > p_.repeat_last_n) recent_.pop_front();
}

// Each distinct recent token once: positive logits are divided by the penalty, negative ones multiplied.
void Sampler::apply_penalty(std::vector<Cand>& c) const {
    if (p_.repeat_penalty == 1.0f || recent_.empty()) return;
    std::unordered_set<int32_t> seen;
    for (int32_t t : recent_) {
        if (t < 0 || t >= static_cast<int32_t>(c.size()) || !seen.insert(t).second) continue;
        float& l = c[t].logit;  // candidates are still indexed by id here
        l = l > 0 ? l / p_.repeat_penalty : l * p_.repeat_penalty;
    }
}

int32_t Sampler::sample(const float* logits, int n_vocab) {
    if (n_vocab <= 0) return -1;
    cand_.resize(n_vocab);
    for (int i = 0; i < n_vocab; ++i) cand_[i] = {i, logits[i], 0.0f};
    apply_penalty(cand_);

    auto desc = [](const Cand& a, const Cand& b) { return a.logit > b.logit || (a.logit == b.logit && a.id < b.id); };

    if (p_.temperature <= 0.0f) {
        size_t best = 0;
        for (size_t i = 1; i < cand_.size(); ++i)
            if (cand_[i].logit > cand_[best].logit) best = i;  // strict: ties keep the lowest id
        return cand_[best].id;
    }

    // No filter at all (OpenAI's defaults: temperature only): the draw needs no order, so the whole vocabulary
    // is not sorted for every token (measured: a server's sort of each slot's candidates showed in its profile).
    const bool filtered = (p_.top_k > 0 && static_cast<size_t>(p_.top_k) < cand_.size()) || p_.top_p < 1.0f ||
                          p_.min_p > 0.0f;
    if (!filtered) {
        float mx = cand_[0].logit;
        for (const auto& c : cand_) mx = std::max(mx, c.logit);
        double sum = 0;
        for (auto& c : cand_) {
            c.p = std::exp((c.logit - mx) / p_.temperature);
            sum += c.p;
        }
        const double u = static_cast<double>(rng_()) / 4294967296.0 * sum;
        double cum = 0;
        for (const auto& c : cand_) {
            cum += c.p;
            if (u < cum) return c.id;
        }
        return cand_.back().id;
    }

    // top-k (k >= n keeps everything, but still sorts: the later steps want descending order)
    size_t n = cand_.size();
    double top_p_sum = 0;  // softmax denominator over all candidates after top-k, for top-p
    if (p_.top_k > 0 && static_cast<size_t>(p_.top_k) < n) {
        n = static_cast<size_t>(p_.top_k);
        std::partial_sort(cand_.begin(), cand_.begin() + n, cand_.end(), desc);
        cand_.resize(n);
    } else {
        // Without top-k, min-p's cut (relative to the best logit, which top-p always keeps) removes a tail of
        // the sorted order whatever top-p does, so drop that tail before sorting; top-p then uses the sum over
        // all candidates. Same result as sorting everything, without sorting a whole large vocabulary.
        const float mx = std::max_element(cand_.begin(), cand_.end(), [](const Cand& a, const Cand& b) {
                             return a.logit < b.logit;
                         })->logit;
        if (p_.top_p < 1.0f)
            for (const auto& c : cand_) top_p_sum += std::exp(static_cast<double>(c.logit - mx));
        if (p_.min_p > 0.0f) {
            const float cut = mx + std::log(p_.min_p);
            cand_.erase(std::remove_if(cand_.begin(), cand_.end(), [&](const Cand& c) { return c.logit < cut; }),
                        cand_.end());
        }
        std::sort(cand_.begin(), cand_.end(), desc);
    }

    auto softmax = [&] {
        const float mx = cand_[0].logit;
        double sum = 0;
        for (auto& c : cand_) { c.p = std::exp(c.logit - mx); sum += c.p; }
        for (auto& c : cand_) c.p = static_cast<float>(c.p / sum);
    };

    // top-p: the smallest prefix whose probability reaches p (at least one token)
    if (p_.top_p < 1.0f) {
        const float mx = cand_[0].logit;
        double sum = top_p_sum;
        if (sum == 0)
            for (const auto& c : cand_) sum += std::exp(static_cast<double>(c.logit - mx));
        double cum = 0;
        size_t keep = cand_.size();
        for (size_t i = 0; i < cand_.size(); ++i) {
            cum += std::exp(static_cast<double>(cand_[i].logit - mx)) / sum;
            if (cum >= p_.top_p) { keep = i + 1; break; }
        }
        cand_.resize(keep);
    }

    // min-p: drop tokens whose probability is below min_p times the best one's (on the current candidates)
    if (p_.min_p > 0.0f) {
        const float cut = cand_[0].logit + std::log(p_.min_p);
        size_t keep = 1;
        while (keep < cand_.size() && cand_[keep].logit >= cut) ++keep;
        cand_.resize(keep);
    }

    for (auto& c : cand_) c.logit /= p_.temperature;
    softmax();

    // Draw with 32 random bits: u in [0, 1).
    const double u = static_cast<double>(rng_()) / 4294967296.0;
    double cum = 0;
    for (const auto& c : cand_) {
        cum += c.p;
        if (u < cum) return c.id;
    }
    return cand_.back().id;
}

}  // namespace locus::text
