// Test fixtures over `locus synth`: tiny synthetic models written once per test process, engines loaded from
// them, and the check that a synthetic sparse model has the activation profile synth was asked for.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "runtime/engine.h"
#include "runtime/session.h"
#include "sparse/activation_counts.h"
#include "test_util.h"

namespace locus::test {

// temp_dir()/NAME.gguf written by `locus synth --shape tiny -t THREADS ARGS` (once: later calls reuse it).
inline std::string synth_tiny(const std::string& name, const std::string& args, int threads = 2) {
    const std::string out = temp_dir() + "/" + name + ".gguf";
    if (std::filesystem::exists(out)) return out;
    const auto r = run_command(locus_binary() + " synth --shape tiny -t " + std::to_string(threads) + " -o " + out +
                               " " + args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return out;
}

inline Expected<std::unique_ptr<Engine>> try_load_engine(const std::string& path, SparseMode mode, int threads = 2) {
    EngineOptions o;
    o.model_path = path;
    o.n_threads = threads;
    o.sparse = mode;
    return Engine::load(o);
}

// The engine, or null after a test failure naming the error.
inline std::unique_ptr<Engine> load_engine(const std::string& path, SparseMode mode, int threads = 2) {
    auto e = try_load_engine(path, mode, threads);
    EXPECT_TRUE(e) << e.error();
    return e ? std::move(*e) : nullptr;
}

// Firing counts of an oracle-mode engine over BOS and 300 fixed tokens (the predictor evaluated beside them:
// recall and precision too). Empty after a test failure.
inline ActivationCounts oracle_counts(Engine& oracle) {
    ActivationCounts counts;
    auto s = Session::create(oracle, {.n_ctx = 512});
    EXPECT_TRUE(s) << s.error();
    if (!s) return counts;
    (*s)->set_activation_counts(&counts);
    std::vector<int32_t> toks = {1};
    for (int i = 0; i < 300; ++i) toks.push_back(int32_t(3 + (i * 7919 + 13) % 1000));
    EXPECT_TRUE((*s)->eval(toks));
    return counts;
}

// Over 300 tokens in oracle mode, the default profile of `locus synth --sparse` holds (10% of neurons fire per
// token, the hottest 30% cover 80% of firings) and the predictor finds at least `min_recall` of the firings.
inline void expect_default_synthetic_profile(Engine& oracle, double min_recall) {
    const ActivationCounts counts = oracle_counts(oracle);
    ASSERT_FALSE(counts.fired.empty());
    EXPECT_NEAR(counts.active_fraction(), 0.10, 0.02);
    EXPECT_NEAR(counts.coverage(0.3), 0.8, 0.05);
    EXPECT_GT(counts.recall(), min_recall);
}

}  // namespace locus::test
