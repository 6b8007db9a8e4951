// The file threshold chosen on held-out samples: the largest grid value at which the mean recall over layers
// reaches the target, trading precision for recall.
#include <gtest/gtest.h>

#include "sparse/threshold_calibration.h"
#include "teacher_data.h"

namespace locus {
namespace {

struct Trained {
    std::vector<PredictorTrainData> data;
    std::vector<LayerPredictor> preds;
    std::vector<int64_t> begin;
    std::vector<double> recall_at_0;
};

// Two "layers" trained plainly (no boosting), so their recall at threshold 0 is well short of 0.95.
Trained train_two_layers(ThreadPool& pool) {
    Trained t;
    for (uint32_t seed : {7u, 13u}) {
        t.data.push_back(test::teacher_data(1500, 48, 96, 8, seed));
        PredictorTrainOptions o;
        o.rank = 32;
        o.epochs = 8;
        o.target_recall = 0;
        auto p = train_predictor(t.data.back(), o, pool);
        EXPECT_TRUE(p) << p.error();
        t.preds.push_back({p->rank, p->fc1, p->fc2});
        t.begin.push_back(p->n_train);
        t.recall_at_0.push_back(p->held_out.recall);
    }
    return t;
}

TEST(ThresholdCalibration, LargestThresholdReachingTheTarget) {
    ThreadPool pool(2);
    const Trained t = train_two_layers(pool);
    const ThresholdChoice at0 = evaluate_threshold(t.data, t.preds, t.begin, 0.0f, pool);
    ASSERT_EQ(at0.layers.size(), 2u);
    for (size_t l = 0; l < 2; ++l) EXPECT_NEAR(at0.layers[l].recall, t.recall_at_0[l], 1e-9) << "the trainer's figure";
    ASSERT_LT(at0.mean_recall, 0.93);

    const ThresholdChoice c = choose_threshold(t.data, t.preds, t.begin, 0.95, pool);
    ASSERT_TRUE(c.reached);
    EXPECT_LT(c.threshold, 0.0f);
    EXPECT_GE(c.mean_recall, 0.95);
    EXPECT_LT(c.mean_precision, at0.mean_precision) << "recall is bought with precision";
    const ThresholdChoice above = evaluate_threshold(t.data, t.preds, t.begin, c.threshold + 0.125f, pool);
    EXPECT_LT(above.mean_recall, 0.95) << "one grid step higher falls short: the largest was chosen";

    // A target out of reach within the range: the lowest threshold, flagged.
    const ThresholdChoice none = choose_threshold(t.data, t.preds, t.begin, 0.999, pool, 0.125f, -0.25f);
    EXPECT_FALSE(none.reached);
    EXPECT_EQ(none.threshold, -0.25f);
    EXPECT_LT(none.mean_recall, 0.999);
}

}  // namespace
}  // namespace locus
