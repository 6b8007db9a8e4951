#include "text/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

namespace locus::text {
namespace {

SamplerParams greedy_params() {
    SamplerParams p;
    p.temperature = 0.0f;
    return p;
}

TEST(Sampler, GreedyIsArgmax) {
    Sampler s(greedy_params());
    const std::vector<float> logits = {0.1f, 2.5f, -1.0f, 2.4f, 0.0f};
    EXPECT_EQ(s.sample(logits.data(), 5), 1);
}

TEST(Sampler, GreedyTiesGoToLowestId) {
    Sampler s(greedy_params());
    const std::vector<float> logits = {1.0f, 3.0f, 3.0f, 3.0f};
    EXPECT_EQ(s.sample(logits.data(), 4), 1);
}

TEST(Sampler, TopKOneIsGreedy) {
    SamplerParams p;
    p.temperature = 1.5f;
    p.top_k = 1;
    p.seed = 7;
    Sampler s(p);
    const std::vector<float> logits = {0.5f, 0.2f, 0.9f, 0.8f, 0.1f};
    for (int i = 0; i < 50; ++i) EXPECT_EQ(s.sample(logits.data(), 5), 2);
}

TEST(Sampler, SameSeedSameSequence) {
    SamplerParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.seed = 1234;
    std::vector<float> logits(100);
    for (int i = 0; i < 100; ++i) logits[i] = std::sin(i * 0.37f);
    Sampler a(p), b(p);
    std::vector<int32_t> sa, sb;
    for (int i = 0; i < 200; ++i) {
        sa.push_back(a.sample(logits.data(), 100));
        sb.push_back(b.sample(logits.data(), 100));
    }
    EXPECT_EQ(sa, sb);
    p.seed = 1235;
    Sampler c(p);
    std::vector<int32_t> sc;
    for (int i = 0; i < 200; ++i) sc.push_back(c.sample(logits.data(), 100));
    EXPECT_NE(sa, sc);
    a.reset();
    for (int i = 0; i < 200; ++i) EXPECT_EQ(a.sample(logits.data(), 100), sa[i]);
}

std::map<int32_t, int> histogram(Sampler& s, const std::vector<float>& logits, int n) {
    std::map<int32_t, int> h;
    for (int i = 0; i < n; ++i) ++h[s.sample(logits.data(), static_cast<int>(logits.size()))];
    return h;
}

// Probabilities 0.5, 0.3, 0.15, 0.05 (logits are their logs).
std::vector<float> four_way() { return {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)}; }

TEST(Sampler, TopPExcludesTheTail) {
    SamplerParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.min_p = 0.0f;
    p.top_p = 0.75f;  // 0.5 + 0.3 reaches it: only ids 0 and 1 stay
    p.seed = 42;
    Sampler s(p);
    const auto h = histogram(s, four_way(), 4000);
    EXPECT_EQ(h.count(2), 0u);
    EXPECT_EQ(h.count(3), 0u);
    // Renormalised 0.625 / 0.375.
    EXPECT_NEAR(h.at(0) / 4000.0, 0.625, 0.03);
    EXPECT_NEAR(h.at(1) / 4000.0, 0.375, 0.03);
}

TEST(Sampler, MinPExcludesUnlikelyTokens) {
    SamplerParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.2f;  // cut at 0.2 * 0.5 = 0.1: ids 0, 1, 2 stay
    p.seed = 42;
    Sampler s(p);
    const auto h = histogram(s, four_way(), 4000);
    EXPECT_EQ(h.count(3), 0u);
    EXPECT_GT(h.at(2), 0);
    EXPECT_NEAR(h.at(0) / 4000.0, 0.5 / 0.95, 0.03);
    EXPECT_NEAR(h.at(2) / 4000.0, 0.15 / 0.95, 0.03);
}

TEST(Sampler, NoFiltersFollowsTheDistribution) {
    SamplerParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.seed = 9;
    Sampler s(p);
    const auto h = histogram(s, four_way(), 8000);
    EXPECT_NEAR(h.at(0) / 8000.0, 0.5, 0.03);
    EXPECT_NEAR(h.at(3) / 8000.0, 0.05, 0.015);
}

TEST(Sampler, RepetitionPenaltyLowersARepeatedToken) {
    SamplerParams p = greedy_params();
    p.repeat_penalty = 1.5f;
    Sampler s(p);
    const std::vector<float> logits = {1.0f, 2.0f, 1.8f};
    EXPECT_EQ(s.sample(logits.data(), 3), 1);
    s.accept(1);  // 2.0 / 1.5 = 1.33 < 1.8
    EXPECT_EQ(s.sample(logits.data(), 3), 2);
    // A negative logit is multiplied, so it also goes down.
    const std::vector<float> neg = {-1.0f, -1.2f};
    Sampler t(p);
    t.accept(0);  // -1.5 < -1.2
    EXPECT_EQ(t.sample(neg.data(), 2), 1);
}

TEST(Sampler, RepetitionPenaltyWindow) {
    SamplerParams p = greedy_params();
    p.repeat_penalty = 2.0f;
    p.repeat_last_n = 2;
    Sampler s(p);
    const std::vector<float> logits = {3.0f, 2.0f, 0.0f, 0.0f};
    s.accept(0);
    EXPECT_EQ(s.sample(logits.data(), 4), 1);
    s.accept(2);
    s.accept(3);  // token 0 has left the window
    EXPECT_EQ(s.sample(logits.data(), 4), 0);
}

TEST(Sampler, TemperatureSharpens) {
    SamplerParams p;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.temperature = 0.25f;  // 0.5 vs 0.3 becomes 0.5^4 : 0.3^4 ...
    p.seed = 3;
    Sampler s(p);
    const auto h = histogram(s, four_way(), 4000);
    EXPECT_GT(h.at(0) / 4000.0, 0.8);
}

}  // namespace
}  // namespace locus::text

namespace locus::text {
namespace {

// Without top-k the sampler drops min-p's tail before sorting; that must not change what is drawn. Compare
// with top-k = n - 1 (the sorted path), where the one token cut is far below the min-p threshold anyway.
TEST(Sampler, MinPShortcutMatchesSortedPath) {
    const int n = 5000;
    std::vector<float> logits(n);
    for (int i = 0; i < n; ++i) logits[i] = 4.0f * std::sin(i * 1.7f) + 0.001f * i;
    logits[123] = -100.0f;  // the lowest: what top-k = n - 1 removes
    for (float top_p : {1.0f, 0.9f, 0.5f}) {
        SamplerParams p;
        p.temperature = 0.9f;
        p.top_p = top_p;
        p.min_p = 0.05f;
        p.seed = 11;
        p.top_k = 0;
        Sampler a(p);
        p.top_k = n - 1;
        Sampler b(p);
        for (int i = 0; i < 300; ++i) ASSERT_EQ(a.sample(logits.data(), n), b.sample(logits.data(), n)) << top_p;
    }
}

}  // namespace
}  // namespace locus::text
