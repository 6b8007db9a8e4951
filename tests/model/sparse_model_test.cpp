// Sparse models end to end: synthetic PWRI files from `locus synth`, a PWRI file written here by hand from the
// format description, the sparse modes against each other, the measured activation profile, and bad requests.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <deque>
#include <filesystem>

#include "gguf/gguf.h"
#include "runtime/engine.h"
#include "runtime/session.h"
#include "logits_compare.h"
#include "synth_fixtures.h"
#include "test_util.h"

using locus::test::argmaxes;
using locus::test::max_rel_diff;

namespace locus {
namespace {

std::string synth(const std::string& name, const std::string& args) { return test::synth_tiny(name, args); }

std::unique_ptr<Engine> load(const std::string& path, SparseMode mode, int threads = 2) {
    return test::load_engine(path, mode, threads);
}

// Logits of every position of a fixed token sequence (n x n_vocab), evaluated in one batch or token by token.
std::vector<float> logits_of(Engine& e, bool one_by_one = false) {
    std::vector<int32_t> toks = {1};
    for (int i = 0; i < 40; ++i) toks.push_back(int32_t(3 + (i * 37 + 11) % 900));
    return test::session_logits(e, toks, one_by_one);
}



TEST(SparseModel, OracleEqualsOffOnDenseReluModel) {
    const std::string m = synth("relu-f16", "--act relu --type f16");
    auto off = load(m, SparseMode::Off), oracle = load(m, SparseMode::Oracle), autom = load(m, SparseMode::Auto);
    ASSERT_TRUE(off && oracle && autom);
    EXPECT_EQ(autom->sparsity().mode, SparseMode::Oracle);
    const auto a = logits_of(*off), b = logits_of(*oracle);
    EXPECT_LT(max_rel_diff(b, a), 1e-4);
    EXPECT_EQ(argmaxes(a, off->spec().n_vocab), argmaxes(b, off->spec().n_vocab));
}

TEST(SparseModel, SyntheticProfileHoldsAndPredictorIsRight) {
    for (double cover : {0.8, 0.5}) {
        const std::string m = synth("sparse-f32-" + std::to_string(int(cover * 10)),
                                    "--sparse --type f32 --n-ff 1024 --hot-cover " + std::to_string(cover));
        auto e = load(m, SparseMode::Oracle);
        ASSERT_TRUE(e);
        auto s = Session::create(*e, {.n_ctx = 512});
        ASSERT_TRUE(s);
        ActivationCounts counts;
        (*s)->set_activation_counts(&counts);
        std::vector<int32_t> toks = {1};
        for (int i = 0; i < 400; ++i) toks.push_back(int32_t(3 + (i * 7919 + 13) % 1000));
        ASSERT_TRUE((*s)->eval(toks));
        EXPECT_EQ(counts.n_tokens, 401);
        EXPECT_NEAR(counts.active_fraction(), 0.10, 0.02) << "cover " << cover;
        EXPECT_NEAR(counts.coverage(0.3), cover, 0.05);
        // F32 weights: the predictor is exact by construction.
        EXPECT_GT(counts.recall(), 0.99);
        EXPECT_GT(counts.precision(), 0.99);
    }
}

TEST(SparseModel, ModesAgreeOnSyntheticSparseFile) {
    const std::string m = synth("sparse-f32", "--sparse --type f32");
    auto pred = load(m, SparseMode::Auto), oracle = load(m, SparseMode::Oracle), off = load(m, SparseMode::Off);
    ASSERT_TRUE(pred && oracle && off);
    EXPECT_EQ(pred->sparsity().mode, SparseMode::Predictor);
    const auto a = logits_of(*off), b = logits_of(*oracle), c = logits_of(*pred);
    EXPECT_LT(max_rel_diff(b, a), 1e-4);
    // The synthetic predictor can only differ from the gate right at zero, where the neuron adds almost nothing.
    EXPECT_LT(max_rel_diff(c, a), 1e-3);
    // A batch gives the same logits as the tokens one by one (each token keeps to its own predicted set).
    EXPECT_LT(max_rel_diff(logits_of(*pred, true), c), 1e-4);
}

// Falcon: LayerNorm, fused QKV, attention and FFN in parallel, no gate (SEQ), the predictor on the layer input.
TEST(SparseModel, FalconSparseFileModesAgreeAndProfileHolds) {
    const std::string m = synth("falcon-sparse-f32", "--arch falcon --sparse --type f32");
    auto pred = load(m, SparseMode::Auto), oracle = load(m, SparseMode::Oracle), off = load(m, SparseMode::Off);
    ASSERT_TRUE(pred && oracle && off);
    EXPECT_EQ(pred->spec().ffn_mode, FfnMode::seq);
    EXPECT_TRUE(pred->spec().parallel_block);
    EXPECT_EQ(pred->sparsity().mode, SparseMode::Predictor);
    const auto a = logits_of(*off), b = logits_of(*oracle), c = logits_of(*pred);
    EXPECT_LT(max_rel_diff(b, a), 1e-4);
    EXPECT_LT(max_rel_diff(c, a), 1e-2);
    EXPECT_LT(max_rel_diff(logits_of(*pred, true), c), 1e-4);

    // LayerNorm's mean removal makes the synthetic predictor approximate here (it is exact for llama).
    test::expect_default_synthetic_profile(*oracle, 0.9);
}

TEST(SparseModel, FalconDenseGeluRunsAndMissingFusedQkvIsNamed) {
    const std::string m = synth("falcon-gelu-f16", "--arch falcon --type f16");
    auto e = load(m, SparseMode::Auto);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->spec().ffn_act, FfnActivation::gelu);
    EXPECT_EQ(e->sparsity().mode, SparseMode::Off);
    for (float v : logits_of(*e)) ASSERT_TRUE(std::isfinite(v));

