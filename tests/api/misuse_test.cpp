// Misuse of the C API returns an error code and a message, never a crash (also run under ASan + UBSan).
#include <fstream>
#include <string>

#include "api_test_util.h"

namespace locus::test {
namespace {

using ApiMisuse = ApiModel;

// The call failed with `want` and left a message mentioning `part`.
#define EXPECT_FAILS(call, want, part)                                                  \
    do {                                                                                \
        const locus_status st_ = (call);                                                \
        EXPECT_EQ(st_, want) << #call << ": " << locus_status_name(st_);               \
        EXPECT_NE(std::string(locus_last_error()).find(part), std::string::npos)        \
            << #call << " said: " << locus_last_error();                                \
    } while (0)

TEST(ApiLoad, BadPathMalformedFileAndBadOptions) {
    locus_model* m = reinterpret_cast<locus_model*>(0x1);
    EXPECT_FAILS(locus_model_load("/nonexistent/model.gguf", nullptr, &m), LOCUS_ERR_LOAD, "/nonexistent/model.gguf");
    EXPECT_EQ(m, nullptr);
    const std::string junk = temp_dir() + "/junk.gguf";
    std::ofstream(junk) << "this is not a gguf file at all, just text";
    EXPECT_FAILS(locus_model_load(junk.c_str(), nullptr, &m), LOCUS_ERR_LOAD, "junk.gguf");
    EXPECT_FAILS(locus_model_load(nullptr, nullptr, &m), LOCUS_ERR_INVALID_ARGUMENT, "path is null");
    EXPECT_FAILS(locus_model_load(bundled_model().c_str(), nullptr, nullptr), LOCUS_ERR_INVALID_ARGUMENT, "out_model");

    locus_model_options o = locus_model_default_options();
    o.vram_budget_gib = 4.0;
    EXPECT_FAILS(locus_model_load(bundled_model().c_str(), &o, &m), LOCUS_ERR_UNSUPPORTED, "without CUDA");
    o = locus_model_default_options();
    o.n_threads = -3;
    EXPECT_FAILS(locus_model_load(bundled_model().c_str(), &o, &m), LOCUS_ERR_INVALID_ARGUMENT, "n_threads");
    o = locus_model_default_options();
    o.sparse_mode = 17;
    EXPECT_FAILS(locus_model_load(bundled_model().c_str(), &o, &m), LOCUS_ERR_INVALID_ARGUMENT, "sparse_mode");
    locus_model_options zeroed{};  // not started from the defaults
    EXPECT_FAILS(locus_model_load(bundled_model().c_str(), &zeroed, &m), LOCUS_ERR_INVALID_ARGUMENT, "struct_size");
    o = locus_model_default_options();
    o.struct_size = sizeof(o) + 8;
    EXPECT_FAILS(locus_model_load(bundled_model().c_str(), &o, &m), LOCUS_ERR_INVALID_ARGUMENT, "newer header");

    // A budget of 0 (CPU only) or automatic (< 0) is fine; a success clears the message.
    o = locus_model_default_options();
    o.vram_budget_gib = 0.0;
    o.n_threads = 1;
    ASSERT_EQ(locus_model_load(bundled_model().c_str(), &o, &m), LOCUS_OK);
    EXPECT_STREQ(locus_last_error(), "");
    EXPECT_EQ(locus_model_free(m), LOCUS_OK);
}

TEST(ApiHandles, NullHandlesAreErrors) {
    locus_model_info info;
    locus_placement pl;
    size_t n = 0;
    int32_t tok = 0;
    int flag = 0;
    char buf[8];
    const float* logits = nullptr;
    locus_session* s = nullptr;
    locus_timings t;
    EXPECT_FAILS(locus_model_get_info(nullptr, &info), LOCUS_ERR_INVALID_HANDLE, "null");
    EXPECT_FAILS(locus_model_get_placement(nullptr, &pl), LOCUS_ERR_INVALID_HANDLE, "null");
    EXPECT_FAILS(locus_tokenize(nullptr, "a", 1, 1, 1, &tok, 1, &n), LOCUS_ERR_INVALID_HANDLE, "model");
    EXPECT_FAILS(locus_detokenize(nullptr, &tok, 1, 0, buf, 8, &n), LOCUS_ERR_INVALID_HANDLE, "model");
    EXPECT_FAILS(locus_token_to_piece(nullptr, 1, 0, buf, 8, &n), LOCUS_ERR_INVALID_HANDLE, "model");
    EXPECT_FAILS(locus_token_is_eog(nullptr, 1, &flag), LOCUS_ERR_INVALID_HANDLE, "model");
    EXPECT_FAILS(locus_session_new(nullptr, nullptr, &s), LOCUS_ERR_INVALID_HANDLE, "model");
    EXPECT_FAILS(locus_session_eval(nullptr, &tok, 1, 0), LOCUS_ERR_INVALID_HANDLE, "session");
    EXPECT_FAILS(locus_session_decode(nullptr, nullptr), LOCUS_ERR_INVALID_HANDLE, "session");
    EXPECT_FAILS(locus_session_get_logits(nullptr, 0, &logits, nullptr), LOCUS_ERR_INVALID_HANDLE, "session");
    EXPECT_FAILS(locus_session_n_past(nullptr, 0, nullptr), LOCUS_ERR_INVALID_HANDLE, "session");
    EXPECT_FAILS(locus_session_clear(nullptr, 0), LOCUS_ERR_INVALID_HANDLE, "session");
    EXPECT_FAILS(locus_session_get_size(nullptr, nullptr, nullptr), LOCUS_ERR_INVALID_HANDLE, "session");
    EXPECT_FAILS(locus_session_cancel(nullptr), LOCUS_ERR_INVALID_HANDLE, "session");
    EXPECT_FAILS(locus_session_get_timings(nullptr, &t), LOCUS_ERR_INVALID_HANDLE, "session");
    EXPECT_FAILS(locus_session_reset_timings(nullptr), LOCUS_ERR_INVALID_HANDLE, "session");
    EXPECT_FAILS(locus_sampler_sample(nullptr, nullptr, 0, &tok), LOCUS_ERR_INVALID_HANDLE, "sampler");
    EXPECT_FAILS(locus_sampler_accept(nullptr, 1), LOCUS_ERR_INVALID_HANDLE, "sampler");
    EXPECT_FAILS(locus_sampler_reset(nullptr), LOCUS_ERR_INVALID_HANDLE, "sampler");
    EXPECT_FAILS(locus_generate(nullptr, nullptr, "x", nullptr, nullptr, nullptr), LOCUS_ERR_INVALID_HANDLE, "session");
    // Freeing null is a no-op, as free(NULL).
    EXPECT_EQ(locus_model_free(nullptr), LOCUS_OK);
    EXPECT_EQ(locus_session_free(nullptr), LOCUS_OK);
    EXPECT_EQ(locus_sampler_free(nullptr), LOCUS_OK);
}

TEST_F(ApiMisuse, FreedAndForeignHandlesAreErrors) {
    locus_session* s = new_session(32);
    ASSERT_EQ(locus_session_free(s), LOCUS_OK);
    const int32_t one[] = {1};
    EXPECT_FAILS(locus_session_eval(s, one, 1, 0), LOCUS_ERR_INVALID_HANDLE, "already freed");
    EXPECT_FAILS(locus_generate(s, nullptr, "Once", nullptr, nullptr, nullptr), LOCUS_ERR_INVALID_HANDLE, "freed");
    EXPECT_FAILS(locus_session_free(s), LOCUS_ERR_INVALID_HANDLE, "freed");
    // A new session never gets the freed handle's value back.
    locus_session* again = new_session(32);
    EXPECT_NE(again, s);
    EXPECT_FAILS(locus_session_eval(s, one, 1, 0), LOCUS_ERR_INVALID_HANDLE, "freed");

    // A model handle where a session is expected, and made-up pointers.
    EXPECT_FAILS(locus_session_eval(reinterpret_cast<locus_session*>(model), one, 1, 0), LOCUS_ERR_INVALID_HANDLE,
                 "another kind");
    EXPECT_FAILS(locus_session_cancel(reinterpret_cast<locus_session*>(0x1234)), LOCUS_ERR_INVALID_HANDLE, "session");
    int stack_object = 0;
    EXPECT_FAILS(locus_model_get_info(reinterpret_cast<locus_model*>(&stack_object), nullptr),
                 LOCUS_ERR_INVALID_HANDLE, "model");

    locus_sampler* smp = nullptr;
    ASSERT_EQ(locus_sampler_new(nullptr, &smp), LOCUS_OK);
    ASSERT_EQ(locus_sampler_free(smp), LOCUS_OK);
    int32_t tok = 0;
    EXPECT_FAILS(locus_sampler_sample(smp, again, 0, &tok), LOCUS_ERR_INVALID_HANDLE, "sampler");
    EXPECT_FAILS(locus_generate(again, smp, "Once", nullptr, nullptr, nullptr), LOCUS_ERR_INVALID_HANDLE, "sampler");
    EXPECT_EQ(locus_session_free(again), LOCUS_OK);
}

TEST_F(ApiMisuse, TooManyTokensAndBadIds) {
    locus_session* s = new_session(16);
    std::vector<int32_t> many(17, 300);
    EXPECT_FAILS(locus_session_eval(s, many.data(), many.size(), 0), LOCUS_ERR_CONTEXT_FULL, "do not fit");
    ASSERT_EQ(locus_session_eval(s, many.data(), 10, 0), LOCUS_OK);
    EXPECT_FAILS(locus_session_eval(s, many.data(), 7, 0), LOCUS_ERR_CONTEXT_FULL, "does not fit the context");
    int64_t past = 0;
    ASSERT_EQ(locus_session_n_past(s, 0, &past), LOCUS_OK);
    EXPECT_EQ(past, 10);  // the failed call ran nothing

    const int32_t bad_tok[] = {1, 512};
    EXPECT_FAILS(locus_session_eval(s, bad_tok, 2, 0), LOCUS_ERR_INVALID_ARGUMENT, "token 512");
    const int32_t neg_tok[] = {-5};
    EXPECT_FAILS(locus_session_eval(s, neg_tok, 1, 0), LOCUS_ERR_INVALID_ARGUMENT, "vocabulary");
    EXPECT_FAILS(locus_session_eval(s, nullptr, 3, 0), LOCUS_ERR_INVALID_ARGUMENT, "tokens is null");
    EXPECT_FAILS(locus_session_eval(s, many.data(), 0, 0), LOCUS_ERR_INVALID_ARGUMENT, "n_tokens");
    EXPECT_FAILS(locus_session_eval(s, many.data(), 1, 3), LOCUS_ERR_INVALID_ARGUMENT, "sequence 3");
    const int32_t tok[] = {1}, pos_neg[] = {-1}, seq_bad[] = {9};
    const locus_batch negative_pos{1, tok, nullptr, pos_neg, nullptr};
    EXPECT_FAILS(locus_session_decode(s, &negative_pos), LOCUS_ERR_INVALID_ARGUMENT, "negative");
    const locus_batch bad_seq{1, tok, seq_bad, nullptr, nullptr};
    EXPECT_FAILS(locus_session_decode(s, &bad_seq), LOCUS_ERR_INVALID_ARGUMENT, "sequence 9");
    const float* logits = nullptr;
    EXPECT_FAILS(locus_session_get_logits(s, 1, &logits, nullptr), LOCUS_ERR_INVALID_ARGUMENT, "index 1");
    EXPECT_FAILS(locus_session_get_logits(s, -1, &logits, nullptr), LOCUS_ERR_INVALID_ARGUMENT, "index -1");

    char buf[4];
    size_t n = 0;
    EXPECT_FAILS(locus_token_to_piece(model, 100000, 0, buf, sizeof buf, &n), LOCUS_ERR_INVALID_ARGUMENT, "100000");
    EXPECT_FAILS(locus_detokenize(model, bad_tok, 2, 0, buf, sizeof buf, &n), LOCUS_ERR_INVALID_ARGUMENT, "512");

    // A prompt longer than the context, through locus_generate.
    ASSERT_EQ(locus_session_clear(s, 0), LOCUS_OK);
    std::string long_prompt;
    for (int i = 0; i < 40; ++i) long_prompt += "the dog ";
    EXPECT_FAILS(locus_generate(s, nullptr, long_prompt.c_str(), nullptr, nullptr, nullptr), LOCUS_ERR_CONTEXT_FULL,
                 "prompt");
    // Generation that reaches the end of the context stops cleanly: as `locus run`, it samples as many tokens as
    // the prompt leaves room for (11 after 5), the last of them not run.
    Collected c;
    ASSERT_EQ(locus_generate(s, nullptr, "Once upon a time", nullptr, collect_piece, &c), LOCUS_OK);
    EXPECT_EQ(c.tokens.size(), 11u);
    ASSERT_EQ(locus_session_n_past(s, 0, &past), LOCUS_OK);
    EXPECT_EQ(past, 15);
    // Continuing would need the pending token and the prompt: there is no room.
    EXPECT_FAILS(locus_generate(s, nullptr, " and", nullptr, nullptr, nullptr), LOCUS_ERR_CONTEXT_FULL, "prompt");
    EXPECT_EQ(locus_session_free(s), LOCUS_OK);
}

TEST_F(ApiMisuse, BadSessionAndSamplerOptions) {
    locus_session* s = nullptr;
    locus_session_options so = locus_session_default_options();
    so.n_seq = 0;
    EXPECT_FAILS(locus_session_new(model, &so, &s), LOCUS_ERR_INVALID_ARGUMENT, "n_seq");
    so = locus_session_default_options();
    so.n_ctx = -1;
    EXPECT_FAILS(locus_session_new(model, &so, &s), LOCUS_ERR_INVALID_ARGUMENT, "n_ctx");
    so = locus_session_default_options();
    so.n_batch = 0;
    EXPECT_FAILS(locus_session_new(model, &so, &s), LOCUS_ERR_INVALID_ARGUMENT, "n_batch");
    EXPECT_EQ(s, nullptr);
    locus_sampler_params sp = locus_sampler_default_params();
    sp.repeat_last_n = -2;
    locus_sampler* smp = nullptr;
    EXPECT_FAILS(locus_sampler_new(&sp, &smp), LOCUS_ERR_INVALID_ARGUMENT, "repeat_last_n");
    locus_generate_options go{};
    s = new_session(32);
    EXPECT_FAILS(locus_generate(s, nullptr, "Once", &go, nullptr, nullptr), LOCUS_ERR_INVALID_ARGUMENT, "struct_size");
    EXPECT_FAILS(locus_generate(s, nullptr, nullptr, nullptr, nullptr, nullptr), LOCUS_ERR_INVALID_ARGUMENT, "prompt");
    locus_session_free(s);
}

TEST_F(ApiMisuse, ReentryFromTheCallbackIsBusy) {
    locus_session* s = new_session(64);
    locus_generate_options go = locus_generate_default_options();
    go.n_predict = 4;
    Collected c;
    c.reenter = s;
    ASSERT_EQ(locus_generate(s, nullptr, "Once upon a time", &go, collect_piece, &c), LOCUS_OK);
    EXPECT_EQ(c.reenter_status, LOCUS_ERR_BUSY);
    EXPECT_EQ(locus_session_free(s), LOCUS_OK);
}

}  // namespace
}  // namespace locus::test
