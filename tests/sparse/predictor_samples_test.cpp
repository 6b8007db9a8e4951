// Capture of predictor training samples: the reservoir itself, and what a model records while it runs
// (each sample's fired set must be the one its own x gives, recomputed here densely from the weights).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "cpu/norm.h"
#include "runtime/engine.h"
#include "runtime/session.h"
#include "sparse/predictor_samples.h"
#include "test_util.h"

namespace locus {
namespace {

// Feeds `n` tokens to every layer; token t has x[0] = t and fires neuron t % n_ff.
PredictorSamples fill(int64_t capacity, int64_t n, uint64_t seed, int64_t n_layer = 3) {
    const int64_t E = 4, F = 70;
    PredictorSamples s(n_layer, E, F, capacity, seed);
    for (int64_t t = 0; t < n; ++t)
        for (int64_t l = 0; l < n_layer; ++l) {
            const float x[E] = {float(t), 1, 2, 3};
            const int32_t neuron = int32_t(t % F);
            s.add_list(l, x, &neuron, 1);
        }
    return s;
}

TEST(PredictorSamples, ReservoirKeepsAUniformSampleSameInEveryLayer) {
    const PredictorSamples a = fill(50, 1000, 1), b = fill(50, 1000, 1), c = fill(50, 1000, 2);
    EXPECT_EQ(a.seen(0), 1000);
    EXPECT_EQ(a.size(0), 50);
    std::set<int64_t> kept;
    bool differs = false;
    for (int64_t s = 0; s < 50; ++s) {
        const int64_t t = int64_t(a.x(0, s, 0));
        kept.insert(t);
        for (int64_t l = 1; l < 3; ++l) EXPECT_EQ(a.x(l, s, 0), a.x(0, s, 0));  // the same tokens in every layer
        EXPECT_EQ(a.x(0, s, 0), b.x(0, s, 0));                                 // reproducible for a seed
        differs |= a.x(0, s, 0) != c.x(0, s, 0);
        // The fired bit travels with its x (t % 70: F16 holds these integers exactly).
        EXPECT_TRUE(a.fired(0, s, t % 70));
        EXPECT_FALSE(a.fired(0, s, (t + 1) % 70));
    }
    EXPECT_TRUE(differs);
    EXPECT_EQ(kept.size(), 50u);
    // Uniform over the stream: most kept tokens come from past the first 50, about half from the second half.
    int64_t late = 0, second_half = 0;
    for (int64_t t : kept) {
        late += t >= 50;
        second_half += t >= 500;
    }
    EXPECT_GE(late, 40);
    EXPECT_GE(second_half, 12);
    EXPECT_LE(second_half, 38);

    // Below capacity: every token, in order.
    const PredictorSamples d = fill(100, 30, 1);
    EXPECT_EQ(d.size(2), 30);
    for (int64_t s = 0; s < 30; ++s) EXPECT_EQ(d.x(2, s, 0), float(s));
    const PredictorTrainData td = d.layer_data(1);
    EXPECT_EQ(td.n, 30);
    EXPECT_EQ(td.x[size_t(7 * 4)], 7.0f);
    EXPECT_TRUE(td.fired(7, 7));
    EXPECT_NEAR(td.active_fraction(), 1.0 / 70.0, 1e-9);
}

std::string synth_relu() {
    const std::string out = test::temp_dir() + "/capture-relu-f32.gguf";
    if (!std::filesystem::exists(out)) {
        const auto r = test::run_command(test::locus_binary() + " synth --shape tiny --act relu --type f32 -t 1 -o " + out);
        EXPECT_EQ(r.exit_code, 0) << r.output;
    }
    return out;
}

// Runs 60 tokens (in one batch, or one by one) and checks every recorded (x, fired set) pair against the fired
// set recomputed from that x: RMSNorm, then gate and up rows of the F32 weights; fired = ReLU(gate) * up != 0.
void check_capture(SparseMode mode, bool one_by_one) {
    EngineOptions o;
    o.model_path = synth_relu();
    o.n_threads = 1;
    o.sparse = mode;
    auto e = Engine::load(o);
    ASSERT_TRUE(e) << e.error();
    const ModelSpec& spec = (*e)->spec();
    const int64_t E = spec.n_embd, F = spec.n_ff;
    auto s = Session::create(**e, {.n_ctx = 128});
    ASSERT_TRUE(s);
    PredictorSamples samples(spec.n_layer, E, F, 100);
    (*s)->set_predictor_samples(&samples);
    std::vector<int32_t> toks = {1};
    for (int i = 0; i < 59; ++i) toks.push_back(int32_t(3 + (i * 7919 + 13) % 1000));
    if (one_by_one) {
        for (int32_t t : toks) ASSERT_TRUE((*s)->eval({&t, 1}));
    } else {
        ASSERT_TRUE((*s)->eval(toks));
    }
    int64_t fired = 0, near_zero_flips = 0;
    std::vector<float> x(static_cast<size_t>(E)), xn(static_cast<size_t>(E));
    for (int64_t l = 0; l < spec.n_layer; ++l) {
        ASSERT_EQ(samples.size(l), 60);
        const LayerWeights& L = (*e)->weights().layers[size_t(l)];
        ASSERT_EQ(L.ffn_gate.type, DType::F32);
        for (int64_t t = 0; t < 60; ++t) {
            for (int64_t d = 0; d < E; ++d) x[size_t(d)] = samples.x(l, t, d);
            rms_norm(x.data(), L.ffn_norm.data(), E, spec.norm_eps, xn.data());
            for (int64_t i = 0; i < F; ++i) {
                const float* g = reinterpret_cast<const float*>(L.ffn_gate.row(i));
                const float* u = reinterpret_cast<const float*>(L.ffn_up.row(i));
                double gate = 0, up = 0;
                for (int64_t d = 0; d < E; ++d) {
                    gate += double(g[d]) * xn[size_t(d)];
                    up += double(u[d]) * xn[size_t(d)];
                }
                const bool want = gate > 0 && up != 0;
                const bool got = samples.fired(l, t, i);
                fired += got;
                if (want != got) {
                    // x was rounded to F16 when stored: only neurons right at the threshold may differ.
                    ASSERT_LT(std::fabs(gate), 2e-3) << "layer " << l << " token " << t << " neuron " << i;
                    ++near_zero_flips;
                }
            }
        }
    }
    const double active = double(fired) / double(spec.n_layer * 60 * F);
    EXPECT_NEAR(active, 0.10, 0.03);
    EXPECT_LT(near_zero_flips, fired / 200 + 1);
}

TEST(PredictorSamples, CaptureMatchesDenseRecomputationOracleBatch) { check_capture(SparseMode::Oracle, false); }
TEST(PredictorSamples, CaptureMatchesDenseRecomputationOracleOneByOne) { check_capture(SparseMode::Oracle, true); }
TEST(PredictorSamples, CaptureMatchesDenseRecomputationOff) { check_capture(SparseMode::Off, false); }

}  // namespace
}  // namespace locus