    auto f = gguf::File::open(m);
    ASSERT_TRUE(f);
    gguf::Writer w;
    for (const auto& [k, v] : (*f)->metadata()) w.set(k, v);
    for (const auto& t : (*f)->tensors()) {
        if (t.name != "blk.1.attn_qkv.weight") {
            ASSERT_TRUE(w.add_tensor(t.name, t.type, t.shape, t.data, t.size_bytes));
        }
    }
    const std::string broken = test::temp_dir() + "/falcon-no-qkv.gguf";
    ASSERT_TRUE(w.write(broken));
    EngineOptions o;
    o.model_path = broken;
    o.n_threads = 1;
    auto bad = Engine::load(o);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().find("missing tensor 'blk.1.attn_qkv.weight'"), std::string::npos) << bad.error();
}

TEST(SparseModel, ThreadCountsAndRunsAreBitIdentical) {
    const std::string m = synth("sparse-q4_0", "--sparse --type q4_0");
    std::vector<float> first;
    for (int threads : {2, 1, 2}) {
        auto e = load(m, SparseMode::Predictor, threads);
        ASSERT_TRUE(e);
        const auto l = logits_of(*e, true);
        if (first.empty()) first = l;
        else EXPECT_TRUE(l == first) << threads << " threads";
    }
}

