// End to end: `locus profile -o` and `locus plan` on a synthetic sparse model the test generates.
#include <gtest/gtest.h>

#include <filesystem>

#include "gguf/gguf.h"
#include "model/model_spec.h"
#include "model/weights.h"
#include "sparse/activation_profile.h"
#include "sparse/footprint.h"
#include "sparse/gpu_index.h"
#include "test_util.h"

namespace locus {
namespace {

const std::string& tiny_model() {
    static const std::string path = [] {
        const std::string p = test::temp_dir() + "/tiny_sparse.gguf";
        const auto r = test::run_command(test::locus_binary() + " synth --shape tiny --sparse --type q4_0 -t 2 -o " + p);
        if (r.exit_code != 0) std::printf("%s\n", r.output.c_str());
        return p;
    }();
    return path;
}

TEST(PlanCli, FootprintOfSyntheticModel) {
    auto file = gguf::File::open(tiny_model());
    ASSERT_TRUE(file) << file.error();
    auto spec = read_model_spec(**file);
    ASSERT_TRUE(spec);
    auto w = bind_weights(**file, *spec);
    ASSERT_TRUE(w) << w.error();
    auto fp = model_footprint(*spec, *w, 128);
    ASSERT_TRUE(fp) << fp.error();
    ASSERT_EQ(int64_t(fp->layers.size()), spec->n_layer);
    const LayerFootprint& l = fp->layers[0];
    EXPECT_EQ(l.neuron_bytes, 3 * row_bytes(DType::Q4_0, spec->n_embd));  // gate + up + down_t rows
    EXPECT_EQ(l.k_cache_bytes, uint64_t(128 * spec->kv_dim() * 2));
    EXPECT_GT(l.predictor_bytes, 0u);
    EXPECT_EQ(l.ffn_norm_bytes, uint64_t(spec->n_embd * 4));
    EXPECT_EQ(l.attn_bytes, w->layers[0].wq.rows * w->layers[0].wq.row_bytes * 2 +
                                w->layers[0].wk.rows * w->layers[0].wk.row_bytes * 2 + uint64_t(spec->n_embd * 4));
}

TEST(PlanCli, ProfileThenPlanWritesAndReusesTheGpuIndex) {
    const std::string model = tiny_model(), prof = test::temp_dir() + "/tiny.prof";
    const std::string bin = test::locus_binary();
    auto r = test::run_command(bin + " profile -m " + model +
                               " -p 'Once upon a time there was a little girl who liked to play in the park.' -t 2 -o " + prof);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto counts = read_activation_profile(prof);
    ASSERT_TRUE(counts) << counts.error();
    EXPECT_GT(counts->n_tokens, 10);

    const std::string idx = gpu_index_path(model);
    std::filesystem::remove(idx);
    r = test::run_command(bin + " plan -m " + model + " --vram-budget 0.0020 --profile " + prof);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("GPU-served share"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("CPU layers"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("| planner ("), std::string::npos) << r.output;  // the planner's own row
    EXPECT_NE(r.output.find("same count in every layer"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("wrote " + idx), std::string::npos) << r.output;
    auto g = read_gpu_index(idx, 4, 768);
    ASSERT_TRUE(g) << g.error();

    r = test::run_command(bin + " plan -m " + model + " --vram-budget 0.0025 --profile " + prof);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("reused " + idx), std::string::npos) << r.output;

    std::filesystem::remove(idx);
    r = test::run_command(bin + " plan -m " + model + " --vram-budget 0.0015 --disable-gpu-index");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("uniform prior"), std::string::npos) << r.output;  // the file's own frequencies
    EXPECT_NE(r.output.find("model file"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(idx));

    // A file without frequencies and no --profile: the uniform prior, with a warning.
    const std::string bare = test::temp_dir() + "/tiny_sparse_nofreq.gguf";
    r = test::run_command(bin + " synth --shape tiny --sparse --type q4_0 --no-frequencies -t 2 -o " + bare);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = test::run_command(bin + " plan -m " + bare + " --vram-budget 0.0015 --disable-gpu-index");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("uniform prior"), std::string::npos) << r.output;

    r = test::run_command(bin + " plan -m " + model + " --vram-budget 1 --profile " + test::temp_dir() + "/nope.prof");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("nope.prof"), std::string::npos) << r.output;
}

// A profile measured on one model, handed to the planner of another: one clear error, nothing written.
TEST(PlanCli, ProfileOfAnotherModelIsAClearError) {
    const std::string bin = test::locus_binary(), other = test::source_dir() + "/models/relu-llama-tiny-par.gguf";
    const std::string prof = test::temp_dir() + "/other.prof";
    auto r = test::run_command(bin + " profile -m " + other + " -p 'Once upon a time there was a cat.' -t 1 -o " + prof);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string idx = gpu_index_path(tiny_model());
    std::filesystem::remove(idx);
    r = test::run_command(bin + " plan -m " + tiny_model() + " --vram-budget 0.002 --profile " + prof + " 2>&1");
    EXPECT_NE(r.exit_code, 0) << r.output;
    // relu-llama-tiny-par has 6 layers of 512 neurons, the synthetic tiny model 4 of 768.
    EXPECT_NE(r.output.find(prof), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("have 6 layers, the model has 4"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("Segmentation"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(idx));
}

}  // namespace
}  // namespace locus
