// Bad models give one clear error naming the problem, never a crash.
#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "runtime/engine.h"
#include "test_util.h"

namespace locus {
namespace {

// Rewrites stories260K with a metadata change or a tensor left out, then tries to load it.
std::string load_error(const std::function<void(gguf::Writer&)>& edit_meta, const std::string& drop_tensor = "") {
    const std::string src = test::shared_file("models/stories260K.gguf");
    auto f = gguf::File::open(src);
    EXPECT_TRUE(f) << f.error();
    gguf::Writer w;
    for (const auto& [k, v] : (*f)->metadata()) w.set(k, v);
    edit_meta(w);
    for (const auto& t : (*f)->tensors()) {
        if (t.name != drop_tensor) {
            EXPECT_TRUE(w.add_tensor(t.name, t.type, t.shape, t.data, t.size_bytes));
        }
    }
    const std::string out = test::temp_dir() + "/edited.gguf";
    EXPECT_TRUE(w.write(out));
    EngineOptions o;
    o.model_path = out;
    o.n_threads = 1;
    auto e = Engine::load(o);
    return e ? std::string() : e.error();
}

TEST(ModelLoad, UnknownArchitectureIsNamed) {
    if (test::shared_file("models/stories260K.gguf").empty()) GTEST_SKIP();
    const std::string err = load_error([](gguf::Writer& w) { w.set("general.architecture", gguf::Value::make_string("mamba9")); });
    EXPECT_NE(err.find("unsupported architecture 'mamba9'"), std::string::npos) << err;
}

TEST(ModelLoad, MissingTensorIsNamed) {
    if (test::shared_file("models/stories260K.gguf").empty()) GTEST_SKIP();
    const std::string err = load_error([](gguf::Writer&) {}, "blk.3.ffn_up.weight");
    EXPECT_NE(err.find("missing tensor 'blk.3.ffn_up.weight'"), std::string::npos) << err;
}

TEST(ModelLoad, MissingHyperparameterIsNamed) {
    if (test::shared_file("models/stories260K.gguf").empty()) GTEST_SKIP();
    const std::string err =
        load_error([](gguf::Writer& w) { w.set("llama.block_count", gguf::Value::make_string("five")); });
    EXPECT_NE(err.find("llama.block_count"), std::string::npos) << err;
}

TEST(ModelLoad, InconsistentHeadsAreAnError) {
    if (test::shared_file("models/stories260K.gguf").empty()) GTEST_SKIP();
    const std::string err =
        load_error([](gguf::Writer& w) { w.set("llama.attention.head_count_kv", gguf::Value::make_u32(3)); });
    EXPECT_NE(err.find("head_count_kv"), std::string::npos) << err;
}

TEST(ModelLoad, MissingFileIsAnError) {
    EngineOptions o;
    o.model_path = "/nonexistent/model.gguf";
    auto e = Engine::load(o);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().find("/nonexistent/model.gguf"), std::string::npos) << e.error();
}

// A synthetic model of every computable weight type loads and generates (speed-test models must run).
TEST(Synth, EveryWeightTypeLoadsAndRuns) {
    for (const char* type : {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_K", "q5_K", "q6_K"}) {
        const std::string out = test::temp_dir() + "/synth-" + type + ".gguf";
        const auto w = test::run_command(test::locus_binary() + " synth --shape tiny --n-layer 2 --type " + type +
                                         " -o " + out);
        ASSERT_EQ(w.exit_code, 0) << w.output;
        const auto r = test::run_command(test::locus_binary() + " run -m " + out + " -p 'hello' -n 4 --temp 0 -t 2");
        ASSERT_EQ(r.exit_code, 0) << type << ": " << r.output;
        EXPECT_NE(r.output.find("tokens per second"), std::string::npos) << r.output;
    }
}

TEST(Synth, UnknownTypeIsAnError) {
    const auto w = test::run_command(test::locus_binary() + " synth --shape tiny --type q9_9 -o " + test::temp_dir() + "/x.gguf");
    EXPECT_NE(w.exit_code, 0);
    EXPECT_NE(w.output.find("q9_9"), std::string::npos) << w.output;
}

}  // namespace
}  // namespace locus
