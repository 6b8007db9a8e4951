// Cancellation and use from several threads.
#include <atomic>
#include <thread>

#include "api_test_util.h"

namespace locus::test {
namespace {

using ApiThreads = ApiModel;

TEST_F(ApiThreads, CancelFromTheCallbackStopsAtTheNextToken) {
    locus_session* s = new_session(128);
    locus_generate_options go = locus_generate_default_options();
    go.n_predict = 50;
    Collected c;
    c.cancel_session = s;
    c.cancel_after = 3;
    EXPECT_EQ(locus_generate(s, nullptr, "Once upon a time", &go, collect_piece, &c), LOCUS_ERR_CANCELLED);
    EXPECT_EQ(c.tokens.size(), 3u);
    EXPECT_NE(std::string(locus_last_error()).find("cancelled"), std::string::npos);
    // The request is used up: the next generation runs.
    Collected d;
    go.n_predict = 5;
    EXPECT_EQ(locus_generate(s, nullptr, " The", &go, collect_piece, &d), LOCUS_OK);
    EXPECT_EQ(d.tokens.size(), 5u);
    // A cancel with nothing running cancels the next generation at once.
    ASSERT_EQ(locus_session_cancel(s), LOCUS_OK);
    Collected e;
    EXPECT_EQ(locus_generate(s, nullptr, " The", &go, collect_piece, &e), LOCUS_ERR_CANCELLED);
    EXPECT_TRUE(e.tokens.empty());
    locus_session_free(s);
}

TEST_F(ApiThreads, CallbackCanStopTheGeneration) {
    locus_session* s = new_session(128);
    Collected c;
    c.stop_after = 6;
    EXPECT_EQ(locus_generate(s, nullptr, "Once upon a time", nullptr, collect_piece, &c), LOCUS_OK);
    EXPECT_EQ(c.tokens.size(), 6u);
    locus_session_free(s);
}

// Sessions of one model used from two threads at once give what each gives alone.
TEST_F(ApiThreads, TwoSessionsOnTwoThreads) {
    locus_generate_options go = locus_generate_default_options();
    go.n_predict = 24;
    const char* prompts[2] = {"Once upon a time", "The little dog"};
    std::string alone[2], together[2];
    for (int i = 0; i < 2; ++i) {
        locus_session* s = new_session(128);
        Collected c;
        ASSERT_EQ(locus_generate(s, nullptr, prompts[i], &go, collect_piece, &c), LOCUS_OK);
        alone[i] = c.text;
        locus_session_free(s);
    }
    locus_session* ss[2] = {new_session(128), new_session(128)};
    locus_status st[2];
    std::thread th[2];
    for (int i = 0; i < 2; ++i)
        th[i] = std::thread([&, i] {
            Collected c;
            st[i] = locus_generate(ss[i], nullptr, prompts[i], &go, collect_piece, &c);
            together[i] = c.text;
        });
    for (auto& t : th) t.join();
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(st[i], LOCUS_OK);
        EXPECT_EQ(together[i], alone[i]);
        locus_session_free(ss[i]);
    }
}

// A session that another thread is generating with cannot be freed under it; it can be cancelled. The
// callback holds the generation at its second piece until the main thread has tried both.
TEST_F(ApiThreads, FreeWhileGeneratingIsBusyAndCancelWorks) {
    locus_session* s = new_session(512);
    locus_generate_options go = locus_generate_default_options();
    go.ignore_eos = 1;
    struct Gate { std::atomic<int> pieces{0}; std::atomic<bool> inside{false}, release{false}; } gate;
    auto hold = [](const char*, size_t, int32_t, void* user) {
        auto* g = static_cast<Gate*>(user);
        if (g->pieces.fetch_add(1) == 1) {
            g->inside.store(true);
            while (!g->release.load()) std::this_thread::yield();
        }
        return 0;
    };
    locus_status result = LOCUS_OK;
    std::thread gen([&] { result = locus_generate(s, nullptr, "Once upon a time", &go, hold, &gate); });
    while (!gate.inside.load()) std::this_thread::yield();
    EXPECT_EQ(locus_session_free(s), LOCUS_ERR_BUSY);
    int64_t past = 0;
    EXPECT_EQ(locus_session_n_past(s, 0, &past), LOCUS_ERR_BUSY);
    EXPECT_EQ(locus_session_cancel(s), LOCUS_OK);
    gate.release.store(true);
    gen.join();
    EXPECT_EQ(result, LOCUS_ERR_CANCELLED);
    EXPECT_EQ(gate.pieces.load(), 2);
    EXPECT_EQ(locus_session_free(s), LOCUS_OK);
}

// Freeing the model keeps its sessions working; the weights go with the last session.
TEST(ApiLifetime, SessionOutlivesItsModelHandle) {
    locus_model_options o = locus_model_default_options();
    o.n_threads = 1;
    locus_model* m = nullptr;
    ASSERT_EQ(locus_model_load(bundled_model().c_str(), &o, &m), LOCUS_OK);
    locus_session* s = nullptr;
    ASSERT_EQ(locus_session_new(m, nullptr, &s), LOCUS_OK);
    ASSERT_EQ(locus_model_free(m), LOCUS_OK);
    locus_model_info info;
    EXPECT_EQ(locus_model_get_info(m, &info), LOCUS_ERR_INVALID_HANDLE);
    locus_generate_options go = locus_generate_default_options();
    go.n_predict = 16;
    Collected c;
    EXPECT_EQ(locus_generate(s, nullptr, "Once upon a time", &go, collect_piece, &c), LOCUS_OK);
    EXPECT_EQ(c.tokens.size(), 16u);
    EXPECT_EQ(locus_session_free(s), LOCUS_OK);
}

}  // namespace
}  // namespace locus::test