// A PowerInfer file written from the format description (not by locus synth): the dense ReLU model's
// weights with the down projection transposed and predictors added. Off mode must equal the dense model.
TEST(SparseModel, HandWrittenPowerInferFileLoadsAndMatchesDense) {
    const std::string dense = synth("relu-f32", "--act relu --type f32");
    auto f = gguf::File::open(dense);
    ASSERT_TRUE(f) << f.error();
    gguf::Writer w;
    w.set_powerinfer(true);
    for (const auto& [k, v] : (*f)->metadata())
        if (k != "locus.ffn_activation") w.set(k, v);  // PWRI llama files are ReLU without saying so
    w.set("powerinfer.sparse_threshold", gguf::Value::make_f32(0.0f));
    std::deque<std::vector<float>> keep;  // deque: references to earlier entries stay valid
    for (const auto& t : (*f)->tensors()) {
        const std::string& n = t.name;
        const size_t pos = n.find(".ffn_down.weight");
        if (pos == std::string::npos) {
            ASSERT_TRUE(w.add_tensor(n, t.type, t.shape, t.data, t.size_bytes));
            continue;
        }
        ASSERT_EQ(t.type, DType::F32);
        const int64_t F = t.shape[0], E = t.shape[1];
        const float* d = reinterpret_cast<const float*>(t.data);
        std::vector<float>& dt = keep.emplace_back(size_t(E * F));
        for (int64_t e = 0; e < E; ++e)
            for (int64_t i = 0; i < F; ++i) dt[size_t(i * E + e)] = d[e * F + i];
        const std::string p = n.substr(0, pos);
        ASSERT_TRUE(w.add_tensor(p + ".ffn_down_t.weight", DType::F32, {E, F}, dt.data(), dt.size() * 4));
        const int64_t r = 32;
        std::vector<float>& fc1 = keep.emplace_back(test::random_floats(size_t(E * r), 5));
        std::vector<float>& fc2 = keep.emplace_back(test::random_floats(size_t(r * F), 6));
        ASSERT_TRUE(w.add_tensor(p + ".fc1.weight", DType::F32, {E, r}, fc1.data(), fc1.size() * 4));
        ASSERT_TRUE(w.add_tensor(p + ".fc2.weight", DType::F32, {r, F}, fc2.data(), fc2.size() * 4));
    }
    const std::string pwri = test::temp_dir() + "/handmade.powerinfer.gguf";
    ASSERT_TRUE(w.write(pwri));

    auto d = load(dense, SparseMode::Off), off = load(pwri, SparseMode::Off), pred = load(pwri, SparseMode::Auto);
    ASSERT_TRUE(d && off && pred);
    EXPECT_TRUE(off->spec().sparse_file);
    EXPECT_EQ(off->spec().ffn_act, FfnActivation::relu);
    EXPECT_EQ(pred->sparsity().mode, SparseMode::Predictor);
    EXPECT_LT(max_rel_diff(logits_of(*off), logits_of(*d)), 1e-4);
    const auto p = logits_of(*pred);
    for (float v : p) ASSERT_TRUE(std::isfinite(v));

    const auto info = test::run_command(test::locus_binary() + " info " + pwri);
    EXPECT_EQ(info.exit_code, 0);
    EXPECT_NE(info.output.find("predictors in every layer (rank 32, f32 / f32), threshold 0"), std::string::npos)
        << info.output;
    EXPECT_NE(info.output.find("--sparse auto runs it as: predictor"), std::string::npos);
}

TEST(SparseModel, ThresholdFromFlagEnvironmentAndFile) {
    const std::string m = synth("sparse-f32", "--sparse --type f32");
    EngineOptions o;
    o.model_path = m;
    o.n_threads = 1;
    auto e = Engine::load(o);
    ASSERT_TRUE(e);
    EXPECT_EQ((*e)->sparsity().threshold, 0.0f);
    setenv("LLAMA_SPARSE_PRED_THRESHOLD", "0.25", 1);
    e = Engine::load(o);
    ASSERT_TRUE(e);
    EXPECT_EQ((*e)->sparsity().threshold, 0.25f);
    o.sparse_threshold = -1.5f;  // the flag wins over the environment
    e = Engine::load(o);
    ASSERT_TRUE(e);
    EXPECT_EQ((*e)->sparsity().threshold, -1.5f);
    o.sparse_threshold.reset();
    setenv("LLAMA_SPARSE_PRED_THRESHOLD", "high", 1);
    e = Engine::load(o);
    unsetenv("LLAMA_SPARSE_PRED_THRESHOLD");
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().find("LLAMA_SPARSE_PRED_THRESHOLD='high' is not a number"), std::string::npos) << e.error();
}

TEST(SparseModel, ImpossibleModesAreClearErrors) {
    const std::string relu = synth("relu-f16", "--act relu --type f16");
    EngineOptions o;
    o.model_path = relu;
    o.n_threads = 1;
    o.sparse = SparseMode::Predictor;
    auto e = Engine::load(o);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().find("no activation predictors"), std::string::npos) << e.error();

    LOCUS_REQUIRE_SHARED(stories, "models/stories260K.gguf");
    o.model_path = stories;
    o.sparse = SparseMode::Oracle;
    e = Engine::load(o);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().find("activation is silu"), std::string::npos) << e.error();
    o.sparse = SparseMode::Auto;  // a SiLU model simply runs dense
    e = Engine::load(o);
    ASSERT_TRUE(e) << e.error();
    EXPECT_EQ((*e)->sparsity().mode, SparseMode::Off);
}

}  // namespace
}  // namespace locus
