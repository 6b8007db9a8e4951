// Trains one layer's activation predictor, PowerInfer's shape: logits = fc2 · ReLU(fc1 · x), no biases, neuron i
// predicted active when logits[i] >= 0. Loss: binary cross-entropy on the true fired set, positives weighted
// (neurons fire ~10% of the time and a missed neuron costs accuracy while an extra one only costs time).
// Optimiser: Adam over shuffled mini-batches; products on the ThreadPool (sparse/trainer_gemm.h).
// Inputs are scaled per dimension to unit RMS while training; the scales are folded into fc1 at the end.
// Deterministic: the same data, options and seed give the same weights whatever the thread count.
//
// Rank: a fixed one (rank > 0), or the smallest of `ranks` (capped by n_embd) whose held-out recall reaches
// target_recall. When recall falls short, training continues with the positive weight doubled (up to
// max_boosts times) before a larger rank is tried; if no rank reaches the target, the best recall is kept.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "sparse/predictor_samples.h"

namespace locus {

struct PredictorTrainOptions {
    int64_t rank = 0;                                     // > 0: this rank; 0: choose from `ranks`
    std::vector<int64_t> ranks = {64, 128, 256, 512, 1024};
    int64_t rank_multiple = 1;  // ranks are rounded up to this (the predictor type's block size)
    // Ranks above this are lowered to it; 0: n_embd. A predictor is a small MLP (ReLU between fc1 and fc2), so a
    // hidden width above n_embd can still learn more (dReLU's fired set is the AND of two sign patterns), but it
    // costs more than the gate it stands in for: only worth it on small test models.
    int64_t max_rank = 0;
    double target_recall = 0.95;
    int epochs = 10;
    int64_t batch = 64;
    float lr = 0.1f;            // Adam step size relative to each matrix's initial weight scale (~1/sqrt(fan-in))
    double holdout = 0.1;       // share of the samples (the last ones) kept out of training for the figures
    float pos_weight = 0.0f;    // 0: sqrt((1 - p) / p), p the layer's firing rate, clamped to [1, 30]
    int max_boosts = 2;
    uint64_t seed = 1;
};

struct EpochStats {
    double loss = 0;       // mean weighted cross-entropy per (sample, neuron) over the epoch's batches
    double recall = 0;     // held-out, threshold 0
    double precision = 0;
};

struct PredictorQuality {
    double recall = 0, precision = 0;
    int64_t fired = 0, predicted = 0, hit = 0;
};

struct TrainedPredictor {
    int64_t rank = 0, n_embd = 0, n_ff = 0;
    std::vector<float> fc1;  // rank x n_embd (row j: hidden unit j)
    std::vector<float> fc2;  // n_ff x rank (row i: neuron i)
    PredictorQuality held_out;  // of the predictor returned
    float pos_weight = 0;
    bool reached_target = false;
    int64_t n_train = 0, n_test = 0;
    std::vector<EpochStats> history;  // every epoch trained for the returned rank, boosts included
    double seconds = 0;
};

// Trains on data.x / data.active. Errors: too few samples, shapes that do not fit the options.
// log(line) gets a line per attempt (rank, boost) when given.
Expected<TrainedPredictor> train_predictor(const PredictorTrainData& data, const PredictorTrainOptions& opts,
                                           ThreadPool& pool, const std::function<void(const std::string&)>& log = {});

// Recall and precision of a predictor (fc1, fc2 as in TrainedPredictor) on samples [begin, end) of data.
PredictorQuality evaluate_predictor(const std::vector<float>& fc1, const std::vector<float>& fc2, int64_t rank,
                                    const PredictorTrainData& data, int64_t begin, int64_t end, float threshold,
                                    ThreadPool& pool);

}  // namespace locus
