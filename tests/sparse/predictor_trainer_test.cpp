// Predictor training on a problem a predictor can learn (teacher_data.h), about 10% positive.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "sparse/predictor_trainer.h"
#include "teacher_data.h"
#include "test_util.h"

namespace locus {
namespace {

using test::teacher_data;

PredictorTrainOptions small_options() {
    PredictorTrainOptions o;
    o.rank = 32;
    o.epochs = 12;
    o.target_recall = 0;  // no boosting: plain training
    return o;
}

TEST(PredictorTrainer, LossFallsAndRecallRises) {
    const PredictorTrainData d = teacher_data(1500, 48, 96, 8, 7);
    EXPECT_NEAR(d.active_fraction(), 0.1, 0.01);
    ThreadPool pool(1);
    auto t = train_predictor(d, small_options(), pool);
    ASSERT_TRUE(t) << t.error();
    ASSERT_EQ(t->history.size(), 12u);
    EXPECT_EQ(t->rank, 32);
    EXPECT_EQ(t->fc1.size(), size_t(32 * 48));
    EXPECT_EQ(t->fc2.size(), size_t(96 * 32));
    EXPECT_LT(t->history.back().loss, 0.5 * t->history.front().loss);
    EXPECT_GT(t->history.back().recall, t->history.front().recall);
    EXPECT_GT(t->held_out.recall, 0.75);
    EXPECT_GT(t->held_out.precision, 0.6);
    // The figures describe the exported weights (input scaling folded into fc1).
    const PredictorQuality q = evaluate_predictor(t->fc1, t->fc2, t->rank, d, t->n_train, d.n, 0.0f, pool);
    EXPECT_NEAR(q.recall, t->held_out.recall, 1e-3);
    EXPECT_NEAR(q.precision, t->held_out.precision, 1e-3);
}

TEST(PredictorTrainer, DeterministicForSeedAndThreadCount) {
    const PredictorTrainData d = teacher_data(200, 32, 64, 4, 9);
    PredictorTrainOptions o = small_options();
    o.epochs = 2;
    std::vector<float> fc1, fc2;
    for (int threads : {2, 1, 2}) {
        ThreadPool pool(threads);
        auto t = train_predictor(d, o, pool);
        ASSERT_TRUE(t) << t.error();
        if (fc1.empty()) {
            fc1 = t->fc1;
            fc2 = t->fc2;
        } else {
            EXPECT_TRUE(t->fc1 == fc1 && t->fc2 == fc2) << threads << " threads";
        }
    }
    ThreadPool pool(2);
    o.seed = 2;
    auto other = train_predictor(d, o, pool);
    ASSERT_TRUE(other);
    EXPECT_NE(other->fc1, fc1);
}

TEST(PredictorTrainer, ChoosesSmallestRankReachingTarget) {
    const PredictorTrainData d = teacher_data(1500, 48, 96, 8, 11);
    PredictorTrainOptions o = small_options();
    o.rank = 0;
    o.ranks = {2, 64};
    o.target_recall = 0.8;
    o.max_boosts = 1;
    ThreadPool pool(1);
    std::vector<std::string> lines;
    auto t = train_predictor(d, o, pool, [&](const std::string& l) { lines.push_back(l); });
    ASSERT_TRUE(t) << t.error();
    // Rank 2 cannot represent a rank-8 teacher well: it is tried (and boosted) first, then rank 48 (64 capped by
    // n_embd) reaches the target.
    EXPECT_EQ(t->rank, 48);
    EXPECT_TRUE(t->reached_target);
    EXPECT_GE(t->held_out.recall, 0.8);
    ASSERT_GE(lines.size(), 3u);
    EXPECT_NE(lines[0].find("rank 2,"), std::string::npos) << lines[0];
}

TEST(PredictorTrainer, MaxRankLiftsTheNEmbdCap) {
    const PredictorTrainData d = teacher_data(200, 32, 64, 4, 5);
    PredictorTrainOptions o = small_options();
    o.epochs = 1;
    o.rank = 80;
    ThreadPool pool(1);
    auto t = train_predictor(d, o, pool);
    ASSERT_TRUE(t) << t.error();
    EXPECT_EQ(t->rank, 32);  // capped by n_embd
    o.max_rank = 64;
    t = train_predictor(d, o, pool);
    ASSERT_TRUE(t) << t.error();
    EXPECT_EQ(t->rank, 64);  // a hidden layer wider than n_embd, up to max_rank
    EXPECT_EQ(t->fc1.size(), size_t(64 * 32));
    EXPECT_EQ(t->fc2.size(), size_t(64 * 64));
}

TEST(PredictorTrainer, TooFewSamplesIsAClearError) {
    const PredictorTrainData d = teacher_data(20, 16, 32, 2, 3);
    ThreadPool pool(1);
    auto t = train_predictor(d, small_options(), pool);
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().find("at least 32 are needed"), std::string::npos) << t.error();
}

}  // namespace
}  // namespace locus
