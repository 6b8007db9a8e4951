// The engine's load-time repack into the row-interleaved layout (EngineOptions::interleave): which matrices it
// repacks in each sparse mode, and that the model computes the same thing either way (greedy tokens equal,
// logits to float rounding: the decode kernels sum in another order; prefill reads plain copies of the rows).
#include <gtest/gtest.h>

#include "logits_compare.h"
#include "runtime/engine.h"
#include "synth_fixtures.h"
#include "test_util.h"

namespace locus {
namespace {

std::unique_ptr<Engine> load(const std::string& path, SparseMode mode, bool interleave) {
    EngineOptions o;
    o.model_path = path;
    o.n_threads = 2;
    o.sparse = mode;
    o.interleave = interleave;
    auto e = Engine::load(o);
    EXPECT_TRUE(e) << e.error();
    return e ? std::move(*e) : nullptr;
}

void expect_same_model(const std::string& path, SparseMode mode) {
    auto plain = load(path, mode, false), il = load(path, mode, true);
    ASSERT_TRUE(plain && il);
    const std::vector<int32_t> toks = {1, 15, 300, 42, 7, 99, 250, 3, 64, 128, 17, 5};
    for (bool one_by_one : {true, false}) {
        const auto a = test::session_logits(*plain, toks, one_by_one), b = test::session_logits(*il, toks, one_by_one);
        EXPECT_LT(test::max_rel_diff(b, a), 2e-4) << path << (one_by_one ? " decode" : " prefill");
        EXPECT_EQ(test::argmaxes(b, plain->spec().n_vocab), test::argmaxes(a, plain->spec().n_vocab)) << path;
    }
}

TEST(InterleaveModel, DenseF16ModelRepacksEveryMatrixAndComputesTheSame) {
    const std::string path = test::source_dir() + "/models/relu-llama-tiny-par.gguf";
    auto e = load(path, SparseMode::Off, true);
    ASSERT_TRUE(e);
    const LayerWeights& L = e->weights().layers[0];
    EXPECT_TRUE(L.wq.interleaved && L.wo.interleaved && L.ffn_gate.interleaved && L.ffn_up.interleaved &&
                L.ffn_down.interleaved);
    EXPECT_TRUE(e->file().tensor_data_modified());
    EXPECT_FALSE(load(path, SparseMode::Off, false)->file().tensor_data_modified());
    expect_same_model(path, SparseMode::Off);
}

TEST(InterleaveModel, SparseModesKeepTheFfnPlain) {
    const std::string path = test::source_dir() + "/models/relu-llama-tiny-par.powerinfer.gguf";
    auto e = load(path, SparseMode::Predictor, true);
    ASSERT_TRUE(e);
    const LayerWeights& L = e->weights().layers[0];
    EXPECT_TRUE(L.wq.interleaved && L.fc1.interleaved);  // read whole every token
    EXPECT_FALSE(L.ffn_gate.interleaved || L.ffn_up.interleaved || L.ffn_down_t.interleaved);  // read row by row
    expect_same_model(path, SparseMode::Predictor);
    expect_same_model(test::source_dir() + "/models/relu-llama-tiny-par.gguf", SparseMode::Oracle);
}

TEST(InterleaveModel, QuantisedSyntheticModelsComputeTheSame) {
    for (const char* type : {"q4_0", "q8_0"}) {
        const std::string path = test::synth_tiny(std::string("il_") + type, std::string("--type ") + type);
        auto e = load(path, SparseMode::Off, true);
        ASSERT_TRUE(e);
        EXPECT_TRUE(e->weights().layers[0].wq.interleaved) << type;
        expect_same_model(path, SparseMode::Off);
    }
}

}  // namespace
}  // namespace locus
