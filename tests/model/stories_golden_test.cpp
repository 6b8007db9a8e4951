// Golden tests against llama.cpp on the real stories260K model: greedy tokens and perplexity.
// Reference ids were produced by llama.cpp v0.5.0 (bench/llamacpp harness, --greedy, 1 thread, context 512).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <sstream>

#include "runtime/session.h"
#include "test_util.h"

namespace locus {
namespace {

struct Golden {
    const char* prompt;
    std::vector<int32_t> prompt_ids;
    std::vector<int32_t> generated;
};

const std::vector<Golden>& goldens() {
    static const std::vector<Golden> g = {
        {"Once upon a time", {1, 403, 407, 261, 378},
         {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292,
          411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426}},
        {"The little dog", {1, 291, 376, 400, 428},
         {286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 335, 311, 267, 422, 419, 269,
          311, 267, 422, 419, 426, 385, 328, 432, 358, 394, 261, 370, 268, 414, 444, 335, 261, 370, 268, 414}},
        {"Tom and Sue went to the park. They", {1, 274, 287, 269, 301, 425, 411, 263, 377, 267, 265, 282, 295, 433, 426, 342},
         {394, 261, 370, 268, 414, 444, 335, 261, 370, 268, 414, 444, 426, 342, 391, 266, 267, 337, 335, 312,
          426, 342, 391, 266, 267, 337, 335, 265, 268, 414, 444, 426, 342, 391, 266, 267, 337, 335, 265, 268}},
        {"Lily had a red ball", {1, 317, 381, 261, 352, 266, 268, 388},
         {426, 338, 401, 396, 267, 337, 335, 311, 267, 422, 419, 269, 352, 379, 261, 420, 277, 264, 426, 385,
          328, 432, 358, 394, 261, 370, 268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 426, 338, 391, 266}},
    };
    return g;
}

int32_t argmax(const float* v, int64_t n) { return int32_t(std::max_element(v, v + n) - v); }

std::vector<int32_t> greedy(Session& s, std::vector<int32_t> prompt, int n) {
    s.clear();
    std::vector<int32_t> out;
    EXPECT_TRUE(s.eval(prompt));
    for (int i = 0; i < n; ++i) {
        const int32_t t = argmax(s.logits(0), s.n_vocab());
        out.push_back(t);
        const int32_t one[] = {t};
        EXPECT_TRUE(s.eval(one));
    }
    return out;
}

// Loads stories260K with the test's thread count; the test is skipped when ../shared is absent.
class Stories : public ::testing::TestWithParam<int> {
protected:
    void SetUp() override {
        const std::string path = test::shared_file("models/stories260K.gguf");
        if (path.empty()) GTEST_SKIP() << "test data ../shared/models/stories260K.gguf not found";
        EngineOptions eo;
        eo.model_path = path;
        eo.n_threads = GetParam();
        auto e = Engine::load(eo);
        ASSERT_TRUE(e) << e.error();
        engine = std::move(*e);
    }
    std::unique_ptr<Session> session(int64_t n_ctx) {
        SessionOptions so;
        so.n_ctx = n_ctx;
        auto s = Session::create(*engine, so);
        EXPECT_TRUE(s) << s.error();
        return s ? std::move(*s) : nullptr;
    }
    std::unique_ptr<Engine> engine;
};

TEST_P(Stories, GreedyTokensMatchLlamaCpp) {
    auto s = session(512);
    ASSERT_TRUE(s);
    for (const Golden& g : goldens()) {
        const auto ids = engine->tokenizer().encode(g.prompt, true, true);
        EXPECT_EQ(ids, g.prompt_ids) << g.prompt;
        EXPECT_EQ(greedy(*s, g.prompt_ids, int(g.generated.size())), g.generated) << g.prompt;
    }
}

// The batched (prompt) path and the one-token path give the same logits, up to summation order and the F16
// rounding of the cached K/V it moves (1e-3 relative, the bar set for CPU vs GPU).
TEST_P(Stories, BatchedPromptEqualsTokenByToken) {
    auto a = session(128), b = session(128);
    ASSERT_TRUE(a && b);
    const std::vector<int32_t> toks = goldens()[2].prompt_ids;
    ASSERT_TRUE(a->eval(toks, 0, true));
    for (size_t i = 0; i < toks.size(); ++i) {
        const int32_t one[] = {toks[i]};
        ASSERT_TRUE(b->eval(one));
        for (int64_t v = 0; v < a->n_vocab(); ++v)
            ASSERT_NEAR(a->logits(int64_t(i))[v], b->logits(0)[v], 1e-3f * std::max(1.0f, std::fabs(b->logits(0)[v])))
                << "token " << i << " vocab " << v;
    }
}

INSTANTIATE_TEST_SUITE_P(Threads, Stories, ::testing::Values(1, 2, 3));

TEST(StoriesCli, RunGreedyPrintsReferenceText) {
    LOCUS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    const auto r = test::run_command(test::locus_binary() + " run -m " + path +
                                     " -p 'Once upon a time' -n 40 --temp 0 -c 512 -t 2");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Once upon a time, there was a little girl named Lily. She loved to play outside in the "
                            "park. One day, she saw a big, red ball."),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("tokens per second"), std::string::npos) << r.output;
}

TEST(StoriesCli, PromptLongerThanContextIsAClearError) {
    LOCUS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    std::string prompt;
    for (int i = 0; i < 100; ++i) prompt += "the dog ran ";
    const auto r = test::run_command(test::locus_binary() + " run -m " + path + " -p '" + prompt + "' -c 32 -n 4");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("prompt is"), std::string::npos) << r.output;
}

// llama.cpp's perplexity of this model on tinystories_val.txt at -c 512 (tokenized without BOS, first token of
// each chunk replaced by BOS) is 4.9759 (../shared/corpus/README.md); we must agree within 0.1%.
// Under the sanitizers (about 10x slower) only the first chunks are scored, and the figure is only sanity-checked.
TEST(StoriesCli, PerplexityMatchesLlamaCpp) {
    LOCUS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    LOCUS_REQUIRE_SHARED(text, "corpus/tinystories_val.txt");
#ifdef LOCUS_SANITIZED
    const std::string limit = " --chunks 8";
#else
    const std::string limit;
#endif
    const auto r = test::run_command(test::locus_binary() + " perplexity -m " + path + " -f " + text +
                                     " -c 512 -t 2 --no-leading-bos" + limit);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.output, m, std::regex("PPL = ([0-9.]+) \\+/- [0-9.]+ \\((\\d+) tokens")))
        << r.output;
#ifdef LOCUS_SANITIZED
    EXPECT_EQ(std::stoll(m[2]), 8 * 255);
    EXPECT_GT(std::stod(m[1]), 3.0);
    EXPECT_LT(std::stod(m[1]), 8.0);
#else
    EXPECT_EQ(std::stoll(m[2]), 195585);
    EXPECT_NEAR(std::stod(m[1]), 4.9759, 4.9759 * 0.001);
#endif
}

}  // namespace
}  // namespace locus
