// The C API generates what `locus run` generates, and its lower-level calls agree with it.
#include <algorithm>
#include <cstring>

#include "api_test_util.h"

namespace locus::test {
namespace {

using ApiGeneration = ApiModel;

TEST(ApiVersion, HeaderAndLibraryAgree) {
    EXPECT_EQ(locus_version(), LOCUS_VERSION);
    const std::string v = std::to_string(LOCUS_VERSION_MAJOR) + "." + std::to_string(LOCUS_VERSION_MINOR) + "." +
                          std::to_string(LOCUS_VERSION_PATCH);
    EXPECT_EQ(std::string(locus_version_string()), v);
    EXPECT_STREQ(locus_status_name(LOCUS_ERR_BUSY), "LOCUS_ERR_BUSY");
    EXPECT_STREQ(locus_status_name(locus_status(1234)), "LOCUS_ERR_UNKNOWN");
}

TEST_F(ApiGeneration, GreedyTextEqualsLocusRun) {
    for (const char* prompt : {"Once upon a time", "The little dog"}) {
        locus_session* s = new_session();
        locus_generate_options go = locus_generate_default_options();
        go.n_predict = 48;
        Collected c;
        ASSERT_EQ(locus_generate(s, nullptr, prompt, &go, collect_piece, &c), LOCUS_OK) << locus_last_error();
        EXPECT_EQ(c.tokens.size(), 48u);
        EXPECT_EQ(std::string(prompt) + c.text + "\n", locus_run_greedy(prompt, 48)) << prompt;
        EXPECT_EQ(locus_session_free(s), LOCUS_OK);
    }
}

// The generated ids of the llama.cpp golden test (tests/model/stories_golden_test.cpp), through eval + sampler.
TEST_F(ApiGeneration, EvalAndGreedySamplerMatchLlamaCppTokens) {
    const std::vector<int32_t> want = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338};
    locus_session* s = new_session();
    int32_t ids[16];
    size_t n = 0;
    ASSERT_EQ(locus_tokenize(model, "Once upon a time", 16, 1, 1, ids, 16, &n), LOCUS_OK);
    ASSERT_EQ(std::vector<int32_t>(ids, ids + n), (std::vector<int32_t>{1, 403, 407, 261, 378}));
    locus_sampler_params sp = locus_sampler_default_params();
    sp.temperature = 0;
    locus_sampler* greedy = nullptr;
    ASSERT_EQ(locus_sampler_new(&sp, &greedy), LOCUS_OK);
    ASSERT_EQ(locus_session_eval(s, ids, n, 0), LOCUS_OK) << locus_last_error();
    std::vector<int32_t> got;
    for (size_t i = 0; i < want.size(); ++i) {
        int32_t t = -1;
        ASSERT_EQ(locus_sampler_sample(greedy, s, 0, &t), LOCUS_OK) << locus_last_error();
        ASSERT_EQ(locus_sampler_accept(greedy, t), LOCUS_OK);
        got.push_back(t);
        ASSERT_EQ(locus_session_eval(s, &t, 1, 0), LOCUS_OK);
    }
    EXPECT_EQ(got, want);
    int64_t past = 0;
    EXPECT_EQ(locus_session_n_past(s, 0, &past), LOCUS_OK);
    EXPECT_EQ(past, int64_t(n + want.size()));
    locus_timings t{};
    ASSERT_EQ(locus_session_get_timings(s, &t), LOCUS_OK);
    EXPECT_EQ(t.n_prompt_tokens, 5);
    EXPECT_EQ(t.n_decode_tokens, int64_t(want.size()));
    EXPECT_GT(t.prompt_ms, 0);
    EXPECT_GT(t.decode_ms, 0);
    EXPECT_GT(t.load_ms, 0);
    EXPECT_EQ(locus_session_reset_timings(s), LOCUS_OK);
    ASSERT_EQ(locus_session_get_timings(s, &t), LOCUS_OK);
    EXPECT_EQ(t.n_decode_tokens, 0);
    EXPECT_EQ(locus_sampler_free(greedy), LOCUS_OK);
    EXPECT_EQ(locus_session_free(s), LOCUS_OK);
}

// Two sequences in one batch, each with the same prompt, give the same logits as one sequence alone.
TEST_F(ApiGeneration, BatchOfTwoSequencesMatchesOne) {
    const int32_t prompt[] = {1, 403, 407, 261, 378};
    locus_session* one = new_session(64, 1);
    locus_session* two = new_session(64, 2);
    ASSERT_EQ(locus_session_eval(one, prompt, 5, 0), LOCUS_OK);
    int32_t toks[10], seq[10];
    int8_t want[10] = {};
    for (int i = 0; i < 10; ++i) {
        toks[i] = prompt[i % 5];
        seq[i] = i / 5;
    }
    want[4] = want[9] = 1;
    const locus_batch b{10, toks, seq, nullptr, want};
    ASSERT_EQ(locus_session_decode(two, &b), LOCUS_OK) << locus_last_error();
    const float *ref = nullptr, *l0 = nullptr, *l1 = nullptr;
    int64_t n_vocab = 0;
    ASSERT_EQ(locus_session_get_logits(one, 0, &ref, &n_vocab), LOCUS_OK);
    ASSERT_EQ(locus_session_get_logits(two, 0, &l0, nullptr), LOCUS_OK);
    ASSERT_EQ(locus_session_get_logits(two, 1, &l1, nullptr), LOCUS_OK);
    ASSERT_EQ(n_vocab, 512);
    for (int64_t i = 0; i < n_vocab; ++i) {
        EXPECT_NEAR(l0[i], ref[i], 1e-4f);
        EXPECT_NEAR(l1[i], ref[i], 1e-4f);
    }
    int64_t past = 0;
    EXPECT_EQ(locus_session_n_past(two, 1, &past), LOCUS_OK);
    EXPECT_EQ(past, 5);
    EXPECT_EQ(locus_session_clear(two, -1), LOCUS_OK);
    EXPECT_EQ(locus_session_n_past(two, 1, &past), LOCUS_OK);
    EXPECT_EQ(past, 0);
    locus_session_free(one);
    locus_session_free(two);
}

TEST_F(ApiGeneration, TokenizeDetokenizeRoundTrip) {
    const char* text = "Lily had a red ball";
    size_t n = 0;
    EXPECT_EQ(locus_tokenize(model, text, std::strlen(text), 1, 1, nullptr, 0, &n), LOCUS_ERR_BUFFER_TOO_SMALL);
    ASSERT_EQ(n, 8u);  // BOS + 7 (tests/model/stories_golden_test.cpp)
    std::vector<int32_t> ids(n);
    ASSERT_EQ(locus_tokenize(model, text, std::strlen(text), 1, 1, ids.data(), ids.size(), &n), LOCUS_OK);
    char small[4];
    size_t len = 0;
    EXPECT_EQ(locus_detokenize(model, ids.data(), n, 0, small, sizeof small, &len), LOCUS_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(len, std::strlen(text));
    char buf[64];
    ASSERT_EQ(locus_detokenize(model, ids.data(), n, 0, buf, sizeof buf, &len), LOCUS_OK);
    EXPECT_STREQ(buf, text);
    ASSERT_EQ(locus_token_to_piece(model, ids[1], 0, buf, sizeof buf, &len), LOCUS_OK);
    EXPECT_STREQ(buf, " Lily");  // SentencePiece's space marker becomes a space
    locus_model_info info{};
    ASSERT_EQ(locus_model_get_info(model, &info), LOCUS_OK);
    EXPECT_STREQ(info.arch, "llama");
    EXPECT_EQ(info.n_vocab, 512);
    EXPECT_EQ(info.n_layer, 5);
    EXPECT_EQ(info.n_threads, 1);
    EXPECT_GT(info.n_params, 200000);
    EXPECT_LT(info.n_params, 300000);
    int eog = 0;
    ASSERT_EQ(locus_token_is_eog(model, info.eos, &eog), LOCUS_OK);
    EXPECT_EQ(eog, 1);
    ASSERT_EQ(locus_token_is_eog(model, ids[1], &eog), LOCUS_OK);
    EXPECT_EQ(eog, 0);
}

TEST_F(ApiGeneration, PlacementIsAllCpuWithoutCuda) {
    locus_placement p{};
    ASSERT_EQ(locus_model_get_placement(model, &p), LOCUS_OK);
    EXPECT_STREQ(p.backend, "cpu");
    EXPECT_EQ(p.n_layer, 5);
    EXPECT_EQ(p.n_layer_gpu, 0);
    EXPECT_EQ(p.gpu_bytes, 0u);
    EXPECT_GT(p.cpu_bytes, 900000u);  // about 1 MB of F32 weights
    EXPECT_EQ(p.sparse_mode, LOCUS_SPARSE_OFF);  // auto resolves to off for this SiLU model
}

TEST_F(ApiGeneration, SeededSamplerIsReproducible) {
    locus_sampler_params sp = locus_sampler_default_params();
    sp.seed = 42;
    std::string texts[2];
    for (std::string& text : texts) {
        locus_session* s = new_session();
        locus_sampler* smp = nullptr;
        ASSERT_EQ(locus_sampler_new(&sp, &smp), LOCUS_OK);
        locus_generate_options go = locus_generate_default_options();
        go.n_predict = 32;
        Collected c;
        ASSERT_EQ(locus_generate(s, smp, "Once upon a time", &go, collect_piece, &c), LOCUS_OK);
        text = c.text;
        locus_sampler_free(smp);
        locus_session_free(s);
    }
    EXPECT_EQ(texts[0], texts[1]);
    EXPECT_FALSE(texts[0].empty());
}

// A second generation continues the first's context instead of starting over.
TEST_F(ApiGeneration, GenerateAppendsToTheSession) {
    locus_session* s = new_session();
    locus_generate_options go = locus_generate_default_options();
    go.n_predict = 8;
    Collected a, b;
    ASSERT_EQ(locus_generate(s, nullptr, "Once upon a time", &go, collect_piece, &a), LOCUS_OK);
    int64_t past = 0;
    ASSERT_EQ(locus_session_n_past(s, 0, &past), LOCUS_OK);
    EXPECT_EQ(past, 5 + 7);  // the 8th token is sampled but not run
    ASSERT_EQ(locus_generate(s, nullptr, " and", &go, collect_piece, &b), LOCUS_OK);
    int64_t after = 0;
    ASSERT_EQ(locus_session_n_past(s, 0, &after), LOCUS_OK);
    size_t n_and = 0;
    ASSERT_EQ(locus_tokenize(model, " and", 4, 0, 1, nullptr, 0, &n_and), LOCUS_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(after, past + 1 + int64_t(n_and) + 7);  // the pending 8th token of the first call, then as before
    locus_session_free(s);
}

}  // namespace
}  // namespace locus::test
