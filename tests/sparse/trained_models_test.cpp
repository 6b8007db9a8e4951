// Locus's own trained ReLU-family models in models/ (tools/train_relu_llama.py, then `locus sparsify`), on the
// held-out text neither the trainer nor sparsify saw: what issue 5 asks of them (predictor-mode perplexity within
// 2% of dense, oracle equal to dense, predictor recall >= 0.95 averaged over layers), and the predictor trainer
// converging on the real activations of a trained model (loss falls, recall rises).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <sstream>

#include "runtime/engine.h"
#include "runtime/session.h"
#include "sparse/activation_counts.h"
#include "sparse/predictor_samples.h"
#include "sparse/predictor_trainer.h"
#include "test_util.h"

namespace locus {
namespace {

struct TrainedModel {
    const char* name;
    const char* dense;   // dense GGUF (F16)
    const char* sparse;  // what `locus sparsify` made of it
};
void PrintTo(const TrainedModel& m, std::ostream* os) { *os << m.name; }

const TrainedModel kModels[] = {
    {"par", "models/relu-llama-tiny-par.gguf", "models/relu-llama-tiny-par.powerinfer.gguf"},  // relu(gate) * up
    {"sym", "models/relu-llama-tiny-sym.gguf", "models/relu-llama-tiny-sym.powerinfer.gguf"},  // dReLU
};

constexpr int64_t kCtx = 512;
constexpr int kChunks = 3;  // 1,536 tokens: a few seconds per mode on one core

std::unique_ptr<Engine> load(const std::string& rel, SparseMode mode) {
    EngineOptions o;
    o.model_path = test::source_dir() + "/" + rel;
    o.n_threads = 2;
    o.sparse = mode;
    auto e = Engine::load(o);
    EXPECT_TRUE(e) << e.error();
    return e ? std::move(*e) : nullptr;
}

// The held-out text as `locus perplexity --no-leading-bos` tokenizes it.
std::vector<int32_t> heldout_tokens(const Engine& e) {
    std::ifstream in(test::source_dir() + "/tools/data/tinystories_heldout.txt", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::vector<int32_t> t = e.tokenizer().encode(ss.str(), false, false);
    EXPECT_GE(t.size(), size_t(kChunks * kCtx));
    return t;
}

// llama.cpp's perplexity (as `locus perplexity`): chunks of kCtx tokens whose first is replaced by BOS, the
// negative log-likelihood of the second half of each chunk. counts (optional) sees every token.
double perplexity(Engine& e, const std::vector<int32_t>& tokens, ActivationCounts* counts = nullptr) {
    auto s = Session::create(e, {.n_ctx = kCtx});
    EXPECT_TRUE(s);
    if (counts) (*s)->set_activation_counts(counts);
    double nll = 0;
    int64_t n = 0;
    const int64_t V = e.spec().n_vocab;
    for (int c = 0; c < kChunks; ++c) {
        std::vector<int32_t> chunk(tokens.begin() + c * kCtx, tokens.begin() + (c + 1) * kCtx);
        chunk[0] = e.tokenizer().bos();
        (*s)->clear(0);
        EXPECT_TRUE((*s)->eval(chunk, 0, true));
        for (int64_t i = kCtx / 2; i < kCtx - 1; ++i) {
            const float* l = (*s)->logits(i);
            double mx = l[0], sum = 0;
            for (int64_t v = 1; v < V; ++v) mx = std::max(mx, double(l[v]));
            for (int64_t v = 0; v < V; ++v) sum += std::exp(double(l[v]) - mx);
            nll += mx + std::log(sum) - double(l[chunk[size_t(i + 1)]]);
            ++n;
        }
    }
    return std::exp(nll / double(n));
}

class TrainedModels : public testing::TestWithParam<TrainedModel> {};

TEST_P(TrainedModels, PredictorModeCloseToDenseOracleEqualsDense) {
    const TrainedModel m = GetParam();
    auto dense = load(m.dense, SparseMode::Off);
    auto off = load(m.sparse, SparseMode::Off), oracle = load(m.sparse, SparseMode::Oracle),
         pred = load(m.sparse, SparseMode::Auto);
    ASSERT_TRUE(dense && off && oracle && pred);
    EXPECT_EQ(pred->sparsity().mode, SparseMode::Predictor) << "--sparse auto picks the file's predictors";
    const std::vector<int32_t> tokens = heldout_tokens(*dense);
    ASSERT_GE(tokens.size(), size_t(kChunks * kCtx));

    const double p_dense = perplexity(*dense, tokens);
    ActivationCounts counts;  // oracle mode with predictors: true activations beside the predictions
    const double p_off = perplexity(*off, tokens), p_oracle = perplexity(*oracle, tokens, &counts),
                 p_pred = perplexity(*pred, tokens);
    EXPECT_GT(p_dense, 5.0);  // a real model's perplexity, not a degenerate one
    EXPECT_LT(p_dense, 60.0);
    EXPECT_NEAR(p_off / p_dense, 1.0, 1e-4) << "ffn_down_t is the exact transpose of ffn_down";
    EXPECT_NEAR(p_oracle / p_dense, 1.0, 1e-4) << "oracle computes every non-zero activation";
    EXPECT_LT(std::fabs(p_pred / p_dense - 1.0), 0.02) << "predictor mode within 2% of dense";

    ASSERT_TRUE(counts.has_predictions());
    double recall = 0, precision = 0;
    const int64_t L = int64_t(counts.fired.size());
    for (int64_t l = 0; l < L; ++l) {
        recall += counts.recall(l) / double(L);
        precision += counts.precision(l) / double(L);
    }
    EXPECT_GE(recall, 0.95) << "mean predictor recall over layers";
    // The model is sparse (most neurons are zero for a token) and predictor mode keeps most of that: it computes
    // active x recall / precision of the neurons (PAR ~13%, SYM ~20%: dReLU's fired set is harder to predict).
    EXPECT_LT(counts.active_fraction(), 0.2);
    EXPECT_LT(counts.active_fraction() * recall / precision, 0.3);
    std::printf("%s: perplexity dense %.4f, off %.4f, oracle %.4f, predictor %.4f (%+.2f%%); mean recall %.4f, "
                "precision %.4f, active %.2f%%\n", m.name, p_dense, p_off, p_oracle, p_pred,
                100 * (p_pred / p_dense - 1), recall, precision, 100 * counts.active_fraction());
}

TEST_P(TrainedModels, TrainerConvergesOnRealActivations) {
    const TrainedModel m = GetParam();
    auto dense = load(m.dense, SparseMode::Oracle);
    ASSERT_TRUE(dense);
    const ModelSpec& spec = dense->spec();
    const std::vector<int32_t> tokens = heldout_tokens(*dense);
    ASSERT_GE(tokens.size(), size_t(4 * kCtx));
    PredictorSamples samples(spec.n_layer, spec.n_embd, spec.n_ff, 2048);
    auto s = Session::create(*dense, {.n_ctx = kCtx});
    ASSERT_TRUE(s);
    (*s)->set_predictor_samples(&samples);
    for (int c = 0; c < 4; ++c) {
        std::vector<int32_t> chunk(tokens.begin() + c * kCtx, tokens.begin() + (c + 1) * kCtx);
        chunk[0] = dense->tokenizer().bos();
        (*s)->clear(0);
        ASSERT_TRUE((*s)->eval(chunk));
    }
    (*s)->set_predictor_samples(nullptr);
    const int64_t layer = spec.n_layer / 2;
    const PredictorTrainData d = samples.layer_data(layer);
    ASSERT_EQ(d.n, 2048);
    EXPECT_GT(d.active_fraction(), 0.02);  // real ReLU sparsity: some, not all, neurons fire
    EXPECT_LT(d.active_fraction(), 0.3);

    PredictorTrainOptions o;
    o.rank = 64;
    o.epochs = 6;
    o.target_recall = 0;  // plain training, no boosting
    ThreadPool pool(2);
    auto t = train_predictor(d, o, pool);
    ASSERT_TRUE(t) << t.error();
    ASSERT_EQ(t->history.size(), 6u);
    for (const EpochStats& e : t->history) std::printf("epoch: loss %.4f, held-out recall %.4f\n", e.loss, e.recall);
    EXPECT_LT(t->history.back().loss, 0.8 * t->history.front().loss) << "loss falls";
    EXPECT_GT(t->history.back().recall, t->history.front().recall + 0.2) << "recall rises";
    // 1,843 training samples are few (sparsify keeps 32,768): far from the file's recall, but far above chance
    // (a neuron fires on ~10% of tokens).
    EXPECT_GT(t->held_out.recall, 0.5);
    EXPECT_GT(t->held_out.precision, 0.4);
}

INSTANTIATE_TEST_SUITE_P(Models, TrainedModels, testing::ValuesIn(kModels),
                         [](const testing::TestParamInfo<TrainedModel>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace locus
