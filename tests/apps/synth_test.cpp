// `locus synth` options that shape the benchmark models: the firing probabilities it stores, the predictor's
// precision, per-layer activity and per-layer FFN types (and what the placement planner makes of the last two).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "gguf/gguf.h"
#include "model/model_spec.h"
#include "model/weights.h"
#include "sparse/activation_counts.h"
#include "sparse/footprint.h"
#include "sparse/neuron_frequencies.h"
#include "sparse/planner.h"
#include "synth_fixtures.h"

namespace locus {
namespace {

// Recall and precision of the predictor against the true firings over 300 tokens (oracle mode counts both).
ActivationCounts oracle_counts(const std::string& path) {
    auto e = test::load_engine(path, SparseMode::Oracle);
    return e ? test::oracle_counts(*e) : ActivationCounts{};
}

double mean(const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m += x / double(v.size());
    return m;
}

TEST(Synth, SparseFilesCarryTheTrueFiringProbabilities) {
    const std::string path = test::synth_tiny("synth-freq", "--sparse --type q4_0");
    auto f = gguf::File::open(path);
    ASSERT_TRUE(f) << f.error();
    auto freqs = load_frequencies(**f, 4, 768, "");
    ASSERT_TRUE(freqs) << freqs.error();
    EXPECT_FALSE(freqs->prior);
    for (const auto& layer : freqs->p) EXPECT_NEAR(mean(layer), 0.10, 0.005);
    // They are what the model does: measured activity per layer matches the stored mean.
    const ActivationCounts c = oracle_counts(path);
    ASSERT_EQ(c.fired.size(), 4u);
    for (int64_t l = 0; l < 4; ++l) EXPECT_NEAR(c.active_fraction(l), mean(freqs->p[size_t(l)]), 0.02) << l;

    const std::string bare = test::synth_tiny("synth-nofreq", "--sparse --type q4_0 --no-frequencies");
    auto g = gguf::File::open(bare);
    ASSERT_TRUE(g) << g.error();
    EXPECT_EQ((*g)->tensor("blk.0.ffn_act_count"), nullptr);
}

TEST(Synth, PredictorPrecisionIsControlled) {
    // Exact by construction (up to Q4_0 rounding of both the gate and the predictor) ...
    const ActivationCounts exact = oracle_counts(test::synth_tiny("synth-prec1", "--sparse --type q4_0"));
    EXPECT_GT(exact.precision(), 0.9);
    EXPECT_GT(exact.recall(), 0.85);
    // ... or predicting more than fires, as trained predictors do: recall up, precision near the target.
    const ActivationCounts loose =
        oracle_counts(test::synth_tiny("synth-prec08", "--sparse --type q4_0 --pred-precision 0.8"));
    EXPECT_GT(loose.recall(), 0.95);
    EXPECT_GT(loose.recall(), exact.recall());
    EXPECT_NEAR(loose.precision(), 0.8, 0.08);

    const auto r = test::run_command(test::locus_binary() + " synth --shape tiny --sparse --pred-precision 0 -o " +
                                     test::temp_dir() + "/synth-bad.gguf");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("--pred-precision"), std::string::npos) << r.output;
}

TEST(Synth, LayersDifferInActivityAndTypeAndThePlannerUsesIt) {
    const std::string path =
        test::synth_tiny("synth-mixed", "--sparse --type q4_0 --layer-spread 0.5 --alt-ffn-type q8_0");
    auto f = gguf::File::open(path);
    ASSERT_TRUE(f) << f.error();
    for (int l = 0; l < 4; ++l) {
        const DType want = l % 2 == 1 ? DType::Q8_0 : DType::Q4_0;
        for (const char* m : {"ffn_gate", "ffn_up", "ffn_down_t"}) {
            const gguf::TensorInfo* t = (*f)->tensor("blk." + std::to_string(l) + "." + m + ".weight");
            ASSERT_TRUE(t) << l << m;
            EXPECT_EQ(t->type, want) << l << m;
        }
        EXPECT_EQ((*f)->tensor("blk." + std::to_string(l) + ".attn_q.weight")->type, DType::Q4_0);
    }
    auto freqs = load_frequencies(**f, 4, 768, "");
    ASSERT_TRUE(freqs) << freqs.error();
    std::vector<double> means;
    for (const auto& layer : freqs->p) means.push_back(mean(layer));
    // Activities from 0.05 to 0.15 in a shuffled order.
    EXPECT_NEAR(*std::min_element(means.begin(), means.end()), 0.05, 0.005);
    EXPECT_NEAR(*std::max_element(means.begin(), means.end()), 0.15, 0.005);
    const ActivationCounts c = oracle_counts(path);
    for (int64_t l = 0; l < 4; ++l) EXPECT_NEAR(c.active_fraction(l), means[size_t(l)], 0.02) << l;

    // The planner weighs both: it leaves the CPU fewer FFN bytes per token than the same count per layer and than
    // maximising the firings served (which favours the cheaper Q4_0 neurons), and no more than the globally most
    // frequent neurons (its own order, taken in groups).
    auto spec = read_model_spec(**f);
    ASSERT_TRUE(spec) << spec.error();
    auto w = bind_weights(**f, *spec);
    ASSERT_TRUE(w) << w.error();
    auto fp = model_footprint(*spec, *w, 128);
    ASSERT_TRUE(fp) << fp.error();
    const uint64_t budget = uint64_t(fp->layers.size()) * (fp->layers[0].attn_bytes + fp->layers[0].predictor_bytes +
                                                            fp->layers[0].k_cache_bytes * 2 +
                                                            fp->layers[0].ffn_norm_bytes) +
                            uint64_t(fp->output_bytes) + 300 * 4 * fp->layers[0].neuron_bytes;
    double share[4] = {}, cpu[4] = {};
    int i = 0;
    for (HotMethod m : {HotMethod::optimal, HotMethod::uniform, HotMethod::global_frequency, HotMethod::served_firings}) {
        PlannerOptions o;
        o.method = m;
        o.group = 1;  // single neurons, as the global baseline picks them (a tiny layer is only 24 groups of 32)
        o.cpu_layer_cost = 0;  // bytes only: the comparison is about which neurons, not how many CPU layers
        auto p = plan_placement(*fp, *freqs, budget, o);
        ASSERT_TRUE(p) << p.error();
        share[i] = evaluate_placement(*p, *fp, *freqs).served_share();
        cpu[i++] = evaluate_placement(*p, *fp, *freqs).cpu_ffn_bytes;
    }
    EXPECT_GT(share[0], 0.3);
    EXPECT_LT(share[0], 0.99);
    EXPECT_LT(cpu[0], cpu[1] * 0.97);
    EXPECT_LT(cpu[0], cpu[3] * 0.995);
    EXPECT_LE(cpu[0], cpu[2] * (1 + 1e-9));
    EXPECT_GT(share[3], share[1] + 0.01);  // what firings served maximises
    std::printf("CPU FFN bytes/token: planner %.0f, same count per layer %.0f, globally most frequent %.0f, "
                "firings served %.0f\n", cpu[0], cpu[1], cpu[2], cpu[3]);
}

}  // namespace
}  // namespace locus
