// Pulling a generation piece by piece gives what the callback form gives.
#include <cstring>

#include "api_test_util.h"

namespace locus::test {
namespace {

using ApiStream = ApiModel;

TEST_F(ApiStream, PiecesEqualTheCallbackGeneration) {
    locus_generate_options go = locus_generate_default_options();
    go.n_predict = 40;
    locus_session* a = new_session(128);
    Collected want;
    ASSERT_EQ(locus_generate(a, nullptr, "Once upon a time", &go, collect_piece, &want), LOCUS_OK);

    locus_session* b = new_session(128);
    locus_stream* st = nullptr;
    ASSERT_EQ(locus_stream_start(b, nullptr, "Once upon a time", &go, &st), LOCUS_OK) << locus_last_error();
    // The stream holds the session.
    const int32_t one[] = {1};
    EXPECT_EQ(locus_session_eval(b, one, 1, 0), LOCUS_ERR_BUSY);
    EXPECT_EQ(locus_session_free(b), LOCUS_ERR_BUSY);
    std::string text;
    std::vector<int32_t> tokens;
    char buf[64];
    size_t n = 0;
    int32_t token = 0;
    int done = 0;
    // A buffer of one byte fits only empty pieces: the piece is kept and given again.
    ASSERT_EQ(locus_stream_next(st, buf, 1, &n, &token, &done), LOCUS_ERR_BUFFER_TOO_SMALL);
    ASSERT_GT(n, 0u);
    while (true) {
        ASSERT_EQ(locus_stream_next(st, buf, sizeof buf, &n, &token, &done), LOCUS_OK) << locus_last_error();
        if (done) break;
        ASSERT_EQ(std::strlen(buf), n);
        text.append(buf, n);
        tokens.push_back(token);
    }
    EXPECT_EQ(text, want.text);
    EXPECT_EQ(tokens, want.tokens);
    ASSERT_EQ(locus_stream_next(st, buf, sizeof buf, &n, &token, &done), LOCUS_OK);  // stays done
    EXPECT_EQ(done, 1);
    ASSERT_EQ(locus_stream_free(st), LOCUS_OK);
    EXPECT_EQ(locus_stream_next(st, buf, sizeof buf, &n, &token, &done), LOCUS_ERR_INVALID_HANDLE);
    EXPECT_EQ(locus_stream_free(st), LOCUS_ERR_INVALID_HANDLE);
    EXPECT_EQ(locus_session_eval(b, one, 1, 0), LOCUS_OK);  // the session is free again
    locus_session_free(a);
    locus_session_free(b);
}

TEST_F(ApiStream, CancelStopsTheStream) {
    locus_session* s = new_session(128);
    locus_stream* st = nullptr;
    ASSERT_EQ(locus_stream_start(s, nullptr, "Once upon a time", nullptr, &st), LOCUS_OK);
    char buf[64];
    size_t n = 0;
    int done = 0;
    ASSERT_EQ(locus_stream_next(st, buf, sizeof buf, &n, nullptr, &done), LOCUS_OK);
    ASSERT_EQ(locus_session_cancel(s), LOCUS_OK);
    EXPECT_EQ(locus_stream_next(st, buf, sizeof buf, &n, nullptr, &done), LOCUS_ERR_CANCELLED);
    EXPECT_EQ(locus_stream_free(st), LOCUS_OK);
    EXPECT_EQ(locus_stream_next(nullptr, buf, sizeof buf, &n, nullptr, &done), LOCUS_ERR_INVALID_HANDLE);
    EXPECT_EQ(locus_stream_start(s, nullptr, "x", nullptr, nullptr), LOCUS_ERR_INVALID_ARGUMENT);
    locus_session_free(s);
}

}  // namespace
}  // namespace locus::test
