// locus sparsify on an OPT model: the down bias moves with its matrix (ffn_down.bias -> ffn_down_t.bias, as
// PowerInfer's converter names it), and the sparse file in off mode computes what the dense one does.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "gguf/gguf.h"
#include "runtime/engine.h"
#include "runtime/session.h"
#include "logits_compare.h"
#include "synth_fixtures.h"
#include "test_util.h"

namespace locus {
namespace {

std::vector<float> logits_of(const std::string& path, SparseMode mode) {
    auto e = test::load_engine(path, mode, 1);
    if (!e) return {};
    std::vector<int32_t> toks = {1};
    for (int i = 0; i < 20; ++i) toks.push_back(int32_t(3 + (i * 53 + 7) % 900));
    return test::session_logits(*e, toks, false, 64);
}

TEST(SparsifyOpt, DownBiasIsRenamedAndOffModeEqualsDense) {
    LOCUS_REQUIRE_SHARED(text, "corpus/tinystories_val.txt");
    const std::string dense = test::temp_dir() + "/opt-dense-for-sparsify.gguf";
    auto r = test::run_command(test::locus_binary() + " synth --shape tiny --arch opt --n-layer 2 --type f32 -t 1 -o " + dense);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string out = test::temp_dir() + "/opt-sparsified.gguf";
    r = test::run_command(test::locus_binary() + " sparsify -t 1 -m " + dense + " -f " + text + " -o " + out +
                          " -n 300 --samples 300 --rank 32 --epochs 1 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;

    auto f = gguf::File::open(out);
    ASSERT_TRUE(f) << f.error();
    EXPECT_TRUE((*f)->is_powerinfer());
    for (int l = 0; l < 2; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        EXPECT_EQ((*f)->tensor(p + "ffn_down.bias"), nullptr);
        ASSERT_NE((*f)->tensor(p + "ffn_down_t.bias"), nullptr);
        EXPECT_NE((*f)->tensor(p + "ffn_up.bias"), nullptr);
    }
    const auto a = logits_of(dense, SparseMode::Off), b = logits_of(out, SparseMode::Off);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_FALSE(a.empty());
    double amax = 0, d = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        amax = std::max(amax, double(std::fabs(a[i])));
        d = std::max(d, double(std::fabs(a[i] - b[i])));
    }
    EXPECT_LT(d / amax, 1e-4);  // F32: ffn_down_t is the exact transpose, the bias the same values
    for (float v : logits_of(out, SparseMode::Auto)) ASSERT_TRUE(std::isfinite(v));  // predictor mode runs
}

}  // namespace
}  // namespace locus
