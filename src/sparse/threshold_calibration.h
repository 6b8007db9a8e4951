// Choosing the predictor threshold of a sparsified file (powerinfer.sparse_threshold: one value for every layer;
// a neuron is computed when its predictor logit is >= it). Below 0 every layer's recall rises and its precision
// falls, so a model whose predictors fall short of a recall target at 0 can still reach it, paying with more
// neurons computed per token. The choice is made on the predictors' held-out samples, never on the text they
// will be judged on.
#pragma once
#include <vector>

#include "core/thread_pool.h"
#include "sparse/powerinfer_writer.h"
#include "sparse/predictor_trainer.h"

namespace locus {

struct ThresholdChoice {
    float threshold = 0;
    bool reached = false;                 // the mean recall reached the target at `threshold`
    std::vector<PredictorQuality> layers;  // held-out recall/precision of each layer at `threshold`
    double mean_recall = 0, mean_precision = 0;
};

// Quality of every layer's predictor at one threshold, on samples [begin[l], data[l].n) of its data.
ThresholdChoice evaluate_threshold(const std::vector<PredictorTrainData>& data, const std::vector<LayerPredictor>& preds,
                                   const std::vector<int64_t>& begin, float threshold, ThreadPool& pool);

// The largest threshold of 0, -step, -2 step, ... down to `lowest` at which the mean held-out recall over layers
// reaches `target`; if none does, `lowest` with reached = false.
ThresholdChoice choose_threshold(const std::vector<PredictorTrainData>& data, const std::vector<LayerPredictor>& preds,
                                 const std::vector<int64_t>& begin, double target, ThreadPool& pool,
                                 float step = 0.125f, float lowest = -4.0f);

}  // namespace locus
