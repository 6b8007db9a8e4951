// locus sparsify end to end: a synthetic dense ReLU model (its gate has low-rank structure, so a predictor can
// learn it) becomes a PWRI file that loads in predictor mode and computes what the dense model does; bad inputs
// are refused with messages that name the problem.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gguf/gguf.h"
#include "runtime/engine.h"
#include "runtime/session.h"
#include "sparse/neuron_frequencies.h"
#include "logits_compare.h"
#include "synth_fixtures.h"
#include "test_util.h"

using locus::test::argmaxes;
using locus::test::max_rel_diff;

namespace locus {
namespace {

std::string synth(const std::string& name, const std::string& args) { return test::synth_tiny(name, args, 1); }

test::CommandResult sparsify(const std::string& args) {
    return test::run_command(test::locus_binary() + " sparsify -t 1 " + args + " 2>&1");
}

std::unique_ptr<Engine> load(const std::string& path, SparseMode mode) { return test::load_engine(path, mode, 1); }

// Tokens of a text the predictors were not trained on (the calibration text is TinyStories).
std::vector<int32_t> probe_tokens(const Engine& e, int n) {
    const std::string path = test::shared_file("corpus/wiki.test.raw");
    EXPECT_FALSE(path.empty());
    std::ifstream in(path, std::ios::binary);
    std::string text(20000, '\0');
    in.read(text.data(), long(text.size()));
    text.resize(size_t(in.gcount()));
    std::vector<int32_t> all = e.tokenizer().encode(text, false, false), toks = {e.tokenizer().bos()};
    for (size_t i = 1000; i < all.size() && int(toks.size()) <= n; ++i) toks.push_back(all[i]);
    EXPECT_EQ(int(toks.size()), n + 1);
    return toks;
}

std::vector<float> logits_of(Engine& e) {
    auto s = Session::create(e, {.n_ctx = 128});
    EXPECT_TRUE(s);
    EXPECT_TRUE((*s)->eval(probe_tokens(e, 40), 0, true));
    std::vector<float> out;
    for (int64_t i = 0; i < (*s)->n_logits(); ++i) out.insert(out.end(), (*s)->logits(i), (*s)->logits(i) + (*s)->n_vocab());
    return out;
}


TEST(Sparsify, SyntheticReluModelBecomesWorkingPowerInferFile) {
    LOCUS_REQUIRE_SHARED(text, "corpus/tinystories_val.txt");
    LOCUS_REQUIRE_SHARED(held_out_text, "corpus/wiki.test.raw");
    const std::string dense = synth("sparsify-relu-f32", "--act relu --type f32");
    const std::string out = test::temp_dir() + "/sparsified.gguf";
    const auto r = sparsify("-m " + dense + " -f " + text + " -o " + out + " --rank 64 --samples 2000 --epochs 8");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("layer 3: rank 64"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("tokens/s"), std::string::npos) << r.output;

    auto f = gguf::File::open(out);
    ASSERT_TRUE(f) << f.error();
    EXPECT_TRUE((*f)->is_powerinfer());
    EXPECT_EQ((*f)->tensor("blk.0.ffn_down.weight"), nullptr);
    const gguf::TensorInfo* fc1 = (*f)->tensor("blk.2.fc1.weight");
    const gguf::TensorInfo* fc2 = (*f)->tensor("blk.2.fc2.weight");
    const gguf::TensorInfo* down_t = (*f)->tensor("blk.2.ffn_down_t.weight");
    const gguf::TensorInfo* counts = (*f)->tensor("blk.2.ffn_act_count");
    ASSERT_TRUE(fc1 && fc2 && down_t && counts);
    EXPECT_EQ(fc1->shape, (std::vector<int64_t>{256, 64}));
    EXPECT_EQ(fc2->shape, (std::vector<int64_t>{64, 768}));
    EXPECT_EQ(fc1->type, DType::F16);
    EXPECT_EQ(down_t->shape, (std::vector<int64_t>{256, 768}));
    EXPECT_EQ(down_t->type, DType::F32);
    EXPECT_EQ(counts->shape, (std::vector<int64_t>{768}));
    EXPECT_EQ(counts->type, DType::I32);
    auto n_tok = (*f)->get_int("locus.activation_profile.n_tokens");
    ASSERT_TRUE(n_tok && *n_tok);
    EXPECT_GE(**n_tok, 2000);
    // The counts say how often each neuron fired: about 10% of the tokens on average.
    double sum = 0;
    for (int64_t i = 0; i < 768; ++i) sum += reinterpret_cast<const int32_t*>(counts->data)[i];
    EXPECT_NEAR(sum / (768.0 * double(**n_tok)), 0.10, 0.03);
    // ... and the placement planner reads them as the model's own frequencies (not the uniform prior).
    auto freqs = load_frequencies(**f, 4, 768, "");
    ASSERT_TRUE(freqs) << freqs.error();
    EXPECT_FALSE(freqs->prior);
    double mean = 0;
    for (double p : freqs->p[2]) mean += p / 768.0;
    EXPECT_NEAR(mean, sum / (768.0 * double(**n_tok)), 1e-9);
    auto thr = (*f)->get_float("powerinfer.sparse_threshold");
    ASSERT_TRUE(thr && *thr);
    EXPECT_EQ(**thr, 0.0);

    auto x_off = load(dense, SparseMode::Off);
    auto y_pred = load(out, SparseMode::Auto), y_oracle = load(out, SparseMode::Oracle), y_off = load(out, SparseMode::Off);
    ASSERT_TRUE(x_off && y_pred && y_oracle && y_off);
    EXPECT_EQ(y_pred->sparsity().mode, SparseMode::Predictor);
    const auto ref = logits_of(*x_off);
    EXPECT_LT(max_rel_diff(logits_of(*y_off), ref), 1e-4);     // ffn_down_t is the exact transpose
    EXPECT_LT(max_rel_diff(logits_of(*y_oracle), ref), 1e-4);  // oracle equals dense up to rounding
    // Predictor mode: the few neurons missed or added sit near zero and move the logits a little.
    const auto pred = logits_of(*y_pred);
    const double pred_diff = max_rel_diff(pred, ref);
    EXPECT_LT(pred_diff, 3e-2);
    const int64_t V = x_off->spec().n_vocab;
    int64_t same = 0, n = 0;
    for (size_t p = 0; p + size_t(V) <= ref.size(); p += size_t(V), ++n)
        same += std::max_element(ref.begin() + long(p), ref.begin() + long(p) + V) - ref.begin() ==
                std::max_element(pred.begin() + long(p), pred.begin() + long(p) + V) - pred.begin();
    EXPECT_GE(same, n - 2) << "greedy tokens differ at " << n - same << " of " << n << " positions";

    // Recall and precision of the trained predictors against the true activations, on tokens not trained on.
    auto s = Session::create(*y_oracle, {.n_ctx = 512});
    ASSERT_TRUE(s);
    ActivationCounts c;
    (*s)->set_activation_counts(&c);
    ASSERT_TRUE((*s)->eval(probe_tokens(*y_oracle, 300)));
    ASSERT_TRUE(c.has_predictions());
    EXPECT_GE(c.recall(), 0.9);
    EXPECT_GE(c.precision(), 0.8);
    std::printf("held-out text: recall %.4f, precision %.4f; predictor-mode logits: max relative diff %.4f, "
                "greedy tokens %lld of %lld equal\n", c.recall(), c.precision(), pred_diff, (long long)same, (long long)n);
}

TEST(Sparsify, QuantisedDownIsRequantisedAndRuns) {
    LOCUS_REQUIRE_SHARED(text, "corpus/tinystories_val.txt");
    LOCUS_REQUIRE_SHARED(held_out_text, "corpus/wiki.test.raw");
    const std::string dense = synth("sparsify-relu-q8_0", "--act relu --type q8_0");
    const std::string out = test::temp_dir() + "/sparsified-q8_0.gguf";
    const auto r = sparsify("-m " + dense + " -f " + text + " -o " + out +
                            " --rank 64 --samples 300 --epochs 2 --pred-type q8_0 --target-recall 0");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("ffn_down_t q8_0 (requantised: relative RMS error"), std::string::npos) << r.output;
    auto f = gguf::File::open(out);
    ASSERT_TRUE(f);
    EXPECT_EQ((*f)->tensor("blk.0.ffn_down_t.weight")->type, DType::Q8_0);
    EXPECT_EQ((*f)->tensor("blk.0.fc2.weight")->type, DType::Q8_0);
    auto x_off = load(dense, SparseMode::Off), y_off = load(out, SparseMode::Off), y_pred = load(out, SparseMode::Auto);
    ASSERT_TRUE(x_off && y_off && y_pred);
    EXPECT_EQ(y_pred->sparsity().mode, SparseMode::Predictor);
    // One more Q8_0 rounding of the down projection only.
    EXPECT_LT(max_rel_diff(logits_of(*y_off), logits_of(*x_off)), 1e-2);
    for (float v : logits_of(*y_pred)) ASSERT_TRUE(std::isfinite(v));
}

TEST(Sparsify, BadInputsAreClearErrors) {
    LOCUS_REQUIRE_SHARED(text, "corpus/tinystories_val.txt");
    LOCUS_REQUIRE_SHARED(stories, "models/stories260K.gguf");
    const std::string dir = test::temp_dir();
    auto r = sparsify("-m " + stories + " -f " + text + " -o " + dir + "/x.gguf");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("the FFN activation is silu; sparsify needs a ReLU-family model"), std::string::npos) << r.output;

    const std::string dense = synth("sparsify-relu-f32", "--act relu --type f32");
    r = sparsify("-m " + dense + " -f " + dir + "/no-such-text.txt -o " + dir + "/x.gguf");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("cannot read the calibration text '" + dir + "/no-such-text.txt'"), std::string::npos) << r.output;

    const std::string pwri = synth("sparsify-already-sparse", "--sparse --type f32");
    r = sparsify("-m " + pwri + " -f " + text + " -o " + dir + "/x.gguf");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("is already a PowerInfer (PWRI) file"), std::string::npos) << r.output;

    r = sparsify("-m " + dense + " -f " + text + " -o " + dir + "/x.gguf --threshold minus-one");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("--threshold: 'minus-one' is neither a number nor 'auto'"), std::string::npos) << r.output;

    r = sparsify("-m " + dense + " -f " + text + " -o " + dir + "/x.gguf --pred-type q9_9");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("unknown predictor type 'q9_9'"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(dir + "/x.gguf"));
}

}  // namespace
}  // namespace locus
