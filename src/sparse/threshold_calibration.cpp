#include "sparse/threshold_calibration.h"

namespace locus {

ThresholdChoice evaluate_threshold(const std::vector<PredictorTrainData>& data, const std::vector<LayerPredictor>& preds,
                                   const std::vector<int64_t>& begin, float threshold, ThreadPool& pool) {
    ThresholdChoice c;
    c.threshold = threshold;
    for (size_t l = 0; l < data.size(); ++l) {
        const PredictorQuality q =
            evaluate_predictor(preds[l].fc1, preds[l].fc2, preds[l].rank, data[l], begin[l], data[l].n, threshold, pool);
        c.layers.push_back(q);
        c.mean_recall += q.recall / double(data.size());
        c.mean_precision += q.precision / double(data.size());
    }
    return c;
}

ThresholdChoice choose_threshold(const std::vector<PredictorTrainData>& data, const std::vector<LayerPredictor>& preds,
                                 const std::vector<int64_t>& begin, double target, ThreadPool& pool, float step,
                                 float lowest) {
    ThresholdChoice c;
    // Integer steps: a float running sum would drift off the grid the message reports.
    for (int i = 0;; ++i) {
        const float t = -step * float(i);
        if (t < lowest) break;
        c = evaluate_threshold(data, preds, begin, t, pool);
        c.reached = c.mean_recall >= target;
        if (c.reached) return c;
    }
    c = evaluate_threshold(data, preds, begin, lowest, pool);
    c.reached = c.mean_recall >= target;
    return c;
}

}  // namespace locus
