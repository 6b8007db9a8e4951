// One layer's predictor training: data preparation (split, per-dimension input scales), a small two-layer
// network trained with Adam, evaluation at threshold 0, and the rank / positive-weight search around them.
// Shapes (B = batch): X (B x E) · W1t (E x r) -> ReLU -> H (B x r) · W2t (r x F) -> Z (B x F) logits.
#include "sparse/predictor_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

#include "sparse/trainer_gemm.h"

namespace locus {
namespace {

using train::gemm_nn;
using train::transpose;

uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
// Uniform in [-1, 1) from a hash of (seed, stream, index).
float unif(uint64_t seed, uint64_t stream, uint64_t i) {
    const uint64_t v = mix(seed ^ mix(stream * 0x100000001b3ull ^ mix(i)));
    return float(v >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

// log(1 + exp(v)) without overflow.
inline float softplus(float v) { return std::max(v, 0.0f) + std::log1p(std::exp(-std::fabs(v))); }
inline float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

// X rows of the listed samples, each dimension divided by its scale.
void gather(const PredictorTrainData& d, const std::vector<float>& inv_scale, const int64_t* idx, int64_t B,
            float* xb, ThreadPool& pool) {
    const int64_t E = d.n_embd;
    pool.parallel_for(B, [&](int64_t b, int64_t e, int) {
        for (int64_t t = b; t < e; ++t) {
            const float* src = d.x.data() + idx[t] * E;
            for (int64_t k = 0; k < E; ++k) xb[t * E + k] = src[k] * inv_scale[size_t(k)];
        }
    });
}

// Counts (predicted, fired, both) over the batch's logits at `threshold`.
void count_hits(const PredictorTrainData& d, const int64_t* idx, int64_t B, const float* z, float threshold,
                PredictorQuality& q) {
    const int64_t F = d.n_ff;
    for (int64_t t = 0; t < B; ++t)
        for (int64_t i = 0; i < F; ++i) {
            const bool p = z[t * F + i] >= threshold, f = d.fired(idx[t], i);
            q.predicted += p;
            q.fired += f;
            q.hit += p && f;
        }
}

void finish(PredictorQuality& q) {
    q.recall = q.fired ? double(q.hit) / double(q.fired) : 1.0;
    q.precision = q.predicted ? double(q.hit) / double(q.predicted) : 1.0;
}

// Z = ReLU(X · W1t) · W2t for B rows; H keeps the hidden layer.
void forward(const float* xb, int64_t B, int64_t E, int64_t r, int64_t F, const float* w1t, const float* w2t,
             float* h, float* z, ThreadPool& pool) {
    gemm_nn(B, r, E, xb, E, w1t, r, h, r, false, pool);
    for (int64_t i = 0; i < B * r; ++i) h[i] = h[i] > 0.0f ? h[i] : 0.0f;
    gemm_nn(B, F, r, h, r, w2t, F, z, F, false, pool);
}

struct Adam {
    std::vector<float> m, v;
    explicit Adam(size_t n) : m(n, 0.0f), v(n, 0.0f) {}
    void step(float* w, const float* g, int64_t n, float lr, int64_t t, ThreadPool& pool) {
        constexpr float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        const float c1 = 1.0f - std::pow(b1, float(t)), c2 = 1.0f - std::pow(b2, float(t));
        const float step = lr * std::sqrt(c2) / c1;
        pool.parallel_for(n, [&](int64_t b, int64_t e, int) {
            for (int64_t i = b; i < e; ++i) {
                m[size_t(i)] = b1 * m[size_t(i)] + (1.0f - b1) * g[i];
                v[size_t(i)] = b2 * v[size_t(i)] + (1.0f - b2) * g[i] * g[i];
                w[i] -= step * m[size_t(i)] / (std::sqrt(v[size_t(i)]) + eps);
            }
        }, 1024);
    }
};

// The network of one rank and its optimiser state, over the training samples [0, n_train) of the data.
class Net {
public:
    Net(const PredictorTrainData& d, const std::vector<float>& inv_scale, int64_t rank, int64_t n_train,
        const PredictorTrainOptions& o, ThreadPool& pool)
        : d_(d), inv_scale_(inv_scale), E_(d.n_embd), F_(d.n_ff), r_(rank), n_train_(n_train), o_(o), pool_(pool),
          w1t_(size_t(E_ * r_)), w2t_(size_t(r_ * F_)), adam1_(w1t_.size()), adam2_(w2t_.size()) {
        // Inputs have unit RMS per dimension: hidden pre-activations start near unit variance, logits near 0.5.
        const float a1 = std::sqrt(3.0f / float(E_)), a2 = std::sqrt(3.0f / float(r_));
        // Adam moves each weight by about the learning rate per step: relative to the initial scale, so one
        // setting suits every width.
        lr1_ = a1;
        lr2_ = a2;
        for (size_t i = 0; i < w1t_.size(); ++i) w1t_[i] = a1 * unif(o.seed, 1 + uint64_t(r_), i);
        for (size_t i = 0; i < w2t_.size(); ++i) w2t_[i] = a2 * unif(o.seed, 2 + uint64_t(r_), i);
        const int64_t B = o.batch;
        xb_.resize(size_t(B * E_));
        xbt_.resize(size_t(B * E_));
        h_.resize(size_t(B * r_));
        ht_.resize(size_t(B * r_));
        dh_.resize(size_t(B * r_));
        z_.resize(size_t(B * F_));
        w2_.resize(w2t_.size());
        g1_.resize(w1t_.size());
        g2_.resize(w2t_.size());
        row_loss_.resize(size_t(B));
    }

    // One pass over the training samples in a fresh seeded order; returns the mean loss per (sample, neuron).
    double epoch(int64_t epoch_index, float lr, float pos_weight) {
        std::vector<int64_t> order(static_cast<size_t>(n_train_));
        std::iota(order.begin(), order.end(), int64_t(0));
        for (int64_t i = n_train_ - 1; i > 0; --i) {
            const uint64_t j = mix(o_.seed ^ mix(uint64_t(epoch_index) * 0x9e37ull ^ mix(uint64_t(i)))) % uint64_t(i + 1);
            std::swap(order[size_t(i)], order[size_t(j)]);
        }
        double loss = 0;
        for (int64_t b = 0; b < n_train_; b += o_.batch) {
            const int64_t B = std::min(o_.batch, n_train_ - b);
            loss += step(order.data() + b, B, lr, pos_weight);
        }
        return loss / (double(n_train_) * double(F_));
    }

    PredictorQuality evaluate(int64_t begin, int64_t end, float threshold) {
        PredictorQuality q;
        std::vector<int64_t> idx(static_cast<size_t>(o_.batch));
        for (int64_t b = begin; b < end; b += o_.batch) {
            const int64_t B = std::min(o_.batch, end - b);
            std::iota(idx.begin(), idx.begin() + B, b);
            gather(d_, inv_scale_, idx.data(), B, xb_.data(), pool_);
            forward(xb_.data(), B, E_, r_, F_, w1t_.data(), w2t_.data(), h_.data(), z_.data(), pool_);
            count_hits(d_, idx.data(), B, z_.data(), threshold, q);
        }
        finish(q);
        return q;
    }

    // fc1 (r x E) with the input scales folded in, fc2 (F x r).
    void export_to(TrainedPredictor& t) const {
        t.rank = r_;
        t.n_embd = E_;
        t.n_ff = F_;
        t.fc1.resize(size_t(r_ * E_));
        t.fc2.resize(size_t(F_ * r_));
        for (int64_t e = 0; e < E_; ++e)
            for (int64_t j = 0; j < r_; ++j) t.fc1[size_t(j * E_ + e)] = w1t_[size_t(e * r_ + j)] * inv_scale_[size_t(e)];
        for (int64_t j = 0; j < r_; ++j)
            for (int64_t i = 0; i < F_; ++i) t.fc2[size_t(i * r_ + j)] = w2t_[size_t(j * F_ + i)];
    }

private:
    // Forward, weighted cross-entropy and its gradient, backward, Adam. Returns the batch's summed loss.
    double step(const int64_t* idx, int64_t B, float lr, float pos_weight) {
        const int64_t E = E_, F = F_, r = r_;
        gather(d_, inv_scale_, idx, B, xb_.data(), pool_);
        forward(xb_.data(), B, E, r, F, w1t_.data(), w2t_.data(), h_.data(), z_.data(), pool_);
        // z becomes dLoss/dz (mean over the batch); each row's loss is summed by one thread, rows in order below.
        const float inv_b = 1.0f / float(B);
        pool_.parallel_for(B, [&](int64_t b, int64_t e, int) {
            for (int64_t t = b; t < e; ++t) {
                float* z = z_.data() + t * F;
                double l = 0;
                for (int64_t i = 0; i < F; ++i) {
                    const float p = sigmoid(z[i]);
                    if (d_.fired(idx[t], i)) {
                        l += pos_weight * softplus(-z[i]);
                        z[i] = pos_weight * (p - 1.0f) * inv_b;
                    } else {
                        l += softplus(z[i]);
                        z[i] = p * inv_b;
                    }
                }
                row_loss_[size_t(t)] = l;
            }
        });
        double loss = 0;
        for (int64_t t = 0; t < B; ++t) loss += row_loss_[size_t(t)];

        // dW2t (r x F) = H^T · dZ;  dH (B x r) = dZ · W2t^T, masked by ReLU;  dW1t (E x r) = X^T · dH.
        transpose(B, r, h_.data(), ht_.data(), pool_);
        gemm_nn(r, F, B, ht_.data(), B, z_.data(), F, g2_.data(), F, false, pool_);
        transpose(r, F, w2t_.data(), w2_.data(), pool_);
        gemm_nn(B, r, F, z_.data(), F, w2_.data(), r, dh_.data(), r, false, pool_);
        for (int64_t i = 0; i < B * r; ++i)
            if (h_[size_t(i)] <= 0.0f) dh_[size_t(i)] = 0.0f;
        transpose(B, E, xb_.data(), xbt_.data(), pool_);
        gemm_nn(E, r, B, xbt_.data(), B, dh_.data(), r, g1_.data(), r, false, pool_);

        ++t_;
        adam1_.step(w1t_.data(), g1_.data(), E * r, lr * lr1_, t_, pool_);
        adam2_.step(w2t_.data(), g2_.data(), r * F, lr * lr2_, t_, pool_);
        return loss;
    }

    const PredictorTrainData& d_;
    const std::vector<float>& inv_scale_;
    int64_t E_, F_, r_, n_train_;
    const PredictorTrainOptions& o_;
    ThreadPool& pool_;
    std::vector<float> w1t_, w2t_;
    Adam adam1_, adam2_;
    int64_t t_ = 0;
    float lr1_ = 0, lr2_ = 0;  // initial weight scales: the learning rate is relative to them
    std::vector<float> xb_, xbt_, h_, ht_, dh_, z_, w2_, g1_, g2_;
    std::vector<double> row_loss_;
};

std::vector<int64_t> candidate_ranks(const PredictorTrainOptions& o, int64_t E) {
    const int64_t mult = std::max<int64_t>(o.rank_multiple, 1);
    const int64_t cap = o.max_rank > 0 ? o.max_rank : E;
    auto fit = [&](int64_t r) { return (std::min(r, cap) + mult - 1) / mult * mult; };
    std::vector<int64_t> out;
    if (o.rank > 0) out.push_back(fit(o.rank));
    else
        for (int64_t r : o.ranks)
            if (r > 0) out.push_back(fit(r));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

PredictorQuality evaluate_predictor(const std::vector<float>& fc1, const std::vector<float>& fc2, int64_t r,
                                    const PredictorTrainData& d, int64_t begin, int64_t end, float threshold,
                                    ThreadPool& pool) {
    const int64_t E = d.n_embd, F = d.n_ff, Bmax = 256;
    std::vector<float> w1t(static_cast<size_t>(E * r)), w2t(static_cast<size_t>(r * F));
    std::vector<float> xb(static_cast<size_t>(Bmax * E)), h(static_cast<size_t>(Bmax * r)), z(static_cast<size_t>(Bmax * F));
    transpose(r, E, fc1.data(), w1t.data(), pool);
    transpose(F, r, fc2.data(), w2t.data(), pool);
    const std::vector<float> ones(static_cast<size_t>(E), 1.0f);
    std::vector<int64_t> idx(static_cast<size_t>(Bmax));
    PredictorQuality q;
    for (int64_t b = begin; b < end; b += Bmax) {
        const int64_t B = std::min(Bmax, end - b);
        std::iota(idx.begin(), idx.begin() + B, b);
        gather(d, ones, idx.data(), B, xb.data(), pool);
        forward(xb.data(), B, E, r, F, w1t.data(), w2t.data(), h.data(), z.data(), pool);
        count_hits(d, idx.data(), B, z.data(), threshold, q);
    }
    finish(q);
    return q;
}

Expected<TrainedPredictor> train_predictor(const PredictorTrainData& d, const PredictorTrainOptions& o,
                                           ThreadPool& pool, const std::function<void(const std::string&)>& log) {
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t E = d.n_embd, F = d.n_ff;
    if (E <= 0 || F <= 0 || int64_t(d.x.size()) != d.n * E || int64_t(d.active.size()) != d.n * d.words())
        return Status::error("predictor training: the sample arrays do not match their shapes");
    if (o.epochs < 1 || o.batch < 1 || !(o.lr > 0) || o.holdout < 0 || o.holdout >= 1)
        return Status::error("predictor training: epochs, batch and learning rate must be positive, holdout in [0, 1)");
    const int64_t n_test = o.holdout > 0 ? std::max<int64_t>(1, int64_t(std::llround(o.holdout * double(d.n)))) : 0;
    const int64_t n_train = d.n - n_test;
    constexpr int64_t kMinTrain = 32;
    if (n_train < kMinTrain)
        return Status::error(fmt::format("predictor training: {} samples leave {} for training; at least {} are "
                                         "needed (give more text or raise the sample count)",
                                         d.n, n_train, kMinTrain));
    const std::vector<int64_t> ranks = candidate_ranks(o, E);
    if (ranks.empty()) return Status::error("predictor training: no rank to try (give a positive rank)");

    // Per-dimension RMS over the training samples; tiny ones are floored so fc1 stays representable in F16.
    std::vector<double> ms(static_cast<size_t>(E), 0.0);
    for (int64_t s = 0; s < n_train; ++s)
        for (int64_t e = 0; e < E; ++e) ms[size_t(e)] += double(d.x[size_t(s * E + e)]) * d.x[size_t(s * E + e)];
    double total = 0;
    for (double& v : ms) total += (v /= double(n_train));
    const double floor_rms = 1e-3 * std::sqrt(total / double(E)) + 1e-30;
    std::vector<float> inv_scale(static_cast<size_t>(E));
    for (int64_t e = 0; e < E; ++e) inv_scale[size_t(e)] = float(1.0 / std::max(std::sqrt(ms[size_t(e)]), floor_rms));

    // Positive weight from the training firing rate.
    int64_t fired = 0;
    for (int64_t s = 0; s < n_train; ++s)
        for (int64_t w = 0; w < d.words(); ++w) fired += __builtin_popcountll(d.active[size_t(s * d.words() + w)]);
    const double p = std::clamp(double(fired) / (double(n_train) * double(F)), 1e-6, 1.0 - 1e-6);
    const float pw0 = o.pos_weight > 0 ? o.pos_weight : float(std::clamp(std::sqrt((1.0 - p) / p), 1.0, 30.0));

    TrainedPredictor best;
    bool have = false;
    for (int64_t r : ranks) {
        Net net(d, inv_scale, r, n_train, o, pool);
        TrainedPredictor cur;
        float pw = pw0;
        int64_t ep = 0;
        PredictorQuality q;
        // The learning rate falls linearly to a tenth over the main epochs; boost rounds run at a third.
        auto run = [&](int epochs, float lr0, float lr1) {
            for (int i = 0; i < epochs; ++i) {
                const float lr = o.lr * (epochs > 1 ? lr0 + (lr1 - lr0) * float(i) / float(epochs - 1) : lr0);
                EpochStats st;
                st.loss = net.epoch(ep++, lr, pw);
                q = n_test ? net.evaluate(n_train, d.n, 0.0f) : net.evaluate(0, n_train, 0.0f);
                st.recall = q.recall;
                st.precision = q.precision;
                cur.history.push_back(st);
            }
            if (log)
                log(fmt::format("rank {}, positive weight {:.2f}: loss {:.4f} -> {:.4f}, recall {:.3f}, precision {:.3f}",
                                r, pw, cur.history.front().loss, cur.history.back().loss, q.recall, q.precision));
        };
        run(o.epochs, 1.0f, 0.1f);
        for (int b = 0; b < o.max_boosts && o.target_recall > 0 && q.recall < o.target_recall; ++b) {
            pw *= 2.0f;
            run(std::max(1, o.epochs / 2), 0.3f, 0.1f);
        }
        net.export_to(cur);
        cur.held_out = q;
        cur.pos_weight = pw;
        cur.reached_target = q.recall >= o.target_recall;
        cur.n_train = n_train;
        cur.n_test = n_test;
        if (!have || cur.held_out.recall > best.held_out.recall) {
            best = std::move(cur);
            have = true;
        }
        if (best.reached_target) break;
    }
    best.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return best;
}

}  // namespace locus
